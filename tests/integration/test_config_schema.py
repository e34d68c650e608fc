# SPDX-License-Identifier: Apache-2.0
"""The config's JSON Schema (config/mqauth.schema.json, issue 19) against the loader itself.

The schema is what editors (yaml-language-server) check a config against as it is typed; the
loader (`mqauth check`, the broker) is what decides. These tests keep the two saying the same:

- Every YAML example in the repository validates against the schema AND passes `mqauth check`:
  config/*.yaml, config/examples/**/*.yaml (when there are any) and every ```yaml block of
  README.md, found by reading those files (no list of examples here).
- A set of broken files (an unknown key, a wrong enum, a wrong type, a USER identity with a
  client_id, two of secret/secret_file, no version, ...) fails both: the schema refuses it, and
  `mqauth check` exits 1 naming the key the file breaks.
- Maximal configs that between them use every key the schema describes validate and pass check
  (a key the schema lacked, or described wrongly, fails them), and the key names in the loader's
  sources (plugin/core/config/) are exactly the schema's (a key added to the loader and not to the
  schema, or the other way round, fails).

README conventions:
- A ```yaml block is a whole config file unless the line before its fence (blank lines
  between are fine) is the HTML comment `<!-- schema: fragment -->`: then it shows a part of
  one (a section), and is completed with `version: 1` (the one key every file needs) before it
  is checked, exactly like a whole file. No other marker exists: every yaml block is checked.

Files an example names: examples name files at absolute paths (/etc/mosquitto/..., the SQLite
registry under /var/lib/mosquitto) or relative to the YAML file. Each example is written into a
temporary directory, each absolute path it names is rewritten to the same path under that
directory, and every file it names is made there with openssl (tls_material.py): a CA per
`ca_certificates` entry, a server certificate and key per `sni.certificates` entry (the key
encrypted with its key_password, or with the password sni_config gives its certificate), an RSA
public key for `signing_public_key`, a secret for `secret_file`/`password_file`, the directory of
an SQLite registry. Each variable `secret_env`/`password_env` names is set for `mqauth check`.

YAML is read as YAML 1.2 (the core schema: true/false, decimal, 0o and 0x integers), as
yaml-language-server reads it, not as PyYAML's YAML 1.1 (where `yes` and `on` are booleans).
"""

import glob
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import jsonschema
import yaml

from mqauth_harness import (
    CLIENT_TIMEOUT,
    fail_on_sanitizer_report,
    required_path,
    sasl_hash,
)
from tls_material import TlsMaterial, run_openssl

REPOSITORY = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCHEMA_PATH = os.path.join(REPOSITORY, "config", "mqauth.schema.json")
README_PATH = os.path.join(REPOSITORY, "README.md")
LOADER_SOURCES = os.path.join(REPOSITORY, "plugin", "core", "config")

FRAGMENT_MARKER = re.compile(r"^<!--\s*schema:\s*fragment\s*-->$")
FENCE = re.compile(r"^(\s*)```\s*([A-Za-z0-9_-]*)\s*$")

# Keys whose value names a file (or, for sqlite, a file in a directory) the example needs.
FILE_KEYS = ("secret_file", "previous_secret_file", "password_file", "file", "cert_file",
             "key_file",
             "signing_public_key", "sqlite")
ENV_KEYS = ("secret_env", "previous_secret_env", "password_env")


# ---------------------------------------------------------------------------------------------
# YAML 1.2 core schema for PyYAML

class Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with the YAML 1.2 core schema's implicit types in place of YAML
    1.1's (no yes/no/on/off booleans, no sexagesimal or 0-prefixed octal numbers, no
    timestamps)."""


Yaml12Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in [
        ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", list("~nN") + [""]),
        ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
        ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
         list("-+0123456789")),
        ("tag:yaml.org,2002:float",
         r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
         r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", list("-+.0123456789"))]:
    Yaml12Loader.add_implicit_resolver(_tag, re.compile(_pattern), _first)


def _construct_int(loader, node):
    text = loader.construct_scalar(node)
    if text.startswith(("0o", "0x")):
        return int(text, 0)
    return int(text, 10)


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)


def parse_yaml(text):
    return yaml.load(text, Loader=Yaml12Loader)


# ---------------------------------------------------------------------------------------------
# The examples

class Example:
    """One YAML example: where it comes from (for messages) and its text, completed with
    `version: 1` when it is a README fragment."""

    def __init__(self, origin, text, fragment=False):
        self.origin = origin
        self.fragment = fragment
        self.text = text
        if fragment:
            parsed = parse_yaml(text)
            if not isinstance(parsed, dict):
                raise AssertionError(f"{origin}: a fragment must be a YAML mapping")
            if "version" not in parsed:
                self.text = "version: 1\n" + text


def readme_yaml_blocks(path=README_PATH):
    """Every ```yaml block of the Markdown file, as Examples named README.md:LINE."""
    with open(path, encoding="utf-8") as file:
        lines = file.read().split("\n")
    blocks = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, language = opening.groups()
        end = index + 1
        while end < len(lines) and not re.match(rf"^{re.escape(indent)}```\s*$", lines[end]):
            end += 1
        if end == len(lines):
            raise AssertionError(f"{path}:{index + 1}: a code fence that is never closed")
        if language in ("yaml", "yml"):
            before = index - 1
            while before >= 0 and not lines[before].strip():
                before -= 1
            fragment = before >= 0 and bool(FRAGMENT_MARKER.match(lines[before].strip()))
            body = "\n".join(line[len(indent):] for line in lines[index + 1:end]) + "\n"
            blocks.append(Example(f"README.md:{index + 1}", body, fragment))
        index = end + 1
    return blocks


def repository_yaml_files():
    """config/*.yaml and config/examples/**/*.yaml, as Examples."""
    found = sorted(glob.glob(os.path.join(REPOSITORY, "config", "*.yaml"))
                   + glob.glob(os.path.join(REPOSITORY, "config", "*.yml"))
                   + glob.glob(os.path.join(REPOSITORY, "config", "examples", "**", "*.yaml"),
                               recursive=True)
                   + glob.glob(os.path.join(REPOSITORY, "config", "examples", "**", "*.yml"),
                               recursive=True))
    examples = []
    for path in found:
        with open(path, encoding="utf-8") as file:
            examples.append(Example(os.path.relpath(path, REPOSITORY), file.read()))
    return examples


def all_examples():
    return repository_yaml_files() + readme_yaml_blocks()


# ---------------------------------------------------------------------------------------------
# The files an example names, made for it

def walk_mappings(node):
    """Every mapping in the parsed YAML."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk_mappings(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk_mappings(item)


def sni_config_passwords(parsed):
    """{certificate_id: key password} from an sni_config string."""
    sni = parsed.get("sni") if isinstance(parsed, dict) else None
    text = sni.get("sni_config") if isinstance(sni, dict) else None
    passwords = {}
    for entry in (text.split(";") if isinstance(text, str) else []):
        parts = entry.split("#", 2)
        if len(parts) == 3:
            passwords[parts[1]] = parts[2]
    return passwords


class Material:
    """What examples' files are made from, once per test class: the RSA public key, the CA
    that issues server certificates, SCRAM credentials; a CA per `ca_certificates` entry and a
    server certificate per `sni.certificates` entry are made on demand."""

    def __init__(self, directory):
        self.tls = TlsMaterial(os.path.join(directory, "tls"))
        self.public_key = os.path.join(directory, "authorizer.pub.pem")
        private_key = os.path.join(directory, "authorizer.pem")
        run_openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", private_key)
        run_openssl("pkey", "-in", private_key, "-pubout", "-out", self.public_key)
        self.server_ca = self.tls.certificate_authority("Schema Test Server CA")
        self.credentials_256 = sasl_hash("schema-test-password", "SCRAM-SHA-256")
        self._count = 0

    def public_key_pem(self):
        with open(self.public_key, encoding="ascii") as file:
            return file.read()

    def next_name(self, stem):
        self._count += 1
        return f"{stem}-{self._count}"


def copy_file(source, destination):
    os.makedirs(os.path.dirname(destination) or ".", exist_ok=True)
    shutil.copyfile(source, destination)


def write_file(destination, text):
    os.makedirs(os.path.dirname(destination) or ".", exist_ok=True)
    with open(destination, "w", encoding="utf-8") as file:
        file.write(text)


class PreparedExample:
    """An example written into its own directory with every file it names: `path` is the YAML
    file to check, `env` the environment check needs."""

    def __init__(self, example, directory, material):
        self.example = example
        self.directory = directory
        self.material = material
        parsed = parse_yaml(example.text)
        files = []  # (key, value, the mapping it is in)
        env_names = []
        for mapping in walk_mappings(parsed):
            for key, value in mapping.items():
                if key in FILE_KEYS and isinstance(value, (str, int, float)):
                    if key == "signing_public_key" and "-----BEGIN " in str(value):
                        continue  # inline PEM: nothing to make
                    files.append((key, str(value), mapping))
                elif key in ENV_KEYS and isinstance(value, str):
                    env_names.append(value)
        absolute = sorted({value for _, value, _ in files if value.startswith("/")},
                          key=len, reverse=True)
        text = example.text
        if absolute:
            # One pass, longest first, so that no rewritten path is rewritten again.
            pattern = re.compile("|".join(re.escape(value) for value in absolute))
            text = pattern.sub(lambda match: directory + match.group(0), text)
        self.path = os.path.join(directory, "mqauth.yaml")
        write_file(self.path, text)
        self.env = {**os.environ, **{name: f"schema-test-{name.lower()}" for name in env_names}}
        self._passwords = sni_config_passwords(parsed)
        self._servers = {}  # id(sni.certificates entry) -> its server Certificate
        for key, value, mapping in files:
            self._make(key, self.target(value), mapping)

    def target(self, value):
        """Where a path of the example lands: under the directory, absolute or not."""
        return self.directory + value if value.startswith("/") else os.path.join(
            self.directory, value)

    def _server_for(self, mapping):
        """One server certificate per sni.certificates entry, its key encrypted with the
        entry's key_password or the password sni_config gives its certificate_id."""
        if id(mapping) not in self._servers:
            password = mapping.get("key_password") or self._passwords.get(
                str(mapping.get("certificate_id")))
            self._servers[id(mapping)] = self.material.tls.server_certificate(
                self.material.next_name("schema-server"), issuer=self.material.server_ca,
                key_password=str(password) if password else None)
        return self._servers[id(mapping)]

    def _make(self, key, target, mapping):
        if key in ("secret_file", "previous_secret_file", "password_file"):
            write_file(target, "schema-test-secret\n")
        elif key == "file":
            authority = self.material.tls.certificate_authority(
                self.material.next_name("Schema Test CA"))
            copy_file(authority.cert, target)
        elif key == "signing_public_key":
            copy_file(self.material.public_key, target)
        elif key == "sqlite":
            os.makedirs(os.path.dirname(target), exist_ok=True)
        elif key == "cert_file":
            copy_file(self._server_for(mapping).chain, target)
        elif key == "key_file":
            copy_file(self._server_for(mapping).key, target)


def run_check(path, env=None):
    """`mqauth check PATH`; as root, files are read as root (the broker's user is not the
    point here; test_cli.py tests that part)."""
    args = [required_path("MQAUTH_CLI"), "check"]
    if os.geteuid() == 0:
        args += ["--broker-user", "root"]
    result = subprocess.run(args + [path], stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, errors="replace", timeout=CLIENT_TIMEOUT, env=env)
    fail_on_sanitizer_report(result.stderr, "mqauth check")
    return result


# ---------------------------------------------------------------------------------------------
# The schema

with open(SCHEMA_PATH, encoding="utf-8") as _file:
    SCHEMA = json.load(_file)

# The one key the schema describes only to refuse it (with a pointer to its replacement).
REFUSED_KEYS = {"device_certificates.registry_file"}


def schema_errors(instance):
    return list(jsonschema.Draft7Validator(SCHEMA).iter_errors(instance))


def describe_errors(errors):
    return "\n".join(f"  {'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
                     for error in errors)


def resolve(schema):
    while "$ref" in schema:
        node = SCHEMA
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def schema_key_paths(schema=SCHEMA, path=""):
    """Every key the schema describes, as a path (`sni.certificates[].cert_file`)."""
    schema = resolve(schema)
    paths = set()
    for key, child in schema.get("properties", {}).items():
        child_path = f"{path}.{key}" if path else key
        paths.add(child_path)
        paths |= schema_key_paths(child, child_path)
    if isinstance(schema.get("items"), dict):
        paths |= schema_key_paths(schema["items"], f"{path}[]")
    return paths


def schema_enum_values(schema=SCHEMA):
    values = set()
    if isinstance(schema, dict):
        values |= {value for value in schema.get("enum", []) if isinstance(value, str)}
        for child in schema.values():
            values |= schema_enum_values(child)
    elif isinstance(schema, list):
        for child in schema:
            values |= schema_enum_values(child)
    return values


def config_key_paths(node, path=""):
    """Every key a parsed config uses, as a path like schema_key_paths()'."""
    paths = set()
    if isinstance(node, dict):
        for key, value in node.items():
            child_path = f"{path}.{key}" if path else str(key)
            paths.add(child_path)
            paths |= config_key_paths(value, child_path)
    elif isinstance(node, list):
        for item in node:
            paths |= config_key_paths(item, f"{path}[]")
    return paths


STRING_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def loader_key_names():
    """Every snake_case string literal of the loader's sources (plugin/core/config/*.cpp and
    *.h) that stands alone, comments left out: the keys it reads and the enum values it takes.
    A literal glued to another one (a message split over lines) is text, not a key."""
    names = set()
    for path in glob.glob(os.path.join(LOADER_SOURCES, "*.cpp")) + glob.glob(
            os.path.join(LOADER_SOURCES, "*.h")):
        with open(path, encoding="utf-8") as file:
            source = file.read()
        code = re.sub(r"//[^\n]*", "", source)
        literals = list(STRING_LITERAL.finditer(code))
        for index, literal in enumerate(literals):
            glued = any(0 <= other < len(literals)
                        and not code[min(literal.end(), literals[other].end()):
                                     max(literal.start(), literals[other].start())].strip()
                        for other in (index - 1, index + 1))
            if not glued and re.fullmatch(r"[a-z][a-z0-9_]*", literal.group(1)):
                names.add(literal.group(1))
    return names


# ---------------------------------------------------------------------------------------------
# Maximal configs: between them, every key the schema describes (one registry per file, one of
# domains and sni_config, one of password_file and password_env). @...@ is filled in at run time.

MAXIMAL_CONFIGS = {
    "sqlite registry, domains, a signing key file": """\
version: 1
anonymous: allow
unknown_usernames: next_plugin
identities:
  - username: max-user
    identity_type: USER
    secret: "max-user-secret"
    sign_mode: SIGNED
    previous_secret: "max-user-old-secret"
    previous_secret_until: "2031-06-30T12:00:00+02:00"
  - username: max-client
    identity_type: CLIENT
    client_id: GID_max@@@client-1
    secret_file: secrets/client-1
    sign_mode: ORIGIN
    previous_secret_file: secrets/client-1.old
  - username: max-env
    identity_type: USER
    secret_env: MQAUTH_SCHEMA_TEST_SECRET
    sign_mode: ORIGIN
    previous_secret_env: MQAUTH_SCHEMA_TEST_SECRET
permissions:
  no_match: DENY
  rules:
    - identity_type: USER
      identity: max-user
      topic: "devices/%c/#"
      permit_action: PUB_SUB
      effect: ALLOW
    - identity_type: CLIENT
      identity: GID_max@@@client-1
      topic: "devices/+/commands"
      permit_action: PUB
      effect: DENY
sasl_users:
  - username: max-plain
    type: plain
    mechanism: SCRAM-SHA-256
    credentials: "@CREDENTIALS_256@"
    previous_credentials: "@CREDENTIALS_256@"
    previous_credentials_until: "2031-06-30T12:00:00+02:00"
  - username: max-scram
    type: scram
    password: "max-scram-password"
ca_certificates:
  - ca_name: max-ca
    file: ca/max.pem
    status: ACTIVE
device_certificates:
  registry:
    sqlite: registry/devices.db
  bind_client_id_to_cn: true
  states:
    - device_sn: "1a2b"
      issuer: "CN=Max Issuing CA,O=Acme"
      status: REVOKED
    - device_sn: "3C4D"
      ca_sn: "7F00"
      status: INACTIVE
throttling:
  enabled: true
  max_failures: 5
  address_max_failures: 50
  window_seconds: 30
  backoff_seconds: 120
  max_tracked: 1000
metrics:
  listen: 127.0.0.1:9234
  sys_interval: 30
authorizers:
  - authorizer_name: max-signed
    func_urn: https://auth.example.com/mqtt
    signing_enable: true
    signing_token: tok_1
    signing_public_key: keys/authorizer.pub.pem
    default_authorizer: true
    status: ACTIVE
    cache_enable: true
    timeout_ms: 500
    max_in_flight: 10
sni:
  certificates:
    - certificate_id: main
      cert_file: certs/main.crt
      key_file: certs/main.key
      key_password: "main-key-pass"
  default_certificate: main
  domains:
    - domain: "*.mqtt.example.com"
      certificate_id: main
""",
    "postgresql registry with password_file, sni_config, an inline key": """\
version: 1
device_certificates:
  registry:
    postgresql: "host=db.example.com dbname=mqauth user=mqauth"
    password_file: /etc/mosquitto/mqauth-registry.pass
    timeout_ms: 250
authorizers:
  - authorizer_name: max-inline
    func_urn: http://127.0.0.1:9000/mqtt-auth
    signing_enable: false
    signing_public_key: |
@PUBLIC_KEY_PEM@
    status: INACTIVE
sni:
  certificates:
    - certificate_id: test
      cert_file: /etc/mosquitto/certs/test.crt
      key_file: /etc/mosquitto/certs/test.key
  default_certificate: test
  sni_config: "mqtt-test.example.com#test#test-key-pass;*.example.com#test"
""",
    "postgresql registry with password_env": """\
version: 1
device_certificates:
  registry:
    postgresql: "host=db.example.com dbname=mqauth user=mqauth"
    password_env: MQAUTH_SCHEMA_TEST_DB_PASSWORD
""",
}

# Values that look wrong but that the loader takes (and so must the schema): numbers and
# booleans as text, an upper-case URL scheme, lower-case serials, '%' that is no placeholder,
# empty lists.
UNUSUAL_BUT_VALID = """\
version: 1
identities:
  - username: 12345
    identity_type: CLIENT
    client_id: 42
    secret: 678
    sign_mode: ORIGIN
  - username: true
    identity_type: USER
    secret: false
    sign_mode: SIGNED
sasl_users: []
permissions:
  rules:
    - identity_type: CLIENT
      identity: 42
      topic: "a%b/%/+/#"
      permit_action: SUB
      effect: ALLOW
device_certificates:
  registry: {sqlite: devices.db}
  states:
    - {device_sn: 1234, ca_sn: 00ff, status: ACTIVE}
authorizers:
  - authorizer_name: 7
    func_urn: HTTPS://Auth.Example.com:8443/x?y=1
    signing_enable: false
metrics:
  listen: 9234
"""


def fill_in(text, material):
    pem = "".join(f"      {line}\n" for line in material.public_key_pem().splitlines())
    return (text.replace("@CREDENTIALS_256@", material.credentials_256)
            .replace("@PUBLIC_KEY_PEM@\n", pem))


# ---------------------------------------------------------------------------------------------
# Broken files: each fails the schema and `mqauth check`

BASE = """\
version: 1
anonymous: deny
identities:
  - username: base-user
    identity_type: USER
    secret: "base-secret"
    sign_mode: ORIGIN
permissions:
  no_match: DENY
  rules:
    - identity_type: USER
      identity: base-user
      topic: "base/#"
      permit_action: PUB_SUB
      effect: ALLOW
"""

CA = """\
ca_certificates:
  - ca_name: base-ca
    file: ca/base.pem
"""

AUTHORIZER = """\
authorizers:
  - authorizer_name: base-authorizer
    func_urn: http://127.0.0.1:9000/mqtt-auth
    signing_enable: false
"""

SNI = """\
sni:
  certificates:
    - certificate_id: main
      cert_file: certs/main.crt
      key_file: certs/main.key
  default_certificate: main
"""


def edited(text, old, new):
    if old not in text:
        raise AssertionError(f"{old!r} is not in the text to edit")
    return text.replace(old, new, 1)


class Broken:
    """A broken file: `text`, the key path `mqauth check` names (`path`; every error it
    reports lies within `scope`, `path` by default) and the place where the schema refuses
    it (`schema_path`, `path` by default: every schema error is at it or above it)."""

    def __init__(self, name, text, path, scope=None, schema_path=None):
        self.name = name
        self.text = text
        self.path = path
        self.scope = scope if scope is not None else path
        self.schema_path = schema_path if schema_path is not None else path


def registry(lines):
    return BASE + "device_certificates:\n  registry:\n" + lines


def sasl(lines):
    return BASE + "sasl_users:\n  - username: base-sasl\n" + lines


BROKEN = [
    Broken("an unknown key", BASE + "colour: blue\n", "colour"),
    Broken("an unknown key in an identity",
           edited(BASE, "sign_mode: ORIGIN\n", "sign_mode: ORIGIN\n    signmode: SIGNED\n"),
           "identities[0].signmode"),
    Broken("an enum in the wrong case", edited(BASE, "sign_mode: ORIGIN", "sign_mode: origin"),
           "identities[0].sign_mode"),
    Broken("an unknown enum value", edited(BASE, "anonymous: deny", "anonymous: maybe"),
           "anonymous"),
    Broken("a scalar where a list belongs", edited(BASE, "identities:\n", "identities: x\n")
           .replace("  - username: base-user\n    identity_type: USER\n    secret: \"base-secret"
                    "\"\n    sign_mode: ORIGIN\n", ""), "identities"),
    Broken("a string where a boolean belongs (yes)", BASE + "throttling:\n  enabled: yes\n",
           "throttling.enabled"),
    Broken("a quoted integer", BASE + "throttling:\n  max_failures: \"10\"\n",
           "throttling.max_failures"),
    Broken("an integer out of range", BASE + "throttling:\n  max_tracked: 99\n",
           "throttling.max_tracked"),
    Broken("a USER identity with a client_id",
           edited(BASE, "identity_type: USER\n", "identity_type: USER\n    client_id: c-1\n"),
           "identities[0].client_id"),
    Broken("a CLIENT identity without a client_id",
           edited(BASE, "identity_type: USER\n    secret", "identity_type: CLIENT\n    secret"),
           "identities[0].client_id", schema_path="identities[0]"),
    Broken("secret and secret_file",
           edited(BASE, "secret: \"base-secret\"\n",
                  "secret: \"base-secret\"\n    secret_file: base.secret\n"), "identities[0]",
           schema_path="identities[0].secret_file"),
    Broken("a metrics listen that is a host name", BASE + "metrics:\n  listen: localhost:9234\n",
           "metrics.listen", schema_path="metrics.listen"),
    Broken("a previous_credentials_until with no previous credentials",
           sasl("    credentials: \"@CREDENTIALS_256@\"\n"
                "    previous_credentials_until: \"2030-01-01T00:00:00Z\"\n"),
           "sasl_users[0].previous_credentials_until", schema_path="sasl_users[0]"),
    Broken("a previous_secret_until with no previous secret",
           edited(BASE, "secret: \"base-secret\"\n",
                  "secret: \"base-secret\"\n    previous_secret_until: \"2030-01-01T00:00:00Z\"\n"),
           "identities[0].previous_secret_until", schema_path="identities[0]"),
    Broken("a previous_secret_until without its UTC offset",
           edited(BASE, "secret: \"base-secret\"\n",
                  "secret: \"base-secret\"\n    previous_secret: \"old\"\n"
                  "    previous_secret_until: \"2030-01-01T00:00:00\"\n"),
           "identities[0].previous_secret_until"),
    Broken("previous_secret and previous_secret_env",
           edited(BASE, "secret: \"base-secret\"\n",
                  "secret: \"base-secret\"\n    previous_secret: \"old\"\n"
                  "    previous_secret_env: HOME\n"),
           "identities[0]", schema_path="identities[0].previous_secret_env"),
    Broken("no secret at all", edited(BASE, "    secret: \"base-secret\"\n", ""),
           "identities[0]"),
    Broken("an empty secret", edited(BASE, "secret: \"base-secret\"", "secret: \"\""),
           "identities[0].secret"),
    Broken("no version", edited(BASE, "version: 1\n", ""), "version", schema_path=""),
    Broken("version 2", edited(BASE, "version: 1\n", "version: 2\n"), "version"),
    Broken("a username with '|'", edited(BASE, "username: base-user", "username: a|b"),
           "identities[0].username"),
    Broken("a username of 65 characters",
           edited(BASE, "username: base-user", "username: " + "u" * 65),
           "identities[0].username"),
    Broken("'+' inside a topic level", edited(BASE, "topic: \"base/#\"", "topic: \"base/a+\""),
           "permissions.rules[0].topic"),
    Broken("'#' before the last level", edited(BASE, "topic: \"base/#\"", "topic: \"#/base\""),
           "permissions.rules[0].topic"),
    Broken("%c inside a topic level", edited(BASE, "topic: \"base/#\"", "topic: \"base/x%c\""),
           "permissions.rules[0].topic"),
    Broken("a rule without effect", edited(BASE, "      effect: ALLOW\n", ""),
           "permissions.rules[0].effect", schema_path="permissions.rules[0]"),
    Broken("credentials and password",
           sasl("    credentials: \"@CREDENTIALS_256@\"\n    password: pw\n"), "sasl_users[0]",
           schema_path="sasl_users[0].password"),
    Broken("credentials for another mechanism",
           sasl("    mechanism: SCRAM-SHA-512\n    credentials: \"@CREDENTIALS_256@\"\n"),
           "sasl_users[0].mechanism", schema_path="sasl_users[0].credentials"),
    Broken("credentials of too few iterations",
           sasl("    credentials: \"@CREDENTIALS_256@\"\n".replace("@CREDENTIALS_256@",
                                                                "@CREDENTIALS_256_1000@")),
           "sasl_users[0].credentials"),
    Broken("a SASL user of unknown type", sasl("    type: PLAIN\n    password: pw\n"),
           "sasl_users[0].type"),
    Broken("a CA without device_certificates", BASE + CA, "device_certificates.registry",
           schema_path=""),
    Broken("sqlite and postgresql",
           registry("    sqlite: devices.db\n    postgresql: \"host=db dbname=mqauth\"\n"),
           "device_certificates.registry",
           schema_path="device_certificates.registry.postgresql"),
    Broken("an sqlite registry with timeout_ms",
           registry("    sqlite: devices.db\n    timeout_ms: 500\n"),
           "device_certificates.registry.timeout_ms"),
    Broken("password_file and password_env",
           registry("    postgresql: \"host=db dbname=mqauth\"\n    password_file: db.pass\n"
                    "    password_env: DB_PASSWORD\n"), "device_certificates.registry",
           schema_path="device_certificates.registry.password_env"),
    Broken("a registry timeout_ms out of range",
           registry("    postgresql: \"host=db dbname=mqauth\"\n    timeout_ms: 5\n"),
           "device_certificates.registry.timeout_ms"),
    Broken("registry_file", BASE + "device_certificates:\n  registry_file: devices.yaml\n",
           "device_certificates.registry_file"),
    Broken("a state with issuer and ca_sn",
           registry("    sqlite: devices.db\n") + "  states:\n    - device_sn: \"1A\"\n"
           "      issuer: \"CN=CA\"\n      ca_sn: \"7F\"\n      status: REVOKED\n",
           "device_certificates.states[0]",
           schema_path="device_certificates.states[0].ca_sn"),
    Broken("a serial that is not hex",
           registry("    sqlite: devices.db\n") + "  states:\n    - device_sn: \"XYZ\"\n"
           "      ca_sn: \"7F\"\n      status: REVOKED\n",
           "device_certificates.states[0].device_sn"),
    Broken("signing on without signing_token and signing_public_key",
           BASE + edited(AUTHORIZER, "    signing_enable: false\n", ""), "authorizers[0]"),
    Broken("an authorizer_name with a space",
           BASE + edited(AUTHORIZER, "base-authorizer", "base authorizer"),
           "authorizers[0].authorizer_name"),
    Broken("an ftp:// func_urn", BASE + edited(AUTHORIZER, "http://", "ftp://"),
           "authorizers[0].func_urn"),
    Broken("an authorizer timeout_ms of 0", BASE + AUTHORIZER + "    timeout_ms: 0\n",
           "authorizers[0].timeout_ms"),
    Broken("cache_enable: yes", BASE + AUTHORIZER + "    cache_enable: yes\n",
           "authorizers[0].cache_enable"),
    Broken("domains and sni_config",
           BASE + SNI + "  domains:\n    - domain: a.example.com\n      certificate_id: main\n"
           "  sni_config: \"b.example.com#main\"\n", "sni", schema_path="sni.sni_config"),
    Broken("sni_config with a trailing ';'", BASE + SNI + "  sni_config: \"a.example.com#main;\"\n",
           "sni.sni_config"),
    Broken("a wildcard of two labels",
           BASE + SNI + "  domains:\n    - domain: \"*.*.example.com\"\n"
           "      certificate_id: main\n", "sni.domains[0].domain"),
    Broken("no SNI certificate", BASE + "sni:\n  certificates: []\n  default_certificate: main\n",
           "sni.certificates", scope="sni"),
    Broken("no default_certificate", BASE + edited(SNI, "  default_certificate: main\n", ""),
           "sni.default_certificate", schema_path="sni"),
]


def path_parts(path):
    """"a.b[0].c" -> ["a", "b", 0, "c"], as jsonschema's absolute_path."""
    parts = []
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        parts.append(int(index) if index else name)
    return parts


def within(path, scope):
    return path == scope or path.startswith(scope + ".") or path.startswith(scope + "[")


CHECK_ERROR = re.compile(r"^.*?:\d+:\d+: ([^:]*): ")


def check_error_paths(stderr):
    """The key path of every error (not warning) line `mqauth check` printed."""
    paths = []
    for line in stderr.splitlines():
        if line.endswith("(warning)"):
            continue
        match = CHECK_ERROR.match(line)
        paths.append(match.group(1) if match else f"(unparsed) {line}")
    return paths


# ---------------------------------------------------------------------------------------------
# Tests

class SchemaTestCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="mqauth-it-schema-")
        cls.addClassCleanup(shutil.rmtree, cls.directory, ignore_errors=True)
        cls.material = Material(cls.directory)
        cls.examples = 0

    def prepare(self, example):
        type(self).examples += 1
        directory = os.path.join(self.directory, f"example-{type(self).examples}")
        os.makedirs(directory)
        return PreparedExample(example, directory, self.material)

    def assertSchemaValid(self, example):
        errors = schema_errors(parse_yaml(example.text))
        if errors:
            self.fail(f"{example.origin} does not validate against config/mqauth.schema.json:\n"
                      f"{describe_errors(errors)}")

    def assertChecks(self, example):
        prepared = self.prepare(example)
        result = run_check(prepared.path, prepared.env)
        self.assertEqual(result.returncode, 0,
                         f"{example.origin}: mqauth check refused it (rewritten into "
                         f"{prepared.path}):\n{result.stderr}\n--- the file ---\n"
                         f"{example.text}")

    def assertValid(self, example):
        self.assertSchemaValid(example)
        self.assertChecks(example)


class RepositoryExamplesTest(SchemaTestCase):

    def test_the_examples_are_found(self):
        """Every yaml fence of README.md is read (a miscount would hide examples)."""
        with open(README_PATH, encoding="utf-8") as file:
            fences = len(re.findall(r"^\s*```ya?ml\s*$", file.read(), re.MULTILINE))
        self.assertEqual(len(readme_yaml_blocks()), fences)
        self.assertGreaterEqual(fences, 3)
        origins = [example.origin for example in repository_yaml_files()]
        self.assertIn(os.path.join("config", "auth.yaml"), origins)

    def test_every_yaml_example_validates_against_the_schema_and_passes_check(self):
        for example in all_examples():
            with self.subTest(example.origin + (" (fragment)" if example.fragment else "")):
                self.assertValid(example)


class SchemaCompletenessTest(SchemaTestCase):

    def test_the_schema_is_a_draft_07_schema(self):
        self.assertEqual(SCHEMA["$schema"], "http://json-schema.org/draft-07/schema#")
        jsonschema.Draft7Validator.check_schema(SCHEMA)

    def test_every_key_has_a_description(self):
        undescribed = []

        def visit(schema, path):
            schema = resolve(schema)
            for key, child in schema.get("properties", {}).items():
                child_path = f"{path}.{key}" if path else key
                if "description" not in resolve(child):
                    undescribed.append(child_path)
                visit(child, child_path)
            if isinstance(schema.get("items"), dict):
                visit(schema["items"], path + "[]")

        visit(SCHEMA, "")
        self.assertEqual(undescribed, [])

    def test_every_mapping_refuses_unknown_keys(self):
        """The loader refuses an unknown key in every mapping (MappingReader::finish)."""
        open_mappings = []

        def visit(schema, path):
            if isinstance(schema, dict):
                closed = schema.get("additionalProperties") is False
                if schema.get("type") == "object" and not closed:
                    open_mappings.append(path or "(top)")
                for key, child in schema.items():
                    visit(child, f"{path}/{key}")
            elif isinstance(schema, list):
                for index, child in enumerate(schema):
                    visit(child, f"{path}/{index}")

        visit(SCHEMA, "")
        self.assertEqual(open_mappings, [])

    def test_the_maximal_configs_use_every_key_the_schema_describes(self):
        used = set()
        for text in MAXIMAL_CONFIGS.values():
            used |= config_key_paths(parse_yaml(fill_in(text, self.material)))
        self.assertEqual(sorted(schema_key_paths() - REFUSED_KEYS - used), [],
                         "keys of the schema that no maximal config uses")

    def test_the_maximal_configs_validate_against_the_schema_and_pass_check(self):
        for name, text in MAXIMAL_CONFIGS.items():
            with self.subTest(name):
                self.assertValid(Example(f"maximal config ({name})", fill_in(text, self.material)))

    def test_unusual_values_the_loader_takes_validate_too(self):
        self.assertValid(Example("unusual but valid values", UNUSUAL_BUT_VALID))

    def test_the_loader_reads_exactly_the_keys_the_schema_describes(self):
        schema_names = {path.rsplit(".", 1)[-1].removesuffix("[]")
                        for path in schema_key_paths()}
        loader_names = loader_key_names() - schema_enum_values()
        self.assertEqual(sorted(loader_names - schema_names), [],
                         "keys the loader reads that the schema does not describe")
        self.assertEqual(sorted(schema_names - loader_names), [],
                         "keys the schema describes that the loader does not read")


class BrokenFilesTest(SchemaTestCase):

    def test_the_base_of_the_broken_files_is_valid(self):
        self.assertValid(Example("BASE", BASE))
        for name, section in (("CA", CA), ("AUTHORIZER", AUTHORIZER), ("SNI", SNI)):
            text = BASE + section
            if section is CA:
                text += "device_certificates:\n  registry:\n    sqlite: devices.db\n"
            with self.subTest(name):
                self.assertValid(Example(f"BASE + {name}", text))

    def test_each_broken_file_fails_the_schema_and_check(self):
        credentials_1000 = self.material.credentials_256.replace("$4096:", "$1000:")
        for broken in BROKEN:
            with self.subTest(broken.name):
                text = (fill_in(broken.text, self.material)
                        .replace("@CREDENTIALS_256_1000@", credentials_1000))
                example = Example(f"broken file ({broken.name})", text)
                errors = schema_errors(parse_yaml(text))
                self.assertNotEqual(errors, [], f"the schema accepts it:\n{text}")
                expected = path_parts(broken.schema_path)
                elsewhere = [error for error in errors
                             if list(error.absolute_path) != expected[:len(error.absolute_path)]]
                if elsewhere:
                    self.fail(f"the schema refuses it elsewhere than at "
                              f"{broken.schema_path or '(top)'}:\n{describe_errors(elsewhere)}")
                prepared = self.prepare(example)
                result = run_check(prepared.path, prepared.env)
                self.assertEqual(result.returncode, 1,
                                 f"mqauth check should refuse it:\n{result.stderr}\n{text}")
                paths = check_error_paths(result.stderr)
                self.assertIn(broken.path, paths, result.stderr)
                self.assertEqual([path for path in paths if not within(path, broken.scope)], [],
                                 f"mqauth check found other errors:\n{result.stderr}")


if __name__ == "__main__":
    unittest.main()

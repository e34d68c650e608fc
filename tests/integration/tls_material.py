# SPDX-License-Identifier: Apache-2.0
"""Certificates and keys for TLS tests, made with the `openssl` command-line tool at test time.

Nothing here is checked in: every run makes fresh material in a temporary directory, so tests
never depend on certificates that expire. Everything is issued with `openssl ca`, the one
OpenSSL 3.0 command that accepts explicit validity dates (`openssl x509 -req` has only -days), so
expired and not-yet-valid certificates come from the same path as good ones.

    with TlsMaterial() as tls:                       # or tls = TlsMaterial(); ...; tls.cleanup()
        root = tls.certificate_authority("Fleet Root")
        inter = tls.certificate_authority("Fleet Issuing", issuer=root)
        server = tls.server_certificate("broker", issuer=root)   # localhost + 127.0.0.1
        sni = tls.server_certificate("wild", issuer=root,
                                     dns_names=["*.mqtt.example.com", "mqtt.example.com"],
                                     ip_addresses=[], key_password="k3y-pass")
        device = tls.client_certificate("dev-1", issuer=inter)
        device.cert, device.key, device.chain   # leaf PEM, key PEM, leaf + intermediates PEM
        device.serial                           # as `openssl x509 -serial -noout` prints it
        old = tls.client_certificate("dev-2", issuer=root,
                                     not_before=days_from_now(-730), not_after=days_from_now(-365))

Each call takes a few milliseconds with the default EC P-256 keys (RSA 2048 keys, key_type="rsa",
take tens of milliseconds each), so a test module makes its material once, in setUpClass.

Every issued Certificate records its issuer, its serial, its validity and the files written:
- cert: the certificate alone (PEM);
- key: its private key (PEM; PKCS#8 encrypted with AES-256 when key_password is given);
- chain: the certificate followed by every intermediate CA up to, not including, the
  self-signed root: what a client or server sends (`mosquitto_pub --cert`, a listener's
  `certfile`); the same file as `cert` for a certificate a root issued directly.
A certificate authority is a Certificate too (chain: itself plus its own intermediates).
ca_bundle() concatenates CA certificates into one file for a `cafile`.

What a test reads back from PEM, e.g. the chain a server sent: split_pem_certificates() and
certificate_facts().

Also a standalone tool, for the benchmark of SNI certificate selection (scripts/bench):
    python3 tls_material.py DIRECTORY   # writes the files listed in main() below

Commands run $OPENSSL when it is set (as mqauth_harness's `openssl s_client` does), else the
openssl on PATH.
"""

import datetime
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from typing import List, Optional

OPENSSL_TIMEOUT = 30.0  # seconds per openssl command; RSA key generation on a loaded machine

DEFAULT_CA_DAYS = 3650
DEFAULT_LEAF_DAYS = 365
# Certificates start this long before "now", so that a broker whose clock reads a second
# earlier than the test's (or a leaf signed in the same second it is used) never sees a
# not-yet-valid certificate by accident.
BACKDATE = datetime.timedelta(hours=1)

_SERIAL = re.compile(r"^serial=([0-9A-Fa-f]+)$")

# The `openssl ca` configuration of every issuing CA: a private database (index.txt, serial),
# no checks on the subject (any DN, the same subject any number of times), extensions only from
# the per-certificate -extfile, and never copied from the request.
_CA_CONFIG = """\
[ca]
default_ca = issuing

[issuing]
dir = {directory}
database = $dir/index.txt
serial = $dir/serial
new_certs_dir = $dir/issued
default_md = sha256
policy = any_subject
unique_subject = no
copy_extensions = none
email_in_dn = no

[any_subject]
commonName = optional
"""


class TlsMaterialError(AssertionError):
    """An openssl command failed; an AssertionError so that unittest reports it as a failure."""


def days_from_now(days, *, hours=0):
    """A UTC datetime `days` (and `hours`) from now; negative is in the past."""
    return (datetime.datetime.now(datetime.timezone.utc)
            + datetime.timedelta(days=days, hours=hours))


def openssl_time(moment):
    """`moment` (an aware datetime) as `openssl ca -startdate/-enddate` takes it."""
    return moment.astimezone(datetime.timezone.utc).strftime("%Y%m%d%H%M%SZ")


def run_openssl(*args, env=None, input_text=""):
    """Runs `openssl ARGS...` with `input_text` on its stdin; returns its stdout; a failure
    raises with its stderr."""
    command = [os.environ.get("OPENSSL") or "openssl", *args]
    try:
        result = subprocess.run(command, input=input_text, capture_output=True,
                                text=True, timeout=OPENSSL_TIMEOUT,
                                env={**os.environ, **(env or {})})
    except subprocess.TimeoutExpired:
        raise TlsMaterialError(f"{' '.join(command)} did not finish within "
                               f"{OPENSSL_TIMEOUT} s") from None
    if result.returncode != 0:
        raise TlsMaterialError(f"{' '.join(command)} failed ({result.returncode}):\n"
                               f"{result.stderr}")
    return result.stdout


def serial_of(cert_path):
    """The certificate's serial number exactly as `openssl x509 -serial -noout` prints it:
    upper-case hex, whole bytes (so possibly with a leading 0), without the "serial=" label."""
    output = run_openssl("x509", "-in", cert_path, "-noout", "-serial").strip()
    match = _SERIAL.match(output)
    if not match:
        raise TlsMaterialError(f"unexpected `openssl x509 -serial` output {output!r}")
    return match.group(1)


def certificate_facts(pem_text):
    """{"subject": "CN = ...", "issuer": ..., "serial": "HEX", "not_after": ...} of the first
    certificate in `pem_text`, as `openssl x509` prints them."""
    output = run_openssl("x509", "-noout", "-subject", "-issuer", "-serial", "-enddate",
                         input_text=pem_text)
    facts = {}
    for line in output.splitlines():
        key, _, value = line.partition("=")
        facts[{"notAfter": "not_after"}.get(key, key)] = value.strip()
    return facts


def split_pem_certificates(text):
    """Every PEM certificate block in `text`, in order."""
    begin, end = "-----BEGIN CERTIFICATE-----", "-----END CERTIFICATE-----"
    blocks = []
    start = text.find(begin)
    while start != -1:
        stop = text.index(end, start) + len(end)
        blocks.append(text[start:stop] + "\n")
        start = text.find(begin, stop)
    return blocks


def canonical_serial(serial):
    """A serial as the same number whatever its case and leading zeros: upper case, no leading
    zeros ("0a1b" -> "A1B"); "0" for zero."""
    return serial.upper().lstrip("0") or "0"


def random_serial():
    """A random positive serial of 16 bytes (RFC 5280 allows up to 20), as hex. The top byte
    is kept in 0x10..0x7f, so it prints without a leading zero and is never negative."""
    return f"{secrets.randbelow(0x70) + 0x10:02X}" + secrets.token_hex(15).upper()


def ca_bundle(path, *authorities):
    """Writes the CA certificates (Certificate objects) into one PEM file for a `cafile`;
    returns the path."""
    with open(path, "w", encoding="ascii") as bundle:
        for authority in authorities:
            with open(authority.cert, encoding="ascii") as pem:
                bundle.write(pem.read())
    return path


@dataclass
class Certificate:
    """One certificate and its key as written to disk (see the module's docstring)."""

    name: str  # file stem: <name>.pem, <name>.key, <name>-chain.pem
    common_name: str
    cert: str
    key: str
    chain: str
    serial: str  # as `openssl x509 -serial -noout` prints it
    not_before: datetime.datetime
    not_after: datetime.datetime
    is_ca: bool
    issuer: Optional["Certificate"] = None  # None: self-signed
    key_password: Optional[str] = None
    dns_names: List[str] = field(default_factory=list)
    ip_addresses: List[str] = field(default_factory=list)

    @property
    def root(self):
        """The self-signed CA at the top of this certificate's chain."""
        return self if self.issuer is None else self.issuer.root

    def intermediates(self):
        """The CA certificates between this one and its root, nearest first."""
        found, issuer = [], self.issuer
        while issuer is not None and issuer.issuer is not None:
            found.append(issuer)
            issuer = issuer.issuer
        return found

    def pem(self):
        with open(self.cert, encoding="ascii") as file:
            return file.read()

    def key_pem(self):
        with open(self.key, encoding="ascii") as file:
            return file.read()


class TlsMaterial:
    """Makes CAs, server and client certificates under one directory (a new temporary one
    unless `directory` is given; cleanup() removes a temporary one). key_type: "ec" (P-256,
    the default, fast) or "rsa" (2048 bits); each call may override it."""

    def __init__(self, directory=None, key_type="ec"):
        self._temporary = directory is None
        self.directory = directory or tempfile.mkdtemp(prefix="mqauth-tls-")
        os.makedirs(self.directory, exist_ok=True)
        self.key_type = key_type
        self._names = set()

    def cleanup(self):
        if self._temporary:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()

    def path(self, file_name):
        return os.path.join(self.directory, file_name)

    # -- what tests ask for

    def certificate_authority(self, common_name, *, issuer=None, name=None, path_length=None,
                              days=DEFAULT_CA_DAYS, not_before=None, not_after=None,
                              key_password=None, key_type=None, serial=None):
        """A CA certificate (basicConstraints CA:TRUE, keyCertSign): self-signed (a root) when
        `issuer` is None, else an intermediate CA issued by `issuer`."""
        extensions = ["basicConstraints = critical, CA:TRUE"
                      + (f", pathlen:{path_length}" if path_length is not None else ""),
                      "keyUsage = critical, keyCertSign, cRLSign",
                      "subjectKeyIdentifier = hash",
                      "authorityKeyIdentifier = keyid:always"]
        certificate = self.issue(common_name, issuer=issuer, name=name, extensions=extensions,
                                 is_ca=True, days=days, not_before=not_before,
                                 not_after=not_after, key_password=key_password,
                                 key_type=key_type, serial=serial)
        self._init_database(certificate)
        return certificate

    def server_certificate(self, name, *, issuer, dns_names=("localhost",),
                           ip_addresses=("127.0.0.1",), common_name=None, **options):
        """A TLS server certificate (extendedKeyUsage serverAuth) for the given DNS names
        (exact or "*.example.com" wildcards) and IP addresses, all as subjectAltName entries;
        the CN is the first DNS name unless given. Other options as issue()."""
        dns_names, ip_addresses = list(dns_names), list(ip_addresses)
        if not dns_names and not ip_addresses:
            raise ValueError("a server certificate needs a DNS name or an IP address")
        alt_names = [f"DNS:{dns}" for dns in dns_names] + [f"IP:{ip}" for ip in ip_addresses]
        extensions = ["basicConstraints = critical, CA:FALSE",
                      "keyUsage = critical, digitalSignature, keyEncipherment",
                      "extendedKeyUsage = serverAuth",
                      f"subjectAltName = {', '.join(alt_names)}",
                      "subjectKeyIdentifier = hash",
                      "authorityKeyIdentifier = keyid, issuer"]
        certificate = self.issue(common_name or (dns_names or ip_addresses)[0], issuer=issuer,
                                 name=name, extensions=extensions, **options)
        certificate.dns_names, certificate.ip_addresses = dns_names, ip_addresses
        return certificate

    def client_certificate(self, common_name, *, issuer, name=None, **options):
        """A TLS client (device) certificate (extendedKeyUsage clientAuth) whose subject is
        CN=common_name. Options as issue(): not_before/not_after for expired or
        not-yet-valid ones, serial, key_password, key_type, extra subject fields."""
        extensions = ["basicConstraints = critical, CA:FALSE",
                      "keyUsage = critical, digitalSignature, keyEncipherment",
                      "extendedKeyUsage = clientAuth",
                      "subjectKeyIdentifier = hash",
                      "authorityKeyIdentifier = keyid, issuer"]
        return self.issue(common_name, issuer=issuer, name=name, extensions=extensions,
                          **options)

    # -- the general form

    def issue(self, common_name, *, issuer, extensions, name=None, is_ca=False,
              days=DEFAULT_LEAF_DAYS, not_before=None, not_after=None, serial=None,
              key_password=None, key_type=None, subject_fields=()):
        """Makes a key and a certificate for CN=common_name (after `subject_fields`, e.g.
        [("O", "Fleet")]) with the given X.509v3 extension lines, signed by `issuer` (a CA
        Certificate) or self-signed when issuer is None.

        Validity: from `not_before` (default: now - BACKDATE) to `not_after` (default:
        not_before + BACKDATE + `days`), aware datetimes. serial: hex, default random_serial();
        openssl prints whole bytes of the number, so "0A1B" prints as "0A1B" (a leading 0),
        "A1B" too, and "00A1B" as "0A1B".
        key_password: the key file is encrypted with it (AES-256); it goes to openssl through
        the environment, never on a command line."""
        if issuer is not None and not issuer.is_ca:
            raise ValueError(f"{issuer.name} is not a CA")
        if key_password == "":
            raise ValueError("key_password must not be empty (None: an unencrypted key)")
        name = self._claim_name(name or _file_stem(common_name))
        not_before = not_before or (days_from_now(0) - BACKDATE)
        not_after = not_after or (not_before + BACKDATE + datetime.timedelta(days=days))
        key_path = self.path(f"{name}.key")
        self._make_key(key_path, key_type or self.key_type, key_password)
        env = {"TLS_MATERIAL_KEY_PASSWORD": key_password} if key_password is not None else {}
        key_pass = (["-passin", "env:TLS_MATERIAL_KEY_PASSWORD"] if key_password is not None
                    else [])

        subject = "".join(f"/{key}={_escape_dn(value)}" for key, value in subject_fields)
        subject += f"/CN={_escape_dn(common_name)}"
        request_path = self.path(f"{name}.csr")
        run_openssl("req", "-new", "-key", key_path, *key_pass, "-subj", subject,
                    "-utf8", "-out", request_path, env=env)

        extensions_path = self.path(f"{name}.ext")
        with open(extensions_path, "w", encoding="utf-8") as ext:
            ext.write("[certificate]\n" + "\n".join(extensions) + "\n")

        cert_path = self.path(f"{name}.pem")
        signer = issuer
        database = self._database(issuer) if issuer else self._self_signed_database(name)
        with open(os.path.join(database, "serial"), "w", encoding="ascii") as serial_file:
            serial_file.write(_whole_bytes(serial or random_serial()) + "\n")
        if issuer is None:
            signing = ["-selfsign", "-keyfile", key_path, *key_pass]
        else:
            signing = ["-cert", signer.cert, "-keyfile", signer.key]
            if signer.key_password:
                signing += ["-passin", "env:TLS_MATERIAL_ISSUER_PASSWORD"]
                env["TLS_MATERIAL_ISSUER_PASSWORD"] = signer.key_password
        run_openssl("ca", "-batch", "-config", self._ca_config(database), *signing,
                    "-in", request_path, "-out", cert_path, "-notext", "-preserveDN", "-utf8",
                    "-startdate", openssl_time(not_before), "-enddate", openssl_time(not_after),
                    "-extfile", extensions_path, "-extensions", "certificate", env=env)

        certificate = Certificate(
            name=name, common_name=common_name, cert=cert_path, key=key_path,
            chain=cert_path, serial=serial_of(cert_path), not_before=not_before,
            not_after=not_after, is_ca=is_ca, issuer=issuer, key_password=key_password)
        if certificate.intermediates():
            certificate.chain = self.path(f"{name}-chain.pem")
            ca_bundle(certificate.chain, certificate, *certificate.intermediates())
        return certificate

    # -- files

    def _claim_name(self, name):
        if name in self._names:
            raise ValueError(f"a certificate named {name!r} was already made here")
        self._names.add(name)
        return name

    def _make_key(self, path, key_type, password):
        if key_type == "ec":
            algorithm = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
        elif key_type == "rsa":
            algorithm = ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
        else:
            raise ValueError(f"key_type must be 'ec' or 'rsa', not {key_type!r}")
        encryption = (["-aes-256-cbc", "-pass", "env:TLS_MATERIAL_KEY_PASSWORD"]
                      if password is not None else [])
        run_openssl("genpkey", *algorithm, *encryption, "-out", path,
                    env={"TLS_MATERIAL_KEY_PASSWORD": password} if password is not None else None)
        os.chmod(path, 0o600)

    def _database(self, authority):
        return self.path(f"{authority.name}.db")

    def _self_signed_database(self, name):
        # A root's own certificate goes through a throwaway database; the root's database for
        # what it issues is made afterwards (_init_database).
        directory = self.path(f"{name}.selfsign.db")
        self._make_database(directory)
        return directory

    def _init_database(self, authority):
        self._make_database(self._database(authority))

    @staticmethod
    def _make_database(directory):
        os.makedirs(os.path.join(directory, "issued"), exist_ok=True)
        open(os.path.join(directory, "index.txt"), "a", encoding="ascii").close()
        with open(os.path.join(directory, "index.txt.attr"), "w", encoding="ascii") as attr:
            attr.write("unique_subject = no\n")

    def _ca_config(self, database):
        path = os.path.join(database, "ca.cnf")
        if not os.path.exists(path):
            with open(path, "w", encoding="utf-8") as config:
                config.write(_CA_CONFIG.format(directory=database))
        return path


def _file_stem(common_name):
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", common_name).strip("-.")
    return stem or "certificate"


def _whole_bytes(serial):
    if not re.fullmatch(r"[0-9A-Fa-f]+", serial):
        raise ValueError(f"a serial is hex digits, not {serial!r}")
    return serial if len(serial) % 2 == 0 else "0" + serial


def _escape_dn(value):
    # `openssl req -subj` splits on "/" and "="; a backslash escapes them.
    return re.sub(r"([/=+\\])", r"\\\1", value)


def main(argv):
    """Writes into DIRECTORY a root (root.pem), an intermediate it issued, and two server
    certificates the intermediate issued, each as NAME.crt (the leaf, then the intermediate:
    what a listener serves) and NAME.key: default.example.com, and bench (CN bench) for
    *.bench.example.com. These are the file names scripts/bench's SNI figure reads."""
    if len(argv) != 2:
        print("usage: tls_material.py DIRECTORY", file=sys.stderr)
        return 2
    tls = TlsMaterial(argv[1])
    root = tls.certificate_authority("root")
    issuing = tls.certificate_authority("issuing", issuer=root)
    for name, dns_name in [("default.example.com", "default.example.com"),
                           ("bench", "*.bench.example.com")]:
        server = tls.server_certificate(name, issuer=issuing, dns_names=[dns_name],
                                        ip_addresses=[], common_name=name)
        shutil.copyfile(server.chain, tls.path(f"{name}.crt"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

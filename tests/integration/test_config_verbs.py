# SPDX-License-Identifier: Apache-2.0
"""The verbs that edit the config file (issue 19): `mqauth identities`, `permissions`,
`sasl-users`, `cas`, `sni`, `authorizers` and `devices delete`, the built tool on real files and,
for `--reload`, against a real broker.

ConfigVerbsFileTest (no broker): each verb's add / list / remove round trip on a copy of the
repository's config/auth.yaml gives the file back byte for byte, with its mode and owner; the
`FILE:LINE:` a verb prints is the line it wrote; refused input is one line on stderr (or the
loader's FILE:LINE:COL lines and "left as it is" when the result would not load), exit status
1 and a file untouched; usage errors exit 2; enum values in any case, `--name=value`; secrets
never on the command line nor in a list.

ConfigVerbsBrokerTest: what an edit with `--reload` does is what the broker does: a new identity
logs in, a removed one's client is disconnected, permissions change what a connected client may
publish and subscribe, a new SASL user logs in; the reload is found through `--pid` and through
mosquitto.conf's pid_file (in an include_dir) and `log_dest file`; a reload the broker rejects
exits 1 saying the running policy stays; a process that is not mosquitto is never signalled.

DeviceVerbsBrokerTest: `cas deactivate --reload` disconnects a device-certificate client and
`cas activate` lets it back; `devices delete` forgets a registered device, which the broker
registers anew on its first connect after a reload.

ReadmeEditingExamplesTest: every `$ mqauth ...` command of README's "Editing the config from the
command line" runs, in order, against the config README's install section writes and a broker
serving it, and prints what README shows.
"""

import os
import re
import shutil
import stat
import subprocess
import tempfile
import unittest

from mqauth_harness import (
    CLIENT_TIMEOUT,
    Broker,
    BrokerTestCase,
    ClientTls,
    RC_NOT_AUTHORISED,
    TlsListener,
    fail_on_sanitizer_report,
    pub,
    required_path,
    run_cli,
    signed_password,
    unique_client_id,
    wait_for,
)
from tls_material import TlsMaterial, canonical_serial, run_openssl

REPOSITORY = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
README_PATH = os.path.join(REPOSITORY, "README.md")
AUTH_YAML = os.path.join(REPOSITORY, "config", "auth.yaml")

RELOAD_HINT = "reload the broker to apply: kill -HUP $(pidof mosquitto)"
APPLIED = re.compile(r"^the broker \(pid \d+\) applied the reload$", re.MULTILINE)
RUNNING_POLICY_STAYS = "rejected the reload; its running policy stays in force"
# The owner a copied config is given (when the tests run as root): neither root nor the user
# the tool runs as, so that keeping it is not an accident.
OTHER_UID, OTHER_GID = 4242, 4343
# Every verb that edits the config, with its editing subcommands and its listing one.
EDITING_VERBS = {
    "identities": ("add", "remove", "rotate", "end-rotation", "list"),
    "permissions": ("add", "remove", "list"),
    "sasl-users": ("create", "delete", "rotate", "end-rotation", "list"),
    "cas": ("add", "remove", "activate", "deactivate", "list"),
    "sni": ("set", "list"),
    "authorizers": ("add", "update", "remove", "list"),
}


def cli(*args, stdin="", env=None, cwd=None):
    """The tool with `stdin` on its standard input; returns the CompletedProcess."""
    result = subprocess.run([required_path("MQAUTH_CLI"), *args], input=stdin, text=True,
                            capture_output=True, timeout=45, cwd=cwd,
                            env={**os.environ, **(env or {})})
    fail_on_sanitizer_report(result.stderr, "mqauth " + " ".join(args[:2]))
    return result


def read_bytes(path):
    with open(path, "rb") as file:
        return file.read()


def read_text(path):
    with open(path, encoding="utf-8") as file:
        return file.read()


def write_text(path, text, mode=None):
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)
    if mode is not None:
        os.chmod(path, mode)
    return path


def table(stdout):
    """A list's lines split into cells: the header row first."""
    return [line.split() for line in stdout.splitlines() if line.strip()]


def described(result):
    return (f"exit status {result.returncode}\n--- stdout ---\n{result.stdout}"
            f"--- stderr ---\n{result.stderr}")


def rsa_public_key(directory, name):
    """An RSA-2048 key pair made by openssl; returns the public key's PEM file."""
    private = os.path.join(directory, f"{name}.pem")
    public = os.path.join(directory, f"{name}.pub.pem")
    run_openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                private)
    run_openssl("pkey", "-in", private, "-pubout", "-out", public)
    return public


class VerbAssertions(unittest.TestCase):
    """What every edit and every refusal must look like."""

    maxDiff = None

    def assertEdited(self, result, path, written):
        """Exit 0; the first line is `PATH:LINE: ...` and line LINE of the file now reads
        `written` (stripped); returns LINE."""
        self.assertEqual(result.returncode, 0, described(result))
        first = result.stdout.splitlines()[0]
        match = re.match(rf"^{re.escape(path)}:(\d+): \S", first)
        self.assertIsNotNone(match, f"expected {path}:LINE: first\n" + described(result))
        line = int(match.group(1))
        lines = read_text(path).splitlines()
        self.assertEqual(lines[line - 1].strip(), written,
                         f"{first!r} should point at the line written\n" + read_text(path))
        return line

    def assertRefusedByVerb(self, result, path, before, message):
        """Exit 1, one line on stderr containing `message` (a regex), nothing on stdout, and the
        file exactly as it was."""
        self.assertEqual(result.returncode, 1, described(result))
        self.assertEqual(len(result.stderr.splitlines()), 1, described(result))
        self.assertRegex(result.stderr, message)
        self.assertEqual(result.stdout, "")
        self.assertEqual(read_bytes(path), before, "a refused edit changed the file")

    def assertRefusedByLoader(self, result, path, before, message):
        """Exit 1, the result's load errors as `PATH:LINE:COL: key.path: message` (one of them
        matching `message`), then that the file was left as it is; the file unchanged."""
        self.assertEqual(result.returncode, 1, described(result))
        lines = result.stderr.splitlines()
        self.assertGreaterEqual(len(lines), 2, described(result))
        for line in lines[:-1]:
            self.assertRegex(line, rf"^{re.escape(path)}:\d+:\d+: [\w.\[\]]+: ")
        self.assertEqual(lines[-1],
                         f"{path}: the edited config would not load; it was left as it is")
        self.assertRegex("\n".join(lines[:-1]), message)
        self.assertEqual(result.stdout, "")
        self.assertEqual(read_bytes(path), before, "a refused edit changed the file")

    def assertUsageError(self, result, message):
        self.assertEqual(result.returncode, 2, described(result))
        self.assertIn(message, result.stderr)
        self.assertIn("usage: mqauth ", result.stderr)


# ---------------------------------------------------------------------------------------------
# The file, no broker

class ConfigVerbsFileTest(VerbAssertions):

    @classmethod
    def setUpClass(cls):
        cls.tls = TlsMaterial()
        cls.addClassCleanup(cls.tls.cleanup)
        cls.fleet_ca = cls.tls.certificate_authority("verbs fleet ca", name="fleet-ca")
        cls.other_ca = cls.tls.certificate_authority("verbs other ca", name="other-ca")
        cls.device = cls.tls.client_certificate("verbs-device", issuer=cls.fleet_ca)
        cls.main_cert = cls.tls.server_certificate(
            "main", issuer=cls.fleet_ca, dns_names=("mqtt.example.com",))
        cls.test_cert = cls.tls.server_certificate(
            "test", issuer=cls.fleet_ca, dns_names=("mqtt-test.example.com",),
            key_password="k3y-pass")
        cls.authorizer_key = rsa_public_key(cls.tls.directory, "authorizer")

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="mqauth-verbs-")
        self.addCleanup(shutil.rmtree, self.directory, True)
        self.config = os.path.join(self.directory, "auth.yaml")

    # -- configs

    def demo_text(self):
        return read_text(AUTH_YAML)

    def devices_text(self):
        """The demo config with one CA listed and an SQLite registry."""
        return self.demo_text() + (
            "\n"
            "# device certificates\n"
            "ca_certificates:\n"
            "  - ca_name: fleet-ca   # the factory's CA\n"
            f"    file: {self.fleet_ca.cert}\n"
            "device_certificates:\n"
            "  registry:\n"
            "    sqlite: devices.db\n")

    def sni_text(self):
        """The demo config with README's SNI section (two certificates, one with a key
        password, and a domains list)."""
        return self.demo_text() + (
            "\n"
            "sni:\n"
            "  certificates:\n"
            "    - certificate_id: main               # the usual one\n"
            f"      cert_file: {self.main_cert.cert}\n"
            f"      key_file: {self.main_cert.key}\n"
            "    - certificate_id: test\n"
            f"      cert_file: {self.test_cert.cert}\n"
            f"      key_file: {self.test_cert.key}\n"
            "      key_password: \"k3y-pass\"\n"
            "  default_certificate: main\n"
            "  domains:\n"
            "    - domain: \"*.mqtt.example.com\"   # every broker of the fleet\n"
            "      certificate_id: main\n"
            "  # the test environment\n")

    def authorizers_text(self):
        """The demo config with one authorizer that has signing off."""
        return self.demo_text() + (
            "\n"
            "authorizers:\n"
            "  - authorizer_name: legacy   # the old device fleet\n"
            "    func_urn: http://127.0.0.1:9000/legacy\n"
            "    signing_enable: false\n")

    def write_config(self, text):
        """The config as an operator keeps it: mode 0640, owned by someone else than the tool's
        user when the tests run as root. Returns its bytes."""
        write_text(self.config, text, 0o640)
        if os.geteuid() == 0:
            os.chown(self.config, OTHER_UID, OTHER_GID)
        return read_bytes(self.config)

    def assertKeptModeAndOwner(self):
        status = os.stat(self.config)
        self.assertEqual(stat.S_IMODE(status.st_mode), 0o640)
        if os.geteuid() == 0:
            self.assertEqual((status.st_uid, status.st_gid), (OTHER_UID, OTHER_GID))

    def assertRoundTrip(self, before):
        self.assertEqual(read_bytes(self.config).decode(), before.decode(),
                         "add then remove should give the file back byte for byte")
        self.assertEqual(read_bytes(self.config), before)
        self.assertKeptModeAndOwner()
        self.assertEqual(run_cli("check", self.config).returncode, 0)

    def rows(self, verb, env=None):
        result = cli(verb, "list", "--config", self.config, env=env)
        self.assertEqual(result.returncode, 0, described(result))
        return table(result.stdout)

    # -- identities

    def test_identities_add_list_remove_gives_the_file_back_byte_for_byte(self):
        """Each way of giving the secret: one line of standard input (written inline as
        secret:), --secret-file (written absolute as secret_file:, the path given relative to
        the working directory), --secret-env (secret_env:); and a CLIENT identity."""
        before = self.write_config(self.demo_text())
        os.mkdir(os.path.join(self.directory, "secrets"))
        secret_file = write_text(os.path.join(self.directory, "secrets", "neo.secret"),
                                 "neo-file-secret\n")
        cases = [
            ("stdin", ["--username", "neo", "--identity-type", "USER", "--sign-mode", "ORIGIN"],
             {"stdin": "neo stdin secret\n"},
             ['- username: "neo"', "identity_type: USER", 'secret: "neo stdin secret"',
              "sign_mode: ORIGIN"], "secret"),
            ("file", ["--username", "neo", "--identity-type", "USER", "--sign-mode", "SIGNED",
                      "--secret-file", "secrets/neo.secret"], {"cwd": self.directory},
             ['- username: "neo"', "identity_type: USER", f'secret_file: "{secret_file}"',
              "sign_mode: SIGNED"], f"file:{secret_file}"),
            ("env", ["--username", "neo", "--identity-type", "USER", "--sign-mode", "ORIGIN",
                     "--secret-env", "NEO_SECRET"], {"env": {"NEO_SECRET": "from-env"}},
             ['- username: "neo"', "identity_type: USER", 'secret_env: "NEO_SECRET"',
              "sign_mode: ORIGIN"], "env:NEO_SECRET"),
            ("client", ["--username", "gateway", "--identity-type", "CLIENT", "--client-id",
                        "GID_demo@@@gateway-2", "--sign-mode", "ORIGIN"],
             {"stdin": "second-gateway\n"},
             ['- username: "gateway"', "identity_type: CLIENT",
              'client_id: "GID_demo@@@gateway-2"', 'secret: "second-gateway"',
              "sign_mode: ORIGIN"], "secret"),
        ]
        for name, options, how, written, source in cases:
            with self.subTest(name):
                added = cli("identities", "add", "--config", self.config, *options, **how)
                line = self.assertEdited(added, self.config, written[0])
                self.assertRegex(added.stdout.splitlines()[0], r": added (USER|CLIENT) identity ")
                self.assertIn(RELOAD_HINT, added.stdout)
                lines = read_text(self.config).splitlines()
                self.assertEqual([text.strip() for text in lines[line - 1:line + len(written) - 1]],
                                 written)
                self.assertEqual(lines[line - 1], "  " + written[0], "indented as its neighbours")
                self.assertKeptModeAndOwner()
                # The tool loads the file as the broker would: the variable must be set.
                env = how.get("env")
                row = self.rows("identities", env=env)[-1]
                self.assertEqual(row[0], written[0].split('"')[1])
                self.assertEqual((row[4], row[5], row[-1]), (source, "-", str(line)))

                remove = ["--username", row[0]]
                if "CLIENT" in options:
                    remove += ["--client-id", "GID_demo@@@gateway-2"]
                removed = cli("identities", "remove", "--config", self.config, *remove,
                              env=env)
                self.assertEqual(removed.returncode, 0, described(removed))
                self.assertEqual(removed.stdout.splitlines()[0],
                                 f'{self.config}:{line}: removed identity "{row[0]}"')
                self.assertRoundTrip(before)

    def test_identities_list_shows_where_each_secret_comes_from_never_the_secret(self):
        self.write_config(self.demo_text())
        listed = cli("identities", "list", "--config", self.config)
        self.assertEqual(listed.returncode, 0, described(listed))
        self.assertEqual(table(listed.stdout), [
            ["username", "identity_type", "client_id", "sign_mode", "secret", "previous", "line"],
            ["demo", "USER", "-", "ORIGIN", "secret", "-", "8"],
            ["fleet", "USER", "-", "SIGNED", "secret", "-", "15"],
            ["gateway", "CLIENT", "GID_demo@@@gateway", "ORIGIN", "secret", "-", "21"],
        ])
        for secret in ("demo-secret", "fleet-secret", "gateway-secret"):
            self.assertNotIn(secret, listed.stdout + listed.stderr)

    # -- permissions

    def test_permissions_add_list_remove_by_fields_and_by_line(self):
        before = self.write_config(self.demo_text())
        added = cli("permissions", "add", "--config", self.config, "--identity-type", "USER",
                    "--identity", "demo", "--topic", "demo/reports/#", "--permit-action", "SUB",
                    "--effect", "DENY")
        line = self.assertEdited(added, self.config, "- identity_type: USER")
        self.assertEqual(added.stdout.splitlines()[0],
                         f'{self.config}:{line}: added DENY SUB on "demo/reports/#" for USER '
                         '"demo"')
        self.assertEqual(read_text(self.config).splitlines()[line - 1:line + 4], [
            "    - identity_type: USER", '      identity: "demo"',
            '      topic: "demo/reports/#"', "      permit_action: SUB", "      effect: DENY"])
        rows = self.rows("permissions")
        self.assertEqual(rows[0], ["identity_type", "identity", "topic", "permit_action",
                                   "effect", "line"])
        self.assertEqual(rows[-2], ["USER", "demo", "demo/reports/#", "SUB", "DENY", str(line)])
        self.assertEqual(rows[-1], ["no_match:", "DENY", "(line", "40)"])

        again = cli("permissions", "add", "--config", self.config, "--identity-type", "user",
                    "--identity", "demo", "--topic", "demo/reports/#", "--permit-action", "sub",
                    "--effect", "deny")
        self.assertEqual(again.returncode, 0, described(again))
        self.assertEqual(again.stdout,
                         f"{self.config}:{line}: the rule is already there; nothing to change\n")

        by_fields = cli("permissions", "remove", "--config", self.config, "--identity-type",
                        "USER", "--identity", "demo", "--topic", "demo/reports/#",
                        "--permit-action", "SUB", "--effect", "DENY")
        self.assertEqual(by_fields.returncode, 0, described(by_fields))
        self.assertTrue(by_fields.stdout.startswith(f"{self.config}:{line}: removed the rule "),
                        by_fields.stdout)
        self.assertRoundTrip(before)

        added = cli("permissions", "add", "--config", self.config, "--identity-type", "CLIENT",
                    "--identity", "GID_demo@@@gateway", "--topic", "gateway/%c/#",
                    "--permit-action", "PUB_SUB", "--effect", "ALLOW")
        line = self.assertEdited(added, self.config, "- identity_type: CLIENT")
        by_line = cli("permissions", "remove", "--config", self.config, "--line", str(line))
        self.assertEqual(by_line.returncode, 0, described(by_line))
        self.assertEqual(by_line.stdout.splitlines()[0],
                         f"{self.config}:{line}: removed the rule identity_type=CLIENT "
                         "identity=GID_demo@@@gateway topic=gateway/%c/# permit_action=PUB_SUB "
                         "effect=ALLOW")
        self.assertRoundTrip(before)

    # -- sasl-users

    def test_sasl_users_create_stores_salted_credentials_only_and_delete_gives_the_file_back(self):
        before = self.write_config(self.demo_text())
        cases = [
            ("plain", ["--username", "bob"], "bob-password-1",
             ['- username: "bob"', "type: plain"], r'^credentials: "SCRAM-SHA-512\$4096:',
             ["bob", "plain", "SCRAM-SHA-512", "credentials", "-"]),
            ("scram", ["--username", "carol", "--type", "SCRAM", "--mechanism", "scram-sha-256",
                       "--iterations", "5000"], "carol-password-2",
             ['- username: "carol"', "type: scram", "mechanism: SCRAM-SHA-256"],
             r'^credentials: "SCRAM-SHA-256\$5000:',
             ["carol", "scram", "SCRAM-SHA-256", "credentials", "-"]),
        ]
        for name, options, password, written, credentials, row in cases:
            with self.subTest(name):
                created = cli("sasl-users", "create", "--config", self.config, *options,
                              stdin=password + "\n")
                line = self.assertEdited(created, self.config, written[0])
                lines = [text.strip() for text in read_text(self.config).splitlines()]
                self.assertEqual(lines[line - 1:line - 1 + len(written)], written)
                self.assertRegex(lines[line - 1 + len(written)], credentials)
                self.assertNotIn(password, read_text(self.config))
                listed = cli("sasl-users", "list", "--config", self.config)
                self.assertEqual(table(listed.stdout)[-1], row + [str(line)])
                self.assertNotIn(password, listed.stdout)
                self.assertNotIn("SCRAM-SHA-512$", listed.stdout, "list prints no credentials")
                self.assertKeptModeAndOwner()

                deleted = cli("sasl-users", "delete", "--config", self.config, "--username",
                              row[0])
                self.assertEqual(deleted.returncode, 0, described(deleted))
                self.assertEqual(deleted.stdout.splitlines()[0],
                                 f'{self.config}:{line}: deleted SASL user "{row[0]}"')
                self.assertRoundTrip(before)

    # -- cas

    def test_cas_add_activate_deactivate_list_remove_gives_the_file_back(self):
        before = self.write_config(self.devices_text())
        os.mkdir(os.path.join(self.directory, "ca"))
        other_ca = os.path.join(self.directory, "ca", "other.pem")
        shutil.copy(self.other_ca.cert, other_ca)
        added = cli("cas", "add", "--config", self.config, "--ca-name", "other-ca", "--file",
                    "ca/other.pem", "--status", "inactive", cwd=self.directory)
        line = self.assertEdited(added, self.config, '- ca_name: "other-ca"')
        self.assertEqual(added.stdout.splitlines()[0],
                         f'{self.config}:{line}: added CA "other-ca" (INACTIVE)')
        self.assertEqual(read_text(self.config).splitlines()[line:line + 2],
                         [f'    file: "{other_ca}"', "    status: INACTIVE"])
        self.assertEqual(self.rows("cas"), [
            ["ca_name", "status", "file", "line"],
            ["fleet-ca", "ACTIVE", self.fleet_ca.cert, str(line - 2)],
            ["other-ca", "INACTIVE", other_ca, str(line)],
        ])

        activated = cli("cas", "activate", "--config", self.config, "--ca-name", "other-ca")
        self.assertEdited(activated, self.config, "status: ACTIVE")
        self.assertEqual(activated.stdout.splitlines()[0],
                         f'{self.config}:{line + 2}: CA "other-ca" is ACTIVE')
        self.assertEqual(self.rows("cas")[-1][:2], ["other-ca", "ACTIVE"])
        again = cli("cas", "activate", "--config", self.config, "--ca-name", "other-ca")
        self.assertEqual(again.returncode, 0, described(again))
        self.assertEqual(again.stdout, f'{self.config}:{line}: CA "other-ca" is already ACTIVE; '
                                       "nothing to change\n")
        deactivated = cli("cas", "deactivate", "--config", self.config, "--ca-name", "other-ca")
        self.assertEdited(deactivated, self.config, "status: INACTIVE")

        removed = cli("cas", "remove", "--config", self.config, "--ca-name", "other-ca")
        self.assertEqual(removed.returncode, 0, described(removed))
        self.assertEqual(removed.stdout.splitlines()[0],
                         f'{self.config}:{line}: removed CA "other-ca"')
        self.assertRoundTrip(before)

    def test_cas_deactivate_writes_a_status_the_entry_did_not_have_and_keeps_its_comment(self):
        before = self.write_config(self.devices_text())
        deactivated = cli("cas", "deactivate", "--config", self.config, "--ca-name", "fleet-ca")
        self.assertEdited(deactivated, self.config, "status: INACTIVE")
        self.assertEqual(read_text(self.config), before.decode().replace(
            f"    file: {self.fleet_ca.cert}\n",
            f"    file: {self.fleet_ca.cert}\n    status: INACTIVE\n"))
        self.assertEqual(self.rows("cas")[1][:2], ["fleet-ca", "INACTIVE"])
        self.assertKeptModeAndOwner()

    # -- sni

    def test_sni_set_replaces_the_domains_list_in_place_and_keeps_every_other_byte(self):
        before = self.write_config(self.sni_text())
        string = "*.mqtt.example.com#main;mqtt-test.example.com#test#k3y-pass"
        replaced = cli("sni", "set", "--config", self.config, "-", stdin=string + "\n")
        line = self.assertEdited(replaced, self.config, f'sni_config: "{string}"')
        self.assertEqual(replaced.stdout.splitlines()[0],
                         f"{self.config}:{line}: sni_config set: 2 domains")
        expected = before.decode().replace(
            '  domains:\n'
            '    - domain: "*.mqtt.example.com"   # every broker of the fleet\n'
            '      certificate_id: main\n',
            f'  sni_config: "{string}"\n')
        self.assertEqual(read_text(self.config), expected)
        self.assertKeptModeAndOwner()

        again = cli("sni", "set", "--config", self.config, "mqtt.example.com#main")
        self.assertEdited(again, self.config, 'sni_config: "mqtt.example.com#main"')
        self.assertEqual(read_text(self.config),
                         expected.replace(string, "mqtt.example.com#main"))
        self.assertEqual(run_cli("check", self.config).returncode, 0)

    def test_sni_list_shows_domains_and_certificates_and_never_a_password(self):
        self.write_config(self.sni_text())
        listed = cli("sni", "list", "--config", self.config)
        self.assertEqual(listed.returncode, 0, described(listed))
        domains_line = read_text(self.config).splitlines().index(
            '    - domain: "*.mqtt.example.com"   # every broker of the fleet') + 1
        rows = table(listed.stdout)
        self.assertEqual(rows[:2], [
            ["domain", "certificate_id", "password", "line", "entry"],
            ["*.mqtt.example.com", "main", "no", str(domains_line), "-"]])
        self.assertEqual(rows[-1], ["default_certificate:", "main"])

        string = "*.mqtt.example.com#main;mqtt-test.example.com#test#k3y-pass"
        self.assertEqual(cli("sni", "set", "--config", self.config, "-",
                             stdin=string).returncode, 0)
        listed = cli("sni", "list", "--config", self.config)
        rows = table(listed.stdout)
        sni_config_line = domains_line - 1  # where `domains:` was
        self.assertEqual(rows[1:3], [
            ["*.mqtt.example.com", "main", "no", str(sni_config_line), "1"],
            ["mqtt-test.example.com", "test", "yes", str(sni_config_line), "2"]])
        self.assertEqual(rows[3], ["certificate_id", "cert_file", "key_file", "line"])
        self.assertEqual([row[0] for row in rows[4:6]], ["main", "test"])
        self.assertNotIn("k3y-pass", listed.stdout + listed.stderr)

    # -- authorizers

    def test_authorizers_add_update_list_remove_with_iotdas_field_names(self):
        before = self.write_config(self.authorizers_text())
        public_key = os.path.join(self.directory, "authorizer.pub.pem")
        shutil.copy(self.authorizer_key, public_key)
        added = cli("authorizers", "add", "--config", self.config, "--authorizer-name", "myTest",
                    "--func-urn", "http://127.0.0.1:9000/mqtt-auth", "--signing-enable", "TRUE",
                    "--signing-token", "tok_1", "--signing-public-key", "authorizer.pub.pem",
                    "--default-authorizer", "False", "--status", "active", "--cache-enable",
                    "true", "--timeout-ms", "1500", "--max-in-flight", "20", cwd=self.directory)
        line = self.assertEdited(added, self.config, '- authorizer_name: "myTest"')
        self.assertEqual(added.stdout.splitlines()[0],
                         f'{self.config}:{line}: added authorizer "myTest"')
        written = [
            '  - authorizer_name: "myTest"',
            '    func_urn: "http://127.0.0.1:9000/mqtt-auth"',
            "    signing_enable: true",
            '    signing_token: "tok_1"',
            f'    signing_public_key: "{public_key}"',
            "    default_authorizer: false",
            "    status: ACTIVE",
            "    cache_enable: true",
            "    timeout_ms: 1500",
            "    max_in_flight: 20"]
        self.assertEqual(read_text(self.config).splitlines()[line - 1:], written)
        header = ["authorizer_name", "status", "func_urn", "signing_enable",
                  "default_authorizer", "cache_enable", "line"]
        self.assertEqual(self.rows("authorizers"), [
            header,
            ["legacy", "ACTIVE", "http://127.0.0.1:9000/legacy", "false", "false", "false",
             str(line - 3)],
            ["myTest", "ACTIVE", "http://127.0.0.1:9000/mqtt-auth", "true", "false", "true",
             str(line)]])

        updated = cli("authorizers", "update", "--config", self.config, "--authorizer-name",
                      "myTest", "--status", "INACTIVE", "--timeout-ms=3000",
                      "--func-urn=https://auth.example.com/mqtt")
        self.assertEdited(updated, self.config, 'func_urn: "https://auth.example.com/mqtt"')
        self.assertEqual(updated.stdout.splitlines()[0],
                         f'{self.config}:{line + 1}: updated authorizer "myTest": func_urn status '
                         "timeout_ms")
        written[1] = '    func_urn: "https://auth.example.com/mqtt"'
        written[6] = "    status: INACTIVE"
        written[8] = "    timeout_ms: 3000"
        self.assertEqual(read_text(self.config).splitlines()[line - 1:], written,
                         "values are replaced in place")
        self.assertEqual(self.rows("authorizers")[2][:3],
                         ["myTest", "INACTIVE", "https://auth.example.com/mqtt"])

        removed = cli("authorizers", "remove", "--config", self.config, "--authorizer-name",
                      "myTest")
        self.assertEqual(removed.returncode, 0, described(removed))
        self.assertEqual(removed.stdout.splitlines()[0],
                         f'{self.config}:{line}: removed authorizer "myTest"')
        self.assertRoundTrip(before)

    def test_authorizers_update_adds_a_field_after_the_entrys_last_and_keeps_comments(self):
        before = self.write_config(self.authorizers_text())
        updated = cli("authorizers", "update", "--config", self.config, "--authorizer-name",
                      "legacy", "--status", "INACTIVE", "--func-urn=http://127.0.0.1:9001/v2")
        self.assertEqual(updated.returncode, 0, described(updated))
        self.assertEqual(read_text(self.config), before.decode().replace(
            "    func_urn: http://127.0.0.1:9000/legacy\n",
            '    func_urn: "http://127.0.0.1:9001/v2"\n').replace(
            "    signing_enable: false\n", "    signing_enable: false\n    status: INACTIVE\n"))
        self.assertEqual(self.rows("authorizers")[1][:3],
                         ["legacy", "INACTIVE", "http://127.0.0.1:9001/v2"])
        self.assertKeptModeAndOwner()

    def test_authorizers_list_shows_the_loaders_defaults(self):
        """signing_enable defaults to true (README): an authorizer that leaves it out is listed
        as signing, as the broker treats it."""
        self.write_config(self.demo_text() + (
            "authorizers:\n"
            "  - authorizer_name: plain\n"
            "    func_urn: http://127.0.0.1:9000/plain\n"
            "    signing_token: tok_1\n"
            f"    signing_public_key: {self.authorizer_key}\n"))
        self.assertEqual(self.rows("authorizers")[1][:6],
                         ["plain", "ACTIVE", "http://127.0.0.1:9000/plain", "true", "false",
                          "false"])

    # -- refusals

    def test_bad_input_is_one_line_exit_status_1_and_the_file_is_untouched(self):
        configs = {"demo": self.demo_text, "devices": self.devices_text, "sni": self.sni_text,
                   "authorizers": self.authorizers_text}
        c = self.config
        cases = [
            ("unknown identity", "demo",
             ["identities", "remove", "--config", c, "--username", "ghost"], "",
             rf'^{re.escape(c)}: no identity "ghost"$'),
            ("ambiguous identity", "demo",
             ["identities", "remove", "--config", c, "--username", "gateway", "--client-id",
              "GID_demo@@@other"], "",
             r'no identity "gateway" with client id "GID_demo@@@other"'),
            ("empty secret on stdin", "demo",
             ["identities", "add", "--config", c, "--username", "neo", "--identity-type",
              "USER", "--sign-mode", "ORIGIN"], "\n",
             r"^mqauth identities add: the secret is empty$"),
            ("duplicate identity", "demo",
             ["identities", "add", "--config", c, "--username", "demo", "--identity-type",
              "USER", "--sign-mode", "ORIGIN"], "again\n",
             rf'^{re.escape(c)}:8: identity "demo" \(USER\) exists already: remove it first, '
             r"or rotate its secret$"),
            ("duplicate SASL user", "demo",
             ["sasl-users", "create", "--config", c, "--username", "kafka"], "pw\n",
             rf'^{re.escape(c)}:30: SASL user "kafka" exists already'),
            ("no password", "demo",
             ["sasl-users", "create", "--config", c, "--username", "bob"], "",
             r"no password on standard input"),
            ("unknown SASL user", "demo",
             ["sasl-users", "delete", "--config", c, "--username", "ghost"], "",
             r'no SASL user "ghost"'),
            ("unknown rule line", "demo",
             ["permissions", "remove", "--config", c, "--line", "41"], "",
             r"no rule starts on line 41 \(see mqauth permissions list\)"),
            ("unknown rule", "demo",
             ["permissions", "remove", "--config", c, "--identity-type", "USER", "--identity",
              "demo", "--topic", "demo/#", "--permit-action", "PUB", "--effect", "ALLOW"], "",
             r'no rule ALLOW PUB on "demo/#" for USER "demo"'),
            ("duplicate CA name", "devices",
             ["cas", "add", "--config", c, "--ca-name", "fleet-ca", "--file",
              self.other_ca.cert], "", r'a CA named "fleet-ca" is listed already'),
            ("unknown CA", "devices",
             ["cas", "deactivate", "--config", c, "--ca-name", "ghost"], "",
             r'no CA named "ghost"'),
            ("malformed sni string", "sni",
             ["sni", "set", "--config", c, "a.example.com#main;b.example.com"], "",
             r"^mqauth sni set: entry 2 has no certificate id"),
            ("empty sni entry", "sni",
             ["sni", "set", "--config", c, "a.example.com#main;"], "",
             r"^mqauth sni set: entry 2 is empty"),
            ("empty sni string", "sni", ["sni", "set", "--config", c, "-"], "\n",
             r"^mqauth sni set: the string is empty"),
            ("no sni section", "demo", ["sni", "set", "--config", c, "a.example.com#main"], "",
             r"no sni section"),
            ("update of a missing authorizer", "authorizers",
             ["authorizers", "update", "--config", c, "--authorizer-name", "ghost", "--status",
              "INACTIVE"], "", rf'^{re.escape(c)}: no authorizer "ghost"'),
            ("duplicate authorizer", "authorizers",
             ["authorizers", "add", "--config", c, "--authorizer-name", "legacy", "--func-urn",
              "http://127.0.0.1:9000/x"], "", r'an authorizer named "legacy" exists already'),
        ]
        for name, config, args, stdin, message in cases:
            with self.subTest(name):
                before = self.write_config(configs[config]())
                self.assertRefusedByVerb(cli(*args, stdin=stdin), c, before, message)

    def test_an_edit_whose_result_would_not_load_is_refused_with_the_loaders_errors(self):
        c = self.config
        cases = [
            ("a CLIENT identity for a SASL user's username", self.demo_text,
             ["identities", "add", "--config", c, "--username", "kafka", "--identity-type",
              "USER", "--sign-mode", "ORIGIN"], "again\n",
             r"kafka"),
            ("unreadable secret file", self.demo_text,
             ["identities", "add", "--config", c, "--username", "neo", "--identity-type",
              "USER", "--sign-mode", "ORIGIN", "--secret-file",
              os.path.join(self.directory, "missing.secret")], "",
             r"identities\[3\]\.secret_file: .*No such file"),
            ("secret_env not set", self.demo_text,
             ["identities", "add", "--config", c, "--username", "neo", "--identity-type",
              "USER", "--sign-mode", "ORIGIN", "--secret-env", "MQAUTH_VERBS_UNSET"], "",
             r"identities\[3\]\.secret_env: .*MQAUTH_VERBS_UNSET"),
            ("SASL user named like an identity", self.demo_text,
             ["sasl-users", "create", "--config", c, "--username", "demo"], "pw\n",
             r"\"demo\" is also a USER identity"),
            ("invalid topic filter", self.demo_text,
             ["permissions", "add", "--config", c, "--identity-type", "USER", "--identity",
              "demo", "--topic", "demo/#/x", "--permit-action", "PUB", "--effect", "DENY"], "",
             r"invalid topic filter"),
            ("a CA file that is not a CA", self.devices_text,
             ["cas", "add", "--config", c, "--ca-name", "device", "--file", self.device.cert],
             "", r"ca_certificates\[1\]\.file: InvalidParameter: not a CA certificate"),
            ("a CA listed twice", self.devices_text,
             ["cas", "add", "--config", c, "--ca-name", "again", "--file", self.fleet_ca.cert],
             "", r"is already listed as \"fleet-ca\""),
            ("a CA without a registry", self.demo_text,
             ["cas", "add", "--config", c, "--ca-name", "fleet-ca", "--file",
              self.fleet_ca.cert], "", r"listed CAs need device_certificates\.registry"),
            ("an unknown certificate id", self.sni_text,
             ["sni", "set", "--config", c, "a.example.com#nope"], "",
             r'sni\.sni_config: InvalidParameter: entry 1: no certificate has certificate_id '
             r'"nope"'),
            ("a wrong key password", self.sni_text,
             ["sni", "set", "--config", c, "-"], "a.example.com#test#wrong\n",
             r"sni\.sni_config: .*differs from its key_password"),
            ("a function that is not http", self.authorizers_text,
             ["authorizers", "update", "--config", c, "--authorizer-name", "legacy",
              "--func-urn", "ftp://127.0.0.1/"], "", r"must be an http:// or https:// URL"),
            ("signing without a key", self.authorizers_text,
             ["authorizers", "add", "--config", c, "--authorizer-name", "signed", "--func-urn",
              "http://127.0.0.1:9000/x"], "", r"signing_token is required"),
        ]
        for name, text, args, stdin, message in cases:
            with self.subTest(name):
                before = self.write_config(text())
                result = cli(*args, stdin=stdin)
                self.assertRefusedByLoader(result, c, before, message)
                self.assertNotIn("wrong", result.stderr, "a password is never echoed")

    def test_a_config_that_does_not_load_is_not_edited(self):
        before = self.write_config(self.demo_text().replace("sign_mode: ORIGIN",
                                                            "sign_mode: ORIGINAL", 1))
        result = cli("identities", "remove", "--config", self.config, "--username", "fleet")
        self.assertEqual(result.returncode, 1, described(result))
        self.assertRegex(result.stderr, rf"^{re.escape(self.config)}:11:\d+: identities\[0\]")
        self.assertIn(f"{self.config}: fix these errors first (mqauth check {self.config})",
                      result.stderr)
        self.assertEqual(read_bytes(self.config), before)

    # -- the command line

    def test_usage_errors_exit_2_and_leave_the_file_alone(self):
        c = self.config
        cases = [
            (["identities"], "expected add, remove, rotate, end-rotation or list"),
            (["identities", "rename", "--config", c], 'unknown subcommand "rename"'),
            (["identities", "list"], "--config is required"),
            (["identities", "add", "--config", c, "--username", "neo", "--identity-type", "USR",
              "--sign-mode", "ORIGIN"], '--identity-type must be USER | CLIENT, not "USR"'),
            (["identities", "add", "--config", c, "--username", "neo", "--identity-type", "USER",
              "--client-id", "c1", "--sign-mode", "ORIGIN"], "a USER identity takes no --client-id"),
            (["identities", "add", "--config", c, "--username", "neo", "--identity-type",
              "CLIENT", "--sign-mode", "ORIGIN"], "a CLIENT identity needs --client-id"),
            (["identities", "add", "--config", c, "--username", "neo", "--identity-type", "USER",
              "--sign-mode", "ORIGIN", "--secret-file", "a", "--secret-env", "B"],
             "give --secret-file or --secret-env, not both"),
            (["identities", "remove", "--config", c], "--username is required"),
            (["identities", "list", "--config", c, "--reload"], "unknown option --reload"),
            (["identities", "remove", "--config", c, "--username", "demo", "--reload=yes"],
             "option --reload takes no value"),
            (["identities", "remove", "--config", c, "--username"],
             "option --username needs a value"),
            (["permissions", "add", "--config", c, "--identity-type", "USER", "--identity", "x",
              "--topic", "t", "--permit-action", "PUBLISH", "--effect", "ALLOW"],
             "--permit-action must be PUB | SUB | PUB_SUB"),
            (["sasl-users", "create", "--config", c, "--username", "x", "--iterations", "10"],
             "--iterations must be a number from 4096 to 10000000"),
            (["sasl-users", "create", "--config", c, "--username", "x", "--mechanism", "MD5"],
             "--mechanism must be SCRAM-SHA-256 | SCRAM-SHA-512"),
            (["cas", "add", "--config", c, "--ca-name", "x"], "--file is required"),
            (["cas", "add", "--config", c, "--ca-name", "x", "--file", "f", "--status", "on"],
             "--status must be ACTIVE | INACTIVE"),
            (["sni", "set", "--config", c], "the SetSniConfig string is required"),
            (["sni", "set", "--config", c, "a#b", "c#d"], 'unexpected argument "c#d"'),
            (["authorizers", "update", "--config", c, "--authorizer-name", "legacy"],
             "give at least one field to change"),
            (["authorizers", "update", "--config", c, "--authorizer-name", "legacy",
              "--timeout-ms", "2s"], "--timeout-ms must be a whole number"),
            (["authorizers", "add", "--config", c, "--authorizer-name", "x", "--func-urn", "u",
              "--cache-enable", "yes"], "--cache-enable must be true | false"),
            (["devices", "delete", "--config", c, "--device-sn", "1A"], "--issuer is required"),
        ]
        before = self.write_config(self.authorizers_text())
        for args, message in cases:
            with self.subTest(" ".join(args[:2]) + ": " + message):
                self.assertUsageError(cli(*args, stdin="s3cret\n"), message)
                self.assertEqual(read_bytes(c), before)

    def test_a_secret_or_password_is_never_taken_on_the_command_line(self):
        before = self.write_config(self.demo_text())
        for args in (["identities", "add", "--config", self.config, "--username", "neo",
                      "--identity-type", "USER", "--sign-mode", "ORIGIN", "--secret", "s3cret"],
                     ["sasl-users", "create", "--config", self.config, "--username", "bob",
                      "--password", "s3cret"]):
            with self.subTest(args[0]):
                result = cli(*args)
                self.assertUsageError(result, f"unknown option --{args[-2][2:]}")
                self.assertEqual(read_bytes(self.config), before)

    def test_enum_values_are_taken_in_any_case_and_written_as_the_config_spells_them(self):
        before = self.write_config(self.demo_text())
        added = cli("identities", "add", f"--config={self.config}", "--username=neo",
                    "--identity-type=client", "--client-id=GID_demo@@@neo",
                    "--sign-mode=Signed", stdin="neo-secret\n")
        line = self.assertEdited(added, self.config, '- username: "neo"')
        lines = read_text(self.config).splitlines()
        self.assertEqual((lines[line], lines[line + 3]),
                         ("    identity_type: CLIENT", "    sign_mode: SIGNED"))
        rule = cli("permissions", "add", f"--config={self.config}", "--identity-type=Client",
                   "--identity=GID_demo@@@neo", "--topic=neo/#", "--permit-action=pub_sub",
                   "--effect=allow")
        rule_line = self.assertEdited(rule, self.config, "- identity_type: CLIENT")
        self.assertEqual(read_text(self.config).splitlines()[rule_line + 2:rule_line + 4],
                         ["      permit_action: PUB_SUB", "      effect: ALLOW"])
        for args in (["permissions", "remove", f"--config={self.config}", f"--line={rule_line}"],
                     ["identities", "remove", f"--config={self.config}", "--username=neo"]):
            self.assertEqual(cli(*args).returncode, 0)
        self.assertRoundTrip(before)

    def test_every_verb_and_subcommand_has_help(self):
        for verb, subcommands in EDITING_VERBS.items():
            with self.subTest(verb):
                helped = cli(verb, "--help")
                self.assertEqual(helped.returncode, 0, described(helped))
                self.assertTrue(helped.stdout.startswith(f"usage: mqauth {verb} "),
                                helped.stdout)
                self.assertEqual(cli("help", verb).stdout, helped.stdout)
                for subcommand in subcommands:
                    sub = cli(verb, subcommand, "--help")
                    self.assertEqual(sub.returncode, 0, described(sub))
                    self.assertTrue(
                        sub.stdout.startswith(f"usage: mqauth {verb} {subcommand}")
                        or f"{subcommand}|" in sub.stdout.splitlines()[0]
                        or f"|{subcommand} " in sub.stdout.splitlines()[0], sub.stdout)
                    editing = subcommand != "list"
                    self.assertEqual("--reload" in sub.stdout, editing, sub.stdout)
        listed = cli("help")
        for verb in EDITING_VERBS:
            self.assertIn(f"  {verb}\t", listed.stdout)


# ---------------------------------------------------------------------------------------------
# With a broker

def broker_files_conf(directory, pid_file=None, log_file=None):
    """A mosquitto.conf (a new file in `directory`) that says only where a broker keeps its pid
    and its log."""
    lines = ["# where the broker keeps its pid and its log"]
    if pid_file:
        lines.append(f"pid_file {pid_file}")
    if log_file:
        lines.append(f"log_dest file {log_file}")
    descriptor, path = tempfile.mkstemp(prefix="broker-files-", suffix=".conf", dir=directory)
    os.close(descriptor)
    return write_text(path, "\n".join(lines) + "\n")


class ConfigVerbsBrokerTest(VerbAssertions, BrokerTestCase):
    """A broker serving a copy of config/auth.yaml. Its mosquitto.conf (the harness's, with
    `log_dest file`) includes a directory whose one file names a pid_file, as Debian's
    /etc/mosquitto/conf.d does: `--mosquitto-conf` with that conf is how the tool finds the
    broker, its pid and its log, unless a test names them itself."""

    def start_demo_broker(self, env=None):
        conf_d = tempfile.mkdtemp(prefix="mqauth-verbs-conf.d-")
        self.addCleanup(shutil.rmtree, conf_d, True)
        self.pid_file = os.path.join(conf_d, "mosquitto.pid")
        write_text(os.path.join(conf_d, "pid.conf"), f"pid_file {self.pid_file}\n")
        broker = self.start_broker(read_text(AUTH_YAML), extra_conf=[f"include_dir {conf_d}"],
                                   env=env)
        self.assertTrue(wait_for(lambda: os.path.exists(self.pid_file), CLIENT_TIMEOUT))
        return broker

    def reload_options(self, broker):
        return ["--reload", "--mosquitto-conf", broker.conf_path]

    def assertApplied(self, result, broker):
        """Exit 0, the plugin's `reloaded` line relayed, and "applied"."""
        self.assertEqual(result.returncode, 0, described(result) + broker.describe())
        self.assertRegex(result.stdout, rf"(?m)^broker: \d+: mqauth: reloaded "
                                        rf"{re.escape(broker.auth_path)}: \d+ identities, ")
        self.assertRegex(result.stdout, APPLIED)
        self.assertIn(f"(pid {broker.process.pid})", result.stdout)

    def test_identities_add_with_reload_lets_the_new_identity_log_in(self):
        broker = self.start_demo_broker()
        client = {"client_id": unique_client_id("neo"), "username": "neo",
                  "password": "neo-s3cret", "topic": "demo/hello"}
        self.assertEqual(pub(broker, **client)[0], RC_NOT_AUTHORISED)
        added = cli("identities", "add", "--config", broker.auth_path, "--username", "neo",
                    "--identity-type", "USER", "--sign-mode", "ORIGIN",
                    *self.reload_options(broker), stdin="neo-s3cret\n")
        self.assertApplied(added, broker)
        self.assertNotIn(RELOAD_HINT, added.stdout)
        self.assertEqual(pub(broker, **client)[0], 0, broker.describe())
        self.assertNotIn("neo-s3cret", broker.log_text())

    def test_identities_remove_with_reload_disconnects_the_identitys_client(self):
        broker = self.start_demo_broker()
        fleet = unique_client_id("GID_demo@@@sensor")
        live = self.start_live_client(broker, client_id=fleet, username="fleet",
                                      password=signed_password("fleet-secret", fleet),
                                      topic=f"devices/{fleet}/telemetry")
        demo = self.start_live_client(broker, client_id=unique_client_id("demo"),
                                      username="demo", password="demo-secret", topic="demo/x")
        # --pid and --broker-log instead of the mosquitto.conf.
        removed = cli("identities", "remove", "--config", broker.auth_path, "--username",
                      "fleet", "--reload", "--pid", str(broker.process.pid), "--broker-log",
                      broker.log_path)
        self.assertApplied(removed, broker)
        self.assertIn("1 clients disconnected", removed.stdout)
        self.assertTrue(live.wait_disconnected(), live.describe())
        self.assertIsNotNone(broker.wait_for_log_line(
            rf"disconnecting client_id={re.escape(fleet)} .*reason=identity_removed"),
            broker.describe())
        self.assertTrue(demo.stays_connected(grace=0.5), demo.describe())

    def test_permissions_add_and_remove_with_reload_change_what_a_client_may_do(self):
        broker = self.start_demo_broker()
        live = self.start_live_client(broker, client_id=unique_client_id("demo"),
                                      username="demo", password="demo-secret",
                                      topic="reports/daily")
        reader = {"username": "demo", "password": "demo-secret", "topics": ["reports/#"]}
        live.send("before")
        self.assertEqual(live.wait_pubacks(1), [135], "no rule allows reports/ yet")
        self.assertEqual(self.start_subscriber(broker, client_id=unique_client_id("reader"),
                                               **reader).granted(), [128])

        rule = ["--identity-type", "user", "--identity", "demo", "--topic", "reports/#",
                "--permit-action", "pub_sub", "--effect", "allow"]
        added = cli("permissions", "add", "--config", broker.auth_path, *rule,
                    *self.reload_options(broker))
        self.assertApplied(added, broker)
        subscriber = self.start_subscriber(broker, client_id=unique_client_id("reader"),
                                           **reader)
        self.assertEqual(subscriber.granted(), [0])
        live.send("after")
        self.assertEqual(live.wait_pubacks(2)[1], 0, live.describe())
        self.assertIsNotNone(subscriber.wait_for_message("reports/daily", "after"),
                             subscriber.describe())

        removed = cli("permissions", "remove", "--config", broker.auth_path, *rule,
                      *self.reload_options(broker))
        self.assertApplied(removed, broker)
        live.send("removed")
        self.assertEqual(live.wait_pubacks(3)[2], 135, live.describe())
        self.assertEqual(self.start_subscriber(broker, client_id=unique_client_id("reader"),
                                               **reader).granted(), [128])
        self.assertTrue(live.stays_connected(grace=0.2), "a rule change keeps the connection")

    def test_sasl_users_create_with_reload_then_a_plain_login_works(self):
        broker = self.start_demo_broker()
        client = {"client_id": unique_client_id("bob"), "username": "bob",
                  "password": "b0b-passw0rd", "topic": "bob/x"}
        created = cli("sasl-users", "create", "--config", broker.auth_path, "--username", "bob",
                      *self.reload_options(broker), stdin="b0b-passw0rd\n")
        self.assertApplied(created, broker)
        self.assertNotIn("b0b-passw0rd", read_text(broker.auth_path))
        self.assertEqual(pub(broker, **client)[0], 0, broker.describe())
        client["password"] = "wrong"
        self.assertEqual(pub(broker, **client)[0], RC_NOT_AUTHORISED)

        live = self.start_live_client(broker, client_id=unique_client_id("bob"),
                                      username="bob", password="b0b-passw0rd", topic="bob/x")
        deleted = cli("sasl-users", "delete", "--config", broker.auth_path, "--username", "bob",
                      *self.reload_options(broker))
        self.assertApplied(deleted, broker)
        self.assertTrue(live.wait_disconnected(), live.describe())
        self.assertNotIn("b0b-passw0rd", broker.log_text())

    def test_a_reload_the_broker_rejects_exits_1_and_says_the_running_policy_stays(self):
        """The tool's environment has the variable, the broker's has not: the edit loads for the
        tool, not for the broker."""
        self.assertNotIn("MQAUTH_VERBS_OPS_SECRET", os.environ)
        broker = self.start_demo_broker()
        demo = self.start_live_client(broker, client_id=unique_client_id("demo"),
                                      username="demo", password="demo-secret", topic="demo/x")
        added = cli("identities", "add", "--config", broker.auth_path, "--username", "ops",
                    "--identity-type", "USER", "--sign-mode", "ORIGIN", "--secret-env",
                    "MQAUTH_VERBS_OPS_SECRET", *self.reload_options(broker),
                    env={"MQAUTH_VERBS_OPS_SECRET": "ops-s3cret"})
        self.assertEqual(added.returncode, 1, described(added) + broker.describe())
        self.assertRegex(added.stdout, rf"^{re.escape(broker.auth_path)}:\d+: added USER "
                                       r'identity "ops"\n$')
        self.assertRegex(added.stderr, r"(?m)^broker: \d+: mqauth: .*MQAUTH_VERBS_OPS_SECRET")
        self.assertRegex(added.stderr, rf"(?m)^broker: \d+: mqauth: reload of "
                                       rf"{re.escape(broker.auth_path)} rejected; the running "
                                       r"policy stays in force$")
        self.assertRegex(added.stderr, rf"(?m)^the broker \(pid {broker.process.pid}\) "
                                       rf"{re.escape(RUNNING_POLICY_STAYS)}$")
        self.assertEqual(pub(broker, client_id=unique_client_id("ops"), username="ops",
                             password="ops-s3cret", topic="demo/x")[0], RC_NOT_AUTHORISED)
        self.assertTrue(demo.stays_connected(grace=0.2))

        # The tool loads the file as the broker would: the variable must be set for it still.
        removed = cli("identities", "remove", "--config", broker.auth_path, "--username", "ops",
                      *self.reload_options(broker),
                      env={"MQAUTH_VERBS_OPS_SECRET": "ops-s3cret"})
        self.assertApplied(removed, broker)

    def test_a_broker_without_a_log_file_is_signalled_and_the_tool_says_it_cannot_tell(self):
        broker = self.start_demo_broker()
        conf = broker_files_conf(broker.workdir, pid_file=self.pid_file)
        seen = len(broker.log_lines_matching(r"mqauth: reloaded "))
        added = cli("permissions", "add", "--config", broker.auth_path, "--identity-type", "USER",
                    "--identity", "demo", "--topic", "quiet/#", "--permit-action", "PUB",
                    "--effect", "ALLOW", "--reload", "--mosquitto-conf", conf)
        self.assertEqual(added.returncode, 0, described(added))
        self.assertIn(f"reload sent to the broker (pid {broker.process.pid}); its log says "
                      "whether it applied the file (no log_dest file to read)", added.stdout)
        self.assertTrue(wait_for(lambda: len(broker.log_lines_matching(r"mqauth: reloaded "))
                                 > seen, CLIENT_TIMEOUT), broker.describe())

    def test_a_process_that_is_not_mosquitto_is_never_signalled(self):
        broker = self.start_demo_broker()
        # sleep dies of SIGHUP: still running afterwards, it was not signalled.
        sleeper = subprocess.Popen(["sleep", "60"])
        self.addCleanup(sleeper.wait)
        self.addCleanup(sleeper.kill)
        stale_pid_file = write_text(os.path.join(broker.workdir, "stale.pid"),
                                    f"{sleeper.pid}\n")
        cases = [
            ("--pid", ["--pid", str(sleeper.pid)],
             f"mqauth: cannot reload: process {sleeper.pid} is not a running mosquitto"),
            ("a stale pid_file", ["--mosquitto-conf",
                                  broker_files_conf(broker.workdir, stale_pid_file,
                                                    broker.log_path)],
             f"mqauth: cannot reload: process {sleeper.pid} is not a running mosquitto"),
            ("no pid_file", ["--mosquitto-conf",
                             broker_files_conf(broker.workdir, None, broker.log_path)],
             "mqauth: cannot reload: no --pid, and the broker's config names no pid_file"),
            ("a missing pid_file", ["--mosquitto-conf",
                                    broker_files_conf(broker.workdir, "/nonexistent.pid",
                                                      broker.log_path)],
             "mqauth: cannot reload: cannot read the broker's pid from /nonexistent.pid"),
            ("not a number", ["--pid", "mosquitto"],
             "mqauth: cannot reload: --pid mosquitto is not a process id"),
        ]
        for name, options, message in cases:
            with self.subTest(name):
                seen = len(broker.log_lines_matching(r"mqauth: reload"))
                topic = f"never/{len(name)}/{name.replace(' ', '-')}"
                added = cli("permissions", "add", "--config", broker.auth_path,
                            "--identity-type", "USER", "--identity", "demo", "--topic", topic,
                            "--permit-action", "PUB", "--effect", "ALLOW", "--reload", *options)
                self.assertEqual(added.returncode, 1, described(added))
                self.assertEqual(added.stderr, message + "\n")
                # The edit is made (and said so); only the reload did not happen.
                self.assertRegex(added.stdout, rf"^{re.escape(broker.auth_path)}:\d+: added ")
                self.assertIn(topic, read_text(broker.auth_path))
                self.assertIsNone(sleeper.poll(), "the process was signalled")
                self.assertEqual(len(broker.log_lines_matching(r"mqauth: reload")), seen)


# ---------------------------------------------------------------------------------------------
# Device certificates

class DeviceVerbsBrokerTest(VerbAssertions, BrokerTestCase):
    """A broker with a TLS listener that verifies device certificates against the config's one
    CA and registers them in an SQLite registry beside the config."""

    @classmethod
    def setUpClass(cls):
        cls.tls = TlsMaterial()
        cls.addClassCleanup(cls.tls.cleanup)
        cls.root = cls.tls.certificate_authority("verbs device root", name="verbs-root")
        cls.issuer = "CN=verbs device root"
        server = cls.tls.server_certificate("broker", issuer=cls.root)
        cls.listener = TlsListener(certfile=server.cert, keyfile=server.key)

    def config_text(self):
        return ("# broker of the editing verbs' device test\n"
                "version: 1\n"
                "anonymous: deny\n"
                "permissions:\n"
                "  no_match: ALLOW\n"
                "ca_certificates:\n"
                "  - ca_name: verbs-root   # the factory's CA\n"
                f"    file: {self.root.cert}\n"
                "device_certificates:\n"
                "  registry:\n"
                "    sqlite: devices.db\n")

    def new_device(self):
        device = self.tls.client_certificate(unique_client_id("verbs-device"), issuer=self.root)
        return device, ClientTls(cafile=self.root.cert, cert=device.cert, key=device.key)

    def listed_serials(self, broker):
        result = cli("devices", "list", "--config", broker.auth_path)
        self.assertEqual(result.returncode, 0, described(result))
        return [row[0] for row in table(result.stdout)[1:]]

    def registrations(self, broker, device):
        return broker.log_lines_matching(
            rf"registered device certificate device_sn={canonical_serial(device.serial)}\b")

    def test_cas_deactivate_with_reload_disconnects_a_device_and_activate_lets_it_back(self):
        broker = self.start_broker(self.config_text(), tls_listener=self.listener)
        device, tls = self.new_device()
        live = self.start_live_client(broker, client_id=device.common_name, tls=tls)
        options = ["--config", broker.auth_path, "--ca-name", "verbs-root", "--reload",
                   "--pid", str(broker.process.pid), "--broker-log", broker.log_path]

        deactivated = cli("cas", "deactivate", *options)
        self.assertEqual(deactivated.returncode, 0, described(deactivated) + broker.describe())
        self.assertRegex(deactivated.stdout, APPLIED)
        self.assertIn("1 clients disconnected", deactivated.stdout)
        self.assertTrue(live.wait_disconnected(), live.describe())
        self.assertIsNotNone(broker.wait_for_log_line(
            rf"disconnecting client_id={re.escape(device.common_name)} .*reason=ca_inactive"),
            broker.describe())
        self.assertNotEqual(pub(broker, client_id=device.common_name, tls=tls)[0], 0)

        activated = cli("cas", "activate", *options)
        self.assertEqual(activated.returncode, 0, described(activated))
        self.assertRegex(activated.stdout, APPLIED)
        self.assertEqual(pub(broker, client_id=device.common_name, tls=tls)[0], 0,
                         broker.describe())
        self.assertIn("  - ca_name: verbs-root   # the factory's CA\n", read_text(broker.auth_path))

    def test_devices_delete_forgets_a_device_which_registers_again_after_a_reload(self):
        broker = self.start_broker(self.config_text(), tls_listener=self.listener)
        device, tls = self.new_device()
        other, other_tls = self.new_device()
        serial = canonical_serial(device.serial)
        for each, each_tls in ((device, tls), (other, other_tls)):
            self.assertEqual(pub(broker, client_id=each.common_name, tls=each_tls)[0], 0,
                             broker.describe())
        self.assertEqual(len(self.registrations(broker, device)), 1)
        self.assertIn(serial, self.listed_serials(broker))
        config_before = read_bytes(broker.auth_path)

        deleted = cli("devices", "delete", "--config", broker.auth_path, "--device-sn",
                      device.serial.lower(), "--issuer", self.issuer)
        self.assertEqual(deleted.returncode, 0, described(deleted))
        self.assertEqual(deleted.stdout, (
            f'deleted device_sn={serial} issuer="{self.issuer}" from sqlite '
            f'{os.path.join(broker.workdir, "devices.db")}\n'
            "brokers look it up again after their next reload; while its certificate verifies, "
            "it is registered anew when it connects (revoke it to keep it out)\n"))
        self.assertEqual(self.listed_serials(broker), [canonical_serial(other.serial)])
        self.assertEqual(read_bytes(broker.auth_path), config_before, "the config is not edited")

        again = cli("devices", "delete", "--config", broker.auth_path, "--device-sn", serial,
                    "--issuer", self.issuer)
        self.assertEqual(again.returncode, 1, described(again))
        self.assertIn("is not registered", again.stderr)
        wrong_issuer = cli("devices", "delete", "--config", broker.auth_path, "--device-sn",
                           canonical_serial(other.serial), "--issuer", "CN=someone else")
        self.assertEqual(wrong_issuer.returncode, 1, described(wrong_issuer))
        self.assertIn(f'is registered with issuer "{self.issuer}"', wrong_issuer.stderr)

        self.assertTrue(broker.reload(), broker.describe())
        self.assertEqual(pub(broker, client_id=device.common_name, tls=tls)[0], 0,
                         broker.describe())
        self.assertEqual(len(self.registrations(broker, device)), 2,
                         "the deleted device should be registered anew\n" + broker.describe())
        self.assertEqual(sorted(self.listed_serials(broker)),
                         sorted([serial, canonical_serial(other.serial)]))
        self.assertEqual(len(self.registrations(broker, other)), 1, "the other device stays known")


# ---------------------------------------------------------------------------------------------
# README's examples

EDITING_HEADING = "## Editing the config from the command line"
INSTALL_HEADING = "## Installing into Debian's Mosquitto"
SNI_HEADING = "### TLS: the certificate for the name the client asked for (SNI)"
FENCE = re.compile(r"^(\s*)```(\w*)\s*$")
VARIABLE = re.compile(r'"\$([A-Z_]+)"')


def readme_section(heading):
    """The lines of README.md from `heading` to the next heading of its level or above."""
    with open(README_PATH, encoding="utf-8") as file:
        lines = file.read().split("\n")
    start = lines.index(heading)
    level = len(heading.split(" ")[0])
    fenced = False
    for end in range(start + 1, len(lines)):
        if FENCE.match(lines[end]):
            fenced = not fenced
        elif not fenced and re.match(rf"^#{{1,{level}}} ", lines[end]):
            return lines[start:end]
    return lines[start:]


def code_blocks(lines):
    """[(language, [line, ...]), ...] of the fenced blocks in `lines`, in order."""
    blocks, index = [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, language = opening.groups()
        end = index + 1
        while not re.match(rf"^{re.escape(indent)}```\s*$", lines[end]):
            end += 1
        blocks.append((language, [line[len(indent):] for line in lines[index + 1:end]]))
        index = end + 1
    return blocks


def readme_steps():
    """The editing section's examples in order: ("run", command, [output line, ...]) for each
    `$ command` of a plain block, ("yaml", text) for a block to add to the file by hand."""
    steps = []
    for language, body in code_blocks(readme_section(EDITING_HEADING)):
        if language == "yaml":
            steps.append(("yaml", "\n".join(body) + "\n"))
            continue
        if language:
            raise AssertionError(f"a ```{language} block in {EDITING_HEADING}: its examples are "
                                 "plain blocks of `$ command` lines and their output")
        for line in body:
            if line.startswith("$ "):
                steps.append(("run", line[2:], []))
            elif not steps or steps[-1][0] != "run":
                raise AssertionError(f"output before any command in {EDITING_HEADING}: {line}")
            else:
                steps[-1][2].append(line)
    return steps


def readme_yaml_after(heading, opening):
    """The first ```yaml block of README's section `heading` whose first line is `opening`."""
    for language, body in code_blocks(readme_section(heading)):
        if language == "yaml" and body and body[0] == opening:
            return "\n".join(body) + "\n"
    raise AssertionError(f"no yaml block starting {opening!r} under {heading!r}")


def readme_install_config():
    """The first /etc/mosquitto/mqauth.yaml README's install steps write."""
    return readme_yaml_after(INSTALL_HEADING, "# yaml-language-server: "
                                              "$schema=/usr/share/mqauth/mqauth.schema.json")


def normalized(lines):
    """Output as README shows it: log timestamps and pids are the machine's, table columns are
    aligned to the longest path."""
    out = []
    for line in lines:
        line = re.sub(r"\b\d{10}\b", "TIMESTAMP", line)
        line = re.sub(r"\(pid \d+\)", "(pid PID)", line)
        out.append(re.sub(r" +", " ", line).rstrip())
    return out


class ReadmeEditingExamplesTest(VerbAssertions, BrokerTestCase):
    """Every `$ command` of README's editing section, run in order by bash as root would run it
    (without `sudo`), on the config README's install section writes, with a broker serving that
    config: /etc/mosquitto/ stands for the broker's own directory (its mosquitto.conf, with a
    pid_file, is what `--reload` reads: the tool is given it as --mosquitto-conf, Debian's
    default) and /var/lib/mosquitto/ for one beside it. Each command must print what README
    shows (an interleaving of its stdout and stderr, since a terminal shows both) and exit 0,
    unless README's next line is `$ echo $?` with the status it exits with. A ```yaml block is
    added to the end of the file, as README says to by hand; before the first `sni` command the
    file gets README's SNI section as it is shown there. The files the examples name are made
    first: the secret files, ca/fleet.pem, the SNI certificates (the `test` key encrypted with
    k3y-pass) and authorizer.pub.pem in the working directory, as token-sign's example makes it.
    Each "$VARIABLE" the commands use is set to a value of its own."""

    def setUp(self):
        tls = TlsMaterial()
        self.addCleanup(tls.cleanup)
        self.broker = Broker("version: 1\n")
        self.addCleanup(self.broker.close_expecting_clean_exit)
        self.etc = self.broker.workdir
        self.var_lib = os.path.join(self.etc, "var-lib-mosquitto")
        os.mkdir(self.var_lib)
        self.home = tempfile.mkdtemp(prefix="mqauth-verbs-home-")
        self.addCleanup(shutil.rmtree, self.home, True)
        self.bin = os.path.join(self.home, "bin")
        os.mkdir(self.bin)
        os.symlink(required_path("MQAUTH_CLI"), os.path.join(self.bin, "mqauth"))

        for name in ("app", "sensor"):
            write_text(os.path.join(self.etc, f"{name}.secret"), f"{name}-readme-secret\n",
                       0o640)
        root = tls.certificate_authority("readme fleet ca", name="fleet")
        os.mkdir(os.path.join(self.etc, "ca"))
        shutil.copy(root.cert, os.path.join(self.etc, "ca", "fleet.pem"))
        os.mkdir(os.path.join(self.etc, "certs"))
        for name, password in (("main", None), ("test", "k3y-pass")):
            certificate = tls.server_certificate(name, issuer=root,
                                                 dns_names=(f"{name}.example.com",),
                                                 key_password=password)
            shutil.copy(certificate.cert, os.path.join(self.etc, "certs", f"{name}.crt"))
            shutil.copy(certificate.key, os.path.join(self.etc, "certs", f"{name}.key"))
        shutil.copy(rsa_public_key(tls.directory, "authorizer"),
                    os.path.join(self.home, "authorizer.pub.pem"))

        self.broker.auth_path = os.path.join(self.etc, "mqauth.yaml")
        write_text(self.broker.auth_path, self.localized(readme_install_config()), 0o640)
        self.broker.extra_conf.append(f"pid_file {os.path.join(self.etc, 'mosquitto.pid')}")
        self.broker.start()

    def localized(self, text):
        """README's text with its paths in the test's directories."""
        return (text.replace("/etc/mosquitto/", self.etc + "/")
                .replace("/var/lib/mosquitto/", self.var_lib + "/"))

    def readme_paths(self, text):
        return text.replace(self.var_lib, "/var/lib/mosquitto").replace(self.etc,
                                                                        "/etc/mosquitto")

    def run_readme_command(self, command, variables):
        text = self.localized(command.replace("sudo ", ""))
        text = text.replace("-h 127.0.0.1", f"-h 127.0.0.1 -p {self.broker.port}")
        text = text.replace("--reload", f"--reload --mosquitto-conf {self.broker.conf_path}")
        env = {**os.environ, **variables, "PATH": self.bin + os.pathsep + os.environ["PATH"]}
        result = subprocess.run(["bash", "-o", "pipefail", "-c", text], cwd=self.home, env=env,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=60)
        fail_on_sanitizer_report(result.stderr, command)
        return result

    def assertPrints(self, command, result, shown):
        """README's lines are the command's stdout and stderr lines, each stream in order."""
        stdout = normalized(self.readme_paths(result.stdout).splitlines())
        stderr = normalized(self.readme_paths(result.stderr).splitlines())
        message = (f"README: $ {command}\n--- README shows ---\n" + "\n".join(shown)
                   + "\n--- it printed ---\n" + self.readme_paths(result.stdout)
                   + "--- on stderr ---\n" + self.readme_paths(result.stderr))
        for line in normalized(shown):
            if stdout and stdout[0] == line:
                stdout.pop(0)
            elif stderr and stderr[0] == line:
                stderr.pop(0)
            else:
                self.fail(message)
        self.assertEqual(stdout + stderr, [], message)

    def test_every_example_prints_what_readme_shows(self):
        steps = readme_steps()
        commands = [step[1] for step in steps if step[0] == "run"]
        self.assertTrue(any(" --reload" in command for command in commands))
        for verb in EDITING_VERBS:
            self.assertTrue(any(f"mqauth {verb} " in command for command in commands), verb)
        variables = {name: f"{name.lower().replace('_', '-')}-readme"
                     for command in commands for name in VARIABLE.findall(command)}
        sni_added = False
        for index, step in enumerate(steps):
            if step[0] == "yaml":
                with open(self.broker.auth_path, "a", encoding="utf-8") as file:
                    file.write(self.localized(step[1]))
                continue
            _, command, shown = step
            if command == "echo $?":
                continue
            if " sni " in command and not sni_added:
                with open(self.broker.auth_path, "a", encoding="utf-8") as file:
                    file.write(readme_yaml_after(SNI_HEADING, "sni:"))
                sni_added = True
            following = steps[index + 1] if index + 1 < len(steps) else None
            status = (int(following[2][0]) if following and following[0] == "run"
                      and following[1] == "echo $?" else 0)
            with self.subTest(command):
                result = self.run_readme_command(command, variables)
                self.assertEqual(result.returncode, status,
                                 f"README: $ {command}\n" + described(result)
                                 + self.broker.describe())
                self.assertPrints(command, result, shown)
        for secret in list(variables.values()) + ["k3y-pass"]:
            self.assertNotIn(secret, self.broker.log_text())


if __name__ == "__main__":
    unittest.main()

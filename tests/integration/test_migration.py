# SPDX-License-Identifier: Apache-2.0
"""Migration from Mosquitto's own authentication (`mqauth import`, README "Migrate from
password_file / dynamic-security") against a real broker.

PasswordFileMigrationTest: a password file made by Debian's real mosquitto_passwd ($7$, its
default, and $6$ with -H sha512) is appended to a running broker's config with
`mqauth import password-file --config --reload`; every user then logs in with its own password
and no other, and the config keeps its comments; a repeated login is cached. The stdout form
passes `mqauth check`; a username the config has already, or a line the import cannot read,
leaves the config untouched. `sasl-users rotate` moves a migrated user to mqauth's own
credentials with the Mosquitto hash as previous_credentials, and both passwords log in.

DynamicSecurityMigrationTest: a dynamic-security.json made by Debian's real dynamic-security
plugin (mosquitto_ctrl against a broker that loads it) is imported; its clients log in with the
passwords they had, their roles' ACLs decide publishes and subscriptions, and the report on
stderr names what does not map.
"""

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from mqauth_harness import (
    CLIENT_TIMEOUT,
    START_TIMEOUT,
    BrokerTestCase,
    fail_on_sanitizer_report,
    free_port,
    port_accepts,
    pub,
    read_text,
    required_path,
    run_cli,
    run_process,
    unique_client_id,
    wait_for,
)

MOSQUITTO_PASSWD = "/usr/bin/mosquitto_passwd"
MOSQUITTO_CTRL = "/usr/bin/mosquitto_ctrl"
# The dynamic-security file is made with Debian's own broker and plugin (2.0.11), whichever
# broker the tests run against: the file's format is what the import reads.
DEBIAN_MOSQUITTO = "/usr/sbin/mosquitto"
DYNSEC_PLUGIN = "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so"

REFUSED_PUBLISH = "Warning: Publish 1 failed: Not authorized."

# username: (mosquitto_passwd options, password)
PASSWORD_FILE_USERS = {
    "mig-pbkdf2-a": ([], "pbkdf2-password-a"),  # $7$, 101 iterations: mosquitto_passwd's default
    "mig-pbkdf2-b": ([], "with spaces & symbols: $7$!"),
    "mig-pbkdf2-1000": (["-I", "1000"], "pbkdf2-1000-password"),
    "mig-sha512-a": (["-H", "sha512"], "sha512-password-a"),
    "mig-sha512-b": (["-H", "sha512"], "sha512-pässwörd-b"),
}
# Slow enough (2,000,000 PBKDF2 iterations) that a login's time shows whether it was derived.
SLOW_USER, SLOW_PASSWORD = "mig-slow", "slow-password"

BASE_CONFIG = """\
# The operator's own comment: the import keeps it.
version: 1
anonymous: deny
identities:
  - username: app  # an identity that stays
    identity_type: USER
    secret: "app-secret"
    sign_mode: ORIGIN
permissions:
  no_match: DENY
  rules:
    - identity_type: USER
      identity: app
      topic: "t/#"
      permit_action: PUB_SUB
      effect: ALLOW
"""


def mosquitto_passwd(path, username, password, options=(), create=False):
    args = [MOSQUITTO_PASSWD, *options, "-b", *(["-c"] if create else []), path, username, password]
    result = run_process(args, timeout=60)
    if result.returncode != 0:
        raise AssertionError(f"{' '.join(args[:-1])} failed: {result.stderr}")


def cli_with_stdin(stdin, *args):
    """The tool with `stdin` on its standard input (a password)."""
    result = subprocess.run([required_path("MQAUTH_CLI"), *args], input=stdin, text=True,
                            capture_output=True, timeout=45)
    fail_on_sanitizer_report(result.stderr, "mqauth " + " ".join(args[:2]))
    return result


def write(path, text):
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)


class MigrationTestCase(BrokerTestCase):
    def make_dir(self):
        directory = tempfile.mkdtemp(prefix="mqauth-migration-")
        self.addCleanup(shutil.rmtree, directory, True)
        return directory

    def login(self, broker, username, password):
        """mosquitto_pub's exit status and stderr for one CONNECT and QoS 1 publish."""
        return pub(broker, client_id=unique_client_id(username), username=username,
                   password=password)

    def publish5(self, broker, username, password, topic):
        """True when an MQTT 5 publish at QoS 1 is accepted (the PUBACK says whether)."""
        rc, stderr = pub(broker, client_id=unique_client_id(username), username=username,
                         password=password, topic=topic, extra=("-V", "mqttv5"))
        self.assertEqual(rc, 0, f"{username} should connect: {stderr!r}\n{broker.describe()}")
        return REFUSED_PUBLISH not in stderr


class PasswordFileMigrationTest(MigrationTestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="mqauth-passwd-")
        cls.addClassCleanup(shutil.rmtree, cls.directory, True)
        cls.password_file = os.path.join(cls.directory, "passwd")
        for index, (username, (options, password)) in enumerate(PASSWORD_FILE_USERS.items()):
            mosquitto_passwd(cls.password_file, username, password, options, create=index == 0)
        mosquitto_passwd(cls.password_file, SLOW_USER, SLOW_PASSWORD, ["-I", "2000000"])
        cls.lines = read_text(cls.password_file).splitlines()

    def test_the_file_holds_both_hash_types(self):
        hashes = dict(line.split(":", 1) for line in self.lines)
        self.assertTrue(hashes["mig-pbkdf2-a"].startswith("$7$101$"), hashes["mig-pbkdf2-a"])
        self.assertTrue(hashes["mig-pbkdf2-1000"].startswith("$7$1000$"))
        self.assertTrue(hashes["mig-sha512-a"].startswith("$6$"), hashes["mig-sha512-a"])

    def test_every_user_keeps_their_password_after_the_import(self):
        broker = self.start_broker(BASE_CONFIG)
        result = run_cli("import", "password-file", self.password_file, "--config",
                         broker.auth_path, "--reload", "--pid", str(broker.process.pid),
                         "--broker-log", broker.log_path)
        self.assertEqual(result.returncode, 0, result.stderr + broker.describe())
        self.assertRegex(result.stdout, re.compile(
            rf"^{re.escape(broker.auth_path)}:\d+: imported 6 SASL users and 0 permission rules "
            rf"from {re.escape(self.password_file)}$", re.MULTILINE))
        self.assertIn("applied the reload", result.stdout)
        self.assertEqual(result.stderr, "")
        config = read_text(broker.auth_path)
        self.assertTrue(config.startswith("# The operator's own comment: the import keeps it.\n"
                                          "version: 1\n"), config)
        self.assertIn("  - username: app  # an identity that stays\n", config)
        users = {**{name: password for name, (_, password) in PASSWORD_FILE_USERS.items()},
                 SLOW_USER: SLOW_PASSWORD}
        for username, password in users.items():
            with self.subTest(username=username):
                rc, stderr = self.login(broker, username, password)
                self.assertEqual(rc, 0, f"{username} should log in with its own password: "
                                        f"{stderr!r}\n{broker.describe()}")
        for username in PASSWORD_FILE_USERS:
            with self.subTest(wrong_password_of=username):
                self.assertRefused(broker, reason="bad_password",
                                   client_id=unique_client_id(username + "-wrong"),
                                   username=username, password=users[username] + "x")
        # Another user's password is no password of this one.
        self.assertRefused(broker, reason="bad_password", client_id=unique_client_id("swap"),
                           username="mig-sha512-a", password=users["mig-pbkdf2-a"])
        # The identity that was there logs in as before.
        self.assertConnects(broker, client_id=unique_client_id("app"), username="app",
                            password="app-secret", topic="t/x")

    def test_a_login_is_cached_like_any_plain_login(self):
        config = os.path.join(self.make_dir(), "auth.yaml")
        write(config, BASE_CONFIG)
        result = run_cli("import", "password-file", self.password_file, "--config", config)
        self.assertEqual(result.returncode, 0, result.stderr)
        broker = self.start_broker(read_text(config))

        def timed_login():
            start = time.monotonic()
            rc, stderr = self.login(broker, SLOW_USER, SLOW_PASSWORD)
            self.assertEqual(rc, 0, stderr + broker.describe())
            return time.monotonic() - start

        first = timed_login()  # derives: 2,000,000 PBKDF2-SHA512 iterations
        again = min(timed_login(), timed_login())  # the keyed-hash cache: no derivation
        self.assertGreater(first, 0.4, "the first login should derive the slow hash")
        self.assertLess(again * 2, first,
                        f"a repeated login should skip the derivation ({first:.3f} s, then "
                        f"{again:.3f} s)")

    def test_rotate_moves_a_migrated_user_to_mqauths_own_credentials(self):
        config = os.path.join(self.make_dir(), "auth.yaml")
        write(config, BASE_CONFIG)
        self.assertEqual(run_cli("import", "password-file", self.password_file, "--config",
                                 config).returncode, 0)
        listed = run_cli("sasl-users", "list", "--config", config).stdout
        self.assertRegex(listed, r"mig-pbkdf2-a +plain +mosquitto-pbkdf2 +credentials")
        self.assertRegex(listed, r"mig-sha512-a +plain +mosquitto-sha512 +credentials")
        old = PASSWORD_FILE_USERS["mig-sha512-a"][1]
        same = cli_with_stdin(old + "\n", "sasl-users", "rotate", "--config", config,
                              "--username", "mig-sha512-a")
        self.assertEqual(same.returncode, 1)
        self.assertIn("the new password is the current one", same.stderr)
        rotated = cli_with_stdin("rotated-password\n", "sasl-users", "rotate", "--config",
                                 config, "--username", "mig-sha512-a")
        self.assertEqual(rotated.returncode, 0, rotated.stderr)
        hashed = dict(line.split(":", 1) for line in self.lines)["mig-sha512-a"]
        text = read_text(config)
        self.assertIn(f'    previous_credentials: "{hashed}"\n', text)
        self.assertRegex(text, r'- username: "mig-sha512-a"\n    type: plain\n'
                               r'    credentials: "SCRAM-SHA-512\$4096:')
        broker = self.start_broker(text)
        for password in (old, "rotated-password"):
            rc, stderr = self.login(broker, "mig-sha512-a", password)
            self.assertEqual(rc, 0, stderr + broker.describe())
        self.assertRefused(broker, reason="bad_password", client_id=unique_client_id("rotated"),
                           username="mig-sha512-a", password="neither")

    def test_the_printed_config_passes_check(self):
        result = run_cli("import", "password-file", self.password_file)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stderr, "")
        self.assertTrue(result.stdout.startswith("version: 1\nsasl_users:\n"), result.stdout)
        for line in self.lines:
            username, hashed = line.split(":", 1)
            self.assertIn(f'  - username: "{username}"\n    type: plain\n'
                          f'    credentials: "{hashed}"\n', result.stdout)
        printed = os.path.join(self.make_dir(), "imported.yaml")
        write(printed, result.stdout)
        check = run_cli("check", printed)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    def test_a_username_the_config_has_is_refused_and_nothing_is_written(self):
        directory = self.make_dir()
        config = os.path.join(directory, "auth.yaml")
        text = BASE_CONFIG + ("sasl_users:\n  - username: mig-sha512-a\n"
                              "    password: \"already here\"\n")
        write(config, text)
        result = run_cli("import", "password-file", self.password_file, "--config", config)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn(f'{config}:18: SASL user "mig-sha512-a" exists already', result.stderr)
        self.assertEqual(read_text(config), text)

    def test_an_unreadable_line_imports_nothing(self):
        directory = self.make_dir()
        broken = os.path.join(directory, "passwd")
        write(broken, "\n".join(self.lines[:2]) + "\nno colon here\n"
                      "newer:$argon2id$v=19$m=47104,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g\n"
                      + self.lines[0] + "\n")
        config = os.path.join(directory, "auth.yaml")
        write(config, BASE_CONFIG)
        for extra in ([], ["--config", config]):
            with self.subTest(extra=extra):
                result = run_cli("import", "password-file", broken, *extra)
                self.assertEqual(result.returncode, 1)
                self.assertEqual(result.stdout, "")
                self.assertEqual(result.stderr.splitlines(), [
                    f"{broken}:3: not a user:HASH line",
                    f'{broken}:4: user "newer": an argon2id hash (Mosquitto 2.1\'s default) '
                    "cannot be verified by mqauth",
                    f'{broken}:5: user "mig-pbkdf2-a" again (first at line 1)',
                    f"{broken}: nothing imported",
                ])
                self.assertEqual(read_text(config), BASE_CONFIG)


class DynamicSecurityFile:
    """A dynamic-security.json made the way its users make it: `mosquitto_ctrl dynsec init`,
    then mosquitto_ctrl commands to a broker that loads Debian's plugin, which saves the file
    after each."""

    ADMIN_PASSWORD = "dynsec-admin-pw"

    def __init__(self, directory):
        self.path = os.path.join(directory, "dynamic-security.json")
        self.directory = directory
        self.port = None
        self.process = None

    def __enter__(self):
        result = run_process([MOSQUITTO_CTRL, "dynsec", "init", self.path, "admin",
                              self.ADMIN_PASSWORD])
        if result.returncode != 0:
            raise AssertionError(f"mosquitto_ctrl dynsec init failed: {result.stderr}")
        self.port = free_port()
        conf = os.path.join(self.directory, "dynsec-mosquitto.conf")
        write(conf, f"listener {self.port} 127.0.0.1\nallow_anonymous false\n"
                    f"plugin {DYNSEC_PLUGIN}\nplugin_opt_config_file {self.path}\n"
                    f"persistence false\nuser {pwd.getpwuid(os.getuid()).pw_name}\n")
        self.output = open(os.path.join(self.directory, "dynsec-broker.out"), "wb")
        self.process = subprocess.Popen([DEBIAN_MOSQUITTO, "-c", conf], stdin=subprocess.DEVNULL,
                                        stdout=self.output, stderr=subprocess.STDOUT)
        if not wait_for(lambda: port_accepts(self.port), START_TIMEOUT):
            raise AssertionError("the dynamic-security broker did not start: "
                                 + read_text(self.output.name))
        return self

    def ctrl(self, *command):
        args = [MOSQUITTO_CTRL, "-h", "127.0.0.1", "-p", str(self.port), "-u", "admin", "-P",
                self.ADMIN_PASSWORD, "dynsec", *command]
        result = run_process(args, timeout=CLIENT_TIMEOUT)
        if result.returncode != 0 or "Error" in result.stdout:
            raise AssertionError(f"mosquitto_ctrl dynsec {' '.join(command)}: "
                                 f"{result.stdout}{result.stderr}")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.output.close()


class DynamicSecurityMigrationTest(MigrationTestCase):
    PASSWORDS = {"sensor-1": "sensor-1-pw", "sensor-2": "sensor-2-pw", "gateway": "gateway-pw",
                 "retired": "retired-pw"}

    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="mqauth-dynsec-")
        cls.addClassCleanup(shutil.rmtree, cls.directory, True)
        with DynamicSecurityFile(cls.directory) as dynsec:
            for username in ("sensor-1", "sensor-2", "retired"):
                dynsec.ctrl("createClient", username, "-p", cls.PASSWORDS[username])
            dynsec.ctrl("createClient", "gateway", "-c", "gateway-client-id", "-p",
                        cls.PASSWORDS["gateway"])
            dynsec.ctrl("disableClient", "retired")
            dynsec.ctrl("createRole", "sensor")
            dynsec.ctrl("addRoleACL", "sensor", "publishClientSend", "sensors/+/temp", "allow")
            dynsec.ctrl("addRoleACL", "sensor", "subscribePattern", "commands/#", "allow")
            dynsec.ctrl("addRoleACL", "sensor", "publishClientReceive", "commands/#", "allow")
            dynsec.ctrl("createRole", "quiet")
            dynsec.ctrl("addRoleACL", "quiet", "publishClientSend", "sensors/secret/temp", "deny")
            # sensor-1: its own roles, `sensor` checked first (priority 5): the plugin allows
            # sensors/secret/temp, mqauth's DENY refuses it (the report says so).
            dynsec.ctrl("addClientRole", "sensor-1", "sensor", "5")
            dynsec.ctrl("addClientRole", "sensor-1", "quiet", "1")
            # sensor-2: through a group, `quiet` first: both refuse sensors/secret/temp.
            dynsec.ctrl("createGroup", "fleet")
            dynsec.ctrl("addGroupRole", "fleet", "quiet", "10")
            dynsec.ctrl("addGroupRole", "fleet", "sensor", "1")
            dynsec.ctrl("addGroupClient", "fleet", "sensor-2")
        cls.dynsec_path = dynsec.path

    def test_the_report_names_what_does_not_map(self):
        result = run_cli("import", "dynamic-security", self.dynsec_path)
        self.assertEqual(result.returncode, 0, result.stderr)
        at = self.dynsec_path
        report = result.stderr.splitlines()
        for expected in [
            f'{at}: role "admin": publishClientReceive ALLOW "$CONTROL/dynamic-security/#": '
            "mqauth delivers what a client's SUB rules allow; it has no rule for deliveries "
            "alone",
            f'{at}: role "admin": unsubscribePattern ALLOW "#": mqauth always lets a client '
            "unsubscribe",
            f'{at}: role "sensor": publishClientReceive ALLOW "commands/#": mqauth delivers what '
            "a client's SUB rules allow; it has no rule for deliveries alone",
            f'{at}: client "gateway": bound to client id "gateway-client-id", and a SASL user '
            "may use any client id (make a CLIENT identity for it by hand): not imported",
            f'{at}: client "retired": disabled: not imported',
            f'{at}: client "sensor-1": role "sensor"\'s publishClientSend ALLOW "sensors/+/temp" '
            'comes before role "quiet"\'s publishClientSend DENY "sensors/secret/temp": dynsec '
            "allows what both match, mqauth's DENY refuses it",
        ]:
            self.assertIn(expected, report)
        self.assertFalse([line for line in report if '"sensor-2"' in line], report)
        # Four of the admin role's eight ACLs, and nothing about dynsec init's defaultACLAccess,
        # which mqauth's no_match: DENY matches.
        self.assertEqual(len(report), 8, report)
        printed = os.path.join(self.make_dir(), "imported.yaml")
        write(printed, result.stdout)
        check = run_cli("check", printed)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)

    def test_clients_keep_their_passwords_and_their_roles_decide(self):
        config = os.path.join(self.make_dir(), "auth.yaml")
        write(config, BASE_CONFIG)
        result = run_cli("import", "dynamic-security", self.dynsec_path, "--config", config)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout, r"imported 3 SASL users and \d+ permission rules")
        broker = self.start_broker(read_text(config))
        for username in ("sensor-1", "sensor-2"):
            with self.subTest(username=username):
                password = self.PASSWORDS[username]
                self.assertTrue(self.publish5(broker, username, password, "sensors/kitchen/temp"))
                self.assertFalse(self.publish5(broker, username, password, "sensors/secret/temp"))
                self.assertFalse(self.publish5(broker, username, password, "elsewhere"))
                subscriber = self.start_subscriber(
                    broker, client_id=unique_client_id(username), username=username,
                    password=password, topics=["commands/#", "sensors/#"])
                self.assertEqual(subscriber.granted(), [0, 128])
                self.assertRefused(broker, reason="bad_password",
                                   client_id=unique_client_id(username + "-wrong"),
                                   username=username, password=password + "x")
        self.assertRefused(broker, reason="bad_password", client_id=unique_client_id("admin"),
                           username="admin", password="wrong")
        for username in ("gateway", "retired"):  # not imported
            self.assertRefused(broker, reason="unknown_username",
                               client_id=unique_client_id(username), username=username,
                               password=self.PASSWORDS[username])


if __name__ == "__main__":
    unittest.main()

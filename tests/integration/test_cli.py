# SPDX-License-Identifier: Apache-2.0
"""The mqauth tool's command-line conventions, as users of mosquitto_passwd and mosquitto_ctrl
expect them: --version, `help VERB`, `--option=value`, enum values in any case, and secrets that
never have to be on the command line (where `ps` shows them to every user of the machine),
including `sign` for a whole list of client ids. The built tool, run as a user runs it.
"""

import grp
import os
import pwd
import re
import subprocess
import tempfile
import unittest

from mqauth_harness import (
    CLIENT_TIMEOUT,
    fail_on_sanitizer_report,
    required_path,
    signed_password,
)

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli(*args, stdin="", env=None):
    """The tool with `stdin` as its standard input; returns the CompletedProcess."""
    result = subprocess.run([required_path("MQAUTH_CLI"), *args], input=stdin, text=True,
                            capture_output=True, timeout=CLIENT_TIMEOUT,
                            env={**os.environ, **(env or {})})
    fail_on_sanitizer_report(result.stderr, "mqauth " + " ".join(args[:1]))
    return result


def project_version():
    """The version CMakeLists.txt declares: what --version must print."""
    with open(os.path.join(PROJECT_ROOT, "CMakeLists.txt"), encoding="utf-8") as file:
        return re.search(r"project\(mqauth VERSION (\S+)", file.read()).group(1)


class CliConventionsTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="mqauth-cli-")

    def tearDown(self):
        for name in os.listdir(self.directory):
            os.unlink(os.path.join(self.directory, name))
        os.rmdir(self.directory)

    def write(self, name, text):
        path = os.path.join(self.directory, name)
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)
        return path

    def assertExit(self, result, code):
        self.assertEqual(result.returncode, code,
                         f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")

    # -- version and help ----------------------------------------------------------------

    def test_version_prints_the_projects_version(self):
        for flag in ("--version", "-V"):
            with self.subTest(flag):
                result = cli(flag)
                self.assertExit(result, 0)
                self.assertEqual(result.stdout, f"mqauth {project_version()}\n")

    def test_help_verb_is_the_verbs_own_help(self):
        for verb in ("check", "sign", "sasl-hash", "devices", "token-sign"):
            with self.subTest(verb):
                helped, asked = cli("help", verb), cli(verb, "--help")
                self.assertExit(helped, 0)
                self.assertEqual(helped.stdout, asked.stdout)
                self.assertIn("usage: mqauth " + verb, helped.stdout)

    def test_help_alone_lists_the_verbs_and_an_unknown_verb_is_a_usage_error(self):
        listed = cli("help")
        self.assertExit(listed, 0)
        self.assertIn("mqauth --version", listed.stdout)
        for verb in ("check", "sign", "sasl-hash", "devices", "token-sign"):
            self.assertIn(f"  {verb}\t", listed.stdout)
        unknown = cli("help", "frobnicate")
        self.assertExit(unknown, 2)
        self.assertIn("unknown verb 'frobnicate'", unknown.stderr)

    # -- options -------------------------------------------------------------------------

    def test_an_option_may_carry_its_value_after_an_equals_sign(self):
        spaced = cli("sign", "--secret", "s3cret", "--client-id", "dev=1")
        joined = cli("sign", "--secret=s3cret", "--client-id=dev=1")
        self.assertExit(joined, 0)
        self.assertEqual(joined.stdout, spaced.stdout)
        self.assertEqual(joined.stdout, signed_password("s3cret", "dev=1") + "\n")
        unknown = cli("sign", "--colour=red", "--client-id", "x")
        self.assertExit(unknown, 2)
        self.assertIn("unknown option --colour", unknown.stderr)

    def test_an_enum_value_is_taken_in_any_case(self):
        for spelling in ("scram-sha-256", "Scram-Sha-256", "SCRAM-SHA-256"):
            with self.subTest(spelling):
                result = cli("sasl-hash", "--mechanism", spelling, stdin="password\n")
                self.assertExit(result, 0)
                self.assertTrue(result.stdout.startswith("SCRAM-SHA-256$4096:"), result.stdout)
        wrong = cli("sasl-hash", "--mechanism", "scram-sha-1", stdin="password\n")
        self.assertExit(wrong, 2)

    # -- sign: secrets off the command line, and many client ids --------------------------

    def test_sign_reads_the_secret_from_a_file_the_environment_or_standard_input(self):
        expected = signed_password("s3cret", "GID_test@@@dev-1") + "\n"
        secret_file = self.write("secret", "s3cret\n")
        sources = {
            "--secret-file": cli("sign", "--secret-file", secret_file,
                                 "--client-id", "GID_test@@@dev-1"),
            "--secret-env": cli("sign", "--secret-env", "DEVICE_SECRET",
                                "--client-id", "GID_test@@@dev-1",
                                env={"DEVICE_SECRET": "s3cret"}),
            "standard input": cli("sign", "--client-id", "GID_test@@@dev-1", stdin="s3cret\r\n"),
        }
        for source, result in sources.items():
            with self.subTest(source):
                self.assertExit(result, 0)
                self.assertEqual(result.stdout, expected)

    def test_sign_signs_every_client_id_of_a_list_in_order(self):
        client_ids = ["dev-1", "GID_test@@@dev-2", "dev 3"]
        expected = "".join(signed_password("s3cret", c) + "\n" for c in client_ids)
        ids_file = self.write("ids", "\n".join(client_ids) + "\n")
        secret_file = self.write("secret", "s3cret")
        from_file = cli("sign", "--client-ids", ids_file, stdin="s3cret\n")
        from_stdin = cli("sign", "--secret-file", secret_file, "--client-ids", "-",
                         stdin="\r\n".join(client_ids) + "\r\n")
        for result in (from_file, from_stdin):
            self.assertExit(result, 0)
            self.assertEqual(result.stdout, expected)

    def test_sign_refuses_what_it_cannot_sign_and_prints_nothing(self):
        secret_file = self.write("secret", "s3cret\n")
        empty_line = self.write("ids", "dev-1\n\ndev-3\n")
        cases = {
            "an empty line in the list": (
                ["--secret-file", secret_file, "--client-ids", empty_line], "", 1,
                f"--client-ids {empty_line}:2: an empty line"),
            "an empty secret": (["--client-id", "dev-1"], "\n", 1, "the secret is empty"),
            "an unset variable": (["--secret-env", "NO_SUCH_VARIABLE_9F", "--client-id", "d"],
                                  "", 1, "--secret-env NO_SUCH_VARIABLE_9F: the variable is "
                                         "not set"),
            "a missing file": (["--secret-file", self.directory + "/none", "--client-id", "d"],
                               "", 1, "cannot read it"),
            "standard input wanted twice": (["--client-ids", "-"], "dev-1\n", 2,
                                            "give the secret with --secret-file or "
                                            "--secret-env"),
            "two secrets": (["--secret", "a", "--secret-file", secret_file, "--client-id", "d"],
                            "", 2, "give only one of --secret, --secret-file and --secret-env"),
            "both forms of client id": (["--secret", "a", "--client-id", "d", "--client-ids",
                                         empty_line], "", 2, "not both"),
            "no client id": (["--secret", "a"], "", 2, "--client-id (or --client-ids) is "
                                                       "required"),
        }
        for case, (args, stdin, code, message) in cases.items():
            with self.subTest(case):
                result = cli("sign", *args, stdin=stdin)
                self.assertExit(result, code)
                self.assertIn(message, result.stderr)
                self.assertEqual(result.stdout, "")
                self.assertNotIn("s3cret", result.stderr)


@unittest.skipUnless(os.geteuid() == 0, "what the broker's user can read is checked only as root")
class CheckAsTheBrokerUserTest(unittest.TestCase):
    """Run as root, `mqauth check` could read every file itself and call a config valid that the
    broker, running as mosquitto, cannot load at its next SIGHUP. It checks each file as that
    user would open it."""

    def setUp(self):
        try:
            self.broker_group = grp.getgrgid(pwd.getpwnam("mosquitto").pw_gid).gr_name
        except KeyError:
            self.skipTest("no mosquitto user (apt-get install mosquitto)")
        self.directory = tempfile.mkdtemp(prefix="mqauth-check-")
        os.chmod(self.directory, 0o711)  # the broker's user may pass, not list
        self.addCleanup(subprocess.run, ["rm", "-rf", self.directory], check=False)
        self.secret = self.write("fleet.secret", "s3cret\n", 0o600)
        self.registry_dir = os.path.join(self.directory, "registry")
        os.mkdir(self.registry_dir, 0o755)
        self.config = self.write("auth.yaml", (
            "version: 1\n"
            "identities:\n"
            "  - {username: alice, identity_type: USER, sign_mode: ORIGIN,\n"
            "     secret_file: fleet.secret}\n"
            "permissions: {no_match: ALLOW}\n"
            "device_certificates:\n"
            "  registry: {sqlite: registry/devices.db}\n"), 0o644)

    def write(self, name, text, mode):
        path = os.path.join(self.directory, name)
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(path, mode)
        return path

    def test_a_secret_file_only_root_can_read_is_an_error_with_its_line(self):
        result = cli("check", self.config)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn(f"{self.config}:4:19: identities[0].secret_file: the broker's user "
                      f"mosquitto cannot read {self.secret}: Permission denied", result.stderr)
        self.assertNotIn("valid", result.stdout)

        os.chown(self.secret, 0, grp.getgrnam(self.broker_group).gr_gid)
        os.chmod(self.secret, 0o640)  # as the README says: root:mosquitto, 640
        result = cli("check", self.config)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"{self.config}: valid", result.stdout)

    def test_an_unreadable_config_and_an_unwritable_registry_directory_are_named(self):
        os.chmod(self.secret, 0o644)
        result = cli("check", self.config)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(f"{self.config}:7:22: device_certificates.registry.sqlite: the broker's "
                      f"user mosquitto cannot write {self.registry_dir} (where the registry and "
                      "its -wal and -shm files go): Permission denied (warning)", result.stderr)
        os.chmod(self.config, 0o600)
        result = cli("check", self.config)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn(f"{self.config}: the broker's user mosquitto cannot read {self.config}",
                      result.stderr)

    def test_another_broker_user_may_be_named_and_an_unknown_one_is_a_usage_error(self):
        os.chmod(self.secret, 0o644)
        self.assertEqual(cli("check", "--broker-user", "root", self.config).returncode, 0)
        unknown = cli("check", "--broker-user=no-such-user-7c", self.config)
        self.assertEqual(unknown.returncode, 2)
        self.assertIn("no user no-such-user-7c on this machine", unknown.stderr)


if __name__ == "__main__":
    unittest.main()

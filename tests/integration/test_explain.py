# SPDX-License-Identifier: Apache-2.0
"""`mqauth explain`: how the broker would decide a CONNECT and a topic access under a config file,
the built tool run on real files, without a broker (and once against one).

ExplainLoginTest: ORIGIN and SIGNED identities (the SIGNED password made by `mqauth sign`), a
wrong password, an unknown username, a CLIENT identity and another client id, a client id
another login has reserved, anonymous access denied and allowed (the `anonymous:` line, or "deny
(the default)"), plain SASL users (step 3) and SCRAM users (--auth-method, either mechanism, in
any case): the deciding step, the entries consulted with their FILE:LINE, the reason code, the
exit status; the password, from standard input or a file, is printed nowhere.

ExplainTopicTest: the ALLOW rule that grants with its FILE:LINE, a DENY beating an ALLOW (both
shown), no_match deciding (its line, or "DENY (the default)"), %u and %c, CLIENT rules only where
the login proved the client id, subscriptions to wildcard filters, --action in any case.

ExplainAuthorizerTest: a custom authorizer (signing off) is undecided (exit 4, its function's URL
printed) and its function, a threaded HTTP server of this test, gets no request; with
--call-function it is called once and its allow (0) or deny (3, authorizer_denied) decides; an
unknown authorizer is refused with no call.

ExplainDeviceCertificateTest: certificates made with openssl (tls_material.py): one from a listed
CA is allowed and reported as the broker would register it, while the SQLite registry is neither
created nor written; one from an unlisted CA is unknown_ca; one REVOKED in
device_certificates.states is certificate_revoked; one an intermediate issued verifies with the
chain after the leaf in the --cert file (and not without it).

ExplainErrorsTest: an invalid config exits 1 with the loader's FILE:LINE:COL; a command line that
cannot run exits 2 with the usage.

ExplainAgreesWithBrokerTest: a broker serving the same file admits, refuses and drops publishes
exactly where explain says so.

ReadmeExplainExamplesTest: every `$ mqauth explain ...` of README's "Explaining a decision"
section runs against the config it names and prints what README shows.
"""

import http.server
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import unittest
from contextlib import closing

from mqauth_harness import (
    CLIENT_TIMEOUT,
    BrokerTestCase,
    fail_on_sanitizer_report,
    pub,
    required_path,
    sasl_hash,
    signed_password,
)
from test_config_verbs import code_blocks, readme_section
from tls_material import TlsMaterial, canonical_serial, run_openssl

REPOSITORY = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
AUTH_YAML = os.path.join(REPOSITORY, "config", "auth.yaml")

# Exit statuses (explain_verb.cpp).
OK, REJECTED, USAGE, REFUSED, UNDECIDED = 0, 1, 2, 3, 4

USAGE_FIRST_LINE = "usage: mqauth explain --config FILE --client-id ID [--username NAME]"


def explain(config, *args, password=None, password_file=None):
    """`mqauth explain --config CONFIG ARGS...`; the password, when given, on standard input
    (--password-stdin), or in `password_file` (--password-file)."""
    command = [required_path("MQAUTH_CLI"), "explain", "--config", config, *args]
    stdin = ""
    if password is not None:
        command.append("--password-stdin")
        stdin = password + "\n"
    if password_file is not None:
        command += ["--password-file", password_file]
    result = subprocess.run(command, input=stdin, capture_output=True, text=True,
                            timeout=CLIENT_TIMEOUT)
    fail_on_sanitizer_report(result.stderr, "mqauth explain")
    return result


def described(result):
    return (f"exit status {result.returncode}\n--- stdout ---\n{result.stdout}"
            f"--- stderr ---\n{result.stderr}")


def write_text(path, text):
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)
    return path


def line_of(text, needle):
    """The 1-based number of the one line of `text` that contains `needle`."""
    found = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    if len(found) != 1:
        raise AssertionError(f"{needle!r} is on lines {found}, not on exactly one")
    return found[0]


def issuer_of(certificate):
    """The issuer as `openssl x509 -noout -issuer -nameopt RFC2253` prints it."""
    output = run_openssl("x509", "-in", certificate.cert, "-noout", "-issuer", "-nameopt",
                         "RFC2253").strip()
    return output.partition("=")[2]


class ExplainAssertions(unittest.TestCase):

    maxDiff = None

    def assertExplains(self, result, status, lines):
        """Exit `status`, exactly `lines` on stdout, nothing on stderr."""
        self.assertEqual((result.returncode, result.stdout.splitlines(), result.stderr),
                         (status, lines, ""), described(result))

    def assertUsageError(self, result, message):
        """Exit 2, `mqauth explain: MESSAGE` then the usage on stderr, nothing on stdout."""
        self.assertEqual(result.returncode, USAGE, described(result))
        self.assertEqual(result.stdout, "")
        lines = result.stderr.splitlines()
        self.assertEqual(lines[:2], [f"mqauth explain: {message}", USAGE_FIRST_LINE],
                         described(result))


# ---------------------------------------------------------------------------------------------
# The config most tests explain against; every entry is found by a comment of its own.

def policy_yaml(sasl_credentials):
    return f"""\
version: 1
anonymous: deny
identities:
  - username: demo           # identity demo
    identity_type: USER
    secret: "demo-secret"
    sign_mode: ORIGIN
  - username: fleet          # identity fleet
    identity_type: USER
    secret: "fleet-secret"
    sign_mode: SIGNED
  - username: gateway        # identity gateway
    identity_type: CLIENT
    client_id: gw-1
    secret: "gateway-secret"
    sign_mode: ORIGIN
sasl_users:
  - username: kafka          # SASL user kafka
    type: plain
    credentials: "{sasl_credentials['kafka']}"
  - username: alice          # SASL user alice
    type: scram
    mechanism: SCRAM-SHA-256
    credentials: "{sasl_credentials['alice']}"
  - username: bob            # SASL user bob
    type: scram
    mechanism: SCRAM-SHA-512
    credentials: "{sasl_credentials['bob']}"
permissions:
  no_match: DENY             # no_match
  rules:
    - identity_type: USER    # rule demo-all
      identity: demo
      topic: "demo/#"
      permit_action: PUB_SUB
      effect: ALLOW
    - identity_type: USER    # rule demo-admin
      identity: demo
      topic: "demo/admin/#"
      permit_action: PUB
      effect: DENY
    - identity_type: USER    # rule demo-home
      identity: demo
      topic: "home/%u/#"
      permit_action: PUB_SUB
      effect: ALLOW
    - identity_type: USER    # rule fleet-telemetry
      identity: fleet
      topic: "devices/%c/telemetry"
      permit_action: PUB
      effect: ALLOW
    - identity_type: CLIENT  # rule sensor-1
      identity: sensor-1
      topic: "sensors/sensor-1/#"
      permit_action: PUB
      effect: ALLOW
    - identity_type: CLIENT  # rule gw-commands
      identity: gw-1
      topic: "devices/+/commands"
      permit_action: PUB
      effect: ALLOW
    - identity_type: CLIENT  # rule gw-telemetry
      identity: gw-1
      topic: "devices/+/telemetry"
      permit_action: SUB
      effect: ALLOW
    - identity_type: USER    # rule kafka
      identity: kafka
      topic: "demo/#"
      permit_action: PUB_SUB
      effect: ALLOW
    - identity_type: USER    # rule alice
      identity: alice
      topic: "demo/#"
      permit_action: PUB_SUB
      effect: ALLOW
"""


SASL_PASSWORDS = {"kafka": ("plain-secret-7d1", "SCRAM-SHA-512"),
                  "alice": ("scram-secret-256", "SCRAM-SHA-256"),
                  "bob": ("scram-secret-512", "SCRAM-SHA-512")}


class PolicyFile:
    """policy_yaml() written into a temporary directory, with where each entry is."""

    def __init__(self):
        credentials = {user: sasl_hash(password, mechanism)
                       for user, (password, mechanism) in SASL_PASSWORDS.items()}
        self.text = policy_yaml(credentials)
        self.directory = tempfile.mkdtemp(prefix="mqauth-explain-")
        self.path = write_text(os.path.join(self.directory, "auth.yaml"), self.text)

    def cleanup(self):
        shutil.rmtree(self.directory, ignore_errors=True)

    def at(self, comment):
        """FILE:LINE of the entry marked `# comment`."""
        return f"{self.path}:{line_of(self.text, '# ' + comment)}"

    def rule(self, comment, description):
        return f"  rule {self.at('rule ' + comment)}: {description}"


class PolicyTestCase(ExplainAssertions):

    @classmethod
    def setUpClass(cls):
        cls.policy = PolicyFile()
        cls.addClassCleanup(cls.policy.cleanup)

    def explain(self, *args, **options):
        return explain(self.policy.path, *args, **options)

    def connect_lines(self, client_id, username, step, entries, outcome):
        header = f'CONNECT client_id="{client_id}"'
        if username is not None:
            header += f' username="{username}"'
        return [header, f"  decided by step {step}", *entries, f"  -> {outcome}"]

    def identity_login(self, client_id, username, outcome):
        return self.connect_lines(
            client_id, username, "3 of the decision order: a username and password",
            [f'  identity "{username}": {self.policy.at("identity " + username)}'], outcome)


# ---------------------------------------------------------------------------------------------
# CONNECT

class ExplainLoginTest(PolicyTestCase):

    def test_an_origin_identity_with_its_secret_is_allowed(self):
        result = self.explain("--client-id", "app-1", "--username", "demo",
                              password="demo-secret")
        self.assertExplains(result, OK, self.identity_login(
            "app-1", "demo", 'allowed as username "demo"'))

    def test_a_wrong_password_is_bad_password(self):
        result = self.explain("--client-id", "app-1", "--username", "demo",
                              password="demo-secreT")
        self.assertExplains(result, REFUSED, self.identity_login(
            "app-1", "demo", "refused (bad_password)"))

    def test_a_signed_identity_takes_the_password_mqauth_sign_makes(self):
        signed = run_sign("fleet-secret", "sensor-7")
        self.assertEqual(signed, signed_password("fleet-secret", "sensor-7"))
        allowed = self.explain("--client-id", "sensor-7", "--username", "fleet",
                               password=signed)
        self.assertExplains(allowed, OK, self.identity_login(
            "sensor-7", "fleet", 'allowed as username "fleet"'))
        # The same password from another client id, and the secret itself, are wrong.
        for client_id, password in (("sensor-8", signed), ("sensor-7", "fleet-secret")):
            with self.subTest(client_id=client_id, password=password):
                refused = self.explain("--client-id", client_id, "--username", "fleet",
                                       password=password)
                self.assertExplains(refused, REFUSED, self.identity_login(
                    client_id, "fleet", "refused (bad_password)"))

    def test_an_unknown_username_consults_no_entry(self):
        result = self.explain("--client-id", "app-1", "--username", "mallory",
                              password="demo-secret")
        self.assertExplains(result, REFUSED, self.connect_lines(
            "app-1", "mallory", "3 of the decision order: a username and password", [],
            "refused (unknown_username)"))

    def test_a_client_identity_admits_its_client_id_only(self):
        allowed = self.explain("--client-id", "gw-1", "--username", "gateway",
                               password="gateway-secret")
        self.assertExplains(allowed, OK, self.identity_login(
            "gw-1", "gateway", 'allowed as username "gateway"'))
        other = self.explain("--client-id", "gw-2", "--username", "gateway",
                             password="gateway-secret")
        self.assertExplains(other, REFUSED, self.identity_login(
            "gw-2", "gateway", "refused (client_id_not_bound)"))

    def test_a_client_id_a_client_identity_names_is_reserved_to_it(self):
        result = self.explain("--client-id", "gw-1", "--username", "demo",
                              password="demo-secret")
        self.assertExplains(result, REFUSED, self.identity_login(
            "gw-1", "demo", "refused (client_id_reserved)"))

    def test_anonymous_access_shows_the_anonymous_line(self):
        result = self.explain("--client-id", "anon-1")
        self.assertExplains(result, REFUSED, [
            'CONNECT client_id="anon-1"',
            "  decided by step 4 of the decision order: anonymous access",
            f"  anonymous: deny ({self.policy.path}:{line_of(self.policy.text, 'anonymous:')})",
            "  -> refused (anonymous_denied)"])

    def test_anonymous_access_allowed_and_denied_by_default(self):
        directory = tempfile.mkdtemp(prefix="mqauth-explain-")
        self.addCleanup(shutil.rmtree, directory, True)
        allow = write_text(os.path.join(directory, "allow.yaml"),
                           "version: 1\n# anyone\nanonymous: allow\n")
        default = write_text(os.path.join(directory, "default.yaml"), "version: 1\n")
        self.assertExplains(explain(allow, "--client-id", "anon-1"), OK, [
            'CONNECT client_id="anon-1"',
            "  decided by step 4 of the decision order: anonymous access",
            f"  anonymous: allow ({allow}:3)",
            "  -> allowed"])
        self.assertExplains(explain(default, "--client-id", "anon-1"), REFUSED, [
            'CONNECT client_id="anon-1"',
            "  decided by step 4 of the decision order: anonymous access",
            "  anonymous: deny (the default)",
            "  -> refused (anonymous_denied)"])

    def test_a_plain_sasl_user_logs_in_with_a_connect_password_at_step_3(self):
        password = SASL_PASSWORDS["kafka"][0]
        entry = [f'  SASL user "kafka": {self.policy.at("SASL user kafka")}']
        step = "3 of the decision order: a username and password"
        self.assertExplains(
            self.explain("--client-id", "k-1", "--username", "kafka", password=password), OK,
            self.connect_lines("k-1", "kafka", step, entry, 'allowed as username "kafka"'))
        self.assertExplains(
            self.explain("--client-id", "k-1", "--username", "kafka", password=password + "x"),
            REFUSED, self.connect_lines("k-1", "kafka", step, entry, "refused (bad_password)"))
        # A plain user has no SCRAM login.
        self.assertExplains(
            self.explain("--client-id", "k-1", "--username", "kafka", "--auth-method",
                         "SCRAM-SHA-512", password=password), REFUSED,
            self.connect_lines("k-1", "kafka", "2 of the decision order: SCRAM enhanced "
                               "authentication", entry, "refused (mechanism_mismatch)"))

    def test_scram_users_log_in_with_their_mechanism_in_any_case(self):
        step = "2 of the decision order: SCRAM enhanced authentication"
        for user, method in (("alice", "scram-sha-256"), ("bob", "SCRAM-SHA-512"),
                             ("bob", "Scram-Sha-512")):
            password = SASL_PASSWORDS[user][0]
            entry = [f'  SASL user "{user}": {self.policy.at("SASL user " + user)}']
            with self.subTest(user=user, method=method):
                self.assertExplains(
                    self.explain("--client-id", "s-1", "--username", user, "--auth-method",
                                 method, password=password), OK,
                    self.connect_lines("s-1", user, step, entry,
                                       f'allowed as username "{user}"'))
                self.assertExplains(
                    self.explain("--client-id", "s-1", "--username", user, "--auth-method",
                                 method, password=password[:-1]), REFUSED,
                    self.connect_lines("s-1", user, step, entry, "refused (bad_password)"))
        # The other mechanism, and a password login, are not alice's.
        entry = [f'  SASL user "alice": {self.policy.at("SASL user alice")}']
        password = SASL_PASSWORDS["alice"][0]
        self.assertExplains(
            self.explain("--client-id", "s-1", "--username", "alice", "--auth-method",
                         "SCRAM-SHA-512", password=password), REFUSED,
            self.connect_lines("s-1", "alice", step, entry, "refused (mechanism_mismatch)"))
        self.assertExplains(
            self.explain("--client-id", "s-1", "--username", "alice", password=password),
            REFUSED, self.connect_lines("s-1", "alice", "3 of the decision order: a username "
                                        "and password", entry, "refused (mechanism_mismatch)"))

    def test_the_password_is_printed_nowhere(self):
        secret_file = os.path.join(self.policy.directory, "password")
        for password in ("demo-secret", "Wr0ng-pa55word-e4f1"):
            write_text(secret_file, password + "\n")
            runs = [
                self.explain("--client-id", "app-1", "--username", "demo", "--topic", "demo/x",
                             "--action", "publish", password=password),
                explain(self.policy.path, "--client-id", "app-1", "--username", "demo",
                        "--topic", "demo/x", "--action", "publish", password_file=secret_file),
            ]
            for result in runs:
                with self.subTest(password=password, args=result.args):
                    self.assertIn(result.returncode, (OK, REFUSED), described(result))
                    self.assertIn('CONNECT client_id="app-1"', result.stdout)
                    self.assertNotIn(password, result.stdout + result.stderr)
        # The file's password is the one checked: one trailing newline dropped.
        write_text(secret_file, "demo-secret\n")
        self.assertExplains(
            explain(self.policy.path, "--client-id", "app-1", "--username", "demo",
                    password_file=secret_file),
            OK, self.identity_login("app-1", "demo", 'allowed as username "demo"'))
        scram = self.explain("--client-id", "s-1", "--username", "alice", "--auth-method",
                             "SCRAM-SHA-256", password=SASL_PASSWORDS["alice"][0])
        self.assertEqual(scram.returncode, OK, described(scram))
        self.assertNotIn(SASL_PASSWORDS["alice"][0], scram.stdout + scram.stderr)


def run_sign(secret, client_id):
    result = subprocess.run([required_path("MQAUTH_CLI"), "sign", "--secret-env",
                             "EXPLAIN_TEST_SECRET", "--client-id", client_id],
                            capture_output=True, text=True, timeout=CLIENT_TIMEOUT,
                            env={**os.environ, "EXPLAIN_TEST_SECRET": secret})
    fail_on_sanitizer_report(result.stderr, "mqauth sign")
    if result.returncode != 0:
        raise AssertionError("mqauth sign failed\n" + described(result))
    return result.stdout.strip()


# ---------------------------------------------------------------------------------------------
# Topics

class ExplainTopicTest(PolicyTestCase):

    def demo(self, topic, action):
        return self.explain("--client-id", "app-1", "--username", "demo", "--topic", topic,
                            "--action", action, password="demo-secret")

    def demo_connect(self):
        return self.identity_login("app-1", "demo", 'allowed as username "demo"')

    def no_match(self):
        return f"  no rule matches: no_match decides: DENY ({self.policy.at('no_match')})"

    def test_an_allow_rule_grants_with_its_line(self):
        self.assertExplains(self.demo("demo/lights", "publish"), OK, [
            *self.demo_connect(),
            'PUBLISH "demo/lights"',
            self.policy.rule("demo-all", 'ALLOW PUB_SUB on "demo/#" for USER "demo"'),
            "  -> allowed"])

    def test_a_deny_beats_an_allow_and_both_are_shown(self):
        self.assertExplains(self.demo("demo/admin/reset", "publish"), REFUSED, [
            *self.demo_connect(),
            'PUBLISH "demo/admin/reset"',
            self.policy.rule("demo-all", 'ALLOW PUB_SUB on "demo/#" for USER "demo"'),
            self.policy.rule("demo-admin", 'DENY PUB on "demo/admin/#" for USER "demo"'),
            "  a matching DENY beats any ALLOW",
            "  -> refused (topic_denied)"])
        # The DENY is PUB only: reading demo/admin/ is allowed.
        self.assertExplains(self.demo("demo/admin/#", "subscribe"), OK, [
            *self.demo_connect(),
            'SUBSCRIBE "demo/admin/#"',
            self.policy.rule("demo-all", 'ALLOW PUB_SUB on "demo/#" for USER "demo"'),
            "  -> allowed"])

    def test_no_match_decides_when_no_rule_matches(self):
        self.assertExplains(self.demo("elsewhere/x", "publish"), REFUSED, [
            *self.demo_connect(), 'PUBLISH "elsewhere/x"', self.no_match(),
            "  -> refused (topic_denied)"])

    def test_no_match_is_deny_by_default_and_allow_when_the_file_says_so(self):
        directory = tempfile.mkdtemp(prefix="mqauth-explain-")
        self.addCleanup(shutil.rmtree, directory, True)
        texts = {"default": "version: 1\nanonymous: allow\n",
                 "allow": "version: 1\nanonymous: allow\npermissions:\n  no_match: ALLOW\n"}
        paths = {name: write_text(os.path.join(directory, f"{name}.yaml"), text)
                 for name, text in texts.items()}
        connect = ['CONNECT client_id="anon-1"',
                   "  decided by step 4 of the decision order: anonymous access"]
        self.assertExplains(
            explain(paths["default"], "--client-id", "anon-1", "--topic", "a/b", "--action",
                    "publish"), REFUSED,
            [*connect, f"  anonymous: allow ({paths['default']}:2)", "  -> allowed",
             'PUBLISH "a/b"', "  no rule matches: no_match decides: DENY (the default)",
             "  -> refused (topic_denied)"])
        self.assertExplains(
            explain(paths["allow"], "--client-id", "anon-1", "--topic", "a/b", "--action",
                    "subscribe"), OK,
            [*connect, f"  anonymous: allow ({paths['allow']}:2)", "  -> allowed",
             'SUBSCRIBE "a/b"', f"  no rule matches: no_match decides: ALLOW ({paths['allow']}:4)",
             "  -> allowed"])

    def test_placeholders_are_the_username_and_the_client_id(self):
        self.assertExplains(self.demo("home/demo/kitchen", "publish"), OK, [
            *self.demo_connect(), 'PUBLISH "home/demo/kitchen"',
            self.policy.rule("demo-home", 'ALLOW PUB_SUB on "home/%u/#" for USER "demo"'),
            "  -> allowed"])
        self.assertExplains(self.demo("home/fleet/kitchen", "publish"), REFUSED, [
            *self.demo_connect(), 'PUBLISH "home/fleet/kitchen"', self.no_match(),
            "  -> refused (topic_denied)"])
        password = signed_password("fleet-secret", "sensor-7")
        connect = self.identity_login("sensor-7", "fleet", 'allowed as username "fleet"')
        own = self.explain("--client-id", "sensor-7", "--username", "fleet", "--topic",
                           "devices/sensor-7/telemetry", "--action", "publish", password=password)
        self.assertExplains(own, OK, [
            *connect, 'PUBLISH "devices/sensor-7/telemetry"',
            self.policy.rule("fleet-telemetry",
                             'ALLOW PUB on "devices/%c/telemetry" for USER "fleet"'),
            "  -> allowed"])
        other = self.explain("--client-id", "sensor-7", "--username", "fleet", "--topic",
                             "devices/sensor-8/telemetry", "--action", "publish",
                             password=password)
        self.assertExplains(other, REFUSED, [
            *connect, 'PUBLISH "devices/sensor-8/telemetry"', self.no_match(),
            "  -> refused (topic_denied)"])

    def test_client_rules_apply_only_where_the_login_proved_the_client_id(self):
        sensor_rule = self.policy.rule(
            "sensor-1", 'ALLOW PUB on "sensors/sensor-1/#" for CLIENT "sensor-1"')
        # SIGNED: the password is computed over the client id, which it proves.
        signed = self.explain("--client-id", "sensor-1", "--username", "fleet", "--topic",
                              "sensors/sensor-1/temp", "--action", "publish",
                              password=signed_password("fleet-secret", "sensor-1"))
        self.assertExplains(signed, OK, [
            *self.identity_login("sensor-1", "fleet", 'allowed as username "fleet"'),
            'PUBLISH "sensors/sensor-1/temp"', sensor_rule, "  -> allowed"])
        # ORIGIN USER: any client may send that client id; the CLIENT rule does not apply.
        origin = self.explain("--client-id", "sensor-1", "--username", "demo", "--topic",
                              "sensors/sensor-1/temp", "--action", "publish",
                              password="demo-secret")
        self.assertExplains(origin, REFUSED, [
            *self.identity_login("sensor-1", "demo", 'allowed as username "demo"'),
            'PUBLISH "sensors/sensor-1/temp"', self.no_match(), "  -> refused (topic_denied)"])
        # The same for a SASL user.
        kafka = self.explain("--client-id", "sensor-1", "--username", "kafka", "--topic",
                             "sensors/sensor-1/temp", "--action", "publish",
                             password=SASL_PASSWORDS["kafka"][0])
        self.assertEqual(kafka.returncode, REFUSED, described(kafka))
        self.assertEqual(kafka.stdout.splitlines()[-2:],
                         [self.no_match(), "  -> refused (topic_denied)"], described(kafka))
        # A CLIENT identity proves its client id.
        gateway = self.explain("--client-id", "gw-1", "--username", "gateway", "--topic",
                               "devices/sensor-7/commands", "--action", "publish",
                               password="gateway-secret")
        self.assertExplains(gateway, OK, [
            *self.identity_login("gw-1", "gateway", 'allowed as username "gateway"'),
            'PUBLISH "devices/sensor-7/commands"',
            self.policy.rule("gw-commands", 'ALLOW PUB on "devices/+/commands" for CLIENT "gw-1"'),
            "  -> allowed"])

    def test_a_subscription_is_granted_only_by_a_rule_covering_the_whole_filter(self):
        gateway = self.identity_login("gw-1", "gateway", 'allowed as username "gateway"')
        telemetry = self.policy.rule(
            "gw-telemetry", 'ALLOW SUB on "devices/+/telemetry" for CLIENT "gw-1"')
        cases = [
            ("devices/+/telemetry", OK, [telemetry, "  -> allowed"]),
            ("devices/sensor-7/telemetry", OK, [telemetry, "  -> allowed"]),
            ("devices/#", REFUSED, [self.no_match(), "  -> refused (topic_denied)"]),
            ("devices/+/+", REFUSED, [self.no_match(), "  -> refused (topic_denied)"]),
        ]
        for topic, status, lines in cases:
            with self.subTest(topic=topic):
                result = self.explain("--client-id", "gw-1", "--username", "gateway", "--topic",
                                      topic, "--action", "subscribe", password="gateway-secret")
                self.assertExplains(result, status, [*gateway, f'SUBSCRIBE "{topic}"', *lines])
        self.assertExplains(self.demo("#", "subscribe"), REFUSED, [
            *self.demo_connect(), 'SUBSCRIBE "#"', self.no_match(), "  -> refused (topic_denied)"])
        self.assertExplains(self.demo("demo/+/state", "subscribe"), OK, [
            *self.demo_connect(), 'SUBSCRIBE "demo/+/state"',
            self.policy.rule("demo-all", 'ALLOW PUB_SUB on "demo/#" for USER "demo"'),
            "  -> allowed"])

    def test_the_action_is_taken_in_any_case(self):
        for action, verb in (("PUBLISH", "PUBLISH"), ("Publish", "PUBLISH"),
                             ("SUBSCRIBE", "SUBSCRIBE"), ("subScribe", "SUBSCRIBE")):
            with self.subTest(action=action):
                self.assertExplains(self.demo("demo/x", action), OK, [
                    *self.demo_connect(), f'{verb} "demo/x"',
                    self.policy.rule("demo-all", 'ALLOW PUB_SUB on "demo/#" for USER "demo"'),
                    "  -> allowed"])

    def test_a_refused_connect_explains_no_topic(self):
        result = self.explain("--client-id", "app-1", "--username", "demo", "--topic", "demo/x",
                              "--action", "publish", password="nope")
        self.assertExplains(result, REFUSED, self.identity_login(
            "app-1", "demo", "refused (bad_password)"))


# ---------------------------------------------------------------------------------------------
# Custom authorizers

class FunctionServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 standing for an authorizer's function: it records
    every POST's JSON body and answers {"result": self.answer}."""

    def __init__(self):
        self.requests = []
        self.answer = "allow"
        self.lock = threading.Lock()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with server.lock:
                    server.requests.append({"path": self.path, "body": json.loads(body)})
                data = json.dumps({"result": server.answer}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/auth"

    def taken(self):
        """The requests so far, forgotten here."""
        with self.lock:
            requests, self.requests = self.requests, []
        return requests

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class ExplainAuthorizerTest(ExplainAssertions):

    USERNAME = "dev|authorizer-name=fn"

    @classmethod
    def setUpClass(cls):
        cls.function = FunctionServer()
        cls.addClassCleanup(cls.function.close)
        cls.directory = tempfile.mkdtemp(prefix="mqauth-explain-")
        cls.addClassCleanup(shutil.rmtree, cls.directory, True)
        cls.text = (
            "version: 1\n"
            "authorizers:\n"
            "  - authorizer_name: fn\n"
            f"    func_urn: {cls.function.url()}\n"
            "    signing_enable: false\n"
            "permissions:\n"
            "  rules:\n"
            "    - identity_type: USER\n"
            "      identity: dev\n"
            '      topic: "things/%u/#"\n'
            "      permit_action: PUB\n"
            "      effect: ALLOW\n")
        cls.path = write_text(os.path.join(cls.directory, "auth.yaml"), cls.text)

    def setUp(self):
        self.function.taken()
        self.function.answer = "allow"

    def connect_lines(self, username, outcome, entries=None):
        if entries is None:
            entries = [f'  authorizer "fn": {self.path}:3']
        return [f'CONNECT client_id="dev-1" username="{username}"',
                "  decided by step 1 of the decision order: a custom authorizer",
                *entries, f"  -> {outcome}"]

    def test_the_function_is_not_called_and_the_decision_is_undecided(self):
        result = explain(self.path, "--client-id", "dev-1", "--username", self.USERNAME,
                         "--topic", "things/dev/x", "--action", "publish", password="p4ss")
        self.assertExplains(result, UNDECIDED, self.connect_lines(
            self.USERNAME, f"undecided: the function {self.function.url()} decides "
                           "(not called; --call-function calls it)"))
        self.assertEqual(self.function.taken(), [])

    def test_call_function_asks_the_function_whose_allow_admits(self):
        result = explain(self.path, "--client-id", "dev-1", "--username", self.USERNAME,
                         "--topic", "things/dev/x", "--action", "publish", "--call-function",
                         password="p4ss")
        self.assertExplains(result, OK, [
            *self.connect_lines(self.USERNAME, 'allowed as username "dev"'),
            'PUBLISH "things/dev/x"',
            f'  rule {self.path}:8: ALLOW PUB on "things/%u/#" for USER "dev"',
            "  -> allowed"])
        requests = self.function.taken()
        self.assertEqual(len(requests), 1, requests)
        body = requests[0]["body"]
        self.assertEqual(requests[0]["path"], "/auth")
        self.assertEqual((body["authorizer_name"], body["username"], body["client_id"],
                          body["password"], body["client_address"]),
                         ("fn", "dev", "dev-1", "p4ss", "127.0.0.1"))

    def test_call_function_asks_the_function_whose_deny_refuses(self):
        self.function.answer = "deny"
        result = explain(self.path, "--client-id", "dev-1", "--username", self.USERNAME,
                         "--call-function", "--address", "192.0.2.7")
        self.assertExplains(result, REFUSED, self.connect_lines(
            self.USERNAME, "refused (authorizer_denied)"))
        requests = self.function.taken()
        self.assertEqual([request["body"]["client_address"] for request in requests],
                         ["192.0.2.7"])

    def test_an_unknown_authorizer_is_refused_without_a_call(self):
        username = "dev|authorizer-name=nobody"
        for extra in ((), ("--call-function",)):
            with self.subTest(extra=extra):
                result = explain(self.path, "--client-id", "dev-1", "--username", username,
                                 *extra)
                self.assertExplains(result, REFUSED, self.connect_lines(
                    username, "refused (authorizer_unknown)", entries=[]))
        self.assertEqual(self.function.taken(), [])


# ---------------------------------------------------------------------------------------------
# Device certificates

class ExplainDeviceCertificateTest(ExplainAssertions):

    @classmethod
    def setUpClass(cls):
        cls.tls = TlsMaterial()
        cls.addClassCleanup(cls.tls.cleanup)
        cls.root = cls.tls.certificate_authority("Explain Fleet Root", name="root")
        cls.issuing = cls.tls.certificate_authority("Explain Fleet Issuing", issuer=cls.root,
                                                    name="issuing")
        cls.stranger_ca = cls.tls.certificate_authority("Explain Stranger CA", name="stranger")
        cls.device = cls.tls.client_certificate("dev-1", issuer=cls.root)
        cls.revoked = cls.tls.client_certificate("dev-2", issuer=cls.root)
        cls.deep = cls.tls.client_certificate("dev-3", issuer=cls.issuing)
        cls.stranger = cls.tls.client_certificate("dev-4", issuer=cls.stranger_ca)

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="mqauth-explain-")
        self.addCleanup(shutil.rmtree, self.directory, True)
        os.mkdir(os.path.join(self.directory, "registry"))
        self.registry = os.path.join(self.directory, "registry", "devices.db")
        self.text = (
            "version: 1\n"
            "ca_certificates:\n"
            "  - ca_name: fleet-ca\n"
            f"    file: {self.root.cert}\n"
            "device_certificates:\n"
            "  registry:\n"
            "    sqlite: registry/devices.db\n"
            "  states:\n"
            f'    - device_sn: "{self.revoked.serial}"\n'
            f'      issuer: "{issuer_of(self.revoked)}"\n'
            "      status: REVOKED\n")
        self.path = write_text(os.path.join(self.directory, "auth.yaml"), self.text)

    def explain_device(self, certificate_file, client_id):
        return explain(self.path, "--client-id", client_id, "--cert", certificate_file)

    def registered_lines(self, device, issuer_cn):
        return [
            f'CONNECT client_id="{device.common_name}"',
            "  decided by step 0 of the decision order: a device certificate",
            f'  CA "fleet-ca": {self.path}:3',
            f"  broker log: registered device certificate "
            f"device_sn={canonical_serial(device.serial)} issuer=\"CN={issuer_cn}\" "
            f"ca_sn={canonical_serial(self.root.serial)} ca_name=fleet-ca",
            "  the device is not registered yet: the broker registers it (ACTIVE) on this "
            "CONNECT",
            f'  -> allowed as username "{device.common_name}"']

    def refused_lines(self, device, entries, reason):
        return [f'CONNECT client_id="{device.common_name}"',
                "  decided by step 0 of the decision order: a device certificate",
                *entries, f"  -> refused ({reason})"]

    def assertRegistryUntouched(self):
        self.assertEqual(os.listdir(os.path.dirname(self.registry)), [],
                         "explain created the registry (or its -wal/-shm files)")

    def test_a_first_seen_device_is_reported_as_registered_and_the_registry_is_not_created(self):
        result = self.explain_device(self.device.cert, "dev-1")
        self.assertExplains(result, OK, self.registered_lines(self.device, "Explain Fleet Root"))
        self.assertRegistryUntouched()
        # And a second time: nothing was remembered.
        self.assertExplains(self.explain_device(self.device.cert, "dev-1"), OK,
                            self.registered_lines(self.device, "Explain Fleet Root"))
        self.assertRegistryUntouched()

    def import_into_registry(self, *devices):
        """Devices in the registry, as `mqauth devices import` records them from an old YAML
        registry (ACTIVE, under the listed CA's name)."""
        entries = "".join(
            f'  - device_sn: "{device.serial}"\n'
            f'    ca_sn: "{self.root.serial}"\n'
            '    ca_name: "fleet-ca"\n'
            f'    common_name: "{device.common_name}"\n'
            '    not_before: "2026-01-01T00:00:00Z"\n'
            '    not_after: "2027-01-01T00:00:00Z"\n'
            '    first_seen: "2026-01-02T03:04:05Z"\n'
            "    status: ACTIVE\n" for device in devices)
        old = write_text(os.path.join(self.directory, "old.yaml"),
                         "version: 1\ndevices:\n" + entries)
        imported = subprocess.run(
            [required_path("MQAUTH_CLI"), "devices", "import", "--config", self.path, "--from",
             old], capture_output=True, text=True, timeout=CLIENT_TIMEOUT)
        fail_on_sanitizer_report(imported.stderr, "mqauth devices import")
        self.assertEqual(imported.returncode, 0, described(imported))
        self.assertTrue(os.path.exists(self.registry), described(imported))

    def registry_files(self):
        directory = os.path.dirname(self.registry)
        return {name: read_bytes(os.path.join(directory, name))
                for name in sorted(os.listdir(directory))}

    def test_a_registered_device_is_read_from_the_registry_which_is_not_written(self):
        self.import_into_registry(self.device)
        before = self.registry_files()
        self.assertExplains(self.explain_device(self.device.cert, "dev-1"), OK, [
            'CONNECT client_id="dev-1"',
            "  decided by step 0 of the decision order: a device certificate",
            f'  CA "fleet-ca": {self.path}:3',
            '  -> allowed as username "dev-1"'])
        # A device the registry does not hold yet is reported as the broker would register it.
        self.assertExplains(self.explain_device(self.deep.chain, "dev-3"), OK,
                            self.registered_lines(self.deep, "Explain Fleet Issuing"))
        # The database is as it was, and nothing was logged to be written into it. (Reading a
        # database in WAL mode, SQLite makes its -shm index and an empty -wal beside it, as
        # for `mqauth devices list`: no data.)
        after = self.registry_files()
        self.assertEqual(after["devices.db"], before["devices.db"])
        self.assertEqual(after.get("devices.db-wal", b""), b"")
        self.assertLessEqual(set(after), {"devices.db", "devices.db-wal", "devices.db-shm"})
        with closing(sqlite3.connect(f"file:{self.registry}?mode=ro", uri=True)) as database:
            self.assertEqual(database.execute("SELECT COUNT(*) FROM mqauth_devices").fetchone(),
                             (1,))

    def test_a_certificate_from_an_unlisted_ca_is_unknown_ca(self):
        self.assertExplains(self.explain_device(self.stranger.cert, "dev-4"), REFUSED,
                            self.refused_lines(self.stranger, [
                                "  certificate: unable to get local issuer certificate"],
                                "unknown_ca"))
        self.assertRegistryUntouched()

    def test_a_revoked_device_is_refused(self):
        self.assertExplains(self.explain_device(self.revoked.cert, "dev-2"), REFUSED,
                            self.refused_lines(self.revoked, [f'  CA "fleet-ca": {self.path}:3'],
                                               "certificate_revoked"))
        self.assertRegistryUntouched()

    def test_an_intermediates_device_verifies_with_the_chain_after_the_leaf(self):
        with open(self.deep.chain, encoding="ascii") as chain:
            self.assertEqual(chain.read().count("BEGIN CERTIFICATE"), 2)
        self.assertExplains(self.explain_device(self.deep.chain, "dev-3"), OK,
                            self.registered_lines(self.deep, "Explain Fleet Issuing"))
        # Without the intermediate the leaf leads to no listed CA.
        self.assertExplains(self.explain_device(self.deep.cert, "dev-3"), REFUSED,
                            self.refused_lines(self.deep, [
                                "  certificate: unable to get local issuer certificate"],
                                "unknown_ca"))
        self.assertRegistryUntouched()


def read_bytes(path):
    with open(path, "rb") as file:
        return file.read()


# ---------------------------------------------------------------------------------------------
# Errors

class ExplainErrorsTest(ExplainAssertions):

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="mqauth-explain-")
        self.addCleanup(shutil.rmtree, self.directory, True)
        self.path = write_text(os.path.join(self.directory, "auth.yaml"),
                               "version: 1\nanonymous: allow\n")

    def test_an_invalid_config_exits_1_with_the_loaders_file_line_col(self):
        bad = write_text(os.path.join(self.directory, "bad.yaml"),
                         "version: 1\nanonymous: maybe\n")
        result = explain(bad, "--client-id", "c-1")
        self.assertEqual(result.returncode, REJECTED, described(result))
        self.assertEqual(result.stdout, "")
        lines = result.stderr.splitlines()
        self.assertEqual(len(lines), 2, described(result))
        self.assertRegex(lines[0], rf"^{re.escape(bad)}:2:(1|12): anonymous: \S")
        self.assertIn("maybe", lines[0])
        self.assertEqual(lines[1], f"{bad}: fix these errors first (mqauth check {bad})")

    def test_usage_errors_exit_2_with_the_usage(self):
        password_file = write_text(os.path.join(self.directory, "password"), "pw\n")
        cases = [
            ((), "--client-id is required"),
            (("--client-id", "c-1", "--topic", "a/b"), "--topic and --action go together"),
            (("--client-id", "c-1", "--action", "publish"), "--topic and --action go together"),
            (("--client-id", "c-1", "--topic", "a/b", "--action", "read"),
             '--action must be publish | subscribe, not "read"'),
            (("--client-id", "c-1", "--password-stdin", "--password-file", password_file),
             "give --password-stdin or --password-file, not both"),
            (("--client-id", "c-1", "--colour", "blue"), "unknown option --colour"),
            (("--client-id", "c-1", "--auth-method", "SCRAM-SHA-256"),
             "--auth-method needs --username"),
            (("--client-id", "c-1", "extra"), 'unexpected argument "extra"'),
            # The broker refuses such a PUBLISH itself, before any plugin is asked.
            (("--client-id", "c-1", "--topic", "a/#", "--action", "publish"),
             "a PUBLISH topic holds no + or # (those are for --action subscribe)"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                self.assertUsageError(explain(self.path, *args), message)

    def test_help_prints_the_usage_and_exits_0(self):
        result = subprocess.run([required_path("MQAUTH_CLI"), "explain", "--help"],
                                capture_output=True, text=True, timeout=CLIENT_TIMEOUT)
        self.assertEqual(result.returncode, OK, described(result))
        self.assertEqual(result.stdout.splitlines()[0], USAGE_FIRST_LINE)
        self.assertIn("Exit status: 0 allowed, 1 rejected input", result.stdout)

    def test_a_password_given_twice_is_printed_nowhere(self):
        password_file = write_text(os.path.join(self.directory, "password"),
                                   "file-pa55word-91c\n")
        result = explain(self.path, "--client-id", "c-1", "--password-file", password_file,
                         password="stdin-pa55word-3b7")
        self.assertUsageError(result, "give --password-stdin or --password-file, not both")
        for password in ("file-pa55word-91c", "stdin-pa55word-3b7"):
            self.assertNotIn(password, result.stdout + result.stderr)

    def test_an_unreadable_password_file_or_certificate_exits_1(self):
        missing = os.path.join(self.directory, "missing")
        for args in (("--password-file", missing), ("--cert", missing)):
            with self.subTest(args=args):
                result = explain(self.path, "--client-id", "c-1", *args)
                self.assertEqual(result.returncode, REJECTED, described(result))
                self.assertEqual(result.stdout, "")
                self.assertTrue(result.stderr.startswith(f"mqauth explain: {args[0]} {missing}"),
                                described(result))


# ---------------------------------------------------------------------------------------------
# The broker agrees

class ExplainAgreesWithBrokerTest(ExplainAssertions, BrokerTestCase):
    """mosquitto_pub with MQTT 5 and QoS 1: a refused CONNECT exits non-zero, a publish the
    plugin drops is acknowledged with "not authorised", which mosquitto_pub prints as a warning
    (MQTT 3.1.1 has no way to say so)."""

    REFUSED_PUBLISH = "Warning: Publish 1 failed: Not authorized."

    def test_the_broker_decides_as_explain_says(self):
        policy = PolicyFile()
        self.addCleanup(policy.cleanup)
        broker = self.start_broker(policy.text)
        signed = signed_password("fleet-secret", "sensor-7")
        cases = [
            # username, password, client id, topic, explain's status, whether CONNECT passes
            ("demo", "demo-secret", "app-1", "demo/lights", OK, True),
            ("demo", "demo-secret", "app-1", "demo/admin/reset", REFUSED, True),
            ("demo", "demo-secret", "app-1", "elsewhere", REFUSED, True),
            ("demo", "demo-secreT", "app-1", "demo/lights", REFUSED, False),
            ("demo", "demo-secret", "gw-1", "demo/lights", REFUSED, False),
            ("fleet", signed, "sensor-7", "devices/sensor-7/telemetry", OK, True),
            ("fleet", signed, "sensor-8", "devices/sensor-8/telemetry", REFUSED, False),
            ("gateway", "gateway-secret", "gw-1", "devices/sensor-7/commands", OK, True),
            ("gateway", "gateway-secret", "gw-2", "devices/sensor-7/commands", REFUSED, False),
            ("kafka", SASL_PASSWORDS["kafka"][0], "k-1", "demo/x", OK, True),
            ("kafka", SASL_PASSWORDS["kafka"][0], "sensor-1", "sensors/sensor-1/t", REFUSED,
             True),
            ("mallory", "demo-secret", "m-1", "demo/x", REFUSED, False),
            (None, None, "anon-1", "demo/x", REFUSED, False),
        ]
        for username, password, client_id, topic, status, connects in cases:
            with self.subTest(username=username, client_id=client_id, topic=topic):
                args = ["--client-id", client_id, "--topic", topic, "--action", "publish"]
                if username is not None:
                    args += ["--username", username]
                said = explain(broker.auth_path, *args, password=password)
                self.assertEqual(said.returncode, status, described(said))
                outcome = "  -> allowed" if status == OK else (
                    "  -> refused (topic_denied)" if connects else "  -> refused (")
                self.assertTrue(said.stdout.splitlines()[-1].startswith(outcome),
                                described(said))
                rc, stderr = pub(broker, client_id=client_id, username=username,
                                 password=password, topic=topic, extra=("-V", "mqttv5"))
                if not connects:
                    self.assertNotEqual(rc, 0, f"{stderr}\n{broker.describe()}")
                    self.assertIn("Not authorized", stderr)
                else:
                    self.assertEqual(rc, 0, f"{stderr}\n{broker.describe()}")
                    self.assertEqual(self.REFUSED_PUBLISH in stderr, status != OK,
                                     f"{stderr!r}\n{broker.describe()}")


# ---------------------------------------------------------------------------------------------
# README

EXPLAIN_HEADING = "## Explaining a decision: mqauth explain"


def readme_examples():
    """[(command, [output line, ...], status), ...]: each `$ command` of the section's plain
    blocks, the lines it prints, and the status a following `$ echo $?` shows (else 0)."""
    steps = []
    for language, body in code_blocks(readme_section(EXPLAIN_HEADING)):
        if language:
            continue
        for line in body:
            if line.startswith("$ "):
                steps.append([line[2:], [], 0])
            elif not steps:
                raise AssertionError(f"output before any command in {EXPLAIN_HEADING}: {line}")
            else:
                steps[-1][1].append(line)
    examples = []
    for command, output, _ in steps:
        if command == "echo $?":
            if not examples:
                raise AssertionError("`echo $?` before any command")
            examples[-1][2] = int(output[0])
        else:
            examples.append([command, output, 0])
    return [tuple(example) for example in examples]


class ReadmeExplainExamplesTest(ExplainAssertions):
    """The section's commands run by bash from a directory holding the repository's
    config/auth.yaml and build/mqauth (the built tool), as README's demo runs them from a
    checkout: each prints exactly what README shows, stdout then stderr, and exits with the
    status README's `echo $?` shows (0 when it shows none)."""

    def test_every_example_prints_what_readme_shows(self):
        examples = readme_examples()
        self.assertGreaterEqual(len(examples), 2)
        statuses = {status for _, _, status in examples}
        self.assertGreaterEqual(len(statuses), 2, "the examples should show more than one "
                                                  "outcome")
        checkout = tempfile.mkdtemp(prefix="mqauth-explain-readme-")
        self.addCleanup(shutil.rmtree, checkout, True)
        os.mkdir(os.path.join(checkout, "build"))
        os.symlink(required_path("MQAUTH_CLI"), os.path.join(checkout, "build", "mqauth"))
        os.mkdir(os.path.join(checkout, "config"))
        shutil.copy(AUTH_YAML, os.path.join(checkout, "config", "auth.yaml"))
        for command, shown, status in examples:
            with self.subTest(command):
                self.assertIn("mqauth explain ", command)
                result = subprocess.run(["bash", "-o", "pipefail", "-c", command], cwd=checkout,
                                        stdin=subprocess.DEVNULL, capture_output=True,
                                        text=True, timeout=60)
                fail_on_sanitizer_report(result.stderr, command)
                self.assertEqual(result.returncode, status, f"README: $ {command}\n"
                                 + described(result))
                self.assertEqual((result.stdout + result.stderr).splitlines(), shown,
                                 f"README: $ {command}\n" + described(result))


if __name__ == "__main__":
    unittest.main()

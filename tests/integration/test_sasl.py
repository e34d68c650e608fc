# SPDX-License-Identifier: Apache-2.0
"""SASL users (SPEC `sasl_users`, "Who decides a CONNECT" steps 3 and 4, the reload rules)
against a real Mosquitto with the built plugin.

SCRAM logins run scram_client.js (MQTT.js over MQTT 5 enhanced authentication, the SCRAM
arithmetic of RFC 5802 / RFC 7677 written independently of the plugin, and the server signature
in the CONNACK verified); plain logins run mosquitto_pub -u/-P. A few abuse tests speak raw
MQTT 5 over a socket, where a client library would not misbehave on purpose.
"""

import base64
import hashlib
import hmac
import re
import secrets
import unittest

from mqauth_harness import (
    CONNACK_BAD_AUTHENTICATION_METHOD,
    CONNACK_NOT_AUTHORIZED,
    PROTOCOL_MQTT5,
    SCRAM_CLIENT,
    SCRAM_DISCONNECTED,
    SCRAM_OK,
    SCRAM_REAUTH_REFUSED,
    STAYS_CONNECTED_GRACE,
    Broker,
    BrokerTestCase,
    RawMqttConnection,
    ScramLiveClient,
    mqtt_auth,
    mqtt_auth_properties,
    mqtt_connect,
    mosquitto_21,
    run_cli,
    run_process,
    sasl_auth_yaml,
    sasl_hash,
    sasl_user,
    scram,
    scram_node,
    unique_client_id,
    user_identity,
    user_rule,
    wait_for,
)

SHA256 = "SCRAM-SHA-256"
SHA512 = "SCRAM-SHA-512"
HASHES = {SHA256: hashlib.sha256, SHA512: hashlib.sha512}
DEFAULT_ITERATIONS = 4096
SALT_BYTES = 16
MQTT_RC_PROTOCOL_ERROR = 0x82
MQTT_RC_ADMINISTRATIVE_ACTION = 0x98
AUTH_CONTINUE = 0x18

PASSWORDS = {
    "sasl-alice": "alice-scram-pw-7c1e",    # scram, SCRAM-SHA-256
    "sasl-carol": "carol-scram-pw-2d9a",    # scram, mechanism left to its default (SHA-512)
    "sasl-dave": "dave-scram-pw-51b0",      # scram, SCRAM-SHA-256 (a second user of alice's kind)
    "sasl-erin": "erin-config-pw-0a4f",     # scram, SCRAM-SHA-256, `password:` in the YAML
    "sasl,e=ve": "eve-scram-pw-93c7",       # scram, SCRAM-SHA-512, a name that needs escaping
    "sasl-bob": "bob-plain-pw-6e2b",        # plain, credentials from sasl-hash
    "sasl-frank": "frank-plaintext-pw-c83d",  # plain, `password:` in the YAML
}
WATCHER = user_identity("sasl-watcher", "watcher-secret-4a11")

_credentials = {}


def credentials_of(username, mechanism):
    """`mqauth sasl-hash` output for a user's password, made once per run."""
    key = (username, mechanism)
    if key not in _credentials:
        _credentials[key] = sasl_hash(PASSWORDS[username], mechanism)
    return _credentials[key]


def salt_of(credentials):
    """The Base64 salt of a credentials string `MECH$ITERATIONS:SALT$STORED:SERVER`."""
    return credentials.split("$")[1].split(":")[1]


def main_sasl_users():
    return [
        sasl_user("sasl-alice", type="scram", mechanism=SHA256,
                  credentials=credentials_of("sasl-alice", SHA256)),
        sasl_user("sasl-carol", type="scram", credentials=credentials_of("sasl-carol", SHA512)),
        sasl_user("sasl-dave", type="scram", mechanism=SHA256,
                  credentials=credentials_of("sasl-dave", SHA256)),
        sasl_user("sasl-erin", type="scram", mechanism=SHA256, password=PASSWORDS["sasl-erin"]),
        sasl_user("sasl,e=ve", type="scram", mechanism=SHA512,
                  credentials=credentials_of("sasl,e=ve", SHA512)),
        sasl_user("sasl-bob", credentials=credentials_of("sasl-bob", SHA512)),
        sasl_user("sasl-frank", type="plain", password=PASSWORDS["sasl-frank"]),
    ]


MAIN_RULES = [
    user_rule("sasl-alice", "sasl/%u/#", "PUB_SUB"),
    user_rule("sasl-carol", "sasl/%u/#", "PUB_SUB"),
    user_rule("sasl-dave", "sasl/%u/#", "PUB_SUB"),
    user_rule("sasl-watcher", "sasl/#", "SUB"),
]


def main_policy():
    return sasl_auth_yaml([WATCHER], main_sasl_users(), rules=MAIN_RULES)


_shared = []


def shared_broker():
    """One broker with the main policy for every class that does not change auth.yaml."""
    if not _shared:
        broker = Broker(main_policy())
        unittest.addModuleCleanup(broker.close_expecting_clean_exit)
        _shared.append(broker.start())
    return _shared[0]


def parse_server_first(text):
    """{"r": nonce, "s": salt bytes, "i": iterations} of a server-first message."""
    attributes = dict(part.split("=", 1) for part in text.split(","))
    return {"r": attributes["r"], "s": base64.b64decode(attributes["s"], validate=True),
            "i": int(attributes["i"])}


def client_nonce(client_first):
    return re.search(r",r=([^,]+)", client_first).group(1)


class SaslTestCase(BrokerTestCase):
    def scram_as(self, broker, username, *, prefix, mechanism, password=None, extra=()):
        return scram(broker, client_id=unique_client_id(prefix), username=username,
                     password=PASSWORDS.get(username, "") if password is None else password,
                     mechanism=mechanism, extra=extra)

    def assertScramConnects(self, broker, username, *, prefix, mechanism, password=None,
                            extra=()):
        outcome = self.scram_as(broker, username, prefix=prefix, mechanism=mechanism,
                                password=password, extra=extra)
        context = f"{outcome.describe()}\n{broker.describe()}"
        self.assertEqual(outcome.exit_code, SCRAM_OK, context)
        self.assertEqual(outcome["connack_reason"], 0, context)
        self.assertTrue(outcome["server_signature_ok"], context)
        return outcome

    def assertRefusalLogged(self, broker, client_id, reason):
        """Exactly one `mqauth: refused` line names the client id, with its address and
        `reason` (SPEC: every refusal is logged once with client id, address and reason)."""
        refusal = rf"mqauth: refused.*client_id={re.escape(client_id)}(?![\w-])"
        line = broker.wait_for_log_line(refusal)
        self.assertIsNotNone(line, f"no 'mqauth: refused' line names {client_id}\n"
                                   + broker.describe())
        self.assertIn(f"reason={reason}", line)
        self.assertIn("address=127.0.0.1", line)
        self.assertEqual(len(broker.log_lines_matching(refusal)), 1,
                         "a refusal should be logged exactly once\n" + broker.describe())

    def assertScramRefused(self, broker, *, reason, connack=CONNACK_NOT_AUTHORIZED,
                           client_id=None, username=None, password=None, mechanism=SHA256,
                           extra=()):
        """The CONNACK refuses with `connack` (the client exits with that status) and the
        refusal is logged once with `reason`."""
        client_id = client_id or unique_client_id("scram-refused")
        outcome = scram(broker, client_id=client_id, username=username, password=password,
                        mechanism=mechanism, extra=extra)
        context = f"{outcome.describe()}\n{broker.describe()}"
        self.assertEqual(outcome.exit_code, connack, context)
        self.assertEqual(outcome["connack_reason"], connack, context)
        self.assertEqual(outcome.received("connack"), [connack], context)
        self.assertRefusalLogged(broker, client_id, reason)
        return outcome

    def start_scram_live_client(self, broker, username, *, prefix, mechanism):
        live = ScramLiveClient(broker, client_id=unique_client_id(prefix), username=username,
                               password=PASSWORDS[username], mechanism=mechanism)
        self.addCleanup(live.stop)
        return live.wait_connected()


# ---------------------------------------------------------------------------------------------
# SCRAM-SHA-256 and SCRAM-SHA-512: the same behaviour for each

class ScramMechanismTests:
    """Mixed into one TestCase per mechanism; USER is a scram user of MECHANISM."""

    MECHANISM = None
    OTHER_MECHANISM = None
    USER = None

    @classmethod
    def setUpClass(cls):
        cls.broker = shared_broker()

    def test_right_password_connects_and_the_server_signature_verifies(self):
        outcome = self.assertScramConnects(self.broker, self.USER, prefix="scram-ok",
                                           mechanism=self.MECHANISM)
        context = outcome.describe()
        self.assertEqual(outcome.received("auth"), [AUTH_CONTINUE], context)
        server_first = parse_server_first(outcome["server_first"])
        nonce = client_nonce(outcome["client_first"])
        self.assertTrue(server_first["r"].startswith(nonce), context)
        self.assertGreater(len(server_first["r"]), len(nonce), context)
        self.assertEqual(base64.b64encode(server_first["s"]).decode(),
                         salt_of(credentials_of(self.USER, self.MECHANISM)),
                         "server-first should carry the salt of the user's credentials")
        self.assertEqual(server_first["i"], DEFAULT_ITERATIONS)
        self.assertRegex(outcome["server_final"], r"^v=[A-Za-z0-9+/]+=*$")

    def test_user_rules_apply_to_the_scram_username(self):
        # mosquitto_set_username: a "sasl/%u/#" rule of the SCRAM user governs its publishes
        # and subscriptions; a subscriber elsewhere sees what it was allowed to publish.
        watcher = self.start_subscriber(self.broker, client_id=unique_client_id("sasl-watch"),
                                        username=WATCHER["username"],
                                        password=WATCHER["secret"], topics=["sasl/#"])
        self.assertEqual(watcher.granted(), [0], watcher.describe())
        payload = f"hello-from-{self.USER}-{secrets.token_hex(4)}"
        own = f"sasl/{self.USER}/out"
        outcome = self.assertScramConnects(
            self.broker, self.USER, prefix="scram-acl", mechanism=self.MECHANISM,
            extra=["--subscribe", f"sasl/{self.USER}/in", "--subscribe", "sasl/sasl-other/in",
                   "--publish", own, "--message", payload])
        self.assertEqual(outcome["suback"], [1, CONNACK_NOT_AUTHORIZED], outcome.describe())
        self.assertEqual(outcome["puback_reason"], 0, outcome.describe())
        self.assertIsNotNone(watcher.wait_for_message(own, payload),
                             f"{watcher.describe()}\n{self.broker.describe()}")

        # Someone else's topic: PUBACK "not authorized", and nothing arrives before a marker.
        denied = f"denied-{secrets.token_hex(4)}"
        outcome = self.assertScramConnects(
            self.broker, self.USER, prefix="scram-acl", mechanism=self.MECHANISM,
            extra=["--publish", "sasl/sasl-other/out", "--message", denied])
        self.assertEqual(outcome["puback_reason"], CONNACK_NOT_AUTHORIZED, outcome.describe())
        marker = f"marker-{secrets.token_hex(4)}"
        self.assertScramConnects(self.broker, self.USER, prefix="scram-acl",
                                 mechanism=self.MECHANISM,
                                 extra=["--publish", own, "--message", marker])
        received = watcher.wait_for_message(own, marker)
        self.assertIsNotNone(received, watcher.describe())
        self.assertNotIn(("sasl/sasl-other/out", denied), received)

    def test_wrong_password_is_refused_with_135_as_bad_password(self):
        self.assertScramRefused(self.broker, reason="bad_password", username=self.USER,
                                password=PASSWORDS[self.USER] + "x", mechanism=self.MECHANISM)

    def test_unknown_user_is_refused_with_135_as_unknown_username(self):
        self.assertScramRefused(self.broker, reason="unknown_username", username="sasl-nobody",
                                password=PASSWORDS[self.USER], mechanism=self.MECHANISM)

    def test_other_mechanism_is_refused_with_135_as_mechanism_mismatch(self):
        self.assertScramRefused(self.broker, reason="mechanism_mismatch", username=self.USER,
                                password=PASSWORDS[self.USER], mechanism=self.OTHER_MECHANISM)


class ScramSha256Test(ScramMechanismTests, SaslTestCase):
    MECHANISM, OTHER_MECHANISM, USER = SHA256, SHA512, "sasl-alice"


class ScramSha512Test(ScramMechanismTests, SaslTestCase):
    # carol's entry has no `mechanism:` key: SCRAM-SHA-512 is the default.
    MECHANISM, OTHER_MECHANISM, USER = SHA512, SHA256, "sasl-carol"


# ---------------------------------------------------------------------------------------------
# Malformed and unsupported SCRAM

class ScramProtocolTest(SaslTestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = shared_broker()

    def assertBrokerServesScram(self):
        self.assertScramConnects(self.broker, "sasl-alice", prefix="scram-after",
                                 mechanism=SHA256)

    def test_unknown_method_is_refused_with_140_before_any_exchange(self):
        outcome = self.assertScramRefused(
            self.broker, reason="unsupported_auth_method",
            connack=CONNACK_BAD_AUTHENTICATION_METHOD, username="sasl-alice",
            password=PASSWORDS["sasl-alice"], mechanism="FOO", extra=["--hash", "sha256"])
        self.assertEqual(outcome.received("auth"), [], outcome.describe())

    def test_plain_user_over_scram_is_refused_with_135_as_mechanism_mismatch(self):
        for mechanism in (SHA256, SHA512):
            with self.subTest(mechanism=mechanism):
                self.assertScramRefused(self.broker, reason="mechanism_mismatch",
                                        username="sasl-bob", password=PASSWORDS["sasl-bob"],
                                        mechanism=mechanism)

    def test_channel_binding_p_flag_is_refused(self):
        self.assertScramRefused(
            self.broker, reason="channel_binding_unsupported",
            extra=["--raw-client-first", "p=tls-unique,,n=sasl-alice,r=fyko+d2lbbFgONRv9qkxdawL"])
        self.assertBrokerServesScram()

    def test_channel_binding_y_flag_is_accepted_as_rfc_5802_says(self):
        # "y": the client supports channel binding but thinks the server does not, which is
        # true (no -PLUS mechanism is offered); the client-final then carries c=eSws ("y,,").
        self.assertScramConnects(self.broker, "sasl-alice", prefix="scram-y", mechanism=SHA256,
                                 extra=["--cbind-flag", "y"])

    def test_garbage_client_first_is_refused_and_the_broker_serves_the_next_client(self):
        garbage = [
            "garbage",
            "n,,",
            "n,,n=sasl-alice",                          # no nonce
            "n,,n=,r=abcdef",                           # empty username
            "n,,n=sasl-alice,r=",                       # empty nonce
            "n,,n=sasl=alice,r=abcdef",                 # "=" not escaped as =3D
            "n,,r=abcdef,n=sasl-alice",                 # attributes out of order
            "n,authzid=x,n=sasl-alice,r=abcdef",        # authzid given
            "n,,m=ext,n=sasl-alice,r=abcdef",           # mandatory extension
            "n,,n=sasl-alice,r=abc\x7fdef",             # non-printable nonce
            "n,,n=sasl-alice,r=" + "A" * 60000,         # huge
        ]
        for message in garbage:
            with self.subTest(client_first=message[:40]):
                self.assertScramRefused(self.broker, reason="scram_malformed",
                                        extra=["--raw-client-first", message])
        self.assertBrokerServesScram()

    def test_garbage_client_final_is_refused_and_the_broker_serves_the_next_client(self):
        proof = base64.b64encode(bytes(32)).decode()
        garbage = [
            "garbage",
            "c=biws",                                   # no nonce, no proof
            f"c=biws,r=not-the-exchange-nonce,p={proof}",
            f"c=eSws,r=not-the-exchange-nonce,p={proof}",  # c= of "y,,"
            "c=biws,r=abc,p=!!!not-base64!!!",
            "c=biws,r=abc,p=",
        ]
        for message in garbage:
            with self.subTest(client_final=message):
                outcome = self.assertScramRefused(
                    self.broker, reason="scram_malformed", username="sasl-alice",
                    password=PASSWORDS["sasl-alice"], extra=["--raw-client-final", message])
                self.assertEqual(outcome.received("auth"), [AUTH_CONTINUE], outcome.describe())
        self.assertBrokerServesScram()

    def test_username_with_comma_and_equals_is_escaped_and_connects(self):
        outcome = self.assertScramConnects(self.broker, "sasl,e=ve", prefix="scram-escaped",
                                           mechanism=SHA512)
        self.assertTrue(outcome["client_first"].startswith("n,,n=sasl=2Ce=3Dve,r="),
                        outcome.describe())

    def test_scram_user_with_a_plaintext_password_in_the_config_connects(self):
        self.assertScramConnects(self.broker, "sasl-erin", prefix="scram-plaintext",
                                 mechanism=SHA256)


# ---------------------------------------------------------------------------------------------
# plain SASL users: CONNECT username and password

class PlainSaslTest(SaslTestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = shared_broker()

    def test_plain_user_connects_with_username_and_password(self):
        self.assertConnects(self.broker, client_id=unique_client_id("plain-ok"),
                            username="sasl-bob", password=PASSWORDS["sasl-bob"])

    def test_plain_user_with_a_wrong_password_is_refused_as_bad_password(self):
        self.assertRefused(self.broker, reason="bad_password",
                           client_id=unique_client_id("plain-wrong"), username="sasl-bob",
                           password=PASSWORDS["sasl-bob"] + "x")

    def test_scram_user_with_its_right_password_over_connect_is_refused_as_mechanism_mismatch(
            self):
        for username in ("sasl-alice", "sasl-carol"):
            with self.subTest(username=username):
                self.assertRefused(self.broker, reason="mechanism_mismatch",
                                   client_id=unique_client_id("plain-scram"), username=username,
                                   password=PASSWORDS[username])

    def test_plaintext_password_user_connects_and_the_load_warns_with_its_position(self):
        self.assertConnects(self.broker, client_id=unique_client_id("plain-plaintext"),
                            username="sasl-frank", password=PASSWORDS["sasl-frank"])
        index = [user["username"] for user in main_sasl_users()].index("sasl-frank")
        warning = self.broker.wait_for_log_line(
            rf"mqauth: {re.escape(self.broker.auth_path)}:\d+:\d+: "
            rf"sasl_users\[{index}\]\.password: .*plaintext")
        self.assertIsNotNone(warning, "the load should warn about the plaintext password\n"
                                      + self.broker.describe())

    def test_plain_login_of_a_hashed_user_is_not_confused_by_a_similar_password(self):
        # Two different passwords of one user, one after the other: whatever the plugin caches
        # for plain logins must not let the second through on the first's account.
        client = dict(username="sasl-bob")
        self.assertConnects(self.broker, client_id=unique_client_id("plain-cache"),
                            password=PASSWORDS["sasl-bob"], **client)
        self.assertRefused(self.broker, reason="bad_password",
                           client_id=unique_client_id("plain-cache"),
                           password=PASSWORDS["sasl-bob"][:-1], **client)
        self.assertConnects(self.broker, client_id=unique_client_id("plain-cache"),
                            password=PASSWORDS["sasl-bob"], **client)


# ---------------------------------------------------------------------------------------------
# A refusal tells nothing about which usernames exist

class RefusalShapeTest(SaslTestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = shared_broker()

    def attempt(self, username, mechanism, password="not-the-password-1"):
        return self.scram_as(self.broker, username, prefix="shape", mechanism=mechanism,
                             password=password)

    def test_unknown_user_and_wrong_password_get_the_same_packets(self):
        for mechanism, known in ((SHA256, "sasl-alice"), (SHA512, "sasl-carol")):
            with self.subTest(mechanism=mechanism):
                wrong = self.attempt(known, mechanism)
                unknown = self.attempt("sasl-nobody", mechanism)
                for outcome in (wrong, unknown):
                    self.assertEqual(outcome.exit_code, CONNACK_NOT_AUTHORIZED,
                                     outcome.describe())
                self.assertEqual(wrong["received"], unknown["received"])
                self.assertEqual(wrong["error"], unknown["error"])

    def test_server_first_of_an_unknown_user_looks_real_and_its_salt_is_stable(self):
        for mechanism, known in ((SHA256, "sasl-alice"), (SHA512, "sasl-carol")):
            with self.subTest(mechanism=mechanism):
                real = self.attempt(known, mechanism)
                real_first = parse_server_first(real["server_first"])
                real_server_nonce = real_first["r"][len(client_nonce(real["client_first"])):]
                # An unknown name, and a known plain user whose mechanism doesn't match.
                for username in ("sasl-nobody", "sasl-bob"):
                    attempts = [self.attempt(username, mechanism) for _ in range(2)]
                    firsts = [parse_server_first(a["server_first"]) for a in attempts]
                    for outcome, first in zip(attempts, firsts):
                        nonce = client_nonce(outcome["client_first"])
                        self.assertTrue(first["r"].startswith(nonce), outcome.describe())
                        self.assertEqual(len(first["r"]) - len(nonce), len(real_server_nonce),
                                         "the server nonce should be as long as a real one")
                        self.assertEqual(len(first["s"]), SALT_BYTES, outcome.describe())
                        self.assertEqual(first["i"], real_first["i"])
                    self.assertEqual(firsts[0]["s"], firsts[1]["s"],
                                     f"the made-up salt of {username} should be stable")
                    self.assertNotEqual(firsts[0]["r"], firsts[1]["r"])
                    self.assertNotEqual(firsts[0]["s"], real_first["s"])


# ---------------------------------------------------------------------------------------------
# Re-authentication: MQTT 5 AUTH 0x19 with a fresh SCRAM exchange

class ReauthenticationTest(SaslTestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = shared_broker()

    def reauthenticate(self, *extra):
        client_id = unique_client_id("reauth")
        outcome = scram(self.broker, client_id=client_id, username="sasl-alice",
                        password=PASSWORDS["sasl-alice"], mechanism=SHA256,
                        extra=["--reauth", *extra])
        return client_id, outcome

    def assertReauthRefused(self, reason, *extra):
        client_id, outcome = self.reauthenticate(*extra)
        context = f"{outcome.describe()}\n{self.broker.describe()}"
        self.assertEqual(outcome.exit_code, SCRAM_REAUTH_REFUSED, context)
        self.assertTrue(outcome["server_signature_ok"], context)  # the first login was fine
        self.assertFalse(outcome["reauth_ok"], context)
        if mosquitto_21():
            # 2.1 answers it with DISCONNECT 0x87, as MQTT 5 (4.12.1) asks (handle_auth.c).
            self.assertEqual(outcome.received("connack"), [0], context)
            self.assertEqual(outcome["disconnect_reason"], CONNACK_NOT_AUTHORIZED, context)
        else:
            # Mosquitto 2.0 answers a refused re-authentication with CONNACK 0x87, then closes.
            self.assertEqual(outcome.received("connack"), [0, CONNACK_NOT_AUTHORIZED], context)
        self.assertTrue(outcome["closed_by_server"], context)
        self.assertRefusalLogged(self.broker, client_id, reason)

    def test_reauthentication_as_the_same_user_succeeds_and_the_session_goes_on(self):
        _, outcome = self.reauthenticate("--publish", "sasl/sasl-alice/after-reauth")
        context = f"{outcome.describe()}\n{self.broker.describe()}"
        self.assertEqual(outcome.exit_code, SCRAM_OK, context)
        self.assertTrue(outcome["reauth_ok"], context)  # AUTH 0x00 with a verified v=
        self.assertEqual(outcome.received("auth"), [AUTH_CONTINUE, AUTH_CONTINUE, 0], context)
        self.assertNotEqual(outcome["reauth_server_final"], outcome["server_final"])
        self.assertIn(outcome["puback_reason"], (0, 16), context)  # 16: no subscribers

    def test_reauthentication_as_another_user_is_refused_and_the_client_disconnected(self):
        self.assertReauthRefused("reauth_user_changed", "--reauth-username", "sasl-dave",
                                 "--reauth-password", PASSWORDS["sasl-dave"])

    def test_reauthentication_with_a_wrong_password_is_refused_and_the_client_disconnected(
            self):
        self.assertReauthRefused("bad_password", "--reauth-password", "not-alices-password")

    def test_malformed_reauthentication_is_refused_and_the_client_disconnected(self):
        self.assertReauthRefused("scram_malformed", "--raw-reauth-client-first", "garbage")


# ---------------------------------------------------------------------------------------------
# Clients that break the exchange's rhythm

def scram_connect(client_id, method, client_first):
    """A raw MQTT 5 CONNECT carrying a SCRAM client-first message."""
    return mqtt_connect(client_id.encode(), protocol=PROTOCOL_MQTT5,
                        properties=mqtt_auth_properties(method.encode(), client_first.encode()))


def scram_auth(method, data):
    """A raw MQTT 5 AUTH (continue) carrying a SCRAM message."""
    return mqtt_auth(AUTH_CONTINUE, method.encode(), data.encode())


class AuthAbuseTest(SaslTestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = shared_broker()

    def assertBrokerServesScram(self):
        self.assertTrue(self.broker.running(), self.broker.describe())
        self.assertScramConnects(self.broker, "sasl-alice", prefix="abuse-after",
                                 mechanism=SHA256)

    def raw_connection(self):
        connection = RawMqttConnection(self.broker)
        self.addCleanup(connection.close)
        return connection

    def test_client_final_sent_twice_ends_the_connection_and_the_broker_serves_the_next_client(
            self):
        outcome = self.scram_as(self.broker, "sasl-alice", prefix="abuse-twice",
                                mechanism=SHA256, extra=["--client-final-twice", "--stay-connected",
                                                         "5"])
        context = f"{outcome.describe()}\n{self.broker.describe()}"
        # The first client-final completes the login; the second arrives on a connected session
        # (Mosquitto: protocol error, DISCONNECT 0x82).
        self.assertEqual(outcome["connack_reason"], 0, context)
        self.assertTrue(outcome["server_signature_ok"], context)
        self.assertEqual(outcome.exit_code, SCRAM_DISCONNECTED, context)
        self.assertEqual(outcome["disconnect_reason"], MQTT_RC_PROTOCOL_ERROR, context)
        self.assertBrokerServesScram()

    def test_auth_after_success_ends_the_connection_and_the_broker_serves_the_next_client(self):
        outcome = self.scram_as(self.broker, "sasl-alice", prefix="abuse-extra",
                                mechanism=SHA256, extra=["--auth-after-connect"])
        context = f"{outcome.describe()}\n{self.broker.describe()}"
        self.assertEqual(outcome.exit_code, SCRAM_DISCONNECTED, context)
        self.assertEqual(outcome["disconnect_reason"], MQTT_RC_PROTOCOL_ERROR, context)
        self.assertBrokerServesScram()

    def test_auth_flood_after_server_first_is_refused_once_and_closed(self):
        client_id = unique_client_id("abuse-flood")
        connection = self.raw_connection()
        connection.send(scram_connect(client_id, SHA256, "n,,n=sasl-alice,r=floodnonce123"))
        packet = connection.read_packet()
        self.assertIsNotNone(packet, self.broker.describe())
        self.assertEqual(packet[0], 0xF, f"expected AUTH, got {packet}")
        flood = b"".join(scram_auth(SHA256, f"c=biws,r=flood{n},p=AAAA") for n in range(200))
        connection.send(flood)  # the broker may close while the flood is still being written
        packets = []
        while True:
            try:
                packet = connection.read_packet()
            except OSError:  # a reset after the close
                break
            if packet is None:
                break
            packets.append(packet)
        self.assertEqual([kind for kind, _ in packets], [2],
                         f"expected one CONNACK and the close, got {packets}")
        self.assertEqual(packets[0][1][1], CONNACK_NOT_AUTHORIZED, packets)
        self.assertRefusalLogged(self.broker, client_id, "scram_malformed")
        self.assertBrokerServesScram()

    def test_stalled_exchanges_do_not_block_other_logins(self):
        stalled = []
        for n in range(30):
            connection = self.raw_connection()
            connection.send(scram_connect(unique_client_id("abuse-stall"), SHA512,
                                          f"n,,n=sasl-carol,r=stallnonce{n}"))
            stalled.append(connection)
        for connection in stalled:
            packet = connection.read_packet()
            self.assertIsNotNone(packet, self.broker.describe())
            self.assertEqual(packet[0], 0xF, f"expected AUTH (server-first), got {packet}")
        # Thirty exchanges wait for a client-final that never comes; a real login goes through.
        self.assertBrokerServesScram()
        self.assertScramConnects(self.broker, "sasl-carol", prefix="abuse-after",
                                 mechanism=SHA512)
        for connection in stalled:
            connection.close()
        self.assertBrokerServesScram()

    def test_slow_client_final_still_connects(self):
        self.assertScramConnects(self.broker, "sasl-alice", prefix="abuse-slow",
                                 mechanism=SHA256, extra=["--delay-client-final", "1.5"])


# ---------------------------------------------------------------------------------------------
# Reload: withdrawn SASL users lose their live sessions

class SaslReloadTest(SaslTestCase):
    """Each test changes auth.yaml, so each starts its own broker."""

    def assertWithdrawn(self, broker, live, reason):
        self.assertTrue(live.wait_disconnected(),
                        f"a withdrawn user's client stayed connected\n{live.describe()}\n"
                        f"{broker.describe()}")
        line = broker.wait_for_log_line(
            rf"mqauth: disconnecting client_id={re.escape(live.client_id)}(?![\w-])")
        self.assertIsNotNone(line, broker.describe())
        self.assertIn(f"reason={reason}", line)
        if isinstance(live, ScramLiveClient):
            result = live.result()
            self.assertTrue(result.get("closed_by_server"), live.describe())
            self.assertEqual(result.get("disconnect_reason"), MQTT_RC_ADMINISTRATIVE_ACTION,
                             live.describe())

    def assertAllStay(self, clients):
        # One grace period for all of them (a deliberate wait: proving a negative).
        wait_for(lambda: any(client.disconnected() for client in clients),
                 STAYS_CONNECTED_GRACE)
        for client in clients:
            self.assertFalse(client.disconnected(), f"an unchanged user's client was dropped\n"
                                                    f"{client.describe()}")

    def live_sessions(self, broker):
        return {
            "scram-alice": self.start_scram_live_client(broker, "sasl-alice",
                                                        prefix="live-alice", mechanism=SHA256),
            "scram-carol": self.start_scram_live_client(broker, "sasl-carol",
                                                        prefix="live-carol", mechanism=SHA512),
            "plain-bob": self.start_live_client(broker, client_id=unique_client_id("live-bob"),
                                                username="sasl-bob",
                                                password=PASSWORDS["sasl-bob"]),
            "plain-frank": self.start_live_client(broker,
                                                  client_id=unique_client_id("live-frank"),
                                                  username="sasl-frank",
                                                  password=PASSWORDS["sasl-frank"]),
        }

    def test_a_reload_that_changes_nothing_keeps_every_session(self):
        broker = self.start_broker(main_policy())
        live = self.live_sessions(broker)
        self.assertTrue(broker.reload(), broker.describe())
        self.assertAllStay(list(live.values()))

    def test_an_exchange_in_flight_across_a_credentials_change_cannot_finish_with_the_old_one(
            self):
        # server-first came under the old credentials; the client-final (old password) comes
        # after a reload rotated them. Finishing would admit a session that the rotation was
        # meant to cut off, and that no later reload would see as changed.
        broker = self.start_broker(main_policy())
        pending = ScramLiveClient(broker, client_id=unique_client_id("inflight-carol"),
                                  username="sasl-carol", password=PASSWORDS["sasl-carol"],
                                  mechanism=SHA512, extra=["--delay-client-final", "4"])
        self.addCleanup(pending.stop)
        self.assertTrue(wait_for(lambda: pending.saw("server_first"), 10), pending.describe())
        users = [{**user, "credentials": sasl_hash("carol-rotated-pw-9a40", SHA512)}
                 if user["username"] == "sasl-carol" else user for user in main_sasl_users()]
        broker.write_config(sasl_auth_yaml([WATCHER], users, rules=MAIN_RULES))
        self.assertTrue(broker.reload(), broker.describe())
        self.assertFalse(pending.saw("connected"), "the reload took longer than the delay")
        self.assertTrue(wait_for(lambda: pending.disconnected() or pending.saw("connected"), 10),
                        pending.describe())
        self.assertFalse(pending.saw("connected"),
                         "the old password finished its exchange after the rotation\n"
                         f"{pending.describe()}\n{broker.describe()}")
        self.assertEqual(pending.result().get("connack_reason"), CONNACK_NOT_AUTHORIZED,
                         f"{pending.describe()}\n{broker.describe()}")

    def test_removed_sasl_users_lose_their_scram_and_plain_sessions_and_others_stay(self):
        broker = self.start_broker(main_policy())
        live = self.live_sessions(broker)

        kept = [user for user in main_sasl_users()
                if user["username"] not in ("sasl-alice", "sasl-bob")]
        broker.write_config(sasl_auth_yaml([WATCHER], kept, rules=MAIN_RULES))
        self.assertTrue(broker.reload(), broker.describe())
        self.assertWithdrawn(broker, live["scram-alice"], "identity_removed")
        self.assertWithdrawn(broker, live["plain-bob"], "identity_removed")
        self.assertAllStay([live["scram-carol"], live["plain-frank"]])

        self.assertScramRefused(broker, reason="unknown_username", username="sasl-alice",
                                password=PASSWORDS["sasl-alice"], mechanism=SHA256)
        self.assertRefused(broker, reason="unknown_username",
                           client_id=unique_client_id("removed-bob"), username="sasl-bob",
                           password=PASSWORDS["sasl-bob"])

    def test_changed_credentials_disconnect_scram_and_plain_sessions_and_others_stay(self):
        broker = self.start_broker(main_policy())
        live = self.live_sessions(broker)

        new_carol, new_bob = "carol-rotated-pw-5e61", "bob-rotated-pw-0c77"
        users = []
        for user in main_sasl_users():
            if user["username"] == "sasl-carol":
                user = {**user, "credentials": sasl_hash(new_carol, SHA512)}
            elif user["username"] == "sasl-bob":
                user = {**user, "credentials": sasl_hash(new_bob, SHA512)}
            users.append(user)
        broker.write_config(sasl_auth_yaml([WATCHER], users, rules=MAIN_RULES))
        self.assertTrue(broker.reload(), broker.describe())
        self.assertWithdrawn(broker, live["scram-carol"], "credentials_changed")
        self.assertWithdrawn(broker, live["plain-bob"], "credentials_changed")
        self.assertAllStay([live["scram-alice"], live["plain-frank"]])

        self.assertScramRefused(broker, reason="bad_password", username="sasl-carol",
                                password=PASSWORDS["sasl-carol"], mechanism=SHA512)
        self.assertScramConnects(broker, "sasl-carol", prefix="rotated-carol", mechanism=SHA512,
                                 password=new_carol)
        self.assertRefused(broker, reason="bad_password",
                           client_id=unique_client_id("rotated-bob"), username="sasl-bob",
                           password=PASSWORDS["sasl-bob"])
        self.assertConnects(broker, client_id=unique_client_id("rotated-bob"),
                            username="sasl-bob", password=new_bob)


# ---------------------------------------------------------------------------------------------
# No secret in the log

class SaslSecretHygieneTest(SaslTestCase):
    """The whole output of a busy run (SCRAM and plain, right and wrong, malformed exchanges,
    a credentials change that kicks, a rejected reload) holds no password, no credential key
    and none of the authentication data that clients sent."""

    def test_log_holds_no_password_no_key_and_no_authentication_data(self):
        broker = self.start_broker(main_policy())
        sent = set(PASSWORDS.values())
        for username, mechanism in (("sasl-alice", SHA256), ("sasl-carol", SHA512)):
            self.assertScramConnects(broker, username, prefix="hyg", mechanism=mechanism,
                                     extra=["--reauth"])
            for password in (f"hyg-wrong-{username}-pw-17", PASSWORDS["sasl-bob"]):
                sent.add(password)
                self.scram_as(broker, username, prefix="hyg", mechanism=mechanism,
                              password=password)
            self.scram_as(broker, "sasl-hyg-nobody", prefix="hyg", mechanism=mechanism,
                          password="hyg-nobody-pw-18")
            sent.add("hyg-nobody-pw-18")
        markers = ["n,,n=sasl-alice,r=hygmarkerfirst19", "c=biws,r=hygmarkerfinal20,p=AAAA"]
        self.scram_as(broker, "sasl-alice", prefix="hyg", mechanism=SHA256,
                      extra=["--raw-client-first", "n,,n=sasl-alice,r=hygmarkerfirst19"])
        self.scram_as(broker, "sasl-alice", prefix="hyg", mechanism=SHA256,
                      extra=["--raw-client-final", "c=biws,r=hygmarkerfinal20,p=AAAA"])
        self.assertConnects(broker, client_id=unique_client_id("hyg"), username="sasl-bob",
                            password=PASSWORDS["sasl-bob"])
        self.assertRefused(broker, reason="bad_password", client_id=unique_client_id("hyg"),
                           username="sasl-frank", password="hyg-wrong-frank-pw-21")
        self.assertRefused(broker, reason="mechanism_mismatch",
                           client_id=unique_client_id("hyg"), username="sasl-alice",
                           password=PASSWORDS["sasl-alice"])
        sent.add("hyg-wrong-frank-pw-21")

        # A kick by credentials change, then a rejected reload whose broken entry has secrets.
        live = self.start_scram_live_client(broker, "sasl-alice", prefix="hyg-live",
                                            mechanism=SHA256)
        rotated = sasl_hash("hyg-rotated-pw-22", SHA256)
        users = [{**user, "credentials": rotated} if user["username"] == "sasl-alice" else user
                 for user in main_sasl_users()]
        broker.write_config(sasl_auth_yaml([WATCHER], users, rules=MAIN_RULES))
        self.assertTrue(broker.reload(), broker.describe())
        self.assertTrue(live.wait_disconnected(), live.describe())
        broken = sasl_user("sasl-broken", type="scram", mechanism=SHA256,
                           credentials=credentials_of("sasl-erin", SHA256),
                           password="hyg-broken-entry-pw-23")
        broker.write_config(sasl_auth_yaml([WATCHER], users + [broken], rules=MAIN_RULES))
        self.assertFalse(broker.reload(), broker.describe())

        self.assertEqual(broker.stop(), 0, broker.describe())
        text = broker.all_text()
        keys = set()
        for credentials in list(_credentials.values()) + [rotated]:
            stored, server = credentials.split("$")[2].split(":")
            keys |= {stored, server}
        forbidden = sent | keys | set(markers) | {"hyg-rotated-pw-22", "hyg-broken-entry-pw-23",
                                                  "hygmarkerfirst19", "hygmarkerfinal20"}
        for value in sorted(forbidden):
            leaks = [line for line in text.splitlines() if value in line]
            self.assertEqual(leaks, [], f"the broker's output holds {value!r}")


# ---------------------------------------------------------------------------------------------
# The test client itself: its verification is what makes a passing SCRAM login mean something

class ScramClientSelfTest(unittest.TestCase):
    def test_client_reproduces_rfc7677_and_rejects_forged_server_signatures(self):
        result = run_process([scram_node(), SCRAM_CLIENT, "--self-test"])
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn('"ok":true', result.stdout)


# ---------------------------------------------------------------------------------------------
# mqauth sasl-hash: the credentials every SCRAM test above depends on

class SaslHashCliTest(unittest.TestCase):
    def test_credentials_hold_rfc5802_keys_computed_independently(self):
        password = "cli-hash-pw-\u00e9t\u00e9"  # UTF-8 on stdin, as a shell pipes it
        for mechanism, hash_function in HASHES.items():
            with self.subTest(mechanism=mechanism):
                text = sasl_hash(password, mechanism, iterations=5000)
                match = re.fullmatch(r"(SCRAM-SHA-(?:256|512))\$(\d+):([^$]+)\$([^:]+):(.+)",
                                     text)
                self.assertIsNotNone(match, text)
                self.assertEqual(match.group(1), mechanism)
                self.assertEqual(int(match.group(2)), 5000)
                salt = base64.b64decode(match.group(3), validate=True)
                self.assertEqual(len(salt), SALT_BYTES)
                name = hash_function().name
                salted = hashlib.pbkdf2_hmac(name, password.encode(), salt, 5000)
                client_key = hmac.new(salted, b"Client Key", name).digest()
                stored_key = hash_function(client_key).digest()
                server_key = hmac.new(salted, b"Server Key", name).digest()
                self.assertEqual(base64.b64decode(match.group(4)), stored_key)
                self.assertEqual(base64.b64decode(match.group(5)), server_key)

    def test_each_hash_has_a_fresh_salt(self):
        first, second = (sasl_hash("cli-same-pw", SHA512) for _ in range(2))
        self.assertNotEqual(salt_of(first), salt_of(second))

    def test_an_empty_password_is_rejected(self):
        result = run_cli("sasl-hash", "--mechanism", SHA256)  # stdin is /dev/null: empty
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertEqual(result.stdout, "")

    def test_an_unknown_mechanism_is_a_usage_error(self):
        self.assertEqual(run_cli("sasl-hash", "--mechanism", "SCRAM-SHA-1").returncode, 2)


if __name__ == "__main__":
    unittest.main()

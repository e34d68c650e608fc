# SPDX-License-Identifier: Apache-2.0
"""Hostile CONNECT and AUTH input (issue 9) against a real Mosquitto with the built plugin: fields
of up to 65535 bytes, NUL bytes, invalid UTF-8, a SIGNED password replayed from another client
id, and SCRAM exchanges gone wrong at every step (random bytes, 64 KiB messages, AUTH packets out
of order or by the hundred, connections dropped mid-exchange, garbage re-authentication).

Packets are built by hand (mqauth_harness "Raw MQTT"): no client library sends such input. The
SCRAM arithmetic a raw login needs is written here from RFC 5802, independently of the plugin.

After each test the broker must be alive and serve a valid client. Mosquitto itself refuses some
input (a NUL in a UTF-8 string, invalid UTF-8) before the plugin sees it: for those the tests
prove the client is refused, whoever refused it. Every secret and password used in this module
is recorded, and the last test (see load_tests) greps the logs of every broker the module ran.
"""

import base64
import hashlib
import hmac
import os
import random
import re
import secrets
import unittest

from mqauth_harness import (
    AUTH_REASON_CONTINUE,
    AUTH_REASON_REAUTHENTICATE,
    CONNACK_NOT_AUTHORIZED,
    MQTT_AUTH,
    MQTT_CONNACK,
    MQTT_DISCONNECT,
    PROTOCOL_MQTT5,
    PROTOCOL_MQTT311,
    RC_NOT_AUTHORISED,
    SCRAM_OK,
    Broker,
    BrokerTestCase,
    HarnessError,
    RawMqttConnection,
    client_identity,
    mqtt_auth,
    mqtt_auth_data,
    mqtt_auth_properties,
    mqtt_connect,
    mqtt_disconnect,
    mosquitto_21,
    sasl_auth_yaml,
    sasl_hash,
    sasl_user,
    scram,
    signed_password,
    unique_client_id,
    user_identity,
)

SHA256, SHA512 = "SCRAM-SHA-256", "SCRAM-SHA-512"
HASH_NAMES = {SHA256: "sha256", SHA512: "sha512"}
MAX_FIELD = 65535  # MQTT's two-byte length prefix: the longest string or binary data
MQTT5_MALFORMED = 0x81
MQTT5_PROTOCOL_ERROR = 0x82
AUTH_SUCCESS = 0x00

ORIGIN_USER, ORIGIN_SECRET = "hi-origin", "hi-origin-secret-6d0e71"
SIGNED_USER, SIGNED_SECRET = "hi-signed", "hi-signed-secret-2b94c3"
CLIENT_USER, CLIENT_SECRET = "hi-client", "hi-client-secret-a41f58"
CLIENT_BOUND_ID = "GID_hi@@@bound-1"
LONGEST_USER = "hi-" + "l" * 61  # 64 characters: the longest username an identity may have
LONGEST_SECRET = "hi-longest-secret-" + "s" * 200
SCRAM_USER, SCRAM_PASSWORD = "hi-scram", "hi-scram-password-0f3a9d"
SCRAM512_USER, SCRAM512_PASSWORD = "hi-scram512", "hi-scram512-password-77c1e0"

# Every secret and password this module uses (config secrets, passwords sent, SCRAM proofs and
# stored keys), for the secret-hygiene test that runs last.
SECRETS = {ORIGIN_SECRET, SIGNED_SECRET, CLIENT_SECRET, LONGEST_SECRET, SCRAM_PASSWORD,
           SCRAM512_PASSWORD}


def remember(secret):
    """Records a secret or password (str or bytes) for the hygiene test; returns it."""
    SECRETS.add(secret.decode("latin-1") if isinstance(secret, bytes) else secret)
    return secret


# ---------------------------------------------------------------------------------------------
# The module's broker

_credentials = {}
_shared = []


def credentials():
    if not _credentials:
        _credentials[SCRAM_USER] = sasl_hash(SCRAM_PASSWORD, SHA256)
        _credentials[SCRAM512_USER] = sasl_hash(SCRAM512_PASSWORD, SHA512)
        for text in _credentials.values():
            stored_key, server_key = text.split("$")[2].split(":")
            SECRETS.update({stored_key, server_key})
    return _credentials


def policy():
    return sasl_auth_yaml(
        [user_identity(ORIGIN_USER, ORIGIN_SECRET),
         user_identity(SIGNED_USER, SIGNED_SECRET, sign_mode="SIGNED"),
         client_identity(CLIENT_USER, CLIENT_BOUND_ID, CLIENT_SECRET, sign_mode="SIGNED"),
         user_identity(LONGEST_USER, LONGEST_SECRET)],
        [sasl_user(SCRAM_USER, type="scram", mechanism=SHA256,
                   credentials=credentials()[SCRAM_USER]),
         sasl_user(SCRAM512_USER, type="scram", mechanism=SHA512,
                   credentials=credentials()[SCRAM512_USER])])


def shared_broker():
    """The module's one broker: every test sends its hostile input to the same process, so
    the secret-hygiene test reads one log of everything."""
    if not _shared:
        broker = Broker(policy())
        unittest.addModuleCleanup(broker.close_expecting_clean_exit)
        _shared.append(broker.start())
    return _shared[0]


# ---------------------------------------------------------------------------------------------
# SCRAM by hand (RFC 5802, RFC 7677)

class ScramByHand:
    """The client side of one SCRAM exchange, for raw connections."""

    def __init__(self, mechanism, username, password):
        self.mechanism = mechanism
        self.hash = HASH_NAMES[mechanism]
        self.password = remember(password)
        self.nonce = base64.b64encode(os.urandom(18)).decode()
        self.bare = f"n={username},r={self.nonce}"  # test usernames need no =2C / =3D escaping
        self.client_first = ("n,," + self.bare).encode()
        self.expected_server_final = None

    def client_final(self, server_first):
        attributes = dict(part.split("=", 1) for part in server_first.decode().split(","))
        if not attributes["r"].startswith(self.nonce):
            raise HarnessError(f"server-first {server_first!r} does not extend our nonce")
        salted = hashlib.pbkdf2_hmac(self.hash, self.password.encode(),
                                     base64.b64decode(attributes["s"]), int(attributes["i"]))
        client_key = hmac.new(salted, b"Client Key", self.hash).digest()
        stored_key = hashlib.new(self.hash, client_key).digest()
        without_proof = f"c=biws,r={attributes['r']}"
        auth_message = f"{self.bare},{server_first.decode()},{without_proof}".encode()
        signature = hmac.new(stored_key, auth_message, self.hash).digest()
        proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature))).decode()
        server_key = hmac.new(salted, b"Server Key", self.hash).digest()
        self.expected_server_final = b"v=" + base64.b64encode(
            hmac.new(server_key, auth_message, self.hash).digest())
        remember(proof)
        return f"{without_proof},p={proof}".encode()


def scram_connect_packet(client_id, mechanism, client_first):
    return mqtt_connect(client_id.encode(), protocol=PROTOCOL_MQTT5,
                        properties=mqtt_auth_properties(mechanism.encode(), client_first))


# ---------------------------------------------------------------------------------------------
# Assertions

def describe_packets(packets):
    return [(kind, body[:16]) for kind, body in packets]


def random_bytes(seed, size):
    """Reproducible random bytes (NUL bytes included) for a test's garbage."""
    return random.Random(seed).randbytes(size)


class HostileInputTestCase(BrokerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = shared_broker()

    def raw(self):
        connection = RawMqttConnection(self.broker)
        self.addCleanup(connection.close)
        return connection

    def first_answer(self, packet):
        """Sends one packet on a fresh connection: the first packet back, or None if the broker
        closed the connection without one."""
        connection = self.raw()
        connection.send(packet)
        return connection.read_packet()

    def assertRefusedOnTheWire(self, answer, context):
        """Not admitted: the broker closed the connection without a CONNACK, or its CONNACK
        refuses (3.1.1 return code or MQTT 5 reason code other than 0)."""
        if answer is None:
            return
        kind, body = answer
        self.assertEqual(kind, MQTT_CONNACK, f"{context}: expected a CONNACK or the close, got "
                                             f"{describe_packets([answer])}")
        self.assertNotEqual(body[1], 0, f"{context}: the client was admitted\n"
                                        + self.broker.describe())

    def assertConnackRefuses(self, answer, code, context):
        self.assertIsNotNone(answer, f"{context}: the broker closed without a CONNACK\n"
                                     + self.broker.describe())
        kind, body = answer
        self.assertEqual((kind, body[1]), (MQTT_CONNACK, code),
                         f"{context}: got {describe_packets([answer])}\n" + self.broker.describe())

    def refusal_lines(self, client_id_prefix):
        return self.broker.log_lines_matching(
            rf"mqauth: refused client_id={re.escape(client_id_prefix)}")

    def assertRefusalLogged(self, client_id_prefix, reason):
        """One refusal line for the client, naming its address and `reason` (SPEC: every
        refusal is logged once, with the client id, the address and a reason code)."""
        line = self.broker.wait_for_log_line(
            rf"mqauth: refused client_id={re.escape(client_id_prefix)}")
        self.assertIsNotNone(line, f"no refusal logged for {client_id_prefix[:40]}...\n"
                                   + self.broker.describe())
        self.assertEqual(len(self.refusal_lines(client_id_prefix)), 1,
                         "a refusal should be logged exactly once\n" + self.broker.describe())
        # assertTrue, not assertIn: the line may be 64 KiB long.
        self.assertTrue("address=127.0.0.1" in line,
                        f"the refusal line lost the client's address; it is {len(line)} "
                        f"characters long and ends {line[-120:]!r}")
        self.assertTrue(f"reason={reason}" in line,
                        f"the refusal line lost its reason {reason}; it is {len(line)} "
                        f"characters long and ends {line[-120:]!r}")

    def assertNoSecretLogged(self):
        text = self.broker.all_text()
        for secret in sorted(SECRETS):
            self.assertNotIn(secret, text, "the broker's output holds a secret or password")

    def assertBrokerStillServes(self, scram_login=False):
        """After a group of hostile input: alive, no secret in the log, a valid client (and,
        with scram_login, a full SCRAM login by scram_client.js) connects."""
        self.assertTrue(self.broker.running(), self.broker.describe())
        self.assertNoSecretLogged()
        self.assertConnects(self.broker, client_id=unique_client_id("hi-after"),
                            username=ORIGIN_USER, password=ORIGIN_SECRET)
        if scram_login:
            outcome = scram(self.broker, client_id=unique_client_id("hi-after-scram"),
                            username=SCRAM_USER, password=SCRAM_PASSWORD, mechanism=SHA256)
            self.assertEqual(outcome.exit_code, SCRAM_OK,
                             f"{outcome.describe()}\n{self.broker.describe()}")
            self.assertTrue(outcome["server_signature_ok"], outcome.describe())

    def raw_scram_login(self, mechanism=SHA256, username=SCRAM_USER, password=SCRAM_PASSWORD,
                        client_id=None):
        """A connection admitted by a whole SCRAM exchange, the server signature verified."""
        client_id = client_id or unique_client_id("hi-scram-raw")
        connection = self.raw()
        exchange = ScramByHand(mechanism, username, password)
        connection.send(scram_connect_packet(client_id, mechanism, exchange.client_first))
        server_first = connection.read_packet()
        self.assertIsNotNone(server_first, self.broker.describe())
        self.assertEqual((server_first[0], server_first[1][0]), (MQTT_AUTH, AUTH_REASON_CONTINUE))
        connection.send(mqtt_auth(AUTH_REASON_CONTINUE, mechanism.encode(),
                                  exchange.client_final(mqtt_auth_data(server_first))))
        connack = connection.read_packet()
        self.assertIsNotNone(connack, self.broker.describe())
        self.assertEqual((connack[0], connack[1][1]), (MQTT_CONNACK, 0), self.broker.describe())
        self.assertEqual(mqtt_auth_data(connack), exchange.expected_server_final)
        return connection, client_id


# ---------------------------------------------------------------------------------------------
# CONNECT fields of up to 65535 bytes

class OversizedFieldsTest(HostileInputTestCase):

    def test_oversized_unknown_usernames_are_refused_and_logged_with_reason_and_address(self):
        for protocol in (PROTOCOL_MQTT311, PROTOCOL_MQTT5):
            for size in (65, 1000, MAX_FIELD):
                with self.subTest(protocol=protocol, size=size):
                    client_id = unique_client_id("hi-biguser")
                    username = (ORIGIN_USER * (size // len(ORIGIN_USER) + 1))[:size]
                    answer = self.first_answer(mqtt_connect(
                        client_id.encode(), username=username.encode(),
                        password=remember(ORIGIN_SECRET).encode(), protocol=protocol))
                    self.assertConnackRefuses(
                        answer, RC_NOT_AUTHORISED if protocol == PROTOCOL_MQTT311
                        else CONNACK_NOT_AUTHORIZED, f"{size}-byte username")
                    self.assertRefusalLogged(client_id, "unknown_username")
        self.assertBrokerStillServes()

    def test_oversized_passwords_are_refused_as_bad_password(self):
        for username in (ORIGIN_USER, SIGNED_USER, LONGEST_USER):
            for size in (1000, MAX_FIELD):
                with self.subTest(username=username, size=size):
                    client_id = unique_client_id("hi-bigpass")
                    password = remember(secrets.token_hex(size)[:size])
                    answer = self.first_answer(mqtt_connect(
                        client_id.encode(), username=username.encode(),
                        password=password.encode()))
                    self.assertConnackRefuses(answer, RC_NOT_AUTHORISED, f"{size}-byte password")
                    self.assertRefusalLogged(client_id, "bad_password")
        self.assertBrokerStillServes()

    def test_the_longest_username_an_identity_may_have_connects(self):
        self.assertConnects(self.broker, client_id=unique_client_id("hi-longest"),
                            username=LONGEST_USER, password=LONGEST_SECRET)

    def test_oversized_client_ids_are_judged_on_their_credentials(self):
        for protocol in (PROTOCOL_MQTT311, PROTOCOL_MQTT5):
            with self.subTest(protocol=protocol):
                refusal = RC_NOT_AUTHORISED if protocol == PROTOCOL_MQTT311 \
                    else CONNACK_NOT_AUTHORIZED
                long_id = unique_client_id("hi-bigid").ljust(MAX_FIELD, "x")
                # ORIGIN: any client id; the right secret connects, a wrong one is refused.
                answer = self.first_answer(mqtt_connect(
                    long_id.encode(), username=ORIGIN_USER.encode(),
                    password=ORIGIN_SECRET.encode(), protocol=protocol))
                self.assertIsNotNone(answer, self.broker.describe())
                self.assertEqual((answer[0], answer[1][1]), (MQTT_CONNACK, 0),
                                 "a 65535-byte client id with the right secret")
                # SIGNED: the HMAC of the whole 65535-byte client id is the password.
                signed_id = unique_client_id("hi-bigid-signed").ljust(MAX_FIELD, "y")
                answer = self.first_answer(mqtt_connect(
                    signed_id.encode(), username=SIGNED_USER.encode(),
                    password=remember(signed_password(SIGNED_SECRET, signed_id)).encode(),
                    protocol=protocol))
                self.assertIsNotNone(answer, self.broker.describe())
                self.assertEqual((answer[0], answer[1][1]), (MQTT_CONNACK, 0),
                                 "a 65535-byte client id with its SIGNED password")
                # The same password with the id cut by one byte is another client's.
                cut_id = signed_id[:-1]
                answer = self.first_answer(mqtt_connect(
                    cut_id.encode(), username=SIGNED_USER.encode(),
                    password=signed_password(SIGNED_SECRET, signed_id).encode(),
                    protocol=protocol))
                self.assertConnackRefuses(answer, refusal, "the SIGNED password of a longer id")
                self.assertRefusalLogged(cut_id[:40], "bad_password")
                # A CLIENT identity is bound to one short id.
                bound_id = unique_client_id("hi-bigid-bound").ljust(MAX_FIELD, "z")
                answer = self.first_answer(mqtt_connect(
                    bound_id.encode(), username=CLIENT_USER.encode(),
                    password=signed_password(CLIENT_SECRET, bound_id).encode(),
                    protocol=protocol))
                self.assertConnackRefuses(answer, refusal, "a CLIENT identity from a long id")
                self.assertRefusalLogged(bound_id[:40], "client_id_not_bound")
        self.assertBrokerStillServes()

    def test_every_field_at_65535_bytes_at_once_is_refused(self):
        client_id = unique_client_id("hi-bigall").ljust(MAX_FIELD, "a")
        for protocol in (PROTOCOL_MQTT311, PROTOCOL_MQTT5):
            with self.subTest(protocol=protocol):
                answer = self.first_answer(mqtt_connect(
                    client_id.encode(), username=b"u" * MAX_FIELD,
                    password=remember(b"p" * MAX_FIELD), protocol=protocol))
                self.assertRefusedOnTheWire(answer, "every field 65535 bytes")
        self.assertBrokerStillServes()


# ---------------------------------------------------------------------------------------------
# NUL bytes and invalid UTF-8

class NulBytesTest(HostileInputTestCase):

    def test_nul_in_username_is_refused(self):
        for protocol in (PROTOCOL_MQTT311, PROTOCOL_MQTT5):
            for username in (ORIGIN_USER.encode() + b"\0", b"\0" + ORIGIN_USER.encode(),
                             ORIGIN_USER.encode()[:3] + b"\0" + ORIGIN_USER.encode()[3:]):
                with self.subTest(protocol=protocol, username=username):
                    answer = self.first_answer(mqtt_connect(
                        unique_client_id("hi-nuluser").encode(), username=username,
                        password=ORIGIN_SECRET.encode(), protocol=protocol))
                    self.assertRefusedOnTheWire(answer, f"username {username!r}")
        self.assertBrokerStillServes()

    def test_nul_in_client_id_is_refused(self):
        for protocol in (PROTOCOL_MQTT311, PROTOCOL_MQTT5):
            for client_id in (CLIENT_BOUND_ID.encode() + b"\0x", b"\0" + CLIENT_BOUND_ID.encode()):
                with self.subTest(protocol=protocol, client_id=client_id):
                    password = signed_password(CLIENT_SECRET, CLIENT_BOUND_ID)
                    answer = self.first_answer(mqtt_connect(
                        client_id, username=CLIENT_USER.encode(),
                        password=remember(password).encode(), protocol=protocol))
                    self.assertRefusedOnTheWire(answer, f"client id {client_id!r}")
        self.assertBrokerStillServes()

    def test_bytes_after_a_nul_in_the_password_cannot_carry_the_secret(self):
        # Mosquitto 2.0 hands plugins the password as a C string: whatever follows a NUL is
        # never seen, so it must never help.
        for protocol in (PROTOCOL_MQTT311, PROTOCOL_MQTT5):
            for password in (b"\0" + ORIGIN_SECRET.encode(),
                             b"wrong\0" + ORIGIN_SECRET.encode(),
                             ORIGIN_SECRET.encode()[:-1] + b"\0" + ORIGIN_SECRET.encode()[-1:]):
                with self.subTest(protocol=protocol, password=password):
                    client_id = unique_client_id("hi-nulpass")
                    answer = self.first_answer(mqtt_connect(
                        client_id.encode(), username=ORIGIN_USER.encode(),
                        password=remember(password), protocol=protocol))
                    self.assertConnackRefuses(
                        answer, RC_NOT_AUTHORISED if protocol == PROTOCOL_MQTT311
                        else CONNACK_NOT_AUTHORIZED, f"password {password!r}")
                    self.assertRefusalLogged(client_id, "bad_password")
        self.assertBrokerStillServes()


class InvalidUtf8Test(HostileInputTestCase):
    INVALID = {
        "lone_continuation_byte": b"\x80",
        "ff_byte": b"\xff\xfe",
        "truncated_sequence": b"\xe2\x82",
        "overlong_slash": b"\xc0\xaf",
        "utf16_surrogate": b"\xed\xa0\x80",
        "above_u10ffff": b"\xf4\x90\x80\x80",
    }

    def test_invalid_utf8_in_username_is_refused(self):
        for protocol in (PROTOCOL_MQTT311, PROTOCOL_MQTT5):
            for name, garbage in self.INVALID.items():
                with self.subTest(protocol=protocol, sequence=name):
                    answer = self.first_answer(mqtt_connect(
                        unique_client_id("hi-utf8user").encode(),
                        username=ORIGIN_USER.encode() + garbage,
                        password=ORIGIN_SECRET.encode(), protocol=protocol))
                    self.assertRefusedOnTheWire(answer, f"username with {name}")
        self.assertBrokerStillServes()

    def test_invalid_utf8_in_client_id_is_refused(self):
        for protocol in (PROTOCOL_MQTT311, PROTOCOL_MQTT5):
            for name, garbage in self.INVALID.items():
                with self.subTest(protocol=protocol, sequence=name):
                    answer = self.first_answer(mqtt_connect(
                        unique_client_id("hi-utf8id").encode() + garbage,
                        username=ORIGIN_USER.encode(), password=ORIGIN_SECRET.encode(),
                        protocol=protocol))
                    self.assertRefusedOnTheWire(answer, f"client id with {name}")
        self.assertBrokerStillServes()

    def test_control_characters_in_username_cannot_forge_a_log_line(self):
        # Valid UTF-8 that Mosquitto may pass on: a refusal must not let the client write a
        # line of its own into the log.
        forged = "mqauth: refused client_id=forged-by-client address=10.9.8.7 reason=none"
        for username in (f"x\n{forged}", f"x\r{forged}", f"x\u2028{forged}",
                         f"x\x1b[2K{forged}"):
            with self.subTest(username=username[:4]):
                answer = self.first_answer(mqtt_connect(
                    unique_client_id("hi-ctl").encode(), username=username.encode(),
                    password=ORIGIN_SECRET.encode()))
                self.assertRefusedOnTheWire(answer, f"username {username[:4]!r}")
        lines = self.broker.log_text().splitlines()
        self.assertFalse([line for line in lines if re.match(r"^\d+: mqauth: refused "
                                                             r"client_id=forged-by-client", line)
                          or line.startswith(forged)],
                         "a client forged a log line\n" + self.broker.describe())
        self.assertBrokerStillServes()


# ---------------------------------------------------------------------------------------------
# A SIGNED password that is another client id's

class ReplayedSignedPasswordTest(HostileInputTestCase):

    def test_signed_password_of_another_client_id_is_refused(self):
        victim = "GID_hi@@@victim-7"
        password = remember(signed_password(SIGNED_SECRET, victim))
        # The control: the password is right for its own client id.
        self.assertConnects(self.broker, client_id=victim, username=SIGNED_USER,
                            password=password)
        for attacker in ("GID_hi@@@victim-8", "GID_hi@@@VICTIM-7", "GID_hi@@@victim-7 ",
                         " GID_hi@@@victim-7", "GID_hi@@@victim-", victim + victim):
            for protocol in (PROTOCOL_MQTT311, PROTOCOL_MQTT5):
                with self.subTest(attacker=attacker, protocol=protocol):
                    answer = self.first_answer(mqtt_connect(
                        attacker.encode(), username=SIGNED_USER.encode(),
                        password=password.encode(), protocol=protocol))
                    self.assertConnackRefuses(
                        answer, RC_NOT_AUTHORISED if protocol == PROTOCOL_MQTT311
                        else CONNACK_NOT_AUTHORIZED, f"{victim}'s password from {attacker!r}")
        self.assertEqual(len(self.broker.log_lines_matching(
            r"mqauth: refused client_id=( ?GID_hi@@@(victim|VICTIM)).* reason=bad_password")),
            12, self.broker.describe())
        self.assertBrokerStillServes()

    def test_signed_password_of_the_bound_client_id_is_refused_from_another_id(self):
        password = remember(signed_password(CLIENT_SECRET, CLIENT_BOUND_ID))
        self.assertConnects(self.broker, client_id=CLIENT_BOUND_ID, username=CLIENT_USER,
                            password=password)
        client_id = unique_client_id("GID_hi@@@other")
        self.assertRefused(self.broker, reason="client_id_not_bound", client_id=client_id,
                           username=CLIENT_USER, password=password)
        self.assertBrokerStillServes()


# ---------------------------------------------------------------------------------------------
# Hostile SCRAM

class HostileScramTest(HostileInputTestCase):

    def scram_connect(self, client_id, client_first, mechanism=SHA256):
        connection = self.raw()
        connection.send(scram_connect_packet(client_id, mechanism, client_first))
        return connection

    def start_exchange(self, client_id, mechanism=SHA256, username=SCRAM_USER,
                       password=SCRAM_PASSWORD):
        """A connection whose exchange got its server-first: (connection, exchange, server
        first data)."""
        exchange = ScramByHand(mechanism, username, password)
        connection = self.scram_connect(client_id, exchange.client_first, mechanism)
        answer = connection.read_packet()
        self.assertIsNotNone(answer, self.broker.describe())
        self.assertEqual((answer[0], answer[1][0]), (MQTT_AUTH, AUTH_REASON_CONTINUE))
        return connection, exchange, mqtt_auth_data(answer)

    def test_random_bytes_as_client_first_are_refused(self):
        for size in (1, 32, 1000, 4097, MAX_FIELD):
            with self.subTest(size=size):
                client_id = unique_client_id("hi-scram-rnd")
                connection = self.scram_connect(client_id, random_bytes(size, size))
                self.assertConnackRefuses(connection.read_packet(), CONNACK_NOT_AUTHORIZED,
                                          f"{size} random bytes as client-first")
                self.assertRefusalLogged(client_id, "scram_malformed")
        self.assertBrokerStillServes(scram_login=True)

    def test_64_kib_client_first_is_refused(self):
        for mechanism in (SHA256, SHA512):
            for prefix in (b"n,,n=" + SCRAM_USER.encode() + b",r=", b"n,,n=", b"n,,n=x,r=y,"):
                with self.subTest(mechanism=mechanism, prefix=prefix):
                    client_id = unique_client_id("hi-scram-64k")
                    first = prefix + b"A" * (MAX_FIELD - len(prefix))
                    connection = self.scram_connect(client_id, first, mechanism)
                    self.assertConnackRefuses(connection.read_packet(), CONNACK_NOT_AUTHORIZED,
                                              "a 65535-byte client-first")
                    self.assertRefusalLogged(client_id, "scram_malformed")
        self.assertBrokerStillServes(scram_login=True)

    def test_random_or_64_kib_client_final_after_a_valid_client_first_is_refused(self):
        finals = {
            "random_small": random_bytes(1, 100),
            "random_64_kib": random_bytes(2, MAX_FIELD),
            "64_kib_of_text": b"c=biws,r=" + b"B" * (MAX_FIELD - 9),
            "empty": b"",
        }
        for name, final in finals.items():
            with self.subTest(client_final=name):
                client_id = unique_client_id("hi-scram-final")
                connection, _, _ = self.start_exchange(client_id)
                connection.send(mqtt_auth(AUTH_REASON_CONTINUE, SHA256.encode(), final))
                self.assertConnackRefuses(connection.read_packet(), CONNACK_NOT_AUTHORIZED,
                                          f"{name} as client-final")
                self.assertRefusalLogged(client_id, "scram_malformed")
        self.assertBrokerStillServes(scram_login=True)

    def test_well_formed_client_final_with_a_random_proof_is_refused_as_bad_password(self):
        client_id = unique_client_id("hi-scram-proof")
        connection, _, server_first = self.start_exchange(client_id)
        nonce = dict(part.split("=", 1) for part in server_first.decode().split(","))["r"]
        proof = base64.b64encode(random_bytes(3, 32)).decode()
        connection.send(mqtt_auth(AUTH_REASON_CONTINUE, SHA256.encode(),
                                  f"c=biws,r={nonce},p={proof}".encode()))
        self.assertConnackRefuses(connection.read_packet(), CONNACK_NOT_AUTHORIZED,
                                  "a random proof")
        self.assertRefusalLogged(client_id, "bad_password")
        self.assertBrokerStillServes()

    def test_auth_packets_before_any_exchange_end_the_connection(self):
        cases = {
            "auth_instead_of_connect": [mqtt_auth(AUTH_REASON_CONTINUE, SHA256.encode(),
                                                  ScramByHand(SHA256, SCRAM_USER,
                                                              SCRAM_PASSWORD).client_first)],
            "reauthenticate_instead_of_connect": [
                mqtt_auth(AUTH_REASON_REAUTHENTICATE, SHA256.encode(), random_bytes(4, 64))],
            "auth_after_a_plain_mqtt5_login": [
                mqtt_connect(unique_client_id("hi-auth-plain").encode(),
                             username=ORIGIN_USER.encode(), password=ORIGIN_SECRET.encode(),
                             protocol=PROTOCOL_MQTT5),
                mqtt_auth(AUTH_REASON_CONTINUE, SHA256.encode(), b"c=biws,r=x,p=AAAA")],
            "reauthenticate_after_a_plain_mqtt5_login": [
                mqtt_connect(unique_client_id("hi-reauth-plain").encode(),
                             username=ORIGIN_USER.encode(), password=ORIGIN_SECRET.encode(),
                             protocol=PROTOCOL_MQTT5),
                mqtt_auth(AUTH_REASON_REAUTHENTICATE, SHA256.encode(),
                          ScramByHand(SHA256, SCRAM_USER, SCRAM_PASSWORD).client_first)],
            "auth_on_mqtt311": [
                mqtt_connect(unique_client_id("hi-auth-311").encode(),
                             username=ORIGIN_USER.encode(), password=ORIGIN_SECRET.encode()),
                mqtt_auth(AUTH_REASON_CONTINUE, SHA256.encode(), b"n,,n=x,r=y")],
        }
        for name, packets in cases.items():
            with self.subTest(case=name):
                connection = self.raw()
                connection.send(b"".join(packets))
                received = connection.read_until_closed()
                kinds = [kind for kind, _ in received]
                # At most the plain login's CONNACK 0, then the close; never an AUTH answer.
                self.assertNotIn(MQTT_AUTH, kinds, describe_packets(received))
                self.assertLessEqual(len([k for k in kinds if k == MQTT_CONNACK]), 1)
                if name.startswith("auth_instead") or name.startswith("reauthenticate_instead"):
                    self.assertEqual(received, [], describe_packets(received))
        self.assertBrokerStillServes(scram_login=True)

    def test_auth_flood_during_an_exchange_is_refused_once(self):
        for name, payload in (("random_bytes", lambda n: random_bytes(n, 64)),
                              ("64_kib_each", lambda n: random_bytes(n, MAX_FIELD))):
            with self.subTest(flood=name):
                client_id = unique_client_id("hi-flood")
                connection, _, _ = self.start_exchange(client_id)
                flood = b"".join(mqtt_auth(AUTH_REASON_CONTINUE, SHA256.encode(), payload(n))
                                 for n in range(500 if name == "random_bytes" else 100))
                connection.send(flood)  # False once the broker has closed: that is fine
                received = connection.read_until_closed()
                refusal, after = received[:1], received[1:]
                self.assertEqual([(kind, body[1:2]) for kind, body in refusal],
                                 [(MQTT_CONNACK, bytes([CONNACK_NOT_AUTHORIZED]))],
                                 describe_packets(received))
                # Mosquitto 2.1 goes on reading what the flood already put in its buffer after it
                # refused the CONNECT, and may answer the next AUTH itself with DISCONNECT 0x82
                # (protocol error: no authentication in progress; handle_auth.c), before it
                # closes. That is the broker's doing, not a second decision of the plugin.
                tolerated = [[], [(MQTT_DISCONNECT, b"\x82")]] if mosquitto_21() else [[]]
                self.assertIn([(kind, body[:1]) for kind, body in after], tolerated,
                              describe_packets(received))
                self.assertRefusalLogged(client_id, "scram_malformed")
        self.assertBrokerStillServes(scram_login=True)

    def test_hundreds_of_reauthentications_on_one_connection_each_prove_the_password(self):
        connection, client_id = self.raw_scram_login()
        for round_number in range(200):
            exchange = ScramByHand(SHA256, SCRAM_USER, SCRAM_PASSWORD)
            connection.send(mqtt_auth(AUTH_REASON_REAUTHENTICATE, SHA256.encode(),
                                      exchange.client_first))
            server_first = connection.read_packet()
            self.assertEqual((server_first[0], server_first[1][0]),
                             (MQTT_AUTH, AUTH_REASON_CONTINUE), f"round {round_number}")
            connection.send(mqtt_auth(AUTH_REASON_CONTINUE, SHA256.encode(),
                                      exchange.client_final(mqtt_auth_data(server_first))))
            answer = connection.read_packet()
            self.assertEqual((answer[0], answer[1][0]), (MQTT_AUTH, AUTH_SUCCESS),
                             f"round {round_number}: {describe_packets([answer])}")
            self.assertEqual(mqtt_auth_data(answer), exchange.expected_server_final)
        # A wrong proof after all that still ends the session.
        exchange = ScramByHand(SHA256, SCRAM_USER, "not-" + SCRAM_PASSWORD)
        connection.send(mqtt_auth(AUTH_REASON_REAUTHENTICATE, SHA256.encode(),
                                  exchange.client_first))
        server_first = connection.read_packet()
        connection.send(mqtt_auth(AUTH_REASON_CONTINUE, SHA256.encode(),
                                  exchange.client_final(mqtt_auth_data(server_first))))
        received = connection.read_until_closed()
        self.assertNotIn((MQTT_AUTH, AUTH_SUCCESS), [(k, b[0]) for k, b in received],
                         describe_packets(received))
        self.assertRefusalLogged(client_id, "bad_password")
        self.assertBrokerStillServes(scram_login=True)

    def test_pipelined_reauthentication_flood_is_not_admitted(self):
        connection, _ = self.raw_scram_login()
        flood = b"".join(mqtt_auth(AUTH_REASON_REAUTHENTICATE, SHA256.encode(),
                                   ScramByHand(SHA256, SCRAM_USER, SCRAM_PASSWORD).client_first)
                         for _ in range(300))
        connection.send(flood)
        received = connection.read_until_closed()
        # One exchange may begin (server-first); no second one, and no success without a proof.
        answers = [(kind, body[0]) for kind, body in received]
        self.assertNotIn((MQTT_AUTH, AUTH_SUCCESS), answers, describe_packets(received))
        self.assertLessEqual(answers.count((MQTT_AUTH, AUTH_REASON_CONTINUE)), 1, answers)
        self.assertBrokerStillServes(scram_login=True)

    def test_garbage_reauthentication_ends_the_session(self):
        cases = {
            "random_bytes": [random_bytes(5, 500)],
            "64_kib": [b"n,,n=" + SCRAM_USER.encode() + b",r=" + b"C" * (MAX_FIELD - 20)],
            "empty": [b""],
            "flood_of_random_bytes": [random_bytes(100 + n, 100) for n in range(300)],
        }
        for name, payloads in cases.items():
            with self.subTest(case=name):
                connection, client_id = self.raw_scram_login()
                connection.send(b"".join(mqtt_auth(AUTH_REASON_REAUTHENTICATE, SHA256.encode(),
                                                   payload) for payload in payloads))
                received = connection.read_until_closed()
                self.assertReauthenticationRefused(received)
                self.assertRefusalLogged(client_id, "scram_malformed")
        self.assertBrokerStillServes(scram_login=True)

    def assertReauthenticationRefused(self, received):
        if mosquitto_21():
            # 2.1 answers with DISCONNECT 0x87 as MQTT 5 (4.12.1) asks, then a second DISCONNECT
            # (0x82) as it closes the connection (handle_auth.c, then do_disconnect).
            self.assertEqual(received[:1], [(MQTT_DISCONNECT, bytes([CONNACK_NOT_AUTHORIZED]))],
                             describe_packets(received))
        else:
            # 2.0 answers a refused re-authentication with a second CONNACK.
            self.assertEqual([(kind, body[1]) for kind, body in received],
                             [(MQTT_CONNACK, CONNACK_NOT_AUTHORIZED)], describe_packets(received))

    def test_reauthentication_with_another_method_ends_the_session(self):
        connection, _ = self.raw_scram_login()
        connection.send(mqtt_auth(AUTH_REASON_REAUTHENTICATE, SHA512.encode(),
                                  ScramByHand(SHA512, SCRAM512_USER,
                                              SCRAM512_PASSWORD).client_first))
        received = connection.read_until_closed()
        self.assertNotIn((MQTT_AUTH, AUTH_SUCCESS), [(k, b[0]) for k, b in received])
        self.assertNotIn(MQTT_AUTH, [kind for kind, _ in received], describe_packets(received))
        self.assertBrokerStillServes(scram_login=True)

    def test_many_connections_dropped_mid_exchange_leave_scram_working(self):
        # 300 exchanges abandoned at every point: before the server-first was read, after it,
        # with a FIN or a TCP reset, and after sending a client-final without reading the
        # answer. Exchanges are kept per connection; none may outlive its connection or block
        # the logins that follow.
        for n in range(300):
            client_id = unique_client_id("hi-drop")
            exchange = ScramByHand(SHA256 if n % 2 else SHA512,
                                   SCRAM_USER if n % 2 else SCRAM512_USER,
                                   SCRAM_PASSWORD if n % 2 else SCRAM512_PASSWORD)
            connection = RawMqttConnection(self.broker)
            connection.send(scram_connect_packet(client_id, exchange.mechanism,
                                                 exchange.client_first))
            way = n % 5
            if way == 0:
                connection.abort()
                continue
            if way == 1:
                connection.close()
                continue
            server_first = connection.read_packet()
            self.assertIsNotNone(server_first, self.broker.describe())
            if way == 2:
                connection.abort()
            elif way == 3:
                connection.send(mqtt_disconnect())
                connection.close()
            else:
                connection.send(mqtt_auth(AUTH_REASON_CONTINUE, exchange.mechanism.encode(),
                                          exchange.client_final(mqtt_auth_data(server_first))))
                connection.abort()
        self.assertBrokerStillServes(scram_login=True)
        # And a raw login of each mechanism, whose connection objects the broker may well
        # place where an abandoned one was.
        for mechanism, user, password in ((SHA256, SCRAM_USER, SCRAM_PASSWORD),
                                          (SHA512, SCRAM512_USER, SCRAM512_PASSWORD)):
            for _ in range(20):
                connection, _ = self.raw_scram_login(mechanism, user, password)
                connection.send(mqtt_disconnect())
                connection.close()
        self.assertBrokerStillServes()

    def test_auth_with_a_method_other_than_the_exchange_ends_it(self):
        for name, packet in {
            "other_method": lambda first: mqtt_auth(AUTH_REASON_CONTINUE, SHA512.encode(),
                                                    first),
            "success_reason_from_the_client": lambda first: mqtt_auth(AUTH_SUCCESS,
                                                                      SHA256.encode(), first),
            "no_method": lambda first: bytes([MQTT_AUTH << 4, 1, AUTH_REASON_CONTINUE]),
        }.items():
            with self.subTest(case=name):
                client_id = unique_client_id("hi-scram-method")
                connection, exchange, server_first = self.start_exchange(client_id)
                connection.send(packet(exchange.client_final(server_first)))
                received = connection.read_until_closed()
                self.assertFalse([1 for kind, body in received
                                  if kind == MQTT_CONNACK and body[1] == 0],
                                 f"admitted: {describe_packets(received)}")
        self.assertBrokerStillServes(scram_login=True)


# ---------------------------------------------------------------------------------------------
# Secret hygiene: runs last (load_tests)

class SecretHygieneTest(HostileInputTestCase):
    """Every secret, password, SCRAM proof and stored key this module used, searched for in the
    whole output (log file, stdout and stderr) of the module's broker, once every other test
    has run. It adds refusals of its own first, so that it proves something run alone too."""

    def test_the_broker_log_holds_no_secret_or_password_used_in_this_module(self):
        near_misses = [ORIGIN_SECRET[:-1], ORIGIN_SECRET + "x", ORIGIN_SECRET.upper()]
        for password in near_misses:
            self.assertRefused(self.broker, reason="bad_password",
                               client_id=unique_client_id("hi-hygiene"), username=ORIGIN_USER,
                               password=remember(password))
        outcome = scram(self.broker, client_id=unique_client_id("hi-hygiene-scram"),
                        username=SCRAM_USER, password=remember("hi-hygiene-wrong-pw-51"),
                        mechanism=SHA256)
        self.assertEqual(outcome.exit_code, CONNACK_NOT_AUTHORIZED, outcome.describe())
        self.raw_scram_login()

        self.assertEqual(self.broker.stop(), 0, self.broker.describe())
        text = self.broker.all_text()
        self.assertIn("mqauth: refused", text)
        checked = 0
        for secret in sorted(SECRETS):
            # A password sent as bytes would show up escaped (\xNN), as the plugin escapes
            # client-supplied text.
            escaped = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch != "\\"
                              else f"\\x{ord(ch):02x}" for ch in secret)
            for form in {secret, escaped}:
                if len(form) < 8:
                    continue
                leaks = [line[:200] for line in text.splitlines() if form in line]
                self.assertEqual(leaks, [], f"the broker's output holds {form[:40]!r}")
                checked += 1
        self.assertGreater(checked, 20, "too few secrets were recorded to prove anything")


def load_tests(loader, standard_tests, pattern):
    """Runs SecretHygieneTest after every other test of the module."""
    suite = unittest.TestSuite()
    hygiene = loader.loadTestsFromTestCase(SecretHygieneTest)
    for test in _flatten(standard_tests):
        if not isinstance(test, SecretHygieneTest):
            suite.addTest(test)
    suite.addTests(hygiene)
    return suite


def _flatten(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from _flatten(item)
        else:
            yield item


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: Apache-2.0
"""Failed-login throttling (issue 9; an mqauth extension, `throttling:` in the config) against a
real Mosquitto: after too many failures from one address the broker refuses further CONNECTs
without checking them, logs the episode once, and lets the right password in again once the
back-off is over.
"""

import time
import unittest

from mqauth_harness import (
    CONNACK_CONNECTION_RATE_EXCEEDED,
    CONNACK_NOT_AUTHORIZED,
    MQTT_AUTH,
    MQTT_CONNACK,
    PROTOCOL_MQTT5,
    RC_NOT_AUTHORISED,
    SCRAM_OK,
    BrokerTestCase,
    RawMqttConnection,
    auth_yaml,
    connack_reason_mqtt5,
    mosquitto_21,
    mqtt_auth_properties,
    mqtt_connect,
    pub,
    sasl_auth_yaml,
    sasl_hash,
    sasl_user,
    scram,
    unique_client_id,
    user_identity,
)

SECRET = "throttle-secret-9a2e"
BACKOFF_SECONDS = 3


def throttled_yaml(max_failures=3, address_max_failures=None, identities=()):
    """One identity "device" (plus `identities`); the address threshold is max_failures unless
    given, so that the address backs off as soon as a username would."""
    return auth_yaml([user_identity("device", SECRET), *identities]) + (
        "throttling:\n"
        f"  max_failures: {max_failures}\n"
        f"  address_max_failures: {address_max_failures or max_failures}\n"
        "  window_seconds: 60\n"
        f"  backoff_seconds: {BACKOFF_SECONDS}\n")


class ThrottlingTest(BrokerTestCase):

    def fail_login(self, broker, prefix="guess"):
        rc, _ = pub(broker, client_id=unique_client_id(prefix), username="device",
                    password="not-the-secret")
        self.assertEqual(rc, RC_NOT_AUTHORISED, broker.describe())

    def right_login(self, broker):
        return pub(broker, client_id=unique_client_id("right"), username="device",
                   password=SECRET)[0]

    def test_after_too_many_failures_even_the_right_password_is_refused_until_the_back_off_ends(self):
        broker = self.start_broker(throttled_yaml())
        for _ in range(3):
            self.fail_login(broker)
        started = time.monotonic()
        self.assertEqual(self.right_login(broker), RC_NOT_AUTHORISED, broker.describe())
        broker.wait_for_log_line(r"mqauth: throttling address=127\.0\.0\.1 for 3s after 3 "
                                 r"failed logins")
        remaining = BACKOFF_SECONDS - (time.monotonic() - started) + 0.5
        time.sleep(max(remaining, 0))
        self.assertEqual(self.right_login(broker), 0, broker.describe())

    def test_an_episode_is_logged_once_and_throttled_attempts_add_no_log_lines(self):
        broker = self.start_broker(throttled_yaml())
        for _ in range(3):
            self.fail_login(broker)
        for _ in range(5):
            self.fail_login(broker, prefix="throttled")
        self.assertEqual(len(broker.log_lines_matching(r"mqauth: throttling address=")), 1,
                         broker.describe())
        self.assertEqual(len(broker.log_lines_matching(r"mqauth: refused client_id=throttled")),
                         0, broker.describe())

    def test_mqtt5_clients_read_connection_rate_exceeded_on_mosquitto_21(self):
        """Mosquitto 2.1 sends the reason code a plugin names; 2.0 only "not authorised"."""
        broker = self.start_broker(throttled_yaml())
        for _ in range(3):
            self.fail_login(broker)
        reason = connack_reason_mqtt5(broker, client_id=unique_client_id("mqtt5"),
                                      username="device", password=SECRET)
        expected = CONNACK_CONNECTION_RATE_EXCEEDED if mosquitto_21() else CONNACK_NOT_AUTHORIZED
        self.assertEqual(reason, expected, broker.describe())

    def test_switched_off_every_attempt_is_judged_on_its_credentials(self):
        broker = self.start_broker(
            auth_yaml([user_identity("device", SECRET)]) + "throttling:\n  enabled: false\n")
        for _ in range(12):
            self.fail_login(broker)
        self.assertEqual(self.right_login(broker), 0, broker.describe())
        self.assertEqual(broker.log_lines_matching(r"mqauth: throttling"), [], broker.describe())

    def test_a_flood_of_distinct_usernames_leaves_the_broker_serving(self):
        broker = self.start_broker(throttled_yaml(max_failures=1000))
        for i in range(60):
            rc, _ = pub(broker, client_id=unique_client_id("flood"), username=f"nobody-{i}",
                        password="x")
            self.assertEqual(rc, RC_NOT_AUTHORISED, broker.describe())
        self.assertEqual(self.right_login(broker), 0, broker.describe())
        self.assertTrue(broker.running(), broker.describe())


class NatTest(BrokerTestCase):
    """Many devices behind one NAT share an address: one device with a stale password backs off
    alone, while a password-guessing run from one address is still slowed."""

    def login(self, broker, username, password, client_id=None):
        return pub(broker, client_id=client_id or unique_client_id(username), username=username,
                   password=password)[0]

    def test_a_device_with_a_stale_password_does_not_lock_out_its_neighbours(self):
        neighbours = [user_identity("meter", "meter-secret-1f0a"),
                      user_identity("valve", "valve-secret-8c3d")]
        broker = self.start_broker(throttled_yaml(max_failures=3, address_max_failures=100,
                                                  identities=neighbours))
        self.assertEqual(self.login(broker, "meter", "meter-secret-1f0a", "meter-1"), 0,
                         broker.describe())
        for _ in range(5):  # the stale device keeps retrying
            rc = self.login(broker, "device", "last-years-secret", "device-stale")
            self.assertEqual(rc, RC_NOT_AUTHORISED, broker.describe())
        self.assertIsNotNone(broker.wait_for_log_line(
            r"mqauth: throttling client_id=device-stale username=device address=127\.0\.0\.1 "
            r"for 3s after 3 failed logins"), broker.describe())
        # Its own back-off holds even for the right secret...
        self.assertEqual(self.login(broker, "device", SECRET, "device-stale"), RC_NOT_AUTHORISED,
                         broker.describe())
        # ... and its neighbours, known or new, are not backed off.
        self.assertEqual(self.login(broker, "meter", "meter-secret-1f0a", "meter-1"), 0,
                         broker.describe())
        self.assertEqual(self.login(broker, "valve", "valve-secret-8c3d", "valve-1"), 0,
                         broker.describe())
        self.assertEqual(broker.log_lines_matching(r"mqauth: throttling address="), [],
                         broker.describe())

    def test_guessing_many_usernames_from_one_address_backs_the_address_off(self):
        broker = self.start_broker(throttled_yaml(max_failures=3, address_max_failures=6))
        for i in range(6):
            rc = self.login(broker, f"guess-{i}", "guess")
            self.assertEqual(rc, RC_NOT_AUTHORISED, broker.describe())
        self.assertIsNotNone(broker.wait_for_log_line(
            r"mqauth: throttling address=127\.0\.0\.1 for 3s after 6 failed logins"),
            broker.describe())
        self.assertEqual(self.login(broker, "device", SECRET), RC_NOT_AUTHORISED,
                         broker.describe())


SCRAM_MECHANISM = "SCRAM-SHA-256"
SCRAM_PASSWORD = "throttle-scram-pw-7d1e"
SECOND_ADDRESS = "127.0.0.2"  # another client: any loopback address reaches the broker
HALF_OPEN_PER_ADDRESS = 100  # ScramAuthenticator's default bound (README "Failed-login throttling")


class ScramThrottlingTest(BrokerTestCase):
    """SCRAM logins are throttled like every other login, and half-open exchanges cannot crowd
    other clients out."""

    def scram_yaml(self, max_failures):
        user = sasl_user("alice", type="scram", mechanism=SCRAM_MECHANISM,
                         credentials=sasl_hash(SCRAM_PASSWORD, SCRAM_MECHANISM))
        return sasl_auth_yaml([user_identity("device", SECRET)], [user]) + (
            f"throttling:\n  max_failures: {max_failures}\n"
            f"  address_max_failures: {max_failures}\n  window_seconds: 60\n"
            "  backoff_seconds: 60\n")

    def alice(self, broker, password=SCRAM_PASSWORD, address=None):
        extra = ["--local-address", address] if address else []
        return scram(broker, client_id=unique_client_id("alice"), username="alice",
                     password=password, mechanism=SCRAM_MECHANISM, extra=extra)

    def test_a_username_back_off_refuses_even_the_right_scram_proof_from_elsewhere(self):
        broker = self.start_broker(self.scram_yaml(max_failures=3))
        for _ in range(3):
            outcome = self.alice(broker, password="a-guess")
            self.assertEqual(outcome.exit_code, CONNACK_NOT_AUTHORIZED, outcome.describe())
        self.assertIsNotNone(broker.wait_for_log_line(r"mqauth: throttling username=alice"),
                             broker.describe())
        outcome = self.alice(broker, address=SECOND_ADDRESS)
        self.assertEqual(outcome.exit_code, CONNACK_NOT_AUTHORIZED,
                         outcome.describe() + broker.describe())
        self.assertEqual(outcome.received("auth"), [], "no exchange may begin for alice")

    def test_half_open_exchanges_from_one_address_leave_others_their_logins(self):
        broker = self.start_broker(self.scram_yaml(max_failures=10))
        attackers = []
        answers = []
        for i in range(HALF_OPEN_PER_ADDRESS + 20):
            connection = RawMqttConnection(broker)
            attackers.append(connection)
            connection.send(mqtt_connect(
                f"half-open-{i}".encode(), protocol=PROTOCOL_MQTT5,
                properties=mqtt_auth_properties(SCRAM_MECHANISM.encode(),
                                                f"n,,n=alice,r=x{i}".encode())))
            answers.append(connection.read_packet()[0])
        self.assertEqual(answers.count(MQTT_AUTH), HALF_OPEN_PER_ADDRESS, broker.describe())
        self.assertEqual(answers.count(MQTT_CONNACK), 20, broker.describe())
        self.assertIsNotNone(broker.wait_for_log_line(
            r"mqauth: refused client_id=half-open-\d+ .*reason=too_many_exchanges_from_address"),
            broker.describe())
        # Alice, from another address, logs in while the attacker's exchanges are still open...
        outcome = self.alice(broker, address=SECOND_ADDRESS)
        self.assertEqual(outcome.exit_code, SCRAM_OK, outcome.describe() + broker.describe())
        # ... and the abandoned exchanges count against the attacker's address alone.
        for connection in attackers:
            connection.close()
        self.assertIsNotNone(broker.wait_for_log_line(r"mqauth: throttling address=127\.0\.0\.1"),
                             broker.describe())
        self.assertEqual(self.alice(broker, address=SECOND_ADDRESS).exit_code, SCRAM_OK,
                         broker.describe())


if __name__ == "__main__":
    unittest.main()

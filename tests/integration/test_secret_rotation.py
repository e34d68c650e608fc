# SPDX-License-Identifier: Apache-2.0
"""Secret rotation without an outage (README "Rotating a secret"): `mqauth identities rotate`
keeps the old secret as previous_secret, accepted until previous_secret_until or until
`end-rotation`, and a real broker keeps the clients logged in with it across the reload,
admits both secrets meanwhile, and disconnects the old secret's clients at the stated time or
when the rotation ends; after that the old secret is refused with previous_secret_expired.
SaslRotationTest: the same for SASL users (`mqauth sasl-users rotate`): plain users over
mosquitto_pub/_sub, SCRAM users over MQTT 5 enhanced authentication with MQTT.js, which checks
the server signature of whichever password it used.
Everything through the real CLI (`--reload`) and real clients."""

import datetime
import subprocess
import unittest

from mqauth_harness import (
    BrokerTestCase,
    ScramLiveClient,
    auth_yaml,
    required_path,
    sasl_auth_yaml,
    sasl_hash,
    sasl_user,
    scram,
    signed_password,
    unique_client_id,
    user_identity,
    user_rule,
)

OLD, NEW = "fleet-secret-before-9c1d", "fleet-secret-after-4e7a"


def cli(*args, stdin=None):
    return subprocess.run([required_path("MQAUTH_CLI"), *args], input=stdin, text=True,
                          capture_output=True, timeout=60)


def utc_in(seconds):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class RotationTestCase(BrokerTestCase):
    def edit(self, *args, stdin=None):
        result = cli(*args, "--config", self.broker.auth_path, "--reload",
                     "--pid", str(self.broker.process.pid), "--broker-log", self.broker.log_path,
                     stdin=stdin)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("applied the reload", result.stdout)
        return result


class SecretRotationTest(RotationTestCase):
    def setUp(self):
        self.broker = self.start_broker(auth_yaml(
            [user_identity("fleet", OLD, sign_mode="SIGNED")],
            rules=[user_rule("fleet", "t/#", "PUB_SUB")]))

    def login(self, secret):
        client_id = unique_client_id("GID_rot@@@dev")
        return dict(client_id=client_id, username="fleet",
                    password=signed_password(secret, client_id))

    def test_both_secrets_work_during_the_rotation_and_the_old_clients_stay(self):
        old_client = self.start_live_client(self.broker, **self.login(OLD)).wait_connected()
        self.edit("identities", "rotate", "--username", "fleet", "--previous-until",
                  utc_in(3600), stdin=NEW + "\n")
        self.assertTrue(old_client.stays_connected())
        self.assertConnects(self.broker, **self.login(NEW))
        self.assertConnects(self.broker, **self.login(OLD))
        self.assertNotIn(OLD, cli("identities", "list", "--config", self.broker.auth_path).stdout)

    def test_ending_the_rotation_disconnects_the_old_secrets_clients_only(self):
        self.edit("identities", "rotate", "--username", "fleet", stdin=NEW + "\n")
        old_client = self.start_live_client(self.broker, **self.login(OLD)).wait_connected()
        new_client = self.start_live_client(self.broker, **self.login(NEW)).wait_connected()
        self.edit("identities", "end-rotation", "--username", "fleet")
        self.assertTrue(old_client.wait_disconnected(), old_client.describe())
        self.assertTrue(new_client.stays_connected(), new_client.describe())
        self.assertRefused(self.broker, reason="bad_password", **self.login(OLD))
        self.assertConnects(self.broker, **self.login(NEW))

    def test_at_the_stated_time_the_old_secrets_clients_go_and_it_is_refused(self):
        self.edit("identities", "rotate", "--username", "fleet", "--previous-until", utc_in(4),
                  stdin=NEW + "\n")
        old_client = self.start_live_client(self.broker, **self.login(OLD)).wait_connected()
        new_client = self.start_live_client(self.broker, **self.login(NEW)).wait_connected()
        self.assertTrue(old_client.wait_disconnected(timeout=10), old_client.describe())
        self.broker.wait_for_log_line(r"disconnecting client_id=\S+ reason=previous_secret_expired")
        self.assertTrue(new_client.stays_connected(), new_client.describe())
        self.assertRefused(self.broker, reason="previous_secret_expired", **self.login(OLD))

    def test_a_second_rotation_before_the_first_ends_is_refused_and_changes_nothing(self):
        self.edit("identities", "rotate", "--username", "fleet", stdin=NEW + "\n")
        with open(self.broker.auth_path, "rb") as file:
            before = file.read()
        result = cli("identities", "rotate", "--config", self.broker.auth_path, "--username",
                     "fleet", stdin="third\n")
        self.assertEqual(result.returncode, 1)
        self.assertIn("in a rotation already", result.stderr)
        with open(self.broker.auth_path, "rb") as file:
            self.assertEqual(file.read(), before)


class SaslRotationTest(RotationTestCase):
    MECHANISM = "SCRAM-SHA-256"

    def setUp(self):
        self.broker = self.start_broker(sasl_auth_yaml(sasl_users=[
            sasl_user("bob", credentials=sasl_hash(OLD, self.MECHANISM)),
            sasl_user("alice", type="scram", mechanism=self.MECHANISM,
                      credentials=sasl_hash(OLD, self.MECHANISM))], no_match="ALLOW"))

    def plain(self, password):
        return dict(client_id=unique_client_id("sasl-rot"), username="bob", password=password)

    def assertScramLogsIn(self, password):
        outcome = scram(self.broker, client_id=unique_client_id("scram-rot"), username="alice",
                        password=password, mechanism=self.MECHANISM)
        self.assertEqual(outcome["connack_reason"], 0, outcome.describe())
        self.assertTrue(outcome["server_signature_ok"], outcome.describe())

    def scram_live(self, password):
        live = ScramLiveClient(self.broker, client_id=unique_client_id("scram-live"),
                               username="alice", password=password, mechanism=self.MECHANISM)
        self.addCleanup(live.stop)
        return live.wait_connected()

    def test_both_passwords_log_in_during_the_rotation_and_the_old_clients_stay(self):
        old_plain = self.start_live_client(self.broker, **self.plain(OLD)).wait_connected()
        old_scram = self.scram_live(OLD)
        for user in ("bob", "alice"):
            self.edit("sasl-users", "rotate", "--username", user, "--previous-until",
                      utc_in(3600), stdin=NEW + "\n")
        self.assertTrue(old_plain.stays_connected())
        self.assertTrue(old_scram.stays_connected(), old_scram.describe())
        for password in (OLD, NEW):
            self.assertConnects(self.broker, **self.plain(password))
            self.assertScramLogsIn(password)
        listing = cli("sasl-users", "list", "--config", self.broker.auth_path).stdout
        self.assertIn("until:", listing)
        self.assertNotIn(OLD, listing)
        self.assertNotIn(NEW, listing)

    def test_ending_the_rotation_disconnects_the_old_passwords_clients_only(self):
        for user in ("bob", "alice"):
            self.edit("sasl-users", "rotate", "--username", user, stdin=NEW + "\n")
        old_plain = self.start_live_client(self.broker, **self.plain(OLD)).wait_connected()
        new_plain = self.start_live_client(self.broker, **self.plain(NEW)).wait_connected()
        old_scram = self.scram_live(OLD)
        new_scram = self.scram_live(NEW)
        for user in ("bob", "alice"):
            self.edit("sasl-users", "end-rotation", "--username", user)
        self.assertTrue(old_plain.wait_disconnected(), old_plain.describe())
        self.assertTrue(old_scram.wait_disconnected(), old_scram.describe())
        self.assertTrue(new_plain.stays_connected(), new_plain.describe())
        self.assertTrue(new_scram.stays_connected(), new_scram.describe())
        self.assertRefused(self.broker, reason="bad_password", **self.plain(OLD))
        self.assertConnects(self.broker, **self.plain(NEW))

    def test_at_the_stated_time_the_old_passwords_clients_go(self):
        for user in ("bob", "alice"):
            self.edit("sasl-users", "rotate", "--username", user, "--previous-until", utc_in(4),
                      stdin=NEW + "\n")
        old_plain = self.start_live_client(self.broker, **self.plain(OLD)).wait_connected()
        old_scram = self.scram_live(OLD)
        new_plain = self.start_live_client(self.broker, **self.plain(NEW)).wait_connected()
        self.assertTrue(old_plain.wait_disconnected(timeout=10), old_plain.describe())
        self.assertTrue(old_scram.wait_disconnected(timeout=10), old_scram.describe())
        self.broker.wait_for_log_line(r"disconnecting client_id=\S+ reason=previous_secret_expired")
        self.assertTrue(new_plain.stays_connected(), new_plain.describe())
        self.assertRefused(self.broker, reason="bad_password", **self.plain(OLD))


if __name__ == "__main__":
    unittest.main()

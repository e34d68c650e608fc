# SPDX-License-Identifier: Apache-2.0
"""Custom-auth identities (SPEC "auth.yaml" identities, "Who decides a CONNECT" step 4 and 5,
"mosquitto.conf" reload rules) against a real Mosquitto with the built plugin.

Authentication is judged by the CONNECT alone: mosquitto_pub -q 1 exits 0 only after CONNACK 0 and
a PUBACK, and with MQTT 3.1.1 the broker sends the PUBACK even when an ACL drops the message, so
these tests do not depend on topic permissions.
"""

import os
import re
import shutil
import tempfile
import unittest

from mqauth_harness import (
    LOG_TIMEOUT,
    RC_NOT_AUTHORISED,
    Broker,
    BrokerTestCase,
    auth_yaml,
    client_identity,
    client_rule,
    diagnostic_pattern,
    pub,
    run_cli,
    signed_password,
    unique_client_id,
    user_identity,
    user_rule,
    wait_for,
)


class OriginIdentityTest(BrokerTestCase):
    SECRET = "origin-secret-4f1c"

    @classmethod
    def setUpClass(cls):
        cls.broker = cls.start_class_broker(auth_yaml([user_identity("origin-user", cls.SECRET)]))

    def test_right_password_connects_and_publishes(self):
        self.assertConnects(self.broker, client_id=unique_client_id("origin-ok"),
                            username="origin-user", password=self.SECRET)

    def test_wrong_password_is_refused_and_logged_with_client_id_and_reason(self):
        self.assertRefused(self.broker, reason="bad_password",
                           client_id=unique_client_id("origin-wrong"),
                           username="origin-user", password="origin-secret-4f1d")

    def test_username_without_password_is_refused(self):
        self.assertRefused(self.broker, reason="missing_password",
                           client_id=unique_client_id("origin-nopass"), username="origin-user")

    def test_unknown_username_is_refused(self):
        self.assertRefused(self.broker, reason="unknown_username",
                           client_id=unique_client_id("origin-unknown"),
                           username="nobody", password=self.SECRET)


class SignedIdentityTest(BrokerTestCase):
    SECRET = "signed-secret-9b27"

    @classmethod
    def setUpClass(cls):
        cls.broker = cls.start_class_broker(
            auth_yaml([user_identity("signed-user", cls.SECRET, sign_mode="SIGNED")]))

    def test_hmac_sha1_of_client_id_computed_independently_connects(self):
        client_id = unique_client_id("GID_test@@@signed")
        self.assertConnects(self.broker, client_id=client_id, username="signed-user",
                            password=signed_password(self.SECRET, client_id))

    def test_signed_password_replayed_with_another_client_id_is_refused(self):
        captured = signed_password(self.SECRET, unique_client_id("signed-victim"))
        self.assertRefused(self.broker, reason="bad_password",
                           client_id=unique_client_id("signed-replay"),
                           username="signed-user", password=captured)

    def test_secret_itself_is_not_a_signed_mode_password(self):
        self.assertRefused(self.broker, reason="bad_password",
                           client_id=unique_client_id("signed-raw"),
                           username="signed-user", password=self.SECRET)


class ClientIdentityTest(BrokerTestCase):
    BOUND_ID = "GID_test@@@bound-1"
    SPECIAL_ID = "GID_test@@@special-1"
    SIGNED_ID = "GID_test@@@signed-dev-1"
    BOUND_SECRET = "bound-secret-77aa"
    USER_SECRET = "shared-user-secret-31c0"
    CLIENT_SECRET = "shared-client-secret-5d2e"
    SIGNED_SECRET = "client-signed-secret-0e9f"

    @classmethod
    def setUpClass(cls):
        cls.broker = cls.start_class_broker(auth_yaml([
            client_identity("bound-user", cls.BOUND_ID, cls.BOUND_SECRET),
            user_identity("shared-user", cls.USER_SECRET),
            client_identity("shared-user", cls.SPECIAL_ID, cls.CLIENT_SECRET),
            client_identity("signed-dev", cls.SIGNED_ID, cls.SIGNED_SECRET, sign_mode="SIGNED"),
        ]))

    def test_client_identity_connects_from_its_bound_client_id(self):
        self.assertConnects(self.broker, client_id=self.BOUND_ID, username="bound-user",
                            password=self.BOUND_SECRET)

    def test_client_identity_is_refused_from_another_client_id(self):
        self.assertRefused(self.broker, reason="client_id_not_bound",
                           client_id=unique_client_id("GID_test@@@other"),
                           username="bound-user", password=self.BOUND_SECRET)

    def test_client_identity_takes_precedence_over_user_identity_for_its_client_id(self):
        self.assertRefused(self.broker, reason="bad_password", client_id=self.SPECIAL_ID,
                           username="shared-user", password=self.USER_SECRET)
        self.assertConnects(self.broker, client_id=self.SPECIAL_ID, username="shared-user",
                            password=self.CLIENT_SECRET)

    def test_user_identity_still_decides_other_client_ids_of_that_username(self):
        self.assertConnects(self.broker, client_id=unique_client_id("GID_test@@@shared"),
                            username="shared-user", password=self.USER_SECRET)
        self.assertRefused(self.broker, reason="bad_password",
                           client_id=unique_client_id("GID_test@@@shared"),
                           username="shared-user", password=self.CLIENT_SECRET)

    def test_signed_client_identity_connects_with_hmac_of_its_bound_client_id(self):
        self.assertConnects(self.broker, client_id=self.SIGNED_ID, username="signed-dev",
                            password=signed_password(self.SIGNED_SECRET, self.SIGNED_ID))


class ClientIdReservationTest(BrokerTestCase):
    """A client never gains permissions through a client id it has not proven (README "Client
    ids"): the client id of a CLIENT identity is reserved to it, and CLIENT rules apply only to
    logins that proved their client id. The shape of config/auth.yaml's demo."""

    GATEWAY_ID = "GID_test@@@gateway-1"
    GATEWAY_SECRET = "gateway-secret-2c8d"
    DEMO_SECRET = "demo-secret-91ab"

    @classmethod
    def setUpClass(cls):
        cls.broker = cls.start_class_broker(auth_yaml(
            [client_identity("gateway", cls.GATEWAY_ID, cls.GATEWAY_SECRET),
             user_identity("demo", cls.DEMO_SECRET)],
            rules=[client_rule(cls.GATEWAY_ID, "devices/+/telemetry", "SUB"),
                   user_rule("demo", "demo/#", "PUB_SUB")]))

    def test_another_login_cannot_take_the_gateways_client_id_nor_kick_it(self):
        gateway = self.start_live_client(self.broker, client_id=self.GATEWAY_ID,
                                         username="gateway", password=self.GATEWAY_SECRET)
        self.assertRefused(self.broker, reason="client_id_reserved", client_id=self.GATEWAY_ID,
                           username="demo", password=self.DEMO_SECRET)
        rc, _ = pub(self.broker, client_id=self.GATEWAY_ID)  # anonymous: refused just as well
        self.assertEqual(rc, RC_NOT_AUTHORISED, self.broker.describe())
        self.assertTrue(wait_for(lambda: len(self.broker.log_lines_matching(
            r"mqauth: refused .*reason=client_id_reserved")) == 2, LOG_TIMEOUT),
            self.broker.describe())
        self.assertTrue(gateway.stays_connected(), gateway.describe())

    def test_client_rules_reach_the_proven_gateway_and_nobody_else(self):
        gateway = self.start_subscriber(self.broker, client_id=self.GATEWAY_ID,
                                        username="gateway", password=self.GATEWAY_SECRET,
                                        topics=["devices/+/telemetry"])
        self.assertEqual(gateway.granted(), [0], gateway.describe())
        gateway.stop()
        demo = self.start_subscriber(self.broker, client_id=unique_client_id("demo"),
                                     username="demo", password=self.DEMO_SECRET,
                                     topics=["devices/+/telemetry"])
        self.assertEqual(demo.granted(), [128], demo.describe())


class SecretSourceTest(BrokerTestCase):
    FILE_SECRET = "file-secret-a81b"
    ENV_SECRET = "env-secret-c5d3"

    @classmethod
    def setUpClass(cls):
        secret_dir = tempfile.mkdtemp(prefix="mqauth-it-secret-")
        cls.addClassCleanup(shutil.rmtree, secret_dir, ignore_errors=True)
        secret_file = os.path.join(secret_dir, "fleet.secret")
        with open(secret_file, "w", encoding="utf-8") as file:
            file.write(cls.FILE_SECRET + "\n")  # as `echo` writes it
        cls.broker = cls.start_class_broker(
            auth_yaml([user_identity("file-user", secret_file=secret_file),
                       user_identity("env-user", secret_env="MQAUTH_IT_ENV_SECRET")]),
            env={"MQAUTH_IT_ENV_SECRET": cls.ENV_SECRET})

    def test_secret_file_without_its_trailing_newline_is_the_secret(self):
        self.assertConnects(self.broker, client_id=unique_client_id("file"),
                            username="file-user", password=self.FILE_SECRET)

    def test_secret_env_is_read_from_the_broker_environment(self):
        self.assertConnects(self.broker, client_id=unique_client_id("env"),
                            username="env-user", password=self.ENV_SECRET)


class AnonymousTest(BrokerTestCase):
    SECRET = "anon-test-secret-62f0"

    @classmethod
    def setUpClass(cls):
        identities = [user_identity("anon-test-user", cls.SECRET)]
        cls.deny_broker = cls.start_class_broker(auth_yaml(identities, anonymous="deny"))
        cls.allow_broker = cls.start_class_broker(auth_yaml(identities, anonymous="allow"))

    def test_anonymous_deny_refuses_a_client_without_username(self):
        self.assertRefused(self.deny_broker, reason="anonymous_denied",
                           client_id=unique_client_id("anon-denied"))

    def test_anonymous_allow_admits_a_client_without_username(self):
        self.assertConnects(self.allow_broker, client_id=unique_client_id("anon-allowed"))

    def test_anonymous_allow_still_refuses_a_wrong_password(self):
        self.assertRefused(self.allow_broker, reason="bad_password",
                           client_id=unique_client_id("anon-wrong"),
                           username="anon-test-user", password="not-the-secret")


class ReloadTest(BrokerTestCase):
    """Each test mutates auth.yaml, so each gets its own broker."""

    KEPT = user_identity("kept-user", "kept-secret-1d4e")
    VICTIM = user_identity("victim-user", "victim-secret-8a3f")

    def connect_as(self, identity, prefix, password=None):
        return dict(client_id=unique_client_id(prefix), username=identity["username"],
                    password=password or identity["secret"])

    def test_added_identity_is_admitted_at_once(self):
        broker = self.start_broker(auth_yaml([self.KEPT]))
        newcomer = user_identity("new-user", "new-secret-3c9a")
        self.assertRefused(broker, reason="unknown_username", **self.connect_as(newcomer, "new"))

        broker.write_config(auth_yaml([self.KEPT, newcomer]))
        self.assertTrue(broker.reload(), "the reload should be applied\n" + broker.describe())
        self.assertConnects(broker, **self.connect_as(newcomer, "new"))

    def test_invalid_config_is_rejected_with_its_position_and_the_old_policy_stays(self):
        broker = self.start_broker(auth_yaml([self.KEPT]))
        kept_client = self.start_live_client(broker, **self.connect_as(self.KEPT, "kept-live"))
        newcomer = user_identity("new-user", "new-secret-3c9a")
        broken = auth_yaml([{**self.KEPT, "sign_mode": "SIGNEDX"}, newcomer])

        broker.write_config(broken)
        self.assertFalse(broker.reload(), "the reload should be rejected\n" + broker.describe())
        pattern = diagnostic_pattern(broker.auth_path, broken, "identities[0].sign_mode",
                                     "sign_mode", "SIGNEDX")
        self.assertTrue(broker.log_lines_matching(pattern),
                        f"the log should say /{pattern}/\n{broker.describe()}")

        self.assertConnects(broker, **self.connect_as(self.KEPT, "kept"))
        self.assertRefused(broker, reason="unknown_username", **self.connect_as(newcomer, "new"))
        self.assertTrue(kept_client.stays_connected(),
                        f"a rejected reload dropped a client\n{kept_client.describe()}")

    def test_removed_identity_loses_its_live_clients_and_others_stay(self):
        broker = self.start_broker(auth_yaml([self.KEPT, self.VICTIM]))
        victim = self.start_live_client(broker, **self.connect_as(self.VICTIM, "victim-live"))
        kept = self.start_live_client(broker, **self.connect_as(self.KEPT, "kept-live"))

        broker.write_config(auth_yaml([self.KEPT]))
        self.assertTrue(broker.reload(), "the reload should be applied\n" + broker.describe())
        self.assertTrue(victim.wait_disconnected(),
                        f"the removed identity's client stayed connected\n{victim.describe()}"
                        f"\n{broker.describe()}")
        self.assertTrue(kept.stays_connected(),
                        f"an unchanged identity's client was dropped\n{kept.describe()}")
        self.assertRefused(broker, reason="unknown_username", **self.connect_as(self.VICTIM, "v"))

    def test_changed_secret_disconnects_its_live_clients_and_others_stay(self):
        broker = self.start_broker(auth_yaml([self.KEPT, self.VICTIM]))
        victim = self.start_live_client(broker, **self.connect_as(self.VICTIM, "victim-live"))
        kept = self.start_live_client(broker, **self.connect_as(self.KEPT, "kept-live"))

        new_secret = "victim-secret-rotated-b7c1"
        broker.write_config(auth_yaml([self.KEPT, {**self.VICTIM, "secret": new_secret}]))
        self.assertTrue(broker.reload(), "the reload should be applied\n" + broker.describe())
        self.assertTrue(victim.wait_disconnected(),
                        f"the client of the old secret stayed connected\n{victim.describe()}"
                        f"\n{broker.describe()}")
        self.assertTrue(kept.stays_connected(),
                        f"an unchanged identity's client was dropped\n{kept.describe()}")
        self.assertRefused(broker, reason="bad_password", **self.connect_as(self.VICTIM, "v"))
        self.assertConnects(broker, **self.connect_as(self.VICTIM, "v", password=new_secret))

    def test_anonymous_clients_survive_reloads_until_anonymous_is_switched_off(self):
        allowing = auth_yaml([self.KEPT], anonymous="allow")
        broker = self.start_broker(allowing)
        anonymous = self.start_live_client(broker, client_id=unique_client_id("anon-live"))
        kept = self.start_live_client(broker, **self.connect_as(self.KEPT, "kept-live"))

        # The control: without it a drop by Mosquitto itself would pass for the plugin's doing.
        broker.write_config(allowing)
        self.assertTrue(broker.reload(), "the reload should be applied\n" + broker.describe())
        self.assertTrue(anonymous.stays_connected(),
                        "a reload that keeps `anonymous: allow` dropped an anonymous client\n"
                        f"{anonymous.describe()}\n{broker.describe()}")

        broker.write_config(auth_yaml([self.KEPT], anonymous="deny"))
        self.assertTrue(broker.reload(), "the reload should be applied\n" + broker.describe())
        self.assertTrue(anonymous.wait_disconnected(),
                        f"the anonymous client stayed connected\n{anonymous.describe()}"
                        f"\n{broker.describe()}")
        self.assertTrue(kept.stays_connected(),
                        f"an unchanged identity's client was dropped\n{kept.describe()}")


class StartUpTest(BrokerTestCase):
    def test_invalid_config_stops_the_broker_naming_file_line_and_column(self):
        broken = auth_yaml([user_identity("u", "startup-secret-2b8d", sign_mode="SIGNEDX")])
        broker = Broker(broken)
        self.addCleanup(broker.close)
        exit_code, text = broker.start_expecting_failure()
        self.assertNotEqual(exit_code, 0, text)
        pattern = diagnostic_pattern(broker.auth_path, broken, "identities[0].sign_mode",
                                     "sign_mode", "SIGNEDX")
        self.assertRegex(text, pattern)

    def test_missing_config_file_stops_the_broker_naming_the_file(self):
        broker = Broker(auth_yaml([]))
        self.addCleanup(broker.close)
        os.remove(broker.auth_path)
        exit_code, text = broker.start_expecting_failure()
        self.assertNotEqual(exit_code, 0, text)
        self.assertIn(broker.auth_path, text)


class SecretHygieneTest(BrokerTestCase):
    """SPEC: a refusal never logs a secret; DESIGN: secrets are never logged. The whole log of a
    busy run must hold no secret and no password that any client sent."""

    def test_log_holds_no_secret_and_no_password_sent(self):
        secrets = {name: f"hyg-{name}-secret-{n}f3e" for n, name in enumerate(
            ["origin", "signed", "client", "client-signed", "rotated", "broken-entry"])}
        client_id = "GID_hyg@@@dev-1"
        signed_client_id = "GID_hyg@@@dev-2"
        identities = [
            user_identity("hyg-origin", secrets["origin"]),
            user_identity("hyg-signed", secrets["signed"], sign_mode="SIGNED"),
            client_identity("hyg-client", client_id, secrets["client"]),
            client_identity("hyg-csigned", signed_client_id, secrets["client-signed"],
                            sign_mode="SIGNED"),
        ]
        broker = self.start_broker(auth_yaml(identities))
        right_signed_id = unique_client_id("hyg-s")
        right = [
            ("hyg-origin", unique_client_id("hyg-o"), secrets["origin"]),
            ("hyg-signed", right_signed_id, signed_password(secrets["signed"], right_signed_id)),
            ("hyg-client", client_id, secrets["client"]),
            ("hyg-csigned", signed_client_id,
             signed_password(secrets["client-signed"], signed_client_id)),
        ]
        wrong = [  # (username, client id, password, reason)
            ("hyg-origin", unique_client_id("hyg-o"), "hyg-wrong-origin-pass-71", "bad_password"),
            ("hyg-origin", unique_client_id("hyg-o"), secrets["signed"], "bad_password"),
            ("hyg-signed", unique_client_id("hyg-s"), right[1][2], "bad_password"),  # replayed
            ("hyg-signed", unique_client_id("hyg-s"), secrets["signed"], "bad_password"),
            ("hyg-client", unique_client_id("hyg-c"), secrets["client"], "client_id_not_bound"),
            ("hyg-csigned", signed_client_id, "hyg-wrong-csigned-pass-72", "bad_password"),
            ("hyg-nobody", unique_client_id("hyg-n"), "hyg-wrong-nobody-pass-73",
             "unknown_username"),
        ]
        for username, cid, password in right:
            self.assertConnects(broker, client_id=cid, username=username, password=password)
        for username, cid, password, reason in wrong:
            self.assertRefused(broker, reason=reason, client_id=cid, username=username,
                               password=password)

        # A live client whose secret a reload rotates, then a rejected reload whose broken
        # entry carries a secret: neither the kick nor the diagnostics may print one.
        live = self.start_live_client(broker, client_id=unique_client_id("hyg-live"),
                                      username="hyg-origin", password=secrets["origin"])
        identities[0] = user_identity("hyg-origin", secrets["rotated"])
        broker.write_config(auth_yaml(identities))
        self.assertTrue(broker.reload(), broker.describe())
        self.assertTrue(live.wait_disconnected(), live.describe())
        broken = {**user_identity("hyg-broken", secrets["broken-entry"], sign_mode="SIGNEDX"),
                  "secret_env": "HYG_UNSET_VARIABLE"}
        broker.write_config(auth_yaml(identities + [broken]))
        self.assertFalse(broker.reload(), broker.describe())

        self.assertEqual(broker.stop(), 0, broker.describe())
        text = broker.all_text()
        sent = {attempt[2] for attempt in right + wrong}
        for value in sorted(set(secrets.values()) | sent):
            leaks = [line for line in text.splitlines() if value in line]
            self.assertEqual(leaks, [], f"the broker's output holds {value!r}")


class CliTest(unittest.TestCase):
    maxDiff = None

    def write_file(self, text):
        directory = tempfile.mkdtemp(prefix="mqauth-it-cli-")
        self.addCleanup(shutil.rmtree, directory, ignore_errors=True)
        path = os.path.join(directory, "auth.yaml")
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)
        return path

    def test_sign_prints_the_independently_computed_signed_password(self):
        secret, client_id = "cli-sign-secret-4e2a", "GID_test@@@cli-dev"
        result = run_cli("sign", "--secret", secret, "--client-id", client_id)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.strip(), signed_password(secret, client_id))

    def test_check_accepts_a_valid_file(self):
        path = self.write_file(auth_yaml([
            user_identity("u" * 64, "cli-secret-1"),  # the longest username allowed
            user_identity("cli-signed", "cli-secret-2", sign_mode="SIGNED"),
            client_identity("cli-client", "GID_test@@@cli-1", "cli-secret-3"),
        ]))
        result = run_cli("check", path)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_check_warns_about_a_client_rule_whose_client_id_no_login_can_prove(self):
        text = auth_yaml([user_identity("cli-origin", "cli-secret-1")],
                         rules=[client_rule("GID_test@@@nobody", "t/#", "PUB")])
        path = self.write_file(text)
        result = run_cli("check", path)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertRegex(result.stderr,
                         rf"{re.escape(path)}:\d+:\d+: permissions\.rules\[0\]\.identity: no login "
                         r'can prove client id "GID_test@@@nobody".* \(warning\)')

    def test_check_rejects_a_65_char_username_naming_file_line_column_and_key(self):
        text = auth_yaml([user_identity("u" * 65, "cli-secret-1")])
        path = self.write_file(text)
        result = run_cli("check", path)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        pattern = diagnostic_pattern(path, text, "identities[0].username", "username", "u" * 65)
        self.assertRegex(result.stdout + result.stderr, pattern)

    def test_check_reports_every_error(self):
        text = auth_yaml([user_identity("ok-user", "cli-secret-1"),
                          user_identity("a", "cli-secret-2", sign_mode="SIGNEDX"),
                          client_identity("b", "", "cli-secret-3")])
        path = self.write_file(text)
        result = run_cli("check", path)
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 1, output)
        self.assertRegex(output, diagnostic_pattern(path, text, "identities[1].sign_mode",
                                                    "sign_mode", "SIGNEDX"))
        self.assertRegex(output, diagnostic_pattern(path, text, "identities[2].client_id",
                                                    "client_id", ""))
        self.assertNotRegex(output, re.escape("cli-secret"))

    def test_check_without_a_file_is_a_usage_error(self):
        self.assertEqual(run_cli("check").returncode, 2)


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: Apache-2.0
"""`unknown_usernames: next_plugin` (README "Migrate from password_file / dynamic-security"):
mqauth and Mosquitto's own password_file + acl_file, or the dynamic-security plugin, in one real
broker. A username mqauth has no entry for, and that client's topic checks, are left to them;
every username mqauth knows it decides alone, whatever the other side holds for it."""
import base64
import hashlib
import json
import os
import subprocess
import unittest

from mqauth_harness import (
    RC_NOT_AUTHORISED,
    Broker,
    BrokerTestCase,
    auth_yaml,
    mosquitto_21,
    pub,
    required_path,
    tool,
    unique_client_id,
    user_identity,
    user_rule,
)

METER_SECRET = "meter-secret"
LEGACY_PASSWORD = "legacy-password"
# The password file also holds a password for mqauth's own user: it must never let it in.
METER_OLD_PASSWORD = "meter-old-password"
ACCEPTED = (0, 16)  # PUBACK reason codes of an accepted message (16: no subscribers)
NOT_AUTHORISED = 135


LEGACY_NEW_SECRET = "legacy-new-secret"


def mqauth_config(unknown_usernames="next_plugin", legacy_moved=False):
    """mqauth's side; `legacy_moved`: legacy has an identity of its own now (a step of the
    migration)."""
    identities = [user_identity("meter", METER_SECRET)]
    if legacy_moved:
        identities.append(user_identity("legacy", LEGACY_NEW_SECRET))
    return (f"unknown_usernames: {unknown_usernames}\n"
            + auth_yaml(identities, rules=[user_rule("meter", "meters/#", "PUB")]))


def make_password_file(path):
    """Debian's own mosquitto_passwd writes it (PBKDF2-SHA512, its default)."""
    passwd = tool("MOSQUITTO_PASSWD", "/usr/bin/mosquitto_passwd")
    subprocess.run([passwd, "-b", "-c", path, "legacy", LEGACY_PASSWORD], check=True)
    subprocess.run([passwd, "-b", path, "meter", METER_OLD_PASSWORD], check=True)


def dynsec_password(password, iterations=101):
    """A dynamic-security client's password fields, as the plugin computes them (clients.c,
    dynsec_auth__pw_hash in Mosquitto 2.0.11): PBKDF2-HMAC-SHA512 with a 12-byte salt."""
    salt = os.urandom(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations, 64)
    return {"password": base64.b64encode(digest).decode(),
            "salt": base64.b64encode(salt).decode(), "iterations": iterations}


def make_dynsec_config(path):
    """A dynamic-security.json: client `legacy` may publish to legacy/# and nothing else;
    `meter` exists there too with another password."""
    config = {
        "defaultACLAccess": {"publishClientSend": False, "publishClientReceive": True,
                             "subscribe": False, "unsubscribe": True},
        "clients": [
            {"username": "legacy", "roles": [{"rolename": "legacy-devices"}],
             **dynsec_password(LEGACY_PASSWORD)},
            {"username": "meter", "roles": [{"rolename": "legacy-devices"}],
             **dynsec_password(METER_OLD_PASSWORD)},
        ],
        "groups": [],
        "roles": [{"rolename": "legacy-devices", "acls": [
            {"acltype": "publishClientSend", "topic": "legacy/#", "allow": True}]}],
    }
    with open(path, "w", encoding="utf-8") as file:
        json.dump(config, file)


def dynamic_security_plugin():
    """The dynamic-security plugin of the broker under test: Debian's for 2.0, the one built
    beside the vendored 2.1 (its lib/ directory) for 2.1."""
    if not mosquitto_21():
        return "/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so"
    broker = os.environ.get("MQAUTH_REAL_MOSQUITTO") or tool("MOSQUITTO", "/usr/sbin/mosquitto")
    return os.path.join(os.path.dirname(os.path.dirname(broker)), "lib",
                        "mosquitto_dynamic_security.so")


def broker_beside(cleanups, neighbour_lines):
    """A broker (not started) with mqauth first and the lines `neighbour_lines(workdir)` makes
    after it: Mosquitto asks plugins in the order they are loaded, password_file last."""
    broker = Broker(mqauth_config())
    cleanups(broker.close_expecting_clean_exit)
    broker.extra_conf += neighbour_lines(broker.workdir)
    return broker


class NextPluginChecks:
    """What holds with either neighbour; the subclass starts `cls.broker`."""

    def assertNotAuthorised(self, **client):
        rc, stderr = pub(self.broker, **client)
        self.assertEqual(rc, RC_NOT_AUTHORISED, f"{client}: {stderr!r}\n{self.broker.describe()}")

    def publish_reason(self, client_id, username, password, topic):
        """The PUBACK reason code of one QoS 1 publish by a connected MQTT 5 client."""
        live = self.start_live_client(self.broker, client_id=client_id, username=username,
                                      password=password, topic=topic)
        live.send("reading")
        return live.wait_pubacks(1)[0]

    def test_a_user_mqauth_does_not_know_logs_in_through_the_next_plugin(self):
        self.assertConnects(self.broker, client_id=unique_client_id("legacy"), username="legacy",
                            password=LEGACY_PASSWORD, topic="legacy/1")
        self.assertIsNotNone(self.broker.wait_for_log_line(
            r"mqauth: left to the next plugin client_id=legacy-\S+ address=127\.0\.0\.1 "
            r"username=legacy reason=unknown_username"), self.broker.describe())

    def test_the_next_plugin_refuses_a_wrong_password_and_mqauth_logs_no_refusal(self):
        client_id = unique_client_id("legacy")
        self.assertNotAuthorised(client_id=client_id, username="legacy", password="wrong")
        self.assertEqual(self.broker.log_lines_matching(rf"mqauth: refused.*{client_id}"), [])

    def test_a_username_nobody_knows_is_refused(self):
        self.assertNotAuthorised(client_id=unique_client_id("nobody"), username="nobody",
                                 password="x")

    def test_a_username_mqauth_knows_is_mqauths_whatever_the_next_plugin_holds(self):
        self.assertRefused(self.broker, reason="bad_password",
                           client_id=unique_client_id("meter"), username="meter",
                           password=METER_OLD_PASSWORD)
        self.assertConnects(self.broker, client_id=unique_client_id("meter"), username="meter",
                            password=METER_SECRET, topic="meters/1")

    def test_topic_checks_of_each_client_are_made_by_the_side_that_admitted_it(self):
        legacy = ("legacy", LEGACY_PASSWORD)
        meter = ("meter", METER_SECRET)
        self.assertIn(self.publish_reason(unique_client_id("legacy"), *legacy, "legacy/1"),
                      ACCEPTED)
        self.assertEqual(self.publish_reason(unique_client_id("legacy"), *legacy, "meters/1"),
                         NOT_AUTHORISED)
        self.assertIn(self.publish_reason(unique_client_id("meter"), *meter, "meters/1"),
                      ACCEPTED)
        # mqauth's no_match DENY decides for its own client: the neighbour is not asked.
        self.assertEqual(self.publish_reason(unique_client_id("meter"), *meter, "legacy/1"),
                         NOT_AUTHORISED)


class BesidePasswordFileTest(NextPluginChecks, BrokerTestCase):

    @staticmethod
    def password_and_acl_files(workdir):
        password_file = os.path.join(workdir, "passwords")
        acl_file = os.path.join(workdir, "acl")
        make_password_file(password_file)
        with open(acl_file, "w", encoding="utf-8") as file:
            file.write("user legacy\ntopic write legacy/#\n")
        return [f"password_file {password_file}", f"acl_file {acl_file}"]

    @classmethod
    def setUpClass(cls):
        cls.broker = broker_beside(cls.addClassCleanup, cls.password_and_acl_files).start()


class BesideDynamicSecurityTest(NextPluginChecks, BrokerTestCase):

    @staticmethod
    def dynamic_security(workdir):
        plugin = dynamic_security_plugin()
        config = os.path.join(workdir, "dynamic-security.json")
        make_dynsec_config(config)
        load = "global_plugin" if mosquitto_21() else "plugin"
        return [f"{load} {plugin}", f"plugin_opt_config_file {config}"]

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(dynamic_security_plugin()):
            raise unittest.SkipTest(f"no dynamic-security plugin at {dynamic_security_plugin()}")
        cls.broker = broker_beside(cls.addClassCleanup, cls.dynamic_security).start()


class ReloadTest(BrokerTestCase):
    """A reload that makes a client mqauth's (its username gains an entry), or switches the
    option off, disconnects the clients mqauth had left to the next plugin: Mosquitto re-checks
    them at the SIGHUP, under the policy still in force until the new one is read."""

    def setUp(self):
        self.broker = broker_beside(self.addCleanup,
                                    BesidePasswordFileTest.password_and_acl_files).start()

    def test_a_reload_to_refuse_disconnects_the_next_plugins_clients_and_refuses_them(self):
        legacy = self.start_live_client(self.broker, client_id=unique_client_id("legacy"),
                                        username="legacy", password=LEGACY_PASSWORD)
        meter = self.start_live_client(self.broker, client_id=unique_client_id("meter"),
                                       username="meter", password=METER_SECRET)
        self.broker.write_config(mqauth_config("refuse"))
        self.assertTrue(self.broker.reload(), self.broker.describe())
        self.assertTrue(legacy.wait_disconnected(), legacy.describe())
        self.assertTrue(meter.stays_connected(), meter.describe())
        self.assertRefused(self.broker, reason="unknown_username",
                           client_id=unique_client_id("legacy"), username="legacy",
                           password=LEGACY_PASSWORD)

    def test_a_reload_that_gives_the_username_an_entry_moves_the_client_to_mqauth(self):
        legacy = self.start_live_client(self.broker, client_id=unique_client_id("legacy"),
                                        username="legacy", password=LEGACY_PASSWORD)
        self.broker.write_config(mqauth_config(legacy_moved=True))
        self.assertTrue(self.broker.reload(), self.broker.describe())
        self.assertTrue(legacy.wait_disconnected(), legacy.describe())
        # The password file's password no longer opens it; mqauth's does.
        self.assertRefused(self.broker, reason="bad_password",
                           client_id=unique_client_id("legacy"), username="legacy",
                           password=LEGACY_PASSWORD)
        self.assertConnects(self.broker, client_id=unique_client_id("legacy"),
                            username="legacy", password=LEGACY_NEW_SECRET)


class ExplainTest(BrokerTestCase):
    """mqauth explain says the next plugin decides (exit 4, undecided), and decides itself for a
    username mqauth knows."""

    def explain(self, username, password):
        broker = Broker(mqauth_config())
        self.addCleanup(broker.close)
        return subprocess.run(
            [required_path("MQAUTH_CLI"), "explain", "--config", broker.auth_path,
             "--client-id", "dev-1", "--username", username, "--password-stdin"],
            input=password + "\n", capture_output=True, text=True, timeout=30)

    def test_an_unknown_username_is_undecided_and_a_known_one_decided(self):
        unknown = self.explain("legacy", LEGACY_PASSWORD)
        self.assertEqual(unknown.returncode, 4, unknown.stdout + unknown.stderr)
        self.assertIn("-> undecided: no entry has this username, and unknown_usernames is "
                      "next_plugin", unknown.stdout)
        known = self.explain("meter", METER_OLD_PASSWORD)
        self.assertEqual(known.returncode, 3, known.stdout + known.stderr)
        self.assertIn("-> refused (bad_password)", known.stdout)


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: Apache-2.0
"""Persistent sessions that are offline when Mosquitto re-checks its clients after a SIGHUP
(issue 14, item 1), against a real Mosquitto with the built plugin.

After a SIGHUP, Mosquitto 2.0 runs the plugin's BASIC_AUTH again for every session it holds,
offline persistent sessions included (MQTT 5 Session Expiry Interval > 0, or MQTT 3.1.1 clean
session false). Such a re-check carries no new credentials: a SCRAM client sends no password, an
offline session has no TLS connection and so no certificate, and an authorizer client is not
connecting. It must be answered from what admitted the session, never as a fresh login (and
never counted by failed-login throttling). A refusal makes Mosquitto "disconnect" the offline
session again (a second "Client ID disconnected." line, whether or not the plugin logged why),
which queues it for expiry a second time: when it expires, one queue entry frees it and the
other stays behind, so every later look for expired sessions reads and writes freed memory
(valgrind shows it), and a client whose context or message reuses the block can crash the
broker.

Each test makes one persistent session of each kind that logs in with no password the plugin
could check again: a SCRAM user (scram_client.js --session-expiry), a device certificate
(mosquitto_sub on the TLS listener) and an authorizer client (mosquitto_sub, the function
answering allow). The sessions subscribe, disconnect normally and stay offline until their
short Session Expiry Interval ends, which the tests wait out after the reload.
"""

import re
import time
import unittest

from mqauth_harness import (
    LOG_TIMEOUT,
    RELOAD_OUTCOME,
    SCRAM_OK,
    HarnessError,
    LiveClient,
    ScramLiveClient,
    auth_yaml,
    client_disconnected_line,
    sasl_auth_yaml,
    sasl_hash,
    sasl_user,
    scram,
    sub_collect,
    unique_client_id,
    user_identity,
    wait_for,
)
from test_authorizers import FunctionServer, authorizer, authorizer_username, policy
from test_device_certificates import DeviceCertificateTestCase, ca_entry, certificates_yaml

SESSION_EXPIRY = 3  # seconds: the Session Expiry Interval of every persistent session here
# Mosquitto looks for expired sessions about once a second; the publishes after the expiry are
# spread over this long, so that they straddle the next look.
NEXT_EXPIRY_CHECK = 1.5
# How long a broker that used freed memory gets to crash after the publishes.
CRASH_GRACE = 1.5
PUBLISHES = 3  # QoS 1, a few hundred bytes each

MECHANISM = "SCRAM-SHA-256"
SCRAM_USER = "offline-scram"
SCRAM_PASSWORD = "offline-scram-pw-4b7e"
AUTHORIZER = "offline-auth"
PUBLISHER_SECRET = "offline-publisher-secret-91d3"
PUBLISHER = user_identity("offline-publisher", PUBLISHER_SECRET)
NEWCOMER_SECRET = "offline-newcomer-secret-6a20"
NEWCOMER = user_identity("offline-newcomer", NEWCOMER_SECRET)

# Failed-login throttling that the three offline sessions' re-checks would set off if they were
# counted as failed logins (they come from 127.0.0.1, like every client here). Only where a test
# asks for it: an address back-off would also refuse the publisher that makes a broker which
# freed a session too early crash.
THROTTLING = ("throttling:\n  enabled: true\n  max_failures: 2\n  window_seconds: 60\n"
              "  backoff_seconds: 60\n")

# mosquitto_sub making a persistent MQTT 5 session: clean start off, the session expiry, QoS 1,
# and exit (sending DISCONNECT) as soon as the SUBACK arrived.
PERSISTENT_SUB = ["-V", "mqttv5", "-c", "-x", str(SESSION_EXPIRY), "-q", "1", "-E"]


def section(full_text, base):
    """What the test modules' YAML helpers (certificates_yaml, policy, sasl_auth_yaml) add after
    the auth_yaml() text they start with."""
    if not full_text.startswith(base):
        raise HarnessError(f"expected the YAML to start with\n{base}\ngot\n{full_text}")
    return full_text[len(base):]


class OfflineSessionTest(DeviceCertificateTestCase):
    """One policy with a SCRAM user, the fleet CA for device certificates, an authorizer and an
    ordinary ORIGIN identity that publishes; a broker per test (each reloads, and a failing
    one may crash)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()  # the fleet root, the broker's certificate, cls.listener
        cls.function = FunctionServer()  # answers allow
        cls.addClassCleanup(cls.function.close)
        cls.scram_credentials = sasl_hash(SCRAM_PASSWORD, MECHANISM)

    def policy_text(self, identities=(PUBLISHER,), throttling=False):
        base = auth_yaml([], no_match="ALLOW")
        sections = [
            certificates_yaml([ca_entry("offline-ca", self.root)]),
            policy([authorizer(AUTHORIZER, self.function.url())]),
            sasl_auth_yaml(sasl_users=[sasl_user(SCRAM_USER, type="scram", mechanism=MECHANISM,
                                                 credentials=self.scram_credentials)],
                           no_match="ALLOW"),
        ]
        return (auth_yaml(list(identities), no_match="ALLOW")
                + "".join(section(text, base) for text in sections)
                + (THROTTLING if throttling else ""))

    def start_offline_broker(self, throttling=False):
        return self.start_broker(self.policy_text(throttling=throttling),
                                 tls_listener=self.listener)

    # -- the three kinds of client and their sessions

    def scram_login(self, broker, client_id, extra=()):
        outcome = scram(broker, client_id=client_id, username=SCRAM_USER,
                        password=SCRAM_PASSWORD, mechanism=MECHANISM, extra=extra)
        self.assertEqual(outcome.exit_code, SCRAM_OK,
                         f"{outcome.describe()}\n{broker.describe()}")
        return outcome

    def authorizer_client(self, client_id):
        return {"client_id": client_id, "password": "offline-pw",
                "username": authorizer_username("dev-offline", AUTHORIZER)}

    def make_offline_sessions(self, broker):
        """One persistent session of each kind, subscribed and then disconnected normally;
        returns {kind: client id} once Mosquitto logged each disconnect (kept in
        self.first_disconnects). The device's certificate is kept in self.offline_device for
        a fresh login later."""
        sessions = {"scram": unique_client_id("offline-scram"),
                    "authorizer": unique_client_id("offline-auth")}
        self.offline_device = self.device(unique_client_id("offline-device"))
        sessions["certificate"] = self.offline_device.common_name

        self.scram_login(broker, sessions["scram"],
                         extra=["--subscribe", "offline/scram", "--session-expiry",
                                str(SESSION_EXPIRY)])
        rc, _, stderr = sub_collect(broker, client_id=sessions["certificate"],
                                    topic="offline/certificate", extra=PERSISTENT_SUB,
                                    tls=self.client_tls(self.offline_device))
        self.assertEqual(rc, 0, f"the device's persistent session: mosquitto_sub said "
                                f"{stderr!r}\n{broker.describe()}")
        rc, _, stderr = sub_collect(broker, topic="offline/authorizer", extra=PERSISTENT_SUB,
                                    **self.authorizer_client(sessions["authorizer"]))
        self.assertEqual(rc, 0, f"the authorizer client's persistent session: mosquitto_sub "
                                f"said {stderr!r}\n{broker.describe()}")
        self.first_disconnects = {}
        for kind, client_id in sessions.items():
            line = broker.wait_for_log_line(client_disconnected_line(client_id) + r"\.")
            self.assertIsNotNone(line, f"{client_id} did not disconnect normally\n"
                                       + broker.describe())
            self.first_disconnects[kind] = line
        return sessions

    def expiries(self, broker, client_id):
        return broker.log_lines_matching(
            rf"Expiring client {re.escape(client_id)} due to timeout\.")

    def refusals(self, broker, client_id):
        return broker.log_lines_matching(
            rf"mqauth: (refused|error deciding) client_id={re.escape(client_id)}(?![\w-])")

    def disconnects(self, broker, client_id):
        """Mosquitto's "Client ID disconnected" lines: the client's own DISCONNECT, and one more
        whenever the broker drops the session because its re-check failed (an offline session
        included, with or without a plugin line saying why)."""
        return broker.log_lines_matching(client_disconnected_line(client_id))

    def assertReloadCameBeforeExpiry(self, broker, sessions):
        """The SIGHUP re-check found every session still there (offline, not yet expired);
        otherwise the test proved nothing and the machine was too slow for SESSION_EXPIRY."""
        log = broker.log_text()
        reload_at = log.find("Reloading config")  # Mosquitto's line: it re-checks right after
        if reload_at < 0:
            reload_at = RELOAD_OUTCOME.search(log).start()
        early = [client_id for client_id in sessions.values()
                 if re.search(rf"Expiring client {re.escape(client_id)} ", log[:reload_at])]
        if early:
            raise HarnessError(f"{early} expired before the SIGHUP: raise SESSION_EXPIRY\n"
                               + broker.describe())

    def assertOfflineSessionsSurviveReload(self, broker, sessions):
        """The sessions expire, an ordinary client publishes, and then: the broker runs, no
        re-check was refused, Mosquitto dropped no session a second time, each expired exactly
        once, the publisher was served, and each client logs in afresh."""
        wait_for(lambda: all(self.expiries(broker, client_id) for client_id in sessions.values()),
                 SESSION_EXPIRY + 3)
        # An ordinary client connects as soon as the sessions expired (its context may take the
        # block of a session that was freed while still queued for expiry) and publishes over
        # the next look for expired sessions.
        publisher_id = unique_client_id("offline-publisher")
        publisher = LiveClient(broker, client_id=publisher_id, username="offline-publisher",
                               password=PUBLISHER_SECRET, topic="offline/news")
        self.addCleanup(publisher.stop)
        publisher.wait_connected()
        for number in range(PUBLISHES):
            publisher.send(f"{number:03d}" + "p" * 300)
            time.sleep(NEXT_EXPIRY_CHECK / PUBLISHES)
        wait_for(lambda: len(publisher.pubacks()) >= PUBLISHES or not broker.running(),
                 LOG_TIMEOUT)
        time.sleep(CRASH_GRACE)

        refused = {kind: self.refusals(broker, client_id) for kind, client_id in sessions.items()}
        running = broker.running()
        exit_status = None if running else broker.process.poll()
        self.assertTrue(running, f"the broker died after the offline sessions expired (exit "
                                 f"status {exit_status}; negative: killed by that signal); "
                                 f"refusals: {refused}\n{broker.describe()}")
        self.assertEqual(refused, {kind: [] for kind in sessions},
                         "re-checks of offline sessions were refused\n" + broker.describe())
        # One line each: the client's own DISCONNECT. A second one is Mosquitto dropping the
        # offline session because its re-check failed, logged by the plugin or not.
        self.assertEqual({kind: self.disconnects(broker, client_id)
                          for kind, client_id in sessions.items()},
                         {kind: [line] for kind, line in self.first_disconnects.items()},
                         "Mosquitto dropped offline sessions again after the reload\n"
                         + broker.describe())
        self.assertEqual({kind: len(self.expiries(broker, client_id))
                          for kind, client_id in sessions.items()},
                         {kind: 1 for kind in sessions},
                         "each offline session should expire exactly once\n" + broker.describe())
        self.assertFalse(publisher.disconnected(), f"the ordinary publisher was dropped\n"
                                                   f"{publisher.describe()}\n{broker.describe()}")
        # MQTT 5 PUBACK 16: accepted, no subscribers (the sessions that had some are gone).
        self.assertEqual(publisher.pubacks(), [16] * PUBLISHES,
                         f"{publisher.describe()}\n{broker.describe()}")

        self.scram_login(broker, sessions["scram"])
        self.assertDeviceConnects(broker, self.offline_device,
                                  client_id=sessions["certificate"])
        self.assertConnects(broker, **self.authorizer_client(sessions["authorizer"]))

    # -- the tests

    def test_offline_sessions_survive_a_reload_of_the_unchanged_file_and_their_expiry(self):
        broker = self.start_offline_broker()
        sessions = self.make_offline_sessions(broker)
        self.assertTrue(broker.reload(), "the reload should be applied\n" + broker.describe())
        self.assertReloadCameBeforeExpiry(broker, sessions)
        self.assertOfflineSessionsSurviveReload(broker, sessions)

    def test_offline_sessions_survive_a_reload_of_a_changed_file_and_their_expiry(self):
        broker = self.start_offline_broker()
        sessions = self.make_offline_sessions(broker)
        broker.write_config(self.policy_text(identities=(PUBLISHER, NEWCOMER)))
        self.assertTrue(broker.reload(), "the reload should be applied\n" + broker.describe())
        self.assertReloadCameBeforeExpiry(broker, sessions)
        self.assertConnects(broker, client_id=unique_client_id("offline-newcomer"),
                            username="offline-newcomer", password=NEWCOMER_SECRET)
        self.assertOfflineSessionsSurviveReload(broker, sessions)

    def test_re_checks_of_offline_sessions_are_not_counted_as_failed_logins(self):
        broker = self.start_offline_broker(throttling=True)
        sessions = self.make_offline_sessions(broker)
        self.assertTrue(broker.reload(), "the reload should be applied\n" + broker.describe())
        self.assertReloadCameBeforeExpiry(broker, sessions)
        self.assertEqual(broker.log_lines_matching(r"mqauth: throttling"), [],
                         "re-checks were counted as failed logins\n" + broker.describe())
        # Nor is anyone else behind 127.0.0.1 refused for them.
        self.assertConnects(broker, client_id=unique_client_id("offline-publisher"),
                            username="offline-publisher", password=PUBLISHER_SECRET)

    def test_online_persistent_scram_session_stays_connected_across_a_reload(self):
        broker = self.start_offline_broker()
        client_id = unique_client_id("online-scram")
        live = ScramLiveClient(broker, client_id=client_id, username=SCRAM_USER,
                               password=SCRAM_PASSWORD, mechanism=MECHANISM,
                               extra=["--subscribe", "online/scram", "--session-expiry",
                                      str(SESSION_EXPIRY)])
        self.addCleanup(live.stop)
        live.wait_connected()
        self.assertTrue(wait_for(lambda: live.saw("subscribed"), 5.0), live.describe())

        broker.write_config(self.policy_text(identities=(PUBLISHER, NEWCOMER)))
        self.assertTrue(broker.reload(), "the reload should be applied\n" + broker.describe())
        self.assertTrue(live.stays_connected(),
                        f"the online SCRAM session was dropped\n{live.describe()}\n"
                        + broker.describe())
        self.assertEqual(self.refusals(broker, client_id), [], broker.describe())
        # The session still works: a message on its subscription arrives.
        self.assertConnects(broker, client_id=unique_client_id("offline-publisher"),
                            username="offline-publisher", password=PUBLISHER_SECRET,
                            topic="online/scram", message="after-the-reload")
        self.assertTrue(wait_for(lambda: any(event.get("payload") == "after-the-reload"
                                             for event in live.events()), 5.0),
                        f"{live.describe()}\n{broker.describe()}")


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: Apache-2.0
"""Topic permissions (SPEC "auth.yaml" permissions:, issue 3) against a real Mosquitto with the
built plugin, observed the way a client sees them: what mosquitto_sub receives, and SUBACK codes.

A dropped PUBLISH is invisible to an MQTT 3.1.1 publisher (Mosquitto still sends the PUBACK), so
each test proves a message was NOT delivered with a marker: the message, then a marker the
subscriber may receive, then a wait for the marker alone (see mqauth_harness.Subscriber for why
the order is guaranteed). Payloads are unique per call, so one class's broker serves all its tests.
"""

import itertools
import os
import re
import shutil
import tempfile
import unittest

from mqauth_harness import (
    Broker,
    BrokerTestCase,
    auth_yaml,
    client_rule,
    diagnostic_pattern,
    pub,
    run_cli,
    signed_password,
    sub_collect,
    unique_client_id,
    user_identity,
    user_rule,
    wait_for,
)

REFUSED = 128  # a SUBACK return code: MQTT 3.1.1 "failure"

# Two trusted clients: FEEDER may publish anywhere, WATCHER may read anywhere. They are the source
# and the observer when the subject of a test is another client's publish or delivery.
FEEDER = "feeder"
WATCHER = "watcher"
TRUSTED_RULES = [user_rule(FEEDER, "#", "PUB"), user_rule(WATCHER, "#", "SUB")]

_payload_numbers = itertools.count(1)


def secret_of(username):
    return f"{username}-perm-secret-5e2c"


def identities(*usernames):
    return [user_identity(name, secret_of(name)) for name in usernames]


def login(username, client_id=None):
    """Connection arguments for a USER identity created by identities()."""
    return dict(client_id=client_id or unique_client_id(username), username=username,
                password=secret_of(username))


def anonymous(client_id=None):
    return dict(client_id=client_id or unique_client_id("anon"))


def payload(label):
    return f"{label}-{next(_payload_numbers)}"


class PermissionTestCase(BrokerTestCase):
    def publish(self, broker, client, topic, message):
        """One QoS 1 publish; exit 0 means the broker accepted the CONNECT and answered the
        PUBLISH, whether or not it dropped the message."""
        rc, stderr = pub(broker, topic=topic, message=message, **client)
        self.assertEqual(rc, 0, f"{client} could not publish to {topic}: {stderr!r}\n"
                                + broker.describe())
        return topic, message

    def subscribe(self, broker, client, *topics):
        return self.start_subscriber(broker, topics=topics, **client)

    def assertGranted(self, subscriber, expected):
        self.assertEqual(subscriber.granted(), expected,
                         "SUBACK codes per topic (128 = refused)\n" + subscriber.describe())

    def assertMarkerArrivesWithout(self, subscriber, marker, *absent):
        """The marker arrives, and none of `absent` (sent before it) arrived at all."""
        received = subscriber.wait_for_message(*marker)
        self.assertIsNotNone(received, f"the marker {marker} never arrived, so the subscriber "
                                       f"proves nothing\n{subscriber.describe()}")
        for message in absent:
            self.assertNotIn(message, received, f"{message} should have been withheld\n"
                                                + subscriber.describe())

    def assertDebugLine(self, broker, pattern):
        """Harness brokers run with `log_type all`, so the plugin's debug lines are logged."""
        self.assertIsNotNone(broker.wait_for_log_line(pattern),
                             f"no log line /{pattern}/\n{broker.describe()}")


class TopicRulesTest(PermissionTestCase):
    @classmethod
    def setUpClass(cls):
        rules = TRUSTED_RULES + [
            user_rule("writer", "pub/allowed/#", "PUB"),
            user_rule("narrow", "sub/b", "SUB"),
            user_rule("narrow", "lvl/+", "SUB"),
            # "mixed": the DENY is wider than one ALLOW and listed before it; it still wins.
            user_rule("mixed", "mix/#", "PUB_SUB"),
            user_rule("mixed", "mix/secret/#", "PUB_SUB", "DENY"),
            user_rule("mixed", "mix/secret/exact", "PUB_SUB"),
            user_rule("sharer", "jobs/#", "SUB"),
        ]
        cls.broker = cls.start_class_broker(auth_yaml(
            identities(FEEDER, WATCHER, "writer", "narrow", "mixed", "sharer"), rules=rules))

    def test_publish_outside_the_allowed_topics_never_reaches_a_subscriber(self):
        watcher = self.subscribe(self.broker, login(WATCHER), "pub/#")
        writer = login("writer")
        denied = self.publish(self.broker, writer, "pub/forbidden/x", payload("denied"))
        allowed = self.publish(self.broker, writer, "pub/allowed/x", payload("allowed"))
        self.assertMarkerArrivesWithout(watcher, allowed, denied)
        self.assertDebugLine(self.broker, rf"mqauth: denied PUBLISH client_id="
                                          rf"{re.escape(writer['client_id'])} "
                                          rf"topic=pub/forbidden/x reason=topic_denied")

    def test_subscription_wider_than_the_allowed_topic_is_refused(self):
        narrow = login("narrow")
        subscriber = self.subscribe(self.broker, narrow, "sub/#")
        self.assertGranted(subscriber, [REFUSED])
        # mosquitto_sub gives up when the SUBACK refuses every topic.
        self.assertTrue(subscriber.exited(), subscriber.describe())
        self.assertIn("All subscription requests were denied.", subscriber.output())
        self.assertDebugLine(self.broker, rf"mqauth: denied SUBSCRIBE client_id="
                                          rf"{re.escape(narrow['client_id'])} topic=sub/# "
                                          rf"reason=topic_denied")

    def test_refused_subscriptions_receive_nothing_while_the_allowed_one_receives(self):
        # One connection, one SUBSCRIBE: the wider filters are refused, the exact one granted.
        subscriber = self.subscribe(self.broker, login("narrow"), "sub/#", "sub/+", "sub/b")
        self.assertGranted(subscriber, [REFUSED, REFUSED, 0])
        feeder = login(FEEDER)
        outside = self.publish(self.broker, feeder, "sub/c", payload("outside"))
        allowed = self.publish(self.broker, feeder, "sub/b", payload("allowed"))
        self.assertMarkerArrivesWithout(subscriber, allowed, outside)

    def test_single_level_rule_does_not_cover_a_multi_level_subscription(self):
        subscriber = self.subscribe(self.broker, login("narrow"), "lvl/#", "lvl/+/x", "lvl/+")
        self.assertGranted(subscriber, [REFUSED, REFUSED, 0])
        feeder = login(FEEDER)
        deeper = self.publish(self.broker, feeder, "lvl/a/x", payload("deeper"))
        allowed = self.publish(self.broker, feeder, "lvl/a", payload("allowed"))
        self.assertMarkerArrivesWithout(subscriber, allowed, deeper)

    def test_deny_beats_allow_for_publish(self):
        watcher = self.subscribe(self.broker, login(WATCHER), "mix/#")
        mixed = login("mixed")
        exact = self.publish(self.broker, mixed, "mix/secret/exact", payload("exact"))
        other = self.publish(self.broker, mixed, "mix/secret/other", payload("other"))
        marker = self.publish(self.broker, mixed, "mix/open", payload("open"))
        self.assertMarkerArrivesWithout(watcher, marker, exact, other)

    def test_deny_beats_allow_for_delivery(self):
        # SPEC: the subscription mix/# is allowed by ALLOW mix/# although a DENY lies inside it;
        # every delivery is checked again, so the denied topics never arrive.
        subscriber = self.subscribe(self.broker, login("mixed"), "mix/#")
        self.assertGranted(subscriber, [0])
        feeder = login(FEEDER)
        exact = self.publish(self.broker, feeder, "mix/secret/exact", payload("exact"))
        other = self.publish(self.broker, feeder, "mix/secret/other", payload("other"))
        marker = self.publish(self.broker, feeder, "mix/open", payload("open"))
        self.assertMarkerArrivesWithout(subscriber, marker, exact, other)

    def test_shared_subscription_is_checked_against_its_filter(self):
        subscriber = self.subscribe(self.broker, login("sharer"),
                                    "$share/g/jobs/#", "$share/g/other/#", "$share/g/#")
        self.assertGranted(subscriber, [0, REFUSED, REFUSED])
        feeder = login(FEEDER)
        other = self.publish(self.broker, feeder, "other/x", payload("other"))
        job = self.publish(self.broker, feeder, "jobs/x", payload("job"))
        self.assertMarkerArrivesWithout(subscriber, job, other)


def signed_login(username, client_id):
    """Connection arguments for a SIGNED identity: the password proves the client id."""
    return dict(client_id=client_id, username=username,
                password=signed_password(secret_of(username), client_id))


class RuleSubjectTest(PermissionTestCase):
    """USER rules go by username, CLIENT rules by client id; a client gets both, but CLIENT rules
    only when its login proved the client id (README "Client ids"): here "team" signs, "loose"
    does not."""

    BANNED_ID = "team-banned-1"
    EXTRA_ID = "team-extra-1"
    ANONYMOUS_ID = "anon-granted-1"

    @classmethod
    def setUpClass(cls):
        rules = TRUSTED_RULES + [
            user_rule("team", "team/#", "PUB"),
            user_rule("loose", "team/#", "PUB"),
            client_rule(cls.BANNED_ID, "team/#", "PUB", "DENY"),
            client_rule(cls.EXTRA_ID, "extra/#", "PUB"),
            client_rule(cls.ANONYMOUS_ID, "anon/#", "PUB"),
        ]
        team = user_identity("team", secret_of("team"), sign_mode="SIGNED")
        cls.broker = cls.start_class_broker(auth_yaml(
            identities(FEEDER, WATCHER, "loose") + [team], anonymous="allow", rules=rules))

    def test_client_deny_overrides_the_user_allow_for_that_client_id_only(self):
        watcher = self.subscribe(self.broker, login(WATCHER), "team/#")
        banned = self.publish(self.broker, signed_login("team", self.BANNED_ID), "team/x",
                              payload("banned"))
        member = self.publish(self.broker, signed_login("team", unique_client_id("team")),
                              "team/x", payload("member"))
        self.assertMarkerArrivesWithout(watcher, member, banned)

    def test_client_allow_adds_to_the_user_rules_for_that_client_id_only(self):
        watcher = self.subscribe(self.broker, login(WATCHER), "extra/#")
        member = self.publish(self.broker, signed_login("team", unique_client_id("team")),
                              "extra/x", payload("member"))
        extra = self.publish(self.broker, signed_login("team", self.EXTRA_ID), "extra/x",
                             payload("extra"))
        self.assertMarkerArrivesWithout(watcher, extra, member)

    def test_an_unproven_client_id_gains_no_client_rules(self):
        watcher = self.subscribe(self.broker, login(WATCHER), "extra/#", "anon/#", "team/#")
        # An ORIGIN password and an anonymous login prove no client id: the CLIENT rules of the
        # ids they chose do not apply to them.
        loose = self.publish(self.broker, login("loose", self.EXTRA_ID), "extra/x",
                             payload("loose"))
        ungranted = self.publish(self.broker, anonymous(self.ANONYMOUS_ID), "anon/x",
                                 payload("ungranted"))
        # USER rules go by username: an anonymous client whose client id happens to be a
        # username with rules gets none of them.
        namesake = self.publish(self.broker, anonymous("team"), "team/x", payload("namesake"))
        # Nor does a CLIENT DENY hold back a client that did not prove that id.
        unbanned = self.publish(self.broker, login("loose", self.BANNED_ID), "team/x",
                                payload("unbanned"))
        self.assertMarkerArrivesWithout(watcher, unbanned, loose, ungranted, namesake)


class PlaceholderTest(PermissionTestCase):
    @classmethod
    def setUpClass(cls):
        rules = TRUSTED_RULES + [
            user_rule("fleet", "devices/%c/#", "PUB_SUB"),
            user_rule("alice", "home/%u/#", "PUB"),
            user_rule("bob", "home/%u/#", "PUB"),
            user_rule("rooted", "%c/#", "SUB"),
        ]
        cls.broker = cls.start_class_broker(auth_yaml(
            identities(FEEDER, WATCHER, "fleet", "alice", "bob", "rooted"), rules=rules))

    def test_a_leading_placeholder_never_expands_to_a_dollar_level(self):
        # "%c/#" must not hand the broker's statistics to a client whose id is "$SYS".
        dollar = self.subscribe(self.broker, login("rooted", "$SYS"), "$SYS/#")
        self.assertGranted(dollar, [REFUSED])
        own = self.subscribe(self.broker, login("rooted", "rooted-dev-1"), "rooted-dev-1/#")
        self.assertGranted(own, [0])

    def test_device_publishes_in_its_own_subtree_but_not_in_another_devices(self):
        watcher = self.subscribe(self.broker, login(WATCHER), "devices/#")
        device = login("fleet", "dev-1")
        foreign = self.publish(self.broker, device, "devices/dev-2/t", payload("foreign"))
        own = self.publish(self.broker, device, "devices/dev-1/t", payload("own"))
        self.assertMarkerArrivesWithout(watcher, own, foreign)

    def test_device_subscribes_to_its_own_subtree_but_not_to_another_devices(self):
        subscriber = self.subscribe(self.broker, login("fleet", "dev-3"),
                                    "devices/dev-4/#", "devices/+/#", "devices/dev-3/#")
        self.assertGranted(subscriber, [REFUSED, REFUSED, 0])

    def test_user_placeholder_confines_each_user_to_its_own_subtree(self):
        watcher = self.subscribe(self.broker, login(WATCHER), "home/#")
        alice = login("alice")
        foreign = self.publish(self.broker, alice, "home/bob/t", payload("foreign"))
        own = self.publish(self.broker, alice, "home/alice/t", payload("own"))
        self.assertMarkerArrivesWithout(watcher, own, foreign)

    def test_client_id_with_a_slash_gets_nothing_through_the_placeholder(self):
        # Substituting "a/b" for %c as text would grant devices/a/b/#, inside device "a".
        watcher = self.subscribe(self.broker, login(WATCHER), "devices/#")
        slashed = login("fleet", "a/b")
        widened = self.publish(self.broker, slashed, "devices/a/b/t", payload("widened"))
        marker = self.publish(self.broker, login(FEEDER), "devices/marker/t", payload("marker"))
        self.assertMarkerArrivesWithout(watcher, marker, widened)
        subscriber = self.subscribe(self.broker, slashed, "devices/a/b/#")
        self.assertGranted(subscriber, [REFUSED])

    def test_wildcard_client_ids_get_nothing_through_the_placeholder(self):
        # Substituted as text, "+" and "#" would turn devices/%c/# into every device's subtree.
        plus = self.subscribe(self.broker, login("fleet", "+"), "devices/+/#", "devices/+/t")
        self.assertGranted(plus, [REFUSED, REFUSED])
        hashed = self.subscribe(self.broker, login("fleet", "#"), "devices/#")
        self.assertGranted(hashed, [REFUSED])


class SysTopicTest(PermissionTestCase):
    @classmethod
    def setUpClass(cls):
        rules = [
            user_rule("everything", "#", "SUB"),
            user_rule("anylevel", "+/broker/#", "SUB"),
            user_rule("ops", "$SYS/#", "SUB"),
        ]
        # sys_interval 1: Mosquitto republishes its $SYS statistics every second.
        cls.broker = cls.start_class_broker(
            auth_yaml(identities("everything", "anylevel", "ops"), rules=rules),
            extra_conf=["sys_interval 1"])

    def test_leading_wildcard_rules_do_not_grant_sys_topics(self):
        everything = self.subscribe(self.broker, login("everything"),
                                    "$SYS/#", "$SYS/broker/uptime")
        self.assertGranted(everything, [REFUSED, REFUSED])
        anylevel = self.subscribe(self.broker, login("anylevel"), "$SYS/broker/#")
        self.assertGranted(anylevel, [REFUSED])

    def test_explicit_sys_rule_receives_broker_stats(self):
        ops = self.subscribe(self.broker, login("ops"), "$SYS/#")
        self.assertGranted(ops, [0])
        # The first uptime is the retained one sent on subscribing; a second one can only be
        # a periodic publish, so live deliveries pass the check too.
        self.assertTrue(
            wait_for(lambda: [m for m in ops.messages() if m[0] == "$SYS/broker/uptime"][1:], 5.0),
            "no periodic $SYS/broker/uptime arrived\n" + ops.describe())


class NoMatchTest(PermissionTestCase):
    @classmethod
    def setUpClass(cls):
        users = identities(FEEDER, WATCHER, "free", "blocked")
        cls.allow_broker = cls.start_class_broker(auth_yaml(
            users, no_match="ALLOW", rules=[user_rule("blocked", "open/blocked", "PUB", "DENY")]))
        cls.deny_broker = cls.start_class_broker(auth_yaml(
            users, no_match="DENY",
            rules=[user_rule(FEEDER, "#", "PUB"), user_rule(WATCHER, "closed/#", "SUB")]))
        cls.absent_broker = cls.start_class_broker(auth_yaml(users, anonymous="allow"))

    def test_no_match_allow_lets_clients_without_rules_publish_and_subscribe(self):
        subscriber = self.subscribe(self.allow_broker, login("free"), "open/#")
        self.assertGranted(subscriber, [0])
        message = self.publish(self.allow_broker, login("free"), "open/x", payload("free"))
        self.assertIsNotNone(subscriber.wait_for_message(*message), subscriber.describe())

    def test_no_match_allow_still_honours_deny_rules(self):
        watcher = self.subscribe(self.allow_broker, login(WATCHER), "open/#")
        blocked = self.publish(self.allow_broker, login("blocked"), "open/blocked",
                               payload("blocked"))
        marker = self.publish(self.allow_broker, login("free"), "open/blocked", payload("free"))
        self.assertMarkerArrivesWithout(watcher, marker, blocked)

    def test_no_match_deny_refuses_and_drops_what_no_rule_allows(self):
        subscriber = self.subscribe(self.deny_broker, login("free"), "closed/#")
        self.assertGranted(subscriber, [REFUSED])
        watcher = self.subscribe(self.deny_broker, login(WATCHER), "closed/#")
        dropped = self.publish(self.deny_broker, login("free"), "closed/x", payload("free"))
        marker = self.publish(self.deny_broker, login(FEEDER), "closed/x", payload("marker"))
        self.assertMarkerArrivesWithout(watcher, marker, dropped)

    def test_absent_permissions_section_denies_everything_and_says_so_once(self):
        warnings = self.absent_broker.log_lines_matching(r"mqauth: .*no permissions section")
        self.assertEqual(len(warnings), 1, self.absent_broker.describe())
        for client in (login("free"), anonymous()):
            subscriber = self.subscribe(self.absent_broker, client, "#")
            self.assertGranted(subscriber, [REFUSED])
        # Nobody can subscribe, so the dropped publish shows only in the debug log.
        client = login(FEEDER)
        self.publish(self.absent_broker, client, "any/x", payload("any"))
        self.assertDebugLine(self.absent_broker,
                             rf"mqauth: denied PUBLISH client_id={re.escape(client['client_id'])}"
                             rf" topic=any/x reason=topic_denied")


class PermissionReloadTest(PermissionTestCase):
    """Each test rewrites auth.yaml, so each gets its own broker."""

    USERS = identities(FEEDER, WATCHER, "reader", "writer")

    def test_reload_stops_deliveries_to_a_connected_subscriber_without_reconnecting(self):
        rules = [user_rule(FEEDER, "#", "PUB"), user_rule("reader", "r/#", "SUB"),
                 user_rule("reader", "m/#", "SUB")]
        broker = self.start_broker(auth_yaml(self.USERS, rules=rules))
        reader = self.subscribe(broker, login("reader"), "r/#", "m/#")
        self.assertGranted(reader, [0, 0])
        feeder = login(FEEDER)
        before = self.publish(broker, feeder, "r/x", payload("before"))
        self.assertIsNotNone(reader.wait_for_message(*before), reader.describe())

        broker.write_config(auth_yaml(
            self.USERS, rules=rules + [user_rule("reader", "r/#", "SUB", "DENY")]))
        self.assertTrue(broker.reload(), "the reload should be applied\n" + broker.describe())
        after = self.publish(broker, feeder, "r/x", payload("after"))
        marker = self.publish(broker, feeder, "m/x", payload("marker"))
        self.assertMarkerArrivesWithout(reader, marker, after)
        self.assertEqual(reader.connects(), 1, "the subscriber had to reconnect\n"
                                               + reader.describe())

    def test_reload_lets_a_connected_publisher_publish_a_newly_allowed_topic(self):
        broker = self.start_broker(auth_yaml(self.USERS, rules=TRUSTED_RULES))
        watcher = self.subscribe(broker, login(WATCHER), "n/#")
        writer = self.start_live_client(broker, **login("writer"), topic="n/x")
        writer.send("before")
        # MQTT 5 PUBACK 135 "not authorised": the broker dropped it.
        self.assertEqual(writer.wait_pubacks(1), [135], writer.describe())
        marker = self.publish(broker, login(FEEDER), "n/marker", payload("marker"))
        self.assertMarkerArrivesWithout(watcher, marker, ("n/x", "before"))

        broker.write_config(auth_yaml(self.USERS,
                                      rules=TRUSTED_RULES + [user_rule("writer", "n/#", "PUB")]))
        self.assertTrue(broker.reload(), "the reload should be applied\n" + broker.describe())
        writer.send("after")
        self.assertEqual(writer.wait_pubacks(2), [135, 0], writer.describe())
        self.assertIsNotNone(watcher.wait_for_message("n/x", "after"),
                             f"{watcher.describe()}\n{writer.describe()}")
        self.assertFalse(writer.disconnected(), "the publisher had to reconnect\n"
                                                + writer.describe())

    def test_messages_queued_for_an_offline_session_follow_the_reloaded_rules(self):
        # What a reload retracts from messages already queued (README "Reload"): Mosquitto
        # checks read access when it queues a message and again, for a session's queue, when its
        # client reconnects; a message already handed to a connected client is not recalled.
        rules = [user_rule(FEEDER, "#", "PUB"), user_rule("reader", "q/#", "SUB"),
                 user_rule("writer", "q/#", "SUB")]
        broker = self.start_broker(auth_yaml(self.USERS, rules=rules))
        sessions = {name: dict(login(name), client_id=unique_client_id(f"queued-{name}"))
                    for name in ("reader", "writer")}
        for client in sessions.values():  # clean session off: the session stays offline
            rc, _, stderr = sub_collect(broker, **client, topic="q/#", count=1, seconds=1,
                                        extra=["-c", "-q", "1", "-E"])
            self.assertEqual(rc, 0, stderr + broker.describe())
        queued = self.publish(broker, login(FEEDER), "q/x", payload("queued"))

        broker.write_config(auth_yaml(self.USERS, rules=rules[:2]))  # "writer" loses q/#
        self.assertTrue(broker.reload(), "the reload should be applied\n" + broker.describe())
        received = {}
        for name, client in sessions.items():
            rc, lines, stderr = sub_collect(broker, **client, topic="q/#", count=1, seconds=2,
                                            extra=["-c", "-q", "1"])
            received[name] = lines
        self.assertEqual(received["reader"], [" ".join(queued)], broker.describe())
        self.assertEqual(received["writer"], [], broker.describe())

    def test_invalid_filter_on_reload_is_rejected_and_the_old_rules_stay(self):
        broker = self.start_broker(auth_yaml(
            self.USERS, rules=TRUSTED_RULES + [user_rule("writer", "v/old", "PUB")]))
        # The broken file also drops v/old and adds v/new, so a partial apply would show.
        broken = auth_yaml(self.USERS, rules=TRUSTED_RULES + [user_rule("writer", "v/new", "PUB"),
                                                              user_rule("writer", "a+", "PUB")])
        broker.write_config(broken)
        self.assertFalse(broker.reload(), "the reload should be rejected\n" + broker.describe())
        pattern = diagnostic_pattern(broker.auth_path, broken, "permissions.rules[3].topic",
                                     "topic", "a+")
        self.assertTrue(broker.log_lines_matching(pattern),
                        f"the log should say /{pattern}/\n{broker.describe()}")
        check = run_cli("check", broker.auth_path)
        self.assertEqual(check.returncode, 1, check.stdout + check.stderr)
        self.assertRegex(check.stdout + check.stderr, pattern)

        watcher = self.subscribe(broker, login(WATCHER), "v/#")
        writer = login("writer")
        new = self.publish(broker, writer, "v/new", payload("new"))
        old = self.publish(broker, writer, "v/old", payload("old"))
        self.assertMarkerArrivesWithout(watcher, old, new)


class InvalidFilterTest(BrokerTestCase):
    INVALID_FILTERS = ["a/#/b", "a+", ""]

    def test_invalid_filter_at_start_up_stops_the_broker_naming_the_rule(self):
        broken = auth_yaml(identities("u"), rules=[user_rule("u", "a/#/b", "PUB_SUB")])
        broker = Broker(broken)
        self.addCleanup(broker.close)
        exit_code, text = broker.start_expecting_failure()
        self.assertNotEqual(exit_code, 0, text)
        self.assertRegex(text, diagnostic_pattern(broker.auth_path, broken,
                                                  "permissions.rules[0].topic", "topic", "a/#/b"))

    def test_check_rejects_each_invalid_filter_naming_its_rule(self):
        directory = tempfile.mkdtemp(prefix="mqauth-it-cli-")
        self.addCleanup(shutil.rmtree, directory, ignore_errors=True)
        path = os.path.join(directory, "auth.yaml")
        for topic in self.INVALID_FILTERS:
            with self.subTest(topic=topic):
                text = auth_yaml(identities("u"), rules=[user_rule("u", "ok/#", "PUB"),
                                                         user_rule("u", topic, "SUB")])
                with open(path, "w", encoding="utf-8") as file:
                    file.write(text)
                check = run_cli("check", path)
                output = check.stdout + check.stderr
                self.assertEqual(check.returncode, 1, output)
                self.assertRegex(output, diagnostic_pattern(
                    path, text, "permissions.rules[1].topic", "topic", topic))

if __name__ == "__main__":
    unittest.main()

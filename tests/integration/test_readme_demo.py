# SPDX-License-Identifier: Apache-2.0
"""README's demo (issue 19): every mosquitto_pub / mosquitto_sub line of the block under
"### Demo credentials" does what the comment above it says, against a real broker serving the
repository's config/auth.yaml as it is (on a free port: `-p 1883` is rewritten).

The lines are read from README.md, not copied here. Each command's comment (the `#` lines just
above it) starts with what it claims, one of:
- `accepted`: the client connects and its message is delivered: a subscriber that
  config/auth.yaml lets read the topic (READERS below) receives it;
- `refused (REASON)`: the CONNECT is refused, mosquitto_pub exits with CONNACK 5 "not
  authorised", and the broker logs one refusal of that client id with reason REASON;
- `publish refused`: the client connects and its publish is dropped: a subscriber of the topic
  does not receive it (a marker published after it arrives alone); run again without `-V 5`
  (MQTT 3.1.1), mosquitto_pub prints nothing, as the comment says;
- `subscription refused`: mosquitto_sub is refused its only topic and exits by itself.
Every `prints "TEXT"` in a comment is a line the command must print (stdout or stderr), and
every command must exit as the claim says. A comment line right after a command (no blank line
between), such as `(the same, computed: -P "$(build/mqauth sign ...)")`, is a note on it: a
`mqauth sign` in it must print the password the command gives with -P. A command without one of
these claims fails the test, so that a new demo line cannot go untested.
"""

import contextlib
import os
import re
import shlex
import shutil
import unittest

from mqauth_harness import (
    RC_NOT_AUTHORISED,
    Broker,
    BrokerTestCase,
    HarnessError,
    Subscriber,
    pub,
    required_path,
    run_cli,
    run_process,
    tool,
    wait_for,
)

REPOSITORY = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
README_PATH = os.path.join(REPOSITORY, "README.md")
AUTH_YAML = os.path.join(REPOSITORY, "config", "auth.yaml")
DEMO_HEADING = "### Demo credentials"

# Who config/auth.yaml lets read what: the subscriber that watches a demo line's topic.
READERS = [
    ("demo/#", {"client_id": "readme-reader-demo", "username": "demo",
                "password": "demo-secret"}),
    ("devices/+/telemetry", {"client_id": "GID_demo@@@gateway", "username": "gateway",
                             "password": "gateway-secret"}),
]
MARKER_PUBLISHER = {"client_id": "readme-marker", "username": "demo", "password": "demo-secret",
                    "topic": "demo/readme-marker", "message": "marker"}

CLAIM = re.compile(r"^(accepted\b|refused \((\w+)\)|publish refused\b|subscription refused\b)")
PRINTS = re.compile(r'prints\s+"([^"]+)"')
SIGN_NOTE = re.compile(r'\$\((?:build/)?mqauth (sign [^)]*)\)')


class DemoLine:
    """A command of the demo block, its comment (joined into one line) and its notes."""

    def __init__(self, command, comment, line_number):
        self.command = command
        self.comment = comment
        self.line_number = line_number
        self.notes = []

    def __str__(self):
        return f"README.md:{self.line_number}: {self.command}"

    @property
    def args(self):
        return shlex.split(self.command)

    def option(self, name):
        args = self.args
        return args[args.index(name) + 1] if name in args else None


def demo_block():
    """The lines of the first ```sh block after the demo heading, with their line numbers."""
    with open(README_PATH, encoding="utf-8") as file:
        lines = file.read().split("\n")
    try:
        start = next(number for number, line in enumerate(lines)
                     if line.startswith(DEMO_HEADING))
        opening = next(number for number in range(start, len(lines))
                       if lines[number].strip() == "```sh")
        closing = next(number for number in range(opening + 1, len(lines))
                       if lines[number].strip() == "```")
    except StopIteration:
        raise HarnessError(f"README.md has no ```sh block after a {DEMO_HEADING!r} heading") \
            from None
    return [(number + 1, lines[number]) for number in range(opening + 1, closing)]


def demo_lines():
    commands = []
    comment = []
    after_command = False  # comment lines right after a command are notes on it
    for number, line in demo_block():
        text = line.strip()
        if not text:
            comment, after_command = [], False
        elif text.startswith("#"):
            if after_command:
                commands[-1].notes.append(text.lstrip("#").strip())
            else:
                comment.append(text.lstrip("#").strip())
        else:
            commands.append(DemoLine(text, " ".join(comment), number))
            comment, after_command = [], True
    return commands


def topic_matches(filter_, topic):
    filter_levels, topic_levels = filter_.split("/"), topic.split("/")
    for index, level in enumerate(filter_levels):
        if level == "#":
            return True
        if index >= len(topic_levels) or (level != "+" and level != topic_levels[index]):
            return False
    return len(filter_levels) == len(topic_levels)


def reader_of(topic):
    for filter_, client in READERS:
        if topic_matches(filter_, topic):
            return filter_, client
    raise HarnessError(f"no reader in READERS may read {topic}")


class ReadmeDemoTest(BrokerTestCase):

    @classmethod
    def setUpClass(cls):
        with open(AUTH_YAML, encoding="utf-8") as file:
            text = file.read()
        broker = Broker(text)
        # The harness switches failed-login throttling off in the files it writes; the demo is
        # served as it is, so the file goes in unchanged.
        shutil.copyfile(AUTH_YAML, broker.auth_path)
        cls.addClassCleanup(broker.close_expecting_clean_exit)
        cls.broker = broker.start()

    def run_demo_command(self, line, args=None):
        """Runs the line against the test's broker; returns (exit status, output)."""
        args = list(args or line.args)
        self.assertIn(args[0], ("mosquitto_pub", "mosquitto_sub"), str(line))
        self.assertEqual(line.option("-h"), "127.0.0.1", f"{line}: the demo targets 127.0.0.1")
        self.assertEqual(line.option("-p"), "1883", f"{line}: the demo broker's port is 1883")
        args[args.index("-p") + 1] = str(self.broker.port)
        args[0] = tool(args[0].upper(), f"/usr/bin/{args[0]}")
        result = run_process(args)
        return result.returncode, result.stdout + result.stderr

    def assertPrints(self, line, output):
        for expected in PRINTS.findall(line.comment):
            self.assertIn(expected, output.splitlines(),
                          f"{line}: its comment says it prints {expected!r}")

    @contextlib.contextmanager
    def watching(self, topic):
        """A subscriber that may read `topic`, stopped afterwards (two readers with one client
        id would take each other's session over)."""
        filter_, client = reader_of(topic)
        subscriber = Subscriber(self.broker, topics=[filter_], **client)
        try:
            subscriber.wait_subscribed()
            self.assertEqual(subscriber.granted(), [0], subscriber.describe())
            yield subscriber
        finally:
            subscriber.stop()

    # -- the claims

    def check_accepted(self, line):
        topic, message = line.option("-t"), line.option("-m")
        with self.watching(topic) as subscriber:
            status, output = self.run_demo_command(line)
            self.assertEqual(status, 0, f"{line} should be accepted; it printed {output!r}\n"
                                        + self.broker.describe())
            self.assertPrints(line, output)
            self.assertIsNotNone(subscriber.wait_for_message(topic, message),
                                 f"{line}: the message never reached a reader of {topic}\n"
                                 + subscriber.describe())

    def check_refused(self, line, reason):
        client_id = line.option("-i")
        seen = len(self.broker.log_text())
        status, output = self.run_demo_command(line)
        self.assertEqual(status, RC_NOT_AUTHORISED,
                         f"{line} should be refused as not authorised; it printed {output!r}")
        self.assertPrints(line, output)
        refusal = re.compile(rf"mqauth: refused client_id={re.escape(client_id)} .*"
                             rf"reason={re.escape(reason)}\b")
        found = wait_for(lambda: refusal.findall(self.broker.log_text()[seen:]), 3.0)
        self.assertEqual(len(found or []), 1,
                         f"{line}: one refusal with reason {reason} should be logged\n"
                         + self.broker.describe())

    def check_publish_refused(self, line):
        topic, message = line.option("-t"), line.option("-m")
        self.assertTrue(PRINTS.search(line.comment), f"{line}: say what mosquitto_pub prints")
        with self.watching(topic) as subscriber:
            status, output = self.run_demo_command(line)
            self.assertEqual(status, 0, f"{line} should connect; it printed {output!r}")
            self.assertPrints(line, output)
            # Without -V 5 (MQTT 3.1.1) the client is told nothing, as the comment says.
            args = line.args
            if "-V" in args:
                del args[args.index("-V"):args.index("-V") + 2]
            status, quiet_output = self.run_demo_command(line, args)
            self.assertEqual((status, quiet_output.strip()), (0, ""),
                             f"{line} without -V 5 should print nothing")
            # mosquitto_pub -q 1 exits after its PUBACK, so a message the broker let through
            # would reach the subscriber before this marker (see Subscriber).
            rc, stderr = pub(self.broker, **MARKER_PUBLISHER)
            self.assertEqual(rc, 0, stderr)
            received = subscriber.wait_for_message(MARKER_PUBLISHER["topic"],
                                                   MARKER_PUBLISHER["message"])
            self.assertIsNotNone(received, subscriber.describe())
            self.assertNotIn((topic, message), received,
                             f"{line}: the refused message was delivered")

    def check_subscription_refused(self, line):
        status, output = self.run_demo_command(line)  # fails if mosquitto_sub does not exit
        self.assertPrints(line, output)
        self.assertTrue(PRINTS.search(line.comment), f"{line}: say what mosquitto_sub prints")

    def check_notes(self, line):
        for note in line.notes:
            for sign in SIGN_NOTE.findall(note):
                result = run_cli(*shlex.split(sign))
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(result.stdout.strip(), line.option("-P"),
                                 f"{line}: the note's `mqauth {sign}` prints another password")

    # -- the test

    def test_the_demo_block_is_found(self):
        lines = demo_lines()
        self.assertGreaterEqual(len(lines), 5)
        claims = {CLAIM.match(line.comment).group(1).split(" (")[0] for line in lines
                  if CLAIM.match(line.comment)}
        self.assertEqual(claims, {"accepted", "refused", "publish refused",
                                  "subscription refused"})

    def test_every_demo_line_does_what_its_comment_says(self):
        required_path("MQAUTH_CLI")
        for line in demo_lines():
            with self.subTest(str(line)):
                claim = CLAIM.match(line.comment)
                self.assertIsNotNone(claim, f"{line}: its comment should start with accepted, "
                                            "refused (REASON), publish refused or subscription "
                                            f"refused; it says {line.comment!r}")
                kind, reason = claim.group(1), claim.group(2)
                if kind == "accepted":
                    self.check_accepted(line)
                elif reason:
                    self.check_refused(line, reason)
                elif kind == "publish refused":
                    self.check_publish_refused(line)
                else:
                    self.check_subscription_refused(line)
                self.check_notes(line)


if __name__ == "__main__":
    unittest.main()

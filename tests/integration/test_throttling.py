"""Failed-login throttling (issue 9; an mqauth extension, `throttling:` in the config) against a
real Mosquitto: after too many failures from one address the broker refuses further CONNECTs
without checking them, logs the episode once, and lets the right password in again once the
back-off is over.
"""

import time
import unittest

from mqauth_harness import (
    RC_NOT_AUTHORISED,
    BrokerTestCase,
    auth_yaml,
    pub,
    unique_client_id,
    user_identity,
)

SECRET = "throttle-secret-9a2e"
BACKOFF_SECONDS = 3


def throttled_yaml(max_failures=3):
    return auth_yaml([user_identity("device", SECRET)]) + (
        "throttling:\n"
        f"  max_failures: {max_failures}\n"
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


if __name__ == "__main__":
    unittest.main()

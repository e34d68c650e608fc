# SPDX-License-Identifier: Apache-2.0
"""Reloads read the config on a worker thread (README "Reload"): the broker keeps serving under
the running policy while a big config is parsed, and the new policy takes over once it is ready.
"""

import signal
import time
import unittest

from mqauth_harness import (
    RELOAD_OUTCOME,
    BrokerTestCase,
    auth_yaml,
    pub,
    unique_client_id,
    user_identity,
    wait_for,
)

# Enough identities that parsing takes far longer than a CONNECT (seconds against milliseconds).
BIG = 200000


def big_config(secret):
    lines = [auth_yaml([user_identity("device", secret)]).rstrip("\n")]
    lines += [f"  - {{username: filler{i}, identity_type: USER, secret: s{i}, sign_mode: ORIGIN}}"
              for i in range(BIG)]
    return "\n".join(lines) + "\n"


class BackgroundReloadTest(BrokerTestCase):

    def login(self, broker, secret):
        return pub(broker, client_id=unique_client_id("reload"), username="device",
                   password=secret)[0]

    def test_the_broker_serves_under_the_old_policy_while_a_big_config_loads(self):
        broker = self.start_broker(auth_yaml([user_identity("device", "old-secret")]))
        broker.write_config(big_config("new-secret"))
        broker.process.send_signal(signal.SIGHUP)
        self.assertEqual(self.login(broker, "old-secret"), 0, broker.describe())
        self.assertEqual(RELOAD_OUTCOME.findall(broker.log_text()), [],
                         "the reload finished before the client was served: make BIG larger\n"
                         + broker.describe())
        self.assertTrue(wait_for(lambda: RELOAD_OUTCOME.findall(broker.log_text()), 120),
                        broker.describe())
        self.assertIn(f"{BIG + 1} identities", broker.log_text())
        self.assertEqual(self.login(broker, "new-secret"), 0, broker.describe())
        self.assertNotEqual(self.login(broker, "old-secret"), 0, broker.describe())

    def test_a_sighup_during_a_reload_loads_the_file_again(self):
        broker = self.start_broker(auth_yaml([user_identity("device", "first")]))
        broker.write_config(big_config("second"))
        broker.process.send_signal(signal.SIGHUP)
        time.sleep(0.2)  # the first load is under way (it takes seconds)
        broker.write_config(auth_yaml([user_identity("device", "third")]))
        broker.process.send_signal(signal.SIGHUP)
        # The plugin says so when the second SIGHUP finds the first load still running: without
        # this line the test would not have reached the queued reload at all.
        self.assertIsNotNone(broker.wait_for_log_line(
            r"mqauth: reload of .* queued: the previous one is still loading"),
            "the first load had finished before the second SIGHUP: make BIG larger\n"
            + broker.describe())
        self.assertTrue(wait_for(lambda: len(RELOAD_OUTCOME.findall(broker.log_text())) >= 2,
                                 120), broker.describe())
        self.assertEqual(len(RELOAD_OUTCOME.findall(broker.log_text())), 2, broker.describe())
        self.assertEqual(self.login(broker, "third"), 0, broker.describe())


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: Apache-2.0
"""`device_certificates.registry: {postgresql: CONNINFO}`: a fleet's brokers registering devices into
one PostgreSQL table. Real brokers, real device certificates over mutual TLS, and a real
PostgreSQL 15 server in a throw-away cluster of the test's own (postgres_cluster.py), which the
tests stop and start again while devices connect.

What a fleet needs from it: every broker sees every registration (the inventory is fleet-wide),
known devices keep connecting while the database is away, new ones are refused with
`registry_unavailable` and one log line per outage, the broker reconnects by itself, and a
database that stops answering costs the broker at most `timeout_ms` per attempt.
"""

import os
import re
import socket
import tempfile
import threading
import time
import unittest

from mqauth_harness import (
    BrokerTestCase,
    ClientTls,
    TlsListener,
    pub,
    run_cli,
    unique_client_id,
    wait_for,
)
from postgres_cluster import PostgresCluster
from tls_material import TlsMaterial, canonical_serial

# Back-off after a failed attempt: 1 s doubling up to 10 s (registry/postgresql_store.h), so a
# database that is back is used again within 10 s of the next new device.
RECOVERY_TIMEOUT = 30.0


class SharedRegistryTest(BrokerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.tls = TlsMaterial()
        cls.addClassCleanup(cls.tls.cleanup)
        cls.root = cls.tls.certificate_authority("mqauth fleet root", name="fleet-root")
        cls.server = cls.tls.server_certificate("broker", issuer=cls.root)
        cls.listener = TlsListener(certfile=cls.server.cert, keyfile=cls.server.key)
        cls.database = PostgresCluster().start()
        cls.addClassCleanup(cls.database.close)
        cls.secrets = tempfile.mkdtemp(prefix="mqauth-registry-secret-")
        cls.password_file = os.path.join(cls.secrets, "registry.pass")
        with open(cls.password_file, "w", encoding="utf-8") as file:
            file.write(cls.database.password + "\n")

    def setUp(self):
        self.database.start()  # a test may have left it stopped
        self.database.query("DROP TABLE IF EXISTS mqauth_devices")

    # -- helpers ---------------------------------------------------------------------------

    def auth_yaml(self, conninfo=None, password_file=None, timeout_ms=None):
        lines = [
            "version: 1",
            "anonymous: deny",
            "permissions:",
            "  no_match: ALLOW",
            "ca_certificates:",
            f"  - {{ca_name: fleet-ca, file: \"{self.root.cert}\"}}",
            "device_certificates:",
            "  registry:",
            f"    postgresql: \"{conninfo or self.database.conninfo()}\"",
            f"    password_file: \"{password_file or self.password_file}\"",
        ]
        if timeout_ms is not None:
            lines.append(f"    timeout_ms: {timeout_ms}")
        return "\n".join(lines) + "\n"

    def start_fleet_broker(self, **options):
        return self.start_broker(self.auth_yaml(**options), tls_listener=self.listener)

    def device(self):
        return self.tls.client_certificate(unique_client_id("device"), issuer=self.root)

    def connect(self, broker, device):
        """mosquitto_pub with the device's certificate: (exit code, stderr)."""
        return pub(broker, client_id=device.common_name,
                   tls=ClientTls(cafile=self.root.cert, cert=device.cert, key=device.key))

    def assertDeviceConnects(self, broker, device):
        rc, stderr = self.connect(broker, device)
        self.assertEqual(rc, 0, f"{device.common_name} should connect; mosquitto_pub said "
                                f"{stderr!r}\n{broker.describe()}")

    def assertDeviceRefused(self, broker, device, reason):
        rc, stderr = self.connect(broker, device)
        self.assertNotEqual(rc, 0, f"{device.common_name} should be refused\n{broker.describe()}")
        # registry_unavailable is an error, not a policy refusal: "error deciding ...".
        pattern = (rf"mqauth: (refused|error deciding) .*{re.escape(device.common_name)}\b"
                   rf".*reason={reason}\b")
        self.assertIsNotNone(broker.wait_for_log_line(pattern),
                             f"no refusal with reason={reason}\n{broker.describe()}")

    def registered_serials(self):
        rows = self.database.query("SELECT device_sn FROM mqauth_devices ORDER BY id")
        return [row[0] for row in rows]

    def registration_lines(self, broker, device):
        serial = re.escape(canonical_serial(device.serial))
        return broker.log_lines_matching(rf"registered device certificate device_sn={serial}\b")

    # -- a fleet-wide inventory ------------------------------------------------------------

    def test_two_brokers_register_into_one_table_and_each_knows_the_others_devices(self):
        east, west = self.start_fleet_broker(), self.start_fleet_broker()
        first, second = self.device(), self.device()
        self.assertDeviceConnects(east, first)
        self.assertDeviceConnects(west, second)
        serials = [canonical_serial(first.serial), canonical_serial(second.serial)]
        self.assertEqual(self.registered_serials(), serials)

        # Each broker admits the other's device as registered: no second row, no registration.
        self.assertDeviceConnects(west, first)
        self.assertDeviceConnects(east, second)
        self.assertEqual(self.registered_serials(), serials)
        self.assertEqual(len(self.registration_lines(east, first)), 1)
        self.assertEqual(self.registration_lines(west, first), [])

        # The inventory is the fleet's: `mqauth devices list` reads the shared table.
        listed = run_cli("devices", "list", "--config", east.auth_path)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        for device in (first, second):
            self.assertIn(canonical_serial(device.serial), listed.stdout)
        self.assertIn("CN=mqauth\\x20fleet\\x20root", listed.stdout)  # the issuer column

    def test_both_brokers_registering_one_new_device_at_once_keep_one_row(self):
        east, west = self.start_fleet_broker(), self.start_fleet_broker()
        device = self.device()
        results = []
        threads = [threading.Thread(target=lambda b=b: results.append(self.connect(b, device)))
                   for b in (east, west)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual([rc for rc, _ in results], [0, 0],
                         f"{results}\n{east.describe()}\n{west.describe()}")
        self.assertEqual(self.registered_serials(), [canonical_serial(device.serial)])

    def test_the_password_stays_out_of_the_broker_log(self):
        broker = self.start_fleet_broker()
        self.assertDeviceConnects(broker, self.device())
        self.database.stop()
        self.assertDeviceRefused(broker, self.device(), "registry_unavailable")
        self.assertNotIn(self.database.password, broker.all_text())

    # -- outages ---------------------------------------------------------------------------

    def test_while_the_database_is_stopped_known_devices_connect_and_new_ones_wait(self):
        broker = self.start_fleet_broker()
        known, newcomer, another = self.device(), self.device(), self.device()
        self.assertDeviceConnects(broker, known)

        self.database.stop()
        self.assertDeviceConnects(broker, known)
        self.assertDeviceRefused(broker, newcomer, "registry_unavailable")
        self.assertDeviceRefused(broker, another, "registry_unavailable")
        self.assertDeviceConnects(broker, known)
        outage = broker.log_lines_matching(r"mqauth: device registry postgresql .* is unreachable")
        self.assertEqual(len(outage), 1, "one line per outage\n" + broker.describe())

        self.database.start()
        self.assertTrue(wait_for(lambda: self.connect(broker, newcomer)[0] == 0,
                                 RECOVERY_TIMEOUT, interval=0.5),
                        "the broker did not reconnect by itself\n" + broker.describe())
        self.assertIsNotNone(broker.wait_for_log_line(
            r"mqauth: device registry postgresql .* is reachable again after \d+ s; "
            r"\d+ new devices were refused meanwhile"), broker.describe())
        self.assertIn(canonical_serial(newcomer.serial), self.registered_serials())

    def test_a_broker_starts_while_its_database_is_down_and_catches_up(self):
        self.database.stop()
        broker = self.start_fleet_broker()
        device = self.device()
        self.assertDeviceRefused(broker, device, "registry_unavailable")
        self.database.start()
        self.assertTrue(wait_for(lambda: self.connect(broker, device)[0] == 0,
                                 RECOVERY_TIMEOUT, interval=0.5), broker.describe())
        self.assertEqual(self.registered_serials(), [canonical_serial(device.serial)])

    def test_a_database_that_stops_answering_costs_the_broker_timeout_ms_not_more(self):
        # A server that accepts connections and never says a word: a hung database, or a
        # network that drops its packets after the handshake.
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        self.addCleanup(silent.close)
        port = silent.getsockname()[1]
        broker = self.start_fleet_broker(
            conninfo=f"host=127.0.0.1 port={port} dbname=mqauth user=nobody", timeout_ms=300)

        started = time.monotonic()
        self.assertDeviceRefused(broker, self.device(), "registry_unavailable")
        refused_after = time.monotonic() - started
        # mosquitto_pub's own TLS handshake and process start are in this figure too; the
        # registry's share is bounded by timeout_ms (0.3 s), far below libpq's blocking waits.
        self.assertLess(refused_after, 5.0, broker.describe())
        line = broker.wait_for_log_line(r"is unreachable: timed out")
        self.assertIsNotNone(line, broker.describe())

    def test_a_wrong_password_is_reported_without_the_password(self):
        wrong = os.path.join(self.secrets, "wrong.pass")
        with open(wrong, "w", encoding="utf-8") as file:
            file.write("not-the-password\n")
        broker = self.start_fleet_broker(password_file=wrong)
        self.assertDeviceRefused(broker, self.device(), "registry_unavailable")
        line = broker.wait_for_log_line(r"is unreachable: .*password authentication failed")
        self.assertIsNotNone(line, broker.describe())
        self.assertNotIn("not-the-password", broker.all_text())


if __name__ == "__main__":
    unittest.main()

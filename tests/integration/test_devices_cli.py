"""`mqauth devices list|activate|deactivate|revoke` (SPEC "Commands"): the built tool on temporary
configs and hand-written registry files (DevicesCliTest: no broker, since the verbs only read the
registry and edit the config for the next reload), then the tool and a real broker sharing one
config (DevicesCliWithBrokerTest: what the plugin registers is listed, and a decision the tool
records takes effect on SIGHUP).

The CA certificates are made with `openssl` once per class; DevicesCliTest chooses their serials,
so the expected `ca_sn` values are known.
"""

import os
import shutil
import subprocess
import tempfile
import unittest

from mqauth_harness import (
    BrokerTestCase,
    ClientTls,
    TlsListener,
    pub,
    run_cli,
    unique_client_id,
)
from tls_material import TlsMaterial, canonical_serial

FLEET_CA_SERIAL = "7F00"
RETIRED_CA_SERIAL = "BEEF"
RELOAD_HINT = "reload the broker to apply: kill -HUP $(pidof mosquitto)"
HEADER = ["device_sn", "ca_sn", "ca_name", "common_name", "not_after", "first_seen", "registry",
          "operator", "effective", "ca_status"]


def make_ca(directory, name, serial):
    """A self-signed EC P-256 CA certificate with the given hex serial; returns its path."""
    path = os.path.join(directory, f"{name}.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
         "-set_serial", f"0x{serial}", "-days", "30",
         "-keyout", os.path.join(directory, f"{name}.key"), "-out", path],
        check=True, capture_output=True, timeout=60)
    return path


def registry_entry(device_sn, ca_sn, ca_name, common_name, status="ACTIVE"):
    """One device as the plugin writes it in registry_file (certs/registry_format.cpp)."""
    return (f'  - device_sn: "{device_sn}"\n'
            f'    ca_sn: "{ca_sn}"\n'
            f'    ca_name: "{ca_name}"\n'
            f'    common_name: "{common_name}"\n'
            f'    not_before: "2026-01-01T00:00:00Z"\n'
            f'    not_after: "2027-01-01T00:00:00Z"\n'
            f'    first_seen: "2026-02-03T04:05:06Z"\n'
            f'    status: {status}\n')


def table_rows(stdout):
    """The list's lines split into columns; the header line first."""
    return [line.split() for line in stdout.splitlines()]


class DevicesCliTest(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.ca_dir = tempfile.mkdtemp(prefix="mqauth-devices-ca-")
        cls.fleet_ca = make_ca(cls.ca_dir, "fleet-ca", FLEET_CA_SERIAL)
        cls.retired_ca = make_ca(cls.ca_dir, "retired-ca", RETIRED_CA_SERIAL)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.ca_dir, ignore_errors=True)

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="mqauth-devices-")
        self.addCleanup(shutil.rmtree, self.directory, True)
        self.config = os.path.join(self.directory, "auth.yaml")
        self.registry = os.path.join(self.directory, "devices.yaml")

    # -- helpers ---------------------------------------------------------------------------

    def config_text(self, states=""):
        """A valid config with both CAs (the retired one INACTIVE) and a relative registry_file;
        `states` is appended under device_certificates as written."""
        return ("# plant floor broker\n"
                "version: 1\n"
                "ca_certificates:\n"
                "  - ca_name: fleet-ca\n"
                f"    file: {self.fleet_ca}\n"
                "  - ca_name: retired-ca   # replaced in 2026\n"
                f"    file: {self.retired_ca}\n"
                "    status: INACTIVE\n"
                "\n"
                "device_certificates:\n"
                "  registry_file: devices.yaml   # written by the plugin only\n"
                + states)

    def write(self, path, text):
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)

    def read(self, path):
        with open(path, encoding="utf-8") as file:
            return file.read()

    def write_registry(self, *entries):
        self.write(self.registry, "version: 1\ndevices:\n" + "".join(entries))

    def devices(self, *args):
        return run_cli("devices", *args)

    def assertExit(self, result, code):
        self.assertEqual(result.returncode, code,
                         f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")

    def list_rows(self, *args):
        result = self.devices("list", "--config", self.config, *args)
        self.assertExit(result, 0)
        rows = table_rows(result.stdout)
        self.assertEqual(rows[0], HEADER)
        return rows[1:]

    # -- help and usage --------------------------------------------------------------------

    def test_every_subcommand_prints_its_help_and_exits_0(self):
        for args in (["--help"], ["list", "--help"], ["activate", "--help"],
                     ["deactivate", "--help"], ["revoke", "-h"]):
            with self.subTest(args=args):
                result = self.devices(*args)
                self.assertExit(result, 0)
                self.assertIn("usage: mqauth devices", result.stdout)
                self.assertIn("Exit status", result.stdout)
        self.assertIn("devices", run_cli("--help").stdout)

    def test_usage_errors_exit_2_and_leave_the_config_alone(self):
        text = self.config_text()
        self.write(self.config, text)
        cases = {
            "no subcommand": [],
            "unknown subcommand": ["remove", "--config", self.config],
            "no config": ["revoke", "--device-sn", "1A", "--ca-sn", FLEET_CA_SERIAL],
            "no device serial": ["revoke", "--config", self.config, "--ca-sn", FLEET_CA_SERIAL],
            "no CA serial": ["activate", "--config", self.config, "--device-sn", "1A"],
            "serial not hex": ["revoke", "--config", self.config, "--device-sn", "serial=1A",
                               "--ca-sn", FLEET_CA_SERIAL],
            "CA serial not hex": ["deactivate", "--config", self.config, "--device-sn", "1A",
                                  "--ca-sn", "7G00"],
            "bad filter": ["list", "--config", self.config, "--device-sn", "xyz"],
            "unknown option": ["list", "--config", self.config, "--verbose", "1"],
            "stray argument": ["list", "--config", self.config, "extra"],
        }
        for name, args in cases.items():
            with self.subTest(name):
                result = self.devices(*args)
                self.assertExit(result, 2)
                self.assertIn("usage: mqauth devices", result.stderr)
        self.assertEqual(self.read(self.config), text)

    def test_a_serial_that_is_not_hex_is_named_in_the_error(self):
        result = self.devices("revoke", "--config", self.config, "--device-sn", "12:AB",
                              "--ca-sn", FLEET_CA_SERIAL)
        self.assertExit(result, 2)
        self.assertIn('--device-sn "12:AB" is not a hex serial number', result.stderr)

    # -- list ------------------------------------------------------------------------------

    def test_list_shows_each_device_with_registry_operator_and_effective_state(self):
        self.write(self.config, self.config_text(
            "  states:\n"
            "    - device_sn: \"0a1b\"        # lower case and a leading zero: still A1B\n"
            "      ca_sn: \"7f00\"\n"
            "      status: INACTIVE\n"
            "    - {device_sn: \"DEAD\", ca_sn: \"7F00\", status: REVOKED}\n"))
        self.write_registry(
            registry_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"),
            registry_entry("C0FFEE", FLEET_CA_SERIAL, "fleet-ca", "lobby pump"),
            registry_entry("B0B", RETIRED_CA_SERIAL, "retired-ca", "old-meter"),
            registry_entry("5", "99", "gone-ca", "orphan", status="INACTIVE"))
        self.assertEqual(self.list_rows(), [
            ["A1B", "7F00", "fleet-ca", "sensor-1", "2027-01-01T00:00:00Z",
             "2026-02-03T04:05:06Z", "ACTIVE", "INACTIVE", "INACTIVE", "ACTIVE"],
            ["C0FFEE", "7F00", "fleet-ca", "lobby\\x20pump", "2027-01-01T00:00:00Z",
             "2026-02-03T04:05:06Z", "ACTIVE", "-", "ACTIVE", "ACTIVE"],
            ["B0B", "BEEF", "retired-ca", "old-meter", "2027-01-01T00:00:00Z",
             "2026-02-03T04:05:06Z", "ACTIVE", "-", "ACTIVE", "INACTIVE"],
            ["5", "99", "gone-ca", "orphan", "2027-01-01T00:00:00Z", "2026-02-03T04:05:06Z",
             "INACTIVE", "-", "INACTIVE", "UNLISTED"],
            ["DEAD", "7F00", "fleet-ca", "-", "-", "-", "unregistered", "REVOKED", "REVOKED",
             "ACTIVE"],
        ])

    def test_list_filters_by_serial_in_any_case(self):
        self.write(self.config, self.config_text())
        self.write_registry(registry_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"),
                            registry_entry("C0FFEE", FLEET_CA_SERIAL, "fleet-ca", "pump"))
        rows = self.list_rows("--device-sn", "00c0ffee", "--ca-sn", "7f00")
        self.assertEqual([row[0] for row in rows], ["C0FFEE"])

    def test_list_without_a_registry_file_yet_prints_the_header_only(self):
        self.write(self.config, self.config_text())
        result = self.devices("list", "--config", self.config)
        self.assertExit(result, 0)
        self.assertEqual(table_rows(result.stdout), [HEADER])
        self.assertIn("no registry yet", result.stderr)
        self.assertFalse(os.path.exists(self.registry))

    def test_list_says_when_device_certificates_are_off(self):
        self.write(self.config, "version: 1\nanonymous: deny\n")
        result = self.devices("list", "--config", self.config)
        self.assertExit(result, 0)
        self.assertIn("device certificates are off", result.stdout)

    def test_list_refuses_a_corrupt_registry_and_leaves_it_as_it_is(self):
        self.write(self.config, self.config_text())
        corrupt = "version: 1\ndevices:\n  - device_sn: \"not hex\"\n"
        self.write(self.registry, corrupt)
        before = os.stat(self.registry)
        result = self.devices("list", "--config", self.config)
        self.assertExit(result, 1)
        self.assertIn(f"{self.registry}:3:", result.stderr)
        self.assertIn("corrupt device registry", result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertEqual(self.read(self.registry), corrupt)
        self.assertEqual(os.stat(self.registry).st_mtime_ns, before.st_mtime_ns)

    def test_an_invalid_config_is_refused_with_its_line_by_every_subcommand(self):
        text = "version: 1\nanonymous: nope\ndevice_certificates:\n  registry_file: d.yaml\n"
        self.write(self.config, text)
        for subcommand in ("list", "revoke"):
            with self.subTest(subcommand):
                result = self.devices(subcommand, "--config", self.config, "--device-sn", "1A",
                                      "--ca-sn", FLEET_CA_SERIAL)
                self.assertExit(result, 1)
                self.assertIn(f"{self.config}:2:12: anonymous:", result.stderr)
        self.assertEqual(self.read(self.config), text)

    def test_a_missing_config_file_exits_1(self):
        result = self.devices("list", "--config", os.path.join(self.directory, "nope.yaml"))
        self.assertExit(result, 1)
        self.assertIn("cannot open", result.stderr)

    # -- activate / deactivate / revoke ----------------------------------------------------

    def test_revoke_deactivate_activate_round_trip_keeps_comments_and_layout(self):
        self.write(self.config, self.config_text(
            "  states:\n"
            "    # decided at the March audit\n"
            "    - device_sn: \"C0FFEE\"\n"
            "      ca_sn: \"7F00\"\n"
            "      status: INACTIVE   # spare unit\n"
            "\n"
            "anonymous: deny\n"))
        self.write_registry(registry_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"))

        revoked = self.devices("revoke", "--config", self.config, "--device-sn", "0a1b",
                               "--ca-sn", "7f00")
        self.assertExit(revoked, 0)
        self.assertEqual(revoked.stdout.splitlines(), [
            f"{self.config}:19: device_sn A1B of ca_sn 7F00: REVOKED "
            "(added to device_certificates.states)",
            RELOAD_HINT + "   (or: systemctl reload mosquitto)"])
        self.assertEqual(self.list_rows()[0][6:], ["ACTIVE", "REVOKED", "REVOKED", "ACTIVE"])

        deactivated = self.devices("deactivate", "--config", self.config, "--device-sn", "A1B",
                                   "--ca-sn", FLEET_CA_SERIAL)
        self.assertExit(deactivated, 0)
        self.assertIn("REVOKED -> INACTIVE", deactivated.stdout)
        activated = self.devices("activate", "--config", self.config, "--device-sn", "A1B",
                                 "--ca-sn", FLEET_CA_SERIAL)
        self.assertExit(activated, 0)
        self.assertIn(f"{self.config}:19: device_sn A1B of ca_sn 7F00: INACTIVE -> ACTIVE",
                      activated.stdout)
        self.assertIn(RELOAD_HINT, activated.stdout)

        self.assertEqual(self.read(self.config), self.config_text(
            "  states:\n"
            "    # decided at the March audit\n"
            "    - device_sn: \"C0FFEE\"\n"
            "      ca_sn: \"7F00\"\n"
            "      status: INACTIVE   # spare unit\n"
            "    - device_sn: \"A1B\"\n"
            "      ca_sn: \"7F00\"\n"
            "      status: ACTIVE\n"
            "\n"
            "anonymous: deny\n"))
        self.assertExit(run_cli("check", self.config), 0)

    def test_a_section_without_states_gets_one(self):
        self.write(self.config, self.config_text("  bind_client_id_to_cn: false\n"))
        result = self.devices("deactivate", "--config", self.config, "--device-sn", "C0FFEE",
                              "--ca-sn", FLEET_CA_SERIAL)
        self.assertExit(result, 0)
        self.assertEqual(self.read(self.config), self.config_text(
            "  bind_client_id_to_cn: false\n"
            "  states:\n"
            "    - device_sn: \"C0FFEE\"\n"
            "      ca_sn: \"7F00\"\n"
            "      status: INACTIVE\n"))

    def test_the_same_decision_again_does_not_rewrite_the_file(self):
        self.write(self.config, self.config_text(
            "  states:\n"
            "    - {device_sn: \"A1B\", ca_sn: \"7F00\", status: REVOKED}\n"))
        before = os.stat(self.config)
        result = self.devices("revoke", "--config", self.config, "--device-sn", "a1b",
                              "--ca-sn", FLEET_CA_SERIAL)
        self.assertExit(result, 0)
        self.assertIn("is already REVOKED; nothing to change", result.stdout)
        after = os.stat(self.config)
        self.assertEqual((after.st_ino, after.st_mtime_ns), (before.st_ino, before.st_mtime_ns))

    def test_an_edit_keeps_the_file_mode(self):
        self.write(self.config, self.config_text())
        os.chmod(self.config, 0o600)
        result = self.devices("revoke", "--config", self.config, "--device-sn", "1A",
                              "--ca-sn", FLEET_CA_SERIAL)
        self.assertExit(result, 0)
        self.assertEqual(os.stat(self.config).st_mode & 0o7777, 0o600)

    def test_a_device_not_in_the_registry_may_be_revoked_with_a_note(self):
        self.write(self.config, self.config_text())
        self.write_registry(registry_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"))
        result = self.devices("revoke", "--config", self.config, "--device-sn", "BAD1",
                              "--ca-sn", FLEET_CA_SERIAL)
        self.assertExit(result, 0)
        self.assertIn("device_sn BAD1 of ca_sn 7F00 is not in the device registry",
                      result.stderr)
        self.assertEqual(self.list_rows("--device-sn", "BAD1"), [
            ["BAD1", "7F00", "fleet-ca", "-", "-", "-", "unregistered", "REVOKED", "REVOKED",
             "ACTIVE"]])

    def test_a_ca_serial_no_listed_ca_has_is_an_error_and_changes_nothing(self):
        text = self.config_text()
        self.write(self.config, text)
        for decision in ("activate", "deactivate", "revoke"):
            with self.subTest(decision):
                result = self.devices(decision, "--config", self.config, "--device-sn", "A1B",
                                      "--ca-sn", "7F01")
                self.assertExit(result, 1)
                self.assertIn(f"no CA in ca_certificates has serial 7F01 (listed: "
                              f"{FLEET_CA_SERIAL} for fleet-ca", result.stderr)
        self.assertEqual(self.read(self.config), text)

    def test_a_corrupt_registry_does_not_block_a_revocation_and_is_not_touched(self):
        self.write(self.config, self.config_text())
        corrupt = "version: 1\ndevices: 7\n"
        self.write(self.registry, corrupt)
        result = self.devices("revoke", "--config", self.config, "--device-sn", "A1B",
                              "--ca-sn", FLEET_CA_SERIAL)
        self.assertExit(result, 0)
        self.assertIn("cannot check the device registry", result.stderr)
        self.assertEqual(self.read(self.registry), corrupt)

    def test_a_config_without_device_certificates_is_refused(self):
        text = "version: 1\nanonymous: deny\n"
        self.write(self.config, text)
        result = self.devices("activate", "--config", self.config, "--device-sn", "A1B",
                              "--ca-sn", FLEET_CA_SERIAL)
        self.assertExit(result, 1)
        self.assertIn(f"{self.config}: device_certificates: MissingParameter", result.stderr)
        self.assertEqual(self.read(self.config), text)

    def test_a_flow_style_states_list_is_left_for_a_hand_edit(self):
        text = self.config_text("  states: [{device_sn: \"C0FFEE\", ca_sn: \"7F00\", "
                                "status: INACTIVE}]\n")
        self.write(self.config, text)
        result = self.devices("revoke", "--config", self.config, "--device-sn", "A1B",
                              "--ca-sn", FLEET_CA_SERIAL)
        self.assertExit(result, 1)
        self.assertIn(f"{self.config}:12:11: device_certificates.states: written in flow style",
                      result.stderr)
        self.assertIn("by hand", result.stderr)
        self.assertEqual(self.read(self.config), text)

    def test_a_symlinked_config_stays_a_symlink(self):
        self.write(self.config, self.config_text())
        link = os.path.join(self.directory, "mqauth.yaml")
        os.symlink("auth.yaml", link)
        result = self.devices("revoke", "--config", link, "--device-sn", "A1B",
                              "--ca-sn", FLEET_CA_SERIAL)
        self.assertExit(result, 0)
        self.assertTrue(os.path.islink(link))
        self.assertIn("status: REVOKED", self.read(self.config))


class DevicesCliWithBrokerTest(BrokerTestCase):
    """One broker with a TLS listener (require_certificate, no cafile) whose auth.yaml the tool
    edits in place."""

    @classmethod
    def setUpClass(cls):
        cls.tls = TlsMaterial()
        cls.addClassCleanup(cls.tls.cleanup)
        cls.root = cls.tls.certificate_authority("mqauth devices cli root", name="cli-root")
        server = cls.tls.server_certificate("broker", issuer=cls.root)
        cls.listener = TlsListener(certfile=server.cert, keyfile=server.key)

    def config_text(self):
        return ("# broker of the devices CLI test\n"
                "version: 1\n"
                "anonymous: deny\n"
                "permissions:\n"
                "  no_match: ALLOW\n"
                "ca_certificates:\n"
                "  - ca_name: cli-root\n"
                f"    file: {self.root.cert}\n"
                "device_certificates:\n"
                "  registry_file: registry.yaml   # the plugin writes it\n")

    def device_row(self, broker, serial):
        result = run_cli("devices", "list", "--config", broker.auth_path, "--device-sn", serial)
        self.assertEqual(result.returncode, 0, result.stderr)
        rows = table_rows(result.stdout)
        self.assertEqual(len(rows), 2, result.stdout)
        return dict(zip(HEADER, rows[1]))

    def decide(self, broker, verb, device):
        result = run_cli("devices", verb, "--config", broker.auth_path,
                         "--device-sn", device.serial, "--ca-sn", self.root.serial)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(RELOAD_HINT, result.stdout)
        self.assertTrue(broker.reload(), "the edited config should be applied\n"
                        + broker.describe())

    def test_a_registered_device_is_listed_and_revoke_then_activate_apply_on_sighup(self):
        broker = self.start_broker(self.config_text(), tls_listener=self.listener)
        device = self.tls.client_certificate(unique_client_id("cli-device"), issuer=self.root)
        tls = ClientTls(cafile=self.root.cert, cert=device.cert, key=device.key)
        serial = canonical_serial(device.serial)

        self.assertEqual(pub(broker, client_id=device.common_name, tls=tls)[0], 0,
                         broker.describe())
        row = self.device_row(broker, serial)
        self.assertEqual((row["common_name"], row["ca_name"], row["registry"], row["operator"],
                          row["effective"], row["ca_status"]),
                         (device.common_name, "cli-root", "ACTIVE", "-", "ACTIVE", "ACTIVE"))

        self.decide(broker, "revoke", device)
        self.assertNotEqual(pub(broker, client_id=device.common_name, tls=tls)[0], 0,
                            "a revoked device connected\n" + broker.describe())
        self.assertEqual(self.device_row(broker, serial)["effective"], "REVOKED")

        self.decide(broker, "activate", device)
        self.assertEqual(pub(broker, client_id=device.common_name, tls=tls)[0], 0,
                         "the reactivated device should connect\n" + broker.describe())
        with open(broker.auth_path, encoding="utf-8") as file:
            self.assertTrue(file.read().startswith(self.config_text()))


if __name__ == "__main__":
    unittest.main()

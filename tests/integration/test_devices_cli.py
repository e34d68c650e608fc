# SPDX-License-Identifier: Apache-2.0
"""`mqauth devices list|activate|deactivate|revoke|import` (SPEC "Commands"): the built tool on
temporary configs and SQLite registries (DevicesCliTest: no broker, since the verbs only read the
registry, fill it from a YAML file, and edit the config for the next reload), then the tool and a
real broker sharing one config (DevicesCliWithBrokerTest: what the plugin registers is listed
with its issuer, a decision the tool records takes effect on SIGHUP, and a device imported from
the old YAML registry connects under its imported record).

A device is its serial and its issuer. DevicesCliTest builds its registries the way an operator
gets old devices into the new one, with `mqauth devices import` from a YAML registry_file in the
format earlier versions wrote: that keeps the tests independent of the SQLite schema, which only
the broker test reads (read-only), to see the fingerprint the first connect filled in.

The CA certificates are made with `openssl` once per class; DevicesCliTest chooses their serials
and subjects, so the expected `issuer` and `ca_sn` values are known.
"""

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

from mqauth_harness import (
    Broker,
    BrokerTestCase,
    ClientTls,
    TlsListener,
    pub,
    run_cli,
    unique_client_id,
)
from tls_material import TlsMaterial, canonical_serial, run_openssl

FLEET_CA_SERIAL = "7F00"
RETIRED_CA_SERIAL = "BEEF"
FLEET_ISSUER = "CN=fleet-ca"      # the subject make_ca gives fleet-ca, in RFC 2253
RETIRED_ISSUER = "CN=retired-ca"
RELOAD_HINT = "reload the broker to apply: kill -HUP $(pidof mosquitto)"
HEADER = ["device_sn", "issuer", "ca_name", "common_name", "not_after", "first_seen", "registry",
          "operator", "effective", "ca_status"]
LEGACY_FIRST_SEEN = "2026-02-03T04:05:06Z"


def make_ca(directory, name, serial):
    """A self-signed EC P-256 CA certificate (subject CN=name) with the given hex serial;
    returns its path."""
    path = os.path.join(directory, f"{name}.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-subj", f"/CN={name}", "-addext", "basicConstraints=critical,CA:TRUE",
         "-set_serial", f"0x{serial}", "-days", "30",
         "-keyout", os.path.join(directory, f"{name}.key"), "-out", path],
        check=True, capture_output=True, timeout=60)
    return path


def rfc2253_subject(cert_path):
    """The certificate's subject as `openssl x509 -noout -subject -nameopt RFC2253` prints it:
    the issuer name the registry files a device under."""
    output = run_openssl("x509", "-in", cert_path, "-noout", "-subject",
                         "-nameopt", "RFC2253").strip()
    return output.split("=", 1)[1]


def sha256_fingerprint(cert_path):
    """The SHA-256 of the certificate's DER, upper-case hex without colons."""
    output = run_openssl("x509", "-in", cert_path, "-noout", "-fingerprint", "-sha256").strip()
    return output.split("=", 1)[1].replace(":", "")


def legacy_entry(device_sn, ca_sn, ca_name, common_name, status="ACTIVE"):
    """One device as earlier versions of the plugin wrote it in device_certificates.registry_file
    (what `mqauth devices import` reads: certs/legacy_registry_file.cpp)."""
    return (f'  - device_sn: "{device_sn}"\n'
            f'    ca_sn: "{ca_sn}"\n'
            f'    ca_name: "{ca_name}"\n'
            f'    common_name: "{common_name}"\n'
            f'    not_before: "2026-01-01T00:00:00Z"\n'
            f'    not_after: "2027-01-01T00:00:00Z"\n'
            f'    first_seen: "{LEGACY_FIRST_SEEN}"\n'
            f'    status: {status}\n')


def legacy_registry(*entries):
    return "version: 1\ndevices:\n" + "".join(entries)


def table_rows(stdout):
    """The list's lines split into columns; the header line first."""
    return [line.split() for line in stdout.splitlines()]


def read_bytes(path):
    with open(path, "rb") as file:
        return file.read()


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
        self.registry = os.path.join(self.directory, "devices.db")
        self.legacy = os.path.join(self.directory, "devices.yaml")  # the old registry_file

    # -- helpers ---------------------------------------------------------------------------

    def config_text(self, states="",
                    registry="  registry:\n"
                             "    sqlite: devices.db   # the plugin registers devices in it\n"):
        """A valid config with both CAs (the retired one INACTIVE) and a relative SQLite
        registry; `states` is appended under device_certificates as written."""
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
                + registry + states)

    def write(self, path, text):
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)

    def read(self, path):
        with open(path, encoding="utf-8") as file:
            return file.read()

    def devices(self, *args):
        return run_cli("devices", *args)

    def assertExit(self, result, code):
        self.assertEqual(result.returncode, code,
                         f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")

    def import_legacy(self, *entries, path=None):
        """Writes a YAML registry_file of `entries` and imports it into the config's registry;
        returns the result (exit 0 asserted)."""
        path = path or self.legacy
        self.write(path, legacy_registry(*entries))
        result = self.devices("import", "--config", self.config, "--from", path)
        self.assertExit(result, 0)
        return result

    def list_rows(self, *args):
        result = self.devices("list", "--config", self.config, *args)
        self.assertExit(result, 0)
        rows = table_rows(result.stdout)
        self.assertEqual(rows[0], HEADER)
        return rows[1:]

    def write_garbage_registry(self):
        """A registry file that is not SQLite at all; returns its bytes."""
        garbage = b"this is not an SQLite database\n\x00\x01\x02\xff" * 64
        with open(self.registry, "wb") as file:
            file.write(garbage)
        return garbage

    def assertNoSqliteSidecars(self):
        for suffix in ("-wal", "-shm", "-journal"):
            self.assertFalse(os.path.exists(self.registry + suffix),
                             f"{self.registry}{suffix} was left behind")

    # -- help and usage --------------------------------------------------------------------

    def test_every_subcommand_prints_its_help_and_exits_0(self):
        for args in (["--help"], ["list", "--help"], ["activate", "--help"],
                     ["deactivate", "--help"], ["revoke", "-h"], ["import", "--help"]):
            with self.subTest(args=args):
                result = self.devices(*args)
                self.assertExit(result, 0)
                self.assertIn("usage: mqauth devices", result.stdout)
                self.assertIn("Exit status", result.stdout)
        self.assertIn("devices", run_cli("--help").stdout)

    def test_the_help_names_import_and_the_issuer_form(self):
        """An operator upgrading learns from --help alone that the YAML registry is moved with
        `import`, and how to name a device by its issuer."""
        overview = self.devices("--help").stdout
        self.assertIn("mqauth devices import --config FILE --from REGISTRY.yaml", overview)
        self.assertIn("(--issuer DN | --ca-sn SN)", overview)

        imported = self.devices("import", "--help").stdout
        self.assertTrue(imported.startswith(
            "usage: mqauth devices import --config FILE --from REGISTRY.yaml\n"), imported)
        for promise in ("device_certificates.registry_file", "device_certificates.registry",
                        "in one transaction", "running it twice changes nothing",
                        "REGISTRY.yaml is only read", "kept with an empty issuer"):
            self.assertIn(promise, " ".join(imported.split()))

        revoke = self.devices("revoke", "--help").stdout
        self.assertIn("--issuer DN | --ca-sn SN", revoke)
        self.assertIn("-nameopt RFC2253", revoke)
        self.assertIn("--issuer DN", self.devices("list", "--help").stdout)

    def test_usage_errors_exit_2_and_leave_the_config_alone(self):
        text = self.config_text()
        self.write(self.config, text)
        self.write(self.legacy, legacy_registry(
            legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1")))
        cases = {
            "no subcommand": [],
            "unknown subcommand": ["remove", "--config", self.config],
            "no config": ["revoke", "--device-sn", "1A", "--ca-sn", FLEET_CA_SERIAL],
            "no device serial": ["revoke", "--config", self.config, "--ca-sn", FLEET_CA_SERIAL],
            "neither issuer nor CA serial": ["activate", "--config", self.config,
                                             "--device-sn", "1A"],
            "empty issuer": ["revoke", "--config", self.config, "--device-sn", "1A",
                             "--issuer", ""],
            "serial not hex": ["revoke", "--config", self.config, "--device-sn", "serial=1A",
                               "--ca-sn", FLEET_CA_SERIAL],
            "CA serial not hex": ["deactivate", "--config", self.config, "--device-sn", "1A",
                                  "--ca-sn", "7G00"],
            "bad filter": ["list", "--config", self.config, "--device-sn", "xyz"],
            "issuer filter without a value": ["list", "--config", self.config, "--issuer"],
            "unknown option": ["list", "--config", self.config, "--verbose", "1"],
            "stray argument": ["list", "--config", self.config, "extra"],
            "from outside import": ["list", "--config", self.config, "--from", self.legacy],
            "import without from": ["import", "--config", self.config],
            "import without config": ["import", "--from", self.legacy],
            "import with a device": ["import", "--config", self.config, "--from", self.legacy,
                                     "--device-sn", "A1B"],
        }
        for name, args in cases.items():
            with self.subTest(name):
                result = self.devices(*args)
                self.assertExit(result, 2)
                self.assertIn("usage: mqauth devices", result.stderr)
        self.assertEqual(self.read(self.config), text)
        self.assertFalse(os.path.exists(self.registry), "a usage error created the registry")

    def test_issuer_and_ca_serial_together_are_a_usage_error(self):
        """The two name a device in different ways; given both, the tool cannot tell which entry
        the operator means, so it records neither."""
        text = self.config_text()
        self.write(self.config, text)
        for decision in ("activate", "deactivate", "revoke"):
            with self.subTest(decision):
                result = self.devices(decision, "--config", self.config, "--device-sn", "A1B",
                                      "--issuer", FLEET_ISSUER, "--ca-sn", FLEET_CA_SERIAL)
                self.assertExit(result, 2)
                self.assertIn("mqauth devices: give --issuer or --ca-sn, not both",
                              result.stderr)
                self.assertIn(f"usage: mqauth devices {decision} --config FILE --device-sn SN "
                              "(--issuer DN | --ca-sn SN)", result.stderr)
                self.assertEqual(result.stdout, "")
        self.assertEqual(self.read(self.config), text)

    def test_a_serial_that_is_not_hex_is_named_in_the_error(self):
        result = self.devices("revoke", "--config", self.config, "--device-sn", "12:AB",
                              "--ca-sn", FLEET_CA_SERIAL)
        self.assertExit(result, 2)
        self.assertIn('--device-sn "12:AB" is not a hex serial number', result.stderr)

    # -- list ------------------------------------------------------------------------------

    def test_list_shows_each_device_with_its_issuer_registry_operator_and_effective_state(self):
        self.write(self.config, self.config_text(
            "  states:\n"
            "    - device_sn: \"0a1b\"        # lower case and a leading zero: still A1B\n"
            "      ca_sn: \"7f00\"\n"
            "      status: INACTIVE\n"
            "    - {device_sn: \"DEAD\", ca_sn: \"7F00\", status: REVOKED}\n"
            "    - {device_sn: \"B0B\", issuer: \"CN=retired-ca\", status: REVOKED}\n"
            "    - {device_sn: \"F00D\", issuer: \"CN=line-3 intermediate,O=plant\","
            " status: INACTIVE}\n"))
        self.import_legacy(
            legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"),
            legacy_entry("C0FFEE", FLEET_CA_SERIAL, "fleet-ca", "lobby pump"),
            legacy_entry("B0B", RETIRED_CA_SERIAL, "retired-ca", "old-meter"),
            legacy_entry("5", "99", "gone-ca", "orphan", status="INACTIVE"))
        self.assertEqual(self.list_rows(), [
            ["A1B", FLEET_ISSUER, "fleet-ca", "sensor-1", "2027-01-01T00:00:00Z",
             LEGACY_FIRST_SEEN, "ACTIVE", "INACTIVE", "INACTIVE", "ACTIVE"],
            ["C0FFEE", FLEET_ISSUER, "fleet-ca", "lobby\\x20pump", "2027-01-01T00:00:00Z",
             LEGACY_FIRST_SEEN, "ACTIVE", "-", "ACTIVE", "ACTIVE"],
            ["B0B", RETIRED_ISSUER, "retired-ca", "old-meter", "2027-01-01T00:00:00Z",
             LEGACY_FIRST_SEEN, "ACTIVE", "REVOKED", "REVOKED", "INACTIVE"],
            # Its CA is no longer listed: imported without an issuer, its INACTIVE kept (in the
            # registry, and in the config by ca_sn).
            ["5", "-", "gone-ca", "orphan", "2027-01-01T00:00:00Z", LEGACY_FIRST_SEEN,
             "INACTIVE", "INACTIVE", "INACTIVE", "UNLISTED"],
            ["DEAD", "-", "fleet-ca", "-", "-", "-", "unregistered", "REVOKED", "REVOKED",
             "ACTIVE"],
            # Named by an issuer that is not a listed CA: no CA to show.
            ["F00D", "CN=line-3\\x20intermediate,O=plant", "-", "-", "-", "-", "unregistered",
             "INACTIVE", "INACTIVE", "-"],
        ])

    def test_list_filters_by_serial_in_any_case(self):
        self.write(self.config, self.config_text())
        self.import_legacy(legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"),
                           legacy_entry("C0FFEE", FLEET_CA_SERIAL, "fleet-ca", "pump"))
        rows = self.list_rows("--device-sn", "00c0ffee", "--ca-sn", "7f00")
        self.assertEqual([row[0] for row in rows], ["C0FFEE"])

    def test_list_filters_by_issuer_registered_and_unregistered_devices_alike(self):
        self.write(self.config, self.config_text(
            "  states:\n"
            "    - {device_sn: \"F00D\", issuer: \"CN=retired-ca\", status: REVOKED}\n"))
        self.import_legacy(legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"),
                           legacy_entry("B0B", RETIRED_CA_SERIAL, "retired-ca", "old-meter"),
                           legacy_entry("C0FFEE", FLEET_CA_SERIAL, "fleet-ca", "pump"))
        self.assertEqual([(row[0], row[1]) for row in self.list_rows("--issuer", FLEET_ISSUER)],
                         [("A1B", FLEET_ISSUER), ("C0FFEE", FLEET_ISSUER)])
        self.assertEqual([(row[0], row[6]) for row in self.list_rows("--issuer", RETIRED_ISSUER)],
                         [("B0B", "ACTIVE"), ("F00D", "unregistered")])
        self.assertEqual([row[0] for row in self.list_rows("--issuer", FLEET_ISSUER,
                                                           "--device-sn", "a1b")], ["A1B"])
        self.assertEqual(self.list_rows("--issuer", "CN=someone-else"), [])

    def test_list_without_a_registry_yet_prints_the_header_only_and_creates_nothing(self):
        self.write(self.config, self.config_text())
        result = self.devices("list", "--config", self.config)
        self.assertExit(result, 0)
        self.assertEqual(table_rows(result.stdout), [HEADER])
        self.assertIn(f"note: {self.registry}: no device registry yet", result.stderr)
        self.assertFalse(os.path.exists(self.registry))
        self.assertNoSqliteSidecars()

    def test_list_says_when_device_certificates_are_off(self):
        self.write(self.config, "version: 1\nanonymous: deny\n")
        result = self.devices("list", "--config", self.config)
        self.assertExit(result, 0)
        self.assertIn("device certificates are off", result.stdout)

    def test_list_refuses_a_corrupt_registry_and_leaves_it_as_it_is(self):
        self.write(self.config, self.config_text())
        garbage = self.write_garbage_registry()
        before = os.stat(self.registry)
        result = self.devices("list", "--config", self.config)
        self.assertExit(result, 1)
        self.assertIn(f"{self.registry}: not a readable SQLite database", result.stderr)
        self.assertIn("it was left as it is", result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertEqual(read_bytes(self.registry), garbage)
        self.assertEqual(os.stat(self.registry).st_mtime_ns, before.st_mtime_ns)
        self.assertNoSqliteSidecars()

    def test_list_and_import_refuse_an_sqlite_database_that_is_not_a_registry(self):
        """A registry path that points at some other program's database by mistake is neither
        read as an empty registry nor written to."""
        self.write(self.config, self.config_text())
        with sqlite3.connect(self.registry) as foreign:
            foreign.execute("CREATE TABLE readings (sensor TEXT, value REAL)")
            foreign.execute("INSERT INTO readings VALUES ('t1', 21.5)")
        foreign.close()
        before = read_bytes(self.registry)
        listed = self.devices("list", "--config", self.config)
        self.assertExit(listed, 1)
        self.assertIn(f"{self.registry}: an SQLite database that is not an mqauth device "
                      "registry", listed.stderr)
        self.write(self.legacy, legacy_registry(
            legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1")))
        imported = self.devices("import", "--config", self.config, "--from", self.legacy)
        self.assertExit(imported, 1)
        self.assertIn(f"{self.registry}: an SQLite database that is not an mqauth device "
                      "registry", imported.stderr)
        self.assertEqual(imported.stdout, "")
        self.assertEqual(read_bytes(self.registry), before)

    def test_an_invalid_config_is_refused_with_its_line_by_every_subcommand(self):
        text = "version: 1\nanonymous: nope\ndevice_certificates:\n  registry: {sqlite: d.db}\n"
        self.write(self.config, text)
        self.write(self.legacy, legacy_registry(
            legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1")))
        for subcommand, args in (("list", []),
                                 ("revoke", ["--device-sn", "1A", "--ca-sn", FLEET_CA_SERIAL]),
                                 ("activate", ["--device-sn", "1A", "--issuer", FLEET_ISSUER]),
                                 ("import", ["--from", self.legacy])):
            with self.subTest(subcommand):
                result = self.devices(subcommand, "--config", self.config, *args)
                self.assertExit(result, 1)
                self.assertIn(f"{self.config}:2:12: anonymous:", result.stderr)
        self.assertEqual(self.read(self.config), text)
        self.assertEqual(sorted(os.listdir(self.directory)), ["auth.yaml", "devices.yaml"])

    def test_a_config_still_naming_registry_file_is_refused_and_points_to_import(self):
        """The YAML registry is gone: an old config fails loudly (a broker would refuse it too)
        and the message names the command that moves its devices over."""
        text = self.config_text(
            registry="  registry_file: devices.yaml   # written by the plugin only\n")
        self.write(self.config, text)
        legacy = legacy_registry(legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"))
        self.write(self.legacy, legacy)
        for subcommand, args in (("list", []),
                                 ("revoke", ["--device-sn", "A1B", "--issuer", FLEET_ISSUER]),
                                 ("import", ["--from", self.legacy])):
            with self.subTest(subcommand):
                result = self.devices(subcommand, "--config", self.config, *args)
                self.assertExit(result, 1)
                self.assertIn(f"{self.config}:11:18: device_certificates.registry_file: "
                              "InvalidParameter: the YAML registry file was replaced by "
                              "`registry: {sqlite: FILE}`", result.stderr)
                self.assertIn("mqauth devices import --config", result.stderr)
        self.assertEqual(self.read(self.config), text)
        self.assertEqual(self.read(self.legacy), legacy)

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
        self.import_legacy(legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"))

        revoked = self.devices("revoke", "--config", self.config, "--device-sn", "0a1b",
                               "--ca-sn", "7f00")
        self.assertExit(revoked, 0)
        self.assertEqual(revoked.stdout.splitlines(), [
            f"{self.config}:20: device_sn A1B of ca_sn 7F00: REVOKED "
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
        self.assertIn(f"{self.config}:20: device_sn A1B of ca_sn 7F00: INACTIVE -> ACTIVE",
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

    def test_the_issuer_form_round_trip_replaces_its_entry_in_place_and_keeps_comments(self):
        """Revoking by issuer appends an entry naming the device by its issuer; activating it
        again by the same issuer replaces that entry's status on the same line, and leaves the
        entry that names another device by its CA serial alone."""
        self.write(self.config, self.config_text(
            "  states:\n"
            "    # decided at the March audit\n"
            "    - device_sn: \"C0FFEE\"\n"
            "      ca_sn: \"7F00\"\n"
            "      status: INACTIVE   # spare unit\n"
            "\n"
            "anonymous: deny\n"))
        self.import_legacy(legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"))

        revoked = self.devices("revoke", "--config", self.config, "--device-sn", "0a1b",
                               "--issuer", FLEET_ISSUER)
        self.assertExit(revoked, 0)
        self.assertEqual(revoked.stdout.splitlines(), [
            f'{self.config}:20: device_sn A1B of issuer "CN=fleet-ca": REVOKED '
            "(added to device_certificates.states)",
            RELOAD_HINT + "   (or: systemctl reload mosquitto)"])
        self.assertEqual(revoked.stderr, "", "A1B is registered under CN=fleet-ca: no note")
        self.assertEqual(self.list_rows("--device-sn", "A1B"), [
            ["A1B", FLEET_ISSUER, "fleet-ca", "sensor-1", "2027-01-01T00:00:00Z",
             LEGACY_FIRST_SEEN, "ACTIVE", "REVOKED", "REVOKED", "ACTIVE"]])
        self.assertExit(run_cli("check", self.config), 0)

        activated = self.devices("activate", "--config", self.config, "--device-sn", "A1B",
                                 "--issuer", FLEET_ISSUER)
        self.assertExit(activated, 0)
        self.assertEqual(activated.stdout.splitlines(), [
            f'{self.config}:20: device_sn A1B of issuer "CN=fleet-ca": REVOKED -> ACTIVE',
            RELOAD_HINT + "   (or: systemctl reload mosquitto)"])
        self.assertEqual(self.list_rows("--device-sn", "A1B")[0][6:],
                         ["ACTIVE", "ACTIVE", "ACTIVE", "ACTIVE"])

        self.assertEqual(self.read(self.config), self.config_text(
            "  states:\n"
            "    # decided at the March audit\n"
            "    - device_sn: \"C0FFEE\"\n"
            "      ca_sn: \"7F00\"\n"
            "      status: INACTIVE   # spare unit\n"
            "    - device_sn: \"A1B\"\n"
            "      issuer: \"CN=fleet-ca\"\n"
            "      status: ACTIVE\n"
            "\n"
            "anonymous: deny\n"))
        self.assertExit(run_cli("check", self.config), 0)

    def test_an_issuer_entry_is_separate_from_a_ca_serial_entry_and_decides_first(self):
        """The two forms name a device differently, so an --issuer decision adds its own entry
        next to a --ca-sn one for the same device; the broker applies the issuer's first."""
        states = ("  states:\n"
                  "    - device_sn: \"A1B\"\n"
                  "      ca_sn: \"7F00\"\n"
                  "      status: REVOKED\n")
        self.write(self.config, self.config_text(states))
        self.import_legacy(legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"))
        result = self.devices("deactivate", "--config", self.config, "--device-sn", "A1B",
                              "--issuer", FLEET_ISSUER)
        self.assertExit(result, 0)
        self.assertIn("INACTIVE (added to device_certificates.states)", result.stdout)
        self.assertEqual(self.read(self.config), self.config_text(
            states +
            "    - device_sn: \"A1B\"\n"
            "      issuer: \"CN=fleet-ca\"\n"
            "      status: INACTIVE\n"))
        self.assertEqual(self.list_rows()[0][6:], ["ACTIVE", "INACTIVE", "INACTIVE", "ACTIVE"])

    def test_an_issuer_with_quotes_and_backslashes_is_written_escaped_and_reads_back(self):
        """An RFC 2253 name escapes a comma with a backslash and may hold a quote; both are
        YAML escapes in a double-quoted scalar, so the tool must escape them again, or the
        config would name a different issuer (or not load)."""
        issuer = 'CN=Acme\\, Inc "East",O=plant'
        self.write(self.config, self.config_text())
        result = self.devices("revoke", "--config", self.config, "--device-sn", "1A",
                              "--issuer", issuer)
        self.assertExit(result, 0)
        self.assertTrue(self.read(self.config).endswith(
            "  states:\n"
            "    - device_sn: \"1A\"\n"
            "      issuer: \"CN=Acme\\\\, Inc \\\"East\\\",O=plant\"\n"
            "      status: REVOKED\n"), self.read(self.config))
        self.assertExit(run_cli("check", self.config), 0)
        self.assertEqual(self.list_rows("--issuer", issuer), [
            ["1A", 'CN=Acme\\x5c,\\x20Inc\\x20"East",O=plant', "-", "-", "-", "-",
             "unregistered", "REVOKED", "REVOKED", "-"]])
        again = self.devices("revoke", "--config", self.config, "--device-sn", "1A",
                             "--issuer", issuer)
        self.assertExit(again, 0)
        self.assertIn("is already REVOKED; nothing to change", again.stdout)

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
            "    - {device_sn: \"A1B\", ca_sn: \"7F00\", status: REVOKED}\n"
            "    - {device_sn: \"A1B\", issuer: \"CN=fleet-ca\", status: INACTIVE}\n"))
        before = os.stat(self.config)
        for decision, naming in (("revoke", ["--ca-sn", FLEET_CA_SERIAL]),
                                 ("deactivate", ["--issuer", FLEET_ISSUER])):
            with self.subTest(decision):
                result = self.devices(decision, "--config", self.config, "--device-sn", "a1b",
                                      *naming)
                self.assertExit(result, 0)
                self.assertIn("is already", result.stdout)
                self.assertIn("; nothing to change", result.stdout)
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
        self.import_legacy(legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"))
        result = self.devices("revoke", "--config", self.config, "--device-sn", "BAD1",
                              "--ca-sn", FLEET_CA_SERIAL)
        self.assertExit(result, 0)
        self.assertIn("device_sn BAD1 of ca_sn 7F00 is not in the device registry",
                      result.stderr)
        self.assertEqual(self.list_rows("--device-sn", "BAD1"), [
            ["BAD1", "-", "fleet-ca", "-", "-", "-", "unregistered", "REVOKED", "REVOKED",
             "ACTIVE"]])

        # A1B is registered, but under CN=fleet-ca: another issuer's A1B is another device.
        other = self.devices("revoke", "--config", self.config, "--device-sn", "A1B",
                             "--issuer", "CN=other-ca")
        self.assertExit(other, 0)
        self.assertIn('note: device_sn A1B of issuer "CN=other-ca" is not in the device '
                      f"registry (sqlite {self.registry})", other.stderr)
        self.assertEqual(self.list_rows("--device-sn", "A1B"), [
            ["A1B", FLEET_ISSUER, "fleet-ca", "sensor-1", "2027-01-01T00:00:00Z",
             LEGACY_FIRST_SEEN, "ACTIVE", "-", "ACTIVE", "ACTIVE"],
            ["A1B", "CN=other-ca", "-", "-", "-", "-", "unregistered", "REVOKED", "REVOKED",
             "-"]])

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

    def test_an_issuer_need_not_be_a_listed_ca(self):
        """Intermediate CAs are not listed in ca_certificates, yet they issue devices: a state
        by issuer is recorded for any issuer name."""
        self.write(self.config, self.config_text())
        result = self.devices("revoke", "--config", self.config, "--device-sn", "A1B",
                              "--issuer", "CN=line-3 intermediate,O=plant")
        self.assertExit(result, 0)
        self.assertIn("status: REVOKED", self.read(self.config))
        self.assertExit(run_cli("check", self.config), 0)

    def test_a_corrupt_registry_does_not_block_a_revocation_and_is_not_touched(self):
        self.write(self.config, self.config_text())
        garbage = self.write_garbage_registry()
        for naming in (["--ca-sn", FLEET_CA_SERIAL], ["--issuer", FLEET_ISSUER]):
            with self.subTest(naming[0]):
                result = self.devices("revoke", "--config", self.config, "--device-sn", "A1B",
                                      *naming)
                self.assertExit(result, 0)
                self.assertIn(f"warning: cannot check the device registry sqlite "
                              f"{self.registry} (the state is recorded anyway)", result.stderr)
                self.assertIn("REVOKED (added to device_certificates.states)", result.stdout)
        self.assertEqual(read_bytes(self.registry), garbage)
        self.assertNoSqliteSidecars()

    def test_a_config_without_device_certificates_is_refused(self):
        text = "version: 1\nanonymous: deny\n"
        self.write(self.config, text)
        for naming in (["--ca-sn", FLEET_CA_SERIAL], ["--issuer", FLEET_ISSUER]):
            with self.subTest(naming[0]):
                result = self.devices("activate", "--config", self.config, "--device-sn", "A1B",
                                      *naming)
                self.assertExit(result, 1)
                self.assertIn(f"{self.config}: device_certificates: MissingParameter",
                              result.stderr)
        self.assertEqual(self.read(self.config), text)

    def test_a_flow_style_states_list_is_left_for_a_hand_edit(self):
        text = self.config_text("  states: [{device_sn: \"C0FFEE\", ca_sn: \"7F00\", "
                                "status: INACTIVE}]\n")
        self.write(self.config, text)
        result = self.devices("revoke", "--config", self.config, "--device-sn", "A1B",
                              "--ca-sn", FLEET_CA_SERIAL)
        self.assertExit(result, 1)
        self.assertIn(f"{self.config}:13:11: device_certificates.states: written in flow style",
                      result.stderr)
        self.assertIn("by hand", result.stderr)
        self.assertEqual(self.read(self.config), text)

    def test_a_symlinked_config_stays_a_symlink(self):
        self.write(self.config, self.config_text())
        link = os.path.join(self.directory, "mqauth.yaml")
        os.symlink("auth.yaml", link)
        result = self.devices("revoke", "--config", link, "--device-sn", "A1B",
                              "--issuer", FLEET_ISSUER)
        self.assertExit(result, 0)
        self.assertTrue(os.path.islink(link))
        self.assertIn("status: REVOKED", self.read(self.config))

    # -- import ----------------------------------------------------------------------------

    def test_import_files_every_device_under_its_cas_issuer_and_says_how_many(self):
        # The issuer is the listed CA's subject as openssl prints it in RFC 2253 form.
        self.assertEqual((rfc2253_subject(self.fleet_ca), rfc2253_subject(self.retired_ca)),
                         (FLEET_ISSUER, RETIRED_ISSUER))
        self.write(self.config, self.config_text())
        result = self.import_legacy(
            legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"),
            legacy_entry("C0FFEE", FLEET_CA_SERIAL, "fleet-ca", "pump", status="REVOKED"),
            legacy_entry("B0B", RETIRED_CA_SERIAL, "retired-ca", "old-meter",
                         status="INACTIVE"))
        self.assertEqual(result.stdout.splitlines(), [
            f"imported 3 of 3 devices from {self.legacy} into sqlite {self.registry}",
            f"{self.config}: 2 INACTIVE or REVOKED states of the old registry added to "
            "device_certificates.states (by ca_sn, as the old registry meant them)",
            RELOAD_HINT + "   (or: systemctl reload mosquitto)"])
        self.assertEqual(result.stderr, "")
        # The registry's own states come over as they were, under the issuer of each CA, and
        # into the config by ca_sn, so that a device an intermediate issued keeps its state
        # when it registers again under its own issuer.
        self.assertEqual(self.list_rows(), [
            ["A1B", FLEET_ISSUER, "fleet-ca", "sensor-1", "2027-01-01T00:00:00Z",
             LEGACY_FIRST_SEEN, "ACTIVE", "-", "ACTIVE", "ACTIVE"],
            ["C0FFEE", FLEET_ISSUER, "fleet-ca", "pump", "2027-01-01T00:00:00Z",
             LEGACY_FIRST_SEEN, "REVOKED", "REVOKED", "REVOKED", "ACTIVE"],
            ["B0B", RETIRED_ISSUER, "retired-ca", "old-meter", "2027-01-01T00:00:00Z",
             LEGACY_FIRST_SEEN, "INACTIVE", "INACTIVE", "INACTIVE", "INACTIVE"],
        ])
        self.assertTrue(self.read(self.config).endswith(
            "  states:\n"
            f"    - device_sn: \"C0FFEE\"\n      ca_sn: \"{FLEET_CA_SERIAL}\"\n"
            "      status: REVOKED\n"
            f"    - device_sn: \"B0B\"\n      ca_sn: \"{RETIRED_CA_SERIAL}\"\n"
            "      status: INACTIVE\n"), self.read(self.config))
        self.assertExit(run_cli("check", self.config), 0)

    def test_import_creates_the_registry_readable_by_its_owner_and_group_only(self):
        """The registry names every device: created 0640 where the config says (relative to
        the config, not to the working directory), its SQLite journal settled when it returns,
        and the YAML file it read left as it was."""
        self.write(self.config, self.config_text())
        self.assertFalse(os.path.exists(self.registry))
        legacy = legacy_registry(legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"))
        self.write(self.legacy, legacy)
        result = self.devices("import", "--config", self.config, "--from", self.legacy)
        self.assertExit(result, 0)
        self.assertIn(f"into sqlite {self.registry}\n", result.stdout)
        self.assertEqual(os.stat(self.registry).st_mode & 0o7777, 0o640)
        self.assertNoSqliteSidecars()
        self.assertEqual(self.read(self.legacy), legacy)
        self.assertEqual([row[0] for row in self.list_rows()], ["A1B"])

    def test_import_twice_imports_nothing_the_second_time(self):
        self.write(self.config, self.config_text())
        entries = (legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"),
                   legacy_entry("C0FFEE", FLEET_CA_SERIAL, "fleet-ca", "pump"))
        self.import_legacy(*entries)
        rows = self.list_rows()
        again = self.import_legacy(*entries)
        self.assertEqual(again.stdout.splitlines(), [
            f"imported 0 of 2 devices from {self.legacy} into sqlite {self.registry}; "
            "2 devices already there"])
        self.assertEqual(self.list_rows(), rows)

    def test_import_keeps_a_device_that_is_already_registered_as_it_is(self):
        """What the registry holds is newer than any YAML file: a device already there is not
        overwritten, even with another state."""
        self.write(self.config, self.config_text())
        self.import_legacy(legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1",
                                        status="INACTIVE"))
        second = os.path.join(self.directory, "other-broker.yaml")
        result = self.import_legacy(
            legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "renamed", status="ACTIVE"),
            legacy_entry("C0FFEE", FLEET_CA_SERIAL, "fleet-ca", "pump"), path=second)
        self.assertEqual(result.stdout.splitlines(), [
            f"imported 1 of 2 devices from {second} into sqlite {self.registry}; "
            "1 device already there"])
        self.assertEqual([(row[0], row[3], row[6]) for row in self.list_rows()],
                         [("A1B", "sensor-1", "INACTIVE"), ("C0FFEE", "pump", "ACTIVE")])

    def test_a_device_of_a_ca_no_longer_listed_is_imported_with_an_empty_issuer_and_a_note(self):
        self.write(self.config, self.config_text())
        result = self.import_legacy(
            legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"),
            legacy_entry("5", "99", "gone-ca", "orphan"))
        self.assertEqual(result.stdout.splitlines(), [
            f"imported 2 of 2 devices from {self.legacy} into sqlite {self.registry}",
            "note: 1 device verified against a CA that is no longer listed; kept with an empty "
            "issuer"])
        # Still found by its CA's serial, which is all the YAML file knew.
        self.assertEqual(self.list_rows("--ca-sn", "99"), [
            ["5", "-", "gone-ca", "orphan", "2027-01-01T00:00:00Z", LEGACY_FIRST_SEEN,
             "ACTIVE", "-", "ACTIVE", "UNLISTED"]])

    def test_a_corrupt_legacy_file_is_refused_with_its_line_and_nothing_is_imported(self):
        """The file is imported whole or not at all: its valid first device is not imported
        either, whether or not the registry exists yet."""
        self.write(self.config, self.config_text())
        valid_then_broken = legacy_registry(
            legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"),
            legacy_entry("not hex", FLEET_CA_SERIAL, "fleet-ca", "sensor-2"))
        cases = {
            "a field": (valid_then_broken,
                        f"{self.legacy}:11:16: devices[1].device_sn: InvalidParameter: not a hex "
                        "serial number"),
            "the YAML": ("version: 1\ndevices: [\n", f"{self.legacy}:3:1: "),
            "a duplicate": (legacy_registry(
                legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1"),
                legacy_entry("0a1b", "7f00", "fleet-ca", "sensor-1")),
                f"{self.legacy}:11:5: devices[1]: InvalidParameter: device_sn and ca_sn "
                "registered twice"),
        }
        for name, (text, error) in cases.items():
            with self.subTest(name):
                self.write(self.legacy, text)
                result = self.devices("import", "--config", self.config, "--from", self.legacy)
                self.assertExit(result, 1)
                self.assertIn(error, result.stderr)
                self.assertIn(f"{self.legacy}: not a valid YAML device registry; nothing was "
                              "imported", result.stderr)
                self.assertEqual(result.stdout, "")
                self.assertFalse(os.path.exists(self.registry), "a refused import created it")

        self.import_legacy(legacy_entry("C0FFEE", FLEET_CA_SERIAL, "fleet-ca", "pump"),
                           path=os.path.join(self.directory, "first.yaml"))
        before = read_bytes(self.registry)
        self.write(self.legacy, valid_then_broken)
        result = self.devices("import", "--config", self.config, "--from", self.legacy)
        self.assertExit(result, 1)
        self.assertEqual(read_bytes(self.registry), before)
        self.assertEqual([row[0] for row in self.list_rows()], ["C0FFEE"])

    def test_a_legacy_file_that_cannot_be_read_is_refused(self):
        self.write(self.config, self.config_text())
        missing = os.path.join(self.directory, "nope.yaml")
        result = self.devices("import", "--config", self.config, "--from", missing)
        self.assertExit(result, 1)
        self.assertIn(f"{missing}: cannot read it", result.stderr)
        self.assertFalse(os.path.exists(self.registry))

    def test_import_into_a_config_without_a_registry_is_refused(self):
        text = "version: 1\nanonymous: deny\n"
        self.write(self.config, text)
        self.write(self.legacy, legacy_registry(
            legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1")))
        result = self.devices("import", "--config", self.config, "--from", self.legacy)
        self.assertExit(result, 1)
        self.assertIn(f"{self.config}: no device_certificates.registry to import into; set one "
                      "first", result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertEqual(sorted(os.listdir(self.directory)), ["auth.yaml", "devices.yaml"])
        self.assertEqual(self.read(self.config), text)

    def test_import_into_a_corrupt_registry_is_refused_and_leaves_it_as_it_is(self):
        self.write(self.config, self.config_text())
        garbage = self.write_garbage_registry()
        self.write(self.legacy, legacy_registry(
            legacy_entry("A1B", FLEET_CA_SERIAL, "fleet-ca", "sensor-1")))
        result = self.devices("import", "--config", self.config, "--from", self.legacy)
        self.assertExit(result, 1)
        self.assertIn(f"{self.registry}: not a readable SQLite database", result.stderr)
        self.assertEqual(result.stdout, "")
        self.assertEqual(read_bytes(self.registry), garbage)
        self.assertNoSqliteSidecars()


class DevicesCliWithBrokerTest(BrokerTestCase):
    """One broker with a TLS listener (require_certificate, no cafile) whose auth.yaml the tool
    edits in place, and whose SQLite registry (beside auth.yaml) the tool lists and imports
    into."""

    @classmethod
    def setUpClass(cls):
        cls.tls = TlsMaterial()
        cls.addClassCleanup(cls.tls.cleanup)
        cls.root = cls.tls.certificate_authority("mqauth devices cli root", name="cli-root")
        cls.issuer = rfc2253_subject(cls.root.cert)  # "CN=mqauth devices cli root"
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
                "  registry:\n"
                "    sqlite: devices.db   # the plugin registers devices in it\n")

    def registry_path(self, broker):
        return os.path.join(broker.workdir, "devices.db")

    def new_device(self):
        device = self.tls.client_certificate(unique_client_id("cli-device"), issuer=self.root)
        return device, ClientTls(cafile=self.root.cert, cert=device.cert, key=device.key)

    def device_rows(self, broker, serial, *filters):
        result = run_cli("devices", "list", "--config", broker.auth_path, "--device-sn", serial,
                         *filters)
        self.assertEqual(result.returncode, 0, result.stderr)
        rows = table_rows(result.stdout)
        self.assertEqual(rows[0], HEADER)
        return [dict(zip(HEADER, row)) for row in rows[1:]]

    def device_row(self, broker, serial):
        rows = self.device_rows(broker, serial)
        self.assertEqual(len(rows), 1, rows)
        return rows[0]

    def decide(self, broker, verb, device, naming):
        result = run_cli("devices", verb, "--config", broker.auth_path,
                         "--device-sn", device.serial, *naming)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(RELOAD_HINT, result.stdout)
        self.assertTrue(broker.reload(), "the edited config should be applied\n"
                        + broker.describe())

    def assertDeviceRefused(self, broker, device, tls, reason):
        """The device does not get in, and the plugin logs its refusal with `reason`: at the
        TLS handshake (naming the serial and issuer) when the broker knows the device's state
        by then, at CONNECT (naming the client id) when it learns it from the registry."""
        serial = re.escape(canonical_serial(device.serial))
        issuer = re.escape(self.issuer)
        client_id = re.escape(device.common_name)
        self.assertNotEqual(pub(broker, client_id=device.common_name, tls=tls)[0], 0,
                            f"{device.common_name} got in; expected {reason}\n"
                            + broker.describe())
        self.assertIsNotNone(
            broker.wait_for_log_line(
                rf"mqauth: refused (client certificate address=\S+ device_sn=0*{serial} "
                rf"issuer=\"{issuer}\"|client_id={client_id} address=\S+ .*)"
                rf" reason={reason}\b"),
            f"no refusal of {device.common_name} with reason={reason}\n" + broker.describe())

    def registered_fingerprints(self, broker, serial):
        """The fingerprint column of the device's rows, read straight from the broker's SQLite
        file without writing to it."""
        path = self.registry_path(broker)
        database = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return [row[0] for row in database.execute(
                "SELECT fingerprint FROM mqauth_devices WHERE device_sn = ?", (serial,))]
        finally:
            database.close()

    def test_a_registered_device_is_listed_with_its_issuer_and_a_decision_by_issuer_applies(self):
        broker = self.start_broker(self.config_text(), tls_listener=self.listener)
        device, tls = self.new_device()
        serial = canonical_serial(device.serial)

        self.assertEqual(pub(broker, client_id=device.common_name, tls=tls)[0], 0,
                         broker.describe())
        row = self.device_row(broker, serial)
        self.assertEqual((row["issuer"], row["common_name"], row["ca_name"], row["registry"],
                          row["operator"], row["effective"], row["ca_status"]),
                         (self.issuer.replace(" ", "\\x20"), device.common_name, "cli-root",
                          "ACTIVE", "-", "ACTIVE", "ACTIVE"))
        self.assertEqual(len(self.device_rows(broker, serial, "--issuer", self.issuer)), 1)

        self.decide(broker, "revoke", device, ["--issuer", self.issuer])
        self.assertDeviceRefused(broker, device, tls, "certificate_revoked")
        self.assertEqual(self.device_row(broker, serial)["effective"], "REVOKED")

        self.decide(broker, "activate", device, ["--issuer", self.issuer])
        self.assertEqual(pub(broker, client_id=device.common_name, tls=tls)[0], 0,
                         "the reactivated device should connect\n" + broker.describe())
        with open(broker.auth_path, encoding="utf-8") as file:
            self.assertEqual(file.read(), self.config_text() + (
                "  states:\n"
                f"    - device_sn: \"{serial}\"\n"
                f"      issuer: \"{self.issuer}\"\n"
                "      status: ACTIVE\n"))

    def test_a_decision_by_ca_serial_applies_to_a_device_registered_under_its_issuer(self):
        """The older --ca-sn form still reaches a device the broker filed by issuer."""
        broker = self.start_broker(self.config_text(), tls_listener=self.listener)
        device, tls = self.new_device()
        serial = canonical_serial(device.serial)
        self.assertEqual(pub(broker, client_id=device.common_name, tls=tls)[0], 0,
                         broker.describe())

        self.decide(broker, "revoke", device, ["--ca-sn", self.root.serial])
        self.assertDeviceRefused(broker, device, tls, "certificate_revoked")
        self.assertEqual(self.device_row(broker, serial)["effective"], "REVOKED")

        self.decide(broker, "activate", device, ["--ca-sn", self.root.serial])
        self.assertEqual(pub(broker, client_id=device.common_name, tls=tls)[0], 0,
                         "the reactivated device should connect\n" + broker.describe())
        with open(broker.auth_path, encoding="utf-8") as file:
            self.assertTrue(file.read().startswith(self.config_text()))

    def test_an_imported_device_connects_under_its_imported_record_and_is_listed_once(self):
        """The migration path: the devices of the old registry_file are imported before the
        broker starts. A device connecting afterwards is known (no second registration, no
        second row), its imported first_seen and state stand, and its record takes the
        certificate's fingerprint, which the YAML file never had."""
        device, tls = self.new_device()
        inactive, inactive_tls = self.new_device()
        serial = canonical_serial(device.serial)
        broker = Broker(self.config_text(), tls_listener=self.listener)  # not started yet
        self.addCleanup(broker.close_expecting_clean_exit)
        self.assertFalse(os.path.exists(self.registry_path(broker)))

        legacy = os.path.join(broker.workdir, "registry.yaml")
        with open(legacy, "w", encoding="utf-8") as file:
            file.write(legacy_registry(
                legacy_entry(device.serial, self.root.serial, "cli-root", device.common_name),
                legacy_entry(inactive.serial, self.root.serial, "cli-root",
                             inactive.common_name, status="INACTIVE")))
        imported = run_cli("devices", "import", "--config", broker.auth_path, "--from", legacy)
        self.assertEqual(imported.returncode, 0, imported.stderr)
        self.assertIn("imported 2 of 2 devices", imported.stdout)
        self.assertEqual(self.registered_fingerprints(broker, serial), [""])

        broker.start()
        self.assertEqual(pub(broker, client_id=device.common_name, tls=tls)[0], 0,
                         "the imported device should connect\n" + broker.describe())
        self.assertDeviceRefused(broker, inactive, inactive_tls, "certificate_inactive")
        self.assertEqual(
            broker.log_lines_matching(rf"registered device certificate device_sn={serial}\b"),
            [], "the imported device was registered again\n" + broker.describe())

        rows = self.device_rows(broker, serial)
        self.assertEqual(len(rows), 1, f"the imported device is listed more than once: {rows}")
        self.assertEqual((rows[0]["issuer"], rows[0]["first_seen"], rows[0]["registry"],
                          rows[0]["effective"]),
                         (self.issuer.replace(" ", "\\x20"), LEGACY_FIRST_SEEN, "ACTIVE",
                          "ACTIVE"))
        self.assertEqual(self.registered_fingerprints(broker, serial),
                         [sha256_fingerprint(device.cert)])
        self.assertRegex(self.registered_fingerprints(broker, serial)[0], r"^[0-9A-F]{64}$")

    def test_an_imported_revocation_holds_for_a_device_an_intermediate_issued(self):
        """The YAML file named a device by its serial and its listed CA's, so the import files it
        under that CA's issuer; a device an intermediate issued registers anew under its own
        issuer. Its REVOKED state must not stay behind on the imported record: the import also
        records it in the config by ca_sn, which applies whatever the issuer."""
        intermediate = self.tls.certificate_authority("line-3 issuing", issuer=self.root)
        device = self.tls.client_certificate(unique_client_id("cli-device"), issuer=intermediate)
        tls = ClientTls(cafile=self.root.cert, cert=device.chain, key=device.key)
        broker = Broker(self.config_text(), tls_listener=self.listener)  # not started yet
        self.addCleanup(broker.close_expecting_clean_exit)
        legacy = os.path.join(broker.workdir, "registry.yaml")
        with open(legacy, "w", encoding="utf-8") as file:
            file.write(legacy_registry(legacy_entry(device.serial, self.root.serial, "cli-root",
                                                    device.common_name, status="REVOKED")))
        imported = run_cli("devices", "import", "--config", broker.auth_path, "--from", legacy)
        self.assertEqual(imported.returncode, 0, imported.stderr)
        self.assertIn("1 INACTIVE or REVOKED states of the old registry added", imported.stdout)

        broker.start()
        self.assertNotEqual(pub(broker, client_id=device.common_name, tls=tls)[0], 0,
                            "the revoked device got in\n" + broker.describe())
        serial = re.escape(canonical_serial(device.serial))
        self.assertIsNotNone(broker.wait_for_log_line(
            rf"mqauth: refused client certificate address=\S+ device_sn=0*{serial} "
            rf"issuer=\"CN=line-3 issuing\" reason=certificate_revoked"), broker.describe())
        self.assertEqual(
            broker.log_lines_matching(r"registered device certificate"), [],
            "a revoked device was registered anew\n" + broker.describe())


if __name__ == "__main__":
    unittest.main()

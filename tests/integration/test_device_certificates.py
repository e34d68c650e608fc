# SPDX-License-Identifier: Apache-2.0
"""Device certificates (SPEC `ca_certificates`, `device_certificates`, "Who decides a CONNECT"
step 1) against a real Mosquitto with the built plugin, real certificates made by `openssl`
(tls_material.py) and the real clients with --cert/--key.

Every TLS listener here has `require_certificate true` and no `cafile` unless a test says
otherwise: the plugin verifies client chains itself against the CAs its YAML lists. A refusal
during the handshake happens before any CONNECT, so there is no client id yet: the plugin logs
`mqauth: refused client certificate address=IP:PORT device_sn=SN issuer="DN" reason=CODE`, and
the client fails with a TLS or protocol error (its exit status is not 0; which non-zero status
depends on the TLS version and on when the alert arrives, so no test relies on one).

A device is its serial and its issuer: the leaf's issuer name in RFC 2253 form, as
`openssl x509 -noout -issuer -nameopt RFC2253` prints it (issuer_of()). The plugin registers a
first-seen device in the SQLite registry that `device_certificates.registry.sqlite` names,
before the CONNACK; the tests read that table with Python's sqlite3 module, read-only, so that
reading never changes what the broker wrote.

Serial numbers: openssl prints whole bytes in upper case (`0A1B`); SPEC matches them in any case
with leading zeros ignored. The plugin writes them without leading zeros, so the tests compare
tls_material.canonical_serial() forms.
"""

import datetime
import functools
import json
import os
import queue
import re
import shutil
import sqlite3
import stat
import subprocess
import threading
import unittest
from contextlib import closing
from urllib.parse import quote

from mqauth_harness import (
    CLIENT_TIMEOUT,
    RELOAD_TIMEOUT,
    Broker,
    BrokerTestCase,
    ClientTls,
    LiveClient,
    RC_NOT_AUTHORISED,
    Subscriber,
    TlsListener,
    auth_yaml,
    credential_args,
    endpoint_args,
    pub,
    tool,
    unique_client_id,
    user_identity,
    user_rule,
    wait_for,
)
from tls_material import TlsMaterial, canonical_serial, days_from_now, random_serial, run_openssl

REGISTRY = "devices.db"  # relative to auth.yaml, so inside the broker's own directory
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"

# The registry's marks (registry/sqlite_store.cpp): PRAGMA application_id "mqau", the schema's
# user_version, the table and its columns in order.
APPLICATION_ID = 0x6D716175
SCHEMA_VERSION = 1
TABLE = "mqauth_devices"
COLUMNS = ("device_sn", "issuer", "fingerprint", "ca_sn", "ca_name", "common_name",
           "not_before", "not_after", "first_seen", "status")
SIDECARS = ("-wal", "-shm", "-journal")
BURST_TIMEOUT = 60.0  # seconds for half of DurabilityTest's burst; a few take one


# ---------------------------------------------------------------------------------------------
# auth.yaml with certificate sections

def ca_entry(name, authority, status=None):
    """A `ca_certificates` entry for a tls_material CA (status None: the default, ACTIVE)."""
    entry = {"ca_name": name, "file": authority.cert}
    if status is not None:
        entry["status"] = status
    return entry


def state_entry(device_sn, ca_sn, status):
    """A state in the form from before devices were keyed by issuer: it applies to every device
    with that serial whose chain leads to the listed CA with serial ca_sn."""
    return {"device_sn": device_sn, "ca_sn": ca_sn, "status": status}


def issuer_state_entry(device_sn, issuer, status):
    """A state for the one device with that serial and issuer (an RFC 2253 name)."""
    return {"device_sn": device_sn, "issuer": issuer, "status": status}


def certificates_yaml(cas, *, states=(), bind_client_id_to_cn=None, identities=(),
                      rules=None, no_match="ALLOW", anonymous="deny", registry=REGISTRY):
    """auth_yaml() (identities, permissions) plus `ca_certificates` and `device_certificates`
    with an SQLite registry at `registry`. Values are JSON strings, valid YAML double-quoted
    scalars."""
    text = auth_yaml(list(identities), anonymous=anonymous, rules=rules, no_match=no_match)
    lines = ["ca_certificates:"]
    for entry in cas:
        prefix = "  - "
        for key, value in entry.items():
            lines.append(f"{prefix}{key}: {json.dumps(value)}")
            prefix = "    "
    lines += ["device_certificates:", "  registry:", f"    sqlite: {json.dumps(registry)}"]
    if bind_client_id_to_cn is not None:
        lines.append(f"  bind_client_id_to_cn: {str(bind_client_id_to_cn).lower()}")
    if states:
        lines.append("  states:")
        for state in states:
            key = ", ".join(f"{name}: {json.dumps(value)}" for name, value in state.items()
                            if name != "status")
            lines.append(f"    - {{{key}, status: {state['status']}}}")
    return text + "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Certificates as the registry names them

@functools.lru_cache(maxsize=None)
def _issuer_of_file(cert_path):
    output = run_openssl("x509", "-in", cert_path, "-noout", "-issuer",
                         "-nameopt", "RFC2253").strip()
    label, _, issuer = output.partition("=")
    if label != "issuer" or not issuer:
        raise AssertionError(f"unexpected `openssl x509 -issuer` output {output!r}")
    return issuer


def issuer_of(certificate):
    """The certificate's issuer as `openssl x509 -noout -issuer -nameopt RFC2253` prints it
    (after "issuer="): the second half of the device's registry key."""
    return _issuer_of_file(certificate.cert)


def fingerprint_of(certificate):
    """SHA-256 of the certificate's DER, upper-case hex without colons, as the registry's
    fingerprint column holds it."""
    output = run_openssl("x509", "-in", certificate.cert, "-noout", "-fingerprint",
                         "-sha256").strip()
    return output.partition("=")[2].replace(":", "")


def log_form(text):
    """`text` as the plugin prints a field in its log: bytes outside printable ASCII, and the
    backslash, as \\xNN (plugin/mosquitto/broker_log.cpp printable())."""
    return "".join(chr(byte) if 0x20 <= byte < 0x7F and byte != 0x5C else f"\\x{byte:02x}"
                   for byte in text.encode())


def device_pattern(device):
    """A regex for `device_sn=SN issuer="DN"` of `device` in a log line."""
    serial = re.escape(canonical_serial(device.serial))
    return rf'device_sn=0*{serial} issuer="{re.escape(log_form(issuer_of(device)))}"'


def registration_pattern(device):
    return rf"mqauth: registered device certificate {device_pattern(device)} "


def same_serial_twin(authority, device, common_name):
    """A second certificate from `authority` with `device`'s serial: what a CA with a broken
    serial counter issues. `openssl ca` refuses a serial its database has seen, so the twin is
    issued from a database of its own; returns (twin, its TlsMaterial for cleanup)."""
    twin_material = TlsMaterial()
    twin_material._init_database(authority)  # the same CA's key and certificate, a new database
    twin = twin_material.client_certificate(common_name, issuer=authority, serial=device.serial)
    if twin.serial != device.serial:
        raise AssertionError(f"the twin got serial {twin.serial}, not {device.serial}")
    return twin, twin_material


# ---------------------------------------------------------------------------------------------
# The registry database

def registry_path(broker):
    return os.path.join(broker.workdir, REGISTRY)


def open_read_only(path):
    """A read-only sqlite3 connection (never creates the file, never writes the database)."""
    return closing(sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True))


def read_registry(path):
    """The registry's rows as dicts of strings, in rowid (registration) order; [] when the file
    does not exist."""
    if not os.path.exists(path):
        return []
    with open_read_only(path) as database:
        database.row_factory = sqlite3.Row
        return [dict(row) for row in database.execute(
            f"SELECT {', '.join(COLUMNS)} FROM {TABLE} ORDER BY rowid")]


def registry_entries_for(path, device):
    """The rows under `device`'s key: its serial (in any form) and its issuer."""
    serial, issuer = canonical_serial(device.serial), issuer_of(device)
    return [entry for entry in read_registry(path)
            if canonical_serial(entry["device_sn"]) == serial and entry["issuer"] == issuer]


def registered_keys(path):
    return [(canonical_serial(entry["device_sn"]), entry["issuer"])
            for entry in read_registry(path)]


def key_of(device):
    return canonical_serial(device.serial), issuer_of(device)


def read_bytes(path):
    with open(path, "rb") as file:
        return file.read()


def sidecars_of(path):
    """The SQLite files beside `path` (-wal, -shm, -journal) that exist."""
    return [path + suffix for suffix in SIDECARS if os.path.exists(path + suffix)]


def iso_seconds(moment):
    return moment.astimezone(datetime.timezone.utc).strftime(TIME_FORMAT)


# Files at the registry path that are not an mqauth registry: (name, writer, the message the
# plugin gives). Each writer makes the file at the path it is given.

def write_garbage(path):
    with open(path, "wb") as file:
        file.write(b"this is not an SQLite database\n\x00\x01\x02\xff" * 64)


def write_old_yaml_registry(path):
    """What `device_certificates.registry_file` held before the SQLite registry."""
    with open(path, "w", encoding="utf-8") as file:
        file.write("version: 1\n"
                   "devices:\n"
                   '  - device_sn: "1A2B"\n'
                   '    ca_sn: "7F00"\n'
                   '    ca_name: "fleet-ca"\n'
                   '    common_name: "sensor-1"\n'
                   '    not_before: "2026-01-01T00:00:00Z"\n'
                   '    not_after: "2027-01-01T00:00:00Z"\n'
                   '    first_seen: "2026-01-02T00:00:00Z"\n'
                   "    status: ACTIVE\n")


def write_foreign_database(path):
    """Another program's SQLite database, named as the registry by mistake."""
    with closing(sqlite3.connect(path)) as database:
        database.execute("CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT)")
        database.execute("INSERT INTO settings VALUES ('theme', 'dark')")
        database.commit()


def write_newer_registry(path):
    """A registry that a newer mqauth wrote (schema version 2), in WAL mode as registries are."""
    with closing(sqlite3.connect(path)) as database:
        database.execute("PRAGMA journal_mode = WAL")
        database.execute(f"CREATE TABLE {TABLE} (device_sn TEXT, issuer TEXT, extra TEXT, "
                         "PRIMARY KEY (device_sn, issuer))")
        database.execute(f"INSERT INTO {TABLE} VALUES ('1A2B', 'CN=future', 'x')")
        database.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        database.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        database.commit()
    if sidecars_of(path):
        raise AssertionError(f"sqlite3 left {sidecars_of(path)} beside the test's file")


def left_as_it_is(path):
    """A regex for the plugin's line about a file at the registry path it will not use."""
    return rf"{re.escape(path)}: .*; it was left as it is \(device registry\)"


NOT_A_REGISTRY = [
    ("garbage", write_garbage, "not a readable SQLite database ("),
    ("old_yaml_registry", write_old_yaml_registry, "not a readable SQLite database ("),
    ("another_programs_database", write_foreign_database,
     "an SQLite database that is not an mqauth device registry"),
    ("newer_schema", write_newer_registry, "written by a newer mqauth (schema version 2)"),
]


# ---------------------------------------------------------------------------------------------
# Shared material and assertions

class DeviceCertificateTestCase(BrokerTestCase):
    """One CA hierarchy per test class (setUpClass), fresh device certificates per test."""

    @classmethod
    def setUpClass(cls):
        cls.tls = TlsMaterial()
        cls.addClassCleanup(cls.tls.cleanup)
        cls.root = cls.tls.certificate_authority("mqauth test fleet root", name="fleet-root")
        cls.server = cls.tls.server_certificate("broker", issuer=cls.root)
        cls.listener = TlsListener(certfile=cls.server.cert, keyfile=cls.server.key)

    @classmethod
    def device(cls, common_name=None, issuer=None, **options):
        """A new device certificate (a unique CN unless given) issued by the fleet root."""
        common_name = common_name or unique_client_id("device")
        return cls.tls.client_certificate(common_name, issuer=issuer or cls.root, **options)

    def client_tls(self, device, chain=False):
        return ClientTls(cafile=self.root.cert, cert=device.chain if chain else device.cert,
                         key=device.key)

    def connect_device(self, broker, device, *, client_id=None, chain=False, **client):
        """mosquitto_pub with the device's certificate: (exit code, stderr)."""
        return pub(broker, client_id=client_id or device.common_name,
                   tls=self.client_tls(device, chain), **client)

    def assertDeviceConnects(self, broker, device, **client):
        rc, stderr = self.connect_device(broker, device, **client)
        self.assertEqual(rc, 0, f"{device.common_name} should connect and publish; "
                                f"mosquitto_pub said {stderr!r}\n{broker.describe()}")

    def refusal_pattern(self, device, reason):
        return (rf"mqauth: refused client certificate address=127\.0\.0\.1:\d+ "
                rf"{device_pattern(device)} reason={reason}\b")

    def assertHandshakeRefused(self, broker, device, *, reason, chain=False, **client):
        """The TLS handshake fails (the client exits non-zero, never connected), the plugin
        logs the refusal once with the address, the device's serial and issuer and `reason`,
        and the attempt registers nothing."""
        refusals = len(broker.log_lines_matching(self.refusal_pattern(device, r"\S+")))
        registered_before = self.registration_state(broker, device)
        client_id = client.pop("client_id", None) or unique_client_id("refused")
        rc, stderr = self.connect_device(broker, device, client_id=client_id, chain=chain,
                                         **client)
        self.assertNotEqual(rc, 0, f"{device.common_name} should be refused at the handshake"
                                   f"\n{broker.describe()}")
        self.assertNotEqual(rc, RC_NOT_AUTHORISED,
                            f"{device.common_name} got as far as a CONNACK; mosquitto_pub said "
                            f"{stderr!r}\n{broker.describe()}")
        line = broker.wait_for_log_line(self.refusal_pattern(device, re.escape(reason)))
        self.assertIsNotNone(line, f"no refusal with reason={reason} for {device.common_name} "
                                   f"({device.serial})\n{broker.describe()}")
        self.assertEqual(
            len(broker.log_lines_matching(self.refusal_pattern(device, r"\S+"))), refusals + 1,
            "a refusal should be logged exactly once\n" + broker.describe())
        self.assertEqual(broker.log_lines_matching(rf"as {re.escape(client_id)} "), [],
                         "a client refused at the handshake was admitted\n" + broker.describe())
        self.assertEqual(self.registration_state(broker, device), registered_before,
                         "a refused connect changed the device's registration\n"
                         + broker.describe())

    def assertConnectRefused(self, broker, device, *, reason, level="refused", **client):
        """The handshake passes and the CONNECT is refused (CONNACK "not authorised"), logged
        once as `mqauth: LEVEL client_id=ID ... reason=CODE` (level "error deciding" for a
        refusal caused by a failure rather than by the policy)."""
        client_id = client.pop("client_id", None) or unique_client_id("refused")
        rc, stderr = self.connect_device(broker, device, client_id=client_id, **client)
        self.assertEqual(rc, RC_NOT_AUTHORISED, f"{device.common_name} should be refused at "
                                                f"the CONNECT; mosquitto_pub said {stderr!r}\n"
                                                f"{broker.describe()}")
        refusal = rf"mqauth: {level} client_id={re.escape(client_id)} .*reason={reason}\b"
        self.assertIsNotNone(broker.wait_for_log_line(refusal), broker.describe())
        self.assertEqual(len(broker.log_lines_matching(
            rf"mqauth: (refused|error deciding) client_id={re.escape(client_id)} ")), 1,
            "a refusal should be logged exactly once\n" + broker.describe())
        self.assertEqual(broker.log_lines_matching(rf"as {re.escape(client_id)} "), [],
                         "a refused client was admitted\n" + broker.describe())

    def registration_state(self, broker, device):
        """The device's registry entries and registration log lines."""
        return (registry_entries_for(registry_path(broker), device),
                broker.log_lines_matching(registration_pattern(device)))

    def assertRegisteredOnce(self, broker, device):
        """The device has exactly one registry entry and one registration log line."""
        entries = registry_entries_for(registry_path(broker), device)
        self.assertEqual(len(entries), 1, f"registry entries for {device.serial}: {entries}\n"
                                          + broker.describe())
        lines = broker.log_lines_matching(registration_pattern(device))
        self.assertEqual(len(lines), 1, f"registration lines for {device.serial}: {lines}\n"
                                        + broker.describe())
        return entries[0]

    def assertNotRegistered(self, broker, device):
        self.assertEqual(self.registration_state(broker, device), ([], []),
                         f"{device.common_name} was registered\n" + broker.describe())

    def reload_with(self, broker, yaml_text):
        broker.write_config(yaml_text)
        self.assertTrue(broker.reload(), "the reload should be applied\n" + broker.describe())


def device_dropped(client):
    """A Subscriber or LiveClient the broker disconnected: it exited, got a DISCONNECT packet
    (MQTT 5, as a kick sends), or connected a second time."""
    output = client.output()
    return (client.process.poll() is not None
            or "Received DISCONNECT" in output
            or output.count(f"Client {client.client_id} sending CONNECT") > 1)


# ---------------------------------------------------------------------------------------------

class RegistrationTest(DeviceCertificateTestCase):
    """One broker listing the fleet root (ACTIVE), a retired CA (INACTIVE) and an issuing CA
    listed on its own (an intermediate whose root is not listed)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tls = cls.tls
        cls.intermediate = tls.certificate_authority("mqauth test fleet issuing",
                                                     issuer=cls.root, name="fleet-issuing")
        cls.unlisted_root = tls.certificate_authority("mqauth test stranger root",
                                                      name="stranger-root")
        cls.retired_root = tls.certificate_authority("mqauth test retired root",
                                                     name="retired-root")
        cls.other_root = tls.certificate_authority("mqauth test other root", name="other-root")
        cls.listed_intermediate = tls.certificate_authority(
            "mqauth test listed issuing", issuer=cls.other_root, name="listed-issuing")
        cls.broker = cls.start_class_broker(
            certificates_yaml([ca_entry("fleet-ca", cls.root, "ACTIVE"),
                               ca_entry("retired-ca", cls.retired_root, "INACTIVE"),
                               ca_entry("issuing-ca", cls.listed_intermediate)]),
            tls_listener=cls.listener)

    def test_certificate_of_a_listed_ca_is_accepted_and_registered_active(self):
        device = self.device()
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        self.assertDeviceConnects(self.broker, device)
        after = datetime.datetime.now(datetime.timezone.utc)

        entry = self.assertRegisteredOnce(self.broker, device)
        self.assertEqual(canonical_serial(entry["device_sn"]), canonical_serial(device.serial))
        self.assertEqual(entry["issuer"], issuer_of(device))
        self.assertEqual(entry["issuer"], "CN=mqauth test fleet root")
        self.assertEqual(entry["fingerprint"], fingerprint_of(device))
        self.assertRegex(entry["fingerprint"], r"^[0-9A-F]{64}$")
        self.assertEqual(canonical_serial(entry["ca_sn"]), canonical_serial(self.root.serial))
        self.assertEqual(entry["ca_name"], "fleet-ca")
        self.assertEqual(entry["common_name"], device.common_name)
        self.assertEqual(entry["status"], "ACTIVE")
        self.assertEqual(entry["not_before"], iso_seconds(device.not_before))
        self.assertEqual(entry["not_after"], iso_seconds(device.not_after))
        first_seen = datetime.datetime.strptime(entry["first_seen"], TIME_FORMAT).replace(
            tzinfo=datetime.timezone.utc)
        self.assertTrue(before <= first_seen <= after,
                        f"first_seen {entry['first_seen']} is not between {before} and {after}")
        line = self.broker.wait_for_log_line(registration_pattern(device))
        self.assertIn(f"ca_sn={canonical_serial(self.root.serial)}", line)
        self.assertIn("ca_name=fleet-ca", line)

    def test_second_connect_of_a_registered_device_does_not_register_it_again(self):
        device = self.device()
        self.assertDeviceConnects(self.broker, device)
        first = self.assertRegisteredOnce(self.broker, device)
        self.assertDeviceConnects(self.broker, device)
        self.assertDeviceConnects(self.broker, device, client_id=unique_client_id("again"))
        self.assertEqual(self.assertRegisteredOnce(self.broker, device), first)

    def test_certificate_of_an_unlisted_ca_is_refused_and_not_registered(self):
        stranger = self.device(issuer=self.unlisted_root)
        self.assertHandshakeRefused(self.broker, stranger, reason="unknown_ca")
        self.assertNotRegistered(self.broker, stranger)

    def test_certificate_of_an_inactive_ca_is_refused(self):
        device = self.device(issuer=self.retired_root)
        self.assertHandshakeRefused(self.broker, device, reason="ca_inactive")

    def test_expired_certificate_is_refused(self):
        device = self.device(not_before=days_from_now(-730), not_after=days_from_now(-365))
        self.assertHandshakeRefused(self.broker, device, reason="certificate_expired")

    def test_certificate_expired_an_hour_ago_is_refused(self):
        device = self.device(not_before=days_from_now(-30), not_after=days_from_now(0, hours=-1))
        self.assertHandshakeRefused(self.broker, device, reason="certificate_expired")

    def test_not_yet_valid_certificate_is_refused(self):
        device = self.device(not_before=days_from_now(365), not_after=days_from_now(730))
        self.assertHandshakeRefused(self.broker, device, reason="certificate_not_yet_valid")

    def test_chain_through_an_intermediate_to_a_listed_root_is_accepted(self):
        """Registered under the intermediate that issued it (the leaf's issuer), with the
        listed root its chain leads to as ca_sn/ca_name."""
        device = self.device(issuer=self.intermediate)
        self.assertDeviceConnects(self.broker, device, chain=True)
        entry = self.assertRegisteredOnce(self.broker, device)
        self.assertEqual(entry["issuer"], "CN=mqauth test fleet issuing")
        self.assertEqual(entry["issuer"], issuer_of(device))
        self.assertEqual(canonical_serial(entry["ca_sn"]), canonical_serial(self.root.serial))
        self.assertEqual(entry["ca_name"], "fleet-ca")

    def test_intermediate_issued_certificate_sent_without_its_chain_is_refused(self):
        device = self.device(issuer=self.intermediate)
        self.assertHandshakeRefused(self.broker, device, reason="unknown_ca", chain=False)

    def test_listed_intermediate_is_a_trust_anchor_of_its_own(self):
        device = self.device(issuer=self.listed_intermediate)
        self.assertDeviceConnects(self.broker, device)
        entry = self.assertRegisteredOnce(self.broker, device)
        self.assertEqual(entry["issuer"], issuer_of(device))
        self.assertEqual(canonical_serial(entry["ca_sn"]),
                         canonical_serial(self.listed_intermediate.serial))
        self.assertEqual(entry["ca_name"], "issuing-ca")

    def test_client_without_a_certificate_is_refused_at_the_handshake(self):
        client_id = unique_client_id("no-cert")
        rc, stderr = pub(self.broker, client_id=client_id, tls=ClientTls(cafile=self.root.cert))
        self.assertNotEqual(rc, 0, f"a client without a certificate connected\n"
                                   f"{self.broker.describe()}")
        self.assertEqual(self.broker.log_lines_matching(rf"as {re.escape(client_id)} "), [])


class DeviceStateReloadTest(DeviceCertificateTestCase):
    """`device_certificates.states` and CA status changes applied by SIGHUP; each test edits
    the config, so each has its own broker."""

    def start_fleet_broker(self, **options):
        return self.start_broker(certificates_yaml([ca_entry("fleet-ca", self.root)], **options),
                                 tls_listener=self.listener)

    def leading_zero_device(self):
        """A device whose serial openssl prints with a leading 0 (first byte 0x0A)."""
        device = self.device(serial="0A" + os.urandom(15).hex().upper())
        self.assertTrue(device.serial.startswith("0"), device.serial)
        return device

    def state_of(self, device, status, ca=None):
        """A state entry in the ca_sn form (the form from before devices were keyed by
        issuer, still accepted), naming both serials in lower case, as openssl does not print
        them. Most tests here use it for devices the listed CA issued directly: what existing
        configs hold."""
        return state_entry(device.serial.lower(), (ca or self.root).serial.lower(), status)

    def issuer_state_of(self, device, status):
        """A state entry in the issuer form, the serial in lower case."""
        return issuer_state_entry(device.serial.lower(), issuer_of(device), status)

    def test_inactive_state_given_in_lower_case_refuses_a_registered_device_after_sighup(self):
        broker = self.start_fleet_broker()
        device, bystander = self.leading_zero_device(), self.device()
        self.assertDeviceConnects(broker, device)
        self.assertDeviceConnects(broker, bystander)

        self.reload_with(broker, certificates_yaml(
            [ca_entry("fleet-ca", self.root)], states=[self.state_of(device, "INACTIVE")]))
        self.assertHandshakeRefused(broker, device, reason="certificate_inactive")
        self.assertDeviceConnects(broker, bystander)
        self.assertRegisteredOnce(broker, device)  # refused, still registered, not twice

    def test_revoked_state_refuses_a_registered_device_after_sighup(self):
        broker = self.start_fleet_broker()
        device, bystander = self.leading_zero_device(), self.device()
        self.assertDeviceConnects(broker, device)

        self.reload_with(broker, certificates_yaml(
            [ca_entry("fleet-ca", self.root)], states=[self.state_of(device, "REVOKED")]))
        self.assertHandshakeRefused(broker, device, reason="certificate_revoked")
        self.assertDeviceConnects(broker, bystander)

    def test_state_for_a_device_never_seen_refuses_its_first_connect(self):
        broker = self.start_fleet_broker()
        device = self.device()
        self.reload_with(broker, certificates_yaml(
            [ca_entry("fleet-ca", self.root)], states=[self.state_of(device, "REVOKED")]))
        self.assertHandshakeRefused(broker, device, reason="certificate_revoked")

    def test_reload_that_inactivates_a_device_kicks_its_live_subscriber_and_others_stay(self):
        broker = self.start_fleet_broker()
        victim, bystander = self.device(), self.device()
        subscriber = Subscriber(broker, client_id=victim.common_name, topics=["fleet/#"],
                                tls=self.client_tls(victim), extra=["-V", "mqttv5"])
        self.addCleanup(subscriber.stop)
        self.assertEqual(subscriber.wait_subscribed(), [0], subscriber.describe())
        other = LiveClient(broker, client_id=bystander.common_name,
                           tls=self.client_tls(bystander))
        self.addCleanup(other.stop)
        other.wait_connected()

        self.reload_with(broker, certificates_yaml(
            [ca_entry("fleet-ca", self.root)], states=[self.state_of(victim, "INACTIVE")]))
        self.assertTrue(wait_for(lambda: device_dropped(subscriber), RELOAD_TIMEOUT),
                        f"the inactivated device's subscriber stayed connected\n"
                        f"{subscriber.describe()}\n{broker.describe()}")
        line = broker.wait_for_log_line(
            rf"mqauth: disconnecting client_id={re.escape(victim.common_name)} ")
        self.assertIsNotNone(line, broker.describe())
        self.assertIn("reason=certificate_inactive", line)
        self.assertTrue(other.stays_connected(),
                        f"another device was dropped\n{other.describe()}\n{broker.describe()}")
        self.assertEqual(broker.log_lines_matching(
            rf"disconnecting client_id={re.escape(bystander.common_name)} "), [])

    def test_reload_that_revokes_a_device_kicks_its_live_client(self):
        broker = self.start_fleet_broker()
        victim = self.device()
        live = LiveClient(broker, client_id=victim.common_name, tls=self.client_tls(victim))
        self.addCleanup(live.stop)
        live.wait_connected()
        self.reload_with(broker, certificates_yaml(
            [ca_entry("fleet-ca", self.root)], states=[self.state_of(victim, "REVOKED")]))
        self.assertTrue(live.wait_disconnected(), live.describe() + "\n" + broker.describe())
        line = broker.wait_for_log_line(
            rf"mqauth: disconnecting client_id={re.escape(victim.common_name)} ")
        self.assertIsNotNone(line, broker.describe())
        self.assertIn("reason=certificate_revoked", line)

    def test_reload_that_inactivates_a_ca_kicks_its_devices_and_refuses_them(self):
        other_root = self.tls.certificate_authority(unique_client_id("other root"))
        cas = [ca_entry("fleet-ca", self.root), ca_entry("other-ca", other_root)]
        broker = self.start_broker(certificates_yaml(cas), tls_listener=self.listener)
        victim, bystander = self.device(), self.device(issuer=other_root)
        live = LiveClient(broker, client_id=victim.common_name, tls=self.client_tls(victim))
        self.addCleanup(live.stop)
        live.wait_connected()
        other = LiveClient(broker, client_id=bystander.common_name,
                           tls=self.client_tls(bystander))
        self.addCleanup(other.stop)
        other.wait_connected()

        self.reload_with(broker, certificates_yaml(
            [ca_entry("fleet-ca", self.root, "INACTIVE"), ca_entry("other-ca", other_root)]))
        self.assertTrue(live.wait_disconnected(), live.describe() + "\n" + broker.describe())
        line = broker.wait_for_log_line(
            rf"mqauth: disconnecting client_id={re.escape(victim.common_name)} ")
        self.assertIsNotNone(line, broker.describe())
        self.assertIn("reason=ca_inactive", line)
        self.assertTrue(other.stays_connected(), other.describe() + "\n" + broker.describe())
        self.assertHandshakeRefused(broker, victim, reason="ca_inactive")

    def test_reload_that_unlists_a_ca_kicks_its_devices(self):
        broker = self.start_fleet_broker()
        victim = self.device()
        live = LiveClient(broker, client_id=victim.common_name, tls=self.client_tls(victim))
        self.addCleanup(live.stop)
        live.wait_connected()
        other_root = self.tls.certificate_authority(unique_client_id("other root"))
        self.reload_with(broker, certificates_yaml([ca_entry("other-ca", other_root)]))
        self.assertTrue(live.wait_disconnected(), live.describe() + "\n" + broker.describe())
        self.assertHandshakeRefused(broker, victim, reason="unknown_ca")

    def test_reload_that_turns_on_cn_binding_kicks_clients_whose_id_is_not_the_cn(self):
        broker = self.start_fleet_broker(bind_client_id_to_cn=False)
        mismatched, matching = self.device(), self.device()
        victim = LiveClient(broker, client_id=unique_client_id("not-cn"),
                            tls=self.client_tls(mismatched))
        self.addCleanup(victim.stop)
        victim.wait_connected()
        kept = LiveClient(broker, client_id=matching.common_name, tls=self.client_tls(matching))
        self.addCleanup(kept.stop)
        kept.wait_connected()

        self.reload_with(broker, certificates_yaml([ca_entry("fleet-ca", self.root)],
                                                   bind_client_id_to_cn=True))
        self.assertTrue(victim.wait_disconnected(), victim.describe() + "\n" + broker.describe())
        line = broker.wait_for_log_line(
            rf"mqauth: disconnecting client_id={re.escape(victim.client_id)} ")
        self.assertIsNotNone(line, broker.describe())
        self.assertIn("reason=client_id_not_cn", line)
        self.assertTrue(kept.stays_connected(), kept.describe() + "\n" + broker.describe())

    def test_setting_active_again_and_reloading_admits_the_device_again(self):
        device = self.leading_zero_device()
        broker = self.start_fleet_broker(states=[self.state_of(device, "INACTIVE")])
        self.assertHandshakeRefused(broker, device, reason="certificate_inactive")

        self.reload_with(broker, certificates_yaml(
            [ca_entry("fleet-ca", self.root)], states=[self.state_of(device, "ACTIVE")]))
        self.assertDeviceConnects(broker, device)
        self.assertRegisteredOnce(broker, device)

        # And from REVOKED back to ACTIVE by removing the state altogether.
        self.reload_with(broker, certificates_yaml(
            [ca_entry("fleet-ca", self.root)], states=[self.state_of(device, "REVOKED")]))
        self.assertHandshakeRefused(broker, device, reason="certificate_revoked")
        self.reload_with(broker, certificates_yaml([ca_entry("fleet-ca", self.root)]))
        self.assertDeviceConnects(broker, device)

    def test_revoked_state_by_issuer_refuses_a_registered_device_after_sighup(self):
        broker = self.start_fleet_broker()
        device, bystander = self.leading_zero_device(), self.device()
        self.assertDeviceConnects(broker, device)
        live = LiveClient(broker, client_id=device.common_name, tls=self.client_tls(device))
        self.addCleanup(live.stop)
        live.wait_connected()

        self.reload_with(broker, certificates_yaml(
            [ca_entry("fleet-ca", self.root)],
            states=[self.issuer_state_of(device, "REVOKED")]))
        self.assertTrue(live.wait_disconnected(), live.describe() + "\n" + broker.describe())
        line = broker.wait_for_log_line(
            rf"mqauth: disconnecting client_id={re.escape(device.common_name)} ")
        self.assertIsNotNone(line, broker.describe())
        self.assertIn("reason=certificate_revoked", line)
        self.assertHandshakeRefused(broker, device, reason="certificate_revoked")
        self.assertDeviceConnects(broker, bystander)
        self.assertRegisteredOnce(broker, device)  # refused, still registered, not twice

    def test_a_state_by_issuer_wins_over_a_state_by_ca_sn_for_the_same_device(self):
        """Both forms may name one device; the one by issuer is the more precise and decides,
        whichever comes first in the list."""
        device = self.leading_zero_device()
        broker = self.start_fleet_broker(states=[self.state_of(device, "INACTIVE"),
                                                 self.issuer_state_of(device, "ACTIVE")])
        self.assertDeviceConnects(broker, device)
        self.assertRegisteredOnce(broker, device)

        self.reload_with(broker, certificates_yaml(
            [ca_entry("fleet-ca", self.root)],
            states=[self.issuer_state_of(device, "REVOKED"), self.state_of(device, "ACTIVE")]))
        self.assertHandshakeRefused(broker, device, reason="certificate_revoked")


class DeviceKeyTest(DeviceCertificateTestCase):
    """A device is (serial, issuer): one serial from two issuing CAs is two devices, and a
    second certificate under a key that is registered already is not that device."""

    def start_fleet_broker(self, **options):
        return self.start_broker(certificates_yaml([ca_entry("fleet-ca", self.root)], **options),
                                 tls_listener=self.listener)

    def two_issuers_one_serial(self):
        """Two intermediates under the fleet root, each issuing a device with one serial:
        (east device, west device)."""
        serial = random_serial()
        east = self.tls.certificate_authority(unique_client_id("fleet issuing east"),
                                              issuer=self.root)
        west = self.tls.certificate_authority(unique_client_id("fleet issuing west"),
                                              issuer=self.root)
        devices = self.device(issuer=east, serial=serial), self.device(issuer=west, serial=serial)
        self.assertEqual(devices[0].serial, devices[1].serial)
        self.assertNotEqual(issuer_of(devices[0]), issuer_of(devices[1]))
        return devices

    def test_a_second_certificate_with_a_registered_serial_and_issuer_is_refused(self):
        """A CA that gave one serial to two certificates: the first to connect is the device,
        the second is refused at its CONNECT (certificate_key_conflict) and changes nothing,
        also after a restart (the conflict is found in the database, not only in memory)."""
        broker = self.start_fleet_broker()
        first = self.device()
        twin, twin_material = same_serial_twin(self.root, first, unique_client_id("twin"))
        self.addCleanup(twin_material.cleanup)
        self.assertEqual(key_of(twin), key_of(first))
        self.assertNotEqual(fingerprint_of(twin), fingerprint_of(first))

        self.assertDeviceConnects(broker, first)
        entry = self.assertRegisteredOnce(broker, first)
        self.assertEqual(entry["fingerprint"], fingerprint_of(first))

        for attempt in ("before", "after"):
            with self.subTest(restart=attempt):
                self.assertConnectRefused(broker, twin, reason="certificate_key_conflict",
                                          client_id=unique_client_id("twin"))
                notice = broker.wait_for_log_line(
                    rf"mqauth: refused device certificate {device_pattern(twin)} "
                    rf"sha256={fingerprint_of(twin)}: another certificate is registered under "
                    r"this serial and issuer")
                self.assertIsNotNone(notice, broker.describe())
                self.assertEqual(self.assertRegisteredOnce(broker, first), entry)
                self.assertDeviceConnects(broker, first, client_id=unique_client_id("first"))
                if attempt == "before":
                    self.assertEqual(broker.stop(), 0, broker.describe())
                    broker.start()

    def test_one_serial_from_two_intermediates_is_two_devices_and_a_state_by_issuer_picks_one(
            self):
        east_device, west_device = self.two_issuers_one_serial()
        broker = self.start_fleet_broker()
        self.assertDeviceConnects(broker, east_device, chain=True)
        self.assertDeviceConnects(broker, west_device, chain=True)

        east_entry = self.assertRegisteredOnce(broker, east_device)
        west_entry = self.assertRegisteredOnce(broker, west_device)
        self.assertEqual(registered_keys(registry_path(broker)),
                         [key_of(east_device), key_of(west_device)])
        for device, entry in ((east_device, east_entry), (west_device, west_entry)):
            self.assertEqual(entry["fingerprint"], fingerprint_of(device))
            self.assertEqual(canonical_serial(entry["ca_sn"]), canonical_serial(self.root.serial))
            self.assertEqual(entry["ca_name"], "fleet-ca")

        self.reload_with(broker, certificates_yaml(
            [ca_entry("fleet-ca", self.root)],
            states=[issuer_state_entry(west_device.serial, issuer_of(west_device), "REVOKED")]))
        self.assertHandshakeRefused(broker, west_device, reason="certificate_revoked",
                                    chain=True)
        self.assertDeviceConnects(broker, east_device, chain=True,
                                  client_id=unique_client_id("east"))
        self.assertEqual(registered_keys(registry_path(broker)),
                         [key_of(east_device), key_of(west_device)])

    def test_a_state_by_ca_sn_covers_the_serial_under_every_intermediate_and_issuer_wins(self):
        """The old form names a serial and the listed CA the chain leads to: under a root with
        two intermediates, that is both devices; a state by issuer then singles one out."""
        east_device, west_device = self.two_issuers_one_serial()
        by_ca = state_entry(east_device.serial, self.root.serial, "INACTIVE")
        broker = self.start_fleet_broker(states=[by_ca])
        self.assertHandshakeRefused(broker, east_device, reason="certificate_inactive",
                                    chain=True)
        self.assertHandshakeRefused(broker, west_device, reason="certificate_inactive",
                                    chain=True)

        self.reload_with(broker, certificates_yaml(
            [ca_entry("fleet-ca", self.root)],
            states=[by_ca, issuer_state_entry(east_device.serial, issuer_of(east_device),
                                              "ACTIVE")]))
        self.assertDeviceConnects(broker, east_device, chain=True)
        self.assertRegisteredOnce(broker, east_device)
        self.assertHandshakeRefused(broker, west_device, reason="certificate_inactive",
                                    chain=True)
        self.assertNotRegistered(broker, west_device)


class CommonNameBindingTest(DeviceCertificateTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.broker = cls.start_class_broker(
            certificates_yaml([ca_entry("fleet-ca", cls.root)], bind_client_id_to_cn=True),
            tls_listener=cls.listener)

    def test_client_id_equal_to_the_cn_is_accepted(self):
        device = self.device()
        self.assertDeviceConnects(self.broker, device, client_id=device.common_name)

    def test_client_id_other_than_the_cn_is_refused_with_client_id_not_cn(self):
        device = self.device()
        client_id = unique_client_id("not-the-cn")
        rc, stderr = self.connect_device(self.broker, device, client_id=client_id)
        self.assertEqual(rc, RC_NOT_AUTHORISED, f"mosquitto_pub said {stderr!r}\n"
                                                f"{self.broker.describe()}")
        refusal = rf"mqauth: refused client_id={re.escape(client_id)} "
        line = self.broker.wait_for_log_line(refusal)
        self.assertIsNotNone(line, self.broker.describe())
        self.assertIn("reason=client_id_not_cn", line)
        self.assertIn("address=127.0.0.1", line)
        self.assertEqual(len(self.broker.log_lines_matching(refusal)), 1, self.broker.describe())

    def test_client_id_that_only_starts_with_the_cn_is_refused(self):
        device = self.device()
        rc, stderr = self.connect_device(self.broker, device,
                                         client_id=device.common_name + "x")
        self.assertEqual(rc, RC_NOT_AUTHORISED, f"mosquitto_pub said {stderr!r}")


class UsernameTest(DeviceCertificateTestCase):
    """Permissions with no_match DENY: only rules naming the client's username let anything
    through, so a delivered message proves which username the broker gave the client."""

    SENSOR_CN = "sensor-cn-7c1e"
    OPERATOR = "operator-4b2d"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sensor = cls.device(cls.SENSOR_CN)
        cls.broker = cls.start_class_broker(
            certificates_yaml(
                [ca_entry("fleet-ca", cls.root)],
                rules=[user_rule(cls.SENSOR_CN, f"devices/{cls.SENSOR_CN}/#", "PUB_SUB"),
                       user_rule(cls.OPERATOR, "ops/#", "PUB_SUB")],
                no_match="DENY"),
            tls_listener=cls.listener)

    def test_without_a_username_the_cn_becomes_the_username_that_rules_name(self):
        topic = f"devices/{self.SENSOR_CN}/telemetry"
        subscriber = self.start_subscriber(
            self.broker, client_id=unique_client_id("cn-sub"),
            topics=[f"devices/{self.SENSOR_CN}/#", "ops/#"], tls=self.client_tls(self.sensor))
        self.assertEqual(subscriber.granted(), [0, 128], subscriber.describe())

        publisher = unique_client_id("cn-pub")
        self.assertDeviceConnects(self.broker, self.sensor, client_id=publisher, topic=topic,
                                  message="by-cn")
        self.assertIsNotNone(subscriber.wait_for_message(topic, "by-cn"),
                             subscriber.describe() + "\n" + self.broker.describe())
        self.assertTrue(self.broker.log_lines_matching(
            rf"as {re.escape(publisher)} .*u'{self.SENSOR_CN}'"), self.broker.describe())

    def test_a_username_the_client_sends_is_kept(self):
        subscriber = self.start_subscriber(
            self.broker, client_id=unique_client_id("op-sub"), username=self.OPERATOR,
            topics=["ops/#", f"devices/{self.SENSOR_CN}/#"], tls=self.client_tls(self.sensor))
        self.assertEqual(subscriber.granted(), [0, 128], subscriber.describe())

        publisher = unique_client_id("op-pub")
        self.assertDeviceConnects(self.broker, self.sensor, client_id=publisher,
                                  username=self.OPERATOR, topic="ops/status", message="by-op")
        self.assertIsNotNone(subscriber.wait_for_message("ops/status", "by-op"),
                             subscriber.describe() + "\n" + self.broker.describe())
        self.assertTrue(self.broker.log_lines_matching(
            rf"as {re.escape(publisher)} .*u'{self.OPERATOR}'"), self.broker.describe())


class DebugPublisher:
    """mosquitto_pub -d (MQTT 3.1.1, one QoS 1 publish) started in the background. Its debug
    output shows the CONNACK even when the connection is lost right after it (a broker killed
    before its PUBACK), which the exit code alone would hide; such a client keeps trying to
    reconnect, so whoever killed the broker stops it."""

    def __init__(self, broker, tls, client_id):
        self.client_id = client_id
        args = [tool("MOSQUITTO_PUB", "/usr/bin/mosquitto_pub"), *endpoint_args(broker, tls),
                "-d", *credential_args(client_id, None, None), "-t", "t/x", "-m", "m", "-q", "1"]
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, errors="replace")

    def finish(self, timeout=CLIENT_TIMEOUT):
        """Waits for the client to exit (killing it after `timeout`); whether CONNACK 0 came."""
        try:
            output, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            output, _ = self.process.communicate()
        return f"Client {self.client_id} received CONNACK (0)" in output

    def stop(self):
        if self.process.poll() is None:
            self.process.kill()


class DurabilityTest(DeviceCertificateTestCase):
    """DESIGN: a first-seen device is admitted only once its registration is durable. The
    registry is SQLite in WAL mode with synchronous=FULL; a SIGKILL keeps the page cache, so
    these tests prove that the commit comes before the CONNACK (and survives the process), not
    the fsync itself, which nothing outside the process can see."""

    BURST = 30  # new devices
    STREAMS = 3  # connecting at once, each one after another

    def start_fleet_broker(self):
        return self.start_broker(certificates_yaml([ca_entry("fleet-ca", self.root)]),
                                 tls_listener=self.listener)

    def test_registration_survives_kill_9_right_after_the_connect_and_the_broker_restarts(self):
        broker = self.start_fleet_broker()
        device = self.device()
        self.assertDeviceConnects(broker, device)
        self.assertEqual(broker.kill(), -9)  # at once: no time to flush anything

        entries = registry_entries_for(registry_path(broker), device)
        self.assertEqual(len(entries), 1, f"the registration was lost\n{broker.describe()}")
        self.assertEqual(entries[0]["status"], "ACTIVE")
        self.assertEqual(entries[0]["fingerprint"], fingerprint_of(device))

        broker.start()
        self.assertDeviceConnects(broker, device, client_id=unique_client_id("after-restart"))
        self.assertEqual(self.assertRegisteredOnce(broker, device), entries[0])
        newcomer = self.device()
        self.assertDeviceConnects(broker, newcomer)
        self.assertRegisteredOnce(broker, newcomer)
        self.assertEqual(registered_keys(registry_path(broker)),
                         [key_of(device), key_of(newcomer)])

    def test_every_registration_acknowledged_before_a_kill_9_mid_burst_is_in_the_database(self):
        """30 new devices, three connecting at a time, and SIGKILL as soon as 15 of them have
        their CONNACK, so the kill meets registrations in flight. Every device whose client saw
        CONNACK 0 is in the database, whole; the ones cut off may or may not be. After a
        restart on the same file every device connects, each registered exactly once."""
        broker = self.start_fleet_broker()
        devices = [self.device() for _ in range(self.BURST)]
        by_key = {key_of(device): device for device in devices}
        pending = queue.Queue()
        for device in devices:
            pending.put(device)
        acknowledged, in_flight, finished = [], set(), []
        lock, kill_now, killed = threading.Lock(), threading.Event(), threading.Event()

        def connect_one_after_another():
            try:
                while not killed.is_set():
                    try:
                        device = pending.get_nowait()
                    except queue.Empty:
                        break
                    with lock:
                        if killed.is_set():
                            break
                        client = DebugPublisher(broker, self.client_tls(device),
                                                device.common_name)
                        in_flight.add(client)
                    connack = client.finish()
                    with lock:
                        in_flight.discard(client)
                        if connack:
                            acknowledged.append(device)
                        if len(acknowledged) >= self.BURST // 2:
                            kill_now.set()
            finally:
                with lock:
                    finished.append(True)
                    if len(finished) == self.STREAMS:
                        kill_now.set()  # every stream is done: nothing left to wait for

        streams = [threading.Thread(target=connect_one_after_another)
                   for _ in range(self.STREAMS)]
        for stream in streams:
            stream.start()
        kill_now.wait(BURST_TIMEOUT)
        self.assertEqual(broker.kill(), -9)
        with lock:
            killed.set()
            for client in in_flight:
                client.stop()
        for stream in streams:
            stream.join()

        self.assertGreaterEqual(len(acknowledged), self.BURST // 2, broker.describe())
        self.assertLess(len(acknowledged), self.BURST,
                        "the kill came after the whole burst\n" + broker.describe())
        entries = read_registry(registry_path(broker))
        keys = [(canonical_serial(entry["device_sn"]), entry["issuer"]) for entry in entries]
        lost = [device.common_name for device in acknowledged if key_of(device) not in keys]
        self.assertEqual(lost, [], "registrations acknowledged with CONNACK 0 were lost\n"
                                   + broker.describe())
        self.assertEqual(len(keys), len(set(keys)), f"a device is registered twice: {keys}")
        for key, entry in zip(keys, entries):
            self.assertIn(key, by_key, f"an unknown device was registered: {entry}")
            device = by_key[key]
            self.assertEqual((entry["fingerprint"], entry["common_name"], entry["status"]),
                             (fingerprint_of(device), device.common_name, "ACTIVE"))

        broker.start()
        for device in devices:
            self.assertDeviceConnects(broker, device, client_id=unique_client_id("restarted"))
        self.assertEqual(sorted(registered_keys(registry_path(broker))), sorted(by_key))
        for device in acknowledged:  # registered before the kill, and only then
            self.assertRegisteredOnce(broker, device)

    def test_unusual_common_name_is_registered_verbatim_and_reloads_at_restart(self):
        broker = self.start_fleet_broker()
        common_name = 'Zoë "quoted" \\ back: #not-a-comment [x] {y}'
        device = self.device(common_name, name="unusual-cn")
        self.assertDeviceConnects(broker, device, client_id=unique_client_id("unusual"))
        entry = self.assertRegisteredOnce(broker, device)
        self.assertEqual(entry["common_name"], common_name)

        self.assertEqual(broker.stop(), 0, broker.describe())
        broker.start()
        self.assertDeviceConnects(broker, device, client_id=unique_client_id("unusual"))
        self.assertEqual(self.assertRegisteredOnce(broker, device), entry)

    def test_a_registration_the_database_refuses_refuses_the_device_until_it_is_written(self):
        """Another program holds the registry's write lock for longer than the plugin waits
        (an import, an operator's sqlite3 shell): the registration fails, so the new device is
        refused with registry_write_failed, never admitted unregistered. Devices the broker
        knows keep connecting; once the lock is gone the new device registers."""
        broker = self.start_fleet_broker()
        known, newcomer = self.device(), self.device()
        self.assertDeviceConnects(broker, known)
        with closing(sqlite3.connect(registry_path(broker), isolation_level=None)) as holder:
            holder.execute("BEGIN IMMEDIATE")
            self.assertConnectRefused(broker, newcomer, reason="registry_write_failed",
                                      level="error deciding", client_id=newcomer.common_name)
            notice = broker.wait_for_log_line(
                rf"mqauth: cannot register device certificate {device_pattern(newcomer)} in "
                rf"sqlite {re.escape(registry_path(broker))}: .*locked")
            self.assertIsNotNone(notice, broker.describe())
            self.assertNotRegistered(broker, newcomer)
            self.assertDeviceConnects(broker, known, client_id=unique_client_id("known"))
            holder.execute("ROLLBACK")
        self.assertDeviceConnects(broker, newcomer)
        self.assertRegisteredOnce(broker, newcomer)


class RegistryFileTest(DeviceCertificateTestCase):
    """The SQLite file itself: what the plugin creates, what it refuses to touch (at start-up
    the broker does not start, at a reload the running policy and its registry stay), a link,
    and a file replaced behind the broker's back."""

    def fleet_yaml(self, **options):
        return certificates_yaml([ca_entry("fleet-ca", self.root)], **options)

    def start_fleet_broker(self):
        return self.start_broker(self.fleet_yaml(), tls_listener=self.listener)

    def unstarted_broker(self, **options):
        broker = Broker(self.fleet_yaml(**options), tls_listener=self.listener)
        self.addCleanup(broker.close)
        return broker

    def assertStartRefused(self, broker, path, message):
        exit_code, output = broker.start_expecting_failure()
        self.assertGreater(exit_code, 0, output)
        self.assertIn(f"mqauth: {path}: {message}", output)
        self.assertIn("(device registry)", output)
        self.assertRegex(output, r"mqauth: configuration .* is invalid; the broker will not start")
        return output

    def assertReloadKeepsTheRunningPolicy(self, broker, registry, path, message):
        """A reload to a config that revokes a registered device and names as its registry
        `registry`, which the plugin cannot open (`path` resolved), is rejected with
        `PATH: MESSAGE`: the device is not revoked, a live client stays, and new devices still
        register in the running registry."""
        kept, to_revoke = self.device(), self.device()
        self.assertDeviceConnects(broker, kept)
        self.assertDeviceConnects(broker, to_revoke)
        live = LiveClient(broker, client_id=unique_client_id("kept-live"),
                          tls=self.client_tls(kept))
        self.addCleanup(live.stop)
        live.wait_connected()

        seen = len(broker.log_text())
        broker.write_config(self.fleet_yaml(registry=registry, states=[
            issuer_state_entry(to_revoke.serial, issuer_of(to_revoke), "REVOKED")]))
        self.assertFalse(broker.reload(), "the reload should be rejected\n" + broker.describe())
        since = broker.log_text()[seen:]
        self.assertIn(f"mqauth: {path}: {message}", since)
        self.assertRegex(since, r"mqauth: reload of .* rejected; the running policy stays")

        # The REVOKED state came with the rejected reload: it is not in force.
        self.assertDeviceConnects(broker, to_revoke, client_id=unique_client_id("not-revoked"))
        self.assertDeviceConnects(broker, kept, client_id=unique_client_id("kept"))
        self.assertTrue(live.stays_connected(), live.describe() + "\n" + broker.describe())
        newcomer = self.device()
        self.assertDeviceConnects(broker, newcomer)
        self.assertRegisteredOnce(broker, newcomer)
        live.stop()

    def test_the_registry_is_created_at_start_up_as_an_mqauth_sqlite_database(self):
        broker = self.start_fleet_broker()
        path = registry_path(broker)
        self.assertTrue(os.path.isfile(path), "no registry after start-up\n" + broker.describe())
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o640,
                         "the registry names every device: owner and group only")
        self.assertEqual(read_bytes(path)[:16], b"SQLite format 3\0")
        with open_read_only(path) as database:
            def pragma(name):
                return database.execute(f"PRAGMA {name}").fetchone()[0]

            self.assertEqual(pragma("application_id"), APPLICATION_ID)
            self.assertEqual(pragma("user_version"), SCHEMA_VERSION)
            self.assertEqual(pragma("journal_mode"), "wal")
            columns = database.execute(f"PRAGMA table_info({TABLE})").fetchall()
            self.assertEqual(tuple(column[1] for column in columns), COLUMNS)
            self.assertEqual(sorted((column[5], column[1]) for column in columns if column[5]),
                             [(1, "device_sn"), (2, "issuer")], "the primary key")
            self.assertEqual(database.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0], 0)

        device = self.device()
        self.assertDeviceConnects(broker, device)
        self.assertRegisteredOnce(broker, device)

    def test_a_file_that_is_not_a_registry_stops_the_broker_and_is_left_as_it_is(self):
        for name, write, message in NOT_A_REGISTRY:
            with self.subTest(name):
                broker = self.unstarted_broker()
                path = registry_path(broker)
                write(path)
                before = read_bytes(path)
                self.assertStartRefused(broker, path, message)
                self.assertRegex(broker.all_text(), left_as_it_is(path))
                self.assertEqual(read_bytes(path), before, f"{name} was changed")
                self.assertEqual(sidecars_of(path), [])

    def test_a_reload_to_a_file_that_is_not_a_registry_keeps_the_running_policy(self):
        """E.g. `registry: {sqlite: registry.yaml}` pointing at the old YAML registry by mistake:
        nothing is written to that file, and the broker keeps its registry."""
        broker = self.start_fleet_broker()
        for name, write, message in NOT_A_REGISTRY:
            with self.subTest(name):
                wrong = f"wrong-{name}.db"
                path = os.path.join(broker.workdir, wrong)
                write(path)
                before = read_bytes(path)
                self.assertReloadKeepsTheRunningPolicy(broker, wrong, path, message)
                self.assertRegex(broker.log_text(), left_as_it_is(path))
                self.assertEqual(read_bytes(path), before, f"{name} was changed")
                self.assertEqual(sidecars_of(path), [])

    def test_a_registry_in_a_missing_directory_stops_the_broker(self):
        broker = self.unstarted_broker(registry="no-such-directory/devices.db")
        path = os.path.join(broker.workdir, "no-such-directory", "devices.db")
        self.assertStartRefused(broker, path, "cannot create it")
        self.assertFalse(os.path.exists(os.path.dirname(path)))

    def test_a_reload_to_a_registry_in_a_missing_directory_keeps_the_running_policy(self):
        broker = self.start_fleet_broker()
        path = os.path.join(broker.workdir, "no-such-directory", "devices.db")
        self.assertReloadKeepsTheRunningPolicy(broker, "no-such-directory/devices.db", path,
                                               "cannot create it")
        self.assertFalse(os.path.exists(os.path.dirname(path)))

    def test_a_registry_path_that_is_a_symbolic_link_is_used_through_the_link(self):
        """The registry moved to another disk with a link left in its place: the broker opens
        it through the link, knows the devices in it, and registers new ones there."""
        broker = self.start_fleet_broker()
        known = self.device()
        self.assertDeviceConnects(broker, known)
        self.assertEqual(broker.stop(), 0, broker.describe())

        storage = os.path.join(broker.workdir, "storage")
        os.mkdir(storage)
        target = os.path.join(storage, "devices.db")
        shutil.move(registry_path(broker), target)
        os.symlink(target, registry_path(broker))
        broker.start()

        newcomer = self.device()
        self.assertDeviceConnects(broker, known, client_id=unique_client_id("known"))
        self.assertDeviceConnects(broker, newcomer)
        self.assertRegisteredOnce(broker, known)  # not registered again
        self.assertRegisteredOnce(broker, newcomer)
        self.assertEqual(registered_keys(target), [key_of(known), key_of(newcomer)])
        self.assertTrue(os.path.islink(registry_path(broker)), "the link was replaced")
        self.assertEqual(os.readlink(registry_path(broker)), target)
        self.assertEqual(sidecars_of(registry_path(broker)), [],
                         "SQLite's files belong beside the target, not beside the link")

    def test_a_registry_replaced_on_disk_is_left_alone_until_the_broker_restarts(self):
        """An operator restores a backup by renaming it over the registry while the broker runs.
        SQLite keeps the write-ahead log beside the path, so a connection to the new file would
        read (and checkpoint) the old file's log into it. The broker therefore writes nothing
        there and opens nothing new there, not even on reload: new devices are refused with
        registry_write_failed (the notice says to restart), known ones keep connecting, and the
        restored file is intact when the broker restarts and uses it."""
        broker = self.start_fleet_broker()
        path = registry_path(broker)
        known, later, newcomer = self.device(), self.device(), self.device()
        self.assertDeviceConnects(broker, known)
        backup = os.path.join(broker.workdir, "backup.db")
        with open_read_only(path) as live, closing(sqlite3.connect(backup)) as copy:
            live.backup(copy)
        self.assertDeviceConnects(broker, later)  # registered after the backup was taken

        os.replace(backup, path)
        for attempt in ("before", "after"):
            with self.subTest(reload=attempt):
                if attempt == "after":
                    self.reload_with(broker, self.fleet_yaml())
                self.assertConnectRefused(broker, newcomer, reason="registry_write_failed",
                                          level="error deciding",
                                          client_id=unique_client_id("newcomer"))
                self.assertDeviceConnects(broker, known, client_id=unique_client_id("known"))
        notice = broker.wait_for_log_line(
            rf"mqauth: cannot register device certificate {device_pattern(newcomer)} in "
            rf"sqlite {re.escape(path)}: the file was replaced or removed on disk while the "
            r"broker had it open; nothing is written to it until the broker restarts")
        self.assertIsNotNone(notice, broker.describe())

        self.assertEqual(broker.stop(), 0, broker.describe())
        for sidecar in (path + "-wal", path + "-shm"):  # as the README's restore steps say
            if os.path.exists(sidecar):
                os.unlink(sidecar)
        self.assertEqual(registered_keys(path), [key_of(known)], "the restored file changed")
        broker.start()
        self.assertDeviceConnects(broker, newcomer)
        self.assertEqual(registered_keys(path), [key_of(known), key_of(newcomer)])


class OtherListenersTest(DeviceCertificateTestCase):
    """Device certificates configured, and clients on listeners that ask for no certificate:
    the plain listener, and a TLS listener with require_certificate false."""

    SECRET = "plain-listener-secret-5e0a"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        yaml_text = certificates_yaml([ca_entry("fleet-ca", cls.root)],
                                      identities=[user_identity("plain-user", cls.SECRET)])
        cls.broker = cls.start_class_broker(yaml_text, tls_listener=cls.listener)
        cls.optional_broker = cls.start_class_broker(
            yaml_text, tls_listener=TlsListener(certfile=cls.server.cert,
                                                keyfile=cls.server.key,
                                                require_certificate=False))

    def test_username_and_password_still_decide_on_the_plain_listener(self):
        self.assertConnects(self.broker, client_id=unique_client_id("plain"),
                            username="plain-user", password=self.SECRET)
        self.assertRefused(self.broker, reason="bad_password",
                           client_id=unique_client_id("plain-wrong"), username="plain-user",
                           password="not-" + self.SECRET)
        self.assertRefused(self.broker, reason="anonymous_denied",
                           client_id=unique_client_id("plain-anon"))

    def test_tls_listener_without_require_certificate_decides_by_username_and_password(self):
        tls = ClientTls(cafile=self.root.cert)
        self.assertConnects(self.optional_broker, client_id=unique_client_id("tls-plain"),
                            username="plain-user", password=self.SECRET, tls=tls)
        self.assertRefused(self.optional_broker, reason="bad_password",
                           client_id=unique_client_id("tls-wrong"), username="plain-user",
                           password="not-" + self.SECRET, tls=tls)
        self.assertRefused(self.optional_broker, reason="anonymous_denied",
                           client_id=unique_client_id("tls-anon"), tls=tls)


class SecretHygieneTest(DeviceCertificateTestCase):
    """Nothing secret reaches the broker's output: no password a certificate client sends (it
    is not what decides, but it is still a secret), no private key material, no key password
    of the encrypted keys made alongside."""

    def test_log_holds_no_password_and_no_key_material(self):
        broker = self.start_broker(
            certificates_yaml([ca_entry("fleet-ca", self.root)], bind_client_id_to_cn=True),
            tls_listener=self.listener)
        passwords = [f"hyg-cert-password-{n}-d41c" for n in range(3)]
        key_password = "hyg-key-password-9e3a"
        device = self.device()
        stranger_root = self.tls.certificate_authority(unique_client_id("hyg stranger"),
                                                       key_password=key_password)
        stranger = self.device(issuer=stranger_root, key_password=None)
        self.assertDeviceConnects(broker, device, username="hyg-user", password=passwords[0])
        rc, _ = self.connect_device(broker, device, client_id=unique_client_id("hyg-not-cn"),
                                    username="hyg-user", password=passwords[1])
        self.assertEqual(rc, RC_NOT_AUTHORISED, broker.describe())
        self.assertHandshakeRefused(broker, stranger, reason="unknown_ca",
                                    username="hyg-user", password=passwords[2])

        self.assertEqual(broker.stop(), 0, broker.describe())
        # The registry's whole file (the broker checkpointed its WAL into it when it stopped)
        # and every column of every row.
        self.assertEqual(sidecars_of(registry_path(broker)), [])
        rows = "\n".join("\t".join(entry.values())
                          for entry in read_registry(registry_path(broker)))
        self.assertIn(device.common_name, rows)
        text = (broker.all_text() + read_bytes(registry_path(broker)).decode("latin-1") + "\n"
                + rows)
        key_lines = set()
        for certificate in (device, stranger, self.server, self.root):
            key_lines |= {line for line in certificate.key_pem().splitlines()
                          if line and not line.startswith("-----")}
        for secret in passwords + [key_password, "PRIVATE KEY"] + sorted(key_lines):
            leaks = [line for line in text.splitlines() if secret in line]
            self.assertEqual(leaks, [], f"the broker's output holds {secret!r}")


if __name__ == "__main__":
    unittest.main()

"""Device certificates (SPEC `ca_certificates`, `device_certificates`, "Who decides a CONNECT"
step 1) against a real Mosquitto with the built plugin, real certificates made by `openssl`
(tls_material.py) and the real clients with --cert/--key.

Every TLS listener here has `require_certificate true` and no `cafile` unless a test says
otherwise: the plugin verifies client chains itself against the CAs its YAML lists. A refusal
during the handshake happens before any CONNECT, so there is no client id yet: the plugin logs
`mqauth: refused client certificate address=IP:PORT device_sn=SN reason=CODE`, and the client
fails with a TLS or protocol error (its exit status is not 0; which non-zero status depends on
the TLS version and on when the alert arrives, so no test relies on one).

Serial numbers: openssl prints whole bytes in upper case (`0A1B`); SPEC matches them in any case
with leading zeros ignored. The plugin writes them without leading zeros, so the tests compare
tls_material.canonical_serial() forms.
"""

import datetime
import json
import os
import re
import unittest

from mqauth_harness import (
    RELOAD_TIMEOUT,
    Broker,
    BrokerTestCase,
    ClientTls,
    HarnessError,
    LiveClient,
    RC_NOT_AUTHORISED,
    Subscriber,
    TlsListener,
    auth_yaml,
    pub,
    unique_client_id,
    user_identity,
    user_rule,
    wait_for,
)
from tls_material import TlsMaterial, canonical_serial, days_from_now

REGISTRY = "registry.yaml"  # relative to auth.yaml, so inside the broker's own directory
TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


# ---------------------------------------------------------------------------------------------
# auth.yaml with certificate sections

def ca_entry(name, authority, status=None):
    """A `ca_certificates` entry for a tls_material CA (status None: the default, ACTIVE)."""
    entry = {"ca_name": name, "file": authority.cert}
    if status is not None:
        entry["status"] = status
    return entry


def state_entry(device_sn, ca_sn, status):
    return {"device_sn": device_sn, "ca_sn": ca_sn, "status": status}


def certificates_yaml(cas, *, states=(), bind_client_id_to_cn=None, identities=(),
                      rules=None, no_match="ALLOW", anonymous="deny", registry_file=REGISTRY):
    """auth_yaml() (identities, permissions) plus `ca_certificates` and `device_certificates`.
    Values are JSON strings, valid YAML double-quoted scalars."""
    text = auth_yaml(list(identities), anonymous=anonymous, rules=rules, no_match=no_match)
    lines = ["ca_certificates:"]
    for entry in cas:
        prefix = "  - "
        for key, value in entry.items():
            lines.append(f"{prefix}{key}: {json.dumps(value)}")
            prefix = "    "
    lines += ["device_certificates:", f"  registry_file: {json.dumps(registry_file)}"]
    if bind_client_id_to_cn is not None:
        lines.append(f"  bind_client_id_to_cn: {str(bind_client_id_to_cn).lower()}")
    if states:
        lines.append("  states:")
        lines += [f"    - {{device_sn: {json.dumps(s['device_sn'])}, "
                  f"ca_sn: {json.dumps(s['ca_sn'])}, status: {s['status']}}}" for s in states]
    return text + "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# The registry file

def registry_path(broker):
    return os.path.join(broker.workdir, REGISTRY)


_YAML_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "t": "\t", "\t": "\t", "n": "\n", "v": "\v",
                 "f": "\f", "r": "\r", "e": "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\",
                 "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029"}
_YAML_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}


def yaml_double_quoted(text):
    """The value of a one-line YAML double-quoted scalar (YAML 1.2 section 5.7 escapes, as
    yaml-cpp writes them: \\" \\\\ \\xEB \\u2028 ...), quotes included in `text`."""
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"not a double-quoted scalar: {text!r}")
    body, value, at = text[1:-1], [], 0
    while at < len(body):
        char = body[at]
        if char != "\\":
            value.append(char)
            at += 1
            continue
        code = body[at + 1]
        if code in _YAML_HEX_ESCAPES:
            digits = body[at + 2:at + 2 + _YAML_HEX_ESCAPES[code]]
            value.append(chr(int(digits, 16)))
            at += 2 + len(digits)
        else:
            value.append(_YAML_ESCAPES[code])
            at += 2
    return "".join(value)


def read_registry(path):
    """The registry's `devices` as dicts of strings, from the block form the plugin writes
    (`version: 1`, then `devices:` with one `- key: value` mapping per device); [] when the
    file does not exist. Parsed here without a YAML library (the tests need none installed):
    a line it does not understand fails the test rather than being skipped."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except FileNotFoundError:
        return []
    devices, in_devices = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line == "version: 1":
            continue
        if line in ("devices:", "devices: []"):
            in_devices = True
            continue
        item = re.fullmatch(r"  (- |  )(\w+): (.*)", line)
        if not in_devices or not item:
            raise HarnessError(f"{path}:{number}: unexpected registry line {line!r}\n{text}")
        if item.group(1) == "- ":
            devices.append({})
        value = item.group(3)
        devices[-1][item.group(2)] = (yaml_double_quoted(value) if value.startswith('"')
                                      else value)
    return devices


def registry_entries_for(path, device):
    serial = canonical_serial(device.serial)
    return [entry for entry in read_registry(path)
            if canonical_serial(entry.get("device_sn", "")) == serial]


def iso_seconds(moment):
    return moment.astimezone(datetime.timezone.utc).strftime(TIME_FORMAT)


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
        serial = re.escape(canonical_serial(device.serial))
        return (rf"mqauth: refused client certificate address=127\.0\.0\.1:\d+ "
                rf"device_sn=0*{serial} reason={reason}\b")

    def assertHandshakeRefused(self, broker, device, *, reason, chain=False, **client):
        """The TLS handshake fails (the client exits non-zero, never connected), the plugin
        logs the refusal once with the address, the device's serial and `reason`, and the
        attempt registers nothing."""
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

    def registration_state(self, broker, device):
        """The device's registry entries and registration log lines."""
        serial = re.escape(canonical_serial(device.serial))
        return (registry_entries_for(registry_path(broker), device),
                broker.log_lines_matching(
                    rf"registered device certificate device_sn=0*{serial}\b"))

    def assertRegisteredOnce(self, broker, device):
        """The device has exactly one registry entry and one registration log line."""
        entries = registry_entries_for(registry_path(broker), device)
        self.assertEqual(len(entries), 1, f"registry entries for {device.serial}: {entries}\n"
                                          + broker.describe())
        serial = re.escape(canonical_serial(device.serial))
        lines = broker.log_lines_matching(
            rf"mqauth: registered device certificate device_sn=0*{serial}\b")
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
        line = self.broker.wait_for_log_line(
            rf"registered device certificate device_sn=0*"
            rf"{re.escape(canonical_serial(device.serial))}\b")
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
        device = self.device(issuer=self.intermediate)
        self.assertDeviceConnects(self.broker, device, chain=True)
        entry = self.assertRegisteredOnce(self.broker, device)
        self.assertEqual(canonical_serial(entry["ca_sn"]), canonical_serial(self.root.serial))
        self.assertEqual(entry["ca_name"], "fleet-ca")

    def test_intermediate_issued_certificate_sent_without_its_chain_is_refused(self):
        device = self.device(issuer=self.intermediate)
        self.assertHandshakeRefused(self.broker, device, reason="unknown_ca", chain=False)

    def test_listed_intermediate_is_a_trust_anchor_of_its_own(self):
        device = self.device(issuer=self.listed_intermediate)
        self.assertDeviceConnects(self.broker, device)
        entry = self.assertRegisteredOnce(self.broker, device)
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
        """A state entry naming both serials in lower case, as openssl does not print them."""
        return state_entry(device.serial.lower(), (ca or self.root).serial.lower(), status)

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


class DurabilityTest(DeviceCertificateTestCase):
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

        broker.start()
        self.assertDeviceConnects(broker, device, client_id=unique_client_id("after-restart"))
        self.assertEqual(self.assertRegisteredOnce(broker, device), entries[0])
        newcomer = self.device()
        self.assertDeviceConnects(broker, newcomer)
        self.assertRegisteredOnce(broker, newcomer)
        self.assertEqual(len(read_registry(registry_path(broker))), 2)

    def test_every_registration_acknowledged_before_kill_9_is_on_disk(self):
        broker = self.start_fleet_broker()
        devices = [self.device() for _ in range(5)]
        for device in devices:
            self.assertDeviceConnects(broker, device)
        broker.kill()
        registered = {canonical_serial(entry["device_sn"])
                      for entry in read_registry(registry_path(broker))}
        self.assertEqual(registered, {canonical_serial(device.serial) for device in devices})
        leftovers = [name for name in os.listdir(broker.workdir) if name.startswith(REGISTRY)
                     and name != REGISTRY]
        self.assertEqual(leftovers, [], "temporary registry files were left behind")

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

    def test_registration_that_cannot_be_written_refuses_the_device(self):
        broker = self.start_broker(
            certificates_yaml([ca_entry("fleet-ca", self.root)],
                              registry_file="no-such-directory/registry.yaml"),
            tls_listener=self.listener)
        device = self.device()
        rc, stderr = self.connect_device(broker, device)
        self.assertEqual(rc, RC_NOT_AUTHORISED, f"mosquitto_pub said {stderr!r}\n"
                                                f"{broker.describe()}")
        line = broker.wait_for_log_line(
            rf"mqauth: .*client_id={re.escape(device.common_name)} .*"
            r"reason=registry_write_failed")
        self.assertIsNotNone(line, broker.describe())
        self.assertEqual(broker.log_lines_matching(
            rf"as {re.escape(device.common_name)} "), [], broker.describe())

    def corrupt_registry(self, broker, device_line):
        """Writes a registry whose 4th line is `device_line`; returns (bytes, line number)."""
        text = ("# a registry someone edited by hand\n"
                "version: 1\n"
                "devices:\n"
                f"{device_line}\n"
                '    ca_sn: "01"\n'
                '    ca_name: "fleet-ca"\n'
                '    common_name: "x"\n'
                '    not_before: "2026-01-01T00:00:00Z"\n'
                '    not_after: "2027-01-01T00:00:00Z"\n'
                '    first_seen: "2026-01-02T00:00:00Z"\n'
                "    status: ACTIVE\n").encode()
        with open(registry_path(broker), "wb") as file:
            file.write(text)
        return text, 4

    def read_bytes(self, path):
        with open(path, "rb") as file:
            return file.read()

    def test_corrupt_registry_at_start_up_stops_the_broker_and_is_left_unchanged(self):
        broker = Broker(certificates_yaml([ca_entry("fleet-ca", self.root)]),
                        tls_listener=self.listener)
        self.addCleanup(broker.close)
        text, line = self.corrupt_registry(broker, '  - device_sn: "not-a-serial"')
        exit_code, output = broker.start_expecting_failure()
        self.assertNotEqual(exit_code, 0, output)
        self.assertRegex(output, rf"{re.escape(registry_path(broker))}:{line}:\d+:")
        self.assertEqual(self.read_bytes(registry_path(broker)), text,
                         "the corrupt registry was changed")

    def test_a_registry_file_that_is_a_symbolic_link_stops_the_broker_and_is_kept(self):
        broker = Broker(certificates_yaml([ca_entry("fleet-ca", self.root)]),
                        tls_listener=self.listener)
        self.addCleanup(broker.close)
        target = os.path.join(broker.workdir, "elsewhere.yaml")
        os.symlink(target, registry_path(broker))
        exit_code, output = broker.start_expecting_failure()
        self.assertNotEqual(exit_code, 0, output)
        self.assertIn(f"{registry_path(broker)}: the device registry is a symbolic link", output)
        self.assertTrue(os.path.islink(registry_path(broker)))

    def test_unparsable_registry_at_start_up_stops_the_broker(self):
        broker = Broker(certificates_yaml([ca_entry("fleet-ca", self.root)]),
                        tls_listener=self.listener)
        self.addCleanup(broker.close)
        text, line = self.corrupt_registry(broker, '  - device_sn: "AB12\n  broken: [')
        exit_code, output = broker.start_expecting_failure()
        self.assertNotEqual(exit_code, 0, output)
        self.assertRegex(output, rf"{re.escape(registry_path(broker))}:\d+:\d+:")
        self.assertEqual(self.read_bytes(registry_path(broker)), text)

    def test_corrupt_registry_at_reload_keeps_the_running_policy(self):
        broker = self.start_fleet_broker()
        kept, to_revoke = self.device(), self.device()
        self.assertDeviceConnects(broker, kept)
        self.assertDeviceConnects(broker, to_revoke)
        live = LiveClient(broker, client_id=unique_client_id("kept-live"),
                          tls=self.client_tls(kept))
        self.addCleanup(live.stop)
        live.wait_connected()

        text, line = self.corrupt_registry(broker, '  - device_sn: "not-a-serial"')
        broker.write_config(certificates_yaml(
            [ca_entry("fleet-ca", self.root)],
            states=[state_entry(to_revoke.serial, self.root.serial, "REVOKED")]))
        self.assertFalse(broker.reload(), "the reload should be rejected\n" + broker.describe())
        self.assertTrue(broker.log_lines_matching(
            rf"{re.escape(registry_path(broker))}:{line}:\d+:"), broker.describe())

        # The REVOKED state came with the rejected reload: it is not in force.
        self.assertDeviceConnects(broker, to_revoke, client_id=unique_client_id("not-revoked"))
        self.assertDeviceConnects(broker, kept, client_id=unique_client_id("kept"))
        self.assertTrue(live.stays_connected(), live.describe() + "\n" + broker.describe())
        self.assertEqual(self.read_bytes(registry_path(broker)), text,
                         "the corrupt registry was changed")


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
        with open(registry_path(broker), encoding="utf-8") as registry:
            text = broker.all_text() + registry.read()
        key_lines = set()
        for certificate in (device, stranger, self.server, self.root):
            key_lines |= {line for line in certificate.key_pem().splitlines()
                          if line and not line.startswith("-----")}
        for secret in passwords + [key_password, "PRIVATE KEY"] + sorted(key_lines):
            leaks = [line for line in text.splitlines() if secret in line]
            self.assertEqual(leaks, [], f"the broker's output holds {secret!r}")


if __name__ == "__main__":
    unittest.main()

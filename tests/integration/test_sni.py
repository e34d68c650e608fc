# SPDX-License-Identifier: Apache-2.0
"""Server-side SNI (SPEC `sni:`, issue 6) against a real Mosquitto with the built plugin: which
certificate a TLS listener serves for the server name a client sends, seen by `openssl s_client`
and by `mosquitto_pub` with hostname verification on.

The broker's TLS listener has its own certificate (listener.example.com), which the plugin must
replace on every handshake when an `sni:` section exists, and leave alone when none does. The
certificates are made at test time (tls_material.py): a root, an issuing intermediate, and a
leaf per certificate id, some RSA and some ECDSA, one with an encrypted key.
"""

import json
import re
import sqlite3
import unittest
from contextlib import closing
from urllib.parse import quote

from mqauth_harness import (
    Broker,
    BrokerTestCase,
    ClientTls,
    TlsListener,
    pub,
    tls_handshake,
    unique_client_id,
)
from tls_material import TlsMaterial

LOCKED_PASSWORD = "k3y#pass-7"  # holds a '#': the string form's password runs to the entry's end

material = None
root = None
certs = {}


def server(common_name, issuer, *, dns_names=None, **options):
    """A server certificate for subject CN `common_name`, naming `dns_names` (default: that CN)
    and no IP address."""
    return material.server_certificate(common_name, issuer=issuer, common_name=common_name,
                                       dns_names=dns_names or [common_name], ip_addresses=[],
                                       **options)


def setUpModule():
    global material, root
    material = TlsMaterial()
    root = material.certificate_authority("SNI Test Root")
    issuing = material.certificate_authority("SNI Test Issuing CA", issuer=root)
    certs["listener"] = server("listener.example.com", root)
    certs["default"] = server("default.example.com", issuing)
    # RSA while the listener's own certificate is ECDSA: the listener's must not be served
    # beside it to a client that prefers ECDSA.
    certs["exact"] = server("exact.example.com", issuing, key_type="rsa")
    certs["wild"] = server("wild", issuing, dns_names=["*.wild.example.com"])
    certs["special"] = server("special.wild.example.com", issuing)
    certs["locked"] = server("locked.example.com", issuing, key_password=LOCKED_PASSWORD)
    certs["local"] = server("localhost", root)
    certs["next"] = server("next.example.com", issuing)


def tearDownModule():
    material.cleanup()


def listener():
    return TlsListener(certs["listener"].chain, certs["listener"].key, require_certificate=False)


def certificate_entry(certificate_id, *, with_password=True):
    certificate = certs[certificate_id]
    entry = {"certificate_id": certificate_id, "cert_file": certificate.chain,
             "key_file": certificate.key}
    if certificate.key_password and with_password:
        entry["key_password"] = certificate.key_password
    return entry


def sni_yaml(certificate_ids, default, *, domains=None, sni_config=None, password_in_list=True):
    """An auth.yaml admitting anonymous clients, with an `sni:` section over `certificate_ids`;
    `domains` maps domain -> certificate id (a list of pairs keeps their order)."""
    lines = ["version: 1", "anonymous: allow", "permissions: {}", "sni:", "  certificates:"]
    for certificate_id in certificate_ids:
        prefix = "    - "
        entry = certificate_entry(certificate_id, with_password=password_in_list)
        for key, value in entry.items():
            lines.append(f"{prefix}{key}: {json.dumps(value)}")
            prefix = "      "
    lines.append(f"  default_certificate: {json.dumps(default)}")
    if domains is not None:
        lines.append("  domains:")
        for domain, certificate_id in domains:
            lines.append(f"    - domain: {json.dumps(domain)}")
            lines.append(f"      certificate_id: {json.dumps(certificate_id)}")
    if sni_config is not None:
        lines.append(f"  sni_config: {json.dumps(sni_config)}")
    return "\n".join(lines) + "\n"


def subject_of(certificate_id):
    return f"CN = {certs[certificate_id].common_name}"


class SniTestCase(BrokerTestCase):
    def assertServes(self, broker, servername, certificate_id, *, chain_length=None,
                     for_that_name=True):
        """A handshake sending `servername` (None: no SNI) gets `certificate_id`'s certificate,
        which verifies against the root and, `for_that_name`, names the host asked for."""
        handshake = tls_handshake(broker.tls_port, servername=servername, cafile=root.cert,
                                  verify_hostname=for_that_name)
        self.assertEqual(handshake.subject, subject_of(certificate_id),
                         f"SNI {servername!r}\n{handshake.describe()}\n{broker.describe()}")
        self.assertTrue(handshake.verified, handshake.describe())
        if chain_length is not None:
            self.assertEqual(len(handshake.certificates), chain_length, handshake.describe())
        return handshake

    def assertFallsBackTo(self, broker, servername, certificate_id):
        """A name no domain maps (or no SNI) gets `certificate_id`, which does not name it."""
        return self.assertServes(broker, servername, certificate_id, for_that_name=False)


DOMAINS = [
    ("exact.example.com", "exact"),
    ("*.wild.example.com", "wild"),
    ("special.wild.example.com", "special"),
    ("locked.example.com", "locked"),
    ("localhost", "local"),
    # A pattern made of digit labels is a valid domain; a client's IP literal never selects it.
    ("127.0.0.1", "exact"),
]


class SniDomainsListTest(SniTestCase):
    @classmethod
    def setUpClass(cls):
        cls.broker = cls.start_class_broker(
            sni_yaml(["default", "exact", "wild", "special", "locked", "local"], "default",
                     domains=DOMAINS),
            tls_listener=listener())

    def test_exact_name_gets_its_certificate_and_the_chain_from_its_file(self):
        self.assertServes(self.broker, "exact.example.com", "exact", chain_length=2)

    def test_certificate_of_another_key_type_than_the_listeners_is_served_alone(self):
        # The client lists ECDSA first; the listener's own ECDSA certificate must be gone.
        handshake = tls_handshake(self.broker.tls_port, servername="exact.example.com",
                                  extra=["-sigalgs", "ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256"])
        self.assertEqual(handshake.subject, subject_of("exact"), handshake.describe())

    def test_wildcard_matches_one_label(self):
        self.assertServes(self.broker, "device-1.wild.example.com", "wild")

    def test_wildcard_does_not_match_two_labels(self):
        self.assertFallsBackTo(self.broker, "a.b.wild.example.com", "default")

    def test_wildcard_does_not_match_the_bare_name(self):
        self.assertFallsBackTo(self.broker, "wild.example.com", "default")

    def test_exact_name_beats_wildcard(self):
        self.assertServes(self.broker, "special.wild.example.com", "special")

    def test_names_compare_case_insensitively(self):
        self.assertServes(self.broker, "EXACT.Example.COM", "exact")
        self.assertServes(self.broker, "Device-2.WILD.example.com", "wild")

    def test_unknown_name_gets_the_default(self):
        self.assertFallsBackTo(self.broker, "unknown.example.org", "default")

    def test_an_ip_literal_sent_as_server_name_is_no_server_name(self):
        # RFC 6066 forbids IP literals in SNI, yet libmosquitto sends the host it was given.
        self.assertFallsBackTo(self.broker, "127.0.0.1", "default")

    def test_no_sni_gets_the_default(self):
        self.assertFallsBackTo(self.broker, None, "default")

    def test_encrypted_key_opened_with_key_password(self):
        self.assertServes(self.broker, "locked.example.com", "locked")

    def test_mosquitto_pub_publishes_over_the_sni_certificate_with_hostname_verification(self):
        client_id = unique_client_id("sni-pub")
        rc, stderr = pub(self.broker, client_id=client_id, tls=ClientTls(cafile=root.cert))
        self.assertEqual(rc, 0, f"mosquitto_pub said {stderr!r}\n{self.broker.describe()}")
        # The server name reached BASIC_AUTH for this very client (debug level).
        line = self.broker.wait_for_log_line(
            rf"mqauth: TLS client_id={re.escape(client_id)} .*server_name=localhost$")
        self.assertIsNotNone(line, self.broker.describe())

    def test_plain_listener_clients_have_no_server_name(self):
        client_id = unique_client_id("sni-plain")
        rc, stderr = pub(self.broker, client_id=client_id)
        self.assertEqual(rc, 0, stderr)
        self.assertIsNotNone(self.broker.wait_for_log_line(
            rf"Sending CONNACK to {re.escape(client_id)} "), self.broker.describe())
        self.assertEqual(self.broker.log_lines_matching(
            rf"mqauth: TLS client_id={re.escape(client_id)} "), [])


class SniConfigStringTest(SniTestCase):
    @classmethod
    def setUpClass(cls):
        sni_config = ";".join([
            "exact.example.com#exact",
            "*.wild.example.com#wild",
            "special.wild.example.com#special",
            # The string form's password is the certificate's key password.
            f"locked.example.com#locked#{LOCKED_PASSWORD}",
        ])
        cls.broker = cls.start_class_broker(
            sni_yaml(["default", "exact", "wild", "special", "locked"], "default",
                     sni_config=sni_config, password_in_list=False),
            tls_listener=listener())

    def test_exact_name(self):
        self.assertServes(self.broker, "exact.example.com", "exact")

    def test_wildcard_and_its_one_label_limit(self):
        self.assertServes(self.broker, "x.wild.example.com", "wild")
        self.assertFallsBackTo(self.broker, "x.y.wild.example.com", "default")

    def test_exact_name_beats_wildcard(self):
        self.assertServes(self.broker, "special.wild.example.com", "special")

    def test_password_in_the_string_opens_the_encrypted_key(self):
        self.assertServes(self.broker, "locked.example.com", "locked")

    def test_unknown_and_missing_names_get_the_default(self):
        self.assertFallsBackTo(self.broker, "elsewhere.example.net", "default")
        self.assertFallsBackTo(self.broker, None, "default")

    def test_the_password_is_never_logged(self):
        self.assertNotIn(LOCKED_PASSWORD, self.broker.all_text())


class NoSniSectionTest(SniTestCase):
    """Without `sni:` the listener's own certificate is served, whatever the client asks."""

    @classmethod
    def setUpClass(cls):
        cls.broker = cls.start_class_broker("version: 1\nanonymous: allow\npermissions: {}\n",
                                            tls_listener=listener())

    def test_listener_certificate_for_any_name_and_for_none(self):
        self.assertFallsBackTo(self.broker, "exact.example.com", "listener")
        self.assertFallsBackTo(self.broker, None, "listener")

    def test_hostname_verification_fails_without_an_sni_certificate_for_localhost(self):
        # The control for the SNI publish test: the listener's certificate does not name
        # localhost, so a verifying client refuses it.
        rc, _ = pub(self.broker, client_id=unique_client_id("nosni-pub"), tls=ClientTls(cafile=root.cert))
        self.assertNotEqual(rc, 0, self.broker.describe())

    def test_server_name_still_reaches_authentication(self):
        client_id = unique_client_id("nosni-insecure")
        rc, stderr = pub(self.broker, client_id=client_id, tls=ClientTls(cafile=root.cert), extra=["--insecure"])
        self.assertEqual(rc, 0, stderr)
        self.assertIsNotNone(self.broker.wait_for_log_line(
            rf"mqauth: TLS client_id={re.escape(client_id)} .*server_name=localhost$"),
            self.broker.describe())


def before_reload_yaml():
    return sni_yaml(["default", "exact", "wild"], "default",
                    domains=[("exact.example.com", "exact"), ("*.wild.example.com", "wild")])


def after_reload_yaml():
    return sni_yaml(["default", "next"], "next", domains=[("exact.example.com", "default")])


class SniReloadTest(SniTestCase):
    def test_reload_swaps_the_whole_set(self):
        broker = self.start_broker(before_reload_yaml(), tls_listener=listener())
        self.assertServes(broker, "exact.example.com", "exact")
        broker.write_config(after_reload_yaml())
        self.assertTrue(broker.reload(), broker.describe())
        self.assertFallsBackTo(broker, "exact.example.com", "default")
        self.assertFallsBackTo(broker, "a.wild.example.com", "next")  # its wildcard is gone
        self.assertFallsBackTo(broker, None, "next")
        self.assertIsNotNone(broker.wait_for_log_line(
            r"mqauth: reloaded .*2 SNI certificates for 1 domains"), broker.describe())

    def test_broken_reload_keeps_the_old_set(self):
        broker = self.start_broker(before_reload_yaml(), tls_listener=listener())
        broken = after_reload_yaml().replace(json.dumps(certs["next"].key), json.dumps(certs["exact"].key))
        broker.write_config(broken)
        self.assertFalse(broker.reload(), broker.describe())
        self.assertIsNotNone(broker.wait_for_log_line(
            rf"{re.escape(broker.auth_path)}:\d+:\d+: sni\.certificates\[1\]\.key_file: "
            r"InvalidParameter: .* does not hold the private key"), broker.describe())
        self.assertServes(broker, "exact.example.com", "exact")
        self.assertServes(broker, "a.wild.example.com", "wild")
        self.assertFallsBackTo(broker, None, "default")


class SniStartupTest(unittest.TestCase):
    def test_wrong_key_password_stops_the_broker_naming_the_line(self):
        text = sni_yaml(["default", "locked"], "default").replace(
            json.dumps(LOCKED_PASSWORD), json.dumps("not-the-password"))
        broker = Broker(text, tls_listener=listener())
        self.addCleanup(broker.close)
        exit_code, output = broker.start_expecting_failure()
        self.assertNotEqual(exit_code, 0)
        line = next((line for line in output.splitlines()
                     if "sni.certificates[1].key_file" in line), None)
        self.assertIsNotNone(line, output)
        self.assertRegex(line, rf"{re.escape(broker.auth_path)}:\d+:\d+: ")
        self.assertIn("cannot load the private key", line)
        self.assertNotIn("not-the-password", output)



class SniWithDeviceCertificatesTest(SniTestCase):
    """Both TLS features live on the same listener contexts (PLATFORM.md): the SNI callback picks
    the server certificate while mqauth's own chain check verifies the client's."""

    def test_a_device_gets_the_sni_certificate_and_is_verified_and_registered(self):
        device = material.client_certificate("device-1", issuer=root)
        registry = material.path(f"registry-{unique_client_id('r')}.db")
        yaml = sni_yaml(["local", "default"], "default", domains=[("localhost", "local")])
        yaml = yaml.replace("anonymous: allow", "anonymous: deny")
        yaml += ("ca_certificates:\n"
                 f"  - {{ca_name: sni-root, file: {json.dumps(root.cert)}}}\n"
                 f"device_certificates: {{registry: {{sqlite: {json.dumps(registry)}}}}}\n")
        broker = self.start_broker(yaml, tls_listener=TlsListener(
            certs["listener"].chain, certs["listener"].key, require_certificate=True))
        rc, stderr = pub(broker, client_id="device-1",
                         tls=ClientTls(cafile=root.cert, cert=device.chain, key=device.key))
        self.assertEqual(rc, 0, f"mosquitto_pub said {stderr!r}\n{broker.describe()}")
        with closing(sqlite3.connect(f"file:{quote(registry)}?mode=ro", uri=True)) as database:
            registered = database.execute("SELECT common_name FROM mqauth_devices").fetchall()
        self.assertEqual(registered, [("device-1",)])
        other_root = material.certificate_authority("Stranger Root")
        rogue = material.client_certificate("rogue", issuer=other_root)
        rc, _ = pub(broker, client_id="rogue",
                    tls=ClientTls(cafile=root.cert, cert=rogue.chain, key=rogue.key))
        self.assertNotEqual(rc, 0, broker.describe())
        self.assertIsNotNone(broker.wait_for_log_line(r"refused client certificate .*unknown_ca"),
                             broker.describe())

if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: Apache-2.0
"""config/examples/: each production example passes `mqauth check` and is loaded by a real
broker in the form for the broker under test (mosquitto.conf for 2.0, mosquitto-2.1.conf for
2.1). The files are used as they are, but for what a test cannot share with the machine: their
absolute paths (/etc/mosquitto, /var/lib/mosquitto, the plugin's) move under a temporary root,
their ports become free ones. The certificates, CA and secret files they name are made there
by openssl and the test."""
import os
import pathlib
import re
import unittest
import urllib.request

from mqauth_harness import (
    RC_NOT_AUTHORISED,
    Broker,
    BrokerTestCase,
    ClientTls,
    free_port,
    mosquitto_21,
    pub,
    run_cli,
    tls_handshake,
)
from tls_material import TlsMaterial

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "config" / "examples"
INSTALLED_PLUGIN = "/usr/lib/x86_64-linux-gnu/mqauth.so"
SECRETS = {"historian": "historian-secret", "rules-engine": "rules-engine-secret",
           "sensor-bridge": "sensor-bridge-secret", "dashboard": "dashboard-secret"}


def conf_name():
    return "mosquitto-2.1.conf" if mosquitto_21() else "mosquitto.conf"


class ExampleBroker(Broker):
    """A Broker whose mosquitto.conf and mqauth.yaml are an example's, relocated."""

    def __init__(self, example):
        super().__init__("")
        self.example = EXAMPLES / example
        self.root = pathlib.Path(self.workdir) / "root"
        self.metrics_port = None
        for directory in ("etc/mosquitto/secrets", "etc/mosquitto/certs", "etc/mosquitto/ca",
                          "var/lib/mosquitto"):
            (self.root / directory).mkdir(parents=True, exist_ok=True)
        self.yaml_path = self.root / "etc/mosquitto/mqauth.yaml"

    def relocated(self, text):
        text = text.replace(INSTALLED_PLUGIN, self.plugin)
        for prefix in ("/etc/mosquitto/", "/var/lib/mosquitto/"):
            text = text.replace(prefix, f"{self.root}{prefix}")
        text = text.replace("127.0.0.1:9234", f"127.0.0.1:{self.metrics_port}")
        text = re.sub(r"^listener 1883 127\.0\.0\.1$", f"listener {self.port} 127.0.0.1", text,
                      flags=re.M)
        return re.sub(r"^listener 8883$", f"listener {self.tls_port} 127.0.0.1", text, flags=re.M)

    def _write_mosquitto_conf(self):
        conf = (self.example / conf_name()).read_text()
        self.tls_port = free_port() if "listener 8883" in conf else None
        self.metrics_port = free_port()
        self.yaml_path.write_text(self.relocated((self.example / "mqauth.yaml").read_text()))
        # What the harness needs to watch the broker, after the example's own lines.
        lines = [f"log_dest file {self.log_path}", "log_type all", f"user {self.user}",
                 "persistence false"]
        with open(self.conf_path, "w", encoding="utf-8") as file:
            file.write(self.relocated(conf) + "\n" + "\n".join(lines) + "\n")

    def write_secrets(self):
        for username, secret in SECRETS.items():
            (self.root / "etc/mosquitto/secrets" / username).write_text(secret + "\n")


class ExampleTestCase(BrokerTestCase):

    def start_example(self, name, make_files=lambda broker: None):
        broker = ExampleBroker(name)
        self.addCleanup(broker.close_expecting_clean_exit)
        broker.write_secrets()
        make_files(broker)
        return broker

    def assertChecks(self, broker):
        broker._write_mosquitto_conf()  # the relocated mqauth.yaml, before the broker runs
        result = run_cli("check", str(broker.yaml_path))
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def assertNotAuthorised(self, broker, **client):
        rc, stderr = pub(broker, **client)
        self.assertEqual(rc, RC_NOT_AUTHORISED, f"{client}: {stderr!r}\n{broker.describe()}")


class LoopbackExampleTest(ExampleTestCase):

    def test_it_checks_loads_and_serves_its_services_on_loopback_only(self):
        broker = self.start_example("loopback")
        self.assertChecks(broker)
        broker.start()
        dashboard = self.start_subscriber(broker, client_id="dash-1", username="dashboard",
                                          password=SECRETS["dashboard"], topics=["sensors/#"])
        self.assertEqual(dashboard.granted(), [0], dashboard.describe())
        self.assertConnects(broker, client_id="bridge-1", username="sensor-bridge",
                            password=SECRETS["sensor-bridge"], topic="sensors/boiler",
                            message="71.5")
        self.assertTrue(dashboard.wait_for_message("sensors/boiler", "71.5"),
                        dashboard.describe())
        self.assertNotAuthorised(broker, client_id="bridge-1", username="sensor-bridge",
                                 password="wrong")
        self.assertNotAuthorised(broker, client_id="anon-1")
        listeners = re.findall(r"^listener .*$", pathlib.Path(broker.conf_path).read_text(),
                               flags=re.M)
        self.assertEqual(listeners, [f"listener {broker.port} 127.0.0.1"])


class TlsDevicesExampleTest(ExampleTestCase):

    @staticmethod
    def make_certificates(broker):
        """The files mqauth.yaml and mosquitto.conf name, and a device of the fleet CA."""
        broker.material = material = TlsMaterial()
        server_root = material.certificate_authority("Example Server Root")
        fleet_ca = material.certificate_authority("Example Fleet CA")
        etc = broker.root / "etc/mosquitto"

        def place(certificate, cert_path, key_path=None):
            (etc / cert_path).write_text(pathlib.Path(certificate.chain).read_text())
            if key_path:
                (etc / key_path).write_text(pathlib.Path(certificate.key).read_text())

        # server_certificate(file stem, DNS names): the CN is the first DNS name.
        listener = material.server_certificate("listener", issuer=server_root)
        place(listener, "certs/server.crt", "certs/server.key")
        devices = material.server_certificate("devices", issuer=server_root,
                                              dns_names=["devices.example.com"])
        place(devices, "certs/devices.example.com.crt", "certs/devices.example.com.key")
        legacy = material.server_certificate("legacy", issuer=server_root,
                                             dns_names=["*.legacy.example.com"])
        place(legacy, "certs/legacy.example.com.crt", "certs/legacy.example.com.key")
        (etc / "ca/fleet-ca.pem").write_text(pathlib.Path(fleet_ca.cert).read_text())
        broker.server_root = server_root
        broker.device = material.client_certificate("dev-0001", issuer=fleet_ca)

    def setUp(self):
        self.broker = self.start_example("tls-devices", self.make_certificates)
        self.addCleanup(self.broker.material.cleanup)

    def device_publishes(self, client_id, topic="devices/dev-0001/telemetry", message="m"):
        """One publish over TLS with the device's certificate. The client connects to 127.0.0.1
        and sends no name a domain maps, so it is served the default certificate, verified
        against its root but not for a host name (--insecure): SNI has a test of its own."""
        tls = ClientTls(cafile=self.broker.server_root.cert, cert=self.broker.device.cert,
                        key=self.broker.device.key, host="127.0.0.1")
        return pub(self.broker, client_id=client_id, username="device", topic=topic,
                   message=message, tls=tls, extra=("--insecure",))

    def test_it_passes_mqauth_check(self):
        self.assertChecks(self.broker)

    def test_a_real_broker_loads_it_and_devices_and_services_log_in(self):
        self.broker.start()
        historian = self.start_subscriber(self.broker, client_id="historian-1",
                                          username="historian", password=SECRETS["historian"],
                                          topics=["devices/#"])
        self.assertEqual(historian.granted(), [0], historian.describe())
        rc, stderr = self.device_publishes("dev-0001", message="21.5")
        self.assertEqual(rc, 0, stderr + self.broker.describe())
        self.assertTrue(historian.wait_for_message("devices/dev-0001/telemetry", "21.5"),
                        historian.describe())
        self.assertTrue(any(self.broker.root.glob("var/lib/mosquitto/mqauth-devices.db*")),
                        "the device was not registered in the example's registry")
        # bind_client_id_to_cn: the certificate with another client id is refused; the CLIENT
        # identity admits its own client id only.
        rc, _ = self.device_publishes("dev-0002")
        self.assertEqual(rc, RC_NOT_AUTHORISED, self.broker.describe())
        self.assertNotAuthorised(self.broker, client_id="historian-2", username="historian",
                                 password=SECRETS["historian"])

    def test_each_server_name_gets_its_certificate(self):
        self.broker.start()
        for name, subject in (("devices.example.com", "CN = devices.example.com"),
                              ("a.legacy.example.com", "CN = *.legacy.example.com"),
                              ("other.example.org", "CN = devices.example.com")):
            with self.subTest(name=name):
                seen = tls_handshake(self.broker.tls_port, servername=name,
                                     cafile=self.broker.server_root.cert, verify_hostname=False)
                self.assertEqual(seen.subject, subject, seen.describe())

    def test_its_metrics_endpoint_answers_on_loopback(self):
        self.broker.start()
        with urllib.request.urlopen(
                f"http://127.0.0.1:{self.broker.metrics_port}/metrics", timeout=5) as answer:
            self.assertIn("mqauth_policy_entries", answer.read().decode())


if __name__ == "__main__":
    unittest.main()

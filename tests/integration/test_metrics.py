# SPDX-License-Identifier: Apache-2.0
"""Metrics (the `metrics:` section): after a known sequence of CONNECTs, PUBLISHes and
SUBSCRIBEs, GET /metrics gives exactly the expected value of every series mqauth counts, in a
body `promtool check metrics` accepts; a real Prometheus server started here scrapes the
endpoint and its query API returns the same values (and runs README's queries); the live-clients
gauge follows a client that comes and goes; `mosquitto_sub -t '$SYS/broker/mqauth/#'`
sees them as retained $SYS topics that follow new logins at the next sys_interval. Bad requests
(an unknown path, a huge header, slow clients, POST) get HTTP errors and never delay the broker;
a reload moves, stops and restarts the endpoint and is counted; without the section nothing
listens and no $SYS/broker/mqauth topic appears.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from mqauth_harness import (
    RC_NOT_AUTHORISED,
    BrokerTestCase,
    auth_yaml,
    free_port,
    port_accepts,
    pub,
    sasl_auth_yaml,
    sasl_hash,
    sasl_user,
    signed_password,
    sub_collect,
    unique_client_id,
    user_identity,
    user_rule,
    wait_for,
)

PROMTOOL = os.environ.get("PROMTOOL") or "/usr/bin/promtool"
PROMETHEUS = os.environ.get("PROMETHEUS") or "/usr/bin/prometheus"
CONTENT_TYPE = "text/plain; version=0.0.4"
HTTP_TIMEOUT = 5.0
METER_SECRET = "meter-secret-51c0"
FLEET_SECRET = "fleet-secret-7d2b"
BOB_PASSWORD = "bob-password-e3a9"

# Every family mqauth exposes, with its type.
FAMILIES = {
    "mqauth_connect_decisions_total": "counter",
    "mqauth_connect_decision_seconds": "histogram",
    "mqauth_topic_decisions_total": "counter",
    "mqauth_topic_cache_lookups_total": "counter",
    "mqauth_throttle_backoffs_total": "counter",
    "mqauth_throttle_refused_total": "counter",
    "mqauth_throttle_tracked_entries": "gauge",
    "mqauth_policy_generation": "gauge",
    "mqauth_policy_entries": "gauge",
    "mqauth_reloads_total": "counter",
    "mqauth_last_reload_timestamp_seconds": "gauge",
    "mqauth_authorizer_calls_total": "counter",
    "mqauth_authorizer_call_seconds": "histogram",
    "mqauth_authorizer_cache_lookups_total": "counter",
    "mqauth_authorizer_calls_in_flight": "gauge",
    "mqauth_authorizer_cache_entries": "gauge",
    "mqauth_device_refusals_total": "counter",
    "mqauth_device_registrations_total": "counter",
    "mqauth_device_registry_known": "gauge",
    "mqauth_live_clients": "gauge",
}
# The mechanisms whose allowed CONNECTs always show, at zero too.
MECHANISMS = ("identity_origin", "identity_signed", "sasl_plain", "sasl_scram", "certificate",
              "authorizer", "anonymous")


def metrics_section(port, sys_interval=None, host="127.0.0.1"):
    text = f"metrics:\n  listen: \"{host}:{port}\"\n"
    if sys_interval is not None:
        text += f"  sys_interval: {sys_interval}\n"
    return text


# ---------------------------------------------------------------------------------------------
# HTTP

def http_request(port, path="/metrics", method="GET", data=None, timeout=HTTP_TIMEOUT):
    """(status, headers, body text) of one request with urllib; an HTTP error status is an
    answer like any other here."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read().decode()


def scrape(port):
    status, headers, body = http_request(port)
    if status != 200:
        raise AssertionError(f"GET /metrics answered {status}: {body!r}")
    return headers, body


SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def labels_key(labels):
    return tuple(sorted(labels.items()))


def parse_exposition(text):
    """{(name, ((label, value), ...)): value} of every sample, and {family: type}."""
    samples, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            types[name] = kind
            continue
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        if not match:
            raise AssertionError(f"not a sample line: {line!r}")
        name, labels, value = match.groups()
        key = (name, labels_key(dict(LABEL.findall(labels or ""))))
        if key in samples:
            raise AssertionError(f"a sample appears twice: {line!r}")
        samples[key] = float(value)
    return samples, types


def series(samples, name):
    """{labels as a dict's sorted items: value} of one metric name."""
    return {labels: value for (each, labels), value in samples.items() if each == name}


def value(samples, name, **labels):
    return samples.get((name, labels_key(labels)))


def listening_ports(pid):
    """The TCP ports process `pid` listens on, from its socket descriptors and /proc/net."""
    inodes = set()
    fd_dir = f"/proc/{pid}/fd"
    for fd in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[len("socket:["):-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as file:
                rows = file.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for row in rows:
            fields = row.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # TCP_LISTEN
                ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


# ---------------------------------------------------------------------------------------------
# The values after a known sequence

def values_config(metrics_port):
    """meter (ORIGIN), fleet (SIGNED, no rules) and the plain SASL user bob; throttling on, an
    address backing off at its third failure, so that one sequence moves every counter."""
    text = sasl_auth_yaml(
        [user_identity("meter", METER_SECRET),
         user_identity("fleet", FLEET_SECRET, sign_mode="SIGNED")],
        [sasl_user("bob", credentials=sasl_hash(BOB_PASSWORD, "SCRAM-SHA-256"))],
        rules=[user_rule("meter", "meters/#", "PUB"),
               user_rule("meter", "meters/#", "SUB"),
               user_rule("meter", "meters/secret", "SUB", effect="DENY"),
               user_rule("bob", "meters/#", "PUB")],
        no_match="DENY")
    text += ("throttling:\n  max_failures: 10\n  address_max_failures: 3\n"
             "  window_seconds: 600\n  backoff_seconds: 600\n")
    return text + metrics_section(metrics_port)


# What the sequence in MetricsValuesTest.setUpClass must leave, series by series.
EXPECTED_CONNECTS = {
    **{(("mechanism", kind), ("reason", "none"), ("result", "allow")): 0.0
       for kind in MECHANISMS},
    (("mechanism", "identity_origin"), ("reason", "none"), ("result", "allow")): 2.0,
    (("mechanism", "identity_signed"), ("reason", "none"), ("result", "allow")): 1.0,
    (("mechanism", "sasl_plain"), ("reason", "none"), ("result", "allow")): 1.0,
    (("mechanism", "identity_origin"), ("reason", "bad_password"), ("result", "deny")): 1.0,
    (("mechanism", "unknown"), ("reason", "unknown_username"), ("result", "deny")): 1.0,
    (("mechanism", "anonymous"), ("reason", "anonymous_denied"), ("result", "deny")): 1.0,
    (("mechanism", "anonymous"), ("reason", "throttled"), ("result", "deny")): 1.0,
}
EXPECTED_TOPICS = {
    (("action", "publish"), ("result", "allow")): 4.0,
    (("action", "publish"), ("result", "deny")): 1.0,
    (("action", "subscribe"), ("result", "allow")): 1.0,
    (("action", "subscribe"), ("result", "deny")): 1.0,
    (("action", "deliver"), ("result", "allow")): 1.0,
    (("action", "deliver"), ("result", "deny")): 1.0,
}
EXPECTED_CACHE = {(("result", "hit"),): 2.0, (("result", "miss"),): 7.0}
EXPECTED_POLICY_ENTRIES = {
    (("kind", "identities"),): 2.0, (("kind", "rules"),): 4.0, (("kind", "sasl_users"),): 1.0,
    (("kind", "cas"),): 0.0, (("kind", "authorizers"),): 0.0,
    (("kind", "sni_certificates"),): 0.0,
}
CONNECT_DECISIONS = sum(EXPECTED_CONNECTS.values())  # every one timed (README)
ORIGIN_LOGINS = 2


class MetricsValuesTest(BrokerTestCase):
    """One broker, one known sequence (setUpClass), then the endpoint, promtool and a real
    Prometheus server must all tell exactly what happened."""

    @classmethod
    def setUpClass(cls):
        cls.metrics_port = free_port()
        cls.broker = cls.start_class_broker(values_config(cls.metrics_port))
        cls.run_sequence()

    @classmethod
    def run_sequence(cls):
        broker = cls.broker
        checks = unittest.TestCase()

        def expect(rc, wanted, what):
            checks.assertEqual(rc, wanted, f"{what}\n{broker.describe()}")

        # 1. meter (ORIGIN) publishes meters/1, retained, three times on one connection: the
        #    first is looked up in the client's decision cache and missed, the next two hit.
        rc, _ = pub(broker, client_id=unique_client_id("meter-pub"), username="meter",
                    password=METER_SECRET, topic="meters/1", message="21.5",
                    extra=["-r", "--repeat", "3"])
        expect(rc, 0, "meter should publish meters/1")
        # 2. bob (a plain SASL user) publishes meters/secret, retained.
        rc, _ = pub(broker, client_id=unique_client_id("bob"), username="bob",
                    password=BOB_PASSWORD, topic="meters/secret", message="s", extra=["-r"])
        expect(rc, 0, "bob should publish meters/secret")
        # 3. fleet (SIGNED) logs in and publishes meters/2, which no rule of its allows (MQTT
        #    3.1.1: the PUBACK comes anyway, the message is dropped).
        client_id = unique_client_id("GID_fleet@@@dev")
        rc, _ = pub(broker, client_id=client_id, username="fleet",
                    password=signed_password(FLEET_SECRET, client_id), topic="meters/2")
        expect(rc, 0, "fleet should log in")
        # 4. meter subscribes meters/# (allowed) and other/# (denied) in one SUBSCRIBE; of the two
        #    retained messages meters/1 is delivered, meters/secret (DENY SUB) is not.
        rc, lines, stderr = sub_collect(broker, client_id=unique_client_id("meter-sub"),
                                        username="meter", password=METER_SECRET,
                                        topic="meters/#", extra=["-t", "other/#"], count=1)
        expect(rc, 0, f"meter should get meters/1 ({stderr!r})")
        checks.assertEqual(lines, ["meters/1 21.5"])
        # 5.-7. Three refusals from 127.0.0.1: the address backs off at the third.
        rc, _ = pub(broker, client_id=unique_client_id("meter-bad"), username="meter",
                    password="not-the-secret")
        expect(rc, RC_NOT_AUTHORISED, "a bad password should be refused")
        rc, _ = pub(broker, client_id=unique_client_id("nobody"), username="nobody",
                    password="whatever")
        expect(rc, RC_NOT_AUTHORISED, "an unknown username should be refused")
        rc, _ = pub(broker, client_id=unique_client_id("anon"))
        expect(rc, RC_NOT_AUTHORISED, "an anonymous client should be refused")
        checks.assertIsNotNone(broker.wait_for_log_line(
            r"mqauth: throttling address=127\.0\.0\.1 for 600s after 3 failed logins"),
            broker.describe())
        # 8. Refused unchecked during the back-off (and logged no more).
        rc, _ = pub(broker, client_id=unique_client_id("anon"))
        expect(rc, RC_NOT_AUTHORISED, "an anonymous client should be throttled")

    def scrape(self):
        headers, body = scrape(self.metrics_port)
        samples, types = parse_exposition(body)
        return headers, body, samples, types

    def test_the_endpoint_gives_exactly_the_values_of_the_sequence(self):
        headers, body, samples, types = self.scrape()
        self.assertTrue(headers["Content-Type"].startswith(CONTENT_TYPE), headers["Content-Type"])
        self.assertEqual(types, FAMILIES, body)
        self.assertEqual(series(samples, "mqauth_connect_decisions_total"), EXPECTED_CONNECTS,
                         body)
        self.assertEqual(series(samples, "mqauth_topic_decisions_total"), EXPECTED_TOPICS, body)
        self.assertEqual(series(samples, "mqauth_topic_cache_lookups_total"), EXPECTED_CACHE,
                         body)
        self.assertEqual(value(samples, "mqauth_throttle_backoffs_total"), 1.0, body)
        self.assertEqual(value(samples, "mqauth_throttle_refused_total"), 1.0, body)
        # Devices (meter/meter-bad, nobody/nobody), usernames (meter, nobody), the address, and
        # the four devices that logged in (exempt from their address's back-off).
        self.assertEqual(value(samples, "mqauth_throttle_tracked_entries"), 9.0, body)
        self.assertEqual(value(samples, "mqauth_policy_generation"), 1.0, body)
        self.assertEqual(series(samples, "mqauth_policy_entries"), EXPECTED_POLICY_ENTRIES, body)
        self.assertEqual(series(samples, "mqauth_reloads_total"),
                         {(("result", "applied"),): 0.0, (("result", "rejected"),): 0.0}, body)
        self.assertEqual(value(samples, "mqauth_last_reload_timestamp_seconds"), 0.0, body)
        # No authorizer and no device certificate in this policy: their families hold no series
        # but the cache's size and the registry's, at zero; every client has gone.
        for family in ("mqauth_authorizer_calls_total", "mqauth_authorizer_call_seconds_count",
                       "mqauth_authorizer_cache_lookups_total",
                       "mqauth_authorizer_calls_in_flight", "mqauth_device_refusals_total"):
            self.assertEqual(series(samples, family), {}, family)
        self.assertEqual(value(samples, "mqauth_authorizer_cache_entries"), 0.0, body)
        self.assertEqual(value(samples, "mqauth_device_registrations_total"), 0.0, body)
        self.assertEqual(value(samples, "mqauth_device_registry_known"), 0.0, body)
        self.assertEqual(series(samples, "mqauth_live_clients"),
                         {(("mechanism", kind),): 0.0 for kind in MECHANISMS}, body)

    def test_the_histogram_counts_every_connect_decision(self):
        _, body, samples, _ = self.scrape()
        name = "mqauth_connect_decision_seconds"
        self.assertEqual(value(samples, name + "_count"), CONNECT_DECISIONS, body)
        total = value(samples, name + "_sum")
        # Eight decisions, each well under a second (a PBKDF2 for bob is the slowest).
        self.assertGreater(total, 0, body)
        self.assertLess(total, CONNECT_DECISIONS, body)
        buckets = sorted(((float(dict(labels)["le"]), count)
                          for labels, count in series(samples, name + "_bucket").items()))
        self.assertEqual(len(buckets), 17, body)
        self.assertEqual(buckets[-1], (float("inf"), CONNECT_DECISIONS), body)
        self.assertEqual(buckets[-2], (10.0, CONNECT_DECISIONS), body)
        counts = [count for _, count in buckets]
        self.assertEqual(counts, sorted(counts), "buckets must be cumulative\n" + body)

    def test_promtool_accepts_the_exposition(self):
        _, body = scrape(self.metrics_port)
        result = subprocess.run([PROMTOOL, "check", "metrics"], input=body, capture_output=True,
                                text=True, timeout=30)
        self.assertEqual((result.returncode, result.stdout, result.stderr), (0, "", ""),
                         f"promtool check metrics on:\n{body}")

    def test_a_real_prometheus_scrapes_the_same_values(self):
        prometheus = PrometheusServer(self.metrics_port)
        self.addCleanup(prometheus.stop)
        prometheus.start()
        origin = ('mqauth_connect_decisions_total{mechanism="identity_origin",'
                  'result="allow"}')
        self.assertEqual(prometheus.wait_for_value(origin, ORIGIN_LOGINS),
                         [({"__name__": "mqauth_connect_decisions_total",
                            "instance": f"127.0.0.1:{self.metrics_port}", "job": "mqauth",
                            "mechanism": "identity_origin", "reason": "none",
                            "result": "allow"}, ORIGIN_LOGINS)])
        denials = prometheus.query(
            'sum by (reason) (mqauth_connect_decisions_total{result="deny"})')
        self.assertEqual(sorted((labels["reason"], count) for labels, count in denials),
                         [("anonymous_denied", 1), ("bad_password", 1), ("throttled", 1),
                          ("unknown_username", 1)])
        self.assertEqual(prometheus.query("sum(mqauth_connect_decisions_total)"),
                         [({}, CONNECT_DECISIONS)])
        self.assertEqual(prometheus.query("mqauth_connect_decision_seconds_count"),
                         [({"__name__": "mqauth_connect_decision_seconds_count",
                            "instance": f"127.0.0.1:{self.metrics_port}", "job": "mqauth"},
                           CONNECT_DECISIONS)])
        self.assertEqual(prometheus.query('up{job="mqauth"}')[0][1], 1)
        # README's queries: each runs, and names only metrics the endpoint has.
        queries = readme_promql_queries()
        self.assertEqual(len(queries), 3, queries)
        for query in queries:
            prometheus.query(query)
            for name in re.findall(r"mqauth_[a-z_]+", query):
                self.assertIn(re.sub(r"_bucket$", "", name), FAMILIES, query)


def readme_promql_queries():
    """The queries of README's ```promql block (its comment lines left out)."""
    readme = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")
    with open(readme, encoding="utf-8") as file:
        block = re.search(r"```promql\n(.*?)```", file.read(), re.S)
    if not block:
        raise AssertionError("README.md has no ```promql block")
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


class PrometheusServer:
    """/usr/bin/prometheus in a temporary directory, scraping 127.0.0.1:target_port every
    second as job "mqauth"."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.workdir = tempfile.mkdtemp(prefix="mqauth-prometheus-")
        self.port = free_port()
        self.process = None
        self.output_path = os.path.join(self.workdir, "prometheus.out")

    def start(self):
        config = os.path.join(self.workdir, "prometheus.yml")
        with open(config, "w", encoding="utf-8") as file:
            file.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                       "scrape_configs:\n  - job_name: mqauth\n"
                       f"    static_configs:\n      - targets: ['127.0.0.1:{self.target_port}']\n")
        with open(self.output_path, "wb") as output:
            self.process = subprocess.Popen(
                [PROMETHEUS, f"--config.file={config}",
                 f"--storage.tsdb.path={os.path.join(self.workdir, 'data')}",
                 f"--web.listen-address=127.0.0.1:{self.port}"],
                stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                cwd=self.workdir)
        if not wait_for(lambda: self.process.poll() is not None or self.ready(), 30, 0.2) \
                or self.process.poll() is not None:
            raise AssertionError("prometheus did not start\n" + self.describe())

    def ready(self):
        try:
            return http_request(self.port, "/-/ready", timeout=1)[0] == 200
        except OSError:
            return False

    def describe(self):
        with open(self.output_path, encoding="utf-8", errors="replace") as file:
            output = file.read()
        return (f"prometheus on port {self.port}, exit code {self.process.poll()}\n"
                + "\n".join(output.splitlines()[-30:]))

    def query(self, promql):
        """[(labels, value), ...] of an instant query."""
        status, _, body = http_request(
            self.port, "/api/v1/query?" + urllib.parse.urlencode({"query": promql}))
        answer = json.loads(body)
        if status != 200 or answer["status"] != "success":
            raise AssertionError(f"query {promql} failed: {status} {body}")
        return [(each["metric"], float(each["value"][1])) for each in answer["data"]["result"]]

    def wait_for_value(self, promql, wanted, timeout=30):
        """The query's answer once it is a single sample equal to `wanted`; fails after
        `timeout` seconds with what it last said."""
        last = []

        def arrived():
            nonlocal last
            last = self.query(promql)
            return len(last) == 1 and last[0][1] == wanted

        if not wait_for(arrived, timeout, 0.5):
            raise AssertionError(f"{promql} still {last}, not {wanted}\n{self.describe()}")
        return last

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# $SYS topics

SYS_ORIGIN_ALLOWS = "$SYS/broker/mqauth/connect_decisions_total/identity_origin/allow/none"


class SysTopicsTest(BrokerTestCase):

    def setUp(self):
        self.broker_metrics_port = free_port()
        self.broker = self.start_broker(self.config(sys_interval=1))

    def config(self, sys_interval):
        return auth_yaml(
            [user_identity("meter", METER_SECRET), user_identity("watcher", "watcher-secret")],
            rules=[user_rule("meter", "meters/#", "PUB"),
                   user_rule("watcher", "$SYS/broker/mqauth/#", "SUB")],
            no_match="DENY") + metrics_section(self.broker_metrics_port, sys_interval=sys_interval)

    def reload(self, sys_interval):
        self.broker.write_config(self.config(sys_interval))
        self.assertTrue(self.broker.reload(), self.broker.describe())

    def meter_logs_in(self):
        self.assertConnects(self.broker, client_id=unique_client_id("meter"), username="meter",
                            password=METER_SECRET, topic="meters/1")

    def test_live_clients_count_the_connected_ones(self):
        port = self.broker_metrics_port
        meter = self.start_live_client(self.broker, client_id=unique_client_id("meter-live"),
                                       username="meter", password=METER_SECRET,
                                       topic="meters/1")
        samples, _ = parse_exposition(scrape(port)[1])
        self.assertEqual(value(samples, "mqauth_live_clients", mechanism="identity_origin"), 1.0)
        meter.stop()
        self.assertTrue(wait_for(lambda: value(parse_exposition(scrape(port)[1])[0],
                                               "mqauth_live_clients",
                                               mechanism="identity_origin") == 0.0, 5.0))

    def test_mosquitto_sub_sees_the_values_and_they_follow_new_logins(self):
        self.meter_logs_in()
        self.meter_logs_in()
        # What a reader types, -v: "TOPIC PAYLOAD"; the retained values of the last interval
        # come at once. The watcher's own login is the third ORIGIN one.
        rc, lines, stderr = sub_collect(self.broker, client_id=unique_client_id("watcher"),
                                        username="watcher", password="watcher-secret",
                                        topic="$SYS/broker/mqauth/#", count=1000, seconds=3)
        received = dict(line.split(" ", 1) for line in lines)
        self.assertIn(SYS_ORIGIN_ALLOWS, received, f"{stderr}\n{self.broker.describe()}")
        # The last interval's value, after the watcher's own login.
        self.assertEqual(received[SYS_ORIGIN_ALLOWS], "3", lines)
        self.assertEqual(received["$SYS/broker/mqauth/policy_generation"], "1", lines)
        self.assertEqual(received["$SYS/broker/mqauth/policy_entries/identities"], "2", lines)
        self.assertEqual(received["$SYS/broker/mqauth/policy_entries/rules"], "2", lines)
        self.assertEqual(received["$SYS/broker/mqauth/topic_decisions_total/publish/allow"], "2",
                         lines)
        self.assertEqual(received["$SYS/broker/mqauth/reloads_total/applied"], "0", lines)
        self.assertIn("$SYS/broker/mqauth/connect_decision_seconds_count", received, lines)
        self.assertIn("$SYS/broker/mqauth/connect_decision_seconds_sum", received, lines)
        # A refusal's series appears once it happened, never before.
        self.assertNotIn("$SYS/broker/mqauth/connect_decisions_total/identity_origin/deny/"
                         "bad_password", received, lines)

        subscriber = self.start_subscriber(self.broker, client_id=unique_client_id("watcher"),
                                           username="watcher", password="watcher-secret",
                                           topics=["$SYS/broker/mqauth/#"])
        self.assertEqual(subscriber.granted(), [0])
        # Two watchers so far: four ORIGIN logins, published within an interval.
        self.assertIsNotNone(subscriber.wait_for_message(SYS_ORIGIN_ALLOWS, "4", timeout=3),
                             subscriber.describe())
        self.meter_logs_in()
        logged_in = time.monotonic()
        self.assertIsNotNone(subscriber.wait_for_message(SYS_ORIGIN_ALLOWS, "5", timeout=3),
                             subscriber.describe())
        self.assertLess(time.monotonic() - logged_in, 2.5, "not at the next interval")
        rc, _ = pub(self.broker, client_id=unique_client_id("meter"), username="meter",
                    password="wrong")
        self.assertEqual(rc, RC_NOT_AUTHORISED)
        self.assertIsNotNone(subscriber.wait_for_message(
            "$SYS/broker/mqauth/connect_decisions_total/identity_origin/deny/bad_password", "1",
            timeout=3), subscriber.describe())

    def test_a_reload_applies_sys_interval_and_zero_stops_the_publications(self):
        subscriber = self.start_subscriber(self.broker, client_id=unique_client_id("watcher"),
                                           username="watcher", password="watcher-secret",
                                           topics=["$SYS/broker/mqauth/#"])
        self.assertEqual(subscriber.wait_subscribed(), [0])
        self.assertIsNotNone(subscriber.wait_for_message(SYS_ORIGIN_ALLOWS, "1", timeout=3),
                             subscriber.describe())
        self.reload(sys_interval=0)
        self.meter_logs_in()
        time.sleep(3)  # three of the old intervals
        self.assertNotIn((SYS_ORIGIN_ALLOWS, "2"), subscriber.messages(), subscriber.describe())
        # The endpoint still counts: only the publications stopped.
        samples, _ = parse_exposition(scrape(self.broker_metrics_port)[1])
        self.assertEqual(value(samples, "mqauth_connect_decisions_total",
                               mechanism="identity_origin", result="allow", reason="none"), 2.0)
        self.reload(sys_interval=1)
        self.assertIsNotNone(subscriber.wait_for_message(SYS_ORIGIN_ALLOWS, "2", timeout=3),
                             subscriber.describe())



# ---------------------------------------------------------------------------------------------
# Bad requests

SLOW_CLIENTS = 10
READ_TIMEOUT = 5  # metrics_endpoint.cpp: kRequestTimeoutMs
MAX_REQUEST_BYTES = 16384  # metrics_endpoint.cpp: kMaxRequestBytes
HUGE_HEADER_BYTES = 200 * 1024 * 1024
# The broker's peak memory may grow by this much while it refuses the huge header (the
# sanitizers' allocator takes some); reading the header whole would take 200 MB.
HUGE_HEADER_GROWTH_KB = 24 * 1024
# civetweb answers HTTP/1.0 when it could not read the request's version.
REFUSAL = rb"^HTTP/1\.[01] 400 "


def read_until_closed(client):
    """Everything the server sends until it closes (civetweb writes its answer in several
    pieces); what arrived before a reset when it resets."""
    received = b""
    try:
        while chunk := client.recv(4096):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def peak_memory_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmHWM in /proc/{pid}/status")


class BadRequestsTest(BrokerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.metrics_port = free_port()
        cls.broker = cls.start_class_broker(
            auth_yaml([user_identity("meter", METER_SECRET)],
                      rules=[user_rule("meter", "meters/#", "PUB")])
            + metrics_section(cls.metrics_port))

    def assertServes(self):
        headers, body = scrape(self.metrics_port)
        self.assertIn("# TYPE mqauth_connect_decisions_total counter", body)

    def test_an_unknown_path_gets_404_naming_the_metrics_path(self):
        status, headers, body = http_request(self.metrics_port, "/nope")
        self.assertEqual(status, 404, body)
        self.assertTrue(headers["Content-Type"].startswith("text/plain"), headers)
        self.assertIn("/nope", body)
        self.assertIn("GET /metrics", body)

    def test_post_is_refused_with_an_error_status(self):
        status, headers, body = http_request(self.metrics_port, method="POST", data=b"x=1")
        self.assertEqual(status, 405, body)
        self.assertEqual(headers["Allow"], "GET, HEAD")
        self.assertIn("only GET (and HEAD) /metrics is served", body)
        self.assertServes()

    def test_head_answers_without_a_body(self):
        status, headers, body = http_request(self.metrics_port, method="HEAD")
        self.assertEqual((status, body), (200, ""))
        self.assertTrue(headers["Content-Type"].startswith(CONTENT_TYPE), headers)

    def test_a_100_kb_header_gets_400_and_the_endpoint_goes_on(self):
        request = (b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: " + b"a" * 100_000
                   + b"\r\nConnection: close\r\n\r\n")
        answer = b""
        with socket.create_connection(("127.0.0.1", self.metrics_port), timeout=10) as client:
            try:
                client.sendall(request)
                while chunk := client.recv(65536):
                    answer += chunk
            except (ConnectionResetError, BrokenPipeError):
                pass  # the server closed with our bytes unread: its answer may be lost with them
        if answer:
            self.assertRegex(answer, REFUSAL, answer[:500])
            self.assertIn(f"larger than {MAX_REQUEST_BYTES} bytes".encode(), answer)
        self.assertServes()
        self.assertConnects(self.broker, client_id=unique_client_id("meter"), username="meter",
                            password=METER_SECRET, topic="meters/1")

    def test_a_200_mb_header_line_is_refused_without_the_broker_holding_it(self):
        pid = self.broker.process.pid
        before = peak_memory_kb(pid)
        chunk = b"a" * (1 << 20)
        sent = 0
        with socket.create_connection(("127.0.0.1", self.metrics_port), timeout=10) as client:
            try:
                client.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: ")
                while sent < HUGE_HEADER_BYTES:
                    client.sendall(chunk)
                    sent += len(chunk)
            except (ConnectionResetError, BrokenPipeError):
                pass
        self.assertLess(sent, HUGE_HEADER_BYTES,
                        "the endpoint read a 200 MB header line to its end")
        grown = peak_memory_kb(pid) - before
        self.assertLess(grown, HUGE_HEADER_GROWTH_KB,
                        f"the broker's peak memory grew by {grown} KB over a huge header")
        self.assertServes()
        self.assertConnects(self.broker, client_id=unique_client_id("meter"), username="meter",
                            password=METER_SECRET, topic="meters/1")

    def test_slow_clients_never_delay_the_broker_and_are_cut_off(self):
        slow = []
        self.addCleanup(lambda: [each.close() for each in slow])
        for _ in range(SLOW_CLIENTS):
            # On a busy machine a SYN may wait for a retry: the timeout leaves room for it.
            client = socket.create_connection(("127.0.0.1", self.metrics_port),
                                              timeout=HTTP_TIMEOUT)
            client.sendall(b"GET /metr")  # half a request line, held open
            slow.append(client)
        started = time.monotonic()
        self.assertConnects(self.broker, client_id=unique_client_id("meter"), username="meter",
                            password=METER_SECRET, topic="meters/1")
        self.assertLess(time.monotonic() - started, 2.0,
                        "a login waited on the metrics endpoint's slow clients")
        # The endpoint's threads take them in turn, READ_TIMEOUT each: every one is cut off.
        deadline = time.monotonic() + READ_TIMEOUT * (SLOW_CLIENTS + 1)
        for client in slow:
            client.settimeout(max(deadline - time.monotonic(), 0.1))
            try:
                leftover = read_until_closed(client)
            except socket.timeout:
                self.fail("a slow client was never cut off")
            if leftover:  # else closed without a word: cut off all the same
                self.assertRegex(leftover, REFUSAL, leftover)
                self.assertIn(b"not complete within", leftover)
        self.assertServes()


# ---------------------------------------------------------------------------------------------
# Reloads

def reload_config(metrics_port=None, identities=("meter",), broken=False, host="127.0.0.1"):
    if broken:
        return "version: 1\nanonymous: sometimes\n"
    text = auth_yaml([user_identity(name, METER_SECRET) for name in identities])
    return text + (metrics_section(metrics_port, host=host) if metrics_port else "")


class ReloadTest(BrokerTestCase):

    def setUp(self):
        self.first_port = free_port()
        self.broker = self.start_broker(reload_config(self.first_port))

    def reload(self, text, applied=True):
        self.broker.write_config(text)
        self.assertEqual(self.broker.reload(), applied, self.broker.describe())

    def samples(self, port):
        return parse_exposition(scrape(port)[1])[0]

    def assertListensOnly(self, *ports):
        wanted = {self.broker.port, *ports}
        self.assertTrue(wait_for(lambda: listening_ports(self.broker.process.pid) == wanted, 5),
                        f"listens on {listening_ports(self.broker.process.pid)}, not {wanted}")

    def test_listen_moves_the_endpoint_and_removing_the_section_stops_it(self):
        self.assertListensOnly(self.first_port)
        second_port = free_port()
        self.reload(reload_config(second_port))
        self.assertIsNotNone(self.broker.wait_for_log_line(
            rf"mqauth: metrics at http://127\.0\.0\.1:{second_port}/metrics"))
        self.assertEqual(value(self.samples(second_port), "mqauth_reloads_total",
                               result="applied"), 1.0)
        self.assertTrue(wait_for(lambda: not port_accepts(self.first_port), 5),
                        "the old port still accepts connections")
        self.assertListensOnly(second_port)

        # A port somebody else holds: logged, and the running endpoint stays. The holder allows
        # SO_REUSEPORT, as a second broker's endpoint would: the endpoint must not share the port
        # (the kernel would hand half the scrapes to the other process).
        with socket.socket() as squatter:
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            squatter.bind(("127.0.0.1", 0))
            squatter.listen()
            taken = squatter.getsockname()[1]
            self.reload(reload_config(taken))
            self.assertIsNotNone(self.broker.wait_for_log_line(
                rf"mqauth: metrics endpoint: cannot listen on 127\.0\.0\.1:{taken}"),
                self.broker.describe())
            self.assertEqual(value(self.samples(second_port), "mqauth_reloads_total",
                                   result="applied"), 2.0)
            self.assertListensOnly(second_port)

        # The same port on every address: the old listener makes way.
        self.reload(reload_config(second_port, host="0.0.0.0"))
        self.assertIsNotNone(self.broker.wait_for_log_line(
            rf"mqauth: metrics at http://0\.0\.0\.0:{second_port}/metrics"), self.broker.describe())
        self.assertEqual(value(self.samples(second_port), "mqauth_reloads_total",
                               result="applied"), 3.0)
        self.assertListensOnly(second_port)

        self.reload(reload_config(None))
        self.assertIsNotNone(self.broker.wait_for_log_line(r"mqauth: metrics endpoint stopped"))
        self.assertTrue(wait_for(lambda: not port_accepts(second_port), 5),
                        "the removed endpoint still accepts connections")
        self.assertListensOnly()

        third_port = free_port()
        self.reload(reload_config(third_port))
        samples = self.samples(third_port)
        self.assertEqual(value(samples, "mqauth_reloads_total", result="applied"), 5.0)
        self.assertEqual(value(samples, "mqauth_policy_generation"), 6.0)
        self.assertListensOnly(third_port)

    def test_reloads_are_counted_and_the_policy_gauges_follow(self):
        port = self.first_port
        samples = self.samples(port)
        self.assertEqual(value(samples, "mqauth_policy_generation"), 1.0)
        self.assertEqual(value(samples, "mqauth_policy_entries", kind="identities"), 1.0)

        before = time.time()
        self.reload(reload_config(port, identities=("meter", "pump", "valve")))
        after = time.time()
        samples = self.samples(port)
        self.assertEqual(series(samples, "mqauth_reloads_total"),
                         {(("result", "applied"),): 1.0, (("result", "rejected"),): 0.0})
        self.assertEqual(value(samples, "mqauth_policy_generation"), 2.0)
        self.assertEqual(value(samples, "mqauth_policy_entries", kind="identities"), 3.0)
        stamp = value(samples, "mqauth_last_reload_timestamp_seconds")
        self.assertTrue(int(before) <= stamp <= after, (before, stamp, after))
        # The same listener: no new one.
        self.assertEqual(len(self.broker.log_lines_matching(r"mqauth: metrics at ")), 1)

        self.reload(reload_config(port, broken=True), applied=False)
        samples = self.samples(port)
        self.assertEqual(series(samples, "mqauth_reloads_total"),
                         {(("result", "applied"),): 1.0, (("result", "rejected"),): 1.0})
        self.assertEqual(value(samples, "mqauth_policy_generation"), 2.0)
        self.assertEqual(value(samples, "mqauth_policy_entries", kind="identities"), 3.0)
        self.assertEqual(value(samples, "mqauth_last_reload_timestamp_seconds"), stamp)

        self.reload(reload_config(port, identities=("meter",)))
        samples = self.samples(port)
        self.assertEqual(series(samples, "mqauth_reloads_total"),
                         {(("result", "applied"),): 2.0, (("result", "rejected"),): 1.0})
        self.assertEqual(value(samples, "mqauth_policy_generation"), 3.0)
        self.assertEqual(value(samples, "mqauth_policy_entries", kind="identities"), 1.0)


# ---------------------------------------------------------------------------------------------
# No section

class NoMetricsSectionTest(BrokerTestCase):

    def test_nothing_listens_and_no_sys_topics_appear(self):
        port = free_port()
        broker = self.start_broker(auth_yaml(
            [user_identity("watcher", "watcher-secret")],
            rules=[user_rule("watcher", "$SYS/broker/mqauth/#", "SUB")]))
        self.assertFalse(port_accepts(port))
        self.assertEqual(listening_ports(broker.process.pid), {broker.port})
        self.assertEqual(broker.log_lines_matching(r"mqauth: metrics"), [])
        rc, lines, _ = sub_collect(broker, client_id=unique_client_id("watcher"),
                                   username="watcher", password="watcher-secret",
                                   topic="$SYS/broker/mqauth/#", count=1, seconds=2)
        self.assertEqual(lines, [], broker.describe())


if __name__ == "__main__":
    unittest.main()

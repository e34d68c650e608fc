# SPDX-License-Identifier: Apache-2.0
"""Custom authorizers (SPEC `authorizers`, "Who decides a CONNECT" step 2) against a real
Mosquitto with the built plugin and a real HTTP function: a Python http.server in a thread of
this test, which records every request and answers as each test tells it to (allow, deny,
garbage, HTTP 500, or only after a delay).

RSA keys are made with `openssl genpkey` at test time and the signatures devices send with
`mqauth token-sign`, so the test shares no signing code with the plugin.

The default authorizer takes TLS clients that sent a server name (SNI): a TLS listener with a
certificate made by tls_material.py, and mosquitto_pub connecting to "localhost" (which it
sends as its server name).
"""

import base64
import http.server
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

from mqauth_harness import (
    CLIENT_TIMEOUT,
    CONNACK_SERVER_BUSY,
    RC_NOT_AUTHORISED,
    BrokerTestCase,
    ClientTls,
    TlsListener,
    auth_yaml,
    client_rule,
    connack_reason_mqtt5,
    credential_args,
    endpoint_args,
    mosquitto_21,
    pub,
    run_cli,
    signed_password,
    tool,
    unique_client_id,
    user_identity,
    user_rule,
    wait_for,
)
from tls_material import TlsMaterial

TOKEN = "tok_Fleet-1"
OTHER_TOKEN = "tok_Fleet-2"
FLEET_SECRET = "fleet-secret-0c4e"


# ---------------------------------------------------------------------------------------------
# The function


class FunctionHttpServer(http.server.ThreadingHTTPServer):
    """socketserver listens with a backlog of 5: eight calls opened at once by mqauth's worker
    (test_many_calls_run_at_once) overflow it, and the kernel drops the extra SYNs, which the
    plugin's connect retries a second later; under the sanitizers that second pushed a call past
    timeout_ms. A real function's server listens with a deep backlog."""

    request_queue_size = 128


class FunctionServer:
    """An HTTP/1.1 server (keep-alive, as the plugin's libcurl expects) on 127.0.0.1 that records
    the JSON body of every POST and answers according to `behaviour`: a function of the body
    returning ("allow" | "deny" | "garbage" | "error500", delay_seconds)."""

    def __init__(self):
        self.requests = []
        self.connections = 0
        self.lock = threading.Lock()
        self.behaviour = lambda body: ("allow", 0)
        self.refresh_seconds = None
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without TCP_NODELAY the second waits for the
            # client's delayed ACK (40 ms on Linux).
            disable_nagle_algorithm = True

            def setup(self):
                super().setup()
                with server.lock:
                    server.connections += 1

            def log_message(self, *args):  # quiet: the test reads the records instead
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"unparsed": raw.decode(errors="replace")}
                with server.lock:
                    server.requests.append({"path": self.path, "body": body,
                                            "content_type": self.headers.get("Content-Type")})
                answer, delay = server.behaviour(body)
                if delay:
                    time.sleep(delay)
                self._answer(answer)

            def _answer(self, answer):
                status, payload = 200, {"result": answer}
                if server.refresh_seconds is not None:
                    payload["refresh_seconds"] = server.refresh_seconds
                text = json.dumps(payload)
                if answer == "garbage":
                    text = "<html>this is no JSON</html>"
                elif answer == "error500":
                    status, text = 500, json.dumps({"result": "allow"})
                data = text.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the plugin gave up waiting (a timeout test) and closed the connection

        self.httpd = FunctionHttpServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/auth"):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def bodies_for(self, client_id):
        with self.lock:
            return [r["body"] for r in self.requests if r["body"].get("client_id") == client_id]

    def request_count(self):
        with self.lock:
            return len(self.requests)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def by_client_id(rules, default="allow"):
    """A behaviour: the answer (and delay) for client ids starting with a prefix in `rules`."""
    def behaviour(body):
        client_id = body.get("client_id") or ""
        for prefix, answer in rules.items():
            if client_id.startswith(prefix):
                return answer if isinstance(answer, tuple) else (answer, 0)
        return default, 0
    return behaviour


def closed_port():
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# Keys, signatures, YAML

class Keys:
    """Two RSA key pairs made with openssl in a temporary directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="mqauth-it-keys-")
        for name in ("signer", "other"):
            private = os.path.join(self.dir, f"{name}.pem")
            subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                            "rsa_keygen_bits:2048", "-out", private], check=True,
                           capture_output=True, timeout=CLIENT_TIMEOUT)
            subprocess.run(["openssl", "pkey", "-in", private, "-pubout", "-out",
                            os.path.join(self.dir, f"{name}.pub.pem")], check=True,
                           capture_output=True, timeout=CLIENT_TIMEOUT)

    def private(self, name="signer"):
        return os.path.join(self.dir, f"{name}.pem")

    def public(self, name="signer"):
        return os.path.join(self.dir, f"{name}.pub.pem")


def token_signature(private_key, token):
    """`mqauth token-sign`: what a device puts after authorizer-signature=."""
    result = run_cli("token-sign", "--private-key", private_key, "--token", token)
    if result.returncode != 0:
        raise AssertionError(f"mqauth token-sign failed: {result.stderr}")
    return result.stdout.strip()


def authorizer_username(device, name, signature=None, token=None):
    parts = [device, f"authorizer-name={name}"]
    if signature is not None:
        parts.append(f"authorizer-signature={signature}")
    if token is not None:
        parts.append(f"signing-token={token}")
    return "|".join(parts)


def authorizer(name, url, *, public_key=None, token=TOKEN, **settings):
    """An `authorizers` entry: signing on with `public_key`, off without one."""
    entry = {"authorizer_name": name, "func_urn": url}
    if public_key:
        entry.update(signing_enable=True, signing_token=token, signing_public_key=public_key)
    else:
        entry["signing_enable"] = False
    entry.update(settings)
    return entry


def policy(authorizers, identities=(), anonymous="deny", rules=None, no_match="ALLOW"):
    """auth.yaml with `identities`, permissions (every topic allowed unless told otherwise) and
    an `authorizers:` section. Booleans and numbers are written bare, strings as JSON (valid
    YAML double-quoted scalars)."""
    lines = [auth_yaml(list(identities), anonymous=anonymous, rules=rules,
                       no_match=no_match).rstrip("\n"), "authorizers:"]
    for entry in authorizers:
        prefix = "  - "
        for key, value in entry.items():
            text = str(value).lower() if isinstance(value, bool) else (
                str(value) if isinstance(value, int) else json.dumps(value))
            lines.append(f"{prefix}{key}: {text}")
            prefix = "    "
    return "\n".join(lines) + "\n"


FLEET = user_identity("fleet", FLEET_SECRET, sign_mode="SIGNED")


# ---------------------------------------------------------------------------------------------
# Assertions

class AuthorizerTestCase(BrokerTestCase):
    keys = None

    @classmethod
    def setUpClass(cls):
        if AuthorizerTestCase.keys is None:
            AuthorizerTestCase.keys = Keys()
            unittest.addModuleCleanup(shutil.rmtree, AuthorizerTestCase.keys.dir, True)
        cls.function = FunctionServer()
        cls.addClassCleanup(cls.function.close)

    def refusal_line(self, broker, client_id, reason):
        """The one plugin line about this client's refusal (or error), which names `reason`."""
        pattern = rf"mqauth: (refused|error deciding) client_id={client_id} "
        line = broker.wait_for_log_line(pattern)
        self.assertIsNotNone(line, f"no refusal line for {client_id}\n{broker.describe()}")
        self.assertIn(f"reason={reason}", line)
        self.assertIn("address=127.0.0.1", line)
        self.assertEqual(len(broker.log_lines_matching(pattern)), 1, broker.describe())
        return line

    def assertRefusedBecause(self, broker, reason, **client):
        rc, stderr = pub(broker, **client)
        self.assertEqual(rc, RC_NOT_AUTHORISED,
                         f"{client} should be refused; mosquitto_pub said {stderr!r}\n"
                         + broker.describe())
        return self.refusal_line(broker, client["client_id"], reason)

    def assertFleetConnects(self, broker, **tls):
        client_id = unique_client_id("GID_it@@@fleet")
        self.assertConnects(broker, client_id=client_id, username="fleet",
                            password=signed_password(FLEET_SECRET, client_id), **tls)


# ---------------------------------------------------------------------------------------------
# Token signatures

class TokenSignatureTest(AuthorizerTestCase):
    PASSWORD = "device-password-5e1d"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.good = token_signature(cls.keys.private(), TOKEN)
        cls.broker = cls.start_class_broker(policy([
            authorizer("signed", cls.function.url(), public_key=cls.keys.public())]))

    def connect_as(self, prefix, signature, token=TOKEN):
        client_id = unique_client_id(prefix)
        return client_id, {"client_id": client_id, "password": self.PASSWORD,
                           "username": authorizer_username("dev-1", "signed", signature, token)}

    def test_a_good_signature_reaches_the_function_which_gets_every_field(self):
        client_id, client = self.connect_as("sig-good", self.good)
        self.assertConnects(self.broker, **client)
        bodies = self.function.bodies_for(client_id)
        self.assertEqual(len(bodies), 1)
        self.assertEqual(bodies[0], {
            "authorizer_name": "signed", "username": "dev-1", "client_id": client_id,
            "password": self.PASSWORD, "signing_token": TOKEN, "signature_verified": True,
            "server_name": None, "client_address": "127.0.0.1", "certificate": None})
        # The broker knows the client by its device part, not by a username holding a signature.
        self.assertIsNotNone(self.broker.wait_for_log_line(rf"as {client_id} .*u'dev-1'"),
                             self.broker.describe())

    def test_a_signature_made_by_the_openssl_command_is_the_same_and_accepted(self):
        # RSA PKCS#1 v1.5 is deterministic: `openssl dgst -sha256 -sign`, which shares no code
        # with mqauth, must produce exactly what mqauth token-sign printed.
        made = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.keys.private()],
                              input=TOKEN.encode(), capture_output=True, timeout=CLIENT_TIMEOUT)
        self.assertEqual(made.returncode, 0, made.stderr)
        signature = base64.b64encode(made.stdout).decode()
        self.assertEqual(signature, self.good)
        client_id, client = self.connect_as("sig-openssl", signature)
        self.assertConnects(self.broker, **client)
        self.assertEqual(len(self.function.bodies_for(client_id)), 1)

    def test_a_signature_by_another_key_is_refused_without_a_call(self):
        client_id, client = self.connect_as(
            "sig-otherkey", token_signature(self.keys.private("other"), TOKEN))
        self.assertRefusedBecause(self.broker, "authorizer_bad_signature", **client)
        self.assertEqual(self.function.bodies_for(client_id), [])

    def test_a_signature_over_another_token_is_refused_without_a_call(self):
        client_id, client = self.connect_as(
            "sig-othertoken", token_signature(self.keys.private(), OTHER_TOKEN))
        self.assertRefusedBecause(self.broker, "authorizer_bad_signature", **client)
        client_id_2, client = self.connect_as(
            "sig-tokenmismatch", token_signature(self.keys.private(), OTHER_TOKEN), OTHER_TOKEN)
        self.assertRefusedBecause(self.broker, "authorizer_token_mismatch", **client)
        self.assertEqual(self.function.bodies_for(client_id) + self.function.bodies_for(client_id_2),
                         [])

    def test_garbage_and_missing_signatures_are_refused_without_a_call(self):
        client_id, client = self.connect_as("sig-garbage", "not%base64")
        self.assertRefusedBecause(self.broker, "authorizer_bad_signature", **client)
        client_id_2, client = self.connect_as("sig-missing", None)
        self.assertRefusedBecause(self.broker, "authorizer_signature_missing", **client)
        self.assertEqual(self.function.bodies_for(client_id) + self.function.bodies_for(client_id_2),
                         [])

    def test_unknown_and_malformed_authorizer_usernames_are_refused(self):
        self.assertRefusedBecause(self.broker, "authorizer_unknown",
                                  client_id=unique_client_id("sig-unknown"), password="x",
                                  username=authorizer_username("d", "nobody"))
        self.assertRefusedBecause(self.broker, "authorizer_username_malformed",
                                  client_id=unique_client_id("sig-malformed"), password="x",
                                  username="d|authorizer-name=signed|colour=blue")

    def test_the_log_never_shows_the_password_the_signature_or_the_token(self):
        _, client = self.connect_as("sig-secret-ok", self.good)
        self.assertConnects(self.broker, **client)
        client_id, client = self.connect_as("sig-secret-bad",
                                            token_signature(self.keys.private("other"), TOKEN))
        line = self.assertRefusedBecause(self.broker, "authorizer_bad_signature", **client)
        self.assertIn("username=dev-1|authorizer-name=signed|authorizer-signature=(redacted)|"
                      "signing-token=(redacted)", line)
        log = self.broker.all_text()
        for secret in (self.PASSWORD, self.good, TOKEN):
            self.assertNotIn(secret, log)


# ---------------------------------------------------------------------------------------------
# The function's answers

class FunctionAnswerTest(AuthorizerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.function.behaviour = by_client_id({
            "fn-deny": "deny", "fn-garbage": "garbage", "fn-500": "error500"})
        cls.broker = cls.start_class_broker(policy([
            authorizer("open", cls.function.url()),
            authorizer("down", f"http://127.0.0.1:{closed_port()}/auth"),
        ], identities=[FLEET]))

    def client(self, prefix, name="open"):
        return {"client_id": unique_client_id(prefix), "password": "pw",
                "username": authorizer_username(f"dev-{prefix}", name)}

    def assertFunctionError(self, client, detail):
        line = self.assertRefusedBecause(self.broker, "authorizer_error", **client)
        self.assertIn("mqauth: error deciding", line)
        self.assertIsNotNone(self.broker.wait_for_log_line(
            rf"mqauth: authorizer \w+: function error: {detail}"), self.broker.describe())

    def test_allow_admits_and_deny_refuses(self):
        self.assertConnects(self.broker, **self.client("fn-allow"))
        self.assertRefusedBecause(self.broker, "authorizer_denied", **self.client("fn-deny"))

    def test_a_malformed_answer_or_an_http_error_is_a_function_error(self):
        self.assertFunctionError(self.client("fn-garbage"), "the answer is not a JSON object")
        self.assertFunctionError(self.client("fn-500"), "HTTP status 500")

    def test_a_function_that_is_down_denies_and_the_broker_serves_others(self):
        self.assertFunctionError(self.client("fn-down", "down"), "Couldn't connect")
        self.assertFleetConnects(self.broker)



class FailingFunctionTest(AuthorizerTestCase):
    """Mosquitto 2.0 waits for every function call on its one thread: a slow or failing function
    must not take the broker down with it. Each test has a broker of its own, since the time
    budget for calls is the broker's."""

    SLOW_TIMEOUT_MS = 1000

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.function.behaviour = by_client_id({"fn-500": "error500", "fn-slow": ("allow", 3.0)})

    def setUp(self):
        self.broker = self.start_broker(policy([
            authorizer("open", self.function.url()),
            authorizer("slow", self.function.url("/slow"), timeout_ms=self.SLOW_TIMEOUT_MS),
        ], identities=[FLEET]))

    def client(self, prefix, name="open"):
        return {"client_id": unique_client_id(prefix), "password": "pw",
                "username": authorizer_username(f"dev-{prefix}", name)}

    def test_a_slow_function_is_cut_off_at_timeout_ms_and_others_are_served_after_it(self):
        slow = self.client("fn-slow", "slow")
        args = [tool("MOSQUITTO_PUB", "/usr/bin/mosquitto_pub"), "-h", "127.0.0.1",
                "-p", str(self.broker.port), "-i", slow["client_id"], "-u", slow["username"],
                "-P", slow["password"], "-t", "t/x", "-m", "m", "-q", "1"]
        started = time.monotonic()
        slow_client = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
        self.addCleanup(slow_client.wait)
        self.addCleanup(slow_client.kill)
        # The broker is now waiting for the function, on its one thread.
        self.assertTrue(wait_for(lambda: self.function.bodies_for(slow["client_id"]), 5.0))
        # A SIGNED identity connecting meanwhile is served once the call has timed out.
        self.assertFleetConnects(self.broker)
        fleet_done = time.monotonic() - started
        self.assertEqual(slow_client.wait(CLIENT_TIMEOUT), RC_NOT_AUTHORISED)
        self.assertLess(fleet_done, self.SLOW_TIMEOUT_MS / 1000 + 1.5,
                        "the slow call was not bounded by timeout_ms")
        self.refusal_line(self.broker, slow["client_id"], "authorizer_error")
        self.assertIsNotNone(self.broker.wait_for_log_line(
            rf"authorizer slow: function error: no answer within {self.SLOW_TIMEOUT_MS} ms"))
        self.assertFleetConnects(self.broker)  # and the broker goes on

    def test_after_three_errors_in_a_row_the_function_is_not_called_for_a_while(self):
        clients = [self.client("fn-500") for _ in range(6)]
        for client in clients:
            rc, _ = pub(self.broker, **client)
            self.assertEqual(rc, RC_NOT_AUTHORISED, self.broker.describe())
        called = [c["client_id"] for c in clients if self.function.bodies_for(c["client_id"])]
        self.assertEqual(called, [c["client_id"] for c in clients[:3]], self.broker.describe())
        self.assertEqual(len(self.broker.log_lines_matching(
            r"mqauth: authorizer open: function failed 3 times in a row: not called for 10s")),
            1, self.broker.describe())
        # Those refused without a call add no line each: the episode's line says it all.
        self.assertEqual(self.broker.log_lines_matching(r"reason=authorizer_unavailable"), [],
                         self.broker.describe())
        self.assertFleetConnects(self.broker)

    @unittest.skipIf(mosquitto_21(), "Mosquitto 2.1 calls off its thread: no time to budget "
                     "(DelayedAuthenticationTest covers it)")
    def test_a_slow_function_may_take_only_three_quarters_of_the_brokers_time(self):
        first = self.client("fn-slow", "slow")
        started = time.monotonic()
        rc, _ = pub(self.broker, **first)  # cut off after 1 s: the budget is overdrawn
        self.assertEqual(rc, RC_NOT_AUTHORISED, self.broker.describe())
        second = self.client("fn-slow", "slow")
        rc, _ = pub(self.broker, **second)
        self.assertEqual(rc, RC_NOT_AUTHORISED, self.broker.describe())
        self.assertLess(time.monotonic() - started, self.SLOW_TIMEOUT_MS / 1000 + 0.9,
                        "the second CONNECT waited for a call")
        self.assertEqual(self.function.bodies_for(second["client_id"]), [], "it was called")
        self.assertIsNotNone(self.broker.wait_for_log_line(
            r"mqauth: authorizer functions took three quarters of the broker's time"), self.broker.describe())
        self.assertFleetConnects(self.broker)


class BrokerModeTest(AuthorizerTestCase):
    def test_the_start_up_log_names_the_brokers_version_and_what_mqauth_does_with_it(self):
        broker = self.start_broker(policy([authorizer("open", self.function.url())]))
        expected = (r"mqauth: Mosquitto 2\.1 features: delayed authentication" if mosquitto_21()
                    else r"mqauth: Mosquitto 2\.0 features: authorizer calls on the broker's thread")
        self.assertIsNotNone(broker.wait_for_log_line(expected), broker.describe())


@unittest.skipUnless(mosquitto_21(), "delayed authentication needs Mosquitto 2.1")
class DelayedAuthenticationTest(AuthorizerTestCase):
    """Mosquitto 2.1: a CONNECT that needs a call is answered MOSQ_ERR_AUTH_DELAYED, the call
    runs on mqauth's worker thread, and the answer reaches the broker at a later TICK. The
    function here answers by password: "slow-allow" after SLOW seconds, "slow-deny" after
    SLOW_DENY seconds, anything else at once."""

    SLOW = 1.0
    SLOW_DENY = 1.6

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

        def behaviour(body):
            return {"slow-allow": ("allow", cls.SLOW),
                    "slow-deny": ("deny", cls.SLOW_DENY)}.get(body.get("password"), ("allow", 0))
        cls.function.behaviour = behaviour

    def setUp(self):
        self.yaml = policy([
            # timeout_ms wide: these tests are about concurrency, a sanitized broker is slow
            authorizer("fn", self.function.url(), timeout_ms=5000),
            authorizer("narrow", self.function.url("/narrow"), max_in_flight=1),
            authorizer("cached", self.function.url("/cached"), cache_enable=True),
        ], identities=[FLEET])
        self.broker = self.start_broker(self.yaml)

    def device(self, prefix, password="slow-allow", name="fn", client_id=None):
        return {"client_id": client_id or unique_client_id(prefix), "password": password,
                "username": authorizer_username(f"dev-{prefix}", name)}

    def start_pub(self, client):
        """mosquitto_pub in the background; its exit code tells the CONNACK."""
        args = [tool("MOSQUITTO_PUB", "/usr/bin/mosquitto_pub"), *endpoint_args(self.broker),
                *credential_args(client["client_id"], client["username"], client["password"]),
                "-t", "t/x", "-m", "m", "-q", "1"]
        process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        self.addCleanup(process.wait)
        self.addCleanup(process.kill)
        return process

    def wait_for_call(self, client, count=1):
        self.assertTrue(wait_for(lambda: len(self.function.bodies_for(client["client_id"]))
                                 >= count, 5.0), self.broker.describe())

    def test_a_slow_function_leaves_the_broker_serving_others(self):
        slow = self.device("slow")
        started = time.monotonic()
        waiting = self.start_pub(slow)
        self.wait_for_call(slow)
        self.assertFleetConnects(self.broker)
        self.assertLess(time.monotonic() - started, self.SLOW, "the broker waited for the call")
        self.assertEqual(waiting.wait(CLIENT_TIMEOUT), 0, self.broker.describe())
        self.assertIsNotNone(self.broker.wait_for_log_line(
            rf"as {slow['client_id']} .*u'dev-slow"), self.broker.describe())

    def test_many_calls_run_at_once(self):
        devices = [self.device(f"many{i}") for i in range(8)]
        started = time.monotonic()
        clients = [self.start_pub(device) for device in devices]
        self.assertEqual([client.wait(CLIENT_TIMEOUT) for client in clients], [0] * 8,
                         self.broker.describe())
        # One after the other they would take 8 s.
        self.assertLess(time.monotonic() - started, 3 * self.SLOW, self.broker.describe())

    def test_past_max_in_flight_mqtt5_clients_are_told_the_server_is_busy(self):
        first = self.device("narrow1", name="narrow")
        waiting = self.start_pub(first)
        self.wait_for_call(first)
        busy = self.device("narrow2", password="quick", name="narrow")
        self.assertEqual(connack_reason_mqtt5(self.broker, **busy), CONNACK_SERVER_BUSY,
                         self.broker.describe())
        self.assertEqual(self.function.bodies_for(busy["client_id"]), [])
        self.assertIsNotNone(self.broker.wait_for_log_line(
            r"mqauth: authorizer narrow: 1 calls \(max_in_flight\) under way: its CONNECTs are "
            r"refused \(authorizer_busy\)"), self.broker.describe())
        self.assertEqual(waiting.wait(CLIENT_TIMEOUT), 0, self.broker.describe())
        rc, _ = pub(self.broker, **busy)  # the bound is free again
        self.assertEqual(rc, 0, self.broker.describe())

    def test_an_answer_for_a_client_that_left_never_reaches_a_newcomer_with_its_client_id(self):
        leaver = self.device("leaver")  # its answer, allow, comes after 1 s
        leaving = self.start_pub(leaver)
        self.wait_for_call(leaver)
        leaving.kill()
        leaving.wait()
        newcomer = self.device("leaver", password="slow-deny", client_id=leaver["client_id"])
        rc, _ = pub(self.broker, **newcomer)  # its own answer, deny, comes after the leaver's
        self.assertEqual(rc, RC_NOT_AUTHORISED, self.broker.describe())
        self.refusal_line(self.broker, leaver["client_id"], "authorizer_denied")
        self.assertFleetConnects(self.broker)

    def test_a_second_connect_with_the_client_id_of_a_waiting_one_is_refused_by_the_broker(self):
        first = self.device("twice")
        waiting = self.start_pub(first)
        self.wait_for_call(first)
        rc, _ = pub(self.broker, **{**first, "password": "quick"})
        self.assertNotEqual(rc, 0, self.broker.describe())
        self.assertEqual(waiting.wait(CLIENT_TIMEOUT), 0, self.broker.describe())
        self.assertEqual(len(self.function.bodies_for(first["client_id"])), 1)

    def test_a_reload_that_makes_the_authorizer_inactive_refuses_the_waiting_clients(self):
        slow = self.device("reload")
        waiting = self.start_pub(slow)
        self.wait_for_call(slow)
        self.broker.write_config(self.yaml.replace(
            'authorizer_name: "fn"', 'authorizer_name: "fn"\n    status: "INACTIVE"'))
        self.assertTrue(self.broker.reload(), self.broker.describe())
        self.assertEqual(waiting.wait(CLIENT_TIMEOUT), RC_NOT_AUTHORISED, self.broker.describe())
        self.refusal_line(self.broker, slow["client_id"], "authorizer_changed")
        self.assertFleetConnects(self.broker)

    def test_a_cached_answer_is_given_at_once(self):
        device = self.device("cached", name="cached")
        started = time.monotonic()
        self.assertConnects(self.broker, **device)
        self.assertGreaterEqual(time.monotonic() - started, self.SLOW)
        started = time.monotonic()
        self.assertConnects(self.broker, **device)
        self.assertLess(time.monotonic() - started, self.SLOW / 2)
        self.assertEqual(len(self.function.bodies_for(device["client_id"])), 1)


class AuthorizerPermissionsTest(AuthorizerTestCase):
    """Topic permissions with no_match DENY apply to a client an authorizer admitted: USER rules
    (and %u) by its DEVICE part, the username the plugin gives it, CLIENT rules by its client id.
    A granted subscription or a delivered message therefore proves which rule let it through."""

    DEVICE = "dev-rules-3f"
    COMMAND_CLIENT = "GID_it@@@rules-cmd"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.broker = cls.start_class_broker(policy(
            [authorizer("open", cls.function.url())],
            rules=[user_rule(cls.DEVICE, "devices/%u/#", "PUB_SUB"),
                   user_rule(cls.DEVICE, "devices/%u/locked", "PUB_SUB", "DENY"),
                   client_rule(cls.COMMAND_CLIENT, "commands/#", "SUB")],
            no_match="DENY"))

    def device(self, prefix, client_id=None):
        return {"client_id": client_id or unique_client_id(prefix), "password": "pw",
                "username": authorizer_username(self.DEVICE, "open")}

    def test_user_rules_and_placeholders_name_the_device_part_of_the_username(self):
        topic = f"devices/{self.DEVICE}/telemetry"
        subscriber = self.start_subscriber(
            self.broker, topics=[f"devices/{self.DEVICE}/#", "devices/other/#",
                                 f"devices/{self.DEVICE}/locked"], **self.device("rules-sub"))
        self.assertEqual(subscriber.granted(), [0, 128, 128], subscriber.describe())

        rc, stderr = pub(self.broker, topic=f"devices/{self.DEVICE}/locked", message="denied",
                         **self.device("rules-pub"))
        self.assertEqual(rc, 0, stderr)
        rc, stderr = pub(self.broker, topic=topic, message="allowed", **self.device("rules-pub"))
        self.assertEqual(rc, 0, stderr)
        received = subscriber.wait_for_message(topic, "allowed")
        self.assertIsNotNone(received, subscriber.describe() + "\n" + self.broker.describe())
        self.assertNotIn((f"devices/{self.DEVICE}/locked", "denied"), received)

    def test_client_rules_name_the_client_id(self):
        subscriber = self.start_subscriber(
            self.broker, topics=["commands/all"], **self.device("rules-cmd",
                                                                self.COMMAND_CLIENT))
        self.assertEqual(subscriber.granted(), [0], subscriber.describe())
        other = self.start_subscriber(self.broker, topics=["commands/all"],
                                      **self.device("rules-nocmd"))
        self.assertEqual(other.granted(), [128], other.describe())


# ---------------------------------------------------------------------------------------------
# The cache

class DecisionCacheTest(AuthorizerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.function.refresh_seconds = 600
        cls.broker = cls.start_class_broker(policy([
            authorizer("cached", cls.function.url(), public_key=cls.keys.public(),
                       cache_enable=True),
            authorizer("uncached", cls.function.url("/uncached"))]))
        cls.username = authorizer_username("dev-c", "cached",
                                           token_signature(cls.keys.private(), TOKEN), TOKEN)

    def test_a_cache_hit_makes_no_call(self):
        client_id = unique_client_id("cache-hit")
        self.assertConnects(self.broker, client_id=client_id, username=self.username,
                            password="pw-1")
        self.assertConnects(self.broker, client_id=client_id, username=self.username,
                            password="pw-1")
        self.assertEqual(len(self.function.bodies_for(client_id)), 1)
        # Another password is another entry.
        self.assertConnects(self.broker, client_id=client_id, username=self.username,
                            password="pw-2")
        self.assertEqual(len(self.function.bodies_for(client_id)), 2)

    def test_without_cache_enable_every_connect_calls_and_reuses_one_connection(self):
        client_id = unique_client_id("cache-off")
        connections = self.function.connections
        for _ in range(3):
            self.assertConnects(self.broker, client_id=client_id,
                                username=authorizer_username("dev-u", "uncached"), password="pw")
        self.assertEqual(len(self.function.bodies_for(client_id)), 3)
        self.assertLessEqual(self.function.connections - connections, 1, "no keep-alive")


class DecisionCacheFieldsTest(AuthorizerTestCase):
    """The cache key covers every field the function is sent: a function that admits one client
    address is asked again for another, and its deny there does not lock out the right one."""

    ADMITTED = "127.0.0.2"
    OTHER = "127.0.0.3"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.function.refresh_seconds = 600
        cls.function.behaviour = lambda body: (
            "allow" if body.get("client_address") == cls.ADMITTED else "deny", 0)
        cls.broker = cls.start_class_broker(policy([
            authorizer("by-address", cls.function.url(), cache_enable=True)]))

    def connect_from(self, address, client_id):
        return pub(self.broker, client_id=client_id, password="pw",
                   username=authorizer_username("dev-a", "by-address"),
                   extra=["-A", address])[0]

    def test_another_address_is_another_cache_entry(self):
        client_id = unique_client_id("cache-address")
        self.assertEqual(self.connect_from(self.ADMITTED, client_id), 0, self.broker.describe())
        self.assertEqual(self.connect_from(self.OTHER, client_id), RC_NOT_AUTHORISED,
                         self.broker.describe())
        self.assertEqual(self.connect_from(self.ADMITTED, client_id), 0, self.broker.describe())
        self.assertEqual(self.connect_from(self.OTHER, client_id), RC_NOT_AUTHORISED,
                         self.broker.describe())
        # One call per (address, answer); the repeats came from the cache.
        addresses = [body["client_address"] for body in self.function.bodies_for(client_id)]
        self.assertEqual(addresses, [self.ADMITTED, self.OTHER], self.broker.describe())


# ---------------------------------------------------------------------------------------------
# Reload

class AuthorizerReloadTest(AuthorizerTestCase):
    def yaml(self, status="ACTIVE"):
        return policy([authorizer("fleet-auth", self.function.url(), status=status)],
                      identities=[FLEET])

    def test_an_unchanged_authorizer_keeps_its_clients_without_calling_again(self):
        broker = self.start_broker(self.yaml())
        client_id = unique_client_id("reload-keep")
        live = self.start_live_client(broker, client_id=client_id, password="pw",
                                      username=authorizer_username("dev-r", "fleet-auth"))
        self.assertTrue(broker.reload())
        self.assertTrue(live.stays_connected(), live.describe())
        # Mosquitto re-checks every client after a reload: answered without the function.
        self.assertEqual(len(self.function.bodies_for(client_id)), 1)

    def test_making_it_inactive_disconnects_its_clients_and_refuses_new_ones(self):
        broker = self.start_broker(self.yaml())
        client_id = unique_client_id("reload-off")
        live = self.start_live_client(broker, client_id=client_id, password="pw",
                                      username=authorizer_username("dev-r", "fleet-auth"))
        fleet_id = unique_client_id("GID_it@@@reload-fleet")
        fleet = self.start_live_client(broker, client_id=fleet_id, username="fleet",
                                       password=signed_password(FLEET_SECRET, fleet_id))
        broker.write_config(self.yaml(status="INACTIVE"))
        self.assertTrue(broker.reload())
        self.assertTrue(live.wait_disconnected(), live.describe())
        self.assertIsNotNone(broker.wait_for_log_line(
            rf"disconnecting client_id={client_id} reason=authorizer_inactive"))
        self.assertTrue(fleet.stays_connected(), fleet.describe())
        self.assertRefusedBecause(broker, "authorizer_inactive",
                                  client_id=unique_client_id("reload-new"), password="pw",
                                  username=authorizer_username("dev-n", "fleet-auth"))


# ---------------------------------------------------------------------------------------------
# The default authorizer for SNI clients

class DefaultAuthorizerTest(AuthorizerTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        material = TlsMaterial()
        cls.addClassCleanup(material.cleanup)
        cls.root = material.certificate_authority("Authorizer Test Root")
        server = material.server_certificate("localhost", issuer=cls.root)
        cls.function.behaviour = by_client_id({"GID_it@@@sni-deny": "deny"})
        cls.broker = cls.start_class_broker(
            policy([authorizer("sni-default", cls.function.url(), default_authorizer=True)],
                   identities=[FLEET]),
            tls_listener=TlsListener(server.cert, server.key, require_certificate=False))

    def tls(self):
        return {"tls": ClientTls(cafile=self.root.cert)}

    def fleet_client(self, prefix):
        client_id = unique_client_id(prefix)
        return {"client_id": client_id, "username": "fleet",
                "password": signed_password(FLEET_SECRET, client_id)}

    def test_a_tls_client_that_sent_a_server_name_goes_to_the_default_authorizer(self):
        client = self.fleet_client("GID_it@@@sni-allow")
        self.assertConnects(self.broker, **client, **self.tls())
        bodies = self.function.bodies_for(client["client_id"])
        self.assertEqual(len(bodies), 1)
        self.assertEqual(bodies[0]["authorizer_name"], "sni-default")
        self.assertEqual(bodies[0]["username"], "fleet")
        self.assertEqual(bodies[0]["server_name"], "localhost")
        self.assertIsNone(bodies[0]["signing_token"])
        self.assertEqual(bodies[0]["signature_verified"], False)

    def test_the_default_authorizer_decides_whatever_identity_matches(self):
        client = self.fleet_client("GID_it@@@sni-deny")
        rc, stderr = pub(self.broker, **client, **self.tls())
        self.assertEqual(rc, RC_NOT_AUTHORISED, stderr + self.broker.describe())
        self.refusal_line(self.broker, client["client_id"], "authorizer_denied")

    def test_an_ip_literal_sent_as_server_name_does_not_reach_the_default_authorizer(self):
        # mosquitto_pub -h 127.0.0.1 sends "127.0.0.1" as SNI, which RFC 6066 forbids: it names
        # no server, so the identity decides (--insecure: the certificate names localhost).
        client = self.fleet_client("GID_it@@@sni-ip")
        tls = ClientTls(cafile=self.root.cert, host="127.0.0.1")
        rc, stderr = pub(self.broker, **client, tls=tls, extra=["--insecure"])
        self.assertEqual(rc, 0, stderr + self.broker.describe())
        self.assertEqual(self.function.bodies_for(client["client_id"]), [])

    def test_a_plain_connection_has_no_server_name_and_goes_the_usual_way(self):
        client = self.fleet_client("GID_it@@@sni-plain")
        self.assertConnects(self.broker, **client)
        self.assertEqual(self.function.bodies_for(client["client_id"]), [])


if __name__ == "__main__":
    unittest.main()

# SPDX-License-Identifier: Apache-2.0
"""Integration-test harness for mqauth: a real Mosquitto on 127.0.0.1 with the built plugin, driven
by the real Mosquitto clients.

Environment:
  MQAUTH_PLUGIN  path of the built plugin (build/mqauth.so)          required
  MQAUTH_CLI     path of the built command-line tool (build/mqauth)  required
  MOSQUITTO, MOSQUITTO_PUB, MOSQUITTO_SUB  override the Debian paths of the broker and clients

Run by hand: cd tests/integration && MQAUTH_PLUGIN=... MQAUTH_CLI=... python3 -m unittest -v
"""

import base64
import hashlib
import hmac
import itertools
import json
import os
import pwd
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import unittest
from dataclasses import dataclass
from typing import Optional

from tls_material import certificate_facts, split_pem_certificates

START_TIMEOUT = 10.0  # seconds; generous because a loaded 2-core machine (or ASan) starts slowly
RELOAD_TIMEOUT = 5.0
STOP_TIMEOUT = 5.0
CLIENT_TIMEOUT = 10.0  # every client process is killed after this
LOG_TIMEOUT = 3.0  # a log line the broker writes while answering a client we already heard from

# libmosquitto clients reconnect 1 s after losing their connection (the default reconnect delay),
# so a drop shows up within this long; used only to prove that a client was NOT dropped.
STAYS_CONNECTED_GRACE = 3.0

# The plugin logs one of these after every SIGHUP: applied, or rejected with the old policy kept.
RELOAD_OUTCOME = re.compile(r"mqauth: (reloaded|reload of .* rejected)")

# mosquitto_pub's exit status for CONNACK 5 (MQTT 3.1.1 "not authorised").
RC_NOT_AUTHORISED = 5

_client_numbers = itertools.count(1)


class HarnessError(AssertionError):
    """A harness precondition failed; an AssertionError so unittest reports it as a failure."""


def required_path(variable):
    """The file an environment variable names; a missing or wrong setting fails, never skips."""
    value = os.environ.get(variable)
    if not value:
        raise HarnessError(
            f"{variable} is not set: point it at the built file, e.g. "
            "MQAUTH_PLUGIN=build/mqauth.so MQAUTH_CLI=build/mqauth (ctest sets both)")
    if not os.path.isfile(value):
        raise HarnessError(f"{variable}={value} does not exist: build the project first")
    return os.path.abspath(value)


def tool(variable, default):
    return os.environ.get(variable) or default


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for(condition, timeout, interval=0.05):
    """Polls `condition` until it returns something truthy or `timeout` passes; returns its
    last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read()
    except FileNotFoundError:
        return ""


def tail(text, lines=40):
    return "\n".join(text.splitlines()[-lines:])


def unique_client_id(prefix):
    """A client id no other call returns and that is no prefix of another, for grepping the log."""
    return f"{prefix}-{next(_client_numbers):04d}"


def signed_password(secret, client_id):
    """The SIGNED-mode password, computed independently of the plugin:
    Base64(HMAC-SHA1(key=secret, msg=client id))."""
    digest = hmac.new(secret.encode(), client_id.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


# ---------------------------------------------------------------------------------------------
# auth.yaml text

def _secret_fields(secret, source):
    # Exactly one of secret / secret_file / secret_env: `source` is e.g. {"secret_env": "NAME"}.
    return {"secret": secret} if secret is not None else source


def user_identity(username, secret=None, sign_mode="ORIGIN", **source):
    return {"username": username, "identity_type": "USER", **_secret_fields(secret, source),
            "sign_mode": sign_mode}


def client_identity(username, client_id, secret=None, sign_mode="ORIGIN", **source):
    return {"username": username, "identity_type": "CLIENT", "client_id": client_id,
            **_secret_fields(secret, source), "sign_mode": sign_mode}


def permission_rule(identity_type, identity, topic, permit_action, effect="ALLOW"):
    return {"identity_type": identity_type, "identity": identity, "topic": topic,
            "permit_action": permit_action, "effect": effect}


def user_rule(username, topic, permit_action, effect="ALLOW"):
    return permission_rule("USER", username, topic, permit_action, effect)


def client_rule(client_id, topic, permit_action, effect="ALLOW"):
    return permission_rule("CLIENT", client_id, topic, permit_action, effect)


def _yaml_mappings(lines, entries, indent):
    """A block sequence of flat mappings, one `key: "value"` line each."""
    for entry in entries:
        prefix = f"{indent}- "
        for key, value in entry.items():
            lines.append(f"{prefix}{key}: {json.dumps(value)}")
            prefix = f"{indent}  "


def auth_yaml(identities, anonymous="deny", rules=None, no_match=None):
    """A version-1 auth.yaml. Values are written as JSON strings, which are valid YAML
    double-quoted scalars, so any secret or id survives quoting. A `permissions:` section is
    written only when `rules` (user_rule()/client_rule() entries) or `no_match` is given."""
    lines = ["version: 1", f"anonymous: {anonymous}"]
    if identities:
        lines.append("identities:")
        _yaml_mappings(lines, identities, "  ")
    if rules or no_match is not None:
        lines.append("permissions:")
        if no_match is not None:
            lines.append(f"  no_match: {no_match}")
        if rules:
            lines.append("  rules:")
            _yaml_mappings(lines, rules, "    ")
    return "\n".join(lines) + "\n"


THROTTLING_OFF = "throttling: {enabled: false}\n"


def without_throttling(text):
    """Tests refuse many clients from 127.0.0.1 on purpose, and mqauth's failed-login throttling
    (on by default) would then refuse the clients that follow. Unless a config sets `throttling:`
    itself, the harness switches it off; the line goes at the end, so the line numbers that
    error messages name do not move."""
    if "throttling:" in text or not text.startswith("version:"):
        return text
    return (text if text.endswith("\n") else text + "\n") + THROTTLING_OFF


def position_of(text, needle):
    """1-based (line, column) of the first occurrence of `needle` in `text`."""
    offset = text.index(needle)
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def diagnostic_pattern(file, yaml_text, key_path, key, value):
    """A regex for `FILE:LINE:COL: key.path: message` about the entry `key: value` that
    auth_yaml() wrote. SPEC fixes FILE:LINE:COL but not whether COL is the key's or the
    value's column, so either is accepted; the line is exact."""
    line, key_column = position_of(yaml_text, f"{key}: {json.dumps(value)}")
    value_column = key_column + len(key) + 2
    return (rf"{re.escape(file)}:{line}:({key_column}|{value_column}): "
            rf"{re.escape(key_path)}: \S")


# ---------------------------------------------------------------------------------------------
# TLS

@dataclass
class TlsListener:
    """A TLS listener that a Broker opens on a second port (broker.tls_port) beside its plain
    one, configured by these mosquitto.conf lines: certfile (the server certificate, with its
    intermediates after it if any), keyfile (unencrypted: Mosquitto 2.0 cannot be given a key
    password), require_certificate, and cafile only when given. Without cafile and with
    require_certificate true, the plugin verifies client certificates itself (SPEC "Who decides
    a CONNECT" step 1). `extra` lines are appended to the listener's block."""

    certfile: str
    keyfile: str
    require_certificate: bool = True
    cafile: Optional[str] = None
    extra: tuple = ()

    def conf_lines(self, port):
        lines = [f"listener {port} 127.0.0.1",
                 f"certfile {self.certfile}",
                 f"keyfile {self.keyfile}",
                 f"require_certificate {str(self.require_certificate).lower()}"]
        if self.cafile:
            lines.append(f"cafile {self.cafile}")
        return lines + list(self.extra)


@dataclass
class ClientTls:
    """What a Mosquitto client needs to connect to a broker's TLS listener: --cafile to verify
    the server, and optionally --cert/--key (a certificate file that may carry its chain: the
    client sends the whole file). It connects to `host` ("localhost" by default) so that the
    client checks the server certificate's name as a device would."""

    cafile: str
    cert: Optional[str] = None
    key: Optional[str] = None
    host: str = "localhost"

    def endpoint_args(self, broker):
        if broker.tls_port is None:
            raise HarnessError("the broker has no TLS listener (Broker(..., tls_listener=...))")
        args = ["-h", self.host, "-p", str(broker.tls_port), "--cafile", self.cafile]
        if self.cert:
            args += ["--cert", self.cert]
        if self.key:
            args += ["--key", self.key]
        return args


class TlsHandshake:
    """What one `openssl s_client` handshake saw: the certificates the server sent (leaf first,
    PEM), the verification result against the cafile given, and the whole output."""

    VERIFY = re.compile(r"Verify return code: (\d+) \(([^)]*)\)")

    def __init__(self, args, exit_code, output):
        self.args = args
        self.exit_code = exit_code
        self.output = output
        self.certificates = split_pem_certificates(output)
        verify = self.VERIFY.search(output)
        self.verify_code = int(verify.group(1)) if verify else None
        self.verify_text = verify.group(2) if verify else None

    @property
    def subject(self):
        """The leaf's subject as openssl prints it ("CN = name"); None without a certificate."""
        return certificate_facts(self.certificates[0])["subject"] if self.certificates else None

    @property
    def verified(self):
        return self.verify_code == 0

    def describe(self):
        return f"{' '.join(self.args)} exited {self.exit_code}\n--- output ---\n{self.output}"


def tls_handshake(port, *, servername=None, cafile=None, verify_hostname=True, extra=()):
    """One TLS handshake with `openssl s_client` against 127.0.0.1:port, sending `servername`
    as SNI (None: no SNI at all). With `cafile`, the served chain is verified against it and,
    when a servername is given and `verify_hostname`, checked to name that host. Sends nothing
    and closes."""
    args = [tool("OPENSSL", "openssl"), "s_client", "-connect", f"127.0.0.1:{port}",
            "-showcerts"]
    args += ["-servername", servername] if servername is not None else ["-noservername"]
    if cafile:
        args += ["-CAfile", cafile]
        if servername is not None and verify_hostname:
            args += ["-verify_hostname", servername]
    args += list(extra)
    result = run_process(args)
    return TlsHandshake(args, result.returncode, result.stdout + result.stderr)


def endpoint_args(broker, tls=None):
    """A client's -h/-p options: the plain listener, or the TLS one with `tls` (ClientTls)."""
    return tls.endpoint_args(broker) if tls else ["-h", "127.0.0.1", "-p", str(broker.port)]


# ---------------------------------------------------------------------------------------------
# Sanitizers
#
# scripts/test also runs these modules with the plugin and the CLI built with AddressSanitizer and
# UndefinedBehaviorSanitizer (build-asan), the broker started through a wrapper that preloads the
# sanitizer runtimes (scripts/lib/sanitized-mosquitto). A report goes to the process's stderr and
# may not change the exit status the test looks at (ASan exits 1, which is also `mqauth check`'s
# "rejected"; a broker expected to fail at start-up fails either way), so every broker and CLI run
# is scanned for one.

SANITIZER_REPORT = re.compile(
    r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: |SUMMARY: UndefinedBehaviorSanitizer")


def sanitizer_report(text):
    """The sanitizer report in a process's stderr, from its first line on; None if there is
    none."""
    match = SANITIZER_REPORT.search(text)
    if not match:
        return None
    start = text.rfind("\n", 0, match.start()) + 1
    return text[start:]


def fail_on_sanitizer_report(text, what):
    report = sanitizer_report(text)
    if report is not None:
        raise HarnessError(f"{what} reported a sanitizer error:\n{tail(report, 80)}")


# ---------------------------------------------------------------------------------------------
# The broker

_versions = {}


def mosquitto_version(executable=None):
    """(major, minor, patch) of the broker the tests run (MOSQUITTO, default Debian's), from the
    first line `mosquitto -h` prints."""
    executable = executable or tool("MOSQUITTO", "/usr/sbin/mosquitto")
    if executable not in _versions:
        output = subprocess.run([executable, "-h"], capture_output=True, text=True,
                                timeout=CLIENT_TIMEOUT).stdout
        found = re.search(r"mosquitto version (\d+)\.(\d+)\.(\d+)", output)
        if not found:
            raise HarnessError(f"{executable} -h printed no version:\n{output}")
        _versions[executable] = tuple(int(part) for part in found.groups())
    return _versions[executable]


def mosquitto_21():
    """Whether the broker under test is Mosquitto 2.1 or later."""
    return mosquitto_version() >= (2, 1, 0)


def security_preamble_lines():
    """mosquitto.conf's lines before any security option: Mosquitto 2.0 needs
    per_listener_settings false for one plugin on every listener; 2.1 deprecates the option (a
    warning at every start) and has global_plugin instead."""
    return [] if mosquitto_21() else ["per_listener_settings false"]


def plugin_lines(plugin, auth_path):
    """mosquitto.conf's lines that load mqauth for every listener, as README shows them."""
    load = "global_plugin" if mosquitto_21() else "plugin"
    return [f"{load} {plugin}", f"plugin_opt_config {auth_path}"]


def client_disconnected_line(client_id):
    """The start of the broker's lines for a client that disconnected: "Client ID disconnected"
    (2.0) or "Client ID [ADDRESS:PORT] disconnected" (2.1). A regular expression."""
    return rf"Client {re.escape(client_id)}( \[[^\]]*\])? disconnected\b"


class Broker:
    """One Mosquitto with the plugin, in its own temporary directory and on its own port, plus
    a TLS listener on a second port (tls_port) when `tls_listener` (a TlsListener) is given."""

    def __init__(self, auth_yaml_text, extra_conf=(), env=None, tls_listener=None, user=None):
        self.plugin = required_path("MQAUTH_PLUGIN")
        # The `user` mosquitto.conf names; see _write_mosquitto_conf.
        self.user = user or pwd.getpwuid(os.getuid()).pw_name
        self.env = {**os.environ, **(env or {})}
        self.executable = tool("MOSQUITTO", "/usr/sbin/mosquitto")
        self.extra_conf = list(extra_conf)
        self.tls_listener = tls_listener
        self.tls_port = None
        self.workdir = tempfile.mkdtemp(prefix="mqauth-it-")
        self.auth_path = os.path.join(self.workdir, "auth.yaml")
        self.conf_path = os.path.join(self.workdir, "mosquitto.conf")
        self.log_path = os.path.join(self.workdir, "mosquitto.log")
        self.output_path = os.path.join(self.workdir, "broker.out")
        self.port = None
        self.process = None
        self.exit_code = None
        self._output = None
        self.write_config(auth_yaml_text)

    # -- files

    def write_config(self, text):
        """Replaces auth.yaml atomically, so a SIGHUP never catches a half-written file."""
        partial = self.auth_path + ".partial"
        with open(partial, "w", encoding="utf-8") as file:
            file.write(without_throttling(text))
        os.replace(partial, self.auth_path)

    def _write_mosquitto_conf(self):
        # Mosquitto drops privileges to `user` only when started as root, before it loads
        # plugins but after it opened the log file; naming the user the tests run as (the
        # default) keeps the broker able to read the temporary files, naming anyone else is
        # harmless unless the broker runs as root.
        lines = [
            *security_preamble_lines(),
            # mqauth's `anonymous:` decides anonymous clients; without this line Mosquitto
            # itself drops every username-less client on each SIGHUP (see config/mosquitto.conf).
            "allow_anonymous true",
            f"listener {self.port} 127.0.0.1",
            *plugin_lines(self.plugin, self.auth_path),
            # log_dest file is flushed per line; stdout redirected to a file would be
            # block-buffered and hide lines from a running broker.
            f"log_dest file {self.log_path}",
            "log_type all",
            f"user {self.user}",
            "persistence false",
            *self.extra_conf,
        ]
        if self.tls_listener:
            lines += self.tls_listener.conf_lines(self.tls_port)
        with open(self.conf_path, "w", encoding="utf-8") as file:
            file.write("\n".join(lines) + "\n")

    def log_text(self):
        return read_text(self.log_path)

    def output_text(self):
        """What the broker printed on stdout and stderr (sanitizer reports land here)."""
        return read_text(self.output_path)

    def all_text(self):
        return self.log_text() + self.output_text()

    def describe(self):
        tls = f", TLS port {self.tls_port}" if self.tls_port else ""
        return (f"broker in {self.workdir}, port {self.port}{tls}, exit code {self.exit_code}\n"
                f"--- log (tail) ---\n{tail(self.log_text())}\n"
                f"--- stdout/stderr (tail) ---\n{tail(self.output_text())}")

    # -- process

    def _launch(self):
        self.port = free_port()
        self.tls_port = free_port() if self.tls_listener else None
        self._write_mosquitto_conf()
        self._output = open(self.output_path, "ab")
        self.process = subprocess.Popen([self.executable, "-c", self.conf_path],
                                        stdin=subprocess.DEVNULL, stdout=self._output,
                                        stderr=subprocess.STDOUT, env=self.env)
        self.exit_code = None

    def _reap(self):
        self.exit_code = self.process.returncode
        self.process = None
        self._output.close()
        self._output = None

    def running(self):
        return self.process is not None and self.process.poll() is None

    def _ready(self):
        # "running" is logged after the plugin initialised and the listener opened.
        return (re.search(r"mosquitto version \S+ running", self.log_text())
                and port_accepts(self.port)
                and (self.tls_port is None or port_accepts(self.tls_port)))

    def start(self):
        # free_port() can race with another process taking the port: retry on that alone.
        for _ in range(3):
            self._launch()
            wait_for(lambda: not self.running() or self._ready(), START_TIMEOUT)
            if self.running() and self._ready():
                return self
            self.stop()
            if "Address already in use" not in self.log_text():
                break
        raise HarnessError("the broker did not start\n" + self.describe())

    def start_expecting_failure(self, timeout=START_TIMEOUT):
        """Starts a broker that should exit during start-up; returns (exit code, log + output)."""
        self._launch()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise HarnessError(f"the broker was expected to exit but still ran after {timeout} s\n"
                               + self.describe())
        self._reap()
        fail_on_sanitizer_report(self.output_text(), "the broker")
        return self.exit_code, self.all_text()

    def reload(self, timeout=RELOAD_TIMEOUT):
        """SIGHUP, then waits for the plugin's verdict on the new auth.yaml.
        Returns True when it was applied, False when it was rejected."""
        if not self.running():
            raise HarnessError("cannot reload: the broker is not running\n" + self.describe())
        seen = len(RELOAD_OUTCOME.findall(self.log_text()))
        self.process.send_signal(signal.SIGHUP)
        outcomes = wait_for(lambda: RELOAD_OUTCOME.findall(self.log_text())[seen:], timeout)
        if not outcomes:
            raise HarnessError(f"no reload outcome logged within {timeout} s of SIGHUP\n"
                               + self.describe())
        return outcomes[0] == "reloaded"

    def stop(self):
        """SIGTERM, then SIGKILL if it hangs; returns the exit code (negative: a signal)."""
        if self.process is None:
            return self.exit_code
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reap()
        return self.exit_code

    def kill(self):
        """SIGKILL: no chance to clean up or flush anything (a power cut, for the process);
        returns the exit code (-9)."""
        if self.process is None:
            return self.exit_code
        self.process.kill()
        self.process.wait()
        self._reap()
        return self.exit_code

    def close(self):
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def close_expecting_clean_exit(self):
        """close(), failing if the broker crashed or hung at any point since it started (a
        plugin crash would otherwise only show as later tests failing to connect)."""
        was_started = self.process is not None
        exit_code = self.stop()
        report = self.describe()
        output = self.output_text()
        self.close()
        fail_on_sanitizer_report(output, "the broker")
        if was_started and exit_code != 0:
            raise HarnessError("the broker did not exit cleanly\n" + report)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # -- log queries

    def wait_for_log_line(self, pattern, timeout=LOG_TIMEOUT):
        """The first log line matching the regex `pattern`, polling; None on timeout."""
        compiled = re.compile(pattern)

        def find():
            return next((line for line in self.log_text().splitlines() if compiled.search(line)),
                        None)

        return wait_for(find, timeout)

    def log_lines_matching(self, pattern):
        compiled = re.compile(pattern)
        return [line for line in self.log_text().splitlines() if compiled.search(line)]


# ---------------------------------------------------------------------------------------------
# Clients

def run_process(args, timeout=CLIENT_TIMEOUT):
    try:
        # errors="replace": a tool that echoes a client's or a file's invalid UTF-8 is still read.
        return subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                              errors="replace", timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        raise HarnessError(f"{' '.join(args)} did not finish within {timeout} s; "
                           f"stderr: {expired.stderr!r}") from None


def credential_args(client_id, username, password):
    args = ["-i", client_id]
    if username is not None:
        args += ["-u", username]
    if password is not None:
        args += ["-P", password]
    return args


def pub(broker, *, client_id, username=None, password=None, topic="t/x", message="m", extra=(),
        tls=None):
    """One QoS 1 publish with mosquitto_pub (MQTT 3.1.1); returns (exit code, stderr).
    Exit code 0 means CONNACK 0 and a PUBACK; a refused CONNECT exits with RC_NOT_AUTHORISED.
    With `tls` (ClientTls) it connects to the broker's TLS listener."""
    args = [tool("MOSQUITTO_PUB", "/usr/bin/mosquitto_pub"), *endpoint_args(broker, tls),
            *credential_args(client_id, username, password),
            "-t", topic, "-m", message, "-q", "1", *extra]
    result = run_process(args)
    return result.returncode, result.stderr


def sub_collect(broker, *, client_id, username=None, password=None, topic="t/#", count=1,
                seconds=5, extra=(), tls=None):
    """mosquitto_sub that exits after `count` messages or `seconds`; returns
    (exit code, ["topic payload", ...], stderr)."""
    args = [tool("MOSQUITTO_SUB", "/usr/bin/mosquitto_sub"), *endpoint_args(broker, tls),
            *credential_args(client_id, username, password),
            "-t", topic, "-v", "-C", str(count), "-W", str(seconds), *extra]
    result = run_process(args, timeout=seconds + CLIENT_TIMEOUT)
    return result.returncode, result.stdout.splitlines(), result.stderr


class LiveClient:
    """A long-lived client connection in the background, watched for a server-side disconnect.

    It is `mosquitto_pub -l` (publish each stdin line) with stdin held open and never written:
    it connects and then idles. mosquitto_sub is no good here: it exits by itself with "All
    subscription requests were denied." when the SUBACK refuses every topic, so its exit would
    depend on topic permissions rather than on the connection.

    What the real client does (mosquitto 2.0.11 clients, checked by hand against this broker):
    - When the broker drops the connection without a DISCONNECT packet (always with MQTT 3.1.1),
      libmosquitto reconnects after 1 s, with no option to turn that off: a drop followed by a
      successful reconnect leaves no trace in the exit status.
    - MQTT 5: mosquitto_kick_client_by_clientid/username() sends DISCONNECT 0x98 (administrative
      action) first; `mosquitto_pub -l -d` logs "Received DISCONNECT (152)" and stays alive
      without reconnecting (mosquitto_sub would exit with status 0).
    - With -d, every connection attempt logs "Client <id> sending CONNECT".
    So this runs MQTT 5 with -d and counts a disconnect when the process exits, a DISCONNECT
    arrives, or a second CONNECT is sent: every way the broker might drop the client shows.
    stdout goes to a file, which glibc block-buffers until exit; stdbuf -oL makes it
    line-buffered so the lines can be watched live.
    """

    def __init__(self, broker, *, client_id, username=None, password=None, topic="t/live",
                 tls=None):
        self.client_id = client_id
        self.output_path = os.path.join(broker.workdir, f"live-{client_id}.out")
        args = ["stdbuf", "-oL", tool("MOSQUITTO_PUB", "/usr/bin/mosquitto_pub"),
                *endpoint_args(broker, tls), "-V", "mqttv5", "-d",
                *credential_args(client_id, username, password), "-t", topic, "-l", "-q", "1"]
        with open(self.output_path, "wb") as output:
            self.process = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=output,
                                            stderr=subprocess.STDOUT)

    def output(self):
        return read_text(self.output_path)

    def describe(self):
        return (f"live client {self.client_id}, exit code {self.process.poll()}\n"
                f"--- its output ---\n{self.output()}")

    def disconnected(self):
        output = self.output()
        return (self.process.poll() is not None
                or "Received DISCONNECT" in output
                or output.count(f"Client {self.client_id} sending CONNECT") > 1)

    def wait_connected(self, timeout=CLIENT_TIMEOUT):
        """Waits for CONNACK 0; fails if the client was refused or gave up first."""
        connack = f"Client {self.client_id} received CONNACK (0)"
        wait_for(lambda: self.disconnected() or connack in self.output(), timeout)
        if self.disconnected() or connack not in self.output():
            raise HarnessError("the live client did not get connected\n" + self.describe())
        return self

    def wait_disconnected(self, timeout=RELOAD_TIMEOUT):
        return bool(wait_for(self.disconnected, timeout))

    def stays_connected(self, grace=STAYS_CONNECTED_GRACE):
        """True if no disconnect shows up within `grace` (a deliberate wait: proving a negative)."""
        return not wait_for(self.disconnected, grace)

    def send(self, line):
        """Publishes `line` (QoS 1) on this client's connection and topic."""
        self.process.stdin.write(line.encode() + b"\n")
        self.process.stdin.flush()

    def pubacks(self):
        """The reason codes of the PUBACKs received so far, in order (MQTT 5: 0 or 16 when
        the broker accepted the message, 135 "not authorised" when it dropped it)."""
        return [int(code) for code in re.findall(
            rf"Client {re.escape(self.client_id)} received PUBACK \(Mid: \d+, RC:(\d+)\)",
            self.output())]

    def wait_pubacks(self, count, timeout=CLIENT_TIMEOUT):
        """Waits until `count` PUBACKs arrived, i.e. the broker has handled that many publishes;
        returns their reason codes."""
        if not wait_for(lambda: len(self.pubacks()) >= count, timeout):
            raise HarnessError(f"no PUBACK number {count} within {timeout} s\n" + self.describe())
        return self.pubacks()

    def stop(self):
        if self.process.poll() is None:
            self.process.stdin.close()  # end of input: mosquitto_pub -l disconnects and exits
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        elif not self.process.stdin.closed:
            self.process.stdin.close()


class Subscriber:
    """A background mosquitto_sub (MQTT 3.1.1, subscription QoS 0) that records every message.

    All `topics` go in one SUBSCRIBE; with -d mosquitto_sub prints the SUBACK as
    "Subscribed (mid: 1): 0, 128" (one code per topic, 128 = refused), and when every topic is
    refused it prints "All subscription requests were denied." and exits. Messages are printed
    as "MSG <topic> <payload>" (-F), one line each, so payloads must be single lines.

    Proving that a message did NOT arrive: publish it, then publish a marker the subscriber may
    receive, and wait for the marker. mosquitto_pub -q 1 exits only after the PUBACK, which
    Mosquitto sends after it queued the message to every subscriber; a later marker is queued
    behind it on the subscriber's one connection, so an undropped message would arrive first.
    """

    MESSAGE = re.compile(r"^MSG (\S+) (.*)$", re.MULTILINE)
    SUBACK = re.compile(r"^Subscribed \(mid: \d+\): ([\d, ]+)$", re.MULTILINE)

    def __init__(self, broker, *, client_id, username=None, password=None, topics, tls=None,
                 extra=()):
        self.client_id = client_id
        # Not named after the client id: ids such as "a/b" or "+" make poor file names.
        self.output_path = os.path.join(broker.workdir, f"sub-{next(_client_numbers):04d}.out")
        args = ["stdbuf", "-oL", tool("MOSQUITTO_SUB", "/usr/bin/mosquitto_sub"),
                *endpoint_args(broker, tls), "-d",
                *credential_args(client_id, username, password),
                *itertools.chain.from_iterable(("-t", topic) for topic in topics),
                "-F", "MSG %t %p", *extra]
        with open(self.output_path, "wb") as output:
            self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=output,
                                            stderr=subprocess.STDOUT)

    def output(self):
        return read_text(self.output_path)

    def describe(self):
        return (f"subscriber {self.client_id}, exit code {self.process.poll()}\n"
                f"--- its output ---\n{self.output()}")

    def granted(self):
        """The SUBACK's return codes, one per topic in order; None before the SUBACK."""
        suback = self.SUBACK.search(self.output())
        return [int(code) for code in suback.group(1).split(",")] if suback else None

    def wait_subscribed(self, timeout=CLIENT_TIMEOUT):
        """Waits for the SUBACK and returns its return codes; fails if none came."""
        wait_for(lambda: self.granted() is not None or self.process.poll() is not None, timeout)
        granted = self.granted()
        if granted is None:
            raise HarnessError("the subscriber got no SUBACK\n" + self.describe())
        return granted

    def exited(self, timeout=STOP_TIMEOUT):
        return bool(wait_for(lambda: self.process.poll() is not None, timeout))

    def messages(self):
        """[(topic, payload), ...] in the order received."""
        return self.MESSAGE.findall(self.output())

    def wait_for_message(self, topic, payload, timeout=CLIENT_TIMEOUT):
        """Everything received once (topic, payload) has arrived; None if it did not."""
        def arrived():
            messages = self.messages()
            return messages if (topic, payload) in messages else None

        return wait_for(arrived, timeout)

    def connects(self):
        """How many CONNECTs it sent: more than one means it lost its connection."""
        return self.output().count(f"Client {self.client_id} sending CONNECT")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def run_cli(*args):
    """The mqauth tool; returns the CompletedProcess (text stdout and stderr). `check` checks
    what the broker's user can read as the user the tests' brokers run as (root, in CI), not as
    mosquitto: test_cli.py tests that part with files of its own."""
    if args[:1] == ("check",) and os.geteuid() == 0:
        args = ("check", "--broker-user", "root", *args[1:])
    result = run_process([required_path("MQAUTH_CLI"), *args])
    fail_on_sanitizer_report(result.stderr, "mqauth " + " ".join(args[:1]))
    return result


# ---------------------------------------------------------------------------------------------
# Raw MQTT: packets built by hand, for input that no client library would send

MQTT_CONNECT, MQTT_CONNACK, MQTT_DISCONNECT, MQTT_AUTH = 1, 2, 14, 15
PROTOCOL_MQTT311, PROTOCOL_MQTT5 = 4, 5
AUTH_REASON_CONTINUE, AUTH_REASON_REAUTHENTICATE = 0x18, 0x19
MQTT_PROPERTY_AUTH_METHOD, MQTT_PROPERTY_AUTH_DATA = 0x15, 0x16


def mqtt_varint(number):
    """MQTT's Variable Byte Integer."""
    out = bytearray()
    while True:
        byte, number = number % 128, number // 128
        out.append(byte | (0x80 if number else 0))
        if not number:
            return bytes(out)


def mqtt_binary(data):
    """Two-byte length, then the bytes: MQTT's UTF-8 string and binary data alike (nothing is
    checked here, so a "string" may hold NUL bytes or invalid UTF-8)."""
    if len(data) > 0xFFFF:
        raise HarnessError(f"MQTT strings and binary data hold at most 65535 bytes, not {len(data)}")
    return len(data).to_bytes(2, "big") + data


def mqtt_auth_properties(method=None, data=None):
    """The MQTT 5 properties of CONNECT and AUTH that carry enhanced authentication (bytes)."""
    properties = b""
    if method is not None:
        properties += bytes([MQTT_PROPERTY_AUTH_METHOD]) + mqtt_binary(method)
    if data is not None:
        properties += bytes([MQTT_PROPERTY_AUTH_DATA]) + mqtt_binary(data)
    return properties


def mqtt_connect(client_id, *, username=None, password=None, protocol=PROTOCOL_MQTT311,
                 properties=b"", keepalive=60):
    """A CONNECT packet (clean session) from bytes; `properties` only with MQTT 5."""
    flags = 0x02 | (0x80 if username is not None else 0) | (0x40 if password is not None else 0)
    body = mqtt_binary(b"MQTT") + bytes([protocol, flags]) + keepalive.to_bytes(2, "big")
    if protocol == PROTOCOL_MQTT5:
        body += mqtt_varint(len(properties)) + properties
    body += mqtt_binary(client_id)
    if username is not None:
        body += mqtt_binary(username)
    if password is not None:
        body += mqtt_binary(password)
    return bytes([MQTT_CONNECT << 4]) + mqtt_varint(len(body)) + body


def connack_reason_mqtt5(broker, *, client_id, username=None, password=None):
    """The reason code of the CONNACK an MQTT 5 CONNECT gets (0 accepted, 0x87 not authorised,
    0x89 server busy, 0x9F connection rate exceeded, ...), or None when the broker closes the
    connection without one."""
    connection = RawMqttConnection(broker)
    try:
        encoded = lambda text: None if text is None else text.encode()
        connection.send(mqtt_connect(client_id.encode(), username=encoded(username),
                                     password=encoded(password), protocol=PROTOCOL_MQTT5))
        packet = connection.read_packet()
    finally:
        connection.close()
    if packet is None or packet[0] != MQTT_CONNACK:
        return None
    return packet[1][1]


def mqtt_auth(reason, method, data=None):
    """An MQTT 5 AUTH packet."""
    properties = mqtt_auth_properties(method, data)
    body = bytes([reason]) + mqtt_varint(len(properties)) + properties
    return bytes([MQTT_AUTH << 4]) + mqtt_varint(len(body)) + body


def mqtt_disconnect():
    return bytes([MQTT_DISCONNECT << 4, 0])


def mqtt_auth_data(packet):
    """The Authentication Data property of a received MQTT 5 CONNACK or AUTH packet (as
    RawMqttConnection.read_packet returns it), or None. The properties are walked by their
    identifiers' known sizes."""
    packet_type, body = packet
    offset = 2 if packet_type == MQTT_CONNACK else 1  # CONNACK: flags, reason; AUTH: reason
    if len(body) <= offset:
        return None
    length, shift = 0, 0
    while True:
        byte = body[offset]
        offset += 1
        length += (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    end = offset + length
    fixed = {0x01: 1, 0x02: 4, 0x11: 4, 0x13: 2, 0x17: 1, 0x19: 1, 0x21: 2, 0x22: 2, 0x24: 1,
             0x25: 1, 0x27: 4, 0x28: 1, 0x29: 1, 0x2A: 1}
    while offset < end:
        identifier = body[offset]
        offset += 1
        if identifier in fixed:
            offset += fixed[identifier]
        elif identifier == 0x26:  # user property: two strings
            for _ in range(2):
                offset += 2 + int.from_bytes(body[offset:offset + 2], "big")
        else:  # strings and binary data: 0x03, 0x08, 0x09, 0x12, 0x15, 0x16, 0x1A, 0x1C, 0x1F
            size = int.from_bytes(body[offset:offset + 2], "big")
            if identifier == MQTT_PROPERTY_AUTH_DATA:
                return body[offset + 2:offset + 2 + size]
            offset += 2 + size
    return None


class RawMqttConnection:
    """A bare TCP connection to the broker's plain listener that sends whatever bytes a test
    builds and reads whole packets back."""

    def __init__(self, broker, timeout=CLIENT_TIMEOUT):
        self.socket = socket.create_connection(("127.0.0.1", broker.port), timeout=timeout)

    def send(self, data):
        """Sends `data`; False if the broker had already closed the connection."""
        try:
            self.socket.sendall(data)
            return True
        except OSError:
            return False

    def _read_exactly(self, count):
        data = b""
        while len(data) < count:
            try:
                chunk = self.socket.recv(count - len(data))
            except ConnectionResetError:
                return None
            if not chunk:
                return None
            data += chunk
        return data

    def read_packet(self):
        """(packet type, body), or None once the broker has closed the connection. A broker
        that neither answers nor closes within the socket timeout raises socket.timeout."""
        header = self._read_exactly(1)
        if header is None:
            return None
        length, shift = 0, 0
        while True:
            byte = self._read_exactly(1)
            if byte is None:
                return None
            length += (byte[0] & 0x7F) << shift
            shift += 7
            if not byte[0] & 0x80:
                break
        body = self._read_exactly(length)
        return None if body is None else (header[0] >> 4, body)

    def read_until_closed(self):
        """Every packet the broker sends until it closes the connection."""
        packets = []
        while (packet := self.read_packet()) is not None:
            packets.append(packet)
        return packets

    def abort(self):
        """Closes with a TCP reset instead of a FIN, as a crashed client or a cut cable would."""
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.socket.close()

    def close(self):
        self.socket.close()


# ---------------------------------------------------------------------------------------------
# unittest glue

class BrokerTestCase(unittest.TestCase):
    """Starts brokers that are always stopped, and asserts on connections with the broker's
    log in every failure message."""

    maxDiff = None

    @classmethod
    def start_class_broker(cls, auth_yaml_text, extra_conf=(), env=None, tls_listener=None):
        broker = Broker(auth_yaml_text, extra_conf, env, tls_listener)
        cls.addClassCleanup(broker.close_expecting_clean_exit)
        return broker.start()

    def start_broker(self, auth_yaml_text, extra_conf=(), env=None, tls_listener=None):
        broker = Broker(auth_yaml_text, extra_conf, env, tls_listener)
        self.addCleanup(broker.close_expecting_clean_exit)
        return broker.start()

    def start_live_client(self, broker, **client):
        live = LiveClient(broker, **client)
        self.addCleanup(live.stop)
        return live.wait_connected()

    def start_subscriber(self, broker, **client):
        """A Subscriber that got its SUBACK (which may refuse topics: check .granted())."""
        subscriber = Subscriber(broker, **client)
        self.addCleanup(subscriber.stop)
        subscriber.wait_subscribed()
        return subscriber

    def assertConnects(self, broker, **client):
        rc, stderr = pub(broker, **client)
        self.assertEqual(rc, 0, f"{client} should connect and publish; mosquitto_pub said "
                                f"{stderr!r}\n{broker.describe()}")

    def assertRefused(self, broker, *, reason, **client):
        """CONNACK "not authorised", and exactly one plugin log line naming the client id, its
        address and `reason` (SPEC: every refusal is logged once with client id, address and
        reason code)."""
        rc, stderr = pub(broker, **client)
        self.assertEqual(rc, RC_NOT_AUTHORISED,
                         f"{client} should be refused as not authorised; mosquitto_pub said "
                         f"{stderr!r}\n{broker.describe()}")
        client_id = re.escape(client["client_id"])
        refusal = rf"mqauth: refused.*{client_id}(?!\d)"
        line = broker.wait_for_log_line(refusal)
        self.assertIsNotNone(line, f"no 'mqauth: refused' line names {client['client_id']}\n"
                                   + broker.describe())
        self.assertIn(reason, line, f"the refusal should give reason code {reason}")
        self.assertIn("127.0.0.1", line, "the refusal should name the client's address")
        self.assertEqual(len(broker.log_lines_matching(refusal)), 1,
                         "a refusal should be logged exactly once\n" + broker.describe())


# ---------------------------------------------------------------------------------------------
# SASL users (SPEC `sasl_users`) and the SCRAM client
#
# libmosquitto (so mosquitto_pub/sub) cannot continue an MQTT 5 AUTH exchange, so SCRAM logins
# go through scram_client.js, a Node client on MQTT.js (npm `mqtt`, pinned in package.json;
# scripts/test runs `npm ci` here). It prints JSON lines and exits with a status that tells the
# outcome; see the comment at its top.

INTEGRATION_DIR = os.path.dirname(os.path.abspath(__file__))
SCRAM_CLIENT = os.path.join(INTEGRATION_DIR, "scram_client.js")

# scram_client.js exit statuses (a refused CONNACK exits with its reason code, 128..255).
SCRAM_OK = 0
SCRAM_BAD_SERVER_SIGNATURE = 3
SCRAM_TIMEOUT = 4
SCRAM_NO_CONNACK = 5
SCRAM_DISCONNECTED = 6
SCRAM_REAUTH_REFUSED = 7
CONNACK_NOT_AUTHORIZED = 0x87  # 135
CONNACK_BAD_AUTHENTICATION_METHOD = 0x8C  # 140
CONNACK_SERVER_BUSY = 0x89  # 137
CONNACK_CONNECTION_RATE_EXCEEDED = 0x9F  # 159


def sasl_user(username, *, type=None, mechanism=None, credentials=None, password=None):
    """A `sasl_users` entry; keys left None are not written (so the defaults apply)."""
    entry = {"username": username, "type": type, "mechanism": mechanism,
             "credentials": credentials, "password": password}
    return {key: value for key, value in entry.items() if value is not None}


def sasl_auth_yaml(identities=(), sasl_users=(), **auth_yaml_options):
    """auth_yaml() plus a `sasl_users:` section."""
    text = auth_yaml(list(identities), **auth_yaml_options)
    if sasl_users:
        lines = ["sasl_users:"]
        _yaml_mappings(lines, sasl_users, "  ")
        text += "\n".join(lines) + "\n"
    return text


def sasl_hash(password, mechanism, iterations=None):
    """`mqauth sasl-hash`: the credentials string for `password` (given on stdin, no newline)."""
    args = [required_path("MQAUTH_CLI"), "sasl-hash", "--mechanism", mechanism]
    if iterations is not None:
        args += ["--iterations", str(iterations)]
    try:
        result = subprocess.run(args, input=password, capture_output=True, text=True,
                                timeout=CLIENT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise HarnessError(f"mqauth sasl-hash did not finish within {CLIENT_TIMEOUT} s") from None
    fail_on_sanitizer_report(result.stderr, "mqauth sasl-hash")
    if result.returncode != 0:
        raise HarnessError(f"mqauth sasl-hash failed ({result.returncode}): {result.stderr}")
    return result.stdout.strip()


def scram_node():
    """The node that runs scram_client.js, once MQTT.js is installed beside it; a missing one
    fails (never skips) with what to do."""
    node = shutil.which(tool("NODE", "node"))
    if not node:
        raise HarnessError("node is not installed: scripts/test installs it (Debian: nodejs npm)")
    if not os.path.isdir(os.path.join(INTEGRATION_DIR, "node_modules", "mqtt")):
        raise HarnessError(f"MQTT.js is missing: run `npm ci` in {INTEGRATION_DIR} "
                           "(scripts/test does)")
    return node


def _scram_command(broker, *, client_id, username=None, password=None,
                   mechanism="SCRAM-SHA-512", wait=CLIENT_TIMEOUT, extra=()):
    args = [scram_node(), SCRAM_CLIENT, "--port", str(broker.port), "--client-id", client_id,
            "--mechanism", mechanism, "--wait", str(wait)]
    if username is not None:
        args += ["--username", username]
    if password is not None:
        args += ["--password", password]
    return args + list(extra)


def _json_lines(text):
    lines = []
    for line in text.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            pass
    return lines


class ScramOutcome:
    """What one scram_client.js run did: its exit status, its JSON lines and the last of them
    (the result: connack_reason, server_first, server_final, server_signature_ok, error,
    reauth_ok, suback, puback_reason, messages, disconnect_reason, closed_by_server,
    received = every packet as {"cmd", "reason"})."""

    def __init__(self, args, exit_code, stdout, stderr):
        self.args = args
        self.exit_code = exit_code
        self.stdout = stdout
        self.stderr = stderr
        self.events = _json_lines(stdout)
        results = [event for event in self.events if event.get("event") == "result"]
        self.result = results[-1] if results else {}

    def __getitem__(self, key):
        return self.result.get(key)

    def received(self, cmd):
        """The reason codes of every packet of kind `cmd` ("auth", "connack", ...) received."""
        return [packet["reason"] for packet in self.result.get("received", [])
                if packet["cmd"] == cmd]

    def describe(self):
        return (f"scram_client.js exit status {self.exit_code}\n"
                f"--- args ---\n{' '.join(self.args[1:])}\n"
                f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{tail(self.stderr)}")


def scram(broker, *, client_id, username=None, password=None, mechanism="SCRAM-SHA-512",
          wait=CLIENT_TIMEOUT, extra=()):
    """One SCRAM login with scram_client.js (plus whatever `extra` options ask for: --publish,
    --subscribe, --reauth, --raw-client-first, ...); returns a ScramOutcome once it exits."""
    args = _scram_command(broker, client_id=client_id, username=username, password=password,
                          mechanism=mechanism, wait=wait, extra=extra)
    # Each of the client's waits is bounded by `wait`; a run has at most a handful of them.
    try:
        result = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=6 * wait + CLIENT_TIMEOUT)
    except subprocess.TimeoutExpired as expired:
        raise HarnessError(f"{' '.join(args)} did not finish; stdout: {expired.stdout!r}") \
            from None
    return ScramOutcome(args, result.returncode, result.stdout, result.stderr)


class ScramLiveClient:
    """A SCRAM-authenticated connection held open in the background (scram_client.js
    --stay-connected), watched for a server-side disconnect. The client has reconnecting turned
    off and exits as soon as the connection ends, so a disconnect is simply its exit."""

    def __init__(self, broker, *, client_id, username, password, mechanism="SCRAM-SHA-512",
                 seconds=120, extra=()):
        self.client_id = client_id
        self.output_path = os.path.join(broker.workdir,
                                        f"scram-live-{next(_client_numbers):04d}.out")
        self.args = _scram_command(broker, client_id=client_id, username=username,
                                   password=password, mechanism=mechanism,
                                   extra=["--stay-connected", str(seconds), *extra])
        with open(self.output_path, "wb") as output:
            self.process = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=output,
                                            stderr=subprocess.STDOUT)

    def output(self):
        return read_text(self.output_path)

    def events(self):
        return _json_lines(self.output())

    def result(self):
        """The client's closing JSON line ({} while it runs)."""
        results = [event for event in self.events() if event.get("event") == "result"]
        return results[-1] if results else {}

    def describe(self):
        return (f"SCRAM live client {self.client_id}, exit status {self.process.poll()}\n"
                f"--- its output ---\n{self.output()}")

    def saw(self, event_name):
        """True once the client printed an {"event": event_name} line."""
        return any(event.get("event") == event_name for event in self.events())

    def connected(self):
        return self.saw("connected")

    def disconnected(self):
        return self.process.poll() is not None

    def wait_connected(self, timeout=CLIENT_TIMEOUT):
        """Waits for CONNACK 0 with a verified server signature; fails otherwise."""
        wait_for(lambda: self.disconnected() or self.connected(), timeout)
        if self.disconnected() or not self.connected():
            raise HarnessError("the SCRAM live client did not get connected\n" + self.describe())
        return self

    def wait_disconnected(self, timeout=RELOAD_TIMEOUT):
        return bool(wait_for(self.disconnected, timeout))

    def stays_connected(self, grace=STAYS_CONNECTED_GRACE):
        return not wait_for(self.disconnected, grace)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()  # the client prints its result and exits
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""How mqauth's config cost grows: load time (`mqauth check`), reload time in a running broker,
the longest pause a connected client sees during that reload, and the broker's memory, for
configs of N identities. Run by scripts/bench (figure config_scale); by hand:

    tests/bench/config_scale_bench.py --plugin build/mqauth.so --cli build/mqauth \
        --sizes 10000,100000,1000000

Prints one line per size and a closing line on linearity (per-identity cost at the largest size
against the smallest). The pinger is a raw MQTT client sending PINGREQ back to back; its longest
round trip while the reload runs is the pause every client sees (the broker is single-threaded).
"""

import argparse
import os
import pwd
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time


def write_config(path, identities):
    with open(path, "w", encoding="utf-8") as out:
        out.write("version: 1\nanonymous: allow\npermissions: {no_match: ALLOW}\n"
                  "throttling: {enabled: false}\nidentities:\n")
        for i in range(identities):
            sign = "SIGNED" if i % 2 else "ORIGIN"
            out.write(f"  - {{username: user{i}, identity_type: USER, secret: secret-{i:08d}, "
                      f"sign_mode: {sign}}}\n")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


class Broker:
    def __init__(self, workdir, plugin=None, config=None):
        self.port = free_port()
        self.log = os.path.join(workdir, f"broker-{self.port}.log")
        conf = os.path.join(workdir, f"broker-{self.port}.conf")
        lines = [f"user {pwd.getpwuid(os.getuid()).pw_name}", "per_listener_settings false",
                 f"listener {self.port} 127.0.0.1", "allow_anonymous true",
                 f"log_dest file {self.log}", "log_type error", "log_type warning",
                 "log_type notice", "log_type information"]
        if plugin:
            lines += [f"plugin {plugin}", f"plugin_opt_config {config}"]
        with open(conf, "w", encoding="ascii") as out:
            out.write("\n".join(lines) + "\n")
        self.process = subprocess.Popen(["mosquitto", "-c", conf], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self.wait_for("running", timeout=600)

    def log_text(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as log:
                return log.read()
        except FileNotFoundError:
            return ""

    def wait_for(self, needle, timeout, count=1):
        deadline = time.monotonic() + timeout
        while self.log_text().count(needle) < count:
            if self.process.poll() is not None:
                raise RuntimeError(f"broker exited:\n{self.log_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no {needle!r} in the log:\n{self.log_text()[-2000:]}")
            time.sleep(0.002)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


class Pinger(threading.Thread):
    """An MQTT 3.1.1 client that sends PINGREQ and waits for PINGRESP, over and over."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        client_id = b"pinger"
        body = (b"\x00\x04MQTT\x04\x02\x00\x3c" + len(client_id).to_bytes(2, "big") + client_id)
        self.sock.sendall(bytes([0x10, len(body)]) + body)
        if self.sock.recv(4)[:2] != b"\x20\x02":
            raise RuntimeError("pinger: no CONNACK")
        self.longest = 0.0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            started = time.perf_counter()
            self.sock.sendall(b"\xc0\x00")
            if self.sock.recv(2) != b"\xd0\x00":
                raise RuntimeError("pinger: no PINGRESP")
            self.longest = max(self.longest, time.perf_counter() - started)

    def measure(self, action):
        self.longest = 0.0
        action()
        return self.longest

    def stop(self):
        self.stopping.set()
        self.join(timeout=5)
        self.sock.close()


def timed(args):
    started = time.perf_counter()
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def stock_reload_pause(workdir):
    """Stock Mosquitto's own pause on SIGHUP (it re-reads its config on its thread): the floor
    any plugin's reload pause sits on."""
    broker = Broker(workdir)
    try:
        rss = rss_kib(broker.process.pid)
        pinger = Pinger(broker.port)
        pinger.start()
        pauses = []
        for _ in range(3):
            def reload():
                broker.process.send_signal(signal.SIGHUP)
                time.sleep(0.3)
            pauses.append(pinger.measure(reload))
        pinger.stop()
    finally:
        broker.stop()
    return rss, max(pauses)


def settled_rss_kib(pid, timeout=120.0):
    """The RSS once it stops falling: after a reload the old policy is freed (and its pages
    returned) on a worker thread."""
    deadline = time.monotonic() + timeout
    previous = rss_kib(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        current = rss_kib(pid)
        if current >= previous:
            return current
        previous = current
    return previous


def measure(size, args, workdir, stock_rss):
    config = os.path.join(workdir, f"auth-{size}.yaml")
    write_config(config, size)
    rounds = 1 if size >= 1000000 else 3
    # The broker here runs as this user: check what it can read as this user too.
    this_user = pwd.getpwuid(os.getuid()).pw_name
    load = statistics.median(timed([args.cli, "check", "--broker-user", this_user, config])
                             for _ in range(rounds))
    broker = Broker(workdir, args.plugin, config)
    try:
        broker_rss = rss_kib(broker.process.pid)
        pinger = Pinger(broker.port)
        pinger.start()
        reloads, pauses = [], []
        for attempt in range(rounds):
            def reload():
                started = time.perf_counter()
                broker.process.send_signal(signal.SIGHUP)
                broker.wait_for("mqauth: reloaded", timeout=600, count=attempt + 1)
                reloads.append(time.perf_counter() - started)
                time.sleep(0.1)  # the swap's effects (the old policy is freed on a worker)
            pauses.append(pinger.measure(reload))
        pinger.stop()
        # Freeing the old policy takes a fraction of the time reading the new one took, and the
        # RSS drops only at its end (malloc_trim): give it that long before watching the RSS.
        time.sleep(0.5 + statistics.median(reloads) / 2)
        after_reload_rss = settled_rss_kib(broker.process.pid)
    finally:
        broker.stop()
    extra_kib = broker_rss - stock_rss
    print(f"config_scale {size} identities: load {load * 1000:.0f} ms (mqauth check), "
          f"reload {statistics.median(reloads) * 1000:.0f} ms (on a worker thread), longest "
          f"client pause {max(pauses) * 1000:.0f} ms, broker RSS +{extra_kib / 1024:.1f} MiB "
          f"over stock ({extra_kib * 1024 / size:.0f} bytes/identity), "
          f"+{(after_reload_rss - stock_rss) / 1024:.1f} MiB after {rounds} reloads", flush=True)
    return load / size, statistics.median(reloads) / size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plugin", required=True)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="mqauth-scale-") as workdir:
        stock_rss, stock_pause = stock_reload_pause(workdir)
        print(f"config_scale stock Mosquitto (no plugin): longest client pause on SIGHUP "
              f"{stock_pause * 1000:.0f} ms", flush=True)
        costs = {size: measure(size, args, workdir, stock_rss) for size in sizes}
    smallest, largest = min(sizes), max(sizes)
    if smallest != largest:
        load_growth = costs[largest][0] / costs[smallest][0]
        reload_growth = costs[largest][1] / costs[smallest][1]
        print(f"config_scale linearity: per-identity load cost at {largest} is "
              f"{load_growth:.2f}x that at {smallest}, reload {reload_growth:.2f}x "
              f"(1.00x = linear)", flush=True)


if __name__ == "__main__":
    sys.exit(main())

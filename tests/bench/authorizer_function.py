#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A local custom-authorizer function for scripts/bench: an HTTP/1.1 keep-alive server on
127.0.0.1 that answers every POST with {"result": "allow", "refresh_seconds": 86400} after
reading (not parsing) its body, so the figure measures the broker's side of a call plus the
cheapest answer Python's http.server can give. With --delay-ms it answers each request that
much later (a slow function): each connection has its own thread, so concurrent requests wait
side by side, not one after another.

usage: authorizer_function.py --port P [--delay-ms N]
"""

import argparse
import http.server
import json
import time

ANSWER = json.dumps({"result": "allow", "refresh_seconds": 86400}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the plugin reuses one connection
    # Headers and body go out in two writes: without TCP_NODELAY the second waits for the
    # client's delayed ACK (40 ms on Linux).
    disable_nagle_algorithm = True
    delay_s = 0.0  # --delay-ms

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.delay_s:
            time.sleep(self.delay_s)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, *args):
        pass


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # listen()'s backlog (socketserver's default is 5): the plugin may open many connections at
    # once when calls run concurrently (Mosquitto 2.1).
    request_queue_size = 128


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=int, default=0)
    args = parser.parse_args()
    Handler.delay_s = args.delay_ms / 1000
    server = Server(("127.0.0.1", args.port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()

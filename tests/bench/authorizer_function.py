#!/usr/bin/env python3
"""A local custom-authorizer function for scripts/bench: an HTTP/1.1 keep-alive server on
127.0.0.1 that answers every POST with {"result": "allow", "refresh_seconds": 86400} after
reading (not parsing) its body, so the figure measures the broker's side of a call plus the
cheapest answer Python's http.server can give.

usage: authorizer_function.py --port P
"""

import argparse
import http.server
import json

ANSWER = json.dumps({"result": "allow", "refresh_seconds": 86400}).encode()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the plugin reuses one connection
    # Headers and body go out in two writes: without TCP_NODELAY the second waits for the
    # client's delayed ACK (40 ms on Linux).
    disable_nagle_algorithm = True

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    port = parser.parse_args().port
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()

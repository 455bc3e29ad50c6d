#!/usr/bin/env python3
"""A statement server for recon's fetch tests, on loopback only.

Usage: server.py --root DIR --port-file FILE [--log FILE] [--faults FILE]
                 [--auth USER:PASS] [--tls CERT KEY] [--lifetime SECONDS]

Serves the files under DIR at http://127.0.0.1:PORT/NAME (https with --tls),
on a free port written to --port-file once listening. Every request is
logged to --log as "GET /path STATUS".

Faults, on demand: --faults names a file of lines "PATH ACTION[,ACTION...]"
read again whenever it changes (which starts its lists over). Each request
for PATH takes the next action of its list; the last one repeats:
  ok        serve the file (404 when there is none)
  404, 500, 503 ...   that status, with a short body
  empty     200 with an empty body
  truncate  200 announcing 100 bytes more than it sends, then hang up
  slow      200 announcing the whole file, then one byte every 0.1 s
With --auth, a request without those Basic credentials gets 401.

The server exits by itself after --lifetime seconds (default 60), so a
test that fails half-way never leaves it running.
"""
import argparse
import base64
import http.server
import os
import ssl
import sys
import threading
import time


class State:
    def __init__(self, root, log, faults, auth):
        self.root = root
        self.log = log
        self.faults = faults
        self.auth = auth
        self.lock = threading.Lock()
        self.stamp = None
        self.lists = {}
        self.used = {}

    def next_action(self, path):
        with self.lock:
            if self.faults:
                try:
                    st = os.stat(self.faults)
                    stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
                except FileNotFoundError:
                    stamp = None
                if stamp != self.stamp:
                    self.stamp = stamp
                    self.lists, self.used = {}, {}
                    if stamp:
                        with open(self.faults) as f:
                            for line in f:
                                parts = line.split()
                                if len(parts) == 2:
                                    self.lists[parts[0]] = parts[1].split(",")
            actions = self.lists.get(path)
            if not actions:
                return "ok"
            i = self.used.get(path, 0)
            self.used[path] = i + 1
            return actions[min(i, len(actions) - 1)]

    def note(self, line):
        if self.log:
            with self.lock, open(self.log, "a") as f:
                f.write(line + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "recon-test"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body=b"", length=None):
        self.server.state.note("GET %s %d" % (self.path, status))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        return body

    def do_GET(self):
        state = self.server.state
        path = self.path.split("?", 1)[0]
        if state.auth:
            want = "Basic " + base64.b64encode(state.auth.encode()).decode()
            if self.headers.get("Authorization") != want:
                self.wfile.write(self.reply(401, b"who are you?\n"))
                return
        action = state.next_action(path)
        if action.isdigit() and action != "200":
            self.wfile.write(self.reply(int(action), b"no\n"))
            return
        if action == "empty":
            self.reply(200)
            return
        file = os.path.join(state.root, path.lstrip("/"))
        if ".." in path.split("/") or not os.path.isfile(file):
            self.wfile.write(self.reply(404, b"not found\n"))
            return
        with open(file, "rb") as f:
            body = f.read()
        if action == "truncate":
            self.wfile.write(self.reply(200, body, len(body) + 100))
            self.wfile.flush()
            self.close_connection = True
            return
        if action == "slow":
            self.reply(200, body)
            try:
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(0.1)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        self.wfile.write(self.reply(200, body))


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--faults")
    ap.add_argument("--auth")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--lifetime", type=float, default=60)
    a = ap.parse_args()

    srv = Server(("127.0.0.1", 0), Handler)
    srv.state = State(os.path.abspath(a.root), a.log and os.path.abspath(a.log),
                      a.faults and os.path.abspath(a.faults), a.auth)
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    timer = threading.Timer(a.lifetime, lambda: os._exit(0))
    timer.daemon = True
    timer.start()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

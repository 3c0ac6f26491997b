#!/usr/bin/python3
"""socks_tool.py: the web server and the raw client of t_socks*.sh.

  socks_tool.py web PORTFILE
      An HTTP/1.1 server on 127.0.0.1 (port in PORTFILE) whose every page
      is "hello from PATH" and the Host header it was asked with.

  socks_tool.py raw [-t SECONDS] [-n BYTES] PORT ARG...
      Connect to 127.0.0.1:PORT and take each ARG in turn: hex to send
      (a new send() each, 50 ms apart), "-" to wait 0.5 s, "EOF" to
      shut the write side. Then read until EOF, BYTES bytes or SECONDS
      (default 15). Prints one line: what was read in hex ("-" for
      nothing), then "eof", "reset", "enough" or "timeout".
"""

import http.server
import os
import socket
import sys
import time


class Page(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = ("hello from %s on %s\n" %
                (self.path, self.headers.get("Host", "?"))).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stdout.write("%s\n" % (fmt % args))
        sys.stdout.flush()


def web(portfile):
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()


def raw(args):
    wait, want = 15.0, None
    while args[0] in ("-t", "-n"):
        if args[0] == "-t":
            wait = float(args[1])
        else:
            want = int(args[1])
        args = args[2:]
    s = socket.create_connection(("127.0.0.1", int(args[0])), timeout=wait)
    for p in args[1:]:
        if p == "-":
            time.sleep(0.5)
        elif p == "EOF":
            s.shutdown(socket.SHUT_WR)
        else:
            s.sendall(bytes.fromhex(p))
            time.sleep(0.05)
    got = b""
    end = "timeout"
    deadline = time.monotonic() + wait
    try:
        while time.monotonic() < deadline:
            if want is not None and len(got) >= want:
                end = "enough"
                break
            b = s.recv(4096)
            if not b:
                end = "eof"
                break
            got += b
    except ConnectionResetError:
        end = "reset"
    except socket.timeout:
        pass
    print("%s %s" % (got.hex() or "-", end))


if __name__ == "__main__":
    if sys.argv[1] == "web":
        web(sys.argv[2])
    elif sys.argv[1] == "raw":
        raw(sys.argv[2:])
    else:
        sys.exit("usage: socks_tool.py web PORTFILE | raw [-t SECONDS] "
                 "[-n BYTES] PORT ARG...")

#!/usr/bin/python3
"""life_tool.py: the target and the client of t_life_stripe.sh.

  life_tool.py server PORTFILE SIZE SEED
      A TCP server on 127.0.0.1: a connection that sends "D" gets SIZE
      bytes of a stream made from SEED, then EOF; one that sends "E" gets
      everything it sends after that echoed back.

  life_tool.py reqserver PORTFILE
      A TCP server on 127.0.0.1 that reads a request line ("N\n"),
      waits 300 ms, sends N bytes of a stream and closes, without waiting
      for the client's EOF (an HTTP/1.0-like server).

  life_tool.py banner PORTFILE TEXT
      A TCP server on 127.0.0.1 that speaks first, as an SSH server does:
      TEXT and CRLF at once, then it holds the connection until the
      client goes.

  life_tool.py req PORT N
      Send "N\n", shut the write side at once (as printf req | nc -N
      does), read until EOF: the whole reply must arrive.

  life_tool.py stripe PORT N SIZE SEED ROUNDS WAITCMD...
      N downloads through 127.0.0.1:PORT, started one after the other:
      after starting download k, WAITCMD k+1 is run (it waits until the
      forward has k+1 open sessions; its failure is ignored once the pool
      is full). With all N running, ROUNDS request/response round trips
      of 64 bytes on one more connection. Every download must match the
      stream byte for byte. Prints one JSON object: per download its
      rate, the aggregate rate while all ran, the round trips' median and
      maximum (ms); whether every download moved while all ran
      (all_moved), and whether the round trips were done before the
      first download was (rtt_during).
"""

import hashlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time

CHUNK = 65536


def stream(size, seed):
    return random.Random(seed).randbytes(size)


def serve_conn(conn, data):
    try:
        kind = conn.recv(1)
        if kind == b"D":
            conn.sendall(data)
        elif kind == b"E":
            while True:
                buf = conn.recv(CHUNK)
                if not buf:
                    break
                conn.sendall(buf)
    except OSError:
        pass
    finally:
        conn.close()


def listen(portfile, serve, *args):
    """Accept on 127.0.0.1 (port written to portfile); a thread each."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=serve, args=(conn,) + args,
                         daemon=True).start()


def server(portfile, size, seed):
    data = stream(size, seed)
    listen(portfile, serve_conn, data)


class Download(threading.Thread):
    def __init__(self, port, size, want_sha):
        super().__init__(daemon=True)
        self.port, self.size, self.want = port, size, want_sha
        self.samples = []       # (time, bytes so far)
        self.error = None

    def run(self):
        h = hashlib.sha256()
        got = 0
        try:
            s = socket.create_connection(("127.0.0.1", self.port),
                                         timeout=60)
            s.sendall(b"D")
            while True:
                buf = s.recv(CHUNK)
                if not buf:
                    break
                h.update(buf)
                got += len(buf)
                self.samples.append((time.monotonic(), got))
            s.close()
        except OSError as e:
            self.error = "after %d bytes: %s" % (got, e)
            return
        if got != self.size or h.hexdigest() != self.want:
            self.error = "got %d bytes, sha256 %s, want %d %s" % (
                got, h.hexdigest(), self.size, self.want)

    def at(self, t):
        """Bytes received by time t."""
        n = 0
        for ts, b in self.samples:
            if ts > t:
                break
            n = b
        return n

    def rate(self):
        if len(self.samples) < 2:
            return 0
        (t0, b0), (t1, b1) = self.samples[0], self.samples[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0


def round_trips(port, rounds):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(b"E")
    rtts = []
    msg = b"x" * 64
    for i in range(rounds):
        t = time.monotonic()
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            buf = s.recv(len(msg) - len(got))
            if not buf:
                raise OSError("EOF after %d round trips" % i)
            got += buf
        rtts.append((time.monotonic() - t) * 1000)
        time.sleep(0.02)
    s.close()
    return rtts


def stripe(port, n, size, seed, rounds, waitcmd):
    want = hashlib.sha256(stream(size, seed)).hexdigest()
    dls = []
    waits = []
    for k in range(n):
        d = Download(port, size, want)
        d.start()
        dls.append(d)
        if k + 1 < n:
            rc = subprocess.call(waitcmd + [str(k + 2)])
            waits.append(rc)
    # Every download moving.
    deadline = time.monotonic() + 30
    while any(not d.samples for d in dls) and time.monotonic() < deadline:
        time.sleep(0.05)
    rtts = round_trips(port, rounds)
    rtt_end = time.monotonic()
    for d in dls:
        d.join(300)
    errors = [d.error for d in dls if d.error]
    if errors:
        print(json.dumps({"errors": errors}))
        sys.exit(1)
    start = max(d.samples[0][0] for d in dls) + 1.0
    end = min(d.samples[-1][0] for d in dls)
    total = sum(d.at(end) - d.at(start) for d in dls)
    print(json.dumps({
        "rates": [round(d.rate()) for d in dls],
        "window_s": round(end - start, 2),
        "aggregate": round(total / (end - start)) if end > start else 0,
        "rtt_median_ms": round(statistics.median(rtts), 2),
        "rtt_max_ms": round(max(rtts), 2),
        "all_moved": end > start and all(d.at(end) > d.at(start)
                                         for d in dls),
        "rtt_during": rtt_end < end,
        "waits": waits,
    }))


def serve_req(conn):
    try:
        f = conn.makefile("rb")
        n = int(f.readline())
        time.sleep(0.3)
        conn.sendall(stream(n, n))
    except (OSError, ValueError):
        pass
    finally:
        conn.close()


def reqserver(portfile):
    listen(portfile, serve_req)


def req(port, n):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(b"%d\n" % n)
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        buf = s.recv(CHUNK)
        if not buf:
            break
        got += buf
    if got != stream(n, n):
        sys.exit("req: %d bytes back of %d, or not the stream" %
                 (len(got), n))
    print("req: %d bytes after the half-close" % n)


def serve_banner(conn, banner):
    """Speak first, as an SSH server does; hold until the client goes."""
    try:
        conn.sendall(banner)
        conn.recv(1)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    if sys.argv[1] == "banner":
        listen(sys.argv[2], serve_banner, sys.argv[3].encode() + b"\r\n")
    elif sys.argv[1] == "reqserver":
        reqserver(sys.argv[2])
    elif sys.argv[1] == "req":
        req(int(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "stripe":
        stripe(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
               int(sys.argv[5]), int(sys.argv[6]), sys.argv[7:])
    else:
        sys.exit("usage: life_tool.py server|stripe ...")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Clients of gatewayd's control socket, and stand-ins for gatewayd, for
t_control_flood.sh. Every wait has a deadline.

  idle SOCKET N SECONDS
      connect N clients that send nothing and print "connected N"; then
      wait up to SECONDS for gatewayd to close them all and print
      "closed K of N in S s"; exit 0 if all were closed
  follow SOCKET N OUT SECONDS
      connect up to N clients that each follow events; write "followers
      A refused B" to OUT; hold them SECONDS, then print "held H of A"
      (how many gatewayd kept open); exit 0 if it kept all
  silent SOCKET
      a server that accepts and never answers
  stuck SOCKET
      a server whose queue is full: it never accepts
"""

import errno
import json
import os
import select
import socket
import sys
import time


def connect(path, deadline):
    """A connected client; a full queue is tried again until deadline."""
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            if time.monotonic() > deadline:
                sys.exit("connect %s: the queue stayed full" % path)
            time.sleep(0.01)


def closed(s):
    """Did the server close s (EOF or reset)? Reads what it sent."""
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except BlockingIOError:
        return False
    except ConnectionResetError:
        return True


def idle(path, n, seconds):
    deadline = time.monotonic() + 10
    socks = [connect(path, deadline) for _ in range(n)]
    print("connected %d" % n, flush=True)
    start = time.monotonic()
    open_ = list(socks)
    while open_ and time.monotonic() < start + seconds:
        select.select(open_, [], [], 0.1)
        open_ = [s for s in open_ if not closed(s)]
    print("closed %d of %d in %.1f s" % (n - len(open_), n,
                                         time.monotonic() - start),
          flush=True)
    sys.exit(0 if not open_ else 1)


def read_line(s, deadline):
    buf = b""
    while b"\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        select.select([s], [], [], left)
        try:
            data = s.recv(4096)
        except BlockingIOError:
            continue
        except ConnectionResetError:
            return None
        if not data:
            return None
        buf += data
    return json.loads(buf.split(b"\n")[0])


def follow(path, n, out, seconds):
    deadline = time.monotonic() + 10
    kept, refused = [], 0
    for _ in range(n):
        s = connect(path, deadline)
        try:
            s.sendall(b'{"cmd":"events"}\n')
        except (BrokenPipeError, ConnectionResetError):
            pass        # refused at once: the reason is still to read
        reply = read_line(s, time.monotonic() + 5)
        if reply is not None and reply.get("ok"):
            kept.append(s)
        else:
            refused += 1
            s.close()
    with open(out + ".tmp", "w") as f:
        f.write("followers %d refused %d\n" % (len(kept), refused))
    os.rename(out + ".tmp", out)
    time.sleep(seconds)
    held = [s for s in kept if not closed(s)]
    print("held %d of %d" % (len(held), len(kept)), flush=True)
    sys.exit(0 if len(held) == len(kept) else 1)


def listen(path, backlog):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path + ".tmp")
    s.listen(backlog)
    os.rename(path + ".tmp", path)
    return s


def silent(path):
    s = listen(path, 16)
    held = []
    while True:
        c, _ = s.accept()
        held.append(c)


def stuck(path):
    s = listen(path, 0)
    fillers = []
    # Fill the queue (Linux takes backlog + 1) until connects would wait.
    for _ in range(8):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.setblocking(False)
        try:
            c.connect(path)
        except BlockingIOError:
            c.close()
            break
        fillers.append(c)
    while True:
        time.sleep(60)


def main():
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "idle":
        idle(path, int(sys.argv[3]), float(sys.argv[4]))
    elif mode == "follow":
        follow(path, int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
    elif mode == "silent":
        silent(path)
    elif mode == "stuck":
        stuck(path)
    else:
        sys.exit("unknown mode %s" % mode)


if __name__ == "__main__":
    main()

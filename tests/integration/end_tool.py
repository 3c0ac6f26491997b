#!/usr/bin/python3
"""end_tool.py: a client that tells how its connection ended.

  end_tool.py read PORT [MARKFILE MARKBYTES] [SECONDS]
      Connect to 127.0.0.1:PORT, send "D" (life_tool.py's download
      request), read until the end; once MARKBYTES have arrived, create
      MARKFILE. Print "eof N" (a clean end, FIN), "reset N" (ECONNRESET),
      "error ERRNO N" or "timeout N", N being the bytes read.

  end_tool.py stall PORT READYFILE SECONDS
      Connect with a 4 KiB receive buffer, send "D", never read. Create
      READYFILE once connected. Poll SO_ERROR until the connection is
      reset ("reset" and exit 0) or SECONDS pass ("open", exit 1).

  end_tool.py many PORT N
      N connections one after the other: each sends one byte, reads it
      back (an echo target), and closes. Print "N ok, M failed"; exit 1
      if any failed.

Every socket wait has a deadline: nothing here blocks forever.
"""

import errno
import os
import socket
import sys
import time


def connect(port, rcvbuf=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(30)
    s.connect(("127.0.0.1", port))
    return s


def touch(path):
    with open(path + ".tmp", "w") as f:
        f.write("1\n")
    os.rename(path + ".tmp", path)


def read(port, mark=None, mark_bytes=0, seconds=120):
    # gatewayd may reset a conn as soon as it accepts it (a refused
    # target): the reset can come back to connect() or to the request.
    try:
        s = connect(port)
        s.sendall(b"D")
    except ConnectionResetError:
        print("reset 0")
        return
    deadline = time.monotonic() + seconds
    n = 0
    marked = mark is None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            print("timeout %d" % n)
            return
        s.settimeout(left)
        try:
            buf = s.recv(65536)
        except ConnectionResetError:
            print("reset %d" % n)
            return
        except socket.timeout:
            print("timeout %d" % n)
            return
        except OSError as e:
            print("error %s %d" % (errno.errorcode.get(e.errno, e.errno), n))
            return
        if not buf:
            print("eof %d" % n)
            return
        n += len(buf)
        if not marked and n >= mark_bytes:
            touch(mark)
            marked = True


def stall(port, ready, seconds):
    s = connect(port, 4096)
    s.sendall(b"D")
    touch(ready)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err == errno.ECONNRESET:
            print("reset")
            return 0
        if err != 0:
            print("error %s" % errno.errorcode.get(err, err))
            return 1
        time.sleep(0.1)
    print("open")
    return 1


def many(port, n):
    ok = failed = 0
    for i in range(n):
        try:
            s = connect(port)
            s.sendall(b"x")
            got = s.recv(1)
            s.close()
        except OSError:
            got = b""
        if got == b"x":
            ok += 1
        else:
            failed += 1
    print("%d ok, %d failed" % (ok, failed))
    return 0 if failed == 0 else 1


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "read":
        if len(sys.argv) >= 5:
            secs = int(sys.argv[5]) if len(sys.argv) > 5 else 120
            read(port, sys.argv[3], int(sys.argv[4]), secs)
        else:
            read(port, seconds=int(sys.argv[3]) if len(sys.argv) > 3
                 else 120)
        return 0
    if cmd == "stall":
        return stall(port, sys.argv[3], int(sys.argv[4]))
    if cmd == "many":
        return many(port, int(sys.argv[3]))
    sys.exit("end_tool.py: unknown command " + cmd)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""identity_tool.py: one local user's connections, for t_identity_*.sh.

  identity_tool.py hold ADDR STATE
      Connect, send one line and read it back, create STATE.ready; then
      wait for STATE.go, which says "echo" (one more line must come back)
      or "end" (the connection must end, EOF or reset, with nothing sent
      or received). Print what happened into STATE.out.
  identity_tool.py once ADDR
      One line there and back (then gatewayctl connect is killed: Session
      Manager cannot half-close).
  identity_tool.py refused ADDR
      The connection ends (EOF or reset) with nothing echoed;
      gatewayctl connect exits with a status other than 0.

ADDR is unix:PATH, HOST:PORT, or ctl:FORWARD for `gatewayctl connect
FORWARD` ($GATEWAYCTL -s $GW_CONTROL) run as a child, stdin and stdout
its pipes; its stderr goes to the file $CTL_STDERR (or is discarded) and
it must exit within the deadline too. Every wait has a deadline; exit 0
when things went as asked, else 1 with why on stderr.
"""

import errno
import os
import select
import signal
import socket
import subprocess
import sys
import time

WAIT = 60               # seconds for any one step
GO_WAIT = 600           # seconds for the test to say what comes next


class Conn:
    """A byte stream: a socket, or gatewayctl connect's pipes."""

    def __init__(self, addr):
        self.child = None
        self.sock = None
        if addr.startswith("ctl:"):
            err = os.environ.get("CTL_STDERR")
            self.errf = open(err, "wb") if err else subprocess.DEVNULL
            self.child = subprocess.Popen(
                [os.environ["GATEWAYCTL"], "-s", os.environ["GW_CONTROL"],
                 "connect", addr[4:]], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=self.errf)
            self.rfd = self.child.stdout.fileno()
            self.wfd = self.child.stdin.fileno()
        elif addr.startswith("unix:"):
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(WAIT)
            self.sock.connect(addr[5:])
        else:
            host, port = addr.rsplit(":", 1)
            self.sock = socket.create_connection((host, int(port)), WAIT)
        if self.sock is not None:
            self.rfd = self.wfd = self.sock.fileno()
            self.sock.setblocking(True)

    def send(self, data):
        os.write(self.wfd, data)

    def read(self, deadline):
        """Bytes, b"" at EOF, None at the deadline; reset is EOF too."""
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([self.rfd], [], [], left)
        if not r:
            return None
        try:
            return os.read(self.rfd, 65536)
        except OSError as e:
            if e.errno in (errno.ECONNRESET, errno.EPIPE):
                return b""
            raise

    def line(self, want):
        """Read until want came back whole; why not, else None."""
        deadline = time.monotonic() + WAIT
        got = b""
        while len(got) < len(want):
            b = self.read(deadline)
            if b is None:
                return "no echo in %d s (got %r)" % (WAIT, got)
            if b == b"":
                return "the connection ended (got %r)" % got
            got += b
        return None if got == want else "got %r, want %r" % (got, want)

    def echo(self, text):
        want = text.encode() + b"\n"
        try:
            self.send(want)
        except OSError as e:
            return "send: %s" % os.strerror(e.errno)
        return self.line(want)

    def ends(self, refused=False):
        """Wait for the end with nothing received; why not, else None."""
        deadline = time.monotonic() + WAIT
        b = self.read(deadline)
        if b is None:
            return "still open after %d s" % WAIT
        if b != b"":
            return "got %r instead of the end" % b
        return self.child_exit(refused)

    def child_exit(self, refused):
        if self.child is None:
            return None
        try:
            self.child.stdin.close()
        except OSError:
            pass
        try:
            rc = self.child.wait(WAIT)
        except subprocess.TimeoutExpired:
            return "gatewayctl connect still running after %d s" % WAIT
        if refused and rc == 0:
            return "gatewayctl connect was refused but exited 0"
        return None

    def stop(self):
        if self.child is not None and self.child.poll() is None:
            self.child.kill()
            self.child.wait()


CONN = None


def on_term(signum, frame):
    if CONN is not None:
        CONN.stop()
    sys.exit(1)


def wait_go(state):
    deadline = time.monotonic() + GO_WAIT
    while time.monotonic() < deadline:
        try:
            with open(state + ".go") as f:
                what = f.read().strip()
            if what:
                return what
        except FileNotFoundError:
            pass
        time.sleep(0.1)
    sys.exit("%s: no word in %s.go in %d s" % (state, state, GO_WAIT))


def main():
    global CONN
    signal.signal(signal.SIGTERM, on_term)
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    mode, addr = sys.argv[1], sys.argv[2]
    try:
        CONN = Conn(addr)
    except OSError as e:
        # Refused at once: the reset came before connect() returned.
        if mode == "refused" and isinstance(e, ConnectionResetError):
            return
        sys.exit("%s: connect: %s" % (addr, e))
    why = None
    if mode == "once":
        why = CONN.echo("once %d" % os.getpid())
    elif mode == "refused":
        why = CONN.ends(refused=True)
    elif mode == "hold":
        state = sys.argv[3]
        why = CONN.echo("hello %d" % os.getpid())
        if why is None:
            open(state + ".ready", "w").close()
            what = wait_go(state)
            if what == "echo":
                why = CONN.echo("still %d" % os.getpid())
            elif what == "end":
                why = CONN.ends()
            else:
                why = "unknown word %r" % what
            with open(state + ".out", "w") as f:
                f.write((why or what) + "\n")
    else:
        sys.exit(__doc__)
    CONN.stop()
    if why is not None:
        sys.exit("%s %s: %s" % (mode, addr, why))


if __name__ == "__main__":
    main()

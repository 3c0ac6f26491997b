#!/usr/bin/python3
"""bench.py: gatewayd's benchmarks, the scenarios of issue 6, and issue
16's table of CPU per byte (from scenarios 1, 2, 6 and 7).

Runs every scenario against awsemu and the bench tools on loopback and
writes OUT/report.md, OUT/data/*.csv and OUT/data/*.png (gnuplot). A
benchmark, not a test: it prints figures and says which goals they meet.
A scenario this build cannot run is reported as "not run: why"; one that
breaks as "failed: why" (and the exit status is 1). Never a made-up figure.

    bench.py --top-srcdir S --top-builddir B --out DIR [--smoke]
        [--reps N] [--only 1,4,...] [--budget SECS]

--smoke is the seconds-long version make check runs (tiny sizes, one
repetition). SMP_BIN in the environment names a session-manager-plugin
binary for scenario 7; without it that column is skipped. BENCH_ORIGIN
is a line on where the sources came from, for the report's Machine table.

Only the standard library; /usr/bin/python3.
"""

import argparse
import concurrent.futures
import json
import math
import os
import platform
import pwd
import re
import resource
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB
MB = 1000 * 1000
CLK_TCK = os.sysconf("SC_CLK_TCK")
# The floor's batch (scenario 6): a paced hold settles near 32 ms, 32
# messages at the agent's pace of one a millisecond (docs/data-path.md).
FLOOR_HOLD_MS = 32
FLOOR_MSGS = 32

# Every figure the report has, in report order: key, scenario, label,
# unit, goal. A goal is (op, number, text); None for figures that are
# references or ceilings. Scenarios fill values in by key.
FIGURES = []


def figure(key, scen, label, unit, goal=None, ref=None):
    FIGURES.append({"key": key, "scenario": scen, "label": label,
                    "unit": unit, "goal": goal, "ref": ref})


def per_message(scen, key, label):
    """The per-message figures of a run of gatewayd: agent messages it
    moved, its syscalls, wake-ups and CPU per message."""
    figure(f"{key}.msgs", scen, f"{label}, agent messages a run", "msgs")
    figure(f"{key}.sysmsg", scen, f"{label}, daemon syscalls per message",
           "per msg")
    figure(f"{key}.wake", scen, f"{label}, daemon wake-ups per message",
           "per msg")
    figure(f"{key}.usmsg", scen, f"{label}, daemon CPU per message", "us")


def _define_figures():
    at_least = lambda n, t: (">=", n, t)
    at_most = lambda n, t: ("<=", n, t)
    for d, dn in (("down", "download"), ("up", "upload")):
        figure(f"s1.tcp.{d}", 1, f"tcp forward, {dn}", "MiB/s")
        figure(f"s1.tcp.{d}.cpu", 1, f"tcp forward, {dn}, daemon CPU",
               "CPU s/GiB")
        figure(f"s1.tcp.{d}.sys", 1, f"tcp forward, {dn}, daemon "
               "syscalls", "per MiB")
        figure(f"s1.tcp.{d}.busy", 1, f"tcp forward, {dn}, daemon busy",
               "% of a core")
        for m in ("mux", "basic"):
            figure(f"s1.{m}.{d}", 1, f"ssm {m}, {dn}", "MiB/s",
                   at_least(400, ">= 400 MiB/s"))
            figure(f"s1.{m}.{d}.cpu", 1, f"ssm {m}, {dn}, daemon CPU",
                   "CPU s/GiB", at_most(2.5, "<= 2.5 CPU s/GiB"))
            figure(f"s1.{m}.{d}.sys", 1, f"ssm {m}, {dn}, daemon "
                   "syscalls", "per MiB")
            figure(f"s1.{m}.{d}.busy", 1, f"ssm {m}, {dn}, daemon busy",
                   "% of a core")
            figure(f"s1.{m}.{d}.emu", 1, f"ssm {m}, {dn}, awsemu busy",
                   "% of a core")
        # Issue 16's unpaced rows: the same runs per 100 MB and per
        # agent message.
        figure(f"s1.mux.{d}.cpu100", 1, f"ssm mux, {dn}, daemon CPU",
               "CPU s/100MB", at_most(0.25, "<= 0.25 CPU s/100MB"))
        per_message(1, f"s1.mux.{d}", f"ssm mux, {dn}")
    figure("s2.ceiling", 2, "pacing ceiling of one session", "MiB/s")
    for d, dn in (("down", "download"), ("up", "upload"),
                  ("uppace", "upload at gatewayd's own pace")):
        figure(f"s2.mux.{d}", 2, f"ssm mux paced, {dn}", "MiB/s")
        # awsemu paces what the agent sends: the ceiling bounds
        # downloads; an upload is gatewayd's own pace.
        if d == "down":
            figure(f"s2.mux.{d}.frac", 2, f"ssm mux paced, {dn}, of "
                   "ceiling", "%", at_least(97, ">= 97%"))
        figure(f"s2.mux.{d}.cpu", 2, f"ssm mux paced, {dn}, daemon CPU",
               "CPU s/100MB", at_most(0.5, "<= 0.5 CPU s/100MB")
               if d != "uppace" else None)
        figure(f"s2.mux.{d}.sys", 2, f"ssm mux paced, {dn}, daemon "
               "syscalls", "per MiB")
        per_message(2, f"s2.mux.{d}", f"ssm mux paced, {dn}")
    for ms in (1, 8):
        for c in (1, 2, 4, 8):
            figure(f"s3.ms{ms}.c{c}", 3,
                   f"paced, max_sessions {ms}, {c} conns", "MiB/s")
    figure("s3.ratio4", 3, "4 conns over 4 sessions / 1 session", "x",
           at_least(3.5, ">= 3.5x"))
    for c in (1, 2, 4, 8):
        figure(f"s3.tcp.c{c}", 3, f"tcp forward, {c} conns (unpaced)",
               "MiB/s")
    for p, pn in (("direct", "direct to the target"),
                  ("tcp", "tcp forward"), ("mux", "ssm mux, warm")):
        figure(f"s4.{p}.p50", 4, f"{pn}, p50", "us")
        figure(f"s4.{p}.p99", 4, f"{pn}, p99", "us")
    figure("s4.mux.over_tcp", 4, "ssm mux p99 minus tcp forward p99", "us",
           ("<", 1000, "< 1 ms"))
    figure("s5.tcp.fwd200", 5, "RSS, 200 idle tcp forwards", "MiB",
           at_most(16, "<= 16 MiB"))
    figure("s5.ssm.fwd200", 5, "RSS, 200 idle ssm forwards", "MiB",
           at_most(16, "<= 16 MiB"))
    figure("s5.ssm.session", 5, "RSS per warm idle session", "KiB",
           at_most(128, "<= 128 KiB"))
    for p, pn in (("tcp", "tcp forward"), ("mux", "ssm mux")):
        figure(f"s5.{p}.conn", 5, f"{pn}: RSS per idle client conn",
               "KiB", at_most(8, "<= 8 KiB"))
        figure(f"s5.{p}.held", 5, f"{pn}: concurrent conns held, "
               "100 forwards, one process", "conns",
               at_least(10000, "10,000") if p == "mux" else None)
        figure(f"s5.{p}.rss_held", 5, f"{pn}: RSS with them all", "MiB")
        figure(f"s5.{p}.active", 5, f"{pn}: of them echoing at once",
               "conns", at_least(1000, "1,000") if p == "mux" else None)
        figure(f"s5.{p}.active_rate", 5, f"{pn}: those echoing, aggregate",
               "MiB/s")
    figure("s6.sha256", 6, "SHA-256, 1 KiB blocks (openssl speed)", "MB/s")
    figure("s6.aes", 6, "AES-256-GCM, 1 KiB blocks (openssl speed)",
           "MB/s")
    for d, dn in (("down", "source to client"), ("up", "client to sink")):
        figure(f"s6.loop.{d}", 6, f"loopback TCP, one conn, {dn}",
               "MiB/s")
    figure("s6.syscall", 6, "one trivial system call (getppid)", "ns")
    figure("s6.loop.send_cpu", 6, "loopback TCP sender CPU", "CPU s/GiB")
    figure("s6.loop.recv_cpu", 6, "loopback TCP receiver CPU", "CPU s/GiB")
    figure("s6.limit.tcp", 6, "model: relay limit per core (recv + send)",
           "MiB/s")
    figure("s6.limit.ssm", 6, "model: ssm limit per core (relay + SHA-256 "
           "+ AES-GCM + ack)", "MiB/s")
    figure("s6.limit.msg", 6, "model: SHA-256 + AES-256-GCM of one 1 KiB "
           "message", "us")
    figure("s6.floor.paced", 6, "floor: least CPU per 1 KiB message, "
           f"woken every {FLOOR_HOLD_MS} ms for {FLOOR_MSGS}", "us")
    figure("s6.floor.unpaced", 6, "floor: least CPU per 1 KiB message, "
           "never sleeping", "us")
    figure("s6.tcp.frac", 6, "tcp forward per core, of the relay limit",
           "%")
    for d, dn in (("down", "download"), ("up", "upload")):
        figure(f"s6.mux.{d}.frac", 6, f"ssm mux {dn} per core, of the "
               "ssm limit", "%")
    for d, dn in (("down", "download"), ("up", "upload")):
        figure(f"s7.smp.{d}", 7, f"plugin unpaced, {dn}", "MiB/s",
               ref="75-85 MB/s down, 0.7 MB/s up")
        figure(f"s7.smp.{d}.cpu", 7, f"plugin unpaced, {dn}, plugin CPU",
               "CPU s/GiB", ref="11-14 CPU s/GB")
        figure(f"s7.smp.paced.{d}", 7, f"plugin paced, {dn}", "MiB/s",
               ref="1.0 MB/s")
        figure(f"s7.smp.paced.{d}.cpu", 7, f"plugin paced, {dn}, plugin "
               "CPU", "CPU s/100MB", ref="13-14 CPU s/100 MB")
    figure("s7.ratio.down", 7, "plugin CPU / gatewayd CPU per byte, "
           "unpaced download (scenario 1's)", "x", at_least(5, ">= 5x"))
    figure("s7.smp.p50", 7, "plugin, connect to first byte, p50", "us",
           ref="4-6 ms")
    figure("s7.smp.p99", 7, "plugin, connect to first byte, p99", "us")
    figure("s7.smp.rss", 7, "plugin RSS per idle tunnel process", "MiB",
           ref="14.5 MB")
    figure("s7.smp.rss_cli", 7, "awscli RSS waiting beside each plugin",
           "MiB")
    for p, pn in (("connect", "gatewayctl connect, warm session, start"),
                  ("fixed", "fixed local port (ssm forward), warm, "
                   "connect()"),
                  ("W", "gatewayd -W, a session each, start"),
                  ("smp", "aws ssm start-session (AWS-StartSSHSession), "
                   "start")):
        for q in ("p50", "p99"):
            figure(f"s8.{p}.{q}", 8, f"{pn} to first byte, {q}", "us")
    figure("s8.ctl_start.p50", 8, "gatewayctl's start-up: start to its "
           "first byte on stderr (status, no socket), p50", "us")
    for p, pn in (("connect", "gatewayctl connect (pipes)"),
                  ("fixed", "fixed local port (TCP)")):
        for d, dn in (("down", "download"), ("up", "upload")):
            figure(f"s8.{p}.{d}", 8, f"{pn}, {dn}", "MiB/s")
            figure(f"s8.{p}.{d}.cpu", 8, f"{pn}, {dn}, daemon CPU",
                   "CPU s/GiB")
    figure("s8.connect.ctl_cpu", 8, "gatewayctl's own CPU while the daemon "
           "moves its descriptors' bytes (download)", "CPU s/GiB")


_define_figures()

# The world every ssm scenario uses: a mux-mode and a basic-mode agent.
MUX_ID = "i-0123456789abcdef0"
BASIC_ID = "i-0fedcba9876543210"
EMU_AKID = "AKIAEMUDEFAULT000001"
EMU_SECRET = "emu/default+secret/0000000000000000000000"
# awsemu's pacing (its defaults, the real agent's): one message of
# PACE_CHUNK bytes every PACE_US; set explicitly so the ceiling is known.
PACE_CHUNK = 1024
PACE_US = 1000
# Connections a latency run makes through session-manager-plugin: it
# takes milliseconds each, so fewer than gatewayd's 10,000.
SMP_LATENCY_COUNT = 1000
# Scenario 8: connections timed from a process's start (a ProxyCommand's
# set-up) per run, and how many runs for the ones that start a session
# each (gatewayd -W, aws ssm start-session: a second or so apiece).
CONNECT_COUNT = 50
SESSION_EACH_COUNT = 10
# Bytes a throughput run of scenario 8 moves (about 3 s through a session).
CONNECT_BYTES = 256 * MIB
# Seconds of pacing in a paced run of scenarios 2 and 7 (their CPU per
# 100 MB must not be noise: 20 s is 20 MB at the ceiling), and of
# scenario 3's striping runs.
PACED_SECS = 20
STRIPE_SECS = 10
# The forward key that would make gatewayd pace what it sends as the
# agent does (the channel's own pacing_us; not a key yet): the paced
# upload runs only if gatewayd -n takes it.
PACE_KEY = "pacing_us"
PACED_KNOBS = [("pacing", "true"), ("chunk", str(PACE_CHUNK)),
               ("pace_us", str(PACE_US))]

SCENARIOS = {
    1: "Throughput, one connection, pacing off",
    2: "Throughput with pacing on",
    3: "Striping",
    4: "Connection set-up latency",
    5: "Scale and memory",
    6: "The physical limits",
    7: "The official client",
    8: "SSH without fixed ports: gatewayctl connect and gatewayd -W",
}


class NotRun(Exception):
    """The scenario cannot run in this build or environment."""


class NoSsm(NotRun):
    """gatewayd genuinely has no ssm forwarder (gatewayd -n refuses one)."""


class Failed(Exception):
    """The scenario broke: a tool or a daemon failed."""


def median_spread(values):
    """Median, min, max of a non-empty list."""
    return statistics.median(values), min(values), max(values)


def read_proc_cpu(pid):
    """CPU seconds of a process (all its live threads), in nanoseconds'
    resolution from /proc/PID/task/*/schedstat (time on a CPU); else
    user + system from /proc/PID/stat, in the kernel's ticks, which a
    smoke-sized transfer through a fast path can stay below (32 MiB
    through the tcp forward with large loopback buffers measured 0)."""
    total, seen = 0, False
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
                seen = True
    except (OSError, ValueError, IndexError):
        seen = False
    if seen:
        return total / 1e9
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    fields = text[text.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime is field 14, stime field 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def read_proc_status(pid, name):
    """A kB field of /proc/PID/status (VmRSS, VmHWM) in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    raise Failed(f"pid {pid}: no {name} in /proc/{pid}/status")


def read_ctxt(pid):
    """Context switches of a process, voluntary and involuntary, summed
    over its live threads (/proc/PID/task/*/status): each is a wake-up,
    a sleep ended or a preemption."""
    n = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches:",
                                        "nonvoluntary_ctxt_switches:")):
                        n += int(line.split()[1])
        except OSError:
            pass    # a thread that ended meanwhile
    return n


def kv_line(text, prefix):
    """The name=value pairs of the first line starting with prefix."""
    for line in text.splitlines():
        if line.startswith(prefix):
            return dict(w.split("=", 1) for w in line.split()[1:]
                        if "=" in w)
    raise Failed(f"no '{prefix}' line in: {text.strip()[:300]}")


def free_ports(n):
    """n distinct free TCP ports on 127.0.0.1, bound together, released."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class Lines:
    """Line reader on a child's stdout with deadlines."""

    def __init__(self, proc, what):
        self.proc = proc
        self.what = what
        self.buf = b""

    def read(self, timeout):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failed(f"{self.what}: no answer in {timeout:.0f}s")
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            data = os.read(fd, 4096)
            if not data:
                raise Failed(f"{self.what}: exited (status "
                             f"{self.proc.poll()})")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()


class Bench:
    """One run: the environment, the processes started, the figures."""

    def __init__(self, args):
        self.args = args
        self.smoke = args.smoke
        self.src = args.top_srcdir
        self.build = args.top_builddir
        self.out = args.out
        self.data = os.path.join(self.out, "data")
        self.reps = args.reps or (1 if self.smoke else 5)
        # Forwards configured for the idle RSS figure (half of them for
        # the warm sessions and held connections): the smoke run only
        # walks the code path.
        self.nfwd = 20 if self.smoke else 200
        # perf runs once in a smoke run (the first caller), for every
        # caller in a full one.
        self.perf_done = None
        self.procs = []
        self.values = {}        # key -> {"median", "min", "max", "n"}
        self.notes = {}         # key -> "not run: ..." / "failed: ..."
        self.scen_status = {}   # scenario -> "ok" / "not run: " / ...
        self.scen_notes = {s: [] for s in SCENARIOS}
        self.failed = False
        self.tmp = tempfile.mkdtemp(prefix="gwbench.", dir="/tmp")
        self.bin = {
            "gatewayd": f"{self.build}/gatewayd/gatewayd",
            "gatewayctl": f"{self.build}/gatewayd/gatewayctl",
            "awsemu": f"{self.build}/tests/awsemu/awsemu",
            "server": f"{self.build}/tests/bench/bench_server",
            "client": f"{self.build}/tests/bench/bench_client",
            "hold": f"{self.build}/tests/bench/bench_hold",
        }
        if args.awsemu:
            self.bin["awsemu"] = os.path.abspath(args.awsemu)
        for name, path in self.bin.items():
            if not os.access(path, os.X_OK):
                sys.exit(f"bench: no {name} at {path}: run make first")
        self.nofile = self.raise_nofile()
        self.counter = 0
        self.latency_samples = {}   # path -> sorted samples (us)
        self.sessions_series = {}   # series -> [(conns, med, lo, hi)]
        self.memory_series = {}     # series -> [(conns, rss KiB)]
        self.profiles = {}          # what was profiled -> (scen, lines)
        self.msgs_source = set()    # "awsemu", "bytes": how msgs counted
        self.deadline = time.monotonic() + args.budget

    # ---- processes -------------------------------------------------

    def raise_nofile(self):
        """As many descriptors as allowed: 10,000 connections need ~3 a
        piece over the processes, and each process has its own limit."""
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = 65536
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(want,
                                                                  hard)))
        except (ValueError, OSError):
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            except (ValueError, OSError):
                pass
        return resource.getrlimit(resource.RLIMIT_NOFILE)[0]

    def path(self, name):
        return os.path.join(self.tmp, name)

    def spawn(self, argv, name, stdin=None, stdout=None, env=None):
        """Start a process, logging to TMP/name.log; it is stopped at the
        end of the run if not before."""
        log = open(self.path(name + ".log"), "ab")
        if stdout is None:
            stdout = log
        proc = subprocess.Popen(argv, stdin=stdin, stdout=stdout,
                                stderr=log, env=env or self.env())
        log.close()
        proc.bench_name = name
        self.procs.append(proc)
        return proc

    def stop(self, proc, want_clean=False):
        """SIGTERM, then SIGKILL after 10 s; by pid, never by name."""
        if proc not in self.procs:
            return
        self.procs.remove(proc)
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for f in (proc.stdin, proc.stdout):
            if f is not None:
                f.close()
        if want_clean and proc.returncode != 0:
            raise Failed(f"{proc.bench_name} exited with status "
                         f"{proc.returncode}: {self.log_tail(proc)}")

    def stop_all(self):
        for proc in list(self.procs):
            self.stop(proc)

    def log_size(self, name):
        try:
            return os.path.getsize(self.path(name + ".log"))
        except OSError:
            return 0

    def absent_in_log(self, name, since):
        """What a daemon said is not in its build (gatewayd's ssm
        forwarder without its data channel ends every session with "the
        data channel is not in this build"), in what it logged after
        since; None if it said nothing of the kind."""
        try:
            with open(self.path(name + ".log"), "rb") as f:
                f.seek(since)
                text = f.read().decode(errors="replace")
        except OSError:
            return None
        m = re.search(r"^.*: ([^:]*is not in this build)$", text, re.M)
        if m is None:
            return None
        return f"{m.group(1)} (gatewayd: {redact(m.group(0))[-200:]})"

    def log_tail(self, proc, n=5):
        """The last lines a process logged, for a message in the report:
        tokens, stream URLs and signatures taken out."""
        try:
            with open(self.path(proc.bench_name + ".log"), "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
            return redact(" | ".join(lines[-n:]))[-600:]
        except OSError:
            return ""

    def env(self):
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS",
                       "detect_leaks=1:quarantine_size_mb=16")
        return env

    def wait_file(self, path, proc, what, timeout=20):
        deadline = time.monotonic() + timeout
        while not (os.path.exists(path) and os.path.getsize(path) > 0):
            if proc.poll() is not None:
                raise Failed(f"{what} exited at start: "
                             f"{self.log_tail(proc)}")
            if time.monotonic() > deadline:
                raise Failed(f"{what}: not ready in {timeout}s")
            time.sleep(0.05)

    def run(self, argv, what, timeout, env=None):
        """Run a tool to completion; its stdout, or Failed."""
        try:
            r = subprocess.run(argv, capture_output=True, text=True,
                               timeout=timeout, env=env or self.env())
        except subprocess.TimeoutExpired:
            raise Failed(f"{what}: did not finish in {timeout}s")
        if r.returncode != 0:
            raise Failed(f"{what}: exit {r.returncode}: "
                         f"{(r.stderr or r.stdout).strip()[:400]}")
        return r.stdout

    def budget_left(self):
        return self.deadline - time.monotonic()

    # ---- servers, gatewayd, awsemu ---------------------------------

    def server(self, mode):
        """A bench_server; returns (proc, port)."""
        self.counter += 1
        portfile = self.path(f"server{self.counter}.port")
        proc = self.spawn([self.bin["server"], "-l", "127.0.0.1:0", "-m",
                           mode, "-P", portfile], f"server-{mode}")
        self.wait_file(portfile, proc, f"bench_server -m {mode}")
        with open(portfile) as f:
            return proc, int(f.read())

    def gatewayd(self, forwards, gateway_keys=(), name="gatewayd",
                 env=None):
        """gatewayd with the given forwards, each a dict of keys (name
        and listen included); waits until its control socket answers."""
        self.counter += 1
        control = self.path(f"gw{self.counter}.sock")
        conf = self.path(f"gw{self.counter}.conf")
        lines = ["[gateway]", f"control = {control}"]
        lines += [f"{k} = {v}" for k, v in gateway_keys]
        for fw in forwards:
            lines += ["", f'[forward "{fw["name"]}"]']
            lines += [f"{k} = {v}" for k, v in fw.items() if k != "name"]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        proc = self.spawn([self.bin["gatewayd"], "-f", conf], name, env=env)
        proc.control = control
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise Failed(f"gatewayd exited at start: "
                             f"{self.log_tail(proc)}")
            r = subprocess.run([self.bin["gatewayctl"], "-s", control,
                                "status"], capture_output=True)
            if r.returncode == 0:
                return proc
            if time.monotonic() > deadline:
                raise Failed("gatewayd: control socket not answering in "
                             "30s")
            time.sleep(0.02)

    def gatewayd_accepts(self, forward_keys, gateway_keys=()):
        """Whether this build's gatewayd -n takes a forward with these
        keys; (True, "") or (False, its first error)."""
        conf = self.path("probe.conf")
        lines = ["[gateway]", f"control = {self.path('probe.sock')}"]
        lines += [f"{k} = {v}" for k, v in gateway_keys]
        lines += ["", '[forward "probe"]', "listen = 127.0.0.1:1"]
        lines += [f"{k} = {v}" for k, v in forward_keys]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        r = subprocess.run([self.bin["gatewayd"], "-n", "-f", conf],
                           capture_output=True, text=True)
        if r.returncode == 0:
            return True, ""
        err = (r.stderr or r.stdout).strip().splitlines()
        return False, err[0] if err else f"exit {r.returncode}"

    def tcp_forwards(self, n, port, prefix="t"):
        ports = free_ports(n)
        return [{"name": f"{prefix}{i}", "listen": f"127.0.0.1:{p}",
                 "forwarder": "tcp", "target": "127.0.0.1",
                 "remote_port": str(port)} for i, p in enumerate(ports)]

    # ---- figures ---------------------------------------------------

    def put(self, key, values):
        """Record a figure from its repetitions (a number or a list)."""
        if key not in FIGS:
            raise KeyError(key)
        if not isinstance(values, (list, tuple)):
            values = [values]
        med, lo, hi = median_spread(values)
        self.values[key] = {"median": med, "min": lo, "max": hi,
                            "n": len(values)}

    def get(self, key):
        v = self.values.get(key)
        return None if v is None else v["median"]

    def note(self, scen, text):
        self.scen_notes[scen].append(text)

    def log(self, text):
        print(f"bench: {text}", flush=True)

    # ---- parts: a piece of a scenario and the figures it fills ------

    def part(self, scen, prefixes, func):
        """Run func; if it cannot run or breaks, say so on every figure
        it would have filled (keys starting with one of prefixes)."""
        keys = [f["key"] for f in FIGURES
                if any(f["key"].startswith(p) for p in prefixes)]
        said = None
        since = self.log_size("gatewayd")
        t0 = time.monotonic()
        if self.budget_left() <= 0:
            reason = "not run: the run's time budget was spent"
        else:
            try:
                func()
                self.log(f"scenario {scen}: {', '.join(prefixes)}: "
                         f"{time.monotonic() - t0:.1f} s")
                return
            except NoSsm as e:
                reason = f"not run: {e}"
                said = "skipped: ssm forwarder not in this build"
            except NotRun as e:
                reason = f"not run: {e}"
            except Failed as e:
                reason = f"failed: {e}"
            finally:
                self.stop_all()
            absent = self.absent_in_log("gatewayd", since)
            if reason.startswith("failed: ") and absent:
                reason = f"not run: {absent}"
            elif reason.startswith("failed: "):
                self.failed = True
        self.log(f"scenario {scen}: {', '.join(prefixes)}: "
                 f"{said or reason}")
        self.note(scen, f"{', '.join(p.rstrip('.') for p in prefixes)}: "
                  f"{reason}")
        for k in keys:
            if k not in self.values:
                self.notes[k] = reason

    # ---- measurements ----------------------------------------------

    def bulk(self, addr, direction, nbytes, conns=1, pids=(), emu=None):
        """One bench_client bulk run; the daemons' CPU seconds and
        context switches around it from the kernel's accounting, and
        with emu the agent messages it moved (awsemu's count; None if
        this awsemu does not count them)."""
        # A stalled transfer must not eat the run: 30 s is ample for
        # the smoke sizes.
        timeout = max(10, min(30 if self.smoke else 600,
                              int(self.budget_left())))
        msgs0 = self.emu_msgs(emu, direction) if emu else None
        before = {p: (read_proc_cpu(p), read_ctxt(p)) for p in pids}
        out = self.run([self.bin["client"], "bulk", "-c", addr, "-d",
                        direction, "-n", str(nbytes), "-C", str(conns),
                        "-t", str(timeout)],
                       f"bench_client bulk {direction} {addr}", timeout + 10)
        after = {p: (read_proc_cpu(p), read_ctxt(p)) for p in pids}
        msgs1 = self.emu_msgs(emu, direction) if emu else None
        r = kv_line(out, "bulk ")
        return {"mibps": float(r["mibps"]), "secs": float(r["secs"]),
                "bytes": int(r["bytes"]), "client_cpu": float(r["cpu_s"]),
                "cpu": {p: after[p][0] - before[p][0] for p in pids},
                "csw": {p: after[p][1] - before[p][1] for p in pids},
                "msgs": msgs1 - msgs0 if msgs0 is not None and
                msgs1 is not None and msgs1 > msgs0 else None}

    def emu_msgs(self, emu, direction):
        """Agent messages awsemu's sessions moved so far in a direction:
        sent by the agent (down) or by the client (up); None if its
        state has no such counters."""
        field = "msgs_out" if direction == "down" else "msgs_in"
        try:
            return sum(s["agent"][field] for s in
                       self.emu_state_json(emu)["sessions"]["list"]
                       if "agent" in s)
        except (KeyError, TypeError):
            return None

    def messages(self, r):
        """Agent messages of a bulk run: awsemu's count, else its bytes
        over PACE_CHUNK (which the report then says)."""
        if r.get("msgs"):
            self.msgs_source.add("awsemu")
            return r["msgs"]
        self.msgs_source.add("bytes")
        return math.ceil(r["bytes"] / PACE_CHUNK)

    def put_per_message(self, key, runs, pid):
        """key.msgs, key.wake, key.usmsg from bulk runs with emu and pid."""
        msgs = [self.messages(r) for r in runs]
        self.put(f"{key}.msgs", msgs)
        self.put(f"{key}.wake", [r["csw"][pid] / n for r, n in
                                 zip(runs, msgs)])
        self.put(f"{key}.usmsg", [r["cpu"][pid] * 1e6 / n for r, n in
                                  zip(runs, msgs)])

    def size_for(self, addr, direction, secs, lo, hi, conns=1, pids=()):
        """Bytes per connection for a run of about secs: a probe of lo
        bytes (which also warms up) gives the rate."""
        probe = self.bulk(addr, direction, lo, conns, pids)
        rate = probe["bytes"] / max(probe["secs"], 1e-6)
        n = int(rate * secs / conns) // MIB * MIB
        return max(lo, min(hi, n))

    def throughput(self, addr, direction, pid, secs, lo, hi, conns=1,
                   reps=None, pids=(), emu=None):
        """Repeated bulk runs: (MiB/s list, daemon CPU s per GiB list,
        runs); with emu each run counts its agent messages."""
        pids = tuple(pids) + ((pid,) if pid else ())
        n = lo if self.smoke else self.size_for(addr, direction, secs, lo,
                                                hi, conns, pids)
        runs = [self.bulk(addr, direction, n, conns, pids, emu)
                for _ in range(reps or self.reps)]
        mibps = [r["mibps"] for r in runs]
        cpu = [r["cpu"][pid] / (r["bytes"] / GIB) for r in runs] \
            if pid else []
        return mibps, cpu, runs

    def latency(self, addr, name):
        """Repeated latency runs: p50 and p99 lists (us); keeps the
        samples of the run with the median p99 for the plot."""
        count = 100 if self.smoke else 10000
        warm = 5 if self.smoke else 100
        limit = 30 if self.smoke else 300
        p50, p99, files = [], [], []
        for i in range(self.reps):
            f = self.path(f"lat-{name}-{i}.txt")
            out = self.run([self.bin["client"], "latency", "-c", addr, "-N",
                            str(count), "-w", str(warm), "-o", f, "-t",
                            str(limit)], f"bench_client latency {name}",
                           limit + 20)
            r = kv_line(out, "latency ")
            p50.append(float(r["p50_us"]))
            p99.append(float(r["p99_us"]))
            files.append((float(r["p99_us"]), f))
        files.sort()
        with open(files[len(files) // 2][1]) as fh:
            self.latency_samples[name] = sorted(float(x) for x in fh)
        return p50, p99

    def perf_usable(self):
        """None if perf can count and sample here, else why not."""
        if not hasattr(self, "_perf"):
            if shutil.which("perf") is None:
                self._perf = "no perf on PATH (Debian: linux-perf)"
            else:
                r = subprocess.run(["perf", "stat", "-x,", "-e",
                                    "raw_syscalls:sys_enter", "true"],
                                   capture_output=True, text=True)
                self._perf = None if r.returncode == 0 else \
                    "perf cannot count here: " + \
                    (r.stderr.strip().splitlines() or ["?"])[-1][:120]
        return self._perf

    def perf_once(self, kind, what):
        """None if perf may run for what; in a smoke run only the first
        use of each kind (syscall count, profile) runs."""
        if not self.smoke:
            return None
        if self.perf_done is None:
            self.perf_done = {}
        if kind not in self.perf_done:
            self.perf_done[kind] = what
            return None
        return f"the smoke run uses perf once ({self.perf_done[kind]})"

    def perf_attach(self, pid, argv, name):
        """perf attached to pid; stopped by perf_detach."""
        proc = self.spawn(["perf"] + argv + ["-p", str(pid)], name,
                          stdout=subprocess.DEVNULL)
        time.sleep(0.2 if self.smoke else 0.5)
        if proc.poll() is not None:
            raise Failed(f"perf exited: {self.log_tail(proc)}")
        return proc

    def perf_detach(self, proc):
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            raise Failed("perf did not stop in 60s")
        self.procs.remove(proc)

    def count_syscalls(self, pid, key, func, msg_key=None):
        """Syscalls per MiB of pid while func moves bytes (one extra run
        under perf stat), into figure key; per agent message into
        msg_key."""
        why = self.perf_usable() or self.perf_once("count", key)
        if why:
            self.notes[key] = f"not run: {why}"
            if msg_key:
                self.notes[msg_key] = f"not run: {why}"
            return
        out = self.path(f"perfstat{self.counter}.txt")
        self.counter += 1
        perf = self.perf_attach(pid, ["stat", "-x,", "-e",
                                      "raw_syscalls:sys_enter", "-o", out],
                                "perf-stat")
        r = func()
        self.perf_detach(perf)
        with open(out) as f:
            m = re.search(r"^([0-9]+),,raw_syscalls:sys_enter", f.read(),
                          re.M)
        if m is None:
            raise Failed("perf stat gave no count")
        self.put(key, int(m.group(1)) / (r["bytes"] / MIB))
        if msg_key:
            self.put(msg_key, int(m.group(1)) / self.messages(r))

    def profile(self, pid, label, func, scen=1):
        """Sample pid with perf record while func runs (one extra run);
        keep the top shared objects and symbols for the report."""
        why = self.perf_usable() or self.perf_once("profile", label)
        if why:
            self.profiles[label] = (scen, [f"not profiled: {why}"])
            return
        data = self.path(f"perf{self.counter}.data")
        self.counter += 1
        perf = self.perf_attach(pid, ["record", "-q", "-F", "499", "-g",
                                      "-o", data], "perf-record")
        func()
        self.perf_detach(perf)
        lines = []
        sorts = (("dso", "2"), ("sym", "1.5"))
        for sort, limit in sorts[:1] if self.smoke else sorts:
            r = subprocess.run(["perf", "report", "-i", data, "--stdio",
                                "--no-children", "-g", "none", "--sort",
                                sort, "--percent-limit", limit],
                               capture_output=True, text=True, timeout=120)
            rows = [ln.strip() for ln in r.stdout.splitlines()
                    if ln.strip() and not ln.startswith("#")]
            lines.append(f"by {'shared object' if sort == 'dso' else 'symbol'}"
                         f" (>= {limit}%): " + "; ".join(
                             re.sub(r"\s+", " ", x) for x in rows[:12]))
        self.profiles[label] = (scen, lines)

    def settle_rss(self, pid, wait=0.5):
        time.sleep(0 if self.smoke else wait)
        return read_proc_status(pid, "VmRSS")

    # ---- scenario 6: the physical limits (first: the others compare) -

    def openssl_speed(self, alg):
        secs = 1 if self.smoke else 3
        rates = []
        for _ in range(1 if self.smoke else 3):
            out = self.run(["openssl", "speed", "-mr", "-seconds",
                            str(secs), "-bytes", "1024", "-evp", alg],
                           f"openssl speed {alg}", 60)
            m = re.search(r"^\+F:\d+:[^:]+:([0-9.]+)", out, re.M)
            if m is None:
                raise Failed(f"openssl speed {alg}: no +F line: "
                             f"{out.strip()[:200]}")
            rates.append(float(m.group(1)) / MB)
        return rates

    def scen6_crypto(self):
        if shutil.which("openssl") is None:
            raise NotRun("no openssl on PATH")
        algs = ("sha256", "aes-256-gcm")
        if self.smoke:
            # Side by side: the figures mean nothing, the second counts.
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                rates = list(pool.map(self.openssl_speed, algs))
        else:
            rates = [self.openssl_speed(a) for a in algs]
        self.put("s6.sha256", rates[0])
        self.put("s6.aes", rates[1])
        # MB/s is bytes per microsecond.
        self.put("s6.limit.msg", PACE_CHUNK / self.get("s6.sha256") +
                 PACE_CHUNK / self.get("s6.aes"))

    def scen6_floor(self):
        """The least CPU per message any receiver spends on this
        machine (bench_client floor): woken by a timer every
        FLOOR_HOLD_MS for FLOOR_MSGS messages, as gatewayd's holds settle
        (docs/data-path.md), and never sleeping."""
        for key, hold, n in (("paced", FLOOR_HOLD_MS, 150),
                             ("unpaced", 0, 2000)):
            if self.smoke:
                n = 5
            got = []
            for _ in range(1 if self.smoke else 3):
                out = self.run([self.bin["client"], "floor", "-N", str(n),
                                "-m", str(FLOOR_MSGS), "-h", str(hold)],
                               f"bench_client floor {key}", 60)
                got.append(float(kv_line(out, "floor ")["us_per_msg"]))
            self.put(f"s6.floor.{key}", got)

    def scen6_loopback(self):
        lo, hi = (4 * MIB, 4 * MIB) if self.smoke else (256 * MIB, 4 * GIB)
        send, recv = [], []
        for d, mode in (("down", "source"), ("up", "sink")):
            srv, port = self.server(mode)
            mibps, cpu, runs = self.throughput(f"127.0.0.1:{port}", d,
                                               srv.pid, 2, lo, hi)
            self.put(f"s6.loop.{d}", mibps)
            client = [r["client_cpu"] / (r["bytes"] / GIB) for r in runs]
            if d == "down":
                send += cpu
                recv += client
            else:
                send += client
                recv += cpu
            self.stop(srv)
        self.put("s6.loop.send_cpu", send)
        self.put("s6.loop.recv_cpu", recv)
        calls = []
        for _ in range(3):
            out = self.run([self.bin["client"], "syscall", "-N",
                            "100000" if self.smoke else "2000000"],
                           "bench_client syscall", 60)
            calls.append(float(kv_line(out, "syscall ")["ns"]))
        self.put("s6.syscall", calls)

    # Bytes on the wire per 1 KiB Output message: the agent message
    # header (116 + the 4-byte payload length), the WebSocket header with
    # its mask key; and the acknowledge that answers it (header and a
    # ~150-byte JSON payload). TLS record overhead is left out (16 KiB
    # records carry many messages).
    MODEL_PAYLOAD = 1024
    MODEL_WIRE = 1024 + 120 + 8
    MODEL_ACK_JSON = 150
    MODEL_ACK = 120 + 150 + 8

    def model(self):
        """The per-core limits the measured costs imply (MiB/s), or
        None where an input is missing."""
        sha, aes = self.get("s6.sha256"), self.get("s6.aes")
        cs, cr = self.get("s6.loop.send_cpu"), self.get("s6.loop.recv_cpu")
        if cs is None or cr is None:
            return None, None
        copy = (cs + cr) / 2 / GIB          # CPU s per byte, one way
        relay = 1 / (2 * copy) / MIB
        if sha is None or aes is None:
            return relay, None
        t = ((self.MODEL_PAYLOAD + self.MODEL_WIRE + self.MODEL_ACK) * copy
             + (self.MODEL_PAYLOAD + self.MODEL_ACK_JSON) / (sha * MB)
             + (self.MODEL_WIRE + self.MODEL_ACK) / (aes * MB))
        return relay, self.MODEL_PAYLOAD / t / MIB

    def scen6_model(self):
        relay, ssm = self.model()
        if relay is None:
            raise NotRun("the loopback figures are missing")
        self.put("s6.limit.tcp", relay)
        tcp = [self.values.get(f"s1.tcp.{d}.cpu") for d in ("down", "up")]
        if any(v and v["median"] <= 0 for v in tcp):
            raise Failed("the tcp forward's CPU time was 0 (below the "
                         "kernel's tick): scenario 1's size is too small")
        if all(tcp):
            per_core = [1024 / v["median"] for v in tcp]
            self.put("s6.tcp.frac", [100 * p / relay for p in per_core])
        else:
            self.notes["s6.tcp.frac"] = self.notes.get(
                "s1.tcp.down.cpu", "not run: scenario 1 was not run")
        if ssm is None:
            raise NotRun("the openssl speed figures are missing")
        self.put("s6.limit.ssm", ssm)
        for d in ("down", "up"):
            v = self.values.get(f"s1.mux.{d}.cpu")
            if v is not None and v["median"] <= 0:
                self.notes[f"s6.mux.{d}.frac"] = "not run: gatewayd's CPU " \
                    "time was 0 (below the kernel's tick)"
                continue
            if v is None:
                self.notes[f"s6.mux.{d}.frac"] = self.notes.get(
                    f"s1.mux.{d}.cpu", "not run: scenario 1 was not run")
                continue
            self.put(f"s6.mux.{d}.frac", 100 * 1024 / v["median"] / ssm)

    # ---- scenario 1: one connection, unpaced ---------------------------

    def scen1_tcp(self):
        # Scenario 6 divides by the daemon's CPU time for this size:
        # read_proc_cpu counts it in nanoseconds, so the smoke size is
        # enough however few system calls the transfer takes.
        lo, hi = (32 * MIB, 32 * MIB) if self.smoke else (256 * MIB, 4 * GIB)
        src, src_port = self.server("source")
        sink, sink_port = self.server("sink")
        fws = self.tcp_forwards(1, src_port, "down") + \
            self.tcp_forwards(1, sink_port, "up")
        gw = self.gatewayd(fws)
        self.one_connection(gw, fws, "tcp", "tcp forward", lo, hi)
        self.stop(gw, want_clean=True)

    def one_connection(self, gw, fws, key, label, lo, hi, emu=None):
        """Scenario 1 through fws (a download and an upload forward):
        throughput, daemon CPU, how busy it and awsemu were, syscalls, a
        profile."""
        # Issue 16's figures are the mux's: its runs count messages.
        count = emu if key == "mux" else None
        for fw, d in zip(fws, ("down", "up")):
            mibps, cpu, runs = self.throughput(
                fw["listen"], d, gw.pid, 2, lo, hi,
                pids=(emu.pid,) if emu else (), emu=count)
            self.put(f"s1.{key}.{d}", mibps)
            self.put(f"s1.{key}.{d}.cpu", cpu)
            if count:
                self.put(f"s1.{key}.{d}.cpu100",
                         [c * (100 * MB) / GIB for c in cpu])
                self.put_per_message(f"s1.{key}.{d}", runs, gw.pid)
            self.put(f"s1.{key}.{d}.busy", [100 * r["cpu"][gw.pid] /
                                            r["secs"] for r in runs])
            if emu:
                self.put(f"s1.{key}.{d}.emu", [100 * r["cpu"][emu.pid] /
                                               r["secs"] for r in runs])
            n = runs[0]["bytes"]
            again = lambda: self.bulk(fw["listen"], d, n, emu=count)
            self.count_syscalls(gw.pid, f"s1.{key}.{d}.sys", again,
                                f"s1.{key}.{d}.sysmsg" if count else None)
            self.profile(gw.pid, f"{label}, {d}load", again)

    # ---- scenario 3, the tcp reference -------------------------------

    def scen3_tcp(self):
        lo, hi = (MIB, MIB) if self.smoke else (64 * MIB, 2 * GIB)
        src, port = self.server("source")
        fws = self.tcp_forwards(1, port)
        gw = self.gatewayd(fws)
        series = []
        for c in (1, 2, 4, 8):
            mibps, _, _ = self.throughput(fws[0]["listen"], "down", gw.pid,
                                          2, lo, hi, conns=c,
                                          reps=min(self.reps, 3))
            self.put(f"s3.tcp.c{c}", mibps)
            series.append((c,) + median_spread(mibps))
        self.sessions_series["tcp forward (unpaced)"] = series
        self.stop(gw, want_clean=True)

    # ---- scenario 4: set-up latency ------------------------------------

    def scen4_tcp(self):
        echo, port = self.server("echo")
        p50, p99 = self.latency(f"127.0.0.1:{port}", "direct")
        self.put("s4.direct.p50", p50)
        self.put("s4.direct.p99", p99)
        fws = self.tcp_forwards(1, port)
        gw = self.gatewayd(fws)
        p50, p99 = self.latency(fws[0]["listen"], "tcp")
        self.put("s4.tcp.p50", p50)
        self.put("s4.tcp.p99", p99)
        self.stop(gw, want_clean=True)

    # ---- scenario 5: scale and memory ----------------------------------

    def idle_forwards_rss(self, forwards_of, key, start=None):
        """RSS (MiB) of gatewayd with self.nfwd forwards (200) and
        nothing else."""
        rss = []
        for _ in range(min(self.reps, 3)):
            gw = (start or self.gatewayd)(forwards_of())
            rss.append(self.settle_rss(gw.pid, 1.0) / 1024)
            self.stop(gw, want_clean=True)
        self.put(key, rss)

    def scale_sizes(self, per_conn_fds):
        """Connections to hold and the step, bounded by the fd limit of
        one process (gatewayd needs per_conn_fds a connection)."""
        total, step = (100, 50) if self.smoke else (10000, 1000)
        room = (self.nofile - 200) // per_conn_fds // 50 * 50
        if room < total:
            self.note(5, f"RLIMIT_NOFILE is {self.nofile} and cannot be "
                      f"raised here: gatewayd, needing {per_conn_fds} "
                      f"descriptors a connection, held {room}, not {total}")
            total = room
        return total, step

    def hold(self, name, gw, addrs, per_conn_fds):
        """Step bench_hold connections up to the total over addrs,
        reading gatewayd's RSS at every step; then some echo at once.
        Fills s5.NAME.{conn,held,rss_held,active,active_rate}."""
        total, step = self.scale_sizes(per_conn_fds)
        rss0 = self.settle_rss(gw.pid)
        points = [(0, rss0)]
        holders, held = [], 0
        while held < total:
            n = min(step, total - held)
            args = [self.bin["hold"], "-C", str(n), "-t", "120"]
            for a in addrs:
                args += ["-c", a]
            h = self.spawn(args, f"hold-{name}", stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE)
            h.lines = Lines(h, "bench_hold")
            holders.append(h)
            r = kv_line(h.lines.read(150), "up ")
            held += int(r["ok"])
            if int(r["failed"]) != 0:
                self.note(5, f"{name}: {r['failed']} of {n} "
                          "connections failed to open")
                break
            points.append((held, self.settle_rss(gw.pid, 0.3)))
        self.memory_series[SERIES[name]] = points
        n = len(points)
        mx = sum(p[0] for p in points) / n
        my = sum(p[1] for p in points) / n
        var = sum((p[0] - mx) ** 2 for p in points)
        slope = sum((p[0] - mx) * (p[1] - my) for p in points) / var \
            if var else 0
        self.put(f"s5.{name}.conn", slope)
        self.put(f"s5.{name}.held", held)
        self.put(f"s5.{name}.rss_held", points[-1][1] / 1024)
        k, nbytes = (50, 4096) if self.smoke else (1000, 65536)
        holders[0].stdin.write(f"active {min(k, step)} {nbytes}\n".encode())
        holders[0].stdin.flush()
        r = kv_line(holders[0].lines.read(300), "active ")
        self.put(f"s5.{name}.active", int(r["ok"]))
        self.put(f"s5.{name}.active_rate",
                 int(r["ok"]) * nbytes / max(float(r["secs"]), 1e-6) / MIB)
        lost = 0
        for h in holders:
            h.stdin.write(b"quit\n")
            h.stdin.flush()
            lost += int(kv_line(h.lines.read(60), "closed ")["lost"])
            self.stop(h)
        if lost:
            self.note(5, f"{name}: {lost} idle connections were closed by "
                      "the far side while held")

    def scen5_tcp(self):
        echo, port = self.server("echo")
        self.idle_forwards_rss(lambda: self.tcp_forwards(self.nfwd, port),
                               "s5.tcp.fwd200")
        fws = self.tcp_forwards(self.nfwd // 2, port)
        gw = self.gatewayd(fws)
        self.hold("tcp", gw, [f["listen"] for f in fws], 2)
        self.stop(gw, want_clean=True)

    # ---- the ssm forwarder and awsemu's agent side -----------------------

    def need_agent(self):
        """NotRun unless awsemu has the agent side of the data channel."""
        r = subprocess.run([self.bin["awsemu"], "-h"], capture_output=True,
                           text=True)
        if "pace_us" not in r.stdout + r.stderr:
            raise NotRun("awsemu's agent side (the data channel) is not "
                         "in this build")

    def need_ssm(self):
        """NotRun unless gatewayd has the ssm forwarder and awsemu the
        agent side of the data channel."""
        ok, err = self.gatewayd_accepts(
            [("forwarder", "ssm"), ("target", MUX_ID), ("remote_port", "22")])
        if not ok and re.search(r'forwarder "ssm" is not available', err):
            raise NoSsm("the ssm forwarder is not in this build "
                        f"(gatewayd -n: {strip_conf(err)})")
        if not ok:
            raise Failed("gatewayd -n refuses the harness's ssm forward: "
                         f"{strip_conf(err)}")
        self.need_agent()

    def need_striping(self):
        self.need_ssm()
        ok, err = self.gatewayd_accepts(
            [("forwarder", "ssm"), ("target", MUX_ID), ("remote_port", "22"),
             ("max_sessions", "8")])
        if not ok:
            raise NotRun("striping (max_sessions) is not in this build "
                         f"(gatewayd -n: {strip_conf(err)})")

    def emu(self, ports, knobs=()):
        """awsemu over TLS with a mux and a basic-mode instance whose
        remote ports map to ports ({remote: local}); its proc gets .url;
        self.aws_env is the environment that points AWS clients at it
        and nothing else."""
        ca = self.path("ca")
        if not os.path.exists(os.path.join(ca, "ca.pem")):
            self.run(["sh", f"{self.src}/tests/awsemu/mkca.sh", ca],
                     "mkca.sh", 60)
        dial = {str(r): f"127.0.0.1:{p}" for r, p in ports.items()}
        world = {"instances": [
            {"id": MUX_ID, "agent_version": "3.3.987.0", "ports": dial},
            {"id": BASIC_ID, "agent_version": "3.0.161.0", "ports": dial}]}
        self.counter += 1
        wfile = self.path(f"world{self.counter}.json")
        pfile = self.path(f"emu{self.counter}.json")
        with open(wfile, "w") as f:
            json.dump(world, f)
        argv = [self.bin["awsemu"], "--tls-cert", f"{ca}/server.pem",
                "--tls-key", f"{ca}/server.key", "--port-file", pfile,
                "--world", wfile]
        for k, v in knobs:
            argv += ["--knob", f"{k}={v}"]
        proc = self.spawn(argv, "awsemu")
        self.wait_file(pfile, proc, "awsemu")
        with open(pfile) as f:
            p = json.load(f)
        proc.url = f"https://127.0.0.1:{p['https']}"
        proc.admin = f"http://127.0.0.1:{p['http']}/_emu"
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("AWS_") and k.lower() not in
               ("https_proxy", "http_proxy", "all_proxy")}
        home = self.path("home")
        os.makedirs(home, exist_ok=True)
        env.update({
            "AWS_ACCESS_KEY_ID": EMU_AKID,
            "AWS_SECRET_ACCESS_KEY": EMU_SECRET,
            "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_CA_BUNDLE": f"{ca}/ca.pem", "SSL_CERT_FILE": f"{ca}/ca.pem",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": self.path("aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": self.path("aws-credentials"),
            "AWS_PAGER": "", "HOME": home})
        env.setdefault("ASAN_OPTIONS",
                       "detect_leaks=1:quarantine_size_mb=16")
        self.aws_env = env
        return proc

    def ssm_gateway_keys(self, emu):
        keys = [("region", "us-east-1"), ("endpoint_url", emu.url),
                ("ca_bundle", self.aws_env["AWS_CA_BUNDLE"])]
        # awsemu's StreamUrl is wss://127.0.0.1:...; the data channel
        # takes a loopback host only when plain WebSockets are allowed
        # (it still speaks TLS to a wss:// URL). A build without the key
        # is tried as it is.
        plain = ("allow_plain_websocket", "yes")
        if self.gatewayd_accepts([("forwarder", "tcp"),
                                  ("target", "127.0.0.1"),
                                  ("remote_port", "7")], [plain])[0]:
            keys.append(plain)
        return keys

    def ssm_forwards(self, n, target, remote_port, prefix, extra=()):
        # bench_server closes after the client's EOF, which smux cannot
        # pass on: with a half_close_timeout every finished connection
        # would linger that long in gatewayd (and hold up its exit). The
        # plugin ends a stream at once; so does the harness.
        if not hasattr(self, "_half_close"):
            self._half_close = self.gatewayd_accepts(
                [("forwarder", "ssm"), ("target", MUX_ID),
                 ("remote_port", "22"), ("half_close_timeout", "0")])[0]
        if self._half_close:
            extra = [("half_close_timeout", "0")] + list(extra)
        return [dict([("name", f"{prefix}{i}"),
                      ("listen", f"127.0.0.1:{p}"), ("forwarder", "ssm"),
                      ("target", target), ("remote_port", str(remote_port))]
                     + list(extra))
                for i, p in enumerate(free_ports(n))]

    def ssm_gatewayd(self, emu, forwards):
        return self.gatewayd(forwards, self.ssm_gateway_keys(emu),
                             env=self.aws_env)

    def servers(self, *modes):
        """Start bench_servers; {mode: port}."""
        return {m: self.server(m)[1] for m in modes}

    def scen1_ssm(self, mode):
        self.need_ssm()
        lo, hi = (4 * MIB, 4 * MIB) if self.smoke else (64 * MIB, 4 * GIB)
        ports = self.servers("source", "sink")
        emu = self.emu({5000: ports["source"], 5001: ports["sink"]},
                       [("pacing", "false")])
        target = MUX_ID if mode == "mux" else BASIC_ID
        fws = self.ssm_forwards(1, target, 5000, "down") + \
            self.ssm_forwards(1, target, 5001, "up")
        gw = self.ssm_gatewayd(emu, fws)
        self.one_connection(gw, fws, mode, f"ssm {mode}", lo, hi, emu)
        self.stop(gw, want_clean=True)
        self.stop(emu, want_clean=True)

    def paced_sizes(self, secs):
        """Bytes for one paced run of about secs, and the ceiling."""
        ceiling = PACE_CHUNK * 1e6 / PACE_US / MIB
        n = 128 * KIB if self.smoke else \
            int(ceiling * secs * MIB) // KIB * KIB
        return ceiling, n

    def scen2(self):
        self.need_ssm()
        ceiling, n = self.paced_sizes(PACED_SECS)
        self.put("s2.ceiling", ceiling)
        self.note(2, "awsemu paces what the agent sends (chunk bytes every "
                  "pace_us), so the ceiling bounds downloads; an upload "
                  "goes at gatewayd's own pace and has no ceiling to reach")
        ports = self.servers("source", "sink")
        emu = self.emu({5000: ports["source"], 5001: ports["sink"]},
                       PACED_KNOBS)
        fws = self.ssm_forwards(1, MUX_ID, 5000, "down") + \
            self.ssm_forwards(1, MUX_ID, 5001, "up")
        pace = [(PACE_KEY, str(PACE_US))]
        ok, err = self.gatewayd_accepts([("forwarder", "ssm"),
                                         ("target", MUX_ID),
                                         ("remote_port", "22")] + pace)
        if ok:
            fws += self.ssm_forwards(1, MUX_ID, 5001, "uppace", pace)
        else:
            why = "not run: gatewayd has no pace of its own for what it " \
                f"sends (gatewayd -n: {strip_conf(err)})"
            for f in FIGURES:
                if f["key"].startswith("s2.mux.uppace"):
                    self.notes[f["key"]] = why
            self.note(2, f"upload at gatewayd's own pace: {why}")
        gw = self.ssm_gatewayd(emu, fws)
        for fw, d in zip(fws, ("down", "up", "uppace")):
            key, d = f"s2.mux.{d}", "down" if d == "down" else "up"
            self.bulk(fw["listen"], d, min(n, 64 * KIB))    # warm
            runs = [self.bulk(fw["listen"], d, n, 1, (gw.pid,), emu)
                    for _ in range(min(self.reps, 3))]
            mibps = [r["mibps"] for r in runs]
            self.put(key, mibps)
            if d == "down":
                self.put(f"{key}.frac", [100 * m / ceiling for m in mibps])
            self.put(f"{key}.cpu", [r["cpu"][gw.pid] / (r["bytes"] /
                                    (100 * MB)) for r in runs])
            self.put_per_message(key, runs, gw.pid)
            again = lambda: self.bulk(fw["listen"], d, n, emu=emu)
            self.count_syscalls(gw.pid, f"{key}.sys", again,
                                f"{key}.sysmsg")
            if key != "s2.mux.uppace":
                self.profile(gw.pid, f"ssm mux paced, {d}load", again, 2)
        self.stop(gw, want_clean=True)
        self.stop(emu, want_clean=True)

    def scen3_striping(self):
        self.need_striping()
        ceiling, n = self.paced_sizes(STRIPE_SECS)
        if self.smoke:
            n = 64 * KIB
        ports = self.servers("source")
        emu = self.emu({5000: ports["source"]}, PACED_KNOBS)
        fws = []
        for ms in (1, 8):
            fws += self.ssm_forwards(1, MUX_ID, 5000, f"ms{ms}-",
                                     [("max_sessions", str(ms)),
                                      ("warm", "yes")])
        gw = self.ssm_gatewayd(emu, fws)
        self.note(3, "warm forwards (a session open before the first "
                  "run); the connections of a run start together; each "
                  "run moves about 10 s at the ceiling of the sessions it "
                  "may use (min(conns, max_sessions) x ceiling), so that "
                  "a session's start is a small part of it; sessions a "
                  "run opened stay open (idle_policy hold) for the next")
        for fw, ms in zip(fws, (1, 8)):
            self.bulk(fw["listen"], "down", 64 * KIB)      # warm
            series = []
            for c in (1, 2, 4, 8):
                per = max(KIB, n * min(c, ms) // c)
                runs = [self.bulk(fw["listen"], "down", per, c)
                        for _ in range(min(self.reps, 3))]
                mibps = [r["mibps"] for r in runs]
                self.put(f"s3.ms{ms}.c{c}", mibps)
                series.append((c,) + median_spread(mibps))
            self.note(3, f"after the max_sessions {ms} runs awsemu counted "
                      f"{self.emu_sessions(emu)} live sessions (both "
                      "forwards)")
            self.sessions_series[f"ssm paced, max_sessions {ms}"] = series
        self.put("s3.ratio4", self.get("s3.ms8.c4") / self.get("s3.ms8.c1"))
        ideal = [(c, c * ceiling, c * ceiling, c * ceiling)
                 for c in (1, 2, 4, 8)]
        self.sessions_series["pacing ceiling x connections"] = ideal
        self.stop(gw, want_clean=True)
        self.stop(emu, want_clean=True)

    def scen4_mux(self):
        self.need_ssm()
        ports = self.servers("echo")
        emu = self.emu({7: ports["echo"]}, [("pacing", "false")])
        fws = self.ssm_forwards(1, MUX_ID, 7, "echo")
        gw = self.ssm_gatewayd(emu, fws)
        p50, p99 = self.latency(fws[0]["listen"], "mux")
        self.put("s4.mux.p50", p50)
        self.put("s4.mux.p99", p99)
        if self.get("s4.tcp.p99") is not None:
            self.put("s4.mux.over_tcp",
                     self.get("s4.mux.p99") - self.get("s4.tcp.p99"))
        else:
            self.notes["s4.mux.over_tcp"] = self.notes.get(
                "s4.tcp.p99", "not run: no tcp forward figure")
        self.stop(gw, want_clean=True)
        self.stop(emu, want_clean=True)

    def emu_state_json(self, emu):
        """awsemu's GET /_emu/state."""
        r = subprocess.run(["curl", "-sf", emu.admin + "/state"],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise Failed("awsemu /_emu/state did not answer")
        try:
            return json.loads(r.stdout)
        except ValueError:
            raise Failed("awsemu /_emu/state: not JSON")

    def emu_state(self, emu, what, pick):
        """One number from awsemu's GET /_emu/state: pick(state)."""
        try:
            return int(pick(self.emu_state_json(emu)))
        except (ValueError, KeyError, TypeError):
            raise Failed(f"awsemu /_emu/state: no {what}")

    def emu_sessions(self, emu):
        """Live sessions awsemu counts."""
        return self.emu_state(emu, "sessions.active",
                              lambda s: s["sessions"]["active"])

    def emu_starts(self, emu):
        """StartSession calls awsemu answered."""
        return self.emu_state(emu, "ops", lambda s: s["ops"].get(
            "ssm:StartSession", {}).get("ok", 0))

    def scen5_ssm(self):
        self.need_ssm()
        ports = self.servers("echo")
        emu = self.emu({7: ports["echo"]}, [("pacing", "false")])
        self.idle_forwards_rss(
            lambda: self.ssm_forwards(self.nfwd, MUX_ID, 7, "m"),
            "s5.ssm.fwd200", lambda fws: self.ssm_gatewayd(emu, fws))
        fws = self.ssm_forwards(self.nfwd // 2, MUX_ID, 7, "m")
        gw = self.ssm_gatewayd(emu, fws)
        rss0, n0 = self.settle_rss(gw.pid, 1.0), self.emu_sessions(emu)
        for fw in fws:
            self.run([self.bin["client"], "latency", "-c", fw["listen"], "-N",
                      "1", "-w", "0", "-t", "60"], "warm a session", 70)
        rss1, n1 = self.settle_rss(gw.pid, 1.0), self.emu_sessions(emu)
        if n1 <= n0:
            raise Failed(f"one connection on each of {len(fws)} forwards "
                         f"left {n1} sessions, {n0} before")
        self.put("s5.ssm.session", (rss1 - rss0) / (n1 - n0))
        self.note(5, f"warm sessions: {n0} before the first connections, "
                  f"{n1} after (awsemu's count)")
        self.hold("mux", gw, [f["listen"] for f in fws], 1)
        self.stop(gw, want_clean=True)
        self.stop(emu, want_clean=True)

    # ---- scenario 7: session-manager-plugin as the client ------------

    def smp_start(self, emu, target, remote_port, smp):
        """`aws ssm start-session` with SMP_BIN first on PATH as
        session-manager-plugin, as a user runs it; returns (aws process,
        plugin pid, local address) once the plugin waits for
        connections."""
        aws, env = self.smp_env(smp)
        local = free_ports(1)[0]
        params = json.dumps({"portNumber": [str(remote_port)],
                             "localPortNumber": [str(local)]})
        self.counter += 1
        name = f"smp{self.counter}"
        proc = self.spawn([aws, "ssm", "start-session", "--endpoint-url",
                           emu.url, "--target", target, "--document-name",
                           "AWS-StartPortForwardingSession", "--parameters",
                           params], name, env=env)
        deadline = time.monotonic() + 60
        log = self.path(name + ".log")
        kids = []
        while True:
            with open(log, "rb") as f:
                if b"Waiting for connections" in f.read():
                    break
            try:
                kids = children(proc.pid) or kids
            except OSError:
                pass        # awscli has exited
            if proc.poll() is not None or time.monotonic() > deadline:
                # A plugin that cannot open its channel retries for
                # good, and outlives the awscli stopped after this.
                for kid in kids:
                    try:
                        os.kill(kid, signal.SIGTERM)
                    except ProcessLookupError:
                        pass
                raise Failed("session-manager-plugin did not start: "
                             f"{self.log_tail(proc)}")
            time.sleep(0.1)
        kids = children(proc.pid)
        if len(kids) != 1:
            raise Failed(f"aws start-session has {len(kids)} children, "
                         "want the plugin alone")
        proc.plugin = kids[0]
        return proc, kids[0], f"127.0.0.1:{local}"

    def smp_env(self, smp):
        """The awscli to run and its environment: awsemu's, with SMP_BIN
        first on PATH as session-manager-plugin."""
        aws = os.environ.get("AWS_CLI", "/usr/bin/aws")
        if not os.access(aws, os.X_OK):
            raise NotRun(f"no awscli at {aws} (set AWS_CLI)")
        bindir = self.path("smpbin")
        os.makedirs(bindir, exist_ok=True)
        link = os.path.join(bindir, "session-manager-plugin")
        if not os.path.lexists(link):
            os.symlink(os.path.abspath(smp), link)
        env = dict(self.aws_env)
        env["PATH"] = bindir + ":" + env.get("PATH", "/usr/bin:/bin")
        return aws, env

    def need_smp(self):
        """SMP_BIN, or NotRun; and awsemu's agent side."""
        smp = os.environ.get("SMP_BIN")
        if not smp:
            raise NotRun("SMP_BIN is not set")
        if not os.access(smp, os.X_OK):
            raise NotRun(f"SMP_BIN={smp} is not an executable")
        self.need_agent()
        return smp

    def smp_knobs(self, smp, scen):
        """awsemu's knobs for the plugin: none for 1.2.764.0 and later;
        for an older one (or one whose version it does not say) the
        service's rules before 2026, unsigned upgrades and any
        ClientVersion, which scenario scen's notes then say. The data
        path does not change."""
        r = subprocess.run([smp, "--version"], capture_output=True,
                           text=True, timeout=30)
        v = r.stdout.strip()
        try:
            if tuple(int(x) for x in v.split(".")) >= (1, 2, 764, 0):
                return []
        except ValueError:
            v = f"of unknown version ({v[:40]!r})"
        self.note(scen, f"session-manager-plugin {v} predates the signed "
                  "data-channel upgrade of 1.2.764.0: awsemu ran with "
                  "upgrade_auth optional and min_client_version any for it")
        return [("upgrade_auth", "optional"), ("min_client_version", "")]

    def smp_stop(self, proc):
        try:
            os.kill(proc.plugin, signal.SIGTERM)
        except ProcessLookupError:
            pass
        self.stop(proc)

    def scen7(self):
        smp = self.need_smp()
        ports = self.servers("source", "sink", "echo")
        dial = {5000: ports["source"], 5001: ports["sink"], 7: ports["echo"]}
        reps = min(self.reps, 3)
        knobs = self.smp_knobs(smp, 7)
        emu = self.emu(dial, [("pacing", "false")] + knobs)
        tun, pid, addr = self.smp_start(emu, MUX_ID, 7, smp)
        self.put("s7.smp.rss", self.settle_rss(pid, 1.0) / 1024)
        self.put("s7.smp.rss_cli", read_proc_status(tun.pid, "VmRSS") /
                 1024)
        count = 20 if self.smoke else SMP_LATENCY_COUNT
        p50, p99, failed = [], [], []
        for i in range(reps):
            # A run that hangs (seen once, not reproduced since) names
            # its sample and costs 30 s, not the run; the next run gets
            # a fresh tunnel.
            try:
                out = self.run([self.bin["client"], "latency", "-c", addr,
                                "-N", str(count), "-w", "5", "-s", "30",
                                "-t", "300"],
                               f"bench_client latency via the plugin, run "
                               f"{i + 1}", 320)
            except Failed as e:
                failed.append(str(e))
                self.smp_stop(tun)
                tun, pid, addr = self.smp_start(emu, MUX_ID, 7, smp)
                continue
            r = kv_line(out, "latency ")
            p50.append(float(r["p50_us"]))
            p99.append(float(r["p99_us"]))
        for why in failed:
            self.note(7, f"latency: a run failed: {why}")
        if not p50:
            raise Failed(f"every latency run through the plugin failed: "
                         f"{failed[0]}")
        self.put("s7.smp.p50", p50)
        self.put("s7.smp.p99", p99)
        self.note(7, f"latency: {count} connections a run through the "
                  "plugin, one after the other as for gatewayd, not "
                  "gatewayd's 10,000 (it takes milliseconds each)")
        self.smp_stop(tun)
        for remote, d, lo, hi, secs in ((5000, "down", 8 * MIB, GIB, 3),
                                        (5001, "up", MIB, 256 * MIB, 4)):
            tun, pid, addr = self.smp_start(emu, MUX_ID, remote, smp)
            if self.smoke:
                lo = hi = 256 * KIB
            mibps, cpu, _ = self.throughput(addr, d, pid, secs, lo, hi,
                                            reps=reps)
            self.put(f"s7.smp.{d}", mibps)
            self.put(f"s7.smp.{d}.cpu", cpu)
            self.smp_stop(tun)
        self.stop(emu, want_clean=True)
        g, p = self.get("s1.mux.down.cpu"), self.get("s7.smp.down.cpu")
        if g is None:
            self.notes["s7.ratio.down"] = self.notes.get(
                "s1.mux.down.cpu", "not run: scenario 1 was not run")
        elif g <= 0:
            self.notes["s7.ratio.down"] = "not run: gatewayd's CPU time " \
                "was 0 (below the kernel's tick)"
        else:
            self.put("s7.ratio.down", p / g)
        emu = self.emu(dial, PACED_KNOBS + knobs)
        # The download as long as scenario 2's, with the same knobs; the
        # plugin paces its upload itself (about 0.7 MB/s): half as long.
        for remote, d, secs in ((5000, "down", PACED_SECS),
                                (5001, "up", PACED_SECS // 2)):
            n = self.paced_sizes(secs)[1]
            tun, pid, addr = self.smp_start(emu, MUX_ID, remote, smp)
            runs = [self.bulk(addr, d, n, 1, (pid,)) for _ in range(reps)]
            self.put(f"s7.smp.paced.{d}", [r["mibps"] for r in runs])
            self.put(f"s7.smp.paced.{d}.cpu", [r["cpu"][pid] /
                                               (r["bytes"] / (100 * MB))
                                               for r in runs])
            self.smp_stop(tun)
        self.stop(emu, want_clean=True)

    # ---- scenario 8: ssh without fixed ports ----------------------------

    def has_help(self, prog, pattern):
        """Whether PROG -h mentions pattern: what this build has."""
        r = subprocess.run([self.bin[prog], "-h"], capture_output=True,
                           text=True)
        return re.search(pattern, r.stdout + r.stderr) is not None

    def first_byte(self, argv, name, env=None):
        """Start argv as ssh starts a ProxyCommand (its stdin and stdout
        pipes) and time it from just before the start to the first byte
        on its stdout; our end of its stdin is then closed. Returns
        (microseconds, process)."""
        t0 = time.perf_counter()
        proc = self.spawn(argv, name, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, env=env)
        r, _, _ = select.select([proc.stdout], [], [], 120)
        got = os.read(proc.stdout.fileno(), 1) if r else b""
        us = (time.perf_counter() - t0) * 1e6
        proc.stdin.close()
        if not got:
            raise Failed(f"{name}: no byte from the far side "
                         f"({'EOF' if r else 'none in 120 s'}): "
                         f"{self.log_tail(proc)}")
        return us, proc

    def start_time(self):
        """Microseconds from starting gatewayctl to its first byte on
        stderr (unbuffered), its complaint that a socket is not there:
        its start-up and next to nothing else."""
        t0 = time.perf_counter()
        proc = subprocess.Popen([self.bin["gatewayctl"], "-s",
                                 self.path("nosuch.sock"), "status"],
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        r, _, _ = select.select([proc.stderr], [], [], 60)
        got = os.read(proc.stderr.fileno(), 1) if r else b""
        us = (time.perf_counter() - t0) * 1e6
        proc.wait(30)
        proc.stderr.close()
        if not got:
            raise Failed("gatewayctl status with no socket said nothing")
        return us

    def ends_clean(self, proc, what):
        """The process exits 0 within 30 s (the far side has closed)."""
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            raise Failed(f"{what}: still running 30 s after the far side "
                         "closed")
        self.stop(proc, want_clean=True)

    def connect_once(self, argv, name, env=None):
        """Microseconds from starting a connecting process to the first
        byte of a bench_server -m hello; it must then exit 0."""
        us, proc = self.first_byte(argv, name, env)
        self.ends_clean(proc, name)
        return us

    def fixed_once(self, addr):
        """Microseconds from before connect() to a fixed port to the
        first byte of a bench_server -m hello."""
        host, port = addr.rsplit(":", 1)
        t0 = time.perf_counter()
        with socket.create_connection((host, int(port)), timeout=120) as c:
            got = c.recv(1)
            us = (time.perf_counter() - t0) * 1e6
            if not got or c.recv(16) != b"":
                raise Failed(f"{addr}: not one byte then EOF")
        return us

    def pump(self, rfd, wfd, direction, nbytes):
        """Move nbytes to a bench_server source (down) or sink (up)
        through rfd and wfd (a socket twice, or a process's pipes); then
        one byte past the count, which makes either server close. Returns
        seconds from the header to the last byte (down) or the sink's
        count (up)."""
        os.set_blocking(rfd, False)
        os.set_blocking(wfd, False)
        out = memoryview(f"{nbytes}\n".encode())
        chunk = memoryview(bytes(256 * KIB))
        left = nbytes if direction == "up" else 0
        want = nbytes if direction == "down" else len(out)
        deadline = time.monotonic() + (60 if self.smoke else 600)
        t0 = time.perf_counter()
        got = b""
        while len(out) or left or want:
            if time.monotonic() > deadline:
                raise Failed(f"{direction}load of {nbytes} bytes: stalled")
            if not len(out) and left:
                out = chunk[:min(left, len(chunk))]
                left -= len(out)
            r, w, _ = select.select([rfd] if want else [],
                                    [wfd] if len(out) else [], [], 1)
            if w:
                out = out[os.write(wfd, out):]
            if r:
                data = os.read(rfd, 1024 * KIB)
                if not data:
                    raise Failed(f"{direction}load: EOF with {want} bytes "
                                 "to come")
                if direction == "up":
                    got += data
                want -= min(want, len(data))
        secs = time.perf_counter() - t0
        if direction == "up" and got != f"{nbytes}\n".encode():
            raise Failed(f"upload: the sink said {got[:40]!r}")
        os.set_blocking(wfd, True)
        os.write(wfd, b"x")
        return secs

    def connect_bulk(self, argv, direction, nbytes, gw):
        """One bulk run through gatewayctl connect's pipes: MiB/s, the
        daemon's and gatewayctl's CPU seconds per GiB."""
        proc = self.spawn(argv, "connect-bulk", stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE)
        cpu0, ctl0 = read_proc_cpu(gw.pid), read_proc_cpu(proc.pid)
        secs = self.pump(proc.stdout.fileno(), proc.stdin.fileno(),
                         direction, nbytes)
        cpu, ctl = read_proc_cpu(gw.pid) - cpu0, read_proc_cpu(proc.pid) - \
            ctl0
        proc.stdin.close()
        self.ends_clean(proc, f"gatewayctl connect, {direction}load")
        gib = nbytes / GIB
        return nbytes / MIB / secs, cpu / gib, ctl / gib

    def fixed_bulk(self, addr, direction, nbytes, gw):
        """The same through a fixed local port: MiB/s, daemon CPU s/GiB."""
        host, port = addr.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=60) as c:
            cpu0 = read_proc_cpu(gw.pid)
            secs = self.pump(c.fileno(), c.fileno(), direction, nbytes)
            cpu = read_proc_cpu(gw.pid) - cpu0
        return nbytes / MIB / secs, cpu / (nbytes / GIB)

    def scen8_ssh(self):
        self.need_ssm()
        connect = self.has_help("gatewayctl", r"\bconnect\b")
        if not connect:
            for f in FIGURES:
                if f["key"].startswith("s8.connect."):
                    self.notes[f["key"]] = "not run: gatewayctl connect " \
                        "is not in this build (gatewayctl -h)"
        ports = self.servers("hello", "source", "sink")
        emu = self.emu({22: ports["hello"], 5000: ports["source"],
                        5001: ports["sink"]}, [("pacing", "false")])
        fws = self.ssm_forwards(1, MUX_ID, 22, "hello") + \
            self.ssm_forwards(1, MUX_ID, 5000, "down") + \
            self.ssm_forwards(1, MUX_ID, 5001, "up")
        keys = self.ssm_gateway_keys(emu)
        if connect:
            me = pwd.getpwuid(os.getuid()).pw_name
            keys.append(("connect_allow", f"user:{me}"))
        gw = self.gatewayd(fws, keys, env=self.aws_env)
        ctl = lambda port: [self.bin["gatewayctl"], "-s", gw.control,
                            "connect", MUX_ID, str(port)]
        count = 5 if self.smoke else CONNECT_COUNT
        # Unmeasured: each path's first connection starts its session.
        self.fixed_once(fws[0]["listen"])
        if connect:
            self.connect_once(ctl(22), "connect")
        starts = self.emu_starts(emu)
        # The three in turn, so that they share the machine's moods;
        # start_time is what of connect's time is gatewayctl's start-up.
        lat = {"connect": ([], []), "fixed": ([], []), "ctl_start": ([], [])}
        for _ in range(self.reps):
            runs = {"connect": [], "fixed": [], "ctl_start": []}
            for _ in range(count):
                runs["fixed"].append(self.fixed_once(fws[0]["listen"]))
                if connect:
                    runs["connect"].append(self.connect_once(ctl(22),
                                                             "connect"))
                runs["ctl_start"].append(self.start_time())
            for p, samples in runs.items():
                if samples:
                    lat[p][0].append(nearest_rank(samples, 0.5))
                    lat[p][1].append(nearest_rank(samples, 0.99))
        for p, (p50, p99) in lat.items():
            if p50 and p != "ctl_start":
                self.put(f"s8.{p}.p50", p50)
                self.put(f"s8.{p}.p99", p99)
        self.put("s8.ctl_start.p50", lat["ctl_start"][0])
        self.note(8, f"latency: {count} connections a run, one after the "
                  "other, after one unmeasured connection per path; they "
                  f"started {self.emu_starts(emu) - starts} sessions "
                  "(awsemu's StartSession count)")
        n = 4 * MIB if self.smoke else CONNECT_BYTES
        reps = min(self.reps, 3)
        for d, port, fw in (("down", 5000, fws[1]), ("up", 5001, fws[2])):
            fixed, conn = [], []
            for _ in range(reps):
                fixed.append(self.fixed_bulk(fw["listen"], d, n, gw))
                if connect:
                    conn.append(self.connect_bulk(ctl(port), d, n, gw))
            self.put(f"s8.fixed.{d}", [r[0] for r in fixed])
            self.put(f"s8.fixed.{d}.cpu", [r[1] for r in fixed])
            if conn:
                self.put(f"s8.connect.{d}", [r[0] for r in conn])
                self.put(f"s8.connect.{d}.cpu", [r[1] for r in conn])
                if d == "down":
                    self.put("s8.connect.ctl_cpu", [r[2] for r in conn])
        self.stop(gw, want_clean=True)
        self.stop(emu, want_clean=True)

    def session_each(self, start, name, knobs=()):
        """p50 and p99 lists (us) of start-to-first-byte runs of a client
        that starts a session of its own each time: start(emu) gives its
        argv, its environment and whether it exits 0 by itself once the
        far side closed (else it is stopped, with its children)."""
        ports = self.servers("hello")
        emu = self.emu({22: ports["hello"]}, [("pacing", "false")] +
                       list(knobs))
        argv, env, clean = start(emu)
        count = 2 if self.smoke else SESSION_EACH_COUNT
        p50, p99 = [], []
        for _ in range(min(self.reps, 3)):
            samples = []
            for _ in range(count):
                us, proc = self.first_byte(argv, name, env)
                samples.append(us)
                if clean:
                    self.ends_clean(proc, name)
                    continue
                for kid in children(proc.pid):
                    try:
                        os.kill(kid, signal.SIGTERM)
                    except ProcessLookupError:
                        pass
                self.stop(proc)
            p50.append(nearest_rank(samples, 0.5))
            p99.append(nearest_rank(samples, 0.99))
        self.stop(emu, want_clean=True)
        return p50, p99

    def scen8_oneshot(self):
        self.need_ssm()
        if not self.has_help("gatewayd", r"-W\b"):
            raise NotRun("gatewayd -W is not in this build (gatewayd -h)")

        def start(emu):
            env = dict(self.aws_env, AWS_ENDPOINT_URL=emu.url)
            return [self.bin["gatewayd"], "-W", f"{MUX_ID}:22"], env, True
        p50, p99 = self.session_each(start, "oneshot")
        self.put("s8.W.p50", p50)
        self.put("s8.W.p99", p99)

    def scen8_smp(self):
        smp = self.need_smp()

        def start(emu):
            aws, env = self.smp_env(smp)
            return [aws, "ssm", "start-session", "--endpoint-url", emu.url,
                    "--target", MUX_ID, "--document-name",
                    "AWS-StartSSHSession", "--parameters",
                    "portNumber=22"], env, False
        p50, p99 = self.session_each(start, "smp-ssh",
                                     self.smp_knobs(smp, 8))
        self.put("s8.smp.p50", p50)
        self.put("s8.smp.p99", p99)

    # ---- the run -------------------------------------------------------

    def run_all(self):
        only = self.args.only
        want = lambda s: only is None or s in only
        if want(6):
            self.part(6, ["s6.sha256", "s6.aes", "s6.limit.msg"],
                      self.scen6_crypto)
            self.part(6, ["s6.loop.", "s6.syscall"], self.scen6_loopback)
            self.part(6, ["s6.floor."], self.scen6_floor)
        if want(1):
            self.part(1, ["s1.tcp."], self.scen1_tcp)
            self.part(1, ["s1.mux."], lambda: self.scen1_ssm("mux"))
            self.part(1, ["s1.basic."], lambda: self.scen1_ssm("basic"))
        if want(6):
            self.part(6, ["s6.limit.", "s6.tcp.", "s6.mux."],
                      self.scen6_model)
        if want(2):
            self.part(2, ["s2."], self.scen2)
        if want(3):
            self.part(3, ["s3.tcp."], self.scen3_tcp)
            self.part(3, ["s3.ms", "s3.ratio"], self.scen3_striping)
        if want(4):
            self.part(4, ["s4.direct.", "s4.tcp."], self.scen4_tcp)
            self.part(4, ["s4.mux."], self.scen4_mux)
        if want(5):
            self.part(5, ["s5.tcp."], self.scen5_tcp)
            self.part(5, ["s5.ssm.", "s5.mux."], self.scen5_ssm)
        if want(7):
            self.part(7, ["s7."], self.scen7)
        if want(8):
            self.part(8, ["s8.connect.", "s8.fixed."], self.scen8_ssh)
            self.part(8, ["s8.W."], self.scen8_oneshot)
            self.part(8, ["s8.smp."], self.scen8_smp)
        for f in FIGURES:
            k = f["key"]
            if k in self.values or k in self.notes:
                continue
            if only is not None and f["scenario"] not in only:
                self.notes[k] = "not run: not asked for (--only)"
            else:
                self.notes[k] = "failed: the scenario gave no figure"
                self.failed = True

    # ---- output: CSV, plots, report ---------------------------------------

    def met(self, f):
        """'yes', 'no' or '' (no goal or no figure)."""
        v = self.get(f["key"])
        if f["goal"] is None or v is None:
            return ""
        op, n, _ = f["goal"]
        ok = {">=": v >= n, "<=": v <= n, "<": v < n}[op]
        return "yes" if ok else "no"

    def write_csv(self):
        os.makedirs(self.data, exist_ok=True)
        with open(os.path.join(self.data, "results.csv"), "w") as f:
            f.write("scenario,key,label,unit,median,min,max,runs,goal,met,"
                    "note\n")
            for fig in FIGURES:
                v = self.values.get(fig["key"])
                nums = [fmt(v["median"]), fmt(v["min"]), fmt(v["max"]),
                        str(v["n"])] if v else ["", "", "", "0"]
                goal = fig["goal"][2] if fig["goal"] else ""
                row = [str(fig["scenario"]), fig["key"], fig["label"],
                       fig["unit"]] + nums + [goal, self.met(fig),
                                               self.notes.get(fig["key"], "")]
                f.write(",".join(csv_field(x) for x in row) + "\n")
        with open(os.path.join(self.data, "throughput_sessions.csv"),
                  "w") as f:
            f.write("series,conns,median_mibps,min_mibps,max_mibps\n")
            for name, pts in self.sessions_series.items():
                for c, med, lo, hi in pts:
                    f.write(f"{csv_field(name)},{c},{med:.3f},{lo:.3f},"
                            f"{hi:.3f}\n")
        with open(os.path.join(self.data, "memory_conns.csv"), "w") as f:
            f.write("series,conns,rss_kib\n")
            for name, pts in self.memory_series.items():
                for c, rss in pts:
                    f.write(f"{csv_field(name)},{c},{rss}\n")
        paths = list(self.latency_samples)
        with open(os.path.join(self.data, "latency_cdf.csv"), "w") as f:
            f.write("fraction," + ",".join(f"{p}_us" for p in paths) + "\n")
            for i in range(1, 1001):
                q = i / 1000
                row = [f"{q:.3f}"]
                for p in paths:
                    s = self.latency_samples[p]
                    row.append(f"{s[min(len(s) - 1, int(q * len(s)))]:.1f}"
                               if q < 1 else f"{s[-1]:.1f}")
                f.write(",".join(row) + "\n")

    def plot(self, name, script):
        """Run one gnuplot script into data/NAME.png."""
        gp = os.path.join(self.data, name + ".gp")
        png = os.path.join(self.data, name + ".png")
        with open(gp, "w") as f:
            f.write("set terminal pngcairo size 900,560 font ',10'\n")
            f.write(f"set output '{png}'\n")
            f.write("set datafile separator ','\nset key top left\n")
            f.write("set grid\n" + script)
        r = subprocess.run(["gnuplot", gp], capture_output=True, text=True,
                           cwd=self.data)
        if r.returncode != 0 or not os.path.exists(png):
            self.failed = True
            self.plot_errors.append(f"{name}: gnuplot: "
                                    f"{r.stderr.strip()[-300:]}")
            self.log(f"plot {name} failed: {r.stderr.strip()}")

    def write_plots(self):
        self.plot_errors = []
        if shutil.which("gnuplot") is None:
            self.failed = True
            self.plot_errors.append("gnuplot is not installed (apt-get "
                                    "install gnuplot-nox)")
            return
        lines = []
        for i, name in enumerate(self.sessions_series):
            lines.append(
                f"'throughput_sessions.csv' using "
                f"(stringcolumn(1) eq '{name}' ? $2 : NaN):3:4:5 "
                f"with yerrorlines title '{name}'")
        if not lines:
            lines = [NO_DATA]
        self.plot("throughput_sessions",
                  "set title 'Aggregate throughput against concurrent "
                  "connections (sessions)'\n"
                  "set xlabel 'concurrent bulk connections'\n"
                  "set ylabel 'MiB/s (log)'\nset logscale y\n"
                  "set logscale x 2\nset xrange [0.8:10]\n"
                  "plot " + ", \\\n  ".join(lines) + "\n")
        lines = [f"'latency_cdf.csv' using {i + 2}:1 with lines lw 2 "
                 f"title '{p}'" for i, p in enumerate(self.latency_samples)]
        if not lines:
            lines = [NO_DATA]
        self.plot("latency_cdf",
                  "set title 'connect() to first echoed byte: distribution'"
                  "\nset xlabel 'microseconds (log)'\nset logscale x\n"
                  "set ylabel 'fraction of connections'\nset yrange [0:1]\n"
                  "set key bottom right\n"
                  "plot " + ", \\\n  ".join(lines) + "\n")
        lines = [f"'memory_conns.csv' using (stringcolumn(1) eq '{n}' ? "
                 f"$2 : NaN):($3/1024) with linespoints title '{n}'"
                 for n in self.memory_series]
        if not lines:
            lines = [NO_DATA]
        self.plot("memory_conns",
                  "set title 'gatewayd RSS against idle client connections "
                  "(100 forwards)'\nset xlabel 'connections held'\n"
                  "set ylabel 'RSS MiB'\nset yrange [0:*]\n"
                  "plot " + ", \\\n  ".join(lines) + "\n")

    def build_flags(self):
        """CC, CFLAGS and SAN_CFLAGS from the build's Makefile."""
        got = {}
        try:
            with open(os.path.join(self.build, "Makefile")) as f:
                for line in f:
                    m = re.match(r"^(CC|CFLAGS|SAN_CFLAGS) = (.*)$", line)
                    if m:
                        got[m.group(1)] = m.group(2).strip()
        except OSError:
            return "unknown"
        return " ".join(got.get(k, "") for k in ("CC", "CFLAGS",
                                                 "SAN_CFLAGS")).strip()

    def machine(self):
        model = "unknown"
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith("model name"):
                        model = line.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        mem = ""
        try:
            with open("/proc/meminfo") as f:
                mem = f"{int(f.readline().split()[1]) / 1024 / 1024:.1f} GiB"
        except (OSError, ValueError, IndexError):
            pass
        commit = subprocess.run(["git", "-C", self.src, "describe",
                                 "--always", "--dirty"],
                                capture_output=True, text=True).stdout.strip()
        ssl = subprocess.run(["openssl", "version"], capture_output=True,
                             text=True).stdout.strip() \
            if shutil.which("openssl") else "none"
        return [
            ("CPU", model),
            ("cores", f"{os.cpu_count()} (this process may use "
             f"{len(os.sched_getaffinity(0))})"),
            ("kernel", f"{platform.system()} {platform.release()} "
             f"{platform.machine()}"),
            ("memory", mem),
            ("load average at start", self.load_start),
            ("load average at end", " ".join(
                f"{x:.2f}" for x in os.getloadavg())),
            ("RLIMIT_NOFILE", str(self.nofile)),
            ("source", (commit or "not a git checkout") +
             (f" ({os.environ['BENCH_ORIGIN']})"
              if os.environ.get("BENCH_ORIGIN") else "")),
            ("build flags", self.build_flags()),
            ("OpenSSL", ssl),
            ("date", time.strftime("%Y-%m-%d %H:%M:%S %z")),
        ]


def children(pid):
    """The pids of a process's children (all its threads')."""
    kids = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            kids += [int(x) for x in f.read().split()]
    return kids


def nearest_rank(samples, q):
    """The q-quantile of samples, nearest-rank (p99 of 50 is the
    largest)."""
    s = sorted(samples)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def fmt(v):
    """Three significant figures, no exponent for ordinary sizes."""
    if v is None:
        return ""
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1000:
        return f"{v:.0f}"
    if a >= 100:
        return f"{v:.1f}".rstrip("0").rstrip(".")
    if a >= 10:
        return f"{v:.2f}".rstrip("0").rstrip(".")
    if a >= 0.01:
        return f"{v:.3f}".rstrip("0").rstrip(".")
    return f"{v:.2g}"


def redact(text):
    """Take secrets out of text bound for the report: session tokens,
    stream URLs (they carry a token), signatures and secret keys."""
    text = re.sub(r'("?(TokenValue|SessionToken|SecretAccessKey|'
                  r'secret_access_key|Authorization)"?\s*[:=]\s*)'
                  r'("[^"]*"|\S+)', r"\1<redacted>", text, flags=re.I)
    text = re.sub(r"wss?://[^\s'\"]+", "<stream url>", text)
    text = re.sub(r"(X-Amz-(Signature|Security-Token|Credential)=)[^&\s]+",
                  r"\1<redacted>", text, flags=re.I)
    return text.replace(EMU_SECRET, "<redacted>")


def strip_conf(err):
    """A gatewayd -n error without the scratch file's path."""
    return re.sub(r"^\S+\.conf:\d+: ", "", err)


def csv_field(s):
    s = str(s)
    if any(c in s for c in ',"\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


FIGS = {f["key"]: f for f in FIGURES}
SERIES = {"tcp": "tcp forward", "mux": "ssm mux"}

# What each scenario does, for the report.
METHOD = {
    1: "One connection moves bytes through a forward: download reads from "
       "a `bench_server -m source`, upload writes to a `bench_server -m "
       "sink` and waits for its byte count (so every byte arrived). Each "
       "run's size is chosen from a probe run so that it lasts about 2 s. "
       "Daemon CPU is its threads' time on a CPU from "
       "/proc/PID/task/*/schedstat (nanoseconds) before and after each run "
       "(utime + stime from /proc/PID/stat, 10 ms ticks, where schedstat is "
       "missing). Mux and basic mode against awsemu with "
       "pacing off; the same through a `tcp` forward is the no-protocol "
       "ceiling, and direct to the server (scenario 6) the loopback one. "
       "The mux runs also count per agent message (awsemu's count): "
       "gatewayd's wake-ups (context switches of its threads, "
       "/proc/PID/task/*/status) and CPU in the same runs, its syscalls "
       "in the perf run.",
    2: "As scenario 1 with awsemu pacing like the real agent, "
       f"{PACED_SECS} s of pacing a run (a wake-up per message shows in "
       "the CPU per 100 MB, a few seconds would be noise). The fraction "
       "is of the pacing ceiling of one session, awsemu's configured pace "
       "(scenario 2 says how it is set); CPU per 100 MB at that rate; "
       "per agent message as in scenario 1. The upload goes at gatewayd's "
       f"pace; one at a pace of its own needs the forward key {PACE_KEY}.",
    3: "1, 2, 4 and 8 concurrent bulk downloads through one forward, "
       "aggregate MiB/s; paced, with max_sessions 1 and 8. The `tcp` "
       "forward (unpaced) is the reference curve of the plot.",
    4: "`bench_client latency`: 10,000 connections one after the other, "
       "each timed from before connect() to the first echoed byte (one "
       "byte sent), after 100 unmeasured warm-up connections that also "
       "warm the session. Percentiles are nearest-rank; the median and "
       "range are over the runs.",
    5: "RSS (VmRSS of /proc/PID/status) of gatewayd: with 200 forwards "
       "and nothing else; then with 100 forwards while `bench_hold` "
       "processes open idle connections spread over them, 1,000 at a "
       "time (each one echoed one byte first), RSS read at every step; "
       "the per-connection figure is the least-squares slope over the "
       "steps. Then 1,000 of the held connections each echo 64 KiB at "
       "once.",
    6: "`openssl speed -evp` at 1 KiB blocks; loopback TCP is one "
       "connection between `bench_client` and `bench_server` (256 KiB "
       "reads and writes), with each side's CPU seconds per GiB. The "
       "per-message limit is SHA-256 plus AES-256-GCM of 1 KiB at those "
       "rates.",
    7: "session-manager-plugin (SMP_BIN) as the client against the same "
       "awsemu: scenarios 1, 2 (the same knobs and download size) and 4 "
       "and its RSS per idle tunnel. The ratio is the plugin's CPU per "
       "byte over gatewayd's in scenario 1 of this run.",
    8: "What an SSH login's ProxyCommand costs. The far side is a "
       "`bench_server -m hello`, which writes one byte on accept (as sshd "
       "its banner) and closes. Each connection is timed from just before "
       "its process starts (as ssh starts a ProxyCommand, stdin and stdout "
       "pipes) to the first byte on its stdout: `gatewayctl connect` on "
       "the warm session of an earlier one (the daemon moves the bytes of "
       "the descriptors gatewayctl passes it), `gatewayd -W` (no daemon: "
       "a session each) and, with SMP_BIN, `aws ssm start-session "
       "--document-name AWS-StartSSHSession` (a StartSession and a plugin "
       "each). A fixed local port (an ssm forward, warm) is timed from "
       "before connect(). Percentiles are nearest-rank over the "
       f"{CONNECT_COUNT} connections of a run ({SESSION_EACH_COUNT} for "
       "the ones that start a session each: p99 is then their largest); "
       "the median and range are over the runs. Throughput: "
       f"{CONNECT_BYTES // MIB} MiB each way between a `bench_server` "
       "source or sink and this script, through gatewayctl connect's "
       "pipes and through the fixed port's socket, with gatewayd's CPU "
       "seconds per GiB, and gatewayctl's own. `gatewayctl status` with "
       "no socket there, timed from its start to its first byte on stderr "
       "and run in turn with the others, is the part of connect's time "
       "that is the process's own start-up (the dynamic loader and the "
       "libraries gatewayctl links).",
}


def compare(b, key):
    """A same-run comparison for some figures, or ''."""
    v = b.get(key)
    if v is None:
        return ""
    m = re.match(r"s1\.(tcp|mux|basic)\.(down|up)$", key)
    if m:
        parts = []
        loop = b.get(f"s6.loop.{m.group(2)}")
        if loop:
            parts.append(f"{100 * v / loop:.0f}% of loopback")
        tcp = b.get(f"s1.tcp.{m.group(2)}")
        if m.group(1) != "tcp" and tcp:
            parts.append(f"{100 * v / tcp:.0f}% of tcp forward")
        return ", ".join(parts)
    m = re.match(r"s1\.(tcp|mux|basic)\.(down|up)\.cpu$", key)
    if m:
        return f"{1024 / v:.0f} MiB per CPU second" if v > 0 else ""
    side = {"s7.smp.down": "s1.mux.down", "s7.smp.up": "s1.mux.up",
            "s7.smp.down.cpu": "s1.mux.down.cpu",
            "s7.smp.up.cpu": "s1.mux.up.cpu",
            "s7.smp.paced.down": "s2.mux.down",
            "s7.smp.paced.up": "s2.mux.up",
            "s7.smp.paced.down.cpu": "s2.mux.down.cpu",
            "s7.smp.paced.up.cpu": "s2.mux.up.cpu",
            "s7.smp.p50": "s4.mux.p50", "s7.smp.p99": "s4.mux.p99"}
    if key in side:
        g = b.get(side[key])
        if g is None:
            return "gatewayd: not measured"
        return f"gatewayd {fmt(g)} (plugin/gatewayd {v / g:.2g}x)" if g \
            else f"gatewayd {fmt(g)}"
    if key == "s7.smp.rss" and b.get("s5.ssm.session") is not None:
        return f"gatewayd: {fmt(b.get('s5.ssm.session'))} KiB per warm " \
            "idle session"
    m = re.match(r"s8\.(connect|W|smp)\.(p50|p99)$", key)
    if m and m.group(1) == "connect" and b.get(f"s8.fixed.{m.group(2)}"):
        return f"+{v - b.get('s8.fixed.' + m.group(2)):.0f} us over the " \
            "fixed port"
    if m and b.get(f"s8.connect.{m.group(2)}"):
        c = b.get(f"s8.connect.{m.group(2)}")
        return f"{v / c:.3g}x gatewayctl connect's"
    if key == "s8.ctl_start.p50" and b.get("s8.connect.p50"):
        return f"{100 * v / b.get('s8.connect.p50'):.0f}% of connect's p50"
    m = re.match(r"s8\.connect\.(down|up)(\.cpu)?$", key)
    if m and b.get(f"s8.fixed.{m.group(1)}{m.group(2) or ''}"):
        f = b.get(f"s8.fixed.{m.group(1)}{m.group(2) or ''}")
        return f"{100 * v / f:.0f}% of the fixed port's"
    m = re.match(r"s4\.(tcp|mux)\.(p50|p99)$", key)
    if m and b.get(f"s4.direct.{m.group(2)}"):
        return f"+{v - b.get('s4.direct.' + m.group(2)):.0f} us over direct"
    return ""


def value_cell(b, key):
    v = b.values.get(key)
    if v is None:
        # The reason's first clause (a log's lines joined by " | "
        # escaped for the tables); the scenario's notes have it whole.
        return b.notes.get(key, "").split(" (")[0].replace("|", "\\|")
    if v["n"] == 1:
        return fmt(v["median"])
    return f"{fmt(v['median'])} ({fmt(v['min'])}-{fmt(v['max'])})"


def scaled_cell(b, key, factor):
    """value_cell of a figure in another unit (times factor)."""
    v = b.values.get(key)
    if v is None:
        return value_cell(b, key)
    med, lo, hi = (v[x] * factor for x in ("median", "min", "max"))
    if v["n"] == 1:
        return fmt(med)
    return f"{fmt(med)} ({fmt(lo)}-{fmt(hi)})"


# Issue 16's rows: label, gatewayd's figures (key.cpu... in CPU s/100MB,
# key.msgs...), the plugin's CPU figure and its factor to CPU s/100MB,
# and the figures whose goals the row shows.
CPU_ROWS = [
    ("download, paced (scenario 2)", "s2.mux.down", "s2.mux.down.cpu",
     "s7.smp.paced.down.cpu", 1, ["s2.mux.down.cpu"]),
    ("download, unpaced (scenario 1)", "s1.mux.down", "s1.mux.down.cpu100",
     "s7.smp.down.cpu", 100 * MB / GIB,
     ["s1.mux.down.cpu100", "s7.ratio.down"]),
    ("upload, unpaced (scenario 1)", "s1.mux.up", "s1.mux.up.cpu100",
     "s7.smp.up.cpu", 100 * MB / GIB, ["s1.mux.up.cpu100"]),
    ("upload, paced by gatewayd (scenario 2)", "s2.mux.uppace",
     "s2.mux.uppace.cpu", "s7.smp.paced.up.cpu", 1, []),
]


def cpu_table(b):
    """Issue 16's table: CPU per 100 MB of gatewayd and the plugin, the
    goals, and gatewayd's figures per agent message beside the limit."""
    t = ["## CPU per byte (ssm mux)\n",
         "gatewayd's CPU seconds per 100 MB moved through one ssm mux "
         "connection, from the scenarios named, in this run; the "
         "plugin's from scenario 7 in this run (the same awsemu knobs and, "
         "paced, the same size), converted to CPU s/100MB. Per agent "
         "message, gatewayd's: "
         + ("messages counted by awsemu (its agent's msgs_out for a "
            "download, msgs_in for an upload: every stream message, "
            "smux frames included), "
            if b.msgs_source == {"awsemu"} else
            f"messages as bytes / {PACE_CHUNK} (awsemu's counters were not "
            "there for every run), " if b.msgs_source else "messages, ")
         + "system calls (`perf stat -e raw_syscalls:sys_enter` on "
         "gatewayd during one more run of the same size), wake-ups "
         "(voluntary and involuntary context switches of its threads, "
         "/proc/PID/task/*/status, before and after each run) and CPU "
         "(/proc/PID/task/*/schedstat). The limit is what hashing "
         "(SHA-256) and decrypting or encrypting (AES-256-GCM) a 1 KiB "
         "message alone cost on one core (scenario 6's `openssl speed`).\n",
         "| row | gatewayd CPU s/100MB | plugin CPU s/100MB | "
         "plugin/gatewayd | goal | met | agent messages a run | syscalls "
         "per message | wake-ups per message | CPU us per message |",
         "|---|---|---|---|---|---|---|---|---|---|"]
    for label, key, gkey, pkey, factor, goals in CPU_ROWS:
        g, p = b.get(gkey), b.get(pkey)
        ratio = f"{p * factor / g:.3g}x" if g and p is not None else "-"
        goal = "; ".join(FIGS[k]["goal"][2] if k.endswith(".cpu") or
                         k.endswith(".cpu100") else
                         f"plugin/gatewayd {FIGS[k]['goal'][2]}"
                         for k in goals) or "-"
        met = "; ".join(b.met(FIGS[k]) or "-" for k in goals) or "-"
        # A row that did not run says why once.
        per = [value_cell(b, f"{key}.{x}") if g is not None else "-"
               for x in ("msgs", "sysmsg", "wake", "usmsg")]
        cells = [value_cell(b, gkey), scaled_cell(b, pkey, factor), ratio,
                 goal, met] + per
        t.append(f"| {label} | " + " | ".join(cells) + " |")
    lim = b.get("s6.limit.msg")
    t.append("| limit: SHA-256 + AES-256-GCM of 1 KiB messages "
             "(scenario 6) | " +
             (fmt(lim * 100 * MB / PACE_CHUNK / 1e6) if lim is not None
              else value_cell(b, "s6.limit.msg")) +
             " | | | | | - | - | - | " +
             (fmt(lim) if lim is not None else "-") + " |")
    for key, label in (("paced", f"floor, paced: woken every "
                        f"{FLOOR_HOLD_MS} ms for {FLOOR_MSGS} messages "
                        "(scenario 6)"),
                       ("unpaced", "floor, unpaced: never sleeping "
                        "(scenario 6)")):
        us = b.get(f"s6.floor.{key}")
        t.append(f"| {label} | " +
                 (fmt(us * 100 * MB / PACE_CHUNK / 1e6) if us is not None
                  else value_cell(b, f"s6.floor.{key}")) +
                 " | | | | | - | - | - | " +
                 (value_cell(b, f"s6.floor.{key}") if us is not None
                  else "-") + " |")
    t.append("")
    t.append("The floor is the least any receiver spends per message on "
             "this machine, with nothing of gatewayd in it (`bench_client "
             "floor`): per message, AES-256-GCM-decrypting its 1152 bytes "
             "on the wire, SHA-256 of its payload, and its acknowledge "
             "(SHA-256 of its JSON, AES-256-GCM-encrypting it); per batch, "
             "one read, one write of the payloads and one of the "
             "acknowledges, and paced, the timer wake-up before them. A "
             "goal below the floor cannot be met on this machine.\n")
    t.append("The plugin paces every upload itself (about 0.7 MB/s), "
             "with the agent paced or not: its paced upload (scenario 7) "
             "stands beside gatewayd's paced one. A message's CPU beyond "
             "the limit is the overhead to remove: wake-ups, system calls, "
             "copies, allocation, framing.\n")
    return "\n".join(t)


# A plot without a series: an empty frame that says so (gnuplot refuses
# to plot nothing at all).
NO_DATA = "[1:10][1:10] 100 title 'no data in this run'"


def write_report(b, path):
    f = FIGS
    out = []
    w = out.append
    kind = "smoke run (`make bench-smoke`: tiny sizes, one repetition; " \
        "the figures mean nothing)" if b.smoke else "full run (`make bench`)"
    w("# gatewayd benchmarks\n")
    w(f"Written by `tests/bench/bench.py`, {kind}, in "
      f"{time.monotonic() - b.started:.0f} s. Figures are medians over "
      f"the runs with the range (min-max) in brackets; {b.reps} runs "
      "unless the runs column says otherwise. Everything runs on this "
      "one machine over loopback: the client, gatewayd, awsemu and the "
      "target share its cores, so a figure is what gatewayd reaches "
      "beside them, not alone. Benchmarks are not tests: nothing here "
      "passes or fails, the tables say which goals are met.\n")
    w("## Machine\n")
    w("| | |\n|---|---|")
    for k, v in b.machine():
        w(f"| {k} | {v} |")
    w("")
    w("## Goals\n")
    w("| scenario | figure | gatewayd | goal | met |")
    w("|---|---|---|---|---|")
    for fig in FIGURES:
        if fig["goal"] is None:
            continue
        w(f"| {fig['scenario']} | {fig['label']} ({fig['unit']}) | "
          f"{value_cell(b, fig['key'])} | {fig['goal'][2]} | "
          f"{b.met(fig) or '-'} |")
    w("")
    w(cpu_table(b))
    for scen, title in SCENARIOS.items():
        w(f"## {scen}. {title}\n")
        w(METHOD[scen] + "\n")
        if scen == 6:
            w(model_text(b))
        rows = [fig for fig in FIGURES if fig["scenario"] == scen]
        w("| figure | unit | median (range) | runs | compared | goal | "
          "met |")
        w("|---|---|---|---|---|---|---|")
        for fig in rows:
            v = b.values.get(fig["key"])
            goal = fig["goal"][2] if fig["goal"] else \
                (f"plugin 1.2: {fig['ref']}" if fig["ref"] else "")
            w(f"| {fig['label']} | {fig['unit']} | "
              f"{value_cell(b, fig['key'])} | {v['n'] if v else 0} | "
              f"{compare(b, fig['key'])} | {goal} | {b.met(fig) or '-'} |")
        w("")
        for n in b.scen_notes[scen]:
            w(f"- {n}")
        if b.scen_notes[scen]:
            w("")
        if scen == 1:
            bounds = [bound_text(b, k, d) for k in ("mux", "basic")
                      for d in ("down", "up")]
            bounds = [x for x in bounds if x]
            if bounds:
                w("What bounds the throughput where a goal is missed "
                  "(from the figures of this run):\n")
                for x in bounds:
                    w(f"- {x}")
                w("")
        bounds = missed_bounds(b, scen)
        if bounds:
            w("What bounds the other missed goals (from the figures of "
              "this run):\n")
            for x in bounds:
                w(f"- {x}")
            w("")
        profiles = [(label, lines) for label, (s, lines)
                    in b.profiles.items() if s == scen]
        if profiles:
            w("Profiles: `perf record -g` of gatewayd during one more run "
              "of the same size; self time, top entries.\n")
            for label, lines in profiles:
                w(f"- {label}:")
                for ln in lines:
                    w(f"  - {ln}")
            w("")
    w("## Plots\n")
    for name, what in (("throughput_sessions", "throughput against "
                        "concurrent connections (sessions)"),
                       ("latency_cdf", "connection set-up latency, "
                        "distribution of the median run"),
                       ("memory_conns", "RSS against idle connections")):
        w(f"![{what}](data/{name}.png)\n")
    for e in getattr(b, "plot_errors", []):
        w(f"- plot failed: {e}")
    w("Data: `data/results.csv` (every figure), "
      "`data/throughput_sessions.csv`, `data/latency_cdf.csv`, "
      "`data/memory_conns.csv`; the gnuplot scripts beside the PNGs.\n")
    with open(path + ".new", "w") as fh:
        fh.write("\n".join(out) + "\n")
    os.replace(path + ".new", path)


def bound_text(b, k, d):
    """A sentence on what held scenario 1's ssm k/d back, if it missed a
    goal; '' otherwise."""
    missed = [FIGS[x] for x in (f"s1.{k}.{d}", f"s1.{k}.{d}.cpu")
              if b.met(FIGS[x]) == "no"]
    if not missed:
        return ""
    gw, emu = b.get(f"s1.{k}.{d}.busy"), b.get(f"s1.{k}.{d}.emu")
    cpu = b.get(f"s1.{k}.{d}.cpu")
    _, limit = b.model()
    what = " and ".join("CPU per GiB" if f["unit"] == "CPU s/GiB"
                        else "throughput" for f in missed)
    t = f"ssm {k} {d}load ({what} missed): "
    if gw is not None and gw >= 85:
        t += f"gatewayd was busy {gw:.0f}% of a core, so its own CPU " \
            "bounds it"
    elif emu is not None and emu >= 85:
        t += f"awsemu was busy {emu:.0f}% of a core while gatewayd was " \
            f"busy {gw:.0f}%: the emulator, not gatewayd, set the pace"
    elif gw is not None:
        t += f"neither gatewayd ({gw:.0f}% of a core) nor awsemu " \
            f"({emu or 0:.0f}%) was saturated: with the client and the " \
            "server on the same two cores (and the load average in the " \
            "machine table) the pipeline waits on the scheduler"
    if cpu is not None and limit:
        t += f"; per core gatewayd moves {1024 / cpu:.0f} MiB per CPU " \
            f"second, {100 * 1024 / cpu / limit:.0f}% of the model's " \
            f"{fmt(limit)} MiB/s (scenario 6)"
    sysc, sc = b.get(f"s1.{k}.{d}.sys"), b.get("s6.syscall")
    if sysc is not None and sc is not None and cpu:
        spent = sysc * 1024 * sc / 1e9
        t += f"; its {fmt(sysc)} system calls per MiB cost " \
            f"{fmt(spent)} CPU s/GiB in entry and exit alone " \
            f"({100 * spent / cpu:.0f}% of its CPU)"
    return t + "."


def floor_text(b, key, per_msg, allowed):
    """A sentence comparing gatewayd's CPU per message, the goal's and
    the machine's floor (scenario 6), or "" without a floor."""
    floor = b.get(f"s6.floor.{key}")
    if floor is None:
        return ""
    t = f"; the floor, what any receiver spends per message on this " \
        f"machine with nothing of gatewayd in it (scenario 6), is " \
        f"{floor:.2f} us"
    over = max(per_msg - floor, 0)
    if floor >= allowed:
        return t + f", at or above the {allowed:.2f} us the goal allows: " \
            "no receiver meets this goal on this machine; gatewayd's own " \
            f"overhead above the floor is {over:.2f} us a message"
    if floor >= 0.9 * allowed:
        return t + f", within 10% of the {allowed:.2f} us the goal " \
            "allows: the goal leaves no room for a WebSocket, TLS records " \
            "or a JSON acknowledge beyond the floor's bare work, so no " \
            "implementation of the protocol meets it on this machine; " \
            f"gatewayd's own overhead above the floor is {over:.2f} us a " \
            "message"
    return t + f", below the {allowed:.2f} us the goal allows: gatewayd's " \
        f"own overhead above the floor, {over:.2f} us a message (framing, " \
        "copies, system calls and wake-ups beyond one read and two writes " \
        "a batch), is what stands between it and the goal"


def missed_bounds(b, scen):
    """Sentences on what bounds each missed goal of scenarios 1 to 5,
    from this run's figures (scenario 1's throughput has bound_text)."""
    missed = lambda k: b.met(FIGS[k]) == "no"
    out = []
    if scen == 1:
        for d in ("down", "up"):
            k = f"s1.mux.{d}.cpu100"
            if not missed(k):
                continue
            per_msg = b.get(k) / (100 * MB / Bench.MODEL_PAYLOAD) * 1e6
            allowed = FIGS[k]["goal"][1] / (100 * MB /
                                            Bench.MODEL_PAYLOAD) * 1e6
            t = f"ssm mux {d}load, CPU per 100 MB: gatewayd spends " \
                f"{per_msg:.2f} us of CPU per 1 KiB message (the goal " \
                f"allows {allowed:.2f} us)"
            lim = b.get("s6.limit.msg")
            if lim is not None:
                t += f"; SHA-256 and AES-256-GCM of the message alone " \
                    f"take {lim:.2f} us"
            t += floor_text(b, "unpaced", per_msg, allowed)
            if d == "up":
                t += " (the floor measures a download's side; an upload " \
                    "encrypts and masks where a download decrypts, at " \
                    "the same cost)"
            out.append(t + ". See the profiles below.")
    elif scen == 2:
        for d in ("down", "up"):
            k = f"s2.mux.{d}.cpu"
            if not missed(k):
                continue
            cpu = b.get(k)
            per_msg = cpu / (100 * MB / Bench.MODEL_PAYLOAD) * 1e6
            allowed = FIGS[k]["goal"][1] / (100 * MB /
                                            Bench.MODEL_PAYLOAD) * 1e6
            t = f"ssm mux paced {d}load, CPU per 100 MB: gatewayd " \
                f"spends {per_msg:.1f} us of CPU per 1 KiB message (the " \
                f"goal allows {allowed:.1f} us)"
            sysc, sc = b.get(f"s2.mux.{d}.sys"), b.get("s6.syscall")
            if sysc is not None and sc is not None:
                n = sysc * Bench.MODEL_PAYLOAD / MIB
                t += f"; it makes {n:.1f} system calls per message, " \
                    f"{n * sc / 1000:.1f} us of entry and exit at " \
                    f"{fmt(sc)} ns each " \
                    f"({100 * n * sc / 1000 / per_msg:.0f}% of its CPU)"
            w = b.get(f"s2.mux.{d}.wake")
            if w is not None:
                t += f"; it wakes {w:.2f} times per agent message " \
                    "(context switches)"
            if d == "down":
                t += floor_text(b, "paced", per_msg, allowed)
                t += ". Paced, the agent's messages come one a " \
                    "millisecond: the cost is per message, not per byte, " \
                    "and each wake-up is a loop turn (epoll_wait, reads, " \
                    "an acknowledge); docs/data-path.md says what the " \
                    "data path batches. See the profile below."
            else:
                t += ". The upload goes at gatewayd's pace and the agent " \
                    "acknowledges each message. See the profile below."
            out.append(t)
    elif scen == 3 and missed("s3.ratio4"):
        r1, r8 = b.get("s3.ms1.c4"), b.get("s3.ms8.c4")
        one = b.get("s3.ms8.c1")
        out.append(f"striping: 4 connections with max_sessions 8 moved "
                   f"{fmt(r8)} MiB/s, {fmt(r8 / one)} times one "
                   f"connection, and with max_sessions 1 {fmt(r1)} MiB/s; "
                   "the sessions awsemu counted (notes above) say whether "
                   "the connections were spread over more than one "
                   "session: if not, the pool's policy, not the data "
                   "path, bounds it.")
    elif scen == 4 and missed("s4.mux.over_tcp"):
        m50, m99 = b.get("s4.mux.p50"), b.get("s4.mux.p99")
        t50, t99 = b.get("s4.tcp.p50"), b.get("s4.tcp.p99")
        out.append(f"set-up latency: the median connection takes "
                   f"{m50 - t50:.0f} us more through the warm mux session "
                   "than through a tcp forward (its SYN and first byte go "
                   "through gatewayd's TLS WebSocket to awsemu, which "
                   "dials the target, and the echo comes back the same "
                   f"way); the tail above the median is {m99 - m50:.0f} us "
                   f"through the session against {t99 - t50:.0f} us "
                   "through the tcp forward: four processes on two shared "
                   "cores (load average in the machine table) each wait "
                   "on the scheduler, and the p99 gathers those waits.")
    elif scen == 5 and missed("s5.ssm.session"):
        c = b.get("s5.mux.conn")
        out.append(f"RSS per warm idle session: {fmt(b.get('s5.ssm.session'))}"
                   " KiB, against "
                   f"{fmt(c) if c is not None else '?'} KiB per idle client "
                   "connection on it: the session's own state dominates, a "
                   "TLS connection (OpenSSL's per-connection state and "
                   "its record buffers), the WebSocket and data-channel "
                   "buffers (the resend window) and the smux session. Not "
                   "profiled here: a heap profile (valgrind --tool=massif) "
                   "of one session is the next step.")
    return out


def model_text(b):
    sha, aes = b.get("s6.sha256"), b.get("s6.aes")
    cs, cr = b.get("s6.loop.send_cpu"), b.get("s6.loop.recv_cpu")
    relay, ssm = b.model()
    t = ["The model. A relay (the `tcp` forwarder) costs per byte what "
         "the kernel charges one receiver plus one sender on loopback, "
         "measured here in CPU seconds per GiB on each side "
         f"(send {fmt(cs)}, receive {fmt(cr)}); one core can relay at "
         f"most 1/(send + receive) = {fmt(relay)} MiB/s. Through Session "
         "Manager, per 1 KiB Output message gatewayd also computes one "
         "SHA-256 of the payload (the digest, made or checked), frames "
         "it in a 120-byte agent message and a WebSocket frame (masked "
         "upstream: XOR, left out), TLS-encrypts or decrypts those "
         f"{Bench.MODEL_WIRE} bytes with AES-256-GCM, moves them over "
         "loopback, and sends or receives one acknowledge (~"
         f"{Bench.MODEL_ACK} bytes on the wire, its JSON digested and "
         "encrypted too). With SHA-256 at "
         f"{fmt(sha)} MB/s and AES-256-GCM at {fmt(aes)} MB/s (1 KiB, "
         "one core, above), one core moves at most "
         f"{fmt(ssm)} MiB/s of payload. Both limits are upper bounds: "
         "they leave out syscalls per message, JSON, the event loop and "
         "memory traffic beyond the copies. gatewayd's throughput per "
         "core is the bytes moved over its own CPU seconds (1024 / CPU s "
         "per GiB), which does not depend on how busy the other "
         "processes kept the machine.\n"]
    sc = b.get("s6.syscall")
    if sc is not None:
        t.append(f"System calls: a trivial one costs {fmt(sc)} ns on this "
                 "machine (bare metal: about 50-100 ns). The loopback "
                 "limits above use 256 KiB reads and writes; an event-driven "
                 "relay reads what has arrived when it wakes, often far "
                 "less, so its cost per byte follows its calls per byte:")
        for d in ("down", "up"):
            for k in ("tcp", "mux", "basic"):
                n = b.get(f"s1.{k}.{d}.sys")
                if n is None:
                    continue
                cpu = b.get(f"s1.{k}.{d}.cpu")
                spent = n * 1024 * sc / 1e9
                share = f", {100 * spent / cpu:.0f}% of its " \
                    f"{fmt(cpu)} CPU s/GiB" if cpu else ""
                t.append(f"- {k} {d}load: {fmt(n)} calls per MiB, "
                         f"{fmt(spent)} CPU s/GiB in system call entry "
                         f"and exit alone{share}.")
        t.append("")
    return "\n".join(t)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--top-srcdir", required=True)
    ap.add_argument("--top-builddir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--reps", type=int, default=0)
    ap.add_argument("--only", type=lambda s: {int(x) for x in s.split(",")},
                    default=None)
    ap.add_argument("--awsemu", help="another awsemu binary (to try a "
                    "branch's emulator)")
    ap.add_argument("--budget", type=int, default=0,
                    help="seconds the run may take (default 300 for "
                    "--smoke, 2700 otherwise)")
    args = ap.parse_args()
    if not args.budget:
        args.budget = 300 if args.smoke else 2700
    b = Bench(args)
    b.started = time.monotonic()
    b.load_start = " ".join(f"{x:.2f}" for x in os.getloadavg())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        b.run_all()
    finally:
        b.stop_all()
    os.makedirs(b.data, exist_ok=True)
    b.write_csv()
    b.write_plots()
    report = os.path.join(b.out, "report.md")
    write_report(b, report)
    if os.environ.get("KEEP") != "1":
        shutil.rmtree(b.tmp, ignore_errors=True)
    else:
        print(f"bench: kept {b.tmp}")
    print(f"bench: wrote {report}")
    for fig in FIGURES:
        if fig["goal"] is not None and fig["key"] in b.values:
            print(f"bench: {fig['label']}: {value_cell(b, fig['key'])} "
                  f"{fig['unit']}, goal {fig['goal'][2]}: {b.met(fig)}")
    return 1 if b.failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/bin/sh
# The benchmark harness, seconds long (make bench-smoke): every scenario
# produced its figures or says plainly why it could not run, the report,
# CSV files and plots were written. Structure only: never a speed.
. "$top_srcdir/tests/lib.sh"

"$PY" "$top_srcdir/tests/bench/bench.py" --smoke --top-srcdir "$top_srcdir" \
    --top-builddir "$top_builddir" --out "$T/out" >"$T/bench.out" 2>&1 ||
    fail "bench.py --smoke failed: $(tail -n 20 "$T/bench.out")"
cat "$T/bench.out"

# Is the ssm forwarder in this build? Asked here, not of bench.py, so
# that a harness that wrongly says "not run" is caught.
cat >"$T/ssm.conf" <<EOF
[gateway]
control = $T/probe.sock

[forward "probe"]
listen = 127.0.0.1:1
forwarder = ssm
target = i-0123456789abcdef0
remote_port = 22
EOF
if "$top_builddir/gatewayd/gatewayd" -n -f "$T/ssm.conf" >/dev/null \
    2>"$T/ssm.err"; then
	SSM=1
	! grep -q "skipped: ssm forwarder not in this build" "$T/bench.out" ||
	    fail "bench.py skipped the ssm scenarios, gatewayd has the forwarder"
elif grep -q 'forwarder "ssm" is not available' "$T/ssm.err"; then
	SSM=0
	grep -q "skipped: ssm forwarder not in this build" "$T/bench.out" ||
	    fail "bench.py did not say the ssm scenarios were skipped"
else
	fail "gatewayd -n refuses a plain ssm forward: $(cat "$T/ssm.err")"
fi

"$PY" - "$T/out" "$SSM" <<'EOF' || fail "the report is incomplete"
import csv, os, re, sys

out, ssm = sys.argv[1], sys.argv[2] == "1"
bad = []
rows = list(csv.DictReader(open(os.path.join(out, "data", "results.csv"))))
if len(rows) < 60:
    bad.append(f"results.csv has {len(rows)} figures")
scens = set()
for r in rows:
    scens.add(r["scenario"])
    note, med = r["note"], r["median"]
    if med:
        float(med)
        if note:
            bad.append(f"{r['key']}: a figure and a note: {note}")
        continue
    if not note.startswith("not run: "):
        bad.append(f"{r['key']}: no figure and no reason: '{note}'")
    # What every build has: the tcp forwarder, loopback, openssl (perf
    # may not be allowed to count: the .sys figures may be missing).
    if re.match(r"s1\.tcp\.|s3\.tcp\.|s4\.(direct|tcp)\.|s5\.tcp\.|s6\."
                r"(sha256|aes|loop|syscall|limit\.tcp|tcp)", r["key"]) \
            and not r["key"].endswith(".sys"):
        bad.append(f"{r['key']}: not measured: {note}")
    if ssm and "ssm forwarder is not in this build" in note:
        bad.append(f"{r['key']}: says no ssm forwarder, gatewayd has one")
    # Issue 16's per-message figures: every run through the mux counts.
    if ssm and re.match(r"s[12]\.mux\.(down|up)\.(msgs|wake|usmsg)$",
                        r["key"]) and not med:
        bad.append(f"{r['key']}: not measured: {note}")
if scens != {str(s) for s in range(1, 9)}:
    bad.append(f"scenarios {sorted(scens)}")

report = open(os.path.join(out, "report.md")).read()
for head in ["# gatewayd benchmarks", "## Machine", "| CPU |", "| cores |",
             "| kernel |", "## Goals", "## CPU per byte", "## Plots"] + \
        [f"## {s}. " for s in range(1, 9)]:
    if head not in report:
        bad.append(f"report.md: no '{head}'")
# Issue 16's table: its four rows, the limit and the two floors; without
# SMP_BIN the plugin's column says so, never a figure.
table = report.split("## CPU per byte", 1)[-1].split("\n## ", 1)[0]
rows16 = [l for l in table.splitlines() if re.match(r"\| (download|upload"
                                                     r"|limit|floor)", l)]
if len(rows16) != 7:
    bad.append(f"CPU per byte: {len(rows16)} rows, want 7")
for l in rows16:
    cells = [c.strip() for c in re.split(r"(?<!\\)\|", l.strip("|"))]
    if len(cells) != 10:
        bad.append(f"CPU per byte: {len(cells)} cells: {l}")
    elif l.startswith("| floor") and not re.match(r"[0-9.]+$", cells[1]):
        bad.append(f"CPU per byte: the floor was not measured: {l}")
    elif not os.environ.get("SMP_BIN") and not re.match(r"\| (limit|floor)",
                                                        l) \
            and cells[2] != "not run: SMP_BIN is not set":
        bad.append(f"CPU per byte: plugin without SMP_BIN: {cells[2]}")
for name in ("throughput_sessions", "latency_cdf", "memory_conns"):
    png = os.path.join(out, "data", name + ".png")
    if not os.path.exists(png) or os.path.getsize(png) < 1000:
        bad.append(f"{name}.png missing or empty")
    elif open(png, "rb").read(8) != b"\x89PNG\r\n\x1a\n":
        bad.append(f"{name}.png is not a PNG")
    if f"(data/{name}.png)" not in report:
        bad.append(f"report.md does not show {name}.png")
    lines = open(os.path.join(out, "data", name + ".csv")).read().split("\n")
    if len([l for l in lines[1:] if l]) < 1:
        bad.append(f"{name}.csv has no data")
for b in bad:
    print("bad:", b)
sys.exit(1 if bad else 0)
EOF
echo "ok: every scenario reported, report.md, 4 CSV files and 3 plots"

#!/bin/sh
# Audit records (docs/audit.md): 100 connections, each with its records in
# the audit file: 40 across a tcp forward, 30 across an ssm forward in mux
# mode and 10 in basic mode (agent 3.0.161, one session a connection), 10
# TCP clients and 5 unix clients refused by allow lists, and 5 gatewayctl
# connect requests refused by the connect_ policy. Every line parses and
# carries the right members: the session ids are the ones awsemu issued,
# the bytes what the clients sent and got back, the account and principal
# those STS gives the test key. Then SIGUSR1 reopens the file after it was
# moved, and a FIFO nobody reads as the sink costs records, never
# connections: the drop count rises and is logged.
. "$top_srcdir/tests/lib.sh"

MUX=i-0123456789abcdef0
BASIC=i-0fedcba9876543210
AUDIT=$T/audit.log
start_server echo echo
ssm_instance "$MUX" 3.3.987.0 Online '{"Name": "new"}' \
    "{\"80\": \"127.0.0.1:$echo_PORT\"}"
ssm_instance "$BASIC" 3.0.161.0 Online '{"Name": "old"}' \
    "{\"80\": \"127.0.0.1:$echo_PORT\"}"
ssm_emu_start --knob pacing=false
set -- $(free_ports 4)
TCP_PORT=$1 MUX_PORT=$2 BASIC_PORT=$3 GUARD_PORT=$4
SOCK=$T/guarded.sock
# conf [GATEWAY KEYS]: the forwards, the connect policy and those keys.
conf() {
	ssm_conf "connect_allow = uid:$(id -u)" "connect_targets = $MUX" \
	    "connect_ports = 80" "$@"
	add_forward tcp "127.0.0.1:$TCP_PORT" 127.0.0.1 "$echo_PORT"
	add_ssm_forward mux "127.0.0.1:$MUX_PORT" "$MUX" 80
	add_ssm_forward basic "127.0.0.1:$BASIC_PORT" "$BASIC" 80
	add_forward guarded "127.0.0.1:$GUARD_PORT" 127.0.0.1 "$echo_PORT" \
	    allow=127.0.0.1
	add_forward guarded_unix "unix:$SOCK" 127.0.0.1 "$echo_PORT" \
	    socket_mode=0666 "allow=uid:$(id -u)"
}
conf "audit = $AUDIT"
start_gatewayd

# The traffic: each client checks every byte of its echo.
client() {
	"$LOADCLIENT" -c "$1" -m "$2" -C "$3" -n "$4" -W -t 120 \
	    >"$T/client.out" 2>&1 || fail "$1: $(cat "$T/client.out")"
}
client "127.0.0.1:$TCP_PORT" echo 40 10000
client "127.0.0.1:$MUX_PORT" echo 30 20000
client "127.0.0.1:$BASIC_PORT" echo 10 5000
"$LOADCLIENT" -c "127.0.0.1:$GUARD_PORT" -b 127.0.0.2:0 -m refused -C 10 \
    -t 30 >"$T/refused.out" 2>&1 || fail "refused: $(cat "$T/refused.out")"
outsider=
if [ "$(id -u)" = 0 ]; then
	outsider="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
	OUT_UID=$(id -u nobody)
fi
if [ -n "$outsider" ]; then
	$outsider "$LOADCLIENT" -c "unix:$SOCK" -m refused -C 5 -t 30 \
	    >"$T/unix.out" 2>&1 || fail "unix refused: $(cat "$T/unix.out")"
fi
for t in "$BASIC 80" "$BASIC 80" "$BASIC 22" "$MUX 22" "$MUX 443"; do
	set -- $t
	if gwctl connect "$1" "$2" </dev/null >"$T/connect.out" 2>&1; then
		fail "connect $t was not refused"
	fi
done

n_unix=0
[ -n "$outsider" ] && n_unix=5
want_refused=$((10 + n_unix + 5))
# Every record is written once its connection closed: 80 pairs.
records() {
	[ "$(grep -c '"event":"closed"' "$AUDIT")" -ge 80 ] &&
	    [ "$(grep -c '"event":"refused"' "$AUDIT")" -ge "$want_refused" ]
}
wait_for 30 "80 closed and $want_refused refused records" records

# What the test key is, as STS says (the AWS CLI against awsemu).
"$AWS" sts get-caller-identity --endpoint-url "$EMU_URL" --output json \
    >"$T/who.json" 2>"$T/who.err" ||
    fail "aws sts get-caller-identity: $(cat "$T/who.err")"
emu_admin GET /state >"$T/state.json"
cp "$AUDIT" "$T/audit.first"

"$PY" - "$T/audit.first" "$T/who.json" "$T/state.json" "$n_unix" \
    "${OUT_UID:--1}" "$(id -u)" <<'PYEOF' || fail "the records are wrong"
import json, re, sys
path, who, state = sys.argv[1:4]
n_unix, out_uid, my_uid = (int(x) for x in sys.argv[4:7])
who = json.load(open(who))
issued = {s["id"] for s in json.load(open(state))["sessions"]["list"]}
recs = []
for i, line in enumerate(open(path), 1):
    try:
        recs.append(json.loads(line))
    except ValueError as e:
        sys.exit("line %d does not parse: %s: %r" % (i, e, line))
def fail(msg, r):
    sys.exit("%s: %s" % (msg, json.dumps(r)))
time_re = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
by = {}
for r in recs:
    if not time_re.match(r.get("time", "")):
        fail("bad time", r)
    by.setdefault(r["event"], []).append(r)
acc, clo, ref = by.get("accepted", []), by.get("closed", []), \
    by.get("refused", [])
if len(acc) != 80 or len(clo) != 80:
    sys.exit("%d accepted, %d closed records, not 80" % (len(acc), len(clo)))
if sorted(r["conn"] for r in acc) != sorted(r["conn"] for r in clo) or \
   len({r["conn"] for r in acc}) != 80:
    sys.exit("the conn ids of accepted and closed records differ")
want = {"tcp": (40, 10000), "mux": (30, 20000), "basic": (10, 5000)}
for fw, (n, size) in want.items():
    mine = [r for r in clo if r["forward"] == fw]
    if len(mine) != n:
        sys.exit("%d closed records of %s, not %d" % (len(mine), fw, n))
    for r in mine:
        if r["bytes_in"] != size or r["bytes_out"] != size:
            fail("bytes not %d each way" % size, r)
        if r["on_demand"] or r["client"]["address"] != "127.0.0.1" or \
           not 0 < r["client"]["port"] < 65536:
            fail("client", r)
        if r["end"] not in ("done", "client") or r["reset"] or \
           not r["reason"] or r["duration_ms"] < 0:
            fail("end", r)
        if fw == "tcp":
            if r["target"] != "127.0.0.1:%d" % r["remote_port"] or \
               "session_id" in r or "account" in r:
                fail("tcp target", r)
            continue
        inst = {"mux": "i-0123456789abcdef0", "basic":
            "i-0fedcba9876543210"}[fw]
        if r["instance"] != inst or r["target"] != inst + ":80" or \
           r["mode"] != fw or r["region"] != "us-east-1":
            fail("ssm target", r)
        if r["session_id"] not in issued:
            fail("a session id awsemu did not issue", r)
        if (fw == "mux") != ("stream_id" in r):
            fail("stream id", r)
        if r.get("account") != who["Account"] or \
           r.get("principal") != who["Arn"]:
            fail("identity is not %s %s" % (who["Account"], who["Arn"]), r)
for r in acc:
    if "bytes_in" in r or "client" not in r or "target" not in r:
        fail("accepted", r)
basic_ids = {r["session_id"] for r in clo if r["forward"] == "basic"}
if len(basic_ids) != 10:
    sys.exit("basic mode: %d sessions for 10 conns" % len(basic_ids))
tcp_ref = [r for r in ref if r.get("forward") == "guarded"]
if len(tcp_ref) != 10:
    sys.exit("%d refusals by the TCP allow list" % len(tcp_ref))
for r in tcp_ref:
    if r["client"]["address"] != "127.0.0.2" or not r["client"]["port"] \
       or r["reason"] != "address not in allow list" or "conn" in r:
        fail("tcp refusal", r)
unix_ref = [r for r in ref if r.get("forward") == "guarded_unix"]
if len(unix_ref) != n_unix:
    sys.exit("%d refusals by the unix allow list" % len(unix_ref))
for r in unix_ref:
    c = r["client"]
    if c["uid"] != out_uid or c["user"] != "nobody" or c["pid"] <= 0 or \
       "gid" not in c or r["reason"] != "user and groups not in allow list":
        fail("unix refusal", r)
ctl_ref = [r for r in ref if r.get("forward") is None]
if len(ctl_ref) != 5:
    sys.exit("%d refused gatewayctl connects" % len(ctl_ref))
for r in ctl_ref:
    c = r["client"]
    if c["uid"] != my_uid or c["pid"] <= 0 or not r["on_demand"] or \
       "not in connect_" not in r["reason"]:
        fail("connect refusal", r)
targets = sorted(r["target"] for r in ctl_ref)
if targets != sorted(["i-0fedcba9876543210:80"] * 2 +
                     ["i-0fedcba9876543210:22", "i-0123456789abcdef0:22",
                      "i-0123456789abcdef0:443"]):
    sys.exit("refused targets: %s" % targets)
for kind in ("accepted", "refused", "closed"):
    print("sample %s: %s" % (kind, json.dumps(by[kind][-1],
        separators=(",", ":"))))
PYEOF
nrec=$(wc -l <"$T/audit.first")
ok "$nrec records of 100 connections parse and carry the right members"

# logrotate's way: move the file, SIGUSR1, new records at the path.
mv "$AUDIT" "$AUDIT.1"
kill -USR1 "$GW_PID"
wait_for 10 "the reopen" log_has "audit: reopened $AUDIT"
client "127.0.0.1:$TCP_PORT" echo 3 100
wait_for 10 "3 records in the new file" sh -c \
    "[ \$(grep -c '\"event\":\"closed\"' '$AUDIT') -eq 3 ]"
expect_eq "the moved file's records" "$(wc -l <"$AUDIT.1")" "$nrec"
expect_eq "its accepted records" \
    "$(grep -c '"event":"accepted"' "$AUDIT")" 3
ok "SIGUSR1: the moved file keeps its $nrec records, 6 new at the path"

# A FIFO that is open but never read: the pipe fills, then the queue
# (audit_queue, 64k), then records are dropped; connections go on.
FIFO=$T/audit.fifo
mkfifo "$FIFO"
exec 3<>"$FIFO"
METRICS_PORT=$(free_ports 1)
conf "audit = $FIFO" "audit_queue = 64k" "metrics = 127.0.0.1:$METRICS_PORT"
reload_gatewayd
log_has "audit: records to $FIFO" || fail "the FIFO is not the sink"
for i in 1 2 3 4 5; do
	client "127.0.0.1:$TCP_PORT" echo 200 1000
done
wait_for 30 "the drop line" grep -q "records dropped: sink not reading" \
    "$GW_LOG"
client "127.0.0.1:$MUX_PORT" echo 20 1000
gwctl status >/dev/null || fail "gatewayd does not answer"
dropped=$(sed -n 's/.*audit: \([0-9]*\) records* dropped: sink not.*/\1/p' \
    "$GW_LOG" | awk '{ n += $1 } END { print n + 0 }')
[ "$dropped" -gt 0 ] || fail "no drops logged"
# The metrics count every drop (the log's line is rate-limited: it may
# not have said the last ones yet).
curl -sS --max-time 30 "http://127.0.0.1:$METRICS_PORT/metrics" \
    >"$T/scrape.txt" 2>&1 || fail "scrape: $(cat "$T/scrape.txt")"
metric() {
	awk -v m="$1" '$1 == m { print $2 }' "$T/scrape.txt"
}
m_dropped=$(metric gatewayd_audit_records_dropped_total)
m_written=$(metric gatewayd_audit_records_written_total)
[ -n "$m_dropped" ] && [ "$m_dropped" -ge "$dropped" ] ||
    fail "gatewayd_audit_records_dropped_total is '$m_dropped'," \
	"the log said $dropped"
[ -n "$m_written" ] && [ "$m_written" -ge "$nrec" ] ||
    fail "gatewayd_audit_records_written_total is '$m_written'," \
	"fewer than the $nrec records the first file got"
ok "a FIFO nobody reads: 1020 connections served, $dropped records" \
    "dropped (metrics: $m_dropped dropped, $m_written written)"
exec 3<&-

stop_gatewayd

#!/bin/sh
# Audit records to the journal and to syslog, each a datagram on a unix
# socket the test binds in their place (GATEWAYD_AUDIT_JOURNAL_SOCKET,
# GATEWAYD_AUDIT_SYSLOG_SOCKET). Journal entries carry the record as
# MESSAGE= and its members as GATEWAYD_* fields, a value with a line feed
# in the binary form; syslog messages are the record after an authpriv.info
# header with the gatewayd-audit ident. A forward at max_conns turns away
# a TCP client and a gatewayctl connect, each with the forward named. A
# reload moves the records from one sink to the other.
. "$top_srcdir/tests/lib.sh"

# sink NAME: receive datagrams at $T/NAME.sock, one base64 line each in
# $T/NAME.out.
sink() {
	"$PY" - "$T/$1.sock" "$T/$1.out" <<'PYEOF' &
import base64, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(base64.b64encode(s.recv(1 << 20)).decode() + "\n")
        out.flush()
PYEOF
	lib_track $!
	wait_for 10 "the $1 socket" test -S "$T/$1.sock"
	: >"$T/$1.out"
}
sink journal
sink syslog
export GATEWAYD_AUDIT_JOURNAL_SOCKET=$T/journal.sock
export GATEWAYD_AUDIT_SYSLOG_SOCKET=$T/syslog.sock

start_server echo echo
set -- $(free_ports 3)
PORT=$1 GUARD_PORT=$2 ONE_PORT=$3
conf() {
	write_conf "audit = $1" "connect_allow = uid:$(id -u)" \
	    "connect_targets = i-0123456789abcdef0 one"
	add_forward echo "127.0.0.1:$PORT" 127.0.0.1 "$echo_PORT"
	add_forward guarded "127.0.0.1:$GUARD_PORT" 127.0.0.1 "$echo_PORT" \
	    allow=127.0.0.1
	add_forward one "127.0.0.1:$ONE_PORT" 127.0.0.1 "$echo_PORT" \
	    max_conns=1
}
# traffic: 3 connections, a refused one, a refused gatewayctl connect
# whose target (and so its reason) has a line feed.
traffic() {
	"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -C 3 -n 1000 \
	    >"$T/client.out" 2>&1 || fail "echo: $(cat "$T/client.out")"
	"$LOADCLIENT" -c "127.0.0.1:$GUARD_PORT" -b 127.0.0.2:0 -m refused \
	    -t 30 >"$T/client.out" 2>&1 || fail "refused: $(cat "$T/client.out")"
	if gwctl connect "$(printf 'i-0a\nb')" 22 </dev/null \
	    >"$T/connect.out" 2>&1; then
		fail "the connect was not refused"
	fi
}
datagrams() {
	[ "$(wc -l <"$T/$1.out")" -ge "$2" ]
}

conf journal
start_gatewayd
traffic
wait_for 10 "8 journal entries" datagrams journal 8

"$PY" - "$T/journal.out" <<'PYEOF' || fail "the journal entries are wrong"
import base64, json, struct, sys
def fields(d):
    f = {}
    while d:
        nl = d.index(b"\n")
        line = d[:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            d = d[nl + 1:]
        else:
            k = line
            (n,) = struct.unpack("<Q", d[nl + 1:nl + 9])
            v = d[nl + 9:nl + 9 + n]
            if d[nl + 9 + n:nl + 10 + n] != b"\n":
                sys.exit("binary field %s not ended by a line feed" % k)
            d = d[nl + 10 + n:]
        if k in f:
            sys.exit("field %s twice" % k)
        f[k.decode()] = v.decode()
    return f
ents = [fields(base64.b64decode(l)) for l in open(sys.argv[1])]
events = {}
for e in ents:
    rec = json.loads(e["MESSAGE"])
    if e["SYSLOG_IDENTIFIER"] != "gatewayd-audit" or e["PRIORITY"] != "6" \
       or e["SYSLOG_FACILITY"] != "10" or len(e["MESSAGE_ID"]) != 32:
        sys.exit("header fields: %s" % e)
    if e["GATEWAYD_EVENT"] != rec["event"] or \
       e["GATEWAYD_TIME"] != rec["time"]:
        sys.exit("event fields: %s" % e)
    events.setdefault(rec["event"], []).append((e, rec))
if [len(events.get(k, [])) for k in ("accepted", "closed", "refused")] != \
   [3, 3, 2]:
    sys.exit("events: %s" % {k: len(v) for k, v in events.items()})
for e, rec in events["closed"]:
    if e["GATEWAYD_FORWARD"] != "echo" or e["GATEWAYD_BYTES_IN"] != "1000" \
       or e["GATEWAYD_BYTES_OUT"] != "1000" or \
       e["GATEWAYD_CLIENT_ADDRESS"] != "127.0.0.1" or \
       int(e["GATEWAYD_CLIENT_PORT"]) != rec["client"]["port"] or \
       e["GATEWAYD_CONN"] != str(rec["conn"]) or \
       e["GATEWAYD_RESET"] != "false" or e["GATEWAYD_END"] != rec["end"]:
        sys.exit("closed fields: %s" % e)
ctl = [(e, r) for e, r in events["refused"] if "GATEWAYD_FORWARD" not in e]
if len(ctl) != 1 or "\n" not in ctl[0][0]["GATEWAYD_REASON"] or \
   ctl[0][0]["GATEWAYD_REASON"] != ctl[0][1]["reason"] or \
   ctl[0][0]["GATEWAYD_CLIENT_UID"] != str(ctl[0][1]["client"]["uid"]):
    sys.exit("the refused connect: %s" % ctl)
PYEOF
ok "journal: 8 entries with their fields, a line feed in binary form"

# max_conns: one conn held, a TCP client and a gatewayctl connect refused.
"$LOADCLIENT" -c "127.0.0.1:$ONE_PORT" -m hold -G "$T/go" -R "$T/ready" \
    >"$T/hold.out" 2>&1 &
HOLD=$!
lib_track "$HOLD"
wait_for 10 "the held conn" test -s "$T/ready"
"$LOADCLIENT" -c "127.0.0.1:$ONE_PORT" -m refused -t 30 \
    >"$T/client.out" 2>&1 || fail "not refused: $(cat "$T/client.out")"
if gwctl connect one </dev/null >"$T/connect.out" 2>&1; then
	fail "connect one was not refused"
fi
touch "$T/go"
wait "$HOLD" || fail "the held conn: $(cat "$T/hold.out")"
lib_untrack "$HOLD"
wait_for 10 "12 journal entries" datagrams journal 12
"$PY" - "$T/journal.out" "$(id -u)" <<'PYEOF' || fail "max_conns entries"
import base64, json, sys
recs = [json.loads(l.split(b"\n")[0].split(b"=", 1)[1])
    for l in map(base64.b64decode, open(sys.argv[1]))]
ref = [r for r in recs if r["event"] == "refused" and
    r.get("forward") == "one"]
if len(ref) != 2 or any("max_conns" not in r["reason"] or
       r["target"] != "127.0.0.1:%d" % r["remote_port"] for r in ref):
    sys.exit("refusals at max_conns: %s" % ref)
if sorted(sorted(r["client"]) for r in ref) != \
   [["address", "port"], ["gid", "pid", "uid", "user"]] or \
   [r["client"]["uid"] for r in ref if "uid" in r["client"]] != \
   [int(sys.argv[2])]:
    sys.exit("the clients refused at max_conns: %s" % ref)
PYEOF
ok "max_conns: a TCP client and a gatewayctl connect refused, forward named"

conf syslog
reload_gatewayd
traffic
wait_for 10 "8 syslog messages" datagrams syslog 8
expect_eq "journal entries after the reload" \
    "$(wc -l <"$T/journal.out")" 12
"$PY" - "$T/syslog.out" "$GW_PID" <<'PYEOF' ||
    fail "the syslog messages are wrong"
import base64, json, re, sys
n = 0
for l in open(sys.argv[1]):
    m = base64.b64decode(l).decode()
    h = re.match(r"<86>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d "
        r"gatewayd-audit\[(\d+)\]: ", m)
    if h is None or h.group(1) != sys.argv[2]:
        sys.exit("header: %r" % m)
    rec = json.loads(m[h.end():])
    if rec["event"] not in ("accepted", "closed", "refused"):
        sys.exit("record: %r" % m)
    n += 1
if n != 8:
    sys.exit("%d messages" % n)
PYEOF
ok "syslog: 8 messages, authpriv.info, gatewayd-audit[pid], the record"

stop_gatewayd

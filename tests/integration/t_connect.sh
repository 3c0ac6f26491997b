#!/bin/sh
# gatewayctl connect: standard input and output become a connection
# through the running daemon, which is handed them (SCM_RIGHTS) and moves
# the bytes itself; a regular file goes through gatewayctl's own relay.
# To a configured forward by name (tcp: half-close both ways), and to an
# instance on demand: the first connection starts a session, the next
# ones with the same key ride it, and connect_idle ends it. The policy
# ([gateway] connect_allow, connect_targets, connect_ports) refuses with
# one line and exit 1, the daemon unharmed; so does a refused port.
. "$top_srcdir/tests/lib.sh"

INST=i-0123456789abcdef0
start_server echo echo
start_server web echo
ssm_instance "$INST" 3.3.987.0 Online '{"Name": "web"}' \
    "{\"80\": \"127.0.0.1:$web_PORT\"}"
ssm_emu_start --knob pacing=false
closed_port
set -- $(free_ports 2)
PORT=$1 METRICS_PORT=$2
ssm_conf "region = us-east-1" "endpoint_url = $EMU_URL" \
    "metrics = 127.0.0.1:$METRICS_PORT" "connect_allow = uid:$(id -u)" \
    "connect_targets = i-0123456789* echo tag:Name=web" \
    "connect_ports = 080 $CLOSED_PORT" "connect_idle = 3s"
add_forward echo "127.0.0.1:$PORT" 127.0.0.1 "$echo_PORT"
start_gatewayd

connect() {
	gwctl connect "$@"
}
# echo_through WHAT ARGS: one line there and back, by pipes; exit 0.
echo_through() {
	what=$1
	shift
	echo_cmd "$what" "$GATEWAYCTL" -s "$GW_CONTROL" connect "$@"
}
# echo_cmd WHAT COMMAND...: the same through any command.
echo_cmd() {
	what=$1
	shift
	"$PY" - "$@" <<'PYEOF' \
	    >"$T/echo.out" 2>&1 || fail "$what: $(cat "$T/echo.out")"
import subprocess, sys
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE,
    stdout=subprocess.PIPE)
p.stdin.write(b"ping\n")
p.stdin.flush()
line = p.stdout.readline()
p.stdin.close()
rest = p.stdout.read()
rc = p.wait(timeout=60)
if line != b"ping\n" or rest != b"" or rc != 0:
    sys.exit("got %r then %r, exit %d" % (line, rest, rc))
PYEOF
}

# A configured tcp forward by name: 4 MiB through pipes (the descriptors
# are passed) and through a regular file (the relay), half-closed.
head -c 4194304 /dev/urandom >"$T/data"
want=$(sha256sum <"$T/data")
cat "$T/data" | connect echo | cat >"$T/out.pipe" ||
    fail "connect echo by pipes failed"
expect_eq "by pipes" "$(sha256sum <"$T/out.pipe")" "$want"
connect echo <"$T/data" >"$T/out.file" || fail "connect echo from a file"
expect_eq "from a file" "$(sha256sum <"$T/out.file")" "$want"
ok "4 MiB through forward echo by name, by pipes and from a file"

# On demand: one session for three connections with one key.
for i in 1 2 3; do
	echo_through "on demand $i" "$INST" 80
done
starts=$(emu_state "s['ops']['ssm:StartSession']['ok']")
expect_eq "StartSession calls" "$starts" 1
gwctl status --json >"$T/status.json"
jq -e '.forwards[] | select(.name == "~'"$INST"':80" and .on_demand and
    .total == 3)' "$T/status.json" >/dev/null ||
    fail "no on-demand forward with 3 conns: $(cat "$T/status.json")"
echo_through "by tag" tag:Name=web 80
ok "three connections to $INST:80 on one session; a tag too"

# Refusals: one line on stderr, exit 1, the daemon unharmed.
refused() {
	what=$1 want=$2
	shift 2
	if connect "$@" </dev/null >"$T/r.out" 2>"$T/r.err"; then
		fail "$what: exit 0"
	fi
	[ "$(wc -l <"$T/r.err")" -eq 1 ] && grep -q "$want" "$T/r.err" ||
	    fail "$what: \"$(cat "$T/r.err")\", want \"$want\""
	[ ! -s "$T/r.out" ] || fail "$what: wrote to stdout"
}
refused "unknown target" 'unknown target "nosuch"' nosuch 22
refused "outside connect_targets" \
    "target i-0aaaaaaaaaaaaaaaa is not in connect_targets" \
    i-0aaaaaaaaaaaaaaaa 80
refused "outside connect_ports" "port 22 is not in connect_ports" "$INST" 22
refused "a refused port" "refused" "$INST" "$CLOSED_PORT"
refused "a forward with a port" "goes to 127.0.0.1:$echo_PORT as configured" \
    echo 81
refused "a profile" "profile ops is not in connect_profiles" \
    --profile ops "$INST" 80
echo_through "after the refusals" "$INST" 80
# An instance awsemu does not know: StartSession fails, and its on-demand
# forward is not up. status shows it, yet exits 0: one user's connect
# is not the health of the config's forwards (gatewayctl(8)).
refused "an unknown instance" "StartSession" i-0123456789fffffff 80
gwctl status --json >"$T/status.json"
jq -e '.forwards[] | select(.on_demand and .state != "up")' \
    "$T/status.json" >/dev/null ||
    fail "no failed on-demand forward: $(cat "$T/status.json")"
rc=0
gwctl status >"$T/status.txt" 2>&1 || rc=$?
expect_eq "status's exit with a failed on-demand forward" "$rc" 0
ok "unknown target, connect_targets, connect_ports (080 is 80)," \
    "connect_profiles, a refused port, a failed session: exit 1;" \
    "status exits 0 beside a failed on-demand forward"

# connect_idle: the unused on-demand forwards end with their sessions.
wait_for 30 "on-demand forwards to end" sh -c \
    "! '$GATEWAYCTL' -s '$GW_CONTROL' status --json | jq -e \
    '.forwards[] | select(.on_demand)'"
log_has "(connect_idle), ended" || fail "no idle log line"
ok "connect_idle ended the on-demand forwards"

# The metrics count every on-demand forward as forward="~connect": their
# names come from what users asked for, not from the config.
curl -s --max-time 30 --fail "http://127.0.0.1:$METRICS_PORT/metrics" \
    >"$T/scrape.txt" || fail "no scrape"
if grep -q 'forward="~[^c]' "$T/scrape.txt"; then
	fail "an on-demand forward's own name as a label:" \
	    "$(grep 'forward="~[^c]' "$T/scrape.txt" | head -3)"
fi
accepted=$(awk '$1 == "gatewayd_connections_accepted_total{forward=\"~connect\"}" {
    print $2 }' "$T/scrape.txt")
[ -n "$accepted" ] && [ "$accepted" -ge 6 ] ||
    fail "~connect accepted '$accepted', want 6 or more"
targets=$(awk '$1 == "gatewayd_connections_refused_total{forward=\"~connect\",reason=\"target\"}" {
    print $2 }' "$T/scrape.txt")
[ -n "$targets" ] && [ "$targets" -ge 1 ] ||
    fail "~connect refused for its target '$targets', want 1 or more"
ok "metrics: on-demand forwards as ~connect ($accepted accepted," \
    "$targets refused for their target)"

# A connection that outlives a reload and is cut by the stop: gatewayctl
# says why and still exits 0 (the far side was reached); gatewayd exits
# cleanly with it attached.
mkfifo "$T/hold"
{ rc=0; connect echo <"$T/hold" >/dev/null 2>"$T/held.err" || rc=$?
    echo "$rc" >"$T/held.rc"; } &
exec 3>"$T/hold"
printf 'x' >&3
wait_for 30 "the held connection" sh -c "'$GATEWAYCTL' -s '$GW_CONTROL' \
    status --json | jq -e '.forwards[] | select(.name == \"echo\" and
    .live == 1)'"

# Off without connect_allow.
write_conf "region = us-east-1" "endpoint_url = $EMU_URL" \
    "allow_plain_websocket = yes" "drain_timeout = 1s"
add_forward echo "127.0.0.1:$PORT" 127.0.0.1 "$echo_PORT"
reload_gatewayd
refused "connect_allow unset" "connect: off" "$INST" 80
ok "off without connect_allow"
stop_gatewayd
wait_for 30 "gatewayctl to end" test -s "$T/held.rc"
exec 3>&-
expect_eq "held connection's exit" "$(cat "$T/held.rc")" 0
grep -q "gatewayctl: connect echo: " "$T/held.err" ||
    fail "no reason for the cut: $(cat "$T/held.err")"
ok "a connection across a reload, cut by the stop: $(cat "$T/held.err")"

# gatewayd -W: the same with no daemon, one-shot, the credentials and
# endpoint from the environment; a refused port says so and exits 1.
before=$(emu_state "s['ops']['ssm:StartSession']['ok']")
echo_cmd "-W" "$GATEWAYD" -W "$INST:80"
echo_cmd "-W --region" "$GATEWAYD" --region us-east-1 -W "tag:Name=web:80"
after=$(emu_state "s['ops']['ssm:StartSession']['ok']")
expect_eq "StartSession calls for -W" "$((after - before))" 2
# (by pipes both ways, as a ProxyCommand's)
{
	rc=0
	: | "$GATEWAYD" -W "$INST:$CLOSED_PORT" 2>"$T/w.err" || rc=$?
	echo "$rc" >"$T/w.rc"
} | cat >"$T/w.out"
expect_eq "-W to a refused port: exit" "$(cat "$T/w.rc")" 1
grep -q "^.*-W $INST:$CLOSED_PORT: .*refused" "$T/w.err" ||
    fail "-W to a refused port: $(cat "$T/w.err")"
if "$GATEWAYD" -W "$INST" </dev/null 2>"$T/w.err"; then
	fail "-W without a port: exit 0"
fi
grep -q "too few fields" "$T/w.err" || fail "-W $INST: $(cat "$T/w.err")"
if "$GATEWAYD" -W "$INST:80" </dev/null 2>"$T/w.err"; then
	fail "-W from /dev/null: exit 0"
fi
grep -q "must be pipes, sockets or a terminal" "$T/w.err" ||
    fail "-W from /dev/null: $(cat "$T/w.err")"
ok "gatewayd -W: two logins; a refused port, a bad spec, /dev/null"

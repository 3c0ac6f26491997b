#!/bin/sh
# The metrics endpoint ([gateway] metrics): traffic through a tcp forward
# and an ssm forward (its WebSocket dropped so that the session resumes),
# clients refused by an allow list; a scrape while conns are open and one
# after, which promtool accepts and whose counters equal what the clients
# sent and received, the connections, refusals, resumes and sessions
# awsemu saw. The OpenMetrics answer when asked for, the errors for a
# wrong method, a wrong path, a request too long, and a client that never
# finishes (closed by the timer, the daemon unharmed). A reload moves the
# endpoint to a unix socket; metrics_allow turns away who it does not
# list; a forward whose profile assumes a role shows its credentials'
# expiry; a non-loopback address without metrics_allow is a config error.
. "$top_srcdir/tests/integration/life_lib.sh"

command -v promtool >/dev/null ||
    fail "no promtool (Debian's prometheus package: contrib/deps.sh test)"
"$PY" -c 'import prometheus_client.openmetrics.parser' 2>/dev/null ||
    fail "no python3-prometheus-client (contrib/deps.sh test)"

KIB=1024

# A non-loopback address without metrics_allow: an error naming the line.
printf '[gateway]\nlog_level = info\nmetrics = 0.0.0.0:9473\n\n%s\n' \
    '[forward "f"]
listen = 127.0.0.1:1
target = 127.0.0.1
remote_port = 1' >"$T/bad.conf"
if "$GATEWAYD" -n -f "$T/bad.conf" >"$T/bad.out" 2>&1; then
	fail "metrics on 0.0.0.0 without metrics_allow was accepted"
fi
grep -q -F "$T/bad.conf:3: " "$T/bad.out" &&
    grep -q -F "metrics: 0.0.0.0:9473 is not a loopback address; say who" \
    "$T/bad.out" || fail "the error: $(cat "$T/bad.out")"
printf '[gateway]\nmetrics = 0.0.0.0:9473\nmetrics_allow = 10.0.0.0/8\n%s\n' \
    'connect_allow = user:root' >"$T/good.conf"
"$GATEWAYD" -n -f "$T/good.conf" >"$T/good.out" 2>&1 ||
    fail "metrics with metrics_allow: $(cat "$T/good.out")"
ok "a non-loopback metrics address needs metrics_allow (file:line)"

emu_start
# A profile with credentials that expire: a role assumed from keys.
printf '[emu]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
    "$EMU_AKID" "$EMU_SECRET" >"$AWS_SHARED_CREDENTIALS_FILE"
chmod 600 "$AWS_SHARED_CREDENTIALS_FILE"
printf '[profile ops]\nrole_arn = %s\nsource_profile = emu\n' \
    arn:aws:iam::123456789012:role/ops >"$AWS_CONFIG_FILE"
start_server echo echo
emu_admin POST /world "{\"instances\": [$(life_instance "$INST_A" \
    "$echo_PORT")]}" >/dev/null
# Drop the WebSocket twice, after 40 messages each time: resumes.
emu_admin POST /knobs '{"drop_after": 40, "drop_count": 2,
    "drop_mode": "reset"}' >/dev/null

set -- $(free_ports 5)
TCP=$1 SSM=$2 GUARD=$3 M=$4 M2=$5
# metrics_conf [GATEWAY KEYS]: the config, the same three forwards.
metrics_conf() {
	life_conf "$@"
	add_forward plain "127.0.0.1:$TCP" 127.0.0.1 "$echo_PORT"
	add_forward guarded "127.0.0.1:$GUARD" 127.0.0.1 "$echo_PORT" \
	    allow=10.0.0.0/8
	conf_forward ssm db "127.0.0.1:$SSM" "$INST_A" "$echo_PORT" warm=yes
}
metrics_conf "metrics = 127.0.0.1:$M"
start_gatewayd
life_wait_open db 1

URL=http://127.0.0.1:$M/metrics
scrape() {
	curl -s --max-time 30 --fail "$URL" >"$T/scrape.txt" ||
	    fail "GET $URL failed"
}
# metric 'NAME{LABELS}': its value in the last scrape (0 if absent).
metric() {
	awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' \
	    "$T/scrape.txt"
}
all_closed() {
	scrape
	[ "$(metric 'gatewayd_connections_active{forward="plain"}')" = 0 ] &&
	    [ "$(metric 'gatewayd_connections_active{forward="db"}')" = 0 ]
}

# Under traffic: two conns held open on the ssm forward.
"$LOADCLIENT" -c "127.0.0.1:$SSM" -m hold -C 2 -R "$T/ready" -G "$T/go" \
    -t 300 >"$T/hold.out" 2>&1 &
hold=$!
wait_for 60 "the held conns" test -e "$T/ready"
scrape
promtool check metrics <"$T/scrape.txt" >"$T/promtool.out" 2>&1 ||
    fail "promtool, under traffic: $(cat "$T/promtool.out")"
expect_eq "active, held" \
    "$(metric 'gatewayd_connections_active{forward="db"}')" 2
expect_eq "streams, held" "$(metric 'gatewayd_streams_open{forward="db"}')" 2
touch "$T/go"
wait "$hold" || fail "hold: $(cat "$T/hold.out")"
ok "a scrape with conns open passes promtool, shows them"

"$LOADCLIENT" -c "127.0.0.1:$TCP" -m echo -C 3 -n $((300 * KIB)) \
    >"$T/tcp.out" 2>&1 || fail "tcp echo: $(cat "$T/tcp.out")"
"$LOADCLIENT" -c "127.0.0.1:$SSM" -m echo -W -C 2 -n $((200 * KIB)) \
    -t 300 >"$T/ssm.out" 2>&1 || fail "ssm echo: $(cat "$T/ssm.out")"
"$LOADCLIENT" -c "127.0.0.1:$GUARD" -m refused -C 4 >"$T/refused.out" \
    2>&1 || fail "refused: $(cat "$T/refused.out")"
wait_for 30 "every conn closed" all_closed

promtool check metrics <"$T/scrape.txt" >"$T/promtool.out" 2>&1 ||
    fail "promtool: $(cat "$T/promtool.out")"
ok "promtool check metrics passes"

# counted WORD FILE...: the numbers after WORD in loadclient summaries.
counted() {
	w=$1
	shift
	sed -n "s/.* $w \([0-9]*\),.*/\1/p" "$@" | awk '{ n += $1 } END {
	    print n + 0 }'
}
# closed NAME: NAME's conns closed, every reason.
closed() {
	awk -v k="gatewayd_connections_closed_total{forward=\"$1\"," \
	    'index($1, k) == 1 { n += $2 } END { print n + 0 }' \
	    "$T/scrape.txt"
}
# expect_fwd NAME CONNS SUMMARY...: accepted and closed, and bytes each
# way as the clients counted them.
expect_fwd() {
	n=$1 c=$2
	shift 2
	for m in "connections_accepted_total{forward=\"$n\"} $c" \
	    "client_received_bytes_total{forward=\"$n\"} $(counted sent "$@")" \
	    "client_sent_bytes_total{forward=\"$n\"} $(counted received "$@")"
	do
		expect_eq "$n ${m% *}" "$(metric "gatewayd_${m% *}")" "${m##* }"
	done
	expect_eq "$n closed" "$(closed "$n")" "$c"
}
expect_fwd plain 3 "$T/tcp.out"
expect_fwd db 4 "$T/ssm.out" "$T/hold.out"
expect_eq "plain closed done" "$(metric \
    'gatewayd_connections_closed_total{forward="plain",reason="done"}')" 3
[ "$(counted sent "$T/tcp.out")" = $((3 * 300 * KIB)) ] ||
    fail "tcp.out: $(cat "$T/tcp.out")"
expect_eq "refused by allow" "$(metric \
    'gatewayd_connections_refused_total{forward="guarded",reason="allow"}')" 4
expect_eq "guarded accepted" \
    "$(metric 'gatewayd_connections_accepted_total{forward="guarded"}')" 0
resumes=$(emu_state "s['ops'].get('ssm:ResumeSession', {}).get('ok', 0)")
[ "$resumes" -ge 1 ] || fail "awsemu saw no ResumeSession"
expect_eq "resumes" \
    "$(metric 'gatewayd_session_resumes_total{forward="db"}')" "$resumes"
starts=$(emu_state "s['ops']['ssm:StartSession']['ok']")
expect_eq "session starts" \
    "$(metric 'gatewayd_session_starts_total{forward="db"}')" "$starts"
calls='service="ssm",operation="StartSession",result="success"'
expect_eq "StartSession calls" \
    "$(metric "gatewayd_aws_api_calls_total{$calls}")" "$starts"
expect_eq "sessions active" \
    "$(metric 'gatewayd_sessions_active{forward="db",mode="mux"}')" 1
[ "$(metric 'gatewayd_ssm_round_trip_seconds_count')" -gt 0 ] ||
    fail "no round trip measured"
expect_eq "stream opens" "$(metric \
    'gatewayd_ssm_stream_open_seconds_count{forward="db"}')" 4
grep -q '^gatewayd_build_info{version="' "$T/scrape.txt" ||
    fail "no build info"
ok "counters equal the traffic: 3 + 4 conns, $(counted sent "$T/tcp.out" \
    "$T/ssm.out" "$T/hold.out") bytes each way, 4 refusals, $resumes" \
    "resumes, $starts session starts"

# OpenMetrics when asked for.
curl -s --max-time 30 -D "$T/om.head" -o "$T/om.txt" \
    -H 'Accept: application/openmetrics-text; version=1.0.0' "$URL" ||
    fail "OpenMetrics scrape"
om='application/openmetrics-text; version=1.0.0; charset=utf-8'
grep -qi "^content-type: $om" "$T/om.head" ||
    fail "OpenMetrics type: $(cat "$T/om.head")"
expect_eq "last line" "$(tail -n 1 "$T/om.txt")" "# EOF"
grep -q '^# TYPE gatewayd_connections_accepted counter$' "$T/om.txt" ||
    fail "OpenMetrics counter family"
grep -qi '^content-type: text/plain; version=0.0.4' "$T/om.head" &&
    fail "text type for OpenMetrics"
# promtool reads the text format only: the Python client's OpenMetrics
# parser, which is strict, reads this one.
"$PY" -c 'import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
n = sum(len(f.samples) for f in text_string_to_metric_families(
    open(sys.argv[1]).read()))
print("OpenMetrics: %d samples" % n)' "$T/om.txt" >"$T/omparse.out" 2>&1 ||
    fail "the OpenMetrics parser: $(cat "$T/omparse.out")"
ok "OpenMetrics when the Accept header asks, ending # EOF, parsed"

# Bad requests.
code() {
	curl -s --max-time 30 -o /dev/null -w '%{http_code}' "$@" || true
}
expect_eq "POST" "$(code -X POST "$URL")" 405
expect_eq "wrong path" "$(code "http://127.0.0.1:$M/")" 404
expect_eq "huge header" "$(code -H "X-Big: $(head -c 20000 /dev/zero |
    tr '\0' a)" "$URL")" 431
# A client that never finishes its request: the timer closes it, and
# others are served meanwhile.
"$PY" -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
t = time.monotonic()
s.settimeout(60)
d = s.recv(100)
print("closed after %.0fs with %r" % (time.monotonic() - t, d))
sys.exit(0 if d == b"" else 1)' "$M" >"$T/slow.out" 2>&1 &
slow=$!
scrape
wait "$slow" || fail "slow client: $(cat "$T/slow.out")"
cat "$T/slow.out"
kill -0 "$GW_PID" || fail "gatewayd died"
scrape
ok "405, 404, 431, and a slow client closed by the timer"

# A reload moves the endpoint; metrics_allow turns away who it omits.
metrics_conf "metrics = unix:$T/metrics.sock"
reload_gatewayd
wait_for 10 "the unix socket" test -S "$T/metrics.sock"
curl -s --max-time 30 --fail --unix-socket "$T/metrics.sock" \
    http://x/metrics >"$T/scrape.txt" || fail "scrape over unix socket"
expect_eq "accepted after reload" \
    "$(metric 'gatewayd_connections_accepted_total{forward="plain"}')" 3
expect_eq "bytes after reload" \
    "$(metric 'gatewayd_client_sent_bytes_total{forward="plain"}')" \
    "$(counted received "$T/tcp.out")"
curl -s --max-time 30 "$URL" >/dev/null && fail "old address still served"
metrics_conf "metrics = 127.0.0.1:$M2" "metrics_allow = 10.0.0.0/8"
reload_gatewayd
wait_for 10 "the unix socket gone" sh -c "! test -e '$T/metrics.sock'"
curl -s --max-time 30 "http://127.0.0.1:$M2/metrics" >"$T/denied.txt" &&
    fail "a client not in metrics_allow was served"
log_has "refused a client not in metrics_allow" || fail "no refusal logged"
ok "reload moved the endpoint (tcp, unix, tcp); metrics_allow refuses"

# Credentials that expire: a forward on the assumed role.
metrics_conf "metrics = 127.0.0.1:$M2"
conf_forward ssm ops "127.0.0.1:$(free_ports 1)" "$INST_A" "$echo_PORT" \
    warm=yes profile=ops
reload_gatewayd
life_wait_open ops 1
URL=http://127.0.0.1:$M2/metrics
scrape
left=$(metric 'gatewayd_aws_credentials_expiry_seconds{profile="ops"}')
[ "$left" -gt 60 ] && [ "$left" -le 43200 ] ||
    fail "ops credentials expire in $left s: $(grep expiry "$T/scrape.txt")"
ok "the assumed role's credentials expire in $left s"

stop_gatewayd

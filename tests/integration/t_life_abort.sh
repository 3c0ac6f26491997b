#!/bin/sh
# A broken tunnel must not end like a finished one (issue 10, finding 2).
# A client downloads 50 MB through a mux session paced at 1 MB/s; once it
# has 64 KiB the AWS side is killed: the session ended by the agent, or
# terminated, or its WebSocket dropped with ResumeSession answering
# DoesNotExist or without a token. Each time the client must see a reset
# (ECONNRESET), never an EOF that nc, HTTP/1.0 or any protocol ending at
# EOF would take for the whole stream. So must a client whose target
# refuses, and one still downloading when gatewayd's drain timeout runs
# out. The far side's own clean end (a 1 MB download) is still an EOF.
. "$top_srcdir/tests/integration/life_lib.sh"

END_TOOL=$top_srcdir/tests/integration/end_tool.py
BIG=50000000
SMALL=1000000

emu_start
"$PY" "$LIFE_TOOL" server "$T/big.port" "$BIG" 7 >"$T/big.log" 2>&1 &
lib_track $!
"$PY" "$LIFE_TOOL" server "$T/small.port" "$SMALL" 8 >"$T/small.log" 2>&1 &
lib_track $!
wait_for 20 "the targets" test -s "$T/big.port" -a -s "$T/small.port"
BIGP=$(cat "$T/big.port")
SMALLP=$(cat "$T/small.port")
emu_admin POST /world "{\"instances\": [{\"id\": \"$INST_A\",
    \"agent_version\": \"3.3.987.0\",
    \"ports\": {\"$BIGP\": \"127.0.0.1:$BIGP\",
    \"$SMALLP\": \"127.0.0.1:$SMALLP\"}}]}" >/dev/null
set -- $(free_ports 2)
FBIG=$1 FSMALL=$2
life_conf "drain_timeout = 1s"
conf_forward ssm big "127.0.0.1:$FBIG" "$INST_A" "$BIGP"
conf_forward ssm small "127.0.0.1:$FSMALL" "$INST_A" "$SMALLP"
start_gatewayd

# end_expect WHAT WANT OUT: the reader's line in OUT starts with WANT.
end_expect() {
	got=$(cat "$3")
	case $got in
	"$2 "*) ;;
	*) fail "$1: the client saw \"$got\", want $2" ;;
	esac
	n=${got##* }
	[ "$2" = eof ] || [ "$n" -lt "$BIG" ] ||
	    fail "$1: the whole download arrived"
	ok "$1: $got"
}

# abort WHAT KNOBS ACTION: a download killed mid-way by ACTION (a POST
# /_emu/session action) with KNOBS set; the client must see a reset.
abort() {
	emu_admin POST /knobs "$2" >/dev/null
	rm -f "$T/mark"
	"$PY" "$END_TOOL" read "$FBIG" "$T/mark" 65536 120 >"$T/abort.out" &
	rd=$!
	wait_for 60 "$1: the first 64 KiB" test -e "$T/mark"
	emu_admin POST /session "{\"id\": \"*\", \"action\": \"$3\"}" \
	    >/dev/null
	wait "$rd" || fail "$1: end_tool"
	end_expect "$1" reset "$T/abort.out"
	emu_admin POST /knobs '{"resume": "ok"}' >/dev/null
	wait_for 30 "$1: the session's end" sh -c \
	    "[ \"\$('$GATEWAYCTL' -s '$GW_CONTROL' status --json | jq \
	    '[.forwards[] | select(.name == \"big\") | .sessions[]] |
	    length')\" = 0 ]"
}

# 1. The far side's own end: EOF after every byte.
"$PY" "$END_TOOL" read "$FSMALL" 120 >"$T/clean.out" || fail "end_tool"
end_expect "a finished download" eof "$T/clean.out"
[ "$(cat "$T/clean.out")" = "eof $SMALL" ] || fail "not every byte"

# 2. The AWS side killed mid-download.
abort "the agent ended the session" '{}' end
abort "the session terminated" '{}' terminate
abort "resume answered DoesNotExist" '{"resume": "not_found"}' reset
abort "resume answered without a token" '{"resume": "no_token"}' reset

# 3. The target refuses: nothing was forwarded, still not a clean end.
emu_admin POST /knobs '{"refuse": -1}' >/dev/null
"$PY" "$END_TOOL" read "$FBIG" 60 >"$T/refused.out" || fail "end_tool"
end_expect "the target refused" reset "$T/refused.out"
emu_admin POST /knobs '{"refuse": 0}' >/dev/null

# 4. Shut down past the drain timeout with a download under way.
rm -f "$T/mark"
"$PY" "$END_TOOL" read "$FBIG" "$T/mark" 65536 120 >"$T/drain.out" &
rd=$!
wait_for 60 "the first 64 KiB" test -e "$T/mark"
stop_gatewayd
wait "$rd" || fail "end_tool"
end_expect "shut down past the drain timeout" reset "$T/drain.out"

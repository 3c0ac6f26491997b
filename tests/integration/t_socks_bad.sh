#!/bin/sh
# Bad SOCKS input, sent as raw bytes: each gets a clear refusal (the reply
# RFC 1928 or 1929 has for it, or none where the client does not speak
# SOCKS5) and one log line, and the daemon serves on unharmed: a client
# that stops half way, one that never sends, a wrong version, BIND, UDP
# ASSOCIATE, an unknown address type, a 255-byte name, an empty name, a
# wrong password.
. "$top_srcdir/tests/lib.sh"

TOOL=$top_srcdir/tests/integration/socks_tool.py
INST=i-0123456789abcdef0

start_server echo echo
ssm_instance "$INST" 3.3.987.0 Online '{}' \
    "{\"7\": \"127.0.0.1:$echo_PORT\"}"
ssm_emu_start --knob pacing=false
set -- $(free_ports 2)
SOCKS=$1 PW=$2
printf 'alice:s3cret\n' >"$T/users"
chmod 600 "$T/users"
ssm_conf "region = us-east-1" "endpoint_url = $EMU_URL"
cat >>"$GW_CONF" <<EOF

[forward "socks"]
forwarder = socks
listen = 127.0.0.1:$SOCKS
route = i-*
route = * via $INST

[forward "pw"]
forwarder = socks
listen = 127.0.0.1:$PW
route = i-*
socks_auth = password
socks_users = $T/users
EOF
start_gatewayd

# A client that sends nothing is closed by the negotiation's deadline;
# started first, it is timed while the others run.
"$PY" "$TOOL" raw -t 120 "$SOCKS" >"$T/silent.out" &
SILENT=$!
lib_track "$SILENT"

# hexs TEXT: TEXT in hex.
hexs() {
	printf %s "$1" | od -An -v -tx1 | tr -d ' \n'
}
# request HOST PORT: a CONNECT request for a name.
request() {
	printf '05010003%02x%s%04x' "${#1}" "$(hexs "$1")" "$2"
}
# auth USER PASSWORD: the RFC 1929 sub-negotiation.
auth() {
	printf '01%02x%s%02x%s' "${#1}" "$(hexs "$1")" "${#2}" "$(hexs "$2")"
}
# rep CODE: a reply with that code (two hex digits) and BND 0.0.0.0:0.
rep() {
	printf '05%s0001000000000000' "$1"
}
GREET=050100 NOAUTH=0500

# case_ NAME PORT WANT LOG ARG...: socks_tool.py raw PORT ARG... must
# print WANT, and the log must have LOG.
case_() {
	c_name=$1 c_port=$2 c_want=$3 c_log=$4
	shift 4
	"$PY" "$TOOL" raw "$c_port" "$@" >"$T/$c_name.out" ||
	    fail "$c_name: the client failed"
	[ "$(cat "$T/$c_name.out")" = "$c_want" ] ||
	    fail "$c_name: got $(cat "$T/$c_name.out"), want $c_want"
	wait_for 30 "$c_name in the log" log_has "$c_log"
	ok "$c_name: $c_want; $c_log"
}

case_ socks4 "$SOCKS" "- reset" "socks: bad greeting: version 4, not 5" \
    0401001600000001006100
case_ http "$SOCKS" "- reset" "socks: bad greeting: version 71, not 5" \
    "$(hexs "GET / HTTP/1.1")0d0a0d0a"
case_ no-methods "$SOCKS" "05ff eof" \
    "socks: bad greeting: a greeting that offers no method" 0500
case_ no-acceptable "$SOCKS" "05ff eof" \
    "socks: the client does not offer no authentication" 050102
case_ bind "$SOCKS" "$NOAUTH$(rep 07) eof" \
    "socks: 127.0.0.1:7: command 2 (BIND), only CONNECT is (command not supported)" \
    "$GREET" 050200017f0000010007
case_ udp "$SOCKS" "$NOAUTH$(rep 07) eof" \
    "socks: 0.0.0.0:0: command 3 (UDP ASSOCIATE), only CONNECT is (command not supported)" \
    "$GREET" 05030001000000000000
case_ atyp "$SOCKS" "$NOAUTH$(rep 08) eof" \
    "socks: bad request: address type 2 (address type not supported)" \
    "$GREET" 0501000200000000
case_ empty-name "$SOCKS" "$NOAUTH$(rep 01) eof" \
    "socks: bad request: an empty name (general SOCKS server failure)" \
    "$GREET" 050100030000
NAME255=$(printf '%0255d' 0 | tr 0 a)
case_ name255 "$SOCKS" "$NOAUTH$(rep 04) eof" \
    "socks: $NAME255:22: not a host name (host unreachable)" \
    "$GREET" "$(request "$NAME255" 22)"
case_ name-space "$SOCKS" "$NOAUTH$(rep 04) eof" \
    "socks: a?b.internal:22: not a host name (host unreachable)" \
    "$GREET" "$(request "a b.internal" 22)"
case_ truncated "$SOCKS" "$NOAUTH eof" \
    "socks: the client closed before its request was complete" \
    "$GREET" 050100030a6162 EOF
case_ bad-password "$PW" "05020101 eof" \
    'socks: user "alice": wrong password' \
    050102 - "$(auth alice wr0ngpw)"
case_ no-user "$PW" "05020101 eof" 'socks: user "bob": no such user' \
    050102 - "$(auth bob s3cret)"
case_ auth-version "$PW" "05020101 eof" \
    "socks: bad username/password: username/password version 5, not 1" \
    050102 - 05010001
case_ no-password-offered "$PW" "05ff eof" \
    "socks: the client does not offer username/password" "$GREET"
grep -q -F s3cret "$GW_LOG" && fail "a password is in the log"
grep -q -F wr0ngpw "$GW_LOG" && fail "a password is in the log"

wait "$SILENT" || fail "the silent client failed"
expect_eq "the silent client" "$(cat "$T/silent.out")" "- reset"
wait_for 30 "the deadline in the log" log_has "socks: no request after 10s"
ok "silent: closed after 10s"

# Unharmed: good requests still go through, with a password too, their
# first bytes sent right behind the request (they wait for the far side).
want="$NOAUTH$(rep 00)$(hexs hello)0a"
"$PY" "$TOOL" raw -t 60 -n $((${#want} / 2)) "$SOCKS" \
    "$GREET$(request "$INST" 7)$(hexs hello)0a" >"$T/good.out" ||
    fail "the good client failed"
expect_eq "a good request" "$(cat "$T/good.out")" "$want enough"
want="05020100$(rep 00)$(hexs hello)0a"
"$PY" "$TOOL" raw -t 60 -n $((${#want} / 2)) "$PW" 050102 - \
    "$(auth alice s3cret)$(request "$INST" 7)$(hexs hello)0a" \
    >"$T/goodpw.out" || fail "the good client with a password failed"
expect_eq "a good request with a password" "$(cat "$T/goodpw.out")" \
    "$want enough"
kill -0 "$GW_PID" || fail "gatewayd died"
stop_gatewayd

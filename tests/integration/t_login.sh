#!/bin/sh
# gatewayctl login and logout (identity.h): the caller's own credentials,
# resolved by gatewayctl with the usual chain (here awsemu's test key in
# the environment), checked by the daemon with STS GetCallerIdentity and
# kept for that uid. status, status --json, the log and the audit file
# show who and until when, never the key id or the secret. A key STS does
# not know is refused and nothing is kept; logout ends them; credentials
# whose expiration comes are dropped with an "expired" event and audit
# record. A user outside the control socket's group may log in and out
# but not run status or reload (when root: setpriv to nobody). Requests
# that are not right (missing or wrong members, over-long strings, an
# expiration that passed or is no time) get errors that name the member,
# and the daemon goes on.
. "$top_srcdir/tests/lib.sh"

AUDIT=$T/audit.log
emu_start
start_server echo echo
PORT=$(free_ports 1)
write_conf "audit = $AUDIT" "control_mode = 0666"
add_forward web "127.0.0.1:$PORT" 127.0.0.1 "$echo_PORT"
start_gatewayd
ME=$(id -un)
ARN=arn:aws:iam::123456789012:user/alice@example.com

# req JSON: one request on the control socket; prints the reply line.
req() {
	"$PY" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(60)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
buf = b""
while not buf.endswith(b"\n"):
    d = s.recv(65536)
    if not d:
        break
    buf += d
sys.stdout.write(buf.decode())' "$GW_CONTROL" "$1"
}
# no_secrets FILE...: neither the key id nor the secret is in any of them.
no_secrets() {
	for f in "$@"; do
		if grep -q -F -e "$EMU_AKID" -e "$EMU_SECRET" "$f"; then
			fail "a key in $f: $(grep -F -e "$EMU_AKID" \
			    -e "$EMU_SECRET" "$f" | head -3)"
		fi
	done
}

# Events, from the start: the logins, logouts and expiry below.
"$GATEWAYCTL" -s "$GW_CONTROL" events --json >"$T/events.json" 2>&1 &
EV_PID=$!
lib_track "$EV_PID"
wait_for 20 "the events follower" grep -q "control client [0-9]*: events$" \
    "$GW_LOG"

# Login with the environment's keys.
gwctl login >"$T/login.out" 2>&1 || fail "login: $(cat "$T/login.out")"
grep -q "^logged in as $ARN until .* ([0-9]* min)\$" "$T/login.out" ||
    fail "login said: $(cat "$T/login.out")"
gwctl status >"$T/status.out"
grep -q '^USER  *PRINCIPAL  *EXPIRES' "$T/status.out" ||
    fail "no USERS table: $(cat "$T/status.out")"
grep -q "^$ME  *$ARN  *.* (in [0-9]* min)\$" "$T/status.out" ||
    fail "no row for $ME: $(cat "$T/status.out")"
gwctl status --json >"$T/status.json"
expect_eq "users" "$(jq -r '.users | length' "$T/status.json")" 1
expect_eq "user" "$(jq -r '.users[0].user' "$T/status.json")" "$ME"
expect_eq "uid" "$(jq -r '.users[0].uid' "$T/status.json")" "$(id -u)"
expect_eq "principal" "$(jq -r '.users[0].principal' "$T/status.json")" \
    "$ARN"
expect_eq "account" "$(jq -r '.users[0].account' "$T/status.json")" \
    123456789012
left=$(( $(jq -r '.users[0].expires' "$T/status.json") - $(date +%s) ))
# Environment keys have no expiration: kept IDENTITY_MAX_LIFE (12 h).
[ "$left" -gt 43000 ] && [ "$left" -le 43200 ] ||
    fail "expires in $left s, want about 12 h"
wait_for 20 "the login's audit record" grep -q '"event":"login"' "$AUDIT"
grep '"event":"login"' "$AUDIT" | jq -e --arg u "$ME" --arg a "$ARN" \
    '.client.user == $u and .principal == $a and
    .account == "123456789012" and (.expires | test("Z$"))' >/dev/null ||
    fail "login record: $(grep '"event":"login"' "$AUDIT")"
ok "login: $ME as $ARN, in status, status --json and the audit file"

# A second login replaces the first: still one user.
gwctl login >/dev/null || fail "second login"
expect_eq "users after a second login" "$(status_get '.users | length')" 1

# Logout, twice.
expect_eq "logout" "$(gwctl logout)" "logged out ($ME)"
expect_eq "logout again" "$(gwctl logout)" "not logged in"
expect_eq "users after logout" "$(status_get '.users | length')" 0
wait_for 20 "the logout's audit record" grep -q '"event":"logout"' "$AUDIT"
ok "logout: the user is gone, a second one says so"

# A key STS does not know: an error, exit 1, and nothing kept.
rc=0
AWS_ACCESS_KEY_ID=AKIAUNKNOWNKEY000042 gwctl login >"$T/bad.out" 2>&1 ||
    rc=$?
expect_eq "unknown key's exit" "$rc" 1
grep -q "STS did not accept the credentials" "$T/bad.out" ||
    fail "unknown key: $(cat "$T/bad.out")"
if grep -q -e AKIAUNKNOWNKEY000042 -e "$EMU_SECRET" "$T/bad.out"; then
	fail "the error shows a key: $(cat "$T/bad.out")"
fi
expect_eq "users after a refused login" "$(status_get '.users | length')" 0
ok "an unknown key: $(cat "$T/bad.out")"

K="\"access_key_id\":\"$EMU_AKID\""
S="\"secret_access_key\":\"$EMU_SECRET\""
# Expiry: credentials that expire in 3 s are dropped then.
now=$(date +%s)
reply=$(req "{\"cmd\":\"login\",$K,$S,\"expiration\":$((now + 3))}" |
    tr -d '\n')
echo "$reply" | jq -e '.ok and .expires > 0' >/dev/null ||
    fail "short login: $reply"
expect_eq "users with short credentials" "$(status_get '.users | length')" 1
wait_for 30 "the credentials to expire" sh -c \
    "'$GATEWAYCTL' -s '$GW_CONTROL' status --json | jq -e '.users == []'"
wait_for 20 "the expired audit record" grep -q '"event":"expired"' "$AUDIT"
wait_for 20 "the expired event" grep -q '"event":"expired"' "$T/events.json"
jq -e -s --arg u "$ME" 'map(select(.event == "expired"))[0] |
    .user == $u and .reason == "credentials expired"' "$T/events.json" \
    >/dev/null || fail "expired event: $(cat "$T/events.json")"
ok "expiry: dropped at the expiration, with an event and a record"

# ISO 8601 expirations are taken too.
exp=$(date -u -d "@$((now + 3600))" +%Y-%m-%dT%H:%M:%SZ)
reply=$(req "{\"cmd\":\"login\",$K,$S,\"expiration\":\"$exp\"}" |
    tr -d '\n')
echo "$reply" | jq -e --argjson e "$((now + 3600))" '.ok and .expires == $e' \
    >/dev/null || fail "ISO login: $reply"
expect_eq "logout after ISO" "$(gwctl logout)" "logged out ($ME)"

# Requests that are not right: each error names why, never a key.
# bad JSON WANT: the reply to JSON is an error containing WANT.
bad() {
	reply=$(req "$1" | tr -d '\n')
	echo "$reply" | jq -e '.ok == false' >/dev/null ||
	    fail "accepted: $1: $reply"
	echo "$reply" | jq -r .error | grep -q -F -- "$2" ||
	    fail "$1: \"$reply\", want \"$2\""
	if echo "$reply" | grep -q -F -e "$EMU_SECRET" -e SECRETVALUE; then
		fail "the error echoes a secret: $reply"
	fi
}
long=$(printf '%0300d' 0)
bad '{"cmd":"login"}' '"access_key_id" is missing'
bad "{\"cmd\":\"login\",$K}" '"secret_access_key" is missing'
bad "{\"cmd\":\"login\",\"access_key_id\":42,$S}" \
    '"access_key_id" is not a string'
bad "{\"cmd\":\"login\",\"access_key_id\":\"$long\",$S}" \
    '"access_key_id" is longer than 128 bytes'
bad "{\"cmd\":\"login\",\"access_key_id\":\"AKIA EMU\",$S}" \
    '"access_key_id" has a character other than'
bad "{\"cmd\":\"login\",$K,\"secret_access_key\":\"SECRETVALUE\\n\"}" \
    '"secret_access_key" has a character other than printable ASCII'
bad "{\"cmd\":\"login\",$K,\"secret_access_key\":\"\"}" \
    '"secret_access_key" is empty'
bad "{\"cmd\":\"login\",$K,$S,\"session_token\":[1]}" \
    '"session_token" is not a string'
bad "{\"cmd\":\"login\",$K,$S,\"expiration\":1000}" \
    'expired already'
bad "{\"cmd\":\"login\",$K,$S,\"expiration\":\"2000-01-01T00:00:00Z\"}" \
    'expired already'
bad "{\"cmd\":\"login\",$K,$S,\"expiration\":\"tomorrow\"}" \
    '"expiration" is not a time'
bad "{\"cmd\":\"login\",$K,$S,\"expiration\":1e300}" \
    '"expiration" is not a time'
bad "{\"cmd\":\"login\",$K,$S,\"expiration\":12.5}" \
    '"expiration" is not a time'
bad "{\"cmd\":\"login\",$K,$S,\"expiration\":true}" \
    '"expiration" is not a time'
bad '{"cmd":"login",' 'not a JSON object'
expect_eq "users after bad requests" "$(status_get '.users | length')" 0
kill -0 "$GW_PID" || fail "gatewayd died"
ok "bad login requests: errors that name the member; gatewayd lives"

# A user outside the socket's group: login and logout, nothing else.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 &&
    command -v setpriv >/dev/null; then
	as_nobody() {
		setpriv --reuid nobody --regid "$(id -g nobody)" \
		    --clear-groups "$GATEWAYCTL" -s "$GW_CONTROL" "$@"
	}
	gwctl login >/dev/null || fail "root's login"
	as_nobody login >"$T/nobody.out" 2>&1 ||
	    fail "nobody's login: $(cat "$T/nobody.out")"
	grep -q "^logged in as $ARN" "$T/nobody.out" ||
	    fail "nobody's login: $(cat "$T/nobody.out")"
	gwctl status --json >"$T/two.json"
	expect_eq "two users" "$(jq -r '[.users[].user] | sort | join(",")' \
	    "$T/two.json")" "$(printf '%s\n' nobody "$ME" | sort | paste -sd,)"
	for cmd in status reload; do
		rc=0
		as_nobody "$cmd" >"$T/denied.out" 2>&1 || rc=$?
		[ "$rc" -ne 0 ] || fail "nobody may run $cmd"
		grep -q "may only use help, connect, login, logout" \
		    "$T/denied.out" ||
		    fail "nobody's $cmd: $(cat "$T/denied.out")"
	done
	expect_eq "nobody's logout" "$(as_nobody logout)" "logged out (nobody)"
	expect_eq "root still in" \
	    "$(status_get '[.users[].user] | join(",")')" "$ME"
	gwctl logout >/dev/null
	ok "nobody may login and logout, not status or reload"
else
	echo "# skipped the non-admin part: needs root, setpriv and nobody"
fi

# The keys never reached the log, the audit file or status.
gwctl status >"$T/status2.out"
gwctl status --json >"$T/status2.json"
stop_gatewayd
no_secrets "$GW_LOG" "$AUDIT" "$T/status.out" "$T/status.json" \
    "$T/status2.out" "$T/status2.json" "$T/events.json"
ok "no key id or secret in the log, the audit file, status or events"

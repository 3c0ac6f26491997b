#!/bin/sh
# A SOCKS5 listener with curl as the client: a web server behind an
# instance by its id (curl --socks5-hostname), the same server as a remote
# host through a bastion by a host pattern and by a CIDR (an address
# request), with a username and password; an unmatched destination gets
# "not allowed by ruleset", a refused port "connection refused" (mux and
# basic sessions), an offline instance "host unreachable", each with its
# log line. Three requests to one instance share its on-demand forward
# and session.
. "$top_srcdir/tests/lib.sh"

TOOL=$top_srcdir/tests/integration/socks_tool.py
INST=i-0123456789abcdef0
BASTION=i-0aaaaaaaaaaaaaaa1

"$PY" "$TOOL" web "$T/web.port" >"$T/web.log" 2>&1 &
lib_track $!
wait_for 20 "the web server" test -s "$T/web.port"
WEB=$(cat "$T/web.port")
closed_port
ssm_instance "$INST" 3.3.987.0 Online '{"Name": "web"}' \
    "{\"80\": \"127.0.0.1:$WEB\", \"81\": \"127.0.0.1:$CLOSED_PORT\"}"
# An old agent (a basic session) and one that is offline.
ssm_instance i-0bbbbbbbbbbbbbbb1 3.0.161.0 Online '{}' \
    "{\"80\": \"127.0.0.1:$CLOSED_PORT\"}"
ssm_instance i-0ccccccccccccccc1 3.3.987.0 ConnectionLost '{}' \
    "{\"80\": \"127.0.0.1:$WEB\"}"
ssm_instance "$BASTION" 3.3.987.0 Online '{"Name": "bastion"}' '{}' \
    "{\"db.internal:80\": \"127.0.0.1:$WEB\",
      \"10.9.0.5:80\": \"127.0.0.1:$WEB\"}"
ssm_emu_start --knob pacing=false
set -- $(free_ports 2)
SOCKS=$1 PW=$2
printf '# users\nalice:s3cret\n' >"$T/users"
chmod 600 "$T/users"
ssm_conf "region = us-east-1" "endpoint_url = $EMU_URL" "log_level = debug"
cat >>"$GW_CONF" <<EOF

[forward "socks"]
forwarder = socks
listen = 127.0.0.1:$SOCKS
route = i-0123*
route = i-0bbb*
route = i-0ccc*
route = *.internal via tag:Name=bastion
route = 10.9.0.0/16 via tag:Name=bastion

[forward "pw"]
forwarder = socks
listen = 127.0.0.1:$PW
route = *.INTERNAL via $BASTION
socks_auth = password
socks_users = $T/users
EOF
start_gatewayd
log_has "forward socks: listening on 127.0.0.1:$SOCKS (socks)" ||
    fail "no listening line for the socks forward"

# get NAME PROXY URL: curl through PROXY; the page must name URL's path.
get() {
	curl -sS --max-time 60 -x "$2" "$3" >"$T/$1.out" 2>"$T/$1.err" ||
	    fail "$1: curl: $(cat "$T/$1.err")"
	grep -q "^hello from /$1 on " "$T/$1.out" ||
	    fail "$1: the page is $(cat "$T/$1.out")"
	ok "$1: $(cat "$T/$1.out")"
}

get id "socks5h://127.0.0.1:$SOCKS" "http://$INST/id"
get again "socks5h://127.0.0.1:$SOCKS" "http://$INST/again"
# The region suffix names the region the others are in: the same key.
get suffix "socks5h://127.0.0.1:$SOCKS" "http://$INST.us-east-1/suffix"
expect_eq "StartSession calls" \
    "$(emu_state "s['ops']['ssm:StartSession']['ok']")" 1
expect_eq "on-demand forwards to $INST" "$(status_get "[.forwards[] |
    select(.name | startswith(\"~$INST\"))] | length")" 1
get host "socks5h://127.0.0.1:$SOCKS" "http://db.internal/host"
get address "socks5://127.0.0.1:$SOCKS" "http://10.9.0.5/address"
log_has "tag:Name=bastion>10.9.0.5:80" ||
    fail "the address did not go to the bastion as a remote host"
# A name in capitals is the same remote host.
get password "socks5h://alice:s3cret@127.0.0.1:$PW" \
    "http://DB.Internal/password"

# refused NAME PROXY URL CODE TEXT: curl fails; the log has TEXT.
refused() {
	if curl -sS --max-time 60 -x "$2" "$3" >"$T/$1.out" 2>"$T/$1.err"
	then
		fail "$1: curl got through: $(cat "$T/$1.out")"
	fi
	grep -q -F "($4)" "$T/$1.err" ||
	    fail "$1: curl did not see reply $4: $(cat "$T/$1.err")"
	wait_for 30 "$1 in the log" log_has "$5"
	ok "$1: $(cat "$T/$1.err"); log: $5"
}

refused unmatched "socks5h://127.0.0.1:$SOCKS" "http://example.com/" 2 \
    "socks: example.com:80: no route (connection not allowed by ruleset)"
refused other-instance "socks5h://127.0.0.1:$SOCKS" \
    "http://i-0fedcba9876543210/" 2 \
    "socks: i-0fedcba9876543210:80: no route"
refused port "socks5h://127.0.0.1:$SOCKS" "http://$INST:81/" 5 \
    "target refused the connection (ConnectToPortError)"
refused basic "socks5h://127.0.0.1:$SOCKS" http://i-0bbbbbbbbbbbbbbb1/ 5 \
    "connect: connection refused"
refused offline "socks5h://127.0.0.1:$SOCKS" http://i-0ccccccccccccccc1/ 4 \
    "StartSession: TargetNotConnected"
if curl -sS --max-time 60 -x "socks5h://alice:wrong@127.0.0.1:$PW" \
    http://db.internal/ >"$T/badpw.out" 2>"$T/badpw.err"; then
	fail "a wrong password got through"
fi
wait_for 30 "the wrong password in the log" \
    log_has 'socks: user "alice": wrong password'
grep -q -F "s3cret" "$GW_LOG" && fail "a password is in the log"
grep -q -F "wrong@" "$GW_LOG" && fail "a password is in the log"
ok "a wrong password: $(cat "$T/badpw.err")"

# After all that, the listener still serves.
get last "socks5h://127.0.0.1:$SOCKS" "http://$INST/last"
stop_gatewayd

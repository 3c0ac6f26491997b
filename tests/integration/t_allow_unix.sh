#!/bin/sh
# An allow list on a unix socket forward, checked with the peer's
# credentials: our own user and group get through; a user the list does
# not name is refused with one log line.
. "$top_srcdir/tests/lib.sh"

start_server echo echo
SOCK=$T/fw.sock
me=$(id -un)
grp=$(id -gn)
if [ "$(id -u)" = 0 ]; then
	# root: the outsider is nobody, run through setpriv.
	outsider="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups"
else
	outsider=
fi

try() {
	write_conf
	add_forward sock "unix:$SOCK" 127.0.0.1 "$echo_PORT" \
	    "socket_mode=0666" "allow=$1"
}

try "user:$me"
start_gatewayd
"$LOADCLIENT" -c "unix:$SOCK" -m echo -n 10000 >"$T/user.out" ||
    fail "our user: $(cat "$T/user.out")"

try "group:$grp"
reload_gatewayd
"$LOADCLIENT" -c "unix:$SOCK" -m echo -n 10000 >"$T/group.out" ||
    fail "our group: $(cat "$T/group.out")"

if [ -n "$outsider" ]; then
	try "user:root"
	reload_gatewayd
	$outsider "$LOADCLIENT" -c "unix:$SOCK" -m refused -t 10 \
	    >"$T/out.out" || fail "outsider: $(cat "$T/out.out")"
else
	try "user:root"
	reload_gatewayd
	"$LOADCLIENT" -c "unix:$SOCK" -m refused -t 10 >"$T/out.out" ||
	    fail "outsider: $(cat "$T/out.out")"
fi
wait_for 5 "the refusal line" log_has \
    "user and groups not in allow list"
stop_gatewayd
ok "user and group allowed, outsider refused"

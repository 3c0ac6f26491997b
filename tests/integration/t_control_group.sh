#!/bin/sh
# control_group and control_mode let an operators' group use gatewayctl;
# one who may not is told "permission denied" on the socket or on the
# directory in the way, with its mode and owner, not "is gatewayd
# running?". Needs root (CI runs as root), setpriv and a nobody user
# whose group is the operators' here; skipped otherwise.
. "$top_srcdir/tests/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! id nobody >/dev/null 2>&1 ||
    ! command -v setpriv >/dev/null; then
	echo "SKIP: needs root, setpriv and a nobody user"
	exit 77
fi
OPS=$(id -gn nobody)
GID=$(id -g nobody)

# as_nobody ARGS: gatewayctl ARGS as nobody, in group $OPS only.
as_nobody() {
	setpriv --reuid nobody --regid "$GID" --clear-groups \
	    "$GATEWAYCTL" -s "$GW_CONTROL" "$@"
}
# denied WHAT PATH MODE: gatewayctl as nobody fails with that message.
denied() {
	if as_nobody status >"$T/out" 2>"$T/err"; then
		fail "$1: nobody could use gatewayctl"
	fi
	want="gatewayctl: permission denied on $2 ($3, owner root:$4)"
	[ "$(cat "$T/err")" = "$want" ] ||
	    fail "$1: \"$(cat "$T/err")\", want \"$want\""
}

mkdir -m 0750 "$T/run"
chgrp "$OPS" "$T/run"
GW_CONTROL=$T/run/control.sock
start_server echo echo
PORT=$(free_ports 1)
write_conf "control_group = $OPS" "control_mode = 0660"
conf_forward tcp db "127.0.0.1:$PORT" 127.0.0.1 "$echo_PORT"
start_gatewayd
as_nobody status >"$T/status.out" 2>&1 ||
    fail "a member of $OPS: $(cat "$T/status.out")"
grep -q "^db " "$T/status.out" || fail "status: $(cat "$T/status.out")"

write_conf "control_group = $OPS"
conf_forward tcp db "127.0.0.1:$PORT" 127.0.0.1 "$echo_PORT"
"$GATEWAYD" -n -f "$GW_CONF" 2>"$T/warn" >/dev/null
grep -q "control_group is set but control_mode 0600" "$T/warn" ||
    fail "no warning for control_group with 0600: $(cat "$T/warn")"
gwctl reload >/dev/null
denied "mode 0600" "$GW_CONTROL" "mode 0600" "$OPS"
chmod 0700 "$T/run"
denied "directory 0700" "$T/run" "mode 0700" "$OPS"
stop_gatewayd
ok "$OPS used gatewayctl; others were told why they could not"

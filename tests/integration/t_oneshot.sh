#!/bin/sh
# gatewayd -L without a config file, like ssh -L: the forward works, the
# per-user control socket answers gatewayctl, SIGTERM ends it cleanly.
. "$top_srcdir/tests/lib.sh"

start_server echo echo
PORT=$(free_ports 1)
XDG_RUNTIME_DIR=$T
export XDG_RUNTIME_DIR
GW_CONTROL=$T/gatewayd.sock
start_gatewayd -L "127.0.0.1:$PORT:127.0.0.1:$echo_PORT"
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -n 1048576 >"$T/client.out" ||
    fail "loadclient: $(cat "$T/client.out")"
# gatewayctl finds the same socket on its own.
"$GATEWAYCTL" status >"$T/status.out" || fail "gatewayctl status failed"
grep -q "127.0.0.1:$PORT" "$T/status.out" || fail "$(cat "$T/status.out")"
stop_gatewayd
[ ! -e "$GW_CONTROL" ] || fail "control socket left behind"
ok "one-shot forward served 1 MiB"

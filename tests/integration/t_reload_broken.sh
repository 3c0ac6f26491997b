#!/bin/sh
# A broken config on SIGHUP (and on gatewayctl reload): every error is
# logged with file:line, and the old config keeps running.
. "$top_srcdir/tests/lib.sh"

echo_forward web
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -n 1000 >/dev/null ||
    fail "the forward does not work at start"

write_conf
add_forward web "127.0.0.1:$PORT" 127.0.0.1 70000
echo "no_such_key = 1" >>"$GW_CONF"
reload_gatewayd
log_has "$GW_CONF:" || fail "no file:line in the errors"
log_has "keeping the running config" || fail "no 'keeping' line"
if gwctl reload >"$T/ctl.out" 2>&1; then
	fail "gatewayctl reload succeeded on a broken file"
fi
grep -q "$GW_CONF:" "$T/ctl.out" || fail "gatewayctl printed no errors"

"$LOADCLIENT" -c "127.0.0.1:$PORT" -m echo -n 100000 >"$T/after.out" ||
    fail "the old forward stopped: $(cat "$T/after.out")"
[ "$(status_get '.forwards[0].remote_port')" = "$echo_PORT" ] ||
    fail "the running config changed"
stop_gatewayd
ok "broken config refused, old one serving"

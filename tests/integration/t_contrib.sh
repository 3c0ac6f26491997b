#!/bin/sh
# The configs people copy stay valid: contrib/demo.conf and the README's
# examples pass gatewayd -n; a broken one fails with file:line and a count.
. "$top_srcdir/tests/lib.sh"

"$GATEWAYD" -n -f "$top_srcdir/contrib/demo.conf" >"$T/demo.out" ||
    fail "contrib/demo.conf: $(cat "$T/demo.out")"
grep -q '^\[forward "web"\]$' "$T/demo.out" || fail "demo forward missing"

# Every ini block of the README, as one file.
sed -n '/^```ini$/,/^```$/p' "$top_srcdir/README.md" | grep -v '^```' \
    >"$T/readme.conf"
[ -s "$T/readme.conf" ] || fail "no ini block in README.md"
"$GATEWAYD" -n -f "$T/readme.conf" >"$T/readme.out" 2>&1 ||
    fail "README.md example: $(cat "$T/readme.out")"

printf '[forward "x"]\nlisten = 127.0.0.1:1\nforwarder = eic\n%s\n%s\n' \
    "target = i-0123456789abcdef0" "remote_port = 22" >"$T/eic.conf"
if "$GATEWAYD" -n -f "$T/eic.conf" >"$T/eic.out" 2>&1; then
	fail "a forwarder this build lacks passed -n"
fi
grep -qx "$T/eic.conf:3: forward \"x\": forwarder: unknown value \"eic\" (tcp, ssm, socks)" \
    "$T/eic.out" || fail "eic: $(cat "$T/eic.out")"
grep -qx "$T/eic.conf: 1 error" "$T/eic.out" || fail "no error count"
ok "demo.conf and the README example check; eic reported"

#!/bin/sh
# awsemu does not crash on garbage: oversize bodies, bad JSON, missing or
# mangled headers, raw bytes on every listener. Each gets a clear error
# in the protocol's own shape, and the emulator answers afterwards.
. "$top_srcdir/tests/lib.sh"

cat >"$T/world.json" <<'JSON'
{"instances": [{"id": "i-0123456789abcdef0"},
    {"id": "i-0123456789abcdef1", "ping": "Inactive"}]}
JSON
emu_start --world "$T/world.json"
"$PY" "$top_srcdir/tests/awsemu/garbage.py" "$EMU_HTTP" "$EMU_HTTPS" \
    "$(emu_port ws)" "$T/ca/ca.pem" "$EMU_AKID" "$EMU_SECRET" ||
    fail "garbage.py"
emu_alive
n=$(grep -c "info: request " "$EMU_LOG")
[ "$n" -gt 40 ] || fail "only $n requests logged"
# Nothing secret reaches the log.
if grep -q -e "$EMU_SECRET" -e "Signature=" -e "TokenValue" "$EMU_LOG"; then
	fail "the log holds a secret"
fi
ok "emulator alive after $n logged requests"
emu_stop

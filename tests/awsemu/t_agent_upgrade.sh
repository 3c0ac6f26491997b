#!/bin/sh
# awsemu behaves like the service of 2026 by default, checked by the
# strict client: the data channel's WebSocket upgrade must be SigV4-signed
# as the official client signs it, by the session's account (403 before
# the WebSocket opens, counted in GET /_emu/state); every ResumeSession
# hands out a new cell-number and the older StreamUrls are refused; only
# the newest token opens the channel; a ClientVersion below 1.2.764.0 is
# closed 1008. SessionIds carry the caller's '@'; temporary credentials
# sign their token and are refused once expired. Each default has a knob
# that brings back the older service, and each knob is checked here too.
. "$top_srcdir/tests/lib.sh"

emu_start
expect_eq "defaults" "$(emu_admin GET /knobs | "$PY" -c '
import json, sys
k = json.load(sys.stdin)
print(k["upgrade_auth"], k["resume"], k["min_client_version"])')" \
    "required new_url 1.2.764.0"
ok "defaults: upgrade_auth required, resume new_url, min_client_version 1.2.764.0"
for bad in '{"upgrade_auth": "maybe"}' '{"min_client_version": "1.2.x"}' \
    '{"min_client_version": "1.2.764.0.0.0.0.0.0.0.0.0.0.0.0.0.0"}'; do
	if emu_admin POST /knobs "$bad" >"$T/out"; then
		fail "knobs $bad: accepted"
	fi
	grep -q "knob" "$T/out" || fail "knobs $bad: $(cat "$T/out")"
done
ok "knobs: a bad upgrade_auth or min_client_version is refused"

dcc upgrade
dcc cells
dcc client_version
# Role credentials that live 8 s: the token is signed, then expires.
emu_short_creds 8
(export AWS_ACCESS_KEY_ID="$akid" AWS_SECRET_ACCESS_KEY="$secret" \
    AWS_SESSION_TOKEN="$token"; dcc temp_creds short) || exit 1
emu_admin POST /knobs '{"creds_ttl": 0}' >/dev/null
expect_eq "upgrades refused" \
    "$(emu_state 's["data_channel"]["upgrades"]["refused"]')" \
    "$(emu_state 'sum(s["data_channel"]["upgrades"]["refused_by"].values())')"
grep -q "upgrade refused: MissingAuthenticationToken" "$EMU_LOG" ||
    fail "no refusal in the log"
if grep -q "Signature=\|X-Amz-Security-Token:\|Credential=" "$EMU_LOG"; then
	fail "the log holds a signature or credentials"
fi
ok "refusals logged without signatures or credentials"
emu_alive
emu_stop

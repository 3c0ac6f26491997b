#!/bin/sh
# The npm @aws-sdk/client-ssm (pinned in js/package-lock.json, installed
# with npm ci into the build directory) calls StartSession, ResumeSession
# and TerminateSession against awsemu over HTTPS; see js/sdk_check.mjs.
. "$top_srcdir/tests/lib.sh"

js=$top_builddir/tests/awsemu/js
mkdir -p "$js"
# Install again only when the pinned lock file changed.
if ! cmp -s "$top_srcdir/tests/awsemu/js/package-lock.json" \
    "$js/package-lock.json" || [ ! -d "$js/node_modules/@aws-sdk/client-ssm" ]
then
	cp "$top_srcdir/tests/awsemu/js/package.json" \
	    "$top_srcdir/tests/awsemu/js/package-lock.json" "$js/"
	(cd "$js" && npm ci --ignore-scripts --no-audit --no-fund \
	    --loglevel=error) >"$T/npm.log" 2>&1 ||
	    { cat "$T/npm.log"; fail "npm ci"; }
fi
cp "$top_srcdir/tests/awsemu/js/sdk_check.mjs" "$js/"

cat >"$T/world.json" <<'JSON'
{"instances": [{"id": "i-0123456789abcdef0"},
    {"id": "i-0123456789abcdef1", "ping": "ConnectionLost"}]}
JSON
emu_start --world "$T/world.json"
EMU_URL=$EMU_URL EMU_ADMIN=$EMU_ADMIN EMU_AKID=$EMU_AKID \
    EMU_SECRET=$EMU_SECRET NODE_EXTRA_CA_CERTS=$T/ca/ca.pem \
    node "$js/sdk_check.mjs" || fail "sdk_check.mjs"
expect_eq "sessions started" "$(emu_state 's["sessions"]["started"]')" 1
expect_eq "session reason" \
    "$(emu_state 's["sessions"]["list"][0]["reason"]')" "sdk check"
expect_eq "session host" \
    "$(emu_state 's["sessions"]["list"][0]["parameters"]["host"][0]')" \
    db.internal
emu_alive
emu_stop

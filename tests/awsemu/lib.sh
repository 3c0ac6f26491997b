# lib.sh: shared by awsemu's test scripts (sourced, not run).
#
# emu_start [awsemu options]: make a test CA, start awsemu on loopback with
# HTTPS, wait for its port file; sets EMU_HTTP, EMU_HTTPS, EMU_URL (https)
# and EMU_ADMIN (http). Everything lives in $T, removed on exit, and the
# emulator is stopped by its pid. The AWS environment points at nothing
# but awsemu: no config files, no IMDS, the test CA, the default key.

set -eu

: "${top_srcdir:?}" "${top_builddir:?}"
EMU_BIN=$top_builddir/tests/awsemu/awsemu
AWS=${AWS_CLI:-/usr/bin/aws}
PY=${EMU_PYTHON:-/usr/bin/python3}
T=$(mktemp -d "${TMPDIR:-/tmp}/awsemu-test.XXXXXX")
EMU_PID=

emu_cleanup() {
	if [ -n "$EMU_PID" ]; then
		kill "$EMU_PID" 2>/dev/null || true
		wait "$EMU_PID" 2>/dev/null || true
	fi
	rm -rf "$T"
}
trap emu_cleanup EXIT
trap 'exit 1' INT TERM

fail() {
	echo "FAIL: $*" >&2
	if [ -f "$T/emu.log" ]; then
		echo "--- awsemu log (last 30 lines)" >&2
		tail -n 30 "$T/emu.log" >&2
	fi
	exit 1
}

ok() {
	echo "ok: $*"
}

# The default key of every world (emu_registry.c).
EMU_AKID=AKIAEMUDEFAULT000001
EMU_SECRET=emu/default+secret/0000000000000000000000

emu_env() {
	export AWS_ACCESS_KEY_ID=$EMU_AKID
	export AWS_SECRET_ACCESS_KEY=$EMU_SECRET
	unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN
	unset AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
	unset AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_ENDPOINT_URL
	export AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1
	export AWS_CA_BUNDLE=$T/ca/ca.pem
	export AWS_EC2_METADATA_DISABLED=true
	export AWS_CONFIG_FILE=$T/aws-config
	export AWS_SHARED_CREDENTIALS_FILE=$T/aws-credentials
	export AWS_PAGER= AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=3
	export HOME=$T/home
	mkdir -p "$HOME"
	unset HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy
}

# Read one value from the port file.
emu_port() {
	"$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
	    "$T/ports.json" "$1"
}

emu_start() {
	[ -x "$EMU_BIN" ] || fail "no awsemu at $EMU_BIN"
	[ -d "$T/ca" ] || sh "$top_srcdir/tests/awsemu/mkca.sh" "$T/ca"
	rm -f "$T/ports.json"
	"$EMU_BIN" --tls-cert "$T/ca/server.pem" --tls-key "$T/ca/server.key" \
	    --port-file "$T/ports.json" "$@" >>"$T/emu.log" 2>&1 &
	EMU_PID=$!
	i=0
	while [ ! -f "$T/ports.json" ]; do
		kill -0 "$EMU_PID" 2>/dev/null || fail "awsemu exited at start"
		i=$((i + 1))
		[ $i -lt 200 ] || fail "awsemu wrote no port file in 20s"
		sleep 0.1
	done
	EMU_HTTP=$(emu_port http)
	EMU_HTTPS=$(emu_port https)
	EMU_URL=https://127.0.0.1:$EMU_HTTPS
	EMU_ADMIN=http://127.0.0.1:$EMU_HTTP/_emu
	emu_env
}

# emu_admin METHOD PATH [BODY]: call the admin endpoint, print the body;
# exit status 1 unless the answer is 200.
emu_admin() {
	"$PY" - "$1" "$EMU_ADMIN$2" "${3:-}" <<'EOF'
import sys, urllib.request, urllib.error
method, url, body = sys.argv[1], sys.argv[2], sys.argv[3]
req = urllib.request.Request(url, method=method,
    data=body.encode() if method != "GET" else None)
try:
    with urllib.request.urlopen(req, timeout=30) as r:
        sys.stdout.write(r.read().decode())
except urllib.error.HTTPError as e:
    sys.stdout.write(e.read().decode())
    sys.exit(1)
EOF
}

# emu_state EXPR: evaluate a Python expression on GET /_emu/state as s.
emu_state() {
	emu_admin GET /state | "$PY" -c \
	    'import json,sys; s=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

# expect_eq WHAT GOT WANT
expect_eq() {
	[ "$2" = "$3" ] || fail "$1: got '$2', want '$3'"
}

# expect_error CODE COMMAND...: the command fails and says CODE.
expect_error() {
	code=$1
	shift
	if "$@" >"$T/out" 2>"$T/err"; then
		fail "$*: succeeded, want $code"
	fi
	grep -q "($code)" "$T/err" || fail "$*: want $code, got: $(cat "$T/err")"
}

# emu_stop: SIGTERM, and the emulator must exit cleanly (in the sanitizer
# build that includes no leaks and no errors on the way out).
emu_stop() {
	kill "$EMU_PID" 2>/dev/null || fail "awsemu already gone"
	rc=0
	wait "$EMU_PID" || rc=$?
	EMU_PID=
	[ $rc -eq 0 ] || fail "awsemu exited with status $rc"
}

# emu_alive: the emulator is still running and answering.
emu_alive() {
	kill -0 "$EMU_PID" 2>/dev/null || fail "awsemu died"
	expect_eq "health" "$(emu_admin GET /health)" "ok"
}

# dcc CASE [ARGS]: run one scenario of the strict data-channel client
# (dcclient.c) against the running emulator; its ok lines are printed.
dcc() {
	"$top_builddir/tests/awsemu/dcclient" -e "$EMU_URL" -a "$EMU_ADMIN" \
	    "$@" >"$T/dcc.out" 2>&1 || { cat "$T/dcc.out"; fail "dcclient $*"; }
	cat "$T/dcc.out"
}

# emu_short_creds TTL: credentials from AssumeRole that live TTL seconds
# (the creds_ttl knob, left set): sets akid, secret and token.
emu_short_creds() {
	emu_admin POST /knobs "{\"creds_ttl\": $1}" >/dev/null
	$AWS sts assume-role --endpoint-url "$EMU_URL" --output text \
	    --role-arn arn:aws:iam::123456789012:role/ops \
	    --role-session-name short \
	    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' \
	    >"$T/role" || fail "assume-role"
	read -r akid secret token <"$T/role"
}

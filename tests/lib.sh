# lib.sh: what the test scripts share. Source it first:
#
#	. "$top_srcdir/tests/lib.sh"
#
# It gives a scratch directory ($T, short enough for unix socket paths),
# helpers that start processes in the background and wait for them to be
# ready with a deadline, free ports, gatewayd and gatewayctl wrappers,
# awsemu and its admin endpoint, ssm forwards pointed at awsemu, and a
# trap that stops everything started and removes $T on exit. Every wait
# has a deadline; a test fails with a message and the logs.
#
# make check sets top_srcdir, top_builddir and SHARED_DIR. KEEP=1 keeps $T.
# A family of scripts may add its own helpers in a file of its own
# (tests/integration/life_lib.sh, chan_lib.sh) that sources this one;
# nothing is defined in two places.

set -eu

: "${top_srcdir:?run from make check}"
: "${top_builddir:?run from make check}"

GATEWAYD=$top_builddir/gatewayd/gatewayd
GATEWAYCTL=$top_builddir/gatewayd/gatewayctl
LOADSERVER=$top_builddir/tests/tools/loadserver
LOADCLIENT=$top_builddir/tests/tools/loadclient
FREEPORT=$top_builddir/tests/tools/freeport
PY=${EMU_PYTHON:-/usr/bin/python3}
AWS=${AWS_CLI:-/usr/bin/aws}

T=$(mktemp -d /tmp/gwt.XXXXXX)
chmod 755 "$T"
TEST_NAME=$(basename "$0" .sh)
LIB_PIDS=
GW_PID=
GW_LOG=$T/gatewayd.log
GW_CONF=$T/gatewayd.conf
GW_CONTROL=$T/control.sock

# Sanitizer builds: report leaks and errors, keep freed memory small so
# that RSS means what it says.
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:quarantine_size_mb=16:abort_on_error=0}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

# lib_cleanup [STATUS]: the EXIT trap; a test's own trap that does more
# first passes the status it began with (dash's "(exit N)" inside a trap
# ends the shell there).
lib_cleanup() {
	status=${1:-$?}
	for pid in $LIB_PIDS; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $LIB_PIDS; do
		lib_wait_gone "$pid" 50 || kill -KILL "$pid" 2>/dev/null || true
	done
	if [ "$status" -ne 0 ]; then
		lib_dump_logs
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "kept $T"
	else
		rm -rf "$T"
	fi
	exit "$status"
}
trap lib_cleanup EXIT
trap 'exit 1' INT TERM HUP

# Wait up to tenths/10 seconds for pid to exit.
lib_wait_gone() {
	n=0
	while kill -0 "$1" 2>/dev/null; do
		n=$((n + 1))
		[ "$n" -le "$2" ] || return 1
		sleep 0.1
	done
	return 0
}

lib_dump_logs() {
	for f in "$T"/*.log "$T"/*.out; do
		[ -f "$f" ] || continue
		echo "----- $(basename "$f") (last 60 lines)"
		tail -n 60 "$f"
	done
}

fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	exit 1
}

ok() {
	echo "ok: $*"
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

# Remember a background process to stop at exit; forget one stopped.
lib_track() {
	LIB_PIDS="$LIB_PIDS $1"
}

lib_untrack() {
	lu_left=
	for lu_pid in $LIB_PIDS; do
		[ "$lu_pid" = "$1" ] || lu_left="$lu_left $lu_pid"
	done
	LIB_PIDS=$lu_left
}

# wait_for SECONDS DESCRIPTION COMMAND...: run COMMAND every 0.1s until it
# succeeds; fail after SECONDS.
wait_for() {
	limit=$(( $1 * 10 ))
	what=$2
	shift 2
	n=0
	until "$@" >/dev/null 2>&1; do
		n=$((n + 1))
		[ "$n" -le "$limit" ] || fail "timed out waiting for $what"
		sleep 0.1
	done
}

# free_ports N: print N free TCP ports on 127.0.0.1, one a line.
free_ports() {
	"$FREEPORT" "$1"
}

# closed_port: a loopback port that refuses every connection for the
# rest of the test: a socket bound to it and never listening holds it,
# so no listener started later (awsemu binds port 0) can take it.
# Sets CLOSED_PORT.
closed_port() {
	"$PY" -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
sys.stdout.close()
time.sleep(86400)' >"$T/closed.port" &
	lib_track $!
	wait_for 10 "a closed port" test -s "$T/closed.port"
	CLOSED_PORT=$(cat "$T/closed.port")
}

# start_server NAME MODE [ARGS...]: loadserver on a free loopback port;
# sets NAME_PORT and NAME_PID; its per-connection lines go to NAME.out.
start_server() {
	name=$1
	mode=$2
	shift 2
	"$LOADSERVER" -l 127.0.0.1:0 -m "$mode" -P "$T/$name.port" "$@" \
	    >"$T/$name.out" 2>"$T/$name.log" &
	pid=$!
	lib_track "$pid"
	wait_for 10 "server $name" test -s "$T/$name.port"
	eval "${name}_PORT=\$(cat \"\$T/\$name.port\")"
	eval "${name}_PID=$pid"
}

# ---- gatewayd ----

# write_conf [GATEWAY KEYS]: start $GW_CONF with a [gateway] section
# using $GW_CONTROL; then add forwards with add_forward.
write_conf() {
	{
		echo "[gateway]"
		echo "control = $GW_CONTROL"
		for kv in "$@"; do
			echo "$kv"
		done
	} >"$GW_CONF.new"
	mv "$GW_CONF.new" "$GW_CONF"
}

# conf_forward FORWARDER NAME LISTEN TARGET PORT [KEY=VALUE...]: append a
# [forward] section to the config.
conf_forward() {
	{
		echo
		echo "[forward \"$2\"]"
		echo "listen = $3"
		echo "forwarder = $1"
		echo "target = $4"
		echo "remote_port = $5"
		shift 5
		for kv in "$@"; do
			echo "$kv" | sed 's/=/ = /'
		done
	} >>"$GW_CONF"
}

# add_forward NAME LISTEN TARGET PORT [KEY=VALUE...]: a tcp forward.
add_forward() {
	conf_forward tcp "$@"
}

# echo_forward NAME [KEY=VALUE...]: an echo server, and gatewayd with one
# tcp forward NAME to it on a free port, $PORT.
echo_forward() {
	ef_name=$1
	shift
	start_server echo echo
	PORT=$(free_ports 1)
	write_conf
	add_forward "$ef_name" "127.0.0.1:$PORT" 127.0.0.1 "$echo_PORT" "$@"
	start_gatewayd
}

gwctl() {
	"$GATEWAYCTL" -s "$GW_CONTROL" "$@"
}

# start_gatewayd [ARGS...]: gatewayd -d -f $GW_CONF unless ARGS say
# otherwise; waits until its control socket answers. Sets GW_PID.
start_gatewayd() {
	if [ $# -eq 0 ]; then
		set -- -d -f "$GW_CONF"
	fi
	"$GATEWAYD" "$@" >>"$GW_LOG" 2>&1 &
	GW_PID=$!
	lib_track "$GW_PID"
	wait_for 20 "gatewayd to answer on $GW_CONTROL" lib_gw_answers
	kill -0 "$GW_PID" || fail "gatewayd exited at start"
}

# lib_gw_answers: gatewayctl status got an answer: 0 (every forward up)
# or 1 (some forward not up); 2 is no answer.
lib_gw_answers() {
	lga_rc=0
	gwctl status >/dev/null 2>&1 || lga_rc=$?
	[ "$lga_rc" -le 1 ]
}

# stop_gatewayd: SIGTERM, wait for a clean exit (status 0, which in a
# sanitizer build also means no leak or error reports).
stop_gatewayd() {
	kill -TERM "$GW_PID"
	set +e
	wait "$GW_PID"
	rc=$?
	set -e
	lib_untrack "$GW_PID"
	[ "$rc" -eq 0 ] || fail "gatewayd exited with status $rc"
	grep -q "shutdown: done" "$GW_LOG" || fail "gatewayd did not say done"
}

# reload_gatewayd: SIGHUP, then wait until the outcome is logged (applied
# or refused).
reload_gatewayd() {
	before=$(lib_reloads)
	kill -HUP "$GW_PID"
	wait_for 10 "reload" lib_reloaded "$before"
}

lib_reloads() {
	grep -c -E "reload: ([0-9]+ added|.*keeping the running config)" \
	    "$GW_LOG" || true
}

lib_reloaded() {
	[ "$(lib_reloads)" -gt "$1" ]
}

log_has() {
	grep -q -F -- "$1" "$GW_LOG"
}

# status_get JQ: one value from gatewayctl status --json.
status_get() {
	gwctl status --json | jq -r "$1"
}

# fwd_get NAME JQ: a value from forward NAME's status (jq, on the object).
fwd_get() {
	gwctl status --json |
	    jq -r --arg n "$1" ".forwards[] | select(.name == \$n) | $2"
}

# rss_kb PID: resident set size in KiB.
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# sha_of FILE WORD: the hash a loadclient summary line reports after WORD.
sha_of() {
	sed -n "s/.*$2 \([0-9a-f]\{64\}\).*/\1/p" "$1"
}

# ---- awsemu, for tests that need AWS ----
#
# emu_start [awsemu options]: a throwaway CA, awsemu on loopback over HTTPS
# (stopped at exit), and an AWS environment that points at nothing else:
# the default test key, the test CA, no IMDS, no shared files, no proxy.
# Sets EMU_HTTP, EMU_HTTPS (ports), EMU_URL (https API), EMU_ADMIN (http
# admin endpoint) and EMU_PID; EMU_PORTS is awsemu's port file, EMU_LOG
# its log.
EMU=$top_builddir/tests/awsemu/awsemu
EMU_PORTS=$T/emu-ports.json
EMU_LOG=$T/awsemu.log
EMU_PID=
# The default key of every world (emu_registry.c).
EMU_AKID=AKIAEMUDEFAULT000001
EMU_SECRET=emu/default+secret/0000000000000000000000

emu_start() {
	[ -x "$EMU" ] || fail "no awsemu at $EMU"
	[ -d "$T/ca" ] || sh "$top_srcdir/tests/awsemu/mkca.sh" "$T/ca" \
	    >"$T/mkca.log" 2>&1 || fail "mkca.sh failed"
	rm -f "$EMU_PORTS"
	"$EMU" --tls-cert "$T/ca/server.pem" --tls-key "$T/ca/server.key" \
	    --port-file "$EMU_PORTS" "$@" >>"$EMU_LOG" 2>&1 &
	EMU_PID=$!
	lib_track "$EMU_PID"
	wait_for 20 "awsemu's port file" lib_emu_started
	[ -s "$EMU_PORTS" ] || fail "awsemu exited at start"
	EMU_HTTP=$(emu_port http)
	EMU_HTTPS=$(emu_port https)
	EMU_URL=https://127.0.0.1:$EMU_HTTPS
	EMU_ADMIN=http://127.0.0.1:$EMU_HTTP/_emu
	lib_emu_env
}

# True once awsemu wrote its port file (atomically), or is gone.
lib_emu_started() {
	[ -s "$EMU_PORTS" ] || ! kill -0 "$EMU_PID" 2>/dev/null
}

# The AWS environment of every client under test, ours (gatewayd, which
# also takes the endpoint from AWS_ENDPOINT_URL) and the AWS CLI's and
# botocore's (no pager, standard retries; three attempts is gatewayd's
# own default).
lib_emu_env() {
	export AWS_ACCESS_KEY_ID=$EMU_AKID AWS_SECRET_ACCESS_KEY=$EMU_SECRET
	unset AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_PROFILE \
	    AWS_DEFAULT_PROFILE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
	    AWS_CONTAINER_CREDENTIALS_FULL_URI HTTPS_PROXY https_proxy \
	    HTTP_PROXY http_proxy ALL_PROXY all_proxy
	export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
	export AWS_CA_BUNDLE=$T/ca/ca.pem AWS_EC2_METADATA_DISABLED=true
	export AWS_CONFIG_FILE=$T/aws-config
	export AWS_SHARED_CREDENTIALS_FILE=$T/aws-credentials
	export AWS_ENDPOINT_URL=$EMU_URL
	export AWS_PAGER= AWS_RETRY_MODE=standard AWS_MAX_ATTEMPTS=3
	export HOME=$T/home
	mkdir -p "$HOME"
}

# no_keys: no key in the environment, for a credential source to fill.
no_keys() {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
}

# emu_port NAME: one port from awsemu's port file (http, https, ws, wss).
emu_port() {
	jq -r ".$1" "$EMU_PORTS"
}

# emu_admin METHOD PATH [BODY]: call awsemu's admin endpoint and print
# its answer; status 1 unless that is 200. The answer is printed either
# way: a test reads why a knob was refused.
emu_admin() {
	curl -s --max-time 30 --fail-with-body -X "$1" \
	    ${3:+--data-binary "$3"} "$EMU_ADMIN$2" && return 0
	echo "awsemu admin $1 $2 failed" >&2
	return 1
}

# emu_state EXPR: a Python expression on GET /_emu/state as s.
emu_state() {
	emu_admin GET /state | "$PY" -c \
	    'import json,sys; s=json.load(sys.stdin); print(eval(sys.argv[1]))' \
	    "$1" || fail "GET /_emu/state: $1"
}

# emu_agent_sum KEY: KEY summed over every session's agent in awsemu.
emu_agent_sum() {
	emu_state "sum(x['agent'].get('$1', 0) for x in
	    s['sessions']['list'] if x.get('agent'))"
}

# emu_alive: the emulator is still running and answering.
emu_alive() {
	kill -0 "$EMU_PID" 2>/dev/null || fail "awsemu died"
	expect_eq "health" "$(emu_admin GET /health)" "ok"
}

# emu_stop: SIGTERM, and the emulator must exit cleanly (in the sanitizer
# build that includes no leaks and no errors on the way out).
emu_stop() {
	kill "$EMU_PID" 2>/dev/null || fail "awsemu already gone"
	rc=0
	wait "$EMU_PID" || rc=$?
	lib_untrack "$EMU_PID"
	EMU_PID=
	[ $rc -eq 0 ] || fail "awsemu exited with status $rc"
}

# dcc CASE [ARGS]: run one scenario of the strict data-channel client
# (tests/awsemu/dcclient.c) against the running emulator; its ok lines
# are printed.
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

# ---- ssm forwards to awsemu ----
#
#	ssm_instance ID AGENT_VERSION PING TAGS PORTS [REMOTE_HOSTS]
#	    add one instance to the world (TAGS, PORTS, REMOTE_HOSTS: JSON
#	    objects, e.g. '{"Name": "web"}' '{"80": "127.0.0.1:8080"}')
#	ssm_emu_start [awsemu options]: write the world, start awsemu
#	ssm_conf [GATEWAY KEYS]: a config for awsemu (plain or loopback
#	    WebSockets allowed); then forwards with add_ssm_forward, or with
#	    conf_forward ssm for one that finds awsemu through the
#	    environment emu_start set
#	add_ssm_forward NAME LISTEN TARGET PORT [KEY=VALUE...]: an ssm
#	    forward with awsemu's region and endpoint_url written into it
#	ssm_wait_status JQ: wait until gatewayctl status --json | jq -e JQ
#	ssm_echo_emu ID: an echo server (echo_PORT) and awsemu with one
#	    instance ID whose port 22 is that server
#
# Session Manager cannot half-close (ssm-port-mux.md 7.4): echo clients use
# loadclient -W, which shuts only once the whole echo is back.
SSM_WORLD=$T/world.json
SSM_INSTANCES=

ssm_instance() {
	si_entry=$(printf '{"id": "%s", "agent_version": "%s", "ping": "%s",
	    "tags": %s, "ports": %s, "remote_hosts": %s}' \
	    "$1" "$2" "$3" "$4" "$5" "${6:-{\}}")
	SSM_INSTANCES=${SSM_INSTANCES:+$SSM_INSTANCES,}$si_entry
}

ssm_emu_start() {
	printf '{"region": "us-east-1", "instances": [%s]}\n' \
	    "$SSM_INSTANCES" >"$SSM_WORLD"
	jq . "$SSM_WORLD" >/dev/null || fail "the world file is not JSON"
	emu_start --world "$SSM_WORLD" "$@"
}

ssm_conf() {
	write_conf "allow_plain_websocket = yes" "$@"
}

add_ssm_forward() {
	_name=$1 _listen=$2 _target=$3 _port=$4
	shift 4
	conf_forward ssm "$_name" "$_listen" "$_target" "$_port" \
	    "region=us-east-1" "endpoint_url=$EMU_URL" "$@"
}

ssm_echo_emu() {
	start_server echo echo
	ssm_instance "$1" 3.3.987.0 Online '{"Name": "web"}' \
	    "{\"22\": \"127.0.0.1:$echo_PORT\"}"
	ssm_emu_start
}

ssm_wait_status() {
	wait_for 30 "status: $1" sh -c \
	    "'$GATEWAYCTL' -s '$GW_CONTROL' status --json | jq -e '$1'"
}

# aws_offline_env: the default test key and an AWS environment with
# nothing else in it (no IMDS, shared files or proxy), for tests whose
# forwards need credentials but no AWS at all.
aws_offline_env() {
	export AWS_ACCESS_KEY_ID=$EMU_AKID AWS_SECRET_ACCESS_KEY=$EMU_SECRET
	export AWS_EC2_METADATA_DISABLED=true HOME=$T
	export AWS_CONFIG_FILE=$T/aws-config
	export AWS_SHARED_CREDENTIALS_FILE=$T/aws-creds
	unset AWS_PROFILE AWS_CA_BUNDLE HTTPS_PROXY https_proxy
}

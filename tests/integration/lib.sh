# lib.sh: what the integration tests share. Source it first:
#
#	. "$top_srcdir/tests/integration/lib.sh"
#
# It gives a scratch directory ($T, short enough for unix socket paths),
# helpers that start processes in the background and wait for them to be
# ready with a deadline, free ports, gatewayd and gatewayctl wrappers,
# and a trap that stops everything started and removes $T on exit. Every
# wait has a deadline; a test fails with a message and the logs.
#
# make check sets top_srcdir, top_builddir and SHARED_DIR. KEEP=1 keeps $T.

set -eu

: "${top_srcdir:?run from make check}"
: "${top_builddir:?run from make check}"

GATEWAYD=$top_builddir/gatewayd/gatewayd
GATEWAYCTL=$top_builddir/gatewayd/gatewayctl
LOADSERVER=$top_builddir/tests/tools/loadserver
LOADCLIENT=$top_builddir/tests/tools/loadclient
FREEPORT=$top_builddir/tests/tools/freeport

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

lib_cleanup() {
	status=$?
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

# Remember a background process to stop at exit.
lib_track() {
	LIB_PIDS="$LIB_PIDS $1"
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
	wait_for 20 "gatewayd to answer on $GW_CONTROL" gwctl status
	kill -0 "$GW_PID" || fail "gatewayd exited at start"
}

# stop_gatewayd: SIGTERM, wait for a clean exit (status 0, which in a
# sanitizer build also means no leak or error reports).
stop_gatewayd() {
	kill -TERM "$GW_PID"
	set +e
	wait "$GW_PID"
	rc=$?
	set -e
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
# Sets EMU_URL (https API), EMU_ADMIN (http admin endpoint), EMU_PORTS.
EMU=$top_builddir/tests/awsemu/awsemu
EMU_AKID=AKIAEMUDEFAULT000001
EMU_SECRET=emu/default+secret/0000000000000000000000

emu_start() {
	[ -x "$EMU" ] || fail "no awsemu at $EMU"
	[ -d "$T/ca" ] || sh "$top_srcdir/tests/awsemu/mkca.sh" "$T/ca" \
	    >"$T/mkca.log" 2>&1 || fail "mkca.sh failed"
	EMU_PORTS=$T/emu-ports.json
	rm -f "$EMU_PORTS"
	"$EMU" --tls-cert "$T/ca/server.pem" --tls-key "$T/ca/server.key" \
	    --port-file "$EMU_PORTS" "$@" >>"$T/awsemu.log" 2>&1 &
	lib_track $!
	wait_for 20 "awsemu's port file" test -s "$EMU_PORTS"
	EMU_URL=https://127.0.0.1:$(jq -r .https "$EMU_PORTS")
	EMU_ADMIN=http://127.0.0.1:$(jq -r .http "$EMU_PORTS")/_emu
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
	export HOME=$T/home
	mkdir -p "$HOME"
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

# emu_admin METHOD PATH [JSON]: call awsemu's admin endpoint; print the
# answer; fail unless it is 200.
emu_admin() {
	curl -sf -X "$1" ${3:+--data-binary "$3"} "$EMU_ADMIN$2" ||
	    fail "awsemu admin $1 $2 failed"
}

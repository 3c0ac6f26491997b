#!/bin/sh
# A CA bundle that is not there (AWS_CA_BUNDLE, or ca_bundle in
# [gateway]) with exit_on_forward_failure = yes: gatewayd does not start,
# and says why once, naming the file and the system's reason, not
# OpenSSL's three lines twice over. (Without it, the forward is marked
# failed and retried: t_forward_failure.sh.)
. "$top_srcdir/tests/lib.sh"

aws_offline_env
PORT=$(free_ports 1)

# try WHAT [GATEWAY KEYS]: start, expect exit 1 and one line for the file.
try() {
	what=$1
	shift
	write_conf "exit_on_forward_failure = yes" "$@"
	conf_forward ssm db "127.0.0.1:$PORT" i-0123456789abcdef0 5432 \
	    region=us-east-1 endpoint_url=https://127.0.0.1:9
	: >"$GW_LOG"
	set +e
	"$GATEWAYD" -f "$GW_CONF" >>"$GW_LOG" 2>&1
	rc=$?
	set -e
	[ "$rc" -eq 1 ] || fail "$what: exit $rc, not 1"
	n=$(grep -c "$T/missing.pem" "$GW_LOG" || true)
	[ "$n" -eq 1 ] || fail "$what: the bundle is named $n times, not once"
	want="ca bundle $T/missing.pem: No such file or directory"
	grep -q "warn: forward db: $want\$" "$GW_LOG" ||
	    fail "$what: not the system's reason: $(cat "$GW_LOG")"
	ok "$what: $(grep missing.pem "$GW_LOG" | sed 's/^[^ ]* //')"
}

export AWS_CA_BUNDLE=$T/missing.pem
try AWS_CA_BUNDLE
unset AWS_CA_BUNDLE
try ca_bundle "ca_bundle = $T/missing.pem"

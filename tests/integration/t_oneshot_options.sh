#!/bin/sh
# The options of one-shot mode, checked as a file's keys are: --region
# and --profile set every -L forward's (a mistyped region names the one
# meant), -L and -f together are refused rather than one of them
# dropped, and a target shaped like an instance id is never a tcp host.
. "$top_srcdir/tests/lib.sh"

# gatewayd ARGS...: run it; its exit status in $rc, output in $T/out, $T/err.
run() {
	rc=0
	"$GATEWAYD" "$@" >"$T/out" 2>"$T/err" || rc=$?
}
# refused WANT ARGS...: gatewayd -n ARGS fails with exactly WANT on stderr.
refused() {
	want=$1
	shift
	run -n "$@"
	[ "$rc" -eq 1 ] || fail "gatewayd -n $*: exit $rc, want 1"
	[ ! -s "$T/out" ] || fail "gatewayd -n $*: wrote to stdout"
	[ "$(cat "$T/err")" = "$want" ] ||
	    fail "gatewayd -n $*: \"$(cat "$T/err")\", want \"$want\""
}

run -n --region eu-west-2 --profile ops -L 15432:i-0123456789abcdef0:5432 \
    -L "15433:tag:Name=web server:db.internal:5432"
[ "$rc" -eq 0 ] || fail "--region, --profile: exit $rc: $(cat "$T/err")"
[ "$(grep -c '^region = eu-west-2$' "$T/out")" -eq 3 ] ||
    fail "--region is not every forward's: $(cat "$T/out")"
[ "$(grep -c '^profile = ops$' "$T/out")" -eq 3 ] ||
    fail "--profile is not every forward's: $(cat "$T/out")"
grep -q '^target = tag:Name=web server$' "$T/out" ||
    fail "a tag value with a space: $(cat "$T/out")"

refused '--region eu-wset-1: region: "eu-wset-1" is not a region (did you mean eu-west-1?); --profile two words: profile: "two words" contains a space
-L: 1 error' --region eu-wset-1 --profile "two words" -L 1:i-0123456789abcdef0:5
refused 'gatewayd: -f and -L do not mix: a config file'"'"'s forwards, or -L'"'"'s' \
    -f /dev/null -L 1:127.0.0.1:5
refused 'gatewayd: --region and --profile are for -L; a config file sets them in [gateway] or [forward]' \
    --region eu-west-1
refused '-L 1:i-123:5:1: forward "L1": target: "i-123" is not an instance id (i- and 8 or 17 hex digits, mi- and 17)
-L: 1 error' -L 1:i-123:5
run -n -L 1:i-proxy:3128
[ "$rc" -eq 0 ] && grep -q '^forwarder = tcp$' "$T/out" ||
    fail "i-proxy is a host name for tcp: $(cat "$T/err" "$T/out")"
ok "one-shot options checked like a file's keys"

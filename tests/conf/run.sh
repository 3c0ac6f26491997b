#!/bin/sh
# Config cases: each directory here holds a gatewayd.conf and either
# "expected" (the exact stdout of gatewayd -n; exit 0, nothing on stderr
# unless "warnings" holds the exact stderr: the risky settings' warnings)
# or "error" (the exact stderr; exit 1, nothing on stdout). gatewayd runs
# in the case's directory with -f gatewayd.conf, so messages name the
# file as an operator would see it.
set -u

: "${top_srcdir:?run from make check}" "${top_builddir:?run from make check}"
gatewayd="$top_builddir/gatewayd/gatewayd"
cases="$top_srcdir/tests/conf"
min_cases=30

if [ ! -x "$gatewayd" ]; then
	echo "FAIL: $gatewayd is missing; the config cases need gatewayd -n"
	exit 1
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/conf.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

n=0
failed=0
for dir in "$cases"/*/; do
	dir=${dir%/}
	name=$(basename "$dir")
	n=$((n + 1))
	if [ -f "$dir/expected" ]; then
		want=$dir/expected want_rc=0 have=$tmp/out quiet=$tmp/err
	elif [ -f "$dir/error" ]; then
		want=$dir/error want_rc=1 have=$tmp/err quiet=$tmp/out
	else
		echo "FAIL: $name: neither expected nor error"
		failed=$((failed + 1))
		continue
	fi
	(cd "$dir" && exec timeout 30 "$gatewayd" -n -f gatewayd.conf) \
	    >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ -f "$dir/expected" ] && [ -f "$dir/warnings" ] &&
	    ! cmp -s "$dir/warnings" "$quiet"; then
		echo "FAIL: $name: the warnings differ"
		diff -u "$dir/warnings" "$quiet" | sed 's/^/    /'
		failed=$((failed + 1))
		continue
	elif [ -f "$dir/warnings" ]; then
		: >"$quiet"
	fi
	if [ "$rc" -eq "$want_rc" ] && cmp -s "$want" "$have" &&
	    [ ! -s "$quiet" ]; then
		echo "ok: $name"
		continue
	fi
	echo "FAIL: $name: exit $rc (want $want_rc)"
	diff -u "$want" "$have" | sed 's/^/    /'
	if [ -s "$quiet" ]; then
		echo "    and on the other stream:"
		sed 's/^/    /' "$quiet"
	fi
	failed=$((failed + 1))
done

if [ "$n" -lt "$min_cases" ]; then
	echo "FAIL: only $n cases in $cases (at least $min_cases)"
	failed=$((failed + 1))
fi
echo "$n cases, $failed failed"
[ "$failed" -eq 0 ]

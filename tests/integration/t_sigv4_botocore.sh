#!/bin/sh
# The independent cross-check of the signer: sigv4_gen signs random
# requests (both forms, odd paths, queries, headers, bodies, tokens,
# dates, regions, services) and Debian's python3-botocore signs each one
# again; every signature must agree. The seed changes each run and is
# printed; SIGV4_SEED=<seed> replays a run, SIGV4_COUNT sets its size.
set -u
python=/usr/bin/python3
seed=${SIGV4_SEED:-$(date +%s)}
count=${SIGV4_COUNT:-1500}
lines="${TMPDIR:-/tmp}/sigv4_botocore.$$"
status=0

echo "sigv4 cross-check: seed $seed (replay with SIGV4_SEED=$seed)"
if [ "$count" -lt 1000 ]; then
	echo "FAIL: SIGV4_COUNT=$count: the cross-check wants 1000 or more"
	exit 1
fi
if ! "$python" -c 'import botocore.auth' 2>/dev/null; then
	echo "FAIL: $python cannot import botocore (Debian: python3-botocore)"
	exit 1
fi
if ! "$top_builddir/tests/tools/sigv4_gen" -n "$count" -s "$seed" \
    >"$lines"; then
	echo "FAIL: sigv4_gen: a signed request did not sign or verify"
	status=1
fi
if ! "$python" "$top_srcdir/tests/integration/sigv4_botocore.py" \
    <"$lines"; then
	echo "FAIL: botocore disagrees (seed $seed)"
	status=1
fi
rm -f "$lines"
exit $status

#!/bin/sh
# Replay every fuzz harness over its saved corpus (tests/fuzz/corpus/NAME/,
# for harness fuzz_NAME). A harness without a corpus is a failure: a fuzzer
# nobody runs is a fuzzer that rots.
set -u
status=0
count=0
for f in $FUZZERS; do
	name=$(basename "$f")
	corpus="$top_srcdir/tests/fuzz/corpus/${name#fuzz_}"
	if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
		echo "FAIL: $name: no corpus in $corpus"
		status=1
		continue
	fi
	if "$top_builddir/$f" "$corpus"/* >"${TMPDIR:-/tmp}/replay.$$" 2>&1; then
		echo "ok: $(tail -n 1 "${TMPDIR:-/tmp}/replay.$$")"
		count=$((count + 1))
	else
		echo "FAIL: $name"
		cat "${TMPDIR:-/tmp}/replay.$$"
		status=1
	fi
done
rm -f "${TMPDIR:-/tmp}/replay.$$"
echo "$count harnesses replayed"
exit $status

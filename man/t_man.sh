#!/bin/sh
# The manual pages: gatewayd.conf(5) has every key of the table (from the
# example file the table also makes) with its default or example value;
# gatewayd(8) and gatewayctl(8) have every option and command their
# usage lists; and mandoc -T lint finds nothing in any of the three (the
# test is skipped only when mandoc is not installed; deps.sh installs it).
. "$top_srcdir/tests/lib.sh"

CONF5=$top_builddir/man/gatewayd.conf.5
[ -s "$CONF5" ] || fail "no $CONF5 (make builds it)"

# Every key of the example, in its section, with its value.
"$top_builddir/config/gatewayd-conf-example" >"$T/example.conf" ||
    fail "gatewayd-conf-example failed"
awk '
	FNR == NR {
		if ($0 ~ /^\.Ss The \[gateway\]/) sect = "gateway"
		else if ($0 ~ /^\.Ss The \[forward/) sect = "forward"
		else if ($0 ~ /^\.It Ic "/) {
			split($0, f, "\"")
			key = sect "/" f[2]
			seen[key] = 1
		} else if ($0 ~ /^\.(El|Ss|Sh)/) key = ""
		else if (key != "" && $0 ~ /^\.Ql "/) {
			v = substr($0, 6)
			sub(/" \.?$/, "", v); sub(/"$/, "", v)
			gsub(/\\\(dq/, "\"", v); gsub(/\\e/, "\\", v)
			vals[key "=" v] = 1
		}
		next
	}
	/^\[gateway\]/ { sect = "gateway"; next }
	/^\[forward/ { sect = "forward"; next }
	/^#?[a-z_]+ = / {
		line = $0
		sub(/^#/, "", line)
		k = line; sub(/ = .*/, "", k)
		v = line; sub(/^[a-z_]+ = /, "", v)
		n++
		if (!((sect "/" k) in seen)) {
			print "missing key: [" sect "] " k; bad = 1
		} else if (!((sect "/" k "=" v) in vals) &&
		    !((sect "/" k "=" k " = " v) in vals)) {
			print "[" sect "] " k ": no value " v; bad = 1
		}
	}
	END {
		if (n < 40) { print "only " n " keys in the example"; bad = 1 }
		print n " keys"
		exit bad
	}' "$CONF5" "$T/example.conf" >"$T/keys.out" ||
    fail "gatewayd.conf.5 and the table differ: $(cat "$T/keys.out")"
ok "gatewayd.conf(5): $(tail -n 1 "$T/keys.out"), each with its value"

# options PROG: the options its usage lists, as mdoc writes them.
options() {
	"$1" -h | grep -o -E '(^| |\[)--?[A-Za-z][a-z-]*' | sed 's/^[ []//' |
	    sed -e 's/^\[-/-/' | sort -u
}
for prog in gatewayd gatewayctl; do
	page=$top_srcdir/man/$prog.8
	opts=$(options "$top_builddir/gatewayd/$prog")
	[ -n "$opts" ] || fail "no options in $prog -h"
	for o in $opts; do
		case $o in
		--*)	m=".Fl \\\\-${o#--}" ;;
		-??*)	# -dhnV in the synopsis line: each letter
			continue ;;
		*)	m=".Fl ${o#-}" ;;
		esac
		grep -q -e "$m\\( \\|$\\)" -e "Fl ${o#-}\\( \\|$\\)" \
		    -e "Fl \\\\-${o#--}\\( \\|$\\)" "$page" ||
		    fail "$prog.8 lacks $o"
	done
	ok "$prog.8 has every option of $prog -h: $(echo $opts)"
done
"$GATEWAYCTL" -h | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' >"$T/cmds"
[ "$(wc -l <"$T/cmds")" -ge 6 ] || fail "gatewayctl -h lists $(cat "$T/cmds")"
for c in $(sort -u "$T/cmds"); do
	grep -q "^\.It Cm $c\\( \\|$\\)" "$top_srcdir/man/gatewayctl.8" ||
	    fail "gatewayctl.8 lacks the command $c"
done
ok "gatewayctl.8 has every command: $(sort -u "$T/cmds" | tr '\n' ' ')"

if ! command -v mandoc >/dev/null 2>&1; then
	echo "SKIP: no mandoc (Debian: mandoc) to lint the pages"
	exit 77
fi
# Pages this machine lacks (Xr to a page not installed) say nothing of ours.
mandoc -T lint "$top_srcdir/man/gatewayd.8" "$top_srcdir/man/gatewayctl.8" \
    "$CONF5" >"$T/lint.out" 2>&1 || true
grep -v -e "STYLE: referenced manual not found" \
    -e "outdated mandoc.db" "$T/lint.out" >"$T/lint.bad" || true
[ ! -s "$T/lint.bad" ] || fail "mandoc -T lint: $(cat "$T/lint.bad")"
ok "mandoc -T lint: clean"

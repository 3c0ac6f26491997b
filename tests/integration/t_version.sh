#!/bin/sh
# -V/--version and -h/--help on gatewayd and gatewayctl: to stdout, exit
# 0, nothing on stderr; the version is configure's, with git describe's in
# a checkout (gatewayd/version.sh), and gatewayctl status --json says the
# same. A bad option: the usage on stderr, and a failure.
. "$top_srcdir/tests/lib.sh"

pkgver=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' \
    "$top_builddir/autoconf.h")
[ -n "$pkgver" ] || fail "no PACKAGE_VERSION in autoconf.h"
want=$(sh "$top_srcdir/gatewayd/version.sh" "$top_srcdir" "$pkgver")
case $want in
"$pkgver"|"$pkgver"-g*|[0-9]*) ;;
*)	fail "version.sh said \"$want\" for $pkgver" ;;
esac

for prog in "$GATEWAYD" "$GATEWAYCTL"; do
	name=$(basename "$prog")
	for opt in -V --version; do
		"$prog" "$opt" >"$T/out" 2>"$T/err" ||
		    fail "$name $opt exited $?"
		[ ! -s "$T/err" ] || fail "$name $opt wrote to stderr"
		[ "$(cat "$T/out")" = "$name $want" ] ||
		    fail "$name $opt: \"$(cat "$T/out")\", not \"$name $want\""
	done
	for opt in -h --help; do
		"$prog" "$opt" >"$T/out" 2>"$T/err" ||
		    fail "$name $opt exited $?"
		[ ! -s "$T/err" ] || fail "$name $opt wrote to stderr"
		head -n 1 "$T/out" | grep -q "^usage: $name " ||
		    fail "$name $opt: no usage line"
		for o in "-h, --help" "-V, --version"; do
			grep -q -e "  $o  " "$T/out" ||
			    fail "$name $opt does not list $o"
		done
	done
	if "$prog" -Z >"$T/out" 2>"$T/err"; then
		fail "$name -Z succeeded"
	fi
	[ ! -s "$T/out" ] || fail "$name -Z wrote to stdout"
	grep -q "^usage: $name " "$T/err" || fail "$name -Z: no usage"
	ok "$name: -V, --version ($want), -h, --help; -Z refused"
done

echo_forward web
[ "$(status_get .version)" = "$want" ] ||
    fail "status --json says version $(status_get .version)"
stop_gatewayd
ok "gatewayctl status --json: version $want"

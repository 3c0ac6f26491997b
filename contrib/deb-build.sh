#!/bin/sh
# deb-build.sh [OUTDIR]: build the Debian package the way CI does, from a
# clean copy of this checkout (its tracked files and the untracked ones
# git does not ignore) in a temporary directory, so no build tree here is
# touched: dpkg-buildpackage -b -us -uc, then lintian, which must report
# no error and no warning. The .deb goes to OUTDIR (default build-deb).
# Needs dpkg-dev, debhelper, lintian and the build dependencies
# (contrib/deps.sh test installs them).
set -eu
cd "$(dirname "$0")/.."
src=$(pwd)
out=${1:-$src/build-deb}

ver=$(sed -n 's/^AC_INIT(\[gatewayd\], \[\([^]]*\)\].*/\1/p' configure.ac)
debver=$(dpkg-parsechangelog -l debian/changelog -S Version)
if [ "$ver" != "$debver" ]; then
	echo "deb-build: debian/changelog says $debver, configure.ac $ver" >&2
	exit 1
fi

work=$(mktemp -d /tmp/gatewayd-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/gatewayd"
git ls-files -z --cached --others --exclude-standard |
    tar --null -T - --ignore-failed-read -cf - 2>/dev/null |
    tar -C "$work/gatewayd" -xf -
# No .git in the copy: the version it reports is recorded as in a tarball.
sh gatewayd/version.sh "$src" "$ver" >"$work/gatewayd/.tarball-version"

echo "deb-build: dpkg-buildpackage -b -us -uc in $work/gatewayd"
(
	cd "$work/gatewayd"
	DEB_BUILD_OPTIONS="parallel=2${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}" \
	    dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1
) || {
	tail -n 80 "$work/build.log"
	echo "deb-build: dpkg-buildpackage failed" >&2
	exit 1
}

echo "deb-build: lintian $(lintian --version | sed 's/^Lintian v//')"
lintian --fail-on error,warning "$work"/gatewayd_*.changes \
    >"$work/lintian.out" 2>&1 || {
	cat "$work/lintian.out"
	echo "deb-build: lintian reports errors or warnings" >&2
	exit 1
}
grep -v "^N: \|running with root privileges" "$work/lintian.out" || true
echo "deb-build: lintian: no error, no warning"

mkdir -p "$out"
cp "$work"/gatewayd_*.deb "$out/"
ls "$out"/gatewayd_*.deb

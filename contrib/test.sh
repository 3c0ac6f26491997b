#!/bin/sh
# Install what the tests need, build, and run the whole suite: make
# distcheck in a normal build (it builds the release tarball and runs make
# check from it, out of tree: the whole suite, once), then make check in a
# build with AddressSanitizer and UndefinedBehaviorSanitizer (clang), then
# the Debian package from a clean copy, with lintian (contrib/deb-build.sh).
# The checkout sits beside shared/ (../shared). Build trees: build-check,
# build-asan; the .deb goes to build-deb. GATEWAYD_DEBOOTSTRAP_CHECK=1 also
# installs and purges the .deb in a throwaway bookworm root
# (contrib/debootstrap-check.sh, a few minutes with the Debian mirror).
set -eu
cd "$(dirname "$0")/.."

contrib/deps.sh test
./autogen.sh
rm -rf build-check build-asan build-deb

mkdir build-check
(
	cd build-check
	../configure
	make -j2
	make -j2 distcheck || {
		cat gatewayd-*/_build/sub/test-suite.log 2>/dev/null
		exit 1
	}
)

mkdir build-asan
(
	cd build-asan
	../configure CC=clang --enable-sanitizers
	make -j2
	make -j2 check || { cat test-suite.log; exit 1; }
)
sh contrib/deb-build.sh build-deb
if [ "${GATEWAYD_DEBOOTSTRAP_CHECK:-0}" = 1 ]; then
	sh contrib/debootstrap-check.sh build-deb/gatewayd_*.deb
fi
echo "all tests passed: make distcheck (make check from the tarball)," \
    "sanitizer make check, the Debian package and lintian"

#!/bin/sh
# version.sh SRCDIR VERSION: the version gatewayd and gatewayctl report.
# In a git checkout, git describe's: a release tag vX.Y.Z as X.Y.Z[-N-gHASH],
# or, before the first tag, VERSION (configure's) with -gHASH; -dirty with
# changes. A release tarball has no .git: make dist records the same
# string in .tarball-version. Else VERSION as it is.
srcdir=$1
version=$2

if [ -e "$srcdir/.git" ] && command -v git >/dev/null 2>&1 &&
    d=$(git -C "$srcdir" describe --tags --match 'v[0-9]*' --always \
    --dirty 2>/dev/null); then
	case $d in
	v[0-9]*)	echo "${d#v}" ;;
	*)		echo "$version-g$d" ;;
	esac
elif [ -s "$srcdir/.tarball-version" ]; then
	head -n 1 "$srcdir/.tarball-version"
else
	echo "$version"
fi

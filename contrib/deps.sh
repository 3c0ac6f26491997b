#!/bin/sh
# The Debian 12 packages gatewayd needs, in one place: to build and run it
# (build), to run the offline demo (demo), or to run the whole test suite
# as well (test, the default).
# Areas that need more add them here. Runs apt-get as root or via sudo;
# `contrib/deps.sh list` only prints the test list.
set -eu

BUILD="build-essential autoconf automake pkg-config
	libevent-dev libssl-dev libcurl4-openssl-dev libcjson-dev
	libinih-dev libbsd-dev libxml2-dev libwslay-dev python3"
# The offline demo also makes a test CA and fetches a page.
DEMO="$BUILD openssl ca-certificates curl"
# cmocka runs the unit tests (gatewayd builds without it; make check
# then fails); clang and its runtimes for the sanitizer build; jq reads
# gatewayctl status --json in the integration tests; setpriv (util-linux)
# runs a client as another user; python3-botocore cross-checks SigV4;
# awscli, openssl, curl, nodejs and npm drive awsemu and the ssm-session
# cross-checks. mandoc lints the man pages, systemd's systemd-analyze
# scores the unit, zsh parses its completions; dpkg-dev, debhelper and
# lintian build and check the Debian package (contrib/deb-build.sh) and
# debootstrap installs it into a throwaway root
# (contrib/debootstrap-check.sh). openssh-server and openssh-client are
# the real sshd, ssh and scp of the t_ssh_*.sh tests (which start sshd
# themselves; the service is not used). prometheus brings promtool,
# which checks the metrics endpoint's scrapes (t_metrics.sh), its server
# not used (see the policy-rc.d below); python3-prometheus-client's
# parser checks the OpenMetrics ones, which promtool does not read.
# Debian has no terraform: golang-go builds tests/tools/hclfmt against
# golang-github-hashicorp-hcl-v2-dev, the formatter terraform fmt uses,
# which checks contrib/terraform (t_terraform_fmt.sh).
TEST="$BUILD libcmocka-dev clang libclang-rt-14-dev jq util-linux
	python3-botocore awscli openssl ca-certificates curl gnuplot-nox
	linux-perf mandoc systemd zsh dpkg-dev debhelper lintian debootstrap
	openssh-server openssh-client prometheus python3-prometheus-client
	golang-go golang-github-hashicorp-hcl-v2-dev"
# A node that is already there (such as a node 20 build that bundles npm,
# and conflicts with Debian's npm) is kept.
command -v node >/dev/null 2>&1 || TEST="$TEST nodejs"
command -v npm >/dev/null 2>&1 || TEST="$TEST npm"

case "${1:-test}" in
build)	pkgs=$BUILD ;;
demo)	pkgs=$DEMO ;;
test)	pkgs=$TEST ;;
list)	echo $TEST; exit 0 ;;
*)	echo "usage: contrib/deps.sh [build|demo|test|list]" >&2; exit 2 ;;
esac

if [ "$(id -u)" = 0 ]; then
	sudo=
else
	sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# The postinst of prometheus and openssh-server start their servers:
# with systemd running, deb-systemd-invoke; without (a CI container),
# invoke-rc.d runs /etc/init.d/prometheus start, and the install fails if
# that fails. Both ask /usr/sbin/policy-rc.d first: where there is none,
# one that denies every start (101) stands for the install. (With
# systemd the units are still enabled for the next boot.)
policy=/usr/sbin/policy-rc.d
if [ ! -e $policy ]; then
	printf '#!/bin/sh\n# contrib/deps.sh: no starts while installing\n%s\n' \
	    'exit 101' | $sudo tee $policy >/dev/null
	$sudo chmod 755 $policy
	trap '$sudo rm -f $policy' EXIT
fi
# shellcheck disable=SC2086 # one word per package
$sudo apt-get install -y -q --no-install-recommends $pkgs

#!/bin/sh
# Install what gatewayd needs, build it, and show a Session Manager tunnel
# without AWS: awsemu (the project's emulator, with a throwaway test CA)
# plays the SSM API and the agent of one instance, tagged Name=demo-web,
# whose port 80 is a small web server on 127.0.0.1:8000; gatewayd runs
# contrib/demo.conf and forwards 127.0.0.1:8080 to it through StartSession,
# the data channel and smux. Ctrl-C stops everything. DEMO_CHECK=1 fetches
# one page through the tunnel, shows gatewayctl status, and stops.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)

contrib/deps.sh demo
[ -x configure ] || ./autogen.sh
mkdir -p build
cd build
[ -f Makefile ] || ../configure
make -j"$(nproc)"

run=/tmp/gatewayd-demo
mkdir -p "$run"
pids=
# Stop gatewayd, then what it talks to.
trap 'for p in $pids; do kill $p 2>/dev/null; sleep 0.2; done' EXIT
trap 'exit 0' INT TERM

# wait_for WHAT COMMAND...: up to 10 s.
wait_for() {
	what=$1
	shift
	n=0
	until "$@" >/dev/null 2>&1; do
		n=$((n + 1))
		[ "$n" -lt 100 ] || { echo "demo: $what did not start" >&2;
		    exit 1; }
		sleep 0.1
	done
}

python3 -m http.server --bind 127.0.0.1 --directory "$top/contrib/demo-www" \
    8000 >"$run/web.log" 2>&1 &
pids="$!"
wait_for "the web server" curl -sf http://127.0.0.1:8000/

# The emulator: HTTPS API on 18443 with a certificate from a fresh CA.
sh "$top/tests/awsemu/mkca.sh" "$run/ca" >"$run/mkca.log" 2>&1
rm -f "$run/emu-ports.json"
./tests/awsemu/awsemu --tls-cert "$run/ca/server.pem" \
    --tls-key "$run/ca/server.key" --https-port 18443 --http-port -1 \
    --ws-port -1 --world "$top/contrib/demo-world.json" \
    --port-file "$run/emu-ports.json" >"$run/awsemu.log" 2>&1 &
pids="$! $pids"
wait_for awsemu test -s "$run/emu-ports.json"

# gatewayd talks to nothing but awsemu: its test key, its CA, no IMDS.
AWS_ACCESS_KEY_ID=AKIAEMUDEFAULT000001
AWS_SECRET_ACCESS_KEY=emu/default+secret/0000000000000000000000
AWS_CA_BUNDLE=$run/ca/ca.pem
AWS_EC2_METADATA_DISABLED=true
AWS_CONFIG_FILE=$run/no-aws-config
AWS_SHARED_CREDENTIALS_FILE=$run/no-aws-credentials
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_CA_BUNDLE \
    AWS_EC2_METADATA_DISABLED AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL HTTPS_PROXY https_proxy
./gatewayd/gatewayd -f "$top/contrib/demo.conf" 2>"$run/gatewayd.log" &
gw=$!
pids="$gw $pids"	# gatewayd goes first: it ends its session cleanly
ctl="./gatewayd/gatewayctl -s $run/control.sock"
wait_for gatewayd $ctl status
cat <<MSG

gatewayd is forwarding 127.0.0.1:8080 through a Session Manager session
(emulated by awsemu) to instance i-0de0de0de0de0de00, port 80.
  curl http://127.0.0.1:8080/
  $top/build/gatewayd/gatewayctl -s $run/control.sock status
Logs: $run/gatewayd.log, $run/awsemu.log. Ctrl-C stops it.

MSG
if [ "${DEMO_CHECK:-0}" = 1 ]; then
	n=0
	until curl -sf --max-time 10 http://127.0.0.1:8080/; do
		n=$((n + 1))
		[ "$n" -lt 50 ] || { echo "demo: no page through the tunnel" \
		    >&2; cat "$run/gatewayd.log" >&2; exit 1; }
		sleep 0.2
	done
	echo
	$ctl status
	exit 0
fi
wait $gw

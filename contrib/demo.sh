#!/bin/sh
# Install what gatewayd needs, build it, and run it on contrib/demo.conf:
# a small web server on 127.0.0.1:8000, reached through gatewayd's tcp
# forward on 127.0.0.1:8080. Ctrl-C stops both. DEMO_CHECK=1 fetches one
# page through the forward, shows gatewayctl status, and stops.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)

contrib/deps.sh build
[ -x configure ] || ./autogen.sh
mkdir -p build
cd build
[ -f Makefile ] || ../configure
make -j"$(nproc)"

python3 -m http.server --bind 127.0.0.1 --directory "$top/contrib/demo-www" \
    8000 >/tmp/gatewayd-demo-web.log 2>&1 &
web=$!
./gatewayd/gatewayd -f "$top/contrib/demo.conf" &
gw=$!
trap 'kill $gw $web 2>/dev/null || true' EXIT
trap 'exit 0' INT TERM

ctl="./gatewayd/gatewayctl -s /tmp/gatewayd-demo/control.sock"
n=0
until $ctl status >/dev/null 2>&1; do
	n=$((n + 1))
	[ "$n" -lt 100 ] || { echo "gatewayd did not start" >&2; exit 1; }
	sleep 0.1
done
cat <<MSG

gatewayd is forwarding 127.0.0.1:8080 to the web server on 127.0.0.1:8000.
  curl http://127.0.0.1:8080/
  $top/build/gatewayd/gatewayctl -s /tmp/gatewayd-demo/control.sock status
Ctrl-C stops it.

MSG
if [ "${DEMO_CHECK:-0}" = 1 ]; then
	python3 -c '
import time, urllib.request as u
for i in range(50):
    try:
        print(u.urlopen("http://127.0.0.1:8080/", timeout=10).read()
            .decode().strip())
        break
    except OSError:
        time.sleep(0.1)
else:
    raise SystemExit("no page through the forward")'
	$ctl status
	exit 0
fi
wait $gw

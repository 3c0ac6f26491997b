#!/bin/sh
# The packaged service: contrib/gatewayd.service scores 2.0 or lower in
# systemd-analyze security (when systemd-analyze is there; deps.sh
# installs it), runs as gatewayd with CAP_NET_BIND_SERVICE alone and a
# system call filter, and finds its AWS files in /etc/gatewayd/aws; and
# contrib/gatewayd.conf, the package's /etc/gatewayd/gatewayd.conf,
# passes gatewayd -n.
. "$top_srcdir/tests/lib.sh"

UNIT=$top_srcdir/contrib/gatewayd.service

"$GATEWAYD" -n -f "$top_srcdir/contrib/gatewayd.conf" >"$T/conf.out" 2>&1 ||
    fail "contrib/gatewayd.conf: $(cat "$T/conf.out")"
ok "contrib/gatewayd.conf passes gatewayd -n"

for line in Type=notify WatchdogSec= User=gatewayd Group=gatewayd \
    CapabilityBoundingSet=CAP_NET_BIND_SERVICE \
    AmbientCapabilities=CAP_NET_BIND_SERVICE \
    SystemCallFilter=@system-service ProtectSystem=strict \
    StateDirectory=gatewayd RuntimeDirectory=gatewayd \
    ConfigurationDirectory=gatewayd \
    Environment=AWS_CONFIG_FILE=/etc/gatewayd/aws/config \
    Environment=AWS_SHARED_CREDENTIALS_FILE=/etc/gatewayd/aws/credentials; do
	grep -q "^$line" "$UNIT" || fail "the unit has no $line"
done
ok "the unit: notify, watchdog, gatewayd user, one capability, AWS files"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: no systemd-analyze (Debian: systemd)"
	exit 77
fi
cp "$UNIT" "$T/gatewayd.service"
systemd-analyze security --offline=yes --no-pager "$T/gatewayd.service" \
    >"$T/analyze.out" 2>&1 || fail "systemd-analyze: $(cat "$T/analyze.out")"
score=$(sed -n 's/.*Overall exposure level for gatewayd.service: \([0-9.]*\) .*/\1/p' \
    "$T/analyze.out")
[ -n "$score" ] || fail "no exposure level: $(cat "$T/analyze.out")"
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' ||
    fail "exposure $score, above 2.0: $(grep '✗' "$T/analyze.out")"
ok "systemd-analyze security: exposure $score"

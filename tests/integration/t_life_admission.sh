#!/bin/sh
# Admission: a gateway restart with 50 warm forwards against an awsemu
# that throttles the SSM API at the gateway's own budget (api_rate = 5,
# api_burst = 10). Every forward comes up (an open session each), and the
# calls awsemu counted stay within rate * elapsed + burst: the gateway-wide
# budget holds StartSession back rather than bursting 50 calls at once.
. "$top_srcdir/tests/integration/life_lib.sh"

N=50
RATE=5
BURST=10
emu_start
start_server echo echo
emu_admin POST /world "{\"instances\": [$(life_instance "$INST_A" \
    "$echo_PORT")]}" >/dev/null
emu_admin POST /knobs "{\"throttle\": [{\"op\": \"ssm:*\", \"rate\": $RATE,
    \"burst\": $BURST}]}" >/dev/null

life_conf "api_rate = $RATE" "api_burst = $BURST"
i=0
for p in $(free_ports $N); do
	i=$((i + 1))
	conf_forward ssm "f$i" "127.0.0.1:$p" "$INST_A" "$echo_PORT" warm=yes
done
emu_admin POST /state/reset >/dev/null
t0=$(date +%s%N)
start_gatewayd

all_up() {
	[ "$(gwctl status --json | jq '[.forwards[] | select(any(.sessions[];
	    .state == "open"))] | length')" = "$N" ]
}
wait_for 60 "$N forwards with an open session" all_up
elapsed=$(( ($(date +%s%N) - t0) / 1000000 ))
calls=$(emu_state "sum(v['calls'] for k, v in s['ops'].items()
    if k.startswith('ssm:'))")
throttled=$(emu_state "sum(v.get('throttled', 0) for k, v in
    s['ops'].items() if k.startswith('ssm:'))")
budget=$((RATE * elapsed / 1000 + BURST + 1))
[ "$calls" -le "$budget" ] ||
    fail "$calls SSM calls in $elapsed ms, over the budget of $budget"
[ "$(emu_state "s['ops']['ssm:StartSession']['ok']")" -ge "$N" ] ||
    fail "fewer than $N sessions started"
ok "$N forwards up in $elapsed ms with $calls SSM calls (budget $budget," \
    "$throttled throttled)"
stop_gatewayd

#!/bin/sh
# A client that never reads (issue 10, finding 3). Its target offers 200
# MB, unpaced, in 128 KiB agent messages (chunk: the real agent sends 1
# KiB, but a peer may send up to the WebSocket's 1 MiB). gatewayd must
# keep only what its byte bounds allow (the session's undelivered mark,
# the out-of-order store in bytes) and acknowledge nothing it does not
# keep, so its peak RSS stays under 64 MiB; it used to store 10000
# messages ahead of the refused one and acknowledge them (877 MB with 128
# KiB messages). smux v1 cannot stop one stream (ssm-port-mux.md 8): a
# second client on the same session waits behind the first, so the stalled
# stream is reset once it has held up the session for stall_timeout (its
# default is seconds, not minutes), and the second client's download then
# runs. Under ASan every allocation carries a redzone and freed memory
# waits in a 16 MiB quarantine (lib.sh sets it): the bound doubles and the
# quarantine is added.
. "$top_srcdir/tests/integration/life_lib.sh"

END_TOOL=$top_srcdir/tests/integration/end_tool.py
SIZE=209715200
emu_start
start_server src source -n "$SIZE" -s 5
emu_admin POST /world "{\"instances\": [$(life_instance "$INST_A" \
    "$src_PORT")]}" >/dev/null
emu_admin POST /knobs '{"pacing": false, "chunk": 131072}' >/dev/null
PORT=$(free_ports 1)
life_conf
conf_forward ssm st "127.0.0.1:$PORT" "$INST_A" "$src_PORT" warm=yes
start_gatewayd
life_wait_open st 1

# A: connects, never reads; its reset is polled for 100 s.
"$PY" "$END_TOOL" stall "$PORT" "$T/ready" 100 >"$T/stall.out" &
A=$!
wait_for 20 "the stalled client" test -e "$T/ready"
# Until the session refuses the agent for it (or has reset it already:
# on a loaded machine the poll may miss the refusal's seconds).
wait_for 30 "the session to refuse the agent for the stalled client" sh -c \
    "'$GATEWAYCTL' -s '$GW_CONTROL' status --json | jq -e \
    '[.forwards[].sessions[].refusing] | any' || grep -q \
    'holding up the session' '$GW_LOG'"

# B: the same forward, the same session; it must get its bytes within
# seconds of the stalled stream's reset.
"$LOADCLIENT" -c "127.0.0.1:$PORT" -m recv -s 5 -d 30 -t 90 \
    >"$T/recv.out" 2>"$T/recv.err" || fail "B: $(cat "$T/recv.err")"
cat "$T/recv.out"
got=$(sed -n 's/.* received \([0-9]*\),.*/\1/p' "$T/recv.out")
hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$GW_PID/status")
sent=$(emu_agent_sum bytes_out)
echo "peak RSS $hwm KiB; the agent sent $sent bytes"
limit_kb=65536
if life_sanitized; then
	limit_kb=$((limit_kb * 2 + 16384))
fi
[ "$hwm" -le "$limit_kb" ] ||
    fail "peak RSS $hwm KiB, more than $limit_kb KiB"
[ "${got:-0}" -ge 16777216 ] ||
    fail "B received ${got:-0} bytes in 30 s behind a stalled stream"
wait "$A" || fail "A was not reset: $(cat "$T/stall.out")"
log_has "read nothing for" || fail "no reason logged for the reset"

ok "a client that never read was reset; the other got $got bytes;" \
    "the agent sent $sent bytes; peak RSS $hwm KiB (at most $limit_kb)"
stop_gatewayd

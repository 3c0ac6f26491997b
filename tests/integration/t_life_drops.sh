#!/bin/sh
# Resume on drop, end to end: 200 MiB from a target through an ssm forward
# (mux session) while awsemu drops the WebSocket 20 times (TCP resets),
# and 20 MiB echoed both ways meanwhile. Each drop is a ResumeSession and
# a new WebSocket on the same session; the client's connections never
# notice: every byte in order (SHA-256 equal), no reset, no early EOF,
# one session from start to end. The deadlines are generous: with 4 KiB
# loopback buffers the download alone takes over 3 minutes.
. "$top_srcdir/tests/integration/life_lib.sh"

MIB=$((1024 * 1024))
emu_start
start_server src source -n $((200 * MIB)) -s 7
start_server echo echo
emu_admin POST /world "{\"instances\": [{\"id\": \"$INST_A\",
    \"agent_version\": \"3.3.987.0\",
    \"ports\": {\"$src_PORT\": \"127.0.0.1:$src_PORT\",
    \"$echo_PORT\": \"127.0.0.1:$echo_PORT\"}}]}" >/dev/null
emu_admin POST /knobs '{"pacing": false, "resend": "all", "drop_after": 6000,
    "drop_count": 20, "drop_mode": "reset"}' >/dev/null

set -- $(free_ports 2)
life_conf
conf_forward ssm bulk "127.0.0.1:$1" "$INST_A" "$src_PORT" warm=yes
conf_forward ssm echo "127.0.0.1:$2" "$INST_A" "$echo_PORT" warm=yes
start_gatewayd
life_wait_open bulk 1
life_wait_open echo 1

"$LOADCLIENT" -c "127.0.0.1:$2" -m echo -C 4 -n $((5 * MIB)) -W -t 1200 \
    >"$T/echo.out" 2>"$T/echo.err" &
echo_pid=$!
"$LOADCLIENT" -c "127.0.0.1:$1" -m recv -s 7 -t 1200 >"$T/recv.out" \
    2>"$T/recv.err" || fail "the download broke: $(cat "$T/recv.err")"
wait "$echo_pid" || fail "the echo broke: $(cat "$T/echo.err")"
cat "$T/recv.out" "$T/echo.out"
grep -q "received $((200 * MIB))," "$T/recv.out" ||
    fail "not 200 MiB: $(cat "$T/recv.out")"

drops=$(emu_agent_sum drops)
[ "$drops" -ge 20 ] || fail "awsemu dropped $drops WebSockets, want 20"
resumes=$(emu_state "s['ops']['ssm:ResumeSession']['ok']")
[ "$resumes" -ge 20 ] || fail "$resumes ResumeSession calls, want 20"
starts=$(emu_state "s['ops']['ssm:StartSession']['ok']")
[ "$starts" = 2 ] || fail "$starts sessions started, want 2 (one each)"
r=$(($(fwd_get bulk '.sessions[0].resumes') + \
    $(fwd_get echo '.sessions[0].resumes')))
[ "$r" -ge 20 ] || fail "status shows $r resumes, want 20"
# The text table says the same: its RESUMES column, both sessions.
gwctl status >"$T/status.txt"
# (cells hold spaces, "21.0 MB": read the column where its head starts)
r=$(awk '$1 == "SESSION" { c = index($0, "RESUMES"); next }
	c { split(substr($0, c), f, " "); n += f[1] } END { print n + 0 }' \
    "$T/status.txt")
[ "$r" -ge 20 ] || fail "status table shows $r resumes, want 20:" \
    "$(cat "$T/status.txt")"
ok "200 MiB and 4 x 5 MiB echoed exact through $drops drops," \
    "$resumes resumes, one session each"
stop_gatewayd
# Stopping ended both sessions at AWS (TerminateSession got through).
t=$(emu_state "s['ops'].get('ssm:TerminateSession', {}).get('ok', 0)")
[ "$t" -ge 2 ] || fail "$t TerminateSession calls at stop, want 2"
ok "TerminateSession for both sessions at stop"

#!/bin/sh
# log_format = json: every line is a JSON object with time, level and msg
# (a readable sentence), and the lines about conns and sessions carry
# fields. A client's echo through an ssm mux session ends the ordinary
# way (its EOF, then half_close_timeout with the target's side still
# open): its close line, at info, names the session awsemu issued and
# reads as a normal end; bytes and duration are JSON numbers. The
# session's starting and open lines and a refusal carry their fields.
. "$top_srcdir/tests/lib.sh"

INST=i-0123456789abcdef0
ssm_echo_emu "$INST"
set -- $(free_ports 2)
ssm_conf "log_format = json" "log_level = info"
add_ssm_forward web "127.0.0.1:$1" "$INST" 22 half_close_timeout=1s
add_forward guarded "127.0.0.1:$2" 127.0.0.1 "$echo_PORT" \
    allow=127.0.0.1/32
start_gatewayd

"$LOADCLIENT" -c "127.0.0.1:$1" -m echo -W -n 1000 >"$T/web.out" 2>&1 ||
    fail "echo through web: $(cat "$T/web.out")"
"$LOADCLIENT" -c "127.0.0.1:$2" -b 127.0.0.2:0 -m refused -t 10 \
    >"$T/refused.out" 2>&1 || fail "outsider: $(cat "$T/refused.out")"
wait_for 10 "web's close line" log_has '"forward":"web","conn":'
wait_for 10 "the refusal" log_has '"forward":"guarded","peer":'
sid=$(emu_state "s['sessions']['list'][0]['id']")
stop_gatewayd

"$PY" - "$GW_LOG" "$sid" "$INST" <<'EOF' || fail "the JSON log: $(cat "$GW_LOG")"
import json, sys

path, sid, inst = sys.argv[1:4]
lines = [json.loads(l) for l in open(path) if l.strip()]
for l in lines:
    assert isinstance(l["time"], str) and l["level"] in ("warn", "info", "debug")
    assert isinstance(l["msg"], str) and l["msg"], l

def one(pred, what):
    got = [l for l in lines if pred(l)]
    assert len(got) >= 1, "no " + what
    return got[0]

c = one(lambda l: l.get("forward") == "web" and "bytes_in" in l,
    "close line of web")
for k in ("conn", "stream", "bytes_in", "bytes_out", "duration_ms"):
    assert type(c[k]) is int, (k, c)
assert c["session"] == sid, c
assert c["stream"] > 0 and c["bytes_in"] == 1000 and c["bytes_out"] == 1000, c
assert c["target"] == inst + ":22" and c["end"] == "client", c
assert c["peer"].startswith("127.0.0.1:"), c
# The ordinary end reads as one, at info.
assert c["level"] == "info", c
assert "half_close_timeout" in c["reason"], c
for bad in ("did not", "timed out", "fail", "error"):
    assert bad not in c["reason"] and bad not in c["msg"], (bad, c)
assert ("session %s stream %d" % (sid, c["stream"])) in c["msg"], c

s = one(lambda l: l.get("event") == "starting", "session starting line")
assert s["forward"] == "web" and s["instance"] == inst, s
assert s["session_name"].startswith("web/") and "session" not in s, s
o = one(lambda l: l.get("event") == "open", "session open line")
assert o["session"] == sid and o["mode"] == "mux", o
assert o["session_name"] == s["session_name"], o

r = one(lambda l: l.get("forward") == "guarded", "refusal line")
assert r["level"] == "warn" and r["peer"] == "127.0.0.2", r
assert r["reason"] == "address not in allow list", r
print("%d lines, all JSON; close line: %s" % (len(lines), json.dumps(c)))
EOF
ok "JSON lines with fields: the close line names session $sid"

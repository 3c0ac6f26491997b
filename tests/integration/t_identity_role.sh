#!/bin/sh
# identity = shared with role_arn (issue 15, item 2): the daemon's own
# key pays, but it assumes arn:aws:iam::123456789012:role/Jump per local
# user, named by role_session_name (%u, the default; and a template,
# jump-%u), so that awsemu (CloudTrail) sees sts:AssumeRole with the
# user's name, StartSession signed by that role session, and session ids
# that start with the name. Each StartSession's Reason names the forward
# and the user. Connections come from the user running the test, through
# a unix socket, gatewayctl connect and loopback TCP. Without role_arn the
# daemon's key starts the session and the Reason still names the user.
. "$top_srcdir/tests/lib.sh"

TOOL=$top_srcdir/tests/integration/identity_tool.py
INST=i-0123456789abcdef0
ROLE=arn:aws:iam::123456789012:role/Jump
ME=$(id -un)
# The RoleSessionName %u makes of our name (STS's characters, 64 at most).
NAME=$(printf '%s' "$ME" | tr -c 'A-Za-z0-9_+=,.@-' - | cut -c1-64)

start_server echo echo
ssm_instance "$INST" 3.3.987.0 Online '{}' \
    "{\"22\": \"127.0.0.1:$echo_PORT\"}"
ssm_emu_start --knob pacing=false
PORT=$(free_ports 1)
ssm_conf "connect_allow = uid:$(id -u)"
add_ssm_forward db "unix:$T/db.sock" "$INST" 22 "role_arn=$ROLE" \
    "role_session_name=%u"
add_ssm_forward web "127.0.0.1:$PORT" "$INST" 22 "role_arn=$ROLE"
add_ssm_forward cache "unix:$T/cache.sock" "$INST" 22 "role_arn=$ROLE" \
    "role_session_name=jump-%u"
add_ssm_forward plain "unix:$T/plain.sock" "$INST" 22
start_gatewayd
export GATEWAYCTL GW_CONTROL

for addr in "unix:$T/db.sock" ctl:db "127.0.0.1:$PORT" \
    "unix:$T/cache.sock" "unix:$T/plain.sock"; do
	"$PY" "$TOOL" once "$addr" >"$T/once.out" 2>&1 ||
	    fail "echo by $addr: $(cat "$T/once.out")"
done
ok "echo through db (unix socket, gatewayctl connect), web (TCP), cache, plain"

# Each forward's sessions: one AssumeRole (the daemon's key, the user's
# name), StartSessions and upgrades signed by that role session only;
# plain's (no role_arn) by the daemon's key, still naming the user.
emu_admin GET /calls >"$T/calls.json" || fail "GET /_emu/calls"
"$PY" - "$T/calls.json" "$ROLE" "$EMU_AKID" "$NAME" "$ME" \
    >"$T/check.out" 2>&1 <<'EOF' || fail "$(cat "$T/check.out")"
import json, re, sys
calls = json.load(open(sys.argv[1]))
role, daemon_key, name, me = sys.argv[2:6]
role_name = role.split("/")[-1]
want = {"db": name, "web": name, "cache": ("jump-" + name)[:64],
        "plain": None}
bad = []
seen = set()
assumed = set()
for c in calls:
    if c["op"] == "sts:AssumeRole" and c["status"] == 200:
        if c["access_key_id"] != daemon_key:
            bad.append("AssumeRole not signed by the daemon's key: %r" % c)
        assumed.add(c["role_session_name"])
for n in set(want.values()) - {None}:
    if n not in assumed:
        bad.append("no AssumeRole as %r (saw %r)" % (n, sorted(assumed)))
owner = {}
for c in calls:
    if c["op"] != "ssm:StartSession":
        continue
    reason = c["reason"] or ""
    fwd = [f for f in want if re.search(r"(^|\s)%s(\s|$)" % re.escape(f),
                                        reason)]
    if len(fwd) != 1 or not re.search(r"(^|\s)%s(\s|$)" % re.escape(me),
                                      reason):
        bad.append("Reason %r names no forward or not %s" % (reason, me))
        continue
    n = want[fwd[0]]
    if n is None:
        n, arn = "alice@example.com", \
            "arn:aws:iam::123456789012:user/alice@example.com"
    else:
        arn = "arn:aws:sts::123456789012:assumed-role/%s/%s" % (role_name,
            n)
    sid = c["session_id"] or ""
    if c["status"] != 200 or c["caller"] != arn or \
            not re.match(re.escape(n) + "-[0-9a-f]{17}$", sid):
        bad.append("%s: StartSession %r, want %s and %s-<hex>" % (fwd[0], c,
            arn, n))
        continue
    owner[sid] = (c["access_key_id"], arn)
    seen.add(fwd[0])
for f in sorted(set(want) - seen):
    bad.append("no StartSession for forward %s" % f)
opened = 0
for c in calls:
    if c["op"] in ("ssm:ResumeSession", "ssm:TerminateSession",
                   "ssmmessages:OpenDataChannel") and \
            c["session_id"] in owner:
        if (c["access_key_id"], c["caller"]) != owner[c["session_id"]]:
            bad.append("signed by another: %r" % c)
        opened += c["op"] == "ssmmessages:OpenDataChannel"
if opened < len(owner):
    bad.append("%d upgrades for %d sessions" % (opened, len(owner)))
if bad:
    sys.exit("\n".join(bad))
print("%d sessions" % len(owner))
EOF
ok "AssumeRole as $NAME and jump-$NAME; $(cat "$T/check.out") named after them, the Reason naming forward and user"

# Status: the role forwards' sessions are ours; plain's are shared.
sj_rc=0
gwctl status --json >"$T/status.json" || sj_rc=$?
[ "$sj_rc" -le 1 ] || fail "status: $(cat "$T/status.json")"
expect_eq "users of sessions" "$(jq -r '[.forwards[] | select(.name !=
    "plain") | .sessions[]? | .user] | unique | join(",")' \
    "$T/status.json")" "$ME"
expect_eq "plain's sessions" "$(jq -r '[.forwards[] | select(.name ==
    "plain") | .sessions[]? | .user // "none"] | unique | join(",")' \
    "$T/status.json")" none
stop_gatewayd
ok "status: every session of a role forward is $ME's, plain's no one's"

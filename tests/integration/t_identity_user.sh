#!/bin/sh
# identity = user (issue 15, item 1): two local users the test creates
# lend gatewayd their own AWS keys with gatewayctl login and connect with
# their own uid, through a unix socket forward, gatewayctl connect and a
# loopback TCP forward (whose client's uid the daemon looks up). awsemu's
# record of who signed each call (GET /_emu/calls) shows every
# StartSession, ResumeSession, TerminateSession and data-channel upgrade
# of a user's sessions signed with that user's key, and session ids that
# start with the user's name; status shows whose each session is, and
# the two never share one. A third user, never logged in, is refused on
# every path with the hint to run gatewayctl login, and audited. After
# one user's gatewayctl logout that user's open connections end while
# the other's still echo. No key or secret appears in any log, audit
# record or status output. Needs root (CI runs as root), useradd and
# setpriv; skipped otherwise, as t_control_group.sh is.
. "$top_srcdir/tests/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v useradd >/dev/null ||
    ! command -v setpriv >/dev/null; then
	echo "SKIP: needs root, useradd and setpriv (to create users)"
	exit 77
fi

TOOL=$top_srcdir/tests/integration/identity_tool.py
INST=i-0123456789abcdef0
A=gwt-alice-$$
B=gwt-bob-$$
C=gwt-carol-$$
A_KEY=AKIAGWTIDALICE000001
A_SECRET=alice/secret+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA
B_KEY=AKIAGWTIDBOB00000001
B_SECRET=bob/secret+BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB
AUDIT=$T/audit.log

# The users go at exit, after the processes they ran (the helpers are
# tracked, so lib_cleanup would stop them, but only after userdel).
ID_USERS=
ID_PIDS=
id_cleanup() {
	rc=$?
	for pid in $ID_PIDS; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $ID_PIDS; do
		lib_wait_gone "$pid" 50 || kill -KILL "$pid" 2>/dev/null || true
	done
	for u in $ID_USERS; do
		userdel "$u" >/dev/null 2>&1 || userdel -f "$u" >/dev/null 2>&1 ||
		    echo "could not remove user $u" >&2
		groupdel "$u" >/dev/null 2>&1 || true
	done
	# lib_cleanup reads the test's status from $?; under set -e the
	# subshell's status would end this trap first.
	set +e
	(exit "$rc")
	lib_cleanup
}
trap id_cleanup EXIT

for u in $A $B $C; do
	useradd --system --no-create-home --user-group \
	    --shell /usr/sbin/nologin "$u" || fail "useradd $u"
	ID_USERS="$ID_USERS $u"
	mkdir -m 0700 "$T/$u"
	chown "$u:" "$T/$u"
done

# status_json FILE: gatewayctl status --json into FILE (exit 1 is an
# answer too: a forward not up).
status_json() {
	sj_rc=0
	gwctl status --json >"$1" 2>&1 || sj_rc=$?
	[ "$sj_rc" -le 1 ] || fail "status: $(cat "$1")"
}
# as USER COMMAND...: run COMMAND as USER, with USER's groups.
as() {
	as_u=$1
	shift
	setpriv --reuid="$as_u" --regid="$(id -g "$as_u")" --init-groups "$@"
}
# ctl USER ARGS...: gatewayctl as USER.
ctl() {
	ctl_u=$1
	shift
	as "$ctl_u" "$GATEWAYCTL" -s "$GW_CONTROL" "$@"
}
for u in $A $C; do
	as "$u" test -x "$GATEWAYCTL" -a -r "$TOOL" ||
	    fail "$u cannot run $GATEWAYCTL or read $TOOL"
done

start_server echo echo
cat >"$SSM_WORLD" <<EOF
{"region": "us-east-1",
 "keys": [{"access_key_id": "$A_KEY", "secret_access_key": "$A_SECRET",
           "user": "$A"},
          {"access_key_id": "$B_KEY", "secret_access_key": "$B_SECRET",
           "user": "$B"}],
 "instances": [{"id": "$INST", "agent_version": "3.3.987.0",
                "ports": {"22": "127.0.0.1:$echo_PORT"}}]}
EOF
emu_start --world "$SSM_WORLD" --knob pacing=false
PORT=$(free_ports 1)
ssm_conf "control_mode = 0666" "connect_allow = user:$A user:$B user:$C" \
    "audit = $AUDIT"
add_ssm_forward db "unix:$T/db.sock" "$INST" 22 "identity=user" \
    "socket_mode=0666"
add_ssm_forward dbtcp "127.0.0.1:$PORT" "$INST" 22 "identity=user"
start_gatewayd
export GATEWAYCTL GW_CONTROL
# What an events follower sees is output too: checked for keys at the end.
gwctl events --json >"$T/events.out" 2>&1 &
lib_track $!
wait_for 20 "the events follower" grep -q "control client [0-9]*: events$" \
    "$GW_LOG"

# Each logs in with their own key in their own environment (the daemon's
# key is not there).
for u in $A $B; do
	if [ "$u" = "$A" ]; then key=$A_KEY secret=$A_SECRET; else
		key=$B_KEY secret=$B_SECRET; fi
	env AWS_ACCESS_KEY_ID="$key" AWS_SECRET_ACCESS_KEY="$secret" \
	    setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups \
	    "$GATEWAYCTL" -s "$GW_CONTROL" login >"$T/login-$u.out" 2>&1 ||
	    fail "login $u: $(cat "$T/login-$u.out")"
	grep -q "logged in as arn:aws:iam::123456789012:user/$u until" \
	    "$T/login-$u.out" || fail "login $u said: $(cat "$T/login-$u.out")"
done
status_json "$T/status-login.json"
expect_eq "users" "$(jq -r '[.users[] | [.user, .principal, .account]
    | join(" ")] | sort | join(",")' "$T/status-login.json")" \
    "$A arn:aws:iam::123456789012:user/$A 123456789012,$B arn:aws:iam::123456789012:user/$B 123456789012"
ok "two users logged in; status shows who and until when"

# Each user holds a connection on each path: the unix socket, gatewayctl
# connect, loopback TCP.
PATHS="unix ctl tcp"
addr_of() {
	case $1 in
	unix) echo "unix:$T/db.sock" ;;
	ctl) echo "ctl:db" ;;
	tcp) echo "127.0.0.1:$PORT" ;;
	esac
}
for u in $A $B; do
	for p in $PATHS; do
		setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups \
		    env CTL_STDERR="$T/$u/$p.err" "$PY" "$TOOL" hold \
		    "$(addr_of $p)" "$T/$u/$p" 2>"$T/$u-$p.log" &
		eval "pid_${p}_$(echo "$u" | tr -c 'a-z0-9\n' _)=$!"
		ID_PIDS="$ID_PIDS $!"
		lib_track $!
	done
done
pid_of() {
	eval "echo \$pid_${2}_$(echo "$1" | tr -c 'a-z0-9\n' _)"
}
# held USER PATH: the hold is ready, or its helper is gone.
held() {
	[ -e "$T/$1/$2.ready" ] || ! kill -0 "$(pid_of "$1" "$2")" 2>/dev/null
}
for u in $A $B; do
	for p in $PATHS; do
		wait_for 90 "$u's conn by $p" held "$u" "$p"
		[ -e "$T/$u/$p.ready" ] ||
		    fail "$u by $p: $(cat "$T/$u-$p.log" "$T/$u/$p.err" 2>&1)"
	done
	for p in $PATHS; do
		as "$u" "$PY" "$TOOL" once "$(addr_of $p)" \
		    >"$T/$u-once-$p.log" 2>&1 ||
		    fail "$u once by $p: $(cat "$T/$u-once-$p.log")"
	done
done
ok "each user echoes through the unix socket, gatewayctl connect and TCP"

# Who signed what: every call about a user's session with that user's
# key; every session started is one of theirs, named after them.
emu_admin GET /calls >"$T/calls-1.json" || fail "GET /_emu/calls"
# check_calls FILE: the rules above on one record of awsemu's calls.
check_calls() {
	"$PY" - "$1" "$A" "$A_KEY" "$B" "$B_KEY" <<'EOF'
import json, re, sys
calls = json.load(open(sys.argv[1]))
keys = {sys.argv[2]: sys.argv[3], sys.argv[4]: sys.argv[5]}
bad = []
started = {u: 0 for u in keys}
opened = {u: 0 for u in keys}
for c in calls:
    sid = c["session_id"]
    if c["op"] in ("ssm:StartSession", "ssm:ResumeSession",
                   "ssm:TerminateSession", "ssmmessages:OpenDataChannel"):
        owner = [u for u in keys if sid and re.match(
            re.escape(u) + "-[0-9a-f]{17}$", sid)]
        if c["op"] == "ssm:StartSession" and c["status"] != 200:
            if c["access_key_id"] not in keys.values():
                bad.append("a StartSession not signed by a user: %r" % c)
            continue
        if not owner:
            bad.append("a session of nobody's: %r" % c)
            continue
        if c["access_key_id"] != keys[owner[0]]:
            bad.append("%s's session signed with %s: %r" % (owner[0],
                c["access_key_id"], c))
        if c["op"] == "ssm:StartSession":
            started[owner[0]] += 1
        if c["op"] == "ssmmessages:OpenDataChannel" and c["status"] == 101:
            opened[owner[0]] += 1
for u in keys:
    if not started[u] or not opened[u]:
        bad.append("%s: %d sessions started, %d channels opened" % (u,
            started[u], opened[u]))
if bad:
    sys.exit("\n".join(bad))
print(" ".join("%s:%d" % (u, started[u]) for u in sorted(keys)))
EOF
}
check_calls "$T/calls-1.json" >"$T/check.out" 2>&1 ||
    fail "who signed: $(cat "$T/check.out")"
ok "every call about a user's sessions signed with their key ($(cat "$T/check.out"))"

# Status: whose each session is; none shared, each named after its user.
status_json "$T/status-held.json"
jq -r '.forwards[] | select(.name == "db" or .name == "dbtcp") |
    .sessions[] | [.user // "-", .name, .session_id // "-"] | @tsv' \
    "$T/status-held.json" >"$T/sessions.tsv"
[ -s "$T/sessions.tsv" ] || fail "no sessions in status"
while IFS='	' read -r user name sid; do
	case $user in "$A"|"$B") ;; *) fail "session $name of user '$user'" ;;
	esac
	case $name in */"$user"/*) ;; *) fail "session $name of $user" ;; esac
	case $sid in "$user"-*|-) ;; *) fail "$user's session $name: $sid" ;;
	esac
done <"$T/sessions.tsv"
for u in $A $B; do
	cut -f1 "$T/sessions.tsv" | grep -qx "$u" || fail "no session of $u"
done
ok "status: each session is one user's, named after them"

# A third user, never logged in: refused on every path with the hint.
for p in unix tcp; do
	as "$C" "$PY" "$TOOL" refused "$(addr_of $p)" >"$T/$C-$p.log" 2>&1 ||
	    fail "$C by $p: $(cat "$T/$C-$p.log")"
done
as "$C" env CTL_STDERR="$T/$C/ctl.err" "$PY" "$TOOL" refused ctl:db \
    >"$T/$C-ctl.log" 2>&1 || fail "$C by ctl: $(cat "$T/$C-ctl.log")"
grep -q "gatewayctl login" "$T/$C/ctl.err" ||
    fail "gatewayctl connect without a login said: $(cat "$T/$C/ctl.err")"
refusals() {
	[ "$(jq -c --arg u "$C" 'select(.reason // "" |
	    contains("no AWS credentials for " + $u) and
	    contains("gatewayctl login"))' "$AUDIT" | wc -l)" -ge 3 ]
}
wait_for 30 "three audit records of $C's refusals" refusals
wait_for 30 "the log line" log_has "no AWS credentials for $C"
ok "$C, without a login, refused on every path with the hint, audited"

# alice logs out: her connections end, bob's go on.
ctl "$A" logout >"$T/logout.out" 2>&1 || fail "logout: $(cat "$T/logout.out")"
for u in $A $B; do
	[ "$u" = "$A" ] && word=end || word=echo
	for p in $PATHS; do
		echo "$word" >"$T/$u/$p.go.new"
		mv "$T/$u/$p.go.new" "$T/$u/$p.go"
	done
done
for u in $A $B; do
	for p in $PATHS; do
		pid=$(pid_of "$u" "$p")
		rc=0
		wait "$pid" || rc=$?
		lib_untrack "$pid"
		[ "$rc" -eq 0 ] ||
		    fail "$u by $p after the logout: $(cat "$T/$u-$p.log")"
	done
done
ok "after $A's logout her connections ended; $B's still echo"

gone() {
	status_json "$T/status-out.json"
	jq -e --arg u "$A" '([.users[] | select(.user == $u)] | length
	    == 0) and ([.forwards[].sessions[]? | select(.user == $u)] |
	    length == 0)' "$T/status-out.json"
}
wait_for 60 "$A's sessions to go" gone
as "$A" "$PY" "$TOOL" refused "unix:$T/db.sock" >"$T/$A-after.log" 2>&1 ||
    fail "$A after logout: $(cat "$T/$A-after.log")"
as "$B" "$PY" "$TOOL" once "127.0.0.1:$PORT" >"$T/$B-after.log" 2>&1 ||
    fail "$B after $A's logout: $(cat "$T/$B-after.log")"
gwctl status >"$T/status.txt" 2>&1 || true
emu_admin GET /calls >"$T/calls-2.json" || fail "GET /_emu/calls"
check_calls "$T/calls-2.json" >"$T/check.out" 2>&1 ||
    fail "who signed, after the logout: $(cat "$T/check.out")"
ok "$A is out of status and refused again; $B goes on, signing as $B"

stop_gatewayd
for s in "$A_KEY" "$A_SECRET" "$B_KEY" "$B_SECRET"; do
	if grep -rlF -- "$s" "$GW_LOG" "$AUDIT" "$T"/status* "$T"/login-* \
	    "$T/logout.out" "$T/events.out" "$T"/gwt-* >"$T/leaks" \
	    2>/dev/null; then
		fail "a key or secret in $(cat "$T/leaks")"
	fi
done
[ -s "$T/events.out" ] || fail "the events follower saw nothing"
ok "no key or secret in any log, audit record, event or status output"

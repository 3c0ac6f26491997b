# life_lib.sh: shared by the t_life_*.sh scripts (sourced, not run):
# gatewayd's ssm forwarder against awsemu, for the session lifecycle
# (resume, rotation, make before break, replacement, striping,
# admission).
#
# life_sanitized: true in a sanitizer build (slower: tests may scale).
# life_instance ID PORT [TAGS_JSON]: the JSON of one instance whose port
#   PORT (remote_port in the forwards) maps to 127.0.0.1:$PORT.
# life_conf [GATEWAY KEYS]: $GW_CONF's [gateway] for awsemu.
# ssm_forward NAME LISTEN_PORT TARGET REMOTE_PORT [KEY=VALUE...]
# emu_state EXPR: a Python expression on GET /_emu/state as s.
# fwd_get NAME JQ: a value from forward NAME's status (jq, on the object).
# life_open_sessions NAME: its open sessions.
# life_server SIZE SEED: start life_tool's download server (SIZE bytes of
#   the stream SEED to each conn); its port in $SRV.
. "$top_srcdir/tests/integration/lib.sh"

PY=/usr/bin/python3
LIFE_TOOL=$top_srcdir/tests/integration/life_tool.py
INST_A=i-0123456789abcdef0
INST_B=i-0fedcba9876543210

life_instance() {
	echo "{\"id\": \"$1\", \"agent_version\": \"3.3.987.0\",
	    \"tags\": ${3:-{\"Name\": \"bastion\"\}},
	    \"ports\": {\"$2\": \"127.0.0.1:$2\"}}"
}

life_conf() {
	write_conf "allow_plain_websocket = yes" "log_level = info" "$@"
}

ssm_forward() {
	_name=$1 _port=$2
	shift 2
	conf_forward ssm "$_name" "127.0.0.1:$_port" "$@"
}

emu_state() {
	curl -sf "$EMU_ADMIN/state" | "$PY" -c \
	    'import json,sys; s=json.load(sys.stdin); print(eval(sys.argv[1]))' \
	    "$1" || fail "GET /_emu/state"
}

fwd_get() {
	gwctl status --json |
	    jq -r --arg n "$1" ".forwards[] | select(.name == \$n) | $2"
}

life_open_sessions() {
	fwd_get "$1" '[.sessions[] | select(.state == "open")] | length'
}

# life_wait_open NAME N [SECONDS]: wait until NAME has N open sessions.
life_wait_open() {
	wait_for "${3:-20}" "$2 open sessions on $1" life_has_open "$1" "$2"
}

life_has_open() {
	[ "$(life_open_sessions "$1")" = "$2" ]
}

# life_sum_agents KEY: KEY summed over every session's agent in awsemu.
life_sum_agents() {
	emu_state "sum(x['agent'].get('$1', 0) for x in
	    s['sessions']['list'] if x.get('agent'))"
}

life_server() {
	"$PY" "$LIFE_TOOL" server "$T/srv.port" "$1" "$2" >"$T/srv.log" 2>&1 &
	lib_track $!
	wait_for 20 "the target" test -s "$T/srv.port"
	SRV=$(cat "$T/srv.port")
}

life_sanitized() {
	grep -q -e '--enable-sanitizers' "$top_builddir/config.status"
}

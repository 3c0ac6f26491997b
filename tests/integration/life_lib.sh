# life_lib.sh: shared by the t_life_*.sh scripts (sourced, not run):
# gatewayd's ssm forwarder against awsemu, for the session lifecycle
# (resume, rotation, make before break, replacement, striping,
# admission).
#
# life_sanitized: true in a sanitizer build (slower: tests may scale).
# life_instance ID PORT [TAGS_JSON]: the JSON of one instance whose port
#   PORT (remote_port in the forwards) maps to 127.0.0.1:$PORT.
# life_conf [GATEWAY KEYS]: ssm_conf at log level info; the forwards
#   (conf_forward ssm ...) find awsemu through emu_start's environment.
# life_open_sessions NAME: forward NAME's open sessions.
# life_server SIZE SEED: start life_tool's download server (SIZE bytes of
#   the stream SEED to each conn); its port in $SRV.
. "$top_srcdir/tests/lib.sh"

LIFE_TOOL=$top_srcdir/tests/integration/life_tool.py
INST_A=i-0123456789abcdef0
INST_B=i-0fedcba9876543210

life_instance() {
	echo "{\"id\": \"$1\", \"agent_version\": \"3.3.987.0\",
	    \"tags\": ${3:-{\"Name\": \"bastion\"\}},
	    \"ports\": {\"$2\": \"127.0.0.1:$2\"}}"
}

life_conf() {
	ssm_conf "log_level = info" "$@"
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

life_server() {
	"$PY" "$LIFE_TOOL" server "$T/srv.port" "$1" "$2" >"$T/srv.log" 2>&1 &
	lib_track $!
	wait_for 20 "the target" test -s "$T/srv.port"
	SRV=$(cat "$T/srv.port")
}

life_sanitized() {
	grep -q -e '--enable-sanitizers' "$top_builddir/config.status"
}

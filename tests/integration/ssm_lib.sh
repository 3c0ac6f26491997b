# ssm_lib.sh: what the t_ssm_* tests share (sourced after lib.sh): a world
# of emulated instances whose ports lead to local servers, awsemu started
# with it, and ssm forwards that point gatewayd at awsemu.
#
#	ssm_instance ID AGENT_VERSION PING TAGS PORTS [REMOTE_HOSTS]
#	    add one instance to the world (TAGS, PORTS, REMOTE_HOSTS: JSON
#	    objects, e.g. '{"Name": "web"}' '{"80": "127.0.0.1:8080"}')
#	ssm_emu_start [awsemu options]: write the world, start awsemu
#	ssm_conf [GATEWAY KEYS]: a config for awsemu (endpoint, region, test
#	    CA, plain or loopback WebSockets allowed)
#	add_ssm_forward NAME LISTEN TARGET PORT [KEY=VALUE...]
#
# Session Manager cannot half-close (ssm-port-mux.md 7.4): echo clients use
# loadclient -W, which shuts only once the whole echo is back.

SSM_WORLD=$T/world.json
SSM_INSTANCES=

ssm_instance() {
	si_entry=$(printf '{"id": "%s", "agent_version": "%s", "ping": "%s",
	    "tags": %s, "ports": %s, "remote_hosts": %s}' \
	    "$1" "$2" "$3" "$4" "$5" "${6:-{\}}")
	SSM_INSTANCES=${SSM_INSTANCES:+$SSM_INSTANCES,}$si_entry
}

ssm_emu_start() {
	printf '{"region": "us-east-1", "instances": [%s]}\n' \
	    "$SSM_INSTANCES" >"$SSM_WORLD"
	jq . "$SSM_WORLD" >/dev/null || fail "the world file is not JSON"
	emu_start --world "$SSM_WORLD" "$@"
}

ssm_conf() {
	write_conf "allow_plain_websocket = yes" "$@"
}

add_ssm_forward() {
	_name=$1 _listen=$2 _target=$3 _port=$4
	shift 4
	conf_forward ssm "$_name" "$_listen" "$_target" "$_port" \
	    "region=us-east-1" "endpoint_url=$EMU_URL" "$@"
}

# ssm_wait_status JQ: wait until gatewayctl status --json | jq -e JQ holds.
ssm_wait_status() {
	wait_for 30 "status: $1" sh -c \
	    "'$GATEWAYCTL' -s '$GW_CONTROL' status --json | jq -e '$1'"
}

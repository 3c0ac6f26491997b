# chan_lib.sh: shared by the t_chan_*.sh scripts (sourced, not run). One
# data channel (chan_pump, forwarders/ssm/chan.c) against awsemu's agent.
#
# chan_world: an instance with a basic-mode agent (no smux: chan_pump's
# bytes are the stream) whose port 22 is chan_pump's listener on
# $CHAN_PORT.
# chan_pump KNOBS ARGS...: set awsemu's knobs (JSON), run chan_pump with
# ARGS; its last line is printed; fail unless it exits 0.
. "$top_srcdir/tests/lib.sh"

CHAN_INSTANCE=i-0123456789abcdef0
CHAN_PUMP=$top_builddir/tests/integration/chan_pump

chan_world() {
	CHAN_PORT=$("$top_builddir/tests/tools/freeport") || fail "freeport"
	emu_admin POST /world "{\"instances\": [{\"id\": \"$CHAN_INSTANCE\",
	    \"agent_version\": \"3.0.196.0\",
	    \"ports\": {\"22\": \"127.0.0.1:$CHAN_PORT\"}}]}" >/dev/null ||
	    fail "POST /_emu/world"
}

chan_pump() {
	knobs=$1
	shift
	emu_admin POST /knobs "$knobs" >/dev/null || fail "knobs $knobs"
	if ! "$CHAN_PUMP" -e "$EMU_URL" -t "$CHAN_INSTANCE" -l "$CHAN_PORT" \
	    "$@" >"$T/pump.out" 2>"$T/pump.err"; then
		tail -n 20 "$T/pump.err" >&2
		fail "chan_pump $*: $(tail -n 1 "$T/pump.out")"
	fi
	tail -n 1 "$T/pump.out"
}

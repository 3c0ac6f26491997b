#!/bin/sh
# awsemu's agent, checked by the strict client (dcclient): the first frame
# and the token (1008 "invalid token" for anything else, a stale token
# after ResumeSession, a second connection taking over), the handshake
# byte for byte for mux and basic agents, resent until acknowledged,
# HandshakeComplete as seq 1, the TerminateSession flag, the handshake
# variants that a client must refuse, and data sent before
# HandshakeComplete (acknowledged and discarded).
. "$top_srcdir/tests/lib.sh"

emu_start
dcc handshake 3.3.987.0
dcc handshake 3.0.196.0
dcc handshake 2.3.1569.0
dcc token
dcc handshake_variants
dcc predata
emu_alive
emu_stop

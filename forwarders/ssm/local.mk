# Session Manager: messages, smux, data channel, sessions, forwarder

# The pure codecs: agent messages and their payloads, the handshake JSON,
# smux, and the version gates.
libgatewayd_a_SOURCES += \
	%reldir%/json.c %reldir%/ssm_json.h \
	%reldir%/msg.c %reldir%/ssm_msg.h \
	%reldir%/handshake.c %reldir%/ssm_handshake.h \
	%reldir%/smux.c %reldir%/ssm_smux.h \
	%reldir%/version.c %reldir%/ssm_version.h

# The session pool's policy (issue 5: tunnels that never die and scale):
# striping, make before break, release, admission. pool.c is pure; its
# unit test drives it with tables and a fake clock.
libgatewayd_a_SOURCES += %reldir%/pool.c %reldir%/ssm_pool.h

# Sessions and the ssm forwarder: the pool of sessions behind a forward
# (mux streams, basic sessions, back-pressure) and the forwarder itself
# (targets, tag resolution, StartSession parameters).
libgatewayd_a_SOURCES += \
	%reldir%/pool_drv.c %reldir%/session.c %reldir%/stream.c \
	%reldir%/ssm_session.h %reldir%/ssm_session_int.h \
	%reldir%/fwd_ssm.c %reldir%/fwd_user.c %reldir%/fwd_ssm_int.h

# The data channel (chan): the driver, what it receives, the pure
# reliability core.
libgatewayd_a_SOURCES += \
	%reldir%/chan.c %reldir%/chan_conn.c %reldir%/chan_send.c \
	%reldir%/chan_recv.c %reldir%/chan_rel.c \
	%reldir%/ssm_chan.h %reldir%/ssm_chan_int.h

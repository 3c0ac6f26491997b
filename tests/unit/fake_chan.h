/*
 * fake_chan.h: a test-only data channel. It implements the ssm_chan_*
 * calls of ssm_chan.h (linked instead of chan.o) and lets the test play
 * the agent: open a channel with a given agent version and mode, deliver
 * the agent's bytes, give or take room, send flags, and end it. What
 * session.c sends is kept per channel for the test to read.
 *
 * As the contract says, callbacks never run inside an ssm_chan_* call:
 * ssm_chan_terminate() ends the channel from a zero-timeout event; the
 * fake_chan_* drivers call them directly, from the test.
 */
#ifndef FAKE_CHAN_H
#define FAKE_CHAN_H

#include <stddef.h>
#include <stdint.h>

#include "ssm_chan.h"

struct evbuffer;

/* Room that never runs out (the default). */
#define FAKE_CHAN_UNLIMITED	((size_t)1 << 40)

/* Forget every channel (between tests; they must be freed already). */
void		 fake_chan_reset(void);
/* Channels started since the reset, and the one started nth (0 first). */
size_t		 fake_chan_count(void);
struct ssm_chan	*fake_chan_nth(size_t);
/* Channels freed since the reset. */
size_t		 fake_chan_freed(void);

/* What ssm_chan_start() was given. */
const char	*fake_chan_target(struct ssm_chan *);
const struct ssm_chan_params *fake_chan_params(struct ssm_chan *);

/* The handshake completes: the open callback with this info. */
void		 fake_chan_open(struct ssm_chan *, const char *agent_version,
		    enum ssm_chan_mode, int keepalive);
/* The agent's Output bytes: the data callback's answer (0 or -1). */
int		 fake_chan_deliver(struct ssm_chan *, const void *, size_t);
/* Set the room ssm_chan_send() may use; going from 0 calls writable. */
void		 fake_chan_set_room(struct ssm_chan *, size_t);
/* An event (a flag from the agent: SSM_CHAN_EV_FLAG, "..."). */
void		 fake_chan_event(struct ssm_chan *, enum ssm_chan_event,
		    const char *);
/* The session ends on the AWS side: the closed callback. */
void		 fake_chan_close(struct ssm_chan *, const char *reason,
		    const char *code);

/* Output bytes session.c sent so far (the test may drain them). */
struct evbuffer	*fake_chan_sent(struct ssm_chan *);
/* ssm_chan_ready() calls, and the reason ssm_chan_terminate() got (NULL
 * if it was not called). */
unsigned	 fake_chan_ready_calls(struct ssm_chan *);
const char	*fake_chan_terminated(struct ssm_chan *);

#endif /* FAKE_CHAN_H */

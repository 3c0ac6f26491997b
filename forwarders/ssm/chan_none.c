/*
 * chan_none.c: the data channel's place holder until chan.c (branch chan)
 * lands. Every session it is asked for ends at once, from the event loop,
 * with the reason "the data channel is not in this build", so that the
 * ssm forwarder can be registered, configs checked and the waiting and
 * failure paths run. Delete this file when chan.c is merged.
 */

#include "autoconf.h"

#include <stdlib.h>

#include <event2/event.h>

#include "gatewayd.h"
#include "ssm_chan.h"
#include "xmalloc.h"

struct ssm_chan {
	struct ssm_chan_cb	 cb;
	void			*arg;
	struct event		*ev;
	enum ssm_chan_state	 state;
};

static void
ssm_chan_none_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ssm_chan	*chan = arg;

	chan->state = SSM_CHAN_CLOSED;
	chan->cb.closed(chan, "the data channel is not in this build", NULL,
	    chan->arg);
}

struct ssm_chan *
ssm_chan_start(const struct ssm_chan_params *p, const struct ssm_chan_cb *cb,
    void *arg)
{
	struct ssm_chan	*chan;
	struct timeval	 tv = { 0, 0 };

	chan = xcalloc(1, sizeof *chan);
	chan->cb = *cb;
	chan->arg = arg;
	chan->state = SSM_CHAN_STARTING;
	chan->ev = evtimer_new(gw_base, ssm_chan_none_cb, chan);
	evtimer_add(chan->ev, &tv);
	return (chan);
}

size_t
ssm_chan_room(struct ssm_chan *chan)
{
	return (0);
}

size_t
ssm_chan_send(struct ssm_chan *chan, struct evbuffer *buf)
{
	return (0);
}

int
ssm_chan_send_flag(struct ssm_chan *chan, uint32_t flag)
{
	return (-1);
}

void
ssm_chan_ready(struct ssm_chan *chan)
{
}

void
ssm_chan_terminate(struct ssm_chan *chan, const char *reason)
{
}

void
ssm_chan_free(struct ssm_chan *chan)
{
	if (chan == NULL)
		return;
	event_free(chan->ev);
	free(chan);
}

enum ssm_chan_state
ssm_chan_get_state(struct ssm_chan *chan)
{
	return (chan->state);
}

const char *
ssm_chan_get_session_id(struct ssm_chan *chan)
{
	return (NULL);
}

void
ssm_chan_status(struct ssm_chan *chan, struct cJSON *obj)
{
}

/*
 * A fake data channel for session.c's tests: the ssm_chan_* calls of
 * ssm_chan.h, driven by the test instead of a WebSocket and an agent.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "fake_chan.h"
#include "gatewayd.h"
#include "log.h"
#include "xmalloc.h"

struct ssm_chan {
	uint64_t		 id;
	struct ssm_chan_params	 p;
	char			*name;
	char			*target;
	char			*document;
	const struct ssm_chan_cb *cb;
	void			*arg;
	enum ssm_chan_state	 state;
	char			*agent_version;
	char			*session_id;
	size_t			 room;
	struct evbuffer		*sent;
	unsigned		 ready_calls;
	char			*terminated;
	TAILQ_ENTRY(ssm_chan)	 entry;
};
TAILQ_HEAD(fake_chans, ssm_chan);

static struct fake_chans	fake_chans = TAILQ_HEAD_INITIALIZER(fake_chans);
static struct ssm_chan		**fake_started;
static size_t			fake_nstarted;
static size_t			fake_nfreed;
static uint64_t			fake_next_id;

void
fake_chan_reset(void)
{
	free(fake_started);
	fake_started = NULL;
	fake_nstarted = 0;
	fake_nfreed = 0;
}

size_t
fake_chan_count(void)
{
	return (fake_nstarted);
}

struct ssm_chan *
fake_chan_nth(size_t n)
{
	return (n < fake_nstarted ? fake_started[n] : NULL);
}

size_t
fake_chan_freed(void)
{
	return (fake_nfreed);
}

const char *
fake_chan_target(struct ssm_chan *ch)
{
	return (ch->target);
}

const struct ssm_chan_params *
fake_chan_params(struct ssm_chan *ch)
{
	return (&ch->p);
}

struct ssm_chan *
ssm_chan_start(const struct ssm_chan_params *p, const struct ssm_chan_cb *cb,
    void *arg)
{
	struct ssm_chan	*ch;

	ch = xcalloc(1, sizeof *ch);
	ch->id = ++fake_next_id;
	ch->p = *p;
	ch->name = xstrdup(p->name);
	ch->target = xstrdup(p->target);
	ch->document = xstrdup(p->document);
	ch->p.name = ch->name;
	ch->p.target = ch->target;
	ch->p.document = ch->document;
	ch->cb = cb;
	ch->arg = arg;
	ch->state = SSM_CHAN_STARTING;
	ch->room = FAKE_CHAN_UNLIMITED;
	ch->sent = evbuffer_new();
	TAILQ_INSERT_TAIL(&fake_chans, ch, entry);
	/* A channel freed by one test is not one of the next test's. */
	fake_started = xreallocarray(fake_started, fake_nstarted + 1,
	    sizeof *fake_started);
	fake_started[fake_nstarted++] = ch;
	return (ch);
}

/* The chan with id, if it still exists. */
static struct ssm_chan *
fake_chan_find(uint64_t id)
{
	struct ssm_chan	*ch;

	TAILQ_FOREACH(ch, &fake_chans, entry) {
		if (ch->id == id)
			return (ch);
	}
	return (NULL);
}

void
fake_chan_open(struct ssm_chan *ch, const char *agent_version,
    enum ssm_chan_mode mode, int keepalive)
{
	struct ssm_chan_info	info;

	free(ch->agent_version);
	ch->agent_version = xstrdup(agent_version);
	free(ch->session_id);
	xasprintf(&ch->session_id, "alice-%016llx",
	    (unsigned long long)ch->id);
	ch->state = SSM_CHAN_OPEN;
	memset(&info, 0, sizeof info);
	info.session_id = ch->session_id;
	info.agent_version = ch->agent_version;
	info.mode = mode;
	info.keepalive = keepalive;
	info.terminate_flag = 1;
	ch->cb->open(ch, &info, ch->arg);
}

int
fake_chan_deliver(struct ssm_chan *ch, const void *buf, size_t len)
{
	return (ch->cb->data(ch, buf, len, ch->arg));
}

void
fake_chan_set_room(struct ssm_chan *ch, size_t room)
{
	size_t	was = ch->room;

	ch->room = room;
	if (was == 0 && room != 0 && ch->cb->writable != NULL)
		ch->cb->writable(ch, ch->arg);
}

void
fake_chan_event(struct ssm_chan *ch, enum ssm_chan_event ev,
    const char *detail)
{
	if (ch->cb->event != NULL)
		ch->cb->event(ch, ev, detail, ch->arg);
}

void
fake_chan_close(struct ssm_chan *ch, const char *reason, const char *code)
{
	ch->state = SSM_CHAN_CLOSED;
	ch->cb->closed(ch, reason, code, ch->arg);
}

struct evbuffer *
fake_chan_sent(struct ssm_chan *ch)
{
	return (ch->sent);
}

unsigned
fake_chan_ready_calls(struct ssm_chan *ch)
{
	return (ch->ready_calls);
}

const char *
fake_chan_terminated(struct ssm_chan *ch)
{
	return (ch->terminated);
}

size_t
ssm_chan_room(struct ssm_chan *ch)
{
	if (ch->state != SSM_CHAN_OPEN)
		return (0);
	return (ch->room);
}

size_t
ssm_chan_send(struct ssm_chan *ch, struct evbuffer *buf)
{
	size_t	n = evbuffer_get_length(buf);

	if (n > ssm_chan_room(ch))
		n = ssm_chan_room(ch);
	evbuffer_remove_buffer(buf, ch->sent, n);
	if (ch->room != FAKE_CHAN_UNLIMITED)
		ch->room -= n;
	return (n);
}

int
ssm_chan_send_flag(struct ssm_chan *ch, uint32_t flag)
{
	return (ch->state == SSM_CHAN_OPEN ? 0 : -1);
}

void
ssm_chan_ready(struct ssm_chan *ch)
{
	ch->ready_calls++;
}

/* The deferred end of a terminated channel, if it is still there. */
static void
fake_chan_terminated_cb(evutil_socket_t fd, short events, void *arg)
{
	struct ssm_chan	*ch;

	if ((ch = fake_chan_find(*(uint64_t *)arg)) != NULL &&
	    ch->state != SSM_CHAN_CLOSED)
		fake_chan_close(ch, ch->terminated, NULL);
	free(arg);
}

void
ssm_chan_terminate(struct ssm_chan *ch, const char *reason)
{
	struct timeval	 tv = { 0, 0 };
	uint64_t	*id;

	if (ch->terminated != NULL || ch->state == SSM_CHAN_CLOSED)
		return;
	ch->terminated = xstrdup(reason != NULL ? reason : "terminated");
	ch->state = SSM_CHAN_CLOSING;
	id = xmalloc(sizeof *id);
	*id = ch->id;
	if (event_base_once(gw_base, -1, EV_TIMEOUT, fake_chan_terminated_cb,
	    id, &tv) == -1)
		fatalx("%s: event_base_once failed", __func__);
}

void
ssm_chan_free(struct ssm_chan *ch)
{
	size_t	i;

	if (ch == NULL)
		return;
	TAILQ_REMOVE(&fake_chans, ch, entry);
	for (i = 0; i < fake_nstarted; i++) {
		if (fake_started[i] == ch)
			fake_started[i] = NULL;
	}
	fake_nfreed++;
	evbuffer_free(ch->sent);
	free(ch->name);
	free(ch->target);
	free(ch->document);
	free(ch->agent_version);
	free(ch->session_id);
	free(ch->terminated);
	free(ch);
}

enum ssm_chan_state
ssm_chan_get_state(struct ssm_chan *ch)
{
	return (ch->state);
}

const char *
ssm_chan_get_session_id(struct ssm_chan *ch)
{
	return (ch->session_id);
}

void
ssm_chan_status(struct ssm_chan *ch, struct cJSON *obj)
{
	cJSON_AddStringToObject(obj, "target", ch->target);
	cJSON_AddNumberToObject(obj, "resends", 7);
	cJSON_AddNumberToObject(obj, "resumes", 2);
}

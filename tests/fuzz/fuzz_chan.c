/*
 * Fuzz the data channel's driver (chan*.c) through the seam of
 * ssm_chan_int.h: a script of events against one chan behind a fake
 * WebSocket and fake AWS calls. Each record is an opcode byte, then:
 *
 *	0 LEN2 BYTES	a binary WebSocket message (an agent message)
 *	1 LEN2 BYTES	a text message
 *	2 N		the clock moves N * 37 ms, the chan runs
 *	3		the WebSocket fails
 *	4		the WebSocket opens
 *	5 N		the user sends N * 61 bytes
 *	6		the user toggles its readiness (ssm_chan_ready)
 *	7 N		the oldest API call is answered (N picks the answer)
 *	8		ssm_chan_terminate
 *	9 N		ssm_chan_send_flag(N)
 *
 * Whatever happens, nothing may crash, leak or call back after closed.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "fuzz.h"
#include "log.h"
#include "ssm_chan.h"
#include "ssm_chan_int.h"
#include "util.h"
#include "xmalloc.h"

struct fuzz_call {
	aws_call_cb	 cb;
	void		*arg;
	void		*owned;
	int		 live;
};

struct fuzz_ws {
	struct ws_cb	 cb;
	void		*arg;
	int		 freed;
};

static struct event_base	*base;
static struct fuzz_call		**calls;
static int			 ncalls;
static struct fuzz_ws		**sockets;
static int			 nsockets;
static int			 refuse, closed;

static struct event_base *
fuzz_base(struct aws_ctx *aws)
{
	return (base);
}

static struct aws_call *
fuzz_call_json(struct aws_ctx *aws, const char *service, const char *prefix,
    const char *op, char *body, int flags, void *owned, aws_call_cb cb,
    void *arg)
{
	struct fuzz_call	*c;

	free(body);
	calls = xreallocarray(calls, ncalls + 1, sizeof *calls);
	c = calls[ncalls++] = xcalloc(1, sizeof *c);
	c->cb = cb;
	c->arg = arg;
	c->owned = owned;
	c->live = 1;
	return ((struct aws_call *)c);
}

static void
fuzz_call_cancel(struct aws_call *ac)
{
	struct fuzz_call	*c = (struct fuzz_call *)ac;

	if (c == NULL || !c->live)
		return;
	c->live = 0;
	free(c->owned);
}

static struct aws_creds_wait *
fuzz_creds_get(struct aws_ctx *aws, aws_creds_cb cb, void *arg)
{
	return (NULL);
}

static void
fuzz_creds_cancel(struct aws_creds_wait *w)
{
}

static struct ws *
fuzz_ws_open(struct event_base *b, const char *url,
    const struct ws_options *opts, const struct ws_cb *cb, void *arg,
    char **cause)
{
	struct fuzz_ws	*w;

	sockets = xreallocarray(sockets, nsockets + 1, sizeof *sockets);
	w = xcalloc(1, sizeof *w);
	w->cb = *cb;
	w->arg = arg;
	sockets[nsockets++] = w;
	return ((struct ws *)w);
}

static int
fuzz_ws_send(struct ws *ws, enum ws_type type, const void *buf, size_t len)
{
	if (((struct fuzz_ws *)ws)->freed)
		abort();
	return (0);
}

static size_t
fuzz_ws_queued(struct ws *ws)
{
	return (0);
}

static void
fuzz_ws_close(struct ws *ws, uint16_t code, const char *reason)
{
}

static void
fuzz_ws_free(struct ws *ws)
{
	((struct fuzz_ws *)ws)->freed = 1;
}

static const struct ssm_chan_ops fuzz_ops = {
	.base = fuzz_base,
	.call_json = fuzz_call_json,
	.call_cancel = fuzz_call_cancel,
	.creds_get = fuzz_creds_get,
	.creds_cancel = fuzz_creds_cancel,
	.ws_open = fuzz_ws_open,
	.ws_send = fuzz_ws_send,
	.ws_queued = fuzz_ws_queued,
	.ws_close = fuzz_ws_close,
	.ws_free = fuzz_ws_free,
};

static int
fuzz_data_cb(struct ssm_chan *c, const uint8_t *buf, size_t len, void *arg)
{
	if (closed)
		abort();
	return (refuse ? -1 : 0);
}

static void
fuzz_open_cb(struct ssm_chan *c, const struct ssm_chan_info *info,
    void *arg)
{
	if (closed || info->agent_version == NULL)
		abort();
}

static void
fuzz_closed_cb(struct ssm_chan *c, const char *reason, const char *code,
    void *arg)
{
	if (closed++ || reason == NULL)
		abort();
}

static const struct ssm_chan_cb fuzz_cb = {
	.open = fuzz_open_cb,
	.data = fuzz_data_cb,
	.closed = fuzz_closed_cb,
};

/* The last WebSocket not freed, or NULL. */
static struct fuzz_ws *
fuzz_ws_live(void)
{
	if (nsockets == 0 || sockets[nsockets - 1]->freed)
		return (NULL);
	return (sockets[nsockets - 1]);
}

static void
fuzz_answer(uint8_t pick)
{
	static const char *const bodies[] = {
		"{\"SessionId\":\"s-1\",\"TokenValue\":\"t\",\"StreamUrl\":"
		    "\"wss://ssmmessages.us-east-1.amazonaws.com/v1/x\"}",
		"{\"SessionId\":\"s-1\",\"TokenValue\":\"t2\"}",
		"{\"SessionId\":\"s-1\",\"TokenValue\":\"\"}",
		"{\"SessionId\":\"s-1\",\"TokenValue\":\"t\",\"StreamUrl\":"
		    "\"wss://evil.example.com/\"}",
		"not json",
	};
	static const char *const codes[] = { "DoesNotExistException",
	    "ThrottlingException", "TargetNotConnected" };
	struct aws_response	 resp;
	struct fuzz_call	*c = NULL;
	int			 i;

	for (i = 0; i < ncalls && c == NULL; i++) {
		if (calls[i]->live)
			c = calls[i];
	}
	if (c == NULL)
		return;
	memset(&resp, 0, sizeof resp);
	if (pick % 8 < 5) {
		resp.ok = 1;
		resp.status = 200;
		resp.body = bodies[pick % 8];
	} else {
		resp.status = 400;
		resp.code = codes[pick % 8 - 5];
		resp.error = "Op: Code: no";
		resp.body = "";
	}
	resp.body_len = strlen(resp.body);
	c->live = 0;
	c->cb(&resp, c->arg);
	free(c->owned);
}

static void
fuzz_loop(void)
{
	event_base_loop(base, EVLOOP_NONBLOCK);
	event_base_loop(base, EVLOOP_NONBLOCK);
}

/* One record at data[*off]; return -1 at the end. */
static int
fuzz_step(struct ssm_chan *chan, const uint8_t *data, size_t size,
    size_t *off)
{
	struct evbuffer	*b;
	struct fuzz_ws	*w;
	uint8_t		 op, arg = 0, buf[61 * 255];
	size_t		 len;

	if (*off >= size)
		return (-1);
	op = data[(*off)++] % 10;
	if (op == 0 || op == 1) {
		if (size - *off < 2)
			return (-1);
		len = (size_t)data[*off] << 8 | data[*off + 1];
		*off += 2;
		if (len > size - *off)
			len = size - *off;
		if ((w = fuzz_ws_live()) != NULL)
			w->cb.message((struct ws *)w, op ? WS_TEXT : WS_BINARY,
			    data + *off, len, w->arg);
		*off += len;
		fuzz_loop();
		return (0);
	}
	if (op == 2 || op == 5 || op == 7 || op == 9) {
		if (*off >= size)
			return (-1);
		arg = data[(*off)++];
	}
	switch (op) {
	case 2:
		clock_advance_fake(arg * 37);
		ssm_chan_run(chan);
		break;
	case 3:
		if ((w = fuzz_ws_live()) != NULL)
			w->cb.error((struct ws *)w, WS_ERR_EOF, "gone", w->arg);
		break;
	case 4:
		if ((w = fuzz_ws_live()) != NULL)
			w->cb.open((struct ws *)w, w->arg);
		break;
	case 5:
		b = evbuffer_new();
		memset(buf, 'f', arg * 61);
		evbuffer_add(b, buf, arg * 61);
		ssm_chan_send(chan, b);
		evbuffer_free(b);
		break;
	case 6:
		refuse = !refuse;
		ssm_chan_ready(chan);
		break;
	case 7:
		fuzz_answer(arg);
		break;
	case 8:
		ssm_chan_terminate(chan, "fuzz");
		break;
	case 9:
		ssm_chan_send_flag(chan, arg % 4);
		break;
	}
	fuzz_loop();
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ssm_chan_params	 p;
	struct ssm_chan		*chan;
	size_t			 off = 0;
	int			 i;

	if (base == NULL) {
		log_init("fuzz_chan", LOG_LEVEL_WARN);
		log_set_ratelimit(1, 60000);
		base = event_base_new();
		ssm_chan_set_ops(&fuzz_ops);
	}
	clock_set_fake(1000000, 1700000000000ULL);
	memset(&p, 0, sizeof p);
	p.target = "i-0123456789abcdef0";
	p.document = "AWS-StartPortForwardingSession";
	p.max_unacked = 8;
	p.max_out_of_order = 8;
	refuse = closed = ncalls = nsockets = 0;
	chan = ssm_chan_start(&p, &fuzz_cb, NULL);
	while (fuzz_step(chan, data, size, &off) == 0)
		;
	ssm_chan_free(chan);
	for (i = 0; i < ncalls; i++) {
		if (calls[i]->live)
			free(calls[i]->owned);
		free(calls[i]);
	}
	for (i = 0; i < nsockets; i++)
		free(sockets[i]);
	free(calls);
	free(sockets);
	calls = NULL;
	sockets = NULL;
	fuzz_loop();
	return (0);
}

/*
 * bench_chan: what the data channel itself costs per byte, without the
 * network. The chan runs against an in-process transport (the seam of
 * ssm_chan_int.h) whose agent acks every message at once and sends
 * 1024-byte Output messages made from one template (only the sequence
 * number changes: the digest covers the payload alone). Prints MiB/s for
 * each direction; a benchmark, not a test.
 *
 *	bench_chan [-m MiB]
 */

#include <sys/types.h>
#include <sys/resource.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "log.h"
#include "ssm_chan.h"
#include "ssm_chan_int.h"
#include "ssm_msg.h"
#include "util.h"
#include "xmalloc.h"

int	main(int, char **);

static struct event_base	*base;
static struct ws_cb		 wscb;
static void			*wsarg;
static int64_t			*acks;		/* seqs the agent owes acks */
static size_t			 nacks, acks_max;
static uint64_t			 received;
static int			 opened, failed;

static struct event_base *
bench_base(struct aws_ctx *aws)
{
	return (base);
}

/* Calls, answered by bench_calls() (never from inside the call). */
static struct {
	aws_call_cb	 cb;
	void		*arg;
	void		*owned;
	const char	*body;
}				 calls[8];
static int			 ncalls;

static struct aws_call *
bench_call_json(struct aws_ctx *aws, const char *service, const char *prefix,
    const char *op, char *body, int flags, void *owned, aws_call_cb cb,
    void *arg)
{
	free(body);
	if (ncalls == 8)
		fatalx("too many calls");
	calls[ncalls].cb = cb;
	calls[ncalls].arg = arg;
	calls[ncalls].owned = owned;
	calls[ncalls++].body = strcmp(op, "StartSession") == 0 ?
	    "{\"SessionId\":\"bench-1\",\"StreamUrl\":"
	    "\"wss://ssmmessages.x.amazonaws.com/v1/\",\"TokenValue\":\"t\"}" :
	    "{\"SessionId\":\"bench-1\"}";
	return ((struct aws_call *)&calls[ncalls - 1]);
}

static void
bench_calls(void)
{
	struct aws_response	resp;
	int			i;

	for (i = 0; i < ncalls; i++) {
		memset(&resp, 0, sizeof resp);
		resp.ok = 1;
		resp.status = 200;
		resp.body = calls[i].body;
		resp.body_len = strlen(resp.body);
		calls[i].cb(&resp, calls[i].arg);
		free(calls[i].owned);
	}
	ncalls = 0;
}

static void
bench_call_cancel(struct aws_call *call)
{
}

static struct ws *
bench_ws_open(struct event_base *b, const char *url,
    const struct ws_options *opts, const struct ws_cb *cb, void *arg,
    char **cause)
{
	wscb = *cb;
	wsarg = arg;
	return ((struct ws *)&wscb);
}

/* The agent sees our message: it owes an ack for stream data. */
static int
bench_ws_send(struct ws *ws, enum ws_type type, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	int64_t		 seq = 0;
	int		 i;

	if (type != WS_BINARY || len < SSM_MSG_HEADER_LEN ||
	    memcmp(p + 4, "input_stream_data", 17) != 0)
		return (0);
	for (i = 0; i < 8; i++)
		seq = (seq << 8) | p[48 + i];
	if (nacks == acks_max) {
		acks_max = acks_max * 2 + 1024;
		acks = xreallocarray(acks, acks_max, sizeof *acks);
	}
	acks[nacks++] = seq;
	return (0);
}

static size_t
bench_ws_queued(struct ws *ws)
{
	return (0);
}

static void
bench_ws_nothing(struct ws *ws)
{
}

static void
bench_ws_close(struct ws *ws, uint16_t code, const char *reason)
{
}

static const struct ssm_chan_ops bench_ops = {
	.base = bench_base,
	.call_json = bench_call_json,
	.call_cancel = bench_call_cancel,
	.ws_open = bench_ws_open,
	.ws_send = bench_ws_send,
	.ws_queued = bench_ws_queued,
	.ws_close = bench_ws_close,
	.ws_free = bench_ws_nothing,
};

/* Deliver one agent message to the chan. */
static void
bench_deliver(int64_t seq, uint32_t ptype, const void *payload, size_t len)
{
	struct ssm_msg	 m;
	struct evbuffer	*b = evbuffer_new();
	uint8_t		 id[UUID_LEN];
	char		*cause;

	util_uuid_v4(id);
	ssm_msg_init(&m, seq < 0 ? SSM_MSG_ACKNOWLEDGE :
	    SSM_MSG_OUTPUT_STREAM_DATA, seq < 0 ? 0 : seq, ptype, id,
	    clock_wall_ms());
	m.payload = payload;
	m.payload_len = len;
	if (ssm_msg_encode(&m, b, &cause) != 0)
		fatalx("%s", cause);
	wscb.message((struct ws *)&wscb, WS_BINARY, evbuffer_pullup(b, -1),
	    evbuffer_get_length(b), wsarg);
	evbuffer_free(b);
}

/* The acks the agent owes, built once each (their cost is the agent's). */
static void
bench_pay_acks(void)
{
	char	buf[256];
	size_t	i, n = nacks;

	nacks = 0;
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof buf, "{\"AcknowledgedMessageType\":"
		    "\"input_stream_data\",\"AcknowledgedMessageId\":"
		    "\"dd01e56b-ff48-483e-a508-b5f073f31b16\","
		    "\"AcknowledgedMessageSequenceNumber\":%lld,"
		    "\"IsSequentialMessage\":true}", (long long)acks[i]);
		bench_deliver(-1, 0, buf, strlen(buf));
	}
}

static void
bench_open_cb(struct ssm_chan *c, const struct ssm_chan_info *info,
    void *arg)
{
	opened = 1;
}

static int
bench_data_cb(struct ssm_chan *c, const uint8_t *buf, size_t len, void *arg)
{
	received += len;
	return (0);
}

static void
bench_closed_cb(struct ssm_chan *c, const char *reason, const char *code,
    void *arg)
{
	fprintf(stderr, "bench_chan: closed: %s\n", reason);
	failed = 1;
}

static const struct ssm_chan_cb bench_cb = {
	.open = bench_open_cb,
	.data = bench_data_cb,
	.closed = bench_closed_cb,
};

static double
bench_cpu(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
}

static void
bench_report(const char *what, uint64_t bytes, double cpu, double acpu)
{
	printf("%s: %llu MiB, chan %.0f MiB/s of CPU (%.2f s per GiB); "
	    "with the fake agent %.0f MiB/s\n", what,
	    (unsigned long long)(bytes >> 20), (bytes / 1048576.0) / cpu,
	    cpu / (bytes / 1073741824.0), (bytes / 1048576.0) / acpu);
}

int
main(int argc, char **argv)
{
	struct ssm_chan_params	 p;
	struct ssm_chan		*c;
	struct evbuffer		*out;
	struct ssm_msg		 m;
	struct evbuffer		*tmpl;
	uint8_t			 chunk[SSM_MSG_CHUNK], id[UUID_LEN], *t;
	uint64_t		 total = 256ULL << 20, sent = 0, i, n;
	double			 t0, agent, cpu;
	const char		*hs = "{\"AgentVersion\":\"3.3.987.0\","
	    "\"RequestedClientActions\":[{\"ActionType\":\"SessionType\","
	    "\"ActionParameters\":{\"SessionType\":\"Port\",\"Properties\":"
	    "{\"type\":\"LocalPortForwarding\"}}}]}";
	char			*cause;
	int			 ch;

	while ((ch = getopt(argc, argv, "m:")) != -1) {
		if (ch != 'm') {
			fprintf(stderr, "usage: bench_chan [-m MiB]\n");
			return (1);
		}
		total = strtoull(optarg, NULL, 10) << 20;
	}
	log_init("bench_chan", LOG_LEVEL_WARN);
	base = event_base_new();
	ssm_chan_set_ops(&bench_ops);
	memset(&p, 0, sizeof p);
	p.target = "i-0123456789abcdef0";
	p.document = "AWS-StartPortForwardingSession";
	c = ssm_chan_start(&p, &bench_cb, NULL);
	bench_calls();
	wscb.open((struct ws *)&wscb, wsarg);
	bench_deliver(0, SSM_PAYLOAD_HANDSHAKE_REQUEST, hs, strlen(hs));
	bench_deliver(1, SSM_PAYLOAD_HANDSHAKE_COMPLETE, "{}", 2);
	bench_pay_acks();
	if (!opened)
		fatalx("the handshake did not complete");

	/* Upload: send while there is room, then the agent acks. */
	memset(chunk, 'u', sizeof chunk);
	out = evbuffer_new();
	t0 = bench_cpu();
	agent = 0;
	while (sent < total && !failed) {
		while (evbuffer_get_length(out) < (1 << 20))
			evbuffer_add(out, chunk, sizeof chunk);
		sent += ssm_chan_send(c, out);
		cpu = bench_cpu();
		bench_pay_acks();
		agent += bench_cpu() - cpu;
	}
	cpu = bench_cpu() - t0;
	bench_report("upload", sent, cpu - agent, cpu);
	evbuffer_free(out);

	/* Download: one template, only the sequence number changes. */
	util_uuid_v4(id);
	ssm_msg_init(&m, SSM_MSG_OUTPUT_STREAM_DATA, 2, SSM_PAYLOAD_OUTPUT, id,
	    clock_wall_ms());
	m.payload = chunk;
	m.payload_len = sizeof chunk;
	tmpl = evbuffer_new();
	if (ssm_msg_encode(&m, tmpl, &cause) != 0)
		fatalx("%s", cause);
	t = evbuffer_pullup(tmpl, -1);
	n = total / sizeof chunk;
	t0 = bench_cpu();
	for (i = 0; i < n && !failed; i++) {
		uint64_t	seq = 2 + i;
		int		k;

		for (k = 7; k >= 0; k--, seq >>= 8)
			t[48 + k] = seq & 0xff;
		wscb.message((struct ws *)&wscb, WS_BINARY, t,
		    evbuffer_get_length(tmpl), wsarg);
	}
	cpu = bench_cpu() - t0;
	bench_report("download", received, cpu, cpu);
	evbuffer_free(tmpl);
	nacks = 0;
	ssm_chan_free(c);
	bench_calls();
	free(acks);
	event_base_free(base);
	return (failed);
}

/*
 * dcclient's bench, not a test: how fast awsemu's agent moves bytes.
 *
 *   bench echo mux|basic MIB	MIB each way at once through one stream
 *				(an echo target), pacing off
 *   bench down mux|basic MIB	MIB from a source target through one
 *				stream, pacing as the knobs say; prints the
 *				rate against the pacing ceiling
 *
 * Every byte is checked against the bench pattern. One line of figures per
 * run; the verdict belongs to whoever reads it (tests/awsemu/bench_agent.sh).
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "dcclient.h"
#include "ssm_smux.h"
#include "util.h"
#include "ws.h"
#include "xmalloc.h"

#define BENCH_INST	"i-0000000000000000b"
#define BENCH_QUEUE	(512 * 1024)	/* our WebSocket queue, bytes */
#define BENCH_UNACKED	4096		/* our unacknowledged messages */
#define BENCH_WRITE	16384

struct bench {
	struct dcc	*c;
	uint32_t	 sid;
	int		 mux;
	int		 up;
	uint64_t	 total;
	uint64_t	 sent;
	uint64_t	 recvd;
	uint8_t		 buf[BENCH_WRITE];
};

static struct evbuffer *
bench_in(struct bench *b)
{
	return (b->mux ? dcc_mux_stream(b->c, b->sid)->in : b->c->stream);
}

/* One turn of the loop: check what came back, send what fits. */
static int
bench_step(void *arg)
{
	struct bench	*b = arg;
	struct dcc	*c = b->c;
	struct evbuffer	*in = bench_in(b), *tmp;
	size_t		 n, off;

	while ((n = evbuffer_get_length(in)) > 0) {
		if (n > 65536)
			n = 65536;
		if (!dcc_pattern_check(evbuffer_pullup(in, n), n, b->recvd))
			dcc_fail("bench: byte %llu or after differs",
			    (unsigned long long)b->recvd);
		b->recvd += n;
		evbuffer_drain(in, n);
	}
	while (b->up && b->sent < b->total && c->wstate == DCC_WS_OPEN &&
	    ws_get_queued(c->ws) < BENCH_QUEUE &&
	    (uint64_t)c->next_seq - c->rx_acked < BENCH_UNACKED) {
		n = b->total - b->sent < BENCH_WRITE ? b->total - b->sent :
		    BENCH_WRITE;
		tmp = evbuffer_new();
		dcc_pattern_add(tmp, b->sent, n);
		evbuffer_remove(tmp, b->buf, n);
		evbuffer_free(tmp);
		if (b->mux)
			dcc_mux_write(c, b->sid, b->buf, n);
		else {
			for (off = 0; off < n; off += SSM_MSG_CHUNK)
				dcc_send(c, SSM_PAYLOAD_OUTPUT, b->buf + off,
				    n - off < SSM_MSG_CHUNK ? n - off :
				    SSM_MSG_CHUNK);
		}
		b->sent += n;
	}
	if (c->wstate != DCC_WS_OPEN)
		dcc_fail("bench: the WebSocket closed: %s", c->close_reason);
	return (b->recvd >= b->total);
}

void
dcc_bench(int argc, char **argv)
{
	struct dcc_target	*t;
	struct bench		 b;
	uint64_t		 start, ms;
	double			 mibs, ceiling;
	int			 down;

	if (argc != 3 || (strcmp(argv[0], "echo") != 0 &&
	    strcmp(argv[0], "down") != 0))
		dcc_fail("bench echo|down mux|basic MIB");
	down = strcmp(argv[0], "down") == 0;
	memset(&b, 0, sizeof b);
	b.mux = strcmp(argv[1], "mux") == 0;
	b.up = !down;
	b.total = (uint64_t)strtoull(argv[2], NULL, 10) * 1024 * 1024;
	t = dcc_target_new(down ? DCC_SOURCE : DCC_ECHO);
	t->keep = 0;
	t->source_bytes = b.total;
	dcc_world("{\"instances\": [{\"id\": \"%s\", \"agent_version\": "
	    "\"%s\", \"ports\": {\"80\": \"127.0.0.1:%d\"}}]}", BENCH_INST,
	    b.mux ? "3.3.987.0" : "3.0.196.0", t->port);
	if (!down)
		dcc_knobs("{\"pacing\": false}");
	b.c = dcc_start(BENCH_INST, "AWS-StartPortForwardingSession",
	    "portNumber=80");
	b.c->quiet = 1;
	if (dcc_connect(b.c, NULL) != 0)
		dcc_fail("connect: %s", b.c->close_reason);
	dcc_handshake(b.c, DCC_CLIENT_VERSION);
	if (b.mux) {
		dcc_mux_start(b.c);
		b.sid = dcc_mux_open(b.c);
	} else if (down)
		dcc_send(b.c, SSM_PAYLOAD_OUTPUT, "go", 2);
	start = clock_now_ms();
	if (!dcc_wait(bench_step, &b, 600000))
		dcc_fail("bench: %llu of %llu bytes in 600 s",
		    (unsigned long long)b.recvd, (unsigned long long)b.total);
	ms = clock_now_ms() - start;
	mibs = (double)b.total / 1048576 / ((double)(ms ? ms : 1) / 1000);
	ceiling = dcc_pacing_ceiling();
	if (down && ceiling > 0)
		dcc_ok("%s %s: %s MiB in %llu ms: %.1f MiB/s, %.1f%% of the "
		    "pacing ceiling (%.0f bytes/s)", argv[0], argv[1], argv[2],
		    (unsigned long long)ms, mibs, 100 * (double)b.total /
		    ((double)ms / 1000) / ceiling, ceiling);
	else
		dcc_ok("%s %s: %s MiB%s in %llu ms: %.1f MiB/s%s", argv[0],
		    argv[1], argv[2], down ? "" : " each way",
		    (unsigned long long)ms, mibs, down ? "" : " each way");
	dcc_terminate_api(b.c);
	dcc_free(b.c);
}

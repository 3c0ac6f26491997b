/*
 * Unit tests for smux.c: frames byte for byte as the official client's
 * smux writes them (testdata/ssm/smux-frames.json), the receiver rules of
 * ssm-port-mux.md §3.2 and §5, frames split at every offset, output cut
 * at any size, fairness between streams, pending-byte accounting and the
 * bounds.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <event2/buffer.h>

#include "ssm_smux.h"
#include "testvec.h"
#include "util.h"
#include "xmalloc.h"

/*
 * An event log: one line per event; consecutive data for the same stream
 * is merged, so the log does not depend on how the input was split.
 */
struct evlog {
	struct evbuffer	*text;
	int		 last_data;
	uint32_t	 last_sid;
	int		 echo;		/* server: echo data, close on FIN */
};

static void
evlog_init(struct evlog *log)
{
	memset(log, 0, sizeof *log);
	log->text = evbuffer_new();
}

static char *
evlog_take(struct evlog *log)
{
	size_t	len = evbuffer_get_length(log->text);
	char	*s;

	s = xstrndup(len > 0 ? (char *)evbuffer_pullup(log->text, -1) : "",
	    len);
	evbuffer_drain(log->text, len);
	log->last_data = 0;
	return (s);
}

static void
evlog_cb(struct smux *s, const struct smux_event *ev, void *arg)
{
	static const char	*names[] = { "OPEN", "DATA", "FIN", "NOP",
				    "REFUSED" };
	struct evlog		*log = arg;
	char			*hex;

	if (ev->type == SMUX_EV_DATA) {
		if (!log->last_data || log->last_sid != ev->sid)
			evbuffer_add_printf(log->text, "DATA %u ", ev->sid);
		hex = testvec_hex_bytes(ev->data, ev->len);
		evbuffer_add_printf(log->text, "%s", hex);
		free(hex);
		log->last_data = 1;
		log->last_sid = ev->sid;
		if (log->echo)
			assert_int_equal(smux_write(s, ev->sid, ev->data,
			    ev->len), 0);
		return;
	}
	if (log->last_data)
		evbuffer_add(log->text, "\n", 1);
	log->last_data = 0;
	evbuffer_add_printf(log->text, "%s %u\n", names[ev->type], ev->sid);
	if (log->echo && ev->type == SMUX_EV_FIN)
		assert_int_equal(smux_close(s, ev->sid), 0);
}

/* Pull everything s has, max bytes at a time, into out. */
static void
pull_all(struct smux *s, struct evbuffer *out, size_t max)
{
	size_t	n;

	while ((n = smux_output(s, out, max)) > 0)
		assert_true(n <= max);
	assert_int_equal(smux_pending(s), 0);
}

/* Feed everything in b to s, which must take it. */
static void
feed(struct smux *s, struct evbuffer *b)
{
	char	*cause = NULL;
	size_t	 len = evbuffer_get_length(b);

	if (smux_input(s, evbuffer_pullup(b, -1), len, &cause) != 0)
		fail_msg("%s", cause);
	evbuffer_drain(b, len);
}

/* The frames a vector step lists ("hex" or "hex + N data bytes"). */
static void
vector_frames(const cJSON *frames, int fill, struct evbuffer *want)
{
	const cJSON	*f;
	uint8_t		*bytes, *data;
	size_t		 len, n;
	char		 hex[64];
	const char	*plus;

	cJSON_ArrayForEach(f, frames) {
		plus = strstr(f->valuestring, " + ");
		n = plus != NULL ? (size_t)(plus - f->valuestring) :
		    strlen(f->valuestring);
		assert_true(n < sizeof hex);
		memcpy(hex, f->valuestring, n);
		hex[n] = '\0';
		bytes = testvec_unhex(hex, &len);
		evbuffer_add(want, bytes, len);
		free(bytes);
		if (plus != NULL) {
			len = strtoul(plus + 3, NULL, 10);
			data = xmalloc(len);
			memset(data, fill, len);
			evbuffer_add(want, data, len);
			free(data);
		}
	}
}

static void
assert_same_bytes(struct evbuffer *got, struct evbuffer *want)
{
	char	*a, *b;

	a = testvec_hex(got);
	b = testvec_hex(want);
	assert_string_equal(a, b);
	free(a);
	free(b);
	evbuffer_drain(got, evbuffer_get_length(got));
	evbuffer_drain(want, evbuffer_get_length(want));
}

/*
 * The client and server frames of smux-frames.json, step by step: our
 * client and our server talk to each other, and every step's bytes are
 * compared with the vendored smux's before they are passed across.
 */
static void
test_smux_vector_frames(void **state)
{
	static const char	*response = "HTTP/1.0 200 OK\r\n\r\n";
	cJSON			*root, *steps, *step;
	struct smux		*c, *srv, *from, *to;
	struct evlog		 clog, slog;
	struct evbuffer		*out = evbuffer_new(), *want = evbuffer_new();
	uint8_t			*bulk;
	char			*text;
	int			 i;

	root = testvec_load("ssm/smux-frames.json");
	steps = testvec_get(root, "v1_client_and_server");
	assert_int_equal(cJSON_GetArraySize(steps), 10);
	evlog_init(&clog);
	evlog_init(&slog);
	c = smux_new(SMUX_CLIENT, evlog_cb, &clog);
	srv = smux_new(SMUX_SERVER, evlog_cb, &slog);
	bulk = xmalloc(40000);
	memset(bulk, 'A', 40000);

	for (i = 0; i < 10; i++) {
		step = cJSON_GetArrayItem(steps, i);
		switch (i) {
		case 0:
			assert_int_equal(smux_open(c), 3);
			break;
		case 1:
			assert_int_equal(smux_write(c, 3, "GET /", 5), 0);
			break;
		case 2:
			assert_int_equal(smux_write(srv, 3, response,
			    strlen(response)), 0);
			break;
		case 3:
			assert_int_equal(smux_close(srv, 3), 0);
			break;
		case 4:
			assert_int_equal(smux_close(c, 3), 0);
			break;
		case 5:
			assert_int_equal(smux_open(c), 5);
			break;
		case 6:
			/* The official client writes MaxFrameSize frames. */
			smux_set_quantum(c, SMUX_MAX_FRAME);
			assert_int_equal(smux_write(c, 5, bulk, 40000), 0);
			break;
		case 7:
			assert_int_equal(smux_close(c, 5), 0);
			break;
		case 8:
			assert_int_equal(smux_open(c), 7);
			assert_int_equal(smux_write(c, 7, "", 0), 0);
			break;
		case 9:
			break;	/* closing a session sends nothing */
		}
		if (strcmp(testvec_str(step, "written_by"), "client") == 0) {
			from = c;
			to = srv;
		} else {
			from = srv;
			to = c;
		}
		pull_all(from, out, 1 << 20);
		if (!cJSON_IsNull(testvec_get(step, "frames_hex")))
			vector_frames(testvec_get(step, "frames_hex"), 'A',
			    want);
		if (evbuffer_get_length(want) != evbuffer_get_length(out))
			fail_msg("step %d: %zu bytes, want %zu", i,
			    evbuffer_get_length(out),
			    evbuffer_get_length(want));
		assert_memory_equal(evbuffer_pullup(out, -1),
		    evbuffer_pullup(want, -1), evbuffer_get_length(out));
		evbuffer_drain(want, evbuffer_get_length(want));
		feed(to, out);
	}
	text = evlog_take(&slog);
	/* The server closed 3 first, so the client's FIN 3 is quiet. */
	assert_true(strncmp(text, "OPEN 3\nDATA 3 474554202f\n"
	    "OPEN 5\nDATA 5 4141", 37) == 0);
	assert_non_null(strstr(text, "41\nFIN 5\nOPEN 7\n"));
	free(text);
	text = evlog_take(&clog);
	assert_string_equal(text,
	    "DATA 3 485454502f312e3020323030204f4b0d0a0d0a\nFIN 3\n");
	free(text);

	/* The keep-alive NOP. */
	smux_nop(c);
	smux_nop(c);	/* one NOP at most waits */
	pull_all(c, out, 1 << 20);
	vector_frames(testvec_get(testvec_get(root, "v1_keepalive_nop"),
	    "frames_hex"), 0, want);
	assert_same_bytes(out, want);

	smux_free(c);
	smux_free(srv);
	free(bulk);
	evbuffer_free(out);
	evbuffer_free(want);
	evbuffer_free(clog.text);
	evbuffer_free(slog.text);
	cJSON_Delete(root);
}

/*
 * Crafted input to a server (the agent's role), with the streams it
 * accepts. gatewayd's verdict is the vendored smux's except for UPD.
 */
static void
test_smux_server_receiver_cases(void **state)
{
	static const struct {
		const char	*name;
		const char	*opened;	/* OPEN lines expected */
		const char	*cause;		/* NULL: session stays up */
	} cases[] = {
		{ "syn_3", "OPEN 3\n", NULL },
		{ "syn_length_ignored", "OPEN 3\nOPEN 5\n", NULL },
		{ "duplicate_syn", "OPEN 3\n", NULL },
		{ "version_2_frame_in_v1_session", "",
		    "smux frame at byte 0: version 2 is not 1" },
		{ "unknown_cmd_5", "",
		    "smux frame at byte 0: unknown command 5" },
		/*
		 * The vendored smux reads UPD's 8-byte body in a v1 session
		 * and carries on; on this path no peer ever sends UPD, so
		 * gatewayd treats it as the protocol error it is
		 * (ssm-port-mux.md §3.1: version 2 only) and stops.
		 */
		{ "upd_in_v1_session_then_syn", "", "smux frame at byte 0: "
		    "window update (UPD) in a version 1 session" },
		{ "psh_unknown_stream_then_syn", "OPEN 5\n", NULL },
	};
	cJSON		*root, *c;
	struct smux	*s;
	struct evlog	 log;
	uint8_t		*in;
	size_t		 len, i, seen = 0;
	char		*cause, *text;
	int		 rv;

	root = testvec_load("ssm/smux-frames.json");
	cJSON_ArrayForEach(c, testvec_get(testvec_get(root,
	    "v1_server_receiver_behaviour"), "cases")) {
		for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			if (strcmp(cases[i].name, testvec_str(c, "name")) == 0)
				break;
		}
		if (i == sizeof cases / sizeof cases[0])
			fail_msg("no verdict for %s", testvec_str(c, "name"));
		evlog_init(&log);
		s = smux_new(SMUX_SERVER, evlog_cb, &log);
		in = testvec_unhex(testvec_str(c, "input_hex"), &len);
		cause = NULL;
		rv = smux_input(s, in, len, &cause);
		text = evlog_take(&log);
		assert_string_equal(text, cases[i].opened);
		if (cases[i].cause == NULL)
			assert_int_equal(rv, 0);
		else {
			assert_int_equal(rv, -1);
			assert_string_equal(cause, cases[i].cause);
			assert_string_equal(smux_get_failure(s),
			    cases[i].cause);
			free(cause);
		}
		if (strcmp(cases[i].name, "psh_unknown_stream_then_syn") == 0)
			assert_int_equal(smux_get_stats(s)->dropped_in, 2);
		free(text);
		free(in);
		smux_free(s);
		evbuffer_free(log.text);
		seen++;
	}
	assert_int_equal(seen, sizeof cases / sizeof cases[0]);
	cJSON_Delete(root);
}

static void
frame(struct evbuffer *b, uint8_t ver, uint8_t cmd, uint16_t len,
    uint32_t sid, const void *data, size_t dlen)
{
	uint8_t	hdr[8] = { ver, cmd, len & 0xff, len >> 8, sid & 0xff,
		    (sid >> 8) & 0xff, (sid >> 16) & 0xff, sid >> 24 };

	evbuffer_add(b, hdr, sizeof hdr);
	if (dlen > 0)
		evbuffer_add(b, data, dlen);
}

/* The client's side of §3.2 and §5: what the agent might send us. */
static void
test_smux_client_receiver_rules(void **state)
{
	struct smux	*c;
	struct evlog	 log;
	struct evbuffer	*in = evbuffer_new(), *out = evbuffer_new();
	struct evbuffer	*want = evbuffer_new();
	char		*text;

	evlog_init(&log);
	c = smux_new(SMUX_CLIENT, evlog_cb, &log);
	assert_int_equal(smux_open(c), 3);
	pull_all(c, out, 1024);
	evbuffer_drain(out, evbuffer_get_length(out));

	frame(in, 1, SMUX_CMD_SYN, 0, 2, NULL, 0);	/* refused: FIN 2 */
	frame(in, 1, SMUX_CMD_SYN, 0, 3, NULL, 0);	/* ours: ignored */
	frame(in, 1, SMUX_CMD_FIN, 0, 9, NULL, 0);	/* unknown: ignored */
	frame(in, 1, SMUX_CMD_PSH, 3, 3, "abc", 3);
	frame(in, 1, SMUX_CMD_PSH, 0, 3, NULL, 0);	/* empty PSH */
	frame(in, 1, SMUX_CMD_NOP, 0, 0, NULL, 0);
	frame(in, 1, SMUX_CMD_PSH, 2, 11, "zz", 2);	/* unknown: dropped */
	frame(in, 1, SMUX_CMD_FIN, 4, 3, NULL, 0);	/* length ignored */
	frame(in, 1, SMUX_CMD_PSH, 1, 3, "x", 1);	/* after FIN: dropped */
	frame(in, 1, SMUX_CMD_FIN, 0, 3, NULL, 0);	/* second FIN: quiet */
	feed(c, in);
	text = evlog_take(&log);
	assert_string_equal(text, "REFUSED 2\nDATA 3 616263\nNOP 0\nFIN 3\n");
	free(text);
	assert_int_equal(smux_get_stats(c)->dropped_in, 3);
	assert_int_equal(smux_get_stats(c)->refused, 1);
	assert_int_equal(smux_get_stats(c)->frames_in, 10);

	/* The refusal went out, and our FIN answers the agent's. */
	assert_int_equal(smux_close(c, 3), 0);
	assert_int_equal(smux_has_stream(c, 3), 0);
	pull_all(c, out, 1024);
	frame(want, 1, SMUX_CMD_FIN, 0, 2, NULL, 0);
	frame(want, 1, SMUX_CMD_FIN, 0, 3, NULL, 0);
	assert_same_bytes(out, want);

	smux_free(c);
	evbuffer_free(in);
	evbuffer_free(out);
	evbuffer_free(want);
	evbuffer_free(log.text);
}

/* A byte stream of several frames for the split tests. */
static void
split_stream(struct evbuffer *b)
{
	uint8_t	data[1000];
	size_t	i;

	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 13 + 1);
	frame(b, 1, SMUX_CMD_SYN, 0, 3, NULL, 0);
	frame(b, 1, SMUX_CMD_PSH, 11, 3, "hello world", 11);
	frame(b, 1, SMUX_CMD_SYN, 0, 5, NULL, 0);
	frame(b, 1, SMUX_CMD_PSH, sizeof data, 5, data, sizeof data);
	frame(b, 1, SMUX_CMD_NOP, 0, 0, NULL, 0);
	frame(b, 1, SMUX_CMD_PSH, 0, 3, NULL, 0);
	frame(b, 1, SMUX_CMD_PSH, 3, 3, "abc", 3);
	frame(b, 1, SMUX_CMD_FIN, 0, 3, NULL, 0);
	frame(b, 1, SMUX_CMD_PSH, 1, 5, "x", 1);
	frame(b, 1, SMUX_CMD_FIN, 0, 5, NULL, 0);
}

/* Feed buf to a fresh server in the pieces cuts[] gives; return its log. */
static char *
split_feed(const uint8_t *buf, size_t len, const size_t *cuts, size_t ncuts)
{
	struct smux	*s;
	struct evlog	 log;
	size_t		 i, from = 0, to;
	char		*cause = NULL, *text;

	evlog_init(&log);
	s = smux_new(SMUX_SERVER, evlog_cb, &log);
	for (i = 0; i <= ncuts; i++) {
		to = i < ncuts ? cuts[i] : len;
		if (smux_input(s, buf + from, to - from, &cause) != 0)
			fail_msg("%s", cause);
		from = to;
	}
	text = evlog_take(&log);
	smux_free(s);
	evbuffer_free(log.text);
	return (text);
}

static uint64_t
xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return (*x);
}

/* Frames split at every offset, and byte by byte, read the same. */
static void
test_smux_split_at_every_offset(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	uint8_t		*buf;
	size_t		 len, k, cuts[3], *every;
	uint64_t	 rnd = 88172645463325252ULL;
	char		*whole, *text;

	split_stream(b);
	len = evbuffer_get_length(b);
	buf = xmemdup(evbuffer_pullup(b, -1), len);
	whole = split_feed(buf, len, NULL, 0);
	assert_non_null(strstr(whole, "OPEN 3\nDATA 3 68656c6c6f20776f726c64"
	    "\nOPEN 5\nDATA 5 01"));
	assert_non_null(strstr(whole, "\nNOP 0\nDATA 3 616263\nFIN 3\n"
	    "DATA 5 78\nFIN 5\n"));
	for (k = 0; k <= len; k++) {
		cuts[0] = k;
		text = split_feed(buf, len, cuts, 1);
		assert_string_equal(text, whole);
		free(text);
	}
	for (k = 0; k < 200; k++) {
		cuts[0] = xorshift(&rnd) % (len + 1);
		cuts[1] = cuts[0] + xorshift(&rnd) % (len - cuts[0] + 1);
		cuts[2] = cuts[1] + xorshift(&rnd) % (len - cuts[1] + 1);
		text = split_feed(buf, len, cuts, 3);
		assert_string_equal(text, whole);
		free(text);
	}
	every = xreallocarray(NULL, len, sizeof *every);
	for (k = 0; k < len; k++)
		every[k] = k;
	text = split_feed(buf, len, every, len);
	assert_string_equal(text, whole);
	free(text);
	free(every);
	free(whole);
	free(buf);
	evbuffer_free(b);
}

/* Collects what a server receives, checking the order of events. */
#define COLLECT_MAX	16
struct collect {
	struct evbuffer	*data[COLLECT_MAX];
	int		 opened[COLLECT_MAX];
	int		 fin[COLLECT_MAX];
	int		 nops;
	size_t		 total;
};

static void
collect_cb(struct smux *s, const struct smux_event *ev, void *arg)
{
	struct collect	*co = arg;

	assert_true(ev->sid < COLLECT_MAX);
	switch (ev->type) {
	case SMUX_EV_OPEN:
		assert_false(co->opened[ev->sid]);
		co->opened[ev->sid] = 1;
		co->data[ev->sid] = evbuffer_new();
		break;
	case SMUX_EV_DATA:
		assert_true(co->opened[ev->sid] && !co->fin[ev->sid]);
		evbuffer_add(co->data[ev->sid], ev->data, ev->len);
		co->total += ev->len;
		break;
	case SMUX_EV_FIN:
		assert_true(co->opened[ev->sid] && !co->fin[ev->sid]);
		co->fin[ev->sid] = 1;
		break;
	case SMUX_EV_NOP:
		co->nops++;
		break;
	default:
		fail_msg("unexpected event %d", ev->type);
	}
}

static void
collect_free(struct collect *co)
{
	size_t	i;

	for (i = 0; i < COLLECT_MAX; i++) {
		if (co->data[i] != NULL)
			evbuffer_free(co->data[i]);
	}
	memset(co, 0, sizeof *co);
}

/* Bytes the server has received for sid so far. */
static size_t
collected(struct collect *co, uint32_t sid)
{
	if (co->data[sid] == NULL)
		return (0);
	return (evbuffer_get_length(co->data[sid]));
}

/* Our client, talking to a server that collects what it receives. */
struct pair {
	struct smux	*c;
	struct smux	*srv;
	struct collect	 co;
	struct evbuffer	*out;
};

static void
pair_init(struct pair *p)
{
	memset(p, 0, sizeof *p);
	p->c = smux_new(SMUX_CLIENT, NULL, NULL);
	p->srv = smux_new(SMUX_SERVER, collect_cb, &p->co);
	p->out = evbuffer_new();
}

static void
pair_free(struct pair *p)
{
	collect_free(&p->co);
	smux_free(p->c);
	smux_free(p->srv);
	evbuffer_free(p->out);
}

/* Pull at most max bytes from the client into the server; return them. */
static size_t
pair_pull(struct pair *p, size_t max)
{
	size_t	n;

	n = smux_output(p->c, p->out, max);
	assert_true(n <= max);
	feed(p->srv, p->out);
	return (n);
}

/*
 * Whatever size the pulls are, the byte stream carries every stream's
 * data intact, each SYN before its data and each FIN after it.
 */
static void
test_smux_output_any_pull_size(void **state)
{
	static const size_t	 sizes[] = { 1, 2, 3, 7, 8, 9, 17, 100, 1024,
				    5000, 70000 };
	struct pair		 p;
	uint8_t			 data[3][3000];
	uint32_t		 sid[3];
	size_t			 i, j, n, pending;

	for (i = 0; i < 3; i++) {
		for (j = 0; j < sizeof data[i]; j++)
			data[i][j] = (uint8_t)(i * 31 + j * 7);
	}
	for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		pair_init(&p);
		for (j = 0; j < 3; j++) {
			sid[j] = smux_open(p.c);
			assert_int_equal(sid[j], 3 + 2 * j);
			assert_int_equal(smux_write(p.c, sid[j], data[j],
			    sizeof data[j]), 0);
		}
		smux_nop(p.c);
		assert_int_equal(smux_close(p.c, sid[1]), 0);
		assert_int_equal(smux_has_stream(p.c, sid[1]), 1);
		do {
			pending = smux_pending(p.c);
			n = pair_pull(&p, sizes[i]);
			/* Full pulls while there is more to send. */
			if (smux_pending(p.c) > 0)
				assert_int_equal(n, sizes[i]);
			assert_true(smux_pending(p.c) + n >= pending);
		} while (n > 0);
		assert_int_equal(smux_pending(p.c), 0);
		assert_int_equal(smux_has_stream(p.c, sid[1]), 0);
		assert_int_equal(p.co.nops, 1);
		for (j = 0; j < 3; j++) {
			assert_true(p.co.opened[sid[j]]);
			assert_int_equal(p.co.fin[sid[j]], j == 1);
			assert_int_equal(collected(&p.co, sid[j]),
			    sizeof data[j]);
			assert_memory_equal(evbuffer_pullup(
			    p.co.data[sid[j]], -1), data[j], sizeof data[j]);
		}
		pair_free(&p);
	}
}

/*
 * A stream with megabytes queued does not delay another stream's small
 * write, a new stream's SYN, a FIN or a NOP beyond the next pull.
 */
static void
test_smux_fair_to_interactive_streams(void **state)
{
	struct pair	 p;
	uint8_t		*bulk;
	uint32_t	 a, b, d;
	size_t		 big = 4 << 20, before;

	pair_init(&p);
	a = smux_open(p.c);
	b = smux_open(p.c);
	bulk = xcalloc(1, big);
	assert_int_equal(smux_write(p.c, a, bulk, big), 0);
	assert_int_equal(smux_stream_pending(p.c, a), big);
	assert_true(smux_pending(p.c) >= big);
	assert_int_equal(pair_pull(&p, 4096), 4096);
	assert_true(collected(&p.co, a) > 0);

	/* One small write: it is in the very next pull. */
	assert_int_equal(smux_write(p.c, b, "ping", 4), 0);
	assert_int_equal(pair_pull(&p, 4096), 4096);
	assert_int_equal(collected(&p.co, b), 4);

	/* A new stream's SYN, a NOP and a FIN: also in the next pull. */
	d = smux_open(p.c);
	smux_nop(p.c);
	assert_int_equal(smux_close(p.c, b), 0);
	assert_int_equal(pair_pull(&p, 4096), 4096);
	assert_true(p.co.opened[d]);
	assert_int_equal(p.co.nops, 1);
	assert_true(p.co.fin[b]);

	/* With 1 KiB pulls: within two, the bulk stream moving too. */
	before = collected(&p.co, a);
	assert_int_equal(smux_write(p.c, d, "pong", 4), 0);
	assert_int_equal(pair_pull(&p, 1024), 1024);
	assert_int_equal(pair_pull(&p, 1024), 1024);
	assert_int_equal(collected(&p.co, d), 4);
	assert_true(collected(&p.co, a) > before);
	assert_true(smux_stream_pending(p.c, a) > big / 2);
	pair_free(&p);
	free(bulk);
}

/* Two bulk streams share the pulls evenly, frame by frame. */
static void
test_smux_round_robin_between_bulk_streams(void **state)
{
	struct pair	 p;
	uint8_t		*bulk;
	uint32_t	 a, b;
	size_t		 i, big = 1 << 20, na, nb;

	pair_init(&p);
	a = smux_open(p.c);
	b = smux_open(p.c);
	bulk = xcalloc(1, big);
	assert_int_equal(smux_write(p.c, a, bulk, big), 0);
	assert_int_equal(smux_write(p.c, b, bulk, big), 0);
	for (i = 0; i < 100; i++) {
		assert_int_equal(pair_pull(&p, 1024), 1024);
		na = collected(&p.co, a);
		nb = collected(&p.co, b);
		assert_true(na > nb ? na - nb <= SMUX_QUANTUM :
		    nb - na <= SMUX_QUANTUM);
	}
	/* Two SYNs, then one whole frame per pull: no frame was cut. */
	assert_int_equal(p.co.total, 100 * 1024 - 100 * SMUX_HEADER_LEN - 16);
	assert_int_equal(smux_stream_pending(p.c, a) +
	    smux_stream_pending(p.c, b), 2 * big - p.co.total);
	pair_free(&p);
	free(bulk);
}

static void
test_smux_write_buffer_moves(void **state)
{
	struct smux	*c;
	struct evbuffer	*in = evbuffer_new();
	uint8_t		 data[10000];
	uint32_t	 sid;

	memset(data, 'z', sizeof data);
	evbuffer_add(in, data, sizeof data);
	c = smux_new(SMUX_CLIENT, NULL, NULL);
	sid = smux_open(c);
	assert_int_equal(smux_write_buffer(c, sid, in, 6000), 0);
	assert_int_equal(evbuffer_get_length(in), 4000);
	assert_int_equal(smux_stream_pending(c, sid), 6000);
	assert_int_equal(smux_pending(c), 6000 + SMUX_HEADER_LEN);
	assert_int_equal(smux_write_buffer(c, sid + 2, in, 10), -1);
	assert_int_equal(evbuffer_get_length(in), 4000);
	smux_free(c);
	evbuffer_free(in);
}

/* Close, abort, and what is refused after them. */
static void
test_smux_close_and_abort(void **state)
{
	struct pair	p;
	uint32_t	a, b;

	pair_init(&p);
	a = smux_open(p.c);
	b = smux_open(p.c);
	assert_int_equal(smux_write(p.c, a, "0123456789", 10), 0);
	assert_int_equal(smux_write(p.c, b, "abcdefghij", 10), 0);
	assert_int_equal(smux_close(p.c, a), 0);
	assert_int_equal(smux_close(p.c, a), -1);
	assert_int_equal(smux_write(p.c, a, "x", 1), -1);
	assert_int_equal(smux_abort(p.c, b), 0);
	assert_int_equal(smux_has_stream(p.c, b), 0);
	assert_int_equal(smux_abort(p.c, b), -1);
	assert_int_equal(smux_close(p.c, 99), -1);
	assert_int_equal(smux_write(p.c, 99, "x", 1), -1);
	while (pair_pull(&p, 5) > 0)
		;
	/* a: all its data, then FIN; b: nothing but SYN and FIN. */
	assert_int_equal(collected(&p.co, a), 10);
	assert_true(p.co.fin[a]);
	assert_int_equal(collected(&p.co, b), 0);
	assert_true(p.co.fin[b]);
	assert_int_equal(smux_stream_count(p.c), 0);
	pair_free(&p);
}

/* An echo server written with the callback API, against our client. */
static void
test_smux_echo_through_callbacks(void **state)
{
	struct smux	*c, *srv;
	struct evlog	 clog, slog;
	struct evbuffer	*out = evbuffer_new();
	uint32_t	 sid;
	char		*text;

	evlog_init(&clog);
	evlog_init(&slog);
	slog.echo = 1;
	c = smux_new(SMUX_CLIENT, evlog_cb, &clog);
	srv = smux_new(SMUX_SERVER, evlog_cb, &slog);
	sid = smux_open(c);
	assert_int_equal(smux_write(c, sid, "hi", 2), 0);
	pull_all(c, out, 1024);
	feed(srv, out);
	/* The server echoed from inside its callback. */
	pull_all(srv, out, 1024);
	feed(c, out);
	text = evlog_take(&clog);
	assert_string_equal(text, "DATA 3 6869");
	free(text);

	/* Our FIN; the server closes from its callback; its FIN is quiet. */
	assert_int_equal(smux_close(c, sid), 0);
	pull_all(c, out, 1024);
	feed(srv, out);
	assert_int_equal(smux_stream_count(srv), 0);
	pull_all(srv, out, 1024);
	assert_int_equal(evbuffer_get_length(out), SMUX_HEADER_LEN);
	feed(c, out);
	text = evlog_take(&clog);
	assert_string_equal(text, "");
	free(text);
	text = evlog_take(&slog);
	assert_string_equal(text, "OPEN 3\nDATA 3 6869\nFIN 3\n");
	free(text);
	assert_int_equal(smux_stream_count(c), 0);
	smux_free(c);
	smux_free(srv);
	evbuffer_free(out);
	evbuffer_free(clog.text);
	evbuffer_free(slog.text);
}

static void
test_smux_stream_ids(void **state)
{
	struct smux	*c, *srv;
	struct evbuffer	*in = evbuffer_new();
	uint32_t	 i, sid;

	srv = smux_new(SMUX_SERVER, NULL, NULL);
	assert_int_equal(smux_open(srv), 2);
	frame(in, 1, SMUX_CMD_SYN, 0, 4, NULL, 0);	/* the peer took 4 */
	feed(srv, in);
	assert_int_equal(smux_open(srv), 6);
	smux_free(srv);

	/* At most SMUX_MAX_STREAMS open at once. */
	c = smux_new(SMUX_CLIENT, NULL, NULL);
	for (i = 0; i < SMUX_MAX_STREAMS; i++) {
		sid = smux_open(c);
		assert_int_equal(sid, 3 + 2 * i);
	}
	assert_int_equal(smux_open(c), 0);
	assert_int_equal(smux_close(c, 3), 0);
	assert_int_equal(smux_open(c), 3 + 2 * SMUX_MAX_STREAMS);
	assert_int_equal(smux_stream_count(c), SMUX_MAX_STREAMS);
	smux_free(c);
	evbuffer_free(in);
}

static void
test_smux_protocol_errors(void **state)
{
	static const struct {
		uint8_t		 ver, cmd;
		const char	*cause;
	} cases[] = {
		{ 2, SMUX_CMD_SYN, "smux frame at byte 8: version 2 is not 1" },
		{ 0, SMUX_CMD_NOP, "smux frame at byte 8: version 0 is not 1" },
		{ 1, 5, "smux frame at byte 8: unknown command 5" },
		{ 1, 255, "smux frame at byte 8: unknown command 255" },
		{ 1, SMUX_CMD_UPD, "smux frame at byte 8: window update (UPD) "
		    "in a version 1 session" },
	};
	struct smux	*c;
	struct evbuffer	*in = evbuffer_new();
	size_t		 i;
	char		*cause;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		c = smux_new(SMUX_CLIENT, NULL, NULL);
		frame(in, 1, SMUX_CMD_NOP, 0, 0, NULL, 0);
		frame(in, cases[i].ver, cases[i].cmd, 8, 3, NULL, 0);
		assert_int_equal(smux_input(c, evbuffer_pullup(in, -1),
		    evbuffer_get_length(in), &cause), -1);
		assert_string_equal(cause, cases[i].cause);
		free(cause);
		evbuffer_drain(in, evbuffer_get_length(in));
		/* Failed for good: input refused, no new streams. */
		assert_int_equal(smux_input(c, (const uint8_t *)"", 0,
		    &cause), -1);
		assert_non_null(strstr(cause, "(earlier)"));
		free(cause);
		assert_int_equal(smux_open(c), 0);
		smux_free(c);
	}
	evbuffer_free(in);
}

/* Refusals queue FINs; a peer that floods SYNs hits a bound. */
static void
test_smux_refusals_are_bounded(void **state)
{
	struct smux	*c;
	struct evlog	 log;
	struct evbuffer	*in = evbuffer_new();
	uint32_t	 i, n = SMUX_MAX_CONTROL / SMUX_HEADER_LEN;
	char		*cause, *text;

	evlog_init(&log);
	c = smux_new(SMUX_CLIENT, NULL, NULL);
	for (i = 0; i < n; i++)
		frame(in, 1, SMUX_CMD_SYN, 0, 2 + 2 * i, NULL, 0);
	feed(c, in);
	assert_int_equal(smux_get_stats(c)->refused, n);
	assert_int_equal(smux_pending(c), SMUX_MAX_CONTROL);
	frame(in, 1, SMUX_CMD_SYN, 0, 2 + 2 * n, NULL, 0);
	assert_int_equal(smux_input(c, evbuffer_pullup(in, -1),
	    evbuffer_get_length(in), &cause), -1);
	xasprintf(&text, "smux frame at byte %u: SYN for stream %u after %u "
	    "refused streams not yet sent", n * SMUX_HEADER_LEN, 2 + 2 * n, n);
	assert_string_equal(cause, text);
	free(text);
	free(cause);
	smux_free(c);
	evbuffer_free(in);
	evbuffer_free(log.text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smux_vector_frames),
		cmocka_unit_test(test_smux_server_receiver_cases),
		cmocka_unit_test(test_smux_client_receiver_rules),
		cmocka_unit_test(test_smux_split_at_every_offset),
		cmocka_unit_test(test_smux_output_any_pull_size),
		cmocka_unit_test(test_smux_fair_to_interactive_streams),
		cmocka_unit_test(test_smux_round_robin_between_bulk_streams),
		cmocka_unit_test(test_smux_write_buffer_moves),
		cmocka_unit_test(test_smux_close_and_abort),
		cmocka_unit_test(test_smux_echo_through_callbacks),
		cmocka_unit_test(test_smux_stream_ids),
		cmocka_unit_test(test_smux_protocol_errors),
		cmocka_unit_test(test_smux_refusals_are_bounded),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

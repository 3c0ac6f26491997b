/*
 * chan_pump: one data channel (forwarders/ssm/chan.c) against awsemu,
 * moving bytes both ways at once, for the t_chan_*.sh scripts. Not
 * installed.
 *
 *	chan_pump -e ENDPOINT -t TARGET -l PORT [-p PORT_NUMBER] [-m MIB]
 *	    [-d DOCUMENT] [-r MIN_RESUMES] [-s SECONDS] [-P] [-v]
 *
 * It listens on 127.0.0.1:PORT as the target the emulated agent dials
 * (the world file maps the instance's PORT_NUMBER there), starts a
 * session to TARGET through the SSM API at ENDPOINT, and sends MIB MiB
 * down the channel while the target sends MIB MiB back. Both streams are
 * a known sequence, checked byte for byte as they arrive. Then it ends
 * the session and prints one line: bytes, seconds, resumes, resends.
 * Exit 0 when both arrived exact (and at least MIN_RESUMES resumes
 * happened), 1 otherwise with the reason on stderr. -P uses ws:// (the
 * plain listener) instead of wss:// with AWS_CA_BUNDLE.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <arpa/inet.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "aws.h"
#include "aws_ssm.h"
#include "log.h"
#include "ssm_chan.h"
#include "tls.h"
#include "util.h"
#include "xmalloc.h"

#define PUMP_HIGH	(1024 * 1024)	/* keep at most this much queued */
#define PUMP_BLOCK	(64 * 1024)

int	main(int, char **);
static void	pump_fail(const char *, ...)
		    __attribute__((format(printf, 1, 2)));

/* A stream of known bytes: byte i is a byte of splitmix64(seed + i / 8). */
struct pump_stream {
	uint64_t	seed;
	uint64_t	pos;
	uint64_t	total;
};

static struct event_base	*base;
static struct ssm_chan		*chan;
static struct bufferevent	*target;
/* up: chan -> target; down: target -> chan. */
static struct pump_stream	 up = { 0x5eed0001, 0, 0 };
static struct pump_stream	 up_check = { 0x5eed0001, 0, 0 };
static struct pump_stream	 down = { 0x5eed0002, 0, 0 };
static struct pump_stream	 down_check = { 0x5eed0002, 0, 0 };
static unsigned			 resumes, targets;
static int			 failed, terminated, closed;
static uint64_t			 start_ms;

static uint64_t
pump_mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return (x ^ (x >> 31));
}

static uint8_t
pump_byte(const struct pump_stream *s, uint64_t i)
{
	return ((pump_mix(s->seed + i / 8) >> (8 * (i % 8))) & 0xff);
}

/* The next n bytes of s into buf. */
static void
pump_fill(struct pump_stream *s, uint8_t *buf, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		buf[i] = pump_byte(s, s->pos + i);
	s->pos += n;
}

static void
pump_fail(const char *fmt, ...)
{
	va_list	ap;

	if (failed++)
		return;
	fprintf(stderr, "chan_pump: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	event_base_loopbreak(base);
}

/* Check n received bytes against s. */
static int
pump_check(struct pump_stream *s, const uint8_t *buf, size_t n,
    const char *what)
{
	size_t	i;

	if (s->pos + n > s->total) {
		pump_fail("%s: %llu bytes too many", what,
		    (unsigned long long)(s->pos + n - s->total));
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (buf[i] != pump_byte(s, s->pos + i)) {
			pump_fail("%s: byte %llu differs", what,
			    (unsigned long long)(s->pos + i));
			return (-1);
		}
	}
	s->pos += n;
	return (0);
}

static void
pump_maybe_done(void)
{
	if (terminated || up_check.pos != up.total ||
	    down_check.pos != down.total)
		return;
	terminated = 1;
	ssm_chan_terminate(chan, "pumped");
}

/*
 * The target side.
 */

static void
pump_target_write(struct bufferevent *bev)
{
	struct evbuffer	*out = bufferevent_get_output(bev);
	uint8_t		 buf[PUMP_BLOCK];
	size_t		 n;

	while (down.pos < down.total && evbuffer_get_length(out) < PUMP_HIGH) {
		n = down.total - down.pos;
		if (n > sizeof buf)
			n = sizeof buf;
		pump_fill(&down, buf, n);
		evbuffer_add(out, buf, n);
	}
}

static void
pump_target_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer	*in = bufferevent_get_input(bev);
	uint8_t		 buf[PUMP_BLOCK];
	size_t		 n;

	while ((n = evbuffer_remove(in, buf, sizeof buf)) > 0 &&
	    n != (size_t)-1) {
		if (pump_check(&up_check, buf, n, "to the target") != 0)
			return;
	}
	pump_maybe_done();
}

static void
pump_target_write_cb(struct bufferevent *bev, void *arg)
{
	pump_target_write(bev);
}

static void
pump_target_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		if (!terminated)
			pump_fail("the target connection ended early");
		bufferevent_free(bev);
		if (bev == target)
			target = NULL;
	}
}

static void
pump_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int len, void *arg)
{
	struct bufferevent	*bev;

	if (targets++ != 0) {
		pump_fail("the agent dialled the target again");
		close(fd);
		return;
	}
	bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(bev, pump_target_read_cb, pump_target_write_cb,
	    pump_target_event_cb, NULL);
	bufferevent_setwatermark(bev, EV_WRITE, PUMP_HIGH / 2, 0);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	target = bev;
	pump_target_write(bev);
}

/*
 * The chan side.
 */

static void
pump_chan_write(struct ssm_chan *c)
{
	struct evbuffer	*b = evbuffer_new();
	uint8_t		 buf[PUMP_BLOCK];
	size_t		 n, room;

	while (up.pos < up.total && (room = ssm_chan_room(c)) != 0) {
		n = up.total - up.pos;
		if (n > room)
			n = room;
		if (n > sizeof buf)
			n = sizeof buf;
		pump_fill(&up, buf, n);
		evbuffer_add(b, buf, n);
		if (ssm_chan_send(c, b) != n) {
			pump_fail("ssm_chan_send took less than its room");
			break;
		}
	}
	evbuffer_free(b);
}

static void
pump_open_cb(struct ssm_chan *c, const struct ssm_chan_info *info,
    void *arg)
{
	fprintf(stderr, "chan_pump: open, agent %s, mode %d\n",
	    info->agent_version, info->mode);
	pump_chan_write(c);
}

static int
pump_data_cb(struct ssm_chan *c, const uint8_t *buf, size_t len, void *arg)
{
	if (pump_check(&down_check, buf, len, "from the target") == 0)
		pump_maybe_done();
	return (0);
}

static void
pump_writable_cb(struct ssm_chan *c, void *arg)
{
	pump_chan_write(c);
}

static void
pump_event_cb(struct ssm_chan *c, enum ssm_chan_event ev, const char *detail,
    void *arg)
{
	if (ev == SSM_CHAN_EV_RESUMED)
		resumes++;
	if (ev == SSM_CHAN_EV_RESUMING || ev == SSM_CHAN_EV_RESUMED)
		fprintf(stderr, "chan_pump: %s: %s\n", ev ==
		    SSM_CHAN_EV_RESUMING ? "resuming" : "resumed", detail);
}

static void
pump_closed_cb(struct ssm_chan *c, const char *reason, const char *code,
    void *arg)
{
	closed = 1;
	if (!terminated)
		pump_fail("closed: %s", reason);
	event_base_loopbreak(base);
}

static const struct ssm_chan_cb pump_cb = {
	.open = pump_open_cb,
	.data = pump_data_cb,
	.writable = pump_writable_cb,
	.event = pump_event_cb,
	.closed = pump_closed_cb,
};

static void
pump_deadline_cb(evutil_socket_t fd, short events, void *arg)
{
	pump_fail("not done in time: %llu of %llu bytes to the target, %llu "
	    "of %llu from it", (unsigned long long)up_check.pos,
	    (unsigned long long)up.total, (unsigned long long)down_check.pos,
	    (unsigned long long)down.total);
}

static struct evconnlistener *
pump_listen(unsigned port)
{
	struct sockaddr_in	sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return (evconnlistener_new_bind(base, pump_accept_cb, NULL,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 16,
	    (struct sockaddr *)&sin, sizeof sin));
}

static void
pump_usage(void)
{
	fprintf(stderr, "usage: chan_pump -e endpoint -t target -l port "
	    "[-p port_number] [-m MiB] [-d document] [-r min_resumes] "
	    "[-s seconds] [-P] [-v]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct ssm_chan_params	 p;
	struct aws_ssm_param	 param;
	struct aws_options	 o;
	struct aws_client	*client;
	struct aws_ctx		*ctx;
	struct tls_client	*tls = NULL;
	struct evconnlistener	*l;
	struct event		*deadline;
	struct timeval		 tv;
	const char		*endpoint = NULL, *tgt = NULL, *doc;
	const char		*portnum = "22", *values[1];
	unsigned		 listen_port = 0, min_resumes = 0;
	unsigned		 seconds = 300;
	uint64_t		 mib = 50, ms;
	char			*cause = NULL;
	int			 ch, plain = 0, verbose = 0;

	doc = "AWS-StartPortForwardingSession";
	while ((ch = getopt(argc, argv, "d:e:l:m:p:Pr:s:t:v")) != -1) {
		switch (ch) {
		case 'd': doc = optarg; break;
		case 'e': endpoint = optarg; break;
		case 'l': listen_port = atoi(optarg); break;
		case 'm': mib = strtoull(optarg, NULL, 10); break;
		case 'p': portnum = optarg; break;
		case 'P': plain = 1; break;
		case 'r': min_resumes = atoi(optarg); break;
		case 's': seconds = atoi(optarg); break;
		case 't': tgt = optarg; break;
		case 'v': verbose = 1; break;
		default: pump_usage();
		}
	}
	if (endpoint == NULL || tgt == NULL || listen_port == 0)
		pump_usage();
	log_init("chan_pump", verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	up.total = up_check.total = down.total = down_check.total = mib << 20;

	/*
	 * As gatewayd does: a write to a WebSocket the emulator has reset
	 * (after a read saw the reset) fails with EPIPE and the chan resumes;
	 * unignored, SIGPIPE killed the pump without a word (exit 141).
	 */
	signal(SIGPIPE, SIG_IGN);
	base = event_base_new();
	memset(&o, 0, sizeof o);
	if ((client = aws_client_new(base, &o, &cause)) == NULL ||
	    (ctx = aws_ctx_new(client, NULL, NULL, endpoint, &cause)) == NULL)
		fatalx("aws: %s", cause);
	if (!plain && (tls = tls_client_new(getenv("AWS_CA_BUNDLE"), 0,
	    &cause)) == NULL)
		fatalx("tls: %s", cause);
	if ((l = pump_listen(listen_port)) == NULL)
		fatal("listen on 127.0.0.1:%u", listen_port);

	values[0] = portnum;
	param.key = "portNumber";
	param.values = values;
	param.nvalues = 1;
	memset(&p, 0, sizeof p);
	p.name = "pump";
	p.aws = ctx;
	p.target = tgt;
	p.document = doc;
	p.params = &param;
	p.nparams = 1;
	p.reason = "chan_pump";
	p.tls = tls;
	p.allow_plain_ws = plain;
	p.allow_loopback = 1;
	p.sign_upgrade = 1;	/* as gatewayd does: awsemu requires it */
	deadline = evtimer_new(base, pump_deadline_cb, NULL);
	tv.tv_sec = seconds;
	tv.tv_usec = 0;
	evtimer_add(deadline, &tv);

	start_ms = clock_now_ms();
	chan = ssm_chan_start(&p, &pump_cb, NULL);
	event_base_dispatch(base);
	ms = clock_now_ms() - start_ms;

	if (!failed && !closed)
		pump_fail("the loop ended early");
	if (!failed && resumes < min_resumes)
		pump_fail("%u resumes, want at least %u", resumes, min_resumes);
	if (!failed) {
		cJSON	*st = cJSON_CreateObject();

		ssm_chan_status(chan, st);
		printf("ok: %llu MiB each way in %.1f s, %u resumes, %.0f "
		    "resends\n", (unsigned long long)mib, ms / 1000.0, resumes,
		    cJSON_GetObjectItem(st, "resends")->valuedouble);
		cJSON_Delete(st);
	}
	ssm_chan_free(chan);
	if (target != NULL)
		bufferevent_free(target);
	evconnlistener_free(l);
	event_free(deadline);
	tls_client_free(tls);
	aws_ctx_free(ctx);
	aws_client_free(client);
	event_base_free(base);
	return (failed ? 1 : 0);
}

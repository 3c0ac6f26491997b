/*
 * Fuzz the control protocol: the input is what one client sends down the
 * control socket, through control.c's line reader, JSON parser and
 * dispatcher, with one tcp forward ("db") to name and a command that
 * answers from the loop ("later"). The client then shuts its side; the
 * daemon must answer and close, within a bounded number of turns of its
 * loop. Every line it sends must be a JSON object with a boolean "ok", one
 * per complete request line (a line too long gets one and ends the
 * connection; an unfinished last line gets none).
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>
#include <event2/event.h>

#include "config.h"
#include "control.h"
#include "fuzz.h"
#include "gateway.h"
#include "gatewayd.h"
#include "log.h"
#include "xmalloc.h"

/* Turns of the loop an input may take before it counts as a hang. */
#define FUZZ_TURNS	100000

static char	fuzz_dir[] = "/tmp/fuzz_control.XXXXXX";
static char	fuzz_sock[128];

static void
fuzz_later_cb(evutil_socket_t fd, short events, void *arg)
{
	control_reply(arg, cJSON_CreateObject());
}

/* A command that answers on the next turn of the loop. */
static void
fuzz_cmd_later(struct control_req *req, const cJSON *json)
{
	struct timeval	tv = { 0, 0 };

	event_base_once(gw_base, -1, EV_TIMEOUT, fuzz_later_cb, req, &tv);
}

static void
fuzz_done(void)
{
	control_stop();
	gateway_free();
	event_base_loop(gw_base, EVLOOP_NONBLOCK);
	gateway_free_dns();
	event_base_free(gw_base);
	rmdir(fuzz_dir);
}

static void
fuzz_init(void)
{
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*conf;
	char			*text, *cause = NULL;

	log_init("fuzz_control", LOG_LEVEL_WARN);
	if ((gw_base = event_base_new()) == NULL || mkdtemp(fuzz_dir) == NULL)
		abort();
	snprintf(fuzz_sock, sizeof fuzz_sock, "%s/control.sock", fuzz_dir);
	if (control_start(fuzz_sock, 0600, &cause) == -1) {
		fprintf(stderr, "%s\n", cause);
		abort();
	}
	xasprintf(&text, "[forward \"db\"]\nlisten = unix:%s/db.sock\n"
	    "target = 127.0.0.1\nremote_port = 9\n", fuzz_dir);
	/* gateway_start keeps conf; gateway_free frees it. */
	conf = config_load_buffer("fuzz.conf", text, strlen(text), &errs);
	if (conf == NULL || gateway_start(conf, &cause) == -1) {
		fprintf(stderr, "%s\n", conf == NULL ? errs.v[0] : cause);
		abort();
	}
	free(text);
	control_register("later", fuzz_cmd_later);
	atexit(fuzz_done);
}

static int
fuzz_connect(void)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, fuzz_sock, sizeof sun.sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1 || connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1)
		abort();
	return (fd);
}

/* The request lines: how many complete ones, and is any too long? */
static size_t
fuzz_lines(const uint8_t *data, size_t size, int *too_long)
{
	const uint8_t	*p = data, *nl, *end = data + size;
	size_t		 n = 0;

	*too_long = 0;
	while (p < end && (nl = memchr(p, '\n', end - p)) != NULL) {
		if ((size_t)(nl - p) > CONTROL_MAX_LINE)
			*too_long = 1;
		n++;
		p = nl + 1;
	}
	if ((size_t)(end - p) > CONTROL_MAX_LINE)
		*too_long = 1;
	return (n);
}

/* Check one reply line. */
static void
fuzz_check_reply(const char *line, size_t len)
{
	cJSON	*r;

	if ((r = cJSON_ParseWithLength(line, len)) == NULL ||
	    !cJSON_IsObject(r) || !cJSON_IsBool(cJSON_GetObjectItem(r, "ok"))) {
		fprintf(stderr, "bad reply: %.*s\n", (int)len, line);
		abort();
	}
	cJSON_Delete(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct evbuffer	*in;
	char		 buf[65536], *line;
	size_t		 off = 0, lines, replies = 0, len;
	ssize_t		 n;
	int		 fd, turns, eof = 0, shut = 0, too_long;

	if (gw_base == NULL)
		fuzz_init();
	lines = fuzz_lines(data, size, &too_long);
	in = evbuffer_new();
	fd = fuzz_connect();
	for (turns = 0; !eof && turns < FUZZ_TURNS; turns++) {
		if (off < size) {
			n = send(fd, data + off, size - off, MSG_NOSIGNAL);
			if (n > 0)
				off += n;
			else if (n == -1 && errno != EAGAIN)
				off = size;	/* closed on us: fine */
		}
		if (off == size && !shut) {
			shutdown(fd, SHUT_WR);
			shut = 1;
		}
		event_base_loop(gw_base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
		while ((n = recv(fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
			evbuffer_add(in, buf, n);
		if (n == 0 || (n == -1 && errno != EAGAIN))
			eof = 1;
		while ((line = evbuffer_readln(in, &len,
		    EVBUFFER_EOL_LF)) != NULL) {
			fuzz_check_reply(line, len);
			replies++;
			free(line);
		}
	}
	if (!eof) {
		fprintf(stderr, "the daemon did not close the connection\n");
		abort();
	}
	if (evbuffer_get_length(in) != 0) {
		fprintf(stderr, "a reply without its newline\n");
		abort();
	}
	if (replies > lines + too_long || (!too_long && replies != lines)) {
		fprintf(stderr, "%zu request lines, %zu replies\n", lines,
		    replies);
		abort();
	}
	evbuffer_free(in);
	close(fd);
	event_base_loop(gw_base, EVLOOP_NONBLOCK);
	return (0);
}

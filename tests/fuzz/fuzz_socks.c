/*
 * Fuzz the SOCKS5 parser (forwarders/socks/proto.c) as the forwarder
 * drives it: a client's bytes, in pieces, through the greeting, the
 * username/password sub-negotiation and the request. The first byte
 * plays the server: bit 0 chooses the password method when it is
 * offered, bits 1-4 the size of the pieces (1 to 16 bytes, 0: all at
 * once).
 *
 * A piece is taken whole unless a message ends or fails in it; a result
 * is one the header promises, with the fields it promises; a failure
 * says why; nothing is taken after the request or a failure. A request
 * is then routed (socks_route.h) as the forwarder would: a match has a
 * target, and a remote host for a route with via.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "socks_proto.h"
#include "socks_route.h"

/* One route of each kind and form. */
static char *fuzz_socks_lines[] = {
	"i-0123*.eu-*",
	"mi-*",
	"*.internal via tag:Name=bastion",
	"10.0.0.0/8 via i-0123456789abcdef0",
	"fd00::/8 via i-0123456789abcdef0",
	"i-* ",
	"*.EXAMPLE.com via ecs:cluster_task_runtime",
};

/* Route a parsed request; what matched must say where it goes. */
static void
fuzz_socks_route(const struct socks_dest *d)
{
	static struct socks_routes	 rs;
	static int			 ready;
	struct socks_match		 m;
	char				*cause;

	if (!ready) {
		if (socks_routes_parse(fuzz_socks_lines, sizeof
		    fuzz_socks_lines / sizeof fuzz_socks_lines[0], &rs,
		    &cause) != 0)
			abort();
		ready = 1;
	}
	if (socks_route_find(&rs, d, "eu-west-1", &m) != SOCKS_ROUTE_MATCHED)
		return;
	if (m.target == NULL || m.index >= rs.n || m.port != d->port ||
	    (rs.v[m.index].via != NULL) != (m.remote_host != NULL))
		abort();
}

/* A message the parser returned must be complete and consistent. */
static void
fuzz_socks_check(const struct socks_parser *p, enum socks_result r)
{
	char	text[SOCKS_DEST_STR_MAX];

	switch (r) {
	case SOCKS_REQUEST:
		if (p->phase != SOCKS_PHASE_DONE)
			abort();
		if (p->dest.atyp == SOCKS_ATYP_DOMAIN &&
		    (p->dest.name[0] == '\0' || strlen(p->dest.name) > 255))
			abort();
		socks_proto_dest_str(&p->dest, text, sizeof text);
		if (strlen(text) >= sizeof text)
			abort();
		fuzz_socks_route(&p->dest);
		break;
	case SOCKS_AUTH:
		if (p->user[0] == '\0' || p->password[0] == '\0')
			abort();
		break;
	case SOCKS_BAD:
		if (p->why[0] == '\0' || p->phase != SOCKS_PHASE_FAILED ||
		    p->reply < -1 || p->reply > 0xff)
			abort();
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct socks_parser	 p;
	enum socks_result	 r = SOCKS_MORE;
	uint8_t			 out[SOCKS_REPLY_LEN];
	size_t			 chunk, off = 1, n, used;
	int			 password;

	if (size == 0)
		return (0);
	password = data[0] & 1;
	chunk = (data[0] >> 1) & 0x0f;
	socks_proto_init(&p);
	while (off < size && r != SOCKS_BAD && r != SOCKS_REQUEST) {
		n = size - off;
		if (chunk != 0 && n > chunk)
			n = chunk;
		r = socks_proto_parse(&p, data + off, n, &used);
		if (used > n || (r == SOCKS_MORE && used != n))
			abort();
		off += used;
		fuzz_socks_check(&p, r);
		if (r == SOCKS_GREETING)
			socks_proto_expect(&p, password &&
			    socks_proto_offers(&p, SOCKS_METHOD_PASSWORD) ?
			    SOCKS_METHOD_PASSWORD : SOCKS_METHOD_NONE);
	}
	if (r == SOCKS_REQUEST || r == SOCKS_BAD) {
		if (socks_proto_parse(&p, data, size, &used) != SOCKS_BAD ||
		    used != 0)
			abort();
		(void)socks_proto_reply(out, (uint8_t)p.reply);
		(void)socks_proto_rep_name((uint8_t)p.reply);
	}
	socks_proto_clear(&p);
	return (0);
}

/*
 * SOCKS5 messages (RFC 1928) and the username/password sub-negotiation
 * (RFC 1929): an incremental parser and the replies. Pure: no sockets,
 * timers or allocation. The forwarder (fwd_socks.c) feeds it what the
 * client sends, answers, and decides where a request may go.
 *
 * Each message is copied into the parser as it comes, and its length
 * worked out from its fields as they arrive: a byte that cannot be right
 * (a version, an empty method list, an address type) fails the message
 * at once, without waiting for the rest.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "socks_proto.h"

void
socks_proto_init(struct socks_parser *p)
{
	memset(p, 0, sizeof *p);
	p->phase = SOCKS_PHASE_GREETING;
	p->need = 1;
	p->reply = -1;
}

void
socks_proto_clear(struct socks_parser *p)
{
	explicit_bzero(p->buf, sizeof p->buf);
	explicit_bzero(p->user, sizeof p->user);
	explicit_bzero(p->password, sizeof p->password);
}

/* Fail the message: say why, and what to reply. */
static enum socks_result __attribute__((format(printf, 3, 4)))
socks_proto_bad(struct socks_parser *p, int reply, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(p->why, sizeof p->why, fmt, ap);
	va_end(ap);
	p->reply = reply;
	p->phase = SOCKS_PHASE_FAILED;
	socks_proto_clear(p);
	return (SOCKS_BAD);
}

/* The next message starts: its first byte is its version. */
static void
socks_proto_next(struct socks_parser *p, enum socks_phase phase)
{
	p->phase = phase;
	p->have = 0;
	p->need = 1;
}

/* VER NMETHODS METHODS..., buf holding the first p->have bytes. */
static enum socks_result
socks_proto_greeting(struct socks_parser *p)
{
	size_t	i;

	if (p->have == 1) {
		if (p->buf[0] != SOCKS_VERSION)
			return (socks_proto_bad(p, -1, "version %u, not 5",
			    p->buf[0]));
		p->need = 2;
		return (SOCKS_MORE);
	}
	if (p->have == 2) {
		if (p->buf[1] == 0)
			return (socks_proto_bad(p, SOCKS_METHOD_REFUSE,
			    "a greeting that offers no method"));
		p->need = 2 + p->buf[1];
		return (SOCKS_MORE);
	}
	p->methods = 0;
	for (i = 2; i < p->have; i++) {
		if (p->buf[i] < 32)
			p->methods |= 1U << p->buf[i];
	}
	return (SOCKS_GREETING);
}

/* VER ULEN UNAME PLEN PASSWD (RFC 1929). */
static enum socks_result
socks_proto_auth(struct socks_parser *p)
{
	size_t	ulen, plen;

	if (p->have == 1) {
		if (p->buf[0] != SOCKS_AUTH_VERSION)
			return (socks_proto_bad(p, 1, "username/password "
			    "version %u, not 1", p->buf[0]));
		p->need = 2;
		return (SOCKS_MORE);
	}
	ulen = p->buf[1];
	if (p->have == 2) {
		if (ulen == 0)
			return (socks_proto_bad(p, 1, "an empty username"));
		p->need = 2 + ulen + 1;
		return (SOCKS_MORE);
	}
	plen = p->buf[2 + ulen];
	if (p->have == 2 + ulen + 1) {
		if (plen == 0)
			return (socks_proto_bad(p, 1, "an empty password"));
		p->need = 2 + ulen + 1 + plen;
		return (SOCKS_MORE);
	}
	if (memchr(p->buf + 2, '\0', ulen) != NULL ||
	    memchr(p->buf + 3 + ulen, '\0', plen) != NULL)
		return (socks_proto_bad(p, 1, "a NUL in the username or "
		    "password"));
	memcpy(p->user, p->buf + 2, ulen);
	p->user[ulen] = '\0';
	memcpy(p->password, p->buf + 3 + ulen, plen);
	p->password[plen] = '\0';
	explicit_bzero(p->buf, p->have);
	socks_proto_next(p, SOCKS_PHASE_REQUEST);
	return (SOCKS_AUTH);
}

/* VER CMD RSV ATYP: the length of the address that follows. */
static enum socks_result
socks_proto_request_head(struct socks_parser *p)
{
	if (p->buf[2] != 0)
		return (socks_proto_bad(p, SOCKS_REP_FAILURE, "reserved byte "
		    "0x%02x, not 0", p->buf[2]));
	switch (p->buf[3]) {
	case SOCKS_ATYP_IPV4:
		p->need = 4 + 4 + 2;
		break;
	case SOCKS_ATYP_IPV6:
		p->need = 4 + 16 + 2;
		break;
	case SOCKS_ATYP_DOMAIN:
		p->need = 5;
		break;
	default:
		return (socks_proto_bad(p, SOCKS_REP_ATYP, "address type %u",
		    p->buf[3]));
	}
	return (SOCKS_MORE);
}

/* The whole request is in buf: fill cmd and dest. */
static enum socks_result
socks_proto_request_done(struct socks_parser *p)
{
	struct socks_dest	*d = &p->dest;
	size_t			 alen;

	memset(d, 0, sizeof *d);
	p->cmd = p->buf[1];
	d->atyp = p->buf[3];
	if (d->atyp == SOCKS_ATYP_DOMAIN) {
		alen = p->buf[4];
		/* A NUL would cut the name short of what it says:
		 * "x\0.internal" must not match *.internal. */
		if (memchr(p->buf + 5, '\0', alen) != NULL)
			return (socks_proto_bad(p, SOCKS_REP_FAILURE,
			    "a NUL in the name"));
		memcpy(d->name, p->buf + 5, alen);
		d->name[alen] = '\0';
		alen++;
	} else {
		alen = d->atyp == SOCKS_ATYP_IPV4 ? 4 : 16;
		memcpy(d->addr, p->buf + 4, alen);
	}
	d->port = (uint16_t)(p->buf[4 + alen] << 8 | p->buf[4 + alen + 1]);
	p->phase = SOCKS_PHASE_DONE;
	return (SOCKS_REQUEST);
}

/* VER CMD RSV ATYP DST.ADDR DST.PORT. */
static enum socks_result
socks_proto_request(struct socks_parser *p)
{
	if (p->have == 1) {
		if (p->buf[0] != SOCKS_VERSION)
			return (socks_proto_bad(p, SOCKS_REP_FAILURE,
			    "request version %u, not 5", p->buf[0]));
		p->need = 4;
		return (SOCKS_MORE);
	}
	if (p->have == 4)
		return (socks_proto_request_head(p));
	if (p->have == 5 && p->buf[3] == SOCKS_ATYP_DOMAIN) {
		if (p->buf[4] == 0)
			return (socks_proto_bad(p, SOCKS_REP_FAILURE,
			    "an empty name"));
		p->need = 5 + p->buf[4] + 2;
		return (SOCKS_MORE);
	}
	return (socks_proto_request_done(p));
}

/* p->have == p->need: the message is complete, or its length grows. */
static enum socks_result
socks_proto_step(struct socks_parser *p)
{
	switch (p->phase) {
	case SOCKS_PHASE_GREETING:
		return (socks_proto_greeting(p));
	case SOCKS_PHASE_AUTH:
		return (socks_proto_auth(p));
	case SOCKS_PHASE_REQUEST:
		return (socks_proto_request(p));
	default:
		break;
	}
	return (socks_proto_bad(p, -1, "bytes after the request"));
}

enum socks_result
socks_proto_parse(struct socks_parser *p, const uint8_t *buf, size_t len,
    size_t *used)
{
	enum socks_result	 r;
	size_t			 off = 0, n;

	*used = 0;
	if (p->phase == SOCKS_PHASE_FAILED)
		return (SOCKS_BAD);
	if (p->phase == SOCKS_PHASE_DONE)
		return (socks_proto_bad(p, -1, "bytes after the request"));
	/* A greeting waits for socks_proto_expect. */
	if (p->phase == SOCKS_PHASE_GREETING && p->have != 0 &&
	    p->have == p->need)
		return (socks_proto_bad(p, -1, "no method chosen"));
	while (off < len) {
		n = p->need - p->have;
		if (n > len - off)
			n = len - off;
		memcpy(p->buf + p->have, buf + off, n);
		p->have += n;
		off += n;
		if (p->have < p->need)
			break;
		if ((r = socks_proto_step(p)) != SOCKS_MORE) {
			*used = off;
			return (r);
		}
	}
	*used = off;
	return (SOCKS_MORE);
}

void
socks_proto_expect(struct socks_parser *p, uint8_t method)
{
	explicit_bzero(p->buf, p->have);
	if (method == SOCKS_METHOD_PASSWORD)
		socks_proto_next(p, SOCKS_PHASE_AUTH);
	else
		socks_proto_next(p, SOCKS_PHASE_REQUEST);
}

int
socks_proto_offers(const struct socks_parser *p, uint8_t method)
{
	return (method < 32 && (p->methods & (1U << method)) != 0);
}

size_t
socks_proto_method_reply(uint8_t *out, uint8_t method)
{
	out[0] = SOCKS_VERSION;
	out[1] = method;
	return (SOCKS_METHOD_REPLY_LEN);
}

/* RFC 1929: status 0 is success, anything else a failure. */
size_t
socks_proto_auth_reply(uint8_t *out, int ok)
{
	out[0] = SOCKS_AUTH_VERSION;
	out[1] = ok ? 0x00 : 0x01;
	return (SOCKS_AUTH_REPLY_LEN);
}

/*
 * The far side's bound address means nothing to a client behind a
 * Session Manager tunnel (it is on another network), so it is zero, as
 * many servers send it.
 */
size_t
socks_proto_reply(uint8_t *out, uint8_t rep)
{
	memset(out, 0, SOCKS_REPLY_LEN);
	out[0] = SOCKS_VERSION;
	out[1] = rep;
	out[3] = SOCKS_ATYP_IPV4;
	return (SOCKS_REPLY_LEN);
}

const char *
socks_proto_rep_name(uint8_t rep)
{
	static const char *const names[] = {
		"succeeded",
		"general SOCKS server failure",
		"connection not allowed by ruleset",
		"network unreachable",
		"host unreachable",
		"connection refused",
		"TTL expired",
		"command not supported",
		"address type not supported",
	};

	if (rep < sizeof names / sizeof names[0])
		return (names[rep]);
	return ("unassigned");
}

void
socks_proto_dest_str(const struct socks_dest *d, char *out, size_t len)
{
	char	 host[SOCKS_DEST_STR_MAX], *s;

	switch (d->atyp) {
	case SOCKS_ATYP_IPV4:
		inet_ntop(AF_INET, d->addr, host, sizeof host);
		snprintf(out, len, "%s:%u", host, d->port);
		return;
	case SOCKS_ATYP_IPV6:
		inet_ntop(AF_INET6, d->addr, host, sizeof host);
		snprintf(out, len, "[%s]:%u", host, d->port);
		return;
	default:
		strlcpy(host, d->name, sizeof host);
		for (s = host; *s != '\0'; s++) {
			if ((unsigned char)*s <= 0x20 ||
			    (unsigned char)*s >= 0x7f)
				*s = '?';
		}
		snprintf(out, len, "%s:%u", host, d->port);
		return;
	}
}

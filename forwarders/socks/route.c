/*
 * A socks forward's routes: parsed from its route lines when the config
 * is checked (so a bad one is an error with its file and line), then
 * matched against each request's destination, first match wins.
 * socks_route.h has the forms. What the target then says (no such
 * instance, a refused port) is the on-demand forward's business.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_endpoints.h"
#include "config.h"
#include "forwarder.h"
#include "listener.h"
#include "socks_proto.h"
#include "socks_route.h"
#include "xmalloc.h"

/* A target a session can start to, as the ssm forwarder checks one. */
static int
socks_route_check_via(const char *via, char **cause)
{
	if (*via == '\0') {
		*cause = xstrdup("via: a TARGET is needed");
		return (-1);
	}
	return (fwd_ssm_check_target(via, cause));
}

/* An address, or a CIDR: ADDR/PREFIX. Return 1 if word is one, -1 if it
 * is a bad one, 0 if it is no address at all. */
static int
socks_route_parse_cidr(const char *word, struct socks_route *r,
    char **cause)
{
	char		 addr[INET6_ADDRSTRLEN], *end;
	const char	*slash = strchr(word, '/');
	size_t		 len = slash != NULL ? (size_t)(slash - word) :
	    strlen(word);
	unsigned long	 prefix;

	if (len >= sizeof addr)
		return (slash != NULL ? -1 : 0);
	memcpy(addr, word, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, r->cidr.addr) == 1)
		r->cidr.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, r->cidr.addr) == 1)
		r->cidr.family = AF_INET6;
	else if (slash == NULL)
		return (0);
	else {
		xasprintf(cause, "\"%s\" is not an address/prefix", word);
		return (-1);
	}
	r->cidr.kind = ALLOW_CIDR;
	r->cidr.prefix = r->cidr.family == AF_INET ? 32 : 128;
	if (slash != NULL) {
		prefix = strtoul(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || *end != '\0' ||
		    prefix > r->cidr.prefix) {
			xasprintf(cause, "\"%s\": the prefix is not 0-%u", word,
			    r->cidr.prefix);
			return (-1);
		}
		r->cidr.prefix = prefix;
	}
	r->kind = SOCKS_ROUTE_CIDR;
	return (1);
}

/* An instance route: an id glob, maybe a region glob after a dot. */
static int
socks_route_parse_instance(const char *word, struct socks_route *r)
{
	const char	*dot = strchr(word, '.');
	size_t		 idlen = dot != NULL ? (size_t)(dot - word) :
	    strlen(word);

	if (strncmp(word, "i-", 2) != 0 && strncmp(word, "mi-", 3) != 0)
		return (0);
	if (strspn(word, "imabcdef0123456789-*?[]!") < idlen)
		return (0);
	if (dot != NULL && (dot[1] == '\0' ||
	    strspn(dot + 1, "abcdefghijklmnopqrstuvwxyz0123456789-*?[]!") !=
	    strlen(dot + 1)))
		return (0);
	r->kind = SOCKS_ROUTE_INSTANCE;
	r->glob = xstrndup(word, idlen);
	r->region = dot != NULL ? xstrdup(dot + 1) : NULL;
	return (1);
}

/* The pattern of a route with via: a CIDR or a host glob. */
static int
socks_route_parse_via(const char *word, struct socks_route *r, char **cause)
{
	int	rv;

	if ((rv = socks_route_parse_cidr(word, r, cause)) != 0)
		return (rv == 1 ? 0 : -1);
	if (strspn(word, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.*?[]!") != strlen(word)) {
		xasprintf(cause, "\"%s\" is neither a host pattern (letters, "
		    "digits, -_. and * ? [ ]) nor an address/prefix", word);
		return (-1);
	}
	r->kind = SOCKS_ROUTE_HOST;
	r->glob = xstrdup(word);
	return (0);
}

int
socks_route_parse(const char *text, struct socks_route *r, char **cause)
{
	const char	*p = text + strspn(text, " \t"), *rest;
	char		*word;
	int		 rv = -1;

	memset(r, 0, sizeof *r);
	rest = p + strcspn(p, " \t");
	word = xstrndup(p, rest - p);
	rest += strspn(rest, " \t");
	if (*word == '\0')
		xasprintf(cause, "a pattern is needed (i-*, *.internal via "
		    "TARGET, 10.0.0.0/8 via TARGET)");
	else if (*rest != '\0' && (strncmp(rest, "via", 3) != 0 ||
	    (rest[3] != ' ' && rest[3] != '\t' && rest[3] != '\0')))
		xasprintf(cause, "\"%s\": after the pattern only \"via "
		    "TARGET\" may follow", rest);
	else if (*rest == '\0') {
		if (socks_route_parse_instance(word, r))
			rv = 0;
		else
			xasprintf(cause, "\"%s\" is not an instance id pattern "
			    "(i-*, i-0abc*.eu-west-1): name the instance that "
			    "reaches it (%s via TARGET)", word, word);
	} else {
		r->via = xstrdup(rest + 3 + strspn(rest + 3, " \t"));
		if (socks_route_check_via(r->via, cause) == 0 &&
		    socks_route_parse_via(word, r, cause) == 0)
			rv = 0;
	}
	free(word);
	if (rv == 0)
		r->text = xstrdup(p);
	else
		socks_route_clear(r);
	return (rv);
}

void
socks_route_clear(struct socks_route *r)
{
	free(r->text);
	free(r->glob);
	free(r->region);
	free(r->via);
	memset(r, 0, sizeof *r);
}

int
socks_routes_parse(char *const *lines, size_t n, struct socks_routes *rs,
    char **cause)
{
	char	*why;
	size_t	 i;

	rs->v = xcalloc(n == 0 ? 1 : n, sizeof *rs->v);
	rs->n = 0;
	for (i = 0; i < n; i++) {
		if (socks_route_parse(lines[i], &rs->v[i], &why) != 0) {
			xasprintf(cause, "route %s: %s", lines[i], why);
			free(why);
			socks_routes_free(rs);
			return (-1);
		}
		rs->n++;
	}
	return (0);
}

void
socks_routes_free(struct socks_routes *rs)
{
	size_t	i;

	for (i = 0; i < rs->n; i++)
		socks_route_clear(&rs->v[i]);
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}

/*
 * A name a host may have: letters, digits, '-' and '_', labels of 1 to
 * 63 bytes split by dots (one at the end allowed), 253 bytes at most.
 */
static int
socks_route_is_hostname(const char *s)
{
	size_t	len = strlen(s), label = 0, i;

	if (len == 0 || len > 253 || s[0] == '.' || s[0] == '-')
		return (0);
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return (0);
			label = 0;
		} else if (isalnum((unsigned char)s[i]) || s[i] == '-' ||
		    s[i] == '_') {
			if (++label > 63)
				return (0);
		} else
			return (0);
	}
	return (1);
}

/* A destination, sorted: an address, an instance id or a host name. */
struct socks_route_dest {
	enum socks_route_kind	 kind;
	struct sockaddr_storage	 ss;		/* an address */
	socklen_t		 sslen;
	char			 text[256];	/* the address as text */
	char			 id[24];
	const char		*suffix;	/* region, or NULL */
	const char		*name;
};

/* An address of family from the bytes at addr, into rd; v4-mapped v6
 * is v4, for the routes and as the remote host. */
static void
socks_route_sort_addr(int family, const uint8_t *addr,
    struct socks_route_dest *rd)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&rd->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&rd->ss;
	static const uint8_t	 mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (family == AF_INET6 && memcmp(addr, mapped, 12) == 0) {
		family = AF_INET;
		addr += 12;
	}
	memset(&rd->ss, 0, sizeof rd->ss);
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, 4);
		rd->sslen = sizeof *sin;
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, 16);
		rd->sslen = sizeof *sin6;
	}
	inet_ntop(family, addr, rd->text, sizeof rd->text);
	rd->kind = SOCKS_ROUTE_CIDR;
}

/* Sort d: 0, or -1 if it is a name no host can have. */
static int
socks_route_sort(const struct socks_dest *d, struct socks_route_dest *rd)
{
	const char	*dot;
	uint8_t		 addr[16];
	size_t		 idlen;

	memset(rd, 0, sizeof *rd);
	if (d->atyp == SOCKS_ATYP_IPV4 || d->atyp == SOCKS_ATYP_IPV6) {
		socks_route_sort_addr(d->atyp == SOCKS_ATYP_IPV4 ? AF_INET :
		    AF_INET6, d->addr, rd);
		return (0);
	}
	if (inet_pton(AF_INET, d->name, addr) == 1) {
		socks_route_sort_addr(AF_INET, addr, rd);
		return (0);
	}
	if (inet_pton(AF_INET6, d->name, addr) == 1) {
		socks_route_sort_addr(AF_INET6, addr, rd);
		return (0);
	}
	if (!socks_route_is_hostname(d->name))
		return (-1);
	rd->kind = SOCKS_ROUTE_HOST;
	rd->name = d->name;
	dot = strchr(d->name, '.');
	idlen = dot != NULL ? (size_t)(dot - d->name) : strlen(d->name);
	if (idlen >= sizeof rd->id)
		return (0);
	memcpy(rd->id, d->name, idlen);
	rd->id[idlen] = '\0';
	if (!fwd_ssm_is_instance(rd->id) || (dot != NULL &&
	    !aws_endpoint_region_is_valid(dot + 1)))
		return (0);
	rd->kind = SOCKS_ROUTE_INSTANCE;
	rd->suffix = dot != NULL ? dot + 1 : NULL;
	return (0);
}

/* 1 if route r takes destination rd; region: the forward's. */
static int
socks_route_matches(const struct socks_route *r,
    const struct socks_route_dest *rd, const char *region)
{
	struct allow_list	 one = { (struct allow_rule *)&r->cidr, 1, NULL };
	const char		*want;

	if (r->kind != rd->kind)
		return (0);
	switch (r->kind) {
	case SOCKS_ROUTE_INSTANCE:
		if (fnmatch(r->glob, rd->id, 0) != 0)
			return (0);
		want = rd->suffix != NULL ? rd->suffix : region;
		return (r->region == NULL ||
		    (want != NULL && fnmatch(r->region, want, 0) == 0));
	case SOCKS_ROUTE_HOST:
		return (fnmatch(r->glob, rd->name, FNM_CASEFOLD) == 0);
	case SOCKS_ROUTE_CIDR:
		return (listener_allow_addr(&one,
		    (const struct sockaddr *)&rd->ss, rd->sslen));
	}
	return (0);
}

enum socks_route_result
socks_route_find(const struct socks_routes *rs, const struct socks_dest *d,
    const char *region, struct socks_match *m)
{
	struct socks_route_dest	 rd;
	const struct socks_route *r;
	size_t			 i;

	if (socks_route_sort(d, &rd) != 0)
		return (SOCKS_ROUTE_BAD_NAME);
	for (i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		if (socks_route_matches(r, &rd, region))
			break;
	}
	if (i == rs->n)
		return (SOCKS_ROUTE_UNMATCHED);
	memset(m, 0, sizeof *m);
	m->index = i;
	m->port = d->port;
	if (r->kind == SOCKS_ROUTE_INSTANCE) {
		strlcpy(m->id, rd.id, sizeof m->id);
		m->target = m->id;
		if (rd.suffix != NULL) {
			strlcpy(m->suffix, rd.suffix, sizeof m->suffix);
			m->region = m->suffix;
		}
		return (SOCKS_ROUTE_MATCHED);
	}
	m->target = r->via;
	strlcpy(m->host, r->kind == SOCKS_ROUTE_CIDR ? rd.text : rd.name,
	    sizeof m->host);
	/* Names are the same in any case: one key, one session, for all. */
	for (i = 0; m->host[i] != '\0'; i++)
		m->host[i] = tolower((unsigned char)m->host[i]);
	m->remote_host = m->host;
	return (SOCKS_ROUTE_MATCHED);
}

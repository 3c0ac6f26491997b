/*
 * Addresses in gatewayd.conf: where a forward listens (host:port,
 * [v6addr]:port, unix:/path), whether two listeners would clash, and who
 * may connect (CIDRs for TCP; user:, group:, uid:, gid: for unix sockets,
 * names looked up when the config is read).
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"
#include "config_int.h"

/* Entries one forward's allow list may hold. */
#define CONFIG_MAX_ALLOW	1024

/* Parse a unix: listen address after the prefix. */
static int
config_addr_listen_unix(const char *path, struct listen_spec *ls,
    char **cause)
{
	if (config_value_check_path(path, cause) != 0)
		return (-1);
	memset(ls, 0, sizeof *ls);
	ls->kind = LISTEN_UNIX;
	ls->path = xstrdup(path);
	xasprintf(&ls->text, "unix:%s", path);
	return (0);
}

/* Fill ss from a numeric host (or localhost) and a port. */
static int
config_addr_listen_inet(const char *host, int bracketed, unsigned port,
    struct listen_spec *ls, char **cause)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ls->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ls->ss;
	char			 buf[INET6_ADDRSTRLEN];

	memset(ls, 0, sizeof *ls);
	ls->kind = LISTEN_TCP;
	if (!bracketed && strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (!bracketed && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		ls->sslen = sizeof *sin;
		inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
		xasprintf(&ls->text, "%s:%u", buf, port);
		return (0);
	}
	if (bracketed && inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			xasprintf(cause, "[%s] is an IPv4-mapped address; "
			    "write the IPv4 address", host);
			return (-1);
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		ls->sslen = sizeof *sin6;
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf);
		xasprintf(&ls->text, "[%s]:%u", buf, port);
		return (0);
	}
	if (bracketed)
		xasprintf(cause, "\"%s\" is not an IPv6 address", host);
	else
		xasprintf(cause, "\"%s\" is not a numeric address or localhost",
		    host);
	return (-1);
}

int
config_addr_listen(const char *s, struct listen_spec *ls, char **cause)
{
	const char	*colon, *end;
	char		*host, *why;
	uint64_t	 port;
	int		 bracketed = 0, rv;

	if (strncmp(s, "unix:", 5) == 0)
		return (config_addr_listen_unix(s + 5, ls, cause));
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':') {
			xasprintf(cause, "\"%s\" is not [v6addr]:port", s);
			return (-1);
		}
		host = xstrndup(s + 1, end - s - 1);
		colon = end + 1;
		bracketed = 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL) {
			xasprintf(cause, "\"%s\" has no port (host:port, "
			    "[v6addr]:port or unix:/path)", s);
			return (-1);
		}
		host = xstrndup(s, colon - s);
		if (strchr(host, ':') != NULL) {
			xasprintf(cause, "\"%s\": an IPv6 address goes in "
			    "brackets ([v6addr]:port)", s);
			free(host);
			return (-1);
		}
	}
	if (config_value_uint(colon + 1, 1, 65535, &port, &why) != 0) {
		xasprintf(cause, "port %s", why);
		free(why);
		free(host);
		return (-1);
	}
	rv = config_addr_listen_inet(host, bracketed, port, ls, cause);
	free(host);
	return (rv);
}

int
config_addr_is_loopback(const struct listen_spec *ls)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	switch (ls->ss.ss_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)&ls->ss;
		return ((ntohl(sin->sin_addr.s_addr) >> 24) == 127);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)&ls->ss;
		return (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	}
	return (ls->kind == LISTEN_UNIX);
}

/* The address bytes and port of a TCP listen spec. */
static size_t
config_addr_bytes(const struct listen_spec *ls, const uint8_t **addr,
    in_port_t *port)
{
	const struct sockaddr_in	*sin = (const void *)&ls->ss;
	const struct sockaddr_in6	*sin6 = (const void *)&ls->ss;

	if (ls->ss.ss_family == AF_INET) {
		*addr = (const uint8_t *)&sin->sin_addr;
		*port = sin->sin_port;
		return (sizeof sin->sin_addr);
	}
	*addr = (const uint8_t *)&sin6->sin6_addr;
	*port = sin6->sin6_port;
	return (sizeof sin6->sin6_addr);
}

int
config_addr_overlaps(const struct listen_spec *a,
    const struct listen_spec *b)
{
	static const uint8_t	 any[16];
	const uint8_t		*aa, *ba;
	in_port_t		 ap, bp;
	size_t			 len;

	if (a->kind != b->kind)
		return (0);
	if (a->kind == LISTEN_UNIX)
		return (strcmp(a->path, b->path) == 0);
	if (a->ss.ss_family != b->ss.ss_family)
		return (0);
	len = config_addr_bytes(a, &aa, &ap);
	config_addr_bytes(b, &ba, &bp);
	if (ap != bp)
		return (0);
	return (memcmp(aa, ba, len) == 0 || memcmp(aa, any, len) == 0 ||
	    memcmp(ba, any, len) == 0);
}

/* Canonical text of a CIDR rule: the address, and /prefix unless whole. */
static void
config_addr_fmt_cidr(const struct allow_rule *r, char *buf, size_t len)
{
	char	addr[INET6_ADDRSTRLEN];

	inet_ntop(r->family, r->addr, addr, sizeof addr);
	if (r->prefix == (r->family == AF_INET ? 32U : 128U))
		snprintf(buf, len, "%s", addr);
	else
		snprintf(buf, len, "%s/%u", addr, r->prefix);
}

int
config_addr_cidr(const char *s, struct allow_rule *r, char **cause)
{
	char		*addr, *slash, *why, want[INET6_ADDRSTRLEN + 5];
	uint64_t	 prefix;
	uint8_t		 orig[16];
	unsigned	 i, max;

	memset(r, 0, sizeof *r);
	r->kind = ALLOW_CIDR;
	r->family = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
	max = r->family == AF_INET ? 32 : 128;
	addr = xstrdup(s);
	prefix = max;
	if ((slash = strchr(addr, '/')) != NULL) {
		*slash = '\0';
		if (config_value_uint(slash + 1, 0, max, &prefix, &why) != 0) {
			free(why);
			goto bad;
		}
	}
	if (inet_pton(r->family, addr, r->addr) != 1)
		goto bad;
	free(addr);
	r->prefix = prefix;
	memcpy(orig, r->addr, sizeof orig);
	for (i = r->prefix; i < max; i++)
		r->addr[i / 8] &= ~(0x80 >> (i % 8));
	if (memcmp(orig, r->addr, sizeof orig) != 0) {
		config_addr_fmt_cidr(r, want, sizeof want);
		xasprintf(cause, "\"%s\" has bits set past the prefix (did you "
		    "mean %s?)", s, want);
		return (-1);
	}
	return (0);
bad:
	free(addr);
	xasprintf(cause, "\"%s\" is not an address or CIDR", s);
	return (-1);
}

static const struct {
	const char	*prefix;
	enum allow_kind	 kind;
	int		 by_name;
} config_addr_allow_prefixes[] = {
	{ "user:", ALLOW_USER, 1 },
	{ "uid:", ALLOW_USER, 0 },
	{ "group:", ALLOW_GROUP, 1 },
	{ "gid:", ALLOW_GROUP, 0 },
};

/* A user:, group:, uid: or gid: entry. */
static int
config_addr_allow_id(const char *s, size_t i, struct allow_rule *r,
    char **cause)
{
	const char	*rest;
	int		 by_name = config_addr_allow_prefixes[i].by_name;
	uint32_t	 id;
	char		*why;

	rest = s + strlen(config_addr_allow_prefixes[i].prefix);
	r->kind = config_addr_allow_prefixes[i].kind;
	if (config_value_id(rest, r->kind, by_name, !by_name, &id, &why) != 0) {
		xasprintf(cause, "%s: %s", s, why);
		free(why);
		return (-1);
	}
	if (r->kind == ALLOW_USER)
		r->uid = id;
	else
		r->gid = id;
	return (0);
}

/* Parse one allow entry; write its canonical text to buf. */
static int
config_addr_allow_entry(const char *s, struct allow_rule *r, char *buf,
    size_t len, char **cause)
{
	size_t	i;

	memset(r, 0, sizeof *r);
	for (i = 0; i < nitems(config_addr_allow_prefixes); i++) {
		if (strncmp(s, config_addr_allow_prefixes[i].prefix,
		    strlen(config_addr_allow_prefixes[i].prefix)) != 0)
			continue;
		if (config_addr_allow_id(s, i, r, cause) != 0)
			return (-1);
		snprintf(buf, len, "%s", s);
		return (0);
	}
	if (config_addr_cidr(s, r, cause) != 0)
		return (-1);
	config_addr_fmt_cidr(r, buf, len);
	return (0);
}

int
config_addr_allow(const char *s, struct allow_list *al, char **cause)
{
	static const char	 seps[] = ", \t";
	struct allow_rule	 r;
	char			*copy, *p, *word, *text, buf[256];
	size_t			 n = 0;

	p = copy = xstrdup(s);
	while ((word = strsep(&p, seps)) != NULL) {
		if (*word == '\0')
			continue;
		if (al->n >= CONFIG_MAX_ALLOW) {
			xasprintf(cause, "more than %d entries",
			    CONFIG_MAX_ALLOW);
			goto fail;
		}
		if (config_addr_allow_entry(word, &r, buf, sizeof buf,
		    cause) != 0)
			goto fail;
		al->rules = xreallocarray(al->rules, al->n + 1,
		    sizeof *al->rules);
		al->rules[al->n++] = r;
		if (al->text == NULL)
			al->text = xstrdup(buf);
		else {
			xasprintf(&text, "%s, %s", al->text, buf);
			free(al->text);
			al->text = text;
		}
		n++;
	}
	free(copy);
	if (n == 0) {
		xasprintf(cause, "\"%s\" has no entries", s);
		return (-1);
	}
	return (0);
fail:
	free(copy);
	return (-1);
}

void
config_addr_allow_free(struct allow_list *al)
{
	free(al->rules);
	free(al->text);
	memset(al, 0, sizeof *al);
}

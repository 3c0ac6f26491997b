/*
 * socks_route.h: where a SOCKS request may go. A socks forward's route
 * lines, parsed at config time, and the first one that matches a
 * request's destination. Pure: no I/O.
 *
 *   route = i-*                          an instance id (a glob of one),
 *   route = i-0abc*.eu-west-1            optionally with a region glob:
 *                                        that instance's port
 *   route = *.internal via TARGET        a host glob (any case), reached
 *   route = 10.0.0.0/8 via TARGET        or a CIDR (v4 or v6; an address
 *                                        alone is /32 or /128), reached
 *                                        through TARGET (an instance id,
 *                                        tag:KEY=VALUE or ecs:...) as its
 *                                        remote host
 *
 * A destination that is an instance id, with or without a region suffix
 * (i-0123456789abcdef0.eu-west-1), is matched by instance routes only; an
 * address (or a name that is an address; v4-mapped v6 is v4) by CIDR
 * routes only; any other
 * name by host globs only.
 */
#ifndef SOCKS_ROUTE_H
#define SOCKS_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct socks_dest;

enum socks_route_kind {
	SOCKS_ROUTE_INSTANCE,
	SOCKS_ROUTE_HOST,
	SOCKS_ROUTE_CIDR,
};

struct socks_route {
	enum socks_route_kind	 kind;
	char			*text;		/* the line, for logs */
	char			*glob;		/* INSTANCE: of the id; HOST */
	char			*region;	/* INSTANCE: glob, or NULL */
	struct allow_rule	 cidr;		/* CIDR: as an allow list's */
	char			*via;		/* HOST, CIDR: the target */
};

struct socks_routes {
	struct socks_route	*v;
	size_t			 n;
};

/*
 * Parse one route line into r (free with socks_route_clear). Return 0, or
 * -1 and *cause (caller frees), e.g. "\"*.internal\" is a host pattern:
 * name the instance that reaches it (via TARGET)".
 */
int	socks_route_parse(const char *text, struct socks_route *r,
	    char **cause);
void	socks_route_clear(struct socks_route *);

/* Parse each line in turn; on an error, *cause names the line's text. */
int	socks_routes_parse(char *const *lines, size_t n, struct socks_routes *,
	    char **cause);
void	socks_routes_free(struct socks_routes *);

/* Where a matched request goes: the parts of an on-demand forward's key. */
struct socks_match {
	size_t		 index;		/* of the route, from 0 */
	const char	*target;	/* id or the route's via */
	const char	*remote_host;	/* NULL: the target itself; a name
					   in lower case */
	const char	*region;	/* the destination's suffix, or NULL */
	unsigned	 port;
	char		 id[24];	/* storage for the above */
	char		 host[256];
	char		 suffix[64];
};

/* What became of a destination. */
enum socks_route_result {
	SOCKS_ROUTE_MATCHED,
	SOCKS_ROUTE_UNMATCHED,	/* no route: not allowed */
	SOCKS_ROUTE_BAD_NAME,	/* a name no host can have */
};

/*
 * The first route that matches dest; region is the forward's (NULL if
 * none is configured), what an instance route's region glob is matched
 * against when the destination has no suffix. Fills m when matched.
 */
enum socks_route_result socks_route_find(const struct socks_routes *,
	    const struct socks_dest *, const char *region,
	    struct socks_match *m);

#endif /* SOCKS_ROUTE_H */

/*
 * gatewayd.h: the daemon's core as gatewayd.c, control.c and the listener
 * see it: the version, the table of forwards and its operations, with the
 * conns (conn.h) and forwards (forward.h) it is made of. Forwarders and
 * the libraries under them never include it: they see only conn.h and
 * forward.h.
 *
 * Ownership: gateway.c owns the table of forwards; a forward owns its
 * listener and its conns.
 */
#ifndef GATEWAYD_H
#define GATEWAYD_H

#include "conn.h"
#include "forward.h"
#include "forwarder.h"

struct gw_config;

/*
 * The version: configure's, with git describe's in a checkout (version.c,
 * made at build time).
 */
extern const char	 gatewayd_version[];
#define GATEWAYD_VERSION	gatewayd_version

/* gateway.c */
extern struct forwards	 gw_forwards;
/* At exit, before gw_base goes: free the resolver (forward.h). */
void	 gateway_free_dns(void);
/*
 * Start every forward of the config: the number that failed (each marked
 * so, its error logged, and retried with back-off), or -1 at the first
 * with exit_on_forward_failure. *cause says the first failure, for a
 * caller that does not log; free it when the result is not 0.
 */
int	 gateway_start(struct gw_config *, char **cause);
int	 gateway_reload(struct gw_config *);
void	 gateway_shutdown(void (*done)(void));
struct forward *gateway_find(const char *name);
int	 gateway_forward_up(struct forward *, char **cause);
void	 gateway_forward_down(struct forward *);

#endif /* GATEWAYD_H */

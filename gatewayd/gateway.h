/*
 * gateway.h: what gateway.c exports beyond the contract in gatewayd.h, for
 * gatewayd.c, control.c and the tests.
 */
#ifndef GATEWAY_H
#define GATEWAY_H

#include <stddef.h>

#include "gatewayd.h"

struct config_errors;

/*
 * Check every forward of conf against the forwarders of this build (their
 * existence and their check function). Append one error per failure to
 * errs as "FILE:LINE: forward "NAME": CAUSE"; return how many.
 */
size_t	 gateway_check(const struct gw_config *, struct config_errors *);
/*
 * Settings that are valid but put the gateway at risk: an AWS endpoint
 * over plain http to a host that is not loopback, allow_plain_websocket,
 * a control socket anyone may write to, a unix listener anyone may
 * connect to without an allow list. Append one warning per setting to
 * warns ("FILE:LINE: forward "NAME": ..." or "FILE: [gateway]: ...");
 * return how many. gatewayd -n prints them, a start and a reload log
 * them, once each.
 */
size_t	 gateway_warnings(const struct gw_config *,
	    struct config_errors *);

/*
 * Add and start a forward for fc outside any loaded config (tests, forwards
 * made at run time). The caller keeps fc alive until the forward is gone
 * (after gateway_remove or gateway_free and a turn of the loop). Return
 * the forward, or NULL and set *cause if it could not start.
 */
struct forward *gateway_add(struct fwd_config *, char **cause);
/*
 * Add and start a forward with no listener for fc, which it owns from now
 * on: conns reach it by hand (conn_hand_to, conn_new_pair). A reload
 * keeps it; gateway_remove ends it. NULL and *cause if its forwarder
 * cannot start.
 */
struct forward *gateway_add_ondemand(struct fwd_config *, char **cause);
/* Retire a forward: stop accepting; it goes when its conns have. */
void	 gateway_remove(struct forward *);

/* "up", "down", "failed", "retired". */
const char *gateway_state_name(enum forward_state);

/* Live connections over every forward, retired ones included. */
unsigned gateway_live_conns(void);

/* 1 while a connection is live or its free is still pending. */
int	 gateway_is_busy(void);

/*
 * At exit: close what is left and drop every forward and config. Pending
 * frees run on the next turn of the loop.
 */
void	 gateway_free(void);

#endif /* GATEWAY_H */

/*
 * ondemand.h: forwards made at run time, for connections that name their
 * own target (gatewayctl connect, gatewayd -W, SOCKS). One forward per
 * key (target, port, remote host, region, profile): an ssm forward with
 * no listener, whose sessions later connections with the same key share.
 * One that carried no connection for [gateway] connect_idle is ended
 * with its sessions.
 */
#ifndef ONDEMAND_H
#define ONDEMAND_H

struct forward;

/* At most this many on-demand forwards at once. */
#define ONDEMAND_MAX		256

struct ondemand_key {
	const char	*target;	/* i-..., mi-..., tag:K=V, ecs:... */
	unsigned	 port;		/* on the target or remote host */
	const char	*remote_host;	/* NULL: the target itself */
	const char	*region;	/* NULL: [gateway] region */
	const char	*profile;	/* NULL: [gateway] profile */
	const char	*endpoint;	/* NULL: [gateway] endpoint_url */
};

/*
 * The forward for key, made on first use. NULL and *cause (caller frees)
 * when key is not valid ("target: ...") or the table is full. The
 * forward is the table's: a caller hands conns to it at once.
 */
struct forward	*ondemand_forward(const struct ondemand_key *, char **cause);
/* gateway.c: fw, an on-demand forward, is being freed. */
void		 ondemand_forget(struct forward *);
/* How many there are (status, tests). */
unsigned	 ondemand_count(void);

#endif /* ONDEMAND_H */

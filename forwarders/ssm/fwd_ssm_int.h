/*
 * fwd_ssm_int.h: what fwd_ssm.c (the forward, its targets and config)
 * and fwd_user.c (the pools of a forward's local users: identity = user,
 * a role per user) share. Not for use outside forwarders/ssm.
 */
#ifndef FWD_SSM_INT_H
#define FWD_SSM_INT_H

#include <sys/queue.h>

#include "aws_ssm.h"
#include "ssm_chan.h"
#include "ssm_session.h"

struct cJSON;
struct conn;
struct forward;

struct fwd_ssm_user;
TAILQ_HEAD(fwd_ssm_users, fwd_ssm_user);

/*
 * What one ssm forward keeps: its context, parameters and pool. The pool
 * keeps pointers to the strings of its parameters for as long as it
 * lives, and a reload moves an unchanged forward to the new config and
 * frees the old one (forwarder.h): so every string the pool is given is
 * a copy owned here, never a pointer into fw->conf.
 */
struct fwd_ssm {
	struct forward			*fw;
	struct aws_ctx			*aws;
	char				*target;
	char				*document;
	char				*client_version;
	char				*remote_host;
	char				*proxy;	/* NULL: none */
	char				*endpoints[SSM_CHAN_NENDPOINTS];
	char				 port[8];
	char				 local_port[8];
	const char			*port_v[1];
	const char			*local_v[1];
	const char			*host_v[1];
	struct aws_ssm_param		 params[3];
	char				*reason;	/* StartSession's */
	char				*tag_key;	/* "tag:Name" */
	char				*tag_value;
	struct ssm_session_resolver	 resolver;
	struct ssm_session_pool		*pool;	/* NULL: per user */
	/* The per-user pools' parameters, and the pools (fwd_user.c). */
	struct ssm_session_params	 sp;
	int				 per_user; /* users_start ran */
	struct fwd_ssm_users		 users;
	size_t				 nusers;
	TAILQ_ENTRY(fwd_ssm)		 entry;	/* with users */
};

/* How long a stopped forward's AWS context outlives it (ms). */
#define FWD_SSM_LINGER		2000

/*
 * fwd_user.c. fwd_ssm_user_open: put c on the pool of its local user,
 * made on first use (with that user's credentials, or the role assumed
 * in their name), or close it refused with the reason. The rest: free
 * every user's pool (the forward stops), add them to the forward's
 * status, say how they fare.
 */
void	 fwd_ssm_users_start(struct fwd_ssm *);
void	 fwd_ssm_user_open(struct fwd_ssm *, struct conn *c);
void	 fwd_ssm_users_free(struct fwd_ssm *);
void	 fwd_ssm_users_status(struct fwd_ssm *, struct cJSON *obj);
enum forwarder_health fwd_ssm_users_health(struct fwd_ssm *);
/*
 * Release ctxs (n of them, the first freed first) once the sessions that
 * used them have had FWD_SSM_LINGER to say goodbye (TerminateSession),
 * or at once if linger is 0.
 */
void	 fwd_ssm_release(struct aws_ctx **ctxs, size_t n, int linger);

/*
 * Who the credentials of ctx that carry c are, for its records: as far
 * as known when it opens (the first conns of a context ask STS, without
 * waiting) and again when it closes, by which time the answer is in.
 */
void	 fwd_ssm_identity(struct conn *c, struct aws_ctx *ctx);

#endif /* FWD_SSM_INT_H */

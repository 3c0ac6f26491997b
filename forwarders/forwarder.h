/*
 * forwarder.h: the interface every kind of tunnel implements.
 *
 * A forwarder is one const struct of function pointers, like a tmux command
 * entry. The core (listener.c, conn.c, gateway.c) calls it; it talks back
 * only through conn_ready(), conn_write(), conn_eof(), conn_pause(),
 * conn_resume() and conn_close() (conn.h). fwd_tcp (tcp.c) is the small
 * reference; read it before writing another.
 */
#ifndef FORWARDER_H
#define FORWARDER_H

struct cJSON;
struct conn;
struct evbuffer;
struct forward;
struct fwd_config;

/*
 * A key of the forwarder's own that config cannot judge (config.h:
 * forwarder_key_*): its default as a user writes it, and a check of a
 * value, 0 or -1 with *cause (caller frees); check may be NULL.
 */
struct forwarder_key {
	const char	*name;
	const char	*def;
	int		(*check)(const char *value, char **cause);
};

/*
 * How a forward that is up fares at reaching its far side, for
 * gatewayctl status: up, degraded (some recent attempts failed, but conns
 * get through) or failed (every attempt fails and nothing is open).
 */
enum forwarder_health {
	FORWARDER_HEALTH_UP,
	FORWARDER_HEALTH_DEGRADED,
	FORWARDER_HEALTH_FAILED,
};

struct forwarder {
	const char	*name;

	/*
	 * 1 if each conn's client names its far side (socks): the forward
	 * has no target, remote_host or remote_port.
	 */
	int		 no_target;

	/* Its own keys (above), then a row with a NULL name; may be NULL. */
	const struct forwarder_key *keys;

	/*
	 * Config time: return 0 if fc can be served, else -1 and set *cause
	 * (caller frees), e.g. "target: not an instance id". May be NULL.
	 */
	int	(*check)(const struct fwd_config *fc, char **cause);

	/*
	 * A forward starts (its listener is bound) or stops. Per-forward
	 * state goes in fw->fwd_data. start returns 0, or -1 with *cause.
	 * stop must release everything start made; live conns of the
	 * forward have already been closed or handed over. Both may be NULL.
	 *
	 * fw->conf is not the forward's for good: a reload that finds the
	 * forward's section unchanged points fw->conf at the equal section
	 * of the new config and frees the old config, without a stop and a
	 * start. So read fw->conf afresh where a value is needed, and keep
	 * nothing that points into it (a string, the allow list) past the
	 * call that read it: copy what outlives the call. The same holds for
	 * gw_conf.
	 */
	int	(*start)(struct forward *fw, char **cause);
	void	(*stop)(struct forward *fw);

	/*
	 * Begin the far side for a new conn (state CONN_OPENING, local reads
	 * off). Call conn_ready() once bytes may flow, or conn_close() with
	 * CONN_END_REFUSED and a reason. Per-conn state goes in
	 * c->fwd_data.
	 */
	void	(*open)(struct conn *c);

	/*
	 * Local bytes are waiting in in. Take what the far side can accept
	 * (evbuffer_remove_buffer); if it cannot take more, leave the rest
	 * and call conn_pause(), then conn_resume() when there is room again
	 * (which calls send once more with what is left).
	 */
	void	(*send)(struct conn *c, struct evbuffer *in);

	/* The local client half-closed: nothing more will be sent. */
	void	(*eof)(struct conn *c);

	/*
	 * The local client's output queue fell below the low watermark after
	 * conn_write() had pushed it over the high one: resume reading the
	 * far side. May be NULL.
	 */
	void	(*drain)(struct conn *c);

	/*
	 * Release the far side and c->fwd_data. Never calls conn_close().
	 * c->end says why the conn ended: a far side that can be reset
	 * should be on an abnormal end (conn_end_is_clean), as the client
	 * is.
	 */
	void	(*close)(struct conn *c);

	/*
	 * Add forwarder-specific state (sessions, agent versions) to the
	 * status object of fw for gatewayctl status. May be NULL.
	 */
	void	(*status)(struct forward *fw, struct cJSON *obj);

	/*
	 * How the far side of fw (up) fares, from what the forwarder saw of
	 * its recent attempts (an ssm forward's session starts). May be
	 * NULL: a forwarder that keeps nothing open is up while it listens.
	 */
	enum forwarder_health (*health)(struct forward *fw);
};

extern const struct forwarder fwd_tcp;
extern const struct forwarder fwd_ssm;
extern const struct forwarder fwd_socks;

/*
 * What the ssm forwarder knows of targets, for forwarders that start
 * sessions to targets of their own (socks): 1 if s is an instance id;
 * whether a session could start to target, 0 or -1 and *cause
 * ("target: ...", caller frees).
 */
int	fwd_ssm_is_instance(const char *s);
int	fwd_ssm_check_target(const char *target, char **cause);

/*
 * Look a forwarder up by name; NULL if there is none. (config.h declares
 * what config asks of the registry: forwarder_name, forwarder_key_*.)
 */
const struct forwarder *forwarder_find(const char *name);

#endif /* FORWARDER_H */

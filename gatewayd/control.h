/*
 * control.h: the control socket. A unix socket speaking one JSON object per
 * line each way: a request {"cmd": "status", ...} gets exactly one reply
 * {"ok": true, ...} or {"ok": false, "error": "..."}, in order; a request's
 * "id", when given, is echoed in its reply. After "events", the client also
 * receives one line per event it follows on the bus (bus.h): connections
 * opened, closed or refused, and the steps of SSM sessions.
 *
 * A client that sends no complete request for CONTROL_IDLE_MS, while it
 * awaits no answer and follows no events, is closed. One that finds every
 * slot taken receives {"ok": false, "refused": true, "error": "too many
 * clients (N)"} and is closed.
 *
 * Built in: status, up, down, events, help. Other modules add commands
 * with control_register() (gatewayd.c adds reload; the AWS client adds
 * whoami), or control_register_user() for those any local user may run
 * (connect, login, logout). A handler may reply at once or later.
 */
#ifndef CONTROL_H
#define CONTROL_H

#include <sys/types.h>

struct cJSON;
struct control_req;

/*
 * Clients at once. The daemon's own uid and root may have
 * CONTROL_OWNER_CLIENTS more, and when those are taken too, the client
 * idle the longest is closed to make room for them.
 */
#define CONTROL_MAX_CLIENTS	64
#define CONTROL_OWNER_CLIENTS	8
/* How long a client may stay without a complete request. */
#define CONTROL_IDLE_MS		5000

/* Longest request line, newline excluded. */
#define CONTROL_MAX_LINE	65536
/* Bytes queued for a client before it stops being served (subscribers
 * are dropped). */
#define CONTROL_MAX_OUTPUT	(1024 * 1024)

/*
 * Listen at path with mode (0600: only the owner may connect). A missing
 * parent directory is made (0700); a parent writable by others is refused.
 * Return 0, or -1 and set *cause (caller frees).
 */
int	 control_start(const char *path, mode_t mode, char **cause);
/* Close the socket and every client. */
void	 control_stop(void);
/*
 * At exit, so that followers hear of everything that ends with the
 * daemon (its conns' close events, its sessions' ends): control_quiesce
 * takes no more clients or requests while the forwards go; then
 * control_flush writes what is queued for each client, waiting up to
 * CONTROL_FLUSH_MS in all, before control_stop closes them.
 */
#define CONTROL_FLUSH_MS	2000
void	 control_quiesce(void);
void	 control_flush(void);
/*
 * The user gatewayd will run as after its start as root: a directory of
 * that user's may hold the control socket (else only root's or our own),
 * so that the socket can be removed at exit.
 */
void	 control_set_dir_owner(uid_t);

/*
 * The control socket of a gatewayd run without a config file (-L) and the
 * default gatewayctl tries after the system one: $XDG_RUNTIME_DIR/
 * gatewayd.sock, else /tmp/gatewayd-UID/control.sock. Caller frees.
 */
char	*control_user_path(void);

/*
 * Add a command. handler gets the request (valid until it returns) and
 * must answer it exactly once, now or later, with control_reply() or
 * control_reply_error(). A later name replaces an earlier one.
 */
void	 control_register(const char *name,
	    void (*handler)(struct control_req *, const struct cJSON *));
/*
 * The same for a command any local user who can reach the socket may run
 * (connect, help, login, logout); the others are for root, the daemon's
 * user and the control socket's group. Such a handler takes who asks
 * from control_req_cred(), never from the request.
 */
void	 control_register_user(const char *name,
	    void (*handler)(struct control_req *, const struct cJSON *));

/*
 * Answer req and free it. control_reply takes reply (an object) and adds
 * "ok": true unless it has "ok". If the client has gone, the answer is
 * dropped.
 */
void	 control_reply(struct control_req *, struct cJSON *reply);
void	 control_reply_error(struct control_req *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * The credentials of req's client and its groups (listener.h:
 * listener_peer_cred); -1 if it has none.
 */
struct ucred;
int	 control_req_cred(struct control_req *, struct ucred *,
	    gid_t *groups, int max, int *ngroups);
/*
 * Take req's client out of the control protocol (gatewayctl connect: the
 * socket becomes one connection's): req and the client are done here,
 * and what goes on the socket from now on is the caller's. Return a
 * descriptor of it (the caller's to close), or -1 (errno) if the client
 * sent more after the request (the caller then replies an error).
 */
int	 control_req_take(struct control_req *);

/*
 * control_status.c: the status object gatewayctl status shows (caller
 * frees); control_start marks the start its uptime counts from.
 */
struct forward;
struct cJSON *control_status(void);
void	 control_status_started(void);
/*
 * The state status gives fw: its own (gateway_state_name), where a
 * forward that is up says "degraded" or "failed" when its forwarder
 * reports so (forwarder.h: health).
 */
const char *control_forward_state(struct forward *);

#endif /* CONTROL_H */

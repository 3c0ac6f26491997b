/*
 * conn.h: one accepted client connection, and the calls the core and the
 * forwarders make on it (conn.c). The listener makes a conn with
 * conn_new(); its forwarder talks back through conn_ready(),
 * conn_write(), conn_eof(), conn_pause(), conn_resume() and conn_close().
 *
 * Ownership: a forward owns its conns; a conn owns its bufferevent and
 * whatever its forwarder keeps in c->fwd_data (released by fwd->close).
 */
#ifndef CONN_H
#define CONN_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

struct bufferevent;
struct conn;
struct event;
struct evbuffer;
struct forward;
struct forwarder;
struct sockread;

/*
 * Watermarks for the bytes gatewayd holds for one connection in each
 * direction. Above the high mark we stop reading the side that produces;
 * below the low mark we start again. They bound gatewayd's memory per
 * connection whatever the speed of either side.
 */
#define CONN_HIGH_WATERMARK	(256 * 1024)
#define CONN_LOW_WATERMARK	(64 * 1024)

/*
 * How long after conn_ready() a conn with a greeter counts as reached
 * when nothing came back and nothing failed (conn_set_greeter).
 */
#define CONN_CONFIRM_MS		500

/*
 * Who waits to hear whether the far side was reached: a SOCKS client's
 * reply, gatewayctl connect's exit status. reached() fires once: on
 * conn_reached() (a forwarder that knows, such as tcp's connect), just
 * before the first bytes from the far side are queued for the client,
 * or CONN_CONFIRM_MS after conn_ready() when nothing came back and
 * nothing failed: a Session Manager agent confirms no dial, it only
 * reports a refused one (ConnectToPortError, then FIN). refused() fires
 * instead when the conn ends before that, c->end and c->reason saying
 * why; what it writes with conn_write_data() is sent, and the client is
 * then closed with a FIN whatever the end (the reply says what
 * happened). closed() fires when a conn that was reached ends. Each may
 * be NULL; none may close the conn.
 */
struct conn_greeter {
	void	(*reached)(struct conn *, void *);
	void	(*refused)(struct conn *, void *);
	void	(*closed)(struct conn *, void *);
};

/*
 * Who a conn's client is, for its close line and its records (bus.h):
 * conn_new and conn_new_pair fill it.
 */
struct conn_client {
	long		 uid;		/* a unix or pair client's; -1: none */
	long		 gid;
	long		 pid;
	char		 user[64];	/* uid's login name; "" if none */
	char		 addr[64];	/* a TCP client's address; "" if not */
	unsigned	 port;
};

/*
 * Where a conn's bytes went, as its forwarder learns it (conn_set_far):
 * kept after the far side is gone, for the close line and the records.
 */
struct conn_far {
	char		*instance;	/* "i-0abc"; NULL: not an AWS target */
	char		*session_id;	/* Session Manager's */
	uint32_t	 stream_id;	/* the smux stream; 0: none (basic) */
	const char	*mode;		/* "mux", "basic"; static; NULL */
	char		*account;	/* of the credentials that carried it */
	char		*principal;	/* their ARN */
};

/*
 * One accepted client connection. Its state only moves forward; every
 * change goes through conn_set_state().
 */
enum conn_state {
	CONN_OPENING,	/* accepted; local reads off while the far side opens */
	CONN_OPEN,	/* conn_ready() was called; bytes flow both ways */
	CONN_DRAINING,	/* one side sent EOF; flushing what is left */
	CONN_DEAD,	/* conn_close() ran; unlinked, events off, freed later */
};

/*
 * Why a conn ended (conn_close), and so how its client learns of it. A
 * clean end closes the client's socket with a FIN, read as EOF: the far
 * side's own end passed on whole after every byte before it, or the
 * client's own end (its EOF where the far side cannot carry a half-close,
 * and the bounded wait for the far side after it, half_close_timeout).
 * Every other end is abnormal and resets the client (SO_LINGER {1, 0},
 * then close), so that no client, nc or HTTP/1.0 or any protocol that
 * ends at EOF, takes a stream the tunnel broke for a whole one; the tcp
 * forwarder resets its target the same way. A reset discards at once what was
 * still queued for the client, gatewayd's and the kernel's: the bytes of
 * a broken stream are of no use to a client that cannot tell where they
 * stop, and flushing them first would only keep a dead tunnel's conn
 * alive on a timer. A unix socket has no reset: there the client sees
 * EOF whatever the reason.
 */
enum conn_end {
	CONN_END_DONE,		/* both sides finished: clean */
	CONN_END_CLIENT,	/* the client ended it where the far side
				   cannot half-close, or the wait after its
				   EOF ran out (half_close_timeout): clean */
	CONN_END_EVICTED,	/* the wait after the client's EOF was cut
				   short for a new client (max_conns) */
	CONN_END_CLIENT_ERROR,	/* the client's socket failed */
	CONN_END_REFUSED,	/* the far side could not be opened */
	CONN_END_RESET,		/* the far side reset or failed */
	CONN_END_LOST,		/* the tunnel (a session) was lost */
	CONN_END_STALLED,	/* the client took nothing for too long */
	CONN_END_STOPPED,	/* the forward or gatewayd stopped */
};
#define CONN_END_LAST	CONN_END_STOPPED

struct conn {
	uint64_t		 id;		/* "conn 42" in logs */
	enum conn_state		 state;
	int			 refs;

	struct forward		*fw;		/* the forward it came in on */
	const struct forwarder	*fwd;		/* fw->fwd, for short calls */
	void			*fwd_data;	/* the forwarder's per-conn state */

	struct bufferevent	*bev;		/* the local client socket */
	struct sockread		*rd;		/* reads it (sockread.h) */
	int			 fd_in;		/* a pair's read side; -1: bev's */
	int			 negotiating;	/* conn_negotiate() */
	const struct conn_greeter *greeter;
	void			*greeter_arg;
	int			 reached;	/* the greeter heard so */
	struct event		*confirm;	/* CONN_CONFIRM_MS */
	struct sockaddr_storage	 peer;
	socklen_t		 peerlen;
	char			 peer_str[128];	/* "127.0.0.1:51234", "unix:uid 1000" */
	char			*target_str;	/* "i-0abc:5432"; set by forwarder */
	struct conn_client	 client;
	struct conn_far		 far;

	uint64_t		 bytes_in;	/* read from the client */
	uint64_t		 bytes_out;	/* written to the client */
	uint64_t		 started_ms;	/* clock_now_ms() at accept */

	int			 local_eof;	/* client shut its write side */
	int			 remote_eof;	/* far side finished (conn_eof) */
	int			 paused;	/* conn_pause() in force */
	int			 output_full;	/* over the high watermark */
	int			 lingering;	/* conn_is_lingering() */
	uint64_t		 eof_ms;	/* the client's EOF passed on */
	enum conn_end		 end;		/* why it closed */
	char			*reason;	/* why, for logs */

	TAILQ_ENTRY(conn)	 entry;		/* in fw->conns */
};
TAILQ_HEAD(conns, conn);

/*
 * Called by listener.c. cl (may be NULL): who the listener found the
 * client to be; its uid and user count (a loopback TCP client's owner).
 */
struct conn *conn_new(struct forward *, int fd, const struct sockaddr *,
	    socklen_t, const struct conn_client *cl);
/*
 * A conn whose client is two descriptors, read from fd_in and written to
 * fd_out (gatewayctl connect's and gatewayd -W's standard input and
 * output: pipes, sockets, a terminal), both made non-blocking and owned
 * by the conn from now on; peer names the client for logs and cred (may
 * be NULL) says who it is; greeter (may be NULL) is set before anything
 * happens. Like conn_new, asks fw's
 * forwarder to open the far side: the conn may be closed on return.
 */
struct ucred;
struct conn *conn_new_pair(struct forward *, int fd_in, int fd_out,
	    const char *peer, const struct ucred *,
	    const struct conn_greeter *, void *);
/*
 * For a forwarder's open(): read the client before there is a far side
 * (a SOCKS negotiation). Its bytes reach the forwarder's send as usual
 * while the conn stays CONN_OPENING; replies go with conn_write_data().
 */
void	 conn_negotiate(struct conn *);
/*
 * Move c (CONN_OPENING; its forwarder has released c->fwd_data) to fw
 * and ask fw's forwarder to open the far side: c leaves its forward's
 * conns and counts for fw's (status, bytes), reads stop until
 * conn_ready(), and what is left in its input then goes to fw's
 * forwarder. c may be closed when this returns.
 */
void	 conn_hand_to(struct conn *, struct forward *);
/*
 * The forwarder says where c's bytes go: the instance, the session and
 * the stream (0: none), the session's mode; any may be NULL (0) when not
 * known. Copied; a later call replaces them all.
 */
void	 conn_set_far(struct conn *, const char *instance,
	    const char *session_id, uint32_t stream_id, const char *mode);
/* The same for the identity of the credentials that carried c. */
void	 conn_set_identity(struct conn *, const char *account,
	    const char *principal);
/* Set or clear (NULL) who hears whether the far side was reached. */
void	 conn_set_greeter(struct conn *, const struct conn_greeter *,
	    void *);
void	 conn_reached(struct conn *);
void	 conn_set_state(struct conn *, enum conn_state);
/* "opening", "open", "draining", "dead": for logs and gatewayctl status. */
const char *conn_state_name(enum conn_state);
/* Called by forwarders. */
void	 conn_ready(struct conn *);
void	 conn_write(struct conn *, struct evbuffer *);	/* moves all of it */
void	 conn_write_data(struct conn *, const void *, size_t);
int	 conn_is_output_full(struct conn *);
size_t	 conn_output_len(struct conn *);
void	 conn_eof(struct conn *);
void	 conn_pause(struct conn *);
void	 conn_resume(struct conn *);
/* Close c now: why it ended (the client's FIN or reset) and a reason. */
void	 conn_close(struct conn *, enum conn_end, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* 1 if an end for that reason reaches the client as EOF, 0 as a reset. */
int	 conn_end_is_clean(enum conn_end);
const char *conn_end_name(enum conn_end);
int	 conn_is_open(struct conn *);
/*
 * max_conns counts what the user can see. A conn whose client's EOF was
 * passed on and whose far side has not ended yet (a mux stream waiting
 * for the target's FIN, half_close_timeout) is lingering: it holds its
 * slot only until a new client needs it. conn_make_room ends the one of
 * fw that has lingered longest (CONN_END_EVICTED) and returns 1, or
 * returns 0 if none lingers.
 */
int	 conn_is_lingering(struct conn *);
int	 conn_make_room(struct forward *);
/* 1 if fw may take one more conn under max_conns (making room if need). */
int	 conn_has_room(struct forward *);
void	 conn_ref(struct conn *);
void	 conn_unref(struct conn *);


#endif /* CONN_H */

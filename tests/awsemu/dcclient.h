/*
 * dcclient.h: a minimal, strict Session Manager data-channel client for
 * checking awsemu's agent side (tests/awsemu/t_agent_*.sh). It starts
 * sessions through gatewayd's AWS client, speaks the data channel over
 * gatewayd's WebSocket client and codecs, checks every message the agent
 * sends against ssm-data-channel.md, and stands up loopback targets in the
 * same process so that what reaches the target can be checked too.
 *
 * A test tool: everything runs on one event loop, scenarios are written
 * as straight-line code that runs the loop until a condition holds or a
 * deadline passes, and any broken expectation ends the program with
 * "FAIL: ...".
 */
#ifndef DCCLIENT_H
#define DCCLIENT_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "ssm_handshake.h"
#include "ssm_msg.h"

struct aws_creds;
struct aws_ctx;
struct bufferevent;
struct event_base;
struct evconnlistener;
struct evbuffer;
struct smux;
struct tls_client;
struct ws;

#ifndef nitems
#define nitems(a)	(sizeof (a) / sizeof ((a)[0]))
#endif

#define DCC_WAIT	10000	/* ms: the default deadline of a wait */
/*
 * The ClientVersion the client reports (OpenDataChannel and the
 * HandshakeResponse): the service's minimum since late 2025, the first
 * release that signs the upgrade (ssm-data-channel.md 3.2, 5.7).
 */
#define DCC_CLIENT_VERSION	"1.2.764.0"
#define DCC_MAX_STREAMS	64

/* ------------------------------------------------------------- targets */

enum dcc_tmode {
	DCC_ECHO,	/* send back what arrives */
	DCC_SINK,	/* keep what arrives */
	DCC_SOURCE,	/* send source_bytes of the bench pattern, close */
};

struct dcc_target;

/* One accepted connection of a target. */
struct dcc_tconn {
	struct dcc_target	*t;
	u_int			 n;		/* 1, 2, ... in accept order */
	struct bufferevent	*bev;
	struct evbuffer		*got;		/* everything received */
	uint64_t		 bytes_in;
	uint64_t		 bytes_out;
	int			 closed;	/* EOF or error seen */
	TAILQ_ENTRY(dcc_tconn)	 entry;
};

struct dcc_target {
	struct evconnlistener	*lev;
	int			 port;
	enum dcc_tmode		 mode;
	u_int			 accepts;
	u_int			 open;
	int			 keep;		/* keep what arrives in got */
	uint64_t		 source_bytes;
	TAILQ_HEAD(, dcc_tconn)	 conns;
};

struct dcc_target *dcc_target_new(enum dcc_tmode);
/* The target closes every connection it has (as a server would). */
void	dcc_target_close_all(struct dcc_target *);
/* Close the listener and every connection; free the target. */
void	dcc_target_free(struct dcc_target *);
struct dcc_tconn *dcc_target_conn(struct dcc_target *, u_int n);
/* A port nothing listens on (bound, then closed). */
int	dcc_dead_port(void);

/* ---------------------------------------------------------- the client */

/* A frame the agent sent, as received. */
struct dcc_rx {
	int			 text;
	uint8_t			*buf;
	size_t			 len;
	int			 bad;		/* failed to decode */
	struct ssm_msg		 m;		/* payload points into buf */
	TAILQ_ENTRY(dcc_rx)	 entry;
};
TAILQ_HEAD(dcc_rxq, dcc_rx);

/* What we know of one sequence number of the agent's. */
struct dcc_seen {
	uint8_t		 id[UUID_LEN];
	uint64_t	 created;
	uint8_t		 digest[SHA256_LEN];
	uint32_t	 payload_type;
	u_int		 copies;
	int		 delivered;
	struct dcc_rx	*ahead;		/* stored until its turn */
};

/* One message of ours. */
struct dcc_out {
	uint8_t		*buf;
	size_t		 len;
	uint8_t		 id[UUID_LEN];
	uint64_t	 sent_ms;	/* 0: built, not sent */
	u_int		 acks;
	int		 no_resend;
};

struct dcc_stream {
	uint32_t		 sid;
	struct evbuffer		*in;
	int			 fin;
	int64_t			 fin_seq;	/* message that completed FIN */
};

struct dcc {
	/* The session. */
	char			*sid;
	char			*token;
	char			*url;
	char			*target;
	char			 client_id[UUID_STR_LEN];
	const char		*client_version;

	/* The WebSocket. */
	struct ws		*ws;
	int			 wstate;	/* DCC_WS_* */
	uint16_t		 close_code;
	char			 close_reason[512];	/* or the error */
	int			 http_status;	/* a refused upgrade's */
	u_int			 connects;

	/* How the upgrade is signed (ssm-data-channel.md 3.2). */
	int			 sign;		/* DCC_SIGN_* */
	const struct aws_creds	*sign_creds;	/* NULL: dcc_env's */
	const char		*sign_region;	/* NULL: dcc_env's */

	/* Policies. */
	int			 auto_ack;	/* ack the agent's stream data */
	int			 auto_resend;	/* resend ours after 300 ms */
	int			 expect_bad;	/* count malformed, do not fail */
	int			 quiet;		/* bench: log no acks, free acked */
	u_int			 ping_ms;	/* WebSocket pings (0: none) */

	/* Everything but in-order stream data, for the scenarios. */
	struct dcc_rxq		 log;
	u_int			 nlog;

	/* From the agent. */
	int64_t			 expected;
	struct dcc_seen		*seen;
	size_t			 nseen;
	struct evbuffer		*stream;	/* in-order Output bytes */
	uint64_t		 rx_msgs, rx_dups, rx_acks, rx_bad, rx_text;
	uint64_t		 rx_acked;	/* distinct messages acked */
	size_t			 out_low;	/* out[] below: all acked */
	uint64_t		 rx_unknown;
	uint64_t		 rx_nops;
	int64_t			 flag_seq[16];	/* ConnectToPortError seqs */
	u_int			 nflags;
	int			 got_hreq, got_hc, got_cc;
	struct ssm_handshake_request hreq;
	char			*hreq_json;
	struct ssm_handshake_complete hc;
	struct ssm_channel_closed cc;
	u_int			 pauses, starts;

	/* Mux: our smux client on the in-order Output stream. */
	struct smux		*smux;
	int			 mux;
	int64_t			 cur_seq;	/* message being fed to smux */
	struct dcc_stream	 streams[DCC_MAX_STREAMS];

	/* To the agent. */
	int64_t			 next_seq;
	struct dcc_out		*out;
	size_t			 nout;
	struct event		*resend;
};

#define DCC_SIGN		0	/* as the official client does */
#define DCC_SIGN_NONE		1	/* not at all (plugin <= 1.2.677.0) */
#define DCC_SIGN_PLUS		2	/* a raw '+' signed as %2B: wrong */

#define DCC_WS_NONE	0
#define DCC_WS_OPENING	1
#define DCC_WS_OPEN	2
#define DCC_WS_CLOSED	3

/* The process-wide state: loop, AWS client, admin endpoint. */
struct dcc_env {
	struct event_base	*base;
	struct aws_client	*aws;
	struct aws_ctx		*ctx;
	struct tls_client	*tls;
	char			*admin_host;
	int			 admin_port;
	cJSON			*state;
	const char		*casename;
	int			 verbose;
};
extern struct dcc_env dcc_env;

void	dcc_fail(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	dcc_ok(const char *, ...) __attribute__((format(printf, 1, 2)));
#define DCC_CHECK(cond, ...) do {					\
	if (!(cond))							\
		dcc_fail(__VA_ARGS__);					\
} while (0)

void	dcc_env_init(const char *endpoint, const char *admin);
void	dcc_env_free(void);
/* The credentials of the API calls, now (as a copy: aws_creds_clear). */
void	dcc_env_creds(struct aws_creds *);
const char *dcc_env_region(void);
/* Run the loop until cond(arg) or ms pass; return cond's last answer. */
int	dcc_wait(int (*cond)(void *), void *arg, u_int ms);
void	dcc_sleep(u_int ms);

/* The admin endpoint. */
void	dcc_world(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	dcc_knobs(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	dcc_admin_session(const char *sid, const char *action);
void	dcc_target_ping(const char *id, const char *ping);
/* POST /_emu/target {"add": entry}: one more target online. */
void	dcc_target_add(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
/* POST /_emu/state/reset: the API counters from zero. */
void	dcc_state_reset(void);
/* The "ops" counters of one operation ("ssm:StartSession"). */
const cJSON *dcc_op_state(const char *op);
/* The session's "agent" object from GET /_emu/state (valid until the
 * next call), and its members. */
const cJSON *dcc_agent_state(const char *sid);
double	dcc_agent_num(const char *sid, const char *key);
const char *dcc_agent_str(const char *sid, const char *key);
const char *dcc_session_state(const char *sid);
double	dcc_state_num(const char *path1, const char *path2);
double	dcc_state_at(const char *dotted_path);
double	dcc_pacing_ceiling(void);

/* The API. params: "key=value,key=value". */
struct aws_ssm_session;
int	dcc_api_start(const char *target, const char *doc,
	    const char *params, struct aws_ssm_session *, char **error);
struct dcc *dcc_start(const char *target, const char *doc,
	    const char *params);
/* As dcc_start, but expect the call to fail; return the error text. */
char	*dcc_start_error(const char *target, const char *doc,
	    const char *params);
void	dcc_resume(struct dcc *);
/* As dcc_resume, but expect the call to fail; return the error text. */
char	*dcc_resume_error(struct dcc *);
struct dcc *dcc_clone(struct dcc *);
void	dcc_resend_all(struct dcc *);
void	dcc_recover(struct dcc *);
void	dcc_terminate_api(struct dcc *);
void	dcc_free(struct dcc *);

/* The WebSocket: connect (signed as c->sign says) to c->url, the newest
 * StreamUrl, and send OpenDataChannel (token NULL: the session's).
 * Return 0 once open and sent, -1 if it closed or failed (a refused
 * upgrade: c->http_status and the body in c->close_reason). */
int	dcc_connect(struct dcc *, const char *token);
/* Connect and send first (type WS_TEXT or WS_BINARY) as the first frame. */
int	dcc_connect_raw(struct dcc *, int text, const void *first, size_t);
/* Wait for the WebSocket to end; return the close code (0 if none). */
int	dcc_wait_closed(struct dcc *, u_int ms);
void	dcc_drop(struct dcc *);

/* Messages to the agent. */
int64_t	dcc_build(struct dcc *, uint32_t payload_type, const void *, size_t);
void	dcc_xmit(struct dcc *, int64_t seq);
int64_t	dcc_send(struct dcc *, uint32_t payload_type, const void *, size_t);
int64_t	dcc_send_flag(struct dcc *, uint32_t flag);
void	dcc_ack(struct dcc *, const struct ssm_msg *);
void	dcc_ack_seq(struct dcc *, int64_t seq);
/* Wait until our message seq has been acknowledged n times. */
int	dcc_wait_acked(struct dcc *, int64_t seq, u_int n, u_int ms);

/* Messages from the agent. */
/* The next logged frame after *after (NULL: the first) of type (or any:
 * SSM_MSG_UNKNOWN with any < 0...), waiting up to ms. */
struct dcc_rx *dcc_next(struct dcc *, struct dcc_rx *after, int type,
	    u_int ms);
/* Handshake: wait for the request, answer with client_version (statuses
 * as given, NULL: all Success), wait for HandshakeComplete. */
void	dcc_handshake(struct dcc *, const char *client_version);
/* Answer the HandshakeRequest as gatewayd would, without waiting. */
int64_t	dcc_answer(struct dcc *, const char *client_version);
struct dcc_seen *dcc_seen(struct dcc *, int64_t seq);
int	dcc_wait_bytes(struct dcc *, size_t n, u_int ms);
int	dcc_wait_cc(struct dcc *, u_int ms);
int	dcc_wait_hc(struct dcc *, u_int ms);

/* Mux. */
void	dcc_mux_start(struct dcc *);
uint32_t dcc_mux_open(struct dcc *);
void	dcc_mux_write(struct dcc *, uint32_t sid, const void *, size_t);
void	dcc_mux_close(struct dcc *, uint32_t sid);
void	dcc_mux_nop(struct dcc *);
struct dcc_stream *dcc_mux_stream(struct dcc *, uint32_t sid);
int	dcc_mux_wait(struct dcc *, uint32_t sid, size_t n, u_int ms);
int	dcc_mux_wait_fin(struct dcc *, uint32_t sid, u_int ms);

/*
 * The bench pattern: byte o of a stream is dcc_pattern[o % DCC_PATTERN]
 * (a prime length, so that it never lines up with messages or frames).
 */
#define DCC_PATTERN	65537
extern uint8_t dcc_pattern[DCC_PATTERN];
void	dcc_pattern_init(void);
/* Whether buf holds the pattern from offset off on. */
int	dcc_pattern_check(const uint8_t *buf, size_t len, uint64_t off);
/* Append len bytes of the pattern from offset off to b. */
void	dcc_pattern_add(struct evbuffer *b, uint64_t off, size_t len);

/* dcclient_cases.c */
int	dcc_run_case(const char *name, int argc, char **argv);
/* dcclient_bench.c */
void	dcc_bench(int argc, char **argv);

#endif /* DCCLIENT_H */

/*
 * emu.h: awsemu, the loopback emulator of the AWS endpoints gatewayd calls.
 *
 * One process, one event loop. The API listeners (HTTP and HTTPS, evhttp)
 * route every request by X-Amz-Target, path or Action= to a service table
 * (emu_ssm.c, emu_kms.c, emu_sts.c, emu_vend.c); emu_http.c runs the
 * common pipeline: auth (emu_auth.c), deny list, throttle, injected
 * failures, delay (emu_knobs.c), then the operation, then one log line.
 * The world (keys, instances, ECS tasks, roles, tokens) comes from a JSON
 * file (emu_registry.c); sessions live in emu_session.c, which offers
 * hooks for the data-channel side. The data-channel listeners (ws, wss)
 * are raw accept sockets whose handler is a hook too.
 */
#ifndef EMU_H
#define EMU_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "aws_sigv4.h"
#include "sigv4_verify.h"

struct bufferevent;
struct evbuffer;
struct event_base;
struct evhttp_connection;
struct evhttp_request;
struct event;
struct ssl_ctx_st;

#define EMU_ACCOUNT_DEFAULT	"123456789012"
#define EMU_REGION_DEFAULT	"us-east-1"
#define EMU_MAX_BODY		(1024 * 1024)
#define EMU_MAX_HEADERS		(64 * 1024)

#ifndef nitems
#define nitems(a)		(sizeof (a) / sizeof ((a)[0]))
#endif

/* ---------------------------------------------------------------- world */

struct emu_tag {
	char		*key;
	char		*value;
};

/* A local address that stands for a port or remote host on a target. */
struct emu_portmap {
	char		*from;		/* "22" or "db.internal:5432" */
	char		*to;		/* "127.0.0.1:2222" (loopback only) */
};

/* A name the agent resolves, to the addresses it would get. */
struct emu_resolve {
	char		*name;
	char		**addrs;
	size_t		 naddrs;
};

/*
 * The "agent" object of a target (ssm-data-channel.md 9.2): the deny list
 * (default: the agent's own), the VPC CIDR whose reserved addresses it
 * adds, and what remote host names resolve to (by default an IP literal
 * resolves to itself and a name listed in remote_hosts resolves).
 */
struct emu_target_agent {
	char			**deny;
	size_t			 ndeny;
	int			 has_deny;	/* deny given: replaces default */
	char			*vpc_cidr;	/* "10.0.0.0/16" or NULL */
	struct emu_resolve	*resolve;
	size_t			 nresolve;
};

/*
 * A Session document from the world. A plain name is a Port document
 * whose properties are portNumber, localPortNumber and host from the
 * parameters, and no "type" (stream mode); an object may give the
 * session type and the properties, "{{ name }}" standing for a parameter.
 */
struct emu_document {
	char			*name;
	char			*session_type;	/* "Port" unless given */
	struct emu_portmap	*props;		/* key -> template */
	size_t			 nprops;
	int			 has_props;
};

enum emu_target_kind {
	EMU_TARGET_INSTANCE,
	EMU_TARGET_ECS,
};

/* An emulated managed node (i-..., mi-...) or ECS task container. */
struct emu_target {
	enum emu_target_kind	 kind;
	char			*id;		/* i-..., mi-..., ecs:C_T_R */
	char			*ping;		/* Online, ConnectionLost, ... */
	char			*agent_version;
	char			*platform_type;
	char			*platform_name;
	char			*platform_version;
	char			*resource_type;
	char			*region;
	char			*ip;
	char			*computer_name;
	struct emu_tag		*tags;
	size_t			 ntags;
	struct emu_portmap	*ports;
	size_t			 nports;
	struct emu_portmap	*hosts;
	size_t			 nhosts;
	struct emu_target_agent	 agent;
	cJSON			*extra;		/* the whole entry, for later */
};

/* A long-term access key the emulator accepts. */
struct emu_key {
	char		*access_key_id;
	char		*secret_access_key;
	char		*user;		/* IAM user name: the SessionId prefix */
	char		*account;
	cJSON		*policy;	/* IAM policy (emu_iam.c); NULL: any */
};

struct emu_web_identity {
	char		*token;		/* exact token file content */
	char		*role_arn;	/* NULL: any role */
	char		*subject;
};

struct emu_sso_role {
	char		*account_id;
	char		*role_name;
};

/* One SSO login: its bearer token, client and refresh token, roles. */
struct emu_sso {
	char		*access_token;
	char		*client_id;
	char		*client_secret;
	char		*refresh_token;
	char		*user;
	struct emu_sso_role *roles;
	size_t		 nroles;
};

struct emu_kms_key {
	char		*id;		/* uuid */
	char		*arn;
	char		**aliases;	/* "alias/x" */
	size_t		 naliases;
	int		 enabled;
	uint8_t		 secret[32];	/* wraps data keys (AES-256-GCM) */
};

struct emu_registry {
	char			*path;		/* for messages */
	char			*account;
	char			*region;
	struct emu_key		*keys;
	size_t			 nkeys;
	struct emu_target	*targets;
	size_t			 ntargets;
	char			**documents;	/* extra Session document names */
	struct emu_document	*docdefs;	/* the same, in full */
	size_t			 ndocuments;
	struct emu_web_identity	*web;
	size_t			 nweb;
	struct emu_sso		*sso;
	size_t			 nsso;
	struct emu_kms_key	*kms;
	size_t			 nkms;
	char			*imds_role;
	char			*imds_instance;
	char			*imds_az;
	char			*container_path;
	char			*container_auth;	/* NULL: no check */
	cJSON			*root;		/* the parsed file */
};

/* emu_registry.c */
struct emu_registry *emu_registry_parse(const char *text, size_t len,
	    const char *name, char **cause);
struct emu_registry *emu_registry_load(const char *path, char **cause);
struct emu_registry *emu_registry_default(void);
void	emu_registry_free(struct emu_registry *);
struct emu_target *emu_registry_find_target(struct emu_registry *,
	    const char *id);
const char *emu_registry_tag(const struct emu_target *, const char *key);
struct emu_kms_key *emu_registry_find_kms(struct emu_registry *,
	    const char *key_id);
int	emu_registry_is_instance_id(const char *);
/* Add one target (an "instances" entry, or "ecs" if ecs); its id must be
 * new. Return 0, or -1 and *cause. */
int	emu_registry_add_target(struct emu_registry *, const cJSON *,
	    int ecs, char **cause);
const struct emu_document *emu_registry_find_document(
	    const struct emu_registry *, const char *name);

/* ---------------------------------------------------------------- creds */

enum emu_cred_kind {
	EMU_CRED_STATIC,
	EMU_CRED_STS,
	EMU_CRED_SSO,
	EMU_CRED_IMDS,
	EMU_CRED_CONTAINER,
};

/* A credential the emulator knows: static from the world or issued. */
struct emu_cred {
	struct aws_creds	 creds;		/* what the verifier sees */
	enum emu_cred_kind	 kind;
	char			*arn;		/* caller ARN */
	char			*user_id;	/* GetCallerIdentity UserId */
	char			*caller_name;	/* SessionId prefix */
	cJSON			*policy;	/* a key's IAM policy, or NULL */
	RB_ENTRY(emu_cred)	 entry;
	TAILQ_ENTRY(emu_cred)	 issued;
};

/* emu_auth.c */
void	emu_auth_init(void);
void	emu_auth_free(void);
void	emu_auth_load(struct emu_registry *);
struct emu_cred *emu_auth_find(const char *akid);
struct emu_cred *emu_auth_issue(enum emu_cred_kind, const char *account,
	    const char *arn, const char *user_id, const char *caller_name,
	    int64_t lifetime);
u_int	emu_auth_issued_count(void);
char	*emu_auth_time_iso8601(int64_t);
char	*emu_auth_token(void);

/* What emu_auth_check() found out about a request's signature. */
struct emu_auth {
	struct emu_cred		*caller;	/* NULL unless valid */
	enum aws_sigv4_fault	 fault;		/* AWS_SIGV4_OK when valid */
	const char		*code;		/* the AWS error code, if not */
	char			*cause;		/* the AWS message, if not */
	char			*region;	/* credential scope, or NULL */
	char			*service;	/* the same */
	char			*access_key_id;	/* signed with, valid or not */
	int			 presigned;	/* auth in the query */
};
int	emu_auth_check(const char *method, const char *uri,
	    const struct aws_header *, size_t, const void *body, size_t len,
	    const char *scheme, int flags, struct emu_auth *);
void	emu_auth_clear(struct emu_auth *);

/* ---------------------------------------------------------------- knobs */

struct emu_throttle {
	char		*op;		/* "ssm:StartSession" or "*" */
	double		 rate;		/* tokens per second */
	double		 burst;
	double		 level;
	uint64_t	 last_ms;
};

struct emu_fail {
	char		*op;
	u_int		 count;		/* calls still to fail */
	char		*code;
	int		 status;
	char		*message;
};

struct emu_deny {
	char		*access_key_id;	/* "*" for any */
	char		*action;	/* "ssm:StartSession" or "*" */
};

struct emu_delay {
	char		*op;
	u_int		 ms;
};

/* What a fault rule applies to (data channel, emu_fault.c). */
#define EMU_FAULT_IN		0x1	/* client -> agent */
#define EMU_FAULT_OUT		0x2	/* agent -> client */
#define EMU_FAULT_DATA		0x1	/* stream data: sequenced messages */
#define EMU_FAULT_ACK		0x2	/* acknowledge */
#define EMU_FAULT_OTHER		0x4	/* anything else */

/* One "faults" entry: rates in [0, 1], drawn per message. */
struct emu_fault_rule {
	int		 dir;		/* EMU_FAULT_IN | EMU_FAULT_OUT */
	int		 what;		/* EMU_FAULT_DATA | ... */
	double		 loss;
	double		 dup;
	double		 reorder;	/* held back behind the next message */
	double		 delay;
	u_int		 delay_ms;
	double		 corrupt;	/* out only: a payload byte changed */
};

enum emu_resend_mode {
	EMU_RESEND_FRONT,	/* the agent's: oldest overdue entry per tick */
	EMU_RESEND_ALL,		/* every overdue entry; all on reattach */
};

enum emu_handshake_mode {
	EMU_HS_NORMAL,
	EMU_HS_UNKNOWN_ACTION,	/* an extra action of an unknown type */
	EMU_HS_SESSION_TYPE,	/* SessionType Standard_Stream */
	EMU_HS_KMS,		/* a KMSEncryption action */
	EMU_HS_NO_REQUEST,	/* no HandshakeRequest at all */
	EMU_HS_NO_COMPLETE,	/* no HandshakeComplete after the response */
};

enum emu_malformed {
	EMU_MAL_NONE,
	EMU_MAL_BAD_DIGEST,	/* a corrupted copy before the first Output */
	EMU_MAL_BAD_LENGTH,	/* PayloadLength one more than carried */
	EMU_MAL_SHORT,		/* 100 bytes */
	EMU_MAL_UNKNOWN_TYPE,	/* a well-formed message of an unknown type */
	EMU_MAL_TEXT,		/* a text frame */
	EMU_MAL_ALL,
};

enum emu_drop_mode {
	EMU_DROP_RESET,		/* TCP reset, no close frame */
	EMU_DROP_BYE,		/* close 1000 "Bye" */
};

enum emu_resume_mode {
	EMU_RESUME_OK,		/* fresh token, same StreamUrl (before 2026) */
	EMU_RESUME_NEW_URL,	/* fresh token and a new cell-number */
	EMU_RESUME_NO_TOKEN,	/* 200 with no TokenValue */
	EMU_RESUME_NOT_FOUND,	/* DoesNotExistException */
};

/* What the data channel's WebSocket upgrade must carry (emu_dc.c). */
enum emu_upgrade_auth {
	EMU_UPGRADE_REQUIRED,	/* a valid SigV4 signature (2026) */
	EMU_UPGRADE_OPTIONAL,	/* checked if present; unsigned accepted */
	EMU_UPGRADE_OFF,	/* not looked at (before plugin 1.2.764.0) */
};

/* The service's minimum supported client since late 2025. */
#define EMU_MIN_CLIENT_VERSION	"1.2.764.0"
#define EMU_VERSION_MAX		32	/* bytes of a version knob, NUL too */

/*
 * Every knob lives here; emu_knobs.c has one table naming each, its type
 * and bounds, used for the command line, the knob file, POST /_emu/knobs
 * and GET /_emu/knobs alike. Add a field and a table row together.
 */
struct emu_knobs {
	int			 delay_ms;	/* every response */
	int			 creds_ttl;	/* issued credentials; seconds */
	int			 imds_v2;	/* 0: PUT token answers 403 */
	int			 imds_v1;	/* 0: GET without token is 401 */
	enum emu_resume_mode	 resume;	/* live sessions */
	enum emu_resume_mode	 resume_ended;	/* terminated sessions */
	struct emu_throttle	*throttle;
	size_t			 nthrottle;
	struct emu_fail		*fail;
	size_t			 nfail;
	struct emu_deny		*deny;
	size_t			 ndeny;
	struct emu_delay	*delay;
	size_t			 ndelay;

	/* The data channel: the gateway and the agent (emu_dc.c ...). */
	enum emu_upgrade_auth	 upgrade_auth;
	/* OpenDataChannel's ClientVersion at least this; "": any. */
	char			 min_client_version[EMU_VERSION_MAX];
	int			 pacing;	/* 1: like the agent */
	int			 pace_us;	/* one message per pace_us */
	int			 chunk;		/* payload bytes per message */
	int			 window;	/* unacked messages; 0: no limit */
	enum emu_resend_mode	 resend;
	int			 handshake_timeout_ms;
	enum emu_handshake_mode	 handshake;
	enum emu_malformed	 malformed;
	int			 seed;		/* fault draws; 0: random */
	struct emu_fault_rule	*faults;
	size_t			 nfaults;
	int			 drop_after;	/* messages per connection */
	int			 drop_count;	/* drops left; -1: no limit */
	enum emu_drop_mode	 drop_mode;
	int			 rotate_ms;
	int			 mute_after_ms;
	int			 pause_at_ms;	/* -1: never */
	int			 pause_ms;	/* -1: no start_publication */
	int			 refuse;	/* dials to fail; -1: all */
	int			 dial_delay_ms;
	int			 not_ready;	/* client messages not acked */
	int			 idle_timeout_ms;
	int			 max_session_ms;
	int			 keepalive_ms;
	int			 keepalive_timeout_ms;
};

#define EMU_COUNTER_TIMES	64

/* Per-operation counters for GET /_emu/state. */
struct emu_counter {
	char			*op;
	u_int			 calls;
	u_int			 ok;
	u_int			 errors;
	u_int			 throttled;
	u_int			 injected;
	/* Calls in time, for API budgets: the busiest second, the last
	 * EMU_COUNTER_TIMES call times (wall clock, ms). */
	uint64_t		 sec;		/* the second being counted */
	u_int			 in_sec;
	u_int			 max_per_sec;
	uint64_t		 times[EMU_COUNTER_TIMES];
	u_int			 ntimes;	/* all recorded; ring index */
	RB_ENTRY(emu_counter)	 entry;
};

/* emu_knobs.c */
void	emu_knobs_init(struct emu_knobs *);
void	emu_knobs_clear(struct emu_knobs *);
int	emu_knobs_set_json(struct emu_knobs *, const cJSON *, char **cause);
int	emu_knobs_set_arg(struct emu_knobs *, const char *arg, char **cause);
int	emu_knobs_load(struct emu_knobs *, const char *path, char **cause);
cJSON	*emu_knobs_to_json(const struct emu_knobs *);
int	emu_knobs_throttled(struct emu_knobs *, const char *op, uint64_t now);
struct emu_fail *emu_knobs_take_fail(struct emu_knobs *, const char *op);
int	emu_knobs_denied(const struct emu_knobs *, const char *akid,
	    const char *op);
u_int	emu_knobs_delay(const struct emu_knobs *, const char *op);
void	emu_knobs_usage(void);
struct emu_counter *emu_counter_get(const char *op);
/* Count a call of op now. */
void	emu_counter_call(const char *op);
cJSON	*emu_counter_to_json(void);
void	emu_counter_reset(void);
void	emu_counter_free_all(void);

/* -------------------------------------------------------------- sessions */

enum emu_session_state {
	EMU_SESSION_ACTIVE,
	EMU_SESSION_TERMINATED,
};

struct emu_session {
	char			*id;
	char			*target;
	char			*document;
	cJSON			*parameters;	/* object: name -> [string] */
	char			*reason;
	char			*access_key_id;	/* who started it */
	char			*account;	/* the starter's account */
	char			*region;	/* StartSession's signing region */
	char			*token;		/* current TokenValue */
	char			*stream_url;	/* current StreamUrl */
	enum emu_session_state	 state;
	int64_t			 created;	/* wall seconds */
	u_int			 resumes;
	void			*agent;		/* the data-channel side's */
	RB_ENTRY(emu_session)	 entry;
	TAILQ_ENTRY(emu_session) order;
};

/*
 * The data-channel side plugs in here. start may refuse a session (return
 * -1 with an AWS error code in *code, static, and a message in *cause);
 * the target is valid only during the call (POST /_emu/world replaces
 * targets). resume and terminate are told after the API side changed the
 * record.
 */
struct emu_session_hooks {
	int	(*start)(struct emu_session *, const struct emu_target *,
		    const char **code, char **cause);
	void	(*resume)(struct emu_session *);
	void	(*terminate)(struct emu_session *);
	/* The record is about to be freed: let go of s->agent now. */
	void	(*free)(struct emu_session *);
	/* What GET /_emu/state shows of the data channel, or NULL. */
	cJSON	*(*state)(const struct emu_session *);
	/* A target's ping status changed (POST /_emu/target). */
	void	(*target)(const struct emu_target *);
};

/* emu_session.c */
void	emu_session_set_hooks(const struct emu_session_hooks *);
/* A session for caller (its name is the SessionId's prefix) signing in
 * region (NULL: the world's). */
struct emu_session *emu_session_new(const struct emu_cred *caller,
	    const char *region, const char *target, const char *document,
	    const cJSON *parameters, const char *reason);
int	emu_session_start(struct emu_session *, const struct emu_target *,
	    const char **code, char **cause);
struct emu_session *emu_session_find(const char *id);
struct emu_session *emu_session_find_token(const char *token);
void	emu_session_resume(struct emu_session *, int new_url);
void	emu_session_terminate(struct emu_session *);
void	emu_session_target_changed(const struct emu_target *);
void	emu_session_free_all(void);
cJSON	*emu_session_to_json(void);

/* ------------------------------------------------------------- requests */

enum emu_proto {
	EMU_PROTO_JSON,		/* JSON 1.1: __type and message */
	EMU_PROTO_QUERY,	/* STS: XML ErrorResponse */
	EMU_PROTO_REST,		/* SSO portal: x-amzn-ErrorType, message */
	EMU_PROTO_OIDC,		/* SSO OIDC: error, error_description */
	EMU_PROTO_PLAIN,	/* IMDS, container, admin: text */
};

struct emu_req;
typedef void (*emu_op_cb)(struct emu_req *);

/* One operation a service answers. */
struct emu_op {
	const char	*name;		/* "ssm:StartSession" */
	enum emu_proto	 proto;
	int		 signed_;	/* needs SigV4 */
	emu_op_cb	 fn;
};

struct emu_listener;

/* A request being answered. Freed when its answer is sent. */
struct emu_req {
	u_int			 id;
	struct evhttp_request	*req;
	struct emu_listener	*listener;
	const struct emu_op	*op;
	const char		*method;
	const char		*path;		/* decoded path, no query */
	char			 pathbuf[1024];
	char			*uri;		/* as on the wire */
	char			*body;		/* NUL-terminated copy */
	size_t			 body_len;
	cJSON			*json;		/* JSON body, if parsed */
	cJSON			*params;	/* query or form parameters */
	struct emu_cred		*caller;	/* NULL if unsigned */
	char			*signer;	/* access key it claims, or NULL */
	char			*region;	/* its signing region, or NULL */
	char			*session_id;	/* the session it started */
	char			 request_id[37];
	int			 status;
	const char		*code;		/* error code sent, or NULL */
	struct event		*delay_ev;
	struct evbuffer		*pending;	/* the answer, if delayed */
	struct evhttp_connection *evcon;
};

/* emu_http.c */
const char *emu_req_header(struct emu_req *, const char *);
const char *emu_req_param(struct emu_req *, const char *);
void	emu_reply(struct emu_req *, int status, const char *ctype,
	    struct evbuffer *body);
void	emu_reply_json(struct emu_req *, int status, cJSON *);
void	emu_reply_text(struct emu_req *, int status, const char *ctype,
	    const char *text);
void	emu_reply_invalid(struct emu_req *, const char *code,
	    const char *member, const char *value, const char *constraint);
void	emu_reply_error(struct emu_req *, const char *code, int status,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int	emu_http_listen(struct event_base *, const char *addr, int port,
	    struct ssl_ctx_st *, char **cause);
int	emu_http_port(int tls);
int	emu_socket_port(int fd);
void	emu_http_free(void);
const char *emu_json_string(const cJSON *, const char *name);

/* Listeners for the data channel: raw accepted connections. */
typedef void (*emu_ws_accept_cb)(struct bufferevent *, int tls, void *);
void	emu_ws_set_accept(emu_ws_accept_cb, void *);
int	emu_ws_listen(struct event_base *, const char *addr, int port,
	    struct ssl_ctx_st *, char **cause);
int	emu_ws_port(int tls);
void	emu_ws_free(void);

/* The service tables. */
extern const struct emu_op emu_ssm_ops[];
extern const struct emu_op emu_kms_ops[];
extern const struct emu_op emu_sts_ops[];
extern const struct emu_op emu_vend_ops[];
extern const struct emu_op emu_admin_ops[];

/* emu_ssm_describe.c */
void	emu_ssm_describe_instance_information(struct emu_req *);

/* emu_vend.c: the unsigned credential vendors */
int	emu_vend_match(const char *method, const char *path,
	    const struct emu_op **);
void	emu_vend_free(void);

/* emu_dc.c: the data channel (gateway and agent, see emu_agent.h). */
void	emu_dc_init(void);
void	emu_dc_free_all(void);
cJSON	*emu_dc_state_json(void);
void	emu_dc_admin(struct emu_req *);

/*
 * emu_calls.c: who signed each API call and data-channel upgrade, the
 * last EMU_CALLS_MAX of them (GET /_emu/calls). access_key_id is the key
 * the request was signed with (valid or not), caller the principal's ARN
 * when the signature was good; op, status and the rest as README.md says.
 */
#define EMU_CALLS_MAX		512
void	emu_calls_add(const char *op, const char *access_key_id,
	    const char *caller, int status, const char *session_id,
	    const char *role_session_name, const char *reason);
cJSON	*emu_calls_to_json(void);
void	emu_calls_reset(void);

/* emu_admin.c */
int	emu_admin_match(const char *method, const char *path,
	    const struct emu_op **);

/* emu_sts.c */
int	emu_sts_parse_form(const char *text, size_t len, cJSON *into);
char	*emu_xml_escape(const char *);

/* ---------------------------------------------------------------- world */

struct emu {
	struct event_base	*base;
	struct emu_registry	*registry;
	struct emu_knobs	 knobs;
	const char		*address;	/* listeners bind here */
	const char		*region;
	u_int			 requests;
	int			 verbose;
};
extern struct emu emu;

#endif /* EMU_H */

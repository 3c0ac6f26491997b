/*
 * config.h: gatewayd.conf, parsed into plain structs.
 *
 * One table (config_table.c) lists every key: section, type, bounds,
 * default, one line of help. Parsing, validation, gatewayd -n output and
 * the example file all come from it. Fields start unset; defaults and the
 * [gateway] values forwards inherit (region, profile, ...) are filled in
 * after the whole file is read, so every field below is set once
 * config_load() returns a config.
 *
 * The file: a [gateway] section and one [forward "NAME"] per tunnel
 * (NAME: letters, digits, '-', '_', '.'). Lines are at most 199
 * characters (Debian's libinih); '#' or ';' starts a comment line and ';'
 * after a blank ends a value; indentation never continues a value; a
 * value may be in double quotes. allow and route may be given more than
 * once and their entries add up; any other key twice in a section is an
 * error.
 *
 * Durations are kept in milliseconds, sizes in bytes.
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <stdint.h>
#include <stdio.h>

#include "log.h"

#define CONFIG_DEFAULT_PATH	"/etc/gatewayd/gatewayd.conf"
#define CONFIG_DEFAULT_CONTROL	"/run/gatewayd/control.sock"

enum listen_kind {
	LISTEN_TCP,
	LISTEN_UNIX,
};

/* Where a forward listens. */
struct listen_spec {
	enum listen_kind	 kind;
	char			*text;		/* canonical: "127.0.0.1:15432",
						   "[::1]:80", "unix:/run/db.sock" */
	struct sockaddr_storage	 ss;		/* TCP: numeric address and port */
	socklen_t		 sslen;
	char			*path;		/* unix: socket path */
	mode_t			 mode;		/* unix: permissions (default 0600) */
	uid_t			 owner;		/* unix: (uid_t)-1 = unchanged */
	gid_t			 group;		/* unix: (gid_t)-1 = unchanged */
};

enum allow_kind {
	ALLOW_CIDR,		/* TCP listeners */
	ALLOW_USER,		/* unix sockets: peer uid */
	ALLOW_GROUP,		/* unix sockets: peer gid or a member of it */
};

struct allow_rule {
	enum allow_kind	 kind;
	int		 family;	/* AF_INET or AF_INET6 */
	uint8_t		 addr[16];
	unsigned	 prefix;
	uid_t		 uid;
	gid_t		 gid;
};

/* An empty list (n == 0) allows everyone that can reach the listener. */
struct allow_list {
	struct allow_rule	*rules;
	size_t			 n;
	char			*text;		/* canonical, for -n output */
};

/* A key that may repeat, each value kept as written (route). */
struct config_strings {
	char	**v;
	size_t	  n;
};

/* How a socks forward's clients prove who they are. */
enum config_socks_auth {
	CONFIG_SOCKS_AUTH_NONE,
	CONFIG_SOCKS_AUTH_PASSWORD,	/* RFC 1929, against socks_users */
};

/* How a tag: target picks among several Online instances. */
enum config_target_pick {
	CONFIG_PICK_ERROR,	/* refuse: the tag should name one */
	CONFIG_PICK_FIRST,	/* the lowest instance id */
	CONFIG_PICK_RANDOM,
	CONFIG_PICK_NEWEST,	/* the most recent LastPingDateTime */
};

/* One [forward "NAME"] section. */
struct fwd_config {
	char			*name;
	char			*file;		/* where it was defined */
	unsigned		 line;

	struct listen_spec	 listen;
	char			*forwarder;	/* "tcp", "ssm", ... */
	char			*target;	/* host (tcp); i-..., tag:K=V (ssm) */
	unsigned		 remote_port;
	char			*remote_host;	/* ssm: to-remote-host document */
	struct allow_list	 allow;
	unsigned		 max_conns;	/* 0 = unlimited */
	unsigned		 connect_timeout;	/* ms */

	/* AWS: inherited from [gateway] when unset. Later issues add more. */
	char			*region;
	char			*profile;
	char			*endpoint_url;
	/* Whose credentials start sessions (docs/identity.md). */
	int			 identity;	/* enum config_identity */
	char			*role_arn;	/* assumed per local user */
	char			*role_session_name; /* %u: the user; NULL: %u */
	/* Computed: sessions are per local user (identity user, or a
	 * role_session_name with %u), so a conn's user must be known. */
	int			 identity_per_user;

	/* ssm forwards only (unset for others). */
	char			*document;	/* by remote_host by default */
	char			*reason;	/* StartSession's Reason */
	int			 warm;		/* a session from the start */
	int			 target_pick;	/* enum config_target_pick */
	char			*client_version; /* in the handshake */
	unsigned		 handshake_timeout;	/* ms, to a session */
	unsigned		 stall_timeout;	/* ms a client may not read */
	int			 sign_websocket; /* SigV4 on the upgrade */
	/* The session pool's policy (forwarders/ssm/ssm_pool.h). */
	unsigned		 max_session_duration;	/* ms, 0: none */
	unsigned		 session_max_age;	/* ms, 0: none */
	int			 idle_policy;	/* enum config_idle_policy */
	unsigned		 release_delay;	/* ms */
	unsigned		 max_sessions;	/* mux sessions (striping) */
	unsigned		 half_close_timeout;	/* ms, 0: none */

	/* socks forwards only: where requests may go, who may ask. */
	struct config_strings	 routes;
	int			 socks_auth;	/* enum config_socks_auth */
	char			*socks_users;	/* user:password lines */

	TAILQ_ENTRY(fwd_config)	 entry;
};
TAILQ_HEAD(fwd_configs, fwd_config);

/* Whose AWS credentials start an ssm forward's sessions. */
enum config_identity {
	CONFIG_IDENTITY_SHARED,	/* the forward's profile's (the daemon's) */
	CONFIG_IDENTITY_USER,	/* each local user's, from gatewayctl login */
};

/* What an ssm forward does with a session no client uses. */
enum config_idle_policy {
	CONFIG_IDLE_HOLD,	/* keep it (and warm keeps one open) */
	CONFIG_IDLE_RELEASE,	/* end it after release_delay */
};

/* The [gateway] section and the forwards. */
struct gw_config {
	char			*file;
	char			*control;	/* control socket path */
	mode_t			 control_mode;
	unsigned		 drain_timeout;	/* ms */

	enum log_level		 log_level;
	enum log_target		 log_target;
	int			 log_facility;
	int			 log_json;
	/* The metrics endpoint (gatewayd/metrics.h); text NULL: off. */
	struct listen_spec	 metrics;
	struct allow_list	 metrics_allow;	/* who may scrape */

	char			*region;
	char			*profile;
	char			*endpoint_url;	/* NULL: the AWS rules decide */
	int			 identity;	/* forwards' default */
	char			*role_arn;
	char			*role_session_name;

	/* The AWS client (gatewayd/aws/aws.h struct aws_options). */
	unsigned		 api_rate;	/* calls a second, gateway-wide */
	unsigned		 api_burst;
	unsigned		 max_attempts;	/* 0: AWS_MAX_ATTEMPTS, profile, 3 */
	unsigned		 api_connect_timeout;	/* ms */
	unsigned		 api_timeout;	/* ms, one attempt */
	unsigned		 credential_process_timeout;	/* ms */
	char			*ca_bundle;	/* NULL: AWS_CA_BUNDLE, profile */
	int			 allow_plain_ws; /* ws:// StreamUrls (tests) */
	unsigned		 max_sessions_per_target;	/* 0: no cap */
	int			 exit_on_fwd_failure;	/* at start */
	gid_t			 control_group;	/* -1: ours */
	uid_t			 user;		/* -1: stay who we are */
	gid_t			 group;		/* -1: user's group */

	/* Audit records (audit.c): NULL: none. */
	char			*audit;		/* a path, "syslog", "journal" */
	uint64_t		 audit_queue;	/* bytes held for the sink */

	/* gatewayctl connect: off while connect_allow is empty. */
	struct allow_list	 connect_allow;	/* user:, group:, uid:, gid: */
	char			*connect_targets; /* fnmatch patterns; NULL: any */
	char			*connect_ports;	/* port numbers; NULL: any */
	char			*connect_profiles; /* patterns; NULL: none */
	unsigned		 connect_idle;	/* ms an unused one is kept */

	struct fwd_configs	 forwards;
	unsigned		 nforwards;
};

/*
 * Errors collected while loading, each "file:line: forward "x": key: ...",
 * in file order.
 */
struct config_errors {
	char	**v;
	size_t	  n;
};

/*
 * Load and validate path. Return the config, or NULL with every error in
 * errs (the caller prints or logs them, then calls config_errors_clear).
 * Parsing goes on after an error so that all of them are reported.
 */
struct gw_config *config_load(const char *path, struct config_errors *errs);
/* The same from memory; name is used in messages (tests, fuzzing). */
struct gw_config *config_load_buffer(const char *name, const char *buf,
	    size_t len, struct config_errors *errs);
void	 config_errors_clear(struct config_errors *);
void	 config_free(struct gw_config *);
/* Free one forward taken off a config's list (gateway.c keeps them). */
void	 config_fwd_free(struct fwd_config *);

/* The effective config, every default filled in (gatewayd -n). */
void	 config_print(FILE *, const struct gw_config *);

/*
 * A config for one-shot mode from -L specs ([bind:]port:target:remote_port)
 * with no file: bind is an IPv4 address, [v6addr] or localhost (default
 * 127.0.0.1, and it must be loopback); an AWS target may carry a remote
 * host (15432:tag:Name=bastion:db.internal:5432). The forwards are named
 * L1, L2, ... Return NULL and *cause (every bad spec, "; " between them).
 */
struct gw_config *config_from_specs(char **specs, int nspecs, char **cause);
/*
 * The same, with the region and profile of every forward (NULL: unset);
 * no spec at all gives the [gateway] section alone (gatewayd -W).
 */
struct gw_config *config_from_options(char **specs, int nspecs,
	    const char *region, const char *profile, char **cause);

/*
 * A forward section made at run time (gatewayctl connect, SOCKS): name,
 * then key and value pairs as a file would give them (kv ends with a
 * NULL key), every other key inherited from gw or its default, as if it
 * stood in gw's file; no listen. Return it (config_fwd_free), or NULL
 * and *cause (every error, "; " between them).
 */
struct fwd_config *config_fwd_make(const struct gw_config *gw,
	    const char *name, const char *const *kv, char **cause);

/*
 * A -W destination, as -L's without its local port: TARGET:PORT,
 * TARGET:HOST:PORT, tag:KEY=VALUE:PORT, ... Return 0 with *target,
 * *host (NULL if none; caller frees both) and *port, or -1 and *cause.
 */
int	 config_parse_dest(const char *, char **target, char **host,
	    unsigned *port, char **cause);

/*
 * 1 if the two forwards would behave identically (reload diff): every key's
 * effective value is equal. The name and where it was defined are not
 * compared.
 */
int	 config_fwd_equal(const struct fwd_config *, const struct fwd_config *);

/*
 * The RoleSessionName role_session_name tmpl (NULL: "%u") makes for a
 * local user: %u the user, %% a '%', characters STS does not take made
 * '-', cut at 64. Caller frees; NULL and *cause for a bad escape.
 */
char	*config_role_session_name(const char *tmpl, const char *user,
	    char **cause);

/*
 * Write an example gatewayd.conf, every key with its help and default, from
 * the key table (contrib/gatewayd.conf.example is this output).
 */
void	 config_print_example(FILE *);

/*
 * What config asks the forwarders. Config knows none of them and includes
 * none of their headers: the forwarder registry (forwarders/forwarder.c)
 * answers for every forwarder of the build.
 *
 * forwarder_name: the i-th forwarder's name, or NULL past the last (the
 * choices of the forwarder key).
 * forwarder_key_default, forwarder_key_check: for a key only forwarder
 * reads and checks itself (client_version for ssm), its default as a
 * user writes it (or NULL), and whether value is good for it: 0, or -1
 * and *cause (caller frees).
 * forwarder_has_target: 0 for a forwarder whose clients name the far side
 * of each connection (socks): target, remote_host and remote_port are
 * not its keys; 1 for the others.
 */
const char *forwarder_name(size_t i);
int	 forwarder_has_target(const char *forwarder);
const char *forwarder_key_default(const char *forwarder, const char *key);
int	 forwarder_key_check(const char *forwarder, const char *key,
	    const char *value, char **cause);

#endif /* CONFIG_H */

/*
 * The table of every gatewayd.conf key. Parsing, defaults, inheritance,
 * gatewayd -n output, the reload comparison and the example file all walk
 * it; adding a key is one row here and one field in config.h.
 *
 * Rows of a section are printed in table order.
 */

#include <sys/types.h>

#include <stddef.h>
#include <string.h>
#include <syslog.h>

#include "config_int.h"
#include "util.h"
#include "xmalloc.h"

#define GW(f)	CONFIG_GATEWAY, .offset = offsetof(struct gw_config, f)
#define FWD(f)	CONFIG_FORWARD, .offset = offsetof(struct fwd_config, f)

static const char *const config_log_levels[] = {
	"warn", "info", "debug", NULL
};
static const int config_log_level_values[] = {
	LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG
};

static const char *const config_log_targets[] = { "stderr", "syslog", NULL };
static const int config_log_target_values[] = {
	LOG_TARGET_STDERR, LOG_TARGET_SYSLOG
};

static const char *const config_log_facilities[] = {
	"daemon", "user", "auth", "authpriv", "local0", "local1", "local2",
	"local3", "local4", "local5", "local6", "local7", NULL
};
static const int config_log_facility_values[] = {
	LOG_DAEMON, LOG_USER, LOG_AUTH, LOG_AUTHPRIV, LOG_LOCAL0, LOG_LOCAL1,
	LOG_LOCAL2, LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5, LOG_LOCAL6, LOG_LOCAL7
};

static const char *const config_log_formats[] = { "text", "json", NULL };
static const int config_log_format_values[] = { 0, 1 };

static const char *const config_target_picks[] = {
	"error", "first", "random", "newest", NULL
};
static const int config_target_pick_values[] = {
	CONFIG_PICK_ERROR, CONFIG_PICK_FIRST, CONFIG_PICK_RANDOM,
	CONFIG_PICK_NEWEST
};

static const char *const config_idle_policies[] = { "hold", "release", NULL };
static const int config_idle_policy_values[] = {
	CONFIG_IDLE_HOLD, CONFIG_IDLE_RELEASE
};

static const char *const config_identities[] = { "shared", "user", NULL };
static const int config_identity_values[] = {
	CONFIG_IDENTITY_SHARED, CONFIG_IDENTITY_USER
};

static const char *const config_socks_auths[] = { "none", "password", NULL };
static const int config_socks_auth_values[] = {
	CONFIG_SOCKS_AUTH_NONE, CONFIG_SOCKS_AUTH_PASSWORD
};

/*
 * The document StartSession names: to remote_host, or to the target. A
 * remote_host that is the target's own loopback is the target itself:
 * current agents refuse loopback through the remote-host document (their
 * deny list, ssm-data-channel.md 9.2).
 */
static const char *
config_default_document(const void *base)
{
	const struct fwd_config	*fc = base;

	if (fc->remote_host != NULL && !util_host_is_loopback(fc->remote_host))
		return ("AWS-StartPortForwardingSessionToRemoteHost");
	return ("AWS-StartPortForwardingSession");
}

/* A document name or ARN as StartSession takes it (ssm-data-channel.md
 * 2.5): 3 to 128 of letters, digits and _-.:/ */
static int
config_check_document(const char *s, char **cause)
{
	size_t	n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.:/");

	if (s[n] != '\0') {
		xasprintf(cause, "\"%s\" has a character a document name "
		    "cannot have ('%c')", s, s[n]);
		return (-1);
	}
	if (n < 3 || n > 128) {
		xasprintf(cause, "\"%s\" is not 3 to 128 characters long", s);
		return (-1);
	}
	return (0);
}

int
config_key_applies(const struct config_key *key, const struct fwd_config *fc)
{
	if ((key->flags & CONFIG_TARGET) && fc->forwarder != NULL)
		return (forwarder_has_target(fc->forwarder));
	if (key->forwarder == NULL)
		return (1);
	return (fc->forwarder != NULL &&
	    strcmp(fc->forwarder, key->forwarder) == 0);
}

const char *
config_key_choice(const struct config_key *key, size_t i)
{
	if (key->choice_fn != NULL)
		return (key->choice_fn(i));
	return (key->choices[i]);
}

const char *
config_key_default(const struct config_key *key)
{
	if (key->flags & CONFIG_FWD_OWN)
		return (forwarder_key_default(key->forwarder, key->name));
	return (key->def);
}

int
config_key_check(const struct config_key *key, const char *text,
    char **cause)
{
	if (key->flags & CONFIG_FWD_OWN)
		return (forwarder_key_check(key->forwarder, key->name, text,
		    cause));
	if (key->check != NULL)
		return (key->check(text, cause));
	return (0);
}

/* The audit sink: syslog, journal or a file's absolute path. */
static int
config_check_audit(const char *s, char **cause)
{
	if (strcmp(s, "syslog") == 0 || strcmp(s, "journal") == 0)
		return (0);
	if (*s != '/') {
		xasprintf(cause, "\"%s\" is not syslog, journal or an "
		    "absolute path", s);
		return (-1);
	}
	return (config_value_check_word(s, cause));
}

/* The forwarder a forward gets when it names none: ssm for AWS targets. */
static const char *
config_default_forwarder(const void *base)
{
	const struct fwd_config	*fc = base;

	if (fc->target != NULL && config_value_is_aws_target(fc->target))
		return ("ssm");
	return ("tcp");
}

const struct config_key config_table[] = {
	{ "control", GW(control), .type = CONFIG_STRING,
	  .def = CONFIG_DEFAULT_CONTROL, .check = config_value_check_path,
	  .help = "unix socket gatewayctl talks to" },
	{ "control_mode", GW(control_mode), .type = CONFIG_MODE,
	  .def = "0600",
	  .help = "permissions of the control socket" },
	{ "control_group", GW(control_group), .type = CONFIG_GROUP,
	  .example = "adm",
	  .help = "group of the control socket: with control_mode 0660, "
	  "its members may use gatewayctl" },
	{ "drain_timeout", GW(drain_timeout), .type = CONFIG_DURATION,
	  .min = 0, .max = 3600 * 1000, .def = "30s",
	  .help = "on stop, how long live connections may finish" },
	{ "log_level", GW(log_level), .type = CONFIG_ENUM,
	  .choices = config_log_levels, .values = config_log_level_values,
	  .def = "info",
	  .help = "how much to log" },
	{ "log_target", GW(log_target), .type = CONFIG_ENUM,
	  .choices = config_log_targets, .values = config_log_target_values,
	  .def = "stderr",
	  .help = "where to log" },
	{ "log_facility", GW(log_facility), .type = CONFIG_ENUM,
	  .choices = config_log_facilities,
	  .values = config_log_facility_values, .def = "daemon",
	  .help = "syslog facility" },
	{ "log_format", GW(log_json), .type = CONFIG_ENUM,
	  .choices = config_log_formats, .values = config_log_format_values,
	  .def = "text",
	  .help = "stderr lines as plain text or JSON objects" },
	{ "metrics", GW(metrics), .type = CONFIG_LISTEN,
	  .example = "127.0.0.1:9473",
	  .help = "serve Prometheus/OpenMetrics at GET /metrics on "
	  "host:port, [v6addr]:port or unix:/path; unset, off" },
	{ "metrics_allow", GW(metrics_allow), .type = CONFIG_ALLOW,
	  .flags = CONFIG_REPEAT, .example = "127.0.0.1, 10.0.0.0/8",
	  .help = "who may scrape metrics, as allow; required when metrics "
	  "is not loopback; may repeat" },
	{ "region", GW(region), .type = CONFIG_STRING,
	  .check = config_value_check_region, .example = "eu-west-1",
	  .help = "AWS region of forwards that name none" },
	{ "profile", GW(profile), .type = CONFIG_STRING,
	  .check = config_value_check_word, .example = "ops",
	  .help = "AWS profile of forwards that name none" },
	{ "endpoint_url", GW(endpoint_url), .type = CONFIG_STRING,
	  .check = config_value_check_url,
	  .example = "https://127.0.0.1:4566",
	  .help = "AWS endpoint override for forwards that name none" },
	{ "identity", GW(identity), .type = CONFIG_ENUM,
	  .choices = config_identities, .values = config_identity_values,
	  .def = "shared",
	  .help = "whose AWS credentials start the sessions of forwards "
	  "that name none and of gatewayctl connect: the daemon's "
	  "(shared), or each local user's own, lent with gatewayctl login "
	  "(user)" },
	{ "role_arn", GW(role_arn), .type = CONFIG_STRING,
	  .check = config_value_check_role_arn,
	  .example = "arn:aws:iam::123456789012:role/JumpBox",
	  .help = "a role assumed per local user, as role_session_name, "
	  "for forwards that name none" },
	{ "role_session_name", GW(role_session_name), .type = CONFIG_STRING,
	  .check = config_value_check_session_name, .example = "%u",
	  .help = "the RoleSessionName of role_arn: %u is the local user, "
	  "%% a %; default %u" },
	{ "api_rate", GW(api_rate), .type = CONFIG_UINT,
	  .min = 1, .max = 10000, .def = "10",
	  .help = "AWS API calls a second, for the whole gateway" },
	{ "api_burst", GW(api_burst), .type = CONFIG_UINT,
	  .min = 1, .max = 10000, .def = "20",
	  .help = "AWS API calls allowed at once after a quiet spell" },
	{ "max_attempts", GW(max_attempts), .type = CONFIG_UINT,
	  .min = 0, .max = 10, .def = "0",
	  .help = "attempts per AWS API call, the first included; 0: "
	  "AWS_MAX_ATTEMPTS, the profile's max_attempts, else 3" },
	{ "api_connect_timeout", GW(api_connect_timeout),
	  .type = CONFIG_DURATION, .min = 100, .max = 120 * 1000, .def = "5s",
	  .help = "connect timeout of one AWS API attempt" },
	{ "api_timeout", GW(api_timeout), .type = CONFIG_DURATION,
	  .min = 1000, .max = 600 * 1000, .def = "30s",
	  .help = "total timeout of one AWS API attempt" },
	{ "credential_process_timeout", GW(credential_process_timeout),
	  .type = CONFIG_DURATION, .min = 1000, .max = 3600 * 1000,
	  .def = "60s",
	  .help = "kill a profile's credential_process after this long" },
	{ "ca_bundle", GW(ca_bundle), .type = CONFIG_STRING,
	  .check = config_value_check_path, .example = "/etc/ssl/aws-ca.pem",
	  .help = "PEM file replacing the system trust store for AWS; default "
	  "AWS_CA_BUNDLE, the profile's ca_bundle" },
	{ "allow_plain_websocket", GW(allow_plain_ws), .type = CONFIG_BOOL,
	  .def = "no",
	  .help = "accept ws:// data channel URLs, unencrypted: for tests "
	  "against an emulator only" },
	{ "max_sessions_per_target", GW(max_sessions_per_target),
	  .type = CONFIG_UINT, .min = 0, .max = 10000, .def = "0",
	  .help = "Session Manager sessions open at once to one instance, "
	  "over every forward; 0 for no cap" },
	{ "exit_on_forward_failure", GW(exit_on_fwd_failure),
	  .type = CONFIG_BOOL, .def = "no",
	  .help = "exit at start if a forward cannot start, rather than "
	  "serve the others and retry it" },
	{ "user", GW(user), .type = CONFIG_USER, .example = "nobody",
	  .help = "started as root: run as this user once the sockets are "
	  "bound, keeping only CAP_NET_BIND_SERVICE" },
	{ "group", GW(group), .type = CONFIG_GROUP, .example = "65534",
	  .help = "with user: run as this group (default the user's)" },

	{ "audit", GW(audit), .type = CONFIG_STRING,
	  .check = config_check_audit,
	  .example = "/var/log/gatewayd/audit.log",
	  .help = "where an audit record of every connection accepted, "
	  "refused and closed goes: a file (reopened on SIGUSR1), syslog or "
	  "journal; unset, none" },
	{ "audit_queue", GW(audit_queue), .type = CONFIG_SIZE,
	  .min = 64 * 1024, .max = 1024 * 1024 * 1024, .def = "1M",
	  .help = "audit records held while the sink is not taking them; "
	  "beyond, records are dropped and counted" },

	{ "connect_allow", GW(connect_allow), .type = CONFIG_ALLOW,
	  .flags = CONFIG_REPEAT, .example = "user:root, group:adm",
	  .help = "who may use gatewayctl connect: user:, group:, uid:, "
	  "gid:; unset, nobody; may repeat" },
	{ "connect_targets", GW(connect_targets), .type = CONFIG_STRING,
	  .check = config_value_check_patterns,
	  .example = "i-* tag:Name=web-*",
	  .help = "targets gatewayctl connect may reach: patterns (* ? "
	  "[...]) or configured forwards' names; unset, any" },
	{ "connect_ports", GW(connect_ports), .type = CONFIG_STRING,
	  .check = config_value_check_ports, .example = "22 5432",
	  .help = "ports gatewayctl connect may reach; unset, any" },
	{ "connect_profiles", GW(connect_profiles), .type = CONFIG_STRING,
	  .check = config_value_check_patterns, .example = "dev ops-*",
	  .help = "profiles gatewayctl connect --profile may name "
	  "(another profile may be another role); unset, none" },
	{ "connect_idle", GW(connect_idle), .type = CONFIG_DURATION,
	  .min = 1000, .max = 24 * 3600 * 1000, .def = "10m",
	  .help = "how long a session gatewayctl connect or SOCKS started "
	  "is kept for later connections once none uses it" },

	{ "listen", FWD(listen), .type = CONFIG_LISTEN,
	  .flags = CONFIG_REQUIRED, .example = "127.0.0.1:15432",
	  .help = "host:port, [v6addr]:port or unix:/path; host is numeric "
	  "or localhost" },
	{ "socket_mode", FWD(listen.mode), .type = CONFIG_MODE,
	  .flags = CONFIG_UNIX, .def = "0600",
	  .help = "unix: listeners: permissions of the socket" },
	{ "socket_owner", FWD(listen.owner), .type = CONFIG_USER,
	  .flags = CONFIG_UNIX, .example = "root",
	  .help = "unix: listeners: owner of the socket, a name or number" },
	{ "socket_group", FWD(listen.group), .type = CONFIG_GROUP,
	  .flags = CONFIG_UNIX, .example = "root",
	  .help = "unix: listeners: group of the socket, a name or number" },
	{ "forwarder", FWD(forwarder), .type = CONFIG_ENUM,
	  .choice_fn = forwarder_name, .def_fn = config_default_forwarder,
	  .example = "ssm",
	  .help = "how to reach the target; default ssm for i-, mi-, tag:, "
	  "ecs: targets, else tcp" },
	{ "target", FWD(target), .type = CONFIG_STRING,
	  .flags = CONFIG_REQUIRED | CONFIG_TARGET,
	  .check = config_value_check_target,
	  .example = "i-0123456789abcdef0",
	  .help = "i-..., mi-..., tag:KEY=VALUE, ecs:... or a host (tcp); "
	  "not for socks" },
	{ "remote_port", FWD(remote_port), .type = CONFIG_PORT,
	  .flags = CONFIG_REQUIRED | CONFIG_TARGET, .example = "5432",
	  .help = "port to reach on the target or remote_host; not for "
	  "socks" },
	{ "remote_host", FWD(remote_host), .type = CONFIG_STRING,
	  .flags = CONFIG_TARGET,
	  .check = config_value_check_word, .example = "db.internal",
	  .help = "host the target connects to for you (AWS targets only)" },
	{ "allow", FWD(allow), .type = CONFIG_ALLOW, .flags = CONFIG_REPEAT,
	  .example = "127.0.0.1, 10.0.0.0/8",
	  .help = "who may connect: addresses or CIDRs (TCP); user:, group:, "
	  "uid:, gid: (unix:); may repeat" },
	{ "max_conns", FWD(max_conns), .type = CONFIG_UINT,
	  .min = 0, .max = 65535, .def = "1024",
	  .help = "live connections at most; 0 for no limit (one whose "
	  "client has sent EOF and that only waits for the far side's "
	  "end gives its slot to a new client)" },
	{ "connect_timeout", FWD(connect_timeout), .type = CONFIG_DURATION,
	  .min = 100, .max = 600 * 1000, .def = "10s",
	  .help = "how long opening the far side may take" },
	{ "region", FWD(region), .type = CONFIG_STRING,
	  .flags = CONFIG_INHERIT, .check = config_value_check_region,
	  .example = "us-east-1",
	  .help = "AWS region; default [gateway]'s" },
	{ "profile", FWD(profile), .type = CONFIG_STRING,
	  .flags = CONFIG_INHERIT, .check = config_value_check_word,
	  .example = "ops",
	  .help = "AWS profile; default [gateway]'s" },
	{ "endpoint_url", FWD(endpoint_url), .type = CONFIG_STRING,
	  .flags = CONFIG_INHERIT, .check = config_value_check_url,
	  .example = "https://127.0.0.1:4566",
	  .help = "AWS endpoint override; default [gateway]'s" },
	{ "identity", FWD(identity), .type = CONFIG_ENUM,
	  .forwarder = "ssm", .flags = CONFIG_INHERIT, .choices = config_identities,
	  .values = config_identity_values,
	  .example = "user",
	  .help = "ssm: shared (the forward's profile starts its sessions) "
	  "or user (each local user's own credentials, from gatewayctl "
	  "login; sessions never shared); default [gateway]'s" },
	{ "role_arn", FWD(role_arn), .type = CONFIG_STRING,
	  .forwarder = "ssm", .flags = CONFIG_INHERIT, .check = config_value_check_role_arn,
	  .example = "arn:aws:iam::123456789012:role/JumpBox",
	  .help = "ssm: assume this role per local user (role_session_name), "
	  "so that CloudTrail and the session ids name the person; default "
	  "[gateway]'s" },
	{ "role_session_name", FWD(role_session_name), .type = CONFIG_STRING,
	  .forwarder = "ssm", .flags = CONFIG_INHERIT, .check = config_value_check_session_name,
	  .example = "%u",
	  .help = "ssm: the RoleSessionName of role_arn: %u is the local "
	  "user, %% a %; default [gateway]'s, else %u" },
	{ "document", FWD(document), .type = CONFIG_STRING,
	  .forwarder = "ssm", .def_fn = config_default_document,
	  .check = config_check_document,
	  .example = "AWS-StartPortForwardingSession",
	  .help = "ssm: the Session document; default "
	  "AWS-StartPortForwardingSessionToRemoteHost with remote_host, "
	  "else AWS-StartPortForwardingSession" },
	/* Unset: "gatewayd NAME", left to the forwarder so that a forward
	 * renamed by a reload is not a changed one. */
	{ "reason", FWD(reason), .type = CONFIG_STRING,
	  .forwarder = "ssm", .example = "gatewayd db",
	  .help = "ssm: StartSession's Reason, seen in CloudTrail; default "
	  "\"gatewayd NAME\"" },
	{ "warm", FWD(warm), .type = CONFIG_BOOL,
	  .forwarder = "ssm", .def = "no",
	  .help = "ssm: open a session when the forward starts and keep "
	  "one open, rather than on the first connection" },
	{ "target_pick", FWD(target_pick), .type = CONFIG_ENUM,
	  .forwarder = "ssm", .choices = config_target_picks,
	  .values = config_target_pick_values, .def = "error",
	  .help = "ssm: when a tag: target matches several Online "
	  "instances: error, the lowest id, a random one, or the one "
	  "heard from last" },
	{ "client_version", FWD(client_version), .type = CONFIG_STRING,
	  .forwarder = "ssm", .flags = CONFIG_FWD_OWN,
	  .help = "ssm: the ClientVersion sent to the agent, which "
	  "chooses mux mode and keep-alive by it" },
	{ "handshake_timeout", FWD(handshake_timeout),
	  .type = CONFIG_DURATION, .forwarder = "ssm",
	  .min = 1000, .max = 600 * 1000, .def = "30s",
	  .help = "ssm: how long a connection waits for a session to "
	  "open" },
	{ "stall_timeout", FWD(stall_timeout), .type = CONFIG_DURATION,
	  .forwarder = "ssm", .min = 1000, .max = 24 * 3600 * 1000,
	  .def = "10s",
	  .help = "ssm: reset a connection whose client reads nothing "
	  "for this long while the 4 MiB its session may hold for clients "
	  "is full; smux cannot stop one stream, so every other "
	  "connection of the session waits meanwhile (new ones go to "
	  "another session within max_sessions): shorter lets them "
	  "resume sooner, longer spares a client that pauses; a client "
	  "that pauses without filling it is never reset" },
	{ "sign_websocket", FWD(sign_websocket), .type = CONFIG_BOOL,
	  .forwarder = "ssm", .def = "yes",
	  .help = "ssm: SigV4-sign the data channel's WebSocket upgrade, "
	  "as the service requires of clients since 1.2.764.0 (no: only "
	  "for old emulators)" },
	{ "max_session_duration", FWD(max_session_duration),
	  .type = CONFIG_DURATION, .forwarder = "ssm", .min = 0,
	  .max = 1440 * 60 * 1000, .def = "0",
	  .help = "ssm: the maximum session duration of the account's "
	  "Session Manager preferences (off unless set there); a "
	  "replacement opens a tenth of it (at most 1m) before the end; "
	  "0: none" },
	{ "session_max_age", FWD(session_max_age), .type = CONFIG_DURATION,
	  .forwarder = "ssm", .min = 0, .max = 7 * 24 * 3600 * 1000U,
	  .def = "0",
	  .help = "ssm: replace a session this old (new connections go to "
	  "the replacement, the old one ends with its last stream); 0: "
	  "never" },
	{ "idle_policy", FWD(idle_policy), .type = CONFIG_ENUM,
	  .forwarder = "ssm", .choices = config_idle_policies,
	  .values = config_idle_policy_values, .def = "hold",
	  .help = "ssm: a session without clients: hold it open, or release "
	  "it after release_delay (the next client opens another)" },
	{ "release_delay", FWD(release_delay), .type = CONFIG_DURATION,
	  .forwarder = "ssm", .min = 0, .max = 24 * 3600 * 1000,
	  .def = "1m",
	  .help = "ssm: with idle_policy release, how long a session "
	  "without clients stays open" },
	{ "max_sessions", FWD(max_sessions), .type = CONFIG_UINT,
	  .forwarder = "ssm", .min = 1, .max = 64, .def = "1",
	  .help = "ssm: mux sessions at once; above 1, another opens when "
	  "every one runs at its pacing ceiling (striping)" },
	{ "half_close_timeout", FWD(half_close_timeout),
	  .type = CONFIG_DURATION, .forwarder = "ssm", .min = 0,
	  .max = 3600 * 1000, .def = "2s",
	  .help = "ssm: smux cannot half-close: after a client shuts its "
	  "side, wait this long for the target to end the stream before "
	  "ending it both ways (0: at once, losing a late reply; a target "
	  "that waits for EOF keeps the client this long)" },
	{ "route", FWD(routes), .type = CONFIG_STRINGS,
	  .forwarder = "socks", .flags = CONFIG_REPEAT | CONFIG_FWD_OWN,
	  .example = "*.internal via tag:Name=bastion",
	  .help = "socks: where requests may go, the first match wins: an "
	  "instance id glob, maybe with a region glob (i-*, "
	  "i-0abc*.eu-west-1), reaches that instance's port; a host glob or "
	  "CIDR with via TARGET (*.internal via tag:Name=bastion, "
	  "10.0.0.0/8 via i-0123456789abcdef0) reaches it through TARGET; "
	  "anything else is refused; may repeat" },
	{ "socks_auth", FWD(socks_auth), .type = CONFIG_ENUM,
	  .forwarder = "socks", .choices = config_socks_auths,
	  .values = config_socks_auth_values, .def = "none",
	  .help = "socks: none, or password: a username and password "
	  "(RFC 1929) from socks_users" },
	{ "socks_users", FWD(socks_users), .type = CONFIG_STRING,
	  .forwarder = "socks", .check = config_value_check_path,
	  .example = "/etc/gatewayd/socks.users",
	  .help = "socks: with socks_auth password, a file of user:password "
	  "lines that others than its owner and group may not read" },
};
const size_t config_ntable = sizeof config_table / sizeof config_table[0];

/* The row for name in section; NULL if there is none. */
const struct config_key *
config_table_find(enum config_section section, const char *name)
{
	size_t	i;

	for (i = 0; i < config_ntable; i++) {
		if (config_table[i].section == section &&
		    strcmp(config_table[i].name, name) == 0)
			return (&config_table[i]);
	}
	return (NULL);
}

const char *
config_table_section_name(enum config_section section)
{
	return (section == CONFIG_GATEWAY ? "[gateway]" : "[forward]");
}

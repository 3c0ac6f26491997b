/*
 * ssm_version.h: Session Manager version strings and the gates that hang on
 * them (ssm-data-channel.md §5.7 and §5.8, ssm-port-mux.md §2 and §6).
 *
 * Two comparison rules live here because two parties decide:
 *  - gatewayd's own rule, for the AgentVersion in a HandshakeRequest:
 *    split at '.', every part an unsigned decimal integer, the shorter list
 *    padded with zeros; a malformed string meets no gate;
 *  - the agent's rule, for the ClientVersion in a HandshakeResponse: semver
 *    when both strings are semantic versions, else part by part (integers
 *    as integers, anything else byte by byte) and the shorter list is the
 *    smaller when every shared part is equal. The emulator uses it to decide
 *    exactly as a real agent would; gatewayd uses it to predict the agent.
 *
 * Pure functions: no I/O, no globals.
 */
#ifndef SSM_VERSION_H
#define SSM_VERSION_H

/*
 * The ClientVersion gatewayd sends by default: numeric, four parts, above
 * every agent gate (mux >= 1.1.70, keep-alive off > 1.2.331.0), and the
 * service's minimum supported client since late 2025 (the release that
 * signs the upgrade, ssm-data-channel.md 3.2 and 5.7). The one place it
 * is written; the client_version key overrides it.
 */
#define SSM_VERSION_CLIENT_DEFAULT	"1.2.764.0"

/* The versions the gates are defined by. */
#define SSM_VERSION_AGENT_MUX		"3.0.196.0"	/* mux if agent > */
#define SSM_VERSION_AGENT_TERMINATE	"2.3.722.0"	/* flag if agent > */
#define SSM_VERSION_AGENT_KEEPALIVE	"3.1.1511.0"	/* by client if > */
#define SSM_VERSION_AGENT_NO_KEEPALIVE	"3.1.1446.0"	/* keep-alive off */
#define SSM_VERSION_CLIENT_MUX		"1.1.70"	/* mux if client >= */
#define SSM_VERSION_CLIENT_KEEPALIVE	"1.2.331.0"	/* off if client > */

/*
 * gatewayd's rule. Return 0 and set *cmp to <0, 0 or >0, or -1 if either
 * string is malformed (empty, an empty part, a part that is not all
 * digits, or a part above 2^64 - 1).
 */
int	ssm_version_cmp(const char *a, const char *b, int *cmp);

/* gatewayd's rule as a gate: 1 if a > b, 0 if not or if malformed. */
int	ssm_version_gt(const char *a, const char *b);

/* The agent's rule: <0, 0 or >0; every pair of strings compares. */
int	ssm_version_agent_cmp(const char *a, const char *b);

/*
 * Whether s is a semantic version as the agent's rule reads it: three
 * integer parts without leading zeros, then optionally -prerelease and/or
 * +build (dot-separated identifiers of [0-9A-Za-z-]).
 */
int	ssm_version_is_semver(const char *s);

/*
 * gatewayd's decisions from the AgentVersion of the handshake
 * (port_forwarding: Properties.type is "LocalPortForwarding").
 */
/* Mux (smux) mode: port_forwarding and agent > 3.0.196.0. */
int	ssm_version_use_mux(const char *agent_version, int port_forwarding);
/* The agent understands the TerminateSession flag: agent > 2.3.722.0. */
int	ssm_version_has_terminate_flag(const char *agent_version);
/*
 * In mux mode, gatewayd must send an smux NOP at least every 10 s: agent
 * <= 3.1.1511.0 (3.1.1446.0 included: harmless there), or a newer agent
 * that keeps its keep-alive on because client_version is not above
 * 1.2.331.0 by the agent's own rule.
 */
int	ssm_version_client_keepalive(const char *agent_version,
	    const char *client_version);

/*
 * What an agent of agent_version does, given the client_version it was
 * sent (for the emulator; gatewayd may use them to predict).
 */
/* The agent runs mux: it has mux, port_forwarding, client >= 1.1.70. */
int	ssm_version_agent_mux(const char *agent_version, int port_forwarding,
	    const char *client_version);
/*
 * The agent runs smux keep-alive (NOP every 10 s, closes the session when
 * a 30 s check finds nothing received): mux agents up to 3.1.1511.0 except
 * 3.1.1446.0, and newer ones when client_version is not above 1.2.331.0.
 */
int	ssm_version_agent_keepalive(const char *agent_version,
	    const char *client_version);

#endif /* SSM_VERSION_H */

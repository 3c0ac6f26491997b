/*
 * ssm_handshake.h: the JSON that opens a Session Manager data channel:
 * the OpenDataChannel text frame (ssm-data-channel.md §3.3) and the
 * handshake payloads (§5): HandshakeRequest (agent builds, client parses),
 * HandshakeResponse (client builds, agent parses), HandshakeComplete
 * (both). Pure codec: what to answer is decided by the caller, with
 * ssm_handshake_answer() giving gatewayd's default answer.
 *
 * Parsed structures own their strings; free them with the matching
 * _clear() function. Builders append to an evbuffer, byte for byte as the
 * Go peers write the same content.
 */
#ifndef SSM_HANDSHAKE_H
#define SSM_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

struct evbuffer;

#define SSM_HANDSHAKE_MAX_ACTIONS	16	/* more is a malformed request */
#define SSM_HANDSHAKE_MAX_PROPERTIES	64
#define SSM_HANDSHAKE_SCHEMA_VERSION	"1.0"	/* MessageSchemaVersion */

/* ActionStatus (§5.3). */
#define SSM_HANDSHAKE_SUCCESS		1
#define SSM_HANDSHAKE_FAILED		2
#define SSM_HANDSHAKE_UNSUPPORTED	3

enum ssm_handshake_action_kind {
	SSM_HANDSHAKE_OTHER = 0,	/* an ActionType we do not know */
	SSM_HANDSHAKE_SESSION_TYPE,
	SSM_HANDSHAKE_KMS_ENCRYPTION,
};

/* One document property (all values are strings). */
struct ssm_handshake_property {
	char	*key;
	char	*value;
};

/* One RequestedClientActions entry. */
struct ssm_handshake_action {
	enum ssm_handshake_action_kind	 kind;
	char				*type;		/* ActionType */
	/* SessionType: */
	char				*session_type;	/* "Port", ... */
	struct ssm_handshake_property	*props;
	size_t				 nprops;
	/* KMSEncryption: */
	char				*kms_key_id;
	char				*challenge;
	/* ActionParameters as compact JSON text (NULL if absent). */
	char				*params_json;
};

struct ssm_handshake_request {
	char				*agent_version;
	struct ssm_handshake_action	*actions;
	size_t				 nactions;
};

/*
 * Parse a HandshakeRequest payload. AgentVersion and
 * RequestedClientActions must be present; each action needs an
 * ActionType; a SessionType action needs SessionType, and its Properties
 * (optional) must be an object whose values are strings (other values are
 * skipped). Unknown members are ignored. Return 0, or -1 with *cause.
 */
int	ssm_handshake_request_parse(const uint8_t *payload, size_t len,
	    struct ssm_handshake_request *req, char **cause);
/*
 * Append a HandshakeRequest as the agent writes it: AgentVersion, then the
 * actions; properties sorted by key (the agent encodes them from a map).
 * KMSEncryption actions carry KMSKeyId and Challenge; other actions carry
 * params_json (or {}) verbatim.
 */
void	ssm_handshake_request_write(const struct ssm_handshake_request *req,
	    struct evbuffer *out);
void	ssm_handshake_request_clear(struct ssm_handshake_request *req);

/* The value of property key of a SessionType action, or NULL. */
const char *ssm_handshake_property(const struct ssm_handshake_action *act,
	    const char *key);
/* The first SessionType action of req, or NULL. */
const struct ssm_handshake_action *ssm_handshake_session_type(
	    const struct ssm_handshake_request *req);
/* Properties.type is "LocalPortForwarding" (mux is possible, §5.8). */
int	ssm_handshake_is_port_forwarding(const struct ssm_handshake_request *);

/* One ProcessedClientActions entry. */
struct ssm_handshake_result {
	char	*type;		/* ActionType, copied from the request */
	int64_t	 status;	/* SSM_HANDSHAKE_SUCCESS, ... */
	char	*result_json;	/* ActionResult as JSON text; NULL: null */
	char	*error;		/* "" on success */
};

struct ssm_handshake_response {
	char				*client_version;
	struct ssm_handshake_result	*results;
	size_t				 nresults;
	char				**errors;	/* NULL: "Errors":null */
	size_t				 nerrors;
};

/*
 * Fill resp with gatewayd's answer to req (§5.5): SessionType "Port" is
 * Success; any other session type is Failed ("unsupported session type
 * X"); KMSEncryption is Failed ("KMS encryption is not supported") for the
 * caller to replace when it can do KMS; any other action is Unsupported,
 * ActionStatus 3 ("unsupported action X"), where the official client
 * sends the quirk ActionStatus 0, ActionResult 3. Errors lists the Error
 * text of every action that did not succeed, or is null. Returns the
 * number of actions that did not succeed.
 */
size_t	ssm_handshake_answer(const struct ssm_handshake_request *req,
	    const char *client_version, struct ssm_handshake_response *resp);
/* Set result i of resp (copies the strings). */
void	ssm_handshake_set_result(struct ssm_handshake_response *resp,
	    size_t i, int status, const char *result_json, const char *error);
/*
 * Append the HandshakeResponse: ClientVersion, ProcessedClientActions
 * (ActionType, ActionStatus, ActionResult, Error), Errors.
 */
void	ssm_handshake_response_write(const struct ssm_handshake_response *,
	    struct evbuffer *out);
/*
 * Parse a HandshakeResponse (the agent's side): ClientVersion and
 * ProcessedClientActions must be present, each entry with an ActionType
 * and an integer ActionStatus; Errors may be null or absent.
 */
int	ssm_handshake_response_parse(const uint8_t *payload, size_t len,
	    struct ssm_handshake_response *resp, char **cause);
void	ssm_handshake_response_clear(struct ssm_handshake_response *resp);
/* 1 if every processed action succeeded (the agent's condition). */
int	ssm_handshake_response_ok(const struct ssm_handshake_response *);

/* HandshakeComplete (§5.4). */
struct ssm_handshake_complete {
	int64_t	 time_to_complete_ns;
	char	*customer_message;	/* "" if absent */
};

void	ssm_handshake_complete_write(const struct ssm_handshake_complete *,
	    struct evbuffer *out);
int	ssm_handshake_complete_parse(const uint8_t *payload, size_t len,
	    struct ssm_handshake_complete *hc, char **cause);
void	ssm_handshake_complete_clear(struct ssm_handshake_complete *hc);

/*
 * The OpenDataChannel text frame (§3.3). The token is a secret: it is
 * never put in a cause, and _clear() wipes it.
 */
struct ssm_open_data_channel {
	char	*schema_version;	/* "1.0" */
	char	*request_id;
	char	*token;
	char	*client_id;
	char	*client_version;	/* NULL: member left out */
};

/* Append the frame's JSON, members in the official client's order. */
void	ssm_handshake_open_write(const struct ssm_open_data_channel *odc,
	    struct evbuffer *out);
/*
 * Parse and check a frame as the emulator must (§3.3): a JSON object,
 * MessageSchemaVersion "1.0", a non-empty TokenValue; RequestId, ClientId
 * and ClientVersion strings if present. Comparing the token is the
 * caller's job. Return 0 or -1 with *cause.
 */
int	ssm_handshake_open_parse(const uint8_t *buf, size_t len,
	    struct ssm_open_data_channel *odc, char **cause);
void	ssm_handshake_open_clear(struct ssm_open_data_channel *odc);

#endif /* SSM_HANDSHAKE_H */

/*
 * The JSON that opens a Session Manager data channel: the OpenDataChannel
 * text frame and the three handshake payloads (ssm-data-channel.md §3.3,
 * §5). Both directions of each, so gatewayd and the emulator's agent share
 * one implementation. Which actions to accept is policy: the default
 * answer of §5.5 is here (ssm_handshake_answer), the KMS exchange and the
 * timers live in chan.c.
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>

#include "ssm_handshake.h"
#include "ssm_json.h"
#include "xmalloc.h"

static const char *
hs_str(const char *s)
{
	return (s != NULL ? s : "");
}

/* Copy optional text member name of obj to *out (NULL if absent). */
static int
hs_get_text(const cJSON *obj, const char *name, int required, char **out,
    char **cause)
{
	const char	*s = NULL;

	if (ssm_json_get_string(obj, name, required, &s, cause) != 0)
		return (-1);
	*out = s != NULL ? xstrdup(s) : NULL;
	return (0);
}

/* Get array member name of obj with at most max entries. */
static int
hs_get_array(const cJSON *obj, const char *name, int required, size_t max,
    cJSON **out, size_t *n, char **cause)
{
	cJSON	*item = cJSON_GetObjectItemCaseSensitive(obj, name);

	*out = NULL;
	*n = 0;
	if (item == NULL || cJSON_IsNull(item)) {
		if (!required)
			return (0);
		xasprintf(cause, "%s is missing", name);
		return (-1);
	}
	if (!cJSON_IsArray(item)) {
		xasprintf(cause, "%s is not an array", name);
		return (-1);
	}
	*n = (size_t)cJSON_GetArraySize(item);
	if (*n > max) {
		xasprintf(cause, "%s has %zu entries (at most %zu)", name, *n,
		    max);
		return (-1);
	}
	*out = item;
	return (0);
}

/* Print item as compact JSON (NULL for null or absent). */
static char *
hs_print(const cJSON *item)
{
	char	*s, *copy;

	if (item == NULL || cJSON_IsNull(item))
		return (NULL);
	if ((s = cJSON_PrintUnformatted(item)) == NULL)
		return (xstrdup("null"));
	copy = xstrdup(s);
	cJSON_free(s);
	return (copy);
}

/*
 * HandshakeRequest.
 */

static int
hs_parse_properties(const cJSON *params, struct ssm_handshake_action *act,
    char **cause)
{
	cJSON	*props, *item;

	props = cJSON_GetObjectItemCaseSensitive(params, "Properties");
	if (props == NULL || cJSON_IsNull(props))
		return (0);
	if (!cJSON_IsObject(props)) {
		xasprintf(cause, "Properties is not an object");
		return (-1);
	}
	if ((size_t)cJSON_GetArraySize(props) > SSM_HANDSHAKE_MAX_PROPERTIES) {
		xasprintf(cause, "Properties has more than %d members",
		    SSM_HANDSHAKE_MAX_PROPERTIES);
		return (-1);
	}
	act->props = xcalloc(SSM_HANDSHAKE_MAX_PROPERTIES,
	    sizeof *act->props);
	cJSON_ArrayForEach(item, props) {
		if (!cJSON_IsString(item) || item->string == NULL)
			continue;	/* document values are strings */
		act->props[act->nprops].key = xstrdup(item->string);
		act->props[act->nprops].value = xstrdup(item->valuestring);
		act->nprops++;
	}
	return (0);
}

static int
hs_parse_action(const cJSON *item, struct ssm_handshake_action *act,
    char **cause)
{
	cJSON	*params;

	if (!cJSON_IsObject(item)) {
		xasprintf(cause, "action is not an object");
		return (-1);
	}
	if (hs_get_text(item, "ActionType", 1, &act->type, cause) != 0)
		return (-1);
	params = cJSON_GetObjectItemCaseSensitive(item, "ActionParameters");
	if (params != NULL && !cJSON_IsNull(params) &&
	    !cJSON_IsObject(params)) {
		xasprintf(cause, "%s: ActionParameters is not an object",
		    act->type);
		return (-1);
	}
	act->params_json = hs_print(params);
	if (strcmp(act->type, "SessionType") == 0) {
		act->kind = SSM_HANDSHAKE_SESSION_TYPE;
		if (params == NULL || cJSON_IsNull(params)) {
			xasprintf(cause, "SessionType: no ActionParameters");
			return (-1);
		}
		if (hs_get_text(params, "SessionType", 1, &act->session_type,
		    cause) != 0 || hs_parse_properties(params, act, cause) != 0)
			return (-1);
	} else if (strcmp(act->type, "KMSEncryption") == 0) {
		act->kind = SSM_HANDSHAKE_KMS_ENCRYPTION;
		if (params != NULL && (hs_get_text(params, "KMSKeyId", 0,
		    &act->kms_key_id, cause) != 0 || hs_get_text(params,
		    "Challenge", 0, &act->challenge, cause) != 0))
			return (-1);
	}
	return (0);
}

int
ssm_handshake_request_parse(const uint8_t *payload, size_t len,
    struct ssm_handshake_request *req, char **cause)
{
	cJSON	*root, *actions = NULL, *item;
	char	*why = NULL;
	size_t	 n;

	memset(req, 0, sizeof *req);
	if ((root = ssm_json_parse(payload, len, &why)) == NULL)
		goto fail;
	if (hs_get_text(root, "AgentVersion", 1, &req->agent_version,
	    &why) != 0 || hs_get_array(root, "RequestedClientActions", 1,
	    SSM_HANDSHAKE_MAX_ACTIONS, &actions, &n, &why) != 0)
		goto fail;
	req->actions = xcalloc(n > 0 ? n : 1, sizeof *req->actions);
	cJSON_ArrayForEach(item, actions) {
		if (hs_parse_action(item, &req->actions[req->nactions++],
		    &why) != 0)
			goto fail;
	}
	cJSON_Delete(root);
	return (0);

fail:
	ssm_handshake_request_clear(req);
	return (ssm_json_fail(cause, "handshake request", why, root));
}

static int
hs_prop_cmp(const void *a, const void *b)
{
	const struct ssm_handshake_property *const *pa = a, *const *pb = b;

	return (strcmp((*pa)->key, (*pb)->key));
}

static void
hs_write_properties(const struct ssm_handshake_action *act,
    struct evbuffer *out)
{
	const struct ssm_handshake_property	**sorted;
	size_t					  i;
	int					  first = 1;

	sorted = xreallocarray(NULL, act->nprops + 1, sizeof *sorted);
	for (i = 0; i < act->nprops; i++)
		sorted[i] = &act->props[i];
	qsort(sorted, act->nprops, sizeof *sorted, hs_prop_cmp);
	evbuffer_add(out, "{", 1);
	for (i = 0; i < act->nprops; i++) {
		ssm_json_key(out, &first, sorted[i]->key);
		ssm_json_string(out, hs_str(sorted[i]->value));
	}
	evbuffer_add(out, "}", 1);
	free(sorted);
}

static void
hs_write_action(const struct ssm_handshake_action *act, struct evbuffer *out)
{
	int	first = 1, pfirst = 1;

	evbuffer_add(out, "{", 1);
	ssm_json_key(out, &first, "ActionType");
	ssm_json_string(out, hs_str(act->type));
	ssm_json_key(out, &first, "ActionParameters");
	switch (act->kind) {
	case SSM_HANDSHAKE_SESSION_TYPE:
		evbuffer_add(out, "{", 1);
		ssm_json_key(out, &pfirst, "SessionType");
		ssm_json_string(out, hs_str(act->session_type));
		ssm_json_key(out, &pfirst, "Properties");
		hs_write_properties(act, out);
		evbuffer_add(out, "}", 1);
		break;
	case SSM_HANDSHAKE_KMS_ENCRYPTION:
		evbuffer_add(out, "{", 1);
		ssm_json_key(out, &pfirst, "KMSKeyId");
		ssm_json_string(out, hs_str(act->kms_key_id));
		ssm_json_key(out, &pfirst, "Challenge");
		ssm_json_string(out, hs_str(act->challenge));
		evbuffer_add(out, "}", 1);
		break;
	default:
		evbuffer_add_printf(out, "%s",
		    act->params_json != NULL ? act->params_json : "{}");
		break;
	}
	evbuffer_add(out, "}", 1);
}

void
ssm_handshake_request_write(const struct ssm_handshake_request *req,
    struct evbuffer *out)
{
	size_t	i;
	int	first = 1;

	evbuffer_add(out, "{", 1);
	ssm_json_key(out, &first, "AgentVersion");
	ssm_json_string(out, hs_str(req->agent_version));
	ssm_json_key(out, &first, "RequestedClientActions");
	evbuffer_add(out, "[", 1);
	for (i = 0; i < req->nactions; i++) {
		if (i > 0)
			evbuffer_add(out, ",", 1);
		hs_write_action(&req->actions[i], out);
	}
	evbuffer_add(out, "]}", 2);
}

void
ssm_handshake_request_clear(struct ssm_handshake_request *req)
{
	struct ssm_handshake_action	*act;
	size_t				 i, j;

	for (i = 0; i < req->nactions; i++) {
		act = &req->actions[i];
		free(act->type);
		free(act->session_type);
		for (j = 0; j < act->nprops; j++) {
			free(act->props[j].key);
			free(act->props[j].value);
		}
		free(act->props);
		free(act->kms_key_id);
		free(act->challenge);
		free(act->params_json);
	}
	free(req->actions);
	free(req->agent_version);
	memset(req, 0, sizeof *req);
}

const char *
ssm_handshake_property(const struct ssm_handshake_action *act,
    const char *key)
{
	size_t	i;

	for (i = 0; i < act->nprops; i++) {
		if (strcmp(act->props[i].key, key) == 0)
			return (act->props[i].value);
	}
	return (NULL);
}

const struct ssm_handshake_action *
ssm_handshake_session_type(const struct ssm_handshake_request *req)
{
	size_t	i;

	for (i = 0; i < req->nactions; i++) {
		if (req->actions[i].kind == SSM_HANDSHAKE_SESSION_TYPE)
			return (&req->actions[i]);
	}
	return (NULL);
}

int
ssm_handshake_is_port_forwarding(const struct ssm_handshake_request *req)
{
	const struct ssm_handshake_action	*act;
	const char				*type;

	if ((act = ssm_handshake_session_type(req)) == NULL)
		return (0);
	type = ssm_handshake_property(act, "type");
	return (type != NULL && strcmp(type, "LocalPortForwarding") == 0);
}

/*
 * HandshakeResponse.
 */

/* Errors: the Error text of every action that did not succeed. */
static void
hs_rebuild_errors(struct ssm_handshake_response *resp)
{
	size_t	i;

	for (i = 0; i < resp->nerrors; i++)
		free(resp->errors[i]);
	free(resp->errors);
	resp->errors = NULL;
	resp->nerrors = 0;
	for (i = 0; i < resp->nresults; i++) {
		if (resp->results[i].status == SSM_HANDSHAKE_SUCCESS)
			continue;
		resp->errors = xreallocarray(resp->errors, resp->nerrors + 1,
		    sizeof *resp->errors);
		resp->errors[resp->nerrors++] =
		    xstrdup(hs_str(resp->results[i].error));
	}
}

void
ssm_handshake_set_result(struct ssm_handshake_response *resp, size_t i,
    int status, const char *result_json, const char *error)
{
	struct ssm_handshake_result	*r = &resp->results[i];

	free(r->result_json);
	free(r->error);
	r->status = status;
	r->result_json = result_json != NULL ? xstrdup(result_json) : NULL;
	r->error = xstrdup(hs_str(error));
	hs_rebuild_errors(resp);
}

size_t
ssm_handshake_answer(const struct ssm_handshake_request *req,
    const char *client_version, struct ssm_handshake_response *resp)
{
	const struct ssm_handshake_action	*act;
	char					*error;
	size_t					 i;

	memset(resp, 0, sizeof *resp);
	resp->client_version = xstrdup(client_version);
	resp->results = xcalloc(req->nactions + 1, sizeof *resp->results);
	resp->nresults = req->nactions;
	for (i = 0; i < req->nactions; i++) {
		act = &req->actions[i];
		resp->results[i].type = xstrdup(hs_str(act->type));
		switch (act->kind) {
		case SSM_HANDSHAKE_SESSION_TYPE:
			if (strcmp(hs_str(act->session_type), "Port") == 0) {
				ssm_handshake_set_result(resp, i,
				    SSM_HANDSHAKE_SUCCESS, NULL, "");
				continue;
			}
			xasprintf(&error, "unsupported session type %s",
			    act->session_type);
			ssm_handshake_set_result(resp, i, SSM_HANDSHAKE_FAILED,
			    NULL, error);
			free(error);
			break;
		case SSM_HANDSHAKE_KMS_ENCRYPTION:
			ssm_handshake_set_result(resp, i, SSM_HANDSHAKE_FAILED,
			    NULL, "KMS encryption is not supported");
			break;
		default:
			xasprintf(&error, "unsupported action %s", act->type);
			ssm_handshake_set_result(resp, i,
			    SSM_HANDSHAKE_UNSUPPORTED, NULL, error);
			free(error);
			break;
		}
	}
	return (resp->nerrors);
}

void
ssm_handshake_response_write(const struct ssm_handshake_response *resp,
    struct evbuffer *out)
{
	const struct ssm_handshake_result	*r;
	size_t					 i;
	int					 first = 1, rfirst;

	evbuffer_add(out, "{", 1);
	ssm_json_key(out, &first, "ClientVersion");
	ssm_json_string(out, hs_str(resp->client_version));
	ssm_json_key(out, &first, "ProcessedClientActions");
	evbuffer_add(out, "[", 1);
	for (i = 0; i < resp->nresults; i++) {
		r = &resp->results[i];
		rfirst = 1;
		evbuffer_add(out, i > 0 ? ",{" : "{", i > 0 ? 2 : 1);
		ssm_json_key(out, &rfirst, "ActionType");
		ssm_json_string(out, hs_str(r->type));
		ssm_json_key(out, &rfirst, "ActionStatus");
		evbuffer_add_printf(out, "%" PRId64, r->status);
		ssm_json_key(out, &rfirst, "ActionResult");
		evbuffer_add_printf(out, "%s",
		    r->result_json != NULL ? r->result_json : "null");
		ssm_json_key(out, &rfirst, "Error");
		ssm_json_string(out, hs_str(r->error));
		evbuffer_add(out, "}", 1);
	}
	evbuffer_add(out, "]", 1);
	ssm_json_key(out, &first, "Errors");
	if (resp->errors == NULL)
		evbuffer_add(out, "null", 4);
	else {
		evbuffer_add(out, "[", 1);
		for (i = 0; i < resp->nerrors; i++) {
			if (i > 0)
				evbuffer_add(out, ",", 1);
			ssm_json_string(out, hs_str(resp->errors[i]));
		}
		evbuffer_add(out, "]", 1);
	}
	evbuffer_add(out, "}", 1);
}

static int
hs_parse_result(const cJSON *item, struct ssm_handshake_result *r,
    char **cause)
{
	if (!cJSON_IsObject(item)) {
		xasprintf(cause, "processed action is not an object");
		return (-1);
	}
	if (hs_get_text(item, "ActionType", 1, &r->type, cause) != 0 ||
	    ssm_json_get_int64(item, "ActionStatus", NULL, 0, 1, INT64_MIN,
	    &r->status, cause) != 0 ||
	    hs_get_text(item, "Error", 0, &r->error, cause) != 0)
		return (-1);
	if (r->error == NULL)
		r->error = xstrdup("");
	r->result_json = hs_print(cJSON_GetObjectItemCaseSensitive(item,
	    "ActionResult"));
	return (0);
}

static int
hs_parse_errors(const cJSON *root, struct ssm_handshake_response *resp,
    char **cause)
{
	cJSON	*errors, *item;
	size_t	 n;

	if (hs_get_array(root, "Errors", 0, SSM_HANDSHAKE_MAX_ACTIONS,
	    &errors, &n, cause) != 0)
		return (-1);
	if (errors == NULL)
		return (0);
	resp->errors = xcalloc(n + 1, sizeof *resp->errors);
	cJSON_ArrayForEach(item, errors) {
		if (!cJSON_IsString(item)) {
			xasprintf(cause, "Errors entry is not a string");
			return (-1);
		}
		resp->errors[resp->nerrors++] = xstrdup(item->valuestring);
	}
	return (0);
}

int
ssm_handshake_response_parse(const uint8_t *payload, size_t len,
    struct ssm_handshake_response *resp, char **cause)
{
	cJSON	*root, *results = NULL, *item;
	char	*why = NULL;
	size_t	 n;

	memset(resp, 0, sizeof *resp);
	if ((root = ssm_json_parse(payload, len, &why)) == NULL)
		goto fail;
	if (hs_get_text(root, "ClientVersion", 1, &resp->client_version,
	    &why) != 0 || hs_get_array(root, "ProcessedClientActions", 1,
	    SSM_HANDSHAKE_MAX_ACTIONS, &results, &n, &why) != 0)
		goto fail;
	resp->results = xcalloc(n + 1, sizeof *resp->results);
	cJSON_ArrayForEach(item, results) {
		if (hs_parse_result(item, &resp->results[resp->nresults++],
		    &why) != 0)
			goto fail;
	}
	if (hs_parse_errors(root, resp, &why) != 0)
		goto fail;
	cJSON_Delete(root);
	return (0);

fail:
	ssm_handshake_response_clear(resp);
	return (ssm_json_fail(cause, "handshake response", why, root));
}

void
ssm_handshake_response_clear(struct ssm_handshake_response *resp)
{
	size_t	i;

	for (i = 0; i < resp->nresults; i++) {
		free(resp->results[i].type);
		free(resp->results[i].result_json);
		free(resp->results[i].error);
	}
	free(resp->results);
	for (i = 0; i < resp->nerrors; i++)
		free(resp->errors[i]);
	free(resp->errors);
	free(resp->client_version);
	memset(resp, 0, sizeof *resp);
}

int
ssm_handshake_response_ok(const struct ssm_handshake_response *resp)
{
	size_t	i;

	for (i = 0; i < resp->nresults; i++) {
		if (resp->results[i].status != SSM_HANDSHAKE_SUCCESS)
			return (0);
	}
	return (1);
}

/*
 * HandshakeComplete.
 */

void
ssm_handshake_complete_write(const struct ssm_handshake_complete *hc,
    struct evbuffer *out)
{
	int	first = 1;

	evbuffer_add(out, "{", 1);
	ssm_json_key(out, &first, "HandshakeTimeToComplete");
	evbuffer_add_printf(out, "%" PRId64, hc->time_to_complete_ns);
	ssm_json_key(out, &first, "CustomerMessage");
	ssm_json_string(out, hs_str(hc->customer_message));
	evbuffer_add(out, "}", 1);
}

int
ssm_handshake_complete_parse(const uint8_t *payload, size_t len,
    struct ssm_handshake_complete *hc, char **cause)
{
	cJSON	*root;
	char	*why = NULL;

	memset(hc, 0, sizeof *hc);
	if ((root = ssm_json_parse(payload, len, &why)) == NULL)
		goto fail;
	if (ssm_json_get_int64(root, "HandshakeTimeToComplete", payload, len,
	    0, INT64_MIN, &hc->time_to_complete_ns, &why) != 0 ||
	    hs_get_text(root, "CustomerMessage", 0, &hc->customer_message,
	    &why) != 0)
		goto fail;
	if (hc->customer_message == NULL)
		hc->customer_message = xstrdup("");
	cJSON_Delete(root);
	return (0);

fail:
	ssm_handshake_complete_clear(hc);
	return (ssm_json_fail(cause, "handshake complete", why, root));
}

void
ssm_handshake_complete_clear(struct ssm_handshake_complete *hc)
{
	free(hc->customer_message);
	memset(hc, 0, sizeof *hc);
}

/*
 * OpenDataChannel.
 */

void
ssm_handshake_open_write(const struct ssm_open_data_channel *odc,
    struct evbuffer *out)
{
	int	first = 1;

	evbuffer_add(out, "{", 1);
	ssm_json_key(out, &first, "MessageSchemaVersion");
	ssm_json_string(out, odc->schema_version != NULL ?
	    odc->schema_version : SSM_HANDSHAKE_SCHEMA_VERSION);
	ssm_json_key(out, &first, "RequestId");
	ssm_json_string(out, hs_str(odc->request_id));
	ssm_json_key(out, &first, "TokenValue");
	ssm_json_string(out, hs_str(odc->token));
	ssm_json_key(out, &first, "ClientId");
	ssm_json_string(out, hs_str(odc->client_id));
	if (odc->client_version != NULL) {
		ssm_json_key(out, &first, "ClientVersion");
		ssm_json_string(out, odc->client_version);
	}
	evbuffer_add(out, "}", 1);
}

/* Wipe the token out of the parse tree before it is freed. */
static void
hs_delete_wiped(cJSON *root)
{
	cJSON	*token;

	token = cJSON_GetObjectItemCaseSensitive(root, "TokenValue");
	if (cJSON_IsString(token) && token->valuestring != NULL)
		explicit_bzero(token->valuestring, strlen(token->valuestring));
	cJSON_Delete(root);
}

int
ssm_handshake_open_parse(const uint8_t *buf, size_t len,
    struct ssm_open_data_channel *odc, char **cause)
{
	cJSON	*root;
	char	*why = NULL;

	memset(odc, 0, sizeof *odc);
	if ((root = ssm_json_parse(buf, len, &why)) == NULL)
		goto fail;
	if (hs_get_text(root, "MessageSchemaVersion", 1, &odc->schema_version,
	    &why) != 0 || hs_get_text(root, "TokenValue", 1, &odc->token,
	    &why) != 0 || hs_get_text(root, "RequestId", 0, &odc->request_id,
	    &why) != 0 || hs_get_text(root, "ClientId", 0, &odc->client_id,
	    &why) != 0 || hs_get_text(root, "ClientVersion", 0,
	    &odc->client_version, &why) != 0)
		goto fail;
	if (strcmp(odc->schema_version, SSM_HANDSHAKE_SCHEMA_VERSION) != 0) {
		xasprintf(&why, "MessageSchemaVersion is not %s",
		    SSM_HANDSHAKE_SCHEMA_VERSION);
		goto fail;
	}
	if (*odc->token == '\0') {
		xasprintf(&why, "TokenValue is empty");
		goto fail;
	}
	hs_delete_wiped(root);
	return (0);

fail:
	hs_delete_wiped(root);
	ssm_handshake_open_clear(odc);
	return (ssm_json_fail(cause, "open data channel", why, NULL));
}

void
ssm_handshake_open_clear(struct ssm_open_data_channel *odc)
{
	free(odc->schema_version);
	free(odc->request_id);
	freezero_str(odc->token);
	free(odc->client_id);
	free(odc->client_version);
	memset(odc, 0, sizeof *odc);
}

/*
 * SSM, JSON 1.1 (AmazonSSM.*): StartSession, ResumeSession,
 * TerminateSession, DescribeInstanceInformation and GetConnectionStatus,
 * answered from the world's targets and the session table, with the
 * validation and error codes of ssm-data-channel.md section 2.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "util.h"
#include "xmalloc.h"

/* The Session documents the emulator knows, besides the world's. */
static const char *const emu_ssm_documents[] = {
	"AWS-StartPortForwardingSession",
	"AWS-StartPortForwardingSessionToRemoteHost",
	"AWS-StartSSHSession",
	"AWS-StartInteractiveCommand",
	"SSM-SessionManagerRunShell",
	NULL
};

/* A required string member of 1..max characters, or NULL (answered). */
static const char *
emu_ssm_string(struct emu_req *r, const char *name, const char *member,
    size_t max)
{
	const cJSON	*item = cJSON_GetObjectItemCaseSensitive(r->json, name);

	if (item == NULL || cJSON_IsNull(item)) {
		emu_reply_invalid(r, "ValidationException", member, NULL,
		    NULL);
		return (NULL);
	}
	if (!cJSON_IsString(item)) {
		emu_reply_error(r, "SerializationException", 400,
		    "%s is not a string", name);
		return (NULL);
	}
	if (item->valuestring[0] == '\0' ||
	    strlen(item->valuestring) > max) {
		char constraint[96];

		snprintf(constraint, sizeof constraint, "Member must have "
		    "length between 1 and %zu", max);
		emu_reply_invalid(r, "ValidationException", member,
		    item->valuestring, constraint);
		return (NULL);
	}
	return (item->valuestring);
}

static int
emu_ssm_document_known(const char *name)
{
	size_t	i;

	for (i = 0; emu_ssm_documents[i] != NULL; i++) {
		if (strcmp(emu_ssm_documents[i], name) == 0)
			return (1);
	}
	for (i = 0; i < emu.registry->ndocuments; i++) {
		if (strcmp(emu.registry->documents[i], name) == 0)
			return (1);
	}
	return (0);
}

/* ^[a-zA-Z0-9_\-.:/]{3,128}$ */
static int
emu_ssm_document_valid(const char *name)
{
	size_t	len = strlen(name);

	return (len >= 3 && len <= 128 &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-.:/") == len);
}

static int
emu_ssm_port_valid(const char *s, int zero_ok)
{
	char	*end;
	long	 v;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0') ||
	    !isdigit((u_char)s[0]))
		return (0);
	v = strtol(s, &end, 10);
	return (*end == '\0' && v >= (zero_ok ? 0 : 1) && v <= 65535);
}

/* The host parameter: 3+ characters, none of the forbidden ones. */
static int
emu_ssm_host_valid(const char *s)
{
	return (strlen(s) >= 3 && strpbrk(s, ",$^&()!;'\"<>`{}[]|#= ") ==
	    NULL);
}

/* Parameters: object of name -> non-empty array of strings. */
static int
emu_ssm_params_shape(struct emu_req *r, const cJSON *params)
{
	const cJSON	*p, *v;

	if (!cJSON_IsObject(params)) {
		emu_reply_error(r, "SerializationException", 400,
		    "Parameters is not an object");
		return (-1);
	}
	cJSON_ArrayForEach(p, params) {
		if (p->string[0] == '\0' || strlen(p->string) > 255) {
			emu_reply_invalid(r, "ValidationException",
			    "parameters", p->string,
			    "Map keys must have length between 1 and 255");
			return (-1);
		}
		if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) == 0) {
			emu_reply_error(r, "SerializationException", 400,
			    "Parameters.%.255s is not a list of strings",
			    p->string);
			return (-1);
		}
		cJSON_ArrayForEach(v, p) {
			if (!cJSON_IsString(v) || v->valuestring[0] == '\0' ||
			    strlen(v->valuestring) > 65535) {
				emu_reply_error(r, "SerializationException",
				    400, "Parameters.%.255s: each value is a "
				    "string of 1 to 65535 characters",
				    p->string);
				return (-1);
			}
		}
	}
	return (0);
}

static const char *
emu_ssm_param(const cJSON *params, const char *name)
{
	const cJSON	*p = cJSON_GetObjectItemCaseSensitive(params, name);

	if (p == NULL)
		return (NULL);
	return (cJSON_GetArrayItem(p, 0)->valuestring);
}

/* Values against the two port-forwarding documents' parameters. */
static int
emu_ssm_params_values(struct emu_req *r, const char *doc,
    const cJSON *params)
{
	static const char *const known[] = { "portNumber", "localPortNumber",
	    "host", NULL };
	int		 remote;
	const cJSON	*p;
	const char	*v;
	size_t		 i;

	remote = strcmp(doc, "AWS-StartPortForwardingSessionToRemoteHost") == 0;
	if (!remote && strcmp(doc, "AWS-StartPortForwardingSession") != 0)
		return (0);
	cJSON_ArrayForEach(p, params) {
		for (i = 0; known[i] != NULL; i++) {
			if (strcmp(p->string, known[i]) == 0)
				break;
		}
		if (known[i] == NULL || (!remote && i == 2) ||
		    cJSON_GetArraySize(p) != 1) {
			emu_reply_error(r, "InvalidDocument", 400, "document "
			    "%s: parameter %.255s is not accepted", doc,
			    p->string);
			return (-1);
		}
	}
	if ((v = emu_ssm_param(params, "portNumber")) != NULL &&
	    !emu_ssm_port_valid(v, 0)) {
		emu_reply_error(r, "InvalidDocument", 400, "document %s: "
		    "portNumber %.32s is not a port (1-65535)", doc, v);
		return (-1);
	}
	if ((v = emu_ssm_param(params, "localPortNumber")) != NULL &&
	    !emu_ssm_port_valid(v, 1)) {
		emu_reply_error(r, "InvalidDocument", 400, "document %s: "
		    "localPortNumber %.32s is not a port (0-65535)", doc, v);
		return (-1);
	}
	v = emu_ssm_param(params, "host");
	if (remote && (v == NULL || !emu_ssm_host_valid(v))) {
		emu_reply_error(r, "InvalidDocument", 400, "document %s: "
		    "host is %s", doc, v == NULL ? "required" : "not valid");
		return (-1);
	}
	return (0);
}

/* Document, Parameters and Reason of a StartSession request. */
static int
emu_ssm_start_check(struct emu_req *r, const char *doc, const cJSON *params)
{
	const char	*reason = emu_json_string(r->json, "Reason");

	if (!emu_ssm_document_valid(doc)) {
		emu_reply_invalid(r, "ValidationException", "documentName",
		    doc, "Member must satisfy "
		    "regular expression pattern: ^[a-zA-Z0-9_\\-.:/]{3,128}$");
		return (-1);
	}
	if (!emu_ssm_document_known(doc)) {
		emu_reply_error(r, "InvalidDocument", 400, "Document with name "
		    "%s does not exist.", doc);
		return (-1);
	}
	if (cJSON_GetObjectItemCaseSensitive(r->json, "Reason") != NULL &&
	    (reason == NULL || reason[0] == '\0' || strlen(reason) > 256 ||
	    strpbrk(reason, "\r\n") != NULL)) {
		emu_reply_invalid(r, "ValidationException", "reason",
		    reason != NULL ? reason : "",
		    "Member must satisfy regular expression pattern: "
		    "^.{1,256}$");
		return (-1);
	}
	if (params != NULL && (emu_ssm_params_shape(r, params) != 0 ||
	    emu_ssm_params_values(r, doc, params) != 0))
		return (-1);
	return (0);
}

/* The target must be known and its agent online. */
static const struct emu_target *
emu_ssm_target(struct emu_req *r, const char *target)
{
	const struct emu_target	*t;

	t = emu_registry_find_target(emu.registry, target);
	if (t == NULL || strcmp(t->ping, "Online") != 0) {
		emu_reply_error(r, "TargetNotConnected", 400, "%s is not "
		    "connected.", target);
		return (NULL);
	}
	return (t);
}

static cJSON *
emu_ssm_session_json(const struct emu_session *s)
{
	cJSON	*obj = cJSON_CreateObject();

	cJSON_AddStringToObject(obj, "SessionId", s->id);
	cJSON_AddStringToObject(obj, "TokenValue", s->token);
	cJSON_AddStringToObject(obj, "StreamUrl", s->stream_url);
	return (obj);
}

static void
emu_ssm_start_session(struct emu_req *r)
{
	const struct emu_target	*t;
	struct emu_session	*s;
	const char		*target, *doc, *code = NULL;
	const cJSON		*params;
	char			*cause = NULL;

	if ((target = emu_ssm_string(r, "Target", "target", 400)) == NULL)
		return;
	doc = emu_json_string(r->json, "DocumentName");
	if (doc == NULL)
		doc = "SSM-SessionManagerRunShell";
	params = cJSON_GetObjectItemCaseSensitive(r->json, "Parameters");
	if (emu_ssm_start_check(r, doc, params) != 0)
		return;
	if ((t = emu_ssm_target(r, target)) == NULL)
		return;
	s = emu_session_new(r->caller, r->region, target, doc, params,
	    emu_json_string(r->json, "Reason"));
	if (s == NULL) {
		emu_reply_error(r, "InternalServerError", 500, "the emulator's "
		    "session table is full");
		return;
	}
	if (emu_session_start(s, t, &code, &cause) != 0) {
		emu_reply_error(r, code != NULL ? code : "TargetNotConnected",
		    400, "%s", cause != NULL ? cause : "refused");
		free(cause);
		return;
	}
	r->session_id = xstrdup(s->id);
	emu_reply_json(r, 200, emu_ssm_session_json(s));
}

static struct emu_session *
emu_ssm_find_session(struct emu_req *r, const char *id)
{
	struct emu_session	*s = emu_session_find(id);

	if (s == NULL)
		emu_reply_error(r, "DoesNotExistException", 400, "Session Id "
		    "%.96s does not exist", id);
	return (s);
}

static void
emu_ssm_resume_session(struct emu_req *r)
{
	struct emu_session	*s;
	enum emu_resume_mode	 mode;
	const char		*id;
	cJSON			*obj;

	if ((id = emu_ssm_string(r, "SessionId", "sessionId", 96)) == NULL)
		return;
	if ((s = emu_ssm_find_session(r, id)) == NULL)
		return;
	/* A session on a target that went offline cannot be resumed. */
	if (emu_ssm_target(r, s->target) == NULL)
		return;
	mode = s->state == EMU_SESSION_ACTIVE ? emu.knobs.resume :
	    emu.knobs.resume_ended;
	switch (mode) {
	case EMU_RESUME_NOT_FOUND:
		emu_reply_error(r, "DoesNotExistException", 400, "Session Id "
		    "%s does not exist", id);
		return;
	case EMU_RESUME_NO_TOKEN:
		obj = cJSON_CreateObject();
		cJSON_AddStringToObject(obj, "SessionId", s->id);
		emu_reply_json(r, 200, obj);
		return;
	case EMU_RESUME_OK:
	case EMU_RESUME_NEW_URL:
		emu_session_resume(s, mode == EMU_RESUME_NEW_URL);
		emu_reply_json(r, 200, emu_ssm_session_json(s));
		return;
	}
}

/* Ends a session; succeeds for one that already ended or never was. */
static void
emu_ssm_terminate_session(struct emu_req *r)
{
	struct emu_session	*s;
	const char		*id;
	cJSON			*obj;

	if ((id = emu_ssm_string(r, "SessionId", "sessionId", 96)) == NULL)
		return;
	if ((s = emu_session_find(id)) != NULL)
		emu_session_terminate(s);
	obj = cJSON_CreateObject();
	cJSON_AddStringToObject(obj, "SessionId", id);
	emu_reply_json(r, 200, obj);
}

static void
emu_ssm_get_connection_status(struct emu_req *r)
{
	const struct emu_target	*t;
	const char		*target;
	cJSON			*obj;

	if ((target = emu_ssm_string(r, "Target", "target", 400)) == NULL)
		return;
	t = emu_registry_find_target(emu.registry, target);
	obj = cJSON_CreateObject();
	cJSON_AddStringToObject(obj, "Target", target);
	cJSON_AddStringToObject(obj, "Status", t != NULL &&
	    strcmp(t->ping, "Online") == 0 ? "connected" : "notconnected");
	emu_reply_json(r, 200, obj);
}

const struct emu_op emu_ssm_ops[] = {
	{ "ssm:StartSession", EMU_PROTO_JSON, 1, emu_ssm_start_session },
	{ "ssm:ResumeSession", EMU_PROTO_JSON, 1, emu_ssm_resume_session },
	{ "ssm:TerminateSession", EMU_PROTO_JSON, 1,
	    emu_ssm_terminate_session },
	{ "ssm:DescribeInstanceInformation", EMU_PROTO_JSON, 1,
	    emu_ssm_describe_instance_information },
	{ "ssm:GetConnectionStatus", EMU_PROTO_JSON, 1,
	    emu_ssm_get_connection_status },
	{ NULL, 0, 0, NULL }
};

/*
 * The JSON credential documents that come from outside gatewayd:
 * credential_process output, the container endpoint's and instance
 * metadata's answers. No I/O: a body in, credentials or a reason out.
 */

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_creds.h"
#include "aws_time.h"
#include "xmalloc.h"

/* How a JSON credentials document names its members. */
struct aws_creds_shape {
	const char	*what;		/* for messages */
	const char	*token;		/* "SessionToken" or "Token" */
	int		 need_token;
	int		 need_expiration;
	int		 version;	/* credential_process: Version 1 */
	int		 code;		/* IMDS: Code must be Success */
};

static const struct aws_creds_shape aws_creds_shapes[] = {
	[AWS_CREDS_DOC_PROCESS] = {
		"credential_process", "SessionToken", 0, 0, 1, 0
	},
	[AWS_CREDS_DOC_CONTAINER] = {
		"container credentials", "Token", 1, 1, 0, 0
	},
	[AWS_CREDS_DOC_IMDS] = {
		"instance metadata credentials", "Token", 1, 1, 0, 1
	},
};

static const char *
aws_creds_json_str(const cJSON *obj, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, name);

	return (cJSON_IsString(v) && *v->valuestring != '\0' ?
	    v->valuestring : NULL);
}

int
aws_creds_parse_doc(enum aws_creds_doc doc, const char *body, size_t len,
    const char *provider, struct aws_creds *out, char **cause)
{
	const struct aws_creds_shape	*shape = &aws_creds_shapes[doc];
	cJSON				*j;
	const cJSON			*ver;
	const char			*akid, *secret, *token, *exp, *acct;
	const char			*code;
	int				 rv = -1;

	memset(out, 0, sizeof *out);
	if ((j = cJSON_ParseWithLength(body, len)) == NULL ||
	    !cJSON_IsObject(j)) {
		xasprintf(cause, "%s: output is not a JSON object", shape->what);
		goto out;
	}
	ver = cJSON_GetObjectItemCaseSensitive(j, "Version");
	if (shape->version && (!cJSON_IsNumber(ver) || ver->valuedouble != 1)) {
		xasprintf(cause, "%s: Version must be the number 1",
		    shape->what);
		goto out;
	}
	code = aws_creds_json_str(j, "Code");
	if (shape->code && (code == NULL || strcmp(code, "Success") != 0)) {
		xasprintf(cause, "%s: Code is %s%s%s", shape->what,
		    code != NULL ? code : "missing",
		    aws_creds_json_str(j, "Message") != NULL ? ": " : "",
		    aws_creds_json_str(j, "Message") != NULL ?
		    aws_creds_json_str(j, "Message") : "");
		goto out;
	}
	akid = aws_creds_json_str(j, "AccessKeyId");
	secret = aws_creds_json_str(j, "SecretAccessKey");
	token = aws_creds_json_str(j, shape->token);
	exp = aws_creds_json_str(j, "Expiration");
	acct = aws_creds_json_str(j, "AccountId");
	if (akid == NULL || secret == NULL ||
	    (shape->need_token && token == NULL) ||
	    (shape->need_expiration && exp == NULL)) {
		xasprintf(cause, "%s: AccessKeyId, SecretAccessKey%s%s%s are "
		    "required", shape->what, shape->need_token ? ", " : "",
		    shape->need_token ? shape->token : "",
		    shape->need_expiration ? " and Expiration" : "");
		goto out;
	}
	if (exp != NULL && aws_time_parse(exp, &out->expiration) != 0) {
		xasprintf(cause, "%s: Expiration is not an ISO 8601 time",
		    shape->what);
		goto out;
	}
	out->access_key_id = xstrdup(akid);
	out->secret_access_key = xstrdup(secret);
	if (token != NULL)
		out->session_token = xstrdup(token);
	if (acct != NULL)
		out->account_id = xstrdup(acct);
	out->provider = xstrdup(provider);
	rv = 0;
out:
	cJSON_Delete(j);	/* holds secrets; cJSON cannot wipe them */
	return (rv);
}

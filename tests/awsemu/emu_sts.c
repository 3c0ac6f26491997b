/*
 * STS, query protocol and XML answers: GetCallerIdentity, AssumeRole and
 * the unsigned AssumeRoleWithWebIdentity, whose token must be one the
 * world file registered. Issued credentials join the auth table with
 * their session token and expiry. Also the form decoder every request's
 * parameters go through, and the XML text escaper.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "util.h"
#include "xmalloc.h"

#define EMU_STS_NS	"https://sts.amazonaws.com/doc/2011-06-15/"
#define EMU_STS_PARAMS	64

/* Decode %XX and '+' in len bytes of s. */
static char *
emu_sts_decode(const char *s, size_t len)
{
	char	*out = xmalloc(len + 1), pair[3];
	size_t	 i, j = 0;
	uint8_t	 byte;

	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len) {
			pair[0] = s[i + 1];
			pair[1] = s[i + 2];
			pair[2] = '\0';
		} else
			pair[0] = '\0';
		if (s[i] == '+')
			out[j++] = ' ';
		else if (pair[0] != '\0' && util_unhex(pair, &byte, 1) == 1) {
			out[j++] = (char)byte;
			i += 2;
		} else
			out[j++] = s[i];
	}
	out[j] = '\0';
	return (out);
}

/*
 * Add the k=v pairs of an application/x-www-form-urlencoded text (or a
 * query string) to into, first occurrence winning. Return the count.
 */
int
emu_sts_parse_form(const char *text, size_t len, cJSON *into)
{
	const char	*p = text, *end = text + len, *amp, *eq;
	char		*k, *v;
	int		 n = 0;

	while (p < end && n < EMU_STS_PARAMS) {
		amp = memchr(p, '&', end - p);
		if (amp == NULL)
			amp = end;
		eq = memchr(p, '=', amp - p);
		if (eq == NULL)
			eq = amp;
		k = emu_sts_decode(p, eq - p);
		v = eq < amp ? emu_sts_decode(eq + 1, amp - eq - 1) :
		    xstrdup("");
		if (*k != '\0' &&
		    cJSON_GetObjectItemCaseSensitive(into, k) == NULL) {
			cJSON_AddStringToObject(into, k, v);
			n++;
		}
		free(k);
		free(v);
		p = amp + 1;
	}
	return (n);
}

char *
emu_xml_escape(const char *s)
{
	struct evbuffer	*b = evbuffer_new();
	char		*out;
	size_t		 len;

	for (; *s != '\0'; s++) {
		switch (*s) {
		case '<': evbuffer_add(b, "&lt;", 4); break;
		case '>': evbuffer_add(b, "&gt;", 4); break;
		case '&': evbuffer_add(b, "&amp;", 5); break;
		case '"': evbuffer_add(b, "&quot;", 6); break;
		case '\'': evbuffer_add(b, "&apos;", 6); break;
		default:
			if ((u_char)*s < 0x20 && *s != '\n' && *s != '\t')
				evbuffer_add_printf(b, "&#%d;", *s);
			else
				evbuffer_add(b, s, 1);
		}
	}
	len = evbuffer_get_length(b);
	out = xmalloc(len + 1);
	evbuffer_remove(b, out, len);
	out[len] = '\0';
	evbuffer_free(b);
	return (out);
}

/* <ActionResponse><ActionResult>result</ActionResult>...metadata. */
static void
emu_sts_reply(struct emu_req *r, const char *action, const char *result)
{
	struct evbuffer	*body = evbuffer_new();

	evbuffer_add_printf(body, "<%sResponse xmlns=\"%s\">\n"
	    "  <%sResult>\n%s  </%sResult>\n"
	    "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n"
	    "  </ResponseMetadata>\n</%sResponse>\n", action, EMU_STS_NS,
	    action, result, action, r->request_id, action);
	emu_reply(r, 200, "text/xml", body);
}

static void
emu_sts_get_caller_identity(struct emu_req *r)
{
	char	*result, *arn = emu_xml_escape(r->caller->arn);

	xasprintf(&result, "    <Arn>%s</Arn>\n    <UserId>%s</UserId>\n"
	    "    <Account>%s</Account>\n", arn, r->caller->user_id,
	    r->caller->creds.account_id);
	emu_sts_reply(r, "GetCallerIdentity", result);
	free(arn);
	free(result);
}

/* 2 to 64 of [\w+=,.@-]. */
static int
emu_sts_session_name_ok(const char *s)
{
	size_t	len = strlen(s);

	return (len >= 2 && len <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-") == len);
}

/* arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME; *account and *name out. */
static int
emu_sts_role_arn(const char *arn, char *account, size_t alen, char *name,
    size_t nlen)
{
	const char	*p, *acct, *role;

	if (strncmp(arn, "arn:", 4) != 0 || strlen(arn) > 2048)
		return (-1);
	p = strchr(arn + 4, ':');
	if (p == NULL || strncmp(p, ":iam::", 6) != 0)
		return (-1);
	acct = p + 6;
	if (strspn(acct, "0123456789") != 12 || strncmp(acct + 12,
	    ":role/", 6) != 0)
		return (-1);
	role = strrchr(acct + 18, '/') != NULL ? strrchr(acct + 18, '/') + 1 :
	    acct + 18;
	if (*role == '\0')
		return (-1);
	snprintf(account, alen, "%.12s", acct);
	snprintf(name, nlen, "%s", role);
	return (0);
}

/* Check RoleArn, RoleSessionName, DurationSeconds; answered if -1. */
static int
emu_sts_role_params(struct emu_req *r, char *account, char *role,
    int64_t *lifetime)
{
	const char	*arn = emu_req_param(r, "RoleArn");
	const char	*name = emu_req_param(r, "RoleSessionName");
	const char	*dur = emu_req_param(r, "DurationSeconds");
	char		*end;
	long		 d = 3600;

	if (arn == NULL || emu_sts_role_arn(arn, account, 13, role, 65) != 0) {
		emu_reply_invalid(r, "ValidationError", "roleArn", arn,
		    "Member must be a role ARN (arn:aws:iam::ACCOUNT:role/NAME)");
		return (-1);
	}
	if (name == NULL || !emu_sts_session_name_ok(name)) {
		emu_reply_invalid(r, "ValidationError", "roleSessionName",
		    name, "Member must satisfy regular expression pattern: "
		    "[\\w+=,.@-]* and have length between 2 and 64");
		return (-1);
	}
	if (dur != NULL) {
		d = strtol(dur, &end, 10);
		if (*dur == '\0' || *end != '\0' || d < 900 || d > 43200) {
			emu_reply_invalid(r, "ValidationError",
			    "durationSeconds", dur, "Member must have value "
			    "between 900 and 43200");
			return (-1);
		}
	}
	*lifetime = emu.knobs.creds_ttl != 0 ? emu.knobs.creds_ttl : d;
	return (0);
}

/* Issue role credentials and write the Credentials/AssumedRoleUser XML. */
static char *
emu_sts_issue(const char *account, const char *role, const char *session,
    int64_t lifetime)
{
	struct emu_cred	*c;
	char		*arn, *user_id, *xarn, *xid, *when, *out, *suffix;
	uint8_t		 rnd[8];
	char		 hex[17];

	util_random(rnd, sizeof rnd);
	util_hex(rnd, sizeof rnd, hex);
	xasprintf(&suffix, "AROA%s", hex);
	for (out = suffix; *out != '\0'; out++)
		*out = toupper((u_char)*out);
	xasprintf(&arn, "arn:aws:sts::%s:assumed-role/%s/%s", account, role,
	    session);
	xasprintf(&user_id, "%s:%s", suffix, session);
	c = emu_auth_issue(EMU_CRED_STS, account, arn, user_id, session,
	    lifetime);
	xarn = emu_xml_escape(arn);
	xid = emu_xml_escape(user_id);
	when = emu_auth_time_iso8601(c->creds.expiration);
	xasprintf(&out, "    <Credentials>\n"
	    "      <AccessKeyId>%s</AccessKeyId>\n"
	    "      <SecretAccessKey>%s</SecretAccessKey>\n"
	    "      <SessionToken>%s</SessionToken>\n"
	    "      <Expiration>%s</Expiration>\n    </Credentials>\n"
	    "    <AssumedRoleUser>\n      <AssumedRoleId>%s</AssumedRoleId>\n"
	    "      <Arn>%s</Arn>\n    </AssumedRoleUser>\n",
	    c->creds.access_key_id, c->creds.secret_access_key,
	    c->creds.session_token, when, xid, xarn);
	free(suffix);
	free(arn);
	free(user_id);
	free(xarn);
	free(xid);
	free(when);
	return (out);
}

static void
emu_sts_assume_role(struct emu_req *r)
{
	char		 account[13], role[65], *result;
	const char	*ext = emu_req_param(r, "ExternalId");
	int64_t		 lifetime;

	if (emu_sts_role_params(r, account, role, &lifetime) != 0)
		return;
	if (ext != NULL && (strlen(ext) < 2 || strlen(ext) > 1224)) {
		emu_reply_invalid(r, "ValidationError", "externalId", ext,
		    "Member must have length between 2 and 1224");
		return;
	}
	result = emu_sts_issue(account, role, emu_req_param(r,
	    "RoleSessionName"), lifetime);
	emu_sts_reply(r, "AssumeRole", result);
	freezero_str(result);
}

static void
emu_sts_assume_role_with_web_identity(struct emu_req *r)
{
	const struct emu_web_identity	*w = NULL;
	const char			*token, *arn;
	char				 account[13], role[65], *result;
	char				*subject, *more;
	int64_t				 lifetime;
	size_t				 i;

	if (emu_sts_role_params(r, account, role, &lifetime) != 0)
		return;
	token = emu_req_param(r, "WebIdentityToken");
	arn = emu_req_param(r, "RoleArn");
	if (token == NULL || strlen(token) < 4 || strlen(token) > 20000) {
		emu_reply_invalid(r, "ValidationError", "webIdentityToken",
		    token == NULL ? NULL : "***", "Member must have length "
		    "between 4 and 20000");
		return;
	}
	for (i = 0; i < emu.registry->nweb; i++) {
		if (strcmp(emu.registry->web[i].token, token) == 0)
			w = &emu.registry->web[i];
	}
	if (w == NULL) {
		emu_reply_error(r, "InvalidIdentityToken", 400, "The ID Token "
		    "provided is not a valid token.");
		return;
	}
	if (w->role_arn != NULL && strcmp(w->role_arn, arn) != 0) {
		emu_reply_error(r, "AccessDenied", 403, "Not authorized to "
		    "perform sts:AssumeRoleWithWebIdentity");
		return;
	}
	result = emu_sts_issue(account, role, emu_req_param(r,
	    "RoleSessionName"), lifetime);
	subject = emu_xml_escape(w->subject);
	xasprintf(&more, "%s    <SubjectFromWebIdentityToken>%s"
	    "</SubjectFromWebIdentityToken>\n"
	    "    <Provider>arn:aws:iam::%s:oidc-provider/oidc.emu.test"
	    "</Provider>\n    <Audience>sts.amazonaws.com</Audience>\n",
	    result, subject, account);
	emu_sts_reply(r, "AssumeRoleWithWebIdentity", more);
	freezero_str(result);
	freezero_str(more);
	free(subject);
}

const struct emu_op emu_sts_ops[] = {
	{ "sts:GetCallerIdentity", EMU_PROTO_QUERY, 1,
	    emu_sts_get_caller_identity },
	{ "sts:AssumeRole", EMU_PROTO_QUERY, 1, emu_sts_assume_role },
	{ "sts:AssumeRoleWithWebIdentity", EMU_PROTO_QUERY, 0,
	    emu_sts_assume_role_with_web_identity },
	{ NULL, 0, 0, NULL }
};

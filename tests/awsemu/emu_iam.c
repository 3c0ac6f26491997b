/*
 * IAM, for a key of the world that carries a "policy": every signed call
 * it makes (and every data channel it opens) is evaluated against that
 * identity-based policy, as AWS does, for exactly what gatewayd needs
 * (gatewayd/policy.c, docs/policy.md). A key without one may do anything.
 *
 * - Action and Resource: a string or a list; '*' and '?' wildcards
 *   (actions ignore case); ${aws:userid} in a resource is the caller's
 *   name, the prefix of the SessionIds it starts. (AWS's aws:userid is
 *   the principal's unique id; awsemu models the service where that is
 *   the session prefix, the case AWS's own sample policies assume.)
 * - Condition operators StringEquals, StringNotEquals, StringLike,
 *   StringNotLike, Bool, each also ...IfExists; keys
 *   ssm:resourceTag/KEY (the target's tags), ssm:SessionDocumentAccessCheck
 *   ("true" when StartSession names its document), aws:RequestedRegion
 *   (the signing region), aws:userid.
 * - An explicit Deny wins over any Allow; no Allow is a denial.
 * Credentials issued to such a key (AssumeRole, ...) are the role's, and
 * not limited: only the AssumeRole call itself is.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "emu_iam.h"
#include "xmalloc.h"

static const char *const emu_iam_ops[] = {
	"StringEquals", "StringNotEquals", "StringLike", "StringNotLike",
	"Bool", NULL
};

/* '*' and '?' over s, optionally ignoring case. */
int
emu_iam_match(const char *pat, const char *s, int icase)
{
	const char	*star = NULL, *back = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star = pat++;
			back = s;
		} else if (*pat == '?' || (icase ? tolower((unsigned char)*pat)
		    == tolower((unsigned char)*s) : *pat == *s)) {
			pat++;
			s++;
		} else if (star != NULL) {
			pat = star + 1;
			s = ++back;
		} else
			return (0);
	}
	while (*pat == '*')
		pat++;
	return (*pat == '\0');
}

/* A string or a list of strings, non-empty. */
static int
emu_iam_strings(const cJSON *v)
{
	const cJSON	*e;

	if (cJSON_IsString(v))
		return (1);
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
		return (0);
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e))
			return (0);
	}
	return (1);
}

/* The operator without IfExists; NULL if not one we know. */
static const char *
emu_iam_op(const char *name, int *if_exists)
{
	size_t	i, len = strlen(name);

	*if_exists = len > 8 && strcmp(name + len - 8, "IfExists") == 0;
	if (*if_exists)
		len -= 8;
	for (i = 0; emu_iam_ops[i] != NULL; i++) {
		if (strlen(emu_iam_ops[i]) == len &&
		    strncmp(emu_iam_ops[i], name, len) == 0)
			return (emu_iam_ops[i]);
	}
	return (NULL);
}

static int
emu_iam_check_statement(const cJSON *st, int i, char **cause)
{
	const cJSON	*m, *e, *v;
	const char	*eff;
	int		 ie;

	if (!cJSON_IsObject(st)) {
		xasprintf(cause, "Statement[%d]: not an object", i);
		return (-1);
	}
	cJSON_ArrayForEach(m, st) {
		if (strcmp(m->string, "Sid") != 0 &&
		    strcmp(m->string, "Effect") != 0 &&
		    strcmp(m->string, "Action") != 0 &&
		    strcmp(m->string, "Resource") != 0 &&
		    strcmp(m->string, "Condition") != 0) {
			xasprintf(cause, "Statement[%d]: %s: not supported "
			    "(Sid, Effect, Action, Resource, Condition)", i,
			    m->string);
			return (-1);
		}
	}
	eff = cJSON_GetStringValue(cJSON_GetObjectItem(st, "Effect"));
	if (eff == NULL || (strcmp(eff, "Allow") != 0 &&
	    strcmp(eff, "Deny") != 0)) {
		xasprintf(cause, "Statement[%d]: Effect: Allow or Deny", i);
		return (-1);
	}
	if (!emu_iam_strings(cJSON_GetObjectItem(st, "Action")) ||
	    !emu_iam_strings(cJSON_GetObjectItem(st, "Resource"))) {
		xasprintf(cause, "Statement[%d]: Action and Resource: a "
		    "string or a list of strings", i);
		return (-1);
	}
	if ((m = cJSON_GetObjectItem(st, "Condition")) == NULL)
		return (0);
	if (!cJSON_IsObject(m)) {
		xasprintf(cause, "Statement[%d]: Condition: not an object", i);
		return (-1);
	}
	cJSON_ArrayForEach(e, m) {
		if (emu_iam_op(e->string, &ie) == NULL || !cJSON_IsObject(e)) {
			xasprintf(cause, "Statement[%d]: Condition: %s: not "
			    "an operator awsemu knows", i, e->string);
			return (-1);
		}
		cJSON_ArrayForEach(v, e) {
			if (!emu_iam_strings(v) && !cJSON_IsBool(v)) {
				xasprintf(cause, "Statement[%d]: Condition: "
				    "%s: %s: a string or a list", i,
				    e->string, v->string);
				return (-1);
			}
		}
	}
	return (0);
}

int
emu_iam_check_policy(const cJSON *policy, char **cause)
{
	const cJSON	*m, *list, *st;
	int		 i = 0;

	if (!cJSON_IsObject(policy)) {
		*cause = xstrdup("not an object");
		return (-1);
	}
	cJSON_ArrayForEach(m, policy) {
		if (strcmp(m->string, "Version") != 0 &&
		    strcmp(m->string, "Id") != 0 &&
		    strcmp(m->string, "Statement") != 0) {
			xasprintf(cause, "%s: not a policy element", m->string);
			return (-1);
		}
	}
	list = cJSON_GetObjectItem(policy, "Statement");
	if (cJSON_IsObject(list))
		return (emu_iam_check_statement(list, 0, cause));
	if (!cJSON_IsArray(list)) {
		*cause = xstrdup("Statement: an object or a list");
		return (-1);
	}
	cJSON_ArrayForEach(st, list) {
		if (emu_iam_check_statement(st, i++, cause) != 0)
			return (-1);
	}
	return (0);
}

/* Does any of v (a string or list) match s? */
static int
emu_iam_any(const cJSON *v, const char *s, int icase,
    const struct emu_iam_req *req)
{
	const cJSON	*e;
	char		*pat;
	const char	*var = "${aws:userid}", *at;
	int		 hit;

	if (cJSON_IsString(v))
		e = v;
	else
		e = v->child;
	for (; e != NULL; e = cJSON_IsString(v) ? NULL : e->next) {
		if (!cJSON_IsString(e))
			continue;
		if ((at = strstr(e->valuestring, var)) != NULL) {
			xasprintf(&pat, "%.*s%s%s",
			    (int)(at - e->valuestring), e->valuestring,
			    req->userid != NULL ? req->userid : "",
			    at + strlen(var));
			hit = req->userid != NULL &&
			    emu_iam_match(pat, s, icase);
			free(pat);
		} else
			hit = emu_iam_match(e->valuestring, s, icase);
		if (hit)
			return (1);
	}
	return (0);
}

/* The request's value of a condition key, or NULL. */
static const char *
emu_iam_key(const char *key, const struct emu_iam_req *req)
{
	size_t	i;

	if (strncasecmp(key, "ssm:resourceTag/", 16) == 0) {
		for (i = 0; i < req->ntags; i++) {
			if (strcmp(req->tags[i].key, key + 16) == 0)
				return (req->tags[i].value);
		}
		return (NULL);
	}
	if (strcasecmp(key, "ssm:SessionDocumentAccessCheck") == 0)
		return (req->doc_check);
	if (strcasecmp(key, "aws:RequestedRegion") == 0)
		return (req->region);
	if (strcasecmp(key, "aws:userid") == 0)
		return (req->userid);
	return (NULL);
}

/* One value against the request's, as the operator compares. */
static int
emu_iam_value(const char *op, const char *want, const char *have)
{
	if (strstr(op, "Like") != NULL)
		return (emu_iam_match(want, have, 0));
	if (strcmp(op, "Bool") == 0)
		return (strcasecmp(want, have) == 0);
	return (strcmp(want, have) == 0);
}

/* One operator and key of a Condition block. */
static int
emu_iam_condition(const char *opname, const cJSON *values,
    const struct emu_iam_req *req)
{
	const char	*op, *have;
	const cJSON	*e;
	int		 ie, neg, hit = 0;

	op = emu_iam_op(opname, &ie);
	neg = strstr(op, "Not") != NULL;
	if ((have = emu_iam_key(values->string, req)) == NULL)
		return (ie || neg);
	if (cJSON_IsBool(values))
		hit = emu_iam_value(op, cJSON_IsTrue(values) ? "true" :
		    "false", have);
	else if (cJSON_IsString(values))
		hit = emu_iam_value(op, values->valuestring, have);
	else {
		cJSON_ArrayForEach(e, values) {
			if (cJSON_IsString(e) &&
			    emu_iam_value(op, e->valuestring, have))
				hit = 1;
		}
	}
	return (neg ? !hit : hit);
}

static int
emu_iam_applies(const cJSON *st, const struct emu_iam_req *req)
{
	const cJSON	*cond, *op, *kv;

	if (!emu_iam_any(cJSON_GetObjectItem(st, "Action"), req->action, 1,
	    req) || !emu_iam_any(cJSON_GetObjectItem(st, "Resource"),
	    req->resource, 0, req))
		return (0);
	cond = cJSON_GetObjectItem(st, "Condition");
	cJSON_ArrayForEach(op, cond) {
		cJSON_ArrayForEach(kv, op) {
			if (!emu_iam_condition(op->string, kv, req))
				return (0);
		}
	}
	return (1);
}

enum emu_iam_decision
emu_iam_eval(const cJSON *policy, const struct emu_iam_req *req)
{
	const cJSON		*list, *st;
	enum emu_iam_decision	 d = EMU_IAM_IMPLICIT_DENY;

	list = cJSON_GetObjectItem(policy, "Statement");
	st = cJSON_IsObject(list) ? list : list != NULL ? list->child : NULL;
	for (; st != NULL; st = cJSON_IsObject(list) ? NULL : st->next) {
		if (!emu_iam_applies(st, req))
			continue;
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(st,
		    "Effect")), "Deny") == 0)
			return (EMU_IAM_EXPLICIT_DENY);
		d = EMU_IAM_ALLOW;
	}
	return (d);
}

/* The message AWS gives, into *why; 0 if allowed. */
int
emu_iam_decide(const struct emu_cred *caller, const struct emu_iam_req *req,
    char **why)
{
	enum emu_iam_decision	d;

	if (caller == NULL || caller->policy == NULL)
		return (0);
	if ((d = emu_iam_eval(caller->policy, req)) == EMU_IAM_ALLOW)
		return (0);
	if (d == EMU_IAM_EXPLICIT_DENY)
		xasprintf(why, "User: %s is not authorized to perform: %s on "
		    "resource: %s with an explicit deny in an identity-based "
		    "policy", caller->arn, req->action, req->resource);
	else
		xasprintf(why, "User: %s is not authorized to perform: %s on "
		    "resource: %s because no identity-based policy allows "
		    "the %s action", caller->arn, req->action, req->resource,
		    req->action);
	return (-1);
}

/* A StartSession target as its ARN: instance, managed node or ECS task. */
static char *
emu_iam_target_arn(const char *region, const char *account,
    const char *target)
{
	const char	*cluster, *task, *runtime;
	char		*arn;

	if (strncmp(target, "ecs:", 4) == 0 &&
	    (runtime = strrchr(target + 4, '_')) != NULL) {
		cluster = target + 4;
		for (task = runtime - 1; task > cluster && *task != '_'; task--)
			;
		xasprintf(&arn, "arn:aws:ecs:%s:%s:task/%.*s/%.*s", region,
		    account, (int)(task - cluster), cluster,
		    (int)(runtime - task - 1), task + 1);
	} else if (strncmp(target, "mi-", 3) == 0)
		xasprintf(&arn, "arn:aws:ssm:%s:%s:managed-instance/%s", region,
		    account, target);
	else
		xasprintf(&arn, "arn:aws:ec2:%s:%s:instance/%s", region,
		    account, target);
	return (arn);
}

static char *
emu_iam_document_arn(const char *region, const char *account,
    const char *name)
{
	char	*arn;

	if (strncmp(name, "arn:", 4) == 0)
		return (xstrdup(name));
	if (strncmp(name, "AWS-", 4) == 0)
		xasprintf(&arn, "arn:aws:ssm:%s::document/%s", region, name);
	else
		xasprintf(&arn, "arn:aws:ssm:%s:%s:document/%s", region,
		    account, name);
	return (arn);
}

/* Evaluate one resource of r's call; answer the denial if it is one. */
static int
emu_iam_one(struct emu_req *r, struct emu_iam_req *req, char *resource)
{
	char	*why = NULL;
	int	 rv;

	req->resource = resource;
	if ((rv = emu_iam_decide(r->caller, req, &why)) != 0) {
		if (r->op->proto == EMU_PROTO_QUERY)
			emu_reply_error(r, "AccessDenied", 403, "%s", why);
		else
			emu_reply_error(r, "AccessDeniedException", 400, "%s",
			    why);
	}
	free(why);
	free(resource);
	return (rv);
}

int
emu_iam_check_req(struct emu_req *r)
{
	struct emu_iam_req	 req;
	struct emu_target	*t;
	const char		*acct, *target, *doc, *sid;
	const char		*region = r->region != NULL ? r->region :
				    emu.registry->region;

	if (r->caller == NULL || r->caller->policy == NULL ||
	    strcmp(r->op->name, "sts:GetCallerIdentity") == 0)
		return (0);
	memset(&req, 0, sizeof req);
	req.action = r->op->name;
	req.region = region;
	req.userid = r->caller->caller_name;
	acct = r->caller->creds.account_id;
	if (strcmp(r->op->name, "ssm:StartSession") == 0) {
		target = cJSON_GetStringValue(cJSON_GetObjectItem(r->json,
		    "Target"));
		doc = cJSON_GetStringValue(cJSON_GetObjectItem(r->json,
		    "DocumentName"));
		if (target == NULL)
			return (0);	/* the operation says what is wrong */
		req.doc_check = doc != NULL ? "true" : "false";
		if ((t = emu_registry_find_target(emu.registry,
		    target)) != NULL) {
			req.tags = t->tags;
			req.ntags = t->ntags;
		}
		if (emu_iam_one(r, &req, emu_iam_target_arn(region, acct,
		    target)) != 0)
			return (-1);
		req.tags = NULL;
		req.ntags = 0;
		return (emu_iam_one(r, &req, emu_iam_document_arn(region, acct,
		    doc != NULL ? doc : "SSM-SessionManagerRunShell")));
	}
	if (strcmp(r->op->name, "ssm:ResumeSession") == 0 ||
	    strcmp(r->op->name, "ssm:TerminateSession") == 0) {
		sid = cJSON_GetStringValue(cJSON_GetObjectItem(r->json,
		    "SessionId"));
		return (emu_iam_one(r, &req, emu_iam_session_arn(region, acct,
		    sid != NULL ? sid : "")));
	}
	if (strcmp(r->op->name, "sts:AssumeRole") == 0 &&
	    emu_req_param(r, "RoleArn") != NULL)
		return (emu_iam_one(r, &req,
		    xstrdup(emu_req_param(r, "RoleArn"))));
	return (emu_iam_one(r, &req, xstrdup("*")));
}

char *
emu_iam_session_arn(const char *region, const char *account, const char *id)
{
	char	*arn;

	xasprintf(&arn, "arn:aws:ssm:%s:%s:session/%s", region, account, id);
	return (arn);
}

int
emu_iam_check_channel(const struct emu_cred *caller,
    const struct emu_session *s, char **why)
{
	struct emu_iam_req	 req;
	char			*arn, *msg = NULL;
	int			 rv;

	memset(&req, 0, sizeof req);
	req.action = "ssmmessages:OpenDataChannel";
	req.region = s->region;
	req.userid = caller->caller_name;
	arn = emu_iam_session_arn(s->region, s->account, s->id);
	req.resource = arn;
	if ((rv = emu_iam_decide(caller, &req, &msg)) != 0)
		xasprintf(why, "AccessDeniedException: %s", msg);
	free(msg);
	free(arn);
	return (rv);
}

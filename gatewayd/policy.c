/*
 * The least-privilege IAM policy of the running config (docs/policy.md).
 *
 * The calls gatewayd makes for an ssm forward, and the resources each
 * names (forwarders/ssm, gatewayd/aws):
 * - ssm:StartSession: the target (arn:aws:ec2:R:A:instance/i-...,
 *   arn:aws:ssm:R:A:managed-instance/mi-..., arn:aws:ecs:R:A:task/C/T)
 *   and the document; IAM checks both, each against the statements.
 *   A tag: target is found at each session start, so its statement is
 *   every instance of the region with the tag as a condition.
 * - ssm:DescribeInstanceInformation (Resource "*"): tag: targets only.
 * - ssm:ResumeSession, ssm:TerminateSession, ssmmessages:OpenDataChannel:
 *   the session, whose id begins with the caller's name.
 * - sts:AssumeRole: a profile with role_arn.
 * ECS targets are given whole (ecs:CLUSTER_TASK_RUNTIME): gatewayd calls
 * no ECS API. sts:GetCallerIdentity (whoami) needs no permission.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/queue.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_endpoints.h"
#include "aws_profile.h"
#include "config.h"
#include "control.h"
#include "forward.h"
#include "gatewayd.h"
#include "policy.h"
#include "xmalloc.h"

#define POLICY_DOC_PORT		"AWS-StartPortForwardingSession"
#define POLICY_DOC_HOST		"AWS-StartPortForwardingSessionToRemoteHost"

/* A set of strings, sorted when it is printed. */
struct policy_set {
	char	**v;
	size_t	  n;
};

/* One tag condition: StringEquals or StringLike on ssm:resourceTag/KEY. */
struct policy_tag {
	const char		*op;
	char			*key;
	struct policy_set	 values;
};

struct policy_region {
	char			*name;
	char			*partition;	/* aws, aws-cn, ... */
	struct policy_set	 targets;	/* StartSession resources */
	struct policy_set	 documents;
	struct policy_tag	*tags;
	size_t			 ntags;
	int			 describe;	/* DescribeInstanceInformation */
};

struct policy {
	const char		*account;	/* "*" when unknown */
	struct policy_region	*regions;
	size_t			 nregions;
	struct policy_set	 roles;
	struct policy_set	 sids;		/* used, to keep them unique */
	struct policy_set	 notes;		/* in the order they came */
};

static int
policy_set_has(const struct policy_set *s, const char *str)
{
	size_t	i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(s->v[i], str) == 0)
			return (1);
	}
	return (0);
}

static void
policy_set_add(struct policy_set *s, const char *str)
{
	if (policy_set_has(s, str))
		return;
	s->v = xreallocarray(s->v, s->n + 1, sizeof *s->v);
	s->v[s->n++] = xstrdup(str);
}

/* The same, taking str. */
static void
policy_set_take(struct policy_set *s, char *str)
{
	policy_set_add(s, str);
	free(str);
}

static void
policy_set_clear(struct policy_set *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int
policy_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* A sorted array of s's strings (Resource, values). */
static cJSON *
policy_set_json(struct policy_set *s)
{
	if (s->n == 0)
		return (cJSON_CreateArray());
	if (s->n > 1)
		qsort(s->v, s->n, sizeof *s->v, policy_cmp);
	return (cJSON_CreateStringArray((const char *const *)s->v,
	    (int)s->n));
}

static void
policy_note(struct policy *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
policy_note(struct policy *p, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;

	va_start(ap, fmt);
	xvasprintf(&s, fmt, ap);
	va_end(ap);
	policy_set_take(&p->notes, s);
}

/* The partition of a region, as the endpoint rules place it. */
static char *
policy_partition(const char *region)
{
	struct aws_endpoint_params	 ep;
	struct aws_endpoint		 e;
	char				*cause = NULL, *part;

	memset(&ep, 0, sizeof ep);
	ep.service = "ssm";
	ep.region = region;
	if (aws_endpoint_resolve(&ep, &e, &cause) != 0) {
		free(cause);
		return (xstrdup("aws"));
	}
	part = xstrdup(e.partition);
	aws_endpoint_free(&e);
	return (part);
}

static struct policy_region *
policy_region(struct policy *p, const char *name)
{
	struct policy_region	*r;
	size_t			 i;

	for (i = 0; i < p->nregions; i++) {
		if (strcmp(p->regions[i].name, name) == 0)
			return (&p->regions[i]);
	}
	p->regions = xreallocarray(p->regions, p->nregions + 1,
	    sizeof *p->regions);
	r = &p->regions[p->nregions++];
	memset(r, 0, sizeof *r);
	r->name = xstrdup(name);
	r->partition = policy_partition(name);
	return (r);
}

/* An fnmatch pattern as an IAM one: [...] classes widen to '*'. */
static char *
policy_glob(const char *pat, int *widened)
{
	char	*out = xcalloc(1, strlen(pat) + 1), *o = out;

	for (; *pat != '\0'; pat++) {
		if (*pat == '\\' && pat[1] != '\0')
			*o++ = *++pat;
		else if (*pat == '[' && strchr(pat + 1, ']') != NULL) {
			pat = strchr(pat + 1, ']');
			if (o == out || o[-1] != '*')
				*o++ = '*';
			*widened = 1;
		} else if (*pat == '*' && o != out && o[-1] == '*')
			continue;
		else
			*o++ = *pat;
	}
	return (out);
}

static int
policy_is_glob(const char *s)
{
	return (strpbrk(s, "*?[") != NULL);
}

static void
policy_add_tag(struct policy_region *r, const char *op, const char *key,
    const char *value)
{
	struct policy_tag	*t;
	size_t			 i;

	r->describe = 1;
	for (i = 0; i < r->ntags; i++) {
		t = &r->tags[i];
		if (strcmp(t->op, op) == 0 && strcmp(t->key, key) == 0) {
			policy_set_add(&t->values, value);
			return;
		}
	}
	r->tags = xreallocarray(r->tags, r->ntags + 1, sizeof *r->tags);
	t = &r->tags[r->ntags++];
	memset(t, 0, sizeof *t);
	t->op = op;
	t->key = xstrdup(key);
	policy_set_add(&t->values, value);
}

/*
 * ecs:CLUSTER_TASK_RUNTIME as the task's ARN. The cluster may hold '_':
 * the task and runtime ids are taken from the end (fwd_ssm.c). A pattern
 * keeps its cluster if that is plain, else any task.
 */
static char *
policy_ecs_arn(const struct policy *p, const struct policy_region *r,
    const char *target, int pattern)
{
	const char	*cluster = target + 4, *runtime, *task;
	char		*arn;

	if (pattern) {
		task = strchr(cluster, '_');
		if (task == NULL || task == cluster ||
		    strpbrk(cluster, "*?[\\") < task)
			xasprintf(&arn, "arn:%s:ecs:%s:%s:task/*", r->partition,
			    r->name, p->account);
		else
			xasprintf(&arn, "arn:%s:ecs:%s:%s:task/%.*s/*",
			    r->partition, r->name, p->account,
			    (int)(task - cluster), cluster);
		return (arn);
	}
	runtime = strrchr(cluster, '_');
	for (task = runtime - 1; task > cluster && *task != '_'; task--)
		;
	xasprintf(&arn, "arn:%s:ecs:%s:%s:task/%.*s/%.*s", r->partition,
	    r->name, p->account, (int)(task - cluster), cluster,
	    (int)(runtime - task - 1), task + 1);
	return (arn);
}

/* A target (or, on demand, a connect_targets pattern) of region r. */
static void
policy_add_target(struct policy *p, struct policy_region *r,
    const char *target, int pattern)
{
	const char	*eq;
	char		*key, *id, *arn;
	int		 widened = 0;

	if (strncmp(target, "tag:", 4) == 0) {
		eq = strchr(target + 4, '=');
		if (eq == NULL)
			return;
		key = xstrndup(target + 4, eq - target - 4);
		if (pattern && policy_is_glob(key)) {
			policy_note(p, "connect_targets %s: a tag key pattern "
			    "has no IAM form; not covered", target);
			free(key);
			return;
		}
		if (pattern && policy_is_glob(eq + 1)) {
			id = policy_glob(eq + 1, &widened);
			policy_add_tag(r, "StringLike", key, id);
			free(id);
		} else
			policy_add_tag(r, "StringEquals", key, eq + 1);
		free(key);
	} else if (strncmp(target, "ecs:", 4) == 0) {
		policy_set_take(&r->targets, policy_ecs_arn(p, r, target,
		    pattern && policy_is_glob(target)));
	} else {
		id = pattern ? policy_glob(target, &widened) : xstrdup(target);
		if (strncmp(id, "mi-", 3) == 0)
			xasprintf(&arn, "arn:%s:ssm:%s:%s:managed-instance/%s",
			    r->partition, r->name, p->account, id);
		else
			xasprintf(&arn, "arn:%s:ec2:%s:%s:instance/%s",
			    r->partition, r->name, p->account, id);
		policy_set_take(&r->targets, arn);
		free(id);
	}
	if (widened)
		policy_note(p, "connect_targets %s: a [...] class is '*' in "
		    "IAM: the policy allows more than gatewayd does", target);
}

static void
policy_add_document(struct policy *p, struct policy_region *r,
    const char *name)
{
	char	*arn;

	if (strncmp(name, "arn:", 4) == 0)
		arn = xstrdup(name);
	else if (strncmp(name, "AWS-", 4) == 0)
		xasprintf(&arn, "arn:%s:ssm:%s::document/%s", r->partition,
		    r->name, name);
	else
		xasprintf(&arn, "arn:%s:ssm:%s:%s:document/%s", r->partition,
		    r->name, p->account, name);
	policy_set_take(&r->documents, arn);
}

/* The role a profile assumes, if the AWS config files say. */
static void
policy_add_profile(struct policy *p, struct aws_profiles *profiles,
    const char *profile)
{
	const char	*role;

	if (profiles == NULL || profile == NULL)
		return;
	if ((role = aws_profile_get(profiles, profile, "role_arn")) != NULL) {
		policy_set_add(&p->roles, role);
		policy_note(p, "profile %s assumes %s: sts:AssumeRole is for "
		    "the identity it starts from, the rest for the role",
		    profile, role);
	}
}

static void
policy_add_forward(struct policy *p, struct aws_profiles *profiles,
    const struct fwd_config *fc)
{
	struct policy_region	*r;
	const char		*doc = fc->document;

	if (fc->forwarder == NULL || strcmp(fc->forwarder, "ssm") != 0 ||
	    fc->target == NULL || fc->region == NULL)
		return;
	r = policy_region(p, fc->region);
	policy_add_target(p, r, fc->target, 0);
	if (doc == NULL)
		doc = fc->remote_host != NULL ? POLICY_DOC_HOST :
		    POLICY_DOC_PORT;
	policy_add_document(p, r, doc);
	if (fc->remote_host != NULL && strcmp(doc, POLICY_DOC_PORT) != 0)
		policy_note(p, "forward %s: the remote host (%s) is a "
		    "document parameter IAM cannot restrict", fc->name,
		    fc->remote_host);
	policy_add_profile(p, profiles, fc->profile);
}

/* gatewayctl connect's targets, in [gateway]'s region. */
static void
policy_add_on_demand(struct policy *p, struct aws_profiles *profiles,
    const struct gw_config *gc)
{
	struct policy_region	*r;
	char			*copy, *s, *word;

	if (gc->connect_allow.n == 0)
		return;
	if (gc->region == NULL) {
		policy_note(p, "on-demand connects: no [gateway] region; "
		    "not covered");
		return;
	}
	r = policy_region(p, gc->region);
	s = copy = xstrdup(gc->connect_targets != NULL ?
	    gc->connect_targets : "*");
	while ((word = strsep(&s, " \t")) != NULL) {
		if (*word == '\0')
			continue;
		if (strncmp(word, "i-", 2) == 0 ||
		    strncmp(word, "mi-", 3) == 0 ||
		    strncmp(word, "tag:", 4) == 0 ||
		    strncmp(word, "ecs:", 4) == 0)
			policy_add_target(p, r, word, 1);
		else if (word[0] == '*' || word[0] == '?' || word[0] == '[') {
			/* Any target: every instance, node and task. */
			policy_add_target(p, r, "i-*", 1);
			policy_add_target(p, r, "mi-*", 1);
			policy_add_target(p, r, "ecs:*", 1);
			r->describe = 1;
			policy_note(p, "connect_targets %s: any instance, "
			    "managed node or task of %s", word, r->name);
		}
		/* Else a forward's name: its own statements cover it. */
	}
	free(copy);
	policy_add_document(p, r, POLICY_DOC_PORT);
	policy_add_document(p, r, POLICY_DOC_HOST);
	policy_note(p, "on-demand connects: region %s only (gatewayctl "
	    "connect --region elsewhere is not covered); connect_ports and "
	    "remote hosts are gatewayd's checks, not IAM's", r->name);
	if (gc->connect_profiles != NULL)
		policy_note(p, "connect_profiles (%s): each profile is an "
		    "identity of its own that needs this policy",
		    gc->connect_profiles);
	policy_add_profile(p, profiles, gc->profile);
}

/* "us-east-1" as "UsEast1", for Sids (letters and digits only). */
static void
policy_camel(const char *s, char *out, size_t len)
{
	size_t	o = 0;
	int	up = 1;

	for (; *s != '\0' && o + 1 < len; s++) {
		if (!isalnum((unsigned char)*s)) {
			up = 1;
			continue;
		}
		out[o++] = up ? toupper((unsigned char)*s) : *s;
		up = 0;
	}
	out[o] = '\0';
}

/* A statement: Sid (made unique), Effect, Action, Resource. */
static cJSON *
policy_statement(struct policy *p, cJSON *list, const char *sid,
    const char *const *actions, int nactions, cJSON *resources)
{
	cJSON	*st = cJSON_CreateObject();
	char	 buf[160];
	int	 i;

	snprintf(buf, sizeof buf, "%s", sid);
	for (i = 2; policy_set_has(&p->sids, buf); i++)
		snprintf(buf, sizeof buf, "%s%d", sid, i);
	policy_set_add(&p->sids, buf);
	cJSON_AddStringToObject(st, "Sid", buf);
	cJSON_AddStringToObject(st, "Effect", "Allow");
	cJSON_AddItemToObject(st, "Action",
	    cJSON_CreateStringArray(actions, nactions));
	cJSON_AddItemToObject(st, "Resource", resources);
	cJSON_AddItemToArray(list, st);
	return (st);
}

/* The condition every StartSession statement carries (AWS's advice). */
static cJSON *
policy_doc_check(void)
{
	cJSON	*cond = cJSON_CreateObject(), *b = cJSON_CreateObject();

	cJSON_AddStringToObject(b, "ssm:SessionDocumentAccessCheck", "true");
	cJSON_AddItemToObject(cond, "BoolIfExists", b);
	return (cond);
}

static int
policy_tag_cmp(const void *a, const void *b)
{
	const struct policy_tag	*ta = a, *tb = b;
	int			 c;

	if ((c = strcmp(ta->key, tb->key)) != 0)
		return (c);
	return (strcmp(ta->op, tb->op));
}

static void
policy_region_json(struct policy *p, struct policy_region *r, cJSON *list)
{
	static const char *const start[] = { "ssm:StartSession" };
	static const char *const describe[] = {
	    "ssm:DescribeInstanceInformation" };
	static const char *const own[] = { "ssm:ResumeSession",
	    "ssm:TerminateSession" };
	static const char *const channel[] = {
	    "ssmmessages:OpenDataChannel" };
	struct policy_set	 res = { NULL, 0 };
	struct policy_tag	*t;
	cJSON			*st, *cond, *op;
	char			 reg[64], key[64], sid[160], *s;
	size_t			 i;

	policy_camel(r->name, reg, sizeof reg);
	for (i = 0; i < r->documents.n; i++)
		policy_set_add(&res, r->documents.v[i]);
	for (i = 0; i < r->targets.n; i++)
		policy_set_add(&res, r->targets.v[i]);
	snprintf(sid, sizeof sid, "StartSession%s", reg);
	st = policy_statement(p, list, sid, start, 1, policy_set_json(&res));
	cJSON_AddItemToObject(st, "Condition", policy_doc_check());
	policy_set_clear(&res);

	if (r->ntags > 1)
		qsort(r->tags, r->ntags, sizeof *r->tags, policy_tag_cmp);
	for (i = 0; i < r->ntags; i++) {
		t = &r->tags[i];
		xasprintf(&s, "arn:%s:ec2:%s:*:instance/*", r->partition,
		    r->name);
		policy_set_take(&res, s);
		xasprintf(&s, "arn:%s:ssm:%s:*:managed-instance/*",
		    r->partition, r->name);
		policy_set_take(&res, s);
		policy_camel(t->key, key, sizeof key);
		snprintf(sid, sizeof sid, "StartSessionTag%s%s", key, reg);
		st = policy_statement(p, list, sid, start, 1,
		    policy_set_json(&res));
		policy_set_clear(&res);
		cond = policy_doc_check();
		op = cJSON_CreateObject();
		xasprintf(&s, "ssm:resourceTag/%s", t->key);
		cJSON_AddItemToObject(op, s, policy_set_json(&t->values));
		free(s);
		cJSON_AddItemToObject(cond, t->op, op);
		cJSON_AddItemToObject(st, "Condition", cond);
	}

	if (r->describe) {
		snprintf(sid, sizeof sid, "DescribeInstances%s", reg);
		st = policy_statement(p, list, sid, describe, 1,
		    cJSON_CreateString("*"));
		cond = cJSON_CreateObject();
		op = cJSON_CreateObject();
		cJSON_AddStringToObject(op, "aws:RequestedRegion", r->name);
		cJSON_AddItemToObject(cond, "StringEquals", op);
		cJSON_AddItemToObject(st, "Condition", cond);
	}

	xasprintf(&s, "arn:%s:ssm:%s:*:session/${aws:userid}-*", r->partition,
	    r->name);
	snprintf(sid, sizeof sid, "OwnSessions%s", reg);
	policy_statement(p, list, sid, own, 2, cJSON_CreateStringArray(
	    (const char *const *)&s, 1));
	snprintf(sid, sizeof sid, "OpenDataChannel%s", reg);
	policy_statement(p, list, sid, channel, 1, cJSON_CreateStringArray(
	    (const char *const *)&s, 1));
	free(s);
}

static int
policy_region_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct policy_region *)a)->name,
	    ((const struct policy_region *)b)->name));
}

static void
policy_free(struct policy *p)
{
	struct policy_region	*r;
	size_t			 i, j;

	for (i = 0; i < p->nregions; i++) {
		r = &p->regions[i];
		free(r->name);
		free(r->partition);
		policy_set_clear(&r->targets);
		policy_set_clear(&r->documents);
		for (j = 0; j < r->ntags; j++) {
			free(r->tags[j].key);
			policy_set_clear(&r->tags[j].values);
		}
		free(r->tags);
	}
	free(p->regions);
	policy_set_clear(&p->roles);
	policy_set_clear(&p->sids);
	policy_set_clear(&p->notes);
}

cJSON *
policy_make(const struct gw_config *gc, const struct fwd_config *const *fwds,
    size_t n, int on_demand, const char *account, int roles)
{
	static const char *const assume[] = { "sts:AssumeRole" };
	struct policy		 p;
	struct aws_profiles	*profiles = NULL;
	cJSON			*out, *doc, *list;
	char			*cause = NULL;
	size_t			 i;

	memset(&p, 0, sizeof p);
	p.account = account != NULL ? account : "*";
	if (roles && (profiles = aws_profile_load(NULL, NULL,
	    &cause)) == NULL) {
		policy_note(&p, "AWS config files: %s; roles not looked up",
		    cause);
		free(cause);
	}
	for (i = 0; i < n; i++)
		policy_add_forward(&p, profiles, fwds[i]);
	if (on_demand)
		policy_add_on_demand(&p, profiles, gc);
	if (profiles != NULL)
		aws_profile_free(profiles);

	out = cJSON_CreateObject();
	doc = cJSON_AddObjectToObject(out, "policy");
	cJSON_AddStringToObject(doc, "Version", "2012-10-17");
	list = cJSON_AddArrayToObject(doc, "Statement");
	if (p.nregions > 1)
		qsort(p.regions, p.nregions, sizeof *p.regions,
		    policy_region_cmp);
	for (i = 0; i < p.nregions; i++)
		policy_region_json(&p, &p.regions[i], list);
	if (p.roles.n != 0)
		policy_statement(&p, list, "AssumeRole", assume, 1,
		    policy_set_json(&p.roles));
	if (p.nregions == 0)
		policy_note(&p, "no ssm forward: nothing to allow");
	else {
		policy_note(&p, "sessions: a session id starts with the "
		    "caller's name (an IAM user's, an assumed role's session "
		    "name); AWS's samples match it with ${aws:userid}, for a "
		    "role ROLEID:SESSION: there, name the sessions "
		    "session/SESSION-* or widen to session/*");
		if (account == NULL)
			policy_note(&p, "account: * in ARNs (gatewayctl policy "
			    "--account ID narrows them)");
	}
	/* In the order they came (never none: one is always added). */
	cJSON_AddItemToObject(out, "notes", cJSON_CreateStringArray(
	    (const char *const *)p.notes.v, (int)p.notes.n));
	policy_free(&p);
	return (out);
}

/* {"cmd": "policy", "names": [...], "account": "123456789012"} */
static void
policy_cmd(struct control_req *req, const cJSON *json)
{
	const cJSON		*names, *name, *acct;
	const struct fwd_config	**fwds = NULL;
	const char		*account = NULL;
	struct forward		*fw;
	size_t			 n = 0;

	acct = cJSON_GetObjectItem(json, "account");
	if (acct != NULL && (!cJSON_IsString(acct) ||
	    strlen(acct->valuestring) != 12 ||
	    strspn(acct->valuestring, "0123456789") != 12)) {
		control_reply_error(req, "policy: account: not 12 digits");
		return;
	}
	if (acct != NULL)
		account = acct->valuestring;
	names = cJSON_GetObjectItem(json, "names");
	if (names != NULL && !cJSON_IsArray(names)) {
		control_reply_error(req, "policy: names: not an array");
		return;
	}
	cJSON_ArrayForEach(name, names) {
		if (!cJSON_IsString(name) || (fw = gateway_find(
		    name->valuestring)) == NULL || fw->on_demand) {
			control_reply_error(req, "policy: no forward %.64s",
			    cJSON_IsString(name) ? name->valuestring : "?");
			free(fwds);
			return;
		}
		fwds = xreallocarray(fwds, n + 1, sizeof *fwds);
		fwds[n++] = fw->conf;
	}
	if (n == 0) {
		TAILQ_FOREACH(fw, &gw_forwards, entry) {
			if (fw->on_demand || fw->state == FORWARD_RETIRED)
				continue;
			fwds = xreallocarray(fwds, n + 1, sizeof *fwds);
			fwds[n++] = fw->conf;
		}
	}
	control_reply(req, policy_make(gw_conf, fwds, n,
	    cJSON_GetArraySize(names) == 0, account, 1));
	free(fwds);
}

void
policy_init(void)
{
	control_register("policy", policy_cmd);
}

/*
 * The emulated world, read from a JSON file the tests write: access keys,
 * instances and ECS tasks (with the loopback addresses their ports and
 * remote hosts stand for), extra Session documents, web identity tokens,
 * SSO logins, KMS keys, and what IMDS and the container endpoint serve.
 *
 * Pure: text in, struct out. Every error names the file and the field
 * ("world.json: instances[2].ping: \"up\" is not one of ..."), and an
 * unknown key is an error so that a typo in a test does not pass silently.
 */

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "emu_iam.h"
#include "util.h"
#include "xmalloc.h"

#define EMU_DEFAULT_AKID	"AKIAEMUDEFAULT000001"
#define EMU_DEFAULT_SECRET	"emu/default+secret/0000000000000000000000"
/*
 * The IAM user name of the default key and of keys without one. It is
 * the SessionId's prefix, and the service's ids for such callers carry
 * an '@' (ssm-data-channel.md 2.5): so do ours, to keep every client
 * honest about ids in URLs and paths.
 */
#define EMU_DEFAULT_USER	"alice@example.com"
#define EMU_MAX_FILE		(4 * 1024 * 1024)

/* Where we are in the file, for messages. */
struct emu_reg_ctx {
	const char	*name;
	char		 where[256];
	char		**cause;
};

static const char *emu_ping_values[] = {
	"Online", "ConnectionLost", "Inactive", NULL
};
static const char *emu_platform_values[] = {
	"Linux", "Windows", "MacOS", NULL
};
static const char *emu_resource_values[] = {
	"EC2Instance", "ManagedInstance", NULL
};

static int	emu_reg_fail(struct emu_reg_ctx *, const char *, const char *,
		    ...) __attribute__((format(printf, 3, 4)));

/* Set *cause, once: "FILE: where.field: message". Return -1. */
static int
emu_reg_fail(struct emu_reg_ctx *ctx, const char *field, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*msg;

	if (*ctx->cause != NULL)
		return (-1);
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (field != NULL)
		xasprintf(ctx->cause, "%s: %s%s%s: %s", ctx->name, ctx->where,
		    ctx->where[0] != '\0' ? "." : "", field, msg);
	else if (ctx->where[0] != '\0')
		xasprintf(ctx->cause, "%s: %s: %s", ctx->name, ctx->where, msg);
	else
		xasprintf(ctx->cause, "%s: %s", ctx->name, msg);
	free(msg);
	return (-1);
}

/* Reject keys not in allowed: catches typos in test files. */
static int
emu_reg_check_keys(struct emu_reg_ctx *ctx, const cJSON *obj,
    const char *const *allowed)
{
	const cJSON	*item;
	size_t		 i;

	if (!cJSON_IsObject(obj))
		return (emu_reg_fail(ctx, NULL, "%s", "not an object"));
	cJSON_ArrayForEach(item, obj) {
		for (i = 0; allowed[i] != NULL; i++) {
			if (strcmp(item->string, allowed[i]) == 0)
				break;
		}
		if (allowed[i] == NULL)
			return (emu_reg_fail(ctx, item->string, "%s",
			    "unknown key"));
	}
	return (0);
}

/* Copy string member name of obj into *out; absent is fine unless req. */
static int
emu_reg_string(struct emu_reg_ctx *ctx, const cJSON *obj, const char *name,
    int required, size_t maxlen, char **out)
{
	const cJSON	*item = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (item == NULL) {
		if (required)
			return (emu_reg_fail(ctx, name, "%s", "missing"));
		return (0);
	}
	if (!cJSON_IsString(item))
		return (emu_reg_fail(ctx, name, "%s", "not a string"));
	if (item->valuestring[0] == '\0')
		return (emu_reg_fail(ctx, name, "%s", "empty"));
	if (strlen(item->valuestring) > maxlen)
		return (emu_reg_fail(ctx, name, "%s", "too long"));
	free(*out);
	*out = xstrdup(item->valuestring);
	return (0);
}

static int
emu_reg_enum(struct emu_reg_ctx *ctx, const char *name, const char *value,
    const char **values)
{
	char	 list[128] = "";
	size_t	 i;

	for (i = 0; values[i] != NULL; i++) {
		if (strcmp(value, values[i]) == 0)
			return (0);
		if (i != 0)
			strlcat(list, ", ", sizeof list);
		strlcat(list, values[i], sizeof list);
	}
	if (*ctx->cause == NULL) {
		xasprintf(ctx->cause, "%s: %s.%s: \"%s\" is not one of %s",
		    ctx->name, ctx->where, name, value, list);
	}
	return (-1);
}

/* Push a path element: "instances[2]". Return the old length to pop. */
static size_t
emu_reg_push(struct emu_reg_ctx *ctx, const char *name, int index)
{
	size_t	len = strlen(ctx->where);
	char	buf[96];

	if (index >= 0)
		snprintf(buf, sizeof buf, "%s%s[%d]", len != 0 ? "." : "",
		    name, index);
	else
		snprintf(buf, sizeof buf, "%s%s", len != 0 ? "." : "", name);
	strlcat(ctx->where, buf, sizeof ctx->where);
	return (len);
}

static void
emu_reg_pop(struct emu_reg_ctx *ctx, size_t len)
{
	ctx->where[len] = '\0';
}

/* Return 1 if s is an ECMA-ish run of n lower-case hex digits. */
static int
emu_reg_is_hex(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (!isxdigit((u_char)s[i]) || isupper((u_char)s[i]))
			return (0);
	}
	return (s[n] == '\0');
}

int
emu_registry_is_instance_id(const char *id)
{
	if (strncmp(id, "i-", 2) == 0)
		return (emu_reg_is_hex(id + 2, 8) || emu_reg_is_hex(id + 2, 17));
	if (strncmp(id, "mi-", 3) == 0)
		return (emu_reg_is_hex(id + 3, 17));
	return (0);
}

/* ecs:CLUSTER_TASK_RUNTIME, three non-empty parts. */
static int
emu_reg_is_ecs_target(const char *id)
{
	const char	*p, *q;

	if (strncmp(id, "ecs:", 4) != 0)
		return (0);
	p = strchr(id + 4, '_');
	if (p == NULL || p == id + 4)
		return (0);
	q = strchr(p + 1, '_');
	return (q != NULL && q != p + 1 && q[1] != '\0');
}

/* A loopback host:port: tests reach nothing else. */
static int
emu_reg_is_loopback(const char *addr)
{
	const char	*colon;
	char		*end;
	long		 port;

	if (strncmp(addr, "127.", 4) == 0)
		colon = strrchr(addr, ':');
	else if (strncmp(addr, "[::1]:", 6) == 0)
		colon = addr + 5;
	else if (strncmp(addr, "localhost:", 10) == 0)
		colon = addr + 9;
	else
		return (0);
	if (colon == NULL)
		return (0);
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	return (errno == 0 && *end == '\0' && port >= 1 && port <= 65535 &&
	    end != colon + 1);
}

static int
emu_reg_port_ok(const char *s)
{
	char	*end;
	long	 port;

	errno = 0;
	port = strtol(s, &end, 10);
	return (errno == 0 && *end == '\0' && end != s && port >= 1 &&
	    port <= 65535 && s[0] != '0' && s[0] != '+' && s[0] != '-');
}

/* "ports": {"22": "127.0.0.1:2222"}; remote: {"db:5432": "..."}. */
static int
emu_reg_portmap(struct emu_reg_ctx *ctx, const cJSON *obj, const char *name,
    int remote, struct emu_portmap **out, size_t *nout)
{
	const cJSON	*map, *item;
	const char	*colon;
	size_t		 len;

	map = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (map == NULL)
		return (0);
	len = emu_reg_push(ctx, name, -1);
	if (!cJSON_IsObject(map))
		return (emu_reg_fail(ctx, NULL, "%s", "not an object"));
	cJSON_ArrayForEach(item, map) {
		colon = strrchr(item->string, ':');
		if (!remote && !emu_reg_port_ok(item->string))
			return (emu_reg_fail(ctx, item->string, "%s",
			    "not a port number (1-65535)"));
		if (remote && (colon == NULL || colon == item->string ||
		    !emu_reg_port_ok(colon + 1)))
			return (emu_reg_fail(ctx, item->string, "%s",
			    "not host:port"));
		if (!cJSON_IsString(item) ||
		    !emu_reg_is_loopback(item->valuestring))
			return (emu_reg_fail(ctx, item->string, "%s",
			    "not a loopback address (127.x.x.x:PORT, "
			    "[::1]:PORT or localhost:PORT)"));
		*out = xreallocarray(*out, *nout + 1, sizeof **out);
		(*out)[*nout].from = xstrdup(item->string);
		(*out)[*nout].to = xstrdup(item->valuestring);
		(*nout)++;
	}
	emu_reg_pop(ctx, len);
	return (0);
}

static int
emu_reg_tags(struct emu_reg_ctx *ctx, const cJSON *obj, struct emu_target *t)
{
	const cJSON	*tags, *item;
	size_t		 len;

	tags = cJSON_GetObjectItemCaseSensitive(obj, "tags");
	if (tags == NULL)
		return (0);
	len = emu_reg_push(ctx, "tags", -1);
	if (!cJSON_IsObject(tags))
		return (emu_reg_fail(ctx, NULL, "%s", "not an object"));
	cJSON_ArrayForEach(item, tags) {
		if (!cJSON_IsString(item))
			return (emu_reg_fail(ctx, item->string, "%s",
			    "not a string"));
		if (item->string[0] == '\0' || strlen(item->string) > 128)
			return (emu_reg_fail(ctx, NULL, "%s",
			    "tag keys are 1 to 128 characters"));
		t->tags = xreallocarray(t->tags, t->ntags + 1,
		    sizeof *t->tags);
		t->tags[t->ntags].key = xstrdup(item->string);
		t->tags[t->ntags].value = xstrdup(item->valuestring);
		t->ntags++;
	}
	emu_reg_pop(ctx, len);
	return (0);
}

/* A string or an array of strings, each 1..max characters. */
static int
emu_reg_strings(struct emu_reg_ctx *ctx, const cJSON *v, size_t max,
    char ***out, size_t *nout)
{
	const cJSON	*item;

	if (cJSON_IsString(v) && v->valuestring[0] != '\0' &&
	    strlen(v->valuestring) <= max) {
		*out = xreallocarray(*out, *nout + 1, sizeof **out);
		(*out)[(*nout)++] = xstrdup(v->valuestring);
		return (0);
	}
	if (!cJSON_IsArray(v))
		return (emu_reg_fail(ctx, NULL, "%s", "not a string or an "
		    "array of strings"));
	cJSON_ArrayForEach(item, v) {
		if (!cJSON_IsString(item) || item->valuestring[0] == '\0' ||
		    strlen(item->valuestring) > max)
			return (emu_reg_fail(ctx, NULL, "each entry is a "
			    "string of 1 to %zu characters", max));
		*out = xreallocarray(*out, *nout + 1, sizeof **out);
		(*out)[(*nout)++] = xstrdup(item->valuestring);
	}
	return (0);
}

/* "agent": {"deny": [...], "vpc_cidr": "...", "resolve": {name: [..]}} */
static int
emu_reg_agent(struct emu_reg_ctx *ctx, const cJSON *obj, struct emu_target *t)
{
	static const char *const keys[] = { "deny", "vpc_cidr", "resolve",
	    NULL };
	struct emu_target_agent	*a = &t->agent;
	struct emu_resolve	*r;
	const cJSON		*agent, *v, *item;
	size_t			 len, len2, len3;

	if ((agent = cJSON_GetObjectItemCaseSensitive(obj, "agent")) == NULL)
		return (0);
	len = emu_reg_push(ctx, "agent", -1);
	if (!cJSON_IsObject(agent))
		return (emu_reg_fail(ctx, NULL, "%s", "not an object"));
	if (emu_reg_check_keys(ctx, agent, keys) != 0 ||
	    emu_reg_string(ctx, agent, "vpc_cidr", 0, 64, &a->vpc_cidr) != 0)
		return (-1);
	if ((v = cJSON_GetObjectItemCaseSensitive(agent, "deny")) != NULL) {
		len2 = emu_reg_push(ctx, "deny", -1);
		a->has_deny = 1;
		if (!(cJSON_IsArray(v) && cJSON_GetArraySize(v) == 0) &&
		    emu_reg_strings(ctx, v, 64, &a->deny, &a->ndeny) != 0)
			return (-1);
		emu_reg_pop(ctx, len2);
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(agent, "resolve")) != NULL) {
		len2 = emu_reg_push(ctx, "resolve", -1);
		if (!cJSON_IsObject(v))
			return (emu_reg_fail(ctx, NULL, "%s", "not an object"));
		cJSON_ArrayForEach(item, v) {
			a->resolve = xreallocarray(a->resolve, a->nresolve + 1,
			    sizeof *a->resolve);
			r = &a->resolve[a->nresolve++];
			memset(r, 0, sizeof *r);
			r->name = xstrdup(item->string);
			len3 = emu_reg_push(ctx, item->string, -1);
			if (emu_reg_strings(ctx, item, 64, &r->addrs,
			    &r->naddrs) != 0)
				return (-1);
			emu_reg_pop(ctx, len3);
		}
		emu_reg_pop(ctx, len2);
	}
	emu_reg_pop(ctx, len);
	return (0);
}

static const char *const emu_target_keys[] = {
	"id", "target", "ping", "agent_version", "platform_type",
	"platform_name", "platform_version", "resource_type", "region", "ip",
	"computer_name", "tags", "ports", "remote_hosts", "agent", NULL
};

/* Fill in what a test did not say. */
static void
emu_reg_target_defaults(struct emu_registry *reg, struct emu_target *t)
{
	if (t->ping == NULL)
		t->ping = xstrdup("Online");
	if (t->agent_version == NULL)
		t->agent_version = xstrdup("3.3.987.0");
	if (t->platform_type == NULL)
		t->platform_type = xstrdup("Linux");
	if (t->platform_name == NULL)
		t->platform_name = xstrdup("Amazon Linux");
	if (t->platform_version == NULL)
		t->platform_version = xstrdup("2023");
	if (t->resource_type == NULL)
		t->resource_type = xstrdup(strncmp(t->id, "mi-", 3) == 0 ?
		    "ManagedInstance" : "EC2Instance");
	if (t->region == NULL)
		t->region = xstrdup(reg->region);
	if (t->ip == NULL)
		t->ip = xstrdup("10.0.0.10");
	if (t->computer_name == NULL)
		xasprintf(&t->computer_name, "ip-%s.internal", t->id);
}

static int
emu_reg_target(struct emu_reg_ctx *ctx, struct emu_registry *reg,
    const cJSON *obj, enum emu_target_kind kind)
{
	struct emu_target	*t;
	const char		*idkey;
	size_t			 i;

	if (emu_reg_check_keys(ctx, obj, emu_target_keys) != 0)
		return (-1);
	reg->targets = xreallocarray(reg->targets, reg->ntargets + 1,
	    sizeof *reg->targets);
	t = &reg->targets[reg->ntargets++];
	memset(t, 0, sizeof *t);
	t->kind = kind;
	t->extra = (cJSON *)obj;
	idkey = kind == EMU_TARGET_ECS ? "target" : "id";
	if (emu_reg_string(ctx, obj, idkey, 1, 400, &t->id) != 0)
		return (-1);
	if (kind == EMU_TARGET_INSTANCE && !emu_registry_is_instance_id(t->id))
		return (emu_reg_fail(ctx, idkey, "\"%s\" is not an instance id "
		    "(i- and 8 or 17 hex digits, or mi- and 17)", t->id));
	if (kind == EMU_TARGET_ECS && !emu_reg_is_ecs_target(t->id))
		return (emu_reg_fail(ctx, idkey, "\"%s\" is not an ECS target "
		    "(ecs:CLUSTER_TASK_RUNTIME)", t->id));
	for (i = 0; i + 1 < reg->ntargets; i++) {
		if (strcmp(reg->targets[i].id, t->id) == 0)
			return (emu_reg_fail(ctx, idkey, "\"%s\" is listed "
			    "twice", t->id));
	}
	if (emu_reg_string(ctx, obj, "ping", 0, 32, &t->ping) != 0 ||
	    emu_reg_string(ctx, obj, "agent_version", 0, 32,
	    &t->agent_version) != 0 ||
	    emu_reg_string(ctx, obj, "platform_type", 0, 32,
	    &t->platform_type) != 0 ||
	    emu_reg_string(ctx, obj, "platform_name", 0, 128,
	    &t->platform_name) != 0 ||
	    emu_reg_string(ctx, obj, "platform_version", 0, 64,
	    &t->platform_version) != 0 ||
	    emu_reg_string(ctx, obj, "resource_type", 0, 32,
	    &t->resource_type) != 0 ||
	    emu_reg_string(ctx, obj, "region", 0, 64, &t->region) != 0 ||
	    emu_reg_string(ctx, obj, "ip", 0, 64, &t->ip) != 0 ||
	    emu_reg_string(ctx, obj, "computer_name", 0, 255,
	    &t->computer_name) != 0)
		return (-1);
	emu_reg_target_defaults(reg, t);
	if (emu_reg_enum(ctx, "ping", t->ping, emu_ping_values) != 0 ||
	    emu_reg_enum(ctx, "platform_type", t->platform_type,
	    emu_platform_values) != 0 ||
	    emu_reg_enum(ctx, "resource_type", t->resource_type,
	    emu_resource_values) != 0)
		return (-1);
	if (emu_reg_tags(ctx, obj, t) != 0 ||
	    emu_reg_portmap(ctx, obj, "ports", 0, &t->ports, &t->nports) != 0 ||
	    emu_reg_portmap(ctx, obj, "remote_hosts", 1, &t->hosts,
	    &t->nhosts) != 0 || emu_reg_agent(ctx, obj, t) != 0)
		return (-1);
	return (0);
}

/* Walk array name of root, calling fn on each element. */
static int
emu_reg_array(struct emu_reg_ctx *ctx, struct emu_registry *reg,
    const cJSON *root, const char *name,
    int (*fn)(struct emu_reg_ctx *, struct emu_registry *, const cJSON *))
{
	const cJSON	*arr, *item;
	size_t		 len;
	int		 i = 0;

	arr = cJSON_GetObjectItemCaseSensitive(root, name);
	if (arr == NULL)
		return (0);
	if (!cJSON_IsArray(arr))
		return (emu_reg_fail(ctx, name, "%s", "not an array"));
	cJSON_ArrayForEach(item, arr) {
		len = emu_reg_push(ctx, name, i++);
		if (fn(ctx, reg, item) != 0)
			return (-1);
		emu_reg_pop(ctx, len);
	}
	return (0);
}

static int
emu_reg_instance(struct emu_reg_ctx *ctx, struct emu_registry *reg,
    const cJSON *obj)
{
	return (emu_reg_target(ctx, reg, obj, EMU_TARGET_INSTANCE));
}

static int
emu_reg_ecs(struct emu_reg_ctx *ctx, struct emu_registry *reg,
    const cJSON *obj)
{
	return (emu_reg_target(ctx, reg, obj, EMU_TARGET_ECS));
}

static int
emu_reg_key(struct emu_reg_ctx *ctx, struct emu_registry *reg,
    const cJSON *obj)
{
	static const char *const keys[] = { "access_key_id",
	    "secret_access_key", "user", "account", "policy", NULL };
	struct emu_key	*k;
	const cJSON	*policy;
	char		*why = NULL;

	if (emu_reg_check_keys(ctx, obj, keys) != 0)
		return (-1);
	reg->keys = xreallocarray(reg->keys, reg->nkeys + 1,
	    sizeof *reg->keys);
	k = &reg->keys[reg->nkeys++];
	memset(k, 0, sizeof *k);
	if (emu_reg_string(ctx, obj, "access_key_id", 1, 128,
	    &k->access_key_id) != 0 ||
	    emu_reg_string(ctx, obj, "secret_access_key", 1, 128,
	    &k->secret_access_key) != 0 ||
	    emu_reg_string(ctx, obj, "user", 0, 64, &k->user) != 0 ||
	    emu_reg_string(ctx, obj, "account", 0, 12, &k->account) != 0)
		return (-1);
	if (k->user == NULL)
		k->user = xstrdup(EMU_DEFAULT_USER);
	if (k->account == NULL)
		k->account = xstrdup(reg->account);
	if ((policy = cJSON_GetObjectItem(obj, "policy")) == NULL)
		return (0);
	if (emu_iam_check_policy(policy, &why) != 0) {
		emu_reg_fail(ctx, "policy", "%s", why);
		free(why);
		return (-1);
	}
	k->policy = cJSON_Duplicate(policy, 1);
	return (0);
}

static int
emu_reg_web(struct emu_reg_ctx *ctx, struct emu_registry *reg,
    const cJSON *obj)
{
	static const char *const keys[] = { "token", "role_arn", "subject",
	    NULL };
	struct emu_web_identity	*w;

	if (emu_reg_check_keys(ctx, obj, keys) != 0)
		return (-1);
	reg->web = xreallocarray(reg->web, reg->nweb + 1, sizeof *reg->web);
	w = &reg->web[reg->nweb++];
	memset(w, 0, sizeof *w);
	if (emu_reg_string(ctx, obj, "token", 1, 20000, &w->token) != 0 ||
	    emu_reg_string(ctx, obj, "role_arn", 0, 2048, &w->role_arn) != 0 ||
	    emu_reg_string(ctx, obj, "subject", 0, 255, &w->subject) != 0)
		return (-1);
	if (w->subject == NULL)
		w->subject = xstrdup("system:serviceaccount:default:gatewayd");
	return (0);
}

static int
emu_reg_sso_role(struct emu_reg_ctx *ctx, struct emu_registry *reg,
    const cJSON *obj)
{
	static const char *const keys[] = { "account_id", "role_name", NULL };
	struct emu_sso		*s = &reg->sso[reg->nsso - 1];
	struct emu_sso_role	*r;

	if (emu_reg_check_keys(ctx, obj, keys) != 0)
		return (-1);
	s->roles = xreallocarray(s->roles, s->nroles + 1, sizeof *s->roles);
	r = &s->roles[s->nroles++];
	memset(r, 0, sizeof *r);
	return (emu_reg_string(ctx, obj, "account_id", 1, 12,
	    &r->account_id) != 0 ||
	    emu_reg_string(ctx, obj, "role_name", 1, 64, &r->role_name) != 0 ?
	    -1 : 0);
}

static int
emu_reg_sso(struct emu_reg_ctx *ctx, struct emu_registry *reg,
    const cJSON *obj)
{
	static const char *const keys[] = { "access_token", "client_id",
	    "client_secret", "refresh_token", "user", "roles", NULL };
	struct emu_sso	*s;

	if (emu_reg_check_keys(ctx, obj, keys) != 0)
		return (-1);
	reg->sso = xreallocarray(reg->sso, reg->nsso + 1, sizeof *reg->sso);
	s = &reg->sso[reg->nsso++];
	memset(s, 0, sizeof *s);
	if (emu_reg_string(ctx, obj, "access_token", 1, 8192,
	    &s->access_token) != 0 ||
	    emu_reg_string(ctx, obj, "client_id", 0, 512, &s->client_id) != 0 ||
	    emu_reg_string(ctx, obj, "client_secret", 0, 8192,
	    &s->client_secret) != 0 ||
	    emu_reg_string(ctx, obj, "refresh_token", 0, 8192,
	    &s->refresh_token) != 0 ||
	    emu_reg_string(ctx, obj, "user", 0, 64, &s->user) != 0)
		return (-1);
	if (s->user == NULL)
		s->user = xstrdup("sso-user");
	return (emu_reg_array(ctx, reg, obj, "roles", emu_reg_sso_role));
}

static void
emu_reg_kms_fill(struct emu_registry *reg, struct emu_kms_key *k)
{
	uint8_t	uuid[UUID_LEN];
	char	text[UUID_STR_LEN];

	if (k->id == NULL) {
		util_uuid_v4(uuid);
		util_uuid_format(uuid, text);
		k->id = xstrdup(text);
	}
	xasprintf(&k->arn, "arn:aws:kms:%s:%s:key/%s", reg->region,
	    reg->account, k->id);
	util_random(k->secret, sizeof k->secret);
}

static int
emu_reg_kms(struct emu_reg_ctx *ctx, struct emu_registry *reg,
    const cJSON *obj)
{
	static const char *const keys[] = { "id", "aliases", "enabled", NULL };
	struct emu_kms_key	*k;
	const cJSON		*item, *aliases;
	uint8_t			 uuid[UUID_LEN];

	if (emu_reg_check_keys(ctx, obj, keys) != 0)
		return (-1);
	reg->kms = xreallocarray(reg->kms, reg->nkms + 1, sizeof *reg->kms);
	k = &reg->kms[reg->nkms++];
	memset(k, 0, sizeof *k);
	k->enabled = 1;
	if (emu_reg_string(ctx, obj, "id", 0, 64, &k->id) != 0)
		return (-1);
	if (k->id != NULL && util_uuid_parse(k->id, uuid) != 0)
		return (emu_reg_fail(ctx, "id", "\"%s\" is not a key id (a "
		    "UUID)", k->id));
	item = cJSON_GetObjectItemCaseSensitive(obj, "enabled");
	if (item != NULL && !cJSON_IsBool(item))
		return (emu_reg_fail(ctx, "enabled", "%s", "not true or false"));
	if (item != NULL)
		k->enabled = cJSON_IsTrue(item);
	aliases = cJSON_GetObjectItemCaseSensitive(obj, "aliases");
	if (aliases != NULL && !cJSON_IsArray(aliases))
		return (emu_reg_fail(ctx, "aliases", "%s", "not an array"));
	cJSON_ArrayForEach(item, aliases) {
		if (!cJSON_IsString(item) ||
		    strncmp(item->valuestring, "alias/", 6) != 0)
			return (emu_reg_fail(ctx, "aliases", "%s",
			    "each alias is a string starting alias/"));
		k->aliases = xreallocarray(k->aliases, k->naliases + 1,
		    sizeof *k->aliases);
		k->aliases[k->naliases++] = xstrdup(item->valuestring);
	}
	emu_reg_kms_fill(reg, k);
	return (0);
}

static int
emu_reg_object(struct emu_reg_ctx *ctx, struct emu_registry *reg,
    const cJSON *root)
{
	static const char *const imds_keys[] = { "role", "instance_id",
	    "availability_zone", NULL };
	static const char *const container_keys[] = { "path",
	    "authorization", NULL };
	const cJSON	*obj;
	size_t		 len;

	if ((obj = cJSON_GetObjectItemCaseSensitive(root, "imds")) != NULL) {
		len = emu_reg_push(ctx, "imds", -1);
		if (emu_reg_check_keys(ctx, obj, imds_keys) != 0 ||
		    emu_reg_string(ctx, obj, "role", 0, 128,
		    &reg->imds_role) != 0 ||
		    emu_reg_string(ctx, obj, "instance_id", 0, 32,
		    &reg->imds_instance) != 0 ||
		    emu_reg_string(ctx, obj, "availability_zone", 0, 64,
		    &reg->imds_az) != 0)
			return (-1);
		emu_reg_pop(ctx, len);
	}
	obj = cJSON_GetObjectItemCaseSensitive(root, "container");
	if (obj != NULL) {
		len = emu_reg_push(ctx, "container", -1);
		if (emu_reg_check_keys(ctx, obj, container_keys) != 0 ||
		    emu_reg_string(ctx, obj, "path", 0, 512,
		    &reg->container_path) != 0 ||
		    emu_reg_string(ctx, obj, "authorization", 0, 8192,
		    &reg->container_auth) != 0)
			return (-1);
		/* Without a path, emu_reg_finish gives one. */
		if (reg->container_path != NULL &&
		    reg->container_path[0] != '/')
			return (emu_reg_fail(ctx, "path", "%s",
			    "must start with /"));
		emu_reg_pop(ctx, len);
	}
	return (0);
}

/* A document: "Name", or {"name", "session_type", "properties"}. */
static int
emu_reg_document(struct emu_reg_ctx *ctx, const cJSON *item,
    struct emu_document *d)
{
	static const char *const keys[] = { "name", "session_type",
	    "properties", NULL };
	const cJSON	*props, *p;
	size_t		 len;

	if (cJSON_IsString(item) && item->valuestring[0] != '\0') {
		d->name = xstrdup(item->valuestring);
		d->session_type = xstrdup("Port");
		return (0);
	}
	len = emu_reg_push(ctx, "documents", -1);
	if (!cJSON_IsObject(item))
		return (emu_reg_fail(ctx, NULL, "%s", "each document is a "
		    "non-empty string or an object"));
	if (emu_reg_check_keys(ctx, item, keys) != 0 ||
	    emu_reg_string(ctx, item, "name", 1, 128, &d->name) != 0 ||
	    emu_reg_string(ctx, item, "session_type", 0, 64,
	    &d->session_type) != 0)
		return (-1);
	if (d->session_type == NULL)
		d->session_type = xstrdup("Port");
	if ((props = cJSON_GetObjectItemCaseSensitive(item,
	    "properties")) != NULL) {
		if (!cJSON_IsObject(props))
			return (emu_reg_fail(ctx, "properties", "%s",
			    "not an object"));
		d->has_props = 1;
		cJSON_ArrayForEach(p, props) {
			if (!cJSON_IsString(p))
				return (emu_reg_fail(ctx, "properties", "%s: "
				    "not a string", p->string));
			d->props = xreallocarray(d->props, d->nprops + 1,
			    sizeof *d->props);
			d->props[d->nprops].from = xstrdup(p->string);
			d->props[d->nprops].to = xstrdup(p->valuestring);
			d->nprops++;
		}
	}
	emu_reg_pop(ctx, len);
	return (0);
}

static int
emu_reg_documents(struct emu_reg_ctx *ctx, struct emu_registry *reg,
    const cJSON *root)
{
	const cJSON	*arr, *item;

	arr = cJSON_GetObjectItemCaseSensitive(root, "documents");
	if (arr == NULL)
		return (0);
	if (!cJSON_IsArray(arr))
		return (emu_reg_fail(ctx, "documents", "%s", "not an array"));
	cJSON_ArrayForEach(item, arr) {
		reg->documents = xreallocarray(reg->documents,
		    reg->ndocuments + 1, sizeof *reg->documents);
		reg->docdefs = xreallocarray(reg->docdefs,
		    reg->ndocuments + 1, sizeof *reg->docdefs);
		memset(&reg->docdefs[reg->ndocuments], 0,
		    sizeof *reg->docdefs);
		reg->documents[reg->ndocuments] = NULL;
		reg->ndocuments++;
		if (emu_reg_document(ctx, item,
		    &reg->docdefs[reg->ndocuments - 1]) != 0)
			return (-1);
		reg->documents[reg->ndocuments - 1] =
		    xstrdup(reg->docdefs[reg->ndocuments - 1].name);
	}
	return (0);
}

static struct emu_registry *
emu_reg_new(void)
{
	struct emu_registry	*reg;

	reg = xcalloc(1, sizeof *reg);
	reg->keys = xcalloc(1, sizeof *reg->keys);
	reg->keys[0].access_key_id = xstrdup(EMU_DEFAULT_AKID);
	reg->keys[0].secret_access_key = xstrdup(EMU_DEFAULT_SECRET);
	reg->keys[0].user = xstrdup(EMU_DEFAULT_USER);
	reg->nkeys = 1;
	return (reg);
}

/* Defaults for what the file left out, once account and region are known. */
static void
emu_reg_finish(struct emu_registry *reg)
{
	if (reg->account == NULL)
		reg->account = xstrdup(EMU_ACCOUNT_DEFAULT);
	if (reg->region == NULL)
		reg->region = xstrdup(EMU_REGION_DEFAULT);
	if (reg->keys[0].account == NULL)
		reg->keys[0].account = xstrdup(reg->account);
	if (reg->nkms == 0) {
		reg->kms = xcalloc(1, sizeof *reg->kms);
		reg->kms[0].enabled = 1;
		reg->kms[0].aliases = xcalloc(1, sizeof *reg->kms[0].aliases);
		reg->kms[0].aliases[0] = xstrdup("alias/gatewayd");
		reg->kms[0].naliases = 1;
		emu_reg_kms_fill(reg, &reg->kms[0]);
		reg->nkms = 1;
	}
	if (reg->imds_role == NULL)
		reg->imds_role = xstrdup("gatewayd-instance");
	if (reg->imds_instance == NULL)
		reg->imds_instance = xstrdup("i-0123456789abcdef0");
	if (reg->imds_az == NULL)
		xasprintf(&reg->imds_az, "%sa", reg->region);
	if (reg->container_path == NULL)
		reg->container_path = xstrdup("/v2/credentials/emu");
}

static int
emu_reg_parse_root(struct emu_reg_ctx *ctx, struct emu_registry *reg,
    const cJSON *root)
{
	static const char *const keys[] = { "account", "region", "keys",
	    "instances", "ecs", "documents", "web_identity", "sso",
	    "kms_keys", "imds", "container", NULL };

	if (emu_reg_check_keys(ctx, root, keys) != 0 ||
	    emu_reg_string(ctx, root, "account", 0, 12, &reg->account) != 0 ||
	    emu_reg_string(ctx, root, "region", 0, 64, &reg->region) != 0)
		return (-1);
	if (reg->account != NULL && (strlen(reg->account) != 12 ||
	    strspn(reg->account, "0123456789") != 12))
		return (emu_reg_fail(ctx, "account", "\"%s\" is not 12 digits",
		    reg->account));
	if (reg->region == NULL)
		reg->region = xstrdup(EMU_REGION_DEFAULT);
	if (reg->account == NULL)
		reg->account = xstrdup(EMU_ACCOUNT_DEFAULT);
	if (emu_reg_array(ctx, reg, root, "keys", emu_reg_key) != 0 ||
	    emu_reg_array(ctx, reg, root, "instances", emu_reg_instance) != 0 ||
	    emu_reg_array(ctx, reg, root, "ecs", emu_reg_ecs) != 0 ||
	    emu_reg_array(ctx, reg, root, "web_identity", emu_reg_web) != 0 ||
	    emu_reg_array(ctx, reg, root, "sso", emu_reg_sso) != 0 ||
	    emu_reg_array(ctx, reg, root, "kms_keys", emu_reg_kms) != 0 ||
	    emu_reg_documents(ctx, reg, root) != 0 ||
	    emu_reg_object(ctx, reg, root) != 0)
		return (-1);
	return (0);
}

/* Line number of offset in text, for JSON syntax errors. */
static u_int
emu_reg_line(const char *text, size_t off)
{
	u_int	line = 1;
	size_t	i;

	for (i = 0; i < off; i++) {
		if (text[i] == '\n')
			line++;
	}
	return (line);
}

struct emu_registry *
emu_registry_parse(const char *text, size_t len, const char *name,
    char **cause)
{
	struct emu_registry	*reg;
	struct emu_reg_ctx	 ctx;
	const char		*end = NULL;
	cJSON			*root;

	*cause = NULL;
	root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (root == NULL) {
		size_t off = end != NULL && end >= text ? (size_t)(end - text) :
		    0;
		if (off > len)
			off = len;
		xasprintf(cause, "%s:%u: not valid JSON", name,
		    emu_reg_line(text, off));
		return (NULL);
	}
	reg = emu_reg_new();
	reg->path = xstrdup(name);
	reg->root = root;
	memset(&ctx, 0, sizeof ctx);
	ctx.name = name;
	ctx.cause = cause;
	if (emu_reg_parse_root(&ctx, reg, root) != 0) {
		emu_registry_free(reg);
		return (NULL);
	}
	emu_reg_finish(reg);
	return (reg);
}

struct emu_registry *
emu_registry_load(const char *path, char **cause)
{
	struct emu_registry	*reg;
	FILE			*f;
	char			*text;
	size_t			 len;

	if ((f = fopen(path, "r")) == NULL) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	text = xmalloc(EMU_MAX_FILE + 1);
	len = fread(text, 1, EMU_MAX_FILE + 1, f);
	if (ferror(f) || len > EMU_MAX_FILE) {
		xasprintf(cause, "%s: %s", path, ferror(f) ? strerror(errno) :
		    "larger than 4 MiB");
		fclose(f);
		free(text);
		return (NULL);
	}
	fclose(f);
	text[len] = '\0';
	reg = emu_registry_parse(text, len, path, cause);
	free(text);
	return (reg);
}

struct emu_registry *
emu_registry_default(void)
{
	struct emu_registry	*reg;

	reg = emu_reg_new();
	reg->path = xstrdup("(built in)");
	emu_reg_finish(reg);
	return (reg);
}

static void
emu_reg_free_portmaps(struct emu_portmap *pm, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(pm[i].from);
		free(pm[i].to);
	}
	free(pm);
}

static void
emu_reg_free_target(struct emu_target *t)
{
	size_t	i, j;

	free(t->id);
	free(t->ping);
	free(t->agent_version);
	free(t->platform_type);
	free(t->platform_name);
	free(t->platform_version);
	free(t->resource_type);
	free(t->region);
	free(t->ip);
	free(t->computer_name);
	for (i = 0; i < t->ntags; i++) {
		free(t->tags[i].key);
		free(t->tags[i].value);
	}
	free(t->tags);
	emu_reg_free_portmaps(t->ports, t->nports);
	emu_reg_free_portmaps(t->hosts, t->nhosts);
	for (i = 0; i < t->agent.ndeny; i++)
		free(t->agent.deny[i]);
	free(t->agent.deny);
	free(t->agent.vpc_cidr);
	for (i = 0; i < t->agent.nresolve; i++) {
		free(t->agent.resolve[i].name);
		for (j = 0; j < t->agent.resolve[i].naddrs; j++)
			free(t->agent.resolve[i].addrs[j]);
		free(t->agent.resolve[i].addrs);
	}
	free(t->agent.resolve);
}

static void
emu_reg_free_sso(struct emu_sso *s)
{
	size_t	i;

	freezero_str(s->access_token);
	free(s->client_id);
	freezero_str(s->client_secret);
	freezero_str(s->refresh_token);
	free(s->user);
	for (i = 0; i < s->nroles; i++) {
		free(s->roles[i].account_id);
		free(s->roles[i].role_name);
	}
	free(s->roles);
}

void
emu_registry_free(struct emu_registry *reg)
{
	size_t	i, j;

	if (reg == NULL)
		return;
	for (i = 0; i < reg->nkeys; i++) {
		free(reg->keys[i].access_key_id);
		freezero_str(reg->keys[i].secret_access_key);
		free(reg->keys[i].user);
		free(reg->keys[i].account);
		cJSON_Delete(reg->keys[i].policy);
	}
	free(reg->keys);
	for (i = 0; i < reg->ntargets; i++)
		emu_reg_free_target(&reg->targets[i]);
	free(reg->targets);
	for (i = 0; i < reg->ndocuments; i++) {
		free(reg->documents[i]);
		free(reg->docdefs[i].name);
		free(reg->docdefs[i].session_type);
		emu_reg_free_portmaps(reg->docdefs[i].props,
		    reg->docdefs[i].nprops);
	}
	free(reg->documents);
	free(reg->docdefs);
	for (i = 0; i < reg->nweb; i++) {
		freezero_str(reg->web[i].token);
		free(reg->web[i].role_arn);
		free(reg->web[i].subject);
	}
	free(reg->web);
	for (i = 0; i < reg->nsso; i++)
		emu_reg_free_sso(&reg->sso[i]);
	free(reg->sso);
	for (i = 0; i < reg->nkms; i++) {
		free(reg->kms[i].id);
		free(reg->kms[i].arn);
		for (j = 0; j < reg->kms[i].naliases; j++)
			free(reg->kms[i].aliases[j]);
		free(reg->kms[i].aliases);
	}
	free(reg->kms);
	free(reg->imds_role);
	free(reg->imds_instance);
	free(reg->imds_az);
	free(reg->container_path);
	freezero_str(reg->container_auth);
	free(reg->account);
	free(reg->region);
	free(reg->path);
	cJSON_Delete(reg->root);
	free(reg);
}

struct emu_target *
emu_registry_find_target(struct emu_registry *reg, const char *id)
{
	size_t	i;

	for (i = 0; i < reg->ntargets; i++) {
		if (strcmp(reg->targets[i].id, id) == 0)
			return (&reg->targets[i]);
	}
	return (NULL);
}

const char *
emu_registry_tag(const struct emu_target *t, const char *key)
{
	size_t	i;

	for (i = 0; i < t->ntags; i++) {
		if (strcmp(t->tags[i].key, key) == 0)
			return (t->tags[i].value);
	}
	return (NULL);
}

/* A key id, key ARN, alias name or alias ARN. */
struct emu_kms_key *
emu_registry_find_kms(struct emu_registry *reg, const char *key_id)
{
	struct emu_kms_key	*k;
	const char		*alias;
	size_t			 i, j;

	alias = strstr(key_id, "alias/");
	if (strncmp(key_id, "arn:", 4) == 0 && alias == NULL)
		key_id = strrchr(key_id, '/') != NULL ?
		    strrchr(key_id, '/') + 1 : key_id;
	for (i = 0; i < reg->nkms; i++) {
		k = &reg->kms[i];
		if (alias == NULL && strcmp(k->id, key_id) == 0)
			return (k);
		for (j = 0; alias != NULL && j < k->naliases; j++) {
			if (strcmp(k->aliases[j], alias) == 0)
				return (k);
		}
	}
	return (NULL);
}

const struct emu_document *
emu_registry_find_document(const struct emu_registry *reg, const char *name)
{
	size_t	i;

	for (i = 0; i < reg->ndocuments; i++) {
		if (strcmp(reg->docdefs[i].name, name) == 0)
			return (&reg->docdefs[i]);
	}
	return (NULL);
}

/*
 * Add a target to a live world (POST /_emu/target). The entry is copied
 * into the registry's own tree so that extra stays valid.
 */
int
emu_registry_add_target(struct emu_registry *reg, const cJSON *obj, int ecs,
    char **cause)
{
	struct emu_reg_ctx	 ctx;
	cJSON			*copy, *list;
	const char		*name = ecs ? "ecs" : "instances";

	*cause = NULL;
	memset(&ctx, 0, sizeof ctx);
	ctx.name = "target";
	ctx.cause = cause;
	if (reg->root == NULL)
		reg->root = cJSON_CreateObject();
	if ((list = cJSON_GetObjectItemCaseSensitive(reg->root, name)) == NULL)
		list = cJSON_AddArrayToObject(reg->root, name);
	copy = cJSON_Duplicate(obj, 1);
	cJSON_AddItemToArray(list, copy);
	emu_reg_push(&ctx, name, cJSON_GetArraySize(list) - 1);
	if (emu_reg_target(&ctx, reg, copy, ecs ? EMU_TARGET_ECS :
	    EMU_TARGET_INSTANCE) != 0) {
		/* The half-made entry is last: drop it. */
		emu_reg_free_target(&reg->targets[--reg->ntargets]);
		cJSON_DeleteItemFromArray(list, cJSON_GetArraySize(list) - 1);
		return (-1);
	}
	return (0);
}

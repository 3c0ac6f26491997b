/*
 * The unsigned endpoints that hand out credentials: EC2 instance metadata
 * (IMDSv2 tokens, the role, its credentials, the identity document), the
 * container credentials endpoint (with its Authorization check), the SSO
 * portal's GetRoleCredentials (bearer token) and SSO OIDC CreateToken
 * (refresh_token grant). What they issue joins the auth table.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "util.h"
#include "xmalloc.h"

#define EMU_IMDS_MAX_TOKENS	1024
#define EMU_IMDS_CREDS_PATH	"/latest/meta-data/iam/security-credentials/"

struct emu_imds_token {
	char				*token;
	uint64_t			 expires_ms;	/* monotonic */
	TAILQ_ENTRY(emu_imds_token)	 entry;
};
TAILQ_HEAD(emu_imds_tokens, emu_imds_token);

static struct emu_imds_tokens	emu_imds_tokens =
    TAILQ_HEAD_INITIALIZER(emu_imds_tokens);
static u_int			emu_imds_ntokens;

static void	emu_vend_imds_token(struct emu_req *);
static void	emu_vend_imds_get(struct emu_req *);
static void	emu_vend_container(struct emu_req *);
static void	emu_vend_sso_credentials(struct emu_req *);
static void	emu_vend_oidc_token(struct emu_req *);

const struct emu_op emu_vend_ops[] = {
	{ "imds:PutToken", EMU_PROTO_PLAIN, 0, emu_vend_imds_token },
	{ "imds:Get", EMU_PROTO_PLAIN, 0, emu_vend_imds_get },
	{ "container:GetCredentials", EMU_PROTO_REST, 0, emu_vend_container },
	{ "sso:GetRoleCredentials", EMU_PROTO_REST, 0,
	    emu_vend_sso_credentials },
	{ "sso-oidc:CreateToken", EMU_PROTO_OIDC, 0, emu_vend_oidc_token },
	{ NULL, 0, 0, NULL }
};

int
emu_vend_match(const char *method, const char *path, const struct emu_op **op)
{
	int	get = strcmp(method, "GET") == 0;

	if (strcmp(method, "PUT") == 0 && strcmp(path, "/latest/api/token") == 0)
		*op = &emu_vend_ops[0];
	else if (get && strncmp(path, "/latest/", 8) == 0)
		*op = &emu_vend_ops[1];
	else if (get && strcmp(path, emu.registry->container_path) == 0)
		*op = &emu_vend_ops[2];
	else if (get && strcmp(path, "/federation/credentials") == 0)
		*op = &emu_vend_ops[3];
	else if (strcmp(method, "POST") == 0 && strcmp(path, "/token") == 0)
		*op = &emu_vend_ops[4];
	else
		return (-1);
	return (0);
}

void
emu_vend_free(void)
{
	struct emu_imds_token	*t;

	while ((t = TAILQ_FIRST(&emu_imds_tokens)) != NULL) {
		TAILQ_REMOVE(&emu_imds_tokens, t, entry);
		freezero_str(t->token);
		free(t);
	}
	emu_imds_ntokens = 0;
}

/* The lifetime of credentials issued here: the knob, else def. */
static int64_t
emu_vend_lifetime(int64_t def)
{
	return (emu.knobs.creds_ttl != 0 ? emu.knobs.creds_ttl : def);
}

/* PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds. */
static void
emu_vend_imds_token(struct emu_req *r)
{
	struct emu_imds_token	*t;
	const char		*ttl;
	char			*end;
	long			 secs;

	if (!emu.knobs.imds_v2) {
		emu_reply_error(r, "Forbidden", 403, "Forbidden");
		return;
	}
	ttl = emu_req_header(r, "X-aws-ec2-metadata-token-ttl-seconds");
	secs = ttl != NULL ? strtol(ttl, &end, 10) : 0;
	if (ttl == NULL || *ttl == '\0' || *end != '\0' || secs < 1 ||
	    secs > 21600) {
		emu_reply_error(r, "BadRequest", 400, "Bad Request");
		return;
	}
	if (emu_imds_ntokens == EMU_IMDS_MAX_TOKENS) {
		t = TAILQ_FIRST(&emu_imds_tokens);
		TAILQ_REMOVE(&emu_imds_tokens, t, entry);
		freezero_str(t->token);
		free(t);
		emu_imds_ntokens--;
	}
	t = xcalloc(1, sizeof *t);
	t->token = emu_auth_token();
	t->token[56] = '\0';
	t->expires_ms = clock_now_ms() + (uint64_t)secs * 1000;
	TAILQ_INSERT_TAIL(&emu_imds_tokens, t, entry);
	emu_imds_ntokens++;
	emu_reply_text(r, 200, "text/plain", t->token);
}

static int
emu_vend_imds_token_ok(const char *token)
{
	struct emu_imds_token	*t;

	TAILQ_FOREACH(t, &emu_imds_tokens, entry) {
		if (strcmp(t->token, token) == 0)
			return (clock_now_ms() < t->expires_ms);
	}
	return (0);
}

static void
emu_vend_imds_creds(struct emu_req *r)
{
	struct emu_registry	*reg = emu.registry;
	struct emu_cred		*c;
	char			*arn, *id, *when, *now;
	cJSON			*obj;

	xasprintf(&arn, "arn:aws:sts::%s:assumed-role/%s/%s", reg->account,
	    reg->imds_role, reg->imds_instance);
	xasprintf(&id, "AROAEMUIMDS0000000000:%s", reg->imds_instance);
	c = emu_auth_issue(EMU_CRED_IMDS, reg->account, arn, id,
	    reg->imds_instance, emu_vend_lifetime(21600));
	now = emu_auth_time_iso8601((int64_t)(clock_wall_ms() / 1000));
	when = emu_auth_time_iso8601(c->creds.expiration);
	obj = cJSON_CreateObject();
	cJSON_AddStringToObject(obj, "Code", "Success");
	cJSON_AddStringToObject(obj, "LastUpdated", now);
	cJSON_AddStringToObject(obj, "Type", "AWS-HMAC");
	cJSON_AddStringToObject(obj, "AccessKeyId", c->creds.access_key_id);
	cJSON_AddStringToObject(obj, "SecretAccessKey",
	    c->creds.secret_access_key);
	cJSON_AddStringToObject(obj, "Token", c->creds.session_token);
	cJSON_AddStringToObject(obj, "Expiration", when);
	free(arn);
	free(id);
	free(now);
	free(when);
	emu_reply_json(r, 200, obj);
}

static void
emu_vend_imds_document(struct emu_req *r)
{
	struct emu_registry	*reg = emu.registry;
	cJSON			*obj = cJSON_CreateObject();

	cJSON_AddStringToObject(obj, "accountId", reg->account);
	cJSON_AddStringToObject(obj, "architecture", "x86_64");
	cJSON_AddStringToObject(obj, "availabilityZone", reg->imds_az);
	cJSON_AddStringToObject(obj, "imageId", "ami-0123456789abcdef0");
	cJSON_AddStringToObject(obj, "instanceId", reg->imds_instance);
	cJSON_AddStringToObject(obj, "instanceType", "t3.micro");
	cJSON_AddStringToObject(obj, "pendingTime", "2024-01-01T00:00:00Z");
	cJSON_AddStringToObject(obj, "privateIp", "10.0.0.10");
	cJSON_AddStringToObject(obj, "region", reg->region);
	cJSON_AddStringToObject(obj, "version", "2017-09-30");
	emu_reply_json(r, 200, obj);
}

/* GET /latest/...: token (or v1), then the few paths SDKs read. */
static void
emu_vend_imds_get(struct emu_req *r)
{
	struct emu_registry	*reg = emu.registry;
	const char		*token, *p = r->path;
	size_t			 len = strlen(EMU_IMDS_CREDS_PATH);

	token = emu_req_header(r, "X-aws-ec2-metadata-token");
	if ((token != NULL && !emu_vend_imds_token_ok(token)) ||
	    (token == NULL && !emu.knobs.imds_v1)) {
		emu_reply_error(r, "Unauthorized", 401, "Unauthorized");
		return;
	}
	if (strcmp(p, EMU_IMDS_CREDS_PATH) == 0 ||
	    (strncmp(p, EMU_IMDS_CREDS_PATH, len - 1) == 0 &&
	    p[len - 1] == '\0'))
		emu_reply_text(r, 200, "text/plain", reg->imds_role);
	else if (strncmp(p, EMU_IMDS_CREDS_PATH, len) == 0 &&
	    strcmp(p + len, reg->imds_role) == 0)
		emu_vend_imds_creds(r);
	else if (strcmp(p, "/latest/dynamic/instance-identity/document") == 0)
		emu_vend_imds_document(r);
	else if (strcmp(p, "/latest/meta-data/placement/availability-zone") ==
	    0)
		emu_reply_text(r, 200, "text/plain", reg->imds_az);
	else if (strcmp(p, "/latest/meta-data/placement/region") == 0)
		emu_reply_text(r, 200, "text/plain", reg->region);
	else if (strcmp(p, "/latest/meta-data/instance-id") == 0)
		emu_reply_text(r, 200, "text/plain", reg->imds_instance);
	else
		emu_reply_error(r, "NotFound", 404, "Not Found");
}

static void
emu_vend_container(struct emu_req *r)
{
	struct emu_registry	*reg = emu.registry;
	const char		*auth = emu_req_header(r, "Authorization");
	struct emu_cred		*c;
	char			*arn, *role, *when;
	cJSON			*obj;

	if (reg->container_auth != NULL && (auth == NULL ||
	    strcmp(auth, reg->container_auth) != 0)) {
		emu_reply_error(r, "AccessDenied", 401, "the Authorization "
		    "header is %s", auth == NULL ? "missing" : "not valid");
		return;
	}
	xasprintf(&role, "arn:aws:iam::%s:role/gatewayd-task", reg->account);
	xasprintf(&arn, "arn:aws:sts::%s:assumed-role/gatewayd-task/emu-task",
	    reg->account);
	c = emu_auth_issue(EMU_CRED_CONTAINER, reg->account, arn,
	    "AROAEMUTASK000000000:emu-task", "emu-task",
	    emu_vend_lifetime(3600));
	when = emu_auth_time_iso8601(c->creds.expiration);
	obj = cJSON_CreateObject();
	cJSON_AddStringToObject(obj, "AccessKeyId", c->creds.access_key_id);
	cJSON_AddStringToObject(obj, "SecretAccessKey",
	    c->creds.secret_access_key);
	cJSON_AddStringToObject(obj, "Token", c->creds.session_token);
	cJSON_AddStringToObject(obj, "Expiration", when);
	cJSON_AddStringToObject(obj, "RoleArn", role);
	cJSON_AddStringToObject(obj, "AccountId", reg->account);
	free(role);
	free(arn);
	free(when);
	emu_reply_json(r, 200, obj);
}

static struct emu_sso *
emu_vend_sso_find(const char *token)
{
	size_t	i;

	for (i = 0; token != NULL && i < emu.registry->nsso; i++) {
		if (strcmp(emu.registry->sso[i].access_token, token) == 0)
			return (&emu.registry->sso[i]);
	}
	return (NULL);
}

/* GET /federation/credentials?role_name=&account_id= (bearer token). */
static void
emu_vend_sso_credentials(struct emu_req *r)
{
	const char	*role = emu_req_param(r, "role_name");
	const char	*account = emu_req_param(r, "account_id");
	struct emu_sso	*s;
	struct emu_cred	*c;
	cJSON		*obj, *rc;
	char		*arn;
	size_t		 i;

	if (role == NULL || account == NULL) {
		emu_reply_error(r, "InvalidRequestException", 400, "role_name "
		    "and account_id are required");
		return;
	}
	s = emu_vend_sso_find(emu_req_header(r, "x-amz-sso_bearer_token"));
	if (s == NULL) {
		emu_reply_error(r, "UnauthorizedException", 401, "Session "
		    "token not found or invalid");
		return;
	}
	for (i = 0; i < s->nroles; i++) {
		if (strcmp(s->roles[i].account_id, account) == 0 &&
		    strcmp(s->roles[i].role_name, role) == 0)
			break;
	}
	if (i == s->nroles) {
		emu_reply_error(r, "ForbiddenException", 403, "No access");
		return;
	}
	xasprintf(&arn, "arn:aws:sts::%s:assumed-role/AWSReservedSSO_%s_"
	    "0123456789abcdef/%s", account, role, s->user);
	c = emu_auth_issue(EMU_CRED_SSO, account, arn,
	    "AROAEMUSSO0000000000", s->user, emu_vend_lifetime(3600));
	free(arn);
	obj = cJSON_CreateObject();
	rc = cJSON_AddObjectToObject(obj, "roleCredentials");
	cJSON_AddStringToObject(rc, "accessKeyId", c->creds.access_key_id);
	cJSON_AddStringToObject(rc, "secretAccessKey",
	    c->creds.secret_access_key);
	cJSON_AddStringToObject(rc, "sessionToken", c->creds.session_token);
	cJSON_AddNumberToObject(rc, "expiration",
	    (double)c->creds.expiration * 1000);
	emu_reply_json(r, 200, obj);
}

/* Check a CreateToken body; the matching login, or NULL (answered). */
static struct emu_sso *
emu_vend_oidc_check(struct emu_req *r, const cJSON *body)
{
	const char	*id, *secret, *grant, *refresh;
	struct emu_sso	*s;
	size_t		 i;

	id = emu_json_string(body, "clientId");
	secret = emu_json_string(body, "clientSecret");
	grant = emu_json_string(body, "grantType");
	refresh = emu_json_string(body, "refreshToken");
	if (id == NULL || secret == NULL || grant == NULL) {
		emu_reply_error(r, "InvalidRequestException", 400, "clientId, "
		    "clientSecret and grantType are required");
		return (NULL);
	}
	if (strcmp(grant, "refresh_token") != 0) {
		emu_reply_error(r, "UnsupportedGrantTypeException", 400,
		    "the emulator only grants refresh_token");
		return (NULL);
	}
	for (i = 0; i < emu.registry->nsso; i++) {
		s = &emu.registry->sso[i];
		if (s->client_id != NULL && s->client_secret != NULL &&
		    strcmp(s->client_id, id) == 0 &&
		    strcmp(s->client_secret, secret) == 0)
			break;
	}
	if (i == emu.registry->nsso) {
		emu_reply_error(r, "InvalidClientException", 401, "Invalid "
		    "client provided");
		return (NULL);
	}
	if (refresh == NULL || s->refresh_token == NULL ||
	    strcmp(s->refresh_token, refresh) != 0) {
		emu_reply_error(r, "InvalidGrantException", 400, "Invalid "
		    "refresh token provided");
		return (NULL);
	}
	return (s);
}

/* POST /token: a new access token, and a new refresh token. */
static void
emu_vend_oidc_token(struct emu_req *r)
{
	struct emu_sso	*s;
	cJSON		*body, *obj;

	body = cJSON_ParseWithLength(r->body, r->body_len);
	if (!cJSON_IsObject(body)) {
		cJSON_Delete(body);
		emu_reply_error(r, "InvalidRequestException", 400, "the body "
		    "is not a JSON object");
		return;
	}
	s = emu_vend_oidc_check(r, body);
	cJSON_Delete(body);
	if (s == NULL)
		return;
	freezero_str(s->access_token);
	s->access_token = emu_auth_token();
	freezero_str(s->refresh_token);
	s->refresh_token = emu_auth_token();
	obj = cJSON_CreateObject();
	cJSON_AddStringToObject(obj, "accessToken", s->access_token);
	cJSON_AddStringToObject(obj, "tokenType", "Bearer");
	cJSON_AddNumberToObject(obj, "expiresIn", emu_vend_lifetime(3600));
	cJSON_AddStringToObject(obj, "refreshToken", s->refresh_token);
	emu_reply_json(r, 200, obj);
}

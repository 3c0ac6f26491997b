/*
 * The STS calls: AssumeRole, AssumeRoleWithWebIdentity and
 * GetCallerIdentity over the query protocol, answers read by sts_xml.c.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "aws_creds.h"
#include "aws_sts.h"
#include "xmalloc.h"

#define AWS_STS_VERSION	"2011-06-15"

struct aws_sts_op {
	const char	*op;
	aws_sts_cb	 cb;
	void		*arg;
};

static void
aws_sts_done(const struct aws_response *resp, void *arg)
{
	struct aws_sts_op	*o = arg;
	struct aws_sts_result	 r;
	char			*cause = NULL, *error;

	if (!resp->ok) {
		o->cb(NULL, resp->error, o->arg);
		return;
	}
	if (aws_sts_xml_parse(o->op, resp->body, resp->body_len, &r,
	    &cause) != 0) {
		xasprintf(&error, "%s: %s", o->op, cause);
		o->cb(NULL, error, o->arg);
		free(error);
		free(cause);
		return;
	}
	o->cb(&r, NULL, o->arg);
	aws_sts_result_clear(&r);
}

static struct aws_call *
aws_sts_start(struct aws_ctx *ctx, const char *op, char *body, int flags,
    const struct aws_creds *creds, aws_sts_cb cb, void *arg)
{
	struct aws_request	 req;
	struct aws_sts_op	*o;
	struct aws_call		*call;

	o = xcalloc(1, sizeof *o);
	o->op = op;
	o->cb = cb;
	o->arg = arg;
	memset(&req, 0, sizeof req);
	req.service = "sts";
	req.operation = op;
	req.proto = AWS_PROTO_QUERY;
	req.body = body;
	req.body_len = strlen(body);
	req.flags = flags;
	req.creds = creds;
	req.owned = o;
	call = aws_call_start(ctx, &req, aws_sts_done, o);
	freezero_str(body);
	return (call);
}

struct aws_call *
aws_sts_assume_role(struct aws_ctx *ctx, const struct aws_sts_assume_role *p,
    const struct aws_creds *source, aws_sts_cb cb, void *arg)
{
	char	*body = NULL, num[16];

	aws_sts_query_add(&body, "Action", "AssumeRole");
	aws_sts_query_add(&body, "Version", AWS_STS_VERSION);
	aws_sts_query_add(&body, "RoleArn", p->role_arn);
	aws_sts_query_add(&body, "RoleSessionName", p->session_name);
	if (p->external_id != NULL)
		aws_sts_query_add(&body, "ExternalId", p->external_id);
	if (p->duration != 0) {
		snprintf(num, sizeof num, "%u", p->duration);
		aws_sts_query_add(&body, "DurationSeconds", num);
	}
	return (aws_sts_start(ctx, "AssumeRole", body, 0, source, cb, arg));
}

struct aws_call *
aws_sts_assume_role_web_identity(struct aws_ctx *ctx, const char *role_arn,
    const char *session_name, const char *token, aws_sts_cb cb, void *arg)
{
	char	*body = NULL;

	aws_sts_query_add(&body, "Action", "AssumeRoleWithWebIdentity");
	aws_sts_query_add(&body, "Version", AWS_STS_VERSION);
	aws_sts_query_add(&body, "RoleArn", role_arn);
	aws_sts_query_add(&body, "RoleSessionName", session_name);
	aws_sts_query_add(&body, "WebIdentityToken", token);
	return (aws_sts_start(ctx, "AssumeRoleWithWebIdentity", body,
	    AWS_CALL_UNSIGNED, NULL, cb, arg));
}

struct aws_call *
aws_sts_get_caller_identity(struct aws_ctx *ctx, aws_sts_cb cb, void *arg)
{
	return (aws_sts_get_caller_identity_with(ctx, NULL, cb, arg));
}

struct aws_call *
aws_sts_get_caller_identity_with(struct aws_ctx *ctx,
    const struct aws_creds *creds, aws_sts_cb cb, void *arg)
{
	char	*body = NULL;

	aws_sts_query_add(&body, "Action", "GetCallerIdentity");
	aws_sts_query_add(&body, "Version", AWS_STS_VERSION);
	return (aws_sts_start(ctx, "GetCallerIdentity", body, 0, creds, cb,
	    arg));
}

struct aws_sts_whoami_req {
	struct aws_ctx		*ctx;
	struct aws_creds_wait	*cw;
	struct aws_call		*call;
	char			*source;
	int64_t			 expiration;
	aws_sts_whoami_cb	 cb;
	void			*arg;
};

void
aws_sts_whoami_cancel(struct aws_sts_whoami_req *w)
{
	if (w == NULL)
		return;
	aws_creds_cancel(w->cw);
	aws_call_cancel(w->call);
	free(w->source);
	free(w);
}

static void
aws_sts_whoami_identity_cb(const struct aws_sts_result *r, const char *error,
    void *arg)
{
	struct aws_sts_whoami_req	*w = arg;
	struct aws_sts_whoami		 who;

	w->call = NULL;
	if (r == NULL)
		w->cb(NULL, error, w->arg);
	else {
		memset(&who, 0, sizeof who);
		who.profile = aws_ctx_profile(w->ctx);
		who.account = r->account;
		who.arn = r->arn;
		who.user_id = r->user_id;
		who.source = w->source;
		who.expiration = w->expiration;
		w->cb(&who, NULL, w->arg);
	}
	aws_sts_whoami_cancel(w);
}

static void
aws_sts_whoami_creds_cb(const struct aws_creds *c, const char *error,
    void *arg)
{
	struct aws_sts_whoami_req	*w = arg;

	w->cw = NULL;
	if (c == NULL) {
		w->cb(NULL, error, w->arg);
		aws_sts_whoami_cancel(w);
		return;
	}
	w->source = xstrdup(c->provider != NULL ? c->provider : "");
	w->expiration = c->expiration;
	w->call = aws_sts_get_caller_identity(w->ctx,
	    aws_sts_whoami_identity_cb, w);
}

struct aws_sts_whoami_req *
aws_sts_whoami(struct aws_ctx *ctx, aws_sts_whoami_cb cb, void *arg)
{
	struct aws_sts_whoami_req	*w;

	w = xcalloc(1, sizeof *w);
	w->ctx = ctx;
	w->cb = cb;
	w->arg = arg;
	w->cw = aws_creds_get(aws_ctx_creds(ctx), 0, aws_sts_whoami_creds_cb,
	    w);
	return (w);
}

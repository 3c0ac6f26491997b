/*
 * Systems Manager: the JSON 1.1 bodies of the session calls and of
 * DescribeInstanceInformation (a pure codec over cJSON), and
 * DescribeInstanceInformation's pages through the request layer. The
 * session calls are the data channel's (chan_conn.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws.h"
#include "aws_ssm.h"
#include "log.h"
#include "xmalloc.h"

static char *
aws_ssm_print(cJSON *obj)
{
	char	*text, *out;

	if ((text = cJSON_PrintUnformatted(obj)) == NULL)
		fatalx("cJSON_PrintUnformatted failed");
	cJSON_Delete(obj);
	out = xstrdup(text);
	cJSON_free(text);
	return (out);
}

static cJSON *
aws_ssm_strings(const char **v, size_t n)
{
	cJSON	*a = cJSON_CreateArray();
	size_t	 i;

	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return (a);
}

char *
aws_ssm_encode_start_session(const struct aws_ssm_start *s)
{
	cJSON	*o = cJSON_CreateObject(), *params;
	size_t	 i;

	cJSON_AddStringToObject(o, "Target", s->target);
	cJSON_AddStringToObject(o, "DocumentName", s->document);
	if (s->nparams > 0) {
		params = cJSON_AddObjectToObject(o, "Parameters");
		for (i = 0; i < s->nparams; i++)
			cJSON_AddItemToObject(params, s->params[i].key,
			    aws_ssm_strings(s->params[i].values,
			    s->params[i].nvalues));
	}
	if (s->reason != NULL)
		cJSON_AddStringToObject(o, "Reason", s->reason);
	return (aws_ssm_print(o));
}

char *
aws_ssm_encode_session_id(const char *session_id)
{
	cJSON	*o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "SessionId", session_id);
	return (aws_ssm_print(o));
}

char *
aws_ssm_encode_describe(const struct aws_ssm_filter *f, size_t n,
    unsigned max_results, const char *next_token)
{
	cJSON	*o = cJSON_CreateObject(), *filters, *one;
	size_t	 i;

	if (n > 0) {
		filters = cJSON_AddArrayToObject(o, "Filters");
		for (i = 0; i < n; i++) {
			one = cJSON_CreateObject();
			cJSON_AddStringToObject(one, "Key", f[i].key);
			cJSON_AddItemToObject(one, "Values",
			    aws_ssm_strings(f[i].values, f[i].nvalues));
			cJSON_AddItemToArray(filters, one);
		}
	}
	if (max_results != 0)
		cJSON_AddNumberToObject(o, "MaxResults", max_results);
	if (next_token != NULL)
		cJSON_AddStringToObject(o, "NextToken", next_token);
	return (aws_ssm_print(o));
}

static char *
aws_ssm_str(const cJSON *obj, const char *name)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(obj, name);

	if (!cJSON_IsString(v) || *v->valuestring == '\0')
		return (NULL);
	return (xstrdup(v->valuestring));
}

static cJSON *
aws_ssm_parse(const char *body, size_t len, char **cause)
{
	cJSON	*j = cJSON_ParseWithLength(body, len);

	if (j == NULL || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		xasprintf(cause, "the answer is not a JSON object");
		return (NULL);
	}
	return (j);
}

void
aws_ssm_session_clear(struct aws_ssm_session *s)
{
	free(s->session_id);
	freezero_str(s->token_value);
	freezero_str(s->stream_url);
	memset(s, 0, sizeof *s);
}

int
aws_ssm_decode_session(const char *body, size_t len, int resume,
    struct aws_ssm_session *s, char **cause)
{
	cJSON	*j;

	memset(s, 0, sizeof *s);
	if ((j = aws_ssm_parse(body, len, cause)) == NULL)
		return (-1);
	s->session_id = aws_ssm_str(j, "SessionId");
	s->token_value = aws_ssm_str(j, "TokenValue");
	s->stream_url = aws_ssm_str(j, "StreamUrl");
	cJSON_Delete(j);
	if (resume && s->token_value == NULL) {
		aws_ssm_session_clear(s);
		xasprintf(cause, "session ended");
		return (-1);
	}
	if (s->session_id == NULL || s->token_value == NULL ||
	    (!resume && s->stream_url == NULL)) {
		aws_ssm_session_clear(s);
		xasprintf(cause, "SessionId, TokenValue and StreamUrl are "
		    "required");
		return (-1);
	}
	return (0);
}

void
aws_ssm_instances_clear(struct aws_ssm_instances *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].instance_id);
		free(l->v[i].ping_status);
		free(l->v[i].agent_version);
		free(l->v[i].platform_type);
		free(l->v[i].platform_name);
		free(l->v[i].resource_type);
		free(l->v[i].ip_address);
		free(l->v[i].computer_name);
	}
	free(l->v);
	memset(l, 0, sizeof *l);
}

int
aws_ssm_decode_describe(const char *body, size_t len,
    struct aws_ssm_instances *l, char **next_token, char **cause)
{
	cJSON			*j;
	const cJSON		*list, *e, *ping;
	struct aws_ssm_instance	*in;

	*next_token = NULL;
	if ((j = aws_ssm_parse(body, len, cause)) == NULL)
		return (-1);
	list = cJSON_GetObjectItemCaseSensitive(j, "InstanceInformationList");
	if (list != NULL && !cJSON_IsArray(list)) {
		cJSON_Delete(j);
		xasprintf(cause, "InstanceInformationList is not a list");
		return (-1);
	}
	cJSON_ArrayForEach(e, list) {
		if (!cJSON_IsObject(e))
			continue;
		l->v = xreallocarray(l->v, l->n + 1, sizeof *l->v);
		in = &l->v[l->n];
		memset(in, 0, sizeof *in);
		if ((in->instance_id = aws_ssm_str(e, "InstanceId")) == NULL)
			continue;	/* useless without one */
		l->n++;
		in->ping_status = aws_ssm_str(e, "PingStatus");
		in->agent_version = aws_ssm_str(e, "AgentVersion");
		in->platform_type = aws_ssm_str(e, "PlatformType");
		in->platform_name = aws_ssm_str(e, "PlatformName");
		in->resource_type = aws_ssm_str(e, "ResourceType");
		in->ip_address = aws_ssm_str(e, "IPAddress");
		in->computer_name = aws_ssm_str(e, "ComputerName");
		ping = cJSON_GetObjectItemCaseSensitive(e, "LastPingDateTime");
		if (cJSON_IsNumber(ping))
			in->last_ping = ping->valuedouble;
	}
	*next_token = aws_ssm_str(j, "NextToken");
	cJSON_Delete(j);
	return (0);
}

int
aws_ssm_decode_connection_status(const char *body, size_t len,
    int *connected, char **cause)
{
	cJSON	*j;
	char	*status;

	if ((j = aws_ssm_parse(body, len, cause)) == NULL)
		return (-1);
	status = aws_ssm_str(j, "Status");
	cJSON_Delete(j);
	if (status == NULL) {
		xasprintf(cause, "no Status in the answer");
		return (-1);
	}
	*connected = (strcmp(status, "connected") == 0);
	free(status);
	return (0);
}

/* DescribeInstanceInformation, page after page. */
struct aws_ssm_describe {
	struct aws_ctx			*ctx;
	struct aws_ssm_filter		*filters;
	size_t				 nfilters;
	unsigned			 max_results;
	unsigned			 pages;
	struct aws_ssm_instances	 list;
	struct aws_call			*call;
	aws_ssm_describe_cb		 cb;
	void				*arg;
};

static void	aws_ssm_describe_page(struct aws_ssm_describe *, const char *);

static void
aws_ssm_describe_free(struct aws_ssm_describe *d)
{
	size_t	i, j;

	aws_call_cancel(d->call);
	for (i = 0; i < d->nfilters; i++) {
		for (j = 0; j < d->filters[i].nvalues; j++)
			free((char *)d->filters[i].values[j]);
		free(d->filters[i].values);
		free((char *)d->filters[i].key);
	}
	free(d->filters);
	aws_ssm_instances_clear(&d->list);
	free(d);
}

void
aws_ssm_describe_cancel(struct aws_ssm_describe *d)
{
	if (d != NULL)
		aws_ssm_describe_free(d);
}

static void
aws_ssm_describe_done(const struct aws_response *resp, void *arg)
{
	struct aws_ssm_describe	*d = arg;
	char			*next = NULL, *cause = NULL, *error;

	d->call = NULL;
	if (!resp->ok) {
		d->cb(NULL, resp->error, resp->transport ? NULL : resp->code,
		    d->arg);
		aws_ssm_describe_free(d);
		return;
	}
	if (aws_ssm_decode_describe(resp->body, resp->body_len, &d->list,
	    &next, &cause) != 0) {
		xasprintf(&error, "DescribeInstanceInformation: %s", cause);
		d->cb(NULL, error, NULL, d->arg);
		free(error);
		free(cause);
		aws_ssm_describe_free(d);
		return;
	}
	if (next != NULL && ++d->pages < AWS_SSM_MAX_PAGES) {
		aws_ssm_describe_page(d, next);
		free(next);
		return;
	}
	free(next);
	d->cb(&d->list, NULL, NULL, d->arg);
	aws_ssm_describe_free(d);
}

static void
aws_ssm_describe_page(struct aws_ssm_describe *d, const char *next)
{
	d->call = aws_call_json(d->ctx, "ssm", "AmazonSSM",
	    "DescribeInstanceInformation", aws_ssm_encode_describe(d->filters,
	    d->nfilters, d->max_results, next), 0, NULL, aws_ssm_describe_done,
	    d);
}

struct aws_ssm_describe *
aws_ssm_describe_instances(struct aws_ctx *ctx, const struct aws_ssm_filter *f,
    size_t n, unsigned max_results, aws_ssm_describe_cb cb, void *arg)
{
	struct aws_ssm_describe	*d;
	size_t			 i, j;

	d = xcalloc(1, sizeof *d);
	d->ctx = ctx;
	d->cb = cb;
	d->arg = arg;
	d->max_results = max_results;
	d->filters = xcalloc(n + 1, sizeof *d->filters);
	d->nfilters = n;
	for (i = 0; i < n; i++) {
		d->filters[i].key = xstrdup(f[i].key);
		d->filters[i].values = xcalloc(f[i].nvalues + 1,
		    sizeof *d->filters[i].values);
		for (j = 0; j < f[i].nvalues; j++)
			d->filters[i].values[j] = xstrdup(f[i].values[j]);
		d->filters[i].nvalues = f[i].nvalues;
	}
	aws_ssm_describe_page(d, NULL);
	return (d);
}

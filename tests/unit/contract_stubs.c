/*
 * TEMPORARY, tests only: stand-ins for the signer (aws_sigv4.h) and the
 * endpoint resolver (aws_endpoints.h), which another branch writes. They
 * let the AWS client's tests link before those land and are linked after
 * libgatewayd.a, so the real code wins as soon as it is there. Remove this
 * file when main has sigv4.c and endpoints.c. The fake servers do not
 * check signatures; these only produce well-formed headers.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_endpoints.h"
#include "aws_sigv4.h"
#include "xmalloc.h"

void
aws_endpoint_env_name(const char *service, char *out, size_t len)
{
	size_t	i, n;

	n = (size_t)snprintf(out, len, "AWS_ENDPOINT_URL_");
	for (i = 0; service[i] != '\0' && n + 1 < len; i++, n++)
		out[n] = (service[i] == '-') ? '_' :
		    toupper((unsigned char)service[i]);
	out[n < len ? n : len - 1] = '\0';
}

int
aws_endpoint_region_is_valid(const char *region)
{
	size_t	i, n = strlen(region);

	if (n == 0 || n > 63 || !isalnum((unsigned char)region[0]) ||
	    !isalnum((unsigned char)region[n - 1]))
		return (0);
	for (i = 0; i < n; i++) {
		if (!isalnum((unsigned char)region[i]) && region[i] != '-')
			return (0);
	}
	return (1);
}

int
aws_endpoint_resolve(const struct aws_endpoint_params *p,
    struct aws_endpoint *ep, char **cause)
{
	const char	*url = NULL, *source = "rules";

	memset(ep, 0, sizeof *ep);
	if (p->explicit_url != NULL) {
		url = p->explicit_url;
		source = "gatewayd.conf";
	} else if (!p->ignore_configured && p->env_service_url != NULL)
		url = p->env_service_url;
	else if (!p->ignore_configured && p->env_url != NULL)
		url = p->env_url;
	else if (!p->ignore_configured && p->services_url != NULL)
		url = p->services_url;
	else if (!p->ignore_configured && p->profile_url != NULL)
		url = p->profile_url;
	if (url != NULL)
		ep->url = xstrdup(url);
	else
		xasprintf(&ep->url, "https://%s.%s.amazonaws.com", p->service,
		    p->region);
	ep->signing_region = xstrdup(p->region);
	ep->signing_name = xstrdup(p->service);
	ep->partition = xstrdup("aws");
	ep->source = xstrdup(source);
	(void)cause;
	return (0);
}

void
aws_endpoint_free(struct aws_endpoint *ep)
{
	free(ep->url);
	free(ep->signing_region);
	free(ep->signing_name);
	free(ep->partition);
	free(ep->source);
	memset(ep, 0, sizeof *ep);
}

void
aws_sigv4_amz_date(time_t t, char out[17])
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

int
aws_sigv4_sign(const struct aws_sigv4_request *r, const struct aws_creds *c,
    struct aws_sigv4_result *res, char **cause)
{
	char	date[17];
	size_t	n = 0;

	memset(res, 0, sizeof *res);
	if (c == NULL || c->access_key_id == NULL) {
		xasprintf(cause, "no credentials");
		return (-1);
	}
	aws_sigv4_amz_date(r->when, date);
	res->amz_date = xstrdup(date);
	xasprintf(&res->authorization, "AWS4-HMAC-SHA256 Credential=%s/%.8s/"
	    "%s/%s/aws4_request, SignedHeaders=host;x-amz-date, "
	    "Signature=stub", c->access_key_id, date, r->region, r->service);
	res->add = xcalloc(3, sizeof *res->add);
	res->add[n].name = "X-Amz-Date";
	res->add[n++].value = res->amz_date;
	if (c->session_token != NULL) {
		res->add[n].name = "X-Amz-Security-Token";
		res->add[n++].value = c->session_token;
	}
	res->add[n].name = "Authorization";
	res->add[n++].value = res->authorization;
	res->nadd = n;
	return (0);
}

void
aws_sigv4_result_free(struct aws_sigv4_result *res)
{
	free(res->amz_date);
	free(res->authorization);
	free(res->add);
	memset(res, 0, sizeof *res);
}

/*
 * endpoints.c: which URL to call for a service in a region, and how to
 * sign for it (aws-conventions.md section 4). The partition comes from
 * the region (by name, then by pattern, else "aws"); the host from the
 * service's prefix, FIPS and dual-stack, with the GovCloud exceptions of
 * the SDK rule sets; an override, from wherever the caller read it, wins
 * in the SDKs' order. No I/O: the caller reads the environment and the
 * files and logs what it needs.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_endpoints.h"
#include "xmalloc.h"

#ifndef nitems
#define nitems(a)	(sizeof (a) / sizeof (a)[0])
#endif

/* A partition: its region pattern is <prefix>-\w+-\d+ for a prefix. */
struct endpoint_partition {
	const char	*id;
	const char	*prefixes[10];
	const char	*dns;
	const char	*dualstack_dns;
	const char	*regions[40];
};

/*
 * From the partitions list of shared/testdata/endpoints (botocore's
 * partitions.json). Every partition is taken to support FIPS and
 * dual-stack, as that list gives a dual-stack suffix for each.
 */
static const struct endpoint_partition endpoint_partitions[] = {
	{ "aws", { "us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx" },
	  "amazonaws.com", "api.aws",
	  { "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1",
	    "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
	    "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
	    "ap-southeast-4", "ap-southeast-5", "ap-southeast-6",
	    "ap-southeast-7", "aws-global", "ca-central-1", "ca-west-1",
	    "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1",
	    "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
	    "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
	    "sa-east-1", "us-east-1", "us-east-2", "us-west-1",
	    "us-west-2" } },
	{ "aws-cn", { "cn" }, "amazonaws.com.cn",
	  "api.amazonwebservices.com.cn",
	  { "aws-cn-global", "cn-north-1", "cn-northwest-1" } },
	{ "aws-us-gov", { "us-gov" }, "amazonaws.com", "api.aws",
	  { "aws-us-gov-global", "us-gov-east-1", "us-gov-west-1" } },
	{ "aws-iso", { "us-iso" }, "c2s.ic.gov", "api.aws.ic.gov",
	  { "aws-iso-global", "us-iso-east-1", "us-iso-west-1" } },
	{ "aws-iso-b", { "us-isob" }, "sc2s.sgov.gov", "api.aws.scloud",
	  { "aws-iso-b-global", "us-isob-east-1", "us-isob-west-1" } },
	{ "aws-iso-e", { "eu-isoe" }, "cloud.adc-e.uk",
	  "api.cloud-aws.adc-e.uk", { "aws-iso-e-global", "eu-isoe-west-1" } },
	{ "aws-iso-f", { "us-isof" }, "csp.hci.ic.gov", "api.aws.hci.ic.gov",
	  { "aws-iso-f-global", "us-isof-east-1", "us-isof-south-1" } },
	{ "aws-eusc", { "eusc-de" }, "amazonaws.eu",
	  "api.amazonwebservices.eu", { "eusc-de-east-1" } },
};

/*
 * A service: its host prefix plain and FIPS, its SigV4 signing name, and
 * whether FIPS in GovCloud is the plain host (the rule sets of ssm, sts,
 * ec2, sso and sso-oidc say so; kms and ecs use their -fips host there).
 * ssmmessages has no SDK rule set: it follows ssm.
 */
static const struct endpoint_service {
	const char	*key;
	const char	*prefix;
	const char	*fips_prefix;
	const char	*signing_name;
	int		 gov_fips_plain;
} endpoint_services[] = {
	{ "ssm", "ssm", "ssm-fips", "ssm", 1 },
	{ "kms", "kms", "kms-fips", "kms", 0 },
	{ "sts", "sts", "sts-fips", "sts", 1 },
	{ "ec2", "ec2", "ec2-fips", "ec2", 1 },
	{ "sso", "portal.sso", "portal.sso-fips", "awsssoportal", 1 },
	{ "sso-oidc", "oidc", "oidc-fips", "awsssooidc", 1 },
	{ "ssmmessages", "ssmmessages", "ssmmessages-fips", "ssmmessages", 1 },
	{ "ecs", "ecs", "ecs-fips", "ecs", 0 },
};

/* The regions that sts_regional_endpoints=legacy sends to the global STS
 * endpoint (the STS rule set's list). */
static const char *endpoint_sts_legacy[] = {
	"ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
	"aws-global", "ca-central-1", "eu-central-1", "eu-north-1",
	"eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1", "us-east-1",
	"us-east-2", "us-west-1", "us-west-2",
};

#define ENDPOINT_STS_GLOBAL	"https://sts.amazonaws.com"

static int
endpoint_is_word(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_');
}

/* Does region read <prefix>-\w+-\d+ to its end? */
static int
endpoint_matches(const char *region, const char *prefix)
{
	const char	*p;
	size_t		 len = strlen(prefix), n;

	if (strncmp(region, prefix, len) != 0 || region[len] != '-')
		return (0);
	for (p = region + len + 1, n = 0; endpoint_is_word(*p); p++)
		n++;
	if (n == 0 || *p++ != '-')
		return (0);
	for (n = 0; *p >= '0' && *p <= '9'; p++)
		n++;
	return (n > 0 && *p == '\0');
}

/* The partition of a region: by name, then by pattern, else "aws". */
static const struct endpoint_partition *
endpoint_partition_find(const char *region, int *known)
{
	const struct endpoint_partition	*part;
	size_t				 i, j;

	for (i = 0; i < nitems(endpoint_partitions); i++) {
		part = &endpoint_partitions[i];
		for (j = 0; j < nitems(part->regions) &&
		    part->regions[j] != NULL; j++) {
			if (strcmp(part->regions[j], region) == 0) {
				*known = 1;
				return (part);
			}
		}
	}
	*known = 0;
	for (i = 0; i < nitems(endpoint_partitions); i++) {
		part = &endpoint_partitions[i];
		for (j = 0; j < nitems(part->prefixes) &&
		    part->prefixes[j] != NULL; j++) {
			if (endpoint_matches(region, part->prefixes[j]))
				return (part);
		}
	}
	return (&endpoint_partitions[0]);
}

static const struct endpoint_service *
endpoint_service_find(const char *key)
{
	size_t	i;

	for (i = 0; key != NULL && i < nitems(endpoint_services); i++) {
		if (strcmp(endpoint_services[i].key, key) == 0)
			return (&endpoint_services[i]);
	}
	return (NULL);
}

int
aws_endpoint_region_is_valid(const char *region)
{
	size_t	len, i;
	char	c;

	if (region == NULL || (len = strlen(region)) == 0 || len > 63)
		return (0);
	for (i = 0; i < len; i++) {
		c = region[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c == '-' && i > 0 &&
		    i < len - 1)))
			return (0);
	}
	return (1);
}

/* The length of region without its trailing digits. */
static size_t
endpoint_stem_len(const char *region)
{
	size_t	len = strlen(region);

	while (len > 0 && region[len - 1] >= '0' && region[len - 1] <= '9')
		len--;
	return (len);
}

enum aws_region_fit
aws_endpoint_region_fit(const char *region)
{
	const struct endpoint_partition	*part;
	const char			*name;
	size_t				 i, j, stem;
	int				 known;

	part = endpoint_partition_find(region, &known);
	if (known)
		return (AWS_REGION_KNOWN);
	for (j = 0; j < nitems(part->prefixes) && part->prefixes[j] != NULL;
	    j++) {
		if (endpoint_matches(region, part->prefixes[j]))
			break;
	}
	if (j == nitems(part->prefixes) || part->prefixes[j] == NULL)
		return (AWS_REGION_NONE);
	stem = endpoint_stem_len(region);
	for (i = 0; i < nitems(part->regions) &&
	    (name = part->regions[i]) != NULL; i++) {
		if (endpoint_stem_len(name) == stem &&
		    strncmp(name, region, stem) == 0)
			return (AWS_REGION_FAMILY);
	}
	return (AWS_REGION_PATTERN);
}

size_t
aws_endpoint_region_names(const char **v, size_t n)
{
	const struct endpoint_partition	*part;
	size_t				 i, j, k = 0;

	for (i = 0; i < nitems(endpoint_partitions); i++) {
		part = &endpoint_partitions[i];
		for (j = 0; j < nitems(part->regions) &&
		    part->regions[j] != NULL && k < n; j++)
			v[k++] = part->regions[j];
	}
	return (k);
}

int
aws_endpoint_is_dns_suffix(const char *domain, size_t len)
{
	const struct endpoint_partition	*pt;
	size_t				 i;

	for (i = 0; i < nitems(endpoint_partitions); i++) {
		pt = &endpoint_partitions[i];
		if ((strlen(pt->dns) == len &&
		    strncasecmp(domain, pt->dns, len) == 0) ||
		    (strlen(pt->dualstack_dns) == len &&
		    strncasecmp(domain, pt->dualstack_dns, len) == 0))
			return (1);
	}
	return (0);
}

/* The service name with ' ' and '-' as '_', upper or lower case. */
static void
endpoint_service_id(const char *prefix, const char *service, int upper,
    char *out, size_t len)
{
	size_t	i, n;
	char	c;

	if (len == 0)
		return;
	n = strlcpy(out, prefix, len);
	for (i = 0; service[i] != '\0' && n + 1 < len; i++) {
		c = service[i];
		if (c == '-' || c == ' ')
			c = '_';
		else if (upper && c >= 'a' && c <= 'z')
			c -= 'a' - 'A';
		else if (!upper && c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		out[n++] = c;
	}
	if (n < len)
		out[n] = '\0';
}

void
aws_endpoint_env_name(const char *service, char *out, size_t len)
{
	endpoint_service_id("AWS_ENDPOINT_URL_", service, 1, out, len);
}

void
aws_endpoint_services_key(const char *service, char *out, size_t len)
{
	endpoint_service_id("", service, 0, out, len);
}

/* The override in force, if any, and where it came from. */
static const char *
endpoint_override(const struct aws_endpoint_params *p, char *env, size_t len,
    const char **source)
{
	const struct {
		const char	*url;
		const char	*source;
	} chain[] = {
		{ p->explicit_url, "gatewayd.conf" },
		{ p->env_service_url, env },
		{ p->env_url, "AWS_ENDPOINT_URL" },
		{ p->services_url, "services section" },
		{ p->profile_url, "profile endpoint_url" },
	};
	size_t	i;

	aws_endpoint_env_name(p->service, env, len);
	for (i = 0; i < nitems(chain); i++) {
		if (i > 0 && p->ignore_configured)
			break;
		if (chain[i].url != NULL && *chain[i].url != '\0') {
			*source = chain[i].source;
			return (chain[i].url);
		}
	}
	*source = "rules";
	return (NULL);
}

/* An override must be an absolute http(s) URL with a host. */
static int
endpoint_override_check(const char *url, const char *source, int ws,
    char **cause)
{
	static const char	*schemes[] = {
		"http://", "https://", "ws://", "wss://",
	};
	const char		*host = NULL, *s;
	size_t			 i, hostlen;

	for (i = 0; i < (ws ? 4 : 2); i++) {
		if (strncasecmp(url, schemes[i], strlen(schemes[i])) == 0)
			host = url + strlen(schemes[i]);
	}
	for (s = url; *s != '\0'; s++) {
		if ((u_char)*s <= 0x20 || *s == 0x7f)
			host = NULL;
	}
	if (host == NULL) {
		xasprintf(cause, "endpoint_url from %s is not an %s URL",
		    source, ws ? "http(s) or ws(s)" : "http or https");
		return (-1);
	}
	hostlen = strcspn(host, "/?#");
	if (hostlen == 0 || memchr(host, '@', hostlen) != NULL) {
		xasprintf(cause, "endpoint_url from %s has %s", source,
		    hostlen == 0 ? "no host" : "user information");
		return (-1);
	}
	return (0);
}

/* The URL the rules build; *signing_region is set for global STS. */
static char *
endpoint_rules_url(const struct aws_endpoint_params *p,
    const struct endpoint_service *svc,
    const struct endpoint_partition *part, const char **signing_region)
{
	const char	*prefix, *dns;
	char		*url;
	size_t		 i;
	int		 global = 0;

	*signing_region = p->region;
	if (strcmp(svc->key, "sts") == 0 && !p->use_fips &&
	    !p->use_dualstack) {
		global = strcmp(p->region, "aws-global") == 0;
		for (i = 0; p->sts_global && i < nitems(endpoint_sts_legacy);
		    i++) {
			if (strcmp(p->region, endpoint_sts_legacy[i]) == 0)
				global = 1;
		}
	}
	if (global) {
		*signing_region = "us-east-1";
		return (xstrdup(ENDPOINT_STS_GLOBAL));
	}
	prefix = p->use_fips ? svc->fips_prefix : svc->prefix;
	if (p->use_fips && !p->use_dualstack && svc->gov_fips_plain &&
	    strcmp(part->id, "aws-us-gov") == 0)
		prefix = svc->prefix;
	dns = p->use_dualstack ? part->dualstack_dns : part->dns;
	xasprintf(&url, "https://%s.%s.%s", prefix, p->region, dns);
	return (url);
}

/* Copy s for a message, at most 64 bytes, non-printables as '?'. */
static void
endpoint_printable(const char *s, char *out, size_t len)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i + 1 < len && i < 64; i++)
		out[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	out[i] = '\0';
}

/* Check the parameters that do not depend on the override. */
static const struct endpoint_service *
endpoint_check(const struct aws_endpoint_params *p, char **cause)
{
	const struct endpoint_service	*svc;
	char				 name[65];

	if ((svc = endpoint_service_find(p->service)) == NULL) {
		endpoint_printable(p->service != NULL ? p->service : "", name,
		    sizeof name);
		xasprintf(cause, "unknown service \"%s\" (ssm, kms, sts, ec2, "
		    "sso, sso-oidc, ssmmessages, ecs)", name);
		return (NULL);
	}
	if (p->region == NULL || *p->region == '\0') {
		xasprintf(cause, "%s: no region", svc->key);
		return (NULL);
	}
	if (!aws_endpoint_region_is_valid(p->region)) {
		endpoint_printable(p->region, name, sizeof name);
		xasprintf(cause, "%s: invalid region \"%s\" (not a DNS label)",
		    svc->key, name);
		return (NULL);
	}
	return (svc);
}

int
aws_endpoint_resolve(const struct aws_endpoint_params *p,
    struct aws_endpoint *ep, char **cause)
{
	const struct endpoint_service	*svc;
	const struct endpoint_partition	*part;
	const char			*url, *source, *signing_region;
	char				 env[64];
	int				 known;

	memset(ep, 0, sizeof *ep);
	if ((svc = endpoint_check(p, cause)) == NULL)
		return (-1);
	part = endpoint_partition_find(p->region, &known);
	url = endpoint_override(p, env, sizeof env, &source);
	if (url != NULL) {
		if (p->use_fips || p->use_dualstack) {
			xasprintf(cause, "Invalid Configuration: %s and custom "
			    "endpoint are not supported (endpoint_url from %s)",
			    p->use_fips ? "FIPS" : "Dualstack", source);
			return (-1);
		}
		if (endpoint_override_check(url, source,
		    strcmp(svc->key, "ssmmessages") == 0, cause) != 0)
			return (-1);
		ep->url = xstrdup(url);
		signing_region = p->region;
	} else
		ep->url = endpoint_rules_url(p, svc, part, &signing_region);
	ep->signing_region = xstrdup(signing_region);
	ep->signing_name = xstrdup(svc->signing_name);
	ep->partition = xstrdup(part->id);
	ep->source = xstrdup(source);
	ep->known_region = known;
	return (0);
}

void
aws_endpoint_free(struct aws_endpoint *ep)
{
	if (ep == NULL)
		return;
	free(ep->url);
	free(ep->signing_region);
	free(ep->signing_name);
	free(ep->partition);
	free(ep->source);
	memset(ep, 0, sizeof *ep);
}

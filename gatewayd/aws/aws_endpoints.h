/*
 * aws_endpoints.h: region + service -> endpoint URL, across partitions,
 * with FIPS, dual-stack and the override conventions (aws-conventions.md
 * section 4). Pure: the caller gathers the inputs (environment variables,
 * the profile's endpoint_url and services section, gatewayd.conf) and this
 * module applies the precedence and the rules.
 */
#ifndef AWS_ENDPOINTS_H
#define AWS_ENDPOINTS_H

#include <stddef.h>

/* All strings allocated; aws_endpoint_free(). */
struct aws_endpoint {
	char	*url;		/* "https://ssm.eu-west-1.amazonaws.com"; an
				   override is kept as given (with its path) */
	char	*signing_region;
	char	*signing_name;	/* "ssm"; "sts"; "ssmmessages" */
	char	*partition;	/* "aws", "aws-cn", ... */
	char	*source;	/* where the URL came from, for logs:
				   "rules", "gatewayd.conf", "AWS_ENDPOINT_URL_SSM",
				   "AWS_ENDPOINT_URL", "services section",
				   "profile endpoint_url" */
	/*
	 * 1 if the region is one the partition table names; 0 if only its
	 * pattern (or the fall-back to "aws") placed it: a new or mistyped
	 * region whose host may not exist. The caller logs that.
	 */
	int	 known_region;
};

/*
 * Inputs. service is the lower-case SDK key: ssm, kms, sts, ec2, sso,
 * sso-oidc, ssmmessages, ecs. The URL fields are NULL (or "") when unset.
 * For sso and sso-oidc, region is the sso_region. sts_global is the
 * legacy sts_regional_endpoints=legacy mode: the regions that had no
 * regional endpoint go to https://sts.amazonaws.com, signed as
 * us-east-1 (region "aws-global" always does).
 */
struct aws_endpoint_params {
	const char	*service;
	const char	*region;
	int		 use_fips;
	int		 use_dualstack;
	int		 sts_global;		/* legacy global STS endpoint */

	const char	*explicit_url;		/* gatewayd.conf endpoint_url */
	const char	*env_service_url;	/* AWS_ENDPOINT_URL_<SERVICE> */
	const char	*env_url;		/* AWS_ENDPOINT_URL */
	const char	*services_url;		/* [services x] <key> endpoint_url */
	const char	*profile_url;		/* profile endpoint_url */
	int		 ignore_configured;	/* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS */
};

/*
 * Resolve: the first override set in the order explicit_url,
 * env_service_url, env_url, services_url, profile_url (all but the first
 * skipped with ignore_configured), else the rules. An override keeps the
 * signing region and name of the rules. Return 0 and fill ep, or -1 and
 * *cause (caller frees): "Invalid Configuration: FIPS and custom endpoint
 * are not supported (endpoint_url from AWS_ENDPOINT_URL)", the same for
 * dual-stack, an unknown service, no region, an invalid region, an
 * override that is not an http(s) URL (ssmmessages may also be ws(s)).
 */
int	 aws_endpoint_resolve(const struct aws_endpoint_params *,
	    struct aws_endpoint *ep, char **cause);
void	 aws_endpoint_free(struct aws_endpoint *);

/* The environment variable name for a service: AWS_ENDPOINT_URL_SSO_OIDC. */
void	 aws_endpoint_env_name(const char *service, char *out, size_t len);
/* The key in a [services] section for a service: "sso_oidc". */
void	 aws_endpoint_services_key(const char *service, char *out,
	    size_t len);
/* 1 if region is a valid DNS label (botocore's rule). */
int	 aws_endpoint_region_is_valid(const char *region);

/* How a region name fits the partitions table, from worst to best. */
enum aws_region_fit {
	AWS_REGION_NONE,	/* no partition's pattern */
	AWS_REGION_PATTERN,	/* a pattern (<prefix>-<word>-<digits>) only */
	AWS_REGION_FAMILY,	/* and a named region's but for the digits:
				   eu-west-4, a newer region */
	AWS_REGION_KNOWN	/* named in the table */
};
enum aws_region_fit aws_endpoint_region_fit(const char *region);
/* Put up to n region names the table holds in v; return how many. */
size_t	 aws_endpoint_region_names(const char **v, size_t n);
/*
 * 1 if the len bytes at domain are, ignoring case, the DNS suffix or the
 * dual-stack suffix of an AWS partition: amazonaws.com, api.aws,
 * amazonaws.com.cn, c2s.ic.gov, ... (aws-conventions.md 4.1).
 */
int	 aws_endpoint_is_dns_suffix(const char *domain, size_t len);

#endif /* AWS_ENDPOINTS_H */

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
};

/*
 * Inputs. service is the lower-case SDK key: ssm, kms, sts, ec2, sso,
 * sso-oidc, ssmmessages, ecs. The URL fields are NULL when unset.
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
 * Resolve. Return 0 and fill ep, or -1 and *cause ("FIPS and custom
 * endpoint are not supported", "invalid region "x y"").
 */
int	 aws_endpoint_resolve(const struct aws_endpoint_params *,
	    struct aws_endpoint *ep, char **cause);
void	 aws_endpoint_free(struct aws_endpoint *);

/* The environment variable name for a service: AWS_ENDPOINT_URL_SSO_OIDC. */
void	 aws_endpoint_env_name(const char *service, char *out, size_t len);
/* 1 if region is a valid DNS label (botocore's rule). */
int	 aws_endpoint_region_is_valid(const char *region);

#endif /* AWS_ENDPOINTS_H */

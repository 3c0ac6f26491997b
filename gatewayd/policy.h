/*
 * policy.h: the least-privilege IAM policy of a config (docs/policy.md).
 *
 * What gatewayd's identity needs for the ssm forwards and the on-demand
 * connect rules it runs, and nothing else: ssm:StartSession on the
 * targets and documents used, resume, terminate and the data channel on
 * the caller's own sessions, DescribeInstanceInformation where tag
 * targets need it, sts:AssumeRole on the roles of the profiles used.
 * Statements are grouped by region and come out sorted, so that the same
 * config always gives the same text.
 */
#ifndef POLICY_H
#define POLICY_H

#include <stddef.h>

struct cJSON;
struct fwd_config;
struct gw_config;

/*
 * The policy of the n forwards fwds (ssm ones; others need nothing) and,
 * with on_demand, of gc's connect rules (connect_allow, connect_targets,
 * connect_profiles). account: the account id in ARNs, NULL for "*";
 * roles: 1 to read the AWS config files for the profiles' role_arn.
 * Return {"policy": {IAM document}, "notes": ["..."]} (caller frees).
 */
struct cJSON *policy_make(const struct gw_config *gc,
	    const struct fwd_config *const *fwds, size_t n, int on_demand,
	    const char *account, int roles);

/* Register the control command "policy" (names, account). */
void	 policy_init(void);

/*
 * gatewayctl policy [--json] [--account ID] [NAME...]: the request's
 * members from argv (0, or -1 for a usage error; *json set by --json),
 * and the answer printed: the IAM document on stdout, the notes on
 * stderr (gatewayctl_policy.c).
 */
int	 ctl_policy_args(struct cJSON *req, int argc, char **argv, int *json);
void	 ctl_policy_print(const struct cJSON *reply);

#endif /* POLICY_H */

/*
 * aws_chain.h: which credential source a profile uses (aws-conventions.md
 * 2.1 to 2.9), decided from the environment and the shared files alone.
 * Pure: no I/O beyond getenv(); fetching is creds_fetch.c's and
 * creds_remote.c's job. Configuration errors come back here, before
 * anything is fetched.
 */
#ifndef AWS_CHAIN_H
#define AWS_CHAIN_H

#include "aws_imds.h"
#include "aws_sigv4.h"
#include "aws_sso.h"

struct aws_profiles;

enum aws_chain_kind {
	AWS_CHAIN_ENV,		/* AWS_ACCESS_KEY_ID...: read at each fetch */
	AWS_CHAIN_STATIC,	/* keys from a shared file */
	AWS_CHAIN_ASSUME_ROLE,	/* STS AssumeRole with inner's credentials */
	AWS_CHAIN_WEB_IDENTITY,	/* STS AssumeRoleWithWebIdentity */
	AWS_CHAIN_SSO,
	AWS_CHAIN_PROCESS,	/* credential_process */
	AWS_CHAIN_CONTAINER,	/* ECS / EKS Pod Identity endpoint */
	AWS_CHAIN_IMDS,
	AWS_CHAIN_FIXED,	/* keys handed in (gatewayctl login) */
	AWS_CHAIN_PROVIDER,	/* another provider's: a role's source */
};

struct aws_creds_provider;

struct aws_chain_source {
	enum aws_chain_kind	 kind;
	const char		*name;		/* "environment", "assume-role" */
	char			*profile;
	struct aws_creds	 keys;		/* STATIC */
	char			*role_arn;	/* ASSUME_ROLE, WEB_IDENTITY */
	char			*session_name;	/* NULL: made up at fetch */
	char			*external_id;
	unsigned		 duration;
	struct aws_chain_source	*inner;		/* ASSUME_ROLE */
	char			*token_file;	/* WEB_IDENTITY */
	struct aws_sso_config	 sso;		/* SSO */
	char			*command;	/* PROCESS */
	char			*url;		/* CONTAINER */
	char			*auth_token;
	char			*auth_file;
	struct aws_imds_config	 imds;		/* IMDS */
	char			*label;		/* FIXED: "user alice" */
	struct aws_creds_provider *via;		/* PROVIDER: not owned */
};

/*
 * Resolve the chain for a selected profile. Return the source, or NULL
 * and *cause: a configuration error, or "unable to locate credentials:
 * <what was tried and why each was skipped>". *tried (always set, caller
 * frees) lists the sources skipped before the one chosen.
 */
struct aws_chain_source *aws_chain_resolve(const struct aws_profiles *,
	    const char *profile, int is_explicit, char **tried, char **cause);
void	 aws_chain_free(struct aws_chain_source *);

/*
 * The container endpoint from AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or
 * _FULL_URI. Return 1 and *url, 0 if neither is set, -1 and *cause if the
 * full URI is not allowed (https, loopback or the container hosts only).
 */
int	 aws_chain_container_url(char **url, char **cause);

/* 1 if s is a valid RoleSessionName: 2 to 64 of [A-Za-z0-9_+=,.@-]. */
int	 aws_chain_session_name_ok(const char *s);
/* 1 if s is an IAM role ARN: arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME */
int	 aws_chain_role_arn_ok(const char *s);

/*
 * Sources made from outside the shared files: keys handed in (named label
 * in messages), and assume-role of role_arn as session_name signed with
 * via's credentials. The caller checks role_arn and session_name.
 */
struct aws_chain_source *aws_chain_fixed(const struct aws_creds *keys,
	    const char *label);
struct aws_chain_source *aws_chain_role(const char *profile,
	    const char *role_arn, const char *session_name,
	    struct aws_creds_provider *via);

#endif /* AWS_CHAIN_H */

/*
 * emu_iam.h: awsemu's IAM evaluator (emu_iam.c): identity-based policies
 * of the world's keys, for the actions, resources and condition keys
 * gatewayd's calls need.
 */
#ifndef EMU_IAM_H
#define EMU_IAM_H

#include <stddef.h>

struct cJSON;
struct emu_cred;
struct emu_req;
struct emu_session;
struct emu_tag;

/* One request as IAM sees it: an action on one resource, its context. */
struct emu_iam_req {
	const char		*action;	/* "ssm:StartSession" */
	const char		*resource;	/* an ARN, or "*" */
	const char		*userid;	/* ${aws:userid}, aws:userid */
	const char		*region;	/* aws:RequestedRegion */
	const char		*doc_check;	/* ssm:SessionDocumentAccessCheck */
	const struct emu_tag	*tags;		/* ssm:resourceTag/KEY */
	size_t			 ntags;
};

enum emu_iam_decision {
	EMU_IAM_ALLOW,
	EMU_IAM_IMPLICIT_DENY,		/* no statement allows it */
	EMU_IAM_EXPLICIT_DENY,		/* a Deny statement matched */
};

/* 0 if policy is one awsemu can evaluate, else -1 and *cause. */
int	emu_iam_check_policy(const struct cJSON *policy, char **cause);
/* '*' and '?' wildcards; icase for actions. */
int	emu_iam_match(const char *pattern, const char *s, int icase);
enum emu_iam_decision emu_iam_eval(const struct cJSON *policy,
	    const struct emu_iam_req *);
/*
 * caller's policy (none: allowed) on req: 0, or -1 and *why, AWS's
 * message ("User: ARN is not authorized to perform: ...").
 */
int	emu_iam_decide(const struct emu_cred *caller,
	    const struct emu_iam_req *req, char **why);
/*
 * emu_http.c: the call r makes, for its caller's policy. 0, or -1 once
 * the denial is answered (AccessDeniedException 400; STS AccessDenied
 * 403).
 */
int	emu_iam_check_req(struct emu_req *r);
/*
 * emu_dc.c: ssmmessages:OpenDataChannel on s for caller: 0, or -1 and
 * *why ("AccessDeniedException: User: ...").
 */
int	emu_iam_check_channel(const struct emu_cred *caller,
	    const struct emu_session *s, char **why);
char	*emu_iam_session_arn(const char *region, const char *account,
	    const char *id);

#endif /* EMU_IAM_H */

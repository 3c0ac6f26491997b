/*
 * aws_int.h: what client.c (the client), ctx.c (a profile and region's
 * context) and call.c (one API call) share. Not for use outside those
 * three files: aws.h is the contract.
 */
#ifndef AWS_INT_H
#define AWS_INT_H

#include <sys/queue.h>

#include <stdint.h>

#include "aws.h"
#include "aws_imds.h"

struct aws_budget;
struct aws_creds_cache;
struct aws_creds_provider;
struct aws_endpoint;
struct aws_imds_req;
struct aws_retry_quota;

struct aws_client {
	struct event_base		*base;
	struct aws_options		 opts;
	char				*ca_bundle;
	char				*config_file;
	char				*credentials_file;
	struct aws_http			*http;
	struct aws_budget		*budget;
	struct aws_profiles		*profiles;
	struct aws_creds_cache		*creds;
	int64_t				 skew_ms;
	unsigned			 ncalls;
	TAILQ_HEAD(, aws_quota_entry)	 quotas;
	TAILQ_HEAD(, aws_call)		 calls;
	TAILQ_HEAD(, aws_ctx)		 ctxs;
	TAILQ_ENTRY(aws_client)		 entry;	/* in every client */
};

struct aws_ctx {
	struct aws_client		*client;
	char				*profile;
	int				 is_explicit;
	char				*region;
	char				*endpoint_url;
	unsigned			 max_attempts;
	struct aws_creds_provider	*creds;
	int				 own_creds;	/* fixed, role */
	struct aws_imds_config		 imds;
	struct aws_imds_req		*region_req;	/* IMDS, in flight */
	char				*region_error;
	TAILQ_ENTRY(aws_ctx)		 entry;
};

/* The retry quota of an endpoint URL, made on first use. */
struct aws_retry_quota *aws_client_quota_find(struct aws_client *,
	    const char *url);
/* The creds cache lives in the client but belongs to creds.c. */
struct aws_creds_cache *aws_client_creds_cache(struct aws_client *);

/* Resolve service's endpoint in region for ctx; -1 and *cause if none. */
int	 aws_ctx_endpoint(struct aws_ctx *, const char *service,
	    const char *region, struct aws_endpoint *, char **cause);
/*
 * Ask instance metadata for ctx's region, unless a request is in flight;
 * the answer steps the calls waiting for it (aws_call_region_ready).
 */
void	 aws_ctx_region_fetch(struct aws_ctx *);

/* Cancel the calls made on ctx (no callbacks). */
void	 aws_call_cancel_ctx(struct aws_ctx *);
/* ctx's region is known, or why not: step the calls waiting for it. */
void	 aws_call_region_ready(struct aws_ctx *);

#endif /* AWS_INT_H */

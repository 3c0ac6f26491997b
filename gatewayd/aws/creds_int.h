/*
 * creds_int.h: what creds.c (the cache), creds_fetch.c (one fetch, and the
 * sources on this machine) and creds_remote.c (the sources behind an
 * endpoint) share. Not for use outside those files: aws_creds.h is the
 * contract.
 */
#ifndef CREDS_INT_H
#define CREDS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "aws_creds.h"

struct aws_call;
struct aws_chain_source;
struct aws_client;
struct aws_ctx;
struct aws_http_req;
struct aws_imds_req;
struct aws_process;
struct aws_sso_fetch;
struct event;

#define AWS_CREDS_FILE_MAX		(64 * 1024)	/* token files */

typedef void (*aws_creds_fetch_cb)(void *, const struct aws_creds *,
	    const char *);

/* One fetch from one source; assume-role nests the fetch of its source. */
struct aws_creds_fetch {
	struct aws_client		*client;
	struct aws_ctx			*ctx;	/* the provider's, for STS, SSO */
	struct aws_chain_source		*src;
	aws_creds_fetch_cb		 cb;
	void				*arg;

	struct aws_creds_fetch		*inner;
	struct aws_creds_wait		*wait;	/* PROVIDER */
	struct aws_call			*call;
	struct aws_process		*proc;
	struct aws_imds_req		*imds;
	struct aws_http_req		*hreq;
	struct aws_sso_fetch		*sso;
	struct event			*ev;
	struct aws_creds		 got;
	char				*error;
	unsigned			 attempts;
};

/* creds.c: the wall clock in Unix seconds. */
int64_t	 aws_creds_now(void);
/* Keys handed in (AWS_CHAIN_FIXED) still good at now: more than
 * AWS_CREDS_MIN_LIFE left, whatever their lifetime. */
int	 aws_creds_fixed_ok(const struct aws_creds *, int64_t now);

/*
 * creds_fetch.c. Start a fetch from src; cb runs once, from the loop, with
 * credentials or an error, and the fetch is freed after it returns.
 */
struct aws_creds_fetch *aws_creds_fetch_start(struct aws_client *,
	    struct aws_ctx *, struct aws_chain_source *, aws_creds_fetch_cb,
	    void *);
void	 aws_creds_fetch_cancel(struct aws_creds_fetch *);
/* The outcome: the callback, then the fetch is gone. */
void	 aws_creds_fetch_done(struct aws_creds_fetch *,
	    const struct aws_creds *, const char *error);
/* Fail from the loop: never inside aws_creds_fetch_start(). */
void	 aws_creds_fetch_fail(struct aws_creds_fetch *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* Deliver f->got or f->error after ms, from the loop. */
void	 aws_creds_fetch_later(struct aws_creds_fetch *, unsigned ms);
/* Finish the fetch with a JSON credentials document, or its fault. */
void	 aws_creds_fetch_json(struct aws_creds_fetch *, enum aws_creds_doc,
	    const char *body, size_t len, const char *provider,
	    const char *prefix);
/* Read a small file (a token), trimmed. NULL and *cause on failure. */
char	*aws_creds_read_file(const char *path, const char *what,
	    char **cause);

/* creds_remote.c: start f on its source. */
void	 aws_creds_fetch_assume_role(struct aws_creds_fetch *);
void	 aws_creds_fetch_web_identity(struct aws_creds_fetch *);
void	 aws_creds_fetch_sso(struct aws_creds_fetch *);
void	 aws_creds_fetch_container(struct aws_creds_fetch *);
void	 aws_creds_fetch_imds(struct aws_creds_fetch *);

#endif /* CREDS_INT_H */

/*
 * fakesrv.h: small in-process HTTP servers on 127.0.0.1 for the AWS
 * client's unit tests (evhttp on the test's own event loop), and a helper
 * that runs the loop until a condition holds or a deadline passes.
 */
#ifndef FAKESRV_H
#define FAKESRV_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evhttp_request;
struct fakesrv;

/* What the server saw, in order. Strings are NUL-terminated copies. */
struct fakesrv_seen {
	char		*method;
	char		*uri;
	char		*target;	/* X-Amz-Target */
	char		*auth;		/* Authorization */
	char		*amz_date;	/* X-Amz-Date */
	char		*token;		/* X-Amz-Security-Token */
	char		*body;
	uint64_t	 at_ms;		/* clock_now_ms() on arrival */
	void		*conn;		/* the connection (reuse checks) */
};

/* Handle one request: answer now or later (fakesrv_reply*). */
typedef void (*fakesrv_cb)(struct fakesrv *, struct evhttp_request *,
	    const struct fakesrv_seen *, void *arg);

struct fakesrv	*fakesrv_new(struct event_base *, fakesrv_cb, void *arg);
/*
 * The same over TLS with a fresh self-signed certificate for 127.0.0.1;
 * its PEM is written to ca_path, for use as a CA bundle. The URL is
 * "https://127.0.0.1:PORT".
 */
struct fakesrv	*fakesrv_new_tls(struct event_base *, fakesrv_cb, void *arg,
		    const char *ca_path);
void		 fakesrv_free(struct fakesrv *);
/* "http://127.0.0.1:PORT" */
const char	*fakesrv_url(struct fakesrv *);
unsigned	 fakesrv_port(struct fakesrv *);
size_t		 fakesrv_count(struct fakesrv *);
const struct fakesrv_seen *fakesrv_get(struct fakesrv *, size_t);
/* Number of requests whose uri starts with prefix and target (if not
 * NULL) is equal. */
size_t		 fakesrv_count_match(struct fakesrv *, const char *prefix,
		    const char *target);

/*
 * Check the request's SigV4 signature against the one key pair tests use
 * (akid, secret). Return NULL if valid, else the AWS error code.
 */
const char *fakesrv_verify(struct evhttp_request *,
	    const struct fakesrv_seen *, const char *akid, const char *secret);

/* Answer: status, body, and extra headers as "Name: value" strings. */
void	 fakesrv_reply(struct evhttp_request *, int status, const char *body,
	    ...);	/* NULL-terminated header strings */
/*
 * Answer STS op (AssumeRole, AssumeRoleWithWebIdentity) with credentials
 * ASIAROLE<n>, secret "rs", token "rt", valid an hour, of account
 * 210987654321.
 */
void	 fakesrv_reply_sts_creds(struct evhttp_request *, const char *op,
	    unsigned n);
/* The same after delay_ms (the server goes on serving meanwhile). */
void	 fakesrv_reply_later(struct fakesrv *, struct evhttp_request *,
	    unsigned delay_ms, int status, const char *body);
/* Never answer (the client's timeout must fire). */
void	 fakesrv_hang(struct fakesrv *, struct evhttp_request *);

/*
 * Run the loop until cond(arg) is true or deadline_ms pass. Return 0 if
 * the condition held, -1 on the deadline.
 */
int	 run_until(struct event_base *, int (*cond)(void *), void *arg,
	    unsigned deadline_ms);
/* Run the loop for ms milliseconds. */
void	 run_for(struct event_base *, unsigned ms);

/*
 * Clear every AWS_* variable, proxy variable and HOME, then set HOME to a
 * fresh temporary directory (returned, static storage) and turn IMDS off,
 * so a test never reads the real ~/.aws or reaches 169.254.169.254.
 */
const char *test_aws_env_reset(void);
/* Remove the temporary HOME made by test_aws_env_reset(). */
void	 test_aws_env_cleanup(void);
/* Write a file under dir (mode 0600); return its path (static). */
const char *test_write_file(const char *dir, const char *name,
	    const char *text);
/*
 * Lower this process's descriptor limit until test_fds_restore(), so that
 * the next pipe(), socket() or open() fails with EMFILE.
 */
void	 test_fds_exhaust(void);
void	 test_fds_restore(void);

#endif /* FAKESRV_H */

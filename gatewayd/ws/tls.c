/*
 * TLS contexts: one shared SSL_CTX per trust configuration for clients,
 * and OpenSSL's reasons turned into words. The handshakes themselves run
 * in libevent's OpenSSL bufferevents (ws.c); nothing here blocks or
 * touches a socket. Server contexts are the tests' (tests/lib/
 * tls_server.c), made with the same settings (tls_int.h).
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "tls.h"
#include "tls_int.h"
#include "xmalloc.h"

struct tls_client {
	SSL_CTX		*ctx;
	int		 flags;
	char		*ca_bundle;	/* NULL: the system store */
	struct stat	 ca_sb;		/* the bundle when loaded */
};

/* Append the reason for one OpenSSL error code to *s. */
static void
tls_error_add(char **s, unsigned long e)
{
	char	 buf[256], *t;

	ERR_error_string_n(e, buf, sizeof buf);
	if (*s == NULL)
		*s = xstrdup(buf);
	else {
		xasprintf(&t, "%s; %s", *s, buf);
		free(*s);
		*s = t;
	}
}

char *
tls_error_string(SSL *ssl, const unsigned long *errs, size_t nerrs)
{
	char		*s = NULL;
	unsigned long	 e;
	long		 v;
	size_t		 i;

	if (ssl != NULL && (v = SSL_get_verify_result(ssl)) != X509_V_OK)
		xasprintf(&s, "certificate verify failed: %s",
		    X509_verify_cert_error_string(v));
	for (i = 0; i < nerrs; i++) {
		/* libevent mixes errno values in; those are not OpenSSL's. */
		if (ERR_GET_LIB(errs[i]) != 0)
			tls_error_add(&s, errs[i]);
	}
	if (nerrs == 0) {
		while ((e = ERR_get_error()) != 0)
			tls_error_add(&s, e);
	}
	if (s == NULL)
		s = xstrdup("unknown TLS error");
	return (s);
}

/* Fill *cause with what and OpenSSL's reasons. */
void
tls_cause(char **cause, const char *what)
{
	char	*why;

	why = tls_error_string(NULL, NULL, 0);
	if (cause != NULL)
		xasprintf(cause, "%s: %s", what, why);
	free(why);
}

/* Settings every context shares: TLS 1.2 or newer, small idle buffers. */
SSL_CTX *
tls_ctx_new(const SSL_METHOD *method, char **cause)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(method)) == NULL) {
		tls_cause(cause, "cannot make TLS context");
		return (NULL);
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/*
	 * Room for several records per read(2) once an open WebSocket turns
	 * read-ahead on (io.c): a paced session's hold brings 30-40 KiB, one
	 * read instead of four. Pages are touched only as bytes come.
	 */
	SSL_CTX_set_default_read_buffer_len(ctx, 64 * 1024);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	    SSL_OP_NO_RENEGOTIATION);
	/*
	 * No SSL_MODE_RELEASE_BUFFERS: it costs a malloc and a free per
	 * record, and tunnels are busy. No read-ahead here: libevent's
	 * OpenSSL bufferevent does not see bytes buffered that way (it reads
	 * on while SSL_pending() says so, which counts only the record being
	 * read) and would wait for a socket that has nothing more to say.
	 * An open WebSocket reads its records itself and turns read-ahead on
	 * (io.c, ws_tls_recv).
	 */
	return (ctx);
}

/* Build a client SSL_CTX trusting ca_bundle (or the system store). */
static SSL_CTX *
tls_client_ctx_new(const char *ca_bundle, int flags, char **cause)
{
	SSL_CTX	*ctx;
	char	*what;

	if ((ctx = tls_ctx_new(TLS_client_method(), cause)) == NULL)
		return (NULL);
	if (flags & TLS_CLIENT_INSECURE) {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		log_warnx("tls: certificate verification is OFF (insecure "
		    "test option); never use this outside tests");
		return (ctx);
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (ca_bundle != NULL) {
		/* OpenSSL's three lines for a missing file say less. */
		if (access(ca_bundle, R_OK) == -1) {
			xasprintf(cause, "ca bundle %s: %s", ca_bundle,
			    strerror(errno));
			SSL_CTX_free(ctx);
			return (NULL);
		}
		if (SSL_CTX_load_verify_locations(ctx, ca_bundle, NULL) != 1) {
			xasprintf(&what, "ca bundle %s", ca_bundle);
			tls_cause(cause, what);
			free(what);
			SSL_CTX_free(ctx);
			return (NULL);
		}
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		tls_cause(cause, "cannot load the system trust store");
		SSL_CTX_free(ctx);
		return (NULL);
	}
	return (ctx);
}

struct tls_client *
tls_client_new(const char *ca_bundle, int flags, char **cause)
{
	struct tls_client	*tc;

	tc = xcalloc(1, sizeof *tc);
	tc->flags = flags;
	if (tls_client_set_ca_bundle(tc, ca_bundle, cause) != 0) {
		free(tc);
		return (NULL);
	}
	return (tc);
}

/* Whether ca_bundle is what the current context was built from. */
static int
tls_client_is_current(struct tls_client *tc, const char *ca_bundle,
    struct stat *sb)
{
	memset(sb, 0, sizeof *sb);
	if (ca_bundle != NULL && stat(ca_bundle, sb) != 0)
		return (0);	/* let the load report why */
	if (tc->ctx == NULL)
		return (0);
	if (ca_bundle == NULL || tc->ca_bundle == NULL)
		return (ca_bundle == tc->ca_bundle);
	return (strcmp(ca_bundle, tc->ca_bundle) == 0 &&
	    sb->st_ino == tc->ca_sb.st_ino && sb->st_dev == tc->ca_sb.st_dev &&
	    sb->st_size == tc->ca_sb.st_size &&
	    sb->st_mtim.tv_sec == tc->ca_sb.st_mtim.tv_sec &&
	    sb->st_mtim.tv_nsec == tc->ca_sb.st_mtim.tv_nsec);
}

int
tls_client_set_ca_bundle(struct tls_client *tc, const char *ca_bundle,
    char **cause)
{
	SSL_CTX		*ctx;
	struct stat	 sb;

	if (tls_client_is_current(tc, ca_bundle, &sb))
		return (0);
	if ((ctx = tls_client_ctx_new(ca_bundle, tc->flags, cause)) == NULL)
		return (-1);
	/* Live SSLs hold their own reference to the old context. */
	SSL_CTX_free(tc->ctx);
	tc->ctx = ctx;
	free(tc->ca_bundle);
	tc->ca_bundle = ca_bundle != NULL ? xstrdup(ca_bundle) : NULL;
	tc->ca_sb = sb;
	log_debug("tls: client context trusts %s",
	    ca_bundle != NULL ? ca_bundle : "the system store");
	return (0);
}

/* Whether host is an IPv4 or IPv6 literal (no SNI for those). */
static int
tls_is_ip(const char *host)
{
	unsigned char	buf[sizeof(struct in6_addr)];

	return (inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1);
}

SSL *
tls_client_ssl_new(struct tls_client *tc, const char *host, char **cause)
{
	SSL	*ssl;

	if ((ssl = SSL_new(tc->ctx)) == NULL) {
		tls_cause(cause, "cannot make TLS connection");
		return (NULL);
	}
	if (!tls_is_ip(host) && SSL_set_tlsext_host_name(ssl, host) != 1) {
		tls_cause(cause, "cannot set TLS server name");
		SSL_free(ssl);
		return (NULL);
	}
	if (tc->flags & TLS_CLIENT_INSECURE) {
		log_warnx("tls: %s: certificate not verified (insecure test "
		    "option)", host);
		return (ssl);
	}
	/* OpenSSL 3 checks IP SANs when host is an address literal. */
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	if (SSL_set1_host(ssl, host) != 1) {
		tls_cause(cause, "cannot set TLS host name check");
		SSL_free(ssl);
		return (NULL);
	}
	return (ssl);
}

int
tls_client_is_insecure(const struct tls_client *tc)
{
	return ((tc->flags & TLS_CLIENT_INSECURE) != 0);
}

void
tls_client_free(struct tls_client *tc)
{
	if (tc == NULL)
		return;
	SSL_CTX_free(tc->ctx);
	free(tc->ca_bundle);
	free(tc);
}

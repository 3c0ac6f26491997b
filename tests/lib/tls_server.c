/*
 * TLS server contexts, for the emulator and the tests: one certificate
 * chain and its key, with the settings of gatewayd's client contexts
 * (tls_ctx_new). The daemon never accepts TLS and does not link this.
 */

#include <stdlib.h>

#include <openssl/ssl.h>

#include "tls_int.h"
#include "tls_server.h"
#include "xmalloc.h"

struct tls_server {
	SSL_CTX		*ctx;
};

struct tls_server *
tls_server_new(const char *cert_file, const char *key_file, char **cause)
{
	struct tls_server	*ts;
	SSL_CTX			*ctx;
	char			*what;

	if ((ctx = tls_ctx_new(TLS_server_method(), cause)) == NULL)
		return (NULL);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		xasprintf(&what, "certificate %s", cert_file);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		xasprintf(&what, "private key %s", key_file);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		xasprintf(&what, "private key %s does not match %s", key_file,
		    cert_file);
		goto fail;
	}
	ts = xcalloc(1, sizeof *ts);
	ts->ctx = ctx;
	return (ts);

fail:
	tls_cause(cause, what);
	free(what);
	SSL_CTX_free(ctx);
	return (NULL);
}

SSL *
tls_server_ssl_new(struct tls_server *ts, char **cause)
{
	SSL	*ssl;

	if ((ssl = SSL_new(ts->ctx)) == NULL)
		tls_cause(cause, "cannot make TLS connection");
	return (ssl);
}

void
tls_server_free(struct tls_server *ts)
{
	if (ts == NULL)
		return;
	SSL_CTX_free(ts->ctx);
	free(ts);
}

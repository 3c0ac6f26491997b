/*
 * tls_int.h: what tls.c lends the tests' server contexts
 * (tests/lib/tls_server.c), so that both sides are made with the same
 * settings. Not a contract: use tls.h.
 */
#ifndef TLS_INT_H
#define TLS_INT_H

#include <openssl/ssl.h>

/*
 * A context with the settings every context shares (TLS 1.2 or newer, no
 * compression, no renegotiation). Return NULL and set *cause on failure.
 */
SSL_CTX	*tls_ctx_new(const SSL_METHOD *, char **cause);
/* Set *cause (if not NULL) to "what: " and OpenSSL's queued reasons. */
void	 tls_cause(char **cause, const char *what);

#endif /* TLS_INT_H */

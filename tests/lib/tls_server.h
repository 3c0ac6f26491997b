/*
 * tls_server.h: TLS server contexts for the emulator and the tests (the
 * daemon is only ever a client: tls.h). A context holds one certificate
 * chain and key; no I/O here.
 */
#ifndef TLS_SERVER_H
#define TLS_SERVER_H

#include <openssl/ssl.h>

struct tls_server;

/*
 * A server context from a PEM certificate chain and its private key.
 * Return NULL and set *cause on failure.
 */
struct tls_server *tls_server_new(const char *cert_file, const char *key_file,
	    char **cause);
/* A new accepted-connection object; the caller owns it. */
SSL	*tls_server_ssl_new(struct tls_server *, char **cause);
void	 tls_server_free(struct tls_server *);

#endif /* TLS_SERVER_H */

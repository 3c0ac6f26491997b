/*
 * tls.h: OpenSSL contexts for the WebSocket client.
 *
 * A client context is shared by every connection that trusts the same CA
 * bundle: peers are always verified (system trust store, or the PEM file
 * named by AWS_CA_BUNDLE / ca_bundle, which replaces it), TLS 1.2 or newer,
 * SNI and host name checks per connection. Server contexts are for the
 * tests and the emulator (tests/lib/tls_server.h). No I/O here: ws.c
 * drives the handshakes.
 */
#ifndef TLS_H
#define TLS_H

#include <openssl/ssl.h>

struct tls_client;

/*
 * TLS_CLIENT_INSECURE turns certificate and host name verification off.
 * It exists for tests only and is logged as a warning for the context and
 * for every connection made with it.
 */
#define TLS_CLIENT_INSECURE	0x1

/*
 * Make a client context. ca_bundle is a PEM file of trusted CAs, or NULL
 * for the system trust store. Return NULL and set *cause (caller frees),
 * with OpenSSL's reason, if the bundle cannot be loaded.
 */
struct tls_client *tls_client_new(const char *ca_bundle, int flags,
	    char **cause);

/*
 * Point the context at another bundle (NULL: the system store). The
 * context is rebuilt only if the path differs or the file changed since it
 * was loaded; connections already made keep the context they started
 * with. Return 0, or -1 with *cause, leaving the old context in use.
 */
int	 tls_client_set_ca_bundle(struct tls_client *, const char *ca_bundle,
	    char **cause);

/*
 * A new client connection object for host (a DNS name, or an IPv4/IPv6
 * literal without brackets): SNI set for names, the certificate checked
 * against host. The caller owns the SSL (SSL_free, or hand it to a
 * bufferevent that frees it). Return NULL and set *cause on failure.
 */
SSL	*tls_client_ssl_new(struct tls_client *, const char *host,
	    char **cause);

/* Whether the context verifies nothing (TLS_CLIENT_INSECURE). */
int	 tls_client_is_insecure(const struct tls_client *);

/* Release the context; connections already made keep working. */
void	 tls_client_free(struct tls_client *);

/*
 * Why a TLS operation on ssl failed, in words: the certificate
 * verification result if that is what failed, then the reasons of the
 * OpenSSL error codes in errs (libevent keeps them per bufferevent), or,
 * if nerrs is 0, those on this thread's error queue (which is emptied).
 * ssl may be NULL. The caller frees the string.
 */
char	*tls_error_string(SSL *ssl, const unsigned long *errs,
	    size_t nerrs);

#endif /* TLS_H */

/*
 * testca.h: a throwaway certificate authority for tests and the emulator.
 * Keys are made fresh each run (EC P-256) and written, with their
 * certificates, into a directory the caller owns; nothing is committed.
 * Not for production: the keys live in plain files.
 */
#ifndef TESTCA_H
#define TESTCA_H

struct testca;
struct tls_server;

/*
 * Make a CA called name, with its certificate in dir/name.pem. Return NULL
 * and set *cause on failure.
 */
struct testca	*testca_new(const char *dir, const char *name,
		    char **cause);
/* The path of the CA certificate (a bundle for tls_client_new). */
const char	*testca_path(const struct testca *);

/*
 * Issue a server certificate for san ("DNS:localhost,IP:127.0.0.1"),
 * valid from now + not_before to now + not_after seconds (negative for the
 * past), into dir/name.crt (leaf then CA) and dir/name.key. Return 0 and
 * set *cert and *key (the CA owns the strings), or -1 with *cause.
 */
int		 testca_issue(struct testca *, const char *name,
		    const char *san, long not_before, long not_after,
		    const char **cert, const char **key, char **cause);

/* Issue a certificate as testca_issue does and load it into a server
 * context (tls.h). Return NULL and set *cause on failure. */
struct tls_server *testca_tls_server(struct testca *, const char *name,
		    const char *san, long not_before, long not_after,
		    char **cause);

/* Remove every file the CA wrote, then free it. NULL is fine. */
void		 testca_free(struct testca *);

#endif /* TESTCA_H */

/*
 * A throwaway CA made with OpenSSL's API at run time: a self-signed root
 * and server certificates with the SANs and validity a test asks for
 * (including expired ones). Every file it writes is removed again by
 * testca_free.
 */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "testca.h"
#include "tls_server.h"
#include "xmalloc.h"

#define TESTCA_MAX_FILES	64

struct testca {
	char		*dir;
	char		*path;		/* the CA certificate */
	EVP_PKEY	*key;
	X509		*cert;
	char		*files[TESTCA_MAX_FILES];
	int		 nfiles;
};

/* Remember a file (for removal) and return its path. */
static const char *
testca_file(struct testca *ca, const char *name, const char *suffix)
{
	char	*path;

	if (ca->nfiles == TESTCA_MAX_FILES)
		return (NULL);
	xasprintf(&path, "%s/%s%s", ca->dir, name, suffix);
	ca->files[ca->nfiles++] = path;
	return (path);
}

/* Say what failed, with OpenSSL's reason. */
static int
testca_error(char **cause, const char *what)
{
	char	buf[256];

	ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
	xasprintf(cause, "testca: %s: %s", what, buf);
	ERR_clear_error();
	return (-1);
}

/* Add one X509v3 extension given in config syntax. */
static int
testca_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext;
	int		 ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return (-1);
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return (ok == 1 ? 0 : -1);
}

/* A certificate for key, named cn, signed by issuer (NULL: itself). */
static X509 *
testca_cert(EVP_PKEY *key, const char *cn, X509 *issuer, long not_before,
    long not_after)
{
	X509		*x;
	X509_NAME	*name;
	unsigned char	 serial[16];
	BIGNUM		*bn;

	if ((x = X509_new()) == NULL)
		return (NULL);
	RAND_bytes(serial, sizeof serial);
	serial[0] &= 0x7f;
	bn = BN_bin2bn(serial, sizeof serial, NULL);
	BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	X509_set_version(x, 2);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"gatewayd tests", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name);
	X509_gmtime_adj(X509_getm_notBefore(x), not_before);
	X509_gmtime_adj(X509_getm_notAfter(x), not_after);
	X509_set_pubkey(x, key);
	if (testca_ext(x, issuer != NULL ? issuer : x,
	    NID_subject_key_identifier, "hash") != 0) {
		X509_free(x);
		return (NULL);
	}
	return (x);
}

/* Write a PEM certificate (and optionally a second one after it). */
static int
testca_write_cert(const char *path, X509 *x, X509 *next)
{
	FILE	*f;
	int	 ok;

	if ((f = fopen(path, "w")) == NULL)
		return (-1);
	ok = PEM_write_X509(f, x) == 1 &&
	    (next == NULL || PEM_write_X509(f, next) == 1);
	return (fclose(f) == 0 && ok ? 0 : -1);
}

struct testca *
testca_new(const char *dir, const char *name, char **cause)
{
	struct testca	*ca;
	const char	*path;

	ca = xcalloc(1, sizeof *ca);
	ca->dir = xstrdup(dir);
	if ((ca->key = EVP_EC_gen("P-256")) == NULL) {
		testca_error(cause, "CA key");
		goto fail;
	}
	ca->cert = testca_cert(ca->key, name, NULL, -3600, 86400);
	if (ca->cert == NULL ||
	    testca_ext(ca->cert, ca->cert, NID_basic_constraints,
	    "critical,CA:TRUE") != 0 ||
	    testca_ext(ca->cert, ca->cert, NID_key_usage,
	    "critical,keyCertSign,cRLSign") != 0 ||
	    X509_sign(ca->cert, ca->key, EVP_sha256()) == 0) {
		testca_error(cause, "CA certificate");
		goto fail;
	}
	path = testca_file(ca, name, ".pem");
	if (path == NULL || testca_write_cert(path, ca->cert, NULL) != 0) {
		xasprintf(cause, "testca: cannot write %s", path);
		goto fail;
	}
	ca->path = xstrdup(path);
	return (ca);

fail:
	testca_free(ca);
	return (NULL);
}

const char *
testca_path(const struct testca *ca)
{
	return (ca->path);
}

int
testca_issue(struct testca *ca, const char *name, const char *san,
    long not_before, long not_after, const char **cert, const char **key,
    char **cause)
{
	EVP_PKEY	*pkey;
	X509		*x;
	const char	*cpath, *kpath;
	FILE		*f;
	int		 ok;

	if ((pkey = EVP_EC_gen("P-256")) == NULL)
		return (testca_error(cause, "server key"));
	x = testca_cert(pkey, name, ca->cert, not_before, not_after);
	if (x == NULL ||
	    testca_ext(x, ca->cert, NID_basic_constraints, "CA:FALSE") != 0 ||
	    testca_ext(x, ca->cert, NID_ext_key_usage, "serverAuth") != 0 ||
	    testca_ext(x, ca->cert, NID_subject_alt_name, san) != 0 ||
	    testca_ext(x, ca->cert, NID_authority_key_identifier,
	    "keyid:always") != 0 ||
	    X509_sign(x, ca->key, EVP_sha256()) == 0) {
		X509_free(x);
		EVP_PKEY_free(pkey);
		return (testca_error(cause, "server certificate"));
	}
	cpath = testca_file(ca, name, ".crt");
	kpath = testca_file(ca, name, ".key");
	ok = cpath != NULL && kpath != NULL &&
	    testca_write_cert(cpath, x, ca->cert) == 0;
	if (ok && (f = fopen(kpath, "w")) != NULL) {
		chmod(kpath, 0600);
		ok = PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL,
		    NULL) == 1;
		ok = fclose(f) == 0 && ok;
	} else
		ok = 0;
	X509_free(x);
	EVP_PKEY_free(pkey);
	if (!ok) {
		xasprintf(cause, "testca: cannot write %s", name);
		return (-1);
	}
	*cert = cpath;
	*key = kpath;
	return (0);
}

struct tls_server *
testca_tls_server(struct testca *ca, const char *name, const char *san,
    long not_before, long not_after, char **cause)
{
	const char	*cert, *key;

	if (testca_issue(ca, name, san, not_before, not_after, &cert, &key,
	    cause) != 0)
		return (NULL);
	return (tls_server_new(cert, key, cause));
}

void
testca_free(struct testca *ca)
{
	int	i;

	if (ca == NULL)
		return;
	for (i = 0; i < ca->nfiles; i++) {
		unlink(ca->files[i]);
		free(ca->files[i]);
	}
	EVP_PKEY_free(ca->key);
	X509_free(ca->cert);
	free(ca->path);
	free(ca->dir);
	free(ca);
}

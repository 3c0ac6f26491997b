/*
 * Unit tests for tls.c: handshakes between our client and server contexts
 * over an in-memory BIO pair (no sockets), with a CA made at run time.
 * What verification accepts and refuses, the reasons it gives, and when a
 * client context is rebuilt.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"
#include "testca.h"
#include "tls.h"
#include "tls_server.h"

static char		 tmpdir[] = "/tmp/test_tls.XXXXXX";
static struct testca	*ca, *ca_other;
static struct tls_server *srv_good, *srv_expired, *srv_other_ca;

/*
 * Run a handshake between a client SSL for host and a server SSL from ts.
 * Return 0 on success, or -1 with *cause from the client's side.
 */
static int
handshake(struct tls_client *tc, struct tls_server *ts, const char *host,
    char **cause)
{
	SSL	*c, *s;
	BIO	*bc, *bs;
	int	 i, rc = 0, rs = 0, done = 0;

	*cause = NULL;
	if ((c = tls_client_ssl_new(tc, host, cause)) == NULL)
		return (-1);
	s = tls_server_ssl_new(ts, cause);
	assert_non_null(s);
	assert_int_equal(BIO_new_bio_pair(&bc, 0, &bs, 0), 1);
	SSL_set_bio(c, bc, bc);
	SSL_set_bio(s, bs, bs);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	for (i = 0; i < 50 && !done; i++) {
		if (rc != 1)
			rc = SSL_do_handshake(c);
		if (rs != 1)
			rs = SSL_do_handshake(s);
		if (rc == 1 && rs == 1)
			done = 1;
		else if (rc <= 0 && SSL_get_error(c, rc) == SSL_ERROR_SSL)
			break;
	}
	if (!done)
		*cause = tls_error_string(c, NULL, 0);
	ERR_clear_error();
	SSL_free(c);
	SSL_free(s);
	return (done ? 0 : -1);
}

static void
test_tls_verify_table(void **state)
{
	const struct {
		struct tls_server	**srv;
		const char		 *bundle;	/* NULL: test CA */
		int			  flags;
		const char		 *host;
		const char		 *why;		/* NULL: succeed */
	} t[] = {
		{ &srv_good, NULL, 0, "localhost", NULL },
		{ &srv_good, NULL, 0, "LOCALHOST", NULL },
		{ &srv_good, NULL, 0, "127.0.0.1", NULL },
		{ &srv_good, NULL, 0, "::1", NULL },
		{ &srv_good, NULL, 0, "a.wild.test", NULL },
		{ &srv_good, NULL, 0, "a.b.wild.test", "hostname mismatch" },
		{ &srv_good, NULL, 0, "127.0.0.2", "IP address mismatch" },
		{ &srv_good, NULL, 0, "other.test", "hostname mismatch" },
		{ &srv_expired, NULL, 0, "localhost",
		  "certificate has expired" },
		{ &srv_other_ca, NULL, 0, "localhost",
		  "self-signed certificate in certificate chain" },
		{ &srv_other_ca, NULL, TLS_CLIENT_INSECURE, "other.test",
		  NULL },
		{ &srv_expired, NULL, TLS_CLIENT_INSECURE, "localhost", NULL },
	};
	struct tls_client	*tc;
	char			*cause;
	size_t			 i;
	int			 r;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		cause = NULL;
		tc = tls_client_new(t[i].bundle != NULL ? t[i].bundle :
		    testca_path(ca), t[i].flags, &cause);
		assert_non_null(tc);
		assert_int_equal(tls_client_is_insecure(tc),
		    t[i].flags == TLS_CLIENT_INSECURE);
		r = handshake(tc, *t[i].srv, t[i].host, &cause);
		if (t[i].why == NULL && r != 0)
			fail_msg("case %zu: %s", i, cause);
		if (t[i].why != NULL && (r == 0 || cause == NULL ||
		    strstr(cause, t[i].why) == NULL))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i,
			    cause != NULL ? cause : "success", t[i].why);
		free(cause);
		tls_client_free(tc);
	}
}

static void
test_tls_bad_files_named_with_reason(void **state)
{
	char	*cause = NULL, path[128];
	FILE	*f;

	assert_null(tls_client_new("/nonexistent/ca.pem", 0, &cause));
	assert_non_null(strstr(cause, "/nonexistent/ca.pem"));
	assert_non_null(strstr(cause, "No such file"));
	free(cause);

	snprintf(path, sizeof path, "%s/garbage.pem", tmpdir);
	f = fopen(path, "w");
	fputs("-----BEGIN CERTIFICATE-----\nnot base64\n", f);
	fclose(f);
	assert_null(tls_client_new(path, 0, &cause));
	assert_non_null(strstr(cause, path));
	free(cause);

	assert_null(tls_server_new(path, path, &cause));
	assert_non_null(strstr(cause, "certificate"));
	free(cause);
	unlink(path);
}

static void
test_tls_server_key_must_match(void **state)
{
	const char	*crt1, *key1, *crt2, *key2;
	char		*cause = NULL;

	assert_int_equal(testca_issue(ca, "one", "DNS:one.test", -60, 3600,
	    &crt1, &key1, &cause), 0);
	assert_int_equal(testca_issue(ca, "two", "DNS:two.test", -60, 3600,
	    &crt2, &key2, &cause), 0);
	assert_null(tls_server_new(crt1, key2, &cause));
	if (strstr(cause, key2) == NULL || strstr(cause, "mismatch") == NULL)
		fail_msg("%s", cause);
	free(cause);
}

static void
test_tls_client_rebuilt_on_path_or_file_change(void **state)
{
	struct tls_client	*tc;
	char			*cause = NULL, path[128], cmd[512];
	int			 r;

	/* Trusting the other CA, our server's certificate fails... */
	tc = tls_client_new(testca_path(ca_other), 0, &cause);
	assert_non_null(tc);
	assert_int_equal(handshake(tc, srv_good, "localhost", &cause), -1);
	free(cause);
	/* ...a new path takes effect... */
	assert_int_equal(tls_client_set_ca_bundle(tc, testca_path(ca),
	    &cause), 0);
	assert_int_equal(handshake(tc, srv_good, "localhost", &cause), 0);
	/* ...a bad path leaves the working context in place... */
	assert_int_equal(tls_client_set_ca_bundle(tc, "/nonexistent.pem",
	    &cause), -1);
	free(cause);
	assert_int_equal(handshake(tc, srv_good, "localhost", &cause), 0);
	tls_client_free(tc);

	/* ...and the same path is read again once the file changed. */
	snprintf(path, sizeof path, "%s/bundle.pem", tmpdir);
	snprintf(cmd, sizeof cmd, "cp %s %s", testca_path(ca_other), path);
	assert_int_equal(system(cmd), 0);
	tc = tls_client_new(path, 0, &cause);
	assert_int_equal(handshake(tc, srv_good, "localhost", &cause), -1);
	free(cause);
	assert_int_equal(tls_client_set_ca_bundle(tc, path, &cause), 0);
	assert_int_equal(handshake(tc, srv_good, "localhost", &cause), -1);
	free(cause);
	snprintf(cmd, sizeof cmd, "cat %s %s > %s.new && mv %s.new %s",
	    testca_path(ca_other), testca_path(ca), path, path, path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(tls_client_set_ca_bundle(tc, path, &cause), 0);
	r = handshake(tc, srv_good, "localhost", &cause);
	if (r != 0)
		fail_msg("%s", cause);
	tls_client_free(tc);
	unlink(path);
}

static void
test_tls_system_store_loads(void **state)
{
	struct tls_client	*tc;
	char			*cause = NULL;

	/* No bundle: the system store, which does not know our test CA. */
	tc = tls_client_new(NULL, 0, &cause);
	assert_non_null(tc);
	assert_int_equal(handshake(tc, srv_good, "localhost", &cause), -1);
	assert_non_null(strstr(cause, "certificate verify failed"));
	free(cause);
	tls_client_free(tc);
}

static int
group_setup(void **state)
{
	char	*cause = NULL;

	log_init("test_tls", LOG_LEVEL_WARN);
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	if ((ca = testca_new(tmpdir, "ca", &cause)) == NULL ||
	    (ca_other = testca_new(tmpdir, "other-ca", &cause)) == NULL ||
	    (srv_good = testca_tls_server(ca, "good", "DNS:localhost,"
	    "DNS:*.wild.test,IP:127.0.0.1,IP:::1", -60, 3600, &cause)) ==
	    NULL ||
	    (srv_expired = testca_tls_server(ca, "expired", "DNS:localhost",
	    -7200, -3600, &cause)) == NULL ||
	    (srv_other_ca = testca_tls_server(ca_other, "stranger",
	    "DNS:localhost", -60, 3600, &cause)) == NULL) {
		fprintf(stderr, "setup: %s\n", cause);
		free(cause);
		return (-1);
	}
	return (0);
}

static int
group_teardown(void **state)
{
	tls_server_free(srv_good);
	tls_server_free(srv_expired);
	tls_server_free(srv_other_ca);
	testca_free(ca);
	testca_free(ca_other);
	rmdir(tmpdir);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_verify_table),
		cmocka_unit_test(test_tls_bad_files_named_with_reason),
		cmocka_unit_test(test_tls_server_key_must_match),
		cmocka_unit_test(
		    test_tls_client_rebuilt_on_path_or_file_change),
		cmocka_unit_test(test_tls_system_store_loads),
	};

	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}

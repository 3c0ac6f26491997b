/*
 * Unit tests for peeruid.c: the owner of a loopback TCP client, looked up
 * through sock_diag, over IPv4, IPv6 and a dual-stack listener's
 * v4-mapped clients, from either end; and what is not a loopback TCP
 * socket refused with errno.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "peeruid.h"

/*
 * A connected pair over loopback: *client connected to a listener on
 * listen_addr (family lfamily; v6only for AF_INET6), *server accepted.
 * Return 0, or -1 if the family is not there (no IPv6 on this machine).
 */
static int
pair(int lfamily, const char *listen_addr, int v6only, int cfamily,
    const char *connect_addr, int *client, int *server)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len;
	unsigned		 port;
	int			 l;

	if ((l = socket(lfamily, SOCK_STREAM, 0)) == -1)
		return (-1);
	memset(&ss, 0, sizeof ss);
	if (lfamily == AF_INET) {
		sin->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, listen_addr,
		    &sin->sin_addr), 1);
		len = sizeof *sin;
	} else {
		assert_int_equal(setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY,
		    &v6only, sizeof v6only), 0);
		sin6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, listen_addr,
		    &sin6->sin6_addr), 1);
		len = sizeof *sin6;
	}
	if (bind(l, (struct sockaddr *)&ss, len) == -1) {
		close(l);
		return (-1);
	}
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&ss, &len), 0);
	port = ntohs(lfamily == AF_INET ? sin->sin_port : sin6->sin6_port);

	memset(&ss, 0, sizeof ss);
	if (cfamily == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		assert_int_equal(inet_pton(AF_INET, connect_addr,
		    &sin->sin_addr), 1);
		len = sizeof *sin;
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		assert_int_equal(inet_pton(AF_INET6, connect_addr,
		    &sin6->sin6_addr), 1);
		len = sizeof *sin6;
	}
	assert_int_not_equal(*client = socket(cfamily, SOCK_STREAM, 0), -1);
	assert_int_equal(connect(*client, (struct sockaddr *)&ss, len), 0);
	assert_int_not_equal(*server = accept(l, NULL, NULL), -1);
	close(l);
	return (0);
}

static void
test_peeruid_loopback_families(void **state)
{
	static const struct {
		int		 lfamily;
		const char	*listen;
		int		 v6only;
		int		 cfamily;
		const char	*to;
	} cases[] = {
		{ AF_INET, "127.0.0.1", 0, AF_INET, "127.0.0.1" },
		{ AF_INET, "127.0.0.2", 0, AF_INET, "127.0.0.2" },
		{ AF_INET6, "::1", 1, AF_INET6, "::1" },
		/* dual-stack, on loopback only: v4 clients are v4-mapped */
		{ AF_INET6, "::ffff:127.0.0.1", 0, AF_INET, "127.0.0.1" },
		{ AF_INET6, "::ffff:127.0.0.1", 0, AF_INET6,
		    "::ffff:127.0.0.1" },
	};
	size_t	i;
	int	client, server;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (pair(cases[i].lfamily, cases[i].listen, cases[i].v6only,
		    cases[i].cfamily, cases[i].to, &client, &server) == -1) {
			print_message("case %zu: no %s here, skipped\n", i,
			    cases[i].listen);
			continue;
		}
		errno = 0;
		if (peeruid_tcp(server) != (long)geteuid())
			fail_msg("case %zu: %s", i, strerror(errno));
		/* from the other end: the accepted socket is ours too */
		if (peeruid_tcp(client) != (long)geteuid())
			fail_msg("case %zu, client: %s", i, strerror(errno));
		/* a client done sending (FIN_WAIT) is still its owner's */
		assert_int_equal(shutdown(client, SHUT_WR), 0);
		if (peeruid_tcp(server) != (long)geteuid())
			fail_msg("case %zu, after FIN: %s", i, strerror(errno));
		close(client);
		close(server);
	}
}

static void
test_peeruid_refuses_what_is_not_loopback_tcp(void **state)
{
	int	p[2], sv[2], fd;

	assert_int_equal(pipe(p), 0);
	errno = 0;
	assert_int_equal(peeruid_tcp(p[0]), -1);
	assert_int_equal(errno, ENOTSOCK);
	close(p[0]);
	close(p[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	errno = 0;
	assert_int_equal(peeruid_tcp(sv[0]), -1);
	assert_int_equal(errno, EAFNOSUPPORT);
	close(sv[0]);
	close(sv[1]);
	/* not connected */
	assert_int_not_equal(fd = socket(AF_INET, SOCK_STREAM, 0), -1);
	errno = 0;
	assert_int_equal(peeruid_tcp(fd), -1);
	assert_int_equal(errno, ENOTCONN);
	close(fd);
	assert_int_equal(peeruid_tcp(-1), -1);
	assert_int_equal(errno, EBADF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_peeruid_loopback_families),
		cmocka_unit_test(test_peeruid_refuses_what_is_not_loopback_tcp),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

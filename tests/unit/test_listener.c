/*
 * Unit tests for listener.c: allow-list matching (tables), refusing
 * outsiders and clients past max_conns with one log line each, unix
 * sockets (mode, stale and live sockets, peer credentials), IPv6, the
 * owner of a loopback TCP client for per-user forwards, and the pause
 * after EMFILE.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "gateway.h"
#include "gatewayd.h"
#include "listener.h"
#include "testloop.h"
#include "util.h"
#include "xmalloc.h"

static struct fwd_config	*fc;
static struct forward		*fw;
static char			 dir[64];

static int
setup(void **state)
{
	testloop_init();
	strlcpy(dir, testloop_dir(), sizeof dir);
	return (0);
}

static int
teardown(void **state)
{
	testloop_done();
	testloop_fwd_config_free(fc);
	fc = NULL;
	fw = NULL;
	return (0);
}

/* Add an allow rule: "1.2.3.0/24", "::1/128", "user:UID", "group:GID". */
static void
allow(struct fwd_config *c, const char *rule)
{
	struct allow_rule	*r;
	char			 host[64];
	const char		*slash;

	c->allow.rules = xreallocarray(c->allow.rules, c->allow.n + 1,
	    sizeof *c->allow.rules);
	r = &c->allow.rules[c->allow.n++];
	memset(r, 0, sizeof *r);
	if (strncmp(rule, "user:", 5) == 0) {
		r->kind = ALLOW_USER;
		r->uid = (uid_t)atoi(rule + 5);
	} else if (strncmp(rule, "group:", 6) == 0) {
		r->kind = ALLOW_GROUP;
		r->gid = (gid_t)atoi(rule + 6);
	} else {
		r->kind = ALLOW_CIDR;
		slash = strchr(rule, '/');
		snprintf(host, sizeof host, "%.*s", (int)(slash - rule), rule);
		r->prefix = (unsigned)atoi(slash + 1);
		r->family = strchr(host, ':') != NULL ? AF_INET6 : AF_INET;
		assert_int_equal(inet_pton(r->family, host, r->addr), 1);
	}
}

/* A forward on listen whose conns testloop_hold_fwd holds. */
static void
start(const char *listen)
{
	char	*cause = NULL;

	if (fc == NULL)
		fc = testloop_fwd_config("t", listen, "unused", 1);
	fw = gateway_add(fc, &cause);
	if (fw == NULL)
		fail_msg("gateway_add: %s", cause);
	fw->fwd = &testloop_hold_fwd;
}

static struct sockaddr *
sa_of(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (strchr(text, ':') != NULL) {
		sin6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &sin6->sin6_addr),
		    1);
		*len = sizeof *sin6;
	} else {
		sin->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, &sin->sin_addr), 1);
		*len = sizeof *sin;
	}
	return ((struct sockaddr *)ss);
}

static void
test_listener_allow_addr_table(void **state)
{
	static const struct {
		const char	*rules;		/* space-separated */
		const char	*peer;
		int		 allowed;
	} cases[] = {
		{ "", "203.0.113.9", 1 },
		{ "127.0.0.1/32", "127.0.0.1", 1 },
		{ "127.0.0.1/32", "127.0.0.2", 0 },
		{ "10.1.0.0/16", "10.1.255.3", 1 },
		{ "10.1.0.0/16", "10.2.0.3", 0 },
		{ "10.1.2.128/25", "10.1.2.200", 1 },
		{ "10.1.2.128/25", "10.1.2.100", 0 },
		{ "0.0.0.0/0", "198.51.100.1", 1 },
		{ "::1/128", "::1", 1 },
		{ "::1/128", "::2", 0 },
		{ "2001:db8::/32", "2001:db8:1::5", 1 },
		{ "2001:db8::/32", "2001:db9::5", 0 },
		{ "127.0.0.1/32", "::ffff:127.0.0.1", 1 },
		{ "127.0.0.1/32", "::1", 0 },
		{ "::1/128", "127.0.0.1", 0 },
		{ "10.0.0.0/8 ::1/128", "::1", 1 },
		{ "10.0.0.0/8 ::1/128", "10.9.9.9", 1 },
		{ "10.0.0.0/8 ::1/128", "11.0.0.1", 0 },
	};
	struct fwd_config	 c;
	struct sockaddr_storage	 ss;
	struct sockaddr		*sa;
	socklen_t		 len;
	char			*copy, *tok, *save;
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&c, 0, sizeof c);
		copy = xstrdup(cases[i].rules);
		for (tok = strtok_r(copy, " ", &save); tok != NULL;
		    tok = strtok_r(NULL, " ", &save))
			allow(&c, tok);
		sa = sa_of(cases[i].peer, &ss, &len);
		if (listener_allow_addr(&c.allow, sa, len) != cases[i].allowed)
			fail_msg("case %zu: %s from %s", i, cases[i].rules,
			    cases[i].peer);
		free(c.allow.rules);
		free(copy);
	}
}

static void
test_listener_allow_cred_table(void **state)
{
	static const gid_t	groups[] = { 20, 27 };
	static const struct {
		const char	*rule;
		uid_t		 uid;
		gid_t		 gid;
		int		 ngroups;
		int		 allowed;
	} cases[] = {
		{ NULL, 1000, 1000, 0, 1 },
		{ "user:1000", 1000, 1000, 0, 1 },
		{ "user:1000", 1001, 1000, 0, 0 },
		{ "group:1000", 1001, 1000, 0, 1 },
		{ "group:27", 1001, 1001, 2, 1 },	/* supplementary */
		{ "group:27", 1001, 1001, 0, 0 },
		{ "group:44", 1001, 1001, 2, 0 },
		{ "user:0", 1001, 0, 0, 0 },	/* gid 0 is not uid 0 */
	};
	struct fwd_config	c;
	size_t			i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memset(&c, 0, sizeof c);
		if (cases[i].rule != NULL)
			allow(&c, cases[i].rule);
		if (listener_allow_cred(&c.allow, cases[i].uid, cases[i].gid,
		    groups, cases[i].ngroups) != cases[i].allowed)
			fail_msg("case %zu: %s", i, cases[i].rule);
		free(c.allow.rules);
	}
}

static int
has_conns(void *arg)
{
	return (fw->nconns == *(unsigned *)arg);
}

static int
path_gone(void *arg)
{
	return (access(arg, F_OK) == -1);
}

static void
test_listener_refuses_outsider_address(void **state)
{
	char		 addr[64];
	unsigned	 one = 1;
	int		 in, out;

	snprintf(addr, sizeof addr, "127.0.0.1:%u",
	    testloop_free_port(AF_INET));
	fc = testloop_fwd_config("t", addr, "unused", 1);
	allow(fc, "127.0.0.1/32");
	start(addr);
	out = testloop_connect(addr, "127.0.0.2:0");
	assert_true(testloop_wait_eof(out, 5000) != -2);
	assert_true(testloop_log_has("forward t: refused 127.0.0.2: address "
	    "not in allow list\n"));
	assert_int_equal(fw->total_conns, 0);
	in = testloop_connect(addr, "127.0.0.1:0");
	assert_true(testloop_run_until(has_conns, &one, 5000));
	close(in);
	close(out);
}

static void
test_listener_max_conns_refuses_the_next(void **state)
{
	char		 addr[64];
	unsigned	 two = 2;
	int		 fd[3], i;

	snprintf(addr, sizeof addr, "127.0.0.1:%u",
	    testloop_free_port(AF_INET));
	fc = testloop_fwd_config("t", addr, "unused", 1);
	fc->max_conns = 2;
	start(addr);
	for (i = 0; i < 2; i++)
		fd[i] = testloop_connect(addr, NULL);
	assert_true(testloop_run_until(has_conns, &two, 5000));
	fd[2] = testloop_connect(addr, NULL);
	assert_true(testloop_wait_eof(fd[2], 5000) != -2);
	assert_true(testloop_log_has("forward t: refused 127.0.0.1: max_conns "
	    "reached\n"));
	assert_int_equal(fw->total_conns, 2);
	for (i = 0; i < 3; i++)
		close(fd[i]);
}

static void
test_listener_ipv6(void **state)
{
	char		 addr[64];
	unsigned	 one = 1;
	int		 fd;

	snprintf(addr, sizeof addr, "[::1]:%u", testloop_free_port(AF_INET6));
	start(addr);
	fd = testloop_connect(addr, NULL);
	assert_true(testloop_run_until(has_conns, &one, 5000));
	assert_non_null(strstr(TAILQ_FIRST(&fw->conns)->peer_str, "[::1]:"));
	close(fd);
}

/* A per-user forward learns who owns a loopback TCP client; others not. */
static void
test_listener_tcp_owner_per_user(void **state)
{
	static const struct {
		int		 family;
		int		 per_user;
	} cases[] = {
		{ AF_INET, 1 },
		{ AF_INET6, 1 },
		{ AF_INET, 0 },
	};
	char		 addr[64], user[64];
	unsigned	 one = 1;
	struct conn	*c;
	size_t		 i;
	int		 fd;

	util_user_name(geteuid(), user, sizeof user);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(addr, sizeof addr, cases[i].family == AF_INET ?
		    "127.0.0.1:%u" : "[::1]:%u",
		    testloop_free_port(cases[i].family));
		fc = testloop_fwd_config("t", addr, "unused", 1);
		fc->identity_per_user = cases[i].per_user;
		start(addr);
		fd = testloop_connect(addr, NULL);
		assert_true(testloop_run_until(has_conns, &one, 5000));
		c = TAILQ_FIRST(&fw->conns);
		if (cases[i].per_user) {
			assert_int_equal(c->client.uid, (long)geteuid());
			assert_string_equal(c->client.user, user);
		} else {
			assert_int_equal(c->client.uid, -1);
			assert_string_equal(c->client.user, "");
		}
		assert_int_equal(c->client.gid, -1);
		assert_int_equal(c->client.pid, -1);
		close(fd);
		gateway_remove(fw);
		testloop_run_for(20);
		testloop_fwd_config_free(fc);
		fc = NULL;
	}
}

static void
test_listener_unix_mode_and_stale_socket(void **state)
{
	char		 path[128], listen[160], *cause = NULL;
	struct stat	 sb;
	struct sockaddr_un sun;
	unsigned	 one = 1;
	int		 fd, stale;

	snprintf(path, sizeof path, "%s/s.sock", dir);
	snprintf(listen, sizeof listen, "unix:%s", path);
	/* A socket left behind by a process that is gone. */
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof sun.sun_path);
	stale = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(stale, (struct sockaddr *)&sun, sizeof sun), 0);
	close(stale);

	fc = testloop_fwd_config("t", listen, "unused", 1);
	fc->listen.mode = 0660;
	start(listen);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0660);
	fd = testloop_connect(listen, NULL);
	assert_true(testloop_run_until(has_conns, &one, 5000));
	assert_non_null(strstr(TAILQ_FIRST(&fw->conns)->peer_str,
	    "unix:uid "));
	close(fd);

	/* A live socket is not taken over. */
	assert_null(listener_new(fw, &cause));
	assert_non_null(strstr(cause, "in use by another process"));
	free(cause);
	/* Closing removes it. */
	gateway_remove(fw);
	assert_true(testloop_run_until(path_gone, path, 5000));
}

static void
test_listener_unix_refuses_what_is_not_a_socket(void **state)
{
	char	 path[128], listen[160], *cause = NULL;
	int	 fd;

	snprintf(path, sizeof path, "%s/file", dir);
	snprintf(listen, sizeof listen, "unix:%s", path);
	assert_true((fd = open(path, O_CREAT | O_WRONLY, 0600)) != -1);
	close(fd);
	fc = testloop_fwd_config("t", listen, "unused", 1);
	assert_null(gateway_add(fc, &cause));
	assert_non_null(strstr(cause, "exists and is not a socket"));
	assert_int_equal(access(path, F_OK), 0);
	free(cause);
}

static void
test_listener_unix_peer_credentials(void **state)
{
	static const struct {
		const char	*kind;
		int		 gid;		/* ours, else our uid */
		unsigned	 add;		/* 0: ours; else another */
		int		 allowed;
	} cases[] = {
		{ "user", 0, 0, 1 },
		{ "group", 1, 0, 1 },
		{ "user", 0, 4321, 0 },
	};
	char		 listen[160], rule[64];
	unsigned	 one = 1, zero = 0;
	size_t		 i;
	int		 fd;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(listen, sizeof listen, "unix:%s/c%zu.sock", dir, i);
		fc = testloop_fwd_config("t", listen, "unused", 1);
		snprintf(rule, sizeof rule, "%s:%u", cases[i].kind,
		    (cases[i].gid ? (unsigned)getegid() : (unsigned)geteuid()) +
		    cases[i].add);
		allow(fc, rule);
		start(listen);
		testloop_log_reset();
		fd = testloop_connect(listen, NULL);
		if (cases[i].allowed)
			assert_true(testloop_run_until(has_conns, &one, 5000));
		else {
			assert_true(testloop_wait_eof(fd, 5000) != -2);
			assert_true(testloop_run_until(has_conns, &zero, 10));
			assert_true(testloop_log_has("user and groups not in "
			    "allow list\n"));
		}
		close(fd);
		gateway_remove(fw);
		testloop_run_for(20);
		testloop_fwd_config_free(fc);
		fc = NULL;
	}
}

static int
accepted_one(void *arg)
{
	return (fw->total_conns == 1);
}

static int
logged(void *arg)
{
	return (testloop_log_has(arg));
}

static void
test_listener_pauses_on_emfile(void **state)
{
	struct rlimit	 old, low;
	char		 addr[64];
	int		 fd, top;

	snprintf(addr, sizeof addr, "127.0.0.1:%u",
	    testloop_free_port(AF_INET));
	start(addr);
	fd = testloop_connect(addr, NULL);
	/* No descriptor left for accept. */
	top = dup(0);
	close(top);
	getrlimit(RLIMIT_NOFILE, &old);
	low = old;
	low.rlim_cur = top;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_true(testloop_run_until(logged, "accept: Too many open files; "
	    "pausing for 1s", 5000));
	assert_int_equal(fw->total_conns, 0);
	/* Paused: not polling a socket that stays readable. */
	assert_true(listener_is_paused(fw->listener));
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_true(testloop_run_until(accepted_one, NULL, 5000));
	assert_false(listener_is_paused(fw->listener));
	close(fd);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_listener_allow_addr_table),
		T(test_listener_allow_cred_table),
		T(test_listener_refuses_outsider_address),
		T(test_listener_max_conns_refuses_the_next),
		T(test_listener_ipv6),
		T(test_listener_tcp_owner_per_user),
		T(test_listener_unix_mode_and_stale_socket),
		T(test_listener_unix_refuses_what_is_not_a_socket),
		T(test_listener_unix_peer_credentials),
		T(test_listener_pauses_on_emfile),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

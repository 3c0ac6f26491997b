/*
 * Unit tests for forwarders/socks/route.c: route lines, good and bad,
 * and which route a destination takes (first match wins), to what
 * target, remote host and region.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "socks_proto.h"
#include "socks_route.h"

static void
test_socks_route_parse_good(void **state)
{
	static const struct {
		const char		*text;
		enum socks_route_kind	 kind;
		const char		*glob, *region, *via;
		unsigned		 prefix;
	} cases[] = {
		{ "i-*", SOCKS_ROUTE_INSTANCE, "i-*", NULL, NULL, 0 },
		{ "mi-*", SOCKS_ROUTE_INSTANCE, "mi-*", NULL, NULL, 0 },
		{ "i-0123456789abcdef0", SOCKS_ROUTE_INSTANCE,
		  "i-0123456789abcdef0", NULL, NULL, 0 },
		{ "i-0abc*.eu-*", SOCKS_ROUTE_INSTANCE, "i-0abc*", "eu-*",
		  NULL, 0 },
		{ "*.internal via tag:Name=bastion", SOCKS_ROUTE_HOST,
		  "*.internal", NULL, "tag:Name=bastion", 0 },
		{ "  *.rds.amazonaws.com\tvia   i-0123456789abcdef0",
		  SOCKS_ROUTE_HOST, "*.rds.amazonaws.com", NULL,
		  "i-0123456789abcdef0", 0 },
		{ "db via tag:Name=my bastion", SOCKS_ROUTE_HOST, "db",
		  NULL, "tag:Name=my bastion", 0 },
		{ "10.0.0.0/8 via i-01234567", SOCKS_ROUTE_CIDR, NULL, NULL,
		  "i-01234567", 8 },
		{ "10.1.2.3 via i-01234567", SOCKS_ROUTE_CIDR, NULL, NULL,
		  "i-01234567", 32 },
		{ "fd00::/8 via ecs:cl_task_rt", SOCKS_ROUTE_CIDR, NULL, NULL,
		  "ecs:cl_task_rt", 8 },
		{ "0.0.0.0/0 via i-01234567", SOCKS_ROUTE_CIDR, NULL, NULL,
		  "i-01234567", 0 },
	};
	struct socks_route	 r;
	char			*cause = NULL;
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		print_message("%s\n", cases[i].text);
		assert_int_equal(socks_route_parse(cases[i].text, &r, &cause),
		    0);
		assert_null(cause);
		assert_int_equal(r.kind, cases[i].kind);
		if (cases[i].glob != NULL)
			assert_string_equal(r.glob, cases[i].glob);
		if (cases[i].region != NULL)
			assert_string_equal(r.region, cases[i].region);
		else
			assert_null(r.region);
		if (cases[i].via != NULL)
			assert_string_equal(r.via, cases[i].via);
		else
			assert_null(r.via);
		if (r.kind == SOCKS_ROUTE_CIDR)
			assert_int_equal(r.cidr.prefix, cases[i].prefix);
		socks_route_clear(&r);
	}
}

static void
test_socks_route_parse_bad(void **state)
{
	static const struct {
		const char	*text;
		const char	*cause;
	} cases[] = {
		{ "*.internal", "\"*.internal\" is not an instance id pattern "
		  "(i-*, i-0abc*.eu-west-1): name the instance that reaches it "
		  "(*.internal via TARGET)" },
		{ "10.0.0.0/8", "\"10.0.0.0/8\" is not an instance id pattern "
		  "(i-*, i-0abc*.eu-west-1): name the instance that reaches it "
		  "(10.0.0.0/8 via TARGET)" },
		{ "i-*.eu_west", "\"i-*.eu_west\" is not an instance id "
		  "pattern (i-*, i-0abc*.eu-west-1): name the instance that "
		  "reaches it (i-*.eu_west via TARGET)" },
		{ "*.internal by i-01234567", "\"by i-01234567\": after the "
		  "pattern only \"via TARGET\" may follow" },
		{ "*.internal via", "via: a TARGET is needed" },
		{ "*.internal via bastion", "target: \"bastion\" is not an "
		  "instance id (i-, mi-), tag:KEY=VALUE or "
		  "ecs:CLUSTER_TASK_RUNTIME" },
		{ "*.internal via tag:Name", "target: \"tag:Name\" is not "
		  "tag:KEY=VALUE" },
		{ "*.internal via i-0123", "target: \"i-0123\" is not an "
		  "instance id (i- and 8 or 17 hex digits, mi- and 17)" },
		{ "10.0.0.0/33 via i-01234567", "\"10.0.0.0/33\": the prefix "
		  "is not 0-32" },
		{ "fd00::/x via i-01234567", "\"fd00::/x\": the prefix is not "
		  "0-128" },
		{ "10.0.0/8 via i-01234567", "\"10.0.0/8\" is not an "
		  "address/prefix" },
		{ "db;rm via i-01234567", "\"db;rm\" is neither a host "
		  "pattern (letters, digits, -_. and * ? [ ]) nor an "
		  "address/prefix" },
		{ "", "a pattern is needed (i-*, *.internal via TARGET, "
		  "10.0.0.0/8 via TARGET)" },
	};
	struct socks_route	 r;
	char			*cause;
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		assert_int_equal(socks_route_parse(cases[i].text, &r, &cause),
		    -1);
		assert_non_null(cause);
		assert_string_equal(cause, cases[i].cause);
		free(cause);
	}
}

/* A destination from text: an address when it parses as one. */
static void
dest(struct socks_dest *d, const char *host, int as_name, uint16_t port)
{
	memset(d, 0, sizeof *d);
	d->port = port;
	if (!as_name && inet_pton(AF_INET, host, d->addr) == 1)
		d->atyp = SOCKS_ATYP_IPV4;
	else if (!as_name && inet_pton(AF_INET6, host, d->addr) == 1)
		d->atyp = SOCKS_ATYP_IPV6;
	else {
		d->atyp = SOCKS_ATYP_DOMAIN;
		strlcpy(d->name, host, sizeof d->name);
	}
}

static void
test_socks_route_find(void **state)
{
	static char *lines[] = {
		"i-0123456789abcdef0.us-*",
		"i-0aaa*",
		"*.internal via tag:Name=bastion",
		"*.RDS.amazonaws.com via i-01234567",
		"10.0.0.0/8 via i-89abcdef",
		"2001:db8::/32 via mi-0123456789abcdef0",
		"i-*.eu-west-1",
	};
	static const struct {
		const char	*host;
		int		 as_name;
		enum socks_route_result result;
		size_t		 index;
		const char	*target, *remote_host, *region;
	} cases[] = {
		/* The region glob: the suffix, else the forward's. */
		{ "i-0123456789abcdef0.us-east-2", 0, SOCKS_ROUTE_MATCHED, 0,
		  "i-0123456789abcdef0", NULL, "us-east-2" },
		{ "i-0123456789abcdef0", 0, SOCKS_ROUTE_MATCHED, 0,
		  "i-0123456789abcdef0", NULL, NULL },
		{ "i-0123456789abcdef0.eu-west-1", 0, SOCKS_ROUTE_MATCHED, 6,
		  "i-0123456789abcdef0", NULL, "eu-west-1" },
		{ "i-0aaa5678", 0, SOCKS_ROUTE_MATCHED, 1, "i-0aaa5678",
		  NULL, NULL },
		{ "i-0bbb5678", 0, SOCKS_ROUTE_UNMATCHED, 0, NULL, NULL,
		  NULL },
		{ "mi-0123456789abcdef0", 0, SOCKS_ROUTE_UNMATCHED, 0, NULL,
		  NULL, NULL },
		/* Not an instance id: hosts, for host globs only. */
		{ "i-0123.internal", 0, SOCKS_ROUTE_MATCHED, 2,
		  "tag:Name=bastion", "i-0123.internal", NULL },
		{ "DB.Internal", 0, SOCKS_ROUTE_MATCHED, 2,
		  "tag:Name=bastion", "db.internal", NULL },
		{ "a.b.c.internal", 0, SOCKS_ROUTE_MATCHED, 2,
		  "tag:Name=bastion", "a.b.c.internal", NULL },
		{ "internal", 0, SOCKS_ROUTE_UNMATCHED, 0, NULL, NULL, NULL },
		{ "db.x.rds.amazonaws.com", 0, SOCKS_ROUTE_MATCHED, 3,
		  "i-01234567", "db.x.rds.amazonaws.com", NULL },
		{ "example.com", 0, SOCKS_ROUTE_UNMATCHED, 0, NULL, NULL,
		  NULL },
		/* Addresses, sent as such or as names. */
		{ "10.1.2.3", 0, SOCKS_ROUTE_MATCHED, 4, "i-89abcdef",
		  "10.1.2.3", NULL },
		{ "10.1.2.3", 1, SOCKS_ROUTE_MATCHED, 4, "i-89abcdef",
		  "10.1.2.3", NULL },
		{ "11.1.2.3", 0, SOCKS_ROUTE_UNMATCHED, 0, NULL, NULL, NULL },
		{ "2001:db8:0::5", 1, SOCKS_ROUTE_MATCHED, 5,
		  "mi-0123456789abcdef0", "2001:db8::5", NULL },
		{ "2001:db9::5", 0, SOCKS_ROUTE_UNMATCHED, 0, NULL, NULL,
		  NULL },
		{ "::ffff:10.1.2.3", 0, SOCKS_ROUTE_MATCHED, 4, "i-89abcdef",
		  "10.1.2.3", NULL },
		/* Names no host has. */
		{ "db;rm.internal", 0, SOCKS_ROUTE_BAD_NAME, 0, NULL, NULL,
		  NULL },
		{ "a..internal", 0, SOCKS_ROUTE_BAD_NAME, 0, NULL, NULL,
		  NULL },
		{ "-x.internal", 0, SOCKS_ROUTE_BAD_NAME, 0, NULL, NULL,
		  NULL },
		{ "x y.internal", 0, SOCKS_ROUTE_BAD_NAME, 0, NULL, NULL,
		  NULL },
	};
	struct socks_routes	 rs;
	struct socks_match	 m;
	struct socks_dest	 d;
	char			*cause = NULL;
	size_t			 i;

	assert_int_equal(socks_routes_parse(lines, sizeof lines /
	    sizeof lines[0], &rs, &cause), 0);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		print_message("%s\n", cases[i].host);
		dest(&d, cases[i].host, cases[i].as_name, 443);
		assert_int_equal(socks_route_find(&rs, &d, "us-east-1", &m),
		    cases[i].result);
		if (cases[i].result != SOCKS_ROUTE_MATCHED)
			continue;
		assert_int_equal(m.index, cases[i].index);
		assert_int_equal(m.port, 443);
		assert_string_equal(m.target, cases[i].target);
		if (cases[i].remote_host != NULL)
			assert_string_equal(m.remote_host,
			    cases[i].remote_host);
		else
			assert_null(m.remote_host);
		if (cases[i].region != NULL)
			assert_string_equal(m.region, cases[i].region);
		else
			assert_null(m.region);
	}
	/* With no region of the forward's, a region glob needs a suffix. */
	dest(&d, "i-0123456789abcdef0", 0, 22);
	assert_int_equal(socks_route_find(&rs, &d, NULL, &m),
	    SOCKS_ROUTE_UNMATCHED);
	socks_routes_free(&rs);
}

/* Longest names: 253 bytes is a host, 254 and 255 are not. */
static void
test_socks_route_long_names(void **state)
{
	static char		*lines[] = { "* via i-01234567" };
	struct socks_routes	 rs;
	struct socks_match	 m;
	struct socks_dest	 d;
	char			*cause = NULL;
	size_t			 len;

	assert_int_equal(socks_routes_parse(lines, 1, &rs, &cause), 0);
	for (len = 253; len <= 255; len++) {
		dest(&d, "", 1, 80);
		memset(d.name, 'a', len);
		d.name[len] = '\0';
		/* Labels of 63. */
		d.name[63] = d.name[127] = d.name[191] = '.';
		assert_int_equal(socks_route_find(&rs, &d, NULL, &m),
		    len == 253 ? SOCKS_ROUTE_MATCHED : SOCKS_ROUTE_BAD_NAME);
	}
	dest(&d, "", 1, 80);
	memset(d.name, 'a', 64);
	assert_int_equal(socks_route_find(&rs, &d, NULL, &m),
	    SOCKS_ROUTE_BAD_NAME);
	socks_routes_free(&rs);
}

/* A bad line among good ones names itself; nothing is kept. */
static void
test_socks_route_list_error(void **state)
{
	static char		*lines[] = { "i-*", "*.internal", "mi-*" };
	struct socks_routes	 rs;
	char			*cause = NULL;

	assert_int_equal(socks_routes_parse(lines, 3, &rs, &cause), -1);
	assert_non_null(cause);
	assert_int_equal(strncmp(cause, "route *.internal: ", 18), 0);
	assert_int_equal(rs.n, 0);
	assert_null(rs.v);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socks_route_parse_good),
		cmocka_unit_test(test_socks_route_parse_bad),
		cmocka_unit_test(test_socks_route_find),
		cmocka_unit_test(test_socks_route_long_names),
		cmocka_unit_test(test_socks_route_list_error),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

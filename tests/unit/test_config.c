/*
 * Unit tests for config/: the value parsers (durations, sizes, booleans,
 * modes, listen addresses, CIDRs, allow lists), suggestions, -L specs,
 * loading and its errors, printing, config_fwd_equal and the example file.
 * The end-to-end cases (file in, gatewayd -n out) live in tests/conf/.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "xmalloc.h"
#include "config_int.h"
#include "gateway.h"

/* A forward with every required key; tests append lines to it. */
#define FWD_DB	"[forward \"db\"]\nlisten = 127.0.0.1:15432\n" \
		"target = i-0123456789abcdef0\nremote_port = 5432\n"

static struct gw_config *
load(const char *text, struct config_errors *errs)
{
	return (config_load_buffer("t.conf", text, strlen(text), errs));
}

/* Load text and expect exactly the errors in want (NULL-terminated). */
static void
load_fails(const char *text, const char *const *want)
{
	struct config_errors	 errs = { NULL, 0 };
	size_t			 i;

	assert_null(load(text, &errs));
	for (i = 0; want[i] != NULL && i < errs.n; i++)
		assert_string_equal(errs.v[i], want[i]);
	assert_null(want[i]);
	assert_int_equal(i, errs.n);
	config_errors_clear(&errs);
}

/* Print conf to a string. */
static char *
print(const struct gw_config *conf)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	assert_non_null(f = open_memstream(&buf, &len));
	config_print(f, conf);
	fclose(f);
	return (buf);
}

static void
test_config_duration_parses(void **state)
{
	static const struct {
		const char	*in;
		uint64_t	 ms;
		const char	*canon;
	} ok[] = {
		{ "30s", 30000, "30s" }, { "5m", 300000, "5m" },
		{ "1500ms", 1500, "1500ms" }, { "2h", 7200000, "2h" },
		{ "10", 10000, "10s" }, { "0", 0, "0s" }, { "0ms", 0, "0s" },
		{ "120s", 120000, "2m" }, { "90s", 90000, "90s" },
		{ "1000ms", 1000, "1s" }, { "60m", 3600000, "1h" },
	};
	static const char *const bad[] = {
		"", "5 m", "1.5s", "-1s", "5x", "s", "5S", "m5", "5sec", " 5s",
	};
	uint64_t	 ms;
	char		*cause, buf[32];
	size_t		 i;

	for (i = 0; i < nitems(ok); i++) {
		assert_int_equal(config_value_duration(ok[i].in, &ms, &cause),
		    0);
		assert_int_equal(ms, ok[i].ms);
		config_value_fmt_duration(ms, buf, sizeof buf);
		assert_string_equal(buf, ok[i].canon);
	}
	for (i = 0; i < nitems(bad); i++) {
		assert_int_equal(config_value_duration(bad[i], &ms, &cause),
		    -1);
		assert_non_null(strstr(cause, "is not a duration"));
		free(cause);
	}
	/* Huge values saturate rather than wrap. */
	assert_int_equal(config_value_duration("99999999999999999999h", &ms,
	    &cause), 0);
	assert_true(ms == UINT64_MAX);
}

static void
test_config_duration_bounds_name_units(void **state)
{
	const struct config_key	*key;
	struct fwd_config	 fc;
	char			*cause;

	memset(&fc, 0, sizeof fc);
	key = config_table_find(CONFIG_FORWARD, "connect_timeout");
	assert_non_null(key);
	assert_int_equal(config_value_set(key, &fc, "50ms", &cause), -1);
	assert_string_equal(cause, "50ms is out of range (100ms-10m)");
	free(cause);
	assert_int_equal(config_value_set(key, &fc, "11m", &cause), -1);
	free(cause);
	assert_int_equal(config_value_set(key, &fc, "99999999999999999999h",
	    &cause), -1);
	free(cause);
	assert_int_equal(config_value_set(key, &fc, "2m", &cause), 0);
	assert_int_equal(fc.connect_timeout, 120000);
}

static void
test_config_size_parses(void **state)
{
	static const struct {
		const char	*in;
		uint64_t	 bytes;
		const char	*canon;
	} ok[] = {
		{ "4M", 4 << 20, "4M" }, { "64k", 64 << 10, "64k" },
		{ "64K", 64 << 10, "64k" }, { "1G", 1 << 30, "1G" },
		{ "512", 512, "512" }, { "512B", 512, "512" },
		{ "4MiB", 4 << 20, "4M" }, { "4MB", 4 << 20, "4M" },
		{ "1024k", 1 << 20, "1M" }, { "1536", 1536, "1536" },
		{ "0", 0, "0" },
	};
	static const char *const bad[] = {
		"", "4T", "k", "4 M", "4Mb", "-4M", "4MiBs", "0x10",
	};
	uint64_t	 n;
	char		*cause, buf[32];
	size_t		 i;

	for (i = 0; i < nitems(ok); i++) {
		assert_int_equal(config_value_size(ok[i].in, &n, &cause), 0);
		assert_int_equal(n, ok[i].bytes);
		config_value_fmt_size(n, buf, sizeof buf);
		assert_string_equal(buf, ok[i].canon);
	}
	for (i = 0; i < nitems(bad); i++) {
		assert_int_equal(config_value_size(bad[i], &n, &cause), -1);
		assert_non_null(strstr(cause, "is not a size"));
		free(cause);
	}
}

static void
test_config_bool_parses(void **state)
{
	static const struct {
		const char	*in;
		int		 v;
	} ok[] = {
		{ "yes", 1 }, { "no", 0 }, { "true", 1 }, { "false", 0 },
		{ "on", 1 }, { "off", 0 }, { "1", 1 }, { "0", 0 },
		{ "YES", 1 }, { "Off", 0 },
	};
	static const char *const bad[] = { "", "y", "2", "yes please", "nein" };
	char	*cause;
	size_t	 i;
	int	 v;

	for (i = 0; i < nitems(ok); i++) {
		v = -1;
		assert_int_equal(config_value_bool(ok[i].in, &v, &cause), 0);
		assert_int_equal(v, ok[i].v);
	}
	for (i = 0; i < nitems(bad); i++) {
		assert_int_equal(config_value_bool(bad[i], &v, &cause), -1);
		free(cause);
	}
}

static void
test_config_uint_rejects_junk(void **state)
{
	static const struct {
		const char	*in;
		const char	*cause;
	} bad[] = {
		{ "70000", "70000 is out of range (1-65535)" },
		{ "0", "0 is out of range (1-65535)" },
		{ "-1", "-1 is out of range (1-65535)" },
		{ "abc", "\"abc\" is not a number" },
		{ "22x", "\"22x\" is not a number" },
		{ "+22", "\"+22\" is not a number" },
		{ "0x16", "\"0x16\" is not a number" },
		{ "", "\"\" is not a number" },
		{ "99999999999999999999999",
		  "99999999999999999999999 is out of range (1-65535)" },
	};
	uint64_t	 v;
	char		*cause;
	size_t		 i;

	for (i = 0; i < nitems(bad); i++) {
		assert_int_equal(config_value_uint(bad[i].in, 1, 65535, &v,
		    &cause), -1);
		assert_string_equal(cause, bad[i].cause);
		free(cause);
	}
	assert_int_equal(config_value_uint("065535", 1, 65535, &v, &cause), 0);
	assert_int_equal(v, 65535);
}

static void
test_config_mode_parses(void **state)
{
	mode_t	 m;
	char	*cause;

	assert_int_equal(config_value_mode("0600", &m, &cause), 0);
	assert_int_equal(m, 0600);
	assert_int_equal(config_value_mode("660", &m, &cause), 0);
	assert_int_equal(m, 0660);
	assert_int_equal(config_value_mode("0", &m, &cause), 0);
	assert_int_equal(m, 0);
	assert_int_equal(config_value_mode("0800", &m, &cause), -1);
	assert_string_equal(cause, "\"0800\" is not an octal mode (0600, "
	    "0660)");
	free(cause);
	assert_int_equal(config_value_mode("4755", &m, &cause), -1);
	assert_string_equal(cause, "4755 is out of range (0000-0777)");
	free(cause);
	assert_int_equal(config_value_mode("000000600", &m, &cause), -1);
	free(cause);
}

static void
test_config_listen_parses(void **state)
{
	static const struct {
		const char	*in;
		const char	*text;		/* canonical */
		int		 family;
		int		 loopback;
	} ok[] = {
		{ "127.0.0.1:15432", "127.0.0.1:15432", AF_INET, 1 },
		{ "localhost:80", "127.0.0.1:80", AF_INET, 1 },
		{ "127.1.2.3:80", "127.1.2.3:80", AF_INET, 1 },
		{ "0.0.0.0:80", "0.0.0.0:80", AF_INET, 0 },
		{ "10.0.0.1:80", "10.0.0.1:80", AF_INET, 0 },
		{ "[::1]:80", "[::1]:80", AF_INET6, 1 },
		{ "[0:0::1]:80", "[::1]:80", AF_INET6, 1 },
		{ "[::]:80", "[::]:80", AF_INET6, 0 },
		{ "[FD00::1]:443", "[fd00::1]:443", AF_INET6, 0 },
		{ "unix:/run/db.sock", "unix:/run/db.sock", AF_UNSPEC, 1 },
	};
	static const struct {
		const char	*in;
		const char	*cause;
	} bad[] = {
		{ "::1:80", "\"::1:80\": an IPv6 address goes in brackets "
		  "([v6addr]:port)" },
		{ "[::1]80", "\"[::1]80\" is not [v6addr]:port" },
		{ "[::1:80", "\"[::1:80\" is not [v6addr]:port" },
		{ "[127.0.0.1]:80", "\"127.0.0.1\" is not an IPv6 address" },
		{ "[::ffff:127.0.0.1]:80", "[::ffff:127.0.0.1] is an "
		  "IPv4-mapped address; write the IPv4 address" },
		{ "db.local:80", "\"db.local\" is not a numeric address or "
		  "localhost" },
		{ ":80", "\"\" is not a numeric address or localhost" },
		{ "15432", "\"15432\" has no port (host:port, [v6addr]:port "
		  "or unix:/path)" },
		{ "127.0.0.1:0", "port 0 is out of range (1-65535)" },
		{ "127.0.0.1:70000", "port 70000 is out of range (1-65535)" },
		{ "127.0.0.1:", "port \"\" is not a number" },
		{ "127.0.0.1:http", "port \"http\" is not a number" },
		{ "1.2.3:80", "\"1.2.3\" is not a numeric address or "
		  "localhost" },
		{ "unix:run/db.sock", "\"run/db.sock\" is not an absolute "
		  "path" },
		{ "unix:", "\"\" is not an absolute path" },
	};
	struct listen_spec	 ls;
	char			*cause;
	size_t			 i;

	for (i = 0; i < nitems(ok); i++) {
		assert_int_equal(config_addr_listen(ok[i].in, &ls, &cause), 0);
		assert_string_equal(ls.text, ok[i].text);
		assert_int_equal(ls.ss.ss_family, ok[i].family);
		assert_int_equal(config_addr_is_loopback(&ls),
		    ok[i].loopback);
		assert_int_equal(ls.kind, ok[i].family == AF_UNSPEC ?
		    LISTEN_UNIX : LISTEN_TCP);
		free(ls.text);
		free(ls.path);
	}
	for (i = 0; i < nitems(bad); i++) {
		assert_int_equal(config_addr_listen(bad[i].in, &ls, &cause),
		    -1);
		assert_string_equal(cause, bad[i].cause);
		free(cause);
	}
}

static void
test_config_listen_unix_path_bounded(void **state)
{
	struct listen_spec	 ls;
	char			 in[256], *cause;

	snprintf(in, sizeof in, "unix:/%0*d", 106, 0);	/* 107 bytes */
	assert_int_equal(config_addr_listen(in, &ls, &cause), 0);
	assert_string_equal(ls.path, in + 5);
	free(ls.text);
	free(ls.path);
	snprintf(in, sizeof in, "unix:/%0*d", 107, 0);	/* 108 bytes */
	assert_int_equal(config_addr_listen(in, &ls, &cause), -1);
	assert_non_null(strstr(cause, "longer than a socket path may be "
	    "(107 bytes)"));
	free(cause);
}

static void
test_config_listen_overlaps(void **state)
{
	static const struct {
		const char	*a, *b;
		int		 overlaps;
	} cases[] = {
		{ "127.0.0.1:80", "127.0.0.1:80", 1 },
		{ "0.0.0.0:80", "127.0.0.1:80", 1 },
		{ "127.0.0.1:80", "0.0.0.0:80", 1 },
		{ "127.0.0.1:80", "127.0.0.2:80", 0 },
		{ "127.0.0.1:80", "127.0.0.1:81", 0 },
		{ "[::]:80", "[::1]:80", 1 },
		{ "[::1]:80", "[::1]:80", 1 },
		{ "[::]:80", "0.0.0.0:80", 0 },
		{ "[::1]:80", "127.0.0.1:80", 0 },
		{ "unix:/a", "unix:/a", 1 },
		{ "unix:/a", "unix:/b", 0 },
		{ "unix:/a", "127.0.0.1:80", 0 },
	};
	struct listen_spec	 a, b;
	char			*cause;
	size_t			 i;

	for (i = 0; i < nitems(cases); i++) {
		assert_int_equal(config_addr_listen(cases[i].a, &a, &cause),
		    0);
		assert_int_equal(config_addr_listen(cases[i].b, &b, &cause),
		    0);
		assert_int_equal(config_addr_overlaps(&a, &b),
		    cases[i].overlaps);
		free(a.text);
		free(a.path);
		free(b.text);
		free(b.path);
	}
}

static void
test_config_cidr_parses(void **state)
{
	static const struct {
		const char	*in;
		int		 family;
		unsigned	 prefix;
	} ok[] = {
		{ "10.0.0.0/8", AF_INET, 8 }, { "192.0.2.1", AF_INET, 32 },
		{ "0.0.0.0/0", AF_INET, 0 }, { "2001:db8::/32", AF_INET6, 32 },
		{ "::1", AF_INET6, 128 },
	};
	static const struct {
		const char	*in;
		const char	*cause;
	} bad[] = {
		{ "10.1.2.3/8", "\"10.1.2.3/8\" has bits set past the prefix "
		  "(did you mean 10.0.0.0/8?)" },
		{ "2001:db8::1/32", "\"2001:db8::1/32\" has bits set past the "
		  "prefix (did you mean 2001:db8::/32?)" },
		{ "10.0.0.0/33", "\"10.0.0.0/33\" is not an address or CIDR" },
		{ "10.0.0.0/", "\"10.0.0.0/\" is not an address or CIDR" },
		{ "10.0.0.0/8x", "\"10.0.0.0/8x\" is not an address or CIDR" },
		{ "example.com", "\"example.com\" is not an address or CIDR" },
		{ "::1/129", "\"::1/129\" is not an address or CIDR" },
	};
	struct allow_rule	 r;
	char			*cause;
	size_t			 i;

	for (i = 0; i < nitems(ok); i++) {
		assert_int_equal(config_addr_cidr(ok[i].in, &r, &cause), 0);
		assert_int_equal(r.kind, ALLOW_CIDR);
		assert_int_equal(r.family, ok[i].family);
		assert_int_equal(r.prefix, ok[i].prefix);
	}
	for (i = 0; i < nitems(bad); i++) {
		assert_int_equal(config_addr_cidr(bad[i].in, &r, &cause), -1);
		assert_string_equal(cause, bad[i].cause);
		free(cause);
	}
}

static void
test_config_allow_parses(void **state)
{
	static const struct {
		const char	*in;
		const char	*text;
		size_t		 n;
	} ok[] = {
		{ "127.0.0.1", "127.0.0.1", 1 },
		{ "10.0.0.0/8, 192.0.2.7  ::1", "10.0.0.0/8, 192.0.2.7, ::1",
		  3 },
		{ "user:root,group:root uid:1000, gid:50",
		  "user:root, group:root, uid:1000, gid:50", 4 },
		{ " , 2001:DB8::/32 ,", "2001:db8::/32", 1 },
	};
	static const struct {
		const char	*in;
		const char	*cause;
	} bad[] = {
		{ "user:no-such-user-here", "user:no-such-user-here: no such "
		  "user \"no-such-user-here\"" },
		{ "group:no-such-group-here", "group:no-such-group-here: no "
		  "such group \"no-such-group-here\"" },
		{ "uid:bob", "uid:bob: \"bob\" is not a number" },
		{ "gid:-1", "gid:-1: -1 is out of range (0-4294967294)" },
		{ ",, ,", "\",, ,\" has no entries" },
		{ "10.0.0.0/8 nonsense", "\"nonsense\" is not an address or "
		  "CIDR" },
	};
	struct allow_list	 al;
	char			*cause;
	size_t			 i;

	for (i = 0; i < nitems(ok); i++) {
		memset(&al, 0, sizeof al);
		assert_int_equal(config_addr_allow(ok[i].in, &al, &cause), 0);
		assert_string_equal(al.text, ok[i].text);
		assert_int_equal(al.n, ok[i].n);
		config_addr_allow_free(&al);
	}
	memset(&al, 0, sizeof al);
	assert_int_equal(config_addr_allow("user:root uid:7", &al, &cause), 0);
	assert_int_equal(al.rules[0].kind, ALLOW_USER);
	assert_int_equal(al.rules[0].uid, 0);
	assert_int_equal(al.rules[1].uid, 7);
	/* A second allow line adds to the first. */
	assert_int_equal(config_addr_allow("gid:9", &al, &cause), 0);
	assert_int_equal(al.n, 3);
	assert_int_equal(al.rules[2].kind, ALLOW_GROUP);
	assert_int_equal(al.rules[2].gid, 9);
	assert_string_equal(al.text, "user:root, uid:7, gid:9");
	config_addr_allow_free(&al);
	for (i = 0; i < nitems(bad); i++) {
		memset(&al, 0, sizeof al);
		assert_int_equal(config_addr_allow(bad[i].in, &al, &cause),
		    -1);
		assert_string_equal(cause, bad[i].cause);
		free(cause);
		config_addr_allow_free(&al);
	}
}

static void
test_config_distance_suggests_close_keys(void **state)
{
	static const char *const keys[] = {
		"listen", "target", "remote_port", "remote_host", "region",
		NULL
	};
	static const struct {
		const char	*a, *b;
		unsigned	 d;
	} dist[] = {
		{ "", "", 0 }, { "abc", "abc", 0 }, { "", "abc", 3 },
		{ "remote_prot", "remote_port", 1 }, { "listn", "listen", 1 },
		{ "kitten", "sitting", 3 }, { "ca", "abc", 3 },
		{ "Listen", "listen", 1 }, { "tagret", "target", 1 },
	};
	static const struct {
		const char	*word;
		const char	*best;
	} suggest[] = {
		{ "remote_prot", "remote_port" }, { "listn", "listen" },
		{ "remote_hots", "remote_host" }, { "regoin", "region" },
		{ "tagret", "target" }, { "lisen", "listen" },
		{ "xyz", NULL }, { "port", NULL }, { "remote", NULL },
	};
	size_t	i;

	for (i = 0; i < nitems(dist); i++) {
		assert_int_equal(config_value_distance(dist[i].a, dist[i].b),
		    dist[i].d);
		assert_int_equal(config_value_distance(dist[i].b, dist[i].a),
		    dist[i].d);
	}
	for (i = 0; i < nitems(suggest); i++) {
		if (suggest[i].best == NULL)
			assert_null(config_value_suggest(suggest[i].word,
			    keys));
		else
			assert_string_equal(config_value_suggest(
			    suggest[i].word, keys), suggest[i].best);
	}
}

#define TEXT(s)	s, sizeof s - 1

static void
test_config_check_text_finds_binary(void **state)
{
	static const struct {
		const char	*buf;
		size_t		 len;
	} ok[] = {
		{ TEXT("a\nb\n") },
		{ TEXT("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n") },
		{ TEXT("a\r\nb\r\n") },
		{ TEXT("a\tb\n") },
	};
	static const struct {
		const char	*buf;
		size_t		 len;
		unsigned	 line;
		const char	*cause;
	} bad[] = {
		{ TEXT("a\nb\0c\n"), 2, "not a text file (NUL byte)" },
		{ TEXT("a\n\n\xc3\x28\n"), 3, "not a text file (invalid "
		  "UTF-8)" },
		{ TEXT("\xc0\xaf"), 1, "not a text file (invalid UTF-8)" },
		{ TEXT("\xed\xa0\x80"), 1, "not a text file (invalid UTF-8)" },
		{ TEXT("\xf4\x90\x80\x80"), 1, "not a text file (invalid "
		  "UTF-8)" },
		{ TEXT("\xe2\x82"), 1, "not a text file (invalid UTF-8)" },
		{ TEXT("a\x1b[0m\n"), 1, "not a text file (control character "
		  "0x1b)" },
		{ TEXT("a\rb\n"), 1, "not a text file (control character "
		  "0x0d)" },
	};
	unsigned	 line;
	char		*cause;
	size_t		 i;

	for (i = 0; i < nitems(ok); i++)
		assert_int_equal(config_value_check_text(ok[i].buf, ok[i].len,
		    &line, &cause), 0);
	for (i = 0; i < nitems(bad); i++) {
		assert_int_equal(config_value_check_text(bad[i].buf,
		    bad[i].len, &line, &cause), -1);
		assert_int_equal(line, bad[i].line);
		assert_string_equal(cause, bad[i].cause);
		free(cause);
	}
}

static void
test_config_spec_splits_fields(void **state)
{
	static const struct {
		const char	*in;
		const char	*listen, *target, *host, *port;
	} ok[] = {
		{ "15432:i-0abc12345:5432", "127.0.0.1:15432", "i-0abc12345",
		  NULL, "5432" },
		{ "15432:tag:Name=bastion:db.internal:5432", "127.0.0.1:15432",
		  "tag:Name=bastion", "db.internal", "5432" },
		{ "15432:tag:Name=bastion:5432", "127.0.0.1:15432",
		  "tag:Name=bastion", NULL, "5432" },
		{ "127.0.0.1:8080:example.internal:80", "127.0.0.1:8080",
		  "example.internal", NULL, "80" },
		{ "[::1]:8080:[fd00::2]:80", "[::1]:8080", "fd00::2", NULL,
		  "80" },
		{ "localhost:1:h:2", "localhost:1", "h", NULL, "2" },
		{ "1:ecs:cluster/svc:db:5432", "127.0.0.1:1", "ecs:cluster/svc",
		  "db", "5432" },
		{ "1:mi-0123456789abcdef0:[fd00::1]:22", "127.0.0.1:1",
		  "mi-0123456789abcdef0", "fd00::1", "22" },
	};
	static const struct {
		const char	*in;
		const char	*cause;
	} bad[] = {
		{ "15432:db.internal:5432:x", "a remote host (5432) needs an "
		  "AWS target (i-..., mi-..., tag:..., ecs:...)" },
		{ "15432:5432", "too few fields "
		  "([bind:]port:target:remote_port)" },
		{ "a:b:c", "too few fields ([bind:]port:target:remote_port)" },
		{ "1:2:3:4:5:6:7", "too many fields "
		  "([bind:]port:target:remote_port)" },
		{ "1:i-0abc12345:a:b:2", "too many fields "
		  "([bind:]port:target:remote_port)" },
		{ "1:tag:2", "tag: needs a value (tag:...)" },
		{ "1::2", "empty field" },
		{ "", "empty field" },
		{ "1:h:", "empty field" },
		{ "[::1:1:h:2", "'[' without ']'" },
		{ "[::1]x:1:h:2", "']' not followed by ':'" },
	};
	struct config_spec	 cs;
	char			*cause;
	size_t			 i;

	for (i = 0; i < nitems(ok); i++) {
		assert_int_equal(config_spec_parse(ok[i].in, &cs, &cause), 0);
		assert_string_equal(cs.listen, ok[i].listen);
		assert_string_equal(cs.target, ok[i].target);
		if (ok[i].host == NULL)
			assert_null(cs.remote_host);
		else
			assert_string_equal(cs.remote_host, ok[i].host);
		assert_string_equal(cs.remote_port, ok[i].port);
		config_spec_free(&cs);
	}
	for (i = 0; i < nitems(bad); i++) {
		assert_int_equal(config_spec_parse(bad[i].in, &cs, &cause), -1);
		assert_string_equal(cause, bad[i].cause);
		free(cause);
	}
}

static void
test_config_from_specs_builds_forwards(void **state)
{
	char			*specs[] = {
		"15432:tag:Name=bastion:db.internal:5432",
		"[::1]:8080:example.internal:80",
	};
	struct gw_config	*conf;
	struct fwd_config	*fc;
	char			*cause;

	conf = config_from_specs(specs, 2, &cause);
	assert_non_null(conf);
	assert_int_equal(conf->nforwards, 2);
	assert_string_equal(conf->control, CONFIG_DEFAULT_CONTROL);
	fc = TAILQ_FIRST(&conf->forwards);
	assert_string_equal(fc->name, "L1");
	assert_string_equal(fc->listen.text, "127.0.0.1:15432");
	assert_string_equal(fc->forwarder, "ssm");
	assert_string_equal(fc->target, "tag:Name=bastion");
	assert_string_equal(fc->remote_host, "db.internal");
	assert_int_equal(fc->remote_port, 5432);
	assert_int_equal(fc->connect_timeout, 10000);
	fc = TAILQ_NEXT(fc, entry);
	assert_string_equal(fc->name, "L2");
	assert_string_equal(fc->listen.text, "[::1]:8080");
	assert_string_equal(fc->forwarder, "tcp");
	assert_null(fc->remote_host);
	config_free(conf);
}

static void
test_config_from_specs_reports_every_bad_spec(void **state)
{
	static const struct {
		char		*specs[3];
		int		 n;
		const char	*cause;
	} cases[] = {
		{ { "0.0.0.0:80:h:80" }, 1, "-L 0.0.0.0:80:h:80: listen: "
		  "0.0.0.0:80 is not a loopback address; -L listens on "
		  "loopback only" },
		{ { "70000:h:80" }, 1, "-L 70000:h:80: listen: port 70000 is "
		  "out of range (1-65535)" },
		{ { "80:h:0" }, 1, "-L 80:h:0: remote_port: 0 is out of range "
		  "(1-65535)" },
		{ { "db:80:h:80" }, 1, "-L db:80:h:80: listen: \"db\" is not a "
		  "numeric address or localhost" },
		{ { "80:a:1", "80:b:2" }, 2, "-L 80:b:2: listen: 127.0.0.1:80 "
		  "is already used by forward \"L1\"" },
		{ { "1:x", "80:h:99999" }, 2, "-L 1:x: too few fields "
		  "([bind:]port:target:remote_port); -L 80:h:99999: "
		  "remote_port: 99999 is out of range (1-65535)" },
		{ { NULL }, 0, "no -L spec ([bind:]port:target:remote_port)" },
	};
	char	*cause;
	size_t	 i;

	for (i = 0; i < nitems(cases); i++) {
		assert_null(config_from_specs((char **)cases[i].specs,
		    cases[i].n, &cause));
		assert_string_equal(cause, cases[i].cause);
		free(cause);
	}
}

static void
test_config_load_fills_defaults_and_inherits(void **state)
{
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*conf;
	struct fwd_config	*fc;

	conf = load("[gateway]\nregion = eu-west-1\nprofile = ops\n"
	    FWD_DB "profile = dev\n"
	    "[forward \"web\"]\nlisten = unix:/run/web.sock\n"
	    "target = web.internal\nremote_port = 80\n", &errs);
	assert_non_null(conf);
	assert_int_equal(errs.n, 0);
	assert_string_equal(conf->control, CONFIG_DEFAULT_CONTROL);
	assert_int_equal(conf->control_mode, 0600);
	assert_int_equal(conf->drain_timeout, 30000);
	assert_int_equal(conf->log_level, LOG_LEVEL_INFO);
	assert_int_equal(conf->log_target, LOG_TARGET_STDERR);
	assert_int_equal(conf->log_json, 0);
	assert_null(conf->endpoint_url);
	assert_int_equal(conf->nforwards, 2);
	fc = TAILQ_FIRST(&conf->forwards);
	assert_string_equal(fc->forwarder, "ssm");
	assert_string_equal(fc->region, "eu-west-1");
	assert_string_equal(fc->profile, "dev");
	assert_int_equal(fc->max_conns, 1024);
	assert_int_equal(fc->connect_timeout, 10000);
	assert_int_equal(fc->listen.owner, (uid_t)-1);
	assert_int_equal(fc->listen.group, (gid_t)-1);
	assert_int_equal(fc->line, 4);
	fc = TAILQ_NEXT(fc, entry);
	assert_string_equal(fc->forwarder, "tcp");
	assert_int_equal(fc->listen.kind, LISTEN_UNIX);
	assert_string_equal(fc->listen.path, "/run/web.sock");
	assert_int_equal(fc->listen.mode, 0600);
	assert_string_equal(fc->profile, "ops");
	config_free(conf);
}

static void
test_config_load_collects_every_error(void **state)
{
	static const char *const want[] = {
		"t.conf:1: log_level: key outside any section ([gateway] or "
		"[forward \"NAME\"])",
		"t.conf:3: drain_timeout: \"soon\" is not a duration (30s, 5m, "
		"1500ms, 2h)",
		"t.conf:8: forward \"db\": unknown key \"remote_prot\" "
		"(did you mean \"remote_port\"?)",
		"t.conf:9: forward \"db\": remote_port: 70000 is out of range "
		"(1-65535)",
		"t.conf:10: \"junk\" is not key = value",
		"t.conf:11: forward \"db\": remote_port: duplicate key (first "
		"set on line 9)",
		"t.conf:12: unknown section \"gatway\" (did you mean "
		"\"gateway\"?)",
		NULL
	};

	load_fails("log_level = debug\n[gateway]\ndrain_timeout = soon\n"
	    "[forward \"db\"]\nlisten = 127.0.0.1:1\ntarget = h\n"
	    "; remote_port = 22\n"
	    "remote_prot = 22\nremote_port = 70000\njunk\nremote_port = 1\n"
	    "[gatway]\nlog_level = debug\n", want);
}

static void
test_config_load_checks_across_keys(void **state)
{
	static const char *const want[] = {
		"t.conf:2: forward \"a\": listen: 10.0.0.1:80 is not a "
		"loopback address; say who may connect with allow",
		"t.conf:5: forward \"a\": socket_mode: only for unix: "
		"listeners",
		"t.conf:6: forward \"b\": target: missing (required)",
		"t.conf:8: forward \"b\": allow: a unix: listener allows "
		"user:, group:, uid: or gid:, not addresses",
		"t.conf:14: forward \"a\": forward name already used on line 1",
		"t.conf:15: forward \"d\": target: missing (required)",
		"t.conf:15: forward \"d\": remote_port: missing (required)",
		"t.conf:16: forward \"d\": listen: 0.0.0.0:80 is not a "
		"loopback address; say who may connect with allow",
		"t.conf:16: forward \"d\": listen: 0.0.0.0:80 overlaps "
		"10.0.0.1:80 of forward \"a\" (line 2)",
		"t.conf:18: forward \"e\": listen: unix:/s is already used by "
		"forward \"b\" (line 7)",
		"t.conf:21: forward \"d\": forward name already used on "
		"line 15",
		NULL
	};

	load_fails("[forward \"a\"]\nlisten = 10.0.0.1:80\ntarget = h\n"
	    "remote_port = 1\nsocket_mode = 0600\n"
	    "[forward \"b\"]\nlisten = unix:/s\nallow = 10.0.0.0/8\n"
	    "remote_port = 1\n"
	    "[forward \"c\"]\nlisten = 127.0.0.1:80\ntarget = h\n"
	    "remote_port = 1\n"
	    "[forward \"a\"]\n"
	    "[forward \"d\"]\nlisten = 0.0.0.0:80\n"
	    "[forward \"e\"]\nlisten = unix:/s\ntarget = h\nremote_port = 1\n"
	    "[forward \"d\"]\n", want);
}

static void
test_config_load_reads_lines_as_inih_cannot(void **state)
{
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*conf;
	struct fwd_config	*fc;
	char			*text, long_value[300];
	static const char *const want[] = {
		"t.conf:5: line is longer than 199 characters",
		"t.conf:6: forward \"db\": remote_host: \"a has no closing "
		"quote (a ';' after a blank starts a comment)",
		NULL
	};

	/*
	 * Indented keys are keys, not continuations; ';' inside a value
	 * stays, after a blank it starts a comment; quotes come off; CRLF
	 * and a byte order mark are fine.
	 */
	conf = load("\xef\xbb\xbf[forward \"db\"]\r\n  listen = 127.0.0.1:1\r\n"
	    "\ttarget = tag:a;b ; the tag\r\n  remote_port: 22\r\n"
	    "remote_host = \"db.internal\"\r\n", &errs);
	assert_non_null(conf);
	fc = TAILQ_FIRST(&conf->forwards);
	assert_string_equal(fc->target, "tag:a;b");
	assert_int_equal(fc->remote_port, 22);
	assert_string_equal(fc->remote_host, "db.internal");
	config_free(conf);

	/* A long line is one error, not a value cut in two. */
	memset(long_value, 'x', sizeof long_value - 1);
	long_value[sizeof long_value - 1] = '\0';
	xasprintf(&text, FWD_DB "remote_host = %s\nremote_host = \"a ;b\"\n",
	    long_value);
	load_fails(text, want);
	free(text);
}

/*
 * A key is one word, and string values stay short enough that what
 * config_print writes for them fits a line inih can read.
 */
static void
test_config_load_bounds_keys_and_values(void **state)
{
	char			 value[182], *text, *out;
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*conf;
	static const char *const want[] = {
		"t.conf:5: \"listen 127.0.0.1:1\" is not key = value",
		"t.conf:6: forward \"db\": remote_host: longer than 180 "
		"characters",
		NULL
	};

	memset(value, 'h', sizeof value - 1);
	value[sizeof value - 1] = '\0';
	xasprintf(&text, FWD_DB "listen 127.0.0.1:1\nremote_host=%s\n", value);
	load_fails(text, want);
	free(text);

	/* 180 characters load, and print to a line that loads again. */
	value[180] = '\0';
	xasprintf(&text, FWD_DB "remote_host=\"%s\"\n", value);
	assert_non_null(conf = load(text, &errs));
	out = print(conf);
	config_free(conf);
	assert_non_null(conf = load(out, &errs));
	config_free(conf);
	free(out);
	free(text);
}

static void
test_config_load_rejects_files_that_are_not_configs(void **state)
{
	static const struct {
		const char	*text;
		size_t		 len;
		const char	*error;
	} cases[] = {
		{ "", 0, "t.conf: file is empty" },
		{ "; nothing\n", 10, "t.conf: no [forward \"NAME\"] section "
		    "and no connect_allow" },
		{ "[gateway]\n", 10, "t.conf: no [forward \"NAME\"] section "
		    "and no connect_allow" },
		{ "[gateway]\n\0\n", 12, "t.conf:2: not a text file (NUL "
		  "byte)" },
		{ "\x7f" "ELF\x02\x01", 6, "t.conf:1: not a text file "
		  "(control character 0x7f)" },
		{ "[gateway]\n\xff\n", 12, "t.conf:2: not a text file "
		  "(invalid UTF-8)" },
	};
	struct config_errors	 errs = { NULL, 0 };
	size_t			 i;

	for (i = 0; i < nitems(cases); i++) {
		assert_null(config_load_buffer("t.conf", cases[i].text,
		    cases[i].len, &errs));
		assert_int_equal(errs.n, 1);
		assert_string_equal(errs.v[0], cases[i].error);
		config_errors_clear(&errs);
	}
	assert_null(config_load("/nonexistent/gatewayd.conf", &errs));
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.v[0], "/nonexistent/gatewayd.conf: cannot "
	    "open: No such file or directory");
	config_errors_clear(&errs);
	assert_null(config_load("/", &errs));
	assert_string_equal(errs.v[0], "/: cannot read: Is a directory");
	config_errors_clear(&errs);
	assert_null(config_load("/dev/null", &errs));
	assert_string_equal(errs.v[0], "/dev/null: not a regular file");
	config_errors_clear(&errs);
}

static void
test_config_load_stops_after_many_errors(void **state)
{
	struct config_errors	 errs = { NULL, 0 };
	char			*text = xstrdup(""), *tmp;
	int			 i;

	for (i = 0; i < 500; i++) {
		xasprintf(&tmp, "%sjunk%d\n", text, i);
		free(text);
		text = tmp;
	}
	assert_null(load(text, &errs));
	assert_int_equal(errs.n, CONFIG_MAX_ERRORS + 1);
	assert_string_equal(errs.v[0], "t.conf:1: \"junk0\" is not key = "
	    "value");
	assert_string_equal(errs.v[CONFIG_MAX_ERRORS], "t.conf: too many "
	    "errors, stopped after 100");
	config_errors_clear(&errs);
	free(text);
}

/* config_load reads a real file, up to its size limit. */
static void
test_config_load_reads_a_file(void **state)
{
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*conf;
	char			 path[] = "/tmp/test_config.XXXXXX";
	char			*big, *want;
	FILE			*f;
	int			 fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	fputs(FWD_DB, f);
	fclose(f);
	assert_non_null(conf = config_load(path, &errs));
	assert_string_equal(conf->file, path);
	assert_string_equal(TAILQ_FIRST(&conf->forwards)->file, path);
	config_free(conf);

	big = xmalloc(CONFIG_MAX_FILE + 1);
	memset(big, '\n', CONFIG_MAX_FILE + 1);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(big, 1, CONFIG_MAX_FILE + 1, f),
	    CONFIG_MAX_FILE + 1);
	fclose(f);
	assert_null(config_load(path, &errs));
	xasprintf(&want, "%s: file is larger than %d bytes", path,
	    CONFIG_MAX_FILE);
	assert_string_equal(errs.v[0], want);
	config_errors_clear(&errs);
	unlink(path);
	free(want);
	free(big);
}

/* Every default and example in the table is a value its key accepts. */
static void
test_config_table_defaults_parse(void **state)
{
	struct gw_config	 gw;
	struct fwd_config	 fc;
	const struct config_key	*key;
	void			*base;
	char			*cause;
	size_t			 i, j;

	for (i = 0; i < config_ntable; i++) {
		key = &config_table[i];
		memset(&gw, 0, sizeof gw);
		memset(&fc, 0, sizeof fc);
		base = key->section == CONFIG_GATEWAY ? (void *)&gw :
		    (void *)&fc;
		assert_non_null(key->help);
		/* The example file shows a value for every key. */
		assert_true(config_key_default(key) != NULL ||
		    key->example != NULL);
		if (config_key_default(key) != NULL)
			assert_int_equal(config_value_set(key, base,
			    config_key_default(key), &cause), 0);
		config_value_free(key, base);
		if (key->example != NULL)
			assert_int_equal(config_value_set(key, base,
			    key->example, &cause), 0);
		config_value_free(key, base);
		for (j = 0; j < i; j++) {
			/* A name is in each section once. */
			assert_false(config_table[j].section == key->section &&
			    strcmp(config_table[j].name, key->name) == 0);
		}
	}
}

static void
test_config_print_loads_back_the_same(void **state)
{
	static const char *const texts[] = {
		"[gateway]\nregion = eu-west-1\nlog_level = debug\n"
		"drain_timeout = 90\nlog_format = json\n"
		FWD_DB "allow = 127.0.0.1\n",
		FWD_DB "remote_host = \"\"quoted\"\"\n",
		"[forward \"u\"]\nlisten = unix:/run/u.sock\ntarget = h\n"
		"remote_port = 1\nsocket_owner = 0\nsocket_group = 12345\n"
		"allow = uid:1, uid:2, uid:3, uid:4, uid:5, uid:6, uid:7, "
		"uid:8, uid:9, uid:10, uid:11, uid:12, uid:13, uid:14, "
		"uid:15\nallow = gid:1, gid:2, gid:3, gid:4, gid:5, gid:6, "
		"gid:7, gid:8, gid:9, gid:10, gid:11, gid:12, gid:13\n",
	};
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*a, *b;
	char			*pa, *pb, *line;
	size_t			 i;

	for (i = 0; i < nitems(texts); i++) {
		assert_non_null(a = load(texts[i], &errs));
		pa = print(a);
		assert_non_null(b = load(pa, &errs));
		pb = print(b);
		assert_string_equal(pa, pb);
		assert_true(config_fwd_equal(TAILQ_FIRST(&a->forwards),
		    TAILQ_FIRST(&b->forwards)));
		/* Long allow lists are cut into lines inih can read. */
		for (line = pa; line != NULL; line = strchr(line + 1, '\n'))
			assert_true(strcspn(line + 1, "\n") <=
			    CONFIG_PRINT_WIDTH);
		free(pa);
		free(pb);
		config_free(a);
		config_free(b);
	}
}

static void
test_config_print_skips_unset_and_unix_keys(void **state)
{
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*conf;
	char			*out;

	assert_non_null(conf = load(FWD_DB, &errs));
	out = print(conf);
	assert_string_equal(out,
	    "[gateway]\n"
	    "control = /run/gatewayd/control.sock\n"
	    "control_mode = 0600\n"
	    "drain_timeout = 30s\n"
	    "log_level = info\n"
	    "log_target = stderr\n"
	    "log_facility = daemon\n"
	    "log_format = text\n"
	    "identity = shared\n"
	    "api_rate = 10\n"
	    "api_burst = 20\n"
	    "max_attempts = 0\n"
	    "api_connect_timeout = 5s\n"
	    "api_timeout = 30s\n"
	    "credential_process_timeout = 1m\n"
	    "allow_plain_websocket = no\n"
	    "max_sessions_per_target = 0\n"
	    "exit_on_forward_failure = no\n"
	    "audit_queue = 1M\n"
	    "connect_idle = 10m\n"
	    "\n"
	    "[forward \"db\"]\n"
	    "listen = 127.0.0.1:15432\n"
	    "forwarder = ssm\n"
	    "target = i-0123456789abcdef0\n"
	    "remote_port = 5432\n"
	    "max_conns = 1024\n"
	    "connect_timeout = 10s\n"
	    "identity = shared\n"
	    "document = AWS-StartPortForwardingSession\n"
	    "warm = no\n"
	    "target_pick = error\n"
	    "client_version = 1.2.764.0\n"
	    "handshake_timeout = 30s\n"
	    "stall_timeout = 10s\n"
	    "sign_websocket = yes\n"
	    "max_session_duration = 0s\n"
	    "session_max_age = 0s\n"
	    "idle_policy = hold\n"
	    "release_delay = 1m\n"
	    "max_sessions = 1\n"
	    "half_close_timeout = 2s\n");
	free(out);
	config_free(conf);
}

/*
 * Load one forward with key = value and the required keys that are not
 * key; return it off its config, for config_fwd_free.
 */
static struct fwd_config *
load_fwd(const char *key, const char *value)
{
	static const char *const base[][2] = {
		{ "listen", "unix:/a" }, { "target", "h" },
		{ "remote_port", "1" },
	};
	const struct config_key	*row;
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*conf;
	struct fwd_config	*fc;
	char			*text, *tmp;
	size_t			 i;

	xasprintf(&text, "[forward \"f\"]\n%s = %s\n", key, value);
	/* A key only one forwarder reads needs a forward of that kind. */
	row = config_table_find(CONFIG_FORWARD, key);
	if (row != NULL && row->forwarder != NULL) {
		xasprintf(&tmp, "%sforwarder = %s\n", text, row->forwarder);
		free(text);
		text = tmp;
	}
	/* A session name is for a role. */
	if (strcmp(key, "role_session_name") == 0) {
		xasprintf(&tmp, "%srole_arn = arn:aws:iam::123456789012:"
		    "role/r\n", text);
		free(text);
		text = tmp;
	}
	for (i = 0; i < nitems(base); i++) {
		if (strcmp(base[i][0], key) == 0)
			continue;
		/* A socks forward has no target. */
		if (row != NULL && row->forwarder != NULL &&
		    !forwarder_has_target(row->forwarder) &&
		    strcmp(base[i][0], "listen") != 0)
			continue;
		xasprintf(&tmp, "%s%s = %s\n", text, base[i][0], base[i][1]);
		free(text);
		text = tmp;
	}
	if ((conf = load(text, &errs)) == NULL)
		fail_msg("%s = %s: %s", key, value, errs.v[0]);
	free(text);
	fc = TAILQ_FIRST(&conf->forwards);
	TAILQ_REMOVE(&conf->forwards, fc, entry);
	config_free(conf);
	return (fc);
}

/* role_session_name = %u: names STS takes, whatever the user is called. */
static void
test_config_role_session_name(void **state)
{
	static const char *const cases[][3] = {
		{ NULL, "alice", "alice" },
		{ "%u", "alice", "alice" },
		{ "gw-%u", "bob.smith@corp", "gw-bob.smith@corp" },
		{ "%u%%x", "a", "a-x" },
		{ "%u", "CORP\\eve jones", "CORP-eve-jones" },
		{ "%u", "a", "a_" },
		{ "jump-%u", "0123456789012345678901234567890123456789"
		    "0123456789012345678901234567890123456789", "jump-"
		    "0123456789012345678901234567890123456789012345678901234"
		    "5678" },
	};
	char	*name, *cause = NULL;
	size_t	 i;

	for (i = 0; i < nitems(cases); i++) {
		name = config_role_session_name(cases[i][0], cases[i][1],
		    &cause);
		assert_non_null(name);
		assert_string_equal(name, cases[i][2]);
		assert_true(strlen(name) >= 2 && strlen(name) <= 64);
		free(name);
	}
	assert_null(config_role_session_name("gw-%h", "alice", &cause));
	assert_string_equal(cause, "\"gw-%h\": %h is not %u (the local user) "
	    "or %%");
	free(cause);
	cause = NULL;
	assert_null(config_role_session_name("", "alice", &cause));
	free(cause);
}

/* For every forward key in the table, config_fwd_equal sees a change. */
static void
test_config_fwd_equal_sees_every_key(void **state)
{
	static const struct {
		const char	*key;
		const char	*a, *b;
	} diffs[] = {
		{ "listen", "unix:/a", "unix:/b" },
		{ "socket_mode", "0600", "0660" },
		{ "socket_owner", "0", "1" },
		{ "socket_group", "0", "1" },
		{ "forwarder", "tcp", "ssm" },
		{ "target", "i-0123456789abcdef0", "i-0123456789abcdef1" },
		{ "remote_port", "22", "23" },
		{ "remote_host", "a", "b" },
		{ "allow", "uid:1", "uid:2" },
		{ "max_conns", "0", "1" },
		{ "connect_timeout", "1s", "1500ms" },
		{ "region", "eu-west-1", "eu-west-2" },
		{ "profile", "a", "b" },
		{ "endpoint_url", "http://127.0.0.1:1", "http://127.0.0.1:2" },
		{ "identity", "shared", "user" },
		{ "role_arn", "arn:aws:iam::123456789012:role/a",
		    "arn:aws:iam::123456789012:role/b" },
		{ "role_session_name", "%u", "gw-%u" },
		{ "document", "AWS-StartPortForwardingSession", "Custom-Doc" },
		{ "reason", "a", "b" },
		{ "warm", "no", "yes" },
		{ "target_pick", "first", "newest" },
		{ "client_version", "1.2.677.0", "1.2.331.0" },
		{ "handshake_timeout", "30s", "31s" },
		{ "stall_timeout", "2m", "3m" },
		{ "sign_websocket", "no", "yes" },
		{ "max_session_duration", "0", "20m" },
		{ "session_max_age", "1h", "2h" },
		{ "idle_policy", "hold", "release" },
		{ "release_delay", "1m", "2m" },
		{ "max_sessions", "1", "4" },
		{ "half_close_timeout", "2s", "0" },
		{ "route", "i-*", "mi-*" },
		{ "socks_auth", "none", "password" },
		{ "socks_users", "/a", "/b" },
	};
	struct fwd_config	*a, *b, *c;
	size_t			 i, n = 0;

	for (i = 0; i < config_ntable; i++)
		n += config_table[i].section == CONFIG_FORWARD;
	assert_int_equal(n, nitems(diffs));
	for (i = 0; i < nitems(diffs); i++) {
		a = load_fwd(diffs[i].key, diffs[i].a);
		b = load_fwd(diffs[i].key, diffs[i].b);
		c = load_fwd(diffs[i].key, diffs[i].a);
		if (config_fwd_equal(a, b))
			fail_msg("%s: %s == %s", diffs[i].key, diffs[i].a,
			    diffs[i].b);
		assert_true(config_fwd_equal(a, c));
		config_fwd_free(a);
		config_fwd_free(b);
		config_fwd_free(c);
	}
}

static void
test_config_fwd_equal_compares_effective_values(void **state)
{
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*conf;
	struct fwd_config	*a, *b;

	/*
	 * An inherited region and one written out, a default and the same
	 * value written out another way, the forwarder chosen and named:
	 * the same forward.
	 */
	conf = load("[gateway]\nregion = eu-west-1\n"
	    "[forward \"a\"]\nlisten = unix:/a\ntarget = i-0123456789abcdef0\n"
	    "remote_port = 22\n", &errs);
	assert_non_null(conf);
	a = TAILQ_FIRST(&conf->forwards);
	TAILQ_REMOVE(&conf->forwards, a, entry);
	config_free(conf);
	conf = load("[forward \"b\"]\nlisten = unix:/a\n"
	    "target = i-0123456789abcdef0\nremote_port = 22\n"
	    "region = eu-west-1\nforwarder = ssm\nconnect_timeout = 10000ms\n"
	    "socket_mode = 600\nmax_conns = 1024\n", &errs);
	assert_non_null(conf);
	b = TAILQ_FIRST(&conf->forwards);
	assert_true(config_fwd_equal(a, b));
	assert_true(config_fwd_equal(b, a));
	config_fwd_free(a);
	config_free(conf);
}

static void
test_config_example_is_current(void **state)
{
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*conf;
	const char		*srcdir = getenv("top_srcdir");
	char			*want = NULL, *path, *have;
	size_t			 wantlen = 0, havelen;
	FILE			*f;

	if (srcdir == NULL)
		fail_msg("top_srcdir is not set (run from make check)");
	assert_non_null(f = open_memstream(&want, &wantlen));
	config_print_example(f);
	fclose(f);
	xasprintf(&path, "%s/contrib/gatewayd.conf.example", srcdir);
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("%s: cannot open", path);
	have = xmalloc(wantlen + 2);
	havelen = fread(have, 1, wantlen + 1, f);
	fclose(f);
	have[havelen] = '\0';
	if (havelen != wantlen || memcmp(have, want, wantlen) != 0)
		fail_msg("%s is out of date: run make update-example", path);
	conf = config_load_buffer(path, want, wantlen, &errs);
	if (conf == NULL)
		fail_msg("example: %s", errs.v[0]);
	assert_int_equal(conf->nforwards, 1);
	config_free(conf);
	free(path);
	free(have);
	free(want);
}

/* 1 if path is a case directory (it has a gatewayd.conf). */
static int
is_case_dir(const char *path)
{
	struct stat	 sb;
	char		*conf;
	int		 rv;

	xasprintf(&conf, "%s/gatewayd.conf", path);
	rv = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    access(conf, F_OK) == 0;
	free(conf);
	return (rv);
}

/* Read all of path into a string; NULL if it is not there. */
static char *
slurp(const char *path)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f, *out;
	int	 c;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	assert_non_null(out = open_memstream(&buf, &len));
	while ((c = getc(f)) != EOF)
		putc(c, out);
	fclose(out);
	fclose(f);
	return (buf);
}

/*
 * Run one tests/conf case in-process, the way gatewayd -n reports it:
 * the printed config, or each error (the config's, else the forwarders'
 * checks) and "FILE: N error(s)".
 */
static void
run_case(const char *dir)
{
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*conf;
	char			*want, *have = NULL, cwd[4096];
	size_t			 len = 0, i;
	FILE			*f;
	int			 ok;

	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(dir), 0);
	assert_non_null(f = open_memstream(&have, &len));
	/* As gatewayd -n: the forwarders check what the config accepted. */
	if ((conf = config_load("gatewayd.conf", &errs)) != NULL &&
	    gateway_check(conf, &errs) != 0) {
		config_free(conf);
		conf = NULL;
	}
	if (conf != NULL) {
		config_print(f, conf);
		config_free(conf);
		want = slurp("expected");
	} else {
		for (i = 0; i < errs.n; i++)
			fprintf(f, "%s\n", errs.v[i]);
		fprintf(f, "gatewayd.conf: %zu error%s\n", errs.n,
		    errs.n == 1 ? "" : "s");
		config_errors_clear(&errs);
		want = slurp("error");
	}
	fclose(f);
	assert_int_equal(chdir(cwd), 0);
	ok = want != NULL && strcmp(want, have) == 0;
	if (!ok)
		fail_msg("%s: got\n%s", dir, have);
	free(want);
	free(have);
}

/*
 * Every tests/conf case, in-process (tests/conf/run.sh runs them through
 * gatewayd -n as well): loading leaks nothing under the sanitizers, and
 * the cases hold for the config module on its own.
 */
static void
test_config_cases_hold_in_process(void **state)
{
	const char	*srcdir = getenv("top_srcdir");
	struct dirent	*de;
	DIR		*d;
	char		*dir, *path;
	unsigned	 n = 0;

	if (srcdir == NULL)
		fail_msg("top_srcdir is not set (run from make check)");
	xasprintf(&dir, "%s/tests/conf", srcdir);
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		xasprintf(&path, "%s/%s", dir, de->d_name);
		if (is_case_dir(path)) {
			run_case(path);
			n++;
		}
		free(path);
	}
	closedir(d);
	free(dir);
	assert_true(n >= 30);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_duration_parses),
		cmocka_unit_test(test_config_duration_bounds_name_units),
		cmocka_unit_test(test_config_size_parses),
		cmocka_unit_test(test_config_bool_parses),
		cmocka_unit_test(test_config_uint_rejects_junk),
		cmocka_unit_test(test_config_mode_parses),
		cmocka_unit_test(test_config_listen_parses),
		cmocka_unit_test(test_config_listen_unix_path_bounded),
		cmocka_unit_test(test_config_listen_overlaps),
		cmocka_unit_test(test_config_cidr_parses),
		cmocka_unit_test(test_config_allow_parses),
		cmocka_unit_test(test_config_distance_suggests_close_keys),
		cmocka_unit_test(test_config_check_text_finds_binary),
		cmocka_unit_test(test_config_spec_splits_fields),
		cmocka_unit_test(test_config_from_specs_builds_forwards),
		cmocka_unit_test(test_config_from_specs_reports_every_bad_spec),
		cmocka_unit_test(test_config_load_fills_defaults_and_inherits),
		cmocka_unit_test(test_config_load_collects_every_error),
		cmocka_unit_test(test_config_load_checks_across_keys),
		cmocka_unit_test(test_config_load_reads_lines_as_inih_cannot),
		cmocka_unit_test(test_config_load_bounds_keys_and_values),
		cmocka_unit_test(
		    test_config_load_rejects_files_that_are_not_configs),
		cmocka_unit_test(test_config_load_stops_after_many_errors),
		cmocka_unit_test(test_config_load_reads_a_file),
		cmocka_unit_test(test_config_table_defaults_parse),
		cmocka_unit_test(test_config_print_loads_back_the_same),
		cmocka_unit_test(test_config_print_skips_unset_and_unix_keys),
		cmocka_unit_test(test_config_role_session_name),
		cmocka_unit_test(test_config_fwd_equal_sees_every_key),
		cmocka_unit_test(
		    test_config_fwd_equal_compares_effective_values),
		cmocka_unit_test(test_config_example_is_current),
		cmocka_unit_test(test_config_cases_hold_in_process),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

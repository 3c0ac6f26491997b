/* Unit tests for util.c: UUIDs, hex, SHA-256, base64, formatting, clock. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

static void
test_util_uuid_roundtrip(void **state)
{
	uint8_t	u[UUID_LEN], v[UUID_LEN];
	char	text[UUID_STR_LEN];
	int	i;

	util_uuid_v4(u);
	assert_int_equal(u[6] >> 4, 4);
	assert_int_equal(u[8] & 0xc0, 0x80);
	/* Every message id of the data channel comes from here. */
	for (i = 0; i < 1000; i++) {
		util_uuid_v4(v);
		assert_memory_not_equal(u, v, UUID_LEN);
		assert_int_equal(v[6] >> 4, 4);
		assert_int_equal(v[8] >> 6, 2);
	}
	util_uuid_format(u, text);
	assert_int_equal(strlen(text), 36);
	assert_int_equal(util_uuid_parse(text, v), 0);
	assert_memory_equal(u, v, UUID_LEN);
}

static void
test_util_uuid_parse_rejects(void **state)
{
	uint8_t	u[UUID_LEN];

	assert_int_equal(util_uuid_parse(
	    "dd01e56b-ff48-483e-a508-b5f073f31b16", u), 0);
	assert_int_equal(u[0], 0xdd);
	assert_int_equal(u[15], 0x16);
	assert_int_equal(util_uuid_parse(
	    "dd01e56bff48-483e-a508-b5f073f31b16-", u), -1);
	assert_int_equal(util_uuid_parse(
	    "dd01e56b-ff48-483e-a508-b5f073f31b1g", u), -1);
	assert_int_equal(util_uuid_parse("", u), -1);
}

static void
test_util_sha256_hex_known(void **state)
{
	char	out[65];

	util_sha256_hex("", 0, out);
	assert_string_equal(out,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	util_sha256_hex("hello", 5, out);
	assert_string_equal(out,
	    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
}

static void
test_util_hex_roundtrip(void **state)
{
	uint8_t	in[] = { 0x00, 0x7f, 0x80, 0xff }, out[4];
	char	text[9];

	util_hex(in, sizeof in, text);
	assert_string_equal(text, "007f80ff");
	assert_int_equal(util_unhex(text, out, sizeof out), 4);
	assert_memory_equal(in, out, 4);
	assert_int_equal(util_unhex("abc", out, sizeof out), -1);
	assert_int_equal(util_unhex("zz", out, sizeof out), -1);
	assert_int_equal(util_unhex("0011223344", out, sizeof out), -1);
}

static void
test_util_base64_roundtrip(void **state)
{
	static const char *cases[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foobar", "Zm9vYmFy" },
	};
	uint8_t	*dec;
	size_t	 i, declen;
	char	*enc;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enc = util_base64_encode(cases[i][0], strlen(cases[i][0]));
		assert_string_equal(enc, cases[i][1]);
		free(enc);
		assert_int_equal(util_base64_decode(cases[i][1], &dec,
		    &declen), 0);
		assert_int_equal(declen, strlen(cases[i][0]));
		assert_memory_equal(dec, cases[i][0], declen);
		free(dec);
	}
	assert_int_equal(util_base64_decode("Zm9", &dec, &declen), -1);
	assert_int_equal(util_base64_decode("Zm9*", &dec, &declen), -1);
}

static void
test_util_fmt_human(void **state)
{
	char	buf[32];

	util_fmt_bytes(512, buf, sizeof buf);
	assert_string_equal(buf, "512 B");
	util_fmt_bytes(1200000, buf, sizeof buf);
	assert_string_equal(buf, "1.2 MB");
	util_fmt_duration(12000, buf, sizeof buf);
	assert_string_equal(buf, "12s");
	util_fmt_duration(1500, buf, sizeof buf);
	assert_string_equal(buf, "1.5s");
	util_fmt_duration(184000, buf, sizeof buf);
	assert_string_equal(buf, "3m4s");
	util_fmt_duration(7260000, buf, sizeof buf);
	assert_string_equal(buf, "2h1m");
}

static void
test_util_clock_fake(void **state)
{
	clock_set_fake(1000, 1700000000000ULL);
	assert_int_equal(clock_now_ms(), 1000);
	clock_advance_fake(250);
	assert_int_equal(clock_now_ms(), 1250);
	assert_true(clock_wall_ms() == 1700000000250ULL);
	clock_set_fake(0, 0);
	assert_true(clock_wall_ms() > 1700000000000ULL);
}

static void
test_util_random_range_bounds(void **state)
{
	uint64_t	v;
	int		i, seen_lo = 0, seen_hi = 0;

	for (i = 0; i < 2000; i++) {
		v = util_random_range(10, 13);
		assert_true(v >= 10 && v < 13);
		seen_lo |= (v == 10);
		seen_hi |= (v == 12);
	}
	assert_true(seen_lo && seen_hi);
	assert_int_equal(util_random_range(5, 5), 5);
}

/* The target's own loopback in every spelling the agent's check sees. */
static void
test_util_ms_tv(void **state)
{
	struct timeval	 tv;

	(void)state;
	tv = util_ms_tv(0);
	assert_int_equal(tv.tv_sec, 0);
	assert_int_equal(tv.tv_usec, 0);
	tv = util_ms_tv(1999);
	assert_int_equal(tv.tv_sec, 1);
	assert_int_equal(tv.tv_usec, 999000);
	tv = util_ms_tv(86400000ULL * 365);
	assert_int_equal(tv.tv_sec, 86400 * 365);
	assert_int_equal(tv.tv_usec, 0);
}

static void
test_util_host_is_loopback(void **state)
{
	static const struct {
		const char	*host;
		int		 loopback;
	} t[] = {
		{ "localhost", 1 }, { "LocalHost.", 1 }, { "db.localhost", 1 },
		{ "127.0.0.1", 1 }, { "127.1.2.3", 1 }, { "0177.0.0.1", 1 },
		{ "0x7f.1", 1 }, { "2130706433", 1 }, { "::1", 1 },
		{ "[::1]", 1 }, { "0:0:0:0:0:0:0:1", 1 },
		{ "::ffff:127.0.0.1", 1 }, { "[::ffff:7f00:2]", 1 },
		{ "notlocalhost", 0 }, { "localhost.example.com", 0 },
		{ "db.internal", 0 }, { "10.0.0.1", 0 }, { "128.0.0.1", 0 },
		{ "::", 0 }, { "::2", 0 }, { "::ffff:10.0.0.1", 0 },
		{ "169.254.169.254", 0 }, { "", 0 }, { "[", 0 }, { "[]", 0 },
		{ "127.0.0.1.example", 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (util_host_is_loopback(t[i].host) != t[i].loopback)
			fail_msg("%s: want %d", t[i].host, t[i].loopback);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_util_uuid_roundtrip),
		cmocka_unit_test(test_util_uuid_parse_rejects),
		cmocka_unit_test(test_util_sha256_hex_known),
		cmocka_unit_test(test_util_hex_roundtrip),
		cmocka_unit_test(test_util_base64_roundtrip),
		cmocka_unit_test(test_util_fmt_human),
		cmocka_unit_test(test_util_clock_fake),
		cmocka_unit_test(test_util_random_range_bounds),
		cmocka_unit_test(test_util_host_is_loopback),
		cmocka_unit_test(test_util_ms_tv),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/*
 * Unit tests for forwarders/socks/proto.c: greetings, the RFC 1929
 * sub-negotiation and requests, each fed whole and in every piece size
 * from one byte up (the parser must not care how the bytes arrive), and
 * the replies byte for byte.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "socks_proto.h"

/*
 * What one conversation gave: the messages in order ("G" greeting, "A"
 * sub-negotiation, "R" request, "B" bad), the bytes taken and the parser.
 */
struct outcome {
	char			trace[8];
	size_t			taken;
	struct socks_parser	p;
};

/*
 * Feed in pieces of chunk bytes as a server would: after a greeting,
 * choose the password method when offered, else none.
 */
static void
drive(const uint8_t *buf, size_t len, size_t chunk, struct outcome *o)
{
	enum socks_result	 r;
	size_t			 off = 0, n, used;
	char			*t = o->trace;

	memset(o, 0, sizeof *o);
	socks_proto_init(&o->p);
	while (off < len && (size_t)(t - o->trace) < sizeof o->trace - 1) {
		n = len - off < chunk ? len - off : chunk;
		r = socks_proto_parse(&o->p, buf + off, n, &used);
		assert_true(used <= n);
		off += used;
		if (r == SOCKS_MORE) {
			assert_int_equal(used, n);
			continue;
		}
		*t++ = "-GARB"[r];
		if (r == SOCKS_GREETING)
			socks_proto_expect(&o->p,
			    socks_proto_offers(&o->p, SOCKS_METHOD_PASSWORD) ?
			    SOCKS_METHOD_PASSWORD : SOCKS_METHOD_NONE);
		else if (r != SOCKS_AUTH)
			break;
	}
	o->taken = off;
}

/* Every chunk size gives the same outcome; return the whole-input one. */
static void
drive_all(const uint8_t *buf, size_t len, struct outcome *o)
{
	struct outcome	 other;
	size_t		 chunk;

	drive(buf, len, len == 0 ? 1 : len, o);
	for (chunk = 1; chunk < len; chunk++) {
		drive(buf, len, chunk, &other);
		assert_string_equal(other.trace, o->trace);
		assert_int_equal(other.taken, o->taken);
		assert_int_equal(other.p.reply, o->p.reply);
		assert_string_equal(other.p.why, o->p.why);
	}
}

struct proto_case {
	const char	*name;
	const char	*hex;		/* spaces ignored */
	const char	*trace;
	int		 reply;		/* of a "B" */
	const char	*why;		/* of a "B", its start */
};

static const struct proto_case proto_cases[] = {
	{ "greeting, no auth, cut", "05 01", "", -1, NULL },
	{ "wrong version (SOCKS4)", "04 01 00 50 7f 00 00 01 00", "B", -1,
	  "version 4, not 5" },
	{ "HTTP to a SOCKS port", "47 45 54 20 2f", "B", -1,
	  "version 71, not 5" },
	{ "no methods", "05 00", "B", SOCKS_METHOD_REFUSE,
	  "a greeting that offers no method" },
	{ "ipv4 connect", "05 01 00  05 01 00 01 0a 00 00 05 15 38", "GR",
	  -1, NULL },
	{ "request cut in its address", "05 01 00  05 01 00 01 0a 00", "G",
	  -1, NULL },
	{ "request cut in its name", "05 01 00  05 01 00 03 0b 64 62", "G",
	  -1, NULL },
	{ "request version 4", "05 01 00  04 01 00 01", "GB",
	  SOCKS_REP_FAILURE, "request version 4, not 5" },
	{ "reserved byte set", "05 01 00  05 01 01 01 0a 00 00 05 00 16",
	  "GB", SOCKS_REP_FAILURE, "reserved byte 0x01, not 0" },
	{ "address type 2", "05 01 00  05 01 00 02 0a 00 00 05 00 16", "GB",
	  SOCKS_REP_ATYP, "address type 2" },
	{ "empty name", "05 01 00  05 01 00 03 00 00 16", "GB",
	  SOCKS_REP_FAILURE, "an empty name" },
	{ "NUL in a name", "05 01 00  05 01 00 03 03 61 00 62 00 16", "GB",
	  SOCKS_REP_FAILURE, "a NUL in the name" },
	{ "password", "05 02 00 02  01 05 61 6c 69 63 65 02 70 77"
	  "  05 01 00 01 0a 00 00 05 00 16", "GAR", -1, NULL },
	{ "password version 5", "05 01 02  05 01 00 01", "GB", 1,
	  "username/password version 5, not 1" },
	{ "empty username", "05 01 02  01 00 01 70", "GB", 1,
	  "an empty username" },
	{ "empty password", "05 01 02  01 01 61 00", "GB", 1,
	  "an empty password" },
	{ "password cut", "05 01 02  01 05 61 6c", "G", -1, NULL },
};

static size_t
unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t		n = 0;
	unsigned	v;

	while (*hex != '\0') {
		if (*hex == ' ') {
			hex++;
			continue;
		}
		assert_int_equal(sscanf(hex, "%2x", &v), 1);
		assert_true(n < max);
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return (n);
}

static void
test_socks_proto_table(void **state)
{
	const struct proto_case	*pc;
	struct outcome		 o;
	uint8_t			 buf[1024];
	size_t			 i, len;

	for (i = 0; i < sizeof proto_cases / sizeof proto_cases[0]; i++) {
		pc = &proto_cases[i];
		print_message("%s\n", pc->name);
		len = unhex(pc->hex, buf, sizeof buf);
		drive_all(buf, len, &o);
		assert_string_equal(o.trace, pc->trace);
		if (strchr(pc->trace, 'B') == NULL) {
			assert_int_equal(o.taken, len);
			continue;
		}
		assert_int_equal(o.p.reply, pc->reply);
		assert_int_equal(strncmp(o.p.why, pc->why, strlen(pc->why)),
		    0);
		assert_int_equal(o.p.phase, SOCKS_PHASE_FAILED);
	}
}

/* Each address type, the port, and the text for logs. */
static void
test_socks_proto_addresses(void **state)
{
	static const struct {
		const char	*hex;
		uint8_t		 atyp;
		const char	*text;
	} cases[] = {
		{ "05 01 00 01 0a 00 00 05 15 38", SOCKS_ATYP_IPV4,
		  "10.0.0.5:5432" },
		{ "05 01 00 04 20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01"
		  " 01 bb", SOCKS_ATYP_IPV6, "[2001:db8::1]:443" },
		{ "05 01 00 03 0b 64 62 2e 69 6e 74 65 72 6e 61 6c 00 50",
		  SOCKS_ATYP_DOMAIN, "db.internal:80" },
		{ "05 01 00 03 03 61 0a 62 ff ff", SOCKS_ATYP_DOMAIN,
		  "a?b:65535" },
	};
	struct outcome	o;
	uint8_t		buf[64];
	char		text[SOCKS_DEST_STR_MAX];
	size_t		i, len;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		buf[0] = 0x05;
		buf[1] = 0x01;
		buf[2] = 0x00;
		len = 3 + unhex(cases[i].hex, buf + 3, sizeof buf - 3);
		drive_all(buf, len, &o);
		assert_string_equal(o.trace, "GR");
		assert_int_equal(o.p.cmd, SOCKS_CMD_CONNECT);
		assert_int_equal(o.p.dest.atyp, cases[i].atyp);
		socks_proto_dest_str(&o.p.dest, text, sizeof text);
		assert_string_equal(text, cases[i].text);
	}
}

/* A name of 255 bytes, the most the length byte says, is parsed whole. */
static void
test_socks_proto_longest_name(void **state)
{
	struct outcome	o;
	uint8_t		buf[3 + 5 + 255 + 2];
	char		text[SOCKS_DEST_STR_MAX];
	size_t		len = 0;

	memcpy(buf, "\x05\x01\x00\x05\x01\x00\x03\xff", 8);
	len = 8;
	memset(buf + len, 'a', 255);
	len += 255;
	buf[len++] = 0x00;
	buf[len++] = 0x16;
	drive_all(buf, len, &o);
	assert_string_equal(o.trace, "GR");
	assert_int_equal(strlen(o.p.dest.name), 255);
	assert_int_equal(o.p.dest.port, 22);
	socks_proto_dest_str(&o.p.dest, text, sizeof text);
	assert_int_equal(strlen(text), 255 + 3);
}

/* BIND and UDP ASSOCIATE parse; the forwarder refuses them. */
static void
test_socks_proto_commands(void **state)
{
	uint8_t		buf[] = { 0x05, 0x01, 0x00,
	    0x05, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0 };
	struct outcome	o;
	uint8_t		cmd;

	for (cmd = SOCKS_CMD_BIND; cmd <= 0x09; cmd++) {
		buf[4] = cmd;
		drive_all(buf, sizeof buf, &o);
		assert_string_equal(o.trace, "GR");
		assert_int_equal(o.p.cmd, cmd);
	}
}

/* The sub-negotiation's fields, and that parsing on wipes them. */
static void
test_socks_proto_credentials(void **state)
{
	struct socks_parser	p;
	uint8_t			buf[SOCKS_MSG_MAX];
	size_t			used;

	socks_proto_init(&p);
	assert_int_equal(socks_proto_parse(&p, (const uint8_t *)"\x05\x02"
	    "\x00\x02", 4, &used), SOCKS_GREETING);
	assert_true(socks_proto_offers(&p, SOCKS_METHOD_NONE));
	assert_true(socks_proto_offers(&p, SOCKS_METHOD_PASSWORD));
	assert_false(socks_proto_offers(&p, 0x01));
	assert_false(socks_proto_offers(&p, 0xfe));
	/* Nothing more until the server chose. */
	assert_int_equal(socks_proto_parse(&p, buf, 1, &used), SOCKS_BAD);

	socks_proto_init(&p);
	assert_int_equal(socks_proto_parse(&p, (const uint8_t *)"\x05\x01"
	    "\x02", 3, &used), SOCKS_GREETING);
	socks_proto_expect(&p, SOCKS_METHOD_PASSWORD);
	buf[0] = 0x01;
	buf[1] = 255;
	memset(buf + 2, 'u', 255);
	buf[257] = 255;
	memset(buf + 258, 'p', 255);
	assert_int_equal(socks_proto_parse(&p, buf, sizeof buf, &used),
	    SOCKS_AUTH);
	assert_int_equal(used, sizeof buf);
	assert_int_equal(strlen(p.user), 255);
	assert_int_equal(strlen(p.password), 255);
	assert_int_equal(p.phase, SOCKS_PHASE_REQUEST);
	socks_proto_clear(&p);
	assert_int_equal(p.user[0], 0);
	assert_int_equal(p.password[0], 0);
}

/* What follows the request is the far side's, untouched. */
static void
test_socks_proto_leftover(void **state)
{
	static const uint8_t	 req[] = "\x05\x01\x00\x03\x01x\x00\x50"
	    "GET / HTTP/1.0\r\n";
	struct socks_parser	 p;
	size_t			 used;

	socks_proto_init(&p);
	socks_proto_expect(&p, SOCKS_METHOD_NONE);
	assert_int_equal(socks_proto_parse(&p, req, sizeof req - 1, &used),
	    SOCKS_REQUEST);
	assert_int_equal(used, 8);
	assert_string_equal(p.dest.name, "x");
	assert_int_equal(socks_proto_parse(&p, req + used, 1, &used),
	    SOCKS_BAD);
	assert_int_equal(used, 0);
	assert_int_equal(p.reply, -1);
}

static void
test_socks_proto_replies(void **state)
{
	uint8_t	out[SOCKS_REPLY_LEN];

	assert_int_equal(socks_proto_method_reply(out, SOCKS_METHOD_PASSWORD),
	    2);
	assert_memory_equal(out, "\x05\x02", 2);
	assert_int_equal(socks_proto_method_reply(out, SOCKS_METHOD_REFUSE),
	    2);
	assert_memory_equal(out, "\x05\xff", 2);
	assert_int_equal(socks_proto_auth_reply(out, 1), 2);
	assert_memory_equal(out, "\x01\x00", 2);
	assert_int_equal(socks_proto_auth_reply(out, 0), 2);
	assert_memory_equal(out, "\x01\x01", 2);
	assert_int_equal(socks_proto_reply(out, SOCKS_REP_OK), 10);
	assert_memory_equal(out, "\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00",
	    10);
	assert_int_equal(socks_proto_reply(out, SOCKS_REP_NOT_ALLOWED), 10);
	assert_memory_equal(out, "\x05\x02\x00\x01\x00\x00\x00\x00\x00\x00",
	    10);
	assert_string_equal(socks_proto_rep_name(SOCKS_REP_REFUSED),
	    "connection refused");
	assert_string_equal(socks_proto_rep_name(SOCKS_REP_ATYP),
	    "address type not supported");
	assert_string_equal(socks_proto_rep_name(0x42), "unassigned");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_socks_proto_table),
		cmocka_unit_test(test_socks_proto_addresses),
		cmocka_unit_test(test_socks_proto_longest_name),
		cmocka_unit_test(test_socks_proto_commands),
		cmocka_unit_test(test_socks_proto_credentials),
		cmocka_unit_test(test_socks_proto_leftover),
		cmocka_unit_test(test_socks_proto_replies),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

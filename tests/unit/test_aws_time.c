/* Unit tests for time.c: the ISO 8601 forms AWS writes, and garbage. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "aws_time.h"

static void
test_aws_time_parse_forms(void **state)
{
	static const struct {
		const char	*text;
		int64_t		 t;		/* -1: refused */
	} cases[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2019-11-09T13:34:41Z", 1573306481 },
		{ "2019-11-09T13:34:41.123456Z", 1573306481 },
		{ "2019-11-09T13:34:41UTC", 1573306481 },	/* old CLI cache */
		{ "2019-11-09 13:34:41Z", 1573306481 },
		{ "2019-11-09T14:34:41+01:00", 1573306481 },
		{ "2019-11-09T12:04:41-0130", 1573306481 },
		{ "2024-02-29T00:00:00Z", 1709164800 },
		{ "2038-01-19T03:14:08Z", 2147483648LL },
		{ "2019-11-09T13:34:41", -1 },
		{ "2019-11-09", -1 },
		{ "2019-13-09T13:34:41Z", -1 },
		{ "2019-11-31T13:34:41Z", -1 },
		{ "2019-11-09T24:00:00Z", -1 },
		{ "2019-11-09T13:34:41.Z", -1 },
		{ "2019-11-09T13:34:41Zjunk", -1 },
		{ "2019-11-09T13:34:41+25:00", -1 },
		{ "", -1 },
		{ "tomorrow", -1 },
	};
	size_t	i;
	int64_t	t;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (cases[i].t == -1)
			assert_int_equal(aws_time_parse(cases[i].text, &t), -1);
		else {
			assert_int_equal(aws_time_parse(cases[i].text, &t), 0);
			assert_int_equal(t, cases[i].t);
		}
	}
}

static void
test_aws_time_format_roundtrip(void **state)
{
	char	buf[32];
	int64_t	t;

	aws_time_format(1573306481, buf, sizeof buf);
	assert_string_equal(buf, "2019-11-09T13:34:41Z");
	assert_int_equal(aws_time_parse(buf, &t), 0);
	assert_int_equal(t, 1573306481);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws_time_parse_forms),
		cmocka_unit_test(test_aws_time_format_roundtrip),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

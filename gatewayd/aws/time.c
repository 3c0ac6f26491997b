/*
 * ISO 8601 timestamps as AWS writes them, parsed strictly by hand:
 * strptime() depends on the locale and ignores offsets.
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "aws_time.h"

/* Read exactly n digits. */
static int
aws_time_digits(const char **sp, int n, int *out)
{
	const char	*s = *sp;
	int		 v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)*s))
			return (-1);
		v = v * 10 + (*s++ - '0');
	}
	*sp = s;
	*out = v;
	return (0);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
aws_time_days(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

static int
aws_time_offset(const char *s, int *offset)
{
	int	sign, hh, mm;

	*offset = 0;
	if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0 ||
	    strcmp(s, "UTC") == 0)
		return (0);
	if (*s != '+' && *s != '-')
		return (-1);
	sign = (*s++ == '-') ? -1 : 1;
	if (aws_time_digits(&s, 2, &hh) != 0)
		return (-1);
	if (*s == ':')
		s++;
	if (aws_time_digits(&s, 2, &mm) != 0 || *s != '\0' || hh > 23 ||
	    mm > 59)
		return (-1);
	*offset = sign * (hh * 3600 + mm * 60);
	return (0);
}

int
aws_time_parse(const char *s, int64_t *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	 y, mo, d, h, mi, sec, offset;

	if (aws_time_digits(&s, 4, &y) != 0 || *s++ != '-' ||
	    aws_time_digits(&s, 2, &mo) != 0 || *s++ != '-' ||
	    aws_time_digits(&s, 2, &d) != 0)
		return (-1);
	if (*s != 'T' && *s != 't' && *s != ' ')
		return (-1);
	s++;
	if (aws_time_digits(&s, 2, &h) != 0 || *s++ != ':' ||
	    aws_time_digits(&s, 2, &mi) != 0 || *s++ != ':' ||
	    aws_time_digits(&s, 2, &sec) != 0)
		return (-1);
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 60)
		return (-1);
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return (-1);
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (aws_time_offset(s, &offset) != 0)
		return (-1);
	*out = aws_time_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	    offset;
	return (0);
}

void
aws_time_format(int64_t t, char *out, size_t len)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	gmtime_r(&tt, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/*
 * aws_time.h: the timestamps AWS hands out (ISO 8601 / RFC 3339 in STS,
 * IMDS, container and process credentials and the SSO cache). Pure.
 */
#ifndef AWS_TIME_H
#define AWS_TIME_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse "YYYY-MM-DDTHH:MM:SS[.fraction](Z|UTC|+HH:MM|-HH:MM|+HHMM)" (a
 * space may stand for the T) into Unix seconds. Return 0, or -1 if the
 * text is not such a time.
 */
int	aws_time_parse(const char *, int64_t *);
/* Format Unix seconds as "YYYY-MM-DDTHH:MM:SSZ" (21 bytes with the NUL). */
void	aws_time_format(int64_t, char *, size_t);

#endif /* AWS_TIME_H */

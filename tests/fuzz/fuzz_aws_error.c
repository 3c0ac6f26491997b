/* Fuzz the JSON error parser of error.c with arbitrary bodies. */

#include <stdlib.h>
#include <string.h>

#include "aws_error.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct aws_error	 err;
	char			*code;
	char			 header[64];
	size_t			 n;

	/* The first line, if short, doubles as the X-Amzn-ErrorType header. */
	n = 0;
	while (n < len && n < sizeof header - 1 && data[n] != '\n')
		n++;
	memcpy(header, data, n);
	header[n] = '\0';
	aws_error_parse_json(400, (const char *)data, len,
	    n < len ? header : NULL, &err);
	if (err.code == NULL || err.message == NULL ||
	    strlen(err.message) > AWS_ERROR_MESSAGE_MAX)
		abort();
	aws_error_clear(&err);
	code = aws_error_normalize_code(header);
	if (strchr(code, ':') != NULL || strchr(code, '#') != NULL)
		abort();
	free(code);
	return (0);
}

/* Fuzz the SSM answer decoders with arbitrary bodies. */

#include <stdlib.h>

#include "aws_ssm.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct aws_ssm_session	 s;
	struct aws_ssm_instances l = { 0 };
	const char		*b = (const char *)data;
	char			*cause = NULL, *next = NULL;
	int			 connected, resume;

	for (resume = 0; resume < 2; resume++) {
		if (aws_ssm_decode_session(b, len, resume, &s, &cause) == 0)
			aws_ssm_session_clear(&s);
		free(cause);
		cause = NULL;
	}
	if (aws_ssm_decode_describe(b, len, &l, &next, &cause) != 0 &&
	    cause == NULL)
		abort();
	aws_ssm_instances_clear(&l);
	free(next);
	free(cause);
	cause = NULL;
	(void)aws_ssm_decode_connection_status(b, len, &connected, &cause);
	free(cause);
	return (0);
}

/* Fuzz the STS XML reader: every operation's parser and the errors. */

#include <stdlib.h>

#include "aws_error.h"
#include "aws_sts.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const char	*ops[] = { "AssumeRole",
	    "AssumeRoleWithWebIdentity", "GetCallerIdentity" };
	struct aws_sts_result	 r;
	struct aws_error	 err;
	char			*cause;
	size_t			 i;

	for (i = 0; i < 3; i++) {
		cause = NULL;
		if (aws_sts_xml_parse(ops[i], (const char *)data, len, &r,
		    &cause) == 0)
			aws_sts_result_clear(&r);
		else if (cause == NULL)
			abort();
		free(cause);
	}
	aws_sts_xml_error(400, (const char *)data, len, &err);
	if (err.code == NULL || err.message == NULL)
		abort();
	aws_error_clear(&err);
	return (0);
}

/* Fuzz the INI reader of profile.c and the lookups over what it read. */

#include <stdlib.h>

#include "aws_profile.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct aws_profiles	 set = { 0 };
	char			*cause = NULL;

	set.config = aws_ini_parse("fuzz", (const char *)data, len, &cause);
	if (set.config == NULL) {
		if (cause == NULL)
			abort();
		free(cause);
		return (0);
	}
	(void)aws_profile_get(&set, "default", "region");
	(void)aws_profile_exists(&set, "dev");
	(void)aws_profile_services_get(&set, "s", "ssm", "endpoint_url");
	(void)aws_profile_sso_session_get(&set, "my-sso", "sso_region");
	aws_ini_free(set.config);
	return (0);
}

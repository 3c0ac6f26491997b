/*
 * Fuzz the credential documents gatewayd reads from outside: the first
 * byte picks one, the rest is its text.
 *
 *	0 credential_process output
 *	1 the container endpoint's answer
 *	2 instance metadata credentials
 *	3 the SSO token cache file
 *	4 SSO OIDC CreateToken's answer
 *	5 SSO GetRoleCredentials' answer
 *	6 the instance identity document
 *	7 an availability zone
 *	8 an AWS timestamp
 *
 * Each either parses into what it promises (the keys, a known provider, a
 * cause when it fails) or is refused; nothing else may happen. A time that
 * parses formats back to the same second.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_creds.h"
#include "aws_imds.h"
#include "aws_sso.h"
#include "aws_time.h"
#include "fuzz.h"
#include "xmalloc.h"

/* 1000-01-01 to 9999-12-31: strftime's %Y has four digits in these. */
#define FUZZ_TIME_MIN	(-30610224000LL)
#define FUZZ_TIME_MAX	253402300799LL

static void
fuzz_creds_doc(enum aws_creds_doc doc, const char *body, size_t len)
{
	struct aws_creds	 c;
	char			*cause = NULL;

	if (aws_creds_parse_doc(doc, body, len, "fuzz", &c, &cause) != 0) {
		if (cause == NULL)
			abort();
		free(cause);
		return;
	}
	if (cause != NULL || c.access_key_id == NULL ||
	    c.secret_access_key == NULL || c.provider == NULL ||
	    (doc != AWS_CREDS_DOC_PROCESS && c.session_token == NULL))
		abort();
	aws_creds_clear(&c);
}

static void
fuzz_time(const char *body, size_t len)
{
	char	*s, text[32];
	int64_t	 t, again;

	s = xstrndup(body, len);
	if (aws_time_parse(s, &t) == 0 && t >= FUZZ_TIME_MIN &&
	    t <= FUZZ_TIME_MAX) {
		aws_time_format(t, text, sizeof text);
		if (aws_time_parse(text, &again) != 0 || again != t)
			abort();
	}
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_creds	 c;
	const char		*body = (const char *)data + 1;
	size_t			 len = size - 1;
	cJSON			*cache;
	char			*token, *refresh, *region;
	int64_t			 t;

	if (size == 0)
		return (0);
	switch (data[0] % 9) {
	case 0:
		fuzz_creds_doc(AWS_CREDS_DOC_PROCESS, body, len);
		break;
	case 1:
		fuzz_creds_doc(AWS_CREDS_DOC_CONTAINER, body, len);
		break;
	case 2:
		fuzz_creds_doc(AWS_CREDS_DOC_IMDS, body, len);
		break;
	case 3:
		token = NULL;
		if ((cache = aws_sso_parse_cache(body, len, &token,
		    &t)) != NULL) {
			if (token == NULL || !cJSON_IsObject(cache))
				abort();
			cJSON_Delete(cache);
			free(token);
		}
		break;
	case 4:
		if (aws_sso_parse_token(body, len, &token, &refresh,
		    &t) == 0) {
			if (token == NULL || t < 1 ||
			    t > AWS_SSO_MAX_EXPIRES_IN)
				abort();
			free(token);
			free(refresh);
		} else if (token != NULL || refresh != NULL)
			abort();
		break;
	case 5:
		if (aws_sso_parse_role(body, len, &c) == 0) {
			if (c.access_key_id == NULL || c.provider == NULL ||
			    c.expiration < 0 || c.expiration > FUZZ_TIME_MAX)
				abort();
			aws_creds_clear(&c);
		}
		break;
	case 6:
	case 7:
		region = aws_imds_region_parse(body, len, data[0] % 9 == 7);
		if (region != NULL && *region == '\0' && data[0] % 9 == 6)
			abort();
		free(region);
		break;
	case 8:
		fuzz_time(body, len);
		break;
	}
	return (0);
}

/*
 * Fuzz the URLs gatewayd takes from outside: a StreamUrl from the Session
 * Manager API (split, its host checked, its query looked at for a
 * presignature, the upgrade signed) or a proxy URL from the environment
 * (first byte odd). The text after the first NUL, if any, is an agent's
 * channel_closed Output, for the hint gatewayd adds to it.
 *
 * What splits must be whole: a host, an authority, and for a StreamUrl a
 * target starting with '/'; a proxy URL never has TLS. Nothing may crash
 * or leak.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws_sigv4.h"
#include "fuzz.h"
#include "ssm_chan_int.h"
#include "ws_http.h"
#include "xmalloc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct aws_creds		 creds = { "AKIDEXAMPLE",
	    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "token", 0, NULL,
	    NULL };
	struct aws_sigv4_result		 res;
	struct ws_url			 u;
	char				*url, *out, *cause = NULL;
	size_t				 n;
	int				 proxy;

	if (size == 0)
		return (0);
	proxy = data[0] & 1;
	url = xstrndup((const char *)data + 1, size - 1);
	n = strlen(url);
	memset(&u, 0, sizeof u);
	if (ws_http_url_parse(url, proxy, &u, &cause) == 0) {
		if (cause != NULL || u.host == NULL || u.authority == NULL ||
		    (proxy && u.tls) || (!proxy && (u.target == NULL ||
		    u.target[0] != '/')))
			abort();
		if (!proxy && ssm_chan_host_ok(u.host, 1)) {
			(void)ssm_chan_url_presigned(url);
			memset(&res, 0, sizeof res);
			if (ssm_chan_sign_upgrade(url, "eu-west-1", &creds,
			    1700000000, &res, &cause) == 0)
				aws_sigv4_result_free(&res);
			free(cause);
			cause = NULL;
		}
		ws_http_url_clear(&u);
	} else if (cause == NULL)
		abort();
	free(cause);
	(void)ssm_chan_host_ok(url, 0);
	if (n + 2 <= size) {
		out = xstrndup((const char *)data + n + 2, size - n - 2);
		if (ssm_chan_closed_hint(out) == NULL)
			abort();
		free(out);
	}
	free(url);
	return (0);
}

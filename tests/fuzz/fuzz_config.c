/*
 * fuzz_config: gatewayd.conf text through config_load_buffer. A config
 * that loads must print (gatewayd -n) to text that loads again, prints the
 * same and holds equal forwards; anything else aborts.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"

/* Print conf to memory; the caller frees *out. */
static size_t
fuzz_config_print(const struct gw_config *conf, char **out)
{
	size_t	 len = 0;
	FILE	*f;

	*out = NULL;
	if ((f = open_memstream(out, &len)) == NULL)
		abort();
	config_print(f, conf);
	fclose(f);
	return (len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*conf, *again;
	struct fwd_config	*a, *b;
	char			*out, *out2;
	size_t			 len, len2;

	conf = config_load_buffer("fuzz.conf", (const char *)data, size,
	    &errs);
	if (conf == NULL && errs.n == 0)
		abort();
	config_errors_clear(&errs);
	if (conf == NULL)
		return (0);

	len = fuzz_config_print(conf, &out);
	if ((again = config_load_buffer("printed", out, len, &errs)) == NULL) {
		fprintf(stderr, "printed config does not load: %s\n%s",
		    errs.v[0], out);
		abort();
	}
	len2 = fuzz_config_print(again, &out2);
	if (len != len2 || memcmp(out, out2, len) != 0)
		abort();
	b = TAILQ_FIRST(&again->forwards);
	TAILQ_FOREACH(a, &conf->forwards, entry) {
		if (b == NULL || !config_fwd_equal(a, b))
			abort();
		b = TAILQ_NEXT(b, entry);
	}
	free(out);
	free(out2);
	config_free(again);
	config_free(conf);
	return (0);
}

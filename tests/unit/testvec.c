/*
 * Shared helpers for the unit tests that read JSON test vectors and hex.
 * Everything fails the running cmocka test on error.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <event2/buffer.h>

#include "testdata.h"
#include "testvec.h"
#include "util.h"
#include "xmalloc.h"

cJSON *
testvec_load(const char *rel)
{
	cJSON	*root;

	if ((root = testdata_json(rel)) == NULL)
		fail_msg("testdata/%s under %s: cannot load", rel,
		    testdata_dir());
	return (root);
}

cJSON *
testvec_get(const cJSON *obj, const char *name)
{
	cJSON	*item;

	item = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (item == NULL)
		fail_msg("vector has no member %s", name);
	return (item);
}

const char *
testvec_str(const cJSON *obj, const char *name)
{
	cJSON	*item = testvec_get(obj, name);

	if (!cJSON_IsString(item))
		fail_msg("vector member %s is not a string", name);
	return (item->valuestring);
}

double
testvec_num(const cJSON *obj, const char *name)
{
	cJSON	*item = testvec_get(obj, name);

	if (!cJSON_IsNumber(item))
		fail_msg("vector member %s is not a number", name);
	return (item->valuedouble);
}

uint8_t *
testvec_unhex(const char *hex, size_t *len)
{
	char	*clean;
	uint8_t	*out;
	size_t	 i, n = 0;
	int	 r;

	clean = xmalloc(strlen(hex) + 1);
	for (i = 0; hex[i] != '\0'; i++) {
		if (hex[i] != ' ' && hex[i] != '\n')
			clean[n++] = hex[i];
	}
	clean[n] = '\0';
	/* Exact size, so the sanitizer sees any read past the end. */
	out = xmalloc(n / 2 > 0 ? n / 2 : 1);
	if ((r = util_unhex(clean, out, n / 2)) < 0 || (size_t)r != n / 2)
		fail_msg("bad hex in vector: %.40s", hex);
	*len = n / 2;
	free(clean);
	return (out);
}

char *
testvec_hex_bytes(const void *buf, size_t len)
{
	char	*out;

	out = xmalloc(2 * len + 1);
	util_hex(buf, len, out);
	return (out);
}

char *
testvec_hex(struct evbuffer *b)
{
	size_t	 len = evbuffer_get_length(b);
	uint8_t	*flat;

	flat = evbuffer_pullup(b, -1);
	return (testvec_hex_bytes(flat != NULL ? flat : (uint8_t *)"", len));
}

void
testvec_refused(int (*parse)(const char *, char **),
    const char *const (*cases)[2], size_t n)
{
	size_t	 i;
	char	*cause;

	for (i = 0; i < n; i++) {
		cause = NULL;
		if (parse(cases[i][0], &cause) != -1)
			fail_msg("accepted: %s", cases[i][0]);
		assert_string_equal(cause, cases[i][1]);
		free(cause);
	}
}

/* testdata.c: reading the shared test data for unit tests. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testdata.h"
#include "xmalloc.h"

const char *
testdata_dir(void)
{
	static char	 buf[4096];
	const char	*s;

	if ((s = getenv("SHARED_DIR")) != NULL && *s != '\0')
		return (s);
	if ((s = getenv("top_srcdir")) == NULL)
		s = ".";
	snprintf(buf, sizeof buf, "%s/../shared", s);
	return (buf);
}

char *
testdata_read(const char *path, size_t *lenp)
{
	FILE	*f;
	char	*buf;
	size_t	 len = 0, n;
	char	 chunk[4096];

	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	buf = xstrdup("");
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf = xrealloc(buf, len + n + 1);
		memcpy(buf + len, chunk, n);
		len += n;
		buf[len] = '\0';
	}
	fclose(f);
	if (lenp != NULL)
		*lenp = len;
	return (buf);
}

cJSON *
testdata_json(const char *rel)
{
	char	*path, *text;
	cJSON	*j = NULL;

	xasprintf(&path, "%s/testdata/%s", testdata_dir(), rel);
	if ((text = testdata_read(path, NULL)) == NULL)
		printf("testdata: cannot read %s\n", path);
	else if ((j = cJSON_Parse(text)) == NULL)
		printf("testdata: %s is not JSON\n", path);
	free(text);
	free(path);
	return (j);
}

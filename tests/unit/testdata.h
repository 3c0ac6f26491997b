/*
 * testdata.h: find and read the shared test data (shared/testdata) from a
 * unit test. The directory is $SHARED_DIR, which make check sets, or else
 * $top_srcdir/../shared.
 */
#ifndef TESTDATA_H
#define TESTDATA_H

#include <stddef.h>

#include <cjson/cJSON.h>

const char	*testdata_dir(void);
/* A whole file, NUL-terminated, length in *len if not NULL; or NULL. */
char		*testdata_read(const char *path, size_t *len);
/* Parse testdata/<rel> under testdata_dir(); NULL (and a line on
 * stdout) if it cannot be read or parsed. */
cJSON		*testdata_json(const char *rel);

#endif /* TESTDATA_H */

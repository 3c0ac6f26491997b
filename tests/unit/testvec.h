/*
 * testvec.h: helpers for unit tests that read the shared test vectors
 * (SHARED_DIR/testdata/...; SHARED_DIR defaults to $top_srcdir/../shared).
 * A missing or unreadable vector file fails the test: it never skips.
 */
#ifndef TESTVEC_H
#define TESTVEC_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct evbuffer;

/* Parse testdata/<rel> as JSON; fail the test if it cannot. */
struct cJSON	*testvec_load(const char *rel);
/* Member name of obj, which must exist; fail the test if it does not. */
struct cJSON	*testvec_get(const struct cJSON *obj, const char *name);
const char	*testvec_str(const struct cJSON *obj, const char *name);
double		 testvec_num(const struct cJSON *obj, const char *name);
/* Decode hex (spaces allowed) into a fresh exact-size buffer. */
uint8_t		*testvec_unhex(const char *hex, size_t *len);
/* Lower-case hex of everything in b (b is left alone); caller frees. */
char		*testvec_hex(struct evbuffer *b);
/* Lower-case hex of len bytes; caller frees. */
char		*testvec_hex_bytes(const void *buf, size_t len);

/*
 * Each text cases[i][0] must be refused by parse (which frees whatever it
 * made) with exactly the cause cases[i][1].
 */
void		 testvec_refused(int (*parse)(const char *, char **),
		    const char *const (*cases)[2], size_t n);

#endif /* TESTVEC_H */

/*
 * sigv4_int.h: what sigv4_canon.c lends the signer and the tests'
 * verifier (tests/lib/sigv4_verify.c). Not a contract: use aws_sigv4.h.
 */
#ifndef SIGV4_INT_H
#define SIGV4_INT_H

#include <sys/types.h>

#include <stddef.h>

#include "aws_sigv4.h"

#define SIGV4_ALGORITHM	"AWS4-HMAC-SHA256"

#ifndef nitems
#define nitems(a)	(sizeof (a) / sizeof (a)[0])
#endif

/*
 * A growing string, always NUL-terminated once anything was added. It
 * grows by copying and wipes what it leaves, so no stale copy of a token
 * stays behind in freed memory. Start it zeroed.
 */
struct sigv4_buf {
	char	*p;
	size_t	 len;
	size_t	 size;
};

void	 sigv4_buf_add(struct sigv4_buf *, const void *, size_t);
void	 sigv4_buf_str(struct sigv4_buf *, const char *);
void	 sigv4_buf_char(struct sigv4_buf *, char);
/* UriEncode len bytes of s onto the buffer. */
void	 sigv4_buf_encode(struct sigv4_buf *, const char *s, size_t len,
	    int encode_slash);
/* Hand the string to the caller (who frees it); "" if empty. */
char	*sigv4_buf_take(struct sigv4_buf *);
/* Wipe and free; the buffer is empty again. */
void	 sigv4_buf_wipe(struct sigv4_buf *);

/* A-Z a-z 0-9 - _ . ~ */
int	 sigv4_is_unreserved(u_char);
/* A header value trimmed and with runs of blanks squeezed. Caller frees. */
char	*sigv4_header_value(const char *);
/*
 * The canonical headers ("name:value\n" each) onto block and the signed
 * header list onto list; either may be NULL. -1 and *cause if a name is
 * not a token, a value has a control character or there are too many.
 */
int	 sigv4_headers_canonical(const struct aws_header *, size_t,
	    struct sigv4_buf *block, struct sigv4_buf *list, char **cause);

#endif /* SIGV4_INT_H */

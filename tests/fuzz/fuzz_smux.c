/*
 * Fuzz smux: byte 0 picks the role, byte 1 seeds the split sizes, the
 * rest is the peer's byte stream, fed in random pieces with our own opens,
 * writes, closes and pulls in between. It must never crash, its memory
 * must stay bounded by what it was given, and everything it sends must be
 * read without a protocol error by a peer smux of the other role.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "fuzz.h"
#include "ssm_smux.h"

struct fuzz_state {
	struct smux	*peer;		/* reads everything we send */
	uint64_t	 echoed;
};

/* A server echoes data and closes on FIN, from inside the callback. */
static void
fuzz_cb(struct smux *s, const struct smux_event *ev, void *arg)
{
	struct fuzz_state	*st = arg;

	if (ev->type == SMUX_EV_DATA && smux_write(s, ev->sid, ev->data,
	    ev->len) == 0)
		st->echoed += ev->len;
	else if (ev->type == SMUX_EV_FIN)
		smux_close(s, ev->sid);
}

static uint32_t
fuzz_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return (*x);
}

/* Pull up to max bytes of our output and hand them to the peer. */
static void
fuzz_pull(struct smux *s, struct fuzz_state *st, size_t max)
{
	struct evbuffer	*out = evbuffer_new();
	char		*cause = NULL;
	size_t		 n;

	n = smux_output(s, out, max);
	if (n > max || n != evbuffer_get_length(out))
		abort();
	if (n > 0 && smux_input(st->peer, evbuffer_pullup(out, -1), n,
	    &cause) != 0)
		abort();	/* we sent something invalid */
	evbuffer_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_state	 st;
	struct smux		*s;
	enum smux_role		 role;
	uint32_t		 rnd, sid = 0;
	size_t			 off = 2, n;
	char			*cause = NULL;

	if (size < 2)
		return (0);
	role = (data[0] & 1) ? SMUX_SERVER : SMUX_CLIENT;
	rnd = 0x9e3779b9u ^ data[1];
	memset(&st, 0, sizeof st);
	st.peer = smux_new(role == SMUX_CLIENT ? SMUX_SERVER : SMUX_CLIENT,
	    NULL, NULL);
	s = smux_new(role, fuzz_cb, &st);
	while (off < size) {
		switch (fuzz_rand(&rnd) % 8) {
		case 0:
			if ((sid = smux_open(s)) != 0)
				smux_write(s, sid, data + off, 1);
			break;
		case 1:
			smux_close(s, sid);
			break;
		case 2:
			smux_nop(s);
			break;
		case 3:
			fuzz_pull(s, &st, 1 + fuzz_rand(&rnd) % 2048);
			break;
		default:
			n = 1 + fuzz_rand(&rnd) % 64;
			if (n > size - off)
				n = size - off;
			if (smux_input(s, data + off, n, &cause) != 0) {
				free(cause);
				cause = NULL;
			}
			off += n;
			break;
		}
		/* Bounded by what it was given: echoes plus frame overhead. */
		if (smux_pending(s) > st.echoed + SMUX_MAX_CONTROL +
		    (size + 16) * SMUX_HEADER_LEN)
			abort();
	}
	while (smux_pending(s) > 0)
		fuzz_pull(s, &st, 1 + fuzz_rand(&rnd) % 4096);
	smux_free(s);
	smux_free(st.peer);
	return (0);
}

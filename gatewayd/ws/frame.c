/*
 * Data frames written without wslay: a head of 2 to 14 bytes and the
 * payload, masked eight bytes at a time when we are the client (wslay
 * masks a byte at a time, which made masking the cost of sending).
 */

#include <string.h>

#include "ws_frame.h"

size_t
ws_frame_head(uint8_t *out, int opcode, uint64_t len, const uint8_t *key)
{
	size_t	n = 2, i;

	out[0] = 0x80 | (opcode & 0x0f);
	out[1] = key != NULL ? 0x80 : 0;
	if (len < 126)
		out[1] |= (uint8_t)len;
	else if (len <= 0xffff) {
		out[1] |= 126;
		out[2] = (uint8_t)(len >> 8);
		out[3] = (uint8_t)len;
		n = 4;
	} else {
		out[1] |= 127;
		for (i = 0; i < 8; i++)
			out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
		n = 10;
	}
	if (key != NULL) {
		memcpy(out + n, key, 4);
		n += 4;
	}
	return (n);
}

void
ws_frame_mask(uint8_t *dst, const uint8_t *src, size_t len,
    const uint8_t key[4], size_t off)
{
	uint8_t		k[8];
	uint64_t	kw, w;
	size_t		i;

	for (i = 0; i < 8; i++)
		k[i] = key[(off + i) % 4];
	memcpy(&kw, k, sizeof kw);
	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, src + i, sizeof w);
		w ^= kw;
		memcpy(dst + i, &w, sizeof w);
	}
	for (; i < len; i++)
		dst[i] = src[i] ^ k[i % 8];
}

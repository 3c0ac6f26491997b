/*
 * ws_frame.h: writing WebSocket frames (RFC 6455 section 5.2). wslay
 * parses what comes in and writes control frames; data frames, the bulk
 * of every tunnel, are written here, masked a word at a time. Pure: bytes
 * in, bytes out.
 */
#ifndef WS_FRAME_H
#define WS_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define WS_FRAME_MAX_HEAD	14

/*
 * Write the head of a final frame with opcode and a payload of len bytes
 * into out (WS_FRAME_MAX_HEAD bytes); with key (4 bytes) it is masked.
 * Return the length of the head.
 */
size_t	ws_frame_head(uint8_t *out, int opcode, uint64_t len,
	    const uint8_t *key);

/*
 * Copy len bytes from src to dst masked with key, as bytes off.. of a
 * payload (masking is its own inverse). dst may equal src.
 */
void	ws_frame_mask(uint8_t *dst, const uint8_t *src, size_t len,
	    const uint8_t key[4], size_t off);

#endif /* WS_FRAME_H */

/*
 * util.h: small helpers every layer shares: the clock, random bytes and
 * UUIDs, hex, SHA-256 and base64. No I/O, no event loop.
 */
#ifndef UTIL_H
#define UTIL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>
#include <time.h>

/*
 * Time is read only through these, so that tests can fake it. The
 * monotonic clock is for timeouts and RTT; the wall clock is for SigV4
 * dates, credential expiry and agent message CreatedDate.
 */
uint64_t clock_now_ms(void);		/* monotonic, milliseconds */
uint64_t clock_wall_ms(void);		/* Unix epoch, milliseconds */
/* Tests: pin both clocks (wall = mono + offset); 0 restores real time. */
void	 clock_set_fake(uint64_t mono_ms, uint64_t wall_ms);
void	 clock_advance_fake(uint64_t ms);
/* A span of ms milliseconds as the timeval libevent's timers take. */
struct timeval util_ms_tv(uint64_t ms);

#define UUID_LEN	16
#define UUID_STR_LEN	37		/* 36 characters and a NUL */

/* Fill buf with cryptographically random bytes; fatal on failure. */
void	 util_random(void *buf, size_t len);
/* Uniform random integer in [lo, hi); hi > lo. */
uint64_t util_random_range(uint64_t lo, uint64_t hi);
/*
 * A fresh random (version 4) UUID, binary and as lower-case text. Fast
 * and unique, not unpredictable: for ids, never for secrets.
 */
void	 util_uuid_v4(uint8_t uuid[UUID_LEN]);
char	*util_uuid_put(char *, const uint8_t uuid[UUID_LEN]);
void	 util_uuid_format(const uint8_t uuid[UUID_LEN],
	    char out[UUID_STR_LEN]);
/* Parse 36-character hyphenated text; return 0 or -1. */
int	 util_uuid_parse(const char *text, uint8_t uuid[UUID_LEN]);

/* Lower-case hex of len bytes into out (2 * len + 1 bytes). */
void	 util_hex(const void *buf, size_t len, char *out);
/* Decode hex text (even length); return bytes written or -1. */
int	 util_unhex(const char *text, uint8_t *out, size_t outlen);

#define SHA256_LEN	32
void	 util_sha256(const void *buf, size_t len, uint8_t out[SHA256_LEN]);
void	 util_sha256_hex(const void *buf, size_t len,
	    char out[2 * SHA256_LEN + 1]);

/* Base64 (standard alphabet, padded). Caller frees; decode returns -1 on
 * malformed input. */
char	*util_base64_encode(const void *buf, size_t len);
int	 util_base64_decode(const char *text, uint8_t **out, size_t *outlen);

/* Format a byte count for humans: "1.2 MB", "80 KB", "512 B". */
void	 util_fmt_bytes(uint64_t n, char *out, size_t outlen);
/* Format a duration for humans: "12s", "3m4s", "2h1m". */
void	 util_fmt_duration(uint64_t ms, char *out, size_t outlen);

/*
 * 1 if host names its own machine's loopback in any spelling a resolver
 * or an address parser accepts: localhost and *.localhost (RFC 6761, a
 * trailing dot too), 127.0.0.0/8 however written (0177.0.0.1, 0x7f.1,
 * 2130706433), ::1, and IPv4-mapped or -compatible forms of those
 * (::ffff:127.0.0.1), brackets allowed. A name is not resolved.
 */
int	 util_host_is_loopback(const char *host);

/* 1 if fd is a pipe, a socket or a terminal: what poll(2) can watch. */
int	 util_fd_pollable(int fd);
/*
 * uid's login name in buf ("" if it has none). The password database is
 * read once per uid and kept for a few minutes: a jump box's NSS may be
 * slow, and a conn's records need the name at each accept.
 */
void	 util_user_name(uid_t uid, char *buf, size_t len);
/*
 * One byte carrying n descriptors over a unix socket (gatewayctl connect
 * to gatewayd): send them, or receive up to *n (close-on-exec) and set *n
 * to how many came. Return what sendmsg/recvmsg did: 1, 0 at the end,
 * -1 and errno; a receive that had to drop descriptors (more than *n)
 * closes those it got and fails with EMSGSIZE.
 */
#define UTIL_MAX_FDS	2
ssize_t	 util_send_fds(int sock, const int *fds, int n);
ssize_t	 util_recv_fds(int sock, int *fds, int *n);

#endif /* UTIL_H */

/*
 * tool.h: what the test tools (loadserver, loadclient, freeport) share:
 * addresses, a reproducible byte stream, incremental SHA-256.
 */
#ifndef TOOL_H
#define TOOL_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

struct evp_md_ctx_st;

/* "127.0.0.1:80", "[::1]:80", "unix:/path". */
struct tool_addr {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
};

/* A reproducible pseudo-random byte stream: same seed, same bytes. */
struct tool_stream {
	uint64_t	 state;
	uint64_t	 word;
	unsigned	 left;		/* bytes of word not yet used */
};

struct tool_hash {
	struct evp_md_ctx_st	*ctx;
	uint64_t		 bytes;
};

/* What a test server does with a connection: -m echo|sink|source. */
enum tool_mode { TOOL_ECHO, TOOL_SINK, TOOL_SOURCE };

int	 tool_parse_addr(const char *, struct tool_addr *);
/* "echo", "sink" or "source"; exit naming prog on anything else. */
enum tool_mode tool_parse_mode(const char *prog, const char *);
/* A non-blocking socket bound to a and listening; exit on failure. */
int	 tool_listen(const struct tool_addr *);
/* The port a listening TCP socket got. */
unsigned tool_local_port(int fd);
/*
 * SO_RCVBUF and SO_SNDBUF of fd to bytes each: what the kernel holds for
 * it stops depending on the machine's autotuning (tcp_rmem, tcp_wmem).
 */
void	 tool_sockbuf(int fd, int bytes);

void	 tool_stream_init(struct tool_stream *, uint64_t seed);
void	 tool_stream_fill(struct tool_stream *, void *, size_t);

void	 tool_hash_init(struct tool_hash *);
void	 tool_hash_update(struct tool_hash *, const void *, size_t);
/* Write 64 hex digits and a NUL to out; the hash can not be used after. */
void	 tool_hash_final(struct tool_hash *, char out[65]);

/* Use every descriptor the hard limit allows. */
void	 tool_raise_nofile(void);
/* Write text to path atomically (temp file and rename). */
void	 tool_write_file(const char *path, const char *text);
void	 tool_fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif /* TOOL_H */

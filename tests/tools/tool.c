/* Shared helpers of the test tools: addresses, streams, hashes, files. */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tool.h"

void
tool_fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

int
tool_parse_addr(const char *s, struct tool_addr *a)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&a->ss;
	struct sockaddr_un	*sun = (struct sockaddr_un *)&a->ss;
	char			 host[128];
	const char		*port, *end;

	memset(a, 0, sizeof *a);
	if (strncmp(s, "unix:", 5) == 0) {
		sun->sun_family = AF_UNIX;
		if (strlen(s + 5) >= sizeof sun->sun_path)
			return (-1);
		strcpy(sun->sun_path, s + 5);
		a->len = sizeof *sun;
		return (0);
	}
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':' ||
		    (size_t)(end - s) > sizeof host)
			return (-1);
		snprintf(host, sizeof host, "%.*s", (int)(end - s - 1), s + 1);
		port = end + 2;
		sin6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return (-1);
		sin6->sin6_port = htons((uint16_t)atoi(port));
		a->len = sizeof *sin6;
		return (0);
	}
	if ((port = strrchr(s, ':')) == NULL ||
	    (size_t)(port - s) >= sizeof host)
		return (-1);
	snprintf(host, sizeof host, "%.*s", (int)(port - s), s);
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		return (-1);
	sin->sin_port = htons((uint16_t)atoi(port + 1));
	a->len = sizeof *sin;
	return (0);
}

int
tool_listen(const struct tool_addr *a)
{
	int	fd, one = 1;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		tool_fatal("socket: %s", strerror(errno));
	if (a->ss.ss_family != AF_UNIX)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	else
		unlink(((const struct sockaddr_un *)&a->ss)->sun_path);
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1)
		tool_fatal("bind: %s", strerror(errno));
	if (listen(fd, 1024) == -1)
		tool_fatal("listen: %s", strerror(errno));
	return (fd);
}

void
tool_sockbuf(int fd, int bytes)
{
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof bytes) == -1)
		tool_fatal("setsockopt: %s", strerror(errno));
}

unsigned
tool_local_port(int fd)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return (0);
	if (ss.ss_family == AF_INET)
		return (ntohs(((struct sockaddr_in *)&ss)->sin_port));
	if (ss.ss_family == AF_INET6)
		return (ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	return (0);
}

void
tool_stream_init(struct tool_stream *st, uint64_t seed)
{
	st->state = seed * 0x9e3779b97f4a7c15ULL + 0x2545f4914f6cdd1dULL;
	if (st->state == 0)
		st->state = 1;
	st->left = 0;
}

/* xorshift64*: fast, and the same everywhere. */
void
tool_stream_fill(struct tool_stream *st, void *buf, size_t len)
{
	uint8_t	*p = buf;

	while (len > 0) {
		if (st->left == 0) {
			st->state ^= st->state >> 12;
			st->state ^= st->state << 25;
			st->state ^= st->state >> 27;
			st->word = st->state * 0x2545f4914f6cdd1dULL;
			st->left = 8;
		}
		*p++ = (uint8_t)(st->word >> (8 * (8 - st->left)));
		st->left--;
		len--;
	}
}

void
tool_hash_init(struct tool_hash *h)
{
	if ((h->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		tool_fatal("sha256 init failed");
	h->bytes = 0;
}

void
tool_hash_update(struct tool_hash *h, const void *buf, size_t len)
{
	EVP_DigestUpdate(h->ctx, buf, len);
	h->bytes += len;
}

void
tool_hash_final(struct tool_hash *h, char out[65])
{
	static const char	hex[] = "0123456789abcdef";
	unsigned char		md[32];
	unsigned		len = sizeof md, i;

	EVP_DigestFinal_ex(h->ctx, md, &len);
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
}

void
tool_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

void
tool_write_file(const char *path, const char *text)
{
	char	tmp[4096];
	FILE	*f;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		tool_fatal("%s: %s", tmp, strerror(errno));
	fputs(text, f);
	if (fclose(f) != 0 || rename(tmp, path) == -1)
		tool_fatal("%s: %s", path, strerror(errno));
}

enum tool_mode
tool_parse_mode(const char *prog, const char *s)
{
	if (strcmp(s, "echo") == 0)
		return (TOOL_ECHO);
	if (strcmp(s, "sink") == 0)
		return (TOOL_SINK);
	if (strcmp(s, "source") == 0)
		return (TOOL_SOURCE);
	tool_fatal("%s: bad mode %s (echo, sink or source)", prog, s);
}

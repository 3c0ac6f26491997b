/*
 * Shared helpers: clock, randomness, UUIDs, hex, SHA-256, base64 and
 * human-readable sizes. Nothing here touches sockets or the event loop.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "log.h"
#include "util.h"
#include "xmalloc.h"

static int	 clock_fake;
static uint64_t	 clock_fake_mono;
static uint64_t	 clock_fake_wall;

struct timeval
util_ms_tv(uint64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return (tv);
}

uint64_t
clock_now_ms(void)
{
	struct timespec	ts;

	if (clock_fake)
		return (clock_fake_mono);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

uint64_t
clock_wall_ms(void)
{
	struct timespec	ts;

	if (clock_fake)
		return (clock_fake_wall);
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

void
clock_set_fake(uint64_t mono_ms, uint64_t wall_ms)
{
	clock_fake = (mono_ms != 0 || wall_ms != 0);
	clock_fake_mono = mono_ms;
	clock_fake_wall = wall_ms;
}

void
clock_advance_fake(uint64_t ms)
{
	clock_fake_mono += ms;
	clock_fake_wall += ms;
}

void
util_random(void *buf, size_t len)
{
	if (RAND_bytes(buf, (int)len) != 1)
		fatalx("RAND_bytes failed");
}

uint64_t
util_random_range(uint64_t lo, uint64_t hi)
{
	uint64_t	r, span = hi - lo, limit;

	if (hi <= lo)
		return (lo);
	/* Reject the top sliver so that every value is equally likely. */
	limit = UINT64_MAX - (UINT64_MAX % span);
	do
		util_random(&r, sizeof r);
	while (r >= limit);
	return (lo + r % span);
}

static uint64_t
util_rotl(uint64_t x, int k)
{
	return ((x << k) | (x >> (64 - k)));
}

/*
 * xoshiro256**, seeded once from util_random(). The data channel takes an
 * id for every message and every ack: RAND_bytes each time cost it three
 * quarters of its speed (bench_chan), and ids are never secrets.
 */
static uint64_t
util_id_u64(void)
{
	static uint64_t	 s[4];
	uint64_t	 t, r;

	while ((s[0] | s[1] | s[2] | s[3]) == 0)
		util_random(s, sizeof s);
	t = s[1] << 17;
	r = util_rotl(s[1] * 5, 7) * 9;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = util_rotl(s[3], 45);
	return (r);
}

void
util_uuid_v4(uint8_t uuid[UUID_LEN])
{
	uint64_t	a = util_id_u64(), b = util_id_u64();

	memcpy(uuid, &a, 8);
	memcpy(uuid + 8, &b, 8);
	uuid[6] = (uuid[6] & 0x0f) | 0x40;	/* version 4 */
	uuid[8] = (uuid[8] & 0x3f) | 0x80;	/* RFC 4122 variant */
}

/* The canonical text of u at p (36 characters, no NUL); past it. */
char *
util_uuid_put(char *p, const uint8_t u[UUID_LEN])
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < UUID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		*p++ = hex[u[i] >> 4];
		*p++ = hex[u[i] & 0xf];
	}
	return (p);
}

void
util_uuid_format(const uint8_t u[UUID_LEN], char out[UUID_STR_LEN])
{
	*util_uuid_put(out, u) = '\0';
}

static int
util_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
util_uuid_parse(const char *text, uint8_t uuid[UUID_LEN])
{
	size_t	i, n = 0;
	int	hi, lo;

	if (strlen(text) != 36)
		return (-1);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (text[i] != '-')
				return (-1);
			continue;
		}
		if ((hi = util_hexval(text[i])) == -1 ||
		    (lo = util_hexval(text[i + 1])) == -1)
			return (-1);
		uuid[n++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	return (n == UUID_LEN ? 0 : -1);
}

void
util_hex(const void *buf, size_t len, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	const uint8_t		*p = buf;
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int
util_unhex(const char *text, uint8_t *out, size_t outlen)
{
	size_t	len = strlen(text), i;
	int	hi, lo;

	if (len % 2 != 0 || len / 2 > outlen)
		return (-1);
	for (i = 0; i < len / 2; i++) {
		if ((hi = util_hexval(text[2 * i])) == -1 ||
		    (lo = util_hexval(text[2 * i + 1])) == -1)
			return (-1);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return ((int)(len / 2));
}

/*
 * SHA-256 through one digest fetched once and one context reused: the
 * one-shot SHA256() looks the algorithm up in the provider store on every
 * call, which costs more than hashing a 1 KiB message. gatewayd is one
 * thread; both live until exit.
 */
void
util_sha256(const void *buf, size_t len, uint8_t out[SHA256_LEN])
{
	static EVP_MD		*md;
	static EVP_MD_CTX	*ctx;

	if (md == NULL && (md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		fatalx("%s: no SHA-256 in the crypto library", __func__);
	if (ctx == NULL && (ctx = EVP_MD_CTX_new()) == NULL)
		fatalx("%s: out of memory", __func__);
	if (EVP_DigestInit_ex2(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, buf, len) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, NULL) != 1)
		fatalx("%s: digest failed", __func__);
}

void
util_sha256_hex(const void *buf, size_t len, char out[2 * SHA256_LEN + 1])
{
	uint8_t	md[SHA256_LEN];

	util_sha256(buf, len, md);
	util_hex(md, sizeof md, out);
}

char *
util_base64_encode(const void *buf, size_t len)
{
	char	*out;

	out = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)out, buf, (int)len);
	return (out);
}

int
util_base64_decode(const char *text, uint8_t **out, size_t *outlen)
{
	size_t	 len = strlen(text);
	uint8_t	*buf;
	int	 n;

	if (len % 4 != 0)
		return (-1);
	buf = xmalloc(len / 4 * 3 + 1);
	if ((n = EVP_DecodeBlock(buf, (const unsigned char *)text,
	    (int)len)) < 0) {
		free(buf);
		return (-1);
	}
	/* EVP_DecodeBlock counts padding as zero bytes; take them off. */
	if (len > 0 && text[len - 1] == '=')
		n--;
	if (len > 1 && text[len - 2] == '=')
		n--;
	*out = buf;
	*outlen = (size_t)n;
	return (0);
}

void
util_fmt_bytes(uint64_t n, char *out, size_t outlen)
{
	if (n < 1000)
		snprintf(out, outlen, "%llu B", (unsigned long long)n);
	else if (n < 1000 * 1000)
		snprintf(out, outlen, "%.1f KB", n / 1e3);
	else if (n < 1000ULL * 1000 * 1000)
		snprintf(out, outlen, "%.1f MB", n / 1e6);
	else
		snprintf(out, outlen, "%.2f GB", n / 1e9);
}

void
util_fmt_duration(uint64_t ms, char *out, size_t outlen)
{
	uint64_t	s = ms / 1000;

	if (s < 60 && ms < 10000 && ms % 1000 != 0)
		snprintf(out, outlen, "%.1fs", ms / 1e3);
	else if (s < 60)
		snprintf(out, outlen, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(out, outlen, "%llum%llus", (unsigned long long)s / 60,
		    (unsigned long long)s % 60);
	else
		snprintf(out, outlen, "%lluh%llum",
		    (unsigned long long)s / 3600,
		    (unsigned long long)(s % 3600) / 60);
}

/* "localhost", "localhost.", "db.localhost", any case. */
static int
util_name_is_localhost(const char *host, size_t len)
{
	if (len > 0 && host[len - 1] == '.')
		len--;
	if (len < 9 || strncasecmp(host + len - 9, "localhost", 9) != 0)
		return (0);
	return (len == 9 || host[len - 10] == '.');
}

int
util_host_is_loopback(const char *host)
{
	struct in_addr	 in4;
	struct in6_addr	 in6;
	char		 buf[INET6_ADDRSTRLEN + 2];
	size_t		 len = strlen(host);
	const uint8_t	*b = in6.s6_addr;
	static const uint8_t zero[10];

	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		if (len - 2 >= sizeof buf)
			return (0);
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		host = buf;
		len -= 2;
	}
	if (util_name_is_localhost(host, len))
		return (1);
	/* inet_aton takes the old forms: octal, hex, fewer parts. */
	if (strchr(host, ':') == NULL && inet_aton(host, &in4) == 1)
		return ((ntohl(in4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &in6) != 1)
		return (0);
	if (IN6_IS_ADDR_LOOPBACK(&in6))
		return (1);
	/* ::ffff:a.b.c.d and the deprecated ::a.b.c.d */
	if (memcmp(b, zero, 10) == 0 && ((b[10] == 0xff && b[11] == 0xff) ||
	    (b[10] == 0 && b[11] == 0)))
		return (b[12] == 127);
	return (0);
}

int
util_fd_pollable(int fd)
{
	struct stat	sb;

	if (fstat(fd, &sb) == -1)
		return (0);
	return (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode) ||
	    (S_ISCHR(sb.st_mode) && isatty(fd)));
}

/* How many uids' names util_user_name keeps, and for how long. */
#define UTIL_USERS		32
#define UTIL_USER_TTL_MS	(5 * 60 * 1000)

void
util_user_name(uid_t uid, char *buf, size_t len)
{
	static struct {
		uid_t		uid;
		uint64_t	when;		/* 0: empty */
		char		name[64];
	}		 cache[UTIL_USERS];
	struct passwd	 pw, *res = NULL;
	char		 pwbuf[4096];
	uint64_t	 now = clock_now_ms();
	size_t		 i, slot = 0;

	for (i = 0; i < UTIL_USERS; i++) {
		if (cache[i].when != 0 && cache[i].uid == uid &&
		    now - cache[i].when < UTIL_USER_TTL_MS) {
			strlcpy(buf, cache[i].name, len);
			return;
		}
		if (cache[i].when < cache[slot].when)
			slot = i;
	}
	cache[slot].uid = uid;
	cache[slot].when = now != 0 ? now : 1;
	cache[slot].name[0] = '\0';
	if (getpwuid_r(uid, &pw, pwbuf, sizeof pwbuf, &res) == 0 &&
	    res != NULL)
		strlcpy(cache[slot].name, pw.pw_name, sizeof cache[slot].name);
	strlcpy(buf, cache[slot].name, len);
}

/* The message of one byte and room for UTIL_MAX_FDS descriptors. */
struct util_fdmsg {
	struct msghdr	 msg;
	struct iovec	 iov;
	char		 byte;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(UTIL_MAX_FDS * sizeof(int))];
	}		 cbuf;
};

static void
util_fdmsg_init(struct util_fdmsg *m, int n)
{
	memset(m, 0, sizeof *m);
	m->byte = 'F';
	m->iov.iov_base = &m->byte;
	m->iov.iov_len = 1;
	m->msg.msg_iov = &m->iov;
	m->msg.msg_iovlen = 1;
	m->msg.msg_control = m->cbuf.buf;
	m->msg.msg_controllen = CMSG_SPACE(n * sizeof(int));
}

ssize_t
util_send_fds(int sock, const int *fds, int n)
{
	struct util_fdmsg	 m;
	struct cmsghdr		*cmsg;
	ssize_t			 rv;

	if (n < 1 || n > UTIL_MAX_FDS) {
		errno = EINVAL;
		return (-1);
	}
	util_fdmsg_init(&m, n);
	cmsg = CMSG_FIRSTHDR(&m.msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cmsg), fds, n * sizeof(int));
	while ((rv = sendmsg(sock, &m.msg, MSG_NOSIGNAL)) == -1 &&
	    errno == EINTR)
		;
	return (rv);
}

ssize_t
util_recv_fds(int sock, int *fds, int *n)
{
	struct util_fdmsg	 m;
	struct cmsghdr		*cmsg;
	ssize_t			 rv;
	int			 got = 0, i, k;

	util_fdmsg_init(&m, UTIL_MAX_FDS);
	while ((rv = recvmsg(sock, &m.msg, MSG_CMSG_CLOEXEC)) == -1 &&
	    errno == EINTR)
		;
	for (cmsg = CMSG_FIRSTHDR(&m.msg); rv > 0 && cmsg != NULL;
	    cmsg = CMSG_NXTHDR(&m.msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		k = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			int	fd;

			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof fd);
			if (got < *n)
				fds[got++] = fd;
			else
				close(fd);
		}
	}
	if (rv > 0 && (m.msg.msg_flags & MSG_CTRUNC)) {
		for (i = 0; i < got; i++)
			close(fds[i]);
		got = 0;
		errno = EMSGSIZE;
		rv = -1;
	}
	*n = got;
	return (rv);
}

/*
 * bench_client: the measuring client of the benchmarks, blocking sockets
 * and one thread per connection so that it costs as little as it can.
 * Prints one line of name=value figures; a benchmark, not a test.
 *
 *	bench_client bulk -c ADDR -d down|up -n BYTES [-C CONNS] [-t SECS]
 *	bench_client latency -c ADDR -N COUNT [-w WARMUP] [-o FILE]
 *	    [-s SECS] [-t SECS]
 *	bench_client syscall -N COUNT
 *	bench_client floor -N HOLDS -m MSGS -h HOLD_MS
 *
 * bulk: CONNS connections at once (default 1), each moving BYTES. down
 * asks bench_server -m source for BYTES ("BYTES\n"), reads them, then
 * closes; up sends
 * "BYTES\n" and BYTES to bench_server -m sink and waits for the sink's
 * count, which must equal BYTES (no half-close: Session Manager's smux
 * has none). Timed from the moment every connection
 * is up to the last one done: "bulk dir=up conns=1 bytes=... secs=...
 * mibps=... min_mibps=... cpu_s=...", bytes summed over connections,
 * min_mibps the slowest connection's own rate, cpu_s this process's.
 *
 * latency: COUNT times, one after the other: connect(), send one byte,
 * wait for its echo (bench_server -m echo), close; each sample is the
 * time from before connect() to the echoed byte. WARMUP more are made
 * first and not counted (default 100). Prints "latency n=... p50_us=...
 * p90_us=... p99_us=... p999_us=... max_us=... mean_us=...", and with -o
 * writes every sample (microseconds, one a line) to FILE. With -s, a
 * sample whose echo takes longer than SECS ends the run with its number,
 * not the whole run's -t.
 *
 * syscall: what the kernel charges for entering and leaving it, COUNT
 * getppid() calls timed together: "syscall n=... ns=..." (a paravirtual
 * machine can make this ten times what it is on bare metal, and a relay
 * makes several calls per read).
 *
 * floor: the least any receiver of a paced download does on this
 * machine, with nothing of gatewayd in it. HOLDS times: sleep HOLD_MS in
 * epoll_wait (a timer wake-up, as a hold ends; 0: no sleep, a busy
 * loop's turn), then read MSGS agent messages from a loopback socket in
 * one read, and for each: AES-256-GCM-decrypt and authenticate its 1152
 * bytes on the wire, SHA-256 its 1 KiB payload, and make its acknowledge
 * (SHA-256 of 150 bytes of JSON, AES-256-GCM-encrypt of its 278 bytes);
 * then one write of the payloads to a second socket and one of the acks
 * back. What the peers do (writing the messages, reading what came) is
 * not counted. Prints "floor holds=... msgs=... hold_ms=... us_per_msg=...
 * us_per_hold=...", this thread's CPU from before the sleep to after the
 * writes.
 *
 * Exits 1 with a message if anything fails or takes longer than -t
 * seconds (default 600).
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <openssl/evp.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

int	main(int, char **);

#define BC_BUFSIZE	(256 * 1024)
#define BC_MAXCONNS	256

struct bc_job {
	pthread_t	 thread;
	unsigned	 i;
	int		 fd;
	double		 end;		/* when it was done */
	int		 failed;
};

static struct tool_addr		 addr;
static uint64_t			 nbytes;
static int			 upload;
static unsigned			 timeout = 600;
static unsigned			 sample_timeout;	/* 0: timeout */
static pthread_barrier_t	 barrier;
static double			 start_at;

static double
bc_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
bc_timeout_cb(int sig)
{
	static const char	msg[] = "bench_client: timed out\n";

	write(STDERR_FILENO, msg, sizeof msg - 1);
	_exit(1);
}

/* A blocking connected socket, or -1 with errno. */
static int
bc_connect(void)
{
	struct timeval	tv = { sample_timeout ? sample_timeout : timeout, 0 };
	int		fd, one = 1;

	fd = socket(addr.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return (-1);
	if (addr.ss.ss_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(fd, (struct sockaddr *)&addr.ss, addr.len) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Announce BYTES to a sink or ask a source for them: "BYTES\n". */
static int
bc_header(struct bc_job *job)
{
	char	hdr[32];
	size_t	len;

	len = snprintf(hdr, sizeof hdr, "%" PRIu64 "\n", nbytes);
	if (write(job->fd, hdr, len) != (ssize_t)len) {
		fprintf(stderr, "bench_client: conn %u: write: %s\n", job->i,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

/* Read BYTES from a source. */
static int
bc_download(struct bc_job *job, uint8_t *buf)
{
	uint64_t	got = 0;
	ssize_t		n;

	if (bc_header(job) != 0)
		return (-1);
	while (got < nbytes) {
		n = read(job->fd, buf, BC_BUFSIZE);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "bench_client: conn %u: %s after %"
			    PRIu64 " bytes\n", job->i,
			    n == 0 ? "eof" : strerror(errno), got);
			return (-1);
		}
		got += n;
	}
	return (0);
}

/* Send BYTES to a sink and check its count. */
static int
bc_upload(struct bc_job *job, uint8_t *buf)
{
	uint64_t	sent = 0, count;
	size_t		len;
	ssize_t		n;
	char		reply[64], *end;

	if (bc_header(job) != 0)
		return (-1);
	while (sent < nbytes) {
		len = nbytes - sent < BC_BUFSIZE ? nbytes - sent : BC_BUFSIZE;
		n = write(job->fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			fprintf(stderr, "bench_client: conn %u: write: %s\n",
			    job->i, strerror(errno));
			return (-1);
		}
		sent += n;
	}
	len = 0;
	while (len < sizeof reply - 1 && memchr(reply, '\n', len) == NULL) {
		n = read(job->fd, reply + len, sizeof reply - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	reply[len] = '\0';
	count = strtoull(reply, &end, 10);
	if (len == 0 || *end != '\n' || count != nbytes) {
		fprintf(stderr, "bench_client: conn %u: the sink counted "
		    "'%.20s', want %" PRIu64 "\n", job->i, reply, nbytes);
		return (-1);
	}
	return (0);
}

static void *
bc_bulk_main(void *arg)
{
	struct bc_job	*job = arg;
	uint8_t		*buf;
	size_t		 i;

	buf = malloc(BC_BUFSIZE);
	if (buf == NULL)
		tool_fatal("bench_client: out of memory");
	for (i = 0; i < BC_BUFSIZE; i++)
		buf[i] = (uint8_t)(i * 7 + job->i);
	job->fd = bc_connect();
	if (job->fd == -1) {
		fprintf(stderr, "bench_client: conn %u: connect: %s\n", job->i,
		    strerror(errno));
		job->failed = 1;
	}
	pthread_barrier_wait(&barrier);
	if (!job->failed) {
		if (upload)
			job->failed = bc_upload(job, buf) != 0;
		else
			job->failed = bc_download(job, buf) != 0;
		close(job->fd);
	}
	job->end = bc_now();
	free(buf);
	return (NULL);
}

/* This process's CPU seconds, user and system. */
static double
bc_cpu(void)
{
	struct rusage	ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
}

static int
bc_bulk(unsigned nconns)
{
	struct bc_job	*jobs;
	double		 secs = 0, cpu;
	unsigned	 i, failed = 0;

	jobs = calloc(nconns, sizeof *jobs);
	if (jobs == NULL)
		tool_fatal("bench_client: out of memory");
	pthread_barrier_init(&barrier, NULL, nconns + 1);
	for (i = 0; i < nconns; i++) {
		jobs[i].i = i;
		if (pthread_create(&jobs[i].thread, NULL, bc_bulk_main,
		    &jobs[i]) != 0)
			tool_fatal("bench_client: pthread_create failed");
	}
	cpu = bc_cpu();
	pthread_barrier_wait(&barrier);
	start_at = bc_now();
	for (i = 0; i < nconns; i++) {
		pthread_join(jobs[i].thread, NULL);
		failed += jobs[i].failed;
		if (jobs[i].end - start_at > secs)
			secs = jobs[i].end - start_at;
	}
	cpu = bc_cpu() - cpu;
	free(jobs);
	if (failed != 0) {
		fprintf(stderr, "bench_client: %u of %u connections failed\n",
		    failed, nconns);
		return (1);
	}
	if (secs <= 0)
		secs = 1e-9;
	printf("bulk dir=%s conns=%u bytes=%" PRIu64 " secs=%.6f "
	    "mibps=%.2f min_mibps=%.2f cpu_s=%.3f\n", upload ? "up" : "down",
	    nconns, nbytes * nconns, secs,
	    nbytes * nconns / secs / (1024 * 1024),
	    nbytes / secs / (1024 * 1024), cpu);
	return (0);
}

static int
bc_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* The nearest-rank percentile p (0-100) of n sorted samples. */
static double
bc_percentile(const double *v, size_t n, double p)
{
	size_t	k;

	k = (size_t)(p / 100 * n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return (v[k - 1]);
}

/* One connect()-to-echoed-byte sample in seconds, or -1. */
static double
bc_sample(void)
{
	double	t0, t1;
	char	c = 'x';
	ssize_t	n;
	int	fd;

	t0 = bc_now();
	fd = bc_connect();
	if (fd == -1) {
		fprintf(stderr, "bench_client: connect: %s\n", strerror(errno));
		return (-1);
	}
	if (write(fd, &c, 1) != 1) {
		fprintf(stderr, "bench_client: write: %s\n", strerror(errno));
		close(fd);
		return (-1);
	}
	do
		n = read(fd, &c, 1);
	while (n == -1 && errno == EINTR);
	t1 = bc_now();
	close(fd);
	if (n != 1) {
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			fprintf(stderr, "bench_client: no echo in %u s\n",
			    sample_timeout ? sample_timeout : timeout);
		else
			fprintf(stderr, "bench_client: no echo: %s\n",
			    n == 0 ? "eof" : strerror(errno));
		return (-1);
	}
	return (t1 - t0);
}

static int
bc_latency(unsigned count, unsigned warmup, const char *file)
{
	double		*v, sum = 0, s;
	unsigned	 i;
	FILE		*f;

	v = calloc(count, sizeof *v);
	if (v == NULL)
		tool_fatal("bench_client: out of memory");
	for (i = 0; i < warmup + count; i++) {
		if ((s = bc_sample()) < 0) {
			fprintf(stderr, "bench_client: sample %u failed\n", i);
			free(v);
			return (1);
		}
		if (i >= warmup)
			v[i - warmup] = s * 1e6;
	}
	if (file != NULL) {
		if ((f = fopen(file, "w")) == NULL)
			tool_fatal("bench_client: %s: %s", file,
			    strerror(errno));
		for (i = 0; i < count; i++)
			fprintf(f, "%.1f\n", v[i]);
		if (fclose(f) != 0)
			tool_fatal("bench_client: %s: %s", file,
			    strerror(errno));
	}
	for (i = 0; i < count; i++)
		sum += v[i];
	qsort(v, count, sizeof *v, bc_cmp);
	printf("latency n=%u p50_us=%.1f p90_us=%.1f p99_us=%.1f "
	    "p999_us=%.1f max_us=%.1f mean_us=%.1f\n", count,
	    bc_percentile(v, count, 50), bc_percentile(v, count, 90),
	    bc_percentile(v, count, 99), bc_percentile(v, count, 99.9),
	    v[count - 1], sum / count);
	free(v);
	return (0);
}

/* The time of one trivial system call. */
static int
bc_syscall(unsigned count)
{
	double		t0, t1;
	unsigned	i;

	t0 = bc_now();
	for (i = 0; i < count; i++)
		syscall(SYS_getppid);
	t1 = bc_now();
	printf("syscall n=%u ns=%.1f\n", count, (t1 - t0) * 1e9 / count);
	return (0);
}

/* A connected loopback TCP pair, 1 MiB buffers each way. */
static void
bc_pair(int fd[2])
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof sin;
	int			l, i;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(l, (struct sockaddr *)&sin, len) == -1 ||
	    listen(l, 1) == -1 ||
	    getsockname(l, (struct sockaddr *)&sin, &len) == -1 ||
	    (fd[0] = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		tool_fatal("bench_client floor: socket: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		if (i == 1 && (fd[1] = accept(l, NULL, NULL)) == -1)
			tool_fatal("bench_client floor: accept: %s",
			    strerror(errno));
		tool_sockbuf(fd[i], 1024 * 1024);
		if (i == 0 && connect(fd[0], (struct sockaddr *)&sin,
		    len) == -1)
			tool_fatal("bench_client floor: connect: %s",
			    strerror(errno));
	}
	close(l);
}

/* Read or write exactly len bytes (blocking). */
static void
bc_io(int fd, uint8_t *p, size_t len, int wr)
{
	ssize_t	n;

	for (; len > 0; p += n, len -= (size_t)n)
		if ((n = wr ? write(fd, p, len) : read(fd, p, len)) <= 0)
			tool_fatal("bench_client floor: %s: %s", wr ? "write" :
			    "read", n == 0 ? "end of file" : strerror(errno));
}

static double
bc_thread_cpu(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

#define BC_WIRE		(1024 + 120 + 8)	/* an Output message */
#define BC_TAG		16
#define BC_ACK		(120 + 150 + 8)		/* its acknowledge */
#define BC_ACK_JSON	150

static void *
bc_alloc(size_t len)
{
	void	*p;

	if ((p = malloc(len)) == NULL)
		tool_fatal("bench_client floor: out of memory");
	return (p);
}

/* The least a receiver does per message (see the top). */
static int
bc_floor(unsigned holds, unsigned msgs, unsigned hold_ms)
{
	static const uint8_t	 key[32], iv[12];
	EVP_CIPHER_CTX		*cx = EVP_CIPHER_CTX_new();
	EVP_CIPHER_CTX		*dx = EVP_CIPHER_CTX_new();
	EVP_MD_CTX		*md = EVP_MD_CTX_new();
	size_t			 rec = BC_WIRE + BC_TAG, arec = BC_ACK + BC_TAG;
	uint8_t			*wire, *in, *plain, *acks, *sink, dg[32];
	struct epoll_event	 ev;
	double			 t0, total = 0;
	unsigned		 h, m, dlen;
	int			 agent[2], client[2], ep, n;

	if (cx == NULL || dx == NULL || md == NULL ||
	    (ep = epoll_create1(0)) == -1)
		tool_fatal("bench_client floor: out of memory");
	wire = bc_alloc(msgs * rec);
	in = bc_alloc(msgs * rec);
	plain = bc_alloc(msgs * BC_WIRE);
	acks = bc_alloc(msgs * arec);
	sink = bc_alloc(msgs * rec);
	bc_pair(agent);
	bc_pair(client);
	/* Keyed once, as TLS is: a record sets only its nonce. */
	if (EVP_EncryptInit_ex(cx, EVP_aes_256_gcm(), NULL, key, NULL) != 1 ||
	    EVP_DecryptInit_ex(dx, EVP_aes_256_gcm(), NULL, key, NULL) != 1)
		tool_fatal("bench_client floor: AES-256-GCM failed");
	/* The agent's messages, each its own sealed record. */
	memset(plain, 'x', BC_WIRE);
	for (m = 0; m < msgs; m++) {
		if (EVP_EncryptInit_ex(cx, NULL, NULL, NULL, iv) != 1 ||
		    EVP_EncryptUpdate(cx, wire + m * rec, &n,
		    plain, BC_WIRE) != 1 || EVP_EncryptFinal_ex(cx,
		    wire + m * rec + n, &n) != 1 ||
		    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG, BC_TAG,
		    wire + m * rec + BC_WIRE) != 1)
			tool_fatal("bench_client floor: AES-256-GCM failed");
	}
	for (h = 0; h < holds + 3; h++) {	/* 3 to warm up */
		bc_io(agent[0], wire, msgs * rec, 1);
		t0 = bc_thread_cpu();
		if (hold_ms != 0)
			(void)epoll_wait(ep, &ev, 1, (int)hold_ms);
		bc_io(agent[1], in, msgs * rec, 0);
		for (m = 0; m < msgs; m++) {
			uint8_t	*r = in + m * rec, *a = acks + m * arec;

			if (EVP_DecryptInit_ex(dx, NULL, NULL, NULL,
			    iv) != 1 || EVP_DecryptUpdate(dx,
			    plain + m * BC_WIRE, &n, r, BC_WIRE) != 1 ||
			    EVP_CIPHER_CTX_ctrl(dx, EVP_CTRL_GCM_SET_TAG,
			    BC_TAG, r + BC_WIRE) != 1 ||
			    EVP_DecryptFinal_ex(dx, plain + m * BC_WIRE + n,
			    &n) != 1 ||
			    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
			    EVP_DigestUpdate(md, plain + m * BC_WIRE + 128,
			    1024) != 1 ||
			    EVP_DigestFinal_ex(md, dg, &dlen) != 1 ||
			    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
			    EVP_DigestUpdate(md, plain + m * BC_WIRE,
			    BC_ACK_JSON) != 1 ||
			    EVP_DigestFinal_ex(md, dg, &dlen) != 1 ||
			    EVP_EncryptInit_ex(cx, NULL, NULL, NULL,
			    iv) != 1 || EVP_EncryptUpdate(cx, a, &n,
			    plain + m * BC_WIRE, BC_ACK) != 1 ||
			    EVP_EncryptFinal_ex(cx, a + n, &n) != 1 ||
			    EVP_CIPHER_CTX_ctrl(cx, EVP_CTRL_GCM_GET_TAG,
			    BC_TAG, a + BC_ACK) != 1)
				tool_fatal("bench_client floor: a message "
				    "failed to decrypt");
		}
		bc_io(client[0], plain, msgs * BC_WIRE, 1);
		bc_io(agent[1], acks, msgs * arec, 1);
		if (h >= 3)
			total += bc_thread_cpu() - t0;
		bc_io(client[1], sink, msgs * BC_WIRE, 0);
		bc_io(agent[0], sink, msgs * arec, 0);
	}
	printf("floor holds=%u msgs=%u hold_ms=%u us_per_msg=%.3f "
	    "us_per_hold=%.1f\n", holds, msgs, hold_ms,
	    total * 1e6 / holds / msgs, total * 1e6 / holds);
	for (h = 0; h < 2; h++) {
		close(agent[h]);
		close(client[h]);
	}
	close(ep);
	free(wire);
	free(in);
	free(plain);
	free(acks);
	free(sink);
	EVP_CIPHER_CTX_free(cx);
	EVP_CIPHER_CTX_free(dx);
	EVP_MD_CTX_free(md);
	return (0);
}

static void
bc_usage(void)
{
	fprintf(stderr,
	    "usage: bench_client bulk -c addr -d down|up -n bytes "
	    "[-C conns] [-t secs]\n"
	    "       bench_client latency -c addr -N count [-w warmup] "
	    "[-o file] [-s secs] [-t secs]\n"
	    "       bench_client syscall -N count\n"
	    "       bench_client floor -N holds -m msgs -h hold_ms\n");
	exit(2);
}

/* A positive number or exit. */
static uint64_t
bc_number(const char *s, uint64_t max)
{
	char		*end;
	uint64_t	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > max || *s == '-')
		bc_usage();
	return (v);
}

int
main(int argc, char **argv)
{
	const char	*cmd, *at = NULL, *file = NULL;
	unsigned	 nconns = 1, count = 0, warmup = 100, msgs = 0;
	unsigned	 hold_ms = 0;
	int		 ch, dir = -1;

	if (argc < 2)
		bc_usage();
	cmd = argv[1];
	argc--;
	argv++;
	signal(SIGPIPE, SIG_IGN);
	tool_raise_nofile();
	while ((ch = getopt(argc, argv, "c:d:n:C:N:w:o:s:t:m:h:")) != -1) {
		switch (ch) {
		case 'c':
			at = optarg;
			break;
		case 'd':
			if (strcmp(optarg, "up") == 0)
				dir = 1;
			else if (strcmp(optarg, "down") == 0)
				dir = 0;
			else
				bc_usage();
			break;
		case 'n':
			nbytes = bc_number(optarg, UINT64_MAX / BC_MAXCONNS);
			break;
		case 'C':
			nconns = bc_number(optarg, BC_MAXCONNS);
			break;
		case 'N':
			count = bc_number(optarg, 10000000);
			break;
		case 'w':
			warmup = strcmp(optarg, "0") == 0 ? 0 :
			    bc_number(optarg, 1000000);
			break;
		case 'o':
			file = optarg;
			break;
		case 's':
			sample_timeout = bc_number(optarg, 86400);
			break;
		case 't':
			timeout = bc_number(optarg, 86400);
			break;
		case 'm':
			msgs = bc_number(optarg, 4096);
			break;
		case 'h':
			hold_ms = strcmp(optarg, "0") == 0 ? 0 :
			    bc_number(optarg, 1000);
			break;
		default:
			bc_usage();
		}
	}
	if (strcmp(cmd, "syscall") == 0 && count != 0 && optind == argc)
		return (bc_syscall(count));
	if (strcmp(cmd, "floor") == 0 && count != 0 && msgs != 0 &&
	    optind == argc)
		return (bc_floor(count, msgs, hold_ms));
	if (at == NULL || optind != argc)
		bc_usage();
	if (tool_parse_addr(at, &addr) == -1)
		tool_fatal("bench_client: bad address %s", at);
	signal(SIGALRM, bc_timeout_cb);
	alarm(timeout);
	if (strcmp(cmd, "bulk") == 0) {
		if (dir == -1 || nbytes == 0)
			bc_usage();
		upload = dir;
		return (bc_bulk(nconns));
	}
	if (strcmp(cmd, "latency") == 0) {
		if (count == 0)
			bc_usage();
		return (bc_latency(count, warmup, file));
	}
	bc_usage();
	return (2);
}

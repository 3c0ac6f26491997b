/*
 * The owner of a loopback TCP client, from the kernel's socket table
 * (NETLINK_SOCK_DIAG): one exact lookup of the client end's 4-tuple, the
 * way ss(8) asks, with a receive timeout so that a kernel without
 * sock_diag, or one slow to answer, costs the loop at most
 * PEERUID_TIMEOUT. The answer is only trusted for loopback peers: any
 * other peer's socket lives in another kernel.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "peeruid.h"

/*
 * The kernel's TCP states (include/net/tcp_states.h) of a full socket,
 * whose uid is its owner's: a listener is never the client, and the
 * kernel reports uid 0 for a TIME_WAIT or SYN_RECV mini socket.
 */
#define PEERUID_STATE(s)	(1U << (s))
#define PEERUID_FULL_STATES	(PEERUID_STATE(1) /* ESTABLISHED */ | \
	PEERUID_STATE(2) /* SYN_SENT */ | PEERUID_STATE(4) /* FIN_WAIT1 */ | \
	PEERUID_STATE(5) /* FIN_WAIT2 */ | PEERUID_STATE(7) /* CLOSE */ | \
	PEERUID_STATE(8) /* CLOSE_WAIT */ | PEERUID_STATE(9) /* LAST_ACK */ | \
	PEERUID_STATE(11) /* CLOSING */)

/* One address of the 4-tuple as sock_diag wants it: v4-mapped as v4. */
struct peeruid_addr {
	int		 family;
	uint16_t	 port;		/* network order */
	uint32_t	 addr[4];	/* network order */
};

static int
peeruid_addr(const struct sockaddr_storage *ss, struct peeruid_addr *a)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)ss;

	memset(a, 0, sizeof *a);
	switch (ss->ss_family) {
	case AF_INET:
		a->family = AF_INET;
		a->port = sin->sin_port;
		memcpy(&a->addr[0], &sin->sin_addr, 4);
		return (0);
	case AF_INET6:
		a->port = sin6->sin6_port;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			/* A v4 client of a dual-stack listener: a v4 socket. */
			a->family = AF_INET;
			memcpy(&a->addr[0], &sin6->sin6_addr.s6_addr[12], 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->addr, &sin6->sin6_addr, 16);
		}
		return (0);
	}
	errno = EAFNOSUPPORT;
	return (-1);
}

static int
peeruid_loopback(const struct peeruid_addr *a)
{
	static const uint8_t	one[16] = { [15] = 1 };

	if (a->family == AF_INET)
		return (((const uint8_t *)a->addr)[0] == 127);
	return (memcmp(a->addr, one, 16) == 0);
}

/*
 * 1 if the address the kernel answered (family, addr) is a's. A v4 client
 * of a v6 socket is v4-mapped there.
 */
static int
peeruid_same(int family, const uint32_t *addr, const struct peeruid_addr *a)
{
	static const uint8_t	mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (family == a->family)
		return (memcmp(addr, a->addr, family == AF_INET ? 4 : 16) == 0);
	return (family == AF_INET6 && a->family == AF_INET &&
	    memcmp(addr, mapped, 12) == 0 && addr[3] == a->addr[0]);
}

/* NLMSG_OK and NLMSG_NEXT, without their int lengths. */
static int
peeruid_msg_ok(const struct nlmsghdr *h, size_t left)
{
	return (left >= sizeof *h && h->nlmsg_len >= sizeof *h &&
	    h->nlmsg_len <= left);
}

static struct nlmsghdr *
peeruid_msg_next(struct nlmsghdr *h, size_t *left)
{
	size_t	step = NLMSG_ALIGN(h->nlmsg_len);

	*left = step < *left ? *left - step : 0;
	return ((struct nlmsghdr *)((char *)h + step));
}

/* Ask the kernel for the socket whose local end is src, remote dst. */
static long
peeruid_ask(int ns, const struct peeruid_addr *src,
    const struct peeruid_addr *dst)
{
	struct {
		struct nlmsghdr		nlh;
		struct inet_diag_req_v2	r;
	}			 req;
	struct sockaddr_nl	 kernel;
	union {
		struct nlmsghdr	 nlh;
		char		 buf[8192];
	}			 ans;
	struct nlmsghdr		*h;
	struct nlmsgerr		*err;
	struct inet_diag_msg	*m;
	ssize_t			 n;
	size_t			 left;

	memset(&req, 0, sizeof req);
	req.nlh.nlmsg_len = sizeof req;
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.nlh.nlmsg_seq = 1;
	req.r.sdiag_family = (uint8_t)src->family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~0U;
	req.r.id.idiag_sport = src->port;
	req.r.id.idiag_dport = dst->port;
	memcpy(req.r.id.idiag_src, src->addr, sizeof src->addr);
	memcpy(req.r.id.idiag_dst, dst->addr, sizeof dst->addr);
	req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] =
	    INET_DIAG_NOCOOKIE;
	memset(&kernel, 0, sizeof kernel);
	kernel.nl_family = AF_NETLINK;
	if (sendto(ns, &req, sizeof req, 0, (struct sockaddr *)&kernel,
	    sizeof kernel) != (ssize_t)sizeof req)
		return (-1);
	for (;;) {
		if ((n = recv(ns, &ans, sizeof ans, 0)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				errno = ETIMEDOUT;
			return (-1);
		}
		left = (size_t)n;
		for (h = &ans.nlh; peeruid_msg_ok(h, left);
		    h = peeruid_msg_next(h, &left)) {
			if (h->nlmsg_seq != 1)
				continue;	/* not ours */
			if (h->nlmsg_type == NLMSG_ERROR) {
				err = NLMSG_DATA(h);
				if (h->nlmsg_len < NLMSG_LENGTH(sizeof *err))
					errno = EPROTO;
				else
					errno = err->error != 0 ?
					    -err->error : ENOENT;
				return (-1);
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				errno = ENOENT;
				return (-1);
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof *m))
				continue;
			m = NLMSG_DATA(h);
			/* Exactly the client end, a full socket. */
			if (m->idiag_state > 31 || !(PEERUID_FULL_STATES &
			    PEERUID_STATE(m->idiag_state)) ||
			    m->id.idiag_sport != src->port ||
			    m->id.idiag_dport != dst->port ||
			    !peeruid_same(m->idiag_family, m->id.idiag_src,
			    src) ||
			    !peeruid_same(m->idiag_family, m->id.idiag_dst,
			    dst)) {
				errno = ENOENT;
				return (-1);
			}
			return ((long)m->idiag_uid);
		}
	}
}

long
peeruid_tcp(int fd)
{
	struct sockaddr_storage	 local, peer;
	struct peeruid_addr	 l, p;
	struct timeval		 tv;
	socklen_t		 len;
	long			 uid;
	int			 ns, saved;

	len = sizeof local;
	if (getsockname(fd, (struct sockaddr *)&local, &len) == -1)
		return (-1);
	len = sizeof peer;
	if (getpeername(fd, (struct sockaddr *)&peer, &len) == -1)
		return (-1);
	if (peeruid_addr(&local, &l) == -1 || peeruid_addr(&peer, &p) == -1)
		return (-1);
	if (!peeruid_loopback(&p) || l.family != p.family) {
		errno = EADDRNOTAVAIL;
		return (-1);
	}
	if ((ns = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
	    NETLINK_SOCK_DIAG)) == -1)
		return (-1);
	tv.tv_sec = PEERUID_TIMEOUT / 1000;
	tv.tv_usec = (PEERUID_TIMEOUT % 1000) * 1000;
	if (setsockopt(ns, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == -1 ||
	    setsockopt(ns, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == -1) {
		saved = errno;
		close(ns);
		errno = saved;
		return (-1);
	}
	/* The client's end: its local address is our peer's. */
	uid = peeruid_ask(ns, &p, &l);
	saved = errno;
	close(ns);
	errno = saved;
	return (uid);
}

/*
 * peeruid.h: who owns the client end of a loopback TCP connection. A unix
 * socket says it with SO_PEERCRED; TCP does not, but on loopback both ends
 * are in this kernel, which knows the owner of each socket: sock_diag
 * looks the client's 4-tuple up for us.
 */
#ifndef PEERUID_H
#define PEERUID_H

/* How long the kernel may take to answer (ms): never the loop's time. */
#define PEERUID_TIMEOUT		1000

/*
 * The uid owning the client end of an accepted loopback TCP connection
 * fd (sock_diag: the kernel looks the 4-tuple up; no /proc scan), or
 * -1 with errno (not loopback, not found, no sock_diag).
 */
long	 peeruid_tcp(int fd);

#endif /* PEERUID_H */

/*
 * listener.h: a bound, listening socket (IPv4, IPv6 or unix) that accepts
 * clients for one forward, checks them against its allow list and its
 * max_conns, and hands each accepted socket to conn_new().
 */
#ifndef LISTENER_H
#define LISTENER_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

struct allow_list;
struct forward;
struct listen_spec;

/*
 * Bind and listen on what fw->conf->listen names, for fw. Accepting starts
 * at once. Return the listener, or NULL and set *cause (caller frees).
 * A stale unix socket at the path is replaced; a live one, or a path that
 * is not a socket, is an error.
 */
struct listener *listener_new(struct forward *fw, char **cause);

/* Stop accepting and close the socket (unlinking a unix socket we made). */
void	 listener_free(struct listener *);

/*
 * Hand a listener to another forward (reload: the listen address did not
 * change, so accepting never pauses). New clients go to fw from now on.
 */
void	 listener_set_forward(struct listener *, struct forward *fw);

/* Stop or start accepting without closing the socket. */
void	 listener_disable(struct listener *);
void	 listener_enable(struct listener *);

/* 1 while accepting pauses after EMFILE and the like. */
int	 listener_is_paused(struct listener *);

/* 1 if l listens on exactly what ls describes (address, mode, owner). */
int	 listener_matches(struct listener *l, const struct listen_spec *ls);

/*
 * Bind a listening-ready unix socket at path with mode, owner and group
 * ((uid_t)-1 and (gid_t)-1 leave them). A stale socket there is replaced;
 * a live one or a file that is not a socket is an error. Return the
 * socket, or -1 and set *cause (caller frees). *sb identifies the socket
 * made, for listener_unix_unlink(), which removes it only if the path
 * still names that socket.
 */
int	 listener_unix_bind(const char *path, mode_t mode, uid_t owner,
	    gid_t group, struct stat *sb, char **cause);
void	 listener_unix_unlink(const char *path, const struct stat *sb);

/*
 * A listening socket for ls that is no forward's (the metrics endpoint):
 * TCP, or a unix socket with mode (*sb as listener_unix_bind's). Return
 * it, or -1 and set *cause (caller frees).
 */
int	 listener_bind(const struct listen_spec *ls, mode_t mode,
	    struct stat *sb, char **cause);

/* The bound address ("127.0.0.1:15432", "unix:/run/db.sock"). */
const char *listener_address(struct listener *);

/*
 * Allow-list checks, exported for tests. Return 1 if the peer may connect.
 * An empty list allows everyone.
 */
int	 listener_allow_addr(const struct allow_list *,
	    const struct sockaddr *, socklen_t);
/*
 * The credentials of fd's unix peer and its supplementary groups (at
 * most max, in groups, how many in *ngroups); -1 if it has none.
 */
#define LISTENER_MAX_GROUPS	256
struct ucred;
int	 listener_peer_cred(int fd, struct ucred *, gid_t *groups, int max,
	    int *ngroups);
int	 listener_allow_cred(const struct allow_list *, uid_t, gid_t,
	    const gid_t *groups, int ngroups);

#endif /* LISTENER_H */

/*
 * privdrop.h: give up root once the sockets are bound, keeping only what
 * a reload needs to bind a new port below 1024.
 */
#ifndef PRIVDROP_H
#define PRIVDROP_H

#include <sys/types.h>

/*
 * Run as uid, and gid (-1: uid's primary group) with uid's supplementary
 * groups, keeping CAP_NET_BIND_SERVICE. Only when running as root and
 * uid is set and not root: return 1 when dropped, 0 when there was
 * nothing to do, -1 and *cause (caller frees) if a step failed.
 */
int	 privdrop(uid_t uid, gid_t gid, char **cause);

#endif /* PRIVDROP_H */

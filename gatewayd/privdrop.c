/*
 * Started as root outside systemd (which would start gatewayd as its
 * own user already), with user = in [gateway]: once the listeners and
 * the control socket are bound, run as that user. CAP_NET_BIND_SERVICE
 * stays, so a reload can still bind a new port below 1024; nothing else
 * of root does (reading root's files, making sockets in directories only
 * root may write), as gatewayd(8) says. No libcap: capset(2) is one
 * system call, and the kernel's header gives its structures.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "privdrop.h"
#include "xmalloc.h"

/* Keep CAP_NET_BIND_SERVICE, permitted and effective; nothing else. */
static int
privdrop_caps(void)
{
	struct __user_cap_header_struct	hdr;
	struct __user_cap_data_struct	data[2];

	memset(&hdr, 0, sizeof hdr);
	memset(data, 0, sizeof data);
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	data[CAP_TO_INDEX(CAP_NET_BIND_SERVICE)].permitted =
	    CAP_TO_MASK(CAP_NET_BIND_SERVICE);
	data[CAP_TO_INDEX(CAP_NET_BIND_SERVICE)].effective =
	    CAP_TO_MASK(CAP_NET_BIND_SERVICE);
	return (syscall(SYS_capset, &hdr, data) == -1 ? -1 : 0);
}

int
privdrop(uid_t uid, gid_t gid, char **cause)
{
	struct passwd	*pw;
	const char	*step;

	if (geteuid() != 0 || uid == (uid_t)-1 || uid == 0)
		return (0);
	pw = getpwuid(uid);
	if (gid == (gid_t)-1) {
		if (pw == NULL) {
			xasprintf(cause, "uid %u has no passwd entry: set "
			    "group", (unsigned)uid);
			return (-1);
		}
		gid = pw->pw_gid;
	}
	/* Capabilities survive the change of uid only with KEEPCAPS. */
	step = "prctl(PR_SET_KEEPCAPS)";
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) == -1)
		goto fail;
	step = "setgroups";
	if ((pw != NULL ? initgroups(pw->pw_name, gid) :
	    setgroups(1, &gid)) == -1)
		goto fail;
	step = "setresgid";
	if (setresgid(gid, gid, gid) == -1)
		goto fail;
	step = "setresuid";
	if (setresuid(uid, uid, uid) == -1)
		goto fail;
	step = "capset";
	if (privdrop_caps() == -1)
		goto fail;
	step = "prctl(PR_SET_KEEPCAPS)";
	if (prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) == -1)
		goto fail;
	/* Root must be gone for good, not only out of the way. */
	if (setuid(0) != -1 || setgid(0) != -1) {
		xasprintf(cause, "could become root again");
		return (-1);
	}
	return (1);

fail:
	xasprintf(cause, "%s: %s", step, strerror(errno));
	return (-1);
}

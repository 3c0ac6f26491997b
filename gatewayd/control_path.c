/*
 * The per-user control socket's path (control.h), apart from control.c:
 * gatewayctl needs it, and a file of its own keeps the daemon's whole
 * library (libcurl, libxml2 and what they load) out of gatewayctl, which
 * a ProxyCommand starts for every login.
 */

#include "autoconf.h"

#include <sys/types.h>

#include <stdlib.h>
#include <unistd.h>

#include "control.h"
#include "xmalloc.h"

char *
control_user_path(void)
{
	const char	*dir = getenv("XDG_RUNTIME_DIR");
	char		*path;

	if (dir != NULL && *dir == '/')
		xasprintf(&path, "%s/gatewayd.sock", dir);
	else
		xasprintf(&path, "/tmp/gatewayd-%u/control.sock",
		    (unsigned)geteuid());
	return (path);
}

/*
 * -L specs for one-shot mode, like ssh -L: [bind:]port:target:remote_port.
 * This file only splits a spec into the keys a [forward] would have
 * (listen, target, remote_host, remote_port); config.c sets them through
 * the table, so the values are checked exactly as in a file.
 *
 *   15432:i-0123456789abcdef0:5432          instance, loopback
 *   15432:tag:Name=bastion:db.internal:5432 tag target, remote host
 *   [::1]:8080:example.internal:80          IPv6 bind, tcp target
 *
 * A field in brackets may hold colons ([::1]). tag: and ecs: targets take
 * the field after them; a tag value with a colon in it needs a file.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"
#include "config_int.h"

/* bind, port, tag:, value, remote host, remote port */
#define CONFIG_SPEC_FIELDS	6

#define CONFIG_SPEC_USAGE	"[bind:]port:target:remote_port"

/* Split s at colons outside brackets. */
static int
config_spec_split(const char *s, char **f, size_t *n, char **cause)
{
	const char	*p = s, *end;

	*n = 0;
	for (;;) {
		if (*p == '[') {
			if ((end = strchr(p, ']')) == NULL) {
				*cause = xstrdup("'[' without ']'");
				return (-1);
			}
			end++;
			if (*end != ':' && *end != '\0') {
				*cause = xstrdup("']' not followed by ':'");
				return (-1);
			}
		} else
			end = p + strcspn(p, ":");
		if (end == p) {
			*cause = xstrdup("empty field");
			return (-1);
		}
		if (*n == CONFIG_SPEC_FIELDS) {
			xasprintf(cause, "too many fields (%s)",
			    CONFIG_SPEC_USAGE);
			return (-1);
		}
		f[(*n)++] = xstrndup(p, end - p);
		if (*end == '\0')
			return (0);
		p = end + 1;
	}
}

/* A host field without its brackets. */
static char *
config_spec_host(const char *s)
{
	size_t	len = strlen(s);

	if (len >= 2 && s[0] == '[' && s[len - 1] == ']')
		return (xstrndup(s + 1, len - 2));
	return (xstrdup(s));
}

/* Fill cs from the fields after the bind address. */
static int
config_spec_fill(char **f, size_t n, const char *bind, struct config_spec *cs,
    char **cause)
{
	size_t	i = 2;

	if (n < 3) {
		xasprintf(cause, "too few fields (%s)", CONFIG_SPEC_USAGE);
		return (-1);
	}
	xasprintf(&cs->listen, "%s:%s", bind, f[0]);
	cs->remote_port = xstrdup(f[n - 1]);
	if (strcmp(f[1], "tag") == 0 || strcmp(f[1], "ecs") == 0) {
		if (n == 3) {
			xasprintf(cause, "%s: needs a value (%s:...)", f[1],
			    f[1]);
			return (-1);
		}
		xasprintf(&cs->target, "%s:%s", f[1], f[2]);
		i = 3;
	} else
		cs->target = config_spec_host(f[1]);
	if (n - 1 - i == 1)
		cs->remote_host = config_spec_host(f[i]);
	else if (n - 1 - i > 1) {
		xasprintf(cause, "too many fields (%s)", CONFIG_SPEC_USAGE);
		return (-1);
	}
	if (cs->remote_host != NULL &&
	    !config_value_is_aws_target(cs->target)) {
		xasprintf(cause, "a remote host (%s) needs an AWS target "
		    "(i-..., mi-..., tag:..., ecs:...)", cs->remote_host);
		return (-1);
	}
	return (0);
}

int
config_spec_parse(const char *s, struct config_spec *cs, char **cause)
{
	char	*f[CONFIG_SPEC_FIELDS];
	size_t	 n, i, first = 0;
	int	 rv;

	memset(cs, 0, sizeof *cs);
	if (config_spec_split(s, f, &n, cause) != 0)
		rv = -1;
	else {
		/* A first field of digits is the port: no bind address. */
		if (strspn(f[0], "0123456789") != strlen(f[0]))
			first = 1;
		rv = config_spec_fill(f + first, n - first,
		    first ? f[0] : "127.0.0.1", cs, cause);
	}
	for (i = 0; i < n; i++)
		free(f[i]);
	if (rv != 0)
		config_spec_free(cs);
	return (rv);
}

void
config_spec_free(struct config_spec *cs)
{
	free(cs->listen);
	free(cs->target);
	free(cs->remote_host);
	free(cs->remote_port);
	memset(cs, 0, sizeof *cs);
}

int
config_parse_dest(const char *dest, char **target, char **host,
    unsigned *port, char **cause)
{
	struct config_spec	 cs;
	const char		*errstr;
	char			*spec;
	int			 rv;

	*target = *host = NULL;
	xasprintf(&spec, "1:%s", dest);
	rv = config_spec_parse(spec, &cs, cause);
	free(spec);
	if (rv != 0)
		return (-1);
	*port = strtonum(cs.remote_port, 1, 65535, &errstr);
	if (errstr != NULL) {
		xasprintf(cause, "port %s: %s (1-65535)", cs.remote_port,
		    errstr);
		config_spec_free(&cs);
		return (-1);
	}
	*target = cs.target;
	*host = cs.remote_host;
	cs.target = cs.remote_host = NULL;
	config_spec_free(&cs);
	return (0);
}

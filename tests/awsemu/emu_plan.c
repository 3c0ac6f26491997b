/*
 * What the agent makes of a session when it starts (ssm-data-channel.md
 * 2.4, 5.2, 9.2): the document's session type and its properties after
 * substitution, which loopback address stands for the target it will
 * dial, and whether the port plugin is bound to fail (an empty port
 * number, a host that does not resolve or resolves to a denied address).
 *
 * Pure: the session record and the target in, a plan out. The target is
 * only valid during the StartSession call, so the plan copies what it
 * needs.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "emu_agent.h"
#include "ssm_version.h"
#include "util.h"
#include "xmalloc.h"

/* The agent's default deny list (9.2). */
static const char *const emu_plan_deny[] = {
	"169.254.169.254", "fd00:ec2::254", "169.254.169.253",
	"fd00:ec2::253", "169.254.169.123", "fd00:ec2::123",
	"169.254.169.250", "169.254.169.251", "fd00:ec2::240", NULL
};
/*
 * Agents from 3.3.4851.0 (July 2026) also deny the ECS and EKS credential
 * endpoints and loopback, names that are loopback included; 3.3.5068.0
 * canonicalises first (0177.0.0.1, ::ffff:127.0.0.1), which
 * util_host_is_loopback() does for every version here.
 */
#define EMU_PLAN_DENY_LOOPBACK	"3.3.4851.0"
static const char *const emu_plan_deny_new[] = {
	"169.254.170.2", "169.254.170.23", "fd00:ec2::23", NULL
};

static void
emu_plan_add(struct emu_plan *p, const char *key, const char *value)
{
	p->props = xreallocarray(p->props, p->nprops + 1, sizeof *p->props);
	p->props[p->nprops].key = xstrdup(key);
	p->props[p->nprops].value = xstrdup(value != NULL ? value : "");
	p->nprops++;
}

const char *
emu_plan_property(const struct emu_plan *p, const char *key)
{
	size_t	i;

	for (i = 0; i < p->nprops; i++) {
		if (strcmp(p->props[i].key, key) == 0)
			return (p->props[i].value);
	}
	return (NULL);
}

/* The first value of parameter name, or def. */
static const char *
emu_plan_param(const struct emu_session *s, const char *name,
    const char *def)
{
	const cJSON	*p, *v;

	p = cJSON_GetObjectItemCaseSensitive(s->parameters, name);
	v = cJSON_GetArrayItem(p, 0);
	return (cJSON_IsString(v) ? v->valuestring : def);
}

/* Replace each "{{ name }}" (spaces optional) by the parameter. */
static char *
emu_plan_substitute(const struct emu_session *s, const char *tmpl)
{
	const char	*open, *close, *name, *end;
	char		*out = xstrdup(""), *next, *key;

	while ((open = strstr(tmpl, "{{")) != NULL &&
	    (close = strstr(open, "}}")) != NULL) {
		for (name = open + 2; *name == ' '; name++)
			;
		for (end = close; end > name && end[-1] == ' '; end--)
			;
		key = xstrndup(name, end - name);
		xasprintf(&next, "%s%.*s%s", out, (int)(open - tmpl), tmpl,
		    emu_plan_param(s, key, ""));
		free(key);
		free(out);
		out = next;
		tmpl = close + 2;
	}
	xasprintf(&next, "%s%s", out, tmpl);
	free(out);
	return (next);
}

/* Session type and properties, by document. */
static void
emu_plan_document(struct emu_plan *p, const struct emu_session *s)
{
	const struct emu_document	*d;
	const char			*doc = s->document;
	char				*v;
	size_t				 i;

	if (strncmp(doc, "AWS-StartPortForwardingSession", 30) == 0) {
		p->session_type = xstrdup("Port");
		emu_plan_add(p, "portNumber", emu_plan_param(s, "portNumber",
		    "80"));
		emu_plan_add(p, "type", "LocalPortForwarding");
		emu_plan_add(p, "localPortNumber", emu_plan_param(s,
		    "localPortNumber", "0"));
		if (strcmp(doc + 30, "ToRemoteHost") == 0)
			emu_plan_add(p, "host", emu_plan_param(s, "host", ""));
	} else if (strcmp(doc, "AWS-StartSSHSession") == 0) {
		p->session_type = xstrdup("Port");
		emu_plan_add(p, "portNumber", emu_plan_param(s, "portNumber",
		    "22"));
	} else if (strcmp(doc, "AWS-StartInteractiveCommand") == 0) {
		p->session_type = xstrdup("InteractiveCommands");
		emu_plan_add(p, "commands", emu_plan_param(s, "command", ""));
	} else if ((d = emu_registry_find_document(emu.registry, doc)) !=
	    NULL) {
		p->session_type = xstrdup(d->session_type);
		for (i = 0; d->has_props && i < d->nprops; i++) {
			v = emu_plan_substitute(s, d->props[i].to);
			emu_plan_add(p, d->props[i].from, v);
			free(v);
		}
		if (!d->has_props) {
			emu_plan_add(p, "portNumber", emu_plan_param(s,
			    "portNumber", ""));
			emu_plan_add(p, "localPortNumber", emu_plan_param(s,
			    "localPortNumber", "0"));
			if (emu_plan_param(s, "host", NULL) != NULL)
				emu_plan_add(p, "host", emu_plan_param(s,
				    "host", NULL));
		}
	} else
		p->session_type = xstrdup("Standard_Stream");
}

/* Whether two address texts name the same address. */
static int
emu_plan_same_addr(const char *a, const char *b)
{
	uint8_t	 x[16], y[16];
	int	 fa, fb;

	fa = strchr(a, ':') != NULL ? AF_INET6 : AF_INET;
	fb = strchr(b, ':') != NULL ? AF_INET6 : AF_INET;
	if (fa != fb || inet_pton(fa, a, x) != 1 || inet_pton(fb, b, y) != 1)
		return (0);
	return (memcmp(x, y, fa == AF_INET6 ? 16 : 4) == 0);
}

/* The VPC's reserved DNS addresses: the first four and the broadcast. */
static int
emu_plan_vpc_reserved(const char *cidr, const char *addr)
{
	struct in_addr	 net, a;
	char		 buf[64], *slash;
	uint32_t	 mask, n, x;
	long		 bits;

	if (cidr == NULL || strlcpy(buf, cidr, sizeof buf) >= sizeof buf ||
	    (slash = strchr(buf, '/')) == NULL)
		return (0);
	*slash = '\0';
	bits = strtol(slash + 1, NULL, 10);
	if (bits < 1 || bits > 30 || inet_pton(AF_INET, buf, &net) != 1 ||
	    inet_pton(AF_INET, addr, &a) != 1)
		return (0);
	mask = 0xffffffffU << (32 - bits);
	n = ntohl(net.s_addr) & mask;
	x = ntohl(a.s_addr);
	return ((x >= n && x <= n + 3) || x == (n | ~mask));
}

/* 1 if the agent's default list has the newer entries (loopback). */
static int
emu_plan_denies_loopback(const struct emu_target *t)
{
	int	cmp;

	return (!t->agent.has_deny && t->agent_version != NULL &&
	    ssm_version_cmp(t->agent_version, EMU_PLAN_DENY_LOOPBACK,
	    &cmp) == 0 && cmp >= 0);
}

static int
emu_plan_in_list(const char *const *list, size_t n, const char *addr)
{
	size_t	i;

	for (i = 0; i < n && list[i] != NULL; i++) {
		if (emu_plan_same_addr(list[i], addr))
			return (1);
	}
	return (0);
}

static int
emu_plan_denied(const struct emu_target *t, const char *addr)
{
	const struct emu_target_agent	*a = &t->agent;

	if (a->has_deny) {
		if (emu_plan_in_list((const char *const *)a->deny, a->ndeny,
		    addr))
			return (1);
	} else if (emu_plan_in_list(emu_plan_deny, SIZE_MAX, addr))
		return (1);
	if (emu_plan_denies_loopback(t) && (util_host_is_loopback(addr) ||
	    emu_plan_in_list(emu_plan_deny_new, SIZE_MAX, addr)))
		return (1);
	return (emu_plan_vpc_reserved(a->vpc_cidr, addr));
}

static int
emu_plan_is_ip(const char *s)
{
	uint8_t	buf[16];

	return (inet_pton(AF_INET, s, buf) == 1 ||
	    inet_pton(AF_INET6, s, buf) == 1);
}

/*
 * Resolve host as the agent would, once: the world's resolve entry, an IP
 * literal as itself, a name remote_hosts knows to nothing in particular.
 * Return the number of addresses (0 for a name that resolves to addresses
 * the world does not spell out) or -1 if it does not resolve.
 */
static int
emu_plan_resolve(const struct emu_target *t, const char *host,
    const char ***addrs)
{
	static const char	*self[1];
	size_t			 i, n = strlen(host);

	for (i = 0; i < t->agent.nresolve; i++) {
		if (strcmp(t->agent.resolve[i].name, host) == 0) {
			*addrs = (const char **)t->agent.resolve[i].addrs;
			return ((int)t->agent.resolve[i].naddrs);
		}
	}
	if (emu_plan_is_ip(host)) {
		self[0] = host;
		*addrs = self;
		return (1);
	}
	for (i = 0; i < t->nhosts; i++) {
		if (strncmp(t->hosts[i].from, host, n) == 0 &&
		    t->hosts[i].from[n] == ':')
			return (0);
	}
	return (-1);
}

static const char *
emu_plan_map(const struct emu_portmap *pm, size_t n, const char *from)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(pm[i].from, from) == 0)
			return (pm[i].to);
	}
	return (NULL);
}

/* Where a Port session's dials go, or why its plugin will fail. */
static void
emu_plan_target(struct emu_plan *p, const struct emu_target *t)
{
	const char	*port = emu_plan_property(p, "portNumber");
	const char	*host = emu_plan_property(p, "host");
	const char	**addrs = NULL, *to;
	char		*key;
	int		 n, i;

	if (port == NULL || *port == '\0') {
		p->fail = xstrdup("Port number is empty");
		return;
	}
	if (host == NULL || *host == '\0') {
		xasprintf(&p->dial_name, "127.0.0.1:%s", port);
		if ((to = emu_plan_map(t->ports, t->nports, port)) != NULL)
			p->dial = xstrdup(to);
		return;
	}
	/* A loopback name is refused before it is resolved. */
	if (emu_plan_denies_loopback(t) && util_host_is_loopback(host)) {
		xasprintf(&p->fail, "Forwarding to IP address %s is "
		    "forbidden.", host);
		return;
	}
	if ((n = emu_plan_resolve(t, host, &addrs)) < 0) {
		xasprintf(&p->fail, "Unable to resolve host %s: lookup %s: "
		    "no such host", host, host);
		return;
	}
	for (i = 0; i < n; i++) {
		if (emu_plan_denied(t, addrs[i])) {
			xasprintf(&p->fail, "Forwarding to IP address %s is "
			    "forbidden.", host);
			return;
		}
	}
	if (n > 0)
		xasprintf(&p->dial_name, strchr(addrs[0], ':') != NULL ?
		    "[%s]:%s" : "%s:%s", addrs[0], port);
	else
		xasprintf(&p->dial_name, "%s:%s", host, port);
	xasprintf(&key, "%s:%s", host, port);
	if ((to = emu_plan_map(t->hosts, t->nhosts, key)) != NULL)
		p->dial = xstrdup(to);
	free(key);
}

void
emu_plan_make(const struct emu_session *s, const struct emu_target *t,
    struct emu_plan *p)
{
	const char	*type;

	memset(p, 0, sizeof *p);
	emu_plan_document(p, s);
	type = emu_plan_property(p, "type");
	p->port_forwarding = type != NULL &&
	    strcmp(type, "LocalPortForwarding") == 0;
	if (strcmp(p->session_type, "Port") == 0)
		emu_plan_target(p, t);
}

void
emu_plan_clear(struct emu_plan *p)
{
	size_t	i;

	for (i = 0; i < p->nprops; i++) {
		free(p->props[i].key);
		free(p->props[i].value);
	}
	free(p->props);
	free(p->session_type);
	free(p->dial);
	free(p->dial_name);
	free(p->fail);
	memset(p, 0, sizeof *p);
}

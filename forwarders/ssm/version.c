/*
 * Version strings of the Session Manager agent and client, and the gates
 * that depend on them. gatewayd reads AgentVersion with its own strict
 * numeric rule; the agent reads ClientVersion with a looser rule (semver,
 * else part by part) that this file reproduces so the emulator decides as
 * a real agent does. Which mode to run and whether to send NOPs is decided
 * by the callers from the answers given here.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ssm_version.h"

/* Read one unsigned decimal part ending at '.' or NUL; advance *sp. */
static int
version_part(const char **sp, uint64_t *out)
{
	const char	*s = *sp;
	uint64_t	 v = 0;

	if (*s < '0' || *s > '9')
		return (-1);
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return (-1);
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (*s != '.' && *s != '\0')
		return (-1);
	if (*s == '.' && s[1] == '\0')
		return (-1);		/* trailing dot: an empty last part */
	*sp = (*s == '.') ? s + 1 : s;
	*out = v;
	return (0);
}

/* Check that s is a well-formed numeric version. */
static int
version_valid(const char *s)
{
	uint64_t	v;

	if (s == NULL || *s == '\0')
		return (0);
	while (*s != '\0') {
		if (version_part(&s, &v) != 0)
			return (0);
	}
	return (1);
}

int
ssm_version_cmp(const char *a, const char *b, int *cmp)
{
	uint64_t	va, vb;

	if (!version_valid(a) || !version_valid(b))
		return (-1);
	while (*a != '\0' || *b != '\0') {
		va = vb = 0;	/* a missing part counts as zero */
		if (*a != '\0')
			(void)version_part(&a, &va);
		if (*b != '\0')
			(void)version_part(&b, &vb);
		if (va != vb) {
			*cmp = va < vb ? -1 : 1;
			return (0);
		}
	}
	*cmp = 0;
	return (0);
}

int
ssm_version_gt(const char *a, const char *b)
{
	int	cmp;

	if (ssm_version_cmp(a, b, &cmp) != 0)
		return (0);
	return (cmp > 0);
}

/*
 * Semantic versions, as the agent's rule reads them.
 */

struct semver {
	uint64_t	 core[3];
	const char	*pre;		/* first prerelease byte, or NULL */
	size_t		 prelen;
};

static int
semver_is_ident_char(char c)
{
	return ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '-');
}

static int
semver_all_digits(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (0);
	}
	return (len > 0);
}

/*
 * Check dot-separated identifiers in s[0..len); numeric ones may not have
 * leading zeros when strict (prerelease) is set.
 */
static int
semver_idents(const char *s, size_t len, int strict)
{
	size_t	i, start = 0;

	if (len == 0)
		return (0);
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '.') {
			if (!semver_is_ident_char(s[i]))
				return (0);
			continue;
		}
		if (i == start)
			return (0);	/* empty identifier */
		if (strict && i - start > 1 && s[start] == '0' &&
		    semver_all_digits(s + start, i - start))
			return (0);
		start = i + 1;
	}
	return (1);
}

static int
semver_parse(const char *s, struct semver *sv)
{
	const char	*plus;
	size_t		 i, n;
	uint64_t	 v;

	memset(sv, 0, sizeof *sv);
	for (i = 0; i < 3; i++) {
		if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' &&
		    s[1] <= '9'))
			return (-1);	/* not a number, or a leading zero */
		for (v = 0; *s >= '0' && *s <= '9'; s++) {
			if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
				return (-1);
			v = v * 10 + (uint64_t)(*s - '0');
		}
		sv->core[i] = v;
		if (i < 2 && *s++ != '.')
			return (-1);
	}
	plus = strchr(s, '+');
	n = plus != NULL ? (size_t)(plus - s) : strlen(s);
	if (n > 0) {
		if (*s != '-' || !semver_idents(s + 1, n - 1, 1))
			return (-1);
		sv->pre = s + 1;
		sv->prelen = n - 1;
	}
	if (plus != NULL && !semver_idents(plus + 1, strlen(plus + 1), 0))
		return (-1);
	return (0);
}

int
ssm_version_is_semver(const char *s)
{
	struct semver	sv;

	return (s != NULL && semver_parse(s, &sv) == 0);
}

static int
cmp_u64(uint64_t a, uint64_t b)
{
	return (a < b ? -1 : (a > b ? 1 : 0));
}

/* Compare two byte strings as Go's strings.Compare does. */
static int
cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	int	r;

	r = memcmp(a, b, alen < blen ? alen : blen);
	if (r != 0)
		return (r < 0 ? -1 : 1);
	return (cmp_u64(alen, blen));
}

/* Compare one prerelease identifier: numbers below words. */
static int
semver_cmp_ident(const char *a, size_t alen, const char *b, size_t blen)
{
	int	an = semver_all_digits(a, alen), bn = semver_all_digits(b, blen);

	if (an && bn) {
		/* No leading zeros: the longer number is the larger. */
		if (alen != blen)
			return (cmp_u64(alen, blen));
		return (cmp_bytes(a, alen, b, blen));
	}
	if (an != bn)
		return (an ? -1 : 1);
	return (cmp_bytes(a, alen, b, blen));
}

static int
semver_cmp(const struct semver *a, const struct semver *b)
{
	const char	*pa = a->pre, *pb = b->pre, *ea, *eb;
	size_t		 la, lb;
	int		 i, r;

	for (i = 0; i < 3; i++) {
		if ((r = cmp_u64(a->core[i], b->core[i])) != 0)
			return (r);
	}
	if (pa == NULL || pb == NULL)	/* a release is above its prereleases */
		return (pa == pb ? 0 : (pa == NULL ? 1 : -1));
	ea = pa + a->prelen;
	eb = pb + b->prelen;
	while (pa < ea && pb < eb) {
		la = strcspn(pa, ".+");
		lb = strcspn(pb, ".+");
		if ((r = semver_cmp_ident(pa, la, pb, lb)) != 0)
			return (r);
		pa += la + (pa + la < ea);
		pb += lb + (pb + lb < eb);
	}
	return (pa < ea ? 1 : (pb < eb ? -1 : 0));
}

/* Parse a part as Go's strconv.Atoi would: optional sign, digits, int64. */
static int
agent_part_int(const char *s, size_t len, int64_t *out)
{
	char		 buf[32], *end;
	long long	 v;

	if (len == 0 || len >= sizeof buf)
		return (-1);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[0] == '+' || buf[0] == '-') {
		if (!semver_all_digits(buf + 1, len - 1))
			return (-1);
	} else if (!semver_all_digits(buf, len))
		return (-1);
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return (-1);	/* out of range: compared as text */
	*out = v;
	return (0);
}

int
ssm_version_agent_cmp(const char *a, const char *b)
{
	struct semver	 sa, sb;
	size_t		 la, lb;
	int64_t		 ia, ib;
	int		 r;

	if (a == NULL)
		a = "";
	if (b == NULL)
		b = "";
	if (semver_parse(a, &sa) == 0 && semver_parse(b, &sb) == 0)
		return (semver_cmp(&sa, &sb));
	for (;;) {
		la = strcspn(a, ".");
		lb = strcspn(b, ".");
		if (agent_part_int(a, la, &ia) == 0 &&
		    agent_part_int(b, lb, &ib) == 0)
			r = ia < ib ? -1 : (ia > ib ? 1 : 0);
		else
			r = cmp_bytes(a, la, b, lb);
		if (r != 0)
			return (r);
		if (a[la] == '\0' || b[lb] == '\0')
			break;
		a += la + 1;
		b += lb + 1;
	}
	/* Every shared part is equal: the string with fewer parts is less. */
	return (a[la] == '\0' ? (b[lb] == '\0' ? 0 : -1) : 1);
}

int
ssm_version_use_mux(const char *agent_version, int port_forwarding)
{
	return (port_forwarding &&
	    ssm_version_gt(agent_version, SSM_VERSION_AGENT_MUX));
}

int
ssm_version_has_terminate_flag(const char *agent_version)
{
	return (ssm_version_gt(agent_version, SSM_VERSION_AGENT_TERMINATE));
}

/* The agent turns its keep-alive off for this client (agents > 3.1.1511). */
static int
version_client_disables_keepalive(const char *client_version)
{
	return (ssm_version_agent_cmp(client_version,
	    SSM_VERSION_CLIENT_KEEPALIVE) > 0);
}

int
ssm_version_client_keepalive(const char *agent_version,
    const char *client_version)
{
	if (!ssm_version_gt(agent_version, SSM_VERSION_AGENT_KEEPALIVE))
		return (1);
	return (!version_client_disables_keepalive(client_version));
}

int
ssm_version_agent_mux(const char *agent_version, int port_forwarding,
    const char *client_version)
{
	if (!ssm_version_use_mux(agent_version, port_forwarding))
		return (0);
	return (ssm_version_agent_cmp(client_version,
	    SSM_VERSION_CLIENT_MUX) >= 0);
}

int
ssm_version_agent_keepalive(const char *agent_version,
    const char *client_version)
{
	int	cmp;

	if (!ssm_version_gt(agent_version, SSM_VERSION_AGENT_MUX))
		return (0);	/* no smux at all */
	if (ssm_version_gt(agent_version, SSM_VERSION_AGENT_KEEPALIVE))
		return (!version_client_disables_keepalive(client_version));
	if (ssm_version_cmp(agent_version, SSM_VERSION_AGENT_NO_KEEPALIVE,
	    &cmp) == 0 && cmp == 0)
		return (0);
	return (1);
}

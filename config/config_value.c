/*
 * The value types of gatewayd.conf: parse, format, compare and free each
 * type the key table uses, plus the checks for string keys (addresses and
 * allow lists are in config_addr.c). No files and no state: the only
 * outside look-ups are user and group names (getpwnam/getgrnam), which a
 * config names on purpose.
 *
 * Messages say what is wrong with the value; config.c puts the file, line,
 * section and key in front.
 */

#include <sys/types.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xmalloc.h"
#include "aws_endpoints.h"
#include "config_int.h"

/* Longest word config_value_distance compares. */
#define CONFIG_MAX_WORD		64

_Static_assert(sizeof (enum log_level) == sizeof (int),
    "log_level is stored as an int");
_Static_assert(sizeof (enum log_target) == sizeof (int),
    "log_target is stored as an int");

/*
 * Read the decimal digits at *sp and move past them. Saturate at
 * UINT64_MAX so that a huge number reads as out of range, not as garbage.
 * Return -1 if there is no digit.
 */
static int
config_value_digits(const char **sp, uint64_t *v)
{
	const char	*s = *sp;
	uint64_t	 n = 0;
	unsigned	 d;

	if (!isdigit((unsigned char)*s))
		return (-1);
	for (; isdigit((unsigned char)*s); s++) {
		d = *s - '0';
		if (n > (UINT64_MAX - d) / 10)
			n = UINT64_MAX;
		else
			n = n * 10 + d;
	}
	*sp = s;
	*v = n;
	return (0);
}

/* Multiply without wrapping. */
static uint64_t
config_value_mul(uint64_t n, uint64_t unit)
{
	if (unit != 0 && n > UINT64_MAX / unit)
		return (UINT64_MAX);
	return (n * unit);
}

int
config_value_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out,
    char **cause)
{
	const char	*p = s;
	uint64_t	 v;

	if (*p == '-' && isdigit((unsigned char)p[1]))
		goto range;
	if (config_value_digits(&p, &v) != 0 || *p != '\0') {
		xasprintf(cause, "\"%s\" is not a number", s);
		return (-1);
	}
	if (v < min || v > max)
		goto range;
	*out = v;
	return (0);
range:
	xasprintf(cause, "%s is out of range (%llu-%llu)", s,
	    (unsigned long long)min, (unsigned long long)max);
	return (-1);
}

static const struct {
	const char	*name;
	uint64_t	 ms;
} config_value_time_units[] = {
	{ "h", 3600 * 1000 }, { "m", 60 * 1000 }, { "s", 1000 }, { "ms", 1 },
};

int
config_value_duration(const char *s, uint64_t *ms, char **cause)
{
	const char	*p = s;
	uint64_t	 v;
	size_t		 i;

	if (config_value_digits(&p, &v) != 0)
		goto bad;
	if (*p == '\0') {
		*ms = config_value_mul(v, 1000);
		return (0);
	}
	for (i = 0; i < nitems(config_value_time_units); i++) {
		if (strcmp(p, config_value_time_units[i].name) == 0) {
			*ms = config_value_mul(v,
			    config_value_time_units[i].ms);
			return (0);
		}
	}
bad:
	xasprintf(cause, "\"%s\" is not a duration (30s, 5m, 1500ms, 2h)", s);
	return (-1);
}

/* The largest unit that divides ms exactly: "2h", "5m", "30s", "1500ms". */
void
config_value_fmt_duration(uint64_t ms, char *buf, size_t len)
{
	size_t	i;

	for (i = 0; i < nitems(config_value_time_units) - 1; i++) {
		if (ms != 0 && ms % config_value_time_units[i].ms == 0)
			break;
	}
	if (ms == 0)
		i = 2;
	snprintf(buf, len, "%llu%s",
	    (unsigned long long)(ms / config_value_time_units[i].ms),
	    config_value_time_units[i].name);
}

int
config_value_size(const char *s, uint64_t *bytes, char **cause)
{
	const char	*p = s, *units = "kmg";
	const char	*u;
	uint64_t	 v, unit = 1;

	if (config_value_digits(&p, &v) != 0)
		goto bad;
	if (*p != '\0' && *p != 'B') {
		if ((u = strchr(units, tolower((unsigned char)*p))) == NULL)
			goto bad;
		unit = 1ULL << (10 * (u - units + 1));
		p++;
		if (*p == 'i' && p[1] == 'B')
			p++;
	}
	if (*p == 'B')
		p++;
	if (*p != '\0')
		goto bad;
	*bytes = config_value_mul(v, unit);
	return (0);
bad:
	xasprintf(cause, "\"%s\" is not a size (512, 64k, 4M, 1G)", s);
	return (-1);
}

void
config_value_fmt_size(uint64_t n, char *buf, size_t len)
{
	static const char	 units[] = "GMk";
	int			 i;

	for (i = 0; i < 3 && n != 0; i++) {
		if (n % (1ULL << (10 * (3 - i))) == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)
			    (n >> (10 * (3 - i))), units[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)n);
}

int
config_value_bool(const char *s, int *out, char **cause)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t			 i;

	for (i = 0; i < nitems(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
			*out = strcasecmp(s, yes[i]) == 0;
			return (0);
		}
	}
	xasprintf(cause, "\"%s\" is not yes or no (yes, no, true, false, on, "
	    "off, 1, 0)", s);
	return (-1);
}

int
config_value_mode(const char *s, mode_t *out, char **cause)
{
	const char	*p;
	unsigned	 v = 0;

	for (p = s; *p >= '0' && *p <= '7' && p - s < 5; p++)
		v = v * 8 + (*p - '0');
	if (p == s || *p != '\0') {
		xasprintf(cause, "\"%s\" is not an octal mode (0600, 0660)", s);
		return (-1);
	}
	if (v > 0777) {
		xasprintf(cause, "%s is out of range (0000-0777)", s);
		return (-1);
	}
	*out = v;
	return (0);
}

/*
 * A user or group id by name (if names) or by number (if numbers), the
 * name first. Return 0, or -1 and *cause.
 */
int
config_value_id(const char *s, enum allow_kind kind, int names, int numbers,
    uint32_t *out, char **cause)
{
	struct passwd	*pw;
	struct group	*gr;
	uint64_t	 v;

	if (names && kind == ALLOW_USER && (pw = getpwnam(s)) != NULL) {
		*out = pw->pw_uid;
		return (0);
	}
	if (names && kind == ALLOW_GROUP && (gr = getgrnam(s)) != NULL) {
		*out = gr->gr_gid;
		return (0);
	}
	if (numbers) {
		if (config_value_uint(s, 0, UINT32_MAX - 1, &v, cause) == 0) {
			*out = v;
			return (0);
		}
		if (!names)
			return (-1);
		free(*cause);
	}
	xasprintf(cause, "no such %s \"%s\"", kind == ALLOW_USER ? "user" :
	    "group", s);
	return (-1);
}

/* Optimal string alignment distance: edits, with swaps of neighbours. */
unsigned
config_value_distance(const char *a, const char *b)
{
	unsigned	row[3][CONFIG_MAX_WORD + 1], *r0, *r1, *r2, v;
	size_t		la = strlen(a), lb = strlen(b), i, j;

	if (la > CONFIG_MAX_WORD || lb > CONFIG_MAX_WORD)
		return (la > lb ? la : lb);
	for (j = 0; j <= lb; j++)
		row[0][j] = j;
	for (i = 1; i <= la; i++) {
		r0 = row[(i + 1) % 3];		/* i - 2 */
		r1 = row[(i + 2) % 3];		/* i - 1 */
		r2 = row[i % 3];
		r2[0] = i;
		for (j = 1; j <= lb; j++) {
			v = r1[j - 1] + (a[i - 1] != b[j - 1]);
			if (r1[j] + 1 < v)
				v = r1[j] + 1;
			if (r2[j - 1] + 1 < v)
				v = r2[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && r0[j - 2] + 1 < v)
				v = r0[j - 2] + 1;
			r2[j] = v;
		}
	}
	return (row[la % 3][lb]);
}

const char *
config_value_suggest(const char *word, const char *const *words)
{
	const char	*best = NULL;
	unsigned	 d, bestd = UINT32_MAX, limit;

	limit = strlen(word) >= 5 ? 2 : 1;
	for (; *words != NULL; words++) {
		d = config_value_distance(word, *words);
		if (d < bestd) {
			bestd = d;
			best = *words;
		}
	}
	return (bestd <= limit ? best : NULL);
}

/* Length of the UTF-8 sequence at p (at most n bytes), or 0 if invalid. */
static size_t
config_value_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		len, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return (0);
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return (0);
	for (i = 2; i < len; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return (0);
	}
	return (len);
}

int
config_value_check_text(const char *buf, size_t len, unsigned *line,
    char **cause)
{
	const unsigned char	*p = (const unsigned char *)buf;
	size_t			 i = 0, n;

	*line = 1;
	while (i < len) {
		if (p[i] == '\n')
			(*line)++;
		if (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n') {
			i++;
			continue;
		}
		if (p[i] == '\0') {
			*cause = xstrdup("not a text file (NUL byte)");
			return (-1);
		}
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n') ||
		    p[i] == 0x7f) {
			xasprintf(cause, "not a text file (control character "
			    "0x%02x)", p[i]);
			return (-1);
		}
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = config_value_utf8_len(p + i, len - i)) == 0) {
			*cause = xstrdup("not a text file (invalid UTF-8)");
			return (-1);
		}
		i += n;
	}
	return (0);
}

int
config_value_check_word(const char *s, char **cause)
{
	const char	*p;

	for (p = s; *p != '\0'; p++) {
		if (isspace((unsigned char)*p)) {
			xasprintf(cause, "\"%s\" contains a space", s);
			return (-1);
		}
	}
	return (0);
}

/* Space-separated fnmatch patterns, each at most 400 bytes (a target). */
int
config_value_check_patterns(const char *s, char **cause)
{
	size_t	n;

	for (; *s != '\0'; s += n) {
		s += strspn(s, " \t");
		n = strcspn(s, " \t");
		if (n > 400) {
			xasprintf(cause, "pattern \"%.20s...\" is longer than "
			    "a target may be (400)", s);
			return (-1);
		}
	}
	return (0);
}

/* Space-separated port numbers, 1-65535. */
int
config_value_check_ports(const char *s, char **cause)
{
	unsigned long	 port;
	char		*end;
	size_t		 n;

	for (; *s != '\0'; s += n) {
		s += strspn(s, " \t");
		if ((n = strcspn(s, " \t")) == 0)
			break;
		errno = 0;
		port = strtoul(s, &end, 10);
		if (!isdigit((unsigned char)*s) || end != s + n ||
		    errno != 0 || port < 1 || port > 65535) {
			xasprintf(cause, "\"%.*s\" is not a port (1-65535)",
			    (int)(n > 20 ? 20 : n), s);
			return (-1);
		}
	}
	return (0);
}

int
config_value_check_path(const char *s, char **cause)
{
	struct sockaddr_un	sun;

	if (*s != '/') {
		xasprintf(cause, "\"%s\" is not an absolute path", s);
		return (-1);
	}
	if (strlen(s) >= sizeof sun.sun_path) {
		xasprintf(cause, "\"%s\" is longer than a socket path may be "
		    "(%zu bytes)", s, sizeof sun.sun_path - 1);
		return (-1);
	}
	return (config_value_check_word(s, cause));
}

/*
 * A region of a partition: one the table names, or one that reads like a
 * named one but for its digits (eu-west-4: newer than the table). A near
 * miss of a named region (eu-wset-1) is a typo whose host would only fail
 * to resolve at the first connection; so is a name no partition's
 * pattern fits. Any other name that fits a pattern may be a new region.
 */
int
config_value_check_region(const char *s, char **cause)
{
	const char		*names[128], *near;
	char			*lower, *p;
	size_t			 n;
	enum aws_region_fit	 fit;

	if (!aws_endpoint_region_is_valid(s)) {
		xasprintf(cause, "\"%s\" is not a region name (eu-west-1)", s);
		return (-1);
	}
	if ((fit = aws_endpoint_region_fit(s)) >= AWS_REGION_FAMILY)
		return (0);
	n = aws_endpoint_region_names(names, nitems(names) - 1);
	names[n] = NULL;
	lower = xstrdup(s);
	for (p = lower; *p != '\0'; p++)
		*p = tolower((unsigned char)*p);
	near = config_value_suggest(lower, names);
	free(lower);
	if (near != NULL) {
		xasprintf(cause, "\"%s\" is not a region (did you mean %s?)",
		    s, near);
		return (-1);
	}
	if (fit == AWS_REGION_NONE) {
		xasprintf(cause, "\"%s\" is not a region of any partition "
		    "(eu-west-1, cn-north-1, us-gov-west-1, ...)", s);
		return (-1);
	}
	return (0);
}

/* http:// or https:// and a host; no user:password@ (it would be logged). */
int
config_value_check_url(const char *s, char **cause)
{
	const char	*host;
	size_t		 hostlen;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else {
		xasprintf(cause, "\"%s\" is not an http:// or https:// URL", s);
		return (-1);
	}
	hostlen = strcspn(host, "/?#");
	if (hostlen == 0 || *host == ':') {
		xasprintf(cause, "\"%s\" has no host", s);
		return (-1);
	}
	if (memchr(host, '@', hostlen) != NULL) {
		*cause = xstrdup("credentials in the URL are not allowed");
		return (-1);
	}
	return (config_value_check_word(s, cause));
}

/*
 * Shaped like an instance id, valid or not: i- or mi- and only letters
 * and digits, all hex or some digits (i-0123, i-0123456789abcdefg,
 * i-0123456789ABCDEF0). Such a target is the ssm forwarder's, which
 * says what is wrong with it, rather than a host of that name for tcp; a
 * host name such as i-proxy.internal or i-proxy stays one.
 */
static int
config_value_is_instance_shaped(const char *s)
{
	size_t	n;

	if (strncmp(s, "i-", 2) == 0)
		s += 2;
	else if (strncmp(s, "mi-", 3) == 0)
		s += 3;
	else
		return (0);
	for (n = 0; isalnum((unsigned char)s[n]); n++)
		;
	if (n == 0 || s[n] != '\0')
		return (0);
	return (strspn(s, "0123456789abcdefABCDEF") == n ||
	    strcspn(s, "0123456789") != n);
}

int
config_value_is_aws_target(const char *s)
{
	if (strncmp(s, "tag:", 4) == 0 || strncmp(s, "ecs:", 4) == 0)
		return (1);
	return (config_value_is_instance_shaped(s));
}

/*
 * A target: a word, but a tag's value may hold spaces (tag:Name=web
 * server; quoted in the file or not, and in one -L argument).
 */
int
config_value_check_target(const char *s, char **cause)
{
	if (strncmp(s, "tag:", 4) == 0 && strchr(s, '=') != NULL &&
	    strchr(s, '\n') == NULL && strchr(s, '\t') == NULL)
		return (0);
	return (config_value_check_word(s, cause));
}

/* The field of key in base. */
#define FIELD(key, base, type) \
	((type *)(void *)((char *)(base) + (key)->offset))
#define CFIELD(key, base, type) \
	((const type *)(const void *)((const char *)(base) + (key)->offset))

void
config_value_init(const struct config_key *key, void *base)
{
	if (key->type == CONFIG_USER)
		*FIELD(key, base, uid_t) = (uid_t)-1;
	else if (key->type == CONFIG_GROUP)
		*FIELD(key, base, gid_t) = (gid_t)-1;
}

/* A number in key's own units, the way a user would write it. */
static void
config_value_fmt_number(const struct config_key *key, uint64_t n, char *buf,
    size_t len)
{
	if (key->type == CONFIG_DURATION)
		config_value_fmt_duration(n, buf, len);
	else if (key->type == CONFIG_SIZE)
		config_value_fmt_size(n, buf, len);
	else
		snprintf(buf, len, "%llu", (unsigned long long)n);
}

/* Check n against key's bounds. */
static int
config_value_range(const struct config_key *key, const char *text,
    uint64_t n, char **cause)
{
	char	lo[32], hi[32];

	if (n >= key->min && n <= key->max)
		return (0);
	config_value_fmt_number(key, key->min, lo, sizeof lo);
	config_value_fmt_number(key, key->max, hi, sizeof hi);
	xasprintf(cause, "%s is out of range (%s-%s)", text, lo, hi);
	return (-1);
}

static int
config_value_set_enum(const struct config_key *key, void *base,
    const char *text, char **cause)
{
	char	*list = NULL, *tmp;
	size_t	 i;

	for (i = 0; config_key_choice(key, i) != NULL; i++) {
		if (strcmp(text, config_key_choice(key, i)) != 0)
			continue;
		if (key->values != NULL)
			*FIELD(key, base, int) = key->values[i];
		else {
			free(*FIELD(key, base, char *));
			*FIELD(key, base, char *) =
			    xstrdup(config_key_choice(key, i));
		}
		return (0);
	}
	for (i = 0; config_key_choice(key, i) != NULL; i++) {
		xasprintf(&tmp, "%s%s%s", list == NULL ? "" : list,
		    list == NULL ? "" : ", ", config_key_choice(key, i));
		free(list);
		list = tmp;
	}
	xasprintf(cause, "unknown value \"%s\" (%s)", text, list);
	free(list);
	return (-1);
}

static int
config_value_set_listen(const struct config_key *key, void *base,
    const char *text, char **cause)
{
	struct listen_spec	*ls = FIELD(key, base, struct listen_spec);
	struct listen_spec	 new;

	if (config_addr_listen(text, &new, cause) != 0)
		return (-1);
	free(ls->text);
	free(ls->path);
	ls->kind = new.kind;
	ls->text = new.text;
	ls->ss = new.ss;
	ls->sslen = new.sslen;
	ls->path = new.path;
	return (0);
}

/* One more value of a key that repeats, checked as a string's. */
static int
config_value_add_string(const struct config_key *key, void *base,
    const char *text, char **cause)
{
	struct config_strings	*cs = FIELD(key, base, struct config_strings);

	if (strlen(text) > CONFIG_MAX_VALUE) {
		xasprintf(cause, "longer than %d characters", CONFIG_MAX_VALUE);
		return (-1);
	}
	if (config_key_check(key, text, cause) != 0)
		return (-1);
	cs->v = xreallocarray(cs->v, cs->n + 1, sizeof *cs->v);
	cs->v[cs->n++] = xstrdup(text);
	return (0);
}

int
config_value_set(const struct config_key *key, void *base, const char *text,
    char **cause)
{
	uint64_t	 n;
	uint64_t	 min = key->min, max = key->max;
	uint32_t	 id;

	switch (key->type) {
	case CONFIG_STRING:
		if (strlen(text) > CONFIG_MAX_VALUE) {
			xasprintf(cause, "longer than %d characters",
			    CONFIG_MAX_VALUE);
			return (-1);
		}
		if (config_key_check(key, text, cause) != 0)
			return (-1);
		free(*FIELD(key, base, char *));
		*FIELD(key, base, char *) = xstrdup(text);
		return (0);
	case CONFIG_PORT:
		min = 1;
		max = 65535;
		/* FALLTHROUGH */
	case CONFIG_UINT:
		if (config_value_uint(text, min, max, &n, cause) != 0)
			return (-1);
		*FIELD(key, base, unsigned) = n;
		return (0);
	case CONFIG_DURATION:
		if (config_value_duration(text, &n, cause) != 0 ||
		    config_value_range(key, text, n, cause) != 0)
			return (-1);
		*FIELD(key, base, unsigned) = n;
		return (0);
	case CONFIG_SIZE:
		if (config_value_size(text, &n, cause) != 0 ||
		    config_value_range(key, text, n, cause) != 0)
			return (-1);
		*FIELD(key, base, uint64_t) = n;
		return (0);
	case CONFIG_BOOL:
		return (config_value_bool(text, FIELD(key, base, int), cause));
	case CONFIG_ENUM:
		return (config_value_set_enum(key, base, text, cause));
	case CONFIG_MODE:
		return (config_value_mode(text, FIELD(key, base, mode_t),
		    cause));
	case CONFIG_USER:
		if (config_value_id(text, ALLOW_USER, 1, 1, &id, cause) != 0)
			return (-1);
		*FIELD(key, base, uid_t) = id;
		return (0);
	case CONFIG_GROUP:
		if (config_value_id(text, ALLOW_GROUP, 1, 1, &id, cause) != 0)
			return (-1);
		*FIELD(key, base, gid_t) = id;
		return (0);
	case CONFIG_LISTEN:
		return (config_value_set_listen(key, base, text, cause));
	case CONFIG_ALLOW:
		return (config_addr_allow(text,
		    FIELD(key, base, struct allow_list), cause));
	case CONFIG_STRINGS:
		return (config_value_add_string(key, base, text, cause));
	}
	fatalx("%s: unknown type %d", __func__, key->type);
}

/* An enum value back to its name. */
static char *
config_value_format_enum(const struct config_key *key, const void *base)
{
	const char	*s;
	size_t		 i;

	if (key->values == NULL) {
		s = *CFIELD(key, base, char *);
		return (s == NULL ? NULL : xstrdup(s));
	}
	for (i = 0; config_key_choice(key, i) != NULL; i++) {
		if (key->values[i] == *CFIELD(key, base, int))
			return (xstrdup(config_key_choice(key, i)));
	}
	return (NULL);
}

/* The values one a line (no value holds a newline: a line gave each). */
static char *
config_value_format_strings(const struct config_strings *cs)
{
	char	*out = NULL, *tmp;
	size_t	 i;

	for (i = 0; i < cs->n; i++) {
		xasprintf(&tmp, "%s%s%s", out == NULL ? "" : out,
		    out == NULL ? "" : "\n", cs->v[i]);
		free(out);
		out = tmp;
	}
	return (out);
}

char *
config_value_format(const struct config_key *key, const void *base)
{
	const struct allow_list	*al;
	struct passwd		*pw;
	struct group		*gr;
	const char		*s;
	char			 buf[64], *out;
	uid_t			 uid;
	gid_t			 gid;

	switch (key->type) {
	case CONFIG_STRING:
		s = *CFIELD(key, base, char *);
		return (s == NULL ? NULL : xstrdup(s));
	case CONFIG_UINT:
	case CONFIG_PORT:
	case CONFIG_DURATION:
		config_value_fmt_number(key, *CFIELD(key, base, unsigned), buf,
		    sizeof buf);
		return (xstrdup(buf));
	case CONFIG_SIZE:
		config_value_fmt_size(*CFIELD(key, base, uint64_t), buf,
		    sizeof buf);
		return (xstrdup(buf));
	case CONFIG_BOOL:
		return (xstrdup(*CFIELD(key, base, int) ? "yes" : "no"));
	case CONFIG_ENUM:
		return (config_value_format_enum(key, base));
	case CONFIG_MODE:
		xasprintf(&out, "%04o", (unsigned)*CFIELD(key, base, mode_t));
		return (out);
	case CONFIG_USER:
		if ((uid = *CFIELD(key, base, uid_t)) == (uid_t)-1)
			return (NULL);
		if ((pw = getpwuid(uid)) != NULL)
			return (xstrdup(pw->pw_name));
		xasprintf(&out, "%u", (unsigned)uid);
		return (out);
	case CONFIG_GROUP:
		if ((gid = *CFIELD(key, base, gid_t)) == (gid_t)-1)
			return (NULL);
		if ((gr = getgrgid(gid)) != NULL)
			return (xstrdup(gr->gr_name));
		xasprintf(&out, "%u", (unsigned)gid);
		return (out);
	case CONFIG_LISTEN:
		s = CFIELD(key, base, struct listen_spec)->text;
		return (s == NULL ? NULL : xstrdup(s));
	case CONFIG_ALLOW:
		al = CFIELD(key, base, struct allow_list);
		return (al->n == 0 ? NULL : xstrdup(al->text));
	case CONFIG_STRINGS:
		return (config_value_format_strings(
		    CFIELD(key, base, struct config_strings)));
	}
	fatalx("%s: unknown type %d", __func__, key->type);
}

/* Allow lists are equal when their rules are, not only their text: a
 * user may have been given another uid since. */
static int
config_value_allow_equal(const struct allow_list *a,
    const struct allow_list *b)
{
	const struct allow_rule	*ra, *rb;
	size_t			 i;

	if (a->n != b->n)
		return (0);
	for (i = 0; i < a->n; i++) {
		ra = &a->rules[i];
		rb = &b->rules[i];
		if (ra->kind != rb->kind || ra->family != rb->family ||
		    ra->prefix != rb->prefix || ra->uid != rb->uid ||
		    ra->gid != rb->gid ||
		    memcmp(ra->addr, rb->addr, sizeof ra->addr) != 0)
			return (0);
	}
	return (1);
}

int
config_value_equal(const struct config_key *key, const void *a,
    const void *b)
{
	char	*sa, *sb;
	int	 equal;

	if (key->type == CONFIG_ALLOW)
		return (config_value_allow_equal(
		    CFIELD(key, a, struct allow_list),
		    CFIELD(key, b, struct allow_list)));
	if (key->type == CONFIG_USER)
		return (*CFIELD(key, a, uid_t) == *CFIELD(key, b, uid_t));
	if (key->type == CONFIG_GROUP)
		return (*CFIELD(key, a, gid_t) == *CFIELD(key, b, gid_t));
	sa = config_value_format(key, a);
	sb = config_value_format(key, b);
	if (sa == NULL || sb == NULL)
		equal = sa == sb;
	else
		equal = strcmp(sa, sb) == 0;
	free(sa);
	free(sb);
	return (equal);
}

void
config_value_free(const struct config_key *key, void *base)
{
	struct listen_spec	*ls;
	struct config_strings	*cs;
	size_t			 i;

	switch (key->type) {
	case CONFIG_STRING:
		free(*FIELD(key, base, char *));
		*FIELD(key, base, char *) = NULL;
		break;
	case CONFIG_ENUM:
		if (key->values == NULL) {
			free(*FIELD(key, base, char *));
			*FIELD(key, base, char *) = NULL;
		}
		break;
	case CONFIG_LISTEN:
		ls = FIELD(key, base, struct listen_spec);
		free(ls->text);
		free(ls->path);
		ls->text = ls->path = NULL;
		break;
	case CONFIG_ALLOW:
		config_addr_allow_free(FIELD(key, base, struct allow_list));
		break;
	case CONFIG_STRINGS:
		cs = FIELD(key, base, struct config_strings);
		for (i = 0; i < cs->n; i++)
			free(cs->v[i]);
		free(cs->v);
		cs->v = NULL;
		cs->n = 0;
		break;
	default:
		break;
	}
}

/* An IAM role's ARN: arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME. */
int
config_value_check_role_arn(const char *s, char **cause)
{
	const char	*p = s, *name;
	size_t		 n;

	if (strncmp(p, "arn:", 4) == 0) {
		p += 4;
		n = strspn(p, "abcdefghijklmnopqrstuvwxyz-");
		if (n != 0 && strncmp(p + n, ":iam::", 6) == 0) {
			p += n + 6;
			if (strspn(p, "0123456789") == 12 &&
			    strncmp(p + 12, ":role/", 6) == 0) {
				name = p + 18;
				n = strlen(name);
				if (n != 0 && n <= 512 && name[n - 1] != '/' &&
				    strspn(name, "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
				    "_+=,.@/-") == n)
					return (0);
			}
		}
	}
	xasprintf(cause, "\"%s\" is not a role ARN "
	    "(arn:aws:iam::123456789012:role/NAME)", s);
	return (-1);
}

/*
 * A RoleSessionName made of tmpl for user: %u is the user, %% a '%'; a
 * character STS does not take (2 to 64 of [A-Za-z0-9_+=,.@-]) becomes
 * '-', the rest past 64 is cut and a name of one character gets a '_'.
 * NULL and *cause for another % escape.
 */
char *
config_role_session_name(const char *tmpl, const char *user, char **cause)
{
	char		 out[65];
	const char	*p, *add;
	size_t		 n = 0;
	char		 one[2];

	if (tmpl == NULL)
		tmpl = "%u";
	for (p = tmpl; *p != '\0' && n < sizeof out - 1; p++) {
		add = one;
		one[0] = *p;
		one[1] = '\0';
		if (*p == '%') {
			p++;
			if (*p == 'u')
				add = user;
			else if (*p != '%') {
				xasprintf(cause, "\"%s\": %%%c is not %%u (the "
				    "local user) or %%%%", tmpl, *p != '\0' ?
				    *p : ' ');
				return (NULL);
			}
		}
		for (; *add != '\0' && n < sizeof out - 1; add++) {
			out[n++] = isalnum((unsigned char)*add) ||
			    strchr("_+=,.@-", *add) != NULL ? *add : '-';
		}
	}
	if (n == 0) {
		xasprintf(cause, "\"%s\" makes an empty name", tmpl);
		return (NULL);
	}
	if (n == 1)
		out[n++] = '_';
	out[n] = '\0';
	return (xstrdup(out));
}

int
config_value_check_session_name(const char *s, char **cause)
{
	char	*name;

	if ((name = config_role_session_name(s, "user", cause)) == NULL)
		return (-1);
	free(name);
	return (0);
}

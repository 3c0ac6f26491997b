/*
 * The shared config and credentials files: a strict INI reader with
 * botocore's semantics (no inline comments, continuation lines, one level
 * of sub-sections), the file locations, profile selection and the merged
 * view of one profile. Credentials are resolved elsewhere (chain.c,
 * creds.c); this module only answers "what does the file say".
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "aws_profile.h"
#include "log.h"
#include "xmalloc.h"

/* The reader's position while it parses one file. */
struct aws_ini_parser {
	struct aws_ini		*ini;
	struct aws_ini_section	*sect;		/* current section */
	struct aws_ini_kv	*kv;		/* last key, for continuations */
	size_t			 kv_indent;	/* its indentation */
	int			 kv_nested;	/* its value began empty */
	unsigned		 line;
	char			*cause;
};

static char *
aws_ini_trim(const char *start, const char *end)
{
	while (start < end && isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	return (xstrndup(start, end - start));
}

static void
aws_ini_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = tolower((unsigned char)*s);
}

static int
aws_ini_error(struct aws_ini_parser *p, const char *msg)
{
	if (p->cause == NULL)
		xasprintf(&p->cause, "%s:%u: %s", p->ini->name, p->line, msg);
	return (-1);
}

/* A line "[name]": text up to the last ']', as configparser reads it. */
static int
aws_ini_section_line(struct aws_ini_parser *p, const char *s, const char *e)
{
	struct aws_ini		*ini = p->ini;
	struct aws_ini_section	*sect;
	const char		*close;
	char			*name;
	size_t			 i;

	for (close = e; close > s && close[-1] != ']'; close--)
		;
	if (close <= s + 1)
		return (aws_ini_error(p, "section header has no closing ]"));
	name = aws_ini_trim(s + 1, close - 1);
	if (*name == '\0') {
		free(name);
		return (aws_ini_error(p, "empty section name"));
	}
	for (i = 0; i < ini->nsections; i++) {
		if (strcmp(ini->sections[i].name, name) == 0) {
			free(name);
			return (aws_ini_error(p, "duplicate section"));
		}
	}
	ini->sections = xreallocarray(ini->sections, ini->nsections + 1,
	    sizeof *ini->sections);
	sect = &ini->sections[ini->nsections++];
	memset(sect, 0, sizeof *sect);
	sect->name = name;
	sect->line = p->line;
	p->sect = sect;
	p->kv = NULL;
	return (0);
}

/* An indented "key = value" under a key whose value was empty. */
static int
aws_ini_sub_line(struct aws_ini_parser *p, const char *s, const char *e)
{
	struct aws_ini_kv	*kv = p->kv, *sub;
	const char		*eq;

	if ((eq = memchr(s, '=', e - s)) == NULL)
		return (aws_ini_error(p, "sub-section line is not key = value"));
	kv->sub = xreallocarray(kv->sub, kv->nsub + 1, sizeof *kv->sub);
	sub = &kv->sub[kv->nsub++];
	memset(sub, 0, sizeof *sub);
	sub->key = aws_ini_trim(s, eq);
	sub->value = aws_ini_trim(eq + 1, e);
	sub->line = p->line;
	return (0);
}

/* A line indented deeper than the last key: more of its value. */
static int
aws_ini_continuation(struct aws_ini_parser *p, const char *s, const char *e)
{
	struct aws_ini_kv	*kv = p->kv;
	char			*more, *joined;

	if (p->kv_nested)
		return (aws_ini_sub_line(p, s, e));
	more = aws_ini_trim(s, e);
	xasprintf(&joined, "%s\n%s", kv->value, more);
	free(more);
	free(kv->value);
	kv->value = joined;
	return (0);
}

/* "key = value" or "key: value": the first delimiter splits. */
static int
aws_ini_key_line(struct aws_ini_parser *p, const char *s, const char *e,
    size_t indent)
{
	struct aws_ini_section	*sect = p->sect;
	struct aws_ini_kv	*kv;
	const char		*d;
	char			*key;
	size_t			 i;

	for (d = s; d < e && *d != '=' && *d != ':'; d++)
		;
	if (d == e)
		return (aws_ini_error(p, "line is not key = value"));
	if (sect == NULL)
		return (aws_ini_error(p, "key outside any section"));
	key = aws_ini_trim(s, d);
	if (*key == '\0') {
		free(key);
		return (aws_ini_error(p, "empty key"));
	}
	aws_ini_lower(key);
	for (i = 0; i < sect->nkv; i++) {
		if (strcmp(sect->kv[i].key, key) == 0) {
			free(key);
			return (aws_ini_error(p, "duplicate key"));
		}
	}
	sect->kv = xreallocarray(sect->kv, sect->nkv + 1, sizeof *sect->kv);
	kv = &sect->kv[sect->nkv++];
	memset(kv, 0, sizeof *kv);
	kv->key = key;
	kv->value = aws_ini_trim(d + 1, e);
	kv->line = p->line;
	p->kv = kv;
	p->kv_indent = indent;
	p->kv_nested = (*kv->value == '\0');
	return (0);
}

static int
aws_ini_line(struct aws_ini_parser *p, const char *s, const char *e)
{
	const char	*t = s;
	size_t		 indent;

	while (t < e && (*t == ' ' || *t == '\t'))
		t++;
	indent = t - s;
	/* Blank and comment lines neither end nor extend a value. */
	if (t == e || *t == '#' || *t == ';')
		return (0);
	if (p->kv != NULL && indent > p->kv_indent)
		return (aws_ini_continuation(p, t, e));
	if (*t == '[')
		return (aws_ini_section_line(p, t, e));
	return (aws_ini_key_line(p, t, e, indent));
}

struct aws_ini *
aws_ini_parse(const char *name, const char *buf, size_t len, char **cause)
{
	struct aws_ini_parser	 p;
	const char		*s, *e, *end = buf + len;

	memset(&p, 0, sizeof p);
	p.ini = xcalloc(1, sizeof *p.ini);
	p.ini->name = xstrdup(name);
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		buf += 3;
	for (s = buf; s < end; s = e + 1) {
		p.line++;
		if ((e = memchr(s, '\n', end - s)) == NULL)
			e = end;
		if (memchr(s, '\0', e - s) != NULL) {
			aws_ini_error(&p, "NUL byte in file");
			break;
		}
		if (aws_ini_line(&p, s, (e > s && e[-1] == '\r') ? e - 1 : e)
		    != 0)
			break;
	}
	if (p.cause != NULL) {
		*cause = p.cause;
		aws_ini_free(p.ini);
		return (NULL);
	}
	return (p.ini);
}

static void
aws_ini_kv_clear(struct aws_ini_kv *kv)
{
	size_t	i;

	for (i = 0; i < kv->nsub; i++)
		aws_ini_kv_clear(&kv->sub[i]);
	free(kv->sub);
	free(kv->key);
	freezero_str(kv->value);	/* may be a secret */
}

void
aws_ini_free(struct aws_ini *ini)
{
	size_t	i, j;

	if (ini == NULL)
		return;
	for (i = 0; i < ini->nsections; i++) {
		for (j = 0; j < ini->sections[i].nkv; j++)
			aws_ini_kv_clear(&ini->sections[i].kv[j]);
		free(ini->sections[i].kv);
		free(ini->sections[i].name);
	}
	free(ini->sections);
	free(ini->name);
	free(ini);
}

struct aws_ini_section *
aws_ini_find(const struct aws_ini *ini, const char *name)
{
	size_t	i;

	if (ini == NULL)
		return (NULL);
	for (i = 0; i < ini->nsections; i++) {
		if (strcmp(ini->sections[i].name, name) == 0)
			return (&ini->sections[i]);
	}
	return (NULL);
}

const struct aws_ini_kv *
aws_ini_get(const struct aws_ini_section *sect, const char *key)
{
	size_t	i;

	if (sect == NULL)
		return (NULL);
	for (i = 0; i < sect->nkv; i++) {
		if (strcasecmp(sect->kv[i].key, key) == 0)
			return (&sect->kv[i]);
	}
	return (NULL);
}

/*
 * Split a config-file section name into a kind ("profile", "sso-session",
 * "services") and a name, the way botocore does with shlex: exactly two
 * words, quotes grouping. Return 0 and fill kind and name, or -1.
 */
static int
aws_profile_split(const char *text, char *kind, size_t kindlen, char *name,
    size_t namelen)
{
	char		 words[2][256];
	size_t		 nwords = 0, n;
	const char	*s = text;
	char		 quote;

	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		if (nwords == 2)
			return (-1);
		n = 0;
		quote = 0;
		while (*s != '\0' && (quote || !isspace((unsigned char)*s))) {
			if (quote == 0 && (*s == '"' || *s == '\'')) {
				quote = *s++;
				continue;
			}
			if (quote != 0 && *s == quote) {
				quote = 0;
				s++;
				continue;
			}
			if (n + 1 >= sizeof words[0])
				return (-1);
			words[nwords][n++] = *s++;
		}
		if (quote != 0)
			return (-1);
		words[nwords++][n] = '\0';
	}
	if (nwords != 2 || *words[1] == '\0')
		return (-1);
	if (strlcpy(kind, words[0], kindlen) >= kindlen ||
	    strlcpy(name, words[1], namelen) >= namelen)
		return (-1);
	return (0);
}

/* The config-file section of kind ("profile", ...) and name, or NULL. */
static const struct aws_ini_section *
aws_profile_config_section(const struct aws_ini *ini, const char *kind,
    const char *name)
{
	char	k[256], n[256];
	size_t	i;

	if (ini == NULL)
		return (NULL);
	for (i = 0; i < ini->nsections; i++) {
		if (aws_profile_split(ini->sections[i].name, k, sizeof k, n,
		    sizeof n) != 0)
			continue;
		if (strcmp(k, kind) == 0 && strcmp(n, name) == 0)
			return (&ini->sections[i]);
	}
	/* [default] is the default profile too; [profile default] wins. */
	if (strcmp(kind, "profile") == 0 && strcmp(name, "default") == 0)
		return (aws_ini_find(ini, "default"));
	return (NULL);
}

static const char *
aws_profile_value(const struct aws_ini_section *sect, const char *key)
{
	const struct aws_ini_kv	*kv;

	if ((kv = aws_ini_get(sect, key)) == NULL)
		return (NULL);
	return (kv->value);
}

const char *
aws_profile_get_in(const struct aws_profiles *set, int which,
    const char *profile, const char *key)
{
	const char	*v = NULL;

	if (set == NULL)
		return (NULL);
	if (which & AWS_PROFILE_CREDENTIALS)
		v = aws_profile_value(aws_ini_find(set->credentials, profile),
		    key);
	if (v == NULL && (which & AWS_PROFILE_CONFIG))
		v = aws_profile_value(aws_profile_config_section(set->config,
		    "profile", profile), key);
	return (v);
}

const char *
aws_profile_get(const struct aws_profiles *set, const char *profile,
    const char *key)
{
	return (aws_profile_get_in(set,
	    AWS_PROFILE_CONFIG | AWS_PROFILE_CREDENTIALS, profile, key));
}

int
aws_profile_exists(const struct aws_profiles *set, const char *profile)
{
	if (set == NULL)
		return (0);
	return (aws_ini_find(set->credentials, profile) != NULL ||
	    aws_profile_config_section(set->config, "profile", profile) !=
	    NULL);
}

const char *
aws_profile_sso_session_get(const struct aws_profiles *set,
    const char *session, const char *key)
{
	if (set == NULL)
		return (NULL);
	return (aws_profile_value(aws_profile_config_section(set->config,
	    "sso-session", session), key));
}

const char *
aws_profile_services_get(const struct aws_profiles *set,
    const char *services, const char *service, const char *subkey)
{
	const struct aws_ini_kv	*kv;
	size_t			 i;

	if (set == NULL)
		return (NULL);
	kv = aws_ini_get(aws_profile_config_section(set->config, "services",
	    services), service);
	if (kv == NULL)
		return (NULL);
	/* Nested keys are kept as written (botocore does not fold them). */
	for (i = kv->nsub; i > 0; i--) {
		if (strcmp(kv->sub[i - 1].key, subkey) == 0)
			return (kv->sub[i - 1].value);
	}
	return (NULL);
}

int
aws_profile_bool(const char *v)
{
	if (v == NULL)
		return (-1);
	if (strcasecmp(v, "true") == 0)
		return (1);
	if (strcasecmp(v, "false") == 0)
		return (0);
	return (-1);
}

const char *
aws_profile_select(const char *explicit_name, int *is_explicit)
{
	const char	*v;

	*is_explicit = 0;
	if (explicit_name != NULL && *explicit_name != '\0') {
		*is_explicit = 1;
		return (explicit_name);
	}
	if ((v = getenv("AWS_PROFILE")) != NULL && *v != '\0')
		return (v);
	if ((v = getenv("AWS_DEFAULT_PROFILE")) != NULL && *v != '\0')
		return (v);
	return ("default");
}

char *
aws_profile_home(void)
{
	const char	*home;
	struct passwd	*pw;

	if ((home = getenv("HOME")) != NULL && *home != '\0')
		return (xstrdup(home));
	if ((pw = getpwuid(geteuid())) != NULL && pw->pw_dir != NULL &&
	    *pw->pw_dir != '\0')
		return (xstrdup(pw->pw_dir));
	return (NULL);
}

/* Expand a leading ~ and $VAR / ${VAR} (unset variables stay as is). */
static char *
aws_profile_expand(const char *path)
{
	char		*out, *home, *name, *next;
	const char	*s, *e, *v;
	size_t		 n;

	out = xstrdup("");
	s = path;
	if (s[0] == '~' && (s[1] == '/' || s[1] == '\0')) {
		if ((home = aws_profile_home()) != NULL) {
			free(out);
			out = home;
			s++;
		}
	}
	while (*s != '\0') {
		if (*s != '$') {
			n = strcspn(s, "$");
			xasprintf(&next, "%s%.*s", out, (int)n, s);
			free(out);
			out = next;
			s += n;
			continue;
		}
		e = s + 1;
		if (*e == '{')
			e = strchr(e, '}');
		else
			while (isalnum((unsigned char)*e) || *e == '_')
				e++;
		if (e == NULL || e == s + 1) {
			xasprintf(&next, "%s$", out);
			s++;
		} else {
			if (s[1] == '{')
				name = xstrndup(s + 2, e - s - 2);
			else
				name = xstrndup(s + 1, e - s - 1);
			if (*e == '}')
				e++;
			v = getenv(name);
			xasprintf(&next, "%s%.*s", out,
			    v != NULL ? (int)strlen(v) : (int)(e - s),
			    v != NULL ? v : s);
			free(name);
			s = e;
		}
		free(out);
		out = next;
	}
	return (out);
}

static char *
aws_profile_path(const char *env, const char *file)
{
	const char	*v;
	char		*home, *path;

	if ((v = getenv(env)) != NULL && *v != '\0')
		return (aws_profile_expand(v));
	if ((home = aws_profile_home()) == NULL)
		return (xstrdup(file));	/* relative: finds nothing, harmless */
	xasprintf(&path, "%s/.aws/%s", home, file);
	free(home);
	return (path);
}

char *
aws_profile_config_path(void)
{
	return (aws_profile_path("AWS_CONFIG_FILE", "config"));
}

char *
aws_profile_credentials_path(void)
{
	return (aws_profile_path("AWS_SHARED_CREDENTIALS_FILE", "credentials"));
}

/*
 * Read and parse one file. Return 0 with *out (NULL if the file does not
 * exist), or -1 and *cause.
 */
static int
aws_profile_read(const char *path, int secret, struct aws_ini **out,
    char **cause)
{
	struct stat	 sb;
	char		*buf;
	ssize_t		 n;
	size_t		 len = 0;
	int		 fd;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR)
			return (0);
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > AWS_PROFILE_MAX_FILE) {
		xasprintf(cause, "%s: not a regular file of at most %d bytes",
		    path, AWS_PROFILE_MAX_FILE);
		close(fd);
		return (-1);
	}
	if (secret && (sb.st_mode & 044) != 0)
		log_warnx("%s: readable by group or others (mode %04o); "
		    "chmod 600 it", path, (unsigned)(sb.st_mode & 07777));
	buf = xmalloc((size_t)sb.st_size + 1);
	while (len < (size_t)sb.st_size) {
		n = read(fd, buf + len, (size_t)sb.st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	*out = aws_ini_parse(path, buf, len, cause);
	explicit_bzero(buf, len);
	free(buf);
	return (*out == NULL ? -1 : 0);
}

struct aws_profiles *
aws_profile_load(const char *config_path, const char *credentials_path,
    char **cause)
{
	struct aws_profiles	*set;

	set = xcalloc(1, sizeof *set);
	set->config_path = config_path != NULL ? xstrdup(config_path) :
	    aws_profile_config_path();
	set->credentials_path = credentials_path != NULL ?
	    xstrdup(credentials_path) : aws_profile_credentials_path();
	if (aws_profile_read(set->config_path, 0, &set->config, cause) != 0 ||
	    aws_profile_read(set->credentials_path, 1, &set->credentials,
	    cause) != 0) {
		aws_profile_free(set);
		return (NULL);
	}
	return (set);
}

void
aws_profile_free(struct aws_profiles *set)
{
	if (set == NULL)
		return;
	aws_ini_free(set->config);
	aws_ini_free(set->credentials);
	free(set->config_path);
	free(set->credentials_path);
	free(set);
}

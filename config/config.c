/*
 * gatewayd.conf: read a file, check that it is text, feed it line by line
 * to inih and store each key through the table (config_table.c); then fill
 * in defaults and inherited values and check what involves more than one
 * key or more than one forward. Every error is kept with its file and line
 * and loading fails once, at the end, with all of them in file order.
 *
 * Debian's libinih 55 is built with 200-byte lines, inline comments (';'
 * after a space) and Python-style continuation lines. The reader we give
 * it (config_reader) therefore:
 *  - counts lines, since inih does not tell its handler where it is;
 *  - reports a line too long for inih's buffer, where inih would cut it in
 *    two and read the tail as a line of its own;
 *  - strips leading blanks, so an indented key is a key and never the
 *    continuation of the value above it;
 *  - parses section headers itself (inih cuts section names at 50 bytes
 *    and tells the handler nothing about a section without keys);
 *  - reports each line that is neither a comment, a section nor
 *    key = value (inih remembers only the first).
 * inih then splits key from value, trims both and strips the comment.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "xmalloc.h"
#include "config_int.h"

/* Forwards one file may define. */
#define CONFIG_MAX_FORWARDS	4096

/* [gateway] or one [forward "NAME"] while it is read. */
struct config_obj {
	enum config_section	 section;
	void			*base;		/* gw_config or fwd_config */
	const char		*name;		/* NULL for [gateway] */
	unsigned		 line;		/* of its header */
	unsigned		*lines;		/* per row: line set on, or 0 */
	uint8_t			*bad;		/* per row: value rejected */
	int			 dup;		/* a duplicate name: dropped */
};

struct config_err {
	unsigned	 line;
	size_t		 seq;
	char		*msg;
};

struct config_parse {
	const char		*file;		/* name in messages */
	const char		*buf;
	size_t			 len;
	size_t			 off;
	unsigned		 line;		/* of the line last read */
	int			 specs;		/* -L: no line, no section */
	int			 runtime;	/* config_fwd_make: no listen */

	struct gw_config	*conf;
	struct config_obj	 gw;
	struct config_obj	*fwds;
	size_t			 nfwds;

	enum {
		SECT_NONE,		/* before any header */
		SECT_GATEWAY,
		SECT_FORWARD,		/* fwds[nfwds - 1] */
		SECT_SKIP,		/* a bad header: keys ignored */
	}			 sect;

	struct config_err	*errs;
	size_t			 nerrs;
	int			 too_many;
};

static void
config_obj_init(struct config_obj *o, enum config_section section,
    void *base, const char *name, unsigned line)
{
	size_t	i;

	memset(o, 0, sizeof *o);
	o->section = section;
	o->base = base;
	o->name = name;
	o->line = line;
	o->lines = xcalloc(config_ntable, sizeof *o->lines);
	o->bad = xcalloc(config_ntable, sizeof *o->bad);
	for (i = 0; i < config_ntable; i++) {
		if (config_table[i].section == section)
			config_value_init(&config_table[i], base);
	}
}

static void
config_obj_clear(struct config_obj *o)
{
	free(o->lines);
	free(o->bad);
}

/* The table index of a key of o's section. */
static size_t
config_obj_index(const struct config_obj *o, const char *name)
{
	const struct config_key	*key;

	if ((key = config_table_find(o->section, name)) == NULL)
		fatalx("%s: no key %s", __func__, name);
	return (key - config_table);
}

/* The line o sets key name on, or 0. */
static unsigned
config_obj_line(const struct config_obj *o, const char *name)
{
	return (o->lines[config_obj_index(o, name)]);
}

/* 1 if o has key name set to a value that parsed. */
static int
config_obj_has(const struct config_obj *o, const char *name)
{
	size_t	i = config_obj_index(o, name);

	return (o->lines[i] != 0 && !o->bad[i]);
}

/*
 * Keep an error: "FILE:LINE: forward "NAME": KEY: message", dropping the
 * parts there are none of.
 */
static void __attribute__((format(printf, 5, 6)))
config_error(struct config_parse *p, unsigned line,
    const struct config_obj *o, const char *key, const char *fmt, ...)
{
	struct config_err	*e;
	va_list			 ap;
	const char		*file = p->file;
	char			*msg, where[32] = "", *fwd = NULL;

	if (p->nerrs >= CONFIG_MAX_ERRORS) {
		p->too_many = 1;
		return;
	}
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (line != 0 && !p->specs)
		snprintf(where, sizeof where, ":%u", line);
	if (o != NULL && o->name != NULL && !p->specs)
		xasprintf(&fwd, "forward \"%s\": ", o->name);

	/* A forward's own file: for -L, the spec it came from. */
	if (o != NULL && o->section == CONFIG_FORWARD)
		file = ((struct fwd_config *)o->base)->file;

	p->errs = xreallocarray(p->errs, p->nerrs + 1, sizeof *p->errs);
	e = &p->errs[p->nerrs];
	e->line = p->specs ? 0 : line;
	e->seq = p->nerrs++;
	xasprintf(&e->msg, "%s%s: %s%s%s%s", file, where,
	    fwd == NULL ? "" : fwd, key == NULL ? "" : key,
	    key == NULL ? "" : ": ", msg);
	free(fwd);
	free(msg);
}

/* File order; errors without a line go last. */
static int
config_err_cmp(const void *a, const void *b)
{
	const struct config_err	*ea = a, *eb = b;
	unsigned		 la = ea->line - 1, lb = eb->line - 1;

	if (la != lb)
		return (la < lb ? -1 : 1);
	return (ea->seq < eb->seq ? -1 : ea->seq > eb->seq);
}

/* Hand the errors over to errs, in file order. */
static void
config_errors_move(struct config_parse *p, struct config_errors *errs)
{
	size_t	i;

	qsort(p->errs, p->nerrs, sizeof *p->errs, config_err_cmp);
	errs->v = xreallocarray(errs->v, errs->n + p->nerrs + 1,
	    sizeof *errs->v);
	for (i = 0; i < p->nerrs; i++)
		errs->v[errs->n++] = p->errs[i].msg;
	if (p->too_many)
		xasprintf(&errs->v[errs->n++], "%s: too many errors, stopped "
		    "after %d", p->file, CONFIG_MAX_ERRORS);
	free(p->errs);
	p->errs = NULL;
	p->nerrs = 0;
}

/* A key this section does not have: say where it belongs or what was meant. */
static void
config_unknown_key(struct config_parse *p, struct config_obj *o,
    const char *name)
{
	enum config_section	 other;
	const char		**words, *best;
	size_t			 i, n = 0;

	other = o->section == CONFIG_GATEWAY ? CONFIG_FORWARD : CONFIG_GATEWAY;
	if (config_table_find(other, name) != NULL) {
		config_error(p, p->line, o, NULL, "unknown key \"%s\" in %s "
		    "(it belongs in %s)", name,
		    config_table_section_name(o->section),
		    config_table_section_name(other));
		return;
	}
	words = xcalloc(config_ntable + 1, sizeof *words);
	for (i = 0; i < config_ntable; i++) {
		if (config_table[i].section == o->section)
			words[n++] = config_table[i].name;
	}
	best = config_value_suggest(name, words);
	free(words);
	if (best != NULL)
		config_error(p, p->line, o, NULL, "unknown key \"%s\" (did you "
		    "mean \"%s\"?)", name, best);
	else
		config_error(p, p->line, o, NULL, "unknown key \"%s\"", name);
}

/*
 * Drop one pair of double quotes around a value. inih has already cut the
 * value at a ';' after a blank, so a lone opening quote usually means a
 * comment ate the rest.
 */
static int
config_unquote(const char *value, char **out, char **cause)
{
	size_t	len = strlen(value);

	if (*value != '"') {
		*out = xstrdup(value);
		return (0);
	}
	if (len < 2 || value[len - 1] != '"') {
		xasprintf(cause, "%s has no closing quote (a ';' after a blank "
		    "starts a comment)", value);
		return (-1);
	}
	*out = xstrndup(value + 1, len - 2);
	return (0);
}

/* Set key name of o from text, as found on line. */
static void
config_obj_set(struct config_parse *p, struct config_obj *o,
    const char *name, const char *value, unsigned line)
{
	const struct config_key	*key;
	size_t			 i;
	char			*text, *cause;

	if (*name == '\0') {
		config_error(p, line, o, NULL, "no key before '='");
		return;
	}
	if ((key = config_table_find(o->section, name)) == NULL) {
		config_unknown_key(p, o, name);
		return;
	}
	i = key - config_table;
	if (o->lines[i] != 0 && (~key->flags & CONFIG_REPEAT)) {
		if (p->specs)
			config_error(p, line, o, name, "given twice");
		else
			config_error(p, line, o, name, "duplicate key (first "
			    "set on line %u)", o->lines[i]);
		return;
	}
	if (o->lines[i] == 0)
		o->lines[i] = line;
	if (config_unquote(value, &text, &cause) != 0) {
		o->bad[i] = 1;
		config_error(p, line, o, name, "%s", cause);
		free(cause);
		return;
	}
	if (*text == '\0') {
		o->bad[i] = 1;
		config_error(p, line, o, name, "no value");
	} else if (config_value_set(key, o->base, text, &cause) != 0) {
		o->bad[i] = 1;
		config_error(p, line, o, name, "%s%s", cause,
		    strstr(text, " #") != NULL || strstr(text, "\t#") != NULL ?
		    " (after a value only ';' starts a comment)" : "");
		free(cause);
	}
	free(text);
}

/* The inih handler: one key = value line of the current section. */
static int
config_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct config_parse	*p = arg;

	switch (p->sect) {
	case SECT_NONE:
		config_error(p, p->line, NULL, name, "key outside any section "
		    "([gateway] or [forward \"NAME\"])");
		break;
	case SECT_GATEWAY:
		config_obj_set(p, &p->gw, name, value, p->line);
		break;
	case SECT_FORWARD:
		config_obj_set(p, &p->fwds[p->nfwds - 1], name, value, p->line);
		break;
	case SECT_SKIP:
		break;
	}
	return (1);
}

/* Start a forward called name, defined on line. */
static struct config_obj *
config_fwd_add(struct config_parse *p, const char *name, unsigned line)
{
	struct fwd_config	*fc;
	struct config_obj	*o;

	fc = xcalloc(1, sizeof *fc);
	fc->name = xstrdup(name);
	fc->file = xstrdup(p->file);
	fc->line = line;
	p->fwds = xreallocarray(p->fwds, p->nfwds + 1, sizeof *p->fwds);
	o = &p->fwds[p->nfwds++];
	config_obj_init(o, CONFIG_FORWARD, fc, fc->name, line);
	return (o);
}

/* A name fit for logs and gatewayctl: letters, digits, '-', '_', '.'. */
static int
config_fwd_name_ok(const char *name, char **cause)
{
	const char	*s;

	if (*name == '\0') {
		*cause = xstrdup("forward name is empty");
		return (-1);
	}
	if (strlen(name) > CONFIG_MAX_NAME) {
		xasprintf(cause, "forward name \"%s\" is longer than %d "
		    "characters", name, CONFIG_MAX_NAME);
		return (-1);
	}
	for (s = name; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && strchr("-_.", *s) == NULL) {
			xasprintf(cause, "forward name \"%s\" may only hold "
			    "letters, digits, '-', '_' and '.'", name);
			return (-1);
		}
	}
	return (0);
}

/* [forward "NAME"]; rest is what follows the word forward. */
static void
config_section_forward(struct config_parse *p, const char *rest)
{
	struct config_obj	*o;
	char			*name, *cause;
	size_t			 len, i;

	rest += strspn(rest, " \t");
	len = strlen(rest);
	if (len < 2 || rest[0] != '"' || rest[len - 1] != '"') {
		config_error(p, p->line, NULL, NULL, "a forward needs a name "
		    "in double quotes: [forward \"NAME\"]");
		return;
	}
	name = xstrndup(rest + 1, len - 2);
	if (config_fwd_name_ok(name, &cause) != 0) {
		config_error(p, p->line, NULL, NULL, "%s", cause);
		free(cause);
	} else if (p->nfwds >= CONFIG_MAX_FORWARDS) {
		config_error(p, p->line, NULL, NULL, "more than %d forwards",
		    CONFIG_MAX_FORWARDS);
	} else {
		for (i = 0; i < p->nfwds; i++) {
			if (strcmp(p->fwds[i].name, name) == 0)
				break;
		}
		o = config_fwd_add(p, name, p->line);
		if (i != p->nfwds - 1) {
			o->dup = 1;
			config_error(p, p->line, o, NULL, "forward name "
			    "already used on line %u", p->fwds[i].line);
		}
		p->sect = SECT_FORWARD;
	}
	free(name);
}

/* [gateway]: once per file. */
static void
config_section_gateway(struct config_parse *p)
{
	if (p->gw.line != 0) {
		config_error(p, p->line, NULL, NULL, "[gateway] already began "
		    "on line %u", p->gw.line);
		return;
	}
	p->gw.line = p->line;
	p->sect = SECT_GATEWAY;
}

/* A line that starts with '['. */
static void
config_section(struct config_parse *p, char *s)
{
	static const char *const sections[] = { "gateway", "forward", NULL };
	const char		*best;
	char			*end, *rest, *inner;
	size_t			 len;

	p->sect = SECT_SKIP;
	if ((end = strchr(s, ']')) == NULL) {
		config_error(p, p->line, NULL, NULL, "section header has no "
		    "closing ']'");
		return;
	}
	rest = end + 1 + strspn(end + 1, " \t");
	if (*rest != '\0' && *rest != ';' && *rest != '#') {
		config_error(p, p->line, NULL, NULL, "text after section "
		    "header: %s", rest);
		return;
	}
	*end = '\0';
	inner = s + 1 + strspn(s + 1, " \t");
	for (len = strlen(inner); len > 0 && isblank((unsigned char)
	    inner[len - 1]); len--)
		inner[len - 1] = '\0';
	len = strcspn(inner, " \t\"");
	if (strcmp(inner, "gateway") == 0)
		config_section_gateway(p);
	else if (len == 7 && strncmp(inner, "forward", 7) == 0)
		config_section_forward(p, inner + 7);
	else if (len == 7 && strncmp(inner, "gateway", 7) == 0)
		config_error(p, p->line, NULL, NULL, "[gateway] takes no name");
	else {
		inner[len] = '\0';
		best = config_value_suggest(inner, sections);
		if (best != NULL)
			config_error(p, p->line, NULL, NULL, "unknown section "
			    "\"%s\" (did you mean \"%s\"?)", inner, best);
		else
			config_error(p, p->line, NULL, NULL, "unknown section "
			    "\"%s\" ([gateway] or [forward \"NAME\"])", inner);
	}
}

/*
 * A key line for inih has '=' or ':' before any comment (inih's rule: ';'
 * after a blank), and we want one word before it.
 */
static int
config_is_key_line(const char *s)
{
	int	blank = 0, word = 0;

	for (; *s != '\0'; s++) {
		if (*s == '=' || *s == ':')
			return (1);
		if ((*s == ';' && blank) || (!isblank((unsigned char)*s) &&
		    blank && word))
			return (0);
		blank = isblank((unsigned char)*s);
		word = word || !blank;
	}
	return (0);
}

/*
 * The inih reader: hand over the next line, or an empty one when the line
 * was handled here (comment, section, error). See the top of the file.
 */
static char *
config_reader(char *str, int num, void *arg)
{
	struct config_parse	*p = arg;
	const char		*line, *nl;
	size_t			 len, skip;

	if (p->off >= p->len || num < 2)
		return (NULL);
	if (p->nerrs >= CONFIG_MAX_ERRORS) {
		p->too_many = 1;
		return (NULL);
	}
	line = p->buf + p->off;
	nl = memchr(line, '\n', p->len - p->off);
	len = nl != NULL ? (size_t)(nl - line) : p->len - p->off;
	p->off += len + (nl != NULL);
	p->line++;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	skip = 0;
	while (skip < len && isblank((unsigned char)line[skip]))
		skip++;
	line += skip;
	len -= skip;

	*str = '\0';
	if (len >= (size_t)num) {
		config_error(p, p->line, NULL, NULL, "line is longer than %d "
		    "characters", num - 1);
		return (str);
	}
	memcpy(str, line, len);
	str[len] = '\0';
	if (*str == '\0' || *str == ';' || *str == '#')
		*str = '\0';
	else if (*str == '[') {
		config_section(p, str);
		*str = '\0';
	} else if (!config_is_key_line(str)) {
		config_error(p, p->line, NULL, NULL, "\"%s\" is not "
		    "key = value", str);
		*str = '\0';
	}
	return (str);
}

/* Set a default from the table; one that does not parse is a bug. */
static void
config_obj_default(struct config_obj *o, const struct config_key *key,
    const char *text)
{
	char	*cause;

	if (config_value_set(key, o->base, text, &cause) != 0)
		fatalx("config: default %s = %s: %s", key->name, text, cause);
}

/* key of o takes parent's value of the same name, if it has one. */
static void
config_obj_inherit(struct config_obj *o, const struct config_key *key,
    struct config_obj *parent)
{
	const struct config_key	*pkey;
	char			*text;

	pkey = config_table_find(parent->section, key->name);
	text = config_value_format(pkey, parent->base);
	if (text != NULL)
		config_obj_default(o, key, text);
	free(text);
}

/*
 * The defaults of the keys only o's forwarder reads, once the forwarder is
 * known (it may be a computed default itself).
 */
static void
config_obj_finish_forwarder(struct config_obj *o, struct config_obj *parent)
{
	const struct fwd_config	*fc = o->base;
	const struct config_key	*key;
	size_t			 i;

	for (i = 0; i < config_ntable; i++) {
		key = &config_table[i];
		if (key->section != o->section || o->lines[i] != 0 ||
		    !config_key_applies(key, fc))
			continue;
		if ((key->flags & CONFIG_INHERIT) && parent != NULL)
			config_obj_inherit(o, key, parent);
		else if (config_key_default(key) != NULL)
			config_obj_default(o, key, config_key_default(key));
		else if (key->def_fn != NULL)
			config_obj_default(o, key, key->def_fn(o->base));
	}
}

/* Fill in what o does not set: inherited, then defaults, then computed. */
static void
config_obj_finish(struct config_parse *p, struct config_obj *o,
    struct config_obj *parent)
{
	const struct config_key	*key;
	size_t			 i;

	for (i = 0; i < config_ntable; i++) {
		key = &config_table[i];
		if (key->section != o->section || o->lines[i] != 0 ||
		    key->forwarder != NULL || (o->section == CONFIG_FORWARD &&
		    !config_key_applies(key, o->base)))
			continue;
		if ((key->flags & CONFIG_REQUIRED) && p->runtime &&
		    strcmp(key->name, "listen") == 0)
			continue;
		if (key->flags & CONFIG_REQUIRED)
			config_error(p, o->line, o, key->name, "missing "
			    "(required)");
		else if ((key->flags & CONFIG_INHERIT) && parent != NULL)
			config_obj_inherit(o, key, parent);
		else if (config_key_default(key) != NULL)
			config_obj_default(o, key, config_key_default(key));
	}
	for (i = 0; i < config_ntable; i++) {
		key = &config_table[i];
		if (key->section == o->section && o->lines[i] == 0 &&
		    key->def_fn != NULL && key->forwarder == NULL)
			config_obj_default(o, key, key->def_fn(o->base));
	}
	if (o->section == CONFIG_FORWARD)
		config_obj_finish_forwarder(o, parent);
}

/* Whose credentials (the keys are the ssm forwarder's, inherited). */
static void
config_fwd_check_identity(struct config_parse *p, struct config_obj *o)
{
	struct fwd_config	*fc = o->base;

	if (config_obj_has(o, "role_session_name") && fc->role_arn == NULL)
		config_error(p, config_obj_line(o, "role_session_name"), o,
		    "role_session_name", "names the sessions of role_arn, "
		    "which is not set");
	fc->identity_per_user = fc->forwarder != NULL &&
	    strcmp(fc->forwarder, "ssm") == 0 &&
	    (fc->identity == CONFIG_IDENTITY_USER || (fc->role_arn != NULL &&
	    strstr(fc->role_session_name != NULL ? fc->role_session_name :
	    "%u", "%u") != NULL));
}

/* The rules that tie a forward's keys to its kind of listener. */
static void
config_fwd_check(struct config_parse *p, struct config_obj *o)
{
	struct fwd_config	*fc = o->base;
	const struct config_key	*key;
	size_t			 i, ai = config_obj_index(o, "allow");
	int			 is_unix;

	for (i = 0; i < config_ntable; i++) {
		key = &config_table[i];
		if (key->section != o->section || o->lines[i] == 0 ||
		    config_key_applies(key, fc))
			continue;
		if (key->forwarder != NULL)
			config_error(p, o->lines[i], o, key->name, "only for "
			    "%s forwards, not %s", key->forwarder,
			    fc->forwarder != NULL ? fc->forwarder : "?");
		else
			config_error(p, o->lines[i], o, key->name, "not for "
			    "%s forwards: their clients name the far side",
			    fc->forwarder);
	}
	config_fwd_check_identity(p, o);
	if (!config_obj_has(o, "listen"))
		return;
	is_unix = fc->listen.kind == LISTEN_UNIX;
	for (i = 0; i < config_ntable; i++) {
		key = &config_table[i];
		if (key->section == o->section && (key->flags & CONFIG_UNIX) &&
		    !is_unix && o->lines[i] != 0)
			config_error(p, o->lines[i], o, key->name, "only for "
			    "unix: listeners");
	}
	for (i = 0; i < fc->allow.n && !o->bad[ai]; i++) {
		if (is_unix != (fc->allow.rules[i].kind != ALLOW_CIDR)) {
			config_error(p, o->lines[ai], o, "allow", is_unix ?
			    "a unix: listener allows user:, group:, uid: or "
			    "gid:, not addresses" : "a TCP listener allows "
			    "addresses and CIDRs, not users or groups");
			break;
		}
	}
	if (!config_addr_is_loopback(&fc->listen) &&
	    fc->allow.n == 0 && !o->bad[ai])
		config_error(p, config_obj_line(o, "listen"), o, "listen",
		    "%s is not a loopback address; %s", fc->listen.text,
		    p->specs ? "-L listens on loopback only" :
		    "say who may connect with allow");
}

/* No two forwards may listen on the same address. */
static void
config_fwds_check_listen(struct config_parse *p)
{
	struct config_obj	*a, *b;
	struct listen_spec	*la, *lb;
	char			 where[32] = "";
	size_t			 i, j;

	for (i = 0; i < p->nfwds; i++) {
		a = &p->fwds[i];
		if (a->dup || !config_obj_has(a, "listen"))
			continue;
		la = &((struct fwd_config *)a->base)->listen;
		for (j = 0; j < i; j++) {
			b = &p->fwds[j];
			if (b->dup || !config_obj_has(b, "listen"))
				continue;
			lb = &((struct fwd_config *)b->base)->listen;
			if (!config_addr_overlaps(la, lb))
				continue;
			if (!p->specs)
				snprintf(where, sizeof where, " (line %u)",
				    config_obj_line(b, "listen"));
			if (strcmp(la->text, lb->text) == 0)
				config_error(p, config_obj_line(a, "listen"), a,
				    "listen", "%s is already used by forward "
				    "\"%s\"%s", la->text, b->name, where);
			else
				config_error(p, config_obj_line(a, "listen"), a,
				    "listen", "%s overlaps %s of forward "
				    "\"%s\"%s", la->text, lb->text, b->name,
				    where);
			break;
		}
	}
}

/* The metrics endpoint is a listener: the same rules as a forward's. */
static void
config_gw_check_metrics(struct config_parse *p)
{
	struct config_obj		*o = &p->gw;
	const struct listen_spec	*ls = &p->conf->metrics;
	const struct allow_list		*al = &p->conf->metrics_allow;
	size_t				 i, ai;
	int				 is_unix = ls->kind == LISTEN_UNIX;

	ai = config_obj_index(o, "metrics_allow");

	if (!config_obj_has(o, "metrics")) {
		if (al->n != 0)
			config_error(p, o->lines[ai], o, "metrics_allow",
			    "without metrics");
		return;
	}
	for (i = 0; i < al->n && !o->bad[ai]; i++) {
		if (is_unix != (al->rules[i].kind != ALLOW_CIDR)) {
			config_error(p, o->lines[ai], o, "metrics_allow",
			    is_unix ? "a unix: metrics socket allows user:, "
			    "group:, uid: or gid:, not addresses" : "a TCP "
			    "metrics address allows addresses and CIDRs, not "
			    "users or groups");
			return;
		}
	}
	if (!is_unix && !config_addr_is_loopback(ls) && al->n == 0 &&
	    !o->bad[ai])
		config_error(p, config_obj_line(o, "metrics"), o, "metrics",
		    "%s is not a loopback address; say who may scrape with "
		    "metrics_allow", ls->text);
}

/* The rules across [gateway]'s keys. */
static void
config_gw_check(struct config_parse *p)
{
	struct config_obj	*o = &p->gw;
	const struct allow_list	*al = &p->conf->connect_allow;
	size_t			 i, ai = config_obj_index(o, "connect_allow");

	for (i = 0; i < al->n && !o->bad[ai]; i++) {
		if (al->rules[i].kind == ALLOW_CIDR) {
			config_error(p, o->lines[ai], o, "connect_allow",
			    "gatewayctl connect comes over the control "
			    "socket: user:, group:, uid: or gid:, not "
			    "addresses");
			break;
		}
	}
	if (config_obj_has(o, "role_session_name") &&
	    p->conf->role_arn == NULL)
		config_error(p, config_obj_line(o, "role_session_name"), o,
		    "role_session_name", "names the sessions of role_arn, "
		    "which is not set");
	config_gw_check_metrics(p);
}

/* After the last line: defaults, inheritance, the rules across keys. */
static void
config_finish(struct config_parse *p)
{
	size_t	i;

	config_obj_finish(p, &p->gw, NULL);
	config_gw_check(p);
	for (i = 0; i < p->nfwds; i++) {
		if (p->fwds[i].dup)
			continue;
		config_obj_finish(p, &p->fwds[i], &p->gw);
		config_fwd_check(p, &p->fwds[i]);
	}
	config_fwds_check_listen(p);
	/* gatewayctl connect alone may be the point (a jump box). */
	if (p->nfwds == 0 && !p->specs && p->conf->connect_allow.n == 0)
		config_error(p, 0, NULL, NULL, "no [forward \"NAME\"] section "
		    "and no connect_allow");
}

static void
config_parse_init(struct config_parse *p, const char *file)
{
	memset(p, 0, sizeof *p);
	p->file = file;
	p->conf = xcalloc(1, sizeof *p->conf);
	p->conf->file = xstrdup(file);
	TAILQ_INIT(&p->conf->forwards);
	config_obj_init(&p->gw, CONFIG_GATEWAY, p->conf, NULL, 0);
}

/* Hand back the config if nothing went wrong, else the errors. */
static struct gw_config *
config_parse_done(struct config_parse *p, struct config_errors *errs)
{
	struct gw_config	*conf = p->conf;
	struct fwd_config	*fc;
	size_t			 i;

	for (i = 0; i < p->nfwds; i++) {
		fc = p->fwds[i].base;
		if (p->fwds[i].dup)
			config_fwd_free(fc);
		else {
			TAILQ_INSERT_TAIL(&conf->forwards, fc, entry);
			conf->nforwards++;
		}
		config_obj_clear(&p->fwds[i]);
	}
	free(p->fwds);
	config_obj_clear(&p->gw);
	if (p->nerrs == 0 && !p->too_many)
		return (conf);
	config_errors_move(p, errs);
	config_free(conf);
	return (NULL);
}

/* A single error that stops loading before any line is read. */
struct gw_config *
config_fail(struct config_errors *errs, const char *fmt, ...)
{
	va_list	ap;

	errs->v = xreallocarray(errs->v, errs->n + 1, sizeof *errs->v);
	va_start(ap, fmt);
	xvasprintf(&errs->v[errs->n++], fmt, ap);
	va_end(ap);
	return (NULL);
}

struct gw_config *
config_load_buffer(const char *name, const char *buf, size_t len,
    struct config_errors *errs)
{
	struct config_parse	 p;
	char			*cause;
	unsigned		 line;

	if (len == 0)
		return (config_fail(errs, "%s: file is empty", name));
	if (len > CONFIG_MAX_FILE)
		return (config_fail(errs, "%s: file is larger than %d bytes",
		    name, CONFIG_MAX_FILE));
	if (config_value_check_text(buf, len, &line, &cause) != 0) {
		config_fail(errs, "%s:%u: %s", name, line, cause);
		free(cause);
		return (NULL);
	}
	config_parse_init(&p, name);
	p.buf = buf;
	p.len = len;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		p.off = 3;
	if (ini_parse_stream(config_reader, &p, config_handler, &p) != 0)
		config_error(&p, p.line, NULL, NULL, "cannot parse line");
	config_finish(&p);
	return (config_parse_done(&p, errs));
}

/* Every error in one line, "; " between them; errs is cleared. */
static char *
config_errors_join(struct config_errors *errs)
{
	char	*msg, *tmp;
	size_t	 i;

	msg = xstrdup(errs->v[0]);
	for (i = 1; i < errs->n; i++) {
		xasprintf(&tmp, "%s; %s", msg, errs->v[i]);
		free(msg);
		msg = tmp;
	}
	config_errors_clear(errs);
	return (msg);
}

/* Add the forward of -L spec number n (from 1) to p. */
static void
config_spec_add(struct config_parse *p, const char *spec, int n)
{
	struct config_spec	 cs;
	struct config_obj	*o;
	char			*cause, name[32], *where;

	/* Messages start with the spec, as the user typed it. */
	xasprintf(&where, "-L %s", spec);
	p->file = where;
	if (config_spec_parse(spec, &cs, &cause) != 0) {
		config_error(p, 0, NULL, NULL, "%s", cause);
		free(cause);
	} else {
		snprintf(name, sizeof name, "L%d", n);
		o = config_fwd_add(p, name, n);
		config_obj_set(p, o, "listen", cs.listen, 1);
		config_obj_set(p, o, "target", cs.target, 1);
		config_obj_set(p, o, "remote_port", cs.remote_port, 1);
		if (cs.remote_host != NULL)
			config_obj_set(p, o, "remote_host", cs.remote_host, 1);
		config_spec_free(&cs);
	}
	p->file = "-L";
	free(where);
}

/* Set [gateway] key name from a command line option opt (--region). */
static void
config_option_add(struct config_parse *p, const char *opt, const char *name,
    const char *value)
{
	char	*where;

	if (value == NULL)
		return;
	xasprintf(&where, "%s %s", opt, value);
	p->file = where;
	config_obj_set(p, &p->gw, name, value, 1);
	p->file = "-L";
	free(where);
}

struct gw_config *
config_from_specs(char **specs, int nspecs, char **cause)
{
	if (nspecs <= 0) {
		xasprintf(cause, "no -L spec (%s)", "[bind:]port:target:"
		    "remote_port");
		return (NULL);
	}
	return (config_from_options(specs, nspecs, NULL, NULL, cause));
}

struct gw_config *
config_from_options(char **specs, int nspecs, const char *region,
    const char *profile, char **cause)
{
	struct config_parse	 p;
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*conf;
	int			 i;

	config_parse_init(&p, "-L");
	p.specs = 1;
	config_option_add(&p, "--region", "region", region);
	config_option_add(&p, "--profile", "profile", profile);
	for (i = 0; i < nspecs; i++)
		config_spec_add(&p, specs[i], i + 1);
	p.file = "-L";
	config_finish(&p);
	if ((conf = config_parse_done(&p, &errs)) != NULL)
		return (conf);
	*cause = config_errors_join(&errs);
	return (NULL);
}

struct fwd_config *
config_fwd_make(const struct gw_config *gw, const char *name,
    const char *const *kv, char **cause)
{
	struct config_parse	 p;
	struct config_obj	*o, parent;
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*conf;
	struct fwd_config	*fc;

	config_parse_init(&p, name);
	p.specs = 1;
	p.runtime = 1;
	o = config_fwd_add(&p, name, 0);
	for (; kv[0] != NULL; kv += 2) {
		if (kv[1] != NULL)
			config_obj_set(&p, o, kv[0], kv[1], 1);
	}
	memset(&parent, 0, sizeof parent);
	parent.section = CONFIG_GATEWAY;
	parent.base = (void *)gw;
	config_obj_finish(&p, o, &parent);
	config_fwd_check(&p, o);
	if ((conf = config_parse_done(&p, &errs)) == NULL) {
		*cause = config_errors_join(&errs);
		return (NULL);
	}
	fc = TAILQ_FIRST(&conf->forwards);
	TAILQ_REMOVE(&conf->forwards, fc, entry);
	config_free(conf);
	return (fc);
}

/*
 * gatewayd-conf-man TEMPLATE: write gatewayd.conf(5) from its mdoc
 * template, with the line ".\" @KEYS@" replaced by every key of the table
 * (config/config_table.c): its values, help, default, range, and whom it
 * applies to. The page is made at build time, so it cannot drift from
 * the keys gatewayd reads.
 */

#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

int	main(int, char **);

#define KEYS_MARKER	".\\\" @KEYS@"

/*
 * Text on text lines of at most 72 bytes, broken at blanks: backslashes
 * escaped, and no line starting with a control character.
 */
static void
man_text(FILE *f, const char *s)
{
	const char	*end, *cut;

	while (*s != '\0') {
		end = s + strlen(s);
		if (end - s > 72) {
			for (cut = s + 72; cut > s && *cut != ' '; cut--)
				;
			if (cut == s && (cut = strchr(s, ' ')) == NULL)
				cut = end;
			end = cut;
		}
		if (*s == '.' || *s == '\'')
			fputs("\\&", f);
		for (; s < end; s++) {
			if (*s == '\\')
				fputs("\\e", f);
			else
				fputc(*s, f);
		}
		s += strspn(s, " ");
		if (*s != '\0')
			fputc('\n', f);
	}
}

/* A quoted macro argument: a value shown literally. */
static void
man_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			fputs("\\e", f);
		else if (*s == '"')
			fputs("\\(dq", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* What a value of key looks like, after "name =". */
static void
man_value_kind(FILE *f, const struct config_key *key)
{
	size_t	i;

	switch (key->type) {
	case CONFIG_ENUM:
		fputs(" Cm", f);
		for (i = 0; config_key_choice(key, i) != NULL; i++) {
			fprintf(f, "%s ", i == 0 ? "" : " |");
			man_quoted(f, config_key_choice(key, i));
		}
		return;
	case CONFIG_BOOL:
		fputs(" Cm yes | no", f);
		return;
	case CONFIG_STRING:
		fputs(" Ar string", f);
		return;
	case CONFIG_UINT:
		fputs(" Ar number", f);
		return;
	case CONFIG_PORT:
		fputs(" Ar port", f);
		return;
	case CONFIG_DURATION:
		fputs(" Ar duration", f);
		return;
	case CONFIG_SIZE:
		fputs(" Ar size", f);
		return;
	case CONFIG_MODE:
		fputs(" Ar mode", f);
		return;
	case CONFIG_USER:
		fputs(" Ar user", f);
		return;
	case CONFIG_GROUP:
		fputs(" Ar group", f);
		return;
	case CONFIG_LISTEN:
		fputs(" Ar address", f);
		return;
	case CONFIG_ALLOW:
		fputs(" Ar list", f);
		return;
	case CONFIG_STRINGS:
		fputs(" Ar string", f);
		return;
	}
}

/*
 * The help line as a sentence: without the "ssm: ", "socks: " or "unix:
 * listeners: " prefix (said below from the key's flags), capitalised, with a full stop.
 */
static void
man_help(FILE *f, const struct config_key *key)
{
	static const char *const prefixes[] = { "ssm: ", "socks: ",
	    "unix: listeners: " };
	const char	*help = key->help;
	char		*s;
	size_t		 i, len;

	for (i = 0; i < nitems(prefixes); i++) {
		len = strlen(prefixes[i]);
		if (strncmp(help, prefixes[i], len) == 0)
			help += len;
	}
	if ((s = strdup(help)) == NULL)
		abort();
	s[0] = toupper((unsigned char)s[0]);
	man_text(f, s);
	len = strlen(s);
	fputs(len != 0 && s[len - 1] == '.' ? "\n" : ".\n", f);
	free(s);
}

/* The range a number or duration must be in. */
static void
man_range(FILE *f, const struct config_key *key)
{
	char	lo[32], hi[32];

	if (key->type == CONFIG_UINT) {
		snprintf(lo, sizeof lo, "%llu", (unsigned long long)key->min);
		snprintf(hi, sizeof hi, "%llu", (unsigned long long)key->max);
	} else if (key->type == CONFIG_DURATION) {
		config_value_fmt_duration(key->min, lo, sizeof lo);
		config_value_fmt_duration(key->max, hi, sizeof hi);
	} else if (key->type == CONFIG_PORT) {
		snprintf(lo, sizeof lo, "1");
		snprintf(hi, sizeof hi, "65535");
	} else
		return;
	fputs("From\n.Ql ", f);
	man_quoted(f, lo);
	fputs("\nto\n.Ql ", f);
	man_quoted(f, hi);
	fputs(" .\n", f);
}

static void
man_key(FILE *f, const struct config_key *key)
{
	const char	*def = config_key_default(key);
	char		*line;

	fputs(".It Ic ", f);
	man_quoted(f, key->name);
	fputs(" No =", f);
	man_value_kind(f, key);
	fputs("\n", f);
	man_help(f, key);
	man_range(f, key);
	if (key->forwarder != NULL) {
		fputs("Only for\n.Cm ", f);
		man_quoted(f, key->forwarder);
		fputs("\nforwards.\n", f);
	}
	if (key->flags & CONFIG_UNIX)
		fputs("Only for\n.Cm unix:\\&\nlisteners.\n", f);
	if (key->flags & CONFIG_REPEAT)
		fputs("May be given more than once: the values add up.\n", f);
	if (key->flags & CONFIG_REQUIRED)
		fputs("Required.\n", f);
	else if (def != NULL) {
		fputs("Default:\n.Ql ", f);
		man_quoted(f, def);
		fputs(" .\n", f);
	} else if (key->flags & CONFIG_INHERIT) {
		fputs("Default: the\n.Ic ", f);
		man_quoted(f, key->name);
		fputs("\nof\n.Ic [gateway] .\n", f);
	} else if (key->def_fn != NULL)
		fputs("Its default depends on the other keys, as said "
		    "above.\n", f);
	else
		fputs("Default: unset.\n", f);
	if (key->example != NULL && (def == NULL ||
	    strcmp(key->example, def) != 0)) {
		if ((line = malloc(strlen(key->name) + strlen(key->example) +
		    4)) == NULL)
			abort();
		sprintf(line, "%s = %s", key->name, key->example);
		fputs("For example:\n.Ql ", f);
		man_quoted(f, line);
		fputs(" .\n", f);
		free(line);
	}
}

static void
man_section(FILE *f, enum config_section section)
{
	size_t	i;

	fputs(".Bl -tag -width Ds\n", f);
	for (i = 0; i < config_ntable; i++) {
		if (config_table[i].section == section)
			man_key(f, &config_table[i]);
	}
	fputs(".El\n", f);
}

static void
man_keys(FILE *f)
{
	fputs(".Ss The [gateway] section\n"
	    "Settings of the whole daemon, and the defaults of the AWS keys "
	    "of forwards.\n", f);
	man_section(f, CONFIG_GATEWAY);
	fputs(".Ss The [forward \"NAME\"] sections\n"
	    "One listener each, and where its connections go.\n", f);
	man_section(f, CONFIG_FORWARD);
}

int
main(int argc, char **argv)
{
	FILE	*in;
	char	 line[4096];
	int	 found = 0;

	if (argc != 2) {
		fputs("usage: gatewayd-conf-man template\n", stderr);
		return (2);
	}
	if ((in = fopen(argv[1], "r")) == NULL) {
		perror(argv[1]);
		return (1);
	}
	while (fgets(line, sizeof line, in) != NULL) {
		if (strcmp(line, KEYS_MARKER "\n") == 0) {
			man_keys(stdout);
			found = 1;
		} else
			fputs(line, stdout);
	}
	if (ferror(in) || !found) {
		fprintf(stderr, "%s: %s\n", argv[1], found ? "read error" :
		    "no " KEYS_MARKER " line");
		return (1);
	}
	fclose(in);
	return (fflush(stdout) == 0 ? 0 : 1);
}

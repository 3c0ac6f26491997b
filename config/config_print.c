/*
 * Writing configs out: the effective config for gatewayd -n (every key
 * with a value, defaults and inherited values filled in, in table order,
 * forwards in file order) and the example file. Both come from the table,
 * and what config_print writes loads back to the same config.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"
#include "config_int.h"

/*
 * One key = value line; a value that starts with a quote is quoted again
 * so that loading it back keeps the quote.
 */
static void
config_print_line(FILE *f, const char *prefix, const char *name,
    const char *value)
{
	if (*value == '"')
		fprintf(f, "%s%s = \"%s\"\n", prefix, name, value);
	else
		fprintf(f, "%s%s = %s\n", prefix, name, value);
}

/*
 * A key that may repeat (a long allow list) goes over as many lines as it
 * takes to keep each short: inih reads at most 199 characters a line.
 */
static void
config_print_repeat(FILE *f, const char *name, const char *value)
{
	const char	*p = value, *end, *cut, *last;
	size_t		 room;
	char		*part;

	room = CONFIG_PRINT_WIDTH - strlen(name) - 3;
	while (*p != '\0') {
		cut = p + strlen(p);
		if ((size_t)(cut - p) > room) {
			/* The last ", " that fits, else the first. */
			last = NULL;
			for (end = p; (end = strstr(end, ", ")) != NULL;
			    end += 2) {
				if (last != NULL && (size_t)(end - p) > room)
					break;
				last = end;
			}
			if (last != NULL)
				cut = last;
		}
		part = xstrndup(p, cut - p);
		config_print_line(f, "", name, part);
		free(part);
		p = *cut == '\0' ? cut : cut + 2;
	}
}

/* A key given once for each of its values, one a line in value. */
static void
config_print_lines(FILE *f, const char *name, const char *value)
{
	const char	*p, *end;
	char		*line;

	for (p = value; *p != '\0'; p = *end == '\0' ? end : end + 1) {
		end = p + strcspn(p, "\n");
		line = xstrndup(p, end - p);
		config_print_line(f, "", name, line);
		free(line);
	}
}

/* Every key of section at base that has a value. */
static void
config_print_section(FILE *f, enum config_section section, const void *base,
    int is_unix)
{
	const struct config_key	*key;
	size_t			 i;
	char			*value;

	for (i = 0; i < config_ntable; i++) {
		key = &config_table[i];
		if (key->section != section ||
		    ((key->flags & CONFIG_UNIX) && !is_unix) ||
		    (section == CONFIG_FORWARD &&
		    !config_key_applies(key, base)))
			continue;
		if ((value = config_value_format(key, base)) == NULL)
			continue;
		if (key->type == CONFIG_STRINGS)
			config_print_lines(f, key->name, value);
		else if (key->flags & CONFIG_REPEAT)
			config_print_repeat(f, key->name, value);
		else
			config_print_line(f, "", key->name, value);
		free(value);
	}
}

void
config_print(FILE *f, const struct gw_config *conf)
{
	const struct fwd_config	*fc;

	fputs("[gateway]\n", f);
	config_print_section(f, CONFIG_GATEWAY, conf, 0);
	TAILQ_FOREACH(fc, &conf->forwards, entry) {
		fprintf(f, "\n[forward \"%s\"]\n", fc->name);
		config_print_section(f, CONFIG_FORWARD, fc,
		    fc->listen.kind == LISTEN_UNIX);
	}
}

/* A comment, wrapped at words to fit CONFIG_PRINT_WIDTH. */
static void
config_print_comment(FILE *f, const char *text)
{
	const char	*p = text, *end, *space;
	size_t		 room = CONFIG_PRINT_WIDTH - 2;

	while (*p != '\0') {
		end = p + strlen(p);
		if ((size_t)(end - p) > room) {
			for (space = p + room; space > p && *space != ' ';
			    space--)
				;
			if (space > p)
				end = space;
		}
		fprintf(f, "# %.*s\n", (int)(end - p), p);
		p = end + strspn(end, " ");
	}
}

/*
 * A key's help for the example file, with what it takes and its default
 * or that it is required.
 */
static void
config_print_help(FILE *f, const struct config_key *key)
{
	char		 lo[32], hi[32], *text, *tmp;
	size_t		 i;

	text = xstrdup(key->help);
	switch (key->type) {
	case CONFIG_UINT:
		snprintf(lo, sizeof lo, "%llu", (unsigned long long)key->min);
		snprintf(hi, sizeof hi, "%llu", (unsigned long long)key->max);
		xasprintf(&tmp, "%s; %s-%s", text, lo, hi);
		break;
	case CONFIG_DURATION:
		config_value_fmt_duration(key->min, lo, sizeof lo);
		config_value_fmt_duration(key->max, hi, sizeof hi);
		xasprintf(&tmp, "%s; a duration, %s-%s", text, lo, hi);
		break;
	case CONFIG_ENUM:
		for (i = 0; config_key_choice(key, i) != NULL; i++) {
			xasprintf(&tmp, "%s%s %s", text, i == 0 ? "; one of" :
			    ",", config_key_choice(key, i));
			free(text);
			text = tmp;
		}
		tmp = xstrdup(text);
		break;
	default:
		tmp = xstrdup(text);
		break;
	}
	free(text);
	if (key->flags & CONFIG_REQUIRED)
		xasprintf(&text, "%s (required)", tmp);
	else if (config_key_default(key) != NULL)
		xasprintf(&text, "%s (default %s)", tmp,
		    config_key_default(key));
	else
		text = xstrdup(tmp);
	free(tmp);
	config_print_comment(f, text);
	free(text);
}

/* Each key of section with its help; required keys get their example. */
static void
config_print_example_section(FILE *f, enum config_section section)
{
	const struct config_key	*key;
	size_t			 i;

	for (i = 0; i < config_ntable; i++) {
		key = &config_table[i];
		if (key->section != section)
			continue;
		fputs("\n", f);
		config_print_help(f, key);
		if (key->flags & CONFIG_REQUIRED)
			config_print_line(f, "", key->name, key->example);
		else
			config_print_line(f, "#", key->name,
			    config_key_default(key) != NULL ?
			    config_key_default(key) : key->example);
	}
}

void
config_print_example(FILE *f)
{
	fputs("# gatewayd.conf example: every key, its help and its default.\n"
	    "# Generated from config/config_table.c (make update-example);\n"
	    "# edit the table, not this file.\n"
	    "#\n"
	    "# Comments start with '#' or ';' at the start of a line, or\n"
	    "# with ';' after a blank anywhere. Lines are at most 199\n"
	    "# characters. Durations: 30s, 5m, 1500ms, 2h (a bare number\n"
	    "# is seconds).\n"
	    "\n"
	    "[gateway]\n", f);
	config_print_example_section(f, CONFIG_GATEWAY);
	fputs("\n[forward \"example\"]\n", f);
	config_print_example_section(f, CONFIG_FORWARD);
}

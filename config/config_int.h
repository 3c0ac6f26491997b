/*
 * config_int.h: inside the config module. The key table (config_table.c)
 * and the value types (config_value.c) that parsing, defaults, printing,
 * comparison and the example file are all driven by. Only config/ and its
 * tests include this.
 */
#ifndef CONFIG_INT_H
#define CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#ifndef nitems
#define nitems(a)	(sizeof (a) / sizeof (a)[0])
#endif

/* Longest config file we read; a config is a few kilobytes. */
#define CONFIG_MAX_FILE		(1024 * 1024)
/* Errors kept before loading gives up on a file. */
#define CONFIG_MAX_ERRORS	100
/* Forward names: letters, digits, '-', '_', '.'. */
#define CONFIG_MAX_NAME		64
/*
 * Longest string value: with the longest key, " = " and quotes, the line
 * config_print writes for it still fits inih's 199 characters.
 */
#define CONFIG_MAX_VALUE	180
/* Longest line config_print writes for a key that may repeat. */
#define CONFIG_PRINT_WIDTH	76

enum config_section {
	CONFIG_GATEWAY,
	CONFIG_FORWARD,
};

enum config_type {
	CONFIG_STRING,		/* char * */
	CONFIG_UINT,		/* unsigned, between min and max */
	CONFIG_PORT,		/* unsigned, 1-65535 */
	CONFIG_DURATION,	/* unsigned ms: "30s", "5m", "1500ms", "2h";
				   a bare number is seconds */
	CONFIG_SIZE,		/* uint64_t bytes: "4M", "64k", "512" */
	CONFIG_BOOL,		/* int: yes/no, true/false, on/off, 1/0 */
	CONFIG_ENUM,		/* int from values[], or char * of the name
				   when values is NULL */
	CONFIG_MODE,		/* mode_t, octal, at most 0777 */
	CONFIG_USER,		/* uid_t by name or number; (uid_t)-1 unset */
	CONFIG_GROUP,		/* gid_t by name or number; (gid_t)-1 unset */
	CONFIG_LISTEN,		/* struct listen_spec: kind, text, ss, path */
	CONFIG_ALLOW,		/* struct allow_list */
	CONFIG_STRINGS,		/* struct config_strings, with CONFIG_REPEAT */
};

#define CONFIG_REQUIRED	0x1	/* a forward must set it */
#define CONFIG_INHERIT	0x2	/* unset: [gateway]'s key of the same name */
#define CONFIG_UNIX	0x4	/* only for unix: listeners */
#define CONFIG_REPEAT	0x8	/* may be given again; the values add up */
/* Its forwarder gives the default and checks values (forwarder_key_*). */
#define CONFIG_FWD_OWN	0x10
/* Where a forward's one far side is: not for socks (forwarder_has_target). */
#define CONFIG_TARGET	0x20

/* One row of the table: a key, its type and where its value lives. */
struct config_key {
	const char		*name;
	enum config_section	 section;
	enum config_type	 type;
	int			 flags;
	size_t			 offset;	/* in gw_config or fwd_config */
	uint64_t		 min;		/* UINT, DURATION (ms), SIZE */
	uint64_t		 max;
	const char *const	*choices;	/* ENUM names, then NULL */
	/* Or the i-th name, NULL past the last; use config_key_choice. */
	const char		*(*choice_fn)(size_t i);
	const int		*values;	/* ENUM values, or NULL */
	const char		*def;		/* default, as a user writes */
	/* Or a default worked out from the other keys of the section. */
	const char		*(*def_fn)(const void *base);
	/* More rules for a STRING value; 0, or -1 and *cause. */
	int			 (*check)(const char *, char **cause);
	const char		*example;	/* for the example file */
	const char		*help;		/* one line */
	/*
	 * A forward key only some forwarders read ("ssm"), or NULL: forwards
	 * of another forwarder may not set it, get no default for it and do
	 * not print it.
	 */
	const char		*forwarder;
};

/* config_table.c */
extern const struct config_key	config_table[];
extern const size_t		config_ntable;
const struct config_key *config_table_find(enum config_section,
	    const char *);
const char	*config_table_section_name(enum config_section);
/* 1 if fc's forwarder reads key (every forward key but ssm-only ones). */
int		 config_key_applies(const struct config_key *,
		    const struct fwd_config *);
/* The i-th choice of an ENUM key, NULL past the last. */
const char	*config_key_choice(const struct config_key *, size_t i);
/* A key's default as a user writes it, or NULL (def_fn aside). */
const char	*config_key_default(const struct config_key *);
/* The rules a STRING value must also follow: 0, or -1 and *cause. */
int		 config_key_check(const struct config_key *, const char *,
		    char **cause);

/* config_value.c: a value of any type, at key->offset from base. */
void	 config_value_init(const struct config_key *, void *base);
int	 config_value_set(const struct config_key *, void *base,
	    const char *text, char **cause);
/* Canonical text, as config_print writes it; NULL when unset. */
char	*config_value_format(const struct config_key *, const void *base);
int	 config_value_equal(const struct config_key *, const void *,
	    const void *);
void	 config_value_free(const struct config_key *, void *base);

/* config_value.c: the parsers under those; each is pure. */
int	 config_value_uint(const char *, uint64_t min, uint64_t max,
	    uint64_t *, char **cause);
int	 config_value_duration(const char *, uint64_t *ms, char **cause);
void	 config_value_fmt_duration(uint64_t ms, char *, size_t);
int	 config_value_size(const char *, uint64_t *bytes, char **cause);
void	 config_value_fmt_size(uint64_t bytes, char *, size_t);
int	 config_value_bool(const char *, int *, char **cause);
int	 config_value_mode(const char *, mode_t *, char **cause);
/*
 * A user or group id by name (if names) or number (if numbers), the name
 * first; kind is ALLOW_USER or ALLOW_GROUP.
 */
int	 config_value_id(const char *, enum allow_kind kind, int names,
	    int numbers, uint32_t *, char **cause);
/*
 * Edit distance with transpositions, and the closest of words (NULL
 * terminated) to word if it is close enough to suggest, else NULL.
 */
unsigned config_value_distance(const char *, const char *);
const char *config_value_suggest(const char *, const char *const *);
/*
 * Check that buf is text (UTF-8, no NUL or control characters but tab,
 * CR, LF); -1 with *line and *cause if not.
 */
int	 config_value_check_text(const char *, size_t, unsigned *line,
	    char **cause);

/* Checks for STRING keys (config_table.c uses them). */
int	 config_value_check_word(const char *, char **);
int	 config_value_check_patterns(const char *, char **);
int	 config_value_check_ports(const char *, char **);
int	 config_value_check_path(const char *, char **);
int	 config_value_check_region(const char *, char **);
int	 config_value_check_url(const char *, char **);
int	 config_value_check_target(const char *, char **);
int	 config_value_check_role_arn(const char *, char **);
int	 config_value_check_session_name(const char *, char **);
/*
 * 1 if target is shaped like an AWS target (i-..., mi-..., tag:..., ecs:...),
 * valid or not: the ssm forwarder's.
 */
int	 config_value_is_aws_target(const char *);

/* config_addr.c: listen addresses and allow lists. */
/* Fill ls (kind, text, ss, sslen, path); free with config_value_free. */
int	 config_addr_listen(const char *, struct listen_spec *,
	    char **cause);
int	 config_addr_is_loopback(const struct listen_spec *);
/*
 * 1 if both could not be bound at once: the same path, or the same port
 * and address or a wildcard of the same family.
 */
int	 config_addr_overlaps(const struct listen_spec *,
	    const struct listen_spec *);
int	 config_addr_cidr(const char *, struct allow_rule *, char **cause);
/* Add the entries of text (comma or blank separated) to al. */
int	 config_addr_allow(const char *, struct allow_list *, char **cause);
void	 config_addr_allow_free(struct allow_list *);

/* config_spec.c: a -L spec split into the keys of a forward. */
struct config_spec {
	char	*listen;	/* "127.0.0.1:15432", "[::1]:80" */
	char	*target;
	char	*remote_host;	/* NULL if none */
	char	*remote_port;
};
int	 config_spec_parse(const char *, struct config_spec *, char **cause);
void	 config_spec_free(struct config_spec *);

/* config.c: one error that stops loading before any line; NULL. */
struct gw_config *config_fail(struct config_errors *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif /* CONFIG_INT_H */

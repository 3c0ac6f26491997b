/*
 * aws_profile.h: the shared AWS config and credentials files
 * (aws-conventions.md 1.2 to 1.4), read with botocore's semantics.
 *
 * The INI reader is our own, not inih: Debian's inih strips "; comments"
 * after values and cuts lines at 200 bytes (session tokens are longer),
 * where botocore keeps both. It is strict the way Python's configparser
 * is: a duplicate section or key, a line outside any section, or a line
 * that is not a section, a comment or key = value is an error with
 * file:line. Keys are lower-cased; section names are kept as written.
 */
#ifndef AWS_PROFILE_H
#define AWS_PROFILE_H

#include <stddef.h>

/* Bounds: a larger file or a longer line is refused, not cut. */
#define AWS_PROFILE_MAX_FILE	(4 * 1024 * 1024)

/* One key = value; a key with an empty value and indented lines below
 * holds them as a one-level sub-section (services, s3 = ...). */
struct aws_ini_kv {
	char			*key;		/* lower case */
	char			*value;		/* trimmed; continuation lines
						   joined with '\n' */
	unsigned		 line;
	struct aws_ini_kv	*sub;		/* nested pairs, or NULL */
	size_t			 nsub;
};

struct aws_ini_section {
	char			*name;		/* as written, trimmed */
	unsigned		 line;
	struct aws_ini_kv	*kv;
	size_t			 nkv;
};

struct aws_ini {
	char			*name;		/* file name, for messages */
	struct aws_ini_section	*sections;
	size_t			 nsections;
};

/*
 * Parse INI text. Return the file, or NULL and *cause ("name:3: ...",
 * caller frees). name is used in messages only.
 */
struct aws_ini	*aws_ini_parse(const char *name, const char *buf, size_t len,
		    char **cause);
void		 aws_ini_free(struct aws_ini *);
struct aws_ini_section *aws_ini_find(const struct aws_ini *, const char *);
const struct aws_ini_kv *aws_ini_get(const struct aws_ini_section *,
		    const char *key);

/* Both files, loaded once; a missing file contributes nothing. */
struct aws_profiles {
	char		*config_path;
	char		*credentials_path;
	struct aws_ini	*config;	/* NULL if the file does not exist */
	struct aws_ini	*credentials;
};

/*
 * The two paths: AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE (with ~
 * and $VAR expanded) or ~/.aws/config and ~/.aws/credentials, where ~ is
 * HOME or, without it, the passwd entry. Caller frees.
 */
char	*aws_profile_config_path(void);
char	*aws_profile_credentials_path(void);
/* The home directory (HOME, else passwd); NULL if neither. Caller frees. */
char	*aws_profile_home(void);

/*
 * Load both files (NULL paths: the defaults above). Return the set, or
 * NULL and *cause if a file exists but cannot be read or parsed. Warns
 * when the credentials file is readable by group or others.
 */
struct aws_profiles *aws_profile_load(const char *config_path,
	    const char *credentials_path, char **cause);
void	 aws_profile_free(struct aws_profiles *);

/*
 * Which profile: explicit (gatewayd flag or config; may be NULL), then
 * AWS_PROFILE, then AWS_DEFAULT_PROFILE, then "default". *is_explicit is
 * set when the first applied (it turns off environment credentials).
 * Returns a pointer to explicit, to the environment or to a constant.
 */
const char *aws_profile_select(const char *explicit_name, int *is_explicit);

/* 1 if the profile is in either file. */
int	 aws_profile_exists(const struct aws_profiles *, const char *profile);

/*
 * A key of a profile: the credentials file's [name] wins over the config
 * file's [profile name] (or [default] / [profile default]). NULL if unset.
 * aws_profile_get_in() looks at one file only (AWS_PROFILE_CREDENTIALS or
 * AWS_PROFILE_CONFIG), for the chain steps that care which.
 */
#define AWS_PROFILE_CONFIG	0x1
#define AWS_PROFILE_CREDENTIALS	0x2
const char *aws_profile_get(const struct aws_profiles *, const char *profile,
	    const char *key);
const char *aws_profile_get_in(const struct aws_profiles *, int which,
	    const char *profile, const char *key);

/* A key of [sso-session name]; NULL if unset. */
const char *aws_profile_sso_session_get(const struct aws_profiles *,
	    const char *session, const char *key);
/* [services name] -> service -> subkey (endpoint_url); NULL if unset. */
const char *aws_profile_services_get(const struct aws_profiles *,
	    const char *services, const char *service, const char *subkey);

/* "true"/"false" in any case: 1, 0; anything else (or NULL): -1. */
int	 aws_profile_bool(const char *);

#endif /* AWS_PROFILE_H */

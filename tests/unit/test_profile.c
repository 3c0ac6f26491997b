/*
 * Unit tests for profile.c: the INI reader, both files and their
 * precedence, section naming, sub-sections, comments, case, file paths
 * and profile selection.
 */

#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws_profile.h"

static char *
fixture(const char *name)
{
	static char	path[4096];
	const char	*dir = getenv("top_srcdir");

	snprintf(path, sizeof path, "%s/tests/aws/%s", dir != NULL ? dir :
	    ".", name);
	return (path);
}

static struct aws_profiles *
load_fixtures(void)
{
	struct aws_profiles	*set;
	char			*cause = NULL, *cfg;

	cfg = strdup(fixture("profile-config"));
	set = aws_profile_load(cfg, fixture("profile-credentials"), &cause);
	if (set == NULL)
		fail_msg("load: %s", cause);
	free(cfg);
	return (set);
}

static void
test_profile_precedence_and_naming(void **state)
{
	static const struct {
		const char	*profile, *key, *value;
	} cases[] = {
		{ "default", "region", "us-east-1" },
		{ "default", "aws_access_key_id", "AKIDDEFAULT" },
		/* no inline comment stripping, for ; and # alike */
		{ "default", "aws_secret_access_key", "default-secret # kept whole" },
		{ "dev", "region", "us-west-2" },	/* credentials file wins */
		{ "dev", "aws_access_key_id", "AKIDCREDSDEV" },
		{ "dev", "aws_secret_access_key", "config-secret" },
		{ "dev", "services", "local-stack" },
		{ "dev", "cli_pager", "" },
		{ "dev", "mfa_serial", "arn:aws:iam::111122223333:mfa/alice" },
		{ "dev", "REGION", "us-west-2" },	/* keys fold case */
		{ "spaced name", "region", "ap-south-1" },
		{ "shared", "region", "sa-east-1" },
		{ "shared", "s3", "" },
		/* [profile x] in the credentials file is "profile x" */
		{ "profile shared", "region", "literal-1" },
		{ "foo", "region", NULL },		/* not a profile */
		{ "Dev", "region", NULL },		/* names keep case */
		{ "nobody", "region", NULL },
	};
	struct aws_profiles	*set = load_fixtures();
	const char		*v;
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		v = aws_profile_get(set, cases[i].profile, cases[i].key);
		if (cases[i].value == NULL)
			assert_null(v);
		else {
			assert_non_null(v);
			assert_string_equal(v, cases[i].value);
		}
	}
	assert_string_equal(aws_profile_get_in(set, AWS_PROFILE_CONFIG, "dev",
	    "region"), "eu-west-1 ; not a comment, as in botocore");
	assert_string_equal(aws_profile_get_in(set, AWS_PROFILE_CREDENTIALS,
	    "dev", "aws_access_key_id"), "AKIDCREDSDEV");
	assert_null(aws_profile_get_in(set, AWS_PROFILE_CREDENTIALS, "dev",
	    "aws_secret_access_key"));
	assert_true(aws_profile_exists(set, "dev"));
	assert_true(aws_profile_exists(set, "spaced name"));
	assert_false(aws_profile_exists(set, "foo"));
	assert_false(aws_profile_exists(set, "plain"));
	aws_profile_free(set);
}

static void
test_profile_sub_sections(void **state)
{
	struct aws_profiles	*set = load_fixtures();
	const struct aws_ini_kv	*kv;

	assert_string_equal(aws_profile_services_get(set, "local-stack", "ssm",
	    "endpoint_url"), "http://127.0.0.1:4566");
	/* the last of a repeated nested key wins, as in a dict */
	assert_string_equal(aws_profile_services_get(set, "local-stack", "kms",
	    "endpoint_url"), "http://127.0.0.1:4568");
	assert_null(aws_profile_services_get(set, "local-stack", "sts",
	    "endpoint_url"));
	assert_null(aws_profile_services_get(set, "other", "ssm",
	    "endpoint_url"));
	assert_string_equal(aws_profile_sso_session_get(set, "my-sso",
	    "sso_region"), "us-east-1");
	assert_null(aws_profile_sso_session_get(set, "dev", "sso_region"));
	/* a blank line inside a block does not end it */
	kv = aws_ini_get(aws_ini_find(set->config, "profile   shared"), "s3");
	assert_non_null(kv);
	assert_int_equal(kv->nsub, 2);
	assert_string_equal(kv->sub[1].key, "addressing_style");
	/* text on the key line: the indented lines continue the value */
	kv = aws_ini_get(aws_ini_find(set->config, "plain"), "multi");
	assert_string_equal(kv->value, "first\nsecond");
	assert_int_equal(kv->nsub, 0);
	aws_profile_free(set);
}

static void
test_profile_ini_errors(void **state)
{
	static const struct {
		const char	*text;
		const char	*error;		/* NULL: parses */
	} cases[] = {
		{ "", NULL },
		{ "\xef\xbb\xbf[default]\r\nregion = x\r\n", NULL },
		{ "# only a comment\n; another\n", NULL },
		{ "region = x\n", "t:1: key outside any section" },
		{ "[a]\nregion\n", "t:2: line is not key = value" },
		{ "[a]\nx = 1\n[a]\n", "t:3: duplicate section" },
		{ "[a]\nx = 1\nX = 2\n", "t:3: duplicate key" },
		{ "[a\n", "t:1: section header has no closing ]" },
		{ "[]\n", "t:1: empty section name" },
		{ "[a]\n= v\n", "t:2: empty key" },
		{ "[a]\ns =\n  novalue\n", "t:3: sub-section line is not "
		    "key = value" },
		{ "[a]\nk: v\nurl = http://x:1\n", NULL },
		{ "[a] trailing\nk=v\n", NULL },
	};
	struct aws_ini	*ini;
	char		*cause;
	size_t		 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		ini = aws_ini_parse("t", cases[i].text, strlen(cases[i].text),
		    &cause);
		if (cases[i].error == NULL) {
			if (ini == NULL)
				fail_msg("case %zu: %s", i, cause);
			aws_ini_free(ini);
		} else {
			assert_null(ini);
			assert_string_equal(cause, cases[i].error);
			free(cause);
		}
	}
	ini = aws_ini_parse("t", "[a]\nk: v\nurl = http://x:1\n", 25, &cause);
	assert_string_equal(aws_ini_get(&ini->sections[0], "k")->value, "v");
	assert_string_equal(aws_ini_get(&ini->sections[0], "url")->value,
	    "http://x:1");
	aws_ini_free(ini);
	ini = aws_ini_parse("t", "[a]\nk=v\0\n", 9, &cause);
	assert_null(ini);
	assert_string_equal(cause, "t:2: NUL byte in file");
	free(cause);
}

static void
test_profile_long_lines_are_kept(void **state)
{
	char		*text, *cause = NULL;
	struct aws_ini	*ini;
	size_t		 n = 5000;

	text = malloc(n + 64);
	assert_non_null(text);
	strcpy(text, "[x]\naws_session_token = ");
	memset(text + strlen(text), 'T', n);
	strcpy(text + 24 + n, "\n");
	ini = aws_ini_parse("t", text, strlen(text), &cause);
	assert_non_null(ini);
	assert_int_equal(strlen(aws_ini_get(&ini->sections[0],
	    "aws_session_token")->value), n);
	aws_ini_free(ini);
	free(text);
}

static void
test_profile_selection_order(void **state)
{
	static const struct {
		const char	*explicit_name, *aws_profile, *default_profile;
		const char	*want;
		int		 is_explicit;
	} cases[] = {
		{ "ops", "env", "denv", "ops", 1 },
		{ NULL, "env", "denv", "env", 0 },
		{ "", "env", "denv", "env", 0 },
		{ NULL, NULL, "denv", "denv", 0 },
		{ NULL, "", "denv", "denv", 0 },
		{ NULL, NULL, NULL, "default", 0 },
	};
	size_t	i;
	int	is_explicit;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsetenv("AWS_PROFILE");
		unsetenv("AWS_DEFAULT_PROFILE");
		if (cases[i].aws_profile != NULL)
			setenv("AWS_PROFILE", cases[i].aws_profile, 1);
		if (cases[i].default_profile != NULL)
			setenv("AWS_DEFAULT_PROFILE", cases[i].default_profile,
			    1);
		assert_string_equal(aws_profile_select(cases[i].explicit_name,
		    &is_explicit), cases[i].want);
		assert_int_equal(is_explicit, cases[i].is_explicit);
	}
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_DEFAULT_PROFILE");
}

static void
test_profile_paths(void **state)
{
	char	*p;

	unsetenv("AWS_CONFIG_FILE");
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	setenv("HOME", "/home/alice", 1);
	p = aws_profile_config_path();
	assert_string_equal(p, "/home/alice/.aws/config");
	free(p);
	p = aws_profile_credentials_path();
	assert_string_equal(p, "/home/alice/.aws/credentials");
	free(p);
	setenv("GW_T_DIR", "/etc/x", 1);
	setenv("AWS_CONFIG_FILE", "~/cfg/$GW_T_DIR/${GW_T_DIR}/$GW_T_UNSET/a$",
	    1);
	p = aws_profile_config_path();
	assert_string_equal(p, "/home/alice/cfg//etc/x//etc/x/$GW_T_UNSET/a$");
	free(p);
	/* without HOME, the passwd entry */
	unsetenv("HOME");
	p = aws_profile_credentials_path();
	assert_true(p[0] == '/');
	assert_non_null(strstr(p, "/.aws/credentials"));
	free(p);
	unsetenv("AWS_CONFIG_FILE");
	unsetenv("GW_T_DIR");
}

static void
test_profile_missing_and_broken_files(void **state)
{
	struct aws_profiles	*set;
	char			 dir[] = "/tmp/test_profile.XXXXXX", path[256];
	char			*cause = NULL;
	FILE			*f;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/credentials", dir);
	/* missing files contribute nothing */
	set = aws_profile_load("/nonexistent/config", path, &cause);
	assert_non_null(set);
	assert_false(aws_profile_exists(set, "default"));
	aws_profile_free(set);
	/* a broken file names itself and the line */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[default]\nnot a pair\n", f);
	fclose(f);
	chmod(path, 0600);
	set = aws_profile_load("/nonexistent/config", path, &cause);
	assert_null(set);
	assert_non_null(strstr(cause, "/credentials:2: line is not key"));
	free(cause);
	unlink(path);
	rmdir(dir);
}

static void
test_profile_bool(void **state)
{
	assert_int_equal(aws_profile_bool("TRUE"), 1);
	assert_int_equal(aws_profile_bool("false"), 0);
	assert_int_equal(aws_profile_bool("yes"), -1);
	assert_int_equal(aws_profile_bool(NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_profile_precedence_and_naming),
		cmocka_unit_test(test_profile_sub_sections),
		cmocka_unit_test(test_profile_ini_errors),
		cmocka_unit_test(test_profile_long_lines_are_kept),
		cmocka_unit_test(test_profile_selection_order),
		cmocka_unit_test(test_profile_paths),
		cmocka_unit_test(test_profile_missing_and_broken_files),
		cmocka_unit_test(test_profile_bool),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

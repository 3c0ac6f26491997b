/*
 * Unit tests for chain.c and creds*.c: which source the chain picks for
 * every provider and precedence rule (fixture files written per case),
 * the configuration errors, and each provider fetching from in-process
 * fakes on 127.0.0.1 (STS, SSO, SSO OIDC, container, IMDS, processes),
 * refresh ahead of expiry and static stability; contexts of keys handed
 * in and of a role assumed per user.
 */

#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "aws.h"
#include "aws_chain.h"
#include "aws_creds.h"
#include "aws_profile.h"
#include "aws_sso.h"
#include "aws_time.h"
#include "aws_sts.h"
#include "fakesrv.h"
#include "util.h"

static const char *home;

/* Write HOME/.aws/config and credentials; NULL leaves a file out. */
static void
write_aws_files(const char *config, const char *credentials)
{
	char	dir[512];

	snprintf(dir, sizeof dir, "%s/.aws", home);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/.aws/config", home);
	unlink(dir);
	snprintf(dir, sizeof dir, "%s/.aws/credentials", home);
	unlink(dir);
	snprintf(dir, sizeof dir, "%s/.aws", home);
	if (config != NULL)
		test_write_file(dir, "config", config);
	if (credentials != NULL)
		test_write_file(dir, "credentials", credentials);
}

static int
setup(void **state)
{
	home = test_aws_env_reset();
	return (0);
}

static int
teardown(void **state)
{
	test_aws_env_cleanup();
	return (0);
}

/* Set "NAME=value NAME2=value2" (space separated). */
static void
set_env(const char *list)
{
	char	*copy, *tok, *save = NULL, *eq;

	if (list == NULL)
		return;
	copy = strdup(list);
	for (tok = strtok_r(copy, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save)) {
		eq = strchr(tok, '=');
		*eq = '\0';
		setenv(tok, eq + 1, 1);
	}
	free(copy);
}

/* The chain, described: "assume-role<shared-credentials-file>". */
static void
describe(const struct aws_chain_source *s, char *out, size_t len)
{
	char	inner[256];

	if (s->inner == NULL) {
		snprintf(out, len, "%s", s->name);
		return;
	}
	describe(s->inner, inner, sizeof inner);
	snprintf(out, len, "%s<%s>", s->name, inner);
}

static void
test_creds_chain_picks_sources(void **state)
{
	static const struct {
		const char	*config, *credentials, *env, *profile;
		int		 is_explicit;
		const char	*want;		/* chain, or "!error text" */
	} cases[] = {
		/* 1: environment keys, and when they do not count */
		{ NULL, NULL, "AWS_ACCESS_KEY_ID=A AWS_SECRET_ACCESS_KEY=S",
		    "default", 0, "environment" },
		{ NULL, NULL, "AWS_ACCESS_KEY_ID=A", "default", 0,
		    "!partial credentials in the environment" },
		{ NULL, "[ops]\naws_access_key_id=K\naws_secret_access_key=S\n",
		    "AWS_ACCESS_KEY_ID=A AWS_SECRET_ACCESS_KEY=S", "ops", 1,
		    "shared-credentials-file" },
		{ NULL, "[ops]\naws_access_key_id=K\naws_secret_access_key=S\n",
		    "AWS_ACCESS_KEY_ID=A AWS_SECRET_ACCESS_KEY=S", "ops", 0,
		    "environment" },
		/* 5 and 8: credentials file before config file */
		{ "[default]\naws_access_key_id=C\naws_secret_access_key=S\n",
		    "[default]\naws_access_key_id=K\naws_secret_access_key=S\n",
		    NULL, "default", 0, "shared-credentials-file" },
		{ "[profile p]\naws_access_key_id=C\naws_secret_access_key=S\n",
		    NULL, NULL, "p", 1, "shared-config-file" },
		{ NULL, "[default]\naws_access_key_id=K\n", NULL, "default", 0,
		    "!aws_access_key_id without aws_secret_access_key" },
		/* 2: assume role and its source */
		{ "[profile r]\nrole_arn=arn:aws:iam::1:role/x\n"
		    "source_profile=base\n", "[base]\naws_access_key_id=K\n"
		    "aws_secret_access_key=S\n", NULL, "r", 1,
		    "assume-role<shared-credentials-file>" },
		/* static keys end the chain even with a role_arn */
		{ "[profile r]\nrole_arn=arn:aws:iam::1:role/x\n"
		    "source_profile=base\n[profile base]\n"
		    "role_arn=arn:aws:iam::1:role/y\nsource_profile=r\n",
		    "[base]\naws_access_key_id=K\naws_secret_access_key=S\n",
		    NULL, "r", 1, "assume-role<shared-credentials-file>" },
		{ "[profile a]\nrole_arn=arn:aws:iam::1:role/a\n"
		    "source_profile=b\n[profile b]\nrole_arn=arn:aws:iam::1:role/b\n"
		    "source_profile=c\n[profile c]\ncredential_process=true\n",
		    NULL, NULL, "a", 1, "assume-role<assume-role<process>>" },
		{ "[profile a]\nrole_arn=arn:aws:iam::1:role/a\n"
		    "source_profile=b\n[profile b]\nrole_arn=arn:aws:iam::1:role/b\n"
		    "source_profile=a\n", NULL, NULL, "a", 1,
		    "!source_profile chain loops back" },
		{ "[profile s]\nrole_arn=arn:aws:iam::1:role/s\n"
		    "source_profile=s\naws_access_key_id=K\n"
		    "aws_secret_access_key=S\n", NULL, NULL, "s", 1,
		    "assume-role<shared-config-file>" },
		{ "[profile s]\nrole_arn=arn:aws:iam::1:role/s\n"
		    "source_profile=s\n", NULL, NULL, "s", 1,
		    "!names itself but it has no static keys" },
		{ "[profile r]\nrole_arn=arn:aws:iam::1:role/x\n"
		    "source_profile=b\ncredential_source=Environment\n"
		    "[profile b]\n", NULL, NULL, "r", 1,
		    "!both source_profile and credential_source" },
		{ "[profile r]\nrole_arn=arn:aws:iam::1:role/x\n", NULL, NULL,
		    "r", 1, "!needs source_profile or credential_source" },
		{ "[profile r]\nrole_arn=arn:aws:iam::1:role/x\n"
		    "source_profile=nope\n", NULL, NULL, "r", 1,
		    "!source_profile nope does not exist" },
		{ "[profile r]\nrole_arn=arn:aws:iam::1:role/x\n"
		    "credential_source=Environment\n", NULL,
		    "AWS_ACCESS_KEY_ID=A AWS_SECRET_ACCESS_KEY=S", "r", 1,
		    "assume-role<environment>" },
		{ "[profile r]\nrole_arn=arn:aws:iam::1:role/x\n"
		    "credential_source=EcsContainer\n", NULL,
		    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/c", "r", 1,
		    "assume-role<container>" },
		{ "[profile r]\nrole_arn=arn:aws:iam::1:role/x\n"
		    "credential_source=EcsContainer\n", NULL, NULL, "r", 1,
		    "!credential_source EcsContainer, but neither" },
		{ "[profile r]\nrole_arn=arn:aws:iam::1:role/x\n"
		    "credential_source=Ec2InstanceMetadata\n", NULL, NULL, "r", 1,
		    "!instance metadata is disabled" },
		{ "[profile r]\nrole_arn=arn:aws:iam::1:role/x\n"
		    "credential_source=environment\n", NULL, NULL, "r", 1,
		    "!credential_source \"environment\" is not" },
		{ "[profile r]\nrole_arn=arn:aws:iam::1:role/x\n"
		    "source_profile=b\nmfa_serial=arn:aws:iam::1:mfa/u\n"
		    "[profile b]\naws_access_key_id=K\naws_secret_access_key=S\n",
		    NULL, NULL, "r", 1, "!mfa_serial needs an MFA code" },
		{ "[profile r]\nrole_arn=arn:aws:iam::1:role/x\n"
		    "source_profile=b\nduration_seconds=60\n[profile b]\n"
		    "aws_access_key_id=K\naws_secret_access_key=S\n", NULL, NULL,
		    "r", 1, "!duration_seconds \"60\" is not 900 to 43200" },
		{ "[profile r]\nrole_arn=arn:aws:iam::1:role/x\n"
		    "source_profile=b\nrole_session_name=a b\n[profile b]\n"
		    "aws_access_key_id=K\naws_secret_access_key=S\n", NULL, NULL,
		    "r", 1, "!role_session_name \"a b\" is not" },
		/* 3: web identity, profile and environment */
		{ "[profile w]\nrole_arn=arn:aws:iam::1:role/w\n"
		    "web_identity_token_file=/tmp/t\n", NULL, NULL, "w", 1,
		    "web-identity" },
		{ NULL, NULL, "AWS_WEB_IDENTITY_TOKEN_FILE=/tmp/t "
		    "AWS_ROLE_ARN=arn:aws:iam::1:role/w", "default", 0,
		    "web-identity" },
		{ NULL, NULL, "AWS_WEB_IDENTITY_TOKEN_FILE=/tmp/t", "default", 0,
		    "!a web identity token file without a role ARN" },
		/* 4: SSO, both shapes, before static keys */
		{ "[profile d]\nsso_session=my-sso\nsso_account_id=1\n"
		    "sso_role_name=R\n[sso-session my-sso]\n"
		    "sso_start_url=https://x/start\nsso_region=us-east-1\n",
		    "[d]\naws_access_key_id=K\naws_secret_access_key=S\n", NULL,
		    "d", 1, "sso" },
		{ "[profile d]\nsso_start_url=https://x/start\n"
		    "sso_region=us-east-1\nsso_account_id=1\nsso_role_name=R\n",
		    NULL, NULL, "d", 1, "sso" },
		{ "[profile d]\nsso_account_id=1\n", NULL, NULL, "d", 1,
		    "!SSO settings missing: sso_start_url, sso_region, "
		    "sso_role_name" },
		{ "[profile d]\nsso_session=my-sso\nsso_account_id=1\n"
		    "sso_role_name=R\nsso_region=eu-west-1\n[sso-session my-sso]\n"
		    "sso_start_url=https://x/start\nsso_region=us-east-1\n",
		    NULL, NULL, "d", 1, "!sso_region differs between" },
		/* 5 before 7: static keys before credential_process */
		{ "[profile p]\ncredential_process=/bin/true\n",
		    "[p]\naws_access_key_id=K\naws_secret_access_key=S\n", NULL,
		    "p", 1, "shared-credentials-file" },
		{ "[profile p]\ncredential_process=/bin/true\n"
		    "aws_access_key_id=C\naws_secret_access_key=S\n", NULL, NULL,
		    "p", 1, "process" },
		/* 9: container; 10: IMDS */
		{ NULL, NULL, "AWS_CONTAINER_CREDENTIALS_FULL_URI="
		    "http://127.0.0.1:9/creds", "default", 0, "container" },
		{ NULL, NULL, "AWS_CONTAINER_CREDENTIALS_FULL_URI="
		    "http://example.com/creds", "default", 0,
		    "!is not allowed" },
		{ NULL, NULL, "AWS_EC2_METADATA_DISABLED=false", "default", 0,
		    "instance-metadata" },
		{ NULL, NULL, NULL, "default", 0,
		    "!unable to locate credentials: environment: "
		    "AWS_ACCESS_KEY_ID not set; profile default: no credentials "
		    "in " },
	};
	struct aws_profiles	*set;
	struct aws_chain_source	*s;
	char			*tried, *cause, got[512];
	size_t			 i;

	test_aws_env_cleanup();		/* each case makes its own */
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		test_aws_env_reset();
		home = getenv("HOME");
		write_aws_files(cases[i].config, cases[i].credentials);
		set_env(cases[i].env);
		cause = NULL;
		set = aws_profile_load(NULL, NULL, &cause);
		assert_non_null(set);
		s = aws_chain_resolve(set, cases[i].profile,
		    cases[i].is_explicit, &tried, &cause);
		if (cases[i].want[0] == '!') {
			if (s != NULL || strstr(cause, cases[i].want + 1) ==
			    NULL)
				fail_msg("case %zu: got %s", i, s != NULL ?
				    s->name : cause);
			free(cause);
		} else {
			if (s == NULL)
				fail_msg("case %zu: %s", i, cause);
			describe(s, got, sizeof got);
			if (strcmp(got, cases[i].want) != 0)
				fail_msg("case %zu: got %s", i, got);
		}
		aws_chain_free(s);
		free(tried);
		aws_profile_free(set);
		test_aws_env_cleanup();
	}
	home = test_aws_env_reset();
}

static void
test_creds_container_urls(void **state)
{
	static const struct {
		const char	*rel, *full;
		int		 rv;
		const char	*url;
	} cases[] = {
		{ "/v2/credentials/x", NULL, 1,
		    "http://169.254.170.2/v2/credentials/x" },
		{ "/v2/c", "https://x.example/c", 1, "http://169.254.170.2/v2/c" },
		{ NULL, "https://creds.example.com/c", 1,
		    "https://creds.example.com/c" },
		{ NULL, "http://127.0.0.1:8080/c", 1, "http://127.0.0.1:8080/c" },
		{ NULL, "http://localhost/c", 1, "http://localhost/c" },
		{ NULL, "http://[::1]/c", 1, "http://[::1]/c" },
		{ NULL, "http://169.254.170.23/v1/credentials", 1,
		    "http://169.254.170.23/v1/credentials" },
		{ NULL, "http://[fd00:ec2::23]/v1/credentials", 1,
		    "http://[fd00:ec2::23]/v1/credentials" },
		{ NULL, "http://10.0.0.1/c", -1, NULL },
		{ NULL, "http://127.0.0.1.example.com/c", -1, NULL },
		{ NULL, "ftp://127.0.0.1/c", -1, NULL },
		{ NULL, NULL, 0, NULL },
	};
	char	*url, *cause;
	size_t	 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsetenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
		unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
		if (cases[i].rel != NULL)
			setenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
			    cases[i].rel, 1);
		if (cases[i].full != NULL)
			setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI",
			    cases[i].full, 1);
		cause = NULL;
		assert_int_equal(aws_chain_container_url(&url, &cause),
		    cases[i].rv);
		if (cases[i].rv == 1)
			assert_string_equal(url, cases[i].url);
		free(url);
		free(cause);
	}
}

static void
test_creds_refresh_window(void **state)
{
	static const struct {
		int64_t	fetched, expiration, want;
	} cases[] = {
		{ 0, 3600, 2700 },	/* 15 minutes before */
		{ 0, 900, 450 },	/* half a 15-minute session */
		{ 0, 43200, 42300 },
		{ 100, 108, 104 },
		{ 100, 100, 100 },
		{ 100, 50, 100 },
	};
	size_t	i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(aws_creds_refresh_at(cases[i].fetched,
		    cases[i].expiration), cases[i].want);
}

static void
test_creds_region_order(void **state)
{
	struct aws_profiles	*set;
	const char		*source, *r;
	char			*cause = NULL;

	write_aws_files("[default]\nregion = eu-central-1\n", NULL);
	set = aws_profile_load(NULL, NULL, &cause);
	r = aws_creds_region(set, "default", NULL, &source);
	assert_string_equal(r, "eu-central-1");
	assert_string_equal(source, "profile");
	setenv("AWS_DEFAULT_REGION", "us-west-2", 1);
	assert_string_equal(aws_creds_region(set, "default", NULL, &source),
	    "us-west-2");
	setenv("AWS_REGION", "ap-south-1", 1);
	assert_string_equal(aws_creds_region(set, "default", NULL, &source),
	    "ap-south-1");
	assert_string_equal(source, "AWS_REGION");
	assert_string_equal(aws_creds_region(set, "default", "sa-east-1",
	    &source), "sa-east-1");
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	assert_null(aws_creds_region(set, "other", NULL, &source));
	aws_profile_free(set);
}

static void
test_creds_sso_cache_names(void **state)
{
	char	*p;

	setenv("HOME", "/h", 1);
	p = aws_sso_cache_path("my-sso");
	assert_string_equal(p, "/h/.aws/sso/cache/"
	    "0ad374308c5a4e22f723adf10145eafad7c4031c.json");
	free(p);
	p = aws_sso_cache_path("https://example.awsapps.com/start");
	assert_string_equal(p, "/h/.aws/sso/cache/"
	    "e8be5486177c5b5392bd9aa76563515b29358e6e.json");
	free(p);
	setenv("HOME", home, 1);
}

/* One fake for every endpoint the providers call. */
struct fake {
	struct event_base	*base;
	struct fakesrv		*srv;
	struct aws_client	*client;
	int			 imds_v1;	/* token PUT answers 404 */
	const char		*sso_token;	/* what GetRoleCredentials wants */
	unsigned		 issued;
	char			*last_body;
	char			*last_auth;
	char			*last_accept;
	const char		*want_akid;	/* check the signature */
	const char		*want_secret;
	char			*verdict;	/* "ok" or the error code */
};

static void
fake_sts(struct evhttp_request *req, struct fake *f,
    const struct fakesrv_seen *seen)
{
	if (strstr(seen->body, "Action=AssumeRoleWithWebIdentity") != NULL)
		fakesrv_reply_sts_creds(req, "AssumeRoleWithWebIdentity",
		    ++f->issued);
	else if (strstr(seen->body, "Action=AssumeRole") != NULL)
		fakesrv_reply_sts_creds(req, "AssumeRole", ++f->issued);
	else if (strstr(seen->body, "Action=GetCallerIdentity") != NULL)
		fakesrv_reply(req, 200, "<GetCallerIdentityResponse>"
		    "<GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:"
		    "user/alice</Arn><UserId>AIDAALICE</UserId><Account>"
		    "123456789012</Account></GetCallerIdentityResult>"
		    "</GetCallerIdentityResponse>", NULL);
	else
		fakesrv_reply(req, 400, "<ErrorResponse><Error><Code>"
		    "InvalidAction</Code></Error></ErrorResponse>", NULL);
}

static void
fake_metadata(struct evhttp_request *req, struct fake *f,
    const struct fakesrv_seen *seen, const char *token)
{
	char	body[1024], exp[32];

	if (strcmp(seen->uri, "/latest/api/token") == 0) {
		if (f->imds_v1)
			fakesrv_reply(req, 404, "", NULL);
		else
			fakesrv_reply(req, 200, "imds-token", NULL);
		return;
	}
	if (!f->imds_v1 && (token == NULL || strcmp(token, "imds-token") != 0)) {
		fakesrv_reply(req, 401, "", NULL);
		return;
	}
	if (strcmp(seen->uri, "/latest/meta-data/iam/security-credentials/")
	    == 0)
		fakesrv_reply(req, 200, "role-a\n", NULL);
	else if (strcmp(seen->uri,
	    "/latest/meta-data/iam/security-credentials/role-a") == 0) {
		aws_time_format((int64_t)(clock_wall_ms() / 1000) + 3600, exp,
		    sizeof exp);
		snprintf(body, sizeof body, "{\"Code\":\"Success\",\"Type\":"
		    "\"AWS-HMAC\",\"AccessKeyId\":\"ASIAIMDS\",\"SecretAccessKey\":"
		    "\"is\",\"Token\":\"it\",\"Expiration\":\"%s\"}", exp);
		fakesrv_reply(req, 200, body, NULL);
	} else if (strcmp(seen->uri,
	    "/latest/dynamic/instance-identity/document") == 0)
		fakesrv_reply(req, 200, "{\"region\":\"eu-north-1\"}", NULL);
	else
		fakesrv_reply(req, 404, "", NULL);
}

static void
fake_serve(struct fakesrv *srv, struct evhttp_request *req,
    const struct fakesrv_seen *seen, void *arg)
{
	struct fake		*f = arg;
	struct evkeyvalq	*h = evhttp_request_get_input_headers(req);
	const char		*v;
	char			 body[512], exp[32];

	free(f->last_body);
	free(f->last_auth);
	free(f->last_accept);
	f->last_body = strdup(seen->body);
	v = evhttp_find_header(h, "Authorization");
	f->last_auth = v != NULL ? strdup(v) : NULL;
	v = evhttp_find_header(h, "Accept");
	f->last_accept = v != NULL ? strdup(v) : NULL;
	if (f->want_secret != NULL) {
		free(f->verdict);
		v = fakesrv_verify(req, seen, f->want_akid, f->want_secret);
		f->verdict = strdup(v != NULL ? v : "ok");
	}
	if (strncmp(seen->uri, "/latest/", 8) == 0) {
		fake_metadata(req, f, seen, evhttp_find_header(h,
		    "X-aws-ec2-metadata-token"));
	} else if (strncmp(seen->uri, "/federation/credentials?", 24) == 0) {
		v = evhttp_find_header(h, "x-amz-sso_bearer_token");
		if (v == NULL || f->sso_token == NULL ||
		    strcmp(v, f->sso_token) != 0 ||
		    strstr(seen->uri, "role_name=ReadOnly") == NULL ||
		    strstr(seen->uri, "account_id=111122223333") == NULL) {
			fakesrv_reply(req, 401, "{\"message\":\"Session token "
			    "not found or invalid\"}", "x-amzn-ErrorType: "
			    "UnauthorizedException", NULL);
			return;
		}
		snprintf(body, sizeof body, "{\"roleCredentials\":{\"accessKeyId\":"
		    "\"ASIASSO\",\"secretAccessKey\":\"ss\",\"sessionToken\":"
		    "\"st\",\"expiration\":%llu}}",
		    (unsigned long long)clock_wall_ms() + 3600000);
		fakesrv_reply(req, 200, body, NULL);
	} else if (strcmp(seen->uri, "/token") == 0) {
		fakesrv_reply(req, 200, "{\"accessToken\":\"refreshed-token\","
		    "\"expiresIn\":28800,\"refreshToken\":\"new-refresh\","
		    "\"tokenType\":\"Bearer\"}", NULL);
	} else if (strcmp(seen->uri, "/creds") == 0) {
		if (f->last_auth == NULL ||
		    strcmp(f->last_auth, "container-secret") != 0) {
			fakesrv_reply(req, 401, "{\"code\":\"Unauthorized\","
			    "\"message\":\"bad token\"}", NULL);
			return;
		}
		aws_time_format((int64_t)(clock_wall_ms() / 1000) + 3600, exp,
		    sizeof exp);
		snprintf(body, sizeof body, "{\"AccessKeyId\":\"ASIAECS\","
		    "\"SecretAccessKey\":\"es\",\"Token\":\"et\",\"Expiration\":"
		    "\"%s\",\"AccountId\":\"444455556666\"}", exp);
		fakesrv_reply(req, 200, body, NULL);
	} else
		fake_sts(req, f, seen);
}

static int
fake_setup(void **state)
{
	struct fake	*f = calloc(1, sizeof *f);

	home = test_aws_env_reset();
	f->base = event_base_new();
	f->srv = fakesrv_new(f->base, fake_serve, f);
	setenv("AWS_REGION", "eu-west-1", 1);
	setenv("AWS_ENDPOINT_URL_STS", fakesrv_url(f->srv), 1);
	setenv("AWS_ENDPOINT_URL_SSO", fakesrv_url(f->srv), 1);
	setenv("AWS_ENDPOINT_URL_SSO_OIDC", fakesrv_url(f->srv), 1);
	*state = f;
	return (0);
}

static int
fake_teardown(void **state)
{
	struct fake	*f = *state;

	aws_client_free(f->client);
	fakesrv_free(f->srv);
	event_base_free(f->base);
	free(f->last_body);
	free(f->last_auth);
	free(f->last_accept);
	free(f->verdict);
	free(f);
	test_aws_env_cleanup();
	return (0);
}

struct got {
	int			 done;
	struct aws_creds	 c;
	char			*error;
};

static void
got_cb(const struct aws_creds *c, const char *error, void *arg)
{
	struct got	*g = arg;

	g->done++;
	if (c != NULL)
		aws_creds_copy(&g->c, c);
	g->error = error != NULL ? strdup(error) : NULL;
}

static int
got_done(void *arg)
{
	return (((struct got *)arg)->done != 0);
}

static void
got_clear(struct got *g)
{
	aws_creds_clear(&g->c);
	free(g->error);
	memset(g, 0, sizeof *g);
}

/* Make the client (files written first) and a provider for profile. */
static struct aws_creds_provider *
provider(struct fake *f, const char *profile, unsigned process_timeout)
{
	struct aws_options		 o;
	struct aws_ctx			*ctx;
	char				*cause = NULL;

	memset(&o, 0, sizeof o);
	o.credential_process_timeout = process_timeout;
	o.backoff_base = 10;
	aws_client_free(f->client);
	f->client = aws_client_new(f->base, &o, &cause);
	assert_non_null(f->client);
	ctx = aws_ctx_new(f->client, profile, NULL, NULL, &cause);
	if (ctx == NULL)
		fail_msg("ctx: %s", cause);
	return (aws_ctx_creds(ctx));
}

static void
get(struct fake *f, struct aws_creds_provider *p, int force, struct got *g)
{
	memset(g, 0, sizeof *g);
	aws_creds_get(p, force, got_cb, g);
	assert_int_equal(g->done, 0);
	assert_int_equal(run_until(f->base, got_done, g, 15000), 0);
}

static void
test_creds_assume_role_fetches(void **state)
{
	struct fake			*f = *state;
	struct aws_creds_provider	*p;
	struct got			 g;
	const struct fakesrv_seen	*seen;

	write_aws_files("[profile r]\nrole_arn = arn:aws:iam::210987654321:"
	    "role/demo\nsource_profile = base\nrole_session_name = s1\n"
	    "external_id = ext-1\nduration_seconds = 1800\n",
	    "[base]\naws_access_key_id = AKIDBASE\n"
	    "aws_secret_access_key = base-secret\n");
	p = provider(f, "r", 0);
	assert_string_equal(aws_creds_provider_source(p), "assume-role");
	get(f, p, 0, &g);
	assert_null(g.error);
	assert_string_equal(g.c.access_key_id, "ASIAROLE1");
	assert_string_equal(g.c.session_token, "rt");
	assert_string_equal(g.c.account_id, "210987654321");
	assert_string_equal(g.c.provider, "assume-role");
	seen = fakesrv_get(f->srv, 0);
	assert_non_null(strstr(seen->body, "RoleArn=arn%3Aaws%3Aiam%3A%3A"
	    "210987654321%3Arole%2Fdemo"));
	assert_non_null(strstr(seen->body, "RoleSessionName=s1"));
	assert_non_null(strstr(seen->body, "ExternalId=ext-1"));
	assert_non_null(strstr(seen->body, "DurationSeconds=1800"));
	assert_non_null(strstr(seen->auth, "Credential=AKIDBASE/"));
	got_clear(&g);
	/* cached: no second call */
	get(f, p, 0, &g);
	assert_string_equal(g.c.access_key_id, "ASIAROLE1");
	assert_int_equal(fakesrv_count(f->srv), 1);
	got_clear(&g);
	/* forced: a fresh assume with fresh source credentials */
	get(f, p, 1, &g);
	assert_string_equal(g.c.access_key_id, "ASIAROLE2");
	assert_int_equal(aws_creds_fetches(p), 2);
	got_clear(&g);
}

static void
test_creds_web_identity_rereads_token(void **state)
{
	struct fake			*f = *state;
	struct aws_creds_provider	*p;
	struct got			 g;
	char				 cfg[512];

	test_write_file(home, "token", "jwt-one\n");
	snprintf(cfg, sizeof cfg, "[profile w]\nrole_arn = arn:aws:iam::1:"
	    "role/w\nweb_identity_token_file = %s/token\n", home);
	write_aws_files(cfg, NULL);
	p = provider(f, "w", 0);
	get(f, p, 0, &g);
	assert_null(g.error);
	assert_string_equal(g.c.access_key_id, "ASIAROLE1");
	assert_null(f->last_auth);		/* unsigned */
	assert_non_null(strstr(f->last_body, "WebIdentityToken=jwt-one"));
	assert_non_null(strstr(f->last_body, "RoleSessionName=gatewayd-"));
	got_clear(&g);
	test_write_file(home, "token", "jwt-two");
	get(f, p, 1, &g);
	assert_non_null(strstr(f->last_body, "WebIdentityToken=jwt-two"));
	got_clear(&g);
	/* a token file that went away: a clear error (a new provider:
	 * the old one keeps its valid credentials, static stability) */
	snprintf(cfg, sizeof cfg, "%s/token", home);
	unlink(cfg);
	p = provider(f, "w", 0);
	get(f, p, 0, &g);
	assert_non_null(g.error);
	assert_non_null(strstr(g.error, "web identity token"));
	got_clear(&g);
}

static void
write_sso_cache(const char *key, int64_t expires_in, int refreshable)
{
	char	*path, dir[512], text[1024], exp[32], reg[32];
	FILE	*fp;

	snprintf(dir, sizeof dir, "%s/.aws/sso", home);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/.aws/sso/cache", home);
	mkdir(dir, 0700);
	aws_time_format((int64_t)(clock_wall_ms() / 1000) + expires_in, exp,
	    sizeof exp);
	aws_time_format((int64_t)(clock_wall_ms() / 1000) + 86400, reg,
	    sizeof reg);
	if (refreshable)
		snprintf(text, sizeof text, "{\"startUrl\":\"https://x/start\","
		    "\"region\":\"us-east-1\",\"accessToken\":\"cached-token\","
		    "\"expiresAt\":\"%s\",\"clientId\":\"cid\",\"clientSecret\":"
		    "\"csec\",\"registrationExpiresAt\":\"%s\",\"refreshToken\":"
		    "\"old-refresh\"}", exp, reg);
	else
		snprintf(text, sizeof text, "{\"accessToken\":\"cached-token\","
		    "\"expiresAt\":\"%s\"}", exp);
	path = aws_sso_cache_path(key);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	free(path);
}

static const char sso_config[] = "[profile dev]\nsso_session = my-sso\n"
    "sso_account_id = 111122223333\nsso_role_name = ReadOnly\n"
    "[sso-session my-sso]\nsso_start_url = https://x/start\n"
    "sso_region = us-east-1\n";

static void
test_creds_sso_token_cache_and_refresh(void **state)
{
	struct fake			*f = *state;
	struct aws_creds_provider	*p;
	struct got			 g;
	char				*path, buf[2048];
	FILE				*fp;
	size_t				 n;

	write_aws_files(sso_config, NULL);
	/* no cache at all: tell the user what to run */
	p = provider(f, "dev", 0);
	get(f, p, 0, &g);
	assert_non_null(g.error);
	assert_non_null(strstr(g.error, "run `aws sso login --profile dev`"));
	got_clear(&g);

	/* a valid token: straight to GetRoleCredentials */
	write_sso_cache("my-sso", 3600, 1);
	f->sso_token = "cached-token";
	p = provider(f, "dev", 0);
	get(f, p, 0, &g);
	assert_null(g.error);
	assert_string_equal(g.c.access_key_id, "ASIASSO");
	assert_string_equal(g.c.account_id, "111122223333");
	assert_int_equal(fakesrv_count_match(f->srv, "/token", NULL), 0);
	got_clear(&g);

	/* near its end: CreateToken, the cache rewritten, the new token used */
	write_sso_cache("my-sso", 300, 1);
	f->sso_token = "refreshed-token";
	p = provider(f, "dev", 0);
	get(f, p, 0, &g);
	assert_null(g.error);
	assert_string_equal(g.c.access_key_id, "ASIASSO");
	assert_int_equal(fakesrv_count_match(f->srv, "/token", NULL), 1);
	path = aws_sso_cache_path("my-sso");
	fp = fopen(path, "r");
	n = fread(buf, 1, sizeof buf - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	free(path);
	assert_non_null(strstr(buf, "\"accessToken\":\"refreshed-token\""));
	assert_non_null(strstr(buf, "\"refreshToken\":\"new-refresh\""));
	assert_non_null(strstr(buf, "\"clientSecret\":\"csec\""));
	got_clear(&g);

	/* expired and not refreshable (legacy cache): log in again */
	write_sso_cache("my-sso", -60, 0);
	p = provider(f, "dev", 0);
	get(f, p, 0, &g);
	assert_non_null(strstr(g.error, "has expired: run `aws sso login "
	    "--profile dev`"));
	got_clear(&g);

	/* the service no longer accepts the token (401) */
	write_sso_cache("my-sso", 3600, 0);
	f->sso_token = "something-else";
	p = provider(f, "dev", 0);
	get(f, p, 0, &g);
	assert_non_null(strstr(g.error, "no longer accepted: run `aws sso "
	    "login --profile dev`"));
	got_clear(&g);
}

static void
test_creds_process_outcomes(void **state)
{
	static const struct {
		const char	*command;
		const char	*akid;		/* NULL: an error containing */
		const char	*error;
	} cases[] = {
		{ "printf '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
		    "\"SecretAccessKey\": \"ps\", \"AccountId\": \"1\"}'",
		    "AKIDPROC", NULL },
		{ "echo '{\"Version\": 2, \"AccessKeyId\": \"A\", "
		    "\"SecretAccessKey\": \"S\"}'", NULL,
		    "credential_process: Version must be the number 1" },
		{ "echo '{\"Version\": \"1\", \"AccessKeyId\": \"A\", "
		    "\"SecretAccessKey\": \"S\"}'", NULL,
		    "Version must be the number 1" },
		{ "echo '{\"Version\": 1, \"AccessKeyId\": \"A\"}'", NULL,
		    "AccessKeyId, SecretAccessKey are required" },
		{ "echo 'not json at all'", NULL,
		    "credential_process: output is not a JSON object" },
		{ "echo '{\"Version\": 1, \"AccessKeyId\": \"A\", "
		    "\"SecretAccessKey\": \"S\", \"Expiration\": \"soon\"}'", NULL,
		    "Expiration is not an ISO 8601 time" },
		{ "echo 'SSO session expired' >&2; exit 1", NULL,
		    "credential_process exited with status 1: SSO session "
		    "expired" },
		{ "sleep 30", NULL, "credential_process timed out after 1s" },
	};
	struct fake			*f = *state;
	struct aws_creds_provider	*p;
	struct got			 g;
	char				 cfg[512];
	size_t				 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(cfg, sizeof cfg, "[default]\ncredential_process = %s\n",
		    cases[i].command);
		write_aws_files(cfg, NULL);
		p = provider(f, NULL, 600);
		get(f, p, 0, &g);
		if (cases[i].akid != NULL) {
			if (g.error != NULL)
				fail_msg("case %zu: %s", i, g.error);
			assert_string_equal(g.c.access_key_id, cases[i].akid);
			assert_int_equal(g.c.expiration, 0);
			assert_string_equal(g.c.provider, "process");
		} else if (g.error == NULL ||
		    strstr(g.error, cases[i].error) == NULL)
			fail_msg("case %zu: %s", i, g.error);
		assert_true(g.error == NULL ||
		    strncmp(g.error, "profile default: ", 17) == 0);
		got_clear(&g);
	}
}

static void
test_creds_process_no_pipe_fails_that_fetch(void **state)
{
	struct fake			*f = *state;
	struct aws_creds_provider	*p, *keys;
	struct aws_ctx			*ctx;
	struct got			 g, k;
	char				*cause = NULL;

	write_aws_files("[profile proc]\ncredential_process = printf "
	    "'{\"Version\": 1, \"AccessKeyId\": \"AKIDPROC\", "
	    "\"SecretAccessKey\": \"ps\"}'\n"
	    "[profile keys]\naws_access_key_id = AKIDKEYS\n"
	    "aws_secret_access_key = k\n", NULL);
	p = provider(f, "proc", 5000);
	ctx = aws_ctx_new(f->client, "keys", NULL, NULL, &cause);
	assert_non_null(ctx);
	keys = aws_ctx_creds(ctx);
	/* No descriptor left for the pipes: that fetch alone fails. */
	memset(&g, 0, sizeof g);
	memset(&k, 0, sizeof k);
	test_fds_exhaust();
	aws_creds_get(p, 0, got_cb, &g);
	aws_creds_get(keys, 0, got_cb, &k);
	test_fds_restore();
	assert_int_equal(g.done, 0);
	assert_int_equal(run_until(f->base, got_done, &g, 15000), 0);
	assert_string_equal(g.error, "profile proc: credential_process cannot "
	    "make a pipe: Too many open files");
	assert_int_equal(run_until(f->base, got_done, &k, 15000), 0);
	assert_null(k.error);
	assert_string_equal(k.c.access_key_id, "AKIDKEYS");
	got_clear(&g);
	got_clear(&k);
	/* The next try runs the command. */
	get(f, p, 0, &g);
	assert_null(g.error);
	assert_string_equal(g.c.access_key_id, "AKIDPROC");
	got_clear(&g);
}

struct ticker {
	unsigned	ticks;
};

static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	((struct ticker *)arg)->ticks++;
}

static void
test_creds_process_hang_does_not_stall_calls(void **state)
{
	struct fake			*f = *state;
	struct aws_creds_provider	*p;
	struct ticker			 t = { 0 };
	struct event			*ev;
	struct timeval			 tv = { 0, 50000 };
	struct got			 g;
	struct aws_ctx			*other;
	char				*cause = NULL;
	struct aws_sts_whoami_req	*w;

	write_aws_files("[profile slow]\ncredential_process = sleep 30\n"
	    "[profile quick]\naws_access_key_id = AKIDQUICK\n"
	    "aws_secret_access_key = q\n", NULL);
	p = provider(f, "slow", 1500);
	ev = event_new(f->base, -1, EV_PERSIST, tick_cb, &t);
	event_add(ev, &tv);
	memset(&g, 0, sizeof g);
	aws_creds_get(p, 0, got_cb, &g);
	/* another profile's call completes while the process hangs */
	other = aws_ctx_new(f->client, "quick", NULL, NULL, &cause);
	assert_non_null(other);
	w = aws_sts_whoami(other, NULL, NULL);
	aws_sts_whoami_cancel(w);
	assert_int_equal(run_until(f->base, got_done, &g, 10000), 0);
	assert_non_null(strstr(g.error, "timed out"));
	assert_true(t.ticks >= 10);
	got_clear(&g);
	event_free(ev);
}

static void
test_creds_container_fetch(void **state)
{
	struct fake			*f = *state;
	struct aws_creds_provider	*p;
	struct got			 g;
	char				 url[128], file[512];

	snprintf(url, sizeof url, "%s/creds", fakesrv_url(f->srv));
	setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url, 1);
	test_write_file(home, "ecs-token", "container-secret\n");
	snprintf(file, sizeof file, "%s/ecs-token", home);
	setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file, 1);
	write_aws_files(NULL, NULL);
	p = provider(f, NULL, 0);
	assert_string_equal(aws_creds_provider_source(p), "container");
	get(f, p, 0, &g);
	assert_null(g.error);
	assert_string_equal(g.c.access_key_id, "ASIAECS");
	assert_string_equal(g.c.account_id, "444455556666");
	assert_string_equal(f->last_accept, "application/json");
	got_clear(&g);
	/* the file is read again: a wrong token now is refused; the
	 * provider keeps its valid credentials meanwhile */
	test_write_file(home, "ecs-token", "wrong");
	get(f, p, 1, &g);
	assert_null(g.error);
	assert_string_equal(f->last_auth, "wrong");
	got_clear(&g);
	p = provider(f, NULL, 0);
	get(f, p, 0, &g);
	assert_non_null(g.error);
	assert_non_null(strstr(g.error, "HTTP 401: Unauthorized: bad token"));
	got_clear(&g);
	test_write_file(home, "ecs-token", "a\r\nX-Evil: 1");
	p = provider(f, NULL, 0);
	get(f, p, 0, &g);
	assert_non_null(g.error);
	assert_non_null(strstr(g.error, "contains a line break"));
	got_clear(&g);
}

static void
test_creds_imds_v2_and_v1_fallback(void **state)
{
	struct fake			*f = *state;
	struct aws_creds_provider	*p;
	struct got			 g;

	unsetenv("AWS_EC2_METADATA_DISABLED");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", fakesrv_url(f->srv), 1);
	write_aws_files(NULL, NULL);
	p = provider(f, NULL, 0);
	assert_string_equal(aws_creds_provider_source(p), "instance-metadata");
	get(f, p, 0, &g);
	assert_null(g.error);
	assert_string_equal(g.c.access_key_id, "ASIAIMDS");
	assert_int_equal(fakesrv_count_match(f->srv, "/latest/api/token",
	    NULL), 2);
	got_clear(&g);
	/* no token service: IMDSv1 */
	f->imds_v1 = 1;
	get(f, p, 1, &g);
	assert_null(g.error);
	assert_string_equal(g.c.access_key_id, "ASIAIMDS");
	got_clear(&g);
	/* ... unless v1 is disabled */
	setenv("AWS_EC2_METADATA_V1_DISABLED", "true", 1);
	p = provider(f, NULL, 0);
	get(f, p, 0, &g);
	assert_non_null(strstr(g.error, "IMDSv1 is disabled"));
	assert_non_null(strstr(g.error, "unable to locate credentials: "));
	got_clear(&g);
}

static void
whoami_cb(const struct aws_sts_whoami *who, const char *error, void *arg)
{
	struct got	*g = arg;

	g->done++;
	if (who != NULL) {
		g->c.account_id = strdup(who->account);
		g->c.provider = strdup(who->source);
		g->c.access_key_id = strdup(who->arn);
	} else
		g->error = strdup(error);
}

static void
test_creds_whoami_and_imds_region(void **state)
{
	struct fake		*f = *state;
	struct aws_ctx		*ctx;
	struct got		 g;
	char			*cause = NULL;

	write_aws_files(NULL, "[alice]\naws_access_key_id = AKIDALICE\n"
	    "aws_secret_access_key = a\n");
	provider(f, "alice", 0);
	/* no region anywhere but IMDS: the first call asks it */
	unsetenv("AWS_REGION");
	unsetenv("AWS_EC2_METADATA_DISABLED");
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", fakesrv_url(f->srv), 1);
	ctx = aws_ctx_new(f->client, "alice", NULL, NULL, &cause);
	assert_non_null(ctx);
	assert_null(aws_ctx_region(ctx));
	memset(&g, 0, sizeof g);
	aws_sts_whoami(ctx, whoami_cb, &g);
	assert_int_equal(run_until(f->base, got_done, &g, 10000), 0);
	if (g.error != NULL)
		fail_msg("%s", g.error);
	assert_string_equal(g.c.account_id, "123456789012");
	assert_string_equal(g.c.access_key_id,
	    "arn:aws:iam::123456789012:user/alice");
	assert_string_equal(g.c.provider, "shared-credentials-file");
	assert_string_equal(aws_ctx_region(ctx), "eu-north-1");
	assert_non_null(strstr(fakesrv_get(f->srv, fakesrv_count(f->srv) -
	    1)->auth, "/eu-north-1/sts/aws4_request"));
	got_clear(&g);
	/* an explicit profile that does not exist */
	assert_null(aws_ctx_new(f->client, "bob", NULL, NULL, &cause));
	assert_non_null(strstr(cause, "profile bob not found"));
	free(cause);
}

/* A process whose credentials live 8 s, numbered by a counter file. */
static void
write_short_lived(int fail_after_first)
{
	char	cfg[1024];

	snprintf(cfg, sizeof cfg, "[default]\ncredential_process = "
	    "n=$(cat %s/n 2>/dev/null || echo 0); n=$((n + 1)); "
	    "echo $n > %s/n; %s"
	    "printf '{\"Version\":1,\"AccessKeyId\":\"AKID%%s\","
	    "\"SecretAccessKey\":\"s\",\"Expiration\":\"%%s\"}' $n "
	    "$(date -u -d @$(( $(date +%%s) + 8 )) +%%Y-%%m-%%dT%%H:%%M:%%SZ)\n",
	    home, home, fail_after_first ? "[ $n -gt 1 ] && exit 3; " : "");
	write_aws_files(cfg, NULL);
}

static int
two_fetches(void *arg)
{
	return (aws_creds_fetches(arg) >= 2);
}

static void
test_creds_refresh_before_expiry(void **state)
{
	struct fake			*f = *state;
	struct aws_creds_provider	*p;
	struct got			 g;
	int64_t				 first_exp;

	write_short_lived(0);
	p = provider(f, NULL, 5000);
	get(f, p, 0, &g);
	assert_null(g.error);
	assert_string_equal(g.c.access_key_id, "AKID1");
	first_exp = g.c.expiration;
	got_clear(&g);
	/* nobody asks; the refresh comes by itself at half the lifetime */
	assert_int_equal(run_until(f->base, two_fetches, p, 15000), 0);
	assert_true(aws_creds_expiration(p) > first_exp - 1);
	get(f, p, 0, &g);
	assert_string_equal(g.c.access_key_id, "AKID2");
	assert_int_equal(aws_creds_fetches(p), 2);	/* cached */
	got_clear(&g);
}

static void
test_creds_failed_refresh_keeps_credentials(void **state)
{
	struct fake			*f = *state;
	struct aws_creds_provider	*p;
	struct got			 g;

	write_short_lived(1);
	p = provider(f, NULL, 5000);
	get(f, p, 0, &g);
	assert_string_equal(g.c.access_key_id, "AKID1");
	got_clear(&g);
	/* the background refresh (after ~4 s) fails: still AKID1 */
	run_for(f->base, 5000);
	assert_int_equal(aws_creds_fetches(p), 1);
	get(f, p, 0, &g);
	assert_null(g.error);
	assert_string_equal(g.c.access_key_id, "AKID1");
	got_clear(&g);
}

/* One GetCallerIdentity on ctx: its error, or NULL. */
struct sts_got {
	int	 done;
	char	*error;
	char	*arn;
};

static void
sts_got_cb(const struct aws_sts_result *r, const char *error, void *arg)
{
	struct sts_got	*g = arg;

	g->done++;
	g->error = error != NULL ? strdup(error) : NULL;
	g->arn = r != NULL && r->arn != NULL ? strdup(r->arn) : NULL;
}

static int
sts_got_done(void *arg)
{
	return (((struct sts_got *)arg)->done != 0);
}

static char *
caller_identity(struct fake *f, struct aws_ctx *ctx)
{
	struct sts_got	g;

	memset(&g, 0, sizeof g);
	assert_non_null(aws_sts_get_caller_identity(ctx, sts_got_cb, &g));
	assert_int_equal(run_until(f->base, sts_got_done, &g, 15000), 0);
	assert_int_equal(g.done, 1);
	free(g.arn);
	return (g.error);
}

/* A context of the [base] profile's static keys. */
static struct aws_ctx *
base_ctx(struct fake *f, const char *config)
{
	struct aws_ctx	*ctx;
	char		*cause = NULL;

	write_aws_files(config, "[base]\naws_access_key_id = AKIDBASE\n"
	    "aws_secret_access_key = base-secret\n");
	provider(f, "base", 0);
	ctx = aws_ctx_new(f->client, config != NULL ? "r" : "base", NULL,
	    NULL, &cause);
	if (ctx == NULL)
		fail_msg("ctx: %s", cause);
	return (ctx);
}

static void
test_creds_fixed_ctx(void **state)
{
	struct fake			*f = *state;
	struct aws_ctx			*base, *fixed;
	struct aws_creds_provider	*p;
	struct aws_creds		 c;
	struct got			 g;
	char				*err;
	int64_t				 now = (int64_t)(clock_wall_ms() / 1000);
	size_t				 n;

	base = base_ctx(f, NULL);
	memset(&c, 0, sizeof c);
	c.access_key_id = "AKIDALICE";
	c.secret_access_key = "alice-secret";
	c.expiration = now + 3600;
	fixed = aws_ctx_new_fixed(base, &c, "user alice");
	p = aws_ctx_creds(fixed);
	assert_ptr_not_equal(p, aws_ctx_creds(base));
	assert_int_equal(aws_creds_expiration(p), now + 3600);
	assert_string_equal(aws_ctx_profile(fixed), "base");
	assert_string_equal(aws_ctx_region(fixed), "eu-west-1");
	assert_string_equal(aws_creds_provider_source(p), "fixed");
	assert_int_equal(aws_creds_fetches(p), 1);

	/* signed with the keys handed in, and only those */
	f->want_akid = "AKIDALICE";
	f->want_secret = "alice-secret";
	err = caller_identity(f, fixed);
	if (err != NULL)
		fail_msg("%s", err);
	assert_string_equal(f->verdict, "ok");
	get(f, p, 0, &g);
	assert_string_equal(g.c.access_key_id, "AKIDALICE");
	assert_string_equal(g.c.provider, "fixed");
	got_clear(&g);
	/* forced (ExpiredToken): the same keys, nothing fetched */
	get(f, p, 1, &g);
	assert_string_equal(g.c.access_key_id, "AKIDALICE");
	assert_int_equal(aws_creds_fetches(p), 1);
	got_clear(&g);
	/* the base context still signs with its own */
	f->want_akid = "AKIDBASE";
	f->want_secret = "base-secret";
	assert_null(caller_identity(f, base));
	assert_string_equal(f->verdict, "ok");

	/* within AWS_CREDS_MIN_LIFE of expiry: fails, nothing sent */
	c.expiration = now + AWS_CREDS_MIN_LIFE - 1;
	aws_ctx_set_creds(fixed, &c);
	assert_int_equal(aws_creds_fetches(p), 2);
	n = fakesrv_count(f->srv);
	err = caller_identity(f, fixed);
	assert_non_null(err);
	assert_string_equal(err, "GetCallerIdentity: credentials of user "
	    "alice expired");
	free(err);
	assert_int_equal(fakesrv_count(f->srv), n);
	get(f, p, 0, &g);
	assert_null(g.c.access_key_id);
	assert_string_equal(g.error, "credentials of user alice expired");
	got_clear(&g);

	/* a new login: the new keys, a session token with them */
	c.access_key_id = "ASIAALICE2";
	c.secret_access_key = "alice-secret-2";
	c.session_token = "alice-token-2";
	c.expiration = now + 7200;
	aws_ctx_set_creds(fixed, &c);
	assert_int_equal(aws_creds_fetches(p), 3);
	assert_int_equal(aws_creds_expiration(p), now + 7200);
	f->want_secret = NULL;
	assert_null(caller_identity(f, fixed));
	assert_non_null(strstr(fakesrv_get(f->srv, fakesrv_count(f->srv) -
	    1)->auth, "Credential=ASIAALICE2/"));
	assert_string_equal(fakesrv_get(f->srv, fakesrv_count(f->srv) -
	    1)->token, "alice-token-2");
	/* and never expiring */
	c.access_key_id = "AKIDALICE3";
	c.secret_access_key = "alice-secret-3";
	c.session_token = NULL;
	c.expiration = 0;
	aws_ctx_set_creds(fixed, &c);
	assert_int_equal(aws_creds_expiration(p), 0);
	f->want_akid = "AKIDALICE3";
	f->want_secret = "alice-secret-3";
	assert_null(caller_identity(f, fixed));
	assert_string_equal(f->verdict, "ok");
	aws_ctx_free(fixed);
	/* base lives on */
	f->want_akid = "AKIDBASE";
	f->want_secret = "base-secret";
	assert_null(caller_identity(f, base));
	assert_string_equal(f->verdict, "ok");
	aws_ctx_free(base);
}

/* A replacement while a check of the old (expired) keys is under way. */
static void
test_creds_fixed_set_during_check(void **state)
{
	struct fake			*f = *state;
	struct aws_ctx			*base, *fixed;
	struct aws_creds		 c;
	struct got			 g;

	base = base_ctx(f, NULL);
	memset(&c, 0, sizeof c);
	c.access_key_id = "ASIAOLD";
	c.secret_access_key = "old";
	c.expiration = (int64_t)(clock_wall_ms() / 1000) - 10;
	fixed = aws_ctx_new_fixed(base, &c, "user bob");
	memset(&g, 0, sizeof g);
	aws_creds_get(aws_ctx_creds(fixed), 0, got_cb, &g);
	c.access_key_id = "ASIANEW";
	c.secret_access_key = "new";
	c.expiration = (int64_t)(clock_wall_ms() / 1000) + 600;
	aws_ctx_set_creds(fixed, &c);
	assert_int_equal(run_until(f->base, got_done, &g, 15000), 0);
	assert_null(g.error);
	assert_string_equal(g.c.access_key_id, "ASIANEW");
	got_clear(&g);
	aws_ctx_free(fixed);
	aws_ctx_free(base);
}

static size_t
assume_roles(struct fake *f, const char *name)
{
	const struct fakesrv_seen	*seen;
	char				 want[128];
	size_t				 i, n = 0;

	snprintf(want, sizeof want, "RoleSessionName=%s", name);
	for (i = 0; i < fakesrv_count(f->srv); i++) {
		seen = fakesrv_get(f->srv, i);
		if (strstr(seen->body, "Action=AssumeRole&") != NULL &&
		    strstr(seen->body, want) != NULL)
			n++;
	}
	return (n);
}

static void
test_creds_role_ctx(void **state)
{
	struct fake			*f = *state;
	struct aws_ctx			*base, *role, *role2, *fixed, *role3;
	struct aws_creds_provider	*p;
	struct aws_creds		 c;
	struct got			 g;
	const struct fakesrv_seen	*seen;
	char				*cause = NULL;

	/* base itself assumes a role: its credentials come from STS too */
	base = base_ctx(f, "[profile r]\nrole_arn = arn:aws:iam::"
	    "210987654321:role/demo\nsource_profile = base\n"
	    "role_session_name = gw\n");
	role = aws_ctx_new_role(base, base, "arn:aws:iam::210987654321:"
	    "role/path/db-reader", "alice", &cause);
	if (role == NULL)
		fail_msg("%s", cause);
	p = aws_ctx_creds(role);
	assert_string_equal(aws_creds_provider_source(p), "assume-role");
	get(f, p, 0, &g);
	if (g.error != NULL)
		fail_msg("%s", g.error);
	assert_string_equal(g.c.access_key_id, "ASIAROLE2");
	assert_string_equal(g.c.provider, "assume-role");
	got_clear(&g);
	assert_int_equal(assume_roles(f, "gw"), 1);	/* base's */
	assert_int_equal(assume_roles(f, "alice"), 1);
	seen = fakesrv_get(f->srv, fakesrv_count(f->srv) - 1);
	assert_non_null(strstr(seen->body, "RoleArn=arn%3Aaws%3Aiam%3A%3A"
	    "210987654321%3Arole%2Fpath%2Fdb-reader"));
	assert_null(strstr(seen->body, "DurationSeconds"));
	/* signed with base's (assumed) credentials */
	assert_non_null(strstr(seen->auth, "Credential=ASIAROLE1/"));
	assert_string_equal(seen->token, "rt");
	/* cached */
	get(f, p, 0, &g);
	assert_string_equal(g.c.access_key_id, "ASIAROLE2");
	got_clear(&g);
	assert_int_equal(assume_roles(f, "alice"), 1);
	assert_int_equal(aws_creds_fetches(p), 1);
	/* a second user: base's cached credentials reused, not assumed again */
	role2 = aws_ctx_new_role(base, base, "arn:aws:iam::210987654321:"
	    "role/path/db-reader", "bob", &cause);
	assert_non_null(role2);
	get(f, aws_ctx_creds(role2), 0, &g);
	assert_null(g.error);
	got_clear(&g);
	assert_int_equal(assume_roles(f, "bob"), 1);
	assert_int_equal(assume_roles(f, "gw"), 1);
	assert_int_equal(aws_creds_fetches(aws_ctx_creds(base)), 1);
	/* a call on the role context signs with the role's */
	assert_null(caller_identity(f, role));
	assert_non_null(strstr(fakesrv_get(f->srv, fakesrv_count(f->srv) -
	    1)->auth, "Credential=ASIAROLE2/"));

	/* via a fixed context: signed with the keys handed in */
	memset(&c, 0, sizeof c);
	c.access_key_id = "ASIACAROL";
	c.secret_access_key = "carol-secret";
	c.expiration = (int64_t)(clock_wall_ms() / 1000) + 3600;
	fixed = aws_ctx_new_fixed(base, &c, "user carol");
	role3 = aws_ctx_new_role(base, fixed, "arn:aws:iam::210987654321:"
	    "role/demo", "carol", &cause);
	assert_non_null(role3);
	f->want_akid = "ASIACAROL";
	f->want_secret = "carol-secret";
	get(f, aws_ctx_creds(role3), 0, &g);
	assert_null(g.error);
	got_clear(&g);
	assert_string_equal(f->verdict, "ok");
	assert_int_equal(assume_roles(f, "carol"), 1);
	f->want_secret = NULL;
	/* ... whose expiry fails the assume, named, without a call */
	aws_ctx_free(role3);
	c.expiration = (int64_t)(clock_wall_ms() / 1000) + 5;
	aws_ctx_set_creds(fixed, &c);
	role3 = aws_ctx_new_role(base, fixed, "arn:aws:iam::210987654321:"
	    "role/demo", "carol", &cause);
	assert_non_null(role3);
	get(f, aws_ctx_creds(role3), 0, &g);
	assert_non_null(g.error);
	assert_string_equal(g.error, "credentials of user carol expired");
	got_clear(&g);
	assert_int_equal(assume_roles(f, "carol"), 1);
	aws_ctx_free(role3);
	aws_ctx_free(fixed);
	aws_ctx_free(role2);
	aws_ctx_free(role);
	aws_ctx_free(base);
}

static void
test_creds_role_ctx_refuses(void **state)
{
	static const struct {
		const char	*arn, *name, *error;
	} cases[] = {
		{ "arn:aws:iam::123456789012:user/alice", "alice",
		    "role_arn \"arn:aws:iam::123456789012:user/alice\" is not "
		    "a role ARN" },
		{ "arn:aws:iam::12345678901:role/x", "alice", "is not a role" },
		{ "arn:aws:sts::123456789012:role/x", "alice", "is not a role" },
		{ "arn::iam::123456789012:role/x", "alice", "is not a role" },
		{ "arn:aws:iam::123456789012:role/", "alice", "is not a role" },
		{ "arn:aws:iam::123456789012:role/a/", "alice",
		    "is not a role" },
		{ "arn:aws:iam::123456789012:role/a b", "alice",
		    "is not a role" },
		{ "role/x", "alice", "is not a role" },
		{ "arn:aws:iam::123456789012:role/x", "a",
		    "role session name \"a\" is not 2 to 64" },
		{ "arn:aws:iam::123456789012:role/x", "al ice",
		    "is not 2 to 64" },
		{ "arn:aws:iam::123456789012:role/x", "alice/x",
		    "is not 2 to 64" },
		{ "arn:aws:iam::123456789012:role/x",
		    "0123456789012345678901234567890123456789012345678901234567"
		    "890123456789", "is not 2 to 64" },
		{ "arn:aws-cn:iam::123456789012:role/a/b/c", "alice@x.org",
		    NULL },
		{ "arn:aws-us-gov:iam::123456789012:role/x", "a=b,c+d.e-f_g",
		    NULL },
	};
	struct fake	*f = *state;
	struct aws_ctx	*base, *role;
	char		*cause;
	size_t		 i, n;

	base = base_ctx(f, NULL);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cause = NULL;
		role = aws_ctx_new_role(base, base, cases[i].arn,
		    cases[i].name, &cause);
		if (cases[i].error == NULL) {
			if (role == NULL)
				fail_msg("case %zu: %s", i, cause);
			aws_ctx_free(role);
			continue;
		}
		if (role != NULL)
			fail_msg("case %zu: accepted", i);
		if (strstr(cause, cases[i].error) == NULL)
			fail_msg("case %zu: %s", i, cause);
		free(cause);
	}
	/* nothing was asked of STS */
	n = fakesrv_count(f->srv);
	assert_int_equal(n, 0);
	aws_ctx_free(base);
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define F(f) cmocka_unit_test_setup_teardown(f, fake_setup, fake_teardown)
	const struct CMUnitTest tests[] = {
		T(test_creds_chain_picks_sources),
		T(test_creds_container_urls),
		T(test_creds_refresh_window),
		T(test_creds_region_order),
		T(test_creds_sso_cache_names),
		F(test_creds_assume_role_fetches),
		F(test_creds_web_identity_rereads_token),
		F(test_creds_sso_token_cache_and_refresh),
		F(test_creds_process_outcomes),
		F(test_creds_process_no_pipe_fails_that_fetch),
		F(test_creds_process_hang_does_not_stall_calls),
		F(test_creds_container_fetch),
		F(test_creds_imds_v2_and_v1_fallback),
		F(test_creds_whoami_and_imds_region),
		F(test_creds_refresh_before_expiry),
		F(test_creds_failed_refresh_keeps_credentials),
		F(test_creds_fixed_ctx),
		F(test_creds_fixed_set_during_check),
		F(test_creds_role_ctx),
		F(test_creds_role_ctx_refuses),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

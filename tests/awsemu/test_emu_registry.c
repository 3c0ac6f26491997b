/*
 * Unit tests for awsemu's world loader: a full file parses into what it
 * says, and every kind of mistake is refused with a message naming the
 * file and the field.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "emu.h"

struct emu	emu;

static const char emu_test_world[] =
    "{\n"
    "  \"account\": \"111122223333\",\n"
    "  \"region\": \"eu-west-1\",\n"
    "  \"keys\": [{\"access_key_id\": \"AKIATEST\", "
    "\"secret_access_key\": \"s3cret\", \"user\": \"bob\"}],\n"
    "  \"instances\": [\n"
    "    {\"id\": \"i-0123456789abcdef0\", \"tags\": {\"Name\": "
    "\"bastion\"},\n"
    "     \"ports\": {\"22\": \"127.0.0.1:2222\"},\n"
    "     \"remote_hosts\": {\"db.internal:5432\": \"[::1]:15432\"}},\n"
    "    {\"id\": \"mi-0123456789abcdef0\", \"ping\": \"ConnectionLost\"}\n"
    "  ],\n"
    "  \"ecs\": [{\"target\": \"ecs:prod_abc_abc-1\"}],\n"
    "  \"kms_keys\": [{\"id\": \"dd01e56b-ff48-483e-a508-b5f073f31b16\", "
    "\"aliases\": [\"alias/x\"]}],\n"
    "  \"container\": {\"path\": \"/creds\", \"authorization\": \"t\"}\n"
    "}\n";

static void
test_emu_registry_parses_a_full_world(void **state)
{
	struct emu_registry	*reg;
	struct emu_target	*t;
	char			*cause = NULL;

	reg = emu_registry_parse(emu_test_world, strlen(emu_test_world),
	    "world.json", &cause);
	assert_non_null(reg);
	assert_null(cause);
	assert_string_equal(reg->account, "111122223333");
	assert_int_equal(reg->nkeys, 2);	/* the default key and bob */
	assert_string_equal(reg->keys[1].user, "bob");
	assert_int_equal(reg->ntargets, 3);
	t = emu_registry_find_target(reg, "i-0123456789abcdef0");
	assert_non_null(t);
	assert_string_equal(t->ping, "Online");
	assert_string_equal(t->region, "eu-west-1");
	assert_string_equal(t->resource_type, "EC2Instance");
	assert_string_equal(emu_registry_tag(t, "Name"), "bastion");
	assert_string_equal(t->ports[0].to, "127.0.0.1:2222");
	assert_string_equal(t->hosts[0].from, "db.internal:5432");
	t = emu_registry_find_target(reg, "mi-0123456789abcdef0");
	assert_string_equal(t->resource_type, "ManagedInstance");
	assert_string_equal(t->ping, "ConnectionLost");
	assert_int_equal(emu_registry_find_target(reg,
	    "ecs:prod_abc_abc-1")->kind, EMU_TARGET_ECS);
	assert_non_null(emu_registry_find_kms(reg, "alias/x"));
	assert_non_null(emu_registry_find_kms(reg,
	    "arn:aws:kms:eu-west-1:111122223333:key/"
	    "dd01e56b-ff48-483e-a508-b5f073f31b16"));
	assert_null(emu_registry_find_kms(reg, "alias/y"));
	assert_string_equal(reg->container_path, "/creds");
	emu_registry_free(reg);
}

/* Each bad world and the words its error must contain. */
static const struct {
	const char	*text;
	const char	*error;
} emu_test_bad[] = {
	{ "{", "world.json:1: not valid JSON" },
	{ "{\n\n  \"instances\": [}\n", "world.json:3: not valid JSON" },
	{ "[]", "world.json: not an object" },
	{ "{\"instance\": []}", "world.json: instance: unknown key" },
	{ "{\"account\": \"12\"}", "world.json: account: \"12\" is not 12 "
	    "digits" },
	{ "{\"instances\": {}}", "world.json: instances: not an array" },
	{ "{\"instances\": [{}]}", "world.json: instances[0].id: missing" },
	{ "{\"instances\": [{\"id\": 7}]}",
	    "world.json: instances[0].id: not a string" },
	{ "{\"instances\": [{\"id\": \"x-1\"}]}",
	    "world.json: instances[0].id: \"x-1\" is not an instance id" },
	{ "{\"instances\": [{\"id\": \"i-01234567\"}, {\"id\": "
	    "\"i-01234567\"}]}", "world.json: instances[1].id: \"i-01234567\" "
	    "is listed twice" },
	{ "{\"instances\": [{\"id\": \"i-01234567\", \"ping\": \"up\"}]}",
	    "world.json: instances[0].ping: \"up\" is not one of Online, "
	    "ConnectionLost, Inactive" },
	{ "{\"instances\": [{\"id\": \"i-01234567\", \"pings\": 1}]}",
	    "world.json: instances[0].pings: unknown key" },
	{ "{\"instances\": [{\"id\": \"i-01234567\", \"tags\": {\"a\": 1}}]}",
	    "world.json: instances[0].tags.a: not a string" },
	{ "{\"instances\": [{\"id\": \"i-01234567\", \"ports\": {\"0\": "
	    "\"127.0.0.1:1\"}}]}", "world.json: instances[0].ports.0: not a "
	    "port number" },
	{ "{\"instances\": [{\"id\": \"i-01234567\", \"ports\": {\"22\": "
	    "\"10.0.0.1:22\"}}]}", "world.json: instances[0].ports.22: not a "
	    "loopback address" },
	{ "{\"instances\": [{\"id\": \"i-01234567\", \"remote_hosts\": "
	    "{\"db\": \"127.0.0.1:5432\"}}]}", "world.json: "
	    "instances[0].remote_hosts.db: not host:port" },
	{ "{\"ecs\": [{\"target\": \"ecs:prod\"}]}", "world.json: "
	    "ecs[0].target: \"ecs:prod\" is not an ECS target" },
	{ "{\"keys\": [{\"access_key_id\": \"AKIA\"}]}", "world.json: "
	    "keys[0].secret_access_key: missing" },
	{ "{\"kms_keys\": [{\"id\": \"nope\"}]}", "world.json: "
	    "kms_keys[0].id: \"nope\" is not a key id" },
	{ "{\"kms_keys\": [{\"aliases\": [\"x\"]}]}", "world.json: "
	    "kms_keys[0].aliases: each alias is a string starting alias/" },
	{ "{\"sso\": [{\"access_token\": \"t\", \"roles\": [{}]}]}",
	    "world.json: sso[0].roles[0].account_id: missing" },
	{ "{\"web_identity\": [{\"token\": \"\"}]}", "world.json: "
	    "web_identity[0].token: empty" },
	{ "{\"container\": {\"path\": \"creds\"}}", "world.json: "
	    "container.path: must start with /" },
	{ "{\"imds\": {\"roles\": \"x\"}}", "world.json: imds.roles: unknown "
	    "key" },
};

static void
test_emu_registry_bad_worlds_name_file_and_field(void **state)
{
	struct emu_registry	*reg;
	char			*cause;
	size_t			 i;

	for (i = 0; i < nitems(emu_test_bad); i++) {
		cause = NULL;
		reg = emu_registry_parse(emu_test_bad[i].text,
		    strlen(emu_test_bad[i].text), "world.json", &cause);
		if (reg != NULL || cause == NULL ||
		    strstr(cause, emu_test_bad[i].error) == NULL)
			fail_msg("case %zu: want \"%s\", got \"%s\"", i,
			    emu_test_bad[i].error, cause ? cause : "(none)");
		free(cause);
	}
}

/* Every key of "container" is optional: the path has a default. */
static void
test_emu_registry_container_keys_are_optional(void **state)
{
	static const char *const worlds[] = { "{\"container\":{}}",
	    "{\"container\":{\"authorization\":\"t\"}}" };
	struct emu_registry	*reg;
	char			*cause = NULL;
	size_t			 i;

	for (i = 0; i < nitems(worlds); i++) {
		reg = emu_registry_parse(worlds[i], strlen(worlds[i]),
		    "world.json", &cause);
		if (reg == NULL)
			fail_msg("%s: %s", worlds[i], cause);
		assert_string_equal(reg->container_path,
		    "/v2/credentials/emu");
		emu_registry_free(reg);
	}
}

static void
test_emu_registry_load_names_missing_file(void **state)
{
	char	*cause = NULL;

	assert_null(emu_registry_load("/nonexistent/world.json", &cause));
	assert_non_null(strstr(cause, "/nonexistent/world.json: No such file"));
	free(cause);
}

static void
test_emu_registry_load_reads_a_file(void **state)
{
	char			 path[] = "/tmp/test_emu_registry.XXXXXX";
	struct emu_registry	*reg;
	char			*cause = NULL;
	FILE			*f;
	int			 fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("{\"instances\": [{\"id\": \"i-01234567\", \"tag\": 1}]}", f);
	fclose(f);
	assert_null(emu_registry_load(path, &cause));
	assert_non_null(strstr(cause, path));
	assert_non_null(strstr(cause, "instances[0].tag: unknown key"));
	free(cause);
	f = fopen(path, "w");
	fputs("{\"instances\": [{\"id\": \"i-01234567\"}]}", f);
	fclose(f);
	reg = emu_registry_load(path, &cause);
	assert_non_null(reg);
	assert_int_equal(reg->ntargets, 1);
	emu_registry_free(reg);
	unlink(path);
}

static void
test_emu_registry_default_has_a_key_and_a_kms_key(void **state)
{
	struct emu_registry	*reg = emu_registry_default();

	assert_int_equal(reg->nkeys, 1);
	assert_int_equal(reg->nkms, 1);
	assert_non_null(emu_registry_find_kms(reg, "alias/gatewayd"));
	assert_string_equal(reg->region, "us-east-1");
	emu_registry_free(reg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emu_registry_parses_a_full_world),
		cmocka_unit_test(
		    test_emu_registry_bad_worlds_name_file_and_field),
		cmocka_unit_test(
		    test_emu_registry_container_keys_are_optional),
		cmocka_unit_test(test_emu_registry_load_names_missing_file),
		cmocka_unit_test(test_emu_registry_load_reads_a_file),
		cmocka_unit_test(
		    test_emu_registry_default_has_a_key_and_a_kms_key),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

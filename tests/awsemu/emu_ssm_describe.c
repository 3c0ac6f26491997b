/*
 * SSM DescribeInstanceInformation: the world's instances (not ECS tasks)
 * through Filters (InstanceIds, PingStatus, PlatformTypes, ResourceType,
 * AgentVersion, SourceIds, SourceTypes, tag-key, tag:KEY), MaxResults
 * 5-50 and NextToken paging. Tag filters cannot be combined with the other
 * kinds in one request; the exact error AWS gives for that is UNVERIFIED,
 * we answer InvalidFilterKey.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "util.h"
#include "xmalloc.h"

#define EMU_DESCRIBE_TOKEN	"emu-next-page:"

static const char *const emu_describe_keys[] = {
	"InstanceIds", "AgentVersion", "PingStatus", "PlatformTypes",
	"ActivationIds", "IamRole", "ResourceType", "AssociationStatus",
	"SourceIds", "SourceTypes", "tag-key", NULL
};

/* Allowed values for the keys that have an enumeration. */
static const struct {
	const char	*key;
	const char	*values[4];
} emu_describe_enums[] = {
	{ "PingStatus", { "Online", "ConnectionLost", "Inactive", NULL } },
	{ "PlatformTypes", { "Windows", "Linux", "MacOS", NULL } },
	{ "ResourceType", { "EC2Instance", "ManagedInstance", NULL } },
};

static int
emu_describe_is_tag(const char *key)
{
	return (strncmp(key, "tag:", 4) == 0 || strcmp(key, "tag-key") == 0);
}

static int
emu_describe_key_known(const char *key)
{
	size_t	i;

	if (strncmp(key, "tag:", 4) == 0)
		return (key[4] != '\0' && strlen(key) <= 132);
	for (i = 0; emu_describe_keys[i] != NULL; i++) {
		if (strcmp(key, emu_describe_keys[i]) == 0)
			return (1);
	}
	return (0);
}

/* Check one value against the key's enumeration or id syntax. */
static int
emu_describe_value_ok(const char *key, const char *value)
{
	size_t	i, j;

	if (strcmp(key, "InstanceIds") == 0)
		return (emu_registry_is_instance_id(value));
	for (i = 0; i < nitems(emu_describe_enums); i++) {
		if (strcmp(key, emu_describe_enums[i].key) != 0)
			continue;
		for (j = 0; emu_describe_enums[i].values[j] != NULL; j++) {
			if (strcmp(value, emu_describe_enums[i].values[j]) == 0)
				return (1);
		}
		return (0);
	}
	return (1);
}

/* Validate Filters; on error an answer has been sent. */
static int
emu_describe_check(struct emu_req *r, const cJSON *filters)
{
	const cJSON	*f, *values, *v;
	const char	*key;
	int		 tags = 0, others = 0, n;

	if (filters == NULL)
		return (0);
	if (!cJSON_IsArray(filters)) {
		emu_reply_error(r, "SerializationException", 400,
		    "Filters is not a list");
		return (-1);
	}
	cJSON_ArrayForEach(f, filters) {
		key = emu_json_string(f, "Key");
		values = cJSON_GetObjectItemCaseSensitive(f, "Values");
		if (key == NULL || !cJSON_IsArray(values)) {
			emu_reply_error(r, "ValidationException", 400, "1 "
			    "validation error detected: each filter needs a "
			    "Key and a list of Values");
			return (-1);
		}
		if (!emu_describe_key_known(key)) {
			emu_reply_error(r, "InvalidFilterKey", 400, "The "
			    "filter key %.140s is not valid.", key);
			return (-1);
		}
		n = cJSON_GetArraySize(values);
		if (n < 1 || n > 100) {
			emu_reply_error(r, "ValidationException", 400, "1 "
			    "validation error detected: Value at "
			    "'filters.%s.member.values' failed to satisfy "
			    "constraint: Member must have length between 1 "
			    "and 100", key);
			return (-1);
		}
		cJSON_ArrayForEach(v, values) {
			if (!cJSON_IsString(v) ||
			    !emu_describe_value_ok(key, v->valuestring)) {
				emu_reply_error(r,
				    "InvalidInstanceInformationFilterValue",
				    400, "The filter value %.140s is not "
				    "valid for key %.140s.", cJSON_IsString(v) ?
				    v->valuestring : "(not a string)", key);
				return (-1);
			}
		}
		if (emu_describe_is_tag(key))
			tags++;
		else
			others++;
	}
	if (tags != 0 && others != 0) {
		emu_reply_error(r, "InvalidFilterKey", 400, "Tag filters "
		    "cannot be combined with other filter keys in one request.");
		return (-1);
	}
	return (0);
}

static const char *
emu_describe_field(const struct emu_target *t, const char *key)
{
	if (strcmp(key, "InstanceIds") == 0 || strcmp(key, "SourceIds") == 0)
		return (t->id);
	if (strcmp(key, "AgentVersion") == 0)
		return (t->agent_version);
	if (strcmp(key, "PingStatus") == 0)
		return (t->ping);
	if (strcmp(key, "PlatformTypes") == 0)
		return (t->platform_type);
	if (strcmp(key, "ResourceType") == 0)
		return (t->resource_type);
	if (strcmp(key, "SourceTypes") == 0)
		return (strncmp(t->id, "mi-", 3) == 0 ?
		    "AWS::SSM::ManagedInstance" : "AWS::EC2::Instance");
	return (NULL);
}

/* Does one value of the filter match t? */
static int
emu_describe_value_matches(const struct emu_target *t, const char *key,
    const char *value)
{
	const char	*field;

	if (strcmp(key, "tag-key") == 0)
		return (emu_registry_tag(t, value) != NULL);
	if (strncmp(key, "tag:", 4) == 0) {
		field = emu_registry_tag(t, key + 4);
		return (field != NULL && strcmp(field, value) == 0);
	}
	field = emu_describe_field(t, key);
	return (field != NULL && strcmp(field, value) == 0);
}

/* Every filter matches (values of one filter are alternatives). */
static int
emu_describe_matches(const struct emu_target *t, const cJSON *filters)
{
	const cJSON	*f, *v;
	const char	*key;
	int		 any;

	if (t->kind != EMU_TARGET_INSTANCE)
		return (0);
	cJSON_ArrayForEach(f, filters) {
		key = emu_json_string(f, "Key");
		any = 0;
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(f,
		    "Values")) {
			if (emu_describe_value_matches(t, key, v->valuestring))
				any = 1;
		}
		if (!any)
			return (0);
	}
	return (1);
}

static cJSON *
emu_describe_item(const struct emu_target *t)
{
	cJSON	*o = cJSON_CreateObject();
	double	 ping = (double)clock_wall_ms() / 1000 - 30;

	cJSON_AddStringToObject(o, "InstanceId", t->id);
	cJSON_AddStringToObject(o, "PingStatus", t->ping);
	cJSON_AddNumberToObject(o, "LastPingDateTime", ping);
	cJSON_AddStringToObject(o, "AgentVersion", t->agent_version);
	cJSON_AddBoolToObject(o, "IsLatestVersion", 0);
	cJSON_AddStringToObject(o, "PlatformType", t->platform_type);
	cJSON_AddStringToObject(o, "PlatformName", t->platform_name);
	cJSON_AddStringToObject(o, "PlatformVersion", t->platform_version);
	cJSON_AddStringToObject(o, "ResourceType", t->resource_type);
	cJSON_AddStringToObject(o, "IPAddress", t->ip);
	cJSON_AddStringToObject(o, "ComputerName", t->computer_name);
	cJSON_AddStringToObject(o, "SourceId", t->id);
	cJSON_AddStringToObject(o, "SourceType", emu_describe_field(t,
	    "SourceTypes"));
	return (o);
}

/* Read MaxResults and NextToken; -1 if an answer was sent. */
static int
emu_describe_paging(struct emu_req *r, int *max, size_t *start)
{
	const cJSON	*item;
	const char	*token;
	uint8_t		*raw = NULL;
	size_t		 rawlen;
	char		*text, *end;
	unsigned long	 off;

	*max = 10;
	*start = 0;
	item = cJSON_GetObjectItemCaseSensitive(r->json, "MaxResults");
	if (item != NULL) {
		if (!cJSON_IsNumber(item) || item->valuedouble < 5 ||
		    item->valuedouble > 50) {
			emu_reply_error(r, "ValidationException", 400, "1 "
			    "validation error detected: Value '%g' at "
			    "'maxResults' failed to satisfy constraint: Member "
			    "must have value between 5 and 50",
			    cJSON_IsNumber(item) ? item->valuedouble : 0);
			return (-1);
		}
		*max = (int)item->valuedouble;
	}
	if ((token = emu_json_string(r->json, "NextToken")) == NULL)
		return (0);
	if (util_base64_decode(token, &raw, &rawlen) != 0 || rawlen > 64 ||
	    rawlen <= strlen(EMU_DESCRIBE_TOKEN) ||
	    memcmp(raw, EMU_DESCRIBE_TOKEN, strlen(EMU_DESCRIBE_TOKEN)) != 0) {
		free(raw);
		emu_reply_error(r, "InvalidNextToken", 400, "The specified "
		    "token is not valid.");
		return (-1);
	}
	text = xstrndup((char *)raw + strlen(EMU_DESCRIBE_TOKEN),
	    rawlen - strlen(EMU_DESCRIBE_TOKEN));
	free(raw);
	off = strtoul(text, &end, 10);
	if (*end != '\0' || off > emu.registry->ntargets) {
		free(text);
		emu_reply_error(r, "InvalidNextToken", 400, "The specified "
		    "token is not valid.");
		return (-1);
	}
	free(text);
	*start = off;
	return (0);
}

void
emu_ssm_describe_instance_information(struct emu_req *r)
{
	const cJSON	*filters;
	cJSON		*obj, *list;
	size_t		 i, start;
	int		 max, n = 0;
	char		 next[64], *token;

	filters = cJSON_GetObjectItemCaseSensitive(r->json, "Filters");
	if (emu_describe_check(r, filters) != 0 ||
	    emu_describe_paging(r, &max, &start) != 0)
		return;
	obj = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(obj, "InstanceInformationList");
	for (i = start; i < emu.registry->ntargets; i++) {
		if (!emu_describe_matches(&emu.registry->targets[i], filters))
			continue;
		if (n == max) {
			snprintf(next, sizeof next, "%s%zu", EMU_DESCRIBE_TOKEN,
			    i);
			token = util_base64_encode(next, strlen(next));
			cJSON_AddStringToObject(obj, "NextToken", token);
			free(token);
			break;
		}
		cJSON_AddItemToArray(list,
		    emu_describe_item(&emu.registry->targets[i]));
		n++;
	}
	emu_reply_json(r, 200, obj);
}

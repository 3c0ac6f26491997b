/*
 * gatewayctl policy [--json] [--account ID] [NAME...]: the least-privilege
 * IAM policy of the running config (policy.c makes it, in the daemon).
 * The document goes to stdout, ready for aws iam create-policy; the notes,
 * which say what IAM cannot express, to stderr.
 */

#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "policy.h"

int
ctl_policy_args(cJSON *req, int argc, char **argv, int *json)
{
	cJSON	*names = NULL;
	int	 i;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			*json = 1;
		else if (strcmp(argv[i], "--account") == 0 && i + 1 < argc)
			cJSON_AddStringToObject(req, "account", argv[++i]);
		else if (argv[i][0] == '-')
			return (-1);
		else {
			if (names == NULL)
				names = cJSON_AddArrayToObject(req, "names");
			cJSON_AddItemToArray(names,
			    cJSON_CreateString(argv[i]));
		}
	}
	return (0);
}

void
ctl_policy_print(const cJSON *reply)
{
	const cJSON	*note;
	char		*text;

	if ((text = cJSON_Print(cJSON_GetObjectItem(reply, "policy"))) ==
	    NULL)
		return;
	printf("%s\n", text);
	fflush(stdout);
	free(text);
	cJSON_ArrayForEach(note, cJSON_GetObjectItem(reply, "notes")) {
		if (cJSON_IsString(note))
			fprintf(stderr, "note: %s\n", note->valuestring);
	}
}

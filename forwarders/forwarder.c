/*
 * The forwarder registry: every kind of tunnel this build knows, looked up
 * by the name a [forward] section gives. The config module accepts a fixed
 * list of names; gateway.c asks here whether this build can serve one.
 */

#include "autoconf.h"

#include <string.h>

#include "forwarder.h"

static const struct forwarder *forwarder_table[] = {
	&fwd_tcp,
	&fwd_ssm,
};
#define FORWARDER_COUNT \
	(sizeof forwarder_table / sizeof forwarder_table[0])

/* Look a forwarder up by name. */
const struct forwarder *
forwarder_find(const char *name)
{
	size_t	i;

	if (name == NULL)
		return (NULL);
	for (i = 0; i < FORWARDER_COUNT; i++) {
		if (strcmp(forwarder_table[i]->name, name) == 0)
			return (forwarder_table[i]);
	}
	return (NULL);
}

/* The names of every forwarder, comma-separated, for error messages. */
const char *
forwarder_names(void)
{
	static char	names[256];
	size_t		i;

	if (names[0] != '\0')
		return (names);
	for (i = 0; i < FORWARDER_COUNT; i++) {
		if (i != 0)
			strlcat(names, ", ", sizeof names);
		strlcat(names, forwarder_table[i]->name, sizeof names);
	}
	return (names);
}

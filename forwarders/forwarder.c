/*
 * The forwarder registry: every kind of tunnel this build knows, looked up
 * by the name a [forward] section gives. The config module takes the names
 * from here and asks here about the keys a forwarder checks itself;
 * gateway.c asks here whether this build can serve a forward.
 */

#include "autoconf.h"

#include <stddef.h>
#include <string.h>

#include "config.h"
#include "forwarder.h"

static const struct forwarder *forwarder_table[] = {
	&fwd_tcp,
	&fwd_ssm,
	&fwd_socks,
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

const char *
forwarder_name(size_t i)
{
	if (i >= FORWARDER_COUNT)
		return (NULL);
	return (forwarder_table[i]->name);
}

/* The row of forwarder's own key, or NULL. */
static const struct forwarder_key *
forwarder_key_find(const char *forwarder, const char *key)
{
	const struct forwarder		*fwd = forwarder_find(forwarder);
	const struct forwarder_key	*k;

	if (fwd == NULL || fwd->keys == NULL)
		return (NULL);
	for (k = fwd->keys; k->name != NULL; k++) {
		if (strcmp(k->name, key) == 0)
			return (k);
	}
	return (NULL);
}

int
forwarder_has_target(const char *forwarder)
{
	const struct forwarder	*fwd = forwarder_find(forwarder);

	return (fwd == NULL || !fwd->no_target);
}

const char *
forwarder_key_default(const char *forwarder, const char *key)
{
	const struct forwarder_key	*k;

	if ((k = forwarder_key_find(forwarder, key)) == NULL)
		return (NULL);
	return (k->def);
}

int
forwarder_key_check(const char *forwarder, const char *key,
    const char *value, char **cause)
{
	const struct forwarder_key	*k;

	if ((k = forwarder_key_find(forwarder, key)) == NULL ||
	    k->check == NULL)
		return (0);
	return (k->check(value, cause));
}

/*
 * libFuzzer harness for awsemu's world loader: any bytes either parse
 * into a world or give one error; nothing else may happen.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "emu.h"
#include "fuzz.h"

struct emu	emu;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct emu_registry	*reg;
	char			*cause = NULL;

	reg = emu_registry_parse((const char *)data, len, "fuzz", &cause);
	if ((reg == NULL) == (cause == NULL))
		abort();
	emu_registry_free(reg);
	free(cause);
	return (0);
}

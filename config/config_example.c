/*
 * Print the example gatewayd.conf from the key table; make update-example
 * writes contrib/gatewayd.conf.example with it.
 */

#include <stdio.h>

#include "config.h"

int	main(void);

int
main(void)
{
	config_print_example(stdout);
	return (fflush(stdout) == 0 ? 0 : 1);
}

/*
 * Plain replay driver for fuzz harnesses built without libFuzzer: run
 * LLVMFuzzerTestOneInput once on each file named on the command line (or
 * each file in a named directory). make check uses it to replay the saved
 * corpora, so a harness and its corpus never rot.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int	main(int, char **);

static int
driver_run_file(const char *path)
{
	FILE	*f;
	uint8_t	*buf;
	long	 len;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return (-1);
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (buf == NULL || (len > 0 && fread(buf, 1, len, f) != (size_t)len)) {
		fprintf(stderr, "%s: short read\n", path);
		fclose(f);
		free(buf);
		return (-1);
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return (0);
}

static int
driver_run_path(const char *path, unsigned *n)
{
	struct stat	 sb;
	struct dirent	*de;
	DIR		*d;
	char		 sub[4096];
	int		 rv = 0;

	if (stat(path, &sb) == -1) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(sb.st_mode)) {
		(*n)++;
		return (driver_run_file(path));
	}
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
		if (driver_run_path(sub, n) != 0)
			rv = -1;
	}
	closedir(d);
	return (rv);
}

int
main(int argc, char **argv)
{
	unsigned	n = 0;
	int		i, rv = 0;

	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			continue;	/* libFuzzer flags: ignored here */
		if (driver_run_path(argv[i], &n) != 0)
			rv = 1;
	}
	printf("%s: replayed %u inputs\n", argv[0], n);
	if (n == 0) {
		fprintf(stderr, "%s: no inputs\n", argv[0]);
		return (1);
	}
	return (rv);
}

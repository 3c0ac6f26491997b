/*
 * A config's file and its life after loading: reading gatewayd.conf
 * (bounded, a regular file), clearing errors, freeing a config or one
 * forward, and comparing two forwards for a reload. config.c parses.
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmalloc.h"
#include "config_int.h"

/* Read all of path (a regular file of at most CONFIG_MAX_FILE bytes). */
static char *
config_read(const char *path, size_t *lenp, char **cause)
{
	struct stat	 sb;
	char		*buf;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1) {
		xasprintf(cause, "cannot open: %s", strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &sb) == -1 || (!S_ISREG(sb.st_mode) &&
	    !S_ISDIR(sb.st_mode))) {
		*cause = xstrdup("not a regular file");
		close(fd);
		return (NULL);
	}
	buf = xmalloc(CONFIG_MAX_FILE + 1);
	while (len <= CONFIG_MAX_FILE) {
		n = read(fd, buf + len, CONFIG_MAX_FILE + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			xasprintf(cause, "cannot read: %s", strerror(errno));
			free(buf);
			close(fd);
			return (NULL);
		}
		if (n == 0)
			break;
		len += n;
	}
	close(fd);
	*lenp = len;
	return (buf);
}

struct gw_config *
config_load(const char *path, struct config_errors *errs)
{
	struct gw_config	*conf;
	char			*buf, *cause;
	size_t			 len;

	if ((buf = config_read(path, &len, &cause)) == NULL) {
		config_fail(errs, "%s: %s", path, cause);
		free(cause);
		return (NULL);
	}
	conf = config_load_buffer(path, buf, len, errs);
	free(buf);
	return (conf);
}

void
config_errors_clear(struct config_errors *errs)
{
	size_t	i;

	for (i = 0; i < errs->n; i++)
		free(errs->v[i]);
	free(errs->v);
	errs->v = NULL;
	errs->n = 0;
}

/* Free every value of o's section at base. */
static void
config_free_values(enum config_section section, void *base)
{
	size_t	i;

	for (i = 0; i < config_ntable; i++) {
		if (config_table[i].section == section)
			config_value_free(&config_table[i], base);
	}
}

void
config_fwd_free(struct fwd_config *fc)
{
	if (fc == NULL)
		return;
	config_free_values(CONFIG_FORWARD, fc);
	free(fc->name);
	free(fc->file);
	free(fc);
}

void
config_free(struct gw_config *conf)
{
	struct fwd_config	*fc;

	if (conf == NULL)
		return;
	while ((fc = TAILQ_FIRST(&conf->forwards)) != NULL) {
		TAILQ_REMOVE(&conf->forwards, fc, entry);
		config_fwd_free(fc);
	}
	config_free_values(CONFIG_GATEWAY, conf);
	free(conf->file);
	free(conf);
}

int
config_fwd_equal(const struct fwd_config *a, const struct fwd_config *b)
{
	size_t	i;

	for (i = 0; i < config_ntable; i++) {
		if (config_table[i].section == CONFIG_FORWARD &&
		    !config_value_equal(&config_table[i], a, b))
			return (0);
	}
	return (1);
}

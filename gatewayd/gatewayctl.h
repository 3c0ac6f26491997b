/*
 * gatewayctl.h: what gatewayctl.c (the protocol, the commands) shares
 * with gatewayctl_print.c (the tables people read, and the exit statuses
 * that scripts read from the same replies).
 */
#ifndef GATEWAYCTL_H
#define GATEWAYCTL_H

struct cJSON;

/*
 * Exit statuses of status and whoami (man/gatewayctl.8): all is well;
 * the daemon answered, but a forward is not up or a profile's
 * credentials fail; the daemon could not be asked or refused the request.
 */
#define CTL_EXIT_OK		0
#define CTL_EXIT_NOT_UP		1
#define CTL_EXIT_ERROR		2

/* A member of o as a string ("-" if not one) or a number (0). */
const char	*ctl_str(const struct cJSON *o, const char *key);
double		 ctl_num(const struct cJSON *o, const char *key);

/* Print a reply as tables, or an event as one line. */
void	 ctl_print_status(const struct cJSON *reply);
void	 ctl_print_whoami(const struct cJSON *reply);
void	 ctl_print_event(const struct cJSON *ev);

/*
 * The exit status a reply means: status, CTL_EXIT_NOT_UP if a forward
 * (not one retired by a reload) is in any state but "up"; whoami, if any
 * identity carries an error.
 */
int	 ctl_status_exit(const struct cJSON *reply);
int	 ctl_whoami_exit(const struct cJSON *reply);

/*
 * gatewayctl_login.c: login's arguments ([--profile P]) and the
 * credentials they resolve to into req (exits 1 if none resolve; -1: a
 * usage error); the lines login and logout print.
 */
int	 ctl_login_args(struct cJSON *req, int argc, char **argv);
void	 ctl_login_print(const struct cJSON *reply);
void	 ctl_logout_print(const struct cJSON *reply);

#endif /* GATEWAYCTL_H */

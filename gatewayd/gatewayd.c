/*
 * gatewayd: main(). Options, config load (or -L specs), logging, the
 * control socket, signals, systemd readiness, and the event loop.
 *
 * gatewayd [-dhnV] [-f file] [-L [bind:]port:target:remote_port ...]
 */

#include "autoconf.h"

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "audit.h"
#include "aws_daemon.h"
#include "config.h"
#include "connect.h"
#include "control.h"
#include "gateway.h"
#include "gatewayd.h"
#include "identity.h"
#include "log.h"
#include "metrics.h"
#include "policy.h"
#include "privdrop.h"
#include "sdnotify.h"
#include "stdio_conn.h"
#include "xmalloc.h"

int		 main(int, char **);

static const char	*gatewayd_file;	/* NULL in one-shot mode */
static const char	*gatewayd_region;	/* --region, for -L */
static const char	*gatewayd_profile;	/* --profile, for -L */
static const char	*gatewayd_dest;		/* -W */
static int		 gatewayd_debug;
static char		*gatewayd_control;	/* the path in use */

static void
usage(FILE *f)
{
	char	*user = control_user_path();

	fprintf(f,
"usage: gatewayd [-dhnV] [-f file]\n"
"       gatewayd [-dn] [--profile name] [--region region]\n"
"                -L [bind:]port:target:remote_port ...\n"
"       gatewayd [-d] [--profile name] [--region region] -W target:port\n"
"  -d             log debug messages\n"
"  -f file        config file (default %s)\n"
"  -h, --help     print this help and exit\n"
"  -L spec        forward a local port without a config file (repeatable);\n"
"                 the control socket is then %s\n"
"  -n             check the config, print it with every default, and exit\n"
"  -W dest        standard input and output become one connection to\n"
"                 dest (target:port, target:host:port), as ssh -W: for a\n"
"                 ProxyCommand with no daemon; exits 0 once it was reached\n"
"  --profile name AWS profile of the -L forwards or -W\n"
"  --region name  AWS region of the -L forwards or -W\n"
"  -V, --version  print the version and exit\n",
	    CONFIG_DEFAULT_PATH, user);
	free(user);
}

/* Ready (again): tell the service manager, with a status line. */
static void
gatewayd_notify_ready(void)
{
	struct forward	*fw;
	unsigned	 n = 0, up = 0;

	TAILQ_FOREACH(fw, &gw_forwards, entry) {
		if (fw->state == FORWARD_RETIRED)
			continue;
		n++;
		up += fw->state == FORWARD_UP;
	}
	sdnotify_sendf("READY=1\nSTATUS=%u of %u forward%s up", up, n,
	    n == 1 ? "" : "s");
}

/* Print each error, then "FILE: N errors"; for -n and a failed start. */
static void
gatewayd_print_errors(const char *file, struct config_errors *errs)
{
	size_t	i;

	for (i = 0; i < errs->n; i++)
		fprintf(stderr, "%s\n", errs->v[i]);
	fprintf(stderr, "%s: %zu error%s\n", file, errs->n,
	    errs->n == 1 ? "" : "s");
}

/*
 * Load the config (file or -L specs) and check its forwarders. Return it,
 * or NULL with the errors in errs.
 */
static struct gw_config *
gatewayd_load(char **specs, int nspecs, struct config_errors *errs)
{
	struct gw_config	*conf;
	char			*cause;

	if (nspecs != 0 || gatewayd_dest != NULL) {
		if ((conf = config_from_options(specs, nspecs,
		    gatewayd_region, gatewayd_profile, &cause)) == NULL) {
			errs->v = xreallocarray(errs->v, errs->n + 1,
			    sizeof *errs->v);
			errs->v[errs->n++] = cause;
			return (NULL);
		}
		/*
		 * No file names a control socket: -L uses this user's; -W
		 * none (one ssh login each, and nothing to control).
		 */
		free(conf->control);
		conf->control = gatewayd_dest != NULL ? NULL :
		    control_user_path();
	} else if ((conf = config_load(gatewayd_file, errs)) == NULL) {
		if (errs->n == 0) {
			errs->v = xreallocarray(errs->v, 1, sizeof *errs->v);
			xasprintf(&errs->v[errs->n++], "%s: cannot be loaded",
			    gatewayd_file);
		}
		return (NULL);
	}
	if (gateway_check(conf, errs) != 0) {
		config_free(conf);
		return (NULL);
	}
	return (conf);
}

/*
 * Tell of the risky settings of conf (gateway_warnings): on stderr for
 * -n, else in the log.
 */
static void
gatewayd_warn(const struct gw_config *conf, int to_stderr)
{
	struct config_errors	warns = { NULL, 0 };
	size_t			i;

	gateway_warnings(conf, &warns);
	for (i = 0; i < warns.n; i++) {
		if (to_stderr)
			fprintf(stderr, "warning: %s\n", warns.v[i]);
		else
			log_warnx("%s", warns.v[i]);
	}
	config_errors_clear(&warns);
}

/* Apply the config's log settings; -d keeps debug whatever it says. */
static void
gatewayd_set_log(const struct gw_config *conf)
{
	log_set_level(gatewayd_debug ? LOG_LEVEL_DEBUG : conf->log_level);
	log_set_json(conf->log_json);
	log_set_target(conf->log_target, conf->log_facility);
}

/*
 * The control socket's group and mode, at start and at every reload, so
 * that an operators' group may use gatewayctl.
 */
static void
gatewayd_control_perms(const struct gw_config *conf)
{
	if (gatewayd_control == NULL)
		return;
	if (conf->control_group != (gid_t)-1 &&
	    chown(gatewayd_control, (uid_t)-1, conf->control_group) == -1)
		log_warn("control %s: control_group %u", gatewayd_control,
		    (unsigned)conf->control_group);
	if (chmod(gatewayd_control, conf->control_mode != 0 ?
	    conf->control_mode : 0600) == -1)
		log_warn("control %s: control_mode", gatewayd_control);
}

/* Listen on the control socket conf names (or the user one for -L). */
static void
gatewayd_set_control(const struct gw_config *conf, int must)
{
	char	*path, *cause;

	if (conf->control != NULL && *conf->control != '\0')
		path = xstrdup(conf->control);
	else
		path = NULL;
	if (path != NULL && gatewayd_control != NULL &&
	    strcmp(path, gatewayd_control) == 0) {
		free(path);
		gatewayd_control_perms(conf);
		return;
	}
	control_stop();
	free(gatewayd_control);
	gatewayd_control = NULL;
	if (path == NULL)
		return;
	if (control_start(path, conf->control_mode != 0 ?
	    conf->control_mode : 0600, &cause) == -1) {
		if (must)
			fatalx("%s", cause);
		log_warnx("%s; running without a control socket", cause);
		free(cause);
		free(path);
		return;
	}
	gatewayd_control = path;
	gatewayd_control_perms(conf);
}

/* Move the control socket after the reply to reload has gone out. */
static void
gatewayd_control_cb(evutil_socket_t fd, short events, void *arg)
{
	if (gw_conf != NULL)
		gatewayd_set_control(gw_conf, 0);
}

/*
 * Serve the metrics where conf says: at start a failure is fatal, at a
 * reload the endpoint stays where it was.
 */
static void
gatewayd_metrics(const struct gw_config *conf, int starting)
{
	char	*cause;

	if (metrics_configure(conf, &cause) == 0)
		return;
	if (starting)
		fatalx("metrics %s", cause);
	log_warnx("reload: metrics %s; still serving the old address",
	    cause);
	free(cause);
}

/*
 * Read the file again and apply it. On error return -1 with every error
 * logged and in errs (caller clears); the running config stays.
 */
static int
gatewayd_reload(struct config_errors *errs)
{
	struct gw_config	*conf;
	struct timeval		 tv = { 0, 0 };
	size_t			 i;

	if (gatewayd_file == NULL) {
		log_warnx("reload: no config file in one-shot mode");
		return (-1);
	}
	sdnotify_reloading();
	log_info("reload: reading %s", gatewayd_file);
	if ((conf = gatewayd_load(NULL, 0, errs)) == NULL) {
		for (i = 0; i < errs->n; i++)
			log_warnx("%s", errs->v[i]);
		log_warnx("reload: %s: %zu error%s, keeping the running "
		    "config", gatewayd_file, errs->n, errs->n == 1 ? "" : "s");
		gatewayd_notify_ready();
		return (-1);
	}
	aws_daemon_configure(conf);
	aws_daemon_reload();
	if (gateway_reload(conf) == -1) {
		gatewayd_notify_ready();
		return (-1);
	}
	gatewayd_metrics(gw_conf, 0);
	audit_configure(gw_conf);
	gatewayd_set_log(gw_conf);
	gatewayd_warn(gw_conf, 0);
	event_base_once(gw_base, -1, EV_TIMEOUT, gatewayd_control_cb, NULL,
	    &tv);
	gatewayd_notify_ready();
	return (0);
}

/* The control socket's reload command. */
static void
gatewayd_cmd_reload(struct control_req *req, const cJSON *json)
{
	struct config_errors	 errs = { NULL, 0 };
	cJSON			*reply, *arr;
	size_t			 i;

	if (gatewayd_reload(&errs) == 0) {
		control_reply(req, cJSON_CreateObject());
		return;
	}
	reply = cJSON_CreateObject();
	cJSON_AddFalseToObject(reply, "ok");
	if (gatewayd_file == NULL)
		cJSON_AddStringToObject(reply, "error",
		    "no config file in one-shot mode");
	else
		cJSON_AddStringToObject(reply, "error",
		    "config has errors, keeping the running config");
	arr = cJSON_AddArrayToObject(reply, "errors");
	for (i = 0; i < errs.n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(errs.v[i]));
	config_errors_clear(&errs);
	control_reply(req, reply);
}

/* The rate limiter's summaries, also when nothing else is logged. */
static void
gatewayd_log_cb(evutil_socket_t fd, short events, void *arg)
{
	log_flush(0);
}

static void
gatewayd_done(void)
{
	log_flush(1);
	log_info("shutdown: done");
	event_base_loopexit(gw_base, NULL);
}

static void
gatewayd_signal_cb(evutil_socket_t sig, short events, void *arg)
{
	struct config_errors	errs = { NULL, 0 };

	/* ssh ends its ProxyCommand with SIGHUP: for -W, an end, quietly. */
	if (sig == SIGHUP && gatewayd_dest != NULL)
		sig = SIGTERM;
	switch (sig) {
	case SIGHUP:
		gatewayd_reload(&errs);
		config_errors_clear(&errs);
		break;
	case SIGUSR1:
		audit_reopen();
		break;
	case SIGTERM:
	case SIGINT:
		log_info("shutdown: %s", strsignal(sig));
		sdnotify_send("STOPPING=1\nSTATUS=draining");
		gateway_shutdown(gatewayd_done);
		break;
	}
}

/* Many forwards each with many clients: use every descriptor allowed. */
static void
gatewayd_raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit");
	}
}

/* -n: print the effective config, or every error. */
static int
gatewayd_check(char **specs, int nspecs)
{
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*conf;

	if ((conf = gatewayd_load(specs, nspecs, &errs)) == NULL) {
		gatewayd_print_errors(nspecs != 0 ? "-L" : gatewayd_file,
		    &errs);
		config_errors_clear(&errs);
		return (1);
	}
	config_print(stdout, conf);
	gatewayd_warn(conf, 1);
	config_free(conf);
	return (0);
}

/*
 * Started as root with user = set: give root up, now that the sockets are
 * bound. At reload user and group stay as they were at start.
 */
static void
gatewayd_drop(const struct gw_config *conf)
{
	char	*cause, *dir, *slash;
	int	 rv;

	if (conf->user == (uid_t)-1)
		return;
	if ((rv = privdrop(conf->user, conf->group, &cause)) == -1) {
		control_stop();
		fatalx("cannot run as uid %u: %s", (unsigned)conf->user, cause);
	}
	if (rv == 0) {
		if (geteuid() != conf->user)
			log_info("user: not started as root, running as uid %u",
			    (unsigned)geteuid());
		return;
	}
	log_info("running as uid %u gid %u, keeping CAP_NET_BIND_SERVICE",
	    (unsigned)getuid(), (unsigned)getgid());
	if (gatewayd_control == NULL)
		return;
	dir = xstrdup(gatewayd_control);
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	if (access(dir, W_OK) == -1)
		log_warnx("control %s: its directory is not writable by uid "
		    "%u, so the socket stays behind at exit", gatewayd_control,
		    (unsigned)getuid());
	free(dir);
}

/* Run the loop with conf until a signal ends it. */
static int
gatewayd_run(struct gw_config *conf)
{
	struct event	*sig[4], *log_ev;
	struct timeval	 second = { 1, 0 };
	int		 signals[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1 };
	char		*cause, failures[32] = "";
	size_t		 i;
	int		 failed;

	signal(SIGPIPE, SIG_IGN);
	gatewayd_raise_nofile();
	/*
	 * Tunnels move bytes in bursts through buffers that come and go;
	 * glibc would hand that memory back to the kernel after every burst
	 * and fault it in again (several times the CPU for TLS sends).
	 */
	mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);
	mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	if ((gw_base = event_base_new()) == NULL)
		fatalx("cannot make an event base");
	sdnotify_start(gw_base);
	if (geteuid() == 0)
		control_set_dir_owner(conf->user);
	control_register("reload", gatewayd_cmd_reload);
	connect_init();
	policy_init();
	identity_init();
	aws_daemon_configure(conf);
	gatewayd_metrics(conf, 1);
	metrics_register_counter("gatewayd_audit_records_written",
	    "audit records the sink took", audit_written);
	metrics_register_counter("gatewayd_audit_records_dropped",
	    "audit records dropped: the sink was not taking them and the "
	    "queue (audit_queue) was full", audit_dropped);
	audit_configure(conf);
	gatewayd_set_control(conf, gatewayd_file != NULL);
	/* A failed forward has said why; once is enough. */
	if ((failed = gateway_start(conf, &cause)) == -1) {
		free(cause);
		control_stop();
		fatalx("gatewayd: not started: a forward failed "
		    "(exit_on_forward_failure)");
	}
	if (failed > 0)
		free(cause);
	if (gatewayd_dest != NULL &&
	    stdio_start(gatewayd_dest, gatewayd_done, &cause) == -1) {
		log_warnx("-W %s: %s", gatewayd_dest, cause);
		free(cause);
		identity_stop();
		metrics_stop();
		gateway_free();
		event_base_free(gw_base);
		return (1);
	}
	for (i = 0; i < sizeof signals / sizeof signals[0]; i++) {
		sig[i] = evsignal_new(gw_base, signals[i], gatewayd_signal_cb,
		    NULL);
		if (sig[i] == NULL || evsignal_add(sig[i], NULL) == -1)
			fatalx("cannot handle signal %d", signals[i]);
	}
	if (failed > 0)
		snprintf(failures, sizeof failures, " (%d failed, retrying)",
		    failed);
	log_info("gatewayd %s: started with %u forward%s%s%s%s",
	    GATEWAYD_VERSION, conf->nforwards, conf->nforwards == 1 ? "" : "s",
	    failures,
	    gatewayd_control != NULL ? ", control " : "",
	    gatewayd_control != NULL ? gatewayd_control : "");
	gatewayd_drop(conf);
	gatewayd_notify_ready();
	log_ev = event_new(gw_base, -1, EV_PERSIST, gatewayd_log_cb, NULL);
	if (log_ev == NULL || event_add(log_ev, &second) == -1)
		fatalx("cannot make the log timer");

	event_base_dispatch(gw_base);

	/*
	 * Events followers hear of what ends with us (conns still open,
	 * sessions) before the control socket goes: it takes nothing new
	 * meanwhile, and what is queued for them is written, within a bound.
	 */
	control_quiesce();
	sdnotify_stop();
	gateway_free();
	connect_stop();
	/* Let the frees that gateway_free scheduled run. */
	event_base_loop(gw_base, EVLOOP_NONBLOCK);
	audit_stop();
	control_flush();
	control_stop();
	/* The lent credentials are wiped before the client that used them. */
	identity_stop();
	aws_daemon_stop();
	/* Last: the loop above may still count (an ack, a call's end). */
	metrics_stop();
	for (i = 0; i < sizeof signals / sizeof signals[0]; i++)
		event_free(sig[i]);
	event_free(log_ev);
	log_flush(1);
	gateway_free_dns();
	event_base_free(gw_base);
	free(gatewayd_control);
	if (gatewayd_dest != NULL) {
		stdio_restore();
		return (stdio_status());
	}
	return (0);
}

int
main(int argc, char **argv)
{
	struct config_errors	 errs = { NULL, 0 };
	struct gw_config	*conf;
	static const struct option longopts[] = {
		{ "help",	no_argument,	NULL,	'h' },
		{ "version",	no_argument,	NULL,	'V' },
		{ "profile",	required_argument, NULL, 'P' },
		{ "region",	required_argument, NULL, 'R' },
		{ NULL,		0,		NULL,	0 }
	};
	char			**specs;
	int			 ch, fflag = 0, nflag = 0, nspecs = 0;

	specs = xcalloc(argc, sizeof *specs);
	gatewayd_file = CONFIG_DEFAULT_PATH;
	while ((ch = getopt_long(argc, argv, "df:hL:nVW:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			gatewayd_debug = 1;
			break;
		case 'f':
			gatewayd_file = optarg;
			fflag = 1;
			break;
		case 'h':
			usage(stdout);
			free(specs);
			return (0);
		case 'L':
			specs[nspecs++] = optarg;
			break;
		case 'n':
			nflag = 1;
			break;
		case 'P':
			gatewayd_profile = optarg;
			break;
		case 'R':
			gatewayd_region = optarg;
			break;
		case 'V':
			printf("gatewayd %s\n", GATEWAYD_VERSION);
			free(specs);
			return (0);
		case 'W':
			gatewayd_dest = optarg;
			break;
		default:
			usage(stderr);
			free(specs);
			return (1);
		}
	}
	if (optind != argc) {
		usage(stderr);
		free(specs);
		return (1);
	}
	if (gatewayd_dest != NULL && (fflag || nspecs != 0 || nflag)) {
		fprintf(stderr, "gatewayd: -W is one connection on its own: "
		    "no -f, -L or -n with it\n");
		free(specs);
		return (1);
	}
	/* Either a file's forwards or -L's: never one silently dropped. */
	if ((fflag && nspecs != 0) || (nspecs == 0 && gatewayd_dest == NULL &&
	    (gatewayd_region != NULL || gatewayd_profile != NULL))) {
		fprintf(stderr, "gatewayd: %s\n", nspecs != 0 ?
		    "-f and -L do not mix: a config file's forwards, or -L's" :
		    "--region and --profile are for -L; a config file sets "
		    "them in [gateway] or [forward]");
		free(specs);
		return (1);
	}
	if (nspecs != 0 || gatewayd_dest != NULL)
		gatewayd_file = NULL;
	log_init("gatewayd", gatewayd_debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
	if (nflag) {
		ch = gatewayd_check(specs, nspecs);
		free(specs);
		return (ch);
	}
	if ((conf = gatewayd_load(specs, nspecs, &errs)) == NULL) {
		gatewayd_print_errors(nspecs != 0 ? "-L" : gatewayd_file,
		    &errs);
		config_errors_clear(&errs);
		free(specs);
		return (1);
	}
	free(specs);
	gatewayd_set_log(conf);
	/* -W's stderr is the ssh user's terminal: problems only. */
	if (gatewayd_dest != NULL && !gatewayd_debug)
		log_set_level(LOG_LEVEL_WARN);
	gatewayd_warn(conf, 0);
	return (gatewayd_run(conf));
}

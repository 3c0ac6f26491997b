/*
 * awsemu: main(). Read the options, the world and the knobs, open the
 * listeners (API over HTTP and HTTPS, data channel over ws and wss, where
 * emu_dc.c plays the gateway and the agent), write
 * the chosen ports to the port file, run the loop until SIGINT or SIGTERM.
 */

#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/ssl.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "log.h"
#include "xmalloc.h"

struct emu	emu;

struct emu_options {
	int		 http_port, https_port, ws_port, wss_port;
	const char	*cert, *key, *port_file, *world, *knob_file;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: awsemu [-v] [-a address] [--port-file file] "
	    "[--world file]\n"
	    "              [--knobs file] [--knob name=value]... "
	    "[--tls-cert file --tls-key file]\n"
	    "              [--http-port n] [--https-port n] [--ws-port n] "
	    "[--wss-port n]\n"
	    "ports: 0 picks a free one, -1 turns the listener off\n"
	    "knobs:\n");
	emu_knobs_usage();
	exit(1);
}

static int
emu_port_arg(const char *arg)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || *end != '\0' || v < -1 || v > 65535)
		fatalx("port %s: not -1 to 65535", arg);
	return ((int)v);
}

static SSL_CTX *
emu_tls_context(const char *cert, const char *key)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		fatalx("tls: cannot make a context");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		fatalx("tls: %s: cannot load the certificate", cert);
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		fatalx("tls: %s: cannot load the key", key);
	if (SSL_CTX_check_private_key(ctx) != 1)
		fatalx("tls: %s does not match %s", key, cert);
	return (ctx);
}

/* Write the ports as JSON, atomically, so tests never read half a file. */
static void
emu_write_port_file(const char *path)
{
	cJSON	*obj = cJSON_CreateObject();
	char	*text, *tmp;
	FILE	*f;

	cJSON_AddStringToObject(obj, "address", emu.address);
	cJSON_AddNumberToObject(obj, "http", emu_http_port(0));
	cJSON_AddNumberToObject(obj, "https", emu_http_port(1));
	cJSON_AddNumberToObject(obj, "ws", emu_ws_port(0));
	cJSON_AddNumberToObject(obj, "wss", emu_ws_port(1));
	cJSON_AddNumberToObject(obj, "pid", getpid());
	text = cJSON_Print(obj);
	xasprintf(&tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		fatal("%s", tmp);
	if (fprintf(f, "%s\n", text) < 0 || fclose(f) != 0)
		fatal("%s", tmp);
	if (rename(tmp, path) != 0)
		fatal("%s", path);
	free(tmp);
	cJSON_free(text);
	cJSON_Delete(obj);
}

static void
emu_signal_cb(evutil_socket_t sig, short events, void *arg)
{
	log_info("awsemu: signal %d, exiting", (int)sig);
	event_base_loopexit(emu.base, NULL);
}

static void
emu_parse_options(int argc, char **argv, struct emu_options *o)
{
	static const struct option longopts[] = {
		{ "address", required_argument, NULL, 'a' },
		{ "http-port", required_argument, NULL, 'P' },
		{ "https-port", required_argument, NULL, 'S' },
		{ "ws-port", required_argument, NULL, 'W' },
		{ "wss-port", required_argument, NULL, 'X' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "world", required_argument, NULL, 'w' },
		{ "knobs", required_argument, NULL, 'K' },
		{ "knob", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	char	*cause;
	int	 ch;

	while ((ch = getopt_long(argc, argv, "a:hv", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': emu.address = optarg; break;
		case 'P': o->http_port = emu_port_arg(optarg); break;
		case 'S': o->https_port = emu_port_arg(optarg); break;
		case 'W': o->ws_port = emu_port_arg(optarg); break;
		case 'X': o->wss_port = emu_port_arg(optarg); break;
		case 'c': o->cert = optarg; break;
		case 'k': o->key = optarg; break;
		case 'p': o->port_file = optarg; break;
		case 'w': o->world = optarg; break;
		case 'K': o->knob_file = optarg; break;
		case 'n':
			if (emu_knobs_set_arg(&emu.knobs, optarg, &cause) != 0)
				fatalx("%s", cause);
			break;
		case 'v': emu.verbose++; break;
		default: usage();
		}
	}
	if (optind != argc || (o->cert == NULL) != (o->key == NULL))
		usage();
}

static void
emu_listen(struct emu_options *o, SSL_CTX *ctx)
{
	char	*cause;

	if ((o->http_port != -1 && emu_http_listen(emu.base, emu.address,
	    o->http_port, NULL, &cause) != 0) ||
	    (ctx != NULL && o->https_port != -1 && emu_http_listen(emu.base,
	    emu.address, o->https_port, ctx, &cause) != 0) ||
	    (o->ws_port != -1 && emu_ws_listen(emu.base, emu.address,
	    o->ws_port, NULL, &cause) != 0) ||
	    (ctx != NULL && o->wss_port != -1 && emu_ws_listen(emu.base,
	    emu.address, o->wss_port, ctx, &cause) != 0))
		fatalx("%s", cause);
}

int
main(int argc, char **argv)
{
	struct emu_options	 o;
	struct event		*sigint, *sigterm;
	struct event_config	*cfg;
	SSL_CTX			*ctx = NULL;
	char			*cause;

	memset(&o, 0, sizeof o);
	emu.address = "127.0.0.1";
	emu_knobs_init(&emu.knobs);
	log_init("awsemu", LOG_LEVEL_INFO);
	emu_parse_options(argc, argv, &o);
	if (emu.verbose)
		log_set_level(LOG_LEVEL_DEBUG);
	if (o.knob_file != NULL &&
	    emu_knobs_load(&emu.knobs, o.knob_file, &cause) != 0)
		fatalx("%s", cause);
	if (o.world != NULL)
		emu.registry = emu_registry_load(o.world, &cause);
	else
		emu.registry = emu_registry_default();
	if (emu.registry == NULL)
		fatalx("%s", cause);
	emu_auth_init();
	emu_auth_load(emu.registry);
	signal(SIGPIPE, SIG_IGN);
	/* Precise timers: the agent's pacing is a millisecond rate. */
	if ((cfg = event_config_new()) == NULL)
		fatalx("cannot make an event config");
	event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	if ((emu.base = event_base_new_with_config(cfg)) == NULL)
		fatalx("cannot make an event base");
	event_config_free(cfg);
	emu_dc_init();
	if (o.cert != NULL)
		ctx = emu_tls_context(o.cert, o.key);
	emu_listen(&o, ctx);
	if (o.port_file != NULL)
		emu_write_port_file(o.port_file);
	sigint = evsignal_new(emu.base, SIGINT, emu_signal_cb, NULL);
	sigterm = evsignal_new(emu.base, SIGTERM, emu_signal_cb, NULL);
	evsignal_add(sigint, NULL);
	evsignal_add(sigterm, NULL);
	log_info("awsemu: ready, %zu targets, %zu keys", emu.registry->ntargets,
	    emu.registry->nkeys);
	event_base_dispatch(emu.base);

	event_free(sigint);
	event_free(sigterm);
	emu_session_free_all();
	emu_dc_free_all();
	emu_http_free();
	emu_ws_free();
	emu_vend_free();
	emu_auth_free();
	emu_counter_free_all();
	emu_calls_reset();
	emu_knobs_clear(&emu.knobs);
	emu_registry_free(emu.registry);
	if (ctx != NULL)
		SSL_CTX_free(ctx);
	event_base_free(emu.base);
	return (0);
}

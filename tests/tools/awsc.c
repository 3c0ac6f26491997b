/*
 * awsc: drive gatewayd's AWS client from a shell script, for the tests
 * against awsemu. Not installed.
 *
 *   awsc [-p profile] [-r region] [-e endpoint_url] [-R rate] [-B burst]
 *        whoami | describe KEY=VALUE | start N TARGET [DOCUMENT]
 *
 * whoami prints "account arn source" on one line; describe the instance
 * ids; start runs N StartSession calls at once and prints "ok K/N".
 * Errors go to stderr, one line each, and the exit status is 1.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "aws.h"
#include "aws_ssm.h"
#include "aws_sts.h"
#include "log.h"

#define AWSC_DEADLINE	120	/* seconds for everything */

static struct event_base	*awsc_base;
static int			 awsc_pending;
static int			 awsc_failed;
static int			 awsc_ok;

int	main(int, char **);

static void
awsc_done(void)
{
	if (--awsc_pending == 0)
		event_base_loopbreak(awsc_base);
}

static void
awsc_whoami_cb(const struct aws_sts_whoami *who, const char *error,
    void *arg)
{
	if (who == NULL) {
		fprintf(stderr, "%s\n", error);
		awsc_failed++;
	} else
		printf("%s %s %s\n", who->account, who->arn, who->source);
	awsc_done();
}

static void
awsc_describe_cb(const struct aws_ssm_instances *l, const char *error,
    const char *code, void *arg)
{
	size_t	i;

	if (l == NULL) {
		fprintf(stderr, "%s\n", error);
		awsc_failed++;
	} else {
		for (i = 0; i < l->n; i++)
			printf("%s\n", l->v[i].instance_id);
	}
	awsc_done();
}

/* A StartSession answer, read with gatewayd's codec, as chan.c does. */
static void
awsc_start_cb(const struct aws_response *resp, void *arg)
{
	struct aws_ssm_session	 s;
	char			*cause = NULL;

	if (!resp->ok) {
		fprintf(stderr, "%s\n", resp->error);
		awsc_failed++;
	} else if (aws_ssm_decode_session(resp->body, resp->body_len, 0, &s,
	    &cause) != 0) {
		fprintf(stderr, "StartSession: %s\n", cause);
		free(cause);
		awsc_failed++;
	} else {
		aws_ssm_session_clear(&s);
		awsc_ok++;
	}
	awsc_done();
}

static void
awsc_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	fprintf(stderr, "awsc: no answer within %ds\n", AWSC_DEADLINE);
	exit(1);
}

static void
awsc_usage(void)
{
	fprintf(stderr, "usage: awsc [-p profile] [-r region] [-e endpoint_url] "
	    "[-R rate] [-B burst] whoami | describe KEY=VALUE | start N "
	    "TARGET [DOCUMENT]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct aws_options	 o;
	struct aws_client	*client;
	struct aws_ctx		*ctx;
	struct aws_ssm_filter	 f;
	struct aws_ssm_start	 s;
	struct timeval		 tv = { AWSC_DEADLINE, 0 };
	struct event		*deadline;
	const char		*profile = NULL, *region = NULL, *url = NULL;
	const char		*value;
	char			*cause = NULL, *key, *eq;
	int			 ch, i, n;

	log_init("awsc", getenv("AWSC_DEBUG") != NULL ? LOG_LEVEL_DEBUG :
	    LOG_LEVEL_WARN);
	memset(&o, 0, sizeof o);
	while ((ch = getopt(argc, argv, "B:e:p:R:r:")) != -1) {
		switch (ch) {
		case 'B':
			o.api_burst = (unsigned)atoi(optarg);
			break;
		case 'e':
			url = optarg;
			break;
		case 'p':
			profile = optarg;
			break;
		case 'R':
			o.api_rate = (unsigned)atoi(optarg);
			break;
		case 'r':
			region = optarg;
			break;
		default:
			awsc_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		awsc_usage();
	awsc_base = event_base_new();
	if ((client = aws_client_new(awsc_base, &o, &cause)) == NULL ||
	    (ctx = aws_ctx_new(client, profile, region, url, &cause)) == NULL) {
		fprintf(stderr, "%s\n", cause);
		return (1);
	}
	deadline = evtimer_new(awsc_base, awsc_deadline_cb, NULL);
	evtimer_add(deadline, &tv);
	if (strcmp(argv[0], "whoami") == 0) {
		awsc_pending = 1;
		aws_sts_whoami(ctx, awsc_whoami_cb, NULL);
	} else if (strcmp(argv[0], "describe") == 0 && argc == 2 &&
	    (eq = strchr(argv[1], '=')) != NULL) {
		key = strndup(argv[1], eq - argv[1]);
		value = eq + 1;
		f.key = key;
		f.values = &value;
		f.nvalues = 1;
		awsc_pending = 1;
		aws_ssm_describe_instances(ctx, &f, 1, 5, awsc_describe_cb,
		    NULL);
		free(key);
	} else if (strcmp(argv[0], "start") == 0 && argc >= 3 &&
	    (n = atoi(argv[1])) > 0 && n <= 1000) {
		memset(&s, 0, sizeof s);
		s.target = argv[2];
		s.document = argc > 3 ? argv[3] :
		    "AWS-StartPortForwardingSession";
		awsc_pending = n;
		for (i = 0; i < n; i++)
			aws_call_json(ctx, "ssm", "AmazonSSM", "StartSession",
			    aws_ssm_encode_start_session(&s),
			    AWS_CALL_NOT_IDEMPOTENT, NULL, awsc_start_cb,
			    NULL);
	} else
		awsc_usage();
	event_base_dispatch(awsc_base);
	if (strcmp(argv[0], "start") == 0)
		printf("ok %d/%d\n", awsc_ok, atoi(argv[1]));
	aws_client_free(client);
	event_free(deadline);
	event_base_free(awsc_base);
	return (awsc_failed != 0);
}

/*
 * aws_ssm.h: Systems Manager (ssm-data-channel.md 2). The JSON bodies of
 * StartSession, ResumeSession and TerminateSession (the data channel,
 * chan_conn.c, makes those calls through its seam) and the answer of
 * GetConnectionStatus are a pure codec (aws_ssm_encode_* /
 * aws_ssm_decode_*); DescribeInstanceInformation (with paging) is a call
 * through the request layer (aws.h).
 */
#ifndef AWS_SSM_H
#define AWS_SSM_H

#include <stddef.h>

struct aws_call;
struct aws_ctx;

#define AWS_SSM_MAX_PAGES	100	/* DescribeInstanceInformation */

/* A document parameter: a list of strings. */
struct aws_ssm_param {
	const char	*key;
	const char	**values;
	size_t		 nvalues;
};

struct aws_ssm_start {
	const char			*target;	/* i-..., mi-..., ecs:... */
	const char			*document;	/* never omit */
	const struct aws_ssm_param	*params;
	size_t				 nparams;
	const char			*reason;	/* NULL: none */
};

struct aws_ssm_session {
	char	*session_id;
	char	*token_value;		/* secret: never log */
	char	*stream_url;		/* secret-ish: never log the query */
};

/* Filters: Key and Values ("tag:Role" = ["bastion"]). */
struct aws_ssm_filter {
	const char	*key;
	const char	**values;
	size_t		 nvalues;
};

struct aws_ssm_instance {
	char	*instance_id;
	char	*ping_status;		/* Online, ConnectionLost, Inactive */
	char	*agent_version;
	char	*platform_type;
	char	*platform_name;
	char	*resource_type;
	char	*ip_address;
	char	*computer_name;
	double	 last_ping;		/* epoch seconds */
};

struct aws_ssm_instances {
	struct aws_ssm_instance	*v;
	size_t			 n;
};

/* Codec. Encoders return an allocated JSON text. */
char	*aws_ssm_encode_start_session(const struct aws_ssm_start *);
char	*aws_ssm_encode_session_id(const char *session_id);
char	*aws_ssm_encode_describe(const struct aws_ssm_filter *, size_t,
	    unsigned max_results, const char *next_token);
/*
 * Decoders return 0, or -1 and *cause. A ResumeSession answer without a
 * TokenValue means the session cannot be resumed: *cause "session ended".
 */
int	 aws_ssm_decode_session(const char *, size_t, int resume,
	    struct aws_ssm_session *, char **cause);
int	 aws_ssm_decode_describe(const char *, size_t,
	    struct aws_ssm_instances *, char **next_token, char **cause);
int	 aws_ssm_decode_connection_status(const char *, size_t, int *connected,
	    char **cause);
void	 aws_ssm_session_clear(struct aws_ssm_session *);
void	 aws_ssm_instances_clear(struct aws_ssm_instances *);

/*
 * The callback gets the instances, or NULL and error
 * ("DescribeInstanceInformation: InvalidFilterKey: ...") with code (NULL
 * for transport and malformed answers).
 */
typedef void (*aws_ssm_describe_cb)(const struct aws_ssm_instances *,
	    const char *error, const char *code, void *arg);

/* Every page (at most AWS_SSM_MAX_PAGES), then one callback. */
struct aws_ssm_describe;
struct aws_ssm_describe *aws_ssm_describe_instances(struct aws_ctx *,
		    const struct aws_ssm_filter *, size_t, unsigned max_results,
		    aws_ssm_describe_cb, void *);
void		 aws_ssm_describe_cancel(struct aws_ssm_describe *);

#endif /* AWS_SSM_H */

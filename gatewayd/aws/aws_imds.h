/*
 * aws_imds.h: EC2 instance metadata (IMDSv2 with the v1 fallback rules of
 * aws-conventions.md 2.9) and the region from the identity document (3).
 * Never proxied; short timeouts so that startup off EC2 does not hang.
 */
#ifndef AWS_IMDS_H
#define AWS_IMDS_H

#include <stddef.h>

struct aws_http;
struct aws_profiles;
struct aws_imds_req;

#define AWS_IMDS_ENDPOINT_V4	"http://169.254.169.254"
#define AWS_IMDS_ENDPOINT_V6	"http://[fd00:ec2::254]"
#define AWS_IMDS_TIMEOUT	1000	/* ms */
#define AWS_IMDS_TOKEN_TTL	"21600"

struct aws_imds_config {
	int		 disabled;	/* AWS_EC2_METADATA_DISABLED */
	int		 v1_disabled;	/* no fallback to IMDSv1 */
	char		*endpoint;	/* no trailing slash */
	unsigned	 timeout;	/* ms */
	unsigned	 attempts;
};

/* Read the settings: environment first, then the profile. */
void	 aws_imds_config_load(struct aws_imds_config *,
	    const struct aws_profiles *, const char *profile);
void	 aws_imds_config_clear(struct aws_imds_config *);

/* body is NULL on failure, with error set ("no answer from ..."). */
typedef void (*aws_imds_cb)(const char *body, size_t len, const char *error,
	    void *arg);

/*
 * GET a metadata path ("/latest/meta-data/...") with a fresh token, or
 * without one where the fallback rules allow. Callback from the loop.
 */
struct aws_imds_req *aws_imds_get(struct aws_http *,
	    const struct aws_imds_config *, const char *path, aws_imds_cb,
	    void *arg);
void	 aws_imds_cancel(struct aws_imds_req *);

/*
 * The region: the identity document's "region", else the availability
 * zone less its last letter. The callback gets it in body (NUL-ended).
 */
struct aws_imds_req *aws_imds_region(struct aws_http *,
	    const struct aws_imds_config *, aws_imds_cb, void *arg);
/*
 * The region in an answer of instance metadata: the identity document's
 * "region" (az 0), or the availability zone less its last letter (az 1).
 * Caller frees; NULL if there is none. Not checked as a region name.
 */
char	*aws_imds_region_parse(const char *body, size_t len, int az);

#endif /* AWS_IMDS_H */

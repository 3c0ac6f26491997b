/*
 * The pure part of the data channel (ssm-data-channel.md §6): the RTT
 * estimator, the outgoing buffer and the incoming store as rings indexed
 * by sequence number, a pool of message buffers, acks built and read
 * without allocating, message ids, the reconnect back-off and the checks
 * on a StreamUrl. No I/O, no timers, no globals: chan.c drives them.
 */

#include <sys/types.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws_endpoints.h"
#include "log.h"
#include "ssm_chan_int.h"
#include "ws_http.h"
#include "xmalloc.h"

/*
 * RTT (§6.5).
 */

void
ssm_chan_rtt_init(struct ssm_chan_rtt *r)
{
	r->srtt = SSM_CHAN_SRTT0;
	r->rttvar = 0;
	r->rto = SSM_CHAN_RTO0;
}

void
ssm_chan_rtt_sample(struct ssm_chan_rtt *r, double sample)
{
	double	diff = r->srtt - sample, var;

	if (diff < 0)
		diff = -diff;
	r->rttvar = 0.75 * r->rttvar + 0.25 * diff;
	r->srtt = 0.875 * r->srtt + 0.125 * sample;
	var = 4 * r->rttvar;
	if (var < SSM_CHAN_CLOCK_G)
		var = SSM_CHAN_CLOCK_G;
	r->rto = r->srtt + var;
	if (r->rto > SSM_CHAN_RTO_MAX)
		r->rto = SSM_CHAN_RTO_MAX;
}

/*
 * Buffers.
 */

uint8_t *
ssm_chan_pool_get(struct ssm_chan_pool *p, size_t len)
{
	if (len > SSM_CHAN_BLOCK)
		return (xmalloc(len));
	if (p->n > 0)
		return (p->v[--p->n]);
	return (xmalloc(SSM_CHAN_BLOCK));
}

void
ssm_chan_pool_put(struct ssm_chan_pool *p, uint8_t *buf, size_t len)
{
	if (buf == NULL)
		return;
	if (len > SSM_CHAN_BLOCK || p->n >= p->max) {
		free(buf);
		return;
	}
	if (p->v == NULL)
		p->v = xreallocarray(NULL, p->max, sizeof *p->v);
	p->v[p->n++] = buf;
}

void
ssm_chan_pool_trim(struct ssm_chan_pool *p, size_t keep)
{
	while (p->n > keep)
		free(p->v[--p->n]);
	if (p->n == 0) {
		free(p->v);
		p->v = NULL;
	}
}

/* The smallest power of two at least n. */
static size_t
chan_pow2(size_t n)
{
	size_t	size = 16;

	while (size < n)
		size <<= 1;
	return (size);
}

/*
 * The outgoing buffer.
 */

void
ssm_chan_outq_init(struct ssm_chan_outq *q, size_t max_size)
{
	memset(q, 0, sizeof *q);
	q->max = chan_pow2(max_size);
	q->pool.max = q->max;
}

/*
 * The ring is full: twice the slots, entries moved to their new place.
 * Never past max: callers check ssm_chan_outq_space() before a push.
 */
static void
chan_outq_grow(struct ssm_chan_outq *q)
{
	struct ssm_chan_out	*v;
	size_t			 size;
	int64_t			 seq;

	size = q->size == 0 ? SSM_CHAN_OUTQ_MIN : 2 * q->size;
	if (size > q->max)
		size = q->max;
	if (size <= q->size)
		fatalx("%s: push into a full outgoing ring (%zu messages)",
		    __func__, q->max);
	v = xcalloc(size, sizeof *v);
	for (seq = q->head; seq < q->next; seq++)
		v[seq & (size - 1)] = q->v[seq & (q->size - 1)];
	free(q->v);
	q->v = v;
	q->size = size;
}

void
ssm_chan_outq_clear(struct ssm_chan_outq *q)
{
	size_t	i;

	for (i = 0; i < q->size; i++)
		ssm_chan_pool_put(&q->pool, q->v[i].msg, q->v[i].len);
	free(q->v);
	ssm_chan_pool_trim(&q->pool, 0);
	memset(q, 0, sizeof *q);
}

size_t
ssm_chan_outq_space(const struct ssm_chan_outq *q)
{
	return (q->max - (size_t)(q->next - q->head));
}

int64_t
ssm_chan_outq_push(struct ssm_chan_outq *q, uint8_t *msg, size_t len,
    int data)
{
	struct ssm_chan_out	*e;
	int64_t			 seq = q->next;

	if ((size_t)(q->next - q->head) >= q->size)
		chan_outq_grow(q);
	e = &q->v[seq & (q->size - 1)];
	memset(e, 0, sizeof *e);
	e->msg = msg;
	e->len = len;
	e->data = data;
	q->next++;
	q->count++;
	if (data)
		q->ndata++;
	return (seq);
}

struct ssm_chan_out *
ssm_chan_outq_get(struct ssm_chan_outq *q, int64_t seq)
{
	struct ssm_chan_out	*e;

	if (seq < q->head || seq >= q->next)
		return (NULL);
	e = &q->v[seq & (q->size - 1)];
	return (e->msg != NULL ? e : NULL);
}

int
ssm_chan_outq_ack(struct ssm_chan_outq *q, int64_t seq, uint64_t now,
    double *sample)
{
	struct ssm_chan_out	*e;

	if (seq >= q->unsent || (e = ssm_chan_outq_get(q, seq)) == NULL)
		return (0);
	*sample = -1;
	if (e->resends == 0)
		*sample = now > e->last_sent ? (double)(now - e->last_sent) : 0;
	ssm_chan_pool_put(&q->pool, e->msg, e->len);
	e->msg = NULL;
	q->count--;
	if (e->data)
		q->ndata--;
	while (q->head < q->next && q->v[q->head & (q->size - 1)].msg == NULL)
		q->head++;
	if (q->count == 0)
		ssm_chan_pool_trim(&q->pool, SSM_CHAN_POOL_IDLE);
	return (1);
}

struct ssm_chan_out *
ssm_chan_outq_oldest(struct ssm_chan_outq *q)
{
	struct ssm_chan_out	*e;

	if (q->head >= q->unsent)
		return (NULL);
	e = &q->v[q->head & (q->size - 1)];
	return (e->msg != NULL ? e : NULL);
}

/*
 * The incoming store.
 */

void
ssm_chan_inq_init(struct ssm_chan_inq *q, size_t max, size_t max_bytes)
{
	memset(q, 0, sizeof *q);
	q->max = max;
	q->max_bytes = max_bytes;
	q->size = chan_pow2(max + 1);
	q->pool.max = 256;
}

void
ssm_chan_inq_clear(struct ssm_chan_inq *q)
{
	size_t	i;

	if (q->v != NULL) {
		for (i = 0; i < q->size; i++)
			ssm_chan_pool_put(&q->pool, q->v[i].payload,
			    q->v[i].len);
	}
	free(q->v);
	ssm_chan_pool_trim(&q->pool, 0);
	memset(q, 0, sizeof *q);
}

int
ssm_chan_inq_put(struct ssm_chan_inq *q, const struct ssm_msg *m, int acked)
{
	struct ssm_chan_in	*e;

	if (m->seq < q->expected || m->seq - q->expected >= (int64_t)q->size)
		return (-1);
	if (q->v == NULL)
		q->v = xcalloc(q->size, sizeof *q->v);
	e = &q->v[m->seq & (q->size - 1)];
	if (e->used)
		return (0);
	/* The one at expected is always kept: it is what blocks the rest. */
	if (m->seq != q->expected && (q->count >= q->max ||
	    m->payload_len > q->max_bytes - q->bytes))
		return (-1);
	e->payload = ssm_chan_pool_get(&q->pool, m->payload_len);
	if (m->payload_len != 0)
		memcpy(e->payload, m->payload, m->payload_len);
	e->len = m->payload_len;
	e->payload_type = m->payload_type;
	memcpy(e->id, m->id, UUID_LEN);
	e->used = 1;
	e->acked = acked;
	q->count++;
	q->bytes += e->len;
	return (1);
}

struct ssm_chan_in *
ssm_chan_inq_get(struct ssm_chan_inq *q, int64_t seq)
{
	struct ssm_chan_in	*e;

	if (q->v == NULL || q->count == 0 || seq < q->expected ||
	    seq - q->expected >= (int64_t)q->size)
		return (NULL);
	e = &q->v[seq & (q->size - 1)];
	return (e->used ? e : NULL);
}

void
ssm_chan_inq_drop(struct ssm_chan_inq *q, int64_t seq)
{
	struct ssm_chan_in	*e;

	if ((e = ssm_chan_inq_get(q, seq)) == NULL)
		return;
	ssm_chan_pool_put(&q->pool, e->payload, e->len);
	q->bytes -= e->len;
	memset(e, 0, sizeof *e);
	q->count--;
	if (q->count == 0)
		ssm_chan_pool_trim(&q->pool, 16);
}

/*
 * Acks.
 */

static const char chan_ack_type[] = "{\"AcknowledgedMessageType\":\"";
static const char chan_ack_id[] = "\",\"AcknowledgedMessageId\":\"";
static const char chan_ack_seq[] =
    "\",\"AcknowledgedMessageSequenceNumber\":";
static const char chan_ack_end[] = ",\"IsSequentialMessage\":true}";

/* Append the literal s at *p. */
static uint8_t *
chan_put(uint8_t *p, const char *s, size_t len)
{
	memcpy(p, s, len);
	return (p + len);
}

size_t
ssm_chan_ack_build(int64_t seq, const uint8_t id[UUID_LEN],
    const uint8_t ack_id[UUID_LEN], uint64_t created_date,
    uint8_t out[SSM_CHAN_ACK_MAX])
{
	static const char	 type[] = "output_stream_data";
	struct ssm_msg		 ack;
	uint8_t			*start = out + SSM_MSG_HEADER_LEN, *p = start;
	uint8_t			 digest[SHA256_LEN];
	char			 num[24];
	int			 n;

	p = chan_put(p, chan_ack_type, sizeof chan_ack_type - 1);
	p = chan_put(p, type, sizeof type - 1);
	p = chan_put(p, chan_ack_id, sizeof chan_ack_id - 1);
	p = (uint8_t *)util_uuid_put((char *)p, id);
	p = chan_put(p, chan_ack_seq, sizeof chan_ack_seq - 1);
	n = snprintf(num, sizeof num, "%" PRId64, seq);
	p = chan_put(p, num, n);
	p = chan_put(p, chan_ack_end, sizeof chan_ack_end - 1);
	util_sha256(start, p - start, digest);
	ssm_msg_init(&ack, SSM_MSG_ACKNOWLEDGE, 0, SSM_PAYLOAD_NONE, ack_id,
	    created_date);
	ssm_msg_encode_header(&ack, digest, p - start, out);
	return (p - out);
}

int
ssm_chan_ack_seq(const uint8_t *payload, size_t len, int64_t *seq,
    char **cause)
{
	struct ssm_ack	ack;

	if (ssm_msg_ack_parse(payload, len, &ack, cause) != 0)
		return (-1);
	*seq = ack.seq;
	return (0);
}

/*
 * Reconnecting.
 */

uint64_t
ssm_chan_backoff(unsigned n)
{
	uint64_t	base = SSM_CHAN_BACKOFF0;

	while (n-- > 0 && base < SSM_CHAN_BACKOFF_MAX / 2)
		base <<= 1;
	if (base > SSM_CHAN_BACKOFF_MAX / 2)
		base = SSM_CHAN_BACKOFF_MAX / 2;
	return (util_random_range(base, 2 * base));
}

/*
 * 1 if a label (want, ignoring case, if not NULL) starts at p and a dot
 * follows it; *len is its length.
 */
static int
chan_host_label(const char *p, const char *want, size_t *len)
{
	const char	*dot = strchr(p, '.');

	if (dot == NULL || dot == p)
		return (0);
	*len = dot - p;
	if (want != NULL && (strlen(want) != *len ||
	    strncasecmp(p, want, *len) != 0))
		return (0);
	return (1);
}

/*
 * The data channel hosts of aws-conventions.md 4.2, in any partition
 * (4.1), plain or dual-stack:
 *	ssmmessages.<region>.<dns>
 *	ssmmessages-fips.<region>.<dns>
 *	vpce-<id>.ssmmessages.<region>.vpce.<dns> (PrivateLink)
 */
int
ssm_chan_host_ok(const char *host, int allow_loopback)
{
	const char	*p = host;
	char		 region[64];
	size_t		 len, end;
	int		 vpce = 0;

	if (allow_loopback && (strcmp(host, "127.0.0.1") == 0 ||
	    strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0))
		return (1);
	end = strlen(host);
	if (end > 0 && host[end - 1] == '.')	/* the absolute form */
		end--;
	if (strncasecmp(p, "vpce-", 5) == 0) {
		if (!chan_host_label(p, NULL, &len) || len == 5)
			return (0);
		p += len + 1;
		vpce = 1;
	}
	if (!chan_host_label(p, "ssmmessages", &len) &&
	    (vpce || !chan_host_label(p, "ssmmessages-fips", &len)))
		return (0);
	p += len + 1;
	if (!chan_host_label(p, NULL, &len) || len >= sizeof region)
		return (0);
	memcpy(region, p, len);
	region[len] = '\0';
	if (!aws_endpoint_region_is_valid(region))
		return (0);
	p += len + 1;
	if (vpce) {
		if (!chan_host_label(p, "vpce", &len))
			return (0);
		p += len + 1;
	}
	if ((size_t)(p - host) >= end)
		return (0);
	return (aws_endpoint_is_dns_suffix(p, end - (p - host)));
}

const char *
ssm_chan_closed_hint(const char *output)
{
	static const char	 denied[] = "Forwarding to IP address ";

	if (strncmp(output, denied, sizeof denied - 1) == 0 &&
	    strstr(output, " is forbidden") != NULL)
		return (" (the address is on the agent's deny list: the "
		    "instance metadata service, the VPC resolver, the ECS/EKS "
		    "credential endpoints and, with agents 3.3.4851.0 and "
		    "later, loopback cannot be reached through "
		    "AWS-StartPortForwardingSessionToRemoteHost; for a port "
		    "of the target itself, leave remote_host unset)");
	return ("");
}

int
ssm_chan_url_presigned(const char *url)
{
	static const char	*keys[] = { "X-Amz-Algorithm",
	    "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
	    "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token" };
	const char		*q = strchr(url, '?'), *p;
	size_t			 i, len;

	if (q == NULL)
		return (0);
	for (p = q + 1; *p != '\0'; p += strcspn(p, "&"), p += (*p == '&')) {
		for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
			len = strlen(keys[i]);
			if (strncasecmp(p, keys[i], len) == 0 &&
			    (p[len] == '=' || p[len] == '&' || p[len] == '\0'))
				return (1);
		}
	}
	return (0);
}

int
ssm_chan_sign_upgrade(const char *url, const char *region,
    const struct aws_creds *creds, time_t when, struct aws_sigv4_result *res,
    char **cause)
{
	struct aws_sigv4_request	 r;
	struct aws_header		 host;
	struct ws_url			 u;
	int				 rv;

	if (region == NULL) {
		xasprintf(cause, "no region to sign the upgrade with");
		return (-1);
	}
	if (ws_http_url_parse(url, 0, &u, cause) != 0)
		return (-1);
	/* The Host the WebSocket client sends: the URL's, port and all. */
	host.name = "Host";
	host.value = u.authority;
	memset(&r, 0, sizeof r);
	r.method = "GET";
	r.url = url;
	r.headers = &host;
	r.nheaders = 1;
	r.region = region;
	r.service = "ssmmessages";
	r.when = when;
	r.form_query = 1;	/* as the official client signs (3.2) */
	rv = aws_sigv4_sign(&r, creds, res, cause);
	ws_http_url_clear(&u);
	return (rv);
}

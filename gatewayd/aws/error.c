/*
 * AWS error responses: the code normalisation and message rules of
 * aws-conventions.md 5.3 and ssm-data-channel.md 2.2, and the tables of
 * codes that the retry layer acts on. No I/O: the request layer (call.c)
 * hands in what came back and decides what to do.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws_error.h"
#include "xmalloc.h"

/* aws-conventions.md 7.1: throttling codes, as they appear on the wire. */
static const char *aws_error_throttling[] = {
	"Throttling", "ThrottlingException", "ThrottledException",
	"RequestThrottledException", "TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException", "RequestLimitExceeded",
	"BandwidthLimitExceeded", "LimitExceededException",
	"RequestThrottled", "SlowDown", "PriorRequestNotComplete",
	"EC2ThrottledException", NULL
};

/* Transient codes, plus the ones the models mark as retryable. */
static const char *aws_error_transient[] = {
	"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
	"IDPCommunicationError", "IDPCommunicationErrorException",
	"InternalServerError", "InternalFailure", "ServiceUnavailable",
	"KeyUnavailableException", "DependencyTimeoutException",
	"KMSInternalException", NULL
};

/* aws-conventions.md 7.3: codes that may mean the clock is off. */
static const char *aws_error_skew[] = {
	"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture",
	"InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure",
	NULL
};

static const char *aws_error_expired[] = {
	"ExpiredToken", "ExpiredTokenException", NULL
};

static int
aws_error_in(const char **table, const char *code)
{
	if (code == NULL)
		return (0);
	for (; *table != NULL; table++) {
		if (strcmp(*table, code) == 0)
			return (1);
	}
	return (0);
}

int
aws_error_is_throttling(const char *code)
{
	return (aws_error_in(aws_error_throttling, code));
}

int
aws_error_is_transient(const char *code)
{
	return (aws_error_in(aws_error_transient, code));
}

int
aws_error_is_clock_skew(const char *code)
{
	return (aws_error_in(aws_error_skew, code));
}

int
aws_error_is_expired_token(const char *code)
{
	return (aws_error_in(aws_error_expired, code));
}

char *
aws_error_normalize_code(const char *text)
{
	const char	*start, *end, *hash;

	end = strchr(text, ':');
	if (end == NULL)
		end = text + strlen(text);
	start = text;
	for (hash = text; hash < end; hash++) {
		if (*hash == '#')
			start = hash + 1;
	}
	/* Codes are identifiers: trim what a header may carry around one. */
	while (start < end && isspace((unsigned char)*start))
		start++;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	return (xstrndup(start, end - start));
}

char *
aws_error_one_line(const char *text, size_t len, size_t max)
{
	char	*out;
	size_t	 i, n = 0;
	int	 space = 1;

	if (max < 4)
		max = 4;
	out = xmalloc(max + 1);
	for (i = 0; i < len && n < max; i++) {
		unsigned char	c = text[i];

		if (c <= 0x20 || c == 0x7f) {
			if (!space)
				out[n++] = ' ';
			space = 1;
			continue;
		}
		out[n++] = c;
		space = 0;
	}
	if (i < len) {
		n = max - 3;
		memcpy(out + n, "...", 3);
		n += 3;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return (out);
}

char *
aws_error_excerpt(const char *text, size_t len, size_t max)
{
	char	*out;
	size_t	 i;

	out = aws_error_one_line(text, len, max);
	for (i = 0; out[i] != '\0'; i++) {
		if ((unsigned char)out[i] > 0x7e)
			out[i] = '?';
	}
	return (out);
}

/* A string member of a JSON object, or NULL. */
static const char *
aws_error_json_string(const cJSON *obj, const char *name)
{
	const cJSON	*item;

	item = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!cJSON_IsString(item) || item->valuestring == NULL)
		return (NULL);
	return (item->valuestring);
}

void
aws_error_parse_json(long status, const char *body, size_t len,
    const char *errtype, struct aws_error *err)
{
	cJSON		*json = NULL;
	const char	*code = NULL, *msg = NULL;
	char		 num[32];

	memset(err, 0, sizeof *err);
	if (len > 0)
		json = cJSON_ParseWithLength(body, len);
	if (json != NULL && !cJSON_IsObject(json)) {
		cJSON_Delete(json);
		json = NULL;
	}
	if (json != NULL) {
		if ((code = aws_error_json_string(json, "__type")) == NULL)
			code = aws_error_json_string(json, "code");
		if ((msg = aws_error_json_string(json, "message")) == NULL)
			msg = aws_error_json_string(json, "Message");
	} else
		err->unparsed = 1;
	if (code == NULL || *code == '\0')
		code = (errtype != NULL && *errtype != '\0') ? errtype : NULL;
	if (code != NULL)
		err->code = aws_error_normalize_code(code);
	if (err->code == NULL || *err->code == '\0') {
		free(err->code);
		snprintf(num, sizeof num, "%ld", status);
		err->code = xstrdup(num);
	}
	if (msg != NULL)
		err->message = aws_error_one_line(msg, strlen(msg),
		    AWS_ERROR_MESSAGE_MAX);
	else if (err->unparsed)
		err->message = aws_error_one_line(body, len,
		    AWS_ERROR_MESSAGE_MAX);
	else
		err->message = xstrdup("");
	cJSON_Delete(json);
}

void
aws_error_clear(struct aws_error *err)
{
	free(err->code);
	free(err->message);
	memset(err, 0, sizeof *err);
}

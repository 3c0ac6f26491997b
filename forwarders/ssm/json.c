/*
 * JSON helpers for the Session Manager payload codecs. Writing is done by
 * hand so the bytes are the ones the Go peers write (Go's escaping, member
 * order, 64-bit integers in full); reading uses cJSON, matches member names
 * case-sensitively and reads integers above 2^53 exactly from the raw text,
 * which cJSON alone cannot do (it keeps numbers as doubles).
 */

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>

#include "ssm_json.h"
#include "xmalloc.h"

/* Length of the UTF-8 sequence at s (at most n bytes), or 0 if invalid. */
static size_t
json_utf8_len(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t		len, i;
	uint32_t	c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return (1);
	}
	if ((s[0] & 0xe0) == 0xc0) {
		len = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4, c = s[0] & 0x07, min = 0x10000;
	} else
		return (0);
	if (len > n)
		return (0);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return (0);
	*cp = c;
	return (len);
}

void
ssm_json_string(struct evbuffer *out, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), len, run;
	uint32_t		 cp;

	evbuffer_add(out, "\"", 1);
	while (n > 0) {
		/* Copy the longest run that needs no escaping in one go. */
		for (run = 0; run < n; run += len) {
			len = json_utf8_len(p + run, n - run, &cp);
			if (len == 0 || cp < 0x20 || cp == '"' || cp == '\\' ||
			    cp == '<' || cp == '>' || cp == '&' ||
			    cp == 0x2028 || cp == 0x2029)
				break;
		}
		evbuffer_add(out, p, run);
		p += run;
		n -= run;
		if (n == 0)
			break;
		len = json_utf8_len(p, n, &cp);
		if (len == 0) {
			evbuffer_add(out, "\\ufffd", 6);
			len = 1;
		} else if (cp == '"' || cp == '\\')
			evbuffer_add_printf(out, "\\%c", (int)cp);
		else if (cp == '\n')
			evbuffer_add(out, "\\n", 2);
		else if (cp == '\r')
			evbuffer_add(out, "\\r", 2);
		else if (cp == '\t')
			evbuffer_add(out, "\\t", 2);
		else
			evbuffer_add_printf(out, "\\u%04x", (unsigned)cp);
		p += len;
		n -= len;
	}
	evbuffer_add(out, "\"", 1);
}

void
ssm_json_key(struct evbuffer *out, int *first, const char *name)
{
	if (!*first)
		evbuffer_add(out, ",", 1);
	*first = 0;
	ssm_json_string(out, name);
	evbuffer_add(out, ":", 1);
}

struct cJSON *
ssm_json_parse(const uint8_t *buf, size_t len, char **cause)
{
	cJSON		*root;
	const char	*end = NULL;
	size_t		 i;

	if (len == 0) {
		xasprintf(cause, "empty payload is not JSON");
		return (NULL);
	}
	root = cJSON_ParseWithLengthOpts((const char *)buf, len, &end, 0);
	if (root == NULL) {
		end = cJSON_GetErrorPtr();
		if (end >= (const char *)buf && end <= (const char *)buf + len)
			xasprintf(cause, "not JSON (error near byte %zu)",
			    (size_t)(end - (const char *)buf));
		else
			xasprintf(cause, "not JSON");
		return (NULL);
	}
	for (i = (size_t)(end - (const char *)buf); i < len; i++) {
		if (!isspace((unsigned char)buf[i])) {
			xasprintf(cause, "trailing bytes after JSON at byte %zu",
			    i);
			cJSON_Delete(root);
			return (NULL);
		}
	}
	if (!cJSON_IsObject(root)) {
		xasprintf(cause, "JSON is not an object");
		cJSON_Delete(root);
		return (NULL);
	}
	return (root);
}

int
ssm_json_fail(char **cause, const char *what, char *why, cJSON *root)
{
	xasprintf(cause, "%s: %s", what, why != NULL ? why : "malformed");
	free(why);
	cJSON_Delete(root);
	return (-1);
}

/*
 * Find member name of obj: 1 and *item if present and not null, 0 if
 * absent or null (an error if required).
 */
static int
json_member(const cJSON *obj, const char *name, int required,
    cJSON **item, char **cause)
{
	*item = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (*item != NULL && !cJSON_IsNull(*item))
		return (1);
	if (required) {
		xasprintf(cause, "%s is missing", name);
		return (-1);
	}
	return (0);
}

int
ssm_json_get_string(const cJSON *obj, const char *name, int required,
    const char **out, char **cause)
{
	cJSON	*item;
	int	 rv;

	if ((rv = json_member(obj, name, required, &item, cause)) <= 0)
		return (rv);
	if (!cJSON_IsString(item) || item->valuestring == NULL) {
		xasprintf(cause, "%s is not a string", name);
		return (-1);
	}
	*out = item->valuestring;
	return (0);
}

int
ssm_json_get_bool(const cJSON *obj, const char *name, int required,
    int *out, char **cause)
{
	cJSON	*item;
	int	 rv;

	if ((rv = json_member(obj, name, required, &item, cause)) <= 0)
		return (rv);
	if (!cJSON_IsBool(item)) {
		xasprintf(cause, "%s is not a boolean", name);
		return (-1);
	}
	*out = cJSON_IsTrue(item);
	return (0);
}

/* Index just past the JSON string that starts (with its quote) at i. */
static size_t
json_skip_string(const uint8_t *raw, size_t len, size_t i)
{
	for (i++; i < len && raw[i] != '"'; i++) {
		if (raw[i] == '\\')
			i++;
	}
	return (i + 1);
}

/*
 * Find the raw value of the first member named name of the top-level
 * object in raw; cJSON has already checked the text is valid JSON.
 */
static int
json_raw_member(const uint8_t *raw, size_t len, const char *name,
    const uint8_t **val, size_t *vlen)
{
	size_t	i = 0, j, nlen = strlen(name);
	int	depth = 0, want_key = 0, match;

	while (i < len) {
		switch (raw[i]) {
		case '{':
		case '[':
			want_key = (++depth == 1 && raw[i] == '{');
			i++;
			continue;
		case '}':
		case ']':
			depth--;
			i++;
			continue;
		case ',':
			want_key = (depth == 1);
			i++;
			continue;
		case '"':
			break;
		default:
			i++;
			continue;
		}
		j = json_skip_string(raw, len, i);
		match = want_key && j - i - 2 == nlen &&
		    memcmp(raw + i + 1, name, nlen) == 0;
		want_key = 0;
		i = j;
		if (!match)
			continue;
		while (i < len && (isspace(raw[i]) || raw[i] == ':'))
			i++;
		for (j = i; j < len && strchr("+-.0123456789eE", raw[j]) &&
		    raw[j] != '\0'; j++)
			;
		*val = raw + i;
		*vlen = j - i;
		return (0);
	}
	return (-1);
}

/* Read an integer exactly from its raw digits, if they are plain. */
static int
json_raw_int64(const uint8_t *raw, size_t rawlen, const char *name,
    int64_t *out)
{
	const uint8_t	*val;
	size_t		 vlen, i;
	char		 buf[32], *end;
	long long	 v;

	if (json_raw_member(raw, rawlen, name, &val, &vlen) != 0 ||
	    vlen == 0 || vlen >= sizeof buf)
		return (-1);
	for (i = (val[0] == '-'); i < vlen; i++) {
		if (val[i] < '0' || val[i] > '9')
			return (-1);
	}
	memcpy(buf, val, vlen);
	buf[vlen] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return (-1);
	*out = v;
	return (0);
}

int
ssm_json_get_int64(const cJSON *obj, const char *name, const uint8_t *raw,
    size_t rawlen, int required, int64_t min, int64_t *out, char **cause)
{
	cJSON	*item;
	double	 d;
	int64_t	 v;
	int	 rv;

	if ((rv = json_member(obj, name, required, &item, cause)) <= 0)
		return (rv);
	if (!cJSON_IsNumber(item)) {
		xasprintf(cause, "%s is not a number", name);
		return (-1);
	}
	d = item->valuedouble;
	/*
	 * A double holds integers exactly only below 2^53: read larger ones
	 * from the text when it is plain digits.
	 */
	if ((d >= 9007199254740992.0 || d <= -9007199254740992.0) &&
	    raw != NULL && json_raw_int64(raw, rawlen, name, &v) == 0)
		;
	else if (d != d || d < -9223372036854775808.0 ||
	    d >= 9223372036854775808.0 || d != (double)(int64_t)d) {
		/* Not integral, or 2^63 and above: does not fit. */
		xasprintf(cause, "%s is not a 64-bit integer", name);
		return (-1);
	} else
		v = (int64_t)d;
	if (v < min) {
		xasprintf(cause, "%s is out of range", name);
		return (-1);
	}
	*out = v;
	return (0);
}

/*
 * ssm_json.h: the JSON details the Session Manager payload codecs share
 * (ssm_msg and ssm_handshake). Writing is by hand so the bytes match what
 * the Go peers produce (member order, Go's string escaping, exact 64-bit
 * integers); reading goes through cJSON with member names matched
 * case-sensitively (ssm-data-channel.md §0.2) and integers read exactly.
 */
#ifndef SSM_JSON_H
#define SSM_JSON_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct evbuffer;

/*
 * Append s as a JSON string, escaped as Go's encoding/json does: quote,
 * backslash and control characters, <, > and &, U+2028 and U+2029; bytes
 * that are not UTF-8 become U+FFFD.
 */
void	 ssm_json_string(struct evbuffer *out, const char *s);
/* Append the member name: "name": after a comma unless *first is set. */
void	 ssm_json_key(struct evbuffer *out, int *first, const char *name);

/*
 * Parse buf (len bytes, no NUL needed) as one JSON object with nothing but
 * white space after it. Return the tree (cJSON_Delete it) or NULL and set
 * *cause, e.g. "not JSON (error near byte 12)".
 */
struct cJSON *ssm_json_parse(const uint8_t *buf, size_t len, char **cause);

/*
 * End a failed parse: set *cause to "what: why", free why and root (which
 * may be NULL) and return -1.
 */
int	 ssm_json_fail(char **cause, const char *what, char *why,
	    struct cJSON *root);

/*
 * Get member name of obj (case-sensitive). A missing member or null is 0
 * with *out left alone when !required, and an error when required; the
 * wrong type is always an error ("Name is not a string"). *out points into
 * obj.
 */
int	 ssm_json_get_string(const struct cJSON *obj, const char *name,
	    int required, const char **out, char **cause);
int	 ssm_json_get_bool(const struct cJSON *obj, const char *name,
	    int required, int *out, char **cause);
/*
 * An integral number in [min, INT64_MAX], read exactly even above 2^53
 * (raw, rawlen: the text obj was parsed from; only members of the
 * top-level object are read from it).
 */
int	 ssm_json_get_int64(const struct cJSON *obj, const char *name,
	    const uint8_t *raw, size_t rawlen, int required, int64_t min,
	    int64_t *out, char **cause);

#endif /* SSM_JSON_H */

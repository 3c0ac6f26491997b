/*
 * aws_error.h: AWS error responses, as codes and messages. A pure codec:
 * the JSON error body (JSON 1.1 and REST-JSON) in, a normalised code and a
 * one-line message out; and the tables that say what a code means
 * (throttling, transient, clock skew, expired token).
 */
#ifndef AWS_ERROR_H
#define AWS_ERROR_H

#include <stddef.h>

/* The longest message kept from a response, in bytes. */
#define AWS_ERROR_MESSAGE_MAX	512

struct aws_error {
	char	*code;		/* "AccessDeniedException"; "503" from a status */
	char	*message;	/* one line, printable; may be empty */
	int	 unparsed;	/* the body could not be parsed: a transport error */
};

/*
 * Normalise a wire code as botocore does: cut everything from the first
 * ':', then keep what follows the last '#'. Caller frees.
 */
char	*aws_error_normalize_code(const char *);

/*
 * Parse an error response of the JSON protocols: code from the body's
 * __type (or code), else the X-Amzn-ErrorType header (errtype, may be
 * NULL), else the status as text; message from message or Message. A body
 * that is not a JSON object sets unparsed and keeps its text (one line,
 * truncated) as the message. Always fills err; aws_error_clear() frees.
 */
void	 aws_error_parse_json(long status, const char *body, size_t len,
	    const char *errtype, struct aws_error *err);
void	 aws_error_clear(struct aws_error *);

/*
 * Copy text into a single printable line of at most max bytes (control
 * characters become spaces, runs of them are squeezed, ends trimmed, "..."
 * marks a cut). Caller frees.
 */
char	*aws_error_one_line(const char *text, size_t len, size_t max);
/*
 * The first bytes of text that is no AWS answer (an HTML page from a
 * proxy), safe to log: printable ASCII kept, runs of white space and
 * control characters one space, other bytes '?', at most max bytes with
 * "..." marking a cut. Caller frees.
 */
char	*aws_error_excerpt(const char *text, size_t len, size_t max);

/* What a code means (aws-conventions.md 7.1, 7.3). */
int	 aws_error_is_throttling(const char *code);
int	 aws_error_is_transient(const char *code);
int	 aws_error_is_clock_skew(const char *code);
int	 aws_error_is_expired_token(const char *code);

#endif /* AWS_ERROR_H */

/*
 * The STS query protocol as a pure codec: form-encoded request bodies and
 * a reader for the XML answers. libxml2 parses (no network, no entity
 * substitution, no DTD); we only walk elements by local name, so the
 * namespace and unknown elements do not matter.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "aws_error.h"
#include "aws_sts.h"
#include "aws_time.h"
#include "xmalloc.h"

#define AWS_STS_XML_OPTIONS \
	(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

/*
 * Parse. STS never sends a DOCTYPE: refuse any "<!" that is not a comment
 * or CDATA before libxml2 sees it, so no entity can be declared at all.
 */
static xmlDocPtr
aws_sts_xml_read(const char *body, size_t len)
{
	const char	*p = body, *end = body + len;

	if (len == 0 || len > INT_MAX)
		return (NULL);
	while ((p = memchr(p, '<', end - p)) != NULL) {
		if (end - p >= 2 && p[1] == '!' &&
		    (end - p < 3 || (p[2] != '-' && p[2] != '[')))
			return (NULL);
		p++;
	}
	return (xmlReadMemory(body, (int)len, "sts.xml", NULL,
	    AWS_STS_XML_OPTIONS));
}

/* The first element child of parent with this local name, or NULL. */
static xmlNodePtr
aws_sts_xml_child(xmlNodePtr parent, const char *name)
{
	xmlNodePtr	n;

	if (parent == NULL)
		return (NULL);
	for (n = parent->children; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, name) == 0)
			return (n);
	}
	return (NULL);
}

/* The text of parent/name, trimmed, or NULL. Caller frees. */
static char *
aws_sts_xml_text(xmlNodePtr parent, const char *name)
{
	xmlNodePtr	 n;
	xmlChar		*content;
	char		*s;
	size_t		 a, b;

	if ((n = aws_sts_xml_child(parent, name)) == NULL)
		return (NULL);
	if ((content = xmlNodeGetContent(n)) == NULL)
		return (NULL);
	s = (char *)content;
	a = strspn(s, " \t\r\n");
	b = strlen(s);
	while (b > a && strchr(" \t\r\n", s[b - 1]) != NULL)
		b--;
	s = xstrndup(s + a, b - a);
	xmlFree(content);
	return (s);
}

/* Read parent/name into *out; on absence set *cause. */
static int
aws_sts_xml_need(xmlNodePtr parent, const char *where, const char *name,
    char **out, char **cause)
{
	if ((*out = aws_sts_xml_text(parent, name)) != NULL && **out != '\0')
		return (0);
	free(*out);
	*out = NULL;
	xasprintf(cause, "no %s%s in the response", where, name);
	return (-1);
}

static int
aws_sts_xml_credentials(xmlNodePtr result, struct aws_sts_result *r,
    char **cause)
{
	xmlNodePtr	 c, user;
	char		*exp = NULL;

	if ((c = aws_sts_xml_child(result, "Credentials")) == NULL) {
		xasprintf(cause, "no Credentials in the response");
		return (-1);
	}
	if (aws_sts_xml_need(c, "Credentials/", "AccessKeyId",
	    &r->access_key_id, cause) != 0 ||
	    aws_sts_xml_need(c, "Credentials/", "SecretAccessKey",
	    &r->secret_access_key, cause) != 0 ||
	    aws_sts_xml_need(c, "Credentials/", "SessionToken",
	    &r->session_token, cause) != 0 ||
	    aws_sts_xml_need(c, "Credentials/", "Expiration", &exp,
	    cause) != 0)
		return (-1);
	if (aws_time_parse(exp, &r->expiration) != 0) {
		xasprintf(cause, "Credentials/Expiration is not a time");
		free(exp);
		return (-1);
	}
	free(exp);
	user = aws_sts_xml_child(result, "AssumedRoleUser");
	r->arn = aws_sts_xml_text(user, "Arn");
	r->user_id = aws_sts_xml_text(user, "AssumedRoleId");
	if (r->arn != NULL)
		r->account = aws_sts_arn_account(r->arn);
	return (0);
}

int
aws_sts_xml_parse(const char *op, const char *body, size_t len,
    struct aws_sts_result *r, char **cause)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 root, result;
	char		 name[128];
	int		 rv = -1;

	memset(r, 0, sizeof *r);
	if ((doc = aws_sts_xml_read(body, len)) == NULL) {
		xasprintf(cause, "response is not XML");
		return (-1);
	}
	root = xmlDocGetRootElement(doc);
	snprintf(name, sizeof name, "%sResponse", op);
	if (root == NULL || strcmp((const char *)root->name, name) != 0) {
		xasprintf(cause, "response is not %s", name);
		goto out;
	}
	r->request_id = aws_sts_xml_text(aws_sts_xml_child(root,
	    "ResponseMetadata"), "RequestId");
	snprintf(name, sizeof name, "%sResult", op);
	if ((result = aws_sts_xml_child(root, name)) == NULL) {
		xasprintf(cause, "no %s in the response", name);
		goto out;
	}
	if (strcmp(op, "GetCallerIdentity") == 0) {
		if (aws_sts_xml_need(result, "", "Account", &r->account,
		    cause) != 0 ||
		    aws_sts_xml_need(result, "", "Arn", &r->arn, cause) != 0 ||
		    aws_sts_xml_need(result, "", "UserId", &r->user_id,
		    cause) != 0)
			goto out;
	} else if (aws_sts_xml_credentials(result, r, cause) != 0)
		goto out;
	rv = 0;
out:
	xmlFreeDoc(doc);
	if (rv != 0)
		aws_sts_result_clear(r);
	return (rv);
}

int
aws_sts_xml_error(long status, const char *body, size_t len,
    struct aws_error *err)
{
	xmlDocPtr	 doc;
	xmlNodePtr	 root, e;
	char		*code = NULL, *msg = NULL;
	int		 rv = -1;

	memset(err, 0, sizeof *err);
	doc = aws_sts_xml_read(body, len);
	root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	if (root != NULL && strcmp((const char *)root->name,
	    "ErrorResponse") == 0 &&
	    (e = aws_sts_xml_child(root, "Error")) != NULL &&
	    (code = aws_sts_xml_text(e, "Code")) != NULL && *code != '\0') {
		err->code = aws_error_normalize_code(code);
		msg = aws_sts_xml_text(e, "Message");
		err->message = msg != NULL ? aws_error_one_line(msg,
		    strlen(msg), AWS_ERROR_MESSAGE_MAX) : xstrdup("");
		rv = 0;
	}
	free(code);
	free(msg);
	if (doc != NULL)
		xmlFreeDoc(doc);
	if (rv != 0) {
		/* Same shape as a JSON error that did not parse. */
		aws_error_clear(err);
		aws_error_parse_json(status, body, len, NULL, err);
		err->unparsed = 1;
	}
	return (rv);
}

void
aws_sts_result_clear(struct aws_sts_result *r)
{
	free(r->access_key_id);
	freezero_str(r->secret_access_key);
	freezero_str(r->session_token);
	free(r->arn);
	free(r->account);
	free(r->user_id);
	free(r->request_id);
	memset(r, 0, sizeof *r);
}

/* Form encoding with the SigV4 rules: unreserved stay, the rest %XX. */
static char *
aws_sts_encode(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			*out, *o;

	out = o = xmalloc(strlen(s) * 3 + 1);
	for (; *s != '\0'; s++) {
		unsigned char	c = *s;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~')
			*o++ = c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return (out);
}

void
aws_sts_query_add(char **body, const char *key, const char *value)
{
	char	*k, *v, *next;

	k = aws_sts_encode(key);
	v = aws_sts_encode(value);
	xasprintf(&next, "%s%s%s=%s", *body != NULL ? *body : "",
	    (*body != NULL && **body != '\0') ? "&" : "", k, v);
	if (*body != NULL)
		freezero_str(*body);	/* may hold a web identity token */
	freezero_str(v);
	free(k);
	*body = next;
}

char *
aws_sts_arn_account(const char *arn)
{
	const char	*s = arn, *e;
	int		 i;

	/* arn:partition:service:region:account:resource */
	for (i = 0; i < 4; i++) {
		if ((s = strchr(s, ':')) == NULL)
			return (NULL);
		s++;
	}
	if ((e = strchr(s, ':')) == NULL || e == s)
		return (NULL);
	return (xstrndup(s, e - s));
}

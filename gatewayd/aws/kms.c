/*
 * KMS GenerateDataKey: the JSON body (encryption context as a map, blobs
 * in base64) and the call.
 */

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "aws.h"
#include "aws_kms.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

char *
aws_kms_encode_generate_data_key(const char *key_id,
    const struct aws_kms_pair *context, size_t ncontext, unsigned bytes)
{
	cJSON	*o = cJSON_CreateObject(), *ctx;
	char	*text, *out;
	size_t	 i;

	cJSON_AddStringToObject(o, "KeyId", key_id);
	if (bytes != 0)
		cJSON_AddNumberToObject(o, "NumberOfBytes", bytes);
	else
		cJSON_AddStringToObject(o, "KeySpec", "AES_256");
	if (ncontext > 0) {
		ctx = cJSON_AddObjectToObject(o, "EncryptionContext");
		for (i = 0; i < ncontext; i++)
			cJSON_AddStringToObject(ctx, context[i].key,
			    context[i].value);
	}
	if ((text = cJSON_PrintUnformatted(o)) == NULL)
		fatalx("cJSON_PrintUnformatted failed");
	cJSON_Delete(o);
	out = xstrdup(text);
	cJSON_free(text);
	return (out);
}

static int
aws_kms_blob(const cJSON *j, const char *name, uint8_t **out, size_t *len)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(j, name);

	if (!cJSON_IsString(v) || *v->valuestring == '\0')
		return (-1);
	return (util_base64_decode(v->valuestring, out, len));
}

int
aws_kms_decode_data_key(const char *body, size_t len,
    struct aws_kms_data_key *k, char **cause)
{
	cJSON		*j;
	const cJSON	*id;
	int		 rv = -1;

	memset(k, 0, sizeof *k);
	if ((j = cJSON_ParseWithLength(body, len)) == NULL ||
	    !cJSON_IsObject(j))
		xasprintf(cause, "the answer is not a JSON object");
	else if (aws_kms_blob(j, "Plaintext", &k->plaintext,
	    &k->plaintext_len) != 0 ||
	    aws_kms_blob(j, "CiphertextBlob", &k->ciphertext,
	    &k->ciphertext_len) != 0)
		xasprintf(cause, "Plaintext and CiphertextBlob must be base64");
	else {
		id = cJSON_GetObjectItemCaseSensitive(j, "KeyId");
		if (cJSON_IsString(id))
			k->key_id = xstrdup(id->valuestring);
		rv = 0;
	}
	cJSON_Delete(j);
	if (rv != 0)
		aws_kms_data_key_clear(k);
	return (rv);
}

void
aws_kms_data_key_clear(struct aws_kms_data_key *k)
{
	if (k->plaintext != NULL)
		explicit_bzero(k->plaintext, k->plaintext_len);
	free(k->plaintext);
	free(k->ciphertext);
	free(k->key_id);
	memset(k, 0, sizeof *k);
}

struct aws_kms_op {
	aws_kms_key_cb	 cb;
	void		*arg;
};

static void
aws_kms_done(const struct aws_response *resp, void *arg)
{
	struct aws_kms_op	*o = arg;
	struct aws_kms_data_key	 k;
	char			*cause = NULL, *error;

	if (!resp->ok) {
		o->cb(NULL, resp->error, resp->transport ? NULL : resp->code,
		    o->arg);
		return;
	}
	if (aws_kms_decode_data_key(resp->body, resp->body_len, &k,
	    &cause) != 0) {
		xasprintf(&error, "GenerateDataKey: %s", cause);
		o->cb(NULL, error, NULL, o->arg);
		free(error);
		free(cause);
		return;
	}
	o->cb(&k, NULL, NULL, o->arg);
	aws_kms_data_key_clear(&k);
}

struct aws_call *
aws_kms_generate_data_key(struct aws_ctx *ctx, const char *key_id,
    const struct aws_kms_pair *context, size_t ncontext, unsigned bytes,
    aws_kms_key_cb cb, void *arg)
{
	struct aws_kms_op	*o = xcalloc(1, sizeof *o);

	o->cb = cb;
	o->arg = arg;
	return (aws_call_json(ctx, "kms", "TrentService", "GenerateDataKey",
	    aws_kms_encode_generate_data_key(key_id, context, ncontext, bytes),
	    0, o, aws_kms_done, o));
}

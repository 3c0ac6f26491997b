/*
 * KMS, JSON 1.1 (TrentService.*): GenerateDataKey and Decrypt of what it
 * generated. A data key is wrapped with AES-256-GCM under the emulated
 * key's secret, with the encryption context as additional data, so that
 * Decrypt refuses a changed blob or context as KMS does.
 *
 * Blob layout (ours, opaque to clients): "EMU1", key UUID (16), IV (12),
 * tag (16), ciphertext.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <cjson/cJSON.h>

#include "emu.h"
#include "util.h"
#include "xmalloc.h"

#define EMU_KMS_MAGIC		"EMU1"
#define EMU_KMS_HEADER		(4 + UUID_LEN + 12 + 16)
#define EMU_KMS_MAX_BYTES	1024

static int
emu_kms_cmp(const void *a, const void *b)
{
	const cJSON	*x = *(const cJSON *const *)a;
	const cJSON	*y = *(const cJSON *const *)b;

	return (strcmp(x->string, y->string));
}

/*
 * The encryption context as bytes: pairs sorted by key, each string
 * prefixed by its length. NULL (answered) if it is not a string map.
 */
static uint8_t *
emu_kms_context(struct emu_req *r, size_t *len)
{
	const cJSON	*ctx, *item, **items = NULL;
	uint8_t		*out = NULL;
	size_t		 n = 0, i;
	uint32_t	 kl, vl;

	*len = 0;
	ctx = cJSON_GetObjectItemCaseSensitive(r->json, "EncryptionContext");
	if (ctx == NULL)
		return (xcalloc(1, 1));
	if (!cJSON_IsObject(ctx)) {
		emu_reply_error(r, "SerializationException", 400,
		    "EncryptionContext is not a map of strings");
		return (NULL);
	}
	cJSON_ArrayForEach(item, ctx) {
		if (!cJSON_IsString(item) || n == 64) {
			free(items);
			emu_reply_error(r, "ValidationException", 400,
			    "EncryptionContext: at most 64 string values");
			return (NULL);
		}
		items = xreallocarray(items, n + 1, sizeof *items);
		items[n++] = item;
	}
	if (n != 0)
		qsort(items, n, sizeof *items, emu_kms_cmp);
	out = xcalloc(1, 1);
	for (i = 0; i < n; i++) {
		kl = (uint32_t)strlen(items[i]->string);
		vl = (uint32_t)strlen(items[i]->valuestring);
		out = xrealloc(out, *len + 8 + kl + vl);
		memcpy(out + *len, &kl, 4);
		memcpy(out + *len + 4, items[i]->string, kl);
		memcpy(out + *len + 4 + kl, &vl, 4);
		memcpy(out + *len + 8 + kl, items[i]->valuestring, vl);
		*len += 8 + kl + vl;
	}
	free(items);
	return (out);
}

/* AES-256-GCM one shot; enc 1 seals, 0 opens. Return 0 or -1. */
static int
emu_kms_gcm(int enc, const uint8_t key[32], const uint8_t iv[12],
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len,
    uint8_t *out, uint8_t tag[16])
{
	EVP_CIPHER_CTX	*c;
	int		 n, ok;

	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		return (-1);
	ok = EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv, enc) == 1 &&
	    (aadlen == 0 || EVP_CipherUpdate(c, NULL, &n, aad,
	    (int)aadlen) == 1) &&
	    (len == 0 || EVP_CipherUpdate(c, out, &n, in, (int)len) == 1);
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, tag) == 1;
	ok = ok && EVP_CipherFinal_ex(c, out + len, &n) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1;
	EVP_CIPHER_CTX_free(c);
	return (ok ? 0 : -1);
}

/* Find the key named by KeyId; NULL (answered) if absent or disabled. */
static struct emu_kms_key *
emu_kms_key(struct emu_req *r, const char *id)
{
	struct emu_kms_key	*k;

	if ((k = emu_registry_find_kms(emu.registry, id)) == NULL) {
		if (strstr(id, "alias/") != NULL)
			emu_reply_error(r, "NotFoundException", 400, "Alias "
			    "%.256s is not found.", id);
		else
			emu_reply_error(r, "NotFoundException", 400, "Key "
			    "'%.256s' does not exist", id);
		return (NULL);
	}
	if (!k->enabled) {
		emu_reply_error(r, "DisabledException", 400, "%s is disabled.",
		    k->arn);
		return (NULL);
	}
	return (k);
}

/* KeySpec or NumberOfBytes, exactly one; 0 (answered) if wrong. */
static size_t
emu_kms_size(struct emu_req *r)
{
	const cJSON	*spec, *bytes;

	spec = cJSON_GetObjectItemCaseSensitive(r->json, "KeySpec");
	bytes = cJSON_GetObjectItemCaseSensitive(r->json, "NumberOfBytes");
	if ((spec == NULL) == (bytes == NULL)) {
		emu_reply_error(r, "ValidationException", 400, "Please specify "
		    "either number of bytes or key spec.");
		return (0);
	}
	if (bytes != NULL) {
		if (!cJSON_IsNumber(bytes) || bytes->valuedouble < 1 ||
		    bytes->valuedouble > EMU_KMS_MAX_BYTES ||
		    bytes->valuedouble != (double)(int)bytes->valuedouble) {
			emu_reply_error(r, "ValidationException", 400, "1 "
			    "validation error detected: Value at "
			    "'numberOfBytes' failed to satisfy constraint: "
			    "Member must have value between 1 and 1024");
			return (0);
		}
		return ((size_t)bytes->valuedouble);
	}
	if (cJSON_IsString(spec) && strcmp(spec->valuestring, "AES_256") == 0)
		return (32);
	if (cJSON_IsString(spec) && strcmp(spec->valuestring, "AES_128") == 0)
		return (16);
	emu_reply_error(r, "ValidationException", 400, "1 validation error "
	    "detected: Value '%.32s' at 'keySpec' failed to satisfy "
	    "constraint: Member must satisfy enum value set: [AES_256, "
	    "AES_128]", cJSON_IsString(spec) ? spec->valuestring : "");
	return (0);
}

static void
emu_kms_generate_data_key(struct emu_req *r)
{
	struct emu_kms_key	*k;
	const char		*id = emu_json_string(r->json, "KeyId");
	uint8_t			 plain[EMU_KMS_MAX_BYTES], *blob, *aad;
	size_t			 len, aadlen;
	char			*b64;
	cJSON			*obj;

	if (id == NULL || id[0] == '\0' || strlen(id) > 2048) {
		emu_reply_error(r, "ValidationException", 400, "1 validation "
		    "error detected: Value null at 'keyId' failed to satisfy "
		    "constraint: Member must not be null");
		return;
	}
	if ((k = emu_kms_key(r, id)) == NULL || (len = emu_kms_size(r)) == 0)
		return;
	if ((aad = emu_kms_context(r, &aadlen)) == NULL)
		return;
	util_random(plain, len);
	blob = xmalloc(EMU_KMS_HEADER + len);
	memcpy(blob, EMU_KMS_MAGIC, 4);
	util_uuid_parse(k->id, blob + 4);
	util_random(blob + 4 + UUID_LEN, 12);
	if (emu_kms_gcm(1, k->secret, blob + 4 + UUID_LEN, aad, aadlen, plain,
	    len, blob + EMU_KMS_HEADER, blob + 4 + UUID_LEN + 12) != 0) {
		free(aad);
		free(blob);
		emu_reply_error(r, "KMSInternalException", 500, "encryption "
		    "failed");
		return;
	}
	free(aad);
	obj = cJSON_CreateObject();
	b64 = util_base64_encode(blob, EMU_KMS_HEADER + len);
	cJSON_AddStringToObject(obj, "CiphertextBlob", b64);
	free(b64);
	b64 = util_base64_encode(plain, len);
	cJSON_AddStringToObject(obj, "Plaintext", b64);
	freezero_str(b64);
	cJSON_AddStringToObject(obj, "KeyId", k->arn);
	explicit_bzero(plain, sizeof plain);
	free(blob);
	emu_reply_json(r, 200, obj);
}

/* Open a blob; -1 (answered) if it is not ours or does not check. */
static int
emu_kms_open(struct emu_req *r, const uint8_t *blob, size_t len,
    uint8_t *plain, struct emu_kms_key **kp)
{
	struct emu_kms_key	*k = NULL;
	uint8_t			 tag[16], *aad;
	size_t			 i, aadlen;
	char			 id[UUID_STR_LEN];
	int			 rv;

	if (len > EMU_KMS_HEADER && memcmp(blob, EMU_KMS_MAGIC, 4) == 0) {
		util_uuid_format(blob + 4, id);
		for (i = 0; i < emu.registry->nkms; i++) {
			if (strcmp(emu.registry->kms[i].id, id) == 0)
				k = &emu.registry->kms[i];
		}
	}
	if (k == NULL || len - EMU_KMS_HEADER > EMU_KMS_MAX_BYTES) {
		emu_reply_error(r, "InvalidCiphertextException", 400,
		    "The ciphertext is not valid.");
		return (-1);
	}
	if ((aad = emu_kms_context(r, &aadlen)) == NULL)
		return (-1);
	memcpy(tag, blob + 4 + UUID_LEN + 12, 16);
	rv = emu_kms_gcm(0, k->secret, blob + 4 + UUID_LEN, aad, aadlen,
	    blob + EMU_KMS_HEADER, len - EMU_KMS_HEADER, plain, tag);
	free(aad);
	if (rv != 0) {
		emu_reply_error(r, "InvalidCiphertextException", 400,
		    "The ciphertext or its encryption context is not valid.");
		return (-1);
	}
	*kp = k;
	return (0);
}

static void
emu_kms_decrypt(struct emu_req *r)
{
	struct emu_kms_key	*k, *want;
	const char		*text, *id;
	uint8_t			*blob = NULL, plain[EMU_KMS_MAX_BYTES + 16];
	size_t			 len;
	char			*b64;
	cJSON			*obj;

	text = emu_json_string(r->json, "CiphertextBlob");
	if (text == NULL || util_base64_decode(text, &blob, &len) != 0 ||
	    len == 0 || len > 6144) {
		free(blob);
		emu_reply_error(r, "ValidationException", 400, "1 validation "
		    "error detected: Value at 'ciphertextBlob' failed to "
		    "satisfy constraint: Member must be base64 of 1 to 6144 "
		    "bytes");
		return;
	}
	if (emu_kms_open(r, blob, len, plain, &k) != 0) {
		free(blob);
		return;
	}
	id = emu_json_string(r->json, "KeyId");
	want = id != NULL ? emu_registry_find_kms(emu.registry, id) : k;
	if (want != k) {
		free(blob);
		emu_reply_error(r, "IncorrectKeyException", 400, "The key ID "
		    "in the request does not identify a CMK that can perform "
		    "this operation.");
		return;
	}
	obj = cJSON_CreateObject();
	cJSON_AddStringToObject(obj, "KeyId", k->arn);
	b64 = util_base64_encode(plain, len - EMU_KMS_HEADER);
	cJSON_AddStringToObject(obj, "Plaintext", b64);
	freezero_str(b64);
	cJSON_AddStringToObject(obj, "EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
	explicit_bzero(plain, sizeof plain);
	free(blob);
	emu_reply_json(r, 200, obj);
}

const struct emu_op emu_kms_ops[] = {
	{ "kms:GenerateDataKey", EMU_PROTO_JSON, 1, emu_kms_generate_data_key },
	{ "kms:Decrypt", EMU_PROTO_JSON, 1, emu_kms_decrypt },
	{ NULL, 0, 0, NULL }
};

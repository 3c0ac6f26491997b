/*
 * aws_kms.h: KMS GenerateDataKey (JSON 1.1, target TrentService), for
 * KMS-encrypted sessions (kms-encryption.md). Blobs are base64 on the
 * wire and bytes here.
 */
#ifndef AWS_KMS_H
#define AWS_KMS_H

#include <stddef.h>
#include <stdint.h>

struct aws_call;
struct aws_ctx;

struct aws_kms_pair {
	const char	*key;
	const char	*value;
};

struct aws_kms_data_key {
	uint8_t		*plaintext;	/* secret: wiped by _clear */
	size_t		 plaintext_len;
	uint8_t		*ciphertext;
	size_t		 ciphertext_len;
	char		*key_id;	/* the key's ARN */
};

/* Codec. bytes 0 asks for KeySpec AES_256. */
char	*aws_kms_encode_generate_data_key(const char *key_id,
	    const struct aws_kms_pair *context, size_t ncontext,
	    unsigned bytes);
int	 aws_kms_decode_data_key(const char *, size_t,
	    struct aws_kms_data_key *, char **cause);
void	 aws_kms_data_key_clear(struct aws_kms_data_key *);

typedef void (*aws_kms_key_cb)(const struct aws_kms_data_key *,
	    const char *error, const char *code, void *arg);

struct aws_call	*aws_kms_generate_data_key(struct aws_ctx *, const char *key_id,
		    const struct aws_kms_pair *context, size_t ncontext,
		    unsigned bytes, aws_kms_key_cb, void *arg);

#endif /* AWS_KMS_H */

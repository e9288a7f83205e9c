/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sha384.c — SHA-384 (and SHA-256) through OpenSSL's libcrypto, and the "sha384:<hex>" notation.
 *
 * Hashing is delegated to libcrypto's EVP interface rather than written here: digests are what
 * verdicts are bound to, and a well-kept, FIPS-reviewed implementation is worth one more library. */

#include <assert.h>
#include <openssl/evp.h>

#include "sha384.h"

int sha384_init(Sha384 *s) {
        assert(s);

        sha384_done(s);
        s->ctx = EVP_MD_CTX_new();
        if (!s->ctx)
                return -ENOMEM;
        if (EVP_DigestInit_ex(s->ctx, EVP_sha384(), NULL) != 1) {
                sha384_done(s);
                return -EIO;
        }
        return 0;
}

int sha384_update(Sha384 *s, const void *data, size_t size) {
        assert(s && s->ctx);
        assert(data || size == 0);

        if (size == 0)
                return 0;
        if (EVP_DigestUpdate(s->ctx, data, size) != 1)
                return -EIO;
        return 0;
}

int sha384_final(Sha384 *s, uint8_t ret_digest[static SHA384_DIGEST_SIZE]) {
        unsigned n = 0;
        int r = 0;

        assert(s && s->ctx);
        assert(ret_digest);

        if (EVP_DigestFinal_ex(s->ctx, ret_digest, &n) != 1 || n != SHA384_DIGEST_SIZE)
                r = -EIO;
        sha384_done(s);
        return r;
}

void sha384_done(Sha384 *s) {
        if (!s)
                return;
        EVP_MD_CTX_free(s->ctx);
        s->ctx = NULL;
}

static int digest_oneshot(const EVP_MD *md, size_t expected, const void *data, size_t size,
                          uint8_t *ret_digest) {
        unsigned n = 0;

        assert(data || size == 0);

        /* EVP_Digest() wants a valid pointer even for an empty buffer. */
        if (EVP_Digest(size > 0 ? data : "", size, ret_digest, &n, md, NULL) != 1 || n != expected)
                return -EIO;
        return 0;
}

int sha384(const void *data, size_t size, uint8_t ret_digest[static SHA384_DIGEST_SIZE]) {
        return digest_oneshot(EVP_sha384(), SHA384_DIGEST_SIZE, data, size, ret_digest);
}

int sha256(const void *data, size_t size, uint8_t ret_digest[static SHA256_DIGEST_SIZE]) {
        return digest_oneshot(EVP_sha256(), SHA256_DIGEST_SIZE, data, size, ret_digest);
}

char *hex_encode(const void *data, size_t size, char *ret) {
        static const char digits[] = "0123456789abcdef";
        const uint8_t *p = data;

        assert(data || size == 0);
        assert(ret);

        for (size_t i = 0; i < size; i++) {
                ret[2 * i] = digits[p[i] >> 4];
                ret[2 * i + 1] = digits[p[i] & 0xf];
        }
        ret[2 * size] = '\0';
        return ret;
}

char *sha384_to_string(const uint8_t digest[static SHA384_DIGEST_SIZE], char ret[static SHA384_STRING_MAX]) {
        memcpy(ret, SHA384_STRING_PREFIX, strlen(SHA384_STRING_PREFIX));
        hex_encode(digest, SHA384_DIGEST_SIZE, ret + strlen(SHA384_STRING_PREFIX));
        return ret;
}

static int lower_hex_digit(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -EINVAL;
}

int sha384_from_string(const char *s, uint8_t ret_digest[SHA384_DIGEST_SIZE]) {
        uint8_t digest[SHA384_DIGEST_SIZE];
        const char *hex;

        if (!s)
                return -EINVAL;
        hex = startswith(s, SHA384_STRING_PREFIX);
        if (!hex || strlen(hex) != 2 * SHA384_DIGEST_SIZE)
                return -EINVAL;

        for (size_t i = 0; i < SHA384_DIGEST_SIZE; i++) {
                int hi = lower_hex_digit(hex[2 * i]), lo = lower_hex_digit(hex[2 * i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                digest[i] = (uint8_t) (hi << 4 | lo);
        }

        if (ret_digest)
                memcpy(ret_digest, digest, sizeof(digest));
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sha384.h — SHA-384 (and SHA-256) through OpenSSL's libcrypto, and the "sha384:<hex>" notation.
 *
 * Every digest tdispd shows to a relying party, stores in /run/tdispd or logs is written the same
 * way: "sha384:" followed by 96 lowercase hex digits. Parsers accept only exactly that form, so two
 * spellings of one digest can never compare unequal (or, worse, a sloppy comparison equal). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define SHA384_DIGEST_SIZE 48U
#define SHA256_DIGEST_SIZE 32U
#define SHA384_STRING_PREFIX "sha384:"
/* "sha384:" + 96 hex digits + NUL */
#define SHA384_STRING_MAX (sizeof(SHA384_STRING_PREFIX) - 1 + 2 * SHA384_DIGEST_SIZE + 1)

struct evp_md_ctx_st;

/* An incremental SHA-384 computation. Zero-initialise, then sha384_init(); sha384_done() is safe on
 * a zeroed or finished context. */
typedef struct Sha384 {
        struct evp_md_ctx_st *ctx;
} Sha384;

int sha384_init(Sha384 *s);
int sha384_update(Sha384 *s, const void *data, size_t size);
/* Writes the digest and releases the context. */
int sha384_final(Sha384 *s, uint8_t ret_digest[static SHA384_DIGEST_SIZE]);
void sha384_done(Sha384 *s);

/* One-shot digests of a buffer. */
int sha384(const void *data, size_t size, uint8_t ret_digest[static SHA384_DIGEST_SIZE]);
int sha256(const void *data, size_t size, uint8_t ret_digest[static SHA256_DIGEST_SIZE]);

/* "sha384:<96 lowercase hex digits>" into ret (SHA384_STRING_MAX bytes); returns ret. */
char *sha384_to_string(const uint8_t digest[static SHA384_DIGEST_SIZE], char ret[static SHA384_STRING_MAX]);
/* The inverse: -EINVAL unless s is exactly the form above. ret_digest may be NULL (validation only). */
int sha384_from_string(const char *s, uint8_t ret_digest[SHA384_DIGEST_SIZE]);
static inline bool sha384_string_is_valid(const char *s) {
        return s && sha384_from_string(s, NULL) == 0;
}

/* Lowercase hex of size bytes into ret, which must hold 2 * size + 1 bytes; returns ret. */
char *hex_encode(const void *data, size_t size, char *ret);

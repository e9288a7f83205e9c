/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* base64.h — RFC 4648 §4 base64 (standard alphabet, '=' padding), with a strict decoder.
 *
 * Evidence travels to verifiers base64-encoded inside JSON. The decoder accepts exactly one spelling
 * of each byte string: no whitespace, no line breaks, no URL-safe alphabet, padding required, and the
 * unused bits of the last group must be zero. Anything else is -EINVAL. */
#pragma once

#include <stddef.h>

#include "macro.h"

/* Largest input the encoder takes; it keeps the output length far from overflowing a size_t and is
 * larger than anything tdispd ever encodes (one evidence object is at most 16 MiB). */
#define BASE64_ENCODE_INPUT_MAX (1024U * 1024U * 1024U)

/* Length of the encoding of size bytes, without the NUL. */
static inline size_t base64_encoded_length(size_t size) {
        return (size + 2) / 3 * 4;
}

/* Encodes data into a freshly allocated NUL-terminated string. -E2BIG above BASE64_ENCODE_INPUT_MAX.
 * ret_length (may be NULL) receives strlen() of the result. */
int base64_encode(const void *data, size_t size, char **ret, size_t *ret_length);

/* Decodes the length characters at s (NUL not required). -EINVAL for anything but the canonical
 * encoding, -E2BIG when the decoded data would exceed max_size bytes (checked before allocating).
 * *ret is always a valid allocation (one byte for empty data), *ret_size its decoded size. */
int base64_decode(const char *s, size_t length, size_t max_size, void **ret, size_t *ret_size);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-base64.c — the strict base64 decoder on arbitrary text: no input may crash it, whatever it
 * accepts must be the one canonical encoding of what it decoded, and encoding round-trips. */

#undef NDEBUG
#include <assert.h>
#include <stdint.h>

#include "base64.h"

#define FUZZ_INPUT_MAX (256U * 1024U)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ void *decoded = NULL, *again = NULL;
        _cleanup_free_ char *encoded = NULL, *raw_encoded = NULL;
        size_t decoded_size = 0, encoded_length = 0, again_size = 0;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        /* As text: accepted only if it is exactly the encoding of its decoding. */
        r = base64_decode((const char *) data, size, size, &decoded, &decoded_size);
        assert(r == 0 || r == -EINVAL);
        if (r == 0) {
                assert(decoded_size <= size / 4 * 3);
                assert(base64_encode(decoded, decoded_size, &encoded, &encoded_length) == 0);
                assert(encoded_length == size);
                assert(memcmp(encoded, data, size) == 0);
        }

        /* A limit below the decoded size is refused before anything is decoded. */
        if (r == 0 && decoded_size > 0) {
                _cleanup_free_ void *small = NULL;
                size_t small_size;
                r = base64_decode((const char *) data, size, decoded_size - 1, &small, &small_size);
                assert(r == -E2BIG);
                assert(!small);
        }

        /* As bytes: encoding always decodes back. */
        assert(base64_encode(data, size, &raw_encoded, &encoded_length) == 0);
        assert(encoded_length == base64_encoded_length(size));
        assert(base64_decode(raw_encoded, encoded_length, size, &again, &again_size) == 0);
        assert(again_size == size);
        assert(size == 0 || memcmp(again, data, size) == 0);
        return 0;
}

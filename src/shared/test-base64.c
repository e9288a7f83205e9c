/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-base64.c — RFC 4648 test vectors, and the spellings the strict decoder must refuse. */

#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>

#include "base64.h"

static void test_vectors(void) {
        /* RFC 4648 §10, plus bytes that use '+' and '/'. */
        static const struct {
                const char *data;
                size_t size;
                const char *encoded;
        } t[] = {
                { "", 0, "" },
                { "f", 1, "Zg==" },
                { "fo", 2, "Zm8=" },
                { "foo", 3, "Zm9v" },
                { "foob", 4, "Zm9vYg==" },
                { "fooba", 5, "Zm9vYmE=" },
                { "foobar", 6, "Zm9vYmFy" },
                { "\xff\xfe\xfd", 3, "//79" },
                { "\xfb\xef\xbe", 3, "++++" },
                { "\0", 1, "AA==" },
                { "\0\0\0\0", 4, "AAAAAA==" },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_free_ char *s = NULL;
                _cleanup_free_ void *d = NULL;
                size_t length = SIZE_MAX, size = SIZE_MAX;

                printf("vector '%s'\n", t[i].encoded);
                assert(base64_encoded_length(t[i].size) == strlen(t[i].encoded));
                assert(base64_encode(t[i].data, t[i].size, &s, &length) == 0);
                assert(streq(s, t[i].encoded));
                assert(length == strlen(s));

                assert(base64_decode(t[i].encoded, strlen(t[i].encoded), SIZE_MAX, &d, &size) == 0);
                assert(d);
                assert(size == t[i].size);
                assert(memcmp(d, t[i].data, size) == 0);
        }
}

static void test_strict(void) {
        static const struct {
                const char *encoded;
                int r;
        } t[] = {
                { "Zm9v", 0 },
                { "Zm9", -EINVAL },             /* not a multiple of 4 */
                { "Zm9vY", -EINVAL },
                { "Zg=", -EINVAL },
                { "Zg", -EINVAL },              /* padding required */
                { "Zh==", -EINVAL },            /* non-zero unused bits: only "Zg==" is canonical */
                { "Zm9=", -EINVAL },            /* only "Zm8=" */
                { "Zm8=Zm8=", -EINVAL },        /* padding in the middle */
                { "Zg==Zm9v", -EINVAL },
                { "Z===", -EINVAL },
                { "====", -EINVAL },
                { "=Zm9", -EINVAL },
                { "Zm 9v", -EINVAL },
                { "Zm9v\n", -EINVAL },
                { "Zm9v\nZm9v", -EINVAL },
                { "Zm-_", -EINVAL },            /* URL-safe alphabet */
                { "Zm9\xc3", -EINVAL },
                { "Zm=v", -EINVAL },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_free_ void *d = NULL;
                size_t size;

                printf("strict '%s'\n", t[i].encoded);
                assert(base64_decode(t[i].encoded, strlen(t[i].encoded), SIZE_MAX, &d, &size) == t[i].r);
                assert(!d == (t[i].r < 0));
        }

        /* The length given is what counts, not a NUL. */
        _cleanup_free_ void *d = NULL;
        size_t size;
        assert(base64_decode("Zm9vYmFy", 4, SIZE_MAX, &d, &size) == 0);
        assert(size == 3 && memcmp(d, "foo", 3) == 0);
        d = mfree(d);
        assert(base64_decode("Zm\0v", 4, SIZE_MAX, &d, &size) == -EINVAL);
}

static void test_limits(void) {
        _cleanup_free_ char *s = NULL;
        _cleanup_free_ void *d = NULL;
        size_t size;

        /* The limit is on the decoded size, and checked before anything is decoded. */
        assert(base64_decode("Zm9vYmFy", 8, 6, &d, &size) == 0);
        d = mfree(d);
        assert(base64_decode("Zm9vYmFy", 8, 5, &d, &size) == -E2BIG);
        assert(base64_decode("Zm9vYg==", 8, 4, &d, &size) == 0);
        d = mfree(d);
        assert(base64_decode("Zm9vYg==", 8, 3, &d, &size) == -E2BIG);
        assert(base64_decode("!!!!!!!!", 8, 3, &d, &size) == -E2BIG);
        assert(base64_decode("", 0, 0, &d, &size) == 0 && size == 0);

        assert(base64_encode("x", (size_t) BASE64_ENCODE_INPUT_MAX + 1, &s, NULL) == -E2BIG);
        assert(!s);
}

static void test_roundtrip(void) {
        uint8_t data[1031];

        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t) (i * 131 + 17);

        for (size_t n = 0; n <= sizeof(data); n += n < 16 ? 1 : 97) {
                _cleanup_free_ char *s = NULL;
                _cleanup_free_ void *d = NULL;
                size_t length, size;

                assert(base64_encode(data, n, &s, &length) == 0);
                assert(length == base64_encoded_length(n));
                assert(base64_decode(s, length, n, &d, &size) == 0);
                assert(size == n);
                assert(memcmp(d, data, n) == 0);
        }
}

int main(void) {
        test_vectors();
        test_strict();
        test_limits();
        test_roundtrip();
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-sha384.c — SHA-384/SHA-256 against digests from sha384sum/sha256sum, and the strict
 * "sha384:<hex>" notation. */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>

#include "sha384.h"

#define ABC_SHA384 "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
#define EMPTY_SHA384 "38b060a751ac96384cd9327eb1b1e36a21fdb71114be07434c0cc7bf63f6e1da274edebfe76f65fbd51ad2f14898b95b"

static void test_oneshot(void) {
        uint8_t d[SHA384_DIGEST_SIZE], d256[SHA256_DIGEST_SIZE];
        char s[SHA384_STRING_MAX], hex[2 * SHA256_DIGEST_SIZE + 1];

        /* printf abc | sha384sum */
        assert(sha384("abc", 3, d) == 0);
        assert(streq(sha384_to_string(d, s), "sha384:" ABC_SHA384));
        assert(strlen(s) == SHA384_STRING_MAX - 1);

        /* printf '' | sha384sum; a NULL pointer with size 0 is an empty buffer */
        assert(sha384(NULL, 0, d) == 0);
        assert(streq(sha384_to_string(d, s), "sha384:" EMPTY_SHA384));

        /* printf abc | sha256sum */
        assert(sha256("abc", 3, d256) == 0);
        assert(streq(hex_encode(d256, sizeof(d256), hex),
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
}

static void test_incremental(void) {
        _cleanup_free_ uint8_t *data = NULL;
        _cleanup_(sha384_done) Sha384 h = {};
        uint8_t d1[SHA384_DIGEST_SIZE], d2[SHA384_DIGEST_SIZE];
        char s[SHA384_STRING_MAX];
        size_t size = 1000003;

        data = malloc(size);
        assert(data);
        for (size_t i = 0; i < size; i++)
                data[i] = (uint8_t) (i * 7 + 3);

        /* python3: hashlib.sha384(bytes((i*7+3)&0xff for i in range(1000003))).hexdigest() */
        assert(sha384(data, size, d1) == 0);
        assert(streq(sha384_to_string(d1, s),
                     "sha384:47953061b63306706aaa4337cd561315eb3ec53338557cc73cdcef5b382bd61e"
                     "032e057e6f874375d531dc41d54b6cb5"));

        /* Uneven pieces give the same digest. */
        assert(sha384_init(&h) == 0);
        for (size_t off = 0, step = 1; off < size; off += step, step = step * 3 + 1)
                assert(sha384_update(&h, data + off, MIN(step, size - off)) == 0);
        assert(sha384_update(&h, NULL, 0) == 0);
        assert(sha384_final(&h, d2) == 0);
        assert(!h.ctx);
        assert(memcmp(d1, d2, sizeof(d1)) == 0);

        /* A context can be reused after final, and done is idempotent. */
        assert(sha384_init(&h) == 0);
        assert(sha384_update(&h, "ab", 2) == 0);
        assert(sha384_update(&h, "c", 1) == 0);
        assert(sha384_final(&h, d2) == 0);
        assert(streq(sha384_to_string(d2, s), "sha384:" ABC_SHA384));
        sha384_done(&h);
        sha384_done(&h);
}

static void test_from_string(void) {
        static const struct {
                const char *s;
                int r;
        } t[] = {
                { "sha384:" ABC_SHA384, 0 },
                { "sha384:" EMPTY_SHA384, 0 },
                { ABC_SHA384, -EINVAL },                                        /* no prefix */
                { "SHA384:" ABC_SHA384, -EINVAL },
                { "sha256:" ABC_SHA384, -EINVAL },
                { "sha384:CB00753F45A35E8BB5A03D699AC65007272C32AB0EDED1631A8B605A43FF5BED"
                  "8086072BA1E7CC2358BAECA134C825A7", -EINVAL },                /* uppercase */
                { "sha384:" ABC_SHA384 "0", -EINVAL },                          /* too long */
                { "sha384:" ABC_SHA384 "\n", -EINVAL },
                { " sha384:" ABC_SHA384, -EINVAL },
                { "sha384:cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                  "8086072ba1e7cc2358baeca134c825a", -EINVAL },                 /* too short */
                { "sha384:gb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
                  "8086072ba1e7cc2358baeca134c825a7", -EINVAL },
                { "sha384:", -EINVAL },
                { "", -EINVAL },
        };
        uint8_t d[SHA384_DIGEST_SIZE], e[SHA384_DIGEST_SIZE];
        char s[SHA384_STRING_MAX];

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                printf("from_string '%s'\n", t[i].s);
                assert(sha384_from_string(t[i].s, d) == t[i].r);
                assert(sha384_string_is_valid(t[i].s) == (t[i].r == 0));
                if (t[i].r == 0)
                        assert(streq(sha384_to_string(d, s), t[i].s));
        }
        assert(sha384_from_string(NULL, d) == -EINVAL);
        assert(!sha384_string_is_valid(NULL));

        /* Round trip of every byte value. */
        for (size_t i = 0; i < sizeof(d); i++)
                d[i] = (uint8_t) (i * 5 + 0xf0);
        assert(sha384_from_string(sha384_to_string(d, s), e) == 0);
        assert(memcmp(d, e, sizeof(d)) == 0);
}

int main(void) {
        test_oneshot();
        test_incremental();
        test_from_string();
        return 0;
}

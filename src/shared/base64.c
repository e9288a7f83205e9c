/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* base64.c — RFC 4648 §4 base64 with a strict decoder. */

#include <assert.h>
#include <stdint.h>

#include "base64.h"

static const char base64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_encode(const void *data, size_t size, char **ret, size_t *ret_length) {
        const uint8_t *p = data;
        size_t length, n = 0;
        char *s;

        assert(data || size == 0);
        assert(ret);

        if (size > BASE64_ENCODE_INPUT_MAX)
                return -E2BIG;

        length = base64_encoded_length(size);
        s = malloc(length + 1);
        if (!s)
                return -ENOMEM;

        for (size_t i = 0; i < size; i += 3) {
                size_t left = size - i;
                uint32_t v = (uint32_t) p[i] << 16;

                if (left > 1)
                        v |= (uint32_t) p[i + 1] << 8;
                if (left > 2)
                        v |= p[i + 2];

                s[n++] = base64_alphabet[(v >> 18) & 0x3f];
                s[n++] = base64_alphabet[(v >> 12) & 0x3f];
                s[n++] = left > 1 ? base64_alphabet[(v >> 6) & 0x3f] : '=';
                s[n++] = left > 2 ? base64_alphabet[v & 0x3f] : '=';
        }
        assert(n == length);
        s[n] = '\0';

        *ret = s;
        if (ret_length)
                *ret_length = length;
        return 0;
}

static int base64_value(char c) {
        if (c >= 'A' && c <= 'Z')
                return c - 'A';
        if (c >= 'a' && c <= 'z')
                return c - 'a' + 26;
        if (c >= '0' && c <= '9')
                return c - '0' + 52;
        if (c == '+')
                return 62;
        if (c == '/')
                return 63;
        return -EINVAL;
}

int base64_decode(const char *s, size_t length, size_t max_size, void **ret, size_t *ret_size) {
        _cleanup_free_ uint8_t *buf = NULL;
        size_t padding = 0, size, n = 0;

        assert(s || length == 0);
        assert(ret);
        assert(ret_size);

        if (length % 4 != 0)
                return -EINVAL;
        if (length > 0 && s[length - 1] == '=')
                padding = length > 1 && s[length - 2] == '=' ? 2 : 1;

        size = length / 4 * 3 - padding;
        if (size > max_size)
                return -E2BIG;

        buf = malloc(size + 1);
        if (!buf)
                return -ENOMEM;

        for (size_t i = 0; i < length; i += 4) {
                bool last = i + 4 == length;
                uint32_t v = 0;
                size_t k;

                /* Padding is allowed only at the very end, so a '=' anywhere else fails below. */
                for (k = 0; k < 4; k++) {
                        int d;

                        if (last && k >= 4 - padding)
                                break;
                        d = base64_value(s[i + k]);
                        if (d < 0)
                                return -EINVAL;
                        v |= (uint32_t) d << (18 - 6 * k);
                }

                /* The bits the padding leaves unused must be zero: "QR==" and "QQ==" would
                 * otherwise both decode to "A". */
                if ((padding == 1 && last && (v & 0xff) != 0) ||
                    (padding == 2 && last && (v & 0xffff) != 0))
                        return -EINVAL;

                buf[n++] = (uint8_t) (v >> 16);
                if (!last || padding < 2)
                        buf[n++] = (uint8_t) (v >> 8);
                if (!last || padding < 1)
                        buf[n++] = (uint8_t) v;
        }
        assert(n == size);

        *ret = TAKE_PTR(buf);
        *ret_size = size;
        return 0;
}

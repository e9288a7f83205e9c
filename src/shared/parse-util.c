/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* parse-util.c — strict parsers for booleans and unsigned numbers.
 *
 * Digits are accumulated by hand rather than with strtoul(), which skips whitespace, accepts "-1" as
 * ULONG_MAX and takes "0x" in base 16 as a prefix even when nothing follows; each of those turned a
 * typo into a different number somewhere. */

#include <assert.h>
#include <strings.h>

#include "parse-util.h"

int parse_boolean(const char *v) {
        static const char *const yes[] = { "1", "yes", "true", "on" };
        static const char *const no[] = { "0", "no", "false", "off" };

        if (!v)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(v, yes[i]) == 0)
                        return 1;
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(v, no[i]) == 0)
                        return 0;
        return -EINVAL;
}

static int digit_value(char c, unsigned base) {
        int d;

        if (c >= '0' && c <= '9')
                d = c - '0';
        else if (c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
                d = c - 'A' + 10;
        else
                return -EINVAL;

        return (unsigned) d < base ? d : -EINVAL;
}

/* Parses exactly n characters at s. */
static int parse_digits(const char *s, size_t n, unsigned base, uint64_t max, uint64_t *ret) {
        uint64_t v = 0;
        int range = 0;

        if (n == 0)
                return -EINVAL;

        for (size_t i = 0; i < n; i++) {
                int d = digit_value(s[i], base);
                if (d < 0)
                        return -EINVAL;
                /* Keep scanning after an overflow: "99999999999x" is malformed, not out of range. */
                if (v > (max - (uint64_t) d) / base)
                        range = -ERANGE;
                else
                        v = v * base + (uint64_t) d;
        }
        if (range < 0)
                return range;

        *ret = v;
        return 0;
}

int safe_atou32(const char *s, uint32_t *ret) {
        uint64_t v;
        int r;

        assert(s);
        assert(ret);

        r = parse_digits(s, strlen(s), 10, UINT32_MAX, &v);
        if (r < 0)
                return r;
        *ret = (uint32_t) v;
        return 0;
}

int safe_atou64(const char *s, uint64_t *ret) {
        assert(s);
        assert(ret);

        return parse_digits(s, strlen(s), 10, UINT64_MAX, ret);
}

int safe_atoux32(const char *s, uint32_t *ret) {
        const char *p;
        uint64_t v;
        int r;

        assert(s);
        assert(ret);

        p = startswith(s, "0x") ?: startswith(s, "0X") ?: s;
        r = parse_digits(p, strlen(p), 16, UINT32_MAX, &v);
        if (r < 0)
                return r;
        *ret = (uint32_t) v;
        return 0;
}

int parse_sec(const char *s, uint64_t *ret_usec) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                /* "ms" before "s", or "1500ms" would read as "1500m" seconds. */
                { "ms", UINT64_C(1000) },
                { "min", UINT64_C(60000000) },
                { "s", UINT64_C(1000000) },
                { "h", UINT64_C(3600000000) },
                { "", UINT64_C(1000000) },
        };
        size_t n;
        uint64_t v;
        int r;

        assert(s);
        assert(ret_usec);

        n = strspn(s, "0123456789");
        for (size_t i = 0; i < ELEMENTSOF(units); i++) {
                if (!streq(s + n, units[i].suffix))
                        continue;

                r = parse_digits(s, n, 10, UINT64_MAX, &v);
                if (r < 0)
                        return r;
                if (v > UINT64_MAX / units[i].usec)
                        return -ERANGE;
                *ret_usec = v * units[i].usec;
                return 0;
        }
        return -EINVAL;
}

int safe_atoux32_n(const char *s, size_t n, uint32_t *ret) {
        uint64_t v;
        int r;

        assert(s);
        assert(ret);
        assert(n >= 1 && n <= 8);

        /* A NUL inside the span stops the scan as a non-digit, so a short string is never over-read. */
        r = parse_digits(s, n, 16, UINT32_MAX, &v);
        if (r < 0)
                return r;
        *ret = (uint32_t) v;
        return 0;
}

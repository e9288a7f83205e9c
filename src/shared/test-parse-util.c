/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-parse-util.c — strict booleans and numbers: everything atoi() would have guessed at is refused. */

#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "parse-util.h"

static void test_parse_boolean(void) {
        static const struct {
                const char *s;
                int r;
        } t[] = {
                { "yes", 1 },   { "YES", 1 },  { "true", 1 },  { "True", 1 }, { "on", 1 },   { "1", 1 },
                { "no", 0 },    { "No", 0 },   { "false", 0 }, { "off", 0 },  { "OFF", 0 },  { "0", 0 },
                { "", -EINVAL },      { " yes", -EINVAL },  { "yes ", -EINVAL }, { "y", -EINVAL },
                { "2", -EINVAL },     { "01", -EINVAL },    { "yess", -EINVAL }, { "enable", -EINVAL },
                { "-1", -EINVAL },    { "o", -EINVAL },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                printf("parse_boolean('%s')\n", t[i].s);
                assert(parse_boolean(t[i].s) == t[i].r);
        }
        assert(parse_boolean(NULL) == -EINVAL);
}

static void test_safe_atou32(void) {
        static const struct {
                const char *s;
                int r;
                uint32_t v;
        } t[] = {
                { "0", 0, 0 },
                { "42", 0, 42 },
                { "007", 0, 7 },
                { "4294967295", 0, UINT32_MAX },
                { "4294967296", -ERANGE },
                { "99999999999999999999999", -ERANGE },
                { "99999999999999999999999x", -EINVAL },
                { "", -EINVAL },
                { " 1", -EINVAL },
                { "1 ", -EINVAL },
                { "+1", -EINVAL },
                { "-1", -EINVAL },
                { "1a", -EINVAL },
                { "0x10", -EINVAL },
                { "1.5", -EINVAL },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                uint32_t v = 0xdeadbeef;

                printf("safe_atou32('%s')\n", t[i].s);
                assert(safe_atou32(t[i].s, &v) == t[i].r);
                assert(v == (t[i].r == 0 ? t[i].v : 0xdeadbeef));
        }
}

static void test_safe_atou64(void) {
        uint64_t v = 7;

        assert(safe_atou64("18446744073709551615", &v) == 0);
        assert(v == UINT64_MAX);
        assert(safe_atou64("18446744073709551616", &v) == -ERANGE);
        assert(safe_atou64("-0", &v) == -EINVAL);
        assert(safe_atou64("", &v) == -EINVAL);
        assert(safe_atou64("120", &v) == 0);
        assert(v == 120);
}

static void test_safe_atoux32(void) {
        static const struct {
                const char *s;
                int r;
                uint32_t v;
        } t[] = {
                { "0x1af4", 0, 0x1af4 },
                { "0X1AF4", 0, 0x1af4 },
                { "1af4", 0, 0x1af4 },
                { "0", 0, 0 },
                { "0x0", 0, 0 },
                { "ffffffff", 0, UINT32_MAX },
                { "0x00000000ffffffff", 0, UINT32_MAX },
                { "0x100000000", -ERANGE },
                { "0x", -EINVAL },
                { "x10", -EINVAL },
                { "0x0x10", -EINVAL },
                { "", -EINVAL },
                { "-1", -EINVAL },
                { "+1", -EINVAL },
                { " 1af4", -EINVAL },
                { "1af4 ", -EINVAL },
                { "1afg", -EINVAL },
                { "0x1af4/0xffff", -EINVAL },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                uint32_t v = 0xdeadbeef;

                printf("safe_atoux32('%s')\n", t[i].s);
                assert(safe_atoux32(t[i].s, &v) == t[i].r);
                assert(v == (t[i].r == 0 ? t[i].v : 0xdeadbeef));
        }
}

static void test_safe_atoux32_n(void) {
        uint32_t v = 1;

        /* Only the span counts: what follows it is the caller's business. */
        assert(safe_atoux32_n("00001AF4d00001041", 8, &v) == 0);
        assert(v == 0x1af4);
        assert(safe_atoux32_n("FFFFFFFF", 8, &v) == 0);
        assert(v == UINT32_MAX);
        assert(safe_atoux32_n("8086:1234", 4, &v) == 0);
        assert(v == 0x8086);
        assert(safe_atoux32_n("c", 1, &v) == 0);
        assert(v == 0xc);

        v = 5;
        assert(safe_atoux32_n("0x12", 4, &v) == -EINVAL);
        assert(safe_atoux32_n("12", 4, &v) == -EINVAL);        /* shorter than the span */
        assert(safe_atoux32_n("", 1, &v) == -EINVAL);
        assert(safe_atoux32_n("1 23", 4, &v) == -EINVAL);
        assert(safe_atoux32_n("-123", 4, &v) == -EINVAL);
        assert(v == 5);
}

static void test_parse_sec(void) {
        static const struct {
                const char *s;
                int r;
                uint64_t usec;
        } t[] = {
                { "0", 0, 0 },
                { "30", 0, 30000000 },
                { "30s", 0, 30000000 },
                { "1500ms", 0, 1500000 },
                { "2min", 0, 120000000 },
                { "1h", 0, 3600000000 },
                { "18446744073709s", 0, UINT64_C(18446744073709000000) },
                { "18446744073710s", -ERANGE },
                { "99999999999999999999", -ERANGE },
                { "", -EINVAL },
                { "s", -EINVAL },
                { "ms", -EINVAL },
                { "-1s", -EINVAL },
                { "1.5s", -EINVAL },
                { "1 s", -EINVAL },
                { " 1s", -EINVAL },
                { "1s ", -EINVAL },
                { "1sec", -EINVAL },
                { "1m", -EINVAL },
                { "1S", -EINVAL },
                { "1d", -EINVAL },
                { "infinity", -EINVAL },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                uint64_t v = 42;

                printf("parse_sec('%s')\n", t[i].s);
                assert(parse_sec(t[i].s, &v) == t[i].r);
                assert(v == (t[i].r == 0 ? t[i].usec : 42));
        }
}

int main(void) {
        test_parse_boolean();
        test_safe_atou32();
        test_safe_atou64();
        test_safe_atoux32();
        test_safe_atoux32_n();
        test_parse_sec();
        return 0;
}

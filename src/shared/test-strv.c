/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-strv.c — NULL-terminated string arrays. */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>

#include "strv.h"

static void test_split_whitespace(void) {
        static const struct {
                const char *input;
                const char *joined;     /* words joined with '|' */
                size_t n;
        } t[] = {
                { "", "", 0 },
                { "   \t\n\r ", "", 0 },
                { "virtio_pci", "virtio_pci", 1 },
                { "  a  b\tc\nd\re  ", "a|b|c|d|e", 5 },
                { "virtio_* hv_*", "virtio_*|hv_*", 2 },
                { "a\vb", "a\vb", 1 },          /* only space, tab, CR, LF separate */
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_strv_free_ char **l = NULL;
                _cleanup_free_ char *j = NULL;

                printf("split '%s'\n", t[i].input);
                assert(strv_split_whitespace(t[i].input, &l) == 0);
                assert(l);      /* even for no words */
                assert(strv_length(l) == t[i].n);
                j = strv_join(l, "|");
                assert(j);
                assert(streq(j, t[i].joined));
        }
}

static void test_extend_consume_contains(void) {
        _cleanup_strv_free_ char **l = NULL;

        assert(strv_length(NULL) == 0);
        assert(!strv_contains(NULL, "a"));

        assert(strv_extend(&l, "b") == 0);
        assert(strv_extend(&l, "a") == 0);
        assert(strv_consume(&l, strdup("c")) == 0);
        assert(strv_length(l) == 3);
        assert(strv_contains(l, "a"));
        assert(!strv_contains(l, "d"));
        assert(!strv_contains(l, ""));

        /* A failed allocation passed in is reported and leaves the list alone. */
        assert(strv_consume(&l, NULL) == -ENOMEM);
        assert(strv_length(l) == 3);

        strv_sort(l);
        assert(streq(l[0], "a") && streq(l[1], "b") && streq(l[2], "c") && !l[3]);
}

static void test_copy_join(void) {
        _cleanup_strv_free_ char **l = NULL, **c = NULL, **empty = NULL;
        _cleanup_free_ char *j = NULL, *j2 = NULL, *j3 = NULL;

        assert(strv_split_whitespace("x yy zzz", &l) == 0);
        c = strv_copy(l);
        assert(c);
        assert(c != l && c[0] != l[0]);
        j = strv_join(c, ", ");
        assert(streq(j, "x, yy, zzz"));

        empty = strv_copy(NULL);
        assert(empty && !empty[0]);
        j2 = strv_join(empty, ",");
        assert(streq(j2, ""));
        j3 = strv_join(NULL, ",");
        assert(streq(j3, ""));
}

static void test_free(void) {
        assert(strv_free(NULL) == NULL);

        char **l = NULL;
        assert(strv_extend(&l, "x") == 0);
        assert(strv_free(l) == NULL);

        size_t n = 0;
        STRV_FOREACH(s, (char **) NULL)
                n++;
        assert(n == 0);
}

int main(void) {
        test_split_whitespace();
        test_extend_consume_contains();
        test_copy_join();
        test_free();
        return 0;
}

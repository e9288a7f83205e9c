/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* strv.c — NULL-terminated string arrays. */

#include <stdlib.h>
#include <string.h>

#include "strv.h"

char **strv_free(char **l) {
        STRV_FOREACH(s, l)
                free(*s);
        free(l);
        return NULL;
}

size_t strv_length(char *const *l) {
        size_t n = 0;

        STRV_FOREACH(s, l)
                n++;
        return n;
}

bool strv_contains(char *const *l, const char *s) {
        STRV_FOREACH(i, l)
                if (streq(*i, s))
                        return true;
        return false;
}

int strv_consume(char ***l, char *value) {
        size_t n = strv_length(*l);
        char **t;

        if (!value)
                return -ENOMEM;

        t = realloc(*l, sizeof(char *) * (n + 2));
        if (!t) {
                free(value);
                return -ENOMEM;
        }
        t[n] = value;
        t[n + 1] = NULL;
        *l = t;
        return 0;
}

int strv_extend(char ***l, const char *value) {
        return strv_consume(l, strdup(value));
}

int strv_split_whitespace(const char *s, char ***ret) {
        _cleanup_strv_free_ char **l = NULL;
        static const char ws[] = " \t\n\r";
        int r;

        /* Always hand back an allocated list, so that "no words" is distinguishable from OOM. */
        l = calloc(1, sizeof(char *));
        if (!l)
                return -ENOMEM;

        for (const char *p = s + strspn(s, ws); *p; p += strspn(p, ws)) {
                size_t n = strcspn(p, ws);

                r = strv_consume(&l, strndup(p, n));
                if (r < 0)
                        return r;
                p += n;
        }

        *ret = TAKE_PTR(l);
        return 0;
}

char **strv_copy(char *const *l) {
        _cleanup_strv_free_ char **c = NULL;

        c = calloc(strv_length(l) + 1, sizeof(char *));
        if (!c)
                return NULL;

        size_t i = 0;
        STRV_FOREACH(s, l) {
                c[i] = strdup(*s);
                if (!c[i])
                        return NULL;
                i++;
        }
        return TAKE_PTR(c);
}

char *strv_join(char *const *l, const char *sep) {
        size_t n = 0, k = strlen(sep);
        char *r, *p;

        STRV_FOREACH(s, l)
                n += strlen(*s) + k;

        r = malloc(n + 1);
        if (!r)
                return NULL;

        p = r;
        STRV_FOREACH(s, l) {
                if (p != r)
                        p = stpcpy(p, sep);
                p = stpcpy(p, *s);
        }
        *p = '\0';
        return r;
}

static int str_compare(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

void strv_sort(char **l) {
        qsort(l, strv_length(l), sizeof(char *), str_compare);
}

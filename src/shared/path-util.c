/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* path-util.c — checks on paths that come from configuration or from the kernel. */

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "path-util.h"

bool path_is_normalized(const char *p) {
        if (!p || p[0] != '/' || strlen(p) > PATH_MAX)
                return false;

        for (const char *s = p + 1;;) {
                size_t n = strcspn(s, "/");

                if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
                        return false;
                if (s[n] == '\0')
                        return true;
                s += n + 1;
        }
}

int path_resolve_link(const char *dir, const char *target, char **ret) {
        _cleanup_free_ char *p = NULL;
        size_t len;

        assert(ret);
        if (!path_is_normalized(dir) || !target)
                return -EINVAL;

        if (target[0] == '/')
                p = strdup(target);
        else
                p = malloc(strlen(dir) + 1 + strlen(target) + 1);
        if (!p)
                return -ENOMEM;

        if (target[0] != '/') {
                len = strlen(dir);
                memcpy(p, dir, len + 1);
                for (const char *s = target; *s;) {
                        size_t n = strcspn(s, "/");

                        if (n == 2 && s[0] == '.' && s[1] == '.') {
                                char *slash = strrchr(p, '/');

                                if (slash == p)
                                        return -EINVAL; /* above "/" */
                                len = (size_t) (slash - p);
                                p[len] = '\0';
                        } else if (n > 0 && !(n == 1 && s[0] == '.')) {
                                p[len++] = '/';
                                memcpy(p + len, s, n);
                                len += n;
                                p[len] = '\0';
                        }
                        s += n + (s[n] == '/');
                }
        }

        if (!path_is_normalized(p))
                return -EINVAL;
        *ret = TAKE_PTR(p);
        return 0;
}

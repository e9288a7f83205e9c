/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* path-util.c — checks on paths that come from configuration or from the kernel. */

#include <limits.h>

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

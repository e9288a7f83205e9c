/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-path-util.c — which paths are normalised enough to be trusted as given. */

#undef NDEBUG
#include <assert.h>
#include <limits.h>
#include <stdio.h>

#include "path-util.h"

int main(void) {
        static const struct {
                const char *p;
                bool ok;
        } t[] = {
                { "/usr/libexec/tdispd-verify", true },
                { "/devices/pci0000:00/0000:00:03.0", true },
                { "/x", true },
                { "/a/.hidden/..name/...", true },
                { "/", false },
                { "", false },
                { "relative/path", false },
                { "./x", false },
                { "//x", false },
                { "/a//b", false },
                { "/a/b/", false },
                { "/a/./b", false },
                { "/a/../b", false },
                { "/a/..", false },
                { "/a/.", false },
                { "/..", false },
        };
        char long_path[PATH_MAX + 2];

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                printf("'%s'\n", t[i].p);
                assert(path_is_normalized(t[i].p) == t[i].ok);
        }
        assert(!path_is_normalized(NULL));

        memset(long_path, 'a', sizeof(long_path) - 1);
        long_path[0] = '/';
        long_path[PATH_MAX + 1] = '\0';
        assert(!path_is_normalized(long_path));
        long_path[PATH_MAX] = '\0';
        assert(path_is_normalized(long_path));
        return 0;
}

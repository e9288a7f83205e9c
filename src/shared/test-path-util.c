/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-path-util.c — which paths are normalised enough to be trusted as given. */

#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "path-util.h"

/* sysfs's links: /sys/bus/pci/devices/X → ../../../devices/…/X. */
static void test_resolve_link(void) {
        static const struct {
                const char *dir, *target, *want;
                int r;
        } t[] = {
                { "/sys/bus/pci/devices", "../../../devices/pci0000:00/0000:00:03.0",
                  "/sys/devices/pci0000:00/0000:00:03.0", 0 },
                { "/sys/bus/platform/devices", "../../../devices/platform/serial8250",
                  "/sys/devices/platform/serial8250", 0 },
                { "/sys/bus/pci/devices", "./../x/./y", "/sys/bus/pci/x/y", 0 },
                { "/sys/bus/pci/devices", "x//y/", "/sys/bus/pci/devices/x/y", 0 },
                { "/sys/bus/pci/devices", "/sys/devices/pci0000:00", "/sys/devices/pci0000:00", 0 },
                { "/sys/bus/pci/devices", "/sys/../etc", NULL, -EINVAL },
                { "/sys/bus/pci/devices", "../../../../devices", NULL, -EINVAL },
                { "/sys/bus/pci/devices", "../../../../../../x", NULL, -EINVAL },
                { "/sys/bus/pci/devices", "../../..", "/sys", 0 },
                { "/sys/bus/pci/devices", "", "/sys/bus/pci/devices", 0 },
                { "/sys/bus/pci/devices/", "x", NULL, -EINVAL },
                { "sys", "x", NULL, -EINVAL },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_free_ char *p = NULL;
                int r = path_resolve_link(t[i].dir, t[i].target, &p);

                printf("'%s' + '%s' → %d '%s'\n", t[i].dir, t[i].target, r, p ?: "");
                assert(r == t[i].r);
                assert(streq_ptr(p, t[i].want));
        }
}

int main(void) {
        test_resolve_link();

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

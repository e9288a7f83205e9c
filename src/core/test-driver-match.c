/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-driver-match.c — driver globs, with '-' and '_' interchangeable on both sides. */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>

#include "driver-match.h"
#include "strv.h"

static void test_match(void) {
        static const struct {
                const char *globs;      /* space-separated */
                const char *name;
                bool match;
        } t[] = {
                { "virtio_pci", "virtio-pci", true },
                { "virtio-pci", "virtio_pci", true },
                { "virtio-pci", "virtio-pci", true },
                { "virtio_*", "virtio-net", true },
                { "virtio-*", "virtio_blk", true },
                { "virtio_*", "virtiofs", false },
                { "virtio*", "virtiofs", true },
                { "hv_* virtio_*", "hv-netvsc", true },
                { "e1000e", "e1000", false },
                { "e1000", "e1000e", false },
                { "e1000?", "e1000e", true },
                { "[a-z]1000e", "e1000e", true },               /* a range stays a range… */
                { "[a-d]1000e", "e1000e", false },
                { "virtio[-_]pci", "virtio-pci", true },        /* …a literal '-' is normalised */
                { "virtio[-]pci", "virtio_pci", true },
                { "virtio[!-]pci", "virtio-pci", false },
                { "virtio[!x]pci", "virtio-pci", true },
                { "", "x", false },
                { "*", "anything-at-all", true },
                { "*", "", true },
                { "nvme", "NVME", false },                      /* case matters, as in sysfs */
                { "sd", "sd_mod", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_strv_free_ char **globs = NULL;

                printf("'%s' ~ '%s'\n", t[i].globs, t[i].name);
                assert(strv_split_whitespace(t[i].globs, &globs) == 0);
                assert(driver_glob_match(globs, t[i].name) == t[i].match);
        }
}

static void test_long_names(void) {
        char name[DRIVER_NAME_MAX + 2];
        char *star[] = { (char *) "*", NULL };
        char *exact[] = { name, NULL };

        memset(name, 'a', sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';

        /* DRIVER_NAME_MAX + 1 characters: never matches, not even "*" or itself. */
        assert(!driver_glob_match(star, name));
        assert(!driver_glob_match(exact, name));

        name[DRIVER_NAME_MAX] = '\0';
        assert(driver_glob_match(star, name));
        assert(driver_glob_match(exact, name));

        assert(!driver_glob_match(NULL, "virtio_pci"));
}

static void test_validity(void) {
        static const struct {
                const char *s;
                bool glob, name;
        } t[] = {
                { "virtio_pci", true, true },
                { "virtio-pci", true, true },
                { "e1000e", true, true },
                { "snd.hda", true, true },
                { "virtio_*", true, false },
                { "e1000?", true, false },
                { "[a-z]*", true, false },
                { "[!x]", true, false },
                { "", false, false },
                { ".", true, false },
                { "..", true, false },
                { "-x", true, false },
                { "../x", false, false },
                { "a/b", false, false },
                { "a b", false, false },
                { "a\tb", false, false },
                { "a#b", false, false },
                { "a,b", false, false },
                { "a:b", false, false },
                { "a\\*", false, false },
                { "caf\xc3\xa9", false, false },
                { "a\n", false, false },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                printf("valid '%s'\n", t[i].s);
                assert(driver_glob_is_valid(t[i].s) == t[i].glob);
                assert(driver_name_is_valid(t[i].s) == t[i].name);
        }
        assert(!driver_glob_is_valid(NULL));
        assert(!driver_name_is_valid(NULL));

        char longest[DRIVER_NAME_MAX + 2];
        memset(longest, 'x', sizeof(longest) - 1);
        longest[sizeof(longest) - 1] = '\0';
        assert(!driver_glob_is_valid(longest));
        assert(!driver_name_is_valid(longest));
        longest[DRIVER_NAME_MAX] = '\0';
        assert(driver_glob_is_valid(longest));
        assert(driver_name_is_valid(longest));
}

int main(void) {
        test_match();
        test_long_names();
        test_validity();
        return 0;
}

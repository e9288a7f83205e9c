/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-fileio.c — bounded whole-file reads, first lines, and single-write stores that never create,
 * truncate or follow a symlink. */

#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"

static char root[] = "/tmp/test-fileio.XXXXXX";

static char *path(const char *name) {
        char *p;

        assert(asprintf(&p, "%s/%s", root, name) > 0);
        return p;
}

static void put(const char *name, const void *data, size_t size) {
        _cleanup_free_ char *p = path(name);
        _cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        assert(fd >= 0);
        assert(write(fd, data, size) == (ssize_t) size);
}

static void test_read_full_file(void) {
        _cleanup_free_ char *p = path("f"), *dir = path("");
        char big[10000];

        memset(big, 'x', sizeof(big));
        put("f", big, sizeof(big));

        /* Exactly at the limit is fine, one byte over is not. */
        for (size_t max = sizeof(big) - 1; max <= sizeof(big); max++) {
                _cleanup_free_ char *buf = NULL;
                size_t size = 0;
                int r = read_full_file(p, max, &buf, &size);

                printf("max %zu: %d\n", max, r);
                if (max < sizeof(big)) {
                        assert(r == -E2BIG);
                        assert(!buf);
                        continue;
                }
                assert(r == 0);
                assert(size == sizeof(big));
                assert(buf[size] == '\0');
        }

        /* NULs are data, and the size says how much there is. */
        {
                _cleanup_free_ char *buf = NULL;
                size_t size;

                put("f", "a\0b", 3);
                assert(read_full_file(p, 100, &buf, &size) == 0);
                assert(size == 3 && memcmp(buf, "a\0b", 4) == 0);
        }
        {
                _cleanup_free_ char *buf = NULL;

                put("f", "", 0);
                assert(read_full_file(p, 0, &buf, NULL) == 0);
                assert(streq(buf, ""));
        }
        {
                _cleanup_free_ char *buf = NULL, *missing = path("missing");

                assert(read_full_file(missing, 100, &buf, NULL) == -ENOENT);
                assert(read_full_file(dir, 100, &buf, NULL) == -EISDIR);
                assert(!buf);
        }
}

static void test_read_one_line_file(void) {
        _cleanup_free_ char *p = path("line");
        static const struct {
                const char *data;
                size_t size;
                int r;
                const char *line;
        } t[] = {
                { "quiet tdispd.mode=audit\n", 24, 0, "quiet tdispd.mode=audit" },
                { "first\nsecond\n", 13, 0, "first" },
                { "no newline", 10, 0, "no newline" },
                { "\n", 1, 0, "" },
                { "", 0, 0, "" },
                { "nul\0inside\n", 11, -EBADMSG },
                { "after\nthe \0 first line", 22, 0, "after" },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_free_ char *line = NULL;

                printf("line %zu\n", i);
                put("line", t[i].data, t[i].size);
                assert(read_one_line_file(p, &line) == t[i].r);
                if (t[i].r == 0)
                        assert(streq(line, t[i].line));
                else
                        assert(!line);
        }
}

static void test_write_string_file(void) {
        _cleanup_free_ char *p = path("attr"), *missing = path("nothing"), *link = path("link");
        _cleanup_free_ char *buf = NULL, *buf2 = NULL;

        /* No O_TRUNC: like a sysfs store, the write lands at offset 0 of what is there. */
        put("attr", "xyz", 3);
        assert(write_string_file(p, "ab") == 0);
        assert(read_full_file(p, 100, &buf, NULL) == 0);
        assert(streq(buf, "abz"));

        /* An empty value is a newline, so that it reaches the store method (clearing driver_override). */
        assert(write_string_file(p, "") == 0);
        assert(read_full_file(p, 100, &buf2, NULL) == 0);
        assert(streq(buf2, "\nbz"));

        /* Never creates… */
        assert(write_string_file(missing, "1") == -ENOENT);
        assert(access(missing, F_OK) < 0);

        /* …never follows a symlink… */
        assert(symlink(p, link) == 0);
        assert(write_string_file(link, "1") == -ELOOP);

        /* …and the store's error is the write's errno. */
        if (access("/dev/full", W_OK) == 0)
                assert(write_string_file("/dev/full", "1") == -ENOSPC);
}

static int remove_one(const char *p, const struct stat *st, int type, struct FTW *ftw) {
        return remove(p) < 0 ? -errno : 0;
}

int main(void) {
        assert(mkdtemp(root));
        test_read_full_file();
        test_read_one_line_file();
        test_write_string_file();
        assert(nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0);
        return 0;
}

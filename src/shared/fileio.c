/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fileio.c — whole-file reads and single-write sysfs stores. */

#include <assert.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>

#include "fileio.h"
#include "macro.h"

/* sysfs attributes hold at most a page; /proc/cmdline at most COMMAND_LINE_SIZE (≤ 4096 on Linux). */
#define READ_ONE_LINE_MAX (64U * 1024U)

int read_full_file(const char *path, size_t max_size, char **ret_contents, size_t *ret_size) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        size_t n = 0, allocated;
        struct stat st;

        assert(path);
        assert(ret_contents);
        assert(max_size < SIZE_MAX / 2);

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (S_ISREG(st.st_mode) && (uint64_t) st.st_size > max_size)
                return -E2BIG;

        /* Start from the announced size (when it is plausible) so that ordinary files take one read. */
        allocated = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t) st.st_size + 1 : 4096;
        allocated = MIN(allocated, max_size + 1);
        buf = malloc(allocated + 1);
        if (!buf)
                return -ENOMEM;

        for (;;) {
                ssize_t k;

                if (n == allocated) {
                        size_t want;
                        char *t;

                        /* One byte past max_size is how we notice that the file is too big. */
                        if (n > max_size)
                                return -E2BIG;
                        want = MIN(allocated * 2, max_size + 1);
                        t = realloc(buf, want + 1);
                        if (!t)
                                return -ENOMEM;
                        buf = t;
                        allocated = want;
                }

                k = read(fd, buf + n, allocated - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                n += (size_t) k;
        }

        if (n > max_size)
                return -E2BIG;

        buf[n] = '\0';
        *ret_contents = TAKE_PTR(buf);
        if (ret_size)
                *ret_size = n;
        return 0;
}

int read_one_line_file(const char *path, char **ret_line) {
        _cleanup_free_ char *buf = NULL;
        size_t size, len;
        const char *nl;
        int r;

        assert(path);
        assert(ret_line);

        r = read_full_file(path, READ_ONE_LINE_MAX, &buf, &size);
        if (r < 0)
                return r;

        nl = memchr(buf, '\n', size);
        len = nl ? (size_t) (nl - buf) : size;
        if (memchr(buf, '\0', len))
                return -EBADMSG;
        buf[len] = '\0';

        *ret_line = TAKE_PTR(buf);
        return 0;
}

int write_string_file(const char *path, const char *str) {
        _cleanup_close_ int fd = -EBADF;
        size_t len;
        ssize_t k;

        assert(path);
        assert(str);

        if (str[0] == '\0')
                str = "\n";
        len = strlen(str);

        fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);
        if (fd < 0)
                return -errno;

        /* No retry on EINTR or short writes: a second write would be a second, different store. */
        k = write(fd, str, len);
        if (k < 0)
                return -errno;
        if ((size_t) k != len)
                return -EIO;
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-main.c — replays a fuzzer's corpus without libFuzzer, so that `meson test` runs every saved
 * input (and every reproducer of a past bug) on each build. Arguments are files or directories. */

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fuzzers refuse inputs above their own limit first; this only bounds what we read. */
#define REPLAY_INPUT_MAX (8U * 1024U * 1024U)

static int replay_file(int dir_fd, const char *name) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ uint8_t *buf = NULL;
        struct stat st;
        size_t n = 0;

        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &st) < 0) {
                fprintf(stderr, "%s: cannot open: %m\n", name);
                return -errno;
        }
        if (!S_ISREG(st.st_mode))
                return 0;
        if ((size_t) st.st_size > REPLAY_INPUT_MAX) {
                fprintf(stderr, "%s: larger than %u bytes\n", name, REPLAY_INPUT_MAX);
                return -E2BIG;
        }

        /* One extra byte so that a zero-sized input still gets a valid pointer. */
        buf = malloc((size_t) st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        while (n < (size_t) st.st_size) {
                ssize_t k = read(fd, buf + n, (size_t) st.st_size - n);
                if (k <= 0) {
                        fprintf(stderr, "%s: short read\n", name);
                        return -EIO;
                }
                n += (size_t) k;
        }

        printf("replaying %s (%zu bytes)\n", name, n);
        (void) LLVMFuzzerTestOneInput(buf, n);
        return 1;
}

int main(int argc, char *argv[]) {
        unsigned replayed = 0;

        for (int i = 1; i < argc; i++) {
                _cleanup_close_ int dir_fd = open(argv[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (dir_fd < 0) {
                        if (replay_file(AT_FDCWD, argv[i]) < 0)
                                return EXIT_FAILURE;
                        replayed++;
                        continue;
                }

                DIR *d = fdopendir(dir_fd);
                if (!d)
                        return EXIT_FAILURE;
                TAKE_FD(dir_fd);
                for (struct dirent *de; (de = readdir(d));) {
                        if (de->d_name[0] == '.')
                                continue;
                        int r = replay_file(dirfd(d), de->d_name);
                        if (r < 0) {
                                closedir(d);
                                return EXIT_FAILURE;
                        }
                        replayed += r;
                }
                closedir(d);
        }

        /* An empty corpus means the corpus went missing: that must not pass silently. */
        if (replayed == 0) {
                fprintf(stderr, "no corpus inputs replayed\n");
                return EXIT_FAILURE;
        }
        printf("%u inputs replayed\n", replayed);
        return EXIT_SUCCESS;
}

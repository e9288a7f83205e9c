/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* write-stamp.c — timestamps every write() into sysfs made by the program under benchmark.
 *
 * Preloaded in front of the umockdev suite's sysfs shim (LD_PRELOAD="write-stamp.so shim.so
 * libumockdev-preload.so.0"). The time is taken on entry to write(), before the shim hands the
 * bytes to the fake kernel, so it is the moment the program under test decided to write: the other
 * side of a bind-to-unbind latency whose start the fake kernel stamps when it sends the "bind" uevent
 * (bench_kernel.py). Both are CLOCK_MONOTONIC.
 *
 * One line per write whose descriptor resolves to a path containing "/sys/", appended to
 * $BENCH_STAMP_FILE: "<nsec> <pid> <path> <value without trailing newline>". stderr (fd 2) is never
 * looked at, so that a program's log lines cost nothing extra. The path comes from /proc/self/fd,
 * after the write has been timed; O_APPEND keeps lines of concurrent processes (the baseline's
 * shells) whole. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STAMP_VALUE_MAX 128

static ssize_t (*real_write)(int, const void *, size_t);
static int stamp_fd = -1;
static pid_t stamp_pid;

/* Opened once per process (the pid check catches a fork that did not exec). */
static int stamp_file(void) {
        const char *path;

        if (stamp_fd >= 0 && stamp_pid == getpid())
                return stamp_fd;
        path = getenv("BENCH_STAMP_FILE");
        if (!path)
                return -1;
        stamp_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        stamp_pid = getpid();
        return stamp_fd;
}

static void stamp(int fd, const void *buf, size_t n, const struct timespec *ts) {
        char link[64], path[PATH_MAX], line[PATH_MAX + STAMP_VALUE_MAX + 64];
        size_t value_len = n;
        ssize_t k;
        int out, len;

        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        k = readlink(link, path, sizeof(path) - 1);
        if (k <= 0)
                return;
        path[k] = '\0';
        if (!strstr(path, "/sys/"))
                return;
        out = stamp_file();
        if (out < 0)
                return;

        while (value_len > 0 && ((const char *) buf)[value_len - 1] == '\n')
                value_len--;
        if (value_len > STAMP_VALUE_MAX)
                value_len = STAMP_VALUE_MAX;
        len = snprintf(line, sizeof(line), "%llu %d %s %.*s\n",
                       (unsigned long long) ts->tv_sec * 1000000000ULL + (unsigned long long) ts->tv_nsec,
                       (int) getpid(), path, (int) value_len, (const char *) buf);
        if (len > 0 && (size_t) len < sizeof(line))
                (void) real_write(out, line, (size_t) len);
}

ssize_t write(int fd, const void *buf, size_t n) {
        struct timespec ts;
        ssize_t r;
        int saved;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        if (!real_write)
                real_write = (ssize_t(*)(int, const void *, size_t)) dlsym(RTLD_NEXT, "write");
        r = real_write(fd, buf, n);
        saved = errno;
        if (fd != 2 && fd != stamp_fd && n > 0)
                stamp(fd, buf, n, &ts);
        errno = saved;
        return r;
}

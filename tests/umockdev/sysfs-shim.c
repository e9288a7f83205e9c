/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysfs-shim.c — gives writes into the umockdev sysfs the kernel's synchronous semantics.
 *
 * umockdev redirects /sys to a directory of plain files, and a write to a plain file does nothing but
 * store bytes: "bind" does not bind, an unmatched driver does not fail with ENODEV, and a short value
 * written without O_TRUNC leaves the tail of the old one behind. In the kernel a sysfs write is one
 * call into the driver core, which has acted (probed, created the driver link, sent the uevent) or
 * failed by the time write() returns, and the value replaces the old one.
 *
 * This library is preloaded in front of libumockdev-preload. It remembers every descriptor opened for
 * writing that resolves into $UMOCKDEV_DIR/sys, and turns each write() on it into a request to the
 * test harness (the fake kernel, tests/umockdev/harness/) over the SOCK_SEQPACKET socket named by
 * $TDISPD_FAKE_KERNEL_SOCKET: "W\0<path under /sys>\0<bytes>". The harness acts like the kernel and
 * answers with an errno number ("0" for success), which write() returns. The file itself is never
 * written here; the harness keeps readable attributes showing what the kernel would show.
 *
 * stdio writes (fputs() and friends, as systemd's write_string_file() uses) happen inside libc, out of
 * reach of symbol interposition, so the stdio entry points are wrapped too, and fflush()/fclose() hand
 * a tracked stream's buffer to the fake kernel (that is how a shell's `echo 1 > /sys/…` arrives:
 * open, dup2 onto stdout, printf into the buffer, fflush). Duplicated descriptors stay tracked.
 * Whatever still slips past lands in the file, and the harness reports it as an untracked write.
 *
 * Module loading is a real syscall that umockdev does not redirect: libkmod would hand the fixture's
 * fake .ko files to the host kernel. finit_module(), init_module() and delete_module() are therefore
 * sent to the fake kernel too ("M\0load\0<module>", "M\0unload\0<module>"), which refuses them or
 * acts out the load (its drivers register and, where autoprobe allows, bind), as the test chooses.
 *
 * Sockets and /proc are reached with raw syscalls so that umockdev's own wrappers stay out of it. */

/* We define open() and friends ourselves: no fortify inlines, no 64-bit renaming. */
#undef _FORTIFY_SOURCE
#undef _FILE_OFFSET_BITS
#undef _TIME_BITS
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

/* Optimised builds turn these into macros over the stream internals. */
#undef fputs_unlocked
#undef fwrite_unlocked

#define SHIM_MAX_FDS 4096
/* sysfs refuses longer writes with E2BIG (kernfs atomic_write_len is one page). */
#define SHIM_PAGE_SIZE 4096

typedef struct Tracked {
        char *path; /* "/sys/bus/pci/drivers/e1000e/bind" */
        dev_t dev;
        ino_t ino;
} Tracked;

static Tracked tracked[SHIM_MAX_FDS];

/* Real entry points: the next definition in lookup order (umockdev's wrapper, then libc). */
#define REAL(ret, name, args)                                                                           \
        static ret(*real_##name) args;                                                                  \
        static void load_##name(void) {                                                                 \
                if (!real_##name)                                                                       \
                        real_##name = (ret(*) args)dlsym(RTLD_NEXT, #name);                             \
        }

REAL(int, open, (const char *, int, ...))
REAL(int, open64, (const char *, int, ...))
REAL(int, __open_2, (const char *, int))
REAL(int, __open64_2, (const char *, int))
REAL(int, openat, (int, const char *, int, ...))
REAL(int, openat64, (int, const char *, int, ...))
REAL(int, __openat_2, (int, const char *, int))
REAL(int, __openat64_2, (int, const char *, int))
REAL(FILE *, fopen, (const char *, const char *))
REAL(FILE *, fopen64, (const char *, const char *))
REAL(int, close, (int))
REAL(int, fclose, (FILE *))
REAL(ssize_t, write, (int, const void *, size_t))
REAL(ssize_t, pwrite, (int, const void *, size_t, off_t))
REAL(ssize_t, pwrite64, (int, const void *, size_t, off_t))
REAL(ssize_t, writev, (int, const struct iovec *, int))
REAL(int, fputs, (const char *, FILE *))
REAL(int, fputs_unlocked, (const char *, FILE *))
REAL(size_t, fwrite, (const void *, size_t, size_t, FILE *))
REAL(size_t, fwrite_unlocked, (const void *, size_t, size_t, FILE *))
REAL(int, vfprintf, (FILE *, const char *, va_list))
REAL(int, vdprintf, (int, const char *, va_list))
REAL(int, fflush, (FILE *))
REAL(int, dup, (int))
REAL(int, dup2, (int, int))
REAL(int, dup3, (int, int, int))
REAL(int, fcntl, (int, int, ...))
REAL(long, syscall, (long, ...))

/* Prototypes for the fortify entry points (fcntl2.h declares them only under _FORTIFY_SOURCE). */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

/* "$UMOCKDEV_DIR/sys", or NULL when not running under umockdev (then the shim does nothing). */
static const char *fake_sys_root(void) {
        static char root[PATH_MAX];
        static bool done;

        if (!done) {
                const char *dir = getenv("UMOCKDEV_DIR");

                if (dir && *dir && strlen(dir) + 5 < sizeof(root))
                        snprintf(root, sizeof(root), "%s/sys", dir);
                done = true;
        }
        return root[0] ? root : NULL;
}

/* The real path behind fd, read without going through umockdev's readlink(). */
static bool fd_real_path(int fd, char *buf, size_t size) {
        char proc[64];
        long n;

        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        n = syscall(SYS_readlinkat, AT_FDCWD, proc, buf, size - 1);
        if (n < 0 || (size_t)n >= size - 1)
                return false;
        buf[n] = '\0';
        return true;
}

/* If real_path lies inside the fake sysfs, its path as the program sees it ("/sys/…"), else NULL. */
static const char *as_sys_path(const char *real_path) {
        const char *root = fake_sys_root();
        size_t l;

        if (!root)
                return NULL;
        l = strlen(root);
        if (strncmp(real_path, root, l) != 0 || (real_path[l] != '/' && real_path[l] != '\0'))
                return NULL;
        return real_path + l;
}

static bool in_sys(const char *path) {
        return (strncmp(path, "/sys", 4) == 0 && (path[4] == '/' || path[4] == '\0')) || as_sys_path(path);
}

/* Whether (dirfd, path) names something in the fake sysfs, before it is opened. */
static bool targets_sys(int dirfd, const char *path) {
        char dir[PATH_MAX];

        if (!fake_sys_root() || !path)
                return false;
        if (path[0] == '/')
                return in_sys(path);
        if (dirfd == AT_FDCWD) {
                if (!getcwd(dir, sizeof(dir)))
                        return false;
        } else if (!fd_real_path(dirfd, dir, sizeof(dir)))
                return false;
        return in_sys(dir);
}

static void untrack(int fd) {
        if (fd < 0 || fd >= SHIM_MAX_FDS)
                return;
        free(tracked[fd].path);
        tracked[fd].path = NULL;
}

static void track(int fd, int flags) {
        char real_path[PATH_MAX];
        const char *rel;
        struct stat st;

        if (fd < 0 || fd >= SHIM_MAX_FDS)
                return;
        untrack(fd);
        if ((flags & O_ACCMODE) == O_RDONLY || (flags & O_PATH))
                return;
        if (!fd_real_path(fd, real_path, sizeof(real_path)))
                return;
        rel = as_sys_path(real_path);
        if (!rel)
                return;
        if (syscall(SYS_fstat, fd, &st) < 0 || !S_ISREG(st.st_mode))
                return;
        if (asprintf(&tracked[fd].path, "/sys%s", rel) < 0) {
                tracked[fd].path = NULL;
                return;
        }
        tracked[fd].dev = st.st_dev;
        tracked[fd].ino = st.st_ino;
}

/* The tracked path of fd, or NULL; forgets a descriptor that was closed behind our back and reused. */
static const char *tracked_path(int fd) {
        struct stat st;

        if (fd < 0 || fd >= SHIM_MAX_FDS || !tracked[fd].path)
                return NULL;
        if (syscall(SYS_fstat, fd, &st) < 0 || st.st_dev != tracked[fd].dev ||
            st.st_ino != tracked[fd].ino) {
                untrack(fd);
                return NULL;
        }
        return tracked[fd].path;
}

/* A shell makes stdout line-buffered, so `echo 1 > /sys/…` would be written at the newline from inside
 * libc. While stdout's descriptor is tracked it is fully buffered, so the bytes wait for fflush(). */
static void stdout_buffering(void) {
        static bool cleared;
        bool want = tracked_path(STDOUT_FILENO) != NULL;

        if (want && (stdout->_flags & 0x200 /* _IO_LINE_BUF */)) {
                stdout->_flags &= ~0x200;
                cleared = true;
        } else if (!want && cleared) {
                stdout->_flags |= 0x200;
                cleared = false;
        }
}

static void track_dup(int oldfd, int newfd) {
        if (newfd < 0 || newfd >= SHIM_MAX_FDS || newfd == oldfd)
                return;
        untrack(newfd);
        if (tracked_path(oldfd)) {
                tracked[newfd].path = strdup(tracked[oldfd].path);
                tracked[newfd].dev = tracked[oldfd].dev;
                tracked[newfd].ino = tracked[oldfd].ino;
        }
        if (newfd == STDOUT_FILENO)
                stdout_buffering();
}

/* Descriptors inherited across exec (a shell's `/bin/echo 1 > /sys/…`) are tracked from the start. */
__attribute__((constructor)) static void track_inherited(void) {
        if (!fake_sys_root())
                return;
        for (int fd = 0; fd < 256; fd++) {
                long flags = syscall(SYS_fcntl, fd, F_GETFL);

                if (flags >= 0)
                        track(fd, (int)flags);
        }
        stdout_buffering();
}

/* One request to the fake kernel: kind, then NUL-separated words, then the payload. Returns the errno
 * to report (0 on success), or -1 if the fake kernel cannot be reached. */
static int kernel_request(char kind, const char *word1, const char *word2, const void *data, size_t size) {
        const char *sock_path = getenv("TDISPD_FAKE_KERNEL_SOCKET");
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        size_t l1 = strlen(word1), l2 = word2 ? strlen(word2) : 0, len;
        char reply[32], *msg, *p;
        long fd = -1, n;
        int saved_errno = errno, r = -1;

        if (!sock_path || strlen(sock_path) >= sizeof(sa.sun_path))
                return -1;
        strcpy(sa.sun_path, sock_path);

        len = 2 + l1 + 1 + (word2 ? l2 + 1 : 0) + size;
        msg = malloc(len);
        if (!msg)
                return ENOMEM;
        p = msg;
        *p++ = kind;
        *p++ = '\0';
        memcpy(p, word1, l1 + 1);
        p += l1 + 1;
        if (word2) {
                memcpy(p, word2, l2 + 1);
                p += l2 + 1;
        }
        if (size)
                memcpy(p, data, size);

        fd = syscall(SYS_socket, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                goto finish;
        if (syscall(SYS_connect, fd, &sa, sizeof(sa)) < 0)
                goto finish;
        if (syscall(SYS_sendto, fd, msg, len, MSG_NOSIGNAL, NULL, 0) < 0)
                goto finish;
        do
                n = syscall(SYS_recvfrom, fd, reply, sizeof(reply) - 1, 0, NULL, NULL);
        while (n < 0 && errno == EINTR);
        if (n <= 0)
                goto finish;
        reply[n] = '\0';
        r = (int)strtol(reply, NULL, 10);
        if (r < 0)
                r = EIO;
finish:
        if (r < 0)
                fprintf(stderr, "sysfs-shim: fake kernel at '%s' unreachable (%m)\n", sock_path);
        if (fd >= 0)
                syscall(SYS_close, fd);
        free(msg);
        errno = saved_errno;
        return r;
}

/* Asks the fake kernel to carry out one write. Returns the errno to report (0 on success), or -1 if
 * the fake kernel cannot be reached, in which case the caller writes to the plain file instead. */
static int kernel_write(const char *path, const void *data, size_t size) {
        if (size > SHIM_PAGE_SIZE)
                return E2BIG;
        return kernel_request('W', path, NULL, data, size);
}

/* O_TRUNC on a sysfs attribute truncates nothing in the kernel; on a plain file it would wipe the
 * value that the harness keeps there. */
static int sys_flags(int dirfd, const char *path, int flags) {
        if ((flags & O_TRUNC) && targets_sys(dirfd, path))
                flags &= ~O_TRUNC;
        return flags;
}

/* As glibc decides whether open() was given a mode argument. */
static bool needs_mode(int flags) {
        return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
}

int open(const char *path, int flags, ...) {
        va_list ap;
        mode_t mode;
        int fd;

        va_start(ap, flags);
        mode = needs_mode(flags) ? va_arg(ap, mode_t) : 0;
        va_end(ap);
        load_open();
        flags = sys_flags(AT_FDCWD, path, flags);
        fd = real_open(path, flags, mode);
        track(fd, flags);
        return fd;
}

int open64(const char *path, int flags, ...) {
        va_list ap;
        mode_t mode;
        int fd;

        va_start(ap, flags);
        mode = needs_mode(flags) ? va_arg(ap, mode_t) : 0;
        va_end(ap);
        load_open64();
        flags = sys_flags(AT_FDCWD, path, flags);
        fd = real_open64(path, flags, mode);
        track(fd, flags);
        return fd;
}

int __open_2(const char *path, int flags) {
        int fd;

        load___open_2();
        flags = sys_flags(AT_FDCWD, path, flags);
        fd = real___open_2(path, flags);
        track(fd, flags);
        return fd;
}

int __open64_2(const char *path, int flags) {
        int fd;

        load___open64_2();
        flags = sys_flags(AT_FDCWD, path, flags);
        fd = real___open64_2(path, flags);
        track(fd, flags);
        return fd;
}

int openat(int dirfd, const char *path, int flags, ...) {
        va_list ap;
        mode_t mode;
        int fd;

        va_start(ap, flags);
        mode = needs_mode(flags) ? va_arg(ap, mode_t) : 0;
        va_end(ap);
        load_openat();
        flags = sys_flags(dirfd, path, flags);
        fd = real_openat(dirfd, path, flags, mode);
        track(fd, flags);
        return fd;
}

int openat64(int dirfd, const char *path, int flags, ...) {
        va_list ap;
        mode_t mode;
        int fd;

        va_start(ap, flags);
        mode = needs_mode(flags) ? va_arg(ap, mode_t) : 0;
        va_end(ap);
        load_openat64();
        flags = sys_flags(dirfd, path, flags);
        fd = real_openat64(dirfd, path, flags, mode);
        track(fd, flags);
        return fd;
}

int __openat_2(int dirfd, const char *path, int flags) {
        int fd;

        load___openat_2();
        flags = sys_flags(dirfd, path, flags);
        fd = real___openat_2(dirfd, path, flags);
        track(fd, flags);
        return fd;
}

int __openat64_2(int dirfd, const char *path, int flags) {
        int fd;

        load___openat64_2();
        flags = sys_flags(dirfd, path, flags);
        fd = real___openat64_2(dirfd, path, flags);
        track(fd, flags);
        return fd;
}

/* fopen() for writing on a sysfs path: open without truncation ourselves, then wrap the descriptor. */
static FILE *sys_fopen(const char *path, const char *mode) {
        bool plus = strchr(mode, '+'), cloexec = strchr(mode, 'e');
        int flags, fd;
        FILE *f;

        flags = (plus ? O_RDWR : O_WRONLY) | (cloexec ? O_CLOEXEC : 0);
        if (mode[0] == 'a')
                flags |= O_APPEND;
        fd = open(path, flags);
        if (fd < 0)
                return NULL;
        f = fdopen(fd, mode);
        if (f)
                f->_flags &= ~0x200; /* never _IO_LINE_BUF: a newline must not flush from inside libc */
        if (!f) {
                int saved_errno = errno;

                close(fd);
                errno = saved_errno;
        }
        return f;
}

static bool fopen_writes_sys(const char *path, const char *mode) {
        return path && mode && (mode[0] == 'w' || mode[0] == 'a' || strchr(mode, '+')) &&
               targets_sys(AT_FDCWD, path);
}

FILE *fopen(const char *path, const char *mode) {
        if (fopen_writes_sys(path, mode))
                return sys_fopen(path, mode);
        load_fopen();
        return real_fopen(path, mode);
}

FILE *fopen64(const char *path, const char *mode) {
        if (fopen_writes_sys(path, mode))
                return sys_fopen(path, mode);
        load_fopen64();
        return real_fopen64(path, mode);
}

int close(int fd) {
        load_close();
        untrack(fd);
        return real_close(fd);
}

int dup(int oldfd) {
        int fd;

        load_dup();
        fd = real_dup(oldfd);
        track_dup(oldfd, fd);
        return fd;
}

int dup2(int oldfd, int newfd) {
        int fd;

        load_dup2();
        fd = real_dup2(oldfd, newfd);
        track_dup(oldfd, fd);
        return fd;
}

int dup3(int oldfd, int newfd, int flags) {
        int fd;

        load_dup3();
        fd = real_dup3(oldfd, newfd, flags);
        track_dup(oldfd, fd);
        return fd;
}

int fcntl(int fd, int cmd, ...) {
        va_list ap;
        void *arg;
        int r;

        va_start(ap, cmd);
        arg = va_arg(ap, void *);
        va_end(ap);
        load_fcntl();
        r = real_fcntl(fd, cmd, arg);
        if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
                track_dup(fd, r);
        return r;
}

/* write(2) on a tracked descriptor: returns size or -1 with the fake kernel's errno; on fallback, -2. */
static ssize_t shim_write(int fd, const void *buf, size_t size) {
        const char *path = tracked_path(fd);
        int r;

        if (!path)
                return -2;
        r = kernel_write(path, buf, size);
        if (r < 0)
                return -2;
        if (r > 0) {
                errno = r;
                return -1;
        }
        return (ssize_t)size;
}

ssize_t write(int fd, const void *buf, size_t size) {
        ssize_t n = shim_write(fd, buf, size);

        if (n != -2)
                return n;
        load_write();
        return real_write(fd, buf, size);
}

ssize_t pwrite(int fd, const void *buf, size_t size, off_t offset) {
        ssize_t n = shim_write(fd, buf, size);

        if (n != -2)
                return n;
        load_pwrite();
        return real_pwrite(fd, buf, size, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t size, off_t offset) {
        ssize_t n = shim_write(fd, buf, size);

        if (n != -2)
                return n;
        load_pwrite64();
        return real_pwrite64(fd, buf, size, offset);
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt) {
        size_t total = 0, off = 0;
        ssize_t n;
        char *buf;

        if (tracked_path(fd) && iovcnt >= 0) {
                for (int i = 0; i < iovcnt; i++)
                        total += iov[i].iov_len;
                buf = malloc(total + 1);
                if (buf) {
                        for (int i = 0; i < iovcnt; i++) {
                                memcpy(buf + off, iov[i].iov_base, iov[i].iov_len);
                                off += iov[i].iov_len;
                        }
                        n = shim_write(fd, buf, total);
                        free(buf);
                        if (n != -2)
                                return n;
                }
        }
        load_writev();
        return real_writev(fd, iov, iovcnt);
}

/* A tracked stream's buffered bytes go to the fake kernel as one write; the buffer is then emptied so
 * that libc has nothing left to write. Returns 0, -1 (error reported on the stream), -2 (not ours). */
static int stream_flush(FILE *f) {
        size_t n;
        ssize_t r;

        if (!f || !tracked_path(fileno(f)))
                return -2;
        if (!f->_IO_write_base || f->_IO_write_ptr <= f->_IO_write_base)
                return 0;
        n = (size_t)(f->_IO_write_ptr - f->_IO_write_base);
        r = shim_write(fileno(f), f->_IO_write_base, n);
        if (r == -2)
                return -2;
        f->_IO_write_ptr = f->_IO_write_base;
        if (r < 0) {
                f->_flags |= 0x20; /* _IO_ERR_SEEN */
                return -1;
        }
        return 0;
}

int fflush(FILE *f) {
        int r = stream_flush(f);

        load_fflush();
        if (r == -1) {
                int saved_errno = errno;

                (void)real_fflush(f);
                errno = saved_errno;
                return EOF;
        }
        return real_fflush(f);
}

int fclose(FILE *f) {
        int r = stream_flush(f);

        load_fclose();
        if (f)
                untrack(fileno(f));
        if (r == -1) {
                int saved_errno = errno;

                (void)real_fclose(f);
                errno = saved_errno;
                return EOF;
        }
        return real_fclose(f);
}

/* stdio on a tracked stream. A buffered stream keeps its bytes until fflush()/fclose() (above), as
 * libc would; an unbuffered one (systemd's WRITE_STRING_FILE_DISABLE_BUFFER) writes each call at once,
 * from inside libc, so the call is handed to the fake kernel here. Returns 0, -1 (error reported on the
 * stream), or -2 when the caller should let libc do it. */
static int stream_write(FILE *f, const void *buf, size_t size) {
        ssize_t n;

        if (!f || !tracked_path(fileno(f)) || !(f->_flags & 0x2 /* _IO_UNBUFFERED */))
                return -2;
        n = shim_write(fileno(f), buf, size);
        if (n == -2)
                return -2;
        if (n < 0) {
                f->_flags |= 0x20; /* _IO_ERR_SEEN: ferror() reports it, as after a failed write */
                return -1;
        }
        return 0;
}

int fputs(const char *s, FILE *f) {
        int r = stream_write(f, s, strlen(s));

        if (r != -2)
                return r < 0 ? EOF : 1;
        load_fputs();
        return real_fputs(s, f);
}

int fputs_unlocked(const char *s, FILE *f) {
        int r = stream_write(f, s, strlen(s));

        if (r != -2)
                return r < 0 ? EOF : 1;
        load_fputs_unlocked();
        return real_fputs_unlocked(s, f);
}

size_t fwrite(const void *ptr, size_t size, size_t n, FILE *f) {
        int r = (size && n) ? stream_write(f, ptr, size * n) : -2;

        if (r != -2)
                return r < 0 ? 0 : n;
        load_fwrite();
        return real_fwrite(ptr, size, n, f);
}

size_t fwrite_unlocked(const void *ptr, size_t size, size_t n, FILE *f) {
        int r = (size && n) ? stream_write(f, ptr, size * n) : -2;

        if (r != -2)
                return r < 0 ? 0 : n;
        load_fwrite_unlocked();
        return real_fwrite_unlocked(ptr, size, n, f);
}

int vfprintf(FILE *f, const char *format, va_list ap) {
        char *s = NULL;
        int len, r;

        if (tracked_path(fileno(f)) && (f->_flags & 0x2 /* _IO_UNBUFFERED */)) {
                va_list copy;

                va_copy(copy, ap);
                len = vasprintf(&s, format, copy);
                va_end(copy);
                if (len >= 0) {
                        r = stream_write(f, s, (size_t)len);
                        free(s);
                        if (r != -2)
                                return r < 0 ? -1 : len;
                }
        }
        load_vfprintf();
        return real_vfprintf(f, format, ap);
}

int fprintf(FILE *f, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = vfprintf(f, format, ap);
        va_end(ap);
        return r;
}

int vdprintf(int fd, const char *format, va_list ap) {
        char *s = NULL;
        ssize_t n;
        int len;

        if (tracked_path(fd)) {
                va_list copy;

                va_copy(copy, ap);
                len = vasprintf(&s, format, copy);
                va_end(copy);
                if (len >= 0) {
                        n = shim_write(fd, s, (size_t)len);
                        free(s);
                        if (n != -2)
                                return n < 0 ? -1 : len;
                }
        }
        load_vdprintf();
        return real_vdprintf(fd, format, ap);
}

int dprintf(int fd, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = vdprintf(fd, format, ap);
        va_end(ap);
        return r;
}

/* ---- module loading ---- */

/* The module a file descriptor holds: "igb" for ".../igb.ko" (also .ko.xz, .ko.zst, .ko.gz). */
static bool module_name_from_fd(int fd, char *buf, size_t size) {
        char path[PATH_MAX], *base, *dot;

        if (!fd_real_path(fd, path, sizeof(path)))
                return false;
        base = strrchr(path, '/');
        base = base ? base + 1 : path;
        dot = strstr(base, ".ko");
        if (dot)
                *dot = '\0';
        if (strlen(base) >= size)
                return false;
        strcpy(buf, base);
        for (char *c = buf; *c; c++)
                if (*c == '-')
                        *c = '_';
        return true;
}

/* The name= entry of an image's .modinfo section. */
static bool module_name_from_image(const void *image, size_t len, char *buf, size_t size) {
        static const char key[] = "\0name=";
        const char *p = memmem(image, len, key, sizeof(key) - 1), *end;
        size_t n;

        if (!p)
                return false;
        p += sizeof(key) - 1;
        end = memchr(p, '\0', len - (size_t)(p - (const char *)image));
        if (!end || (n = (size_t)(end - p)) == 0 || n >= size)
                return false;
        memcpy(buf, p, n);
        buf[n] = '\0';
        return true;
}

/* Returns the syscall result: 0, or -1 with errno set. */
static long fake_module_call(const char *op, const char *module) {
        int r = kernel_request('M', op, module ? module : "?", NULL, 0);

        if (r < 0)
                r = EPERM; /* no fake kernel: still never the host's */
        if (r > 0) {
                errno = r;
                return -1;
        }
        return 0;
}

long syscall(long number, ...) {
        char name[256];
        va_list ap;
        long a[6];

        va_start(ap, number);
        for (int i = 0; i < 6; i++)
                a[i] = va_arg(ap, long);
        va_end(ap);

        if (fake_sys_root()) {
                if (number == SYS_finit_module) {
                        bool ok = module_name_from_fd((int)a[0], name, sizeof(name));

                        return fake_module_call("load", ok ? name : NULL);
                }
                if (number == SYS_init_module) {
                        bool ok = module_name_from_image((const void *)a[0], (size_t)a[1], name, sizeof(name));

                        return fake_module_call("load", ok ? name : NULL);
                }
                if (number == SYS_delete_module)
                        return fake_module_call("unload", (const char *)a[0]);
        }
        load_syscall();
        return real_syscall(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int init_module(void *image, unsigned long len, const char *params);
int init_module(void *image, unsigned long len, const char *params) {
        char name[256];
        bool ok;

        if (!fake_sys_root())
                return (int)syscall(SYS_init_module, image, len, params);
        ok = module_name_from_image(image, len, name, sizeof(name));
        return (int)fake_module_call("load", ok ? name : NULL);
}

int finit_module(int fd, const char *params, int flags);
int finit_module(int fd, const char *params, int flags) {
        char name[256];
        bool ok;

        if (!fake_sys_root())
                return (int)syscall(SYS_finit_module, fd, params, flags);
        ok = module_name_from_fd(fd, name, sizeof(name));
        return (int)fake_module_call("load", ok ? name : NULL);
}

int delete_module(const char *name, unsigned flags);
int delete_module(const char *name, unsigned flags) {
        if (!fake_sys_root())
                return (int)syscall(SYS_delete_module, name, flags);
        return (int)fake_module_call("unload", name);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-floor.c — the two references tdispd is measured against, in one small program.
 *
 * floor (default): the least a program can do to reach tdispd's end state, with no policy logic:
 *   write 0 to /sys/bus/pci/drivers_autoprobe; list /sys/bus/pci/devices; per device read the
 *   driver link and the modalias, look the vendor:device up in a table given on the command line
 *   (--allow VVVV:DDDD=DRIVER, DDDD may be '*'), and write what tdispd's end state needs: a driver
 *   that is kept (the allowed one, or a built-in one without a module link, as TrustBuiltinDrivers=yes
 *   keeps it) is pinned with driver_override; any other is unbound, then driver_override is pinned
 *   to "none" where no driver is allowed, or to the allowed driver, and bind is written. Then
 *   READY=1 to $NOTIFY_SOCKET.
 *   With --monitor it then listens to uevents and answers a "bind" of a driver the table does not
 *   allow for that device with one write to unbind.
 *
 * udev (--exec SCRIPT): what a udev RUN+= rule does — the same device walk (udev's coldplug
 *   trigger), but each device is handed to SCRIPT (the baseline, baseline/per-device.sh) in a
 *   process of its own, up to --jobs at a time as udevd's workers run them, with the environment
 *   udev gives RUN+= programs (ACTION, DEVPATH, SUBSYSTEM, DRIVER). READY=1 once every script
 *   exited. With --monitor, each "bind" uevent runs SCRIPT again, as the rule would.
 *
 * READY=1 carries X_BENCH_CPU_NSEC=: this process's CPU time plus that of every child it reaped, and
 * X_BENCH_CHILD_MAXRSS_KIB=: the largest peak RSS of those children. The
 * uevent socket is the kernel's (under umockdev's preload, the testbed's). Everything here is plain
 * syscalls; errors of individual writes are ignored as the baseline's shell would ignore them. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/netlink.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define ALLOW_MAX 64
#define DEVICES_MAX 65536
#define NAME_MAX_LEN 32             /* PCI names are 12 characters */

typedef struct Allow {
        unsigned vendor, device;        /* device UINT32_MAX: any */
        char driver[64];
} Allow;

typedef struct Known {
        char name[NAME_MAX_LEN];
        const char *allowed;            /* NULL: none */
} Known;

static Allow allow[ALLOW_MAX];
static unsigned n_allow;
static Known *known;
static unsigned n_known;

static const char *arg_exec;
static unsigned arg_jobs = 1;
static bool arg_monitor;

/* --- the floor --- */

static int write_file(const char *path, const char *value) {
        int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        ssize_t k;

        if (fd < 0)
                return -errno;
        k = write(fd, value, strlen(value));
        (void) close(fd);
        return k < 0 ? -errno : 0;
}

static const char *allowed_driver(unsigned vendor, unsigned device) {
        for (unsigned i = 0; i < n_allow; i++)
                if (allow[i].vendor == vendor && (allow[i].device == UINT32_MAX || allow[i].device == device))
                        return allow[i].driver;
        return NULL;
}

/* "pci:v00008086d000010D3sv…" */
static int modalias_ids(const char *path, unsigned *ret_vendor, unsigned *ret_device) {
        char buf[256];
        ssize_t k;
        int fd;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        k = read(fd, buf, sizeof(buf) - 1);
        (void) close(fd);
        if (k < 0)
                return -errno;
        buf[k] = '\0';
        if (sscanf(buf, "pci:v%8xd%8x", ret_vendor, ret_device) != 2)
                return -EBADMSG;
        return 0;
}

static void floor_device(const char *name) {
        char path[PATH_MAX], link[PATH_MAX], target[512];
        const char *want, *cur = NULL;
        unsigned vendor, device;
        ssize_t k;

        snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/driver", name);
        k = readlink(link, target, sizeof(target) - 1);
        if (k > 0) {
                target[k] = '\0';
                cur = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
        }
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/modalias", name);
        if (modalias_ids(path, &vendor, &device) < 0)
                return;
        want = allowed_driver(vendor, device);
        if (n_known < DEVICES_MAX && strlen(name) < sizeof(known[n_known].name)) {
                memcpy(known[n_known].name, name, strlen(name) + 1);
                known[n_known++].allowed = want;
        }

        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver_override", name);
        if (cur) {
                char other[PATH_MAX];

                snprintf(other, sizeof(other), "/sys/bus/pci/devices/%s/driver/module", name);
                /* Kept (the allowed driver, or a built-in one: part of the measured kernel): pinned. */
                if ((want && strcmp(cur, want) == 0) || (!want && access(other, F_OK) < 0)) {
                        (void) write_file(path, cur);
                        return;
                }
                snprintf(other, sizeof(other), "/sys/bus/pci/drivers/%s/unbind", cur);
                (void) write_file(other, name);
        }
        (void) write_file(path, want ?: "none");
        if (want) {
                snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/bind", want);
                (void) write_file(path, name);
        }
}

/* --- the udev imitation --- */

static unsigned running;

static void reap(bool block) {
        while (running > 0 && waitpid(-1, NULL, block ? 0 : WNOHANG) > 0) {
                running--;
                block = false;
        }
}

static void spawn_script(const char *action, const char *devpath, const char *driver) {
        char e_action[64], e_devpath[512], e_subsystem[] = "SUBSYSTEM=pci", e_driver[128];
        char *env[64], *argv[] = { (char *) arg_exec, NULL };
        size_t n = 0;
        pid_t pid;

        while (running >= arg_jobs)
                reap(true);

        /* udev passes the event's properties; the rest of our environment (the preload) is inherited. */
        snprintf(e_action, sizeof(e_action), "ACTION=%s", action);
        snprintf(e_devpath, sizeof(e_devpath), "DEVPATH=%s", devpath);
        env[n++] = e_action;
        env[n++] = e_devpath;
        env[n++] = e_subsystem;
        if (driver) {
                snprintf(e_driver, sizeof(e_driver), "DRIVER=%s", driver);
                env[n++] = e_driver;
        }
        for (char **e = environ; *e && n < sizeof(env) / sizeof(env[0]) - 1; e++)
                if (strncmp(*e, "ACTION=", 7) && strncmp(*e, "DEVPATH=", 8) && strncmp(*e, "DRIVER=", 7) &&
                    strncmp(*e, "SUBSYSTEM=", 10))
                        env[n++] = *e;
        env[n] = NULL;

        if (posix_spawn(&pid, arg_exec, NULL, NULL, argv, env) == 0)
                running++;
        else
                fprintf(stderr, "bench-floor: cannot run %s: %m\n", arg_exec);
}

static void udev_device(const char *name) {
        char link[512], target[512], devpath[512];
        ssize_t k;

        snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s", name);
        k = readlink(link, target, sizeof(target) - 1);
        if (k <= 0)
                return;
        target[k] = '\0';
        /* "../../../devices/pci0000:00/…" → "/devices/pci0000:00/…" */
        snprintf(devpath, sizeof(devpath), "%s", strstr(target, "/devices/") ?: target);
        spawn_script("add", devpath, NULL);
}

/* --- both --- */

static uint64_t cpu_nsec(void) {
        struct rusage self, children;

        (void) getrusage(RUSAGE_SELF, &self);
        (void) getrusage(RUSAGE_CHILDREN, &children);
        return ((uint64_t) self.ru_utime.tv_sec + self.ru_stime.tv_sec + children.ru_utime.tv_sec +
                children.ru_stime.tv_sec) * UINT64_C(1000000000) +
               ((uint64_t) self.ru_utime.tv_usec + self.ru_stime.tv_usec + children.ru_utime.tv_usec +
                children.ru_stime.tv_usec) * UINT64_C(1000);
}

static long children_maxrss_kib(void) {
        struct rusage children;

        (void) getrusage(RUSAGE_CHILDREN, &children);
        return children.ru_maxrss;
}

static void notify(const char *text) {
        const char *path = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (!path || strlen(path) >= sizeof(sa.sun_path))
                return;
        memcpy(sa.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return;
        (void) sendto(fd, text, strlen(text), MSG_NOSIGNAL, (struct sockaddr *) &sa, sizeof(sa));
        (void) close(fd);
}

static int uevent_socket(void) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 2 /* udev */ };
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT);

        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                (void) close(fd);
                return -errno;
        }
        return fd;
}

/* libudev monitor message: "libudev\0", magic, header size, properties offset and length, … */
static void handle_uevent(const char *buf, size_t n) {
        const char *action = NULL, *devpath = NULL, *driver = NULL, *name;
        uint32_t off, len;

        if (n < 40 || memcmp(buf, "libudev", 8) != 0)
                return;
        memcpy(&off, buf + 16, sizeof(off));
        memcpy(&len, buf + 20, sizeof(len));
        if (off > n || len > n - off)
                return;
        for (const char *p = buf + off, *end = buf + off + len; p < end; p += strlen(p) + 1) {
                if (!strncmp(p, "ACTION=", 7))
                        action = p + 7;
                else if (!strncmp(p, "DEVPATH=", 8))
                        devpath = p + 8;
                else if (!strncmp(p, "DRIVER=", 7))
                        driver = p + 7;
        }
        if (!action || !devpath || !driver || strcmp(action, "bind") != 0)
                return;

        if (arg_exec) {
                spawn_script(action, devpath, driver);
                reap(true);
                return;
        }

        name = strrchr(devpath, '/') ? strrchr(devpath, '/') + 1 : devpath;
        for (unsigned i = 0; i < n_known; i++)
                if (strcmp(known[i].name, name) == 0) {
                        char path[512];

                        if (known[i].allowed && strcmp(known[i].allowed, driver) == 0)
                                return;
                        snprintf(path, sizeof(path), "/sys/bus/pci/drivers/%s/unbind", driver);
                        (void) write_file(path, name);
                        return;
                }
}

static int parse_allow(const char *s) {
        Allow *a = &allow[n_allow];
        char dev[16];

        if (n_allow >= ALLOW_MAX || sscanf(s, "%x:%15[0-9a-fA-F*]=%63s", &a->vendor, dev, a->driver) != 3)
                return -EINVAL;
        a->device = strcmp(dev, "*") == 0 ? UINT32_MAX : (unsigned) strtoul(dev, NULL, 16);
        n_allow++;
        return 0;
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "allow", required_argument, NULL, 'a' },
                { "exec", required_argument, NULL, 'e' },
                { "jobs", required_argument, NULL, 'j' },
                { "monitor", no_argument, NULL, 'm' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        char ready[256];
        struct dirent *de;
        DIR *dir;
        int c, fd = -1;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'a':
                        if (parse_allow(optarg) < 0) {
                                fprintf(stderr, "bench-floor: bad --allow '%s'\n", optarg);
                                return EXIT_FAILURE;
                        }
                        break;
                case 'e':
                        arg_exec = optarg;
                        break;
                case 'j':
                        arg_jobs = (unsigned) strtoul(optarg, NULL, 10);
                        if (arg_jobs == 0)
                                arg_jobs = 1;
                        break;
                case 'm':
                        arg_monitor = true;
                        break;
                case 'h':
                        printf("bench-floor [--allow VVVV:DDDD=DRIVER]… [--monitor]\n"
                               "bench-floor --exec SCRIPT [--jobs N] [--monitor]\n");
                        return EXIT_SUCCESS;
                default:
                        return EXIT_FAILURE;
                }

        known = calloc(DEVICES_MAX, sizeof(Known));
        if (!known)
                return EXIT_FAILURE;
        /* The floor listens first, as any gatekeeper must: nothing that happens during the walk is
         * missed. The udev imitation starts listening only after its coldplug: the "bind" uevents of
         * its own binds would each run the script once more, work a real udev rule on "bind" does but
         * which is left out here, in the baseline's favour. */
        if (arg_monitor && !arg_exec) {
                fd = uevent_socket();
                if (fd < 0) {
                        fprintf(stderr, "bench-floor: uevent socket: %s\n", strerror(-fd));
                        return EXIT_FAILURE;
                }
        }

        if (arg_exec)
                /* The baseline switches autoprobe off the way an administrator would: a udev rule on the
                 * bus's "add" runs the script once for the bus. */
                spawn_script("add", "/bus/pci", NULL);
        else
                (void) write_file("/sys/bus/pci/drivers_autoprobe", "0");

        dir = opendir("/sys/bus/pci/devices");
        if (!dir) {
                fprintf(stderr, "bench-floor: /sys/bus/pci/devices: %m\n");
                return EXIT_FAILURE;
        }
        while ((de = readdir(dir)))
                if (de->d_name[0] != '.') {
                        if (arg_exec)
                                udev_device(de->d_name);
                        else
                                floor_device(de->d_name);
                }
        (void) closedir(dir);
        while (running > 0)
                reap(true);

        snprintf(ready, sizeof(ready), "READY=1\nX_BENCH_CPU_NSEC=%llu\nX_BENCH_CHILD_MAXRSS_KIB=%ld",
                 (unsigned long long) cpu_nsec(), children_maxrss_kib());
        notify(ready);

        if (!arg_monitor)
                return EXIT_SUCCESS;
        if (fd < 0) {
                fd = uevent_socket();
                if (fd < 0) {
                        fprintf(stderr, "bench-floor: uevent socket: %s\n", strerror(-fd));
                        return EXIT_FAILURE;
                }
        }
        for (;;) {
                char buf[8192];
                ssize_t k = recv(fd, buf, sizeof(buf), 0);

                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return EXIT_FAILURE;
                }
                handle_uevent(buf, (size_t) k);
        }
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysfs.c — the driver-binding files of kernel-abi.md §1, and nothing else. */

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fileio.h"
#include "path-util.h"
#include "strv.h"
#include "sysfs.h"

bool sysfs_name_is_safe(const char *name) {
        return !isempty(name) && !strchr(name, '/') && !streq(name, ".") && !streq(name, "..") &&
               strlen(name) < NAME_MAX;
}

static int readlink_basename(const char *path, char **ret) {
        char buf[PATH_MAX];
        ssize_t n;
        char *slash;

        n = readlink(path, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';

        slash = strrchr(buf, '/');
        *ret = strdup(slash ? slash + 1 : buf);
        return *ret ? 0 : -ENOMEM;
}

int sysfs_read_driver(const char *syspath, char **ret_driver) {
        _cleanup_free_ char *path = NULL;
        int r;

        if (asprintf(&path, "%s/driver", syspath) < 0)
                return -ENOMEM;

        r = readlink_basename(path, ret_driver);
        if (r == -ENOENT) {
                *ret_driver = NULL;
                return 0;
        }
        if (r < 0)
                return r;
        if (!sysfs_name_is_safe(*ret_driver)) {
                *ret_driver = mfree(*ret_driver);
                return -EBADMSG;
        }
        return 1;
}

int sysfs_driver_module(const char *bus, const char *driver, char **ret_module, bool *ret_builtin) {
        _cleanup_free_ char *dir = NULL, *link = NULL, *module = NULL, *initstate = NULL;
        int r;

        if (!sysfs_name_is_safe(bus) || !sysfs_name_is_safe(driver))
                return -EINVAL;
        if (asprintf(&dir, "/sys/bus/%s/drivers/%s", bus, driver) < 0 ||
            asprintf(&link, "%s/module", dir) < 0)
                return -ENOMEM;

        r = readlink_basename(link, &module);
        if (r == -ENOENT) {
                *ret_module = NULL;
                *ret_builtin = true;
                return access(dir, F_OK) < 0 ? -errno : 0;
        }
        if (r < 0)
                return r;
        if (!sysfs_name_is_safe(module))
                return -EBADMSG;

        if (asprintf(&initstate, "/sys/module/%s/initstate", module) < 0)
                return -ENOMEM;
        *ret_builtin = access(initstate, F_OK) < 0 && errno == ENOENT;
        *ret_module = TAKE_PTR(module);
        return 0;
}

bool sysfs_device_has_attribute(const char *syspath, const char *attribute) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s", syspath, attribute) < 0)
                return false;
        return access(path, F_OK) >= 0;
}

int sysfs_write_device_attribute(const char *syspath, const char *attribute, const char *value) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s", syspath, attribute) < 0)
                return -ENOMEM;
        return write_string_file(path, value);
}

static int sysfs_driver_write(const char *bus, const char *driver, const char *file, const char *sysname) {
        _cleanup_free_ char *path = NULL;

        if (!sysfs_name_is_safe(bus) || !sysfs_name_is_safe(driver) || !sysfs_name_is_safe(sysname))
                return -EINVAL;
        if (asprintf(&path, "/sys/bus/%s/drivers/%s/%s", bus, driver, file) < 0)
                return -ENOMEM;
        return write_string_file(path, sysname);
}

int sysfs_bind(const char *bus, const char *driver, const char *sysname) {
        return sysfs_driver_write(bus, driver, "bind", sysname);
}

int sysfs_unbind(const char *bus, const char *driver, const char *sysname) {
        return sysfs_driver_write(bus, driver, "unbind", sysname);
}

bool sysfs_bus_has_driver(const char *bus, const char *driver) {
        _cleanup_free_ char *path = NULL;

        if (!sysfs_name_is_safe(bus) || !sysfs_name_is_safe(driver))
                return false;
        if (asprintf(&path, "/sys/bus/%s/drivers/%s", bus, driver) < 0)
                return false;
        return access(path, F_OK) >= 0;
}

int sysfs_list_buses(char ***ret) {
        _cleanup_strv_free_ char **buses = NULL;
        DIR *d;
        int r = 0;

        d = opendir("/sys/bus");
        if (!d)
                return -errno;

        buses = calloc(1, sizeof(char *));
        if (!buses) {
                closedir(d);
                return -ENOMEM;
        }

        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_name[0] == '.' || !sysfs_name_is_safe(de->d_name))
                        continue;
                r = strv_extend(&buses, de->d_name);
                if (r < 0)
                        break;
        }
        closedir(d);
        if (r < 0)
                return r;

        strv_sort(buses);
        *ret = TAKE_PTR(buses);
        return 0;
}

int sysfs_list_bus_devices(const char *bus, char ***ret) {
        _cleanup_strv_free_ char **syspaths = NULL;
        _cleanup_free_ char *dir = NULL;
        size_t n_syspaths = 0, allocated = 1;
        DIR *d;
        int r = 0;

        if (!sysfs_name_is_safe(bus))
                return -EINVAL;
        if (asprintf(&dir, "/sys/bus/%s/devices", bus) < 0)
                return -ENOMEM;
        syspaths = calloc(1, sizeof(char *));
        if (!syspaths)
                return -ENOMEM;

        d = opendir(dir);
        if (!d) {
                if (errno != ENOENT)
                        return -errno;
                *ret = TAKE_PTR(syspaths);
                return 0;
        }
        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_free_ char *syspath = NULL;
                char target[PATH_MAX];
                ssize_t n;

                if (de->d_name[0] == '.')
                        continue;
                /* "../../../devices/pci0000:00/0000:00:03.0" */
                n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
                if (n < 0)
                        continue; /* gone meanwhile, or not a link: not a device */
                target[n] = '\0';
                if (path_resolve_link(dir, target, &syspath) < 0 || !startswith(syspath, "/sys/devices/"))
                        continue;
                /* Grown by doubling: a bus may hold 100,000 functions. */
                if (n_syspaths + 1 >= allocated) {
                        char **t = reallocarray(syspaths, allocated * 2, sizeof(char *));
                        if (!t) {
                                r = -ENOMEM;
                                break;
                        }
                        syspaths = t;
                        allocated *= 2;
                }
                syspaths[n_syspaths++] = TAKE_PTR(syspath);
                syspaths[n_syspaths] = NULL;
        }
        closedir(d);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(syspaths);
        return 0;
}

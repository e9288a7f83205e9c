/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device-list.c — the devices generate-policy drafts from: tdispd's list, or a walk of /sys/bus.
 *
 * The walk resolves /sys/bus/<bus>/devices/<name> by reading the link and joining it lexically,
 * not with realpath(): the link is all that identifies the device, and tests run this against a
 * fake /sys where only the link itself is faithful. */

#include <assert.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

#include "device-list.h"
#include "fileio.h"
#include "strv.h"
#include "sysfs.h"
#include "varlink-message.h"

/* uevent files are a few hundred bytes. */
#define UEVENT_MAX (64U * 1024U)

static int json_string_dup(json_object *o, const char *key, bool required, char **ret) {
        json_object *v = json_object_object_get(o, key);
        const char *s;

        if (!v) {
                *ret = NULL;
                return required ? -EBADMSG : 0;
        }
        s = varlink_json_get_string(v);
        if (!s)
                return -EBADMSG;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static void json_id(json_object *ids, const char *key, DeviceIdField field, uint32_t *value,
                    unsigned *mask) {
        json_object *v = json_object_object_get(ids, key);
        int64_t i;

        if (!json_object_is_type(v, json_type_int))
                return;
        i = json_object_get_int64(v);
        if (i < 0 || i > UINT32_MAX)
                return;
        *value = (uint32_t) i;
        *mask |= field;
}

int device_info_from_json(json_object *o, DeviceInfo **ret) {
        _cleanup_(device_info_freep) DeviceInfo *d = calloc(1, sizeof(DeviceInfo));
        json_object *ids;
        int r;

        if (!d)
                return -ENOMEM;
        if (!json_object_is_type(o, json_type_object))
                return -EBADMSG;

        if ((r = json_string_dup(o, "name", true, &d->sysname)) < 0 ||
            (r = json_string_dup(o, "syspath", true, &d->syspath)) < 0 ||
            (r = json_string_dup(o, "bus", true, &d->bus)) < 0 ||
            (r = json_string_dup(o, "modalias", false, &d->modalias)) < 0 ||
            (r = json_string_dup(o, "driver", false, &d->driver)) < 0 ||
            (r = json_string_dup(o, "driver_module", false, &d->driver_module)) < 0)
                return r;

        ids = json_object_object_get(o, "ids");
        json_id(ids, "vendor", DEVICE_ID_VENDOR, &d->vendor, &d->ids);
        json_id(ids, "device", DEVICE_ID_DEVICE, &d->device, &d->ids);
        json_id(ids, "subsystem_vendor", DEVICE_ID_SUBSYSTEM_VENDOR, &d->subsystem_vendor, &d->ids);
        json_id(ids, "subsystem_device", DEVICE_ID_SUBSYSTEM_DEVICE, &d->subsystem_device, &d->ids);
        json_id(ids, "class", DEVICE_ID_CLASS, &d->class, &d->ids);
        d->driver_builtin = json_object_get_boolean(json_object_object_get(o, "driver_builtin"));
        d->tdisp = json_object_get_boolean(json_object_object_get(o, "tdisp"));
        d->unparsable = streq_ptr(json_object_get_string(json_object_object_get(o, "rule")),
                                  "unparsable-properties");

        *ret = TAKE_PTR(d);
        return 0;
}

void device_list_free(DeviceInfo **infos, size_t n) {
        for (size_t i = 0; i < n; i++)
                device_info_free(infos[i]);
        free(infos);
}

/* "/sys/bus/pci/devices" + "../../../devices/pci0000:00/0000:00:03.0" → "/sys/devices/pci0000:00/…". */
static char *path_join_normalized(const char *dir, const char *link) {
        _cleanup_strv_free_ char **parts = NULL;
        _cleanup_free_ char *joined = NULL, *copy = NULL;
        char *saveptr = NULL, *result;

        if (link[0] == '/')
                copy = strdup(link);
        else if (asprintf(&copy, "%s/%s", dir, link) < 0)
                copy = NULL;
        if (!copy)
                return NULL;

        parts = calloc(1, sizeof(char *));
        if (!parts)
                return NULL;
        for (char *w = strtok_r(copy, "/", &saveptr); w; w = strtok_r(NULL, "/", &saveptr)) {
                size_t n = strv_length(parts);

                if (streq(w, "."))
                        continue;
                if (streq(w, "..")) {
                        if (n > 0)
                                parts[n - 1] = mfree(parts[n - 1]);
                        continue;
                }
                if (strv_extend(&parts, w) < 0)
                        return NULL;
        }

        joined = strv_join(parts, "/");
        if (!joined)
                return NULL;
        return asprintf(&result, "/%s", joined) < 0 ? NULL : result;
}

static int device_from_sysfs(const char *bus, const char *devices_dir, const char *name, DeviceInfo **ret) {
        _cleanup_free_ char *entry = NULL, *syspath = NULL, *uevent = NULL, *contents = NULL;
        _cleanup_free_ char *devpath = NULL, *subsystem = NULL, *driver = NULL;
        _cleanup_strv_free_ char **props = NULL;
        _cleanup_(device_info_freep) DeviceInfo *info = NULL;
        char buf[4096], *saveptr = NULL;
        ssize_t k;
        int r;

        if (asprintf(&entry, "%s/%s", devices_dir, name) < 0)
                return -ENOMEM;
        k = readlink(entry, buf, sizeof(buf) - 1);
        if (k < 0)
                return -errno;
        buf[k] = '\0';
        syspath = path_join_normalized(devices_dir, buf);
        if (!syspath)
                return -ENOMEM;
        if (!startswith(syspath, "/sys/devices/"))
                return -EBADMSG;

        if (asprintf(&uevent, "%s/uevent", syspath) < 0)
                return -ENOMEM;
        r = read_full_file(uevent, UEVENT_MAX, &contents, NULL);
        if (r < 0)
                return r;

        /* The uevent file has what a uevent has, except where the device is and which bus it is on. */
        if (asprintf(&devpath, "DEVPATH=%s", syspath + strlen("/sys")) < 0 ||
            asprintf(&subsystem, "SUBSYSTEM=%s", bus) < 0)
                return -ENOMEM;
        if (strv_extend(&props, devpath) < 0 || strv_extend(&props, subsystem) < 0)
                return -ENOMEM;
        for (char *line = strtok_r(contents, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr))
                if (!startswith(line, "DEVPATH=") && !startswith(line, "SUBSYSTEM=") &&
                    strv_extend(&props, line) < 0)
                        return -ENOMEM;

        r = device_info_from_properties(props, &info, NULL);
        if (r < 0)
                return r;

        /* The link, not the DRIVER= line, says what is bound. */
        r = sysfs_read_driver(info->syspath, &driver);
        if (r < 0)
                return r;
        free(info->driver);
        info->driver = TAKE_PTR(driver);
        info->tdisp = sysfs_device_has_attribute(info->syspath, "tsm/lock");

        *ret = TAKE_PTR(info);
        return 0;
}

static int info_compare(const void *a, const void *b) {
        return strcmp((*(DeviceInfo *const *) a)->syspath, (*(DeviceInfo *const *) b)->syspath);
}

int device_list_from_sysfs(char *const *buses, DeviceInfo ***ret, size_t *ret_n, char ***ret_skipped) {
        _cleanup_strv_free_ char **all_buses = NULL, **skipped = NULL;
        DeviceInfo **infos = NULL;
        size_t n = 0;
        int r;

        if (!buses) {
                r = sysfs_list_buses(&all_buses);
                if (r < 0)
                        return r;
                buses = all_buses;
        }

        STRV_FOREACH(bus, buses) {
                _cleanup_free_ char *dir = NULL;
                DIR *d;

                if (!sysfs_name_is_safe(*bus))
                        continue;
                if (asprintf(&dir, "/sys/bus/%s/devices", *bus) < 0) {
                        r = -ENOMEM;
                        goto fail;
                }
                d = opendir(dir);
                if (!d)
                        continue;

                for (struct dirent *de; (de = readdir(d));) {
                        DeviceInfo *info = NULL, **t;

                        if (de->d_name[0] == '.')
                                continue;
                        r = device_from_sysfs(*bus, dir, de->d_name, &info);
                        if (r == -ENOMEM) {
                                closedir(d);
                                goto fail;
                        }
                        if (r < 0) {
                                if (strv_extend(&skipped, de->d_name) < 0) {
                                        closedir(d);
                                        r = -ENOMEM;
                                        goto fail;
                                }
                                continue;
                        }
                        t = reallocarray(infos, n + 1, sizeof(DeviceInfo *));
                        if (!t) {
                                device_info_free(info);
                                closedir(d);
                                r = -ENOMEM;
                                goto fail;
                        }
                        infos = t;
                        infos[n++] = info;
                }
                closedir(d);
        }

        if (n > 0)
                qsort(infos, n, sizeof(DeviceInfo *), info_compare);
        *ret = infos;
        *ret_n = n;
        if (ret_skipped)
                *ret_skipped = TAKE_PTR(skipped);
        return 0;

fail:
        device_list_free(infos, n);
        return r;
}

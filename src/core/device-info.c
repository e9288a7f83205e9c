/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device-info.c — what the core knows about one device: a plain struct built at the edge.
 *
 * Properties are read in two passes: the first checks the shape of every KEY=VALUE (sizes, control
 * characters, duplicates) and picks out the keys we know; the second validates and converts those.
 * A key we know that appears twice is refused rather than resolved: the kernel never sends one twice,
 * and "first wins" in one reader and "last wins" in another is how policy checks get bypassed. */

#include <assert.h>
#include <stdio.h>

#include "device-info.h"
#include "modalias.h"
#include "parse-util.h"
#include "path-util.h"
#include "strv.h"

typedef enum DeviceProperty {
        DEVICE_PROPERTY_ACTION,
        DEVICE_PROPERTY_DEVPATH,
        DEVICE_PROPERTY_SUBSYSTEM,
        DEVICE_PROPERTY_DRIVER,
        DEVICE_PROPERTY_MODALIAS,
        DEVICE_PROPERTY_PCI_ID,
        DEVICE_PROPERTY_PCI_SUBSYS_ID,
        DEVICE_PROPERTY_PCI_CLASS,
        DEVICE_PROPERTY_PRODUCT,
        _DEVICE_PROPERTY_MAX,
        _DEVICE_PROPERTY_INVALID = -EINVAL,
} DeviceProperty;

static const char *const device_property_table[_DEVICE_PROPERTY_MAX] = {
        [DEVICE_PROPERTY_ACTION] = "ACTION",
        [DEVICE_PROPERTY_DEVPATH] = "DEVPATH",
        [DEVICE_PROPERTY_SUBSYSTEM] = "SUBSYSTEM",
        [DEVICE_PROPERTY_DRIVER] = "DRIVER",
        [DEVICE_PROPERTY_MODALIAS] = "MODALIAS",
        [DEVICE_PROPERTY_PCI_ID] = "PCI_ID",
        [DEVICE_PROPERTY_PCI_SUBSYS_ID] = "PCI_SUBSYS_ID",
        [DEVICE_PROPERTY_PCI_CLASS] = "PCI_CLASS",
        [DEVICE_PROPERTY_PRODUCT] = "PRODUCT",
};

static DeviceProperty device_property_from_key(const char *key, size_t n) {
        for (DeviceProperty p = 0; p < _DEVICE_PROPERTY_MAX; p++)
                if (strlen(device_property_table[p]) == n && memcmp(device_property_table[p], key, n) == 0)
                        return p;
        return _DEVICE_PROPERTY_INVALID;
}

DeviceInfo *device_info_free(DeviceInfo *d) {
        if (!d)
                return NULL;
        free(d->syspath);
        free(d->sysname);
        free(d->bus);
        free(d->modalias);
        free(d->driver);
        free(d->driver_module);
        return mfree(d);
}

static bool has_control_or_non_ascii(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || (unsigned char) *s >= 0x7f)
                        return true;
        return false;
}

static bool has_control(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

/* SUBSYSTEM= and DRIVER= become path components under /sys/bus/: nothing that could leave it. */
static bool path_component_is_valid(const char *s) {
        return !isempty(s) && !strchr(s, '/') && !streq(s, ".") && !streq(s, "..");
}

/* "/devices/…" with no empty, "." or ".." component, so that "/sys" + DEVPATH stays inside /sys. */
static bool devpath_is_valid(const char *p) {
        return startswith(p, "/devices/") && path_is_normalized(p);
}

/* "VVVV:DDDD", as the kernel prints PCI_ID= and PCI_SUBSYS_ID=. */
static int parse_pci_id_pair(const char *s, uint32_t *ret_first, uint32_t *ret_second) {
        if (strlen(s) != 9 || s[4] != ':')
                return -EBADMSG;
        if (safe_atoux32_n(s, 4, ret_first) < 0 || safe_atoux32_n(s + 5, 4, ret_second) < 0)
                return -EBADMSG;
        return 0;
}

/* One field of usb's PRODUCT=: 1…4 hex digits, "%x" without leading zeros. */
static int parse_usb_product_field(const char **p, char terminator, uint32_t *ret) {
        size_t n = strcspn(*p, "/");

        if (n == 0 || n > 4 || (*p)[n] != terminator)
                return -EBADMSG;
        if (safe_atoux32_n(*p, n, ret) < 0)
                return -EBADMSG;
        *p += n + (terminator ? 1 : 0);
        return 0;
}

static int parse_usb_product(const char *s, uint32_t *ret_vendor, uint32_t *ret_product) {
        uint32_t v, p, bcd;

        if (parse_usb_product_field(&s, '/', &v) < 0 ||
            parse_usb_product_field(&s, '/', &p) < 0 ||
            parse_usb_product_field(&s, '\0', &bcd) < 0)
                return -EBADMSG;

        *ret_vendor = v;
        *ret_product = p;
        return 0;
}

static int device_info_set_pci_ids(DeviceInfo *d, const char *values[static _DEVICE_PROPERTY_MAX]) {
        uint32_t a, b;

        if (values[DEVICE_PROPERTY_PCI_ID]) {
                if (parse_pci_id_pair(values[DEVICE_PROPERTY_PCI_ID], &a, &b) < 0)
                        return -EBADMSG;
                d->vendor = a;
                d->device = b;
                d->ids |= DEVICE_ID_VENDOR | DEVICE_ID_DEVICE;
        }
        if (values[DEVICE_PROPERTY_PCI_SUBSYS_ID]) {
                if (parse_pci_id_pair(values[DEVICE_PROPERTY_PCI_SUBSYS_ID], &a, &b) < 0)
                        return -EBADMSG;
                d->subsystem_vendor = a;
                d->subsystem_device = b;
                d->ids |= DEVICE_ID_SUBSYSTEM_VENDOR | DEVICE_ID_SUBSYSTEM_DEVICE;
        }
        if (values[DEVICE_PROPERTY_PCI_CLASS]) {
                const char *c = values[DEVICE_PROPERTY_PCI_CLASS];
                size_t n = strlen(c);

                if (n < 1 || n > 6 || safe_atoux32_n(c, n, &a) < 0)
                        return -EBADMSG;
                d->class = a;
                d->ids |= DEVICE_ID_CLASS;
        }

        /* Without PCI_ID= (e.g. properties gathered from sysfs) the modalias has the same ids; it only
         * fills in what the dedicated properties did not say. */
        if (d->modalias && startswith(d->modalias, "pci:")) {
                PciIds ids;

                if (modalias_parse_pci(d->modalias, &ids) < 0)
                        return -EBADMSG;
                if (!(d->ids & DEVICE_ID_VENDOR)) {
                        d->vendor = ids.vendor;
                        d->device = ids.device;
                        d->ids |= DEVICE_ID_VENDOR | DEVICE_ID_DEVICE;
                }
                if (!(d->ids & DEVICE_ID_SUBSYSTEM_VENDOR)) {
                        d->subsystem_vendor = ids.subsystem_vendor;
                        d->subsystem_device = ids.subsystem_device;
                        d->ids |= DEVICE_ID_SUBSYSTEM_VENDOR | DEVICE_ID_SUBSYSTEM_DEVICE;
                }
                if (!(d->ids & DEVICE_ID_CLASS)) {
                        d->class = ids.class;
                        d->ids |= DEVICE_ID_CLASS;
                }
        }
        return 0;
}

static int device_info_set_ids(DeviceInfo *d, const char *values[static _DEVICE_PROPERTY_MAX]) {
        uint32_t a, b;

        /* The ids of one bus mean nothing on another, so each bus reads only its own properties. */
        if (streq(d->bus, "pci"))
                return device_info_set_pci_ids(d, values);

        if (streq(d->bus, "virtio") && d->modalias) {
                if (modalias_parse_virtio(d->modalias, &b, &a) < 0)
                        return -EBADMSG;
                d->vendor = a;
                d->device = b;
                d->ids |= DEVICE_ID_VENDOR | DEVICE_ID_DEVICE;
                return 0;
        }

        if (streq(d->bus, "usb") && values[DEVICE_PROPERTY_PRODUCT]) {
                if (parse_usb_product(values[DEVICE_PROPERTY_PRODUCT], &a, &b) < 0)
                        return -EBADMSG;
                d->vendor = a;
                d->device = b;
                d->ids |= DEVICE_ID_VENDOR | DEVICE_ID_DEVICE;
        }
        return 0;
}

int device_info_from_properties(char *const *properties, DeviceInfo **ret, char **ret_action) {
        _cleanup_(device_info_freep) DeviceInfo *d = NULL;
        _cleanup_free_ char *action = NULL;
        const char *values[_DEVICE_PROPERTY_MAX] = {};
        const char *devpath, *subsystem, *modalias;
        size_t n = 0;
        int r;

        assert(ret);

        STRV_FOREACH(prop, properties) {
                const char *eq = strchr(*prop, '=');
                DeviceProperty p;

                if (++n > DEVICE_INFO_PROPERTIES_MAX)
                        return -E2BIG;
                if (!eq || eq == *prop)
                        return -EBADMSG;
                if ((size_t) (eq - *prop) > DEVICE_INFO_KEY_MAX || strlen(eq + 1) > DEVICE_INFO_VALUE_MAX)
                        return -E2BIG;
                if (has_control(*prop))
                        return -EBADMSG;

                p = device_property_from_key(*prop, (size_t) (eq - *prop));
                if (p < 0)
                        continue;
                if (values[p])
                        return -EBADMSG;
                values[p] = eq + 1;
        }

        devpath = values[DEVICE_PROPERTY_DEVPATH];
        subsystem = values[DEVICE_PROPERTY_SUBSYSTEM];
        if (!devpath || !devpath_is_valid(devpath))
                return -EBADMSG;
        if (!subsystem || !path_component_is_valid(subsystem))
                return -EBADMSG;
        if (values[DEVICE_PROPERTY_DRIVER] && !path_component_is_valid(values[DEVICE_PROPERTY_DRIVER]))
                return -EBADMSG;
        modalias = values[DEVICE_PROPERTY_MODALIAS];
        if (modalias && (isempty(modalias) || has_control_or_non_ascii(modalias)))
                return -EBADMSG;

        d = calloc(1, sizeof(DeviceInfo));
        if (!d)
                return -ENOMEM;

        if (asprintf(&d->syspath, "/sys%s", devpath) < 0) {
                d->syspath = NULL;
                return -ENOMEM;
        }
        d->sysname = strdup(strrchr(devpath, '/') + 1);
        d->bus = strdup(subsystem);
        if (!d->sysname || !d->bus)
                return -ENOMEM;
        if (free_and_strdup(&d->modalias, modalias) < 0 ||
            free_and_strdup(&d->driver, values[DEVICE_PROPERTY_DRIVER]) < 0)
                return -ENOMEM;

        r = device_info_set_ids(d, values);
        if (r < 0)
                return r;

        if (ret_action) {
                if (free_and_strdup(&action, values[DEVICE_PROPERTY_ACTION]) < 0)
                        return -ENOMEM;
                *ret_action = TAKE_PTR(action);
        }
        *ret = TAKE_PTR(d);
        return 0;
}

int device_info_from_buffer(const char *data, size_t size, DeviceInfo **ret, char **ret_action) {
        _cleanup_strv_free_ char **properties = NULL;
        size_t n = 0;
        int r;

        assert(data || size == 0);
        assert(ret);

        if (size > DEVICE_INFO_BUFFER_MAX)
                return -E2BIG;

        properties = calloc(1, sizeof(char *));
        if (!properties)
                return -ENOMEM;

        for (size_t pos = 0; pos < size;) {
                const char *s = data + pos, *end = memchr(s, '\0', size - pos);
                size_t len = end ? (size_t) (end - s) : size - pos;

                /* "A=1\0\0B=2" is not something the kernel or udev ever send. */
                if (len == 0)
                        return -EBADMSG;
                if (++n > DEVICE_INFO_PROPERTIES_MAX)
                        return -E2BIG;

                r = strv_consume(&properties, strndup(s, len));
                if (r < 0)
                        return r;
                pos += len + 1;
        }

        return device_info_from_properties(properties, ret, ret_action);
}

int device_info_from_uevent_file(const char *devpath, const char *subsystem, const char *contents, size_t size,
                                 DeviceInfo **ret) {
        _cleanup_free_ char *copy = NULL, *devpath_kv = NULL, *subsystem_kv = NULL;
        char *properties[DEVICE_INFO_PROPERTIES_MAX + 1];
        size_t n = 0;

        assert(devpath);
        assert(subsystem);
        assert(contents || size == 0);
        assert(ret);

        if (size > DEVICE_INFO_BUFFER_MAX)
                return -E2BIG;
        /* A text file: a NUL inside would cut a value short unnoticed. */
        if (memchr(contents, '\0', size))
                return -EBADMSG;
        copy = strndup(contents, size);
        if (asprintf(&devpath_kv, "DEVPATH=%s", devpath) < 0)
                devpath_kv = NULL;
        if (asprintf(&subsystem_kv, "SUBSYSTEM=%s", subsystem) < 0)
                subsystem_kv = NULL;
        if (!copy || !devpath_kv || !subsystem_kv)
                return -ENOMEM;

        properties[n++] = devpath_kv;
        properties[n++] = subsystem_kv;
        for (char *line = copy, *next; line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (isempty(line) || startswith(line, "DEVPATH=") || startswith(line, "SUBSYSTEM="))
                        continue;
                if (n >= DEVICE_INFO_PROPERTIES_MAX)
                        return -E2BIG;
                properties[n++] = line;
        }
        properties[n] = NULL;

        return device_info_from_properties(properties, ret, NULL);
}

DeviceInfo *device_info_copy(const DeviceInfo *d) {
        _cleanup_(device_info_freep) DeviceInfo *c = NULL;

        assert(d);

        c = calloc(1, sizeof(DeviceInfo));
        if (!c)
                return NULL;

        *c = (DeviceInfo) {
                .ids = d->ids,
                .vendor = d->vendor,
                .device = d->device,
                .subsystem_vendor = d->subsystem_vendor,
                .subsystem_device = d->subsystem_device,
                .class = d->class,
                .driver_builtin = d->driver_builtin,
                .tdisp = d->tdisp,
                .firmware_described = d->firmware_described,
                .unparsable = d->unparsable,
        };

        if (free_and_strdup(&c->syspath, d->syspath) < 0 ||
            free_and_strdup(&c->sysname, d->sysname) < 0 ||
            free_and_strdup(&c->bus, d->bus) < 0 ||
            free_and_strdup(&c->modalias, d->modalias) < 0 ||
            free_and_strdup(&c->driver, d->driver) < 0 ||
            free_and_strdup(&c->driver_module, d->driver_module) < 0)
                return NULL;

        return TAKE_PTR(c);
}

int device_info_new_unparsable(const char *syspath, const char *bus, DeviceInfo **ret) {
        _cleanup_(device_info_freep) DeviceInfo *d = NULL;
        const char *devpath;

        assert(ret);

        devpath = syspath ? startswith(syspath, "/sys") : NULL;
        if (!devpath || !devpath_is_valid(devpath) || !bus || !path_component_is_valid(bus))
                return -EINVAL;

        d = calloc(1, sizeof(DeviceInfo));
        if (!d)
                return -ENOMEM;
        d->unparsable = true;
        d->syspath = strdup(syspath);
        d->sysname = strdup(strrchr(syspath, '/') + 1);
        d->bus = strdup(bus);
        if (!d->syspath || !d->sysname || !d->bus)
                return -ENOMEM;

        *ret = TAKE_PTR(d);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device-info.h — what the core knows about one device: a plain struct built at the edge.
 *
 * The daemon builds a DeviceInfo from a uevent or from sd_device properties (KEY=VALUE strings), and
 * adds what only sysfs can tell (the bound driver's module, whether the bus has driver_override).
 * Everything in here comes from the (untrusted) host-controlled device, so the parser validates every
 * field and refuses oversized or malformed values rather than guessing. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

/* Longest single property value we accept; real modaliases are < 200 bytes. */
#define DEVICE_INFO_VALUE_MAX 4096U
/* Most properties in one uevent; the kernel's own limit is 32 (UEVENT_NUM_ENVP). */
#define DEVICE_INFO_PROPERTIES_MAX 64U
/* Property names are short identifiers ("ID_VENDOR_FROM_DATABASE" is among the longest). */
#define DEVICE_INFO_KEY_MAX 256U
/* Every property at its longest, each with '=' and NUL (or newline): the largest uevent or uevent
 * file worth parsing. */
#define DEVICE_INFO_BUFFER_MAX \
        ((size_t) DEVICE_INFO_PROPERTIES_MAX * (DEVICE_INFO_KEY_MAX + 1 + DEVICE_INFO_VALUE_MAX + 1))

typedef enum DeviceIdField {
        DEVICE_ID_VENDOR = 1 << 0,
        DEVICE_ID_DEVICE = 1 << 1,
        DEVICE_ID_SUBSYSTEM_VENDOR = 1 << 2,
        DEVICE_ID_SUBSYSTEM_DEVICE = 1 << 3,
        DEVICE_ID_CLASS = 1 << 4,
} DeviceIdField;

typedef struct DeviceInfo {
        char *syspath;          /* "/sys/devices/pci0000:00/0000:00:03.0", required */
        char *sysname;          /* last component of syspath: "0000:00:03.0" */
        char *bus;              /* SUBSYSTEM=, a bus name: "pci", "virtio", "platform", … */
        char *modalias;         /* MODALIAS= or NULL */
        char *driver;           /* DRIVER= (bound driver) or NULL */

        unsigned ids;           /* DeviceIdField mask: which of the ids below are known */
        uint32_t vendor, device, subsystem_vendor, subsystem_device;
        uint32_t class;         /* 24 bit PCI class: base << 16 | sub << 8 | prog-if */

        /* Filled by the daemon from sysfs, not from uevent properties. */
        char *driver_module;    /* module that provides driver, NULL if built in or unknown */
        bool driver_builtin;    /* driver has no module: part of the measured kernel */
        bool tdisp;             /* the device offers TDISP (a tsm/ directory with lock) */
        bool firmware_described; /* platform bus: ACPI or the device tree describes it (firmware_node,
                                  * of_node); without, a driver of the kernel registered it */

        /* Its uevent properties were refused (malformed or oversized): only syspath, sysname and bus
         * are known, plus what the daemon reads from sysfs. Policy denies it with every driver. */
        bool unparsable;
} DeviceInfo;

DeviceInfo *device_info_free(DeviceInfo *d);
DEFINE_TRIVIAL_CLEANUP_FUNC(DeviceInfo *, device_info_free);

/* Parses uevent-style properties, "KEY=VALUE" strings (ACTION=, DEVPATH=, SUBSYSTEM=, DRIVER=,
 * MODALIAS=, PCI_ID=, PCI_SUBSYS_ID=, PCI_CLASS=, PRODUCT= for usb; virtio ids come from the
 * modalias). DEVPATH= is relative to /sys, as in uevents. Unknown keys are ignored, malformed known
 * ones are an error (-EBADMSG), oversized input -E2BIG. If ret_action is non-NULL it receives a copy
 * of ACTION= (or NULL when absent). */
int device_info_from_properties(char *const *properties, DeviceInfo **ret, char **ret_action);

/* Same, from a buffer of NUL-separated KEY=VALUE strings (the uevent wire format, without the
 * leading "action@devpath" header). */
int device_info_from_buffer(const char *data, size_t size, DeviceInfo **ret, char **ret_action);

/* Same, from a device's sysfs uevent file: KEY=VALUE lines, the properties the kernel sends with the
 * device's events except DEVPATH= and SUBSYSTEM=, which the caller knows from where it found the
 * device (devpath relative to /sys, and the bus). Such lines in the file are ignored in favour of
 * the caller's. A file without MODALIAS= (many platform and virtual devices) is fine. */
int device_info_from_uevent_file(const char *devpath, const char *subsystem, const char *contents, size_t size,
                                 DeviceInfo **ret);

DeviceInfo *device_info_copy(const DeviceInfo *d);

/* A device whose properties were refused is still tracked, as unparsable, rather than ignored: ignored,
 * a driver already bound to it would stay. syspath must be "/sys/devices/…" and normalized, bus a
 * single path component (-EINVAL otherwise). */
int device_info_new_unparsable(const char *syspath, const char *bus, DeviceInfo **ret);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysfs.h — the driver-binding files of kernel-abi.md §1, and nothing else. */
#pragma once

#include <stdbool.h>

#include "macro.h"

/* Kernel object names never contain '/'; refuse anything that could escape a sysfs directory. */
bool sysfs_name_is_safe(const char *name) _pure_;

/* The driver bound to the device at syspath: 1 and *ret_driver set, or 0 if none. */
int sysfs_read_driver(const char *syspath, char **ret_driver);

/* The module providing a bus's driver, and whether it is built in. A built-in driver has no "module"
 * link, or — when its module has parameters — a link to a /sys/module/<m> without "initstate"
 * (drivers/base/module.c); only loadable modules have an initstate. *ret_module may be NULL for a
 * built-in without a link. -ENOENT if the driver does not exist on that bus. */
int sysfs_driver_module(const char *bus, const char *driver, char **ret_module, bool *ret_builtin);

bool sysfs_device_has_attribute(const char *syspath, const char *attribute);
int sysfs_write_device_attribute(const char *syspath, const char *attribute, const char *value);

int sysfs_bind(const char *bus, const char *driver, const char *sysname);
int sysfs_unbind(const char *bus, const char *driver, const char *sysname);
bool sysfs_bus_has_driver(const char *bus, const char *driver);

/* Buses under /sys/bus, sorted. */
int sysfs_list_buses(char ***ret);
/* The syspaths of every device on bus (what /sys/bus/BUS/devices/ links to), in directory order; an
 * empty list if the bus has no devices directory. A link that does not lead into /sys/devices/ is
 * skipped. */
int sysfs_list_bus_devices(const char *bus, char ***ret);

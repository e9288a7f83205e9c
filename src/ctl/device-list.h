/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device-list.h — the devices generate-policy drafts from: tdispd's list, or a walk of /sys/bus. */
#pragma once

#include <json-c/json.h>
#include <stddef.h>

#include "device-info.h"

/* A Device object of io.tdispd.Manager (ListDevices) as a DeviceInfo. -EBADMSG if a required field
 * is missing. */
int device_info_from_json(json_object *o, DeviceInfo **ret);

/* Every device on the given buses (NULL: every bus under /sys/bus), read as tdispd reads them:
 * uevent properties, the driver link, and whether tsm/lock exists. Ordered by syspath. A device
 * that cannot be read is skipped; its name is added to ret_skipped (may be NULL). */
int device_list_from_sysfs(char *const *buses, DeviceInfo ***ret, size_t *ret_n, char ***ret_skipped);

void device_list_free(DeviceInfo **infos, size_t n);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* modalias.h — device ids from modalias strings, and how specific a modules.alias pattern is. */
#pragma once

#include <stdint.h>

#include "macro.h"

typedef struct PciIds {
        uint32_t vendor, device, subsystem_vendor, subsystem_device;
        uint32_t class;         /* base << 16 | sub << 8 | prog-if */
} PciIds;

/* "pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", exactly (hex digits of either case). -EINVAL
 * otherwise. */
int modalias_parse_pci(const char *modalias, PciIds *ret);

/* "virtio:d%08Xv%08X", exactly. -EINVAL otherwise. */
int modalias_parse_virtio(const char *modalias, uint32_t *ret_device, uint32_t *ret_vendor);

/* The number of '*' in a modules.alias pattern: of the aliases that match a device, the one with the
 * fewest is the most specific (the override_only lookup algorithm, see kernel-abi.md). */
unsigned modalias_glob_specificity(const char *pattern) _pure_;

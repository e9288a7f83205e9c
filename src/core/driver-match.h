/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* driver-match.h — driver and module names, and the globs that allow or deny them. */
#pragma once

#include <stdbool.h>

#include "macro.h"

/* Longest driver name or glob we handle; longer names never match. (Module names are ≤ 55.) */
#define DRIVER_NAME_MAX 255U

/* Whether name matches any of globs, treating '-' and '_' as the same character on both sides: the
 * module virtio_pci registers the driver "virtio-pci", and a policy must not care which it names.
 * A NULL or empty globs list matches nothing. */
bool driver_glob_match(char *const *globs, const char *name) _pure_;

/* A glob from TrustedDrivers=, DeniedDrivers= or Bus=: 1…DRIVER_NAME_MAX characters of
 * [A-Za-z0-9_*?[]!.-]. */
bool driver_glob_is_valid(const char *glob) _pure_;

/* A literal driver or module name, as in Driver=: 1…DRIVER_NAME_MAX characters of [A-Za-z0-9_.-],
 * not starting with '.' or '-' (it becomes a sysfs path component and a modprobe argument). */
bool driver_name_is_valid(const char *name) _pure_;

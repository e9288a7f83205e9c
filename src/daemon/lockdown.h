/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lockdown.h — switching off the kernel's own driver binding (drivers_autoprobe, modules_autoprobe). */
#pragma once

#include <stdbool.h>

/* Writes 0 to /sys/bus/<bus>/drivers_autoprobe. dry_run (audit mode) only reports. */
int lockdown_bus(const char *bus, bool dry_run);

/* Every bus present now; *ret_buses receives their names. Failing buses are reported and counted:
 * the return value is the first error, after all buses were tried. */
int lockdown_all_buses(bool dry_run, char ***ret_buses);

/* /sys/module/module/parameters/modules_autoprobe, where the kernel has it (proposed upstream). */
int lockdown_modules_autoprobe(bool dry_run);

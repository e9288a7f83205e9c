/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lockdown.c — switching off the kernel's own driver binding.
 *
 * drivers_autoprobe=0 stops a bus from binding when a device appears and when a driver registers,
 * but it leaves existing bindings alone; the manager deals with those after this has run on every
 * bus. The file is written even when it already reads 0: reading first would only add a window. */

#include <stdio.h>

#include "fileio.h"
#include "lockdown.h"
#include "log.h"
#include "message-id.h"
#include "strv.h"
#include "sysfs.h"

#define MODULES_AUTOPROBE_PATH "/sys/module/module/parameters/modules_autoprobe"

int lockdown_bus(const char *bus, bool dry_run) {
        _cleanup_free_ char *path = NULL, *field = NULL;
        int r;

        if (!sysfs_name_is_safe(bus))
                return -EINVAL;
        if (asprintf(&path, "/sys/bus/%s/drivers_autoprobe", bus) < 0 ||
            asprintf(&field, "TDISPD_BUS=%s", bus) < 0)
                return log_oom();
        char *fields[] = { field, NULL };

        if (dry_run) {
                log_struct_internal(LOG_INFO, 0, MESSAGE_ID_ACTION_AUDIT, fields,
                                    "Audit: would disable driver autoprobe on bus '%s'.", bus);
                return 0;
        }

        r = write_string_file(path, "0");
        if (r == -ENOENT) {
                /* A bus without drivers_autoprobe cannot autoprobe (or went away meanwhile). */
                log_debug("Bus '%s' has no drivers_autoprobe, skipping.", bus);
                return 0;
        }
        if (r < 0)
                return log_struct_internal(LOG_ERR, r, MESSAGE_ID_ACTION_FAILED, fields,
                                           "Failed to disable driver autoprobe on bus '%s': %m", bus);

        log_struct_internal(LOG_DEBUG, 0, MESSAGE_ID_BUS_LOCKED_DOWN, fields,
                            "Driver autoprobe disabled on bus '%s'.", bus);
        return 0;
}

int lockdown_all_buses(bool dry_run, char ***ret_buses) {
        _cleanup_strv_free_ char **buses = NULL;
        int r, ret = 0;

        r = sysfs_list_buses(&buses);
        if (r < 0)
                return log_error_errno(r, "Failed to list /sys/bus: %m");

        STRV_FOREACH(bus, buses) {
                r = lockdown_bus(*bus, dry_run);
                if (r < 0 && ret == 0)
                        ret = r;
        }

        log_info("%s driver autoprobe on %zu buses.", dry_run ? "Audit: would disable" : "Disabled",
                 strv_length(buses));
        if (ret_buses)
                *ret_buses = TAKE_PTR(buses);
        return ret;
}

int lockdown_modules_autoprobe(bool dry_run) {
        int r;

        if (access(MODULES_AUTOPROBE_PATH, F_OK) < 0) {
                log_debug("Kernel has no modules_autoprobe parameter.");
                return 0;
        }
        if (dry_run) {
                log_info("Audit: would write 0 to %s.", MODULES_AUTOPROBE_PATH);
                return 0;
        }

        r = write_string_file(MODULES_AUTOPROBE_PATH, "0");
        if (r < 0)
                return log_error_errno(r, "Failed to disable modules_autoprobe: %m");
        log_info("Disabled module autoprobe (%s).", MODULES_AUTOPROBE_PATH);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "device-log.h"
#include "macro.h"

int log_device_internal(int level, int error, const char *sysname, const char *format, ...) {
        _cleanup_free_ char *field = NULL;
        char message[2048];
        va_list ap;

        if (level > log_get_max_level())
                return -abs(error);

        /* The caller's %m means the error it passed, as with every other log call. */
        errno = abs(error);
        va_start(ap, format);
        (void) vsnprintf(message, sizeof(message), format, ap);
        va_end(ap);

        if (!sysname)
                sysname = "(unknown device)";
        if (asprintf(&field, "TDISPD_DEVICE=%s", sysname) < 0)
                field = NULL;
        char *fields[] = { field, NULL };
        return log_struct_internal(level, error, NULL, field ? fields : NULL, "%s: %s", sysname, message);
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* conf-error.c — where and why a configuration or policy input was refused. */

#include <stdarg.h>
#include <stdio.h>

#include "conf-error.h"

void conf_error_done(ConfError *e) {
        if (!e)
                return;
        free(e->filename);
        free(e->key);
        free(e->message);
        *e = (ConfError) {};
}

int conf_error_set(ConfError *e, const char *filename, unsigned line, const char *key, int error,
                   const char *format, ...) {
        va_list ap;

        if (!e || e->error != 0)
                return error;

        *e = (ConfError) { .line = line, .error = error };
        if (filename)
                e->filename = strdup(filename);
        if (key)
                e->key = strdup(key);

        va_start(ap, format);
        if (vasprintf(&e->message, format, ap) < 0)
                e->message = NULL;
        va_end(ap);

        return error;
}

char *conf_error_format(const ConfError *e) {
        char *s = NULL;
        char linebuf[32] = "";

        if (e->line > 0)
                (void) snprintf(linebuf, sizeof(linebuf), ":%u", e->line);

        if (asprintf(&s, "%s%s%s%s%s%s",
                     e->filename ?: "",
                     linebuf,
                     e->filename || e->line > 0 ? ": " : "",
                     e->key ? e->key : "",
                     e->key ? "=: " : "",
                     e->message ?: "invalid input") < 0)
                return NULL;
        return s;
}

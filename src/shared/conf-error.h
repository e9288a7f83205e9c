/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* conf-error.h — where and why a configuration or policy input was refused.
 *
 * Parsers never log (the core does no I/O); they fill a ConfError so that the caller can report
 * "file:line: Key=: reason" exactly once, where the error is handled. */
#pragma once

#include "macro.h"

typedef struct ConfError {
        char *filename;   /* as given to the parser, may be NULL */
        unsigned line;    /* 1-based, 0 when not tied to a line */
        char *key;        /* "Section.Key" or NULL */
        char *message;    /* human-readable reason, without location */
        int error;        /* negative errno */
} ConfError;

void conf_error_done(ConfError *e);

/* Records the first error only (later ones are usually consequences) and returns error, so that a
 * parser can write: return conf_error_set(ret_error, file, line, "Policy.Action", -EINVAL, "…"). */
int conf_error_set(ConfError *e, const char *filename, unsigned line, const char *key, int error,
                   const char *format, ...) _printf_(6, 7);

/* "file:line: Key=: message" (parts omitted when unknown). The result is freshly allocated. */
char *conf_error_format(const ConfError *e);

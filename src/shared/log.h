/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* log.h — logging to the journal (structured fields) or to stderr with <N> priority prefixes.
 *
 * Every function returns -abs(error), so that failures can be logged and returned in one statement:
 *     return log_error_errno(r, "Failed to attach device monitor: %m");
 * %m expands to the message of the error passed in, not of the ambient errno. */
#pragma once

#include <stdarg.h>
#include <syslog.h>

#include "macro.h"

typedef enum LogTarget {
        LOG_TARGET_AUTO,        /* journal when stderr is connected to it ($JOURNAL_STREAM), else console */
        LOG_TARGET_JOURNAL,
        LOG_TARGET_CONSOLE,
        _LOG_TARGET_MAX,
        _LOG_TARGET_INVALID = -EINVAL,
} LogTarget;

DECLARE_STRING_TABLE_LOOKUP(log_target, LogTarget);

void log_setup(LogTarget target, int max_level);
int log_get_max_level(void) _pure_;
/* Parses "debug", "info", … or a number 0–7. */
int log_level_from_string(const char *s);

/* fields: NULL-terminated list of "KEY=VALUE" strings, may be NULL. message_id may be NULL. */
int log_struct_internal(int level, int error, const char *message_id, char *const *fields,
                        const char *format, ...) _printf_(5, 6);
int log_struct_internalv(int level, int error, const char *message_id, char *const *fields,
                         const char *format, va_list ap) _printf_(5, 0);

#define log_full_errno(level, error, ...) log_struct_internal((level), (error), NULL, NULL, __VA_ARGS__)
#define log_full(level, ...) (void) log_full_errno((level), 0, __VA_ARGS__)

#define log_debug(...) log_full(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_full(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_full(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_full(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_full(LOG_ERR, __VA_ARGS__)

#define log_debug_errno(error, ...) log_full_errno(LOG_DEBUG, (error), __VA_ARGS__)
#define log_info_errno(error, ...) log_full_errno(LOG_INFO, (error), __VA_ARGS__)
#define log_notice_errno(error, ...) log_full_errno(LOG_NOTICE, (error), __VA_ARGS__)
#define log_warning_errno(error, ...) log_full_errno(LOG_WARNING, (error), __VA_ARGS__)
#define log_error_errno(error, ...) log_full_errno(LOG_ERR, (error), __VA_ARGS__)

#define log_oom() log_error_errno(-ENOMEM, "Out of memory.")

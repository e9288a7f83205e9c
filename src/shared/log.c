/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* log.c — logging to the journal (structured fields) or to stderr with <N> priority prefixes. */

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "parse-util.h"
#include "strv.h"

static LogTarget log_target = LOG_TARGET_CONSOLE;
static int log_max_level = LOG_INFO;

static const char *const log_target_table[_LOG_TARGET_MAX] = {
        [LOG_TARGET_AUTO] = "auto",
        [LOG_TARGET_JOURNAL] = "journal",
        [LOG_TARGET_CONSOLE] = "console",
};

DEFINE_STRING_TABLE_LOOKUP(log_target, LogTarget, _LOG_TARGET_MAX);

static const char *const log_level_names[] = {
        "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

int log_level_from_string(const char *s) {
        uint32_t u;

        for (size_t i = 0; i < ELEMENTSOF(log_level_names); i++)
                if (streq(s, log_level_names[i]))
                        return (int) i;
        if (safe_atou32(s, &u) >= 0 && u <= LOG_DEBUG)
                return (int) u;
        return -EINVAL;
}

/* stderr is the journal's stream when its device and inode match $JOURNAL_STREAM. */
static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == dev && st.st_ino == ino;
}

void log_setup(LogTarget target, int max_level) {
        if (target == LOG_TARGET_AUTO)
                target = stderr_is_journal() ? LOG_TARGET_JOURNAL : LOG_TARGET_CONSOLE;
        log_target = target;
        if (max_level >= 0)
                log_max_level = max_level;
}

int log_get_max_level(void) {
        return log_max_level;
}

static void log_to_console(int level, const char *message, char *const *fields) {
        _cleanup_free_ char *joined = NULL;

        if (!strv_length(fields)) {
                fprintf(stderr, "<%i>%s\n", level, message);
                return;
        }
        joined = strv_join(fields, " ");
        fprintf(stderr, "<%i>%s [%s]\n", level, message, strempty(joined));
}

static void log_to_journal(int level, int error, const char *message_id, const char *message,
                           char *const *fields) {
        size_t n_fields = strv_length(fields), n = 0;
        _cleanup_free_ char *m = NULL, *p = NULL, *id = NULL, *e = NULL;
        _cleanup_free_ struct iovec *iov = NULL;

        iov = calloc(n_fields + 5, sizeof(struct iovec));
        if (asprintf(&m, "MESSAGE=%s", message) < 0 || asprintf(&p, "PRIORITY=%i", level) < 0 || !iov) {
                log_to_console(level, message, fields);
                return;
        }
        iov[n++] = (struct iovec) { .iov_base = m, .iov_len = strlen(m) };
        iov[n++] = (struct iovec) { .iov_base = p, .iov_len = strlen(p) };
        if (message_id && asprintf(&id, "MESSAGE_ID=%s", message_id) >= 0)
                iov[n++] = (struct iovec) { .iov_base = id, .iov_len = strlen(id) };
        if (error != 0 && asprintf(&e, "ERRNO=%i", abs(error)) >= 0)
                iov[n++] = (struct iovec) { .iov_base = e, .iov_len = strlen(e) };
        STRV_FOREACH(f, fields)
                iov[n++] = (struct iovec) { .iov_base = *f, .iov_len = strlen(*f) };

        if (sd_journal_sendv(iov, (int) n) < 0)
                log_to_console(level, message, fields);
}

int log_struct_internalv(int level, int error, const char *message_id, char *const *fields,
                         const char *format, va_list ap) {
        char buf[2048];

        if (level > log_max_level)
                return -abs(error);

        /* Let %m print the error we were given. */
        errno = abs(error);
        (void) vsnprintf(buf, sizeof(buf), format, ap);

        if (log_target == LOG_TARGET_JOURNAL)
                log_to_journal(level, error, message_id, buf, fields);
        else
                log_to_console(level, buf, fields);

        return -abs(error);
}

int log_struct_internal(int level, int error, const char *message_id, char *const *fields,
                        const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = log_struct_internalv(level, error, message_id, fields, format, ap);
        va_end(ap);
        return r;
}

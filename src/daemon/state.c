/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* state.c — writing and reading /run/tdispd/state.json.
 *
 * Written atomically (a temporary file in the same directory, fsync, rename). Each write serializes
 * every device, so not every change writes at once: a change that restoring relies on (a TDISP
 * device's, persist_record_changes_state()) is written at the end of the event-loop iteration, as is the
 * topology lock (at once); any other change within STATE_SAVE_DELAY_USEC, so that a burst of N
 * ordinary uevents costs one write rather than N. Read once at start; a file from another boot, or
 * one that does not parse, is reported and ignored entirely — persist.c then trusts nothing but
 * sysfs. */

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <systemd/sd-id128.h>

#include "fileio.h"
#include "log.h"
#include "manager.h"
#include "persist.h"
#include "state.h"

#define STATE_FILE_NAME "state.json"

static int write_atomic(const char *dir, const char *name, const char *data, size_t size) {
        _cleanup_free_ char *path = NULL, *tmp = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t done = 0;

        if (asprintf(&path, "%s/%s", dir, name) < 0 || asprintf(&tmp, "%s/.%s.tmp", dir, name) < 0)
                return -ENOMEM;

        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        while (done < size) {
                ssize_t n = write(fd, data + done, size - done);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        (void) unlink(tmp);
                        return -errno;
                }
                done += (size_t) n;
        }
        if (fsync(fd) < 0 || rename(tmp, path) < 0) {
                int r = -errno;
                (void) unlink(tmp);
                return r;
        }
        return 0;
}

static int boot_id_string(char ret[SD_ID128_STRING_MAX]) {
        sd_id128_t id;
        int r;

        r = sd_id128_get_boot(&id);
        if (r < 0)
                return r;
        sd_id128_to_string(id, ret);
        return 0;
}

int manager_save_state(Manager *m, const char *why) {
        _cleanup_(state_file_freep) StateFile *s = NULL;
        _cleanup_free_ char *data = NULL;
        char boot_id[SD_ID128_STRING_MAX] = "";
        size_t size = 0;
        int r;

        /* Whatever is scheduled is covered by this write. */
        m->state_dirty = m->state_urgent = false;
        if (!m->registry || !m->options.runtime_dir || m->config->mode != MODE_ENFORCE)
                return 0;

        (void) boot_id_string(boot_id);
        r = persist_snapshot(m->registry, boot_id[0] ? boot_id : NULL, now_realtime_usec(), &s);
        if (r < 0)
                return r;
        r = state_file_serialize(s, &data, &size);
        if (r < 0)
                return r;

        (void) mkdir(m->options.runtime_dir, 0700);
        r = write_atomic(m->options.runtime_dir, STATE_FILE_NAME, data, size);
        if (r < 0)
                return r;
        /* The tests count these lines (one write per burst of ordinary events). */
        log_debug("Wrote %s/%s (%s): %zu devices.", m->options.runtime_dir, STATE_FILE_NAME, why, s->n_devices);
        return 0;
}

static void state_save_logged(Manager *m, const char *why) {
        int r;

        r = manager_save_state(m, why);
        if (r < 0)
                log_error_errno(r, "Failed to write %s/%s: %m", m->options.runtime_dir, STATE_FILE_NAME);
}

static int state_on_defer(sd_event_source *s, void *userdata) {
        Manager *m = userdata;

        /* Written in between (the topology lock writes at once): nothing left to do. */
        if (m->state_urgent)
                state_save_logged(m, "at once");
        return 0;
}

static int state_on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Manager *m = userdata;

        if (m->state_dirty)
                state_save_logged(m, "coalesced");
        return 0;
}

void manager_state_changed(Manager *m, bool urgent) {
        int r;

        if (!m->ready)
                return;
        if (urgent) {
                if (m->state_urgent)
                        return;
                r = sd_event_add_defer(m->event, NULL, state_on_defer, m);
                if (r < 0)
                        return (void) log_warning_errno(r, "Failed to schedule writing the state file, ignoring: %m");
                m->state_urgent = true;
                return;
        }

        /* An urgent write already scheduled covers this change too. */
        if (m->state_dirty || m->state_urgent)
                return;
        if (m->state_timer)
                r = sd_event_source_set_time_relative(m->state_timer, STATE_SAVE_DELAY_USEC);
        else
                r = sd_event_add_time_relative(m->event, &m->state_timer, CLOCK_MONOTONIC, STATE_SAVE_DELAY_USEC, 0,
                                               state_on_timer, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->state_timer, SD_EVENT_ONESHOT);
        if (r < 0)
                return (void) log_warning_errno(r, "Failed to schedule writing the state file, ignoring: %m");
        m->state_dirty = true;
}

void manager_flush_state(Manager *m) {
        if (m->state_dirty || m->state_urgent)
                state_save_logged(m, "at exit");
}

int manager_load_state(Manager *m) {
        _cleanup_(state_file_freep) StateFile *s = NULL;
        _cleanup_(conf_error_done) ConfError error = {};
        _cleanup_free_ char *path = NULL, *data = NULL, *text = NULL;
        char boot_id[SD_ID128_STRING_MAX] = "";
        size_t size = 0;
        int r;

        if (asprintf(&path, "%s/%s", m->options.runtime_dir, STATE_FILE_NAME) < 0)
                return log_oom();

        r = read_full_file(path, STATE_FILE_INPUT_MAX, &data, &size);
        if (r == -ENOENT) {
                log_debug("No state file %s: a first start.", path);
                return 0;
        }
        if (r >= 0)
                r = state_file_parse(data, size, path, &s, &error);
        if (r < 0) {
                text = conf_error_format(&error);
                /* Reported, never trusted: every locked device is attested again. Our own writes are
                 * atomic, so this is tampering or a bug, and it may hide a topology lock: lock again. */
                log_error_errno(r, "Ignoring state file %s, trusting nothing from it; the device topology "
                                "will be locked as it is now: %s", path, error.message ? text : strerror(-r));
                m->state_corrupt = true;
                return 0;
        }

        if (boot_id_string(boot_id) >= 0 && s->boot_id[0] && !streq(s->boot_id, boot_id)) {
                log_warning("Ignoring state file %s from another boot (%s).", path, s->boot_id);
                return 0;
        }

        log_info("Carrying on from %s: %zu devices, topology %s.", path, s->n_devices,
                 s->topology_locked ? "locked" : "not locked");
        m->saved_state = TAKE_PTR(s);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tsm.c — the TSM ABI profile: the only code that knows the proposed guest TSM attributes. */

#include <dirent.h>
#include <stdio.h>

#include "device-log.h"
#include "fileio.h"
#include "log.h"
#include "sysfs.h"
#include "tsm.h"

void tsm_done(Tsm *t) {
        t->name = mfree(t->name);
        t->devsec = false;
}

int tsm_discover(Tsm *ret) {
        _cleanup_free_ char *first = NULL;
        DIR *d;

        *ret = (Tsm) {};

        d = opendir("/sys/class/tsm");
        if (!d)
                return errno == ENOENT ? 0 : -errno;

        for (struct dirent *de; (de = readdir(d));) {
                _cleanup_free_ char *path = NULL, *mode = NULL;
                int r;

                if (!startswith(de->d_name, "tsm") || !sysfs_name_is_safe(de->d_name))
                        continue;
                if (asprintf(&path, "/sys/class/tsm/%s/pci_mode", de->d_name) < 0) {
                        closedir(d);
                        return -ENOMEM;
                }

                /* pci_mode is itself proposed; a kernel without it has only one kind of TSM. */
                r = read_one_line_file(path, &mode);
                if (r == -ENOENT) {
                        if (!first)
                                first = strdup(de->d_name);
                        continue;
                }
                if (r < 0 || !streq(mode, "devsec"))
                        continue;

                ret->name = strdup(de->d_name);
                ret->devsec = true;
                closedir(d);
                return ret->name ? 1 : -ENOMEM;
        }
        closedir(d);

        if (!first)
                return 0;
        ret->name = TAKE_PTR(first);
        ret->devsec = true;
        return 1;
}

TsmAbi tsm_device_profile(const char *syspath, TsmAbi forced) {
        bool v2 = sysfs_device_has_attribute(syspath, "tsm/lock") && sysfs_device_has_attribute(syspath, "tsm/unlock") &&
                  sysfs_device_has_attribute(syspath, "tsm/accept");
        bool connect = sysfs_device_has_attribute(syspath, "tsm/connect") &&
                       sysfs_device_has_attribute(syspath, "tsm/accept");

        switch (forced) {
        case TSM_ABI_V2:
                return v2 ? TSM_ABI_V2 : TSM_ABI_AUTO;
        case TSM_ABI_CONNECT:
                return connect ? TSM_ABI_CONNECT : TSM_ABI_AUTO;
        case TSM_ABI_AUTO:
        case _TSM_ABI_MAX:
        case _TSM_ABI_INVALID:
                break;
        }
        return v2 ? TSM_ABI_V2 : connect ? TSM_ABI_CONNECT : TSM_ABI_AUTO;
}

static int read_attribute(const char *syspath, const char *attribute, char **ret) {
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s", syspath, attribute) < 0)
                return -ENOMEM;
        return read_one_line_file(path, ret);
}

int tsm_read_status(const char *syspath, TsmAbi profile, const Tsm *tsm, bool *ret_locked, bool *ret_accepted) {
        _cleanup_free_ char *locked = NULL, *accepted = NULL;
        int r;

        r = read_attribute(syspath, "tsm/accept", &accepted);
        if (r < 0)
                return r;
        r = read_attribute(syspath, profile == TSM_ABI_CONNECT ? "tsm/connect" : "tsm/lock", &locked);
        if (r < 0)
                return r;

        if (profile == TSM_ABI_CONNECT)
                *ret_locked = streq(locked, "1");
        else
                /* Locked by another TSM is still locked: never treat it as free. */
                *ret_locked = !isempty(locked);
        *ret_accepted = streq(accepted, "1");

        if (profile != TSM_ABI_CONNECT && *ret_locked && tsm && tsm->name && !streq(locked, tsm->name))
                log_device_warning(strrchr(syspath, '/') ? strrchr(syspath, '/') + 1 : syspath,
                                   "locked by '%s', not by '%s'.", locked, tsm->name);
        return 0;
}

int tsm_lock(const char *syspath, TsmAbi profile, const Tsm *tsm) {
        bool locked = false, accepted = false;
        int r;

        if (profile == TSM_ABI_CONNECT)
                r = sysfs_write_device_attribute(syspath, "tsm/connect", "1");
        else {
                if (!tsm || !tsm->name)
                        return -ENXIO;
                r = sysfs_write_device_attribute(syspath, "tsm/lock", tsm->name);
        }
        if (r < 0)
                return r;

        /* No uevent follows a lock: the read-back is the only confirmation. */
        r = tsm_read_status(syspath, profile, tsm, &locked, &accepted);
        if (r < 0)
                return r;
        return locked ? 0 : -EBADE;
}

int tsm_unlock(const char *syspath, TsmAbi profile, const Tsm *tsm) {
        bool locked = true, accepted = true;
        int r;

        if (profile == TSM_ABI_CONNECT)
                r = sysfs_write_device_attribute(syspath, "tsm/connect", "0");
        else {
                if (!tsm || !tsm->name)
                        return -ENXIO;
                r = sysfs_write_device_attribute(syspath, "tsm/unlock", tsm->name);
        }
        if (r < 0)
                return r;

        r = tsm_read_status(syspath, profile, tsm, &locked, &accepted);
        if (r < 0)
                return r;
        return !locked && !accepted ? 0 : -EBADE;
}

int tsm_accept(const char *syspath, TsmAbi profile) {
        _cleanup_free_ char *before = NULL, *after = NULL;
        int r;

        r = read_attribute(syspath, "tsm/accept", &before);
        if (r < 0)
                return r;
        if (streq(before, "1"))
                return -EALREADY;

        r = sysfs_write_device_attribute(syspath, "tsm/accept", "1");
        if (r < 0)
                return r;

        r = read_attribute(syspath, "tsm/accept", &after);
        if (r < 0)
                return r;
        return streq(after, "1") ? 0 : -EBADE;
}

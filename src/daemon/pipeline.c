/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pipeline.c — carrying out the TDISP steps the core asks for.
 *
 * Each step is one synchronous sysfs or netlink exchange whose result goes straight back to the core
 * as an event; the core decides what follows. The safety rules of kernel-abi.md §5 that concern how
 * a step is done (rather than when) live here: the prepare driver is pinned with driver_override and
 * bound only through it; before lock the device is pinned to "none" so nothing can bind between lock
 * and accept, and kept out of D3cold; accept is read before it is written. */

#include <stdio.h>
#include <sys/random.h>

#include "device-log.h"
#include "driver-match.h"
#include "evidence-netlink.h"
#include "evidence.h"
#include "fileio.h"
#include "log.h"
#include "module-loader.h"
#include "pipeline.h"
#include "strv.h"
#include "sysfs.h"
#include "verifier.h"

#define PREPARE_ALIAS_PREFIX "ccprepare_pci:"
#define EVIDENCE_READ_TIMEOUT_USEC (5U * 1000U * 1000U)

static int pipeline_result(Manager *m, Device *d, DeviceEventType type, int error, const char *reason, Outcome *o) {
        return device_dispatch(m->registry, d, &(DeviceEvent) { .type = type, .error = error, .reason = reason }, o);
}

static TsmAbi pipeline_profile(Manager *m, Device *d) {
        TsmAbi profile = tsm_device_profile(d->info->syspath, m->config->tsm_abi);

        if (profile != TSM_ABI_AUTO)
                log_device_debug(d->info->sysname, "TSM ABI profile %s.", tsm_abi_to_string(profile));
        return profile;
}

static int pipeline_prepare(Manager *m, Device *d, Outcome *o) {
        const DeviceInfo *info = d->info;
        _cleanup_free_ char *alias = NULL, *module = NULL, *reason = NULL, *bound = NULL, *driver_module = NULL;
        _cleanup_strv_free_ char **drivers = NULL;
        ModuleAvailability availability;
        bool builtin = false;
        int r;

        r = manager_verify_identity(d);
        if (r < 0)
                return pipeline_result(m, d, DEVICE_EVENT_PREPARE_RESULT, r, "device changed or went away", o);

        /* The prepare driver is found like a vfio_pci: override driver: prefix the modalias. */
        if (!info->modalias || !startswith(info->modalias, "pci:"))
                return pipeline_result(m, d, DEVICE_EVENT_PREPARE_RESULT, -ENOENT, NULL, o);
        if (asprintf(&alias, PREPARE_ALIAS_PREFIX "%s", info->modalias + strlen("pci:")) < 0)
                return -ENOMEM;

        r = module_lookup_most_specific(m->kmod, alias, &module);
        if (r < 0)
                return pipeline_result(m, d, DEVICE_EVENT_PREPARE_RESULT, r, "prepare driver lookup failed", o);
        if (!module) {
                log_device_info(info->sysname, "no %s driver matches, skipping the prepare step.",
                                PREPARE_ALIAS_PREFIX);
                return pipeline_result(m, d, DEVICE_EVENT_PREPARE_RESULT, -ENOENT, NULL, o);
        }

        if (driver_glob_match(m->config->denied_drivers, module)) {
                if (asprintf(&reason, "prepare module %s is in DeniedDrivers=", module) < 0)
                        return -ENOMEM;
                return pipeline_result(m, d, DEVICE_EVENT_PREPARE_RESULT, -EPERM, reason, o);
        }

        r = module_availability(m->kmod, module, &availability);
        if (r >= 0 && availability == MODULE_MISSING)
                r = -ENOPKG;
        if (r >= 0 && availability == MODULE_LOADABLE)
                r = module_load(m->kmod, module);
        if (r < 0) {
                if (asprintf(&reason, "prepare module %s", module) < 0)
                        return -ENOMEM;
                return pipeline_result(m, d, DEVICE_EVENT_PREPARE_RESULT, r, reason, o);
        }

        r = module_list_drivers(module, info->bus, &drivers);
        if (r >= 0 && strv_length(drivers) == 0)
                r = -ENODEV;
        if (r < 0) {
                if (asprintf(&reason, "prepare module %s registers no %s driver", module, info->bus) < 0)
                        return -ENOMEM;
                return pipeline_result(m, d, DEVICE_EVENT_PREPARE_RESULT, r, reason, o);
        }

        /* A prepare driver matches only through driver_override (override_only): pin, then bind. */
        r = sysfs_write_device_attribute(info->syspath, "driver_override", drivers[0]);
        if (r >= 0)
                r = sysfs_bind(info->bus, drivers[0], info->sysname);
        if (r >= 0) {
                r = sysfs_read_driver(info->syspath, &bound);
                if (r >= 0 && !streq_ptr(bound, drivers[0]))
                        r = -EIO;
        }
        if (r < 0) {
                if (asprintf(&reason, "probe of %s", drivers[0]) < 0)
                        return -ENOMEM;
                return pipeline_result(m, d, DEVICE_EVENT_PREPARE_RESULT, r, reason, o);
        }

        (void) sysfs_driver_module(info->bus, drivers[0], &driver_module, &builtin);
        log_device_info(info->sysname, "prepare driver '%s' probed the device.", drivers[0]);
        return device_dispatch(m->registry, d,
                               &(DeviceEvent) {
                                       .type = DEVICE_EVENT_PREPARE_RESULT,
                                       .driver = drivers[0],
                                       .module = driver_module,
                                       .builtin = builtin,
                               },
                               o);
}

static int pipeline_lock(Manager *m, Device *d, Outcome *o) {
        const char *syspath = d->info->syspath;
        TsmAbi profile;
        int r;

        r = manager_verify_identity(d);
        if (r < 0)
                return pipeline_result(m, d, DEVICE_EVENT_LOCK_RESULT, r, "device changed or went away", o);

        profile = pipeline_profile(m, d);
        if (profile == TSM_ABI_AUTO)
                return pipeline_result(m, d, DEVICE_EVENT_LOCK_RESULT, -EOPNOTSUPP,
                                       "the kernel offers no TSM ABI profile for this device", o);
        if (!m->tsm.name) {
                r = tsm_discover(&m->tsm);
                if (r <= 0)
                        return pipeline_result(m, d, DEVICE_EVENT_LOCK_RESULT, r < 0 ? r : -ENXIO,
                                               "no devsec TSM in /sys/class/tsm", o);
                log_info("Using TSM '%s'.", m->tsm.name);
        }

        /* From lock until accept nothing may bind, and the device must not lose power. */
        if (sysfs_device_has_attribute(syspath, "driver_override")) {
                r = sysfs_write_device_attribute(syspath, "driver_override", "none");
                if (r < 0)
                        return pipeline_result(m, d, DEVICE_EVENT_LOCK_RESULT, r, "cannot pin driver_override", o);
        }
        if (sysfs_device_has_attribute(syspath, "d3cold_allowed")) {
                r = sysfs_write_device_attribute(syspath, "d3cold_allowed", "0");
                if (r < 0)
                        log_device_warning_errno(d->info->sysname, r,
                                                 "cannot disable D3cold, continuing: %m");
        }

        r = tsm_lock(syspath, profile, &m->tsm);
        if (r < 0)
                return pipeline_result(m, d, DEVICE_EVENT_LOCK_RESULT, r,
                                       r == -EBADE ? "tsm/lock did not read back the TSM" : NULL, o);

        log_device_info(d->info->sysname, "locked by %s (profile %s).", m->tsm.name,
                        tsm_abi_to_string(profile));
        return pipeline_result(m, d, DEVICE_EVENT_LOCK_RESULT, 0, NULL, o);
}

/* The fixture backend of kernel-abi.md §4, for tests that cannot reach a kernel's pci-tsm family:
 * each object is a file named after its type. The nonce is not applied. */
static int evidence_read_fixture(const char *dir, const char *device, EvidenceSet **ret) {
        _cleanup_(evidence_set_freep) EvidenceSet *set = NULL;
        int r;

        r = evidence_set_new(&set);
        if (r < 0)
                return r;

        for (EvidenceType t = 0; t < _EVIDENCE_TYPE_MAX; t++) {
                _cleanup_free_ char *path = NULL, *data = NULL;
                size_t size = 0;

                if (asprintf(&path, "%s/%s/%s", dir, device, evidence_type_to_string(t)) < 0)
                        return -ENOMEM;
                r = read_full_file(path, EVIDENCE_OBJECT_SIZE_MAX, &data, &size);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                r = evidence_set_add(set, t, data, size);
                if (r < 0)
                        return r;
        }

        if (evidence_set_count(set) == 0)
                return -ENXIO;
        *ret = TAKE_PTR(set);
        return 0;
}

static int pipeline_read_evidence(Manager *m, Device *d, Outcome *o) {
        DeviceContext *ctx = device_get_context(m, d);
        _cleanup_(evidence_set_freep) EvidenceSet *set = NULL;
        _cleanup_free_ char *message = NULL;
        char digest[SHA384_STRING_MAX];
        int r;

        if (!ctx)
                return -ENOMEM;

        /* A fresh nonce per read: the measurements and the report are bound to it, so evidence (and a
         * verdict on it) never repeats across locks. */
        if (getrandom(ctx->nonce, sizeof(ctx->nonce), 0) != (ssize_t) sizeof(ctx->nonce))
                return pipeline_result(m, d, DEVICE_EVENT_EVIDENCE_RESULT, -EIO, "no randomness for the nonce", o);

        if (m->options.evidence_dir)
                r = evidence_read_fixture(m->options.evidence_dir, d->info->sysname, &set);
        else
                r = evidence_netlink_read(d->info->sysname, EVIDENCE_TYPE_MASK_ALL, ctx->nonce, sizeof(ctx->nonce),
                                          EVIDENCE_READ_TIMEOUT_USEC, &set, &message);
        if (r < 0)
                return pipeline_result(m, d, DEVICE_EVENT_EVIDENCE_RESULT, r, message, o);

        r = evidence_set_digest_string(set, digest);
        if (r < 0)
                return pipeline_result(m, d, DEVICE_EVENT_EVIDENCE_RESULT, r, "cannot digest the evidence", o);

        evidence_set_free(ctx->evidence);
        ctx->evidence = TAKE_PTR(set);
        log_device_info(d->info->sysname, "read %zu evidence objects (%zu bytes), digest %s.",
                        evidence_set_count(ctx->evidence), ctx->evidence->total_size, digest);
        return device_dispatch(m->registry, d, &(DeviceEvent) { .type = DEVICE_EVENT_EVIDENCE_RESULT, .digest = digest },
                               o);
}

static int pipeline_accept(Manager *m, Device *d, Outcome *o) {
        TsmAbi profile;
        int r;

        r = manager_verify_identity(d);
        if (r < 0)
                return pipeline_result(m, d, DEVICE_EVENT_ACCEPT_RESULT, r, "device changed or went away", o);

        profile = pipeline_profile(m, d);
        r = profile == TSM_ABI_AUTO ? -EOPNOTSUPP : tsm_accept(d->info->syspath, profile);
        if (r < 0)
                return pipeline_result(m, d, DEVICE_EVENT_ACCEPT_RESULT, r,
                                       r == -EALREADY ? "tsm/accept already read 1; not writing it twice" : NULL, o);

        log_device_info(d->info->sysname, "accepted (tsm/accept reads 1).");
        return pipeline_result(m, d, DEVICE_EVENT_ACCEPT_RESULT, 0, NULL, o);
}

static int pipeline_unlock(Manager *m, Device *d, Outcome *o) {
        bool locked = true, accepted = true;
        TsmAbi profile;
        int r;

        profile = pipeline_profile(m, d);
        if (profile == TSM_ABI_AUTO)
                return pipeline_result(m, d, DEVICE_EVENT_UNLOCK_RESULT, -EOPNOTSUPP, NULL, o);

        r = tsm_unlock(d->info->syspath, profile, &m->tsm);
        if (r < 0 && tsm_read_status(d->info->syspath, profile, &m->tsm, &locked, &accepted) >= 0 && !locked)
                /* Already unlocked (an ERROR the TSM cleared, or a lost lock): that is what we wanted. */
                r = 0;
        if (r >= 0)
                log_device_info(d->info->sysname, "unlocked.");
        return pipeline_result(m, d, DEVICE_EVENT_UNLOCK_RESULT, r, NULL, o);
}

int pipeline_execute(Manager *m, Device *d, const Record *rec, Outcome *o) {
        switch (rec->action) {
        case DEVICE_ACTION_PREPARE:
                return pipeline_prepare(m, d, o);
        case DEVICE_ACTION_LOCK:
                return pipeline_lock(m, d, o);
        case DEVICE_ACTION_READ_EVIDENCE:
                return pipeline_read_evidence(m, d, o);
        case DEVICE_ACTION_REQUEST_VERDICT:
                return verifier_request(m, d, rec->digest, o);
        case DEVICE_ACTION_ACCEPT:
                return pipeline_accept(m, d, o);
        case DEVICE_ACTION_UNLOCK:
                return pipeline_unlock(m, d, o);
        case DEVICE_ACTION_UNBIND:
        case DEVICE_ACTION_PIN:
        case DEVICE_ACTION_BIND:
        case DEVICE_ACTION_REMOVE:
        case DEVICE_ACTION_ARM_TIMER:
        case _DEVICE_ACTION_MAX:
        case _DEVICE_ACTION_INVALID:
                break;
        }
        return -EINVAL;
}

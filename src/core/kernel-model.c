/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kernel-model.c — an in-process imitation of the kernel's driver binding, for unit tests. */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel-model.h"
#include "persist.h"

ModelDevice *model_add_device(KernelModel *k, const char *syspath, const char *bus, unsigned vendor, unsigned device) {
        ModelDevice *md;

        assert(k->n_devices < MODEL_DEVICES_MAX);
        md = &k->devices[k->n_devices++];
        *md = (ModelDevice) { .present = true, .vendor = vendor, .device = device, .has_override = streq(bus, "pci"),
                              .removable = streq(bus, "pci") };
        snprintf(md->syspath, sizeof(md->syspath), "%s", syspath);
        snprintf(md->bus, sizeof(md->bus), "%s", bus);
        if (streq(bus, "pci"))
                snprintf(md->modalias, sizeof(md->modalias), "pci:v%08Xd%08Xsv00000000sd00000000bc02sc00i00", vendor,
                         device);
        else
                snprintf(md->modalias, sizeof(md->modalias), "%s:d%08Xv%08X", bus, device, vendor);
        return md;
}

void model_device_add_candidate(ModelDevice *md, const char *driver, const char *module) {
        assert(md->n_candidates < MODEL_DRIVERS_MAX);
        md->candidates[md->n_candidates++] = (ModelDriver) { .name = driver, .module = module };
}

ModelDevice *model_find(KernelModel *k, const char *syspath) {
        for (unsigned i = 0; i < k->n_devices; i++)
                if (k->devices[i].present && streq(k->devices[i].syspath, syspath))
                        return &k->devices[i];
        return NULL;
}

DeviceInfo *model_device_info(const ModelDevice *md) {
        char devpath[300], ids[64], modalias[160], subsystem[64], driver[80];
        char *props[8] = {};
        size_t n = 0;
        DeviceInfo *info = NULL;

        snprintf(devpath, sizeof(devpath), "DEVPATH=%s", md->syspath + strlen("/sys"));
        snprintf(subsystem, sizeof(subsystem), "SUBSYSTEM=%s", md->bus);
        snprintf(modalias, sizeof(modalias), "MODALIAS=%s", md->modalias);
        props[n++] = devpath;
        props[n++] = subsystem;
        props[n++] = modalias;
        if (streq(md->bus, "pci")) {
                snprintf(ids, sizeof(ids), "PCI_ID=%04X:%04X", md->vendor, md->device);
                props[n++] = ids;
        }
        if (md->bound) {
                snprintf(driver, sizeof(driver), "DRIVER=%s", md->bound->name);
                props[n++] = driver;
        }
        if (md->unparsable) {
                /* As the daemon does when it refuses the properties: where it is, its bus, and the
                 * driver link. */
                assert(device_info_new_unparsable(md->syspath, md->bus, &info) >= 0);
                if (md->bound)
                        assert((info->driver = strdup(md->bound->name)));
        } else
                assert(device_info_from_properties(props, &info, NULL) >= 0);

        info->tdisp = md->tdisp;
        info->firmware_described = md->firmware_described;

        /* As the daemon does: the module link decides "built in". */
        if (md->bound) {
                free(info->driver_module);
                info->driver_module = md->bound->module ? strdup(md->bound->module) : NULL;
                info->driver_builtin = !md->bound->module;
        }
        return info;
}

static int model_observe(KernelModel *k, Device *d, ModelDevice *md, Outcome *o) {
        if (!md->bound)
                return device_dispatch(k->registry, d, &(DeviceEvent) { .type = DEVICE_EVENT_DRIVER_UNBOUND }, o);
        return device_dispatch(k->registry, d,
                               &(DeviceEvent) {
                                       .type = DEVICE_EVENT_DRIVER_BOUND,
                                       .driver = md->bound->name,
                                       .module = md->bound->module,
                                       .builtin = !md->bound->module,
                               },
                               o);
}

static void model_violation(KernelModel *k, ModelDevice *md, const char *what) {
        k->violations++;
        snprintf(k->violation, sizeof(k->violation), "%s: %s", md->syspath, what);
}

/* The kernel's bind store: driver_override first, then the id table. */
static int model_bind_write(KernelModel *k, ModelDevice *md, const ModelDriver *drv) {
        if (md->bound)
                return -EBUSY;
        /* Invariant 4: nothing but the prepare driver before lock, nothing at all between lock and
         * accept. */
        if (md->tdisp && md->tdisp_state == MODEL_TDISP_LOCKED)
                model_violation(k, md, "driver bound while locked");
        if (md->has_override && md->override[0] && !streq(md->override, drv->name))
                return -ENODEV;
        if (md->bind_error_count > 0) {
                md->bind_error_count--;
                return md->bind_error;
        }
        md->bound = drv;
        return 0;
}

static int model_execute(KernelModel *k, Device *d, const Record *rec, Outcome *o) {
        ModelDevice *md = model_find(k, d->info->syspath);
        int r = 0;

        assert(md);

        switch (rec->action) {
        case DEVICE_ACTION_UNBIND:
                k->unbinds++;
                if (md->unbind_error)
                        r = md->unbind_error;
                else if (!md->bound || !streq(md->bound->name, rec->driver))
                        r = -ENODEV;
                else {
                        md->bound = NULL;
                        /* Unbinding clears Bus Master Enable: a locked or running TDI goes to ERROR. */
                        if (md->tdisp && IN_SET(md->tdisp_state, MODEL_TDISP_LOCKED, MODEL_TDISP_RUN))
                                md->tdisp_state = MODEL_TDISP_ERROR;
                }
                r = device_dispatch(k->registry, d,
                                    &(DeviceEvent) { .type = DEVICE_EVENT_UNBIND_RESULT, .error = r == -ENODEV ? 0 : r },
                                    o);
                if (r < 0)
                        return r;
                return model_observe(k, d, md, o);

        case DEVICE_ACTION_PIN:
                if (md->has_override)
                        snprintf(md->override, sizeof(md->override), "%s", rec->driver ?: "none");
                return 0;

        case DEVICE_ACTION_BIND: {
                /* What binder.c does, against the model: first allowed candidate, pin, bind. */
                r = -ENOENT;
                for (unsigned i = 0; i < md->n_candidates; i++) {
                        const ModelDriver *drv = &md->candidates[i];

                        if (rec->driver && !streq(rec->driver, drv->name))
                                continue;
                        if (!driver_verdict_allowed(device_check_driver(k->registry, d, drv->name, drv->module,
                                                                        !drv->module)))
                                continue;
                        if (md->has_override)
                                snprintf(md->override, sizeof(md->override), "%s", drv->name);
                        k->binds++;
                        r = model_bind_write(k, md, drv);
                        if (r == -EBUSY)
                                r = 0;
                        break;
                }
                if (r == 0) {
                        r = model_observe(k, d, md, o);
                        if (r < 0)
                                return r;
                        r = 0;
                }
                return device_dispatch(k->registry, d, &(DeviceEvent) { .type = DEVICE_EVENT_BIND_RESULT, .error = r },
                                       o);
        }

        case DEVICE_ACTION_REMOVE:
                k->removes++;
                r = md->removable ? 0 : -EOPNOTSUPP;
                r = device_dispatch(k->registry, d, &(DeviceEvent) { .type = DEVICE_EVENT_REMOVE_RESULT, .error = r },
                                    o);
                if (r < 0 || !md->removable)
                        return r;
                /* The kernel then drops the device: a "remove" uevent. */
                md->present = false;
                registry_remove(k->registry, d, o);
                return 0;

        case DEVICE_ACTION_ARM_TIMER:
                k->timers++;
                k->pending_timer[md - k->devices] = true;
                return 0;


        case DEVICE_ACTION_PREPARE:
                if (!md->prepare)
                        return device_dispatch(k->registry, d,
                                               &(DeviceEvent) { .type = DEVICE_EVENT_PREPARE_RESULT, .error = -ENOENT }, o);
                if (md->has_override)
                        snprintf(md->override, sizeof(md->override), "%s", md->prepare->name);
                r = model_bind_write(k, md, md->prepare);
                if (r == 0)
                        md->prepare_probes++;
                return device_dispatch(k->registry, d,
                                       &(DeviceEvent) { .type = DEVICE_EVENT_PREPARE_RESULT, .error = r,
                                                        .driver = md->prepare->name, .module = md->prepare->module },
                                       o);

        case DEVICE_ACTION_LOCK:
                if (md->bound) {
                        model_violation(k, md, "lock written with a driver bound");
                        r = -EBUSY;
                } else if (md->tdisp_state != MODEL_TDISP_UNLOCKED)
                        r = -EBUSY;
                else if (md->lock_error) {
                        r = md->lock_error;
                        md->lock_error = 0;
                } else {
                        md->tdisp_state = MODEL_TDISP_LOCKED;
                        md->lock_generation++;
                        md->accepts_this_lock = 0;
                        md->approved_digest[0] = md->last_evidence[0] = '\0';
                }
                return device_dispatch(k->registry, d, &(DeviceEvent) { .type = DEVICE_EVENT_LOCK_RESULT, .error = r },
                                       o);

        case DEVICE_ACTION_READ_EVIDENCE: {
                char digest[320];

                if (!IN_SET(md->tdisp_state, MODEL_TDISP_LOCKED, MODEL_TDISP_RUN))
                        r = -ENXIO;
                else if (md->evidence_error) {
                        r = md->evidence_error;
                        md->evidence_error = 0;
                } else {
                        /* Fresh per lock, as with a nonce: evidence never repeats across locks. A
                         * well-formed digest (96 hex digits) derived from the device and the lock. */
                        uint64_t h = UINT64_C(0xcbf29ce484222325);
                        for (const char *p = md->syspath; *p; p++)
                                h = (h ^ (unsigned char) *p) * UINT64_C(0x100000001b3);
                        h ^= md->lock_generation;
                        snprintf(digest, sizeof(digest), "sha384:%016llx%016llx%016llx%016llx%016llx%016llx",
                                 (unsigned long long) h, (unsigned long long) (h * 3), (unsigned long long) (h * 5),
                                 (unsigned long long) (h * 7), (unsigned long long) (h * 11),
                                 (unsigned long long) (h * 13));
                        snprintf(md->last_evidence, sizeof(md->last_evidence), "%s", digest);
                }
                return device_dispatch(k->registry, d,
                                       &(DeviceEvent) { .type = DEVICE_EVENT_EVIDENCE_RESULT, .error = r,
                                                        .digest = r == 0 ? digest : NULL },
                                       o);
        }

        case DEVICE_ACTION_REQUEST_VERDICT:
                md->verdict_pending = true;
                snprintf(md->pending_digest, sizeof(md->pending_digest), "%s", rec->digest);
                return 0;

        case DEVICE_ACTION_ACCEPT:
                if (md->bound) {
                        model_violation(k, md, "accept written with a driver bound");
                        r = -EBUSY;
                } else if (md->tdisp_state == MODEL_TDISP_UNLOCKED)
                        r = -EINVAL;
                else if (md->accept_error) {
                        r = md->accept_error;
                        md->accept_error = 0;
                } else {
                        /* Invariant 3: approved, on evidence read after this lock, at most once. */
                        if (md->accepts_this_lock > 0)
                                model_violation(k, md, "accept written twice for one lock");
                        if (!md->approved_digest[0] || !streq(md->approved_digest, md->last_evidence))
                                model_violation(k, md, "accept without approval of this lock's evidence");
                        md->accepts_this_lock++;
                        md->tdisp_state = MODEL_TDISP_RUN;
                }
                return device_dispatch(k->registry, d, &(DeviceEvent) { .type = DEVICE_EVENT_ACCEPT_RESULT, .error = r },
                                       o);

        case DEVICE_ACTION_UNLOCK:
                if (md->bound)
                        r = -EBUSY;
                else if (md->tdisp_state == MODEL_TDISP_UNLOCKED)
                        r = -EINVAL;
                else
                        md->tdisp_state = MODEL_TDISP_UNLOCKED;
                return device_dispatch(k->registry, d, &(DeviceEvent) { .type = DEVICE_EVENT_UNLOCK_RESULT, .error = r },
                                       o);

        case _DEVICE_ACTION_MAX:
        case _DEVICE_ACTION_INVALID:
                break;
        }
        assert(false);
        return -EINVAL;
}

int model_run(KernelModel *k, Outcome *o) {
        int r;

        for (size_t i = 0; i < o->n_records; i++) {
                Record rec = o->records[i];

                /* As manager_process() judges them: as the record comes. */
                bool urgent;
                if (persist_record_changes_state(&rec, &urgent)) {
                        k->state_changes++;
                        k->urgent_changes += urgent;
                }
                if (!rec.device || rec.type != RECORD_ACTION || rec.dry_run)
                        continue;
                if (k->crash_countdown > 0 && --k->crash_countdown == 0) {
                        outcome_done(o);
                        return -ECANCELED;
                }
                r = model_execute(k, rec.device, &rec, o);
                if (r < 0) {
                        outcome_done(o);
                        return r;
                }
        }
        outcome_done(o);
        return 0;
}

int model_kernel_bind(KernelModel *k, ModelDevice *md, unsigned candidate) {
        Outcome o = {};
        Device *d;
        int r;

        assert(candidate < md->n_candidates);
        if (md->bound)
                return 0;
        md->bound = &md->candidates[candidate];

        d = registry_get(k->registry, md->syspath);
        if (!d)
                return 0;
        r = model_observe(k, d, md, &o);
        if (r < 0) {
                outcome_done(&o);
                return r;
        }
        return model_run(k, &o);
}

int model_hotplug(KernelModel *k, ModelDevice *md, int bound_candidate) {
        Outcome o = {};
        int r;

        md->present = true;
        md->override[0] = '\0';
        md->intruder = k->registry->topology_locked;
        md->tdisp_state = MODEL_TDISP_UNLOCKED;
        md->bound = bound_candidate >= 0 ? &md->candidates[bound_candidate] : NULL;
        r = registry_add(k->registry, model_device_info(md), &o, NULL);
        if (r < 0) {
                outcome_done(&o);
                return r;
        }
        return model_run(k, &o);
}

int model_unplug(KernelModel *k, ModelDevice *md) {
        Device *d = registry_get(k->registry, md->syspath);

        Outcome o = {};

        md->present = false;
        md->bound = NULL;
        k->pending_timer[md - k->devices] = false;
        if (!d)
                return 0;
        /* As the daemon handles "remove": its records (a topology violation) are reported too. */
        registry_remove(k->registry, d, &o);
        return model_run(k, &o);
}

int model_fire_timers(KernelModel *k) {
        int r;

        for (unsigned i = 0; i < k->n_devices; i++) {
                Outcome o = {};
                Device *d;

                if (!k->pending_timer[i])
                        continue;
                k->pending_timer[i] = false;
                if (!k->devices[i].present)
                        continue;
                d = registry_get(k->registry, k->devices[i].syspath);
                if (!d)
                        continue;
                r = device_dispatch(k->registry, d, &(DeviceEvent) { .type = DEVICE_EVENT_TIMER }, &o);
                if (r >= 0)
                        r = model_run(k, &o);
                else
                        outcome_done(&o);
                if (r < 0)
                        return r;
        }
        return 0;
}

int model_deliver_verdicts(KernelModel *k) {
        int r;

        for (unsigned i = 0; i < k->n_devices; i++) {
                ModelDevice *md = &k->devices[i];
                Outcome o = {};
                Device *d;
                bool approve = k->verifier == MODEL_VERIFIER_APPROVE;
                char digest[320];

                if (!md->present || !md->verdict_pending)
                        continue;
                md->verdict_pending = false;
                if (k->verifier == MODEL_VERIFIER_SILENT)
                        continue;
                d = registry_get(k->registry, md->syspath);
                if (!d)
                        continue;

                snprintf(digest, sizeof(digest), "%s%s", md->pending_digest,
                         k->verifier == MODEL_VERIFIER_STALE ? "-old" : "");
                if (approve && streq(digest, md->last_evidence))
                        snprintf(md->approved_digest, sizeof(md->approved_digest), "%s", digest);

                r = device_dispatch(k->registry, d,
                                    &(DeviceEvent) { .type = DEVICE_EVENT_VERDICT, .approve = approve, .digest = digest,
                                                     .reason = approve ? NULL : "model says no" },
                                    &o);
                if (r < 0 && r != -ESTALE) {
                        outcome_done(&o);
                        return r;
                }
                r = model_run(k, &o);
                if (r < 0)
                        return r;
        }
        return 0;
}

bool model_check_invariants(KernelModel *k) {
        if (k->violations > 0) {
                snprintf(k->last_error, sizeof(k->last_error), "TSM audit: %s", k->violation);
                return false;
        }

        for (unsigned i = 0; i < k->n_devices; i++) {
                ModelDevice *md = &k->devices[i];
                Device *d;

                if (!md->present)
                        continue;
                d = registry_get(k->registry, md->syspath);
                if (!d) {
                        snprintf(k->last_error, sizeof(k->last_error), "%s present but not tracked", md->syspath);
                        return false;
                }
                if (!streq_ptr(d->info->driver, md->bound ? md->bound->name : NULL)) {
                        snprintf(k->last_error, sizeof(k->last_error), "%s: core thinks driver %s, kernel has %s",
                                 md->syspath, strna(d->info->driver), md->bound ? md->bound->name : "none");
                        return false;
                }
                if (k->registry->config->mode != MODE_ENFORCE || !md->bound)
                        continue;
                if (md->intruder) {
                        snprintf(k->last_error, sizeof(k->last_error), "%s appeared after the topology lock but has %s",
                                 md->syspath, md->bound->name);
                        return false;
                }
                /* Invariant 4, observed: a TDI's operational driver only in RUN. */
                if (md->tdisp && md->bound != md->prepare && md->tdisp_state == MODEL_TDISP_LOCKED) {
                        snprintf(k->last_error, sizeof(k->last_error), "%s: driver %s bound while locked", md->syspath,
                                 md->bound->name);
                        return false;
                }
                /* A driver we failed to detach is reported (FAILED), but it is still a violation. */
                if (!driver_verdict_allowed(device_check_driver(k->registry, d, md->bound->name, md->bound->module,
                                                                !md->bound->module))) {
                        snprintf(k->last_error, sizeof(k->last_error), "%s: driver %s bound but not allowed (state %s)",
                                 md->syspath, md->bound->name, device_state_to_string(d->state));
                        return false;
                }
                if (!IN_SET(d->state, DEVICE_BOUND, DEVICE_RUNNING, DEVICE_PREPARING)) {
                        snprintf(k->last_error, sizeof(k->last_error), "%s: driver %s bound, state %s", md->syspath,
                                 md->bound->name, device_state_to_string(d->state));
                        return false;
                }
        }
        return true;
}

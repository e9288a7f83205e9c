/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kernel-model.c — an in-process imitation of the kernel's driver binding, for unit tests. */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel-model.h"

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
        assert(device_info_from_properties(props, &info, NULL) >= 0);

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

/* The kernel's bind store: driver_override first, then the id table. */
static int model_bind_write(ModelDevice *md, const ModelDriver *drv) {
        if (md->bound)
                return -EBUSY;
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
                else
                        md->bound = NULL;
                r = device_dispatch(k->registry, d,
                                    &(DeviceEvent) { .type = DEVICE_EVENT_UNBIND_RESULT, .error = r == -ENODEV ? 0 : r },
                                    o);
                if (r < 0)
                        return r;
                return model_observe(k, d, md, o);

        case DEVICE_ACTION_PIN_NONE:
                if (md->has_override)
                        snprintf(md->override, sizeof(md->override), "none");
                return 0;

        case DEVICE_ACTION_BIND: {
                /* What binder.c does, against the model: first allowed candidate, pin, bind. */
                r = -ENOENT;
                for (unsigned i = 0; i < md->n_candidates; i++) {
                        const ModelDriver *drv = &md->candidates[i];

                        if (rec->driver && !streq(rec->driver, drv->name))
                                continue;
                        if (!driver_verdict_allowed(decision_check_driver(k->registry->config, &d->decision,
                                                                          drv->name, drv->module, !drv->module)))
                                continue;
                        if (md->has_override)
                                snprintf(md->override, sizeof(md->override), "%s", drv->name);
                        k->binds++;
                        r = model_bind_write(md, drv);
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

                if (!rec.device || rec.type != RECORD_ACTION || rec.dry_run)
                        continue;
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

        md->present = false;
        md->bound = NULL;
        k->pending_timer[md - k->devices] = false;
        if (d)
                registry_remove(k->registry, d, NULL);
        return 0;
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

bool model_check_invariants(KernelModel *k) {
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
                /* A driver we failed to detach is reported (FAILED), but it is still a violation. */
                if (!driver_verdict_allowed(decision_check_driver(k->registry->config, &d->decision, md->bound->name,
                                                                  md->bound->module, !md->bound->module))) {
                        snprintf(k->last_error, sizeof(k->last_error), "%s: driver %s bound but not allowed (state %s)",
                                 md->syspath, md->bound->name, device_state_to_string(d->state));
                        return false;
                }
                if (d->state != DEVICE_BOUND) {
                        snprintf(k->last_error, sizeof(k->last_error), "%s: driver %s bound, state %s", md->syspath,
                                 md->bound->name, device_state_to_string(d->state));
                        return false;
                }
        }
        return true;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kernel-model.h — an in-process imitation of the kernel's driver binding (kernel-abi.md §1), for the
 * unit tests of the pure core.
 *
 * It plays the daemon's part too: it carries out the actions in an Outcome against the model and
 * feeds the results back, exactly in the order manager_process() does, so the core is exercised as in
 * production but with faults on demand (bind failing with any errno, deferral, unbind failing, a
 * driver binding by itself as on Linux 6.1 hotplug). */
#pragma once

#include <stdbool.h>

#include "registry.h"

#define MODEL_DRIVERS_MAX 4
#define MODEL_DEVICES_MAX 256

typedef struct ModelDriver {
        const char *name;
        const char *module;     /* NULL: built in */
} ModelDriver;

typedef struct ModelDevice {
        bool present;
        char syspath[256];
        char bus[32];
        char modalias[128];
        unsigned vendor, device;
        ModelDriver candidates[MODEL_DRIVERS_MAX];      /* drivers whose id table matches */
        unsigned n_candidates;
        const ModelDriver *bound;
        bool has_override;
        char override[64];
        bool removable;
        int bind_error;         /* next bind write fails with this; 0: succeeds */
        unsigned bind_error_count;
        int unbind_error;
} ModelDevice;

typedef struct KernelModel {
        ModelDevice devices[MODEL_DEVICES_MAX];
        unsigned n_devices;
        Registry *registry;
        unsigned binds, unbinds, removes, timers;
        bool pending_timer[MODEL_DEVICES_MAX];
        char last_error[512];
} KernelModel;

ModelDevice *model_add_device(KernelModel *k, const char *syspath, const char *bus, unsigned vendor, unsigned device);
void model_device_add_candidate(ModelDevice *md, const char *driver, const char *module);
DeviceInfo *model_device_info(const ModelDevice *md);
ModelDevice *model_find(KernelModel *k, const char *syspath);

/* Carries out every action in o (and those its results add), then frees o's records. */
int model_run(KernelModel *k, Outcome *o);

/* The kernel binds a driver by itself (6.1 hotplug, or someone's write) and sends "bind". */
int model_kernel_bind(KernelModel *k, ModelDevice *md, unsigned candidate);
/* Hot-add: the device appears (optionally already bound, as 6.1 does) and "add" is handled. */
int model_hotplug(KernelModel *k, ModelDevice *md, int bound_candidate);
int model_unplug(KernelModel *k, ModelDevice *md);
/* Fires every armed timer once. */
int model_fire_timers(KernelModel *k);

/* Invariant 1 of design.md: in enforce mode, every driver bound in the model is one policy allows,
 * and the registry agrees with the model about which driver is bound. Returns false and fills
 * k->last_error on violation. */
bool model_check_invariants(KernelModel *k);

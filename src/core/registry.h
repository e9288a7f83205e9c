/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* registry.h — every tracked device, by syspath, with its place in the device tree. */
#pragma once

#include <stddef.h>

#include "config.h"
#include "device.h"
#include "hashmap.h"
#include "policy.h"

struct Registry {
        const Config *config;
        const Policy *policy;
        Hashmap *devices;               /* syspath → Device */
        void (*userdata_free)(void *userdata);

        bool tsm_ready;                 /* a devsec TSM announced readiness */
        bool topology_locked;
        uint64_t topology_locked_at_usec;
        Hashmap *topology_snapshot;     /* after a restart: state_topology_key() → saved entry (borrowed) */
        char **topology_snapshot_keys;  /* the keys of topology_snapshot */
};

int registry_new(const Config *config, const Policy *policy, Registry **ret);
Registry *registry_free(Registry *reg);
DEFINE_TRIVIAL_CLEANUP_FUNC(Registry *, registry_free);

Device *registry_get(const Registry *reg, const char *syspath);

/* Tracks a new device (takes info), decides its action and dispatches DEVICE_EVENT_ADDED.
 * -EEXIST if the syspath is tracked already (info is freed). */
int registry_add(Registry *reg, DeviceInfo *info, Outcome *o, Device **ret);

/* Like registry_add(), but stops before DEVICE_EVENT_ADDED so that the caller can restore facts
 * first (persist.c) and dispatch it then. */
int registry_add_prepared(Registry *reg, DeviceInfo *info, Outcome *o, Device **ret);

/* Forgets the device (a "remove" uevent). Any records in o that name it are cleared first, so that
 * the Outcome never points at freed memory. */
void registry_remove(Registry *reg, Device *d, Outcome *o);

/* The nearest ancestor in the registry, or NULL. */
Device *registry_find_parent(const Registry *reg, const Device *d);

/* Puts infos in coldplug order: parents before children, then by syspath. -ENOMEM leaves them as
 * they were. */
int registry_sort_coldplug(DeviceInfo **infos, size_t n);

/* Installs a new configuration and decides every device again (a reload). */
int registry_set_policy(Registry *reg, const Config *config, const Policy *policy, Outcome *o);

/* A devsec TSM is ready: tdisp_of(device) tells whether each device now offers TDISP; devices
 * waiting for the TSM go on. */
int registry_set_tsm_ready(Registry *reg, bool (*tdisp_of)(const Device *d, void *userdata), void *userdata,
                           Outcome *o);

/* Locks the device topology: every tracked device is part of the snapshot; a device added later is
 * an intruder and never gets a driver; a snapshot device that disappears is reported. 0, or
 * -EALREADY. */
int registry_lock_topology(Registry *reg, uint64_t now_usec, Outcome *o);

void registry_count_states(const Registry *reg, unsigned counts[static _DEVICE_STATE_MAX]);
size_t registry_size(const Registry *reg) _pure_;

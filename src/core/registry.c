/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* registry.c — every tracked device, by syspath, with its place in the device tree. */

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "registry.h"
#include "state-file.h"
#include "strv.h"

int registry_new(const Config *config, const Policy *policy, Registry **ret) {
        _cleanup_free_ Registry *reg = NULL;
        int r;

        assert(config);
        assert(ret);

        reg = calloc(1, sizeof(Registry));
        if (!reg)
                return -ENOMEM;
        reg->config = config;
        reg->policy = policy;
        r = hashmap_new(&reg->devices);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(reg);
        return 0;
}

static Device *device_free(Registry *reg, Device *d) {
        if (!d)
                return NULL;
        if (d->userdata && reg->userdata_free)
                reg->userdata_free(d->userdata);
        device_info_free(d->info);
        free(d->reason);
        free(d->prepare_driver);
        free(d->evidence_digest);
        return mfree(d);
}

Registry *registry_free(Registry *reg) {
        Device *d;

        if (!reg)
                return NULL;

        /* Waiting lists point between devices; drop them all without unlinking one by one. */
        HASHMAP_FOREACH(d, reg->devices)
                device_free(reg, d);
        hashmap_free(reg->devices);
        hashmap_free(reg->topology_snapshot);
        strv_free(reg->topology_snapshot_keys);
        return mfree(reg);
}

Device *registry_get(const Registry *reg, const char *syspath) {
        return hashmap_get(reg->devices, syspath);
}

size_t registry_size(const Registry *reg) {
        return hashmap_size(reg->devices);
}

Device *registry_find_parent(const Registry *reg, const Device *d) {
        char path[PATH_MAX];
        size_t n = strlen(d->info->syspath);

        if (n >= sizeof(path))
                return NULL;
        memcpy(path, d->info->syspath, n + 1);

        /* Walk up one path component at a time; /sys/devices itself is never a device. */
        for (;;) {
                char *slash = strrchr(path, '/');
                Device *parent;

                if (!slash || slash == path)
                        return NULL;
                *slash = '\0';
                if (streq(path, "/sys/devices"))
                        return NULL;

                parent = hashmap_get(reg->devices, path);
                if (parent)
                        return parent;
        }
}

/* Registered by code in the measured kernel, not presented by the host: the kernel's virtual devices,
 * and platform devices that no firmware table describes (cfg80211's regulatory.0, for instance, which
 * appears whenever the module loads). They come and go with modules, so the topology lock ignores
 * them both ways. */
static bool device_made_by_kernel(const DeviceInfo *info) {
        return startswith(info->syspath, "/sys/devices/virtual/") ||
               (streq(info->bus, "platform") && !info->firmware_described);
}

static bool topology_snapshot_contains(Hashmap *snapshot, const DeviceInfo *info) {
        _cleanup_free_ char *key = NULL;
        const StateTopologyEntry *e;

        if (!snapshot)
                return false;
        /* Out of memory: not in the snapshot, which fails closed. */
        key = state_topology_key(info->bus, info->sysname);
        e = key ? hashmap_get(snapshot, key) : NULL;
        if (!e)
                return false;
        if ((e->ids & DEVICE_ID_VENDOR) && (!(info->ids & DEVICE_ID_VENDOR) || e->vendor != info->vendor))
                return false;
        if ((e->ids & DEVICE_ID_DEVICE) && (!(info->ids & DEVICE_ID_DEVICE) || e->device_id != info->device))
                return false;
        return true;
}

int registry_add_prepared(Registry *reg, DeviceInfo *info, Outcome *o, Device **ret) {
        _cleanup_(device_info_freep) DeviceInfo *owned = info;
        Device *d;
        int r;

        assert(info && info->syspath);

        if (hashmap_get(reg->devices, info->syspath))
                return -EEXIST;

        d = calloc(1, sizeof(Device));
        if (!d)
                return -ENOMEM;
        d->info = TAKE_PTR(owned);
        d->state = DEVICE_NEW;

        r = hashmap_put(reg->devices, d->info->syspath, d);
        if (r < 0) {
                device_free(reg, d);
                return r;
        }

        policy_decide(reg->config, reg->policy, d->info, &d->decision);
        r = outcome_append(o, &(Record) { .type = RECORD_DECISION, .device = d, .old_state = d->state });
        if (r < 0)
                return r;

        /* Until the TSM announces readiness a PCI device without tsm/ may still get one
         * (kernel-abi.md §2). If that would change what policy decides (a TDISP= rule), hold it. */
        if (!reg->tsm_ready && !d->info->tdisp && streq(d->info->bus, "pci")) {
                DeviceInfo as_tdisp = *d->info;
                Decision alternative;

                as_tdisp.tdisp = true;
                policy_decide(reg->config, reg->policy, &as_tdisp, &alternative);
                d->awaiting_tsm = alternative.rule != d->decision.rule || alternative.action != d->decision.action;
        }

        if (reg->topology_locked) {
                Device *parent = registry_find_parent(reg, d);

                /* After a restart the snapshot says who belongs — the same name, bus and ids, since a
                 * slot may have been refilled while tdispd was down. Devices the kernel makes itself
                 * (device_made_by_kernel()) are not the host's. A child on another bus than its parent
                 * was made by the parent's driver (virtio devices of virtio-pci, SCSI targets of a
                 * host), so it belongs when its parent does; a child on the same bus (a PCI function
                 * behind a root port, a USB device behind a hub) was plugged in by the host, and does
                 * not. */
                if (topology_snapshot_contains(reg->topology_snapshot, d->info) ||
                    device_made_by_kernel(d->info) ||
                    (parent && parent->in_topology && !streq(parent->info->bus, d->info->bus)))
                        d->in_topology = true;
                else {
                        d->topology_intruder = true;
                        r = outcome_append(o, &(Record) {
                                .type = RECORD_TOPOLOGY_VIOLATION,
                                .device = d,
                                .old_state = d->state,
                                .appeared = true,
                                .subject = d->info->sysname,
                        });
                        if (r < 0)
                                return r;
                }
        }

        *ret = d;
        return 0;
}

int registry_add(Registry *reg, DeviceInfo *info, Outcome *o, Device **ret) {
        Device *d = NULL;
        int r;

        r = registry_add_prepared(reg, info, o, &d);
        if (r < 0)
                return r;
        if (ret)
                *ret = d;
        return device_dispatch(reg, d, &(DeviceEvent) { .type = DEVICE_EVENT_ADDED }, o);
}

void registry_remove(Registry *reg, Device *d, Outcome *o) {
        assert(d);

        /* Children still waiting for this parent keep waiting: the kernel removes them next. */
        while (d->waiting_children) {
                Device *child = d->waiting_children;

                d->waiting_children = child->waiting_next;
                child->waiting_on = NULL;
                child->waiting_next = NULL;
        }
        if (d->waiting_on) {
                for (Device **p = &d->waiting_on->waiting_children; *p; p = &(*p)->waiting_next)
                        if (*p == d) {
                                *p = d->waiting_next;
                                break;
                        }
        }

        if (o) {
                for (size_t i = 0; i < o->n_records; i++)
                        if (o->records[i].device == d)
                                o->records[i].device = NULL;

                if (reg->topology_locked && d->in_topology && !device_made_by_kernel(d->info))
                        (void) outcome_append(o, &(Record) {
                                .type = RECORD_TOPOLOGY_VIOLATION,
                                .old_state = d->state,
                                .appeared = false,
                                .subject = d->info->sysname,
                        });
        }

        Device *removed = hashmap_remove(reg->devices, d->info->syspath);
        assert(removed == d);
        (void) removed;
        device_free(reg, d);
}

static size_t path_depth(const char *p) {
        size_t n = 0;

        for (; *p; p++)
                n += *p == '/';
        return n;
}

typedef struct ColdplugKey {
        size_t depth;
        DeviceInfo *info;
} ColdplugKey;

static int coldplug_compare(const void *a, const void *b) {
        const ColdplugKey *x = a, *y = b;

        if (x->depth != y->depth)
                return x->depth < y->depth ? -1 : 1;
        return strcmp(x->info->syspath, y->info->syspath);
}

/* The depth is computed once per device: computed in the comparison, it was two walks of both paths
 * per comparison, n·log n of them, and the sort grew with the machine (bench/PERFORMANCE.md). */
int registry_sort_coldplug(DeviceInfo **infos, size_t n) {
        _cleanup_free_ ColdplugKey *keys = NULL;

        if (n < 2)
                return 0;
        keys = malloc(n * sizeof(ColdplugKey));
        if (!keys)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                keys[i] = (ColdplugKey) { .depth = path_depth(infos[i]->syspath), .info = infos[i] };
        qsort(keys, n, sizeof(ColdplugKey), coldplug_compare);
        for (size_t i = 0; i < n; i++)
                infos[i] = keys[i].info;
        return 0;
}

int registry_set_policy(Registry *reg, const Config *config, const Policy *policy, Outcome *o) {
        Device *d;
        int r;

        reg->config = config;
        reg->policy = policy;

        /* Decide in coldplug order so that parents settle before their children are looked at. */
        _cleanup_free_ DeviceInfo **infos = calloc(MAX(hashmap_size(reg->devices), 1U), sizeof(DeviceInfo *));
        if (!infos)
                return -ENOMEM;
        size_t n = 0;
        HASHMAP_FOREACH(d, reg->devices)
                infos[n++] = d->info;
        r = registry_sort_coldplug(infos, n);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++) {
                d = hashmap_get(reg->devices, infos[i]->syspath);
                r = device_dispatch(reg, d, &(DeviceEvent) { .type = DEVICE_EVENT_POLICY_CHANGED }, o);
                if (r < 0)
                        return r;
        }
        return 0;
}

int registry_set_tsm_ready(Registry *reg, bool (*tdisp_of)(const Device *d, void *userdata), void *userdata,
                           Outcome *o) {
        _cleanup_free_ Device **devices = NULL;
        size_t n = 0;
        Device *d;
        int r;

        reg->tsm_ready = true;

        /* Collect first: dispatching may add records but never devices; still, do not iterate the
         * table while handing devices to code that could change it. */
        devices = calloc(MAX(hashmap_size(reg->devices), 1U), sizeof(Device *));
        if (!devices)
                return -ENOMEM;
        HASHMAP_FOREACH(d, reg->devices)
                devices[n++] = d;

        for (size_t i = 0; i < n; i++) {
                DeviceInfo info = *devices[i]->info;

                info.tdisp = tdisp_of ? tdisp_of(devices[i], userdata) : devices[i]->info->tdisp;
                r = device_dispatch(reg, devices[i], &(DeviceEvent) { .type = DEVICE_EVENT_TSM_READY, .info = &info },
                                    o);
                if (r < 0)
                        return r;
        }
        return 0;
}

int registry_lock_topology(Registry *reg, uint64_t now_usec, Outcome *o) {
        Device *d;

        if (reg->topology_locked)
                return -EALREADY;
        reg->topology_locked = true;
        reg->topology_locked_at_usec = now_usec;
        HASHMAP_FOREACH(d, reg->devices)
                d->in_topology = true;

        return outcome_append(o, &(Record) { .type = RECORD_TOPOLOGY_LOCKED });
}

void registry_count_states(const Registry *reg, unsigned counts[static _DEVICE_STATE_MAX]) {
        Device *d;

        memset(counts, 0, sizeof(unsigned) * _DEVICE_STATE_MAX);
        HASHMAP_FOREACH(d, reg->devices)
                counts[d->state]++;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* persist.c — what survives a restart or the switch to the booted system, and how it is trusted. */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "persist.h"
#include "strv.h"

static StateVerdict state_verdict_from(VerdictState v) {
        switch (v) {
        case VERDICT_APPROVED:
                return STATE_VERDICT_APPROVE;
        case VERDICT_REJECTED:
                return STATE_VERDICT_REJECT;
        case VERDICT_NONE:
        case _VERDICT_STATE_MAX:
        case _VERDICT_STATE_INVALID:
                break;
        }
        return STATE_VERDICT_NONE;
}

static int device_compare(const void *a, const void *b) {
        const Device *x = *(const Device *const *) a, *y = *(const Device *const *) b;
        return strcmp(x->info->syspath, y->info->syspath);
}

/* What persist_snapshot() writes that persist_add_device() trusts (or that a restart unwinds: a
 * device locked without an approval). */
static bool device_has_saved_facts(const Device *d) {
        return d->locked || d->accepted || d->evidence_digest || d->verdict != VERDICT_NONE || d->rejected;
}

bool persist_record_changes_state(const Record *rec, bool *ret_urgent) {
        const Device *d = rec->device;

        assert(rec);
        assert(ret_urgent);
        switch (rec->type) {
        case RECORD_TOPOLOGY_LOCKED:
        case RECORD_TOPOLOGY_VIOLATION:
                /* The snapshot and who is an intruder: a restart decides membership by them. */
                *ret_urgent = true;
                return true;
        case RECORD_TRANSITION:
                *ret_urgent = !d || d->decision.action == POLICY_ACTION_ACCEPT || d->topology_intruder ||
                              device_has_saved_facts(d);
                return true;
        case RECORD_DECISION:
        case RECORD_REFUSED_BINDING:
        case RECORD_ACTION:
        case RECORD_STALE_VERDICT:
        case _RECORD_TYPE_MAX:
        case _RECORD_TYPE_INVALID:
                break;
        }
        *ret_urgent = false;
        return false;
}

bool persist_state_is_precious(const Registry *reg) {
        Device *d;

        assert(reg);
        if (reg->topology_locked)
                return true;
        HASHMAP_FOREACH(d, reg->devices)
                if (device_has_saved_facts(d))
                        return true;
        return false;
}

int persist_snapshot(const Registry *reg, const char *boot_id, uint64_t now_usec, StateFile **ret) {
        _cleanup_(state_file_freep) StateFile *s = NULL;
        _cleanup_free_ Device **devices = NULL;
        size_t n = 0;
        Device *d;
        int r;

        r = state_file_new(&s);
        if (r < 0)
                return r;
        if (boot_id)
                snprintf(s->boot_id, sizeof(s->boot_id), "%s", boot_id);

        /* A stable order keeps the file diffable and the tests simple. */
        devices = calloc(MAX(registry_size(reg), 1U), sizeof(Device *));
        if (!devices)
                return -ENOMEM;
        HASHMAP_FOREACH(d, reg->devices)
                devices[n++] = d;
        qsort(devices, n, sizeof(Device *), device_compare);

        for (size_t i = 0; i < n; i++) {
                const DeviceInfo *info = devices[i]->info;
                StateDevice sd = {
                        .device = info->sysname,
                        .syspath = info->syspath,
                        .bus = info->bus,
                        .ids = info->ids,
                        .vendor = info->vendor,
                        .device_id = info->device,
                        .subsystem_vendor = info->subsystem_vendor,
                        .subsystem_device = info->subsystem_device,
                        .class = info->class,
                        .decision_rule = devices[i]->decision.rule ? devices[i]->decision.rule->filename : NULL,
                        .state = devices[i]->state,
                        .verdict = state_verdict_from(devices[i]->verdict),
                        .accepted = devices[i]->accepted,
                        .rejected = devices[i]->rejected && devices[i]->fallback,
                        .reason = devices[i]->reason,
                };

                if (devices[i]->evidence_digest) {
                        snprintf(sd.evidence_digest, sizeof(sd.evidence_digest), "%s", devices[i]->evidence_digest);
                        if (sd.verdict != STATE_VERDICT_NONE)
                                snprintf(sd.verdict_digest, sizeof(sd.verdict_digest), "%s",
                                         devices[i]->evidence_digest);
                } else
                        sd.verdict = STATE_VERDICT_NONE;

                r = state_file_add_device(s, &sd);
                if (r < 0)
                        return r;

                if (reg->topology_locked && devices[i]->in_topology) {
                        StateTopologyEntry e = {
                                .device = info->sysname,
                                .bus = info->bus,
                                .ids = info->ids & (DEVICE_ID_VENDOR | DEVICE_ID_DEVICE),
                                .vendor = info->vendor,
                                .device_id = info->device,
                        };
                        if (devices[i]->evidence_digest)
                                snprintf(e.evidence_digest, sizeof(e.evidence_digest), "%s",
                                         devices[i]->evidence_digest);
                        r = state_file_add_topology_entry(s, &e);
                        if (r < 0)
                                return r;
                }
        }

        s->topology_locked = reg->topology_locked;
        s->topology_locked_at_usec = reg->topology_locked ? MAX(reg->topology_locked_at_usec, 1U) : 0;

        *ret = TAKE_PTR(s);
        return 0;
}

int persist_restore_topology(Registry *reg, const StateFile *saved, Outcome *o) {
        int r;

        if (!saved || !saved->topology_locked || reg->topology_locked)
                return 0;

        r = hashmap_new(&reg->topology_snapshot);
        if (r < 0)
                return r;
        /* Sized once: appending one by one would copy the list for every entry. */
        reg->topology_snapshot_keys = calloc(saved->n_topology + 1, sizeof(char *));
        if (!reg->topology_snapshot_keys)
                return -ENOMEM;
        for (size_t i = 0; i < saved->n_topology; i++) {
                char *key = state_topology_key(saved->topology[i].bus, saved->topology[i].device);

                if (!key)
                        return -ENOMEM;
                reg->topology_snapshot_keys[i] = key;
                /* (bus, name) is unique in a valid file. */
                r = hashmap_put(reg->topology_snapshot, key, (void *) &saved->topology[i]);
                if (r < 0 && r != -EEXIST)
                        return r;
        }
        reg->topology_locked = true;
        reg->topology_locked_at_usec = saved->topology_locked_at_usec;
        return outcome_append(o, &(Record) { .type = RECORD_TOPOLOGY_LOCKED, .appeared = false });
}

/* The saved record describes this very device, not another one found at the same path. */
static bool saved_identity_matches(const StateDevice *sd, const DeviceInfo *info) {
        return streq(sd->bus, info->bus) && sd->ids == info->ids &&
               (!(sd->ids & DEVICE_ID_VENDOR) || sd->vendor == info->vendor) &&
               (!(sd->ids & DEVICE_ID_DEVICE) || sd->device_id == info->device) &&
               (!(sd->ids & DEVICE_ID_SUBSYSTEM_VENDOR) || sd->subsystem_vendor == info->subsystem_vendor) &&
               (!(sd->ids & DEVICE_ID_SUBSYSTEM_DEVICE) || sd->subsystem_device == info->subsystem_device) &&
               (!(sd->ids & DEVICE_ID_CLASS) || sd->class == info->class);
}

/* Only a complete, consistent approval on the evidence that was accepted keeps a device going. */
static bool saved_approval_holds(const StateDevice *sd, const TsmFacts *tsm) {
        return sd && tsm->locked && tsm->accepted && sd->accepted && sd->verdict == STATE_VERDICT_APPROVE &&
               sd->evidence_digest[0] && streq(sd->evidence_digest, sd->verdict_digest);
}

int persist_add_device(Registry *reg, DeviceInfo *info, const TsmFacts *tsm, const StateFile *saved, Outcome *o,
                       Device **ret) {
        const StateDevice *sd = NULL;
        Device *d = NULL;
        int r;

        assert(info);

        /* By syspath: names are unique only per bus, and a name at another path is another device. */
        if (saved)
                sd = state_file_find_device_by_syspath(saved, info->syspath);

        r = registry_add_prepared(reg, info, o, &d);
        if (r < 0)
                return r;

        if (tsm && (tsm->locked || tsm->accepted)) {
                if (saved_approval_holds(sd, tsm) && saved_identity_matches(sd, d->info)) {
                        d->locked = d->accepted = d->prepared = true;
                        d->verdict = VERDICT_APPROVED;
                        r = free_and_strdup(&d->evidence_digest, sd->evidence_digest);
                        if (r < 0)
                                return r;
                } else {
                        /* Locked (or accepted) with nothing to show for it: the lock may not be the one
                         * our evidence was read under. Unwind and attest again; not a failed attempt. */
                        d->locked = true;
                        d->accepted = tsm->accepted;
                        d->unwinding = true;
                        r = free_and_strdup(&d->reason, "found locked at start without a recorded approval; "
                                                        "unlocking to attest again");
                        if (r < 0)
                                return r;
                }
        } else if (sd && sd->rejected && saved_identity_matches(sd, d->info)) {
                /* Restricts only: the device keeps its fallback instead of being attested again. */
                r = device_restore_rejection(d, sd->reason);
                if (r < 0)
                        return r;
        }

        if (ret)
                *ret = d;
        return device_dispatch(reg, d, &(DeviceEvent) { .type = DEVICE_EVENT_ADDED }, o);
}

void persist_finish_restore(Registry *reg) {
        reg->topology_snapshot = hashmap_free(reg->topology_snapshot);
        reg->topology_snapshot_keys = strv_free(reg->topology_snapshot_keys);
}

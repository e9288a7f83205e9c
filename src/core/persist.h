/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* persist.h — what survives a restart or the switch to the booted system, and how it is trusted.
 *
 * The kernel's state (bindings, tsm/lock, tsm/accept) is re-read from sysfs at every start; the state
 * file only adds what sysfs cannot tell: which evidence the relying party approved, and the topology
 * snapshot. Restoring follows one rule: a saved fact may keep a device going only if sysfs agrees
 * with it and it proves an approval; anything less unwinds the device (unbind, unlock) and attests
 * it again. A missing or corrupt file therefore costs a re-attestation, never an acceptance. */
#pragma once

#include "registry.h"
#include "state-file.h"

/* What sysfs shows about a TDISP device at start. */
typedef struct TsmFacts {
        bool locked;
        bool accepted;
} TsmFacts;

/* Whether a record changes what the state file holds (a transition, the topology lock, a topology
 * violation), and in *ret_urgent whether the change must reach the file before the daemon does
 * anything else: restoring trusts the file only for what a TDISP device gathers (evidence, a verdict,
 * acceptance, a rejection, a lock) and for the topology, and a device whose rule says accept may
 * gather it any moment. Changes of other devices are re-derived from sysfs at every start, so their
 * writes may wait and be coalesced. A record whose device was removed since is urgent. */
bool persist_record_changes_state(const Record *rec, bool *ret_urgent);

/* Whether the state file holds anything a restart relies on: a locked topology, or a device with
 * any of the facts above. When it does not, the first write need not delay READY=1. */
bool persist_state_is_precious(const Registry *reg) _pure_;

/* Builds the state file from the registry. */
int persist_snapshot(const Registry *reg, const char *boot_id, uint64_t now_usec, StateFile **ret);

/* Before coldplug: takes over the topology lock and its snapshot from a previous instance (saved may
 * be NULL). Devices added afterwards that are not in the snapshot are intruders. */
int persist_restore_topology(Registry *reg, const StateFile *saved, Outcome *o);

/* After the first pass: the snapshot has served; a device that appears from now on is new, even in a
 * slot the snapshot names. */
void persist_finish_restore(Registry *reg);

/* Tracks a device found at start, with what sysfs shows of its TDISP state and what the previous
 * instance recorded about it (saved may be NULL: nothing trusted). */
int persist_add_device(Registry *reg, DeviceInfo *info, const TsmFacts *tsm, const StateFile *saved, Outcome *o,
                       Device **ret);

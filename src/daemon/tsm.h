/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tsm.h — the TSM ABI profile: the only code that knows the proposed guest TSM attributes.
 *
 * The guest ABI (kernel-abi.md §3) is a proposal that will change, so everything about it is here:
 * discovering the devsec TSM, which profile a device offers, and lock/unlock/accept with their
 * read-backs. Two profiles exist: "v2" (tsm/lock, tsm/unlock, tsm/accept, v2 of the PCI/TSM series)
 * and "connect" (tsm/connect 1/0 plus tsm/accept, the May 2025 proposal some vendor trees carry). */
#pragma once

#include <stdbool.h>

#include "config.h"

typedef struct Tsm {
        char *name;             /* "tsm0" */
        bool devsec;            /* pci_mode reads "devsec", or the kernel has no pci_mode */
} Tsm;

void tsm_done(Tsm *t);

/* Finds the devsec TSM under /sys/class/tsm. 1 if found, 0 if the kernel has none. */
int tsm_discover(Tsm *ret);

/* Which profile the device at syspath offers: TSM_ABI_V2, TSM_ABI_CONNECT, or TSM_ABI_AUTO for
 * neither. forced (TsmAbi=) restricts the answer to that profile. */
TsmAbi tsm_device_profile(const char *syspath, TsmAbi forced);

/* Writes the lock and reads it back; -EBADE when the read-back does not confirm it. */
int tsm_lock(const char *syspath, TsmAbi profile, const Tsm *tsm);
int tsm_unlock(const char *syspath, TsmAbi profile, const Tsm *tsm);

/* Reads tsm/accept first and refuses (-EALREADY) to write when it reads 1 — a second accept
 * corrupts resources in v2 — then writes 1 once and reads back 1 (-EBADE otherwise). */
int tsm_accept(const char *syspath, TsmAbi profile);

/* What sysfs says now: *ret_locked (locked by tsm), *ret_accepted. */
int tsm_read_status(const char *syspath, TsmAbi profile, const Tsm *tsm, bool *ret_locked, bool *ret_accepted);

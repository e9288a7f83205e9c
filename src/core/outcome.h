/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* outcome.h — what the core wants done and reported after an event, in order.
 *
 * The core does no I/O: dispatching an event appends records (decisions, transitions, refused
 * bindings, and actions to carry out) to an Outcome. The daemon walks the records in order, logs the
 * reports and executes the actions, and feeds each action's result back as a new event, whose records
 * are appended to the same Outcome — so one uevent is handled completely within one loop iteration. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "decision.h"
#include "macro.h"

typedef struct Device Device;

typedef enum DeviceState {
        DEVICE_NEW,             /* seen, not decided yet */
        DEVICE_WAITING_PARENT,  /* may get a driver, but its parent has none yet */
        DEVICE_UNBINDING,       /* a driver policy does not allow is being detached */
        DEVICE_BINDING,         /* bind written, not confirmed yet (asynchronous probe) */
        DEVICE_BIND_DEFERRED,   /* probe deferred (-EAGAIN): retrying after a backoff */
        DEVICE_BOUND,           /* a driver policy allows is bound */
        DEVICE_NO_DRIVER,       /* may get a driver, but none allowed is available */
        DEVICE_DENIED,          /* policy: no driver, ever */
        DEVICE_REMOVING,        /* policy: removed from its bus; waiting for the kernel to drop it */
        DEVICE_NO_TSM,          /* Action=accept, but the kernel offers no TSM interface for it: no driver */
        DEVICE_WAITING_TSM,     /* Action=accept: held with no driver until the TSM is ready */
        DEVICE_PREPARING,       /* the ccprepare_pci: driver is bound and probes the device */
        DEVICE_LOCKING,         /* tsm/lock is being written */
        DEVICE_ATTESTING,       /* locked; evidence read, waiting for the relying party's verdict */
        DEVICE_ACCEPTING,       /* approved; tsm/accept is being written */
        DEVICE_RUNNING,         /* accepted, and the operational driver is bound */
        DEVICE_UNLOCKING,       /* a failure or reject: unbinding and unlocking before retry or fallback */
        DEVICE_RETRY_WAIT,      /* unlocked after a failure; the pipeline restarts after a backoff */
        DEVICE_FAILED,          /* an action failed; reason recorded; no driver bound by us */
        DEVICE_AUDITED,         /* Mode=audit: decision reported, nothing enforced */
        _DEVICE_STATE_MAX,
        _DEVICE_STATE_INVALID = -EINVAL,
} DeviceState;

DECLARE_STRING_TABLE_LOOKUP(device_state, DeviceState);

typedef enum DeviceActionType {
        DEVICE_ACTION_UNBIND,           /* detach record.driver */
        DEVICE_ACTION_PIN,              /* driver_override = record.driver, or "none" without one */
        DEVICE_ACTION_BIND,             /* resolve, check, load, pin and bind; record.driver if the rule names one */
        DEVICE_ACTION_REMOVE,           /* write 1 to the device's remove attribute */
        DEVICE_ACTION_ARM_TIMER,        /* deliver DEVICE_EVENT_TIMER after record.usec */
        DEVICE_ACTION_PREPARE,          /* bind the ccprepare_pci: driver, pinned, and let it probe */
        DEVICE_ACTION_LOCK,             /* write the TSM name to tsm/lock, read it back */
        DEVICE_ACTION_READ_EVIDENCE,    /* read every evidence object (after this lock) */
        DEVICE_ACTION_REQUEST_VERDICT,  /* hand the evidence (record.digest) to the relying party */
        DEVICE_ACTION_ACCEPT,           /* read tsm/accept, write 1 once, read back 1 */
        DEVICE_ACTION_UNLOCK,           /* write the TSM name to tsm/unlock */
        _DEVICE_ACTION_MAX,
        _DEVICE_ACTION_INVALID = -EINVAL,
} DeviceActionType;

DECLARE_STRING_TABLE_LOOKUP(device_action, DeviceActionType);

typedef enum RecordType {
        RECORD_DECISION,        /* policy decided record.device's action */
        RECORD_TRANSITION,      /* old_state → new_state */
        RECORD_REFUSED_BINDING, /* record.driver is bound but not allowed (record.verdict) */
        RECORD_ACTION,          /* carry out record.action (dry_run: only report it) */
        RECORD_STALE_VERDICT,   /* a verdict for other evidence (record.digest) was refused */
        RECORD_TOPOLOGY_LOCKED, /* the device topology is locked (record.device is NULL) */
        RECORD_TOPOLOGY_VIOLATION, /* a device appeared after the lock, or a locked one disappeared */
        _RECORD_TYPE_MAX,
        _RECORD_TYPE_INVALID = -EINVAL,
} RecordType;

typedef struct Record {
        RecordType type;
        Device *device;
        DeviceState old_state, new_state;
        DeviceActionType action;
        DriverVerdict verdict;
        char *driver;           /* owned */
        char *reason;           /* owned: the device's reason when the record was made */
        char *digest;           /* owned: evidence digest (REQUEST_VERDICT, STALE_VERDICT) */
        bool appeared;          /* TOPOLOGY_VIOLATION: appeared (true) or disappeared (false) */
        char *subject;          /* owned: the device's name, for records that outlive the device */
        uint64_t usec;
        bool dry_run;           /* Mode=audit: report "would …", change nothing */
} Record;

typedef struct Outcome {
        Record *records;
        size_t n_records;
        size_t n_allocated;
} Outcome;

void outcome_done(Outcome *o);
/* Copies driver and reason. */
int outcome_append(Outcome *o, const Record *record);

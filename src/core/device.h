/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device.h — one tracked device and the single state machine that drives it.
 *
 * Every device has one state (outcome.h), changed only by device_enter_state(), which records the
 * transition old → new. device_dispatch() is the transition logic: (state, event) → new state plus
 * actions appended to an Outcome. It is pure: the daemon executes the actions and feeds their results
 * back as events. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "decision.h"
#include "driver-match.h"
#include "device-info.h"
#include "outcome.h"

typedef struct Registry Registry;

typedef enum VerdictState {
        VERDICT_NONE,
        VERDICT_APPROVED,
        VERDICT_REJECTED,
        _VERDICT_STATE_MAX,
        _VERDICT_STATE_INVALID = -EINVAL,
} VerdictState;

DECLARE_STRING_TABLE_LOOKUP(verdict_state, VerdictState);

/* Probe deferral (-EAGAIN) and lost bindings are retried with exponential backoff, a bounded
 * number of times, then the device fails. */
#define DEVICE_BIND_ATTEMPTS_MAX 5U
#define DEVICE_BIND_BACKOFF_USEC (100U * 1000U)
/* How long an asynchronous probe may take before a bind is declared failed. */
#define DEVICE_BIND_CONFIRM_USEC (5U * 1000U * 1000U)
/* Backoff before the TDISP pipeline is tried again after a failure. */
#define DEVICE_PIPELINE_BACKOFF_USEC (500U * 1000U)

struct Device {
        DeviceInfo *info;
        DeviceState state;
        Decision decision;
        char *reason;                   /* why the device is FAILED/NO_DRIVER/WAITING…; NULL otherwise */
        unsigned bind_attempts;

        /* TDISP: facts about the device, as last read back from the kernel or the relying party. The
         * pipeline's next step is computed from these, never from a remembered step, so that a
         * restart can rebuild them from sysfs and the state file and carry on safely. */
        bool locked;                    /* tsm/lock reads the TSM's name */
        bool accepted;                  /* tsm/accept reads 1 */
        bool prepared;                  /* the prepare step ran (or was skipped) for this attempt */
        char *prepare_driver;           /* bound for the prepare step */
        uint64_t lock_generation;       /* counts our locks; evidence belongs to one */
        char *evidence_digest;          /* "sha384:…" of evidence read after the current lock */
        VerdictState verdict;           /* on evidence_digest */
        bool verdict_requested;         /* the relying party has been asked about evidence_digest */
        bool unwinding;                 /* a failure or reject: unbind and unlock before anything else */
        bool rejected;                  /* the relying party rejected: no retry, fall back */
        unsigned pipeline_attempts;     /* failed attempts so far */
        bool fallback;                  /* the pipeline gave up: OnReject= decides the action */
        PolicyAction fallback_action;

        /* Topology lock. */
        bool in_topology;               /* part of the locked snapshot */
        bool topology_intruder;         /* appeared after the lock: never gets a driver */
        bool awaiting_tsm;              /* TDISP= would decide it otherwise: hold until the TSM is ready */

        Device *waiting_on;             /* the parent, while WAITING_PARENT */
        Device *waiting_children;       /* children waiting for this device to be bound */
        Device *waiting_next;

        void *userdata;                 /* the daemon's per-device context */
};

typedef enum DeviceEventType {
        DEVICE_EVENT_ADDED,             /* first seen; decision made (coldplug or "add") */
        DEVICE_EVENT_CHANGED,           /* "change": identity refreshed (event.info) */
        DEVICE_EVENT_DRIVER_BOUND,      /* sysfs shows event.driver bound (from a uevent or a read) */
        DEVICE_EVENT_DRIVER_UNBOUND,    /* sysfs shows no driver */
        DEVICE_EVENT_PARENT_BOUND,      /* the parent this device waits for got its driver */
        DEVICE_EVENT_BIND_RESULT,       /* result of DEVICE_ACTION_BIND: event.error, event.reason */
        DEVICE_EVENT_UNBIND_RESULT,     /* result of DEVICE_ACTION_UNBIND */
        DEVICE_EVENT_REMOVE_RESULT,     /* result of DEVICE_ACTION_REMOVE */
        DEVICE_EVENT_TIMER,             /* DEVICE_ACTION_ARM_TIMER expired */
        DEVICE_EVENT_POLICY_CHANGED,    /* configuration reloaded: decide again */
        DEVICE_EVENT_TSM_READY,         /* the TSM announced readiness; event.info->tdisp refreshed */
        DEVICE_EVENT_PREPARE_RESULT,    /* result of DEVICE_ACTION_PREPARE: 0 with event.driver (.module,
                                         * .builtin) now bound, -ENOENT: no prepare driver, or an error */
        DEVICE_EVENT_LOCK_RESULT,
        DEVICE_EVENT_EVIDENCE_RESULT,   /* event.digest: evidence digest on success */
        DEVICE_EVENT_VERDICT,           /* event.approve, event.digest, event.reason */
        DEVICE_EVENT_ACCEPT_RESULT,
        DEVICE_EVENT_UNLOCK_RESULT,
        DEVICE_EVENT_REVALIDATE,        /* the operator or an error asks to go around again */
        _DEVICE_EVENT_TYPE_MAX,
        _DEVICE_EVENT_TYPE_INVALID = -EINVAL,
} DeviceEventType;

DECLARE_STRING_TABLE_LOOKUP(device_event_type, DeviceEventType);

typedef struct DeviceEvent {
        DeviceEventType type;
        int error;                      /* *_RESULT: 0 or negative errno */
        const char *reason;             /* *_RESULT: human-readable detail, may be NULL */
        const char *driver;             /* DRIVER_BOUND */
        const char *module;             /* DRIVER_BOUND: module providing driver, NULL if built in */
        bool builtin;                   /* DRIVER_BOUND */
        const DeviceInfo *info;         /* CHANGED */
        const char *digest;             /* EVIDENCE_RESULT, VERDICT */
        bool approve;                   /* VERDICT */
} DeviceEvent;

/* What policy wants for the device now: the decision, or OnReject= once the pipeline gave up. */
/* After a restart: the relying party rejected the device's evidence before the restart and the
 * device fell back. A rejection is final until revalidation or a policy change, and only ever
 * restricts, so it is restored as is (an accept device then takes its OnReject= action at once). */
int device_restore_rejection(Device *d, const char *reason);
PolicyAction device_effective_action(const Device *d) _pure_;

/* Checks the driver against policy in the device's current situation (effective action, accepted,
 * topology, the prepare step). */
DriverVerdict device_check_driver(const Registry *reg, const Device *d, const char *driver, const char *module,
                                  bool builtin);

/* The only place that changes d->state. Appends a RECORD_TRANSITION when the state changes. */
int device_enter_state(Device *d, DeviceState state, Outcome *o);

int device_dispatch(Registry *reg, Device *d, const DeviceEvent *event, Outcome *o);

/* The device's bound driver as policy sees it right now, or NULL. */
static inline const char *device_driver(const Device *d) {
        return d->info->driver;
}

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
#include "device-info.h"
#include "outcome.h"

typedef struct Registry Registry;

/* Probe deferral (-EAGAIN) and lost bindings are retried with exponential backoff, a bounded
 * number of times, then the device fails. */
#define DEVICE_BIND_ATTEMPTS_MAX 5U
#define DEVICE_BIND_BACKOFF_USEC (100U * 1000U)
/* How long an asynchronous probe may take before a bind is declared failed. */
#define DEVICE_BIND_CONFIRM_USEC (5U * 1000U * 1000U)

struct Device {
        DeviceInfo *info;
        DeviceState state;
        Decision decision;
        char *reason;                   /* why the device is FAILED/NO_DRIVER/WAITING…; NULL otherwise */
        unsigned bind_attempts;

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
} DeviceEvent;

/* The only place that changes d->state. Appends a RECORD_TRANSITION when the state changes. */
int device_enter_state(Device *d, DeviceState state, Outcome *o);

int device_dispatch(Registry *reg, Device *d, const DeviceEvent *event, Outcome *o);

/* The device's bound driver as policy sees it right now, or NULL. */
static inline const char *device_driver(const Device *d) {
        return d->info->driver;
}

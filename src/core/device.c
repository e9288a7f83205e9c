/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device.c — the per-device state machine.
 *
 * The shape of it: whenever nothing is in flight for a device, device_evaluate() compares what sysfs
 * shows (a driver or none) with what policy wants, and either settles the device in a resting state
 * or asks for exactly one action. Every observation — our own action's result, a uevent, a timer — is
 * an event that updates what we know and evaluates again. Because the daemon reads the driver link
 * before it reports a binding, a stale or forged uevent cannot make the core believe in a binding
 * that is not there, and an unexpected binding is always checked against policy, whatever the state. */

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>

#include "device.h"
#include "registry.h"

static const char *const device_state_table[_DEVICE_STATE_MAX] = {
        [DEVICE_NEW] = "new",
        [DEVICE_WAITING_PARENT] = "waiting-parent",
        [DEVICE_UNBINDING] = "unbinding",
        [DEVICE_BINDING] = "binding",
        [DEVICE_BIND_DEFERRED] = "bind-deferred",
        [DEVICE_BOUND] = "bound",
        [DEVICE_NO_DRIVER] = "no-driver",
        [DEVICE_DENIED] = "denied",
        [DEVICE_REMOVING] = "removing",
        [DEVICE_HELD_NO_TDISP] = "held-no-tdisp",
        [DEVICE_FAILED] = "failed",
        [DEVICE_AUDITED] = "audited",
};

DEFINE_STRING_TABLE_LOOKUP(device_state, DeviceState, _DEVICE_STATE_MAX);

static const char *const device_action_table[_DEVICE_ACTION_MAX] = {
        [DEVICE_ACTION_UNBIND] = "unbind",
        [DEVICE_ACTION_PIN_NONE] = "pin-none",
        [DEVICE_ACTION_BIND] = "bind",
        [DEVICE_ACTION_REMOVE] = "remove",
        [DEVICE_ACTION_ARM_TIMER] = "arm-timer",
};

DEFINE_STRING_TABLE_LOOKUP(device_action, DeviceActionType, _DEVICE_ACTION_MAX);

static const char *const device_event_type_table[_DEVICE_EVENT_TYPE_MAX] = {
        [DEVICE_EVENT_ADDED] = "added",
        [DEVICE_EVENT_CHANGED] = "changed",
        [DEVICE_EVENT_DRIVER_BOUND] = "driver-bound",
        [DEVICE_EVENT_DRIVER_UNBOUND] = "driver-unbound",
        [DEVICE_EVENT_PARENT_BOUND] = "parent-bound",
        [DEVICE_EVENT_BIND_RESULT] = "bind-result",
        [DEVICE_EVENT_UNBIND_RESULT] = "unbind-result",
        [DEVICE_EVENT_REMOVE_RESULT] = "remove-result",
        [DEVICE_EVENT_TIMER] = "timer",
        [DEVICE_EVENT_POLICY_CHANGED] = "policy-changed",
};

DEFINE_STRING_TABLE_LOOKUP(device_event_type, DeviceEventType, _DEVICE_EVENT_TYPE_MAX);

static bool mode_is_audit(const Registry *reg) {
        return reg->config->mode == MODE_AUDIT;
}

static int device_set_reason(Device *d, const char *format, ...) _printf_(2, 3);
static int device_set_reason(Device *d, const char *format, ...) {
        va_list ap;
        char *s = NULL;
        int r;

        if (!format) {
                d->reason = mfree(d->reason);
                return 0;
        }

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;

        free(d->reason);
        d->reason = s;
        return 0;
}

int device_enter_state(Device *d, DeviceState state, Outcome *o) {
        DeviceState old = d->state;

        assert(state >= 0 && state < _DEVICE_STATE_MAX);

        if (old == state)
                return 0;
        d->state = state;

        /* Resting states that are not failures carry no reason. */
        if (IN_SET(state, DEVICE_BOUND, DEVICE_DENIED, DEVICE_BINDING, DEVICE_UNBINDING))
                d->reason = mfree(d->reason);

        return outcome_append(o, &(Record) {
                .type = RECORD_TRANSITION,
                .device = d,
                .old_state = old,
                .new_state = state,
        });
}

static int device_request(Registry *reg, Device *d, DeviceActionType action, const char *driver, uint64_t usec,
                          Outcome *o) {
        return outcome_append(o, &(Record) {
                .type = RECORD_ACTION,
                .device = d,
                .action = action,
                .driver = (char *) driver,
                .usec = usec,
                .dry_run = mode_is_audit(reg) && action != DEVICE_ACTION_ARM_TIMER,
        });
}

static void device_stop_waiting(Device *d) {
        Device **p;

        if (!d->waiting_on)
                return;
        for (p = &d->waiting_on->waiting_children; *p; p = &(*p)->waiting_next)
                if (*p == d) {
                        *p = d->waiting_next;
                        break;
                }
        d->waiting_on = NULL;
        d->waiting_next = NULL;
}

static int device_wait_for(Device *d, Device *parent) {
        device_stop_waiting(d);
        d->waiting_on = parent;
        d->waiting_next = parent->waiting_children;
        parent->waiting_children = d;
        return 0;
}

static int device_wake_children(Registry *reg, Device *parent, Outcome *o) {
        int r;

        while (parent->waiting_children) {
                Device *child = parent->waiting_children;

                device_stop_waiting(child);
                r = device_dispatch(reg, child, &(DeviceEvent) { .type = DEVICE_EVENT_PARENT_BOUND }, o);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int device_enter_bound(Registry *reg, Device *d, Outcome *o) {
        int r;

        r = device_enter_state(d, mode_is_audit(reg) ? DEVICE_AUDITED : DEVICE_BOUND, o);
        if (r < 0)
                return r;
        return device_wake_children(reg, d, o);
}

/* Brings the device towards what policy wants, given what sysfs shows now. */
static int device_evaluate(Registry *reg, Device *d, Outcome *o) {
        const Config *c = reg->config;
        const char *driver = device_driver(d);
        bool audit = mode_is_audit(reg);
        DeviceState next = DEVICE_FAILED;
        Device *parent;
        int r = -EINVAL;

        if (driver) {
                DriverVerdict verdict = decision_check_driver(c, &d->decision, driver, d->info->driver_module,
                                                              d->info->driver_builtin);
                if (driver_verdict_allowed(verdict))
                        return device_enter_bound(reg, d, o);

                r = outcome_append(o, &(Record) {
                        .type = RECORD_REFUSED_BINDING,
                        .device = d,
                        .driver = (char *) driver,
                        .verdict = verdict,
                        .dry_run = audit,
                });
                if (r < 0)
                        return r;
                r = device_request(reg, d, DEVICE_ACTION_UNBIND, driver, 0, o);
                if (r < 0)
                        return r;
                return device_enter_state(d, audit ? DEVICE_AUDITED : DEVICE_UNBINDING, o);
        }

        switch (d->decision.action) {
        case POLICY_ACTION_DENY:
                r = device_request(reg, d, DEVICE_ACTION_PIN_NONE, NULL, 0, o);
                next = DEVICE_DENIED;
                break;

        case POLICY_ACTION_REMOVE:
                r = device_request(reg, d, DEVICE_ACTION_REMOVE, NULL, 0, o);
                next = DEVICE_REMOVING;
                break;

        case POLICY_ACTION_ACCEPT:
                r = device_request(reg, d, DEVICE_ACTION_PIN_NONE, NULL, 0, o);
                next = DEVICE_HELD_NO_TDISP;
                break;

        case POLICY_ACTION_SHARED:
                parent = registry_find_parent(reg, d);
                if (parent && !IN_SET(parent->state, DEVICE_BOUND, DEVICE_AUDITED)) {
                        r = device_set_reason(d, "parent %s is %s", parent->info->sysname,
                                              device_state_to_string(parent->state));
                        if (r < 0)
                                return r;
                        device_wait_for(d, parent);
                        return device_enter_state(d, DEVICE_WAITING_PARENT, o);
                }

                if (d->bind_attempts >= DEVICE_BIND_ATTEMPTS_MAX) {
                        r = device_set_reason(d, "gave up after %u bind attempts", d->bind_attempts);
                        if (r < 0)
                                return r;
                        return device_enter_state(d, DEVICE_FAILED, o);
                }
                if (!audit)
                        d->bind_attempts++;
                r = device_request(reg, d, DEVICE_ACTION_BIND, d->decision.rule ? d->decision.rule->driver : NULL,
                                   0, o);
                next = DEVICE_BINDING;
                break;

        case _POLICY_ACTION_MAX:
        case _POLICY_ACTION_INVALID:
                assert(false);
                return -EINVAL;
        }
        if (r < 0)
                return r;

        return device_enter_state(d, audit ? DEVICE_AUDITED : next, o);
}

static int device_handle_bind_result(Registry *reg, Device *d, const DeviceEvent *ev, Outcome *o) {
        int r;

        if (d->state != DEVICE_BINDING)
                return 0;

        if (ev->error == 0) {
                /* The daemon reports a confirmed binding as DRIVER_BOUND before this result; still
                 * binding means the probe runs asynchronously: wait for the bind uevent, bounded. */
                return device_request(reg, d, DEVICE_ACTION_ARM_TIMER, NULL, DEVICE_BIND_CONFIRM_USEC, o);
        }

        switch (ev->error) {
        case -EAGAIN:
                if (d->bind_attempts >= DEVICE_BIND_ATTEMPTS_MAX)
                        break;
                r = device_set_reason(d, "probe deferred (attempt %u of %u)", d->bind_attempts,
                                      DEVICE_BIND_ATTEMPTS_MAX);
                if (r < 0)
                        return r;
                r = device_request(reg, d, DEVICE_ACTION_ARM_TIMER, NULL,
                                   (uint64_t) DEVICE_BIND_BACKOFF_USEC << (d->bind_attempts - 1), o);
                if (r < 0)
                        return r;
                return device_enter_state(d, DEVICE_BIND_DEFERRED, o);

        case -ENOENT:
        case -EPERM:
                /* No candidate driver exists, or policy refused every candidate. */
                r = device_set_reason(d, "%s", ev->reason ?: "no allowed driver");
                if (r < 0)
                        return r;
                return device_enter_state(d, DEVICE_NO_DRIVER, o);

        default:
                break;
        }

        r = device_set_reason(d, "bind failed: %s%s%s", strerror(-ev->error), ev->reason ? ": " : "",
                              strempty(ev->reason));
        if (r < 0)
                return r;
        return device_enter_state(d, DEVICE_FAILED, o);
}

int device_dispatch(Registry *reg, Device *d, const DeviceEvent *ev, Outcome *o) {
        DeviceInfo *info = d->info;
        int r;

        switch (ev->type) {
        case DEVICE_EVENT_ADDED:
                return device_evaluate(reg, d, o);

        case DEVICE_EVENT_CHANGED:
                /* Identity changes do not re-decide a device: the decision was made on what the device
                 * first claimed to be, and a later claim must not widen what it is allowed. */
                return 0;

        case DEVICE_EVENT_DRIVER_BOUND:
                assert(ev->driver);
                /* Nothing new: either we judged this binding already, or we failed to undo it and the
                 * device is FAILED with the reason — trying again on every read would loop. */
                if (streq_ptr(info->driver, ev->driver))
                        return 0;
                r = free_and_strdup(&info->driver, ev->driver);
                if (r < 0)
                        return r;
                r = free_and_strdup(&info->driver_module, ev->module);
                if (r < 0)
                        return r;
                info->driver_builtin = ev->builtin;
                device_stop_waiting(d);
                return device_evaluate(reg, d, o);

        case DEVICE_EVENT_DRIVER_UNBOUND:
                if (!info->driver)
                        return 0;
                info->driver = mfree(info->driver);
                info->driver_module = mfree(info->driver_module);
                info->driver_builtin = false;
                /* In audit mode we only watch. Otherwise a device that lost its driver (ours, or one we
                 * detached) is brought back to what policy wants; bind_attempts bounds a flapping driver. */
                if (mode_is_audit(reg))
                        return 0;
                if (IN_SET(d->state, DEVICE_UNBINDING, DEVICE_BOUND, DEVICE_BINDING, DEVICE_FAILED))
                        return device_evaluate(reg, d, o);
                return 0;

        case DEVICE_EVENT_PARENT_BOUND:
                if (d->state != DEVICE_WAITING_PARENT)
                        return 0;
                return device_evaluate(reg, d, o);

        case DEVICE_EVENT_BIND_RESULT:
                return device_handle_bind_result(reg, d, ev, o);

        case DEVICE_EVENT_UNBIND_RESULT:
                if (d->state != DEVICE_UNBINDING || ev->error == 0)
                        return 0;
                /* The driver policy refused is still bound: that is a failure the journal must show. */
                r = device_set_reason(d, "cannot unbind %s: %s", strna(info->driver), strerror(-ev->error));
                if (r < 0)
                        return r;
                return device_enter_state(d, DEVICE_FAILED, o);

        case DEVICE_EVENT_REMOVE_RESULT:
                if (d->state != DEVICE_REMOVING || ev->error == 0)
                        return 0;
                /* Could not remove it: it still gets no driver. */
                r = device_set_reason(d, "remove failed (%s), denied instead", strerror(-ev->error));
                if (r < 0)
                        return r;
                r = device_request(reg, d, DEVICE_ACTION_PIN_NONE, NULL, 0, o);
                if (r < 0)
                        return r;
                return device_enter_state(d, DEVICE_DENIED, o);

        case DEVICE_EVENT_TIMER:
                if (d->state == DEVICE_BIND_DEFERRED)
                        return device_evaluate(reg, d, o);
                if (d->state == DEVICE_BINDING) {
                        r = device_set_reason(d, "driver did not bind within %u ms",
                                              DEVICE_BIND_CONFIRM_USEC / 1000U);
                        if (r < 0)
                                return r;
                        return device_enter_state(d, DEVICE_FAILED, o);
                }
                return 0;

        case DEVICE_EVENT_POLICY_CHANGED: {
                Decision decision;

                policy_decide(reg->config, reg->policy, info, &decision);
                d->decision = decision;
                d->bind_attempts = 0;
                r = outcome_append(o, &(Record) { .type = RECORD_DECISION, .device = d });
                if (r < 0)
                        return r;
                /* Only resting states are re-evaluated; in-flight ones finish under the new policy. */
                if (IN_SET(d->state, DEVICE_BOUND, DEVICE_NO_DRIVER, DEVICE_DENIED, DEVICE_FAILED,
                                 DEVICE_HELD_NO_TDISP, DEVICE_AUDITED, DEVICE_WAITING_PARENT)) {
                        device_stop_waiting(d);
                        return device_evaluate(reg, d, o);
                }
                return 0;
        }

        case _DEVICE_EVENT_TYPE_MAX:
        case _DEVICE_EVENT_TYPE_INVALID:
                break;
        }

        assert(false);
        return -EINVAL;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device.c — the per-device state machine.
 *
 * The shape of it: whenever nothing is in flight for a device, device_evaluate() compares what is
 * true now — the driver sysfs shows, and for TDISP devices whether the device is locked, which
 * evidence was read after that lock, the relying party's verdict on it, and whether it is accepted —
 * with what policy wants, and either settles the device in a resting state or asks for exactly one
 * action. Every observation (an action's result, a uevent, a timer, a verdict) is an event that
 * updates those facts and evaluates again. device_enter_state() is the only place that changes the
 * state.
 *
 * Because the daemon reads the driver link before it reports a binding, a stale or forged uevent
 * cannot make the core believe in a binding that is not there, and an unexpected binding is always
 * checked against policy, whatever the state. Because the TDISP steps are derived from facts rather
 * than from a remembered position, a restart can rebuild the facts from sysfs and the state file and
 * carry on without ever accepting twice or binding before accept. */

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
        [DEVICE_NO_TSM] = "no-tsm",
        [DEVICE_WAITING_TSM] = "waiting-tsm",
        [DEVICE_PREPARING] = "preparing",
        [DEVICE_LOCKING] = "locking",
        [DEVICE_ATTESTING] = "attesting",
        [DEVICE_ACCEPTING] = "accepting",
        [DEVICE_RUNNING] = "running",
        [DEVICE_UNLOCKING] = "unlocking",
        [DEVICE_RETRY_WAIT] = "retry-wait",
        [DEVICE_FAILED] = "failed",
        [DEVICE_AUDITED] = "audited",
};

DEFINE_STRING_TABLE_LOOKUP(device_state, DeviceState, _DEVICE_STATE_MAX);

static const char *const device_action_table[_DEVICE_ACTION_MAX] = {
        [DEVICE_ACTION_UNBIND] = "unbind",
        [DEVICE_ACTION_PIN] = "pin",
        [DEVICE_ACTION_BIND] = "bind",
        [DEVICE_ACTION_REMOVE] = "remove",
        [DEVICE_ACTION_ARM_TIMER] = "arm-timer",
        [DEVICE_ACTION_PREPARE] = "prepare",
        [DEVICE_ACTION_LOCK] = "lock",
        [DEVICE_ACTION_READ_EVIDENCE] = "read-evidence",
        [DEVICE_ACTION_REQUEST_VERDICT] = "request-verdict",
        [DEVICE_ACTION_ACCEPT] = "accept",
        [DEVICE_ACTION_UNLOCK] = "unlock",
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
        [DEVICE_EVENT_TSM_READY] = "tsm-ready",
        [DEVICE_EVENT_PREPARE_RESULT] = "prepare-result",
        [DEVICE_EVENT_LOCK_RESULT] = "lock-result",
        [DEVICE_EVENT_EVIDENCE_RESULT] = "evidence-result",
        [DEVICE_EVENT_VERDICT] = "verdict",
        [DEVICE_EVENT_ACCEPT_RESULT] = "accept-result",
        [DEVICE_EVENT_UNLOCK_RESULT] = "unlock-result",
        [DEVICE_EVENT_REVALIDATE] = "revalidate",
};

DEFINE_STRING_TABLE_LOOKUP(device_event_type, DeviceEventType, _DEVICE_EVENT_TYPE_MAX);

static const char *const verdict_state_table[_VERDICT_STATE_MAX] = {
        [VERDICT_NONE] = "none",
        [VERDICT_APPROVED] = "approved",
        [VERDICT_REJECTED] = "rejected",
};

DEFINE_STRING_TABLE_LOOKUP(verdict_state, VerdictState, _VERDICT_STATE_MAX);

static int device_evaluate(Registry *reg, Device *d, Outcome *o);

static bool mode_is_audit(const Registry *reg) {
        return reg->config->mode == MODE_AUDIT;
}

static int device_set_reason(Device *d, const char *format, ...) _printf_(2, 3);
static int device_set_reason(Device *d, const char *format, ...) {
        va_list ap;
        char *s = NULL;
        int r;

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

        /* States that are neither failures nor waits carry no reason — unless the device is there
         * because the pipeline failed or was rejected, which the reason then explains. */
        if (IN_SET(state, DEVICE_BOUND, DEVICE_RUNNING, DEVICE_DENIED, DEVICE_BINDING, DEVICE_UNBINDING,
                   DEVICE_LOCKING, DEVICE_ATTESTING, DEVICE_ACCEPTING, DEVICE_PREPARING) && !d->unwinding &&
            !d->fallback)
                d->reason = mfree(d->reason);

        return outcome_append(o, &(Record) {
                .type = RECORD_TRANSITION,
                .device = d,
                .old_state = old,
                .new_state = state,
                .driver = d->info->driver,
                .reason = d->reason,
        });
}

static int device_request_full(Registry *reg, Device *d, DeviceActionType action, const char *driver,
                               const char *digest, uint64_t usec, Outcome *o) {
        return outcome_append(o, &(Record) {
                .type = RECORD_ACTION,
                .device = d,
                .old_state = d->state,
                .action = action,
                .driver = (char *) driver,
                .digest = (char *) digest,
                .usec = usec,
                .dry_run = mode_is_audit(reg) && action != DEVICE_ACTION_ARM_TIMER,
        });
}

static int device_request(Registry *reg, Device *d, DeviceActionType action, const char *driver, Outcome *o) {
        return device_request_full(reg, d, action, driver, NULL, 0, o);
}

static int device_arm_timer(Registry *reg, Device *d, uint64_t usec, Outcome *o) {
        return device_request_full(reg, d, DEVICE_ACTION_ARM_TIMER, NULL, NULL, usec, o);
}

/* Enters state, then asks for action: the journal reads cause before effect. */
static int device_enter_and_request(Registry *reg, Device *d, DeviceState state, DeviceActionType action,
                                    const char *driver, Outcome *o) {
        _cleanup_free_ char *copy = NULL;
        int r;

        /* The driver name may be the device's own, which entering a state must not invalidate. */
        if (driver) {
                copy = strdup(driver);
                if (!copy)
                        return -ENOMEM;
        }
        r = device_enter_state(d, mode_is_audit(reg) ? DEVICE_AUDITED : state, o);
        if (r < 0)
                return r;
        return device_request(reg, d, action, copy, o);
}

PolicyAction device_effective_action(const Device *d) {
        return d->fallback ? d->fallback_action : d->decision.action;
}

static bool driver_is_rule_driver(const Device *d, const char *driver, const char *module) {
        char *const one[] = { d->decision.rule ? d->decision.rule->driver : NULL, NULL };

        if (!one[0])
                return true;
        return driver_glob_match(one, driver) || (module && driver_glob_match(one, module));
}

DriverVerdict device_check_driver(const Registry *reg, const Device *d, const char *driver, const char *module,
                                  bool builtin) {
        Decision effective = d->decision;
        DriverVerdict verdict;

        effective.action = device_effective_action(d);

        /* DeniedDrivers= first: it beats everything, the prepare step included. */
        verdict = decision_check_driver(reg->config, &effective, driver, module, builtin);
        if (verdict == DRIVER_REFUSED_DENIED)
                return verdict;

        if (d->topology_intruder)
                return DRIVER_REFUSED_TOPOLOGY;
        if (d->awaiting_tsm)
                return DRIVER_REFUSED_ACTION;

        if (effective.action != POLICY_ACTION_ACCEPT)
                return verdict;

        if (d->state == DEVICE_PREPARING && d->prepare_driver && streq(driver, d->prepare_driver))
                return DRIVER_ALLOWED_PREPARE;
        if (!d->accepted)
                return DRIVER_REFUSED_NOT_ACCEPTED;
        if (!driver_is_rule_driver(d, driver, module))
                return DRIVER_REFUSED_NOT_RULE_DRIVER;
        /* Attested and accepted: its operational driver needs no TrustedDrivers= entry. */
        return DRIVER_ALLOWED_ACCEPTED;
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

static void device_wait_for(Device *d, Device *parent) {
        device_stop_waiting(d);
        d->waiting_on = parent;
        d->waiting_next = parent->waiting_children;
        parent->waiting_children = d;
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

static int device_enter_bound(Registry *reg, Device *d, DeviceState state, Outcome *o) {
        int r;

        r = device_enter_state(d, mode_is_audit(reg) ? DEVICE_AUDITED : state, o);
        if (r < 0)
                return r;
        return device_wake_children(reg, d, o);
}

static int device_refuse_binding(Registry *reg, Device *d, const char *driver, DriverVerdict verdict, Outcome *o) {
        return outcome_append(o, &(Record) {
                .type = RECORD_REFUSED_BINDING,
                .device = d,
                .old_state = d->state,
                .driver = (char *) driver,
                .verdict = verdict,
                .dry_run = mode_is_audit(reg),
        });
}

/* A device that appeared after the topology lock: no driver, and removed if configured so. */
static int device_enter_intruder(Registry *reg, Device *d, Outcome *o) {
        int r;

        r = device_set_reason(d, "appeared after the device topology was locked");
        if (r < 0)
                return r;
        if (reg->config->on_topology_violation == TOPOLOGY_VIOLATION_REMOVE)
                return device_enter_and_request(reg, d, DEVICE_REMOVING, DEVICE_ACTION_REMOVE, NULL, o);
        return device_enter_and_request(reg, d, DEVICE_DENIED, DEVICE_ACTION_PIN, NULL, o);
}

/* --- TDISP --- */

static void device_forget_lock(Device *d) {
        d->locked = false;
        d->accepted = false;
        d->evidence_digest = mfree(d->evidence_digest);
        d->verdict = VERDICT_NONE;
}

static PolicyAction fallback_action_of(const PolicyRule *rule) {
        /* Falling back to accept would only go round again: deny instead. */
        return rule && IN_SET(rule->on_reject, POLICY_ACTION_SHARED, POLICY_ACTION_DENY, POLICY_ACTION_REMOVE)
                       ? rule->on_reject
                       : POLICY_ACTION_DENY;
}

int device_restore_rejection(Device *d, const char *reason) {
        if (d->decision.action != POLICY_ACTION_ACCEPT)
                return 0;
        d->rejected = d->fallback = true;
        d->fallback_action = fallback_action_of(d->decision.rule);
        return free_and_strdup(&d->reason, reason ?: "rejected by the relying party before tdispd restarted");
}

/* Any failure, reject or timeout ends here: record why, then unbind and unlock (device_evaluate
 * does that while unwinding), then retry after a backoff or fall back as OnReject= says. */
static int device_tdisp_fail(Registry *reg, Device *d, bool reject, const char *format, ...) _printf_(4, 5);
static int device_tdisp_fail(Registry *reg, Device *d, bool reject, const char *format, ...) {
        va_list ap;
        char *s = NULL;
        int r;

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        free(d->reason);
        d->reason = s;

        if (reject)
                d->rejected = true;
        else
                d->pipeline_attempts++;
        d->unwinding = true;
        return 0;
}

static int device_evaluate_tdisp(Registry *reg, Device *d, Outcome *o) {
        const Config *c = reg->config;
        const PolicyRule *rule = d->decision.rule;
        const char *driver = device_driver(d);
        DriverVerdict verdict;
        int r;

        if (d->unwinding) {
                if (driver)
                        return device_enter_and_request(reg, d, DEVICE_UNLOCKING, DEVICE_ACTION_UNBIND, driver, o);
                if (d->locked)
                        return device_enter_and_request(reg, d, DEVICE_UNLOCKING, DEVICE_ACTION_UNLOCK, NULL, o);

                d->unwinding = false;
                d->prepared = false;
                if (d->rejected || d->pipeline_attempts >= MAX(c->pipeline_attempts, 1U)) {
                        d->fallback = true;
                        d->fallback_action = fallback_action_of(rule);
                        return device_evaluate(reg, d, o);
                }
                r = device_enter_state(d, DEVICE_RETRY_WAIT, o);
                if (r < 0)
                        return r;
                return device_arm_timer(reg, d,
                                        (uint64_t) DEVICE_PIPELINE_BACKOFF_USEC
                                                << MIN(d->pipeline_attempts > 0 ? d->pipeline_attempts - 1 : 0, 10U),
                                        o);
        }

        if (driver) {
                verdict = device_check_driver(reg, d, driver, d->info->driver_module, d->info->driver_builtin);
                if (verdict == DRIVER_ALLOWED_ACCEPTED)
                        return device_enter_bound(reg, d, DEVICE_RUNNING, o);
                if (d->prepare_driver && streq(driver, d->prepare_driver) && d->prepared)
                        /* The prepare step is done: detach it before lock (kernel-abi.md §5). */
                        return device_enter_and_request(reg, d, DEVICE_PREPARING, DEVICE_ACTION_UNBIND, driver, o);

                r = device_refuse_binding(reg, d, driver, verdict, o);
                if (r < 0)
                        return r;
                /* Locked or accepted, the device cannot survive a foreign driver: its unbind clears Bus
                 * Master Enable. Go around again. */
                if (d->locked) {
                        r = device_tdisp_fail(reg, d, false, "driver %s bound while the device was locked", driver);
                        if (r < 0)
                                return r;
                        return device_enter_and_request(reg, d, DEVICE_UNLOCKING, DEVICE_ACTION_UNBIND, driver, o);
                }
                return device_enter_and_request(reg, d, DEVICE_UNBINDING, DEVICE_ACTION_UNBIND, driver, o);
        }

        if (d->topology_intruder)
                return device_enter_intruder(reg, d, o);

        if (!d->info->tdisp) {
                if (!reg->tsm_ready) {
                        r = device_set_reason(d, "waiting for the TSM to announce readiness");
                        if (r < 0)
                                return r;
                        return device_enter_and_request(reg, d, DEVICE_WAITING_TSM, DEVICE_ACTION_PIN, NULL, o);
                }
                r = device_set_reason(d, "the kernel offers no TSM interface (tsm/) for this device");
                if (r < 0)
                        return r;
                return device_enter_and_request(reg, d, DEVICE_NO_TSM, DEVICE_ACTION_PIN, NULL, o);
        }

        if (d->accepted) {
                if (d->bind_attempts >= DEVICE_BIND_ATTEMPTS_MAX) {
                        r = device_tdisp_fail(reg, d, false, "operational driver did not bind after %u attempts",
                                              d->bind_attempts);
                        if (r < 0)
                                return r;
                        d->bind_attempts = 0;
                        return device_evaluate(reg, d, o);
                }
                d->bind_attempts++;
                return device_enter_and_request(reg, d, DEVICE_BINDING, DEVICE_ACTION_BIND, rule ? rule->driver : NULL,
                                                o);
        }

        if (!d->locked) {
                if (!d->prepared && rule && rule->prepare == PREPARE_NO)
                        d->prepared = true;
                if (!d->prepared) {
                        r = device_enter_and_request(reg, d, DEVICE_PREPARING, DEVICE_ACTION_PREPARE, NULL, o);
                        if (r < 0)
                                return r;
                        return device_arm_timer(reg, d, c->prepare_timeout_usec, o);
                }
                return device_enter_and_request(reg, d, DEVICE_LOCKING, DEVICE_ACTION_LOCK, NULL, o);
        }

        if (!d->evidence_digest)
                return device_enter_and_request(reg, d, DEVICE_ATTESTING, DEVICE_ACTION_READ_EVIDENCE, NULL, o);

        switch (d->verdict) {
        case VERDICT_NONE:
                /* Asked once per evidence: ATTESTING means the request is out. */
                if (d->state == DEVICE_ATTESTING && d->verdict_requested)
                        return 0;
                r = device_enter_state(d, DEVICE_ATTESTING, o);
                if (r < 0)
                        return r;
                d->verdict_requested = true;
                r = device_request_full(reg, d, DEVICE_ACTION_REQUEST_VERDICT, NULL, d->evidence_digest, 0, o);
                if (r < 0)
                        return r;
                return device_arm_timer(reg, d, c->verifier_timeout_usec, o);

        case VERDICT_APPROVED:
                return device_enter_and_request(reg, d, DEVICE_ACCEPTING, DEVICE_ACTION_ACCEPT, NULL, o);

        case VERDICT_REJECTED:
        case _VERDICT_STATE_MAX:
        case _VERDICT_STATE_INVALID:
                break;
        }
        /* A rejected verdict always goes through device_tdisp_fail(); reaching here is a bug. */
        assert(false);
        return -EINVAL;
}

/* --- shared, deny, remove --- */

/* Brings the device towards what policy wants, given what sysfs shows now. */
static int device_evaluate(Registry *reg, Device *d, Outcome *o) {
        PolicyAction action = device_effective_action(d);
        const char *driver = device_driver(d);
        DriverVerdict verdict;
        Device *parent;
        int r;

        if (action == POLICY_ACTION_ACCEPT && !mode_is_audit(reg))
                return device_evaluate_tdisp(reg, d, o);

        if (driver) {
                verdict = device_check_driver(reg, d, driver, d->info->driver_module, d->info->driver_builtin);
                if (driver_verdict_allowed(verdict)) {
                        /* A binding we did not make (a built-in, or a module loaded before us) is kept,
                         * and pinned like ours so that no other driver can take the device later. */
                        if (d->state != DEVICE_BINDING && !mode_is_audit(reg)) {
                                r = device_request(reg, d, DEVICE_ACTION_PIN, driver, o);
                                if (r < 0)
                                        return r;
                        }
                        return device_enter_bound(reg, d, DEVICE_BOUND, o);
                }

                r = device_refuse_binding(reg, d, driver, verdict, o);
                if (r < 0)
                        return r;
                return device_enter_and_request(reg, d, DEVICE_UNBINDING, DEVICE_ACTION_UNBIND, driver, o);
        }

        if (d->topology_intruder)
                return device_enter_intruder(reg, d, o);

        /* A TSM exists but has not announced readiness, and policy would decide this device otherwise
         * if it turned out to offer TDISP: it may not get an ordinary driver before we know. */
        if (d->awaiting_tsm) {
                r = device_set_reason(d, "its policy depends on TDISP=, and the TSM is not ready yet");
                if (r < 0)
                        return r;
                return device_enter_and_request(reg, d, DEVICE_WAITING_TSM, DEVICE_ACTION_PIN, NULL, o);
        }

        switch (action) {
        case POLICY_ACTION_DENY:
                return device_enter_and_request(reg, d, DEVICE_DENIED, DEVICE_ACTION_PIN, NULL, o);

        case POLICY_ACTION_REMOVE:
                return device_enter_and_request(reg, d, DEVICE_REMOVING, DEVICE_ACTION_REMOVE, NULL, o);

        case POLICY_ACTION_ACCEPT:
                /* Only in audit mode: report what would happen to a TDISP device before its pipeline. */
                return device_enter_and_request(reg, d, DEVICE_NO_TSM, DEVICE_ACTION_PIN, NULL, o);

        case POLICY_ACTION_SHARED:
                parent = registry_find_parent(reg, d);
                if (parent && !IN_SET(parent->state, DEVICE_BOUND, DEVICE_RUNNING, DEVICE_AUDITED)) {
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
                if (!mode_is_audit(reg))
                        d->bind_attempts++;
                return device_enter_and_request(reg, d, DEVICE_BINDING, DEVICE_ACTION_BIND,
                                                d->decision.rule ? d->decision.rule->driver : NULL, o);

        case _POLICY_ACTION_MAX:
        case _POLICY_ACTION_INVALID:
                break;
        }
        assert(false);
        return -EINVAL;
}

static bool device_in_pipeline(const Device *d) {
        return device_effective_action(d) == POLICY_ACTION_ACCEPT;
}

static int device_handle_bind_result(Registry *reg, Device *d, const DeviceEvent *ev, Outcome *o) {
        int r;

        if (d->state != DEVICE_BINDING)
                return 0;

        if (ev->error == 0)
                /* The daemon reports a confirmed binding as DRIVER_BOUND before this result; still
                 * binding means the probe runs asynchronously: wait for the bind uevent, bounded. */
                return device_arm_timer(reg, d, DEVICE_BIND_CONFIRM_USEC, o);

        if (ev->error == -EAGAIN && d->bind_attempts < DEVICE_BIND_ATTEMPTS_MAX) {
                r = device_set_reason(d, "probe deferred (attempt %u of %u)", d->bind_attempts,
                                      DEVICE_BIND_ATTEMPTS_MAX);
                if (r < 0)
                        return r;
                r = device_enter_state(d, DEVICE_BIND_DEFERRED, o);
                if (r < 0)
                        return r;
                return device_arm_timer(reg, d, (uint64_t) DEVICE_BIND_BACKOFF_USEC << (d->bind_attempts - 1), o);
        }

        if (device_in_pipeline(d)) {
                /* An accepted device without its operational driver goes around again. */
                r = device_tdisp_fail(reg, d, false, "operational driver: %s%s%s",
                                      ev->error == -ENOENT ? "none allowed" : strerror(-ev->error),
                                      ev->reason ? ": " : "", strempty(ev->reason));
                if (r < 0)
                        return r;
                return device_evaluate(reg, d, o);
        }

        if (ev->error == -ENOENT) {
                /* No candidate driver exists, or policy refused every candidate. */
                r = device_set_reason(d, "%s", ev->reason ?: "no allowed driver");
                if (r < 0)
                        return r;
                return device_enter_state(d, DEVICE_NO_DRIVER, o);
        }

        r = device_set_reason(d, "bind failed: %s%s%s", strerror(-ev->error), ev->reason ? ": " : "",
                              strempty(ev->reason));
        if (r < 0)
                return r;
        return device_enter_state(d, DEVICE_FAILED, o);
}

/* A result of a pipeline step: failures go around again (or fall back). */
static int device_handle_step_result(Registry *reg, Device *d, DeviceState expected, const DeviceEvent *ev,
                                     const char *step, Outcome *o) {
        int r;

        if (d->state != expected)
                return 0;
        if (ev->error == 0)
                return device_evaluate(reg, d, o);

        r = device_tdisp_fail(reg, d, false, "%s failed: %s%s%s", step, strerror(-ev->error), ev->reason ? ": " : "",
                              strempty(ev->reason));
        if (r < 0)
                return r;
        return device_evaluate(reg, d, o);
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
                if (d->state == DEVICE_RUNNING) {
                        /* An accepted device lost its driver: its Bus Master Enable is gone, so it may
                         * be in TDISP ERROR. Recover: unlock, attest and accept again. */
                        r = device_tdisp_fail(reg, d, false, "operational driver was unbound");
                        if (r < 0)
                                return r;
                        return device_evaluate(reg, d, o);
                }
                if (d->state == DEVICE_BOUND) {
                        /* Someone else detached it (or the device is being unplugged, and its remove
                         * uevent follows). Binding it again would fight the operator, or bind a driver
                         * to whatever now sits in the slot: leave it until asked (a reload). */
                        r = device_set_reason(d, "driver was unbound, not by tdispd; not binding again");
                        if (r < 0)
                                return r;
                        return device_enter_state(d, DEVICE_NO_DRIVER, o);
                }
                if (IN_SET(d->state, DEVICE_UNBINDING, DEVICE_BINDING, DEVICE_FAILED, DEVICE_PREPARING, DEVICE_UNLOCKING))
                        return device_evaluate(reg, d, o);
                return 0;

        case DEVICE_EVENT_PARENT_BOUND:
                if (d->state != DEVICE_WAITING_PARENT)
                        return 0;
                return device_evaluate(reg, d, o);

        case DEVICE_EVENT_BIND_RESULT:
                return device_handle_bind_result(reg, d, ev, o);

        case DEVICE_EVENT_UNBIND_RESULT:
                if (!IN_SET(d->state, DEVICE_UNBINDING, DEVICE_UNLOCKING, DEVICE_PREPARING) || ev->error == 0)
                        return 0;
                /* The driver policy refused is still bound: that is a failure the journal must show. */
                r = device_set_reason(d, "cannot unbind %s: %s", strna(info->driver), strerror(-ev->error));
                if (r < 0)
                        return r;
                d->unwinding = false;
                return device_enter_state(d, DEVICE_FAILED, o);

        case DEVICE_EVENT_REMOVE_RESULT:
                if (d->state != DEVICE_REMOVING || ev->error == 0)
                        return 0;
                /* Could not remove it: it still gets no driver. */
                r = device_set_reason(d, "remove failed (%s), denied instead", strerror(-ev->error));
                if (r < 0)
                        return r;
                return device_enter_and_request(reg, d, DEVICE_DENIED, DEVICE_ACTION_PIN, NULL, o);

        case DEVICE_EVENT_TIMER:
                switch (d->state) {
                case DEVICE_BIND_DEFERRED:
                case DEVICE_RETRY_WAIT:
                        return device_evaluate(reg, d, o);
                case DEVICE_BINDING:
                        r = device_set_reason(d, "driver did not bind within %u ms", DEVICE_BIND_CONFIRM_USEC / 1000U);
                        if (r < 0)
                                return r;
                        return device_enter_state(d, DEVICE_FAILED, o);
                case DEVICE_PREPARING:
                        if (d->prepared)
                                return 0;
                        r = device_tdisp_fail(reg, d, false, "prepare driver did not finish in time");
                        if (r < 0)
                                return r;
                        return device_evaluate(reg, d, o);
                case DEVICE_ATTESTING:
                        if (!d->verdict_requested || d->verdict != VERDICT_NONE)
                                return 0;
                        r = device_tdisp_fail(reg, d, false, "no verdict from the relying party in time");
                        if (r < 0)
                                return r;
                        return device_evaluate(reg, d, o);
                case DEVICE_NEW:
                case DEVICE_WAITING_PARENT:
                case DEVICE_UNBINDING:
                case DEVICE_BOUND:
                case DEVICE_NO_DRIVER:
                case DEVICE_DENIED:
                case DEVICE_REMOVING:
                case DEVICE_NO_TSM:
                case DEVICE_WAITING_TSM:
                case DEVICE_LOCKING:
                case DEVICE_ACCEPTING:
                case DEVICE_RUNNING:
                case DEVICE_UNLOCKING:
                case DEVICE_FAILED:
                case DEVICE_AUDITED:
                case _DEVICE_STATE_MAX:
                case _DEVICE_STATE_INVALID:
                        break;
                }
                return 0;

        case DEVICE_EVENT_POLICY_CHANGED: {
                Decision decision;

                policy_decide(reg->config, reg->policy, info, &decision);
                d->decision = decision;
                d->bind_attempts = 0;
                r = outcome_append(o, &(Record) { .type = RECORD_DECISION, .device = d, .old_state = d->state });
                if (r < 0)
                        return r;
                /* Only resting states are re-evaluated; in-flight ones finish under the new policy. */
                if (IN_SET(d->state, DEVICE_BOUND, DEVICE_NO_DRIVER, DEVICE_DENIED, DEVICE_FAILED, DEVICE_NO_TSM,
                           DEVICE_WAITING_TSM, DEVICE_AUDITED, DEVICE_WAITING_PARENT, DEVICE_RUNNING)) {
                        d->fallback = d->rejected = false;
                        d->pipeline_attempts = 0;
                        device_stop_waiting(d);
                        return device_evaluate(reg, d, o);
                }
                return 0;
        }

        case DEVICE_EVENT_TSM_READY:
                if (ev->info)
                        info->tdisp = ev->info->tdisp;
                if (d->awaiting_tsm) {
                        /* Now the tsm/ group is final: decide for real. */
                        d->awaiting_tsm = false;
                        policy_decide(reg->config, reg->policy, info, &d->decision);
                        r = outcome_append(o, &(Record) { .type = RECORD_DECISION, .device = d, .old_state = d->state });
                        if (r < 0)
                                return r;
                }
                if (!IN_SET(d->state, DEVICE_WAITING_TSM, DEVICE_NO_TSM))
                        return 0;
                return device_evaluate(reg, d, o);

        case DEVICE_EVENT_PREPARE_RESULT:
                if (d->state != DEVICE_PREPARING || d->prepared)
                        return 0;
                if (ev->error == 0 || ev->error == -ENOENT) {
                        /* -ENOENT: no ccprepare_pci: driver matches; the step is skipped. Otherwise the
                         * result carries the binding the probe made, which is unbound next. */
                        d->prepared = true;
                        r = free_and_strdup(&d->prepare_driver, ev->error == 0 ? ev->driver : NULL);
                        if (r < 0)
                                return r;
                        if (ev->error == 0 && ev->driver) {
                                r = free_and_strdup(&info->driver, ev->driver);
                                if (r < 0)
                                        return r;
                                r = free_and_strdup(&info->driver_module, ev->module);
                                if (r < 0)
                                        return r;
                                info->driver_builtin = ev->builtin;
                        }
                        return device_evaluate(reg, d, o);
                }
                r = device_tdisp_fail(reg, d, false, "prepare failed: %s%s%s", strerror(-ev->error),
                                      ev->reason ? ": " : "", strempty(ev->reason));
                if (r < 0)
                        return r;
                return device_evaluate(reg, d, o);

        case DEVICE_EVENT_LOCK_RESULT:
                if (d->state == DEVICE_LOCKING && ev->error == 0) {
                        device_forget_lock(d);
                        d->locked = true;
                        d->lock_generation++;
                }
                return device_handle_step_result(reg, d, DEVICE_LOCKING, ev, "lock", o);

        case DEVICE_EVENT_EVIDENCE_RESULT:
                if (d->state != DEVICE_ATTESTING || d->evidence_digest)
                        return 0;
                if (ev->error == 0) {
                        assert(ev->digest);
                        r = free_and_strdup(&d->evidence_digest, ev->digest);
                        if (r < 0)
                                return r;
                        d->verdict = VERDICT_NONE;
                        d->verdict_requested = false;
                }
                return device_handle_step_result(reg, d, DEVICE_ATTESTING, ev, "reading evidence", o);

        case DEVICE_EVENT_VERDICT:
                /* A verdict counts only for the evidence read after the current lock. */
                if (d->state != DEVICE_ATTESTING || !d->evidence_digest || !ev->digest ||
                    !streq(ev->digest, d->evidence_digest) || d->verdict != VERDICT_NONE) {
                        r = outcome_append(o, &(Record) {
                                .type = RECORD_STALE_VERDICT,
                                .device = d,
                                .old_state = d->state,
                                .digest = (char *) ev->digest,
                        });
                        return r < 0 ? r : -ESTALE;
                }
                if (ev->approve) {
                        d->verdict = VERDICT_APPROVED;
                        return device_evaluate(reg, d, o);
                }
                d->verdict = VERDICT_REJECTED;
                r = device_tdisp_fail(reg, d, true, "rejected by the relying party: %s", ev->reason ?: "no reason given");
                if (r < 0)
                        return r;
                return device_evaluate(reg, d, o);

        case DEVICE_EVENT_ACCEPT_RESULT:
                if (d->state == DEVICE_ACCEPTING && ev->error == 0) {
                        d->accepted = true;
                        d->bind_attempts = 0;
                }
                return device_handle_step_result(reg, d, DEVICE_ACCEPTING, ev, "accept", o);

        case DEVICE_EVENT_UNLOCK_RESULT:
                if (d->state != DEVICE_UNLOCKING)
                        return 0;
                if (ev->error == 0) {
                        device_forget_lock(d);
                        return device_evaluate(reg, d, o);
                }
                /* Still locked, with no driver: safe, but stuck. */
                r = device_set_reason(d, "cannot unlock: %s", strerror(-ev->error));
                if (r < 0)
                        return r;
                d->unwinding = false;
                return device_enter_state(d, DEVICE_FAILED, o);

        case DEVICE_EVENT_REVALIDATE:
                if (d->decision.action != POLICY_ACTION_ACCEPT || mode_is_audit(reg))
                        return -EOPNOTSUPP;
                d->fallback = d->rejected = false;
                d->pipeline_attempts = 0;
                if (d->unwinding)
                        return 0;
                if (info->driver || d->locked) {
                        /* Not a failure: unwind, then start afresh without counting an attempt. */
                        r = device_set_reason(d, "revalidation requested");
                        if (r < 0)
                                return r;
                        d->unwinding = true;
                }
                d->prepared = false;
                return device_evaluate(reg, d, o);

        case _DEVICE_EVENT_TYPE_MAX:
        case _DEVICE_EVENT_TYPE_INVALID:
                break;
        }

        assert(false);
        return -EINVAL;
}

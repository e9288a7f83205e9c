/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* manager.c — the daemon: event loop, uevents, and carrying out what the core decides.
 *
 * Order at start matters: the uevent monitor is attached first, then autoprobe goes off on every
 * bus, then every existing device is read and decided. A binding that happens between two of those
 * steps is therefore either seen by the walk or arrives as a uevent afterwards — never missed. */

#include <assert.h>
#include <dirent.h>
#include <libkmod.h>
#include <stdio.h>
#include <sys/reboot.h>
#include <time.h>
#include <systemd/sd-daemon.h>

#include "device-log.h"
#include "api.h"
#include "binder.h"
#include "fileio.h"
#include "lockdown.h"
#include "log.h"
#include "manager.h"
#include "message-id.h"
#include "module-loader.h"
#include "persist.h"
#include "pipeline.h"
#include "state.h"
#include "verifier.h"
#include "evidence.h"
#include "strv.h"
#include "sysfs.h"

static void device_context_free(void *p) {
        DeviceContext *ctx = p;

        if (!ctx)
                return;
        sd_event_source_disable_unref(ctx->timer);
        verifier_run_free(ctx->verifier);
        evidence_set_free(ctx->evidence);
        free(ctx->syspath);
        free(ctx);
}

static int manager_process(Manager *m, Outcome *o);

int manager_new(const ManagerOptions *options, Manager **ret) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        m = calloc(1, sizeof(Manager));
        if (!m)
                return -ENOMEM;
        m->options = *options;

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(m);
        return 0;
}

Manager *manager_free(Manager *m) {
        if (!m)
                return NULL;
        /* First: Monitor and ListDevices calls in progress refer to the registry. */
        api_free(m->api);
        registry_free(m->registry);
        sd_device_monitor_unref(m->monitor);
        sd_event_source_disable_unref(m->state_timer);
        module_loader_free(m->kmod);
        policy_free(m->policy);
        config_free(m->config);
        strv_free(m->buses);
        free(m->status);
        tsm_done(&m->tsm);
        state_file_free(m->saved_state);
        sd_event_unref(m->event);
        return mfree(m);
}

static int log_config_error(const ConfError *e) {
        _cleanup_free_ char *text = conf_error_format(e), *file = NULL, *line = NULL;
        char *fields[3] = {};
        size_t n = 0;

        if (e->filename && asprintf(&file, "CONFIG_FILE=%s", e->filename) >= 0)
                fields[n++] = file;
        if (e->line > 0 && asprintf(&line, "CONFIG_LINE=%u", e->line) >= 0)
                fields[n++] = line;

        return log_struct_internal(LOG_ERR, e->error ?: -EINVAL, MESSAGE_ID_CONFIG_INVALID, fields,
                                   "Invalid configuration, failing closed: %s", strna(text));
}

static int manager_load(const ManagerOptions *options, Config **ret_config, Policy **ret_policy, bool *ret_cmdline) {
        ConfigPaths paths = {
                .config_file = options->config_file,
                .policy_dirs = options->policy_dirs,
                .kernel_cmdline = options->kernel_cmdline,
        };
        _cleanup_(conf_error_done) ConfError error = {};
        int r;

        r = config_load(&paths, ret_config, ret_policy, &error);
        if (r < 0)
                return log_config_error(&error);
        if (ret_cmdline)
                *ret_cmdline = r > 0;
        return 0;
}

int manager_check_config(const ManagerOptions *options) {
        _cleanup_(config_freep) Config *config = NULL;
        _cleanup_(policy_freep) Policy *policy = NULL;
        int r;

        r = manager_load(options, &config, &policy, NULL);
        if (r < 0)
                return r;

        log_info("Configuration is valid: Mode=%s, DefaultAction=%s, %zu policy rules.",
                 mode_to_string(config->mode), policy_action_to_string(config->default_action), policy->n_rules);
        return 0;
}

int manager_load_config(Manager *m) {
        bool from_cmdline = false;
        int r;

        r = manager_load(&m->options, &m->config, &m->policy, &from_cmdline);
        if (r < 0) {
                /* Fail closed: whatever the broken file meant, nothing binds by itself from now on. */
                (void) lockdown_all_buses(false, NULL);
                (void) lockdown_modules_autoprobe(false);
                (void) sd_notifyf(false, "STATUS=Invalid configuration: autoprobe disabled, nothing bound\nERRNO=%i",
                                  -r);
                return r;
        }

        if (from_cmdline) {
                _cleanup_free_ char *field = NULL;
                if (asprintf(&field, "TDISPD_MODE=%s", mode_to_string(m->config->mode)) < 0)
                        return log_oom();
                char *fields[] = { field, NULL };
                log_struct_internal(LOG_WARNING, 0, MESSAGE_ID_MODE_OVERRIDE, fields,
                                    "Kernel command line tdispd.mode=%s overrides the configured Mode=.",
                                    mode_to_string(m->config->mode));
        }

        log_info("Mode=%s, DefaultAction=%s, %zu policy rules, TrustBuiltinDrivers=%s.",
                 mode_to_string(m->config->mode), policy_action_to_string(m->config->default_action),
                 m->policy->n_rules, m->config->trust_builtin_drivers ? "yes" : "no");
        return 0;
}

/* --- logging of core records --- */

typedef struct Fields {
        char *items[8];
        size_t n;
} Fields;

static void fields_done(Fields *f) {
        for (size_t i = 0; i < f->n; i++)
                free(f->items[i]);
        *f = (Fields) {};
}

static void fields_add(Fields *f, const char *key, const char *value) {
        if (!value || f->n >= ELEMENTSOF(f->items) - 1)
                return;
        if (asprintf(&f->items[f->n], "%s=%s", key, value) >= 0)
                f->n++;
}

/* state: as of the record, which may be older than the device's current state. */
static void fields_for_device(Fields *f, const Device *d, DeviceState state) {
        fields_add(f, "TDISPD_DEVICE", d->info->sysname);
        fields_add(f, "TDISPD_BUS", d->info->bus);
        fields_add(f, "TDISPD_STATE", device_state_to_string(state));
        fields_add(f, "TDISPD_RULE", decision_rule_name(&d->decision));
}

/* A TDISP attempt that failed, timed out or was rejected is a warning: the device is not accepted,
 * or not yet. Waits and successful steps are information. */
static int transition_priority(const Record *rec) {
        if (rec->new_state == DEVICE_FAILED)
                return LOG_ERR;
        if (rec->new_state == DEVICE_RETRY_WAIT)
                return LOG_WARNING;
        if (rec->reason &&
            IN_SET(rec->old_state, DEVICE_PREPARING, DEVICE_LOCKING, DEVICE_ATTESTING, DEVICE_ACCEPTING,
                   DEVICE_UNLOCKING) &&
            IN_SET(rec->new_state, DEVICE_UNLOCKING, DEVICE_DENIED, DEVICE_REMOVING, DEVICE_BINDING,
                   DEVICE_NO_DRIVER))
                return LOG_WARNING;
        return LOG_INFO;
}
static void log_record(Manager *m, const Record *rec) {
        _cleanup_(fields_done) Fields f = {};
        const Device *d = rec->device;
        const char *name = d->info->sysname;

        switch (rec->type) {
        case RECORD_DECISION: {
                _cleanup_free_ char *match = d->decision.rule ? policy_rule_match_summary(d->decision.rule) : NULL;

                fields_for_device(&f, d, rec->old_state);
                fields_add(&f, "TDISPD_ACTION", policy_action_to_string(d->decision.action));
                fields_add(&f, "TDISPD_RULE_MATCH", match);
                log_struct_internal(LOG_INFO, 0, MESSAGE_ID_DEVICE_DECISION, f.items,
                                    "%s: %s %s, action %s (rule: %s%s%s%s).", name, d->info->bus,
                                    strempty(d->info->modalias), policy_action_to_string(d->decision.action),
                                    decision_rule_name(&d->decision), match ? " [Match] " : "", strempty(match),
                                    match && !match[0] ? "(any device)" : "");
                return;
        }

        case RECORD_TRANSITION:
                m->counts[rec->old_state]--;
                m->counts[rec->new_state]++;
                if (rec->old_state == DEVICE_ATTESTING && d->userdata) {
                        /* Nobody waits for that verdict any more (timeout, new lock, reject). */
                        DeviceContext *ctx = d->userdata;
                        ctx->verifier = verifier_run_free(ctx->verifier);
                }
                fields_for_device(&f, d, rec->new_state);
                fields_add(&f, "TDISPD_OLD_STATE", device_state_to_string(rec->old_state));
                fields_add(&f, "TDISPD_DRIVER", rec->driver);
                fields_add(&f, "TDISPD_REASON", rec->reason);
                log_struct_internal(transition_priority(rec), 0, MESSAGE_ID_DEVICE_STATE, f.items,
                                    "%s: %s → %s%s%s%s%s%s", name, device_state_to_string(rec->old_state),
                                    device_state_to_string(rec->new_state), rec->driver ? " (driver " : "",
                                    strempty(rec->driver), rec->driver ? ")" : "", rec->reason ? ": " : "",
                                    strempty(rec->reason));
                return;

        case RECORD_REFUSED_BINDING:
                fields_for_device(&f, d, rec->old_state);
                fields_add(&f, "TDISPD_DRIVER", rec->driver);
                fields_add(&f, "TDISPD_VERDICT", driver_verdict_to_string(rec->verdict));
                log_struct_internal(LOG_WARNING, 0, MESSAGE_ID_BINDING_REFUSED, f.items,
                                    "%s: driver '%s' is bound but not allowed (%s)%s.", name, rec->driver,
                                    driver_verdict_to_string(rec->verdict),
                                    rec->dry_run ? "; audit mode, leaving it" : ", unbinding");
                return;

        case RECORD_ACTION:
                assert(rec->dry_run);
                fields_for_device(&f, d, rec->old_state);
                fields_add(&f, "TDISPD_ACTION", device_action_to_string(rec->action));
                fields_add(&f, "TDISPD_DRIVER", rec->driver);
                log_struct_internal(LOG_NOTICE, 0, MESSAGE_ID_ACTION_AUDIT, f.items, "Audit: would %s %s%s%s.",
                                    device_action_to_string(rec->action), name, rec->driver ? " driver " : "",
                                    strempty(rec->driver));
                return;

        case RECORD_STALE_VERDICT:
                fields_for_device(&f, d, rec->old_state);
                fields_add(&f, "TDISPD_EVIDENCE_DIGEST", d->evidence_digest);
                fields_add(&f, "TDISPD_VERDICT_DIGEST", rec->digest);
                log_struct_internal(LOG_WARNING, 0, MESSAGE_ID_STALE_VERDICT, f.items,
                                    "%s: refused a verdict on evidence %s: the current evidence is %s.", name,
                                    strna(rec->digest), strna(d->evidence_digest));
                return;

        case RECORD_TOPOLOGY_LOCKED:
        case RECORD_TOPOLOGY_VIOLATION:
                /* Device-less; handled by manager_topology_record(). */
                break;

        case _RECORD_TYPE_MAX:
        case _RECORD_TYPE_INVALID:
                break;
        }
        assert(false);
}

static void log_action_failed(const Device *d, const char *action, int error, const char *reason) {
        _cleanup_(fields_done) Fields f = {};

        fields_for_device(&f, d, d->state);
        fields_add(&f, "TDISPD_ACTION", action);
        fields_add(&f, "TDISPD_REASON", reason);
        log_struct_internal(LOG_ERR, error, MESSAGE_ID_ACTION_FAILED, f.items, "%s: failed to %s: %m%s%s",
                            d->info->sysname, action, reason ? ": " : "", strempty(reason));
}

/* --- observing sysfs --- */

/* Reads the driver link and reports what it shows; sysfs, not the uevent, is the truth. */
static int manager_observe_driver(Manager *m, Device *d, Outcome *o) {
        _cleanup_free_ char *driver = NULL, *module = NULL;
        bool builtin = false;
        int r;

        r = sysfs_read_driver(d->info->syspath, &driver);
        if (r == -ENOENT)
                return 0; /* the device itself is gone; its remove uevent follows */
        if (r < 0)
                return log_device_warning_errno(d->info->sysname, r, "cannot read driver link: %m");

        if (!driver)
                return device_dispatch(m->registry, d, &(DeviceEvent) { .type = DEVICE_EVENT_DRIVER_UNBOUND }, o);

        /* An unreadable module link counts as a module: trust is never granted on missing
         * information. */
        r = sysfs_driver_module(d->info->bus, driver, &module, &builtin);
        if (r < 0) {
                log_device_debug_errno(d->info->sysname, r, "cannot tell which module provides '%s': %m",
                                       driver);
                builtin = false;
        }

        return device_dispatch(m->registry, d,
                               &(DeviceEvent) {
                                       .type = DEVICE_EVENT_DRIVER_BOUND,
                                       .driver = driver,
                                       .module = module,
                                       .builtin = builtin,
                               },
                               o);
}

/* What only sysfs tells: the bound driver (from the link, never from a DRIVER= property), its module,
 * whether firmware describes a platform device, and whether the device offers TDISP. */
static int device_info_read_sysfs(DeviceInfo *info, TsmAbi tsm_abi) {
        _cleanup_free_ char *driver = NULL, *module = NULL;
        int r;

        info->driver = mfree(info->driver);
        r = sysfs_read_driver(info->syspath, &driver);
        if (r < 0)
                return r;
        if (driver) {
                bool builtin = false;

                r = sysfs_driver_module(info->bus, driver, &module, &builtin);
                info->driver_builtin = r >= 0 && builtin;
                info->driver = TAKE_PTR(driver);
                info->driver_module = TAKE_PTR(module);
        }

        if (streq(info->bus, "platform"))
                info->firmware_described = sysfs_device_has_attribute(info->syspath, "firmware_node") ||
                                           sysfs_device_has_attribute(info->syspath, "of_node");

        /* TDISP as the configured profile sees it: TsmAbi=connect on a v2 kernel offers none. */
        info->tdisp = tsm_device_profile(info->syspath, tsm_abi) != TSM_ABI_AUTO;
        return 0;
}

static int device_info_from_sd_device(sd_device *dev, TsmAbi tsm_abi, DeviceInfo **ret) {
        _cleanup_strv_free_ char **properties = NULL;
        _cleanup_(device_info_freep) DeviceInfo *info = NULL;
        const char *key, *value;
        int r;

        properties = calloc(1, sizeof(char *));
        if (!properties)
                return -ENOMEM;

        for (key = sd_device_get_property_first(dev, &value); key; key = sd_device_get_property_next(dev, &value)) {
                char *kv;

                if (asprintf(&kv, "%s=%s", key, value) < 0)
                        return -ENOMEM;
                r = strv_consume(&properties, kv);
                if (r < 0)
                        return r;
        }

        r = device_info_from_properties(properties, &info, NULL);
        if (r < 0)
                return r;
        r = device_info_read_sysfs(info, tsm_abi);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(info);
        return 0;
}

/* Properties refused as malformed or oversized (-EBADMSG, -E2BIG): track the device as unparsable,
 * which policy denies with every driver, rather than ignore it with a driver perhaps bound. Other
 * errors (the device went away, -ENOMEM) are returned. */
static int device_info_after_refusal(int error, const char *syspath, const char *bus, TsmAbi tsm_abi,
                                     DeviceInfo **ret) {
        _cleanup_(device_info_freep) DeviceInfo *info = NULL;
        int r;

        if (!IN_SET(error, -EBADMSG, -E2BIG))
                return error;
        r = device_info_new_unparsable(syspath, bus, &info);
        if (r < 0)
                return error;
        log_device_warning_errno(info->sysname, error,
                                 "refusing its uevent properties (%m): denied, and no driver may bind.");
        r = device_info_read_sysfs(info, tsm_abi);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(info);
        return 0;
}

/* Coldplug reads what it needs itself: the device's uevent file (the properties the kernel sends
 * with the device's events, which is all the core uses), then the same driver link, module and tsm/
 * reads as for a uevent. sd_device_enumerator built a complete sd_device for every device (the udev
 * database, every property in hash tables) and held all of them until the walk ended: at 1,000
 * devices that was over half of the start's instructions (bench/PERFORMANCE.md). */
static int device_info_from_sysfs(const char *bus, const char *syspath, TsmAbi tsm_abi, DeviceInfo **ret) {
        _cleanup_(device_info_freep) DeviceInfo *info = NULL;
        _cleanup_free_ char *path = NULL, *contents = NULL;
        const char *devpath;
        size_t size = 0;
        int r;

        if (asprintf(&path, "%s/uevent", syspath) < 0)
                return -ENOMEM;
        r = read_full_file(path, DEVICE_INFO_BUFFER_MAX, &contents, &size);
        if (r < 0)
                /* Too big to parse is refused like a malformed file; a vanished device is not. */
                return device_info_after_refusal(r, syspath, bus, tsm_abi, ret);
        /* syspath is "/sys/devices/…" (sysfs_list_bus_devices()): the uevent's DEVPATH= is the rest. */
        devpath = startswith(syspath, "/sys");
        assert(devpath);
        r = device_info_from_uevent_file(devpath, bus, contents, size, &info);
        if (r < 0)
                return device_info_after_refusal(r, syspath, bus, tsm_abi, ret);
        r = device_info_read_sysfs(info, tsm_abi);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(info);
        return 0;
}

/* --- carrying out actions --- */

static int device_timer_handler(sd_event_source *s, uint64_t usec, void *userdata) {
        DeviceContext *ctx = userdata;
        Manager *m = ctx->manager;
        _cleanup_(outcome_done) Outcome o = {};
        Device *d;
        int r;

        d = registry_get(m->registry, ctx->syspath);
        if (!d)
                return 0;

        r = manager_observe_driver(m, d, &o);
        if (r >= 0)
                r = device_dispatch(m->registry, d, &(DeviceEvent) { .type = DEVICE_EVENT_TIMER }, &o);
        if (r < 0)
                log_device_warning_errno(d->info->sysname, r, "failed to handle timer: %m");
        return manager_process(m, &o);
}

DeviceContext *device_get_context(Manager *m, Device *d) {
        DeviceContext *ctx = d->userdata;

        if (ctx)
                return ctx;
        ctx = calloc(1, sizeof(DeviceContext));
        if (!ctx)
                return NULL;
        ctx->manager = m;
        ctx->syspath = strdup(d->info->syspath);
        if (!ctx->syspath)
                return mfree(ctx);
        d->userdata = ctx;
        return ctx;
}

static int manager_arm_timer(Manager *m, Device *d, uint64_t usec) {
        DeviceContext *ctx = device_get_context(m, d);
        int r;

        if (!ctx)
                return -ENOMEM;

        ctx->timer = sd_event_source_disable_unref(ctx->timer);
        r = sd_event_add_time_relative(m->event, &ctx->timer, CLOCK_MONOTONIC, usec, 0, device_timer_handler, ctx);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(ctx->timer, "device-timer");
        return 0;
}

/* Before a write that gives a device a driver or changes its TDISP state: is the device at this path
 * still the one policy judged? A device unplugged and replaced in the same slot keeps the syspath;
 * its remove and add uevents may still be queued behind the event being handled. */
int manager_verify_identity(const Device *d) {
        _cleanup_free_ char *path = NULL, *modalias = NULL;
        int r;

        if (asprintf(&path, "%s/modalias", d->info->syspath) < 0)
                return -ENOMEM;
        r = read_one_line_file(path, &modalias);
        if (r == -ENOENT && access(d->info->syspath, F_OK) >= 0 && !d->info->modalias)
                return 0; /* a device without modalias, still there */
        if (r == -ENOENT)
                return -ENODEV;
        if (r < 0)
                return r;
        if (!streq_ptr(modalias, d->info->modalias)) {
                log_device_warning(
                        d->info->sysname,
                        "the device at %s changed (modalias '%s', was '%s'); not touching it until its "
                        "remove and add events arrive.",
                        d->info->syspath, modalias, strna(d->info->modalias));
                return -ENODEV;
        }
        return 0;
}

static int manager_execute(Manager *m, Device *d, const Record *rec, Outcome *o) {
        const DeviceInfo *info = d->info;
        _cleanup_free_ char *driver = NULL, *reason = NULL;
        int r;

        switch (rec->action) {
        case DEVICE_ACTION_UNBIND:
                r = sysfs_unbind(info->bus, rec->driver, info->sysname);
                if (r < 0 && r != -ENODEV)
                        log_action_failed(d, "unbind", r, rec->driver);
                else
                        log_device_info(info->sysname, "unbound driver '%s'.", rec->driver);
                /* -ENODEV: not bound to that driver (any more); the link tells what is. */
                r = device_dispatch(m->registry, d,
                                    &(DeviceEvent) { .type = DEVICE_EVENT_UNBIND_RESULT, .error = r == -ENODEV ? 0 : r },
                                    o);
                if (r < 0)
                        return r;
                return manager_observe_driver(m, d, o);

        case DEVICE_ACTION_PIN:
                if (!sysfs_device_has_attribute(info->syspath, "driver_override"))
                        return 0;
                r = sysfs_write_device_attribute(info->syspath, "driver_override", rec->driver ?: "none");
                if (r < 0)
                        log_device_warning_errno(info->sysname, r,
                                                 "cannot pin driver_override to '%s', ignoring: %m",
                                                 rec->driver ?: "none");
                return 0;

        case DEVICE_ACTION_BIND:
                r = manager_verify_identity(d);
                if (r < 0)
                        return device_dispatch(m->registry, d,
                                               &(DeviceEvent) { .type = DEVICE_EVENT_BIND_RESULT, .error = r,
                                                                .reason = "device changed or went away" },
                                               o);
                r = binder_bind_device(m->kmod, m->registry, d, rec->driver, &driver, &reason);
                if (r == 0) {
                        log_device_info(info->sysname, "bound driver '%s'.", driver);
                        r = manager_observe_driver(m, d, o);
                        if (r < 0)
                                return r;
                        r = 0;
                } else if (!IN_SET(r, -ENOENT, -EAGAIN))
                        log_action_failed(d, "bind", r, reason);
                return device_dispatch(m->registry, d,
                                       &(DeviceEvent) { .type = DEVICE_EVENT_BIND_RESULT, .error = r, .reason = reason },
                                       o);

        case DEVICE_ACTION_REMOVE:
                r = sysfs_device_has_attribute(info->syspath, "remove")
                            ? sysfs_write_device_attribute(info->syspath, "remove", "1")
                            : -EOPNOTSUPP;
                if (r < 0)
                        log_action_failed(d, "remove", r, NULL);
                else
                        log_device_info(info->sysname, "removed from bus '%s'.", info->bus);
                return device_dispatch(m->registry, d, &(DeviceEvent) { .type = DEVICE_EVENT_REMOVE_RESULT, .error = r },
                                       o);

        case DEVICE_ACTION_ARM_TIMER:
                return manager_arm_timer(m, d, rec->usec);

        case DEVICE_ACTION_PREPARE:
        case DEVICE_ACTION_LOCK:
        case DEVICE_ACTION_READ_EVIDENCE:
        case DEVICE_ACTION_REQUEST_VERDICT:
        case DEVICE_ACTION_ACCEPT:
        case DEVICE_ACTION_UNLOCK:
                return pipeline_execute(m, d, rec, o);

        case _DEVICE_ACTION_MAX:
        case _DEVICE_ACTION_INVALID:
                break;
        }
        assert(false);
        return -EINVAL;
}

static void manager_update_status(Manager *m) {
        _cleanup_free_ char *status = NULL;
        char buf[512];
        size_t n = 0;

        n += (size_t) snprintf(buf, sizeof(buf), "%zu devices:", registry_size(m->registry));
        for (DeviceState s = 0; s < _DEVICE_STATE_MAX && n < sizeof(buf); s++)
                if (m->counts[s] > 0)
                        n += (size_t) snprintf(buf + n, sizeof(buf) - n, "%s %u %s", n > 0 && buf[n - 1] != ':' ? "," : "",
                                               m->counts[s], device_state_to_string(s));

        if (streq_ptr(buf, m->status))
                return;
        status = strdup(buf);
        if (!status)
                return;
        free(m->status);
        m->status = TAKE_PTR(status);
        if (m->ready)
                (void) sd_notifyf(false, "STATUS=%s", m->status);
}

/* OnTopologyViolation=poweroff: the guest's device set is no longer the one the relying party
 * approved. Halt at once — a clean shutdown would run more code against the untrusted device. */
static void manager_poweroff(Manager *m, const char *device) {
        log_struct_internal(LOG_CRIT, 0, MESSAGE_ID_TOPOLOGY_VIOLATION, NULL,
                            "Powering off the VM now: topology violated by %s (OnTopologyViolation=poweroff).",
                            strna(device));
        sync();
        if (reboot(RB_POWER_OFF) < 0)
                log_error_errno(-errno, "Failed to power off: %m");
}

static void manager_topology_record(Manager *m, const Record *rec) {
        _cleanup_(fields_done) Fields f = {};
        int r;

        if (rec->type == RECORD_TOPOLOGY_LOCKED) {
                if (m->registry->topology_snapshot) {
                        log_struct_internal(LOG_NOTICE, 0, MESSAGE_ID_TOPOLOGY_LOCKED, NULL,
                                            "Device topology is locked (snapshot of %zu devices from the state file): "
                                            "no new device gets a driver.",
                                            hashmap_size(m->registry->topology_snapshot));
                        return;
                }
                char buf[32];
                (void) snprintf(buf, sizeof(buf), "%zu", registry_size(m->registry));
                fields_add(&f, "TDISPD_TOPOLOGY_DEVICES", buf);
                log_struct_internal(LOG_NOTICE, 0, MESSAGE_ID_TOPOLOGY_LOCKED, f.items,
                                    "Device topology locked with %zu devices: from now on no new device gets a driver.",
                                    registry_size(m->registry));
                /* The snapshot must be on disk before anything else happens. */
                r = manager_save_state(m, "topology locked");
                if (r < 0)
                        log_error_errno(r, "Failed to write the topology snapshot: %m");
                return;
        }

        fields_add(&f, "TDISPD_DEVICE", rec->subject);
        fields_add(&f, "TDISPD_VIOLATION", rec->appeared ? "appeared" : "disappeared");
        fields_add(&f, "TDISPD_ON_VIOLATION", topology_violation_action_to_string(m->config->on_topology_violation));
        log_struct_internal(LOG_ERR, 0, MESSAGE_ID_TOPOLOGY_VIOLATION, f.items,
                            "Topology violation: device %s %s after the topology was locked.", strna(rec->subject),
                            rec->appeared ? "appeared" : "disappeared");

        if (m->config->on_topology_violation == TOPOLOGY_VIOLATION_POWEROFF && m->config->mode == MODE_ENFORCE)
                manager_poweroff(m, rec->subject);
}

/* Walks the records in order; actions' results append further records to the same Outcome. */
static int manager_process(Manager *m, Outcome *o) {
        bool changed = false, urgent = false;
        int r, ret = 0;

        for (size_t i = 0; i < o->n_records; i++) {
                /* A copy: executing may grow (and move) the array. */
                Record rec = o->records[i];

                api_broadcast_record(m->api, &rec);

                /* Judged as the record comes: a later record's action may remove its device. */
                bool now;
                if (persist_record_changes_state(&rec, &now)) {
                        changed = true;
                        urgent = urgent || now;
                }

                if (IN_SET(rec.type, RECORD_TOPOLOGY_LOCKED, RECORD_TOPOLOGY_VIOLATION)) {
                        manager_topology_record(m, &rec);
                        continue;
                }
                if (!rec.device)
                        continue;
                if (rec.type != RECORD_ACTION || rec.dry_run) {
                        log_record(m, &rec);
                        continue;
                }
                r = manager_execute(m, rec.device, &rec, o);
                if (r < 0 && ret == 0)
                        ret = log_device_warning_errno(rec.device->info->sysname, r,
                                                       "failed to carry out %s: %m",
                                                       device_action_to_string(rec.action));
        }

        /* Once for the whole outcome; the topology lock also wrote the file at once, before anything
         * else (manager_topology_record()). */
        if (changed)
                manager_state_changed(m, urgent);
        manager_update_status(m);
        outcome_done(o);
        return ret;
}

uint64_t now_realtime_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U;
}

int manager_dispatch(Manager *m, Device *d, const DeviceEvent *event) {
        _cleanup_(outcome_done) Outcome o = {};
        int r, k;

        r = device_dispatch(m->registry, d, event, &o);
        k = manager_process(m, &o);
        return r < 0 ? r : k;
}

int manager_lock_topology(Manager *m) {
        _cleanup_(outcome_done) Outcome o = {};
        int r;

        r = registry_lock_topology(m->registry, now_realtime_usec(), &o);
        if (r < 0)
                return r;
        return manager_process(m, &o);
}

static bool device_offers_tdisp(const Device *d, void *userdata) {
        Manager *m = userdata;

        return tsm_device_profile(d->info->syspath, m->config->tsm_abi) != TSM_ABI_AUTO;
}

/* The TSM sends "change" once PCI operations are possible: only then are tsm/ groups final. */
static void manager_tsm_ready(Manager *m) {
        _cleanup_(outcome_done) Outcome o = {};
        int r;

        tsm_done(&m->tsm);
        r = tsm_discover(&m->tsm);
        if (r < 0)
                log_warning_errno(r, "Failed to look for the devsec TSM: %m");
        log_struct_internal(LOG_INFO, 0, MESSAGE_ID_TSM_READY, NULL, "TSM '%s' is ready; rescanning tsm/ groups.",
                            strna(m->tsm.name));

        r = registry_set_tsm_ready(m->registry, device_offers_tdisp, m, &o);
        if (r < 0)
                log_warning_errno(r, "Failed to rescan TDISP devices: %m");
        (void) manager_process(m, &o);
}

/* --- events --- */

static const char *uevent_action_to_string(sd_device_action_t a) {
        static const char *const names[_SD_DEVICE_ACTION_MAX] = {
                [SD_DEVICE_ADD] = "add",       [SD_DEVICE_REMOVE] = "remove", [SD_DEVICE_CHANGE] = "change",
                [SD_DEVICE_MOVE] = "move",     [SD_DEVICE_ONLINE] = "online", [SD_DEVICE_OFFLINE] = "offline",
                [SD_DEVICE_BIND] = "bind",     [SD_DEVICE_UNBIND] = "unbind",
        };
        return a >= 0 && a < _SD_DEVICE_ACTION_MAX ? names[a] : "unknown";
}

static bool manager_is_bus(Manager *m, const char *subsystem) {
        _cleanup_free_ char *path = NULL;

        if (strv_contains(m->buses, subsystem))
                return true;
        /* A bus that appeared before its "bus" uevent reached us. */
        if (!sysfs_name_is_safe(subsystem) || asprintf(&path, "/sys/bus/%s", subsystem) < 0)
                return false;
        return access(path, F_OK) >= 0;
}

static int manager_add_bus(Manager *m, const char *bus) {
        int r;

        if (strv_contains(m->buses, bus))
                return 0;
        r = lockdown_bus(bus, m->config->mode == MODE_AUDIT);
        if (r < 0)
                return r;
        log_info("New bus '%s': driver autoprobe %s.", bus, m->config->mode == MODE_AUDIT ? "left on (audit)" : "disabled");
        return strv_extend(&m->buses, bus);
}

static int manager_add_device(Manager *m, sd_device *dev, Outcome *o) {
        _cleanup_(device_info_freep) DeviceInfo *info = NULL;
        const char *syspath = NULL;
        Device *d = NULL;
        int r;

        r = device_info_from_sd_device(dev, m->config->tsm_abi, &info);
        if (r < 0) {
                const char *bus = NULL;

                (void) sd_device_get_syspath(dev, &syspath);
                (void) sd_device_get_subsystem(dev, &bus);
                r = device_info_after_refusal(r, syspath, bus, m->config->tsm_abi, &info);
                if (r < 0)
                        return log_warning_errno(r, "Ignoring device '%s', cannot read its properties: %m",
                                                 strna(syspath));
        }

        m->counts[DEVICE_NEW]++;
        r = registry_add(m->registry, TAKE_PTR(info), o, &d);
        if (r == -EEXIST)
                m->counts[DEVICE_NEW]--;
        return r;
}

static int manager_handle_uevent(sd_device_monitor *monitor, sd_device *dev, void *userdata) {
        Manager *m = userdata;
        _cleanup_(outcome_done) Outcome o = {};
        const char *subsystem = NULL, *syspath = NULL, *sysname = NULL;
        sd_device_action_t action;
        Device *d;
        int r;

        if (sd_device_get_action(dev, &action) < 0 || sd_device_get_syspath(dev, &syspath) < 0 ||
            sd_device_get_subsystem(dev, &subsystem) < 0)
                return 0;

        if (streq(subsystem, "bus")) {
                if (action == SD_DEVICE_ADD && sd_device_get_sysname(dev, &sysname) >= 0)
                        (void) manager_add_bus(m, sysname);
                return 0;
        }
        if (streq(subsystem, "tsm")) {
                if (action == SD_DEVICE_CHANGE)
                        manager_tsm_ready(m);
                return 0;
        }
        if (!manager_is_bus(m, subsystem))
                return 0;

        d = registry_get(m->registry, syspath);
        log_debug("uevent %s %s (%s)", uevent_action_to_string(action), syspath, subsystem);

        switch (action) {
        case SD_DEVICE_REMOVE:
                if (d) {
                        m->counts[d->state]--;
                        log_device_info(d->info->sysname, "removed (was %s).",
                                        device_state_to_string(d->state));
                        api_broadcast_device_removed(m->api, d);
                        registry_remove(m->registry, d, &o);
                }
                break;

        case SD_DEVICE_ADD:
        case SD_DEVICE_BIND:
        case SD_DEVICE_UNBIND:
        case SD_DEVICE_CHANGE:
        case SD_DEVICE_MOVE:
        case SD_DEVICE_ONLINE:
        case SD_DEVICE_OFFLINE:
                if (!d) {
                        r = manager_add_device(m, dev, &o);
                        if (r < 0 && r != -EEXIST)
                                log_debug_errno(r, "Failed to track %s: %m", syspath);
                } else
                        /* Whatever the event says, check the binding it may have changed. */
                        (void) manager_observe_driver(m, d, &o);
                break;

        case _SD_DEVICE_ACTION_MAX:
        case _SD_DEVICE_ACTION_INVALID:
        /* Only there to make the enum 64 bit wide (_SD_ENUM_FORCE_S64); clang lists them. */
        case _SD_DEVICE_ACTION_INT64_MIN:
        case _SD_DEVICE_ACTION_INT64_MAX:
        default:
                break;
        }

        (void) manager_process(m, &o);
        return 0;
}

/* Appends a DeviceInfo for every device on bus to *infos. */
static int manager_collect_bus(Manager *m, const char *bus, DeviceInfo ***infos, size_t *n, size_t *allocated) {
        _cleanup_strv_free_ char **syspaths = NULL;
        int r;

        /* A bus that cannot be listed fails the start (logged by the caller): devices on it could be
         * bound to drivers policy does not allow. */
        r = sysfs_list_bus_devices(bus, &syspaths);
        if (r < 0)
                return r;

        STRV_FOREACH(syspath, syspaths) {
                DeviceInfo *info;

                r = device_info_from_sysfs(bus, *syspath, m->config->tsm_abi, &info);
                if (r < 0) {
                        log_warning_errno(r, "Ignoring device '%s', cannot read its properties: %m", *syspath);
                        continue;
                }
                if (*n == *allocated) {
                        size_t k = MAX(*allocated * 2, 64U);
                        DeviceInfo **t = reallocarray(*infos, k, sizeof(DeviceInfo *));
                        if (!t) {
                                device_info_free(info);
                                return -ENOMEM;
                        }
                        *infos = t;
                        *allocated = k;
                }
                (*infos)[(*n)++] = info;
        }
        return 0;
}

static int manager_coldplug(Manager *m) {
        _cleanup_(outcome_done) Outcome o = {};
        _cleanup_free_ DeviceInfo **infos = NULL;
        size_t n = 0, allocated = 0;
        int r;

        /* Every bus device, whatever its state; class devices (net, block, …) are not ours. */
        STRV_FOREACH(bus, m->buses) {
                r = manager_collect_bus(m, *bus, &infos, &n, &allocated);
                if (r < 0)
                        goto fail;
        }

        r = registry_sort_coldplug(infos, n);
        if (r < 0)
                goto fail;

        for (size_t i = 0; i < n; i++) {
                DeviceInfo *info = TAKE_PTR(infos[i]);
                TsmFacts tsm = {};
                TsmAbi profile = tsm_device_profile(info->syspath, m->config->tsm_abi);

                /* What the kernel says about TDISP state; the state file adds only approvals. */
                if (profile != TSM_ABI_AUTO &&
                    tsm_read_status(info->syspath, profile, &m->tsm, &tsm.locked, &tsm.accepted) < 0)
                        tsm = (TsmFacts) { .locked = true }; /* unreadable: assume the worst, unwind */

                m->counts[DEVICE_NEW]++;
                r = persist_add_device(m->registry, info, &tsm, m->saved_state, &o, NULL);
                if (r == -EEXIST) {
                        m->counts[DEVICE_NEW]--;
                        continue;
                }
                if (r < 0)
                        log_warning_errno(r, "Failed to track device: %m");
                /* Process per device, so a parent's binding is done before its children are looked at. */
                (void) manager_process(m, &o);
        }
        log_info("Coldplug: %zu devices on %zu buses.", n, strv_length(m->buses));
        return 0;

fail:
        for (size_t i = 0; i < n; i++)
                device_info_free(infos[i]);
        return r;
}

static bool manager_any_tsm_group(void) {
        DIR *d = opendir("/sys/bus/pci/devices");
        bool found = false;

        if (!d)
                return false;
        for (struct dirent *de; !found && (de = readdir(d));) {
                _cleanup_free_ char *path = NULL;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&path, "/sys/bus/pci/devices/%s/tsm", de->d_name) >= 0)
                        found = access(path, F_OK) >= 0;
        }
        closedir(d);
        return found;
}

/* Not fatal: without the API every device is still guarded; only tdispctl cannot reach tdispd. */
static void manager_start_api(Manager *m) {
        int r = api_new(m, manager_process, &m->api);
        if (r < 0)
                log_error_errno(r, "Failed to set up the control API, continuing without it: %m");
}

int manager_start(Manager *m) {
        bool audit;
        int r;

        if (m->config->mode == MODE_OFF) {
                log_notice("Mode=off: not managing devices; the kernel's default binding behaviour applies.");
                manager_start_api(m);
                (void) sd_notify(false, "READY=1\nSTATUS=Mode=off: not managing devices");
                return 0;
        }
        audit = m->config->mode == MODE_AUDIT;

        r = registry_new(m->config, m->policy, &m->registry);
        if (r < 0)
                return log_oom();
        m->registry->userdata_free = device_context_free;

        /* Monitor first: nothing that happens from here on can be missed. */
        r = sd_device_monitor_new(&m->monitor);
        if (r < 0)
                return log_error_errno(r, "Failed to create device monitor: %m");
        (void) sd_device_monitor_set_receive_buffer_size(m->monitor, 128 * 1024 * 1024);
        r = sd_device_monitor_attach_event(m->monitor, m->event);
        if (r < 0)
                return log_error_errno(r, "Failed to attach device monitor: %m");
        r = sd_device_monitor_start(m->monitor, manager_handle_uevent, m);
        if (r < 0)
                return log_error_errno(r, "Failed to start device monitor: %m");

        r = lockdown_all_buses(audit, &m->buses);
        if (r < 0)
                log_error_errno(r, "Failed to disable driver autoprobe on every bus, continuing: %m");
        (void) lockdown_modules_autoprobe(audit);

        r = module_loader_new(m->options.modules_dir, m->options.modprobe_dirs, &m->kmod);
        if (r < 0)
                return log_error_errno(r, "Failed to initialise libkmod for '%s': %m",
                                       m->options.modules_dir ?: "/lib/modules/<running kernel>");

        /* Before the walk: is a TSM there, and have its tsm/ groups appeared? Without any TSM, devices
         * without tsm/ are final (no-tsm); with one whose groups are not there yet, they wait for its
         * readiness event. */
        r = tsm_discover(&m->tsm);
        if (r < 0)
                log_warning_errno(r, "Failed to look for the devsec TSM, continuing without: %m");
        m->registry->tsm_ready = r <= 0 || manager_any_tsm_group();
        if (m->tsm.name)
                log_info("TSM '%s' %s.", m->tsm.name, m->registry->tsm_ready ? "is ready" : "is not ready yet");

        /* A previous instance (a restart, or the initrd before switch-root) may have locked the
         * topology; its snapshot decides who belongs before any device is looked at. */
        (void) manager_load_state(m);
        {
                _cleanup_(outcome_done) Outcome o = {};
                r = persist_restore_topology(m->registry, m->saved_state, &o);
                if (r < 0)
                        log_error_errno(r, "Failed to restore the topology lock: %m");
                (void) manager_process(m, &o);
        }

        r = manager_coldplug(m);
        if (r < 0)
                return log_error_errno(r, "Failed to enumerate devices: %m");
        persist_finish_restore(m->registry);

        m->ready = true;
        /* The first write serializes every device: it delays READY=1 (and the boot) only when the file
         * holds something a restart relies on. What a previous instance's file held that restoring
         * used (a lock, an approval, a rejection, a device found locked) is in the registry now and
         * makes it precious; the rest is re-derived from sysfs. */
        if (persist_state_is_precious(m->registry)) {
                r = manager_save_state(m, "before READY=1");
                if (r < 0)
                        log_error_errno(r, "Failed to write the state file: %m");
        } else
                manager_state_changed(m, false);
        manager_update_status(m);
        log_struct_internal(LOG_INFO, 0, MESSAGE_ID_MANAGER_READY, NULL, "Ready (%s): %s", mode_to_string(m->config->mode),
                            strna(m->status));
        manager_start_api(m);
        (void) sd_notifyf(false, "READY=1\nSTATUS=%s", strna(m->status));

        /* After the first full pass (and READY=1): every device present has been seen, so none of them
         * is an intruder. */
        if ((m->config->topology_lock == TOPOLOGY_LOCK_AT_READY || m->state_corrupt || m->topology_lock_pending) &&
            m->config->mode == MODE_ENFORCE) {
                m->topology_lock_pending = false;
                r = manager_lock_topology(m);
                if (r < 0 && r != -EALREADY)
                        log_error_errno(r, "Failed to lock the device topology: %m");
        }

        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* binder.c — binding an allowed driver to a shared device.
 *
 * Policy is checked twice: on the module name before loading (loading runs the module's init code,
 * so a refused module is never loaded), and on each driver name the module registered on the device's
 * bus before binding. driver_override is written before bind so that, once pinned, no other driver
 * can ever take the device, even through drivers_probe. */

#include <stdio.h>

#include "device-log.h"
#include "binder.h"
#include "registry.h"
#include "log.h"
#include "module-loader.h"
#include "strv.h"
#include "sysfs.h"

/* Keeps the journal line readable when a modalias matches many modules. */
#define BINDER_NOTES_MAX 8U

typedef struct BindAttempt {
        struct kmod_ctx *ctx;
        const Registry *registry;
        const Config *config;
        const Device *device;
        char **notes;                   /* why candidates were passed over */
        char *bound_driver;
        int error;                      /* first hard failure (a module that would not load) */
} BindAttempt;

static void bind_attempt_note(BindAttempt *a, const char *format, ...) _printf_(2, 3);
static void bind_attempt_note(BindAttempt *a, const char *format, ...) {
        va_list ap;
        char *s;

        if (strv_length(a->notes) >= BINDER_NOTES_MAX)
                return;
        va_start(ap, format);
        if (vasprintf(&s, format, ap) >= 0)
                (void) strv_consume(&a->notes, s);
        va_end(ap);
}

/* 1: bind written (or already bound), 0: this driver does not take the device, <0: stop trying. */
static int bind_attempt_driver(BindAttempt *a, const char *driver, const char *module, bool builtin) {
        const DeviceInfo *info = a->device->info;
        DriverVerdict verdict;
        int r;

        /* The device's situation decides: effective action (OnReject= fallback), accepted, topology. */
        verdict = device_check_driver(a->registry, a->device, driver, module, builtin);
        if (!driver_verdict_allowed(verdict)) {
                bind_attempt_note(a, "driver %s: %s", driver, driver_verdict_to_string(verdict));
                return 0;
        }

        if (sysfs_device_has_attribute(info->syspath, "driver_override")) {
                r = sysfs_write_device_attribute(info->syspath, "driver_override", driver);
                if (r < 0) {
                        bind_attempt_note(a, "driver %s: cannot write driver_override: %s", driver, strerror(-r));
                        return r;
                }
        }

        r = sysfs_bind(info->bus, driver, info->sysname);
        switch (r) {
        case 0:
        case -EBUSY:
                /* -EBUSY: something is bound already; the caller reads the link and checks it. */
                a->bound_driver = strdup(driver);
                return a->bound_driver ? 1 : -ENOMEM;
        case -ENODEV:
                bind_attempt_note(a, "driver %s does not match the device", driver);
                return 0;
        default:
                bind_attempt_note(a, "driver %s: bind failed: %s", driver, strerror(-r));
                return r;
        }
}

static int bind_attempt_module(BindAttempt *a, const char *module) {
        const DeviceInfo *info = a->device->info;
        _cleanup_strv_free_ char **drivers = NULL;
        ModuleAvailability availability;
        DriverVerdict verdict;
        bool builtin;
        int r;

        r = module_availability(a->ctx, module, &availability);
        if (r < 0) {
                bind_attempt_note(a, "module %s: %s", module, strerror(-r));
                return 0;
        }
        if (availability == MODULE_MISSING) {
                bind_attempt_note(a, "module %s: no module file", module);
                return 0;
        }
        builtin = availability == MODULE_BUILTIN;

        /* Before loading: loading runs the module's init code. */
        verdict = device_check_driver(a->registry, a->device, module, module, builtin);
        if (!driver_verdict_allowed(verdict)) {
                bind_attempt_note(a, "module %s: %s", module, driver_verdict_to_string(verdict));
                return 0;
        }

        if (availability == MODULE_LOADABLE) {
                r = module_load(a->ctx, module);
                if (r < 0) {
                        /* Not a policy answer but a failure: reported as one if nothing else binds. */
                        bind_attempt_note(a, "module %s: load failed: %s", module, strerror(-r));
                        if (a->error == 0)
                                a->error = r;
                        return 0;
                }
                log_device_debug(info->sysname, "loaded module '%s'.", module);
        }

        r = module_list_drivers(module, info->bus, &drivers);
        if (r < 0) {
                bind_attempt_note(a, "module %s: cannot list drivers: %s", module, strerror(-r));
                return 0;
        }
        if (strv_length(drivers) == 0) {
                bind_attempt_note(a, "module %s registers no %s driver", module, info->bus);
                return 0;
        }

        STRV_FOREACH(driver, drivers) {
                r = bind_attempt_driver(a, *driver, module, builtin);
                if (r != 0)
                        return r;
        }
        return 0;
}

static int bind_attempt_explicit(BindAttempt *a, const char *driver) {
        const DeviceInfo *info = a->device->info;
        _cleanup_free_ char *module = NULL, *normalized = NULL;
        int r;

        /* The driver may be registered already (built in, or its module loaded). */
        bool builtin = false;
        r = sysfs_driver_module(info->bus, driver, &module, &builtin);
        if (r >= 0)
                return bind_attempt_driver(a, driver, module, builtin);

        /* Otherwise load the module of that name; module names use '_' where drivers may use '-'. */
        normalized = strdup(driver);
        if (!normalized)
                return -ENOMEM;
        for (char *p = normalized; *p; p++)
                if (*p == '-')
                        *p = '_';
        return bind_attempt_module(a, normalized);
}

int binder_bind_device(struct kmod_ctx *ctx, const Registry *reg, const Device *d, const char *explicit_driver,
                       char **ret_driver, char **ret_reason) {
        const DeviceInfo *info = d->info;
        _cleanup_strv_free_ char **modules = NULL;
        BindAttempt a = {
                .ctx = ctx,
                .registry = reg,
                .config = reg->config,
                .device = d,
        };
        int r;

        if (explicit_driver)
                r = bind_attempt_explicit(&a, explicit_driver);
        else if (!info->modalias) {
                bind_attempt_note(&a, "device has no modalias");
                r = 0;
        } else {
                r = module_lookup(ctx, info->modalias, &modules);
                if (r < 0)
                        bind_attempt_note(&a, "module lookup failed: %s", strerror(-r));
                else if (strv_length(modules) == 0)
                        bind_attempt_note(&a, "no module matches the modalias");
                else
                        STRV_FOREACH(module, modules) {
                                r = bind_attempt_module(&a, *module);
                                if (r != 0)
                                        break;
                        }
                if (r < 0 && r != -EAGAIN && !a.bound_driver && strv_length(a.notes) == 0)
                        bind_attempt_note(&a, "%s", strerror(-r));
        }

        if (ret_reason)
                *ret_reason = strv_length(a.notes) > 0 ? strv_join(a.notes, "; ") : NULL;
        strv_free(a.notes);

        if (r > 0) {
                *ret_driver = a.bound_driver;
                return 0;
        }
        free(a.bound_driver);
        *ret_driver = NULL;
        if (r < 0)
                return r;
        return a.error < 0 ? a.error : -ENOENT;
}

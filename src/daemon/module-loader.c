/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* module-loader.c — libkmod: which modules serve a modalias, loading them, and what they register. */

#include <dirent.h>
#include <fnmatch.h>
#include <limits.h>
#include <libkmod.h>
#include <stdio.h>

#include "log.h"
#include "modalias.h"
#include "module-loader.h"
#include "strv.h"
#include "sysfs.h"

_printf_(6, 0) static void kmod_log_forward(void *data, int priority, const char *file, int line, const char *fn,
                                            const char *format, va_list args) {
        /* libkmod is chatty and its messages are diagnostics for us, never user-facing results. */
        (void) log_struct_internalv(LOG_DEBUG, 0, NULL, NULL,
                                    format, args);
}

int module_loader_new(const char *dir, char *const *config_dirs, struct kmod_ctx **ret) {
        struct kmod_ctx *ctx;
        int r;

        ctx = kmod_new(dir, (const char *const *) config_dirs);
        if (!ctx)
                return -ENOMEM;

        kmod_set_log_fn(ctx, kmod_log_forward, NULL);

        /* Keep the indexes mapped: every device lookup would otherwise reopen them. Without them
         * libkmod still works (slower, from the text files), and lookups then find what exists. */
        r = kmod_load_resources(ctx);
        if (r < 0)
                log_warning_errno(r, "Cannot load module indexes from '%s', continuing without: %m",
                                  dir ?: "/lib/modules/<running kernel>");

        *ret = ctx;
        return 0;
}

struct kmod_ctx *module_loader_free(struct kmod_ctx *ctx) {
        if (ctx)
                kmod_unref(ctx);
        return NULL;
}

int module_lookup(struct kmod_ctx *ctx, const char *alias, char ***ret_modules) {
        _cleanup_strv_free_ char **names = NULL;
        struct kmod_list *list = NULL, *i;
        int r;

        r = kmod_module_new_from_lookup(ctx, alias, &list);
        if (r < 0)
                return r;

        names = calloc(1, sizeof(char *));
        if (!names) {
                kmod_module_unref_list(list);
                return -ENOMEM;
        }

        kmod_list_foreach(i, list) {
                struct kmod_module *mod = kmod_module_get_module(i);
                const char *name = kmod_module_get_name(mod);

                if (!strv_contains(names, name))
                        r = strv_extend(&names, name);
                kmod_module_unref(mod);
                if (r < 0)
                        break;
        }
        kmod_module_unref_list(list);
        if (r < 0)
                return r;

        *ret_modules = TAKE_PTR(names);
        return 0;
}

/* The fewest '*' among mod's alias patterns that match alias, or UINT_MAX. */
static unsigned module_alias_specificity(struct kmod_ctx *ctx, struct kmod_module *mod, const char *alias) {
        struct kmod_list *info = NULL, *i;
        struct kmod_config_iter *it;
        const char *name = kmod_module_get_name(mod);
        unsigned best = UINT_MAX;

        if (kmod_module_get_info(mod, &info) >= 0) {
                kmod_list_foreach(i, info) {
                        const char *key = kmod_module_info_get_key(i), *value = kmod_module_info_get_value(i);

                        if (streq_ptr(key, "alias") && value && fnmatch(value, alias, 0) == 0)
                                best = MIN(best, modalias_glob_specificity(value));
                }
                kmod_module_info_free_list(info);
        }

        it = kmod_config_get_aliases(ctx);
        if (it) {
                while (kmod_config_iter_next(it)) {
                        const char *pattern = kmod_config_iter_get_key(it), *target = kmod_config_iter_get_value(it);

                        if (pattern && streq_ptr(target, name) && fnmatch(pattern, alias, 0) == 0)
                                best = MIN(best, modalias_glob_specificity(pattern));
                }
                kmod_config_iter_free_iter(it);
        }
        return best;
}

int module_lookup_most_specific(struct kmod_ctx *ctx, const char *alias, char **ret_module) {
        struct kmod_list *list = NULL, *i;
        unsigned best = UINT_MAX;
        char *chosen = NULL;
        int r;

        r = kmod_module_new_from_lookup(ctx, alias, &list);
        if (r < 0)
                return r;

        kmod_list_foreach(i, list) {
                struct kmod_module *mod = kmod_module_get_module(i);
                unsigned s = module_alias_specificity(ctx, mod, alias);

                /* A module found by the lookup whose patterns we cannot read still counts, last. */
                if (!chosen || s < best) {
                        char *t = strdup(kmod_module_get_name(mod));
                        if (!t) {
                                kmod_module_unref(mod);
                                kmod_module_unref_list(list);
                                free(chosen);
                                return -ENOMEM;
                        }
                        free(chosen);
                        chosen = t;
                        best = s;
                }
                kmod_module_unref(mod);
        }
        kmod_module_unref_list(list);

        *ret_module = chosen;
        return 0;
}

int module_availability(struct kmod_ctx *ctx, const char *module, ModuleAvailability *ret) {
        struct kmod_module *mod = NULL;
        const char *path;
        int r, state;

        r = kmod_module_new_from_name(ctx, module, &mod);
        if (r < 0)
                return r;

        state = kmod_module_get_initstate(mod);
        if (state == KMOD_MODULE_BUILTIN)
                *ret = MODULE_BUILTIN;
        else if (state == KMOD_MODULE_LIVE || state == KMOD_MODULE_COMING)
                *ret = MODULE_LOADED;
        else {
                /* A modprobe.d alias resolves even when no such module exists: check the file. */
                path = kmod_module_get_path(mod);
                *ret = path && access(path, R_OK) >= 0 ? MODULE_LOADABLE : MODULE_MISSING;
        }

        kmod_module_unref(mod);
        return 0;
}

int module_load(struct kmod_ctx *ctx, const char *module) {
        struct kmod_module *mod = NULL;
        int r;

        r = kmod_module_new_from_name(ctx, module, &mod);
        if (r < 0)
                return r;

        r = kmod_module_probe_insert_module(mod, KMOD_PROBE_APPLY_BLACKLIST, NULL, NULL, NULL, NULL);
        kmod_module_unref(mod);
        if (r > 0)
                /* Refused by a blacklist entry in modprobe.d. */
                return -EPERM;
        return r;
}

int module_list_drivers(const char *module, const char *bus, char ***ret_drivers) {
        _cleanup_strv_free_ char **drivers = NULL;
        _cleanup_free_ char *path = NULL;
        size_t bus_len = strlen(bus);
        DIR *d;
        int r = 0;

        if (!sysfs_name_is_safe(module) || !sysfs_name_is_safe(bus))
                return -EINVAL;
        if (asprintf(&path, "/sys/module/%s/drivers", module) < 0)
                return -ENOMEM;

        drivers = calloc(1, sizeof(char *));
        if (!drivers)
                return -ENOMEM;

        d = opendir(path);
        if (!d) {
                if (errno != ENOENT)
                        return -errno;
                *ret_drivers = TAKE_PTR(drivers);
                return 0;
        }

        /* Entries read "<bus>:<driver>". */
        for (struct dirent *de; (de = readdir(d));) {
                const char *name = de->d_name;

                if (strncmp(name, bus, bus_len) != 0 || name[bus_len] != ':')
                        continue;
                if (!sysfs_name_is_safe(name + bus_len + 1))
                        continue;
                r = strv_extend(&drivers, name + bus_len + 1);
                if (r < 0)
                        break;
        }
        closedir(d);
        if (r < 0)
                return r;

        strv_sort(drivers);
        *ret_drivers = TAKE_PTR(drivers);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* module-loader.h — libkmod: which modules serve a modalias, loading them, and what they register. */
#pragma once

#include <stdbool.h>

#include "macro.h"

struct kmod_ctx;

typedef enum ModuleAvailability {
        MODULE_BUILTIN,
        MODULE_LOADED,
        MODULE_LOADABLE,        /* its file exists */
        MODULE_MISSING,         /* an alias names it (e.g. modprobe.d), but no file exists */
} ModuleAvailability;

/* dir: the libkmod directory (modules.alias.bin, …), NULL for /lib/modules/`uname -r`.
 * config_dirs: modprobe.d-style directories, NULL for the defaults. */
int module_loader_new(const char *dir, char *const *config_dirs, struct kmod_ctx **ret);
struct kmod_ctx *module_loader_free(struct kmod_ctx *ctx);

/* Modules that serve alias (modules.alias.bin, modules.builtin.alias.bin and modprobe.d "alias"
 * lines), in libkmod's order. 0 and an empty list when nothing matches. */
int module_lookup(struct kmod_ctx *ctx, const char *alias, char ***ret_modules);

/* Of the modules that serve alias, the one whose matching alias pattern has the fewest '*' (the
 * most specific match; kernel-abi.md §1, as for vfio_pci: aliases). Patterns come from the modules'
 * own modinfo and from modprobe.d "alias" lines. 0 with *ret_module NULL when nothing matches. */
int module_lookup_most_specific(struct kmod_ctx *ctx, const char *alias, char **ret_module);

int module_availability(struct kmod_ctx *ctx, const char *module, ModuleAvailability *ret);

/* Loads module (and its dependencies) unless built in or loaded already. */
int module_load(struct kmod_ctx *ctx, const char *module);

/* Drivers the module registered on bus, from /sys/module/<module>/drivers/<bus>:<driver>. */
int module_list_drivers(const char *module, const char *bus, char ***ret_drivers);

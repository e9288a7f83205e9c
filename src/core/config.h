/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.h — the daemon settings from tdispd.conf ([Manager] section). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "conf-error.h"
#include "macro.h"

typedef enum Mode {
        MODE_ENFORCE,
        MODE_AUDIT,
        MODE_OFF,
        _MODE_MAX,
        _MODE_INVALID = -EINVAL,
} Mode;

typedef enum PolicyAction {
        POLICY_ACTION_ACCEPT,   /* TDISP: lock, attest, accept, then bind */
        POLICY_ACTION_SHARED,   /* ordinary (T=0) device: bind an allowed driver */
        POLICY_ACTION_DENY,     /* never any driver */
        POLICY_ACTION_REMOVE,   /* never any driver, and remove the device from the bus */
        _POLICY_ACTION_MAX,
        _POLICY_ACTION_INVALID = -EINVAL,
} PolicyAction;

typedef struct Config {
        Mode mode;
        PolicyAction default_action;   /* only SHARED or DENY */
        char **trusted_drivers;        /* globs, '-' and '_' equivalent */
        char **denied_drivers;         /* globs, beat everything */
        bool trust_builtin_drivers;
} Config;

DECLARE_STRING_TABLE_LOOKUP(mode, Mode);
DECLARE_STRING_TABLE_LOOKUP(policy_action, PolicyAction);

/* Allocates a Config holding the compiled-in defaults. */
int config_new(Config **ret);
Config *config_free(Config *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Config *, config_free);

/* Applies one file's settings on top of c. Later files override scalars; list keys accumulate and an
 * empty assignment ("TrustedDrivers=") resets the list. On error c may be partially modified: callers
 * parse into a fresh Config and swap only on success. */
int config_parse_buffer(Config *c, const char *data, size_t size, const char *filename, ConfError *ret_error);

/* Applies "tdispd.mode=" from a kernel command line. Returns 1 if it was present and applied, 0 if
 * absent, -EINVAL (with ret_error filled, filename "/proc/cmdline") for an unknown value. */
int config_apply_kernel_cmdline(Config *c, const char *cmdline, ConfError *ret_error);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config-load.h — finds, reads and parses tdispd.conf, its drop-ins and the policy files. */
#pragma once

#include "conf-error.h"
#include "config.h"
#include "policy.h"

/* Per-file limit; the tokenizer refuses more anyway (INI_INPUT_MAX), this keeps the read bounded. */
#define CONFIG_FILE_MAX (1024U * 1024U)

typedef struct ConfigPaths {
        /* NULL: TDISPD_VENDOR_DIR/tdispd.conf, then TDISPD_SYSCONF_DIR/tdispd.conf (each if present),
         * then the *.conf drop-ins of tdispd.conf.d/ under the sysconf, runtime and vendor dirs.
         * Otherwise only this file (which must exist) and the drop-ins in "<config_file>.d/". */
        const char *config_file;
        /* NULL: policy.d/ under TDISPD_SYSCONF_DIR/tdispd, TDISPD_RUNTIME_DIR, TDISPD_VENDOR_DIR. */
        char **policy_dirs;
        /* NULL: read /proc/cmdline (or nothing when root is set: the host's command line does not
         * apply to an image). */
        const char *kernel_cmdline;
        /* NULL: "/". Prefixed to the compiled-in default paths only, for tests and image checks;
         * config_file and policy_dirs are used as given. */
        const char *root;
} ConfigPaths;

/* Loads the configuration and (if ret_policy is non-NULL) the policy, then applies tdispd.mode= from
 * the kernel command line. Returns 1 if the command line set the mode (the caller should say so
 * loudly, as it overrides Mode=), 0 if not, or a negative errno with ret_error saying which file,
 * line and key. Nothing is returned on failure, so a caller reloading keeps its old objects. paths
 * may be NULL for all defaults. */
int config_load(const ConfigPaths *paths, Config **ret_config, Policy **ret_policy, ConfError *ret_error);

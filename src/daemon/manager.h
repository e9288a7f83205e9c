/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* manager.h — the daemon: event loop, uevents, and carrying out what the core decides. */
#pragma once

#include <systemd/sd-device.h>
#include <systemd/sd-event.h>

#include "config-load.h"
#include "registry.h"

struct kmod_ctx;

typedef struct ManagerOptions {
        const char *config_file;
        char **policy_dirs;
        const char *runtime_dir;
        const char *modules_dir;
        char **modprobe_dirs;
        const char *kernel_cmdline;
} ManagerOptions;

typedef struct Manager {
        sd_event *event;
        sd_device_monitor *monitor;
        struct kmod_ctx *kmod;

        ManagerOptions options;
        Config *config;
        Policy *policy;
        Registry *registry;

        char **buses;                           /* buses whose autoprobe we switched off */
        unsigned counts[_DEVICE_STATE_MAX];     /* devices per state, kept by the transition records */
        char *status;                           /* last STATUS= sent */
        bool ready;
} Manager;

int manager_new(const ManagerOptions *options, Manager **ret);
Manager *manager_free(Manager *m);
DEFINE_TRIVIAL_CLEANUP_FUNC(Manager *, manager_free);

/* Loads configuration and policy. On failure the error is logged with file:line and the system is
 * locked down (autoprobe off everywhere, nothing bound) before returning. */
int manager_load_config(Manager *m);

/* Validates configuration and policy, logs the result, changes nothing. */
int manager_check_config(const ManagerOptions *options);

/* Lockdown, monitor, coldplug pass. Sends READY=1 when done. */
int manager_start(Manager *m);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* manager.h — the daemon: event loop, uevents, and carrying out what the core decides. */
#pragma once

#include <systemd/sd-device.h>
#include <systemd/sd-event.h>

#include "config-load.h"
#include "registry.h"
#include "state-file.h"
#include "tsm.h"

struct kmod_ctx;
typedef struct EvidenceSet EvidenceSet;
typedef struct Manager Manager;
typedef struct VerifierRun VerifierRun;

/* What the daemon keeps per device beside the core's Device (its userdata). */
typedef struct DeviceContext {
        Manager *manager;
        char *syspath;
        sd_event_source *timer;
        EvidenceSet *evidence;          /* read after the current lock; its digest is d->evidence_digest */
        uint8_t nonce[32];              /* sent with the evidence read; the verifier checks freshness */
        VerifierRun *verifier;          /* an exec verifier working on this device's evidence */
} DeviceContext;

DeviceContext *device_get_context(Manager *m, Device *d);

typedef struct ManagerOptions {
        const char *config_file;
        char **policy_dirs;
        const char *runtime_dir;
        const char *modules_dir;
        char **modprobe_dirs;
        const char *kernel_cmdline;
        const char *evidence_dir;       /* fixture backend: <dir>/<device>/<object type> instead of netlink */
} ManagerOptions;

struct Manager {
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

        Tsm tsm;                                /* the devsec TSM, once discovered */
        struct Api *api;                        /* the control socket; NULL if it could not be set up */
        StateFile *saved_state;                 /* the previous instance's, while its snapshot is in use */
        sd_event_source *state_timer;           /* the coalesced write of the state file */
        bool state_dirty;                       /* a coalesced write of the state file is scheduled */
        bool state_urgent;                      /* … a write at the end of this event-loop iteration */
        bool state_corrupt;                     /* the previous state file did not parse */
        bool topology_lock_pending;             /* approved during the first pass: lock once it is done */
};

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

uint64_t now_realtime_usec(void);

/* Locks the device topology now (TopologyLock=, or the API). -EALREADY if it is. */
int manager_lock_topology(Manager *m);

/* Writes the decisions, verdicts and the topology snapshot to the runtime directory, atomically, now;
 * why says for the debug log what asked for it. */
int manager_save_state(Manager *m, const char *why);

/* Writes what is still scheduled (state.h); at exit, so that a change made just before is not lost. */
void manager_flush_state(Manager *m);

/* Hands an event to the core and carries out everything it asks for. */
int manager_dispatch(Manager *m, Device *d, const DeviceEvent *event);

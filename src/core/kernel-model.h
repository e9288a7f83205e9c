/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kernel-model.h — an in-process imitation of the kernel's driver binding (kernel-abi.md §1), for the
 * unit tests of the pure core.
 *
 * It plays the daemon's part too: it carries out the actions in an Outcome against the model and
 * feeds the results back, exactly in the order manager_process() does, so the core is exercised as in
 * production but with faults on demand (bind failing with any errno, deferral, unbind failing, a
 * driver binding by itself as on Linux 6.1 hotplug). */
#pragma once

#include <stdbool.h>

#include "registry.h"

#define MODEL_DRIVERS_MAX 4
#define MODEL_DEVICES_MAX 256

typedef struct ModelDriver {
        const char *name;
        const char *module;     /* NULL: built in */
} ModelDriver;

typedef enum ModelTdispState {
        MODEL_TDISP_UNLOCKED,
        MODEL_TDISP_LOCKED,
        MODEL_TDISP_RUN,
        MODEL_TDISP_ERROR,
} ModelTdispState;

typedef enum ModelVerifier {
        MODEL_VERIFIER_APPROVE,
        MODEL_VERIFIER_REJECT,
        MODEL_VERIFIER_SILENT,          /* never answers: the timeout must fire */
        MODEL_VERIFIER_STALE,           /* answers about other evidence */
} ModelVerifier;

typedef struct ModelDevice {
        bool present;
        bool intruder;          /* hot-added after the topology lock */
        char syspath[256];
        char bus[32];
        char modalias[128];
        unsigned vendor, device;
        ModelDriver candidates[MODEL_DRIVERS_MAX];      /* drivers whose id table matches */
        unsigned n_candidates;
        const ModelDriver *bound;
        bool has_override;
        char override[64];
        bool removable;
        int bind_error;         /* next bind write fails with this; 0: succeeds */
        unsigned bind_error_count;
        int unbind_error;

        /* TDISP (kernel-abi.md §3), as the TSM emulator implements it. */
        bool firmware_described;        /* platform: a firmware_node link */
        bool unparsable;                /* its uevent properties are refused (too many, malformed) */
        bool tdisp;
        ModelTdispState tdisp_state;
        unsigned accepts_this_lock;
        unsigned lock_generation;
        int lock_error, accept_error, evidence_error;   /* next one fails with this */
        const ModelDriver *prepare;     /* the ccprepare_pci: driver, if one matches */
        unsigned prepare_probes;
        char approved_digest[320];      /* what the relying party approved under this lock */
        char last_evidence[320];        /* the digest of the evidence read under this lock */
        bool verdict_pending;
        char pending_digest[300];
} ModelDevice;

typedef struct KernelModel {
        ModelDevice devices[MODEL_DEVICES_MAX];
        unsigned n_devices;
        Registry *registry;
        unsigned binds, unbinds, removes, timers;
        bool pending_timer[MODEL_DEVICES_MAX];
        char last_error[1024];

        ModelVerifier verifier;
        /* kill -9 in the middle of an event: after this many more actions, model_run() stops with
         * -ECANCELED and leaves the rest undone (0: never). */
        unsigned crash_countdown;
        /* State transitions model_run() saw, and those of them the daemon writes to the state file at
         * once (persist_record_changes_state()); the test resets them. */
        unsigned state_changes, urgent_changes;
        /* Breaches of invariants 2–4 by tdispd's own writes, as the emulator's audit counts them. */
        unsigned violations;
        char violation[600];
} KernelModel;

ModelDevice *model_add_device(KernelModel *k, const char *syspath, const char *bus, unsigned vendor, unsigned device);
void model_device_add_candidate(ModelDevice *md, const char *driver, const char *module);
DeviceInfo *model_device_info(const ModelDevice *md);
ModelDevice *model_find(KernelModel *k, const char *syspath);

/* Carries out every action in o (and those its results add), then frees o's records. */
int model_run(KernelModel *k, Outcome *o);

/* The kernel binds a driver by itself (6.1 hotplug, or someone's write) and sends "bind". */
int model_kernel_bind(KernelModel *k, ModelDevice *md, unsigned candidate);
/* Hot-add: the device appears (optionally already bound, as 6.1 does) and "add" is handled. */
int model_hotplug(KernelModel *k, ModelDevice *md, int bound_candidate);
int model_unplug(KernelModel *k, ModelDevice *md);
/* Fires every armed timer once. */
int model_fire_timers(KernelModel *k);

/* The relying party answers every pending request, as k->verifier says. */
int model_deliver_verdicts(KernelModel *k);

/* Invariant 1 of design.md: in enforce mode, every driver bound in the model is one policy allows,
 * and the registry agrees with the model about which driver is bound; invariants 2–4 (no lock or
 * accept with a driver bound, accept only approved and once per lock, operational driver only after
 * accept) were never breached by tdispd's writes; invariant 5 (no driver for a device that appeared
 * after the topology lock). Returns false and fills k->last_error on violation. */
bool model_check_invariants(KernelModel *k);

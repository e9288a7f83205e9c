/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.h — the daemon settings from tdispd.conf ([Manager] section). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Which guest TSM interface drives lock/accept (kernel-abi.md §3): the proposed v2 attributes
 * (tsm/lock, tsm/unlock, tsm/accept) or the older connect-based variant (tsm/connect, tsm/accept). */
typedef enum TsmAbi {
        TSM_ABI_AUTO,
        TSM_ABI_V2,
        TSM_ABI_CONNECT,
        _TSM_ABI_MAX,
        _TSM_ABI_INVALID = -EINVAL,
} TsmAbi;

typedef enum VerifierKind {
        VERIFIER_NONE,          /* no relying party configured: TDISP devices are never approved */
        VERIFIER_EXEC,          /* exec:PATH — a program reads the evidence bundle, prints a verdict */
        VERIFIER_LOCAL,         /* local:PATH — reference values on disk */
        VERIFIER_PUSH,          /* push — verdicts arrive through the control API */
        _VERIFIER_KIND_MAX,
        _VERIFIER_KIND_INVALID = -EINVAL,
} VerifierKind;

typedef struct VerifierSpec {
        VerifierKind kind;
        char *path;             /* exec and local */
} VerifierSpec;

typedef enum TopologyLockTrigger {
        TOPOLOGY_LOCK_ON_APPROVAL,      /* when the relying party approves (and asks for it) */
        TOPOLOGY_LOCK_AT_READY,         /* after the first full pass */
        TOPOLOGY_LOCK_MANUAL,           /* only through the API */
        _TOPOLOGY_LOCK_TRIGGER_MAX,
        _TOPOLOGY_LOCK_TRIGGER_INVALID = -EINVAL,
} TopologyLockTrigger;

typedef enum TopologyViolationAction {
        TOPOLOGY_VIOLATION_LOG,
        TOPOLOGY_VIOLATION_REMOVE,
        TOPOLOGY_VIOLATION_POWEROFF,
        _TOPOLOGY_VIOLATION_ACTION_MAX,
        _TOPOLOGY_VIOLATION_ACTION_INVALID = -EINVAL,
} TopologyViolationAction;

typedef struct Config {
        Mode mode;
        PolicyAction default_action;   /* only SHARED or DENY */
        char **trusted_drivers;        /* globs, '-' and '_' equivalent */
        char **denied_drivers;         /* globs, beat everything */
        bool trust_builtin_drivers;

        /* The TDISP pipeline. */
        TsmAbi tsm_abi;
        VerifierSpec verifier;
        uint64_t verifier_timeout_usec;
        uint64_t prepare_timeout_usec;
        unsigned pipeline_attempts;     /* failures (not rejects) retried before falling back */
        TopologyLockTrigger topology_lock;
        TopologyViolationAction on_topology_violation;
} Config;

DECLARE_STRING_TABLE_LOOKUP(mode, Mode);
DECLARE_STRING_TABLE_LOOKUP(policy_action, PolicyAction);
DECLARE_STRING_TABLE_LOOKUP(tsm_abi, TsmAbi);
DECLARE_STRING_TABLE_LOOKUP(verifier_kind, VerifierKind);
DECLARE_STRING_TABLE_LOOKUP(topology_lock_trigger, TopologyLockTrigger);
DECLARE_STRING_TABLE_LOOKUP(topology_violation_action, TopologyViolationAction);

/* "exec:/usr/libexec/verify", "local:/etc/tdispd/refs.json", "push" or "none". */
int verifier_spec_parse(const char *s, VerifierSpec *ret);
void verifier_spec_done(VerifierSpec *v);

/* Compiled-in defaults and limits of the TDISP pipeline settings. */
#define CONFIG_VERIFIER_TIMEOUT_USEC_DEFAULT (UINT64_C(60) * 1000 * 1000)
#define CONFIG_PREPARE_TIMEOUT_USEC_DEFAULT (UINT64_C(10) * 1000 * 1000)
#define CONFIG_TIMEOUT_USEC_MAX (UINT64_C(24) * 3600 * 1000 * 1000)
#define CONFIG_PIPELINE_ATTEMPTS_DEFAULT 3U
#define CONFIG_PIPELINE_ATTEMPTS_MAX 100U

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

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy.h — device rules: one *.policy file is one rule ([Match] + [Policy]); first match wins. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf-error.h"
#include "config.h"
#include "device-info.h"
#include "macro.h"

typedef enum PrepareMode {
        PREPARE_AUTO,
        PREPARE_NO,
        _PREPARE_MAX,
        _PREPARE_INVALID = -EINVAL,
} PrepareMode;

DECLARE_STRING_TABLE_LOOKUP(prepare_mode, PrepareMode);

typedef struct ClassMatch {
        uint32_t value;
        uint32_t mask;          /* 0xffffff when no "/mask" was given */
} ClassMatch;

typedef struct PolicyRule {
        char *filename;         /* path as given to the parser; its basename orders the rule */
        unsigned line;          /* line of the [Match] section header */

        /* [Match]: every key given must match; a key with several values matches any of them. */
        char **buses;           /* globs */
        uint32_t *vendors;      size_t n_vendors;
        uint32_t *devices;      size_t n_devices;
        uint32_t *subsystem_vendors; size_t n_subsystem_vendors;
        uint32_t *subsystem_devices; size_t n_subsystem_devices;
        ClassMatch *classes;    size_t n_classes;
        char **paths;           /* globs on the device name (sysname) */
        char **modaliases;      /* globs */
        int tdisp;              /* -1 not given, 0 no, 1 yes */

        /* [Policy] */
        PolicyAction action;    /* required */
        char *driver;           /* operational driver, NULL: best modalias match */
        PrepareMode prepare;
        PolicyAction on_reject;         /* OnReject=: SHARED, DENY (default) or REMOVE */
        VerifierSpec verifier;          /* Verifier=: VERIFIER_NONE here means "as configured" */
} PolicyRule;

typedef struct Policy {
        PolicyRule **rules;     /* in match order */
        size_t n_rules;
} Policy;

int policy_new(Policy **ret);
Policy *policy_free(Policy *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Policy *, policy_free);

PolicyRule *policy_rule_free(PolicyRule *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(PolicyRule *, policy_rule_free);

/* Parses one .policy file into one rule. Unknown sections or keys, a missing [Match] or Action=, and
 * malformed values are errors with file:line:key in ret_error. */
int policy_rule_parse_buffer(const char *data, size_t size, const char *filename, PolicyRule **ret,
                             ConfError *ret_error);

/* Takes ownership of rule; rules must be added in match order (the loader sorts by file name). */
int policy_add_rule(Policy *p, PolicyRule *rule);

bool policy_rule_matches(const PolicyRule *r, const DeviceInfo *d) _pure_;
/* The first rule that matches, or NULL. */
const PolicyRule *policy_match(const Policy *p, const DeviceInfo *d) _pure_;

/* The label used in logs and TDISPD_RULE=: the file's basename ("50-nic.policy"), which identifies the
 * rule since one file holds one rule. Freshly allocated, NULL on OOM. */
char *policy_rule_label(const PolicyRule *r);

/* The [Match] section in one line ("Bus=pci Vendor=0x1b36 Device=0x0010"; "" when empty): why a rule
 * matched, for TDISPD_RULE_MATCH= in the journal. */
char *policy_rule_match_summary(const PolicyRule *r);

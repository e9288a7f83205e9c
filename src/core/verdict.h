/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* verdict.h — the relying party's answer: the JSON an exec: verifier prints on stdout.
 *
 * Version 1 (documented for verifier authors in tdispd-verifier(7)):
 *
 *   {
 *     "version": 1,                                              required, exactly 1
 *     "verdicts": [                                              required, may be empty
 *       { "device": "0000:01:00.0",                              required, at most once
 *         "evidence_digest": "sha384:<96 lowercase hex>",        required: the evidence judged
 *         "verdict": "approve" | "reject",                       required
 *         "reason": "…" }                                        optional, printable ASCII, ≤ 256
 *     ],
 *     "lock_topology": true | false,                             optional, default false
 *     "bundle_digest": "sha384:…"                                optional: the bundle answered
 *   }
 *
 * This is a security contract, so the parser is strict rather than forgiving: strict JSON (no
 * duplicate keys, see json-util.h), at most 1 MiB, unknown keys at any level are errors (a field
 * this version does not know might be a restriction the verifier expects tdispd to honour), and
 * every error names the JSON path of the offending field. Any error rejects the whole output:
 * every device it was asked about counts as rejected and the topology is not locked. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "conf-error.h"
#include "macro.h"
#include "sha384.h"

#define VERDICT_VERSION 1
#define VERDICT_INPUT_MAX (1024U * 1024U)
#define VERDICT_REASON_MAX 256U
#define VERDICT_DEVICE_NAME_MAX 64U
#define VERDICT_ENTRIES_MAX 4096U
/* The "filename" of errors in verifier output. */
#define VERDICT_SOURCE "verifier output"

typedef enum VerdictKind {
        VERDICT_APPROVE,
        VERDICT_REJECT,
        _VERDICT_KIND_MAX,
        _VERDICT_KIND_INVALID = -EINVAL,
} VerdictKind;

DECLARE_STRING_TABLE_LOOKUP(verdict_kind, VerdictKind);

typedef struct VerdictEntry {
        char *device;
        char evidence_digest[SHA384_STRING_MAX];
        VerdictKind kind;
        char *reason;                   /* NULL when none was given */
} VerdictEntry;

typedef struct Verdicts {
        VerdictEntry *entries;
        size_t n_entries;
        bool lock_topology;
        char bundle_digest[SHA384_STRING_MAX];  /* "" when the verifier named none */
} Verdicts;

Verdicts *verdicts_free(Verdicts *v);
DEFINE_TRIVIAL_CLEANUP_FUNC(Verdicts *, verdicts_free);

/* Parses a verifier's output. If expected_bundle_digest is non-NULL and the output names a
 * different bundle_digest, the output answers another question: -ESTALE. Other errors: -E2BIG
 * above VERDICT_INPUT_MAX, -EPROTONOSUPPORT for a version other than 1, -EBADMSG for anything else
 * malformed. Errors are recorded in ret_error with filename VERDICT_SOURCE and the JSON path as key
 * ("verdicts[2].evidence_digest"). */
int verdicts_parse(const char *data, size_t size, const char *expected_bundle_digest, Verdicts **ret,
                   ConfError *ret_error);

/* The verdict on device, as far as it applies to the evidence whose digest tdispd asked about:
 *   0        a verdict for exactly that evidence: *ret_approve, *ret_reason (may be NULL)
 *   -ESTALE  the verdict names other evidence: a reject, *ret_approve = false, *ret_reason =
 *            "stale evidence"; the device must be attested again, never accepted on it
 *   -ENOENT  no verdict for device (a reject, too, when the device was asked about)
 *   -EINVAL  expected_digest is not a well-formed digest
 * ret_reason points into v (or to a static string) and may be NULL. */
int verdict_lookup(const Verdicts *v, const char *device, const char *expected_digest, bool *ret_approve,
                   const char **ret_reason);

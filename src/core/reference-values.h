/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* reference-values.h — the local:PATH relying party: expected evidence digests per device identity.
 *
 * For air-gapped and test deployments, a JSON file lists, per device identity, the digests its
 * evidence must have (documented in tdispd-verifier(7)):
 *
 *   { "version": 1,
 *     "devices": [
 *       { "match": { "vendor": "0x1b36", "device_id": "0x0005",          every key optional, at
 *                    "subsystem_vendor": "0x1af4", "subsystem_device": "0x1100",   least one given;
 *                    "path": "0000:01:*" },                              glob on the device name
 *         "certificates": "sha384:…",             evidence_set_certificates_digest()
 *         "measurements": "sha384:…",             SHA-384 of the measurements object
 *         "report": [ "sha384:…", "sha384:…" ] }  SHA-384 of the report object
 *     ] }
 *
 * Each digest is one string or a non-empty array of alternatives (e.g. two firmware versions); at
 * least one of the three is required. The first entry whose match fits the device decides: the
 * device is approved when every digest the entry names is met, and rejected otherwise, naming what
 * differed. A device no entry matches is rejected ("no reference values"). The parser is as strict
 * as the verdict parser: strict JSON, unknown keys are errors, errors name the JSON path. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf-error.h"
#include "device-info.h"
#include "evidence.h"
#include "macro.h"
#include "sha384.h"

#define REFERENCE_VALUES_VERSION 1
#define REFERENCE_VALUES_INPUT_MAX (1024U * 1024U)
#define REFERENCE_VALUES_ENTRIES_MAX 1024U
#define REFERENCE_VALUES_ALTERNATIVES_MAX 64U
#define REFERENCE_VALUES_PATH_MAX 256U

typedef enum ReferenceKind {
        REFERENCE_CERTIFICATES,
        REFERENCE_MEASUREMENTS,
        REFERENCE_REPORT,
        _REFERENCE_KIND_MAX,
        _REFERENCE_KIND_INVALID = -EINVAL,
} ReferenceKind;

DECLARE_STRING_TABLE_LOOKUP(reference_kind, ReferenceKind);

typedef struct ReferenceEntry {
        /* match: ids (a DeviceIdField mask says which are given) and a glob on the device name */
        unsigned ids;
        uint32_t vendor, device, subsystem_vendor, subsystem_device;
        char *path;

        /* per kind: the accepted digests, none when the entry does not constrain that kind */
        uint8_t (*digests[_REFERENCE_KIND_MAX])[SHA384_DIGEST_SIZE];
        size_t n_digests[_REFERENCE_KIND_MAX];
} ReferenceEntry;

typedef struct ReferenceValues {
        ReferenceEntry *entries;
        size_t n_entries;
} ReferenceValues;

ReferenceValues *reference_values_free(ReferenceValues *r);
DEFINE_TRIVIAL_CLEANUP_FUNC(ReferenceValues *, reference_values_free);

/* Parses a reference-values file. -E2BIG above REFERENCE_VALUES_INPUT_MAX, -EPROTONOSUPPORT for a
 * version other than 1, -EBADMSG for anything else malformed; ret_error names filename and the JSON
 * path ("devices[1].match.vendor"). */
int reference_values_parse(const char *data, size_t size, const char *filename, ReferenceValues **ret,
                           ConfError *ret_error);

/* The first entry that matches d, or NULL. */
const ReferenceEntry *reference_values_match(const ReferenceValues *refs, const DeviceInfo *d) _pure_;

/* Judges evidence of device d. Returns 0 with *ret_approve and a human-readable *ret_reason (always
 * set, freshly allocated): which entry approved, or why the device is rejected. Negative only for
 * an internal error (-ENOMEM). */
int reference_values_judge(const ReferenceValues *refs, const DeviceInfo *d, const EvidenceSet *evidence,
                           bool *ret_approve, char **ret_reason);

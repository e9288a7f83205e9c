/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* evidence.h — the evidence objects of one device, read after one lock, and the digest that binds
 * a verdict to them.
 *
 * An EvidenceSet holds at most one object of each type (SPDM certificate chains per slot, the SPDM
 * VCA transcript, the MEASUREMENTS response, the TDISP interface report), each with its SHA-384.
 * The EvidenceAssembler builds a set from the chunked stream a transport delivers ("a record with a
 * type starts an object, records without one continue it"); it is pure so that the netlink backend,
 * test fixtures and the fuzzer all drive the same code.
 *
 * The per-device evidence digest (evidence_set_digest()):
 *
 *   SHA-384( "tdispd-evidence-v1" 0x00
 *            for each object present, in ascending type number (cert0 … cert7, vca, measurements,
 *            report):  type name (ASCII)  0x00  size (8 bytes, big-endian)  data )
 *
 * Every verdict names this digest; a verdict for any other digest is for other evidence. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "sha384.h"

/* The type numbers are those of the pci-tsm netlink family (src/daemon/pci-tsm.h), so a transport
 * can pass them through unchanged. */
typedef enum EvidenceType {
        EVIDENCE_CERT0,                 /* SPDM certificate chain, slot 0 … */
        EVIDENCE_CERT1,
        EVIDENCE_CERT2,
        EVIDENCE_CERT3,
        EVIDENCE_CERT4,
        EVIDENCE_CERT5,
        EVIDENCE_CERT6,
        EVIDENCE_CERT7,                 /* … slot 7 */
        EVIDENCE_VCA,                   /* SPDM VERSION/CAPABILITIES/ALGORITHMS transcript */
        EVIDENCE_MEASUREMENTS,          /* SPDM MEASUREMENTS response */
        EVIDENCE_REPORT,                /* TDISP DEVICE_INTERFACE_REPORT (exists only while locked) */
        _EVIDENCE_TYPE_MAX,
        _EVIDENCE_TYPE_INVALID = -EINVAL,
} EvidenceType;

DECLARE_STRING_TABLE_LOOKUP(evidence_type, EvidenceType);

#define EVIDENCE_TYPE_MASK_ALL ((1U << _EVIDENCE_TYPE_MAX) - 1)
#define EVIDENCE_TYPE_MASK_CERTS ((1U << (EVIDENCE_CERT7 + 1)) - 1)

/* One object, as the proposal bounds it. */
#define EVIDENCE_OBJECT_SIZE_MAX (16U * 1024U * 1024U)
/* All objects of one device together: real chains, transcripts and reports are a few KiB to a few
 * hundred KiB, so this only stops a hostile TSM from making the daemon hold 11 × 16 MiB. */
#define EVIDENCE_SET_SIZE_MAX (32U * 1024U * 1024U)

/* Domain separation tags that open the digests below. */
#define EVIDENCE_DIGEST_TAG "tdispd-evidence-v1"
#define EVIDENCE_CERTIFICATES_DIGEST_TAG "tdispd-certificates-v1"

typedef struct EvidenceObject {
        bool present;
        uint8_t *data;                  /* size bytes (non-NULL when present, even for size 0) */
        size_t size;
        uint8_t sha384[SHA384_DIGEST_SIZE];
} EvidenceObject;

typedef struct EvidenceSet {
        EvidenceObject objects[_EVIDENCE_TYPE_MAX];
        size_t total_size;
} EvidenceSet;

int evidence_set_new(EvidenceSet **ret);
EvidenceSet *evidence_set_free(EvidenceSet *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(EvidenceSet *, evidence_set_free);

/* Adds a copy of data as the object of type t. -EEXIST if t is already present, -E2BIG beyond the
 * object or set limit, -EINVAL for a type out of range. */
int evidence_set_add(EvidenceSet *s, EvidenceType t, const void *data, size_t size);
/* Takes ownership of data (allocated with malloc) on success only. */
int evidence_set_add_take(EvidenceSet *s, EvidenceType t, void *data, size_t size);

/* The object of type t, or NULL when absent or t is out of range. */
const EvidenceObject *evidence_set_get(const EvidenceSet *s, EvidenceType t) _pure_;
/* Bit (1 << type) for every object present. */
unsigned evidence_set_mask(const EvidenceSet *s) _pure_;
size_t evidence_set_count(const EvidenceSet *s) _pure_;

/* The per-device evidence digest defined at the top of this file. */
int evidence_set_digest(const EvidenceSet *s, uint8_t ret[static SHA384_DIGEST_SIZE]);
int evidence_set_digest_string(const EvidenceSet *s, char ret[static SHA384_STRING_MAX]);

/* The certificates digest that local reference values name:
 *
 *   SHA-384( "tdispd-certificates-v1" 0x00
 *            for each of cert0 … cert7 present, in slot order: name 0x00 size (8 bytes, big-endian) data )
 *
 * i.e. the evidence digest restricted to the certificate slots, with its own tag. -ENOENT when the
 * set has no certificate chain at all. */
int evidence_set_certificates_digest(const EvidenceSet *s, uint8_t ret[static SHA384_DIGEST_SIZE]);

/* Builds an EvidenceSet from a stream of records, as a transport delivers them:
 *
 *   evidence_assembler_feed(a, type, data, size)                 starts object `type` with data
 *   evidence_assembler_feed(a, EVIDENCE_CONTINUATION, data, size) appends to the current object
 *
 * Refused, with the assembler then stuck in that error: a continuation before any object
 * (-EBADMSG), a type out of range (-EBADMSG), a type seen twice (-EBADMSG), an object or the set
 * beyond its limit (-E2BIG). Objects may arrive in any order; the digest does not depend on it. */
#define EVIDENCE_CONTINUATION (-1)

typedef struct EvidenceAssembler {
        EvidenceSet *set;
        int current;                    /* type being filled, or EVIDENCE_CONTINUATION for none */
        uint8_t *buf;
        size_t size, allocated;
        size_t total;                   /* bytes of all objects so far, the current one included */
        unsigned seen;                  /* mask of types started */
        int error;                      /* first error, sticky */
} EvidenceAssembler;

void evidence_assembler_init(EvidenceAssembler *a);
void evidence_assembler_done(EvidenceAssembler *a);
/* Forgets everything fed so far (for a transport that must start the read over). */
void evidence_assembler_reset(EvidenceAssembler *a);
int evidence_assembler_feed(EvidenceAssembler *a, int type, const void *data, size_t size);
/* Hands out the set (it may be empty: evidence_set_count() == 0), or returns the first error fed;
 * either way the assembler is reset for reuse. */
int evidence_assembler_finish(EvidenceAssembler *a, EvidenceSet **ret);

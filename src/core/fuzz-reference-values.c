/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-reference-values.c — a local reference-values file: no input may crash the parser, and
 * whatever parses must judge every device without crashing, approving only on a real match. */

#undef NDEBUG
#include <assert.h>
#include <stdint.h>

#include "reference-values.h"

#define FUZZ_INPUT_MAX (REFERENCE_VALUES_INPUT_MAX + 1)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const DeviceInfo fuzz_devices[] = {
        { .sysname = (char *) "0000:00:05.0", .ids = DEVICE_ID_VENDOR | DEVICE_ID_DEVICE, .vendor = 0x1b36,
          .device = 0x5 },
        { .sysname = (char *) "0000:01:00.0", .ids = DEVICE_ID_VENDOR | DEVICE_ID_DEVICE |
          DEVICE_ID_SUBSYSTEM_VENDOR | DEVICE_ID_SUBSYSTEM_DEVICE, .vendor = 0x1b36, .device = 0x5,
          .subsystem_vendor = 0x1af4, .subsystem_device = 0x1100 },
        { .sysname = (char *) "virtio0" },
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(conf_error_done) ConfError e = {};
        _cleanup_(reference_values_freep) ReferenceValues *refs = NULL;
        _cleanup_(evidence_set_freep) EvidenceSet *evidence = NULL, *empty = NULL;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        r = reference_values_parse((const char *) data, size, "fuzz.json", &refs, &e);
        assert(IN_SET(r, 0, -EBADMSG, -E2BIG, -EPROTONOSUPPORT, -ENOMEM));
        if (r < 0) {
                assert(!refs);
                assert(e.error == r || r == -ENOMEM);
                return 0;
        }

        assert(refs->n_entries <= REFERENCE_VALUES_ENTRIES_MAX);
        for (size_t i = 0; i < refs->n_entries; i++) {
                const ReferenceEntry *entry = &refs->entries[i];
                size_t kinds = 0;

                assert(entry->ids || entry->path);
                for (ReferenceKind k = 0; k < _REFERENCE_KIND_MAX; k++) {
                        assert(entry->n_digests[k] <= REFERENCE_VALUES_ALTERNATIVES_MAX);
                        kinds += entry->n_digests[k] > 0;
                }
                assert(kinds > 0);
        }

        assert(evidence_set_new(&evidence) == 0);
        assert(evidence_set_add(evidence, EVIDENCE_CERT0, "CERT0-DATA", 10) == 0);
        assert(evidence_set_add(evidence, EVIDENCE_MEASUREMENTS, "measurements v1", 15) == 0);
        assert(evidence_set_add(evidence, EVIDENCE_REPORT, "report", 6) == 0);
        assert(evidence_set_new(&empty) == 0);

        for (size_t i = 0; i < ELEMENTSOF(fuzz_devices); i++) {
                _cleanup_free_ char *reason = NULL, *reason_empty = NULL;
                bool approve, approve_empty;

                assert(reference_values_judge(refs, &fuzz_devices[i], evidence, &approve, &reason) == 0);
                assert(reason);
                /* Approval needs a matching entry. */
                assert(!approve || reference_values_match(refs, &fuzz_devices[i]));

                /* With no evidence at all, nothing can be approved. */
                assert(reference_values_judge(refs, &fuzz_devices[i], empty, &approve_empty,
                                              &reason_empty) == 0);
                assert(!approve_empty);
        }
        return 0;
}

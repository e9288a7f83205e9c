/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-evidence.c — the evidence chunk reassembler, fed an arbitrary record stream.
 *
 * Input: records of [type: 1 byte, 0xff = continuation, anything else taken as the type number]
 * [length: 2 bytes big-endian] [data: length bytes, fewer if the input ends]. Whatever the stream,
 * the assembler must either refuse it (and keep refusing) or produce a set whose every object is
 * within the limits and carries the SHA-384 of its own bytes. */

#undef NDEBUG
#include <assert.h>
#include <stdint.h>

#include "evidence.h"

/* Enough for many chunks; the object and set limits are tested by the unit test, not here. */
#define FUZZ_INPUT_MAX (256U * 1024U)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(evidence_assembler_done) EvidenceAssembler a = {};
        _cleanup_(evidence_set_freep) EvidenceSet *s = NULL;
        uint8_t digest[SHA384_DIGEST_SIZE], again[SHA384_DIGEST_SIZE];
        size_t total = 0;
        int r = 0, first_error = 0;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        evidence_assembler_init(&a);
        for (size_t i = 0; i < size;) {
                int type = data[i] == 0xff ? EVIDENCE_CONTINUATION : data[i];
                size_t len = 0;

                if (i + 3 <= size)
                        len = (size_t) data[i + 1] << 8 | data[i + 2];
                i = MIN(i + 3, size);
                len = MIN(len, size - i);

                r = evidence_assembler_feed(&a, type, data + i, len);
                assert(r == 0 || r == -EBADMSG || r == -E2BIG);
                if (first_error == 0 && r < 0)
                        first_error = r;
                /* Once refused, always refused with the same error. */
                assert(first_error == 0 || r == first_error);
                i += len;
        }

        r = evidence_assembler_finish(&a, &s);
        assert(r == first_error);
        if (r < 0) {
                assert(!s);
                return 0;
        }

        for (EvidenceType t = 0; t < _EVIDENCE_TYPE_MAX; t++) {
                const EvidenceObject *o = evidence_set_get(s, t);

                if (!o)
                        continue;
                assert(o->data);
                assert(o->size <= EVIDENCE_OBJECT_SIZE_MAX);
                assert(sha384(o->data, o->size, digest) == 0);
                assert(memcmp(digest, o->sha384, sizeof(digest)) == 0);
                total += o->size;
        }
        assert(total == s->total_size && total <= EVIDENCE_SET_SIZE_MAX);

        /* The digest is a function of the set. */
        assert(evidence_set_digest(s, digest) == 0);
        assert(evidence_set_digest(s, again) == 0);
        assert(memcmp(digest, again, sizeof(digest)) == 0);
        r = evidence_set_certificates_digest(s, digest);
        assert(r == 0 || (r == -ENOENT && !(evidence_set_mask(s) & EVIDENCE_TYPE_MASK_CERTS)));
        return 0;
}

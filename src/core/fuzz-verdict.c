/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-verdict.c — verifier output (a program tdispd does not control): no input may crash the
 * parser, every error must say where, and whatever parses must keep the promises of verdict.h. */

#undef NDEBUG
#include <assert.h>
#include <stdint.h>

#include "json-util.h"
#include "verdict.h"

#define FUZZ_INPUT_MAX (VERDICT_INPUT_MAX + 1)
#define FUZZ_DIGEST                                                                                    \
        "sha384:15bcc99c813cf6c7ab78e208151dbaf3e73d51fbf0a0d51044d1ef45358481d0dd686bd6d672286cc446b299a66e94f3"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(conf_error_done) ConfError e = {};
        _cleanup_(verdicts_freep) Verdicts *v = NULL;
        _cleanup_free_ char *msg = NULL;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        r = verdicts_parse((const char *) data, size, FUZZ_DIGEST, &v, &e);
        assert(IN_SET(r, 0, -EBADMSG, -E2BIG, -EPROTONOSUPPORT, -ESTALE, -ENOMEM));
        if (r < 0) {
                assert(!v);
                assert(e.error == r || r == -ENOMEM);
                msg = conf_error_format(&e);
                assert(msg);
                return 0;
        }

        assert(v->n_entries <= VERDICT_ENTRIES_MAX);
        assert(isempty(v->bundle_digest) || streq(v->bundle_digest, FUZZ_DIGEST));
        for (size_t i = 0; i < v->n_entries; i++) {
                const VerdictEntry *entry = &v->entries[i];
                const char *reason = NULL;
                bool approve;

                assert(string_is_printable_ascii(entry->device, VERDICT_DEVICE_NAME_MAX));
                assert(sha384_string_is_valid(entry->evidence_digest));
                assert(entry->kind == VERDICT_APPROVE || entry->kind == VERDICT_REJECT);
                assert(!entry->reason || string_is_printable_ascii(entry->reason, VERDICT_REASON_MAX));
                for (size_t k = 0; k < i; k++)
                        assert(!streq(v->entries[k].device, entry->device));

                /* The lookup honours the digest: only the exact one gives the entry's answer. */
                r = verdict_lookup(v, entry->device, entry->evidence_digest, &approve, &reason);
                assert(r == 0 && approve == (entry->kind == VERDICT_APPROVE));
                r = verdict_lookup(v, entry->device, FUZZ_DIGEST, &approve, &reason);
                assert(streq(entry->evidence_digest, FUZZ_DIGEST) ? r == 0 : (r == -ESTALE && !approve));
        }
        return 0;
}

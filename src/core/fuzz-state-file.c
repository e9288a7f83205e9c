/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-state-file.c — /run/tdispd state as a corrupt or hostile file: no input may crash the parser;
 * whatever parses must be consistent, serialize, and parse back to the same state. */

#undef NDEBUG
#include <assert.h>
#include <stdint.h>

#include "state-file.h"

#define FUZZ_INPUT_MAX (256U * 1024U)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(conf_error_done) ConfError e = {}, e2 = {};
        _cleanup_(state_file_freep) StateFile *s = NULL, *again = NULL;
        _cleanup_free_ char *text = NULL;
        size_t text_size;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        r = state_file_parse((const char *) data, size, "fuzz.json", &s, &e);
        assert(IN_SET(r, 0, -EBADMSG, -EPROTONOSUPPORT, -ENOMEM));
        if (r < 0) {
                assert(!s);
                return 0;
        }

        /* Never an acceptance the file does not justify. */
        for (size_t i = 0; i < s->n_devices; i++)
                if (s->devices[i].accepted)
                        assert(s->devices[i].verdict == STATE_VERDICT_APPROVE &&
                               streq(s->devices[i].verdict_digest, s->devices[i].evidence_digest));

        assert(state_file_serialize(s, &text, &text_size) == 0);
        assert(state_file_parse(text, text_size, "again", &again, &e2) == 0);
        assert(state_file_equal(s, again));
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-evidence-netlink.c — the pci-tsm reply parsers, fed arbitrary datagrams.
 *
 * Input: datagrams of [length: 2 bytes big-endian][bytes], as many as fit. The first datagram also
 * goes to the family-reply parser. The datagrams go to the evidence-read reply parser, in order,
 * for family 0x1a and sequence number 1, until it finishes or fails: no input may crash it, every
 * result must be one it documents, and a finished dump must yield a well-formed set. */

#undef NDEBUG
#include <assert.h>
#include <linux/netlink.h>
#include <stdint.h>

#include "evidence-netlink.h"

#define FUZZ_INPUT_MAX (256U * 1024U)
#define FUZZ_FAMILY 0x1a
#define FUZZ_SEQ 1

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const char *m) {
        if (!m)
                return;
        assert(strlen(m) <= EVIDENCE_NETLINK_MESSAGE_MAX);
        for (; *m; m++)
                assert(*m >= 0x20 && *m <= 0x7e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(evidence_assembler_done) EvidenceAssembler a = {};
        _cleanup_(evidence_set_freep) EvidenceSet *s = NULL;
        _cleanup_free_ char *message = NULL;
        bool first = true;
        int r = 0;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        evidence_assembler_init(&a);
        for (size_t i = 0; i + 2 <= size;) {
                size_t len = MIN((size_t) data[i] << 8 | data[i + 1], size - i - 2);
                /* A copy, so that the sanitizers see reads past the datagram. */
                _cleanup_free_ uint8_t *dgram = malloc(len + 1);
                assert(dgram);
                memcpy(dgram, data + i + 2, len);
                i += 2 + len;

                if (first) {
                        _cleanup_free_ char *m = NULL;
                        uint16_t id = 0;

                        r = evidence_netlink_parse_family_reply(dgram, len, FUZZ_SEQ, &id, &m);
                        assert(r <= 0 && r >= -4095);
                        assert(r != 0 || id >= NLMSG_MIN_TYPE);
                        check_message(m);
                        first = false;
                }

                r = evidence_netlink_parse_reply(dgram, len, FUZZ_FAMILY, FUZZ_SEQ, &a, &message);
                assert(r <= 1 && r >= -4095);
                check_message(message);
                if (r != 0)
                        break;
        }

        if (r != 1)
                return 0;

        assert(evidence_assembler_finish(&a, &s) == 0);
        assert(s->total_size <= EVIDENCE_SET_SIZE_MAX);
        for (EvidenceType t = 0; t < _EVIDENCE_TYPE_MAX; t++) {
                const EvidenceObject *o = evidence_set_get(s, t);
                assert(!o || (o->data && o->size <= EVIDENCE_OBJECT_SIZE_MAX));
        }
        return 0;
}

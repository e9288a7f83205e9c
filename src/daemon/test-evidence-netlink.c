/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-evidence-netlink.c — the pci-tsm netlink requests and the parsers of the kernel's replies,
 * on crafted datagrams: the emulator's shapes (multi-part, chunked, several messages per
 * datagram), its errors (-EAGAIN in NLMSG_DONE, -ENXIO in NLMSG_ERROR, extended acks), and
 * malformed lengths. The real emulator is exercised by the VM suite. */

#undef NDEBUG
#include <assert.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdio.h>

#include "evidence-netlink.h"
#include "pci-tsm.h"

#define FAMILY 0x1a
#define SEQ 77

/* -- a datagram builder -- */

typedef struct Datagram {
        uint8_t buf[8192];
        size_t length;
        size_t msg_start;       /* of the message being built */
} Datagram;

static void put(Datagram *d, const void *data, size_t size) {
        assert(d->length + size <= sizeof(d->buf));
        memcpy(d->buf + d->length, data, size);
        d->length += size;
}

static void pad(Datagram *d) {
        static const uint8_t zeros[4] = {};
        put(d, zeros, NLA_ALIGN(d->length) - d->length);
}

static void msg_begin(Datagram *d, uint16_t type, uint16_t flags, uint32_t seq) {
        struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = flags, .nlmsg_seq = seq };

        pad(d);
        d->msg_start = d->length;
        put(d, &h, sizeof(h));
}

static void msg_genl(Datagram *d, uint8_t cmd) {
        struct genlmsghdr g = { .cmd = cmd, .version = 1 };
        put(d, &g, sizeof(g));
}

static void msg_attr(Datagram *d, uint16_t type, const void *data, size_t size) {
        struct nlattr a = { .nla_len = (uint16_t) (NLA_HDRLEN + size), .nla_type = type };

        put(d, &a, sizeof(a));
        put(d, data, size);
        pad(d);
}

static void msg_attr_u32(Datagram *d, uint16_t type, uint32_t v) {
        msg_attr(d, type, &v, sizeof(v));
}

static void msg_end(Datagram *d) {
        uint32_t len = (uint32_t) (d->length - d->msg_start);
        memcpy(d->buf + d->msg_start, &len, sizeof(len));
}

/* A complete evidence-read message: TYPE (when type >= 0) and VAL (when val). */
static void evidence_msg(Datagram *d, int type, const char *val) {
        msg_begin(d, FAMILY, NLM_F_MULTI, SEQ);
        msg_genl(d, TDISPD_PCI_TSM_CMD_EVIDENCE_READ);
        if (type >= 0)
                msg_attr_u32(d, TDISPD_PCI_TSM_A_TYPE, (uint32_t) type);
        if (val)
                msg_attr(d, TDISPD_PCI_TSM_A_VAL, val, strlen(val));
        msg_end(d);
}

static void done_msg(Datagram *d, int32_t error, const char *extack) {
        msg_begin(d, NLMSG_DONE, NLM_F_MULTI | (extack ? NLM_F_ACK_TLVS : 0), SEQ);
        put(d, &error, sizeof(error));
        if (extack)
                msg_attr(d, 1 /* NLMSGERR_ATTR_MSG */, extack, strlen(extack) + 1);
        msg_end(d);
}

/* NLMSG_ERROR; capped: only the request's header is echoed (NETLINK_CAP_ACK). */
static void error_msg(Datagram *d, uint32_t seq, int32_t error, bool capped, const char *extack) {
        struct nlmsghdr req = { .nlmsg_len = sizeof(req) + 8, .nlmsg_type = FAMILY, .nlmsg_seq = seq };
        static const uint8_t req_payload[8] = { 1, 1, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd };

        msg_begin(d, NLMSG_ERROR, (capped ? NLM_F_CAPPED : 0) | (extack ? NLM_F_ACK_TLVS : 0), seq);
        put(d, &error, sizeof(error));
        put(d, &req, sizeof(req));
        if (!capped)
                put(d, req_payload, sizeof(req_payload));
        if (extack)
                msg_attr(d, 1 /* NLMSGERR_ATTR_MSG */, extack, strlen(extack) + 1);
        msg_end(d);
}

/* -- requests -- */

static void test_family_request(void) {
        uint8_t buf[64];
        struct nlmsghdr h;
        struct genlmsghdr g;
        struct nlattr a;
        int n;

        printf("family request\n");
        n = evidence_netlink_build_family_request(buf, sizeof(buf), 5);
        assert(n == 16 + 4 + 4 + 8);    /* header, genl header, attr header, "pci-tsm\0" */
        memcpy(&h, buf, sizeof(h));
        assert(h.nlmsg_len == (uint32_t) n && h.nlmsg_type == GENL_ID_CTRL && h.nlmsg_flags == NLM_F_REQUEST);
        assert(h.nlmsg_seq == 5 && h.nlmsg_pid == 0);
        memcpy(&g, buf + 16, sizeof(g));
        assert(g.cmd == CTRL_CMD_GETFAMILY);
        memcpy(&a, buf + 20, sizeof(a));
        assert(a.nla_type == CTRL_ATTR_FAMILY_NAME && a.nla_len == 4 + 8);
        assert(memcmp(buf + 24, "pci-tsm", 8) == 0);

        assert(evidence_netlink_build_family_request(buf, 31, 5) == -ENOBUFS);
}

static void test_read_request(void) {
        static const uint8_t nonce[32] = { 1, 2, 3 };
        uint8_t buf[256];
        struct nlmsghdr h;
        struct genlmsghdr g;
        struct nlattr a;
        uint32_t mask;
        int n;

        printf("read request\n");
        n = evidence_netlink_build_read_request(buf, sizeof(buf), FAMILY, 9, "0000:00:05.0",
                                                EVIDENCE_TYPE_MASK_ALL, nonce, sizeof(nonce));
        /* header 16 + genl 4 + mask 8 + name 4+13→20 + nonce 4+32 */
        assert(n == 16 + 4 + 8 + 20 + 36);
        memcpy(&h, buf, sizeof(h));
        assert(h.nlmsg_len == (uint32_t) n && h.nlmsg_type == FAMILY);
        assert(h.nlmsg_flags == (NLM_F_REQUEST | NLM_F_DUMP) && h.nlmsg_seq == 9);
        memcpy(&g, buf + 16, sizeof(g));
        assert(g.cmd == TDISPD_PCI_TSM_CMD_EVIDENCE_READ && g.version == TDISPD_PCI_TSM_FAMILY_VERSION);
        memcpy(&a, buf + 20, sizeof(a));
        memcpy(&mask, buf + 24, sizeof(mask));
        assert(a.nla_type == TDISPD_PCI_TSM_A_TYPE_MASK && a.nla_len == 8 && mask == 0x7ff);
        memcpy(&a, buf + 28, sizeof(a));
        assert(a.nla_type == TDISPD_PCI_TSM_A_DEV_NAME && a.nla_len == 4 + 13);
        assert(streq((const char *) buf + 32, "0000:00:05.0"));
        memcpy(&a, buf + 48, sizeof(a));
        assert(a.nla_type == TDISPD_PCI_TSM_A_NONCE && a.nla_len == 4 + 32);
        assert(memcmp(buf + 52, nonce, sizeof(nonce)) == 0);

        /* Without a nonce, no NONCE attribute. */
        assert(evidence_netlink_build_read_request(buf, sizeof(buf), FAMILY, 9, "0000:00:05.0", 1, NULL, 0) ==
               16 + 4 + 8 + 20);

        /* Bad arguments. */
        assert(evidence_netlink_build_read_request(buf, sizeof(buf), FAMILY, 9, "0000:00:05.0", 0, NULL, 0) ==
               -EINVAL);
        assert(evidence_netlink_build_read_request(buf, sizeof(buf), FAMILY, 9, "0000:00:05.0", 1U << 11, NULL,
                                                   0) == -EINVAL);
        assert(evidence_netlink_build_read_request(buf, sizeof(buf), FAMILY, 9, "", 1, NULL, 0) == -EINVAL);
        assert(evidence_netlink_build_read_request(buf, sizeof(buf), FAMILY, 9, NULL, 1, NULL, 0) == -EINVAL);
        assert(evidence_netlink_build_read_request(buf, sizeof(buf), FAMILY, 9, "../0000:00:05.0", 1, NULL,
                                                   0) == -EINVAL);
        assert(evidence_netlink_build_read_request(buf, sizeof(buf), FAMILY, 9, "a b", 1, NULL, 0) == -EINVAL);
        assert(evidence_netlink_build_read_request(buf, sizeof(buf), FAMILY, 9,
                                                   "0123456789012345678901234567890", 1, NULL, 0) > 0);
        assert(evidence_netlink_build_read_request(buf, sizeof(buf), FAMILY, 9,
                                                   "01234567890123456789012345678901", 1, NULL, 0) == -EINVAL);
        assert(evidence_netlink_build_read_request(buf, sizeof(buf), FAMILY, 9, "0000:00:05.0", 1, nonce, 0) ==
               -EINVAL);
        assert(evidence_netlink_build_read_request(buf, sizeof(buf), FAMILY, 9, "0000:00:05.0", 1, NULL, 4) ==
               -EINVAL);
        assert(evidence_netlink_build_read_request(buf, sizeof(buf), FAMILY, 9, "0000:00:05.0", 1,
                                                   (uint8_t[65]) {}, 65) == -EINVAL);
        assert(evidence_netlink_build_read_request(buf, 40, FAMILY, 9, "0000:00:05.0", 1, NULL, 0) == -ENOBUFS);

        /* The I/O entry point checks its arguments before opening anything. */
        EvidenceSet *s = NULL;
        assert(evidence_netlink_read("", 1, NULL, 0, 1000, &s, NULL) == -EINVAL);
        assert(evidence_netlink_read("0000:00:05.0", 0, NULL, 0, 1000, &s, NULL) == -EINVAL);
        assert(!s);
}

/* -- family replies -- */

static void family_reply(Datagram *d, uint32_t seq, bool id, uint16_t family_id, const char *name,
                         int version) {
        uint16_t fid = family_id;
        uint8_t ops[12] = { 12, 0, 1, 0, 8, 0, 1, 0, 1, 0, 0, 0 };

        msg_begin(d, GENL_ID_CTRL, 0, seq);
        msg_genl(d, CTRL_CMD_NEWFAMILY);
        if (name)
                msg_attr(d, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
        if (id)
                msg_attr(d, CTRL_ATTR_FAMILY_ID, &fid, sizeof(fid));
        if (version >= 0)
                msg_attr_u32(d, CTRL_ATTR_VERSION, (uint32_t) version);
        msg_attr_u32(d, CTRL_ATTR_HDRSIZE, 0);
        msg_attr(d, CTRL_ATTR_OPS | NLA_F_NESTED, ops, sizeof(ops));
        msg_end(d);
}

static void test_family_reply(void) {
        static const struct {
                const char *name;
                uint32_t seq;
                bool id;
                uint16_t family_id;
                const char *family_name;
                int version;
                int r;
        } t[] = {
                { "the family", SEQ, true, 0x1a, "pci-tsm", 1, 0 },
                { "no version attribute", SEQ, true, 0x1b, "pci-tsm", -1, 0 },
                { "version 2", SEQ, true, 0x1a, "pci-tsm", 2, -EPROTONOSUPPORT },
                { "no id", SEQ, false, 0, "pci-tsm", 1, -EBADMSG },
                { "reserved id", SEQ, true, NLMSG_DONE, "pci-tsm", 1, -EBADMSG },
                { "another family", SEQ, true, 0x1a, "nl80211", 1, -EBADMSG },
                { "no name", SEQ, true, 0x1a, NULL, 1, -EBADMSG },
                { "wrong seq", SEQ + 1, true, 0x1a, "pci-tsm", 1, -EBADMSG },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                Datagram d = {};
                uint16_t id = 0;

                printf("family reply: %s\n", t[i].name);
                family_reply(&d, t[i].seq, t[i].id, t[i].family_id, t[i].family_name, t[i].version);
                assert(evidence_netlink_parse_family_reply(d.buf, d.length, SEQ, &id, NULL) == t[i].r);
                if (t[i].r == 0)
                        assert(id == t[i].family_id);
        }

        /* The kernel has no such family: -ENOENT, with its reason. */
        _cleanup_free_ char *message = NULL;
        Datagram d = {};
        uint16_t id = 0;

        error_msg(&d, SEQ, -ENOENT, true, "Generic Netlink family not found");
        assert(evidence_netlink_parse_family_reply(d.buf, d.length, SEQ, &id, &message) == -ENOENT);
        assert(streq_ptr(message, "Generic Netlink family not found"));

        /* A second message after the answer. */
        d = (Datagram) {};
        family_reply(&d, SEQ, true, 0x1a, "pci-tsm", 1);
        done_msg(&d, 0, NULL);
        assert(evidence_netlink_parse_family_reply(d.buf, d.length, SEQ, &id, NULL) == -EBADMSG);

        assert(evidence_netlink_parse_family_reply(d.buf, 0, SEQ, &id, NULL) == -EBADMSG);
        assert(evidence_netlink_parse_family_reply(d.buf, 15, SEQ, &id, NULL) == -EBADMSG);
}

/* -- evidence replies -- */

static void test_reply_multipart(void) {
        _cleanup_(evidence_assembler_done) EvidenceAssembler a = {};
        _cleanup_(evidence_set_freep) EvidenceSet *s = NULL;
        const EvidenceObject *o;
        Datagram d1 = {}, d2 = {}, d3 = {};

        printf("multi-part reply\n");
        evidence_assembler_init(&a);

        /* Several messages per datagram, an object spanning datagrams, DONE on its own. */
        evidence_msg(&d1, EVIDENCE_CERT0, "CERT");
        evidence_msg(&d1, -1, "0-");
        evidence_msg(&d2, -1, "DATA");
        evidence_msg(&d2, EVIDENCE_VCA, "v");
        msg_begin(&d2, NLMSG_NOOP, 0, SEQ);
        msg_end(&d2);
        evidence_msg(&d2, EVIDENCE_REPORT, "rep");
        evidence_msg(&d2, -1, "ort");
        done_msg(&d3, 0, NULL);

        assert(evidence_netlink_parse_reply(d1.buf, d1.length, FAMILY, SEQ, &a, NULL) == 0);
        assert(evidence_netlink_parse_reply(d2.buf, d2.length, FAMILY, SEQ, &a, NULL) == 0);
        assert(evidence_netlink_parse_reply(d3.buf, d3.length, FAMILY, SEQ, &a, NULL) == 1);
        assert(evidence_assembler_finish(&a, &s) == 0);

        assert(evidence_set_count(s) == 3);
        o = evidence_set_get(s, EVIDENCE_CERT0);
        assert(o && o->size == 10 && memcmp(o->data, "CERT0-DATA", 10) == 0);
        o = evidence_set_get(s, EVIDENCE_VCA);
        assert(o && o->size == 1 && memcmp(o->data, "v", 1) == 0);
        o = evidence_set_get(s, EVIDENCE_REPORT);
        assert(o && o->size == 6 && memcmp(o->data, "report", 6) == 0);
        s = evidence_set_free(s);

        /* Everything in one datagram, DONE last; an unknown attribute is ignored; a TYPE without VAL
         * starts an empty object. */
        Datagram d = {};
        evidence_msg(&d, EVIDENCE_MEASUREMENTS, NULL);
        msg_begin(&d, FAMILY, NLM_F_MULTI, SEQ);
        msg_genl(&d, TDISPD_PCI_TSM_CMD_EVIDENCE_READ);
        msg_attr_u32(&d, 42, 0xdeadbeef);
        msg_attr(&d, TDISPD_PCI_TSM_A_VAL, "m", 1);
        msg_end(&d);
        done_msg(&d, 0, NULL);
        assert(evidence_netlink_parse_reply(d.buf, d.length, FAMILY, SEQ, &a, NULL) == 1);
        assert(evidence_assembler_finish(&a, &s) == 0);
        o = evidence_set_get(s, EVIDENCE_MEASUREMENTS);
        assert(o && o->size == 1 && o->data[0] == 'm');
        s = evidence_set_free(s);

        /* The last message of a datagram without its trailing padding. */
        d = (Datagram) {};
        evidence_msg(&d, EVIDENCE_CERT1, "abcde");
        d.length -= 3;
        uint32_t len = (uint32_t) d.length;
        memcpy(d.buf, &len, sizeof(len));
        /* The VAL attribute's own padding is gone with it; its nla_len (9) still fits exactly. */
        assert(evidence_netlink_parse_reply(d.buf, d.length, FAMILY, SEQ, &a, NULL) == 0);
        evidence_assembler_reset(&a);
}

static void test_reply_errors(void) {
        _cleanup_(evidence_assembler_done) EvidenceAssembler a = {};
        _cleanup_free_ char *message = NULL;
        Datagram d = {};

        printf("kernel errors\n");
        evidence_assembler_init(&a);

        /* -EAGAIN at the end of a dump, with an extended ack. */
        evidence_msg(&d, EVIDENCE_CERT0, "x");
        done_msg(&d, -EAGAIN, "evidence changed during read");
        assert(evidence_netlink_parse_reply(d.buf, d.length, FAMILY, SEQ, &a, &message) == -EAGAIN);
        assert(streq_ptr(message, "evidence changed during read"));
        message = mfree(message);
        evidence_assembler_reset(&a);

        /* -ENXIO refused at the request, capped and uncapped acks. */
        for (int capped = 0; capped <= 1; capped++) {
                d = (Datagram) {};
                error_msg(&d, SEQ, -ENXIO, capped, "no TSM context");
                assert(evidence_netlink_parse_reply(d.buf, d.length, FAMILY, SEQ, &a, &message) == -ENXIO);
                assert(streq_ptr(message, "no TSM context"));
                message = mfree(message);
        }

        /* Without extack, no message; non-printable extack bytes are replaced. */
        d = (Datagram) {};
        error_msg(&d, SEQ, -ENODEV, true, NULL);
        assert(evidence_netlink_parse_reply(d.buf, d.length, FAMILY, SEQ, &a, &message) == -ENODEV);
        assert(!message);
        d = (Datagram) {};
        error_msg(&d, SEQ, -EPERM, true, "bad\ttext\033[0m");
        assert(evidence_netlink_parse_reply(d.buf, d.length, FAMILY, SEQ, &a, &message) == -EPERM);
        assert(streq_ptr(message, "bad?text?[0m"));
        message = mfree(message);

        /* The kernel's consistency check: NLM_F_DUMP_INTR means "start over" too. */
        d = (Datagram) {};
        evidence_msg(&d, EVIDENCE_CERT0, "x");
        ((struct nlmsghdr *) (void *) d.buf)->nlmsg_flags |= NLM_F_DUMP_INTR;
        assert(evidence_netlink_parse_reply(d.buf, d.length, FAMILY, SEQ, &a, NULL) == -EAGAIN);
        evidence_assembler_reset(&a);
        d = (Datagram) {};
        done_msg(&d, 0, NULL);
        ((struct nlmsghdr *) (void *) d.buf)->nlmsg_flags |= NLM_F_DUMP_INTR;
        assert(evidence_netlink_parse_reply(d.buf, d.length, FAMILY, SEQ, &a, NULL) == -EAGAIN);
}

static void test_reply_malformed(void) {
        static const struct {
                const char *name;
                int kind;
        } t[] = {
                { "empty datagram", 0 },
                { "short header", 1 },
                { "nlmsg_len below the header", 2 },
                { "nlmsg_len beyond the datagram", 3 },
                { "short genl header", 4 },
                { "nla_len below the attribute header", 5 },
                { "nla_len beyond the message", 6 },
                { "TYPE of 2 bytes", 7 },
                { "TYPE out of range", 8 },
                { "TYPE twice", 9 },
                { "VAL twice", 10 },
                { "neither TYPE nor VAL", 11 },
                { "wrong command", 12 },
                { "another family", 13 },
                { "wrong sequence number", 14 },
                { "DONE without error code", 15 },
                { "DONE with a positive code", 16 },
                { "ERROR carrying 0 (an ack)", 17 },
                { "ERROR shorter than nlmsgerr", 18 },
                { "OVERRUN", 19 },
                { "data after DONE", 20 },
                { "continuation first", 21 },
                { "object type repeated", 22 },
                { "ERROR with an absurd errno", 23 },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(evidence_assembler_done) EvidenceAssembler a = {};
                Datagram d = {};
                size_t length;
                int32_t e;

                printf("malformed: %s\n", t[i].name);
                evidence_assembler_init(&a);

                switch (t[i].kind) {
                case 0:
                        break;
                case 1:
                        evidence_msg(&d, EVIDENCE_CERT0, "x");
                        d.length = 15;
                        break;
                case 2:
                        evidence_msg(&d, EVIDENCE_CERT0, "x");
                        ((struct nlmsghdr *) (void *) d.buf)->nlmsg_len = 15;
                        break;
                case 3:
                        evidence_msg(&d, EVIDENCE_CERT0, "x");
                        ((struct nlmsghdr *) (void *) d.buf)->nlmsg_len = (uint32_t) d.length + 4;
                        break;
                case 4:
                        msg_begin(&d, FAMILY, 0, SEQ);
                        put(&d, "\x01\x01", 2);
                        msg_end(&d);
                        break;
                case 5:
                        evidence_msg(&d, EVIDENCE_CERT0, "x");
                        ((struct nlattr *) (void *) (d.buf + 20))->nla_len = 3;
                        break;
                case 6:
                        evidence_msg(&d, EVIDENCE_CERT0, "x");
                        ((struct nlattr *) (void *) (d.buf + 28))->nla_len = 200;
                        break;
                case 7:
                        msg_begin(&d, FAMILY, 0, SEQ);
                        msg_genl(&d, TDISPD_PCI_TSM_CMD_EVIDENCE_READ);
                        msg_attr(&d, TDISPD_PCI_TSM_A_TYPE, "\0\0", 2);
                        msg_end(&d);
                        break;
                case 8:
                        evidence_msg(&d, _EVIDENCE_TYPE_MAX, "x");
                        break;
                case 9:
                        msg_begin(&d, FAMILY, 0, SEQ);
                        msg_genl(&d, TDISPD_PCI_TSM_CMD_EVIDENCE_READ);
                        msg_attr_u32(&d, TDISPD_PCI_TSM_A_TYPE, 0);
                        msg_attr_u32(&d, TDISPD_PCI_TSM_A_TYPE, 1);
                        msg_end(&d);
                        break;
                case 10:
                        msg_begin(&d, FAMILY, 0, SEQ);
                        msg_genl(&d, TDISPD_PCI_TSM_CMD_EVIDENCE_READ);
                        msg_attr_u32(&d, TDISPD_PCI_TSM_A_TYPE, 0);
                        msg_attr(&d, TDISPD_PCI_TSM_A_VAL, "a", 1);
                        msg_attr(&d, TDISPD_PCI_TSM_A_VAL, "b", 1);
                        msg_end(&d);
                        break;
                case 11:
                        evidence_msg(&d, -1, NULL);
                        break;
                case 12:
                        msg_begin(&d, FAMILY, 0, SEQ);
                        msg_genl(&d, 2);
                        msg_attr_u32(&d, TDISPD_PCI_TSM_A_TYPE, 0);
                        msg_end(&d);
                        break;
                case 13:
                        evidence_msg(&d, EVIDENCE_CERT0, "x");
                        ((struct nlmsghdr *) (void *) d.buf)->nlmsg_type = FAMILY + 1;
                        break;
                case 14:
                        evidence_msg(&d, EVIDENCE_CERT0, "x");
                        ((struct nlmsghdr *) (void *) d.buf)->nlmsg_seq = SEQ - 1;
                        break;
                case 15:
                        msg_begin(&d, NLMSG_DONE, 0, SEQ);
                        put(&d, "\0\0", 2);
                        msg_end(&d);
                        break;
                case 16:
                        done_msg(&d, 5, NULL);
                        break;
                case 17:
                        error_msg(&d, SEQ, 0, true, NULL);
                        break;
                case 18:
                        msg_begin(&d, NLMSG_ERROR, 0, SEQ);
                        e = -ENXIO;
                        put(&d, &e, sizeof(e));
                        msg_end(&d);
                        break;
                case 19:
                        msg_begin(&d, NLMSG_OVERRUN, 0, SEQ);
                        msg_end(&d);
                        break;
                case 20:
                        done_msg(&d, 0, NULL);
                        evidence_msg(&d, EVIDENCE_CERT0, "x");
                        break;
                case 21:
                        evidence_msg(&d, -1, "orphan");
                        break;
                case 22:
                        evidence_msg(&d, EVIDENCE_CERT0, "x");
                        evidence_msg(&d, EVIDENCE_VCA, "y");
                        evidence_msg(&d, EVIDENCE_CERT0, "z");
                        break;
                case 23:
                        error_msg(&d, SEQ, -5000, true, NULL);
                        break;
                default:
                        assert(false);
                }

                length = d.length;
                assert(evidence_netlink_parse_reply(d.buf, length, FAMILY, SEQ, &a, NULL) == -EBADMSG);
        }
}

int main(void) {
        test_family_request();
        test_read_request();
        test_family_reply();
        test_reply_multipart();
        test_reply_errors();
        test_reply_malformed();
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* evidence-netlink.c — reading a device's evidence over the proposed "pci-tsm" generic netlink family.
 *
 * Everything that arrives here comes from the kernel, but through a family that is still an RFC and
 * a TSM driver that talks to a device the host controls, so the parsers check every length before
 * reading and copy headers out of the buffer (datagrams carry no alignment promise that a fuzzer
 * would keep). */

#include <assert.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "evidence-netlink.h"
#include "pci-tsm.h"

#define NLMSGERR_ATTR_MSG_TYPE 1        /* NLMSGERR_ATTR_MSG, spelled out for older headers */

/* -- building requests -- */

typedef struct MessageWriter {
        uint8_t *buf;
        size_t size, length;
        bool overflow;
} MessageWriter;

static void writer_put(MessageWriter *w, const void *data, size_t size) {
        if (w->overflow || size > w->size - w->length) {
                w->overflow = true;
                return;
        }
        if (size > 0)
                memcpy(w->buf + w->length, data, size);
        w->length += size;
}

static void writer_pad(MessageWriter *w) {
        static const uint8_t zeros[NLA_ALIGNTO] = {};
        writer_put(w, zeros, NLA_ALIGN(w->length) - w->length);
}

static void writer_attr(MessageWriter *w, uint16_t type, const void *data, size_t size) {
        struct nlattr nla = { .nla_len = (uint16_t) (NLA_HDRLEN + size), .nla_type = type };

        assert(size <= UINT16_MAX - NLA_HDRLEN);
        writer_put(w, &nla, sizeof(nla));
        writer_put(w, data, size);
        writer_pad(w);
}

static void writer_header(MessageWriter *w, uint16_t type, uint16_t flags, uint32_t seq, uint8_t cmd,
                          uint8_t version) {
        struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = flags, .nlmsg_seq = seq };
        struct genlmsghdr g = { .cmd = cmd, .version = version };

        writer_put(w, &h, sizeof(h));
        writer_put(w, &g, sizeof(g));
}

/* Fills in nlmsg_len now that the message is complete. */
static int writer_finish(MessageWriter *w) {
        uint32_t len;

        if (w->overflow)
                return -ENOBUFS;
        len = (uint32_t) w->length;
        memcpy(w->buf + offsetof(struct nlmsghdr, nlmsg_len), &len, sizeof(len));
        return (int) w->length;
}

int evidence_netlink_build_family_request(void *buf, size_t size, uint32_t seq) {
        MessageWriter w = { .buf = buf, .size = size };

        assert(buf);

        writer_header(&w, GENL_ID_CTRL, NLM_F_REQUEST, seq, CTRL_CMD_GETFAMILY, 1);
        writer_attr(&w, CTRL_ATTR_FAMILY_NAME, TDISPD_PCI_TSM_FAMILY_NAME,
                    sizeof(TDISPD_PCI_TSM_FAMILY_NAME));
        return writer_finish(&w);
}

static bool dev_name_is_valid(const char *dev_name) {
        size_t n;

        if (!dev_name)
                return false;
        n = strlen(dev_name);
        if (n == 0 || n >= TDISPD_PCI_TSM_DEV_NAME_MAX || strchr(dev_name, '/'))
                return false;
        for (const char *p = dev_name; *p; p++)
                if (*p <= 0x20 || *p >= 0x7f)
                        return false;
        return true;
}

int evidence_netlink_build_read_request(void *buf, size_t size, uint16_t family_id, uint32_t seq,
                                        const char *dev_name, unsigned type_mask, const void *nonce,
                                        size_t nonce_size) {
        MessageWriter w = { .buf = buf, .size = size };
        uint32_t mask = type_mask;

        assert(buf);

        if (!dev_name_is_valid(dev_name))
                return -EINVAL;
        if (type_mask == 0 || (type_mask & ~EVIDENCE_TYPE_MASK_ALL))
                return -EINVAL;
        if ((nonce_size > 0) != !!nonce || nonce_size > TDISPD_PCI_TSM_NONCE_MAX)
                return -EINVAL;

        writer_header(&w, family_id, NLM_F_REQUEST | NLM_F_DUMP, seq, TDISPD_PCI_TSM_CMD_EVIDENCE_READ,
                      TDISPD_PCI_TSM_FAMILY_VERSION);
        writer_attr(&w, TDISPD_PCI_TSM_A_TYPE_MASK, &mask, sizeof(mask));
        writer_attr(&w, TDISPD_PCI_TSM_A_DEV_NAME, dev_name, strlen(dev_name) + 1);
        if (nonce_size > 0)
                writer_attr(&w, TDISPD_PCI_TSM_A_NONCE, nonce, nonce_size);
        return writer_finish(&w);
}

/* -- parsing replies -- */

/* Walks the netlink messages of one datagram. */
typedef struct MessageIter {
        const uint8_t *p;
        size_t left;
} MessageIter;

/* 1 and the next message (header copied, payload pointer and length), 0 at the end, -EBADMSG for a
 * length that does not fit. */
static int message_next(MessageIter *it, struct nlmsghdr *ret_header, const uint8_t **ret_payload,
                        size_t *ret_payload_size) {
        struct nlmsghdr h;
        size_t step;

        if (it->left == 0)
                return 0;
        if (it->left < sizeof(h))
                return -EBADMSG;
        memcpy(&h, it->p, sizeof(h));
        if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > it->left)
                return -EBADMSG;

        *ret_header = h;
        *ret_payload = it->p + sizeof(h);
        *ret_payload_size = h.nlmsg_len - sizeof(h);

        /* The padding after the last message may be missing. */
        step = MIN((size_t) NLMSG_ALIGN(h.nlmsg_len), it->left);
        it->p += step;
        it->left -= step;
        return 1;
}

typedef struct AttrIter {
        const uint8_t *p;
        size_t left;
} AttrIter;

static int attr_next(AttrIter *it, uint16_t *ret_type, const uint8_t **ret_data, size_t *ret_size) {
        struct nlattr nla;
        size_t step;

        if (it->left == 0)
                return 0;
        if (it->left < sizeof(nla))
                return -EBADMSG;
        memcpy(&nla, it->p, sizeof(nla));
        if (nla.nla_len < NLA_HDRLEN || nla.nla_len > it->left)
                return -EBADMSG;

        *ret_type = nla.nla_type & NLA_TYPE_MASK;
        *ret_data = it->p + NLA_HDRLEN;
        *ret_size = nla.nla_len - NLA_HDRLEN;

        step = MIN((size_t) NLA_ALIGN(nla.nla_len), it->left);
        it->p += step;
        it->left -= step;
        return 1;
}

/* Keeps a printable copy of the kernel's extended-ack message, if there is one. */
static void parse_extack(const uint8_t *tlv, size_t size, char **ret_message) {
        AttrIter it = { .p = tlv, .left = size };
        const uint8_t *data;
        uint16_t type;
        size_t n;

        if (!ret_message)
                return;

        while (attr_next(&it, &type, &data, &n) > 0) {
                char *s;

                if (type != NLMSGERR_ATTR_MSG_TYPE)
                        continue;
                n = strnlen((const char *) data, MIN(n, (size_t) EVIDENCE_NETLINK_MESSAGE_MAX));
                s = strndup((const char *) data, n);
                if (!s)
                        return;
                for (char *c = s; *c; c++)
                        if (*c < 0x20 || *c > 0x7e)
                                *c = '?';
                free(*ret_message);
                *ret_message = s;
                return;
        }
}

/* A kernel errno as carried by NLMSG_ERROR and NLMSG_DONE: 0 or -1…-4095. */
static bool kernel_error_is_valid(int32_t error) {
        return error <= 0 && error >= -4095;
}

/* NLMSG_ERROR: struct nlmsgerr, then (unless NLM_F_CAPPED) the rest of the request, then (with
 * NLM_F_ACK_TLVS) extended-ack attributes. Returns the kernel's error; an ACK (0) is not expected by
 * any request tdispd sends. */
static int parse_error_message(const struct nlmsghdr *h, const uint8_t *payload, size_t size,
                               char **ret_message) {
        struct nlmsgerr e;
        size_t offset = sizeof(e);

        if (size < sizeof(e))
                return -EBADMSG;
        memcpy(&e, payload, sizeof(e));
        if (!kernel_error_is_valid(e.error) || e.error == 0)
                return -EBADMSG;

        if (h->nlmsg_flags & NLM_F_ACK_TLVS) {
                if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
                        if (e.msg.nlmsg_len < sizeof(struct nlmsghdr))
                                return e.error;
                        offset += NLMSG_ALIGN(e.msg.nlmsg_len - sizeof(struct nlmsghdr));
                }
                if (offset < size)
                        parse_extack(payload + offset, size - offset, ret_message);
        }
        return e.error;
}

int evidence_netlink_parse_family_reply(const void *buf, size_t size, uint32_t seq, uint16_t *ret_family_id,
                                        char **ret_message) {
        MessageIter it = { .p = buf, .left = size };
        bool have_id = false, have_name = false, have_version = false;
        const uint8_t *payload, *data;
        struct genlmsghdr g;
        struct nlmsghdr h;
        uint32_t version = 0;
        uint16_t id = 0, type;
        size_t n, len;
        AttrIter ai;
        int r;

        assert(buf || size == 0);
        assert(ret_family_id);

        /* The reply is a single message: the family, or an error. */
        r = message_next(&it, &h, &payload, &n);
        if (r <= 0 || it.left != 0 || h.nlmsg_seq != seq)
                return -EBADMSG;

        if (h.nlmsg_type == NLMSG_ERROR)
                return parse_error_message(&h, payload, n, ret_message);
        if (h.nlmsg_type != GENL_ID_CTRL || n < GENL_HDRLEN)
                return -EBADMSG;
        memcpy(&g, payload, sizeof(g));
        if (g.cmd != CTRL_CMD_NEWFAMILY)
                return -EBADMSG;

        ai = (AttrIter) { .p = payload + GENL_HDRLEN, .left = n - GENL_HDRLEN };
        while ((r = attr_next(&ai, &type, &data, &len)) > 0)
                switch (type) {
                case CTRL_ATTR_FAMILY_ID:
                        if (len != sizeof(uint16_t) || have_id)
                                return -EBADMSG;
                        memcpy(&id, data, sizeof(id));
                        have_id = true;
                        break;
                case CTRL_ATTR_FAMILY_NAME:
                        if (have_name || len != sizeof(TDISPD_PCI_TSM_FAMILY_NAME) ||
                            memcmp(data, TDISPD_PCI_TSM_FAMILY_NAME, len) != 0)
                                return -EBADMSG;
                        have_name = true;
                        break;
                case CTRL_ATTR_VERSION:
                        if (len != sizeof(uint32_t) || have_version)
                                return -EBADMSG;
                        memcpy(&version, data, sizeof(version));
                        have_version = true;
                        break;
                default:
                        /* ops, multicast groups, header size, …: not needed */
                        break;
                }
        if (r < 0)
                return r;

        if (!have_id || !have_name || id < NLMSG_MIN_TYPE)
                return -EBADMSG;
        /* Our attribute numbering is that of one version; another may mean anything. */
        if (have_version && version != TDISPD_PCI_TSM_FAMILY_VERSION)
                return -EPROTONOSUPPORT;

        *ret_family_id = id;
        return 0;
}

/* One evidence-read message: TYPE (u32) starts an object, VAL is a chunk. */
static int parse_evidence_message(const uint8_t *payload, size_t size, EvidenceAssembler *a) {
        const uint8_t *val = NULL, *data;
        bool have_type = false;
        size_t val_size = 0, len;
        uint32_t object_type = 0;
        struct genlmsghdr g;
        uint16_t type;
        AttrIter ai;
        int r;

        if (size < GENL_HDRLEN)
                return -EBADMSG;
        memcpy(&g, payload, sizeof(g));
        if (g.cmd != TDISPD_PCI_TSM_CMD_EVIDENCE_READ)
                return -EBADMSG;

        ai = (AttrIter) { .p = payload + GENL_HDRLEN, .left = size - GENL_HDRLEN };
        while ((r = attr_next(&ai, &type, &data, &len)) > 0)
                switch (type) {
                case TDISPD_PCI_TSM_A_TYPE:
                        if (len != sizeof(uint32_t) || have_type)
                                return -EBADMSG;
                        memcpy(&object_type, data, sizeof(object_type));
                        have_type = true;
                        break;
                case TDISPD_PCI_TSM_A_VAL:
                        if (val)
                                return -EBADMSG;
                        val = data;
                        val_size = len;
                        break;
                default:
                        /* Attributes a newer kernel adds are not ours to interpret. */
                        break;
                }
        if (r < 0)
                return r;

        if (have_type) {
                if (object_type >= _EVIDENCE_TYPE_MAX)
                        return -EBADMSG;
                return evidence_assembler_feed(a, (int) object_type, val ?: payload, val_size);
        }
        if (!val)
                return -EBADMSG;
        return evidence_assembler_feed(a, EVIDENCE_CONTINUATION, val, val_size);
}

int evidence_netlink_parse_reply(const void *buf, size_t size, uint16_t family_id, uint32_t seq,
                                 EvidenceAssembler *a, char **ret_message) {
        MessageIter it = { .p = buf, .left = size };
        struct nlmsghdr h;
        const uint8_t *payload;
        size_t n;
        int r;

        assert(buf || size == 0);
        assert(a);

        if (size == 0)
                return -EBADMSG;

        while ((r = message_next(&it, &h, &payload, &n)) > 0) {
                if (h.nlmsg_seq != seq)
                        return -EBADMSG;

                switch (h.nlmsg_type) {
                case NLMSG_NOOP:
                        continue;
                case NLMSG_ERROR:
                        return parse_error_message(&h, payload, n, ret_message);
                case NLMSG_DONE: {
                        int32_t error;

                        if (n < sizeof(error))
                                return -EBADMSG;
                        memcpy(&error, payload, sizeof(error));
                        if (!kernel_error_is_valid(error))
                                return -EBADMSG;
                        if (h.nlmsg_flags & NLM_F_ACK_TLVS)
                                parse_extack(payload + sizeof(error), n - sizeof(error), ret_message);
                        if (error < 0)
                                return error;
                        if (h.nlmsg_flags & NLM_F_DUMP_INTR)
                                return -EAGAIN;
                        /* The dump is over; nothing may follow it. */
                        return it.left == 0 ? 1 : -EBADMSG;
                }
                case NLMSG_OVERRUN:
                        return -EBADMSG;
                }

                if (h.nlmsg_type != family_id)
                        return -EBADMSG;
                /* The kernel's consistency check failed: what came so far may mix two evidence
                 * generations. */
                if (h.nlmsg_flags & NLM_F_DUMP_INTR)
                        return -EAGAIN;
                r = parse_evidence_message(payload, n, a);
                if (r < 0)
                        return r;
        }
        return r;
}

/* -- the socket -- */

static uint64_t now_usec(void) {
        struct timespec ts;

        /* CLOCK_MONOTONIC always exists. */
        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U;
}

static int socket_set_timeout(int fd, uint64_t deadline) {
        uint64_t now = now_usec(), left;
        struct timeval tv;

        if (now >= deadline)
                return -ETIMEDOUT;
        /* A zero timeval would mean "block forever". */
        left = MAX(deadline - now, (uint64_t) 1000U);
        tv = (struct timeval){ .tv_sec = (time_t) (left / 1000000U),
                               .tv_usec = (suseconds_t) (left % 1000000U) };
        if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
                return -errno;
        return 0;
}

static int netlink_open(void) {
        _cleanup_close_ int fd = -EBADF;
        int one = 1;

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
        if (fd < 0)
                return -errno;
        /* Extended acks give the kernel's reason for a refused request (e.g. which attribute);
         * capped acks keep our own request out of error messages. Both are optional. */
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
        return TAKE_FD(fd);
}

static int netlink_send(int fd, const void *msg, size_t size, uint64_t deadline) {
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
        ssize_t n;
        int r;

        r = socket_set_timeout(fd, deadline);
        if (r < 0)
                return r;
        n = sendto(fd, msg, size, 0, (const struct sockaddr *) &kernel, sizeof(kernel));
        if (n < 0)
                return errno == EAGAIN ? -ETIMEDOUT : -errno;
        if ((size_t) n != size)
                return -EIO;
        return 0;
}

/* Receives one datagram from the kernel; datagrams from other sockets are dropped. */
static int netlink_receive(int fd, uint8_t *buf, size_t size, uint64_t deadline, size_t *ret_size) {
        for (;;) {
                struct sockaddr_nl sender = {};
                struct iovec iov = { .iov_base = buf, .iov_len = size };
                struct msghdr mh = {
                        .msg_name = &sender,
                        .msg_namelen = sizeof(sender),
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                };
                ssize_t n;
                int r;

                r = socket_set_timeout(fd, deadline);
                if (r < 0)
                        return r;
                n = recvmsg(fd, &mh, 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return IN_SET(errno, EAGAIN, EWOULDBLOCK) ? -ETIMEDOUT : -errno;
                }
                if (mh.msg_flags & MSG_TRUNC)
                        return -EBADMSG;
                if (mh.msg_namelen != sizeof(sender) || sender.nl_family != AF_NETLINK || sender.nl_pid != 0)
                        continue;

                *ret_size = (size_t) n;
                return 0;
        }
}

static int resolve_family(int fd, uint8_t *buf, size_t size, uint32_t seq, uint64_t deadline,
                          uint16_t *ret_family_id, char **ret_message) {
        size_t n;
        int r;

        r = evidence_netlink_build_family_request(buf, size, seq);
        if (r < 0)
                return r;
        r = netlink_send(fd, buf, (size_t) r, deadline);
        if (r < 0)
                return r;
        r = netlink_receive(fd, buf, size, deadline, &n);
        if (r < 0)
                return r;
        return evidence_netlink_parse_family_reply(buf, n, seq, ret_family_id, ret_message);
}

/* One attempt, on a fresh socket: abandoning a socket is the simplest way to be sure that no
 * message of an interrupted dump is mistaken for part of the next one. */
static int read_attempt(uint16_t family_id, uint32_t seq, const char *dev_name, unsigned type_mask,
                        const void *nonce, size_t nonce_size, uint64_t deadline, uint8_t *buf, size_t size,
                        EvidenceAssembler *a, char **ret_message) {
        _cleanup_close_ int fd = -EBADF;
        size_t n;
        int r;

        fd = netlink_open();
        if (fd < 0)
                return fd;

        r = evidence_netlink_build_read_request(buf, size, family_id, seq, dev_name, type_mask, nonce,
                                                nonce_size);
        if (r < 0)
                return r;
        r = netlink_send(fd, buf, (size_t) r, deadline);
        if (r < 0)
                return r;

        do {
                r = netlink_receive(fd, buf, size, deadline, &n);
                if (r < 0)
                        return r;
                r = evidence_netlink_parse_reply(buf, n, family_id, seq, a, ret_message);
        } while (r == 0);

        return r;
}

int evidence_netlink_read(const char *dev_name, unsigned type_mask, const void *nonce, size_t nonce_size,
                          uint64_t timeout_usec, EvidenceSet **ret, char **ret_message) {
        _cleanup_(evidence_assembler_done) EvidenceAssembler a = {};
        _cleanup_(evidence_set_freep) EvidenceSet *set = NULL;
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_free_ char *message = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint64_t deadline;
        uint16_t family_id = 0;
        uint32_t seq;
        int r;

        assert(ret);

        if (!dev_name_is_valid(dev_name) || type_mask == 0 || (type_mask & ~EVIDENCE_TYPE_MASK_ALL) ||
            (nonce_size > 0) != !!nonce || nonce_size > TDISPD_PCI_TSM_NONCE_MAX)
                return -EINVAL;

        deadline = now_usec() + MIN(timeout_usec, UINT64_MAX / 2);
        /* Sequence numbers only have to differ between the requests of one socket; starting from
         * the clock keeps them unlike any other reader's in a packet trace. */
        seq = (uint32_t) now_usec();

        buf = malloc(EVIDENCE_NETLINK_BUFFER_SIZE);
        if (!buf)
                return -ENOMEM;

        fd = netlink_open();
        if (fd < 0)
                return fd;
        r = resolve_family(fd, buf, EVIDENCE_NETLINK_BUFFER_SIZE, ++seq, deadline, &family_id, &message);
        if (r < 0)
                goto fail;
        (void) close(TAKE_FD(fd));

        evidence_assembler_init(&a);
        for (unsigned attempt = 1;; attempt++) {
                message = mfree(message);
                r = read_attempt(family_id, ++seq, dev_name, type_mask, nonce, nonce_size, deadline, buf,
                                 EVIDENCE_NETLINK_BUFFER_SIZE, &a, &message);
                if (r != -EAGAIN || attempt >= EVIDENCE_NETLINK_ATTEMPTS_MAX)
                        break;
                /* The evidence changed while it was being read: none of it may be used. */
                evidence_assembler_reset(&a);
        }
        if (r < 0)
                goto fail;

        r = evidence_assembler_finish(&a, &set);
        if (r < 0)
                goto fail;
        /* The kernel reports missing evidence as -ENXIO; an empty dump means the same. */
        if (evidence_set_count(set) == 0) {
                r = -ENXIO;
                goto fail;
        }

        *ret = TAKE_PTR(set);
        if (ret_message)
                *ret_message = NULL;
        return 0;

fail:
        if (ret_message)
                *ret_message = TAKE_PTR(message);
        return r;
}

// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tsm-evidence-dump: read a PCI device's TSM evidence over the pci-tsm generic netlink family.
 *
 * A test tool for the VM (built with -static so it runs in a bare initramfs): it speaks raw
 * netlink, without libnl, and computes SHA-256 itself, so it needs nothing but libc. It prints one
 * line per object and a final status line, and exits with the errno of a failure:
 *
 *   object type=cert0 size=6036 sha256=<hex>
 *   object type=report size=52 sha256=<hex> hex=<the bytes, when 64 or fewer, or with -x>
 *   status=0
 *   status=-11 EAGAIN message="..."          (exit code 11)
 *
 * Usage: tsm-evidence-dump [-t TYPES] [-d] [-n NONCEHEX] [-o DIR] [-r RETRIES] [-x] [-c] DEVICE
 *   -t  comma-separated cert0..cert7, vca, measurements, report, all (default all)
 *   -d  ask for the TSM's digests instead of the objects (flags bit 0)
 *   -n  nonce, in hex
 *   -o  also write each object to DIR/<type>.bin
 *   -r  start over this many times when the evidence changed during the read (-EAGAIN)
 *   -x  print every object in hex
 *   -c  print the chunking: one "chunk type=T size=N" line per netlink message
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pci-tsm-uapi.h"

#define OBJECT_MAX (16u << 20) /* the proposal's upper bound for one object */
#define RECV_BUF (64u << 10)   /* larger than any dump skb, so no message is truncated */

static const char *const type_names[] = {
        "cert0", "cert1", "cert2", "cert3", "cert4", "cert5", "cert6", "cert7", "vca", "measurements", "report",
};

struct object {
        bool present;
        uint8_t *buf;
        size_t len;
};

struct options {
        uint32_t type_mask;
        uint32_t flags;
        uint8_t nonce[PCI_TSM_EVIDENCE_NONCE_MAX];
        size_t nonce_len;
        const char *out_dir;
        unsigned int retries;
        bool hex_all;
        bool show_chunks;
        const char *dev;
};

/* ---- SHA-256 (FIPS 180-4), enough for printing digests ---- */

struct sha256 {
        uint32_t h[8];
        uint64_t total;
        uint8_t block[64];
        size_t used;
};

static const uint32_t sha256_k[64] = {
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror32(uint32_t x, unsigned int n) {
        return (x >> n) | (x << (32 - n));
}

static void sha256_init(struct sha256 *s) {
        static const uint32_t iv[8] = {
                0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
        };

        memset(s, 0, sizeof(*s));
        memcpy(s->h, iv, sizeof(iv));
}

static void sha256_compress(struct sha256 *s, const uint8_t *p) {
        uint32_t w[64], a, b, c, d, e, f, g, h;

        for (int i = 0; i < 16; i++)
                w[i] = (uint32_t) p[4 * i] << 24 | (uint32_t) p[4 * i + 1] << 16 | (uint32_t) p[4 * i + 2] << 8 |
                       p[4 * i + 3];
        for (int i = 16; i < 64; i++) {
                uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
                uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);

                w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
        e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
        for (int i = 0; i < 64; i++) {
                uint32_t t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) + sha256_k[i] +
                              w[i];
                uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));

                h = g, g = f, f = e, e = d + t1;
                d = c, c = b, b = a, a = t1 + t2;
        }
        s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
        s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

static void sha256_update(struct sha256 *s, const uint8_t *p, size_t n) {
        s->total += n;
        while (n > 0) {
                size_t take = sizeof(s->block) - s->used;

                if (take > n)
                        take = n;
                memcpy(s->block + s->used, p, take);
                s->used += take, p += take, n -= take;
                if (s->used == sizeof(s->block)) {
                        sha256_compress(s, s->block);
                        s->used = 0;
                }
        }
}

static void sha256_final(struct sha256 *s, uint8_t out[32]) {
        uint64_t bits = s->total * 8;
        uint8_t pad[72] = { 0x80 };
        size_t padlen = (s->used < 56 ? 56 : 120) - s->used;

        for (int i = 0; i < 8; i++)
                pad[padlen + i] = bits >> (56 - 8 * i);
        sha256_update(s, pad, padlen + 8);
        for (int i = 0; i < 8; i++)
                for (int j = 0; j < 4; j++)
                        out[4 * i + j] = s->h[i] >> (24 - 8 * j);
}

/* ---- netlink ---- */

struct request {
        struct nlmsghdr nlh;
        struct genlmsghdr genl;
        uint8_t attrs[256];
};

static void put_attr(struct request *req, uint16_t type, const void *data, size_t len) {
        struct nlattr *nla = (struct nlattr *) ((uint8_t *) req + NLMSG_ALIGN(req->nlh.nlmsg_len));

        nla->nla_type = type;
        nla->nla_len = NLA_HDRLEN + len;
        memcpy((uint8_t *) nla + NLA_HDRLEN, data, len);
        req->nlh.nlmsg_len = NLMSG_ALIGN(req->nlh.nlmsg_len) + NLA_ALIGN(nla->nla_len);
}

static int send_request(int fd, struct request *req) {
        struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

        if (sendto(fd, req, req->nlh.nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof(kernel)) < 0)
                return -errno;
        return 0;
}

/* Prints the extended-ack message that follows an error, if the kernel sent one. */
static void ext_ack_message(const struct nlmsghdr *nlh, size_t offset, char *ret, size_t size) {
        const uint8_t *p = (const uint8_t *) nlh + NLMSG_HDRLEN + offset;
        const uint8_t *end = (const uint8_t *) nlh + nlh->nlmsg_len;

        ret[0] = '\0';
        if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
                return;
        while (p + NLA_HDRLEN <= end) {
                const struct nlattr *nla = (const struct nlattr *) p;

                if (nla->nla_len < NLA_HDRLEN || p + nla->nla_len > end)
                        return;
                if ((nla->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
                        snprintf(ret, size, "%.*s", (int) (nla->nla_len - NLA_HDRLEN), (const char *) p + NLA_HDRLEN);
                        /* Strip the NUL the kernel includes. */
                        ret[strnlen(ret, size)] = '\0';
                        return;
                }
                p += NLA_ALIGN(nla->nla_len);
        }
}

static int resolve_family(int fd, char *msg, size_t msgsize) {
        struct request req = {
                .nlh = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN), .nlmsg_type = GENL_ID_CTRL,
                         .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 },
                .genl = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 },
        };
        static uint8_t buf[RECV_BUF];
        ssize_t n;
        int r;

        put_attr(&req, CTRL_ATTR_FAMILY_NAME, PCI_TSM_FAMILY_NAME, sizeof(PCI_TSM_FAMILY_NAME));
        r = send_request(fd, &req);
        if (r < 0)
                return r;
        n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0)
                return -errno;
        for (struct nlmsghdr *nlh = (struct nlmsghdr *) buf; NLMSG_OK(nlh, (size_t) n); nlh = NLMSG_NEXT(nlh, n)) {
                if (nlh->nlmsg_type == NLMSG_ERROR) {
                        const struct nlmsgerr *e = NLMSG_DATA(nlh);

                        ext_ack_message(nlh, sizeof(*e), msg, msgsize);
                        if (e->error == -ENOENT && !msg[0])
                                snprintf(msg, msgsize, "no %s generic netlink family (module not loaded?)",
                                         PCI_TSM_FAMILY_NAME);
                        return e->error ? e->error : -EPROTO;
                }
                if (nlh->nlmsg_type != GENL_ID_CTRL)
                        continue;
                const uint8_t *p = (const uint8_t *) NLMSG_DATA(nlh) + GENL_HDRLEN;
                const uint8_t *end = (const uint8_t *) nlh + nlh->nlmsg_len;
                while (p + NLA_HDRLEN <= end) {
                        const struct nlattr *nla = (const struct nlattr *) p;

                        if (nla->nla_len < NLA_HDRLEN || p + nla->nla_len > end)
                                break;
                        if (nla->nla_type == CTRL_ATTR_FAMILY_ID && nla->nla_len >= NLA_HDRLEN + 2) {
                                uint16_t id;

                                memcpy(&id, p + NLA_HDRLEN, sizeof(id));
                                return id;
                        }
                        p += NLA_ALIGN(nla->nla_len);
                }
        }
        return -EPROTO;
}

struct dump_state {
        struct object objects[__PCI_TSM_EVIDENCE_TYPE_MAX];
        int current; /* type of the object being received, -1 before the first TYPE */
        bool show_chunks;
};

static void dump_state_reset(struct dump_state *st) {
        for (size_t i = 0; i < __PCI_TSM_EVIDENCE_TYPE_MAX; i++) {
                free(st->objects[i].buf);
                st->objects[i] = (struct object) {};
        }
        st->current = -1;
}

/* One evidence message: an optional TYPE starting a new object, then a VAL chunk. */
static int handle_evidence(struct dump_state *st, const struct nlmsghdr *nlh, char *msg, size_t msgsize) {
        const uint8_t *p = (const uint8_t *) NLMSG_DATA(nlh) + GENL_HDRLEN;
        const uint8_t *end = (const uint8_t *) nlh + nlh->nlmsg_len;
        bool had_type = false;

        while (p + NLA_HDRLEN <= end) {
                const struct nlattr *nla = (const struct nlattr *) p;
                size_t len = nla->nla_len - NLA_HDRLEN;

                if (nla->nla_len < NLA_HDRLEN || p + nla->nla_len > end)
                        break;
                if (nla->nla_type == PCI_TSM_A_EVIDENCE_TYPE) {
                        uint32_t type;

                        if (len != sizeof(type))
                                goto bad;
                        memcpy(&type, p + NLA_HDRLEN, sizeof(type));
                        if (type > PCI_TSM_EVIDENCE_TYPE_MAX || st->objects[type].present) {
                                snprintf(msg, msgsize, "unexpected object type %u", type);
                                return -EPROTO;
                        }
                        st->objects[type].present = true;
                        st->current = (int) type;
                        had_type = true;
                } else if (nla->nla_type == PCI_TSM_A_EVIDENCE_VAL) {
                        struct object *o;
                        uint8_t *grown;

                        if (st->current < 0) {
                                snprintf(msg, msgsize, "value chunk before any object type");
                                return -EPROTO;
                        }
                        o = &st->objects[st->current];
                        if (o->len + len > OBJECT_MAX) {
                                snprintf(msg, msgsize, "object larger than %u bytes", OBJECT_MAX);
                                return -EFBIG;
                        }
                        grown = realloc(o->buf, o->len + len + 1);
                        if (!grown)
                                return -ENOMEM;
                        memcpy(grown + o->len, p + NLA_HDRLEN, len);
                        o->buf = grown;
                        o->len += len;
                        if (st->show_chunks)
                                printf("chunk type=%s size=%zu%s\n", type_names[st->current], len,
                                       had_type ? " first" : "");
                }
                p += NLA_ALIGN(nla->nla_len);
        }
        return 0;
bad:
        snprintf(msg, msgsize, "malformed evidence message");
        return -EPROTO;
}

/* One evidence-read dump. 0 when NLMSG_DONE reports success, else the negative errno. */
static int evidence_read(int fd, uint16_t family, const struct options *opt, struct dump_state *st, char *msg,
                         size_t msgsize) {
        static uint32_t seq = 100;
        struct request req = {
                .nlh = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN), .nlmsg_type = family,
                         .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = ++seq },
                .genl = { .cmd = PCI_TSM_CMD_EVIDENCE_READ, .version = PCI_TSM_FAMILY_VERSION },
        };
        static uint8_t buf[RECV_BUF];
        int r;

        put_attr(&req, PCI_TSM_A_EVIDENCE_TYPE_MASK, &opt->type_mask, sizeof(opt->type_mask));
        if (opt->flags)
                put_attr(&req, PCI_TSM_A_EVIDENCE_FLAGS, &opt->flags, sizeof(opt->flags));
        put_attr(&req, PCI_TSM_A_EVIDENCE_DEV_NAME, opt->dev, strlen(opt->dev) + 1);
        if (opt->nonce_len)
                put_attr(&req, PCI_TSM_A_EVIDENCE_NONCE, opt->nonce, opt->nonce_len);
        r = send_request(fd, &req);
        if (r < 0)
                return r;

        for (;;) {
                ssize_t n = recv(fd, buf, sizeof(buf), MSG_TRUNC);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if ((size_t) n > sizeof(buf)) {
                        snprintf(msg, msgsize, "netlink message truncated (%zd bytes)", n);
                        return -EMSGSIZE;
                }
                for (struct nlmsghdr *nlh = (struct nlmsghdr *) buf; NLMSG_OK(nlh, (size_t) n);
                     nlh = NLMSG_NEXT(nlh, n)) {
                        if (nlh->nlmsg_seq != req.nlh.nlmsg_seq)
                                continue;
                        if (nlh->nlmsg_type == NLMSG_ERROR) {
                                const struct nlmsgerr *e = NLMSG_DATA(nlh);

                                ext_ack_message(nlh, sizeof(*e), msg, msgsize);
                                return e->error ? e->error : -EPROTO;
                        }
                        if (nlh->nlmsg_type == NLMSG_DONE) {
                                int err = 0;

                                if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(err)))
                                        memcpy(&err, NLMSG_DATA(nlh), sizeof(err));
                                ext_ack_message(nlh, sizeof(err), msg, msgsize);
                                return err;
                        }
                        if (nlh->nlmsg_type != family)
                                continue;
                        r = handle_evidence(st, nlh, msg, msgsize);
                        if (r < 0)
                                return r;
                }
        }
}

/* ---- output ---- */

static void print_hex(const uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                printf("%02x", p[i]);
}

static int write_object(const char *dir, const char *name, const struct object *o) {
        char path[4096];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s.bin", dir, name);
        f = fopen(path, "we");
        if (!f)
                return -errno;
        if (o->len > 0 && fwrite(o->buf, o->len, 1, f) != 1) {
                fclose(f);
                return -EIO;
        }
        return fclose(f) == 0 ? 0 : -errno;
}

static int print_objects(const struct dump_state *st, const struct options *opt) {
        for (size_t t = 0; t < __PCI_TSM_EVIDENCE_TYPE_MAX; t++) {
                const struct object *o = &st->objects[t];
                struct sha256 s;
                uint8_t digest[32];

                if (!o->present)
                        continue;
                sha256_init(&s);
                sha256_update(&s, o->buf, o->len);
                sha256_final(&s, digest);
                printf("object type=%s size=%zu sha256=", type_names[t], o->len);
                print_hex(digest, sizeof(digest));
                if (opt->hex_all || o->len <= 64) {
                        printf(" hex=");
                        print_hex(o->buf, o->len);
                }
                printf("\n");
                if (opt->out_dir) {
                        int r = write_object(opt->out_dir, type_names[t], o);

                        if (r < 0) {
                                fprintf(stderr, "cannot write %s/%s.bin: %s\n", opt->out_dir, type_names[t],
                                        strerror(-r));
                                return r;
                        }
                }
        }
        return 0;
}

/* ---- arguments ---- */

static int parse_types(const char *arg, uint32_t *ret) {
        char *copy = strdup(arg), *save = NULL;
        uint32_t mask = 0;

        if (!copy)
                return -ENOMEM;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                size_t t;

                if (strcmp(tok, "all") == 0) {
                        mask |= PCI_TSM_EVIDENCE_TYPE_MASK_ALL;
                        continue;
                }
                for (t = 0; t < __PCI_TSM_EVIDENCE_TYPE_MAX; t++)
                        if (strcmp(tok, type_names[t]) == 0)
                                break;
                if (t == __PCI_TSM_EVIDENCE_TYPE_MAX) {
                        free(copy);
                        return -EINVAL;
                }
                mask |= 1u << t;
        }
        free(copy);
        *ret = mask;
        return 0;
}

static int parse_hex(const char *arg, uint8_t *out, size_t max, size_t *ret_len) {
        size_t len = strlen(arg);

        if (len == 0 || len % 2 || len / 2 > max)
                return -EINVAL;
        for (size_t i = 0; i < len / 2; i++) {
                char byte[3] = { arg[2 * i], arg[2 * i + 1], '\0' };
                char *end;
                unsigned long v = strtoul(byte, &end, 16);

                if (*end)
                        return -EINVAL;
                out[i] = v;
        }
        *ret_len = len / 2;
        return 0;
}

static int parse_unsigned(const char *arg, unsigned int *ret) {
        char *end;
        unsigned long v;

        errno = 0;
        v = strtoul(arg, &end, 10);
        if (errno || *end || end == arg || v > 1000000)
                return -EINVAL;
        *ret = v;
        return 0;
}

static void usage(FILE *f) {
        fprintf(f, "Usage: tsm-evidence-dump [-t TYPES] [-d] [-n NONCEHEX] [-o DIR] [-r RETRIES] [-x] [-c] DEVICE\n"
                   "TYPES: comma-separated cert0..cert7, vca, measurements, report, all (default all)\n");
}

static void print_status(int r, const char *msg) {
        if (r == 0)
                printf("status=0\n");
        else
                printf("status=%d %s message=\"%s\"\n", r, strerrorname_np(-r) ?: "?", msg);
}

int main(int argc, char **argv) {
        struct options opt = { .type_mask = PCI_TSM_EVIDENCE_TYPE_MASK_ALL };
        struct dump_state st = { .current = -1 };
        char msg[256] = "";
        int c, fd, family, r;

        while ((c = getopt(argc, argv, "t:dn:o:r:xch")) != -1) {
                switch (c) {
                case 't':
                        if (parse_types(optarg, &opt.type_mask) < 0) {
                                fprintf(stderr, "bad type list '%s'\n", optarg);
                                return EINVAL;
                        }
                        break;
                case 'd':
                        opt.flags |= PCI_TSM_EVIDENCE_FLAG_DIGEST;
                        break;
                case 'n':
                        if (parse_hex(optarg, opt.nonce, sizeof(opt.nonce), &opt.nonce_len) < 0) {
                                fprintf(stderr, "bad nonce '%s' (hex, at most %d bytes)\n", optarg,
                                        PCI_TSM_EVIDENCE_NONCE_MAX);
                                return EINVAL;
                        }
                        break;
                case 'o':
                        opt.out_dir = optarg;
                        break;
                case 'r':
                        if (parse_unsigned(optarg, &opt.retries) < 0) {
                                fprintf(stderr, "bad retry count '%s'\n", optarg);
                                return EINVAL;
                        }
                        break;
                case 'x':
                        opt.hex_all = true;
                        break;
                case 'c':
                        st.show_chunks = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return EINVAL;
                }
        }
        if (optind + 1 != argc) {
                usage(stderr);
                return EINVAL;
        }
        opt.dev = argv[optind];

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
        if (fd < 0) {
                print_status(-errno, "cannot open a generic netlink socket");
                return errno;
        }
        /* Error messages from the kernel, and errors without the echoed request. */
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &(int) { 1 }, sizeof(int));
        (void) setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &(int) { 1 }, sizeof(int));

        family = resolve_family(fd, msg, sizeof(msg));
        if (family < 0) {
                print_status(family, msg);
                close(fd);
                return -family;
        }

        for (unsigned int attempt = 0;; attempt++) {
                dump_state_reset(&st);
                msg[0] = '\0';
                r = evidence_read(fd, (uint16_t) family, &opt, &st, msg, sizeof(msg));
                if (r != -EAGAIN || attempt >= opt.retries)
                        break;
                printf("retry after=%s\n", strerrorname_np(EAGAIN));
        }
        close(fd);
        if (r == 0)
                r = print_objects(&st, &opt);
        print_status(r, msg);
        dump_state_reset(&st);
        return -r;
}

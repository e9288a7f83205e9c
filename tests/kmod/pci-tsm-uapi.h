/* SPDX-License-Identifier: GPL-2.0-only WITH Linux-syscall-note */
/*
 * pci-tsm generic netlink family: evidence read, as emulated by tsm_emu.ko.
 *
 * The family follows the proposed devsec ABI ("PCI/TSM: TEE I/O infrastructure" v2, patch 08/19):
 * one dump-only operation, evidence-read, that streams SPDM/TDISP evidence objects of one PCI
 * device. The proposal is an RFC and its numbering is not fixed upstream, so the numbers below are
 * this project's own. Everything that depends on them (tsm_emu.ko, tsm-evidence-dump, tdispd's
 * netlink evidence backend) includes this one header, so a renumbering happens in one place.
 *
 * Wire protocol (see tests/kmod/README.md for the full contract):
 *   request:  PCI_TSM_CMD_EVIDENCE_READ, NLM_F_REQUEST|NLM_F_DUMP, with TYPE_MASK (required),
 *             DEV_NAME (required), FLAGS and NONCE (optional)
 *   reply:    for each object present, in ascending type order, one message carrying TYPE and the
 *             first VAL chunk, then zero or more messages carrying only VAL; the reader
 *             concatenates VAL payloads until the next TYPE
 *   errors:   from the request itself (NLMSG_ERROR): -EINVAL bad/missing attribute, -ENXIO no TSM
 *             context for the device or none of the requested objects exists, -ENODEV no such
 *             device, -EPERM without CAP_NET_ADMIN; during the dump (error code in NLMSG_DONE):
 *             -EAGAIN the evidence changed while it was being read (start again), -ENXIO the device
 *             lost its TSM context
 *
 * Kept free of kernel-only types so both the module and userspace can include it.
 */
#ifndef PCI_TSM_UAPI_H
#define PCI_TSM_UAPI_H

#define PCI_TSM_FAMILY_NAME "pci-tsm"
#define PCI_TSM_FAMILY_VERSION 1

enum pci_tsm_cmd {
        PCI_TSM_CMD_UNSPEC = 0,
        PCI_TSM_CMD_EVIDENCE_READ = 1,
        __PCI_TSM_CMD_MAX,
};
#define PCI_TSM_CMD_MAX (__PCI_TSM_CMD_MAX - 1)

enum pci_tsm_evidence_attr {
        PCI_TSM_A_EVIDENCE_UNSPEC = 0,
        PCI_TSM_A_EVIDENCE_TYPE_MASK = 1, /* u32, request, required: 1 << PCI_TSM_EVIDENCE_TYPE_* */
        PCI_TSM_A_EVIDENCE_FLAGS = 2,     /* u32, request, optional: PCI_TSM_EVIDENCE_FLAG_* */
        PCI_TSM_A_EVIDENCE_DEV_NAME = 3,  /* string, request, required: PCI device name, "0000:00:05.0" */
        PCI_TSM_A_EVIDENCE_NONCE = 4,     /* binary, request, optional: 1..PCI_TSM_EVIDENCE_NONCE_MAX bytes */
        PCI_TSM_A_EVIDENCE_TYPE = 5,      /* u32, reply: PCI_TSM_EVIDENCE_TYPE_*, starts an object */
        PCI_TSM_A_EVIDENCE_VAL = 6,       /* binary, reply: the next chunk of the current object */
        __PCI_TSM_A_EVIDENCE_MAX,
};
#define PCI_TSM_A_EVIDENCE_MAX (__PCI_TSM_A_EVIDENCE_MAX - 1)

enum pci_tsm_evidence_type {
        PCI_TSM_EVIDENCE_TYPE_CERT0 = 0, /* SPDM certificate chain, slot 0 ... */
        PCI_TSM_EVIDENCE_TYPE_CERT1 = 1,
        PCI_TSM_EVIDENCE_TYPE_CERT2 = 2,
        PCI_TSM_EVIDENCE_TYPE_CERT3 = 3,
        PCI_TSM_EVIDENCE_TYPE_CERT4 = 4,
        PCI_TSM_EVIDENCE_TYPE_CERT5 = 5,
        PCI_TSM_EVIDENCE_TYPE_CERT6 = 6,
        PCI_TSM_EVIDENCE_TYPE_CERT7 = 7,  /* ... slot 7 */
        PCI_TSM_EVIDENCE_TYPE_VCA = 8,    /* SPDM VERSION/CAPABILITIES/ALGORITHMS transcript */
        PCI_TSM_EVIDENCE_TYPE_MEASUREMENTS = 9, /* SPDM MEASUREMENTS response */
        PCI_TSM_EVIDENCE_TYPE_REPORT = 10, /* TDISP DEVICE_INTERFACE_REPORT; only while locked */
        __PCI_TSM_EVIDENCE_TYPE_MAX,
};
#define PCI_TSM_EVIDENCE_TYPE_MAX (__PCI_TSM_EVIDENCE_TYPE_MAX - 1)
#define PCI_TSM_EVIDENCE_TYPE_MASK_ALL ((1u << __PCI_TSM_EVIDENCE_TYPE_MAX) - 1)

/* Return the TSM's digest of each object instead of the object (tsm_emu: SHA-256, 32 bytes). */
#define PCI_TSM_EVIDENCE_FLAG_DIGEST (1u << 0)
#define PCI_TSM_EVIDENCE_FLAGS_ALL PCI_TSM_EVIDENCE_FLAG_DIGEST

/* SPDM nonces are 32 bytes; room is left for a TSM that wants more. */
#define PCI_TSM_EVIDENCE_NONCE_MAX 64
/* Longest PCI device name: "dddd:bb:dd.f" plus a 32-bit domain. */
#define PCI_TSM_DEV_NAME_MAX 32

#endif /* PCI_TSM_UAPI_H */

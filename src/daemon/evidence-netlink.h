/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* evidence-netlink.h — reading a device's evidence over the proposed "pci-tsm" generic netlink family.
 *
 * One read: resolve the family (CTRL_CMD_GETFAMILY), send an evidence-read dump request for one
 * device, feed every reply message to an EvidenceAssembler, and retry the whole read when the kernel
 * says the evidence changed underneath it (-EAGAIN). Raw netlink, no libnl.
 *
 * The message parsers and the request builder are pure functions over byte buffers, so the unit
 * test and the fuzzer drive exactly the code the daemon runs; only evidence_netlink_read() touches
 * a socket. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evidence.h"

/* Receive buffer: the emulator asks for dump skbs of one chunk (≤ 32 KiB) plus headers and several
 * messages may share a datagram; anything larger than the buffer would arrive truncated. */
#define EVIDENCE_NETLINK_BUFFER_SIZE (64U * 1024U)
/* Whole reads attempted while the kernel keeps answering -EAGAIN. */
#define EVIDENCE_NETLINK_ATTEMPTS_MAX 5U
/* Default bound on one read, all attempts together. */
#define EVIDENCE_NETLINK_TIMEOUT_USEC (10U * 1000U * 1000U)
/* Longest kernel (extack) error message kept. */
#define EVIDENCE_NETLINK_MESSAGE_MAX 256U

/* Builds the CTRL_CMD_GETFAMILY request for the pci-tsm family into buf. Returns its length, or
 * -ENOBUFS if buf is too small. */
int evidence_netlink_build_family_request(void *buf, size_t size, uint32_t seq);

/* Parses one datagram answering the request above. Returns 0 and the family id, -ENOENT when the
 * kernel has no such family, -EPROTONOSUPPORT for a family version other than the one pci-tsm.h
 * describes, another negative errno the kernel reported, or -EBADMSG for a malformed reply. */
int evidence_netlink_parse_family_reply(const void *buf, size_t size, uint32_t seq, uint16_t *ret_family_id,
                                        char **ret_message);

/* Builds the evidence-read dump request: type_mask (bits 1 << EvidenceType, non-zero, within
 * EVIDENCE_TYPE_MASK_ALL), dev_name (a PCI device name, shorter than 32 bytes), an optional nonce
 * (1…64 bytes, or NULL/0). Returns the length, -EINVAL for bad arguments, -ENOBUFS if buf is too
 * small. */
int evidence_netlink_build_read_request(void *buf, size_t size, uint16_t family_id, uint32_t seq,
                                        const char *dev_name, unsigned type_mask, const void *nonce,
                                        size_t nonce_size);

/* Parses one datagram of the evidence-read reply (one or more netlink messages) and feeds each
 * object chunk to a. Returns 0 when more datagrams are to come, 1 when the dump ended successfully
 * (NLMSG_DONE with 0), the negative errno the kernel reported in NLMSG_ERROR or NLMSG_DONE (-EAGAIN
 * for "the evidence changed, start over", also for NLM_F_DUMP_INTR; -ENXIO no evidence; -ENODEV no
 * such device; -EPERM; …), -EBADMSG for a malformed datagram, or the assembler's error. If the
 * kernel attached an extended-ack message and ret_message is non-NULL, *ret_message receives a
 * printable copy of it (replacing an earlier one). */
int evidence_netlink_parse_reply(const void *buf, size_t size, uint16_t family_id, uint32_t seq,
                                 EvidenceAssembler *a, char **ret_message);

/* Reads the evidence objects in type_mask of PCI device dev_name (with an optional nonce),
 * retrying up to EVIDENCE_NETLINK_ATTEMPTS_MAX times on -EAGAIN, within timeout_usec overall.
 *
 * Returns 0 and a non-empty set; -ENXIO when the device has no evidence (no TSM context, or none of
 * the requested objects exists); -ENOENT when the kernel has no pci-tsm family; -ENODEV no such
 * device; -EAGAIN when the evidence kept changing; -ETIMEDOUT; -EBADMSG or -E2BIG for a reply
 * tdispd refuses; -EPERM without CAP_NET_ADMIN. ret_message (may be NULL) receives the kernel's
 * extended-ack text for the error, or NULL.
 *
 * This blocks the caller for up to timeout_usec. The kernel answers from memory in microseconds,
 * so the bound only matters for a stuck kernel; a later change can move the socket onto sd-event
 * and make the read asynchronous without changing the parsers. */
int evidence_netlink_read(const char *dev_name, unsigned type_mask, const void *nonce, size_t nonce_size,
                          uint64_t timeout_usec, EvidenceSet **ret, char **ret_message);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pci-tsm.h — numbering of the proposed "pci-tsm" generic netlink family (evidence-read).
 *
 * The family is an RFC ("PCI/TSM: TEE I/O infrastructure" v2, patch 08/19) and its numbers are not
 * fixed upstream; these are the ones the test TSM emulator implements (tests/kmod/pci-tsm-uapi.h).
 * tdispd keeps its own copy so that the daemon does not build against a test tree; test-pci-tsm.c
 * includes both headers (hence the TDISPD_ prefix here) and fails to compile if they ever disagree.
 * When a kernel header lands, this file is where the daemon switches to it. The evidence type
 * numbers equal EvidenceType (evidence.h), which the same test checks. */
#pragma once

#define TDISPD_PCI_TSM_FAMILY_NAME "pci-tsm"
#define TDISPD_PCI_TSM_FAMILY_VERSION 1

/* Commands */
#define TDISPD_PCI_TSM_CMD_EVIDENCE_READ 1

/* Attributes of evidence-read */
#define TDISPD_PCI_TSM_A_TYPE_MASK 1    /* u32, request, required: 1 << type */
#define TDISPD_PCI_TSM_A_FLAGS 2        /* u32, request, optional */
#define TDISPD_PCI_TSM_A_DEV_NAME 3     /* string, request, required: "0000:00:05.0" */
#define TDISPD_PCI_TSM_A_NONCE 4        /* binary, request, optional: 1…NONCE_MAX bytes */
#define TDISPD_PCI_TSM_A_TYPE 5         /* u32, reply: starts an object */
#define TDISPD_PCI_TSM_A_VAL 6          /* binary, reply: the next chunk of the current object */

/* Longest nonce the family takes, and the longest device name including its NUL. */
#define TDISPD_PCI_TSM_NONCE_MAX 64
#define TDISPD_PCI_TSM_DEV_NAME_MAX 32

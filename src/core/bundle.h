/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bundle.h — the evidence bundle: what an exec: verifier reads on stdin.
 *
 * Version 1, one JSON object (documented for verifier authors in tdispd-verifier(7)):
 *
 *   {
 *     "version": 1,
 *     "nonce": "<lowercase hex>",                       only when the evidence was read with a nonce
 *     "devices": [                                      the devices awaiting a verdict, by name
 *       { "device": "0000:01:00.0", "bus": "pci",
 *         "vendor": "0x1b36", "device_id": "0x0005",    ids present only when known;
 *         "subsystem_vendor": "0x1af4", "subsystem_device": "0x1100",   16 bit ids as 0x + 4 digits,
 *         "class": "0x00ff00",                          the class as 0x + 6 digits
 *         "modalias": "pci:v…", "tsm": "tsm0",          when known
 *         "evidence_digest": "sha384:…",                evidence.h; what the verdict must name
 *         "objects": [ { "type": "cert0", "size": 6036, "sha384": "sha384:…", "data": "<base64>" },
 *                      … ] }
 *     ],
 *     "topology": [                                     every tracked device, by name, then bus
 *       { "device": "…", "bus": "…", <ids as above>, "driver": "…" (when bound), "state": "…" }
 *     ],
 *     "bundle_digest": "sha384:…"
 *   }
 *
 * Strings are printable ASCII: any other byte of a device-supplied value, and the backslash, are
 * written as "\xHH", so the JSON never carries control characters or invalid UTF-8.
 *
 * bundle_digest is SHA-384 over a sequence of netstrings, NS(s) = <decimal length of s> ":" s ",",
 * of the JSON string values exactly as they appear in the bundle ("" for an absent key):
 *
 *   NS("tdispd-bundle-v1") NS(nonce) NS(<number of devices, decimal>)
 *   for each device, in array order:  NS(device) NS(evidence_digest)
 *   NS(<number of topology entries, decimal>)
 *   for each entry, in array order:   NS(device) NS(bus) NS(vendor) NS(device_id) NS(subsystem_vendor)
 *                                     NS(subsystem_device) NS(class) NS(driver) NS(state)
 *
 * It names the whole question a verifier was asked (which evidence, which topology), so that a
 * lock_topology answer can be tied to the topology it judged. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "evidence.h"
#include "macro.h"
#include "sha384.h"

#define BUNDLE_VERSION 1
#define BUNDLE_DIGEST_TAG "tdispd-bundle-v1"
/* Raw evidence of all devices of one bundle together; base64 and JSON add a third on top. A
 * caller that hits this asks about fewer devices at a time. */
#define BUNDLE_EVIDENCE_SIZE_MAX (128U * 1024U * 1024U)
#define BUNDLE_NONCE_MAX 64U

/* Ids as in device-info.h: a DeviceIdField mask says which are known. */
typedef struct BundleIds {
        unsigned mask;                  /* DeviceIdField */
        uint32_t vendor, device, subsystem_vendor, subsystem_device;
        uint32_t class;
} BundleIds;

typedef struct BundleDevice {
        const char *device;             /* device name, "0000:01:00.0"; required, unique */
        const char *bus;                /* required */
        BundleIds ids;
        const char *modalias;           /* NULL when unknown */
        const char *tsm;                /* the TSM that locked it ("tsm0"), NULL when unknown */
        const EvidenceSet *evidence;    /* required */
} BundleDevice;

typedef struct BundleTopologyEntry {
        const char *device;             /* required */
        const char *bus;                /* required; (device, bus) is unique */
        BundleIds ids;
        const char *driver;             /* NULL when no driver is bound */
        const char *state;              /* device_state_to_string(); required */
} BundleTopologyEntry;

/* Builds the bundle. Devices are written sorted by name, the topology by name and then bus (names
 * are unique per bus only), whatever order they come in. Returns 0 with a NUL-terminated JSON text
 * ending in a newline (ret_size excludes the NUL) and, if ret_bundle_digest is non-NULL, the bundle
 * digest. -EINVAL for a missing required field, a device listed twice (in the topology: the same
 * name on the same bus twice) or a nonce longer than BUNDLE_NONCE_MAX; -E2BIG beyond
 * BUNDLE_EVIDENCE_SIZE_MAX. */
int bundle_build(const BundleDevice *devices, size_t n_devices, const BundleTopologyEntry *topology,
                 size_t n_topology, const void *nonce, size_t nonce_size, char **ret_json, size_t *ret_size,
                 char ret_bundle_digest[SHA384_STRING_MAX]);

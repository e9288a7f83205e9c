/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* state-file.h — what tdispd keeps in /run/tdispd across switch-root, restarts and crashes.
 *
 * The daemon writes the file atomically (write a temporary file, rename); this is only the pure
 * half: serialize a StateFile to JSON and parse it back. Version 1:
 *
 *   { "version": 1,
 *     "boot_id": "<32 lowercase hex digits>",
 *     "devices": [
 *       { "device": "0000:01:00.0", "syspath": "/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0",
 *         "bus": "pci", "vendor": "0x1b36", "device_id": "0x0005", "subsystem_vendor": "0x1af4",
 *         "subsystem_device": "0x1100", "class": "0xff0000",      ids only when known
 *         "decision_rule": "50-tdisp.policy",                      absent: the default action decided
 *         "state": "running",                                      device_state_to_string()
 *         "evidence_digest": "sha384:…",                           absent: no evidence read
 *         "verdict": "none" | "approve" | "reject",
 *         "verdict_digest": "sha384:…",                            the evidence the verdict judged
 *         "accepted": true,                                        tsm/accept written and read back
 *         "reason": "…" }                                          absent: none
 *     ],
 *     "topology": { "locked": true, "locked_at_usec": 1700000000000000,
 *                   "devices": [ { "device": "…", "bus": "…", "vendor": "0x…", "device_id": "0x…",
 *                                  "evidence_digest": "sha384:…" } ] } }
 *
 * Strings are "\xHH"-escaped (json-util.h), so any device name round-trips.
 *
 * The parser is paranoid: the file lives in /run, and a corrupt or hostile one must not make tdispd
 * believe a device was approved or accepted. Any deviation — unknown keys, unknown state or verdict
 * names, malformed digests, a device listed twice (the same syspath; in the topology the same name
 * on the same bus), a syspath outside /sys/devices, or fields that
 * contradict each other — fails the whole parse, and the daemon then trusts nothing in the file
 * (never a partially filled state). The consistency rules:
 *   - "verdict_digest" is present exactly when "verdict" is not "none";
 *   - "accepted": true requires "verdict": "approve" and verdict_digest == evidence_digest;
 *   - "locked_at_usec" is present exactly when "locked" is true, and an unlocked topology has no
 *     devices. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf-error.h"
#include "macro.h"
#include "outcome.h"
#include "sha384.h"

#define STATE_FILE_VERSION 1
#define STATE_FILE_INPUT_MAX (4U * 1024U * 1024U)
#define STATE_FILE_DEVICES_MAX 4096U
#define STATE_FILE_STRING_MAX 4096U     /* longest string field, as written (escaped) */
#define STATE_FILE_BOOT_ID_LENGTH 32U

typedef enum StateVerdict {
        STATE_VERDICT_NONE,
        STATE_VERDICT_APPROVE,
        STATE_VERDICT_REJECT,
        _STATE_VERDICT_MAX,
        _STATE_VERDICT_INVALID = -EINVAL,
} StateVerdict;

DECLARE_STRING_TABLE_LOOKUP(state_verdict, StateVerdict);

typedef struct StateDevice {
        char *device;                   /* device name, required */
        char *syspath;                  /* required, unique: /sys/devices/…/<device> */
        char *bus;                      /* required */
        unsigned ids;                   /* DeviceIdField: which ids below are known */
        uint32_t vendor, device_id, subsystem_vendor, subsystem_device, class;
        char *decision_rule;            /* policy_rule_label() of the rule that decided, NULL: default */
        DeviceState state;
        char evidence_digest[SHA384_STRING_MAX];        /* "" when no evidence was read */
        StateVerdict verdict;
        char verdict_digest[SHA384_STRING_MAX];         /* "" exactly when verdict is NONE */
        bool accepted;
        bool rejected;                  /* the relying party rejected its evidence and it fell back
                                         * (OnReject=); in the file only when true */
        char *reason;                   /* NULL when none */
} StateDevice;

typedef struct StateTopologyEntry {
        char *device;                   /* required */
        char *bus;                      /* required; (device, bus) is unique */
        unsigned ids;                   /* DEVICE_ID_VENDOR and DEVICE_ID_DEVICE only */
        uint32_t vendor, device_id;
        char evidence_digest[SHA384_STRING_MAX];        /* "" for a device without evidence */
} StateTopologyEntry;

typedef struct StateFile {
        char boot_id[STATE_FILE_BOOT_ID_LENGTH + 1];    /* sd_id128 text form, lowercase */
        StateDevice *devices;
        size_t n_devices;
        bool topology_locked;
        uint64_t topology_locked_at_usec;               /* as the daemon recorded it; 0 when unlocked */
        StateTopologyEntry *topology;
        size_t n_topology;
} StateFile;

int state_file_new(StateFile **ret);
StateFile *state_file_free(StateFile *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(StateFile *, state_file_free);

/* Append deep copies. */
int state_file_add_device(StateFile *s, const StateDevice *d);
int state_file_add_topology_entry(StateFile *s, const StateTopologyEntry *e);
/* What identifies a topology entry, "bus/device" (names are unique per bus only); NULL when out of
 * memory. */
char *state_topology_key(const char *bus, const char *device);

/* The first device with that name; names are unique per bus only, so prefer the syspath. */
const StateDevice *state_file_find_device(const StateFile *s, const char *device) _pure_;
const StateDevice *state_file_find_device_by_syspath(const StateFile *s, const char *syspath) _pure_;

/* Checks every rule the parser enforces: -EINVAL (the daemon's bug) when s could not be parsed back.
 * state_file_serialize() calls it first. */
int state_file_validate(const StateFile *s);

/* Writes s as JSON (pretty-printed, ending in a newline). -EINVAL if s is inconsistent. */
int state_file_serialize(const StateFile *s, char **ret, size_t *ret_size);

/* Parses a state file. -E2BIG above STATE_FILE_INPUT_MAX, -EPROTONOSUPPORT for another version,
 * -EBADMSG for anything else; ret_error names filename and the JSON path of the first problem. */
int state_file_parse(const char *data, size_t size, const char *filename, StateFile **ret,
                     ConfError *ret_error);

bool state_file_equal(const StateFile *a, const StateFile *b) _pure_;

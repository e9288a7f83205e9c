/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-draft.h — drafts policy files from the devices present now (tdispctl generate-policy).
 *
 * Like USBGuard's generate-policy, the draft allows what is there: a device that has a driver now
 * keeps that driver (Action=shared, Driver= pinned), a device without one stays without
 * (Action=deny). Devices of one kind — same bus, same identifiers — share one rule, so a VM with
 * eight identical virtio disks gets one file, not eight; devices without identifiers are matched by
 * modalias, or failing that by name. Every draft parses as a policy file and matches exactly the
 * devices it was drafted from (the unit test checks both). It is a starting point for review, not a
 * policy: in particular a device that offers TDISP is drafted as shared or denied, with a comment,
 * because accepting it needs a relying party that the draft cannot know. */
#pragma once

#include <stddef.h>

#include "device-info.h"
#include "macro.h"

typedef struct PolicyDraft {
        char *filename;                 /* "50-pci-8086-10d3.policy" */
        char *contents;
        char **devices;                 /* names of the devices it covers */
} PolicyDraft;

/* Drafts from n devices; source says where they were seen ("tdispd", "/sys"), for the comments.
 * Drafts come out ordered by file name. Devices that no rule can describe (a name with whitespace)
 * are left out and named in ret_skipped, which may be NULL. */
int policy_draft_generate(DeviceInfo *const *infos, size_t n, const char *source, PolicyDraft **ret,
                          size_t *ret_n, char ***ret_skipped);
void policy_draft_free_many(PolicyDraft *drafts, size_t n);

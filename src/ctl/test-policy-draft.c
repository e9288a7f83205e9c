/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-policy-draft.c — generate-policy's drafts: grouping, file names, and above all that every
 * draft parses as a policy file and matches exactly the devices it was drafted from. */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "policy-draft.h"
#include "policy.h"
#include "strv.h"

static DeviceInfo *device(const char *props) {
        _cleanup_strv_free_ char **l = NULL;
        DeviceInfo *d = NULL;

        /* Properties separated by ' ' for brevity; none of the values below contains one. */
        assert(strv_split_whitespace(props, &l) == 0);
        assert(device_info_from_properties(l, &d, NULL) >= 0);
        return d;
}

static const PolicyDraft *find(const PolicyDraft *drafts, size_t n, const char *filename) {
        for (size_t i = 0; i < n; i++)
                if (streq(drafts[i].filename, filename))
                        return &drafts[i];
        return NULL;
}

int main(void) {
        DeviceInfo *infos[] = {
                /* Three identical virtio disks: one rule. */
                device("DEVPATH=/devices/pci0000:00/0000:00:04.0 SUBSYSTEM=pci PCI_ID=1AF4:1042 PCI_SUBSYS_ID=1AF4:1100 "
                       "PCI_CLASS=10000 DRIVER=virtio-pci"),
                device("DEVPATH=/devices/pci0000:00/0000:00:05.0 SUBSYSTEM=pci PCI_ID=1AF4:1042 PCI_SUBSYS_ID=1AF4:1100 "
                       "PCI_CLASS=10000 DRIVER=virtio-pci"),
                device("DEVPATH=/devices/pci0000:00/0000:00:06.0 SUBSYSTEM=pci PCI_ID=1AF4:1042 PCI_SUBSYS_ID=1AF4:1100 "
                       "PCI_CLASS=10000 DRIVER=virtio-pci"),
                /* One model, two subsystems: two rules, told apart by name. */
                device("DEVPATH=/devices/pci0000:00/0000:00:03.0 SUBSYSTEM=pci PCI_ID=8086:10D3 PCI_SUBSYS_ID=8086:A01F "
                       "PCI_CLASS=20000 DRIVER=e1000e"),
                device("DEVPATH=/devices/pci0000:00/0000:00:07.0 SUBSYSTEM=pci PCI_ID=8086:10D3 PCI_SUBSYS_ID=1028:0001 "
                       "PCI_CLASS=20000"),
                /* Same identity, different drivers: shared, no Driver=. */
                device("DEVPATH=/devices/pci0000:00/0000:00:08.0 SUBSYSTEM=pci PCI_ID=1B36:0010 PCI_SUBSYS_ID=1AF4:1100 "
                       "PCI_CLASS=10802 DRIVER=nvme"),
                device("DEVPATH=/devices/pci0000:00/0000:00:09.0 SUBSYSTEM=pci PCI_ID=1B36:0010 PCI_SUBSYS_ID=1AF4:1100 "
                       "PCI_CLASS=10802 DRIVER=vfio-pci"),
                /* Identifiers from a virtio modalias, no driver: deny. */
                device("DEVPATH=/devices/pci0000:00/0000:00:04.0/virtio0 SUBSYSTEM=virtio MODALIAS=virtio:d00000002v00001AF4"),
                /* Modalias only. */
                device("DEVPATH=/devices/platform/serial8250 SUBSYSTEM=platform MODALIAS=platform:serial8250 "
                       "DRIVER=serial8250"),
                /* Glob characters in a modalias must match literally. */
                device("DEVPATH=/devices/platform/weird SUBSYSTEM=platform MODALIAS=of:Nweird[1]T*Cfoo?"),
                /* Neither: by name. */
                device("DEVPATH=/devices/platform/regulatory.0 SUBSYSTEM=platform"),
        };
        DeviceInfo *lookalike = device("DEVPATH=/devices/platform/weird2 SUBSYSTEM=platform MODALIAS=of:Nweird1TxCfoox");
        DeviceInfo *tdisp = device("DEVPATH=/devices/pci0000:00/0000:00:0a.0 SUBSYSTEM=pci PCI_ID=1AF4:1042 "
                                   "PCI_SUBSYS_ID=1AF4:1100 PCI_CLASS=10000");
        DeviceInfo *unnamed = calloc(1, sizeof(DeviceInfo));
        PolicyDraft *drafts = NULL, *again = NULL;
        _cleanup_strv_free_ char **skipped = NULL;
        size_t n = 0, n_again = 0;
        const PolicyDraft *p;

        tdisp->tdisp = true;
        assert(unnamed);
        unnamed->syspath = strdup("/sys/devices/platform/bad name");
        unnamed->sysname = strdup("bad name");
        unnamed->bus = strdup("platform");

        DeviceInfo *all[ELEMENTSOF(infos) + 2];
        memcpy(all, infos, sizeof(infos));
        all[ELEMENTSOF(infos)] = tdisp;
        all[ELEMENTSOF(infos) + 1] = unnamed;

        assert(policy_draft_generate(all, ELEMENTSOF(all), "tdispd", &drafts, &n, &skipped) == 0);
        assert(strv_length(skipped) == 1 && streq(skipped[0], "bad name"));

        for (size_t i = 0; i < n; i++)
                printf("=== %s\n%s\n", drafts[i].filename, drafts[i].contents);
        assert(n == 9);

        /* Every draft parses, and matches its devices and no other. */
        for (size_t i = 0; i < n; i++) {
                _cleanup_(policy_rule_freep) PolicyRule *rule = NULL;
                ConfError e = {};

                if (i > 0)
                        assert(strcmp(drafts[i - 1].filename, drafts[i].filename) < 0);
                if (policy_rule_parse_buffer(drafts[i].contents, strlen(drafts[i].contents), drafts[i].filename, &rule,
                                             &e) < 0) {
                        fprintf(stderr, "%s: %s\n", drafts[i].filename, conf_error_format(&e));
                        assert(false);
                }
                for (size_t k = 0; k < ELEMENTSOF(all) - 1; k++)
                        assert(policy_rule_matches(rule, all[k]) == strv_contains(drafts[i].devices, all[k]->sysname));
                assert(!policy_rule_matches(rule, lookalike));
        }

        p = find(drafts, n, "50-pci-1af4-1042.policy");
        assert(p && strv_length(p->devices) == 3);
        assert(strstr(p->contents, "Action=shared\nDriver=virtio-pci\n"));
        assert(strstr(p->contents, "TDISP=no\n"));
        p = find(drafts, n, "50-pci-1af4-1042-tdisp.policy");
        assert(p && strv_length(p->devices) == 1 && streq(p->devices[0], "0000:00:0a.0"));
        assert(strstr(p->contents, "TDISP=yes\n") && strstr(p->contents, "Action=accept would"));
        assert(strstr(p->contents, "Action=deny\n"));

        assert(find(drafts, n, "50-pci-8086-10d3.policy") || find(drafts, n, "50-pci-8086-10d3-8086-a01f.policy"));
        assert(find(drafts, n, "50-pci-8086-10d3-1028-0001.policy") || find(drafts, n, "50-pci-8086-10d3-8086-a01f.policy"));

        p = find(drafts, n, "50-pci-1b36-0010.policy");
        assert(p && strstr(p->contents, "Action=shared\n") && !strstr(p->contents, "Driver="));

        p = find(drafts, n, "50-virtio-1af4-0002.policy");
        assert(p && strstr(p->contents, "Action=deny\n"));

        p = find(drafts, n, "50-platform-serial8250.policy");
        assert(p && strstr(p->contents, "Modalias=platform:serial8250\n") && strstr(p->contents, "Driver=serial8250\n"));
        p = find(drafts, n, "50-platform-nweird-1-t-cfoo.policy");
        assert(p && strstr(p->contents, "Modalias=of:Nweird\\[1\\]T\\*Cfoo\\?\n"));
        p = find(drafts, n, "50-platform-regulatory-0.policy");
        assert(p && strstr(p->contents, "Path=regulatory.0\n"));

        /* The same devices in another order give the same drafts. */
        for (size_t i = 0; i < ELEMENTSOF(all) / 2; i++) {
                DeviceInfo *t = all[i];
                all[i] = all[ELEMENTSOF(all) - 1 - i];
                all[ELEMENTSOF(all) - 1 - i] = t;
        }
        assert(policy_draft_generate(all, ELEMENTSOF(all), "tdispd", &again, &n_again, NULL) == 0);
        assert(n_again == n);
        for (size_t i = 0; i < n; i++) {
                assert(streq(again[i].filename, drafts[i].filename));
                assert(streq(again[i].contents, drafts[i].contents));
        }

        /* No devices, no drafts. */
        policy_draft_free_many(again, n_again);
        assert(policy_draft_generate(NULL, 0, "/sys", &again, &n_again, NULL) == 0);
        assert(n_again == 0);

        policy_draft_free_many(again, n_again);
        policy_draft_free_many(drafts, n);
        for (size_t i = 0; i < ELEMENTSOF(all); i++)
                device_info_free(all[i]);
        device_info_free(lookalike);
        return 0;
}

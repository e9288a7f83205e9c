/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-shipped-config.c — the files in conf/ load, and a fresh install treats the paravirtual devices
 * of a typical confidential VM as intended. Takes the conf/ source directory as its argument. */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>

#include "config-load.h"
#include "driver-match.h"
#include "fileio.h"
#include "strv.h"

static const struct {
        const char *name;
        DeviceInfo d;
        const char *rule;       /* basename of the deciding rule, NULL: DefaultAction= */
} devices[] = {
        { "virtio-net on PCI",
          { .sysname = (char *) "0000:00:03.0", .bus = (char *) "pci",
            .modalias = (char *) "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00",
            .ids = DEVICE_ID_VENDOR | DEVICE_ID_DEVICE | DEVICE_ID_CLASS, .vendor = 0x1af4, .device = 0x1041,
            .class = 0x020000 },
          "90-virtio-pci.policy" },
        { "virtio device offering TDISP",
          { .sysname = (char *) "0000:00:04.0", .bus = (char *) "pci",
            .ids = DEVICE_ID_VENDOR | DEVICE_ID_DEVICE, .vendor = 0x1af4, .device = 0x1042, .tdisp = true },
          NULL },
        { "virtio-net function", { .sysname = (char *) "virtio0", .bus = (char *) "virtio",
                                   .modalias = (char *) "virtio:d00000001v00001AF4" },
          "90-virtio.policy" },
        { "virtio-mmio from the command line",
          { .sysname = (char *) "virtio-mmio.0", .bus = (char *) "platform",
            .modalias = (char *) "platform:virtio-mmio" },
          "90-virtio-mmio.policy" },
        { "virtio-mmio from ACPI", { .sysname = (char *) "LNRO0005:00", .bus = (char *) "platform",
                                     .modalias = (char *) "acpi:LNRO0005:" },
          "90-virtio-mmio.policy" },
        { "SCSI disk", { .sysname = (char *) "0:0:0:0", .bus = (char *) "scsi",
                         .modalias = (char *) "scsi:t-0x00" },
          "90-scsi-disks.policy" },
        { "Hyper-V synthetic NIC", { .sysname = (char *) "f8615163-df3e-46c5-913f-f2d2f965ed0e",
                                     .bus = (char *) "vmbus",
                                     .modalias = (char *) "vmbus:635161f83edfc546913ff2d2f965ed0e" },
          "90-hyperv-vmbus.policy" },
        { "VMBus root", { .sysname = (char *) "VMBUS:00", .bus = (char *) "acpi",
                          .modalias = (char *) "acpi:VMBUS:" },
          "90-hyperv-acpi.policy" },
        { "emulated e1000e",
          { .sysname = (char *) "0000:00:02.0", .bus = (char *) "pci",
            .ids = DEVICE_ID_VENDOR | DEVICE_ID_DEVICE, .vendor = 0x8086, .device = 0x10d3 },
          NULL },
        { "serial port", { .sysname = (char *) "serial8250", .bus = (char *) "platform",
                           .modalias = (char *) "platform:serial8250" },
          NULL },
        { "some other platform device",
          { .sysname = (char *) "virtio-mmio-lookalike", .bus = (char *) "platform",
            .modalias = (char *) "platform:virtio-mmio-lookalike" },
          NULL },
};

int main(int argc, char *argv[]) {
        _cleanup_free_ char *vendor = NULL, *policy_dir = NULL, *etc = NULL, *data = NULL;
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(policy_freep) Policy *p = NULL;
        ConfError e = {};
        size_t size;
        int r;

        assert(argc == 2);
        assert(asprintf(&vendor, "%s/tdispd.vendor.conf", argv[1]) > 0);
        assert(asprintf(&policy_dir, "%s/policy.d", argv[1]) > 0);
        assert(asprintf(&etc, "%s/tdispd.conf", argv[1]) > 0);

        char *dirs[] = { policy_dir, NULL };
        ConfigPaths paths = { .config_file = vendor, .policy_dirs = dirs, .kernel_cmdline = "" };
        r = config_load(&paths, &c, &p, &e);
        if (r < 0) {
                _cleanup_free_ char *msg = conf_error_format(&e);
                fprintf(stderr, "%s\n", msg);
        }
        assert(r == 0);

        assert(c->mode == MODE_ENFORCE);
        assert(c->default_action == POLICY_ACTION_DENY);
        assert(c->trust_builtin_drivers);
        assert(!c->denied_drivers);

        /* What a virtio or Hyper-V guest needs to boot is trusted… */
        static const char *const trusted[] = {
                "virtio-pci", "virtio_net", "virtio_blk", "virtio_scsi", "sd", "sd_mod", "virtio_console",
                "vmw_vsock_virtio_transport", "hv_netvsc", "storvsc", "hv_storvsc", "hv_utils",
                "hyperv-vmbus",
        };
        for (size_t i = 0; i < ELEMENTSOF(trusted); i++) {
                printf("trusted: %s\n", trusted[i]);
                /* "sd" is the driver of the sd_mod module; decision.c matches either name. */
                assert(driver_glob_match(c->trusted_drivers, trusted[i]) || streq(trusted[i], "sd"));
        }
        /* …and what hands the host more than a device it emulates anyway is not. */
        static const char *const untrusted[] = {
                "virtio_rng", "virtio-rng", "virtio_balloon", "virtio_mem", "virtio_gpu", "hv_balloon",
                "e1000e", "nvme", "ahci", "xhci_hcd",
        };
        for (size_t i = 0; i < ELEMENTSOF(untrusted); i++) {
                printf("untrusted: %s\n", untrusted[i]);
                assert(!driver_glob_match(c->trusted_drivers, untrusted[i]));
        }

        for (size_t i = 0; i < ELEMENTSOF(devices); i++) {
                const PolicyRule *rule = policy_match(p, &devices[i].d);
                _cleanup_free_ char *label = rule ? policy_rule_label(rule) : NULL;

                printf("%s -> %s\n", devices[i].name, strna(label));
                assert(streq_ptr(label, devices[i].rule));
                assert(!rule || rule->action == POLICY_ACTION_SHARED);
        }

        /* The /etc file only documents: on top of the vendor defaults it changes nothing. */
        _cleanup_strv_free_ char **before = strv_copy(c->trusted_drivers);
        assert(before);
        assert(read_full_file(etc, CONFIG_FILE_MAX, &data, &size) == 0);
        assert(config_parse_buffer(c, data, size, etc, &e) == 0);
        assert(c->mode == MODE_ENFORCE && c->default_action == POLICY_ACTION_DENY);
        assert(c->trust_builtin_drivers);
        assert(strv_length(before) == strv_length(c->trusted_drivers));
        assert(!c->denied_drivers);

        /* And every commented-out line in it, uncommented, is valid and states the default. */
        _cleanup_(config_freep) Config *uncommented = NULL;
        _cleanup_free_ char *copy = strdup(data);
        assert(copy);
        for (char *s = copy; (s = strstr(s, "\n#")); s++) {
                const char *eq = strchr(s + 2, '='), *nl = strchr(s + 2, '\n');

                /* "#Key=value", not "# prose" */
                if (s[2] >= 'A' && s[2] <= 'Z' && eq && nl && eq < nl)
                        s[1] = ' ';
        }
        assert(config_new(&uncommented) == 0);
        assert(config_parse_buffer(uncommented, copy, strlen(copy), etc, &e) == 0);
        assert(uncommented->mode == MODE_ENFORCE && uncommented->default_action == POLICY_ACTION_DENY);
        assert(uncommented->trust_builtin_drivers);
        assert(!uncommented->trusted_drivers && !uncommented->denied_drivers);
        assert(uncommented->verifier.kind == VERIFIER_NONE && !uncommented->verifier.path);
        assert(uncommented->verifier_timeout_usec == CONFIG_VERIFIER_TIMEOUT_USEC_DEFAULT);
        assert(uncommented->prepare_timeout_usec == CONFIG_PREPARE_TIMEOUT_USEC_DEFAULT);
        assert(uncommented->pipeline_attempts == CONFIG_PIPELINE_ATTEMPTS_DEFAULT);
        assert(uncommented->tsm_abi == TSM_ABI_AUTO);
        assert(uncommented->topology_lock == TOPOLOGY_LOCK_ON_APPROVAL);
        assert(uncommented->on_topology_violation == TOPOLOGY_VIOLATION_LOG);

        /* Every key the parser knows is documented there. */
        static const char *const keys[] = {
                "Mode", "DefaultAction", "TrustedDrivers", "DeniedDrivers", "TrustBuiltinDrivers",
                "Verifier", "VerifierTimeoutSec", "PrepareTimeoutSec", "PipelineAttempts", "TsmAbi",
                "TopologyLock", "OnTopologyViolation",
        };
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                _cleanup_free_ char *needle = NULL;

                assert(asprintf(&needle, "\n#%s=", keys[i]) > 0);
                printf("documented: %s\n", keys[i]);
                assert(strstr(data, needle));
        }
        return 0;
}

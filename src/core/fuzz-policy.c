/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-policy.c — one policy file: no input may crash the parser or produce a rule that contradicts
 * itself, and whatever parses must be safe to match against devices. */

#undef NDEBUG
#include <assert.h>
#include <stdint.h>

#include "driver-match.h"
#include "path-util.h"
#include "policy.h"

#define FUZZ_INPUT_MAX (64U * 1024U)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const DeviceInfo fuzz_devices[] = {
        {
                .syspath = (char *) "/sys/devices/pci0000:00/0000:00:03.0",
                .sysname = (char *) "0000:00:03.0",
                .bus = (char *) "pci",
                .modalias = (char *) "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00",
                .ids = DEVICE_ID_VENDOR | DEVICE_ID_DEVICE | DEVICE_ID_SUBSYSTEM_VENDOR |
                       DEVICE_ID_SUBSYSTEM_DEVICE | DEVICE_ID_CLASS,
                .vendor = 0x1af4, .device = 0x1041, .subsystem_vendor = 0x1af4, .subsystem_device = 0x1100,
                .class = 0x020000,
                .tdisp = true,
        },
        {
                .syspath = (char *) "/sys/devices/platform/serial8250",
                .sysname = (char *) "serial8250",
                .bus = (char *) "platform",
        },
};

static void check_rule(const PolicyRule *r) {
        assert(r->action >= 0 && r->action < _POLICY_ACTION_MAX);
        assert(r->prepare >= 0 && r->prepare < _PREPARE_MAX);
        assert(r->tdisp >= -1 && r->tdisp <= 1);
        assert(r->line >= 1);
        assert(!r->driver || driver_name_is_valid(r->driver));
        if (r->action == POLICY_ACTION_DENY || r->action == POLICY_ACTION_REMOVE)
                assert(!r->driver);
        if (r->action == POLICY_ACTION_ACCEPT)
                assert(r->tdisp != 0);
        assert(IN_SET(r->on_reject, POLICY_ACTION_SHARED, POLICY_ACTION_DENY, POLICY_ACTION_REMOVE));
        assert(r->verifier.kind >= 0 && r->verifier.kind < _VERIFIER_KIND_MAX);
        assert((r->verifier.path != NULL) == IN_SET(r->verifier.kind, VERIFIER_EXEC, VERIFIER_LOCAL));
        assert(!r->verifier.path || path_is_normalized(r->verifier.path));
        for (size_t i = 0; i < r->n_classes; i++) {
                assert(r->classes[i].value <= 0xffffff && r->classes[i].mask <= 0xffffff);
                assert((r->classes[i].value & ~r->classes[i].mask) == 0);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(policy_freep) Policy *p = NULL;
        _cleanup_free_ char *label = NULL, *formatted = NULL;
        PolicyRule *rule = NULL;
        ConfError e = {};
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        r = policy_rule_parse_buffer((const char *) data, size, "/etc/tdispd/policy.d/50-fuzz.policy", &rule,
                                     &e);
        assert(r <= 0);
        assert(e.error == r);
        if (r < 0) {
                assert(!rule);
                formatted = conf_error_format(&e);
                assert(formatted);
                conf_error_done(&e);
                return 0;
        }

        check_rule(rule);
        label = policy_rule_label(rule);
        assert(label && streq(label, "50-fuzz.policy"));

        assert(policy_new(&p) == 0);
        assert(policy_add_rule(p, rule) == 0);
        for (size_t i = 0; i < ELEMENTSOF(fuzz_devices); i++) {
                const PolicyRule *m = policy_match(p, &fuzz_devices[i]);
                assert(!m || m == rule);
                assert((m != NULL) == policy_rule_matches(rule, &fuzz_devices[i]));
        }
        return 0;
}

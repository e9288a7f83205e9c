/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* decision.c — what policy says about a device, and whether a given driver may drive it. */

#include <assert.h>

#include "decision.h"
#include "driver-match.h"

static const char *const driver_verdict_table[_DRIVER_VERDICT_MAX] = {
        [DRIVER_ALLOWED] = "allowed",
        [DRIVER_ALLOWED_BUILTIN] = "allowed-builtin",
        [DRIVER_REFUSED_DENIED] = "denied-driver",
        [DRIVER_REFUSED_ACTION] = "action-forbids-driver",
        [DRIVER_REFUSED_NOT_RULE_DRIVER] = "not-rule-driver",
        [DRIVER_REFUSED_UNTRUSTED] = "untrusted-driver",
        [DRIVER_REFUSED_NOT_ACCEPTED] = "not-accepted",
        [DRIVER_REFUSED_TOPOLOGY] = "topology-locked",
        [DRIVER_ALLOWED_PREPARE] = "allowed-prepare",
        [DRIVER_ALLOWED_ACCEPTED] = "allowed-accepted",
};

DEFINE_STRING_TABLE_LOOKUP(driver_verdict, DriverVerdict, _DRIVER_VERDICT_MAX);

void policy_decide(const Config *c, const Policy *p, const DeviceInfo *d, Decision *ret) {
        const PolicyRule *rule;

        assert(c);
        assert(d);
        assert(ret);

        /* No rule can be trusted to match what could not be read: a Bus= or Path= rule would. */
        if (d->unparsable) {
                *ret = (Decision) { .action = POLICY_ACTION_DENY, .unparsable = true };
                return;
        }

        rule = p ? policy_match(p, d) : NULL;
        *ret = (Decision) {
                .action = rule ? rule->action : c->default_action,
                .rule = rule,
        };
}

static bool name_matches(char *const *globs, const char *driver, const char *module) {
        return driver_glob_match(globs, driver) || (module && driver_glob_match(globs, module));
}

DriverVerdict decision_check_driver(const Config *c, const Decision *decision, const char *driver,
                                    const char *module, bool builtin) {
        assert(c);
        assert(decision);
        assert(driver);

        /* DeniedDrivers= beats everything, including an explicit Driver= and built-in trust. */
        if (name_matches(c->denied_drivers, driver, module))
                return DRIVER_REFUSED_DENIED;

        /* Not even a built-in driver: nothing says what the device is. */
        if (decision->unparsable)
                return DRIVER_REFUSED_ACTION;

        switch (decision->action) {
        case POLICY_ACTION_DENY:
                /* Built-in drivers are part of the measured kernel image: DefaultAction=deny keeps them
                 * (unbinding pcieport or the serial console would only break the guest), while a rule
                 * that denies this device explicitly refuses them too. */
                if (!decision->rule && builtin && c->trust_builtin_drivers)
                        return DRIVER_ALLOWED_BUILTIN;
                return DRIVER_REFUSED_ACTION;
        case POLICY_ACTION_REMOVE:
        case POLICY_ACTION_ACCEPT:
                /* accept: no driver until the TDISP pipeline has accepted the device. */
                return DRIVER_REFUSED_ACTION;
        case POLICY_ACTION_SHARED:
                break;
        case _POLICY_ACTION_MAX:
        case _POLICY_ACTION_INVALID:
                assert(false);
                return DRIVER_REFUSED_ACTION;
        }

        /* A rule that names its driver allows exactly that one. */
        if (decision->rule && decision->rule->driver) {
                char *const one[] = { decision->rule->driver, NULL };
                return name_matches(one, driver, module) ? DRIVER_ALLOWED : DRIVER_REFUSED_NOT_RULE_DRIVER;
        }

        if (name_matches(c->trusted_drivers, driver, module))
                return DRIVER_ALLOWED;

        /* Built-in drivers are part of the measured kernel image. */
        if (builtin && c->trust_builtin_drivers)
                return DRIVER_ALLOWED_BUILTIN;

        return DRIVER_REFUSED_UNTRUSTED;
}

const char *decision_rule_name(const Decision *decision) {
        if (decision->unparsable)
                return "unparsable-properties";
        return decision->rule ? decision->rule->filename : "default";
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* decision.h — what policy says about a device, and whether a given driver may drive it.
 *
 * The two questions are kept apart on purpose: the action (accept/shared/deny/remove) is decided
 * once per device from its identity, while the driver question is asked again for every binding that
 * is observed or attempted — including bindings tdispd did not make (built-ins, the 6.1 hotplug race,
 * someone else's write). */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "device-info.h"
#include "policy.h"

typedef struct Decision {
        PolicyAction action;
        const PolicyRule *rule;         /* NULL: DefaultAction= decided, or the device is unparsable */
        bool unparsable;                /* its properties were refused: deny, with every driver */
} Decision;

typedef enum DriverVerdict {
        DRIVER_ALLOWED,
        DRIVER_ALLOWED_BUILTIN,         /* built in, TrustBuiltinDrivers=yes */
        DRIVER_REFUSED_DENIED,          /* matches DeniedDrivers= */
        DRIVER_REFUSED_ACTION,          /* the device's action allows no driver (now) */
        DRIVER_REFUSED_NOT_RULE_DRIVER, /* the rule names another Driver= */
        DRIVER_REFUSED_UNTRUSTED,       /* not in TrustedDrivers= */
        DRIVER_REFUSED_NOT_ACCEPTED,    /* TDISP device not accepted (yet): no operational driver */
        DRIVER_REFUSED_TOPOLOGY,        /* appeared after the topology was locked */
        DRIVER_ALLOWED_PREPARE,         /* the prepare driver, during the prepare step */
        DRIVER_ALLOWED_ACCEPTED,        /* operational driver of an accepted TDISP device */
        _DRIVER_VERDICT_MAX,
        _DRIVER_VERDICT_INVALID = -EINVAL,
} DriverVerdict;

DECLARE_STRING_TABLE_LOOKUP(driver_verdict, DriverVerdict);

static inline bool driver_verdict_allowed(DriverVerdict v) {
        return IN_SET(v, DRIVER_ALLOWED, DRIVER_ALLOWED_BUILTIN, DRIVER_ALLOWED_PREPARE, DRIVER_ALLOWED_ACCEPTED);
}

void policy_decide(const Config *c, const Policy *p, const DeviceInfo *d, Decision *ret);

/* May driver (provided by module, or built in) drive a device with this decision? A module name of
 * NULL with builtin=false means unknown: only the driver name is matched. */
DriverVerdict decision_check_driver(const Config *c, const Decision *decision, const char *driver,
                                    const char *module, bool builtin);

/* "50-nic.policy", "default", or "unparsable-properties" for a device whose properties were refused.
 * Static storage or the rule's own label; never NULL. */
const char *decision_rule_name(const Decision *decision);

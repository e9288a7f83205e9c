/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config.c — the daemon settings from tdispd.conf ([Manager] section).
 *
 * Every key is a row in config_table; the tokenizer (ini.c) refuses malformed lines and
 * ini_table_dispatch() refuses unknown sections and keys, so a typo can never be ignored. */

#include <assert.h>
#include <stddef.h>

#include "config.h"
#include "driver-match.h"
#include "ini.h"
#include "parse-util.h"
#include "path-util.h"
#include "strv.h"

static const char *const mode_table[_MODE_MAX] = {
        [MODE_ENFORCE] = "enforce",
        [MODE_AUDIT] = "audit",
        [MODE_OFF] = "off",
};

DEFINE_STRING_TABLE_LOOKUP(mode, Mode, _MODE_MAX);

static const char *const policy_action_table[_POLICY_ACTION_MAX] = {
        [POLICY_ACTION_ACCEPT] = "accept",
        [POLICY_ACTION_SHARED] = "shared",
        [POLICY_ACTION_DENY] = "deny",
        [POLICY_ACTION_REMOVE] = "remove",
};

DEFINE_STRING_TABLE_LOOKUP(policy_action, PolicyAction, _POLICY_ACTION_MAX);

static const char *const tsm_abi_table[_TSM_ABI_MAX] = {
        [TSM_ABI_AUTO] = "auto",
        [TSM_ABI_V2] = "v2",
        [TSM_ABI_CONNECT] = "connect",
};

DEFINE_STRING_TABLE_LOOKUP(tsm_abi, TsmAbi, _TSM_ABI_MAX);

static const char *const verifier_kind_table[_VERIFIER_KIND_MAX] = {
        [VERIFIER_NONE] = "none",
        [VERIFIER_EXEC] = "exec",
        [VERIFIER_LOCAL] = "local",
        [VERIFIER_PUSH] = "push",
};

DEFINE_STRING_TABLE_LOOKUP(verifier_kind, VerifierKind, _VERIFIER_KIND_MAX);

static const char *const topology_lock_trigger_table[_TOPOLOGY_LOCK_TRIGGER_MAX] = {
        [TOPOLOGY_LOCK_ON_APPROVAL] = "on-approval",
        [TOPOLOGY_LOCK_AT_READY] = "at-ready",
        [TOPOLOGY_LOCK_MANUAL] = "manual",
};

DEFINE_STRING_TABLE_LOOKUP(topology_lock_trigger, TopologyLockTrigger, _TOPOLOGY_LOCK_TRIGGER_MAX);

static const char *const topology_violation_action_table[_TOPOLOGY_VIOLATION_ACTION_MAX] = {
        [TOPOLOGY_VIOLATION_LOG] = "log",
        [TOPOLOGY_VIOLATION_REMOVE] = "remove",
        [TOPOLOGY_VIOLATION_POWEROFF] = "poweroff",
};

DEFINE_STRING_TABLE_LOOKUP(topology_violation_action, TopologyViolationAction,
                           _TOPOLOGY_VIOLATION_ACTION_MAX);

/* The program or file is run or read by root at the moment a device is judged: only an absolute,
 * normalised path without whitespace or control characters, so that it means the same thing wherever
 * it is used and reads unambiguously in logs. */
static bool verifier_path_is_valid(const char *p) {
        if (!path_is_normalized(p))
                return false;
        for (const char *s = p; *s; s++)
                if ((unsigned char) *s <= ' ' || *s == 0x7f)
                        return false;
        return true;
}

int verifier_spec_parse(const char *s, VerifierSpec *ret) {
        VerifierKind kind;
        const char *colon, *path = NULL;
        char *copy = NULL;

        assert(ret);

        if (!s)
                return -EINVAL;

        colon = strchr(s, ':');
        if (colon) {
                _cleanup_free_ char *prefix = strndup(s, (size_t) (colon - s));
                if (!prefix)
                        return -ENOMEM;
                kind = verifier_kind_from_string(prefix);
                path = colon + 1;
        } else
                kind = verifier_kind_from_string(s);

        switch (kind) {
        case VERIFIER_NONE:
        case VERIFIER_PUSH:
                if (path)
                        return -EINVAL;
                break;
        case VERIFIER_EXEC:
        case VERIFIER_LOCAL:
                if (!verifier_path_is_valid(path))
                        return -EINVAL;
                copy = strdup(path);
                if (!copy)
                        return -ENOMEM;
                break;
        case _VERIFIER_KIND_MAX:
        case _VERIFIER_KIND_INVALID:
                return -EINVAL;
        }

        *ret = (VerifierSpec) { .kind = kind, .path = copy };
        return 0;
}

void verifier_spec_done(VerifierSpec *v) {
        if (!v)
                return;
        free(v->path);
        *v = (VerifierSpec) { .kind = VERIFIER_NONE };
}

int config_new(Config **ret) {
        Config *c;

        assert(ret);

        c = calloc(1, sizeof(Config));
        if (!c)
                return -ENOMEM;

        /* Fail closed: a device that no rule names gets no driver until the admin says otherwise, and
         * without a relying party no TDISP device is ever accepted. */
        *c = (Config) {
                .mode = MODE_ENFORCE,
                .default_action = POLICY_ACTION_DENY,
                .trust_builtin_drivers = true,
                .tsm_abi = TSM_ABI_AUTO,
                .verifier = { .kind = VERIFIER_NONE },
                .verifier_timeout_usec = CONFIG_VERIFIER_TIMEOUT_USEC_DEFAULT,
                .prepare_timeout_usec = CONFIG_PREPARE_TIMEOUT_USEC_DEFAULT,
                .pipeline_attempts = CONFIG_PIPELINE_ATTEMPTS_DEFAULT,
                .topology_lock = TOPOLOGY_LOCK_ON_APPROVAL,
                .on_topology_violation = TOPOLOGY_VIOLATION_LOG,
        };

        *ret = c;
        return 0;
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        strv_free(c->trusted_drivers);
        strv_free(c->denied_drivers);
        verifier_spec_done(&c->verifier);
        return mfree(c);
}

static int config_parse_mode(const IniItem *item, void *data, ConfError *ret_error) {
        Mode *mode = data, m;

        m = mode_from_string(item->value);
        if (m < 0)
                return ini_item_error(ret_error, item, -EINVAL,
                                      "Invalid mode '%s', expected enforce, audit or off", item->value);
        *mode = m;
        return 0;
}

static int config_parse_default_action(const IniItem *item, void *data, ConfError *ret_error) {
        PolicyAction *action = data, a;

        /* accept needs a rule that names the device and a verdict on its evidence; remove is for
         * rules too. Neither is a sane blanket answer for devices nobody described. */
        a = policy_action_from_string(item->value);
        if (!IN_SET(a, POLICY_ACTION_SHARED, POLICY_ACTION_DENY))
                return ini_item_error(ret_error, item, -EINVAL,
                                      "Invalid default action '%s', expected deny or shared", item->value);
        *action = a;
        return 0;
}

static int config_parse_bool(const IniItem *item, void *data, ConfError *ret_error) {
        bool *b = data;
        int r;

        r = parse_boolean(item->value);
        if (r < 0)
                return ini_item_error(ret_error, item, -EINVAL, "Invalid boolean '%s'", item->value);
        *b = r;
        return 0;
}

static int config_parse_driver_globs(const IniItem *item, void *data, ConfError *ret_error) {
        _cleanup_strv_free_ char **words = NULL;
        char ***globs = data;
        int r;

        if (isempty(item->value)) {
                *globs = strv_free(*globs);
                return 0;
        }

        r = strv_split_whitespace(item->value, &words);
        if (r < 0)
                return ini_item_error(ret_error, item, r, "Out of memory");

        /* Validate all words before taking any, so that a bad word leaves the list as it was. */
        STRV_FOREACH(w, words)
                if (!driver_glob_is_valid(*w))
                        return ini_item_error(ret_error, item, -EINVAL,
                                              "Invalid driver glob '%s' (allowed: A-Za-z0-9_-.*?[]!)", *w);

        STRV_FOREACH(w, words) {
                r = strv_extend(globs, *w);
                if (r < 0)
                        return ini_item_error(ret_error, item, r, "Out of memory");
        }
        return 0;
}

static int config_parse_tsm_abi(const IniItem *item, void *data, ConfError *ret_error) {
        TsmAbi *abi = data, a;

        a = tsm_abi_from_string(item->value);
        if (a < 0)
                return ini_item_error(ret_error, item, -EINVAL,
                                      "Invalid TSM ABI '%s', expected auto, v2 or connect", item->value);
        *abi = a;
        return 0;
}

static int config_parse_verifier(const IniItem *item, void *data, ConfError *ret_error) {
        VerifierSpec *v = data, n;
        int r;

        r = verifier_spec_parse(item->value, &n);
        if (r == -ENOMEM)
                return ini_item_error(ret_error, item, r, "Out of memory");
        if (r < 0)
                return ini_item_error(ret_error, item, r,
                                      "Invalid verifier '%s', expected none, push, exec:/ABSOLUTE/PATH or "
                                      "local:/ABSOLUTE/PATH", item->value);
        verifier_spec_done(v);
        *v = n;
        return 0;
}

static int config_parse_timeout(const IniItem *item, void *data, ConfError *ret_error) {
        uint64_t *usec = data, v;

        /* Zero would time out at once, and more than a day is a typo for a unit. */
        if (parse_sec(item->value, &v) < 0 || v == 0 || v > CONFIG_TIMEOUT_USEC_MAX)
                return ini_item_error(ret_error, item, -EINVAL,
                                      "Invalid time span '%s', expected 1ms…24h such as 30s, 1500ms "
                                      "or 2min", item->value);
        *usec = v;
        return 0;
}

static int config_parse_attempts(const IniItem *item, void *data, ConfError *ret_error) {
        unsigned *attempts = data;
        uint32_t v;

        if (safe_atou32(item->value, &v) < 0 || v < 1 || v > CONFIG_PIPELINE_ATTEMPTS_MAX)
                return ini_item_error(ret_error, item, -EINVAL,
                                      "Invalid number of attempts '%s', expected 1…%u", item->value,
                                      CONFIG_PIPELINE_ATTEMPTS_MAX);
        *attempts = v;
        return 0;
}

static int config_parse_topology_lock(const IniItem *item, void *data, ConfError *ret_error) {
        TopologyLockTrigger *t = data, v;

        v = topology_lock_trigger_from_string(item->value);
        if (v < 0)
                return ini_item_error(ret_error, item, -EINVAL,
                                      "Invalid topology lock trigger '%s', expected on-approval, at-ready "
                                      "or manual", item->value);
        *t = v;
        return 0;
}

static int config_parse_topology_violation(const IniItem *item, void *data, ConfError *ret_error) {
        TopologyViolationAction *a = data, v;

        v = topology_violation_action_from_string(item->value);
        if (v < 0)
                return ini_item_error(ret_error, item, -EINVAL,
                                      "Invalid topology violation action '%s', expected log, remove or "
                                      "poweroff", item->value);
        *a = v;
        return 0;
}

static const IniTableItem config_table[] = {
        { "Manager", "Mode", config_parse_mode, offsetof(Config, mode) },
        { "Manager", "DefaultAction", config_parse_default_action, offsetof(Config, default_action) },
        { "Manager", "TrustedDrivers", config_parse_driver_globs, offsetof(Config, trusted_drivers) },
        { "Manager", "DeniedDrivers", config_parse_driver_globs, offsetof(Config, denied_drivers) },
        { "Manager", "TrustBuiltinDrivers", config_parse_bool, offsetof(Config, trust_builtin_drivers) },
        { "Manager", "TsmAbi", config_parse_tsm_abi, offsetof(Config, tsm_abi) },
        { "Manager", "Verifier", config_parse_verifier, offsetof(Config, verifier) },
        { "Manager", "VerifierTimeoutSec", config_parse_timeout, offsetof(Config, verifier_timeout_usec) },
        { "Manager", "PrepareTimeoutSec", config_parse_timeout, offsetof(Config, prepare_timeout_usec) },
        { "Manager", "PipelineAttempts", config_parse_attempts, offsetof(Config, pipeline_attempts) },
        { "Manager", "TopologyLock", config_parse_topology_lock, offsetof(Config, topology_lock) },
        { "Manager", "OnTopologyViolation", config_parse_topology_violation,
          offsetof(Config, on_topology_violation) },
};

static int config_dispatch(const IniItem *item, void *userdata, ConfError *ret_error) {
        return ini_table_dispatch(config_table, ELEMENTSOF(config_table), item, userdata, ret_error);
}

int config_parse_buffer(Config *c, const char *data, size_t size, const char *filename,
                        ConfError *ret_error) {
        assert(c);

        return ini_parse_buffer(data, size, filename, config_dispatch, c, ret_error);
}

/* Splits the next word off a kernel command line as the kernel does: whitespace separates words
 * except inside double quotes, and the quotes themselves are dropped. Returns 0 at the end. */
static int cmdline_next_word(const char **p, char **ret) {
        const char *s = *p;
        bool quoted = false;
        char *w, *o;

        s += strspn(s, " \t\n\r");
        if (*s == '\0')
                return 0;

        w = o = malloc(strlen(s) + 1);
        if (!w)
                return -ENOMEM;

        for (; *s; s++) {
                if (*s == '"') {
                        quoted = !quoted;
                        continue;
                }
                if (!quoted && strchr(" \t\n\r", *s))
                        break;
                *o++ = *s;
        }
        *o = '\0';

        *p = s;
        *ret = w;
        return 1;
}

int config_apply_kernel_cmdline(Config *c, const char *cmdline, ConfError *ret_error) {
        _cleanup_free_ char *value = NULL;
        int r;

        assert(c);

        for (const char *p = strempty(cmdline);;) {
                _cleanup_free_ char *word = NULL;
                const char *v;

                r = cmdline_next_word(&p, &word);
                if (r < 0)
                        return conf_error_set(ret_error, "/proc/cmdline", 0, "tdispd.mode", r,
                                              "Out of memory");
                if (r == 0)
                        break;

                /* Words after "--" are arguments for init, not kernel parameters. */
                if (streq(word, "--"))
                        break;

                if (streq(word, "tdispd.mode"))
                        return conf_error_set(ret_error, "/proc/cmdline", 0, "tdispd.mode", -EINVAL,
                                              "tdispd.mode needs a value: enforce, audit or off");
                v = startswith(word, "tdispd.mode=");
                if (!v)
                        continue;

                /* The last occurrence wins, as for every kernel parameter. */
                r = free_and_strdup(&value, v);
                if (r < 0)
                        return conf_error_set(ret_error, "/proc/cmdline", 0, "tdispd.mode", r,
                                              "Out of memory");
        }

        if (!value)
                return 0;

        Mode m = mode_from_string(value);
        if (m < 0)
                return conf_error_set(ret_error, "/proc/cmdline", 0, "tdispd.mode", -EINVAL,
                                      "Invalid mode '%s', expected enforce, audit or off", value);
        c->mode = m;
        return 1;
}

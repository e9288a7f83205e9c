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

int config_new(Config **ret) {
        Config *c;

        assert(ret);

        c = calloc(1, sizeof(Config));
        if (!c)
                return -ENOMEM;

        /* Fail closed: a device that no rule names gets no driver until the admin says otherwise. */
        *c = (Config) {
                .mode = MODE_ENFORCE,
                .default_action = POLICY_ACTION_DENY,
                .trust_builtin_drivers = true,
        };

        *ret = c;
        return 0;
}

Config *config_free(Config *c) {
        if (!c)
                return NULL;
        strv_free(c->trusted_drivers);
        strv_free(c->denied_drivers);
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
        if (a != POLICY_ACTION_SHARED && a != POLICY_ACTION_DENY)
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

static const IniTableItem config_table[] = {
        { "Manager", "Mode", config_parse_mode, offsetof(Config, mode) },
        { "Manager", "DefaultAction", config_parse_default_action, offsetof(Config, default_action) },
        { "Manager", "TrustedDrivers", config_parse_driver_globs, offsetof(Config, trusted_drivers) },
        { "Manager", "DeniedDrivers", config_parse_driver_globs, offsetof(Config, denied_drivers) },
        { "Manager", "TrustBuiltinDrivers", config_parse_bool, offsetof(Config, trust_builtin_drivers) },
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
        bool found = false;
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
                found = true;
        }

        if (!found)
                return 0;

        Mode m = mode_from_string(value);
        if (m < 0)
                return conf_error_set(ret_error, "/proc/cmdline", 0, "tdispd.mode", -EINVAL,
                                      "Invalid mode '%s', expected enforce, audit or off", value);
        c->mode = m;
        return 1;
}

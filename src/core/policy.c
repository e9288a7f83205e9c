/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy.c — device rules: one *.policy file is one rule ([Match] + [Policy]); first match wins.
 *
 * Within [Match], repeating a key adds alternatives and different keys must all hold; a key that the
 * device has no value for (Vendor= on a platform device) never matches, so a rule cannot widen itself
 * to devices it does not describe. Contradictions inside one rule (a driver for a device that must
 * get none) are refused when parsing rather than resolved by a precedence nobody remembers. */

#include <assert.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "driver-match.h"
#include "ini.h"
#include "parse-util.h"
#include "policy.h"
#include "strv.h"

#define CLASS_MAX UINT32_C(0xffffff)

static const char *const prepare_mode_table[_PREPARE_MAX] = {
        [PREPARE_AUTO] = "auto",
        [PREPARE_NO] = "no",
};

DEFINE_STRING_TABLE_LOOKUP(prepare_mode, PrepareMode, _PREPARE_MAX);

PolicyRule *policy_rule_free(PolicyRule *r) {
        if (!r)
                return NULL;
        free(r->filename);
        strv_free(r->buses);
        free(r->vendors);
        free(r->devices);
        free(r->subsystem_vendors);
        free(r->subsystem_devices);
        free(r->classes);
        strv_free(r->paths);
        strv_free(r->modaliases);
        free(r->driver);
        verifier_spec_done(&r->verifier);
        return mfree(r);
}

int policy_new(Policy **ret) {
        Policy *p;

        assert(ret);

        p = calloc(1, sizeof(Policy));
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

Policy *policy_free(Policy *p) {
        if (!p)
                return NULL;
        for (size_t i = 0; i < p->n_rules; i++)
                policy_rule_free(p->rules[i]);
        free(p->rules);
        return mfree(p);
}

int policy_add_rule(Policy *p, PolicyRule *rule) {
        PolicyRule **t;

        assert(p);
        assert(rule);

        t = realloc(p->rules, sizeof(PolicyRule *) * (p->n_rules + 1));
        if (!t) {
                policy_rule_free(rule);
                return -ENOMEM;
        }
        p->rules = t;
        p->rules[p->n_rules++] = rule;
        return 0;
}

/* Path= and Modalias= globs: device names and modaliases contain ':' ',' '(' and more, so anything
 * printable but whitespace (the separator) is allowed. */
static bool policy_device_glob_is_valid(const char *g) {
        if (isempty(g))
                return false;
        for (; *g; g++)
                if (*g <= ' ' || *g > '~')
                        return false;
        return true;
}

static int policy_parse_glob_list(const IniItem *item, char ***globs, bool (*is_valid)(const char *),
                                  ConfError *ret_error) {
        _cleanup_strv_free_ char **words = NULL;
        int r;

        if (isempty(item->value)) {
                *globs = strv_free(*globs);
                return 0;
        }

        r = strv_split_whitespace(item->value, &words);
        if (r < 0)
                return ini_item_error(ret_error, item, r, "Out of memory");

        STRV_FOREACH(w, words)
                if (!is_valid(*w))
                        return ini_item_error(ret_error, item, -EINVAL, "Invalid glob '%s'", *w);

        STRV_FOREACH(w, words) {
                r = strv_extend(globs, *w);
                if (r < 0)
                        return ini_item_error(ret_error, item, r, "Out of memory");
        }
        return 0;
}

static int policy_parse_bus(const IniItem *item, void *data, ConfError *ret_error) {
        return policy_parse_glob_list(item, data, driver_glob_is_valid, ret_error);
}

static int policy_parse_device_globs(const IniItem *item, void *data, ConfError *ret_error) {
        return policy_parse_glob_list(item, data, policy_device_glob_is_valid, ret_error);
}

/* Ids are hex with or without "0x", up to 32 bit: PCI ids are 16 bit but virtio device ids are not. */
static int policy_parse_id_list(const IniItem *item, uint32_t **ids, size_t *n_ids, ConfError *ret_error) {
        _cleanup_strv_free_ char **words = NULL;
        _cleanup_free_ uint32_t *parsed = NULL;
        size_t n;
        uint32_t *t;
        int r;

        if (isempty(item->value)) {
                *ids = mfree(*ids);
                *n_ids = 0;
                return 0;
        }

        r = strv_split_whitespace(item->value, &words);
        if (r < 0)
                return ini_item_error(ret_error, item, r, "Out of memory");

        n = strv_length(words);
        parsed = calloc(n, sizeof(uint32_t));
        if (!parsed)
                return ini_item_error(ret_error, item, -ENOMEM, "Out of memory");

        for (size_t i = 0; i < n; i++) {
                r = safe_atoux32(words[i], &parsed[i]);
                if (r < 0)
                        return ini_item_error(ret_error, item, -EINVAL,
                                              r == -ERANGE ? "Id '%s' is larger than 32 bit"
                                                           : "Invalid hexadecimal id '%s'",
                                              words[i]);
        }

        t = realloc(*ids, sizeof(uint32_t) * (*n_ids + n));
        if (!t)
                return ini_item_error(ret_error, item, -ENOMEM, "Out of memory");
        memcpy(t + *n_ids, parsed, sizeof(uint32_t) * n);
        *ids = t;
        *n_ids += n;
        return 0;
}

static int policy_parse_vendor(const IniItem *item, void *data, ConfError *ret_error) {
        PolicyRule *r = data;
        return policy_parse_id_list(item, &r->vendors, &r->n_vendors, ret_error);
}

static int policy_parse_device(const IniItem *item, void *data, ConfError *ret_error) {
        PolicyRule *r = data;
        return policy_parse_id_list(item, &r->devices, &r->n_devices, ret_error);
}

static int policy_parse_subsystem_vendor(const IniItem *item, void *data, ConfError *ret_error) {
        PolicyRule *r = data;
        return policy_parse_id_list(item, &r->subsystem_vendors, &r->n_subsystem_vendors, ret_error);
}

static int policy_parse_subsystem_device(const IniItem *item, void *data, ConfError *ret_error) {
        PolicyRule *r = data;
        return policy_parse_id_list(item, &r->subsystem_devices, &r->n_subsystem_devices, ret_error);
}

static int policy_parse_class_word(const char *word, ClassMatch *ret) {
        _cleanup_free_ char *value = NULL;
        const char *slash;
        uint32_t v, m = CLASS_MAX;

        slash = strchr(word, '/');
        value = slash ? strndup(word, (size_t) (slash - word)) : strdup(word);
        if (!value)
                return -ENOMEM;

        if (safe_atoux32(value, &v) < 0 || v > CLASS_MAX)
                return -EINVAL;
        if (slash && (safe_atoux32(slash + 1, &m) < 0 || m > CLASS_MAX || m == 0))
                return -EINVAL;
        /* Bits outside the mask can never be compared: "0x020001/0xff0000" is a typo, not a rule. */
        if ((v & ~m) != 0)
                return -EINVAL;

        *ret = (ClassMatch) { .value = v, .mask = m };
        return 0;
}

static int policy_parse_class(const IniItem *item, void *data, ConfError *ret_error) {
        _cleanup_strv_free_ char **words = NULL;
        _cleanup_free_ ClassMatch *parsed = NULL;
        PolicyRule *rule = data;
        ClassMatch *t;
        size_t n;
        int r;

        if (isempty(item->value)) {
                rule->classes = mfree(rule->classes);
                rule->n_classes = 0;
                return 0;
        }

        r = strv_split_whitespace(item->value, &words);
        if (r < 0)
                return ini_item_error(ret_error, item, r, "Out of memory");

        n = strv_length(words);
        parsed = calloc(n, sizeof(ClassMatch));
        if (!parsed)
                return ini_item_error(ret_error, item, -ENOMEM, "Out of memory");

        for (size_t i = 0; i < n; i++) {
                r = policy_parse_class_word(words[i], &parsed[i]);
                if (r == -ENOMEM)
                        return ini_item_error(ret_error, item, r, "Out of memory");
                if (r < 0)
                        return ini_item_error(ret_error, item, r,
                                              "Invalid class '%s', expected 24-bit hex VALUE or "
                                              "VALUE/MASK with a non-zero mask covering every bit of VALUE",
                                              words[i]);
        }

        t = realloc(rule->classes, sizeof(ClassMatch) * (rule->n_classes + n));
        if (!t)
                return ini_item_error(ret_error, item, -ENOMEM, "Out of memory");
        memcpy(t + rule->n_classes, parsed, sizeof(ClassMatch) * n);
        rule->classes = t;
        rule->n_classes += n;
        return 0;
}

/* An accept rule for devices that cannot do TDISP would lock nothing and fail every device it
 * matches; refuse it where it is written. */
static int policy_check_accept_tdisp(const IniItem *item, const PolicyRule *rule, ConfError *ret_error) {
        if (rule->action == POLICY_ACTION_ACCEPT && rule->tdisp == 0)
                return ini_item_error(ret_error, item, -EINVAL,
                                      "Action=accept cannot apply to devices matched with TDISP=no");
        return 0;
}

static int policy_parse_tdisp(const IniItem *item, void *data, ConfError *ret_error) {
        PolicyRule *rule = data;
        int r;

        if (isempty(item->value)) {
                rule->tdisp = -1;
                return 0;
        }

        r = parse_boolean(item->value);
        if (r < 0)
                return ini_item_error(ret_error, item, -EINVAL, "Invalid boolean '%s'", item->value);
        rule->tdisp = r;

        return policy_check_accept_tdisp(item, rule, ret_error);
}

static bool policy_action_forbids_driver(PolicyAction a) {
        switch (a) {
        case POLICY_ACTION_DENY:
        case POLICY_ACTION_REMOVE:
                return true;
        case POLICY_ACTION_ACCEPT:
        case POLICY_ACTION_SHARED:
                return false;
        case _POLICY_ACTION_MAX:
        case _POLICY_ACTION_INVALID:
                break;
        }
        return false;
}

static int policy_parse_action(const IniItem *item, void *data, ConfError *ret_error) {
        PolicyRule *rule = data;
        PolicyAction a;

        a = policy_action_from_string(item->value);
        if (a < 0)
                return ini_item_error(ret_error, item, -EINVAL,
                                      "Invalid action '%s', expected accept, shared, deny or remove",
                                      item->value);
        if (rule->driver && policy_action_forbids_driver(a))
                return ini_item_error(ret_error, item, -EINVAL,
                                      "Action=%s contradicts Driver=%s: a denied device gets no driver",
                                      item->value, rule->driver);
        rule->action = a;

        return policy_check_accept_tdisp(item, rule, ret_error);
}

static int policy_parse_driver(const IniItem *item, void *data, ConfError *ret_error) {
        PolicyRule *rule = data;

        if (isempty(item->value)) {
                rule->driver = mfree(rule->driver);
                return 0;
        }

        if (!driver_name_is_valid(item->value))
                return ini_item_error(ret_error, item, -EINVAL,
                                      "Invalid driver name '%s' (allowed: A-Z a-z 0-9 _ - .)", item->value);
        if (rule->action >= 0 && policy_action_forbids_driver(rule->action))
                return ini_item_error(ret_error, item, -EINVAL,
                                      "Driver= contradicts Action=%s: a denied device gets no driver",
                                      policy_action_to_string(rule->action));

        if (free_and_strdup(&rule->driver, item->value) < 0)
                return ini_item_error(ret_error, item, -ENOMEM, "Out of memory");
        return 0;
}

static int policy_parse_prepare(const IniItem *item, void *data, ConfError *ret_error) {
        PrepareMode *prepare = data, m;

        if (isempty(item->value)) {
                *prepare = PREPARE_AUTO;
                return 0;
        }

        m = prepare_mode_from_string(item->value);
        if (m < 0)
                return ini_item_error(ret_error, item, -EINVAL,
                                      "Invalid prepare mode '%s', expected auto or no", item->value);
        *prepare = m;
        return 0;
}

static int policy_parse_on_reject(const IniItem *item, void *data, ConfError *ret_error) {
        PolicyAction *on_reject = data, a;

        if (isempty(item->value)) {
                *on_reject = POLICY_ACTION_DENY;
                return 0;
        }

        /* Falling back to accept would retry what was just refused; only the driver-less answers and
         * shared (use the device untrusted) make sense. */
        a = policy_action_from_string(item->value);
        if (!IN_SET(a, POLICY_ACTION_SHARED, POLICY_ACTION_DENY, POLICY_ACTION_REMOVE))
                return ini_item_error(ret_error, item, -EINVAL,
                                      "Invalid fallback action '%s', expected shared, deny or remove",
                                      item->value);
        *on_reject = a;
        return 0;
}

static int policy_parse_verifier(const IniItem *item, void *data, ConfError *ret_error) {
        VerifierSpec *v = data, n = {};
        int r;

        if (!isempty(item->value)) {
                r = verifier_spec_parse(item->value, &n);
                if (r == -ENOMEM)
                        return ini_item_error(ret_error, item, r, "Out of memory");
                if (r < 0)
                        return ini_item_error(ret_error, item, r,
                                              "Invalid verifier '%s', expected none, push, "
                                              "exec:/ABSOLUTE/PATH or local:/ABSOLUTE/PATH", item->value);
        }
        verifier_spec_done(v);
        *v = n;
        return 0;
}

static const IniTableItem policy_table[] = {
        { "Match", "Bus", policy_parse_bus, offsetof(PolicyRule, buses) },
        { "Match", "Vendor", policy_parse_vendor, 0 },
        { "Match", "Device", policy_parse_device, 0 },
        { "Match", "SubsystemVendor", policy_parse_subsystem_vendor, 0 },
        { "Match", "SubsystemDevice", policy_parse_subsystem_device, 0 },
        { "Match", "Class", policy_parse_class, 0 },
        { "Match", "Path", policy_parse_device_globs, offsetof(PolicyRule, paths) },
        { "Match", "Modalias", policy_parse_device_globs, offsetof(PolicyRule, modaliases) },
        { "Match", "TDISP", policy_parse_tdisp, 0 },
        { "Policy", "Action", policy_parse_action, 0 },
        { "Policy", "Driver", policy_parse_driver, 0 },
        { "Policy", "Prepare", policy_parse_prepare, offsetof(PolicyRule, prepare) },
        { "Policy", "OnReject", policy_parse_on_reject, offsetof(PolicyRule, on_reject) },
        { "Policy", "Verifier", policy_parse_verifier, offsetof(PolicyRule, verifier) },
};

typedef struct PolicyParser {
        PolicyRule *rule;
        unsigned match_line;    /* first [Match] header, 0 if none yet */
        unsigned policy_line;   /* first [Policy] header */
} PolicyParser;

static int policy_dispatch(const IniItem *item, void *userdata, ConfError *ret_error) {
        PolicyParser *p = userdata;
        int r;

        r = ini_table_dispatch(policy_table, ELEMENTSOF(policy_table), item, p->rule, ret_error);
        if (r < 0 || item->key)
                return r;

        if (streq(item->section, "Match") && p->match_line == 0)
                p->match_line = item->line;
        else if (streq(item->section, "Policy") && p->policy_line == 0)
                p->policy_line = item->line;
        return 0;
}

int policy_rule_parse_buffer(const char *data, size_t size, const char *filename, PolicyRule **ret,
                             ConfError *ret_error) {
        _cleanup_(policy_rule_freep) PolicyRule *rule = NULL;
        PolicyParser p;
        int r;

        assert(ret);

        rule = calloc(1, sizeof(PolicyRule));
        if (!rule)
                return conf_error_set(ret_error, filename, 0, NULL, -ENOMEM, "Out of memory");
        rule->tdisp = -1;
        rule->action = _POLICY_ACTION_INVALID;
        rule->prepare = PREPARE_AUTO;
        rule->on_reject = POLICY_ACTION_DENY;
        rule->verifier = (VerifierSpec) { .kind = VERIFIER_NONE };
        if (free_and_strdup(&rule->filename, filename) < 0)
                return conf_error_set(ret_error, filename, 0, NULL, -ENOMEM, "Out of memory");

        p = (PolicyParser) { .rule = rule };
        r = ini_parse_buffer(data, size, filename, policy_dispatch, &p, ret_error);
        if (r < 0)
                return r;

        /* A rule without [Match] would match everything by accident; an empty [Match] does so on
         * purpose. */
        if (p.match_line == 0)
                return conf_error_set(ret_error, filename, 0, NULL, -EBADMSG,
                                      "Missing [Match] section "
                                      "(write an empty [Match] to match every device)");
        if (p.policy_line == 0)
                return conf_error_set(ret_error, filename, 0, NULL, -EBADMSG, "Missing [Policy] section");
        if (rule->action < 0)
                return conf_error_set(ret_error, filename, p.policy_line, "Policy.Action", -EBADMSG,
                                      "Missing Action= (accept, shared, deny or remove)");

        rule->line = p.match_line;
        *ret = TAKE_PTR(rule);
        return 0;
}

/* Most globs start with literal text ("pci", "pci:v00008086d*", "0000:03:*"): compare that part
 * first and call fnmatch() only when it agrees, which in a long policy is rarely. */
static bool glob_match(const char *g, const char *s) {
        size_t k = strcspn(g, "*?[\\");

        if (strncmp(g, s, k) != 0)
                return false;
        if (g[k] == '\0')
                return s[k] == '\0';
        return fnmatch(g + k, s + k, 0) == 0;
}

static bool glob_list_match(char *const *globs, const char *s) {
        if (!s)
                return false;
        STRV_FOREACH(g, globs)
                if (glob_match(*g, s))
                        return true;
        return false;
}

static bool id_list_match(const uint32_t *ids, size_t n_ids, const DeviceInfo *d, DeviceIdField field,
                          uint32_t value) {
        if (n_ids == 0)
                return true;
        if (!(d->ids & field))
                return false;
        for (size_t i = 0; i < n_ids; i++)
                if (ids[i] == value)
                        return true;
        return false;
}

static bool class_list_match(const ClassMatch *classes, size_t n_classes, const DeviceInfo *d) {
        if (n_classes == 0)
                return true;
        if (!(d->ids & DEVICE_ID_CLASS))
                return false;
        for (size_t i = 0; i < n_classes; i++)
                if ((d->class & classes[i].mask) == classes[i].value)
                        return true;
        return false;
}

bool policy_rule_matches(const PolicyRule *r, const DeviceInfo *d) {
        assert(r);
        assert(d);

        /* All keys must hold and none has side effects: the integer comparisons go first because
         * they reject most rules for a few instructions, the globs last. */
        if (!(id_list_match(r->vendors, r->n_vendors, d, DEVICE_ID_VENDOR, d->vendor) &&
              id_list_match(r->devices, r->n_devices, d, DEVICE_ID_DEVICE, d->device) &&
              id_list_match(r->subsystem_vendors, r->n_subsystem_vendors, d, DEVICE_ID_SUBSYSTEM_VENDOR,
                            d->subsystem_vendor) &&
              id_list_match(r->subsystem_devices, r->n_subsystem_devices, d, DEVICE_ID_SUBSYSTEM_DEVICE,
                            d->subsystem_device) &&
              class_list_match(r->classes, r->n_classes, d) && (r->tdisp < 0 || r->tdisp == d->tdisp)))
                return false;

        if (r->buses && !glob_list_match(r->buses, d->bus))
                return false;
        if (r->paths && !glob_list_match(r->paths, d->sysname))
                return false;
        if (r->modaliases && !glob_list_match(r->modaliases, d->modalias))
                return false;
        return true;
}

const PolicyRule *policy_match(const Policy *p, const DeviceInfo *d) {
        assert(p);
        assert(d);

        for (size_t i = 0; i < p->n_rules; i++)
                if (policy_rule_matches(p->rules[i], d))
                        return p->rules[i];
        return NULL;
}

char *policy_rule_label(const PolicyRule *r) {
        const char *slash;

        assert(r);

        /* One file is one rule, so the file name alone identifies it. */
        if (!r->filename)
                return strdup("(unnamed rule)");
        slash = strrchr(r->filename, '/');
        return strdup(slash ? slash + 1 : r->filename);
}

static void summary_add_ids(FILE *f, const char *key, const uint32_t *ids, size_t n) {
        if (n == 0)
                return;
        fprintf(f, " %s=", key);
        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s0x%04x", i > 0 ? " " : "", ids[i]);
}

static void summary_add_strv(FILE *f, const char *key, char *const *l) {
        if (strv_length(l) == 0)
                return;
        fprintf(f, " %s=", key);
        STRV_FOREACH(i, l)
                fprintf(f, "%s%s", i == l ? "" : " ", *i);
}

char *policy_rule_match_summary(const PolicyRule *r) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;

        summary_add_strv(f, "Bus", r->buses);
        summary_add_ids(f, "Vendor", r->vendors, r->n_vendors);
        summary_add_ids(f, "Device", r->devices, r->n_devices);
        summary_add_ids(f, "SubsystemVendor", r->subsystem_vendors, r->n_subsystem_vendors);
        summary_add_ids(f, "SubsystemDevice", r->subsystem_devices, r->n_subsystem_devices);
        for (size_t i = 0; i < r->n_classes; i++)
                fprintf(f, " Class=0x%06x/0x%06x", r->classes[i].value, r->classes[i].mask);
        summary_add_strv(f, "Path", r->paths);
        summary_add_strv(f, "Modalias", r->modaliases);
        if (r->tdisp >= 0)
                fprintf(f, " TDISP=%s", r->tdisp ? "yes" : "no");

        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        /* Drop the leading space. */
        if (buf && buf[0] == ' ')
                memmove(buf, buf + 1, strlen(buf));
        return buf;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* verdict.c — the relying party's answer: the JSON an exec: verifier prints on stdout. */

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "json-util.h"
#include "verdict.h"

static const char *const verdict_kind_table[_VERDICT_KIND_MAX] = {
        [VERDICT_APPROVE] = "approve",
        [VERDICT_REJECT] = "reject",
};

DEFINE_STRING_TABLE_LOOKUP(verdict_kind, VerdictKind, _VERDICT_KIND_MAX);

Verdicts *verdicts_free(Verdicts *v) {
        if (!v)
                return NULL;
        for (size_t i = 0; i < v->n_entries; i++) {
                free(v->entries[i].device);
                free(v->entries[i].reason);
        }
        free(v->entries);
        return mfree(v);
}

static bool verdict_device_name_is_valid(const char *s) {
        if (isempty(s) || !string_is_printable_ascii(s, VERDICT_DEVICE_NAME_MAX))
                return false;
        return !strpbrk(s, "/ ") && !streq(s, ".") && !streq(s, "..");
}

/* The string at key in o: 1 and *ret, 0 when absent (and not required), or an error. */
static int get_string(json_object *o, const char *key, const char *path, bool required, const char **ret,
                      ConfError *e) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v)) {
                if (required)
                        return conf_error_set(e, VERDICT_SOURCE, 0, path, -EBADMSG, "missing");
                return 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return conf_error_set(e, VERDICT_SOURCE, 0, path, -EBADMSG, "must be a string");
        *ret = json_object_get_string(v);
        /* A "\u0000" inside would make the C string shorter than the JSON one. */
        if (strlen(*ret) != (size_t) json_object_get_string_len(v))
                return conf_error_set(e, VERDICT_SOURCE, 0, path, -EBADMSG, "contains a NUL character");
        return 1;
}

static int parse_digest(json_object *o, const char *key, const char *path, bool required,
                        char ret[static SHA384_STRING_MAX], ConfError *e) {
        const char *s = NULL;
        int r;

        r = get_string(o, key, path, required, &s, e);
        if (r <= 0)
                return r;
        if (!sha384_string_is_valid(s))
                return conf_error_set(e, VERDICT_SOURCE, 0, path, -EBADMSG,
                                      "not a digest: expected 'sha384:' and 96 lowercase hex digits");
        memcpy(ret, s, SHA384_STRING_MAX);
        return 1;
}

static int parse_entry(Verdicts *v, size_t i, json_object *o, ConfError *e) {
        static const char *const keys[] = { "device", "evidence_digest", "verdict", "reason", NULL };
        VerdictEntry *entry = &v->entries[i];
        const char *device = NULL, *kind = NULL, *reason = NULL, *unknown;
        char path[64];
        int r;

        (void) snprintf(path, sizeof(path), "verdicts[%zu]", i);
        if (!json_object_is_type(o, json_type_object))
                return conf_error_set(e, VERDICT_SOURCE, 0, path, -EBADMSG, "must be an object");
        unknown = json_object_first_unknown_key(o, keys);
        if (unknown)
                return conf_error_set(e, VERDICT_SOURCE, 0, path, -EBADMSG, "unknown key '%.64s'", unknown);

        (void) snprintf(path, sizeof(path), "verdicts[%zu].device", i);
        r = get_string(o, "device", path, true, &device, e);
        if (r < 0)
                return r;
        if (!verdict_device_name_is_valid(device))
                return conf_error_set(
                        e, VERDICT_SOURCE, 0, path, -EBADMSG,
                        "not a device name (printable ASCII without '/' or spaces, at most %u)",
                        VERDICT_DEVICE_NAME_MAX);
        for (size_t k = 0; k < i; k++)
                if (streq(v->entries[k].device, device))
                        return conf_error_set(e, VERDICT_SOURCE, 0, path, -EBADMSG,
                                              "'%s' already has a verdict in verdicts[%zu]", device, k);

        (void) snprintf(path, sizeof(path), "verdicts[%zu].evidence_digest", i);
        r = parse_digest(o, "evidence_digest", path, true, entry->evidence_digest, e);
        if (r < 0)
                return r;

        (void) snprintf(path, sizeof(path), "verdicts[%zu].verdict", i);
        r = get_string(o, "verdict", path, true, &kind, e);
        if (r < 0)
                return r;
        entry->kind = verdict_kind_from_string(kind);
        if (entry->kind < 0)
                return conf_error_set(e, VERDICT_SOURCE, 0, path, -EBADMSG, "must be 'approve' or 'reject'");

        (void) snprintf(path, sizeof(path), "verdicts[%zu].reason", i);
        r = get_string(o, "reason", path, false, &reason, e);
        if (r < 0)
                return r;
        if (r > 0 && !string_is_printable_ascii(reason, VERDICT_REASON_MAX))
                return conf_error_set(e, VERDICT_SOURCE, 0, path, -EBADMSG,
                                      "must be printable ASCII of at most %u characters",
                                      VERDICT_REASON_MAX);

        entry->device = strdup(device);
        if (!entry->device)
                return -ENOMEM;
        if (reason) {
                entry->reason = strdup(reason);
                if (!entry->reason)
                        return -ENOMEM;
        }
        return 0;
}

int verdicts_parse(const char *data, size_t size, const char *expected_bundle_digest, Verdicts **ret,
                   ConfError *ret_error) {
        static const char *const keys[] = { "version", "verdicts", "lock_topology", "bundle_digest", NULL };
        _cleanup_(verdicts_freep) Verdicts *v = NULL;
        _cleanup_json_ json_object *root = NULL;
        json_object *o;
        const char *unknown;
        size_t n;
        int r;

        assert(data || size == 0);
        assert(ret);

        r = json_parse_object_strict(data, size, VERDICT_INPUT_MAX, VERDICT_SOURCE, &root, ret_error);
        if (r < 0)
                return r;

        unknown = json_object_first_unknown_key(root, keys);
        if (unknown)
                return conf_error_set(ret_error, VERDICT_SOURCE, 0, NULL, -EBADMSG, "unknown key '%.64s'",
                                      unknown);

        if (!json_object_object_get_ex(root, "version", &o))
                return conf_error_set(ret_error, VERDICT_SOURCE, 0, "version", -EBADMSG, "missing");
        if (!json_object_is_type(o, json_type_int))
                return conf_error_set(ret_error, VERDICT_SOURCE, 0, "version", -EBADMSG,
                                      "must be an integer");
        if (json_object_get_int64(o) != VERDICT_VERSION)
                return conf_error_set(ret_error, VERDICT_SOURCE, 0, "version", -EPROTONOSUPPORT,
                                      "version %" PRIi64 " is not supported, only %i",
                                      json_object_get_int64(o), VERDICT_VERSION);

        v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;

        r = parse_digest(root, "bundle_digest", "bundle_digest", false, v->bundle_digest, ret_error);
        if (r < 0)
                return r;
        if (r > 0 && expected_bundle_digest && !streq(v->bundle_digest, expected_bundle_digest))
                return conf_error_set(ret_error, VERDICT_SOURCE, 0, "bundle_digest", -ESTALE,
                                      "answers bundle '%s', not the one sent ('%s')", v->bundle_digest,
                                      expected_bundle_digest);

        if (json_object_object_get_ex(root, "lock_topology", &o)) {
                if (!json_object_is_type(o, json_type_boolean))
                        return conf_error_set(ret_error, VERDICT_SOURCE, 0, "lock_topology", -EBADMSG,
                                              "must be true or false");
                v->lock_topology = json_object_get_boolean(o);
        }

        if (!json_object_object_get_ex(root, "verdicts", &o))
                return conf_error_set(ret_error, VERDICT_SOURCE, 0, "verdicts", -EBADMSG, "missing");
        if (!json_object_is_type(o, json_type_array))
                return conf_error_set(ret_error, VERDICT_SOURCE, 0, "verdicts", -EBADMSG,
                                      "must be an array");
        n = json_object_array_length(o);
        if (n > VERDICT_ENTRIES_MAX)
                return conf_error_set(ret_error, VERDICT_SOURCE, 0, "verdicts", -EBADMSG,
                                      "more than %u entries", VERDICT_ENTRIES_MAX);

        v->entries = calloc(MAX(n, (size_t) 1), sizeof(VerdictEntry));
        if (!v->entries)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                /* Counted as we go, so that verdicts_free() frees exactly what was filled. */
                v->n_entries = i + 1;
                r = parse_entry(v, i, json_object_array_get_idx(o, i), ret_error);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(v);
        return 0;
}

int verdict_lookup(const Verdicts *v, const char *device, const char *expected_digest, bool *ret_approve,
                   const char **ret_reason) {
        assert(v);
        assert(device);
        assert(ret_approve);

        if (!sha384_string_is_valid(expected_digest))
                return -EINVAL;

        for (size_t i = 0; i < v->n_entries; i++) {
                const VerdictEntry *entry = &v->entries[i];

                if (!streq(entry->device, device))
                        continue;

                if (!streq(entry->evidence_digest, expected_digest)) {
                        *ret_approve = false;
                        if (ret_reason)
                                *ret_reason = "stale evidence";
                        return -ESTALE;
                }
                *ret_approve = entry->kind == VERDICT_APPROVE;
                if (ret_reason)
                        *ret_reason = entry->reason;
                return 0;
        }
        return -ENOENT;
}

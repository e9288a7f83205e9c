/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* reference-values.c — the local:PATH relying party: expected evidence digests per device identity. */

#include <assert.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "json-util.h"
#include "parse-util.h"
#include "reference-values.h"

static const char *const reference_kind_table[_REFERENCE_KIND_MAX] = {
        [REFERENCE_CERTIFICATES] = "certificates",
        [REFERENCE_MEASUREMENTS] = "measurements",
        [REFERENCE_REPORT] = "report",
};

DEFINE_STRING_TABLE_LOOKUP(reference_kind, ReferenceKind, _REFERENCE_KIND_MAX);

static void reference_entry_done(ReferenceEntry *e) {
        free(e->path);
        for (ReferenceKind k = 0; k < _REFERENCE_KIND_MAX; k++)
                free(e->digests[k]);
}

ReferenceValues *reference_values_free(ReferenceValues *r) {
        if (!r)
                return NULL;
        for (size_t i = 0; i < r->n_entries; i++)
                reference_entry_done(&r->entries[i]);
        free(r->entries);
        return mfree(r);
}

typedef struct ParseContext {
        const char *filename;
        ConfError *error;
        char path[96];
} ParseContext;

static _printf_(2, 3) const char *ctx_path(ParseContext *c, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        (void) vsnprintf(c->path, sizeof(c->path), format, ap);
        va_end(ap);
        return c->path;
}

static int ctx_fail(ParseContext *c, int error, const char *message) {
        return conf_error_set(c->error, c->filename, 0, c->path, error, "%s", message);
}

static int parse_id(ParseContext *c, json_object *v, uint32_t *ret) {
        const char *s;
        uint32_t id;

        if (!json_object_is_type(v, json_type_string))
                return ctx_fail(c, -EBADMSG, "must be a string such as \"0x1b36\"");
        s = json_object_get_string(v);
        if (strlen(s) != (size_t) json_object_get_string_len(v) || safe_atoux32(s, &id) < 0 || id > 0xffff)
                return ctx_fail(c, -EBADMSG, "not a 16 bit hexadecimal id such as \"0x1b36\"");
        *ret = id;
        return 0;
}

static int parse_match(ParseContext *c, size_t i, json_object *o, ReferenceEntry *entry) {
        static const struct {
                const char *key;
                unsigned bit;
                size_t offset;
        } ids[] = {
                { "vendor", DEVICE_ID_VENDOR, offsetof(ReferenceEntry, vendor) },
                { "device_id", DEVICE_ID_DEVICE, offsetof(ReferenceEntry, device) },
                { "subsystem_vendor", DEVICE_ID_SUBSYSTEM_VENDOR,
                  offsetof(ReferenceEntry, subsystem_vendor) },
                { "subsystem_device", DEVICE_ID_SUBSYSTEM_DEVICE,
                  offsetof(ReferenceEntry, subsystem_device) },
        };
        static const char *const keys[] = { "vendor", "device_id", "subsystem_vendor", "subsystem_device",
                                            "path", NULL };
        const char *unknown;
        json_object *v;
        int r;

        ctx_path(c, "devices[%zu].match", i);
        if (!json_object_is_type(o, json_type_object))
                return ctx_fail(c, -EBADMSG, "must be an object");
        unknown = json_object_first_unknown_key(o, keys);
        if (unknown)
                return conf_error_set(c->error, c->filename, 0, c->path, -EBADMSG,
                                      "unknown key '%.64s' (vendor, device_id, subsystem_vendor, "
                                      "subsystem_device, path)", unknown);
        if (json_object_object_length(o) == 0)
                return ctx_fail(c, -EBADMSG,
                                "must name at least one of vendor, device_id, subsystem_vendor, "
                                "subsystem_device, path");

        for (size_t k = 0; k < ELEMENTSOF(ids); k++) {
                if (!json_object_object_get_ex(o, ids[k].key, &v))
                        continue;
                ctx_path(c, "devices[%zu].match.%s", i, ids[k].key);
                r = parse_id(c, v, (uint32_t *) ((uint8_t *) entry + ids[k].offset));
                if (r < 0)
                        return r;
                entry->ids |= ids[k].bit;
        }

        if (json_object_object_get_ex(o, "path", &v)) {
                const char *s;

                ctx_path(c, "devices[%zu].match.path", i);
                if (!json_object_is_type(v, json_type_string))
                        return ctx_fail(c, -EBADMSG, "must be a string");
                s = json_object_get_string(v);
                if (isempty(s) || strchr(s, '/') ||
                    !string_is_printable_ascii(s, REFERENCE_VALUES_PATH_MAX) ||
                    strlen(s) != (size_t) json_object_get_string_len(v))
                        return ctx_fail(c, -EBADMSG,
                                        "must be a glob on device names: printable ASCII without "
                                        "'/', at most 256 characters");
                entry->path = strdup(s);
                if (!entry->path)
                        return -ENOMEM;
        }
        return 0;
}

static int parse_digests(ParseContext *c, size_t i, ReferenceKind kind, json_object *v,
                         ReferenceEntry *entry) {
        const char *name = reference_kind_to_string(kind);
        size_t n;

        ctx_path(c, "devices[%zu].%s", i, name);
        if (json_object_is_type(v, json_type_string))
                n = 1;
        else if (json_object_is_type(v, json_type_array)) {
                n = json_object_array_length(v);
                if (n == 0 || n > REFERENCE_VALUES_ALTERNATIVES_MAX)
                        return conf_error_set(c->error, c->filename, 0, c->path, -EBADMSG,
                                              "must list 1 to %u digests",
                                              REFERENCE_VALUES_ALTERNATIVES_MAX);
        } else
                return ctx_fail(c, -EBADMSG, "must be a digest or an array of digests");

        entry->digests[kind] = calloc(n, sizeof(*entry->digests[kind]));
        if (!entry->digests[kind])
                return -ENOMEM;
        entry->n_digests[kind] = n;

        for (size_t k = 0; k < n; k++) {
                json_object *s =
                        json_object_is_type(v, json_type_array) ? json_object_array_get_idx(v, k) : v;

                if (json_object_is_type(v, json_type_array))
                        ctx_path(c, "devices[%zu].%s[%zu]", i, name, k);
                if (!json_object_is_type(s, json_type_string) ||
                    strlen(json_object_get_string(s)) != (size_t) json_object_get_string_len(s) ||
                    sha384_from_string(json_object_get_string(s), entry->digests[kind][k]) < 0)
                        return ctx_fail(c, -EBADMSG,
                                        "not a digest: expected 'sha384:' and 96 lowercase hex digits");
        }
        return 0;
}

static int parse_entry(ParseContext *c, size_t i, json_object *o, ReferenceEntry *entry) {
        static const char *const keys[] = { "match", "certificates", "measurements", "report", NULL };
        const char *unknown;
        bool any = false;
        json_object *v;
        int r;

        ctx_path(c, "devices[%zu]", i);
        if (!json_object_is_type(o, json_type_object))
                return ctx_fail(c, -EBADMSG, "must be an object");
        unknown = json_object_first_unknown_key(o, keys);
        if (unknown)
                return conf_error_set(c->error, c->filename, 0, c->path, -EBADMSG, "unknown key '%.64s'",
                                      unknown);

        if (!json_object_object_get_ex(o, "match", &v)) {
                ctx_path(c, "devices[%zu].match", i);
                return ctx_fail(c, -EBADMSG, "missing");
        }
        r = parse_match(c, i, v, entry);
        if (r < 0)
                return r;

        for (ReferenceKind k = 0; k < _REFERENCE_KIND_MAX; k++) {
                if (!json_object_object_get_ex(o, reference_kind_to_string(k), &v))
                        continue;
                r = parse_digests(c, i, k, v, entry);
                if (r < 0)
                        return r;
                any = true;
        }
        if (!any) {
                ctx_path(c, "devices[%zu]", i);
                return ctx_fail(c, -EBADMSG, "names none of certificates, measurements, report");
        }
        return 0;
}

int reference_values_parse(const char *data, size_t size, const char *filename, ReferenceValues **ret,
                           ConfError *ret_error) {
        static const char *const keys[] = { "version", "devices", NULL };
        _cleanup_(reference_values_freep) ReferenceValues *refs = NULL;
        _cleanup_json_ json_object *root = NULL;
        ParseContext c = { .filename = filename, .error = ret_error };
        const char *unknown;
        json_object *o;
        size_t n;
        int r;

        assert(data || size == 0);
        assert(ret);

        r = json_parse_object_strict(data, size, REFERENCE_VALUES_INPUT_MAX, filename, &root, ret_error);
        if (r < 0)
                return r;

        unknown = json_object_first_unknown_key(root, keys);
        if (unknown)
                return conf_error_set(ret_error, filename, 0, NULL, -EBADMSG, "unknown key '%.64s'",
                                      unknown);

        ctx_path(&c, "version");
        if (!json_object_object_get_ex(root, "version", &o))
                return ctx_fail(&c, -EBADMSG, "missing");
        if (!json_object_is_type(o, json_type_int))
                return ctx_fail(&c, -EBADMSG, "must be an integer");
        if (json_object_get_int64(o) != REFERENCE_VALUES_VERSION)
                return conf_error_set(ret_error, filename, 0, "version", -EPROTONOSUPPORT,
                                      "version %" PRIi64 " is not supported, only %i",
                                      json_object_get_int64(o), REFERENCE_VALUES_VERSION);

        ctx_path(&c, "devices");
        if (!json_object_object_get_ex(root, "devices", &o))
                return ctx_fail(&c, -EBADMSG, "missing");
        if (!json_object_is_type(o, json_type_array))
                return ctx_fail(&c, -EBADMSG, "must be an array");
        n = json_object_array_length(o);
        if (n > REFERENCE_VALUES_ENTRIES_MAX)
                return conf_error_set(ret_error, filename, 0, "devices", -EBADMSG, "more than %u entries",
                                      REFERENCE_VALUES_ENTRIES_MAX);

        refs = calloc(1, sizeof(*refs));
        if (!refs)
                return -ENOMEM;
        refs->entries = calloc(MAX(n, (size_t) 1), sizeof(ReferenceEntry));
        if (!refs->entries)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                refs->n_entries = i + 1;
                r = parse_entry(&c, i, json_object_array_get_idx(o, i), &refs->entries[i]);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(refs);
        return 0;
}

static bool id_matches(const ReferenceEntry *e, const DeviceInfo *d, unsigned bit, uint32_t want,
                       uint32_t have) {
        if (!(e->ids & bit))
                return true;
        return (d->ids & bit) && want == have;
}

const ReferenceEntry *reference_values_match(const ReferenceValues *refs, const DeviceInfo *d) {
        assert(refs);
        assert(d);

        for (size_t i = 0; i < refs->n_entries; i++) {
                const ReferenceEntry *e = &refs->entries[i];

                if (id_matches(e, d, DEVICE_ID_VENDOR, e->vendor, d->vendor) &&
                    id_matches(e, d, DEVICE_ID_DEVICE, e->device, d->device) &&
                    id_matches(e, d, DEVICE_ID_SUBSYSTEM_VENDOR, e->subsystem_vendor, d->subsystem_vendor) &&
                    id_matches(e, d, DEVICE_ID_SUBSYSTEM_DEVICE, e->subsystem_device, d->subsystem_device) &&
                    (!e->path || (d->sysname && fnmatch(e->path, d->sysname, 0) == 0)))
                        return e;
        }
        return NULL;
}

/* The digest of kind in evidence: 0, or -ENOENT when the evidence lacks what it is computed from. */
static int evidence_digest_of_kind(const EvidenceSet *evidence, ReferenceKind kind,
                                   uint8_t ret[static SHA384_DIGEST_SIZE]) {
        const EvidenceObject *o;

        switch (kind) {
        case REFERENCE_CERTIFICATES:
                return evidence_set_certificates_digest(evidence, ret);
        case REFERENCE_MEASUREMENTS:
                o = evidence_set_get(evidence, EVIDENCE_MEASUREMENTS);
                break;
        case REFERENCE_REPORT:
                o = evidence_set_get(evidence, EVIDENCE_REPORT);
                break;
        case _REFERENCE_KIND_MAX:
        case _REFERENCE_KIND_INVALID:
                assert(false);
                return -EINVAL;
        }
        if (!o)
                return -ENOENT;
        memcpy(ret, o->sha384, SHA384_DIGEST_SIZE);
        return 0;
}

int reference_values_judge(const ReferenceValues *refs, const DeviceInfo *d, const EvidenceSet *evidence,
                           bool *ret_approve, char **ret_reason) {
        const ReferenceEntry *e;
        char *reason = NULL;
        size_t index;
        int r;

        assert(refs);
        assert(d);
        assert(evidence);
        assert(ret_approve);
        assert(ret_reason);

        e = reference_values_match(refs, d);
        if (!e) {
                reason = strdup("no reference values");
                if (!reason)
                        return -ENOMEM;
                *ret_approve = false;
                *ret_reason = reason;
                return 0;
        }
        index = (size_t) (e - refs->entries);

        for (ReferenceKind k = 0; k < _REFERENCE_KIND_MAX; k++) {
                uint8_t digest[SHA384_DIGEST_SIZE];
                char s[SHA384_STRING_MAX];
                bool found = false;

                if (e->n_digests[k] == 0)
                        continue;

                r = evidence_digest_of_kind(evidence, k, digest);
                if (r == -ENOENT) {
                        if (asprintf(&reason, "reference values devices[%zu]: no %s in the evidence", index,
                                     reference_kind_to_string(k)) < 0)
                                return -ENOMEM;
                        *ret_approve = false;
                        *ret_reason = reason;
                        return 0;
                }
                if (r < 0)
                        return r;

                for (size_t n = 0; n < e->n_digests[k]; n++)
                        if (memcmp(e->digests[k][n], digest, SHA384_DIGEST_SIZE) == 0)
                                found = true;
                if (!found) {
                        if (asprintf(&reason,
                                     "reference values devices[%zu]: %s digest %s is not a reference value",
                                     index, reference_kind_to_string(k), sha384_to_string(digest, s)) < 0)
                                return -ENOMEM;
                        *ret_approve = false;
                        *ret_reason = reason;
                        return 0;
                }
        }

        if (asprintf(&reason, "matches reference values devices[%zu]", index) < 0)
                return -ENOMEM;
        *ret_approve = true;
        *ret_reason = reason;
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* state-file.c — what tdispd keeps in /run/tdispd: serialize and (paranoid) parse. */

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "device-info.h"
#include "hashmap.h"
#include "json-util.h"
#include "state-file.h"
#include "strv.h"

#define STATE_DEVICE_IDS_ALL                                                                           \
        (DEVICE_ID_VENDOR | DEVICE_ID_DEVICE | DEVICE_ID_SUBSYSTEM_VENDOR | DEVICE_ID_SUBSYSTEM_DEVICE | \
         DEVICE_ID_CLASS)
#define STATE_TOPOLOGY_IDS_ALL (DEVICE_ID_VENDOR | DEVICE_ID_DEVICE)

static const char *const state_verdict_table[_STATE_VERDICT_MAX] = {
        [STATE_VERDICT_NONE] = "none",
        [STATE_VERDICT_APPROVE] = "approve",
        [STATE_VERDICT_REJECT] = "reject",
};

DEFINE_STRING_TABLE_LOOKUP(state_verdict, StateVerdict, _STATE_VERDICT_MAX);

/* The ids as (key, bit, field offset, hex digits); the topology uses the first two. */
static const struct {
        const char *key;
        unsigned bit;
        size_t offset;
        int digits;
} state_ids[] = {
        { "vendor", DEVICE_ID_VENDOR, offsetof(StateDevice, vendor), 4 },
        { "device_id", DEVICE_ID_DEVICE, offsetof(StateDevice, device_id), 4 },
        { "subsystem_vendor", DEVICE_ID_SUBSYSTEM_VENDOR, offsetof(StateDevice, subsystem_vendor), 4 },
        { "subsystem_device", DEVICE_ID_SUBSYSTEM_DEVICE, offsetof(StateDevice, subsystem_device), 4 },
        { "class", DEVICE_ID_CLASS, offsetof(StateDevice, class), 6 },
};

static void state_device_done(StateDevice *d) {
        free(d->device);
        free(d->syspath);
        free(d->bus);
        free(d->decision_rule);
        free(d->reason);
}

static void state_topology_entry_done(StateTopologyEntry *e) {
        free(e->device);
        free(e->bus);
}

int state_file_new(StateFile **ret) {
        StateFile *s;

        assert(ret);

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

StateFile *state_file_free(StateFile *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_devices; i++)
                state_device_done(&s->devices[i]);
        free(s->devices);
        for (size_t i = 0; i < s->n_topology; i++)
                state_topology_entry_done(&s->topology[i]);
        free(s->topology);
        return mfree(s);
}

static int strdup_optional(const char *s, char **ret) {
        *ret = NULL;
        if (!s)
                return 0;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

int state_file_add_device(StateFile *s, const StateDevice *d) {
        StateDevice copy = *d, *p;

        assert(s);
        assert(d);

        copy.device = copy.syspath = copy.bus = copy.decision_rule = copy.reason = NULL;
        if (strdup_optional(d->device, &copy.device) < 0 || strdup_optional(d->syspath, &copy.syspath) < 0 ||
            strdup_optional(d->bus, &copy.bus) < 0 ||
            strdup_optional(d->decision_rule, &copy.decision_rule) < 0 ||
            strdup_optional(d->reason, &copy.reason) < 0)
                goto oom;

        p = reallocarray(s->devices, s->n_devices + 1, sizeof(StateDevice));
        if (!p)
                goto oom;
        s->devices = p;
        s->devices[s->n_devices++] = copy;
        return 0;

oom:
        state_device_done(&copy);
        return -ENOMEM;
}

int state_file_add_topology_entry(StateFile *s, const StateTopologyEntry *e) {
        StateTopologyEntry copy = *e, *p;

        assert(s);
        assert(e);

        copy.device = copy.bus = NULL;
        if (strdup_optional(e->device, &copy.device) < 0 || strdup_optional(e->bus, &copy.bus) < 0)
                goto oom;

        p = reallocarray(s->topology, s->n_topology + 1, sizeof(StateTopologyEntry));
        if (!p)
                goto oom;
        s->topology = p;
        s->topology[s->n_topology++] = copy;
        return 0;

oom:
        state_topology_entry_done(&copy);
        return -ENOMEM;
}

const StateDevice *state_file_find_device(const StateFile *s, const char *device) {
        assert(s);

        for (size_t i = 0; i < s->n_devices; i++)
                if (streq_ptr(s->devices[i].device, device))
                        return &s->devices[i];
        return NULL;
}

const StateDevice *state_file_find_device_by_syspath(const StateFile *s, const char *syspath) {
        assert(s);

        for (size_t i = 0; i < s->n_devices; i++)
                if (streq_ptr(s->devices[i].syspath, syspath))
                        return &s->devices[i];
        return NULL;
}

/* -- validation, shared by the writer (error -EINVAL: a bug) and the reader (-EBADMSG: bad file) -- */

typedef struct Checker {
        const char *filename;
        ConfError *error;
        int code;
        char path[96];
} Checker;

static _printf_(3, 4) int check_fail(Checker *c, const char *key, const char *format, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, format);
        if (vasprintf(&msg, format, ap) < 0)
                msg = NULL;
        va_end(ap);
        return conf_error_set(c->error, c->filename, 0, key, c->code, "%s", strna(msg));
}

static _printf_(2, 3) const char *check_path(Checker *c, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        (void) vsnprintf(c->path, sizeof(c->path), format, ap);
        va_end(ap);
        return c->path;
}

static bool name_is_valid(const char *s, size_t max) {
        return !isempty(s) && strlen(s) <= max && !strchr(s, '/') && !streq(s, ".") && !streq(s, "..");
}

static bool syspath_is_valid(const char *syspath, const char *device) {
        const char *rest, *last;

        /* A quarter of the limit: escaping may quadruple it. */
        if (!syspath || strlen(syspath) > STATE_FILE_STRING_MAX / 4)
                return false;
        rest = startswith(syspath, "/sys/devices/");
        if (!rest || strstr(syspath, "//") || strstr(syspath, "/./") || strstr(syspath, "/../"))
                return false;
        last = strrchr(syspath, '/');
        return streq(last + 1, device);
}

static bool digest_is_valid_or_empty(const char *s) {
        return isempty(s) || sha384_string_is_valid(s);
}

static int check_device(Checker *c, const StateFile *s, size_t i) {
        const StateDevice *d = &s->devices[i];

        if (!name_is_valid(d->device, 256))
                return check_fail(c, check_path(c, "devices[%zu].device", i), "not a device name");
        if (!syspath_is_valid(d->syspath, d->device))
                return check_fail(c, check_path(c, "devices[%zu].syspath", i),
                                  "must be a path under /sys/devices/ ending in the device name");
        if (!name_is_valid(d->bus, 64))
                return check_fail(c, check_path(c, "devices[%zu].bus", i), "not a bus name");
        if (d->ids & ~(unsigned) STATE_DEVICE_IDS_ALL)
                return check_fail(c, check_path(c, "devices[%zu]", i), "unknown id flags");
        for (size_t k = 0; k < ELEMENTSOF(state_ids); k++) {
                uint32_t v = *(const uint32_t *) ((const uint8_t *) d + state_ids[k].offset);
                if ((d->ids & state_ids[k].bit) && v >= (1U << (4 * state_ids[k].digits)))
                        return check_fail(c, check_path(c, "devices[%zu].%s", i, state_ids[k].key),
                                          "out of range");
        }
        if (d->decision_rule && (isempty(d->decision_rule) || strlen(d->decision_rule) > 256))
                return check_fail(c, check_path(c, "devices[%zu].decision_rule", i), "not a rule label");
        if (d->state < 0 || d->state >= _DEVICE_STATE_MAX)
                return check_fail(c, check_path(c, "devices[%zu].state", i), "unknown state");
        if (!digest_is_valid_or_empty(d->evidence_digest))
                return check_fail(c, check_path(c, "devices[%zu].evidence_digest", i), "not a digest");
        if (d->verdict < 0 || d->verdict >= _STATE_VERDICT_MAX)
                return check_fail(c, check_path(c, "devices[%zu].verdict", i), "unknown verdict");
        if (!digest_is_valid_or_empty(d->verdict_digest))
                return check_fail(c, check_path(c, "devices[%zu].verdict_digest", i), "not a digest");
        if ((d->verdict == STATE_VERDICT_NONE) != isempty(d->verdict_digest))
                return check_fail(c, check_path(c, "devices[%zu].verdict_digest", i),
                                  "must be present exactly when there is a verdict");
        if (d->accepted && (d->verdict != STATE_VERDICT_APPROVE || isempty(d->evidence_digest) ||
                            !streq(d->verdict_digest, d->evidence_digest)))
                return check_fail(c, check_path(c, "devices[%zu].accepted", i),
                                  "an accepted device needs an approval of its current evidence");
        if (d->rejected && (d->accepted || d->verdict == STATE_VERDICT_APPROVE))
                return check_fail(c, check_path(c, "devices[%zu].rejected", i),
                                  "a rejected device cannot be approved or accepted");
        if (d->reason && strlen(d->reason) > STATE_FILE_STRING_MAX / 4)
                return check_fail(c, check_path(c, "devices[%zu].reason", i), "too long");
        return 0;
}

static int check_topology_entry(Checker *c, const StateFile *s, size_t i) {
        const StateTopologyEntry *e = &s->topology[i];

        if (!name_is_valid(e->device, 256))
                return check_fail(c, check_path(c, "topology.devices[%zu].device", i), "not a device name");
        if (!name_is_valid(e->bus, 64))
                return check_fail(c, check_path(c, "topology.devices[%zu].bus", i), "not a bus name");
        if (e->ids & ~(unsigned) STATE_TOPOLOGY_IDS_ALL)
                return check_fail(c, check_path(c, "topology.devices[%zu]", i), "unknown id flags");
        if (((e->ids & DEVICE_ID_VENDOR) && e->vendor > 0xffff) ||
            ((e->ids & DEVICE_ID_DEVICE) && e->device_id > 0xffff))
                return check_fail(c, check_path(c, "topology.devices[%zu]", i), "id out of range");
        if (!digest_is_valid_or_empty(e->evidence_digest))
                return check_fail(c, check_path(c, "topology.devices[%zu].evidence_digest", i),
                                  "not a digest");
        return 0;
}

static bool boot_id_is_valid(const char *s) {
        if (strlen(s) != STATE_FILE_BOOT_ID_LENGTH)
                return false;
        for (; *s; s++)
                if (!strchr("0123456789abcdef", *s))
                        return false;
        return true;
}

char *state_topology_key(const char *bus, const char *device) {
        char *key;

        /* Neither a bus nor a device name can contain '/' (check_topology_entry()). */
        return asprintf(&key, "%s/%s", bus, device) < 0 ? NULL : key;
}

/* Duplicates are found through a hash table: comparing each entry with all before it made every
 * write of the state file quadratic in the number of devices (bench/PERFORMANCE.md). */
static int check_unique(Checker *c, Hashmap *seen, const char *key, const StateFile *s, size_t i,
                        bool topology) {
        size_t k;
        int r;

        r = hashmap_put(seen, key, (void *) (uintptr_t) (i + 1));
        if (r != -EEXIST)
                return r;
        k = (size_t) (uintptr_t) hashmap_get(seen, key) - 1;
        if (topology)
                return check_fail(c, check_path(c, "topology.devices[%zu].device", i),
                                  "device listed twice on bus '%s' (also topology.devices[%zu])",
                                  s->topology[i].bus, k);
        return check_fail(c, check_path(c, "devices[%zu].syspath", i), "device listed twice (also devices[%zu])",
                          k);
}

static int check_state_file(Checker *c, const StateFile *s) {
        _cleanup_(hashmap_freep) Hashmap *seen = NULL;
        _cleanup_strv_free_ char **keys = NULL;
        int r;

        if (!boot_id_is_valid(s->boot_id))
                return check_fail(c, "boot_id", "must be 32 lowercase hex digits");
        if (s->n_devices > STATE_FILE_DEVICES_MAX || s->n_topology > STATE_FILE_DEVICES_MAX)
                return check_fail(c, NULL, "more than %u devices", STATE_FILE_DEVICES_MAX);
        r = hashmap_new(&seen);
        if (r < 0)
                return r;
        for (size_t i = 0; i < s->n_devices; i++) {
                r = check_device(c, s, i);
                if (r < 0)
                        return r;
                /* Names are unique per bus only (an ACPI companion and its platform device share one);
                 * the syspath identifies a device. */
                r = check_unique(c, seen, s->devices[i].syspath, s, i, false);
                if (r < 0)
                        return r;
        }
        if (!s->topology_locked && (s->topology_locked_at_usec != 0 || s->n_topology > 0))
                return check_fail(c, "topology", "an unlocked topology has no lock time and no devices");
        if (s->topology_locked &&
            (s->topology_locked_at_usec == 0 || s->topology_locked_at_usec >= INT64_MAX))
                return check_fail(c, "topology.locked_at_usec", "a locked topology needs its lock time");
        seen = hashmap_free(seen);
        r = hashmap_new(&seen);
        if (r < 0)
                return r;
        keys = calloc(s->n_topology + 1, sizeof(char *));
        if (!keys)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_topology; i++) {
                r = check_topology_entry(c, s, i);
                if (r < 0)
                        return r;
                keys[i] = state_topology_key(s->topology[i].bus, s->topology[i].device);
                if (!keys[i])
                        return -ENOMEM;
                r = check_unique(c, seen, keys[i], s, i, true);
                if (r < 0)
                        return r;
        }
        return 0;
}

int state_file_validate(const StateFile *s) {
        Checker c = { .code = -EINVAL };

        assert(s);
        return check_state_file(&c, s);
}

/* -- writing -- */

static int add(json_object *o, const char *key, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int add_string(json_object *o, const char *key, const char *value) {
        _cleanup_free_ char *e = NULL;

        if (!value)
                return 0;
        e = string_xescape(value);
        if (!e)
                return -ENOMEM;
        return add(o, key, json_object_new_string(e));
}

static int add_id(json_object *o, const char *key, unsigned ids, unsigned bit, uint32_t v, int digits) {
        char buf[16];

        if (!(ids & bit))
                return 0;
        (void) snprintf(buf, sizeof(buf), "0x%0*" PRIx32, digits, v);
        return add(o, key, json_object_new_string(buf));
}

static json_object *device_to_json(const StateDevice *d) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return NULL;
        r = add_string(o, "device", d->device);
        if (r >= 0)
                r = add_string(o, "syspath", d->syspath);
        if (r >= 0)
                r = add_string(o, "bus", d->bus);
        for (size_t k = 0; r >= 0 && k < ELEMENTSOF(state_ids); k++)
                r = add_id(o, state_ids[k].key, d->ids, state_ids[k].bit,
                           *(const uint32_t *) ((const uint8_t *) d + state_ids[k].offset),
                           state_ids[k].digits);
        if (r >= 0)
                r = add_string(o, "decision_rule", d->decision_rule);
        if (r >= 0)
                r = add(o, "state", json_object_new_string(device_state_to_string(d->state)));
        if (r >= 0 && !isempty(d->evidence_digest))
                r = add(o, "evidence_digest", json_object_new_string(d->evidence_digest));
        if (r >= 0)
                r = add(o, "verdict", json_object_new_string(state_verdict_to_string(d->verdict)));
        if (r >= 0 && !isempty(d->verdict_digest))
                r = add(o, "verdict_digest", json_object_new_string(d->verdict_digest));
        if (r >= 0)
                r = add(o, "accepted", json_object_new_boolean(d->accepted));
        if (r >= 0 && d->rejected)
                r = add(o, "rejected", json_object_new_boolean(true));
        if (r >= 0)
                r = add_string(o, "reason", d->reason);
        return r < 0 ? NULL : TAKE_PTR(o);
}

static json_object *topology_entry_to_json(const StateTopologyEntry *e) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return NULL;
        r = add_string(o, "device", e->device);
        if (r >= 0)
                r = add_string(o, "bus", e->bus);
        if (r >= 0)
                r = add_id(o, "vendor", e->ids, DEVICE_ID_VENDOR, e->vendor, 4);
        if (r >= 0)
                r = add_id(o, "device_id", e->ids, DEVICE_ID_DEVICE, e->device_id, 4);
        if (r >= 0 && !isempty(e->evidence_digest))
                r = add(o, "evidence_digest", json_object_new_string(e->evidence_digest));
        return r < 0 ? NULL : TAKE_PTR(o);
}

/* Appends one array element's JSON text to f, laid out as json-c lays out a nested element (indent
 * spaces more on every line after the first), then frees the object. */
static int emit_element(FILE *f, json_object *o, bool first, const char *indent) {
        const char *text;

        if (!o)
                return -ENOMEM;
        text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (text) {
                fprintf(f, "%s\n%s", first ? "" : ",", indent);
                /* JSON strings hold no raw newline: each one here is layout. */
                for (const char *p = text;;) {
                        const char *nl = strchrnul(p, '\n');

                        fwrite(p, 1, (size_t) (nl - p), f);
                        if (!*nl)
                                break;
                        fputc('\n', f);
                        fputs(indent, f);
                        p = nl + 1;
                }
        }
        json_object_put(o);
        return text ? 0 : -ENOMEM;
}

/* Written one device at a time, byte for byte as json-c would write the whole tree: the tree of every
 * device, then its text, was the daemon's peak heap (3 of 4 MB at 1,000 devices) and most of each
 * write's instructions (bench/PERFORMANCE.md). */
int state_file_serialize(const StateFile *s, char **ret, size_t *ret_size) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;
        int r;

        assert(s);
        assert(ret);

        r = state_file_validate(s);
        if (r < 0)
                return r;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        /* The boot id is validated hex: no escaping needed. */
        fprintf(f, "{\n  \"version\":%d,\n  \"boot_id\":\"%s\",\n  \"devices\":[", STATE_FILE_VERSION, s->boot_id);
        for (size_t i = 0; r >= 0 && i < s->n_devices; i++)
                r = emit_element(f, device_to_json(&s->devices[i]), i == 0, "    ");
        fprintf(f, "\n  ],\n  \"topology\":{\n    \"locked\":%s,\n", s->topology_locked ? "true" : "false");
        if (s->topology_locked)
                fprintf(f, "    \"locked_at_usec\":%" PRIu64 ",\n", s->topology_locked_at_usec);
        fputs("    \"devices\":[", f);
        for (size_t i = 0; r >= 0 && i < s->n_topology; i++)
                r = emit_element(f, topology_entry_to_json(&s->topology[i]), i == 0, "      ");
        fputs("\n    ]\n  }\n}\n", f);
        if (fclose(f) != 0 || r < 0)
                return r < 0 ? r : -ENOMEM;

        if (ret_size)
                *ret_size = size;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* -- reading -- */

static int check_keys(Checker *c, json_object *o, const char *path, const char *const *keys) {
        const char *unknown;

        if (!json_object_is_type(o, json_type_object))
                return check_fail(c, path, "must be an object");
        unknown = json_object_first_unknown_key(o, keys);
        if (unknown)
                return check_fail(c, path, "unknown key '%.64s'", unknown);
        return 0;
}

/* A string field, unescaped: 1 and *ret, 0 when absent and optional. */
static int read_string(Checker *c, json_object *o, const char *key, const char *path, bool required,
                       char **ret) {
        json_object *v;
        const char *s;

        *ret = NULL;
        if (!json_object_object_get_ex(o, key, &v)) {
                if (required)
                        return check_fail(c, path, "missing");
                return 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return check_fail(c, path, "must be a string");
        s = json_object_get_string(v);
        if (strlen(s) != (size_t) json_object_get_string_len(v) || strlen(s) > STATE_FILE_STRING_MAX)
                return check_fail(c, path, "malformed string");
        if (string_xunescape(s, ret) < 0)
                return check_fail(c, path, "malformed string escape");
        return 1;
}

static int read_digest(Checker *c, json_object *o, const char *key, const char *path,
                       char ret[static SHA384_STRING_MAX]) {
        _cleanup_free_ char *s = NULL;
        int r;

        ret[0] = '\0';
        r = read_string(c, o, key, path, false, &s);
        if (r <= 0)
                return r;
        if (!sha384_string_is_valid(s))
                return check_fail(c, path, "not a digest");
        memcpy(ret, s, SHA384_STRING_MAX);
        return 1;
}

static int read_bool(Checker *c, json_object *o, const char *key, const char *path, bool required, bool *ret) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v)) {
                if (!required) {
                        *ret = false;
                        return 0;
                }
                return check_fail(c, path, "missing");
        }
        if (!json_object_is_type(v, json_type_boolean))
                return check_fail(c, path, "must be true or false");
        *ret = json_object_get_boolean(v);
        return 0;
}

/* "0x" and exactly digits lowercase hex digits, as written. */
static int read_id(Checker *c, json_object *o, const char *key, const char *path, int digits, unsigned bit,
                   unsigned *ids, uint32_t *ret) {
        _cleanup_free_ char *s = NULL;
        uint32_t v = 0;
        const char *hex;
        int r;

        r = read_string(c, o, key, path, false, &s);
        if (r <= 0)
                return r;
        hex = startswith(s, "0x");
        if (!hex || strlen(hex) != (size_t) digits)
                return check_fail(c, path, "must be 0x and %i lowercase hex digits", digits);
        for (; *hex; hex++) {
                const char *p = strchr("0123456789abcdef", *hex);
                if (!p)
                        return check_fail(c, path, "must be 0x and %i lowercase hex digits", digits);
                v = v << 4 | (uint32_t) (p - "0123456789abcdef");
        }
        *ret = v;
        *ids |= bit;
        return 1;
}

static int read_device(Checker *c, json_object *o, size_t i, StateDevice *d) {
        static const char *const keys[] = {
                "device", "syspath", "bus", "vendor", "device_id", "subsystem_vendor", "subsystem_device",
                "class", "decision_rule", "state", "evidence_digest", "verdict", "verdict_digest",
                "accepted", "rejected", "reason", NULL,
        };
        _cleanup_free_ char *state = NULL, *verdict = NULL;
        int r;

        r = check_keys(c, o, check_path(c, "devices[%zu]", i), keys);
        if (r < 0)
                return r;

        r = read_string(c, o, "device", check_path(c, "devices[%zu].device", i), true, &d->device);
        if (r < 0)
                return r;
        r = read_string(c, o, "syspath", check_path(c, "devices[%zu].syspath", i), true, &d->syspath);
        if (r < 0)
                return r;
        r = read_string(c, o, "bus", check_path(c, "devices[%zu].bus", i), true, &d->bus);
        if (r < 0)
                return r;
        for (size_t k = 0; k < ELEMENTSOF(state_ids); k++) {
                r = read_id(c, o, state_ids[k].key, check_path(c, "devices[%zu].%s", i, state_ids[k].key),
                            state_ids[k].digits, state_ids[k].bit, &d->ids,
                            (uint32_t *) ((uint8_t *) d + state_ids[k].offset));
                if (r < 0)
                        return r;
        }
        r = read_string(c, o, "decision_rule", check_path(c, "devices[%zu].decision_rule", i), false,
                        &d->decision_rule);
        if (r < 0)
                return r;

        r = read_string(c, o, "state", check_path(c, "devices[%zu].state", i), true, &state);
        if (r < 0)
                return r;
        d->state = device_state_from_string(state);
        if (d->state < 0)
                return check_fail(c, c->path, "unknown state '%.64s'", state);

        r = read_digest(c, o, "evidence_digest", check_path(c, "devices[%zu].evidence_digest", i),
                        d->evidence_digest);
        if (r < 0)
                return r;

        r = read_string(c, o, "verdict", check_path(c, "devices[%zu].verdict", i), true, &verdict);
        if (r < 0)
                return r;
        d->verdict = state_verdict_from_string(verdict);
        if (d->verdict < 0)
                return check_fail(c, c->path, "unknown verdict '%.64s'", verdict);

        r = read_digest(c, o, "verdict_digest", check_path(c, "devices[%zu].verdict_digest", i),
                        d->verdict_digest);
        if (r < 0)
                return r;
        r = read_bool(c, o, "accepted", check_path(c, "devices[%zu].accepted", i), true, &d->accepted);
        if (r < 0)
                return r;
        r = read_bool(c, o, "rejected", check_path(c, "devices[%zu].rejected", i), false, &d->rejected);
        if (r < 0)
                return r;
        r = read_string(c, o, "reason", check_path(c, "devices[%zu].reason", i), false, &d->reason);
        if (r < 0)
                return r;
        return 0;
}

static int read_topology_entry(Checker *c, json_object *o, size_t i, StateTopologyEntry *e) {
        static const char *const keys[] = { "device", "bus", "vendor", "device_id", "evidence_digest",
                                            NULL };
        int r;

        r = check_keys(c, o, check_path(c, "topology.devices[%zu]", i), keys);
        if (r < 0)
                return r;
        r = read_string(c, o, "device", check_path(c, "topology.devices[%zu].device", i), true, &e->device);
        if (r < 0)
                return r;
        r = read_string(c, o, "bus", check_path(c, "topology.devices[%zu].bus", i), true, &e->bus);
        if (r < 0)
                return r;
        r = read_id(c, o, "vendor", check_path(c, "topology.devices[%zu].vendor", i), 4, DEVICE_ID_VENDOR,
                    &e->ids, &e->vendor);
        if (r < 0)
                return r;
        r = read_id(c, o, "device_id", check_path(c, "topology.devices[%zu].device_id", i), 4,
                    DEVICE_ID_DEVICE, &e->ids, &e->device_id);
        if (r < 0)
                return r;
        r = read_digest(c, o, "evidence_digest", check_path(c, "topology.devices[%zu].evidence_digest", i),
                        e->evidence_digest);
        if (r < 0)
                return r;
        return 0;
}

static int read_array(Checker *c, json_object *o, const char *key, const char *path, json_object **ret,
                      size_t *ret_n) {
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v))
                return check_fail(c, path, "missing");
        if (!json_object_is_type(v, json_type_array))
                return check_fail(c, path, "must be an array");
        if (json_object_array_length(v) > STATE_FILE_DEVICES_MAX)
                return check_fail(c, path, "more than %u entries", STATE_FILE_DEVICES_MAX);
        *ret = v;
        *ret_n = json_object_array_length(v);
        return 0;
}

int state_file_parse(const char *data, size_t size, const char *filename, StateFile **ret,
                     ConfError *ret_error) {
        static const char *const keys[] = { "version", "boot_id", "devices", "topology", NULL };
        static const char *const topology_keys[] = { "locked", "locked_at_usec", "devices", NULL };
        _cleanup_(state_file_freep) StateFile *s = NULL;
        _cleanup_json_ json_object *root = NULL;
        _cleanup_free_ char *boot_id = NULL;
        Checker c = { .filename = filename, .error = ret_error, .code = -EBADMSG };
        json_object *v, *topology, *array;
        size_t n;
        int r;

        assert(data || size == 0);
        assert(ret);

        r = json_parse_object_strict(data, size, STATE_FILE_INPUT_MAX, filename, &root, ret_error);
        if (r < 0)
                return r;
        r = check_keys(&c, root, NULL, keys);
        if (r < 0)
                return r;

        if (!json_object_object_get_ex(root, "version", &v))
                return check_fail(&c, "version", "missing");
        if (!json_object_is_type(v, json_type_int))
                return check_fail(&c, "version", "must be an integer");
        if (json_object_get_int64(v) != STATE_FILE_VERSION)
                return conf_error_set(ret_error, filename, 0, "version", -EPROTONOSUPPORT,
                                      "version %" PRIi64 " is not supported, only %i",
                                      json_object_get_int64(v), STATE_FILE_VERSION);

        r = state_file_new(&s);
        if (r < 0)
                return r;

        r = read_string(&c, root, "boot_id", "boot_id", true, &boot_id);
        if (r < 0)
                return r;
        if (!boot_id_is_valid(boot_id))
                return check_fail(&c, "boot_id", "must be 32 lowercase hex digits");
        memcpy(s->boot_id, boot_id, sizeof(s->boot_id));

        r = read_array(&c, root, "devices", "devices", &array, &n);
        if (r < 0)
                return r;
        s->devices = calloc(MAX(n, (size_t) 1), sizeof(StateDevice));
        if (!s->devices)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                s->n_devices = i + 1;
                r = read_device(&c, json_object_array_get_idx(array, i), i, &s->devices[i]);
                if (r < 0)
                        return r;
        }

        if (!json_object_object_get_ex(root, "topology", &topology))
                return check_fail(&c, "topology", "missing");
        r = check_keys(&c, topology, "topology", topology_keys);
        if (r < 0)
                return r;
        r = read_bool(&c, topology, "locked", "topology.locked", true, &s->topology_locked);
        if (r < 0)
                return r;
        if (json_object_object_get_ex(topology, "locked_at_usec", &v)) {
                if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0 ||
                    json_object_get_int64(v) == INT64_MAX)
                        return check_fail(&c, "topology.locked_at_usec", "must be a positive integer");
                s->topology_locked_at_usec = (uint64_t) json_object_get_int64(v);
        }
        r = read_array(&c, topology, "devices", "topology.devices", &array, &n);
        if (r < 0)
                return r;
        s->topology = calloc(MAX(n, (size_t) 1), sizeof(StateTopologyEntry));
        if (!s->topology)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                s->n_topology = i + 1;
                r = read_topology_entry(&c, json_object_array_get_idx(array, i), i, &s->topology[i]);
                if (r < 0)
                        return r;
        }

        /* Field by field it all parsed; now the rules across fields. */
        r = check_state_file(&c, s);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

bool state_file_equal(const StateFile *a, const StateFile *b) {
        assert(a);
        assert(b);

        if (!streq(a->boot_id, b->boot_id) || a->n_devices != b->n_devices ||
            a->n_topology != b->n_topology || a->topology_locked != b->topology_locked ||
            a->topology_locked_at_usec != b->topology_locked_at_usec)
                return false;

        for (size_t i = 0; i < a->n_devices; i++) {
                const StateDevice *x = &a->devices[i], *y = &b->devices[i];

                if (!streq_ptr(x->device, y->device) || !streq_ptr(x->syspath, y->syspath) ||
                    !streq_ptr(x->bus, y->bus) || x->ids != y->ids ||
                    !streq_ptr(x->decision_rule, y->decision_rule) || x->state != y->state ||
                    !streq(x->evidence_digest, y->evidence_digest) || x->verdict != y->verdict ||
                    !streq(x->verdict_digest, y->verdict_digest) || x->accepted != y->accepted || x->rejected != y->rejected ||
                    !streq_ptr(x->reason, y->reason))
                        return false;
                for (size_t k = 0; k < ELEMENTSOF(state_ids); k++)
                        if ((x->ids & state_ids[k].bit) &&
                            *(const uint32_t *) ((const uint8_t *) x + state_ids[k].offset) !=
                                    *(const uint32_t *) ((const uint8_t *) y + state_ids[k].offset))
                                return false;
        }

        for (size_t i = 0; i < a->n_topology; i++) {
                const StateTopologyEntry *x = &a->topology[i], *y = &b->topology[i];

                if (!streq_ptr(x->device, y->device) || !streq_ptr(x->bus, y->bus) || x->ids != y->ids ||
                    ((x->ids & DEVICE_ID_VENDOR) && x->vendor != y->vendor) ||
                    ((x->ids & DEVICE_ID_DEVICE) && x->device_id != y->device_id) ||
                    !streq(x->evidence_digest, y->evidence_digest))
                        return false;
        }
        return true;
}

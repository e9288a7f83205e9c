/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bundle.c — the evidence bundle an exec: verifier reads on stdin. */

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "base64.h"
#include "bundle.h"
#include "device-info.h"
#include "json-util.h"

/* NS(s) = <length> ":" s "," */
static int digest_netstring(Sha384 *h, const char *s) {
        char prefix[32];
        int r;

        s = strempty(s);
        (void) snprintf(prefix, sizeof(prefix), "%zu:", strlen(s));
        r = sha384_update(h, prefix, strlen(prefix));
        if (r < 0)
                return r;
        r = sha384_update(h, s, strlen(s));
        if (r < 0)
                return r;
        return sha384_update(h, ",", 1);
}

static int digest_count(Sha384 *h, size_t n) {
        char s[32];

        (void) snprintf(s, sizeof(s), "%zu", n);
        return digest_netstring(h, s);
}

/* Adds key: value to o; value NULL adds nothing. The object takes the new string. */
static int json_add_string(json_object *o, const char *key, const char *value) {
        json_object *v;

        if (!value)
                return 0;
        v = json_object_new_string(value);
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int json_add_escaped(json_object *o, const char *key, const char *value, char **ret_escaped) {
        _cleanup_free_ char *e = NULL;
        int r;

        if (value) {
                e = string_xescape(value);
                if (!e)
                        return -ENOMEM;
        }
        r = json_add_string(o, key, e);
        if (r < 0)
                return r;
        if (ret_escaped)
                *ret_escaped = TAKE_PTR(e);
        return 0;
}

static int json_add_new(json_object *o, const char *key, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int json_append(json_object *array, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_array_add(array, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

typedef struct IdStrings {
        char vendor[16], device[16], subsystem_vendor[16], subsystem_device[16], class[16];
} IdStrings;

static void format_id(char buf[static 16], unsigned mask, unsigned bit, uint32_t v, int width) {
        if (mask & bit)
                (void) snprintf(buf, 16, "0x%0*" PRIx32, width, v);
        else
                buf[0] = '\0';
}

static void format_ids(const BundleIds *ids, IdStrings *ret) {
        format_id(ret->vendor, ids->mask, DEVICE_ID_VENDOR, ids->vendor, 4);
        format_id(ret->device, ids->mask, DEVICE_ID_DEVICE, ids->device, 4);
        format_id(ret->subsystem_vendor, ids->mask, DEVICE_ID_SUBSYSTEM_VENDOR, ids->subsystem_vendor, 4);
        format_id(ret->subsystem_device, ids->mask, DEVICE_ID_SUBSYSTEM_DEVICE, ids->subsystem_device, 4);
        format_id(ret->class, ids->mask, DEVICE_ID_CLASS, ids->class & 0xffffff, 6);
}

static int json_add_ids(json_object *o, const IdStrings *ids) {
        const struct {
                const char *key, *value;
        } t[] = {
                { "vendor", ids->vendor },
                { "device_id", ids->device },
                { "subsystem_vendor", ids->subsystem_vendor },
                { "subsystem_device", ids->subsystem_device },
                { "class", ids->class },
        };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                r = json_add_string(o, t[i].key, isempty(t[i].value) ? NULL : t[i].value);
                if (r < 0)
                        return r;
        }
        return 0;
}

static json_object *bundle_objects(const EvidenceSet *s) {
        _cleanup_json_ json_object *array = json_object_new_array();
        int r;

        if (!array)
                return NULL;

        for (EvidenceType t = 0; t < _EVIDENCE_TYPE_MAX; t++) {
                const EvidenceObject *ev = evidence_set_get(s, t);
                _cleanup_json_ json_object *o = NULL;
                _cleanup_free_ char *b64 = NULL;
                char digest[SHA384_STRING_MAX];
                size_t len;

                if (!ev)
                        continue;
                if (base64_encode(ev->data, ev->size, &b64, &len) < 0)
                        return NULL;

                o = json_object_new_object();
                if (!o)
                        return NULL;
                r = json_add_string(o, "type", evidence_type_to_string(t));
                if (r >= 0)
                        r = json_add_new(o, "size", json_object_new_int64((int64_t) ev->size));
                if (r >= 0)
                        r = json_add_string(o, "sha384", sha384_to_string(ev->sha384, digest));
                if (r >= 0)
                        r = json_add_new(o, "data", json_object_new_string_len(b64, (int) len));
                if (r >= 0)
                        r = json_append(array, TAKE_PTR(o));
                if (r < 0)
                        return NULL;
        }
        return TAKE_PTR(array);
}

static int bundle_device_cmp(const void *a, const void *b) {
        return strcmp((*(const BundleDevice *const *) a)->device,
                      (*(const BundleDevice *const *) b)->device);
}

/* Device names are unique per bus only: an ACPI companion and its platform device share one. */
static int bundle_topology_cmp(const void *a, const void *b) {
        const BundleTopologyEntry *x = *(const BundleTopologyEntry *const *) a,
                                  *y = *(const BundleTopologyEntry *const *) b;
        int c = strcmp(x->device, y->device);

        return c != 0 ? c : strcmp(x->bus, y->bus);
}

static int bundle_add_device(json_object *array, Sha384 *h, const BundleDevice *d) {
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_free_ char *name = NULL;
        char digest[SHA384_STRING_MAX];
        IdStrings ids;
        int r;

        if (!o)
                return -ENOMEM;

        r = evidence_set_digest_string(d->evidence, digest);
        if (r < 0)
                return r;
        format_ids(&d->ids, &ids);

        r = json_add_escaped(o, "device", d->device, &name);
        if (r >= 0)
                r = json_add_escaped(o, "bus", d->bus, NULL);
        if (r >= 0)
                r = json_add_ids(o, &ids);
        if (r >= 0)
                r = json_add_escaped(o, "modalias", d->modalias, NULL);
        if (r >= 0)
                r = json_add_escaped(o, "tsm", d->tsm, NULL);
        if (r >= 0)
                r = json_add_string(o, "evidence_digest", digest);
        if (r >= 0)
                r = json_add_new(o, "objects", bundle_objects(d->evidence));
        if (r < 0)
                return r;

        r = digest_netstring(h, name);
        if (r < 0)
                return r;
        r = digest_netstring(h, digest);
        if (r < 0)
                return r;

        return json_append(array, TAKE_PTR(o));
}

static int bundle_add_topology_entry(json_object *array, Sha384 *h, const BundleTopologyEntry *e) {
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_free_ char *name = NULL, *bus = NULL, *driver = NULL, *state = NULL;
        IdStrings ids;
        int r;

        if (!o)
                return -ENOMEM;

        format_ids(&e->ids, &ids);
        r = json_add_escaped(o, "device", e->device, &name);
        if (r >= 0)
                r = json_add_escaped(o, "bus", e->bus, &bus);
        if (r >= 0)
                r = json_add_ids(o, &ids);
        if (r >= 0)
                r = json_add_escaped(o, "driver", e->driver, &driver);
        if (r >= 0)
                r = json_add_escaped(o, "state", e->state, &state);
        if (r < 0)
                return r;

        const char *fields[] = { name, bus, ids.vendor, ids.device, ids.subsystem_vendor,
                                 ids.subsystem_device, ids.class, driver, state };
        for (size_t i = 0; i < ELEMENTSOF(fields); i++) {
                r = digest_netstring(h, fields[i]);
                if (r < 0)
                        return r;
        }

        return json_append(array, TAKE_PTR(o));
}

int bundle_build(const BundleDevice *devices, size_t n_devices, const BundleTopologyEntry *topology,
                 size_t n_topology, const void *nonce, size_t nonce_size, char **ret_json, size_t *ret_size,
                 char ret_bundle_digest[SHA384_STRING_MAX]) {
        _cleanup_free_ const BundleDevice **sorted_devices = NULL;
        _cleanup_free_ const BundleTopologyEntry **sorted_topology = NULL;
        _cleanup_json_ json_object *root = NULL, *devs = NULL, *topo = NULL;
        _cleanup_(sha384_done) Sha384 h = {};
        char nonce_hex[2 * BUNDLE_NONCE_MAX + 1] = "", digest[SHA384_STRING_MAX];
        uint8_t d[SHA384_DIGEST_SIZE];
        size_t evidence_size = 0;
        int r;

        assert(devices || n_devices == 0);
        assert(topology || n_topology == 0);
        assert(ret_json);

        if (nonce_size > BUNDLE_NONCE_MAX || (nonce_size > 0) != !!nonce)
                return -EINVAL;

        sorted_devices = calloc(n_devices + 1, sizeof(*sorted_devices));
        sorted_topology = calloc(n_topology + 1, sizeof(*sorted_topology));
        if (!sorted_devices || !sorted_topology)
                return -ENOMEM;

        for (size_t i = 0; i < n_devices; i++) {
                if (!devices[i].device || !devices[i].bus || !devices[i].evidence)
                        return -EINVAL;
                if (devices[i].evidence->total_size > BUNDLE_EVIDENCE_SIZE_MAX - evidence_size)
                        return -E2BIG;
                evidence_size += devices[i].evidence->total_size;
                sorted_devices[i] = &devices[i];
        }
        for (size_t i = 0; i < n_topology; i++) {
                if (!topology[i].device || !topology[i].bus || !topology[i].state)
                        return -EINVAL;
                sorted_topology[i] = &topology[i];
        }
        qsort(sorted_devices, n_devices, sizeof(*sorted_devices), bundle_device_cmp);
        qsort(sorted_topology, n_topology, sizeof(*sorted_topology), bundle_topology_cmp);
        for (size_t i = 1; i < n_devices; i++)
                if (streq(sorted_devices[i - 1]->device, sorted_devices[i]->device))
                        return -EINVAL;
        for (size_t i = 1; i < n_topology; i++)
                if (bundle_topology_cmp(&sorted_topology[i - 1], &sorted_topology[i]) == 0)
                        return -EINVAL;

        if (nonce_size > 0)
                hex_encode(nonce, nonce_size, nonce_hex);

        r = sha384_init(&h);
        if (r < 0)
                return r;
        r = digest_netstring(&h, BUNDLE_DIGEST_TAG);
        if (r >= 0)
                r = digest_netstring(&h, nonce_hex);
        if (r >= 0)
                r = digest_count(&h, n_devices);
        if (r < 0)
                return r;

        root = json_object_new_object();
        devs = json_object_new_array();
        topo = json_object_new_array();
        if (!root || !devs || !topo)
                return -ENOMEM;

        for (size_t i = 0; i < n_devices; i++) {
                r = bundle_add_device(devs, &h, sorted_devices[i]);
                if (r < 0)
                        return r;
        }
        r = digest_count(&h, n_topology);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_topology; i++) {
                r = bundle_add_topology_entry(topo, &h, sorted_topology[i]);
                if (r < 0)
                        return r;
        }
        r = sha384_final(&h, d);
        if (r < 0)
                return r;
        sha384_to_string(d, digest);

        r = json_add_new(root, "version", json_object_new_int(BUNDLE_VERSION));
        if (r >= 0 && nonce_size > 0)
                r = json_add_string(root, "nonce", nonce_hex);
        if (r >= 0)
                r = json_add_new(root, "devices", TAKE_PTR(devs));
        if (r >= 0)
                r = json_add_new(root, "topology", TAKE_PTR(topo));
        if (r >= 0)
                r = json_add_string(root, "bundle_digest", digest);
        if (r < 0)
                return r;

        r = json_to_text_line(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, ret_json, ret_size);
        if (r < 0)
                return r;
        if (ret_bundle_digest)
                memcpy(ret_bundle_digest, digest, SHA384_STRING_MAX);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* api.c — the control API: io.tdispd.Manager over Varlink, for tdispctl and varlinkctl.
 *
 * Most calls only read the manager's state. Those that change something go through the same paths
 * as the daemon's own events: Reload through config_load(), Approve and Reject through the verifier's
 * verdict path (verifier_push_verdict(), which binds a verdict to the evidence digest it names),
 * LockTopology and Revalidate through the core, with what it decides handed to the manager's own
 * record processing. Who may call is decided once per connection from the peer's
 * credentials: root, or the user tdispd itself runs as (tests run it unprivileged). The socket is
 * created 0600 besides, so nobody else can even connect. */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "device-log.h"
#include "api.h"
#include "build-config.h"
#include "base64.h"
#include "config-load.h"
#include "evidence.h"
#include "log.h"
#include "manager.h"
#include "strv.h"
#include "varlink-server.h"
#include "verifier.h"

#define API_INTERFACE "io.tdispd.Manager"
#define API_ERROR_NO_SUCH_DEVICE API_INTERFACE ".NoSuchDevice"
#define API_ERROR_DEVICE_AMBIGUOUS API_INTERFACE ".DeviceAmbiguous"
#define API_ERROR_RELOAD_FAILED API_INTERFACE ".ReloadFailed"
#define API_ERROR_SYSTEM API_INTERFACE ".SystemError"
#define API_ERROR_NO_EVIDENCE API_INTERFACE ".NoEvidence"
#define API_ERROR_EVIDENCE_TOO_LARGE API_INTERFACE ".EvidenceTooLarge"
#define API_ERROR_STALE_EVIDENCE API_INTERFACE ".StaleEvidence"
#define API_ERROR_NOT_AWAITING_VERDICT API_INTERFACE ".NotAwaitingVerdict"
#define API_ERROR_TOPOLOGY_ALREADY_LOCKED API_INTERFACE ".TopologyAlreadyLocked"
#define API_ERROR_NOT_TDISP API_INTERFACE ".NotTdisp"

/* Devices per ListDevices reply with "more": a few hundred bytes each, so a slice stays far below
 * the message limit and a slow reader holds only a few slices in memory. */
#define API_LIST_SLICE 128U

struct Api {
        Manager *manager;
        ApiProcess process;
        VarlinkServer *server;

        VarlinkLink **monitors;
        size_t n_monitors, n_monitors_allocated;

        /* Configurations replaced by a reload that failed half-way: devices may still point at their
         * rules, so they live as long as the API. */
        Config **retired_configs;
        Policy **retired_policies;
        size_t n_retired;
};

static const char *const api_record_type_table[_API_RECORD_TYPE_MAX] = {
        [API_RECORD_DECISION] = "decision",
        [API_RECORD_TRANSITION] = "transition",
        [API_RECORD_REFUSED_BINDING] = "refused-binding",
        [API_RECORD_ACTION] = "action",
        [API_RECORD_STALE_VERDICT] = "stale-verdict",
        [API_RECORD_TOPOLOGY_LOCKED] = "topology-locked",
        [API_RECORD_TOPOLOGY_VIOLATION] = "topology-violation",
        [API_RECORD_REMOVED] = "removed",
};

DEFINE_STRING_TABLE_LOOKUP(api_record_type, ApiRecordType, _API_RECORD_TYPE_MAX);

static ApiRecordType api_record_type_from_record(RecordType t) {
        switch (t) {
        case RECORD_DECISION:
                return API_RECORD_DECISION;
        case RECORD_TRANSITION:
                return API_RECORD_TRANSITION;
        case RECORD_REFUSED_BINDING:
                return API_RECORD_REFUSED_BINDING;
        case RECORD_ACTION:
                return API_RECORD_ACTION;
        case RECORD_STALE_VERDICT:
                return API_RECORD_STALE_VERDICT;
        case RECORD_TOPOLOGY_LOCKED:
                return API_RECORD_TOPOLOGY_LOCKED;
        case RECORD_TOPOLOGY_VIOLATION:
                return API_RECORD_TOPOLOGY_VIOLATION;
        case _RECORD_TYPE_MAX:
        case _RECORD_TYPE_INVALID:
                break;
        }
        return _API_RECORD_TYPE_INVALID;
}

/* --- JSON --- */

/* Takes v; NULL (a failed allocation) gives -ENOMEM. */
static int json_add(json_object *o, const char *key, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

/* NULL strings are left out: the interface declares them nullable. */
static int json_add_string(json_object *o, const char *key, const char *s) {
        return s ? json_add(o, key, json_object_new_string(s)) : 0;
}

static int json_add_int(json_object *o, const char *key, int64_t i) {
        return json_add(o, key, json_object_new_int64(i));
}

static int json_add_bool(json_object *o, const char *key, bool b) {
        return json_add(o, key, json_object_new_boolean(b));
}

static int device_ids_to_json(const DeviceInfo *info, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r = 0;

        if (!o)
                return -ENOMEM;
        if (info->ids & DEVICE_ID_VENDOR)
                r = json_add_int(o, "vendor", info->vendor);
        if (r >= 0 && (info->ids & DEVICE_ID_DEVICE))
                r = json_add_int(o, "device", info->device);
        if (r >= 0 && (info->ids & DEVICE_ID_SUBSYSTEM_VENDOR))
                r = json_add_int(o, "subsystem_vendor", info->subsystem_vendor);
        if (r >= 0 && (info->ids & DEVICE_ID_SUBSYSTEM_DEVICE))
                r = json_add_int(o, "subsystem_device", info->subsystem_device);
        if (r >= 0 && (info->ids & DEVICE_ID_CLASS))
                r = json_add_int(o, "class", info->class);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

/* Where the device stands to the topology lock; NULL before it. */
static const char *device_topology_label(const Device *d) {
        if (d->topology_intruder)
                return "intruder";
        if (d->in_topology)
                return "in-snapshot";
        return NULL;
}

/* The verdict on the current evidence, except that a rejection stays visible after the device was
 * unlocked and fell back: "none" beside a denied device would hide why it is denied. */
static VerdictState verdict_shown(const Device *d) {
        return d->verdict == VERDICT_NONE && d->rejected ? VERDICT_REJECTED : d->verdict;
}

static int device_to_json(const Device *d, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object(), *ids = NULL;
        const DeviceInfo *info = d->info;
        int r;

        if (!o)
                return -ENOMEM;
        r = device_ids_to_json(info, &ids);
        if (r < 0)
                return r;

        if ((r = json_add_string(o, "name", info->sysname)) < 0 ||
            (r = json_add_string(o, "syspath", info->syspath)) < 0 ||
            (r = json_add_string(o, "bus", info->bus)) < 0 ||
            (r = json_add_string(o, "modalias", info->modalias)) < 0 ||
            (r = json_add(o, "ids", TAKE_PTR(ids))) < 0 ||
            (r = json_add_string(o, "state", device_state_to_string(d->state))) < 0 ||
            (r = json_add_string(o, "action", policy_action_to_string(d->decision.action))) < 0 ||
            (r = json_add_string(o, "rule", decision_rule_name(&d->decision))) < 0 ||
            (r = json_add_string(o, "driver", info->driver)) < 0 ||
            (r = json_add_string(o, "driver_module", info->driver ? info->driver_module : NULL)) < 0 ||
            (r = json_add_bool(o, "driver_builtin", info->driver && info->driver_builtin)) < 0 ||
            (r = json_add_bool(o, "tdisp", info->tdisp)) < 0 ||
            (r = json_add_string(o, "reason", d->reason)) < 0 ||
            (r = json_add_string(o, "evidence_digest", d->evidence_digest)) < 0 ||
            (r = json_add_string(o, "verdict", info->tdisp ? verdict_state_to_string(verdict_shown(d)) : NULL)) < 0 ||
            (r = json_add_bool(o, "accepted", d->accepted)) < 0 ||
            (r = json_add_bool(o, "locked", d->locked)) < 0 ||
            (r = json_add_string(o, "topology", device_topology_label(d))) < 0)
                return r;

        *ret = TAKE_PTR(o);
        return 0;
}

static int64_t record_timestamp_usec(void) {
        struct timespec ts = {};

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int record_header(ApiRecordType type, const Device *d, const char *subject, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        if ((r = json_add_string(o, "type", api_record_type_to_string(type))) < 0 ||
            (r = json_add_int(o, "timestamp", record_timestamp_usec())) < 0)
                return r;
        if (d) {
                if ((r = json_add_string(o, "device", d->info->sysname)) < 0 ||
                    (r = json_add_string(o, "syspath", d->info->syspath)) < 0 ||
                    (r = json_add_string(o, "bus", d->info->bus)) < 0 ||
                    (r = json_add_string(o, "rule", decision_rule_name(&d->decision))) < 0)
                        return r;
        } else if ((r = json_add_string(o, "device", subject)) < 0)
                return r;

        *ret = TAKE_PTR(o);
        return 0;
}

static int record_to_json(const Record *rec, ApiRecordType type, json_object **ret) {
        _cleanup_json_ json_object *o = NULL;
        const char *state = NULL, *old_state = NULL, *action = NULL, *verdict = NULL;
        int r;

        r = record_header(type, rec->device, rec->subject, &o);
        if (r < 0)
                return r;

        switch (type) {
        case API_RECORD_DECISION:
                state = device_state_to_string(rec->old_state);
                action = rec->device ? policy_action_to_string(rec->device->decision.action) : NULL;
                break;
        case API_RECORD_TRANSITION:
                state = device_state_to_string(rec->new_state);
                old_state = device_state_to_string(rec->old_state);
                break;
        case API_RECORD_REFUSED_BINDING:
                state = device_state_to_string(rec->old_state);
                verdict = driver_verdict_to_string(rec->verdict);
                break;
        case API_RECORD_ACTION:
                state = device_state_to_string(rec->old_state);
                action = device_action_to_string(rec->action);
                break;
        case API_RECORD_STALE_VERDICT:
                state = device_state_to_string(rec->old_state);
                break;
        case API_RECORD_TOPOLOGY_LOCKED:
                break;
        case API_RECORD_TOPOLOGY_VIOLATION:
                r = json_add_bool(o, "appeared", rec->appeared);
                if (r < 0)
                        return r;
                break;
        case API_RECORD_REMOVED:
        case _API_RECORD_TYPE_MAX:
        case _API_RECORD_TYPE_INVALID:
                assert(false);
                return -EINVAL;
        }

        if ((r = json_add_string(o, "state", state)) < 0 ||
            (r = json_add_string(o, "old_state", old_state)) < 0 ||
            (r = json_add_string(o, "action", action)) < 0 ||
            (r = json_add_string(o, "verdict", verdict)) < 0 ||
            (r = json_add_string(o, "driver", rec->driver)) < 0 ||
            (r = json_add_string(o, "reason", rec->reason)) < 0 ||
            (r = json_add_string(o, "digest", rec->digest)) < 0)
                return r;
        if (rec->dry_run && (r = json_add_bool(o, "dry_run", true)) < 0)
                return r;

        *ret = TAKE_PTR(o);
        return 0;
}

/* --- Monitor --- */

static void api_broadcast(Api *a, json_object *record) {
        _cleanup_json_ json_object *p = json_object_new_object();

        if (!p || json_object_object_add(p, "record", json_object_get(record)) < 0) {
                log_oom();
                return;
        }
        /* A monitor that fails here is closed by the server, and leaves the list through
         * monitor_end() on a later iteration; the others carry on. */
        for (size_t i = 0; i < a->n_monitors; i++)
                (void) varlink_link_notify(a->monitors[i], p);
}

void api_broadcast_record(Api *a, const Record *rec) {
        _cleanup_json_ json_object *o = NULL;
        ApiRecordType type;
        int r;

        if (!a || a->n_monitors == 0)
                return;
        type = api_record_type_from_record(rec->type);
        if (type < 0 || (!rec->device && !rec->subject && type != API_RECORD_TOPOLOGY_LOCKED))
                return;

        r = record_to_json(rec, type, &o);
        if (r < 0) {
                log_warning_errno(r, "Failed to send a record to API monitors, ignoring: %m");
                return;
        }
        api_broadcast(a, o);
}

void api_broadcast_device_removed(Api *a, const Device *d) {
        _cleanup_json_ json_object *o = NULL;
        int r;

        if (!a || a->n_monitors == 0)
                return;

        r = record_header(API_RECORD_REMOVED, d, NULL, &o);
        if (r >= 0)
                r = json_add_string(o, "state", device_state_to_string(d->state));
        if (r >= 0)
                r = json_add_string(o, "driver", d->info->driver);
        if (r < 0) {
                log_warning_errno(r, "Failed to send a record to API monitors, ignoring: %m");
                return;
        }
        api_broadcast(a, o);
}

static void monitor_end(VarlinkLink *l, void *userdata) {
        Api *a = userdata;

        for (size_t i = 0; i < a->n_monitors; i++)
                if (a->monitors[i] == l) {
                        a->monitors[i] = a->monitors[--a->n_monitors];
                        return;
                }
}

static int method_monitor(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags, void *userdata) {
        Api *a = userdata;

        if (a->n_monitors == a->n_monitors_allocated) {
                size_t n = MAX(a->n_monitors_allocated * 2, 4U);
                VarlinkLink **t = reallocarray(a->monitors, n, sizeof(VarlinkLink *));

                if (!t)
                        return -ENOMEM;
                a->monitors = t;
                a->n_monitors_allocated = n;
        }
        a->monitors[a->n_monitors++] = l;
        varlink_link_set_call_callbacks(l, &(VarlinkCallCallbacks) { .on_end = monitor_end }, a);

        /* The subscription is in place: say so, so that the client knows nothing after this is lost. */
        return varlink_link_notify(l, NULL);
}

/* --- GetStatus --- */

static int method_get_status(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags,
                             void *userdata) {
        Api *a = userdata;
        Manager *m = a->manager;
        _cleanup_json_ json_object *p = json_object_new_object(), *states = json_object_new_object();
        unsigned counts[_DEVICE_STATE_MAX] = {};
        int r;

        if (!p || !states)
                return -ENOMEM;
        /* Mode=off never builds a registry: no devices. */
        if (m->registry)
                registry_count_states(m->registry, counts);
        for (DeviceState s = 0; s < _DEVICE_STATE_MAX; s++)
                if (counts[s] > 0 && (r = json_add_int(states, device_state_to_string(s), counts[s])) < 0)
                        return r;

        if ((r = json_add_string(p, "version", PACKAGE_VERSION)) < 0 ||
            (r = json_add_string(p, "mode", mode_to_string(m->config->mode))) < 0 ||
            (r = json_add_bool(p, "ready", m->ready)) < 0 ||
            (r = json_add_string(p, "status", m->status)) < 0 ||
            (r = json_add_int(p, "devices", m->registry ? (int64_t) registry_size(m->registry) : 0)) < 0 ||
            (r = json_add(p, "states", TAKE_PTR(states))) < 0 ||
            (r = json_add_int(p, "rules", (int64_t) m->policy->n_rules)) < 0 ||
            (r = json_add_string(p, "default_action",
                                 policy_action_to_string(m->config->default_action))) < 0 ||
            (r = json_add_string(p, "config_file", m->options.config_file)) < 0 ||
            (r = json_add_string(p, "runtime_dir", m->options.runtime_dir)) < 0 ||
            (r = json_add_bool(p, "topology_locked", m->registry && m->registry->topology_locked)) < 0)
                return r;

        if (m->options.policy_dirs) {
                _cleanup_json_ json_object *dirs = json_object_new_array();

                if (!dirs)
                        return -ENOMEM;
                STRV_FOREACH(dir, m->options.policy_dirs)
                        if (json_object_array_add(dirs, json_object_new_string(*dir)) < 0)
                                return -ENOMEM;
                r = json_add(p, "policy_dirs", TAKE_PTR(dirs));
                if (r < 0)
                        return r;
        }

        return varlink_link_reply(l, p);
}

/* --- ListDevices, GetDevice --- */

static int device_compare(const void *x, const void *y) {
        const Device *a = *(Device *const *) x, *b = *(Device *const *) y;

        return strcmp(a->info->syspath, b->info->syspath);
}

/* Every device, ordered by syspath; *ret is NULL when there are none. */
static int api_sorted_devices(Api *a, Device ***ret, size_t *ret_n) {
        Registry *reg = a->manager->registry;
        _cleanup_free_ Device **devices = NULL;
        size_t n = 0;
        Device *d;

        if (reg && registry_size(reg) > 0) {
                devices = calloc(registry_size(reg), sizeof(Device *));
                if (!devices)
                        return -ENOMEM;
                HASHMAP_FOREACH(d, reg->devices)
                        devices[n++] = d;
                qsort(devices, n, sizeof(Device *), device_compare);
        }

        *ret = TAKE_PTR(devices);
        *ret_n = n;
        return 0;
}

static int devices_reply(VarlinkLink *l, Device *const *devices, size_t n, bool final) {
        _cleanup_json_ json_object *p = json_object_new_object(), *list = json_object_new_array();
        int r;

        if (!p || !list)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *o;

                r = device_to_json(devices[i], &o);
                if (r < 0)
                        return r;
                if (json_object_array_add(list, o) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
        }
        r = json_add(p, "devices", TAKE_PTR(list));
        if (r < 0)
                return r;
        return final ? varlink_link_reply(l, p) : varlink_link_notify(l, p);
}

/* A ListDevices call with "more": the syspaths as they were when it was made, sent a slice at a
 * time as the client reads, each looked up again so that a device removed meanwhile is skipped. */
typedef struct ListJob {
        Api *api;
        char **syspaths;
        size_t n, next;
} ListJob;

static void list_job_end(VarlinkLink *l, void *userdata) {
        ListJob *job = userdata;

        strv_free(job->syspaths);
        free(job);
}

static void list_job_drain(VarlinkLink *l, void *userdata) {
        ListJob *job = userdata;
        Registry *reg = job->api->manager->registry;
        Device *slice[API_LIST_SLICE];
        size_t k = 0;
        bool final;
        int r;

        while (job->next < job->n && k < API_LIST_SLICE) {
                Device *d = reg ? registry_get(reg, job->syspaths[job->next]) : NULL;

                job->next++;
                if (d)
                        slice[k++] = d;
        }
        final = job->next == job->n;

        /* After a final reply job is gone: list_job_end() ran. */
        r = devices_reply(l, slice, k, final);
        if (r < 0 && r != -ENOTCONN) {
                log_warning_errno(r, "Failed to send the device list, disconnecting the client: %m");
                varlink_link_close(l);
        }
}

static int method_list_devices(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags,
                               void *userdata) {
        Api *a = userdata;
        _cleanup_free_ Device **devices = NULL;
        ListJob *job;
        size_t n;
        int r;

        r = api_sorted_devices(a, &devices, &n);
        if (r < 0)
                return r;

        if (!(flags & VARLINK_CALL_MORE) || n == 0) {
                r = devices_reply(l, devices, n, true);
                /* Too many for one message: only "more" can carry them. */
                if (r == -EMSGSIZE)
                        return varlink_link_error(l, VARLINK_ERROR_EXPECTED_MORE, NULL);
                return r;
        }

        job = calloc(1, sizeof(ListJob));
        if (!job)
                return -ENOMEM;
        job->api = a;
        job->syspaths = calloc(n + 1, sizeof(char *));
        if (!job->syspaths) {
                free(job);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                job->syspaths[i] = strdup(devices[i]->info->syspath);
                if (!job->syspaths[i]) {
                        list_job_end(l, job);
                        return -ENOMEM;
                }
        }
        job->n = n;

        varlink_link_set_call_callbacks(
                l, &(VarlinkCallCallbacks) { .on_drain = list_job_drain, .on_end = list_job_end }, job);
        return 0;
}

static int reply_device_error(VarlinkLink *l, const char *name, Device *const *matches, size_t n) {
        _cleanup_json_ json_object *p = json_object_new_object(), *paths = NULL;
        int r;

        if (!p)
                return -ENOMEM;
        r = json_add_string(p, "device", name);
        if (r < 0)
                return r;
        if (n == 0)
                return varlink_link_error(l, API_ERROR_NO_SUCH_DEVICE, p);

        paths = json_object_new_array();
        if (!paths)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (json_object_array_add(paths, json_object_new_string(matches[i]->info->syspath)) < 0)
                        return -ENOMEM;
        r = json_add(p, "syspaths", TAKE_PTR(paths));
        if (r < 0)
                return r;
        return varlink_link_error(l, API_ERROR_DEVICE_AMBIGUOUS, p);
}

/* Finds the device a call names, by name or syspath. 1: found; 0: not found, and the error
 * (NoSuchDevice, DeviceAmbiguous, InvalidParameter) has been sent; negative: failure. */
static int api_find_device(Api *a, VarlinkLink *l, const char *name, Device **ret) {
        Registry *reg = a->manager->registry;
        _cleanup_free_ Device **devices = NULL;
        Device *d = NULL;
        size_t n = 0, k = 0;
        int r;

        if (isempty(name)) {
                r = varlink_link_error_invalid_parameter(l, "device");
                return r < 0 ? r : 0;
        }

        if (name[0] == '/')
                d = reg ? registry_get(reg, name) : NULL;
        else {
                /* Names are unique per bus, not across buses. */
                r = api_sorted_devices(a, &devices, &n);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < n; i++)
                        if (streq(devices[i]->info->sysname, name))
                                devices[k++] = devices[i];
                if (k == 1)
                        d = devices[0];
        }
        if (!d) {
                r = reply_device_error(l, name, devices, name[0] == '/' ? 0 : k);
                return r < 0 ? r : 0;
        }

        *ret = d;
        return 1;
}

static int method_get_device(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags,
                             void *userdata) {
        Api *a = userdata;
        _cleanup_json_ json_object *p = NULL, *o = NULL;
        Device *d;
        int r;

        r = api_find_device(a, l, varlink_json_get_string(json_object_object_get(parameters, "device")), &d);
        if (r <= 0)
                return r;

        p = json_object_new_object();
        if (!p)
                return -ENOMEM;
        r = device_to_json(d, &o);
        if (r < 0)
                return r;
        r = json_add(p, "device", TAKE_PTR(o));
        if (r < 0)
                return r;
        return varlink_link_reply(l, p);
}

/* --- GetEvidence --- */

/* The evidence read after the device's current lock, or NULL. The daemon keeps the last set it read;
 * it counts only while its digest is the device's: after an unlock, a new lock or a restart (which
 * restores the digest from the state file but not the objects) there is none. */
static const EvidenceSet *api_current_evidence(Api *a, Device *d) {
        DeviceContext *ctx = d->userdata;
        char digest[SHA384_STRING_MAX];

        if (!ctx || !ctx->evidence || !d->evidence_digest)
                return NULL;
        if (evidence_set_digest_string(ctx->evidence, digest) < 0 || !streq(digest, d->evidence_digest))
                return NULL;
        return ctx->evidence;
}

static int evidence_object_to_json(EvidenceType t, const EvidenceObject *obj, json_object **ret) {
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_free_ char *data = NULL;
        char hash[SHA384_STRING_MAX];
        int r;

        if (!o)
                return -ENOMEM;
        r = base64_encode(obj->data, obj->size, &data, NULL);
        if (r < 0)
                return r;
        if ((r = json_add_string(o, "type", evidence_type_to_string(t))) < 0 ||
            (r = json_add_int(o, "size", (int64_t) obj->size)) < 0 ||
            (r = json_add_string(o, "sha384", sha384_to_string(obj->sha384, hash))) < 0 ||
            (r = json_add_string(o, "data", data)) < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

/* A GetEvidence reply with the objects whose types are in mask. */
static int evidence_reply_new(Device *d, const EvidenceSet *set, unsigned mask, json_object **ret) {
        const DeviceContext *ctx = d->userdata;
        _cleanup_json_ json_object *p = json_object_new_object(), *list = json_object_new_array();
        char nonce[2 * sizeof(ctx->nonce) + 1];
        int r;

        if (!p || !list)
                return -ENOMEM;
        for (EvidenceType t = 0; t < _EVIDENCE_TYPE_MAX; t++) {
                const EvidenceObject *obj = evidence_set_get(set, t);
                json_object *o;

                if (!obj || !(mask & (1U << t)))
                        continue;
                r = evidence_object_to_json(t, obj, &o);
                if (r < 0)
                        return r;
                if (json_object_array_add(list, o) < 0) {
                        json_object_put(o);
                        return -ENOMEM;
                }
        }
        if ((r = json_add_string(p, "device", d->info->sysname)) < 0 ||
            (r = json_add_string(p, "evidence_digest", d->evidence_digest)) < 0 ||
            (r = json_add_string(p, "nonce", hex_encode(ctx->nonce, sizeof(ctx->nonce), nonce))) < 0 ||
            (r = json_add(p, "objects", TAKE_PTR(list))) < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

static int reply_no_evidence(VarlinkLink *l, const Device *d) {
        _cleanup_json_ json_object *p = json_object_new_object();
        int r;

        if (!p)
                return -ENOMEM;
        r = json_add_string(p, "device", d->info->sysname);
        if (r < 0)
                return r;
        return varlink_link_error(l, API_ERROR_NO_EVIDENCE, p);
}

static int reply_evidence_too_large(VarlinkLink *l, const Device *d, EvidenceType t, size_t size) {
        _cleanup_json_ json_object *p = json_object_new_object();
        int r;

        if (!p)
                return -ENOMEM;
        if ((r = json_add_string(p, "device", d->info->sysname)) < 0 ||
            (r = json_add_string(p, "type", evidence_type_to_string(t))) < 0 ||
            (r = json_add_int(p, "size", (int64_t) size)) < 0)
                return r;
        return varlink_link_error(l, API_ERROR_EVIDENCE_TOO_LARGE, p);
}

/* A GetEvidence call with "more": one object per reply, sent as the client reads. Each reply looks
 * the device up again and checks that its evidence is still the one the call started with, so that a
 * client never gets objects of two locks mixed under one digest. */
typedef struct EvidenceJob {
        Api *api;
        char *syspath;
        char *digest;
        int next;                       /* the next type to send */
} EvidenceJob;

static void evidence_job_end(VarlinkLink *l, void *userdata) {
        EvidenceJob *job = userdata;

        free(job->syspath);
        free(job->digest);
        free(job);
}

static int evidence_job_step(VarlinkLink *l, EvidenceJob *job) {
        Registry *reg = job->api->manager->registry;
        Device *d = reg ? registry_get(reg, job->syspath) : NULL;
        _cleanup_json_ json_object *p = NULL;
        const EvidenceSet *set;
        unsigned mask, rest;
        int t, r;

        if (!d)
                return reply_device_error(l, job->syspath, NULL, 0);
        set = api_current_evidence(job->api, d);
        if (!set || !streq(d->evidence_digest, job->digest))
                /* A new lock meanwhile: what was sent belongs to evidence that no longer counts. */
                return reply_no_evidence(l, d);

        mask = evidence_set_mask(set) & ~((1U << job->next) - 1);
        if (mask == 0) {
                /* A set without objects: one reply that says so. */
                r = evidence_reply_new(d, set, 0, &p);
                return r < 0 ? r : varlink_link_reply(l, p);
        }

        t = __builtin_ctz(mask);
        rest = mask & ~(1U << t);
        job->next = t + 1;
        r = evidence_reply_new(d, set, 1U << t, &p);
        if (r < 0)
                return r;
        r = rest ? varlink_link_notify(l, p) : varlink_link_reply(l, p);
        if (r == -EMSGSIZE)
                return reply_evidence_too_large(l, d, t, evidence_set_get(set, t)->size);
        return r;
}

static void evidence_job_drain(VarlinkLink *l, void *userdata) {
        /* After a final reply or an error job is gone: evidence_job_end() ran. */
        int r = evidence_job_step(l, userdata);

        if (r < 0 && r != -ENOTCONN) {
                log_warning_errno(r, "Failed to send evidence, disconnecting the client: %m");
                varlink_link_close(l);
        }
}

static int method_get_evidence(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags,
                               void *userdata) {
        Api *a = userdata;
        _cleanup_json_ json_object *p = NULL;
        const EvidenceSet *set;
        EvidenceJob *job;
        Device *d;
        int r;

        r = api_find_device(a, l, varlink_json_get_string(json_object_object_get(parameters, "device")), &d);
        if (r <= 0)
                return r;
        set = api_current_evidence(a, d);
        if (!set)
                return reply_no_evidence(l, d);

        if (!(flags & VARLINK_CALL_MORE)) {
                r = evidence_reply_new(d, set, EVIDENCE_TYPE_MASK_ALL, &p);
                if (r < 0)
                        return r;
                r = varlink_link_reply(l, p);
                /* Too large for one message: only "more" can carry it. */
                if (r == -EMSGSIZE)
                        return varlink_link_error(l, VARLINK_ERROR_EXPECTED_MORE, NULL);
                return r;
        }

        job = calloc(1, sizeof(EvidenceJob));
        if (!job)
                return -ENOMEM;
        job->api = a;
        job->syspath = strdup(d->info->syspath);
        job->digest = strdup(d->evidence_digest);
        if (!job->syspath || !job->digest) {
                evidence_job_end(l, job);
                return -ENOMEM;
        }
        varlink_link_set_call_callbacks(
                l, &(VarlinkCallCallbacks) { .on_drain = evidence_job_drain, .on_end = evidence_job_end }, job);
        return 0;
}

/* --- Approve, Reject --- */

static int reply_stale_evidence(VarlinkLink *l, const Device *d, const char *given) {
        _cleanup_json_ json_object *p = json_object_new_object();
        int r;

        if (!p)
                return -ENOMEM;
        if ((r = json_add_string(p, "device", d->info->sysname)) < 0 ||
            (r = json_add_string(p, "expected", d->evidence_digest)) < 0 ||
            (r = json_add_string(p, "given", given)) < 0)
                return r;
        return varlink_link_error(l, API_ERROR_STALE_EVIDENCE, p);
}

static int reply_not_awaiting_verdict(VarlinkLink *l, const Device *d) {
        _cleanup_json_ json_object *p = json_object_new_object();
        int r;

        if (!p)
                return -ENOMEM;
        if ((r = json_add_string(p, "device", d->info->sysname)) < 0 ||
            (r = json_add_string(p, "state", device_state_to_string(d->state))) < 0)
                return r;
        return varlink_link_error(l, API_ERROR_NOT_AWAITING_VERDICT, p);
}

/* A verdict on one device, bound to digest. 1: delivered; 0: refused, and the error has been sent. */
static int api_verdict(Api *a, VarlinkLink *l, Device *d, bool approve, const char *digest, const char *reason,
                       bool lock_topology) {
        int r;

        /* Checked here as well, so that the error says which: the verifier would say -EBUSY first. */
        if (d->state != DEVICE_ATTESTING || !d->evidence_digest || d->verdict != VERDICT_NONE) {
                r = reply_not_awaiting_verdict(l, d);
                return r < 0 ? r : 0;
        }
        if (!streq(digest, d->evidence_digest)) {
                r = reply_stale_evidence(l, d, digest);
                return r < 0 ? r : 0;
        }

        r = verifier_push_verdict(a->manager, d, approve, digest, reason, lock_topology);
        if (r == -EBUSY) {
                r = reply_not_awaiting_verdict(l, d);
                return r < 0 ? r : 0;
        }
        if (r == -ESTALE) {
                r = reply_stale_evidence(l, d, digest);
                return r < 0 ? r : 0;
        }
        if (r < 0)
                return log_device_warning_errno(d->info->sysname, r,
                                                "failed to carry out the verdict from the API: %m");
        return 1;
}

static bool device_awaits_verdict(const Device *d) {
        return d->state == DEVICE_ATTESTING && d->evidence_digest && d->verdict == VERDICT_NONE;
}

/* Approve with all: true. Each device on the digest it has now; devices are collected first, since
 * every verdict is carried out at once and may change the registry. */
static int api_approve_all(Api *a, const char *reason, bool lock_topology, json_object *approved) {
        Registry *reg = a->manager->registry;
        _cleanup_free_ Device **devices = NULL;
        _cleanup_strv_free_ char **syspaths = NULL;
        size_t n;
        int r;

        r = api_sorted_devices(a, &devices, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                if (device_awaits_verdict(devices[i]) && strv_extend(&syspaths, devices[i]->info->syspath) < 0)
                        return -ENOMEM;

        STRV_FOREACH(path, syspaths) {
                _cleanup_free_ char *digest = NULL;
                Device *d = reg ? registry_get(reg, *path) : NULL;

                if (!d || !device_awaits_verdict(d))
                        continue;
                /* Delivering the verdict may free the device's digest. */
                digest = strdup(d->evidence_digest);
                if (!digest || json_object_array_add(approved, json_object_new_string(d->info->sysname)) < 0)
                        return -ENOMEM;
                r = verifier_push_verdict(a->manager, d, true, digest, reason, lock_topology);
                if (r < 0)
                        return log_device_warning_errno(d->info->sysname, r,
                                                        "failed to carry out the approval from the API: %m");
        }
        return 0;
}

static int method_approve(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags, void *userdata) {
        Api *a = userdata;
        const char *name = varlink_json_get_string(json_object_object_get(parameters, "device"));
        const char *digest = varlink_json_get_string(json_object_object_get(parameters, "evidence_digest"));
        const char *reason = varlink_json_get_string(json_object_object_get(parameters, "reason"));
        bool all = json_object_get_boolean(json_object_object_get(parameters, "all"));
        bool lock_topology = json_object_get_boolean(json_object_object_get(parameters, "lock_topology"));
        _cleanup_json_ json_object *p = json_object_new_object(), *approved = json_object_new_array();
        Device *d;
        int r;

        if (!p || !approved)
                return -ENOMEM;

        if (all) {
                /* all judges each device on the digest it has: naming one makes no sense. */
                if (name)
                        return varlink_link_error_invalid_parameter(l, "device");
                if (digest)
                        return varlink_link_error_invalid_parameter(l, "evidence_digest");
                r = api_approve_all(a, reason, lock_topology, approved);
                if (r < 0)
                        return r;
        } else {
                if (!name)
                        return varlink_link_error_invalid_parameter(l, "device");
                /* A verdict must name the evidence it judged. */
                if (!sha384_string_is_valid(digest))
                        return varlink_link_error_invalid_parameter(l, "evidence_digest");
                r = api_find_device(a, l, name, &d);
                if (r <= 0)
                        return r;
                /* Before the verdict: carrying it out may free the device. */
                if (json_object_array_add(approved, json_object_new_string(d->info->sysname)) < 0)
                        return -ENOMEM;
                r = api_verdict(a, l, d, true, digest, reason, lock_topology);
                if (r <= 0)
                        return r;
        }

        r = json_add(p, "approved", TAKE_PTR(approved));
        if (r < 0)
                return r;
        return varlink_link_reply(l, p);
}

static int method_reject(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags, void *userdata) {
        Api *a = userdata;
        const char *digest = varlink_json_get_string(json_object_object_get(parameters, "evidence_digest"));
        const char *reason = varlink_json_get_string(json_object_object_get(parameters, "reason"));
        Device *d;
        int r;

        if (!sha384_string_is_valid(digest))
                return varlink_link_error_invalid_parameter(l, "evidence_digest");
        r = api_find_device(a, l, varlink_json_get_string(json_object_object_get(parameters, "device")), &d);
        if (r <= 0)
                return r;
        r = api_verdict(a, l, d, false, digest, reason ?: "rejected through the control API", false);
        if (r <= 0)
                return r;
        return varlink_link_reply(l, NULL);
}

/* --- LockTopology, Revalidate --- */

static int method_lock_topology(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags,
                                void *userdata) {
        Api *a = userdata;
        Manager *m = a->manager;
        _cleanup_(outcome_done) Outcome o = {};
        _cleanup_json_ json_object *p = json_object_new_object();
        int r;

        if (!p)
                return -ENOMEM;
        /* Mode=off tracks no devices: there is nothing to lock. */
        if (!m->registry)
                return -EOPNOTSUPP;

        /* As manager_lock_topology() does, through the processing the API was given. */
        r = registry_lock_topology(m->registry, now_realtime_usec(), &o);
        if (r == -EALREADY)
                return varlink_link_error(l, API_ERROR_TOPOLOGY_ALREADY_LOCKED, NULL);
        if (r < 0)
                return r;
        log_notice("Device topology locked through the control API.");
        r = a->process(m, &o);
        if (r < 0)
                return r;

        r = json_add_int(p, "devices", (int64_t) registry_size(m->registry));
        if (r < 0)
                return r;
        return varlink_link_reply(l, p);
}

static int method_revalidate(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags, void *userdata) {
        Api *a = userdata;
        Manager *m = a->manager;
        _cleanup_(outcome_done) Outcome o = {};
        _cleanup_json_ json_object *p = NULL;
        _cleanup_free_ char *name = NULL;
        Device *d;
        int r, k;

        r = api_find_device(a, l, varlink_json_get_string(json_object_object_get(parameters, "device")), &d);
        if (r <= 0)
                return r;
        /* Carrying out the event may free the device. */
        name = strdup(d->info->sysname);
        if (!name)
                return -ENOMEM;

        /* As manager_dispatch() does, through the processing the API was given. */
        log_device_info(name, "revalidation requested through the control API.");
        r = device_dispatch(m->registry, d, &(DeviceEvent) { .type = DEVICE_EVENT_REVALIDATE }, &o);
        k = a->process(m, &o);
        if (r == -EOPNOTSUPP) {
                p = json_object_new_object();
                if (!p || json_add_string(p, "device", name) < 0)
                        return -ENOMEM;
                return varlink_link_error(l, API_ERROR_NOT_TDISP, p);
        }
        if (r < 0)
                return r;
        if (k < 0)
                return k;
        return varlink_link_reply(l, NULL);
}

/* --- Reload --- */

static int api_retire(Api *a, Config *c, Policy *p) {
        Config **configs;
        Policy **policies;

        configs = reallocarray(a->retired_configs, a->n_retired + 1, sizeof(Config *));
        if (configs)
                a->retired_configs = configs;
        policies = reallocarray(a->retired_policies, a->n_retired + 1, sizeof(Policy *));
        if (policies)
                a->retired_policies = policies;
        if (!configs || !policies)
                /* Leaking is the safe choice here: devices may still point into them. */
                return log_oom();

        a->retired_configs[a->n_retired] = c;
        a->retired_policies[a->n_retired] = p;
        a->n_retired++;
        return 0;
}

int api_reload(Api *a, ConfError *ret_error) {
        Manager *m = a->manager;
        ConfigPaths paths = {
                .config_file = m->options.config_file,
                .policy_dirs = m->options.policy_dirs,
                .kernel_cmdline = m->options.kernel_cmdline,
        };
        _cleanup_(config_freep) Config *config = NULL, *old_config = NULL;
        _cleanup_(policy_freep) Policy *policy = NULL, *old_policy = NULL;
        _cleanup_(outcome_done) Outcome o = {};
        int r;

        assert(ret_error);

        r = config_load(&paths, &config, &policy, ret_error);
        if (r >= 0 && config->mode != m->config->mode)
                /* Lockdown (autoprobe) and the registry itself depend on the mode they started with. */
                r = conf_error_set(ret_error, NULL, 0, "Manager.Mode", -EBUSY,
                                   "changing it from %s to %s needs a restart of tdispd",
                                   mode_to_string(m->config->mode), mode_to_string(config->mode));
        if (r < 0) {
                _cleanup_free_ char *text = conf_error_format(ret_error);

                log_warning_errno(r, "Reload refused, the running configuration stays in force: %s",
                                  strna(text));
                return r;
        }

        if (m->registry) {
                r = registry_set_policy(m->registry, config, policy, &o);
                if (r < 0) {
                        /* Half of the devices may have been decided under the new policy: it must stay,
                         * and the old one must stay alive for the others. */
                        (void) api_retire(a, TAKE_PTR(m->config), TAKE_PTR(m->policy));
                        m->config = TAKE_PTR(config);
                        m->policy = TAKE_PTR(policy);
                        (void) a->process(m, &o);
                        log_error_errno(r, "Failed to apply the reloaded policy to every device: %m");
                        return conf_error_set(ret_error, NULL, 0, NULL, r,
                                              "Failed to apply the new policy to every device: %s",
                                              strerror(-r));
                }
        }

        old_config = TAKE_PTR(m->config);
        old_policy = TAKE_PTR(m->policy);
        m->config = TAKE_PTR(config);
        m->policy = TAKE_PTR(policy);

        log_info("Reloaded configuration: Mode=%s, DefaultAction=%s, %zu policy rules.",
                 mode_to_string(m->config->mode), policy_action_to_string(m->config->default_action),
                 m->policy->n_rules);

        /* Carrying out what the new policy decided may fail per device; that is logged there, and
         * the policy is in force either way. */
        (void) a->process(m, &o);
        return 0;
}

static int method_reload(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags, void *userdata) {
        Api *a = userdata;
        _cleanup_(conf_error_done) ConfError e = {};
        _cleanup_json_ json_object *p = json_object_new_object();
        int r;

        if (!p)
                return -ENOMEM;

        if (api_reload(a, &e) < 0) {
                _cleanup_free_ char *text = conf_error_format(&e);

                if (!text ||
                    (r = json_add_string(p, "file", e.filename)) < 0 ||
                    (e.line > 0 && (r = json_add_int(p, "line", e.line)) < 0) ||
                    (r = json_add_string(p, "key", e.key)) < 0 ||
                    (r = json_add_string(p, "message", text)) < 0)
                        return -ENOMEM;
                return varlink_link_error(l, API_ERROR_RELOAD_FAILED, p);
        }

        if ((r = json_add_string(p, "mode", mode_to_string(a->manager->config->mode))) < 0 ||
            (r = json_add_int(p, "rules", (int64_t) a->manager->policy->n_rules)) < 0)
                return r;
        return varlink_link_reply(l, p);
}

/* --- setup --- */

static const VarlinkMethod api_methods[] = {
        { "GetStatus", method_get_status },
        { "ListDevices", method_list_devices },
        { "GetDevice", method_get_device },
        { "Monitor", method_monitor, VARLINK_METHOD_REQUIRES_MORE },
        { "Reload", method_reload },
        { "GetEvidence", method_get_evidence },
        { "Approve", method_approve },
        { "Reject", method_reject },
        { "LockTopology", method_lock_topology },
        { "Revalidate", method_revalidate },
        {}
};

static bool api_authorize(const struct ucred *peer, void *userdata) {
        return peer->uid == 0 || peer->uid == geteuid();
}

int api_new(Manager *m, ApiProcess process, Api **ret) {
        _cleanup_(api_freep) Api *a = NULL;
        _cleanup_(conf_error_done) ConfError e = {};
        _cleanup_free_ char *path = NULL;
        int r;

        assert(m);
        assert(m->config && m->policy);
        assert(m->options.runtime_dir);
        assert(process);
        assert(ret);

        a = calloc(1, sizeof(Api));
        if (!a)
                return -ENOMEM;
        a->manager = m;
        a->process = process;

        r = varlink_server_new(m->event,
                               &(const VarlinkServerInfo) {
                                       .vendor = "tdispd",
                                       .product = "tdispd",
                                       .version = PACKAGE_VERSION,
                                       .url = "",
                                       .system_error = API_ERROR_SYSTEM,
                               },
                               a, &a->server);
        if (r < 0)
                return r;
        varlink_server_set_authorize(a->server, api_authorize);

        r = varlink_server_add_interface(a->server, api_interface_description, api_methods, &e);
        if (r < 0) {
                /* A build that ships a broken description is a bug; the unit test catches it first. */
                _cleanup_free_ char *text = conf_error_format(&e);
                return log_error_errno(r, "Invalid interface description %s: %s", API_INTERFACE,
                                       strna(text));
        }

        if (mkdir(m->options.runtime_dir, 0755) < 0 && errno != EEXIST)
                return log_error_errno(-errno, "Failed to create '%s': %m", m->options.runtime_dir);
        if (asprintf(&path, "%s/%s", m->options.runtime_dir, API_SOCKET_NAME) < 0)
                return -ENOMEM;
        r = varlink_server_listen(a->server, path, 0600);
        if (r < 0)
                return log_error_errno(r, "Failed to listen on '%s': %m", path);

        log_debug("Control API listening on '%s'.", path);
        *ret = TAKE_PTR(a);
        return 0;
}

Api *api_free(Api *a) {
        if (!a)
                return NULL;
        /* Ends every call first: Monitor and ListDevices clean up after themselves in on_end. */
        varlink_server_free(a->server);
        assert(a->n_monitors == 0);
        free(a->monitors);
        for (size_t i = 0; i < a->n_retired; i++) {
                config_free(a->retired_configs[i]);
                policy_free(a->retired_policies[i]);
        }
        free(a->retired_configs);
        free(a->retired_policies);
        return mfree(a);
}

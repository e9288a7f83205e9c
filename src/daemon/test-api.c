/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-api.c — io.tdispd.Manager against a hand-built manager: every reply checked against the
 * interface description, Monitor records during a reload, a reload that fails and keeps the running
 * policy, a Mode= change refused, a client of another user refused (by the socket's mode, and by
 * its credentials when the mode would let it in), and the TDISP calls: evidence of a device made to
 * look attesting, verdicts refused for missing, malformed or stale digests and for devices that await
 * none, the topology lock, and revalidation of a device that is not TDISP. (Verdicts that are carried
 * out need the real pipeline: tests/umockdev/ctl-tdisp.bats.) */

#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "api.h"
#include "base64.h"
#include "evidence.h"
#include "log.h"
#include "manager.h"
#include "strv.h"
#include "varlink-client.h"
#include "varlink-idl.h"

#define CLIENT_TIMEOUT_USEC (10U * 1000U * 1000U)

static char dir[] = "/tmp/test-api-XXXXXX";
static char socket_path[256], config_path[256], policy_dir[256];
static Api *api;
static unsigned records_processed;
static bool clients_done;

/* The device made to look attesting for the TDISP tests, and its evidence. */
#define ATTESTING "0000:00:04.0"
static char attesting_digest[SHA384_STRING_MAX];
static const char cert0_data[] = "FAKE CERTIFICATE CHAIN";
static const char report_data[] = "FAKE INTERFACE REPORT";

/* The manager's part, reduced to what the API sees: every record goes to the monitors. */
static int fake_process(Manager *m, Outcome *o) {
        for (size_t i = 0; i < o->n_records; i++) {
                api_broadcast_record(api, &o->records[i]);
                records_processed++;
        }
        outcome_done(o);
        return 0;
}

static void write_file(const char *path, const char *contents) {
        _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        assert(fd >= 0);
        assert(write(fd, contents, strlen(contents)) == (ssize_t) strlen(contents));
}

static void add_device(Manager *m, const char *const *properties) {
        _cleanup_(outcome_done) Outcome o = {};
        DeviceInfo *info = NULL;

        assert(device_info_from_properties((char **) properties, &info, NULL) >= 0);
        assert(registry_add(m->registry, info, &o, NULL) >= 0);
        assert(fake_process(m, &o) == 0);
}

/* --- client side --- */

static VarlinkInterface *idl;

static VarlinkClient *client_new(void) {
        VarlinkClient *c = NULL;

        assert(varlink_client_connect(socket_path, &c) == 0);
        return c;
}

static json_object *params(const char *json) {
        json_object *v = NULL;

        assert(json_parse_object_strict(json, strlen(json), 65536, NULL, &v, NULL) == 0);
        return v;
}

static void validate(const char *kind_name, VarlinkSymbolKind kind, bool output, json_object *v) {
        const VarlinkSymbol *s = varlink_interface_find(idl, kind, kind_name);
        const char *bad = NULL;

        assert(s);
        if (varlink_type_validate(output ? s->output : s->input, v, &bad) < 0) {
                fprintf(stderr, "%s: reply does not match the description at '%s': %s\n", kind_name, strna(bad),
                        json_object_to_json_string(v));
                assert(false);
        }
}

/* Calls a method and checks the reply (or error) against the description. */
static void call(VarlinkClient *c, const char *method, const char *parameters, const char *error, VarlinkReply *ret) {
        _cleanup_json_ json_object *p = parameters ? params(parameters) : NULL;
        _cleanup_free_ char *qualified = NULL;

        assert(asprintf(&qualified, "io.tdispd.Manager.%s", method) > 0);
        assert(varlink_client_call(c, qualified, p, CLIENT_TIMEOUT_USEC, ret) == 0);
        if (!streq_ptr(ret->error, error)) {
                fprintf(stderr, "%s: got error %s, expected %s: %s\n", method, strna(ret->error), strna(error),
                        json_object_to_json_string(ret->parameters));
                assert(false);
        }
        if (error && startswith(error, "io.tdispd.Manager."))
                validate(error + strlen("io.tdispd.Manager."), VARLINK_SYMBOL_ERROR, false, ret->parameters);
        else if (!error)
                validate(method, VARLINK_SYMBOL_METHOD, true, ret->parameters);
}

static const char *get_string(json_object *o, const char *key) {
        return json_object_get_string(json_object_object_get(o, key));
}

static int64_t get_int(json_object *o, const char *key) {
        return json_object_get_int64(json_object_object_get(o, key));
}

static bool endswith(const char *s, const char *suffix) {
        size_t n = strlen(s), k = strlen(suffix);

        return n >= k && streq(s + n - k, suffix);
}

static bool contains_word(const char *text, const char *word) {
        size_t n = strlen(word);

        for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
                bool before = p > text && (p[-1] == '-' || (p[-1] >= 'a' && p[-1] <= 'z'));
                bool after = p[n] == '-' || (p[n] >= 'a' && p[n] <= 'z');

                if (!before && !after)
                        return true;
        }
        return false;
}

static void test_description(void) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = client_new();
        _cleanup_(varlink_reply_done) VarlinkReply info = {}, desc = {};
        _cleanup_json_ json_object *p = params("{\"interface\":\"io.tdispd.Manager\"}");
        _cleanup_(conf_error_done) ConfError e = {};
        const char *text;

        assert(varlink_client_call(c, "org.varlink.service.GetInfo", NULL, CLIENT_TIMEOUT_USEC, &info) == 0);
        assert(streq(get_string(info.parameters, "product"), "tdispd"));
        assert(json_object_array_length(json_object_object_get(info.parameters, "interfaces")) == 2);

        assert(varlink_client_call(c, "org.varlink.service.GetInterfaceDescription", p, CLIENT_TIMEOUT_USEC, &desc) == 0);
        text = get_string(desc.parameters, "description");
        assert(streq(text, api_interface_description));
        assert(varlink_interface_parse(text, "io.tdispd.Manager.varlink", &idl, &e) == 0);

        /* The description documents every value a string field can take; a new state, action or
         * verdict in the core must be added there too. */
        for (DeviceState s = 0; s < _DEVICE_STATE_MAX; s++)
                if (!contains_word(text, device_state_to_string(s))) {
                        fprintf(stderr, "io.tdispd.Manager.varlink does not list state '%s'\n", device_state_to_string(s));
                        assert(false);
                }
        for (DeviceActionType a = 0; a < _DEVICE_ACTION_MAX; a++)
                if (!contains_word(text, device_action_to_string(a))) {
                        fprintf(stderr, "io.tdispd.Manager.varlink does not list action '%s'\n", device_action_to_string(a));
                        assert(false);
                }
        for (DriverVerdict v = 0; v < _DRIVER_VERDICT_MAX; v++)
                if (!contains_word(text, driver_verdict_to_string(v))) {
                        fprintf(stderr, "io.tdispd.Manager.varlink does not list verdict '%s'\n", driver_verdict_to_string(v));
                        assert(false);
                }
        for (ApiRecordType t = 0; t < _API_RECORD_TYPE_MAX; t++)
                assert(contains_word(text, api_record_type_to_string(t)));
        for (PolicyAction a = 0; a < _POLICY_ACTION_MAX; a++)
                assert(contains_word(text, policy_action_to_string(a)));
        for (Mode m = 0; m < _MODE_MAX; m++)
                assert(contains_word(text, mode_to_string(m)));
}

static void test_status(unsigned rules) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = client_new();
        _cleanup_(varlink_reply_done) VarlinkReply r = {};

        call(c, "GetStatus", NULL, NULL, &r);
        assert(streq(get_string(r.parameters, "mode"), "enforce"));
        assert(get_int(r.parameters, "devices") == 5);
        assert(get_int(r.parameters, "rules") == rules);
        assert(streq(get_string(r.parameters, "default_action"), "deny"));
        assert(streq(get_string(r.parameters, "config_file"), config_path));
        assert(streq(json_object_get_string(json_object_array_get_idx(json_object_object_get(r.parameters, "policy_dirs"), 0)),
                     policy_dir));
        assert(streq(get_string(r.parameters, "runtime_dir"), dir));
}

static void test_list(void) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = client_new();
        _cleanup_(varlink_reply_done) VarlinkReply all = {};
        json_object *devices;
        size_t n = 0;

        call(c, "ListDevices", NULL, NULL, &all);
        devices = json_object_object_get(all.parameters, "devices");
        assert(json_object_array_length(devices) == 5);
        for (size_t i = 1; i < 5; i++)
                assert(strcmp(get_string(json_object_array_get_idx(devices, i - 1), "syspath"),
                              get_string(json_object_array_get_idx(devices, i), "syspath")) < 0);

        /* With "more": the same devices in the same order, however many replies it takes. */
        assert(varlink_client_send(c, "io.tdispd.Manager.ListDevices", NULL, VARLINK_CALL_MORE, CLIENT_TIMEOUT_USEC) == 0);
        for (;;) {
                _cleanup_(varlink_reply_done) VarlinkReply slice = {};
                json_object *list;

                assert(varlink_client_receive(c, CLIENT_TIMEOUT_USEC, &slice) == 0);
                assert(!slice.error);
                validate("ListDevices", VARLINK_SYMBOL_METHOD, true, slice.parameters);
                list = json_object_object_get(slice.parameters, "devices");
                for (size_t i = 0; i < json_object_array_length(list); i++, n++)
                        assert(json_object_equal(json_object_array_get_idx(list, i), json_object_array_get_idx(devices, n)));
                if (!slice.continues)
                        break;
        }
        assert(n == 5);
}

static void test_get_device(void) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = client_new();
        VarlinkReply r = {};
        json_object *d, *ids;

        call(c, "GetDevice", "{\"device\":\"0000:00:03.0\"}", NULL, &r);
        d = json_object_object_get(r.parameters, "device");
        assert(streq(get_string(d, "syspath"), "/sys/devices/pci0000:00/0000:00:03.0"));
        assert(streq(get_string(d, "bus"), "pci"));
        assert(streq(get_string(d, "action"), "shared"));
        assert(endswith(get_string(d, "rule"), "/policy.d/50-intel.policy"));
        assert(streq(get_string(d, "driver"), "e1000e"));
        ids = json_object_object_get(d, "ids");
        assert(get_int(ids, "vendor") == 0x8086 && get_int(ids, "device") == 0x10d3);
        assert(get_int(ids, "class") == 0x020000);
        varlink_reply_done(&r);

        call(c, "GetDevice", "{\"device\":\"/sys/devices/platform/serial8250\"}", NULL, &r);
        d = json_object_object_get(r.parameters, "device");
        assert(streq(get_string(d, "name"), "serial8250"));
        assert(streq(get_string(d, "rule"), "default"));
        assert(streq(get_string(d, "action"), "deny"));
        assert(json_object_object_length(json_object_object_get(d, "ids")) == 0);
        varlink_reply_done(&r);

        call(c, "GetDevice", "{\"device\":\"nope\"}", "io.tdispd.Manager.NoSuchDevice", &r);
        assert(streq(get_string(r.parameters, "device"), "nope"));
        varlink_reply_done(&r);
        call(c, "GetDevice", "{\"device\":\"/sys/devices/nope\"}", "io.tdispd.Manager.NoSuchDevice", &r);
        varlink_reply_done(&r);
        call(c, "GetDevice", "{\"device\":\"dup0\"}", "io.tdispd.Manager.DeviceAmbiguous", &r);
        assert(json_object_array_length(json_object_object_get(r.parameters, "syspaths")) == 2);
        varlink_reply_done(&r);
        call(c, "GetDevice", "{\"device\":\"\"}", "org.varlink.service.InvalidParameter", &r);
        varlink_reply_done(&r);
        call(c, "GetDevice", "{}", "org.varlink.service.InvalidParameter", &r);
        varlink_reply_done(&r);
        call(c, "GetDevice", "{\"device\":\"x\",\"bus\":\"pci\"}", "org.varlink.service.InvalidParameter", &r);
        varlink_reply_done(&r);
        call(c, "Monitor", NULL, "org.varlink.service.ExpectedMore", &r);
        varlink_reply_done(&r);
}

/* Reads monitor replies until one is a decision for the device; every reply must match the
 * description. */
static void expect_decision(VarlinkClient *monitor, const char *device, const char *action) {
        for (;;) {
                _cleanup_(varlink_reply_done) VarlinkReply ev = {};
                json_object *rec;

                assert(varlink_client_receive(monitor, CLIENT_TIMEOUT_USEC, &ev) == 0);
                assert(ev.continues && !ev.error);
                validate("Monitor", VARLINK_SYMBOL_METHOD, true, ev.parameters);
                rec = json_object_object_get(ev.parameters, "record");
                assert(rec);
                assert(get_int(rec, "timestamp") > 0);
                if (streq(get_string(rec, "type"), "decision") && streq(get_string(rec, "device"), device)) {
                        assert(streq(get_string(rec, "action"), action));
                        return;
                }
        }
}

static void test_reload(VarlinkClient *monitor) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = client_new();
        _cleanup_free_ char *p = NULL, *broken = NULL;
        VarlinkReply r = {};

        /* Allow virtio too: the monitor sees each device decided again. */
        assert(asprintf(&p, "%s/60-virtio.policy", policy_dir) > 0);
        write_file(p, "[Match]\nVendor=0x1af4\n\n[Policy]\nAction=shared\n");
        call(c, "Reload", NULL, NULL, &r);
        assert(streq(get_string(r.parameters, "mode"), "enforce"));
        assert(get_int(r.parameters, "rules") == 2);
        varlink_reply_done(&r);
        expect_decision(monitor, "0000:00:04.0", "shared");
        test_status(2);

        /* A broken file: refused with its name and line, and the running policy stays. */
        assert(asprintf(&broken, "%s/70-broken.policy", policy_dir) > 0);
        write_file(broken, "[Match]\nBus=pci\n\n[Policy]\nAction=maybe\n");
        call(c, "Reload", NULL, "io.tdispd.Manager.ReloadFailed", &r);
        assert(streq(get_string(r.parameters, "file"), broken));
        assert(get_int(r.parameters, "line") == 5);
        assert(streq(get_string(r.parameters, "key"), "Policy.Action"));
        assert(strstr(get_string(r.parameters, "message"), "70-broken.policy:5"));
        varlink_reply_done(&r);
        test_status(2);
        assert(unlink(broken) == 0);

        /* Mode= needs a restart. */
        write_file(config_path, "[Manager]\nMode=audit\nDefaultAction=deny\n");
        call(c, "Reload", NULL, "io.tdispd.Manager.ReloadFailed", &r);
        assert(streq(get_string(r.parameters, "key"), "Manager.Mode"));
        assert(strstr(get_string(r.parameters, "message"), "restart"));
        varlink_reply_done(&r);
        write_file(config_path, "[Manager]\nMode=enforce\nDefaultAction=deny\n");

        /* And back to one rule. */
        assert(unlink(p) == 0);
        call(c, "Reload", NULL, NULL, &r);
        assert(get_int(r.parameters, "rules") == 1);
        varlink_reply_done(&r);
        expect_decision(monitor, "0000:00:04.0", "deny");
}

static void test_other_user(void) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        _cleanup_(varlink_reply_done) VarlinkReply r = {};

        if (geteuid() != 0) {
                printf("Not root, skipping the test with another user.\n");
                return;
        }

        /* This thread only becomes nobody: credentials are per thread in the kernel, glibc's
         * setresuid() would change the server thread too. mkdtemp() made the directory 0700. */
        assert(chmod(dir, 0755) == 0);
        assert(syscall(SYS_setresuid, -1, 65534, -1) == 0);
        assert(varlink_client_connect(socket_path, &c) == -EACCES);

        /* With the file mode out of the way, the credentials check refuses it. */
        assert(syscall(SYS_setresuid, -1, 0, -1) == 0);
        assert(chmod(socket_path, 0666) == 0);
        assert(syscall(SYS_setresuid, -1, 65534, -1) == 0);
        assert(varlink_client_connect(socket_path, &c) == 0);
        assert(syscall(SYS_setresuid, -1, 0, -1) == 0);
        assert(chmod(socket_path, 0600) == 0);

        assert(varlink_client_call(c, "io.tdispd.Manager.GetStatus", NULL, CLIENT_TIMEOUT_USEC, &r) == 0);
        assert(streq(r.error, "org.varlink.service.PermissionDenied"));
}

#define ZERO_DIGEST "sha384:000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"

/* Before any device awaits a verdict: the topology lock, approve all with nothing to approve. */
static void test_tdisp_idle(void) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = client_new();
        VarlinkReply r = {};
        json_object *d;

        call(c, "GetStatus", NULL, NULL, &r);
        assert(!json_object_get_boolean(json_object_object_get(r.parameters, "topology_locked")));
        varlink_reply_done(&r);
        call(c, "GetDevice", "{\"device\":\"0000:00:03.0\"}", NULL, &r);
        d = json_object_object_get(r.parameters, "device");
        assert(!json_object_object_get(d, "topology"));
        assert(!json_object_object_get(d, "evidence_digest"));
        /* Not TDISP: no verdict at all. */
        assert(!json_object_object_get(d, "verdict"));
        assert(!json_object_get_boolean(json_object_object_get(d, "locked")));
        varlink_reply_done(&r);

        call(c, "Approve", "{\"all\":true}", NULL, &r);
        assert(json_object_array_length(json_object_object_get(r.parameters, "approved")) == 0);
        varlink_reply_done(&r);

        call(c, "LockTopology", NULL, NULL, &r);
        assert(get_int(r.parameters, "devices") == 5);
        varlink_reply_done(&r);
        call(c, "LockTopology", NULL, "io.tdispd.Manager.TopologyAlreadyLocked", &r);
        varlink_reply_done(&r);
        call(c, "GetStatus", NULL, NULL, &r);
        assert(json_object_get_boolean(json_object_object_get(r.parameters, "topology_locked")));
        varlink_reply_done(&r);
        call(c, "GetDevice", "{\"device\":\"0000:00:03.0\"}", NULL, &r);
        assert(streq(get_string(json_object_object_get(r.parameters, "device"), "topology"), "in-snapshot"));
        varlink_reply_done(&r);

        /* Revalidation is for devices policy accepts as TDISP. */
        call(c, "Revalidate", "{\"device\":\"0000:00:03.0\"}", "io.tdispd.Manager.NotTdisp", &r);
        assert(streq(get_string(r.parameters, "device"), "0000:00:03.0"));
        varlink_reply_done(&r);
        call(c, "Revalidate", "{\"device\":\"nope\"}", "io.tdispd.Manager.NoSuchDevice", &r);
        varlink_reply_done(&r);
        call(c, "Revalidate", "{}", "org.varlink.service.InvalidParameter", &r);
        varlink_reply_done(&r);
}

static void check_evidence_object(json_object *o) {
        const char *type = get_string(o, "type"), *data = get_string(o, "data");
        const char *expected = streq(type, "cert0") ? cert0_data : report_data;
        _cleanup_free_ void *bytes = NULL;
        uint8_t digest[SHA384_DIGEST_SIZE];
        char hash[SHA384_STRING_MAX];
        size_t size;

        assert(streq(type, "cert0") || streq(type, "report"));
        assert(base64_decode(data, strlen(data), 1024, &bytes, &size) == 0);
        assert(size == strlen(expected) && memcmp(bytes, expected, size) == 0);
        assert(get_int(o, "size") == (int64_t) size);
        assert(sha384(bytes, size, digest) == 0);
        assert(streq(get_string(o, "sha384"), sha384_to_string(digest, hash)));
}

/* With ATTESTING made to look attesting on evidence (cert0, report). */
static void test_tdisp_attesting(void) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = client_new();
        _cleanup_json_ json_object *p = NULL;
        _cleanup_free_ char *json = NULL;
        VarlinkReply r = {};
        json_object *d, *objects;
        size_t n = 0;

        call(c, "GetDevice", "{\"device\":\"" ATTESTING "\"}", NULL, &r);
        d = json_object_object_get(r.parameters, "device");
        assert(streq(get_string(d, "state"), "attesting"));
        assert(streq(get_string(d, "evidence_digest"), attesting_digest));
        assert(streq(get_string(d, "verdict"), "none"));
        assert(json_object_get_boolean(json_object_object_get(d, "locked")));
        assert(!json_object_get_boolean(json_object_object_get(d, "accepted")));
        varlink_reply_done(&r);

        /* The evidence in one reply. */
        call(c, "GetEvidence", "{\"device\":\"" ATTESTING "\"}", NULL, &r);
        assert(streq(get_string(r.parameters, "device"), ATTESTING));
        assert(streq(get_string(r.parameters, "evidence_digest"), attesting_digest));
        assert(streq(get_string(r.parameters, "nonce"),
                     "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"));
        objects = json_object_object_get(r.parameters, "objects");
        assert(json_object_array_length(objects) == 2);
        assert(streq(get_string(json_object_array_get_idx(objects, 0), "type"), "cert0"));
        assert(streq(get_string(json_object_array_get_idx(objects, 1), "type"), "report"));
        check_evidence_object(json_object_array_get_idx(objects, 0));
        check_evidence_object(json_object_array_get_idx(objects, 1));
        varlink_reply_done(&r);

        /* With "more": one object per reply, in type order, every reply naming the digest. */
        p = params("{\"device\":\"" ATTESTING "\"}");
        assert(varlink_client_send(c, "io.tdispd.Manager.GetEvidence", p, VARLINK_CALL_MORE, CLIENT_TIMEOUT_USEC) == 0);
        for (;;) {
                _cleanup_(varlink_reply_done) VarlinkReply slice = {};

                assert(varlink_client_receive(c, CLIENT_TIMEOUT_USEC, &slice) == 0);
                assert(!slice.error);
                validate("GetEvidence", VARLINK_SYMBOL_METHOD, true, slice.parameters);
                assert(streq(get_string(slice.parameters, "evidence_digest"), attesting_digest));
                objects = json_object_object_get(slice.parameters, "objects");
                assert(json_object_array_length(objects) == 1);
                assert(streq(get_string(json_object_array_get_idx(objects, 0), "type"), n == 0 ? "cert0" : "report"));
                check_evidence_object(json_object_array_get_idx(objects, 0));
                n++;
                if (!slice.continues)
                        break;
        }
        assert(n == 2);

        call(c, "GetEvidence", "{\"device\":\"0000:00:03.0\"}", "io.tdispd.Manager.NoEvidence", &r);
        assert(streq(get_string(r.parameters, "device"), "0000:00:03.0"));
        varlink_reply_done(&r);
        call(c, "GetEvidence", "{\"device\":\"nope\"}", "io.tdispd.Manager.NoSuchDevice", &r);
        varlink_reply_done(&r);
        call(c, "GetEvidence", "{\"device\":\"dup0\"}", "io.tdispd.Manager.DeviceAmbiguous", &r);
        varlink_reply_done(&r);

        /* A verdict must name the evidence: required for one device, well-formed, the current one. */
        call(c, "Approve", "{\"device\":\"" ATTESTING "\"}", "org.varlink.service.InvalidParameter", &r);
        assert(streq(get_string(r.parameters, "parameter"), "evidence_digest"));
        varlink_reply_done(&r);
        call(c, "Approve", "{\"device\":\"" ATTESTING "\",\"evidence_digest\":\"sha384:00\"}",
             "org.varlink.service.InvalidParameter", &r);
        varlink_reply_done(&r);
        call(c, "Approve", "{}", "org.varlink.service.InvalidParameter", &r);
        varlink_reply_done(&r);
        call(c, "Approve", "{\"all\":true,\"device\":\"" ATTESTING "\"}", "org.varlink.service.InvalidParameter", &r);
        varlink_reply_done(&r);
        call(c, "Approve", "{\"all\":true,\"evidence_digest\":\"" ZERO_DIGEST "\"}",
             "org.varlink.service.InvalidParameter", &r);
        varlink_reply_done(&r);
        call(c, "Approve", "{\"device\":\"" ATTESTING "\",\"evidence_digest\":\"" ZERO_DIGEST "\"}",
             "io.tdispd.Manager.StaleEvidence", &r);
        assert(streq(get_string(r.parameters, "device"), ATTESTING));
        assert(streq(get_string(r.parameters, "expected"), attesting_digest));
        assert(streq(get_string(r.parameters, "given"), ZERO_DIGEST));
        varlink_reply_done(&r);
        call(c, "Reject", "{\"device\":\"" ATTESTING "\",\"evidence_digest\":\"" ZERO_DIGEST "\"}",
             "io.tdispd.Manager.StaleEvidence", &r);
        varlink_reply_done(&r);
        call(c, "Reject", "{\"device\":\"" ATTESTING "\"}", "org.varlink.service.InvalidParameter", &r);
        varlink_reply_done(&r);

        /* Devices that await no verdict, whatever digest is named. */
        assert(asprintf(&json, "{\"device\":\"0000:00:03.0\",\"evidence_digest\":\"%s\"}", attesting_digest) > 0);
        call(c, "Approve", json, "io.tdispd.Manager.NotAwaitingVerdict", &r);
        assert(streq(get_string(r.parameters, "device"), "0000:00:03.0"));
        assert(!streq(get_string(r.parameters, "state"), "attesting"));
        varlink_reply_done(&r);
        call(c, "Reject", json, "io.tdispd.Manager.NotAwaitingVerdict", &r);
        varlink_reply_done(&r);
        call(c, "Approve", "{\"device\":\"nope\",\"evidence_digest\":\"" ZERO_DIGEST "\"}",
             "io.tdispd.Manager.NoSuchDevice", &r);
        varlink_reply_done(&r);

        /* Nothing was decided. */
        call(c, "GetDevice", "{\"device\":\"" ATTESTING "\"}", NULL, &r);
        d = json_object_object_get(r.parameters, "device");
        assert(streq(get_string(d, "state"), "attesting"));
        assert(streq(get_string(d, "verdict"), "none"));
        varlink_reply_done(&r);
}

static void *tdisp_thread(void *userdata) {
        int done_fd = *(int *) userdata;

        test_tdisp_attesting();
        assert(eventfd_write(done_fd, 1) == 0);
        return NULL;
}

static void *client_thread(void *userdata) {
        int done_fd = *(int *) userdata;
        _cleanup_(varlink_client_freep) VarlinkClient *monitor = client_new();
        _cleanup_(varlink_reply_done) VarlinkReply first = {};

        test_description();

        assert(varlink_client_send(monitor, "io.tdispd.Manager.Monitor", NULL, VARLINK_CALL_MORE, CLIENT_TIMEOUT_USEC) == 0);
        assert(varlink_client_receive(monitor, CLIENT_TIMEOUT_USEC, &first) == 0);
        assert(first.continues && !first.error);
        assert(!json_object_object_get(first.parameters, "record"));

        test_status(1);
        test_list();
        test_get_device();
        test_reload(monitor);
        test_tdisp_idle();
        test_other_user();

        assert(eventfd_write(done_fd, 1) == 0);
        return NULL;
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        eventfd_t v;

        /* Read, so that the next client thread's end is seen too. */
        assert(eventfd_read(fd, &v) == 0);
        clients_done = true;
        return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        return remove(path);
}

int main(void) {
        static const char *const e1000e[] = {
                "DEVPATH=/devices/pci0000:00/0000:00:03.0", "SUBSYSTEM=pci", "PCI_ID=8086:10D3",
                "PCI_SUBSYS_ID=8086:A01F", "PCI_CLASS=20000", "DRIVER=e1000e",
                "MODALIAS=pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00", NULL,
        };
        static const char *const virtio[] = {
                "DEVPATH=/devices/pci0000:00/0000:00:04.0", "SUBSYSTEM=pci", "PCI_ID=1AF4:1041",
                "PCI_CLASS=20000", NULL,
        };
        static const char *const serial[] = {
                "DEVPATH=/devices/platform/serial8250", "SUBSYSTEM=platform", "MODALIAS=platform:serial8250", NULL,
        };
        static const char *const dup_platform[] = {
                "DEVPATH=/devices/platform/dup0", "SUBSYSTEM=platform", NULL,
        };
        static const char *const dup_virtio[] = {
                "DEVPATH=/devices/pci0000:00/0000:00:04.0/dup0", "SUBSYSTEM=virtio",
                "MODALIAS=virtio:d00000001v00001AF4", NULL,
        };
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(sd_event_source_unrefp) sd_event_source *done = NULL;
        _cleanup_strv_free_ char **policy_dirs = NULL;
        _cleanup_(conf_error_done) ConfError err = {};
        _cleanup_free_ char *p = NULL;
        Manager m = {};
        DeviceContext *ctx = NULL;
        pthread_t thread;
        struct stat st;
        int done_fd;

        log_setup(LOG_TARGET_CONSOLE, LOG_DEBUG);
        assert(mkdtemp(dir));
        snprintf(socket_path, sizeof(socket_path), "%s/%s", dir, API_SOCKET_NAME);
        snprintf(config_path, sizeof(config_path), "%s/tdispd.conf", dir);
        snprintf(policy_dir, sizeof(policy_dir), "%s/policy.d", dir);
        assert(mkdir(policy_dir, 0755) == 0);
        write_file(config_path, "[Manager]\nMode=enforce\nDefaultAction=deny\n");
        assert(asprintf(&p, "%s/50-intel.policy", policy_dir) > 0);
        write_file(p, "[Match]\nBus=pci\nVendor=0x8086\n\n[Policy]\nAction=shared\n");
        assert(strv_extend(&policy_dirs, policy_dir) == 0);

        assert(sd_event_new(&e) >= 0);
        m.event = e;
        m.options = (ManagerOptions) {
                .config_file = config_path,
                .policy_dirs = policy_dirs,
                .runtime_dir = dir,
                .kernel_cmdline = "",
        };
        assert(config_load(&(ConfigPaths) { .config_file = config_path, .policy_dirs = policy_dirs, .kernel_cmdline = "" },
                           &m.config, &m.policy, &err) >= 0);
        assert(registry_new(m.config, m.policy, &m.registry) == 0);
        m.ready = true;

        assert(api_new(&m, fake_process, &api) == 0);
        assert(stat(socket_path, &st) == 0);
        assert(S_ISSOCK(st.st_mode) && (st.st_mode & 07777) == 0600);

        add_device(&m, e1000e);
        add_device(&m, virtio);
        add_device(&m, serial);
        add_device(&m, dup_platform);
        add_device(&m, dup_virtio);

        done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        assert(done_fd >= 0);
        assert(sd_event_add_io(e, &done, done_fd, EPOLLIN, on_done, NULL) >= 0);
        assert(pthread_create(&thread, NULL, client_thread, &done_fd) == 0);
        while (!clients_done)
                assert(sd_event_run(e, UINT64_MAX) >= 0);
        assert(pthread_join(thread, NULL) == 0);
        assert(records_processed > 0);

        /* One device made to look as if it awaited a verdict on evidence read after its lock. Done
         * here, between the client threads, so that the server never sees it half-made. */
        {
                Device *d = registry_get(m.registry, "/sys/devices/pci0000:00/0000:00:04.0");

                assert(d);
                ctx = calloc(1, sizeof(DeviceContext));
                assert(ctx);
                for (size_t i = 0; i < sizeof(ctx->nonce); i++)
                        ctx->nonce[i] = (uint8_t) (i + 1);
                assert(evidence_set_new(&ctx->evidence) == 0);
                assert(evidence_set_add(ctx->evidence, EVIDENCE_REPORT, report_data, strlen(report_data)) == 0);
                assert(evidence_set_add(ctx->evidence, EVIDENCE_CERT0, cert0_data, strlen(cert0_data)) == 0);
                assert(evidence_set_digest_string(ctx->evidence, attesting_digest) == 0);
                d->userdata = ctx;
                d->info->tdisp = true;
                d->state = DEVICE_ATTESTING;
                d->locked = true;
                d->evidence_digest = strdup(attesting_digest);
                assert(d->evidence_digest);
        }
        clients_done = false;
        assert(pthread_create(&thread, NULL, tdisp_thread, &done_fd) == 0);
        while (!clients_done)
                assert(sd_event_run(e, UINT64_MAX) >= 0);
        assert(pthread_join(thread, NULL) == 0);

        api = api_free(api);
        assert(access(socket_path, F_OK) < 0);
        varlink_interface_free(idl);
        /* The test registry has no userdata_free: the context is ours. */
        evidence_set_free(ctx->evidence);
        free(ctx);
        registry_free(m.registry);
        policy_free(m.policy);
        config_free(m.config);
        (void) close(done_fd);
        (void) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* tdispctl.c — the command line client of tdispd: the control API for people and scripts, plus
 * two commands that need no daemon (check-config, generate-policy --offline).
 *
 * Output is a table or text for people, or JSON (--json) for scripts, with the API's own field names.
 * The exit status tells scripts what went wrong without parsing messages (EXIT_* below, documented
 * in tdispctl(1)). */

#include <assert.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "api.h"
#include "base64.h"
#include "build-config.h"
#include "config-load.h"
#include "device-list.h"
#include "evidence.h"
#include "policy-draft.h"
#include "strv.h"
#include "table.h"
#include "varlink-client.h"

/* Scripts rely on these: keep them in step with tdispctl(1). */
enum {
        EXIT_USAGE = 2,
        EXIT_NOT_RUNNING = 3,
        EXIT_ACCESS_DENIED = 4,
        EXIT_NO_SUCH_DEVICE = 5,
        EXIT_CONFIG_INVALID = 6,
        EXIT_STALE_EVIDENCE = 7,        /* the verdict named other evidence than the current one */
        EXIT_WRONG_STATE = 8,           /* no verdict awaited, no evidence, not TDISP, already locked */
};

/* A reload decides every device again; give it time. */
#define CALL_TIMEOUT_USEC (60U * 1000U * 1000U)
#define API_PREFIX "io.tdispd.Manager."

typedef enum JsonMode {
        JSON_OFF,
        JSON_SHORT,
        JSON_PRETTY,
} JsonMode;

static const char *arg_socket = TDISPD_RUNTIME_DIR "/" API_SOCKET_NAME;
static JsonMode arg_json = JSON_OFF;
static bool arg_legend = true;
static const char *arg_config;
static char **arg_policy_dirs;
static const char *arg_root;
static const char *arg_kernel_cmdline;
static bool arg_offline;
static const char *arg_output_dir;
static bool arg_force;
static char **arg_buses;
static const char *arg_digest;
static const char *arg_reason;
static bool arg_lock_topology;
static bool arg_all;

/* --- output helpers --- */

_printf_(2, 3) static int fail(int status, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        vfprintf(stderr, format, ap);
        va_end(ap);
        fputc('\n', stderr);
        return status;
}

static bool use_color(void) {
        const char *term = getenv("TERM");

        return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !streq_ptr(term, "dumb");
}

/* An empty reply ("parameters" left out) prints as {}. */
static int print_json(json_object *o) {
        static const char empty[] = "{}";
        int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
                    (arg_json == JSON_PRETTY ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN);
        const char *s = o ? json_object_to_json_string_ext(o, flags) : empty;

        if (!s)
                return fail(EXIT_FAILURE, "Out of memory.");
        puts(s);
        return EXIT_SUCCESS;
}

static const char *get_string(json_object *o, const char *key) {
        return varlink_json_get_string(json_object_object_get(o, key));
}

static int64_t get_int(json_object *o, const char *key, int64_t fallback) {
        json_object *v = json_object_object_get(o, key);

        return json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : fallback;
}

static bool get_bool(json_object *o, const char *key) {
        return json_object_get_boolean(json_object_object_get(o, key));
}

/* "/etc/tdispd/policy.d/50-nic.policy" → "50-nic.policy"; "default" stays. */
static const char *rule_label(const char *rule) {
        const char *slash = rule ? strrchr(rule, '/') : NULL;

        return slash ? slash + 1 : rule;
}

static const char *state_color(const char *state) {
        static const char *const good[] = { "bound", "running" };
        static const char *const bad[] = { "denied", "failed", "no-tsm" };
        static const char *const calm[] = { "audited" };

        if (!state)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                if (streq(state, good[i]))
                        return ANSI_GREEN;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (streq(state, bad[i]))
                        return ANSI_RED;
        for (size_t i = 0; i < ELEMENTSOF(calm); i++)
                if (streq(state, calm[i]))
                        return NULL;
        /* Everything else is on its way somewhere, or waiting. */
        return ANSI_YELLOW;
}

static const char *verdict_color(const char *verdict) {
        if (streq_ptr(verdict, "approved"))
                return ANSI_GREEN;
        if (streq_ptr(verdict, "rejected"))
                return ANSI_RED;
        return NULL;
}

/* "8086:10d3", or "-" for a device without identifiers. */
static void format_ids(json_object *ids, char *buf, size_t size) {
        int64_t vendor = get_int(ids, "vendor", -1), device = get_int(ids, "device", -1);

        if (vendor < 0 && device < 0)
                snprintf(buf, size, "-");
        else if (device < 0)
                snprintf(buf, size, "%04" PRIx64 ":-", (uint64_t) vendor);
        else if (vendor < 0)
                snprintf(buf, size, "-:%04" PRIx64, (uint64_t) device);
        else
                snprintf(buf, size, "%04" PRIx64 ":%04" PRIx64, (uint64_t) vendor, (uint64_t) device);
}

/* --- talking to tdispd --- */

static int ctl_connect(VarlinkClient **ret) {
        int r;

        r = varlink_client_connect(arg_socket, ret);
        if (IN_SET(r, -ENOENT, -ECONNREFUSED))
                return fail(EXIT_NOT_RUNNING, "tdispd is not running: nothing listens on %s.", arg_socket);
        if (IN_SET(r, -EACCES, -EPERM))
                return fail(EXIT_ACCESS_DENIED, "Permission denied on %s: the control API is for root only.",
                            arg_socket);
        if (r < 0)
                return fail(EXIT_FAILURE, "Failed to connect to %s: %s", arg_socket, strerror(-r));
        return EXIT_SUCCESS;
}

/* A Varlink error as a message and an exit status; with --json it goes to stdout as well. */
static int reply_error(const VarlinkReply *reply) {
        json_object *p = reply->parameters;

        if (arg_json != JSON_OFF) {
                _cleanup_json_ json_object *o = json_object_new_object();

                if (o && json_object_object_add(o, "error", json_object_new_string(reply->error)) == 0 &&
                    json_object_object_add(o, "parameters", json_object_get(p)) == 0)
                        (void) print_json(o);
        }

        if (streq(reply->error, VARLINK_ERROR_PERMISSION_DENIED))
                return fail(EXIT_ACCESS_DENIED,
                            "Permission denied: tdispd takes control calls from root only.");
        if (streq(reply->error, API_PREFIX "NoSuchDevice"))
                return fail(EXIT_NO_SUCH_DEVICE, "tdispd tracks no device '%s'.",
                            strna(get_string(p, "device")));
        if (streq(reply->error, API_PREFIX "DeviceAmbiguous")) {
                json_object *paths = json_object_object_get(p, "syspaths");

                fprintf(stderr, "'%s' names several devices; give one of their syspaths:\n",
                        strna(get_string(p, "device")));
                for (size_t i = 0; i < json_object_array_length(paths); i++)
                        fprintf(stderr, "  %s\n",
                                strna(varlink_json_get_string(json_object_array_get_idx(paths, i))));
                return EXIT_NO_SUCH_DEVICE;
        }
        if (streq(reply->error, API_PREFIX "ReloadFailed"))
                return fail(EXIT_CONFIG_INVALID,
                            "Reload refused, the running configuration stays in force: %s",
                            strna(get_string(p, "message")));
        if (streq(reply->error, API_PREFIX "StaleEvidence"))
                return fail(EXIT_STALE_EVIDENCE,
                            "Refused: %s is not the evidence of %s read after its current lock (that is %s). "
                            "Judge its current evidence (tdispctl evidence %s).",
                            strna(get_string(p, "given")), strna(get_string(p, "device")),
                            get_string(p, "expected") ?: "none", strna(get_string(p, "device")));
        if (streq(reply->error, API_PREFIX "NotAwaitingVerdict"))
                return fail(EXIT_WRONG_STATE, "%s awaits no verdict: it is %s, not attesting.",
                            strna(get_string(p, "device")), strna(get_string(p, "state")));
        if (streq(reply->error, API_PREFIX "NoEvidence"))
                return fail(EXIT_WRONG_STATE, "No evidence of %s was read after its current lock.",
                            strna(get_string(p, "device")));
        if (streq(reply->error, API_PREFIX "EvidenceTooLarge"))
                return fail(EXIT_FAILURE,
                            "The %s object of %s (%" PRIi64 " bytes) is too large for the control API.",
                            strna(get_string(p, "type")), strna(get_string(p, "device")), get_int(p, "size", 0));
        if (streq(reply->error, API_PREFIX "TopologyAlreadyLocked"))
                return fail(EXIT_WRONG_STATE, "The device topology is locked already.");
        if (streq(reply->error, API_PREFIX "NotTdisp"))
                return fail(EXIT_WRONG_STATE,
                            "%s is not accepted as a TDISP device (policy Action=accept, Mode=enforce).",
                            strna(get_string(p, "device")));
        if (streq(reply->error, API_PREFIX "SystemError"))
                return fail(EXIT_FAILURE, "tdispd failed: %s", strna(get_string(p, "message")));
        if (streq(reply->error, VARLINK_ERROR_METHOD_NOT_FOUND) ||
            streq(reply->error, VARLINK_ERROR_INTERFACE_NOT_FOUND))
                return fail(EXIT_FAILURE,
                            "This tdispd does not know the call (%s); is it older than tdispctl?",
                            reply->error);
        return fail(EXIT_FAILURE, "tdispd answered with error %s %s", reply->error,
                    json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int ctl_receive(VarlinkClient *c, uint64_t timeout_usec, VarlinkReply *ret) {
        int r;

        r = varlink_client_receive(c, timeout_usec, ret);
        if (r == -ECONNRESET)
                return fail(EXIT_FAILURE, "tdispd closed the connection.");
        if (r == -ETIMEDOUT)
                return fail(EXIT_FAILURE, "tdispd did not answer within %u s.",
                            CALL_TIMEOUT_USEC / 1000000U);
        if (r == -EBADMSG)
                return fail(EXIT_FAILURE, "tdispd sent a malformed reply.");
        if (r < 0)
                return fail(EXIT_FAILURE, "Failed to read from tdispd: %s", strerror(-r));
        if (ret->error)
                return reply_error(ret);
        return EXIT_SUCCESS;
}

static int ctl_call(VarlinkClient *c, const char *method, json_object *parameters, VarlinkCallFlags flags,
                    VarlinkReply *ret) {
        int r;

        r = varlink_client_send(c, method, parameters, flags, CALL_TIMEOUT_USEC);
        if (r < 0)
                return fail(EXIT_FAILURE, "Failed to send %s to tdispd: %s", method, strerror(-r));
        return ctl_receive(c, CALL_TIMEOUT_USEC, ret);
}

/* Connects and makes one call with one reply. */
static int ctl_simple_call(const char *method, json_object *parameters, VarlinkReply *ret) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        int r;

        r = ctl_connect(&c);
        if (r != EXIT_SUCCESS)
                return r;
        return ctl_call(c, method, parameters, 0, ret);
}

/* Appends every element of the array from (may be NULL) to the array to. */
static int append_array(json_object *to, json_object *from) {
        for (size_t i = 0; i < json_object_array_length(from); i++)
                if (json_object_array_add(to, json_object_get(json_object_array_get_idx(from, i))) < 0)
                        return fail(EXIT_FAILURE, "Out of memory.");
        return EXIT_SUCCESS;
}

/* Calls method with "more" and hands each reply's parameters to merge() until the last reply. */
static int ctl_call_more(const char *method, json_object *parameters,
                         int (*merge)(json_object *reply, void *userdata), void *userdata) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        int r;

        r = ctl_connect(&c);
        if (r != EXIT_SUCCESS)
                return r;
        if (varlink_client_send(c, method, parameters, VARLINK_CALL_MORE, CALL_TIMEOUT_USEC) < 0)
                return fail(EXIT_FAILURE, "Failed to send %s to tdispd.", method + strlen(API_PREFIX));

        for (;;) {
                _cleanup_(varlink_reply_done) VarlinkReply reply = {};

                r = ctl_receive(c, CALL_TIMEOUT_USEC, &reply);
                if (r != EXIT_SUCCESS)
                        return r;
                r = merge(reply.parameters, userdata);
                if (r != EXIT_SUCCESS)
                        return r;
                if (!reply.continues)
                        return EXIT_SUCCESS;
        }
}

static int merge_devices(json_object *reply, void *userdata) {
        return append_array(userdata, json_object_object_get(reply, "devices"));
}

/* Every device, as a JSON array, gathered from however many replies ListDevices sends. */
static int fetch_devices(json_object **ret) {
        _cleanup_json_ json_object *all = json_object_new_array();
        int r;

        if (!all)
                return fail(EXIT_FAILURE, "Out of memory.");
        r = ctl_call_more(API_PREFIX "ListDevices", NULL, merge_devices, all);
        if (r != EXIT_SUCCESS)
                return r;

        *ret = TAKE_PTR(all);
        return EXIT_SUCCESS;
}

/* --- list, status, show --- */

static int verb_list(char **args) {
        _cleanup_json_ json_object *devices = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        static const char *const headers[] = { "DEVICE", "BUS", "IDS", "STATE", "DRIVER", "VERDICT", "RULE" };
        static const char *const headers_no_tdisp[] = { "DEVICE", "BUS", "IDS", "STATE", "DRIVER", "RULE" };
        bool tdisp = false;
        size_t n;
        int r;

        r = fetch_devices(&devices);
        if (r != EXIT_SUCCESS)
                return r;
        if (arg_json != JSON_OFF)
                return print_json(devices);

        /* The relying party's verdict only where there can be one: without TDISP devices the column
         * would be dashes only. */
        n = json_object_array_length(devices);
        for (size_t i = 0; i < n; i++)
                tdisp = tdisp || get_bool(json_object_array_get_idx(devices, i), "tdisp");
        r = tdisp ? table_new(headers, ELEMENTSOF(headers), &t)
                  : table_new(headers_no_tdisp, ELEMENTSOF(headers_no_tdisp), &t);
        if (r < 0)
                return fail(EXIT_FAILURE, "Out of memory.");
        for (size_t i = 0; i < n; i++) {
                json_object *d = json_object_array_get_idx(devices, i);
                const char *state = get_string(d, "state"), *verdict = get_string(d, "verdict");
                char ids[48];

                format_ids(json_object_object_get(d, "ids"), ids, sizeof(ids));
                const char *const cells[] = {
                        get_string(d, "name"), get_string(d, "bus"), ids, state, get_string(d, "driver"),
                        verdict, rule_label(get_string(d, "rule")),
                };
                const char *const colors[] = {
                        NULL, NULL, NULL, state_color(state), NULL, verdict_color(verdict), NULL,
                };
                const char *const cells_no_tdisp[] = {
                        cells[0], cells[1], cells[2], cells[3], cells[4], cells[6],
                };
                const char *const colors_no_tdisp[] = { NULL, NULL, NULL, colors[3], NULL, NULL };

                if (table_add_row(t, tdisp ? cells : cells_no_tdisp, tdisp ? colors : colors_no_tdisp) < 0)
                        return fail(EXIT_FAILURE, "Out of memory.");
        }

        if (n > 0)
                (void) table_print(t, stdout, arg_legend, use_color());
        if (arg_legend)
                printf("%s%zu device%s.\n", n > 0 ? "\n" : "", n, n == 1 ? "" : "s");
        return EXIT_SUCCESS;
}

static int verb_status(char **args) {
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};
        json_object *p, *states, *dirs;
        bool first = true;
        int r;

        r = ctl_simple_call(API_PREFIX "GetStatus", NULL, &reply);
        if (r != EXIT_SUCCESS)
                return r;
        p = reply.parameters;
        if (arg_json != JSON_OFF)
                return print_json(p);

        printf("     Mode: %s\n", strna(get_string(p, "mode")));
        printf("    Ready: %s\n",
               get_bool(p, "ready") ? "yes" : "no (the first pass over the devices is not done)");
        printf("  Devices: %" PRIi64, get_int(p, "devices", 0));
        states = json_object_object_get(p, "states");
        if (json_object_is_type(states, json_type_object)) {
                json_object_object_foreach(states, state, count) {
                        printf("%s%" PRIi64 " %s", first ? " (" : ", ", json_object_get_int64(count), state);
                        first = false;
                }
        }
        printf("%s\n", first ? "" : ")");
        printf(" Topology: %s\n", get_bool(p, "topology_locked") ? "locked" : "not locked");
        printf("    Rules: %" PRIi64 " (DefaultAction=%s)\n", get_int(p, "rules", 0),
               strna(get_string(p, "default_action")));
        printf("   Config: %s\n", get_string(p, "config_file") ?: "(default search path)");
        dirs = json_object_object_get(p, "policy_dirs");
        printf("   Policy:");
        if (!dirs)
                printf(" (default directories)");
        for (size_t i = 0; i < json_object_array_length(dirs); i++)
                printf(" %s", strna(varlink_json_get_string(json_object_array_get_idx(dirs, i))));
        printf("\n  Runtime: %s\n", strna(get_string(p, "runtime_dir")));
        printf("  Version: %s\n", strna(get_string(p, "version")));
        return EXIT_SUCCESS;
}

static int verb_show(char **args) {
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};
        _cleanup_json_ json_object *p = json_object_new_object();
        _cleanup_free_ char *resolved = NULL;
        const char *name = args[0], *state, *driver, *module, *reason;
        json_object *d, *ids;
        bool color = use_color();
        int r;

        /* "/sys/bus/pci/devices/X" is a link to the syspath tdispd knows the device by. */
        if (name[0] == '/') {
                resolved = realpath(name, NULL);
                if (resolved)
                        name = resolved;
        }
        if (!p || json_object_object_add(p, "device", json_object_new_string(name)) < 0)
                return fail(EXIT_FAILURE, "Out of memory.");

        r = ctl_simple_call(API_PREFIX "GetDevice", p, &reply);
        if (r != EXIT_SUCCESS)
                return r;
        d = json_object_object_get(reply.parameters, "device");
        if (arg_json != JSON_OFF)
                return print_json(d);

        ids = json_object_object_get(d, "ids");
        state = get_string(d, "state");
        driver = get_string(d, "driver");
        module = get_string(d, "driver_module");
        reason = get_string(d, "reason");

        printf("%s%s%s\n", color ? ANSI_BOLD : "", strna(get_string(d, "name")), color ? ANSI_NORMAL : "");
        printf("   Syspath: %s\n", strna(get_string(d, "syspath")));
        printf("       Bus: %s\n", strna(get_string(d, "bus")));
        printf("  Modalias: %s\n", get_string(d, "modalias") ?: "-");
        printf("       IDs:");
        if (get_int(ids, "vendor", -1) >= 0)
                printf(" vendor 0x%04" PRIx64, (uint64_t) get_int(ids, "vendor", 0));
        if (get_int(ids, "device", -1) >= 0)
                printf(" device 0x%04" PRIx64, (uint64_t) get_int(ids, "device", 0));
        if (get_int(ids, "subsystem_vendor", -1) >= 0)
                printf(" subsystem 0x%04" PRIx64 ":0x%04" PRIx64,
                       (uint64_t) get_int(ids, "subsystem_vendor", 0),
                       (uint64_t) get_int(ids, "subsystem_device", 0));
        if (get_int(ids, "class", -1) >= 0)
                printf(" class 0x%06" PRIx64, (uint64_t) get_int(ids, "class", 0));
        if (json_object_object_length(ids) == 0)
                printf(" -");
        printf("\n     State: %s%s%s\n", color && state_color(state) ? state_color(state) : "", strna(state),
               color && state_color(state) ? ANSI_NORMAL : "");
        printf("    Action: %s\n", strna(get_string(d, "action")));
        printf("      Rule: %s\n", strna(get_string(d, "rule")));
        if (!driver)
                printf("    Driver: -\n");
        else if (get_bool(d, "driver_builtin"))
                printf("    Driver: %s (built in)\n", driver);
        else if (module)
                printf("    Driver: %s (module %s)\n", driver, module);
        else
                printf("    Driver: %s\n", driver);
        printf("     TDISP: %s\n", get_bool(d, "tdisp") ? "yes" : "no");
        if (get_bool(d, "tdisp")) {
                printf("    Locked: %s\n", get_bool(d, "locked") ? "yes" : "no");
                printf("  Evidence: %s\n", get_string(d, "evidence_digest") ?: "-");
                printf("   Verdict: %s\n", get_string(d, "verdict") ?: "-");
                printf("  Accepted: %s\n", get_bool(d, "accepted") ? "yes" : "no");
        }
        if (get_string(d, "topology"))
                printf("  Topology: %s\n", get_string(d, "topology"));
        if (reason)
                printf("    Reason: %s\n", reason);
        return EXIT_SUCCESS;
}

/* --- TDISP: evidence, verdicts, the topology lock --- */

/* {"device": NAME}, with a path resolved as show resolves it. */
static int device_parameters(const char *name, json_object **ret) {
        _cleanup_json_ json_object *p = json_object_new_object();
        _cleanup_free_ char *resolved = NULL;

        if (name[0] == '/') {
                resolved = realpath(name, NULL);
                if (resolved)
                        name = resolved;
        }
        if (!p || json_object_object_add(p, "device", json_object_new_string(name)) < 0)
                return fail(EXIT_FAILURE, "Out of memory.");
        *ret = TAKE_PTR(p);
        return EXIT_SUCCESS;
}

static int merge_evidence(json_object *reply, void *userdata) {
        json_object **all = userdata;

        if (!*all) {
                *all = json_object_get(reply);
                return EXIT_SUCCESS;
        }
        /* tdispd checks this too; a client that trusts nothing checks again. */
        if (!streq_ptr(get_string(reply, "evidence_digest"), get_string(*all, "evidence_digest")))
                return fail(EXIT_FAILURE, "tdispd sent objects of different evidence in one reply.");
        return append_array(json_object_object_get(*all, "objects"), json_object_object_get(reply, "objects"));
}

/* The whole evidence of a device as one GetEvidence reply, gathered from however many replies
 * tdispd sends (one per object with "more"). */
static int fetch_evidence(const char *name, json_object **ret) {
        _cleanup_json_ json_object *p = NULL, *all = NULL;
        int r;

        r = device_parameters(name, &p);
        if (r != EXIT_SUCCESS)
                return r;
        r = ctl_call_more(API_PREFIX "GetEvidence", p, merge_evidence, &all);
        if (r != EXIT_SUCCESS)
                return r;

        *ret = TAKE_PTR(all);
        return EXIT_SUCCESS;
}

/* Decodes the objects and checks them against their own SHA-384 and the evidence digest, computed
 * here as tdispd-verifier(7) defines them: what is shown or written is what the digest names. */
static int evidence_decode(json_object *reply, EvidenceSet **ret) {
        _cleanup_(evidence_set_freep) EvidenceSet *set = NULL;
        json_object *objects = json_object_object_get(reply, "objects");
        char digest[SHA384_STRING_MAX];

        if (evidence_set_new(&set) < 0)
                return fail(EXIT_FAILURE, "Out of memory.");
        for (size_t i = 0; i < json_object_array_length(objects); i++) {
                json_object *o = json_object_array_get_idx(objects, i);
                const char *type = get_string(o, "type"), *data = get_string(o, "data");
                _cleanup_free_ void *bytes = NULL;
                char hash[SHA384_STRING_MAX];
                EvidenceType t = type ? evidence_type_from_string(type) : _EVIDENCE_TYPE_INVALID;
                size_t size;

                if (t < 0 || !data ||
                    base64_decode(data, strlen(data), EVIDENCE_OBJECT_SIZE_MAX, &bytes, &size) < 0 ||
                    (int64_t) size != get_int(o, "size", -1))
                        return fail(EXIT_FAILURE, "tdispd sent a malformed evidence object '%s'.", strna(type));
                if (evidence_set_add(set, t, bytes, size) < 0)
                        return fail(EXIT_FAILURE, "tdispd sent the evidence object '%s' twice.", type);
                sha384_to_string(evidence_set_get(set, t)->sha384, hash);
                if (!streq_ptr(get_string(o, "sha384"), hash))
                        return fail(EXIT_FAILURE, "The evidence object '%s' does not match its SHA-384.", type);
        }
        if (evidence_set_digest_string(set, digest) < 0)
                return fail(EXIT_FAILURE, "Failed to digest the evidence.");
        if (!streq_ptr(get_string(reply, "evidence_digest"), digest))
                return fail(EXIT_FAILURE, "The evidence does not match its digest %s (computed: %s).",
                            strna(get_string(reply, "evidence_digest")), digest);
        *ret = TAKE_PTR(set);
        return EXIT_SUCCESS;
}

static int write_output_file(const char *name, const void *data, size_t size) {
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int fd = -EBADF;

        if (asprintf(&path, "%s/%s", arg_output_dir, name) < 0)
                return fail(EXIT_FAILURE, "Out of memory.");
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (arg_force ? O_TRUNC : O_EXCL), 0644);
        if (fd < 0)
                return fail(EXIT_FAILURE, errno == EEXIST ? "'%s' exists already; use --force to overwrite it."
                                                          : "Failed to create '%s': %m",
                            path);
        if (size > 0 && write(fd, data, size) != (ssize_t) size)
                return fail(EXIT_FAILURE, "Failed to write '%s'.", path);
        return EXIT_SUCCESS;
}

/* One file per object, named by its type, plus evidence-digest and nonce (one line each). */
static int write_evidence(json_object *reply, const EvidenceSet *set) {
        static const char *const extra[] = { "evidence-digest", "nonce" };
        _cleanup_free_ char *digest_line = NULL, *nonce_line = NULL;
        int r;

        if (mkdir(arg_output_dir, 0755) < 0 && errno != EEXIST)
                return fail(EXIT_FAILURE, "Failed to create '%s': %m", arg_output_dir);

        /* All or nothing: check every name before writing the first file. */
        for (size_t i = 0; i < (size_t) _EVIDENCE_TYPE_MAX + ELEMENTSOF(extra) && !arg_force; i++) {
                _cleanup_free_ char *path = NULL;
                bool object = i < (size_t) _EVIDENCE_TYPE_MAX;

                if (object && !evidence_set_get(set, (EvidenceType) i))
                        continue;
                if (asprintf(&path, "%s/%s", arg_output_dir,
                             object ? evidence_type_to_string((EvidenceType) i)
                                    : extra[i - _EVIDENCE_TYPE_MAX]) < 0)
                        return fail(EXIT_FAILURE, "Out of memory.");
                if (access(path, F_OK) >= 0)
                        return fail(EXIT_FAILURE, "'%s' exists already; use --force to overwrite it.", path);
        }

        for (EvidenceType t = 0; t < _EVIDENCE_TYPE_MAX; t++) {
                const EvidenceObject *obj = evidence_set_get(set, t);

                if (!obj)
                        continue;
                r = write_output_file(evidence_type_to_string(t), obj->data, obj->size);
                if (r != EXIT_SUCCESS)
                        return r;
        }
        if (asprintf(&digest_line, "%s\n", strna(get_string(reply, "evidence_digest"))) < 0 ||
            asprintf(&nonce_line, "%s\n", strna(get_string(reply, "nonce"))) < 0)
                return fail(EXIT_FAILURE, "Out of memory.");
        r = write_output_file("evidence-digest", digest_line, strlen(digest_line));
        if (r == EXIT_SUCCESS)
                r = write_output_file("nonce", nonce_line, strlen(nonce_line));
        return r;
}

static int verb_evidence(char **args) {
        _cleanup_json_ json_object *reply = NULL;
        _cleanup_(evidence_set_freep) EvidenceSet *set = NULL;
        _cleanup_(table_freep) Table *t = NULL;
        static const char *const headers[] = { "TYPE", "SIZE", "SHA384" };
        json_object *objects;
        size_t n;
        int r;

        r = fetch_evidence(args[0], &reply);
        if (r != EXIT_SUCCESS)
                return r;
        r = evidence_decode(reply, &set);
        if (r != EXIT_SUCCESS)
                return r;
        if (arg_output_dir) {
                r = write_evidence(reply, set);
                if (r != EXIT_SUCCESS)
                        return r;
        }
        if (arg_json != JSON_OFF)
                return print_json(reply);

        objects = json_object_object_get(reply, "objects");
        n = json_object_array_length(objects);
        if (table_new(headers, ELEMENTSOF(headers), &t) < 0)
                return fail(EXIT_FAILURE, "Out of memory.");
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_array_get_idx(objects, i);
                char size[32];

                snprintf(size, sizeof(size), "%" PRIi64, get_int(o, "size", 0));
                const char *const cells[] = { get_string(o, "type"), size, get_string(o, "sha384") };
                if (table_add_row(t, cells, NULL) < 0)
                        return fail(EXIT_FAILURE, "Out of memory.");
        }

        printf("   Device: %s\n", strna(get_string(reply, "device")));
        printf("   Digest: %s\n", strna(get_string(reply, "evidence_digest")));
        printf("    Nonce: %s\n", get_string(reply, "nonce") ?: "-");
        if (n > 0) {
                putchar('\n');
                (void) table_print(t, stdout, arg_legend, use_color());
        }
        if (arg_legend)
                printf("%s%zu object%s, %zu bytes.\n", n > 0 ? "\n" : "", n, n == 1 ? "" : "s", set->total_size);
        if (arg_output_dir && arg_legend)
                printf("Wrote %zu object%s, evidence-digest and nonce to %s.\n", n, n == 1 ? "" : "s",
                       arg_output_dir);
        return EXIT_SUCCESS;
}

static int verb_approve(char **args) {
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};
        _cleanup_json_ json_object *p = NULL;
        json_object *approved;
        size_t n;
        int r;

        if (arg_all) {
                p = json_object_new_object();
                if (!p || json_object_object_add(p, "all", json_object_new_boolean(true)) < 0)
                        return fail(EXIT_FAILURE, "Out of memory.");
        } else {
                r = device_parameters(args[0], &p);
                if (r != EXIT_SUCCESS)
                        return r;
                if (json_object_object_add(p, "evidence_digest", json_object_new_string(arg_digest)) < 0)
                        return fail(EXIT_FAILURE, "Out of memory.");
        }
        if ((arg_reason && json_object_object_add(p, "reason", json_object_new_string(arg_reason)) < 0) ||
            (arg_lock_topology && json_object_object_add(p, "lock_topology", json_object_new_boolean(true)) < 0))
                return fail(EXIT_FAILURE, "Out of memory.");

        r = ctl_simple_call(API_PREFIX "Approve", p, &reply);
        if (r != EXIT_SUCCESS)
                return r;
        if (arg_json != JSON_OFF)
                return print_json(reply.parameters);

        approved = json_object_object_get(reply.parameters, "approved");
        n = json_object_array_length(approved);
        if (n == 0)
                printf("No device awaits a verdict.\n");
        for (size_t i = 0; i < n; i++)
                printf("Approved %s.\n", strna(varlink_json_get_string(json_object_array_get_idx(approved, i))));
        return EXIT_SUCCESS;
}

static int verb_reject(char **args) {
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};
        _cleanup_json_ json_object *p = NULL;
        int r;

        r = device_parameters(args[0], &p);
        if (r != EXIT_SUCCESS)
                return r;
        if (json_object_object_add(p, "evidence_digest", json_object_new_string(arg_digest)) < 0 ||
            (arg_reason && json_object_object_add(p, "reason", json_object_new_string(arg_reason)) < 0))
                return fail(EXIT_FAILURE, "Out of memory.");

        r = ctl_simple_call(API_PREFIX "Reject", p, &reply);
        if (r != EXIT_SUCCESS)
                return r;
        if (arg_json != JSON_OFF)
                return print_json(reply.parameters);
        printf("Rejected %s.\n", args[0]);
        return EXIT_SUCCESS;
}

static int verb_lock_topology(char **args) {
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};
        int64_t n;
        int r;

        r = ctl_simple_call(API_PREFIX "LockTopology", NULL, &reply);
        if (r != EXIT_SUCCESS)
                return r;
        if (arg_json != JSON_OFF)
                return print_json(reply.parameters);
        n = get_int(reply.parameters, "devices", 0);
        printf("Locked the device topology: %" PRIi64 " device%s in the snapshot; a device that appears "
               "from now on gets no driver.\n",
               n, n == 1 ? "" : "s");
        return EXIT_SUCCESS;
}

static int verb_revalidate(char **args) {
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};
        _cleanup_json_ json_object *p = NULL;
        int r;

        r = device_parameters(args[0], &p);
        if (r != EXIT_SUCCESS)
                return r;
        r = ctl_simple_call(API_PREFIX "Revalidate", p, &reply);
        if (r != EXIT_SUCCESS)
                return r;
        if (arg_json != JSON_OFF)
                return print_json(reply.parameters);
        printf("Revalidating %s: it is unlocked and goes through lock, evidence and verdict again.\n", args[0]);
        return EXIT_SUCCESS;
}

/* --- monitor --- */

static void format_timestamp(int64_t usec, char *buf, size_t size) {
        time_t sec = (time_t) (usec / 1000000);
        struct tm tm;

        if (usec <= 0 || !localtime_r(&sec, &tm) || strftime(buf, size, "%H:%M:%S", &tm) == 0) {
                snprintf(buf, size, "--:--:--.---");
                return;
        }
        snprintf(buf + strlen(buf), size - strlen(buf), ".%03" PRIi64, (usec / 1000) % 1000);
}

static void print_record(json_object *rec) {
        const char *type = strna(get_string(rec, "type")), *device = get_string(rec, "device");
        const char *driver = get_string(rec, "driver"), *reason = get_string(rec, "reason");
        bool dry_run = get_bool(rec, "dry_run");
        char when[64];

        format_timestamp(get_int(rec, "timestamp", 0), when, sizeof(when));
        printf("%s ", when);
        if (device)
                printf("%s: ", device);

        if (streq(type, "decision"))
                printf("decided %s (rule %s)", strna(get_string(rec, "action")),
                       strna(rule_label(get_string(rec, "rule"))));
        else if (streq(type, "transition"))
                printf("%s → %s", strna(get_string(rec, "old_state")), strna(get_string(rec, "state")));
        else if (streq(type, "refused-binding"))
                printf("driver '%s' is bound but not allowed (%s)%s", strna(driver),
                       strna(get_string(rec, "verdict")), dry_run ? "; audit mode, leaving it" : "");
        else if (streq(type, "action"))
                printf("%s%s", dry_run ? "would " : "", strna(get_string(rec, "action")));
        else if (streq(type, "stale-verdict"))
                printf("refused a verdict on stale evidence %s", strna(get_string(rec, "digest")));
        else if (streq(type, "topology-locked"))
                printf("device topology locked");
        else if (streq(type, "topology-violation"))
                printf("%s after the topology was locked",
                       get_bool(rec, "appeared") ? "appeared" : "disappeared");
        else if (streq(type, "removed"))
                printf("removed (was %s)", strna(get_string(rec, "state")));
        else
                /* A record type newer than this tdispctl: show what there is. */
                printf("%s", type);

        if (driver && !streq(type, "refused-binding"))
                printf(" (driver %s)", driver);
        if (reason)
                printf(": %s", reason);
        putchar('\n');
}

static void on_monitor_signal(int sig) {
        /* Nothing is half-written that matters: every record is flushed as a whole. */
        _exit(EXIT_SUCCESS);
}

static int verb_monitor(char **args) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        _cleanup_(varlink_reply_done) VarlinkReply first = {};
        struct sigaction sa = { .sa_handler = on_monitor_signal };
        int r;

        r = ctl_connect(&c);
        if (r != EXIT_SUCCESS)
                return r;
        r = varlink_client_send(c, API_PREFIX "Monitor", NULL, VARLINK_CALL_MORE, CALL_TIMEOUT_USEC);
        if (r < 0)
                return fail(EXIT_FAILURE, "Failed to send Monitor to tdispd: %s", strerror(-r));
        /* The first reply confirms the subscription: everything after it is seen. */
        r = ctl_receive(c, CALL_TIMEOUT_USEC, &first);
        if (r != EXIT_SUCCESS)
                return r;

        (void) sigaction(SIGINT, &sa, NULL);
        (void) sigaction(SIGTERM, &sa, NULL);
        fprintf(stderr, "Monitoring tdispd; press Ctrl-C to stop.\n");

        for (;;) {
                _cleanup_(varlink_reply_done) VarlinkReply reply = {};
                json_object *rec;

                r = ctl_receive(c, VARLINK_CLIENT_TIMEOUT_INFINITY, &reply);
                if (r != EXIT_SUCCESS)
                        return r;
                rec = json_object_object_get(reply.parameters, "record");
                if (rec) {
                        if (arg_json != JSON_OFF) {
                                /* One record per line, whatever --json asked for. */
                                JsonMode saved = arg_json;
                                arg_json = JSON_SHORT;
                                (void) print_json(rec);
                                arg_json = saved;
                        } else
                                print_record(rec);
                        if (fflush(stdout) != 0)
                                return EXIT_FAILURE;
                }
                if (!reply.continues)
                        return EXIT_SUCCESS;
        }
}

/* --- reload, check-config --- */

static int verb_reload(char **args) {
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};
        int r;

        r = ctl_simple_call(API_PREFIX "Reload", NULL, &reply);
        if (r != EXIT_SUCCESS)
                return r;
        if (arg_json != JSON_OFF)
                return print_json(reply.parameters);
        int64_t rules = get_int(reply.parameters, "rules", 0);

        printf("Reloaded: Mode=%s, %" PRIi64 " policy rule%s.\n",
               strna(get_string(reply.parameters, "mode")), rules, rules == 1 ? "" : "s");
        return EXIT_SUCCESS;
}

static int verb_check_config(char **args) {
        ConfigPaths paths = {
                .config_file = arg_config,
                .policy_dirs = arg_policy_dirs,
                .kernel_cmdline = arg_kernel_cmdline,
                .root = arg_root,
        };
        _cleanup_(config_freep) Config *config = NULL;
        _cleanup_(policy_freep) Policy *policy = NULL;
        _cleanup_(conf_error_done) ConfError e = {};
        _cleanup_json_ json_object *o = json_object_new_object(), *rules = json_object_new_array();
        const char *default_action;
        int r;

        if (!o || !rules)
                return fail(EXIT_FAILURE, "Out of memory.");

        r = config_load(&paths, &config, &policy, &e);
        if (r < 0) {
                _cleanup_free_ char *text = conf_error_format(&e);

                if (arg_json != JSON_OFF) {
                        json_object_object_add(o, "valid", json_object_new_boolean(false));
                        if (e.filename)
                                json_object_object_add(o, "file", json_object_new_string(e.filename));
                        if (e.line > 0)
                                json_object_object_add(o, "line", json_object_new_int64(e.line));
                        if (e.key)
                                json_object_object_add(o, "key", json_object_new_string(e.key));
                        json_object_object_add(o, "message", json_object_new_string(strna(text)));
                        (void) print_json(o);
                }
                return fail(EXIT_CONFIG_INVALID, "Invalid configuration: %s", strna(text));
        }

        default_action = policy_action_to_string(config->default_action);
        if (arg_json != JSON_OFF) {
                for (size_t i = 0; i < policy->n_rules; i++) {
                        const PolicyRule *pr = policy->rules[i];
                        json_object *rule = json_object_new_object();

                        if (!rule || json_object_array_add(rules, rule) < 0)
                                return fail(EXIT_FAILURE, "Out of memory.");
                        json_object_object_add(rule, "file", json_object_new_string(pr->filename));
                        json_object_object_add(rule, "action",
                                               json_object_new_string(policy_action_to_string(pr->action)));
                }
                json_object_object_add(o, "valid", json_object_new_boolean(true));
                json_object_object_add(o, "mode", json_object_new_string(mode_to_string(config->mode)));
                json_object_object_add(o, "mode_from_kernel_cmdline", json_object_new_boolean(r > 0));
                json_object_object_add(o, "default_action", json_object_new_string(default_action));
                json_object_object_add(o, "rules", TAKE_PTR(rules));
                return print_json(o);
        }

        printf("Configuration is valid: Mode=%s%s, DefaultAction=%s, %zu policy rule%s.\n",
               mode_to_string(config->mode), r > 0 ? " (from tdispd.mode= on the kernel command line)" : "",
               default_action, policy->n_rules, policy->n_rules == 1 ? "" : "s");
        for (size_t i = 0; i < policy->n_rules; i++)
                printf("  %s: Action=%s\n", policy->rules[i]->filename,
                       policy_action_to_string(policy->rules[i]->action));
        return EXIT_SUCCESS;
}

/* --- generate-policy --- */

static int devices_from_daemon(DeviceInfo ***ret, size_t *ret_n) {
        _cleanup_json_ json_object *devices = NULL;
        DeviceInfo **infos;
        size_t n = 0;
        int r;

        r = fetch_devices(&devices);
        if (r != EXIT_SUCCESS)
                return r;

        infos = calloc(json_object_array_length(devices) + 1, sizeof(DeviceInfo *));
        if (!infos)
                return fail(EXIT_FAILURE, "Out of memory.");
        for (size_t i = 0; i < json_object_array_length(devices); i++) {
                DeviceInfo *d;

                if (device_info_from_json(json_object_array_get_idx(devices, i), &d) < 0) {
                        device_list_free(infos, n);
                        return fail(EXIT_FAILURE, "tdispd sent a device without name, syspath or bus.");
                }
                infos[n++] = d;
        }
        *ret = infos;
        *ret_n = n;
        return EXIT_SUCCESS;
}

static int write_drafts(const PolicyDraft *drafts, size_t n) {
        _cleanup_json_ json_object *written = json_object_new_array();

        if (!written)
                return fail(EXIT_FAILURE, "Out of memory.");
        if (mkdir(arg_output_dir, 0755) < 0 && errno != EEXIST)
                return fail(EXIT_FAILURE, "Failed to create '%s': %m", arg_output_dir);

        /* All or nothing: check every name before writing the first file. */
        for (size_t i = 0; i < n && !arg_force; i++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", arg_output_dir, drafts[i].filename) < 0)
                        return fail(EXIT_FAILURE, "Out of memory.");
                if (access(path, F_OK) >= 0)
                        return fail(EXIT_FAILURE, "'%s' exists already; use --force to overwrite it.", path);
        }

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;
                _cleanup_close_ int fd = -EBADF;
                size_t len = strlen(drafts[i].contents);
                json_object *entry;

                if (asprintf(&path, "%s/%s", arg_output_dir, drafts[i].filename) < 0)
                        return fail(EXIT_FAILURE, "Out of memory.");
                fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (arg_force ? O_TRUNC : O_EXCL),
                          0644);
                if (fd < 0)
                        return fail(EXIT_FAILURE, "Failed to create '%s': %m", path);
                if (write(fd, drafts[i].contents, len) != (ssize_t) len)
                        return fail(EXIT_FAILURE, "Failed to write '%s'.", path);

                if (arg_json == JSON_OFF) {
                        size_t k = strv_length(drafts[i].devices);
                        printf("Wrote %s (%zu device%s).\n", path, k, k == 1 ? "" : "s");
                        continue;
                }
                entry = json_object_new_object();
                if (!entry || json_object_array_add(written, entry) < 0)
                        return fail(EXIT_FAILURE, "Out of memory.");
                json_object_object_add(entry, "file", json_object_new_string(path));
        }
        return arg_json != JSON_OFF ? print_json(written) : EXIT_SUCCESS;
}

static int print_drafts(const PolicyDraft *drafts, size_t n) {
        _cleanup_json_ json_object *list = json_object_new_array();

        if (!list)
                return fail(EXIT_FAILURE, "Out of memory.");
        for (size_t i = 0; i < n; i++) {
                if (arg_json == JSON_OFF) {
                        printf("%s### %s\n%s", i > 0 ? "\n" : "", drafts[i].filename, drafts[i].contents);
                        continue;
                }

                json_object *entry = json_object_new_object(), *devices = json_object_new_array();
                if (!entry || !devices || json_object_array_add(list, entry) < 0) {
                        json_object_put(entry);
                        json_object_put(devices);
                        return fail(EXIT_FAILURE, "Out of memory.");
                }
                STRV_FOREACH(dev, drafts[i].devices)
                        json_object_array_add(devices, json_object_new_string(*dev));
                json_object_object_add(entry, "name", json_object_new_string(drafts[i].filename));
                json_object_object_add(entry, "contents", json_object_new_string(drafts[i].contents));
                json_object_object_add(entry, "devices", devices);
        }
        return arg_json != JSON_OFF ? print_json(list) : EXIT_SUCCESS;
}

static int verb_generate_policy(char **args) {
        _cleanup_strv_free_ char **unreadable = NULL, **skipped = NULL;
        DeviceInfo **infos = NULL;
        PolicyDraft *drafts = NULL;
        size_t n = 0, n_drafts = 0, kept = 0;
        int r;

        if (arg_offline) {
                r = device_list_from_sysfs(arg_buses, &infos, &n, &unreadable);
                if (r < 0)
                        return fail(EXIT_FAILURE, "Failed to read the devices in /sys/bus: %s",
                                    strerror(-r));
                STRV_FOREACH(u, unreadable)
                        fprintf(stderr, "Skipping '%s': cannot read its properties.\n", *u);
        } else {
                r = devices_from_daemon(&infos, &n);
                if (r != EXIT_SUCCESS)
                        return r;
                /* --bus for the daemon's list too. A device whose properties tdispd refused is denied
                 * whatever the policy says: a rule drafted for it would never apply. */
                for (size_t i = 0; i < n; i++)
                        if (infos[i]->unparsable) {
                                fprintf(stderr, "Skipping '%s': tdispd refused its uevent properties, so no rule "
                                        "applies to it.\n", infos[i]->sysname);
                                device_info_free(infos[i]);
                        } else if (!arg_buses || strv_contains(arg_buses, infos[i]->bus))
                                infos[kept++] = infos[i];
                        else
                                device_info_free(infos[i]);
                n = kept;
        }

        r = policy_draft_generate(infos, n, arg_offline ? "/sys" : "tdispd", &drafts, &n_drafts, &skipped);
        device_list_free(infos, n);
        if (r < 0)
                return fail(EXIT_FAILURE, "Failed to draft policy: %s", strerror(-r));
        STRV_FOREACH(s, skipped)
                fprintf(stderr, "Skipping '%s': no rule can describe it (its name is not printable).\n", *s);
        if (n_drafts == 0)
                fprintf(stderr, "No devices found: nothing to draft.\n");

        r = arg_output_dir ? write_drafts(drafts, n_drafts) : print_drafts(drafts, n_drafts);
        policy_draft_free_many(drafts, n_drafts);
        return r;
}

/* --- command line --- */

static void help(void) {
        printf("%s [OPTIONS...] COMMAND ...\n\n"
               "Query and control tdispd, the device gatekeeper of a confidential VM.\n\n"
               "Commands:\n"
               "  list                    List the devices tdispd tracks (the default)\n"
               "  status                  Show the daemon's mode, device counts and configuration\n"
               "  show DEVICE             Show one device, by name or syspath\n"
               "  monitor                 Print every decision and transition as it happens\n"
               "  reload                  Load configuration and policy again; keep them on error\n"
               "  evidence DEVICE         Show (or write) the evidence of a TDISP device\n"
               "  approve DEVICE --digest=DIGEST\n"
               "                          Approve the evidence with this digest\n"
               "  approve --all           Approve every device awaiting a verdict, as it stands\n"
               "  reject DEVICE --digest=DIGEST\n"
               "                          Reject the evidence with this digest\n"
               "  lock-topology           Lock the device topology: new devices get no driver\n"
               "  revalidate DEVICE       Send a TDISP device through lock and attestation again\n"
               "  check-config            Validate configuration and policy (no daemon needed)\n"
               "  generate-policy         Draft policy files from the devices present now\n\n"
               "Options:\n"
               "  -h --help               Show this help\n"
               "     --version            Show the version\n"
               "     --json[=MODE]        JSON output: pretty or short (default: pretty on a terminal)\n"
               "     --no-legend          No column headers or summary line\n"
               "     --socket=PATH        Talk to tdispd at PATH (default: %s)\n\n"
               "check-config:\n"
               "     --config=FILE        Read FILE (and FILE.d/*.conf) instead of the default paths\n"
               "     --policy-dir=DIR     Read *.policy from DIR (repeatable; replaces the defaults)\n"
               "     --root=DIR           Look for the default paths under DIR (an image)\n"
               "     --kernel-cmdline=STRING  Use STRING instead of /proc/cmdline\n\n"
               "generate-policy:\n"
               "     --offline            Read the devices from /sys instead of asking tdispd\n"
               "     --bus=BUS            Only devices on BUS (repeatable)\n"
               "     --output-dir=DIR     Write one file per rule into DIR instead of to stdout\n"
               "     --force              Overwrite files that exist in DIR\n\n"
               "evidence:\n"
               "     --output-dir=DIR     Write one file per object, evidence-digest and nonce into DIR\n"
               "     --force              Overwrite files that exist in DIR\n\n"
               "approve, reject:\n"
               "     --digest=DIGEST      The evidence digest the verdict is about (sha384:...)\n"
               "     --reason=TEXT        Why, for the journal\n"
               "     --all                approve: every device awaiting a verdict\n"
               "     --lock-topology      approve: lock the topology too (TopologyLock=on-approval)\n\n"
               "See tdispctl(1) for the exit statuses.\n",
               program_invocation_short_name, TDISPD_RUNTIME_DIR "/" API_SOCKET_NAME);
}

typedef struct Verb {
        const char *name;
        unsigned min_args, max_args;
        int (*run)(char **args);
} Verb;

static const Verb verbs[] = {
        { "list", 0, 0, verb_list },
        { "status", 0, 0, verb_status },
        { "show", 1, 1, verb_show },
        { "monitor", 0, 0, verb_monitor },
        { "reload", 0, 0, verb_reload },
        { "check-config", 0, 0, verb_check_config },
        { "generate-policy", 0, 0, verb_generate_policy },
        { "evidence", 1, 1, verb_evidence },
        /* DEVICE, or none with --all: checked in run(). */
        { "approve", 0, 1, verb_approve },
        { "reject", 1, 1, verb_reject },
        { "lock-topology", 0, 0, verb_lock_topology },
        { "revalidate", 1, 1, verb_revalidate },
};

/* 1 to go on, 0 to exit successfully (--help), or an exit status. */
static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_JSON,
                ARG_NO_LEGEND,
                ARG_SOCKET,
                ARG_CONFIG,
                ARG_POLICY_DIR,
                ARG_ROOT,
                ARG_KERNEL_CMDLINE,
                ARG_OFFLINE,
                ARG_BUS,
                ARG_OUTPUT_DIR,
                ARG_FORCE,
                ARG_DIGEST,
                ARG_REASON,
                ARG_ALL,
                ARG_LOCK_TOPOLOGY,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "json", optional_argument, NULL, ARG_JSON },
                { "no-legend", no_argument, NULL, ARG_NO_LEGEND },
                { "socket", required_argument, NULL, ARG_SOCKET },
                { "config", required_argument, NULL, ARG_CONFIG },
                { "policy-dir", required_argument, NULL, ARG_POLICY_DIR },
                { "root", required_argument, NULL, ARG_ROOT },
                { "kernel-cmdline", required_argument, NULL, ARG_KERNEL_CMDLINE },
                { "offline", no_argument, NULL, ARG_OFFLINE },
                { "bus", required_argument, NULL, ARG_BUS },
                { "output-dir", required_argument, NULL, ARG_OUTPUT_DIR },
                { "force", no_argument, NULL, ARG_FORCE },
                { "digest", required_argument, NULL, ARG_DIGEST },
                { "reason", required_argument, NULL, ARG_REASON },
                { "all", no_argument, NULL, ARG_ALL },
                { "lock-topology", no_argument, NULL, ARG_LOCK_TOPOLOGY },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("tdispctl %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_JSON:
                        if (!optarg)
                                arg_json = isatty(STDOUT_FILENO) ? JSON_PRETTY : JSON_SHORT;
                        else if (streq(optarg, "pretty"))
                                arg_json = JSON_PRETTY;
                        else if (streq(optarg, "short"))
                                arg_json = JSON_SHORT;
                        else
                                return fail(EXIT_USAGE, "Unknown JSON mode '%s': expected pretty or short.",
                                            optarg);
                        break;
                case ARG_NO_LEGEND:
                        arg_legend = false;
                        break;
                case ARG_SOCKET:
                        arg_socket = optarg;
                        break;
                case ARG_CONFIG:
                        arg_config = optarg;
                        break;
                case ARG_POLICY_DIR:
                        if (strv_extend(&arg_policy_dirs, optarg) < 0)
                                return fail(EXIT_FAILURE, "Out of memory.");
                        break;
                case ARG_ROOT:
                        arg_root = optarg;
                        break;
                case ARG_KERNEL_CMDLINE:
                        arg_kernel_cmdline = optarg;
                        break;
                case ARG_OFFLINE:
                        arg_offline = true;
                        break;
                case ARG_BUS:
                        if (strv_extend(&arg_buses, optarg) < 0)
                                return fail(EXIT_FAILURE, "Out of memory.");
                        break;
                case ARG_OUTPUT_DIR:
                        arg_output_dir = optarg;
                        break;
                case ARG_FORCE:
                        arg_force = true;
                        break;
                case ARG_DIGEST:
                        arg_digest = optarg;
                        break;
                case ARG_REASON:
                        arg_reason = optarg;
                        break;
                case ARG_ALL:
                        arg_all = true;
                        break;
                case ARG_LOCK_TOPOLOGY:
                        arg_lock_topology = true;
                        break;
                case '?':
                        return EXIT_USAGE;
                default:
                        assert(false);
                }
        return 1;
}

static int run(int argc, char *argv[]) {
        const char *name;
        const Verb *verb = NULL;
        unsigned n_args;
        int r;

        r = parse_argv(argc, argv);
        if (r != 1)
                return r;

        name = optind < argc ? argv[optind] : "list";
        n_args = optind < argc ? (unsigned) (argc - optind - 1) : 0;
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        verb = &verbs[i];
        if (!verb)
                return fail(EXIT_USAGE, "Unknown command '%s'; see --help.", name);
        if (n_args < verb->min_args || n_args > verb->max_args)
                return fail(EXIT_USAGE, "'%s' takes %s.", name,
                            verb->max_args == 0 ? "no arguments" : "one argument");

        /* Options that only one command uses are an error elsewhere, rather than silently ignored. */
        if ((arg_config || arg_policy_dirs || arg_root || arg_kernel_cmdline) &&
            !streq(name, "check-config"))
                return fail(EXIT_USAGE,
                            "--config, --policy-dir, --root and --kernel-cmdline go with check-config.");
        if ((arg_offline || arg_buses) && !streq(name, "generate-policy"))
                return fail(EXIT_USAGE, "--offline and --bus go with generate-policy.");
        if ((arg_output_dir || arg_force) && !streq(name, "generate-policy") && !streq(name, "evidence"))
                return fail(EXIT_USAGE, "--output-dir and --force go with generate-policy and evidence.");
        if (arg_force && !arg_output_dir)
                return fail(EXIT_USAGE, "--force goes with --output-dir.");
        if ((arg_digest || arg_reason) && !streq(name, "approve") && !streq(name, "reject"))
                return fail(EXIT_USAGE, "--digest and --reason go with approve and reject.");
        if ((arg_all || arg_lock_topology) && !streq(name, "approve"))
                return fail(EXIT_USAGE, "--all and --lock-topology go with approve.");
        if (streq(name, "approve") && arg_all == (n_args == 1))
                return fail(EXIT_USAGE, "approve takes a DEVICE (with --digest) or --all.");
        if (arg_all && arg_digest)
                return fail(EXIT_USAGE,
                            "approve --all approves each device on its current evidence: no --digest.");
        /* A verdict names the evidence it judged (tdispctl evidence DEVICE shows its digest). */
        if ((streq(name, "approve") || streq(name, "reject")) && !arg_all && !arg_digest)
                return fail(EXIT_USAGE, "%s DEVICE needs --digest=DIGEST: the digest of the evidence judged "
                            "(tdispctl evidence DEVICE shows it).", name);
        if (arg_digest && !sha384_string_is_valid(arg_digest))
                return fail(EXIT_USAGE,
                            "'%s' is not an evidence digest: expected sha384: and 96 lowercase hex digits.",
                            arg_digest);

        return verb->run(argv + optind + 1);
}

int main(int argc, char *argv[]) {
        int r = run(argc, argv);

        if (fflush(stdout) != 0 && r == EXIT_SUCCESS)
                r = fail(EXIT_FAILURE, "Failed to write the output: %m");
        strv_free(arg_policy_dirs);
        strv_free(arg_buses);
        return r;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-state-file.c — /run/tdispd state: exact serialization, round trips, and the corrupt or hostile
 * files that must never be believed: truncated, bit-flipped, contradictory. */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>

#include "device-info.h"
#include "state-file.h"

#define D1 "sha384:15bcc99c813cf6c7ab78e208151dbaf3e73d51fbf0a0d51044d1ef45358481d0dd686bd6d672286cc446b299a66e94f3"
#define D2 "sha384:31633de646e7db9db75e5aadbf6b6fe25c0c86647ac578d76d494fd432eed68f76bdf0c6d5a43dd06e7774b684abc140"
#define BOOT_ID "0123456789abcdef0123456789abcdef"

static StateFile *make_state(void) {
        StateFile *s;

        assert(state_file_new(&s) == 0);
        memcpy(s->boot_id, BOOT_ID, sizeof(s->boot_id));

        StateDevice accepted = {
                .device = (char *) "0000:01:00.0",
                .syspath = (char *) "/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0",
                .bus = (char *) "pci",
                .ids = DEVICE_ID_VENDOR | DEVICE_ID_DEVICE | DEVICE_ID_SUBSYSTEM_VENDOR |
                       DEVICE_ID_SUBSYSTEM_DEVICE | DEVICE_ID_CLASS,
                .vendor = 0x1b36, .device_id = 0x5, .subsystem_vendor = 0x1af4, .subsystem_device = 0x1100,
                .class = 0xff0000,
                .decision_rule = (char *) "50-tdisp.policy",
                .state = DEVICE_BOUND,
                .evidence_digest = D1,
                .verdict = STATE_VERDICT_APPROVE,
                .verdict_digest = D1,
                .accepted = true,
        };
        StateDevice rejected = {
                .device = (char *) "0000:00:05.0",
                .syspath = (char *) "/sys/devices/pci0000:00/0000:00:05.0",
                .bus = (char *) "pci",
                .ids = DEVICE_ID_VENDOR | DEVICE_ID_DEVICE,
                .vendor = 0x1b36, .device_id = 0x5,
                .state = DEVICE_FAILED,
                .evidence_digest = D2,
                .verdict = STATE_VERDICT_REJECT,
                .verdict_digest = D1,           /* judged earlier evidence */
                .reason = (char *) "verifier: \"unknown\\cert\"\n\x01\xff",
        };
        StateDevice denied = {
                .device = (char *) "odd\x7f name\\",
                .syspath = (char *) "/sys/devices/platform/odd\x7f name\\",
                .bus = (char *) "platform",
                .state = DEVICE_DENIED,
        };
        assert(state_file_add_device(s, &accepted) == 0);
        assert(state_file_add_device(s, &rejected) == 0);
        assert(state_file_add_device(s, &denied) == 0);

        s->topology_locked = true;
        s->topology_locked_at_usec = 1700000000123456;
        StateTopologyEntry t1 = { .device = (char *) "0000:01:00.0", .bus = (char *) "pci",
                                  .ids = DEVICE_ID_VENDOR | DEVICE_ID_DEVICE, .vendor = 0x1b36, .device_id = 0x5,
                                  .evidence_digest = D1 };
        StateTopologyEntry t2 = { .device = (char *) "virtio0", .bus = (char *) "virtio" };
        assert(state_file_add_topology_entry(s, &t1) == 0);
        assert(state_file_add_topology_entry(s, &t2) == 0);
        return s;
}

#define EXPECTED                                                                                       \
        "{\n"                                                                                          \
        "  \"version\":1,\n"                                                                           \
        "  \"boot_id\":\"" BOOT_ID "\",\n"                                                             \
        "  \"devices\":[\n"                                                                            \
        "    {\n"                                                                                      \
        "      \"device\":\"0000:01:00.0\",\n"                                                         \
        "      \"syspath\":\"/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0\",\n"                   \
        "      \"bus\":\"pci\",\n"                                                                     \
        "      \"vendor\":\"0x1b36\",\n"                                                               \
        "      \"device_id\":\"0x0005\",\n"                                                            \
        "      \"subsystem_vendor\":\"0x1af4\",\n"                                                     \
        "      \"subsystem_device\":\"0x1100\",\n"                                                     \
        "      \"class\":\"0xff0000\",\n"                                                              \
        "      \"decision_rule\":\"50-tdisp.policy\",\n"                                               \
        "      \"state\":\"bound\",\n"                                                                 \
        "      \"evidence_digest\":\"" D1 "\",\n"                                                      \
        "      \"verdict\":\"approve\",\n"                                                             \
        "      \"verdict_digest\":\"" D1 "\",\n"                                                       \
        "      \"accepted\":true\n"                                                                    \
        "    },\n"                                                                                     \
        "    {\n"                                                                                      \
        "      \"device\":\"0000:00:05.0\",\n"                                                         \
        "      \"syspath\":\"/sys/devices/pci0000:00/0000:00:05.0\",\n"                                \
        "      \"bus\":\"pci\",\n"                                                                     \
        "      \"vendor\":\"0x1b36\",\n"                                                               \
        "      \"device_id\":\"0x0005\",\n"                                                            \
        "      \"state\":\"failed\",\n"                                                                \
        "      \"evidence_digest\":\"" D2 "\",\n"                                                      \
        "      \"verdict\":\"reject\",\n"                                                              \
        "      \"verdict_digest\":\"" D1 "\",\n"                                                       \
        "      \"accepted\":false,\n"                                                                  \
        "      \"reason\":\"verifier: \\\"unknown\\\\x5ccert\\\"\\\\x0a\\\\x01\\\\xff\"\n"              \
        "    },\n"                                                                                     \
        "    {\n"                                                                                      \
        "      \"device\":\"odd\\\\x7f name\\\\x5c\",\n"                                               \
        "      \"syspath\":\"/sys/devices/platform/odd\\\\x7f name\\\\x5c\",\n"                        \
        "      \"bus\":\"platform\",\n"                                                                \
        "      \"state\":\"denied\",\n"                                                                \
        "      \"verdict\":\"none\",\n"                                                                \
        "      \"accepted\":false\n"                                                                   \
        "    }\n"                                                                                      \
        "  ],\n"                                                                                       \
        "  \"topology\":{\n"                                                                           \
        "    \"locked\":true,\n"                                                                       \
        "    \"locked_at_usec\":1700000000123456,\n"                                                   \
        "    \"devices\":[\n"                                                                          \
        "      {\n"                                                                                    \
        "        \"device\":\"0000:01:00.0\",\n"                                                       \
        "        \"bus\":\"pci\",\n"                                                                   \
        "        \"vendor\":\"0x1b36\",\n"                                                             \
        "        \"device_id\":\"0x0005\",\n"                                                          \
        "        \"evidence_digest\":\"" D1 "\"\n"                                                     \
        "      },\n"                                                                                   \
        "      {\n"                                                                                    \
        "        \"device\":\"virtio0\",\n"                                                            \
        "        \"bus\":\"virtio\"\n"                                                                 \
        "      }\n"                                                                                    \
        "    ]\n"                                                                                      \
        "  }\n"                                                                                        \
        "}\n"

static void test_roundtrip(void) {
        _cleanup_(state_file_freep) StateFile *s = make_state(), *parsed = NULL, *again = NULL;
        _cleanup_(conf_error_done) ConfError e = {};
        _cleanup_free_ char *text = NULL, *text2 = NULL;
        size_t size;

        printf("round trip\n");
        assert(state_file_serialize(s, &text, &size) == 0);
        printf("%s", text);
        assert(size == strlen(text));
        assert(streq(text, EXPECTED));

        assert(state_file_parse(text, size, "/run/tdispd/state.json", &parsed, &e) == 0);
        assert(state_file_equal(s, parsed));
        assert(streq(state_file_find_device(parsed, "odd\x7f name\\")->syspath, "/sys/devices/platform/odd\x7f name\\"));
        assert(streq(state_file_find_device(parsed, "0000:00:05.0")->reason,
                     "verifier: \"unknown\\cert\"\n\x01\xff"));
        assert(!state_file_find_device(parsed, "0000:02:00.0"));
        assert(state_file_find_device_by_syspath(parsed, "/sys/devices/pci0000:00/0000:00:05.0") ==
               state_file_find_device(parsed, "0000:00:05.0"));
        assert(!state_file_find_device_by_syspath(parsed, "/sys/devices/pci0000:00/0000:00:06.0"));

        assert(state_file_serialize(parsed, &text2, NULL) == 0);
        assert(streq(text, text2));

        /* Compact JSON with the keys in another order means the same. */
        const char *compact = "{\"topology\":{\"devices\":[],\"locked\":false},\"devices\":[],\"boot_id\":\"" BOOT_ID
                              "\",\"version\":1}";
        assert(state_file_parse(compact, strlen(compact), NULL, &again, &e) == 0);
        assert(again->n_devices == 0 && !again->topology_locked && streq(again->boot_id, BOOT_ID));
}

static void test_truncated(void) {
        _cleanup_(state_file_freep) StateFile *s = make_state();
        _cleanup_free_ char *text = NULL;
        size_t size;

        printf("truncated\n");
        assert(state_file_serialize(s, &text, &size) == 0);
        /* Every prefix that lacks the final '}' fails; only the newline may go. */
        for (size_t n = 0; n < size; n++) {
                _cleanup_(conf_error_done) ConfError e = {};
                _cleanup_(state_file_freep) StateFile *parsed = NULL;
                int r = state_file_parse(text, n, "state.json", &parsed, &e);

                assert((r == 0) == (n == size - 1));
                assert(r == 0 || (r == -EBADMSG && !parsed && e.error == r));
        }
}

static void test_flipped(void) {
        _cleanup_(state_file_freep) StateFile *s = make_state();
        _cleanup_free_ char *text = NULL;
        size_t size, parsed_ok = 0, tried = 0;

        printf("flipped bytes\n");
        assert(state_file_serialize(s, &text, &size) == 0);
        /* Flip each bit of each byte. Whatever still parses is a consistent state (many flips give
         * another valid digest or name); none yields an acceptance the file did not justify. */
        for (size_t i = 0; i < size; i++)
                for (unsigned bit = 0; bit < 8; bit++) {
                        _cleanup_(conf_error_done) ConfError e = {};
                        _cleanup_(state_file_freep) StateFile *parsed = NULL;
                        int r;

                        text[i] ^= (char) (1U << bit);
                        r = state_file_parse(text, size, "state.json", &parsed, &e);
                        text[i] ^= (char) (1U << bit);
                        tried++;

                        assert(IN_SET(r, 0, -EBADMSG, -EPROTONOSUPPORT));
                        if (r < 0) {
                                assert(!parsed && e.error == r);
                                continue;
                        }
                        parsed_ok++;
                        assert(state_file_validate(parsed) == 0);
                        for (size_t k = 0; k < parsed->n_devices; k++) {
                                const StateDevice *d = &parsed->devices[k];
                                if (d->accepted)
                                        assert(d->verdict == STATE_VERDICT_APPROVE &&
                                               streq(d->verdict_digest, d->evidence_digest));
                        }
                        /* The only device the original accepted is the only one a flip can leave accepted. */
                        for (size_t k = 0; k < parsed->n_devices; k++)
                                if (parsed->devices[k].accepted)
                                        assert(k == 0);
                }
        printf("  %zu of %zu flips still parse\n", parsed_ok, tried);
        assert(parsed_ok < tried / 4);
}

static void test_hostile(void) {
#define DEV(extra)                                                                                     \
        "{\"device\":\"0000:00:05.0\",\"syspath\":\"/sys/devices/pci0000:00/0000:00:05.0\",\"bus\":\"pci\"," extra "}"
#define DOC(devices, topology)                                                                         \
        "{\"version\":1,\"boot_id\":\"" BOOT_ID "\",\"devices\":[" devices "],\"topology\":" topology "}"
#define UNLOCKED "{\"locked\":false,\"devices\":[]}"
        static const struct {
                const char *name;
                const char *text;
                int r;
                const char *key;
        } t[] = {
                { "valid", DOC(DEV("\"state\":\"bound\",\"verdict\":\"none\",\"accepted\":false"), UNLOCKED), 0, NULL },
                { "unknown state", DOC(DEV("\"state\":\"approved\",\"verdict\":\"none\",\"accepted\":false"), UNLOCKED),
                  -EBADMSG, "devices[0].state" },
                { "state as number", DOC(DEV("\"state\":5,\"verdict\":\"none\",\"accepted\":false"), UNLOCKED),
                  -EBADMSG, "devices[0].state" },
                { "unknown verdict", DOC(DEV("\"state\":\"bound\",\"verdict\":\"yes\",\"accepted\":false"), UNLOCKED),
                  -EBADMSG, "devices[0].verdict" },
                { "missing verdict", DOC(DEV("\"state\":\"bound\",\"accepted\":false"), UNLOCKED), -EBADMSG,
                  "devices[0].verdict" },
                { "missing accepted", DOC(DEV("\"state\":\"bound\",\"verdict\":\"none\""), UNLOCKED), -EBADMSG,
                  "devices[0].accepted" },
                { "accepted as string", DOC(DEV("\"state\":\"bound\",\"verdict\":\"none\",\"accepted\":\"true\""),
                  UNLOCKED), -EBADMSG, "devices[0].accepted" },
                { "accepted without verdict", DOC(DEV("\"state\":\"bound\",\"verdict\":\"none\",\"accepted\":true"),
                  UNLOCKED), -EBADMSG, "devices[0].accepted" },
                { "accepted on a reject", DOC(DEV("\"state\":\"bound\",\"evidence_digest\":\"" D1 "\",\"verdict\":"
                  "\"reject\",\"verdict_digest\":\"" D1 "\",\"accepted\":true"), UNLOCKED), -EBADMSG,
                  "devices[0].accepted" },
                { "accepted on stale evidence", DOC(DEV("\"state\":\"bound\",\"evidence_digest\":\"" D2 "\","
                  "\"verdict\":\"approve\",\"verdict_digest\":\"" D1 "\",\"accepted\":true"), UNLOCKED), -EBADMSG,
                  "devices[0].accepted" },
                { "accepted without evidence", DOC(DEV("\"state\":\"bound\",\"verdict\":\"approve\","
                  "\"verdict_digest\":\"" D1 "\",\"accepted\":true"), UNLOCKED), -EBADMSG, "devices[0].accepted" },
                { "rejected", DOC(DEV("\"state\":\"denied\",\"verdict\":\"none\",\"accepted\":false,"
                  "\"rejected\":true"), UNLOCKED), 0, NULL },
                { "rejected as string", DOC(DEV("\"state\":\"denied\",\"verdict\":\"none\",\"accepted\":false,"
                  "\"rejected\":\"yes\""), UNLOCKED), -EBADMSG, "devices[0].rejected" },
                { "rejected and approved", DOC(DEV("\"state\":\"running\",\"evidence_digest\":\"" D1 "\","
                  "\"verdict\":\"approve\",\"verdict_digest\":\"" D1 "\",\"accepted\":true,\"rejected\":true"),
                  UNLOCKED), -EBADMSG, "devices[0].rejected" },
                { "verdict without digest", DOC(DEV("\"state\":\"bound\",\"verdict\":\"approve\",\"accepted\":false"),
                  UNLOCKED), -EBADMSG, "devices[0].verdict_digest" },
                { "digest without verdict", DOC(DEV("\"state\":\"bound\",\"verdict\":\"none\",\"verdict_digest\":\""
                  D1 "\",\"accepted\":false"), UNLOCKED), -EBADMSG, "devices[0].verdict_digest" },
                { "malformed digest", DOC(DEV("\"state\":\"bound\",\"evidence_digest\":\"sha384:abc\",\"verdict\":"
                  "\"none\",\"accepted\":false"), UNLOCKED), -EBADMSG, "devices[0].evidence_digest" },
                { "unknown device key", DOC(DEV("\"state\":\"bound\",\"verdict\":\"none\",\"accepted\":false,"
                  "\"trusted\":true"), UNLOCKED), -EBADMSG, "devices[0]" },
                { "unknown top-level key", "{\"version\":1,\"boot_id\":\"" BOOT_ID "\",\"devices\":[],\"topology\":"
                  UNLOCKED ",\"allow_all\":true}", -EBADMSG, NULL },
                { "duplicate device", DOC(DEV("\"state\":\"bound\",\"verdict\":\"none\",\"accepted\":false") ","
                  DEV("\"state\":\"denied\",\"verdict\":\"none\",\"accepted\":false"), UNLOCKED), -EBADMSG,
                  "devices[1].syspath" },
                { "one name on two buses", DOC("{\"device\":\"PNP0103:00\",\"syspath\":\"/sys/devices/LNXSYSTM:00/"
                  "PNP0103:00\",\"bus\":\"acpi\",\"state\":\"denied\",\"verdict\":\"none\",\"accepted\":false},"
                  "{\"device\":\"PNP0103:00\",\"syspath\":\"/sys/devices/platform/PNP0103:00\",\"bus\":\"platform\","
                  "\"state\":\"denied\",\"verdict\":\"none\",\"accepted\":false}",
                  "{\"locked\":true,\"locked_at_usec\":5,\"devices\":[{\"device\":\"PNP0103:00\",\"bus\":\"acpi\"},"
                  "{\"device\":\"PNP0103:00\",\"bus\":\"platform\"}]}"), 0, NULL },
                { "syspath outside /sys/devices", DOC("{\"device\":\"x\",\"syspath\":\"/etc/x\",\"bus\":\"pci\","
                  "\"state\":\"bound\",\"verdict\":\"none\",\"accepted\":false}", UNLOCKED), -EBADMSG,
                  "devices[0].syspath" },
                { "syspath of another device", DOC("{\"device\":\"x\",\"syspath\":\"/sys/devices/y\",\"bus\":\"pci\","
                  "\"state\":\"bound\",\"verdict\":\"none\",\"accepted\":false}", UNLOCKED), -EBADMSG,
                  "devices[0].syspath" },
                { "syspath with ..", DOC("{\"device\":\"x\",\"syspath\":\"/sys/devices/../x\",\"bus\":\"pci\","
                  "\"state\":\"bound\",\"verdict\":\"none\",\"accepted\":false}", UNLOCKED), -EBADMSG,
                  "devices[0].syspath" },
                { "device with slash", DOC("{\"device\":\"a/b\",\"syspath\":\"/sys/devices/a/b\",\"bus\":\"pci\","
                  "\"state\":\"bound\",\"verdict\":\"none\",\"accepted\":false}", UNLOCKED), -EBADMSG,
                  "devices[0].device" },
                { "raw control character escape", DOC("{\"device\":\"a\\u0001\",\"syspath\":\"/sys/devices/a\\u0001\","
                  "\"bus\":\"pci\",\"state\":\"bound\",\"verdict\":\"none\",\"accepted\":false}", UNLOCKED), -EBADMSG,
                  "devices[0].device" },
                { "bad escape", DOC("{\"device\":\"a\\\\x4\",\"syspath\":\"/sys/devices/a\\\\x4\",\"bus\":\"pci\","
                  "\"state\":\"bound\",\"verdict\":\"none\",\"accepted\":false}", UNLOCKED), -EBADMSG,
                  "devices[0].device" },
                { "uppercase id", DOC(DEV("\"vendor\":\"0x1B36\",\"state\":\"bound\",\"verdict\":\"none\","
                  "\"accepted\":false"), UNLOCKED), -EBADMSG, "devices[0].vendor" },
                { "long id", DOC(DEV("\"vendor\":\"0x01b36\",\"state\":\"bound\",\"verdict\":\"none\","
                  "\"accepted\":false"), UNLOCKED), -EBADMSG, "devices[0].vendor" },
                { "short class", DOC(DEV("\"class\":\"0x0200\",\"state\":\"bound\",\"verdict\":\"none\","
                  "\"accepted\":false"), UNLOCKED), -EBADMSG, "devices[0].class" },
                { "boot id uppercase", "{\"version\":1,\"boot_id\":\"0123456789ABCDEF0123456789abcdef\","
                  "\"devices\":[],\"topology\":" UNLOCKED "}", -EBADMSG, "boot_id" },
                { "boot id with dashes", "{\"version\":1,\"boot_id\":\"01234567-89ab-cdef-0123-456789abcdef\","
                  "\"devices\":[],\"topology\":" UNLOCKED "}", -EBADMSG, "boot_id" },
                { "version 2", "{\"version\":2,\"boot_id\":\"" BOOT_ID "\",\"devices\":[],\"topology\":" UNLOCKED "}",
                  -EPROTONOSUPPORT, "version" },
                { "no topology", "{\"version\":1,\"boot_id\":\"" BOOT_ID "\",\"devices\":[]}", -EBADMSG, "topology" },
                { "unlocked with devices", DOC("", "{\"locked\":false,\"devices\":[{\"device\":\"a\",\"bus\":\"pci\"}]}"),
                  -EBADMSG, "topology" },
                { "unlocked with a time", DOC("", "{\"locked\":false,\"locked_at_usec\":5,\"devices\":[]}"), -EBADMSG,
                  "topology" },
                { "locked without a time", DOC("", "{\"locked\":true,\"devices\":[]}"), -EBADMSG,
                  "topology.locked_at_usec" },
                { "negative lock time", DOC("", "{\"locked\":true,\"locked_at_usec\":-5,\"devices\":[]}"), -EBADMSG,
                  "topology.locked_at_usec" },
                { "huge lock time", DOC("", "{\"locked\":true,\"locked_at_usec\":99999999999999999999,\"devices\":[]}"),
                  -EBADMSG, "topology.locked_at_usec" },
                { "locked", DOC("", "{\"locked\":true,\"locked_at_usec\":5,\"devices\":[{\"device\":\"a\",\"bus\":"
                  "\"pci\"}]}"), 0, NULL },
                { "topology duplicate", DOC("", "{\"locked\":true,\"locked_at_usec\":5,\"devices\":[{\"device\":\"a\","
                  "\"bus\":\"pci\"},{\"device\":\"b\",\"bus\":\"usb\"},{\"device\":\"a\",\"bus\":\"pci\"}]}"),
                  -EBADMSG, "topology.devices[2].device" },
                { "topology class", DOC("", "{\"locked\":true,\"locked_at_usec\":5,\"devices\":[{\"device\":\"a\","
                  "\"bus\":\"pci\",\"class\":\"0x020000\"}]}"), -EBADMSG, "topology.devices[0]" },
                { "duplicate key", DOC(DEV("\"state\":\"bound\",\"verdict\":\"none\",\"accepted\":false,"
                  "\"accepted\":true"), UNLOCKED), -EBADMSG, NULL },
                { "empty", "", -EBADMSG, NULL },
                { "array", "[]", -EBADMSG, NULL },
        };
#undef DEV
#undef DOC
#undef UNLOCKED

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(conf_error_done) ConfError e = {};
                _cleanup_(state_file_freep) StateFile *s = NULL;
                _cleanup_free_ char *msg = NULL;
                int r;

                r = state_file_parse(t[i].text, strlen(t[i].text), "state.json", &s, &e);
                msg = conf_error_format(&e);
                printf("hostile: %s → %d %s\n", t[i].name, r, r < 0 ? strna(msg) : "");
                assert(r == t[i].r);
                assert(!s == (r < 0));
                if (r < 0)
                        assert(streq_ptr(e.key, t[i].key));
        }
}

/* 2,000 devices, each also in the topology, half on one bus and half on another. */
static StateFile *make_many(void) {
        StateFile *s;
        char name[32], syspath[64];

        assert(state_file_new(&s) == 0);
        memcpy(s->boot_id, BOOT_ID, sizeof(s->boot_id));
        s->topology_locked = true;
        s->topology_locked_at_usec = 5;
        for (unsigned i = 0; i < 2000; i++) {
                (void) snprintf(name, sizeof(name), "d%u", i);
                (void) snprintf(syspath, sizeof(syspath), "/sys/devices/platform/d%u", i);
                assert(state_file_add_device(s, &(StateDevice) { .device = name, .syspath = syspath,
                                                                  .bus = (char *) "platform",
                                                                  .state = DEVICE_DENIED }) == 0);
                assert(state_file_add_topology_entry(s, &(StateTopologyEntry) {
                                                                .device = name,
                                                                .bus = (char *) (i % 2 ? "platform" : "acpi") }) == 0);
        }
        return s;
}

/* Duplicates are found wherever they are, in the device list and in the topology. */
static void test_many_devices(void) {
        _cleanup_(state_file_freep) StateFile *s = make_many(), *dup_topology = make_many(),
                                              *dup_device = make_many(), *parsed = NULL;
        _cleanup_(conf_error_done) ConfError e = {};
        _cleanup_free_ char *text = NULL;
        size_t size = 0;

        assert(state_file_validate(s) == 0);
        assert(state_file_serialize(s, &text, &size) == 0);
        assert(state_file_parse(text, size, "state.json", &parsed, &e) == 0);
        assert(parsed->n_devices == 2000 && parsed->n_topology == 2000);

        /* The same name on the same bus, far apart; on another bus it is a different device. */
        assert(state_file_add_topology_entry(dup_topology, &(StateTopologyEntry) {
                                                                   .device = (char *) "d2",
                                                                   .bus = (char *) "platform" }) == 0);
        assert(state_file_validate(dup_topology) == 0);
        assert(state_file_add_topology_entry(dup_topology, &(StateTopologyEntry) {
                                                                   .device = (char *) "d1",
                                                                   .bus = (char *) "platform" }) == 0);
        assert(state_file_validate(dup_topology) == -EINVAL);

        /* The same syspath twice. */
        assert(state_file_add_device(dup_device, &(StateDevice) { .device = (char *) "d7",
                                                                  .syspath = (char *) "/sys/devices/platform/d7",
                                                                  .bus = (char *) "platform",
                                                                  .state = DEVICE_DENIED }) == 0);
        assert(state_file_validate(dup_device) == -EINVAL);
}

/* Nothing to list: the same layout json-c gives an empty array, so that files stay byte-identical
 * across the writer's rewrite. */
static void test_serialize_empty(void) {
        _cleanup_(state_file_freep) StateFile *s = NULL;
        _cleanup_free_ char *text = NULL;
        size_t size = 0;

        assert(state_file_new(&s) == 0);
        memcpy(s->boot_id, BOOT_ID, sizeof(s->boot_id));
        assert(state_file_serialize(s, &text, &size) == 0);
        assert(streq(text, "{\n  \"version\":1,\n  \"boot_id\":\"" BOOT_ID "\",\n  \"devices\":[\n  ],\n"
                           "  \"topology\":{\n    \"locked\":false,\n    \"devices\":[\n    ]\n  }\n}\n"));
        assert(size == strlen(text));
}

static void test_serialize_invalid(void) {
        _cleanup_(state_file_freep) StateFile *s = make_state();
        char *text = NULL;

        /* The writer refuses what the reader would refuse: a daemon bug must not produce a file
         * that makes the next instance trust nothing. */
        s->devices[1].accepted = true;
        assert(state_file_serialize(s, &text, NULL) == -EINVAL);
        s->devices[1].accepted = false;
        s->devices[1].state = _DEVICE_STATE_MAX;
        assert(state_file_serialize(s, &text, NULL) == -EINVAL);
        s->devices[1].state = DEVICE_FAILED;
        s->boot_id[0] = 'X';
        assert(state_file_serialize(s, &text, NULL) == -EINVAL);
        s->boot_id[0] = '0';
        s->topology_locked = false;
        assert(state_file_serialize(s, &text, NULL) == -EINVAL);
        s->topology_locked = true;
        assert(state_file_validate(s) == 0);
        assert(!text);
}

int main(void) {
        test_roundtrip();
        test_truncated();
        test_flipped();
        test_hostile();
        test_many_devices();
        test_serialize_empty();
        test_serialize_invalid();
        return 0;
}

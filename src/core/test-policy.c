/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-policy.c — policy rules: what a file parses into, where a bad one fails, and what a rule
 * matches. */

#undef NDEBUG
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

#include "ini.h"
#include "policy.h"
#include "strv.h"

/* A canonical one-line description of a rule; fields that are unset are left out. */
static char *rule_dump(const PolicyRule *r) {
        char buf[2048] = "";
        size_t n = 0;

#define APPEND(...) n += (size_t) snprintf(buf + n, sizeof(buf) - n, __VA_ARGS__)
#define APPEND_IDS(name, ids, n_ids)                                    \
        if (n_ids > 0) {                                                \
                APPEND("%s=", name);                                    \
                for (size_t i = 0; i < n_ids; i++)                      \
                        APPEND("%s%" PRIx32, i ? "," : "", ids[i]);     \
                APPEND(" ");                                            \
        }
#define APPEND_STRV(name, l)                                            \
        if (l) {                                                        \
                _cleanup_free_ char *j = strv_join(l, ",");             \
                APPEND("%s=%s ", name, j);                              \
        }

        APPEND("line=%u ", r->line);
        APPEND_STRV("bus", r->buses);
        APPEND_IDS("vendor", r->vendors, r->n_vendors);
        APPEND_IDS("device", r->devices, r->n_devices);
        APPEND_IDS("subvendor", r->subsystem_vendors, r->n_subsystem_vendors);
        APPEND_IDS("subdevice", r->subsystem_devices, r->n_subsystem_devices);
        if (r->n_classes > 0) {
                APPEND("class=");
                for (size_t i = 0; i < r->n_classes; i++)
                        APPEND("%s%06" PRIx32 "/%06" PRIx32, i ? "," : "", r->classes[i].value,
                               r->classes[i].mask);
                APPEND(" ");
        }
        APPEND_STRV("path", r->paths);
        APPEND_STRV("modalias", r->modaliases);
        if (r->tdisp >= 0)
                APPEND("tdisp=%d ", r->tdisp);
        APPEND("action=%s ", policy_action_to_string(r->action));
        if (r->driver)
                APPEND("driver=%s ", r->driver);
        APPEND("prepare=%s", prepare_mode_to_string(r->prepare));
        if (r->on_reject != POLICY_ACTION_DENY)
                APPEND(" onreject=%s", policy_action_to_string(r->on_reject));
        if (r->verifier.kind != VERIFIER_NONE)
                APPEND(" verifier=%s%s%s", verifier_kind_to_string(r->verifier.kind),
                       r->verifier.path ? ":" : "", strempty(r->verifier.path));
        assert(n < sizeof(buf));

#undef APPEND
#undef APPEND_IDS
#undef APPEND_STRV
        return strdup(buf);
}

typedef struct ParseCase {
        const char *name;
        const char *input;
        int r;
        const char *dump;       /* on success */
        unsigned line;          /* on failure */
        const char *key;
        const char *message;
} ParseCase;

static const ParseCase parse_cases[] = {
        { "minimal deny-all", "[Match]\n[Policy]\nAction=deny\n", 0, "line=1 action=deny prepare=auto" },
        { "every key",
          "# virtio-net, TDISP capable\n"
          "[Match]\n"
          "Bus=pci\n"
          "Vendor=0x1af4 8086\n"
          "Device=0x1041\n"
          "SubsystemVendor=1AF4\n"
          "SubsystemDevice=0x1100\n"
          "Class=0x020000/0xff0000 0x010802\n"
          "Path=0000:00:03.* 0000:01:??.0\n"
          "Modalias=pci:v00001AF4d*\n"
          "TDISP=yes\n"
          "\n"
          "[Policy]\n"
          "Action=accept\n"
          "Driver=virtio_pci\n"
          "Prepare=no\n",
          0,
          "line=2 bus=pci vendor=1af4,8086 device=1041 subvendor=1af4 subdevice=1100 "
          "class=020000/ff0000,010802/ffffff path=0000:00:03.*,0000:01:??.0 modalias=pci:v00001AF4d* "
          "tdisp=1 action=accept driver=virtio_pci prepare=no" },
        { "policy section first", "[Policy]\nAction=shared\n\n[Match]\nBus=virtio\n", 0,
          "line=4 bus=virtio action=shared prepare=auto" },
        { "repeated keys accumulate",
          "[Match]\nVendor=1\nVendor=2 3\nBus=pci\nBus=virtio\n[Policy]\nAction=shared\n",
          0, "line=1 bus=pci,virtio vendor=1,2,3 action=shared prepare=auto" },
        { "empty assignments reset",
          "[Match]\nVendor=1\nVendor=\nVendor=4\nPath=x\nPath=\nTDISP=no\nTDISP=\n"
          "Class=0x030000\nClass=\n[Policy]\nAction=shared\nDriver=foo\nDriver=\nPrepare=no\nPrepare=\n",
          0, "line=1 vendor=4 action=shared prepare=auto" },
        { "32-bit virtio ids", "[Match]\nBus=virtio\nDevice=0xffffffff 0x1\n[Policy]\nAction=shared\n", 0,
          "line=1 bus=virtio device=ffffffff,1 action=shared prepare=auto" },
        { "last scalar wins", "[Match]\nTDISP=no\nTDISP=yes\n[Policy]\nAction=deny\nAction=accept\n", 0,
          "line=1 tdisp=1 action=accept prepare=auto" },
        { "X- keys ignored", "[Match]\nX-Comment=nic\n[Policy]\nX-Ticket=123\nAction=remove\n", 0,
          "line=1 action=remove prepare=auto" },
        { "driver for shared",
          "[Match]\nModalias=virtio:d00000001v*\n[Policy]\nAction=shared\nDriver=virtio-net\n",
          0, "line=1 modalias=virtio:d00000001v* action=shared driver=virtio-net prepare=auto" },
        { "fallback and verifier",
          "[Match]\nTDISP=yes\n[Policy]\nAction=accept\nOnReject=shared\nVerifier=exec:/usr/libexec/vn\n",
          0, "line=1 tdisp=1 action=accept prepare=auto onreject=shared verifier=exec:/usr/libexec/vn" },
        { "fallback and verifier reset",
          "[Match]\n[Policy]\nAction=accept\nOnReject=remove\nOnReject=\nVerifier=push\nVerifier=local:/r\n"
          "Verifier=\n",
          0, "line=1 action=accept prepare=auto" },
        { "push verifier", "[Match]\n[Policy]\nAction=accept\nVerifier=push\nOnReject=remove\n", 0,
          "line=1 action=accept prepare=auto onreject=remove verifier=push" },
        { "driver cleared before deny", "[Match]\n[Policy]\nDriver=foo\nDriver=\nAction=deny\n", 0,
          "line=1 action=deny prepare=auto" },

        /* Hostile and malformed input. */
        { "empty file", "", -EBADMSG, NULL, 0, NULL, "Missing [Match]" },
        { "no match section", "[Policy]\nAction=shared\n", -EBADMSG, NULL, 0, NULL, "Missing [Match]" },
        { "no policy section", "[Match]\nBus=pci\n", -EBADMSG, NULL, 0, NULL, "Missing [Policy]" },
        { "no action", "[Match]\nBus=pci\n\n[Policy]\nDriver=e1000e\n", -EBADMSG, NULL, 4, "Policy.Action",
          "Missing Action=" },
        { "unknown action", "[Match]\n[Policy]\nAction=allow\n", -EINVAL, NULL, 3, "Policy.Action",
          "Invalid action 'allow'" },
        { "empty action",
          "[Match]\n[Policy]\nAction=\n", -EINVAL, NULL, 3, "Policy.Action", "Invalid action ''" },
        { "driver after deny", "[Match]\n[Policy]\nAction=deny\nDriver=e1000e\n", -EINVAL, NULL, 4,
          "Policy.Driver", "contradicts Action=deny" },
        { "remove after driver", "[Match]\n[Policy]\nDriver=e1000e\nAction=remove\n", -EINVAL, NULL, 4,
          "Policy.Action", "Action=remove contradicts Driver=e1000e" },
        { "driver with a path",
          "[Match]\n[Policy]\nAction=shared\nDriver=../../../tmp/x\n", -EINVAL, NULL, 4,
          "Policy.Driver", "Invalid driver name" },
        { "driver glob", "[Match]\n[Policy]\nAction=shared\nDriver=virtio_*\n", -EINVAL, NULL, 4,
          "Policy.Driver", "'virtio_*'" },
        { "two drivers", "[Match]\n[Policy]\nAction=shared\nDriver=a b\n", -EINVAL, NULL, 4, "Policy.Driver",
          "'a b'" },
        { "driver starting with a dash", "[Match]\n[Policy]\nAction=shared\nDriver=-r\n", -EINVAL, NULL, 4,
          "Policy.Driver", "Invalid driver name" },
        { "accept with TDISP=no", "[Match]\nTDISP=no\n[Policy]\nAction=accept\n", -EINVAL, NULL, 4,
          "Policy.Action", "TDISP=no" },
        { "TDISP=no after accept", "[Policy]\nAction=accept\n[Match]\nTDISP=0\n", -EINVAL, NULL, 4,
          "Match.TDISP", "TDISP=no" },
        { "bad TDISP", "[Match]\nTDISP=maybe\n[Policy]\nAction=deny\n", -EINVAL, NULL, 2, "Match.TDISP",
          "Invalid boolean 'maybe'" },
        { "bad prepare", "[Match]\n[Policy]\nAction=accept\nPrepare=always\n", -EINVAL, NULL, 4,
          "Policy.Prepare", "'always'" },
        { "fallback to accept", "[Match]\n[Policy]\nAction=accept\nOnReject=accept\n", -EINVAL, NULL, 4,
          "Policy.OnReject", "Invalid fallback action 'accept'" },
        { "unknown fallback", "[Match]\n[Policy]\nAction=accept\nOnReject=ignore\n", -EINVAL, NULL, 4,
          "Policy.OnReject", "'ignore'" },
        { "relative verifier", "[Match]\n[Policy]\nAction=accept\nVerifier=exec:verify\n", -EINVAL, NULL, 4,
          "Policy.Verifier", "Invalid verifier 'exec:verify'" },
        { "bad hex id",
          "[Match]\nVendor=0x1af4 0xzz\n[Policy]\nAction=deny\n", -EINVAL, NULL, 2, "Match.Vendor",
          "Invalid hexadecimal id '0xzz'" },
        { "negative id", "[Match]\nDevice=-1\n[Policy]\nAction=deny\n", -EINVAL, NULL, 2, "Match.Device",
          "'-1'" },
        { "id over 32 bit",
          "[Match]\nSubsystemDevice=0x100000000\n[Policy]\nAction=deny\n", -EINVAL, NULL, 2,
          "Match.SubsystemDevice", "larger than 32 bit" },
        { "decimal-looking id is hex",
          "[Match]\nSubsystemVendor=0x\n[Policy]\nAction=deny\n", -EINVAL, NULL, 2,
          "Match.SubsystemVendor", "'0x'" },
        { "class over 24 bit", "[Match]\nClass=0x1000000\n[Policy]\nAction=deny\n", -EINVAL, NULL, 2,
          "Match.Class", "'0x1000000'" },
        { "class bits outside mask",
          "[Match]\nClass=0x020001/0xff0000\n[Policy]\nAction=deny\n", -EINVAL, NULL,
          2, "Match.Class", "'0x020001/0xff0000'" },
        { "class zero mask",
          "[Match]\nClass=0x0/0x0\n[Policy]\nAction=deny\n", -EINVAL, NULL, 2, "Match.Class",
          "non-zero mask" },
        { "class empty mask", "[Match]\nClass=0x020000/\n[Policy]\nAction=deny\n", -EINVAL, NULL, 2,
          "Match.Class", "Invalid class" },
        { "class only mask",
          "[Match]\nClass=/0xff0000\n[Policy]\nAction=deny\n", -EINVAL, NULL, 2, "Match.Class",
          "Invalid class" },
        { "class two slashes", "[Match]\nClass=0x02/0xff/0xff\n[Policy]\nAction=deny\n", -EINVAL, NULL, 2,
          "Match.Class", "Invalid class" },
        { "bus with a slash",
          "[Match]\nBus=pci/../../x\n[Policy]\nAction=deny\n", -EINVAL, NULL, 2, "Match.Bus",
          "Invalid glob" },
        { "non-ASCII path glob",
          "[Match]\nPath=0000:00:0\xc3\xa9.0\n[Policy]\nAction=deny\n", -EINVAL, NULL, 2,
          "Match.Path", "Invalid glob" },
        { "control character in modalias",
          "[Match]\nModalias=pci:\x01*\n[Policy]\nAction=deny\n", -EBADMSG, NULL,
          2, NULL, "control character" },
        { "misspelt key", "[Match]\nVendr=1af4\n[Policy]\nAction=deny\n", -EBADMSG, NULL, 2, "Match.Vendr",
          "Unknown key 'Vendr'" },
        { "key in the wrong section", "[Match]\nAction=deny\n[Policy]\nAction=deny\n", -EBADMSG, NULL, 2,
          "Match.Action", "Unknown key 'Action' in section [Match]" },
        { "unknown section", "[Match]\n[Device]\nDriver=x\n[Policy]\nAction=deny\n", -EBADMSG, NULL, 2, NULL,
          "Unknown section [Device]" },
        { "error on line 7",
          "# 50-nic.policy\n"
          "[Match]\n"
          "Bus=pci\n"
          "Vendor=0x8086\n"
          "\n"
          "[Policy]\n"
          "Action=acept\n",
          -EINVAL, NULL, 7, "Policy.Action", "Invalid action 'acept'" },
        { "truncated header", "[Match]\nBus=pci\n[Pol", -EBADMSG, NULL, 3, NULL, "Unterminated" },
};

#define FILENAME "/etc/tdispd/policy.d/50-test.policy"

static void test_parse(void) {
        for (size_t i = 0; i < ELEMENTSOF(parse_cases); i++) {
                const ParseCase *t = &parse_cases[i];
                _cleanup_(policy_rule_freep) PolicyRule *rule = NULL;
                ConfError e = {};
                int r;

                printf("case %zu: %s\n", i, t->name);
                r = policy_rule_parse_buffer(t->input, strlen(t->input), FILENAME, &rule, &e);
                printf("  r=%d line=%u key=%s message=%s\n", r, e.line, strna(e.key), strna(e.message));
                assert(r == t->r);
                if (r == 0) {
                        _cleanup_free_ char *dump = rule_dump(rule);
                        printf("  %s\n", dump);
                        assert(streq(dump, t->dump));
                        assert(streq(rule->filename, FILENAME));
                        assert(e.error == 0);
                        continue;
                }
                assert(!rule);
                assert(e.error == t->r);
                assert(streq(e.filename, FILENAME));
                assert(e.line == t->line);
                assert(streq_ptr(e.key, t->key));
                assert(strstr(e.message, t->message));
                conf_error_done(&e);
        }
}

static void test_parse_limits(void) {
        _cleanup_free_ char *big = NULL;
        _cleanup_(policy_rule_freep) PolicyRule *rule = NULL;
        static const char nul[] = "[Match]\nBus=pci\0\n[Policy]\nAction=shared\n";
        ConfError e = {};

        big = malloc(INI_INPUT_MAX + 1);
        assert(big);
        memset(big, '#', INI_INPUT_MAX + 1);
        assert(policy_rule_parse_buffer(big, INI_INPUT_MAX + 1, "big.policy", &rule, &e) == -E2BIG);
        assert(!rule);
        assert(e.line == 0);
        conf_error_done(&e);

        assert(policy_rule_parse_buffer(nul, sizeof(nul) - 1, NULL, &rule, &e) == -EBADMSG);
        assert(!rule);
        assert(e.line == 2);
        assert(!e.filename);
        conf_error_done(&e);
}

/* Devices as the daemon would describe them. */
#define ALL_PCI_IDS                                                                                    \
        (DEVICE_ID_VENDOR | DEVICE_ID_DEVICE | DEVICE_ID_SUBSYSTEM_VENDOR | DEVICE_ID_SUBSYSTEM_DEVICE | \
         DEVICE_ID_CLASS)

static const DeviceInfo virtio_net_pci = {
        .syspath = (char *) "/sys/devices/pci0000:00/0000:00:03.0",
        .sysname = (char *) "0000:00:03.0",
        .bus = (char *) "pci",
        .modalias = (char *) "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00",
        .ids = ALL_PCI_IDS,
        .vendor = 0x1af4, .device = 0x1041, .subsystem_vendor = 0x1af4, .subsystem_device = 0x1100,
        .class = 0x020000,
};

static const DeviceInfo e1000e_tdisp = {
        .syspath = (char *) "/sys/devices/pci0000:00/0000:00:1c.0/0000:01:00.0",
        .sysname = (char *) "0000:01:00.0",
        .bus = (char *) "pci",
        .modalias = (char *) "pci:v00008086d000010D3sv00008086sd0000A01Fbc02sc00i00",
        .ids = ALL_PCI_IDS,
        .vendor = 0x8086, .device = 0x10d3, .subsystem_vendor = 0x8086, .subsystem_device = 0xa01f,
        .class = 0x020000,
        .tdisp = true,
};

static const DeviceInfo virtio_net = {
        .syspath = (char *) "/sys/devices/pci0000:00/0000:00:03.0/virtio0",
        .sysname = (char *) "virtio0",
        .bus = (char *) "virtio",
        .modalias = (char *) "virtio:d00000001v00001AF4",
        .ids = DEVICE_ID_VENDOR | DEVICE_ID_DEVICE,
        .vendor = 0x1af4, .device = 0x1,
};

static const DeviceInfo serial = {
        .syspath = (char *) "/sys/devices/platform/serial8250",
        .sysname = (char *) "serial8250",
        .bus = (char *) "platform",
        .modalias = (char *) "platform:serial8250",
};

static const DeviceInfo scsi_disk = {
        .syspath = (char *) "/sys/devices/pci0000:00/0000:00:04.0/virtio1/host0/target0:0:0/0:0:0:0",
        .sysname = (char *) "0:0:0:0",
        .bus = (char *) "scsi",
};

static const DeviceInfo *const devices[] = {
        &virtio_net_pci, &e1000e_tdisp, &virtio_net, &serial, &scsi_disk,
};

static const struct {
        const char *match;      /* the [Match] section's body */
        const char *matches;    /* one character per device: 'y' or '.' */
} match_cases[] = {
        { "", "yyyyy" },
        { "Bus=pci", "yy..." },
        { "Bus=virt*", "..y.." },
        { "Bus=pci virtio", "yyy.." },
        { "Bus=pci\nBus=scsi", "yy..y" },
        { "Vendor=0x1af4", "y.y.." },
        { "Vendor=1af4\nBus=pci", "y...." },
        { "Vendor=0x8086 0x1af4", "yyy.." },
        { "Vendor=8086\nVendor=1af4", "yyy.." },
        { "Vendor=1af4\nDevice=1", "..y.." },
        { "Vendor=1af4\nDevice=0x1041 0x1", "y.y.." },
        { "Device=0x10d3", ".y..." },
        { "SubsystemVendor=0x1af4", "y...." },
        { "SubsystemDevice=0xa01f", ".y..." },
        { "Class=0x020000", "yy..." },
        { "Class=0x020000/0xff0000", "yy..." },
        { "Class=0x020000/0xffff00", "yy..." },
        { "Class=0x010000/0xff0000", "....." },
        { "Class=0x010000/0xff0000 0x020000/0xff0000", "yy..." },
        { "Path=0000:00:03.*", "y...." },
        { "Path=0000:*", "yy..." },
        { "Path=*:*:*:*", "....y" },
        { "Path=virtio[0-9]", "..y.." },
        { "Modalias=pci:v00001AF4*", "y...." },
        { "Modalias=*", "yyyy." },
        { "Modalias=platform:*", "...y." },
        /* A glob's literal part is compared before fnmatch() sees the rest: a literal is a whole
         * match, never a prefix, and wildcards right after the literal part still work. */
        { "Path=virtio0", "..y.." },
        { "Path=virtio", "....." },
        { "Path=0000:00:03.0x", "....." },
        { "Modalias=pci:v00001AF4", "....." },
        { "Bus=pc", "....." },
        { "Bus=pci?", "....." },
        { "Bus=pc?", "yy..." },
        { "Path=0000:0[01]:0*", "yy..." },
        { "Path=0000:0?:??.0", "yy..." },
        { "Modalias=*serial8250", "...y." },
        { "Bus=p* *i", "yy.yy" },
        { "TDISP=yes", ".y..." },
        { "TDISP=no", "y.yyy" },
        { "TDISP=no\nBus=pci", "y...." },
        { "Vendor=0x8086\nTDISP=no", "....." },
        { "Bus=usb", "....." },
        { "Vendor=0", "....." },
};

static void test_matching(void) {
        for (size_t i = 0; i < ELEMENTSOF(match_cases); i++) {
                _cleanup_(policy_rule_freep) PolicyRule *rule = NULL;
                _cleanup_free_ char *text = NULL;
                char got[ELEMENTSOF(devices) + 1];
                ConfError e = {};

                assert(asprintf(&text, "[Match]\n%s\n[Policy]\nAction=shared\n", match_cases[i].match) > 0);
                assert(policy_rule_parse_buffer(text, strlen(text), "m.policy", &rule, &e) == 0);
                for (size_t j = 0; j < ELEMENTSOF(devices); j++)
                        got[j] = policy_rule_matches(rule, devices[j]) ? 'y' : '.';
                got[ELEMENTSOF(devices)] = '\0';

                printf("match '%s': %s\n", match_cases[i].match, got);
                assert(streq(got, match_cases[i].matches));
        }
}

static void add_rule(Policy *p, const char *filename, const char *text) {
        PolicyRule *rule = NULL;
        ConfError e = {};

        assert(policy_rule_parse_buffer(text, strlen(text), filename, &rule, &e) == 0);
        assert(policy_add_rule(p, rule) == 0);
}

static void test_first_match_wins(void) {
        _cleanup_(policy_freep) Policy *p = NULL;
        static const char *const expected[] = {
                "20-virtio.policy", "10-intel.policy", "20-virtio.policy", "99-rest.policy",
                "99-rest.policy",
        };

        assert(policy_new(&p) == 0);
        for (size_t j = 0; j < ELEMENTSOF(devices); j++)
                assert(!policy_match(p, devices[j]));

        add_rule(p, "/etc/tdispd/policy.d/10-intel.policy",
                 "[Match]\nVendor=0x8086\nTDISP=yes\n[Policy]\nAction=accept\nDriver=e1000e\n");
        add_rule(p, "/usr/lib/tdispd/policy.d/20-virtio.policy",
                 "[Match]\nVendor=0x1af4\n[Policy]\nAction=shared\n");
        /* Would match the Intel device too, but comes later. */
        add_rule(p, "30-pci.policy", "[Match]\nBus=pci\n[Policy]\nAction=deny\n");
        add_rule(p, "99-rest.policy", "[Match]\n[Policy]\nAction=remove\n");
        assert(p->n_rules == 4);

        for (size_t j = 0; j < ELEMENTSOF(devices); j++) {
                const PolicyRule *r = policy_match(p, devices[j]);
                _cleanup_free_ char *label = NULL;

                assert(r);
                label = policy_rule_label(r);
                printf("%s -> %s\n", devices[j]->sysname, label);
                assert(streq(label, expected[j]));
        }
        assert(policy_match(p, &e1000e_tdisp)->action == POLICY_ACTION_ACCEPT);
        assert(streq(policy_match(p, &e1000e_tdisp)->driver, "e1000e"));
}

static void test_label(void) {
        PolicyRule r = { .filename = NULL };
        _cleanup_free_ char *a = NULL, *b = NULL;

        a = policy_rule_label(&r);
        assert(streq(a, "(unnamed rule)"));
        r.filename = (char *) "local.policy";
        b = policy_rule_label(&r);
        assert(streq(b, "local.policy"));
}

static void test_string_tables(void) {
        assert(streq(prepare_mode_to_string(PREPARE_AUTO), "auto"));
        assert(streq(prepare_mode_to_string(PREPARE_NO), "no"));
        assert(prepare_mode_from_string("yes") == _PREPARE_INVALID);
        assert(!prepare_mode_to_string(_PREPARE_MAX));
        assert(policy_free(NULL) == NULL);
        assert(policy_rule_free(NULL) == NULL);
}

static void test_match_summary(void) {
        static const char text[] = "[Match]\nBus=pci\nVendor=0x1b36 0x1af4\nClass=0x020000/0xff0000\nTDISP=yes\n"
                                   "[Policy]\nAction=accept\n";
        _cleanup_(policy_rule_freep) PolicyRule *r = NULL;
        _cleanup_free_ char *s = NULL;

        assert(policy_rule_parse_buffer(text, strlen(text), "50-x.policy", &r, NULL) >= 0);
        s = policy_rule_match_summary(r);
        assert(s);
        assert(streq(s, "Bus=pci Vendor=0x1b36 0x1af4 Class=0x020000/0xff0000 TDISP=yes"));
}

int main(void) {
        test_match_summary();
        test_parse();
        test_parse_limits();
        test_matching();
        test_first_match_wins();
        test_label();
        test_string_tables();
        return 0;
}

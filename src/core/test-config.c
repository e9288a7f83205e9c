/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-config.c — tdispd.conf parsing: values, accumulation, and exact error positions. */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>

#include "config.h"
#include "strv.h"

typedef struct Expect {
        Mode mode;
        PolicyAction default_action;
        const char *trusted;    /* joined with ' ' */
        const char *denied;
        bool trust_builtin;
} Expect;

#define DEFAULTS { MODE_ENFORCE, POLICY_ACTION_DENY, "", "", true }

typedef struct Case {
        const char *name;
        const char *input;
        int r;
        Expect expect;          /* checked on success, and also on failure: earlier lines applied */
        unsigned line;
        const char *key;
        const char *message;
} Case;

static const Case cases[] = {
        { "empty file", "", 0, DEFAULTS },
        { "empty section", "# nothing set\n[Manager]\n", 0, DEFAULTS },
        { "every key",
          "[Manager]\n"
          "Mode=audit\n"
          "DefaultAction=shared\n"
          "TrustedDrivers=virtio_* hv_*\n"
          "DeniedDrivers=virtio_gpu\n"
          "TrustBuiltinDrivers=no\n",
          0, { MODE_AUDIT, POLICY_ACTION_SHARED, "virtio_* hv_*", "virtio_gpu", false } },
        { "mode off", "[Manager]\nMode=off\n", 0, { MODE_OFF, POLICY_ACTION_DENY, "", "", true } },
        { "last scalar wins",
          "[Manager]\nMode=off\nMode=audit\nTrustBuiltinDrivers=0\nTrustBuiltinDrivers=yes\n",
          0, { MODE_AUDIT, POLICY_ACTION_DENY, "", "", true } },
        { "lists accumulate", "[Manager]\nTrustedDrivers=a b\nTrustedDrivers=  c\t\nDeniedDrivers=x\n"
          "DeniedDrivers=y\n",
          0, { MODE_ENFORCE, POLICY_ACTION_DENY, "a b c", "x y", true } },
        { "empty assignment resets", "[Manager]\nTrustedDrivers=a\nTrustedDrivers=\nTrustedDrivers=b\n"
          "DeniedDrivers=x\nDeniedDrivers=   \n",
          0, { MODE_ENFORCE, POLICY_ACTION_DENY, "b", "", true } },
        { "globs with brackets and dashes", "[Manager]\nTrustedDrivers=virtio[-_]pci sd_mod e1000? 9p .x\n",
          0, { MODE_ENFORCE, POLICY_ACTION_DENY, "virtio[-_]pci sd_mod e1000? 9p .x", "", true } },
        { "X- keys and sections ignored",
          "[Manager]\nX-Site-Owner=ops@example.com\n[X-Vendor]\nAnything=1\n",
          0, DEFAULTS },
        { "section repeated", "[Manager]\nMode=audit\n[Manager]\nTrustedDrivers=a\n",
          0, { MODE_AUDIT, POLICY_ACTION_DENY, "a", "", true } },

        /* Hostile and malformed input. */
        { "bad mode on line 7",
          "# tdispd.conf\n"
          "\n"
          "[Manager]\n"
          "DefaultAction=shared\n"
          "TrustedDrivers=virtio_*\n"
          "# next line is wrong\n"
          "Mode=permissive\n"
          "TrustBuiltinDrivers=no\n",
          -EINVAL, { MODE_ENFORCE, POLICY_ACTION_SHARED, "virtio_*", "", true },
          7, "Manager.Mode", "Invalid mode 'permissive'" },
        { "empty mode", "[Manager]\nMode=\n", -EINVAL, DEFAULTS, 2, "Manager.Mode", "Invalid mode ''" },
        { "mode is case-sensitive", "[Manager]\nMode=Enforce\n", -EINVAL, DEFAULTS, 2, "Manager.Mode",
          "Invalid" },
        { "default action accept", "[Manager]\nDefaultAction=accept\n", -EINVAL, DEFAULTS, 2,
          "Manager.DefaultAction", "expected deny or shared" },
        { "default action remove", "[Manager]\nDefaultAction=remove\n", -EINVAL, DEFAULTS, 2,
          "Manager.DefaultAction", "'remove'" },
        { "misspelt key", "[Manager]\nTrustedDrivers=a\nDeniedDriver=virtio_gpu\n", -EBADMSG,
          { MODE_ENFORCE, POLICY_ACTION_DENY, "a", "", true }, 3, "Manager.DeniedDriver",
          "Unknown key 'DeniedDriver'" },
        { "key in lower case", "[Manager]\nmode=audit\n", -EBADMSG, DEFAULTS, 2, "Manager.mode",
          "Unknown key" },
        { "misspelt section", "[Manger]\nMode=audit\n", -EBADMSG, DEFAULTS, 1, NULL,
          "Unknown section [Manger]" },
        { "key outside a section", "Mode=audit\n", -EBADMSG, DEFAULTS, 1, NULL, "outside of any section" },
        { "path in a glob", "[Manager]\nTrustedDrivers=virtio_* ../../evil\n", -EINVAL, DEFAULTS, 2,
          "Manager.TrustedDrivers", "'../../evil'" },
        { "bad word keeps list unchanged", "[Manager]\nTrustedDrivers=a\nTrustedDrivers=b c,d\n", -EINVAL,
          { MODE_ENFORCE, POLICY_ACTION_DENY, "a", "", true }, 3, "Manager.TrustedDrivers", "'c,d'" },
        { "trailing comment in a list", "[Manager]\nDeniedDrivers=foo # old driver\n", -EINVAL, DEFAULTS, 2,
          "Manager.DeniedDrivers", "'#'" },
        { "quoted list", "[Manager]\nTrustedDrivers=\"virtio_*\"\n", -EINVAL, DEFAULTS, 2,
          "Manager.TrustedDrivers", "Invalid driver glob" },
        { "glob with a caret", "[Manager]\nTrustedDrivers=[^x]\n", -EINVAL, DEFAULTS, 2,
          "Manager.TrustedDrivers", "Invalid driver glob" },
        { "bad boolean", "[Manager]\nTrustBuiltinDrivers=maybe\n", -EINVAL, DEFAULTS, 2,
          "Manager.TrustBuiltinDrivers", "Invalid boolean 'maybe'" },
};

static void check_expect(const Config *c, const Expect *x) {
        _cleanup_free_ char *trusted = strv_join(c->trusted_drivers, " ");
        _cleanup_free_ char *denied = strv_join(c->denied_drivers, " ");

        printf("  mode=%s default=%s trusted='%s' denied='%s' builtin=%d\n", mode_to_string(c->mode),
               policy_action_to_string(c->default_action), trusted, denied, c->trust_builtin_drivers);
        assert(c->mode == x->mode);
        assert(c->default_action == x->default_action);
        assert(streq(trusted, x->trusted));
        assert(streq(denied, x->denied));
        assert(c->trust_builtin_drivers == x->trust_builtin);
}

static void test_cases(void) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const Case *t = &cases[i];
                _cleanup_(config_freep) Config *c = NULL;
                ConfError e = {};
                int r;

                printf("case %zu: %s\n", i, t->name);
                assert(config_new(&c) == 0);

                r = config_parse_buffer(c, t->input, strlen(t->input), "test.conf", &e);
                printf("  r=%d line=%u key=%s message=%s\n", r, e.line, strna(e.key), strna(e.message));
                assert(r == t->r);
                check_expect(c, &t->expect);
                if (r == 0) {
                        assert(e.error == 0);
                        continue;
                }
                assert(e.error == t->r);
                assert(streq(e.filename, "test.conf"));
                assert(e.line == t->line);
                assert(streq_ptr(e.key, t->key));
                assert(strstr(e.message, t->message));
                conf_error_done(&e);
        }
}

static void test_binary(void) {
        _cleanup_(config_freep) Config *c = NULL;
        static const char nul[] = "[Manager]\nMode=audit\nMode=au\0dit\n";
        static const char junk[] = "\x7f" "ELF\x02\x01\x01\0\0\0";
        ConfError e = {};

        /* "Mode=au" must not be read as a truncated "audit" or anything else. */
        assert(config_new(&c) == 0);
        assert(config_parse_buffer(c, nul, sizeof(nul) - 1, "nul.conf", &e) == -EBADMSG);
        assert(e.line == 3);
        assert(!e.key);
        assert(strstr(e.message, "NUL"));
        conf_error_done(&e);

        assert(config_parse_buffer(c, junk, sizeof(junk) - 1, "junk.conf", &e) == -EBADMSG);
        assert(e.line == 1);
        conf_error_done(&e);
}

static void test_layering(void) {
        _cleanup_(config_freep) Config *c = NULL;
        static const char vendor[] = "[Manager]\nMode=audit\nTrustedDrivers=virtio_*\nDeniedDrivers=x\n";
        static const char admin[] = "[Manager]\nMode=enforce\nTrustedDrivers=e1000e\nDeniedDrivers=\n";
        static const char dropin[] = "[Manager]\nTrustedDrivers=\nTrustedDrivers=nvme\n";
        ConfError e = {};

        /* Later files override scalars, extend lists, and can reset what earlier files listed. */
        assert(config_new(&c) == 0);
        assert(config_parse_buffer(c, vendor, strlen(vendor), "vendor", &e) == 0);
        assert(config_parse_buffer(c, admin, strlen(admin), "admin", &e) == 0);
        check_expect(c, &(Expect) { MODE_ENFORCE, POLICY_ACTION_DENY, "virtio_* e1000e", "", true });
        assert(config_parse_buffer(c, dropin, strlen(dropin), "dropin", &e) == 0);
        check_expect(c, &(Expect) { MODE_ENFORCE, POLICY_ACTION_DENY, "nvme", "", true });
        assert(e.error == 0);
}

typedef struct Pipeline {
        TsmAbi tsm_abi;
        VerifierKind verifier;
        const char *verifier_path;
        uint64_t verifier_timeout_usec, prepare_timeout_usec;
        unsigned attempts;
        TopologyLockTrigger lock;
        TopologyViolationAction violation;
} Pipeline;

#define PIPELINE_DEFAULTS                                                                                 \
        { TSM_ABI_AUTO, VERIFIER_NONE, NULL, CONFIG_VERIFIER_TIMEOUT_USEC_DEFAULT,                       \
          CONFIG_PREPARE_TIMEOUT_USEC_DEFAULT, CONFIG_PIPELINE_ATTEMPTS_DEFAULT, TOPOLOGY_LOCK_ON_APPROVAL, \
          TOPOLOGY_VIOLATION_LOG }

static void test_pipeline_settings(void) {
        static const struct {
                const char *body;       /* the [Manager] section's body */
                int r;                  /* on failure, the error is on line 2 */
                Pipeline expect;
                const char *message;
        } t[] = {
                { "", 0, PIPELINE_DEFAULTS },
                { "TsmAbi=connect\nTopologyLock=manual\nOnTopologyViolation=poweroff\nPipelineAttempts=1\n"
                  "VerifierTimeoutSec=2min\nPrepareTimeoutSec=1500ms\n"
                  "Verifier=exec:/usr/libexec/tdispd-verify\n",
                  0,
                  { TSM_ABI_CONNECT, VERIFIER_EXEC, "/usr/libexec/tdispd-verify", 120000000, 1500000, 1,
                    TOPOLOGY_LOCK_MANUAL, TOPOLOGY_VIOLATION_POWEROFF } },
                { "TsmAbi=v2\nTopologyLock=at-ready\nOnTopologyViolation=remove\nPipelineAttempts=100\n"
                  "VerifierTimeoutSec=24h\nPrepareTimeoutSec=1ms\nVerifier=local:/etc/tdispd/refs.json\n",
                  0,
                  { TSM_ABI_V2, VERIFIER_LOCAL, "/etc/tdispd/refs.json", UINT64_C(86400000000), 1000, 100,
                    TOPOLOGY_LOCK_AT_READY, TOPOLOGY_VIOLATION_REMOVE } },
                { "Verifier=exec:/bin/a\nVerifier=push\n", 0,
                  { TSM_ABI_AUTO, VERIFIER_PUSH, NULL, CONFIG_VERIFIER_TIMEOUT_USEC_DEFAULT,
                    CONFIG_PREPARE_TIMEOUT_USEC_DEFAULT, CONFIG_PIPELINE_ATTEMPTS_DEFAULT,
                    TOPOLOGY_LOCK_ON_APPROVAL, TOPOLOGY_VIOLATION_LOG } },
                { "Verifier=exec:/bin/a\nVerifier=none\n", 0, PIPELINE_DEFAULTS },
                { "VerifierTimeoutSec=45\n", 0,
                  { TSM_ABI_AUTO, VERIFIER_NONE, NULL, 45000000, CONFIG_PREPARE_TIMEOUT_USEC_DEFAULT,
                    CONFIG_PIPELINE_ATTEMPTS_DEFAULT, TOPOLOGY_LOCK_ON_APPROVAL, TOPOLOGY_VIOLATION_LOG } },

                { "TsmAbi=v1\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid TSM ABI 'v1'" },
                { "Verifier=exec:\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid verifier 'exec:'" },
                { "Verifier=exec:verify\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid verifier" },
                { "Verifier=exec:/usr/../tmp/v\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid verifier" },
                { "Verifier=exec:/usr/bin/v --flag\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid verifier" },
                { "Verifier=local:/etc/refs/\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid verifier" },
                { "Verifier=push:/x\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid verifier" },
                { "Verifier=none:\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid verifier" },
                { "Verifier=EXEC:/bin/v\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid verifier" },
                { "Verifier=remote\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid verifier 'remote'" },
                { "Verifier=\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid verifier ''" },
                { "VerifierTimeoutSec=0\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid time span '0'" },
                { "VerifierTimeoutSec=25h\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid time span '25h'" },
                { "PrepareTimeoutSec=10 s\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid time span" },
                { "PrepareTimeoutSec=\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid time span" },
                { "PipelineAttempts=0\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid number of attempts '0'" },
                { "PipelineAttempts=101\n", -EINVAL, PIPELINE_DEFAULTS, "expected 1…100" },
                { "PipelineAttempts=-1\n", -EINVAL, PIPELINE_DEFAULTS, "Invalid number of attempts" },
                { "TopologyLock=never\n", -EINVAL, PIPELINE_DEFAULTS,
                  "Invalid topology lock trigger 'never'" },
                { "OnTopologyViolation=halt\n", -EINVAL, PIPELINE_DEFAULTS,
                  "Invalid topology violation action 'halt'" },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(config_freep) Config *c = NULL;
                _cleanup_free_ char *text = NULL;
                const Pipeline *x = &t[i].expect;
                ConfError e = {};
                int r;

                assert(asprintf(&text, "[Manager]\n%s", t[i].body) > 0);
                printf("pipeline %zu: %s", i, t[i].body);
                assert(config_new(&c) == 0);
                r = config_parse_buffer(c, text, strlen(text), "p.conf", &e);
                printf("  r=%d %s\n", r, strna(e.message));
                assert(r == t[i].r);
                if (r < 0) {
                        assert(e.line == 2);
                        assert(strstr(e.message, t[i].message));
                        conf_error_done(&e);
                }
                assert(c->tsm_abi == x->tsm_abi);
                assert(c->verifier.kind == x->verifier);
                assert(streq_ptr(c->verifier.path, x->verifier_path));
                assert(c->verifier_timeout_usec == x->verifier_timeout_usec);
                assert(c->prepare_timeout_usec == x->prepare_timeout_usec);
                assert(c->pipeline_attempts == x->attempts);
                assert(c->topology_lock == x->lock);
                assert(c->on_topology_violation == x->violation);
        }
}

static void test_verifier_spec(void) {
        VerifierSpec v = { .kind = VERIFIER_PUSH };

        /* Failure leaves the target alone. */
        assert(verifier_spec_parse("exec:", &v) == -EINVAL);
        assert(verifier_spec_parse(NULL, &v) == -EINVAL);
        assert(v.kind == VERIFIER_PUSH && !v.path);

        assert(verifier_spec_parse("local:/var/lib/tdispd/refs.json", &v) == 0);
        assert(v.kind == VERIFIER_LOCAL && streq(v.path, "/var/lib/tdispd/refs.json"));
        verifier_spec_done(&v);
        assert(v.kind == VERIFIER_NONE && !v.path);
        verifier_spec_done(NULL);

        for (TopologyLockTrigger l = 0; l < _TOPOLOGY_LOCK_TRIGGER_MAX; l++)
                assert(topology_lock_trigger_from_string(topology_lock_trigger_to_string(l)) == l);
        for (TopologyViolationAction a = 0; a < _TOPOLOGY_VIOLATION_ACTION_MAX; a++)
                assert(topology_violation_action_from_string(topology_violation_action_to_string(a)) == a);
        for (TsmAbi a = 0; a < _TSM_ABI_MAX; a++)
                assert(tsm_abi_from_string(tsm_abi_to_string(a)) == a);
        for (VerifierKind k = 0; k < _VERIFIER_KIND_MAX; k++)
                assert(verifier_kind_from_string(verifier_kind_to_string(k)) == k);
}

static void test_kernel_cmdline(void) {
        static const struct {
                const char *cmdline;
                int r;
                Mode mode;
        } t[] = {
                { NULL, 0, MODE_ENFORCE },
                { "", 0, MODE_ENFORCE },
                { "BOOT_IMAGE=/vmlinuz root=/dev/vda1 quiet", 0, MODE_ENFORCE },
                { "quiet tdispd.mode=audit", 1, MODE_AUDIT },
                { "tdispd.mode=off\n", 1, MODE_OFF },
                { "tdispd.mode=audit tdispd.mode=off", 1, MODE_OFF },
                { "tdispd.mode=bogus tdispd.mode=audit", 1, MODE_AUDIT },
                { "\"tdispd.mode=audit\"", 1, MODE_AUDIT },
                { "tdispd.mode=\"audit\"", 1, MODE_AUDIT },
                { "foo=\"a b tdispd.mode=off\" c", 0, MODE_ENFORCE },
                { "xtdispd.mode=off", 0, MODE_ENFORCE },
                { "rd.tdispd.mode=off", 0, MODE_ENFORCE },
                { "tdispd.modes=off", 0, MODE_ENFORCE },
                { "-- tdispd.mode=off", 0, MODE_ENFORCE },
                { "tdispd.mode=audit -- tdispd.mode=off", 1, MODE_AUDIT },
                { "tdispd.mode=bogus", -EINVAL },
                { "tdispd.mode=", -EINVAL },
                { "tdispd.mode", -EINVAL },
                { "tdispd.mode=AUDIT", -EINVAL },
                { "tdispd.mode=audit tdispd.mode=permissive", -EINVAL },
                { "tdispd.mode=audit\ttdispd.mode=off x", 1, MODE_OFF },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(config_freep) Config *c = NULL;
                ConfError e = {};

                printf("cmdline '%s'\n", strna(t[i].cmdline));
                assert(config_new(&c) == 0);
                assert(config_apply_kernel_cmdline(c, t[i].cmdline, &e) == t[i].r);
                if (t[i].r >= 0) {
                        assert(c->mode == t[i].mode);
                        assert(e.error == 0);
                        continue;
                }
                assert(c->mode == MODE_ENFORCE);
                assert(e.error == -EINVAL);
                assert(streq(e.filename, "/proc/cmdline"));
                assert(streq(e.key, "tdispd.mode"));
                conf_error_done(&e);
        }
}

static void test_string_tables(void) {
        assert(streq(mode_to_string(MODE_ENFORCE), "enforce"));
        assert(streq(mode_to_string(MODE_AUDIT), "audit"));
        assert(streq(mode_to_string(MODE_OFF), "off"));
        assert(!mode_to_string(_MODE_MAX));
        assert(!mode_to_string(_MODE_INVALID));
        assert(mode_from_string("audit") == MODE_AUDIT);
        assert(mode_from_string("") == _MODE_INVALID);
        assert(mode_from_string(NULL) == _MODE_INVALID);

        for (PolicyAction a = 0; a < _POLICY_ACTION_MAX; a++)
                assert(policy_action_from_string(policy_action_to_string(a)) == a);
        assert(policy_action_from_string("allow") == _POLICY_ACTION_INVALID);
}

static void test_defaults(void) {
        _cleanup_(config_freep) Config *c = NULL;

        assert(config_new(&c) == 0);
        check_expect(c, &(Expect) DEFAULTS);
        assert(!c->trusted_drivers && !c->denied_drivers);
        assert(config_free(NULL) == NULL);
}

int main(void) {
        test_defaults();
        test_cases();
        test_binary();
        test_layering();
        test_pipeline_settings();
        test_verifier_spec();
        test_kernel_cmdline();
        test_string_tables();
        return 0;
}

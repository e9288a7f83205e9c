/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-config-load.c — the whole load: file precedence, drop-ins, masking, policy order, the kernel
 * command line, and which file:line a failure names. Runs on scratch trees, never on the host's /etc. */

#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

#include "build-config.h"
#include "config-load.h"
#include "strv.h"

static void mkdir_parents(const char *path) {
        _cleanup_free_ char *p = strdup(path);

        assert(p);
        for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                assert(mkdir(p, 0755) == 0 || errno == EEXIST);
                *s = '/';
        }
}

static char *tree_path(const char *root, const char *rel) {
        char *p;

        assert(asprintf(&p, "%s%s", root, rel) > 0);
        return p;
}

static void tree_file(const char *root, const char *rel, const char *contents) {
        _cleanup_free_ char *p = tree_path(root, rel);
        _cleanup_close_ int fd = -EBADF;

        mkdir_parents(p);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        assert(fd >= 0);
        assert(write(fd, contents, strlen(contents)) == (ssize_t) strlen(contents));
}

static void tree_mask(const char *root, const char *rel) {
        _cleanup_free_ char *p = tree_path(root, rel);

        mkdir_parents(p);
        assert(symlink("/dev/null", p) == 0);
}

static int remove_one(const char *p, const struct stat *st, int type, struct FTW *ftw) {
        return remove(p) < 0 ? -errno : 0;
}

static char *new_tree(void) {
        char *root = strdup("/tmp/test-config-load.XXXXXX");

        assert(root);
        assert(mkdtemp(root));
        return root;
}

static void remove_tree(char *root) {
        assert(nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0);
        free(root);
}

static int load(const char *root, const char *config_file, char **policy_dirs, const char *kernel_cmdline,
                Config **ret_config, Policy **ret_policy, ConfError *ret_error) {
        ConfigPaths paths = {
                .config_file = config_file,
                .policy_dirs = policy_dirs,
                .kernel_cmdline = kernel_cmdline,
                .root = root,
        };

        return config_load(&paths, ret_config, ret_policy, ret_error);
}

/* A file that must never be read: parsing it fails. */
#define POISON "[Manager]\nThis file should have been hidden=1\n"

static void build_default_tree(const char *root) {
        tree_file(root, TDISPD_VENDOR_DIR "/tdispd.conf",
                  "[Manager]\nMode=audit\nDefaultAction=shared\nTrustedDrivers=virtio_*\n");
        tree_file(root, TDISPD_SYSCONF_DIR "/tdispd.conf", "[Manager]\nTrustedDrivers=e1000e\n");

        /* Drop-ins: applied by name across the three directories; /etc hides /run hides /usr/lib. */
        tree_file(root, TDISPD_SYSCONF_DIR "/tdispd.conf.d/50-a.conf",
                  "[Manager]\nDeniedDrivers=virtio_gpu\n");
        tree_file(root, TDISPD_RUNTIME_DIR "/tdispd.conf.d/50-a.conf", POISON);
        tree_file(root, TDISPD_RUNTIME_DIR "/tdispd.conf.d/60-b.conf", "[Manager]\nMode=enforce\n");
        tree_file(root, TDISPD_VENDOR_DIR "/tdispd.conf.d/40-c.conf", "[Manager]\nTrustedDrivers=nvme\n");
        tree_file(root, TDISPD_VENDOR_DIR "/tdispd.conf.d/70-masked.conf", POISON);
        tree_mask(root, TDISPD_SYSCONF_DIR "/tdispd.conf.d/70-masked.conf");
        tree_file(root, TDISPD_VENDOR_DIR "/tdispd.conf.d/README", "not a drop-in");

        tree_file(root, TDISPD_SYSCONF_DIR "/tdispd/policy.d/10-intel.policy",
                  "[Match]\nVendor=0x8086\nTDISP=yes\n[Policy]\nAction=accept\n");
        tree_file(root, TDISPD_RUNTIME_DIR "/policy.d/10-intel.policy", "garbage");
        tree_file(root, TDISPD_RUNTIME_DIR "/policy.d/50-virtio.policy",
                  "[Match]\nVendor=0x1af4\n[Policy]\nAction=shared\n");
        tree_file(root, TDISPD_VENDOR_DIR "/policy.d/90-rest.policy", "[Match]\n[Policy]\nAction=deny\n");
        tree_file(root, TDISPD_VENDOR_DIR "/policy.d/20-masked.policy", "garbage");
        tree_mask(root, TDISPD_SYSCONF_DIR "/tdispd/policy.d/20-masked.policy");
        tree_file(root, TDISPD_VENDOR_DIR "/policy.d/30-x.policy.disabled", "garbage");
}

static void check_rules(const char *root, const Policy *p, const char *const *expected) {
        size_t n = 0;

        for (; expected[n]; n++) {
                _cleanup_free_ char *want = tree_path(root, expected[n]);

                assert(n < p->n_rules);
                printf("  rule %zu: %s\n", n, p->rules[n]->filename);
                assert(streq(p->rules[n]->filename, want));
        }
        assert(p->n_rules == n);
}

static void test_defaults(void) {
        char *root = new_tree();
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(policy_freep) Policy *p = NULL;
        _cleanup_free_ char *trusted = NULL, *denied = NULL;
        ConfError e = {};
        int r;

        build_default_tree(root);

        r = load(root, NULL, NULL, "quiet", &c, &p, &e);
        if (r < 0)
                printf("error: %s:%u %s %s\n", e.filename, e.line, strna(e.key), e.message);
        assert(r == 0);
        assert(e.error == 0);

        trusted = strv_join(c->trusted_drivers, " ");
        denied = strv_join(c->denied_drivers, " ");
        printf("mode=%s trusted='%s' denied='%s'\n", mode_to_string(c->mode), trusted, denied);
        assert(c->mode == MODE_ENFORCE);        /* vendor audit, overridden by the 60-b.conf drop-in */
        assert(c->default_action == POLICY_ACTION_SHARED);
        assert(streq(trusted, "virtio_* e1000e nvme"));
        assert(streq(denied, "virtio_gpu"));
        assert(c->trust_builtin_drivers);

        check_rules(root, p, (const char *const[]) {
                TDISPD_SYSCONF_DIR "/tdispd/policy.d/10-intel.policy",
                TDISPD_RUNTIME_DIR "/policy.d/50-virtio.policy",
                TDISPD_VENDOR_DIR "/policy.d/90-rest.policy",
                NULL,
        });
        remove_tree(root);
}

static void test_kernel_cmdline(void) {
        char *root = new_tree();
        ConfError e = {};

        build_default_tree(root);

        /* The command line beats every file, and the caller is told so. */
        {
                _cleanup_(config_freep) Config *c = NULL;
                assert(load(root, NULL, NULL, "ro tdispd.mode=audit", &c, NULL, &e) == 1);
                assert(c->mode == MODE_AUDIT);
        }

        /* A bad value fails the load (fail closed) and hands nothing out. */
        {
                Config *c = NULL;
                Policy *p = NULL;
                assert(load(root, NULL, NULL, "tdispd.mode=permissive", &c, &p, &e) == -EINVAL);
                assert(!c && !p);
                assert(streq(e.filename, "/proc/cmdline"));
                assert(streq(e.key, "tdispd.mode"));
                assert(strstr(e.message, "'permissive'"));
                conf_error_done(&e);
        }

        /* With a root and no command line given, the host's /proc/cmdline is not consulted. */
        {
                _cleanup_(config_freep) Config *c = NULL;
                assert(load(root, NULL, NULL, NULL, &c, NULL, &e) == 0);
                assert(c->mode == MODE_ENFORCE);
        }
        remove_tree(root);
}

static void test_explicit_file(void) {
        char *root = new_tree();
        _cleanup_free_ char *file = tree_path(root, "/custom/tdispd.conf");
        _cleanup_free_ char *policy_dir = tree_path(root, "/custom/policy.d");
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(policy_freep) Policy *p = NULL;
        _cleanup_free_ char *trusted = NULL;
        char *dirs[] = { policy_dir, NULL };
        ConfError e = {};

        /* The default tree is present but must be ignored entirely. */
        build_default_tree(root);
        tree_file(root, "/custom/tdispd.conf", "[Manager]\nTrustedDrivers=hv_*\nTrustBuiltinDrivers=no\n");
        tree_file(root, "/custom/tdispd.conf.d/10-more.conf", "[Manager]\nTrustedDrivers=virtio_net\n");
        tree_file(root, "/custom/tdispd.conf.d/20-skip.txt", POISON);
        tree_file(root, "/custom/policy.d/b.policy", "[Match]\nBus=pci\n[Policy]\nAction=shared\n");
        tree_file(root, "/custom/policy.d/a.policy", "[Match]\nBus=virtio\n[Policy]\nAction=shared\n");

        assert(load(root, file, dirs, NULL, &c, &p, &e) == 0);
        trusted = strv_join(c->trusted_drivers, " ");
        assert(streq(trusted, "hv_* virtio_net"));
        assert(c->mode == MODE_ENFORCE && c->default_action == POLICY_ACTION_DENY);
        assert(!c->trust_builtin_drivers && !c->denied_drivers);
        check_rules(root, p, (const char *const[]) {
                "/custom/policy.d/a.policy",
                "/custom/policy.d/b.policy",
                NULL,
        });
        remove_tree(root);
}

static void test_empty_tree(void) {
        char *root = new_tree();
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(policy_freep) Policy *p = NULL;
        ConfError e = {};

        /* Nothing installed at all: compiled-in defaults and no rules (every device gets DefaultAction=). */
        assert(load(root, NULL, NULL, "", &c, &p, &e) == 0);
        assert(c->mode == MODE_ENFORCE && c->default_action == POLICY_ACTION_DENY);
        assert(!c->trusted_drivers && !c->denied_drivers && c->trust_builtin_drivers);
        assert(p->n_rules == 0);
        remove_tree(root);
}

typedef struct FailCase {
        const char *name;
        const char *file;       /* relative to the root, default layout */
        const char *contents;
        int r;
        unsigned line;
        const char *key;
        const char *message;
} FailCase;

static const FailCase fail_cases[] = {
        { "bad vendor file", TDISPD_VENDOR_DIR "/tdispd.conf", "[Manager]\nMode=strict\n", -EINVAL, 2,
          "Manager.Mode", "Invalid mode 'strict'" },
        { "typo in /etc", TDISPD_SYSCONF_DIR "/tdispd.conf", "[Manager]\n\nDenyDrivers=x\n", -EBADMSG, 3,
          "Manager.DenyDrivers", "Unknown key" },
        { "bad runtime drop-in", TDISPD_RUNTIME_DIR "/tdispd.conf.d/99-late.conf",
          "# generated\n[Manager]\nTrustedDrivers=ok\nTrustedDrivers=not/ok\n", -EINVAL, 4,
          "Manager.TrustedDrivers", "'not/ok'" },
        { "bad vendor policy", TDISPD_VENDOR_DIR "/policy.d/95-bad.policy",
          "[Match]\nBus=pci\n[Policy]\nAction=shared\n\n\nDriver=two words\n", -EINVAL, 7, "Policy.Driver",
          "Invalid driver name" },
        { "policy without action", TDISPD_SYSCONF_DIR "/tdispd/policy.d/55-x.policy",
          "[Match]\n\n[Policy]\n", -EBADMSG, 3, "Policy.Action", "Missing Action=" },
};

static void test_failures(void) {
        for (size_t i = 0; i < ELEMENTSOF(fail_cases); i++) {
                const FailCase *t = &fail_cases[i];
                char *root = new_tree();
                _cleanup_free_ char *want = tree_path(root, t->file);
                Config *c = NULL;
                Policy *p = NULL;
                ConfError e = {};
                int r;

                printf("failure %zu: %s\n", i, t->name);
                build_default_tree(root);
                tree_file(root, t->file, t->contents);

                r = load(root, NULL, NULL, "", &c, &p, &e);
                printf("  r=%d %s:%u %s: %s\n", r, strna(e.filename), e.line, strna(e.key),
                       strna(e.message));
                assert(r == t->r);
                assert(!c && !p);
                assert(streq(e.filename, want));
                assert(e.line == t->line);
                assert(streq_ptr(e.key, t->key));
                assert(strstr(e.message, t->message));
                conf_error_done(&e);
                remove_tree(root);
        }
}

static void test_io_failures(void) {
        char *root = new_tree();
        _cleanup_free_ char *missing = tree_path(root, "/nope.conf");
        _cleanup_free_ char *big_path = tree_path(root, "/big.conf");
        _cleanup_free_ char *big = NULL;
        _cleanup_free_ char *not_dir = tree_path(root, "/file.policy");
        char *dirs[] = { not_dir, NULL };
        Config *c = NULL;
        Policy *p = NULL;
        ConfError e = {};

        /* An explicitly named file must exist. */
        assert(load(NULL, missing, NULL, "", &c, &p, &e) == -ENOENT);
        assert(!c && !p);
        assert(streq(e.filename, missing));
        assert(e.line == 0);
        conf_error_done(&e);

        /* Oversized files are refused before parsing. */
        big = malloc(CONFIG_FILE_MAX + 2);
        assert(big);
        memset(big, '#', CONFIG_FILE_MAX + 1);
        big[CONFIG_FILE_MAX + 1] = '\0';
        tree_file(root, "/big.conf", big);
        assert(load(NULL, big_path, NULL, "", &c, &p, &e) == -E2BIG);
        assert(!c && !p);
        assert(streq(e.filename, big_path));
        assert(strstr(e.message, "larger than"));
        conf_error_done(&e);

        /* A policy "directory" that is not one: the layout is broken, fail closed. */
        tree_file(root, "/file.policy", "x");
        tree_file(root, "/ok.conf", "");
        {
                _cleanup_free_ char *ok = tree_path(root, "/ok.conf");
                assert(load(NULL, ok, dirs, "", &c, &p, &e) == -ENOTDIR);
                assert(!c && !p);
                assert(streq(e.filename, not_dir));
                conf_error_done(&e);

                /* Without ret_policy, policies are not even looked at. */
                assert(load(NULL, ok, dirs, "", &c, NULL, &e) == 0);
                assert(c);
                c = config_free(c);
        }
        remove_tree(root);
}

int main(void) {
        test_defaults();
        test_kernel_cmdline();
        test_explicit_file();
        test_empty_tree();
        test_failures();
        test_io_failures();
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* config-load.c — finds, reads and parses tdispd.conf, its drop-ins and the policy files.
 *
 * Everything is parsed into fresh objects that are handed out only when all of it parsed: one bad
 * line anywhere fails the whole load, so that the daemon starts with no policy (and binds nothing)
 * rather than with part of one. */

#include <assert.h>
#include <stdio.h>

#include "build-config.h"
#include "conf-files.h"
#include "config-load.h"
#include "fileio.h"
#include "strv.h"

static char *root_path(const char *root, const char *path) {
        char *s;
        size_t n = strlen(strempty(root));

        /* A relative default would be read from whatever the working directory happens to be. */
        assert(path[0] == '/');

        /* "/" and "/tmp/x/" must not give "//etc" or "/tmp/x//etc". */
        while (n > 0 && root[n - 1] == '/')
                n--;
        if (asprintf(&s, "%.*s%s", (int) n, strempty(root), path) < 0)
                return NULL;
        return s;
}

static int read_config_file(const char *path, char **ret_data, size_t *ret_size, ConfError *ret_error) {
        int r;

        r = read_full_file(path, CONFIG_FILE_MAX, ret_data, ret_size);
        if (r == -E2BIG)
                return conf_error_set(ret_error, path, 0, NULL, r, "File is larger than %u bytes",
                                      CONFIG_FILE_MAX);
        if (r < 0 && r != -ENOENT)
                return conf_error_set(ret_error, path, 0, NULL, r, "Failed to read file: %s", strerror(-r));
        return r;
}

/* Returns 0 also when an optional file does not exist. */
static int config_load_file(Config *c, const char *path, bool required, ConfError *ret_error) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r;

        r = read_config_file(path, &data, &size, ret_error);
        if (r == -ENOENT) {
                if (!required)
                        return 0;
                return conf_error_set(ret_error, path, 0, NULL, r, "File does not exist");
        }
        if (r < 0)
                return r;

        return config_parse_buffer(c, data, size, path, ret_error);
}

static int config_load_dropins(Config *c, char *const *dirs, ConfError *ret_error) {
        _cleanup_strv_free_ char **files = NULL;
        _cleanup_free_ char *joined = NULL;
        int r;

        r = conf_files_list(dirs, ".conf", &files);
        if (r < 0) {
                joined = strv_join(dirs, " ");
                return conf_error_set(ret_error, joined, 0, NULL, r,
                                      "Failed to list drop-in directories: %s", strerror(-r));
        }

        STRV_FOREACH(f, files) {
                /* A drop-in that vanished between listing and reading is no different from one that
                 * was never there. */
                r = config_load_file(c, *f, false, ret_error);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int config_load_all(const ConfigPaths *paths, Config *c, ConfError *ret_error) {
        _cleanup_strv_free_ char **dropin_dirs = NULL;
        int r;

        if (paths->config_file) {
                _cleanup_free_ char *d = NULL;

                r = config_load_file(c, paths->config_file, true, ret_error);
                if (r < 0)
                        return r;

                if (asprintf(&d, "%s.d", paths->config_file) < 0)
                        return conf_error_set(ret_error, NULL, 0, NULL, -ENOMEM, "Out of memory");
                r = strv_consume(&dropin_dirs, TAKE_PTR(d));
                if (r < 0)
                        return conf_error_set(ret_error, NULL, 0, NULL, r, "Out of memory");

                return config_load_dropins(c, dropin_dirs, ret_error);
        }

        /* Vendor defaults first, then the admin's file on top: scalars are overridden, lists extend. */
        const char *const files[] = {
                TDISPD_VENDOR_DIR "/tdispd.conf",
                TDISPD_SYSCONF_DIR "/tdispd.conf",
        };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *p = root_path(paths->root, files[i]);
                if (!p)
                        return conf_error_set(ret_error, NULL, 0, NULL, -ENOMEM, "Out of memory");
                r = config_load_file(c, p, false, ret_error);
                if (r < 0)
                        return r;
        }

        /* Precedence order: a name in /etc hides it in /run, which hides it in /usr/lib. */
        const char *const dirs[] = {
                TDISPD_SYSCONF_DIR "/tdispd.conf.d",
                TDISPD_RUNTIME_DIR "/tdispd.conf.d",
                TDISPD_VENDOR_DIR "/tdispd.conf.d",
        };
        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                r = strv_consume(&dropin_dirs, root_path(paths->root, dirs[i]));
                if (r < 0)
                        return conf_error_set(ret_error, NULL, 0, NULL, r, "Out of memory");
        }

        return config_load_dropins(c, dropin_dirs, ret_error);
}

static int policy_load_all(const ConfigPaths *paths, Policy *p, ConfError *ret_error) {
        _cleanup_strv_free_ char **default_dirs = NULL, **files = NULL;
        char *const *dirs = paths->policy_dirs;
        int r;

        if (!dirs) {
                const char *const d[] = {
                        TDISPD_SYSCONF_DIR "/tdispd/policy.d",
                        TDISPD_RUNTIME_DIR "/policy.d",
                        TDISPD_VENDOR_DIR "/policy.d",
                };
                for (size_t i = 0; i < ELEMENTSOF(d); i++) {
                        r = strv_consume(&default_dirs, root_path(paths->root, d[i]));
                        if (r < 0)
                                return conf_error_set(ret_error, NULL, 0, NULL, r, "Out of memory");
                }
                dirs = default_dirs;
        }

        r = conf_files_list(dirs, ".policy", &files);
        if (r < 0) {
                _cleanup_free_ char *joined = strv_join(dirs, " ");
                return conf_error_set(ret_error, joined, 0, NULL, r,
                                      "Failed to list policy directories: %s", strerror(-r));
        }

        /* conf_files_list() sorts by file name, which is the match order. */
        STRV_FOREACH(f, files) {
                _cleanup_(policy_rule_freep) PolicyRule *rule = NULL;
                _cleanup_free_ char *data = NULL;
                size_t size;

                r = read_config_file(*f, &data, &size, ret_error);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;

                r = policy_rule_parse_buffer(data, size, *f, &rule, ret_error);
                if (r < 0)
                        return r;

                r = policy_add_rule(p, TAKE_PTR(rule));
                if (r < 0)
                        return conf_error_set(ret_error, *f, 0, NULL, r, "Out of memory");
        }
        return 0;
}

int config_load(const ConfigPaths *paths, Config **ret_config, Policy **ret_policy, ConfError *ret_error) {
        static const ConfigPaths default_paths = {};
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_(policy_freep) Policy *p = NULL;
        _cleanup_free_ char *proc_cmdline = NULL;
        const char *cmdline;
        int r, applied;

        assert(ret_config);

        if (!paths)
                paths = &default_paths;

        r = config_new(&c);
        if (r < 0)
                return conf_error_set(ret_error, NULL, 0, NULL, r, "Out of memory");

        r = config_load_all(paths, c, ret_error);
        if (r < 0)
                return r;

        if (ret_policy) {
                r = policy_new(&p);
                if (r < 0)
                        return conf_error_set(ret_error, NULL, 0, NULL, r, "Out of memory");
                r = policy_load_all(paths, p, ret_error);
                if (r < 0)
                        return r;
        }

        cmdline = paths->kernel_cmdline;
        if (!cmdline && !paths->root) {
                r = read_one_line_file("/proc/cmdline", &proc_cmdline);
                if (r < 0 && r != -ENOENT)
                        return conf_error_set(ret_error, "/proc/cmdline", 0, NULL, r, "Failed to read: %s",
                                              strerror(-r));
                cmdline = proc_cmdline;
        }

        applied = config_apply_kernel_cmdline(c, cmdline, ret_error);
        if (applied < 0)
                return applied;

        *ret_config = TAKE_PTR(c);
        if (ret_policy)
                *ret_policy = TAKE_PTR(p);
        return applied;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* conf-files.c — drop-in directories with systemd's precedence rules.
 *
 * All candidates of all directories are collected first and sorted by (name, directory precedence);
 * the first entry of each name then decides: a regular file is listed, a mask hides the name. */

#include <assert.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "conf-files.h"
#include "macro.h"
#include "strv.h"

typedef struct ConfFile {
        char *path;
        const char *name;       /* points into path */
        size_t dir_index;       /* precedence: lower wins */
        bool masked;
} ConfFile;

typedef struct ConfFileList {
        ConfFile *files;
        size_t n;
} ConfFileList;

static void conf_file_list_done(ConfFileList *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->files[i].path);
        free(l->files);
        *l = (ConfFileList) {};
}

static bool stat_is_dev_null(const struct stat *st) {
        return S_ISCHR(st->st_mode) && major(st->st_rdev) == 1 && minor(st->st_rdev) == 3;
}

static int conf_file_list_add(ConfFileList *l, const char *dir, const char *name, size_t dir_index,
                              bool masked) {
        ConfFile *t;
        char *path;
        size_t k = strlen(dir);

        if (asprintf(&path, "%s%s%s", dir, k > 0 && dir[k - 1] == '/' ? "" : "/", name) < 0)
                return -ENOMEM;

        t = realloc(l->files, sizeof(ConfFile) * (l->n + 1));
        if (!t) {
                free(path);
                return -ENOMEM;
        }
        l->files = t;
        l->files[l->n++] = (ConfFile) {
                .path = path,
                .name = path + strlen(path) - strlen(name),
                .dir_index = dir_index,
                .masked = masked,
        };
        return 0;
}

static int conf_files_scan(ConfFileList *l, const char *dir, size_t dir_index, const char *suffix) {
        DIR *d;
        int r = 0;

        d = opendir(dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;

        for (struct dirent *de; (errno = 0, de = readdir(d));) {
                const char *name = de->d_name;
                size_t n = strlen(name), k = strlen(suffix);
                struct stat st;

                if (name[0] == '.' || n <= k || !streq(name + n - k, suffix))
                        continue;

                /* Follow symlinks: the target's type decides. A dangling link is ignored, as in systemd. */
                if (fstatat(dirfd(d), name, &st, 0) < 0) {
                        if (errno == ENOENT)
                                continue;
                        r = -errno;
                        break;
                }

                if (S_ISREG(st.st_mode) || stat_is_dev_null(&st)) {
                        r = conf_file_list_add(l, dir, name, dir_index, !S_ISREG(st.st_mode));
                        if (r < 0)
                                break;
                }
        }
        if (r == 0 && errno != 0)
                r = -errno;

        closedir(d);
        return r;
}

static int conf_file_compare(const void *a, const void *b) {
        const ConfFile *x = a, *y = b;
        int c = strcmp(x->name, y->name);

        if (c != 0)
                return c;
        return x->dir_index < y->dir_index ? -1 : x->dir_index > y->dir_index ? 1 : 0;
}

int conf_files_list(char *const *dirs, const char *suffix, char ***ret_paths) {
        _cleanup_(conf_file_list_done) ConfFileList l = {};
        _cleanup_strv_free_ char **paths = NULL;
        size_t i = 0;
        int r;

        assert(suffix);
        assert(ret_paths);

        STRV_FOREACH(dir, dirs) {
                r = conf_files_scan(&l, *dir, i++, suffix);
                if (r < 0)
                        return r;
        }

        if (l.n > 0)
                qsort(l.files, l.n, sizeof(ConfFile), conf_file_compare);

        paths = calloc(1, sizeof(char *));
        if (!paths)
                return -ENOMEM;

        for (size_t j = 0; j < l.n; j++) {
                if (j > 0 && streq(l.files[j].name, l.files[j - 1].name))
                        continue;       /* hidden by a higher-precedence directory */
                if (l.files[j].masked)
                        continue;
                r = strv_consume(&paths, TAKE_PTR(l.files[j].path));
                if (r < 0)
                        return r;
        }

        *ret_paths = TAKE_PTR(paths);
        return 0;
}

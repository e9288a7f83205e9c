/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-conf-files.c — drop-in precedence, masking and ordering, on a scratch tree. */

#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <sys/stat.h>

#include "conf-files.h"
#include "strv.h"

static char root[] = "/tmp/test-conf-files.XXXXXX";

static void mkfile(const char *rel, const char *contents) {
        _cleanup_free_ char *p = NULL;
        _cleanup_close_ int fd = -EBADF;

        assert(asprintf(&p, "%s/%s", root, rel) > 0);
        fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        assert(fd >= 0);
        assert(write(fd, contents, strlen(contents)) == (ssize_t) strlen(contents));
}

static void mkdir_rel(const char *rel) {
        _cleanup_free_ char *p = NULL;

        assert(asprintf(&p, "%s/%s", root, rel) > 0);
        assert(mkdir(p, 0755) == 0);
}

static void symlink_rel(const char *target, const char *rel) {
        _cleanup_free_ char *p = NULL;

        assert(asprintf(&p, "%s/%s", root, rel) > 0);
        assert(symlink(target, p) == 0);
}

static char *path(const char *rel) {
        char *p;

        assert(asprintf(&p, "%s/%s", root, rel) > 0);
        return p;
}

/* The listed paths relative to root, joined with ' '. */
static char *list(char **dirs, const char *suffix, int *ret) {
        _cleanup_strv_free_ char **files = NULL;
        char *joined, *o;

        *ret = conf_files_list(dirs, suffix, &files);
        if (*ret < 0)
                return NULL;

        joined = strv_join(files, " ");
        assert(joined);
        /* Strip the scratch prefix so that the expectations read naturally. */
        o = joined;
        for (const char *s = joined; *s;) {
                if (startswith(s, root)) {
                        s += strlen(root) + 1;
                        continue;
                }
                *o++ = *s++;
        }
        *o = '\0';
        return joined;
}

static void test_precedence(void) {
        _cleanup_strv_free_ char **dirs = NULL;
        _cleanup_free_ char *got = NULL;
        int r;

        mkdir_rel("etc");
        mkdir_rel("run");
        mkdir_rel("lib");
        mkdir_rel("elsewhere");

        mkfile("etc/50-a.conf", "etc a");
        symlink_rel("/dev/null", "etc/30-masked.conf");
        mkfile("etc/.hidden.conf", "hidden");
        mkfile("etc/notes.txt", "wrong suffix");
        mkfile("etc/50-a.conf.bak", "wrong suffix");
        mkdir_rel("etc/dir.conf");
        symlink_rel("/nonexistent/target.conf", "etc/dangling.conf");

        mkfile("run/20-b.conf", "run b");
        mkfile("run/30-masked.conf", "masked by etc");
        mkfile("run/40-d.conf", "run d");

        mkfile("lib/50-a.conf", "hidden by etc");
        mkfile("lib/20-b.conf", "hidden by run");
        mkfile("lib/60-e.conf", "lib e");
        mkfile("lib/.conf", "hidden file");
        mkfile("lib/10-early.conf", "lib early");
        mkfile("elsewhere/target", "linked");
        symlink_rel("../elsewhere/target", "lib/70-link.conf");
        /* The mask shadows the file in lib, then "dir.conf" being a directory hides nothing. */
        mkfile("lib/dir.conf", "lib dir");
        mkfile("lib/dangling.conf", "not hidden by a dangling link");

        dirs = strv_copy(NULL);
        assert(dirs);
        assert(strv_consume(&dirs, path("etc")) == 0);
        assert(strv_consume(&dirs, path("missing")) == 0);
        assert(strv_consume(&dirs, path("run/")) == 0);         /* trailing slash */
        assert(strv_consume(&dirs, path("lib")) == 0);

        got = list(dirs, ".conf", &r);
        assert(r == 0);
        printf("got: %s\n", got);
        assert(streq(got, "lib/10-early.conf run/20-b.conf run/40-d.conf etc/50-a.conf lib/60-e.conf "
                          "lib/70-link.conf lib/dangling.conf lib/dir.conf"));

        /* The suffix is honoured exactly. */
        free(got);
        got = list(dirs, ".txt", &r);
        assert(r == 0);
        assert(streq(got, "etc/notes.txt"));

        free(got);
        got = list(dirs, ".policy", &r);
        assert(r == 0);
        assert(streq(got, ""));
}

static void test_edge_cases(void) {
        _cleanup_strv_free_ char **files = NULL, **not_dir = NULL, **only_missing = NULL;

        /* No directories at all is an empty list, not an error. */
        assert(conf_files_list(NULL, ".conf", &files) == 0);
        assert(files && !files[0]);
        files = strv_free(files);

        assert(strv_consume(&only_missing, path("missing")) == 0);
        assert(conf_files_list(only_missing, ".conf", &files) == 0);
        assert(files && !files[0]);
        files = strv_free(files);

        /* A "directory" that is a file is a real error: the admin's layout is broken. */
        assert(strv_consume(&not_dir, path("etc/notes.txt")) == 0);
        assert(conf_files_list(not_dir, ".conf", &files) == -ENOTDIR);
        assert(!files);
}

static int remove_one(const char *p, const struct stat *st, int type, struct FTW *ftw) {
        return remove(p) < 0 ? -errno : 0;
}

int main(void) {
        assert(mkdtemp(root));

        test_precedence();
        test_edge_cases();

        assert(nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0);
        return 0;
}

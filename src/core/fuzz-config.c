/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-config.c — tdispd.conf and the kernel command line: no input may crash the parser, leak, or
 * leave a Config that breaks what config.h promises. */

#undef NDEBUG
#include <assert.h>
#include <stdint.h>

#include "config.h"
#include "driver-match.h"
#include "strv.h"

/* Real files are a few KiB; bigger inputs only slow the fuzzer down (the size limit has a unit test). */
#define FUZZ_INPUT_MAX (64U * 1024U)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_config(const Config *c) {
        assert(c->mode >= 0 && c->mode < _MODE_MAX);
        assert(c->default_action == POLICY_ACTION_DENY || c->default_action == POLICY_ACTION_SHARED);
        STRV_FOREACH(g, c->trusted_drivers)
                assert(driver_glob_is_valid(*g));
        STRV_FOREACH(g, c->denied_drivers)
                assert(driver_glob_is_valid(*g));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(config_freep) Config *c = NULL;
        _cleanup_free_ char *cmdline = NULL, *formatted = NULL;
        ConfError e = {};
        Mode before;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        assert(config_new(&c) == 0);
        r = config_parse_buffer(c, (const char *) data, size, "fuzz.conf", &e);
        assert(r <= 0);
        assert(e.error == r);
        if (r < 0) {
                assert(streq(e.filename, "fuzz.conf"));
                formatted = conf_error_format(&e);
                assert(formatted);
        }
        conf_error_done(&e);
        check_config(c);

        /* The same bytes as a kernel command line (up to the first NUL, as /proc/cmdline is read). */
        cmdline = strndup((const char *) data, size);
        assert(cmdline);
        before = c->mode;
        r = config_apply_kernel_cmdline(c, cmdline, &e);
        assert(r >= -EINVAL && r <= 1);
        assert(e.error == (r < 0 ? r : 0));
        if (r <= 0)
                assert(c->mode == before);
        conf_error_done(&e);
        check_config(c);

        return 0;
}

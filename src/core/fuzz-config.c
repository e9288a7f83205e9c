/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-config.c — tdispd.conf and the kernel command line: no input may crash the parser, leak, or
 * leave a Config that breaks what config.h promises. */

#undef NDEBUG
#include <assert.h>
#include <stdint.h>

#include "config.h"
#include "driver-match.h"
#include "path-util.h"
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
        assert(c->tsm_abi >= 0 && c->tsm_abi < _TSM_ABI_MAX);
        assert(c->verifier.kind >= 0 && c->verifier.kind < _VERIFIER_KIND_MAX);
        assert((c->verifier.path != NULL) == IN_SET(c->verifier.kind, VERIFIER_EXEC, VERIFIER_LOCAL));
        assert(!c->verifier.path || path_is_normalized(c->verifier.path));
        assert(c->verifier_timeout_usec > 0 && c->verifier_timeout_usec <= CONFIG_TIMEOUT_USEC_MAX);
        assert(c->prepare_timeout_usec > 0 && c->prepare_timeout_usec <= CONFIG_TIMEOUT_USEC_MAX);
        assert(c->pipeline_attempts >= 1 && c->pipeline_attempts <= CONFIG_PIPELINE_ATTEMPTS_MAX);
        assert(c->topology_lock >= 0 && c->topology_lock < _TOPOLOGY_LOCK_TRIGGER_MAX);
        assert(c->on_topology_violation >= 0 && c->on_topology_violation < _TOPOLOGY_VIOLATION_ACTION_MAX);
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

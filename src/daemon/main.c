/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* main.c — tdispd: parse the command line, load the configuration, run the manager. */

#include <assert.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "build-config.h"
#include "log.h"
#include "manager.h"
#include "strv.h"

static ManagerOptions arg_options = {};
static bool arg_check_config = false;
static LogTarget arg_log_target = LOG_TARGET_AUTO;
static int arg_log_level = -1;

static void help(void) {
        printf("%s [OPTIONS...]\n\n"
               "Device gatekeeper of a confidential VM: binds only the drivers policy allows.\n\n"
               "  -h --help                  Show this help\n"
               "     --version               Show the version\n"
               "     --check-config          Validate configuration and policy, then exit\n"
               "     --config=FILE           Read FILE (and FILE.d/*.conf) instead of the default paths\n"
               "     --policy-dir=DIR        Read *.policy from DIR (repeatable; replaces the defaults)\n"
               "     --runtime-dir=DIR       State directory (default: $RUNTIME_DIRECTORY or %s)\n"
               "     --modules-dir=DIR       libkmod directory (default: /lib/modules/<running kernel>)\n"
               "     --modprobe-dir=DIR      modprobe.d directory (repeatable; replaces the defaults)\n"
               "     --kernel-cmdline=STRING Use STRING instead of /proc/cmdline\n"
               "     --evidence-dir=DIR      Read TDISP evidence from DIR/<device>/<type> (tests)\n"
               "     --log-target=TARGET     auto, journal or console\n"
               "     --log-level=LEVEL       debug, info, notice, warning, err\n",
               program_invocation_short_name, TDISPD_RUNTIME_DIR);
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_CHECK_CONFIG,
                ARG_CONFIG,
                ARG_POLICY_DIR,
                ARG_RUNTIME_DIR,
                ARG_MODULES_DIR,
                ARG_MODPROBE_DIR,
                ARG_KERNEL_CMDLINE,
                ARG_EVIDENCE_DIR,
                ARG_LOG_TARGET,
                ARG_LOG_LEVEL,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "check-config", no_argument, NULL, ARG_CHECK_CONFIG },
                { "config", required_argument, NULL, ARG_CONFIG },
                { "policy-dir", required_argument, NULL, ARG_POLICY_DIR },
                { "runtime-dir", required_argument, NULL, ARG_RUNTIME_DIR },
                { "modules-dir", required_argument, NULL, ARG_MODULES_DIR },
                { "modprobe-dir", required_argument, NULL, ARG_MODPROBE_DIR },
                { "kernel-cmdline", required_argument, NULL, ARG_KERNEL_CMDLINE },
                { "evidence-dir", required_argument, NULL, ARG_EVIDENCE_DIR },
                { "log-target", required_argument, NULL, ARG_LOG_TARGET },
                { "log-level", required_argument, NULL, ARG_LOG_LEVEL },
                {}
        };
        int c, r;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("tdispd %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_CHECK_CONFIG:
                        arg_check_config = true;
                        break;
                case ARG_CONFIG:
                        arg_options.config_file = optarg;
                        break;
                case ARG_POLICY_DIR:
                        r = strv_extend(&arg_options.policy_dirs, optarg);
                        if (r < 0)
                                return log_oom();
                        break;
                case ARG_RUNTIME_DIR:
                        arg_options.runtime_dir = optarg;
                        break;
                case ARG_MODULES_DIR:
                        arg_options.modules_dir = optarg;
                        break;
                case ARG_MODPROBE_DIR:
                        r = strv_extend(&arg_options.modprobe_dirs, optarg);
                        if (r < 0)
                                return log_oom();
                        break;
                case ARG_KERNEL_CMDLINE:
                        arg_options.kernel_cmdline = optarg;
                        break;
                case ARG_EVIDENCE_DIR:
                        arg_options.evidence_dir = optarg;
                        break;
                case ARG_LOG_TARGET:
                        arg_log_target = log_target_from_string(optarg);
                        if (arg_log_target < 0)
                                return log_error_errno(-EINVAL, "Unknown log target '%s'.", optarg);
                        break;
                case ARG_LOG_LEVEL:
                        arg_log_level = log_level_from_string(optarg);
                        if (arg_log_level < 0)
                                return log_error_errno(-EINVAL, "Unknown log level '%s'.", optarg);
                        break;
                case '?':
                        return -EINVAL;
                default:
                        assert(false);
                }

        if (optind < argc)
                return log_error_errno(-EINVAL, "%s takes no positional arguments.", program_invocation_short_name);
        return 1;
}

static int run(int argc, char *argv[]) {
        _cleanup_(manager_freep) Manager *m = NULL;
        int r;

        log_setup(LOG_TARGET_AUTO, -1);
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r;
        log_setup(arg_log_target, arg_log_level);

        if (!arg_options.runtime_dir)
                arg_options.runtime_dir = getenv("RUNTIME_DIRECTORY") ?: TDISPD_RUNTIME_DIR;

        if (arg_check_config)
                return manager_check_config(&arg_options);

        /* SIGTERM/SIGINT end the loop and SIGCHLD reports verifier exits, all through sd-event; they
         * must be blocked to be delivered there. */
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return log_error_errno(-errno, "Failed to block signals: %m");
        /* An exec verifier that exits without reading its input must not kill us. */
        (void) signal(SIGPIPE, SIG_IGN);

        r = manager_new(&arg_options, &m);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate manager: %m");

        r = manager_load_config(m);
        if (r < 0)
                return r;

        r = sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL);
        if (r >= 0)
                r = sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to handle signals: %m");
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                log_warning_errno(r, "Failed to enable the watchdog, ignoring: %m");

        r = manager_start(m);
        if (r < 0) {
                (void) sd_notifyf(false, "STATUS=Failed to start: %s\nERRNO=%i", strerror(-r), -r);
                return r;
        }

        r = sd_event_loop(m->event);
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m");
        manager_flush_state(m);

        (void) sd_notify(false, "STOPPING=1");
        log_info("Exiting; driver autoprobe stays off and bindings stay as they are.");
        return 0;
}

int main(int argc, char *argv[]) {
        int r = run(argc, argv);

        strv_free(arg_options.policy_dirs);
        strv_free(arg_options.modprobe_dirs);
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

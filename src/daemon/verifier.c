/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* verifier.c — asking the relying party.
 *
 * exec:PATH runs a program per device awaiting a verdict: the evidence bundle (bundle.h,
 * tdispd-verifier(7)) on its stdin, the verdict JSON read from its stdout, its stderr inherited (the
 * journal, under systemd). Everything is non-blocking on the event loop; the output is bounded; the
 * run is killed when the device stops waiting (the core's own verdict timeout, removal, a new lock).
 * A crash, a non-zero exit, garbage, or a verdict about other evidence is a reject — never an
 * approval, and never a hang. */

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>

#include "device-log.h"
#include "bundle.h"
#include "evidence.h"
#include "fileio.h"
#include "log.h"
#include "message-id.h"
#include "reference-values.h"
#include "registry.h"
#include "verdict.h"
#include "verifier.h"

#define VERIFIER_OUTPUT_MAX (1024U * 1024U)

static uint64_t now(clockid_t clock) {
        struct timespec ts;

        (void) clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U;
}

struct VerifierRun {
        Manager *manager;
        char *syspath;
        char *digest;
        char bundle_digest[SHA384_STRING_MAX];  /* the verdict must answer this bundle */
        pid_t pid;
        int stdin_fd, stdout_fd;
        sd_event_source *in_source, *out_source, *child_source;
        char *input;
        size_t input_size, input_written;
        char *output;
        size_t output_size;
        bool output_overflow;
};

VerifierRun *verifier_run_free(VerifierRun *run) {
        if (!run)
                return NULL;

        sd_event_source_disable_unref(run->in_source);
        sd_event_source_disable_unref(run->out_source);
        /* Still running: nobody waits for its answer any more. sd-event reaps it on disable. */
        if (run->child_source) {
                log_device_notice(strna(run->syspath ? strrchr(run->syspath, '/') + 1 : NULL),
                                  "killing verifier pid %i, its verdict is no longer awaited.",
                                  (int) run->pid);
                (void) sd_event_source_send_child_signal(run->child_source, SIGKILL, NULL, 0);
                (void) sd_event_source_set_child_process_own(run->child_source, true);
                sd_event_source_disable_unref(run->child_source);
        }
        if (run->stdin_fd >= 0)
                (void) close(run->stdin_fd);
        if (run->stdout_fd >= 0)
                (void) close(run->stdout_fd);
        free(run->syspath);
        free(run->digest);
        free(run->input);
        free(run->output);
        return mfree(run);
}

static const VerifierSpec *verifier_for(const Manager *m, const Device *d) {
        const PolicyRule *rule = d->decision.rule;

        return rule && rule->verifier.kind != VERIFIER_NONE ? &rule->verifier : &m->config->verifier;
}

/* TopologyLock=on-approval: the relying party asked for it with an approval. */
static void verifier_maybe_lock_topology(Manager *m, bool approve, bool lock_topology) {
        int r;

        if (!approve || !lock_topology || m->config->topology_lock != TOPOLOGY_LOCK_ON_APPROVAL)
                return;
        if (!m->ready) {
                m->topology_lock_pending = true;
                return;
        }
        r = manager_lock_topology(m);
        if (r < 0 && r != -EALREADY)
                log_error_errno(r, "Failed to lock the device topology: %m");
}

static void log_verdict(const Device *d, const char *source, bool approve, const char *digest, const char *reason) {
        _cleanup_free_ char *f_device = NULL, *f_verdict = NULL, *f_digest = NULL, *f_reason = NULL;
        char *fields[5] = {};
        size_t n = 0;

        if (asprintf(&f_device, "TDISPD_DEVICE=%s", d->info->sysname) >= 0)
                fields[n++] = f_device;
        if (asprintf(&f_verdict, "TDISPD_VERDICT=%s", approve ? "approve" : "reject") >= 0)
                fields[n++] = f_verdict;
        if (asprintf(&f_digest, "TDISPD_EVIDENCE_DIGEST=%s", strna(digest)) >= 0)
                fields[n++] = f_digest;
        if (reason && asprintf(&f_reason, "TDISPD_REASON=%s", reason) >= 0)
                fields[n++] = f_reason;

        log_struct_internal(approve ? LOG_NOTICE : LOG_WARNING, 0, MESSAGE_ID_VERDICT, fields, "%s: %s %s (%s)%s%s.",
                            d->info->sysname, source, approve ? "approved" : "rejected", strna(digest),
                            reason ? ": " : "", strempty(reason));
}

static int verifier_deliver(Manager *m, Device *d, const char *source, bool approve, const char *digest,
                            const char *reason, bool lock_topology) {
        int r;

        log_verdict(d, source, approve, digest, reason);
        r = manager_dispatch(m, d,
                             &(DeviceEvent) { .type = DEVICE_EVENT_VERDICT, .approve = approve, .digest = digest,
                                              .reason = reason });
        if (r < 0)
                return r;
        verifier_maybe_lock_topology(m, approve, lock_topology);
        return 0;
}

int verifier_push_verdict(Manager *m, Device *d, bool approve, const char *digest, const char *reason,
                          bool lock_topology) {
        if (d->state != DEVICE_ATTESTING || !d->evidence_digest)
                return -EBUSY;
        if (!digest || !streq(digest, d->evidence_digest))
                return -ESTALE;
        return verifier_deliver(m, d, "API", approve, digest, reason, lock_topology);
}

/* --- local:PATH --- */

static int verifier_local(Manager *m, Device *d, const char *path, const char *digest, Outcome *o) {
        DeviceContext *ctx = device_get_context(m, d);
        _cleanup_(reference_values_freep) ReferenceValues *refs = NULL;
        _cleanup_(conf_error_done) ConfError error = {};
        _cleanup_free_ char *data = NULL, *reason = NULL, *text = NULL;
        bool approve = false;
        size_t size = 0;
        int r;

        if (!ctx || !ctx->evidence)
                return -ENOMEM;

        r = read_full_file(path, REFERENCE_VALUES_INPUT_MAX, &data, &size);
        if (r >= 0)
                r = reference_values_parse(data, size, path, &refs, &error);
        if (r < 0) {
                text = conf_error_format(&error);
                if (asprintf(&reason, "reference values unusable: %s", error.message ? text : strerror(-r)) < 0)
                        return -ENOMEM;
                log_device_error(d->info->sysname, "%s", reason);
        } else {
                r = reference_values_judge(refs, d->info, ctx->evidence, &approve, &reason);
                if (r < 0)
                        return r;
        }

        log_verdict(d, "local reference values", approve, digest, reason);
        r = device_dispatch(m->registry, d,
                            &(DeviceEvent) { .type = DEVICE_EVENT_VERDICT, .approve = approve, .digest = digest,
                                             .reason = reason },
                            o);
        if (r < 0)
                return r;

        /* Reference values have no say about the topology: an approval locks it when configured to. The
         * lock only shuts out devices that appear later; those already here carry on. */
        if (approve && m->config->topology_lock == TOPOLOGY_LOCK_ON_APPROVAL && !m->registry->topology_locked) {
                /* During the first pass the devices not walked yet are not intruders: lock after it. */
                if (!m->ready) {
                        m->topology_lock_pending = true;
                        return 0;
                }
                return registry_lock_topology(m->registry, now(CLOCK_REALTIME), o);
        }
        return 0;
}

/* --- exec:PATH --- */

static void verifier_run_finish(VerifierRun *run, bool approve, const char *reason, bool lock_topology) {
        Manager *m = run->manager;
        _cleanup_free_ char *digest = TAKE_PTR(run->digest);
        Device *d = registry_get(m->registry, run->syspath);
        DeviceContext *ctx;

        if (!d)
                return;
        ctx = device_get_context(m, d);
        if (ctx && ctx->verifier == run) {
                ctx->verifier = NULL;
                verifier_run_free(run);
        }
        /* -ESTALE (a new lock meanwhile) is logged by the core as a refused stale verdict. */
        (void) verifier_deliver(m, d, "verifier", approve, digest, reason, lock_topology);
}

static void verifier_run_judge(VerifierRun *run, const siginfo_t *si) {
        _cleanup_(verdicts_freep) Verdicts *verdicts = NULL;
        _cleanup_(conf_error_done) ConfError error = {};
        _cleanup_free_ char *reason = NULL, *text = NULL;
        Device *d = registry_get(run->manager->registry, run->syspath);
        const char *device_reason = NULL;
        bool approve = false;
        int r;

        if (!d)
                return;

        if (si->si_code != CLD_EXITED || si->si_status != 0) {
                if (asprintf(&reason, "verifier %s %d", si->si_code == CLD_EXITED ? "exited with status" : "killed by signal",
                             si->si_status) < 0)
                        return;
                verifier_run_finish(run, false, reason, false);
                return;
        }
        if (run->output_overflow) {
                verifier_run_finish(run, false, "verifier output larger than 1 MiB", false);
                return;
        }

        r = verdicts_parse(run->output ?: "", run->output_size, run->bundle_digest, &verdicts, &error);
        if (r < 0) {
                text = conf_error_format(&error);
                if (asprintf(&reason, "verifier output refused: %s", strna(text)) < 0)
                        return;
                verifier_run_finish(run, false, reason, false);
                return;
        }

        r = verdict_lookup(verdicts, d->info->sysname, run->digest, &approve, &device_reason);
        if (r == -ESTALE)
                reason = strdup("verifier judged other evidence");
        else if (r < 0)
                reason = strdup("verifier gave no verdict for this device");
        else if (device_reason)
                reason = strdup(device_reason);
        verifier_run_finish(run, r >= 0 && approve, reason, r >= 0 && verdicts->lock_topology);
}

static int verifier_on_child(sd_event_source *s, const siginfo_t *si, void *userdata) {
        VerifierRun *run = userdata;

        /* The child is gone; drain what is left of its output first. */
        for (;;) {
                char buf[4096];
                ssize_t n = read(run->stdout_fd, buf, sizeof(buf));
                if (n <= 0)
                        break;
                if (run->output_size + (size_t) n > VERIFIER_OUTPUT_MAX) {
                        run->output_overflow = true;
                        break;
                }
                char *t = realloc(run->output, run->output_size + (size_t) n + 1);
                if (!t)
                        break;
                run->output = t;
                memcpy(run->output + run->output_size, buf, (size_t) n);
                run->output_size += (size_t) n;
                run->output[run->output_size] = '\0';
        }

        run->child_source = sd_event_source_disable_unref(run->child_source);
        verifier_run_judge(run, si);
        return 0;
}

static int verifier_on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        VerifierRun *run = userdata;
        char buf[16384];
        ssize_t n;

        n = read(fd, buf, sizeof(buf));
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : -errno;
        if (n == 0) {
                run->out_source = sd_event_source_disable_unref(run->out_source);
                return 0;
        }
        if (run->output_size + (size_t) n > VERIFIER_OUTPUT_MAX) {
                /* Stop reading; the child blocks or exits, and the verdict is a reject. */
                run->output_overflow = true;
                run->out_source = sd_event_source_disable_unref(run->out_source);
                return 0;
        }

        char *t = realloc(run->output, run->output_size + (size_t) n + 1);
        if (!t)
                return -ENOMEM;
        run->output = t;
        memcpy(run->output + run->output_size, buf, (size_t) n);
        run->output_size += (size_t) n;
        run->output[run->output_size] = '\0';
        return 0;
}

static int verifier_on_input(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        VerifierRun *run = userdata;
        ssize_t n;

        if (revents & (EPOLLERR | EPOLLHUP))
                n = -1, errno = EPIPE;
        else
                n = write(fd, run->input + run->input_written, run->input_size - run->input_written);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                /* The verifier closed its stdin early: its verdict still decides. */
                log_debug_errno(-errno, "Verifier stopped reading its input: %m");
                n = (ssize_t) (run->input_size - run->input_written);
        }
        run->input_written += (size_t) n;
        if (run->input_written >= run->input_size) {
                run->in_source = sd_event_source_disable_unref(run->in_source);
                (void) close(run->stdin_fd);
                run->stdin_fd = -EBADF;
        }
        return 0;
}

static BundleIds bundle_ids_from_info(const DeviceInfo *info) {
        return (BundleIds) {
                .mask = info->ids,
                .vendor = info->vendor,
                .device = info->device,
                .subsystem_vendor = info->subsystem_vendor,
                .subsystem_device = info->subsystem_device,
                .class = info->class,
        };
}

static int verifier_build_bundle(Manager *m, Device *d, char **ret_json, size_t *ret_size,
                                 char ret_bundle_digest[SHA384_STRING_MAX]) {
        DeviceContext *ctx = device_get_context(m, d);
        _cleanup_free_ BundleTopologyEntry *topology = NULL;
        size_t n = 0;
        Device *t;

        if (!ctx || !ctx->evidence)
                return -ENOMEM;

        topology = calloc(MAX(registry_size(m->registry), 1U), sizeof(BundleTopologyEntry));
        if (!topology)
                return -ENOMEM;
        HASHMAP_FOREACH(t, m->registry->devices)
                topology[n++] = (BundleTopologyEntry) {
                        .device = t->info->sysname,
                        .bus = t->info->bus,
                        .ids = bundle_ids_from_info(t->info),
                        .driver = t->info->driver,
                        .state = device_state_to_string(t->state),
                };

        BundleDevice device = {
                .device = d->info->sysname,
                .bus = d->info->bus,
                .ids = bundle_ids_from_info(d->info),
                .modalias = d->info->modalias,
                .tsm = m->tsm.name,
                .evidence = ctx->evidence,
        };
        return bundle_build(&device, 1, topology, n, ctx->nonce, sizeof(ctx->nonce), ret_json, ret_size,
                            ret_bundle_digest);
}

static int verifier_exec(Manager *m, Device *d, const char *path, const char *digest, Outcome *o) {
        DeviceContext *ctx = device_get_context(m, d);
        VerifierRun *run = NULL;
        int in_pipe[2] = { -EBADF, -EBADF }, out_pipe[2] = { -EBADF, -EBADF };
        pid_t pid;
        int r;

        if (!ctx)
                return -ENOMEM;
        ctx->verifier = verifier_run_free(ctx->verifier);

        run = calloc(1, sizeof(VerifierRun));
        if (!run)
                return -ENOMEM;
        *run = (VerifierRun) { .manager = m, .stdin_fd = -EBADF, .stdout_fd = -EBADF };
        run->syspath = strdup(d->info->syspath);
        run->digest = strdup(digest);
        if (!run->syspath || !run->digest) {
                r = -ENOMEM;
                goto fail;
        }

        r = verifier_build_bundle(m, d, &run->input, &run->input_size, run->bundle_digest);
        if (r < 0)
                goto fail;

        if (pipe2(in_pipe, O_CLOEXEC) < 0 || pipe2(out_pipe, O_CLOEXEC) < 0) {
                r = -errno;
                goto fail;
        }

        pid = fork();
        if (pid < 0) {
                r = -errno;
                goto fail;
        }
        if (pid == 0) {
                sigset_t none;

                /* The child: stdin and stdout are the pipes, stderr stays ours (the journal). */
                if (dup2(in_pipe[0], STDIN_FILENO) < 0 || dup2(out_pipe[1], STDOUT_FILENO) < 0)
                        _exit(127);
                sigemptyset(&none);
                (void) sigprocmask(SIG_SETMASK, &none, NULL);
                /* tdispd ignores SIGPIPE; an ignored signal would stay ignored across exec. */
                (void) signal(SIGPIPE, SIG_DFL);
                execl(path, path, (char *) NULL);
                fprintf(stderr, "tdispd: cannot execute verifier '%s': %m\n", path);
                _exit(127);
        }

        (void) close(in_pipe[0]);
        (void) close(out_pipe[1]);
        run->pid = pid;
        run->stdin_fd = in_pipe[1];
        run->stdout_fd = out_pipe[0];
        in_pipe[1] = out_pipe[0] = -EBADF;
        (void) fcntl(run->stdin_fd, F_SETFL, O_NONBLOCK);
        (void) fcntl(run->stdout_fd, F_SETFL, O_NONBLOCK);

        r = sd_event_add_child(m->event, &run->child_source, pid, WEXITED, verifier_on_child, run);
        if (r >= 0)
                r = sd_event_add_io(m->event, &run->in_source, run->stdin_fd, EPOLLOUT, verifier_on_input, run);
        if (r >= 0)
                r = sd_event_add_io(m->event, &run->out_source, run->stdout_fd, EPOLLIN, verifier_on_output, run);
        if (r < 0) {
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                goto fail;
        }

        ctx->verifier = run;
        log_device_info(d->info->sysname, "asked verifier %s about evidence %s (%zu byte bundle, pid %i).",
                        path, digest, run->input_size, (int) pid);
        return 0;

fail:
        for (size_t i = 0; i < 2; i++) {
                if (in_pipe[i] >= 0)
                        (void) close(in_pipe[i]);
                if (out_pipe[i] >= 0)
                        (void) close(out_pipe[i]);
        }
        verifier_run_free(run);
        log_device_error_errno(d->info->sysname, r, "cannot run verifier %s: %m", path);
        return device_dispatch(m->registry, d,
                               &(DeviceEvent) { .type = DEVICE_EVENT_VERDICT, .approve = false, .digest = digest,
                                                .reason = "the verifier could not be started" },
                               o);
}

int verifier_request(Manager *m, Device *d, const char *digest, Outcome *o) {
        const VerifierSpec *spec = verifier_for(m, d);

        switch (spec->kind) {
        case VERIFIER_EXEC:
                return verifier_exec(m, d, spec->path, digest, o);
        case VERIFIER_LOCAL:
                return verifier_local(m, d, spec->path, digest, o);
        case VERIFIER_PUSH:
                log_device_notice(d->info->sysname,
                                  "awaiting a verdict through the API on evidence %s "
                                  "(tdispctl evidence %s; tdispctl approve %s --digest %s).",
                                  digest, d->info->sysname, d->info->sysname, digest);
                return 0;
        case VERIFIER_NONE:
                log_verdict(d, "no relying party (Verifier=)", false, digest, "no relying party is configured");
                return device_dispatch(m->registry, d,
                                       &(DeviceEvent) { .type = DEVICE_EVENT_VERDICT, .approve = false, .digest = digest,
                                                        .reason = "no relying party is configured (Verifier=)" },
                                       o);
        case _VERIFIER_KIND_MAX:
        case _VERIFIER_KIND_INVALID:
                break;
        }
        return -EINVAL;
}

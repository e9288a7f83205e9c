/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-pipeline.c — the TDISP pipeline (prepare → lock → evidence → verdict → accept → bind) and the
 * topology lock against the kernel model, with every fault the issue names, then 10,000 seeded
 * random event sequences; invariants 1–5 are checked after every single step. */

#undef NDEBUG
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel-model.h"
#include "test-support.h"
#include "persist.h"
#include "strv.h"

typedef struct Fixture {
        Config *config;
        Policy *policy;
        KernelModel model;
        ModelDevice *tdi;
        StateFile *saved;       /* what the last restart read back (the registry borrows from it) */
        unsigned restarts;
        char *last_saved;       /* the state file as the daemon last wrote it (after a whole event) */
        size_t last_saved_size;
        bool save_pending;      /* a coalesced write is due (the daemon's STATE_SAVE_DELAY_USEC timer) */
} Fixture;

#define TEST_BOOT_ID "00112233445566778899aabbccddeeff"

/* What the daemon does once an event is fully handled: write the state file. */
static int fixture_save(Fixture *f) {
        _cleanup_(state_file_freep) StateFile *s = NULL;
        int r;

        r = persist_snapshot(f->model.registry, TEST_BOOT_ID, 1, &s);
        if (r < 0)
                return r;
        free(f->last_saved);
        f->last_saved = NULL;
        f->save_pending = false;
        return state_file_serialize(s, &f->last_saved, &f->last_saved_size);
}

/* What the daemon writes after a handled event (src/daemon/state.c): at once when a change restoring
 * relies on happened, otherwise later — here when timers fire next, or never if it is killed first. */
static int fixture_after_event(Fixture *f, bool was_locked) {
        bool urgent = f->model.urgent_changes > 0 || f->model.registry->topology_locked != was_locked;

        if (f->model.state_changes > 0)
                f->save_pending = true;
        f->model.state_changes = f->model.urgent_changes = 0;
        return urgent ? fixture_save(f) : 0;
}

/* The daemon at READY=1: the first write delays it only when the file would hold something a restart
 * relies on. */
static int fixture_ready(Fixture *f) {
        f->model.state_changes = f->model.urgent_changes = 0;
        if (persist_state_is_precious(f->model.registry))
                return fixture_save(f);
        f->save_pending = true;
        return 0;
}


static void check(Fixture *f) {
        if (!model_check_invariants(&f->model)) {
                fprintf(stderr, "invariant violated: %s\n", f->model.last_error);
                abort();
        }
}

static const ModelDriver prepare_driver = { .name = "ccprepare_test", .module = "ccprepare_test" };

/* One TDISP device (QEMU pci-testdev, 1b36:0005) whose rule says accept, and a virtio NIC. */
static void fixture_init(Fixture *f, const char *tdi_policy) {
        *f = (Fixture) {};
        assert(config_new(&f->config) >= 0);
        f->config->pipeline_attempts = 3;
        f->config->verifier_timeout_usec = 30 * 1000 * 1000;
        f->config->prepare_timeout_usec = 10 * 1000 * 1000;
        assert(strv_split_whitespace("virtio_pci", &f->config->trusted_drivers) >= 0);
        assert(policy_new(&f->policy) >= 0);
        test_add_rule(f->policy, "10-tdi.policy", tdi_policy);
        test_add_rule(f->policy, "20-virtio.policy", "[Match]\nVendor=0x1af4\n[Policy]\nAction=shared\n");

        f->tdi = model_add_device(&f->model, "/sys/devices/pci0000:00/0000:00:05.0", "pci", 0x1b36, 0x0005);
        f->tdi->tdisp = true;
        f->tdi->prepare = &prepare_driver;
        model_device_add_candidate(f->tdi, "pci_testdev_drv", "pci_testdev_drv");
        model_device_add_candidate(f->tdi, "virtio_pci", "virtio_pci");
        ModelDevice *nic = model_add_device(&f->model, "/sys/devices/pci0000:00/0000:00:02.0", "pci", 0x1af4, 0x1041);
        model_device_add_candidate(nic, "virtio_pci", "virtio_pci");
}

static void fixture_start(Fixture *f) {
        Outcome o = {};

        assert(registry_new(f->config, f->policy, &f->model.registry) >= 0);
        f->model.registry->tsm_ready = true;
        for (unsigned i = 0; i < f->model.n_devices; i++) {
                ModelDevice *md = &f->model.devices[i];
                if (!md->present)
                        continue;
                assert(registry_add(f->model.registry, model_device_info(md), &o, NULL) >= 0);
                assert(model_run(&f->model, &o) >= 0);
        }
        check(f);
        assert(fixture_ready(f) >= 0);
}

static void fixture_done(Fixture *f) {
        registry_free(f->model.registry);
        state_file_free(f->saved);
        free(f->last_saved);
        policy_free(f->policy);
        config_free(f->config);
}

static Device *tdi_device(Fixture *f) {
        Device *d = registry_get(f->model.registry, f->tdi->syspath);
        assert(d);
        return d;
}

/* Each step is one handled event: the daemon then writes its state file, or schedules the write (a
 * restart right after a step sees what the daemon would have written by then). */
static void step_verdicts(Fixture *f) {
        bool was_locked = f->model.registry->topology_locked;

        assert(model_deliver_verdicts(&f->model) >= 0);
        check(f);
        assert(fixture_after_event(f, was_locked) >= 0);
}

static void step_timers(Fixture *f) {
        bool was_locked = f->model.registry->topology_locked;

        if (f->save_pending)
                assert(fixture_save(f) >= 0);
        assert(model_fire_timers(&f->model) >= 0);
        check(f);
        assert(fixture_after_event(f, was_locked) >= 0);
}

#define ACCEPT_RULE "[Match]\nVendor=0x1b36\nDevice=0x0005\n[Policy]\nAction=accept\nDriver=pci_testdev_drv\n"

static void test_accept(void) {
        Fixture f;

        fixture_init(&f, ACCEPT_RULE);
        fixture_start(&f);
        /* Prepared (probed once, then unbound), locked, evidence read, waiting for the verdict. */
        assert(f.tdi->prepare_probes == 1);
        assert(f.tdi->tdisp_state == MODEL_TDISP_LOCKED);
        assert(!f.tdi->bound);
        assert(tdi_device(&f)->state == DEVICE_ATTESTING);
        assert(f.tdi->verdict_pending);

        step_verdicts(&f);
        assert(tdi_device(&f)->state == DEVICE_RUNNING);
        assert(f.tdi->tdisp_state == MODEL_TDISP_RUN);
        assert(f.tdi->accepts_this_lock == 1);
        assert(streq(f.tdi->bound->name, "pci_testdev_drv"));
        assert(streq(f.tdi->override, "pci_testdev_drv"));
        fixture_done(&f);
}

static void test_prepare_no(void) {
        Fixture f;

        fixture_init(&f, ACCEPT_RULE "Prepare=no\n");
        fixture_start(&f);
        assert(f.tdi->prepare_probes == 0);
        step_verdicts(&f);
        assert(tdi_device(&f)->state == DEVICE_RUNNING);
        fixture_done(&f);
}

static void test_reject_falls_back(void) {
        static const struct {
                const char *on_reject;
                DeviceState state;
                const char *driver;
        } cases[] = {
                { "", DEVICE_DENIED, NULL },
                { "OnReject=deny\n", DEVICE_DENIED, NULL },
                { "OnReject=shared\n", DEVICE_BOUND, "virtio_pci" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char rule[512];
                Fixture f;

                snprintf(rule, sizeof(rule), "[Match]\nVendor=0x1b36\n[Policy]\nAction=accept\n%s", cases[i].on_reject);
                fixture_init(&f, rule);
                f.model.verifier = MODEL_VERIFIER_REJECT;
                fixture_start(&f);
                step_verdicts(&f);

                Device *d = tdi_device(&f);
                if (d->state != cases[i].state)
                        fprintf(stderr, "case %zu: state %s, reason %s\n", i, device_state_to_string(d->state),
                                strna(d->reason));
                assert(d->state == cases[i].state);
                assert(f.tdi->tdisp_state == MODEL_TDISP_UNLOCKED);
                assert(f.tdi->accepts_this_lock == 0);
                assert(strstr(d->reason, "rejected by the relying party: model says no"));
                assert(streq_ptr(f.tdi->bound ? f.tdi->bound->name : NULL, cases[i].driver));
                /* A reject is final: no second attempt. */
                assert(f.tdi->lock_generation == 1);
                fixture_done(&f);
        }
}

static void test_verifier_timeout(void) {
        Fixture f;

        fixture_init(&f, ACCEPT_RULE);
        f.model.verifier = MODEL_VERIFIER_SILENT;
        fixture_start(&f);

        /* Each attempt: no verdict → timeout → unlock → backoff → again; then fall back. */
        for (unsigned i = 0; i < 20; i++) {
                step_verdicts(&f);
                step_timers(&f);
        }
        Device *d = tdi_device(&f);
        assert(d->state == DEVICE_DENIED);
        assert(strstr(d->reason, "no verdict from the relying party in time"));
        assert(f.tdi->lock_generation == f.config->pipeline_attempts);
        assert(f.tdi->tdisp_state == MODEL_TDISP_UNLOCKED);
        fixture_done(&f);
}

static void test_faults_then_success(void) {
        static const int lock_errors[] = { -EBUSY, -EINTR, -EIO };
        Fixture f;

        for (size_t i = 0; i < ELEMENTSOF(lock_errors); i++) {
                fixture_init(&f, ACCEPT_RULE);
                f.tdi->lock_error = lock_errors[i];
                fixture_start(&f);
                assert(tdi_device(&f)->state == DEVICE_RETRY_WAIT);
                assert(strstr(tdi_device(&f)->reason, "lock failed"));
                step_timers(&f);
                step_verdicts(&f);
                assert(tdi_device(&f)->state == DEVICE_RUNNING);
                fixture_done(&f);
        }

        /* Evidence that changed mid-read (-EAGAIN after the backend's own retries). */
        fixture_init(&f, ACCEPT_RULE);
        f.tdi->evidence_error = -EAGAIN;
        fixture_start(&f);
        assert(tdi_device(&f)->state == DEVICE_RETRY_WAIT);
        assert(f.tdi->tdisp_state == MODEL_TDISP_UNLOCKED);
        step_timers(&f);
        step_verdicts(&f);
        assert(tdi_device(&f)->state == DEVICE_RUNNING);
        assert(f.tdi->lock_generation == 2);
        fixture_done(&f);

        /* Accept failing. */
        fixture_init(&f, ACCEPT_RULE);
        f.tdi->accept_error = -EIO;
        fixture_start(&f);
        step_verdicts(&f);
        assert(tdi_device(&f)->state == DEVICE_RETRY_WAIT);
        assert(strstr(tdi_device(&f)->reason, "accept failed"));
        step_timers(&f);
        step_verdicts(&f);
        assert(tdi_device(&f)->state == DEVICE_RUNNING);
        assert(f.tdi->accepts_this_lock == 1);
        fixture_done(&f);
}

static void test_stale_verdict(void) {
        Fixture f;

        fixture_init(&f, ACCEPT_RULE);
        f.model.verifier = MODEL_VERIFIER_STALE;
        fixture_start(&f);
        step_verdicts(&f);
        /* Refused: still waiting, never accepted. */
        assert(tdi_device(&f)->state == DEVICE_ATTESTING);
        assert(f.tdi->accepts_this_lock == 0);

        /* A verdict for evidence of a previous lock, delivered directly, is refused too. */
        Outcome o = {};
        assert(device_dispatch(f.model.registry, tdi_device(&f),
                               &(DeviceEvent) { .type = DEVICE_EVENT_VERDICT, .approve = true,
                                                .digest = "sha384:old" },
                               &o) == -ESTALE);
        assert(o.n_records == 1 && o.records[0].type == RECORD_STALE_VERDICT);
        outcome_done(&o);
        assert(tdi_device(&f)->state == DEVICE_ATTESTING);
        fixture_done(&f);
}

static void test_removed_mid_pipeline(void) {
        Fixture f;

        fixture_init(&f, ACCEPT_RULE);
        fixture_start(&f);
        assert(model_unplug(&f.model, f.tdi) >= 0);
        assert(!registry_get(f.model.registry, f.tdi->syspath));
        step_verdicts(&f);      /* the pending verdict finds no device */
        step_timers(&f);
        fixture_done(&f);
}

static bool all_tdisp(const Device *d, void *userdata) {
        return true;
}

static void test_late_tsm(void) {
        Fixture f;
        Outcome o = {};

        fixture_init(&f, ACCEPT_RULE);
        f.tdi->tdisp = false;           /* no tsm/ group yet */
        f.model.devices[1].present = false;
        assert(registry_new(f.config, f.policy, &f.model.registry) >= 0);
        assert(registry_add(f.model.registry, model_device_info(f.tdi), &o, NULL) >= 0);
        assert(model_run(&f.model, &o) >= 0);
        assert(tdi_device(&f)->state == DEVICE_WAITING_TSM);
        assert(streq(f.tdi->override, "none"));

        f.tdi->tdisp = true;
        assert(registry_set_tsm_ready(f.model.registry, all_tdisp, NULL, &o) >= 0);
        assert(model_run(&f.model, &o) >= 0);
        assert(tdi_device(&f)->state == DEVICE_ATTESTING);
        step_verdicts(&f);
        assert(tdi_device(&f)->state == DEVICE_RUNNING);
        fixture_done(&f);
}

/* A TDISP=no rule that would share the device must not apply before the TSM has said which devices
 * offer TDISP: the device waits driverless, then is decided for real. */
static void test_tdisp_rule_waits_for_tsm(void) {
        Fixture f;
        Outcome o = {};

        fixture_init(&f, "[Match]\nVendor=0x1b36\nTDISP=yes\n[Policy]\nAction=accept\nDriver=pci_testdev_drv\n");
        test_add_rule(f.policy, "15-no-tdisp.policy",
                      "[Match]\nVendor=0x1b36\nTDISP=no\n[Policy]\nAction=shared\nDriver=pci_testdev_drv\n");
        f.tdi->tdisp = false;
        f.model.devices[1].present = false;
        assert(registry_new(f.config, f.policy, &f.model.registry) >= 0);
        assert(registry_add(f.model.registry, model_device_info(f.tdi), &o, NULL) >= 0);
        assert(model_run(&f.model, &o) >= 0);
        assert(tdi_device(&f)->state == DEVICE_WAITING_TSM);
        assert(!f.tdi->bound && f.model.binds == 0);

        f.tdi->tdisp = true;
        assert(registry_set_tsm_ready(f.model.registry, all_tdisp, NULL, &o) >= 0);
        assert(model_run(&f.model, &o) >= 0);
        assert(tdi_device(&f)->decision.action == POLICY_ACTION_ACCEPT);
        step_verdicts(&f);
        assert(tdi_device(&f)->state == DEVICE_RUNNING);
        fixture_done(&f);
}

/* A virtio NIC that is not there yet: hot-added later by the test. */
static ModelDevice *add_absent_nic(Fixture *f) {
        ModelDevice *md = model_add_device(&f->model, "/sys/devices/pci0000:00/0000:00:09.0", "pci", 0x1af4, 0x1041);

        model_device_add_candidate(md, "virtio_pci", "virtio_pci");
        md->present = false;
        return md;
}

static void test_topology_lock(void) {
        Fixture f;
        Outcome o = {};

        fixture_init(&f, ACCEPT_RULE);
        ModelDevice *late = add_absent_nic(&f);
        fixture_start(&f);
        step_verdicts(&f);

        assert(registry_lock_topology(f.model.registry, 1, &o) == 0);
        assert(o.n_records == 1 && o.records[0].type == RECORD_TOPOLOGY_LOCKED);
        outcome_done(&o);
        assert(registry_lock_topology(f.model.registry, 1, &o) == -EALREADY);

        /* Hot-added, and on 6.1 already bound by the kernel: unbound, denied, reported. */
        assert(model_hotplug(&f.model, late, 0) >= 0);
        check(&f);
        Device *d = registry_get(f.model.registry, late->syspath);
        assert(d->state == DEVICE_DENIED && !late->bound && d->topology_intruder);

        /* What an in-snapshot device's driver creates after the lock belongs (another bus); what the
         * host plugs in behind it does not (the same bus); the kernel's virtual devices never count. */
        ModelDevice *child = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:05.0/virtio7", "virtio",
                                              0x1af4, 1);
        model_device_add_candidate(child, "virtio_net", "virtio_net");
        child->present = false;
        assert(model_hotplug(&f.model, child, -1) >= 0);
        child->intruder = false;
        assert(!registry_get(f.model.registry, child->syspath)->topology_intruder);
        ModelDevice *behind = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:05.0/0000:05:00.0", "pci",
                                               0x1af4, 0x1041);
        behind->present = false;
        assert(model_hotplug(&f.model, behind, -1) >= 0);
        assert(registry_get(f.model.registry, behind->syspath)->topology_intruder);
        ModelDevice *wq = model_add_device(&f.model, "/sys/devices/virtual/workqueue/nvme-wq", "workqueue", 0, 0);
        wq->present = false;
        assert(model_hotplug(&f.model, wq, -1) >= 0);
        wq->intruder = false;
        assert(!registry_get(f.model.registry, wq->syspath)->topology_intruder);

        /* A module's platform device (cfg80211's regulatory.0) is the kernel's, both ways; one that
         * ACPI describes was presented by the host. */
        ModelDevice *regulatory = model_add_device(&f.model, "/sys/devices/platform/regulatory.0", "platform", 0, 0);
        regulatory->present = false;
        assert(model_hotplug(&f.model, regulatory, -1) >= 0);
        regulatory->intruder = false;
        assert(!registry_get(f.model.registry, regulatory->syspath)->topology_intruder);
        registry_remove(f.model.registry, registry_get(f.model.registry, regulatory->syspath), &o);
        assert(o.n_records == 0);
        regulatory->present = false;
        ModelDevice *acpi_made = model_add_device(&f.model, "/sys/devices/platform/PNP0C0C:00", "platform", 0, 0);
        acpi_made->firmware_described = true;
        acpi_made->present = false;
        assert(model_hotplug(&f.model, acpi_made, -1) >= 0);
        assert(registry_get(f.model.registry, acpi_made->syspath)->topology_intruder);
        check(&f);

        /* A locked device that disappears is reported. */
        Device *tdi = tdi_device(&f);
        registry_remove(f.model.registry, tdi, &o);
        assert(o.n_records == 1 && o.records[0].type == RECORD_TOPOLOGY_VIOLATION && !o.records[0].appeared);
        assert(streq(o.records[0].subject, "0000:00:05.0"));
        outcome_done(&o);
        f.tdi->present = false;
        fixture_done(&f);
}

static void test_revalidate(void) {
        Fixture f;
        Outcome o = {};

        fixture_init(&f, ACCEPT_RULE);
        fixture_start(&f);
        step_verdicts(&f);
        assert(tdi_device(&f)->state == DEVICE_RUNNING);

        /* The operator asks: unbind → unlock → prepare → lock → evidence → verdict → accept → bind. */
        assert(device_dispatch(f.model.registry, tdi_device(&f), &(DeviceEvent) { .type = DEVICE_EVENT_REVALIDATE },
                               &o) >= 0);
        assert(model_run(&f.model, &o) >= 0);
        check(&f);
        step_timers(&f);
        step_verdicts(&f);
        assert(tdi_device(&f)->state == DEVICE_RUNNING);
        assert(f.tdi->lock_generation == 2 && f.tdi->accepts_this_lock == 1 && f.tdi->prepare_probes == 2);

        /* An error is detected (the driver went away): the same way round. */
        f.tdi->bound = NULL;
        f.tdi->tdisp_state = MODEL_TDISP_ERROR;
        assert(device_dispatch(f.model.registry, tdi_device(&f),
                               &(DeviceEvent) { .type = DEVICE_EVENT_DRIVER_UNBOUND }, &o) >= 0);
        assert(model_run(&f.model, &o) >= 0);
        check(&f);
        step_timers(&f);
        step_verdicts(&f);
        assert(tdi_device(&f)->state == DEVICE_RUNNING);
        assert(f.tdi->lock_generation == 3);
        fixture_done(&f);
}

static int path_depth_compare(const void *a, const void *b) {
        const ModelDevice *x = *(ModelDevice *const *) a, *y = *(ModelDevice *const *) b;
        size_t dx = 0, dy = 0;

        for (const char *p = x->syspath; *p; p++)
                dx += *p == '/';
        for (const char *p = y->syspath; *p; p++)
                dy += *p == '/';
        return dx != dy ? (dx < dy ? -1 : 1) : strcmp(x->syspath, y->syspath);
}

/* kill -9 and start again: the state file goes through its JSON form (or is lost, or corrupt),
 * the registry is rebuilt from what the model's sysfs shows plus that file. corrupt: 0 intact,
 * 1 missing, 2 one byte flipped. */
static int fixture_restart(Fixture *f, unsigned corrupt) {
        _cleanup_free_ char *text = NULL;
        StateFile *parsed = NULL;
        ModelDevice *present[MODEL_DEVICES_MAX];
        size_t size, n = 0;
        bool was_locked = f->model.registry->topology_locked;
        Outcome o = {};
        int r;

        /* The file as last written: a crash mid-event leaves the kernel ahead of it. None written yet
         * is a missing file. */
        if (!f->last_saved)
                corrupt = 1;
        if (corrupt == 1)
                f->last_saved = mfree(f->last_saved);
        size = f->last_saved ? f->last_saved_size : 0;
        text = malloc(size + 1);
        if (!text)
                return -ENOMEM;
        if (size > 0)
                memcpy(text, f->last_saved, size);
        text[size] = '\0';
        f->model.crash_countdown = 0;
        if (corrupt == 2 && size > 0)
                text[size / 2] ^= 0x20;
        if (corrupt != 1) {
                ConfError e = {};
                if (state_file_parse(text, size, "state.json", &parsed, &e) < 0)
                        parsed = NULL; /* the daemon reports it and trusts nothing */
                conf_error_done(&e);
        }

        registry_free(f->model.registry);
        state_file_free(f->saved);
        f->saved = parsed;
        f->restarts++;

        r = registry_new(f->config, f->policy, &f->model.registry);
        if (r < 0)
                return r;
        f->model.registry->tsm_ready = true;
        r = persist_restore_topology(f->model.registry, f->saved, &o);
        if (r < 0)
                return r;
        r = model_run(&f->model, &o);
        if (r < 0)
                return r;

        for (unsigned i = 0; i < f->model.n_devices; i++)
                if (f->model.devices[i].present)
                        present[n++] = &f->model.devices[i];
        qsort(present, n, sizeof(ModelDevice *), path_depth_compare);

        for (size_t i = 0; i < n; i++) {
                ModelDevice *md = present[i];
                TsmFacts tsm = {
                        .locked = md->tdisp && md->tdisp_state != MODEL_TDISP_UNLOCKED,
                        /* ERROR is not reported: accept keeps reading 1 (kernel-abi.md §3). */
                        .accepted = md->tdisp && IN_SET(md->tdisp_state, MODEL_TDISP_RUN, MODEL_TDISP_ERROR),
                };

                /* Timers and the verifier died with the old instance. */
                f->model.pending_timer[md - f->model.devices] = false;
                md->verdict_pending = false;
                r = persist_add_device(f->model.registry, model_device_info(md), &tsm, f->saved, &o, NULL);
                if (r < 0) {
                        outcome_done(&o);
                        return r;
                }
                r = model_run(&f->model, &o);
                if (r < 0)
                        return r;
        }
        persist_finish_restore(f->model.registry);

        /* As the daemon does: a state file that exists but does not parse may hide a topology lock,
         * so the topology is locked at once with the devices present now. A missing file is a first
         * start. Either way the previous snapshot is gone: devices present now are in the new one. */
        if (!f->saved) {
                for (unsigned i = 0; i < f->model.n_devices; i++)
                        f->model.devices[i].intruder = false;
                if (corrupt == 2 || (corrupt == 0 && was_locked)) {
                        r = registry_lock_topology(f->model.registry, 1, &o);
                        outcome_done(&o);
                        if (r < 0 && r != -EALREADY)
                                return r;
                }
        }
        return fixture_ready(f);
}

/* Which changes the daemon writes at once (state.c): those restoring relies on. */
static void test_state_writes(void) {
        Fixture f;
        Outcome o = {};

        /* Nothing that asks for TDISP: nothing a restart relies on, the first write does not delay
         * READY=1, and a device coming and going is written later, coalesced. */
        fixture_init(&f, "[Match]\nVendor=0x1b36\n[Policy]\nAction=shared\nDriver=pci_testdev_drv\n");
        fixture_start(&f);
        assert(!persist_state_is_precious(f.model.registry));
        assert(!f.last_saved && f.save_pending);
        ModelDevice *nic = model_find(&f.model, "/sys/devices/pci0000:00/0000:00:02.0");
        assert(model_unplug(&f.model, nic) >= 0);
        assert(model_hotplug(&f.model, nic, -1) >= 0);
        assert(f.model.state_changes > 0 && f.model.urgent_changes == 0);
        f.model.state_changes = 0;

        /* The topology lock, and after it a device leaving or arriving: at once. */
        assert(registry_lock_topology(f.model.registry, 1, &o) == 0);
        assert(model_run(&f.model, &o) >= 0);
        assert(f.model.urgent_changes == 1);
        assert(persist_state_is_precious(f.model.registry));
        f.model.urgent_changes = 0;
        assert(model_unplug(&f.model, nic) >= 0);
        assert(f.model.urgent_changes == 1);
        assert(model_hotplug(&f.model, nic, -1) >= 0);
        assert(f.model.urgent_changes >= 2);
        fixture_done(&f);

        /* A TDISP device is locked by the first pass: written before READY=1, and every step of its
         * pipeline (the approval, the acceptance) at once. */
        fixture_init(&f, ACCEPT_RULE);
        fixture_start(&f);
        assert(persist_state_is_precious(f.model.registry));
        assert(f.last_saved && !f.save_pending);
        assert(model_deliver_verdicts(&f.model) >= 0);
        assert(tdi_device(&f)->state == DEVICE_RUNNING);
        assert(f.model.urgent_changes > 0 && f.model.urgent_changes == f.model.state_changes);
        fixture_done(&f);
}

static void test_restart_keeps_accepted_device(void) {
        Fixture f;

        fixture_init(&f, ACCEPT_RULE);
        fixture_start(&f);
        step_verdicts(&f);
        assert(tdi_device(&f)->state == DEVICE_RUNNING);

        /* With its state file: carries on, no second accept, no re-attestation. */
        assert(fixture_restart(&f, 0) >= 0);
        check(&f);
        assert(tdi_device(&f)->state == DEVICE_RUNNING);
        assert(f.tdi->lock_generation == 1 && f.tdi->accepts_this_lock == 1);

        /* Without it (or with a corrupt one): nothing is trusted; unbind, unlock, attest again. */
        for (unsigned corrupt = 1; corrupt <= 2; corrupt++) {
                unsigned generation = f.tdi->lock_generation;

                assert(fixture_restart(&f, corrupt) >= 0);
                check(&f);
                if (f.saved)
                        continue; /* the flipped byte landed somewhere harmless (inside a string) */
                step_timers(&f);
                step_verdicts(&f);
                assert(tdi_device(&f)->state == DEVICE_RUNNING);
                assert(f.tdi->lock_generation == generation + 1 && f.tdi->accepts_this_lock == 1);
        }
        fixture_done(&f);
}

static void test_restart_between_lock_and_accept(void) {
        Fixture f;

        fixture_init(&f, ACCEPT_RULE);
        fixture_start(&f);
        assert(tdi_device(&f)->state == DEVICE_ATTESTING && f.tdi->tdisp_state == MODEL_TDISP_LOCKED);

        /* kill -9 between lock and accept, with the state file intact: still unlock and start over,
         * since nothing proves the evidence was read under this very lock. */
        assert(fixture_restart(&f, 0) >= 0);
        check(&f);
        assert(f.tdi->tdisp_state == MODEL_TDISP_UNLOCKED || tdi_device(&f)->state == DEVICE_ATTESTING);
        step_timers(&f);
        step_verdicts(&f);
        assert(tdi_device(&f)->state == DEVICE_RUNNING);
        assert(f.tdi->accepts_this_lock == 1);
        fixture_done(&f);
}

static void test_restart_keeps_topology(void) {
        Fixture f;
        Outcome o = {};

        fixture_init(&f, ACCEPT_RULE);
        ModelDevice *late = add_absent_nic(&f);
        fixture_start(&f);
        assert(registry_lock_topology(f.model.registry, 1, &o) == 0);
        outcome_done(&o);
        assert(fixture_save(&f) >= 0); /* the daemon writes the snapshot at once */

        /* A device that appears while tdispd is down is an intruder after the restart, too. */
        late->present = true;
        late->bound = &late->candidates[0];
        late->intruder = true;
        assert(fixture_restart(&f, 0) >= 0);
        check(&f);
        assert(f.model.registry->topology_locked);
        assert(registry_get(f.model.registry, late->syspath)->state == DEVICE_DENIED && !late->bound);
        fixture_done(&f);
}

/* A rejection is final, a restart included: the device keeps its fallback and is not locked again.
 * Without the state file nothing is known, and attesting again is the safe default. */
static void test_restart_keeps_rejection(void) {
        static const char *const on_reject[] = { "", "OnReject=shared\n" };

        for (size_t i = 0; i < ELEMENTSOF(on_reject); i++) {
                char rule[512];
                Fixture f;

                snprintf(rule, sizeof(rule), "%s%s", ACCEPT_RULE, on_reject[i]);
                fixture_init(&f, rule);
                f.model.verifier = MODEL_VERIFIER_REJECT;
                fixture_start(&f);
                step_verdicts(&f);
                DeviceState fallback = tdi_device(&f)->state;
                assert(IN_SET(fallback, DEVICE_DENIED, DEVICE_BOUND) && f.tdi->lock_generation == 1);

                assert(fixture_restart(&f, 0) >= 0);
                check(&f);
                step_timers(&f);
                step_verdicts(&f);
                Device *d = tdi_device(&f);
                assert(d->state == fallback && d->rejected);
                assert(strstr(d->reason, "rejected by the relying party: model says no"));
                assert(f.tdi->lock_generation == 1 && f.tdi->tdisp_state == MODEL_TDISP_UNLOCKED);

                /* The state file is gone: attested again, rejected again. */
                assert(fixture_restart(&f, 1) >= 0);
                check(&f);
                step_verdicts(&f);
                assert(tdi_device(&f)->state == fallback && f.tdi->lock_generation == 2);
                fixture_done(&f);
        }
}

/* Names are unique per bus only: an ACPI device and the platform device made from it share one.
 * Both are in the snapshot, and stay there across a restart. */
static void test_restart_topology_same_name_two_buses(void) {
        Fixture f;
        Outcome o = {};

        fixture_init(&f, ACCEPT_RULE);
        ModelDevice *acpi = model_add_device(&f.model, "/sys/devices/LNXSYSTM:00/LNXSYBUS:00/QEMU0002:00", "acpi",
                                             0, 0);
        ModelDevice *platform = model_add_device(&f.model, "/sys/devices/platform/QEMU0002:00", "platform", 0, 0);
        fixture_start(&f);
        step_verdicts(&f);
        assert(registry_lock_topology(f.model.registry, 1, &o) == 0);
        outcome_done(&o);
        assert(fixture_save(&f) >= 0);

        assert(fixture_restart(&f, 0) >= 0);
        check(&f);
        assert(f.model.registry->topology_locked);
        assert(!registry_get(f.model.registry, acpi->syspath)->topology_intruder);
        assert(!registry_get(f.model.registry, platform->syspath)->topology_intruder);
        fixture_done(&f);
}

/* --- randomised --- */


#define RANDOM_STEPS 30U

static unsigned random_sequence(unsigned seed, unsigned max_steps, Trace *trace) {
        Fixture f;
        unsigned rnd = seed, failed = 0;

        fixture_init(&f, rand_r(&rnd) % 2 ? ACCEPT_RULE : ACCEPT_RULE "OnReject=shared\n");
        f.model.verifier = (ModelVerifier) (rand_r(&rnd) % 4);
        ModelDevice *tdi2 = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:06.0", "pci", 0x1b36, 0x0005);
        tdi2->tdisp = true;
        model_device_add_candidate(tdi2, "pci_testdev_drv", "pci_testdev_drv");
        tdi2->present = rand_r(&rnd) % 2;
        trace_add(trace, "seed %u, verifier %d", seed, f.model.verifier);
        fixture_start(&f);

        for (unsigned step = 0; step < max_steps; step++) {
                bool was_locked = f.model.registry->topology_locked;
                ModelDevice *md = &f.model.devices[rand_r(&rnd) % f.model.n_devices];
                unsigned what = rand_r(&rnd) % 11;
                Outcome o = {};
                Device *d;
                int r = 0;

                switch (what) {
                case 0:
                case 1:
                        trace_add(trace, "verdicts delivered");
                        r = model_deliver_verdicts(&f.model);
                        break;
                case 2:
                case 3:
                        trace_add(trace, "timers fire");
                        /* The coalesced write's timer is as short as any device timer. */
                        if (f.save_pending)
                                r = fixture_save(&f);
                        r = r < 0 ? r : model_fire_timers(&f.model);
                        break;
                case 4:
                        md->lock_error = rand_r(&rnd) % 2 ? -EBUSY : 0;
                        md->accept_error = rand_r(&rnd) % 3 == 0 ? -EIO : 0;
                        md->evidence_error = rand_r(&rnd) % 3 == 0 ? -EAGAIN : 0;
                        trace_add(trace, "faults on %s: lock %d accept %d evidence %d", md->syspath, md->lock_error,
                                  md->accept_error, md->evidence_error);
                        break;
                case 5:
                        f.model.verifier = (ModelVerifier) (rand_r(&rnd) % 4);
                        trace_add(trace, "verifier now %d", f.model.verifier);
                        break;
                case 6:
                        if (md->present) {
                                trace_add(trace, "unplug %s", md->syspath);
                                r = model_unplug(&f.model, md);
                        } else {
                                trace_add(trace, "hotplug %s", md->syspath);
                                r = model_hotplug(&f.model, md, -1);
                        }
                        break;
                case 7:
                        d = md->present ? registry_get(f.model.registry, md->syspath) : NULL;
                        if (d && d->decision.action == POLICY_ACTION_ACCEPT) {
                                trace_add(trace, "revalidate %s (%s)", md->syspath, device_state_to_string(d->state));
                                r = device_dispatch(f.model.registry, d,
                                                    &(DeviceEvent) { .type = DEVICE_EVENT_REVALIDATE }, &o);
                                r = r < 0 ? r : model_run(&f.model, &o);
                        }
                        break;
                case 8:
                        if (!f.model.registry->topology_locked && rand_r(&rnd) % 3 == 0) {
                                trace_add(trace, "lock topology");
                                r = registry_lock_topology(f.model.registry, 1, &o);
                                outcome_done(&o);
                        }
                        break;
                case 9:
                        d = md->present ? registry_get(f.model.registry, md->syspath) : NULL;
                        if (d && md->bound && d->state == DEVICE_RUNNING) {
                                trace_add(trace, "operational driver of %s lost", md->syspath);
                                md->bound = NULL;
                                md->tdisp_state = MODEL_TDISP_ERROR;
                                r = device_dispatch(f.model.registry, d,
                                                    &(DeviceEvent) { .type = DEVICE_EVENT_DRIVER_UNBOUND }, &o);
                                r = r < 0 ? r : model_run(&f.model, &o);
                        }
                        break;
                }
                if (what == 10) {
                        unsigned corrupt = rand_r(&rnd) % 4;
                        if (corrupt == 3) {
                                /* Crash inside a later event, between two of its actions. */
                                f.model.crash_countdown = 1 + rand_r(&rnd) % 3;
                                trace_add(trace, "kill -9 armed: after %u more actions", f.model.crash_countdown);
                        } else {
                                trace_add(trace, "kill -9 and restart (state file %s)",
                                          corrupt == 0 ? "intact" : corrupt == 1 ? "missing" : "corrupted");
                                r = fixture_restart(&f, corrupt);
                        }
                }
                if (r == -ECANCELED) {
                        trace_add(trace, "killed mid-event; restart from the last written state file");
                        r = fixture_restart(&f, 0);
                }
                if (r >= 0 && what != 10)
                        r = fixture_after_event(&f, was_locked);
                if (r < 0 || !model_check_invariants(&f.model)) {
                        trace_add(trace, "violated: %s (r=%d)", f.model.last_error, r);
                        failed = step + 1;
                        break;
                }
        }

        fixture_done(&f);
        return failed;
}

static void test_random(void) {
        test_random_runs("TDISP pipeline", 10000, RANDOM_STEPS, random_sequence);
}

int main(void) {
        test_accept();
        test_prepare_no();
        test_reject_falls_back();
        test_verifier_timeout();
        test_faults_then_success();
        test_stale_verdict();
        test_removed_mid_pipeline();
        test_late_tsm();
        test_tdisp_rule_waits_for_tsm();
        test_topology_lock();
        test_restart_keeps_rejection();
        test_restart_topology_same_name_two_buses();
        test_revalidate();
        test_state_writes();
        test_restart_keeps_accepted_device();
        test_restart_between_lock_and_accept();
        test_restart_keeps_topology();
        test_random();
        printf("TDISP pipeline: ok\n");
        return 0;
}

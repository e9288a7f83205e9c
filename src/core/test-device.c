/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-device.c — the device state machine against the kernel model: scenarios, then a seeded
 * randomised run that checks invariant 1 (no binding policy does not allow) after every event. */

#undef NDEBUG
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel-model.h"
#include "test-support.h"
#include "strv.h"

typedef struct Fixture {
        Config *config;
        Policy *policy;
        KernelModel model;
} Fixture;


static void fixture_init(Fixture *f, Mode mode, const char *trusted, const char *denied) {
        *f = (Fixture) {};
        assert(config_new(&f->config) >= 0);
        f->config->mode = mode;
        if (trusted)
                assert(strv_split_whitespace(trusted, &f->config->trusted_drivers) >= 0);
        if (denied)
                assert(strv_split_whitespace(denied, &f->config->denied_drivers) >= 0);
        assert(policy_new(&f->policy) >= 0);
}

static void fixture_start(Fixture *f) {
        Outcome o = {};

        assert(registry_new(f->config, f->policy, &f->model.registry) >= 0);
        /* As the daemon starts on a kernel whose TSM (if any) is up: devices without tsm/ are final. */
        f->model.registry->tsm_ready = true;

        /* Coldplug: every present device, parents first (the model adds them in that order). */
        for (unsigned i = 0; i < f->model.n_devices; i++) {
                ModelDevice *md = &f->model.devices[i];
                if (!md->present)
                        continue;
                assert(registry_add(f->model.registry, model_device_info(md), &o, NULL) >= 0);
                assert(model_run(&f->model, &o) >= 0);
        }
}

static void fixture_done(Fixture *f) {
        registry_free(f->model.registry);
        policy_free(f->policy);
        config_free(f->config);
}

static DeviceState state_of(Fixture *f, const ModelDevice *md) {
        Device *d = registry_get(f->model.registry, md->syspath);
        assert(d);
        return d->state;
}

static void check(Fixture *f) {
        if (!model_check_invariants(&f->model)) {
                fprintf(stderr, "invariant violated: %s\n", f->model.last_error);
                abort();
        }
}

static void test_default_deny(void) {
        Fixture f;
        fixture_init(&f, MODE_ENFORCE, "virtio_net", NULL);
        ModelDevice *nic = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:03.0", "pci", 0x8086, 0x10d3);
        model_device_add_candidate(nic, "e1000e", "e1000e");
        nic->bound = &nic->candidates[0];       /* bound before tdispd started */
        ModelDevice *idle = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:04.0", "pci", 0x1234, 0x11e8);

        fixture_start(&f);
        assert(nic->bound == NULL);
        assert(state_of(&f, nic) == DEVICE_DENIED);
        assert(streq(nic->override, "none"));
        assert(state_of(&f, idle) == DEVICE_DENIED);
        assert(f.model.binds == 0 && f.model.unbinds == 1);
        check(&f);
        fixture_done(&f);
}

static void test_builtin_trust(void) {
        for (int trust = 0; trust <= 1; trust++) {
                Fixture f;
                fixture_init(&f, MODE_ENFORCE, NULL, NULL);
                f.config->trust_builtin_drivers = trust;
                ModelDevice *port = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:1c.0", "pci", 0x8086,
                                                     0x2448);
                model_device_add_candidate(port, "pcieport", NULL);
                port->bound = &port->candidates[0];

                fixture_start(&f);
                assert((port->bound != NULL) == trust);
                assert(state_of(&f, port) == (trust ? DEVICE_BOUND : DEVICE_DENIED));
                check(&f);
                fixture_done(&f);
        }

        /* An explicit deny rule refuses a built-in driver even when built-ins are trusted. */
        Fixture f;
        fixture_init(&f, MODE_ENFORCE, NULL, NULL);
        test_add_rule(f.policy, "10-deny.policy", "[Match]\nVendor=0x8086\n[Policy]\nAction=deny\n");
        ModelDevice *port = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:1c.0", "pci", 0x8086, 0x2448);
        model_device_add_candidate(port, "pcieport", NULL);
        port->bound = &port->candidates[0];
        fixture_start(&f);
        assert(!port->bound);
        assert(state_of(&f, port) == DEVICE_DENIED);
        fixture_done(&f);
}

/* Properties tdispd refuses (a non-ASCII MODALIAS= from a firmware table, too many OF_COMPATIBLE_N=):
 * the device is tracked and denied with every driver, the built-in one and the one a catch-all rule
 * would allow, instead of being ignored with its driver left bound. */
static void test_unparsable(void) {
        Fixture f;
        fixture_init(&f, MODE_ENFORCE, "virtio_net", NULL);
        f.config->trust_builtin_drivers = true;
        test_add_rule(f.policy, "10-pci.policy", "[Match]\nBus=pci\n[Policy]\nAction=shared\n");
        ModelDevice *port = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:1c.0", "pci", 0x8086, 0x2448);
        model_device_add_candidate(port, "pcieport", NULL);
        port->bound = &port->candidates[0];
        port->unparsable = true;
        ModelDevice *nic = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:03.0", "pci", 0x1af4, 0x1041);
        model_device_add_candidate(nic, "virtio_net", "virtio_net");
        nic->unparsable = true;

        fixture_start(&f);
        check(&f);
        assert(!port->bound && state_of(&f, port) == DEVICE_DENIED && streq(port->override, "none"));
        assert(!nic->bound && state_of(&f, nic) == DEVICE_DENIED);
        Device *d = registry_get(f.model.registry, port->syspath);
        assert(d->decision.unparsable && streq(decision_rule_name(&d->decision), "unparsable-properties"));
        assert(decision_check_driver(f.config, &d->decision, "pcieport", NULL, true) == DRIVER_REFUSED_ACTION);

        /* The same devices with readable properties: the rule and the built-in trust apply. */
        Decision readable;
        DeviceInfo *info = device_info_copy(d->info);
        assert(info);
        info->unparsable = false;
        policy_decide(f.config, f.policy, info, &readable);
        assert(readable.action == POLICY_ACTION_SHARED && !readable.unparsable);
        device_info_free(info);
        fixture_done(&f);
}

static void test_shared_binding(void) {
        Fixture f;
        fixture_init(&f, MODE_ENFORCE, "virtio_pci virtio_net", NULL);
        test_add_rule(f.policy, "50-virtio.policy", "[Match]\nVendor=0x1af4\n[Policy]\nAction=shared\n");
        test_add_rule(f.policy, "60-virtio-bus.policy", "[Match]\nBus=virtio\n[Policy]\nAction=shared\n");
        ModelDevice *pci = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:02.0", "pci", 0x1af4, 0x1041);
        model_device_add_candidate(pci, "untrusted_first", "untrusted_first");
        model_device_add_candidate(pci, "virtio-pci", "virtio_pci");
        ModelDevice *vdev = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:02.0/virtio0", "virtio",
                                             0x1af4, 1);
        model_device_add_candidate(vdev, "virtio_net", "virtio_net");

        /* The parent's first bind is deferred: the child must wait for it. */
        pci->bind_error = -EAGAIN;
        pci->bind_error_count = 1;

        fixture_start(&f);
        assert(state_of(&f, pci) == DEVICE_BIND_DEFERRED);
        assert(state_of(&f, vdev) == DEVICE_WAITING_PARENT);
        assert(!vdev->bound);

        assert(model_fire_timers(&f.model) >= 0);
        check(&f);
        assert(state_of(&f, pci) == DEVICE_BOUND);
        assert(streq(pci->bound->name, "virtio-pci"));
        assert(streq(pci->override, "virtio-pci"));
        assert(state_of(&f, vdev) == DEVICE_BOUND);
        assert(streq(vdev->bound->name, "virtio_net"));
        fixture_done(&f);
}

static void test_untrusted_and_denied(void) {
        Fixture f;
        fixture_init(&f, MODE_ENFORCE, "e1000e", "e1000*");
        test_add_rule(f.policy, "10-nic.policy", "[Match]\nVendor=0x8086\n[Policy]\nAction=shared\nDriver=e1000e\n");
        test_add_rule(f.policy, "20-other.policy", "[Match]\nVendor=0x1234\n[Policy]\nAction=shared\n");
        ModelDevice *nic = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:03.0", "pci", 0x8086, 0x10d3);
        model_device_add_candidate(nic, "e1000e", "e1000e");
        ModelDevice *other = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:04.0", "pci", 0x1234, 0x1);
        model_device_add_candidate(other, "edu", "edu");

        fixture_start(&f);
        /* DeniedDrivers= beats the rule's explicit Driver= and TrustedDrivers=. */
        assert(!nic->bound && state_of(&f, nic) == DEVICE_NO_DRIVER);
        /* Not trusted: no driver. */
        assert(!other->bound && state_of(&f, other) == DEVICE_NO_DRIVER);
        assert(f.model.binds == 0);

        /* Someone binds the denied driver anyway: undone at once. */
        assert(model_kernel_bind(&f.model, nic, 0) >= 0);
        assert(!nic->bound);
        check(&f);
        fixture_done(&f);
}

static void test_first_match(void) {
        Fixture f;
        fixture_init(&f, MODE_ENFORCE, "e1000e", NULL);
        test_add_rule(f.policy, "10-deny.policy", "[Match]\nPath=0000:00:03.*\n[Policy]\nAction=deny\n");
        test_add_rule(f.policy, "20-allow.policy", "[Match]\nVendor=0x8086\n[Policy]\nAction=shared\n");
        ModelDevice *a = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:03.0", "pci", 0x8086, 0x10d3);
        model_device_add_candidate(a, "e1000e", "e1000e");
        ModelDevice *b = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:05.0", "pci", 0x8086, 0x10d3);
        model_device_add_candidate(b, "e1000e", "e1000e");

        fixture_start(&f);
        assert(state_of(&f, a) == DEVICE_DENIED);
        assert(streq(registry_get(f.model.registry, a->syspath)->decision.rule->filename, "10-deny.policy"));
        assert(state_of(&f, b) == DEVICE_BOUND);
        assert(streq(registry_get(f.model.registry, b->syspath)->decision.rule->filename, "20-allow.policy"));
        fixture_done(&f);
}

static void test_bind_errors(void) {
        Fixture f;
        fixture_init(&f, MODE_ENFORCE, "*", NULL);
        f.config->default_action = POLICY_ACTION_SHARED;
        ModelDevice *defer = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:03.0", "pci", 1, 1);
        model_device_add_candidate(defer, "slow", "slow");
        defer->bind_error = -EAGAIN;
        defer->bind_error_count = 100;
        ModelDevice *eio = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:04.0", "pci", 1, 2);
        model_device_add_candidate(eio, "broken", "broken");
        eio->bind_error = -EIO;
        eio->bind_error_count = 1;

        fixture_start(&f);
        assert(state_of(&f, eio) == DEVICE_FAILED);
        assert(strstr(registry_get(f.model.registry, eio->syspath)->reason, "Input/output error"));

        /* Deferral is retried with backoff, a bounded number of times. */
        for (unsigned i = 0; i < 2 * DEVICE_BIND_ATTEMPTS_MAX; i++)
                assert(model_fire_timers(&f.model) >= 0);
        assert(state_of(&f, defer) == DEVICE_FAILED);
        assert(f.model.binds == DEVICE_BIND_ATTEMPTS_MAX + 1);
        check(&f);
        fixture_done(&f);
}

static void test_unbind_failure(void) {
        Fixture f;
        fixture_init(&f, MODE_ENFORCE, NULL, NULL);
        ModelDevice *nic = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:03.0", "pci", 0x8086, 0x10d3);
        model_device_add_candidate(nic, "e1000e", "e1000e");
        nic->bound = &nic->candidates[0];
        nic->unbind_error = -EIO;

        fixture_start(&f);
        /* The binding is still there and must be reported as a failure, never as fine. */
        Device *d = registry_get(f.model.registry, nic->syspath);
        assert(d->state == DEVICE_FAILED);
        assert(strstr(d->reason, "cannot unbind e1000e"));
        assert(!model_check_invariants(&f.model));
        fixture_done(&f);
}

static void test_audit(void) {
        Fixture f;
        fixture_init(&f, MODE_AUDIT, NULL, NULL);
        ModelDevice *nic = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:03.0", "pci", 0x8086, 0x10d3);
        model_device_add_candidate(nic, "e1000e", "e1000e");
        nic->bound = &nic->candidates[0];
        ModelDevice *idle = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:04.0", "pci", 1, 1);

        fixture_start(&f);
        assert(nic->bound && !nic->override[0] && !idle->override[0]);
        assert(f.model.binds == 0 && f.model.unbinds == 0);
        assert(state_of(&f, nic) == DEVICE_AUDITED && state_of(&f, idle) == DEVICE_AUDITED);
        fixture_done(&f);
}

static void test_remove_and_accept(void) {
        Fixture f;
        fixture_init(&f, MODE_ENFORCE, "*", NULL);
        test_add_rule(f.policy, "10-remove.policy", "[Match]\nVendor=0x0bad\n[Policy]\nAction=remove\n");
        test_add_rule(f.policy, "20-accept.policy", "[Match]\nVendor=0x1b36\n[Policy]\nAction=accept\n");
        test_add_rule(f.policy, "30-remove-virtio.policy", "[Match]\nBus=platform\n[Policy]\nAction=remove\n");
        ModelDevice *bad = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:06.0", "pci", 0x0bad, 1);
        ModelDevice *tdi = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:07.0", "pci", 0x1b36, 5);
        model_device_add_candidate(tdi, "pci-testdev", "pci_testdev");
        tdi->bound = &tdi->candidates[0];
        ModelDevice *plat = model_add_device(&f.model, "/sys/devices/platform/foo", "platform", 0, 0);

        fixture_start(&f);
        assert(!bad->present && !registry_get(f.model.registry, bad->syspath));
        assert(!tdi->bound && state_of(&f, tdi) == DEVICE_NO_TSM);
        /* Platform devices cannot be removed: denied instead. */
        assert(state_of(&f, plat) == DEVICE_DENIED);
        check(&f);
        fixture_done(&f);
}

static void test_reload(void) {
        Fixture f;
        fixture_init(&f, MODE_ENFORCE, "e1000e", NULL);
        ModelDevice *nic = model_add_device(&f.model, "/sys/devices/pci0000:00/0000:00:03.0", "pci", 0x8086, 0x10d3);
        model_device_add_candidate(nic, "e1000e", "e1000e");
        fixture_start(&f);
        assert(state_of(&f, nic) == DEVICE_DENIED);

        Config *c2;
        assert(config_new(&c2) >= 0);
        c2->default_action = POLICY_ACTION_SHARED;
        assert(strv_split_whitespace("e1000e", &c2->trusted_drivers) >= 0);
        Outcome o = {};
        assert(registry_set_policy(f.model.registry, c2, f.policy, &o) >= 0);
        assert(model_run(&f.model, &o) >= 0);
        assert(state_of(&f, nic) == DEVICE_BOUND);
        check(&f);
        config_free(f.config);
        f.config = c2;
        fixture_done(&f);
}

/* --- randomised --- */


#define RANDOM_STEPS 40U

/* One sequence; returns the failing step index + 1, or 0 if every invariant held throughout. */
static unsigned random_sequence(unsigned seed, unsigned max_steps, Trace *trace) {
        Fixture f;
        unsigned rnd = seed, failed = 0;

        fixture_init(&f, MODE_ENFORCE, "good_* virtio*", "evil");
        test_add_rule(f.policy, "10-deny.policy", "[Match]\nVendor=0x0bad\n[Policy]\nAction=deny\n");
        test_add_rule(f.policy, "20-shared.policy", "[Match]\nVendor=0x1af4\n[Policy]\nAction=shared\n");
        test_add_rule(f.policy, "30-bus.policy", "[Match]\nBus=virtio\n[Policy]\nAction=shared\n");
        test_add_rule(f.policy, "40-pinned.policy", "[Match]\nVendor=0x8086\n[Policy]\nAction=shared\nDriver=good_e1000e\n");

        static const unsigned vendors[] = { 0x0bad, 0x1af4, 0x8086, 0x1234 };
        char path[128];
        for (unsigned i = 0; i < 6; i++) {
                snprintf(path, sizeof(path), "/sys/devices/pci0000:00/0000:00:%02x.0", i + 2);
                ModelDevice *md = model_add_device(&f.model, path, "pci", vendors[rand_r(&rnd) % 4], i);
                model_device_add_candidate(md, "good_a", "good_a");
                model_device_add_candidate(md, "evil", "evil");
                model_device_add_candidate(md, "builtin_x", NULL);
                model_device_add_candidate(md, "good_e1000e", "good_e1000e");
                md->present = rand_r(&rnd) % 3 != 0;
                if (md->present && rand_r(&rnd) % 2)
                        md->bound = &md->candidates[rand_r(&rnd) % 4];
                snprintf(path, sizeof(path), "/sys/devices/pci0000:00/0000:00:%02x.0/virtio%u", i + 2, i);
                ModelDevice *child = model_add_device(&f.model, path, "virtio", 0x1af4, 1);
                model_device_add_candidate(child, "virtio_net", "virtio_net");
                model_device_add_candidate(child, "evil", "evil");
                child->present = md->present && rand_r(&rnd) % 2;
        }
        f.config->trust_builtin_drivers = rand_r(&rnd) % 2;
        trace_add(trace, "seed %u, TrustBuiltinDrivers=%d", seed, f.config->trust_builtin_drivers);

        fixture_start(&f);
        if (!model_check_invariants(&f.model)) {
                trace_add(trace, "after coldplug: %s", f.model.last_error);
                failed = 1;
                goto done;
        }

        for (unsigned step = 0; step < max_steps; step++) {
                ModelDevice *md = &f.model.devices[rand_r(&rnd) % f.model.n_devices];
                unsigned what = rand_r(&rnd) % 6;
                int r = 0;

                switch (what) {
                case 0:
                        if (md->present && md->n_candidates) {
                                unsigned c = rand_r(&rnd) % md->n_candidates;
                                trace_add(trace, "kernel binds %s to %s", md->candidates[c].name, md->syspath);
                                r = model_kernel_bind(&f.model, md, c);
                        }
                        break;
                case 1:
                        if (!md->present) {
                                int c = rand_r(&rnd) % 2 ? (int) (rand_r(&rnd) % md->n_candidates) : -1;
                                trace_add(trace, "hotplug %s bound to %s", md->syspath,
                                          c >= 0 ? md->candidates[c].name : "nothing");
                                r = model_hotplug(&f.model, md, c);
                        }
                        break;
                case 2:
                        if (md->present) {
                                trace_add(trace, "unplug %s", md->syspath);
                                r = model_unplug(&f.model, md);
                        }
                        break;
                case 3:
                        md->bind_error = rand_r(&rnd) % 2 ? -EAGAIN : -EIO;
                        md->bind_error_count = rand_r(&rnd) % 3;
                        trace_add(trace, "next %u binds of %s fail with %d", md->bind_error_count, md->syspath,
                                  md->bind_error);
                        break;
                case 4:
                        trace_add(trace, "timers fire");
                        r = model_fire_timers(&f.model);
                        break;
                case 5:
                        if (md->present && md->bound) {
                                trace_add(trace, "someone unbinds %s", md->syspath);
                                Device *d = registry_get(f.model.registry, md->syspath);
                                Outcome o = {};
                                md->bound = NULL;
                                r = device_dispatch(f.model.registry, d,
                                                    &(DeviceEvent) { .type = DEVICE_EVENT_DRIVER_UNBOUND }, &o);
                                if (r >= 0)
                                        r = model_run(&f.model, &o);
                                else
                                        outcome_done(&o);
                        }
                        break;
                }
                if (r < 0 || !model_check_invariants(&f.model)) {
                        trace_add(trace, "violated: %s (r=%d)", f.model.last_error, r);
                        failed = step + 1;
                        break;
                }
        }
done:
        fixture_done(&f);
        return failed;
}

/* Coldplug order: shallower paths first (a parent before its children, whatever the names), then by
 * path; the daemon lists devices in directory order. */
static void test_coldplug_order(void) {
        const char *in[] = {
                "/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0",
                "/sys/devices/pci0000:00/0000:00:02.0",
                "/sys/devices/platform/serial8250",
                "/sys/devices/pci0000:00/0000:00:01.0",
                "/sys/devices/pci0000:00",
        };
        const char *want[] = {
                "/sys/devices/pci0000:00",
                "/sys/devices/pci0000:00/0000:00:01.0",
                "/sys/devices/pci0000:00/0000:00:02.0",
                "/sys/devices/platform/serial8250",
                "/sys/devices/pci0000:00/0000:00:01.0/0000:01:00.0",
        };
        DeviceInfo infos[ELEMENTSOF(in)] = {}, *p[ELEMENTSOF(in)];

        for (size_t i = 0; i < ELEMENTSOF(in); i++) {
                infos[i].syspath = (char *) in[i];
                p[i] = &infos[i];
        }
        assert(registry_sort_coldplug(p, ELEMENTSOF(p)) == 0);
        for (size_t i = 0; i < ELEMENTSOF(want); i++)
                assert(streq(p[i]->syspath, want[i]));
        /* Nothing to sort is fine too. */
        assert(registry_sort_coldplug(p, 0) == 0);
        assert(registry_sort_coldplug(p, 1) == 0);
}

static void test_random(void) {
        test_random_runs("device state machine", 2000, RANDOM_STEPS, random_sequence);
}

int main(void) {
        test_default_deny();
        test_builtin_trust();
        test_unparsable();
        test_shared_binding();
        test_untrusted_and_denied();
        test_first_match();
        test_bind_errors();
        test_unbind_failure();
        test_audit();
        test_remove_and_accept();
        test_reload();
        test_coldplug_order();
        test_random();
        printf("device state machine: ok\n");
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* bench-core.c — what the pure core costs per device: coldplug decisions and the actions they issue.
 *
 * A benchmark, not a test: it asserts nothing about time. It builds a synthetic machine of N PCI
 * functions (groups of one root port, bound to the built-in pcieport, and seven functions behind it:
 * an allowed NIC waiting for its driver, a NIC bound to a driver policy refuses, an unknown device,
 * a virtio function bound to a trusted driver) and a policy of R rules, then measures:
 *
 *   decide     policy_decide() alone, on parsed DeviceInfos: the rule walk
 *   coldplug   what manager_coldplug() asks of the core: parse each device's uevent properties,
 *              sort parents first, registry_add() (decision, state machine), and carry out every
 *              action the core asks for against a lean in-process kernel, feeding the results back
 *              as events, exactly as manager_process() does
 *   memory     heap bytes held per tracked device once coldplug is done: the delta of glibc's
 *              mallinfo2().uordblks (bytes in allocated chunks, chunk headers included) between an
 *              empty registry and a full one; the VmRSS delta over the same span is reported beside it
 *
 * The kernel model of the unit tests (kernel-model.c) holds 256 devices in a fixed array and finds
 * them by a linear scan, which would dominate at 100,000 devices; this driver keeps each simulated
 * device in the Device's userdata instead, so the figures are the core's alone.
 *
 * Prints one JSON object per (N, R) on stdout. bench_coldplug_pass() is the whole timed region, so
 * "valgrind --tool=callgrind --toggle-collect=bench_coldplug_pass" counts the same work exactly. */

#include <assert.h>
#include <getopt.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "conf-error.h"
#include "config.h"
#include "decision.h"
#include "device-info.h"
#include "outcome.h"
#include "policy.h"
#include "registry.h"
#include "strv.h"

#define GROUP_SIZE 8U           /* one root port + seven functions behind it */
#define PROPS_MAX 8U

typedef enum Kind {
        KIND_PORT,              /* root port, bound to built-in pcieport: trusted, stays bound */
        KIND_NIC_ALLOWED,       /* 8086:10d3, unbound; a rule allows e1000e: bind */
        KIND_NIC_REFUSED,       /* 8086:10c9, bound to igb; nothing allows it: unbind, pin none */
        KIND_UNKNOWN,           /* 1234:xxxx, unbound; default deny: pin none */
        KIND_VIRTIO,            /* 1af4:1041, bound to virtio-pci (TrustedDrivers=): stays bound */
        _KIND_MAX,
} Kind;

typedef struct SimDevice {
        char *props[PROPS_MAX + 1];     /* the uevent properties the daemon would hand over */
        Kind kind;
        const char *bound;              /* driver bound in the simulated kernel, or NULL */
        const char *bound_module;
        bool override_none;
} SimDevice;

typedef struct Counters {
        unsigned long records, transitions, binds, unbinds, pins, timers, other_actions;
        uint64_t parse_ns, sort_ns, add_ns;     /* CPU time of the pass's three phases */
} Counters;

static uint64_t now_nsec(void);

static const char *kind_initial_driver(Kind k, const char **ret_module) {
        switch (k) {
        case KIND_PORT:
                *ret_module = NULL;
                return "pcieport";
        case KIND_NIC_REFUSED:
                *ret_module = "igb";
                return "igb";
        case KIND_VIRTIO:
                *ret_module = "virtio_pci";
                return "virtio-pci";
        case KIND_NIC_ALLOWED:
        case KIND_UNKNOWN:
        case _KIND_MAX:
                break;
        }
        *ret_module = NULL;
        return NULL;
}

/* Device i of a machine: groups of GROUP_SIZE, the first of each a root port on bus 00 of its own
 * PCI domain slot, the rest functions on the bus behind it. */
static void sim_device_init(SimDevice *s, unsigned i) {
        unsigned g = i / GROUP_SIZE, j = i % GROUP_SIZE;
        unsigned domain = g / 32, slot = g % 32;
        unsigned vendor, device, class;
        char port[64];
        size_t n = 0;

        *s = (SimDevice) {};
        snprintf(port, sizeof(port), "/devices/pci%04x:00/%04x:00:%02x.0", domain, domain, slot);
        if (j == 0) {
                s->kind = KIND_PORT;
                vendor = 0x1b36, device = 0x000c, class = 0x060400;
                assert(asprintf(&s->props[n++], "DEVPATH=%s", port) >= 0);
        } else {
                s->kind = (Kind) (KIND_NIC_ALLOWED + (j - 1) % 4);
                switch (s->kind) {
                case KIND_NIC_ALLOWED:
                        vendor = 0x8086, device = 0x10d3, class = 0x020000;
                        break;
                case KIND_NIC_REFUSED:
                        vendor = 0x8086, device = 0x10c9, class = 0x020000;
                        break;
                case KIND_UNKNOWN:
                        vendor = 0x1234, device = 0x1000 + (i % 0x1000), class = 0xff0000;
                        break;
                case KIND_VIRTIO:
                        vendor = 0x1af4, device = 0x1041, class = 0x020000;
                        break;
                case KIND_PORT:
                case _KIND_MAX:
                default:
                        assert(false);
                        return;
                }
                assert(asprintf(&s->props[n++], "DEVPATH=%s/%04x:%02x:00.%u", port, domain, slot + 1, j - 1) >= 0);
        }
        assert(asprintf(&s->props[n++], "SUBSYSTEM=pci") >= 0);
        assert(asprintf(&s->props[n++], "PCI_CLASS=%X", class) >= 0);
        assert(asprintf(&s->props[n++], "PCI_ID=%04X:%04X", vendor, device) >= 0);
        assert(asprintf(&s->props[n++], "PCI_SUBSYS_ID=%04X:%04X", vendor, 0x0001) >= 0);
        assert(asprintf(&s->props[n++], "MODALIAS=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X", vendor, device,
                        vendor, 0x0001, class >> 16, (class >> 8) & 0xff, class & 0xff) >= 0);
        s->bound = kind_initial_driver(s->kind, &s->bound_module);
        if (s->bound)
                assert(asprintf(&s->props[n++], "DRIVER=%s", s->bound) >= 0);
        assert(n <= PROPS_MAX);
}

static void sim_device_done(SimDevice *s) {
        for (size_t i = 0; s->props[i]; i++)
                free(s->props[i]);
}

/* Back to the state before coldplug, so that every pass does the same work. */
static void sim_device_reset(SimDevice *s) {
        s->bound = kind_initial_driver(s->kind, &s->bound_module);
        s->override_none = false;
}

/* --- the policy --- */

typedef enum RuleMix {
        RULES_MIXED,            /* mostly Vendor=/Device=, some Class=, Bus=, Modalias= and Path= globs */
        RULES_IDS,              /* Vendor= + Device= only */
        RULES_GLOBS,            /* Modalias= globs only */
        _RULES_MAX,
} RuleMix;

static const char *const rule_mix_names[_RULES_MAX] = {
        [RULES_MIXED] = "mixed",
        [RULES_IDS] = "ids",
        [RULES_GLOBS] = "globs",
};

/* Filler rule k: matches none of the machine's devices, but has to be looked at by each. */
static char *filler_rule(RuleMix mix, unsigned k) {
        unsigned kind = mix == RULES_IDS ? 0 : mix == RULES_GLOBS ? 3 : (k % 10 < 6 ? 0 : k % 10 - 5);
        unsigned vendor = 0x2000 + k;
        char *text = NULL;

        switch (kind) {
        case 0:
                assert(asprintf(&text, "[Match]\nVendor=0x%04x\nDevice=0x%04x 0x%04x\n[Policy]\nAction=shared\n",
                                vendor, 0x100 + k, 0x200 + k) >= 0);
                break;
        case 1:
                assert(asprintf(&text, "[Match]\nVendor=0x%04x\nClass=0x0c0300/0xffff00\n[Policy]\nAction=shared\n",
                                vendor) >= 0);
                break;
        case 2:
                assert(asprintf(&text, "[Match]\nBus=pci\nVendor=0x%04x\n[Policy]\nAction=deny\n", vendor) >= 0);
                break;
        case 3:
                assert(asprintf(&text, "[Match]\nModalias=pci:v0000%04Xd*sv*sd*bc*sc*i*\n[Policy]\nAction=shared\n",
                                vendor) >= 0);
                break;
        case 4:
                assert(asprintf(&text, "[Match]\nPath=%04x:ff:*\n[Policy]\nAction=deny\n", k) >= 0);
                break;
        default:
                assert(false);
        }
        return text;
}

static void add_rule(Policy *p, const char *name, const char *text) {
        ConfError e = {};
        PolicyRule *rule = NULL;

        if (policy_rule_parse_buffer(text, strlen(text), name, &rule, &e) < 0) {
                _cleanup_free_ char *s = conf_error_format(&e);
                fprintf(stderr, "bench-core: bad rule %s: %s\n", name, strna(s));
                exit(EXIT_FAILURE);
        }
        conf_error_done(&e);
        assert(policy_add_rule(p, rule) >= 0);
}

/* R rules: R-2 fillers, then the one that allows the NIC and the shipped virtio-pci rule, last, so
 * that every device walks them all. */
static Policy *make_policy(unsigned n_rules, RuleMix mix) {
        Policy *p = NULL;
        char name[64];

        assert(n_rules >= 2);
        assert(policy_new(&p) >= 0);
        for (unsigned k = 0; k + 2 < n_rules; k++) {
                _cleanup_free_ char *text = filler_rule(mix, k);
                snprintf(name, sizeof(name), "/etc/tdispd/policy.d/%03u-filler.policy", k);
                add_rule(p, name, text);
        }
        snprintf(name, sizeof(name), "/etc/tdispd/policy.d/%03u-e1000e.policy", n_rules);
        add_rule(p, name, "[Match]\nVendor=0x8086\nDevice=0x10d3\n[Policy]\nAction=shared\nDriver=e1000e\n");
        snprintf(name, sizeof(name), "/usr/lib/tdispd/policy.d/90-virtio-pci.policy");
        add_rule(p, name, "[Match]\nBus=pci\nVendor=0x1af4\nTDISP=no\n[Policy]\nAction=shared\n");
        return p;
}

static Config *make_config(void) {
        Config *c = NULL;

        assert(config_new(&c) >= 0);
        c->mode = MODE_ENFORCE;
        c->default_action = POLICY_ACTION_DENY;
        /* As the shipped vendor configuration (conf/tdispd.vendor.conf). */
        assert(strv_split_whitespace("virtio_pci virtio_mmio virtio_net virtio_blk virtio_scsi sd_mod "
                                     "virtio_console vmw_vsock_virtio_transport 9pnet_virtio hv_vmbus vmbus "
                                     "hyperv-vmbus hv_netvsc hv_storvsc storvsc hv_utils hv_sock",
                                     &c->trusted_drivers) >= 0);
        return c;
}

/* --- the lean kernel: carries out actions as manager_execute() does, against SimDevices --- */

static int observe(Registry *reg, Device *d, SimDevice *s, Outcome *o) {
        if (!s->bound)
                return device_dispatch(reg, d, &(DeviceEvent) { .type = DEVICE_EVENT_DRIVER_UNBOUND }, o);
        return device_dispatch(reg, d,
                               &(DeviceEvent) {
                                       .type = DEVICE_EVENT_DRIVER_BOUND,
                                       .driver = s->bound,
                                       .module = s->bound_module,
                                       .builtin = !s->bound_module,
                               },
                               o);
}

/* The only driver this machine offers for an unbound device: e1000e for the allowed NIC. */
static int execute_bind(Registry *reg, Device *d, SimDevice *s, const Record *rec, Outcome *o) {
        int r = -ENOENT;

        if (s->kind == KIND_NIC_ALLOWED && (!rec->driver || streq(rec->driver, "e1000e")) &&
            driver_verdict_allowed(device_check_driver(reg, d, "e1000e", "e1000e", false))) {
                s->bound = "e1000e";
                s->bound_module = "e1000e";
                r = observe(reg, d, s, o);
                if (r < 0)
                        return r;
                r = 0;
        }
        return device_dispatch(reg, d, &(DeviceEvent) { .type = DEVICE_EVENT_BIND_RESULT, .error = r }, o);
}

static int execute(Registry *reg, Device *d, const Record *rec, Outcome *o, Counters *c) {
        SimDevice *s = d->userdata;
        int r;

        switch (rec->action) {
        case DEVICE_ACTION_UNBIND:
                c->unbinds++;
                r = s->bound && streq(s->bound, rec->driver) ? 0 : -ENODEV;
                if (r == 0)
                        s->bound = s->bound_module = NULL;
                r = device_dispatch(reg, d, &(DeviceEvent) { .type = DEVICE_EVENT_UNBIND_RESULT }, o);
                if (r < 0)
                        return r;
                return observe(reg, d, s, o);
        case DEVICE_ACTION_PIN:
                c->pins++;
                s->override_none = true;
                return 0;
        case DEVICE_ACTION_BIND:
                c->binds++;
                return execute_bind(reg, d, s, rec, o);
        case DEVICE_ACTION_ARM_TIMER:
                c->timers++;
                return 0;
        case DEVICE_ACTION_REMOVE:
        case DEVICE_ACTION_PREPARE:
        case DEVICE_ACTION_LOCK:
        case DEVICE_ACTION_READ_EVIDENCE:
        case DEVICE_ACTION_REQUEST_VERDICT:
        case DEVICE_ACTION_ACCEPT:
        case DEVICE_ACTION_UNLOCK:
                c->other_actions++;
                return 0;
        case _DEVICE_ACTION_MAX:
        case _DEVICE_ACTION_INVALID:
                break;
        }
        assert(false);
        return -EINVAL;
}

static int process(Registry *reg, Outcome *o, Counters *c) {
        int r;

        for (size_t i = 0; i < o->n_records; i++) {
                Record rec = o->records[i];     /* a copy: executing may move the array */

                c->records++;
                if (rec.type == RECORD_TRANSITION)
                        c->transitions++;
                if (!rec.device || rec.type != RECORD_ACTION || rec.dry_run)
                        continue;
                r = execute(reg, rec.device, &rec, o, c);
                if (r < 0)
                        return r;
        }
        outcome_done(o);
        return 0;
}

/* --- the measured work --- */

typedef struct Machine {
        SimDevice *devices;
        unsigned n;
        Config *config;
        Policy *policy;
} Machine;

/* Everything the daemon's coldplug asks of the core, for every device. The registry is returned
 * (to measure its memory); the caller frees it outside the timed region. */
__attribute__((noinline)) static Registry *bench_coldplug_pass(Machine *m, Counters *c) {
        _cleanup_free_ DeviceInfo **infos = calloc(m->n, sizeof(DeviceInfo *));
        Registry *reg = NULL;
        uint64_t t0, t1, t2;
        int r;

        assert(infos);
        t0 = now_nsec();
        for (unsigned i = 0; i < m->n; i++) {
                r = device_info_from_properties(m->devices[i].props, &infos[i], NULL);
                assert(r >= 0);
                /* The daemon reads the module link for a bound driver; this machine knows it. */
                if (m->devices[i].bound) {
                        infos[i]->driver_builtin = !m->devices[i].bound_module;
                        if (m->devices[i].bound_module)
                                infos[i]->driver_module = strdup(m->devices[i].bound_module);
                }
        }

        /* The machine is kept in coldplug order (machine_sort()), so index i still names the same
         * device after this sort; the daemon sorts what sd-device enumerates in directory order. */
        t1 = now_nsec();
        r = registry_sort_coldplug(infos, m->n);
        assert(r >= 0);
        t2 = now_nsec();

        r = registry_new(m->config, m->policy, &reg);
        assert(r >= 0);
        reg->tsm_ready = true;

        for (unsigned i = 0; i < m->n; i++) {
                _cleanup_(outcome_done) Outcome o = {};
                SimDevice *s = &m->devices[i];
                Device *d = NULL;

                r = registry_add_prepared(reg, TAKE_PTR(infos[i]), &o, &d);
                assert(r >= 0);
                d->userdata = s;
                r = device_dispatch(reg, d, &(DeviceEvent) { .type = DEVICE_EVENT_ADDED }, &o);
                assert(r >= 0);
                /* Per device, as the daemon does: a parent is bound before its children are looked at. */
                r = process(reg, &o, c);
                assert(r >= 0);
        }
        c->parse_ns += t1 - t0;
        c->sort_ns += t2 - t1;
        c->add_ns += now_nsec() - t2;
        return reg;
}

__attribute__((noinline)) static unsigned long bench_decide_pass(Machine *m, DeviceInfo **infos) {
        unsigned long matched = 0;

        for (unsigned i = 0; i < m->n; i++) {
                Decision dec;

                policy_decide(m->config, m->policy, infos[i], &dec);
                matched += dec.rule != NULL;
        }
        return matched;
}

static size_t devpath_depth(const char *p) {
        size_t n = 0;

        for (; *p; p++)
                n += *p == '/';
        return n;
}

/* The order registry_sort_coldplug() gives: depth first, then path. */
static int sim_device_compare(const void *a, const void *b) {
        const char *x = ((const SimDevice *) a)->props[0], *y = ((const SimDevice *) b)->props[0];
        size_t dx = devpath_depth(x), dy = devpath_depth(y);

        if (dx != dy)
                return dx < dy ? -1 : 1;
        return strcmp(x, y);
}

/* CPU time of this thread: on a shared two-core machine wall time would include waiting for a CPU. */
static uint64_t now_nsec(void) {
        struct timespec ts;

        assert(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0);
        return (uint64_t) ts.tv_sec * UINT64_C(1000000000) + (uint64_t) ts.tv_nsec;
}

static long vm_rss_kib(void) {
        _cleanup_free_ char *line = NULL;
        size_t size = 0;
        long kib = -1;
        FILE *f = fopen("/proc/self/status", "re");

        if (!f)
                return -1;
        while (getline(&line, &size, f) > 0)
                if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
                        break;
        fclose(f);
        return kib;
}

static int cmp_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static void print_stats(const char *key, double *v, unsigned n) {
        qsort(v, n, sizeof(double), cmp_double);
        printf("\"%s\":{\"median\":%.2f,\"min\":%.2f,\"max\":%.2f,\"samples\":%u}", key,
               n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1], n);
}

static void machine_reset(Machine *m) {
        for (unsigned i = 0; i < m->n; i++)
                sim_device_reset(&m->devices[i]);
}

/* One coldplug pass and one decide pass, nothing else: for instruction counts under callgrind
 * (callgrind_annotate --inclusive=yes shows each pass's function with everything it called). */
static void bench_once(unsigned n, unsigned n_rules, RuleMix mix) {
        Machine m = { .n = n, .config = make_config(), .policy = make_policy(n_rules, mix) };
        DeviceInfo **infos = calloc(n, sizeof(DeviceInfo *));
        Counters c = {};
        Registry *reg;

        m.devices = calloc(n, sizeof(SimDevice));
        assert(m.devices && infos);
        for (unsigned i = 0; i < n; i++)
                sim_device_init(&m.devices[i], i);
        qsort(m.devices, n, sizeof(SimDevice), sim_device_compare);

        reg = bench_coldplug_pass(&m, &c);
        registry_free(reg);
        for (unsigned i = 0; i < n; i++)
                assert(device_info_from_properties(m.devices[i].props, &infos[i], NULL) >= 0);
        (void) bench_decide_pass(&m, infos);

        printf("{\"devices\":%u,\"rules\":%u,\"rule_mix\":\"%s\",\"once\":true}\n", n, n_rules,
               rule_mix_names[mix]);
        for (unsigned i = 0; i < n; i++) {
                device_info_free(infos[i]);
                sim_device_done(&m.devices[i]);
        }
        free(infos);
        free(m.devices);
        policy_free(m.policy);
        config_free(m.config);
}

/* Each sample runs the pass enough times to last ≥ ~20 ms, so tiny machines are measured too. */
static void bench_one(unsigned n, unsigned n_rules, RuleMix mix, unsigned reps, bool quick) {
        Machine m = { .n = n, .config = make_config(), .policy = make_policy(n_rules, mix) };
        unsigned inner = MAX(1U, (quick ? 2000U : 20000U) / MAX(n, 1U));
        double coldplug_ns[64], decide_ns[64], parse_ns[64], sort_ns[64], add_ns[64];
        double bytes_per_device = 0, rss_per_device = 0;
        unsigned states[_DEVICE_STATE_MAX] = {};
        Counters counters = {};
        unsigned long matched = 0;

        assert(reps > 0 && reps <= ELEMENTSOF(coldplug_ns));
        m.devices = calloc(n, sizeof(SimDevice));
        assert(m.devices);
        for (unsigned i = 0; i < n; i++)
                sim_device_init(&m.devices[i], i);
        qsort(m.devices, n, sizeof(SimDevice), sim_device_compare);

        /* Warm-up, and the memory figure: one pass measured from an empty heap state. */
        {
                struct mallinfo2 before, after;
                long rss_before, rss_after;
                Registry *reg;

                machine_reset(&m);
                malloc_trim(0);
                before = mallinfo2();
                rss_before = vm_rss_kib();
                reg = bench_coldplug_pass(&m, &counters);
                after = mallinfo2();
                rss_after = vm_rss_kib();
                bytes_per_device = ((double) after.uordblks - (double) before.uordblks) / n;
                rss_per_device = (double) (rss_after - rss_before) * 1024.0 / n;
                registry_count_states(reg, states);
                /* The order assumption of bench_coldplug_pass(), checked once: each Device got its own
                 * simulated device. */
                Device *d;
                HASHMAP_FOREACH(d, reg->devices) {
                        const SimDevice *s = d->userdata;
                        assert(streq(s->props[0] + strlen("DEVPATH="), d->info->syspath + strlen("/sys")));
                        if (getenv("BENCH_DEBUG"))
                                fprintf(stderr, "%s kind %d state %s driver %s\n", d->info->syspath, s->kind,
                                        device_state_to_string(d->state), strna(d->info->driver));
                }
                registry_free(reg);
        }

        for (unsigned rep = 0; rep < reps; rep++) {
                uint64_t total = 0;
                Counters phases = {};

                for (unsigned k = 0; k < inner; k++) {
                        Counters c = {};
                        Registry *reg;
                        uint64_t t0;

                        machine_reset(&m);
                        t0 = now_nsec();
                        reg = bench_coldplug_pass(&m, &c);
                        total += now_nsec() - t0;
                        registry_free(reg);
                        phases.parse_ns += c.parse_ns;
                        phases.sort_ns += c.sort_ns;
                        phases.add_ns += c.add_ns;
                        if (rep == 0 && k == 0)
                                counters = c;
                }
                coldplug_ns[rep] = (double) total / ((double) inner * n);
                parse_ns[rep] = (double) phases.parse_ns / ((double) inner * n);
                sort_ns[rep] = (double) phases.sort_ns / ((double) inner * n);
                add_ns[rep] = (double) phases.add_ns / ((double) inner * n);
        }

        {
                DeviceInfo **infos = calloc(n, sizeof(DeviceInfo *));
                assert(infos);
                for (unsigned i = 0; i < n; i++)
                        assert(device_info_from_properties(m.devices[i].props, &infos[i], NULL) >= 0);
                for (unsigned rep = 0; rep < reps; rep++) {
                        uint64_t t0 = now_nsec();
                        for (unsigned k = 0; k < inner; k++)
                                matched = bench_decide_pass(&m, infos);
                        decide_ns[rep] = (double) (now_nsec() - t0) / ((double) inner * n);
                }
                for (unsigned i = 0; i < n; i++)
                        device_info_free(infos[i]);
                free(infos);
        }

        printf("{\"devices\":%u,\"rules\":%u,\"rule_mix\":\"%s\",\"passes_per_sample\":%u,", n, n_rules,
               rule_mix_names[mix], inner);
        print_stats("coldplug_ns_per_device", coldplug_ns, reps);
        printf(",");
        print_stats("decide_ns_per_device", decide_ns, reps);
        printf(",\"coldplug_phases\":{");
        print_stats("parse_ns_per_device", parse_ns, reps);
        printf(",");
        print_stats("sort_ns_per_device", sort_ns, reps);
        printf(",");
        print_stats("add_and_act_ns_per_device", add_ns, reps);
        printf("}");
        printf(",\"heap_bytes_per_device\":%.1f,\"rss_bytes_per_device\":%.1f,", bytes_per_device, rss_per_device);
        printf("\"actions\":{\"bind\":%lu,\"unbind\":%lu,\"pin_none\":%lu,\"arm_timer\":%lu,\"other\":%lu},",
               counters.binds, counters.unbinds, counters.pins, counters.timers, counters.other_actions);
        printf("\"records\":%lu,\"transitions\":%lu,\"rule_matches\":%lu,\"states\":{", counters.records,
               counters.transitions, matched);
        bool first = true;
        for (DeviceState s = 0; s < _DEVICE_STATE_MAX; s++)
                if (states[s] > 0) {
                        printf("%s\"%s\":%u", first ? "" : ",", device_state_to_string(s), states[s]);
                        first = false;
                }
        printf("}}\n");
        fflush(stdout);

        for (unsigned i = 0; i < n; i++)
                sim_device_done(&m.devices[i]);
        free(m.devices);
        policy_free(m.policy);
        config_free(m.config);
}

static int parse_list(const char *s, unsigned *v, unsigned max) {
        unsigned n = 0;
        char *end;

        while (*s && n < max) {
                unsigned long x = strtoul(s, &end, 10);
                if (end == s || x == 0 || x > 10000000)
                        return -EINVAL;
                v[n++] = (unsigned) x;
                s = *end == ',' ? end + 1 : end;
                if (*end && *end != ',')
                        return -EINVAL;
        }
        return (int) n;
}

static void help(void) {
        printf("bench-core [--devices N,N,...] [--rules R,R,...] [--mix mixed|ids|globs] [--reps K] [--quick] [--once]\n"
               "Prints one JSON object per (devices, rules) combination. --once: one pass of each kind and no\n"
               "figures, for instruction counts under callgrind.\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "devices", required_argument, NULL, 'n' },
                { "rules", required_argument, NULL, 'r' },
                { "mix", required_argument, NULL, 'm' },
                { "reps", required_argument, NULL, 'k' },
                { "quick", no_argument, NULL, 'q' },
                { "once", no_argument, NULL, 'o' },
                {}
        };
        unsigned devices[16] = { 10, 1000, 10000, 100000 }, rules[16] = { 10, 100 };
        int n_devices = 4, n_rules = 2, c;
        unsigned reps = 5;
        RuleMix mix = RULES_MIXED;
        bool quick = false, once = false;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case 'n':
                        n_devices = parse_list(optarg, devices, ELEMENTSOF(devices));
                        if (n_devices <= 0)
                                return fprintf(stderr, "bench-core: bad --devices '%s'\n", optarg), EXIT_FAILURE;
                        break;
                case 'r':
                        n_rules = parse_list(optarg, rules, ELEMENTSOF(rules));
                        if (n_rules <= 0)
                                return fprintf(stderr, "bench-core: bad --rules '%s'\n", optarg), EXIT_FAILURE;
                        break;
                case 'm':
                        for (mix = 0; mix < _RULES_MAX; mix++)
                                if (streq(optarg, rule_mix_names[mix]))
                                        break;
                        if (mix == _RULES_MAX)
                                return fprintf(stderr, "bench-core: bad --mix '%s'\n", optarg), EXIT_FAILURE;
                        break;
                case 'k':
                        reps = (unsigned) strtoul(optarg, NULL, 10);
                        if (reps == 0 || reps > 64)
                                return fprintf(stderr, "bench-core: --reps must be 1…64\n"), EXIT_FAILURE;
                        break;
                case 'q':
                        quick = true;
                        break;
                case 'o':
                        once = true;
                        break;
                default:
                        return EXIT_FAILURE;
                }

        for (int i = 0; i < n_devices; i++)
                for (int j = 0; j < n_rules; j++)
                        if (once)
                                bench_once(devices[i], rules[j], mix);
                        else
                                bench_one(devices[i], rules[j], mix, reps, quick);
        return EXIT_SUCCESS;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-support.c — what the state-machine tests share. */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "test-support.h"

void trace_add(Trace *t, const char *format, ...) {
        va_list ap;

        if (!t || t->n >= ELEMENTSOF(t->steps))
                return;
        va_start(ap, format);
        vsnprintf(t->steps[t->n++], sizeof(t->steps[0]), format, ap);
        va_end(ap);
}

void test_add_rule(Policy *p, const char *name, const char *text) {
        ConfError e = {};
        PolicyRule *rule = NULL;

        if (policy_rule_parse_buffer(text, strlen(text), name, &rule, &e) < 0) {
                _cleanup_free_ char *s = conf_error_format(&e);
                fprintf(stderr, "bad test rule: %s\n", s);
                abort();
        }
        if (policy_add_rule(p, rule) < 0)
                abort();
}

void test_random_runs(const char *name, unsigned runs, unsigned steps, RandomSequence sequence) {
        unsigned base = 1;
        const char *e = getenv("TDISPD_TEST_SEED");

        if (e) {
                base = (unsigned) strtoul(e, NULL, 10);
                runs = 1;
        }

        for (unsigned i = 0; i < runs; i++) {
                unsigned seed = base + i, failed;
                Trace *trace = calloc(1, sizeof(Trace));

                if (!trace)
                        abort();
                failed = sequence(seed, steps, trace);
                if (!failed) {
                        free(trace);
                        continue;
                }

                /* The same seed replays the same sequence: find the shortest prefix that still fails. */
                for (unsigned n = 0; n < failed; n++) {
                        Trace *shorter = calloc(1, sizeof(Trace));
                        if (!shorter)
                                abort();
                        if (sequence(seed, n, shorter)) {
                                free(trace);
                                trace = shorter;
                                break;
                        }
                        free(shorter);
                }
                fprintf(stderr, "%s: randomised run failed; reproduce with TDISPD_TEST_SEED=%u\n", name, seed);
                for (unsigned s = 0; s < trace->n; s++)
                        fprintf(stderr, "  %2u: %s\n", s, trace->steps[s]);
                abort();
        }
        printf("%s: %u randomised sequences of up to %u steps held every invariant\n", name, runs, steps);
}

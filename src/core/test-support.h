/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-support.h — what the state-machine tests share: test rules, and seeded randomised runs that
 * print the seed and the shortest failing trace. */
#pragma once

#include "policy.h"

typedef struct Trace {
        char steps[96][200];
        unsigned n;
} Trace;

void trace_add(Trace *t, const char *format, ...) _printf_(2, 3);

/* Parses text as a policy file called name and appends the rule; aborts on a bad test rule. */
void test_add_rule(Policy *p, const char *name, const char *text);

/* One sequence from seed, at most max_steps steps: the failing step + 1, or 0 when every invariant
 * held throughout. */
typedef unsigned (*RandomSequence)(unsigned seed, unsigned max_steps, Trace *trace);

/* Runs `runs` sequences (seeds 1…), or only $TDISPD_TEST_SEED when set. On a failure, shrinks to the
 * shortest failing prefix, prints it with the seed and aborts. */
void test_random_runs(const char *name, unsigned runs, unsigned steps, RandomSequence sequence);

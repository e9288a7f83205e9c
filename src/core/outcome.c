/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* outcome.c — what the core wants done and reported after an event, in order. */

#include <stdlib.h>

#include "outcome.h"

static void record_done(Record *r) {
        free(r->driver);
        free(r->reason);
        free(r->digest);
        free(r->subject);
}

void outcome_done(Outcome *o) {
        for (size_t i = 0; i < o->n_records; i++)
                record_done(&o->records[i]);
        free(o->records);
        *o = (Outcome) {};
}

static int copy_string(char **dst, const char *src) {
        *dst = NULL;
        if (!src)
                return 0;
        *dst = strdup(src);
        return *dst ? 0 : -ENOMEM;
}

int outcome_append(Outcome *o, const Record *record) {
        Record copy = *record;

        if (o->n_records == o->n_allocated) {
                size_t n = MAX(o->n_allocated * 2, 16U);
                Record *t = realloc(o->records, n * sizeof(Record));
                if (!t)
                        return -ENOMEM;
                o->records = t;
                o->n_allocated = n;
        }

        /* The strings belong to the caller (often the device, which may change or go away). */
        copy.driver = copy.reason = copy.digest = copy.subject = NULL;
        if (copy_string(&copy.driver, record->driver) < 0 || copy_string(&copy.reason, record->reason) < 0 ||
            copy_string(&copy.digest, record->digest) < 0 || copy_string(&copy.subject, record->subject) < 0) {
                record_done(&copy);
                return -ENOMEM;
        }

        o->records[o->n_records++] = copy;
        return 0;
}

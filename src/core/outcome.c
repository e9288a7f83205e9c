/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* outcome.c — what the core wants done and reported after an event, in order. */

#include <stdlib.h>

#include "outcome.h"

void outcome_done(Outcome *o) {
        for (size_t i = 0; i < o->n_records; i++)
                free(o->records[i].driver);
        free(o->records);
        *o = (Outcome) {};
}

int outcome_append(Outcome *o, const Record *record) {
        Record *r;

        if (o->n_records == o->n_allocated) {
                size_t n = MAX(o->n_allocated * 2, 16U);
                Record *t = realloc(o->records, n * sizeof(Record));
                if (!t)
                        return -ENOMEM;
                o->records = t;
                o->n_allocated = n;
        }

        r = &o->records[o->n_records];
        *r = *record;
        r->driver = NULL;
        if (record->driver) {
                r->driver = strdup(record->driver);
                if (!r->driver)
                        return -ENOMEM;
        }
        o->n_records++;
        return 0;
}

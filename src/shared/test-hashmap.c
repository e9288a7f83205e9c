/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-hashmap.c — insert, lookup, delete (incl. probe-chain repair) against a reference array. */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "hashmap.h"

#define N 5000

int main(void) {
        _cleanup_(hashmap_freep) Hashmap *h = NULL;
        static char keys[N][32];
        static bool present[N];
        unsigned seed = 42;
        void *v;
        size_t count;

        assert(hashmap_new(&h) == 0);

        for (unsigned i = 0; i < N; i++) {
                snprintf(keys[i], sizeof(keys[i]), "/sys/devices/x/%u", i);
                assert(hashmap_put(h, keys[i], &present[i]) == 0);
                present[i] = true;
        }
        assert(hashmap_size(h) == N);
        assert(hashmap_put(h, keys[7], &present[7]) == -EEXIST);

        /* Random deletions and re-insertions; every lookup must agree with the reference. */
        for (unsigned round = 0; round < 4 * N; round++) {
                unsigned i = (unsigned) rand_r(&seed) % N;

                if (present[i]) {
                        assert(hashmap_remove(h, keys[i]) == &present[i]);
                        present[i] = false;
                } else {
                        assert(hashmap_put(h, keys[i], &present[i]) == 0);
                        present[i] = true;
                }

                unsigned j = (unsigned) rand_r(&seed) % N;
                assert((hashmap_get(h, keys[j]) != NULL) == present[j]);
        }

        count = 0;
        for (unsigned i = 0; i < N; i++) {
                assert((hashmap_get(h, keys[i]) == &present[i]) == present[i]);
                count += present[i];
        }
        assert(hashmap_size(h) == count);

        size_t seen = 0;
        HASHMAP_FOREACH(v, h) {
                assert(*(bool *) v);
                seen++;
        }
        assert(seen == count);
        assert(hashmap_get(h, "/nonexistent") == NULL);
        assert(hashmap_remove(h, "/nonexistent") == NULL);

        printf("hashmap: %zu entries ok\n", count);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hashmap.c — string-keyed open-addressing hash table with backward-shift deletion. */

#include <assert.h>
#include <stdlib.h>

#include "hashmap.h"

typedef struct Bucket {
        const char *key;        /* NULL: empty */
        void *value;
        uint64_t hash;
} Bucket;

struct Hashmap {
        Bucket *buckets;
        size_t n_buckets;       /* power of two */
        size_t n_entries;
};

#define HASHMAP_MIN_BUCKETS 16U

/* FNV-1a, 64 bit. Keys are kernel device paths; the host chooses some components (PCI addresses),
 * but collisions only cost time, never correctness. */
static uint64_t string_hash(const char *s) {
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        for (; *s; s++) {
                h ^= (unsigned char) *s;
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

int hashmap_new(Hashmap **ret) {
        Hashmap *h;

        h = calloc(1, sizeof(Hashmap));
        if (!h)
                return -ENOMEM;
        h->buckets = calloc(HASHMAP_MIN_BUCKETS, sizeof(Bucket));
        if (!h->buckets) {
                free(h);
                return -ENOMEM;
        }
        h->n_buckets = HASHMAP_MIN_BUCKETS;
        *ret = h;
        return 0;
}

Hashmap *hashmap_free(Hashmap *h) {
        if (!h)
                return NULL;
        free(h->buckets);
        return mfree(h);
}

static size_t bucket_find(const Hashmap *h, const char *key, uint64_t hash, bool *ret_found) {
        size_t mask = h->n_buckets - 1;

        for (size_t i = hash & mask;; i = (i + 1) & mask) {
                const Bucket *b = &h->buckets[i];

                if (!b->key) {
                        *ret_found = false;
                        return i;
                }
                if (b->hash == hash && streq(b->key, key)) {
                        *ret_found = true;
                        return i;
                }
        }
}

static int hashmap_resize(Hashmap *h, size_t n_buckets) {
        Bucket *old = h->buckets;
        size_t n_old = h->n_buckets;

        h->buckets = calloc(n_buckets, sizeof(Bucket));
        if (!h->buckets) {
                h->buckets = old;
                return -ENOMEM;
        }
        h->n_buckets = n_buckets;

        for (size_t i = 0; i < n_old; i++) {
                bool found;
                size_t j;

                if (!old[i].key)
                        continue;
                j = bucket_find(h, old[i].key, old[i].hash, &found);
                h->buckets[j] = old[i];
        }
        free(old);
        return 0;
}

int hashmap_put(Hashmap *h, const char *key, void *value) {
        uint64_t hash = string_hash(key);
        bool found;
        size_t i;
        int r;

        assert(value);

        /* Keep the load factor under 3/4 so probe chains stay short. */
        if ((h->n_entries + 1) * 4 > h->n_buckets * 3) {
                r = hashmap_resize(h, h->n_buckets * 2);
                if (r < 0)
                        return r;
        }

        i = bucket_find(h, key, hash, &found);
        if (found)
                return -EEXIST;

        h->buckets[i] = (Bucket) { .key = key, .value = value, .hash = hash };
        h->n_entries++;
        return 0;
}

void *hashmap_get(const Hashmap *h, const char *key) {
        bool found;
        size_t i;

        if (!h)
                return NULL;
        i = bucket_find(h, key, string_hash(key), &found);
        return found ? h->buckets[i].value : NULL;
}

void *hashmap_remove(Hashmap *h, const char *key) {
        size_t mask, i, j;
        void *value;
        bool found;

        if (!h)
                return NULL;

        i = bucket_find(h, key, string_hash(key), &found);
        if (!found)
                return NULL;

        value = h->buckets[i].value;
        h->buckets[i] = (Bucket) {};
        h->n_entries--;

        /* Backward shift: pull later entries of the probe chain into the hole, so that lookups never
         * stop early at an empty bucket that used to hold a colliding key. */
        mask = h->n_buckets - 1;
        for (j = (i + 1) & mask; h->buckets[j].key; j = (j + 1) & mask) {
                size_t home = h->buckets[j].hash & mask;

                /* Move j into the hole at i unless its home lies cyclically in (i, j]. */
                bool home_between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
                if (home_between)
                        continue;
                h->buckets[i] = h->buckets[j];
                h->buckets[j] = (Bucket) {};
                i = j;
        }

        return value;
}

size_t hashmap_size(const Hashmap *h) {
        return h ? h->n_entries : 0;
}

void *hashmap_iterate(const Hashmap *h, size_t *i) {
        if (!h)
                return NULL;
        for (; *i < h->n_buckets; (*i)++)
                if (h->buckets[*i].key)
                        return h->buckets[(*i)++].value;
        return NULL;
}

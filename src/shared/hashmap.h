/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* hashmap.h — a string-keyed hash table that does not own its keys or values.
 *
 * The device table is keyed by syspath and must stay O(1) per uevent with 100,000 devices, so this is
 * an open-addressing table with linear probing and tombstone-free deletion (backward shift). Keys
 * are borrowed: the value (a Device) owns its syspath. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef struct Hashmap Hashmap;

int hashmap_new(Hashmap **ret);
Hashmap *hashmap_free(Hashmap *h);
DEFINE_TRIVIAL_CLEANUP_FUNC(Hashmap *, hashmap_free);

/* -EEXIST if key is present. */
int hashmap_put(Hashmap *h, const char *key, void *value);
void *hashmap_get(const Hashmap *h, const char *key);
/* Returns the removed value or NULL. */
void *hashmap_remove(Hashmap *h, const char *key);
size_t hashmap_size(const Hashmap *h) _pure_;

/* Iteration: *i starts at 0; returns NULL when done. Do not modify the map while iterating. */
void *hashmap_iterate(const Hashmap *h, size_t *i);

#define HASHMAP_FOREACH(v, h) \
        for (size_t _i_ = 0; ((v) = hashmap_iterate((h), &_i_));)

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* evidence.c — the evidence objects of one device and the digest that binds a verdict to them. */

#include <assert.h>

#include "evidence.h"

static const char *const evidence_type_table[_EVIDENCE_TYPE_MAX] = {
        [EVIDENCE_CERT0] = "cert0",
        [EVIDENCE_CERT1] = "cert1",
        [EVIDENCE_CERT2] = "cert2",
        [EVIDENCE_CERT3] = "cert3",
        [EVIDENCE_CERT4] = "cert4",
        [EVIDENCE_CERT5] = "cert5",
        [EVIDENCE_CERT6] = "cert6",
        [EVIDENCE_CERT7] = "cert7",
        [EVIDENCE_VCA] = "vca",
        [EVIDENCE_MEASUREMENTS] = "measurements",
        [EVIDENCE_REPORT] = "report",
};

DEFINE_STRING_TABLE_LOOKUP(evidence_type, EvidenceType, _EVIDENCE_TYPE_MAX);

int evidence_set_new(EvidenceSet **ret) {
        EvidenceSet *s;

        assert(ret);

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

EvidenceSet *evidence_set_free(EvidenceSet *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < _EVIDENCE_TYPE_MAX; i++)
                free(s->objects[i].data);
        return mfree(s);
}

int evidence_set_add_take(EvidenceSet *s, EvidenceType t, void *data, size_t size) {
        EvidenceObject *o;
        int r;

        assert(s);
        assert(data);

        if (t < 0 || t >= _EVIDENCE_TYPE_MAX)
                return -EINVAL;
        o = &s->objects[t];
        if (o->present)
                return -EEXIST;
        if (size > EVIDENCE_OBJECT_SIZE_MAX || size > EVIDENCE_SET_SIZE_MAX - s->total_size)
                return -E2BIG;

        r = sha384(data, size, o->sha384);
        if (r < 0)
                return r;

        o->present = true;
        o->data = data;
        o->size = size;
        s->total_size += size;
        return 0;
}

int evidence_set_add(EvidenceSet *s, EvidenceType t, const void *data, size_t size) {
        _cleanup_free_ uint8_t *copy = NULL;
        int r;

        assert(s);
        assert(data || size == 0);

        if (size > EVIDENCE_OBJECT_SIZE_MAX)
                return -E2BIG;
        /* One extra byte so that an empty object still has a valid pointer. */
        copy = malloc(size + 1);
        if (!copy)
                return -ENOMEM;
        if (size > 0)
                memcpy(copy, data, size);

        r = evidence_set_add_take(s, t, copy, size);
        if (r < 0)
                return r;
        TAKE_PTR(copy);
        return 0;
}

const EvidenceObject *evidence_set_get(const EvidenceSet *s, EvidenceType t) {
        assert(s);

        if (t < 0 || t >= _EVIDENCE_TYPE_MAX || !s->objects[t].present)
                return NULL;
        return &s->objects[t];
}

unsigned evidence_set_mask(const EvidenceSet *s) {
        unsigned mask = 0;

        assert(s);

        for (EvidenceType t = 0; t < _EVIDENCE_TYPE_MAX; t++)
                if (s->objects[t].present)
                        mask |= 1U << t;
        return mask;
}

size_t evidence_set_count(const EvidenceSet *s) {
        return (size_t) __builtin_popcount(evidence_set_mask(s));
}

/* name NUL size(be64) data: the framing makes the digest input unambiguous, so that no two
 * different sets (say, bytes moved from the end of one object to the start of the next) can hash
 * the same. */
static int digest_framed_object(Sha384 *h, EvidenceType t, const EvidenceObject *o) {
        const char *name = evidence_type_to_string(t);
        uint8_t be[8];
        int r;

        for (size_t i = 0; i < 8; i++)
                be[i] = (uint8_t) ((uint64_t) o->size >> (56 - 8 * i));

        r = sha384_update(h, name, strlen(name) + 1);
        if (r < 0)
                return r;
        r = sha384_update(h, be, sizeof(be));
        if (r < 0)
                return r;
        return sha384_update(h, o->data, o->size);
}

static int evidence_set_digest_mask(const EvidenceSet *s, const char *tag, unsigned mask,
                                    uint8_t ret[static SHA384_DIGEST_SIZE]) {
        _cleanup_(sha384_done) Sha384 h = {};
        int r;

        r = sha384_init(&h);
        if (r < 0)
                return r;
        r = sha384_update(&h, tag, strlen(tag) + 1);
        if (r < 0)
                return r;

        for (EvidenceType t = 0; t < _EVIDENCE_TYPE_MAX; t++) {
                if (!(mask & (1U << t)) || !s->objects[t].present)
                        continue;
                r = digest_framed_object(&h, t, &s->objects[t]);
                if (r < 0)
                        return r;
        }

        return sha384_final(&h, ret);
}

int evidence_set_digest(const EvidenceSet *s, uint8_t ret[static SHA384_DIGEST_SIZE]) {
        assert(s);
        return evidence_set_digest_mask(s, EVIDENCE_DIGEST_TAG, EVIDENCE_TYPE_MASK_ALL, ret);
}

int evidence_set_digest_string(const EvidenceSet *s, char ret[static SHA384_STRING_MAX]) {
        uint8_t d[SHA384_DIGEST_SIZE];
        int r;

        r = evidence_set_digest(s, d);
        if (r < 0)
                return r;
        sha384_to_string(d, ret);
        return 0;
}

int evidence_set_certificates_digest(const EvidenceSet *s, uint8_t ret[static SHA384_DIGEST_SIZE]) {
        assert(s);

        if (!(evidence_set_mask(s) & EVIDENCE_TYPE_MASK_CERTS))
                return -ENOENT;
        return evidence_set_digest_mask(s, EVIDENCE_CERTIFICATES_DIGEST_TAG, EVIDENCE_TYPE_MASK_CERTS, ret);
}

void evidence_assembler_init(EvidenceAssembler *a) {
        assert(a);
        *a = (EvidenceAssembler) { .current = EVIDENCE_CONTINUATION };
}

void evidence_assembler_done(EvidenceAssembler *a) {
        if (!a)
                return;
        evidence_set_free(a->set);
        free(a->buf);
        evidence_assembler_init(a);
}

void evidence_assembler_reset(EvidenceAssembler *a) {
        evidence_assembler_done(a);
}

static int assembler_fail(EvidenceAssembler *a, int error) {
        a->error = error;
        return error;
}

/* Moves the object being filled into the set. */
static int assembler_commit(EvidenceAssembler *a) {
        int r;

        if (a->current == EVIDENCE_CONTINUATION)
                return 0;

        if (!a->buf) {
                a->buf = malloc(1);
                if (!a->buf)
                        return -ENOMEM;
        }
        r = evidence_set_add_take(a->set, a->current, a->buf, a->size);
        if (r < 0)
                return r;

        a->buf = NULL;
        a->size = a->allocated = 0;
        a->current = EVIDENCE_CONTINUATION;
        return 0;
}

int evidence_assembler_feed(EvidenceAssembler *a, int type, const void *data, size_t size) {
        int r;

        assert(a);
        assert(data || size == 0);

        if (a->error < 0)
                return a->error;

        if (!a->set) {
                r = evidence_set_new(&a->set);
                if (r < 0)
                        return assembler_fail(a, r);
        }

        if (type == EVIDENCE_CONTINUATION) {
                if (a->current == EVIDENCE_CONTINUATION)
                        return assembler_fail(a, -EBADMSG);
        } else {
                if (type < 0 || type >= _EVIDENCE_TYPE_MAX || (a->seen & (1U << type)))
                        return assembler_fail(a, -EBADMSG);
                r = assembler_commit(a);
                if (r < 0)
                        return assembler_fail(a, r);
                a->seen |= 1U << type;
                a->current = type;
        }

        if (size > EVIDENCE_OBJECT_SIZE_MAX - a->size || size > EVIDENCE_SET_SIZE_MAX - a->total)
                return assembler_fail(a, -E2BIG);
        if (size == 0)
                return 0;

        if (a->size + size > a->allocated) {
                /* Geometric growth, capped at the object limit. */
                size_t n = MAX(a->size + size, MIN(MAX(a->allocated * 2, (size_t) 4096),
                                                   (size_t) EVIDENCE_OBJECT_SIZE_MAX));
                uint8_t *p = realloc(a->buf, n);
                if (!p)
                        return assembler_fail(a, -ENOMEM);
                a->buf = p;
                a->allocated = n;
        }
        memcpy(a->buf + a->size, data, size);
        a->size += size;
        a->total += size;
        return 0;
}

int evidence_assembler_finish(EvidenceAssembler *a, EvidenceSet **ret) {
        int r;

        assert(a);
        assert(ret);

        r = a->error;
        if (r >= 0 && !a->set)
                r = evidence_set_new(&a->set);
        if (r >= 0)
                r = assembler_commit(a);
        if (r < 0) {
                evidence_assembler_reset(a);
                return r;
        }

        *ret = TAKE_PTR(a->set);
        evidence_assembler_reset(a);
        return 0;
}

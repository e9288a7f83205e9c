/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-evidence.c — evidence sets, the chunk reassembler and the digests verdicts are bound to.
 *
 * The expected digests were computed independently with Python's hashlib from the definitions in
 * evidence.h, e.g. for the evidence digest:
 *
 *   h = hashlib.sha384(b"tdispd-evidence-v1\0")
 *   for name, data in objects_in_type_order:
 *           h.update(name.encode() + b"\0" + len(data).to_bytes(8, "big") + data) */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>

#include "evidence.h"

#define BASE_DIGEST                                                                                    \
        "sha384:15bcc99c813cf6c7ab78e208151dbaf3e73d51fbf0a0d51044d1ef45358481d0dd686bd6d672286cc446b299a66e94f3"
#define BASE_CERTS_DIGEST                                                                              \
        "sha384:467b8dc621ca04bccc6c015866a348bd7c9f04e1f526b66682e7482be83835d363fcfe149552b4ef6e41dbda3cf2f7c0"
#define EMPTY_DIGEST                                                                                   \
        "sha384:31633de646e7db9db75e5aadbf6b6fe25c0c86647ac578d76d494fd432eed68f76bdf0c6d5a43dd06e7774b684abc140"
#define EMPTY_REPORT_DIGEST                                                                            \
        "sha384:ff0e28664628a1ffb0fa4d5e249b619273a65dc91c1bf28b6d8f916474f05ff439969f1829b4b592f3cbe489399b704d"
#define WITH_EMPTY_CERT1_DIGEST                                                                        \
        "sha384:3b63f3c44f0fbd234b8f91fc8a339a418199b35e9b4a2557d36cfa98fc6cf58103eebf4944a21ef1a0c4ada747f4e5bd"
#define WITH_EMPTY_CERT1_CERTS_DIGEST                                                                  \
        "sha384:3ffe2915b8f468c8cf4d22dae5560f039ed677643dfc28431cf292085048d09b8ba57567b9e4bf710df5340e4204419c"
#define CERT1_ONLY_CERTS_DIGEST                                                                        \
        "sha384:a8345766a96633e4b78e3c088d6ae9bdd3e1f27dd4805114b1713f82f80fab8367b59ad46e6f325431929bce33233b80"
/* printf CERT0-DATA | sha384sum */
#define CERT0_SHA384                                                                                   \
        "sha384:6276ad855073dc31f1ee16ed28b90b2f344e481eeb8486af64ebb8235983a5293d029f07ca6db2b464c9cb82a99e2900"

static uint8_t vca[128], measurements[300];

static void init_data(void) {
        for (size_t i = 0; i < sizeof(vca); i++)
                vca[i] = (uint8_t) i;
        memset(measurements, 'M', sizeof(measurements));
}

static void assert_digest(const EvidenceSet *s, const char *expected) {
        char d[SHA384_STRING_MAX];

        assert(evidence_set_digest_string(s, d) == 0);
        printf("  digest %s\n", d);
        assert(streq(d, expected));
}

static void assert_certs_digest(const EvidenceSet *s, const char *expected) {
        uint8_t d[SHA384_DIGEST_SIZE];
        char str[SHA384_STRING_MAX];

        assert(evidence_set_certificates_digest(s, d) == 0);
        assert(streq(sha384_to_string(d, str), expected));
}

static void test_type_table(void) {
        static const char *const names[] = { "cert0", "cert1", "cert2", "cert3", "cert4", "cert5",
                                             "cert6", "cert7", "vca", "measurements", "report" };

        assert(ELEMENTSOF(names) == _EVIDENCE_TYPE_MAX);
        for (EvidenceType t = 0; t < _EVIDENCE_TYPE_MAX; t++) {
                assert(streq(evidence_type_to_string(t), names[t]));
                assert(evidence_type_from_string(names[t]) == t);
        }
        assert(evidence_type_from_string("cert8") == _EVIDENCE_TYPE_INVALID);
        assert(evidence_type_from_string("Cert0") == _EVIDENCE_TYPE_INVALID);
        assert(evidence_type_from_string(NULL) == _EVIDENCE_TYPE_INVALID);
        assert(!evidence_type_to_string(_EVIDENCE_TYPE_MAX));
        assert(!evidence_type_to_string(-1));
        assert(EVIDENCE_TYPE_MASK_ALL == 0x7ff);
        assert(EVIDENCE_TYPE_MASK_CERTS == 0xff);
}

static void test_set(void) {
        _cleanup_(evidence_set_freep) EvidenceSet *s = NULL;
        const EvidenceObject *o;
        char str[SHA384_STRING_MAX];

        printf("set\n");
        assert(evidence_set_new(&s) == 0);
        assert(evidence_set_count(s) == 0);
        assert_digest(s, EMPTY_DIGEST);
        assert(evidence_set_certificates_digest(s, (uint8_t[SHA384_DIGEST_SIZE]) {}) == -ENOENT);

        /* Added out of order: the digest follows the type numbers. */
        assert(evidence_set_add(s, EVIDENCE_MEASUREMENTS, measurements, sizeof(measurements)) == 0);
        assert(evidence_set_add(s, EVIDENCE_VCA, vca, sizeof(vca)) == 0);
        assert(evidence_set_add(s, EVIDENCE_CERT0, "CERT0-DATA", 10) == 0);
        assert(evidence_set_count(s) == 3);
        assert(evidence_set_mask(s) == ((1U << EVIDENCE_CERT0) | (1U << EVIDENCE_VCA) |
                                        (1U << EVIDENCE_MEASUREMENTS)));
        assert(s->total_size == 10 + sizeof(vca) + sizeof(measurements));
        assert_digest(s, BASE_DIGEST);
        assert_certs_digest(s, BASE_CERTS_DIGEST);

        o = evidence_set_get(s, EVIDENCE_CERT0);
        assert(o && o->present && o->size == 10 && memcmp(o->data, "CERT0-DATA", 10) == 0);
        assert(streq(sha384_to_string(o->sha384, str), CERT0_SHA384));
        assert(!evidence_set_get(s, EVIDENCE_REPORT));
        assert(!evidence_set_get(s, _EVIDENCE_TYPE_MAX));
        assert(!evidence_set_get(s, -1));

        assert(evidence_set_add(s, EVIDENCE_VCA, "x", 1) == -EEXIST);
        assert(evidence_set_add(s, _EVIDENCE_TYPE_MAX, "x", 1) == -EINVAL);
        assert(evidence_set_add(s, -1, "x", 1) == -EINVAL);
        assert(evidence_set_count(s) == 3);

        /* An empty object counts: it is framed with its name and length 0. */
        assert(evidence_set_add(s, EVIDENCE_CERT1, NULL, 0) == 0);
        assert_digest(s, WITH_EMPTY_CERT1_DIGEST);
        assert_certs_digest(s, WITH_EMPTY_CERT1_CERTS_DIGEST);
}

static void test_set_digest_small_cases(void) {
        _cleanup_(evidence_set_freep) EvidenceSet *a = NULL, *b = NULL;

        printf("small sets\n");
        assert(evidence_set_new(&a) == 0);
        assert(evidence_set_add(a, EVIDENCE_REPORT, "", 0) == 0);
        assert_digest(a, EMPTY_REPORT_DIGEST);

        assert(evidence_set_new(&b) == 0);
        assert(evidence_set_add(b, EVIDENCE_CERT1, "x", 1) == 0);
        assert_certs_digest(b, CERT1_ONLY_CERTS_DIGEST);
        /* The certificates digest ignores everything but the chains. */
        assert(evidence_set_add(b, EVIDENCE_REPORT, "r", 1) == 0);
        assert_certs_digest(b, CERT1_ONLY_CERTS_DIGEST);
}

/* Moving bytes between objects, or an object between slots, changes the digest. */
static void test_digest_framing(void) {
        _cleanup_(evidence_set_freep) EvidenceSet *a = NULL, *b = NULL, *c = NULL;
        uint8_t da[SHA384_DIGEST_SIZE], db[SHA384_DIGEST_SIZE], dc[SHA384_DIGEST_SIZE];

        printf("framing\n");
        assert(evidence_set_new(&a) == 0);
        assert(evidence_set_new(&b) == 0);
        assert(evidence_set_new(&c) == 0);
        assert(evidence_set_add(a, EVIDENCE_CERT0, "AB", 2) == 0);
        assert(evidence_set_add(a, EVIDENCE_CERT1, "C", 1) == 0);
        assert(evidence_set_add(b, EVIDENCE_CERT0, "A", 1) == 0);
        assert(evidence_set_add(b, EVIDENCE_CERT1, "BC", 2) == 0);
        assert(evidence_set_add(c, EVIDENCE_CERT1, "AB", 2) == 0);
        assert(evidence_set_add(c, EVIDENCE_CERT2, "C", 1) == 0);

        assert(evidence_set_digest(a, da) == 0);
        assert(evidence_set_digest(b, db) == 0);
        assert(evidence_set_digest(c, dc) == 0);
        assert(memcmp(da, db, sizeof(da)) != 0);
        assert(memcmp(da, dc, sizeof(da)) != 0);

        assert(evidence_set_certificates_digest(a, da) == 0);
        assert(evidence_set_certificates_digest(b, db) == 0);
        assert(memcmp(da, db, sizeof(da)) != 0);

        /* The two digests are domain-separated even over the same objects. */
        assert(evidence_set_digest(a, da) == 0);
        assert(evidence_set_certificates_digest(a, db) == 0);
        assert(memcmp(da, db, sizeof(da)) != 0);
}

static void test_assembler(void) {
        _cleanup_(evidence_assembler_done) EvidenceAssembler a = {};
        _cleanup_(evidence_set_freep) EvidenceSet *s = NULL;

        printf("assembler\n");
        evidence_assembler_init(&a);

        /* The emulator's shape: TYPE+VAL, then VAL-only continuations. */
        assert(evidence_assembler_feed(&a, EVIDENCE_CERT0, "CERT", 4) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_CONTINUATION, "0-", 2) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_CONTINUATION, NULL, 0) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_CONTINUATION, "DATA", 4) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_VCA, vca, 1) == 0);
        for (size_t i = 1; i < sizeof(vca); i++)
                assert(evidence_assembler_feed(&a, EVIDENCE_CONTINUATION, vca + i, 1) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_MEASUREMENTS, measurements, 100) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_CONTINUATION, measurements + 100, 200) == 0);
        assert(evidence_assembler_finish(&a, &s) == 0);
        assert(evidence_set_count(s) == 3);
        assert_digest(s, BASE_DIGEST);
        s = evidence_set_free(s);

        /* The assembler is reusable, and arrival order does not matter. */
        assert(evidence_assembler_feed(&a, EVIDENCE_MEASUREMENTS, measurements, sizeof(measurements)) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_CERT0, "CERT0-DATA", 10) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_VCA, NULL, 0) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_CONTINUATION, vca, sizeof(vca)) == 0);
        assert(evidence_assembler_finish(&a, &s) == 0);
        assert_digest(s, BASE_DIGEST);
        s = evidence_set_free(s);

        /* Nothing fed: an empty set (the transport decides what that means). */
        assert(evidence_assembler_finish(&a, &s) == 0);
        assert(s && evidence_set_count(s) == 0);
        s = evidence_set_free(s);

        /* A started object with no data is an empty object. */
        assert(evidence_assembler_feed(&a, EVIDENCE_REPORT, NULL, 0) == 0);
        assert(evidence_assembler_finish(&a, &s) == 0);
        assert_digest(s, EMPTY_REPORT_DIGEST);
        s = evidence_set_free(s);

        /* Reset forgets a partial read (the kernel said -EAGAIN). */
        assert(evidence_assembler_feed(&a, EVIDENCE_CERT0, "stale", 5) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_VCA, "stale", 5) == 0);
        evidence_assembler_reset(&a);
        assert(evidence_assembler_feed(&a, EVIDENCE_CERT0, "CERT0-DATA", 10) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_VCA, vca, sizeof(vca)) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_MEASUREMENTS, measurements, sizeof(measurements)) == 0);
        assert(evidence_assembler_finish(&a, &s) == 0);
        assert_digest(s, BASE_DIGEST);
}

static void test_assembler_errors(void) {
        static const struct {
                const char *name;
                int types[4];           /* fed in order, each with one byte; INT32_MIN ends */
                int error;              /* of the last feed, and then of finish */
        } t[] = {
                { "continuation first", { EVIDENCE_CONTINUATION, INT32_MIN }, -EBADMSG },
                { "type twice", { EVIDENCE_CERT0, EVIDENCE_VCA, EVIDENCE_CERT0, INT32_MIN }, -EBADMSG },
                { "type twice in a row", { EVIDENCE_VCA, EVIDENCE_VCA, INT32_MIN }, -EBADMSG },
                { "unknown type", { EVIDENCE_CERT0, _EVIDENCE_TYPE_MAX, INT32_MIN }, -EBADMSG },
                { "negative type", { -2, INT32_MIN }, -EBADMSG },
                { "huge type", { 1 << 20, INT32_MIN }, -EBADMSG },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(evidence_assembler_done) EvidenceAssembler a = {};
                EvidenceSet *s = NULL;
                int r = 0;

                printf("error case: %s\n", t[i].name);
                evidence_assembler_init(&a);
                for (size_t k = 0; t[i].types[k] != INT32_MIN; k++)
                        r = evidence_assembler_feed(&a, t[i].types[k], "x", 1);
                assert(r == t[i].error);

                /* Sticky: nothing more is taken, and finish reports the error. */
                assert(evidence_assembler_feed(&a, EVIDENCE_REPORT, "x", 1) == t[i].error);
                assert(evidence_assembler_feed(&a, EVIDENCE_CONTINUATION, "x", 1) == t[i].error);
                assert(evidence_assembler_finish(&a, &s) == t[i].error);
                assert(!s);

                /* …after which the assembler is fresh again. */
                assert(evidence_assembler_feed(&a, EVIDENCE_REPORT, "x", 1) == 0);
        }
}

static void test_assembler_limits(void) {
        _cleanup_(evidence_assembler_done) EvidenceAssembler a = {};
        _cleanup_(evidence_set_freep) EvidenceSet *s = NULL;
        _cleanup_free_ uint8_t *big = NULL;
        const size_t chunk = 1024U * 1024U;

        printf("limits\n");
        big = calloc(1, EVIDENCE_OBJECT_SIZE_MAX + 1);
        assert(big);
        evidence_assembler_init(&a);

        /* Exactly the object limit is fine, in chunks… */
        assert(evidence_assembler_feed(&a, EVIDENCE_CERT0, big, chunk) == 0);
        for (size_t n = chunk; n < EVIDENCE_OBJECT_SIZE_MAX; n += chunk)
                assert(evidence_assembler_feed(&a, EVIDENCE_CONTINUATION, big, chunk) == 0);
        /* …one byte more is not. */
        assert(evidence_assembler_feed(&a, EVIDENCE_CONTINUATION, big, 1) == -E2BIG);
        assert(evidence_assembler_finish(&a, &s) == -E2BIG);

        /* Oversized in one piece. */
        assert(evidence_assembler_feed(&a, EVIDENCE_CERT0, big, EVIDENCE_OBJECT_SIZE_MAX + 1) == -E2BIG);
        evidence_assembler_reset(&a);

        /* The set limit: two full objects fill 32 MiB, a third byte anywhere is too much. */
        assert(EVIDENCE_SET_SIZE_MAX == 2 * EVIDENCE_OBJECT_SIZE_MAX);
        assert(evidence_assembler_feed(&a, EVIDENCE_CERT0, big, EVIDENCE_OBJECT_SIZE_MAX) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_CERT1, big, EVIDENCE_OBJECT_SIZE_MAX) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_REPORT, NULL, 0) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_CONTINUATION, big, 1) == -E2BIG);
        evidence_assembler_reset(&a);

        assert(evidence_assembler_feed(&a, EVIDENCE_CERT0, big, EVIDENCE_OBJECT_SIZE_MAX) == 0);
        assert(evidence_assembler_feed(&a, EVIDENCE_CERT1, big, EVIDENCE_OBJECT_SIZE_MAX) == 0);
        assert(evidence_assembler_finish(&a, &s) == 0);
        assert(s->total_size == EVIDENCE_SET_SIZE_MAX);
        s = evidence_set_free(s);

        /* The set itself enforces both limits too. */
        assert(evidence_set_new(&s) == 0);
        assert(evidence_set_add(s, EVIDENCE_CERT0, big, EVIDENCE_OBJECT_SIZE_MAX + 1) == -E2BIG);
        assert(evidence_set_add(s, EVIDENCE_CERT0, big, EVIDENCE_OBJECT_SIZE_MAX) == 0);
        assert(evidence_set_add(s, EVIDENCE_CERT1, big, EVIDENCE_OBJECT_SIZE_MAX) == 0);
        assert(evidence_set_add(s, EVIDENCE_CERT2, big, 1) == -E2BIG);
        assert(evidence_set_count(s) == 2);
}

int main(void) {
        init_data();
        test_type_table();
        test_set();
        test_set_digest_small_cases();
        test_digest_framing();
        test_assembler();
        test_assembler_errors();
        test_assembler_limits();
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-bundle.c — the evidence bundle, byte for byte, and its digest.
 *
 * The expected bundle_digest and evidence digests were recomputed from the JSON text with Python
 * (hashlib, base64, json) following the definitions in bundle.h and evidence.h, independently of
 * the C code; conf/examples/verifier-example.py carries the same computation. */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>

#include "bundle.h"
#include "device-info.h"

#define ALL_IDS                                                                                        \
        (DEVICE_ID_VENDOR | DEVICE_ID_DEVICE | DEVICE_ID_SUBSYSTEM_VENDOR | DEVICE_ID_SUBSYSTEM_DEVICE | \
         DEVICE_ID_CLASS)

static EvidenceSet *ev_a, *ev_b;

static void make_evidence(void) {
        assert(evidence_set_new(&ev_a) == 0);
        assert(evidence_set_add(ev_a, EVIDENCE_MEASUREMENTS, "meas", 4) == 0);
        assert(evidence_set_add(ev_a, EVIDENCE_CERT0, "CERT0-DATA", 10) == 0);
        assert(evidence_set_new(&ev_b) == 0);
        assert(evidence_set_add(ev_b, EVIDENCE_REPORT, "\x00\x01\xff", 3) == 0);
}

static const BundleTopologyEntry topology[] = {
        { .device = "virtio0", .bus = "virtio", .ids = { .mask = DEVICE_ID_VENDOR | DEVICE_ID_DEVICE,
          .vendor = 0x1af4, .device = 0x1 }, .driver = "virtio_net", .state = "bound" },
        { .device = "0000:00:05.0", .bus = "pci", .ids = { .mask = DEVICE_ID_VENDOR | DEVICE_ID_DEVICE,
          .vendor = 0x1b36, .device = 0x5 }, .state = "attesting" },
        { .device = "serial\x01\\\"x\xc3\xa9", .bus = "platform", .state = "denied" },
        { .device = "0000:01:00.0", .bus = "pci", .ids = { .mask = ALL_IDS, .vendor = 0x1b36, .device = 0x5,
          .subsystem_vendor = 0x1af4, .subsystem_device = 0x1100, .class = 0xff0000 }, .state = "attesting" },
};

#define EV_A_DIGEST \
        "sha384:1a04d9e1763de2194b54aba3a08c543d2ad1f100a9e33d6cd700cef04493214fa974cb48bd516de9db7beb67ea01d185"
#define EV_B_DIGEST \
        "sha384:d62a6352c967b2b065e6d053c42d65e80a6a18af3d636a064c6296f5592abc56ce0d240039f8747cc88a799f332203e7"
#define REPORT_SHA384 \
        "sha384:91482b95e5461ed0cfb4c3edfa83e2d4323b711eec58b8249588dfc0d4b3343ad6794664dd2989bfa52ebaa480a77566"
#define CERT0_SHA384 \
        "sha384:6276ad855073dc31f1ee16ed28b90b2f344e481eeb8486af64ebb8235983a5293d029f07ca6db2b464c9cb82a99e2900"
#define MEAS_SHA384 \
        "sha384:aa4115fb90cf8efd7076d6d36775c5c6526a118ba6e453644a09bc086e9302c25dad0ae820ff1c26a6366d1b03f24ac1"
#define BUNDLE_DIGEST \
        "sha384:65672f95044714cd3400b307f6a56cc879386f7dc4709a7a5340c879cfbf6d9a20b62c23e6ed2448c8019a57bfb6699f"
#define EMPTY_DIGEST \
        "sha384:d91a0582bf5db1b69e965cf8ffdc68c745e85e41995a7d98f0d37e1e8a453e4c11ffc009b55bb36a4353e5850c1b329d"

#define EXPECTED_BUNDLE                                                                                \
        "{\"version\":1,"                                                                              \
        "\"nonce\":\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\","              \
        "\"devices\":["                                                                                \
        "{\"device\":\"0000:00:05.0\",\"bus\":\"pci\",\"vendor\":\"0x1b36\",\"device_id\":\"0x0005\","   \
        "\"evidence_digest\":\"" EV_B_DIGEST "\","                                                     \
        "\"objects\":[{\"type\":\"report\",\"size\":3,\"sha384\":\"" REPORT_SHA384 "\","                \
        "\"data\":\"AAH/\"}]},"                                                                        \
        "{\"device\":\"0000:01:00.0\",\"bus\":\"pci\",\"vendor\":\"0x1b36\",\"device_id\":\"0x0005\","   \
        "\"subsystem_vendor\":\"0x1af4\",\"subsystem_device\":\"0x1100\",\"class\":\"0xff0000\","         \
        "\"modalias\":\"pci:v00001B36d00000005sv00001AF4sd00001100bcFFsc00i00\",\"tsm\":\"tsm0\","       \
        "\"evidence_digest\":\"" EV_A_DIGEST "\","                                                     \
        "\"objects\":[{\"type\":\"cert0\",\"size\":10,\"sha384\":\"" CERT0_SHA384 "\","                 \
        "\"data\":\"Q0VSVDAtREFUQQ==\"},"                                                              \
        "{\"type\":\"measurements\",\"size\":4,\"sha384\":\"" MEAS_SHA384 "\",\"data\":\"bWVhcw==\"}]}],"  \
        "\"topology\":["                                                                               \
        "{\"device\":\"0000:00:05.0\",\"bus\":\"pci\",\"vendor\":\"0x1b36\",\"device_id\":\"0x0005\","   \
        "\"state\":\"attesting\"},"                                                                    \
        "{\"device\":\"0000:01:00.0\",\"bus\":\"pci\",\"vendor\":\"0x1b36\",\"device_id\":\"0x0005\","   \
        "\"subsystem_vendor\":\"0x1af4\",\"subsystem_device\":\"0x1100\",\"class\":\"0xff0000\","         \
        "\"state\":\"attesting\"},"                                                                    \
        "{\"device\":\"serial\\\\x01\\\\x5c\\\"x\\\\xc3\\\\xa9\",\"bus\":\"platform\",\"state\":\"denied\"}," \
        "{\"device\":\"virtio0\",\"bus\":\"virtio\",\"vendor\":\"0x1af4\",\"device_id\":\"0x0001\","     \
        "\"driver\":\"virtio_net\",\"state\":\"bound\"}],"                                             \
        "\"bundle_digest\":\"" BUNDLE_DIGEST "\"}\n"

static void test_bundle(void) {
        uint8_t nonce[32];
        const BundleDevice devices[] = {
                { .device = "0000:01:00.0", .bus = "pci", .ids = { .mask = ALL_IDS, .vendor = 0x1b36,
                  .device = 0x5, .subsystem_vendor = 0x1af4, .subsystem_device = 0x1100, .class = 0xff0000 },
                  .modalias = "pci:v00001B36d00000005sv00001AF4sd00001100bcFFsc00i00", .tsm = "tsm0",
                  .evidence = ev_a },
                { .device = "0000:00:05.0", .bus = "pci", .ids = { .mask = DEVICE_ID_VENDOR | DEVICE_ID_DEVICE,
                  .vendor = 0x1b36, .device = 0x5 }, .evidence = ev_b },
        };
        const BundleDevice reversed[] = { devices[1], devices[0] };
        const BundleTopologyEntry topology_reversed[] = { topology[3], topology[2], topology[1], topology[0] };
        _cleanup_free_ char *json = NULL, *json2 = NULL;
        char digest[SHA384_STRING_MAX], digest2[SHA384_STRING_MAX];
        size_t size = 0;

        for (size_t i = 0; i < sizeof(nonce); i++)
                nonce[i] = (uint8_t) i;

        assert(bundle_build(devices, ELEMENTSOF(devices), topology, ELEMENTSOF(topology), nonce, sizeof(nonce),
                            &json, &size, digest) == 0);
        printf("%s", json);
        printf("digest %s\n", digest);
        assert(size == strlen(json));
        assert(streq(json, EXPECTED_BUNDLE));
        assert(streq(digest, BUNDLE_DIGEST));

        /* Input order does not matter. */
        assert(bundle_build(reversed, ELEMENTSOF(reversed), topology_reversed, ELEMENTSOF(topology_reversed),
                            nonce, sizeof(nonce), &json2, NULL, digest2) == 0);
        assert(streq(json, json2));
        assert(streq(digest, digest2));
        json2 = mfree(json2);

        /* The nonce is part of the digest; without one there is no "nonce" key. */
        assert(bundle_build(devices, ELEMENTSOF(devices), topology, ELEMENTSOF(topology), NULL, 0, &json2, NULL,
                            digest2) == 0);
        assert(!strstr(json2, "\"nonce\""));
        assert(!streq(digest, digest2));
        json2 = mfree(json2);

        /* So is every topology field: a driver appearing changes it. */
        BundleTopologyEntry changed[ELEMENTSOF(topology)];
        memcpy(changed, topology, sizeof(topology));
        changed[1].driver = "ccprepare_test";
        assert(bundle_build(devices, ELEMENTSOF(devices), changed, ELEMENTSOF(changed), nonce, sizeof(nonce),
                            &json2, NULL, digest2) == 0);
        assert(!streq(digest, digest2));
}

static void test_empty(void) {
        _cleanup_free_ char *json = NULL;
        char digest[SHA384_STRING_MAX];

        assert(bundle_build(NULL, 0, NULL, 0, NULL, 0, &json, NULL, digest) == 0);
        printf("%s", json);
        assert(streq(json, "{\"version\":1,\"devices\":[],\"topology\":[],\"bundle_digest\":\"" EMPTY_DIGEST
                           "\"}\n"));
        assert(streq(digest, EMPTY_DIGEST));
}

static void test_errors(void) {
        BundleDevice d = { .device = "0000:01:00.0", .bus = "pci", .evidence = ev_a };
        BundleTopologyEntry t = { .device = "0000:01:00.0", .bus = "pci", .state = "attesting" };
        EvidenceSet full = { .total_size = BUNDLE_EVIDENCE_SIZE_MAX }, one = { .total_size = 1 };
        char *json = NULL;

        assert(bundle_build((BundleDevice[]) { d, d }, 2, NULL, 0, NULL, 0, &json, NULL, NULL) == -EINVAL);
        assert(bundle_build(NULL, 0, (BundleTopologyEntry[]) { t, t }, 2, NULL, 0, &json, NULL, NULL) == -EINVAL);
        assert(bundle_build((BundleDevice[]) { { .device = "x", .evidence = ev_a } }, 1, NULL, 0, NULL, 0, &json,
                            NULL, NULL) == -EINVAL);
        assert(bundle_build((BundleDevice[]) { { .device = "x", .bus = "pci" } }, 1, NULL, 0, NULL, 0, &json,
                            NULL, NULL) == -EINVAL);
        assert(bundle_build(NULL, 0, (BundleTopologyEntry[]) { { .device = "x", .bus = "pci" } }, 1, NULL, 0,
                            &json, NULL, NULL) == -EINVAL);
        assert(bundle_build(&d, 1, NULL, 0, (uint8_t[65]) {}, 65, &json, NULL, NULL) == -EINVAL);
        assert(bundle_build(&d, 1, NULL, 0, NULL, 4, &json, NULL, NULL) == -EINVAL);
        assert(bundle_build(&d, 1, NULL, 0, "x", 0, &json, NULL, NULL) == -EINVAL);

        /* One name on two buses (an ACPI companion and its platform device) is two devices. */
        _cleanup_free_ char *json2 = NULL;
        BundleTopologyEntry acpi = { .device = "PNP0103:00", .bus = "platform", .state = "bound" };
        assert(bundle_build(NULL, 0, (BundleTopologyEntry[]) { acpi, { .device = "PNP0103:00", .bus = "acpi",
                            .state = "denied" } }, 2, NULL, 0, &json2, NULL, NULL) == 0);
        assert(strstr(json2, "\"topology\":[{\"device\":\"PNP0103:00\",\"bus\":\"acpi\",\"state\":\"denied\"},"
                             "{\"device\":\"PNP0103:00\",\"bus\":\"platform\",\"state\":\"bound\"}]"));
        assert(bundle_build(NULL, 0, (BundleTopologyEntry[]) { acpi, acpi }, 2, NULL, 0, &json, NULL, NULL) == -EINVAL);

        /* The evidence limit counts all devices together. */
        assert(bundle_build((BundleDevice[]) { { .device = "a", .bus = "pci", .evidence = &full },
                                               { .device = "b", .bus = "pci", .evidence = &one } }, 2,
                            NULL, 0, NULL, 0, &json, NULL, NULL) == -E2BIG);
        assert(!json);
}

int main(void) {
        make_evidence();
        test_bundle();
        test_empty();
        test_errors();
        evidence_set_free(ev_a);
        evidence_set_free(ev_b);
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-reference-values.c — local reference values: parsing, first-match selection and judging.
 *
 * Digests were computed with sha384sum and, for the certificates digest (evidence.h), with
 * Python's hashlib. The file is parsed from memory; loading it is the daemon's business. */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>

#include "reference-values.h"

/* certificates digest of cert0 = "CERT0-DATA", cert1 = "CERT1" */
#define CERTS "sha384:7df590a6139124361cd2880f8be9a79a472a902aba06a7f5596da1a01ecd7d794e0ddbbb1ef22df382ae1a20b25cbb46"
/* printf 'measurements v1' | sha384sum */
#define MEAS "sha384:df388efbca1c2f5fa410dbb63b44583f6b56eaac7e6602328524cac33d806f37e1441875e6cc9e3613fc61384707025e"
/* printf report | sha384sum */
#define REPORT "sha384:0e414109e36b96e5535558f0983e744de73d8d4ec12ebc852406a3611745aff54e692b54c8c053afffd1e71624b4b64c"
/* printf 'measurements v2' | sha384sum */
#define MEAS_V2 "f7da55b1f61a877a0f4317bfec2063d7e9fca7b138b55194654d3efb38b82266fddf269b3ddf61979014e6a0ab380ee0"
/* printf m | sha384sum */
#define M "7857a47542aca03c22c39461231a919d9904a5915937278535a41291791b96c06717638cd6b0a2e5b8a20a53ec980f57"
#define OTHER "sha384:31633de646e7db9db75e5aadbf6b6fe25c0c86647ac578d76d494fd432eed68f76bdf0c6d5a43dd06e7774b684abc140"

static const char *reference_file =
        "{\n"
        "  \"version\": 1,\n"
        "  \"devices\": [\n"
        "    { \"match\": { \"vendor\": \"0x1b36\", \"device_id\": \"0x0005\", \"path\": \"0000:00:05.0\" },\n"
        "      \"certificates\": \"" CERTS "\", \"measurements\": [\"" OTHER "\", \"" MEAS "\"],\n"
        "      \"report\": \"" REPORT "\" },\n"
        "    { \"match\": { \"vendor\": \"0x1b36\", \"device_id\": \"0x0005\", \"subsystem_vendor\": \"0x1af4\" },\n"
        "      \"certificates\": \"" CERTS "\" },\n"
        "    { \"match\": { \"path\": \"0000:02:*\" }, \"measurements\": \"" OTHER "\" },\n"
        "    { \"match\": { \"vendor\": \"8086\" }, \"report\": \"" REPORT "\" }\n"
        "  ]\n"
        "}\n";

static EvidenceSet *make_evidence(bool with_report, const char *measurements) {
        EvidenceSet *s;

        assert(evidence_set_new(&s) == 0);
        assert(evidence_set_add(s, EVIDENCE_CERT0, "CERT0-DATA", 10) == 0);
        assert(evidence_set_add(s, EVIDENCE_CERT1, "CERT1", 5) == 0);
        assert(evidence_set_add(s, EVIDENCE_MEASUREMENTS, measurements, strlen(measurements)) == 0);
        if (with_report)
                assert(evidence_set_add(s, EVIDENCE_REPORT, "report", 6) == 0);
        return s;
}

static void test_judge(void) {
        _cleanup_(conf_error_done) ConfError e = {};
        _cleanup_(reference_values_freep) ReferenceValues *refs = NULL;
        static const struct {
                const char *name;
                const char *sysname;
                unsigned ids;
                uint32_t vendor, device, subsystem_vendor;
                bool report;
                const char *measurements;
                bool approve;
                const char *reason;
        } t[] = {
                { "all three digests met", "0000:00:05.0", DEVICE_ID_VENDOR | DEVICE_ID_DEVICE, 0x1b36, 0x5, 0, true,
                  "measurements v1", true, "matches reference values devices[0]" },
                { "measurements differ", "0000:00:05.0", DEVICE_ID_VENDOR | DEVICE_ID_DEVICE, 0x1b36, 0x5, 0, true,
                  "measurements v2", false,
                  "reference values devices[0]: measurements digest sha384:" MEAS_V2 " is not a reference value" },
                { "report missing (read before lock)", "0000:00:05.0", DEVICE_ID_VENDOR | DEVICE_ID_DEVICE, 0x1b36,
                  0x5, 0, false, "measurements v1", false, "reference values devices[0]: no report in the evidence" },
                { "second entry by subsystem vendor", "0000:01:00.0",
                  DEVICE_ID_VENDOR | DEVICE_ID_DEVICE | DEVICE_ID_SUBSYSTEM_VENDOR, 0x1b36, 0x5, 0x1af4, false,
                  "anything", true, "matches reference values devices[1]" },
                { "subsystem vendor unknown: no match", "0000:01:00.0", DEVICE_ID_VENDOR | DEVICE_ID_DEVICE, 0x1b36,
                  0x5, 0, false, "anything", false, "no reference values" },
                { "path glob, digest differs", "0000:02:00.0", DEVICE_ID_VENDOR, 0x1234, 0, 0, true, "m", false,
                  "reference values devices[2]: measurements digest sha384:" M " is not a reference value" },
                { "id without 0x", "0000:03:00.0", DEVICE_ID_VENDOR, 0x8086, 0, 0, true, "m", true,
                  "matches reference values devices[3]" },
                { "nothing matches", "0000:04:00.0", DEVICE_ID_VENDOR, 0x10de, 0, 0, true, "m", false,
                  "no reference values" },
        };

        assert(reference_values_parse(reference_file, strlen(reference_file), "/etc/tdispd/refs.json", &refs, &e) == 0);
        assert(refs->n_entries == 4);
        assert(refs->entries[0].n_digests[REFERENCE_MEASUREMENTS] == 2);
        assert(refs->entries[1].n_digests[REFERENCE_REPORT] == 0);
        assert(streq(refs->entries[2].path, "0000:02:*"));
        assert(refs->entries[3].ids == DEVICE_ID_VENDOR && refs->entries[3].vendor == 0x8086);

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(evidence_set_freep) EvidenceSet *s = make_evidence(t[i].report, t[i].measurements);
                _cleanup_free_ char *reason = NULL;
                DeviceInfo d = {
                        .sysname = (char *) t[i].sysname,
                        .ids = t[i].ids,
                        .vendor = t[i].vendor,
                        .device = t[i].device,
                        .subsystem_vendor = t[i].subsystem_vendor,
                };
                bool approve = !t[i].approve;

                assert(reference_values_judge(refs, &d, s, &approve, &reason) == 0);
                printf("judge: %s → %s: %s\n", t[i].name, approve ? "approve" : "reject", reason);
                assert(approve == t[i].approve);
                assert(streq_ptr(reason, t[i].reason));
        }
}

static void test_certificates_only(void) {
        _cleanup_(conf_error_done) ConfError e = {};
        _cleanup_(reference_values_freep) ReferenceValues *refs = NULL;
        _cleanup_(evidence_set_freep) EvidenceSet *s = NULL;
        _cleanup_free_ char *reason = NULL;
        const char *text = "{\"version\":1,\"devices\":[{\"match\":{\"vendor\":\"0x1b36\"},\"certificates\":\"" CERTS
                           "\"}]}";
        DeviceInfo d = { .sysname = (char *) "0000:00:05.0", .ids = DEVICE_ID_VENDOR, .vendor = 0x1b36 };
        bool approve = true;

        assert(reference_values_parse(text, strlen(text), NULL, &refs, &e) == 0);

        /* No certificate chain at all. */
        assert(evidence_set_new(&s) == 0);
        assert(evidence_set_add(s, EVIDENCE_REPORT, "report", 6) == 0);
        assert(reference_values_judge(refs, &d, s, &approve, &reason) == 0);
        assert(!approve && streq(reason, "reference values devices[0]: no certificates in the evidence"));
        reason = mfree(reason);
        s = evidence_set_free(s);

        /* Only cert0 of the two: a different certificates digest. */
        assert(evidence_set_new(&s) == 0);
        assert(evidence_set_add(s, EVIDENCE_CERT0, "CERT0-DATA", 10) == 0);
        assert(reference_values_judge(refs, &d, s, &approve, &reason) == 0);
        assert(!approve && startswith(reason, "reference values devices[0]: certificates digest sha384:"));
        reason = mfree(reason);

        /* Both: approved, whatever else the evidence holds. */
        assert(evidence_set_add(s, EVIDENCE_CERT1, "CERT1", 5) == 0);
        assert(evidence_set_add(s, EVIDENCE_VCA, "vca", 3) == 0);
        assert(reference_values_judge(refs, &d, s, &approve, &reason) == 0);
        assert(approve && streq(reason, "matches reference values devices[0]"));
}

static void test_invalid(void) {
        static const struct {
                const char *text;
                int r;
                const char *key;
        } t[] = {
                { "", -EBADMSG, NULL },
                { "{\"devices\":[]}", -EBADMSG, "version" },
                { "{\"version\":3,\"devices\":[]}", -EPROTONOSUPPORT, "version" },
                { "{\"version\":1}", -EBADMSG, "devices" },
                { "{\"version\":1,\"devices\":{}}", -EBADMSG, "devices" },
                { "{\"version\":1,\"devices\":[],\"extra\":1}", -EBADMSG, NULL },
                { "{\"version\":1,\"devices\":[7]}", -EBADMSG, "devices[0]" },
                { "{\"version\":1,\"devices\":[{\"certificates\":\"" CERTS "\"}]}", -EBADMSG, "devices[0].match" },
                { "{\"version\":1,\"devices\":[{\"match\":{},\"certificates\":\"" CERTS "\"}]}", -EBADMSG,
                  "devices[0].match" },
                { "{\"version\":1,\"devices\":[{\"match\":{\"vendor\":\"0x1b36\"}}]}", -EBADMSG, "devices[0]" },
                { "{\"version\":1,\"devices\":[{\"match\":{\"vendor\":\"0x1b36\"},\"certificates\":\"" CERTS "\","
                  "\"firmware\":\"1.0\"}]}", -EBADMSG, "devices[0]" },
                { "{\"version\":1,\"devices\":[{\"match\":{\"device\":\"0x0005\"},\"certificates\":\"" CERTS "\"}]}",
                  -EBADMSG, "devices[0].match" },
                { "{\"version\":1,\"devices\":[{\"match\":{\"vendor\":\"0x11b36\"},\"certificates\":\"" CERTS "\"}]}",
                  -EBADMSG, "devices[0].match.vendor" },
                { "{\"version\":1,\"devices\":[{\"match\":{\"vendor\":6966},\"certificates\":\"" CERTS "\"}]}",
                  -EBADMSG, "devices[0].match.vendor" },
                { "{\"version\":1,\"devices\":[{\"match\":{\"vendor\":\"0x1b36 \"},\"certificates\":\"" CERTS "\"}]}",
                  -EBADMSG, "devices[0].match.vendor" },
                { "{\"version\":1,\"devices\":[{\"match\":{\"device_id\":\"-5\"},\"certificates\":\"" CERTS "\"}]}",
                  -EBADMSG, "devices[0].match.device_id" },
                { "{\"version\":1,\"devices\":[{\"match\":{\"path\":\"a/b\"},\"certificates\":\"" CERTS "\"}]}",
                  -EBADMSG, "devices[0].match.path" },
                { "{\"version\":1,\"devices\":[{\"match\":{\"path\":\"\"},\"certificates\":\"" CERTS "\"}]}",
                  -EBADMSG, "devices[0].match.path" },
                { "{\"version\":1,\"devices\":[{\"match\":{\"path\":\"*\"},\"certificates\":\"sha384:00\"}]}",
                  -EBADMSG, "devices[0].certificates" },
                { "{\"version\":1,\"devices\":[{\"match\":{\"path\":\"*\"},\"report\":[]}]}", -EBADMSG,
                  "devices[0].report" },
                { "{\"version\":1,\"devices\":[{\"match\":{\"path\":\"*\"},\"report\":[\"" REPORT "\",1]}]}",
                  -EBADMSG, "devices[0].report[1]" },
                { "{\"version\":1,\"devices\":[{\"match\":{\"path\":\"*\"},\"report\":{}}]}", -EBADMSG,
                  "devices[0].report" },
                { "{\"version\":1,\"devices\":[{\"match\":{\"path\":\"*\"},\"report\":\"" REPORT "\\u0000\"}]}",
                  -EBADMSG, "devices[0].report" },
                { "{\"version\":1,\"devices\":[{\"match\":{\"path\":\"*\",\"path\":\"x\"},\"report\":\"" REPORT "\"}]}",
                  -EBADMSG, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(conf_error_done) ConfError e = {};
                _cleanup_(reference_values_freep) ReferenceValues *refs = NULL;
                _cleanup_free_ char *msg = NULL;
                int r;

                r = reference_values_parse(t[i].text, strlen(t[i].text), "refs.json", &refs, &e);
                msg = conf_error_format(&e);
                printf("invalid %s → %d %s\n", t[i].text, r, strna(msg));
                assert(r == t[i].r);
                assert(!refs);
                assert(streq(e.filename, "refs.json"));
                assert(streq_ptr(e.key, t[i].key));
        }
}

int main(void) {
        test_judge();
        test_certificates_only();
        test_invalid();
        return 0;
}

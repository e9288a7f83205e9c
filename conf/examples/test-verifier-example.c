/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-verifier-example.c — the verifier contract end to end: a bundle built by bundle.c, judged by
 * conf/examples/verifier-example.py, and its output parsed by verdict.c. If the documented digests
 * and schemas drifted apart between the C code and the man page's definitions (which the Python
 * example implements independently), this fails.
 *
 * Arguments: the python3 interpreter and the example script. */

#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>

#include "bundle.h"
#include "device-info.h"
#include "verdict.h"

static const char *python, *script;

/* Runs the example on bundle with extra arguments; returns its exit status and stdout. */
static int run_verifier(const char *bundle, size_t size, const char *args, char **ret_output) {
        char path[] = "/tmp/tdispd-test-bundle-XXXXXX";
        _cleanup_free_ char *cmd = NULL, *out = NULL;
        size_t n = 0, allocated = 0;
        int fd, status;
        FILE *f;

        fd = mkostemp(path, O_CLOEXEC);
        assert(fd >= 0);
        assert(write(fd, bundle, size) == (ssize_t) size);
        assert(close(fd) == 0);

        assert(asprintf(&cmd, "'%s' '%s' %s < '%s'", python, script, args, path) > 0);
        f = popen(cmd, "r");
        assert(f);
        for (;;) {
                if (n + 4096 + 1 > allocated) {
                        allocated = (n + 4096 + 1) * 2;
                        out = realloc(out, allocated);
                        assert(out);
                }
                size_t k = fread(out + n, 1, 4096, f);
                n += k;
                if (k == 0)
                        break;
        }
        out[n] = '\0';
        status = pclose(f);
        assert(unlink(path) == 0);

        *ret_output = TAKE_PTR(out);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static EvidenceSet *make_evidence(const char *cert0, const char *measurements) {
        EvidenceSet *s;

        assert(evidence_set_new(&s) == 0);
        assert(evidence_set_add(s, EVIDENCE_CERT0, cert0, strlen(cert0)) == 0);
        assert(evidence_set_add(s, EVIDENCE_VCA, "\x00\x01\x02\xff", 4) == 0);
        assert(evidence_set_add(s, EVIDENCE_MEASUREMENTS, measurements, strlen(measurements)) == 0);
        assert(evidence_set_add(s, EVIDENCE_REPORT, "report", 6) == 0);
        return s;
}

int main(int argc, char *argv[]) {
        _cleanup_(evidence_set_freep) EvidenceSet *good = make_evidence("trusted chain", "m1");
        _cleanup_(evidence_set_freep) EvidenceSet *bad = make_evidence("unknown chain", "m2");
        uint8_t cert_digest[SHA384_DIGEST_SIZE], nonce[32] = { 0xa5 };
        char good_digest[SHA384_STRING_MAX], bad_digest[SHA384_STRING_MAX], allowed[SHA384_STRING_MAX];
        char bundle_digest[SHA384_STRING_MAX];
        const BundleDevice devices[] = {
                { .device = "0000:01:00.0", .bus = "pci",
                  .ids = { .mask = DEVICE_ID_VENDOR | DEVICE_ID_DEVICE, .vendor = 0x1b36, .device = 0x5 },
                  .modalias = "pci:v00001B36d00000005sv00001AF4sd00001100bcFFsc00i00", .tsm = "tsm0",
                  .evidence = good },
                { .device = "0000:00:05.0", .bus = "pci",
                  .ids = { .mask = DEVICE_ID_VENDOR | DEVICE_ID_DEVICE, .vendor = 0x1b36, .device = 0x5 },
                  .tsm = "tsm0", .evidence = bad },
        };
        const BundleTopologyEntry topology[] = {
                { .device = "0000:01:00.0", .bus = "pci", .state = "attesting" },
                { .device = "0000:00:05.0", .bus = "pci", .state = "attesting" },
                { .device = "virtio0", .bus = "virtio", .driver = "virtio_net", .state = "bound" },
        };
        bool approve;
        const char *reason;

        assert(argc == 3);
        python = argv[1];
        script = argv[2];

        assert(evidence_set_digest_string(good, good_digest) == 0);
        assert(evidence_set_digest_string(bad, bad_digest) == 0);
        assert(evidence_set_certificates_digest(good, cert_digest) == 0);
        sha384_to_string(cert_digest, allowed);
        assert(setenv("TDISPD_ALLOWED_CERTIFICATES", allowed, 1) == 0);

        /* Two devices, one allowed: approve one, reject the other, do not lock. */
        {
                _cleanup_(conf_error_done) ConfError e = {};
                _cleanup_(verdicts_freep) Verdicts *v = NULL;
                _cleanup_free_ char *bundle = NULL, *out = NULL;
                size_t size;

                assert(bundle_build(devices, ELEMENTSOF(devices), topology, ELEMENTSOF(topology), nonce,
                                    sizeof(nonce), &bundle, &size, bundle_digest) == 0);
                assert(run_verifier(bundle, size, "--lock-topology", &out) == 0);
                printf("%s", out);
                assert(verdicts_parse(out, strlen(out), bundle_digest, &v, &e) == 0);
                assert(v->n_entries == 2);
                assert(!v->lock_topology);
                assert(verdict_lookup(v, "0000:01:00.0", good_digest, &approve, &reason) == 0);
                assert(approve && streq(reason, "certificates in the allow-list"));
                assert(verdict_lookup(v, "0000:00:05.0", bad_digest, &approve, &reason) == 0);
                assert(!approve && startswith(reason, "certificates sha384:"));
                /* A verdict on the good device is no verdict on evidence read after a re-lock. */
                assert(verdict_lookup(v, "0000:01:00.0", bad_digest, &approve, &reason) == -ESTALE);
        }

        /* Only the allowed device: approved, and the topology lock is requested. */
        {
                _cleanup_(conf_error_done) ConfError e = {};
                _cleanup_(verdicts_freep) Verdicts *v = NULL;
                _cleanup_free_ char *bundle = NULL, *out = NULL;
                size_t size;

                assert(bundle_build(devices, 1, topology, ELEMENTSOF(topology), NULL, 0, &bundle, &size,
                                    bundle_digest) == 0);
                assert(run_verifier(bundle, size, "--lock-topology", &out) == 0);
                assert(verdicts_parse(out, strlen(out), bundle_digest, &v, &e) == 0);
                assert(v->n_entries == 1 && v->lock_topology);
                assert(verdict_lookup(v, "0000:01:00.0", good_digest, &approve, &reason) == 0 && approve);
        }

        /* Evidence bytes altered in transit: the recomputed digest differs, the device is rejected. */
        {
                _cleanup_(conf_error_done) ConfError e = {};
                _cleanup_(verdicts_freep) Verdicts *v = NULL;
                _cleanup_free_ char *bundle = NULL, *out = NULL;
                char *p;
                size_t size;

                assert(bundle_build(devices, 1, topology, ELEMENTSOF(topology), NULL, 0, &bundle, &size,
                                    bundle_digest) == 0);
                /* "trusted chain" is dHJ1c3RlZCBjaGFpbg== in base64; make it "urusted chain". */
                p = strstr(bundle, "\"dHJ1c3RlZCBjaGFpbg==\"");
                assert(p);
                p[1] = 'd';
                p[2] = 'X';
                assert(run_verifier(bundle, size, "", &out) == 0);
                assert(verdicts_parse(out, strlen(out), bundle_digest, &v, &e) == 0);
                assert(verdict_lookup(v, "0000:01:00.0", good_digest, &approve, &reason) == 0);
                assert(!approve && startswith(reason, "malformed evidence: cert0: digest"));
        }

        /* A bundle whose digest does not add up: the verifier refuses to answer (non-zero exit, no
         * verdict), which tdispd treats as a reject of every device. */
        {
                _cleanup_(conf_error_done) ConfError e = {};
                _cleanup_(verdicts_freep) Verdicts *v = NULL;
                _cleanup_free_ char *bundle = NULL, *out = NULL;
                size_t size;
                char *p;

                assert(bundle_build(devices, 1, topology, ELEMENTSOF(topology), NULL, 0, &bundle, &size,
                                    bundle_digest) == 0);
                p = strstr(bundle, "\"virtio_net\"");
                assert(p);
                p[1] = 'V';
                assert(run_verifier(bundle, size, "", &out) == 1);
                assert(verdicts_parse(out, strlen(out), bundle_digest, &v, &e) == -EBADMSG);
        }

        return 0;
}

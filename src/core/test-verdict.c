/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-verdict.c — verifier output: what is accepted, what is refused and with which message, and
 * the rule that a verdict for other evidence is a reject. */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>

#include "verdict.h"

#define D1 "sha384:15bcc99c813cf6c7ab78e208151dbaf3e73d51fbf0a0d51044d1ef45358481d0dd686bd6d672286cc446b299a66e94f3"
#define D2 "sha384:31633de646e7db9db75e5aadbf6b6fe25c0c86647ac578d76d494fd432eed68f76bdf0c6d5a43dd06e7774b684abc140"
#define D1_UPPER                                                                                       \
        "sha384:15BCC99C813CF6C7AB78E208151DBAF3E73D51FBF0A0D51044D1EF45358481D0DD686BD6D672286CC446B299A66E94F3"

#define ENTRY(dev, digest, verdict) "{\"device\":\"" dev "\",\"evidence_digest\":\"" digest "\",\"verdict\":\"" verdict "\"}"

static void test_valid(void) {
        _cleanup_(conf_error_done) ConfError e = {};
        _cleanup_(verdicts_freep) Verdicts *v = NULL;
        const char *text =
                "{\"version\": 1,\n"
                " \"verdicts\": [\n"
                "   {\"device\": \"0000:01:00.0\", \"evidence_digest\": \"" D1 "\", \"verdict\": \"approve\",\n"
                "    \"reason\": \"certificate chain in allow-list\"},\n"
                "   {\"device\": \"0000:00:05.0\", \"evidence_digest\": \"" D2 "\", \"verdict\": \"reject\"}\n"
                " ],\n"
                " \"lock_topology\": true,\n"
                " \"bundle_digest\": \"" D2 "\"}\n";
        const char *reason = NULL;
        bool approve = false;

        printf("valid\n");
        assert(verdicts_parse(text, strlen(text), D2, &v, &e) == 0);
        assert(v->n_entries == 2);
        assert(v->lock_topology);
        assert(streq(v->bundle_digest, D2));
        assert(streq(v->entries[0].device, "0000:01:00.0"));
        assert(streq(v->entries[0].evidence_digest, D1));
        assert(v->entries[0].kind == VERDICT_APPROVE);
        assert(streq(v->entries[0].reason, "certificate chain in allow-list"));
        assert(v->entries[1].kind == VERDICT_REJECT);
        assert(!v->entries[1].reason);

        /* The digest the daemon asked about: the verdict applies. */
        assert(verdict_lookup(v, "0000:01:00.0", D1, &approve, &reason) == 0);
        assert(approve && streq(reason, "certificate chain in allow-list"));
        assert(verdict_lookup(v, "0000:00:05.0", D2, &approve, &reason) == 0);
        assert(!approve && !reason);

        /* Other evidence (re-locked since, or the verifier judged something else): stale, a reject. */
        approve = true;
        assert(verdict_lookup(v, "0000:01:00.0", D2, &approve, &reason) == -ESTALE);
        assert(!approve && streq(reason, "stale evidence"));
        assert(verdict_lookup(v, "0000:00:05.0", D1, &approve, NULL) == -ESTALE);
        assert(!approve);

        assert(verdict_lookup(v, "0000:02:00.0", D1, &approve, &reason) == -ENOENT);
        assert(verdict_lookup(v, "0000:01:00.0", D1_UPPER, &approve, &reason) == -EINVAL);
        assert(verdict_lookup(v, "0000:01:00.0", "", &approve, &reason) == -EINVAL);
        assert(verdict_lookup(v, "0000:01:00.0", NULL, &approve, &reason) == -EINVAL);

        /* Without an expected bundle digest (push mode), any well-formed one is taken. */
        v = verdicts_free(v);
        assert(verdicts_parse(text, strlen(text), NULL, &v, &e) == 0);
        v = verdicts_free(v);

        /* Minimal: no verdicts, no lock, no bundle digest. */
        assert(verdicts_parse("{\"version\":1,\"verdicts\":[]}", 27, D1, &v, &e) == 0);
        assert(v->n_entries == 0 && !v->lock_topology && isempty(v->bundle_digest));
        assert(verdict_lookup(v, "0000:01:00.0", D1, &approve, &reason) == -ENOENT);
}

static void test_invalid(void) {
        static const struct {
                const char *text;
                int r;
                const char *key;        /* JSON path in the error, NULL for the document */
        } t[] = {
                { "", -EBADMSG, NULL },
                { "garbage", -EBADMSG, NULL },
                { "[]", -EBADMSG, NULL },
                { "{\"version\":1,\"verdicts\":[]} {}", -EBADMSG, NULL },
                { "{\"version\":1,\"verdicts\":[],\"version\":1}", -EBADMSG, NULL },
                { "{\"verdicts\":[]}", -EBADMSG, "version" },
                { "{\"version\":2,\"verdicts\":[]}", -EPROTONOSUPPORT, "version" },
                { "{\"version\":0,\"verdicts\":[]}", -EPROTONOSUPPORT, "version" },
                { "{\"version\":1.0,\"verdicts\":[]}", -EBADMSG, "version" },
                { "{\"version\":\"1\",\"verdicts\":[]}", -EBADMSG, "version" },
                { "{\"version\":1}", -EBADMSG, "verdicts" },
                { "{\"version\":1,\"verdicts\":{}}", -EBADMSG, "verdicts" },
                { "{\"version\":1,\"verdicts\":null}", -EBADMSG, "verdicts" },
                { "{\"version\":1,\"verdicts\":[],\"lock_topology\":1}", -EBADMSG, "lock_topology" },
                { "{\"version\":1,\"verdicts\":[],\"lock_topology\":\"true\"}", -EBADMSG, "lock_topology" },
                { "{\"version\":1,\"verdicts\":[],\"approve_all\":true}", -EBADMSG, NULL },
                { "{\"version\":1,\"verdicts\":[],\"bundle_digest\":\"sha384:00\"}", -EBADMSG, "bundle_digest" },
                { "{\"version\":1,\"verdicts\":[],\"bundle_digest\":\"" D1 "\"}", -ESTALE, "bundle_digest" },
                { "{\"version\":1,\"verdicts\":[1]}", -EBADMSG, "verdicts[0]" },
                { "{\"version\":1,\"verdicts\":[" ENTRY("a", D1, "approve") ",null]}", -EBADMSG, "verdicts[1]" },
                { "{\"version\":1,\"verdicts\":[{\"evidence_digest\":\"" D1 "\",\"verdict\":\"approve\"}]}",
                  -EBADMSG, "verdicts[0].device" },
                { "{\"version\":1,\"verdicts\":[{\"device\":\"a\",\"verdict\":\"approve\"}]}", -EBADMSG,
                  "verdicts[0].evidence_digest" },
                { "{\"version\":1,\"verdicts\":[{\"device\":\"a\",\"evidence_digest\":\"" D1 "\"}]}", -EBADMSG,
                  "verdicts[0].verdict" },
                { "{\"version\":1,\"verdicts\":[" ENTRY("a", D1, "approve") "," ENTRY("b", D1, "approve") ","
                  ENTRY("c", D1_UPPER, "approve") "]}", -EBADMSG, "verdicts[2].evidence_digest" },
                { "{\"version\":1,\"verdicts\":[" ENTRY("a", "sha256:00", "approve") "]}", -EBADMSG,
                  "verdicts[0].evidence_digest" },
                { "{\"version\":1,\"verdicts\":[" ENTRY("a", D1, "Approve") "]}", -EBADMSG, "verdicts[0].verdict" },
                { "{\"version\":1,\"verdicts\":[" ENTRY("a", D1, "accept") "]}", -EBADMSG, "verdicts[0].verdict" },
                { "{\"version\":1,\"verdicts\":[" ENTRY("a", D1, "approve") "," ENTRY("a", D2, "reject") "]}",
                  -EBADMSG, "verdicts[1].device" },
                { "{\"version\":1,\"verdicts\":[" ENTRY("", D1, "approve") "]}", -EBADMSG, "verdicts[0].device" },
                { "{\"version\":1,\"verdicts\":[" ENTRY("../a", D1, "approve") "]}", -EBADMSG, "verdicts[0].device" },
                { "{\"version\":1,\"verdicts\":[" ENTRY("a b", D1, "approve") "]}", -EBADMSG, "verdicts[0].device" },
                { "{\"version\":1,\"verdicts\":[" ENTRY("a\\u0000b", D1, "approve") "]}", -EBADMSG,
                  "verdicts[0].device" },
                { "{\"version\":1,\"verdicts\":[" ENTRY("\\u00e9", D1, "approve") "]}", -EBADMSG, "verdicts[0].device" },
                { "{\"version\":1,\"verdicts\":[{\"device\":\"a\",\"evidence_digest\":\"" D1 "\","
                  "\"verdict\":\"approve\",\"reason\":\"line\\nbreak\"}]}", -EBADMSG, "verdicts[0].reason" },
                { "{\"version\":1,\"verdicts\":[{\"device\":\"a\",\"evidence_digest\":\"" D1 "\","
                  "\"verdict\":\"approve\",\"reason\":7}]}", -EBADMSG, "verdicts[0].reason" },
                { "{\"version\":1,\"verdicts\":[{\"device\":\"a\",\"evidence_digest\":\"" D1 "\","
                  "\"verdict\":\"approve\",\"expires\":0}]}", -EBADMSG, "verdicts[0]" },
                { "{\"version\":1,\"verdicts\":[{\"device\":\"a\",\"evidence_digest\":\"" D1 "\","
                  "\"verdict\":\"approve\",\"verdict\":\"reject\"}]}", -EBADMSG, NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(conf_error_done) ConfError e = {};
                _cleanup_(verdicts_freep) Verdicts *v = NULL;
                _cleanup_free_ char *msg = NULL;
                int r;

                r = verdicts_parse(t[i].text, strlen(t[i].text), D2, &v, &e);
                msg = conf_error_format(&e);
                printf("invalid %s → %d %s\n", t[i].text, r, strna(msg));
                assert(r == t[i].r);
                assert(!v);
                assert(e.error == r);
                assert(streq(e.filename, VERDICT_SOURCE));
                assert(streq_ptr(e.key, t[i].key));
        }
}

static void test_limits(void) {
        _cleanup_(conf_error_done) ConfError e = {};
        _cleanup_(verdicts_freep) Verdicts *v = NULL;
        _cleanup_free_ char *text = NULL;
        char reason[VERDICT_REASON_MAX + 2];
        size_t n = 0;

        /* A reason of exactly the limit is fine, one more is not. */
        text = malloc(1024);
        assert(text);
        memset(reason, 'r', sizeof(reason));
        reason[VERDICT_REASON_MAX] = '\0';
        n = (size_t) snprintf(text, 1024, "{\"version\":1,\"verdicts\":[{\"device\":\"a\",\"evidence_digest\":\""
                              D1 "\",\"verdict\":\"reject\",\"reason\":\"%s\"}]}", reason);
        assert(verdicts_parse(text, n, NULL, &v, &e) == 0);
        assert(strlen(v->entries[0].reason) == VERDICT_REASON_MAX);
        v = verdicts_free(v);
        reason[VERDICT_REASON_MAX] = 'r';
        reason[VERDICT_REASON_MAX + 1] = '\0';
        n = (size_t) snprintf(text, 1024, "{\"version\":1,\"verdicts\":[{\"device\":\"a\",\"evidence_digest\":\""
                              D1 "\",\"verdict\":\"reject\",\"reason\":\"%s\"}]}", reason);
        assert(verdicts_parse(text, n, NULL, &v, &e) == -EBADMSG);
        assert(streq(e.key, "verdicts[0].reason"));
        conf_error_done(&e);
        text = mfree(text);

        /* Size: padding with whitespace past 1 MiB. */
        text = malloc(VERDICT_INPUT_MAX + 1);
        assert(text);
        memset(text, ' ', VERDICT_INPUT_MAX + 1);
        memcpy(text, "{\"version\":1,\"verdicts\":[]}", 27);
        assert(verdicts_parse(text, VERDICT_INPUT_MAX, NULL, &v, &e) == 0);
        v = verdicts_free(v);
        assert(verdicts_parse(text, VERDICT_INPUT_MAX + 1, NULL, &v, &e) == -E2BIG);
        assert(!v);
        conf_error_done(&e);
        text = mfree(text);

        /* Entry count. */
        size_t size = 64 + (VERDICT_ENTRIES_MAX + 1) * 8;
        text = malloc(size);
        assert(text);
        n = (size_t) sprintf(text, "{\"version\":1,\"verdicts\":[");
        for (size_t i = 0; i <= VERDICT_ENTRIES_MAX; i++)
                n += (size_t) sprintf(text + n, "%s{}", i > 0 ? "," : "");
        n += (size_t) sprintf(text + n, "]}");
        assert(verdicts_parse(text, n, NULL, &v, &e) == -EBADMSG);
        assert(streq(e.key, "verdicts"));
}

int main(void) {
        test_valid();
        test_invalid();
        test_limits();
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-varlink-message.c — names, calls and replies: what the specification accepts, what it calls
 * malformed, and that what we format parses back to the same thing. */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>

#include "varlink-message.h"

static void test_names(void) {
        static const char *const good_interfaces[] = {
                "org.varlink.service", "io.tdispd.Manager", "a.b", "com.example.0foo", "xn--bcher-kva.example",
                "org.example.a-b", "org.example.a--b", "A.B",
        };
        static const char *const bad_interfaces[] = {
                "", "org", ".org.example", "org.example.", "org..example", "0org.example", "org.-example",
                "org.example-", "org.exa_mple", "org.example.ftl.Jump!", "org example",
        };
        static const char *const good_symbols[] = { "GetInfo", "A", "X9", "NoSuchDevice" };
        static const char *const bad_symbols[] = { "", "getInfo", "9A", "Get_Info", "Get-Info", "Ä" };
        static const char *const good_fields[] = { "a", "device", "old_state", "a_b_c", "A1", "x9_y" };
        static const char *const bad_fields[] = { "", "_a", "a_", "a__b", "9a", "a-b", "a.b" };

        for (size_t i = 0; i < ELEMENTSOF(good_interfaces); i++)
                assert(varlink_interface_name_is_valid(good_interfaces[i]));
        for (size_t i = 0; i < ELEMENTSOF(bad_interfaces); i++)
                assert(!varlink_interface_name_is_valid(bad_interfaces[i]));
        for (size_t i = 0; i < ELEMENTSOF(good_symbols); i++)
                assert(varlink_symbol_name_is_valid(good_symbols[i]));
        for (size_t i = 0; i < ELEMENTSOF(bad_symbols); i++)
                assert(!varlink_symbol_name_is_valid(bad_symbols[i]));
        for (size_t i = 0; i < ELEMENTSOF(good_fields); i++)
                assert(varlink_field_name_is_valid(good_fields[i]));
        for (size_t i = 0; i < ELEMENTSOF(bad_fields); i++)
                assert(!varlink_field_name_is_valid(bad_fields[i]));

        assert(varlink_qualified_name_is_valid("io.tdispd.Manager.GetStatus"));
        assert(varlink_qualified_name_is_valid("a.b.C"));
        assert(!varlink_qualified_name_is_valid("a.b"));
        assert(!varlink_qualified_name_is_valid("GetStatus"));
        assert(!varlink_qualified_name_is_valid("io.tdispd.Manager.getStatus"));
        assert(!varlink_qualified_name_is_valid("io.tdispd.Manager."));
        assert(!varlink_qualified_name_is_valid(NULL));

        char long_name[400];
        memset(long_name, 'a', sizeof(long_name));
        memcpy(long_name + 300, ".b.C", 5);
        assert(!varlink_qualified_name_is_valid(long_name));
}

typedef struct CallCase {
        const char *text;
        int result;
        VarlinkCallFlags flags;
} CallCase;

static void test_calls(void) {
        static const CallCase cases[] = {
                { "{\"method\":\"io.tdispd.Manager.GetStatus\"}", 0, 0 },
                { " {\"method\" : \"io.tdispd.Manager.GetStatus\", \"parameters\": {}}\n", 0, 0 },
                { "{\"method\":\"io.tdispd.Manager.GetStatus\",\"parameters\":null}", 0, 0 },
                { "{\"method\":\"io.tdispd.Manager.Monitor\",\"more\":true}", 0, VARLINK_CALL_MORE },
                { "{\"method\":\"io.tdispd.Manager.Reload\",\"oneway\":true,\"more\":false}", 0, VARLINK_CALL_ONEWAY },
                { "{\"method\":\"a.b.C\",\"upgrade\":true}", 0, VARLINK_CALL_UPGRADE },
                { "{\"method\":\"a.b.C\",\"more\":null}", 0, 0 },
                /* Vendor extensions are ignored. */
                { "{\"method\":\"a.b.C\",\"org.example\":{\"x\":1}}", 0, 0 },

                { "", -EBADMSG, 0 },
                { "null", -EBADMSG, 0 },
                { "[]", -EBADMSG, 0 },
                { "\"method\"", -EBADMSG, 0 },
                { "{}", -EBADMSG, 0 },
                { "{\"method\":42}", -EBADMSG, 0 },
                { "{\"method\":\"GetStatus\"}", -EBADMSG, 0 },
                { "{\"method\":\"a.b.C\\u0000x\"}", -EBADMSG, 0 },
                { "{\"method\":\"a.b.C\",\"parameters\":[]}", -EBADMSG, 0 },
                { "{\"method\":\"a.b.C\",\"parameters\":\"x\"}", -EBADMSG, 0 },
                { "{\"method\":\"a.b.C\",\"more\":\"yes\"}", -EBADMSG, 0 },
                { "{\"method\":\"a.b.C\",\"more\":1}", -EBADMSG, 0 },
                { "{\"method\":\"a.b.C\",\"more\":true,\"oneway\":true}", -EBADMSG, 0 },
                { "{\"method\":\"a.b.C\",\"more\":true,\"upgrade\":true}", -EBADMSG, 0 },
                { "{\"method\":\"a.b.C\",\"sequence\":1}", -EBADMSG, 0 },
                { "{\"method\":\"a.b.C\"} {\"method\":\"a.b.C\"}", -EBADMSG, 0 },
                { "{\"method\":\"a.b.C\"", -EBADMSG, 0 },
                { "{'method':'a.b.C'}", -EBADMSG, 0 },
                { "{\"method\":\"a.b.C\",\"method\":\"a.b.D\"}", -EBADMSG, 0 },
                { "{\"method\":\"a.b.C\",\"parameters\":{\"x\":NaN}}", -EBADMSG, 0 },
                { "{\"method\":\"a.b.\xff\"}", -EBADMSG, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                VarlinkCall call = {};
                const char *reason = NULL;
                int r;

                r = varlink_call_parse(cases[i].text, strlen(cases[i].text), VARLINK_MESSAGE_MAX, &call, &reason);
                if (r != cases[i].result) {
                        fprintf(stderr, "case %zu: '%s' gave %d (%s), expected %d\n", i, cases[i].text, r,
                                strna(reason), cases[i].result);
                        assert(false);
                }
                if (r < 0) {
                        assert(reason);
                        assert(!call.method && !call.parameters);
                        continue;
                }
                assert(call.flags == cases[i].flags);
                assert(json_object_is_type(call.parameters, json_type_object));
                assert(varlink_qualified_name_is_valid(call.method));
                varlink_call_done(&call);
        }

        /* An embedded NUL never reaches the JSON parser, and the size limit is the caller's. */
        VarlinkCall call = {};
        assert(varlink_call_parse("{\"method\":\"a.b.C\"}\0", 19, VARLINK_MESSAGE_MAX, &call, NULL) == -EBADMSG);
        assert(varlink_call_parse("{\"method\":\"a.b.C\"}", 18, 10, &call, NULL) == -E2BIG);
}

static void test_replies(void) {
        VarlinkReply reply = {};

        assert(varlink_reply_parse("{}", 2, VARLINK_MESSAGE_MAX, &reply, NULL) == 0);
        assert(!reply.error && !reply.continues);
        assert(json_object_object_length(reply.parameters) == 0);
        varlink_reply_done(&reply);

        const char *t = "{\"parameters\":{\"a\":1},\"continues\":true}";
        assert(varlink_reply_parse(t, strlen(t), VARLINK_MESSAGE_MAX, &reply, NULL) == 0);
        assert(reply.continues && !reply.error);
        assert(json_object_get_int(json_object_object_get(reply.parameters, "a")) == 1);
        varlink_reply_done(&reply);

        t = "{\"error\":\"io.tdispd.Manager.NoSuchDevice\",\"parameters\":{\"device\":\"x\"}}";
        assert(varlink_reply_parse(t, strlen(t), VARLINK_MESSAGE_MAX, &reply, NULL) == 0);
        assert(streq(reply.error, "io.tdispd.Manager.NoSuchDevice"));
        varlink_reply_done(&reply);

        static const char *const bad[] = {
                "{\"error\":\"NoSuchDevice\"}",
                "{\"error\":\"a.b.C\",\"continues\":true}",
                "{\"parameters\":1}",
                "{\"continues\":\"no\"}",
                "{\"method\":\"a.b.C\"}",
                "[]",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert(varlink_reply_parse(bad[i], strlen(bad[i]), VARLINK_MESSAGE_MAX, &reply, NULL) == -EBADMSG);
}

static void test_format_roundtrip(void) {
        _cleanup_json_ json_object *p = json_object_new_object();
        _cleanup_free_ char *text = NULL;
        VarlinkCall call = {};
        VarlinkReply reply = {};
        size_t size;

        assert(p);
        assert(json_object_object_add(p, "device", json_object_new_string("/sys/devices/x/y")) == 0);

        assert(varlink_call_format("io.tdispd.Manager.GetDevice", p, VARLINK_CALL_MORE, &text, &size) == 0);
        assert(strlen(text) == size);
        /* Slashes are not escaped: paths stay readable in strace and varlinkctl output. */
        assert(strstr(text, "/sys/devices/x/y"));
        assert(varlink_call_parse(text, size, VARLINK_MESSAGE_MAX, &call, NULL) == 0);
        assert(streq(call.method, "io.tdispd.Manager.GetDevice"));
        assert(call.flags == VARLINK_CALL_MORE);
        assert(json_object_equal(call.parameters, p));
        varlink_call_done(&call);
        text = mfree(text);

        assert(varlink_reply_format(p, true, &text, &size) == 0);
        assert(varlink_reply_parse(text, size, VARLINK_MESSAGE_MAX, &reply, NULL) == 0);
        assert(reply.continues && !reply.error && json_object_equal(reply.parameters, p));
        varlink_reply_done(&reply);
        text = mfree(text);

        assert(varlink_reply_format(NULL, false, &text, &size) == 0);
        assert(streq(text, "{}"));
        text = mfree(text);

        assert(varlink_error_format("org.varlink.service.ExpectedMore", NULL, &text, &size) == 0);
        assert(varlink_reply_parse(text, size, VARLINK_MESSAGE_MAX, &reply, NULL) == 0);
        assert(streq(reply.error, "org.varlink.service.ExpectedMore"));
        varlink_reply_done(&reply);
}

int main(void) {
        test_names();
        test_calls();
        test_replies();
        test_format_roundtrip();
        return 0;
}

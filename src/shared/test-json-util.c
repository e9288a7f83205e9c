/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-json-util.c — strict JSON: what json-c would take and a security contract must not. */

#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <stdio.h>

#include "json-util.h"

static void test_strict(void) {
        static const struct {
                const char *text;
                int r;
                unsigned line;  /* of the error, 0 when not tied to a line */
        } t[] = {
                { "{}", 0, 0 },
                { " \n{\"a\": [1, 2, {\"b\": null}], \"c\": \"x:y\"}\r\n\t", 0, 0 },
                { "{\"a\":\"\\\"{:}\\\\\",\"b\":true,\"c\":false}", 0, 0 },
                { "{\"a:b\":1,\"a\":{\"a\":{\"a\":1}}}", 0, 0 },        /* same key in different objects */
                { "{\"\\u00e9t\\u00e9\":\"\\ud83d\\ude00\"}", 0, 0 },
                { "{\"é\":1}", 0, 0 },
                { "", -EBADMSG, 0 },
                { " ", -EBADMSG, 1 },
                { "[]", -EBADMSG, 0 },                  /* not an object */
                { "\"a\"", -EBADMSG, 0 },
                { "1", -EBADMSG, 1 },
                { "null", -EBADMSG, 1 },
                { "{\"a\":1,\"a\":2}", -EBADMSG, 0 },   /* duplicate key */
                { "{\"a\":{\"b\":1,\"c\":{},\"b\":{\"d\":1}}}", -EBADMSG, 0 },
                { "{\"a\":[{\"x\":1},{\"x\":1,\"x\":1}]}", -EBADMSG, 0 },
                { "{\"a\\u0000b\":1,\"a\\u0000c\":2}", -EBADMSG, 0 },   /* keys equal as C strings */
                { "{\"a\":1}{}", -EBADMSG, 1 },         /* two documents */
                { "{\"a\":1}\n\nx", -EBADMSG, 3 },
                { "{\"a\":1", -EBADMSG, 1 },            /* truncated */
                { "{\"a\":1,}", -EBADMSG, 1 },          /* trailing comma */
                { "{'a':1}", -EBADMSG, 1 },             /* single quotes */
                { "{\"a\":NaN}", -EBADMSG, 1 },
                { "{\"a\":Infinity}", -EBADMSG, 1 },
                { "{\"a\":-Infinity}", -EBADMSG, 1 },
                { "{\"a\":\"\t\"}", -EBADMSG, 1 },     /* raw control character in a string */
                { "{\n\"a\":\"x\ny\"}", -EBADMSG, 2 },
                { "/* c */{}", -EBADMSG, 1 },
                { "{} // c", -EBADMSG, 1 },
                { "{\"a\":01}", -EBADMSG, 1 },
                { "{\"a\":\"\xff\"}", -EBADMSG, 1 },   /* not UTF-8 */
                { "{\"a\":\"\xc3\"}", -EBADMSG, 1 },
                { "{\"a\":tru}", -EBADMSG, 1 },
                { "\xef\xbb\xbf{}", -EBADMSG, 1 },     /* byte order mark */
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_(conf_error_done) ConfError e = {};
                _cleanup_json_ json_object *o = NULL;
                _cleanup_free_ char *msg = NULL;
                int r;

                r = json_parse_object_strict(t[i].text, strlen(t[i].text), 4096, "test.json", &o, &e);
                msg = r < 0 ? conf_error_format(&e) : NULL;
                printf("strict '%s' → %d %s\n", t[i].text, r, strempty(msg));
                assert(r == t[i].r);
                assert(!o == (r < 0));
                if (r < 0) {
                        assert(e.error == r);
                        assert(streq(e.filename, "test.json"));
                        assert(e.line == t[i].line);
                }
        }
}

static void test_nesting_and_size(void) {
        _cleanup_(conf_error_done) ConfError e = {};
        _cleanup_json_ json_object *o = NULL;
        char deep[256];
        size_t n = 0;

        /* Within the depth limit… */
        n += (size_t) sprintf(deep + n, "{\"a\":");
        for (int i = 0; i < JSON_STRICT_DEPTH_MAX - 2; i++)
                deep[n++] = '[';
        for (int i = 0; i < JSON_STRICT_DEPTH_MAX - 2; i++)
                deep[n++] = ']';
        deep[n++] = '}';
        assert(json_parse_object_strict(deep, n, 4096, NULL, &o, &e) == 0);
        o = json_object_put_null(o);

        /* …and beyond it. */
        n = 0;
        n += (size_t) sprintf(deep + n, "{\"a\":");
        for (int i = 0; i < JSON_STRICT_DEPTH_MAX + 1; i++)
                deep[n++] = '[';
        for (int i = 0; i < JSON_STRICT_DEPTH_MAX + 1; i++)
                deep[n++] = ']';
        deep[n++] = '}';
        assert(json_parse_object_strict(deep, n, 4096, NULL, &o, &e) == -EBADMSG);
        conf_error_done(&e);

        /* A NUL byte inside the given length is refused, not taken as the end. */
        assert(json_parse_object_strict("{}\0{}", 5, 4096, NULL, &o, &e) == -EBADMSG);
        conf_error_done(&e);
        assert(json_parse_object_strict("{\"a\":\"\0\"}", 9, 4096, NULL, &o, &e) == -EBADMSG);
        conf_error_done(&e);

        assert(json_parse_object_strict("{}  ", 4, 4, NULL, &o, &e) == 0);
        o = json_object_put_null(o);
        assert(json_parse_object_strict("{}   ", 5, 4, "big", &o, &e) == -E2BIG);
        assert(!o && e.error == -E2BIG);
}

static void test_keys_and_strings(void) {
        static const char *const allowed[] = { "version", "devices", NULL };
        _cleanup_(conf_error_done) ConfError e = {};
        _cleanup_json_ json_object *o = NULL;
        const char *text = "{\"version\":1,\"devices\":[],\"extra\":0}";

        assert(json_parse_object_strict(text, strlen(text), 4096, NULL, &o, &e) == 0);
        assert(streq(json_object_first_unknown_key(o, allowed), "extra"));
        json_object_object_del(o, "extra");
        assert(!json_object_first_unknown_key(o, allowed));

        assert(string_is_printable_ascii("", 0));
        assert(string_is_printable_ascii("abc ~!", 6));
        assert(!string_is_printable_ascii("abc ~!", 5));
        assert(!string_is_printable_ascii("a\tb", 10));
        assert(!string_is_printable_ascii("a\x7f", 10));
        assert(!string_is_printable_ascii("\xc3\xa9", 10));
        assert(!string_is_printable_ascii(NULL, 10));
}

static void test_xescape(void) {
        static const struct {
                const char *raw, *escaped;
        } t[] = {
                { "", "" },
                { "0000:01:00.0", "0000:01:00.0" },
                { "a b~\"", "a b~\"" },
                { "back\\slash", "back\\x5cslash" },
                { "tab\tnl\n", "tab\\x09nl\\x0a" },
                { "\x7f\x80\xff", "\\x7f\\x80\\xff" },
                { "\xc3\xa9t\xc3\xa9", "\\xc3\\xa9t\\xc3\\xa9" },
        };
        static const char *const bad[] = {
                "\\", "\\x", "\\x4", "\\x4g", "\\X41", "\\xA9", "\\x00",
                "\\x41",      /* 'A' needs no escape: one spelling per string */
                "\\x20", "raw\ttab", "raw\xc3\xa9",
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_free_ char *e = NULL, *u = NULL;

                e = string_xescape(t[i].raw);
                assert(e);
                assert(streq(e, t[i].escaped));
                assert(string_is_printable_ascii(e, SIZE_MAX));
                assert(string_xunescape(e, &u) == 0);
                assert(streq(u, t[i].raw));
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char *u = NULL;

                printf("xunescape '%s'\n", bad[i]);
                assert(string_xunescape(bad[i], &u) == -EINVAL);
                assert(!u);
        }
}

int main(void) {
        test_strict();
        test_xescape();
        test_nesting_and_size();
        test_keys_and_strings();
        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-ini.c — the INI tokenizer: what it hands to callbacks, and where it stops on bad input. */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>

#include "ini.h"

/* Records every item as "line:[Section]" or "line:Section.key=value", one per line. */
typedef struct Recorder {
        char buf[8192];
        size_t n;
        const char *fail_key;   /* the callback fails on this key */
        bool fail_with_message;
} Recorder;

static int record(const IniItem *item, void *userdata, ConfError *ret_error) {
        Recorder *rec = userdata;
        int k;

        assert(item->section);
        assert((item->key == NULL) == (item->value == NULL));

        if (item->key)
                k = snprintf(rec->buf + rec->n, sizeof(rec->buf) - rec->n, "%u:%s.%s=%s\n", item->line,
                             item->section, item->key, item->value);
        else
                k = snprintf(rec->buf + rec->n, sizeof(rec->buf) - rec->n, "%u:[%s]\n", item->line,
                             item->section);
        assert(k > 0 && (size_t) k < sizeof(rec->buf) - rec->n);
        rec->n += (size_t) k;

        if (rec->fail_key && item->key && streq(item->key, rec->fail_key)) {
                if (rec->fail_with_message)
                        return ini_item_error(ret_error, item, -ERANGE, "Value '%s' is too large",
                                              item->value);
                return -EINVAL;
        }
        return 0;
}

typedef struct Case {
        const char *name;
        const char *input;
        size_t size;            /* 0: strlen(input) */
        int r;
        const char *items;      /* what the callback saw, also on failure */
        unsigned line;          /* ConfError.line on failure */
        const char *key;        /* ConfError.key on failure */
        const char *message;    /* a substring of ConfError.message on failure */
} Case;

/* A literal with embedded NULs, and its size. */
#define BIN(s) s, sizeof(s) - 1

static const Case cases[] = {
        { "empty input", "", 0, 0, "" },
        { "only comments and blanks", "# a\n; b\n\n   \n\t# c\n", 0, 0, "" },
        { "section and key", "[Manager]\nMode=audit\n", 0, 0, "1:[Manager]\n2:Manager.Mode=audit\n" },
        { "whitespace trimmed", "  [Manager]  \n  Mode  =  audit  mode \t\n", 0, 0,
          "1:[Manager]\n2:Manager.Mode=audit  mode\n" },
        { "empty value", "[A]\nKey=\nKey2=   \n", 0, 0, "1:[A]\n2:A.Key=\n3:A.Key2=\n" },
        { "value with '=' and '#'", "[A]\nKey=a=b # not a comment\n", 0, 0,
          "1:[A]\n2:A.Key=a=b # not a comment\n" },
        { "comments between", "# head\n[A]\n; x=y\n  # Key=z\nKey=v\n", 0, 0, "2:[A]\n5:A.Key=v\n" },
        { "CRLF line ends", "[A]\r\nKey=v\r\n", 0, 0, "1:[A]\n2:A.Key=v\n" },
        { "no final newline", "[A]\nKey=v", 0, 0, "1:[A]\n2:A.Key=v\n" },
        { "several sections, repeated section", "[A]\nx=1\n[B]\ny=2\n[A]\nx=3\n", 0, 0,
          "1:[A]\n2:A.x=1\n3:[B]\n4:B.y=2\n5:[A]\n6:A.x=3\n" },
        { "duplicate keys all reported", "[A]\nx=1\nx=2\n", 0, 0, "1:[A]\n2:A.x=1\n3:A.x=2\n" },
        { "empty section", "[A]\n[B]\n", 0, 0, "1:[A]\n2:[B]\n" },
        { "high bytes are the value parser's business", "[A]\nx=\xc3\xa9\xff\n", 0, 0,
          "1:[A]\n2:A.x=\xc3\xa9\xff\n" },
        { "UTF-8 byte order mark", "\xef\xbb\xbf[A]\nx=1\n", 0, 0, "1:[A]\n2:A.x=1\n" },
        { "byte order mark only at the start", "[A]\n\xef\xbb\xbfx=1\n", 0, -EBADMSG, "1:[A]\n", 2, NULL,
          "Invalid key name" },
        { "X- names are tokens like any other", "[X-Foo]\nX-Bar=1\n", 0, 0, "1:[X-Foo]\n2:X-Foo.X-Bar=1\n" },

        /* Hostile and malformed input. */
        { "no '=' on line 7", "# 1\n[A]\nx=1\n\n# 5\ny=2\ngarbage\nz=3\n", 0, -EBADMSG,
          "2:[A]\n3:A.x=1\n6:A.y=2\n", 7, NULL, "no '='" },
        { "assignment before any section", "\nMode=enforce\n[Manager]\n", 0, -EBADMSG, "", 2, NULL,
          "outside of any section" },
        { "unterminated section header", "[Manager\nMode=enforce\n", 0, -EBADMSG, "", 1, NULL,
          "Unterminated" },
        { "text after section header", "[Manager] x\n", 0, -EBADMSG, "", 1, NULL, "Unterminated" },
        { "lone bracket", "[\n", 0, -EBADMSG, "", 1, NULL, "Unterminated" },
        { "empty section name", "[]\n", 0, -EBADMSG, "", 1, NULL, "Invalid section name" },
        { "section name with space", "[Man ager]\n", 0, -EBADMSG, "", 1, NULL, "Invalid section name" },
        { "nested brackets", "[[Manager]]\n", 0, -EBADMSG, "", 1, NULL, "Invalid section name" },
        { "empty key", "[A]\n=value\n", 0, -EBADMSG, "1:[A]\n", 2, NULL, "Invalid key name ''" },
        { "key with space", "[A]\nTrusted Drivers=x\n", 0, -EBADMSG, "1:[A]\n", 2, NULL,
          "Invalid key name 'Trusted Drivers'" },
        { "NUL byte", BIN("[A]\nx=a\0b\n"), -EBADMSG, "1:[A]\n", 2, NULL, "NUL" },
        { "NUL byte in a comment", BIN("[A]\n# \0\nx=1\n"), -EBADMSG, "1:[A]\n", 2, NULL, "NUL" },
        { "control character", "[A]\nx=a\x01" "b\n", 0, -EBADMSG, "1:[A]\n", 2, NULL, "0x01 at column 4" },
        { "escape sequence", "[A]\nx=\x1b[31mred\n", 0, -EBADMSG, "1:[A]\n", 2, NULL, "0x1b" },
        { "carriage return inside a line", "[A]\nx=a\rb\n", 0, -EBADMSG, "1:[A]\n", 2, NULL, "0x0d" },
        { "DEL character", "[A]\nx=\x7f\n", 0, -EBADMSG, "1:[A]\n", 2, NULL, "0x7f" },
        { "callback refuses a value", "[A]\nok=1\nbad=2\nnever=3\n", 0, -EINVAL,
          "1:[A]\n2:A.ok=1\n3:A.bad=2\n",
          3, "A.bad", "Failed to apply value '2'" },
};

static void test_cases(void) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const Case *c = &cases[i];
                Recorder rec = { .fail_key = "bad" };
                ConfError e = {};
                int r;

                printf("case %zu: %s\n", i, c->name);
                r = ini_parse_buffer(c->input, c->size ?: strlen(c->input), "test.conf", record, &rec, &e);
                if (r != c->r || !streq(rec.buf, c->items))
                        printf("  got r=%d items:\n%s", r, rec.buf);
                assert(r == c->r);
                assert(streq(rec.buf, c->items));

                if (c->r == 0) {
                        assert(e.error == 0);
                        continue;
                }
                printf("  error: line %u key %s: %s\n", e.line, strna(e.key), strna(e.message));
                assert(e.error == c->r);
                assert(streq(e.filename, "test.conf"));
                assert(e.line == c->line);
                assert(streq_ptr(e.key, c->key));
                assert(e.message && strstr(e.message, c->message));
                conf_error_done(&e);
        }
}

static void test_line_limit(void) {
        _cleanup_free_ char *buf = malloc(INI_LINE_MAX + 64);
        Recorder rec = {};
        ConfError e = {};
        size_t n;

        /* "x=" plus padding to exactly INI_LINE_MAX characters is accepted… */
        assert(buf);
        n = (size_t) sprintf(buf, "[A]\nx=");
        memset(buf + n, 'a', INI_LINE_MAX - 2);
        n += INI_LINE_MAX - 2;
        buf[n++] = '\n';
        assert(ini_parse_buffer(buf, n, NULL, record, &rec, &e) == 0);
        assert(e.error == 0);

        /* …and one more character is not, whether or not the line is terminated. */
        rec = (Recorder) {};
        buf[n - 1] = 'a';
        assert(ini_parse_buffer(buf, n, NULL, record, &rec, &e) == -EBADMSG);
        assert(e.line == 2);
        assert(e.filename == NULL);
        assert(strstr(e.message, "longer than 4096"));
        assert(streq(rec.buf, "1:[A]\n"));
        conf_error_done(&e);

        buf[n++] = '\n';
        assert(ini_parse_buffer(buf, n, "f", record, &rec, &e) == -EBADMSG);
        assert(e.line == 2);
        conf_error_done(&e);
}

static void test_input_limit(void) {
        _cleanup_free_ char *buf = malloc(INI_INPUT_MAX + 1);
        Recorder rec = {};
        ConfError e = {};

        /* Blank lines up to the limit parse; one byte more is refused before anything is read. */
        assert(buf);
        memset(buf, '\n', INI_INPUT_MAX + 1);
        assert(ini_parse_buffer(buf, INI_INPUT_MAX, "big", record, &rec, &e) == 0);
        assert(ini_parse_buffer(buf, INI_INPUT_MAX + 1, "big", record, &rec, &e) == -E2BIG);
        assert(e.line == 0);
        assert(e.error == -E2BIG);
        assert(streq(rec.buf, ""));
        conf_error_done(&e);
}

static void test_callback_message(void) {
        Recorder rec = { .fail_key = "bad", .fail_with_message = true };
        ConfError e = {};
        _cleanup_free_ char *formatted = NULL;
        static const char input[] = "[Manager]\n\n  bad = 99  \n";

        /* The callback's own message wins over the tokenizer's generic one. */
        assert(ini_parse_buffer(input, strlen(input), "/etc/tdispd.conf", record, &rec, &e) == -ERANGE);
        assert(e.line == 3);
        assert(streq(e.key, "Manager.bad"));
        assert(streq(e.message, "Value '99' is too large"));

        formatted = conf_error_format(&e);
        assert(formatted);
        assert(streq(formatted, "/etc/tdispd.conf:3: Manager.bad=: Value '99' is too large"));
        conf_error_done(&e);
}

static int no_tables(const IniItem *item, void *userdata, ConfError *ret_error) {
        static const IniTableItem table[] = {
                { "Manager", "Known", NULL, 0 },
        };
        unsigned *seen = userdata;

        if (item->key && streq(item->key, "Known")) {
                (*seen)++;
                return 0;
        }
        return ini_table_dispatch(table, ELEMENTSOF(table), item, NULL, ret_error);
}

static void test_table_dispatch(void) {
        static const struct {
                const char *input;
                int r;
                unsigned line;
                const char *key;
                const char *message;
        } t[] = {
                { "[Manager]\nKnown=1\n", 0 },
                { "[Manager]\nX-Vendor=whatever\n[X-Extension]\nAnything=goes\n", 0 },
                { "[Manager]\nKnown=1\nDenieDrivers=foo\n", -EBADMSG, 3, "Manager.DenieDrivers",
                  "Unknown key 'DenieDrivers'" },
                { "[Manager]\n[Managr]\nKnown=1\n", -EBADMSG, 2, NULL, "Unknown section [Managr]" },
                { "[manager]\n", -EBADMSG, 1, NULL, "Unknown section" },
                { "[Manager]\nknown=1\n", -EBADMSG, 2, "Manager.known", "Unknown key" },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                ConfError e = {};
                unsigned seen = 0;
                int r;

                printf("dispatch %zu\n", i);
                r = ini_parse_buffer(t[i].input, strlen(t[i].input), "d.conf", no_tables, &seen, &e);
                assert(r == t[i].r);
                if (t[i].r == 0) {
                        assert(e.error == 0);
                        continue;
                }
                assert(e.line == t[i].line);
                assert(streq_ptr(e.key, t[i].key));
                assert(strstr(e.message, t[i].message));
                conf_error_done(&e);
        }
}

int main(void) {
        test_cases();
        test_line_limit();
        test_input_limit();
        test_callback_message();
        test_table_dispatch();
        return 0;
}

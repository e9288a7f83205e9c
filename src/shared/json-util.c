/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json-util.c — strict JSON input for the security contracts.
 *
 * json-c has no switch for the strictness we want, so the text is first scanned for what json-c
 * would let through (quotes, control characters, non-JSON literals), and duplicate keys are found
 * by counting: in valid JSON every ':' outside a string separates one object member, and json-c
 * keeps one member per distinct key, so the document repeats a key exactly when it holds more
 * ':' than the parsed tree holds members. */

#include <assert.h>
#include <stdint.h>

#include "json-util.h"

/* Bytes allowed outside strings: structure, whitespace, numbers and the letters of true/false/null
 * (which still excludes NaN and Infinity, and the json-c extensions // and single quotes). */
static bool json_outside_string_char_ok(char c) {
        return strchr("{}[],: \t\r\n0123456789+-.eEtrufalsn", c) && c != '\0';
}

/* Returns the number of ':' outside strings, or -EBADMSG with the offending offset. */
static int json_scan(const char *data, size_t size, size_t *ret_colons, size_t *ret_offset) {
        bool in_string = false, escaped = false;
        size_t colons = 0;

        for (size_t i = 0; i < size; i++) {
                char c = data[i];

                if (in_string) {
                        if (escaped)
                                escaped = false;
                        else if (c == '\\')
                                escaped = true;
                        else if (c == '"')
                                in_string = false;
                        else if ((unsigned char) c < 0x20) {
                                *ret_offset = i;
                                return -EBADMSG;
                        }
                        continue;
                }

                if (c == '"')
                        in_string = true;
                else if (!json_outside_string_char_ok(c)) {
                        *ret_offset = i;
                        return -EBADMSG;
                } else if (c == ':')
                        colons++;
        }

        *ret_colons = colons;
        return 0;
}

/* Members of every object in the tree; json-c limits the depth, so the recursion is bounded. */
static size_t json_count_members(json_object *o) {
        size_t n = 0;

        switch (json_object_get_type(o)) {
        case json_type_object: {
                /* The macro declares variables, which C does not allow right after a label. */
                json_object_object_foreach(o, key, value) {
                        (void) key;
                        n += 1 + json_count_members(value);
                }
                break;
        }
        case json_type_array:
                for (size_t i = 0; i < json_object_array_length(o); i++)
                        n += json_count_members(json_object_array_get_idx(o, i));
                break;
        case json_type_null:
        case json_type_boolean:
        case json_type_double:
        case json_type_int:
        case json_type_string:
                break;
        }
        return n;
}

static unsigned line_of_offset(const char *data, size_t size, size_t offset) {
        unsigned line = 1;

        for (size_t i = 0; i < offset && i < size; i++)
                if (data[i] == '\n')
                        line++;
        return line;
}

int json_parse_object_strict(const char *data, size_t size, size_t max_size, const char *filename,
                             json_object **ret, ConfError *ret_error) {
        _cleanup_json_ json_object *o = NULL;
        struct json_tokener *tok;
        enum json_tokener_error e;
        size_t colons = 0, offset = 0, end;

        assert(data || size == 0);
        assert(ret);

        if (size > max_size)
                return conf_error_set(ret_error, filename, 0, NULL, -E2BIG,
                                      "%zu bytes, more than the limit of %zu", size, max_size);
        if (size == 0)
                return conf_error_set(ret_error, filename, 0, NULL, -EBADMSG,
                                      "empty, expected a JSON object");

        if (json_scan(data, size, &colons, &offset) < 0)
                return conf_error_set(ret_error, filename, line_of_offset(data, size, offset), NULL,
                                      -EBADMSG, "not strict JSON: unexpected byte 0x%02x at offset %zu",
                                      (unsigned) (unsigned char) data[offset], offset);

        /* json_tokener_parse_ex() takes an int length. */
        if (size > INT32_MAX)
                return conf_error_set(ret_error, filename, 0, NULL, -E2BIG, "too large");

        tok = json_tokener_new_ex(JSON_STRICT_DEPTH_MAX);
        if (!tok)
                return -ENOMEM;
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
        o = json_tokener_parse_ex(tok, data, (int) size);
        e = json_tokener_get_error(tok);
        end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);

        if (!o || e != json_tokener_success) {
                /* A truncated document leaves the tokener waiting for more. */
                const char *why = e == json_tokener_continue ? "unexpected end of input"
                                                              : json_tokener_error_desc(e);
                return conf_error_set(ret_error, filename, line_of_offset(data, size, end), NULL, -EBADMSG,
                                      "not valid JSON: %s at offset %zu", why, end);
        }
        /* Strict mode refuses trailing non-whitespace; check anyway rather than rely on it. */
        for (size_t i = end; i < size; i++)
                if (!strchr(" \t\r\n", data[i]) || data[i] == '\0')
                        return conf_error_set(ret_error, filename, line_of_offset(data, size, i), NULL,
                                              -EBADMSG, "trailing data after the JSON object at offset %zu",
                                              i);

        if (!json_object_is_type(o, json_type_object))
                return conf_error_set(ret_error, filename, 0, NULL, -EBADMSG, "not a JSON object");

        if (json_count_members(o) != colons)
                return conf_error_set(ret_error, filename, 0, NULL, -EBADMSG,
                                      "an object repeats a key; each key may appear once");

        *ret = TAKE_PTR(o);
        return 0;
}

const char *json_object_first_unknown_key(json_object *obj, const char *const *allowed) {
        assert(obj);

        json_object_object_foreach(obj, key, value) {
                bool found = false;

                (void) value;
                for (const char *const *a = allowed; a && *a; a++)
                        if (streq(*a, key)) {
                                found = true;
                                break;
                        }
                if (!found)
                        return key;
        }
        return NULL;
}

bool string_is_printable_ascii(const char *s, size_t max_length) {
        size_t n = 0;

        if (!s)
                return false;
        for (; *s; s++, n++)
                if (n >= max_length || *s < 0x20 || *s > 0x7e)
                        return false;
        return true;
}

static bool xescape_keeps(char c) {
        return c >= 0x20 && c <= 0x7e && c != '\\';
}

char *string_xescape(const char *s) {
        static const char digits[] = "0123456789abcdef";
        size_t n = 0;
        char *e, *p;

        assert(s);

        for (const char *c = s; *c; c++)
                n += xescape_keeps(*c) ? 1 : 4;
        e = p = malloc(n + 1);
        if (!e)
                return NULL;
        for (const char *c = s; *c; c++) {
                unsigned char b = (unsigned char) *c;

                if (xescape_keeps(*c)) {
                        *p++ = *c;
                        continue;
                }
                *p++ = '\\';
                *p++ = 'x';
                *p++ = digits[b >> 4];
                *p++ = digits[b & 0xf];
        }
        *p = '\0';
        return e;
}

static int lower_hex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -EINVAL;
}

int string_xunescape(const char *s, char **ret) {
        _cleanup_free_ char *u = NULL;
        char *p;

        assert(s);
        assert(ret);

        u = p = malloc(strlen(s) + 1);
        if (!u)
                return -ENOMEM;
        for (const char *c = s; *c; c++) {
                int hi, lo;

                if (*c != '\\') {
                        if (!xescape_keeps(*c))
                                return -EINVAL;
                        *p++ = *c;
                        continue;
                }
                if (c[1] != 'x' || (hi = lower_hex(c[2])) < 0 || (lo = lower_hex(c[3])) < 0)
                        return -EINVAL;
                *p = (char) (hi << 4 | lo);
                if (*p == '\0' || xescape_keeps(*p))
                        return -EINVAL;
                p++;
                c += 3;
        }
        *p = '\0';
        *ret = TAKE_PTR(u);
        return 0;
}

int json_to_text_line(json_object *o, int flags, char **ret, size_t *ret_size) {
        const char *text;
        size_t len = 0;
        char *out;

        text = json_object_to_json_string_length(o, flags, &len);
        if (!text)
                return -ENOMEM;
        out = malloc(len + 2);
        if (!out)
                return -ENOMEM;
        memcpy(out, text, len);
        out[len] = '\n';
        out[len + 1] = '\0';

        *ret = out;
        if (ret_size)
                *ret_size = len + 1;
        return 0;
}

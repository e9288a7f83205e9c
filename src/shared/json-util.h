/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* json-util.h — strict JSON input for the security contracts (verdicts, reference values, state).
 *
 * json-c alone is lenient in ways that do not belong in a security contract: even in strict mode it
 * takes single-quoted strings, NaN and Infinity, raw control characters inside strings, and a key
 * given twice (the last one silently wins, so two readers of one document could disagree on what it
 * says). json_parse_object_strict() accepts only RFC 8259 JSON whose top level is an object and in
 * which no object repeats a key. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf-error.h"
#include "macro.h"

/* Deepest nesting accepted; every tdispd schema needs fewer than six levels. */
#define JSON_STRICT_DEPTH_MAX 16

/* json_object_put() that returns NULL, for DEFINE_TRIVIAL_CLEANUP_FUNC. */
static inline json_object *json_object_put_null(json_object *o) {
        (void) json_object_put(o);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(json_object *, json_object_put_null);
#define _cleanup_json_ _cleanup_(json_object_put_nullp)

/* Parses size bytes at data as one strict JSON object (surrounding whitespace allowed). Errors, each
 * recorded in ret_error under filename (line set for syntax errors): -E2BIG above max_size,
 * -EBADMSG for anything that is not such an object. */
int json_parse_object_strict(const char *data, size_t size, size_t max_size, const char *filename,
                             json_object **ret, ConfError *ret_error);

/* The first key of obj that is not in the NULL-terminated list allowed, or NULL. */
const char *json_object_first_unknown_key(json_object *obj, const char *const *allowed);

/* True if s is at most max_length bytes of printable ASCII (0x20…0x7e); "" qualifies. */
bool string_is_printable_ascii(const char *s, size_t max_length) _pure_;

/* Strings that come from devices (names, modaliases, reasons quoting them) may hold any byte. In
 * tdispd's JSON they are written "\xHH"-escaped: printable ASCII other than the backslash stays, every
 * other byte becomes a backslash, 'x' and two lowercase hex digits. The result is printable ASCII,
 * hence valid UTF-8 for every JSON reader, and the escaping is deterministic, so digests over the
 * written strings are well defined. NULL on OOM. */
char *string_xescape(const char *s);
/* The inverse; -EINVAL for a backslash not followed by 'x' and two lowercase hex digits, for an
 * escaped NUL, for a byte that should have been escaped and was not (so that each string has exactly
 * one spelling). */
int string_xunescape(const char *s, char **ret);

/* o serialised with flags (JSON_C_TO_STRING_*), plus a final newline, NUL-terminated; *ret_size (may
 * be NULL) excludes the NUL. */
int json_to_text_line(json_object *o, int flags, char **ret, size_t *ret_size);

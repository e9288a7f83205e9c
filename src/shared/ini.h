/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ini.h — a systemd-style INI tokenizer that parses from memory.
 *
 * The format: "[Section]" headers, "Key=Value" assignments, whole-line comments starting with '#' or
 * ';', blank lines. Whitespace around keys and values is trimmed; values are taken literally (no
 * quoting, no escapes, no line continuation, no trailing comments). Everything else — a line without
 * '=', an assignment before the first section, an unterminated '[', a NUL byte, a control character,
 * an overlong line or an oversized input — is refused with file:line in a ConfError, because a parser
 * that guesses would let a typo widen a security policy. */
#pragma once

#include <stddef.h>

#include "conf-error.h"

/* Configuration and policy files are small; anything bigger is a mistake or an attack. */
#define INI_INPUT_MAX (1024U * 1024U)
/* Longest line, without its newline. List keys may be repeated, so no real file needs more. */
#define INI_LINE_MAX 4096U

typedef struct IniItem {
        const char *filename;   /* as given to ini_parse_buffer(), may be NULL */
        unsigned line;          /* 1-based */
        const char *section;    /* never NULL */
        const char *key;        /* NULL for a section header */
        const char *value;      /* NULL for a section header, "" for "Key=" */
} IniItem;

/* Called for every section header (key == NULL), so that a parser can refuse unknown or require
 * present sections, and for every assignment. Returns 0 to go on, a negative errno to stop; it may
 * fill ret_error with a precise message, otherwise the tokenizer records a generic one at the item's
 * position. */
typedef int (*IniCallback)(const IniItem *item, void *userdata, ConfError *ret_error);

/* Tokenizes data (size bytes, need not be NUL-terminated). Returns 0, -E2BIG for input larger than
 * INI_INPUT_MAX, -EBADMSG for a malformed line, or the callback's error; ret_error (may be NULL)
 * says where. */
int ini_parse_buffer(const char *data, size_t size, const char *filename, IniCallback callback,
                     void *userdata, ConfError *ret_error);

/* For callbacks: records an error at item's file and line with key "Section.Key" (no key for a section
 * header) and returns error. */
int ini_item_error(ConfError *e, const IniItem *item, int error, const char *format, ...) _printf_(4, 5);

/* Table-driven parsing in the style of systemd's *-gperf.gperf files: one row per Section.Key, with a
 * parser that writes to base + offset. */
typedef int (*IniParser)(const IniItem *item, void *data, ConfError *ret_error);

typedef struct IniTableItem {
        const char *section;
        const char *key;
        IniParser parse;
        size_t offset;
} IniTableItem;

/* Hands item to its row's parser. A section or key not in the table is an error (-EBADMSG), because a
 * misspelt key must not silently leave a policy wider than intended; sections and keys starting with
 * "X-" are ignored, the systemd convention for extensions. A section header (item->key == NULL) is
 * only checked. */
int ini_table_dispatch(const IniTableItem *table, size_t n_table, const IniItem *item, void *base,
                       ConfError *ret_error);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* varlink-idl.c — Varlink interface descriptions: parsing the text, and checking JSON against it.
 *
 * A recursive-descent parser over the specification's grammar. Nesting is bounded, so that neither a
 * description nor a JSON value checked against a self-referencing type can exhaust the stack. */

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "varlink-idl.h"
#include "varlink-message.h"

#define IDL_DEPTH_MAX 64U
/* Named types may refer to themselves (a tree). The JSON parsers bound the depth of a value already;
 * this bounds the walk itself, whatever built the value. */
#define VALIDATE_DEPTH_MAX 256U

static const char *const varlink_symbol_kind_table[_VARLINK_SYMBOL_KIND_MAX] = {
        [VARLINK_SYMBOL_TYPE] = "type",
        [VARLINK_SYMBOL_METHOD] = "method",
        [VARLINK_SYMBOL_ERROR] = "error",
};

DEFINE_STRING_TABLE_LOOKUP(varlink_symbol_kind, VarlinkSymbolKind, _VARLINK_SYMBOL_KIND_MAX);

static VarlinkType *type_free(VarlinkType *t) {
        if (!t)
                return NULL;
        type_free(t->element);
        for (size_t i = 0; i < t->n_fields; i++) {
                free(t->fields[i].name);
                type_free(t->fields[i].type);
        }
        free(t->fields);
        free(t->name);
        return mfree(t);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(VarlinkType *, type_free);

static void symbol_done(VarlinkSymbol *s) {
        free(s->name);
        type_free(s->input);
        type_free(s->output);
        *s = (VarlinkSymbol) {};
}

VarlinkInterface *varlink_interface_free(VarlinkInterface *i) {
        if (!i)
                return NULL;
        for (size_t k = 0; k < i->n_symbols; k++)
                symbol_done(&i->symbols[k]);
        free(i->symbols);
        free(i->name);
        return mfree(i);
}

const VarlinkSymbol *varlink_interface_find(const VarlinkInterface *i, VarlinkSymbolKind kind,
                                            const char *name) {
        for (size_t k = 0; k < i->n_symbols; k++)
                if (i->symbols[k].kind == kind && streq(i->symbols[k].name, name))
                        return &i->symbols[k];
        return NULL;
}

/* --- parser --- */

typedef struct Parser {
        const char *p;
        const char *line_start;
        unsigned line;
        unsigned depth;
        const char *filename;
        ConfError *error;
} Parser;

_printf_(2, 3) static int parser_error(Parser *P, const char *format, ...) {
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int k;

        va_start(ap, format);
        k = vasprintf(&msg, format, ap);
        va_end(ap);
        if (k < 0)
                return conf_error_set(P->error, P->filename, P->line, NULL, -ENOMEM, "Out of memory");
        return conf_error_set(P->error, P->filename, P->line, NULL, -EBADMSG, "column %u: %s",
                              (unsigned) (P->p - P->line_start) + 1, msg);
}

/* Skips whitespace and comments; returns whether a line ended on the way. */
static bool parser_skip(Parser *P) {
        bool newline = false;

        for (;;) {
                if (*P->p == '#')
                        while (*P->p && *P->p != '\n')
                                P->p++;
                if (*P->p == '\n') {
                        P->p++;
                        P->line++;
                        P->line_start = P->p;
                        newline = true;
                } else if (IN_SET(*P->p, ' ', '\t', '\r'))
                        P->p++;
                else
                        return newline;
        }
}

static bool word_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               IN_SET(c, '_', '.', '-');
}

/* A run of name characters: keywords, names, field names, interface names. */
static int parser_word(Parser *P, const char *what, char **ret) {
        const char *start = P->p;
        char *w;

        while (word_char(*P->p))
                P->p++;
        if (P->p == start)
                return parser_error(P, "expected %s", what);
        w = strndup(start, (size_t) (P->p - start));
        if (!w)
                return parser_error(P, "out of memory");
        *ret = w;
        return 0;
}

static bool parser_consume(Parser *P, const char *token) {
        const char *rest = startswith(P->p, token);

        if (!rest)
                return false;
        P->p = rest;
        return true;
}

static int type_new(VarlinkTypeKind kind, VarlinkType **ret) {
        VarlinkType *t = calloc(1, sizeof(VarlinkType));

        if (!t)
                return -ENOMEM;
        t->kind = kind;
        *ret = t;
        return 0;
}

static int parser_type(Parser *P, VarlinkType **ret);

/* "(" … ")" after the opening parenthesis was seen: a struct ("a: T, b: U"), an enum ("a, b"), or
 * "()", which is an empty struct. */
static int parser_fields(Parser *P, bool allow_enum, VarlinkType **ret) {
        _cleanup_(type_freep) VarlinkType *t = NULL;
        int r;

        if (!parser_consume(P, "("))
                return parser_error(P, "expected '('");
        if (++P->depth > IDL_DEPTH_MAX)
                return parser_error(P, "types nested too deeply");

        r = type_new(VARLINK_TYPE_STRUCT, &t);
        if (r < 0)
                return parser_error(P, "out of memory");

        (void) parser_skip(P);
        if (parser_consume(P, ")")) {
                P->depth--;
                *ret = TAKE_PTR(t);
                return 0;
        }

        for (;;) {
                _cleanup_free_ char *name = NULL;
                _cleanup_(type_freep) VarlinkType *ft = NULL;
                VarlinkField *fields;
                bool is_struct_field;

                (void) parser_skip(P);
                r = parser_word(P, "a field name", &name);
                if (r < 0)
                        return r;
                if (!varlink_field_name_is_valid(name))
                        return parser_error(P, "invalid field name '%s'", name);
                for (size_t i = 0; i < t->n_fields; i++)
                        if (streq(t->fields[i].name, name))
                                return parser_error(P, "duplicate field '%s'", name);

                (void) parser_skip(P);
                is_struct_field = parser_consume(P, ":");
                if (t->n_fields == 0 && !is_struct_field) {
                        if (!allow_enum)
                                return parser_error(P, "expected ':' after '%s'", name);
                        t->kind = VARLINK_TYPE_ENUM;
                }
                if (is_struct_field != (t->kind == VARLINK_TYPE_STRUCT))
                        return parser_error(P, "fields with and without types mixed");
                if (is_struct_field) {
                        (void) parser_skip(P);
                        r = parser_type(P, &ft);
                        if (r < 0)
                                return r;
                }

                fields = reallocarray(t->fields, t->n_fields + 1, sizeof(VarlinkField));
                if (!fields)
                        return parser_error(P, "out of memory");
                t->fields = fields;
                t->fields[t->n_fields++] = (VarlinkField) { .name = TAKE_PTR(name), .type = TAKE_PTR(ft) };

                (void) parser_skip(P);
                if (parser_consume(P, ")"))
                        break;
                if (!parser_consume(P, ","))
                        return parser_error(P, "expected ',' or ')'");
        }

        P->depth--;
        *ret = TAKE_PTR(t);
        return 0;
}

static int parser_type(Parser *P, VarlinkType **ret) {
        static const struct {
                const char *keyword;
                VarlinkTypeKind kind;
        } scalars[] = {
                { "bool", VARLINK_TYPE_BOOL },     { "int", VARLINK_TYPE_INT },
                { "float", VARLINK_TYPE_FLOAT },   { "string", VARLINK_TYPE_STRING },
                { "object", VARLINK_TYPE_OBJECT }, { "any", VARLINK_TYPE_ANY },
        };
        _cleanup_(type_freep) VarlinkType *t = NULL;
        _cleanup_free_ char *word = NULL;
        bool nullable, array;
        int r;

        if (++P->depth > IDL_DEPTH_MAX)
                return parser_error(P, "types nested too deeply");

        /* "?" applies to an element type, an array or a map, but never to another "?". */
        nullable = parser_consume(P, "?");
        if (nullable && *P->p == '?')
                return parser_error(P, "'?' applied twice");

        array = parser_consume(P, "[]");
        if (array || parser_consume(P, "[string]")) {
                r = type_new(array ? VARLINK_TYPE_ARRAY : VARLINK_TYPE_DICT, &t);
                if (r < 0)
                        return parser_error(P, "out of memory");
                r = parser_type(P, &t->element);
                if (r < 0)
                        return r;
        } else if (*P->p == '(') {
                r = parser_fields(P, true, &t);
                if (r < 0)
                        return r;
        } else {
                r = parser_word(P, "a type", &word);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < ELEMENTSOF(scalars); i++)
                        if (streq(word, scalars[i].keyword)) {
                                r = type_new(scalars[i].kind, &t);
                                if (r < 0)
                                        return parser_error(P, "out of memory");
                                break;
                        }
                if (!t) {
                        if (!varlink_symbol_name_is_valid(word))
                                return parser_error(P, "unknown type '%s'", word);
                        r = type_new(VARLINK_TYPE_NAMED, &t);
                        if (r < 0)
                                return parser_error(P, "out of memory");
                        t->name = TAKE_PTR(word);
                }
        }

        t->nullable = nullable;
        P->depth--;
        *ret = TAKE_PTR(t);
        return 0;
}

static int parser_member(Parser *P, VarlinkInterface *i) {
        _cleanup_free_ char *keyword = NULL;
        VarlinkSymbol s = {};
        VarlinkSymbol *symbols;
        const char *before;
        int r;

        r = parser_word(P, "'type', 'method' or 'error'", &keyword);
        if (r < 0)
                return r;
        s.kind = varlink_symbol_kind_from_string(keyword);
        if (s.kind < 0)
                return parser_error(P, "expected 'type', 'method' or 'error', got '%s'", keyword);
        s.line = P->line;

        before = P->p;
        (void) parser_skip(P);
        if (P->p == before)
                return parser_error(P, "expected whitespace after '%s'", keyword);
        r = parser_word(P, "a name", &s.name);
        if (r < 0)
                goto fail;
        if (!varlink_symbol_name_is_valid(s.name)) {
                r = parser_error(P, "invalid name '%s'", s.name);
                goto fail;
        }
        if (varlink_interface_find(i, VARLINK_SYMBOL_TYPE, s.name) ||
            varlink_interface_find(i, VARLINK_SYMBOL_METHOD, s.name) ||
            varlink_interface_find(i, VARLINK_SYMBOL_ERROR, s.name)) {
                r = parser_error(P, "'%s' is declared twice", s.name);
                goto fail;
        }

        (void) parser_skip(P);
        r = parser_fields(P, s.kind == VARLINK_SYMBOL_TYPE, &s.input);
        if (r < 0)
                goto fail;
        if (s.kind == VARLINK_SYMBOL_METHOD) {
                (void) parser_skip(P);
                if (!parser_consume(P, "->")) {
                        r = parser_error(P, "expected '->'");
                        goto fail;
                }
                (void) parser_skip(P);
                r = parser_fields(P, false, &s.output);
                if (r < 0)
                        goto fail;
        }

        symbols = reallocarray(i->symbols, i->n_symbols + 1, sizeof(VarlinkSymbol));
        if (!symbols) {
                r = parser_error(P, "out of memory");
                goto fail;
        }
        i->symbols = symbols;
        i->symbols[i->n_symbols++] = s;
        return 0;

fail:
        symbol_done(&s);
        return r;
}

/* Every named type must refer to a "type" declaration of this interface. */
static int resolve_type(VarlinkInterface *i, VarlinkType *t, const VarlinkSymbol *s, Parser *P) {
        int r;

        if (!t)
                return 0;
        if (t->kind == VARLINK_TYPE_NAMED) {
                t->symbol = varlink_interface_find(i, VARLINK_SYMBOL_TYPE, t->name);
                if (!t->symbol)
                        return conf_error_set(P->error, P->filename, s->line, NULL, -EBADMSG,
                                              "'%s' refers to unknown type '%s'", s->name, t->name);
        }
        r = resolve_type(i, t->element, s, P);
        if (r < 0)
                return r;
        for (size_t k = 0; k < t->n_fields; k++) {
                r = resolve_type(i, t->fields[k].type, s, P);
                if (r < 0)
                        return r;
        }
        return 0;
}

int varlink_interface_parse(const char *text, const char *filename, VarlinkInterface **ret,
                            ConfError *ret_error) {
        _cleanup_(varlink_interface_freep) VarlinkInterface *i = NULL;
        _cleanup_free_ char *keyword = NULL;
        Parser P = {
                .p = text,
                .line_start = text,
                .line = 1,
                .filename = filename,
                .error = ret_error,
        };
        const char *before;
        int r;

        assert(text);
        assert(ret);

        if (strlen(text) > VARLINK_IDL_MAX)
                return conf_error_set(ret_error, filename, 0, NULL, -E2BIG,
                                      "Description is larger than %u bytes", VARLINK_IDL_MAX);

        i = calloc(1, sizeof(VarlinkInterface));
        if (!i)
                return conf_error_set(ret_error, filename, 0, NULL, -ENOMEM, "Out of memory");

        (void) parser_skip(&P);
        r = parser_word(&P, "'interface'", &keyword);
        if (r < 0)
                return r;
        if (!streq(keyword, "interface"))
                return parser_error(&P, "expected 'interface', got '%s'", keyword);
        before = P.p;
        (void) parser_skip(&P);
        if (P.p == before)
                return parser_error(&P, "expected whitespace after 'interface'");
        r = parser_word(&P, "an interface name", &i->name);
        if (r < 0)
                return r;
        if (!varlink_interface_name_is_valid(i->name))
                return parser_error(&P, "invalid interface name '%s'", i->name);

        /* Each declaration starts on a line of its own. */
        for (;;) {
                bool newline = parser_skip(&P);

                if (*P.p == '\0')
                        break;
                if (!newline)
                        return parser_error(&P, "expected a line break before the next declaration");
                r = parser_member(&P, i);
                if (r < 0)
                        return r;
        }
        if (i->n_symbols == 0)
                return parser_error(&P, "interface declares nothing");

        for (size_t k = 0; k < i->n_symbols; k++) {
                VarlinkSymbol *s = &i->symbols[k];

                r = resolve_type(i, s->input, s, &P);
                if (r >= 0)
                        r = resolve_type(i, s->output, s, &P);
                if (r < 0)
                        return r;
        }

        *ret = TAKE_PTR(i);
        return 0;
}

/* --- validation --- */

static bool type_accepts(const VarlinkType *t, json_object *v, unsigned depth);

static bool struct_accepts(const VarlinkType *t, json_object *v, unsigned depth,
                           const char **ret_bad_field) {
        *ret_bad_field = NULL;
        if (!json_object_is_type(v, json_type_object))
                return false;

        json_object_object_foreach(v, key, value) {
                bool declared = false;

                (void) value;
                for (size_t i = 0; i < t->n_fields && !declared; i++)
                        declared = streq(t->fields[i].name, key);
                if (!declared) {
                        *ret_bad_field = key;
                        return false;
                }
        }
        for (size_t i = 0; i < t->n_fields; i++) {
                json_object *member = NULL;

                (void) json_object_object_get_ex(v, t->fields[i].name, &member);
                if (!type_accepts(t->fields[i].type, member, depth + 1)) {
                        *ret_bad_field = t->fields[i].name;
                        return false;
                }
        }
        return true;
}

static bool type_accepts(const VarlinkType *t, json_object *v, unsigned depth) {
        const char *bad, *s;

        /* Absent and null are the same for a nullable field; neither is allowed otherwise. */
        if (!v)
                return t->nullable;
        if (depth > VALIDATE_DEPTH_MAX)
                return false;

        switch (t->kind) {
        case VARLINK_TYPE_BOOL:
                return json_object_is_type(v, json_type_boolean);
        case VARLINK_TYPE_INT:
                return json_object_is_type(v, json_type_int);
        case VARLINK_TYPE_FLOAT:
                return json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double);
        case VARLINK_TYPE_STRING:
                return varlink_json_get_string(v) != NULL;
        case VARLINK_TYPE_OBJECT:
                return json_object_is_type(v, json_type_object);
        case VARLINK_TYPE_ANY:
                return true;
        case VARLINK_TYPE_STRUCT:
                return struct_accepts(t, v, depth, &bad);
        case VARLINK_TYPE_ENUM:
                s = varlink_json_get_string(v);
                if (!s)
                        return false;
                for (size_t i = 0; i < t->n_fields; i++)
                        if (streq(t->fields[i].name, s))
                                return true;
                return false;
        case VARLINK_TYPE_NAMED:
                return type_accepts(t->symbol->input, v, depth + 1);
        case VARLINK_TYPE_ARRAY:
                if (!json_object_is_type(v, json_type_array))
                        return false;
                for (size_t i = 0; i < json_object_array_length(v); i++)
                        if (!type_accepts(t->element, json_object_array_get_idx(v, i), depth + 1))
                                return false;
                return true;
        case VARLINK_TYPE_DICT:
                if (!json_object_is_type(v, json_type_object))
                        return false;
                json_object_object_foreach(v, key, value) {
                        (void) key;
                        if (!type_accepts(t->element, value, depth + 1))
                                return false;
                }
                return true;
        case _VARLINK_TYPE_KIND_MAX:
        case _VARLINK_TYPE_KIND_INVALID:
                break;
        }
        assert(false);
        return false;
}

int varlink_type_validate(const VarlinkType *t, json_object *v, const char **ret_bad_field) {
        const char *bad = NULL;
        bool ok;

        assert(t);

        if (t->kind == VARLINK_TYPE_STRUCT && v)
                ok = struct_accepts(t, v, 0, &bad);
        else
                ok = type_accepts(t, v, 0);

        if (ret_bad_field)
                *ret_bad_field = ok ? NULL : bad;
        return ok ? 0 : -EINVAL;
}

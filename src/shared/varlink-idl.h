/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* varlink-idl.h — Varlink interface descriptions: parsing the text, and checking JSON against it.
 *
 * The description a service sends from GetInterfaceDescription is also the one it checks calls
 * against, so the text file is the single source of truth: a parameter it does not declare, a missing
 * one, or one of the wrong type is refused before any handler runs. The grammar is the specification's
 * (types, methods, errors, '#' comments, one declaration per line), with ASCII whitespace only. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "conf-error.h"
#include "macro.h"

/* Descriptions are a few KiB; refusing more bounds the parser's work. */
#define VARLINK_IDL_MAX (256U * 1024U)

typedef enum VarlinkTypeKind {
        VARLINK_TYPE_BOOL,
        VARLINK_TYPE_INT,
        VARLINK_TYPE_FLOAT,
        VARLINK_TYPE_STRING,
        VARLINK_TYPE_OBJECT,            /* a foreign, unchecked JSON object */
        VARLINK_TYPE_ANY,               /* any JSON value but null */
        VARLINK_TYPE_STRUCT,
        VARLINK_TYPE_ENUM,
        VARLINK_TYPE_NAMED,             /* a reference to a "type" declaration */
        VARLINK_TYPE_ARRAY,
        VARLINK_TYPE_DICT,              /* [string]T */
        _VARLINK_TYPE_KIND_MAX,
        _VARLINK_TYPE_KIND_INVALID = -EINVAL,
} VarlinkTypeKind;

typedef enum VarlinkSymbolKind {
        VARLINK_SYMBOL_TYPE,
        VARLINK_SYMBOL_METHOD,
        VARLINK_SYMBOL_ERROR,
        _VARLINK_SYMBOL_KIND_MAX,
        _VARLINK_SYMBOL_KIND_INVALID = -EINVAL,
} VarlinkSymbolKind;

DECLARE_STRING_TABLE_LOOKUP(varlink_symbol_kind, VarlinkSymbolKind);

typedef struct VarlinkType VarlinkType;
typedef struct VarlinkSymbol VarlinkSymbol;

typedef struct VarlinkField {
        char *name;
        VarlinkType *type;              /* NULL for the values of an enum */
} VarlinkField;

struct VarlinkType {
        VarlinkTypeKind kind;
        bool nullable;
        VarlinkType *element;           /* ARRAY, DICT */
        VarlinkField *fields;           /* STRUCT, ENUM, in declaration order */
        size_t n_fields;
        char *name;                     /* NAMED */
        const VarlinkSymbol *symbol;    /* NAMED: the declaration it refers to */
};

struct VarlinkSymbol {
        VarlinkSymbolKind kind;
        char *name;
        unsigned line;
        VarlinkType *input;             /* TYPE: the struct or enum; METHOD, ERROR: the parameters */
        VarlinkType *output;            /* METHOD: the reply parameters */
};

typedef struct VarlinkInterface {
        char *name;
        VarlinkSymbol *symbols;
        size_t n_symbols;
} VarlinkInterface;

/* Parses a whole description. On failure ret_error names filename (may be NULL), the line, and the
 * column in its message; -EBADMSG for a syntax or consistency error, -E2BIG above VARLINK_IDL_MAX. */
int varlink_interface_parse(const char *text, const char *filename, VarlinkInterface **ret,
                            ConfError *ret_error);
VarlinkInterface *varlink_interface_free(VarlinkInterface *i);
DEFINE_TRIVIAL_CLEANUP_FUNC(VarlinkInterface *, varlink_interface_free);

const VarlinkSymbol *varlink_interface_find(const VarlinkInterface *i, VarlinkSymbolKind kind,
                                            const char *name) _pure_;

/* Checks a JSON value against a type; for a struct (method parameters) every member must be declared
 * and every non-nullable field present. -EINVAL if it does not fit, with *ret_bad_field naming the
 * top-level field at fault when there is one (pointing into the interface or into v), else NULL. */
int varlink_type_validate(const VarlinkType *t, json_object *v, const char **ret_bad_field);

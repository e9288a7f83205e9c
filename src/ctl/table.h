/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* table.h — aligned text tables for tdispctl's human output, with optional colour per cell. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "macro.h"

#define ANSI_NORMAL "\033[0m"
#define ANSI_BOLD "\033[1m"
#define ANSI_RED "\033[0;31m"
#define ANSI_GREEN "\033[0;32m"
#define ANSI_YELLOW "\033[0;33m"
#define ANSI_GREY "\033[0;90m"

typedef struct Table Table;

/* headers: n_columns column titles. */
int table_new(const char *const *headers, size_t n_columns, Table **ret);
Table *table_free(Table *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(Table *, table_free);

/* Appends a row of n_columns cells (NULL prints as "-"); colors may be NULL, or hold an ANSI
 * sequence (or NULL) per cell. Cells are copied. */
int table_add_row(Table *t, const char *const *cells, const char *const *colors);
size_t table_rows(const Table *t) _pure_;

/* Columns are padded to their widest cell; the last one is not. Colour and the bold header are used
 * only if color is true. */
int table_print(const Table *t, FILE *f, bool header, bool color);

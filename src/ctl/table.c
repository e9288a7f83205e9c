/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* table.c — aligned text tables for tdispctl's human output, with optional colour per cell. */

#include <assert.h>
#include <stdlib.h>

#include "strv.h"
#include "table.h"

struct Table {
        size_t n_columns;
        char **cells;                   /* row-major, the headers first */
        const char **colors;            /* one per cell; static strings */
        size_t n_cells;
};

int table_new(const char *const *headers, size_t n_columns, Table **ret) {
        _cleanup_(table_freep) Table *t = NULL;
        int r;

        assert(n_columns > 0);

        t = calloc(1, sizeof(Table));
        if (!t)
                return -ENOMEM;
        t->n_columns = n_columns;
        r = table_add_row(t, headers, NULL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(t);
        return 0;
}

Table *table_free(Table *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_cells; i++)
                free(t->cells[i]);
        free(t->cells);
        free(t->colors);
        return mfree(t);
}

int table_add_row(Table *t, const char *const *cells, const char *const *colors) {
        char **c;
        const char **k;

        c = reallocarray(t->cells, t->n_cells + t->n_columns, sizeof(char *));
        if (!c)
                return -ENOMEM;
        t->cells = c;
        k = reallocarray(t->colors, t->n_cells + t->n_columns, sizeof(char *));
        if (!k)
                return -ENOMEM;
        t->colors = k;

        for (size_t i = 0; i < t->n_columns; i++) {
                char *s = strdup(cells[i] ?: "-");

                if (!s) {
                        for (size_t j = 0; j < i; j++)
                                free(t->cells[t->n_cells + j]);
                        return -ENOMEM;
                }
                t->cells[t->n_cells + i] = s;
                t->colors[t->n_cells + i] = colors ? colors[i] : NULL;
        }
        t->n_cells += t->n_columns;
        return 0;
}

size_t table_rows(const Table *t) {
        return t->n_cells / t->n_columns - 1;
}

/* Characters, not bytes: UTF-8 continuation bytes take no column. */
static size_t display_width(const char *s) {
        size_t n = 0;

        for (; *s; s++)
                n += ((unsigned char) *s & 0xc0) != 0x80;
        return n;
}

int table_print(const Table *t, FILE *f, bool header, bool color) {
        _cleanup_free_ size_t *width = calloc(t->n_columns, sizeof(size_t));

        if (!width)
                return -ENOMEM;
        for (size_t i = header ? 0 : t->n_columns; i < t->n_cells; i++)
                width[i % t->n_columns] = MAX(width[i % t->n_columns], display_width(t->cells[i]));

        for (size_t i = header ? 0 : t->n_columns; i < t->n_cells; i++) {
                size_t column = i % t->n_columns;
                bool last = column == t->n_columns - 1;
                const char *on = color ? (i < t->n_columns ? ANSI_BOLD : t->colors[i]) : NULL;

                fprintf(f, "%s%s%s", strempty(on), t->cells[i], on ? ANSI_NORMAL : "");
                if (last)
                        fputc('\n', f);
                else
                        fprintf(f, "%*s", (int) (width[column] - display_width(t->cells[i]) + 2), "");
        }
        return 0;
}

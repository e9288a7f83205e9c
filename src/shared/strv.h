/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* strv.h — NULL-terminated string arrays. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

char **strv_free(char **l);
DEFINE_TRIVIAL_CLEANUP_FUNC(char **, strv_free);
#define _cleanup_strv_free_ _cleanup_(strv_freep)

size_t strv_length(char *const *l) _pure_;
bool strv_contains(char *const *l, const char *s) _pure_;
/* Appends a copy of value. */
int strv_extend(char ***l, const char *value);
/* Appends value, taking ownership (freed on failure). */
int strv_consume(char ***l, char *value);
/* Splits on ASCII whitespace; empty words are dropped. */
int strv_split_whitespace(const char *s, char ***ret);
char **strv_copy(char *const *l);
/* Joins with sep; an empty list gives "". */
char *strv_join(char *const *l, const char *sep);
/* Sorts in place with strcmp(). */
void strv_sort(char **l);

#define STRV_FOREACH(s, l) for (char *const *s = (l); s && *s; s++)

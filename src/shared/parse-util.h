/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* parse-util.h — strict parsers for booleans and unsigned numbers.
 *
 * Every parser refuses what atoi()/strtoul() would quietly accept: leading or trailing whitespace, a
 * sign, an empty string, trailing junk and overflow. They return 0 or a negative errno (-EINVAL for
 * malformed text, -ERANGE for a value that does not fit) and never touch *ret on failure. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* "yes"/"no", "true"/"false", "on"/"off", "1"/"0" (case-insensitive): 1 or 0, else -EINVAL. */
int parse_boolean(const char *v) _pure_;

/* Decimal. */
int safe_atou32(const char *s, uint32_t *ret);
int safe_atou64(const char *s, uint64_t *ret);

/* Hexadecimal with an optional "0x"/"0X" prefix ("0x1af4", "1AF4"). */
int safe_atoux32(const char *s, uint32_t *ret);

/* A time span: a decimal number with an optional unit, "ms", "s" (the default), "min" or "h" ("30",
 * "1500ms", "2min"). The result is in microseconds; -ERANGE if it does not fit. */
int parse_sec(const char *s, uint64_t *ret_usec);

/* Exactly the n characters at s as hexadecimal digits, no prefix; for fixed-width fields such as the
 * "%08X" groups of a modalias or the halves of PCI_ID=. n must be 1…8. */
int safe_atoux32_n(const char *s, size_t n, uint32_t *ret);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* driver-match.c — driver and module names, and the globs that allow or deny them.
 *
 * Both the name and the glob are normalised to '_' before fnmatch(). In a glob, a '-' that forms a
 * range inside a bracket expression ("[a-z]") is an operator, not a character, and is kept; a
 * literal '-' in a bracket ("[-_]") is normalised like any other. Ranges are then compared against
 * the normalised name, which has no '-' left. */

#include <assert.h>
#include <fnmatch.h>

#include "driver-match.h"
#include "strv.h"

static bool driver_normalize_name(const char *s, char buf[static DRIVER_NAME_MAX + 1]) {
        size_t i;

        for (i = 0; s[i]; i++) {
                if (i >= DRIVER_NAME_MAX)
                        return false;
                buf[i] = s[i] == '-' ? '_' : s[i];
        }
        buf[i] = '\0';
        return true;
}

static bool driver_normalize_glob(const char *s, char buf[static DRIVER_NAME_MAX + 1]) {
        bool in_bracket = false;
        size_t bracket_start = 0, n;

        n = strlen(s);
        if (n > DRIVER_NAME_MAX)
                return false;

        for (size_t i = 0; i < n; i++) {
                char c = s[i];

                if (!in_bracket) {
                        if (c == '[') {
                                in_bracket = true;
                                bracket_start = i + 1;
                                if (s[bracket_start] == '!')
                                        bracket_start++;
                        }
                        buf[i] = c == '-' ? '_' : c;
                        continue;
                }

                if (c == ']' && i > bracket_start)
                        in_bracket = false;
                else if (c == '-' && i > bracket_start && i + 1 < n && s[i + 1] != ']') {
                        /* A range operator between two characters. */
                        buf[i] = c;
                        continue;
                }
                buf[i] = c == '-' ? '_' : c;
        }
        buf[n] = '\0';
        return true;
}

bool driver_glob_match(char *const *globs, const char *name) {
        char n[DRIVER_NAME_MAX + 1], g[DRIVER_NAME_MAX + 1];

        assert(name);

        if (!driver_normalize_name(name, n))
                return false;

        STRV_FOREACH(glob, globs)
                if (driver_normalize_glob(*glob, g) && fnmatch(g, n, 0) == 0)
                        return true;
        return false;
}

static bool driver_char_is_valid(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-' || c == '.';
}

bool driver_glob_is_valid(const char *glob) {
        size_t n;

        if (!glob)
                return false;
        n = strlen(glob);
        if (n == 0 || n > DRIVER_NAME_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!driver_char_is_valid(glob[i]) && !strchr("*?[]!", glob[i]))
                        return false;
        return true;
}

bool driver_name_is_valid(const char *name) {
        size_t n;

        if (!name)
                return false;
        n = strlen(name);
        if (n == 0 || n > DRIVER_NAME_MAX || name[0] == '.' || name[0] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!driver_char_is_valid(name[i]))
                        return false;
        return true;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ini.c — a systemd-style INI tokenizer that parses from memory.
 *
 * The tokenizer knows nothing about sections or keys; it hands every header and assignment to a
 * callback, which owns the meaning. Lines are copied into one bounded buffer so that callbacks get
 * NUL-terminated strings even though the input is not, and so that no input can make us allocate more
 * than INI_LINE_MAX per line. */

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "ini.h"

static bool ini_is_blank(char c) {
        /* '\r' at either end of a line is whitespace so that CRLF files parse; inside a line it is a
         * control character like any other. */
        return c == ' ' || c == '\t' || c == '\r';
}

static char *ini_strip(char *s) {
        size_t n;

        while (ini_is_blank(*s))
                s++;
        n = strlen(s);
        while (n > 0 && ini_is_blank(s[n - 1]))
                s[--n] = '\0';
        return s;
}

/* Keys and section names are identifiers; refusing anything else turns "Trusted Drivers=" or a stray
 * byte into an error at the right line rather than an "unknown key" with an unprintable name. */
static bool ini_name_is_valid(const char *s) {
        if (isempty(s))
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                      *s == '_' || *s == '-' || *s == '.'))
                        return false;
        return true;
}

static const char *ini_find_control(const char *s) {
        for (; *s; s++)
                if (((unsigned char) *s < 0x20 && *s != '\t') || *s == 0x7f)
                        return s;
        return NULL;
}

int ini_item_error(ConfError *e, const IniItem *item, int error, const char *format, ...) {
        _cleanup_free_ char *message = NULL, *key = NULL;
        va_list ap;
        int r;

        assert(item);
        assert(error < 0);

        if (!e || e->error != 0)
                return error;

        va_start(ap, format);
        r = vasprintf(&message, format, ap);
        va_end(ap);
        if (r < 0)
                message = NULL;

        if (item->key) {
                if (asprintf(&key, "%s.%s", item->section, item->key) < 0)
                        key = NULL;
        }

        return conf_error_set(e, item->filename, item->line, key, error, "%s", message ?: "invalid input");
}

int ini_table_dispatch(const IniTableItem *table, size_t n_table, const IniItem *item, void *base,
                       ConfError *ret_error) {
        bool section_known = false;

        assert(table || n_table == 0);
        assert(item);

        if (startswith(item->section, "X-") || (item->key && startswith(item->key, "X-")))
                return 0;

        for (size_t i = 0; i < n_table; i++) {
                if (!streq(table[i].section, item->section))
                        continue;
                section_known = true;
                if (item->key && streq(table[i].key, item->key))
                        return table[i].parse(item, (char *) base + table[i].offset, ret_error);
        }

        if (!section_known)
                return ini_item_error(ret_error, item, -EBADMSG, "Unknown section [%s]", item->section);
        if (item->key)
                return ini_item_error(ret_error, item, -EBADMSG, "Unknown key '%s' in section [%s]",
                                      item->key, item->section);
        return 0;
}

static int ini_parse_line(char *l, const char *filename, unsigned line, char **section,
                          IniCallback callback, void *userdata, ConfError *ret_error) {
        const char *bad;
        IniItem item;
        char *eq;
        int r;

        l = ini_strip(l);
        if (l[0] == '\0' || l[0] == '#' || l[0] == ';')
                return 0;

        bad = ini_find_control(l);
        if (bad)
                return conf_error_set(ret_error, filename, line, NULL, -EBADMSG,
                                      "Line contains control character 0x%02x at column %zu",
                                      (unsigned) (unsigned char) *bad, (size_t) (bad - l) + 1);

        if (l[0] == '[') {
                size_t n = strlen(l);
                char *name;

                if (n < 2 || l[n - 1] != ']')
                        return conf_error_set(ret_error, filename, line, NULL, -EBADMSG,
                                              "Unterminated section header '%s'", l);
                l[n - 1] = '\0';
                name = l + 1;
                if (!ini_name_is_valid(name))
                        return conf_error_set(ret_error, filename, line, NULL, -EBADMSG,
                                              "Invalid section name '%s'", name);

                r = free_and_strdup(section, name);
                if (r < 0)
                        return conf_error_set(ret_error, filename, line, NULL, r, "Out of memory");

                item = (IniItem) { .filename = filename, .line = line, .section = *section };
                r = callback(&item, userdata, ret_error);
                if (r < 0)
                        return ini_item_error(ret_error, &item, r, "Failed to apply section: %s",
                                              strerror(-r));
                return 0;
        }

        eq = strchr(l, '=');
        if (!eq)
                return conf_error_set(ret_error, filename, line, NULL, -EBADMSG,
                                      "Line is neither a section header nor an assignment (no '=')");
        *eq = '\0';

        const char *key = ini_strip(l), *value = ini_strip(eq + 1);
        if (!ini_name_is_valid(key))
                return conf_error_set(ret_error, filename, line, NULL, -EBADMSG, "Invalid key name '%s'",
                                      key);
        if (!*section)
                return conf_error_set(ret_error, filename, line, NULL, -EBADMSG,
                                      "Assignment to '%s' outside of any section", key);

        item = (IniItem) {
                .filename = filename,
                .line = line,
                .section = *section,
                .key = key,
                .value = value,
        };
        r = callback(&item, userdata, ret_error);
        if (r < 0)
                return ini_item_error(ret_error, &item, r, "Failed to apply value '%s': %s", value,
                                      strerror(-r));
        return 0;
}

int ini_parse_buffer(const char *data, size_t size, const char *filename, IniCallback callback,
                     void *userdata, ConfError *ret_error) {
        _cleanup_free_ char *section = NULL, *buf = NULL;
        unsigned line = 0;
        int r;

        assert(data || size == 0);
        assert(callback);

        if (size > INI_INPUT_MAX)
                return conf_error_set(ret_error, filename, 0, NULL, -E2BIG, "Input is larger than %u bytes",
                                      INI_INPUT_MAX);

        buf = malloc(INI_LINE_MAX + 1);
        if (!buf)
                return conf_error_set(ret_error, filename, 0, NULL, -ENOMEM, "Out of memory");

        /* Some editors start UTF-8 files with a byte order mark; it would make line 1 unparseable. */
        size_t pos = size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;

        while (pos < size) {
                const char *start = data + pos, *nl = memchr(start, '\n', size - pos);
                size_t len = nl ? (size_t) (nl - start) : size - pos;

                pos += len + (nl ? 1 : 0);
                line++;

                if (memchr(start, '\0', len))
                        return conf_error_set(ret_error, filename, line, NULL, -EBADMSG,
                                              "Line contains a NUL byte");
                if (len > INI_LINE_MAX)
                        return conf_error_set(ret_error, filename, line, NULL, -EBADMSG,
                                              "Line is longer than %u bytes", INI_LINE_MAX);

                memcpy(buf, start, len);
                buf[len] = '\0';

                r = ini_parse_line(buf, filename, line, &section, callback, userdata, ret_error);
                if (r < 0)
                        return r;
        }

        return 0;
}

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fileio.h — whole-file reads and single-write sysfs stores. */
#pragma once

#include <stddef.h>

/* Reads all of path into a NUL-terminated buffer (the contents may contain NULs of their own; *ret_size
 * says how much was read). Reads to EOF rather than trusting st_size, which is 4096 for every sysfs
 * attribute and 0 for /proc files. -E2BIG if the file holds more than max_size bytes. ret_size may be
 * NULL. */
int read_full_file(const char *path, size_t max_size, char **ret_contents, size_t *ret_size);

/* The first line of path, without its newline; for /proc/cmdline and sysfs attributes. -EBADMSG if
 * that line contains a NUL byte. */
int read_one_line_file(const char *path, char **ret_line);

/* Writes str to an existing file (a sysfs attribute) in a single write(2), so that the attribute's
 * store method sees the whole value at once and its error comes back as the write's -errno. Never
 * creates, truncates or follows a symlink. An empty str is written as "\n": a zero-length write may
 * not reach the store method at all, and sysfs strips the newline (e.g. to clear driver_override). */
int write_string_file(const char *path, const char *str);

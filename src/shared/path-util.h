/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* path-util.h — checks on paths that come from configuration or from the kernel. */
#pragma once

#include <stdbool.h>

#include "macro.h"

/* An absolute path of at most PATH_MAX bytes whose components are neither empty (no "//", no trailing
 * '/') nor "." or "..", so that it names exactly one place however it is later joined or opened. "/"
 * itself is not accepted: nothing we check may name the root directory. */
bool path_is_normalized(const char *p) _pure_;

/* The path a symlink in dir (a normalised path) names when it holds target, with "." and ".."
 * resolved by their names, as sysfs's links are meant: their components are directories, never
 * links. An absolute target is taken as it is. -EINVAL if the result is not a normalised path (it
 * would climb above "/", say), -ENOMEM. */
int path_resolve_link(const char *dir, const char *target, char **ret);

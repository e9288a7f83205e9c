/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* conf-files.h — drop-in directories with systemd's precedence rules. */
#pragma once

/* Lists the regular files named "*suffix" in dirs (a NULL-terminated list, highest precedence first),
 * sorted by file name. A name found in an earlier directory hides the same name in later ones, so
 * /etc overrides /run overrides /usr/lib; a symlink to /dev/null hides it and contributes nothing
 * (masking). Missing directories are skipped, hidden files (".foo.conf") and anything that is not a
 * regular file are ignored. ret_paths receives "dir/name" paths, possibly an empty list. */
int conf_files_list(char *const *dirs, const char *suffix, char ***ret_paths);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* device-log.h — a journal line about one device.
 *
 * The line reads "SYSNAME: message" and carries TDISPD_DEVICE=SYSNAME, so that
 * `journalctl TDISPD_DEVICE=0000:00:07.0` shows everything tdispd said about a device (which verifier
 * it asked, which driver it bound), not only its decision and state transitions. */
#pragma once

#include "log.h"

int log_device_internal(int level, int error, const char *sysname, const char *format, ...) _printf_(4, 5);

#define log_device_full_errno(level, error, sysname, ...) log_device_internal((level), (error), (sysname), __VA_ARGS__)

#define log_device_debug(sysname, ...) (void) log_device_full_errno(LOG_DEBUG, 0, (sysname), __VA_ARGS__)
#define log_device_info(sysname, ...) (void) log_device_full_errno(LOG_INFO, 0, (sysname), __VA_ARGS__)
#define log_device_notice(sysname, ...) (void) log_device_full_errno(LOG_NOTICE, 0, (sysname), __VA_ARGS__)
#define log_device_warning(sysname, ...) (void) log_device_full_errno(LOG_WARNING, 0, (sysname), __VA_ARGS__)
#define log_device_error(sysname, ...) (void) log_device_full_errno(LOG_ERR, 0, (sysname), __VA_ARGS__)

#define log_device_debug_errno(sysname, error, ...) log_device_full_errno(LOG_DEBUG, (error), (sysname), __VA_ARGS__)
#define log_device_info_errno(sysname, error, ...) log_device_full_errno(LOG_INFO, (error), (sysname), __VA_ARGS__)
#define log_device_warning_errno(sysname, error, ...) \
        log_device_full_errno(LOG_WARNING, (error), (sysname), __VA_ARGS__)
#define log_device_error_errno(sysname, error, ...) log_device_full_errno(LOG_ERR, (error), (sysname), __VA_ARGS__)

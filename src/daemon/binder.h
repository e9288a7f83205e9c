/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* binder.h — binding an allowed driver to a shared device (DEVICE_ACTION_BIND). */
#pragma once

#include "config.h"
#include "device.h"
#include "registry.h"

struct kmod_ctx;

/* Resolves candidates (the rule's Driver=, else the modalias through libkmod), checks each module and
 * each driver it registers against policy, loads the module, pins driver_override where the bus has
 * it and writes the device to the driver's bind file.
 *
 * Returns 0 when a bind write succeeded (*ret_driver names the driver; the caller confirms it through
 * the driver link), -EAGAIN for probe deferral, -ENOENT when no allowed driver is available (none
 * matches, policy refuses them, module files missing), or the error of a module load or bind write. *ret_reason explains refusals and failures (may be NULL). */
int binder_bind_device(struct kmod_ctx *ctx, const Registry *reg, const Device *d, const char *explicit_driver,
                       char **ret_driver, char **ret_reason);

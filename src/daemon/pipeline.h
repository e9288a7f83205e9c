/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* pipeline.h — carrying out the TDISP steps the core asks for: prepare, lock, evidence, accept, unlock. */
#pragma once

#include "manager.h"

/* Executes one of DEVICE_ACTION_PREPARE, _LOCK, _READ_EVIDENCE, _REQUEST_VERDICT, _ACCEPT, _UNLOCK and
 * dispatches its result to the core (appending to o). */
int pipeline_execute(Manager *m, Device *d, const Record *rec, Outcome *o);

/* Checks that the device at d's syspath is still the one policy judged (see manager.c). */
int manager_verify_identity(const Device *d);

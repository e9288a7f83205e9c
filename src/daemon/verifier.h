/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* verifier.h — asking the relying party: exec:PATH, local:PATH or push (design.md "Relying party"). */
#pragma once

#include "manager.h"

typedef struct VerifierRun VerifierRun;

/* DEVICE_ACTION_REQUEST_VERDICT for d's evidence (digest): local judges now and dispatches the verdict;
 * exec starts the program and dispatches its verdict when it exits; push waits for the API. */
int verifier_request(Manager *m, Device *d, const char *digest, Outcome *o);

/* A verdict from the API (push mode, or an operator's approve/reject): bound to the digest it
 * judged. -ESTALE for other evidence, -EBUSY if the device awaits no verdict. */
int verifier_push_verdict(Manager *m, Device *d, bool approve, const char *digest, const char *reason,
                          bool lock_topology);

VerifierRun *verifier_run_free(VerifierRun *run);

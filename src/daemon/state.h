/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* state.h — writing and reading /run/tdispd/state.json. */
#pragma once

#include "manager.h"

/* How long an ordinary change may wait before it is written, so that a burst of uevents costs one
 * write of the whole file rather than one per event. */
#define STATE_SAVE_DELAY_USEC (100U * 1000U)

/* Schedules writing the state file: at the end of this event-loop iteration when urgent (a change
 * restoring relies on, persist_record_changes_state()), otherwise within STATE_SAVE_DELAY_USEC. */
void manager_state_changed(Manager *m, bool urgent);

/* Reads the previous instance's state into m->saved_state; a missing, corrupt or foreign file leaves
 * it NULL (and is reported). */
int manager_load_state(Manager *m);

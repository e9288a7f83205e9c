/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* state.h — writing and reading /run/tdispd/state.json. */
#pragma once

#include "manager.h"

/* Schedules writing the state file once the current event is handled. */
void manager_state_changed(Manager *m);

/* Reads the previous instance's state into m->saved_state; a missing, corrupt or foreign file leaves
 * it NULL (and is reported). */
int manager_load_state(Manager *m);

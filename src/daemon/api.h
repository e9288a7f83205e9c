/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* api.h — the control API: io.tdispd.Manager over Varlink, for tdispctl and varlinkctl.
 *
 * The manager creates it once the configuration is loaded, hands it every record it processes (so
 * that Monitor clients see exactly what the journal sees), and frees it first on shutdown. */
#pragma once

#include "conf-error.h"
#include "outcome.h"

typedef struct Api Api;
typedef struct Manager Manager;

/* The manager's own record processing (log, carry out actions, feed results back), used to apply
 * what a reload decides. */
typedef int (*ApiProcess)(Manager *m, Outcome *o);

/* The socket's name in the runtime directory. */
#define API_SOCKET_NAME "io.tdispd.Manager"

/* Listens on <runtime dir>/io.tdispd.Manager, mode 0600; creates the runtime directory if needed. */
int api_new(Manager *m, ApiProcess process, Api **ret);
Api *api_free(Api *a);
DEFINE_TRIVIAL_CLEANUP_FUNC(Api *, api_free);

/* Sends a record to every Monitor client. a may be NULL. Records whose device is gone (NULL, with no
 * subject) are skipped. */
void api_broadcast_record(Api *a, const Record *rec);
/* Tells Monitor clients that a device was removed; call before it is freed. */
void api_broadcast_device_removed(Api *a, const Device *d);

/* Loads configuration and policy again and applies them, as the Reload method does (and as SIGHUP
 * could). On failure the running configuration stays in force and ret_error says why. */
int api_reload(Api *a, ConfError *ret_error);

/* "decision", "transition", …, "removed": the record types as the API names them. */
typedef enum ApiRecordType {
        API_RECORD_DECISION,
        API_RECORD_TRANSITION,
        API_RECORD_REFUSED_BINDING,
        API_RECORD_ACTION,
        API_RECORD_STALE_VERDICT,
        API_RECORD_TOPOLOGY_LOCKED,
        API_RECORD_TOPOLOGY_VIOLATION,
        API_RECORD_REMOVED,
        _API_RECORD_TYPE_MAX,
        _API_RECORD_TYPE_INVALID = -EINVAL,
} ApiRecordType;

DECLARE_STRING_TABLE_LOOKUP(api_record_type, ApiRecordType);

/* The interface description, as served by GetInterfaceDescription. */
extern const char api_interface_description[];

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* varlink-server.h — a Varlink service on an AF_UNIX stream socket, driven by sd-event.
 *
 * The server owns the connections ("links"), parses calls, answers org.varlink.service itself, checks
 * every call against the interface description (unknown methods, missing, unknown or mistyped
 * parameters never reach a handler) and only then calls the handler registered for the method.
 *
 * A handler answers with varlink_link_reply() or varlink_link_error(), at once or later; a call made
 * with "more" may first get any number of varlink_link_notify() replies. Until the final reply, no
 * further call on that connection is dispatched (the protocol has no call ids).
 *
 * No client can block or exhaust the daemon: connections, message size and unread output are capped,
 * a connection must complete each call and drain its replies within the timeout, and every protocol
 * violation closes the connection. Closing is deferred to the next event loop iteration, so a handler
 * or a broadcast loop never sees a link freed under its feet. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "conf-error.h"
#include "macro.h"
#include "varlink-message.h"

/* Defaults, all overridable with varlink_server_set_limits(). */
#define VARLINK_SERVER_CONNECTIONS_MAX 64U
#define VARLINK_SERVER_OUTPUT_MAX (8U * 1024U * 1024U)
#define VARLINK_SERVER_TIMEOUT_USEC (30U * 1000U * 1000U)

typedef struct VarlinkServer VarlinkServer;
typedef struct VarlinkLink VarlinkLink;

typedef int (*VarlinkMethodHandler)(VarlinkLink *link, json_object *parameters, VarlinkCallFlags flags,
                                    void *userdata);

typedef enum VarlinkMethodFlags {
        VARLINK_METHOD_REQUIRES_MORE = 1 << 0, /* refused with ExpectedMore unless called with "more" */
} VarlinkMethodFlags;

typedef struct VarlinkMethod {
        const char *name;               /* unqualified: "GetStatus" */
        VarlinkMethodHandler handler;
        VarlinkMethodFlags flags;
} VarlinkMethod;

typedef struct VarlinkServerInfo {
        const char *vendor, *product, *version, *url;   /* org.varlink.service.GetInfo */
        /* Error sent when a handler fails without replying, with parameters (errno: int, message:
         * string); it must be declared in one of the interfaces. NULL: close the connection instead. */
        const char *system_error;
} VarlinkServerInfo;

typedef struct VarlinkServerLimits {
        unsigned connections_max;
        size_t message_max;             /* per message, either way */
        size_t output_max;              /* unread replies per connection */
        uint64_t timeout_usec;          /* to complete a call, or to make progress draining replies */
} VarlinkServerLimits;

/* Decides whether a peer may call anything at all; denied peers get PermissionDenied for every call
 * and are disconnected after that reply. */
typedef bool (*VarlinkAuthorize)(const struct ucred *peer, void *userdata);

/* info is copied by reference: its strings must outlive the server. */
int varlink_server_new(sd_event *event, const VarlinkServerInfo *info, void *userdata, VarlinkServer **ret);
VarlinkServer *varlink_server_free(VarlinkServer *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(VarlinkServer *, varlink_server_free);

/* Adds an interface from its description (kept by reference, and served verbatim by
 * GetInterfaceDescription) with handlers for some or all of its methods; methods is terminated by an
 * entry with a NULL name. -EBADMSG if the description does not parse (ret_error says where, may be
 * NULL), -EINVAL if a handler names a method the description does not declare. */
int varlink_server_add_interface(VarlinkServer *s, const char *description, const VarlinkMethod *methods,
                                 ConfError *ret_error);

void varlink_server_set_limits(VarlinkServer *s, const VarlinkServerLimits *limits);
void varlink_server_get_limits(const VarlinkServer *s, VarlinkServerLimits *ret);
void varlink_server_set_authorize(VarlinkServer *s, VarlinkAuthorize authorize);

/* Binds path (replacing a stale socket there, but nothing else) with the given mode, set before
 * the socket becomes reachable, and starts accepting. The socket file is removed again by
 * varlink_server_free(). */
int varlink_server_listen(VarlinkServer *s, const char *path, mode_t mode);
/* Serves an already connected socket (tests, socket activation); takes fd. */
int varlink_server_add_connection(VarlinkServer *s, int fd, VarlinkLink **ret);

unsigned varlink_server_n_links(const VarlinkServer *s) _pure_;

/* Replies; parameters may be NULL for none and are not consumed. All return -ENOTCONN once the
 * link is closed (the caller just drops it) and -EBADSLT when the link has no call to answer.
 * varlink_link_reply() returns -EMSGSIZE, without closing, if the reply is larger than a message may
 * be, so the handler can answer differently; a connection whose unread replies exceed the limit is
 * closed (-ENOBUFS). */
int varlink_link_reply(VarlinkLink *l, json_object *parameters);
int varlink_link_notify(VarlinkLink *l, json_object *parameters);
int varlink_link_error(VarlinkLink *l, const char *error, json_object *parameters);
int varlink_link_error_invalid_parameter(VarlinkLink *l, const char *parameter);

/* Call-scoped callbacks for a handler that replies later. on_drain runs when most of the queued
 * output has been written (to produce a long result in slices); on_end runs exactly once when the call
 * ends — final reply, error, disconnect or server shutdown — and must release userdata. */
typedef struct VarlinkCallCallbacks {
        void (*on_drain)(VarlinkLink *l, void *userdata);
        void (*on_end)(VarlinkLink *l, void *userdata);
} VarlinkCallCallbacks;

void varlink_link_set_call_callbacks(VarlinkLink *l, const VarlinkCallCallbacks *callbacks, void *userdata);

VarlinkServer *varlink_link_get_server(const VarlinkLink *l) _pure_;
const struct ucred *varlink_link_get_peer(const VarlinkLink *l) _pure_;
bool varlink_link_is_connected(const VarlinkLink *l) _pure_;
/* Closes the connection (deferred, see above). */
void varlink_link_close(VarlinkLink *l);

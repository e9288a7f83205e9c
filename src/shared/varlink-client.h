/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* varlink-client.h — a blocking Varlink client, for command line tools and tests.
 *
 * One call at a time: varlink_client_send() then varlink_client_receive() until a reply comes without
 * "continues" (or for ever, for a monitor). The reply a peer sends is parsed as strictly as the
 * server parses calls; a malformed one ends the conversation with -EBADMSG. */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "macro.h"
#include "varlink-message.h"

/* Replies may be larger than calls: a third-party service may send a whole list in one. */
#define VARLINK_CLIENT_MESSAGE_MAX (16U * 1024U * 1024U)
#define VARLINK_CLIENT_TIMEOUT_INFINITY UINT64_MAX

typedef struct VarlinkClient VarlinkClient;

/* -ENOENT or -ECONNREFUSED: nobody listens at path; -EACCES: not allowed to connect. */
int varlink_client_connect(const char *path, VarlinkClient **ret);
/* Takes fd, a connected stream socket. */
int varlink_client_new_from_fd(int fd, VarlinkClient **ret);
VarlinkClient *varlink_client_free(VarlinkClient *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(VarlinkClient *, varlink_client_free);

/* Sends a call; parameters may be NULL and are not consumed. */
int varlink_client_send(VarlinkClient *c, const char *method, json_object *parameters,
                        VarlinkCallFlags flags, uint64_t timeout_usec);
/* Waits for the next reply. -ETIMEDOUT, -ECONNRESET when the service hung up, -EINTR when a signal
 * arrived (the wait can be resumed), -EBADMSG for a malformed reply. */
int varlink_client_receive(VarlinkClient *c, uint64_t timeout_usec, VarlinkReply *ret);
/* Both, for a call with exactly one reply. */
int varlink_client_call(VarlinkClient *c, const char *method, json_object *parameters, uint64_t timeout_usec,
                        VarlinkReply *ret);

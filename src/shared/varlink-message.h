/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* varlink-message.h — Varlink calls and replies: parsing what a peer sent, formatting what we send.
 *
 * A message is one JSON object (the NUL terminator belongs to the stream, varlink-stream.h), read with
 * the strict parser of json-util.h (so a repeated key is refused too). Anything the specification
 * calls malformed — not an object, a missing or invalid "method", an unknown
 * unprefixed member, a non-boolean flag, two flags at once — is refused with -EBADMSG, and the caller
 * closes the connection: there is no well-defined reply to such a message. Vendor extension members
 * (their names contain a '.') are ignored. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "json-util.h"
#include "macro.h"

/* Largest message we accept or send. Calls to tdispd are a few hundred bytes; long results are
 * streamed in several replies. */
#define VARLINK_MESSAGE_MAX (1024U * 1024U)

#define VARLINK_SERVICE_INTERFACE "org.varlink.service"
#define VARLINK_ERROR_INTERFACE_NOT_FOUND "org.varlink.service.InterfaceNotFound"
#define VARLINK_ERROR_METHOD_NOT_FOUND "org.varlink.service.MethodNotFound"
#define VARLINK_ERROR_METHOD_NOT_IMPLEMENTED "org.varlink.service.MethodNotImplemented"
#define VARLINK_ERROR_INVALID_PARAMETER "org.varlink.service.InvalidParameter"
#define VARLINK_ERROR_PERMISSION_DENIED "org.varlink.service.PermissionDenied"
#define VARLINK_ERROR_EXPECTED_MORE "org.varlink.service.ExpectedMore"

typedef enum VarlinkCallFlags {
        VARLINK_CALL_MORE = 1 << 0,     /* the caller accepts several replies */
        VARLINK_CALL_ONEWAY = 1 << 1,   /* the caller wants no reply at all */
        VARLINK_CALL_UPGRADE = 1 << 2,  /* the caller wants to leave Varlink after the reply */
} VarlinkCallFlags;

typedef struct VarlinkCall {
        char *method;                   /* fully qualified: "io.tdispd.Manager.GetStatus" */
        json_object *parameters;        /* always an object: an absent or null member gives {} */
        VarlinkCallFlags flags;
} VarlinkCall;

typedef struct VarlinkReply {
        json_object *parameters;        /* always an object */
        char *error;                    /* fully qualified error name, NULL for a successful reply */
        bool continues;                 /* more replies to the same call follow */
} VarlinkReply;

void varlink_call_done(VarlinkCall *c);
void varlink_reply_done(VarlinkReply *r);

/* Parse one message (without its NUL). -EBADMSG for anything malformed, -E2BIG above max_size.
 * ret_reason, if non-NULL, receives a static description of what was wrong, for debug logs. */
int varlink_call_parse(const char *data, size_t size, size_t max_size, VarlinkCall *ret,
                       const char **ret_reason);
int varlink_reply_parse(const char *data, size_t size, size_t max_size, VarlinkReply *ret,
                        const char **ret_reason);

/* Format a message as compact JSON (without the NUL). parameters may be NULL for none; it is not
 * consumed. The result is freshly allocated. */
int varlink_call_format(const char *method, json_object *parameters, VarlinkCallFlags flags, char **ret,
                        size_t *ret_size);
int varlink_reply_format(json_object *parameters, bool continues, char **ret, size_t *ret_size);
int varlink_error_format(const char *error, json_object *parameters, char **ret, size_t *ret_size);

/* Names as the Varlink specification defines them. */
bool varlink_interface_name_is_valid(const char *s) _pure_;
bool varlink_symbol_name_is_valid(const char *s) _pure_;
bool varlink_field_name_is_valid(const char *s) _pure_;
/* "org.example.ftl.Jump": a valid interface name, '.', a valid symbol name. */
bool varlink_qualified_name_is_valid(const char *s) _pure_;

/* The C string of a JSON string, or NULL if v is not a string or hides a "\u0000" inside (which
 * json-c keeps, but which strlen() would silently cut at). */
const char *varlink_json_get_string(json_object *v);
/* Compact, without escaping '/'. The result is freshly allocated. */
int varlink_json_format(json_object *v, char **ret, size_t *ret_size);

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* varlink-server.c — a Varlink service on an AF_UNIX stream socket, driven by sd-event.
 *
 * Each connection is a VarlinkLink with one io source and one timer. The timer enforces a single
 * rule: a connection that is idle, or has replies queued, must make progress — complete a call, or let
 * us write some of its replies — within the timeout. Bytes trickling in without completing a message
 * are not progress, so a slow-loris client is dropped as surely as a silent one; a Monitor client
 * with nothing queued is waiting for us, not the other way round, and never times out.
 *
 * Closing only marks a link; one deferred event source frees closed links and resumes work that was
 * postponed (calls buffered behind an asynchronous reply, slices of a long result). */

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "log.h"
#include "varlink-idl.h"
#include "varlink-server.h"
#include "varlink-stream.h"

/* Our own wording of the service interface every Varlink service provides. */
static const char varlink_service_description[] =
        "# The Varlink service interface: what this service is, and the descriptions of the\n"
        "# interfaces it implements.\n"
        "interface org.varlink.service\n"
        "\n"
        "# The vendor, product, version and URL of the service, and the interfaces it implements.\n"
        "method GetInfo() -> (\n"
        "\tvendor: string,\n"
        "\tproduct: string,\n"
        "\tversion: string,\n"
        "\turl: string,\n"
        "\tinterfaces: []string\n"
        ")\n"
        "\n"
        "# The description of one of the implemented interfaces, as text.\n"
        "method GetInterfaceDescription(interface: string) -> (description: string)\n"
        "\n"
        "# The service does not implement this interface.\n"
        "error InterfaceNotFound (interface: string)\n"
        "\n"
        "# The interface declares no such method.\n"
        "error MethodNotFound (method: string)\n"
        "\n"
        "# The interface declares the method, but the service does not implement it.\n"
        "error MethodNotImplemented (method: string)\n"
        "\n"
        "# A parameter is missing, not declared, of the wrong type, or has a value out of range.\n"
        "error InvalidParameter (parameter: string)\n"
        "\n"
        "# The caller is not allowed to call this method.\n"
        "error PermissionDenied ()\n"
        "\n"
        "# The method returns its result in several replies: call it with \"more\".\n"
        "error ExpectedMore ()\n";

/* accept() failing for lack of file descriptors would wake us for ever; pause instead. */
#define ACCEPT_RETRY_USEC (250U * 1000U)

typedef enum LinkState {
        LINK_IDLE,              /* waiting for the next call */
        LINK_CALLING,           /* a handler is running */
        LINK_PENDING,           /* the handler returned; the final reply is still to come */
} LinkState;

typedef struct ServerInterface {
        VarlinkInterface *idl;
        const char *description;
        const VarlinkMethod *methods;
} ServerInterface;

struct VarlinkServer {
        sd_event *event;
        VarlinkServerInfo info;
        void *userdata;
        VarlinkServerLimits limits;
        VarlinkAuthorize authorize;

        ServerInterface *interfaces;
        size_t n_interfaces;

        int listen_fd;
        sd_event_source *listen_source;
        sd_event_source *accept_retry_source;
        char *path;
        dev_t path_dev;
        ino_t path_ino;

        VarlinkLink *links;
        unsigned n_links;
        sd_event_source *defer_source;
};

struct VarlinkLink {
        VarlinkServer *server;
        VarlinkLink *prev, *next;

        VarlinkStream stream;
        sd_event_source *io_source, *timer_source;
        struct ucred peer;
        uint64_t deadline;              /* CLOCK_MONOTONIC */

        LinkState state;
        VarlinkCallFlags call_flags;
        VarlinkCallCallbacks callbacks;
        void *call_userdata;

        bool denied;                    /* every call gets PermissionDenied, then we hang up */
        bool read_eof;                  /* the peer shut down its sending side */
        bool close_after_flush;
        bool closed;                    /* waiting to be freed by the deferred source */
        bool scheduled;                 /* the deferred source has work for this link */
};

static void link_close(VarlinkLink *l);
static void link_update(VarlinkLink *l);

/* --- bookkeeping --- */

static void server_schedule(VarlinkServer *s) {
        (void) sd_event_source_set_enabled(s->defer_source, SD_EVENT_ON);
}

static void link_schedule(VarlinkLink *l) {
        l->scheduled = true;
        server_schedule(l->server);
}

static size_t server_low_water(const VarlinkServer *s) {
        /* A slice of a long result is produced only when one more message surely fits. */
        return MIN(s->limits.output_max / 4, s->limits.output_max - s->limits.message_max - 1);
}

static void link_progress(VarlinkLink *l) {
        uint64_t now = 0;

        (void) sd_event_now(l->server->event, CLOCK_MONOTONIC, &now);
        l->deadline = now + l->server->limits.timeout_usec;
}

static void link_update(VarlinkLink *l) {
        uint32_t events = 0;

        if (l->closed)
                return;

        if (!l->read_eof && !l->close_after_flush && varlink_stream_can_read(&l->stream))
                events |= EPOLLIN;
        if (varlink_stream_queued(&l->stream) > 0)
                events |= EPOLLOUT;
        (void) sd_event_source_set_io_events(l->io_source, events);

        if (l->state == LINK_IDLE || varlink_stream_queued(&l->stream) > 0) {
                (void) sd_event_source_set_time(l->timer_source, l->deadline);
                (void) sd_event_source_set_enabled(l->timer_source, SD_EVENT_ONESHOT);
        } else
                (void) sd_event_source_set_enabled(l->timer_source, SD_EVENT_OFF);
}

static void link_end_call_callbacks(VarlinkLink *l) {
        VarlinkCallCallbacks cb = l->callbacks;
        void *userdata = l->call_userdata;

        /* Cleared first: on_end may start anything, even a new call on this link. */
        l->callbacks = (VarlinkCallCallbacks) {};
        l->call_userdata = NULL;
        if (cb.on_end)
                cb.on_end(l, userdata);
}

static VarlinkLink *link_free(VarlinkLink *l) {
        VarlinkServer *s;

        if (!l)
                return NULL;
        s = l->server;

        if (l->state != LINK_IDLE)
                link_end_call_callbacks(l);

        if (l->prev)
                l->prev->next = l->next;
        else
                s->links = l->next;
        if (l->next)
                l->next->prev = l->prev;
        s->n_links--;

        sd_event_source_disable_unref(l->io_source);
        sd_event_source_disable_unref(l->timer_source);
        varlink_stream_done(&l->stream);
        return mfree(l);
}

static void link_close(VarlinkLink *l) {
        if (l->closed)
                return;
        log_debug("API client (pid %i, uid %u) disconnected.", (int) l->peer.pid, (unsigned) l->peer.uid);
        l->closed = true;
        (void) sd_event_source_set_enabled(l->io_source, SD_EVENT_OFF);
        (void) sd_event_source_set_enabled(l->timer_source, SD_EVENT_OFF);
        server_schedule(l->server);
}

/* Writes what the socket takes. Negative if the link got closed. */
static int link_flush(VarlinkLink *l) {
        size_t written = 0;
        int r;

        r = varlink_stream_flush(&l->stream, &written);
        if (r < 0) {
                log_debug_errno(r, "API client (pid %i): write failed: %m", (int) l->peer.pid);
                link_close(l);
                return r;
        }
        if (written > 0)
                link_progress(l);
        if (r > 0 && l->close_after_flush) {
                link_close(l);
                return -ECONNRESET;
        }
        if (l->state == LINK_PENDING && l->callbacks.on_drain &&
            varlink_stream_queued(&l->stream) <= server_low_water(l->server))
                link_schedule(l);
        return 0;
}

static int link_send(VarlinkLink *l, const char *data, size_t size) {
        int r;

        r = varlink_stream_enqueue(&l->stream, data, size);
        if (r == -ENOBUFS) {
                log_warning("API client (pid %i, uid %u) does not read its replies; more than %zu bytes "
                            "queued, disconnecting.",
                            (int) l->peer.pid, (unsigned) l->peer.uid, l->server->limits.output_max);
                link_close(l);
                return r;
        }
        if (r < 0)
                return r;

        /* Usually the socket takes it at once, and the reply need not wait for the next iteration. */
        r = link_flush(l);
        if (r < 0)
                return r;
        link_update(l);
        return 0;
}

static void link_end_call(VarlinkLink *l) {
        l->state = LINK_IDLE;
        link_end_call_callbacks(l);
        link_progress(l);
        /* Calls pipelined behind this one wait in the buffer. */
        link_schedule(l);
        link_update(l);
}

/* --- replies --- */

static int link_check_call(VarlinkLink *l) {
        if (l->closed)
                return -ENOTCONN;
        if (!IN_SET(l->state, LINK_CALLING, LINK_PENDING))
                return -EBADSLT;
        return 0;
}

static int link_reply_full(VarlinkLink *l, const char *error, json_object *parameters, bool continues) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r;

        r = link_check_call(l);
        if (r < 0)
                return r;
        if (continues && !(l->call_flags & VARLINK_CALL_MORE))
                return -EBADSLT;

        if (!(l->call_flags & VARLINK_CALL_ONEWAY)) {
                r = error ? varlink_error_format(error, parameters, &text, &size)
                          : varlink_reply_format(parameters, continues, &text, &size);
                if (r < 0)
                        return r;
                r = link_send(l, text, size);
                if (r < 0)
                        return r;
        }

        if (!continues)
                link_end_call(l);
        return 0;
}

int varlink_link_reply(VarlinkLink *l, json_object *parameters) {
        return link_reply_full(l, NULL, parameters, false);
}

int varlink_link_notify(VarlinkLink *l, json_object *parameters) {
        return link_reply_full(l, NULL, parameters, true);
}

int varlink_link_error(VarlinkLink *l, const char *error, json_object *parameters) {
        assert(varlink_qualified_name_is_valid(error));
        return link_reply_full(l, error, parameters, false);
}

static int link_error_string(VarlinkLink *l, const char *error, const char *key, const char *value) {
        _cleanup_json_ json_object *p = json_object_new_object();

        if (!p || json_object_object_add(p, key, json_object_new_string(value)) < 0)
                return -ENOMEM;
        return varlink_link_error(l, error, p);
}

int varlink_link_error_invalid_parameter(VarlinkLink *l, const char *parameter) {
        return link_error_string(l, VARLINK_ERROR_INVALID_PARAMETER, "parameter", parameter);
}

static int link_error_system(VarlinkLink *l, int error) {
        _cleanup_json_ json_object *p = json_object_new_object();

        if (!l->server->info.system_error)
                return error;
        if (!p || json_object_object_add(p, "errno", json_object_new_int(-error)) < 0 ||
            json_object_object_add(p, "message", json_object_new_string(strerror(-error))) < 0)
                return -ENOMEM;
        return varlink_link_error(l, l->server->info.system_error, p);
}

void varlink_link_set_call_callbacks(VarlinkLink *l, const VarlinkCallCallbacks *callbacks, void *userdata) {
        assert(l->state != LINK_IDLE);

        l->callbacks = callbacks ? *callbacks : (VarlinkCallCallbacks) {};
        l->call_userdata = userdata;
        if (l->callbacks.on_drain)
                link_schedule(l);
}

VarlinkServer *varlink_link_get_server(const VarlinkLink *l) {
        return l->server;
}

const struct ucred *varlink_link_get_peer(const VarlinkLink *l) {
        return &l->peer;
}

bool varlink_link_is_connected(const VarlinkLink *l) {
        return !l->closed;
}

void varlink_link_close(VarlinkLink *l) {
        link_close(l);
}

/* --- dispatching calls --- */

static const ServerInterface *server_find_interface(const VarlinkServer *s, const char *name, size_t n) {
        for (size_t i = 0; i < s->n_interfaces; i++) {
                const char *iname = s->interfaces[i].idl->name;

                if (strlen(iname) == n && strncmp(iname, name, n) == 0)
                        return &s->interfaces[i];
        }
        return NULL;
}

static int link_call(VarlinkLink *l, const VarlinkCall *call) {
        VarlinkServer *s = l->server;
        const char *member = strrchr(call->method, '.') + 1, *bad;
        const ServerInterface *iface;
        const VarlinkSymbol *symbol;
        const VarlinkMethod *method = NULL;
        int r;

        if (l->denied) {
                l->close_after_flush = true;
                return varlink_link_error(l, VARLINK_ERROR_PERMISSION_DENIED, NULL);
        }

        iface = server_find_interface(s, call->method, (size_t) (member - 1 - call->method));
        if (!iface) {
                _cleanup_free_ char *name = strndup(call->method, (size_t) (member - 1 - call->method));
                if (!name)
                        return -ENOMEM;
                return link_error_string(l, VARLINK_ERROR_INTERFACE_NOT_FOUND, "interface", name);
        }
        symbol = varlink_interface_find(iface->idl, VARLINK_SYMBOL_METHOD, member);
        if (!symbol)
                return link_error_string(l, VARLINK_ERROR_METHOD_NOT_FOUND, "method", call->method);
        for (const VarlinkMethod *m = iface->methods; m && m->name; m++)
                if (streq(m->name, member))
                        method = m;
        if (!method)
                return link_error_string(l, VARLINK_ERROR_METHOD_NOT_IMPLEMENTED, "method", call->method);

        /* No method of ours hands the connection over to another protocol. */
        if (call->flags & VARLINK_CALL_UPGRADE)
                return varlink_link_error_invalid_parameter(l, "upgrade");
        if (varlink_type_validate(symbol->input, call->parameters, &bad) < 0)
                return varlink_link_error_invalid_parameter(l, bad ?: "parameters");
        if ((method->flags & VARLINK_METHOD_REQUIRES_MORE) && !(call->flags & VARLINK_CALL_MORE))
                return varlink_link_error(l, VARLINK_ERROR_EXPECTED_MORE, NULL);

        r = method->handler(l, call->parameters, call->flags, s->userdata);
        if (l->state != LINK_CALLING || l->closed)
                return 0;
        if (r < 0) {
                log_debug_errno(r, "API call %s failed: %m", call->method);
                return link_error_system(l, r);
        }
        l->state = LINK_PENDING;
        link_update(l);
        return 0;
}

static void link_dispatch(VarlinkLink *l) {
        while (!l->closed && l->state == LINK_IDLE && !l->close_after_flush) {
                _cleanup_(varlink_call_done) VarlinkCall call = {};
                const char *reason = NULL;
                char *msg;
                size_t size;
                int r;

                r = varlink_stream_next(&l->stream, &msg, &size);
                if (r == 0)
                        break;
                if (r < 0) {
                        log_debug("API client (pid %i) sent a message larger than %zu bytes, disconnecting.",
                                  (int) l->peer.pid, l->server->limits.message_max);
                        link_close(l);
                        return;
                }

                r = varlink_call_parse(msg, size, l->server->limits.message_max, &call, &reason);
                if (r < 0) {
                        /* No reply is defined for a malformed call: the specification says hang up. */
                        log_debug_errno(r, "API client (pid %i) sent an invalid call (%s), disconnecting.",
                                        (int) l->peer.pid, strna(reason));
                        link_close(l);
                        return;
                }

                link_progress(l);
                l->state = LINK_CALLING;
                l->call_flags = call.flags;
                r = link_call(l, &call);
                if (r < 0 && !l->closed) {
                        log_debug_errno(r, "Failed to answer API call %s, disconnecting: %m", call.method);
                        link_close(l);
                        return;
                }
        }
}

/* --- event sources --- */

static int on_link_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        VarlinkLink *l = userdata;
        int r;

        if ((revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) && !l->read_eof &&
            varlink_stream_can_read(&l->stream)) {
                r = varlink_stream_read(&l->stream);
                if (r == -ECONNRESET)
                        l->read_eof = true;
                else if (r < 0) {
                        log_debug_errno(r, "API client (pid %i): read failed: %m", (int) l->peer.pid);
                        link_close(l);
                        return 0;
                }
        }

        if (l->state == LINK_IDLE)
                link_dispatch(l);
        if (l->closed || link_flush(l) < 0)
                return 0;

        /* Gone for good: nobody will read what we would write. */
        if ((revents & (EPOLLHUP | EPOLLERR)) && (l->read_eof || !varlink_stream_can_read(&l->stream))) {
                link_close(l);
                return 0;
        }
        /* Half-closed after its last call: answer what was asked, then hang up. A partial message
         * left in the buffer will never be completed. */
        if (l->read_eof && l->state == LINK_IDLE) {
                if (varlink_stream_queued(&l->stream) == 0) {
                        link_close(l);
                        return 0;
                }
                l->close_after_flush = true;
        }

        link_update(l);
        return 0;
}

static int on_link_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        VarlinkLink *l = userdata;

        if (usec < l->deadline) {
                link_update(l);
                return 0;
        }
        if (l->state == LINK_IDLE || varlink_stream_queued(&l->stream) > 0) {
                log_debug("API client (pid %i) made no progress for %" PRIu64 " ms, disconnecting.",
                          (int) l->peer.pid, l->server->limits.timeout_usec / 1000U);
                link_close(l);
        }
        return 0;
}

static void link_work(VarlinkLink *l) {
        size_t low = server_low_water(l->server);

        if (l->state == LINK_IDLE)
                link_dispatch(l);

        if (!l->closed && l->state == LINK_PENDING && l->callbacks.on_drain &&
            varlink_stream_queued(&l->stream) <= low) {
                l->callbacks.on_drain(l, l->call_userdata);
                /* More to produce, or calls buffered behind the one that just ended. */
                if (!l->closed && (l->state == LINK_IDLE || varlink_stream_queued(&l->stream) <= low))
                        link_schedule(l);
        }

        if (!l->closed && link_flush(l) >= 0)
                link_update(l);
}

static int on_defer(sd_event_source *es, void *userdata) {
        VarlinkServer *s = userdata;
        bool again = false;

        for (VarlinkLink *l = s->links, *next; l; l = next) {
                next = l->next;

                if (l->closed) {
                        link_free(l);
                        continue;
                }
                if (!l->scheduled)
                        continue;
                l->scheduled = false;
                link_work(l);
                again = again || l->scheduled || l->closed;
        }

        if (!again)
                (void) sd_event_source_set_enabled(s->defer_source, SD_EVENT_OFF);
        return 0;
}

static int link_new(VarlinkServer *s, int fd, VarlinkLink **ret) {
        _cleanup_close_ int owned_fd = fd;
        socklen_t len = sizeof(struct ucred);
        VarlinkLink *l;
        int r;

        l = calloc(1, sizeof(VarlinkLink));
        if (!l)
                return -ENOMEM;
        l->server = s;
        l->peer = (struct ucred) { .pid = 0, .uid = (uid_t) -1, .gid = (gid_t) -1 };
        varlink_stream_init(&l->stream, TAKE_FD(owned_fd), s->limits.message_max, s->limits.output_max);

        l->next = s->links;
        if (s->links)
                s->links->prev = l;
        s->links = l;
        s->n_links++;

        /* Unknown credentials are never authorized. */
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &l->peer, &len) < 0)
                l->denied = true;
        else if (s->authorize && !s->authorize(&l->peer, s->userdata)) {
                log_notice("Refusing API calls from pid %i (uid %u): not authorized.", (int) l->peer.pid,
                           (unsigned) l->peer.uid);
                l->denied = true;
        }

        link_progress(l);
        r = sd_event_add_io(s->event, &l->io_source, fd, EPOLLIN, on_link_io, l);
        if (r >= 0)
                r = sd_event_add_time(s->event, &l->timer_source, CLOCK_MONOTONIC, l->deadline, 10U * 1000U,
                                      on_link_timer, l);
        if (r < 0) {
                link_free(l);
                return r;
        }
        (void) sd_event_source_set_description(l->io_source, "varlink-link");
        link_update(l);

        log_debug("API client connected (pid %i, uid %u).", (int) l->peer.pid, (unsigned) l->peer.uid);
        if (ret)
                *ret = l;
        return 0;
}

int varlink_server_add_connection(VarlinkServer *s, int fd, VarlinkLink **ret) {
        assert(s);
        assert(fd >= 0);
        return link_new(s, fd, ret);
}

static int on_accept_retry(sd_event_source *es, uint64_t usec, void *userdata) {
        VarlinkServer *s = userdata;

        (void) sd_event_source_set_enabled(s->listen_source, SD_EVENT_ON);
        return 0;
}

static int on_accept(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        VarlinkServer *s = userdata;
        int r;

        /* A bounded batch per wakeup: a connection storm must not starve the uevent handling. */
        for (unsigned i = 0; i < 16; i++) {
                int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

                if (cfd < 0) {
                        if (IN_SET(errno, EAGAIN, EINTR))
                                return 0;
                        if (IN_SET(errno, ECONNABORTED, EPROTO))
                                continue;
                        log_warning_errno(-errno, "Failed to accept API connection, pausing: %m");
                        (void) sd_event_source_set_enabled(s->listen_source, SD_EVENT_OFF);
                        (void) sd_event_source_set_time_relative(s->accept_retry_source, ACCEPT_RETRY_USEC);
                        (void) sd_event_source_set_enabled(s->accept_retry_source, SD_EVENT_ONESHOT);
                        return 0;
                }

                if (s->n_links >= s->limits.connections_max) {
                        log_notice("Refusing API connection: %u clients connected already.", s->n_links);
                        (void) close(cfd);
                        continue;
                }
                r = link_new(s, cfd, NULL);
                if (r < 0)
                        log_warning_errno(r, "Failed to set up API connection, ignoring: %m");
        }
        return 0;
}

/* --- org.varlink.service --- */

static int method_get_info(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags, void *userdata) {
        VarlinkServer *s = l->server;
        _cleanup_json_ json_object *p = json_object_new_object(), *list = json_object_new_array();

        if (!p || !list)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_interfaces; i++)
                if (json_object_array_add(list, json_object_new_string(s->interfaces[i].idl->name)) < 0)
                        return -ENOMEM;
        if (json_object_object_add(p, "vendor", json_object_new_string(strempty(s->info.vendor))) < 0 ||
            json_object_object_add(p, "product", json_object_new_string(strempty(s->info.product))) < 0 ||
            json_object_object_add(p, "version", json_object_new_string(strempty(s->info.version))) < 0 ||
            json_object_object_add(p, "url", json_object_new_string(strempty(s->info.url))) < 0 ||
            json_object_object_add(p, "interfaces", TAKE_PTR(list)) < 0)
                return -ENOMEM;
        return varlink_link_reply(l, p);
}

static int method_get_interface_description(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags,
                                            void *userdata) {
        VarlinkServer *s = l->server;
        const char *name = varlink_json_get_string(json_object_object_get(parameters, "interface"));
        const ServerInterface *iface = server_find_interface(s, name, strlen(name));
        _cleanup_json_ json_object *p = NULL;

        if (!iface)
                return link_error_string(l, VARLINK_ERROR_INTERFACE_NOT_FOUND, "interface", name);

        p = json_object_new_object();
        if (!p || json_object_object_add(p, "description", json_object_new_string(iface->description)) < 0)
                return -ENOMEM;
        return varlink_link_reply(l, p);
}

static const VarlinkMethod varlink_service_methods[] = {
        { "GetInfo", method_get_info },
        { "GetInterfaceDescription", method_get_interface_description },
        {}
};

/* --- the server --- */

int varlink_server_new(sd_event *event, const VarlinkServerInfo *info, void *userdata, VarlinkServer **ret) {
        _cleanup_(varlink_server_freep) VarlinkServer *s = NULL;
        int r;

        assert(event);
        assert(info);
        assert(ret);

        s = calloc(1, sizeof(VarlinkServer));
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(event);
        s->info = *info;
        s->userdata = userdata;
        s->listen_fd = -EBADF;
        s->limits = (VarlinkServerLimits) {
                .connections_max = VARLINK_SERVER_CONNECTIONS_MAX,
                .message_max = VARLINK_MESSAGE_MAX,
                .output_max = VARLINK_SERVER_OUTPUT_MAX,
                .timeout_usec = VARLINK_SERVER_TIMEOUT_USEC,
        };

        r = sd_event_add_defer(event, &s->defer_source, on_defer, s);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(s->defer_source, SD_EVENT_OFF);
        (void) sd_event_source_set_description(s->defer_source, "varlink-server-defer");

        r = varlink_server_add_interface(s, varlink_service_description, varlink_service_methods, NULL);
        if (r < 0)
                return r;

        *ret = TAKE_PTR(s);
        return 0;
}

VarlinkServer *varlink_server_free(VarlinkServer *s) {
        struct stat st;

        if (!s)
                return NULL;

        while (s->links)
                link_free(s->links);

        /* Remove the socket only if it is still ours, not one a newer instance bound meanwhile. */
        if (s->path && stat(s->path, &st) >= 0 && st.st_dev == s->path_dev && st.st_ino == s->path_ino)
                (void) unlink(s->path);
        free(s->path);

        sd_event_source_disable_unref(s->listen_source);
        sd_event_source_disable_unref(s->accept_retry_source);
        sd_event_source_disable_unref(s->defer_source);
        closep(&s->listen_fd);
        for (size_t i = 0; i < s->n_interfaces; i++)
                varlink_interface_free(s->interfaces[i].idl);
        free(s->interfaces);
        sd_event_unref(s->event);
        return mfree(s);
}

int varlink_server_add_interface(VarlinkServer *s, const char *description, const VarlinkMethod *methods,
                                 ConfError *ret_error) {
        _cleanup_(varlink_interface_freep) VarlinkInterface *idl = NULL;
        ServerInterface *t;
        int r;

        assert(s);
        assert(description);

        r = varlink_interface_parse(description, NULL, &idl, ret_error);
        if (r < 0)
                return r;
        if (server_find_interface(s, idl->name, strlen(idl->name)))
                return -EEXIST;
        for (const VarlinkMethod *m = methods; m && m->name; m++)
                if (!varlink_interface_find(idl, VARLINK_SYMBOL_METHOD, m->name))
                        return -EINVAL;

        t = reallocarray(s->interfaces, s->n_interfaces + 1, sizeof(ServerInterface));
        if (!t)
                return -ENOMEM;
        s->interfaces = t;
        s->interfaces[s->n_interfaces++] = (ServerInterface) {
                .idl = TAKE_PTR(idl),
                .description = description,
                .methods = methods,
        };
        return 0;
}

void varlink_server_set_limits(VarlinkServer *s, const VarlinkServerLimits *limits) {
        assert(limits->connections_max > 0);
        assert(limits->message_max > 0);
        /* Room for one whole message above the low-water mark, see server_low_water(). */
        assert(limits->output_max >= 2 * (limits->message_max + 1));
        assert(limits->timeout_usec > 0);
        assert(!s->links);

        s->limits = *limits;
}

void varlink_server_get_limits(const VarlinkServer *s, VarlinkServerLimits *ret) {
        *ret = s->limits;
}

void varlink_server_set_authorize(VarlinkServer *s, VarlinkAuthorize authorize) {
        s->authorize = authorize;
}

unsigned varlink_server_n_links(const VarlinkServer *s) {
        return s->n_links;
}

int varlink_server_listen(VarlinkServer *s, const char *path, mode_t mode) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct stat st;
        int r;

        assert(s);
        assert(path);
        assert(s->listen_fd < 0);

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);

        /* A socket left by an earlier instance (or by the initramfs before switch-root) is stale: the
         * running daemon is us. Anything else at that path is not ours to delete. */
        if (lstat(path, &st) >= 0) {
                if (!S_ISSOCK(st.st_mode))
                        return -EEXIST;
                if (unlink(path) < 0 && errno != ENOENT)
                        return -errno;
        }

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* Linux creates the socket inode with the socket's own mode (less the umask), so setting it
         * first leaves no moment in which a wider mode is visible. */
        if (fchmod(fd, mode) < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;
        if (chmod(path, mode) < 0 || stat(path, &st) < 0) {
                r = -errno;
                (void) unlink(path);
                return r;
        }
        if (listen(fd, SOMAXCONN) < 0) {
                r = -errno;
                (void) unlink(path);
                return r;
        }

        s->path = strdup(path);
        if (!s->path) {
                (void) unlink(path);
                return -ENOMEM;
        }
        s->path_dev = st.st_dev;
        s->path_ino = st.st_ino;

        r = sd_event_add_io(s->event, &s->listen_source, fd, EPOLLIN, on_accept, s);
        if (r >= 0)
                r = sd_event_add_time_relative(s->event, &s->accept_retry_source, CLOCK_MONOTONIC,
                                               ACCEPT_RETRY_USEC, 0, on_accept_retry, s);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(s->accept_retry_source, SD_EVENT_OFF);
        (void) sd_event_source_set_description(s->listen_source, "varlink-listen");

        s->listen_fd = TAKE_FD(fd);
        return 0;
}

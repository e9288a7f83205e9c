/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* varlink-client.c — a blocking Varlink client, for command line tools and tests. */

#include <assert.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include "varlink-client.h"
#include "varlink-stream.h"

struct VarlinkClient {
        VarlinkStream stream;
};

static uint64_t now_usec(void) {
        struct timespec ts = {};

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000U + (uint64_t) ts.tv_nsec / 1000U;
}

static uint64_t deadline_after(uint64_t timeout_usec) {
        return timeout_usec == VARLINK_CLIENT_TIMEOUT_INFINITY ? UINT64_MAX : now_usec() + timeout_usec;
}

/* Waits for events on the socket until the deadline. 1 when ready, -ETIMEDOUT, -EINTR. */
static int wait_for(VarlinkClient *c, short events, uint64_t deadline) {
        struct pollfd p = { .fd = c->stream.fd, .events = events };
        int timeout_ms = -1, k;

        if (deadline != UINT64_MAX) {
                uint64_t n = now_usec();

                if (n >= deadline)
                        return -ETIMEDOUT;
                timeout_ms = (int) MIN((deadline - n + 999U) / 1000U, (uint64_t) INT32_MAX);
        }

        k = poll(&p, 1, timeout_ms);
        if (k < 0)
                return -errno;
        if (k == 0)
                return -ETIMEDOUT;
        return 1;
}

int varlink_client_new_from_fd(int fd, VarlinkClient **ret) {
        VarlinkClient *c;
        int flags;

        assert(fd >= 0);
        assert(ret);

        flags = fcntl(fd, F_GETFL);
        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
                int r = -errno;
                (void) close(fd);
                return r;
        }

        c = calloc(1, sizeof(VarlinkClient));
        if (!c) {
                (void) close(fd);
                return -ENOMEM;
        }
        varlink_stream_init(&c->stream, fd, VARLINK_CLIENT_MESSAGE_MAX, 2 * VARLINK_CLIENT_MESSAGE_MAX + 2);
        *ret = c;
        return 0;
}

int varlink_client_connect(const char *path, VarlinkClient **ret) {
        _cleanup_close_ int fd = -EBADF;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };

        assert(path);
        assert(ret);

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);

        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* Blocking: a local connect() completes at once, or fails for a reason worth reporting. */
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return -errno;

        return varlink_client_new_from_fd(TAKE_FD(fd), ret);
}

VarlinkClient *varlink_client_free(VarlinkClient *c) {
        if (!c)
                return NULL;
        varlink_stream_done(&c->stream);
        return mfree(c);
}

int varlink_client_send(VarlinkClient *c, const char *method, json_object *parameters,
                        VarlinkCallFlags flags, uint64_t timeout_usec) {
        _cleanup_free_ char *text = NULL;
        uint64_t deadline = deadline_after(timeout_usec);
        size_t size;
        int r;

        r = varlink_call_format(method, parameters, flags, &text, &size);
        if (r < 0)
                return r;
        r = varlink_stream_enqueue(&c->stream, text, size);
        if (r < 0)
                return r;

        for (;;) {
                r = varlink_stream_flush(&c->stream, NULL);
                if (r != 0)
                        return r < 0 ? r : 0;
                r = wait_for(c, POLLOUT, deadline);
                if (r < 0)
                        return r;
        }
}

int varlink_client_receive(VarlinkClient *c, uint64_t timeout_usec, VarlinkReply *ret) {
        uint64_t deadline = deadline_after(timeout_usec);
        int r;

        assert(ret);

        for (;;) {
                char *msg;
                size_t size;

                r = varlink_stream_next(&c->stream, &msg, &size);
                if (r < 0)
                        return -EBADMSG;
                if (r > 0)
                        return varlink_reply_parse(msg, size, VARLINK_CLIENT_MESSAGE_MAX, ret, NULL);

                r = wait_for(c, POLLIN, deadline);
                if (r < 0)
                        return r;
                r = varlink_stream_read(&c->stream);
                if (r < 0)
                        return r;
        }
}

int varlink_client_call(VarlinkClient *c, const char *method, json_object *parameters, uint64_t timeout_usec,
                        VarlinkReply *ret) {
        int r;

        r = varlink_client_send(c, method, parameters, 0, timeout_usec);
        if (r < 0)
                return r;
        r = varlink_client_receive(c, timeout_usec, ret);
        if (r < 0)
                return r;
        /* A reply with "continues" to a call without "more" breaks the protocol. */
        if (ret->continues) {
                varlink_reply_done(ret);
                return -EBADMSG;
        }
        return 0;
}

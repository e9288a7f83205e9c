/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* varlink-stream.c — NUL-framed messages over a non-blocking stream socket, with bounded buffers. */

#include <assert.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "varlink-stream.h"

/* One read at a time, so that a client sending a flood cannot keep us in its handler for long. */
#define READ_CHUNK (64U * 1024U)
/* Buffers larger than this are given back once empty: a burst should not pin memory for the whole
 * life of a connection. */
#define KEEP_ALLOCATED (64U * 1024U)

void varlink_stream_init(VarlinkStream *s, int fd, size_t message_max, size_t output_max) {
        assert(s);
        assert(fd >= 0);
        assert(message_max > 0 && output_max > message_max);

        *s = (VarlinkStream) {
                .fd = fd,
                .message_max = message_max,
                .output_max = output_max,
        };
}

void varlink_stream_done(VarlinkStream *s) {
        free(s->in);
        free(s->out);
        closep(&s->fd);
        *s = (VarlinkStream) { .fd = -EBADF };
}

static int grow(char **buf, size_t *allocated, size_t needed, size_t limit) {
        size_t n;
        char *p;

        if (needed <= *allocated)
                return 0;
        n = MAX(needed, MIN(*allocated * 2, limit));
        p = realloc(*buf, n);
        if (!p)
                return -ENOMEM;
        *buf = p;
        *allocated = n;
        return 0;
}

static void drop_if_idle(char **buf, size_t *allocated, size_t used) {
        if (used == 0 && *allocated > KEEP_ALLOCATED) {
                *buf = mfree(*buf);
                *allocated = 0;
        }
}

bool varlink_stream_can_read(const VarlinkStream *s) {
        /* A whole message plus its terminator must fit; beyond that, data waits in the socket. */
        return s->in_size - s->in_start <= s->message_max;
}

int varlink_stream_read(VarlinkStream *s) {
        size_t want;
        ssize_t n;
        int r;

        if (s->in_start > 0) {
                memmove(s->in, s->in + s->in_start, s->in_size - s->in_start);
                s->in_size -= s->in_start;
                s->in_scanned -= s->in_start;
                s->in_start = 0;
        }
        drop_if_idle(&s->in, &s->in_allocated, s->in_size);

        if (!varlink_stream_can_read(s))
                return 0;
        want = MIN(READ_CHUNK, s->message_max + 1 - s->in_size);
        r = grow(&s->in, &s->in_allocated, s->in_size + want, s->message_max + 1);
        if (r < 0)
                return r;

        n = recv(s->fd, s->in + s->in_size, want, MSG_DONTWAIT);
        if (n < 0 && errno == ENOTSOCK)
                n = read(s->fd, s->in + s->in_size, want);
        if (n < 0)
                return IN_SET(errno, EAGAIN, EINTR) ? 0 : -errno;
        if (n == 0)
                return -ECONNRESET;

        s->in_size += (size_t) n;
        return 1;
}

int varlink_stream_next(VarlinkStream *s, char **ret, size_t *ret_size) {
        size_t from = MAX(s->in_scanned, s->in_start), size;
        char *nul;

        assert(ret);

        nul = from < s->in_size ? memchr(s->in + from, '\0', s->in_size - from) : NULL;
        if (!nul) {
                s->in_scanned = s->in_size;
                return s->in_size - s->in_start > s->message_max ? -EMSGSIZE : 0;
        }

        size = (size_t) (nul - (s->in + s->in_start));
        if (size > s->message_max)
                return -EMSGSIZE;

        *ret = s->in + s->in_start;
        if (ret_size)
                *ret_size = size;
        s->in_start = s->in_scanned = (size_t) (nul - s->in) + 1;
        return 1;
}

int varlink_stream_enqueue(VarlinkStream *s, const char *data, size_t size) {
        size_t queued = varlink_stream_queued(s);
        int r;

        if (size > s->message_max)
                return -EMSGSIZE;
        if (queued + size + 1 > s->output_max)
                return -ENOBUFS;

        if (s->out_start > 0) {
                memmove(s->out, s->out + s->out_start, queued);
                s->out_size = queued;
                s->out_start = 0;
        }
        r = grow(&s->out, &s->out_allocated, s->out_size + size + 1, s->output_max);
        if (r < 0)
                return r;

        memcpy(s->out + s->out_size, data, size);
        s->out[s->out_size + size] = '\0';
        s->out_size += size + 1;
        return 0;
}

int varlink_stream_flush(VarlinkStream *s, size_t *ret_written) {
        size_t written = 0;
        int r = 1;

        while (s->out_start < s->out_size) {
                ssize_t n;

                n = send(s->fd, s->out + s->out_start, s->out_size - s->out_start,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
                if (n < 0 && errno == ENOTSOCK)
                        n = write(s->fd, s->out + s->out_start, s->out_size - s->out_start);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        r = errno == EAGAIN ? 0 : -errno;
                        break;
                }
                s->out_start += (size_t) n;
                written += (size_t) n;
        }

        if (s->out_start == s->out_size) {
                s->out_start = s->out_size = 0;
                drop_if_idle(&s->out, &s->out_allocated, 0);
        }
        if (ret_written)
                *ret_written = written;
        return r;
}

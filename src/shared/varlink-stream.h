/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* varlink-stream.h — NUL-framed messages over a non-blocking stream socket, with bounded buffers.
 *
 * Both directions are capped: a peer that sends a message larger than message_max, or that lets more
 * than output_max bytes of replies pile up unread, gets an error here and its connection closed by
 * the caller — it never makes us allocate without limit or block. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

typedef struct VarlinkStream {
        int fd;
        size_t message_max;             /* largest message either way, without its NUL */
        size_t output_max;              /* most bytes queued for the peer */

        char *in;                       /* received bytes; in[in_start…in_size) not yet consumed */
        size_t in_start, in_size, in_allocated;
        size_t in_scanned;              /* in[in_start…in_scanned) is known to hold no NUL */

        char *out;                      /* out[out_start…out_size) not yet written */
        size_t out_start, out_size, out_allocated;
} VarlinkStream;

/* Takes fd, which must be non-blocking. */
void varlink_stream_init(VarlinkStream *s, int fd, size_t message_max, size_t output_max);
/* Frees the buffers and closes the fd. */
void varlink_stream_done(VarlinkStream *s);

/* Reads what is available. 1 if bytes were read, 0 if none were (EAGAIN, or the input buffer holds
 * a full message_max already), -ECONNRESET when the peer closed its end, or another negative errno. */
int varlink_stream_read(VarlinkStream *s);

/* The next complete message: 1 with *ret pointing at a NUL-terminated message inside the buffer
 * (valid until the next call on s), 0 if none is complete yet, -EMSGSIZE if the peer has sent more
 * than message_max bytes without a terminator. */
int varlink_stream_next(VarlinkStream *s, char **ret, size_t *ret_size);

/* Whether a read could make progress: false while the input buffer is full of unprocessed data. */
bool varlink_stream_can_read(const VarlinkStream *s) _pure_;

/* Queues data plus its NUL. -EMSGSIZE if size exceeds message_max (nothing is queued, the stream
 * stays usable), -ENOBUFS if the queue would exceed output_max (the peer is not reading). */
int varlink_stream_enqueue(VarlinkStream *s, const char *data, size_t size);

/* Writes what the socket takes. 1 if the queue is empty now, 0 if bytes remain (EAGAIN), or a
 * negative errno (-EPIPE, -ECONNRESET: the peer is gone). Never raises SIGPIPE. ret_written may be
 * NULL. */
int varlink_stream_flush(VarlinkStream *s, size_t *ret_written);

static inline size_t varlink_stream_queued(const VarlinkStream *s) {
        return s->out_size - s->out_start;
}

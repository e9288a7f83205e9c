/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-varlink-message.c — what an API client may send: the bytes are framed by a VarlinkStream (as
 * the server reads them) and every message is parsed as a call and as a reply. Nothing may crash or
 * leak, and whatever parses must format and parse back to the same call. */

#undef NDEBUG
#include <assert.h>
#include <stdint.h>
#include <sys/socket.h>

#include "varlink-message.h"
#include "varlink-stream.h"

/* Large enough for oversized messages against the small limit below, small enough to stay fast. */
#define FUZZ_INPUT_MAX (256U * 1024U)
#define FUZZ_MESSAGE_MAX (16U * 1024U)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const char *msg, size_t size) {
        VarlinkCall call = {};
        VarlinkReply reply = {};
        const char *reason = NULL;
        int r;

        r = varlink_call_parse(msg, size, FUZZ_MESSAGE_MAX, &call, &reason);
        assert(r <= 0);
        if (r < 0)
                assert(reason || r == -ENOMEM);
        else {
                _cleanup_free_ char *text = NULL;
                VarlinkCall again = {};
                size_t n;

                assert(varlink_qualified_name_is_valid(call.method));
                assert(json_object_is_type(call.parameters, json_type_object));
                assert(__builtin_popcount((unsigned) call.flags) <= 1);

                assert(varlink_call_format(call.method, call.parameters, call.flags, &text, &n) == 0);
                assert(varlink_call_parse(text, n, SIZE_MAX, &again, NULL) == 0);
                assert(streq(again.method, call.method));
                assert(again.flags == call.flags);
                assert(json_object_equal(again.parameters, call.parameters));
                varlink_call_done(&again);
        }
        varlink_call_done(&call);

        r = varlink_reply_parse(msg, size, FUZZ_MESSAGE_MAX, &reply, NULL);
        assert(r <= 0);
        if (r == 0) {
                assert(json_object_is_type(reply.parameters, json_type_object));
                assert(!reply.error || varlink_qualified_name_is_valid(reply.error));
                assert(!(reply.error && reply.continues));
        }
        varlink_reply_done(&reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        VarlinkStream s;
        int fds[2];
        size_t written = 0;
        bool eof = false;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        /* The whole input, unframed, as one message. */
        check_message((const char *) data, size);

        /* The input as a byte stream, framed at its NULs, as the server sees it. */
        assert(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
        varlink_stream_init(&s, fds[0], FUZZ_MESSAGE_MAX, 2 * FUZZ_MESSAGE_MAX + 2);

        for (;;) {
                char *msg;
                size_t n;
                int r;

                if (written < size) {
                        ssize_t k = write(fds[1], data + written, size - written);
                        if (k > 0)
                                written += (size_t) k;
                }
                /* All sent: the reader sees EOF once it has read it. */
                if (written == size && fds[1] >= 0) {
                        (void) close(fds[1]);
                        fds[1] = -EBADF;
                }

                r = varlink_stream_next(&s, &msg, &n);
                if (r < 0) {
                        assert(r == -EMSGSIZE);
                        break;
                }
                if (r > 0) {
                        assert(n <= FUZZ_MESSAGE_MAX);
                        assert(msg[n] == '\0' && strlen(msg) == n);
                        check_message(msg, n);
                        continue;
                }
                if (eof)
                        break;
                r = varlink_stream_read(&s);
                if (r == -ECONNRESET)
                        eof = true;
                else
                        assert(r >= 0);
        }

        closep(&fds[1]);
        varlink_stream_done(&s);
        return 0;
}

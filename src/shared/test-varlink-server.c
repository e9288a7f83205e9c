/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-varlink-server.c — the server in an sd-event loop on this thread, clients on another: the
 * protocol (introspection, errors, oneway, pipelining, streaming with back-pressure), and hostile
 * clients (garbage, a 10 MiB message, a disconnect mid-message, a client that never reads, one that
 * says nothing, one that trickles bytes, too many clients, an unauthorized peer) — while a monitor
 * client keeps receiving every notification. */

#undef NDEBUG
#include <assert.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "log.h"
#include "varlink-client.h"
#include "varlink-server.h"

#define MESSAGE_MAX (512U * 1024U)
#define OUTPUT_MAX (2U * 1024U * 1024U)
#define TIMEOUT_USEC (1000U * 1000U)
#define CONNECTIONS_MAX 8U
#define CLIENT_TIMEOUT_USEC (10U * 1000U * 1000U)

static const char test_interface[] =
        "# A test interface.\n"
        "interface org.example.test\n"
        "\n"
        "method Ping(text: string, echo: ?bool) -> (text: ?string)\n"
        "method Stream() -> (n: ?int)\n"
        "method List(count: int) -> (items: []int)\n"
        "method Fail() -> ()\n"
        "method Unimplemented() -> ()\n"
        "error SystemError (errno: int, message: string)\n";

static char socket_path[128];
static atomic_bool deny_all;

/* --- server side (main thread) --- */

static VarlinkLink *subscribers[16];
static size_t n_subscribers;
static int ping_counter;

static void subscriber_end(VarlinkLink *l, void *userdata) {
        for (size_t i = 0; i < n_subscribers; i++)
                if (subscribers[i] == l) {
                        subscribers[i] = subscribers[--n_subscribers];
                        return;
                }
        assert(false);
}

static int json_reply_int(VarlinkLink *l, const char *key, int value, bool notify) {
        _cleanup_json_ json_object *p = json_object_new_object();

        assert(p && json_object_object_add(p, key, json_object_new_int(value)) == 0);
        return notify ? varlink_link_notify(l, p) : varlink_link_reply(l, p);
}

static int method_ping(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags, void *userdata) {
        json_object *text = json_object_object_get(parameters, "text");
        json_object *echo = json_object_object_get(parameters, "echo");
        _cleanup_json_ json_object *p = json_object_new_object();

        /* Every ping is broadcast to the subscribers, which must see each one exactly once. */
        ping_counter++;
        for (size_t i = 0; i < n_subscribers; i++) {
                int r = json_reply_int(subscribers[i], "n", ping_counter, true);
                assert(r >= 0 || r == -ENOTCONN || r == -ENOBUFS);
        }

        assert(p);
        if (!echo || json_object_get_boolean(echo))
                assert(json_object_object_add(p, "text", json_object_get(text)) == 0);
        return varlink_link_reply(l, p);
}

static int method_stream(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags, void *userdata) {
        assert(flags & VARLINK_CALL_MORE);
        assert(n_subscribers < ELEMENTSOF(subscribers));

        subscribers[n_subscribers++] = l;
        varlink_link_set_call_callbacks(l, &(VarlinkCallCallbacks) { .on_end = subscriber_end }, NULL);
        /* The first reply confirms the subscription. */
        return varlink_link_notify(l, NULL);
}

typedef struct ListProducer {
        int next, count;
} ListProducer;

#define LIST_SLICE 100

static int list_slice(VarlinkLink *l, int from, int to, bool last) {
        _cleanup_json_ json_object *p = json_object_new_object(), *items = json_object_new_array();

        assert(p && items);
        for (int i = from; i < to; i++)
                assert(json_object_array_add(items, json_object_new_int(i)) == 0);
        assert(json_object_object_add(p, "items", TAKE_PTR(items)) == 0);
        return last ? varlink_link_reply(l, p) : varlink_link_notify(l, p);
}

static void list_drain(VarlinkLink *l, void *userdata) {
        ListProducer *lp = userdata;
        int from = lp->next, to = MIN(from + LIST_SLICE, lp->count);

        lp->next = to;
        /* After the final reply lp is gone: on_end freed it. */
        (void) list_slice(l, from, to, to == lp->count);
}

static void list_end(VarlinkLink *l, void *userdata) {
        free(userdata);
}

static int method_list(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags, void *userdata) {
        int count = json_object_get_int(json_object_object_get(parameters, "count"));
        ListProducer *lp;
        int r;

        if (count < 0)
                return varlink_link_error_invalid_parameter(l, "count");
        if (!(flags & VARLINK_CALL_MORE)) {
                r = list_slice(l, 0, count, true);
                if (r == -EMSGSIZE)
                        return varlink_link_error(l, VARLINK_ERROR_EXPECTED_MORE, NULL);
                return r;
        }
        if (count == 0)
                return list_slice(l, 0, 0, true);

        lp = calloc(1, sizeof(ListProducer));
        assert(lp);
        lp->count = count;
        varlink_link_set_call_callbacks(l, &(VarlinkCallCallbacks) { .on_drain = list_drain, .on_end = list_end },
                                        lp);
        return 0;
}

static int method_fail(VarlinkLink *l, json_object *parameters, VarlinkCallFlags flags, void *userdata) {
        return -EIO;
}

static bool authorize(const struct ucred *peer, void *userdata) {
        assert(peer->uid == getuid());
        return !atomic_load(&deny_all);
}

static const VarlinkMethod test_methods[] = {
        { "Ping", method_ping },
        { "Stream", method_stream, VARLINK_METHOD_REQUIRES_MORE },
        { "List", method_list },
        { "Fail", method_fail },
        {}
};

static bool clients_done;

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        clients_done = true;
        return sd_event_source_set_enabled(s, SD_EVENT_OFF);
}

/* --- client side (second thread) --- */

static uint64_t now_ms(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000U + (uint64_t) ts.tv_nsec / 1000000U;
}

static int raw_connect(void) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        assert(fd >= 0);
        strcpy(sa.sun_path, socket_path);
        assert(connect(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0);
        return fd;
}

/* True once the server has closed the connection: reads drain whatever was queued, then see EOF. */
static bool wait_closed(int fd, unsigned timeout_ms) {
        uint64_t end = now_ms() + timeout_ms;
        static char buf[65536];

        while (now_ms() < end) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t n;

                if (poll(&p, 1, 50) <= 0)
                        continue;
                n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
                if (n == 0 || (n < 0 && errno == ECONNRESET))
                        return true;
        }
        return false;
}

static void send_all(int fd, const char *data, size_t size) {
        while (size > 0) {
                ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
                assert(n > 0);
                data += n;
                size -= (size_t) n;
        }
}

static void expect_error(VarlinkClient *c, const char *method, const char *params, const char *error) {
        _cleanup_json_ json_object *p = NULL;
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};

        if (params)
                assert(json_parse_object_strict(params, strlen(params), 4096, NULL, &p, NULL) == 0);
        assert(varlink_client_call(c, method, p, CLIENT_TIMEOUT_USEC, &reply) == 0);
        if (!streq_ptr(reply.error, error)) {
                fprintf(stderr, "%s: got error %s, expected %s\n", method, strna(reply.error), strna(error));
                assert(false);
        }
}

static VarlinkClient *client_new(void) {
        VarlinkClient *c = NULL;

        assert(varlink_client_connect(socket_path, &c) == 0);
        return c;
}

/* A fresh client pings; the monitor must then see exactly the next number. */
static void ping_and_check_monitor(VarlinkClient *monitor, int *expected) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = client_new();
        _cleanup_(varlink_reply_done) VarlinkReply reply = {}, event = {};
        _cleanup_json_ json_object *p = json_object_new_object();

        assert(p && json_object_object_add(p, "text", json_object_new_string("ping")) == 0);
        assert(varlink_client_call(c, "org.example.test.Ping", p, CLIENT_TIMEOUT_USEC, &reply) == 0);
        assert(!reply.error);
        assert(streq(json_object_get_string(json_object_object_get(reply.parameters, "text")), "ping"));

        assert(varlink_client_receive(monitor, CLIENT_TIMEOUT_USEC, &event) == 0);
        assert(event.continues && !event.error);
        assert(json_object_get_int(json_object_object_get(event.parameters, "n")) == ++*expected);
}

static void test_introspection(void) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = client_new();
        _cleanup_(varlink_reply_done) VarlinkReply reply = {}, desc = {};
        _cleanup_json_ json_object *p = json_object_new_object();
        json_object *list;

        assert(varlink_client_call(c, "org.varlink.service.GetInfo", NULL, CLIENT_TIMEOUT_USEC, &reply) == 0);
        assert(!reply.error);
        assert(streq(json_object_get_string(json_object_object_get(reply.parameters, "product")), "test"));
        list = json_object_object_get(reply.parameters, "interfaces");
        assert(json_object_array_length(list) == 2);
        assert(streq(json_object_get_string(json_object_array_get_idx(list, 0)), "org.varlink.service"));
        assert(streq(json_object_get_string(json_object_array_get_idx(list, 1)), "org.example.test"));

        assert(p && json_object_object_add(p, "interface", json_object_new_string("org.example.test")) == 0);
        assert(varlink_client_call(c, "org.varlink.service.GetInterfaceDescription", p, CLIENT_TIMEOUT_USEC,
                                   &desc) == 0);
        assert(!desc.error);
        assert(streq(json_object_get_string(json_object_object_get(desc.parameters, "description")), test_interface));

        expect_error(c, "org.varlink.service.GetInterfaceDescription", "{\"interface\":\"org.example.nope\"}",
                     VARLINK_ERROR_INTERFACE_NOT_FOUND);
        expect_error(c, "org.varlink.service.GetInterfaceDescription", "{}", VARLINK_ERROR_INVALID_PARAMETER);
}

static void test_errors(void) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = client_new();
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};

        expect_error(c, "org.example.nope.Ping", "{\"text\":\"x\"}", VARLINK_ERROR_INTERFACE_NOT_FOUND);
        expect_error(c, "org.example.test.Nope", NULL, VARLINK_ERROR_METHOD_NOT_FOUND);
        expect_error(c, "org.example.test.Unimplemented", NULL, VARLINK_ERROR_METHOD_NOT_IMPLEMENTED);
        expect_error(c, "org.example.test.Ping", NULL, VARLINK_ERROR_INVALID_PARAMETER);
        expect_error(c, "org.example.test.Ping", "{\"text\":1}", VARLINK_ERROR_INVALID_PARAMETER);
        expect_error(c, "org.example.test.Ping", "{\"text\":\"x\",\"extra\":1}", VARLINK_ERROR_INVALID_PARAMETER);
        expect_error(c, "org.example.test.Stream", NULL, VARLINK_ERROR_EXPECTED_MORE);
        expect_error(c, "org.example.test.List", "{\"count\":-1}", VARLINK_ERROR_INVALID_PARAMETER);
        expect_error(c, "org.example.test.Fail", NULL, "org.example.test.SystemError");

        assert(varlink_client_call(c, "org.example.test.Fail", NULL, CLIENT_TIMEOUT_USEC, &reply) == 0);
        assert(json_object_get_int(json_object_object_get(reply.parameters, "errno")) == EIO);
        varlink_reply_done(&reply);

        /* No method of the test interface takes "upgrade". */
        assert(varlink_client_send(c, "org.example.test.Ping", NULL, VARLINK_CALL_UPGRADE, CLIENT_TIMEOUT_USEC) == 0);
        assert(varlink_client_receive(c, CLIENT_TIMEOUT_USEC, &reply) == 0);
        assert(streq(reply.error, VARLINK_ERROR_INVALID_PARAMETER));
}

static void test_oneway_and_pipelining(int *expected) {
        static const char calls[] =
                "{\"method\":\"org.example.test.Ping\",\"parameters\":{\"text\":\"a\"},\"oneway\":true}\0"
                "{\"method\":\"org.example.test.Ping\",\"parameters\":{\"text\":\"b\"}}\0"
                "{\"method\":\"org.example.test.Ping\",\"parameters\":{\"text\":\"c\"}}";
        _cleanup_(varlink_reply_done) VarlinkReply r1 = {}, r2 = {};
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;

        /* Three calls in one write; the oneway one is answered by nobody. */
        int fd = raw_connect();
        send_all(fd, calls, sizeof(calls));
        assert(varlink_client_new_from_fd(fd, &c) == 0);
        assert(varlink_client_receive(c, CLIENT_TIMEOUT_USEC, &r1) == 0);
        assert(varlink_client_receive(c, CLIENT_TIMEOUT_USEC, &r2) == 0);
        assert(streq(json_object_get_string(json_object_object_get(r1.parameters, "text")), "b"));
        assert(streq(json_object_get_string(json_object_object_get(r2.parameters, "text")), "c"));
        *expected += 3;
}

static void test_streaming_list(void) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = client_new();
        _cleanup_json_ json_object *p = json_object_new_object();
        int next = 0;

        assert(p && json_object_object_add(p, "count", json_object_new_int(20000)) == 0);
        assert(varlink_client_send(c, "org.example.test.List", p, VARLINK_CALL_MORE, CLIENT_TIMEOUT_USEC) == 0);
        for (;;) {
                _cleanup_(varlink_reply_done) VarlinkReply reply = {};
                json_object *items;

                assert(varlink_client_receive(c, CLIENT_TIMEOUT_USEC, &reply) == 0);
                assert(!reply.error);
                items = json_object_object_get(reply.parameters, "items");
                for (size_t i = 0; i < json_object_array_length(items); i++)
                        assert(json_object_get_int(json_object_array_get_idx(items, i)) == next++);
                if (!reply.continues)
                        break;
        }
        assert(next == 20000);

        /* Without "more", a result larger than a message is refused rather than cut. */
        json_object_object_add(p, "count", json_object_new_int(200000));
        expect_error(c, "org.example.test.List", json_object_to_json_string(p), VARLINK_ERROR_EXPECTED_MORE);
        json_object_object_add(p, "count", json_object_new_int(1000));
        expect_error(c, "org.example.test.List", json_object_to_json_string(p), NULL);
}

static void test_garbage(void) {
        int fd = raw_connect();

        send_all(fd, "garbage\0", 8);
        assert(wait_closed(fd, 5000));
        (void) close(fd);

        fd = raw_connect();
        send_all(fd, "{\"method\":\"org.example.test.Ping\",\"bogus\":1}\0", 46);
        assert(wait_closed(fd, 5000));
        (void) close(fd);
}

static void test_huge_message(void) {
        static const char prefix[] = "{\"method\":\"org.example.test.Ping\",\"parameters\":{\"text\":\"";
        const size_t total = 10U * 1024U * 1024U;
        _cleanup_free_ char *junk = malloc(65536);
        size_t sent = 0;
        int fd = raw_connect();

        assert(junk);
        memset(junk, 'x', 65536);
        memcpy(junk, prefix, strlen(prefix));

        /* The server must hang up long before 10 MiB have gone through. */
        while (sent < total) {
                struct pollfd p = { .fd = fd, .events = POLLOUT };
                ssize_t n;

                assert(poll(&p, 1, 5000) == 1);
                n = send(fd, junk, MIN(65536U, total - sent), MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0) {
                        assert(IN_SET(errno, EPIPE, ECONNRESET, EAGAIN));
                        if (errno != EAGAIN)
                                break;
                        continue;
                }
                sent += (size_t) n;
                memset(junk, 'x', strlen(prefix));
        }
        assert(sent < total);
        assert(wait_closed(fd, 5000));
        (void) close(fd);
}

static void test_disconnect_mid_message(int *expected) {
        int fd = raw_connect();

        send_all(fd, "{\"method\":\"org.example.test.Ping\",\"param", 40);
        (void) close(fd);

        /* And one that disconnects right after a complete call, before its reply. */
        fd = raw_connect();
        send_all(fd, "{\"method\":\"org.example.test.Ping\",\"parameters\":{\"text\":\"x\"}}\0", 61);
        (void) close(fd);
        (*expected)++;
}

static void test_never_reads(void) {
        _cleanup_free_ char *call = NULL;
        const size_t pad = 300U * 1024U;
        int fd = raw_connect();
        size_t n;

        /* Each call asks for a 300 KiB echo; the replies pile up unread until the server gives up. */
        call = malloc(pad + 128);
        assert(call);
        n = (size_t) sprintf(call, "{\"method\":\"org.example.test.Ping\",\"parameters\":{\"echo\":true,\"text\":\"");
        memset(call + n, 'p', pad);
        n += pad;
        n += (size_t) sprintf(call + n, "\"}}");
        call[n++] = '\0';

        for (unsigned i = 0; i < 40; i++) {
                size_t off = 0;

                while (off < n) {
                        struct pollfd p = { .fd = fd, .events = POLLOUT };
                        ssize_t k;

                        if (poll(&p, 1, 5000) != 1)
                                goto done;
                        k = send(fd, call + off, n - off, MSG_NOSIGNAL | MSG_DONTWAIT);
                        if (k < 0) {
                                if (errno == EAGAIN)
                                        continue;
                                assert(IN_SET(errno, EPIPE, ECONNRESET));
                                goto done;
                        }
                        off += (size_t) k;
                }
        }
done:
        assert(wait_closed(fd, 5000));
        (void) close(fd);
}

static void test_silent_and_slow(void) {
        uint64_t start;
        int fd = raw_connect();

        /* Says nothing: dropped after the timeout. */
        start = now_ms();
        assert(wait_closed(fd, 5000));
        assert(now_ms() - start >= TIMEOUT_USEC / 1000U - 50U);
        (void) close(fd);

        /* Trickles bytes that never make a message: not progress. */
        fd = raw_connect();
        start = now_ms();
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };

                assert(now_ms() - start < 5000);
                if (send(fd, "{", 1, MSG_NOSIGNAL) < 0)
                        break;
                if (poll(&p, 1, 30) == 1)
                        break;
        }
        assert(wait_closed(fd, 5000));
        (void) close(fd);
}

static void test_half_close(void) {
        static const char call[] = "{\"method\":\"org.example.test.Ping\",\"parameters\":{\"text\":\"h\"}}";
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};
        int fd = raw_connect();

        /* As "socat - UNIX-CONNECT:…" does at the end of its input: the reply still comes. */
        send_all(fd, call, sizeof(call));
        assert(shutdown(fd, SHUT_WR) == 0);
        assert(varlink_client_new_from_fd(fd, &c) == 0);
        assert(varlink_client_receive(c, CLIENT_TIMEOUT_USEC, &reply) == 0);
        assert(streq(json_object_get_string(json_object_object_get(reply.parameters, "text")), "h"));
        varlink_reply_done(&reply);
        assert(varlink_client_receive(c, CLIENT_TIMEOUT_USEC, &reply) == -ECONNRESET);
}

static bool closed_now(int fd) {
        char c;
        ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);

        return n == 0 || (n < 0 && errno == ECONNRESET);
}

static void test_too_many_clients(void) {
        int fds[CONNECTIONS_MAX + 4];
        /* One slot is the monitor's; the rest fill up, and the surplus is closed at once. */
        const unsigned surplus = ELEMENTSOF(fds) - (CONNECTIONS_MAX - 1);
        uint64_t end;
        unsigned closed = 0;

        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                fds[i] = raw_connect();

        /* Counted well before the idle timeout could close the others too. */
        end = now_ms() + TIMEOUT_USEC / 1000U / 2U;
        while (closed < surplus && now_ms() < end) {
                (void) poll(NULL, 0, 10);
                closed = 0;
                for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                        closed += closed_now(fds[i]);
        }
        assert(closed >= surplus);
        assert(closed < ELEMENTSOF(fds));
        for (size_t i = 0; i < ELEMENTSOF(fds); i++)
                (void) close(fds[i]);
}

static void test_denied(void) {
        _cleanup_(varlink_client_freep) VarlinkClient *c = NULL;
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};

        atomic_store(&deny_all, true);
        c = client_new();
        assert(varlink_client_call(c, "org.varlink.service.GetInfo", NULL, CLIENT_TIMEOUT_USEC, &reply) == 0);
        assert(streq(reply.error, VARLINK_ERROR_PERMISSION_DENIED));
        varlink_reply_done(&reply);
        assert(varlink_client_receive(c, CLIENT_TIMEOUT_USEC, &reply) == -ECONNRESET);
        atomic_store(&deny_all, false);
}

static void *client_thread(void *userdata) {
        int done_fd = *(int *) userdata;
        _cleanup_(varlink_client_freep) VarlinkClient *monitor = client_new();
        _cleanup_(varlink_reply_done) VarlinkReply first = {};
        int expected = 0;

        assert(varlink_client_send(monitor, "org.example.test.Stream", NULL, VARLINK_CALL_MORE, CLIENT_TIMEOUT_USEC) == 0);
        assert(varlink_client_receive(monitor, CLIENT_TIMEOUT_USEC, &first) == 0);
        assert(first.continues && !first.error);

        test_introspection();
        test_errors();
        ping_and_check_monitor(monitor, &expected);

        void (*const hostile[])(void) = {
                test_garbage, test_huge_message, test_never_reads, test_silent_and_slow, test_half_close,
                test_too_many_clients, test_denied, test_streaming_list,
        };
        for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
                hostile[i]();
                /* Pings made by the hostile clients themselves were broadcast too. */
                if (hostile[i] == test_never_reads || hostile[i] == test_half_close) {
                        for (;;) {
                                _cleanup_(varlink_reply_done) VarlinkReply ev = {};

                                if (varlink_client_receive(monitor, 200U * 1000U, &ev) == -ETIMEDOUT)
                                        break;
                                assert(json_object_get_int(json_object_object_get(ev.parameters, "n")) == ++expected);
                        }
                }
                ping_and_check_monitor(monitor, &expected);
        }

        test_oneway_and_pipelining(&expected);
        for (int n = expected - 2; n <= expected; n++) {
                _cleanup_(varlink_reply_done) VarlinkReply ev = {};
                assert(varlink_client_receive(monitor, CLIENT_TIMEOUT_USEC, &ev) == 0);
                assert(json_object_get_int(json_object_object_get(ev.parameters, "n")) == n);
        }
        test_disconnect_mid_message(&expected);
        {
                _cleanup_(varlink_reply_done) VarlinkReply ev = {};
                assert(varlink_client_receive(monitor, CLIENT_TIMEOUT_USEC, &ev) == 0);
                assert(json_object_get_int(json_object_object_get(ev.parameters, "n")) == expected);
        }
        ping_and_check_monitor(monitor, &expected);

        printf("monitor received all %i notifications\n", expected);
        assert(eventfd_write(done_fd, 1) == 0);
        return NULL;
}

int main(void) {
        _cleanup_(sd_event_unrefp) sd_event *e = NULL;
        _cleanup_(varlink_server_freep) VarlinkServer *s = NULL;
        _cleanup_(sd_event_source_unrefp) sd_event_source *done = NULL;
        char dir[] = "/tmp/test-varlink-server-XXXXXX";
        int done_fd;
        pthread_t thread;
        struct stat st;

        log_setup(LOG_TARGET_CONSOLE, LOG_DEBUG);
        assert(mkdtemp(dir));
        snprintf(socket_path, sizeof(socket_path), "%s/org.example.test", dir);

        assert(sd_event_new(&e) >= 0);
        assert(varlink_server_new(e,
                                  &(VarlinkServerInfo) {
                                          .vendor = "tdispd tests",
                                          .product = "test",
                                          .version = "1",
                                          .url = "https://example.org",
                                          .system_error = "org.example.test.SystemError",
                                  },
                                  NULL, &s) == 0);
        varlink_server_set_limits(s, &(VarlinkServerLimits) {
                                             .connections_max = CONNECTIONS_MAX,
                                             .message_max = MESSAGE_MAX,
                                             .output_max = OUTPUT_MAX,
                                             .timeout_usec = TIMEOUT_USEC,
                                     });
        varlink_server_set_authorize(s, authorize);
        assert(varlink_server_add_interface(s, test_interface, test_methods, NULL) == 0);
        assert(varlink_server_add_interface(s, test_interface, test_methods, NULL) == -EEXIST);
        assert(varlink_server_add_interface(s, "interface org.example.bad\nmethod A() -> ()\n",
                                            (const VarlinkMethod[]) { { "B", method_fail }, {} }, NULL) == -EINVAL);

        /* A stale socket is replaced, anything else is left alone. */
        int fd = open(socket_path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        assert(fd >= 0);
        (void) close(fd);
        assert(varlink_server_listen(s, socket_path, 0600) == -EEXIST);
        assert(unlink(socket_path) == 0);
        assert(varlink_server_listen(s, socket_path, 0600) == 0);
        assert(stat(socket_path, &st) == 0);
        assert(S_ISSOCK(st.st_mode) && (st.st_mode & 07777) == 0600);

        done_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        assert(done_fd >= 0);
        assert(sd_event_add_io(e, &done, done_fd, EPOLLIN, on_done, NULL) >= 0);

        assert(pthread_create(&thread, NULL, client_thread, &done_fd) == 0);
        while (!clients_done)
                assert(sd_event_run(e, UINT64_MAX) >= 0);
        assert(pthread_join(thread, NULL) == 0);

        /* The monitor hung up when the thread ended; its call ended with it. */
        for (unsigned i = 0; i < 50 && (n_subscribers > 0 || varlink_server_n_links(s) > 0); i++)
                assert(sd_event_run(e, 20U * 1000U) >= 0);
        assert(n_subscribers == 0);
        assert(varlink_server_n_links(s) == 0);

        s = varlink_server_free(s);
        assert(access(socket_path, F_OK) < 0 && errno == ENOENT);
        (void) close(done_fd);
        (void) rmdir(dir);
        return 0;
}

/*
 * Exercises every call that ABI version 2 added to reactor.h, success and error paths, over
 * loopback: per-connection data, addresses, pause/resume and pending bytes, outbound connects
 * (established, refused, timed out, cancelled), timers (one-shot, repeating, cancelled from their
 * own callback and from another thread while running), posted work, UDP, and a v1-sized options
 * struct. Prints one line per check and exits 1 if any failed. Built by ./build.sh and run by
 * CAbiTests.cs.
 */
#include <fcntl.h>
#include <poll.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <time.h>

#include "c_test.h"

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The text reactor_format_address gives for a socket's own address. */
static void own_address(int fd, char *text)
{
    struct sockaddr_storage a;
    socklen_t n = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &n);
    reactor_format_address((struct sockaddr *)&a, text, REACTOR_ADDRESS_TEXT_MAX);
}

/* Runs fn(arg) on the loop and waits until it has run: everything the loop had ready before is done. */
struct barrier { void (*fn)(void *); void *arg; _Atomic int done; };

static void run_barrier(void *p)
{
    struct barrier *b = p;
    if (b->fn) b->fn(b->arg);
    atomic_store(&b->done, 1);
}

static int on_loop(reactor_server_t server, int loop, void (*fn)(void *), void *arg)
{
    struct barrier b = { fn, arg, 0 };
    int rc = reactor_post(server, loop, run_barrier, &b);
    if (rc != REACTOR_OK) return rc;
    wait_for(&b.done, 1);
    return atomic_load(&b.done) ? REACTOR_OK : REACTOR_ETIMEDOUT;
}

/* ---- a server that keeps data with each connection and answers with addresses ---- */

enum { Magic = 0x5eed };

struct conn_info { int magic; char peer[REACTOR_ADDRESS_TEXT_MAX], local[REACTOR_ADDRESS_TEXT_MAX]; };

struct v2_server {
    reactor_server_t server;
    _Atomic int opened, closed, data_calls, closed_with_data, pause_rc;
    _Atomic uint64_t conn;
    _Atomic uint64_t pending_after_bulk;
};

static void v2_open(reactor_conn_t conn, void *user)
{
    struct v2_server *s = user;
    void *before = (void *)1;
    reactor_conn_get_data(conn, &before);
    struct conn_info *info = calloc(1, sizeof *info);
    info->magic = before == NULL ? Magic : 0;   /* a new connection starts with NULL */
    struct sockaddr_storage a;
    if (reactor_conn_peer_address(conn, &a) == REACTOR_OK) reactor_format_address((struct sockaddr *)&a, info->peer, sizeof info->peer);
    if (reactor_conn_local_address(conn, &a) == REACTOR_OK) reactor_format_address((struct sockaddr *)&a, info->local, sizeof info->local);
    reactor_conn_set_data(conn, info);
    atomic_store(&s->conn, conn);
    atomic_fetch_add(&s->opened, 1);
}

/* "?" answers "peer local\n"; "P" pauses reading; "B" sends 16 MiB; anything else is echoed. */
static size_t v2_data(reactor_conn_t conn, const uint8_t *data, size_t length, void *user)
{
    struct v2_server *s = user;
    struct conn_info *info = NULL;
    atomic_fetch_add(&s->data_calls, 1);
    reactor_conn_get_data(conn, (void **)&info);
    if (data[0] == '?' && info != NULL) {
        char line[2 * REACTOR_ADDRESS_TEXT_MAX + 2];
        int n = snprintf(line, sizeof line, "%s %s\n", info->peer, info->local);
        reactor_send(conn, line, (size_t)n);
        return 1;
    }
    if (data[0] == 'P') {
        atomic_store(&s->pause_rc, reactor_pause(conn));
        return 1;
    }
    if (data[0] == 'B') {
        enum { Bulk = 16 << 20 };
        uint8_t *bulk = calloc(1, Bulk);
        reactor_send(conn, bulk, Bulk);
        free(bulk);
        uint64_t pending = 0;
        reactor_pending_bytes(conn, &pending);
        atomic_store(&s->pending_after_bulk, pending);
        return 1;
    }
    reactor_send(conn, data, length);
    return length;
}

static void v2_close(reactor_conn_t conn, int reason, uint64_t unsent, void *user)
{
    struct v2_server *s = user;
    struct conn_info *info = NULL;
    (void)reason; (void)unsent;
    if (reactor_conn_get_data(conn, (void **)&info) == REACTOR_OK && info != NULL && info->magic == Magic)
        atomic_fetch_add(&s->closed_with_data, 1);
    free(info);
    atomic_fetch_add(&s->closed, 1);
}

static const reactor_callbacks v2_callbacks = { sizeof v2_callbacks, v2_open, v2_data, v2_close };

static void test_version_and_v1_options(void)
{
    CHECK(reactor_abi_version() == 2 && REACTOR_ABI_VERSION == 2, "reactor_abi_version() is 2");
    /* A v1 program's reactor_options ends at max_frame_bytes: nine uint32 fields. */
    reactor_options v1 = { .size = 9 * sizeof(uint32_t), .loop_count = 1 };
    struct v2_server s = { 0 };
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &v1, &v2_callbacks, &s, &s.server), REACTOR_OK, "start with a v1-sized reactor_options");
    if (s.server != 0) CHECK_RC(reactor_server_destroy(s.server), REACTOR_OK, "destroy it");
    CHECK(strstr(reactor_strerror(REACTOR_EWRONGTHREAD), "loop") != NULL, "reactor_strerror(EWRONGTHREAD): %s", reactor_strerror(REACTOR_EWRONGTHREAD));
    CHECK(strstr(reactor_strerror(REACTOR_ENOENT), "timer") != NULL, "reactor_strerror(ENOENT): %s", reactor_strerror(REACTOR_ENOENT));
}

struct closed_handle_probe { reactor_conn_t conn; _Atomic int get_rc, set_rc, peer_rc, pending_rc, pause_rc; };

static void probe_closed_handle(void *p)
{
    struct closed_handle_probe *probe = p;
    void *data;
    struct sockaddr_storage a;
    uint64_t pending;
    atomic_store(&probe->get_rc, reactor_conn_get_data(probe->conn, &data));
    atomic_store(&probe->set_rc, reactor_conn_set_data(probe->conn, NULL));
    atomic_store(&probe->peer_rc, reactor_conn_peer_address(probe->conn, &a));
    atomic_store(&probe->pending_rc, reactor_pending_bytes(probe->conn, &pending));
    atomic_store(&probe->pause_rc, reactor_pause(probe->conn));
}

static void test_data_and_addresses(void)
{
    struct v2_server s = { 0 };
    reactor_options options = { .size = sizeof options, .loop_count = 2 };
    int rc = reactor_server_start("127.0.0.1", 0, &options, &v2_callbacks, &s, &s.server);
    CHECK_RC(rc, REACTOR_OK, "start a 2-loop server");
    if (rc != REACTOR_OK) return;
    int port = reactor_server_port(s.server);

    enum { Clients = 20 };
    int fds[Clients], right = 0;
    for (int i = 0; i < Clients; i++) {
        fds[i] = connect_to(port);
        char expected[2 * REACTOR_ADDRESS_TEXT_MAX + 2], peer[REACTOR_ADDRESS_TEXT_MAX], line[sizeof expected] = { 0 };
        own_address(fds[i], peer);
        snprintf(expected, sizeof expected, "%s 127.0.0.1:%d\n", peer, port);
        write_all(fds[i], "?", 1);
        read_exact(fds[i], line, strlen(expected));
        if (strcmp(line, expected) == 0) right++;
        else printf("     client %d: got '%s', expected '%s'\n", i, line, expected);
    }
    CHECK(right == Clients, "each connection's data holds its own peer and local address (%d of %d)", right, Clients);

    reactor_conn_t conn = atomic_load(&s.conn);
    void *data;
    struct sockaddr_storage a;
    uint64_t pending;
    int loop = reactor_conn_loop(conn);
    CHECK(loop == 0 || loop == 1, "reactor_conn_loop gives loop %d of 2", loop);
    CHECK_RC(reactor_conn_get_data(conn, &data), REACTOR_EWRONGTHREAD, "get_data from the main thread");
    CHECK(strstr(reactor_last_error(), "loop") != NULL, "the message names the loop: %s", reactor_last_error());
    CHECK_RC(reactor_conn_set_data(conn, NULL), REACTOR_EWRONGTHREAD, "set_data from the main thread");
    CHECK_RC(reactor_conn_peer_address(conn, &a), REACTOR_EWRONGTHREAD, "peer_address from the main thread");
    CHECK_RC(reactor_pending_bytes(conn, &pending), REACTOR_EWRONGTHREAD, "pending_bytes from the main thread");
    CHECK_RC(reactor_conn_loop(0xdeadbeefcafef00dull), REACTOR_ENOTCONN, "reactor_conn_loop of a garbage handle");

    for (int i = 0; i < Clients; i++) close(fds[i]);
    wait_for(&s.closed, Clients);
    CHECK(atomic_load(&s.closed_with_data) == Clients, "on_close still reads the data set in on_open, then frees it (%d of %d)", atomic_load(&s.closed_with_data), Clients);

    struct closed_handle_probe probe = { .conn = conn };
    CHECK_RC(on_loop(s.server, loop, probe_closed_handle, &probe), REACTOR_OK, "post a probe to the closed connection's loop");
    CHECK_RC(atomic_load(&probe.get_rc), REACTOR_ENOTCONN, "get_data of a closed connection, on its loop");
    CHECK_RC(atomic_load(&probe.set_rc), REACTOR_ENOTCONN, "set_data of a closed connection");
    CHECK_RC(atomic_load(&probe.peer_rc), REACTOR_ENOTCONN, "peer_address of a closed connection");
    CHECK_RC(atomic_load(&probe.pending_rc), REACTOR_ENOTCONN, "pending_bytes of a closed connection");
    CHECK_RC(atomic_load(&probe.pause_rc), REACTOR_ENOTCONN, "pause of a closed connection");
    CHECK_RC(reactor_server_destroy(s.server), REACTOR_OK, "destroy");

    /* reactor_format_address on its own. */
    struct sockaddr_in6 six = { .sin6_family = AF_INET6, .sin6_port = htons(7000), .sin6_addr = IN6ADDR_LOOPBACK_INIT };
    char text[REACTOR_ADDRESS_TEXT_MAX];
    int n = reactor_format_address((struct sockaddr *)&six, text, sizeof text);
    CHECK(n == 10 && strcmp(text, "[::1]:7000") == 0, "format [::1]:7000 (%d: %s)", n, text);
    CHECK_RC(reactor_format_address((struct sockaddr *)&six, text, 8), REACTOR_EINVAL, "format into 8 bytes");
    struct sockaddr unix_family = { .sa_family = AF_UNIX };
    CHECK_RC(reactor_format_address(&unix_family, text, sizeof text), REACTOR_EINVAL, "format an AF_UNIX address");
}

/* Bytes the peer has not acknowledged yet (SIOCOUTQ): 0 once they sit in its receive buffer. */
static int unacked(int fd)
{
    int n = -1;
    ioctl(fd, SIOCOUTQ, &n);
    return n;
}

struct pending_probe { reactor_conn_t conn; _Atomic uint64_t bytes; };

static void read_pending(void *p)
{
    struct pending_probe *probe = p;
    uint64_t bytes = 12345;
    reactor_pending_bytes(probe->conn, &bytes);
    atomic_store(&probe->bytes, bytes);
}

static void test_pause_resume_pending(void)
{
    struct v2_server s = { 0 };
    reactor_options options = { .size = sizeof options, .loop_count = 1 };
    int rc = reactor_server_start("127.0.0.1", 0, &options, &v2_callbacks, &s, &s.server);
    CHECK_RC(rc, REACTOR_OK, "start a 1-loop server");
    if (rc != REACTOR_OK) return;
    int fd = connect_to(reactor_server_port(s.server));
    atomic_store(&s.pause_rc, Unset);
    write_all(fd, "P", 1);
    CHECK_RC(wait_set(&s.pause_rc), REACTOR_OK, "reactor_pause from on_data");
    int calls = atomic_load(&s.data_calls);
    write_all(fd, "hello", 5);
    for (int i = 0; i < 1000 && unacked(fd) != 0; i++) usleep(5000);
    CHECK(unacked(fd) == 0, "the server's kernel holds the 5 bytes");
    /* A posted item runs after the events of its iteration: on_data would have run first. */
    CHECK_RC(on_loop(s.server, 0, NULL, NULL), REACTOR_OK, "one loop iteration later");
    CHECK(atomic_load(&s.data_calls) == calls, "paused: on_data was not called (%d calls, %d before)", atomic_load(&s.data_calls), calls);
    CHECK_RC(reactor_resume(atomic_load(&s.conn)), REACTOR_OK, "reactor_resume from the main thread");
    char back[6] = { 0 };
    CHECK(read_exact(fd, back, 5) == 5 && strcmp(back, "hello") == 0, "resumed: the bytes are echoed");

    enum { Bulk = 16 << 20 };
    write_all(fd, "B", 1);
    for (int i = 0; i < 1000 && atomic_load(&s.pending_after_bulk) == 0; i++) usleep(5000);
    uint64_t pending = atomic_load(&s.pending_after_bulk);
    CHECK(pending > Bulk / 2 && pending <= Bulk, "16 MiB sent to a client that reads nothing: %llu bytes pending", (unsigned long long)pending);
    uint8_t *sink = malloc(Bulk);
    CHECK(read_exact(fd, sink, Bulk) == Bulk, "the client reads all 16 MiB");
    free(sink);
    struct pending_probe probe = { .conn = atomic_load(&s.conn), .bytes = 1 };
    for (int i = 0; i < 1000 && atomic_load(&probe.bytes) != 0; i++) on_loop(s.server, 0, read_pending, &probe);
    CHECK(atomic_load(&probe.bytes) == 0, "then reactor_pending_bytes is 0");
    close(fd);
    CHECK_RC(reactor_server_destroy(s.server), REACTOR_OK, "destroy");
}

/* ---- outbound connections ---- */

struct connect_result { _Atomic int status; _Atomic uint64_t conn; _Atomic int set_rc; long long started, ended; };

static void on_connect(reactor_conn_t conn, int status, void *arg)
{
    struct connect_result *r = arg;
    r->ended = now_ms();
    if (status == REACTOR_OK) atomic_store(&r->set_rc, reactor_conn_set_data(conn, r));
    atomic_store(&r->conn, conn);
    atomic_store(&r->status, status);
}

/* A client connection echoes nothing: it counts what it receives and keeps it. */
struct client_state { _Atomic int received, opened, closed, data_matches; char got[64]; };

static void client_open(reactor_conn_t conn, void *user)
{
    (void)conn;
    atomic_fetch_add(&((struct client_state *)user)->opened, 1);
}

static size_t client_data(reactor_conn_t conn, const uint8_t *data, size_t length, void *user)
{
    struct client_state *c = user;
    struct connect_result *r = NULL;
    reactor_conn_get_data(conn, (void **)&r);
    if (r != NULL && atomic_load(&r->conn) == conn) atomic_store(&c->data_matches, 1);
    int at = atomic_load(&c->received);
    if (at + length < sizeof c->got) memcpy(c->got + at, data, length);
    atomic_fetch_add(&c->received, (int)length);
    return length;
}

static void client_close(reactor_conn_t conn, int reason, uint64_t unsent, void *user)
{
    (void)conn; (void)reason; (void)unsent;
    atomic_fetch_add(&((struct client_state *)user)->closed, 1);
}

static const reactor_callbacks client_callbacks = { sizeof client_callbacks, client_open, client_data, client_close };

/* Two loops that listen nowhere, serving client connections with `c`; 0 if they did not start. */
static reactor_server_t start_two_loops(struct client_state *c, const char *what)
{
    reactor_server_t loops = 0;
    reactor_options two = { .size = sizeof two, .loop_count = 2 };
    CHECK_RC(reactor_loops_start(&two, &client_callbacks, c, &loops), REACTOR_OK, what);
    return loops;
}

/* A listener whose accept queue is full (backlog 1, two connections waiting), so a new SYN is dropped. */
static int full_backlog_listener(int *port, int fillers[3])
{
    int fd = bound_loopback(SOCK_STREAM, port);
    listen(fd, 1);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)*port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < 3; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        connect(fillers[i], (struct sockaddr *)&a, sizeof a);
    }
    /* Full once it holds more than the backlog: two fillers established. */
    for (int i = 0; i < 1000; i++) {
        struct pollfd p[3];
        int established = 0;
        for (int k = 0; k < 3; k++) p[k] = (struct pollfd){ .fd = fillers[k], .events = POLLOUT };
        poll(p, 3, 0);
        for (int k = 0; k < 3; k++) established += (p[k].revents & POLLOUT) != 0;
        if (established >= 2) break;
        usleep(5000);
    }
    return fd;
}

static void test_connect(void)
{
    struct v2_server echo = { 0 };
    reactor_options one = { .size = sizeof one, .loop_count = 1 };
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &one, &v2_callbacks, &echo, &echo.server), REACTOR_OK, "start an echo server");
    struct client_state c = { 0 };
    reactor_server_t client = start_two_loops(&c, "reactor_loops_start: 2 loops that listen nowhere");
    if (client == 0 || echo.server == 0) return;
    CHECK_RC(reactor_server_port(client), REACTOR_EINVAL, "reactor_server_port of loops that listen nowhere");
    CHECK_RC(reactor_server_sockopt(client, REACTOR_SOCKOPT_BACKLOG), REACTOR_EINVAL, "reactor_server_sockopt of loops that listen nowhere");

    struct connect_result ok = { .status = Unset };
    CHECK_RC(reactor_connect(client, 1, "localhost", reactor_server_port(echo.server), 2000, on_connect, &ok), REACTOR_OK, "connect to the echo server from loop 1");
    CHECK_RC(wait_set(&ok.status), REACTOR_OK, "on_connect: status 0");
    reactor_conn_t conn = atomic_load(&ok.conn);
    CHECK(conn != 0 && reactor_conn_loop(conn) == 1, "with a connection of loop 1");
    CHECK_RC(atomic_load(&ok.set_rc), REACTOR_OK, "set_data inside on_connect");
    CHECK(atomic_load(&c.opened) == 0, "on_open is not called for an outbound connection");
    CHECK_RC(reactor_send(conn, "ping", 4), REACTOR_OK, "send on it from the main thread");
    wait_for(&c.received, 4);
    CHECK(atomic_load(&c.received) == 4 && memcmp(c.got, "ping", 4) == 0, "the echo comes back through on_data");
    CHECK(atomic_load(&c.data_matches), "on_data reads the data set in on_connect");
    CHECK_RC(reactor_close(conn), REACTOR_OK, "close it");
    wait_for(&c.closed, 1);
    CHECK(atomic_load(&c.closed) == 1, "on_close follows as for accepted connections");

    struct connect_result refused = { .status = Unset };
    CHECK_RC(reactor_connect(client, REACTOR_ANY_LOOP, "127.0.0.1", free_port(), 2000, on_connect, &refused), REACTOR_OK, "connect to a port nobody listens on");
    CHECK_RC(wait_set(&refused.status), REACTOR_ECONNREFUSED, "on_connect: refused");
    CHECK(atomic_load(&refused.conn) == 0, "with conn 0");

    int port, fillers[3];
    int listener = full_backlog_listener(&port, fillers);
    struct connect_result timed_out = { .status = Unset, .started = now_ms() };
    CHECK_RC(reactor_connect(client, 0, "127.0.0.1", port, 300, on_connect, &timed_out), REACTOR_OK, "connect to a listener whose queue is full, timeout 300 ms");
    CHECK_RC(wait_set(&timed_out.status), REACTOR_ETIMEDOUT, "on_connect: timed out");
    long long waited = timed_out.ended - timed_out.started;
    /* The connect deadline is a loop timer on the coarse clock, which may end it up to a tick (4 ms) early. */
    CHECK(waited >= 295 && waited < 3000, "after %lld ms (300 asked)", waited);

    CHECK_RC(reactor_connect(client, 0, "not-an-address", 80, 0, on_connect, &ok), REACTOR_EINVAL, "connect to a bad address");
    CHECK(strstr(reactor_last_error(), "not-an-address") != NULL, "the message quotes it: %s", reactor_last_error());
    CHECK_RC(reactor_connect(client, 0, "127.0.0.1", 0, 0, on_connect, &ok), REACTOR_EINVAL, "connect to port 0");
    CHECK_RC(reactor_connect(client, 2, "127.0.0.1", 80, 0, on_connect, &ok), REACTOR_EINVAL, "connect from loop 2 of 2");
    CHECK_RC(reactor_connect(client, 0, "127.0.0.1", 80, 0, NULL, &ok), REACTOR_EINVAL, "connect without on_connect");
    CHECK_RC(reactor_connect(12345, 0, "127.0.0.1", 80, 0, on_connect, &ok), REACTOR_EBADF, "connect on a never-issued server");

    /* A connect still pending when its server stops is cancelled. */
    struct connect_result cancelled = { .status = Unset };
    CHECK_RC(reactor_connect(client, 0, "127.0.0.1", port, 0, on_connect, &cancelled), REACTOR_OK, "connect to the full listener, no timeout");
    CHECK_RC(on_loop(client, 0, NULL, NULL), REACTOR_OK, "the connect has started");
    CHECK_RC(reactor_server_stop(client), REACTOR_OK, "stop the client loops");
    CHECK_RC(wait_set(&cancelled.status), REACTOR_ECANCELED, "on_connect: cancelled");
    struct connect_result late = { .status = Unset };
    CHECK_RC(reactor_connect(client, 0, "127.0.0.1", port, 0, on_connect, &late), REACTOR_ECANCELED, "connect on a stopping server");
    CHECK(atomic_load(&late.status) == Unset, "and no callback for it");
    CHECK_RC(reactor_server_destroy(client), REACTOR_OK, "destroy the client loops");
    CHECK_RC(reactor_server_destroy(echo.server), REACTOR_OK, "destroy the echo server");
    for (int i = 0; i < 3; i++) close(fillers[i]);
    close(listener);
}

/* ---- timers and posted work ---- */

struct timer_state {
    _Atomic int fired, inside, cancel_rc, after_cancel;
    _Atomic int stop_at;               /* a repeating timer cancels itself at this count */
    _Atomic uint64_t handle;
    long long started, first;
    useconds_t busy_us;                /* how long each run takes */
};

static void on_timer(reactor_timer_t timer, void *arg)
{
    struct timer_state *t = arg;
    atomic_store(&t->inside, 1);
    if (atomic_load(&t->fired) == 0) t->first = now_ms();
    if (t->busy_us) usleep(t->busy_us);
    int fired = atomic_fetch_add(&t->fired, 1) + 1;
    if (fired == atomic_load(&t->stop_at)) {
        atomic_store(&t->cancel_rc, reactor_timer_cancel(timer));
        atomic_store(&t->after_cancel, reactor_timer_cancel(timer));
    }
    atomic_store(&t->inside, 0);
}

static void test_timers(void)
{
    struct client_state c = { 0 };
    reactor_server_t loops = start_two_loops(&c, "start 2 loops for timers");
    if (loops == 0) return;

    struct timer_state once = { .started = now_ms() };
    reactor_timer_t handle = 0;
    CHECK_RC(reactor_timer_start(loops, 0, 50, 0, on_timer, &once, &handle), REACTOR_OK, "a one-shot timer of 50 ms");
    CHECK(handle != 0, "with a handle");
    wait_for(&once.fired, 1);
    CHECK(atomic_load(&once.fired) == 1 && once.first - once.started >= 50, "fired once, after %lld ms", once.first - once.started);
    CHECK_RC(reactor_timer_cancel(handle), REACTOR_ENOENT, "cancel after it fired");

    /* Repeating, cancelled from its own callback at the 5th run. */
    struct timer_state rep = { .stop_at = 5, .cancel_rc = Unset };
    CHECK_RC(reactor_timer_start(loops, 1, 5, 5, on_timer, &rep, NULL), REACTOR_OK, "a 5 ms repeating timer (NULL handle pointer)");
    CHECK_RC(wait_set(&rep.cancel_rc), REACTOR_OK, "cancelled from its own callback at the 5th run");
    CHECK_RC(atomic_load(&rep.after_cancel), REACTOR_ENOENT, "a second cancel");
    struct timer_state later = { 0 };
    CHECK_RC(reactor_timer_start(loops, 1, 50, 0, on_timer, &later, NULL), REACTOR_OK, "a 50 ms timer on the same loop");
    wait_for(&later.fired, 1);
    CHECK(atomic_load(&later.fired) == 1 && atomic_load(&rep.fired) == 5, "10 periods later it has still run 5 times (%d)", atomic_load(&rep.fired));

    /* Cancelled from another thread while its callback runs: the cancel waits for it. */
    struct timer_state busy = { .busy_us = 20000 };
    CHECK_RC(reactor_timer_start(loops, 0, 1, 1, on_timer, &busy, &handle), REACTOR_OK, "a 1 ms repeating timer whose callback takes 20 ms");
    for (int i = 0; i < 1000 && atomic_load(&busy.inside) == 0; i++) usleep(1000);
    CHECK(atomic_load(&busy.inside) == 1, "its callback is running");
    CHECK_RC(reactor_timer_cancel(handle), REACTOR_OK, "cancel it from the main thread");
    CHECK(atomic_load(&busy.inside) == 0, "the cancel returned after the callback did");
    int runs = atomic_load(&busy.fired);
    struct timer_state fence = { 0 };
    reactor_timer_start(loops, 0, 50, 0, on_timer, &fence, NULL);
    wait_for(&fence.fired, 1);
    CHECK(atomic_load(&busy.fired) == runs, "and it never ran again (%d runs)", runs);

    /* Cancelled before it fires, from another thread, then never fires. */
    struct timer_state never = { 0 };
    CHECK_RC(reactor_timer_start(loops, REACTOR_ANY_LOOP, 30, 0, on_timer, &never, &handle), REACTOR_OK, "a 30 ms timer");
    CHECK_RC(reactor_timer_cancel(handle), REACTOR_OK, "cancelled at once from the main thread");
    struct timer_state fence2 = { 0 };
    reactor_timer_start(loops, 0, 60, 0, on_timer, &fence2, NULL);
    reactor_timer_start(loops, 1, 60, 0, on_timer, &fence2, NULL);
    wait_for(&fence2.fired, 2);
    CHECK(atomic_load(&never.fired) == 0, "it never fired");

    CHECK_RC(reactor_timer_cancel(0), REACTOR_ENOENT, "cancel of timer 0");
    CHECK_RC(reactor_timer_start(loops, 0, 1, 0, NULL, NULL, NULL), REACTOR_EINVAL, "a timer without a callback");
    CHECK_RC(reactor_timer_start(loops, 7, 1, 0, on_timer, &never, NULL), REACTOR_EINVAL, "a timer on loop 7 of 2");
    CHECK_RC(reactor_timer_start(loops, 0, 1ull << 40, 0, on_timer, &never, NULL), REACTOR_EINVAL, "a delay of 2^40 ms");

    /* A timer outliving its server: its handle is refused. */
    struct timer_state orphan = { 0 };
    reactor_timer_start(loops, 0, 100000, 0, on_timer, &orphan, &handle);
    CHECK_RC(reactor_server_destroy(loops), REACTOR_OK, "destroy the loops");
    CHECK_RC(reactor_timer_cancel(handle), REACTOR_ENOENT, "cancel of a timer whose server is gone");
    CHECK_RC(reactor_timer_start(loops, 0, 1, 0, on_timer, &orphan, NULL), REACTOR_EBADF, "a timer on a destroyed server");
}

struct order { _Atomic int next, wrong; pthread_t main_thread; _Atomic int on_main; };

static void posted(void *arg)
{
    struct order *o = arg;
    if (pthread_equal(pthread_self(), o->main_thread)) atomic_store(&o->on_main, 1);
    atomic_fetch_add(&o->next, 1);
}

static void test_post(void)
{
    struct client_state c = { 0 };
    reactor_server_t loops = start_two_loops(&c, "start 2 loops for posted work");
    if (loops == 0) return;
    struct order o = { .main_thread = pthread_self() };
    enum { Items = 1000 };
    int accepted = 0;
    for (int i = 0; i < Items; i++) accepted += reactor_post(loops, i % 2, posted, &o) == REACTOR_OK;
    wait_for(&o.next, Items);
    CHECK(accepted == Items && atomic_load(&o.next) == Items, "1000 posts to 2 loops all ran (%d)", atomic_load(&o.next));
    CHECK(!atomic_load(&o.on_main), "on loop threads, not the caller's");
    CHECK_RC(reactor_post(loops, 0, NULL, NULL), REACTOR_EINVAL, "post of NULL");
    CHECK_RC(reactor_post(loops, -2, posted, &o), REACTOR_EINVAL, "post to loop -2");
    CHECK_RC(reactor_server_stop(loops), REACTOR_OK, "stop");
    CHECK_RC(reactor_post(loops, 0, posted, &o), REACTOR_ECANCELED, "post to a stopping server");
    CHECK_RC(reactor_server_destroy(loops), REACTOR_OK, "destroy");
    CHECK_RC(reactor_post(loops, 0, posted, &o), REACTOR_EBADF, "post to a destroyed server");
}

/* ---- UDP ---- */

struct udp_state { _Atomic int datagrams, bind_in_loop_rc; _Atomic uint64_t socket; reactor_server_t server; };

static void udp_echo(reactor_udp_t socket, const uint8_t *data, size_t length, const struct sockaddr *from, void *arg)
{
    struct udp_state *u = arg;
    atomic_fetch_add(&u->datagrams, 1);
    reactor_udp_send(socket, from, data, length);
}

static void bind_from_loop(void *arg)
{
    struct udp_state *u = arg;
    reactor_udp_t s;
    atomic_store(&u->bind_in_loop_rc, reactor_udp_bind(u->server, "127.0.0.1", 0, udp_echo, u, &s));
}

static void test_udp(void)
{
    struct client_state c = { 0 };
    struct udp_state u = { .server = start_two_loops(&c, "start 2 loops for UDP") };
    if (u.server == 0) return;
    reactor_udp_t udp = 0;
    CHECK_RC(reactor_udp_bind(u.server, "127.0.0.1", 0, udp_echo, &u, &udp), REACTOR_OK, "reactor_udp_bind 127.0.0.1 port 0");
    int port = reactor_udp_port(udp);
    CHECK(port > 0, "reactor_udp_port gives %d", port);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct timeval tv = { .tv_sec = 5 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(fd, (struct sockaddr *)&to, sizeof to);
    enum { Count = 2000, Largest = 65507 };
    static uint8_t out[Largest], in[Largest];
    int right = 0;
    for (int i = 0; i < Count; i++) {
        size_t length = i == 0 ? 0 : i == 1 ? Largest : (size_t)(i * 7) % 1401;
        for (size_t k = 0; k < length; k++) out[k] = (uint8_t)(i + k);
        send(fd, out, length, 0);
        ssize_t n = recv(fd, in, sizeof in, 0);
        if (n == (ssize_t)length && memcmp(in, out, length) == 0) right++;
    }
    CHECK(right == Count, "%d datagrams of 0 to 65,507 bytes echoed whole (%d right)", Count, right);

    /* From the main thread: handed to the loop. */
    struct sockaddr_storage me;
    socklen_t n = sizeof me;
    getsockname(fd, (struct sockaddr *)&me, &n);
    CHECK_RC(reactor_udp_send(udp, (struct sockaddr *)&me, "hi", 2), REACTOR_OK, "reactor_udp_send from the main thread");
    char hi[3] = { 0 };
    CHECK(recv(fd, hi, 2, 0) == 2 && strcmp(hi, "hi") == 0, "the datagram arrives");

    CHECK_RC(reactor_udp_send(udp, (struct sockaddr *)&me, out, 70000), REACTOR_EMSGSIZE, "a 70,000-byte datagram");
    struct sockaddr unix_family = { .sa_family = AF_UNIX };
    CHECK_RC(reactor_udp_send(udp, &unix_family, "x", 1), REACTOR_EINVAL, "send to an AF_UNIX address");
    CHECK_RC(reactor_udp_send(0xdeadbeefull, (struct sockaddr *)&me, "x", 1), REACTOR_EBADF, "send on a garbage UDP handle");
    CHECK_RC(reactor_udp_port(0xdeadbeefull), REACTOR_EBADF, "port of a garbage UDP handle");
    reactor_udp_t second;
    CHECK_RC(reactor_udp_bind(u.server, "bad", 0, udp_echo, &u, &second), REACTOR_EINVAL, "bind a bad address");
    int taken_port, taken = bound_loopback(SOCK_DGRAM, &taken_port);
    CHECK_RC(reactor_udp_bind(u.server, "127.0.0.1", taken_port, udp_echo, &u, &second), REACTOR_EADDRINUSE, "bind a port another socket holds");
    close(taken);
    atomic_store(&u.bind_in_loop_rc, Unset);
    CHECK_RC(on_loop(u.server, 0, bind_from_loop, &u), REACTOR_OK, "post a bind to a loop");
    CHECK_RC(atomic_load(&u.bind_in_loop_rc), REACTOR_EDEADLK, "reactor_udp_bind from the server's own loop");
    close(fd);
    CHECK_RC(reactor_server_destroy(u.server), REACTOR_OK, "destroy");
    CHECK_RC(reactor_udp_send(udp, (struct sockaddr *)&me, "x", 1), REACTOR_EBADF, "send on the socket of a destroyed server");
}

int main(void)
{
    test_version_and_v1_options();
    test_data_and_addresses();
    test_pause_resume_pending();
    test_connect();
    test_timers();
    test_post();
    test_udp();
    printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}

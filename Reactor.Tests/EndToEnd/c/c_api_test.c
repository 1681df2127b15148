/*
 * Exercises every function of ABI version 1 of reactor.h from C, success and error paths, over
 * loopback (c_api_v2_test.c covers what version 2 added).
 * Prints one line per check and exits 1 if any failed. Built and run by ./build.sh test
 * (through CAbiTests.cs) against artifacts/lib/libreactor.a.
 */
#include <netinet/tcp.h>

#include "c_test.h"

/* ---- a connection-counting echo server whose clients steer it with one-byte commands ---- */

struct server_state {
    _Atomic int opened, closed, data_calls;
    _Atomic int close_reasons[16];
    _Atomic uint64_t last_conn;          /* handle of the latest accepted connection */
    _Atomic uint64_t first_conn;         /* handle of the first one, kept to test staleness */
    _Atomic int stale_send_rc;           /* reactor_send to a closed connection, from a callback */
    _Atomic int send_after_close_rc;     /* reactor_send right after reactor_close, same callback */
    _Atomic int wait_in_callback_rc, destroy_in_callback_rc, stop_in_callback_rc;
    _Atomic int send_in_on_close_rc;
    _Atomic int wrong_user;
    reactor_server_t server;
};

static void on_open(reactor_conn_t conn, void *user)
{
    struct server_state *s = user;
    uint64_t none = 0;
    atomic_compare_exchange_strong(&s->first_conn, &none, conn);
    atomic_store(&s->last_conn, conn);
    atomic_fetch_add(&s->opened, 1);
}

/* Echo, except that a message starting with '!' is a command: the rest of it is ignored. */
static size_t on_data(reactor_conn_t conn, const uint8_t *data, size_t length, void *user)
{
    struct server_state *s = user;
    atomic_fetch_add(&s->data_calls, 1);
    if (length == 0) atomic_store(&s->wrong_user, 1);
    if (data[0] != '!') {
        reactor_send(conn, data, length);
        return length;
    }
    if (length < 2) return 0;   /* keep the '!' until its command byte arrives */
    switch (data[1]) {
    case 'c':   /* close, then try to send */
        reactor_close(conn);
        atomic_store(&s->send_after_close_rc, reactor_send(conn, "x", 1));
        break;
    case 's':   /* send to the first connection, closed by now */
        atomic_store(&s->stale_send_rc, reactor_send(atomic_load(&s->first_conn), "x", 1));
        reactor_send(conn, "S", 1);
        break;
    case 'w':   /* calls that must refuse to run on a loop thread */
        atomic_store(&s->wait_in_callback_rc, reactor_server_wait(s->server, 0));
        atomic_store(&s->destroy_in_callback_rc, reactor_server_destroy(s->server));
        reactor_send(conn, "W", 1);
        break;
    case 'q':   /* stop the server from inside a callback */
        atomic_store(&s->stop_in_callback_rc, reactor_server_stop(s->server));
        break;
    }
    return 2;
}

static void on_close(reactor_conn_t conn, int reason, uint64_t unsent, void *user)
{
    struct server_state *s = user;
    (void)unsent;
    atomic_store(&s->send_in_on_close_rc, reactor_send(conn, "x", 1));
    if (reason >= 0 && reason < 16) atomic_fetch_add(&s->close_reasons[reason], 1);
    atomic_fetch_add(&s->closed, 1);
}

static const reactor_callbacks callbacks = { sizeof callbacks, on_open, on_data, on_close };

/* ---- echo many clients on many threads; every byte compared ---- */

struct client_job { int port, id; _Atomic int *mismatches; };

static void *client_thread(void *arg)
{
    struct client_job *job = arg;
    enum { Size = 300000 };
    unsigned char *out = malloc(Size), *in = malloc(Size);
    unsigned seed = (unsigned)job->id * 2654435761u;
    for (int i = 0; i < Size; i++) {
        out[i] = (unsigned char)rand_r(&seed);
        if (out[i] == '!') out[i] = '?';   /* '!' starts a command */
    }
    int fd = connect_to(job->port);
    /* Write and read in 30 KB steps so neither side's buffers fill up. */
    for (int off = 0; off < Size; off += 30000) {
        if (write_all(fd, out + off, 30000) != 0 || read_exact(fd, in + off, 30000) != 30000) break;
    }
    if (memcmp(out, in, Size) != 0) atomic_fetch_add(job->mismatches, 1);
    close(fd);
    free(out);
    free(in);
    return NULL;
}

static void test_version_and_errors(void)
{
    CHECK(reactor_abi_version() == REACTOR_ABI_VERSION, "reactor_abi_version() == %d", REACTOR_ABI_VERSION);
    CHECK(reactor_version() != NULL && strcmp(reactor_version(), "0.1.0") == 0, "reactor_version() is \"0.1.0\"");
    CHECK(strcmp(reactor_strerror(REACTOR_OK), "ok") == 0, "reactor_strerror(OK)");
    CHECK(strstr(reactor_strerror(REACTOR_EADDRINUSE), "address already in use") != NULL, "reactor_strerror(EADDRINUSE): %s", reactor_strerror(REACTOR_EADDRINUSE));
    CHECK(strstr(reactor_strerror(REACTOR_ELIMIT), "too many servers") != NULL, "reactor_strerror(ELIMIT)");
    CHECK(strstr(reactor_strerror(REACTOR_EINTERNAL), "internal") != NULL, "reactor_strerror(EINTERNAL)");
    CHECK(strcmp(reactor_strerror(12345), "unknown error") == 0, "reactor_strerror(12345) is \"unknown error\"");
    CHECK(strcmp(reactor_last_error(), "") == 0, "reactor_last_error() is empty before any failure");
}

static void test_bad_arguments(void)
{
    struct server_state s = { 0 };
    reactor_server_t server = 0;
    reactor_options options = { .size = sizeof options, .loop_count = 1 };
    reactor_callbacks no_data = callbacks;
    no_data.on_data = NULL;
    reactor_callbacks short_size = callbacks;
    short_size.size = 4;
    reactor_options tiny = { .size = 2 };
    reactor_options too_many_loops = { .size = sizeof too_many_loops, .loop_count = 1000 };

    CHECK_RC(reactor_server_start(NULL, 0, &options, &callbacks, &s, &server), REACTOR_EINVAL, "start with a NULL address");
    CHECK(strstr(reactor_last_error(), "NULL") != NULL, "last error names the NULL argument: %s", reactor_last_error());
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &options, NULL, &s, &server), REACTOR_EINVAL, "start with NULL callbacks");
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &options, &callbacks, &s, NULL), REACTOR_EINVAL, "start with a NULL server pointer");
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &options, &no_data, &s, &server), REACTOR_EINVAL, "start without on_data");
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &options, &short_size, &s, &server), REACTOR_EINVAL, "start with callbacks.size too small");
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &tiny, &callbacks, &s, &server), REACTOR_EINVAL, "start with options.size too small");
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &too_many_loops, &callbacks, &s, &server), REACTOR_EINVAL, "start with 1000 loops");
    CHECK_RC(reactor_server_start("not-an-address", 0, &options, &callbacks, &s, &server), REACTOR_EINVAL, "start with a bad address");
    CHECK(strstr(reactor_last_error(), "not-an-address") != NULL, "last error quotes the bad address: %s", reactor_last_error());
    CHECK_RC(reactor_server_start("127.0.0.1", 70000, &options, &callbacks, &s, &server), REACTOR_EINVAL, "start with port 70000");
    CHECK_RC(reactor_server_start("192.0.2.1", 0, &options, &callbacks, &s, &server), REACTOR_EADDRNOTAVAIL, "start on an address not on this machine");
    CHECK(server == 0, "*server is untouched by failed starts");

    CHECK_RC(reactor_server_port(0), REACTOR_EBADF, "port of handle 0");
    CHECK_RC(reactor_server_port(-5), REACTOR_EBADF, "port of handle -5");
    CHECK_RC(reactor_server_stop(12345), REACTOR_EBADF, "stop of a never-issued handle");
    CHECK_RC(reactor_server_wait(12345, 0), REACTOR_EBADF, "wait of a never-issued handle");
    CHECK_RC(reactor_server_destroy(12345), REACTOR_EBADF, "destroy of a never-issued handle");
    CHECK_RC(reactor_send(0, "x", 1), REACTOR_ENOTCONN, "send on connection handle 0");
    CHECK_RC(reactor_send(0xdeadbeefcafef00dull, "x", 1), REACTOR_ENOTCONN, "send on a garbage connection handle");
    CHECK_RC(reactor_close(0xdeadbeefcafef00dull), REACTOR_ENOTCONN, "close of a garbage connection handle");
    CHECK_RC(reactor_send(1, NULL, 5), REACTOR_EINVAL, "send of NULL data");
}

static void test_echo(void)
{
    struct server_state s = { 0 };
    reactor_options options = { .size = sizeof options, .loop_count = 2 };
    int rc = reactor_server_start("127.0.0.1", 0, &options, &callbacks, &s, &s.server);
    CHECK_RC(rc, REACTOR_OK, "start on 127.0.0.1 port 0 with 2 loops");
    if (rc != REACTOR_OK) return;
    int port = reactor_server_port(s.server);
    CHECK(port > 0 && port < 65536, "reactor_server_port gives the bound port %d", port);

    /* Port in use: a second server on the same port is refused with EADDRINUSE. */
    reactor_server_t second = 0;
    CHECK_RC(reactor_server_start("127.0.0.1", port, &options, &callbacks, &s, &second), REACTOR_EADDRINUSE, "start on a port in use");
    CHECK(strstr(reactor_last_error(), "in use") != NULL, "last error says the address is in use: %s", reactor_last_error());

    /* 64 clients on 8 threads, 300 KB each, every byte compared. */
    enum { Clients = 64 };
    _Atomic int mismatches = 0;
    pthread_t threads[Clients];
    struct client_job jobs[Clients];
    for (int i = 0; i < Clients; i++) {
        jobs[i] = (struct client_job){ port, i, &mismatches };
        pthread_create(&threads[i], NULL, client_thread, &jobs[i]);
    }
    for (int i = 0; i < Clients; i++) pthread_join(threads[i], NULL);
    CHECK(atomic_load(&mismatches) == 0, "%d clients x 300 KB echoed intact (%d mismatched)", Clients, atomic_load(&mismatches));
    wait_for(&s.closed, Clients);
    CHECK(atomic_load(&s.opened) == Clients && atomic_load(&s.closed) == Clients, "on_open and on_close ran once per client (%d/%d)", atomic_load(&s.opened), atomic_load(&s.closed));
    CHECK(atomic_load(&s.close_reasons[REACTOR_CLOSE_PEER_CLOSED]) == Clients, "each closed with REACTOR_CLOSE_PEER_CLOSED");
    CHECK_RC(atomic_load(&s.send_in_on_close_rc), REACTOR_ENOTCONN, "reactor_send inside on_close");
    CHECK(atomic_load(&s.wrong_user) == 0, "on_data never got an empty buffer");
    CHECK_RC(reactor_server_destroy(s.server), REACTOR_OK, "destroy a running server");
}

/* One loop, so a callback can reach any connection's handle on its own thread. */
static void test_commands_and_stop(void)
{
    struct server_state s = { 0 };
    atomic_store(&s.stale_send_rc, Unset);
    atomic_store(&s.send_after_close_rc, Unset);
    atomic_store(&s.wait_in_callback_rc, Unset);
    atomic_store(&s.destroy_in_callback_rc, Unset);
    atomic_store(&s.stop_in_callback_rc, Unset);
    reactor_options options = { .size = sizeof options, .loop_count = 1 };
    int rc = reactor_server_start("127.0.0.1", 0, &options, &callbacks, &s, &s.server);
    CHECK_RC(rc, REACTOR_OK, "start with 1 loop");
    if (rc != REACTOR_OK) return;
    int port = reactor_server_port(s.server);

    /* A stale handle: the first connection is closed; sending to it from a callback fails. */
    int first = connect_to(port);
    wait_for(&s.opened, 1);
    close(first);
    wait_for(&s.closed, 1);
    int fd = connect_to(port);
    char reply;
    write_all(fd, "!s", 2);
    CHECK(read_exact(fd, &reply, 1) == 1 && reply == 'S', "command round trip");
    CHECK_RC(wait_set(&s.stale_send_rc), REACTOR_ENOTCONN, "reactor_send to a closed connection's handle from a callback");

    /* A command split over two writes: on_data consumed nothing of "!" and got it again. */
    write_all(fd, "!", 1);
    usleep(50000);
    write_all(fd, "w", 1);
    CHECK(read_exact(fd, &reply, 1) == 1 && reply == 'W', "a partly consumed message is passed again with the next bytes");
    CHECK_RC(wait_set(&s.wait_in_callback_rc), REACTOR_EDEADLK, "reactor_server_wait from a callback");
    CHECK_RC(wait_set(&s.destroy_in_callback_rc), REACTOR_EDEADLK, "reactor_server_destroy from a callback");

    /* Send after close, inside one callback. */
    int before = atomic_load(&s.close_reasons[REACTOR_CLOSE_LOCAL]);
    write_all(fd, "!c", 2);
    CHECK(reads_eof(fd), "reactor_close from a callback closes the connection");
    close(fd);
    CHECK_RC(wait_set(&s.send_after_close_rc), REACTOR_ENOTCONN, "reactor_send after reactor_close");
    wait_for(&s.close_reasons[REACTOR_CLOSE_LOCAL], before + 1);
    CHECK(atomic_load(&s.close_reasons[REACTOR_CLOSE_LOCAL]) == before + 1, "on_close reason REACTOR_CLOSE_LOCAL");

    /* Send and close from another thread (this one). */
    int opened = atomic_load(&s.opened);
    fd = connect_to(port);
    wait_for(&s.opened, opened + 1);
    reactor_conn_t conn = atomic_load(&s.last_conn);
    CHECK_RC(reactor_send(conn, "from main", 9), REACTOR_OK, "reactor_send from a foreign thread");
    char text[10] = { 0 };
    CHECK(read_exact(fd, text, 9) == 9 && strcmp(text, "from main") == 0, "the foreign-thread send arrives: \"%s\"", text);
    CHECK_RC(reactor_close(conn), REACTOR_OK, "reactor_close from a foreign thread");
    CHECK(reads_eof(fd), "the foreign-thread close closes the connection");
    close(fd);

    /* Wait on a running server times out. */
    CHECK_RC(reactor_server_wait(s.server, 50), REACTOR_ETIMEDOUT, "reactor_server_wait(50 ms) on a running server");

    /* Stop from a callback, with another client still connected: it sees EOF. */
    int idle = connect_to(port);
    fd = connect_to(port);
    write_all(fd, "!q", 2);
    CHECK(reads_eof(idle), "stop closes an idle connection");
    CHECK(reads_eof(fd), "stop closes the connection that asked for it");
    close(idle);
    close(fd);
    CHECK_RC(wait_set(&s.stop_in_callback_rc), REACTOR_OK, "reactor_server_stop from a callback");
    CHECK_RC(reactor_server_stop(s.server), REACTOR_EALREADY, "a second reactor_server_stop");
    CHECK_RC(reactor_server_wait(s.server, 5000), REACTOR_OK, "reactor_server_wait after stop");
    CHECK(atomic_load(&s.close_reasons[REACTOR_CLOSE_SHUTDOWN]) >= 1, "on_close reason REACTOR_CLOSE_SHUTDOWN for the idle connection");
    CHECK(atomic_load(&s.opened) == atomic_load(&s.closed), "every opened connection was closed (%d/%d)", atomic_load(&s.opened), atomic_load(&s.closed));

    /* The stopped server's port is free again. */
    reactor_server_t again = 0;
    CHECK_RC(reactor_server_start("127.0.0.1", port, &options, &callbacks, &s, &again), REACTOR_OK, "start again on the freed port");
    CHECK_RC(reactor_server_destroy(again), REACTOR_OK, "destroy the new server");

    CHECK_RC(reactor_server_destroy(s.server), REACTOR_OK, "destroy the stopped server");
    CHECK_RC(reactor_server_destroy(s.server), REACTOR_EBADF, "destroy twice");
    CHECK_RC(reactor_server_port(s.server), REACTOR_EBADF, "port of a destroyed server");
    CHECK_RC(reactor_send(conn, "x", 1), REACTOR_ENOTCONN, "send on a connection of a destroyed server");
}

/* A destroyed server's connection handle must not reach the connection of the server that
   takes its table entry, although that connection gets the same loop, slot and slot generation. */
static void test_handle_of_destroyed_server(void)
{
    struct server_state a = { 0 }, b = { 0 };
    reactor_options options = { .size = sizeof options, .loop_count = 1 };
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &options, &callbacks, &a, &a.server), REACTOR_OK, "start server A");
    int fd = connect_to(reactor_server_port(a.server));
    wait_for(&a.opened, 1);
    reactor_conn_t old = atomic_load(&a.first_conn);
    CHECK_RC(reactor_server_destroy(a.server), REACTOR_OK, "destroy server A with a connection open");
    close(fd);

    atomic_store(&b.first_conn, old);   /* B's '!s' command sends to A's old connection */
    atomic_store(&b.stale_send_rc, Unset);
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &options, &callbacks, &b, &b.server), REACTOR_OK, "start server B");
    CHECK(((a.server - 1) & 63) == ((b.server - 1) & 63), "B took A's table entry");
    fd = connect_to(reactor_server_port(b.server));
    char reply = 0;
    write_all(fd, "!s", 2);
    CHECK(read_exact(fd, &reply, 1) == 1 && reply == 'S', "B's connection got only its own reply ('%c')", reply);
    CHECK_RC(wait_set(&b.stale_send_rc), REACTOR_ENOTCONN, "send on a destroyed server's connection handle");
    close(fd);
    CHECK_RC(reactor_server_destroy(b.server), REACTOR_OK, "destroy server B");
}

static void test_ipv6_and_limit(void)
{
    struct server_state s = { 0 };
    reactor_server_t server = 0;
    CHECK_RC(reactor_server_start("::1", 0, NULL, &callbacks, &s, &server), REACTOR_OK, "start on ::1 with NULL options");
    if (server != 0) CHECK_RC(reactor_server_destroy(server), REACTOR_OK, "destroy the ::1 server");

    /* Handles are not reused: a destroyed server's handle stays invalid after its slot is taken. */
    reactor_options options = { .size = sizeof options, .loop_count = 1 };
    reactor_server_t servers[65] = { 0 };
    int started = 0, rc = 0;
    for (; started < 65; started++) {
        rc = reactor_server_start("127.0.0.1", 0, &options, &callbacks, &s, &servers[started]);
        if (rc != REACTOR_OK) break;
    }
    CHECK(started == 64, "64 servers run at once (%d started)", started);
    CHECK_RC(rc, REACTOR_ELIMIT, "the 65th server");
    CHECK(servers[0] != server, "a reused table entry gets a new handle (%d vs %d)", servers[0], server);
    CHECK_RC(reactor_server_port(server), REACTOR_EBADF, "the old handle stays invalid");
    int destroyed = 0;
    for (int i = 0; i < started; i++) destroyed += reactor_server_destroy(servers[i]) == REACTOR_OK;
    CHECK(destroyed == started, "all %d destroyed", started);
}

/* ---- framing: on_data gets whole messages ---- */

struct framed_state {
    _Atomic int frames, empty_frames, protocol_errors, closed;
    _Atomic size_t largest;
    int framing;
};

/* Echoes each message back framed the same way; the return value is ignored with framing. */
static size_t on_frame(reactor_conn_t conn, const uint8_t *data, size_t length, void *user)
{
    struct framed_state *s = user;
    atomic_fetch_add(&s->frames, 1);
    if (length == 0) atomic_fetch_add(&s->empty_frames, 1);
    if (length > atomic_load(&s->largest)) atomic_store(&s->largest, length);
    if (s->framing == REACTOR_FRAMING_U32_BE) {
        uint32_t header = htonl((uint32_t)length);
        reactor_send(conn, &header, 4);
        reactor_send(conn, data, length);
    } else {
        reactor_send(conn, data, length);
        reactor_send(conn, "\n", 1);
    }
    return 0;
}

static void on_framed_close(reactor_conn_t conn, int reason, uint64_t unsent, void *user)
{
    struct framed_state *s = user;
    (void)conn;
    (void)unsent;
    if (reason == REACTOR_CLOSE_PROTOCOL_ERROR) atomic_fetch_add(&s->protocol_errors, 1);
    atomic_fetch_add(&s->closed, 1);
}

static const reactor_callbacks framed_callbacks = { sizeof framed_callbacks, NULL, on_frame, on_framed_close };

static void test_u32_framing(void)
{
    struct framed_state s = { .framing = REACTOR_FRAMING_U32_BE };
    reactor_server_t server = 0;
    reactor_options options = { .size = sizeof options, .loop_count = 1, .framing = REACTOR_FRAMING_U32_BE, .max_frame_bytes = 200000 };
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &options, &framed_callbacks, &s, &server), REACTOR_OK, "start with REACTOR_FRAMING_U32_BE");
    if (server == 0) return;
    int fd = connect_to(reactor_server_port(server));

    /* An empty message, a 5-byte one and a 150000-byte one (larger than a read) in one stream,
       written in uneven pieces that split headers and payloads. */
    enum { Big = 150000 };
    static uint8_t stream[4 + 4 + 5 + 4 + Big], back[sizeof stream];
    uint32_t n0 = htonl(0), n5 = htonl(5), nbig = htonl(Big);
    memcpy(stream, &n0, 4);
    memcpy(stream + 4, &n5, 4);
    memcpy(stream + 8, "hello", 5);
    memcpy(stream + 13, &nbig, 4);
    for (int i = 0; i < Big; i++) stream[17 + i] = (uint8_t)(i * 7);
    size_t cuts[] = { 3, 6, 11, 15, 20000, sizeof stream };
    size_t at = 0;
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        write_all(fd, stream + at, cuts[i] - at);
        at = cuts[i];
        usleep(2000);
    }
    CHECK(read_exact(fd, back, sizeof stream) == (ssize_t)sizeof stream && memcmp(stream, back, sizeof stream) == 0,
        "u32 framing: 0-, 5- and %d-byte messages split across writes come back whole", Big);
    CHECK(atomic_load(&s.frames) == 3 && atomic_load(&s.empty_frames) == 1 && atomic_load(&s.largest) == Big,
        "on_data ran once per message (%d calls, %d empty, largest %zu)", atomic_load(&s.frames), atomic_load(&s.empty_frames), atomic_load(&s.largest));

    /* A header over max_frame_bytes closes the connection as a protocol error. */
    uint32_t too_big = htonl(200001);
    write_all(fd, &too_big, 4);
    CHECK(reads_eof(fd), "u32 framing: a message over max_frame_bytes closes the connection");
    close(fd);
    wait_for(&s.closed, 1);
    CHECK(atomic_load(&s.protocol_errors) == 1, "on_close reason REACTOR_CLOSE_PROTOCOL_ERROR");
    CHECK_RC(reactor_server_destroy(server), REACTOR_OK, "destroy the u32-framed server");
}

static void test_line_framing(void)
{
    struct framed_state s = { .framing = REACTOR_FRAMING_LINE };
    reactor_server_t server = 0;
    reactor_options options = { .size = sizeof options, .loop_count = 1, .framing = REACTOR_FRAMING_LINE, .max_frame_bytes = 10 };
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &options, &framed_callbacks, &s, &server), REACTOR_OK, "start with REACTOR_FRAMING_LINE");
    if (server == 0) return;
    int fd = connect_to(reactor_server_port(server));
    write_all(fd, "one\r\ntw", 7);
    usleep(2000);
    write_all(fd, "o\n\n0123456789\n", 14);
    char back[32] = { 0 };
    const char *expected = "one\ntwo\n\n0123456789\n";
    CHECK(read_exact(fd, back, strlen(expected)) == (ssize_t)strlen(expected) && strcmp(back, expected) == 0,
        "line framing: lines split across writes come back without \\r (\"%s\")", back);
    CHECK(atomic_load(&s.frames) == 4 && atomic_load(&s.empty_frames) == 1, "on_data ran once per line (%d calls)", atomic_load(&s.frames));
    write_all(fd, "01234567890\n", 12);
    CHECK(reads_eof(fd), "line framing: a line over max_frame_bytes closes the connection");
    close(fd);
    wait_for(&s.closed, 1);
    CHECK(atomic_load(&s.protocol_errors) == 1, "on_close reason REACTOR_CLOSE_PROTOCOL_ERROR");
    CHECK_RC(reactor_server_destroy(server), REACTOR_OK, "destroy the line-framed server");

    reactor_options bad = { .size = sizeof bad, .framing = 3 };
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &bad, &framed_callbacks, &s, &server), REACTOR_EINVAL, "start with framing 3");
    CHECK(strstr(reactor_last_error(), "framing") != NULL, "last error names the framing: %s", reactor_last_error());
}

/* ---- defects a first user found, each fixed ---- */

static void *stop_later(void *arg)
{
    struct server_state *s = arg;
    usleep(100000);
    atomic_store(&s->opened, 1);   /* marks "stop was called" before stopping */
    reactor_server_stop(s->server);
    return NULL;
}

/* The first connection, arriving while reactor_server_start has not yet returned, is served: its
   callbacks' sends find the server. (They once failed with ENOTCONN: the server entered the handle
   table only after its loops had started.) A client thread connects in a tight loop meanwhile. */
struct early_client { int port; _Atomic int echoed; };

static void *connect_early(void *arg)
{
    struct early_client *e = arg;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)e->port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int attempt = 0; attempt < 200000; attempt++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
            struct timeval tv = { .tv_sec = 5 };
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            char back = 0;
            write_all(fd, "e", 1);
            atomic_store(&e->echoed, recv(fd, &back, 1, 0) == 1 && back == 'e');
            close(fd);
            return NULL;
        }
        close(fd);
    }
    atomic_store(&e->echoed, 0);
    return NULL;
}

static void test_first_connection_served(void)
{
    enum { Runs = 20 };
    int served = 0;
    for (int run = 0; run < Runs; run++) {
        struct early_client e = { free_port(), Unset };
        pthread_t client;
        pthread_create(&client, NULL, connect_early, &e);
        struct server_state s = { 0 };
        reactor_options options = { .size = sizeof options, .loop_count = 1 };
        reactor_server_t server = 0;
        int rc = reactor_server_start("127.0.0.1", e.port, &options, &callbacks, &s, &server);
        pthread_join(client, NULL);
        served += rc == REACTOR_OK && atomic_load(&e.echoed) == 1;
        if (server != 0) reactor_server_destroy(server);
    }
    CHECK(served == Runs, "a connection made while the server starts is echoed, %d of %d starts", served, Runs);
}

static void test_wait_forever(void)
{
    struct server_state s = { 0 };
    reactor_options options = { .size = sizeof options, .loop_count = 1 };
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &options, &callbacks, &s, &s.server), REACTOR_OK, "start for a wait without timeout");
    pthread_t stopper;
    pthread_create(&stopper, NULL, stop_later, &s);
    CHECK_RC(reactor_server_wait(s.server, -1), REACTOR_OK, "reactor_server_wait(-1) waits until the server stops");
    CHECK(atomic_load(&s.opened) == 1, "reactor_server_wait(-1) returned only after reactor_server_stop");
    pthread_join(stopper, NULL);
    CHECK_RC(reactor_server_destroy(s.server), REACTOR_OK, "destroy after the wait");
}

/* A broadcaster: on "!b" it resets the other client's socket itself, then sends to that client's
   connection, which finds the peer gone. That connection's on_close must not run inside on_data. */
struct broadcast_state {
    _Atomic uint64_t conns[2];
    _Atomic int opened, in_on_data, nested_close, closed_reset, send_rc;
    int victim_fd;                 /* the client socket of the second connection */
};

static void on_broadcast_open(reactor_conn_t conn, void *user)
{
    struct broadcast_state *s = user;
    atomic_store(&s->conns[atomic_fetch_add(&s->opened, 1)], conn);
}

static size_t on_broadcast_data(reactor_conn_t conn, const uint8_t *data, size_t length, void *user)
{
    struct broadcast_state *s = user;
    (void)data;
    atomic_store(&s->in_on_data, 1);
    struct linger reset = { 1, 0 };
    setsockopt(s->victim_fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    close(s->victim_fd);           /* loopback delivers the RST before close returns */
    reactor_conn_t victim = atomic_load(&s->conns[1]);
    int rc = 0;
    for (int i = 0; i < 8 && rc == 0; i++) rc = reactor_send(victim, "broadcast", 9);
    atomic_store(&s->send_rc, rc);
    reactor_send(conn, "B", 1);
    atomic_store(&s->in_on_data, 0);
    return length;
}

static void on_broadcast_close(reactor_conn_t conn, int reason, uint64_t unsent, void *user)
{
    struct broadcast_state *s = user;
    (void)unsent;
    if (conn == atomic_load(&s->conns[1])) {
        if (atomic_load(&s->in_on_data)) atomic_store(&s->nested_close, 1);
        if (reason == REACTOR_CLOSE_RESET || reason == REACTOR_CLOSE_ERROR) atomic_store(&s->closed_reset, 1);
    }
}

static void test_close_never_nested(void)
{
    static const reactor_callbacks broadcast = { sizeof broadcast, on_broadcast_open, on_broadcast_data, on_broadcast_close };
    struct broadcast_state s = { 0 };
    reactor_server_t server = 0;
    reactor_options options = { .size = sizeof options, .loop_count = 1 };
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &options, &broadcast, &s, &server), REACTOR_OK, "start the broadcaster");
    int port = reactor_server_port(server);
    int sender = connect_to(port);
    wait_for(&s.opened, 1);
    s.victim_fd = connect_to(port);
    wait_for(&s.opened, 2);
    char reply = 0;
    write_all(sender, "!b", 2);
    CHECK(read_exact(sender, &reply, 1) == 1 && reply == 'B', "the broadcaster answered");
    CHECK(atomic_load(&s.send_rc) == REACTOR_ENOTCONN, "a send to the reset peer failed inside the callback (%d)", atomic_load(&s.send_rc));
    wait_for(&s.closed_reset, 1);   /* on_close runs in the deferred pass, after the reply went out */
    CHECK(atomic_load(&s.closed_reset) == 1, "the reset connection's on_close ran with RESET or ERROR");
    CHECK(atomic_load(&s.nested_close) == 0, "its on_close ran after the callback that found it gone, not inside reactor_send");
    close(sender);
    CHECK_RC(reactor_server_destroy(server), REACTOR_OK, "destroy the broadcaster");
}

/* Every message is plain English on one line: no resource keys, no line breaks. */
static int plain_message(const char *m)
{
    return m[0] != '\0' && strchr(m, '\n') == NULL && strstr(m, "Arg_") == NULL && strstr(m, "_Name") == NULL;
}

static void test_plain_messages_and_addresses(void)
{
    struct server_state s = { 0 };
    reactor_server_t server = 0;
    reactor_options tiny_pending = { .size = sizeof tiny_pending, .max_pending_bytes = 100 };
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &tiny_pending, &callbacks, &s, &server), REACTOR_EINVAL, "max_pending_bytes below 16 KiB");
    CHECK(plain_message(reactor_last_error()) && strstr(reactor_last_error(), "MaxPendingBytes is 100") != NULL,
        "the message is one plain line: %s", reactor_last_error());
    reactor_options all_ones = { .size = sizeof all_ones, .loop_count = 0xFFFFFFFFu };
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &all_ones, &callbacks, &s, &server), REACTOR_EINVAL, "loop_count 0xFFFFFFFF");
    CHECK(plain_message(reactor_last_error()), "the message is one plain line: %s", reactor_last_error());

    reactor_options options = { .size = sizeof options, .loop_count = 1 };
    CHECK_RC(reactor_server_start("LOCALHOST", 0, &options, &callbacks, &s, &server), REACTOR_OK, "\"LOCALHOST\" is localhost");
    if (server != 0) CHECK_RC(reactor_server_destroy(server), REACTOR_OK, "destroy the LOCALHOST server");

    server = 0;
    CHECK_RC(reactor_server_start("::", 0, &options, &callbacks, &s, &server), REACTOR_OK, "start on \"::\"");
    if (server == 0) return;
    int fd = connect_to(reactor_server_port(server));   /* an IPv4 client */
    char back[5] = { 0 };
    write_all(fd, "dual", 4);
    CHECK(read_exact(fd, back, 4) == 4 && strcmp(back, "dual") == 0, "\"::\" serves an IPv4 client (dual-stack)");
    close(fd);
    CHECK_RC(reactor_server_destroy(server), REACTOR_OK, "destroy the :: server");
}

/* ---- socket options: set through reactor_options, read back from the kernel ---- */

static int sysctl_int(const char *path)
{
    FILE *f = fopen(path, "r");
    int value = -1;
    if (f == NULL || fscanf(f, "%d", &value) != 1) value = -1;
    if (f != NULL) fclose(f);
    return value;
}

static int get_int(int fd, int level, int name)
{
    int value = -1;
    socklen_t length = sizeof value;
    return getsockopt(fd, level, name, &value, &length) == 0 ? value : -1;
}

static int port_of(const struct sockaddr_in *a) { return ntohs(a->sin_port); }

/* The server's own socket in this process: its listener (peer_port 0) or the connection it accepted
   from a client on peer_port. -1 when there is none. */
static int find_server_socket(int port, int peer_port)
{
    for (int fd = 3; fd < 4096; fd++) {
        struct sockaddr_in local, peer;
        socklen_t length = sizeof local;
        if (getsockname(fd, (struct sockaddr *)&local, &length) != 0 || local.sin_family != AF_INET || port_of(&local) != port) continue;
        length = sizeof peer;
        int connected = getpeername(fd, (struct sockaddr *)&peer, &length) == 0;
        if (peer_port == 0 ? get_int(fd, SOL_SOCKET, SO_ACCEPTCONN) == 1 : connected && port_of(&peer) == peer_port) return fd;
    }
    return -1;
}

static void test_socket_options(void)
{
    struct server_state s = { 0 };
    reactor_server_t server = 0;
    reactor_options options = { .size = sizeof options, .loop_count = 1, .backlog = 16,
        .rcvbuf_bytes = 50000, .sndbuf_bytes = 40000, .nodelay = REACTOR_NODELAY_OFF,
        .keepalive_idle_s = 33, .keepalive_interval_s = 7, .keepalive_count = 4 };
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &options, &callbacks, &s, &server), REACTOR_OK, "start with socket options");
    if (server == 0) return;
    int port = reactor_server_port(server);
    CHECK(reactor_server_sockopt(server, REACTOR_SOCKOPT_RCVBUF) == 100000, "rcvbuf 50000 is 100000 in effect (doubled): %d", reactor_server_sockopt(server, REACTOR_SOCKOPT_RCVBUF));
    CHECK(reactor_server_sockopt(server, REACTOR_SOCKOPT_SNDBUF) == 80000, "sndbuf 40000 is 80000 in effect: %d", reactor_server_sockopt(server, REACTOR_SOCKOPT_SNDBUF));
    CHECK(reactor_server_sockopt(server, REACTOR_SOCKOPT_NODELAY) == 0, "nodelay off in effect");
    CHECK(reactor_server_sockopt(server, REACTOR_SOCKOPT_KEEPALIVE) == 1
        && reactor_server_sockopt(server, REACTOR_SOCKOPT_KEEPALIVE_IDLE_S) == 33
        && reactor_server_sockopt(server, REACTOR_SOCKOPT_KEEPALIVE_INTERVAL_S) == 7
        && reactor_server_sockopt(server, REACTOR_SOCKOPT_KEEPALIVE_COUNT) == 4, "keep-alive 33 s, 7 s, 4 probes in effect");
    CHECK(reactor_server_sockopt(server, REACTOR_SOCKOPT_BACKLOG) == 16, "backlog 16 in effect: %d", reactor_server_sockopt(server, REACTOR_SOCKOPT_BACKLOG));

    /* The accepted socket, read with getsockopt in this very process: it inherited every option. */
    int client = connect_to(port);
    wait_for(&s.opened, 1);
    struct sockaddr_in mine;
    socklen_t length = sizeof mine;
    getsockname(client, (struct sockaddr *)&mine, &length);
    int accepted = find_server_socket(port, port_of(&mine));
    CHECK(accepted >= 0, "found the accepted socket (fd %d)", accepted);
    if (accepted >= 0) {
        CHECK(get_int(accepted, SOL_SOCKET, SO_RCVBUF) == 100000 && get_int(accepted, SOL_SOCKET, SO_SNDBUF) == 80000,
            "accepted socket: SO_RCVBUF %d, SO_SNDBUF %d", get_int(accepted, SOL_SOCKET, SO_RCVBUF), get_int(accepted, SOL_SOCKET, SO_SNDBUF));
        CHECK(get_int(accepted, IPPROTO_TCP, TCP_NODELAY) == 0, "accepted socket: TCP_NODELAY off");
        CHECK(get_int(accepted, SOL_SOCKET, SO_KEEPALIVE) == 1 && get_int(accepted, IPPROTO_TCP, TCP_KEEPIDLE) == 33
            && get_int(accepted, IPPROTO_TCP, TCP_KEEPINTVL) == 7 && get_int(accepted, IPPROTO_TCP, TCP_KEEPCNT) == 4,
            "accepted socket: SO_KEEPALIVE, TCP_KEEPIDLE 33, TCP_KEEPINTVL 7, TCP_KEEPCNT 4");
    }
    close(client);
    CHECK_RC(reactor_server_sockopt(server, 99), REACTOR_EINVAL, "an unknown reactor_sockopt");
    CHECK_RC(reactor_server_destroy(server), REACTOR_OK, "destroy the socket-option server");
    CHECK_RC(reactor_server_sockopt(server, REACTOR_SOCKOPT_RCVBUF), REACTOR_EBADF, "sockopt of a destroyed server");

    /* Values the kernel caps are reported as they are in effect. */
    int rmem_max = sysctl_int("/proc/sys/net/core/rmem_max"), somaxconn = sysctl_int("/proc/sys/net/core/somaxconn");
    reactor_options big = { .size = sizeof big, .loop_count = 1, .rcvbuf_bytes = 1u << 30, .backlog = 1u << 30 };
    server = 0;
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &big, &callbacks, &s, &server), REACTOR_OK, "start with a 1 GiB rcvbuf and backlog");
    if (server != 0) {
        int rcvbuf = reactor_server_sockopt(server, REACTOR_SOCKOPT_RCVBUF);
        int listener = find_server_socket(reactor_server_port(server), 0);
        CHECK(rcvbuf == 2 * rmem_max && rcvbuf < (1 << 30) && listener >= 0 && get_int(listener, SOL_SOCKET, SO_RCVBUF) == rcvbuf,
            "1 GiB rcvbuf: %d in effect, twice net.core.rmem_max (%d), as getsockopt reads on the listener", rcvbuf, rmem_max);
        CHECK(reactor_server_sockopt(server, REACTOR_SOCKOPT_BACKLOG) == somaxconn, "backlog capped at net.core.somaxconn (%d): %d",
            somaxconn, reactor_server_sockopt(server, REACTOR_SOCKOPT_BACKLOG));
        CHECK(reactor_server_sockopt(server, REACTOR_SOCKOPT_NODELAY) == 1 && reactor_server_sockopt(server, REACTOR_SOCKOPT_KEEPALIVE) == 0,
            "by default nodelay is on and keep-alive off");
        CHECK_RC(reactor_server_destroy(server), REACTOR_OK, "destroy the capped server");
    }

    /* A caller built before the socket options passes a smaller size: what lies beyond it is not read. */
    reactor_options old = { .size = offsetof(reactor_options, rcvbuf_bytes), .loop_count = 1, .nodelay = REACTOR_NODELAY_OFF, .keepalive_count = 500 };
    server = 0;
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &old, &callbacks, &s, &server), REACTOR_OK, "start with the older, smaller reactor_options");
    if (server != 0) {
        CHECK(reactor_server_sockopt(server, REACTOR_SOCKOPT_NODELAY) == 1, "fields beyond `size` are ignored: nodelay stays on");
        CHECK_RC(reactor_server_destroy(server), REACTOR_OK, "destroy the older-options server");
    }

    reactor_options bad_nodelay = { .size = sizeof bad_nodelay, .nodelay = 3 };
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &bad_nodelay, &callbacks, &s, &server), REACTOR_EINVAL, "nodelay 3");
    CHECK(plain_message(reactor_last_error()) && strstr(reactor_last_error(), "nodelay 3") != NULL, "one plain line: %s", reactor_last_error());
    reactor_options bad_idle = { .size = sizeof bad_idle, .keepalive_idle_s = 40000 };
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &bad_idle, &callbacks, &s, &server), REACTOR_EINVAL, "keepalive_idle_s 40000");
    CHECK(plain_message(reactor_last_error()) && strstr(reactor_last_error(), "keepalive_idle_s 40000") != NULL, "one plain line: %s", reactor_last_error());
    reactor_options count_alone = { .size = sizeof count_alone, .keepalive_count = 3 };
    CHECK_RC(reactor_server_start("127.0.0.1", 0, &count_alone, &callbacks, &s, &server), REACTOR_EINVAL, "keepalive_count without keepalive_idle_s");
    CHECK(plain_message(reactor_last_error()) && strstr(reactor_last_error(), "need keepalive_idle_s") != NULL, "one plain line: %s", reactor_last_error());
}

int main(void)
{
    test_version_and_errors();
    test_bad_arguments();
    test_echo();
    test_commands_and_stop();
    test_handle_of_destroyed_server();
    test_ipv6_and_limit();
    test_u32_framing();
    test_line_framing();
    test_wait_forever();
    test_first_connection_served();
    test_close_never_nested();
    test_plain_messages_and_addresses();
    test_socket_options();
    printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}

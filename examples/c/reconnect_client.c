/*
 * A TCP client in C on Reactor's static library that stays connected: it connects, sends
 * "ping N" lines on a timer, prints the lines that come back, and when the connect fails or the
 * connection drops it tries again after a backoff that doubles (100 ms up to 5 s). SIGINT or
 * SIGTERM makes it say "bye", close gracefully and exit 0. Try it against any line echo:
 *
 *   ./build.sh
 *   gcc examples/c/reconnect_client.c $(cat artifacts/lib/reactor.ldflags) -o reconnect_client
 *   ./reconnect_client --port 7000 [--host 127.0.0.1] [--interval 500]   # and: reactor echo --port 7000
 *
 * It uses the ABI v2 calls together: reactor_loops_start (loops that listen nowhere),
 * reactor_connect, timers (the backoff and the pings), per-connection data, the peer and local
 * address, reactor_pending_bytes (no ping while the last ones are still queued), and reactor_post
 * (the signal thread hands the goodbye to the loop).
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reactor.h"

enum { FirstBackoffMs = 100, MaxBackoffMs = 5000, ConnectTimeoutMs = 2000, MaxQueuedBytes = 64 * 1024 };

/* The client: touched only on its one loop thread, except `stopping` and `done` (the signal thread). */
struct client {
    reactor_server_t loops;
    const char *host;
    int port, interval_ms, backoff_ms;
    reactor_conn_t conn;            /* 0 while not connected */
    reactor_timer_t ping_timer;
    _Atomic int stopping;
    pthread_mutex_t lock;
    pthread_cond_t done_changed;
    int done;
};

/* What the client keeps with each connection (reactor_conn_set_data). */
struct session {
    unsigned long sent, received;
};

static void on_connect(reactor_conn_t conn, int status, void *arg);

static void finish(struct client *c)
{
    pthread_mutex_lock(&c->lock);
    c->done = 1;
    pthread_cond_signal(&c->done_changed);
    pthread_mutex_unlock(&c->lock);
}

static int connect_now(struct client *c)
{
    return reactor_connect(c->loops, 0, c->host, c->port, ConnectTimeoutMs, on_connect, c);
}

static void on_retry(reactor_timer_t timer, void *arg)
{
    (void)timer;
    if (connect_now(arg) != REACTOR_OK) finish(arg);   /* only when stopping: the address was checked at start */
}

static void reconnect_later(struct client *c, const char *why)
{
    if (c->stopping) {
        finish(c);
        return;
    }
    printf("%s; retrying in %d ms\n", why, c->backoff_ms);
    fflush(stdout);
    reactor_timer_start(c->loops, 0, (uint64_t)c->backoff_ms, 0, on_retry, c, NULL);
}

static void on_ping(reactor_timer_t timer, void *arg)
{
    struct client *c = arg;
    struct session *s = NULL;
    uint64_t queued = 0;
    (void)timer;
    if (c->conn == 0 || reactor_conn_get_data(c->conn, (void **)&s) != REACTOR_OK) return;
    /* Our own backpressure: a peer that stopped reading gets no more pings until it catches up. */
    if (reactor_pending_bytes(c->conn, &queued) != REACTOR_OK || queued > MaxQueuedBytes) return;
    char line[32];
    int n = snprintf(line, sizeof line, "ping %lu\n", ++s->sent);
    reactor_send(c->conn, line, (size_t)n);
}

static void on_connect(reactor_conn_t conn, int status, void *arg)
{
    struct client *c = arg;
    if (status != REACTOR_OK) {
        char why[160];
        snprintf(why, sizeof why, "connect to %s:%d failed: %s", c->host, c->port, reactor_strerror(status));
        reconnect_later(c, why);
        c->backoff_ms = c->backoff_ms * 2 < MaxBackoffMs ? c->backoff_ms * 2 : MaxBackoffMs;
        return;
    }
    c->conn = conn;
    c->backoff_ms = FirstBackoffMs;
    reactor_conn_set_data(conn, calloc(1, sizeof(struct session)));
    struct sockaddr_storage peer, local;
    char peer_text[REACTOR_ADDRESS_TEXT_MAX] = "?", local_text[REACTOR_ADDRESS_TEXT_MAX] = "?";
    if (reactor_conn_peer_address(conn, &peer) == REACTOR_OK) reactor_format_address((struct sockaddr *)&peer, peer_text, sizeof peer_text);
    if (reactor_conn_local_address(conn, &local) == REACTOR_OK) reactor_format_address((struct sockaddr *)&local, local_text, sizeof local_text);
    printf("connected to %s from %s\n", peer_text, local_text);
    fflush(stdout);
    reactor_timer_start(c->loops, 0, 0, (uint64_t)c->interval_ms, on_ping, c, &c->ping_timer);
}

/* With REACTOR_FRAMING_LINE, one reply line per call. */
static size_t on_line(reactor_conn_t conn, const uint8_t *line, size_t length, void *user)
{
    struct session *s = NULL;
    (void)user;
    if (reactor_conn_get_data(conn, (void **)&s) == REACTOR_OK && s != NULL) s->received++;
    printf("reply: %.*s\n", (int)length, (const char *)line);
    fflush(stdout);
    return length;
}

static void on_close(reactor_conn_t conn, int reason, uint64_t unsent, void *user)
{
    struct client *c = user;
    struct session *s = NULL;
    reactor_conn_get_data(conn, (void **)&s);
    reactor_timer_cancel(c->ping_timer);
    c->conn = 0;
    char why[160];
    snprintf(why, sizeof why, "connection closed (reason %d) after %lu pings and %lu replies, %llu bytes unsent",
             reason, s ? s->sent : 0, s ? s->received : 0, (unsigned long long)unsent);
    free(s);
    reconnect_later(c, why);
}

/* Posted from the signal thread: runs on the loop, where the connection lives. */
static void say_goodbye(void *arg)
{
    struct client *c = arg;
    if (c->conn == 0) {
        finish(c);   /* between connections: a pending retry timer finds `stopping` set */
        return;
    }
    reactor_send(c->conn, "bye\n", 4);
    reactor_close(c->conn);   /* on_close sees `stopping` and finishes */
}

static int usage(const char *message)
{
    fprintf(stderr, "reconnect_client: %s\nusage: reconnect_client --port P [--host ADDRESS] [--interval MS]\n", message);
    return 2;
}

int main(int argc, char **argv)
{
    struct client c = { .host = "127.0.0.1", .interval_ms = 500, .backoff_ms = FirstBackoffMs,
                        .lock = PTHREAD_MUTEX_INITIALIZER, .done_changed = PTHREAD_COND_INITIALIZER };
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) c.port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc) c.host = argv[++i];
        else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) c.interval_ms = atoi(argv[++i]);
        else return usage("unknown or incomplete flag");
    }
    if (c.port < 1 || c.port > 65535) return usage("--port must be 1 to 65535");
    if (c.interval_ms < 1) return usage("--interval must be at least 1 ms");

    /* Block the stop signals in every thread (the loop inherits this mask) and take them here. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    reactor_options options = { .size = sizeof options, .loop_count = 1, .framing = REACTOR_FRAMING_LINE };
    reactor_callbacks callbacks = { .size = sizeof callbacks, .on_data = on_line, .on_close = on_close };
    if (reactor_loops_start(&options, &callbacks, &c, &c.loops) != REACTOR_OK) {
        fprintf(stderr, "reconnect_client: %s\n", reactor_last_error());
        return 1;
    }
    if (connect_now(&c) != REACTOR_OK) {   /* e.g. a bad address */
        fprintf(stderr, "reconnect_client: %s\n", reactor_last_error());
        reactor_server_destroy(c.loops);
        return 1;
    }

    int signal_number = 0;
    sigwait(&stop, &signal_number);
    c.stopping = 1;
    reactor_post(c.loops, 0, say_goodbye, &c);
    pthread_mutex_lock(&c.lock);
    while (!c.done) pthread_cond_wait(&c.done_changed, &c.lock);
    pthread_mutex_unlock(&c.lock);
    reactor_server_destroy(c.loops);
    printf("stopped\n");
    return 0;
}

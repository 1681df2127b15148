/*
 * An echo server in C on Reactor's static library: every byte comes back, with `--upper` the
 * ASCII letters upper-cased. Stops cleanly on SIGINT/SIGTERM.
 *
 *   ./build.sh                                        # artifacts/lib/libreactor.a, reactor.h, reactor.ldflags
 *   gcc examples/c/echo_server.c $(cat artifacts/lib/reactor.ldflags) -o echo_server
 *   ./echo_server --port 7000 [--threads N] [--upper]
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reactor.h"

static size_t echo(reactor_conn_t conn, const uint8_t *data, size_t length, void *user)
{
    (void)user;
    reactor_send(conn, data, length);   /* copies what the kernel does not take at once */
    return length;
}

static size_t upper(reactor_conn_t conn, const uint8_t *data, size_t length, void *user)
{
    (void)user;
    uint8_t out[4096];
    for (size_t done = 0; done < length;) {
        size_t n = length - done < sizeof out ? length - done : sizeof out;
        for (size_t i = 0; i < n; i++) {
            uint8_t b = data[done + i];
            out[i] = (b >= 'a' && b <= 'z') ? (uint8_t)(b - 32) : b;
        }
        if (reactor_send(conn, out, n) != REACTOR_OK) break;
        done += n;
    }
    return length;
}

static int usage(const char *message)
{
    fprintf(stderr, "echo_server: %s\nusage: echo_server [--port P] [--threads N] [--upper]\n", message);
    return 2;
}

int main(int argc, char **argv)
{
    int port = 7000;
    reactor_options options = { .size = sizeof options };
    reactor_callbacks callbacks = { .size = sizeof callbacks, .on_data = echo };
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--upper") == 0) callbacks.on_data = upper;
        else if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) port = atoi(argv[++i]);
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) options.loop_count = (uint32_t)atoi(argv[++i]);
        else return usage("unknown or incomplete flag");
    }

    /* Block the stop signals in every thread (the loops inherit this mask) and take them here. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    reactor_server_t server;
    int rc = reactor_server_start("127.0.0.1", port, &options, &callbacks, NULL, &server);
    if (rc != REACTOR_OK) {
        fprintf(stderr, "echo_server: %s\n", reactor_last_error());
        return 1;
    }
    printf("echo_server: listening on 127.0.0.1:%d (reactor %s)\n", reactor_server_port(server), reactor_version());
    fflush(stdout);

    int sig;
    sigwait(&stop, &sig);
    reactor_server_stop(server);
    rc = reactor_server_destroy(server);
    return rc == REACTOR_OK ? 0 : 1;
}

/*
 * The reference C echo server of Reactor's performance target: the minimal epoll server the
 * Python fast-socket guides point at, written without tricks.
 *
 *   level-triggered epoll, one recv and one send per readiness event, MSG_NOSIGNAL,
 *   nonblocking sockets, TCP_NODELAY on accepted sockets.
 *
 * --threads N runs N copies, each with its own epoll and its own SO_REUSEPORT listener on the
 * same port (one per core is the practical upper limit of this design).
 *
 * Build: gcc -O2 -pthread -o c_epoll_echo c_epoll_echo.c
 * Run:   ./c_epoll_echo --port 7000 [--threads 1] [--bind 127.0.0.1]
 * It prints "c_epoll_echo: listening on ADDR:PORT" once every listener is bound; SIGINT/SIGTERM end it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define BUFFER_SIZE 16384   /* the same read size as Reactor's default buffer */

static const char *bind_address = "127.0.0.1";
static int port = 7000;

static int make_listener(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { perror("socket"); exit(1); }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    if (inet_pton(AF_INET, bind_address, &sa.sin_addr) != 1) { fprintf(stderr, "bad --bind %s\n", bind_address); exit(2); }
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        fprintf(stderr, "c_epoll_echo: bind %s:%d: %s\n", bind_address, port, strerror(errno));
        exit(1);
    }
    if (listen(fd, 4096) < 0) { perror("listen"); exit(1); }
    return fd;
}

static void *serve(void *arg)
{
    int listener = (int)(long)arg;
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = listener };
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    struct epoll_event events[MAX_EVENTS];
    static __thread char buffer[BUFFER_SIZE];

    for (;;) {
        int n = epoll_wait(ep, events, MAX_EVENTS, -1);
        if (n < 0) { if (errno == EINTR) continue; perror("epoll_wait"); exit(1); }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                int c = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c < 0) continue;
                int one = 1;
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                struct epoll_event cev = { .events = EPOLLIN, .data.fd = c };
                epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                continue;
            }
            ssize_t r = recv(fd, buffer, sizeof buffer, 0);
            if (r > 0) {
                /* One send; a short write would need a queue, which this minimal peer does not
                   have (it never happens for small echoes with a reading client). */
                if (send(fd, buffer, (size_t)r, MSG_NOSIGNAL) < 0 && errno != EAGAIN) close(fd);
            } else if (r == 0 || errno != EAGAIN) {
                close(fd);   /* close also removes it from the epoll set */
            }
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--bind") && i + 1 < argc) bind_address = argv[++i];
        else { fprintf(stderr, "usage: c_epoll_echo --port P [--threads N] [--bind ADDR]\n"); return 2; }
    }
    if (threads < 1) threads = 1;
    signal(SIGPIPE, SIG_IGN);
    int listeners[threads];
    for (int t = 0; t < threads; t++) listeners[t] = make_listener();
    printf("c_epoll_echo: listening on %s:%d (%d threads)\n", bind_address, port, threads);
    fflush(stdout);
    pthread_t tid;
    for (int t = 1; t < threads; t++) pthread_create(&tid, NULL, serve, (void *)(long)listeners[t]);
    serve((void *)(long)listeners[0]);
    return 0;
}

/* Does splice(2) through a pipe beat copying through a user buffer when a proxy forwards bulk
 * data? One forwarding thread moves BYTES from socket A to socket B on loopback, either with
 * recv + send through a 16 KiB buffer (what reactor proxy does: one read into the loop's receive
 * buffer, one send from it) or with splice socket -> pipe -> socket; a writer thread feeds A and a
 * reader thread drains B. Prints the forwarder's CPU time (getrusage RUSAGE_THREAD) and the wall
 * throughput for each mode, alternating, ROUNDS times.
 *
 *   gcc -O2 -pthread -o splice_vs_copy scripts/splice_vs_copy.c && ./splice_vs_copy [MiB] [rounds]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long total_bytes;

static void die(const char *what) { perror(what); exit(1); }

/* A connected pair of loopback TCP sockets: *out_client and *out_server. */
static void tcp_pair(int *out_client, int *out_server)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t n = sizeof a;
    if (l < 0 || bind(l, (void *)&a, sizeof a) || listen(l, 1) || getsockname(l, (void *)&a, &n)) die("listen");
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (c < 0 || connect(c, (void *)&a, sizeof a)) die("connect");
    int s = accept(l, NULL, NULL);
    if (s < 0) die("accept");
    close(l);
    *out_client = c;
    *out_server = s;
}

static void *writer(void *arg)
{
    int fd = *(int *)arg;
    static char block[1 << 16];
    memset(block, 'x', sizeof block);
    for (long long left = total_bytes; left > 0;) {
        ssize_t w = send(fd, block, left < (long long)sizeof block ? left : (long long)sizeof block, 0);
        if (w <= 0) die("writer send");
        left -= w;
    }
    shutdown(fd, SHUT_WR);
    return NULL;
}

static void *reader(void *arg)
{
    int fd = *(int *)arg;
    static char block[1 << 16];
    long long got = 0;
    ssize_t r;
    while ((r = recv(fd, block, sizeof block, 0)) > 0) got += r;
    if (got != total_bytes) { fprintf(stderr, "reader got %lld of %lld\n", got, total_bytes); exit(1); }
    return NULL;
}

static double thread_cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_THREAD, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

/* Forwards from `in` to `out` until EOF; returns the forwarder's CPU seconds. */
static double forward(int in, int out, int use_splice)
{
    double cpu0 = thread_cpu_seconds();
    if (use_splice) {
        int p[2];
        if (pipe(p)) die("pipe");
        fcntl(p[1], F_SETPIPE_SZ, 1 << 16);
        for (;;) {
            ssize_t n = splice(in, NULL, p[1], NULL, 1 << 16, SPLICE_F_MOVE);
            if (n < 0) die("splice in");
            if (n == 0) break;
            while (n > 0) {
                ssize_t m = splice(p[0], NULL, out, NULL, n, SPLICE_F_MOVE);
                if (m <= 0) die("splice out");
                n -= m;
            }
        }
        close(p[0]);
        close(p[1]);
    } else {
        static char buffer[16 * 1024];   /* reactor's default --buffer-size */
        ssize_t n;
        while ((n = recv(in, buffer, sizeof buffer, 0)) > 0) {
            for (ssize_t sent = 0; sent < n;) {
                ssize_t m = send(out, buffer + sent, n - sent, MSG_NOSIGNAL);
                if (m <= 0) die("send");
                sent += m;
            }
        }
        if (n < 0) die("recv");
    }
    shutdown(out, SHUT_WR);
    return thread_cpu_seconds() - cpu0;
}

int main(int argc, char **argv)
{
    int mib = argc > 1 ? atoi(argv[1]) : 1024, rounds = argc > 2 ? atoi(argv[2]) : 3;
    total_bytes = (long long)mib << 20;
    for (int round = 1; round <= rounds; round++) {
        for (int use_splice = 0; use_splice <= 1; use_splice++) {
            int a_client, a_server, b_client, b_server;
            tcp_pair(&a_client, &a_server);
            tcp_pair(&b_client, &b_server);
            pthread_t w, r;
            pthread_create(&w, NULL, writer, &a_client);
            pthread_create(&r, NULL, reader, &b_server);
            double t0 = now();
            double cpu = forward(a_server, b_client, use_splice);
            pthread_join(w, NULL);
            pthread_join(r, NULL);
            double wall = now() - t0;
            printf("round %d %-6s %d MiB: forwarder CPU %.3f s (%.3f s per GiB), %.2f GB/s wall\n",
                   round, use_splice ? "splice" : "copy", mib, cpu, cpu / (mib / 1024.0), total_bytes / wall / 1e9);
            close(a_client); close(a_server); close(b_client); close(b_server);
        }
    }
    return 0;
}

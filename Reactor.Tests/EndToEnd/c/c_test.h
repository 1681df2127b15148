/*
 * What the C tests of reactor.h share: the CHECK macros that count and print checks, plain
 * blocking client sockets, and waits with a deadline (5 s). Included once per test program; the
 * helpers are inline so that a program need not use them all.
 */
#ifndef C_TEST_H
#define C_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "reactor.h"

static int failures, checks;

#define CHECK(cond, ...) do { \
    checks++; \
    if (cond) { printf("ok   "); } else { failures++; printf("FAIL "); } \
    printf(__VA_ARGS__); printf("  [%s:%d]\n", __FILE__, __LINE__); fflush(stdout); \
} while (0)

/* Evaluates `call` once, then compares its code, naming both codes and the last error message. */
#define CHECK_RC(call, expected, what) do { \
    int rc_ = (call); \
    CHECK(rc_ == (expected), "%s: got %d (%s), expected %d (%s); last error: %s", \
        what, rc_, reactor_strerror(rc_), (expected), reactor_strerror(expected), reactor_last_error()); \
} while (0)

/* Results that callbacks store for the main thread; Unset until a callback stores one. */
enum { Unset = 1 };

/* ---- plain blocking client sockets ---- */

static inline int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = { .tv_sec = 10 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); exit(1); }
    return fd;
}

static inline int write_all(int fd, const void *p, size_t n)
{
    for (size_t done = 0; done < n;) {
        ssize_t k = send(fd, (const char *)p + done, n - done, MSG_NOSIGNAL);
        if (k <= 0) return -1;
        done += (size_t)k;
    }
    return 0;
}

static inline ssize_t read_exact(int fd, void *p, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = recv(fd, (char *)p + done, n - done, 0);
        if (k <= 0) break;
        done += (size_t)k;
    }
    return (ssize_t)done;
}

/* True when the peer closed: recv returns 0 (within the 10 s receive timeout). */
static inline int reads_eof(int fd)
{
    char b;
    return recv(fd, &b, 1, 0) == 0;
}

/* A socket of `type` bound to 127.0.0.1 on a port the kernel picks, stored in *port. */
static inline int bound_loopback(int type, int *port)
{
    int fd = socket(AF_INET, type, 0);
    struct sockaddr_in a = { .sin_family = AF_INET };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &n);
    *port = ntohs(a.sin_port);
    return fd;
}

/* A port nothing listens on: bound, then closed. */
static inline int free_port(void)
{
    int port;
    close(bound_loopback(SOCK_STREAM, &port));
    return port;
}

static inline void wait_for(_Atomic int *value, int at_least)
{
    for (int i = 0; i < 1000 && atomic_load(value) < at_least; i++) usleep(5000);
}

static inline int wait_set(_Atomic int *value)
{
    for (int i = 0; i < 1000 && atomic_load(value) == Unset; i++) usleep(5000);
    return atomic_load(value);
}

#endif /* C_TEST_H */

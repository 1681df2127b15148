/*
 * An independent echo load client in C, to cross-check `reactor bench echo` and to measure
 * peers without Reactor on the client side. Single thread, level-triggered epoll.
 *
 * Each connection keeps --pipeline P messages of --size S bytes in flight, writing them as one
 * batch at start and one new message per completed echo. Every echoed byte is compared with
 * what was sent (a pattern derived from connection and offset, so nothing is stored); any
 * difference is counted and makes the exit status 1. Latency per message goes into a fixed
 * log-linear histogram (32 buckets per power of two, microseconds).
 *
 * Build: gcc -O2 -o echo_client echo_client.c
 * Run:   ./echo_client --port 7000 --connections 100 --size 64 --pipeline 1 --duration 10 --warmup 2 [--json]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUCKETS 1024

struct conn {
    int fd;
    int connected;
    uint64_t sent;         /* bytes written */
    uint64_t received;     /* bytes read and checked */
    uint64_t *send_times;  /* ring of P send timestamps (ns) */
    int ring_head, ring_count;
};

static uint64_t histogram[BUCKETS];
static uint64_t messages, mismatches, errors, connect_failures;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int bucket_of(uint64_t us)
{
    if (us < 64) return (int)us;
    int e = 63 - __builtin_clzll(us);            /* >= 6 */
    int idx = 64 + (e - 6) * 32 + (int)((us >> (e - 5)) - 32);
    return idx < BUCKETS ? idx : BUCKETS - 1;
}

static uint64_t bucket_top(int idx)              /* the largest value a bucket holds */
{
    if (idx < 64) return (uint64_t)idx;
    int e = (idx - 64) / 32 + 6, m = (idx - 64) % 32 + 32;
    return ((uint64_t)(m + 1) << (e - 5)) - 1;
}

static uint64_t percentile(double p)
{
    uint64_t total = 0, seen = 0;
    for (int i = 0; i < BUCKETS; i++) total += histogram[i];
    if (total == 0) return 0;
    uint64_t rank = (uint64_t)(p * (double)total + 0.5);
    if (rank < 1) rank = 1;
    for (int i = 0; i < BUCKETS; i++) {
        seen += histogram[i];
        if (seen >= rank) return bucket_top(i);
    }
    return bucket_top(BUCKETS - 1);
}

static inline unsigned char pattern(int conn, uint64_t offset)
{
    return (unsigned char)((offset * 131u) ^ (offset >> 8) ^ (unsigned)(conn * 29));
}

static int size = 64, pipeline = 1;
static char *sendbuf;

/* Writes `count` messages starting at the connection's send offset, as one send. */
static void send_messages(struct conn *c, int index, int count, uint64_t t)
{
    size_t len = (size_t)size * count;
    for (size_t i = 0; i < len; i++) sendbuf[i] = (char)pattern(index, c->sent + i);
    ssize_t n = send(c->fd, sendbuf, len, MSG_NOSIGNAL);
    if (n != (ssize_t)len) { errors++; return; }   /* a short write to an echo peer means trouble */
    c->sent += len;
    for (int i = 0; i < count; i++) {
        c->send_times[(c->ring_head + c->ring_count) % pipeline] = t;
        c->ring_count++;
    }
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1";
    int port = 7000, connections = 100, sources = 1, json = 0;
    double duration = 10, warmup = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--host") && i + 1 < argc) host = argv[++i];
        else if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--connections") && i + 1 < argc) connections = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--size") && i + 1 < argc) size = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--pipeline") && i + 1 < argc) pipeline = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--duration") && i + 1 < argc) duration = atof(argv[++i]);
        else if (!strcmp(argv[i], "--warmup") && i + 1 < argc) warmup = atof(argv[++i]);
        else if (!strcmp(argv[i], "--sources") && i + 1 < argc) sources = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--json")) json = 1;
        else {
            fprintf(stderr, "usage: echo_client [--host H] [--port P] [--connections N] [--size S] [--pipeline P]\n"
                            "                   [--duration SEC] [--warmup SEC] [--sources K: bind to 127.0.0.1..K] [--json]\n");
            return 2;
        }
    }
    if (connections < 1 || size < 1 || pipeline < 1 || duration <= 0 || sources < 1) { fprintf(stderr, "echo_client: bad arguments\n"); return 2; }

    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);

    sendbuf = malloc((size_t)size * pipeline);
    char *recvbuf = malloc(65536);
    struct conn *conns = calloc((size_t)connections, sizeof *conns);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
    if (inet_pton(AF_INET, host, &to.sin_addr) != 1) { fprintf(stderr, "echo_client: bad --host %s\n", host); return 2; }

    for (int i = 0; i < connections; i++) {
        struct conn *c = &conns[i];
        c->send_times = calloc((size_t)pipeline, sizeof(uint64_t));
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) { fprintf(stderr, "echo_client: socket: %s\n", strerror(errno)); return 1; }
        int one = 1;
        setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (sources > 1) {   /* spread over 127.0.0.1..K so many connections do not run out of ports */
            struct sockaddr_in from = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001u + (uint32_t)(i % sources)) };
            bind(c->fd, (struct sockaddr *)&from, sizeof from);
        }
        if (connect(c->fd, (struct sockaddr *)&to, sizeof to) < 0 && errno != EINPROGRESS) {
            connect_failures++;
            close(c->fd);
            c->fd = -1;
            continue;
        }
        struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN, .data.u32 = (uint32_t)i };
        epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    }

    struct epoll_event events[512];
    uint64_t start = now_ns();
    uint64_t measure_from = start + (uint64_t)(warmup * 1e9);
    uint64_t end = measure_from + (uint64_t)(duration * 1e9);
    int measuring = warmup <= 0;
    uint64_t bytes = 0;
    for (;;) {
        uint64_t t = now_ns();
        if (!measuring && t >= measure_from) {
            measuring = 1;
            messages = 0;
            bytes = 0;
            memset(histogram, 0, sizeof histogram);
        }
        if (t >= end) break;
        int n = epoll_wait(ep, events, 512, 100);
        t = now_ns();
        for (int e = 0; e < n; e++) {
            int i = (int)events[e].data.u32;
            struct conn *c = &conns[i];
            if (c->fd < 0) continue;
            if (!c->connected) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err != 0 || !(events[e].events & EPOLLOUT)) {
                    connect_failures++;
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                    close(c->fd);
                    c->fd = -1;
                    continue;
                }
                c->connected = 1;
                struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                send_messages(c, i, pipeline, t);
                continue;
            }
            ssize_t r = recv(c->fd, recvbuf, 65536, 0);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN) continue;
                errors++;
                epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                close(c->fd);
                c->fd = -1;
                continue;
            }
            for (ssize_t k = 0; k < r; k++) {
                if ((unsigned char)recvbuf[k] != pattern(i, c->received + (uint64_t)k)) mismatches++;
            }
            uint64_t before = c->received / (uint64_t)size;
            c->received += (uint64_t)r;
            bytes += (uint64_t)r;
            int completed = (int)(c->received / (uint64_t)size - before);
            for (int m = 0; m < completed; m++) {
                uint64_t sent_at = c->send_times[c->ring_head];
                c->ring_head = (c->ring_head + 1) % pipeline;
                c->ring_count--;
                histogram[bucket_of((t - sent_at) / 1000)]++;
                messages++;
            }
            if (completed > 0) send_messages(c, i, completed, t);
        }
    }
    double seconds = (double)(now_ns() - (warmup > 0 ? measure_from : start)) / 1e9;
    int open = 0;
    for (int i = 0; i < connections; i++) if (conns[i].fd >= 0) { open++; close(conns[i].fd); }
    double rate = (double)messages / seconds;
    if (json) {
        printf("{\"client\":\"c\",\"connections\":%d,\"open\":%d,\"size\":%d,\"pipeline\":%d,\"seconds\":%.3f,"
               "\"messages\":%llu,\"messages_per_second\":%.0f,\"mb_per_second\":%.2f,"
               "\"p50_us\":%llu,\"p90_us\":%llu,\"p99_us\":%llu,\"p999_us\":%llu,\"max_us\":%llu,"
               "\"mismatches\":%llu,\"errors\":%llu,\"connect_failures\":%llu}\n",
               connections, open, size, pipeline, seconds, (unsigned long long)messages, rate, (double)bytes / seconds / 1e6,
               (unsigned long long)percentile(0.50), (unsigned long long)percentile(0.90), (unsigned long long)percentile(0.99),
               (unsigned long long)percentile(0.999), (unsigned long long)percentile(1.0),
               (unsigned long long)mismatches, (unsigned long long)errors, (unsigned long long)connect_failures);
    } else {
        printf("%d connections (%d open), %d-byte messages, pipeline %d, %.1f s\n", connections, open, size, pipeline, seconds);
        printf("  %.0f msg/s, %.2f MB/s\n", rate, (double)bytes / seconds / 1e6);
        printf("  latency us: p50 %llu  p90 %llu  p99 %llu  p99.9 %llu  max %llu\n",
               (unsigned long long)percentile(0.50), (unsigned long long)percentile(0.90), (unsigned long long)percentile(0.99),
               (unsigned long long)percentile(0.999), (unsigned long long)percentile(1.0));
        printf("  mismatches %llu  errors %llu  connect failures %llu\n",
               (unsigned long long)mismatches, (unsigned long long)errors, (unsigned long long)connect_failures);
    }
    return mismatches > 0 ? 1 : 0;
}

/*
 * The C epoll HTTP responder of the HTTP benchmark: what an HTTP server costs with no parsing at
 * all. Level-triggered epoll, one loop, one recv per readiness event; every request is found by
 * its empty line (request bodies are not supported) and answered with the /plaintext response,
 * all the responses to one read in one send. The Date is formatted once a second.
 *
 * Build: gcc -O2 -o c_epoll_http c_epoll_http.c
 * Run:   ./c_epoll_http --port 8080
 * It prints "c_epoll_http: listening on 127.0.0.1:PORT"; SIGINT/SIGTERM end it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256
#define BUFFER_SIZE 16384
#define MAX_FDS 65536

static char response[256];
static size_t response_length;
static time_t response_second;
static unsigned char matched[MAX_FDS];   /* bytes of "\r\n\r\n" matched at the end of the last read, per fd */

static void refresh_response(void)
{
    time_t now = time(NULL);
    if (now == response_second) return;
    response_second = now;
    char date[64];
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", gmtime(&now));
    response_length = (size_t)snprintf(response, sizeof response,
        "HTTP/1.1 200 OK\r\nServer: c_epoll_http\r\nDate: %s\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!", date);
}

/* Counts the request ends ("\r\n\r\n") in buf, carrying a partial match across reads. */
static int count_requests(int fd, const char *buf, ssize_t n)
{
    static const char end[] = "\r\n\r\n";
    int count = 0, m = matched[fd];
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == end[m]) m++;
        else m = buf[i] == '\r' ? 1 : 0;
        if (m == 4) { count++; m = 0; }
    }
    matched[fd] = (unsigned char)m;
    return count;
}

int main(int argc, char **argv)
{
    int port = 8080;
    for (int i = 1; i + 1 < argc; i++) if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(listener, 4096) < 0) { perror("bind/listen"); return 1; }
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = listener };
    epoll_ctl(ep, EPOLL_CTL_ADD, listener, &ev);
    printf("c_epoll_http: listening on 127.0.0.1:%d\n", port);
    fflush(stdout);

    static char buf[BUFFER_SIZE], out[BUFFER_SIZE * 16];
    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(ep, events, MAX_EVENTS, -1);
        if (n < 0 && errno != EINTR) return 1;
        refresh_response();
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == listener) {
                int c;
                while ((c = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    if (c >= MAX_FDS) { close(c); continue; }
                    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    matched[c] = 0;
                    struct epoll_event cev = { .events = EPOLLIN, .data.fd = c };
                    epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                }
                continue;
            }
            ssize_t r = recv(fd, buf, sizeof buf, 0);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN) continue;
                close(fd);
                continue;
            }
            int requests = count_requests(fd, buf, r);
            size_t length = 0;
            for (int k = 0; k < requests && length + response_length <= sizeof out; k++) {
                memcpy(out + length, response, response_length);
                length += response_length;
            }
            /* The benchmark's responses fit the socket buffer; a short write closes the connection. */
            if (length > 0 && send(fd, out, length, MSG_NOSIGNAL) != (ssize_t)length) close(fd);
        }
    }
}

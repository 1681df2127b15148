/*
 * A UDP echo server in plain C, the baseline for reactor udp-echo (scripts/bench-udp.sh).
 *
 *   c_udp_echo --port N [--batch B]
 *
 * --batch 1 (the default) is the textbook loop: blocking recvfrom(2), then sendto(2), one
 * syscall per datagram each way. --batch B > 1 receives up to B datagrams with one blocking
 * recvmmsg(2) and answers them all with one sendmmsg(2). One thread, one socket, no epoll:
 * the fewest syscalls a UDP echo can make. Datagrams up to 65,535 bytes.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { MaxBatch = 256, MaxDatagram = 65536 };

int main(int argc, char **argv)
{
    int port = 0, batch = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--batch") == 0) batch = atoi(argv[i + 1]);
    }
    if (port <= 0 || batch < 1 || batch > MaxBatch) {
        fprintf(stderr, "usage: c_udp_echo --port N [--batch 1..%d]\n", MaxBatch);
        return 2;
    }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("bind"); return 1; }
    printf("c_udp_echo: listening on 127.0.0.1:%d (batch %d)\n", port, batch);
    fflush(stdout);

    static char buffers[MaxBatch][MaxDatagram];
    static struct sockaddr_storage peers[MaxBatch];
    static struct iovec iov[MaxBatch];
    static struct mmsghdr in[MaxBatch], out[MaxBatch];
    if (batch == 1) {
        for (;;) {
            socklen_t len = sizeof peers[0];
            ssize_t n = recvfrom(fd, buffers[0], MaxDatagram, 0, (struct sockaddr *)&peers[0], &len);
            if (n >= 0) sendto(fd, buffers[0], (size_t)n, 0, (struct sockaddr *)&peers[0], len);
        }
    }
    for (int i = 0; i < batch; i++) {
        iov[i] = (struct iovec){ buffers[i], MaxDatagram };
        in[i].msg_hdr = (struct msghdr){ .msg_name = &peers[i], .msg_iov = &iov[i], .msg_iovlen = 1 };
    }
    for (;;) {
        for (int i = 0; i < batch; i++) in[i].msg_hdr.msg_namelen = sizeof peers[i];
        int n = recvmmsg(fd, in, (unsigned)batch, MSG_WAITFORONE, NULL);
        for (int i = 0; i < n; i++) {
            static struct iovec reply[MaxBatch];
            reply[i] = (struct iovec){ buffers[i], in[i].msg_len };
            out[i].msg_hdr = (struct msghdr){ .msg_name = &peers[i], .msg_namelen = in[i].msg_hdr.msg_namelen, .msg_iov = &reply[i], .msg_iovlen = 1 };
        }
        for (int sent = 0; sent < n;) {
            int k = sendmmsg(fd, out + sent, (unsigned)(n - sent), 0);
            if (k <= 0) break;
            sent += k;
        }
    }
}

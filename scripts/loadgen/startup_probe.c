/*
 * Start-up time of a server: from exec to the first echoed byte. Forks, execs the server command
 * (its output to /dev/null), connects to 127.0.0.1:PORT again every 50 us while it is refused,
 * sends one byte and waits for it to come back, then kills the server (SIGKILL) and reaps it.
 * Prints three numbers: the microseconds from just before fork to the echo; the CPU time
 * (user + system, microseconds) the server used in all, which is its start-up work and, unlike
 * the first, hardly depends on what else the machine runs; and the page faults it took (minor
 * faults: each costs 15-30 us on a VM, a large part of a start-up). One measurement per run:
 * scripts/startup.sh runs it many times, alternating servers.
 *
 * A successful connect only shows the listening socket exists (the kernel completes handshakes
 * into the backlog by itself); the echo shows a loop accepted the connection and served it.
 *
 * Build: gcc -O2 -o startup_probe startup_probe.c
 * Run:   ./startup_probe 7000 ./c_epoll_echo --threads 1 --port 7000
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000LL + t.tv_nsec / 1000;
}

/* Kills and reaps the server; returns what it used, CPU time in microseconds and minor page faults. */
static struct rusage stop(pid_t pid)
{
    struct rusage usage = { 0 };
    kill(pid, SIGKILL);
    if (wait4(pid, NULL, 0, &usage) != pid) usage.ru_minflt = -1;
    return usage;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: startup_probe PORT COMMAND [ARG...]\n"); return 2; }
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    long long start = now_us();
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 1; }
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execv(argv[2], argv + 2);
        _exit(127);
    }

    const long long deadline = start + 10 * 1000000LL;
    const struct timespec pause = { 0, 50 * 1000 };
    struct timeval timeout = { 5, 0 };
    for (;;) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) { perror("socket"); stop(pid); return 1; }
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
            char byte = 'x', back = 0;
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
            if (write(fd, &byte, 1) != 1 || read(fd, &back, 1) != 1 || back != byte) {
                fprintf(stderr, "startup_probe: connected but no echo: %s\n", strerror(errno));
                close(fd);
                stop(pid);
                return 1;
            }
            long long elapsed = now_us() - start;
            close(fd);   // the client closes first, so TIME_WAIT stays on its side, not on the server's port
            struct rusage used = stop(pid);
            long long cpu = (used.ru_utime.tv_sec + used.ru_stime.tv_sec) * 1000000LL + used.ru_utime.tv_usec + used.ru_stime.tv_usec;
            printf("%lld %lld %ld\n", elapsed, cpu, used.ru_minflt);
            return 0;
        }
        int error = errno;
        close(fd);
        if (error != ECONNREFUSED) { fprintf(stderr, "startup_probe: connect: %s\n", strerror(error)); stop(pid); return 1; }
        if (waitpid(pid, NULL, WNOHANG) == pid) { fprintf(stderr, "startup_probe: %s exited before serving\n", argv[2]); return 1; }
        if (now_us() > deadline) { fprintf(stderr, "startup_probe: nothing served within 10 s\n"); stop(pid); return 1; }
        nanosleep(&pause, NULL);
    }
}

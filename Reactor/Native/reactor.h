/*
 * reactor.h: the C ABI of Reactor, a per-core epoll event loop compiled with NativeAOT.
 *
 * Link the static library and the NativeAOT runtime with the flags in reactor.ldflags:
 *     gcc app.c $(cat artifacts/lib/reactor.ldflags) -o app
 * Nothing from .NET is needed at run time. Only one NativeAOT runtime can live in one program.
 *
 * Errors: every int-returning call returns 0 (or a non-negative value it documents) on success
 * and a negative code on failure. Codes are negative errno values, as in libuv
 * (REACTOR_EADDRINUSE == -EADDRINUSE), plus a few of Reactor's own below -4000.
 * reactor_strerror(code) names a code; reactor_last_error() gives the message of the last failed
 * call on the calling thread, e.g. "bind 127.0.0.1:7000: Address already in use".
 * No call ever lets an exception escape; an unexpected failure is REACTOR_EINTERNAL.
 *
 * Threads: each server runs `loop_count` event loops, one thread each. Callbacks run on the loop
 * thread that owns the connection, inline: they must not block. What may be called from where:
 *
 *   call                     from a callback            from any other thread
 *   reactor_send / _close    yes: done at once          yes: handed to the loop, done later
 *   reactor_server_port      yes                        yes
 *   reactor_server_sockopt   yes                        yes (v2)
 *   reactor_server_stop      yes (returns at once)      yes (returns at once)
 *   reactor_server_wait      no: REACTOR_EDEADLK        yes
 *   reactor_server_destroy   no: REACTOR_EDEADLK        yes
 *   reactor_pause / _resume  yes: done at once          yes: handed to the loop, done later  (v2)
 *   reactor_conn_set_data, _get_data, _peer_address, _local_address, reactor_pending_bytes
 *                            only on the connection's own loop; elsewhere REACTOR_EWRONGTHREAD (v2)
 *   reactor_connect, reactor_timer_start, reactor_post, reactor_udp_send
 *                            yes                        yes (v2; callbacks run later on the loop)
 *   reactor_timer_cancel     yes                        yes: waits for a running callback (v2)
 *   reactor_udp_bind         no: REACTOR_EDEADLK        yes (v2)
 *
 * Re-entrancy: a callback never runs nested inside another callback of the same loop. A close
 * caused inside a callback (reactor_close, or a send that finds the peer gone, on any connection
 * of the loop) runs its on_close after the running callback returns, so a program may hold its
 * own lock across a broadcast. Sends from a callback to a connection of another loop are
 * asynchronous, as from any other thread: they return 0 and happen shortly on that loop.
 *
 * Handles are integers, never pointers. A stale handle (a closed connection, a destroyed
 * server) is detected and refused with an error; it never reaches another connection (unless it
 * is kept while its slot is reused 16 million times, or its server entry 256 times).
 */
#ifndef REACTOR_H
#define REACTOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

#define REACTOR_ABI_VERSION 2   /* 2 added the calls marked "v2"; a v1 program works unchanged */

enum reactor_error {
    REACTOR_OK = 0,
    REACTOR_EBADF = -9,            /* not a live server handle */
    REACTOR_ENOMEM = -12,
    REACTOR_EACCES = -13,          /* e.g. a port below 1024 without privilege */
    REACTOR_EINVAL = -22,          /* a bad argument: NULL pointer, bad address, bad option */
    REACTOR_EMFILE = -24,
    REACTOR_EDEADLK = -35,         /* a wait that would deadlock: called from the server's own loop */
    REACTOR_EADDRINUSE = -98,
    REACTOR_EADDRNOTAVAIL = -99,   /* the bind address is not on this machine */
    REACTOR_ENOTCONN = -107,       /* the connection is closed, closing, or the handle is stale */
    REACTOR_ENOENT = -2,           /* v2: a timer that already ran its last time, was cancelled, or never was */
    REACTOR_EMSGSIZE = -90,        /* v2: a datagram larger than the server's largest (65,535 bytes) */
    REACTOR_ETIMEDOUT = -110,      /* reactor_server_wait ran out of time; v2: a connect past its timeout */
    REACTOR_ECONNREFUSED = -111,   /* v2: nothing listens at the address reactor_connect was given */
    REACTOR_EALREADY = -114,       /* reactor_server_stop called twice */
    REACTOR_ECANCELED = -125,      /* v2: the server stopped before a connect finished */
    REACTOR_ELIMIT = -4001,        /* too many servers at once (64) */
    REACTOR_EWRONGTHREAD = -4002,  /* v2: a call that only the connection's own loop thread may make */
    REACTOR_EINTERNAL = -4000      /* an unexpected failure inside Reactor; see reactor_last_error */
};

/* Why a connection closed (the reason passed to on_close). */
enum reactor_close_reason {
    REACTOR_CLOSE_LOCAL = 0,          /* reactor_close */
    REACTOR_CLOSE_PEER_CLOSED = 1,    /* the peer sent EOF and all output was delivered */
    REACTOR_CLOSE_RESET = 2,          /* ECONNRESET or EPIPE */
    REACTOR_CLOSE_ERROR = 3,          /* another socket error */
    REACTOR_CLOSE_TIMEOUT = 4,        /* idle_timeout_ms passed without traffic */
    REACTOR_CLOSE_PROTOCOL_ERROR = 5, /* on_data consumed nothing of a full buffer (16 KiB), or a
                                         frame over max_frame_bytes (see reactor_framing) */
    REACTOR_CLOSE_SHUTDOWN = 6,       /* the server was stopping */
    REACTOR_CLOSE_LIMIT = 7,
    REACTOR_CLOSE_OUT_OF_BUFFERS = 8, /* the loop's buffer pool was at its limit */
    REACTOR_CLOSE_HANDLER_ERROR = 9
};

/* How the byte stream is cut into the pieces on_data receives (reactor_options.framing). */
enum reactor_framing {
    REACTOR_FRAMING_NONE = 0,    /* on_data gets bytes as they arrive and returns how many it consumed */
    REACTOR_FRAMING_U32_BE = 1,  /* each message is a 4-byte big-endian length, then that many bytes
                                    (Python's struct.pack('!I', n)); 0 is a valid length */
    REACTOR_FRAMING_LINE = 2     /* each message ends in '\n'; a '\r' before it is stripped too */
};

typedef int32_t reactor_server_t;   /* a server; > 0 when valid */
typedef uint64_t reactor_conn_t;    /* a connection; valid from on_open until on_close returns */

/* Server settings. Zero means "the default" for every field. Set `size` to
   sizeof(reactor_options): later versions add fields at the end and read only what `size` covers. */
typedef struct reactor_options {
    uint32_t size;
    uint32_t loop_count;         /* event loops, one thread each; 0: one per core */
    uint32_t pin_threads;        /* nonzero: pin loop i to core i */
    uint32_t backlog;            /* listen backlog per loop; 0: 4096 */
    uint32_t max_pending_bytes;  /* per-connection output high-water mark (reading pauses above it); 0: 1 MiB.
                                    At least the buffer size, 16 KiB: smaller values are REACTOR_EINVAL */
    uint32_t idle_timeout_ms;    /* close a connection that received nothing for this long (only incoming
                                    bytes count: a peer that only reads is idle); 0: never */
    uint32_t max_connections;    /* accept and close connections beyond this many; 0: no limit */
    uint32_t framing;            /* a reactor_framing; 0: none. With framing, on_data is called once
                                    per whole message with its payload only (no length, no line
                                    ending), however the bytes were split or joined on the wire; a
                                    message in one read is passed without a copy, a larger one is
                                    assembled first. Its return value is then ignored. Sends stay
                                    raw bytes: write the length or the '\n' yourself. */
    uint32_t max_frame_bytes;    /* the largest payload (U32_BE) or line without its ending (LINE);
                                    a longer one closes the connection with
                                    REACTOR_CLOSE_PROTOCOL_ERROR after the output queued so far.
                                    0: 16 MiB (U32_BE), 64 KiB (LINE). Not used without framing. */

    /* v2: socket options, set on the listeners before listen(); accepted sockets inherit them (no
       call per accept). reactor_connect's sockets get them too, UDP sockets the buffer sizes. The
       kernel may put a value into effect other than the one asked: reactor_server_sockopt reads
       what it did. */
    uint32_t rcvbuf_bytes;         /* SO_RCVBUF; the handshake's window scale is chosen for it, and a
                                      size set by hand turns receive autotuning off. 0: the kernel's
                                      default, autotuned */
    uint32_t sndbuf_bytes;         /* SO_SNDBUF; 0: the kernel's default, autotuned */
    uint32_t nodelay;              /* a reactor_nodelay; 0: on */
    uint32_t keepalive_idle_s;     /* SO_KEEPALIVE on, first probe after this many seconds of silence
                                      (1 to 32767); a peer gone silently then closes with
                                      REACTOR_CLOSE_ERROR. 0: keep-alive off */
    uint32_t keepalive_interval_s; /* seconds between probes (1 to 32767); 0: the kernel's (75) */
    uint32_t keepalive_count;      /* unanswered probes that drop the connection (1 to 127); 0: the
                                      kernel's (9). Interval and count need keepalive_idle_s */
} reactor_options;

/* What the server calls. Set `size` to sizeof(reactor_callbacks). Any callback may be NULL
   except on_data. `user` is the pointer given to reactor_server_start, passed back untouched. */
typedef struct reactor_callbacks {
    uint32_t size;
    /* A connection was accepted. */
    void (*on_open)(reactor_conn_t conn, void *user);
    /* Bytes arrived. `data` belongs to Reactor and is valid only during the call. Return how many
       bytes were consumed; the rest is kept and passed again, first, with the next data. With
       reactor_options.framing set: one whole message per call (possibly length 0), the return
       value ignored. */
    size_t (*on_data)(reactor_conn_t conn, const uint8_t *data, size_t length, void *user);
    /* The connection closed; `unsent_bytes` were accepted by reactor_send but never delivered.
       The handle is stale once this returns (inside it, sends already fail with ENOTCONN). */
    void (*on_close)(reactor_conn_t conn, int reason, uint64_t unsent_bytes, void *user);
} reactor_callbacks;

/* REACTOR_ABI_VERSION of the linked library. */
int reactor_abi_version(void);

/* The library version, e.g. "0.1.0". A static string: do not free it. */
const char *reactor_version(void);

/* Binds `address`:`port` (IPv4 or IPv6 text, or "localhost" in any case; port 0 picks a free
   one) on every loop and starts the loops. "::" takes IPv4 clients too (IPV6_V6ONLY off), as
   nginx does. Each loop has its own SO_REUSEPORT listener; the port is checked to be free first,
   but afterwards any process of the same user could join the port group and receive part of the
   connections, as with every SO_REUSEPORT server. `options` may be NULL for all defaults. `callbacks` is copied; `user`
   is kept as is. On success stores the server in *server and returns 0. Any thread. */
int reactor_server_start(const char *address, int port, const reactor_options *options,
                         const reactor_callbacks *callbacks, void *user, reactor_server_t *server);

/* v2: starts the loops of a server that listens nowhere, for a program that only makes
   connections (reactor_connect), timers, posted work or UDP sockets. Otherwise as
   reactor_server_start: the handle works with every call taking a reactor_server_t, and
   reactor_server_port returns REACTOR_EINVAL. */
int reactor_loops_start(const reactor_options *options, const reactor_callbacks *callbacks, void *user,
                        reactor_server_t *server);

/* The port the server is bound to (useful after port 0), or a negative error. Any thread. */
int reactor_server_port(reactor_server_t server);

/* Stops accepting, delivers queued output (up to 5 s), closes every connection (on_close runs
   with REACTOR_CLOSE_SHUTDOWN), and ends the loops. A graceful close (this one, reactor_close)
   sends FIN and then waits up to 2 s for the peer's FIN before on_close runs, so that a reset
   cannot destroy a reply the peer has not read yet: while a peer keeps its socket open, on_close
   and the end of a stop come up to 2 s later. Returns at once; REACTOR_EALREADY if the
   server was already stopping. Any thread, callbacks included. */
int reactor_server_stop(reactor_server_t server);

/* Waits for a stopped server's loops to end; timeout_ms < 0 waits for as long as it takes. REACTOR_ETIMEDOUT
   when time ran out. Not from a callback of the same server. */
int reactor_server_wait(reactor_server_t server, int timeout_ms);

/* Stops the server if needed, waits for it, and frees it; the handle becomes invalid.
   Not from a callback of the same server. */
int reactor_server_destroy(reactor_server_t server);

/* Sends `length` bytes; Reactor copies what the kernel does not take at once, so `data` may be
   reused as soon as the call returns. From the connection's loop thread (a callback) the send
   happens now and errors are returned (REACTOR_ENOTCONN for a closed or stale connection).
   From any other thread (or a callback of another loop) the bytes are copied and handed to the
   loop; the call returns 0 and the send happens shortly (silently dropped if the connection
   closes first). At most 2 GiB - 1 per call: a larger `length` is REACTOR_EINVAL. */
int reactor_send(reactor_conn_t conn, const void *data, size_t length);

/* Closes gracefully: queued output is delivered first, then on_close runs with
   REACTOR_CLOSE_LOCAL. Threads as for reactor_send. */
int reactor_close(reactor_conn_t conn);

/* ---- v2: per-connection data, addresses, flow control ----
   These calls read or change the connection's own state, so they run only on the connection's
   loop thread (inside a callback of that loop, a timer or posted work there); from any other
   thread they return REACTOR_EWRONGTHREAD. reactor_conn_loop says which loop that is, and
   reactor_post runs code there. A closed or stale handle gives REACTOR_ENOTCONN. */

/* Keeps `data` with the connection. It starts NULL when the connection opens (before on_open or
   on_connect), and stays readable until on_close returns, so on_close is the place to free it. */
int reactor_conn_set_data(reactor_conn_t conn, void *data);

/* Stores the connection's data pointer (NULL if never set) in *data. */
int reactor_conn_get_data(reactor_conn_t conn, void **data);

/* The peer's (or, with local_address, our own) address and port, in *address: a sockaddr_in or
   sockaddr_in6 (an IPv4 client of a "::" server appears as ::ffff:a.b.c.d). REACTOR_ENOTCONN when
   the kernel no longer knows the peer (it reset before the call). */
int reactor_conn_peer_address(reactor_conn_t conn, struct sockaddr_storage *address);
int reactor_conn_local_address(reactor_conn_t conn, struct sockaddr_storage *address);

/* Writes `address` as text into `text` ("127.0.0.1:7000", "[::1]:7000"), NUL-terminated, and
   returns its length; REACTOR_EINVAL for a family other than AF_INET/AF_INET6 or a `size` below
   REACTOR_ADDRESS_TEXT_MAX. Any thread. */
#define REACTOR_ADDRESS_TEXT_MAX 56
int reactor_format_address(const struct sockaddr *address, char *text, size_t size);

/* Stops reading the connection until reactor_resume: on_data is not called, the kernel's buffer
   fills and TCP slows the peer down; nothing is lost. Independent of the pause that output above
   max_pending_bytes causes. Threads as for reactor_send (from another thread: done shortly). */
int reactor_pause(reactor_conn_t conn);
int reactor_resume(reactor_conn_t conn);

/* Bytes accepted by reactor_send that the kernel has not taken yet, in *bytes: a program that
   generates output applies its own backpressure by sending less while this is high. */
int reactor_pending_bytes(reactor_conn_t conn, uint64_t *bytes);

/* The index (0 to loop_count - 1) of the loop that owns the connection, or REACTOR_ENOTCONN for a
   handle of no live server. Any thread. */
int reactor_conn_loop(reactor_conn_t conn);

/* ---- v2: outbound connections, timers, posted work ----
   `loop` picks the loop (0 to loop_count - 1) that runs the callback and owns what it creates;
   REACTOR_ANY_LOOP takes them in turn. Each call may be made from any thread, callbacks included,
   and its callback always runs later on the loop thread, never nested inside the caller. On a
   stopping server: REACTOR_ECANCELED (work accepted just before the stop may not run). */
#define REACTOR_ANY_LOOP (-1)

/* Called once per reactor_connect: with the new connection and status 0, in place of on_open
   (then on_data and on_close follow as for accepted connections, with the server's framing), or
   with conn 0 and a negative error: REACTOR_ECONNREFUSED, REACTOR_ETIMEDOUT (timeout_ms passed),
   REACTOR_ECANCELED (the server stopped first), or another negative errno. */
typedef void (*reactor_connect_cb)(reactor_conn_t conn, int status, void *arg);

/* Opens a TCP connection to `address` (IPv4 or IPv6 text, or "localhost"):`port` without
   blocking. timeout_ms 0 leaves it to the kernel (about 2 minutes for an unanswered SYN).
   Returns 0 once the connect is started; every outcome reaches on_connect. */
int reactor_connect(reactor_server_t server, int loop, const char *address, int port, uint32_t timeout_ms,
                    reactor_connect_cb on_connect, void *arg);

typedef uint64_t reactor_timer_t;   /* a timer; never 0, never reused */
typedef void (*reactor_timer_cb)(reactor_timer_t timer, void *arg);

/* Runs on_timer(timer, arg) on the loop after delay_ms, then every repeat_ms if it is not 0, until
   cancelled or the server stops (a repeat counts from when the callback started). A timer never
   fires before its time (CLOCK_MONOTONIC, from the call), and may fire up to a few ms late: the
   loop sleeps on a clock that ticks every 1 to 4 ms. Stores the timer in *timer (may be NULL). */
int reactor_timer_start(reactor_server_t server, int loop, uint64_t delay_ms, uint64_t repeat_ms,
                        reactor_timer_cb on_timer, void *arg, reactor_timer_t *timer);

/* Cancels a timer: once this returns 0 its callback never starts again, so `arg` may be freed.
   Called from another thread while the callback runs, it waits for the callback to return.
   REACTOR_ENOENT when it already ran its last time, was cancelled before, or its server is gone.
   Any thread, the timer's own callback included. */
int reactor_timer_cancel(reactor_timer_t timer);

/* Runs fn(arg) on the loop thread soon. Items posted from one thread run in order. */
int reactor_post(reactor_server_t server, int loop, void (*fn)(void *arg), void *arg);

/* ---- v2: UDP ----
   A UDP socket is bound once per loop on the same port (SO_REUSEPORT, as the TCP listeners):
   the kernel keeps one peer's datagrams on one loop, in order. Datagrams are read in batches
   (recvmmsg) and sends made during one loop iteration leave together (sendmmsg). It lives until
   its server stops. */
typedef uint64_t reactor_udp_t;

/* One whole datagram (a larger one than 65,535 bytes cannot exist; the kernel's truncated ones are
   counted and dropped). `data` and `from` are valid only during the call. `socket` is the receiving
   loop's socket: a reply sent through it from here leaves in that loop's next batch. */
typedef void (*reactor_datagram_cb)(reactor_udp_t socket, const uint8_t *data, size_t length,
                                    const struct sockaddr *from, void *arg);

/* Binds `address`:`port` (port 0 picks one: reactor_udp_port tells it) on every loop of the
   server and delivers datagrams to on_datagram. Stores the socket in *socket. Not from a
   callback of the same server (REACTOR_EDEADLK): it waits for each loop to bind. */
int reactor_udp_bind(reactor_server_t server, const char *address, int port,
                     reactor_datagram_cb on_datagram, void *arg, reactor_udp_t *socket);

/* The port a UDP socket is bound to, or a negative error. Any thread. */
int reactor_udp_port(reactor_udp_t socket);

/* Sends one datagram of `length` bytes to `to` (a sockaddr_in or sockaddr_in6, as on_datagram's
   `from`). Threads as for reactor_send: from the socket's loop it is queued for the batch at
   once; from elsewhere it is copied and handed to that loop. As UDP does, a datagram the kernel
   has no room for is dropped (and counted), never queued without bound. REACTOR_EMSGSIZE above
   65,535 bytes. */
int reactor_udp_send(reactor_udp_t socket, const struct sockaddr *to, const void *data, size_t length);

/* A short text for an error code, e.g. "address already in use". A static string. */
const char *reactor_strerror(int code);

/* The message of the last failed call on this thread, or "" if none failed. Valid until the
   next failing call on the same thread. */
const char *reactor_last_error(void);

/* ---- v2: socket options in effect ---- */

/* reactor_options.nodelay: TCP_NODELAY (small replies leave at once instead of waiting for an ACK). */
enum reactor_nodelay {
    REACTOR_NODELAY_DEFAULT = 0,   /* on */
    REACTOR_NODELAY_ON = 1,
    REACTOR_NODELAY_OFF = 2
};

/* What reactor_server_sockopt reads from the server's listening socket (accepted sockets have the same). */
enum reactor_sockopt {
    REACTOR_SOCKOPT_RCVBUF = 1,               /* SO_RCVBUF in bytes: the kernel doubles a size that is set
                                                 (the extra half is its bookkeeping), caps it at twice
                                                 net.core.rmem_max and raises it to its minimum */
    REACTOR_SOCKOPT_SNDBUF = 2,               /* SO_SNDBUF in bytes, likewise (net.core.wmem_max) */
    REACTOR_SOCKOPT_NODELAY = 3,              /* 1 on, 0 off */
    REACTOR_SOCKOPT_KEEPALIVE = 4,            /* 1 on, 0 off */
    REACTOR_SOCKOPT_KEEPALIVE_IDLE_S = 5,     /* the kernel's default when not set */
    REACTOR_SOCKOPT_KEEPALIVE_INTERVAL_S = 6,
    REACTOR_SOCKOPT_KEEPALIVE_COUNT = 7,
    REACTOR_SOCKOPT_BACKLOG = 8               /* accept queue limit: backlog capped at net.core.somaxconn */
};

/* The value in effect of one reactor_sockopt, as the kernel reported it when the server started
   (non-negative), REACTOR_EBADF for a server that is not live, or REACTOR_EINVAL for an unknown
   `which` or a server that listens nowhere (reactor_loops_start). Any thread, callbacks included. */
int reactor_server_sockopt(reactor_server_t server, int which);

#ifdef __cplusplus
}
#endif

#endif /* REACTOR_H */

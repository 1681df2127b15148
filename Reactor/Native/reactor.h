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
 *   reactor_server_stop      yes (returns at once)      yes (returns at once)
 *   reactor_server_wait      no: REACTOR_EDEADLK        yes
 *   reactor_server_destroy   no: REACTOR_EDEADLK        yes
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

#ifdef __cplusplus
extern "C" {
#endif

#define REACTOR_ABI_VERSION 1

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
    REACTOR_ETIMEDOUT = -110,      /* reactor_server_wait ran out of time */
    REACTOR_EALREADY = -114,       /* reactor_server_stop called twice */
    REACTOR_ELIMIT = -4001,        /* too many servers at once (64) */
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

/* A short text for an error code, e.g. "address already in use". A static string. */
const char *reactor_strerror(int code);

/* The message of the last failed call on this thread, or "" if none failed. Valid until the
   next failing call on the same thread. */
const char *reactor_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* REACTOR_H */

"""selectors (epoll) echo server: one thread, nonblocking sockets, per-connection output buffer."""
import selectors
import socket
import sys

sel = selectors.DefaultSelector()
pending = {}


def accept(listener):
    while True:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pending[conn] = bytearray()
        sel.register(conn, selectors.EVENT_READ, serve)


def close(conn):
    sel.unregister(conn)
    del pending[conn]
    conn.close()


def serve(conn, mask):
    out = pending[conn]
    if mask & selectors.EVENT_READ:
        try:
            data = conn.recv(16384)
        except (BlockingIOError, InterruptedError):
            data = None
        except ConnectionError:
            return close(conn)
        if data == b"":
            return close(conn)
        if data:
            out += data
    if out:
        try:
            sent = conn.send(out)
            del out[:sent]
        except BlockingIOError:
            pass
        except ConnectionError:
            return close(conn)
    sel.modify(conn, selectors.EVENT_READ | (selectors.EVENT_WRITE if out else 0), serve)


if __name__ == "__main__":
    port = int(sys.argv[1])
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(4096)
    listener.setblocking(False)
    sel.register(listener, selectors.EVENT_READ, None)
    print(f"py-selectors: listening on 127.0.0.1:{port}", flush=True)
    while True:
        for key, mask in sel.select():
            if key.data is None:
                accept(key.fileobj)
            else:
                key.data(key.fileobj, mask)

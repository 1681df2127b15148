"""gevent StreamServer echo server: green thread per connection (python3-gevent)."""
import socket
import sys

from gevent.server import StreamServer


def echo(sock, _address):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        try:
            data = sock.recv(16384)
        except ConnectionError:
            return
        if not data:
            return
        sock.sendall(data)


if __name__ == "__main__":
    port = int(sys.argv[1])
    server = StreamServer(("127.0.0.1", port), echo, backlog=4096)
    server.init_socket()
    print(f"gevent: listening on 127.0.0.1:{port}", flush=True)
    server.serve_forever()

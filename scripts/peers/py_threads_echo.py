"""Thread-per-connection echo server (socketserver.ThreadingTCPServer), the guides' first step."""
import socketserver
import sys


class Echo(socketserver.BaseRequestHandler):
    def setup(self):
        import socket
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self):
        while True:
            data = self.request.recv(16384)
            if not data:
                return
            self.request.sendall(data)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 4096


if __name__ == "__main__":
    port = int(sys.argv[1])
    with Server(("127.0.0.1", port), Echo) as server:
        print(f"py-threads: listening on 127.0.0.1:{port}", flush=True)
        server.serve_forever()

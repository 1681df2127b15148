"""Tornado TCPServer echo, one process per core (fork_processes), as the Tornado guide runs it."""
import socket
import sys

from tornado import ioloop, iostream, netutil, process, tcpserver


class Echo(tcpserver.TCPServer):
    async def handle_stream(self, stream, address):
        stream.set_nodelay(True)
        try:
            while True:
                data = await stream.read_bytes(16384, partial=True)
                await stream.write(data)
        except iostream.StreamClosedError:
            pass


if __name__ == "__main__":
    port = int(sys.argv[1])
    processes = int(sys.argv[2]) if len(sys.argv) > 2 else 0   # 0: one per core
    sockets = netutil.bind_sockets(port, address="127.0.0.1", family=socket.AF_INET, backlog=4096)
    print(f"tornado: listening on 127.0.0.1:{port}", flush=True)
    process.fork_processes(processes)
    server = Echo()
    server.add_sockets(sockets)
    ioloop.IOLoop.current().start()

"""The uvloop HTTP responder of the HTTP benchmark: an asyncio.Protocol (no streams) that
answers every request (found by its empty line; request bodies are not supported) with the
/plaintext response, all the responses to one read in one write, the Date formatted once a second.

    /usr/bin/python3 scripts/peers/uvloop_http.py PORT
"""
import asyncio
import socket
import sys
import time
from email.utils import formatdate

import uvloop

_date_second = 0
_response = b""


def response():
    """The canned response, its Date rebuilt when the second changes."""
    global _date_second, _response
    now = int(time.time())
    if now != _date_second:
        _date_second = now
        _response = (b"HTTP/1.1 200 OK\r\nServer: uvloop\r\nDate: " + formatdate(now, usegmt=True).encode()
                     + b"\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!")
    return _response


class Responder(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport
        self.pending = b""
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data):
        data = self.pending + data
        count = data.count(b"\r\n\r\n")
        self.pending = data[data.rfind(b"\r\n\r\n") + 4:] if count else data
        if count:
            self.transport.write(response() * count)


async def main(port):
    loop = asyncio.get_running_loop()
    server = await loop.create_server(Responder, "127.0.0.1", port, backlog=4096, reuse_address=True)
    print(f"uvloop_http: listening on 127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    uvloop.install()
    asyncio.run(main(int(sys.argv[1])))

"""asyncio streams echo server; with --uvloop it runs on uvloop (python3-uvloop)."""
import asyncio
import socket
import sys


async def echo(reader, writer):
    writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while data := await reader.read(16384):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def main(port, name):
    server = await asyncio.start_server(echo, "127.0.0.1", port, backlog=4096, reuse_address=True)
    print(f"{name}: listening on 127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    port = int(sys.argv[1])
    if "--uvloop" in sys.argv:
        import uvloop
        uvloop.install()
        name = "uvloop"
    else:
        name = "asyncio"
    asyncio.run(main(port, name))

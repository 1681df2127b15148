#!/usr/bin/env python3
"""Memory of an echo server before, during and after a burst, from /proc/PID/smaps_rollup.

    scripts/burst_memory.py [BINARY] [--seconds 12]

Starts BINARY (default artifacts/bin/reactor) as `echo --threads 1 --port 0`, echoes one byte,
then opens 50 clients that send 64 KiB blocks and never read, until the server stops taking them
(each connection's output passes --max-pending, 1 MiB, so about 50 MiB is queued), closes them and
prints RSS, PSS and anonymous memory once a second for --seconds. NativeMemoryTests checks the same
burst on the native binary.
"""
import argparse
import re
import socket
import subprocess
import time

parser = argparse.ArgumentParser()
parser.add_argument("binary", nargs="?", default="artifacts/bin/reactor")
parser.add_argument("--seconds", type=float, default=12)
args = parser.parse_args()
seconds = args.seconds
server = subprocess.Popen([args.binary, "echo", "--threads", "1", "--port", "0"], stdout=subprocess.PIPE)
port = int(re.search(r":(\d+) \(", server.stdout.readline().decode()).group(1))
block = b"a" * 65536


def memory():
    fields = {}
    for line in open(f"/proc/{server.pid}/smaps_rollup"):
        name, *value = line.split()
        if name in ("Rss:", "Pss:", "Anonymous:"):
            fields[name[:-1]] = int(value[0])
    return fields


def send_some(c):
    try:
        return c.send(block)
    except BlockingIOError:
        return 0


def show(label, m, base=None):
    extra = f"  (RSS {m['Rss'] - base['Rss']:+} KiB)" if base else ""
    print(f"{label:>8}: RSS {m['Rss'] / 1024:6.1f} MiB  PSS {m['Pss'] / 1024:6.1f} MiB  anonymous {m['Anonymous'] / 1024:6.1f} MiB{extra}")


try:
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"x")
        s.recv(1)
    time.sleep(1)
    before = memory()
    show("before", before)
    clients = []
    for _ in range(50):
        c = socket.create_connection(("127.0.0.1", port))
        c.setblocking(False)
        clients.append(c)
    deadline = time.time() + 30
    while time.time() < deadline:
        if sum(send_some(c) for c in clients) == 0:
            # Nothing taken now and nothing 0.3 s later: every connection's server side stopped reading.
            time.sleep(0.3)
            if sum(send_some(c) for c in clients) == 0:
                break
    show("peak", memory(), before)
    for c in clients:
        c.close()
    start = time.time()
    while time.time() - start < seconds:
        time.sleep(1)
        show(f"{time.time() - start:.0f} s", memory(), before)
finally:
    server.kill()

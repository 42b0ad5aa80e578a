#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# An asyncio TCP echo (test_preload_programs.sh asyncio): the ordinary asyncio program, which
# runs on epoll, non-blocking connect and getaddrinfo.
#   asyncio_echo.py server HOST PORT N   echo every connection until it half-closes; exit 0
#                                        after N connections
#   asyncio_echo.py client HOST PORT N SIZE
#                                        N concurrent connections each send SIZE random bytes,
#                                        half-close and must read the same bytes back; prints
#                                        "ok N" and exits 0, or names the first difference
import asyncio
import os
import sys


async def server(host, port, n):
    done = asyncio.Event()
    count = 0

    async def echo(reader, writer):
        nonlocal count
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        writer.close()
        await writer.wait_closed()
        count += 1
        if count == n:
            done.set()

    srv = await asyncio.start_server(echo, host, port, reuse_address=True)
    print(f"listening on {host}:{port}", flush=True)
    async with srv:
        await done.wait()
    return 0


async def one(host, port, size):
    payload = os.urandom(size)
    reader, writer = await asyncio.open_connection(host, port)

    async def send():
        writer.write(payload)
        await writer.drain()
        writer.write_eof()

    sender = asyncio.create_task(send())
    got = await reader.read(-1)
    await sender
    writer.close()
    await writer.wait_closed()
    return got == payload, len(got)


async def client(host, port, n, size):
    res = await asyncio.gather(*(one(host, port, size) for _ in range(n)))
    bad = [r for r in res if not r[0]]
    if bad:
        print(f"FAIL: {len(bad)} of {n} connections echoed other bytes (got {bad[0][1]} of {size})")
        return 1
    print(f"ok {n}")
    return 0


if __name__ == "__main__":
    mode, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if mode == "server":
        sys.exit(asyncio.run(server(host, port, n)))
    sys.exit(asyncio.run(asyncio.wait_for(client(host, port, n, int(sys.argv[5])), 60)))

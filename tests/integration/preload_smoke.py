#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# The server of test_preload_smoke.sh, run under libspindle_preload.so: TCP on 8080 (two
# listeners with SO_REUSEPORT) answers each connection with the upper-cased bytes it received
# once the peer half-closes; UDP on 8081 echoes
# each datagram upper-cased. One epoll selector holds the listener, the connections, the UDP
# socket and a kernel pipe (a mixed set). Each connection is served on a dup() of the accepted
# descriptor, which is closed. Exits after N TCP connections (argv[1]) and the one on 8082: a
# listener with SO_RCVBUF 4096 (set before listen(), Linux: a 4096-byte window, scale 0) whose
# connection is not read until a UDP "drain" datagram comes; then it prints what the socket
# held (FIONREAD) and what it read until the end of the stream.
import fcntl
import os
import selectors
import socket
import sys
import termios

n = int(sys.argv[1])
sel = selectors.EpollSelector()
listeners = []
for _ in range(2):  # two SO_REUSEPORT listeners share 8080: connections alternate
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    ls.bind(("0.0.0.0", 8080))
    ls.listen(16)
    ls.setblocking(False)
    listeners.append(ls)
accepted = [0, 0]
small_ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
small_ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
small_ls.bind(("0.0.0.0", 8082))
small_ls.listen(1)
small_ls.setblocking(False)
small = None  # its connection, not read until "drain"
small_read = -1  # bytes read from it once drained, -1 until its end of stream
us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
us.bind(("0.0.0.0", 8081))
us.setblocking(False)
rp, wp = os.pipe()  # a kernel fd in the same set: written once, read once
os.write(wp, b"k")
for i, ls in enumerate(listeners):
    sel.register(ls, selectors.EVENT_READ, i)
sel.register(us, selectors.EVENT_READ, "udp")
sel.register(small_ls, selectors.EVENT_READ, "small_ls")
sel.register(rp, selectors.EVENT_READ, "pipe")
print("listening", ls.getsockname(), flush=True)
served = 0
got = {}
while served < n or small_read < 0:
    events = sel.select(timeout=30)
    if not events:
        sys.exit("no event in 30 s")
    for key, _ in events:
        if isinstance(key.data, int):
            # serve each connection on a duplicate (dup(2)) and close the accepted number:
            # the connection must outlive it
            c0, _ = key.fileobj.accept()
            accepted[key.data] += 1
            c = c0.dup()
            c0.close()
            c.setblocking(False)
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            got[c] = []
            sel.register(c, selectors.EVENT_READ, "conn")
        elif key.data == "small_ls":
            small, _ = small_ls.accept()
            small.setblocking(False)
            print("small SO_RCVBUF reads", small.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF),
                  flush=True)
        elif key.data == "udp":
            d, a = us.recvfrom(65536)
            if d == b"drain" and small is not None:
                held = fcntl.ioctl(small, termios.FIONREAD, b"\0\0\0\0")
                print("small held", int.from_bytes(held, sys.byteorder), flush=True)
                small_got = 0
                sel.register(small, selectors.EVENT_READ, "small")
            us.sendto(d.upper(), a)
        elif key.data == "small":
            d = small.recv(65536)
            small_got += len(d)
            if not d:
                sel.unregister(small)
                small.close()
                small_read = small_got
                print("small read", small_read, flush=True)
        elif key.data == "pipe":
            print("kernel pipe readable in the mixed set:", os.read(rp, 1), flush=True)
            sel.unregister(rp)
        else:
            c = key.fileobj
            d = c.recv(65536)
            if d:
                got[c].append(d)
                continue
            sel.unregister(c)
            c.setblocking(True)
            c.sendall(b"".join(got.pop(c)).upper())
            c.close()
            served += 1
print("served", served, flush=True)
print("accepted per SO_REUSEPORT listener:", *accepted, flush=True)

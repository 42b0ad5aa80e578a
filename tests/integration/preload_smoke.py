#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# The server of test_preload_smoke.sh, run under libspindle_preload.so: TCP on 8080 (two
# listeners with SO_REUSEPORT) answers each connection with the upper-cased bytes it received
# once the peer half-closes; UDP on 8081 echoes
# each datagram upper-cased. One epoll selector holds the listener, the connections, the UDP
# socket and a kernel pipe (a mixed set). Each connection is served on a dup() of the accepted
# descriptor, which is closed. Exits after N TCP connections (argv[1]).
import os
import selectors
import socket
import sys

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
us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
us.bind(("0.0.0.0", 8081))
us.setblocking(False)
rp, wp = os.pipe()  # a kernel fd in the same set: written once, read once
os.write(wp, b"k")
for i, ls in enumerate(listeners):
    sel.register(ls, selectors.EVENT_READ, i)
sel.register(us, selectors.EVENT_READ, "udp")
sel.register(rp, selectors.EVENT_READ, "pipe")
print("listening", ls.getsockname(), flush=True)
served = 0
got = {}
while served < n:
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
        elif key.data == "udp":
            d, a = us.recvfrom(65536)
            us.sendto(d.upper(), a)
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

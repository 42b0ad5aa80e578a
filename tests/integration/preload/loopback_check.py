#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# A program that serves on spindle and talks to itself over 127.0.0.1, the kernel's loopback
# ([stack] kernel_loopback, docs/preload.md): a TCP listener on 127.0.0.1 (non-blocking before
# bind, SO_REUSEADDR) and a client of it; a UDP socket bound to 127.0.0.1 and an unbound one
# sending to it; then a spindle listener on ADDRESS:PORT answers one kernel client.
#   Usage: loopback_check.py ADDRESS PORT
import select
import socket
import sys

addr, port = sys.argv[1], int(sys.argv[2])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((addr, port))
srv.listen(8)

lo = socket.socket()
lo.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lo.setblocking(False)
lo.bind(("127.0.0.1", port))
lo.listen(8)
print("lo listener: reuseaddr", lo.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR) != 0,
      "nonblocking", lo.getblocking() is False, flush=True)
c = socket.socket()
c.settimeout(5)
c.connect(("127.0.0.1", port))
select.select([lo], [], [], 5)
a, peer = lo.accept()
c.sendall(b"ping")
a.settimeout(5)
print("tcp over lo:", a.recv(4).decode(), peer[0], flush=True)

u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind(("127.0.0.1", port))
u.settimeout(5)
v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
v.sendto(b"dgram", ("127.0.0.1", port))
print("udp over lo:", u.recv(16).decode(), flush=True)

print("listening", flush=True)
conn, _ = srv.accept()
conn.sendall(b"from spindle\n")
conn.close()
for s in (srv, lo, c, a, u, v):
    s.close()

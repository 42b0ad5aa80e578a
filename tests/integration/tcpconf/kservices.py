#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Kernel-socket stand-ins for spindle's echo (7), discard (9), chargen (19) and http (80)
services, for test_tcpconf.sh's `kernel` mode: the conformance suite run against the Linux
kernel checks the framework itself (README.md "Self-check"). Standard library only.
Usage: kservices.py ADDRESS"""
import socket
import sys
import threading

ADDR = sys.argv[1] if len(sys.argv) > 1 else "198.18.0.2"
CHARGEN = b"".join(bytes(32 + (k + j) % 95 for j in range(72)) + b"\r\n" for k in range(95))
PAGE = b"<html><body>tcpconf kernel target</body></html>\n"


def serve(port, handler):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ADDR, port))
    s.listen(128)
    while True:
        c, _ = s.accept()
        threading.Thread(target=guard, args=(handler, c), daemon=True).start()


def guard(handler, c):
    try:
        handler(c)
    except OSError:
        pass
    finally:
        c.close()


def echo(c):
    while True:
        d = c.recv(65536)
        if not d:
            return
        c.sendall(d)


def discard(c):
    while c.recv(65536):
        pass


def chargen(c):
    while True:
        c.sendall(CHARGEN)


def http(c):
    req = b""
    while b"\r\n\r\n" not in req:
        d = c.recv(4096)
        if not d:
            return
        req += d
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(PAGE)
              + PAGE)
    c.shutdown(socket.SHUT_WR)
    while c.recv(4096):
        pass


for port, h in ((7, echo), (9, discard), (19, chargen), (80, http)):
    threading.Thread(target=serve, args=(port, h), daemon=True).start()
print("kservices started", flush=True)
threading.Event().wait()

#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The batch calls of a UDP server, through libc as a C program makes them (ctypes), so that
libspindle_preload.so interposes them (docs/preload.md "What works").

  mmsg_echo.py serve PORT N   bind 0.0.0.0:PORT; wait with epoll_pwait2(); take what has come
                              with recvmmsg(MSG_WAITFORONE) and answer each datagram upper-cased
                              with one sendmmsg() per batch, until N datagrams; then splice()
                              from the socket (spindle: EINVAL; Linux's UDP can splice, an
                              empty socket EAGAIN). Prints "bound", "served N in B batches",
                              "splice ERRNO-TEXT"
  mmsg_echo.py send HOST PORT N   a plain client: N datagrams at once, then the answers;
                              prints "ok K" with K the datagrams that came back upper-cased
"""
import ctypes
import os
import select
import socket
import sys

# The process's global scope, as a C program's calls resolve: a preloaded library's definition
# comes first (a handle of libc.so.6 itself would bypass it).
libc = ctypes.CDLL(None, use_errno=True)
MSG_WAITFORONE = 0x10000
VLEN = 8


class Iovec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


class Msghdr(ctypes.Structure):
    _fields_ = [("msg_name", ctypes.c_void_p), ("msg_namelen", ctypes.c_uint32),
                ("msg_iov", ctypes.POINTER(Iovec)), ("msg_iovlen", ctypes.c_size_t),
                ("msg_control", ctypes.c_void_p), ("msg_controllen", ctypes.c_size_t),
                ("msg_flags", ctypes.c_int)]


class Mmsghdr(ctypes.Structure):
    _fields_ = [("msg_hdr", Msghdr), ("msg_len", ctypes.c_uint)]


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


class EpollEvent(ctypes.Structure):
    _pack_ = 1  # x86-64's struct epoll_event is packed
    _fields_ = [("events", ctypes.c_uint32), ("data", ctypes.c_uint64)]


def fail(what):
    e = ctypes.get_errno()
    sys.exit("%s: %s" % (what, os.strerror(e)))


def serve(port, n):
    n = int(n)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(port)))
    s.setblocking(False)
    ep = select.epoll()
    ep.register(s.fileno(), select.EPOLLIN)
    bufs = [ctypes.create_string_buffer(2048) for _ in range(VLEN)]
    names = [ctypes.create_string_buffer(16) for _ in range(VLEN)]
    iovs = (Iovec * VLEN)()
    rx = (Mmsghdr * VLEN)()
    tx = (Mmsghdr * VLEN)()
    out = [ctypes.create_string_buffer(2048) for _ in range(VLEN)]
    oiovs = (Iovec * VLEN)()
    print("bound", flush=True)
    served = batches = 0
    while served < n:
        ev = EpollEvent()
        r = libc.epoll_pwait2(ep.fileno(), ctypes.byref(ev), 1,
                              ctypes.byref(Timespec(20, 0)), None)
        if r < 0:
            fail("epoll_pwait2")
        if r == 0:
            sys.exit("nothing came in 20 s")
        for i in range(VLEN):
            iovs[i] = Iovec(ctypes.cast(bufs[i], ctypes.c_void_p), 2048)
            rx[i].msg_hdr = Msghdr(ctypes.cast(names[i], ctypes.c_void_p), 16,
                                   ctypes.pointer(iovs[i]), 1, None, 0, 0)
        k = libc.recvmmsg(s.fileno(), rx, VLEN, MSG_WAITFORONE, None)
        if k < 0:
            fail("recvmmsg")
        for i in range(k):
            data = bufs[i].raw[:rx[i].msg_len].upper()
            ctypes.memmove(out[i], data, len(data))
            oiovs[i] = Iovec(ctypes.cast(out[i], ctypes.c_void_p), len(data))
            tx[i].msg_hdr = Msghdr(ctypes.cast(names[i], ctypes.c_void_p),
                                   rx[i].msg_hdr.msg_namelen, ctypes.pointer(oiovs[i]), 1,
                                   None, 0, 0)
        if libc.sendmmsg(s.fileno(), tx, k, 0) != k:
            fail("sendmmsg")
        served += k
        batches += 1
    print("served %d in %d batches" % (served, batches), flush=True)
    rp, wp = os.pipe()
    libc.splice.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
                            ctypes.c_size_t, ctypes.c_uint]
    libc.splice.restype = ctypes.c_ssize_t
    if libc.splice(s.fileno(), None, wp, None, 100, 0) != -1:
        sys.exit("splice from an empty UDP socket did not fail")
    print("splice", "EINVAL" if ctypes.get_errno() == 22 else os.strerror(ctypes.get_errno()))
    s.close()


def send(host, port, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    msgs = [b"datagram %d" % i for i in range(int(n))]
    for m in msgs:
        s.sendto(m, (host, int(port)))
    got = set()
    try:
        while len(got) < len(msgs):
            got.add(s.recv(2048))
    except socket.timeout:
        pass
    print("ok", sum(1 for m in msgs if m.upper() in got))


if __name__ == "__main__":
    {"serve": serve, "send": send}[sys.argv[1]](*sys.argv[2:])

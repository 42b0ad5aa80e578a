#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""AF_INET6 sockets that meet IPv4 through IPv4-mapped addresses (docs/preload.md "IPv6").

  inet6_check.py get HOST PORT PATH     an AF_INET6 TCP client: connect to ::ffff:HOST, GET PATH
                                        (HTTP/1.0), print "FAMILY LOCAL PEER SHA256" of the body;
                                        then "tos T ttl L mss<=1000 B": IP_TOS 0x20, IP_TTL 33
                                        and TCP_MAXSEG 1000 set before connect(), read back
  inet6_check.py udp-echo PORT N        an AF_INET6 UDP socket bound to ::, echo N datagrams
                                        upper-cased, print each sender ("from ADDR")
  inet6_check.py udp-send HOST PORT N   a plain IPv4 UDP client: N datagrams, print "ok N" when
                                        each came back upper-cased
"""
import hashlib
import socket
import sys


def get(host, port, path):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(20)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0x20)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 33)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1000)
    s.connect(("::ffff:" + host, int(port)))
    opts = "tos %d ttl %d mss<=1000 %s" % (
        s.getsockopt(socket.IPPROTO_IP, socket.IP_TOS),
        s.getsockopt(socket.IPPROTO_IP, socket.IP_TTL),
        s.getsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG) <= 1000)
    s.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\n\r\n")
    with s.makefile("rb") as f:  # HTTP/1.0: the server closes after the body
        body = f.read().split(b"\r\n\r\n", 1)[1]
    print(s.family.name, s.getsockname()[0], s.getpeername()[0],
          hashlib.sha256(body).hexdigest())
    print(opts)
    s.close()


def udp_echo(port, n):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.bind(("::", int(port)))
    print("bound", s.getsockname()[0], flush=True)
    for _ in range(int(n)):
        d, a = s.recvfrom(2048)
        print("from", a[0], flush=True)
        s.sendto(d.upper(), a)
    s.close()


def udp_send(host, port, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    ok = 0
    for i in range(int(n)):
        msg = b"datagram %d" % i
        s.sendto(msg, (host, int(port)))
        if s.recv(2048) == msg.upper():
            ok += 1
    print("ok", ok)


if __name__ == "__main__":
    {"get": get, "udp-echo": udp_echo, "udp-send": udp_send}[sys.argv[1]](*sys.argv[2:])

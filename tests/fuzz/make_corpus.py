#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus for fuzz_input (see the input format in fuzz_input.c).

Seeds are valid frames (correct checksums) so the fuzzer starts deep in each protocol:
ping, fragmented ping, ARP, UDP to a closed port, a TCP handshake with data and FIN,
and forwarding. Run: tests/fuzz/make_corpus.py tests/fuzz/corpus
"""
import os
import struct
import sys

OUR = bytes([2, 0, 0, 0, 0, 2])
PEER = bytes([2, 0, 0, 0, 0, 1])
BCAST = b"\xff" * 6


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def ipv4(src, dst, proto, payload, ident=1, frag=0, ttl=64, total=None):
    tl = total if total is not None else 20 + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tl, ident, frag, ttl, proto, 0, ip4(src), ip4(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def icmp_echo(ident, seq, data):
    h = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    return h[:2] + struct.pack("!H", csum(h)) + h[4:]


def udp(src, dst, sport, dport, data):
    u = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    ph = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 17, len(u))
    return u[:6] + struct.pack("!H", csum(ph + u)) + u[8:]


def tcp(src, dst, sport, dport, seq, ack, flags, data=b"", opts=b""):
    off = (20 + len(opts)) // 4
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, 65535, 0, 0) + opts + data
    ph = ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(t))
    return t[:16] + struct.pack("!H", csum(ph + t)) + t[18:]


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, ip4(spa), tha, ip4(tpa))


def rec(frame, step=1, port=0):
    return struct.pack("<HB", len(frame), (port << 7) | step) + frame


P, S = "198.18.0.1", "198.18.0.2"
seeds = {}
seeds["ping"] = bytes([0]) + rec(eth(OUR, PEER, 0x0800, ipv4(P, S, 1, icmp_echo(1, 1, b"x" * 56))))
big = icmp_echo(7, 1, bytes(range(256)) * 12)
f1 = ipv4(P, S, 1, big[:1480], ident=9, frag=0x2000)
f2 = ipv4(P, S, 1, big[1480:], ident=9, frag=1480 // 8)
seeds["frag_ping"] = bytes([0]) + rec(eth(OUR, PEER, 0x0800, f2)) + rec(eth(OUR, PEER, 0x0800, f1))
seeds["arp_on_request"] = bytes([1]) + rec(eth(BCAST, PEER, 0x0806, arp(1, PEER, P, b"\0" * 6, S)))
seeds["arp_on_ping_unknown"] = bytes([1]) + rec(
    eth(OUR, bytes([2, 0, 0, 0, 0, 9]), 0x0800, ipv4("198.18.0.9", S, 1, icmp_echo(1, 1, b"ab"))))
seeds["udp_closed"] = bytes([0]) + rec(eth(OUR, PEER, 0x0800, ipv4(P, S, 17, udp(P, S, 5000, 9999, b"hi"))))
mss = b"\x02\x04\x05\xb4\x04\x02\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00\x01\x03\x03\x07"
hs = bytes([4])
hs += rec(eth(OUR, PEER, 0x0800, ipv4(P, S, 6, tcp(P, S, 40000, 80, 1000, 0, 0x02, opts=mss))))
# The stack's ISN is unpredictable, so the ACK below is usually refused: the fuzzer mutates it.
hs += rec(eth(OUR, PEER, 0x0800, ipv4(P, S, 6, tcp(P, S, 40000, 80, 1001, 1, 0x10))))
hs += rec(eth(OUR, PEER, 0x0800, ipv4(P, S, 6, tcp(P, S, 40000, 80, 1001, 1, 0x18, b"GET / HTTP/1.1\r\n\r\n"))))
hs += rec(eth(OUR, PEER, 0x0800, ipv4(P, S, 6, tcp(P, S, 40000, 80, 1019, 1, 0x11))), step=100)
seeds["tcp_handshake"] = hs
seeds["tcp_rst_closed"] = bytes([0]) + rec(eth(OUR, PEER, 0x0800, ipv4(P, S, 6, tcp(P, S, 1234, 22, 5, 0, 0x02))))
seeds["forward"] = bytes([2]) + rec(eth(OUR, PEER, 0x0800, ipv4(P, "198.18.1.7", 1, icmp_echo(3, 3, b"fw"), ttl=5)))
seeds["forward_ttl1"] = bytes([2]) + rec(eth(OUR, PEER, 0x0800, ipv4(P, "198.18.1.7", 1, icmp_echo(3, 4, b"fw"), ttl=1)))

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print("wrote %d seeds to %s" % (len(seeds), out))

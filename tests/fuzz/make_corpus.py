#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpus for fuzz_input (see the input format in fuzz_input.c).

Seeds are valid frames (correct checksums) so the fuzzer starts deep in each protocol:
ping, fragmented ping, ping and timestamp request with record route and timestamp options, ARP,
UDP to a closed port, a TCP handshake with data and FIN,
and forwarding. The st_* seeds use the stateful mode (setup bit 3): their seq/ack fields,
SACK edges and TSecr are relative to the peer's ISN and the stack's ISS / last TSval, so
they complete handshakes and reach ESTABLISHED, SACK recovery, the out-of-order queue,
zero-window probing, the FIN states and TIME-WAIT. Files named crash-* in the corpus
(minimised reproducers of fixed bugs) are not written here and are left alone.
Run: tests/fuzz/make_corpus.py tests/fuzz/corpus
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


def tcp(src, dst, sport, dport, seq, ack, flags, data=b"", opts=b"", win=65535):
    off = (20 + len(opts)) // 4
    t = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, win, 0, 0) + opts + data
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
# IP options reflected in replies (RFC 1122 3.2.2.6): record route and timestamp on an echo and
# on a timestamp request (RFC 792 type 13)
ipopts = bytes([7, 11, 4]) + bytes(8) + b"\x01" + bytes([68, 20, 5, 1]) + bytes(16)


def with_opts(dgram, opts):
    ihl = 20 + len(opts)
    h = bytes([0x40 | ihl // 4]) + dgram[1:2] + struct.pack("!H", len(dgram) + len(opts)) + \
        dgram[4:10] + b"\0\0" + dgram[12:20] + opts
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + dgram[20:]


ts_req = struct.pack("!BBHHHIII", 13, 0, 0, 5, 1, 1000, 0, 0)
ts_req = ts_req[:2] + struct.pack("!H", csum(ts_req)) + ts_req[4:]
seeds["ping_ip_opts"] = bytes([0]) + rec(eth(OUR, PEER, 0x0800, with_opts(
    ipv4(P, S, 1, icmp_echo(1, 2, b"opts")), ipopts)))
seeds["timestamp_ip_opts"] = bytes([0]) + rec(eth(OUR, PEER, 0x0800, with_opts(
    ipv4(P, S, 1, ts_req), ipopts)))

# ---- stateful mode (fuzz_input.c header): [u16 len][u8 step][u8 op][frame] ----
SEQ, ACK, SACK, TSECR, BADSUM, PORT, APP = 1, 2, 4, 8, 16, 32, 128
SEND, SHUT, CLOSE, ABORT, FLUSH, RFLOW, CONNECT, ECHO = range(8)
STL = bytes([4 | 8])  # listener on port 80, stateful


def srec(frame, op, step=1, port=0):
    return struct.pack("<HBB", len(frame), (port << 7) | step, op) + frame


def app(action, n=0, slot=0, step=1):
    return srec(struct.pack("<H", n), APP | (action << 4) | slot, step)


def nop2():
    return b"\x01\x01"


def ts(val, ecr=0):
    return nop2() + struct.pack("!BBII", 8, 10, val, ecr)


def sack(*blocks):
    return nop2() + struct.pack("!BB", 5, 2 + 8 * len(blocks)) + b"".join(struct.pack("!II", a, b) for a, b in blocks)


SYN_OPTS = b"\x02\x04\x05\xb4\x04\x02\x08\x0a\x00\x00\x00\x01\x00\x00\x00\x00\x01\x03\x03\x07"


def pkt(seq, ack, flags, data=b"", opts=b"", win=65535, sport=40000, dport=80):
    return eth(OUR, PEER, 0x0800, ipv4(P, S, 6, tcp(P, S, sport, dport, seq, ack, flags, data, opts, win)))


def handshake(isn=5000, win=65535, sport=40000):
    """SYN with MSS/SACK/timestamps/wscale, then the ACK of the SYN-ACK: ESTABLISHED."""
    return (srec(pkt(isn, 0, 0x02, opts=SYN_OPTS, sport=sport), 0)
            + srec(pkt(0, 0, 0x10, opts=ts(2), win=win, sport=sport), SEQ | ACK | TSECR))


R = SEQ | ACK | TSECR  # the usual op: seq, ack and TSecr relative
# handshake, the app sends 20000 bytes, the peer SACKs around a hole (3 duplicate ACKs with
# growing SACK blocks: SACK recovery), acks everything, sends data (echoed), FIN; app closes
st = STL + handshake() + app(SEND, 20000)
for i, right in enumerate((4380, 5840, 7300)):
    st += srec(pkt(0, 1460, 0x10, opts=ts(10 + i) + sack((2920, right))), R | SACK, step=2)
st += srec(pkt(0, 20000, 0x10, opts=ts(20)), R, step=5)
st += srec(pkt(0, 20000, 0x18, b"hello", opts=ts(21)), R)
st += srec(pkt(5, 20005, 0x11, opts=ts(22)), R, step=50)
st += app(CLOSE, step=5)
st += srec(pkt(6, 20006, 0x10, opts=ts(23)), R, step=1)
seeds["st_data_sack_fin"] = st
# out-of-order segments: a hole at 0..99, data at 100 and 300, then the hole filled
st = STL + handshake()
st += srec(pkt(300, 0, 0x18, b"c" * 100, opts=ts(3)), R)
st += srec(pkt(100, 0, 0x18, b"b" * 100, opts=ts(4)), R)
st += srec(pkt(0, 0, 0x18, b"a" * 100, opts=ts(5)), R)
st += srec(pkt(500, 0, 0x19, b"e" * 10, opts=ts(6)), R)
st += srec(pkt(400, 0, 0x18, b"d" * 100, opts=ts(7)), R, step=100)
seeds["st_ooo"] = st
# the peer's window closes: the app's data waits, zero-window probes go out, the window opens
st = STL + handshake(win=0) + app(ECHO, 0) + app(SEND, 3000)
st += srec(pkt(0, 0, 0x10, opts=ts(3), win=0), R, step=125)
st += srec(pkt(0, 0, 0x10, opts=ts(4), win=0), R, step=125)
st += srec(pkt(0, 0, 0x10, opts=ts(5), win=100), R, step=10)
st += srec(pkt(0, 3000, 0x10, opts=ts(6), win=1000), R, step=10)
seeds["st_zero_window"] = st
# RST in the window but not at rcv.nxt (challenge ACK, RFC 5961), then at rcv.nxt (reset)
st = STL + handshake() + app(SEND, 500)
st += srec(pkt(100, 0, 0x04), SEQ)
st += srec(pkt(0, 0, 0x04), SEQ)
seeds["st_rst_in_window"] = st
# the app closes first: FIN-WAIT-1, FIN-WAIT-2 (the peer acks the FIN), TIME-WAIT (peer's FIN)
st = STL + handshake() + app(SHUT)
st += srec(pkt(0, 1, 0x10, opts=ts(3)), R)
st += srec(pkt(0, 1, 0x18, b"late", opts=ts(4)), R)
st += srec(pkt(4, 1, 0x11, opts=ts(5)), R, step=10)
st += srec(pkt(1, 1, 0x02, opts=SYN_OPTS), 0)
seeds["st_time_wait"] = st
# simultaneous close: both FINs cross (CLOSING), then the ACK
st = STL + handshake() + app(SHUT, step=0)
st += srec(pkt(0, 0, 0x11, opts=ts(3)), R)
st += srec(pkt(1, 1, 0x10, opts=ts(4)), R)
seeds["st_closing"] = st
# the peer closes first: CLOSE-WAIT, the app sends and closes (LAST-ACK), the peer acks
st = STL + handshake()
st += srec(pkt(0, 0, 0x11, opts=ts(3)), R)
st += app(SEND, 100) + app(CLOSE)
st += srec(pkt(1, 101, 0x10, opts=ts(4)), R)
seeds["st_last_ack"] = st
# active open: connect to 198.18.0.1:5000, the SYN-ACK, data both ways, the app aborts
syn_ack = eth(OUR, PEER, 0x0800, ipv4(P, S, 6, tcp(P, S, 5000, 0, 7000, 0, 0x12, opts=SYN_OPTS)))
st = STL + app(CONNECT, 5000, slot=7)
# PORT: the SYN-ACK goes to the ephemeral port of the stack's SYN
st += srec(syn_ack, ACK | PORT)
st += srec(eth(OUR, PEER, 0x0800, ipv4(P, S, 6, tcp(P, S, 5000, 0, 0, 0, 0x18, b"hi"))), SEQ | ACK | PORT)
st += app(SEND, 2000, slot=0) + app(FLUSH, 1, slot=0)
st += app(ABORT, slot=0)
seeds["st_active_open"] = st
# losses repaired by the retransmission timer: the app sends, nothing is acked for a while
st = STL + handshake() + app(RFLOW, 10) + app(SEND, 8000)
st += srec(pkt(0, 1460, 0x10, opts=ts(3)), R, step=121)
st += srec(pkt(0, 0, 0x18, b"x" * 1000, opts=ts(4), win=0), R, step=121)
st += srec(pkt(0, 8000, 0x10, opts=ts(5)), R, step=1)
seeds["st_rto"] = st
# no SACK, no timestamps: three duplicate ACKs start a NewReno recovery, partial ACKs follow
MSS_ONLY = b"\x02\x04\x05\xb4"
st = STL + srec(pkt(9000, 0, 0x02, opts=MSS_ONLY), 0) + srec(pkt(0, 0, 0x10), SEQ | ACK)
st += app(SEND, 14600)
for i in range(4):
    st += srec(pkt(0, 1460, 0x10), SEQ | ACK, step=2)
st += srec(pkt(0, 4380, 0x10), SEQ | ACK, step=2)
st += srec(pkt(0, 14600, 0x10), SEQ | ACK, step=2)
seeds["st_reno"] = st
# many small out-of-order segments with holes (collapsing, merging), then the holes filled
st = STL + handshake()
for i in range(40):
    st += srec(pkt(20 + 40 * i, 0, 0x18, b"o" * 20, opts=ts(3)), R, step=0)
for i in range(40):
    st += srec(pkt(40 * i, 0, 0x18, b"i" * 20, opts=ts(4)), R, step=0)
seeds["st_ooo_many"] = st
# fragmentation needed (MTU 1000) quoting the stack's first data segment: ACK makes the quoted seq
# relative to the stack's ISS + 1, so the error matches data in flight and lowers the MSS
st = STL + handshake() + app(SEND, 6000)
quote = ipv4(S, P, 6, struct.pack("!HHI", 80, 40000, 0) + b"\0" * 12)[:28]
err = struct.pack("!BBHHH", 3, 4, 0, 0, 1000) + quote
err = err[:2] + struct.pack("!H", csum(err)) + err[4:]
st += srec(eth(OUR, PEER, 0x0800, ipv4("198.18.0.9", S, 1, err)), ACK)
st += srec(pkt(0, 1460, 0x10, opts=ts(3)), R, step=121)
seeds["st_icmp_pmtu"] = st

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus")
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print("wrote %d seeds to %s" % (len(seeds), out))

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send malformed frames to spindle from the lab's kernel interface (scapy).

Usage: barrage.py IFACE [SEED] [nofrag]   (run inside the lab namespace)
nofrag leaves the fragment categories out: on net_af_packet of DPDK 22.11 the kernel reassembles
(and silently drops bad) fragments before the PMD sees them (PACKET_FANOUT_FLAG_DEFRAG).
Prints one line per category, then "sent=N min_drops=M": every frame sent must be dropped by
spindle except that a group of fragments may count as one drop (the datagram's), so M is the
number of non-fragment frames plus the number of fragment groups.
"""
import random
import sys
import time

from scapy.all import ARP, ICMP, IP, UDP, Ether, Raw, conf, sendp  # noqa: E402

IFACE = sys.argv[1]
rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 1)
conf.verb = 0
SP_MAC, K_MAC = "02:00:00:00:00:02", "02:00:00:00:00:01"
SP, K = "198.18.0.2", "198.18.0.1"
N = 80  # frames per category


def eth(t=0x0800):
    return Ether(dst=SP_MAC, src=K_MAC, type=t)


def ip_bytes(**kw):
    """A valid IPv4/ICMP echo datagram as bytes, with fields overridden afterwards."""
    return bytearray(bytes(IP(src=K, dst=SP, **kw) / ICMP(id=7, seq=1) / Raw(b"x" * 32)))


def set_cksum(b, ihl=20):
    b[10:12] = b"\0\0"
    s = sum((b[i] << 8) + b[i + 1] for i in range(0, ihl, 2))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    b[10:12] = (~s & 0xFFFF).to_bytes(2, "big")
    return b


frames = []  # (category, [frames...]); a list of >1 frames is one fragment group
singles = 0
groups = 0


def add(cat, gen, group=False):
    global singles, groups
    out = []
    for _ in range(N):
        f = gen()
        if group:
            out.append(f)
            groups += 1
        else:
            out.append([f])
            singles += 1
    frames.append((cat, out))


# Ethernet
add("eth runt (6..13 bytes)", lambda: bytes.fromhex("020000000002")[: 6] + bytes(rng.randrange(0, 8)))
add("eth dst not ours", lambda: bytes(Ether(dst="02:00:00:00:%02x:%02x" % (rng.randrange(1, 255), rng.randrange(3, 255)), src=K_MAC) / IP(src=K, dst=SP) / ICMP()))
add("eth unknown type", lambda: bytes(eth(rng.choice([0x88B5, 0x1234, 0x0000, 0x9000])) / Raw(b"y" * 46)))
# IPv4 header
add("ip truncated header", lambda: bytes(eth()) + bytes(ip_bytes()[: rng.randrange(1, 20)]))


def bad_version():
    b = ip_bytes()
    b[0] = (rng.choice([0, 1, 5, 6, 15]) << 4) | 5
    return bytes(eth()) + bytes(set_cksum(b))


add("ip bad version", bad_version)


def bad_ihl():
    b = ip_bytes()
    b[0] = 0x40 | rng.choice([0, 1, 2, 3, 4, 15])  # below 5, or beyond the 60-byte frame
    return bytes(eth()) + bytes(b[:40])


add("ip bad IHL", bad_ihl)


def bad_len():
    b = ip_bytes()
    n = rng.choice([0, 4, 19, len(b) + 1, len(b) + 200, 65535])
    b[2:4] = n.to_bytes(2, "big")
    return bytes(eth()) + bytes(set_cksum(b))


add("ip bad total length", bad_len)


def bad_cksum():
    b = set_cksum(ip_bytes())
    b[10] ^= 1 << rng.randrange(8)
    return bytes(eth()) + bytes(b)


add("ip bad header checksum", bad_cksum)
add("ip martian source", lambda: bytes(eth() / IP(src=rng.choice(["127.0.0.1", "0.0.0.7", "224.0.0.9", "255.255.255.255"]), dst=SP) / ICMP() / Raw(b"z" * 8)))


def icmp_bad():
    b = bytearray(bytes(IP(src=K, dst=SP) / ICMP(id=9, seq=rng.randrange(65536)) / Raw(b"q" * 16)))
    b[22] ^= 0xFF  # ICMP checksum
    return bytes(eth()) + bytes(b)


add("icmp bad checksum", icmp_bad)


def udp_bad():
    b = bytearray(bytes(IP(src=K, dst=SP) / UDP(sport=4000, dport=9999) / Raw(b"u" * 12)))
    b[26] ^= 0x55  # UDP checksum (non-zero, wrong)
    return bytes(eth()) + bytes(b)


add("udp bad checksum", udp_bad)
add("udp length beyond the datagram", lambda: bytes(eth() / IP(src=K, dst=SP) / UDP(sport=4000, dport=9999, len=rng.choice([0, 3, 200, 60000])) / Raw(b"v" * 12)))


# IPv4 fragments: overlapping pairs, tiny first fragments, fragments beyond 65535
def overlap():
    ident = rng.randrange(65536)
    payload = bytes(ICMP(id=3, seq=1)) + b"o" * 64
    a = eth() / IP(src=K, dst=SP, id=ident, flags="MF", frag=0, proto=1) / Raw(payload[:48])
    b = eth() / IP(src=K, dst=SP, id=ident, flags=0, frag=2, proto=1) / Raw(payload[16:])
    return [bytes(a), bytes(b)]


def tiny():
    ident = rng.randrange(65536)
    a = eth() / IP(src=K, dst=SP, id=ident, flags="MF", frag=0, proto=17) / Raw(b"\x0f\xa0\x27\x0f")
    return [bytes(a)]


def beyond():
    ident = rng.randrange(65536)
    a = eth() / IP(src=K, dst=SP, id=ident, flags=0, frag=8189, proto=1) / Raw(b"f" * 64)
    return [bytes(a)]


if "nofrag" not in sys.argv[3:]:
    add("fragments overlapping (pairs)", overlap, group=True)
    add("fragments tiny (4-byte first fragment)", tiny, group=True)
    add("fragments beyond 65535", beyond, group=True)


# ARP garbage (spindle runs with ARP on)
def arp_bad():
    kind = rng.randrange(6)
    a = ARP(op=1, hwsrc=K_MAC, psrc=K, hwdst="00:00:00:00:00:00", pdst=SP)
    if kind == 0:
        a.hwtype = 6
    elif kind == 1:
        a.ptype = 0x86DD
    elif kind == 2:
        a.hwlen = 8
    elif kind == 3:
        a.op = rng.choice([0, 3, 9, 255])
    elif kind == 4:
        a.psrc = "255.255.255.255"
    else:
        a.pdst = "198.18.0.77"
    return bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=K_MAC) / a)


add("arp garbage", arp_bad)
add("arp truncated", lambda: bytes(Ether(dst="ff:ff:ff:ff:ff:ff", src=K_MAC, type=0x0806)) + bytes(ARP(op=1, psrc=K, pdst=SP))[: rng.randrange(1, 28)])
# random bytes behind our MAC and the IPv4 type, and whole random frames (multicast/other dst)
add("random IPv4 bytes", lambda: bytes(eth()) + bytes(rng.randrange(256) for _ in range(rng.randrange(20, 200))))
add("random frames", lambda: bytes([rng.randrange(256) | 1]) + bytes(rng.randrange(256) for _ in range(rng.randrange(13, 200))))

sent = 0
for cat, items in frames:
    flat = [f for group in items for f in group]
    for i in range(0, len(flat), 40):  # bursts small enough for the tap's queue
        sendp(flat[i:i + 40], iface=IFACE)
        time.sleep(0.02)
    sent += len(flat)
    print("%-45s %4d frames" % (cat, len(flat)))
print("sent=%d min_drops=%d" % (sent, singles + groups))

# SPDX-License-Identifier: BSD-3-Clause
"""tcpconf: a small packetdrill-style framework for TCP conformance tests against a live stack.

Runs inside the lab namespace of the kernel peer (ip netns exec), under Debian's /usr/bin/python3
with python3-scapy. Segments are crafted with scapy and sent as Ethernet frames on the interface
that routes to the stack under test; the stack's answers are read from an AF_PACKET socket on the
same interface (BPF filter: TCP from the target address). The kernel of the namespace owns the
peer address too, so it would answer the stack's segments for ports it does not know with RSTs:
the runner (run.py) installs an nftables rule dropping the kernel's outgoing RSTs from the test
port range, in a namespace-local table removed at the end.

Main pieces (see README.md):
  Peer            the L2 socket, a receive buffer, expect()/expect_none()/send()
  assert_segment  exact checks of flags, seq, ack, window, options, payload length
  Conn            one crafted connection: handshake, send, ACK, collect data, tracking of both
                  sides' sequence numbers and timestamps
  test()          decorator registering a test with its RFC reference
"""
import os
import select
import socket
import struct
import subprocess
import time

from scapy.config import conf
from scapy.layers.inet import IP, TCP, ICMP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

conf.verb = 0

MOD32 = 1 << 32

# TCP flag bits
FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
FLAG_NAMES = [(FIN, "F"), (SYN, "S"), (RST, "R"), (PSH, "P"), (ACK, "A"), (URG, "U")]


class TestFailure(AssertionError):
    pass


def check(cond, msg):
    """Fail the current test with @msg unless @cond."""
    if not cond:
        raise TestFailure(msg)


def seq_add(a, b):
    return (a + b) % MOD32


def seq_diff(a, b):
    """a - b in sequence space, as a signed 32-bit number (RFC 9293 3.4 wrap-safe)."""
    d = (a - b) % MOD32
    return d - MOD32 if d >= MOD32 // 2 else d


def flags_str(f):
    return "".join(n for b, n in FLAG_NAMES if f & b) or "."


def parse_flags(s):
    v = 0
    for b, n in FLAG_NAMES:
        if n in s:
            v |= b
    return v


class Seg:
    """A received TCP segment, decoded once: host-order fields, options as a dict."""

    def __init__(self, pkt, t):
        self.pkt = pkt
        self.t = t
        ip = pkt[IP]
        tcp = pkt[TCP]
        self.src, self.dst = ip.src, ip.dst
        self.sport, self.dport = tcp.sport, tcp.dport
        self.seq, self.ack = tcp.seq, tcp.ack
        self.flags = int(tcp.flags)
        self.win = tcp.window
        self.urp = tcp.urgptr
        self.payload = bytes(tcp.payload) if tcp.payload else b""
        # IP total length is authoritative: Ethernet padding of short frames is not payload.
        plen = ip.len - ip.ihl * 4 - tcp.dataofs * 4
        self.payload = self.payload[:max(plen, 0)]
        self.opts = {}
        self.opt_kinds = []
        for o in tcp.options:
            name, val = o[0], o[1] if len(o) > 1 else None
            self.opt_kinds.append(name)
            self.opts[name] = val
        self.raw_tcp = bytes(tcp)

    @property
    def len(self):
        """SEG.LEN: payload plus one for SYN and one for FIN (RFC 9293 3.4)."""
        return len(self.payload) + (1 if self.flags & SYN else 0) + (1 if self.flags & FIN else 0)

    @property
    def end(self):
        return seq_add(self.seq, self.len)

    def has(self, flag):
        return bool(self.flags & flag)

    def __repr__(self):
        o = ",".join("%s=%s" % (k, v) if v is not None else k for k, v in self.opts.items())
        return "%s:%d>%s:%d [%s] seq=%d ack=%d win=%d len=%d%s" % (
            self.src, self.sport, self.dst, self.dport, flags_str(self.flags), self.seq,
            self.ack, self.win, len(self.payload), " <%s>" % o if o else "")


def tcp_checksum_ok(pkt):
    """Recompute the TCP checksum of a received packet (RFC 9293 3.1)."""
    ip = pkt[IP]
    raw = bytes(ip)[ip.ihl * 4:ip.len]
    pseudo = struct.pack("!4s4sBBH", socket.inet_aton(ip.src), socket.inet_aton(ip.dst), 0, 6,
                         len(raw))
    data = pseudo + raw
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s == 0xFFFF


def sh(cmd):
    return subprocess.run(cmd, shell=True, check=False, capture_output=True, text=True).stdout


class Peer:
    """The crafted peer: frames out on @iface, the target's TCP segments in, buffered."""

    def __init__(self, target_ip, iface=None, log=None):
        self.target_ip = target_ip
        if iface is None:
            # the interface the kernel routes the target through, and its source address
            r = sh("ip -o route get %s" % target_ip).split()
            iface = r[r.index("dev") + 1]
        self.iface = iface
        r = sh("ip -o route get %s" % target_ip).split()
        self.ip = r[r.index("src") + 1]
        self.mac = open("/sys/class/net/%s/address" % iface).read().strip()
        n = sh("ip neigh show %s dev %s" % (target_ip, iface)).split()
        check("lladdr" in n, "no neighbour entry for %s on %s" % (target_ip, iface))
        self.target_mac = n[n.index("lladdr") + 1]
        self.log = log or (lambda s: None)
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        self.sock.bind((iface, 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.buf = []
        self.check_csum = True
        self.bad_csum = []

    def close(self):
        self.sock.close()

    # ---- receive ----
    def _read(self, timeout):
        """Read frames for at most @timeout seconds (returns at the first batch)."""
        r, _, _ = select.select([self.sock], [], [], max(timeout, 0))
        if not r:
            return False
        while True:
            try:
                data, addr = self.sock.recvfrom(65536, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return True
            # addr[2] = packet type: skip our own outgoing frames
            if addr[2] == socket.PACKET_OUTGOING:
                continue
            t = time.monotonic()
            try:
                pkt = Ether(data)
            except Exception:
                continue
            if IP not in pkt or pkt[IP].src != self.target_ip or pkt[IP].proto != 6:
                if ICMP in pkt and pkt[IP].src == self.target_ip:
                    self.log("  <- ICMP %s" % pkt[ICMP].summary())
                continue
            if TCP not in pkt:
                continue
            s = Seg(pkt, t)
            if self.check_csum and not tcp_checksum_ok(pkt):
                self.bad_csum.append(s)
            self.log("  <- %.3f %r" % (t, s))
            self.buf.append(s)

    def expect(self, match, timeout=1.0, what="segment"):
        """The next buffered or arriving segment for which match(seg) is true, removed from the
        buffer; fails the test after @timeout seconds."""
        s = self.poll(match, timeout)
        check(s is not None, "expected %s within %.2fs; got instead: %s" % (
            what, timeout, self.buf[-6:] if self.buf else "nothing"))
        return s

    def poll(self, match, timeout):
        """Like expect() but returns None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            for i, s in enumerate(self.buf):
                if match(s):
                    del self.buf[i]
                    return s
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._read(left)

    def expect_none(self, match, timeout, what="segment"):
        """Fail if a matching segment arrives within @timeout seconds."""
        s = self.poll(match, timeout)
        check(s is None, "expected no %s within %.2fs, got %r" % (what, timeout, s))

    def collect(self, match, duration):
        """Every matching segment arriving within @duration seconds."""
        out = []
        deadline = time.monotonic() + duration
        while True:
            s = self.poll(match, deadline - time.monotonic())
            if s is None:
                return out
            out.append(s)

    def flush(self):
        self._read(0)
        self.buf = []

    # ---- send ----
    def send(self, sport, dport, flags, seq, ack=0, win=65535, opts=None, payload=b"",
             urp=0, dataofs=None, raw_opts=None, chksum=None, ip_len=None):
        """Send one crafted segment. @raw_opts: option bytes verbatim (malformed options)."""
        tcp = TCP(sport=sport, dport=dport, flags=flags if isinstance(flags, int) else
                  parse_flags(flags), seq=seq % MOD32, ack=ack % MOD32, window=win, urgptr=urp)
        if raw_opts is not None:
            # verbatim option bytes, padded with EOL to a 32-bit boundary; the data offset
            # covers them and the checksum is recomputed
            raw_opts = raw_opts + b"\0" * (-len(raw_opts) % 4)
            hdr = bytearray(bytes(tcp)[:20])
            hdr[12] = ((20 + len(raw_opts)) // 4) << 4 | (hdr[12] & 0x0F)
            tcp = TCP(bytes(hdr) + raw_opts)
            tcp.chksum = None
        elif opts:
            tcp.options = opts
        if dataofs is not None:
            tcp.dataofs = dataofs
        if chksum is not None:
            tcp.chksum = chksum
        ip = IP(src=self.ip, dst=self.target_ip, ttl=64)
        if ip_len is not None:
            ip.len = ip_len
        frame = Ether(src=self.mac, dst=self.target_mac) / ip / tcp
        if payload:
            frame = frame / Raw(payload)
        raw = bytes(frame)
        self.sock.send(raw)
        self.log("  -> %.3f %s:%d>%s:%d [%s] seq=%d ack=%d win=%d len=%d%s" % (
            time.monotonic(), self.ip, sport, self.target_ip, dport,
            flags_str(int(tcp.flags)), seq % MOD32, ack % MOD32, win, len(payload),
            " <%s>" % tcp.options if tcp.options else ""))
        return time.monotonic()


def assert_segment(s, flags=None, seq=None, ack=None, win=None, options=None, no_options=None,
                   length=None, ctx=""):
    """Exact checks of a received segment. @flags: string like "SA" (exact set, PSH ignored
    unless listed with a leading '='); @options: dict name -> value (None: present, any value);
    @no_options: names that must be absent."""
    pre = ("%s: " % ctx if ctx else "") + repr(s) + ": "
    if flags is not None:
        want = parse_flags(flags.lstrip("="))
        got = s.flags
        if not flags.startswith("="):
            got &= ~PSH
            want &= ~PSH
        check(got == want, pre + "flags %s, expected %s" % (flags_str(s.flags), flags))
    if seq is not None:
        check(s.seq == seq % MOD32, pre + "seq %d, expected %d" % (s.seq, seq % MOD32))
    if ack is not None:
        check(s.flags & ACK, pre + "no ACK flag")
        check(s.ack == ack % MOD32, pre + "ack %d, expected %d" % (s.ack, ack % MOD32))
    if win is not None:
        check(s.win == win, pre + "window %d, expected %d" % (s.win, win))
    if length is not None:
        check(len(s.payload) == length, pre + "payload %d bytes, expected %d" % (
            len(s.payload), length))
    for name, val in (options or {}).items():
        check(name in s.opts, pre + "option %s missing" % name)
        if val is not None:
            check(s.opts[name] == val, pre + "option %s = %r, expected %r" % (
                name, s.opts[name], val))
    for name in no_options or ():
        check(name not in s.opts, pre + "option %s present, must not be" % name)


class Conn:
    """One connection from a crafted port of the peer to @dport of the target.

    Tracks snd_nxt (our next sequence number), rcv_nxt (the target's next expected by us, i.e.
    what we acknowledge), the target's window shift, our TSval clock and TS.Recent from the
    target. Data the target sends is collected with recv()/read()."""

    port_next = None
    opened = []  # every Conn of the current test: the runner resets them after it

    @classmethod
    def reset_all(cls):
        """Exact RST for each connection a test left (a failed test leaves some open; a RST to
        a closed one is discarded by the target, RFC 9293 3.10.7.1)."""
        for c in cls.opened:
            if c.rcv_nxt is not None:
                c.rst()
        cls.opened = []

    def __init__(self, peer, dport, isn=0x10000000, mss=1460, wscale=None, sack=False, ts=False,
                 win=65535, sport=None, extra_opts=None):
        self.p = peer
        self.dport = dport
        self.sport = sport or Conn.alloc_port()
        self.isn = isn % MOD32
        self.snd_nxt = self.isn
        self.mss, self.wscale, self.sack, self.ts = mss, wscale, sack, ts
        self.win = win
        self.extra_opts = extra_opts or []
        self.tsval = 1000
        self.ts_recent = 0
        self.rcv_nxt = None
        self.irs = None
        self.peer_wscale = 0
        self.peer_ts = False
        self.peer_sack = False
        self.synack = None
        self.data = b""
        Conn.opened.append(self)

    @classmethod
    def alloc_port(cls):
        if cls.port_next is None:
            cls.port_next = 40000 + (os.getpid() % 50) * 100
        cls.port_next += 1
        if cls.port_next >= 49990:
            cls.port_next = 40001
        return cls.port_next

    # ---- matching ----
    def mine(self, s):
        return s.sport == self.dport and s.dport == self.sport

    def m(self, pred=None):
        """A matcher: segments of this connection for which pred(seg) holds."""
        return lambda s: self.mine(s) and (pred is None or pred(s))

    # ---- options ----
    def syn_options(self):
        o = []
        if self.mss is not None:
            o.append(("MSS", self.mss))
        if self.sack:
            o.append(("SAckOK", b""))
        if self.ts:
            o.append(("Timestamp", (self.tsval, 0)))
        if self.wscale is not None:
            o.append(("NOP", None))
            o.append(("WScale", self.wscale))
        return o + self.extra_opts

    def opts(self, sack_blocks=None, tsval=None):
        o = []
        if self.ts and self.peer_ts:
            o.append(("NOP", None))
            o.append(("NOP", None))
            o.append(("Timestamp", (self.tsval if tsval is None else tsval, self.ts_recent)))
        if sack_blocks:
            o.append(("NOP", None))
            o.append(("NOP", None))
            o.append(("SAck", tuple(v % MOD32 for b in sack_blocks for v in b)))
        return o

    # ---- open ----
    def send_syn(self):
        return self.p.send(self.sport, self.dport, SYN, self.isn, 0, self.win,
                           self.syn_options())

    def connect(self, ack_win=None, timeout=1.0):
        """Three-way handshake (RFC 9293 3.5). Returns the SYN-ACK."""
        self.send_syn()
        sa = self.p.expect(self.m(lambda s: s.has(SYN)), timeout, "SYN-ACK")
        assert_segment(sa, flags="SA", ack=self.isn + 1, ctx="SYN-ACK")
        self.synack = sa
        self.irs = sa.seq
        self.rcv_nxt = seq_add(sa.seq, 1)
        self.snd_nxt = seq_add(self.isn, 1)
        self.peer_ts = "Timestamp" in sa.opts
        self.peer_sack = "SAckOK" in sa.opts
        if self.wscale is not None and "WScale" in sa.opts:
            self.peer_wscale = sa.opts["WScale"]
        if self.peer_ts:
            self.ts_recent = sa.opts["Timestamp"][0]
        self.tick()
        self.send_ack(win=ack_win)
        return sa

    def tick(self, n=1):
        self.tsval = (self.tsval + n) % MOD32

    def note(self, s):
        """Remember TS.Recent from a received segment."""
        if self.peer_ts and "Timestamp" in s.opts:
            self.ts_recent = s.opts["Timestamp"][0]

    # ---- send ----
    def send_ack(self, ack=None, win=None, sack_blocks=None, seq=None, flags=ACK):
        return self.p.send(self.sport, self.dport, flags,
                           self.snd_nxt if seq is None else seq,
                           self.rcv_nxt if ack is None else ack,
                           self.win if win is None else win, self.opts(sack_blocks))

    def send(self, data, flags=ACK | PSH, seq=None, ack=None, win=None, advance=True,
             tsval=None, **kw):
        """Send @data at snd_nxt (or @seq); advances snd_nxt unless @advance is false."""
        s = self.snd_nxt if seq is None else seq
        t = self.p.send(self.sport, self.dport, flags, s,
                        self.rcv_nxt if ack is None else ack, self.win if win is None else win,
                        self.opts(tsval=tsval), payload=data, **kw)
        if advance and seq is None:
            self.snd_nxt = seq_add(self.snd_nxt, len(data) + (1 if flags & FIN else 0))
        return t

    def send_fin(self, data=b""):
        return self.send(data, flags=ACK | FIN | (PSH if data else 0))

    def rst(self):
        """Tear down with an exact RST (RFC 9293 3.10.7.4; RFC 5961 3.2)."""
        self.p.send(self.sport, self.dport, RST | ACK, self.snd_nxt, self.rcv_nxt, 0)

    # ---- receive ----
    def expect(self, pred=None, timeout=1.0, what="segment"):
        s = self.p.expect(self.m(pred), timeout, what)
        self.note(s)
        return s

    def expect_ack(self, ack, timeout=1.0, what=None):
        s = self.expect(lambda s: s.has(ACK) and s.ack == ack % MOD32, timeout,
                        what or "ACK %d" % (ack % MOD32))
        return s

    def read(self, n, timeout=2.0, ack=True, win=None):
        """Receive @n bytes of in-order data from the target, ACKing each segment (unless
        @ack is false). Out-of-order or duplicate data is ignored. Returns the bytes."""
        out = b""
        deadline = time.monotonic() + timeout
        while len(out) < n:
            s = self.p.poll(self.m(lambda s: len(s.payload) > 0), deadline - time.monotonic())
            check(s is not None, "read: got %d of %d bytes within %.1fs" % (len(out), n, timeout))
            self.note(s)
            off = seq_diff(self.rcv_nxt, s.seq)
            if off < 0 or off >= len(s.payload):
                continue
            chunk = s.payload[off:]
            out += chunk
            self.rcv_nxt = seq_add(self.rcv_nxt, len(chunk))
            if s.has(FIN):
                self.rcv_nxt = seq_add(self.rcv_nxt, 1)
            if ack:
                self.send_ack(win=win)
        return out

    def send_mss(self):
        """Payload bytes per segment we may send: the target's MSS (536 when absent, RFC 9293
        3.7.1), our own interface's limit, less the timestamp option when it is in use."""
        mss = min(self.synack.opts.get("MSS", 536) if self.synack else 536, 1460)
        return mss - (12 if self.ts and self.peer_ts else 0)

    def echo(self, data, timeout=2.0):
        """Send @data in MSS-sized segments and read it back from an echo service."""
        mss = self.send_mss()
        for i in range(0, len(data), mss):
            self.send(data[i:i + mss])
        return self.read(len(data), timeout)


# ---- test registry ----
TESTS = []


def test(name, rfc, slow=False):
    """Register a test function f(env) under @name citing @rfc."""
    def deco(f):
        TESTS.append((name, rfc, f, slow))
        return f
    return deco


class Env:
    """What a test gets: the peer, target facts, telemetry access and the run mode."""

    def __init__(self, peer, mode, prefix=None, mtu=1500):
        self.peer = peer
        self.mode = mode  # "spindle" or "kernel" (framework self-check)
        self.prefix = prefix
        self.mtu = mtu

    def conn(self, dport, **kw):
        return Conn(self.peer, dport, **kw)

    def stat(self, name):
        """A counter of the target (/spindle/stats summed), None when not available."""
        if self.mode != "spindle" or not self.prefix:
            return None
        try:
            return telemetry(self.prefix, "/spindle/stats").get(name)
        except Exception:
            return None


def telemetry(prefix, cmd, timeout=3.0):
    import json
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(timeout)
    s.connect(path)
    info = json.loads(s.recv(65536).decode())
    s.send(cmd.encode())
    data = s.recv(int(info.get("max_output_len", 16384)) + 1024)
    s.close()
    v = json.loads(data.decode())
    return v.get(cmd, v)

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Crafted packets and attacks against spindle that the other lab tests do not send (docs/l3.md
"Crafted input", docs/tcp.md "Defences"). Each probe checks the answer (or the silence) on the
wire, the counter that names the drop, and that the stack still serves; at the end a kernel client
(curl) must still be served, spindle must still run, and every mbuf must come back at exit.

  fragments   a fragmented echo is answered; overlapping fragments (RFC 5722 style), a datagram
              past 65535 octets ("ping of death") and a first TCP fragment shorter than the TCP
              header (RFC 1858) are dropped; 300 incomplete datagrams expire (ip_reasm_fails);
              a TCP segment in fragments reaches an established connection
  martians    SYNs from our own address (LAND), 0.0.0.0, 127/8, 224/4, 255.255.255.255 and the
              subnet broadcast (ip_martian_src); SYNs to broadcast and multicast (RFC 1122
              4.2.3.10); echo to the subnet broadcast; no error about a broadcast datagram
  neighbour   ARP off: a forged source address from another MAC does not redirect a live peer's
              traffic (neigh_learn_locked), nor a static neighbour's
  icmp        port/net unreachable about an established connection are soft (RFC 5927); quoted
              sequence numbers not in flight are ignored (OutOfWindowIcmps); redirects ignored;
              port unreachables to a UDP flood rate-limited (RFC 1812 4.3.2.8)
  pmtu        fragmentation needed about data in flight with MTU 0 (an old router's: the
              plateau below the quoted length, RFC 1191 7), 67 (ignored) and 68 (counts as
              552): 966, then 512 bytes resent (icmp_pmtu_clamped)
  tcp         malformed option lengths (TCPBadOptions), window scale 15 (tcp_wscale_clamped)
              and MSS 0, SYN+FIN
              (TCPSynFinDrops), data on a SYN, SYN+RST, PAWS (RFC 7323 5.3), a RST with a bad
              checksum, URG data
  flags       a FIN without ACK and a segment without flags in ESTABLISHED dropped
              (TCPNoAckDrops); URG pointing far past the data: the bytes echoed in line
  after_fin   data queued out of order beyond the peer's FIN (in-order FIN, or an out-of-order
              FIN whose hole fills) is dropped, not echoed nor acknowledged (TCPDataAfterFin)
  ooo_fin     a FIN alone out of order (nothing queued before it, or right behind queued data):
              a duplicate ACK at once, held, acknowledged when the hole fills
  overlap     overlapping retransmissions with other bytes: each byte delivered once, from one
              of its copies
  small_mss   a peer without MSS option (536) that swings its window between 0 and 64 KB: TSO
              frames of at most 64 pieces, the port keeps sending (tx_stall_drops stays 0)
  src_route   LSRR / SSRR datagrams dropped (ip_src_routed, RFC 7126), record route answered
  icmp_opts   record route and timestamp options (flags 0 and 1) of an echo come back with our
              address and time (RFC 1122 3.2.2.6); a partial slot at the pointer is dropped
              (ip_bad_options) with a parameter problem pointing at it (RFC 1122 3.2.2.5)
  l4_ip_opts  IP options on a SYN, on data and on UDP to a closed port are ignored (checksums
              and MSS right, the error quotes the options); TCP junk after end-of-options
  icmp_timestamp  a timestamp request gets a type 14 reply with sane times (RFC 792); a 16-byte
              one (icmp_bad_len) and one to the broadcast (icmp_bcast_timestamp) do not
  oow_acks    200 pure ACKs outside the window get one ACK (TCPAckSkippedSeq), data outside it
              is still answered
  l3_lengths  UDP and IP length fields that disagree with the frame, a bad UDP checksum, IHL 4:
              dropped with their counters, no error; UDP checksum 0 and TTL 0 are taken
  ts_poison   a forged in-window segment with a far TSval and a refused ACK does not become
              TS.Recent (the real peer is not dropped by PAWS)
  syn_again   40 SYNs again in SYN-RECEIVED get one SYN-ACK (TCPAckSkippedSynRecv), the
              handshake then completes
  sack_forged SACK blocks beyond SND.MAX, reversed or below SND.UNA ignored and counted
              (TCPSACKDiscard), the connection goes on
  icmp_synrecv  quoting our SYN-ACK in SYN-RECEIVED: port unreachable ignored, host
              unreachable drops the half-open connection (ListenDrops), its handshake's ACK
              then gets a RST
  opts_ignored  window scale, SACK-permitted, MSS and timestamps on a data segment of a
              connection that negotiated none: ignored; a source quench ignored
  bad_acks    200 pure ACKs of data never sent get one ACK (tcp_bad_ack_skipped), data
              with such an ACK is still answered
  tw_reuse    a SYN that reopens a tuple in TIME-WAIT after a 400 KB response: the SYN-ACK's
              ISS lies past the old connection's SND.NXT (RFC 1122 4.2.2.13); before it, the
              peer's FIN again and a SYN below RCV.NXT are answered by an ACK
  l2_bcast    an echo and a SYN for our address in a link-layer broadcast frame: dropped
              (ip_l2_bcast_unicast, RFC 1122 3.3.6), no answer
  seq_wrap    the peer's sequence numbers wrap past 2^32, out of order, one segment without
              its negotiated timestamp: echoed in order
  client      a second spindle whose loadgen connects to the scapy peer again and again:
              wrong-ACK SYN-ACK, RST with a bad ACK, data and FIN on the SYN-ACK, simultaneous
              open, fragmentation needed quoting the SYN, port unreachable in SYN-SENT; with
              keepalive on, segments outside the window do not keep a dead peer's connection

  test_crafted.py [tap|af_packet]     CRAFTED_ONLY="tcp after_fin ..." runs only those

The scapy peer is 198.18.0.7 (02:00:00:00:00:07), an address the lab's kernel does not own, so
the kernel neither answers nor resets its connections and spindle learns its MAC from its frames.
The classes of test_tcp_defences.py do the TCP work. Everything is bounded; lib.sh removes the lab.
"""
import os
import random
import select
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tcp_tools  # noqa: E402  (telemetry)
import test_tcp_defences as td  # noqa: E402  (Peer, Conn, check)

PY = "/usr/bin/python3"
SP_IP, SP_MAC = td.SP_IP, td.SP_MAC
KERNEL_IP, KERNEL_MAC = "198.18.0.1", "02:00:00:00:00:01"  # the static neighbour
ME_IP, ME_MAC = "198.18.0.7", "02:00:00:00:00:07"
EVIL_MAC = "02:00:00:00:00:66"
BCAST = "198.18.0.255"
CLIENT_PORT = 9  # loadgen's target in the client phase (scapy answers for 198.18.0.7)
td.PEER_IP, td.PEER_MAC = ME_IP, ME_MAC  # Conn and Peer send as 198.18.0.7
check, ok, fail = td.check, td.ok, td.fail
ACK, PSH, SYN, RST, FIN, URG = td.ACK, td.PSH, td.SYN, td.RST, td.FIN, 0x20


def outer(pmd):
    script = r'''
set -u
. "$LIB"
lab_up "$PMD" && spindle_start || exit 1
lab_exec timeout 120 "$PY" "$SELF" --inner "$(spindle_prefix)"
rc=$((${?} != 0))
if lab_exec curl -s -o /dev/null --max-time 5 http://198.18.0.2/; then
	t_ok "a kernel client is still served (curl)"
else
	t_fail "curl after the probes"; rc=1
fi
if spindle_alive; then t_ok "spindle still runs"; else t_fail "spindle died"; rc=1; fi
spindle_stop || { t_fail "spindle exit / mbuf check"; rc=1; }
grep -E "^mbufs" "$(spindle_log)" || true
[ -z "${CRAFTED_ONLY:-}" ] || [[ " $CRAFTED_ONLY " == *" client "* ]] || exit $rc
# Client connections: loadgen opens one connection after another to the scapy peer, which
# answers each SYN as a probe wants. Its unanswered connections fail after timeout_ms (3 s, so
# that the attempt a probe answers is still alive): exit status 1 is expected.
spindle_start --set service.lg.type=loadgen --set service.lg.address=198.18.0.7 \
	--set service.lg.port=$CLIENT_PORT --set service.lg.mode=connect \
	--set service.lg.close=rst --set service.lg.connections=1 \
	--set service.lg.timeout_ms=3000 --set service.lg.duration_ms=60000 \
	--set tcp.keepalive_idle_ms=1000 --set tcp.keepalive_intvl_ms=200 \
	--set tcp.keepalive_probes=2 || exit 1
lab_exec timeout 60 "$PY" "$SELF" --client "$(spindle_prefix)" || rc=1
if spindle_alive; then t_ok "client: spindle still runs"
else t_fail "client: spindle died"; rc=1; fi
sp_stop_pid "$SP_PID" INT 30 || { t_fail "client: spindle did not stop"; rc=1; }
lrc=0
wait "$SP_PID" || lrc=$?
SP_PID=
grep -a "^loadgen " "$(spindle_log)" | head -3 || true
[ "$lrc" -le 1 ] || { t_fail "client: spindle exit status $lrc"; rc=1; }
spindle_mbufs_ok || { t_fail "client: $(grep -a '^mbufs' "$(spindle_log)")"; rc=1; }
grep -a "^mbufs" "$(spindle_log)" || true
exit $rc
'''
    env = dict(os.environ, LIB=os.path.join(HERE, "lib.sh"), PMD=pmd,
               SELF=os.path.abspath(__file__), PY=PY, CLIENT_PORT=str(CLIENT_PORT))
    return subprocess.call(["bash", "-c", script], env=env)


class Wire:
    """Every frame spindle sends on sp0 (any protocol, any destination MAC)."""

    def __init__(self, peer):
        self.peer = peer

    def send(self, frame):
        with self.peer.lock:
            self.peer.tx.send(frame)

    def expect(self, match, timeout=1.0):
        """The first frame from spindle matching @match within @timeout s, else None."""
        from scapy.all import Ether
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.peer.sock], [], [], left)
            if not r:
                return None
            p = self.peer.sock.recv()
            if p is not None and Ether in p and p[Ether].src == SP_MAC and match(p):
                return p

    def count(self, match, timeout):
        n = 0
        end = time.monotonic() + timeout
        while self.expect(match, end - time.monotonic()) is not None:
            n += 1
        return n

    def drain(self):
        self.count(lambda p: True, 0.1)


def eth(src_mac=ME_MAC, dst_mac=SP_MAC):
    from scapy.all import Ether
    return Ether(src=src_mac, dst=dst_mac)


def echo_reply(ident):
    from scapy.all import ICMP

    def m(p):
        return ICMP in p and p[ICMP].type == 0 and p[ICMP].id == ident
    return m


def from_sp_to(ip_dst):
    from scapy.all import IP
    return lambda p: IP in p and p[IP].src == SP_IP and p[IP].dst == ip_dst


class Stats:
    """spindle's counters, read straight from its telemetry socket (tcp_tools.py: fast enough
    to read one between two frames of a probe)."""

    def __init__(self, prefix):
        self.prefix = prefix

    def get(self, name):
        try:
            v = tcp_tools.stat(self.prefix, name)
        except (OSError, ValueError):
            v = None
        return -1 if v is None else int(v)


def delta_check(st, name, before, want_min, what, exact=None):
    now = st.get(name)
    d = now - before
    if exact is not None:
        return check(d == exact, "%s (%s +%d, want %d)" % (what, name, d, exact))
    return check(d >= want_min, "%s (%s +%d, want >= %d)" % (what, name, d, want_min))


def t_fragments(w, st):
    from scapy.all import ICMP, IP, TCP, Raw, fragment
    # A 1200-byte echo in three fragments: reassembled and answered.
    ident = random.randint(1, 65535)
    pkt = IP(src=ME_IP, dst=SP_IP, id=4242) / ICMP(id=ident, seq=1) / Raw(b"F" * 1200)
    b_in = st.get("ip_frag_in")
    w.drain()
    for f in fragment(pkt, fragsize=400):
        w.send(eth() / f)
    check(w.expect(echo_reply(ident), 2.0) is not None, "fragments: a fragmented echo answered")
    if st.get("ip_frag_in") == b_in:
        # The lab's veth path (af_packet) hands spindle datagrams the kernel reassembled.
        print("skip: no fragment reached spindle (reassembled before the PMD)", flush=True)
        return

    # Overlap: the second fragment rewrites bytes the first carried -> the datagram is dropped.
    b_fail, b_disc = st.get("ip_reasm_fails"), st.get("ip_frag_discarded")
    ident = random.randint(1, 65535)
    body = bytes(ICMP(id=ident, seq=2) / Raw(b"O" * 792))
    fr = [IP(src=ME_IP, dst=SP_IP, id=4243, proto=1, flags="MF", frag=0) / Raw(body[:400]),
          IP(src=ME_IP, dst=SP_IP, id=4243, proto=1, flags="MF", frag=25) / Raw(body[200:600]),
          IP(src=ME_IP, dst=SP_IP, id=4243, proto=1, frag=50) / Raw(body[400:])]
    for f in fr:
        w.send(eth() / f)
    check(w.expect(echo_reply(ident), 1.0) is None, "fragments: overlapping datagram not answered")
    delta_check(st, "ip_reasm_fails", b_fail, 1, "fragments: overlap discards the datagram")
    delta_check(st, "ip_frag_discarded", b_disc, 1, "fragments: its later fragment dropped too")

    # Ping of death: a fragment ending past 65535 octets.
    b_bad = st.get("ip_frag_bad")
    w.send(eth() / IP(src=ME_IP, dst=SP_IP, id=4244, proto=1, frag=8189) / Raw(b"D" * 100))
    # RFC 1858 3.1: a first TCP fragment of 8 bytes (no flags, no data offset).
    seg = bytes(TCP(sport=4444, dport=7, flags="S", seq=1))
    w.send(eth() / IP(src=ME_IP, dst=SP_IP, id=4245, proto=6, flags="MF", frag=0) / Raw(seg[:8]))
    # RFC 1858 3.2: a TCP fragment at offset 8 (rewriting the flags of the first).
    w.send(eth() / IP(src=ME_IP, dst=SP_IP, id=4245, proto=6, frag=1) / Raw(seg[8:]))
    time.sleep(0.2)
    delta_check(st, "ip_frag_bad", b_bad, 3, "fragments: ping of death and RFC 1858 fragments",
                exact=3)
    check(w.expect(from_sp_to(ME_IP), 0.5) is None, "fragments: nothing answers them")

    # 300 datagrams that never complete: held, then expired after frag_timeout_ms (2 s).
    b_fail = st.get("ip_reasm_fails")
    for i in range(300):
        w.send(eth() / IP(src=ME_IP, dst=SP_IP, id=10000 + i, proto=17, flags="MF", frag=0)
               / Raw(b"I" * 64))
    time.sleep(3.0)
    # Expiry runs from the timers; a new fragment also finds the stale ones.
    ident = random.randint(1, 65535)
    pkt = IP(src=ME_IP, dst=SP_IP, id=4246) / ICMP(id=ident, seq=3) / Raw(b"G" * 1000)
    w.drain()
    for f in fragment(pkt, fragsize=512):
        w.send(eth() / f)
    check(w.expect(echo_reply(ident), 2.0) is not None,
          "fragments: after 300 incomplete datagrams a fragmented echo is answered")
    delta_check(st, "ip_reasm_fails", b_fail, 300, "fragments: the incomplete ones expired")

    # A TCP segment in fragments of 32 bytes to an established echo connection.
    c = td.Conn(w.peer, 7)
    if not check(c.connect() is not None, "fragments: echo connection"):
        return
    data = b"fragmented-tcp-" * 10
    seg = IP(src=ME_IP, dst=SP_IP, id=4247) / TCP(
        sport=c.sport, dport=7, flags="PA", seq=c.snd_nxt, ack=c.rcv_nxt, window=65535) / data
    for f in fragment(seg, fragsize=32):
        w.send(eth() / f)
    c.snd_nxt = (c.snd_nxt + len(data)) & 0xffffffff
    check(c.read(len(data)) == data, "fragments: a fragmented TCP segment is echoed")
    c.rst()


def t_martians(w, st):
    from scapy.all import ICMP, IP, TCP, Raw
    b = st.get("ip_martian_src")
    srcs = [SP_IP, "0.0.0.0", "127.0.0.1", "224.0.0.1", "255.255.255.255", BCAST]
    for s in srcs:
        w.send(eth() / IP(src=s, dst=SP_IP) / TCP(sport=5555, dport=80, flags="S", seq=7))
    check(w.expect(lambda p: TCP in p and p[TCP].dport == 5555, 1.0) is None,
          "martians: no SYN-ACK to a LAND, 0/8, 127/8, 224/4 or broadcast source")
    delta_check(st, "ip_martian_src", b, len(srcs), "martians: each source counted",
                exact=len(srcs))
    # RFC 1122 4.2.3.10: a SYN to a broadcast address is not for TCP.
    b = st.get("ip_bcast_tcp")
    for d in ("255.255.255.255", BCAST):
        w.send(eth(dst_mac="ff:ff:ff:ff:ff:ff") / IP(src=ME_IP, dst=d)
               / TCP(sport=5556, dport=80, flags="S", seq=7))
    b_mc, b_emc = st.get("ip_in_multicast"), st.get("eth_multicast")
    w.send(eth(dst_mac="01:00:5e:00:00:05") / IP(src=ME_IP, dst="224.0.0.5")
           / TCP(sport=5556, dport=80, flags="S", seq=7))
    w.send(eth() / IP(src=ME_IP, dst="224.0.0.5") / TCP(sport=5556, dport=80, flags="S", seq=7))
    check(w.expect(lambda p: TCP in p and p[TCP].dport == 5556, 1.0) is None,
          "martians: no answer to a SYN to a broadcast or multicast address")
    delta_check(st, "ip_bcast_tcp", b, 2, "martians: SYNs to broadcasts counted", exact=2)
    delta_check(st, "eth_multicast", b_emc, 1, "martians: multicast frame counted", exact=1)
    delta_check(st, "ip_in_multicast", b_mc, 1, "martians: multicast address counted", exact=1)
    # Echo to the subnet broadcast: not answered (RFC 1122 3.2.2.6 allows it; no amplifier).
    b = st.get("icmp_bcast_echo")
    ident = random.randint(1, 65535)
    w.send(eth(dst_mac="ff:ff:ff:ff:ff:ff") / IP(src=ME_IP, dst=BCAST) / ICMP(id=ident))
    check(w.expect(echo_reply(ident), 1.0) is None, "martians: echo to the broadcast ignored")
    delta_check(st, "icmp_bcast_echo", b, 1, "martians: broadcast echo counted", exact=1)
    # Protocol 99: unreachable to us, suppressed for a broadcast (RFC 1122 3.2.2).
    b = st.get("icmp_err_suppressed")
    w.send(eth(dst_mac="ff:ff:ff:ff:ff:ff") / IP(src=ME_IP, dst=BCAST, proto=99) / Raw(b"x" * 8))
    check(w.expect(lambda p: ICMP in p and p[ICMP].type == 3, 1.0) is None,
          "martians: no protocol unreachable about a broadcast datagram")
    delta_check(st, "icmp_err_suppressed", b, 1, "martians: suppressed error counted")
    w.send(eth() / IP(src=ME_IP, dst=SP_IP, proto=99) / Raw(b"x" * 8))
    check(w.expect(lambda p: ICMP in p and p[ICMP].type == 3 and p[ICMP].code == 2, 1.0)
          is not None, "martians: protocol unreachable about a unicast datagram")


def t_neighbour(w, st):
    from scapy.all import ICMP, IP, Ether
    # The counter first: reading it takes a while, and the forgery must come while the peer
    # speaks (within stack.neigh_learn_locktime_ms, 1 s, of its last frame).
    b = st.get("neigh_learn_locked")
    c = td.Conn(w.peer, 7)
    if not check(c.connect() is not None and c.echo_ok(b"before"), "neighbour: echo connection"):
        return
    # A ping forging 198.18.0.7's address from the attacker's MAC: answered to the real MAC.
    ident = random.randint(1, 65535)
    w.send(eth(src_mac=EVIL_MAC) / IP(src=ME_IP, dst=SP_IP) / ICMP(id=ident))
    p = w.expect(echo_reply(ident), 1.0)
    check(p is not None and p[Ether].dst == ME_MAC,
          "neighbour: the forged ping's answer goes to the peer's MAC (%s)"
          % (None if p is None else p[Ether].dst))
    delta_check(st, "neigh_learn_locked", b, 1, "neighbour: the forged MAC refused", exact=1)
    c.data(b"after-forgery")
    p = w.peer.expect(lambda p: c.mine(p) and len(p["TCP"].payload) > 0, 1.0)
    check(p is not None and p[Ether].dst == ME_MAC,
          "neighbour: the connection's data still goes to the peer's MAC")
    if p is not None:
        c.rcv_nxt = (p["TCP"].seq + len(p["TCP"].payload)) & 0xffffffff
        c.send(ACK)
    c.rst()
    # The static neighbour 198.18.0.1: never replaced.
    ident = random.randint(1, 65535)
    w.send(eth(src_mac=EVIL_MAC) / IP(src=KERNEL_IP, dst=SP_IP) / ICMP(id=ident))
    p = w.expect(echo_reply(ident), 1.0)
    check(p is not None and p[Ether].dst == KERNEL_MAC,
          "neighbour: a forged frame does not move the static neighbour")
    # 4200 datagrams from as many forged sources fill the table (4096 per lcore); a second
    # later a new peer is learned all the same (an idle forged entry is evicted).
    b_full, b_ev = st.get("neigh_table_full"), st.get("neigh_evicted")
    raw = bytes(eth(src_mac=EVIL_MAC) / IP(src="198.19.0.0", dst=SP_IP) / ICMP(id=1))
    for i in range(4200):
        fr = bytearray(raw)
        fr[28:30] = bytes((i >> 8, i & 0xff))  # IP source 198.19.x.y (14 + 12..15)
        fr[24:26] = b"\0\0"
        ck = sum(int.from_bytes(fr[k:k + 2], "big") for k in range(14, 34, 2))
        ck = (ck & 0xffff) + (ck >> 16)
        ck = (ck & 0xffff) + (ck >> 16)
        fr[24:26] = (~ck & 0xffff).to_bytes(2, "big")
        w.peer.tx.send(Ether(bytes(fr)))
    time.sleep(1.2)
    ident = random.randint(1, 65535)
    w.drain()
    w.send(eth(src_mac="02:00:00:00:00:09") / IP(src="198.18.0.9", dst=SP_IP) / ICMP(id=ident))
    p = w.expect(echo_reply(ident), 1.0)
    check(p is not None and p[Ether].dst == "02:00:00:00:00:09",
          "neighbour: after 4200 forged sources a new peer is still answered")
    delta_check(st, "neigh_table_full", b_full, 1, "neighbour: the table was full")
    delta_check(st, "neigh_evicted", b_ev, 1, "neighbour: an idle forged entry made room")


def quote(c, seq):
    from scapy.all import IP, TCP
    return bytes(IP(src=SP_IP, dst=ME_IP, proto=6, len=1040) /
                 TCP(sport=c.dport, dport=c.sport, seq=seq, flags="A"))[:28]


def in_flight(w, what, opts):
    """An echo connection with @opts whose 100 bytes echoed are left unacknowledged (in flight,
    SND.UNA .. SND.NXT): (the connection, SND.UNA), or (None, None) after a failed check."""
    c = td.Conn(w.peer, 7, opts=opts)
    if not check(c.connect() is not None, "%s: echo connection" % what):
        return None, None
    c.data(what[0].encode() * 100)
    p = w.peer.expect(lambda p: c.mine(p) and len(p["TCP"].payload) > 0, 1.0)
    if not check(p is not None, "%s: data in flight" % what):
        return None, None
    return c, p["TCP"].seq


def icmp_about(w, c, seq, typ, code):
    """An ICMP error @typ/@code quoting connection @c's segment at @seq, then 0.1 s for it to
    be handled."""
    from scapy.all import ICMP, IP, Raw
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) / ICMP(type=typ, code=code)
           / Raw(quote(c, seq & 0xffffffff)))
    time.sleep(0.1)


def goes_on(w, c, rcv_nxt, what, drain=0.1):
    """Acknowledge connection @c's data up to @rcv_nxt, then check that it still echoes; reset."""
    c.rcv_nxt = rcv_nxt & 0xffffffff
    c.send(ACK)
    w.peer.drain(drain)
    check(c.echo_ok(b"after-" + what.encode()), "%s: the connection goes on" % what)
    c.rst()


def t_icmp(w, st):
    from scapy.all import ICMP, IP, UDP, Raw
    c, una = in_flight(w, "icmp", [("MSS", 1460)])
    if c is None:
        return
    b_oow = st.get("OutOfWindowIcmps")
    for code, seq, mtu in ((4, una + 100000, 600), (3, una - 5000, 0), (1, una + 100000, 0)):
        w.send(eth() / IP(src=ME_IP, dst=SP_IP) / ICMP(type=3, code=code, nexthopmtu=mtu)
               / Raw(quote(c, seq & 0xffffffff)))
    time.sleep(0.2)
    delta_check(st, "OutOfWindowIcmps", b_oow, 3, "icmp: errors about no data in flight ignored",
                exact=3)
    # Hard codes about an established connection, in the window: soft errors (RFC 5927 4.2).
    for code in (0, 1, 2, 3):
        w.send(eth() / IP(src=ME_IP, dst=SP_IP) / ICMP(type=3, code=code)
               / Raw(quote(c, una)))
    b_un = st.get("icmp_unhandled_type")
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) / ICMP(type=5, code=1, gw="198.18.0.66")
           / Raw(quote(c, una)))
    time.sleep(0.2)
    delta_check(st, "icmp_unhandled_type", b_un, 1, "icmp: redirect ignored", exact=1)
    c.rcv_nxt = (una + 100) & 0xffffffff
    check(c.echo_ok(b"still-established"),
          "icmp: unreachable codes 0-3 about an established connection do not abort it")
    c.rst()
    # A UDP flood to a closed port: port unreachables at most the bucket (50) + 100/s.
    b_rl = st.get("icmp_rate_limited")
    w.drain()
    for i in range(400):
        w.send(eth() / IP(src=ME_IP, dst=SP_IP) / UDP(sport=6000, dport=9999) / Raw(b"u"))
    n = w.count(lambda p: ICMP in p and p[ICMP].type == 3 and p[ICMP].code == 3, 1.5)
    check(0 < n <= 50 + 100 * 3, "icmp: port unreachables to 400 datagrams rate-limited (%d)" % n)
    delta_check(st, "icmp_rate_limited", b_rl, 1, "icmp: the rest counted")


def t_icmp_synrecv(w, st):
    """ICMP errors quoting our SYN-ACK (SEG.SEQ = ISS) while the connection is in SYN-RECEIVED,
    as Linux's tcp_req_err(): port unreachable (the peer's host answered) is ignored; host
    unreachable drops the half-open connection from the backlog at once, without a RST
    (ListenDrops), and the handshake's ACK then meets the listener: RST. It used to stay for
    its SYN-ACK retries."""
    c = td.Conn(w.peer, 7)
    sa = c.syn()
    if not check(sa is not None, "icmp_synrecv: SYN-ACK"):
        return
    iss = sa["TCP"].seq
    b = st.get("ListenDrops")
    icmp_about(w, c, iss, 3, 3)
    delta_check(st, "ListenDrops", b, 0, "icmp_synrecv: port unreachable ignored", exact=0)
    icmp_about(w, c, iss, 3, 1)
    delta_check(st, "ListenDrops", b, 1, "icmp_synrecv: host unreachable dropped it",
                exact=1)
    c.rcv_nxt = (iss + 1) & 0xffffffff
    c.snd_nxt = (c.iss + 1) & 0xffffffff
    c.send(ACK)
    p = w.peer.expect(lambda p: c.mine(p), 1.0)
    check(p is not None and td.flags(p) & RST, "icmp_synrecv: the handshake's ACK gets a RST")


def t_opts_ignored(w, st):
    """Options that mean nothing on a segment that is not a SYN (RFC 7323 2.2, 3.2; RFC 2018
    2; RFC 9293 3.7.1): window scale 14, SACK-permitted, MSS 100 and timestamps on a data
    segment of a connection that negotiated none of them are ignored: the data is echoed in
    full segments, without a timestamp; a source quench (RFC 6633) about it is ignored
    (icmp_unhandled_type). spindle was right: a cheap regression check."""
    c = td.Conn(w.peer, 7)
    if not check(c.connect() is not None, "opts_ignored: echo connection"):
        return
    data = b"o" * 600
    c.send(ACK | PSH, data=data, opts=[("WScale", 14), ("SAckOK", b""), ("MSS", 100),
                                       ("Timestamp", (1, 0)), ("NOP", None), ("NOP", None)])
    c.snd_nxt = (c.snd_nxt + len(data)) & 0xffffffff
    p = w.peer.expect(lambda p: c.mine(p) and len(p["TCP"].payload) > 0, 1.0)
    # 536 bytes; a TSO piece on net_tap is 14 less (docs/tcp.md "Offloads": tso_l2_mtu)
    check(p is not None and len(p["TCP"].payload) in (536, 522) and
          not any(o[0] == "Timestamp" for o in p["TCP"].options),
          "opts_ignored: wscale, SACK-permitted, MSS, timestamps on a data segment ignored "
          "(%s)" % (None if p is None else "%d bytes, %s" % (len(p["TCP"].payload),
                                                             p["TCP"].options)))
    if p is None:
        c.rst()
        return
    una = p["TCP"].seq
    b = st.get("icmp_unhandled_type")
    icmp_about(w, c, una, 4, 0)
    delta_check(st, "icmp_unhandled_type", b, 1, "opts_ignored: source quench ignored", exact=1)
    goes_on(w, c, una + len(data), "opts_ignored", 0.2)


def t_pmtu(w, st):
    """Fragmentation needed quoting data in flight (RFC 1191, RFC 8201 floor, RFC 5927 8): MTU 0
    is an old router's (RFC 1191 5: a host must deal with it): the plateau below the quoted
    1040 bytes, 1006, and 966 bytes resent (it was ignored, a black hole behind such a
    router); 67 is ignored, 68 counts as tcp.min_pmtu (552): the resent segment carries 512
    bytes, not 28; the connection goes on."""
    from scapy.all import ICMP, IP, Raw
    c = td.Conn(w.peer, 7, opts=[("MSS", 1460)])
    if not check(c.connect() is not None, "pmtu: echo connection"):
        return
    c.data(b"p" * 1400)
    p = w.peer.expect(lambda p: c.mine(p) and len(p["TCP"].payload) > 0, 1.0)
    if not check(p is not None and len(p["TCP"].payload) == 1400, "pmtu: 1400 bytes in flight"):
        return
    una = p["TCP"].seq
    b_low, b_clamp = st.get("icmp_pmtu_lowered"), st.get("icmp_pmtu_clamped")
    w.peer.drain()

    def resent(mtus):
        for mtu in mtus:
            w.send(eth() / IP(src=ME_IP, dst=SP_IP) / ICMP(type=3, code=4, nexthopmtu=mtu)
                   / Raw(quote(c, una)))
        p = w.peer.expect(lambda p: c.mine(p) and len(p["TCP"].payload) > 0, 1.0)
        w.peer.drain(0.1)
        return None if p is None or p["TCP"].seq != una else len(p["TCP"].payload)
    # a TSO piece on net_tap is 14 less (docs/tcp.md "Offloads": tso_l2_mtu)
    n = resent((0,))
    check(n in (966, 952), "pmtu: MTU 0 (an old router) takes the plateau 1006: 966 bytes "
          "resent (%s)" % n)
    n = resent((67, 68))
    check(n in (512, 498), "pmtu: MTU 67 ignored, 68 counts as 552: 512 bytes resent (%s)" % n)
    delta_check(st, "icmp_pmtu_lowered", b_low, 2, "pmtu: lowered twice", exact=2)
    delta_check(st, "icmp_pmtu_clamped", b_clamp, 1, "pmtu: clamped once", exact=1)
    goes_on(w, c, una + 1400, "pmtu")


def t_tcp(w, st):
    from scapy.all import IP, TCP, Raw, Ether
    # Option lengths 1 and past the header: no SYN-ACK, counted.
    b = st.get("TCPBadOptions")
    for opt in (b"\x02\x01\x00\x00", b"\x03\x08\x05\x00", b"\x01\x01\x01\x08"):
        w.send(eth() / IP(src=ME_IP, dst=SP_IP) / TCP(sport=7001, dport=7, flags="S", seq=1,
                                                     dataofs=6) / Raw(opt))
    check(w.expect(lambda p: TCP in p and p[TCP].dport == 7001, 1.0) is None,
          "tcp: SYNs with malformed option lengths not answered")
    delta_check(st, "TCPBadOptions", b, 3, "tcp: malformed options counted", exact=3)
    # Window scale 15 (used as 14, counted: RFC 7323 2.3 "SHOULD log") and MSS 0 (raised to
    # tcp.min_snd_mss): works.
    b = st.get("tcp_wscale_clamped")
    c = td.Conn(w.peer, 7, opts=[("MSS", 0), ("WScale", 15), ("NOP", None)])
    check(c.connect() is not None and c.echo_ok(b"w" * 300),
          "tcp: window scale 15 and MSS 0 on the SYN: the connection works")
    delta_check(st, "tcp_wscale_clamped", b, 1, "tcp: window scale 15 counted", exact=1)
    c.rst()
    # SYN+FIN (a scan or a filter evasion): dropped, as Linux does.
    b = st.get("TCPSynFinDrops")
    c = td.Conn(w.peer, 7)
    c.send(SYN | FIN, seq=c.iss, ack=0)
    check(w.peer.expect(lambda p: c.mine(p), 0.5) is None, "tcp: SYN+FIN not answered")
    delta_check(st, "TCPSynFinDrops", b, 1, "tcp: SYN+FIN counted", exact=1)
    # Data on a SYN is not taken: the SYN-ACK acknowledges the SYN alone.
    c.send(SYN, seq=c.iss, ack=0, data=b"early")
    p = w.peer.expect(lambda p: c.mine(p) and td.flags(p) & (SYN | ACK) == SYN | ACK, 1.0)
    check(p is not None and p["TCP"].ack == (c.iss + 1) & 0xffffffff,
          "tcp: SYN with data: SYN-ACK acknowledges the SYN alone")
    if p is not None:
        c.rcv_nxt = (p["TCP"].seq + 1) & 0xffffffff
        c.snd_nxt = (c.iss + 1) & 0xffffffff
        c.send(ACK)
        check(c.echo_ok(b"after-syn-data"), "tcp: ... and the connection then works")
    c.rst()
    # SYN+RST to a listener: ignored.
    b = st.get("TCPListenRstDrops")
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) / TCP(sport=7002, dport=7, flags="SR", seq=1))
    check(w.expect(lambda p: TCP in p and p[TCP].dport == 7002, 0.5) is None,
          "tcp: SYN+RST not answered")
    delta_check(st, "TCPListenRstDrops", b, 1, "tcp: SYN+RST counted", exact=1)
    # PAWS: a segment with an older TSval is dropped with an ACK (RFC 7323 5.3).
    c = td.Conn(w.peer, 7, opts=[("Timestamp", (syn_tsval(), 0))])
    if not check(c.connect() is not None and c.echo_ok(b"ts-ok"), "tcp: timestamps connection"):
        return
    b = st.get("PAWSDrops")
    w.peer.drain()
    c.send(ACK | PSH, data=b"OLD", opts=[("Timestamp", (1, c.ts_recent))])
    p = w.peer.expect(lambda p: c.mine(p), 1.0)
    check(p is not None and len(p["TCP"].payload) == 0 and p["TCP"].ack == c.snd_nxt,
          "tcp: PAWS: an old TSval is answered by an ACK, its data dropped")
    delta_check(st, "PAWSDrops", b, 1, "tcp: PAWS drop counted", exact=1)
    # A RST exactly at RCV.NXT with a bad checksum: ignored.
    b = st.get("InCsumErrors")
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) / TCP(sport=c.sport, dport=7, flags="R",
                                                 seq=c.snd_nxt, chksum=0x1234))
    time.sleep(0.2)
    delta_check(st, "InCsumErrors", b, 1, "tcp: RST with a bad checksum counted", exact=1)
    check(c.echo_ok(b"csum-rst-ignored"), "tcp: ... and the connection survives it")
    # URG with an urgent pointer: the byte stays in line (RFC 6093).
    c.send(ACK | PSH | URG, data=b"urgent!")
    c.snd_nxt = (c.snd_nxt + 7) & 0xffffffff
    check(c.read(7) == b"urgent!", "tcp: URG data echoed in line")
    c.rst()


def t_syn_again(w, st):
    """The peer's SYN again and again while the connection is in SYN-RECEIVED (a forger
    repeating one SYN, every other one with data): one SYN-ACK per tcp.invalid_ratelimit_ms
    (500 ms), the rest counted (TCPAckSkippedSynRecv), as Linux's tcp_check_req(); the
    handshake then completes. Each one got a SYN-ACK before: 40 SYNs, 40 SYN-ACKs."""
    c = td.Conn(w.peer, 7)
    sa = c.syn()
    if not check(sa is not None, "syn_again: SYN-ACK"):
        return
    b = st.get("TCPAckSkippedSynRecv")
    for i in range(40):
        c.send(SYN, seq=c.iss, ack=0, data=b"early" if i & 1 else b"")
    n = 0
    end = time.monotonic() + 0.4
    while w.peer.expect(lambda p: c.mine(p) and td.flags(p) & (SYN | ACK) == SYN | ACK,
                        end - time.monotonic()) is not None:
        n += 1
    # the first SYN again is answered; the 1 s timer or a 500 ms turn may add one
    check(1 <= n <= 3, "syn_again: 40 SYNs again get %d SYN-ACKs (want 1..3)" % n)
    delta_check(st, "TCPAckSkippedSynRecv", b, 37, "syn_again: the rest counted")
    c.rcv_nxt = (sa["TCP"].seq + 1) & 0xffffffff
    c.snd_nxt = (c.iss + 1) & 0xffffffff
    c.send(ACK)
    check(c.echo_ok(b"after-syn-again"), "syn_again: the handshake completes, echo works")
    c.rst()


def t_sack_forged(w, st):
    """SACK blocks a hostile peer forges about data in flight: beyond SND.MAX, edges reversed,
    below SND.UNA (not a D-SACK): ignored and counted (TCPSACKDiscard, ignored uncounted
    before); the connection goes on."""
    c, una = in_flight(w, "sack_forged", [("MSS", 1460), ("SAckOK", b"")])
    if c is None:
        return
    b = st.get("TCPSACKDiscard")
    # a valid first block (not a D-SACK), the forged one second
    blocks = ((una + 1000, una + 5000), (una + 80, una + 20), (una - 900, una - 100))
    for blk in blocks:
        c.send(ACK, ack=una, opts=[("NOP", None), ("NOP", None),
                                  ("SAck", ((una + 10) & 0xffffffff, (una + 20) & 0xffffffff,
                                            blk[0] & 0xffffffff, blk[1] & 0xffffffff))])
    time.sleep(0.2)
    delta_check(st, "TCPSACKDiscard", b, 3, "sack_forged: forged blocks counted", exact=3)
    goes_on(w, c, una + 100, "sack_forged", 0.3)


def syn_tsval():
    """A TSval for a SYN below the ones Conn.send() puts on later segments (milliseconds of
    time.monotonic()): a fixed value was above them on a machine up for less than its value
    in milliseconds, and PAWS then dropped the handshake's ACK."""
    return (int(time.monotonic() * 1000) - 1000) & 0xffffffff


def t_flags(w, st):
    """Segments without ACK in a synchronised state (RFC 9293 3.10.7.4 fifth step: dropped): a
    FIN with data and a segment with no flag at all are not echoed (TCPNoAckDrops); URG with an
    urgent pointer far beyond the data: the bytes stay in line (RFC 6093). spindle was right:
    a cheap regression check."""
    from scapy.all import IP, TCP
    c = td.Conn(w.peer, 7)
    if not check(c.connect() is not None, "flags: echo connection"):
        return
    b = st.get("TCPNoAckDrops")
    w.peer.drain()
    c.send(FIN, data=b"fin-no-ack")
    c.send(0, data=b"no-flags")
    check(w.peer.expect(lambda p: c.mine(p) and len(p["TCP"].payload) > 0, 0.5) is None,
          "flags: FIN without ACK and a segment without flags: nothing echoed")
    delta_check(st, "TCPNoAckDrops", b, 2, "flags: both counted", exact=2)
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) / TCP(
        sport=c.sport, dport=7, flags="PAU", seq=c.snd_nxt, ack=c.rcv_nxt, window=65535,
        urgptr=60000) / b"urg")
    c.snd_nxt = (c.snd_nxt + 3) & 0xffffffff
    check(c.read(3) == b"urg", "flags: URG pointing past the data: the bytes echoed in line")
    check(c.echo_ok(b"after-flags"), "flags: the connection goes on")
    c.rst()


def seg(c, fl, seq, data=b"", win=65535):
    """A segment of connection @c at sequence offset @seq from its SND.NXT (not advanced)."""
    c.send(fl, seq=(c.snd_nxt + seq) & 0xffffffff, data=data, win=win)


def acks_of(c, timeout):
    """The highest ACK spindle sends on @c within @timeout s (None if it sends nothing)."""
    best = None
    end = time.monotonic() + timeout
    while True:
        p = c.peer.expect(lambda p: c.mine(p), end - time.monotonic())
        if p is None:
            return best
        a = p["TCP"].ack
        if best is None or td.sdiff(a, best) > 0:
            best = a


def t_after_fin(w, st):
    """Data beyond the peer's FIN (RFC 9293 3.10.7.4: the FIN ends the stream; what follows is
    not delivered nor acknowledged): queued out of order before the FIN came in order, or behind
    an out-of-order FIN."""
    # A: 10 bytes out of order at +10, then +0..10 with the FIN: the FIN at +10 ends the stream.
    c = td.Conn(w.peer, 7)
    if not check(c.connect() is not None, "after-fin: echo connection"):
        return
    b = st.get("TCPDataAfterFin")
    seg(c, ACK | PSH, 10, b"B" * 10)
    w.peer.drain(0.2)
    seg(c, ACK | PSH | FIN, 0, b"A" * 10)
    fin_ack = (c.snd_nxt + 11) & 0xffffffff
    c.snd_nxt = fin_ack
    got = c.read(20, 1.0)
    check(got == b"A" * 10, "after-fin: only the bytes before an in-order FIN are echoed (%r)"
          % got[:24])
    check(c.rcv_nxt is not None and acks_of(c, 0.5) in (None, fin_ack),
          "after-fin: nothing past the FIN is acknowledged")
    delta_check(st, "TCPDataAfterFin", b, 1, "after-fin: the queued data past the FIN counted")
    c.rst()
    # B: the FIN out of order at +10..20, 10 more bytes behind it, then the hole filled.
    c = td.Conn(w.peer, 7)
    if not check(c.connect() is not None, "after-fin: second echo connection"):
        return
    b = st.get("TCPDataAfterFin")
    seg(c, ACK | PSH | FIN, 10, b"B" * 10)
    seg(c, ACK | PSH, 21, b"C" * 10)
    w.peer.drain(0.2)
    seg(c, ACK | PSH, 0, b"A" * 10)
    fin_ack = (c.snd_nxt + 21) & 0xffffffff
    c.snd_nxt = fin_ack
    got = c.read(30, 1.0)
    check(got == b"A" * 10 + b"B" * 10,
          "after-fin: an out-of-order FIN ends the stream when the hole fills (%r)" % got[:32])
    check(acks_of(c, 0.5) in (None, fin_ack), "after-fin: the ACK stops at the FIN")
    delta_check(st, "TCPDataAfterFin", b, 1, "after-fin: data behind the FIN counted")
    c.rst()


def t_ooo_fin(w, st):
    """A FIN that comes alone, out of order (the data before it lost; RFC 5681 4.2, RFC 9293
    3.10.7.4: held for later, answered at once by a duplicate ACK), with nothing queued before
    it (A) or right behind queued data (B): when the hole fills, the ACK covers the FIN without
    the peer sending it again, as Linux's out-of-order queue does. It used to be dropped
    unanswered: the close waited for the peer's retransmission of the FIN."""
    for case, queued in (("A", b""), ("B", b"Q" * 10)):
        c = td.Conn(w.peer, 7)
        if not check(c.connect() is not None, "ooo-fin %s: echo connection" % case):
            return
        if queued:
            seg(c, ACK | PSH, 10, queued)
        w.peer.drain(0.2)
        seg(c, ACK | FIN, 10 + len(queued))
        p = w.peer.expect(lambda p: c.mine(p), 0.5)
        check(p is not None and p["TCP"].ack == c.snd_nxt,
              "ooo-fin %s: the FIN alone out of order gets a duplicate ACK" % case)
        seg(c, ACK | PSH, 0, b"A" * 10)
        fin_ack = (c.snd_nxt + 10 + len(queued) + 1) & 0xffffffff
        c.snd_nxt = fin_ack
        got, best = b"", None
        end = time.monotonic() + 0.8
        while True:
            p = w.peer.expect(lambda p: c.mine(p), end - time.monotonic())
            if p is None:
                break
            a, body = p["TCP"].ack, bytes(p["TCP"].payload)
            best = a if best is None or td.sdiff(a, best) > 0 else best
            if body and p["TCP"].seq == c.rcv_nxt:
                got += body
                c.rcv_nxt = (c.rcv_nxt + len(body)) & 0xffffffff
                c.send(ACK)
        check(got == b"A" * 10 + queued,
              "ooo-fin %s: the bytes before the FIN echoed (%r)" % (case, got[:24]))
        check(best == fin_ack, "ooo-fin %s: the FIN acknowledged when the hole fills (ACK %s)"
              % (case, None if best is None else td.sdiff(best, fin_ack)))
        c.rst()


def t_overlap(w, st):
    """Overlapping retransmissions with other bytes (RFC 9293 3.10.7.4 leaves the choice of
    copy): the stream delivered has every byte once, each one of the copies sent for its
    place, and it completes when the sender fills what is missing."""
    c = td.Conn(w.peer, 7)
    if not check(c.connect() is not None, "overlap: echo connection"):
        return
    sent = [set() for _ in range(40)]

    def put(off, data, fl=ACK | PSH):
        for k in range(len(data)):
            sent[off + k].add(data[k:k + 1])
        seg(c, fl, off, data)

    put(20, b"x" * 10)   # queued out of order
    put(15, b"y" * 20)   # covers it and more
    put(25, b"z" * 2)    # inside it
    put(12, b"q" * 10)   # overlaps its front
    put(0, b"a" * 18)    # in order, over the queued q's
    base = c.snd_nxt
    got = b""
    for _ in range(4):
        c.snd_nxt = (base + len(got)) & 0xffffffff
        got += c.read(40 - len(got), 0.7)
        if len(got) >= 40:
            break
        put(len(got), b"r" * (40 - len(got)))  # the sender fills from the first hole
    c.snd_nxt = (base + 40) & 0xffffffff
    check(len(got) == 40 and all(got[k:k + 1] in sent[k] for k in range(40)),
          "overlap: each byte once, from one of its copies (%r)" % got)
    check(c.echo_ok(b"after-overlap"), "overlap: the connection goes on")
    c.rst()


def t_small_mss(w, st):
    """A peer whose SYN carries no MSS (536, RFC 9293 3.7.1) downloads, acknowledges everything
    it sees and swings its window between 0 and 64 KB: a window that opens finds cwnd full
    and a TSO frame of up to 64 KB goes, more than 64 pieces of 522 bytes. On net_tap a TSO
    frame of more than 64 pieces is refused by the PMD every time (rte_gso_segment()), and it
    used to stay at the head of the TX batch, blocking the port for good. Now TSO frames carry
    at most 64 pieces, and a frame the PMD keeps refusing is dropped after 100 ms
    (tx_stall_drops): pings and the kernel's curl are still answered. The window's reopenings
    at an unchanged ACK number resend nothing (docs/tcp.md "Persist")."""
    from scapy.all import ICMP, IP
    c = td.Conn(w.peer, 80)
    if not check(c.connect() is not None, "small-mss: http connection without MSS option"):
        return
    b_stall = st.get("tx_stall_drops")
    b_rtx = st.get("RetransSegs")
    c.data(b"GET /bytes/4000000 HTTP/1.0\r\nHost: x\r\n\r\n")
    top, n = c.rcv_nxt, 0
    end = time.monotonic() + 3.0
    while time.monotonic() < end:
        p = w.peer.expect(lambda p: c.mine(p), 0.2)
        if p is None:
            continue
        e = (p["TCP"].seq + len(p["TCP"].payload)) & 0xffffffff
        if td.sdiff(e, top) > 0:
            top = e
        n += 1
        if n % 2 == 0:  # takes everything, ACKs every second segment, its window swings
            c.send(ACK, ack=top, win=(65535, 0, 65535, 3000, 0, 65535, 1)[n // 2 % 7])
    c.rst()
    w.drain()
    ident = random.randint(1, 65535)
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) / ICMP(id=ident))
    check(w.expect(echo_reply(ident), 1.0) is not None,
          "small-mss: the port still sends after the download (%d segments)" % n)
    delta_check(st, "tx_stall_drops", b_stall, 0, "small-mss: no frame the PMD refused", exact=0)
    # A window that reopens at the same ACK number resends nothing (only a refused persist
    # probe goes again): it used to resend the whole flight, some 33 frames per ACK.
    rtx = st.get("RetransSegs") - b_rtx
    check(rtx <= n // 4, "small-mss: window toggles resend nothing (RetransSegs +%d for %d "
          "segments seen)" % (rtx, n))


def t_src_route(w, st):
    """Loose and strict source routes are not honoured (RFC 7126 4.3-4.4, Linux's
    accept_source_route = 0): such datagrams are dropped (ip_src_routed), with or without hops
    left; record route is harmless and answered."""
    from scapy.all import ICMP, IP, TCP, IPOption_LSRR, IPOption_RR, IPOption_SSRR
    b = st.get("ip_src_routed")
    idents = []
    for opt in (IPOption_LSRR(routers=["198.18.0.66"]), IPOption_SSRR(routers=["198.18.0.66"]),
                IPOption_LSRR(routers=["198.18.0.66"], pointer=8)):
        idents.append(random.randint(1, 65535))
        w.send(eth() / IP(src=ME_IP, dst=SP_IP, options=[opt]) / ICMP(id=idents[-1]))
    w.send(eth() / IP(src=ME_IP, dst=SP_IP, options=[IPOption_LSRR(routers=["198.18.0.66"])])
           / TCP(sport=7100, dport=80, flags="S", seq=5))
    check(w.expect(lambda p: (ICMP in p and p[ICMP].id in idents)
                   or (TCP in p and p[TCP].dport == 7100), 1.0) is None,
          "src-route: no answer to source-routed echoes and SYN")
    delta_check(st, "ip_src_routed", b, 4, "src-route: each counted", exact=4)
    ident = random.randint(1, 65535)
    w.send(eth() / IP(src=ME_IP, dst=SP_IP, options=[IPOption_RR(routers=["0.0.0.0"] * 3)])
           / ICMP(id=ident))
    p = w.expect(echo_reply(ident), 1.0)
    check(p is not None and p[IP].dst == ME_IP, "src-route: record route echo answered")


def ip_opts(p):
    """The option bytes of the IP header of @p (scapy packet with IP)."""
    from scapy.all import IP, raw
    b = raw(p[IP])
    return b[20:(b[0] & 0x0f) * 4]


def ms_since_midnight():
    return int(time.time() * 1000) % 86400000


def ms_near(t, ref, slack=5000):
    """@t (ms since midnight UT) within @slack ms of @ref, across midnight too."""
    d = (t - ref) % 86400000
    return t < 86400000 and min(d, 86400000 - d) <= slack


def t_icmp_opts(w, st):
    """Record route and timestamp options of an echo request come back in the reply with
    spindle's address / time added (RFC 1122 3.2.2.6; before, the reply had no options);
    malformed ones are dropped (ip_bad_options) with a parameter problem (before: silence)."""
    import struct
    from scapy.all import ICMP, IP, IPOption
    sp = bytes(int(x) for x in SP_IP.split("."))
    me = bytes(int(x) for x in ME_IP.split("."))
    ident = random.randint(1, 65535)
    rr = bytes([7, 11, 8]) + me + bytes(4) + b"\x01"  # one hop recorded, ours next
    w.send(eth() / IP(src=ME_IP, dst=SP_IP, options=[IPOption(rr)]) / ICMP(id=ident))
    p = w.expect(echo_reply(ident), 1.0)
    o = ip_opts(p) if p is not None else b""
    check(o[:3] == bytes([7, 11, 12]) and o[3:7] == me and o[7:11] == sp,
          "icmp_opts: record route echoed with our address (%s)" % o.hex())
    for flag, olen in ((0, 12), (1, 20)):
        ident = random.randint(1, 65535)
        ts = bytes([68, olen, 5, flag]) + bytes(olen - 4)
        ref = ms_since_midnight()
        w.send(eth() / IP(src=ME_IP, dst=SP_IP, options=[IPOption(ts)]) / ICMP(id=ident))
        p = w.expect(echo_reply(ident), 1.0)
        o = ip_opts(p) if p is not None else b""
        if flag == 0:
            good = len(o) >= 12 and o[:4] == bytes([68, 12, 9, 0]) and \
                ms_near(struct.unpack("!I", o[4:8])[0], ref)
        else:
            good = len(o) >= 20 and o[:4] == bytes([68, 20, 13, 1]) and o[4:8] == sp and \
                ms_near(struct.unpack("!I", o[8:12])[0], ref)
        check(good, "icmp_opts: timestamp option flag %d echoed with our time (%s)"
              % (flag, o.hex()))
    b = st.get("ip_bad_options")
    ident = random.randint(1, 65535)
    w.send(eth() / IP(src=ME_IP, dst=SP_IP, options=[IPOption(bytes([7, 11, 10]) + bytes(8)),
                                                       IPOption(b"\x01")]) / ICMP(id=ident))
    p = w.expect(lambda p: ICMP in p and p[ICMP].type in (0, 12), 1.0)
    check(p is not None and p[ICMP].type == 12 and p[ICMP].code == 0 and p[ICMP].ptr == 22,
          "icmp_opts: record route with a partial slot at the pointer: parameter problem "
          "pointing at it (RFC 1122 3.2.2.5), no echo reply (%s)" %
          str(None if p is None else (p[ICMP].type, p[ICMP].ptr)))
    delta_check(st, "ip_bad_options", b, 1, "icmp_opts: counted", exact=1)


def t_icmp_timestamp(w, st):
    """A timestamp request gets a timestamp reply: originate copied, receive and transmit in
    ms since midnight UT (RFC 792, RFC 1122 3.2.2.8; before, no answer); one shorter than 20
    bytes is dropped (icmp_bad_len), one to the subnet broadcast ignored."""
    from scapy.all import ICMP, IP, Raw
    from scapy.utils import checksum
    ident = random.randint(1, 65535)
    ref = ms_since_midnight()
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) / ICMP(type=13, id=ident, seq=3, ts_ori=ref,
                                                   ts_rx=0, ts_tx=0))

    def ts_reply(p):
        return ICMP in p and p[ICMP].type == 14 and p[ICMP].id == ident

    p = w.expect(ts_reply, 1.0)
    check(p is not None and p[IP].src == SP_IP and p[IP].dst == ME_IP and p[ICMP].seq == 3 and
          p[ICMP].ts_ori == ref and ms_near(p[ICMP].ts_rx, ref) and
          p[ICMP].ts_tx == p[ICMP].ts_rx and len(p[ICMP]) == 20,
          "icmp_timestamp: type 14 reply, originate %d, receive %s" %
          (ref, p[ICMP].ts_rx if p is not None else None))
    b = st.get("icmp_bad_len")
    short = bytearray([13, 0, 0, 0, ident >> 8, ident & 0xff, 0, 4]) + bytes(8)
    short[2:4] = checksum(bytes(short)).to_bytes(2, "big")
    w.send(eth() / IP(src=ME_IP, dst=SP_IP, proto=1) / Raw(bytes(short)))
    check(w.expect(ts_reply, 0.5) is None, "icmp_timestamp: 16-byte request not answered")
    delta_check(st, "icmp_bad_len", b, 1, "icmp_timestamp: counted", exact=1)
    b = st.get("icmp_bcast_timestamp")
    w.send(eth(dst_mac="ff:ff:ff:ff:ff:ff") / IP(src=ME_IP, dst=BCAST) /
           ICMP(type=13, id=ident, seq=5))
    check(w.expect(ts_reply, 0.5) is None, "icmp_timestamp: broadcast request not answered")
    delta_check(st, "icmp_bcast_timestamp", b, 1, "icmp_timestamp: broadcast counted", exact=1)


def tcp_cksum_ok(p):
    """The TCP checksum of @p as sent, recomputed by scapy over its IP header's pseudo-header."""
    from scapy.all import IP, TCP
    q = IP(bytes(p[IP]))
    got = q[TCP].chksum
    del q[TCP].chksum
    return IP(bytes(q))[TCP].chksum == got


def t_l4_ip_opts(w, st):
    """IP options on TCP and UDP (RFC 1122 3.2.1.8: options a host does not act on are
    ignored): a SYN with record route, NOP and timestamp options gets a SYN-ACK with a good
    checksum and its MSS; data with router alert and record route is echoed; a port
    unreachable quotes the header with its options (RFC 792: the whole header); TCP options
    after an end-of-options with junk behind it are ignored (RFC 9293 3.1); a segment with
    options in fragments is reassembled; a RST carrying data resets (RFC 1122 4.2.2.12)."""
    from scapy.all import ICMP, IP, TCP, UDP, IPOption, IPerror, fragment, raw
    opts = [IPOption(bytes([7, 11, 4]) + bytes(8)), IPOption(b"\x01"),
            IPOption(bytes([68, 12, 5, 0]) + bytes(8))]
    c = td.Conn(w.peer, 7)
    w.send(eth() / IP(src=ME_IP, dst=SP_IP, options=opts) /
           TCP(sport=c.sport, dport=7, flags="S", seq=c.iss, options=[("MSS", 1200)]))
    sa = w.peer.expect(lambda p: c.mine(p) and td.flags(p) & (SYN | ACK) == SYN | ACK, 1.0)
    if not check(sa is not None and tcp_cksum_ok(sa) and sa[IP].ihl == 5 and
                 any(o[0] == "MSS" for o in sa[TCP].options),
                 "l4_ip_opts: SYN with IP options gets a SYN-ACK, checksum good, MSS, no IP "
                 "options"):
        return
    c.rcv_nxt = (sa[TCP].seq + 1) & 0xffffffff
    c.snd_nxt = (c.iss + 1) & 0xffffffff
    ra = [IPOption(b"\x94\x04\x00\x00"), IPOption(bytes([7, 7, 4]) + bytes(4)),
          IPOption(b"\x01")]
    w.send(eth() / IP(src=ME_IP, dst=SP_IP, options=ra) /
           TCP(sport=c.sport, dport=7, flags="A", seq=c.snd_nxt, ack=c.rcv_nxt))
    w.send(eth() / IP(src=ME_IP, dst=SP_IP, options=ra) /
           TCP(sport=c.sport, dport=7, flags="PA", seq=c.snd_nxt, ack=c.rcv_nxt) / b"hello")
    c.snd_nxt = (c.snd_nxt + 5) & 0xffffffff
    p = w.peer.expect(lambda p: c.mine(p) and bytes(p[TCP].payload) == b"hello", 1.0)
    check(p is not None and tcp_cksum_ok(p),
          "l4_ip_opts: data with router alert and record route echoed, checksum good")
    # TCP options: MSS, EOL, then bytes that would be a malformed option if read
    t = raw(TCP(sport=c.sport, dport=7, flags="PA", seq=c.snd_nxt, ack=c.rcv_nxt,
                options=[("NOP", None), ("EOL", None), ("NOP", None), ("NOP", None)]))
    t = t[:21] + b"\x05\xff" + t[23:]
    b = st.get("TCPBadOptions")
    pkt = IP(raw(IP(src=ME_IP, dst=SP_IP, proto=6) / (t + b"again")))
    del pkt[TCP].chksum
    w.send(eth() / IP(raw(pkt)))
    c.snd_nxt = (c.snd_nxt + 5) & 0xffffffff
    p = w.peer.expect(lambda p: c.mine(p) and bytes(p[TCP].payload) == b"again", 1.0)
    check(p is not None, "l4_ip_opts: TCP bytes after end-of-options ignored, data echoed")
    delta_check(st, "TCPBadOptions", b, 0, "l4_ip_opts: not a bad option", exact=0)
    # 40 bytes in two fragments, the first with record route (not copied, RFC 791)
    data = bytes(range(65, 105))
    seg = IP(src=ME_IP, dst=SP_IP, options=[IPOption(bytes([7, 7, 4]) + bytes(4)),
                                            IPOption(b"\x01")]) / \
        TCP(sport=c.sport, dport=7, flags="PA", seq=c.snd_nxt, ack=c.rcv_nxt) / data
    for f in fragment(IP(raw(seg)), fragsize=32):
        w.send(eth() / f)
    c.snd_nxt = (c.snd_nxt + len(data)) & 0xffffffff
    p = w.peer.expect(lambda p: c.mine(p) and bytes(p[TCP].payload) == data, 1.0)
    check(p is not None, "l4_ip_opts: a segment with options in two fragments echoed")
    # RFC 9293 3.5.3 / RFC 1122 4.2.2.12: a RST may carry data (a diagnostic); it resets
    b = st.get("EstabResets")
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) /
           TCP(sport=c.sport, dport=7, flags="RA", seq=c.snd_nxt, ack=c.rcv_nxt) / b"diag")
    delta_check(st, "EstabResets", b, 1, "l4_ip_opts: a RST with data resets", exact=1)
    # UDP with options to a closed port: the error quotes the whole header, options included
    hdr = IP(src=ME_IP, dst=SP_IP, options=opts) / UDP(sport=4444, dport=9999) / (b"x" * 20)
    w.send(eth() / hdr)
    p = w.expect(lambda p: ICMP in p and p[ICMP].type == 3 and p[ICMP].code == 3 and
                 IPerror in p and p[IPerror].dst == SP_IP, 1.0)
    want = raw(IP(raw(hdr)))[:44 + 8]
    check(p is not None and raw(p[ICMP])[8:] == want,
          "l4_ip_opts: port unreachable quotes the 44-byte header and 8 bytes (%s)" %
          (raw(p[ICMP])[8:].hex() if p is not None else None))


def ack_flood(w, st, what, counter, far_seq, far_ack):
    """200 pure ACKs on an echo connection, @far_seq beyond our SND.NXT and acknowledging
    @far_ack beyond spindle's: one ACK per tcp.invalid_ratelimit_ms (500 ms), the rest counted
    in @counter; the same with data is still answered at once, and the connection goes on."""
    c = td.Conn(w.peer, 7)
    if not check(c.connect() is not None, "%s: echo connection" % what):
        return
    b = st.get(counter)
    w.peer.drain()
    seq, ack = (c.snd_nxt + far_seq) & 0xffffffff, (c.rcv_nxt + far_ack) & 0xffffffff
    for _ in range(200):
        c.send(ACK, seq=seq, ack=ack)
    n = w.count(lambda p: "TCP" in p and c.mine(p), 0.4)
    check(1 <= n <= 2, "%s: 200 pure ACKs get %d ACK(s), want 1-2" % (what, n))
    delta_check(st, counter, b, 190, "%s: the rest counted" % what)
    c.send(ACK | PSH, seq=seq, ack=ack, data=b"x")
    p = w.peer.expect(lambda p: c.mine(p), 1.0)
    check(p is not None and p["TCP"].ack == c.snd_nxt, "%s: data is answered at once" % what)
    check(c.echo_ok(b"after-ack-flood"), "%s: the connection goes on" % what)
    c.rst()


def t_oow_acks(w, st):
    """200 pure ACKs far outside the window of an established connection (what two ends that
    disagree about the sequence space send each other in an ACK loop, or a blind forger that
    knows the 4-tuple): one ACK, the rest counted (TCPAckSkippedSeq); data outside the window
    is still answered, and the connection goes on."""
    ack_flood(w, st, "oow-acks", "TCPAckSkippedSeq", 0x40000000, 0)


def t_bad_acks(w, st):
    """200 pure ACKs in the window that acknowledge data spindle never sent (RFC 5961 5.2: an
    ACK back; a peer that believes we sent more): one ACK, the rest counted
    (tcp_bad_ack_skipped; Linux answers none); each got an ACK before."""
    ack_flood(w, st, "bad-acks", "tcp_bad_ack_skipped", 0, 100000)


def t_ts_poison(w, st):
    """RFC 7323 4.3 with RFC 5961 5.2: a forged segment in the window with a TSval far ahead
    and an ACK that is refused (data never sent; far below SND.UNA) must not become TS.Recent.
    It used to: PAWS then dropped every segment of the real peer (an echo no longer came
    back). Linux takes TS.Recent only after tcp_ack() accepted the ACK."""
    c = td.Conn(w.peer, 7, opts=[("Timestamp", (syn_tsval(), 0))])
    if not check(c.connect() is not None and c.echo_ok(b"ts-poison"),
                 "ts-poison: timestamps connection"):
        return
    b_bad, b_paws = st.get("TCPBadAck"), st.get("PAWSDrops")
    far = (int(time.monotonic() * 1000) + 0x40000000) & 0xffffffff
    w.peer.drain()
    for ack in (c.rcv_nxt + 0x100000, c.rcv_nxt - 0x20000000):
        c.send(ACK, ack=ack & 0xffffffff, opts=[("Timestamp", (far, c.ts_recent))])
    p = w.peer.expect(lambda p: c.mine(p), 1.0)
    check(p is not None and len(p["TCP"].payload) == 0,
          "ts-poison: refused ACKs with a far TSval answered by an ACK")
    delta_check(st, "TCPBadAck", b_bad, 1, "ts-poison: the ACK of data never sent counted")
    w.peer.drain(0.1)
    check(c.echo_ok(b"after-forged-tsval"), "ts-poison: the real peer is still heard")
    delta_check(st, "PAWSDrops", b_paws, 0, "ts-poison: no PAWS drop of the real peer", exact=0)
    c.rst()


def t_tw_reuse(w, st):
    """A SYN that reopens a tuple spindle holds in TIME-WAIT (RFC 6191, sequence number above
    RCV.NXT) gets a SYN-ACK whose ISS lies past everything the old connection sent (RFC 1122
    4.2.2.13 (1); Linux uses SND.NXT + 65537). The clock-driven ISN of the same tuple (RFC
    6528, 250,000 a second) lags behind a connection that sent faster than that: here 400 KB
    in well under a second, and the new SYN-ACK's ISS fell inside the old sequence space."""
    c = td.Conn(w.peer, 80, opts=[("MSS", 1460)])
    if not check(c.connect() is not None, "tw-reuse: http connection"):
        return
    b_reuse = st.get("TCPTimeWaitReuse")
    c.data(b"GET /bytes/400000 HTTP/1.0\r\nHost: x\r\n\r\n")
    fin = False
    end = time.monotonic() + 4.0
    while not fin and time.monotonic() < end:
        p = w.peer.expect(lambda p: c.mine(p), 0.3)
        if p is None:
            c.send(ACK)
            continue
        if p["TCP"].seq == c.rcv_nxt:
            c.rcv_nxt = (c.rcv_nxt + len(p["TCP"].payload)) & 0xffffffff
            if td.flags(p) & FIN:
                fin = True
                c.rcv_nxt = (c.rcv_nxt + 1) & 0xffffffff
        c.send(ACK)
    if not check(fin, "tw-reuse: the response and spindle's FIN"):
        return c.rst()
    snd_nxt = c.rcv_nxt  # spindle's SND.NXT in TIME-WAIT
    c.send(FIN | ACK)
    c.snd_nxt = (c.snd_nxt + 1) & 0xffffffff
    p = w.peer.expect(lambda p: c.mine(p), 1.0)
    if not check(p is not None and p["TCP"].ack == c.snd_nxt, "tw-reuse: our FIN acknowledged"):
        return c.rst()
    # Where spindle was right (RFC 9293 3.10.7.4 TIME-WAIT): our FIN again is acknowledged
    # again; a SYN below RCV.NXT (no timestamps: an old duplicate) gets an ACK, no SYN-ACK.
    c.send(FIN | ACK, seq=(c.snd_nxt - 1) & 0xffffffff)
    p = w.peer.expect(lambda p: c.mine(p), 1.0)
    check(p is not None and td.flags(p) == ACK and p["TCP"].ack == c.snd_nxt,
          "tw-reuse: our FIN again is acknowledged again")
    c.send(SYN, seq=(c.snd_nxt - 100000) & 0xffffffff, ack=0, opts=[])
    p = w.peer.expect(lambda p: c.mine(p), 1.0)
    check(p is not None and td.flags(p) == ACK and p["TCP"].ack == c.snd_nxt,
          "tw-reuse: a SYN below RCV.NXT gets an ACK")
    n = td.Conn(w.peer, 80, sport=c.sport, opts=[("MSS", 1460)])
    n.iss = (c.snd_nxt + 100000) & 0xffffffff
    n.snd_nxt = n.iss
    sa = n.connect()
    if check(sa is not None, "tw-reuse: a SYN above RCV.NXT reopens the tuple"):
        check(td.sdiff(sa["TCP"].seq, snd_nxt) > 0,
              "tw-reuse: the new ISS is past the old SND.NXT (ISS - SND.NXT = %d)"
              % td.sdiff(sa["TCP"].seq, snd_nxt))
        n.rst()
    delta_check(st, "TCPTimeWaitReuse", b_reuse, 1, "tw-reuse: counted", exact=1)


def t_l2_bcast(w, st):
    """RFC 1122 3.3.6: a datagram for our unicast address that came as a link-layer broadcast
    is silently discarded (ip_l2_bcast_unicast): an echo and a SYN to ff:ff:ff:ff:ff:ff get no
    answer (they got an echo reply and a SYN-ACK; Linux's TCP drops them too); the same echo
    to our MAC is answered."""
    from scapy.all import ICMP, IP, TCP
    b = st.get("ip_l2_bcast_unicast")
    ident = random.randint(1, 65535)
    w.drain()
    w.send(eth(dst_mac="ff:ff:ff:ff:ff:ff") / IP(src=ME_IP, dst=SP_IP) / ICMP(id=ident))
    w.send(eth(dst_mac="ff:ff:ff:ff:ff:ff") / IP(src=ME_IP, dst=SP_IP)
           / TCP(sport=5557, dport=80, flags="S", seq=7))
    check(w.expect(lambda p: (ICMP in p and p[ICMP].id == ident)
                   or (TCP in p and p[TCP].dport == 5557), 0.3) is None,
          "l2-bcast: no answer to an echo or a SYN for our address in a broadcast frame")
    delta_check(st, "ip_l2_bcast_unicast", b, 2, "l2-bcast: both counted", exact=2)
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) / ICMP(id=ident))
    check(w.expect(echo_reply(ident), 1.0) is not None, "l2-bcast: the echo to our MAC answered")


def t_seq_wrap(w, st):
    """The peer's sequence numbers wrap past 2^32 in the middle of a segment (ISN 2^32 - 1500),
    its three segments arrive last first (out of order across the wrap), and the middle one,
    on a connection that negotiated timestamps, carries none (RFC 7323 3.2 says drop; Linux
    takes it): the echo is the bytes in order. spindle was right: a cheap regression check."""
    c = td.Conn(w.peer, 7, opts=[("Timestamp", (syn_tsval(), 0))])
    c.iss = c.snd_nxt = 0xffffffff - 1500
    if not check(c.connect() is not None, "seq-wrap: echo connection, ISN 2^32 - 1500"):
        return
    parts = [b"a" * 1000, b"b" * 1000, b"c" * 1000]
    base = c.snd_nxt
    for i in (2, 1, 0):
        c.send(ACK | PSH, seq=(base + 1000 * i) & 0xffffffff, data=parts[i],
               opts=[] if i == 1 else None)
    c.snd_nxt = (base + 3000) & 0xffffffff
    got = c.read(3000)
    check(got == b"".join(parts), "seq-wrap: 3000 bytes across 2^32 echoed in order (%d)"
          % len(got))
    c.rst()


def ip_fields(pkt, total_len, ihl):
    """The bytes of IPv4 datagram @pkt with its total length and IHL replaced, the header
    checksum right for them (so that only the field under test is wrong)."""
    b = bytearray(bytes(pkt))
    b[0] = 0x40 | ihl
    b[2:4] = total_len.to_bytes(2, "big")
    b[10:12] = b"\0\0"
    ck = sum(int.from_bytes(b[k:k + 2], "big") for k in range(0, 20, 2))
    ck = (ck & 0xffff) + (ck >> 16)
    ck = (ck & 0xffff) + (ck >> 16)
    b[10:12] = (~ck & 0xffff).to_bytes(2, "big")
    return bytes(b)


def t_l3_lengths(w, st):
    """Header fields that disagree with the frame (RFC 791, RFC 768), each dropped with its
    counter and never answered by an error; a TTL of 0 to us is still delivered (RFC 1122
    3.2.1.7); a UDP checksum of 0 means none (RFC 768): port unreachable as for any datagram."""
    from scapy.all import ICMP, IP, UDP, Ether, Raw

    def unreach(port):  # the quote: IP header (20), then the UDP ports
        return lambda p: (ICMP in p and p[ICMP].type == 3 and p[ICMP].code == 3
                          and bytes(p[ICMP].payload)[22:24] == port.to_bytes(2, "big"))
    w.drain()
    b = {n: st.get(n) for n in ("udp_bad_len", "udp_bad_cksum", "ip_bad_len", "ip_bad_ihl")}
    # UDP length beyond the datagram, below 8; a wrong checksum.
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) / UDP(sport=6100, dport=9101, len=200) / Raw(b"x" * 20))
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) / UDP(sport=6100, dport=9102, len=4) / Raw(b"x" * 20))
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) / UDP(sport=6100, dport=9103, chksum=0x1234)
           / Raw(b"x" * 20))
    check(w.expect(lambda p: ICMP in p and p[ICMP].type == 3, 0.5) is None,
          "l3-lengths: no port unreachable for bad UDP lengths or checksum")
    delta_check(st, "udp_bad_len", b["udp_bad_len"], 2, "l3-lengths: UDP lengths counted",
                exact=2)
    delta_check(st, "udp_bad_cksum", b["udp_bad_cksum"], 1, "l3-lengths: UDP checksum counted",
                exact=1)
    # Checksum 0 (none) and a UDP length shorter than the IP payload (the rest trimmed).
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) / UDP(sport=6100, dport=9104, chksum=0)
           / Raw(b"x" * 20))
    check(w.expect(unreach(9104), 1.0) is not None,
          "l3-lengths: UDP checksum 0: port unreachable as for any datagram")
    # IP total length beyond the frame and below the header; IHL 4.
    for tl, ihl in ((200, 5), (12, 5), (48, 4)):
        dgram = IP(src=ME_IP, dst=SP_IP) / ICMP(id=77) / Raw(b"y" * 20)
        w.send(Ether(src=ME_MAC, dst=SP_MAC, type=0x0800) / Raw(ip_fields(dgram, tl, ihl)))
    time.sleep(0.2)
    delta_check(st, "ip_bad_len", b["ip_bad_len"], 2, "l3-lengths: IP total lengths counted",
                exact=2)
    delta_check(st, "ip_bad_ihl", b["ip_bad_ihl"], 1, "l3-lengths: IHL 4 counted", exact=1)
    ident = random.randint(1, 65535)
    w.send(eth() / IP(src=ME_IP, dst=SP_IP, ttl=0) / ICMP(id=ident))
    check(w.expect(echo_reply(ident), 1.0) is not None, "l3-lengths: an echo with TTL 0 answered")


class Client:
    """One of loadgen's connections to the scapy peer (198.18.0.7:CLIENT_PORT), from its SYN:
    spindle's ISS and source port; the peer's sequence numbers start at @isn."""

    def __init__(self, w, syn, isn):
        from scapy.all import TCP
        self.w, self.sport, self.iss, self.isn = w, syn[TCP].sport, syn[TCP].seq, isn

    def send(self, fl, seq, ack, data=b""):
        from scapy.all import IP, TCP
        self.w.send(eth() / IP(src=ME_IP, dst=SP_IP) / TCP(
            sport=CLIENT_PORT, dport=self.sport, flags=fl, seq=seq & 0xffffffff,
            ack=ack & 0xffffffff, window=65535) / data)

    def mine(self, p):
        from scapy.all import TCP
        return TCP in p and p[TCP].sport == self.sport and p[TCP].dport == CLIENT_PORT

    def expect(self, fl_mask, fl, timeout=1.0):
        from scapy.all import TCP
        return self.w.expect(lambda p: self.mine(p) and int(p[TCP].flags) & fl_mask == fl,
                             timeout)


def next_client(w, what):
    """The latest SYN of loadgen's (a connection in SYN-SENT), as a Client. The latest: an older
    one still queued here may belong to an attempt loadgen has already given up (timeout_ms),
    whose SYN-ACK then meets no connection and draws the RST of a closed port instead."""
    from scapy.all import IP, TCP

    def syn(p):
        return (TCP in p and p[IP].dst == ME_IP and p[TCP].dport == CLIENT_PORT
                and int(p[TCP].flags) == SYN)
    p = w.expect(syn, 3.0)
    while p is not None:
        q = w.expect(syn, 0.05)
        if q is None:
            break
        p = q
    if not check(p is not None, "client: %s: a SYN from loadgen" % what):
        return None
    return Client(w, p, random.getrandbits(32))


def t_client(w, st):
    """spindle's own connections (loadgen, mode connect, close rst: a RST <SEQ=SND.NXT> as soon
    as a connection is ESTABLISHED) against odd handshakes (RFC 9293 3.10.7.3): a SYN-ACK with a
    wrong ACK gets a RST, a RST with a bad ACK is ignored; a SYN-ACK carrying data and FIN
    establishes; simultaneous open with crossing SYN-ACKs (RFC 9293 3.5 figure
    8) completes at once (it drew a challenge ACK and waited for the resend); ICMP fragmentation
    needed quoting the SYN changes nothing (it made the ACK of the SYN-ACK go with SEQ = ISS and
    the connection mute); port unreachable in SYN-SENT refuses the connection (RFC 1122
    4.2.3.9)."""
    from scapy.all import ICMP, IP, TCP, Raw
    ident = random.randint(1, 65535)
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) / ICMP(id=ident))  # spindle learns our MAC
    w.expect(echo_reply(ident), 1.0)
    # A wrong ACK, a RST with a bad ACK, then the right SYN-ACK.
    c = next_client(w, "bad ack")
    if c is None:
        return
    b_rst, b_ign = st.get("TCPBadAckRst"), st.get("TCPRstIgnored")
    c.send(SYN | ACK, c.isn, c.iss + 5)
    p = c.expect(RST | SYN | ACK, RST, 1.0)
    check(p is not None and p[TCP].seq == (c.iss + 5) & 0xffffffff,
          "client: a SYN-ACK with a wrong ACK gets RST <SEQ=SEG.ACK>")
    c.send(RST | ACK, c.isn + 1, c.iss + 7)
    c.send(SYN | ACK, c.isn, c.iss + 1)
    p = c.expect(RST, RST, 1.0)
    check(p is not None and p[TCP].seq == (c.iss + 1) & 0xffffffff,
          "client: the RST with a bad ACK ignored, the right SYN-ACK establishes")
    delta_check(st, "TCPBadAckRst", b_rst, 1, "client: wrong ACK counted", exact=1)
    delta_check(st, "TCPRstIgnored", b_ign, 1, "client: RST with a bad ACK counted", exact=1)
    # A SYN-ACK with data and FIN: established (loadgen resets from connected(), before the
    # data and the FIN are processed: the RST acknowledges the SYN).
    c = next_client(w, "data on SYN-ACK")
    if c is None:
        return
    c.send(SYN | ACK | PSH | FIN, c.isn, c.iss + 1, b"hello")
    p = c.expect(RST, RST, 1.0)
    check(p is not None and p[TCP].seq == (c.iss + 1) & 0xffffffff,
          "client: a SYN-ACK with data and FIN establishes")
    # Simultaneous open: SYN for SYN, then the SYN-ACKs cross.
    c = next_client(w, "simultaneous open")
    if c is None:
        return
    b_ch = st.get("TCPSYNChallenge")
    c.send(SYN, c.isn, 0)
    p = c.expect(RST | SYN | ACK, SYN | ACK, 1.0)
    if check(p is not None and p[TCP].seq == c.iss and p[TCP].ack == (c.isn + 1) & 0xffffffff,
             "client: a SYN for our SYN: SYN-RECEIVED, SYN-ACK <SEQ=ISS><ACK=IRS+1>"):
        c.send(SYN | ACK, c.isn, c.iss + 1)
        p = c.expect(RST, RST, 0.5)
        check(p is not None and p[TCP].seq == (c.iss + 1) & 0xffffffff,
              "client: simultaneous open: the peer's SYN-ACK establishes at once")
        delta_check(st, "TCPSYNChallenge", b_ch, 0, "client: no challenge ACK", exact=0)
    # Fragmentation needed quoting the SYN, then the SYN-ACK.
    c = next_client(w, "frag needed")
    if c is None:
        return
    quote = bytes(IP(src=SP_IP, dst=ME_IP, proto=6, len=60, flags="DF")
                  / TCP(sport=c.sport, dport=CLIENT_PORT, seq=c.iss, flags="S"))[:28]
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) / ICMP(type=3, code=4, nexthopmtu=300) / Raw(quote))
    time.sleep(0.1)
    c.send(SYN | ACK, c.isn, c.iss + 1)
    p = c.expect(RST, RST, 1.0)
    check(p is not None and p[TCP].seq == (c.iss + 1) & 0xffffffff,
          "client: fragmentation needed about the SYN: established, RST <SEQ=ISS+1> (got %s)"
          % (None if p is None else "%d" % ((p[TCP].seq - c.iss) & 0xffffffff)))
    # Port unreachable in SYN-SENT: refused, the SYN is not sent again.
    c = next_client(w, "port unreachable")
    if c is None:
        return
    b_af = st.get("AttemptFails")
    quote = bytes(IP(src=SP_IP, dst=ME_IP, proto=6, len=60)
                  / TCP(sport=c.sport, dport=CLIENT_PORT, seq=c.iss, flags="S"))[:28]
    w.send(eth() / IP(src=ME_IP, dst=SP_IP) / ICMP(type=3, code=3) / Raw(quote))
    check(c.expect(SYN, SYN, 1.3) is None, "client: port unreachable in SYN-SENT: no SYN again")
    delta_check(st, "AttemptFails", b_af, 1, "client: the attempt failed", exact=1)


def t_keepalive(w, st):
    """Keepalive (this spindle: idle 1 s, probes every 200 ms, 2 of them) about a dead peer
    while a forger that knows the 4-tuple sends segments outside the window every 200 ms: they
    do not count as the peer heard, the probes go and the connection is reset. They used to put
    the probes off for good."""
    c = td.Conn(w.peer, 7)
    if not check(c.connect() is not None and c.echo_ok(b"keepalive"),
                 "keepalive: echo connection"):
        return
    b_ka = st.get("TCPKeepAlive")
    rst = None
    end = time.monotonic() + 3.0
    while rst is None and time.monotonic() < end:
        c.send(ACK, seq=(c.snd_nxt + 0x40000000) & 0xffffffff)
        rst = w.peer.expect(lambda p: c.mine(p) and td.flags(p) & RST, 0.2)
    check(rst is not None, "keepalive: forged segments do not keep a dead peer's connection")
    delta_check(st, "TCPKeepAlive", b_ka, 2, "keepalive: the probes went")


def client(prefix):
    st = Stats(prefix)
    peer = td.Peer()
    w = Wire(peer)
    try:
        t0 = time.monotonic()
        t_client(w, st)
        t_keepalive(w, st)
        print("   t_client: %.1f s" % (time.monotonic() - t0), flush=True)
    finally:
        peer.close()
    print("%d failed" % len(td.FAILS))
    return 1 if td.FAILS else 0


def inner(prefix):
    random.seed()
    st = Stats(prefix)
    peer = td.Peer()
    w = Wire(peer)
    try:
        only = os.environ.get("CRAFTED_ONLY", "").split()
        for t in (t_fragments, t_martians, t_neighbour, t_icmp, t_pmtu, t_tcp, t_flags,
                  t_after_fin, t_ooo_fin, t_overlap, t_small_mss, t_src_route, t_oow_acks,
                  t_ts_poison, t_l3_lengths, t_syn_again, t_sack_forged,
                  t_icmp_synrecv, t_opts_ignored, t_bad_acks, t_tw_reuse, t_l2_bcast,
                  t_seq_wrap, t_icmp_opts, t_icmp_timestamp, t_l4_ip_opts):
            if only and t.__name__[2:] not in only:
                continue
            t0 = time.monotonic()
            t(w, st)
            print("   %s: %.1f s" % (t.__name__, time.monotonic() - t0), flush=True)
    finally:
        peer.close()
    print("%d failed" % len(td.FAILS))
    return 1 if td.FAILS else 0


def main():
    a = sys.argv[1:]
    if a[:1] == ["--inner"]:
        return inner(a[1])
    if a[:1] == ["--client"]:
        return client(a[1])
    return outer(a[0] if a else "tap")


if __name__ == "__main__":
    sys.exit(main())

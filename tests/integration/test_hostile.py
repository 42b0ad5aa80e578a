#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Hostile peers against spindle (issue 8), scapy in the lab namespace, kernel clients beside:

  test_hostile.py PMD ooo     [--conns 64] [--segments 16000]
      N ordinary connections (half to echo :7, half to http :80) each send 1-8-byte segments
      with gaps, never at RCV.NXT, spread over the connections. Kernel clients (ping, a TCP echo
      round trip with a byte check, curl GET /) must keep working during the attack and 5 s
      after it (the attacker quiet, its connections left open).
  test_hostile.py PMD zerowin [--conns 200] [--hold 10]
      N connections to http each send GET /bytes/10000000 with window 0 and answer every probe
      with window 0; a kernel client must still connect to echo and fetch over http.
  test_hostile.py PMD tinymss [--conns 32] [--hold 15] [--win 2400] [--step 0]
      N connections to http with MSS 8 and SACK (timestamps on every other) send
      GET /bytes/2000000 and receive it as a hostile receiver: window --win, every other segment
      above the cumulative ACK kept and SACKed (the rest 'lost'), the first hole never filled for
      a third of --hold, then each hole filled by its retransmission (at most one per --step
      seconds) while every other new segment is still lost. spindle's data segments must carry
      tcp.min_snd_mss (48) bytes, no fewer (a response's last excepted), no more (the peer
      asked for 8), mss_send be 48 by telemetry, its TCP memory stay under
      mem_high with a quarter of the pool free and at most 512 send-buffer mbufs per connection,
      and the kernel clients keep working; the worker's busy share is printed beside the
      no-attack figure (a SACK-panic spin would show there and in the clients' latency).
  test_hostile.py PMD probe
      RFC 9293 3.8.6.1: window 0 from the handshake's ACK, 32 bytes to echo, the one-byte probe
      not accepted, then a pure window update: the next segment must start at SND.UNA (the probe
      byte again) and leave well within an RTO.

PMD is tap or af_packet (lib.sh brings up the lab and spindle; spindle_stop checks its exit and
that every mbuf came back). The mbuf pool level (DPDK telemetry /mempool/info) is printed before,
during and after; the kernel clients' success rate and latency during the attack beside the same
figures without it. Each check prints "ok: ..." or "FAIL: ..."; the exit status is non-zero when
any failed. The issue's bar is --conns 640 (ooo) and --conns 2000 (zerowin).

Scapy speaks as 198.18.0.1 from ports 20000-29999; test_tcp_defences.py's nftables rule drops the
kernel's RSTs from those ports. Everything is bounded."""
import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import tcp_tools  # noqa: E402  (telemetry)
import test_tcp_defences as td  # noqa: E402  (Peer, Conn, nft, flags)

PY = "/usr/bin/python3"
SP_IP = td.SP_IP
FAILS = []
ACK, PSH = td.ACK, td.PSH


def check(cond, msg):
    """One result line, PASS or FAIL; failures also collected for the exit status."""
    print("%s: %s" % ("PASS" if cond else "FAIL", msg), flush=True)
    if not cond:
        FAILS.append(msg)
    return cond


# ---------------------------------------------------------------- outer: lab and spindle

def outer(pmd, rest):
    script = r'''
set -u
. "$LIB"
lab_up "$PMD" || exit 1
spindle_start || exit 1
rc=0
lab_exec timeout 900 "$PY" "$SELF" --inner "$(spindle_prefix)" $REST || rc=1
if spindle_alive; then t_ok "spindle still runs"; else t_fail "spindle died"; rc=1; fi
spindle_stop || { t_fail "spindle exit / mbuf check"; rc=1; }
exit $rc
'''
    env = dict(os.environ, LIB=os.path.join(HERE, "lib.sh"), PMD=pmd,
               SELF=os.path.abspath(__file__), PY=PY, REST=" ".join(rest))
    return subprocess.call(["bash", "-c", script], env=env)


# ---------------------------------------------------------------- telemetry

class Tel:
    def __init__(self, prefix):
        self.prefix = prefix
        self.pool = None

    def q(self, cmd):
        try:
            r = tcp_tools.telemetry(self.prefix, cmd)
            return r.get(cmd.split(",")[0], r) if isinstance(r, dict) else None
        except (OSError, ValueError):
            return None

    def pool_level(self):
        """(free, size) of spindle's mbuf pool, from /spindle/mem (worker 0's pool)."""
        m = self.q("/spindle/mem") or {}
        for v in m.values():
            if isinstance(v, dict) and "pool_size" in v:
                return int(v["pool_size"]) - int(v["pool_in_use"]), int(v["pool_size"])
        return None, None

    def tcp_mem(self):
        """mbufs spindle's TCP connections hold (send buffers + out-of-order queues)."""
        m = self.q("/spindle/mem") or {}
        return sum(int(v.get("tcp_mbufs", 0)) for v in m.values() if isinstance(v, dict))

    def stat(self, name):
        v = self.q("/spindle/stats")
        return v.get(name) if isinstance(v, dict) else None

    def show(self, when):
        free, size = self.pool_level()
        eth = self.q("/ethdev/stats,0") or {}
        print("   mbuf pool %-10s: %s free of %s; TCP holds %s; TCPOFOQueue=%s tx_nombuf=%s "
              "rx_nombuf=%s" % (when, "n/a" if free is None else free, size, self.tcp_mem(),
                                self.stat("TCPOFOQueue"), self.stat("tx_nombuf"),
                                eth.get("rx_nombuf")), flush=True)
        return free, size


# ---------------------------------------------------------------- kernel clients

def k_ping():
    t0 = time.monotonic()
    r = subprocess.run(["ping", "-n", "-c", "1", "-W", "1", SP_IP], capture_output=True)
    return r.returncode == 0, time.monotonic() - t0


def k_echo(port=7, n=64):
    payload = os.urandom(n)
    t0 = time.monotonic()
    try:
        with socket.create_connection((SP_IP, port), timeout=2) as s:
            s.settimeout(2)
            s.sendall(payload)
            got = b""
            while len(got) < n:
                b = s.recv(n - len(got))
                if not b:
                    break
                got += b
        return got == payload, time.monotonic() - t0
    except OSError:
        return False, time.monotonic() - t0


def k_curl(path="/"):
    t0 = time.monotonic()
    r = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3",
                        "http://%s%s" % (SP_IP, path)], capture_output=True, text=True)
    return r.stdout.strip() == "200", time.monotonic() - t0


CLIENTS = (("ping", k_ping), ("echo", k_echo), ("http", k_curl))


class Clients:
    """Kernel clients in a loop (one of each per round) until stopped or @rounds reached."""

    def __init__(self):
        self.res = {n: [] for n, _ in CLIENTS}
        self.stop = threading.Event()
        self.th = None

    def run(self, rounds=1000000):
        for _ in range(rounds):
            if self.stop.is_set():
                break
            for n, f in CLIENTS:
                self.res[n].append(f())
            time.sleep(0.1)

    def start(self):
        self.th = threading.Thread(target=self.run)
        self.th.start()

    def finish(self):
        self.stop.set()
        if self.th is not None:
            self.th.join(60)

    def summary(self):
        out = {}
        for n, _ in CLIENTS:
            r = self.res[n]
            good = [t for s, t in r if s]
            out[n] = (len(good), len(r), statistics.median(good) * 1000 if good else None)
        return out


def clients_for(seconds):
    c = Clients()
    c.start()
    time.sleep(seconds)
    c.finish()
    return c.summary()


def report(label, base, during, after=None):
    print("   kernel clients (%s): success and median latency" % label, flush=True)
    cols = [("no attack", base), ("during", during)] + ([("after", after)] if after else [])
    for n, _ in CLIENTS:
        row = []
        for name, s in cols:
            g, t, ms = s[n]
            row.append("%s %d/%d %s" % (name, g, t, "-" if ms is None else "%.1f ms" % ms))
        print("     %-5s " % n + "   ".join(row), flush=True)


def all_ok(s):
    return all(g == t and t > 0 for g, t, _ in s.values())


def quiet_after(tel, during, name, secs):
    """The attack is over: stop the @during clients, leave the attacker's connections open and
    quiet for @secs, then run three rounds of clients. Returns (their summary, pool free, size)."""
    during.finish()
    tel.show("attack end")
    print("   %s: attacker quiet, connections left open; %d s later:" % (name, secs), flush=True)
    time.sleep(secs)
    later = Clients()
    later.run(rounds=3)
    free, size = tel.show("after")
    return (later.summary(), free, size)


def connect_many(peer, n, ports):
    conns, sports = [], random.sample(range(td.PORT_LO, td.PORT_HI + 1), n)
    for i in range(n):
        c = td.Conn(peer, ports[i % len(ports)], sport=sports[i])
        if c.connect() is not None:
            conns.append(c)
    return conns


# ---------------------------------------------------------------- 1. out-of-order flood

def t_ooo(peer, tel, args):
    base = clients_for(3)
    tel.show("before")
    conns = connect_many(peer, args.conns, (7, 80))
    check(len(conns) == args.conns, "ooo: %d of %d attack connections established"
          % (len(conns), args.conns))
    if not conns:
        return
    peer.drain()
    offs = [2] * len(conns)  # never at RCV.NXT: byte 0 after it is never sent
    during = Clients()
    during.start()
    t0 = time.monotonic()
    mid = args.segments // 2
    for i in range(args.segments):
        k = i % len(conns)
        c = conns[k]
        n = random.randint(1, 8)
        c.send(ACK, seq=(c.snd_nxt + offs[k]) & 0xffffffff, data=os.urandom(n))
        offs[k] += n + random.randint(1, 8)
        if i == mid:
            tel.show("during")
    print("   ooo: %d segments of 1-8 bytes on %d connections in %.1f s"
          % (args.segments, len(conns), time.monotonic() - t0), flush=True)
    time.sleep(2)
    after, free1, size = quiet_after(tel, during, "ooo", 5)
    report("ooo flood", base, during.summary(), after)
    check(all_ok(base), "ooo: kernel clients work without the attack")
    check(all_ok(during.summary()), "ooo: ping, echo and http keep working during the flood")
    check(all_ok(after), "ooo: ping, echo and http work after the flood (attackers idle)")
    if free1 is not None:
        check(free1 >= size // 4,
              "ooo: the flood leaves a quarter of the mbuf pool free (%d of %d)" % (free1, size))
    else:
        print("   (pool check skipped: this DPDK's telemetry reports no mempool counts)")
    for c in conns:
        c.rst()


# ---------------------------------------------------------------- 2. zero-window holders

def t_zerowin(peer, tel, args):
    base = clients_for(3)
    tel.show("before")
    conns = connect_many(peer, args.conns, (80,))
    check(len(conns) == args.conns, "zerowin: %d of %d holder connections established"
          % (len(conns), args.conns))
    if not conns:
        return
    by_port = {c.sport: c for c in conns}
    stop = threading.Event()
    probes = [0]

    def answer():  # every segment of a holder: ACK what we had, window 0
        while not stop.is_set():
            p = peer.recv(0.2)
            if p is None:
                continue
            c = by_port.get(p["TCP"].dport)
            if c is not None and p["TCP"].sport == 80 and not td.flags(p) & td.RST:
                probes[0] += 1
                c.send(ACK, win=0)

    th = threading.Thread(target=answer)
    th.start()
    req = b"GET /bytes/10000000 HTTP/1.1\r\nHost: spindle\r\n\r\n"
    for c in conns:
        c.send(ACK | PSH, data=req, win=0)
        c.snd_nxt = (c.snd_nxt + len(req)) & 0xffffffff
    time.sleep(2)
    tel.show("during")
    during = clients_for(args.hold)
    tel.show("attack end")
    stop.set()
    th.join(10)
    report("zero-window holders", base, during)
    print("   zerowin: %d segments from spindle answered with window 0" % probes[0], flush=True)
    check(all_ok(base), "zerowin: kernel clients work without the holders")
    check(all_ok(during), "zerowin: ping, echo and http keep working while %d connections hold "
          "a zero window" % len(conns))
    for c in conns:
        c.rst()
    time.sleep(1)
    tel.show("after")


# ---------------------------------------------------------------- 3. zero-window probe byte

def t_probe(peer, tel, args):
    c = td.Conn(peer, 7)
    c.send(td.SYN, seq=c.iss, ack=0, opts=[("MSS", 1460)])
    sa = peer.expect(lambda p: c.mine(p) and td.flags(p) & (td.SYN | ACK) == td.SYN | ACK, 2.0)
    if not check(sa is not None, "probe: SYN-ACK from echo"):
        return
    c.rcv_nxt = (sa["TCP"].seq + 1) & 0xffffffff
    c.snd_nxt = (c.iss + 1) & 0xffffffff
    una = c.rcv_nxt
    c.send(ACK, win=0)  # window 0 from the handshake's ACK
    data = bytes(range(65, 97))
    c.send(ACK | PSH, data=data, win=0)
    c.snd_nxt = (c.snd_nxt + len(data)) & 0xffffffff

    def seg(p):
        return c.mine(p) and len(p["TCP"].payload) > 0

    p = peer.expect(seg, 8.0)
    if not check(p is not None, "probe: spindle sends a zero-window probe"):
        return
    t = p["TCP"]
    print("   probe: seq %d:%d (relative to SND.UNA)" % (td.sdiff(t.seq, una),
          td.sdiff(t.seq, una) + len(t.payload)), flush=True)
    check(t.seq == una and len(t.payload) == 1 and bytes(t.payload) == data[:1],
          "probe: one byte at SND.UNA")
    c.send(ACK, win=0)  # not accepted: ACK stays at SND.UNA, window 0
    time.sleep(0.05)
    peer.drain(0.01)
    t0 = time.monotonic()
    c.send(ACK, win=65535)  # pure window update
    p = peer.expect(seg, 5.0)
    dt = time.monotonic() - t0
    if not check(p is not None, "probe: data after the window update"):
        return
    t = p["TCP"]
    rel = td.sdiff(t.seq, una)
    print("   probe: after the window update seq %d:%d in %.0f ms" % (rel, rel + len(t.payload),
          dt * 1000), flush=True)
    check(rel == 0 and bytes(t.payload)[:1] == data[:1],
          "probe: sending resumes at SND.UNA, the unaccepted probe byte resent (seq %d, want 0)"
          % rel)
    check(dt < 0.1, "probe: within 100 ms of the window update, well below an RTO (%.0f ms)"
          % (dt * 1000))
    c.rst()


# ---------------------------------------------------------------- 4. tiny MSS with SACK holes

class Hostile:
    """The receiving side of one tiny-MSS connection: it keeps every other segment above its
    cumulative ACK (the rest are 'lost'), SACKs what it kept, drops whatever would fill the
    first hole while holding, then lets a segment at the hole in (at most one per @step
    seconds)."""

    def __init__(self, c, win, blocks):
        self.c, self.win, self.blocks = c, win, blocks
        self.base = c.rcv_nxt  # the response's first byte
        self.cum = 0           # cumulative ACK, relative to base
        self.have = []         # [start, end) kept above cum, sorted, disjoint, not adjacent
        self.keep = False      # alternates: every other segment above cum is kept
        self.last_adv = 0.0
        self.head = bytearray()  # the response's first bytes (its header), for its length
        self.sizes = []        # (rel seq, payload length, FIN) of every data segment
        self.segs = self.acks = 0

    def add(self, s, e):
        merged = []
        for a, b in sorted(self.have + [[s, e]]):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        while merged and merged[0][0] <= self.cum:  # contiguous with the cumulative ACK
            self.cum = max(self.cum, merged.pop(0)[1])
        self.have = merged

    def ack(self, recent):
        """ACK cum with SACK blocks: the one holding @recent first (RFC 2018 4), then the
        highest others, as many as the option space holds."""
        first = [b for b in self.have if b[0] <= recent < b[1]]
        rest = [b for b in reversed(self.have) if b not in first]
        edges = []
        for a, b in (first + rest)[:self.blocks]:
            edges += [(self.base + a) & 0xffffffff, (self.base + b) & 0xffffffff]
        c = self.c
        opts = []
        if c.ts:
            opts += [("NOP", None), ("NOP", None),
                     ("Timestamp", (int(time.monotonic() * 1000) & 0xffffffff, c.ts_recent))]
        if edges:
            opts += [("NOP", None), ("NOP", None), ("SAck", tuple(edges))]
        c.send(ACK, ack=(self.base + self.cum) & 0xffffffff, opts=opts, win=self.win)
        self.acks += 1

    def segment(self, p, holding, step, now):
        t = p["TCP"]
        self.c.note(p)
        body = bytes(t.payload)
        if not body:
            return
        rel = td.sdiff(t.seq, self.base)
        end = rel + len(body)
        self.segs += 1
        self.sizes.append((rel, len(body), bool(td.flags(p) & td.FIN)))
        if rel <= len(self.head) < min(end, 1024):
            self.head += body[len(self.head) - rel:1024 - rel]
        if end <= self.cum:
            self.ack(rel)  # a duplicate: ACK it again
            return
        if rel <= self.cum:  # at the first hole
            if holding or now - self.last_adv < step:
                return  # lost
            self.last_adv = now
        else:
            self.keep = not self.keep
            if not self.keep:
                return  # lost
        self.add(max(rel, self.cum), end)
        self.ack(rel)

    def total(self):
        """The response's length on the wire (header + body), None before its header came."""
        i = bytes(self.head).find(b"\r\n\r\n")
        return None if i < 0 else i + 4 + TINY_BODY


TINY_BODY = 2000000


def mem_rows(tel):
    m = tel.q("/spindle/mem") or {}
    return [v for v in m.values() if isinstance(v, dict) and "tcp_mbufs" in v]


def lcore_cycles(tel):
    """(busy, idle) cycles summed over the workers (/spindle/lcores)."""
    m = tel.q("/spindle/lcores") or {}
    rows = [v for v in m.values() if isinstance(v, dict)]
    return (sum(int(v.get("busy_cycles", 0)) for v in rows),
            sum(int(v.get("idle_cycles", 0)) for v in rows))


def busy_since(tel, c0):
    b0, i0 = c0
    b1, i1 = lcore_cycles(tel)
    db, di = b1 - b0, i1 - i0
    return None if db + di <= 0 else 100.0 * db / (db + di)


class MemWatch:
    """Samples /spindle/mem every 0.25 s: the lowest pool free, the highest tcp_mbufs against
    mem_high and the highest send-buffer mbufs per connection of any lcore."""

    def __init__(self, tel):
        self.tel = tel
        self.stop = threading.Event()
        self.n = 0
        self.min_free = self.size = None
        self.max_mbufs = self.high = 0
        self.over_high = []
        self.max_snd_per_conn = 0.0
        self.th = threading.Thread(target=self.run)
        self.th.start()

    def run(self):
        for _ in range(100000):
            if self.stop.wait(0.25):
                break
            for v in mem_rows(self.tel):
                self.n += 1
                mb, high = int(v["tcp_mbufs"]), int(v.get("mem_high", 0))
                self.max_mbufs, self.high = max(self.max_mbufs, mb), high
                if high and mb > high:
                    self.over_high.append((mb, high))
                conns = int(v.get("conns", 0))
                if conns:
                    self.max_snd_per_conn = max(self.max_snd_per_conn,
                                                int(v.get("tcp_snd_mbufs", 0)) / conns)
                if "pool_size" in v:
                    free = int(v["pool_size"]) - int(v["pool_in_use"])
                    self.size = int(v["pool_size"])
                    self.min_free = free if self.min_free is None else min(self.min_free, free)

    def finish(self):
        self.stop.set()
        self.th.join(10)


def t_tinymss(peer, tel, args):
    min_mss, snd_limit = 48, max(262144 // 512, 64)  # tcp.min_snd_mss; send-buffer mbuf bound
    c0 = lcore_cycles(tel)
    base = clients_for(3)
    busy_base = busy_since(tel, c0)
    tel.show("before")
    sports = random.sample(range(td.PORT_LO, td.PORT_HI + 1), args.conns)
    hs, sack_ok = [], 0
    for i in range(args.conns):
        opts = [("MSS", 8), ("SAckOK", b"")]
        if i % 2:  # timestamps on every other connection: 3 SACK blocks there, 4 elsewhere
            opts.append(("Timestamp", (int(time.monotonic() * 1000) & 0xffffffff, 0)))
        c = td.Conn(peer, 80, sport=sports[i], opts=opts)
        sa = c.connect()
        if sa is None:
            continue
        sack_ok += any(o[0] == "SAckOK" for o in sa["TCP"].options)
        c.ts = c.ts and any(o[0] == "Timestamp" for o in sa["TCP"].options)
        hs.append(Hostile(c, args.win, 3 if c.ts else 4))
    check(len(hs) == args.conns, "tinymss: %d of %d connections (MSS 8, SACK) established"
          % (len(hs), args.conns))
    check(sack_ok == len(hs), "tinymss: SACK permitted in %d of %d SYN-ACKs" % (sack_ok, len(hs)))
    if not hs:
        return
    by_port = {h.c.sport: h for h in hs}
    req = b"GET /bytes/%d HTTP/1.1\r\nHost: spindle\r\n\r\n" % TINY_BODY
    for h in hs:
        h.c.send(ACK | PSH, data=req, win=args.win)
        h.c.snd_nxt = (h.c.snd_nxt + len(req)) & 0xffffffff
    watch = MemWatch(tel)
    during = Clients()
    during.start()
    c1 = lcore_cycles(tel)
    t0 = time.monotonic()
    hold_until = t0 + args.hold / 3
    shown, info_done = False, False
    for _ in range(10000000):
        now = time.monotonic()
        if now - t0 >= args.hold:
            break
        if not shown and now >= hold_until:
            tel.show("holding")
            shown = True
        if not info_done and now - t0 >= args.hold / 2:
            info_done = True
            for h in hs[:4]:  # a few connections in detail: the MSS in use, the queue
                d = tel.q("/spindle/tcp/conns,%s:%d" % (td.PEER_IP, h.c.sport)) or {}
                d = next((v for v in d.values() if isinstance(v, dict)), {})
                print("   tinymss: :%d mss_send=%s send_queue=%s retransmits=%s" % (
                    h.c.sport, d.get("mss_send"), d.get("send_queue"), d.get("retransmits")),
                    flush=True)
                if d.get("mss_send") is not None:
                    check(int(d["mss_send"]) == min_mss, "tinymss: :%d sends with MSS %s (want %d)"
                          % (h.c.sport, d["mss_send"], min_mss))
        p = peer.recv(0.2)
        if p is None or p["TCP"].sport != 80:
            continue
        h = by_port.get(p["TCP"].dport)
        if h is None or td.flags(p) & td.RST:
            continue
        h.segment(p, now < hold_until, args.step, now)
    busy_attack = busy_since(tel, c1)
    after = quiet_after(tel, during, "tinymss", 3)[0]
    watch.finish()

    segs = sum(h.segs for h in hs)
    sizes = [n for h in hs for _, n, _ in h.sizes]
    short = []
    for h in hs:
        total = h.total()
        short += [(h.c.sport, rel, n) for rel, n, fin in h.sizes
                  if n < min_mss and not fin and (total is None or rel + n != total)]
    print("   tinymss: %d data segments from spindle, %d ACKs with SACK holes back; payload "
          "min %s max %s; cumulative ACK reached %d..%d bytes" % (
              segs, sum(h.acks for h in hs), min(sizes) if sizes else "-",
              max(sizes) if sizes else "-", min(h.cum for h in hs), max(h.cum for h in hs)),
          flush=True)
    for ts in (False, True):
        g = [h for h in hs if h.c.ts == ts]
        if g:
            print("   tinymss: %s timestamps: %d connections, %d data segments, largest %d, "
                  "cumulative ACK %d..%d" % (
                      "with" if ts else "without", len(g), sum(h.segs for h in g),
                      max([n for h in g for _, n, _ in h.sizes] or [0]),
                      min(h.cum for h in g), max(h.cum for h in g)), flush=True)
    report("tiny MSS with SACK holes", base, during.summary(), after)
    print("   tinymss: worker busy %s with no attack, %s during it (informational)" % (
        "n/a" if busy_base is None else "%.1f%%" % busy_base,
        "n/a" if busy_attack is None else "%.1f%%" % busy_attack), flush=True)
    check(segs > 0, "tinymss: spindle sent data to the hostile receivers (%d segments)" % segs)
    big = max(sizes) if sizes else 0
    check(big <= min_mss, "tinymss: no data segment carries more than the clamped MSS %d "
          "(largest %d)" % (min_mss, big))
    check(not short, "tinymss: every data segment carries at least tcp.min_snd_mss = %d bytes "
          "(but a response's last), %d shorter%s" % (
              min_mss, len(short), ": %s" % short[:5] if short else ""))
    check(watch.n > 0, "tinymss: /spindle/mem sampled during the attack (%d samples)" % watch.n)
    check(not watch.over_high, "tinymss: tcp_mbufs never above mem_high (peak %d, mem_high %d)"
          % (watch.max_mbufs, watch.high))
    check(watch.max_snd_per_conn <= snd_limit,
          "tinymss: send-buffer mbufs per connection at most %d (peak mean per lcore %.1f)"
          % (snd_limit, watch.max_snd_per_conn))
    if watch.min_free is not None:
        check(watch.min_free >= watch.size // 4, "tinymss: a quarter of the mbuf pool stays free "
              "during the attack (lowest %d of %d)" % (watch.min_free, watch.size))
    check(all_ok(base), "tinymss: kernel clients work without the attack")
    check(all_ok(during.summary()), "tinymss: ping, echo and http keep working during the attack")
    check(all_ok(after), "tinymss: ping, echo and http work after the attack (attackers idle)")
    for h in hs:
        h.c.rst()
    time.sleep(1)
    tel.show("reset")


def inner(prefix, args):
    random.seed()
    tel = Tel(prefix)
    td.nft(True)
    peer = td.Peer()
    try:
        {"ooo": t_ooo, "zerowin": t_zerowin, "probe": t_probe,
         "tinymss": t_tinymss}[args.attack](peer, tel, args)
    finally:
        peer.close()
        td.nft(False)
    print("%d failed" % len(FAILS), flush=True)
    return 1 if FAILS else 0


def main():
    a = sys.argv[1:]
    ap = argparse.ArgumentParser()
    ap.add_argument("attack", choices=("ooo", "zerowin", "probe", "tinymss"))
    ap.add_argument("--conns", type=int, default=None)
    ap.add_argument("--segments", type=int, default=16000)
    ap.add_argument("--hold", type=float, default=None)
    ap.add_argument("--win", type=int, default=2400)
    ap.add_argument("--step", type=float, default=0)
    if a[:1] == ["--inner"]:
        args = ap.parse_args(a[2:])
        if args.conns is None:
            args.conns = {"zerowin": 200, "tinymss": 32}.get(args.attack, 64)
        if args.hold is None:
            args.hold = 15 if args.attack == "tinymss" else 10
        return inner(a[1], args)
    if len(a) < 2:
        ap.print_usage()
        return 2
    ap.parse_args(a[1:])
    return outer(a[0], a[1:])


if __name__ == "__main__":
    sys.exit(main())

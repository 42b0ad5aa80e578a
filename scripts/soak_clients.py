#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The kernel side of scripts/soak.sh: many paced TCP connections to spindle's services with
every byte checked, and spindle's memory sampled while they run (docs/lab.md "Soak").

  soak_clients.py --prefix EAL_PREFIX --pid SPINDLE_PID [--dst 198.18.0.2] [--minutes 10]
                  [--warmup 2] [--conns 1000] [--interval-ms 100] [--seed 1]

Connections (shares of --conns): 60% echo (:7), one message of 1..2048 random bytes per
round trip, the echo compared byte for byte; 30% HTTP/1.1 keep-alive (:80) GET /bytes/N,
N in 0..16384, status, Content-Length and the body pattern checked; 10% bulk, in turn an upload
of 128 KiB..1 MiB to discard (:9; the total is compared with discard's count at spindle's exit
by soak.sh), 2..4 keep-alive downloads of /bytes/N (N in 128 KiB..1 MiB), and 128 KiB..1 MiB
read from chargen (:19) and compared with its pattern, then closed with data in flight; a bulk
connection rests 2..4 s after each transfer (about 20 MB/s in all). Echo and
HTTP connections do one round trip every --interval-ms (jittered by +-50%) and reconnect after
a random number of round trips (echo: the client closes first; HTTP: the last request says
"Connection: close", so spindle closes first and keeps the TIME-WAIT).

Every 2 s it samples spindle: /spindle/mem (pool_in_use of each distinct pool, tcp_mbufs and
conns summed over workers), CurrEstab and CurrTimeWait (/spindle/stats), VmRSS of --pid and the
DPDK heaps' Alloc_size (/eal/heap_info). Each minute one line with the minute's means. Then
the traffic stops, every connection ends, and within 60 s spindle's TCP must hold no mbuf and
no connection (TIME-WAIT aside) and the mbuf pool must be back at its level before the traffic.

Pass (exit 0): no error of any kind (a byte that differs, a status or length that is wrong, a
connection refused, reset or closed early, an operation stuck for 60 s), and from the last
warm-up minute to the last minute none of pool_in_use, tcp_mbufs, conns, VmRSS and the heaps
grows by more than 1% (or a small absolute slack, see SLACK). The last line is
"soak: uploaded N bytes" (soak.sh compares it with discard's count).
Runs under /usr/bin/python3 (Debian), standard library only."""
import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import sys
import time

# /bytes/N: byte i = (i * 7 + 13) mod 256 (docs/services.md)
HTTP_PERIOD = bytes((i * 7 + 13) & 0xFF for i in range(256))
HTTP_BLOCK = HTTP_PERIOD * 2049  # 512 KiB plus one period: any offset, any read size <= 512 KiB


def chargen_period():
    """RFC 864 as chargen.c sends it: line k = 72 characters from k mod 95, then CR LF."""
    out = bytearray()
    for line in range(95):
        out += bytes(32 + (line + col) % 95 for col in range(72)) + b"\r\n"
    return bytes(out)


CG_PERIOD = chargen_period()  # 7030 bytes
CG_BLOCK = CG_PERIOD * 76  # > 512 KiB + one period
RAND = os.urandom(1 << 20)

# Absolute slack of the growth check, beside 1% of the warm-up value. The values are means of
# the 30 samples of a minute of random traffic. The bulk connections fill their send buffers
# (chargen, /bytes downloads: up to sndbuf 262144 / 1448 = 182 mbufs each), so how many of
# them are in a transfer moves the minute's mean of tcp_mbufs and pool_in_use by about a
# hundred mbufs between minutes without any leak (measured: 195, 274, 119), and 1% of those
# small gauges (tcp_mbufs is 0 at rest) would fail on that noise. 256 mbufs is about one and a
# half full send buffers; a leak of one mbuf per connection (about 3,000 connections a minute)
# is far beyond it, and after the traffic the pool must be back exactly (quiesce()).
SLACK = {"pool_in_use": 256, "tcp_mbufs": 256, "conns": 10, "rss_kb": 1024, "heap": 65536}
SAMPLE_S = 2.0
STALL_S = 60.0


class Stats:
    def __init__(self):
        self.requests = 0
        self.checked = 0  # bytes compared with what they must be
        self.uploaded = 0  # bytes written to discard
        self.connects = 0
        self.errors = {}
        self.first_errors = []

    def error(self, kind, msg):
        self.errors[kind] = self.errors.get(kind, 0) + 1
        if len(self.first_errors) < 20:
            self.first_errors.append("%s: %s" % (kind, msg))
            print("soak: error %s: %s" % (kind, msg), file=sys.stderr, flush=True)

    def n_errors(self):
        return sum(self.errors.values())


class Conn(asyncio.Protocol):
    """One connection of a slot. Subclasses: start(), data(bytes), on_eof() -> True if the
    end was expected; finish() closes it (the slot reconnects unless stopping)."""
    port = 0

    def __init__(self, slot):
        self.slot = slot
        self.soak = slot.soak
        self.rnd = slot.rnd
        self.tr = None
        self.busy_since = None  # an operation in progress since (monotonic), for stalls
        self.done = False
        self.timer = None

    # asyncio callbacks
    def connection_made(self, transport):
        self.tr = transport
        self.soak.live.add(self)
        self.soak.stats.connects += 1
        self.start()

    def data_received(self, data):
        if not self.done:
            self.data(data)

    def eof_received(self):
        if not self.done and not self.on_eof():
            self.fail("conn", "closed by spindle in the middle of an operation")
        return False

    def connection_lost(self, exc):
        if not self.done:
            self.fail("conn", "connection lost: %s" % (exc or "EOF"))
        self.slot.ended(self)

    # helpers
    def what(self):
        return "%s slot %d" % (type(self).__name__, self.slot.index)

    def fail(self, kind, msg):
        self.soak.stats.error(kind, "%s: %s" % (self.what(), msg))
        self.finish(abort=True)

    def finish(self, abort=False):
        if self.done:
            return
        self.done = True
        self.busy_since = None
        if self.timer is not None:
            self.timer.cancel()
        if self.tr is not None:
            self.tr.abort() if abort else self.tr.close()

    def later(self, seconds, fn):
        self.timer = self.soak.loop.call_later(seconds, fn)

    def pace(self):
        return self.soak.interval * self.rnd.uniform(0.5, 1.5)

    def next_round(self, fn):
        """The next operation after the pace, or the end of the connection when the soak
        stops or this connection's rounds are used up."""
        self.busy_since = None
        self.rounds -= 1
        if self.soak.stopping or self.rounds <= 0:
            self.finish()
        else:
            self.later(self.pace(), fn)

    def start(self):
        raise NotImplementedError

    def data(self, data):
        raise NotImplementedError

    def on_eof(self):
        return False


class Echo(Conn):
    port = 7

    def start(self):
        self.rounds = self.rnd.randint(100, 500)
        self.later(self.pace(), self.send)

    def send(self):
        n = self.rnd.randint(1, 2048)
        off = self.rnd.randrange(len(RAND) - n)
        self.want = RAND[off:off + n]
        self.got = bytearray()
        self.busy_since = time.monotonic()
        self.tr.write(self.want)

    def data(self, data):
        self.got += data
        if len(self.got) > len(self.want):
            return self.fail("data", "%d bytes echoed for %d sent" % (len(self.got),
                                                                     len(self.want)))
        if len(self.got) < len(self.want):
            return
        if self.got != self.want:
            return self.fail("data", "echo differs from what was sent (%d bytes)" %
                             len(self.want))
        st = self.soak.stats
        st.requests += 1
        st.checked += len(self.want)
        self.next_round(self.send)


class Http(Conn):
    """GET /bytes/N on a keep-alive connection; the last request of the connection says
    Connection: close and the end of the response must be spindle's FIN."""
    port = 80
    big = False

    def start(self):
        self.rounds = self.rnd.randint(2, 4) if self.big else self.rnd.randint(50, 300)
        self.closing = False
        self.later(0 if self.big else self.pace(), self.send)

    def pace(self):
        return self.rnd.uniform(2.0, 4.0) if self.big else Conn.pace(self)

    def send(self):
        self.n = self.rnd.randint(128 << 10, 1 << 20) if self.big else self.rnd.randint(0, 16384)
        self.closing = self.rounds <= 1 and not self.soak.stopping
        self.head = bytearray()
        self.body = None  # bytes of the body checked so far, None while reading the head
        self.busy_since = time.monotonic()
        self.tr.write(b"GET /bytes/%d HTTP/1.1\r\nHost: 198.18.0.2\r\n%s\r\n" %
                      (self.n, b"Connection: close\r\n" if self.closing else b""))

    def data(self, data):
        if self.body is None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                if len(self.head) > 4096:
                    self.fail("data", "no end of the response head in 4096 bytes")
                return
            head, data = bytes(self.head[:end]), bytes(self.head[end + 4:])
            if not self.check_head(head):
                return
            self.body = 0
        if self.body + len(data) > self.n:
            return self.fail("data", "body longer than %d" % self.n)
        o = self.body % 256
        if data != HTTP_BLOCK[o:o + len(data)]:
            return self.fail("data", "/bytes/%d differs in %d..%d" %
                             (self.n, self.body, self.body + len(data)))
        self.body += len(data)
        if self.body < self.n:
            return
        st = self.soak.stats
        st.requests += 1
        st.checked += self.n
        if self.closing:
            self.busy_since = time.monotonic()  # now waiting for spindle's FIN
            return
        self.next_round(self.send)

    def check_head(self, head):
        lines = head.split(b"\r\n")
        if not lines[0].startswith(b"HTTP/1.1 200 "):
            self.fail("data", "status %r" % lines[0])
            return False
        cl = [ln.split(b":", 1)[1].strip() for ln in lines[1:]
              if ln.lower().startswith(b"content-length:")]
        if cl != [b"%d" % self.n]:
            self.fail("data", "Content-Length %r for /bytes/%d" % (cl, self.n))
            return False
        return True

    def on_eof(self):
        if self.closing and self.body == self.n:
            self.finish()
            return True
        return False


class BigGet(Http):
    big = True


class Upload(Conn):
    """128 KiB..1 MiB to discard, then FIN; discard answers with its FIN once it has read
    everything (the count is compared at spindle's exit)."""
    port = 9

    def start(self):
        self.left = self.rnd.randint(128 << 10, 1 << 20)
        self.paused = False
        self.busy_since = time.monotonic()
        self.pump()

    def pump(self):
        while self.left > 0 and not self.paused and not self.done:
            n = min(self.left, 65536)
            off = self.rnd.randrange(len(RAND) - n)
            self.tr.write(RAND[off:off + n])
            self.left -= n
            self.soak.stats.uploaded += n
        if self.left == 0 and not self.done:
            self.left = -1
            self.tr.write_eof()

    def pause_writing(self):
        self.paused = True

    def resume_writing(self):
        self.paused = False
        self.busy_since = time.monotonic()
        self.pump()

    def data(self, data):
        self.fail("data", "discard sent %d bytes" % len(data))

    def on_eof(self):
        if self.left != -1:
            return False
        self.soak.stats.requests += 1
        self.finish()
        return True


class Chargen(Conn):
    """Read 128 KiB..1 MiB of chargen's stream, compare it with the pattern, close with data
    still arriving (the kernel answers spindle's next segments with RST)."""
    port = 19

    def start(self):
        self.n = self.rnd.randint(128 << 10, 1 << 20)
        self.off = 0
        self.busy_since = time.monotonic()

    def data(self, data):
        data = data[:self.n - self.off]
        o = self.off % len(CG_PERIOD)
        if data != CG_BLOCK[o:o + len(data)]:
            return self.fail("data", "chargen differs in %d..%d" % (self.off,
                                                                    self.off + len(data)))
        self.off += len(data)
        if self.off == self.n:
            st = self.soak.stats
            st.requests += 1
            st.checked += self.n
            self.finish()


class Slot:
    """One of the --conns connections: connects, runs, and connects again after a pause."""

    def __init__(self, soak, index, cls):
        self.soak = soak
        self.index = index
        self.cls = cls
        self.bulk = cls is Upload
        self.turn = index
        self.rnd = random.Random(soak.seed * 1000003 + index)
        self.active = True

    def begin(self, delay):
        self.soak.loop.call_later(delay, lambda: asyncio.ensure_future(self.connect()))

    async def connect(self):
        if self.soak.stopping:
            self.active = False
            return
        if self.bulk:  # the bulk slots take upload, download and chargen in turn
            self.cls = (Upload, BigGet, Chargen)[self.turn % 3]
            self.turn += 1
        try:
            await asyncio.wait_for(self.soak.loop.create_connection(
                lambda: self.cls(self), self.soak.dst, self.cls.port), STALL_S)
        except (OSError, asyncio.TimeoutError) as e:
            self.soak.stats.error("conn", "%s slot %d: connect: %s" %
                                  (self.cls.__name__, self.index, e or "timeout"))
            self.begin(1.0)

    def ended(self, conn):
        self.soak.live.discard(conn)
        if self.soak.stopping:
            self.active = False
        else:  # bulk slots rest longer: they pace the bulk traffic (about 20 MB/s in all)
            self.begin(self.rnd.uniform(2.0, 4.0) if self.bulk else self.rnd.uniform(0.05, 1.0))


class Telemetry:
    """DPDK telemetry (v2 socket) of spindle, one persistent connection."""

    def __init__(self, prefix):
        self.path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
        self.sock = None

    def __call__(self, cmd):
        for _ in range(2):
            try:
                if self.sock is None:
                    self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                    self.sock.settimeout(5.0)
                    self.sock.connect(self.path)
                    hello = json.loads(self.sock.recv(65536))
                    self.bufsz = int(hello.get("max_output_len", 16384)) + 1024
                self.sock.send(cmd.encode())
                reply = json.loads(self.sock.recv(self.bufsz))
                return reply.get(cmd.split(",")[0])
            except (OSError, ValueError):
                if self.sock is not None:
                    self.sock.close()
                self.sock = None
        return None


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


class Soak:
    def __init__(self, args):
        self.dst = args.dst
        self.seed = args.seed
        self.interval = args.interval_ms / 1000.0
        self.minutes = args.minutes
        self.minute_s = args.minute_s
        self.warmup = args.warmup
        self.pid = args.pid
        self.tel = Telemetry(args.prefix)
        self.stats = Stats()
        self.stopping = False
        self.samples = []  # (minute index from 1, dict)
        self.slots = []
        self.live = set()  # connections made and not yet lost
        n_echo = args.conns * 6 // 10
        n_http = args.conns * 3 // 10
        n_bulk = args.conns - n_echo - n_http
        for cls, n in ((Echo, n_echo), (Http, n_http), (Upload, n_bulk)):
            for _ in range(n):
                self.slots.append(Slot(self, len(self.slots), cls))

    def sample(self):
        s = {}
        mem = self.tel("/spindle/mem") or {}
        pools = {}
        for w in mem.values():
            if isinstance(w, dict):
                pools[w.get("pool")] = int(w.get("pool_in_use", 0))
                s["tcp_mbufs"] = s.get("tcp_mbufs", 0) + int(w.get("tcp_mbufs", 0))
                s["conns"] = s.get("conns", 0) + int(w.get("conns", 0))
        if pools:
            s["pool_in_use"] = sum(pools.values())
        st = self.tel("/spindle/stats") or {}
        for k in ("CurrEstab", "CurrTimeWait"):
            if k in st:
                s[k] = int(st[k])
        heaps = self.tel("/eal/heap_list") or []  # [0] (a dict {"Heap_id": [...]} in 21.x)
        if isinstance(heaps, dict):
            heaps = heaps.get("Heap_id", [])
        alloc = None
        for h in heaps:
            info = self.tel("/eal/heap_info,%d" % h) or {}
            if "Alloc_size" in info:
                alloc = (alloc or 0) + int(info["Alloc_size"])
        if alloc is not None:
            s["heap"] = alloc
        r = rss_kb(self.pid)
        if r is not None:
            s["rss_kb"] = r
        return s

    def minute_means(self, minute):
        rows = [s for m, s in self.samples if m == minute]
        out = {}
        for k in SLACK:
            v = [s[k] for s in rows if k in s]
            if v:
                out[k] = statistics.mean(v)
        return out

    def print_minute(self, minute):
        m = self.minute_means(minute)
        last = self.samples[-1][1] if self.samples else {}
        st = self.stats

        def f(k):
            return "%.0f" % m[k] if k in m else "n/a"
        print("soak: min %2d  pool_in_use %6s  tcp_mbufs %5s  conns %5s  estab %5s  "
              "time_wait %5s  rss %7s kB  heap %9s  requests %9d  checked %6.0f MB  "
              "uploaded %6.0f MB  errors %d" %
              (minute, f("pool_in_use"), f("tcp_mbufs"), f("conns"),
               last.get("CurrEstab", "n/a"), last.get("CurrTimeWait", "n/a"), f("rss_kb"),
               f("heap"), st.requests, st.checked / 1e6, st.uploaded / 1e6, st.n_errors()),
              flush=True)

    def check_stalls(self):
        now = time.monotonic()
        for c in list(self.live):
            if c.busy_since is not None and now - c.busy_since > STALL_S:
                c.fail("stall", "no progress for %.0f s" % (now - c.busy_since))

    async def run(self):
        self.loop = asyncio.get_running_loop()
        base = self.sample()
        print("soak: before the traffic: pool_in_use %s, tcp_mbufs %s, conns %s, rss %s kB" %
              (base.get("pool_in_use"), base.get("tcp_mbufs"), base.get("conns"),
               base.get("rss_kb")), flush=True)
        print("soak: %d connections (echo %d, http %d, bulk %d), %d min, warm-up %d min, "
              "one round trip per %.0f ms" %
              (len(self.slots), sum(s.cls is Echo for s in self.slots),
               sum(s.cls is Http for s in self.slots),
               sum(s.bulk for s in self.slots), self.minutes, self.warmup,
               self.interval * 1000), flush=True)
        for sl in self.slots:  # spread the first connects over 5 s
            sl.begin(sl.rnd.uniform(0, 5.0))
        t0 = time.monotonic()
        minute = 1
        while minute <= self.minutes:
            await asyncio.sleep(SAMPLE_S)
            el = time.monotonic() - t0
            self.check_stalls()
            s = await self.loop.run_in_executor(None, self.sample)
            self.samples.append((minute, s))
            if el >= minute * self.minute_s:
                self.print_minute(minute)
                minute += 1
        self.stopping = True
        deadline = time.monotonic() + STALL_S + 10
        while any(sl.active for sl in self.slots) and time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            self.check_stalls()
        left = sum(sl.active for sl in self.slots)
        if left:
            self.stats.error("stall", "%d connections did not end within %.0f s of the stop" %
                             (left, STALL_S + 10))
        for c in list(self.live):
            c.finish(abort=True)
        return base

    def quiesce(self, base):
        """After the traffic: spindle's TCP holds no mbuf and no connection (TIME-WAIT is
        outside the table) and the pool is back where it was before, within 60 s."""
        deadline = time.monotonic() + 60
        while True:
            s = self.sample()
            if (s.get("tcp_mbufs") == 0 and s.get("conns") == 0 and
                    s.get("pool_in_use") == base.get("pool_in_use")):
                break
            if time.monotonic() > deadline:
                return False, s
            time.sleep(0.5)
        return True, s

    def verdict(self, base):
        ok = True

        def check(cond, msg):
            nonlocal ok
            print("%s: %s" % ("ok" if cond else "FAIL", msg), flush=True)
            ok = ok and cond
        st = self.stats
        t = os.times()
        print("soak: the clients used %.0f s of CPU" % (t.user + t.system), flush=True)
        check(st.n_errors() == 0, "%d requests, %.0f MB checked byte for byte, %d connects, "
              "%d errors%s" % (st.requests, st.checked / 1e6, st.connects, st.n_errors(),
                               " " + json.dumps(st.errors) if st.errors else ""))
        w, e = self.minute_means(self.warmup), self.minute_means(self.minutes)
        for k, slack in SLACK.items():
            if k not in w or k not in e:
                check(k == "heap", "%s: no samples" % k)
                continue
            limit = w[k] + max(0.01 * w[k], slack)
            check(e[k] <= limit, "%s: minute %d mean %.0f -> minute %d mean %.0f (%+.2f%%; "
                  "limit %.0f: +1%% or +%d)" % (k, self.warmup, w[k], self.minutes, e[k],
                                                 100.0 * (e[k] - w[k]) / max(w[k], 1), limit,
                                                 slack))
        quiet, s = self.quiesce(base)
        check(quiet, "after the traffic spindle's TCP holds %s mbufs and %s connections "
              "(TIME-WAIT %s); pool_in_use %s (before the traffic %s)" %
              (s.get("tcp_mbufs"), s.get("conns"), s.get("CurrTimeWait"),
               s.get("pool_in_use"), base.get("pool_in_use")))
        return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--prefix", required=True, help="spindle's EAL file prefix")
    ap.add_argument("--pid", type=int, required=True, help="spindle's process id (VmRSS)")
    ap.add_argument("--dst", default="198.18.0.2")
    ap.add_argument("--minutes", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--conns", type=int, default=1000)
    ap.add_argument("--interval-ms", type=float, default=100.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--minute-s", type=float, default=60.0, help=argparse.SUPPRESS)  # tests
    args = ap.parse_args()
    if not 1 <= args.warmup < args.minutes:
        ap.error("need 1 <= --warmup < --minutes")
    if args.conns < 10:
        ap.error("--conns at least 10")
    soak = Soak(args)
    base = asyncio.run(soak.run())
    ok = soak.verdict(base)
    for e in soak.stats.first_errors:
        print("soak: error: %s" % e)
    print("soak: uploaded %d bytes" % soak.stats.uploaded, flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for the TCP integration tests and benchmarks (kernel side of the lab).

  tcp_tools.py sha256-pattern N            sha256 of N bytes of the /bytes pattern
  tcp_tools.py write-pattern N             write N pattern bytes to stdout
  tcp_tools.py telemetry PREFIX CMD        one rte_telemetry command, JSON reply on stdout
  tcp_tools.py conns --dst IP --port P --count N --src A,B,C [--hold S]
                                           open N kernel connections, echo a line on each,
                                           hold, close; exit 0 only if all worked
  tcp_tools.py rr-server --bind IP --port P --req N --resp M
                                           kernel request/response server for loadgen rr
  tcp_tools.py echo-server --bind IP --port P   echo server (kernel peer of conns)
  tcp_tools.py sink --bind IP --port P      read every connection to EOF (loadgen bulk peer)
  tcp_tools.py http-server --bind IP --port P --dir D [--chunked|--close]
                                           HTTP/1.1 file server (kernel side of fetch)
  tcp_tools.py wait-conns PREFIX SECONDS   wait until /spindle/tcp/conns has only TIME-WAIT rows
  tcp_tools.py lcores-busy PREFIX          "BUSY_CYCLES BUSY_PKTS" summed over /spindle/lcores

The /bytes pattern: byte i = (i * 7 + 13) mod 256 (period 256), see docs/services.md.
Runs under /usr/bin/python3 (Debian), standard library only.
"""
import argparse
import hashlib
import json
import os
import selectors
import socket
import sys
import time

PERIOD = bytes((i * 7 + 13) & 0xFF for i in range(256))
BLOCK = PERIOD * 4096  # 1 MiB, whole periods


def pattern_sha256(n):
    h = hashlib.sha256()
    while n >= len(BLOCK):
        h.update(BLOCK)
        n -= len(BLOCK)
    h.update(BLOCK[:n])
    return h.hexdigest()


def write_pattern(n, out):
    while n > 0:
        k = min(n, len(BLOCK))
        out.write(BLOCK[:k])
        n -= k


def telemetry(prefix, cmd, timeout=5.0):
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(timeout)
    s.connect(path)
    info = json.loads(s.recv(65536).decode())
    bufsz = int(info.get("max_output_len", 16384)) + 1024
    s.send(cmd.encode())
    data = s.recv(bufsz)
    s.close()
    return json.loads(data.decode())


def conn_rows(prefix):
    """Rows of /spindle/tcp/conns: a list of `ss -tn`-like strings "STATE recvq sendq local
    peer ...", at most 100, then "... N more not shown"."""
    reply = telemetry(prefix, "/spindle/tcp/conns")
    v = reply.get("/spindle/tcp/conns", reply)
    if isinstance(v, dict):
        v = list(v.values())
    return v if isinstance(v, list) else []


def stat(prefix, name):
    """One counter of /spindle/stats (summed over ports and lcores), None if absent."""
    reply = telemetry(prefix, "/spindle/stats")
    v = reply.get("/spindle/stats", reply)
    return v.get(name) if isinstance(v, dict) else None


def _sum_keys(v, names, acc):
    if isinstance(v, dict):
        for k, x in v.items():
            if k in names and isinstance(x, (int, float)):
                acc[k] = acc.get(k, 0) + x
            else:
                _sum_keys(x, names, acc)
    elif isinstance(v, list):
        for x in v:
            _sum_keys(x, names, acc)
    return acc


def lcores_busy(prefix):
    """Busy cycles and packets of every worker (ctx->busy_cycles/busy_pkts, counted like
    testpmd's --record-core-cycles), whatever the nesting of the /spindle/lcores reply."""
    acc = _sum_keys(telemetry(prefix, "/spindle/lcores"), ("busy_cycles", "busy_pkts"), {})
    return acc.get("busy_cycles", 0), acc.get("busy_pkts", 0)


def wait_conns(prefix, seconds):
    """Wait until no connection is left but in TIME-WAIT: every row of /spindle/tcp/conns in
    TIME-WAIT and the CurrEstab gauge (ESTABLISHED + CLOSE-WAIT, all of them, not only the 100
    rows shown) at 0. Exit 0 then, 1 at the deadline."""
    deadline = time.time() + seconds
    rows, estab = [], None
    while time.time() < deadline:
        try:
            rows = conn_rows(prefix)
            estab = stat(prefix, "CurrEstab")
        except (OSError, ValueError) as e:
            print("wait-conns: telemetry: %s" % e, file=sys.stderr)
            rows, estab = ["?"], None
        live = [r for r in rows if not _is_time_wait(r) and not _is_more(r)]
        if not live and (estab is None or estab == 0):
            more = [r for r in rows if _is_more(r)]
            print("wait-conns: none open (%d rows in TIME-WAIT%s)" %
                  (len(rows) - len(more), ", " + more[0] if more else ""))
            return 0
        time.sleep(0.5)
    print("wait-conns: still open after %ss (CurrEstab %s): %s" %
          (seconds, estab, json.dumps(rows[:20])), file=sys.stderr)
    return 1


def _is_time_wait(row):
    return "TIME" in str(row).split(" ")[0].upper()


def _is_more(row):
    return str(row).startswith("...")


def conns(args):
    """Open --count connections spread over the --src addresses, prove each is established
    end to end (a line echoed back), hold them, close them. Exit 0 only if every one worked."""
    srcs = args.src.split(",")
    sel = selectors.DefaultSelector()
    socks = []
    t0 = time.time()
    pending = {}
    # Open in batches so the SYN rate stays reasonable for a 2-core machine.
    for i in range(args.count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_IP, 24, 1)  # IP_BIND_ADDRESS_NO_PORT: ports per 4-tuple
        s.bind((srcs[i % len(srcs)], 0))
        s.setblocking(False)
        err = s.connect_ex((args.dst, args.port))
        if err not in (0, 115):  # EINPROGRESS
            print("conns: connect %d: %s" % (i, os.strerror(err)), file=sys.stderr)
            return 1
        socks.append(s)
        pending[s.fileno()] = s
        sel.register(s, selectors.EVENT_WRITE)
        if len(pending) >= args.batch:
            if not _wait_connected(sel, pending, args.timeout):
                return 1
    if not _wait_connected(sel, pending, args.timeout, drain=True):
        return 1
    t1 = time.time()
    print("conns: %d connected in %.1f s" % (len(socks), t1 - t0))
    # A line on each, read back: the connection is established on both ends and carries data.
    for i, s in enumerate(socks):
        s.send(b"conn %06d\n" % i)
    want = {s.fileno(): (b"conn %06d\n" % i) for i, s in enumerate(socks)}
    got = {fd: b"" for fd in want}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    deadline = time.time() + args.timeout
    left = len(socks)
    byfd = {s.fileno(): s for s in socks}
    while left > 0 and time.time() < deadline:
        for key, _ in sel.select(timeout=1.0):
            fd = key.fd
            data = byfd[fd].recv(4096)
            if not data:
                print("conns: connection %d closed by spindle" % fd, file=sys.stderr)
                return 1
            got[fd] += data
            if len(got[fd]) >= len(want[fd]):
                sel.unregister(byfd[fd])
                left -= 1
    bad = [fd for fd in want if got[fd] != want[fd]]
    if bad:
        print("conns: %d connections did not echo (e.g. fd %d got %r)" %
              (len(bad), bad[0], got[bad[0]]), file=sys.stderr)
        return 1
    print("conns: %d echoed in %.1f s; holding %.0f s" % (len(socks), time.time() - t1, args.hold))
    if args.telemetry:
        try:
            n = stat(args.telemetry, "CurrEstab")
        except (OSError, ValueError) as e:
            print("conns: telemetry failed: %s" % e, file=sys.stderr)
            return 1
        print("conns: spindle's CurrEstab is %s" % n)
        if n is None or n < args.count:
            print("conns: spindle does not count %d established" % args.count, file=sys.stderr)
            return 1
    time.sleep(args.hold)
    # Still alive after the hold? A zero-length check: nothing readable means no FIN/RST.
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
    ready = sel.select(timeout=0.2)
    if ready:
        print("conns: %d connections saw EOF/RST during the hold" % len(ready), file=sys.stderr)
        return 1
    for s in socks:
        s.close()
    print("conns: closed %d" % len(socks))
    return 0


def _wait_connected(sel, pending, timeout, drain=False):
    deadline = time.time() + timeout
    while pending and time.time() < deadline:
        for key, _ in sel.select(timeout=1.0):
            s = pending.pop(key.fd)
            sel.unregister(s)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err != 0:
                print("conns: connect failed: %s" % os.strerror(err), file=sys.stderr)
                return False
        if not drain and len(pending) < 64:
            return True
    if pending:
        print("conns: %d connects still pending after %ss" % (len(pending), timeout),
              file=sys.stderr)
        return False
    return True


def _serve(bind, port, backlog, on_data, nodelay=False):
    """Accept connections on bind:port forever; on_data(conn, bytes) for every read, with
    b"" once at EOF (the connection is closed after it)."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((bind, port))
    ls.listen(backlog)
    ls.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(ls, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            if key.fileobj is ls:
                try:
                    c, _ = ls.accept()
                except BlockingIOError:
                    continue
                if nodelay:
                    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                c.setblocking(True)
                sel.register(c, selectors.EVENT_READ)
                continue
            c = key.fileobj
            try:  # a client that resets (loadgen close = rst) ends its connection, not the server
                data = c.recv(65536)
                on_data(c, data)
            except (ConnectionResetError, BrokenPipeError):
                data = b""
                on_data(c, data)
            if not data:
                sel.unregister(c)
                c.close()


def rr_server(args):
    """Answer every --req bytes read with --resp bytes, per connection (loadgen rr peer)."""
    resp = (BLOCK * (args.resp // len(BLOCK) + 1))[:args.resp]
    pend = {}

    def on_data(c, data):
        if not data:
            pend.pop(c.fileno(), None)
            return
        n = pend.get(c.fileno(), 0) + len(data)
        while n >= args.req:
            n -= args.req
            c.sendall(resp)
        pend[c.fileno()] = n

    _serve(args.bind, args.port, 1024, on_data, nodelay=True)


def echo_server(args):
    """Echo every byte back, any number of connections (the kernel peer of `conns`)."""
    _serve(args.bind, args.port, 4096, lambda c, data: data and c.sendall(data))


def sink(args):
    """Accept connections, read each to EOF, close it (the kernel side of loadgen bulk)."""
    import threading

    # print() from two threads can interleave its text and its newline ("sink: N bytessink: N
    # bytes"): one lock around the line.
    out_lock = threading.Lock()

    def serve(c):
        n = 0
        with c:
            while True:
                d = c.recv(1 << 20)
                if not d:
                    break
                n += len(d)
        if args.verbose:
            with out_lock:
                print("sink: %d bytes" % n, flush=True)

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.bind, args.port))
    ls.listen(1024)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def http_server(args):
    """A threading HTTP/1.1 file server (keep-alive). Bodies carry Content-Length, or with
    --chunked are sent with Transfer-Encoding: chunked in uneven chunks, or with --close have
    neither and end when the server closes."""
    import functools
    import http.server

    class Handler(http.server.SimpleHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            if not (args.chunked or args.close):
                return super().do_GET()
            path = self.translate_path(self.path)
            try:
                with open(path, "rb") as f:
                    data = f.read()
            except OSError:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            if args.chunked:
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                off, k = 0, 0
                while off < len(data):
                    n = min(len(data) - off, (1000, 65536, 7, 300000)[k % 4])
                    ext = ";x=%d" % k if k % 3 == 0 else ""
                    self.wfile.write(b"%x%s\r\n" % (n, ext.encode()) + data[off:off + n] + b"\r\n")
                    off += n
                    k += 1
                self.wfile.write(b"0\r\nX-Trailer: done\r\n\r\n")
            else:
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)
                self.close_connection = True

    handler = functools.partial(Handler, directory=args.dir)
    srv = http.server.ThreadingHTTPServer((args.bind, args.port), handler)
    srv.serve_forever()


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("sha256-pattern")
    a.add_argument("n", type=int)
    a = sub.add_parser("write-pattern")
    a.add_argument("n", type=int)
    a = sub.add_parser("telemetry")
    a.add_argument("prefix")
    a.add_argument("command")
    a = sub.add_parser("lcores-busy")
    a.add_argument("prefix")
    a = sub.add_parser("wait-conns")
    a.add_argument("prefix")
    a.add_argument("seconds", type=float)
    a = sub.add_parser("conns")
    a.add_argument("--dst", required=True)
    a.add_argument("--port", type=int, default=7)
    a.add_argument("--count", type=int, default=10000)
    a.add_argument("--src", required=True, help="comma-separated source addresses")
    a.add_argument("--batch", type=int, default=500)
    a.add_argument("--hold", type=float, default=3.0)
    a.add_argument("--timeout", type=float, default=60.0)
    a.add_argument("--telemetry", help="spindle file-prefix: check the ESTABLISHED count")
    a = sub.add_parser("rr-server")
    a.add_argument("--bind", default="0.0.0.0")
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--req", type=int, default=100)
    a.add_argument("--resp", type=int, default=100)
    a = sub.add_parser("echo-server")
    a.add_argument("--bind", default="0.0.0.0")
    a.add_argument("--port", type=int, required=True)
    a = sub.add_parser("sink")
    a.add_argument("--bind", default="0.0.0.0")
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--verbose", action="store_true")
    a = sub.add_parser("http-server")
    a.add_argument("--bind", default="0.0.0.0")
    a.add_argument("--port", type=int, default=8000)
    a.add_argument("--dir", required=True)
    a.add_argument("--chunked", action="store_true")
    a.add_argument("--close", action="store_true")
    args = p.parse_args()

    if args.cmd == "sha256-pattern":
        print(pattern_sha256(args.n))
    elif args.cmd == "write-pattern":
        write_pattern(args.n, sys.stdout.buffer)
    elif args.cmd == "telemetry":
        print(json.dumps(telemetry(args.prefix, args.command)))
    elif args.cmd == "lcores-busy":
        print("%d %d" % lcores_busy(args.prefix))
    elif args.cmd == "wait-conns":
        return wait_conns(args.prefix, args.seconds)
    elif args.cmd == "conns":
        return conns(args)
    elif args.cmd == "rr-server":
        rr_server(args)
    elif args.cmd == "echo-server":
        echo_server(args)
    elif args.cmd == "sink":
        sink(args)
    elif args.cmd == "http-server":
        http_server(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""HTTP/1.0 connection churn against spindle's http service (the server closes first, so every
connection leaves spindle in TIME-WAIT), like `ab -r -n N -c C`:

  tcp_churn.py --dst IP [--port 80] --seconds S --threads C [--reuse-ports A-B]

Each of C threads connects, sends `GET / HTTP/1.0`, reads to EOF, checks for `200`, closes, and
again until S seconds have passed. With --reuse-ports one more thread binds its connections to
the ports A..B in turn (reserve them: net.ipv4.ip_local_reserved_ports), so a tuple comes back while spindle still holds it in TIME-WAIT (RFC
6191 reuse with the kernel's ISNs and timestamps). Prints "churn: N ok, F failed, R/s" and exits
0 only if no request failed. Standard library only.
"""
import argparse
import socket
import sys
import threading
import time

REQ = b"GET / HTTP/1.0\r\nHost: spindle\r\n\r\n"


def one(dst, port, bind_port, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.settimeout(timeout)
        if bind_port:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind(("0.0.0.0", bind_port))
            except OSError:
                # Our previous connection on it may still be in LAST-ACK: a local matter,
                # not a failed request: the caller tries the next port.
                return None
        s.connect((dst, port))
        s.sendall(REQ)
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
        return data.startswith(b"HTTP/1.") and b" 200 " in data.split(b"\r\n", 1)[0]
    except OSError as e:
        print("churn: %s" % e, file=sys.stderr)
        return False
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--timeout", type=float, default=5.0)
    ap.add_argument("--reuse-ports", default="")
    args = ap.parse_args()
    deadline = time.time() + args.seconds
    counts = {"ok": 0, "fail": 0}
    lock = threading.Lock()

    def worker(ports):
        i = 0
        while time.time() < deadline:
            p = ports[i % len(ports)] if ports else 0
            i += 1
            ok = one(args.dst, args.port, p, args.timeout)
            if ok is None:
                continue
            with lock:
                counts["ok" if ok else "fail"] += 1

    threads = [threading.Thread(target=worker, args=([],)) for _ in range(args.threads)]
    if args.reuse_ports:
        lo, hi = (int(x) for x in args.reuse_ports.split("-"))
        threads.append(threading.Thread(target=worker, args=(list(range(lo, hi + 1)),)))
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join(args.seconds + args.timeout * 3)
    dt = time.time() - t0
    n = counts["ok"] + counts["fail"]
    print("churn: %d ok, %d failed, %.0f/s over %.1f s" % (counts["ok"], counts["fail"],
                                                          n / dt, dt))
    return 0 if counts["fail"] == 0 and counts["ok"] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())

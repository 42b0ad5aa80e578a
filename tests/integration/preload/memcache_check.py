#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
# A memcached text-protocol client (test_preload_programs.sh memcached): C connections at once,
# each sets K keys (values up to 500 KB, binary) and reads every one back, then incr on a shared
# counter; prints "ok" and exits 0 when every value read back equals what was set.
#   memcache_check.py HOST PORT C K
import os
import socket
import sys
import threading

host, port, conns, keys = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
errors = []


def readline(s, buf):
    while b"\r\n" not in buf[0]:
        d = s.recv(65536)
        if not d:
            raise EOFError("connection closed")
        buf[0] += d
    line, buf[0] = buf[0].split(b"\r\n", 1)
    return line


def readn(s, buf, n):
    while len(buf[0]) < n:
        d = s.recv(65536)
        if not d:
            raise EOFError("connection closed")
        buf[0] += d
    data, buf[0] = buf[0][:n], buf[0][n:]
    return data


def worker(c):
    try:
        s = socket.create_connection((host, port), timeout=30)
        buf = [b""]
        vals = {}
        for k in range(keys):
            key = f"k{c}.{k}"
            v = os.urandom(100 if k % 4 else 500000)
            vals[key] = v
            s.sendall(b"set %s 0 0 %d\r\n" % (key.encode(), len(v)) + v + b"\r\n")
            line = readline(s, buf)
            if line != b"STORED":
                raise ValueError(f"set {key}: {line!r}")
        for key, v in vals.items():
            s.sendall(b"get %s\r\n" % key.encode())
            line = readline(s, buf).split()
            if line[0] != b"VALUE" or int(line[3]) != len(v):
                raise ValueError(f"get {key}: {line!r}")
            got = readn(s, buf, len(v) + 2)[:-2]
            if got != v or readline(s, buf) != b"END":
                raise ValueError(f"get {key}: other bytes")
        s.sendall(b"incr counter 1\r\n")
        readline(s, buf)
        s.close()
    except Exception as e:
        errors.append(f"connection {c}: {e}")


s = socket.create_connection((host, port), timeout=30)
s.sendall(b"set counter 0 0 1\r\n0\r\n")
assert s.recv(100) == b"STORED\r\n"
threads = [threading.Thread(target=worker, args=(c,)) for c in range(conns)]
for t in threads:
    t.start()
for t in threads:
    t.join()
s.sendall(b"get counter\r\n")
buf = [b""]
readline(s, buf)
counter = readline(s, buf).decode()
if errors:
    print("FAIL: " + "; ".join(errors[:3]))
    sys.exit(1)
if counter != str(conns):
    print(f"FAIL: counter {counter}, want {conns}")
    sys.exit(1)
print("ok")

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# libspindle_preload.so end to end (docs/api.md "Design: the socket layer"): an unmodified
# python3 server (preload_smoke.py: epoll over spindle TCP and UDP sockets and a kernel pipe,
# connections served on a dup() of the accepted descriptor, two SO_REUSEPORT listeners)
# runs on spindle in the lab; kernel clients: nc (short and 2 MB TCP sessions, half-close), a UDP
# datagram; a listener with SO_RCVBUF 4096 whose connection is not read (the kernel sender stops
# at its 4096-byte window, offered at scale 0). Then the exit report (every mbuf back), and the failure path (one
# "spindle-preload:" line, exit status 1). Last, a server that sleeps (time.sleep) after a
# non-blocking send, and after a non-blocking close: the client has the bytes and the FIN at once.   Usage: test_preload_smoke.sh LIBSPINDLE_PRELOAD.SO
set -euo pipefail
PRELOAD=$(readlink -f "$1")
. "$(dirname "$0")/lib.sh"

SP_IP=198.18.0.2
OUT=$SP_TMP/server.log

# A broken config must stop the program before main(), with one clear line.
rc=0
env SPINDLE_EAL_ARGS="-l 0 --no-pci" SPINDLE_SET="stack.idle=bogus" LD_PRELOAD="$PRELOAD" \
	/bin/true 2> "$SP_TMP/fail.log" || rc=$?
t_expect_eq "exit status with a bad SPINDLE_SET" "$rc" 1
if grep -q '^spindle-preload: SPINDLE_SET stack.idle=bogus' "$SP_TMP/fail.log"; then
	t_ok "the failure is one spindle-preload line"
else
	t_fail "no spindle-preload line: $(cat "$SP_TMP/fail.log")"
fi

lab_up tap
# LD_PRELOAD reaches only the program (env execs it): ip and timeout stay on the kernel.
timeout 120 ip netns exec "$(lab_ns)" env \
	SPINDLE_EAL_ARGS="-l 0 --no-pci --no-huge -m 256 --file-prefix $(spindle_prefix)" \
	SPINDLE_SET=$'stack.idle=sleep\nport0.arp=off' LD_PRELOAD="$PRELOAD" \
	"$PY" "$(dirname "$0")/preload_smoke.py" 3 > "$OUT" 2>&1 &
SRV=$!
"$LAB_SH" attach --ns "$(lab_ns)" --pid "$SRV" --timeout 30 > /dev/null ||
	{ cat "$OUT"; t_fail "the lab could not attach"; t_finish; }
for i in $(seq 50); do grep -q listening "$OUT" && break; sleep 0.1; done

r=$(echo hello | lab_exec timeout 10 nc -N "$SP_IP" 8080) || true
t_expect_eq "TCP reply" "$r" HELLO
r=$(lab_exec "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
s.sendto(b"datagram", ("'"$SP_IP"'", 8081)); print(s.recv(100).decode())') || true
t_expect_eq "UDP reply" "$r" DATAGRAM
r=$(echo world | lab_exec timeout 10 nc -N "$SP_IP" 8080) || true
t_expect_eq "second TCP reply" "$r" WORLD
head -c 2000000 /dev/urandom | base64 -w 0 > "$SP_TMP/in"
tr '[:lower:]' '[:upper:]' < "$SP_TMP/in" > "$SP_TMP/want"
lab_exec timeout 30 nc -N "$SP_IP" 8080 < "$SP_TMP/in" > "$SP_TMP/got" || true
if cmp -s "$SP_TMP/want" "$SP_TMP/got"; then
	t_ok "2.7 MB through TCP came back upper-cased"
else
	t_fail "2.7 MB: got $(stat -c %s "$SP_TMP/got") bytes, different"
fi

# SO_RCVBUF 4096 on the server's 8082 listener, a server that does not read: the kernel sender
# sends until stuck (1 s without progress); spindle must have acknowledged no more than the
# 4096-byte window, offered at scale 0 (ss's wscale: the peer's first). Then "drain" lets the
# server read the whole 1 MB.
r=$(lab_exec timeout 30 "$PY" -c '
import re, socket, subprocess, time
ip, total = "'"$SP_IP"'", 1 << 20
c = socket.create_connection((ip, 8082), timeout=5)
c.setblocking(False)
sent, t0 = 0, time.time()
last = t0
while time.time() - last < 1 and time.time() - t0 < 10:
    try:
        sent += c.send(b"x" * min(65536, total - sent))
        last = time.time()
    except BlockingIOError:
        time.sleep(0.02)
ss = subprocess.run(["ss", "-tin", "dst", ip + ":8082"], capture_output=True, text=True).stdout
acked = int(re.search(r"bytes_acked:(\d+)", ss).group(1)) - 1  # the SYN counts one
ws = re.search(r"wscale:(\d+),", ss).group(1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(5)
u.sendto(b"drain", (ip, 8081))
u.recv(100)
c.settimeout(20)
c.sendall(b"x" * (total - sent))
c.shutdown(socket.SHUT_WR)
c.recv(1)
print(acked, ws)') || true
read -r acked ws <<< "$r"
if [ -n "$acked" ] && [ "$acked" -ge 2048 ] && [ "$acked" -le 4096 ]; then
	t_ok "SO_RCVBUF 4096, not read: the kernel sender got $acked bytes acknowledged"
else
	t_fail "SO_RCVBUF 4096, not read: acknowledged '$r' (want 2048..4096 and the scale)"
fi
t_expect_eq "window scale spindle offered with SO_RCVBUF 4096" "$ws" 0

rc=0
wait "$SRV" || rc=$?
t_expect_eq "server exit status" "$rc" 0
grep -q "kernel pipe readable" "$OUT" && t_ok "kernel fd reported in the mixed epoll set" ||
	t_fail "the kernel pipe was never reported"
if grep -Eq '^mbufs: all [0-9]+ returned$' "$OUT"; then
	t_ok "every mbuf returned at exit"
else
	t_fail "exit report: $(grep '^mbufs' "$OUT" || echo none)"
fi
grep -q "served 3" "$OUT" || { cat "$OUT"; t_fail "the server did not serve 3 connections"; }
t_expect_eq "SO_RCVBUF 4096 reads back" "$(sed -n 's/^small SO_RCVBUF reads //p' "$OUT")" 8192
h=$(sed -n 's/^small held //p' "$OUT")
[ -n "$h" ] && [ "$h" -le 4096 ] && t_ok "the server held $h bytes unread (at most 4096)" ||
	t_fail "held: '$h'"
t_expect_eq "bytes the SO_RCVBUF 4096 server read" "$(sed -n 's/^small read //p' "$OUT")" 1048576
# round robin over the two SO_REUSEPORT listeners: 2 and 1 of the 3 connections
r=$(sed -n 's/^accepted per SO_REUSEPORT listener: //p' "$OUT")
t_expect_eq "connections accepted by each SO_REUSEPORT listener" "$r" "2 1"

# A reply and a FIN that non-blocking calls left for the next driver iteration are sent before
# the program sleeps (time.sleep: clock_nanosleep), not at its next socket call 3 s later:
# the kernel client must have them within 1.5 s.
OUT2=$SP_TMP/sleeper.log
timeout 60 ip netns exec "$(lab_ns)" env \
	SPINDLE_EAL_ARGS="-l 0 --no-pci --no-huge -m 256 --file-prefix $(spindle_prefix)" \
	SPINDLE_SET=$'stack.idle=sleep\nport0.arp=off' LD_PRELOAD="$PRELOAD" \
	"$PY" -c '
import socket, time
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", 8083))
ls.listen(4)
print("listening", flush=True)
for what in ("send", "close"):
    c, _ = ls.accept()
    c.setblocking(False)
    c.send(b"x" * 100)
    if what == "close":
        c.close()  # the listener stays open: the FIN waits for the next iteration
    time.sleep(3)  # no socket call meanwhile
    if what == "send":
        c.close()
print("slept", flush=True)' > "$OUT2" 2>&1 &
SRV=$!
"$LAB_SH" attach --ns "$(lab_ns)" --pid "$SRV" --timeout 30 > /dev/null ||
	{ cat "$OUT2"; t_fail "the lab could not attach"; t_finish; }
for i in $(seq 50); do grep -q listening "$OUT2" && break; sleep 0.1; done
r=$(lab_exec timeout 30 "$PY" -c '
import socket, time
for what in ("send", "close"):
    c = socket.create_connection(("'"$SP_IP"'", 8083), timeout=5)
    c.settimeout(1.5)
    got, t0, eof = b"", time.time(), False
    try:
        while len(got) < 100 or (what == "close" and not eof):
            b = c.recv(200)
            eof = b == b""
            if eof:
                break
            got += b
    except socket.timeout:
        pass
    print(what, len(got), "eof" if eof else "open", "%.1f" % (time.time() - t0))
    c.close()
    time.sleep(3.2 if what == "send" else 0)') || true
echo "$r"
t_expect_eq "a non-blocking send before a sleep: bytes within 1.5 s" "$(awk '$1 == "send" { print $2 }' <<< "$r")" 100
t_expect_eq "a non-blocking close before a sleep: bytes and FIN within 1.5 s" \
	"$(awk '$1 == "close" { print $2, $3 }' <<< "$r")" "100 eof"
rc=0
wait "$SRV" || rc=$?
t_expect_eq "sleeping server exit status" "$rc" 0
grep -q slept "$OUT2" || { cat "$OUT2"; t_fail "the sleeping server did not finish"; }
t_finish

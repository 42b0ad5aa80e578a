#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# libspindle_preload.so end to end (docs/api.md "Design: the socket layer"): an unmodified
# python3 server (preload_smoke.py: epoll over spindle TCP and UDP sockets and a kernel pipe,
# connections served on a dup() of the accepted descriptor, two SO_REUSEPORT listeners)
# runs on spindle in the lab; kernel clients: nc (short and 2 MB TCP sessions, half-close), a UDP
# datagram. Then the exit report (every mbuf back), and the failure path (one
# "spindle-preload:" line, exit status 1).   Usage: test_preload_smoke.sh LIBSPINDLE_PRELOAD.SO
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
# round robin over the two SO_REUSEPORT listeners: 2 and 1 of the 3 connections
r=$(sed -n 's/^accepted per SO_REUSEPORT listener: //p' "$OUT")
t_expect_eq "connections accepted by each SO_REUSEPORT listener" "$r" "2 1"
t_finish

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Two worker lcores on one port with two queues (docs/tcp.md "Multi-lcore: RSS and steering"):
#  - loadgen (bulk) opens TCP_MC_CONNS connections, shared over both workers, to a kernel sink
#    in the lab namespace that checks every byte of every connection against the /bytes
#    pattern: all connections complete, each with exactly TCP_MC_BYTES correct bytes;
#  - both lcores did work (each opened its share: ActiveOpens and loadgen-result per worker);
#  - af_packet (qpairs=2, kernel PACKET_FANOUT by flow hash): segments landed on the wrong
#    lcore and were steered (steer_out, steer_in > 0), none dropped for a full ring;
#    tap (multiqueue tap; the kernel sends a flow to the queue it last received it from): at
#    most 1 % of the segments had to be steered (a flow idle for 3 s is forgotten by tun);
#  - the kernel's connections to spindle's echo service (passive opens, both workers listen)
#    echo exactly;
#  - every mbuf came back at exit (both runs).
# EAL gets three lcores on the two-CPU machine (--lcores 0@0,1@1,2@1: the main lcore and two
# workers; stack.idle=sleep keeps them from spinning).
# Usage: test_tcp_multicore.sh [tap|af_packet]
set -euo pipefail

export SP_LCORES=${TCP_MC_LCORES:-0@0,1@1,2@1}

. "$(dirname "$0")/tcp_common.sh"
trap tcp_teardown EXIT

N=${TCP_MC_CONNS:-64}
BYTES=${TCP_MC_BYTES:-300000}
SINK_PORT=7010
VDEV=()
[ "$PMD" = af_packet ] && VDEV=(--set port0.vdev=net_af_packet0,iface=sp0d,qpairs=2)

lab_up "$PMD"

# A kernel sink that checks the pattern: byte i of each connection = (i * 7 + 13) mod 256.
cat > "$TCP_TMP/psink.py" <<'PY'
import socket, sys, threading
pat = bytes((i * 7 + 13) & 0xff for i in range(256)) * 4096  # 1 MiB, period 256
lock = threading.Lock()
def serve(c):
    n, bad = 0, -1
    with c:
        while True:
            d = c.recv(65536)
            if not d:
                break
            off = n % 256
            if bad < 0 and d != pat[off:off + len(d)]:
                bad = n + next(i for i in range(len(d)) if d[i] != pat[off + i])
            n += len(d)
    with lock:
        print("psink: %s %d" % ("ok" if bad < 0 else "bad@%d" % bad, n), flush=True)
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((sys.argv[1], int(sys.argv[2])))
ls.listen(1024)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
tcp_bg /usr/bin/python3 -u "$TCP_TMP/psink.py" "$PEER_IP" $SINK_PORT > "$TCP_TMP/sink.log"
tcp_wait_port "$PEER_IP" $SINK_PORT
sleep 0.2
: > "$TCP_TMP/sink.log" # (tcp_wait_port's probe connection)

tcp_log "loadgen bulk, $N connections x $BYTES bytes from two workers ($PMD)"
rc=0
spindle_run_client 120 "${VDEV[@]}" \
	--set service.lg.type=loadgen --set "service.lg.address=$PEER_IP" \
	--set service.lg.port=$SINK_PORT --set service.lg.connections=$N \
	--set service.lg.mode=bulk --set service.lg.bytes=$BYTES \
	--set service.lg.duration_ms=60000 || rc=$?
LOG=$(spindle_log)
grep -a 'loadgen-result\|^lcore \|steer:\|^mbufs' "$LOG" || true
[ "$rc" = 0 ] || { cat "$LOG"; tcp_fail "spindle (loadgen) exited $rc"; }
grep -Eq '^mbufs: all [0-9]+ returned$' "$LOG" || tcp_fail "mbufs did not all come back"

# Both workers opened their share, and all of them completed.
for w in 0 1; do
	line=$(grep -a "loadgen-result: .* worker=$w\$" "$LOG") || tcp_fail "no loadgen result of worker $w"
	echo "$line" | grep -q ' failed=0 ' || tcp_fail "worker $w: failures: $line"
	share=$(( N / 2 + (w < N % 2 ? 1 : 0) ))
	echo "$line" | grep -q " connections=$share connected=$share " ||
		tcp_fail "worker $w: not $share connections: $line"
	echo "$line" | grep -q " bytes_sent=$((share * BYTES)) " ||
		tcp_fail "worker $w: not $((share * BYTES)) bytes: $line"
done

# The kernel got every connection whole and exact.
sleep 0.5
ok=$(grep -c "^psink: ok $BYTES\$" "$TCP_TMP/sink.log" || true)
if [ "$ok" != "$N" ]; then
	grep -v "^psink: ok $BYTES\$" "$TCP_TMP/sink.log" | head -5
	tcp_fail "the kernel sink saw $ok exact connections of $BYTES bytes, want $N"
fi
tcp_log "the kernel received $N x $BYTES bytes, every byte as sent"

lcore_stat() { tcp_lcore_stat "$LOG" "$@"; }
port_stat() { tcp_port_stat "$LOG" "$@"; }
for w in 0 1; do
	a=$(lcore_stat $w ActiveOpens)
	r=$(lcore_stat $w rx_pkts)
	i=$(lcore_stat $w steer_in)
	echo "worker $w: ActiveOpens $a, rx_pkts $r, steer_in $i"
	[ "$a" -gt 0 ] || tcp_fail "worker $w opened no connection"
done
so=$(port_stat steer_out)
si=$(port_stat steer_in)
sf=$(port_stat steer_ring_full)
echo "steer_out $so, steer_in $si, steer_ring_full $sf"
[ "$sf" = 0 ] || tcp_fail "$sf segments dropped for a full steer ring"
if [ "$PMD" = af_packet ]; then
	[ "$so" -gt 0 ] && [ "$si" -gt 0 ] ||
		tcp_fail "af_packet: the kernel's fanout put no segment on the wrong lcore?"
	tcp_log "af_packet: $so segments steered to their owner"
else
	# tun keeps a flow on the queue it was last written on, but forgets a flow idle for 3 s
	# (TUN_FLOW_EXPIRE): a connection stalled that long (a zero-window probe backing off on a
	# slow machine) gets its next segments on a hash-chosen queue. Sending on the wrong queue
	# would steer about half of all segments; allow 1 %.
	rx=$(( $(lcore_stat 0 rx_pkts) + $(lcore_stat 1 rx_pkts) ))
	[ $((so * 100)) -le "$rx" ] || tcp_fail "tap: $so of $rx segments had to be steered (> 1 %)"
	tcp_log "tap: $so of $rx segments had to be steered"
fi

# Passive opens with two workers: the kernel's connections to spindle's echo service.
tcp_log "kernel clients to spindle's echo (two workers listening)"
spindle_start "${VDEV[@]}"
in_ns timeout 60 /usr/bin/python3 "$TCP_DIR/tcp_tools.py" conns --dst "$SP_IP" --port 7 --src "$PEER_IP" --count 40 --batch 20 --timeout 20 \
	--hold 0 2>&1 || tcp_fail "echo connections failed"
spindle_stop || tcp_fail "spindle did not stop cleanly"
so2=$(port_stat steer_out)
p0=$(lcore_stat 0 PassiveOpens)
p1=$(lcore_stat 1 PassiveOpens)
echo "passive opens: worker 0 $p0, worker 1 $p1; steered $so2"

echo "PASS test_tcp_multicore ($PMD)"

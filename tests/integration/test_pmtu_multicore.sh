#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Path MTU discovery (RFC 1191) with two worker lcores (docs/tcp.md "ICMP errors and UDP with
# several workers"): the lab namespace is a kernel router between spindle (198.18.0.0/24, MTU
# 1500) and a kernel sink in a namespace of its own behind a link of MTU 1280 (198.18.5.0/24).
#  - spindle's loadgen opens two bulk connections to the sink, one per worker; the sink
#    advertises MSS 1460 (its own interface has MTU 1500), so spindle's first segments are
#    1500-byte datagrams with DF, and the router answers each with fragmentation needed, MTU
#    1280;
#  - the router's errors land on one queue (their flow hash is the router's, not a
#    connection's): the one about the other worker's connection must be handed to it;
#  - both connections complete: the sink read exactly PMTU_BYTES on each; each worker lowered
#    its own connection's MSS (icmp_pmtu_lowered per lcore, worker 1 included); the errors of
#    at least one connection were steered (steer_icmp_in), none lost to a full ring; every mbuf
#    came back.
# Without steering the connection whose errors land on the wrong lcore never gets past its first
# segments (the router drops every resend) and loadgen reports it failed.
# Usage: test_pmtu_multicore.sh [tap|af_packet]
set -euo pipefail

export SP_LCORES=${PMTU_LCORES:-0@0,1@1,2@1}

. "$(dirname "$0")/tcp_common.sh"

FAR_NS=$(lab_ns)-far
FAR_IP=198.18.5.2
ROUTER_FAR_IP=198.18.5.1
FAR_MTU=1280
BYTES=${PMTU_BYTES:-2000000}
SINK_PORT=7011
VDEV=()
[ "$PMD" = af_packet ] && VDEV=(--set port0.vdev=net_af_packet0,iface=sp0d,qpairs=2)

pmtu_teardown() {
	tcp_teardown
	ip netns del "$FAR_NS" 2>/dev/null || true
}
trap pmtu_teardown EXIT

lab_up "$PMD"

# The far side: a namespace behind a veth whose router end has the small MTU. The far end keeps
# MTU 1500, so the sink's SYN advertises MSS 1460 and only the router knows the path is smaller.
ip netns add "$FAR_NS"
ip -n "$FAR_NS" link set lo up
ip -n "$(lab_ns)" link add spf0 mtu $FAR_MTU type veth peer name spf1 netns "$FAR_NS"
ip -n "$(lab_ns)" addr add $ROUTER_FAR_IP/24 dev spf0
ip -n "$(lab_ns)" link set spf0 up
ip -n "$FAR_NS" link set spf1 mtu 1500
ip -n "$FAR_NS" addr add $FAR_IP/24 dev spf1
ip -n "$FAR_NS" link set spf1 up
ip -n "$FAR_NS" route add default via $ROUTER_FAR_IP
in_ns sysctl -qw net.ipv4.ip_forward=1
# af_packet: spindle's end sp0d is a kernel interface of the same namespace; what the kernel
# receives there (the frames for spindle) must not be routed back out of sp0.
[ "$PMD" != af_packet ] || in_ns sysctl -qw net.ipv4.conf.sp0d.forwarding=0

# The sink (tcp_tools.py sink: reads each connection to EOF, prints its byte count).
ip netns exec "$FAR_NS" $TOOLS sink --bind $FAR_IP --port $SINK_PORT --verbose \
	> "$TCP_TMP/sink.log" 2>&1 &
TCP_BG_PIDS="$TCP_BG_PIDS $!"
for i in $(seq 50); do
	ip netns exec "$FAR_NS" ss -ltn | grep -q ":$SINK_PORT " && break
	sleep 0.1
done
# The route through the router works (a small ping fits any MTU).
in_ns ping -c 1 -W 2 $FAR_IP > /dev/null || tcp_fail "the far namespace is not reachable"

tcp_log "loadgen bulk, 2 connections x $BYTES bytes from two workers through MTU $FAR_MTU ($PMD)"
rc=0
spindle_run_client 90 "${VDEV[@]}" \
	--set "routes.far=198.18.5.0/24 via 198.18.0.1" \
	--set service.lg.type=loadgen --set service.lg.address=$FAR_IP \
	--set service.lg.port=$SINK_PORT --set service.lg.connections=2 \
	--set service.lg.mode=bulk --set service.lg.bytes=$BYTES \
	--set service.lg.duration_ms=30000 || rc=$?
LOG=$(spindle_log)
grep -a 'loadgen-result\|^lcore \|steer\|icmp_pmtu\|^mbufs' "$LOG" || true
[ "$rc" = 0 ] || { tail -50 "$LOG"; tcp_fail "spindle (loadgen) exited $rc"; }
grep -Eq '^mbufs: all [0-9]+ returned$' "$LOG" || tcp_fail "mbufs did not all come back"

# Each worker opened one connection and sent every byte of it.
for w in 0 1; do
	line=$(grep -a "loadgen-result: .* worker=$w\$" "$LOG") || tcp_fail "no loadgen result of worker $w"
	echo "$line" | grep -q ' connections=1 connected=1 failed=0 ' ||
		tcp_fail "worker $w: its connection failed: $line"
	echo "$line" | grep -q " bytes_sent=$BYTES " || tcp_fail "worker $w: not $BYTES bytes: $line"
done
sleep 0.5
ok=$(grep -c "^sink: $BYTES bytes\$" "$TCP_TMP/sink.log" || true)
[ "$ok" = 2 ] || { cat "$TCP_TMP/sink.log"; tcp_fail "the sink read $ok connections of $BYTES bytes, want 2"; }
tcp_log "the far sink read 2 x $BYTES bytes through the $FAR_MTU-byte link"

# The router's errors reached each connection's owner, and each lowered its own MSS.
for w in 0 1; do
	p=$(tcp_lcore_stat "$LOG" $w icmp_pmtu_lowered)
	i=$(tcp_lcore_stat "$LOG" $w steer_icmp_in)
	echo "worker $w: icmp_pmtu_lowered $p, steer_icmp_in $i"
	[ "$p" -ge 1 ] || tcp_fail "worker $w did not lower its connection's MSS"
done
si=$(tcp_port_stat "$LOG" steer_icmp_in)
so=$(tcp_port_stat "$LOG" steer_icmp_out)
sf=$(tcp_port_stat "$LOG" steer_ring_full)
echo "steer_icmp_out $so, steer_icmp_in $si, steer_ring_full $sf"
[ "$sf" = 0 ] || tcp_fail "$sf messages dropped for a full steer ring"
[ "$si" -ge 1 ] || tcp_fail "no ICMP error had to be steered: did both land on their owner?"
tcp_log "fragmentation needed reached the owner lcore ($si steered)"

echo "PASS test_pmtu_multicore ($PMD)"

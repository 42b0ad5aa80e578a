#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Only the echo phase of test_tcp_impair.sh: TCP_IMPAIR_ECHO_BYTES (default 4 MB, above echo's
# send buffer and receive window, so that receive flow control closes and reopens the window
# many times) through echo under 5% drop, 5% reorder, 1% duplication, 0.1% corruption
# (TCP_IMPAIR_SEED, default 7), bytes equal, then every connection closed or in TIME-WAIT and
# no mbuf leaked. A reproducer for stalls with a closed receive window (docs/services.md).
# With TCP_CAPTURE=DIR it also writes DIR/echo.pcap (tcpdump on the kernel's interface) and, on
# a failure, the connection's state at both ends (telemetry, ss, nstat) into DIR.
# Usage: test_tcp_echo_impair.sh [tap|af_packet]
set -euo pipefail
. "$(dirname "$0")/tcp_common.sh"
CAP=${TCP_CAPTURE:-}
CAP_PID=

echo_teardown() {
	if [ -n "$CAP_PID" ]; then
		kill -INT "$CAP_PID" 2>/dev/null || true
		wait "$CAP_PID" 2>/dev/null || true
	fi
	tcp_teardown
}
trap echo_teardown EXIT

E=${TCP_IMPAIR_ECHO_BYTES:-4000000}
LIMIT=${TCP_IMPAIR_TIMEOUT:-120}

# The state of both ends, for a failure's diagnosis (TCP_CAPTURE only).
dump_state() {
	[ -n "$CAP" ] || return 0
	tel /spindle/tcp/conns > "$CAP/conns.json" || true
	tel "/spindle/tcp/conns,$SP_IP:7" > "$CAP/conn7.json" || true
	in_ns ss -tinoem > "$CAP/ss.txt" 2>&1 || true
	in_ns nstat -az > "$CAP/nstat.txt" 2>&1 || true
	tel /spindle/stats > "$CAP/stats.json" || true
}

lab_up "$PMD"
spindle_start --set port0.impair_drop=0.05 --set port0.impair_reorder=0.05 \
	--set port0.impair_dup=0.01 --set "port0.impair_corrupt=${TCP_IMPAIR_CORRUPT:-0.001}" \
	--set "port0.impair_seed=${TCP_IMPAIR_SEED:-7}"
if [ -n "$CAP" ]; then
	command -v tcpdump > /dev/null || tcp_fail "TCP_CAPTURE needs tcpdump (scripts/setup.sh)"
	mkdir -p "$CAP"
	ifc=sp0 # the kernel's end: net_tap's tap, or the veth peer of spindle's sp0d
	in_ns nstat -n > /dev/null 2>&1 || true # reset the kernel's counter history
	ip netns exec "$(lab_ns)" tcpdump -i "$ifc" -s 128 -U -w "$CAP/echo.pcap" tcp port 7 2> "$CAP/tcpdump.log" &
	CAP_PID=$!
	sleep 1
fi

tcp_log "$E bytes through echo under impairment"
head -c "$E" /dev/urandom > "$TCP_TMP/in"
t0=$(date +%s)
if ! in_ns timeout "$LIMIT" nc -N "$SP_IP" 7 < "$TCP_TMP/in" > "$TCP_TMP/out"; then
	echo "echo: $(( $(date +%s) - t0 )) s, $(stat -c %s "$TCP_TMP/out") of $E bytes back"
	dump_state
	tcp_fail "echo failed or timed out"
fi
echo "echo: $(( $(date +%s) - t0 )) s"
cmp "$TCP_TMP/in" "$TCP_TMP/out" || tcp_fail "echo returned different bytes"
[ -z "$CAP" ] || in_ns nstat -az > "$CAP/nstat.txt" 2>&1 || true

tcp_assert_conns_closed 60
spindle_stop
echo "PASS test_tcp_echo_impair ($PMD, $E bytes)"

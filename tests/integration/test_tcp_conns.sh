#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP_CONNS (default 10,000) concurrent kernel connections to echo, from four source addresses
# (198.18.0.10-13, added to the kernel peer's interface in the lab namespace): all established
# (a line echoed on each, and telemetry counts them ESTABLISHED), held, then closed by the
# kernel; afterwards no connection left on spindle, no mbuf leaked.
# Usage: test_tcp_conns.sh [tap|af_packet]
set -euo pipefail
. "$(dirname "$0")/tcp_common.sh"
trap tcp_teardown EXIT
N=${TCP_CONNS:-10000}

lab_up "$PMD"
spindle_start
dev=$(in_ns ip -o -4 addr show | awk -v ip="$PEER_IP/" 'index($4, ip) == 1 { print $2; exit }')
[ -n "$dev" ] || tcp_fail "no interface with $PEER_IP in the lab namespace"
srcs=
for i in 10 11 12 13; do
	in_ns ip addr add "198.18.0.$i/32" dev "$dev"
	srcs="$srcs${srcs:+,}198.18.0.$i"
done

tcp_log "$N connections from $srcs"
(
	ulimit -n $((N + 1000))
	in_ns timeout 300 /usr/bin/python3 "$TCP_DIR/tcp_tools.py" conns --dst "$SP_IP" --port 7 \
		--count "$N" --src "$srcs" --hold 3 --telemetry "$(spindle_prefix)"
) || tcp_fail "not every connection worked"

tcp_assert_conns_closed 60
spindle_stop
echo "PASS test_tcp_conns ($PMD, $N connections)"

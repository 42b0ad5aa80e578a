#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TIME-WAIT outside the connection table (docs/tcp.md "TIME-WAIT"): a kernel client with the
# wide ephemeral range load testers use (ip_local_port_range 1024-65535) opens and closes
# HTTP/1.0 connections (spindle closes first: each one leaves a TIME-WAIT entry) for three
# TIME-WAIT periods, at a rate far above max_connections / time_wait_ms, and with a
# max_timewait small enough to be recycled. Asserts: no failed request, TCPMaxConnDrops 0,
# TIME-WAIT entries entered, recycled, reused by a SYN (one thread cycles through 16 fixed
# ports) and, after the churn, expired down to CurrTimeWait 0; no mbuf leaked.
# Usage: test_tcp_timewait.sh [tap|af_packet]
set -euo pipefail
. "$(dirname "$0")/tcp_common.sh"
trap tcp_teardown EXIT
MAX_CONNS=256
TW_MS=4000
MAX_TW=512
SECONDS_RUN=$((3 * TW_MS / 1000))

stat_of() {
	$TOOLS telemetry "$(spindle_prefix)" /spindle/stats |
		/usr/bin/python3 -c "import json,sys; v=json.load(sys.stdin); v=v.get('/spindle/stats', v); print(v.get('$1', 0))"
}

lab_up "$PMD"
spindle_start --set tcp.max_connections=$MAX_CONNS --set tcp.time_wait_ms=$TW_MS \
	--set tcp.max_timewait=$MAX_TW
in_ns sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
# the fixed-port thread's ports: never given to the other threads' connects
in_ns sysctl -qw net.ipv4.ip_local_reserved_ports=20000-20015

tcp_log "HTTP/1.0 churn for ${SECONDS_RUN}s (max_connections $MAX_CONNS, time_wait ${TW_MS} ms, max_timewait $MAX_TW)"
out=$(in_ns timeout $((SECONDS_RUN + 60)) /usr/bin/python3 "$TCP_DIR/tcp_churn.py" \
	--dst "$SP_IP" --port 80 --seconds "$SECONDS_RUN" --threads 8 --reuse-ports 20000-20015) ||
	tcp_fail "requests failed: $out"
echo "$out"
n=$(sed -n 's/^churn: \([0-9]*\) ok.*/\1/p' <<< "$out")
# What the test is about: more closes per TIME-WAIT period than the connection table holds.
[ "$n" -gt $((2 * MAX_CONNS * SECONDS_RUN * 1000 / TW_MS)) ] ||
	tcp_fail "only $n requests: not above max_connections per time_wait (the test proves nothing)"

drops=$(stat_of TCPMaxConnDrops)
entered=$(stat_of TCPTimeWaitEntered)
recycled=$(stat_of TCPTimeWaitRecycled)
reused=$(stat_of TCPTimeWaitReuse)
cur=$(stat_of CurrTimeWait)
echo "TCPMaxConnDrops $drops TCPTimeWaitEntered $entered TCPTimeWaitRecycled $recycled" \
	"TCPTimeWaitReuse $reused CurrTimeWait $cur"
[ "$drops" = 0 ] || tcp_fail "TCPMaxConnDrops $drops: SYNs refused"
[ "$entered" -ge "$n" ] || tcp_fail "TCPTimeWaitEntered $entered < $n connections closed"
[ "$recycled" -gt 0 ] || tcp_fail "max_timewait $MAX_TW never recycled"
[ "$reused" -gt 0 ] || tcp_fail "no TIME-WAIT reused by the fixed-port thread's SYNs"
[ "$cur" -le $MAX_TW ] || tcp_fail "CurrTimeWait $cur above max_timewait $MAX_TW"

tcp_log "TIME-WAIT listed by /spindle/tcp/conns, then expired"
rows=$($TOOLS telemetry "$(spindle_prefix)" /spindle/tcp/conns)
grep -q TIME-WAIT <<< "$rows" || tcp_fail "/spindle/tcp/conns lists no TIME-WAIT row"
sleep $((TW_MS / 1000 + 2))
cur=$(stat_of CurrTimeWait)
expired=$(stat_of TCPTimeWaitExpired)
[ "$cur" = 0 ] || tcp_fail "CurrTimeWait $cur after time_wait_ms"
[ "$expired" -gt 0 ] || tcp_fail "TCPTimeWaitExpired 0"
tcp_assert_conns_closed 30
spindle_stop
echo "PASS test_tcp_timewait ($PMD, $n requests, $entered TIME-WAIT, $recycled recycled, $expired expired)"

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Bulk TCP with kernel peers: TCP_BULK_BYTES (default 1 GiB) uploaded to discard (the byte count
# spindle's discard reports at exit must equal it) and downloaded from /bytes/N (sha256 equal to
# the pattern's, computed independently); no connection left, no mbuf leaked.
# Usage: test_tcp_bulk.sh [tap|af_packet|af_xdp]
set -euo pipefail
. "$(dirname "$0")/tcp_common.sh"
trap tcp_teardown EXIT
N=${TCP_BULK_BYTES:-1073741824}
LIMIT=${TCP_BULK_TIMEOUT:-300}

lab_up "$PMD"
spindle_start

want=$($TOOLS sha256-pattern "$N")
tcp_log "upload $N bytes to discard"
t0=$(date +%s.%N)
$TOOLS write-pattern "$N" | in_ns timeout "$LIMIT" nc -N "$SP_IP" 9 || tcp_fail "upload failed"
t1=$(date +%s.%N)
echo "upload: $(awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f Mbit/s", n * 8 / (b - a) / 1e6 }')"

tcp_log "download /bytes/$N"
t0=$(date +%s.%N)
got=$(in_ns timeout "$LIMIT" curl -sf "http://$SP_IP/bytes/$N" | sha256sum | cut -d' ' -f1) ||
	tcp_fail "download failed or timed out"
t1=$(date +%s.%N)
echo "download: $(awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f Mbit/s", n * 8 / (b - a) / 1e6 }')"
[ "$got" = "$want" ] || tcp_fail "download: sha256 $got, want $want"

tcp_assert_conns_closed 30
spindle_stop
# discard logs "discard: lcore L: C connections, B bytes" per lcore at exit
got=$(grep -ao 'discard: lcore [0-9]*: [0-9]* connections, [0-9]* bytes' "$(spindle_log)" |
	awk '{ s += $(NF - 1) } END { print s + 0 }')
[ "$got" = "$N" ] || tcp_fail "discard received $got bytes, want $N"
echo "PASS test_tcp_bulk ($PMD, $N bytes)"

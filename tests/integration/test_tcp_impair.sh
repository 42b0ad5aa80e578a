#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP under the impairment layer (5% drop, 5% reorder, 1% duplication, 0.1% corruption, both
# directions of port0): TCP_IMPAIR_BYTES (default 100 MB) uploaded to discard (count equal),
# downloaded from /bytes/N (sha256 equal), TCP_IMPAIR_ECHO_BYTES (default 10 MB) through echo
# (bytes equal; echo's receive flow control closes and reopens the window); then every
# connection closed or in TIME-WAIT (telemetry), no mbuf leaked, no TSO segment sent (the
# impairment acts per frame, so an impaired port sends without TSO). test_tcp_echo_impair.sh runs
# the echo phase alone (seed, size, capture with tcpdump).
# Usage: test_tcp_impair.sh [tap|af_packet|af_xdp]
set -euo pipefail
. "$(dirname "$0")/tcp_common.sh"
trap tcp_teardown EXIT
N=${TCP_IMPAIR_BYTES:-100000000}
LIMIT=${TCP_IMPAIR_TIMEOUT:-600}

lab_up "$PMD"
spindle_start --set port0.impair_drop=0.05 --set port0.impair_reorder=0.05 \
	--set port0.impair_dup=0.01 --set port0.impair_corrupt=0.001 --set port0.impair_seed=7

tcp_log "download /bytes/$N under impairment"
t0=$(date +%s)
got=$(in_ns timeout "$LIMIT" curl -sf "http://$SP_IP/bytes/$N" | sha256sum | cut -d' ' -f1) ||
	tcp_fail "download failed or timed out"
echo "download: $(( $(date +%s) - t0 )) s"
[ "$got" = "$($TOOLS sha256-pattern "$N")" ] || tcp_fail "download: sha256 differs"

tcp_log "upload $N bytes to discard under impairment"
t0=$(date +%s)
$TOOLS write-pattern "$N" | in_ns timeout "$LIMIT" nc -N "$SP_IP" 9 || tcp_fail "upload failed"
echo "upload: $(( $(date +%s) - t0 )) s"

E=${TCP_IMPAIR_ECHO_BYTES:-10000000}
tcp_log "$E bytes through echo under impairment"
head -c "$E" /dev/urandom > "$TCP_TMP/in"
in_ns timeout "$LIMIT" nc -N "$SP_IP" 7 < "$TCP_TMP/in" > "$TCP_TMP/out" || tcp_fail "echo failed"
cmp "$TCP_TMP/in" "$TCP_TMP/out" || tcp_fail "echo returned different bytes"

tcp_assert_conns_closed 60
spindle_stop
got=$(grep -ao 'discard: lcore [0-9]*: [0-9]* connections, [0-9]* bytes' "$(spindle_log)" |
	awk '{ s += $(NF - 1) } END { print s + 0 }')
[ "$got" = "$N" ] || tcp_fail "discard received $got bytes, want $N"
! grep -q 'tcp_tso_sends' "$(spindle_log)" || tcp_fail "TSO segments sent on an impaired port"
echo "PASS test_tcp_impair ($PMD, $N bytes)"

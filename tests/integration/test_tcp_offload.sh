#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TSO and software GRO against a kernel peer (docs/tcp.md "Offloads"): with tcp.tso = on and
# tcp.gro = on, TCP_OFFLOAD_BYTES (default 256 MiB) uploaded to discard (the byte count
# discard reports at exit must equal it) and downloaded from /bytes/N (sha256 equal to the
# pattern's); the counters must show the offloads at work: software GRO merged segments, and
# where the PMD offers TSO (net_tap) TSO segments went out. TCP_OFFLOAD_AB=1 also runs the same
# transfers with both off and with each alone and prints the figures (indicative: a shared
# machine). TCP_OFFLOAD_SET="tcp.rcvbuf=4194304 ..." adds --set overrides to every run.
# Usage: test_tcp_offload.sh [tap|af_packet]
set -euo pipefail
. "$(dirname "$0")/tcp_common.sh"
trap tcp_teardown EXIT
N=${TCP_OFFLOAD_BYTES:-268435456}
LIMIT=${TCP_BULK_TIMEOUT:-300}
want=$($TOOLS sha256-pattern "$N")

lab_up "$PMD"

# run TSO GRO: one upload and one download with tcp.tso=TSO tcp.gro=GRO, bytes checked
run() {
	local tso=$1 gro=$2 t0 t1 got up down kv extra=()
	for kv in ${TCP_OFFLOAD_SET:-}; do extra+=(--set "$kv"); done
	spindle_start --set "tcp.tso=$tso" --set "tcp.gro=$gro" "${extra[@]}"
	t0=$(date +%s.%N)
	$TOOLS write-pattern "$N" | in_ns timeout "$LIMIT" nc -N "$SP_IP" 9 || tcp_fail "upload failed"
	t1=$(date +%s.%N)
	up=$(awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n * 8 / (b - a) / 1e6 }')
	t0=$(date +%s.%N)
	got=$(in_ns timeout "$LIMIT" curl -sf "http://$SP_IP/bytes/$N" | sha256sum | cut -d' ' -f1) ||
		tcp_fail "download failed or timed out"
	t1=$(date +%s.%N)
	down=$(awk -v n="$N" -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", n * 8 / (b - a) / 1e6 }')
	[ "$got" = "$want" ] || tcp_fail "download: sha256 $got, want $want"
	tcp_assert_conns_closed 30
	spindle_stop > "$SP_TMP/offload-counters"
	got=$(grep -ao 'discard: lcore [0-9]*: [0-9]* connections, [0-9]* bytes' "$(spindle_log)" |
		awk '{ s += $(NF - 1) } END { print s + 0 }')
	[ "$got" = "$N" ] || tcp_fail "discard received $got bytes, want $N"
	echo "offload: pmd $PMD tso=$tso gro=$gro ${TCP_OFFLOAD_SET:-}: upload $up Mbit/s," \
		"download $down Mbit/s"
}

# counter NAME: its value in the last exit report (0 when not shown)
counter() {
	grep -o "$1 = [0-9]*" "$SP_TMP/offload-counters" | awk '{ v = $3 } END { print v + 0 }'
}

run on on
[ "$(counter tcp_gro_merged)" -gt 0 ] || tcp_fail "tcp.gro=on: no segment merged (tcp_gro_merged)"
if [ "$PMD" = tap ]; then
	[ "$(counter tcp_tso_sends)" -gt 0 ] || tcp_fail "tcp.tso=on on net_tap: no TSO segment sent"
	echo "tso: $(counter tcp_tso_sends) TSO segments, $(counter tcp_tso_segs) pieces," \
		"$(counter tcp_tso_fallback) fallbacks"
fi
echo "gro: $(counter tcp_gro_merged) segments merged into $(counter tcp_gro_flushes)"
if [ "${TCP_OFFLOAD_AB:-0}" = 1 ]; then
	run off off
	run on off
	run off on
fi
echo "PASS test_tcp_offload ($PMD, $N bytes)"

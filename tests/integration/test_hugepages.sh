#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# spindle on 2 MB hugepages (SP_HUGE=1: scripts/common.sh reserves what the config needs and
# gives it back), and dpdk-dumpcap, a DPDK secondary process that only works then, capturing
# spindle's port while a kernel peer opens one TCP connection to the echo service:
#   - the pcap holds that connection's SYN, SYN-ACK and ACK, in that order;
#   - it holds exactly as many frames as spindle received and sent meanwhile (rx_pkts + tx_pkts
#     of /spindle/stats), and dumpcap dropped none;
#   - spindle stops cleanly (every mbuf back) and nr_hugepages is back to its value before.
# A machine that cannot reserve the pages skips (exit 77) and says why.
#   Usage: test_hugepages.sh [tap|af_packet]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PMD=${1:-tap}
export SP_HUGE=1
DUMP_PID=
CFG=$SP_ROOT/config/default.conf
[ "$PMD" = af_packet ] && CFG=$SP_ROOT/config/af_packet.conf
NR_BEFORE=$(cat "$SP_HUGE_SYS/nr_hugepages" 2>/dev/null || echo none)

_hp_cleanup() {
	local rc=$?
	set +e
	[ -z "$DUMP_PID" ] || { sp_stop_pid "$DUMP_PID" INT 5; wait "$DUMP_PID"; }
	lab_cleanup
	return $rc
}
trap _hp_cleanup EXIT

for t in dpdk-dumpcap tcpdump nc; do
	command -v "$t" >/dev/null || { echo "FAIL: $t is missing (scripts/setup.sh)"; exit 1; }
done
# The pages first: without them there is nothing to test here.
if ! why=$(sp_huge_eal "$(lab_ns)" "$(spindle_prefix)" "-l ${SP_LCORES:-0,1}" "$CFG" 2>&1); then
	echo "SKIP: this machine cannot reserve the hugepages spindle needs: $why"
	exit 77
fi
echo "$why" | grep -v '^--huge-dir'
t_ok "hugepages reserved (nr_hugepages $NR_BEFORE -> $(cat "$SP_HUGE_SYS/nr_hugepages"))"

lab_up "$PMD"
spindle_start
grep -q -- "--no-huge" /proc/"$(spindle_pid)"/cmdline && t_fail "spindle runs with --no-huge"
port=$(grep -o 'port0: ethdev [0-9]*' "$(spindle_log)" | awk '{ print $3 }')

PCAP=$SP_TMP/spindle.pcap
ip netns exec "$(lab_ns)" dpdk-dumpcap --file-prefix="$(spindle_prefix)" -i "${port:-0}" -w "$PCAP" \
	-a duration:30 > "$SP_TMP/dumpcap.log" 2>&1 &
DUMP_PID=$!
for i in $(seq 100); do
	grep -qs "Packets captured" "$SP_TMP/dumpcap.log" && break
	kill -0 "$DUMP_PID" 2>/dev/null || break
	sleep 0.1
done
grep -qs "Packets captured" "$SP_TMP/dumpcap.log" || {
	cat "$SP_TMP/dumpcap.log"
	t_fail "dpdk-dumpcap did not attach to spindle"
	t_finish
}
t_ok "dpdk-dumpcap attached to spindle's port ${port:-0}"

rx0=$(sp_stat rx_pkts)
tx0=$(sp_stat tx_pkts)
r=$(echo "hugepages" | lab_exec timeout 10 nc -N 198.18.0.2 7) || t_fail "nc to echo failed"
t_expect_eq "echo reply" "$r" hugepages
"$PY" "$SP_ROOT/tests/integration/tcp_tools.py" wait-conns "$(spindle_prefix)" 10 ||
	t_fail "the connection is still open"
rx1=$(sp_stat rx_pkts)
tx1=$(sp_stat tx_pkts)
sleep 0.5
sp_stop_pid "$DUMP_PID" INT 10 || t_fail "dpdk-dumpcap did not stop on SIGINT"
wait "$DUMP_PID" || true
DUMP_PID=
tr "\r" "\n" < "$SP_TMP/dumpcap.log"

tcpdump -nr "$PCAP" > "$SP_TMP/pcap.txt" 2> /dev/null || t_fail "tcpdump cannot read $PCAP"
cat "$SP_TMP/pcap.txt"
# The handshake: the first three TCP frames (the peer's ephemeral port in all three).
hs=$(awk '/ IP .* Flags \[/ {
		src = $3; dst = $5; sub(/:$/, "", dst); f = $0
		sub(/.*Flags \[/, "", f); sub(/\].*/, "", f)
		print src, dst, f; if (++n == 3) exit }' "$SP_TMP/pcap.txt" |
	sed -E 's/198\.18\.0\.1\.[0-9]+/PEER/g' | tr '\n' '|')
t_expect_eq "handshake in the pcap" "$hs" "PEER 198.18.0.2.7 S|198.18.0.2.7 PEER S.|PEER 198.18.0.2.7 .|"
got=$(wc -l < "$SP_TMP/pcap.txt")
t_expect_eq "frames in the pcap (rx_pkts + tx_pkts of spindle over the capture)" "$got" \
	$((rx1 - rx0 + tx1 - tx0))
drops=$(tr '\r' '\n' < "$SP_TMP/dumpcap.log" |
	sed -n "s/^Packets received\/dropped on interface '[^']*': [0-9]*\/\([0-9]*\).*/\1/p")
t_expect_eq "frames dumpcap dropped" "${drops:-unknown}" 0

if spindle_stop; then t_ok "spindle stopped, every mbuf back"; else t_fail "spindle_stop"; fi
lab_down
t_expect_eq "nr_hugepages after the run" "$(cat "$SP_HUGE_SYS/nr_hugepages")" "$NR_BEFORE"
[ ! -e "$SP_HUGE_RUN/$(lab_ns).state" ] || t_fail "the reservation's state is left behind"
t_finish

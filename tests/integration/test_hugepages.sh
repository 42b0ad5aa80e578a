#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# spindle on 2 MB hugepages (SP_HUGE=1: scripts/common.sh reserves what the config needs and
# gives it back), and dpdk-dumpcap, a DPDK secondary process that only works then, capturing
# spindle's port while a kernel peer opens one TCP connection to the echo service:
#   - the pcap holds that connection's SYN, SYN-ACK and ACK, in that order;
#   - it holds exactly as many frames as spindle received and sent meanwhile (rx_pkts + tx_pkts
#     of /spindle/stats), and dumpcap dropped none;
#   - spindle stops cleanly (every mbuf back) and nr_hugepages is back to its value before.
# Then scripts/run.sh --hugepages (in a namespace of its own, SP_RUN_NS): spindle runs on the
# pages (--huge-dir, no --no-huge) and answers a ping; SIGTERM to run.sh: exit status 0, the pages
# given back.
# A machine that cannot reserve the pages skips (exit 77) and says why.
#   Usage: test_hugepages.sh [tap|af_packet]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PMD=${1:-tap}
export SP_HUGE=1
DUMP_PID=
RUN_PID=
RUN_NS=spt-$$-r
CFG=$SP_ROOT/config/default.conf
[ "$PMD" = af_packet ] && CFG=$SP_ROOT/config/af_packet.conf
NR_BEFORE=$(cat "$SP_HUGE_SYS/nr_hugepages" 2>/dev/null || echo none)

_hp_cleanup() {
	local rc=$?
	set +e
	[ -z "$DUMP_PID" ] || { sp_stop_pid "$DUMP_PID" INT 5; wait "$DUMP_PID"; }
	[ -z "$RUN_PID" ] || { sp_stop_pid "$RUN_PID" TERM 40; wait "$RUN_PID"; }
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
wait_line "$SP_TMP/dumpcap.log" "Packets captured" "$DUMP_PID" 10 || {
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

echo "== scripts/run.sh --hugepages --pmd $PMD (namespace $RUN_NS)"
RUN_LOG=$SP_TMP/run.log
SP_RUN_NS=$RUN_NS "$SP_ROOT/scripts/run.sh" --hugepages --no-setup --pmd "$PMD" \
	--build-dir "$(dirname "$(dirname "$SPINDLE_BIN")")" > "$RUN_LOG" 2>&1 &
RUN_PID=$!
if wait_line "$RUN_LOG" "Ctrl-C" "$RUN_PID" 60; then
	t_expect_eq "nr_hugepages while run.sh runs" "$(cat "$SP_HUGE_SYS/nr_hugepages")" \
		$((NR_BEFORE + $(sp_huge_pages "$CFG" "-l 0,1")))
	pid=$(ip netns pids "$RUN_NS" | while read -r p; do
		grep -qa "file-prefix=$RUN_NS" "/proc/$p/cmdline" && echo "$p"; done | head -1)
	args=$(tr '\0' ' ' < "/proc/${pid:-0}/cmdline" 2>/dev/null || true)
	if [[ "$args" == *--huge-dir* && "$args" != *--no-huge* ]]; then
		t_ok "run.sh's spindle: --huge-dir, no --no-huge"
	else
		t_fail "run.sh's spindle runs with: $args"
	fi
	if ip netns exec "$RUN_NS" ping -c 2 -i 0.2 -W 2 198.18.0.2 > /dev/null; then
		t_ok "run.sh's spindle answers ping"
	else
		t_fail "run.sh's spindle does not answer ping"
	fi
else
	t_fail "run.sh --hugepages did not start spindle"
fi
rc=0
sp_stop_pid "$RUN_PID" TERM 40 || t_fail "run.sh did not end within 40 s of SIGTERM"
wait "$RUN_PID" || rc=$?
RUN_PID=
cat "$RUN_LOG"
t_expect_eq "run.sh's exit status after SIGTERM" "$rc" 0
t_expect_eq "nr_hugepages after run.sh" "$(cat "$SP_HUGE_SYS/nr_hugepages")" "$NR_BEFORE"
[ ! -e "$SP_HUGE_RUN/run-$RUN_NS.state" ] || t_fail "run.sh's reservation state is left behind"

t_finish

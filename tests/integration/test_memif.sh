#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# spindle <-> spindle over net_memif (docs/lab.md "memif"): side A (config/memif-a.conf, the memif
# server, echo/discard/http) and side B (config/memif-b.conf, the client) in the lab namespace,
# one worker lcore each on its own CPU, --no-huge. Checks:
#  - "mac =" unequal to the memif device's MAC: a start error that names the devarg mac=, and
#    every mbuf back (the failed start leaks nothing);
#  - B's loadgen against A, one row per mode (the ROWS table below): each row's loadgen-result
#    has failed=0 and its own check;
#  - the bulk bytes arrive at the far end: A's discard service counted exactly what B's
#    loadgen sent;
#  - /spindle/xstats through dpdk-telemetry.py (the PMD's rx_good_packets equals spindle's own
#    rx_pkts at rest), imissed and rx_nombuf in A's exit report, every mbuf back on both sides;
#  - A disappears mid-run (SIGKILL): B's loadgen reports failed connections and exits non-zero,
#    B does not crash and returns every mbuf;
#  - both sides stopped by SIGINT at the same moment, four times: both exit 0 and return every
#    mbuf (net_memif's stop race, docs/lab.md "memif").
set -euo pipefail
. "$(dirname "$0")/lib.sh"
A=198.18.0.2
BULK=${MEMIF_BULK_BYTES:-200000000}

# name | port on A | loadgen keys (service.lg.KEY=VALUE) | extended regex on its loadgen-result
ROWS=(
	"rr|7|mode=rr connections=64 duration_ms=2000 request_size=100 response_size=100|failed=0 .*requests=[1-9]"
	"bulk|9|mode=bulk connections=1 bytes=$BULK duration_ms=30000|failed=0 .*bytes_sent=$BULK "
)
# Rows for the loadgen modes that this spindle may not have yet (added only when it accepts them).
OPTIONAL_ROWS=(
	"cps|7|mode=cps connections=16 duration_ms=2000 request_size=100 response_size=100|failed=0"
	"http|80|mode=http connections=16 duration_ms=2000|failed=0"
)

# lg_accepts MODE: the program's loadgen takes mode = MODE (a config error is exit status 2,
# before EAL; -l 0 stops a valid config right after EAL, with nothing created: --in-memory).
lg_accepts() {
	local rc=0
	"$SPINDLE_BIN" -l 0 --no-huge --no-pci --in-memory -- --config "$SP_ROOT/config/memif-b.conf" \
		--set service.lg.type=loadgen --set service.lg.address=$A --set service.lg.port=7 \
		--set "service.lg.mode=$1" > /dev/null 2>&1 || rc=$?
	[ "$rc" != 2 ]
}
for row in "${OPTIONAL_ROWS[@]}"; do
	mode=${row%%|*}
	if lg_accepts "$mode"; then ROWS+=("$row"); else echo "note: loadgen has no mode $mode: row skipped"; fi
done

lab_up memif

echo "== a MAC that the memif device does not have"
rc=0
spindle_run_client 30 memif-a.conf --set port0.mac=02:00:00:00:00:99 || rc=$?
if [ "$rc" != 0 ] && grep -q 'devarg mac=02:00:00:00:00:99' "$(spindle_log)"; then
	t_ok "mac = mismatch: error names the devarg ($(grep -o 'cannot change.*, which' "$(spindle_log)"))"
else
	t_fail "mac = mismatch: exit $rc, log: $(grep -v '^EAL' "$(spindle_log)" | head -5)"
fi
grep -Eq '^mbufs: all [0-9]+ returned$' "$(spindle_log)" && t_ok "failed start: every mbuf back" ||
	t_fail "failed start: $(grep '^mbufs' "$(spindle_log)")"

# a_launch: A (the memif server) started, its socket there and its port started before B (the
# client) starts
a_launch() {
	spindle_launch memif-a.conf
	memif_wait_socket "$(lab_memif_sock)" "$(spindle_pid)" 30 "$(spindle_log)" ||
		t_fail "A created no memif socket or did not start its port"
}

echo "== A serves, B runs loadgen"
a_launch
bulk_sent=0
for row in "${ROWS[@]}"; do
	IFS='|' read -r name port keys check <<< "$row"
	sets=(--set service.lg.type=loadgen --set service.lg.address=$A --set "service.lg.port=$port")
	for kv in $keys; do sets+=(--set "service.lg.$kv"); done
	rc=0
	peer spindle_run_client 90 "${sets[@]}" || rc=$?
	line=$(grep -a '^loadgen-result:' "$SP_TMP/spindle-b.log" || true)
	echo "$name: $line"
	if [ "$rc" = 0 ] && grep -Eq "$check" <<< "$line"; then
		t_ok "$name: loadgen exit 0, result matches /$check/"
	else
		t_fail "$name: loadgen exit $rc; $(grep -av '^EAL' "$SP_TMP/spindle-b.log" | tail -8)"
	fi
	grep -Eq '^mbufs: all [0-9]+ returned$' "$SP_TMP/spindle-b.log" || t_fail "$name: B leaked mbufs"
	if [ "$name" = bulk ]; then
		bulk_sent=$((bulk_sent + $(sed -n 's/.* bytes_sent=\([0-9]*\) .*/\1/p' <<< "$line")))
	fi
	if [ "$name" = rr ]; then
		spindle_wait_running || t_fail "A did not start"
	fi
done
spindle_alive || t_fail "A is not running"

echo "== PMD statistics through dpdk-telemetry.py"
# B runs rr and is frozen twice (SIGSTOP) so that A receives nothing for a moment: between the
# two moments the PMD's count must grow by exactly what spindle counted. (Only differences:
# net_memif's counters cover its rings, which come and go with the peer.)
peer spindle_launch --set service.lg.type=loadgen --set service.lg.address=$A \
	--set service.lg.port=7 --set service.lg.connections=8 --set service.lg.duration_ms=4000
for ((i = 0; i < 100; i++)); do
	grep -q 'running on' "$SP_TMP/spindle-b.log" && break
	sleep 0.1
done
snap() { # -> "XSTATS_RX SPINDLE_RX" with B frozen
	kill -STOP "$SP_PID_B"
	sleep 0.3
	echo "$(tel_get /spindle/xstats 'r["/spindle/xstats"]["port0"]["rx_good_packets"]') $(sp_stat rx_pkts port0)" \
		"$(tel_get /spindle/xstats,port0 'r["/spindle/xstats"]["rx_good_packets"]')"
	kill -CONT "$SP_PID_B"
}
sleep 0.5
read -r x1 r1 _ <<< "$(snap)"
sleep 0.5
read -r x2 r2 one <<< "$(snap)"
xs=$((x2 - x1))
q=$(tel_get /spindle/xstats,port0 'len([k for k in r["/spindle/xstats"] if k.startswith("rx_q0")])')
if [ "$xs" -gt 0 ]; then t_ok "xstats port0 rx_good_packets grew by $xs"; else t_fail "xstats: $x1 -> $x2"; fi
t_expect_eq "xstats rx_good_packets growth vs spindle rx_pkts growth" "$xs" "$((r2 - r1))"
t_expect_eq "/spindle/xstats,port0 rx_good_packets" "$one" "$x2"
[ "${q:-0}" -gt 0 ] && t_ok "per-queue xstats: $q rx_q0 entries" || t_fail "no per-queue xstats: '$q'"
bad=$(tel /spindle/xstats,port7 || true)
grep -q '"/spindle/xstats": null' <<< "$bad" && t_ok "/spindle/xstats,port7: no such port" ||
	t_fail "/spindle/xstats,port7 answered: $bad"
rc=0
peer spindle_wait_exit 30 || rc=$?
grep -aq 'loadgen-result: .*failed=0' "$SP_TMP/spindle-b.log" && [ "$rc" = 0 ] ||
	t_fail "B after SIGSTOP/SIGCONT: exit $rc, $(grep -a '^loadgen-result' "$SP_TMP/spindle-b.log")"

spindle_stop > "$SP_TMP/a-exit.txt" || t_fail "A did not stop cleanly"
got=$(awk '/^discard: lcore/ { s += $(NF - 1) } END { print s + 0 }' "$(spindle_log)")
t_expect_eq "bytes A's discard received" "$got" "$bulk_sent"
grep -Eq '^  pmd: ipackets = [0-9]+, .*imissed = [0-9]+, .*rx_nombuf = [0-9]+$' "$SP_TMP/a-exit.txt" &&
	t_ok "exit report: $(grep '^  pmd:' "$SP_TMP/a-exit.txt")" || t_fail "no pmd line in A's exit report"

echo "== both sides stopped at the same moment (net_memif's stop race, docs/lab.md \"memif\")"
# Each side's interrupt thread sees the other's disconnect while its own main thread stops the
# port: before spindle closed memif ports on that thread, one side died with SIGSEGV after its
# exit report in nearly every round.
for round in 1 2 3 4; do
	a_launch
	peer spindle_launch
	spindle_wait_running || t_fail "round $round: A did not start"
	peer spindle_wait_running || t_fail "round $round: B did not start"
	kill -INT "$(spindle_pid)" "$SP_PID_B" 2>/dev/null || true
	ra=0
	rb=0
	spindle_wait_exit 30 || ra=$?
	peer spindle_wait_exit 30 || rb=$?
	ma=$(grep -Ec '^mbufs: all [0-9]+ returned$' "$(spindle_log)" || true)
	mb=$(grep -Ec '^mbufs: all [0-9]+ returned$' "$SP_TMP/spindle-b.log" || true)
	if [ "$ra" = 0 ] && [ "$rb" = 0 ] && [ "$ma" = 1 ] && [ "$mb" = 1 ]; then
		t_ok "round $round: both exit 0, every mbuf back on both"
	else
		t_fail "round $round: A exit $ra (mbufs line: $ma), B exit $rb (mbufs line: $mb)"
	fi
done

echo "== A disappears mid-run"
a_launch
peer spindle_launch --set service.lg.type=loadgen --set service.lg.address=$A \
	--set service.lg.port=7 --set service.lg.connections=8 --set service.lg.duration_ms=3000
spindle_wait_running || t_fail "A did not start"
sleep 1
kill -KILL "$(spindle_pid)"
wait "$(spindle_pid)" 2>/dev/null || true
SP_PID=
rm -rf "/var/run/dpdk/$(spindle_prefix)" # what the killed A could not remove
rc=0
peer spindle_wait_exit 30 || rc=$?
line=$(grep -a '^loadgen-result:' "$SP_TMP/spindle-b.log" || true)
if [ "$rc" != 0 ] && grep -Eq 'failed=[1-9]' <<< "$line"; then
	t_ok "B: exit $rc, $(grep -o 'failed=[0-9]*' <<< "$line")"
else
	t_fail "B after A vanished: exit $rc, result '$line'"
fi
grep -Eq '^mbufs: all [0-9]+ returned$' "$SP_TMP/spindle-b.log" && t_ok "B: every mbuf back" ||
	t_fail "B: $(grep -a '^mbufs' "$SP_TMP/spindle-b.log")"
t_finish

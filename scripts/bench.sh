#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark in the lab, in one go: figures, not assertions. Medians of RUNS runs, per PMD:
#
#   RTT p50/p99     ping -i 0.001 -c COUNT (per-packet times) from the kernel peer to
#                   spindle, to dpdk-testpmd --forward-mode=icmpecho on the same vdev, and to a
#                   kernel peer over a veth pair (two namespaces, no DPDK)
#   cycles/packet   under the same load (ping -i 0.0002 -c LOAD: a fixed rate that does not
#                   depend on replies): spindle's busy cycles per received packet
#                   (/spindle/lcores busy_cycles over /spindle/stats rx_pkts) against
#                   dpdk-testpmd --forward-mode=macswap --record-core-cycles (its "CPU
#                   cycles/packet" at exit)
#
#   scripts/bench.sh [--pmd tap|af_packet]... [--runs N] [--count N] [--load N]
#                    [--build-dir DIR] [--markdown FILE] [--no-tcp] [--no-preload]
#
# spindle and testpmd poll on CPU 1 (-l 0,1, the worker is lcore 1), the ping client runs on CPU
# 0; both with --no-huge --no-pci. Targets (issue 2): RTT <= 1.1x testpmd icmpecho, cycles/packet
# <= 1.5x testpmd macswap. Afterwards scripts/bench_tcp.sh runs when present (TCP figures), then
# the preload suite (scripts/bench_preload.sh: redis, nginx, iperf3 unmodified, spindle vs kernel).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
sp_need_root "network namespaces, DPDK" "$@"
cd "$ROOT"

PMDS=()
RUNS=3
COUNT=2000
LOAD=10000
BUILD=build
MARKDOWN=
TCP=1
PRELOAD=1
while [ $# -gt 0 ]; do
	case "$1" in
	--pmd) PMDS+=("$2"); shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--count) COUNT=$2; shift 2 ;;
	--load) LOAD=$2; shift 2 ;;
	--build-dir) BUILD=$2; shift 2 ;;
	--markdown) MARKDOWN=$2; shift 2 ;;
	--no-tcp) TCP=0; shift ;;
	--no-preload) PRELOAD=0; shift ;;
	-h|--help) sed -n '4,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ ${#PMDS[@]} -gt 0 ] || PMDS=(tap af_packet)

for t in dpdk-testpmd dpdk-telemetry.py ping taskset ethtool; do
	command -v "$t" >/dev/null || { echo "bench.sh: $t is missing (scripts/setup.sh)" >&2; exit 1; }
done
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" < /dev/null
fi
ninja -C "$BUILD" < /dev/null > /dev/null
BIN=$(readlink -f "$BUILD/app/spindle")
PY=/usr/bin/python3
NS=spb-$$
PFX=spb-$$
KNS_A=spbk-a-$$
KNS_B=spbk-b-$$
WORK=$(mktemp -d /tmp/spbench.XXXXXX)
PID=

stop_dpdk() { # SIGINT, bounded wait
	[ -n "$PID" ] || return 0
	sp_stop_pid "$PID" INT 15 || true
	wait "$PID" 2>/dev/null || true
	PID=
}
cleanup() {
	set +e
	stop_dpdk
	"$ROOT/scripts/lab.sh" down --ns "$NS" >/dev/null 2>&1
	ip netns del "$KNS_A" 2>/dev/null
	ip netns del "$KNS_B" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# rtt NS ADDR -> "p50 p99" in microseconds, from ping's per-packet times
rtt() {
	ip netns exec "$1" taskset -c 0 timeout 120 ping -n -i 0.001 -c "$COUNT" -W 1 "$2" 2>/dev/null |
		sed -n 's/.* time=\([0-9.]*\) ms$/\1/p' | sort -g | awk '
		{ v[NR] = $1 * 1000 }
		END { if (NR < 10) { print "nan nan"; exit }
			printf "%.1f %.1f\n", v[int(NR * 0.50 + 0.5)], v[int(NR * 0.99 + 0.5)] }'
}
load() { # NS ADDR: a fixed-rate ping load
	ip netns exec "$1" taskset -c 0 timeout 120 ping -n -q -i 0.0002 -c "$LOAD" -W 1 "$2" \
		>/dev/null 2>&1 || true
}
tel() { echo "$1" | timeout 10 dpdk-telemetry.py -f "$PFX" 2>/dev/null; }
sp_cycles() { # -> "busy_cycles rx_pkts"
	local l s
	l=$(tel /spindle/lcores)
	s=$(tel /spindle/stats)
	$PY -c '
import json, sys
l = json.loads(sys.argv[1])["/spindle/lcores"]
s = json.loads(sys.argv[2])["/spindle/stats"]
print(sum(v["busy_cycles"] for v in l.values() if isinstance(v, dict)), s["rx_pkts"])' "$l" "$s"
}

# Wait until a DPDK process prints $2 in log $1 (bounded).
wait_log() {
	local i
	for i in $(seq 300); do
		grep -q "$2" "$1" && return 0
		kill -0 "$PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

lab() { # PMD: a fresh lab for one measurement
	"$ROOT/scripts/lab.sh" down --ns "$NS" >/dev/null 2>&1 || true
	"$ROOT/scripts/lab.sh" up --ns "$NS" --pmd "$1" >/dev/null
	[ "$1" = af_packet ] && ip -n "$NS" link set sp0d address 02:00:00:00:00:02
	return 0
}

start_spindle() { # PMD
	local cfg=$WORK/spindle.conf vd=()
	awk '/^\[/ { skip = ($0 ~ /^\[service\./) } !skip' config/default.conf > "$cfg"
	[ "$1" = af_packet ] && vd=(--set "port0.vdev=net_af_packet0,iface=sp0d")
	ip netns exec "$NS" "$BIN" -l 0,1 --no-huge --no-pci -m 512 --file-prefix="$PFX" -- \
		--config "$cfg" --set stack.idle=poll "${vd[@]}" > "$WORK/spindle.log" 2>&1 &
	PID=$!
	"$ROOT/scripts/lab.sh" attach --ns "$NS" --pid "$PID" >/dev/null &&
		wait_log "$WORK/spindle.log" "running on" ||
		{ echo "bench.sh: spindle did not start:" >&2; cat "$WORK/spindle.log" >&2; exit 1; }
}

start_testpmd() { # PMD MODE
	local vdev
	if [ "$1" = tap ]; then
		vdev=net_tap0,iface=sp0,mac=02:00:00:00:00:02
	else
		vdev=net_af_packet0,iface=sp0d
	fi
	# Without -i testpmd forwards until its stdin ends: give it a FIFO whose writer (fd 9 of
	# this shell) stays open.
	[ -p "$WORK/stdin" ] || { mkfifo "$WORK/stdin"; exec 9<>"$WORK/stdin"; }
	ip netns exec "$NS" stdbuf -oL dpdk-testpmd -l 0,1 --no-huge --no-pci -m 512 --file-prefix="$PFX" \
		--vdev="$vdev" -- --forward-mode="$2" --record-core-cycles --nb-cores=1 --total-num-mbufs=16384 \
		--rxq=1 --txq=1 < "$WORK/stdin" > "$WORK/testpmd.log" 2>&1 &
	PID=$!
	"$ROOT/scripts/lab.sh" attach --ns "$NS" --pid "$PID" >/dev/null &&
		wait_log "$WORK/testpmd.log" "Press enter to exit" ||
		{ echo "bench.sh: testpmd did not start:" >&2; cat "$WORK/testpmd.log" >&2; exit 1; }
}

declare -A R
record() { R[$1]="${R[$1]:-} $2"; }
med() { echo "${R[$1]:-}" | tr ' ' '\n' | grep -v '^$' | grep -v nan | sort -g |
	awk '{ a[NR] = $1 } END { if (NR == 0) print "n/a"; else print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {
	if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }

# --- the kernel over veth (PMD independent) -----------------------------------------------------
ip netns add "$KNS_A"
ip netns add "$KNS_B"
ip link add spbka$$ netns "$KNS_A" type veth peer name spbkb$$ netns "$KNS_B"
ip -n "$KNS_A" addr add 198.19.254.1/24 dev spbka$$
ip -n "$KNS_B" addr add 198.19.254.2/24 dev spbkb$$
ip -n "$KNS_A" link set spbka$$ up
ip -n "$KNS_B" link set spbkb$$ up
sleep 0.5
echo "bench: kernel over veth"
for run in $(seq "$RUNS"); do
	read -r a b < <(rtt "$KNS_A" 198.19.254.2)
	record k_p50 "$a"; record k_p99 "$b"
done

for pmd in "${PMDS[@]}"; do
	for run in $(seq "$RUNS"); do
		echo "bench: $pmd run $run: spindle"
		lab "$pmd"
		start_spindle "$pmd"
		read -r a b < <(rtt "$NS" 198.18.0.2)
		record "sp_p50_$pmd" "$a"; record "sp_p99_$pmd" "$b"
		read -r c0 p0 < <(sp_cycles)
		load "$NS" 198.18.0.2
		read -r c1 p1 < <(sp_cycles)
		[ $((p1 - p0)) -gt 0 ] && record "sp_cpp_$pmd" "$(( (c1 - c0) / (p1 - p0) ))"
		stop_dpdk

		echo "bench: $pmd run $run: testpmd icmpecho"
		lab "$pmd"
		start_testpmd "$pmd" icmpecho
		read -r a b < <(rtt "$NS" 198.18.0.2)
		record "tp_p50_$pmd" "$a"; record "tp_p99_$pmd" "$b"
		stop_dpdk

		echo "bench: $pmd run $run: testpmd macswap"
		lab "$pmd"
		start_testpmd "$pmd" macswap
		load "$NS" 198.18.0.2
		stop_dpdk
		c=$(sed -n 's/.*CPU cycles\/packet=\([0-9.]*\).*/\1/p' "$WORK/testpmd.log" | tail -1)
		[ -n "$c" ] && record "tp_cpp_$pmd" "$c"
	done
done

TABLE=$(
	echo "| PMD | metric (medians of $RUNS) | spindle | testpmd | ratio | kernel veth | target |"
	echo "|---|---|---|---|---|---|---|"
	for pmd in "${PMDS[@]}"; do
		for q in p50 p99; do
			s=$(med "sp_${q}_$pmd"); t=$(med "tp_${q}_$pmd")
			echo "| $pmd | RTT $q (us), ping -i 0.001 -c $COUNT | $s | $t (icmpecho) | $(ratio "$s" "$t") | $(med "k_$q") | <= 1.1 |"
		done
		s=$(med "sp_cpp_$pmd"); t=$(med "tp_cpp_$pmd")
		echo "| $pmd | busy cycles/packet, ping -i 0.0002 -c $LOAD | $s | $t (macswap) | $(ratio "$s" "$t") | – | <= 1.5 |"
	done
)
echo
echo "$TABLE"
if [ -n "$MARKDOWN" ]; then
	{
		echo
		echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), kernel $(uname -r):"
		echo
		echo "$TABLE"
	} >> "$MARKDOWN"
fi

if [ "$TCP" = 1 ] && [ -x "$ROOT/scripts/bench_tcp.sh" ]; then
	echo
	echo "bench: TCP (scripts/bench_tcp.sh)"
	for pmd in "${PMDS[@]}"; do
		"$ROOT/scripts/bench_tcp.sh" --pmd "$pmd" --runs "$RUNS" ${MARKDOWN:+--markdown "$MARKDOWN"} ||
			echo "bench.sh: bench_tcp.sh failed on $pmd" >&2
	done
fi

# --- suite preload (owner: preload): unmodified programs, spindle vs kernel ---------------------
suite_preload() {
	local pmd
	echo
	echo "bench: preload (scripts/bench_preload.sh)"
	for pmd in "${PMDS[@]}"; do
		"$ROOT/scripts/bench_preload.sh" --pmd "$pmd" --runs "$RUNS" --build-dir "$BUILD" \
			${MARKDOWN:+--markdown "$MARKDOWN"} || echo "bench.sh: bench_preload.sh failed on $pmd" >&2
	done
}
[ "$PRELOAD" = 0 ] || suite_preload

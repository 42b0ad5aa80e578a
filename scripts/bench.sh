#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Benchmark in the lab, in one go: figures, not assertions. Medians of RUNS runs. Suites
# (--suite, repeatable; default: all three):
#
# icmp, per PMD (--pmd, default tap and af_packet):
#   RTT p50/p99     ping -i 0.001 -c COUNT (per-packet times) from the kernel peer to
#                   spindle, to dpdk-testpmd --forward-mode=icmpecho on the same vdev, and to a
#                   kernel peer over a veth pair (two namespaces, no DPDK)
#   cycles/packet   under the same load (ping -i 0.0002 -c LOAD: a fixed rate that does not
#                   depend on replies): spindle's busy cycles per received packet
#                   (/spindle/lcores busy_cycles over /spindle/stats rx_pkts) against
#                   dpdk-testpmd --forward-mode=macswap --record-core-cycles (its "CPU
#                   cycles/packet" at exit)
#
# tcp, per PMD: scripts/bench_tcp.sh (spindle's services against kernel clients, beside the
#   kernel over veth: bulk, download, HTTP req/s, connections/s, CPU use of each side)
# memif: two spindle processes joined by net_memif (MAC in the devarg), one worker lcore each,
#   the server's on CPU 1 and the client's (loadgen) on CPU 0, --no-huge, in a namespace of its
#   own; each test is a fresh pair running SECONDS:
#     rr 100 B with 64 and 1024 connections (echo), HTTP keep-alive (mode = http, path = /),
#     connections/s (mode = cps, http = on, close = client and close = server), bulk on one
#     connection to discard at MTU 1500 and 9000; each side's busy cycles per request and per
#     packet from its exit report. A mode this loadgen refuses prints "skipped: loadgen has no
#     mode X". Beside them, in the same run, the kernel on the same two CPUs over veth (offloads
#     off, each side's receive work on its own CPU by RPS): tests/bench/epoll_rr (an epoll echo
#     server and rr client), wrk -> nginx-light (keep-alive, Connection: close), iperf2 at
#     both MTUs; the CPUs' busy share next to each kernel figure; ratios spindle / kernel.
#
# preload: scripts/bench_preload.sh (redis, nginx, iperf3 unmodified, spindle vs kernel).
#
#   scripts/bench.sh [--suite icmp|tcp|memif|preload]... [--pmd tap|af_packet]... [--runs N]
#                    [--count N] [--load N] [--seconds S] [--conns C] [--build-dir DIR]
#                    [--markdown FILE] [--no-tcp] [--hugepages]
#
# icmp: spindle and testpmd poll on CPU 1 (-l 0,1, the worker is lcore 1), the ping client runs
# on CPU 0; both with --no-huge --no-pci. Targets (issue 2): RTT <= 1.1x testpmd icmpecho,
# cycles/packet <= 1.5x testpmd macswap. --seconds (default 3) is each memif test's duration,
# --conns (default 64) wrk's connections against nginx in the memif suite; --no-tcp leaves
# the tcp suite out. --hugepages: every DPDK process (spindle, testpmd, the suite scripts') on 2 MB
# hugepages reserved for it and given back at the end (docs/lab.md "Hugepages"), not --no-huge.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=bench_kernel.sh
. "$(dirname "$0")/bench_kernel.sh"
TOOLS="/usr/bin/python3 $ROOT/tests/integration/tcp_tools.py"
RPS=on
sp_need_root "network namespaces, DPDK" "$@"
cd "$ROOT"

PMDS=()
RUNS=3
COUNT=2000
LOAD=10000
BUILD=build
MARKDOWN=
SUITES=()
TCP=1
SECS=3
CONNS=64
while [ $# -gt 0 ]; do
	case "$1" in
	--suite)
		case "$2" in icmp|tcp|memif|preload) SUITES+=("$2") ;;
		*) echo "bench.sh: --suite must be icmp, tcp, memif or preload" >&2; exit 2 ;; esac
		shift 2 ;;
	--seconds) SECS=$2; shift 2 ;;
	--conns) CONNS=$2; shift 2 ;;
	--pmd) PMDS+=("$2"); shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--count) COUNT=$2; shift 2 ;;
	--load) LOAD=$2; shift 2 ;;
	--build-dir) BUILD=$2; shift 2 ;;
	--markdown) MARKDOWN=$2; shift 2 ;;
	--no-tcp) TCP=0; shift ;;
	--hugepages) export SP_HUGE=1; shift ;; # the suite scripts see it too
	-h|--help) sed -n '4,42p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ ${#PMDS[@]} -gt 0 ] || PMDS=(tap af_packet)
[ ${#SUITES[@]} -gt 0 ] || SUITES=(icmp tcp memif preload)
[ "$TCP" = 1 ] || SUITES=($(printf '%s\n' "${SUITES[@]}" | grep -vx tcp))
suite() { printf '%s\n' "${SUITES[@]}" | grep -qx "$1"; }

for t in dpdk-telemetry.py ping taskset ethtool $(suite icmp && echo dpdk-testpmd); do
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
MNS=spbm-$$ # spindle's memif pair (the abstract memif socket is per network namespace)
KNS_MC=spbk-mc-$$
KNS_MS=spbk-ms-$$
KPIDS=() # the memif suite's kernel servers
WORK=$(mktemp -d /tmp/spbench.XXXXXX)
chmod 755 "$WORK" # nginx's worker runs as nobody
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
	sp_huge_release "$NS"
	local p
	for p in "${KPIDS[@]}"; do kill "$p" 2>/dev/null; done
	ip netns del "$MNS" 2>/dev/null
	ip netns del "$KNS_MC" 2>/dev/null
	ip netns del "$KNS_MS" 2>/dev/null
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
	sp_mem_eal 512 "$NS" "$PFX" "-l 0,1" "$cfg" || exit 1
	# shellcheck disable=SC2086
	ip netns exec "$NS" "$BIN" -l 0,1 $SP_MEM_EAL --no-pci --file-prefix="$PFX" -- \
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
	sp_mem_eal 512 "$NS" "$PFX" "-l 0,1" config/default.conf || exit 1 # 16384 mbufs, as spindle
	# shellcheck disable=SC2086
	ip netns exec "$NS" stdbuf -oL dpdk-testpmd -l 0,1 $SP_MEM_EAL --no-pci --file-prefix="$PFX" \
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

# --- suite icmp ---------------------------------------------------------------------------------
suite_icmp() {
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
}

# --- suite tcp ----------------------------------------------------------------------------------
suite_tcp() {
	echo
	echo "bench: TCP (scripts/bench_tcp.sh)"
	for pmd in "${PMDS[@]}"; do
		"$ROOT/scripts/bench_tcp.sh" --pmd "$pmd" --runs "$RUNS" ${MARKDOWN:+--markdown "$MARKDOWN"} ||
			echo "bench.sh: bench_tcp.sh failed on $pmd" >&2
	done
}

# --- suite memif --------------------------------------------------------------------------------
K_MCLI=198.19.253.1
K_MSRV=198.19.253.2

# memif_cfg ROLE MAC ADDRESSES PEER_IP PEER_MAC -> config file: default.conf's stack and TCP keys, the
# memif port (MAC in the devarg: the PMD cannot change it), no services
memif_cfg() {
	local f=$WORK/memif-$1.conf
	awk '/^\[/ { skip = ($0 ~ /^\[service\./) } !skip' config/default.conf |
		grep -v '^mac = ' |
		sed -e "s|^vdev = .*|vdev = net_memif0,role=$1,socket=spbm-$$.sock,mac=$2|" \
			-e "s|^address = .*|address = $3|" -e "s|^neighbour = .*|neighbour = $4 $5|" > "$f"
	echo "$f"
}

# exit report of a spindle log: "BUSY_CYCLES PACKETS" of its worker lcores
exit_cycles() {
	sed -n 's/^lcore [0-9]* (worker [0-9]*): busy cycles \([0-9]*\), packets \([0-9]*\),.*/\1 \2/p' "$1" |
		awk '{ c += $1; p += $2 } END { printf "%.0f %.0f\n", c, p }'
}
lg_field() { # LOG KEY -> the value of KEY= in the loadgen-result line
	sed -n "s/^loadgen-result: .*\\b$2=\\([^ ]*\\).*/\\1/p" "$1" | head -1
}

# One memif test: LABEL MTU then service.lg keys (KEY=VALUE). Prints a line and records
# mf_LABEL (the figure), mp50_LABEL, and cycles per request / packet of each side.
memif_test() {
	local label=$1 mtu=$2 sets=() kv i rc=0 mode=rr
	shift 2
	for kv in "$@"; do
		sets+=(--set "service.lg.$kv")
		[[ "$kv" == mode=* ]] && mode=${kv#mode=}
	done
	: > "$WORK/mserver.log"
	sp_mem_eal 512 "$NS" "spbm-s-$$" "-l 0,1" "$MEMIF_S" || exit 1
	# shellcheck disable=SC2086
	ip netns exec "$MNS" "$BIN" -l 0,1 $SP_MEM_EAL --no-pci --file-prefix="spbm-s-$$" -- \
		--config "$MEMIF_S" --set port0.mtu="$mtu" > "$WORK/mserver.log" 2>&1 &
	PID=$!
	# a client that connects before the server's port started gets "ID not found" and never
	# retries (docs/lab.md "memif"): wait for the server's "ports started" line
	for i in $(seq 100); do
		grep -q "ports started" "$WORK/mserver.log" && break
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	sp_mem_eal 512 "$NS" "spbm-c-$$" "--lcores 0@1,1@0" "$MEMIF_C" || exit 1
	# shellcheck disable=SC2086
	ip netns exec "$MNS" timeout $((SECS + 40)) "$BIN" --lcores 0@1,1@0 $SP_MEM_EAL --no-pci \
		--file-prefix="spbm-c-$$" -- --config "$MEMIF_C" --set port0.mtu="$mtu" \
		--set service.lg.type=loadgen --set service.lg.address=198.18.0.2 \
		--set service.lg.duration_ms=$((SECS * 1000)) "${sets[@]}" > "$WORK/mclient.log" 2>&1 ||
		rc=$?
	stop_dpdk
	if ! grep -q '^loadgen-result:' "$WORK/mclient.log"; then
		if ! grep -q "running on" "$WORK/mclient.log" && grep -q '\[service.lg\]' "$WORK/mclient.log"; then
			echo "  $label: skipped: loadgen has no mode $mode ($(grep -m1 '\[service.lg\]' "$WORK/mclient.log" | sed 's/^spindle: //'))"
			record "mf_$label" skipped
		elif grep -q 'max frame size' "$WORK/mclient.log"; then # DPDK 22.11's net_memif: 1518
			echo "  $label: skipped: the PMD cannot: $(grep -m1 'max frame size' "$WORK/mclient.log")"
			record "mf_$label" skipped
		else
			echo "  $label: failed (client status $rc); the client's log ends:"
			grep -vE '^(EAL|TELEMETRY):' "$WORK/mclient.log" | tail -n 5 | sed 's/^/    /'
		fi
		return 0
	fi
	local req secs bs cps opened fig unit cc cp sc spk
	req=$(lg_field "$WORK/mclient.log" requests)
	secs=$(lg_field "$WORK/mclient.log" seconds)
	bs=$(lg_field "$WORK/mclient.log" bytes_sent)
	cps=$(lg_field "$WORK/mclient.log" cps)
	opened=$(lg_field "$WORK/mclient.log" connections_opened)
	read -r cc cp < <(exit_cycles "$WORK/mclient.log")
	read -r sc spk < <(exit_cycles "$WORK/mserver.log")
	case "$mode" in
	bulk) fig=$(awk -v b="$bs" -v s="$secs" 'BEGIN { printf "%.2f", (s > 0 ? b * 8 / s / 1e9 : 0) }'); unit=Gbit/s ;;
	cps) [ -n "$cps" ] || cps=$(awk -v n="${opened:-0}" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
		fig=${cps%.*}; req=${opened:-$req}; unit=conn/s ;;
	*) fig=$(awk -v n="${req:-0}" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'); unit=req/s ;;
	esac
	record "mf_$label" "$fig"
	record "mp50_$label" "$(lg_field "$WORK/mclient.log" p50_us)"
	if [ "${req:-0}" -gt 0 ] 2>/dev/null; then
		record "mcreq_$label" $((cc / req)); record "msreq_$label" $((sc / req))
	fi
	[ "${cp:-0}" -gt 0 ] && record "mcpkt_$label" $((cc / cp))
	[ "${spk:-0}" -gt 0 ] && record "mspkt_$label" $((sc / spk))
	echo "  $label: $fig $unit, client $((cp > 0 ? cc / cp : 0)) / server $((spk > 0 ? sc / spk : 0)) busy cycles per packet"
}

# The kernel over veth on the same CPUs: servers on CPU 1, clients on CPU 0.
kernel_test() { # LABEL then the measuring command; records mk_LABEL and its CPUs' busy share
	local label=$1 fig c0 c1
	shift
	cpu_stat_begin
	fig=$("$@")
	read -r c0 c1 < <(cpu_stat_end)
	record "mk_$label" "${fig:-nan}"
	record "mkc0_$label" "$c0"; record "mkc1_$label" "$c1"
	echo "  kernel $label: ${fig:-failed} (CPU0 ${c0}% / CPU1 ${c1}% busy)"
}
k_rr() { # CONNS -> req/s
	ip netns exec "$KNS_MC" taskset -c 0 timeout $((SECS + 20)) "$EPOLL_RR" client --dst "$K_MSRV" \
		--port 7 --conns "$1" --size 100 --seconds "$SECS" |
		sed -n 's/^epoll_rr-result: .*rate=\([0-9.]*\).*/\1/p' | awk '{ printf "%.0f\n", $1 }'
}
k_wrk() { # [wrk args] -> req/s
	m_wrk "$KNS_MC" "http://$K_MSRV/" "$@" | awk '{ printf "%.0f\n", $1 }'
}
k_iperf() { # MTU -> Gbit/s
	ip -n "$KNS_MC" link set spbkmc$$ mtu "$1"
	ip -n "$KNS_MS" link set spbkms$$ mtu "$1"
	ip netns exec "$KNS_MC" taskset -c 0 timeout $((SECS + 20)) iperf -c "$K_MSRV" -p 5001 \
		-t "$SECS" -y C 2>/dev/null | tail -1 | awk -F, '{ printf "%.2f\n", $NF / 1e9 }'
}

suite_memif() {
	local run t
	EPOLL_RR=$(readlink -f "$BUILD/tests/bench/epoll_rr")
	[ -x "$EPOLL_RR" ] || { echo "bench.sh: $EPOLL_RR is missing (meson setup $BUILD)" >&2; return 1; }
	for t in wrk nginx iperf; do
		command -v "$t" >/dev/null || { echo "bench.sh: $t is missing (scripts/setup.sh)" >&2; return 1; }
	done
	MEMIF_S=$(memif_cfg server 02:00:00:00:00:02 198.18.0.2/24 198.18.0.1 02:00:00:00:00:01)
	MEMIF_C=$(memif_cfg client 02:00:00:00:00:01 "198.18.0.1/24, $(seq -s ', ' -f '198.18.0.%g/24' 16 22)" 198.18.0.2 02:00:00:00:00:02)
	cat >> "$MEMIF_S" <<-EOF
	[service.echo]
	port = 7
	[service.discard]
	port = 9
	[service.http]
	port = 80
	EOF
	ip netns add "$MNS"
	kref_veth "$KNS_MC" "$KNS_MS" spbkmc$$ spbkms$$ "$K_MCLI" "$K_MSRV"
	kref_rps "$KNS_MC" "$KNS_MS" spbkmc$$ spbkms$$
	/usr/bin/python3 -c 'print("<!DOCTYPE html>\n<html><body>" + "x" * 400 + "</body></html>")' \
		> "$WORK/www-index.html"
	mkdir -p "$WORK/k/www"
	cp "$WORK/www-index.html" "$WORK/k/www/index.html"
	kref_nginx "$KNS_MS" "$K_MSRV" "$WORK/k" || return 1
	KPIDS+=("$NGINX_PID")
	ip netns exec "$KNS_MS" taskset -c 1 iperf -s -p 5001 > /dev/null 2>&1 &
	KPIDS+=($!)
	ip netns exec "$KNS_MS" taskset -c 1 "$EPOLL_RR" server --bind "$K_MSRV" --port 7 &
	KPIDS+=($!)
	SRV=$NGINX_WORKER # m_wrk's server CPU
	sleep 0.5
	for run in $(seq "$RUNS"); do
		echo "bench: memif run $run: spindle <-> spindle (${SECS}s each)"
		memif_test rr64 1500 mode=rr port=7 connections=64 request_size=100 response_size=100
		memif_test rr1024 1500 mode=rr port=7 connections=1024 request_size=100 response_size=100
		memif_test http 1500 mode=http port=80 path=/ connections=64
		memif_test cps_client 1500 mode=cps port=80 http=on path=/ close=client connections=64
		# the same with 7 source addresses x 64512 ports: past one address's TIME-WAIT turnover
		memif_test cps_client_tuples 1500 mode=cps port=80 http=on path=/ close=client \
			connections=64 src_address_min=198.18.0.16 src_address_max=198.18.0.22 \
			src_port_min=1024 src_port_max=65535
		memif_test cps_server 1500 mode=cps port=80 http=on path=/ close=server connections=64
		memif_test bulk1500 1500 mode=bulk port=9 connections=1 bytes=0
		memif_test bulk9000 9000 mode=bulk port=9 connections=1 bytes=0
		echo "bench: memif run $run: the kernel over veth, same CPUs"
		kernel_test rr64 k_rr 64
		kernel_test rr1024 k_rr 1024
		kernel_test http k_wrk
		kernel_test cps k_wrk -H 'Connection: close'
		kernel_test bulk1500 k_iperf 1500
		kernel_test bulk9000 k_iperf 9000
	done
	memif_table
}

memif_row() { # LABEL KERNEL_LABEL DESCRIPTION UNIT
	local s k c
	s=$(med "mf_$1")
	[[ "${R[mf_$1]:-}" == *skipped* ]] && s="skipped"
	k=$(med "mk_$2")
	c="$(med "mkc0_$2") / $(med "mkc1_$2")"
	[ "$2" = - ] && { k="–"; c="–"; }
	printf '| %s (%s) | %s | %s | %s / %s | %s / %s | %s | %s | %s |\n' "$3" "$4" "$s" \
		"$(med "mp50_$1")" "$(med "mcreq_$1")" "$(med "mcpkt_$1")" "$(med "msreq_$1")" \
		"$(med "mspkt_$1")" "$k" "$c" "$(ratio "$s" "$k")"
}
memif_table() {
	local tab
	tab=$(
		echo "| memif 1+1 lcores, medians of $RUNS, ${SECS}s each | spindle | p50 us | client cycles per request / packet | server cycles per request / packet | kernel over veth, same CPUs | kernel CPU0 / CPU1 % busy | ratio |"
		echo "|---|---|---|---|---|---|---|---|"
		memif_row rr64 rr64 "rr 100 B, 64 connections (epoll_rr)" "req/s"
		memif_row rr1024 rr1024 "rr 100 B, 1024 connections (epoll_rr)" "req/s"
		memif_row http http "HTTP keep-alive, 64 connections (wrk -c $CONNS -> nginx)" "req/s"
		memif_row cps_client cps "connections/s, client closes (wrk Connection: close)" "conn/s"
		memif_row cps_client_tuples cps "connections/s, client closes, 7 source addresses x 64512 ports (wrk Connection: close)" "conn/s"
		memif_row cps_server cps "connections/s, server closes (wrk Connection: close)" "conn/s"
		memif_row bulk1500 bulk1500 "bulk, 1 connection, MTU 1500 (iperf2)" "Gbit/s"
		memif_row bulk9000 bulk9000 "bulk, 1 connection, MTU 9000 (iperf2)" "Gbit/s"
	)
	echo
	echo "$tab"
	if [ -n "$MARKDOWN" ]; then
		{
			echo
			echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), suite memif:"
			echo
			echo "$tab"
		} >> "$MARKDOWN"
	fi
}

# --- suite preload (owner: preload): unmodified programs, spindle vs kernel ---------------------
suite_preload() {
	local pmd
	echo
	echo "bench: preload (scripts/bench_preload.sh)"
	for pmd in "${PMDS[@]}"; do
		"$ROOT/scripts/bench_preload.sh" --pmd "$pmd" --runs "$RUNS" --build-dir "$BUILD" \
			${SP_HUGE:+--hugepages} \
			${MARKDOWN:+--markdown "$MARKDOWN"} || echo "bench.sh: bench_preload.sh failed on $pmd" >&2
	done
}

suite icmp && suite_icmp
suite memif && suite_memif
suite tcp && suite_tcp
suite preload && suite_preload
exit 0

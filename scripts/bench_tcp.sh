#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# TCP benchmarks: spindle in the lab against the Linux kernel over veth (iperf2 sink, nginx-light
# with one worker), same client tools, same run. Figures, not assertions: medians of RUNS runs,
# and the ratio spindle / kernel.
#
#   scripts/bench_tcp.sh [--pmd tap|af_packet] [--runs N] [--seconds S] [--conns C]
#                        [--bytes N] [--rps on|off] [--markdown FILE] [--kernel-only]
#                        [--hugepages]   (spindle on 2 MB hugepages: docs/lab.md "Hugepages")
#                        [--set SECTION.KEY=VALUE]... (spindle config overrides, e.g. A/B runs)
#                        [--config FILE] (spindle's config instead of the lab's default; with
#                                         SPINDLE_BIN=another build: A/B against an older one)
#                        [--only LIST]   (comma-separated subset of bulk,down,web,idle: e.g.
#                                         --only bulk,down measures bulk upload and download alone;
#                                         web = keep-alive req/s, conn/s, latency, cycles)
#
#   bulk up     iperf2 client -> spindle discard (port 9)  vs  -> kernel `iperf -s`
#   download    curl http://.../bytes/N                    vs  nginx serving an N-byte file
#   req/s       wrk -c C keep-alive GET /                  vs  nginx (1 worker), same page bytes
#   conn/s      wrk -c C -H 'Connection: close' GET /      vs  nginx
#   latency     wrk --latency p50 / p99 of the keep-alive run
#   cycles      spindle's busy cycles per request and per packet (/spindle/lcores before/after)
#   idle state  bytes per idle connection, IDLE_N (default 5000) echo connections held open:
#               spindle's DPDK heap growth (/eal/heap_info) vs the kernel server's slab growth
#               (active slab objects in the kernel run minus the client-only growth of the
#               spindle run, so only the server's sockets count)
#
# CPU placement (2-core machine): spindle's worker lcore and the kernel's servers (nginx's one
# worker, iperf -s) on CPU 1, the client tools on CPU 0. Receive work: with --rps on (default)
# each side's kernel receive work runs on its own CPU, for spindle and for the kernel alike: RPS
# sends what arrives on the client's interface (the lab's sp0, the kernel client's veth) to CPU 0
# and what arrives on the kernel server's veth to CPU 1 (spindle receives in its own poll loop on
# CPU 1; on af_packet the kernel's half of that, the copy into the ring from spindle's veth end
# sp0d, also runs on CPU 1; af_xdp's XDP program runs in veth's NAPI on the sending CPU, where RPS
# cannot move it). Without RPS, tap and veth run the receiver's work on the sender's CPU
# (--rps off).
# Offloads (TSO/GSO/GRO) are off on the kernel's veth pair, as spindle has none.
#
# CPU use: every figure is followed by both sides' CPU use over that measurement, "server% /
# client%": the kernel servers' and the clients' utime+stime (/proc/PID/stat; the client's from
# the children the measuring shell waited for), spindle's busy share of its polling lcore
# (busy_cycles / (busy_cycles + idle_cycles) in /spindle/lcores). Receive work RPS runs in
# softirq on the target CPU is not charged to a process: compare the CPUs' own busy share too
# (scripts/bench.sh prints it in its kernel rows).
# Everything lives in network namespaces with 198.18.0.0/15 addresses and is removed on exit.
# Called by scripts/bench.sh when present; runs alone too (as root, or through sudo).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS="/usr/bin/python3 $ROOT/tests/integration/tcp_tools.py"
PMD=tap
RUNS=3
SECS=5
CONNS=50
BYTES=$((512 * 1024 * 1024))
MARKDOWN=
KERNEL_ONLY=0
RPS=on
ONLY=bulk,down,web,idle
SP_SET=()
SP_CONF=()
ARGS=("$@")

while [ $# -gt 0 ]; do
	case "$1" in
	--pmd) PMD=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--seconds) SECS=$2; shift 2 ;;
	--conns) CONNS=$2; shift 2 ;;
	--bytes) BYTES=$2; shift 2 ;;
	--markdown) MARKDOWN=$2; shift 2 ;;
	--rps) RPS=$2; shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	--set) SP_SET+=(--set "$2"); shift 2 ;;
	--config) SP_CONF=("$2"); shift 2 ;;
	--kernel-only) KERNEL_ONLY=1; shift ;; # the reference side alone (checks the set-up)
	--hugepages) export SP_HUGE=1; shift ;; # spindle_start reserves, lab_cleanup gives back
	-h|--help) sed -n '3,47p' "$0"; exit 0 ;;
	*) echo "bench_tcp: unknown argument $1" >&2; exit 2 ;;
	esac
done
want() { case ",$ONLY," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

# shellcheck source=common.sh
. "$ROOT/scripts/common.sh"
# shellcheck source=bench_kernel.sh
. "$ROOT/scripts/bench_kernel.sh"
sp_need_root "network namespaces, DPDK" "${ARGS[@]}"

for t in iperf wrk curl nginx ethtool taskset; do
	command -v "$t" >/dev/null || { echo "bench_tcp: $t is missing (scripts/setup.sh)" >&2; exit 1; }
done

# The lab and spindle: scripts/common.sh (lab_up, spindle_start, ...).
if [ "$KERNEL_ONLY" = 0 ]; then
	export SP_IDLE=poll # busy polling for figures (the default, sleep, frees the core)
	lab_init
fi

KNS_C=spbk-c-$$
KNS_S=spbk-s-$$
K_CLI=198.19.254.1
K_SRV=198.19.254.2
SP_IP=198.18.0.2
WORK=$(mktemp -d /dev/shm/spbench.XXXXXX)
chmod 755 "$WORK" # nginx's worker runs as nobody
NGINX_PID=
IPERF_PID=
ECHO_PID=
SLAB_CLIENT_KB=

cleanup() {
	set +e
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
	[ -n "$IPERF_PID" ] && kill "$IPERF_PID" 2>/dev/null
	[ -n "$ECHO_PID" ] && kill "$ECHO_PID" 2>/dev/null
	ip netns del "$KNS_C" 2>/dev/null
	ip netns del "$KNS_S" 2>/dev/null
	[ "$KERNEL_ONLY" = 1 ] || lab_cleanup
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else print a[int((NR + 1) / 2)] }'; }
ratio() { # a / b, "n/a" unless both are numbers
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'
}

# --- one measurement each; NS is the client namespace, HOST the server ------------------------
# Each prints its figures, then "SERVER% CLIENT%" (cpu_end).
m_iperf() { # NS HOST PORT -> "Gbit/s srv% cli%"
	local g
	cpu_begin
	g=$(ip netns exec "$1" taskset -c 0 timeout $((SECS + 20)) \
		iperf -c "$2" -p "$3" -t "$SECS" -y C 2>/dev/null |
		tail -1 | awk -F, '{ printf "%.3f\n", $NF / 1e9 }')
	echo "${g:-nan} $(cpu_end)"
}
m_download() { # NS URL -> "Gbit/s srv% cli%"
	local g
	cpu_begin
	g=$(ip netns exec "$1" taskset -c 0 timeout 120 \
		curl -s -o /dev/null -w '%{speed_download}\n' "$2" | awk '{ printf "%.3f\n", $1 * 8 / 1e9 }')
	echo "${g:-nan} $(cpu_end)"
}
# Idle connections: hold IDLE_N echo connections from NS to DST:PORT (tcp_tools.py conns) and
# print "A B": the sample command's output before, and while they are held.
IDLE_N=${IDLE_N:-5000}
m_idle() { # NS DST SRC SAMPLE_FN
	local out=$WORK/idle.out a b pid i
	a=$($4)
	(
		ulimit -n $((IDLE_N + 1000))
		ip netns exec "$1" taskset -c 0 timeout 300 $TOOLS conns --dst "$2" --port 7 \
			--count "$IDLE_N" --src "$3" --hold 6 --timeout 120
	) > "$out" 2>&1 &
	pid=$!
	for i in $(seq 240); do
		grep -q holding "$out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.5
	done
	b=$($4)
	wait "$pid" || { echo "bench_tcp: idle connections failed: $(tail -2 "$out")" >&2; b=; }
	echo "$a $b"
}
# kernel objects in use (kB): sum of active objects x object size over /proc/slabinfo (unlike
# meminfo's Slab it does not miss objects placed in slabs freed earlier and still cached)
slab_kb() { awk 'NR > 2 { t += $2 * $4 } END { printf "%d\n", t / 1024 }' /proc/slabinfo; }
sp_heap() { # bytes allocated from spindle's DPDK heaps (all sockets)
	$TOOLS telemetry "$PREFIX" /eal/heap_list | /usr/bin/python3 -c '
import json, subprocess, sys
ids = json.load(sys.stdin)["/eal/heap_list"]
ids = ids["Heap_id"] if isinstance(ids, dict) else ids
tot = 0
for i in ids:
    r = subprocess.run(sys.argv[1:] + ["/eal/heap_info,%d" % i], capture_output=True, text=True)
    tot += int(json.loads(r.stdout)["/eal/heap_info"]["Alloc_size"])
print(tot)' $TOOLS telemetry "$PREFIX"
}

declare -A R # R[metric,side] = list of values

record() { R[$1,$2]="${R[$1,$2]:-} $3"; }
med() { echo "${R[$1,$2]:-}" | tr ' ' '\n' | grep -v '^$' | median; }
record_cpu() { record "$1_srv" "$2" "$3"; record "$1_cli" "$2" "$4"; } # METRIC SIDE SRV% CLI%

# One run of every measurement against one side (sp or k), printed and recorded.
measure_bulk() { # SIDE NS HOST PORT
	local g s c
	want bulk || return 0
	read -r g s c < <(m_iperf "$2" "$3" "$4")
	record bulk "$1" "$g"; record_cpu bulk "$1" "$s" "$c"
	echo "  run $run: bulk upload $g Gbit/s (server ${s}% / client ${c}% CPU)"
}
measure_web() { # SIDE NS URL_BASE
	local g s c rps p50 p99 n err cps err2 c0 p0 c1 p1
	if want down; then
		read -r g s c < <(m_download "$2" "$3/bytes/$BYTES")
		record down "$1" "$g"; record_cpu down "$1" "$s" "$c"
		echo "  run $run: download $g Gbit/s (server ${s}% / client ${c}% CPU)"
	fi
	want web || return 0
	[ "$1" = sp ] && read -r c0 p0 < <($TOOLS lcores-busy "$PREFIX")
	read -r rps p50 p99 n err s c < <(m_wrk "$2" "$3/")
	record rps "$1" "$rps"; record p50 "$1" "$p50"; record p99 "$1" "$p99"; record err "$1" "$err"
	record_cpu rps "$1" "$s" "$c"
	if [ "$1" = sp ]; then
		read -r c1 p1 < <($TOOLS lcores-busy "$PREFIX")
		[ "${n:-0}" -gt 0 ] && record cyc_req sp "$(( (c1 - c0) / n ))"
		[ $((p1 - p0)) -gt 0 ] && record cyc_pkt sp "$(( (c1 - c0) / (p1 - p0) ))"
	fi
	echo "  run $run: keep-alive $rps req/s (server ${s}% / client ${c}% CPU)"
	read -r cps _ _ n err2 s c < <(m_wrk "$2" "$3/" -H 'Connection: close')
	record cps "$1" "$cps"; record err "$1" "$err2"; record_cpu cps "$1" "$s" "$c"
	echo "  run $run: Connection: close $cps conn/s (server ${s}% / client ${c}% CPU)"
}
measure_run() { # SIDE NS HOST DISCARD_PORT URL_BASE
	measure_bulk "$1" "$2" "$3" "$4"
	measure_web "$1" "$2" "$5"
}

# --- spindle ----------------------------------------------------------------------------------
if [ "$KERNEL_ONLY" = 1 ]; then
	/usr/bin/python3 -c 'print("<!DOCTYPE html>\n<html><body>" + "x" * 400 + "</body></html>")' \
		> "$WORK/index.html"
else
echo "bench_tcp: spindle on $PMD"
lab_up "$PMD"
spindle_start "${SP_CONF[@]}" "${SP_SET[@]}"
PREFIX=$(spindle_prefix)
NS=$(lab_ns)
set_rps "$NS" sp0 1 # the kernel client's receive work on its own CPU 0
# the kernel's half of af_packet's receive (the copy into the ring) on spindle's CPU 1
[ "$PMD" = tap ] || set_rps "$NS" sp0d 2
# the exact bytes of spindle's "/" for nginx, so both serve the same page
ip netns exec "$NS" curl -s -o "$WORK/index.html" "http://$SP_IP/"
[ -s "$WORK/index.html" ] || { echo "bench_tcp: spindle does not answer http" >&2; exit 1; }

# First, on a fresh stack: later runs leave connections in TIME-WAIT whose release would
# shrink the heap while the idle connections are counted.
sp_heap_slab() { echo "$(sp_heap) $(slab_kb)"; }
if want idle; then
	echo "bench_tcp: $IDLE_N idle connections to spindle's echo"
	read -r hp0 sl0 hp1 sl1 < <(m_idle "$NS" "$SP_IP" 198.18.0.1 sp_heap_slab) || true
fi
if [ -n "${sl1:-}" ]; then
	record idle sp "$(( (hp1 - hp0) / IDLE_N ))"
	SLAB_CLIENT_KB=$((sl1 - sl0))
	echo "  heap +$((hp1 - hp0)) bytes, kernel slab (client side) +${SLAB_CLIENT_KB} kB"
fi

SRV=spindle
for run in $(seq "$RUNS"); do
	measure_run sp "$NS" "$SP_IP" 9 "http://$SP_IP"
done
spindle_stop
lab_down
fi

# --- kernel over veth ---------------------------------------------------------------------------
echo "bench_tcp: kernel over veth, nginx-light (1 worker)"
kref_veth "$KNS_C" "$KNS_S" spbkc$$ spbks$$ "$K_CLI" "$K_SRV"
kref_rps "$KNS_C" "$KNS_S" spbkc$$ spbks$$
mkdir -p "$WORK/www/bytes"
cp "$WORK/index.html" "$WORK/www/index.html"
$TOOLS write-pattern "$BYTES" > "$WORK/www/bytes/$BYTES"
kref_nginx "$KNS_S" "$K_SRV" "$WORK" || exit 1
ip netns exec "$KNS_S" taskset -c 1 iperf -s -p 5001 >/dev/null 2>&1 &
IPERF_PID=$!
sleep 0.5

if [ -n "$SLAB_CLIENT_KB" ]; then
	echo "bench_tcp: $IDLE_N idle connections to a kernel echo server"
	(
		ulimit -n $((IDLE_N + 1000))
		exec ip netns exec "$KNS_S" taskset -c 1 $TOOLS echo-server --bind "$K_SRV" --port 7
	) > /dev/null 2>&1 &
	ECHO_PID=$!
	sleep 1
	read -r sl0 sl1 < <(m_idle "$KNS_C" "$K_SRV" "$K_CLI" slab_kb) || true
	if [ -n "${sl1:-}" ]; then
		# both ends' sockets grow the slab here; the spindle run measured the client's alone
		record idle k "$(( (sl1 - sl0 - SLAB_CLIENT_KB) * 1024 / IDLE_N ))"
		echo "  kernel slab (client + server) +$((sl1 - sl0)) kB"
	fi
fi

for run in $(seq "$RUNS"); do
	SRV=$IPERF_PID
	measure_bulk k "$KNS_C" "$K_SRV" 5001
	SRV=$NGINX_WORKER
	measure_web k "$KNS_C" "http://$K_SRV"
done

# --- report -------------------------------------------------------------------------------------
cpu_col() { # METRIC SIDE -> "server% / client%" (medians), or – when not measured
	local s c
	s=$(med "$1_srv" "$2")
	c=$(med "$1_cli" "$2")
	if [ "$s" = nan ] && [ "$c" = nan ]; then echo "–"; else echo "$s / $c"; fi
}
row() { # label metric
	local s k
	s=$(med "$2" sp)
	k=$(med "$2" k)
	printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$s" "$(cpu_col "$2" sp)" "$k" \
		"$(cpu_col "$2" k)" "$(ratio "$s" "$k")"
}
lat_row() { # lower is better: the ratio is kernel / spindle so that > 1 means spindle is better
	local s k
	s=$(med "$2" sp)
	k=$(med "$2" k)
	printf '| %s | %s | – | %s | – | %s |\n' "$1" "$s" "$k" "$(ratio "$k" "$s")"
}
TABLE=$(
	echo "| metric ($PMD, medians of $RUNS, RPS $RPS) | spindle | CPU % server / client | kernel / nginx-light | CPU % server / client | ratio |"
	echo "|---|---|---|---|---|---|"
	row "bulk upload, iperf2 ${SECS}s (Gbit/s)" bulk
	row "download /bytes/$BYTES (Gbit/s)" down
	row "HTTP keep-alive, wrk -c $CONNS (req/s)" rps
	row "connections/s, wrk -c $CONNS Connection: close" cps
	lat_row "keep-alive latency p50 (us; ratio kernel/spindle)" p50
	lat_row "keep-alive latency p99 (us; ratio kernel/spindle)" p99
	lat_row "bytes of state per idle connection ($IDLE_N held; ratio kernel/spindle)" idle
	echo "| spindle busy cycles per request (keep-alive) | $(med cyc_req sp) | – | – | – | – |"
	echo "| spindle busy cycles per packet (keep-alive) | $(med cyc_pkt sp) | – | – | – | – |"
	echo "| wrk errors (all runs) | $(echo ${R[err,sp]:-0} | tr ' ' '+' | bc) | | $(echo ${R[err,k]:-0} | tr ' ' '+' | bc) | | |"
)
echo
echo "$TABLE"
if [ -n "$MARKDOWN" ]; then
	{
		echo
		echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) CPUs, $(uname -r), PMD $PMD:"
		echo
		echo "$TABLE"
	} >> "$MARKDOWN"
fi

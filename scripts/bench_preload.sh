#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The preload suite (docs/preload.md "Benchmarks"): the same unmodified binaries as server on
# spindle (spindle-run + libspindle_preload.so) and on the Linux kernel (the lab's --kernel-only
# veth stand-in at the same address), the same kernel clients. Figures, not assertions: medians of
# RUNS runs, and the ratio spindle / kernel.
#
#   scripts/bench_preload.sh [--pmd tap|af_packet|af_xdp] [--runs N] [--seconds S] [--idle sleep|poll]
#                            [--rps on|off] [--build-dir DIR] [--markdown FILE] [--kernel-only]
#                            [--hugepages] [--only redis,nginx,iperf3] [--nginx-cache on|off]
#
#   redis P1 / P16   redis-benchmark -t get,set -c 50 -P 1 (-n 200000) and -P 16 (-n 2000000)
#   nginx keep-alive wrk -t 1 -c 50 -d S GET / (nginx -g 'master_process off;', one process)
#   nginx close      the same with -H 'Connection: close'
#                    nginx's config: tests/integration/preload/nginx.conf plus
#                    `open_file_cache max=1000;`, as the kernel reference of bench_kernel.sh has
#                    (the page's file stays open between requests, on both sides); --nginx-cache off
#                    leaves it out (every request opens, stats and closes the file)
#   --only           the programs to run (comma-separated; default all three)
#   iperf3 up / down iperf3 -c -t S (client sends) and -R (server sends), Mbit/s
#   server CPU       CPU 1's busy time (/proc/stat: user, nice, system, irq, softirq) over the
#                    run, per request (iperf3: per MB), in microseconds: the server process and
#                    the kernel's receive work RPS runs there, which no process is charged for.
#                    On spindle minus the waits' idle polling (telemetry /spindle/preload:
#                    idle_cycles / tsc_hz): the CPU the server worked. The last column keeps the
#                    polling in (what /proc alone says of a server that busy-polls while idle).
#
# CPU placement (2-core machine): the server on CPU 1 (on spindle EAL -l 1 pins it; on the
# kernel taskset -c 1), the clients on CPU 0. --idle is spindle's stack.idle (default sleep: an
# idle wait naps, so the CPU figure counts work, not polling; poll for the lowest latency).
# Offloads are off on the kernel's veth pair, as spindle has none. Receive work (--rps on, the
# default, as scripts/bench_tcp.sh): veth and tap run a receiver's kernel work on the sender's
# CPU, so without RPS the kernel client's receive work lands on spindle's CPU (inside its
# sendto/writev) while the kernel server's lands on the client's CPU. RPS puts each side's on its
# own CPU: the client interface's on CPU 0; the kernel server's, or the kernel's half of
# af_packet's receive (the copy into the ring, on spindle's veth end sp0d), on CPU 1 (af_xdp's
# XDP program runs in veth's NAPI on the sending CPU, where RPS cannot move it, like a NIC's DMA).
# Called by scripts/bench.sh
# (suite preload); runs alone too (as root). --hugepages: spindle on 2 MB hugepages reserved for
# the run and given back (docs/lab.md "Hugepages") instead of --no-huge -m 1024.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PMD=tap
RUNS=3
SECS=10
IDLE='sleep'
RPS=on
BUILD=build
MARKDOWN=
KERNEL_ONLY=0
ONLY=redis,nginx,iperf3
NGINX_CACHE=on
ARGS=("$@")
while [ $# -gt 0 ]; do
	case "$1" in
	--pmd) PMD=$2; shift 2 ;;
	--runs) RUNS=$2; shift 2 ;;
	--seconds) SECS=$2; shift 2 ;;
	--idle) IDLE=$2; shift 2 ;;
	--rps) RPS=$2; shift 2 ;;
	--build-dir) BUILD=$2; shift 2 ;;
	--markdown) MARKDOWN=$2; shift 2 ;;
	--kernel-only) KERNEL_ONLY=1; shift ;; # the reference side alone (checks the set-up)
	--hugepages) export SP_HUGE=1; shift ;;
	--only) ONLY=$2; shift 2 ;;
	--nginx-cache) NGINX_CACHE=$2; shift 2 ;;
	-h|--help) sed -n '3,41p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench_preload: unknown argument $1" >&2; exit 2 ;;
	esac
done
# shellcheck source=common.sh
. "$ROOT/scripts/common.sh"
# shellcheck source=bench_kernel.sh
. "$ROOT/scripts/bench_kernel.sh" # set_rps
sp_need_root "network namespaces, DPDK" "${ARGS[@]}"
cd "$ROOT"
case "$PMD" in tap|af_packet|af_xdp) ;;
*) echo "bench_preload: --pmd must be tap, af_packet or af_xdp" >&2; exit 2 ;; esac
case "$RPS" in on|off) ;; *) echo "bench_preload: --rps must be on or off" >&2; exit 2 ;; esac
case "$NGINX_CACHE" in on|off) ;; *) echo "bench_preload: --nginx-cache must be on or off" >&2; exit 2 ;; esac
for p in ${ONLY//,/ }; do
	case "$p" in redis|nginx|iperf3) ;;
	*) echo "bench_preload: --only takes redis, nginx, iperf3 (comma-separated)" >&2; exit 2 ;; esac
done
runs() { [[ ",$ONLY," == *",$1,"* ]]; } # runs PROGRAM: is it in --only

for t in redis-server redis-benchmark nginx wrk iperf3 taskset; do
	command -v "$t" >/dev/null || { echo "bench_preload: $t is missing (scripts/setup.sh)" >&2; exit 1; }
done
RUN=$(readlink -f "$BUILD")/app/spindle-run/spindle-run
if [ "$KERNEL_ONLY" = 0 ]; then
	[ -x "$RUN" ] || { echo "bench_preload: $RUN not built (ninja -C $BUILD)" >&2; exit 1; }
	LIB=$(sed -n "s/^PRELOAD='\(.*\)'\$/\1/p" "$RUN")
	[ -f "$LIB" ] || { echo "bench_preload: $LIB not built" >&2; exit 1; }
fi
NS=spbp-$$
PFX=spbp-$$
IP=198.18.0.2
WORK=$(mktemp -d /tmp/spbpre.XXXXXX)
chmod 755 "$WORK"
PID=
MHZ=$(awk -F: '/^cpu MHz/ { printf "%d", $2; exit }' /proc/cpuinfo)
HZ=$(getconf CLK_TCK)

cleanup() {
	set +e
	[ -z "$PID" ] || { sp_stop_pid "$PID" INT 15; wait "$PID"; }
	"$ROOT/scripts/lab.sh" down --ns "$NS" >/dev/null 2>&1
	sp_huge_release "$NS"
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# server SIDE NAME PORT PROGRAM [ARG...]: start it (kernel or spindle) on CPU 1, wait for PORT
server() {
	local side=$1 name=$2 port=$3 i vdev=net_tap0,iface=sp0 cfg=$WORK/preload.conf
	shift 3
	"$ROOT/scripts/lab.sh" down --ns "$NS" >/dev/null 2>&1 || true
	if [ "$side" = kernel ]; then
		"$ROOT/scripts/lab.sh" up --ns "$NS" --kernel-only >/dev/null
		(exec ip netns exec "$NS-k" env --default-signal=INT taskset -c 1 "$@") \
			> "$WORK/$name.log" 2>&1 &
		PID=$!
	else
		"$ROOT/scripts/lab.sh" up --ns "$NS" --pmd "$PMD" >/dev/null
		[ "$PMD" = af_packet ] && vdev=net_af_packet0,iface=sp0d
		[ "$PMD" = af_xdp ] && vdev=net_af_xdp0,iface=sp0d,start_queue=0,queue_count=1
		awk '/^\[/ { skip = ($0 ~ /^\[service\./) } !skip' config/default.conf > "$cfg"
		sp_mem_eal 1024 "$NS" "$PFX" "-l 1" "$cfg" || exit 1
		# shellcheck disable=SC2086
		(exec ip netns exec "$NS" env --default-signal=INT "$RUN" -l 1 $SP_MEM_EAL --no-pci \
			--file-prefix "$PFX" -- --config "$cfg" --set "port0.vdev=$vdev" \
			--set "stack.idle=$IDLE" -- "$@") > "$WORK/$name.log" 2>&1 &
		PID=$!
		"$ROOT/scripts/lab.sh" attach --ns "$NS" --pid "$PID" >/dev/null ||
			{ cat "$WORK/$name.log" >&2; exit 1; }
	fi
	set_rps "$NS" sp0 1 # the kernel client's receive work on CPU 0
	if [ "$side" = kernel ]; then
		set_rps "$NS-k" sp0k 2 # the kernel server's on CPU 1
	elif [ "$PMD" != tap ]; then
		set_rps "$NS" sp0d 2 # af_packet's kernel receive (the copy into the ring) on CPU 1
	fi
	for ((i = 0; i < 300; i++)); do
		kill -0 "$PID" 2>/dev/null || break
		ip netns exec "$NS" timeout 2 bash -c "exec 3<>/dev/tcp/$IP/$port" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "bench_preload: $name did not start on $side:" >&2
	cat "$WORK/$name.log" >&2
	exit 1
}
stop_server() {
	sp_stop_pid "$PID" INT 15 || true
	wait "$PID" 2>/dev/null || true
	PID=
}
cpu_ticks() { local s; read -r _ _ s _ <<< "$(cpu_stat)"; echo "$s"; } # CPU 1's busy ticks
# idle_us SIDE: microseconds the spindle server's waits spent polling without finding anything
# (docs/preload.md "CPU per request"); 0 on the kernel or without an answer
idle_us() {
	local v=
	[ "$1" = spindle ] && v=$(/usr/bin/python3 "$ROOT/tests/integration/tcp_tools.py" telemetry \
		"$PFX" /spindle/preload 2>/dev/null | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)["/spindle/preload"]
print("%.0f" % (d["idle_cycles"] * 1e6 / d["tsc_hz"]))' 2>/dev/null) || true
	echo "${v:-0}"
}
client() { ip netns exec "$NS" taskset -c 0 timeout $((SECS * 3 + 120)) "$@"; }

declare -A R
record() { R[$1]="${R[$1]:-} $2"; }
med() { echo "${R[$1]:-}" | tr ' ' '\n' | grep -v '^$' | sort -g |
	awk '{ a[NR] = $1 } END { if (NR == 0) print "n/a"; else print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {
	if (a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/ || b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
# measure SIDE KEY UNITS CMD...: run CMD (a client), its figure from stdout's last line; the
# server's CPU microseconds per UNITS (a number, or "-" to read it from the output's 2nd field)
measure() {
	local side=$1 key=$2 units=$3 t0 t1 i0 i1 out fig n cpu all
	shift 3
	i0=$(idle_us "$side")
	t0=$(cpu_ticks)
	out=$("$@" | tail -1) || true
	t1=$(cpu_ticks)
	i1=$(idle_us "$side")
	read -r fig n <<< "$out"
	[ "$units" = - ] && units=$n
	record "${side}_${key}" "$fig"
	all=$(awk -v d=$((t1 - t0)) -v hz="$HZ" -v u="${units:-0}" \
		'BEGIN { if (u > 0) printf "%.2f", d / hz * 1e6 / u }')
	cpu=$(awk -v d=$((t1 - t0)) -v hz="$HZ" -v u="${units:-0}" -v i=$((i1 - i0)) \
		'BEGIN { w = d / hz * 1e6 - i; if (w < 0) w = 0; if (u > 0) printf "%.2f", w / u }')
	[ -n "$cpu" ] && record "${side}_${key}_cpu" "$cpu"
	[ -n "$all" ] && record "${side}_${key}_cpuall" "$all"
	echo "  $side $key: ${fig:-failed}, server CPU ${cpu:-n/a} us per unit" \
		"(${all:-n/a} with idle polling)"
}

redis_bench() { # P N -> "rps requests"
	client redis-benchmark -h "$IP" -t get,set -c 50 -P "$1" -n "$2" --csv |
		awk -F'"' -v n="$2" '$2 == "SET" || $2 == "GET" { s += $4; k++ } END { if (k) printf "%.0f %d\n", s / k, n * k }'
}
wrk_bench() { # [ARGS] -> "rps requests"
	client wrk -t 1 -c 50 -d "${SECS}s" "$@" "http://$IP/" |
		awk '/requests in/ { n = $1 } /^Requests\/sec/ { r = $2 } END { printf "%.0f %d\n", r, n }'
}
iperf_bench() { # [-R] -> "Mbit/s MB"
	client iperf3 -c "$IP" -t "$SECS" -J "$@" | /usr/bin/python3 -c '
import json, sys
e = json.load(sys.stdin)["end"]["sum_received"]
print("%.0f %.0f" % (e["bits_per_second"] / 1e6, e["bytes"] / 1e6))'
}

SIDES=(kernel spindle)
[ "$KERNEL_ONLY" = 1 ] && SIDES=(kernel)
mkdir -p "$WORK/nginx/www" "$WORK/nginx/tmp"
head -c 612 /dev/zero | tr '\0' x > "$WORK/nginx/www/index.html"
NGINX_CONF=$WORK/nginx/nginx.conf
if [ "$NGINX_CACHE" = on ]; then
	sed 's/^\(\s*\)keepalive_timeout .*/&\n\1open_file_cache max=1000;/' \
		"$ROOT/tests/integration/preload/nginx.conf" > "$NGINX_CONF"
	grep -q open_file_cache "$NGINX_CONF" || { echo "bench_preload: cannot add open_file_cache" >&2; exit 1; }
else
	cp "$ROOT/tests/integration/preload/nginx.conf" "$NGINX_CONF"
fi
for run in $(seq "$RUNS"); do
	for side in "${SIDES[@]}"; do
		echo "bench_preload: run $run, $side ($PMD)"
		if runs redis; then
			server "$side" redis 6379 redis-server --bind "$IP" --save '' --appendonly no \
				--protected-mode no --daemonize no --dir "$WORK"
			measure "$side" redis_p1 - redis_bench 1 200000
			measure "$side" redis_p16 - redis_bench 16 2000000
			stop_server
		fi
		if runs nginx; then
			# one process (no master): the process measured is the one that serves
			server "$side" nginx 80 nginx -p "$WORK/nginx/" -g 'master_process off;' \
				-c "$NGINX_CONF"
			measure "$side" nginx_ka - wrk_bench
			measure "$side" nginx_close - wrk_bench -H 'Connection: close'
			stop_server
		fi
		if runs iperf3; then
			server "$side" iperf3 5201 iperf3 -s -B "$IP"
			measure "$side" iperf_up - iperf_bench
			measure "$side" iperf_down - iperf_bench -R
			stop_server
		fi
	done
done

TABLE=$(
	echo "| $PMD, medians of $RUNS | kernel | spindle | ratio | kernel CPU us | spindle CPU us | ratio | spindle CPU us with idle polling |"
	echo "|---|---|---|---|---|---|---|---|"
	for k in redis_p1:"redis GET/SET -c 50 -P 1, req/s" redis_p16:"redis GET/SET -c 50 -P 16, req/s" \
		nginx_ka:"nginx wrk keep-alive, req/s" nginx_close:"nginx wrk Connection: close, req/s" \
		iperf_up:"iperf3 to the server, Mbit/s (CPU per MB)" \
		iperf_down:"iperf3 -R from the server, Mbit/s (CPU per MB)"; do
		key=${k%%:*}
		prog=${key%%_*}
		[ "$prog" = iperf ] && prog=iperf3
		runs "$prog" || continue # left out by --only
		a=$(med "kernel_$key"); b=$(med "spindle_$key")
		ca=$(med "kernel_${key}_cpu"); cb=$(med "spindle_${key}_cpu")
		echo "| ${k#*:} | $a | $b | $(ratio "$b" "$a") | $ca | $cb | $(ratio "$cb" "$ca") | $(med "spindle_${key}_cpuall") |"
	done
)
echo
echo "Server CPU per request (per MB for iperf3); at $MHZ MHz one microsecond is $MHZ cycles."
echo "$TABLE"
if [ -n "$MARKDOWN" ]; then
	{
		echo
		echo "Run $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, kernel $(uname -r), suite preload (stack.idle=$IDLE, RPS $RPS, ${MHZ} MHz):"
		echo
		echo "$TABLE"
	} >> "$MARKDOWN"
fi

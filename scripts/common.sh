# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Shared by the scripts in scripts/ and by the integration tests (tests/integration/lib.sh
# sources it); it depends on nothing under tests/. Source it first:
#   . "$(dirname "$0")/common.sh"
#
#   sp_need_root WHY "$@"          re-run the calling script as root through sudo when this user
#                                  is not root (sudo may ask for a password only when there is a
#                                  terminal); otherwise exit 1 saying WHY root is needed. As root
#                                  it does nothing, so it works without sudo installed.
#   sp_stop_pid PID SIGNAL SECS    send SIGNAL, wait at most SECS for PID to end, else SIGKILL
#                                  it (and return 1); the caller reaps its child with wait.
#
# A spindle in a lab (scripts/lab.sh), after lab_init:
#   lab_init                       state of the functions below: SPINDLE_BIN (the program;
#                                  default build/app/spindle), LAB_NS (default spt-$$), a
#                                  temporary directory $SP_TMP (remove it at exit: lab_cleanup)
#   lab_up [tap|af_packet|af_xdp|memif] [--arp on|off] [--ports 1|2]   namespace $(lab_ns) (and
#                                  $(lab_ns_b)); memif: the namespace and the socket directory
#                                  of $(lab_memif_sock), no kernel peer (the peer: "peer ...")
#   lab_down                       stop spindle if it still runs, delete the namespaces, give
#                                  back the hugepages spindle_start reserved (SP_HUGE)
#   lab_cleanup                    lab_down and remove $SP_TMP (for an EXIT trap)
#   lab_exec CMD...                run CMD in the lab namespace; lab_exec_b: in the second one
#   spindle_start [CONFIG] [ARG...]  start spindle in the lab, wait (bounded) until it runs and
#                                  the kernel end is configured; CONFIG is a path or a name in
#                                  config/ (default: default.conf, or af_packet.conf on af_packet
#                                  and af_xdp); ARGs go after it (--set SECTION.KEY=VALUE,
#                                  --stats-interval N). On af_packet and af_xdp every port's vdev
#                                  is switched to the lab's veth (lab_vdev);
#                                  on memif port0's socket= to the lab's (memif-a.conf is the
#                                  default, memif-b.conf the peer's).
#   spindle_launch [CONFIG] [ARG...]  the same without waiting for "running on" (a memif server
#                                  waits for its peer's link); then spindle_wait_running
#   peer FUNCTION [ARG...]         run one of these functions on the second spindle of a memif
#                                  pair (its own pid, log, --file-prefix $(spindle_prefix)-b and
#                                  CPUs SP_LCORES_B, default 0@1,1@0: main lcore on CPU 1, the
#                                  worker on CPU 0), e.g. peer spindle_run_client 30 ARGS,
#                                  peer spindle_stop, peer sp_stat InSegs
#   spindle_stop [SIGNAL]          SIGNAL (default INT), bounded wait, exit status 0 and
#                                  "mbufs: all N returned" asserted (returns 1 otherwise); no-op
#                                  when nothing runs (spindle_mbufs_ok)
#   spindle_mbufs_ok [LOG]         the exit report in LOG (default: spindle's log) has "mbufs:
#                                  all N returned"; on af_xdp with exactly the 2048 mbufs per RX
#                                  queue net_af_xdp holds (docs/lab.md "AF_XDP on the lab veth")
#   lab_vdev P                     the vdev of spindle's port P on the lab's PMD (af_packet,
#                                  af_xdp: on the veth end spPd; empty for tap and memif)
#   spindle_run_client SECS [ARG...]  run spindle until it exits by itself (client services),
#                                  at most SECS seconds; returns its exit status (124: timeout)
#   spindle_wait_exit SECS         the second half of spindle_run_client (after spindle_launch)
#   spindle_alive                  spindle still runs
#   config_no_services CONFIG      path of a copy of CONFIG (path or name in config/) without its
#                                  [service.*] sections (for tests of the layers below TCP)
#   spindle_prefix / spindle_log / spindle_pid   EAL file prefix, log file, process id
#   tel CMD                        dpdk-telemetry.py reply (JSON) to CMD, e.g. /spindle/stats
#   sp_stat NAME [SELECTOR]        one counter of /spindle/stats[,SELECTOR] (portN, lcoreN)
#   tel_get CMD EXPR               a Python expression over r, the JSON reply to CMD, e.g.
#                                  tel_get /spindle/xstats 'r["/spindle/xstats"]["port0"]'
#
# Environment: SPINDLE_BIN, SP_LCORES (default 0,1; with an '@' it is an EAL --lcores map, e.g.
# 0@0,1@1,2@1 for two workers sharing CPU 1), SP_MEM (EAL -m, default 512), SP_IDLE (stack.idle,
# default sleep: keeps a core free), LAB_NS, SP_HUGE (1: spindle runs on 2 MB hugepages instead
# of --no-huge -m SP_MEM, reserved for the config by spindle_start under the tag $LAB_NS and
# given back by lab_down; see "Hugepages" below).

SP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB_SH=$SP_ROOT/scripts/lab.sh
PY=/usr/bin/python3 # Debian's python3 (scapy), not a pyenv one on PATH
# The calling script by absolute path, resolved before it changes directory.
SP_SELF=$(cd "$(dirname "$0")" 2>/dev/null && pwd)/$(basename "$0")

sp_need_root() {
	local why=$1
	shift
	[ "$(id -u)" != 0 ] || return 0
	if command -v sudo >/dev/null 2>&1 && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then
		exec sudo -- "$SP_SELF" "$@"
	fi
	echo "$(basename "$0"): needs root ($why): run it as root, or give this user sudo" \
		"(without a password when there is no terminal)" >&2
	exit 1
}

sp_stop_pid() {
	local pid=$1 sig=$2 i n=$(($3 * 10))
	[ -n "$pid" ] || return 0
	kill "-$sig" "$pid" 2>/dev/null || true
	for ((i = 0; i < n; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null || return 0
	kill -KILL "$pid" 2>/dev/null || true
	return 1
}

lab_init() {
	if [ -z "${SPINDLE_BIN:-}" ]; then
		for SPINDLE_BIN in "$PWD/app/spindle" "$SP_ROOT/build/app/spindle" ""; do
			[ -x "$SPINDLE_BIN" ] && [ -f "$SPINDLE_BIN" ] && break
		done
	fi
	[ -n "$SPINDLE_BIN" ] || {
		echo "lab_init: spindle program not found: set SPINDLE_BIN" >&2
		return 1
	}
	SPINDLE_BIN=$(readlink -f "$SPINDLE_BIN")
	LAB_NS=${LAB_NS:-spt-$$}
	LAB_PMD=tap
	LAB_ARP=off
	LAB_PORTS=1
	LAB_UP=0
	SP_PREFIX=spt-$$
	SP_PID=
	SP_TMP=$(mktemp -d /tmp/spt-$$.XXXXXX)
	chmod 755 "$SP_TMP"
	SP_LOG=$SP_TMP/spindle.log
	SP_PID_B=
}

lab_ns() { echo "$LAB_NS"; }
lab_ns_b() { echo "$LAB_NS-b"; }
lab_pmd() { echo "$LAB_PMD"; }
spindle_prefix() { echo "$SP_PREFIX"; }
spindle_log() { echo "$SP_LOG"; }
spindle_pid() { echo "$SP_PID"; }
lab_exec() { ip netns exec "$LAB_NS" "$@"; }
lab_exec_b() { ip netns exec "$LAB_NS-b" "$@"; }
lab_memif_sock() { echo "/run/spindle-lab/$LAB_NS.memif/memif.sock"; }
# memif_wait_socket SOCKET PID [SECONDS] [LOG]: wait (bounded, default 10 s) until the memif
# server PID has created SOCKET and, with LOG (its output), has started its port ("ports
# started" in LOG). A memif client that connects before that is refused ("ID not found": the
# server's port is still disabled) and never retries, so its link never comes up: start the
# client only after this returns 0.
memif_wait_socket() {
	local sock=$1 pid=$2 log=${4:-} i
	for ((i = 0; i < ${3:-10} * 10; i++)); do
		[ -S "$sock" ] && { [ -z "$log" ] || grep -q 'ports started' "$log"; } && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# peer FUNCTION [ARG...]: FUNCTION with the second spindle's state swapped in.
peer() {
	local pid=$SP_PID prefix=$SP_PREFIX log=$SP_LOG lcores=${SP_LCORES-} rc=0
	SP_PID=$SP_PID_B
	SP_PREFIX=$prefix-b
	SP_LOG=$SP_TMP/spindle-b.log
	SP_LCORES=${SP_LCORES_B:-0@1,1@0}
	SP_PEER=1
	"$@" || rc=$?
	SP_PID_B=$SP_PID
	SP_PID=$pid
	SP_PREFIX=$prefix
	SP_LOG=$log
	SP_LCORES=$lcores
	SP_PEER=
	return $rc
}

lab_up() {
	if [ $# -gt 0 ] && [[ "$1" != -* ]]; then
		LAB_PMD=$1
		shift
	fi
	[ "$LAB_PMD" = shim ] && LAB_PMD=tap
	while [ $# -gt 0 ]; do
		case "$1" in
		--arp) LAB_ARP=$2; shift 2 ;;
		--ports) LAB_PORTS=$2; shift 2 ;;
		*) echo "lab_up: unknown argument $1" >&2; return 1 ;;
		esac
	done
	[ "$LAB_UP" = 0 ] || lab_down
	"$LAB_SH" up --ns "$LAB_NS" --pmd "$LAB_PMD" --arp "$LAB_ARP" --ports "$LAB_PORTS" ||
		return 1
	LAB_UP=1
}

lab_down() {
	if [ -n "${SP_PID_B:-}" ]; then
		sp_stop_pid "$SP_PID_B" INT 20 || true
		wait "$SP_PID_B" 2>/dev/null || true
		SP_PID_B=
	fi
	if [ -n "${SP_PID:-}" ]; then
		sp_stop_pid "$SP_PID" INT 20 || true
		wait "$SP_PID" 2>/dev/null || true
		SP_PID=
	fi
	if [ "${LAB_UP:-0}" = 1 ]; then
		"$LAB_SH" down --ns "$LAB_NS" >/dev/null
		LAB_UP=0
	fi
	sp_huge_release "$LAB_NS"
	return 0
}

lab_cleanup() {
	lab_down
	[ -z "${SP_TMP:-}" ] || rm -rf "$SP_TMP"
}

# _sp_launch [CONFIG] [ARG...]: spindle in the background in the lab namespace.
_sp_launch() {
	local cfg= p vdevs=()
	if [ -n "$SP_PID" ]; then
		echo "spindle_start: spindle already runs (pid $SP_PID)" >&2
		return 1
	fi
	[ "$LAB_UP" = 1 ] || { echo "spindle_start: lab_up first" >&2; return 1; }
	if [ $# -gt 0 ] && [[ "$1" != -* ]]; then
		cfg=$1
		shift
		[ -f "$cfg" ] || cfg=$SP_ROOT/config/$cfg
	elif [ "$LAB_PMD" = af_packet ] || [ "$LAB_PMD" = af_xdp ]; then
		cfg=$SP_ROOT/config/af_packet.conf
	elif [ "$LAB_PMD" = memif ] && [ -n "${SP_PEER:-}" ]; then
		cfg=$SP_ROOT/config/memif-b.conf
	elif [ "$LAB_PMD" = memif ]; then
		cfg=$SP_ROOT/config/memif-a.conf
	else
		cfg=$SP_ROOT/config/default.conf
	fi
	[ -f "$cfg" ] || { echo "spindle_start: no config $cfg" >&2; return 1; }
	if [ "$LAB_PMD" = af_packet ] || [ "$LAB_PMD" = af_xdp ]; then
		for p in 0 1; do
			grep -q "^\[port$p\]" "$cfg" && vdevs+=(--set "port$p.vdev=$(lab_vdev "$p")")
		done
	elif [ "$LAB_PMD" = memif ]; then
		p=$(memif_vdev "$cfg" "$(lab_memif_sock)") || return 1
		vdevs+=(--set "port0.vdev=$p")
	fi
	: > "$SP_LOG"
	echo "== spindle $(basename "$cfg") ${vdevs[*]} $* (pmd $LAB_PMD, namespace $LAB_NS)"
	local lc=(-l "${SP_LCORES:-0,1}")
	[[ "${SP_LCORES:-}" == *@* ]] && lc=(--lcores "$SP_LCORES")
	sp_mem_eal "${SP_MEM:-512}" "$LAB_NS" "$SP_PREFIX" "${lc[*]}" "$cfg" "${vdevs[@]}" "$@" ||
		return 1
	# shellcheck disable=SC2086 # "--no-huge -m N" or "--huge-dir DIR"
	ip netns exec "$LAB_NS" "$SPINDLE_BIN" "${lc[@]}" $SP_MEM_EAL --no-pci \
		--file-prefix="$SP_PREFIX" -- --config "$cfg" \
		--set "stack.idle=${SP_IDLE:-sleep}" "${vdevs[@]}" "$@" > "$SP_LOG" 2>&1 &
	SP_PID=$!
	"$LAB_SH" attach --ns "$LAB_NS" --pid "$SP_PID" --timeout 30 >/dev/null || {
		echo "spindle_start: the lab could not attach to spindle's ports; spindle's log:" >&2
		cat "$SP_LOG" >&2
		return 1
	}
}

# lab_vdev P: spindle's end of the lab's veth pair P for the lab's PMD. net_af_xdp: one queue
# (the veth has one; start_queue 0), in the copy mode the veth's native XDP gives.
lab_vdev() {
	case "$LAB_PMD" in
	af_packet) echo "net_af_packet$1,iface=sp$1d" ;;
	af_xdp) echo "net_af_xdp$1,iface=sp$1d,start_queue=0,queue_count=1" ;;
	esac
}

# memif_vdev CONFIG SOCKET: CONFIG's port0 vdev (a net_memif one) with its socket= set to SOCKET.
memif_vdev() {
	local v
	v=$(awk '/^\[/ { in0 = ($0 ~ /^\[port0\]/) }
		in0 && /^[ \t]*vdev[ \t]*=/ { sub(/^[^=]*=[ \t]*/, ""); sub(/[ \t]*;.*/, ""); print; exit }' "$1")
	[[ "$v" == net_memif* ]] || { echo "memif_vdev: $1 has no net_memif vdev in [port0]" >&2; return 1; }
	echo "$(echo "$v" | sed 's#,socket=[^,]*##'),socket=$2"
}

spindle_launch() { _sp_launch "$@"; }

spindle_start() {
	_sp_launch "$@" || return 1
	spindle_wait_running
}

spindle_wait_running() {
	local i
	for ((i = 0; i < 300; i++)); do
		if grep -q "running on" "$SP_LOG"; then
			sleep 0.2 # a service that cannot start stops spindle right away
			kill -0 "$SP_PID" 2>/dev/null && return 0
			break
		fi
		kill -0 "$SP_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "spindle_start: spindle did not start; its log:" >&2
	cat "$SP_LOG" >&2
	kill -KILL "$SP_PID" 2>/dev/null || true
	wait "$SP_PID" 2>/dev/null || true
	SP_PID=
	return 1
}

config_no_services() {
	local cfg=$1 out
	[ -f "$cfg" ] || cfg=$SP_ROOT/config/$cfg
	out=$SP_TMP/$(basename "$cfg" .conf)-noservices.conf
	awk '/^\[/ { skip = ($0 ~ /^\[service\./) } !skip' "$cfg" > "$out"
	echo "$out"
}

spindle_alive() {
	[ -n "$SP_PID" ] && kill -0 "$SP_PID" 2>/dev/null
}

spindle_stop() {
	local sig=${1:-INT} rc=0
	[ -n "$SP_PID" ] || return 0
	if ! sp_stop_pid "$SP_PID" "$sig" 30; then
		echo "spindle_stop: spindle did not exit within 30 s of SIG$sig; killed" >&2
		wait "$SP_PID" 2>/dev/null || true
		SP_PID=
		return 1
	fi
	wait "$SP_PID" || rc=$?
	SP_PID=
	sed -n '/^---- spindle counters at exit/,$p' "$SP_LOG"
	if [ "$rc" != 0 ]; then
		echo "spindle_stop: spindle exited with status $rc; its log:" >&2
		cat "$SP_LOG" >&2
		return 1
	fi
	if ! spindle_mbufs_ok; then
		echo "spindle_stop: no \"mbufs: all N returned\" line at exit: $(grep '^mbufs' "$SP_LOG")" >&2
		return 1
	fi
	return 0
}

# spindle_mbufs_ok [LOG]: spindle's exit report (default: its log) says every mbuf came back.
# net_af_xdp of DPDK 22.11 keeps its fill ring's 2048 mbufs per RX queue (lib/core/port.c):
# on af_xdp the line must name exactly those, one queue per port.
spindle_mbufs_ok() {
	local re='^mbufs: all [0-9]+ returned$'
	[ "$LAB_PMD" != af_xdp ] ||
		re='^mbufs: all [0-9]+ returned \((2048 held by the PMD: 2048 by net_af_xdp on port0|4096 held by the PMD: 2048 by net_af_xdp on port0, 2048 by net_af_xdp on port1); '
	grep -Eaq "$re" "${1:-$SP_LOG}"
}

spindle_run_client() {
	local secs=$1
	shift
	_sp_launch "$@" || return 1
	spindle_wait_exit "$secs"
}

spindle_wait_exit() {
	local secs=$1 rc=0 i
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$SP_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SP_PID" 2>/dev/null; then
		echo "spindle_run_client: still running after $secs s; stopping it" >&2
		sp_stop_pid "$SP_PID" INT 20 || true
		wait "$SP_PID" 2>/dev/null || true
		SP_PID=
		return 124
	fi
	wait "$SP_PID" || rc=$?
	SP_PID=
	return $rc
}

tel() {
	echo "$1" | timeout 10 dpdk-telemetry.py -f "$SP_PREFIX" 2>/dev/null
}

# sp_stat NAME [SELECTOR]: a counter from /spindle/stats (empty output when it is not there).
sp_stat() {
	local cmd=/spindle/stats
	[ -n "${2:-}" ] && cmd="$cmd,$2"
	tel "$cmd" | "$PY" -c '
import json, sys
try:
    v = json.load(sys.stdin)["/spindle/stats"][sys.argv[1]]
except Exception:
    v = ""
print(v)' "$1"
}

tel_get() {
	tel "$1" | "$PY" -c '
import json, sys
try:
    r = json.load(sys.stdin)
    print(eval(sys.argv[1]))
except Exception as e:
    print("")' "$2"
}

# ---- Hugepages (docs/lab.md "Hugepages"): 2 MB pages reserved for a run and given back ----
# Every reservation belongs to a TAG (a lab namespace, "run-spindle", ...) whose state is a file,
# $SP_HUGE_RUN/TAG.state, so that a subshell can reserve and the EXIT trap of the script give
# back, and a later clean-up can find what an aborted run left. nr_hugepages is only raised by
# what a tag adds and lowered by the same amount (under a lock), so runs that overlap give back
# exactly their own pages.
#
#   sp_huge_pages CONFIG "EAL ARGS" [SPINDLE ARG...]   the 2 MB pages a spindle with CONFIG (and
#                                  the --set overrides among its ARGs) and the lcores of EAL ARGS
#                                  (-l / --lcores) needs (the formula: docs/lab.md "Hugepages")
#   sp_huge_eal TAG PREFIX "EAL ARGS" CONFIG [SPINDLE ARG...]   make sure TAG holds the pages
#                                  of that spindle with --file-prefix PREFIX (each prefix counts
#                                  once, at its largest need; prefixes of TAG add up) and print
#                                  the EAL options that use them: --huge-dir DIR. On first use
#                                  mounts hugetlbfs (pagesize=2M) on $SP_HUGE_RUN/TAG when none
#                                  is mounted. Returns 1 with a message when the kernel gives
#                                  fewer pages than asked (nothing more is then held).
#   sp_huge_reserve TAG PAGES      the same with a page count (sp_huge_eal calls it)
#   sp_huge_release TAG            give back everything TAG holds: the hugepage files of its
#                                  prefixes (or unmount what it mounted), then nr_hugepages lowered
#                                  by what it raised. No-op without a reservation; for EXIT traps,
#                                  after the DPDK processes have exited.
#   sp_huge_dir TAG                the hugetlbfs directory of TAG's pages (after a reservation)
#   sp_mem_eal MB TAG PREFIX "EAL ARGS" CONFIG [SPINDLE ARG...]   set SP_MEM_EAL to the EAL
#                                  memory options of a DPDK process: "--no-huge -m MB", or with
#                                  SP_HUGE=1 those of sp_huge_eal (returns 1 when it fails). Call
#                                  it in the script's own shell, not in $(...).
SP_HUGE_SYS=/sys/kernel/mm/hugepages/hugepages-2048kB
SP_HUGE_RUN=/run/spindle-huge

sp_huge_pages() {
	"$PY" - "$@" <<'PY'
import configparser, glob, math, re, shlex, sys

path, eal, args = sys.argv[1], shlex.split(sys.argv[2]), sys.argv[3:]
ini = configparser.ConfigParser(strict=False, interpolation=None, comment_prefixes=(";",),
                                inline_comment_prefixes=(";",))
ini.read(path)
keys = {(s, k): v for s in ini.sections() for k, v in ini.items(s)}
for i, a in enumerate(args):
    kv = args[i + 1] if a == "--set" and i + 1 < len(args) else a[6:] if a.startswith("--set=") else None
    if kv and "." in kv and "=" in kv:
        sk, v = kv.split("=", 1)
        s, k = sk.split(".", 1)
        keys[(s, k)] = v

def num(s, k, dflt):
    try:
        return int(keys.get((s, k), dflt))
    except ValueError:
        return dflt

def ids(spec):  # lcore ids of -l or --lcores: "0,1", "0-3", "0@1,1@0", "(0,1)@2"
    spec = re.sub(r"@(\([^)]*\)|\d+)", "", spec).replace("(", "").replace(")", "")
    n = 0
    for part in filter(None, spec.split(",")):
        a, _, b = part.partition("-")
        n += int(b) - int(a) + 1 if b else 1
    return n

lcores = 0
for i, a in enumerate(eal):
    if a in ("-l", "--lcores") and i + 1 < len(eal):
        lcores = ids(eal[i + 1])
    elif a.startswith("--lcores="):
        lcores = ids(a[9:])
    elif a.startswith("-l") and len(a) > 2:
        lcores = ids(a[2:])
if lcores == 0:  # EAL's default: every CPU
    lcores = len(glob.glob("/sys/devices/system/cpu/cpu[0-9]*"))
workers = max(1, lcores - 1)
ports = sorted({s for s, _ in keys if re.fullmatch(r"port\d+", s)})
mtu = max([1500] + [num(p, "mtu", 1500) for p in ports])
MB = 1 << 20
# The packet pool, one per NUMA socket of the workers: struct rte_mbuf (128 B), the mempool's
# object header and cache-line rounding (~128 B), then the data room (2176 B, or a frame of the
# largest MTU: Ethernet header, two VLAN tags, CRC, after the 128 B headroom).
room = max(2176, 128 + mtu + 14 + 8 + 4)
need = num("stack", "mbufs", 16383) * (room + 256)
# A port's own RX pool of big buffers (rx_buf_size above 2048).
for p in ports:
    size = num(p, "rx_buf_size", 0)
    if size > 2048:
        need += num(p, "rx_mbufs", 2047) * (size + 384)
# Per worker: every connection (struct sp_conn 768 B + its hash entry), every TIME-WAIT slot
# (80 B + an extendable hash entry), the context and small tables.
need += workers * (num("tcp", "max_connections", 16384) * 1024 +
                   num("tcp", "max_timewait", 65536) * 256 + 2 * MB)
# EAL's own memzones (pdump statistics 4 MB, ethdev data), the route table (rte_lpm: 64 MB
# tbl24) and a dpdk-dumpcap's capture pool (4096 mbufs, ~12 MB): 96 MB.
need += 96 * MB
# nr_hugepages spreads the pages evenly over the NUMA nodes.
nodes = max(1, len(glob.glob("/sys/devices/system/node/node[0-9]*")))
print(math.ceil(need * 1.25 / (2 * MB)) * nodes)
PY
}

sp_huge_dir() {
	sed -n 's/^dir //p' "$SP_HUGE_RUN/$1.state" 2>/dev/null
}

# _sp_huge_mounted: the first hugetlbfs mount of 2 MB pages, if any.
_sp_huge_mounted() {
	local dflt
	dflt=$(awk '/^Hugepagesize:/ { print $2 }' /proc/meminfo)
	awk -v d="$dflt" '$3 == "hugetlbfs" && ($4 ~ /pagesize=2M/ || ($4 !~ /pagesize=/ && d == 2048)) {
		print $2; exit }' /proc/mounts
}

sp_huge_reserve() {
	local tag=$1 pages=$2
	[ -f "$SP_HUGE_SYS/nr_hugepages" ] || {
		echo "hugepages: this kernel offers no 2 MB pages ($SP_HUGE_SYS is missing)" >&2
		return 1
	}
	mkdir -p "$SP_HUGE_RUN"
	(
		flock -w 30 9 || { echo "hugepages: $SP_HUGE_RUN/.lock is held" >&2; exit 1; }
		state=$SP_HUGE_RUN/$tag.state
		fresh=0
		if [ ! -f "$state" ]; then
			fresh=1
			dir=$(_sp_huge_mounted)
			mounted=0
			if [ -z "$dir" ]; then
				dir=$SP_HUGE_RUN/$tag
				mkdir -p "$dir"
				mount -t hugetlbfs -o pagesize=2M nodev "$dir" || {
					rmdir "$dir"
					echo "hugepages: cannot mount hugetlbfs on $dir" >&2
					exit 1
				}
				mounted=1
			fi
			printf 'dir %s\nmounted %s\nadded 0\n' "$dir" "$mounted" > "$state"
		fi
		cur=$(cat "$SP_HUGE_SYS/nr_hugepages")
		want=$((cur + pages))
		echo "$want" 2>/dev/null > "$SP_HUGE_SYS/nr_hugepages"
		got=$(cat "$SP_HUGE_SYS/nr_hugepages")
		if [ "$got" -lt "$want" ]; then
			echo "$cur" 2>/dev/null > "$SP_HUGE_SYS/nr_hugepages"
			echo "hugepages: asked the kernel for $pages more 2 MB pages ($((pages * 2)) MB," \
				"nr_hugepages $cur -> $want), it gave $((got - cur)): not enough free" \
				"contiguous memory (MemFree: $(awk '/^MemFree:/ { print $2 / 1024 }' \
				/proc/meminfo) MB) or a read-only $SP_HUGE_SYS. Nothing is kept reserved." \
				"Free memory and retry, or run without hugepages." >&2
			if [ "$fresh" = 1 ]; then
				[ "$mounted" = 0 ] || { umount "$dir"; rmdir "$dir"; }
				rm -f "$state"
			fi
			exit 1
		fi
		sed -i "s/^added .*/added $(($(sed -n 's/^added //p' "$state") + pages))/" "$state"
	) 9> "$SP_HUGE_RUN/.lock"
}

sp_huge_eal() {
	local tag=$1 prefix=$2 eal=$3 cfg=$4 need had state
	shift 4
	need=$(sp_huge_pages "$cfg" "$eal" "$@") || return 1
	state=$SP_HUGE_RUN/$tag.state
	had=$(sed -n "s/^prefix $prefix //p" "$state" 2>/dev/null)
	if [ "$need" -gt "${had:-0}" ]; then
		sp_huge_reserve "$tag" $((need - ${had:-0})) || return 1
		sed -i "/^prefix $prefix /d" "$state"
		echo "prefix $prefix $need" >> "$state"
		echo "hugepages: $need pages of 2 MB ($((need * 2)) MB) reserved for $prefix" \
			"(hugetlbfs $(sp_huge_dir "$tag"))" >&2
	fi
	echo "--huge-dir $(sp_huge_dir "$tag")"
}

sp_mem_eal() {
	local mb=$1
	shift
	SP_MEM_EAL="--no-huge -m $mb"
	[ "${SP_HUGE:-0}" != 0 ] || return 0
	SP_MEM_EAL=$(sp_huge_eal "$@")
}

sp_huge_release() {
	local state=$SP_HUGE_RUN/$1.state
	[ -f "$state" ] || return 0
	(
		flock -w 30 9 || true
		[ -f "$state" ] || exit 0
		dir=$(sed -n 's/^dir //p' "$state")
		added=$(sed -n 's/^added //p' "$state")
		if [ "$(sed -n 's/^mounted //p' "$state")" = 1 ]; then
			# lazily when still busy: the pages go when the last user has exited
			umount "$dir" 2>/dev/null || umount -l "$dir" ||
				echo "hugepages: cannot unmount $dir" >&2
			rmdir "$dir" 2>/dev/null
		else
			for p in $(sed -n 's/^prefix \([^ ]*\) .*/\1/p' "$state"); do
				rm -f "$dir/${p}map_"*
			done
		fi
		cur=$(cat "$SP_HUGE_SYS/nr_hugepages")
		new=$((cur > added ? cur - added : 0))
		echo "$new" > "$SP_HUGE_SYS/nr_hugepages"
		rm -f "$state"
		surp=$(cat "$SP_HUGE_SYS/surplus_hugepages")
		[ "$surp" = 0 ] || echo "hugepages: $surp pages of 2 MB are still in use; the kernel" \
			"frees them when their user exits" >&2
		exit 0
	) 9> "$SP_HUGE_RUN/.lock"
}

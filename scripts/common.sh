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
#   lab_up [tap|af_packet|memif] [--arp on|off] [--ports 1|2]   namespace $(lab_ns) (and
#                                  $(lab_ns_b)); memif: the namespace and the socket directory
#                                  of $(lab_memif_sock), no kernel peer (the peer: "peer ...")
#   lab_down                       stop spindle if it still runs, delete the namespaces
#   lab_cleanup                    lab_down and remove $SP_TMP (for an EXIT trap)
#   lab_exec CMD...                run CMD in the lab namespace; lab_exec_b: in the second one
#   spindle_start [CONFIG] [ARG...]  start spindle in the lab, wait (bounded) until it runs and
#                                  the kernel end is configured; CONFIG is a path or a name in
#                                  config/ (default: default.conf, or af_packet.conf on af_packet);
#                                  ARGs go after it (--set SECTION.KEY=VALUE, --stats-interval N).
#                                  On af_packet every port's vdev is switched to the lab's veth;
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
#                                  when nothing runs
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
# default sleep: keeps a core free), LAB_NS.

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
	elif [ "$LAB_PMD" = af_packet ]; then
		cfg=$SP_ROOT/config/af_packet.conf
	elif [ "$LAB_PMD" = memif ] && [ -n "${SP_PEER:-}" ]; then
		cfg=$SP_ROOT/config/memif-b.conf
	elif [ "$LAB_PMD" = memif ]; then
		cfg=$SP_ROOT/config/memif-a.conf
	else
		cfg=$SP_ROOT/config/default.conf
	fi
	[ -f "$cfg" ] || { echo "spindle_start: no config $cfg" >&2; return 1; }
	if [ "$LAB_PMD" = af_packet ]; then
		for p in 0 1; do
			grep -q "^\[port$p\]" "$cfg" &&
				vdevs+=(--set "port$p.vdev=net_af_packet$p,iface=sp${p}d")
		done
	elif [ "$LAB_PMD" = memif ]; then
		p=$(memif_vdev "$cfg" "$(lab_memif_sock)") || return 1
		vdevs+=(--set "port0.vdev=$p")
	fi
	: > "$SP_LOG"
	echo "== spindle $(basename "$cfg") ${vdevs[*]} $* (pmd $LAB_PMD, namespace $LAB_NS)"
	local lc=(-l "${SP_LCORES:-0,1}")
	[[ "${SP_LCORES:-}" == *@* ]] && lc=(--lcores "$SP_LCORES")
	ip netns exec "$LAB_NS" "$SPINDLE_BIN" "${lc[@]}" --no-huge --no-pci \
		-m "${SP_MEM:-512}" --file-prefix="$SP_PREFIX" -- --config "$cfg" \
		--set "stack.idle=${SP_IDLE:-sleep}" "${vdevs[@]}" "$@" > "$SP_LOG" 2>&1 &
	SP_PID=$!
	"$LAB_SH" attach --ns "$LAB_NS" --pid "$SP_PID" --timeout 30 >/dev/null || {
		echo "spindle_start: the lab could not attach to spindle's ports; spindle's log:" >&2
		cat "$SP_LOG" >&2
		return 1
	}
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
	if ! grep -Eq '^mbufs: all [0-9]+ returned$' "$SP_LOG"; then
		echo "spindle_stop: no \"mbufs: all N returned\" line at exit: $(grep '^mbufs' "$SP_LOG")" >&2
		return 1
	fi
	return 0
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

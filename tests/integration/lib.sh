# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Shared helpers of the integration tests: a lab (scripts/lab.sh) and a spindle inside it.
# Source it from a test:   . "$(dirname "$0")/lib.sh"
#
#   lab_up [tap|af_packet] [--arp on|off] [--ports 1|2]   namespace $(lab_ns) (and $(lab_ns_b))
#   lab_down                      stop spindle if it still runs, delete the namespaces
#   lab_exec CMD...               run CMD in the lab namespace; lab_exec_b: in the second one
#   spindle_start [CONFIG] [ARG...]  start spindle in the lab, wait (bounded) until it runs and
#                                 the kernel end is configured; CONFIG is a path or a name in
#                                 config/ (default: default.conf, or af_packet.conf on af_packet);
#                                 ARGs go after it (--set SECTION.KEY=VALUE, --stats-interval N).
#                                 On af_packet every port's vdev is switched to the lab's veth.
#   spindle_stop                  SIGINT, bounded wait, exit status 0 and "mbufs: all N returned"
#                                 asserted (returns 1 otherwise); no-op when nothing runs
#   spindle_run_client SECS [ARG...]  run spindle until it exits by itself (client services),
#                                 at most SECS seconds; returns its exit status (124: timeout)
#   spindle_alive                 spindle still runs
#   config_no_services CONFIG     path of a copy of CONFIG (path or name in config/) without its
#                                 [service.*] sections (for tests of the layers below TCP)
#   spindle_prefix / spindle_log / spindle_pid   EAL file prefix, log file, process id
#   tel CMD                       dpdk-telemetry.py reply (JSON) to CMD, e.g. /spindle/stats
#   sp_stat NAME [SELECTOR]       one counter of /spindle/stats[,SELECTOR] (portN, lcoreN)
#   t_ok MSG / t_fail MSG / t_expect_eq WHAT GOT WANT / t_finish    results; t_finish exits
#                                 non-zero when any check failed
#
# Environment: SPINDLE_BIN (the program; meson sets it), SP_LCORES (default 0,1; with an '@' it
# is an EAL --lcores map, e.g. 0@0,1@1,2@1 for two workers sharing CPU 1), SP_MEM
# (EAL -m, default 512), SP_IDLE (stack.idle, default sleep: keeps a core free), LAB_NS.
# lib.sh installs an EXIT trap that stops spindle and removes the lab; a test that sets its own
# trap must call lab_down from it.

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SP_ROOT=$(cd "$LIB_DIR/../.." && pwd)
LAB_SH=$SP_ROOT/scripts/lab.sh
PY=/usr/bin/python3 # Debian's python3 (scapy), not a pyenv one on PATH

if [ -z "${SPINDLE_BIN:-}" ]; then
	for SPINDLE_BIN in "$PWD/app/spindle" "$SP_ROOT/build/app/spindle" ""; do
		[ -x "$SPINDLE_BIN" ] && [ -f "$SPINDLE_BIN" ] && break
	done
fi
[ -n "$SPINDLE_BIN" ] || {
	echo "lib.sh: spindle program not found: set SPINDLE_BIN" >&2
	exit 1
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
T_FAILS=0
T_OKS=0

lab_ns() { echo "$LAB_NS"; }
lab_ns_b() { echo "$LAB_NS-b"; }
lab_pmd() { echo "$LAB_PMD"; }
spindle_prefix() { echo "$SP_PREFIX"; }
spindle_log() { echo "$SP_LOG"; }
spindle_pid() { echo "$SP_PID"; }
lab_exec() { ip netns exec "$LAB_NS" "$@"; }
lab_exec_b() { ip netns exec "$LAB_NS-b" "$@"; }

t_ok() {
	T_OKS=$((T_OKS + 1))
	echo "ok: $*"
}
t_fail() {
	T_FAILS=$((T_FAILS + 1))
	echo "FAIL: $*"
}
t_expect_eq() { # WHAT GOT WANT
	if [ "$2" = "$3" ]; then t_ok "$1 = $3"; else t_fail "$1 = $2, want $3"; fi
}
t_finish() {
	echo "$T_OKS ok, $T_FAILS failed"
	[ "$T_FAILS" = 0 ] && exit 0
	exit 1
}

lab_up() {
	local a=()
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
	if [ -n "$SP_PID" ]; then
		kill -INT "$SP_PID" 2>/dev/null || true
		_sp_wait_exit 20 || kill -KILL "$SP_PID" 2>/dev/null || true
		wait "$SP_PID" 2>/dev/null || true
		SP_PID=
	fi
	if [ "$LAB_UP" = 1 ]; then
		"$LAB_SH" down --ns "$LAB_NS" >/dev/null
		LAB_UP=0
	fi
	return 0
}

# Everything at exit: spindle, the lab, temporary files.
_lab_cleanup() {
	local rc=$?
	set +e
	lab_down
	rm -rf "$SP_TMP"
	return $rc
}
trap _lab_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Wait (bounded, seconds) until spindle has exited; 0 when it has.
_sp_wait_exit() {
	local i n=$(($1 * 10))
	for ((i = 0; i < n; i++)); do
		kill -0 "$SP_PID" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
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
	else
		cfg=$SP_ROOT/config/default.conf
	fi
	[ -f "$cfg" ] || { echo "spindle_start: no config $cfg" >&2; return 1; }
	if [ "$LAB_PMD" = af_packet ]; then
		for p in 0 1; do
			grep -q "^\[port$p\]" "$cfg" &&
				vdevs+=(--set "port$p.vdev=net_af_packet$p,iface=sp${p}d")
		done
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

spindle_start() {
	local i
	_sp_launch "$@" || return 1
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
	local rc=0
	[ -n "$SP_PID" ] || return 0
	kill -INT "$SP_PID" 2>/dev/null || true
	if ! _sp_wait_exit 30; then
		echo "spindle_stop: spindle did not exit within 30 s of SIGINT; killed" >&2
		kill -KILL "$SP_PID" 2>/dev/null || true
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
	local secs=$1 rc=0
	shift
	_sp_launch "$@" || return 1
	if ! _sp_wait_exit "$secs"; then
		echo "spindle_run_client: still running after $secs s; stopping it" >&2
		kill -INT "$SP_PID" 2>/dev/null || true
		_sp_wait_exit 20 || kill -KILL "$SP_PID" 2>/dev/null || true
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

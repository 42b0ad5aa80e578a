#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Set up (if needed), build, bring the lab up and run spindle in the foreground inside it.
#
#   scripts/run.sh [--pmd tap|af_packet|af_xdp|memif] [--config FILE] [--arp on|off] [--eal "EAL ARGS"]
#                  [--peer "SPINDLE ARGS"] [--peer-config FILE] [--peer-eal "EAL ARGS"]
#                  [--build-dir DIR] [--no-setup] [--hugepages] [-- SPINDLE ARGS...]
#
#   --pmd       tap (default) or af_packet (config/af_packet.conf unless --config is given; with
#               another config, every port's vdev is switched to the lab's veth end), af_xdp (the
#               same veth and config, net_af_xdp on it: docs/lab.md "AF_XDP"), or memif:
#               two spindles joined by net_memif, no kernel (config/memif-a.conf, the server with
#               the services, in the foreground; the peer config/memif-b.conf, the client, its
#               lines prefixed "[peer]"; main lcore + one worker each, the workers on CPU 1 and
#               CPU 0; EAL file prefixes spindle and spindle-b). When the peer exits by itself
#               (e.g. its loadgen is done), spindle is stopped too and the exit status is the
#               peer's when it failed.
#   --peer      memif: arguments for the peer after its --config, e.g.
#               --peer "--set service.lg.type=loadgen --set service.lg.address=198.18.0.2
#               --set service.lg.port=7"
#   --peer-config / --peer-eal   memif: the peer's config and EAL arguments (default
#               "--lcores 0@1,1@0 --no-huge --no-pci -m 512")
#   --config    spindle's configuration (default config/default.conf); a config with [port1]
#               gets the two-port lab (namespaces spindle and spindle-b)
#   --arp       the lab's kernel side: off adds a static neighbour for spindle (default: on
#               when the config says arp = on, else off)
#   --eal       EAL arguments instead of "-l 0,1 --no-huge --no-pci -m 512" (with --hugepages:
#               "-l 0,1 --no-pci"; with --preload "-l LAST", LAST the machine's last CPU)
#   --build-dir meson build directory (default build)
#   --hugepages on 2 MB hugepages instead of --no-huge -m 512 (needed by dpdk-dumpcap): reserves
#               the pages the config(s) need, mounts hugetlbfs when none is mounted, and gives
#               both back when the run ends, however it ends; stops with a message when the
#               kernel cannot give the pages (docs/lab.md "Hugepages")
#   after --     passed to spindle after its --config (e.g. --set stack.idle=sleep)
#
#   scripts/run.sh --preload [OPTIONS] -- PROGRAM [ARGS...]
#               runs PROGRAM (unmodified) on spindle instead: app/spindle-run with the build's
#               libspindle_preload.so (docs/preload.md), in the foreground in namespace spindle
#               at 198.18.0.2; the default config's services are left out (a --config of your
#               own keeps its [service.*]). PROGRAM gets stdin, Ctrl-C and SIGTERM; the lab
#               goes when PROGRAM exits, and the exit status is PROGRAM's. PROGRAM runs the
#               stack on its own thread, pinned to the last CPU unless --eal says otherwise.
#
# Ctrl-C or SIGTERM stops spindle cleanly (it prints its counters) and takes the lab down.
# The exit status is spindle's. Works without a terminal (stdin closed). SP_RUN_NS in the
# environment: another lab namespace and EAL file prefix than "spindle" (test_hugepages.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
sp_need_root "packages, network namespaces, DPDK" "$@"
cd "$ROOT"

NS=${SP_RUN_NS:-spindle}
PREFIX=$NS
PMD=
CONFIG=
ARP=
LCORES="-l 0,1"
EAL=
PEER_EAL="--lcores 0@1,1@0 --no-huge --no-pci -m 512"
PEER_ARGS=
PEER_CONFIG=config/memif-b.conf
BUILD=build
SETUP=1
APP_ARGS=()
PRELOAD=0
HUGE=0
EAL_SET=
ARGS=("$@")

while [ $# -gt 0 ]; do
	case "$1" in
	--pmd) PMD=$2; shift 2 ;;
	--config) CONFIG=$2; shift 2 ;;
	--arp) ARP=$2; shift 2 ;;
	--eal) EAL=$2; EAL_SET=1; shift 2 ;;
	--peer) PEER_ARGS=$2; shift 2 ;;
	--peer-config) PEER_CONFIG=$2; shift 2 ;;
	--peer-eal) PEER_EAL=$2; shift 2 ;;
	--build-dir) BUILD=$2; shift 2 ;;
	--no-setup) SETUP=0; shift ;;
	--preload) PRELOAD=1; shift ;;
	--hugepages) HUGE=1; shift ;;
	--) shift; APP_ARGS=("$@"); break ;;
	-h|--help) sed -n '4,47p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
# --preload: the program is the stack's thread, and EAL pins it to the first lcore of -l. By
# default that is the last CPU, so that the lab's kernel clients, unpinned, keep the others
# (on CPU 0 it shared a CPU with them).
[ "$PRELOAD" = 0 ] || LCORES="-l $(($(nproc) - 1))"
[ -n "$EAL_SET" ] || EAL="$LCORES --no-huge --no-pci -m 512"

if [ -z "$CONFIG" ]; then
	case "${PMD:-tap}" in
	af_packet | af_xdp) CONFIG=config/af_packet.conf ;;
	memif) CONFIG=config/memif-a.conf ;;
	*) CONFIG=config/default.conf ;;
	esac
fi
[ -f "$CONFIG" ] || { echo "run.sh: no config file $CONFIG" >&2; exit 2; }
CONFIG=$(readlink -f "$CONFIG")
if [ -z "$PMD" ]; then
	if grep -q '^[[:space:]]*vdev[[:space:]]*=[[:space:]]*net_af_packet' "$CONFIG"; then PMD=af_packet
	elif grep -q '^[[:space:]]*vdev[[:space:]]*=[[:space:]]*net_af_xdp' "$CONFIG"; then PMD=af_xdp
	elif grep -q '^[[:space:]]*vdev[[:space:]]*=[[:space:]]*net_memif' "$CONFIG"; then PMD=memif
	else PMD=tap; fi
fi
case "$PMD" in tap|af_packet|af_xdp|memif) ;; *) echo "run.sh: --pmd must be tap, af_packet, af_xdp or memif" >&2; exit 2 ;; esac
if [ "$PMD" = memif ]; then
	[ -f "$PEER_CONFIG" ] || { echo "run.sh: no peer config file $PEER_CONFIG" >&2; exit 2; }
	PEER_CONFIG=$(readlink -f "$PEER_CONFIG")
fi
if [ -z "$ARP" ]; then
	if grep -q '^[[:space:]]*arp[[:space:]]*=[[:space:]]*on' "$CONFIG"; then ARP=on; else ARP=off; fi
fi
PORTS=1
grep -q '^\[port1\]' "$CONFIG" && PORTS=2

LOG=
PID=
PID_B=
trap 'echo "run.sh: interrupted" >&2; exit 130' INT
trap 'echo "run.sh: terminated" >&2; exit 143' TERM

[ "$SETUP" = 0 ] || "$ROOT/scripts/setup.sh"

if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" < /dev/null
fi
ninja -C "$BUILD" < /dev/null
BIN=$ROOT/$BUILD/app/spindle
[ -x "$BIN" ] || BIN=$(readlink -f "$BUILD")/app/spindle
[ -x "$BIN" ] || { echo "run.sh: $BUILD/app/spindle was not built" >&2; exit 1; }

# ---- --hugepages: this script again, as a child, with --eal/--peer-eal on pages reserved here
# (tag run-NS) and given back when the child ends, however it ends. Ctrl-C reaches the child
# through the process group; SIGTERM sent to this script is passed on.
run_huge() {
	local h i=0 args=() sargs=("${APP_ARGS[@]}") rc=0 pid
	HUGE_TAG=run-$NS
	[ -n "$EAL_SET" ] || EAL="$LCORES --no-pci"
	[ "$PEER_EAL" = "--lcores 0@1,1@0 --no-huge --no-pci -m 512" ] && PEER_EAL="--lcores 0@1,1@0 --no-pci"
	if [[ " $EAL $PEER_EAL " == *" --no-huge "* ]]; then
		echo "run.sh: --hugepages, but --eal or --peer-eal says --no-huge" >&2
		exit 2
	fi
	[ "$PRELOAD" = 0 ] || sargs=()
	trap 'sp_huge_release "$HUGE_TAG"' EXIT
	h=$(sp_huge_eal "$HUGE_TAG" "$PREFIX" "$EAL" "$CONFIG" "${sargs[@]}") || exit 1
	EAL="$EAL $h"
	if [ "$PMD" = memif ]; then
		# shellcheck disable=SC2086
		h=$(sp_huge_eal "$HUGE_TAG" "$PREFIX-b" "$PEER_EAL" "$PEER_CONFIG" $PEER_ARGS) || exit 1
		PEER_EAL="$PEER_EAL $h"
	fi
	while [ "$i" -lt ${#ARGS[@]} ] && [ "${ARGS[i]}" != -- ]; do
		[ "${ARGS[i]}" = --hugepages ] || args+=("${ARGS[i]}")
		i=$((i + 1))
	done
	args+=(--no-setup --eal "$EAL" --peer-eal "$PEER_EAL" "${ARGS[@]:i}")
	HUGE_SIG=0
	trap 'HUGE_SIG=1' INT
	trap 'HUGE_SIG=1; kill -TERM "$pid" 2>/dev/null' TERM
	exec 3<&0
	env --default-signal=INT "$0" "${args[@]}" <&3 &
	pid=$!
	wait "$pid" || rc=$?
	while [ "$HUGE_SIG" = 1 ]; do # a signal interrupted wait: the child's own status now
		HUGE_SIG=0
		rc=0
		wait "$pid" || rc=$?
	done
	sp_huge_release "$HUGE_TAG"
	trap - EXIT
	echo "run.sh: hugepages given back (nr_hugepages $(cat "$SP_HUGE_SYS/nr_hugepages"))"
	exit "$rc"
}
[ "$HUGE" = 0 ] || run_huge

# ---- --preload: PROGRAM on spindle through spindle-run (owner: preload) ----
# The lab as below, then PROGRAM in the foreground of this script: stdin and Ctrl-C reach it
# (SIGINT is not ignored as in other background jobs); SIGINT/SIGTERM sent to this script are
# passed on (after 1 s, when PROGRAM did not end by itself); the lab goes when PROGRAM exits.
run_preload() {
	local launcher=$ROOT/$BUILD/app/spindle-run/spindle-run cfg=$CONFIG vdev=net_tap0,iface=sp0
	local pid rc=0
	[ -x "$launcher" ] || launcher=$(readlink -f "$BUILD")/app/spindle-run/spindle-run
	[ ${#APP_ARGS[@]} -gt 0 ] || { echo "run.sh: --preload needs -- PROGRAM [ARGS]" >&2; exit 2; }
	[ "$PORTS" = 1 ] || { echo "run.sh: --preload takes a one-port config" >&2; exit 2; }
	LOG=$(mktemp -d /tmp/spindle-run.XXXXXX)
	case "$CONFIG" in "$ROOT"/config/default.conf|"$ROOT"/config/af_packet.conf)
		cfg=$LOG/$(basename "$CONFIG")
		awk '/^\[/ { skip = ($0 ~ /^\[service\./) } !skip' "$CONFIG" > "$cfg" ;;
	esac
	if [ "$PMD" = memif ]; then
		echo "run.sh: --preload runs PROGRAM against the lab's kernel peer, and the memif lab has" \
			"none (it is a spindle pair); use --pmd tap, af_packet or af_xdp" >&2
		exit 2
	fi
	[ "$PMD" = af_packet ] && vdev=net_af_packet0,iface=sp0d
	[ "$PMD" = af_xdp ] && vdev=net_af_xdp0,iface=sp0d,start_queue=0,queue_count=1
	"$ROOT/scripts/lab.sh" down --ns "$NS" >/dev/null
	trap 'rm -rf "$LOG"; "$ROOT/scripts/lab.sh" down --ns "$NS" >/dev/null' EXIT
	"$ROOT/scripts/lab.sh" up --ns "$NS" --pmd "$PMD" --arp "$ARP" --ports 1 >/dev/null
	exec 3<&0
	# shellcheck disable=SC2086
	(exec env --default-signal=INT,QUIT ip netns exec "$NS" "$launcher" $EAL --vdev "$vdev" \
		--file-prefix "$PREFIX" -- --config "$cfg" --set "port0.vdev=$vdev" -- \
		"${APP_ARGS[@]}") <&3 &
	pid=$!
	PRELOAD_SIG=0
	# shellcheck disable=SC2317 # called from the traps below
	preload_signal() { # SIG
		PRELOAD_SIG=1
		local i
		for i in $(seq 10); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		sp_stop_pid "$pid" "$1" 30 || echo "run.sh: ${APP_ARGS[0]} did not stop; killed it" >&2
	}
	trap 'preload_signal INT' INT
	trap 'preload_signal TERM' TERM
	if "$ROOT/scripts/lab.sh" attach --ns "$NS" --pid "$pid" --timeout 30 >/dev/null; then
		echo "==== ${APP_ARGS[0]} runs on spindle in namespace \"$NS\" (pmd $PMD, 198.18.0.2;" \
			"kernel peer 198.18.0.1: ip netns exec $NS ...); Ctrl-C stops it" >&2
	else
		sp_stop_pid "$pid" TERM 10 || true
	fi
	wait "$pid" || rc=$?
	while [ "$PRELOAD_SIG" = 1 ]; do # a signal interrupted wait: PROGRAM's own status now
		PRELOAD_SIG=0
		rc=0
		wait "$pid" || rc=$?
	done
	trap - INT TERM EXIT
	"$ROOT/scripts/lab.sh" down --ns "$NS" >/dev/null
	rm -rf "$LOG"
	echo "run.sh: ${APP_ARGS[0]} exited with status $rc; lab $NS removed" >&2
	exit "$rc"
}
[ "$PRELOAD" = 0 ] || run_preload

VDEVS=()
if [ "$PMD" = af_packet ] || [ "$PMD" = af_xdp ]; then
	LAB_PMD=$PMD # lab_vdev (common.sh)
	for p in 0 1; do
		grep -q "^\[port$p\]" "$CONFIG" && VDEVS+=(--set "port$p.vdev=$(lab_vdev "$p")")
	done
fi

if [ -e "/var/run/netns/$NS" ]; then
	echo "run.sh: a lab \"$NS\" is already up (an earlier run?); taking it down first"
fi
"$ROOT/scripts/lab.sh" down --ns "$NS" >/dev/null
LOG=$(mktemp /tmp/spindle-run.XXXXXX)
trap 'rm -f "$LOG"; "$ROOT/scripts/lab.sh" down --ns "$NS" >/dev/null' EXIT
"$ROOT/scripts/lab.sh" up --ns "$NS" --pmd "$PMD" --arp "$ARP" --ports "$PORTS" >/dev/null

finish() {
	local rc=${1:-0}
	trap - INT TERM EXIT
	set +e
	if [ -n "$PID_B" ]; then
		sp_stop_pid "$PID_B" INT 30 || echo "run.sh: the peer did not stop; killed it" >&2
		wait "$PID_B" 2>/dev/null
	fi
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		sp_stop_pid "$PID" INT 30 || echo "run.sh: spindle did not stop; killed it" >&2
	fi
	if [ -n "$PID" ]; then
		wait "$PID" 2>/dev/null
		rc=$?
	fi
	sleep 0.2 # let tee print the exit report
	"$ROOT/scripts/lab.sh" down --ns "$NS" >/dev/null
	rm -f "$LOG"
	echo "run.sh: spindle exited with status $rc; lab $NS removed"
	exit "$rc"
}
trap 'finish 130' INT
trap 'finish 143' TERM
trap 'finish 1' EXIT

# tee ignores SIGINT: Ctrl-C reaches the whole process group, and spindle must still be able
# to print its exit report.
# shellcheck disable=SC2086
ip netns exec "$NS" "$BIN" $EAL --file-prefix="$PREFIX" -- --config "$CONFIG" \
	"${VDEVS[@]}" "${APP_ARGS[@]}" > >(trap '' INT TERM; exec tee "$LOG") 2>&1 < /dev/null &
PID=$!

if [ "$PMD" = memif ]; then
	# The peer (memif client) connects to spindle's socket once spindle has created it and
	# started its port (a client refused before that never retries); each waits for the link.
	memif_wait_socket "/run/spindle-lab/$NS.memif/memif.sock" "$PID" 30 "$LOG" ||
		{ echo "run.sh: spindle created no memif socket" >&2; finish 1; }
	# shellcheck disable=SC2086
	ip netns exec "$NS" "$BIN" $PEER_EAL --file-prefix="$PREFIX-b" -- --config "$PEER_CONFIG" \
		$PEER_ARGS > >(trap '' INT TERM; exec sed -u 's/^/[peer] /') 2>&1 < /dev/null &
	PID_B=$!
fi
"$ROOT/scripts/lab.sh" attach --ns "$NS" --pid "$PID" --timeout 30 >/dev/null || finish 1
for i in $(seq 300); do
	grep -q "running on" "$LOG" && break
	kill -0 "$PID" 2>/dev/null || finish 1
	sleep 0.1
done

if [ "$PMD" = memif ]; then
	cat <<EOF

==== spindle ($(basename "$CONFIG"), 198.18.0.2) and its peer ($(basename "$PEER_CONFIG"), 198.18.0.1)
     run over net_memif in network namespace "$NS" (socket /run/spindle-lab/$NS.memif/memif.sock)
  dpdk-telemetry.py -f $PREFIX      dpdk-telemetry.py -f $PREFIX-b     (/spindle/stats, /spindle/xstats)
  a loadgen on the peer: scripts/run.sh --pmd memif --peer "--set service.lg.type=loadgen
     --set service.lg.address=198.18.0.2 --set service.lg.port=7 --set service.lg.connections=64"
  Ctrl-C (or kill -TERM $$) stops both and removes the lab.

EOF
	rc=0
	wait -n "$PID" "$PID_B" || rc=$?
	if ! kill -0 "$PID_B" 2>/dev/null; then
		echo "run.sh: the peer exited with status $rc; stopping spindle"
		wait "$PID_B" 2>/dev/null || true
		PID_B=
		peer_rc=$rc
		sp_stop_pid "$PID" INT 30 || true
		rc=0
		wait "$PID" || rc=$?
		PID=
		[ "$peer_rc" = 0 ] || rc=$peer_rc
	fi
	PID= # reaped by wait -n (spindle exited first) or above
	finish "$rc"
fi
cat <<EOF

==== spindle runs in network namespace "$NS" (pmd $PMD, config $(basename "$CONFIG"), lab ARP $ARP)
  spindle 198.18.0.2, kernel peer 198.18.0.1 (interface sp0 in namespace $NS)
  ip netns exec $NS ping 198.18.0.2
  ip netns exec $NS curl http://198.18.0.2/
  ip netns exec $NS nc 198.18.0.2 7
  dpdk-telemetry.py -f $PREFIX          (then /spindle/stats, /spindle/neigh, /spindle/routes)
EOF
if [ "$PORTS" = 2 ]; then
	cat <<EOF
  port 1: spindle 198.18.1.2, kernel peer 198.18.1.1 (interface sp1 in namespace $NS-b)
  ip netns exec $NS-b ping 198.18.1.2      ip netns exec $NS ping 198.18.1.2
  ip netns exec $NS-b ping 198.18.0.1      (through spindle with config/forwarding.conf)
EOF
fi
echo "  Ctrl-C (or kill -TERM $$) stops spindle and removes the lab."
echo

rc=0
wait "$PID" || rc=$?
# spindle stopped by itself (a client service finished, or an error)
PID_DONE=$PID
PID=
trap - EXIT
finish_rc=$rc
sleep 0.2
"$ROOT/scripts/lab.sh" down --ns "$NS" >/dev/null
rm -f "$LOG"
echo "run.sh: spindle exited with status $finish_rc; lab $NS removed (pid $PID_DONE)"
exit "$finish_rc"

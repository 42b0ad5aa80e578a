#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Soak: spindle under steady mixed traffic with 1% loss for a long while, watching that nothing
# grows (docs/lab.md "Soak").
#
#   scripts/soak.sh [--minutes 10] [--warmup 2] [--pmd tap|af_packet] [--conns 1000]
#                   [--drop 0.01] [--interval-ms 100] [--seed 1]
#
# A lab (scripts/lab.sh, namespace spt-PID), spindle with config/default.conf (af_packet.conf
# on af_packet) and port0.impair_drop=DROP (each direction), and scripts/soak_clients.py in the
# namespace: CONNS kernel connections of echo, HTTP keep-alive and bulk traffic (upload to
# discard, /bytes downloads, chargen) with every byte checked and connections churning, one line
# of spindle's memory (mbuf pool in use, TCP mbufs, connections, TIME-WAIT, VmRSS, DPDK heaps),
# requests, checked bytes and errors each minute. Passes (exit 0) when there was no error, none
# of the gauges grew by more than 1% (or a small absolute slack) from the last warm-up minute
# to the last minute, spindle's TCP is empty after the traffic, discard counted every byte
# uploaded, and spindle exits 0 with "mbufs: all N returned".
# Environment: SPINDLE_BIN, SP_LCORES, SP_MEM, SP_IDLE (scripts/common.sh).
set -euo pipefail
. "$(dirname "$0")/common.sh"
sp_need_root "network namespaces and DPDK" "$@"

MINUTES=10 WARMUP=2 PMD=tap CONNS=1000 DROP=0.01 INTERVAL=100 SEED=1
usage() {
	sed -n '/^#   scripts\/soak.sh/,/^#  *\[--drop/p' "$0" | sed 's/^# *//' >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case "$1" in
	--minutes) MINUTES=$2; shift 2 ;;
	--warmup) WARMUP=$2; shift 2 ;;
	--pmd) PMD=$2; shift 2 ;;
	--conns) CONNS=$2; shift 2 ;;
	--drop) DROP=$2; shift 2 ;;
	--interval-ms) INTERVAL=$2; shift 2 ;;
	--seed) SEED=$2; shift 2 ;;
	-h | --help) usage ;;
	tap | af_packet) PMD=$1; shift ;; # as meson passes it
	*) echo "soak.sh: unknown argument $1" >&2; usage ;;
	esac
done
[[ "$MINUTES" =~ ^[0-9]+$ && "$WARMUP" =~ ^[0-9]+$ && "$WARMUP" -ge 1 &&
	"$MINUTES" -gt "$WARMUP" ]] || { echo "soak.sh: need 1 <= --warmup < --minutes" >&2; exit 2; }

lab_init
trap 'lab_cleanup' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# The kernel client closes first on echo and upload connections and keeps those TIME-WAITs:
# about 40 a second for a minute, well inside the default port range.
lab_up "$PMD"
spindle_start --set "port0.impair_drop=$DROP" --set "port0.impair_seed=$SEED"
echo "== soak: $MINUTES min, $CONNS connections, drop $DROP, pmd $PMD"
rc=0
lab_exec timeout $((MINUTES * 60 + 300)) "$PY" "$SP_ROOT/scripts/soak_clients.py" \
	--prefix "$(spindle_prefix)" --pid "$(spindle_pid)" --minutes "$MINUTES" \
	--warmup "$WARMUP" --conns "$CONNS" --interval-ms "$INTERVAL" --seed "$SEED" \
	| tee "$SP_TMP/clients.out" || rc=1
uploaded=$(sed -n 's/^soak: uploaded \([0-9]*\) bytes$/\1/p' "$SP_TMP/clients.out")
spindle_alive || { echo "FAIL: spindle died"; rc=1; }
spindle_stop || { echo "FAIL: spindle's exit (status, mbufs returned)"; rc=1; }
discarded=$(grep -ao 'discard: lcore [0-9]*: [0-9]* connections, [0-9]* bytes' "$(spindle_log)" |
	awk '{ s += $(NF - 1) } END { printf "%.0f\n", s }')
if [ -n "$uploaded" ] && [ "$discarded" = "$uploaded" ]; then
	echo "ok: discard counted the $uploaded bytes uploaded"
else
	echo "FAIL: discard counted $discarded bytes, the clients uploaded ${uploaded:-?}"
	rc=1
fi
if [ "$rc" = 0 ]; then echo "PASS soak ($PMD, $MINUTES min)"; else echo "FAIL soak ($PMD)"; fi
exit $rc

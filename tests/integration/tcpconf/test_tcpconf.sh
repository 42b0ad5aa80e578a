#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP conformance suite (README.md): scapy-crafted segments from the kernel peer's
# namespace against spindle's TCP and its built-in services, each check citing its RFC.
#
#   test_tcpconf.sh [tap|af_packet] [run.py options, e.g. --only NAME --verbose]
#   test_tcpconf.sh kernel [run.py options]   the same suite against the Linux kernel with
#                                             stand-in services (self-check of the framework)
#
# spindle: SPINDLE_BIN (meson sets it), the lab of lib.sh (scripts/lab.sh). After the suite:
# spindle still answers ping and exits on SIGINT with every mbuf returned.
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
MODE=${1:-tap}
[ $# -gt 0 ] && shift

# spindle's settings for the suite: short retransmission give-up, a 200 ms delayed ACK (so an
# immediate ACK is told apart from a delayed one), short TIME-WAIT.
SP_SETS=(--set tcp.max_retries=3 --set tcp.rto_max_ms=2000 --set tcp.delayed_ack_ms=200
	--set tcp.time_wait_ms=5000)

if [ "$MODE" = kernel ]; then
	# scripts/lab.sh up --kernel-only: this namespace is the peer, $NS-k the kernel in
	# spindle's place (198.18.0.2); lab.sh down ends kservices.py with the namespaces.
	LAB=$DIR/../../../scripts/lab.sh
	NS=sp-conf-$$
	NSK=$NS-k
	trap '"$LAB" down --ns "$NS" >/dev/null 2>&1' EXIT
	"$LAB" up --kernel-only --ns "$NS" >/dev/null || exit 1
	# the kernel's nearest equivalents of the suite's spindle settings
	ip netns exec "$NSK" sysctl -qw net.ipv4.tcp_retries2=3 net.ipv4.tcp_fin_timeout=5
	ip netns exec "$NSK" "$PY" "$DIR/kservices.py" 198.18.0.2 &
	sleep 0.5
	ip netns exec "$NS" timeout 300 "$PY" "$DIR/run.py" --mode kernel "$@"
	exit $?
fi

export SPINDLE_BIN=${SPINDLE_BIN:-$DIR/../../../build/app/spindle}
# shellcheck source=../lib.sh
. "$DIR/../lib.sh"

lab_up "$MODE" || exit 1
spindle_start "${SP_SETS[@]}" || exit 1

rc=0
lab_exec timeout 300 "$PY" "$DIR/run.py" --mode spindle --prefix "$(spindle_prefix)" "$@" || rc=1

# The stack survived everything: it answers ping, then exits with no mbuf leaked.
if spindle_alive && lab_exec ping -c 3 -i 0.2 -W 1 198.18.0.2 >/dev/null; then
	t_ok "spindle answers ping after the suite"
else
	t_fail "spindle does not answer ping after the suite (alive: $(spindle_alive && echo yes || echo no))"
	rc=1
fi
if spindle_stop; then
	t_ok "spindle exited with every mbuf returned"
else
	t_fail "spindle exit / mbuf check"
	rc=1
fi
exit $rc

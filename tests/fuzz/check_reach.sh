#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The stateful seeds must keep reaching deep TCP state: run the target once over the seed corpus
# (no fuzzing) with SPINDLE_FUZZ_STATS and require each state/counter below to be reached by at
# least one input. Fails when a harness or stack change leaves the fuzzer stuck at the handshake.
set -euo pipefail
target=$(readlink -f "$1") seeds=$(readlink -f "$2")
work=$(mktemp -d /tmp/spindle-fuzz-reach.XXXXXX)
trap 'rm -rf "$work"' EXIT
SPINDLE_FUZZ_STATS="$work/stats" ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"$target" -runs=0 "$seeds" > "$work/log" 2>&1 || { cat "$work/log"; exit 1; }
rc=0
for want in "state ESTABLISHED" "state SYN-SENT" "state FIN-WAIT-1" "state FIN-WAIT-2" \
	"state CLOSING" "state CLOSE-WAIT" "state LAST-ACK" "counter TCPTimeWaitEntered" \
	"counter TCPSackRecovery" "counter TCPOFOQueue" "counter TCPWinProbe" \
	"counter TCPChallengeACK" "counter EstabResets" "counter TCPTimeouts" \
	"counter TCPRenoRecovery" "counter TCPRcvCollapsed" "counter icmp_pmtu_lowered"; do
	n=$(awk -v w="$want" '$1 " " $2 == w { print $3 }' "$work/stats")
	if [ "${n:-0}" -gt 0 ]; then
		echo "ok: $want reached by $n inputs"
	else
		echo "FAIL: no seed reaches $want"
		rc=1
	fi
done
exit $rc

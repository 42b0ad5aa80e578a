#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Two ports (issue 2), kernel peers in two namespaces: A (sp0, 198.18.0.1) and B (sp1,
# 198.18.1.1), each routing the other subnet via spindle.
#  - config/two-ports.conf: a ping to either of spindle's addresses through either port is
#    answered; with forwarding off A cannot reach B through spindle (ip_not_for_us counted).
#  - config/forwarding.conf: A and B ping each other through spindle (ip_forwarded counted, TTL
#    decremented once), and ping -t 1 gets "Time to live exceeded" from spindle.
# Every mbuf back at exit.   Usage: test_two_ports.sh tap|af_packet
set -euo pipefail
. "$(dirname "$0")/lib.sh"
PMD=${1:-tap}

ping_ok() { # WHAT EXEC ADDRESS
	local out
	out=$($2 timeout 20 ping -c 3 -i 0.2 -W 2 "$3" 2>&1 || true)
	if grep -q "3 packets transmitted, 3 received" <<< "$out"; then
		t_ok "$1"
	else
		t_fail "$1: $(grep -E 'transmitted' <<< "$out")"
	fi
	LAST_PING=$out
}

lab_up "$PMD" --ports 2
echo "== two-ports.conf (forwarding off)"
spindle_start "$(config_no_services two-ports.conf)"
ping_ok "A -> 198.18.0.2 (port0's address, via port0)" lab_exec 198.18.0.2
ping_ok "A -> 198.18.1.2 (port1's address, via port0)" lab_exec 198.18.1.2
ping_ok "B -> 198.18.1.2 (port1's address, via port1)" lab_exec_b 198.18.1.2
ping_ok "B -> 198.18.0.2 (port0's address, via port1)" lab_exec_b 198.18.0.2
t_expect_eq "icmp_in_echos,port0" "$(sp_stat icmp_in_echos port0)" 6
t_expect_eq "icmp_in_echos,port1" "$(sp_stat icmp_in_echos port1)" 6
out=$(lab_exec timeout 20 ping -c 3 -i 0.2 -W 1 198.18.1.1 2>&1 || true)
grep -q "3 packets transmitted, 0 received" <<< "$out" && t_ok "A -> B not forwarded" ||
	t_fail "A -> B with forwarding off: $(grep transmitted <<< "$out")"
n=$(sp_stat ip_not_for_us)
[ "${n:-0}" -ge 3 ] && t_ok "ip_not_for_us = $n" || t_fail "ip_not_for_us = $n, want >= 3"
spindle_stop && t_ok "clean exit, every mbuf returned" || t_fail "spindle_stop (two-ports)"

echo "== forwarding.conf"
spindle_start "$(config_no_services forwarding.conf)"
ping_ok "A -> B (198.18.1.1) through spindle" lab_exec 198.18.1.1
grep -q "ttl=63" <<< "$LAST_PING" && t_ok "TTL decremented once (ttl=63)" ||
	t_fail "TTL of the replies: $(grep -o 'ttl=[0-9]*' <<< "$LAST_PING" | head -1)"
ping_ok "B -> A (198.18.0.1) through spindle" lab_exec_b 198.18.0.1
out=$(lab_exec timeout 20 ping -c 2 -i 0.3 -W 1 -t 1 198.18.1.1 2>&1 || true)
grep -q "From 198.18.0.2 icmp_seq=1 Time to live exceeded" <<< "$out" &&
	t_ok "ping -t 1: Time to live exceeded from 198.18.0.2" ||
	t_fail "ping -t 1: $(head -3 <<< "$out" | tr '\n' ' ')"
n=$(sp_stat ip_forwarded)
[ "${n:-0}" -ge 12 ] && t_ok "ip_forwarded = $n" || t_fail "ip_forwarded = $n, want >= 12"
n=$(sp_stat ip_ttl_exceeded)
t_expect_eq "ip_ttl_exceeded" "$n" 2
spindle_stop && t_ok "clean exit, every mbuf returned" || t_fail "spindle_stop (forwarding)"
t_finish

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ARP against the kernel (issue 2), in a lab whose kernel has NO static neighbour for spindle:
#  - ARP on (config/arp.conf): arping gets spindle's MAC, ping resolves it and is answered, the
#    kernel's neighbour entry holds spindle's MAC, arping for an address spindle does not own is
#    not answered; counters match.
#  - ARP off (config/default.conf): arping gets no answer, ping fails (no way to spindle's MAC),
#    and every ARP frame is counted as eth_arp_off.
# Every mbuf back at exit.   Usage: test_arp.sh tap|af_packet
set -euo pipefail
. "$(dirname "$0")/lib.sh"
PMD=${1:-tap}
SP=198.18.0.2
SP_MAC=02:00:00:00:00:02

arping_replies() { # ADDRESS -> number of replies to 3 requests
	lab_exec timeout 20 arping -c 3 -w 3000000 -I sp0 "$1" 2>/dev/null | grep -c "bytes from" || true
}

echo "== ARP on"
lab_up "$PMD" --arp on
spindle_start "$(config_no_services arp.conf)"
out=$(lab_exec timeout 20 arping -c 3 -I sp0 "$SP" 2>&1 || true)
n=$(grep -ci "bytes from $SP_MAC ($SP)" <<< "$out" || true)
t_expect_eq "arping $SP: replies from $SP_MAC" "$n" 3
out=$(lab_exec timeout 20 ping -c 3 -i 0.2 -W 2 "$SP" 2>&1 || true)
grep -q "3 packets transmitted, 3 received" <<< "$out" && t_ok "ping with ARP resolution: 3/3" ||
	t_fail "ping with ARP resolution: $(grep transmitted <<< "$out")"
nb=$(lab_exec ip neigh show "$SP" dev sp0)
[[ "$nb" == *"lladdr $SP_MAC"* ]] && t_ok "kernel neighbour: $nb" || t_fail "kernel neighbour: '$nb'"
t_expect_eq "arping 198.18.0.9 (not spindle's): replies" "$(arping_replies 198.18.0.9)" 0
n=$(sp_stat arp_rx_requests)
[ "${n:-0}" -ge 6 ] && t_ok "arp_rx_requests = $n" || t_fail "arp_rx_requests = $n, want >= 6"
n=$(sp_stat arp_tx_replies)
[ "${n:-0}" -ge 3 ] && t_ok "arp_tx_replies = $n" || t_fail "arp_tx_replies = $n, want >= 3"
n=$(sp_stat arp_not_for_us)
[ "${n:-0}" -ge 3 ] && t_ok "arp_not_for_us = $n" || t_fail "arp_not_for_us = $n, want >= 3"
t_expect_eq "eth_arp_off" "$(sp_stat eth_arp_off)" 0
spindle_stop && t_ok "clean exit, every mbuf returned" || t_fail "spindle_stop (ARP on)"
lab_down

echo "== ARP off, kernel without a static neighbour"
lab_up "$PMD" --arp on
spindle_start "$(config_no_services default.conf)"
t_expect_eq "arping $SP with ARP off: replies" "$(arping_replies "$SP")" 0
out=$(lab_exec timeout 20 ping -c 3 -i 0.2 -W 1 "$SP" 2>&1 || true)
grep -q "3 packets transmitted, 0 received" <<< "$out" && t_ok "ping without ARP: unreachable" ||
	t_fail "ping without ARP: $(grep transmitted <<< "$out")"
n=$(sp_stat eth_arp_off)
[ "${n:-0}" -ge 3 ] && t_ok "eth_arp_off = $n" || t_fail "eth_arp_off = $n, want >= 3"
t_expect_eq "arp_tx_replies" "$(sp_stat arp_tx_replies)" 0
t_expect_eq "icmp_in_echos" "$(sp_stat icmp_in_echos)" 0
spindle_stop && t_ok "clean exit, every mbuf returned" || t_fail "spindle_stop (ARP off)"
t_finish

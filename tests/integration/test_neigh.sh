#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Ethernet/ARP/neighbours against the kernel (docs/l2.md): with ARP on, the kernel
# resolves spindle (replies), spindle resolves the kernel (its own request, the queued echo reply
# flushed), requests for other addresses are ignored; with ARP off (the default) spindle answers
# no ARP at all, uses the static neighbour, and learns a new peer's MAC from its IPv4 frames.
# Runs in a lab of its own (lib.sh, scripts/lab.sh, net_tap). Usage: test_neigh.sh path/to/spindle
set -u
export SPINDLE_BIN=${1:?usage: test_neigh.sh path/to/spindle}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
SP_MEM=256

# The shipped configs without their TCP services (this test is about layer 2).
ARP_CONF=$(config_no_services arp.conf)
OFF_CONF=$(config_no_services default.conf)

neigh() { # spindle's neighbour table, one row per line
	tel /spindle/neigh | "$PY" -c \
		"import json,sys; print('\n'.join(json.load(sys.stdin)['/spindle/neigh']))"
}

# start ARP CONF: a fresh lab with --arp ARP, spindle inside it, attached.
start() {
	lab_up tap --arp "$1" || { t_fail "lab up"; return 1; }
	spindle_start "$2" || { t_fail "spindle did not start"; return 1; }
}

# stop: SIGTERM, exit status 0 and every mbuf returned; the lab goes.
stop() {
	spindle_stop TERM && t_ok "exit status 0, every mbuf returned" || t_fail "spindle exit / mbufs"
	lab_down
}

# ---- 1. ARP on: the kernel resolves spindle ----
if start on "$ARP_CONF"; then
	lab_exec ping -c 3 -i 0.2 -W 1 198.18.0.2 >/dev/null && t_ok "ARP on: kernel pings spindle" ||
		t_fail "ARP on: ping failed"
	lab_exec ip neigh show 198.18.0.2 | grep -q "lladdr 02:00:00:00:00:02" &&
		t_ok "ARP on: kernel resolved 198.18.0.2 to 02:00:00:00:00:02" ||
		t_fail "ARP on: kernel neighbour: $(lab_exec ip neigh show 198.18.0.2)"
	neigh | grep -q "^198.18.0.1 dev port0 lladdr 02:00:00:00:00:01 REACHABLE$" &&
		t_ok "ARP on: the kernel's request created spindle's entry" ||
		t_fail "ARP on: /spindle/neigh: $(neigh)"
	n=$(sp_stat arp_tx_replies)
	[ "$n" -ge 1 ] && t_ok "ARP on: arp_tx_replies = $n" || t_fail "ARP on: arp_tx_replies = $n"
	lab_exec arping -c 2 -w 3 -I sp0 198.18.0.2 >/dev/null && t_ok "ARP on: arping 198.18.0.2 answered" ||
		t_fail "ARP on: arping 198.18.0.2 not answered"
	if lab_exec arping -c 2 -w 2 -I sp0 198.18.0.3 >/dev/null; then
		t_fail "ARP on: a request for 198.18.0.3 was answered"
	else
		t_ok "ARP on: a request for another address is not answered"
	fi
	n=$(sp_stat arp_not_for_us)
	[ "$n" -ge 2 ] && t_ok "ARP on: arp_not_for_us = $n" || t_fail "ARP on: arp_not_for_us = $n"
	stop
fi

# ---- 2. ARP on: spindle resolves the kernel (the kernel knows spindle statically) ----
if start on "$ARP_CONF"; then
	lab_exec ip neigh replace 198.18.0.2 lladdr 02:00:00:00:00:02 dev sp0 nud permanent
	lab_exec ping -c 3 -i 0.2 -W 1 198.18.0.2 >/dev/null &&
		t_ok "ARP on: echo replies sent after spindle's own resolution" ||
		t_fail "ARP on: ping failed (spindle did not resolve 198.18.0.1)"
	r="$(sp_stat arp_tx_requests) $(sp_stat arp_rx_replies) $(sp_stat arp_unsolicited)"
	[ "$r" = "1 1 0" ] && t_ok "ARP on: one request, one reply (arp_tx_requests arp_rx_replies arp_unsolicited = $r)" ||
		t_fail "ARP on: arp_tx_requests arp_rx_replies arp_unsolicited = $r, want 1 1 0"
	neigh | grep -q "^198.18.0.1 dev port0 lladdr 02:00:00:00:00:01 REACHABLE$" &&
		t_ok "ARP on: 198.18.0.1 REACHABLE" || t_fail "ARP on: /spindle/neigh: $(neigh)"
	stop
fi

# ---- 3. ARP off (default): no ARP, static neighbour, learning ----
if start off "$OFF_CONF"; then
	lab_exec ping -c 3 -i 0.2 -W 1 198.18.0.2 >/dev/null && t_ok "ARP off: ping with the static neighbour" ||
		t_fail "ARP off: ping failed"
	if lab_exec arping -c 2 -w 2 -I sp0 198.18.0.2 >/dev/null; then
		t_fail "ARP off: spindle answered ARP"
	else
		t_ok "ARP off: spindle answers no ARP"
	fi
	r="$(sp_stat eth_arp_off) $(sp_stat arp_tx_replies) $(sp_stat arp_tx_requests)"
	[ "${r%% *}" -ge 2 ] && [ "${r#* }" = "0 0" ] &&
		t_ok "ARP off: eth_arp_off arp_tx_replies arp_tx_requests = $r" ||
		t_fail "ARP off: eth_arp_off arp_tx_replies arp_tx_requests = $r"
	# A second kernel address with no static neighbour: spindle learns its MAC from its pings.
	lab_exec ip addr add 198.18.0.9/24 dev sp0
	lab_exec ping -c 2 -i 0.2 -W 1 -I 198.18.0.9 198.18.0.2 >/dev/null &&
		t_ok "ARP off: ping from an unconfigured peer answered" || t_fail "ARP off: learned ping failed"
	neigh | grep -q "^198.18.0.9 dev port0 lladdr 02:00:00:00:00:01 LEARNED$" &&
		t_ok "ARP off: 198.18.0.9 LEARNED" || t_fail "ARP off: /spindle/neigh: $(neigh)"
	neigh | grep -q "^198.18.0.1 dev port0 lladdr 02:00:00:00:00:01 PERMANENT$" &&
		t_ok "ARP off: 198.18.0.1 PERMANENT" || t_fail "ARP off: /spindle/neigh: $(neigh)"
	n=$(sp_stat neigh_learned)
	[ "$n" = 1 ] && t_ok "ARP off: neigh_learned = 1" || t_fail "ARP off: neigh_learned = $n"
	stop
fi

t_finish

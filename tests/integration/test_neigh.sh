#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Ethernet/ARP/neighbours against the kernel (docs/l2.md): with ARP on, the kernel
# resolves spindle (replies), spindle resolves the kernel (its own request, the queued echo reply
# flushed), requests for other addresses are ignored; with ARP off (the default) spindle answers
# no ARP at all, uses the static neighbour, and learns a new peer's MAC from its IPv4 frames.
# Runs in lab namespaces of its own (scripts/lab.sh, net_tap). Usage: test_neigh.sh path/to/spindle
set -u
BIN=${1:?usage: test_neigh.sh path/to/spindle}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$HERE/../..
LAB=$ROOT/scripts/lab.sh
NS=sp-arp-$$
PFX=sp-arp-$$
TMP=$(mktemp -d /tmp/sp-arp.XXXXXX)
PID=
FAILS=0

cleanup() {
	if [ -n "$PID" ]; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	"$LAB" down --ns "$NS" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}
ok() { echo "ok: $*"; }
kns() { ip netns exec "$NS" "$@"; }

# The shipped configs without their TCP services (this test is about layer 2).
sed '/^\[service\./,$d' "$ROOT/config/arp.conf" > "$TMP/arp.conf"
sed '/^\[service\./,$d' "$ROOT/config/default.conf" > "$TMP/off.conf"

tel() { # tel COMMAND -> JSON reply
	echo "$1" | kns timeout 10 dpdk-telemetry.py -f "$PFX" 2>/dev/null
}
stat() { # stat NAME -> counter summed over lcores and ports
	tel /spindle/stats | /usr/bin/python3 -c \
		"import json,sys; print(json.load(sys.stdin)['/spindle/stats'].get('$1', -1))"
}
neigh() { # spindle's neighbour table, one row per line
	tel /spindle/neigh | /usr/bin/python3 -c \
		"import json,sys; print('\n'.join(json.load(sys.stdin)['/spindle/neigh']))"
}

# start ARP CONF: a fresh lab with --arp ARP, spindle inside it, attached.
start() {
	"$LAB" up --arp "$1" --ns "$NS" >/dev/null || { fail "lab up"; return 1; }
	# Not through kns(): a function in the background would be a subshell, not spindle.
	ip netns exec "$NS" "$BIN" -l 0,1 --no-huge --no-pci -m 256 --file-prefix="$PFX" -- --config "$2" \
		--set stack.idle=sleep > "$TMP/run.log" 2>&1 &
	PID=$!
	"$LAB" attach --ns "$NS" --timeout 20 --pid "$PID" >/dev/null ||
		{ fail "spindle did not start"; cat "$TMP/run.log"; return 1; }
}

stop() {
	local rc
	kill -TERM "$PID"
	wait "$PID"
	rc=$?
	PID=
	[ "$rc" = 0 ] && ok "exit status 0" || fail "exit status $rc"
	grep -q "^mbufs: all [0-9]* returned$" "$TMP/run.log" && ok "every mbuf returned" ||
		fail "mbufs: $(grep '^mbufs:' "$TMP/run.log")"
	"$LAB" down --ns "$NS" >/dev/null 2>&1
}

# ---- 1. ARP on: the kernel resolves spindle ----
if start on "$TMP/arp.conf"; then
	kns ping -c 3 -i 0.2 -W 1 198.18.0.2 >/dev/null && ok "ARP on: kernel pings spindle" ||
		fail "ARP on: ping failed"
	kns ip neigh show 198.18.0.2 | grep -q "lladdr 02:00:00:00:00:02" &&
		ok "ARP on: kernel resolved 198.18.0.2 to 02:00:00:00:00:02" ||
		fail "ARP on: kernel neighbour: $(kns ip neigh show 198.18.0.2)"
	neigh | grep -q "^198.18.0.1 dev port0 lladdr 02:00:00:00:00:01 REACHABLE$" &&
		ok "ARP on: the kernel's request created spindle's entry" ||
		fail "ARP on: /spindle/neigh: $(neigh)"
	n=$(stat arp_tx_replies)
	[ "$n" -ge 1 ] && ok "ARP on: arp_tx_replies = $n" || fail "ARP on: arp_tx_replies = $n"
	kns arping -c 2 -w 3 -I sp0 198.18.0.2 >/dev/null && ok "ARP on: arping 198.18.0.2 answered" ||
		fail "ARP on: arping 198.18.0.2 not answered"
	if kns arping -c 2 -w 2 -I sp0 198.18.0.3 >/dev/null; then
		fail "ARP on: a request for 198.18.0.3 was answered"
	else
		ok "ARP on: a request for another address is not answered"
	fi
	n=$(stat arp_not_for_us)
	[ "$n" -ge 2 ] && ok "ARP on: arp_not_for_us = $n" || fail "ARP on: arp_not_for_us = $n"
	stop
fi

# ---- 2. ARP on: spindle resolves the kernel (the kernel knows spindle statically) ----
if start on "$TMP/arp.conf"; then
	kns ip neigh replace 198.18.0.2 lladdr 02:00:00:00:00:02 dev sp0 nud permanent
	kns ping -c 3 -i 0.2 -W 1 198.18.0.2 >/dev/null &&
		ok "ARP on: echo replies sent after spindle's own resolution" ||
		fail "ARP on: ping failed (spindle did not resolve 198.18.0.1)"
	r="$(stat arp_tx_requests) $(stat arp_rx_replies) $(stat arp_unsolicited)"
	[ "$r" = "1 1 0" ] && ok "ARP on: one request, one reply (arp_tx_requests arp_rx_replies arp_unsolicited = $r)" ||
		fail "ARP on: arp_tx_requests arp_rx_replies arp_unsolicited = $r, want 1 1 0"
	neigh | grep -q "^198.18.0.1 dev port0 lladdr 02:00:00:00:00:01 REACHABLE$" &&
		ok "ARP on: 198.18.0.1 REACHABLE" || fail "ARP on: /spindle/neigh: $(neigh)"
	stop
fi

# ---- 3. ARP off (default): no ARP, static neighbour, learning ----
if start off "$TMP/off.conf"; then
	kns ping -c 3 -i 0.2 -W 1 198.18.0.2 >/dev/null && ok "ARP off: ping with the static neighbour" ||
		fail "ARP off: ping failed"
	if kns arping -c 2 -w 2 -I sp0 198.18.0.2 >/dev/null; then
		fail "ARP off: spindle answered ARP"
	else
		ok "ARP off: spindle answers no ARP"
	fi
	r="$(stat eth_arp_off) $(stat arp_tx_replies) $(stat arp_tx_requests)"
	[ "${r%% *}" -ge 2 ] && [ "${r#* }" = "0 0" ] &&
		ok "ARP off: eth_arp_off arp_tx_replies arp_tx_requests = $r" ||
		fail "ARP off: eth_arp_off arp_tx_replies arp_tx_requests = $r"
	# A second kernel address with no static neighbour: spindle learns its MAC from its pings.
	kns ip addr add 198.18.0.9/24 dev sp0
	kns ping -c 2 -i 0.2 -W 1 -I 198.18.0.9 198.18.0.2 >/dev/null &&
		ok "ARP off: ping from an unconfigured peer answered" || fail "ARP off: learned ping failed"
	neigh | grep -q "^198.18.0.9 dev port0 lladdr 02:00:00:00:00:01 LEARNED$" &&
		ok "ARP off: 198.18.0.9 LEARNED" || fail "ARP off: /spindle/neigh: $(neigh)"
	neigh | grep -q "^198.18.0.1 dev port0 lladdr 02:00:00:00:00:01 PERMANENT$" &&
		ok "ARP off: 198.18.0.1 PERMANENT" || fail "ARP off: /spindle/neigh: $(neigh)"
	n=$(stat neigh_learned)
	[ "$n" = 1 ] && ok "ARP off: neigh_learned = 1" || fail "ARP off: neigh_learned = $n"
	stop
fi

[ "$FAILS" = 0 ] && echo "test_neigh: all passed" || echo "test_neigh: $FAILS failure(s)"
[ "$FAILS" = 0 ]

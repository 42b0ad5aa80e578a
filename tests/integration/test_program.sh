#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The spindle program itself (docs/program.md, docs/observability.md): start-up on net_tap in a
# namespace of its own, telemetry answers (/spindle/stats equal to the frames sent, routes, lcores,
# per-port and unknown parameters), fault injection counters, --stats-interval, clean exit on
# SIGTERM with every mbuf returned, and the start-up failure paths (missing device, no worker
# lcore), and app/example's TCP echo. Usage: test_program.sh path/to/spindle [path/to/spindle-example]
set -u
BIN=${1:?usage: test_program.sh path/to/spindle [path/to/spindle-example]}
EXAMPLE=${2:-}
NS=sp-prog-$$
PFX=sp-prog-$$
TMP=$(mktemp -d /tmp/sp-prog.XXXXXX)
PID=
FAILS=0

cleanup() {
	if [ -n "$PID" ]; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
}
ok() { echo "ok: $*"; }

# The default config without its TCP services (this test is about the program, not TCP).
sed '/^\[service\./,$d' "$(dirname "$0")/../../config/default.conf" > "$TMP/base.conf"

ip netns add "$NS" || exit 1
# No IPv6 chatter (router solicitations, MLD) on the tap: counters must equal what we send.
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1

tel() { # tel COMMAND -> JSON reply on stdout
	echo "$1" | ip netns exec "$NS" timeout 10 dpdk-telemetry.py -f "$PFX" 2>/dev/null
}
json() { # json 'python expression on r' < reply
	/usr/bin/python3 -c "import json,sys; r=json.load(sys.stdin); print($1)"
}

# start LOGNAME [--set ...]: spindle in the background, returns once the tap is there
start() {
	local log=$1
	shift
	ip netns exec "$NS" "$BIN" -l 0,1 --no-huge --no-pci -m 256 --file-prefix="$PFX" -- \
		--config "$TMP/base.conf" --set stack.idle=sleep "$@" > "$TMP/$log" 2>&1 &
	PID=$!
	for _ in $(seq 100); do
		grep -q "running on" "$TMP/$log" && break
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	grep -q "running on" "$TMP/$log" || { fail "$log: spindle did not start"; cat "$TMP/$log"; return 1; }
	# net_tap gives the kernel side the PMD's MAC; the kernel peer needs its own (the static
	# neighbour of the config), or it ignores spindle's replies.
	ip netns exec "$NS" ip link set sp0 address 02:00:00:00:00:01
	ip netns exec "$NS" ip link set sp0 up
	ip netns exec "$NS" ip addr replace 198.18.0.1/24 dev sp0
	ip netns exec "$NS" ip neigh replace 198.18.0.2 lladdr 02:00:00:00:00:02 dev sp0 nud permanent
}

# stop LOGNAME: SIGTERM, exit status 0, mbufs all returned
stop() {
	local log=$1 rc
	kill -TERM "$PID"
	wait "$PID"
	rc=$?
	PID=
	[ "$rc" = 0 ] && ok "$log: exit status 0 on SIGTERM" || fail "$log: exit status $rc"
	grep -q "^mbufs: all [0-9]* returned$" "$TMP/$log" && ok "$log: every mbuf returned" ||
		fail "$log: mbuf check: $(grep '^mbufs:' "$TMP/$log")"
}

# ---- 1. telemetry and counters ----
if start run1.log --stats-interval 1; then
	got=$(ip netns exec "$NS" ping -c 5 -i 0.2 -W 1 198.18.0.2 | grep -o "[0-9]* received")
	[ "$got" = "5 received" ] && ok "ping: 5 replies" || fail "ping: $got"
	sleep 0.5
	r=$(tel /spindle/stats | json '(r["/spindle/stats"]["rx_pkts"], r["/spindle/stats"]["tx_pkts"], r["/spindle/stats"]["icmp_out_echo_reps"])')
	[ "$r" = "(5, 5, 5)" ] && ok "/spindle/stats (rx_pkts, tx_pkts, icmp_out_echo_reps) = 5 frames sent" ||
		fail "/spindle/stats (rx_pkts, tx_pkts, icmp_out_echo_reps) = $r, want (5, 5, 5)"
	n=$(tel /spindle/stats,port0 | json 'r["/spindle/stats"]["rx_pkts"]')
	[ "$n" = 5 ] && ok "/spindle/stats,port0" || fail "/spindle/stats,port0 rx_pkts = $n"
	n=$(tel /spindle/stats,lcore1 | json 'r["/spindle/stats"]["rx_pkts"]')
	[ "$n" = 5 ] && ok "/spindle/stats,lcore1" || fail "/spindle/stats,lcore1 rx_pkts = $n"
	r=$(tel /spindle/stats,port9 | json 'r["/spindle/stats"]')
	[ "$r" = None ] && ok "/spindle/stats,port9 refused" || fail "/spindle/stats,port9 gave $r"
	r=$(tel /spindle/routes | json '"|".join(r["/spindle/routes"])')
	case "$r" in
	*"198.18.0.0/24 dev port0 proto kernel scope link src 198.18.0.2"*) ok "/spindle/routes: $r" ;;
	*) fail "/spindle/routes: $r" ;;
	esac
	r=$(tel /spindle/neigh | json '"|".join(r["/spindle/neigh"])')
	case "$r" in
	*"198.18.0.1 dev port0 lladdr 02:00:00:00:00:01 PERMANENT"*) ok "/spindle/neigh: $r" ;;
	*) fail "/spindle/neigh: $r" ;;
	esac
	r=$(tel /spindle/lcores | json 'r["/spindle/lcores"]["lcore1"]["worker"]')
	[ "$r" = 0 ] && ok "/spindle/lcores" || fail "/spindle/lcores: $r"
	r=$(tel /spindle/tcp/conns | json 'type(r["/spindle/tcp/conns"]).__name__')
	[ "$r" = list ] && ok "/spindle/tcp/conns answers a list" || fail "/spindle/tcp/conns: $r"
	sleep 1
	stop run1.log
	[ "$(grep -c '^---- spindle counters' "$TMP/run1.log")" -ge 2 ] &&
		ok "--stats-interval printed while running" || fail "--stats-interval: no periodic report"
	grep -q "^  port: rx_pkts = 5," "$TMP/run1.log" && ok "exit report: rx_pkts = 5" ||
		fail "exit report lacks rx_pkts = 5"
	grep -q "^lcore 1 (worker 0): busy cycles [0-9]*, packets [0-9]*, cycles/packet" "$TMP/run1.log" &&
		ok "exit report: cycles per packet" || fail "exit report: no lcore line"
	# net_tap's per-frame RX signal is off (docs/architecture.md): the PMD found no free one
	grep -q "No Rx trigger signal available" "$TMP/run1.log" &&
		ok "net_tap RX signal off" || fail "net_tap still raises a signal per frame"
fi

# ---- 2. fault injection: every RX frame dropped and counted ----
if start run2.log --set port0.impair_drop=1.0; then
	ip netns exec "$NS" ping -c 4 -i 0.2 -W 0.2 198.18.0.2 > /dev/null 2>&1
	sleep 0.5
	r=$(tel /spindle/stats | json '(r["/spindle/stats"]["rx_pkts"], r["/spindle/stats"]["impair_dropped"])')
	[ "$r" = "(0, 4)" ] && ok "impair_drop=1: 4 dropped before the stack" || fail "impair: (rx_pkts, impair_dropped) = $r"
	stop run2.log
fi

# ---- 3. fault injection on both directions: every frame duplicated on RX and on TX ----
if start run3.log --set port0.impair_dup=1.0; then
	rx0=$(ip netns exec "$NS" cat /sys/class/net/sp0/statistics/rx_packets)
	got=$(ip netns exec "$NS" ping -c 5 -i 0.2 -W 1 198.18.0.2 | grep -o "[0-9]* received, +[0-9]* duplicates")
	sleep 0.5
	rx1=$(ip netns exec "$NS" cat /sys/class/net/sp0/statistics/rx_packets)
	# 5 requests -> 10 after RX duplication -> 10 replies -> 20 after TX duplication (ping
	# itself stops counting duplicates once it has its 5 replies).
	[ $((rx1 - rx0)) = 20 ] && ok "impair_dup=1: the kernel got 20 replies ($got)" ||
		fail "impair_dup=1: the kernel got $((rx1 - rx0)) frames, want 20 ($got)"
	r=$(tel /spindle/stats | json '(r["/spindle/stats"]["impair_duplicated"], r["/spindle/stats"]["icmp_out_echo_reps"])')
	[ "$r" = "(15, 10)" ] && ok "impair_dup=1: (impair_duplicated, echo replies) = $r" ||
		fail "impair_dup=1: (impair_duplicated, echo replies) = $r, want (15, 10)"
	stop run3.log
fi

# ---- 4. /spindle/tcp/conns with a live connection (the discard service) ----
if start run4.log --set service.discard.port=9; then
	(sleep 4 | ip netns exec "$NS" nc 198.18.0.2 9 > /dev/null 2>&1 &)
	r=
	for _ in $(seq 20); do
		r=$(tel /spindle/tcp/conns | json '"|".join(r["/spindle/tcp/conns"])')
		case "$r" in *ESTABLISHED*) break ;; esac
		sleep 0.1
	done
	case "$r" in
	"ESTABLISHED 0 0 198.18.0.2:9 198.18.0.1:"*" mss:1448 "*) ok "/spindle/tcp/conns: $r" ;;
	*) fail "/spindle/tcp/conns: $r" ;;
	esac
	r=$(tel /spindle/tcp/conns,198.18.0.2:9 | json '(r["/spindle/tcp/conns"]["conn0"]["state"], r["/spindle/tcp/conns"]["conn0"]["lcore"])')
	[ "$r" = "('ESTABLISHED', 1)" ] && ok "/spindle/tcp/conns,198.18.0.2:9: $r" || fail "/spindle/tcp/conns,IP:PORT: $r"
	r=$(tel /spindle/tcp/conns,198.18.0.2:10 | json 'r["/spindle/tcp/conns"]')
	[ "$r" = "{}" ] && ok "/spindle/tcp/conns,198.18.0.2:10: none" || fail "/spindle/tcp/conns,198.18.0.2:10: $r"
	stop run4.log
fi

# ---- 5. app/example: the embedding example echoes a 1 MB stream byte for byte ----
if [ -n "$EXAMPLE" ]; then
	ip netns exec "$NS" "$EXAMPLE" -l 0 --no-huge --no-pci -m 256 --file-prefix="$PFX" \
		> "$TMP/example.log" 2>&1 &
	PID=$!
	for _ in $(seq 100); do
		grep -q "echo server on TCP port 7" "$TMP/example.log" && break
		sleep 0.1
	done
	ip netns exec "$NS" ip link set spx0 address 02:00:00:00:00:01 up
	ip netns exec "$NS" ip addr replace 198.18.0.1/24 dev spx0
	ip netns exec "$NS" ip neigh replace 198.18.0.2 lladdr 02:00:00:00:00:02 dev spx0 nud permanent
	head -c 1000000 /dev/urandom > "$TMP/stream"
	if ip netns exec "$NS" timeout 30 nc -N 198.18.0.2 7 < "$TMP/stream" | cmp -s - "$TMP/stream"; then
		ok "example: 1 MB echoed byte for byte"
	else
		fail "example: echo differs"
		cat "$TMP/example.log"
	fi
	kill -INT "$PID"
	wait "$PID"
	rc=$?
	PID=
	[ "$rc" = 0 ] && ok "example: exit status 0 on SIGINT" || fail "example: exit status $rc"
fi

# ---- 6. start-up failures: message, exit status 1, nothing left running ----
sed 's/^vdev = .*/device = net_nonexistent0/' "$TMP/base.conf" > "$TMP/nodev.conf"
ip netns exec "$NS" timeout 30 "$BIN" -l 0,1 --no-huge --no-pci -m 256 --file-prefix="$PFX" -- \
	--config "$TMP/nodev.conf" > "$TMP/nodev.log" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q 'port0: no ethdev named "net_nonexistent0"' "$TMP/nodev.log" &&
	ok "missing device: exit 1 with a message" || { fail "missing device: rc=$rc"; cat "$TMP/nodev.log"; }

ip netns exec "$NS" timeout 30 "$BIN" -l 0 --no-huge --no-pci -m 256 --file-prefix="$PFX" -- \
	--config "$TMP/base.conf" > "$TMP/nowork.log" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "no worker lcore" "$TMP/nowork.log" &&
	ok "no worker lcore: exit 1 with a message" || { fail "no worker: rc=$rc"; cat "$TMP/nowork.log"; }
ip netns exec "$NS" ip link show sp0 > /dev/null 2>&1 && fail "tap left behind after a failed start" ||
	ok "nothing left behind"

[ "$FAILS" = 0 ] && echo "PASS" || echo "$FAILS failure(s)"
exit $((FAILS != 0))

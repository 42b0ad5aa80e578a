#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The spindle program itself (docs/program.md, docs/observability.md): start-up on net_tap in a
# lab of its own (lib.sh), telemetry answers (/spindle/stats equal to the frames sent, routes, lcores,
# per-port and unknown parameters), fault injection counters, --stats-interval, clean exit on
# SIGTERM with every mbuf returned, and the start-up failure paths (missing device, no worker
# lcore), and app/example's TCP echo. Usage: test_program.sh path/to/spindle [path/to/spindle-example]
set -u
export SPINDLE_BIN=${1:?usage: test_program.sh path/to/spindle [path/to/spindle-example]}
EXAMPLE=${2:-}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
SP_MEM=256
BIN=$SPINDLE_BIN
NS=$(lab_ns)
PFX=$(spindle_prefix)
LOG=$(spindle_log)

# The default config without its TCP services (this test is about the program, not TCP).
BASE=$(config_no_services default.conf)

json() { # json 'python expression on r' < reply
	"$PY" -c "import json,sys; r=json.load(sys.stdin); print($1)"
}

# The lab's tap: lab.sh attach gives the kernel end its own MAC, address and the static
# neighbour of the config after every start.
lab_up tap || exit 1

# start NAME [ARG...]: spindle in the lab (base config), running and attached
start() {
	local name=$1
	shift
	spindle_start "$BASE" "$@" || { t_fail "$name: spindle did not start"; return 1; }
}

# stop NAME: SIGTERM, exit status 0, mbufs all returned
stop() {
	spindle_stop TERM && t_ok "$1: exit status 0 on SIGTERM, every mbuf returned" ||
		t_fail "$1: exit on SIGTERM / mbuf check"
}

# ---- 1. telemetry and counters ----
if start run1 --stats-interval 1; then
	got=$(ip netns exec "$NS" ping -c 5 -i 0.2 -W 1 198.18.0.2 | grep -o "[0-9]* received")
	[ "$got" = "5 received" ] && t_ok "ping: 5 replies" || t_fail "ping: $got"
	sleep 0.5
	r=$(tel /spindle/stats | json '(r["/spindle/stats"]["rx_pkts"], r["/spindle/stats"]["tx_pkts"], r["/spindle/stats"]["icmp_out_echo_reps"])')
	[ "$r" = "(5, 5, 5)" ] && t_ok "/spindle/stats (rx_pkts, tx_pkts, icmp_out_echo_reps) = 5 frames sent" ||
		t_fail "/spindle/stats (rx_pkts, tx_pkts, icmp_out_echo_reps) = $r, want (5, 5, 5)"
	n=$(tel /spindle/stats,port0 | json 'r["/spindle/stats"]["rx_pkts"]')
	[ "$n" = 5 ] && t_ok "/spindle/stats,port0" || t_fail "/spindle/stats,port0 rx_pkts = $n"
	n=$(tel /spindle/stats,lcore1 | json 'r["/spindle/stats"]["rx_pkts"]')
	[ "$n" = 5 ] && t_ok "/spindle/stats,lcore1" || t_fail "/spindle/stats,lcore1 rx_pkts = $n"
	r=$(tel /spindle/stats,port9 | json 'r["/spindle/stats"]')
	[ "$r" = None ] && t_ok "/spindle/stats,port9 refused" || t_fail "/spindle/stats,port9 gave $r"
	r=$(tel /spindle/routes | json '"|".join(r["/spindle/routes"])')
	case "$r" in
	*"198.18.0.0/24 dev port0 proto kernel scope link src 198.18.0.2"*) t_ok "/spindle/routes: $r" ;;
	*) t_fail "/spindle/routes: $r" ;;
	esac
	r=$(tel /spindle/neigh | json '"|".join(r["/spindle/neigh"])')
	case "$r" in
	*"198.18.0.1 dev port0 lladdr 02:00:00:00:00:01 PERMANENT"*) t_ok "/spindle/neigh: $r" ;;
	*) t_fail "/spindle/neigh: $r" ;;
	esac
	r=$(tel /spindle/lcores | json 'r["/spindle/lcores"]["lcore1"]["worker"]')
	[ "$r" = 0 ] && t_ok "/spindle/lcores" || t_fail "/spindle/lcores: $r"
	r=$(tel /spindle/tcp/conns | json 'type(r["/spindle/tcp/conns"]).__name__')
	[ "$r" = list ] && t_ok "/spindle/tcp/conns answers a list" || t_fail "/spindle/tcp/conns: $r"
	# /spindle/mem: the marks come from the pool's share (docs/tcp.md "Memory"), nothing held
	r=$(tel /spindle/mem | json 'r["/spindle/mem"]["lcore1"]["mem_high"] == r["/spindle/mem"]["lcore1"]["pool_size"] // 2 and r["/spindle/mem"]["lcore1"]["tcp_mbufs"] == 0')
	[ "$r" = True ] && t_ok "/spindle/mem: marks from the pool, nothing held" || t_fail "/spindle/mem: $r"
	sleep 1
	stop run1
	[ "$(grep -c '^---- spindle counters' "$LOG")" -ge 2 ] &&
		t_ok "--stats-interval printed while running" || t_fail "--stats-interval: no periodic report"
	grep -q "^  port: rx_pkts = 5," "$LOG" && t_ok "exit report: rx_pkts = 5" ||
		t_fail "exit report lacks rx_pkts = 5"
	grep -q "^lcore 1 (worker 0): busy cycles [0-9]*, packets [0-9]*, cycles/packet" "$LOG" &&
		t_ok "exit report: cycles per packet" || t_fail "exit report: no lcore line"
	grep -q "^  TCP memory: 0 mbufs held (0 send, 0 out-of-order), peak [0-9]*, marks [0-9]*/[0-9]*/[0-9]*" "$LOG" &&
		t_ok "exit report: TCP memory per lcore, none held at exit" ||
		t_fail "exit report: no TCP memory line"
	# net_tap's per-frame RX signal is off (docs/architecture.md): the PMD found no free one
	grep -q "No Rx trigger signal available" "$LOG" &&
		t_ok "net_tap RX signal off" || t_fail "net_tap still raises a signal per frame"
fi

# ---- 2. fault injection: every RX frame dropped and counted ----
if start run2 --set port0.impair_drop=1.0; then
	ip netns exec "$NS" ping -c 4 -i 0.2 -W 0.2 198.18.0.2 > /dev/null 2>&1
	sleep 0.5
	r=$(tel /spindle/stats | json '(r["/spindle/stats"]["rx_pkts"], r["/spindle/stats"]["impair_dropped"])')
	[ "$r" = "(0, 4)" ] && t_ok "impair_drop=1: 4 dropped before the stack" || t_fail "impair: (rx_pkts, impair_dropped) = $r"
	stop run2
fi

# ---- 3. fault injection on both directions: every frame duplicated on RX and on TX ----
if start run3 --set port0.impair_dup=1.0; then
	rx0=$(ip netns exec "$NS" cat /sys/class/net/sp0/statistics/rx_packets)
	got=$(ip netns exec "$NS" ping -c 5 -i 0.2 -W 1 198.18.0.2 | grep -o "[0-9]* received, +[0-9]* duplicates")
	sleep 0.5
	rx1=$(ip netns exec "$NS" cat /sys/class/net/sp0/statistics/rx_packets)
	# 5 requests -> 10 after RX duplication -> 10 replies -> 20 after TX duplication (ping
	# itself stops counting duplicates once it has its 5 replies).
	[ $((rx1 - rx0)) = 20 ] && t_ok "impair_dup=1: the kernel got 20 replies ($got)" ||
		t_fail "impair_dup=1: the kernel got $((rx1 - rx0)) frames, want 20 ($got)"
	r=$(tel /spindle/stats | json '(r["/spindle/stats"]["impair_duplicated"], r["/spindle/stats"]["icmp_out_echo_reps"])')
	[ "$r" = "(15, 10)" ] && t_ok "impair_dup=1: (impair_duplicated, echo replies) = $r" ||
		t_fail "impair_dup=1: (impair_duplicated, echo replies) = $r, want (15, 10)"
	stop run3
fi

# ---- 4. /spindle/tcp/conns with a live connection (the discard service) ----
if start run4 --set service.discard.port=9; then
	(sleep 4 | ip netns exec "$NS" nc 198.18.0.2 9 > /dev/null 2>&1 &)
	r=
	for _ in $(seq 20); do
		r=$(tel /spindle/tcp/conns | json '"|".join(r["/spindle/tcp/conns"])')
		case "$r" in *ESTABLISHED*) break ;; esac
		sleep 0.1
	done
	case "$r" in
	"ESTABLISHED 0 0 198.18.0.2:9 198.18.0.1:"*" mss:1448 "*) t_ok "/spindle/tcp/conns: $r" ;;
	*) t_fail "/spindle/tcp/conns: $r" ;;
	esac
	r=$(tel /spindle/tcp/conns,198.18.0.2:9 | json '(r["/spindle/tcp/conns"]["conn0"]["state"], r["/spindle/tcp/conns"]["conn0"]["lcore"])')
	[ "$r" = "('ESTABLISHED', 1)" ] && t_ok "/spindle/tcp/conns,198.18.0.2:9: $r" || t_fail "/spindle/tcp/conns,IP:PORT: $r"
	r=$(tel /spindle/tcp/conns,198.18.0.2:10 | json 'r["/spindle/tcp/conns"]')
	[ "$r" = "{}" ] && t_ok "/spindle/tcp/conns,198.18.0.2:10: none" || t_fail "/spindle/tcp/conns,198.18.0.2:10: $r"
	stop run4
fi

# ---- 5. app/example: the embedding example echoes a 1 MB stream byte for byte ----
if [ -n "$EXAMPLE" ]; then
	# the kernel's 198.18.0.1 moves from the lab's sp0 to the example's own tap spx0
	ip netns exec "$NS" ip addr flush dev sp0
	ip netns exec "$NS" "$EXAMPLE" -l 0 --no-huge --no-pci -m 256 --file-prefix="$PFX" \
		> "$SP_TMP/example.log" 2>&1 &
	EX_PID=$!
	for _ in $(seq 100); do
		grep -q "echo server on TCP port 7" "$SP_TMP/example.log" && break
		sleep 0.1
	done
	ip netns exec "$NS" ip link set spx0 address 02:00:00:00:00:01 up
	ip netns exec "$NS" ip addr replace 198.18.0.1/24 dev spx0
	ip netns exec "$NS" ip neigh replace 198.18.0.2 lladdr 02:00:00:00:00:02 dev spx0 nud permanent
	head -c 1000000 /dev/urandom > "$SP_TMP/stream"
	if ip netns exec "$NS" timeout 30 nc -N 198.18.0.2 7 < "$SP_TMP/stream" | cmp -s - "$SP_TMP/stream"; then
		t_ok "example: 1 MB echoed byte for byte"
	else
		t_fail "example: echo differs"
		cat "$SP_TMP/example.log"
	fi
	kill -INT "$EX_PID"
	wait "$EX_PID"
	rc=$?
	[ "$rc" = 0 ] && t_ok "example: exit status 0 on SIGINT" || t_fail "example: exit status $rc"
fi

# ---- 6. start-up failures: message, exit status 1, nothing left running ----
# (the lab's persistent sp0 stays: the runs without a worker use a tap of their own, spf0)
sed 's/^vdev = .*/device = net_nonexistent0/' "$BASE" > "$SP_TMP/nodev.conf"
sed 's/iface=sp0/iface=spf0/' "$BASE" > "$SP_TMP/nowork.conf"
ip netns exec "$NS" timeout 30 "$BIN" -l 0,1 --no-huge --no-pci -m 256 --file-prefix="$PFX" -- \
	--config "$SP_TMP/nodev.conf" > "$SP_TMP/nodev.log" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q 'port0: no ethdev named "net_nonexistent0"' "$SP_TMP/nodev.log" &&
	t_ok "missing device: exit 1 with a message" || { t_fail "missing device: rc=$rc"; cat "$SP_TMP/nodev.log"; }

ip netns exec "$NS" timeout 30 "$BIN" -l 0 --no-huge --no-pci -m 256 --file-prefix="$PFX" -- \
	--config "$SP_TMP/nowork.conf" > "$SP_TMP/nowork.log" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "no worker lcore" "$SP_TMP/nowork.log" &&
	t_ok "no worker lcore: exit 1 with a message" || { t_fail "no worker: rc=$rc"; cat "$SP_TMP/nowork.log"; }
ip netns exec "$NS" ip link show spf0 > /dev/null 2>&1 && t_fail "tap left behind after a failed start" ||
	t_ok "nothing left behind"

t_finish

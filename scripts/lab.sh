#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The spindle lab: kernel peers for spindle inside network namespaces, 198.18.0.0/15 only.
#
#   scripts/lab.sh up     [--pmd tap|af_packet|af_xdp|memif] [--arp on|off] [--ports 1|2] [--ns NAME]
#                         [--hugepages[=CONFIG]]
#   scripts/lab.sh up     --kernel-only [--arp on|off] [--ns NAME]
#   scripts/lab.sh attach [--ns NAME] [--timeout SEC] [--pid PID]
#   scripts/lab.sh down   [--ns NAME]
#   scripts/lab.sh status [--ns NAME]
#
# Topology (NAME defaults to "spindle"; port 1 only with --ports 2):
#
#   namespace NAME                                      namespace NAME-b (--ports 2)
#   kernel sp0  198.18.0.1/24  02:00:00:00:00:01        kernel sp1  198.18.1.1/24  02:00:00:00:01:01
#      |                                                   |
#   spindle port0  198.18.0.2  02:00:00:00:00:02        spindle port1  198.18.1.2  02:00:00:00:01:02
#
#   af_packet: veth pairs; sp0/sp1 are the kernel ends, sp0d/sp1d (both in NAME, up, no address,
#              ARP off) are spindle's (config/af_packet.conf: vdev = net_af_packet0,iface=sp0d).
#   af_xdp:    the same veth pairs for net_af_xdp (vdev = net_af_xdp0,iface=sp0d,...); "up" also
#              gives sp0d/sp1d spindle's MAC, which net_af_xdp cannot change, and fails when the
#              kernel has no AF_XDP sockets (CONFIG_XDP_SOCKETS) (docs/lab.md "AF_XDP").
#   tap:       net_tap's own tap interface is the kernel end. spindle must run inside NAME
#              (ip netns exec NAME spindle ...). "up" pre-creates sp0 as a persistent
#              multi_queue tap holding the kernel's address, so that servers can bind
#              198.18.0.1 before spindle starts; the PMD of DPDK 22.11 attaches to it. The PMD
#              sets the kernel interface's MAC to spindle's own and takes the link down when
#              spindle exits (which flushes the neighbour table), so after every start of
#              spindle "attach" waits (bounded) for the PMD and then sets the kernel's MAC, link,
#              static neighbour and routes again. With --ports 2 net_tap creates sp1 in NAME;
#              "attach" moves it into NAME-b.
#   --arp off (default): the kernel gets a permanent neighbour entry for spindle's address
#              (spindle's configs set its MAC). --arp on: none, the kernel must use ARP.
#   memif:     no kernel peer: two spindles joined by net_memif (config/memif-a.conf, the memif
#              server, and config/memif-b.conf, the client), both started inside NAME. "up"
#              creates NAME and the socket directory /run/spindle-lab/NAME.memif (the configs'
#              socket=/run/spindle-lab/spindle.memif/memif.sock); "down" removes both. One port.
#   --kernel-only: no spindle; the Linux kernel stands in for it, in namespace NAME-k, with
#              spindle's address and MAC on sp0k, the veth peer of the kernel end sp0 in NAME
#              (offloads off on both ends, as spindle has none). Serves the suites' self-checks
#              against the kernel (tcpconf, tcp_defences). "attach" has nothing to do.
#   --ports 2: routes inside the namespaces only: NAME 198.18.1.0/24 via 198.18.0.2 and
#              NAME-b 198.18.0.0/24 via 198.18.1.2 (config/two-ports.conf answers pings to
#              either address on either port; config/forwarding.conf routes between them).
#   --hugepages: also reserve the 2 MB hugepages config/default.conf (or CONFIG) needs with one
#              worker, mounting hugetlbfs when none is mounted, and print the EAL options that
#              use them (--file-prefix=NAME); "down" gives them back (docs/lab.md "Hugepages").
#
# IPv6 is disabled inside the namespaces so the kernel sends no unsolicited frames (router
# solicitations, MLD): spindle's counters then equal what a test sends.
# "down" ends the processes still running inside the namespaces and deletes them, which deletes
# every interface the lab created. Nothing outside the namespaces is touched.
set -euo pipefail

usage() {
	sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//'
}

die() {
	echo "lab.sh: $*" >&2
	exit 1
}

# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
sp_need_root "network namespaces, tap/veth interfaces" "$@"

STATE_DIR=/run/spindle-lab
CMD=${1:-}
[ $# -gt 0 ] && shift
NS=spindle
PMD=
ARP=
PORTS=
TIMEOUT=30
WAIT_PID=
HUGE=

while [ $# -gt 0 ]; do
	case "$1" in
	--pmd) PMD=${2:-}; shift 2 ;;
	--arp) ARP=${2:-}; shift 2 ;;
	--ports) PORTS=${2:-}; shift 2 ;;
	--kernel-only) PMD=kernel; shift ;;
	--ns) NS=${2:-}; shift 2 ;;
	--timeout) TIMEOUT=${2:-}; shift 2 ;;
	--pid) WAIT_PID=${2:-}; shift 2 ;;
	--hugepages) HUGE=$SP_ROOT/config/default.conf; shift ;;
	--hugepages=*) HUGE=${1#*=}; shift ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument \"$1\"" ;;
	esac
done

[[ "$NS" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,40}$ ]] || die "bad namespace name \"$NS\""
NSB=$NS-b
NSK=$NS-k
STATE=$STATE_DIR/$NS

ns_exists() {
	[ -e "/var/run/netns/$1" ]
}

# The kernel-side values of port P (0 or 1).
k_ns() { if [ "$1" = 0 ]; then echo "$NS"; else echo "$NSB"; fi; }
k_if() { echo "sp$1"; }
k_mac() { echo "02:00:00:00:0$1:01"; }
k_ip() { echo "198.18.$1.1"; }
sp_ip() { echo "198.18.$1.2"; }
sp_mac() { echo "02:00:00:00:0$1:02"; }

load_state() {
	[ -f "$STATE" ] || die "no lab \"$NS\" is up (scripts/lab.sh up --ns $NS)"
	local s_pmd s_arp s_ports
	# shellcheck disable=SC1090
	read -r s_pmd s_arp s_ports < "$STATE"
	PMD=${PMD:-$s_pmd}
	ARP=${ARP:-$s_arp}
	PORTS=${PORTS:-$s_ports}
}

new_ns() {
	ip netns add "$1" || return 1
	ip -n "$1" link set lo up
	# No IPv6 chatter: spindle's counters must equal what the tests send.
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
}

# Offloads the kernel would leave to the other end: af_packet reads veth frames as they are,
# so a CHECKSUM_PARTIAL TCP/UDP segment would reach spindle with an unfinished checksum.
no_offloads() { # NS IF
	ip netns exec "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 ||
		die "ethtool -K $2 failed (is ethtool installed? scripts/setup.sh)"
}

# Address, MAC, link, neighbour and routes of the kernel end of port P (idempotent).
configure_kernel_end() {
	local p=$1 ns ifc
	ns=$(k_ns "$p")
	ifc=$(k_if "$p")
	ip -n "$ns" link set "$ifc" address "$(k_mac "$p")"
	ip -n "$ns" addr replace "$(k_ip "$p")/24" dev "$ifc"
	ip -n "$ns" link set "$ifc" up
	if [ "$ARP" = off ]; then
		ip -n "$ns" neigh replace "$(sp_ip "$p")" lladdr "$(sp_mac "$p")" dev "$ifc" nud permanent
	fi
	if [ "$PORTS" = 2 ]; then
		local other=$((1 - p))
		ip -n "$ns" route replace "198.18.$other.0/24" via "$(sp_ip "$p")" dev "$ifc"
	fi
}

# net_tap has attached to IF in NS and started the port (link up).
tap_ready() { # NS IF
	local d
	d=$(ip -n "$1" -d link show "$2" 2>/dev/null) || return 1
	[[ "$d" =~ numqueues\ ([0-9]+) ]] || return 1
	[ "${BASH_REMATCH[1]}" -gt 0 ] || return 1
	[[ "$d" == *"<"*UP*">"* ]]
}

# --kernel-only: the kernel in namespace NSK takes spindle's address and MAC on sp0k.
kernel_stand_in() {
	new_ns "$NSK"
	ip -n "$NS" link add sp0 type veth peer name sp0k netns "$NSK"
	ip -n "$NSK" link set sp0k address "$(sp_mac 0)"
	ip -n "$NSK" addr add "$(sp_ip 0)/24" dev sp0k
	ip -n "$NSK" link set sp0k up
	if [ "$ARP" = off ]; then
		ip -n "$NSK" neigh replace "$(k_ip 0)" lladdr "$(k_mac 0)" dev sp0k nud permanent
	fi
	no_offloads "$NSK" sp0k
	no_offloads "$NS" sp0
	configure_kernel_end 0
}

cmd_up() {
	PMD=${PMD:-tap}
	ARP=${ARP:-off}
	PORTS=${PORTS:-1}
	case "$PMD" in tap|af_packet|af_xdp|memif|kernel) ;; *) die "--pmd must be tap, af_packet, af_xdp or memif" ;; esac
	case "$ARP" in on|off) ;; *) die "--arp must be on or off" ;; esac
	case "$PORTS" in 1|2) ;; *) die "--ports must be 1 or 2" ;; esac
	[ "$PMD" != kernel ] || [ "$PORTS" = 1 ] || die "--kernel-only has one port"
	[ "$PMD" != memif ] || [ "$PORTS" = 1 ] || die "--pmd memif has one port"
	if ns_exists "$NS" || ns_exists "$NSK" || { [ "$PORTS" = 2 ] && ns_exists "$NSB"; }; then
		die "namespace $NS already exists: scripts/lab.sh down --ns $NS first"
	fi
	if [ "$PMD" = af_xdp ] && ! "$PY" -c 'import socket; socket.socket(44, socket.SOCK_RAW).close()' 2>/dev/null; then
		die "this kernel cannot open an AF_XDP socket (address family 44: CONFIG_XDP_SOCKETS=y is needed, and CAP_NET_RAW); use --pmd af_packet"
	fi
	if [ "$PMD" = tap ] && [ ! -c /dev/net/tun ]; then
		die "/dev/net/tun is missing: the tap PMD needs the tun driver (modprobe tun) or use --pmd af_packet"
	fi
	mkdir -p "$STATE_DIR"
	echo "$PMD $ARP $PORTS" > "$STATE"
	trap 'echo "lab.sh: up failed, removing the lab" >&2; cmd_down >/dev/null 2>&1' EXIT
	new_ns "$NS" || die "cannot create network namespace $NS (no netns support? running in a container without CAP_SYS_ADMIN?)"
	[ "$PORTS" = 2 ] && new_ns "$NSB"
	local p kports=$PORTS
	if [ "$PMD" = memif ]; then
		mkdir -m 700 "$STATE_DIR/$NS.memif"
		kports=0 # nothing in the kernel
	fi
	for p in $(seq 0 $((kports - 1))); do
		if [ "$PMD" = kernel ]; then
			kernel_stand_in
		elif [ "$PMD" = af_packet ] || [ "$PMD" = af_xdp ]; then
			ip -n "$NS" link add "sp${p}d" type veth peer name "sp$p"
			ip -n "$NS" link set "sp${p}d" arp off
			# net_af_xdp takes the interface's MAC and cannot change it
			[ "$PMD" = af_packet ] || ip -n "$NS" link set "sp${p}d" address "$(sp_mac "$p")"
			ip -n "$NS" link set "sp${p}d" up
			no_offloads "$NS" "sp${p}d"
			[ "$p" = 1 ] && ip -n "$NS" link set sp1 netns "$NSB"
			no_offloads "$(k_ns "$p")" "sp$p"
			configure_kernel_end "$p"
		elif [ "$p" = 0 ]; then
			# Persistent, so the kernel's address exists before and between spindle runs.
			ip -n "$NS" tuntap add sp0 mode tap multi_queue
			ip -n "$NS" link set sp0 address "$(k_mac 0)"
			ip -n "$NS" addr add "$(k_ip 0)/24" dev sp0
		fi
	done
	trap - EXIT
	echo "lab $NS up: pmd $PMD, arp $ARP, $PORTS port(s)"
	if [ -n "$HUGE" ]; then # docs/lab.md "Hugepages": given back by "down"
		h=$(sp_huge_eal "lab-$NS" "$NS" "-l 0,1" "$HUGE") || { cmd_down > /dev/null; exit 1; }
		echo "hugepages for $(basename "$HUGE"): run spindle with EAL options \"-l 0,1 --no-pci $h" \
			"--file-prefix=$NS\" (not --no-huge); scripts/lab.sh down --ns $NS gives them back"
	fi
	if [ "$PMD" = kernel ]; then
		echo "the kernel stands in for spindle in namespace $NSK (ip netns exec $NSK ...)"
	fi
	if [ "$PMD" = tap ]; then
		echo "start spindle inside the namespace (ip netns exec $NS ...), then: scripts/lab.sh attach --ns $NS"
	fi
	if [ "$PMD" = memif ]; then
		echo "memif socket directory $STATE_DIR/$NS.memif; start both spindles inside $NS (docs/lab.md \"memif\")"
	fi
}

cmd_attach() {
	load_state
	[ "$PMD" != kernel ] || { echo "lab $NS: kernel only, nothing to attach"; return 0; }
	[ "$PMD" != memif ] || { echo "lab $NS: memif, nothing to attach"; return 0; }
	[ "$PMD" = tap ] || { local p; for p in $(seq 0 $((PORTS - 1))); do configure_kernel_end "$p"; done; return 0; }
	local deadline=$((SECONDS + TIMEOUT)) p ifc
	for p in $(seq 0 $((PORTS - 1))); do
		ifc=$(k_if "$p")
		until tap_ready "$NS" "$ifc"; do
			if [ -n "$WAIT_PID" ] && ! kill -0 "$WAIT_PID" 2>/dev/null; then
				die "process $WAIT_PID exited before net_tap started $ifc"
			fi
			[ $SECONDS -lt $deadline ] ||
				die "net_tap did not start $ifc in namespace $NS within ${TIMEOUT}s (is spindle running inside it?)"
			sleep 0.05
		done
		if [ "$p" = 1 ]; then
			# A stale sp1 from an earlier run would block the move.
			ip -n "$NSB" link del sp1 2>/dev/null || true
			ip -n "$NS" link set sp1 netns "$NSB"
		fi
		configure_kernel_end "$p"
	done
	echo "lab $NS attached"
}

# End what still runs inside namespace $1 (a spindle, a server a test left), bounded.
kill_ns_pids() {
	local pids i
	pids=$(ip netns pids "$1" 2>/dev/null | tr '\n' ' ')
	[ -n "${pids// /}" ] || return 0
	# shellcheck disable=SC2086
	kill -TERM $pids 2>/dev/null || true
	for i in $(seq 100); do
		pids=$(ip netns pids "$1" 2>/dev/null | tr '\n' ' ')
		[ -n "${pids// /}" ] || return 0
		sleep 0.1
	done
	echo "lab.sh: killing what still runs in $1: $pids" >&2
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null || true
	sleep 0.2
}

cmd_down() {
	local n
	for n in "$NSB" "$NSK" "$NS"; do
		if ns_exists "$n"; then
			kill_ns_pids "$n"
			ip netns del "$n"
		fi
	done
	rm -f "$STATE"
	rm -rf "${STATE_DIR:?}/$NS.memif"
	sp_huge_release "lab-$NS"
	echo "lab $NS down"
}

cmd_status() {
	local n
	if [ -f "$STATE" ]; then
		read -r PMD ARP PORTS < "$STATE"
		echo "lab $NS: pmd $PMD, arp $ARP, $PORTS port(s)"
	else
		echo "lab $NS: not up"
	fi
	for n in "$NS" "$NSB" "$NSK"; do
		ns_exists "$n" || continue
		echo "--- namespace $n"
		ip -n "$n" -br addr
		ip -n "$n" neigh
		ip -n "$n" route
		echo "processes: $(ip netns pids "$n" | tr '\n' ' ')"
	done
}

case "$CMD" in
up) cmd_up ;;
attach) cmd_attach ;;
down) cmd_down ;;
status) cmd_status ;;
-h|--help|help) usage ;;
*) usage >&2; exit 2 ;;
esac

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# ICMP/IPv4 against the kernel's own tools (issue 2): ping -s 0, 1, 56, 1472, 4000, 65000 with a
# data pattern (replies byte-exact: ping itself reports wrong data bytes; reassembly and
# fragmentation of the big ones), a flood ping of 10000 with no loss, dpdk-telemetry.py counters
# equal to the frames sent (rx_pkts, icmp_in_echos, reassembly/fragmentation, per port and per
# lcore), UDP to a closed port refused (nc -u and a socket's ECONNREFUSED: ICMP port
# unreachable), ping -R and -T tsandaddr (record route and timestamp options reflected), and
# every mbuf back at exit.   Usage: test_icmp.sh tap|af_packet|af_xdp
#
# net_af_packet of DPDK 22.11 joins its socket to a PACKET_FANOUT group with
# PACKET_FANOUT_FLAG_DEFRAG: the kernel reassembles IPv4 fragments before the PMD sees them, and
# the PMD copies each ring frame into one mbuf (no RX scatter). So on af_packet this test gives
# the port 61440-byte ring frames (framesz=blocksz: the PMD assumes frames are contiguous) and an
# RX pool of 61408-byte mbufs (port0.rx_buf_size): datagrams up to 61 KB arrive whole and the
# reply is fragmented by spindle. 65000 needs a frame larger than the largest mbuf (64 KB), so on
# af_packet the sizes are 0 1 56 1472 4000 61000; spindle's own reassembly runs on tap.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
PMD=${1:-tap}
SP=198.18.0.2
FLOOD=${ICMP_FLOOD_COUNT:-10000}

lab_up "$PMD"
if [ "$PMD" = af_packet ]; then
	spindle_start "$(config_no_services default.conf)" \
		--set "port0.vdev=net_af_packet0,iface=sp0d,framesz=61440,blocksz=61440" \
		--set port0.rx_buf_size=61408 --set port0.rx_mbufs=1023
else
	spindle_start "$(config_no_services default.conf)"
fi

# ping_check WHAT ARGS...: ping from the kernel peer; every reply back, none corrupted/duplicated
ping_check() {
	local what=$1 out n
	shift
	n=$2 # -c N is always first
	out=$(lab_exec timeout 120 ping "$@" "$SP" 2>&1) || true
	if grep -q "$n packets transmitted, $n received, 0% packet loss" <<< "$out" &&
		! grep -Eq 'wrong data|DUP!|corrupted' <<< "$out"; then
		t_ok "$what: $n/$n replies, data intact"
	else
		t_fail "$what: $(grep -E 'transmitted|wrong|DUP|corrupt' <<< "$out" | head -3)"
	fi
}

frames=0 # frames the kernel sent to spindle (what rx_pkts must equal)
echos=0
frags=0
reasm=0
frags_out=0
txframes=0
if [ "$PMD" = af_packet ]; then
	SIZES="0 1 56 1472 4000 61000"
	echo "af_packet: sizes $SIZES (65000 cannot pass net_af_packet, see the header)"
else
	SIZES="0 1 56 1472 4000 65000"
fi
for s in $SIZES; do
	ping_check "ping -s $s" -c 3 -i 0.2 -W 2 -s "$s" -p a5015aff
	# ICMP header + payload in 1480-byte IPv4 fragments (MTU 1500)
	n=$(( (s + 8 + 1479) / 1480 ))
	echos=$((echos + 3))
	txframes=$((txframes + 3 * n))
	[ "$n" -gt 1 ] && frags_out=$((frags_out + 3 * n))
	if [ "$PMD" = af_packet ]; then
		frames=$((frames + 3))
	else
		frames=$((frames + 3 * n))
		if [ "$n" -gt 1 ]; then
			frags=$((frags + 3 * n))
			reasm=$((reasm + 3))
		fi
	fi
done

ping_check "flood ping" -c "$FLOOD" -f -W 2
frames=$((frames + FLOOD))
txframes=$((txframes + FLOOD))
echos=$((echos + FLOOD))

# Telemetry: the counters equal what was sent (no IPv6 or ARP chatter in the lab).
t_expect_eq "/spindle/stats rx_pkts" "$(sp_stat rx_pkts)" "$frames"
t_expect_eq "/spindle/stats,port0 rx_pkts" "$(sp_stat rx_pkts port0)" "$frames"
t_expect_eq "/spindle/stats,lcore1 rx_pkts" "$(sp_stat rx_pkts lcore1)" "$frames"
t_expect_eq "icmp_in_echos" "$(sp_stat icmp_in_echos)" "$echos"
t_expect_eq "icmp_out_echo_reps" "$(sp_stat icmp_out_echo_reps)" "$echos"
t_expect_eq "ip_frag_in" "$(sp_stat ip_frag_in)" "$frags"
t_expect_eq "ip_reasm_ok" "$(sp_stat ip_reasm_ok)" "$reasm"
t_expect_eq "ip_frag_out (replies fragmented like the requests)" "$(sp_stat ip_frag_out)" "$frags_out"
t_expect_eq "tx_pkts" "$(sp_stat tx_pkts)" "$txframes"
t_expect_eq "ip_in_receives" "$(sp_stat ip_in_receives)" "$frames"

# IP options (RFC 1122 3.2.2.6): the kernel's ping -R and -T print the record route and
# timestamp options of the reply; spindle must have added itself (before: no options came back).
out=$(lab_exec timeout 10 ping -c 1 -W 2 -R "$SP" 2>&1) || true
if awk '/^RR:/{rr=1} rr && /198\.18\.0\.2/{f=1} END{exit !f}' <<< "$out"; then
	t_ok "ping -R: our address in the reply's record route"
else
	t_fail "ping -R: $(head -4 <<< "$out" | tr '\n' ' ')"
fi
out=$(lab_exec timeout 10 ping -c 1 -W 2 -T tsandaddr "$SP" 2>&1) || true
if awk '/^TS:/{ts=1} ts && /198\.18\.0\.2/{f=1} END{exit !f}' <<< "$out"; then
	t_ok "ping -T tsandaddr: our address and time in the reply's timestamp option"
else
	t_fail "ping -T tsandaddr: $(head -4 <<< "$out" | tr '\n' ' ')"
fi

# UDP to a port nobody listens on: ICMP port unreachable, which the kernel turns into
# ECONNREFUSED on the connected socket. nc -u shows it only when its next write or read
# happens after the error arrived (racy: informational); a connected socket's recv() is exact.
rc=0
lab_exec timeout 10 nc -u -w 2 "$SP" 9999 < <(echo probe; sleep 1; echo again) >/dev/null 2>&1 || rc=$?
echo "nc -u to closed port 9999: exit status $rc (1 = refused)"
r=$(lab_exec timeout 10 "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.connect(("198.18.0.2", 9998))
s.send(b"x")
try:
    s.recv(100)
    print("answered")
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")')
t_expect_eq "UDP socket to closed port 9998" "$r" refused
n=$(sp_stat udp_no_ports)
[ "${n:-0}" -ge 2 ] && t_ok "udp_no_ports = $n" || t_fail "udp_no_ports = $n, want >= 2"
n=$(sp_stat icmp_out_errors)
[ "${n:-0}" -ge 2 ] && t_ok "icmp_out_errors = $n" || t_fail "icmp_out_errors = $n, want >= 2"

spindle_stop && t_ok "clean exit, every mbuf returned" || t_fail "spindle_stop"
t_finish

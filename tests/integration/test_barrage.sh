#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A scapy barrage (barrage.py: ~1400 malformed frames in 18 categories: runts, foreign and
# unknown Ethernet, truncated IPv4, bad version/IHL/length/checksum, martian sources, bad ICMP
# and UDP checksums and lengths, overlapping, tiny and out-of-range fragments, ARP garbage,
# random bytes) at spindle with ARP on (config/arp.conf). Then: spindle is alive and answers
# ping, every frame reached it (rx_pkts), the drop counters grew by at least the frames that must
# be dropped (a fragment group may count once), and no mbuf leaked at exit.
# On af_packet the fragment categories are left out: DPDK 22.11's net_af_packet has the kernel
# reassemble fragments before it reads them (PACKET_FANOUT_FLAG_DEFRAG), so bad fragments never
# reach spindle (they are exercised on tap).   Usage: test_barrage.sh tap|af_packet
set -euo pipefail
. "$(dirname "$0")/lib.sh"
PMD=${1:-tap}
# Counters that name a reason to drop a received frame (lib/sp_stats.h).
DROPS='^(eth_(runt|not_for_us|multicast|bad_src|unknown_type|vlan|arp_off|hdr_split)|arp_(bad_.*|not_for_us|unsolicited)|ip_(runt|bad_.*|martian_.*|not_for_us|reasm_fails|frag_bad|frag_dup|frag_discarded|in_multicast|hdr_split|bcast_tcp|no_route)|icmp_(bad_.*|unhandled_type|bcast_echo|in_echo_reps)|udp_(bad_.*)|InErrs|InCsumErrors|TCPBadOptions)$'

drop_sum() {
	tel /spindle/stats | "$PY" -c '
import json, re, sys
r = json.load(sys.stdin)["/spindle/stats"]
print(sum(v for k, v in r.items() if re.match(sys.argv[1], k)))' "$DROPS"
}

lab_up "$PMD" # the kernel has a static neighbour: it sends no ARP of its own
spindle_start "$(config_no_services arp.conf)"
d0=$(drop_sum)
r0=$(sp_stat rx_pkts)
nofrag=
[ "$PMD" = af_packet ] && nofrag=nofrag
out=$(lab_exec timeout 120 "$PY" "$LIB_DIR/barrage.py" sp0 "${BARRAGE_SEED:-1}" $nofrag)
echo "$out"
sent=$(sed -n 's/^sent=\([0-9]*\) .*/\1/p' <<< "$out")
want=$(sed -n 's/.* min_drops=\([0-9]*\)$/\1/p' <<< "$out")
[ "${sent:-0}" -ge 1000 ] && t_ok "barrage: $sent frames sent" || t_fail "barrage sent ${sent:-nothing}"
sleep 3 # past frag_timeout_ms (2 s): incomplete datagrams expire
spindle_alive && t_ok "spindle alive after the barrage" || t_fail "spindle died"
r1=$(sp_stat rx_pkts)
[ $((r1 - r0)) -ge "$sent" ] && t_ok "rx_pkts grew by $((r1 - r0)) >= $sent" ||
	t_fail "rx_pkts grew by $((r1 - r0)), want >= $sent"
d1=$(drop_sum)
[ $((d1 - d0)) -ge "$want" ] && t_ok "drop counters grew by $((d1 - d0)) >= $want" ||
	t_fail "drop counters grew by $((d1 - d0)), want >= $want"
echo "drop counters now:"
tel /spindle/stats | "$PY" -c '
import json, re, sys
r = json.load(sys.stdin)["/spindle/stats"]
print("  " + ", ".join("%s=%d" % (k, v) for k, v in r.items() if v and re.match(sys.argv[1], k)))' "$DROPS"
out=$(lab_exec timeout 20 ping -c 5 -i 0.2 -W 2 198.18.0.2 2>&1 || true)
grep -q "5 packets transmitted, 5 received" <<< "$out" && t_ok "ping answered after the barrage" ||
	t_fail "ping after the barrage: $(grep transmitted <<< "$out")"
spindle_stop && t_ok "clean exit, every mbuf returned" || t_fail "spindle_stop"
t_finish

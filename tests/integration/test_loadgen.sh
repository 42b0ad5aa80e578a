#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# loadgen's modes against kernel peers in the lab (docs/loadgen.md), each run asserting on its
# loadgen-result line and on the exit report's mbuf check:
#  - http (keep-alive GETs) against tcp_tools.py http-server: requests, no error, no non-2xx;
#    a missing path: http_non2xx counted, exit status 1;
#  - cps raw against a kernel rr server, close = client and close = rst; cps with http = on
#    against python3 -m http.server (HTTP/1.0: the server closes, close = server);
#  - connect, close = rst, against a kernel listener;
#  - many flows: connect over 3 source addresses x 10 source ports with close = server: the
#    kernel sees every address and at most 10 ports, and the 30 tuples carry more connections
#    than that through the kernel's TIME-WAIT reuse;
#  - an open-loop rate (rr at 1000/s): rate_asked = 1000 and every scheduled arrival started,
#    rate_achieved within 10%; live figures on telemetry /spindle/loadgen while it runs;
#  - failures: a closed port (errors_refused, exit 1), a port rejected with ICMP host unreachable
#    (errors_refused at once, no timeout: the error about the SYN ends the attempt) and a peer
#    that resets every connection (errors_reset, exit 1); spindle neither crashes nor leaks an
#    mbuf.
# Runs last at least 2 s: with net_tap the first SYNs can go out before the lab attached to the
# tap and are retransmitted after the initial RTO (1 s).
# Usage: test_loadgen.sh [tap|af_packet|af_xdp]
set -euo pipefail
. "$(dirname "$0")/tcp_common.sh"
trap tcp_teardown EXIT

lab_up "$PMD"
mkdir -p "$TCP_TMP/www"
head -c 1000 /dev/urandom > "$TCP_TMP/www/small.bin"

# One loadgen run (--set service.lg.KEY=VALUE for each KEY=VALUE argument, "--set S.K=V" as it
# is) until spindle exits;
# its exit status in $LG_RC, its loadgen-result line in $LG_LINE (one worker: one line).
lg_run() {
	local args=(--set service.lg.type=loadgen --set "service.lg.address=$PEER_IP"
		--set service.lg.interval_ms=500)
	while [ $# -gt 0 ]; do
		if [ "$1" = --set ]; then
			args+=(--set "$2")
			shift 2
		else
			args+=(--set "service.lg.$1")
			shift
		fi
	done
	LG_RC=0
	spindle_run_client 60 "${args[@]}" >&2 || LG_RC=$?
	LG_LINE=$(grep -a '^loadgen-result: ' "$(spindle_log)" || true)
	echo "   rc=$LG_RC $LG_LINE"
	grep -a '^loadgen \|^loadgen-progress' "$(spindle_log)" | head -20 || true
	[ -n "$LG_LINE" ] || tcp_fail "no loadgen-result line; log: $(tail -20 "$(spindle_log)")"
	[ "$LG_RC" != 3 ] || tcp_fail "mbufs leaked: $(grep -a '^mbufs' "$(spindle_log)")"
	spindle_mbufs_ok "$(spindle_log)" ||
		tcp_fail "no 'mbufs: all N returned': $(grep -a '^mbufs' "$(spindle_log)")"
}

# A kernel listener on $PEER_IP:$1 that closes each connection at once (close) or reads the
# request and then resets it (reset: SO_LINGER 0).
kernel_listener() {
	tcp_bg /usr/bin/python3 -c '
import socket, struct, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(128)
while True:
    c, _ = s.accept()
    if sys.argv[3] == "reset":
        c.recv(1000)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
' "$PEER_IP" "$1" "$2"
}

# Field $1 of the last result.
field() {
	sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$LG_LINE"
}

# $1 $2 $3: field $1 compared with -gt/-ge/-eq/... to $3 (integers; fractions cut).
expect() {
	local v
	v=$(field "$1")
	v=${v%%.*}
	[ -n "$v" ] || tcp_fail "no field $1 in: $LG_LINE"
	[ "$v" "$2" "$3" ] || tcp_fail "$1 = $v, want $2 $3: $LG_LINE"
}

tcp_log "http: keep-alive GETs against a kernel HTTP/1.1 server"
tcp_bg /usr/bin/python3 "$TCP_DIR/tcp_tools.py" http-server --bind "$PEER_IP" --port 8080 \
	--dir "$TCP_TMP/www"
tcp_wait_port "$PEER_IP" 8080
lg_run port=8080 mode=http path=/small.bin connections=4 duration_ms=2000
[ "$LG_RC" = 0 ] || tcp_fail "loadgen http exited $LG_RC"
expect requests -gt 10
expect failed -eq 0
expect http_non2xx -eq 0
expect connections_opened -eq 4
[ "$(field mode)" = http ] || tcp_fail "mode is not http"
# every field the bench scripts read is there
for f in name mode connections connected failed seconds bytes_sent bytes_received requests \
	p50_us p90_us p99_us max_us p999_us connections_opened connections_completed cps \
	rate_asked rate_achieved errors_refused errors_timeout errors_reset errors_bad_response \
	errors_local http_non2xx connect_p50_us connect_p99_us ttfb_p50_us ttfb_p99_us worker; do
	[ -n "$(field "$f")" ] || [[ "$LG_LINE" == "loadgen-result: $f="* ]] ||
		tcp_fail "no field $f"
done
[[ "$LG_LINE" =~ \ worker=0$ ]] || tcp_fail "worker= is not the last field"

tcp_log "http: a missing path is counted as non-2xx and fails the run"
lg_run port=8080 mode=http path=/nope connections=2 duration_ms=2500
[ "$LG_RC" = 1 ] || tcp_fail "loadgen http of a 404 exited $LG_RC, want 1"
expect http_non2xx -gt 0

tcp_log "cps raw against a kernel rr server, close = client"
tcp_bg /usr/bin/python3 "$TCP_DIR/tcp_tools.py" rr-server --bind "$PEER_IP" --port 7007 \
	--req 100 --resp 200
tcp_wait_port "$PEER_IP" 7007
lg_run port=7007 mode=cps request_size=100 response_size=200 connections=4 duration_ms=2000
[ "$LG_RC" = 0 ] || tcp_fail "loadgen cps (client close) exited $LG_RC"
expect connections_completed -gt 20
expect requests -eq "$(field connections_completed)"
expect failed -eq 0

tcp_log "cps raw, close = rst: no TIME-WAIT"
lg_run port=7007 mode=cps request_size=100 response_size=200 connections=4 duration_ms=2000 \
	close=rst
[ "$LG_RC" = 0 ] || tcp_fail "loadgen cps (rst) exited $LG_RC"
expect connections_completed -gt 20
expect failed -eq 0

tcp_log "cps with http = on against python3 -m http.server (the server closes: close = server)"
tcp_bg /usr/bin/python3 -m http.server --bind "$PEER_IP" --directory "$TCP_TMP/www" 8081
tcp_wait_port "$PEER_IP" 8081
lg_run port=8081 mode=cps http=on path=/small.bin close=server connections=2 duration_ms=2000
[ "$LG_RC" = 0 ] || tcp_fail "loadgen cps http exited $LG_RC"
expect connections_completed -gt 5
expect http_non2xx -eq 0
expect failed -eq 0

tcp_log "connect, close = rst, against a kernel listener"
tcp_bg /usr/bin/python3 "$TCP_DIR/tcp_tools.py" sink --bind "$PEER_IP" --port 7009
tcp_wait_port "$PEER_IP" 7009
lg_run port=7009 mode=connect close=rst connections=8 duration_ms=2000
[ "$LG_RC" = 0 ] || tcp_fail "loadgen connect exited $LG_RC"
expect connections_completed -gt 50
expect connect_p50_us -gt 0
expect failed -eq 0

tcp_log "many flows: 3 source addresses x 10 source ports, close = server, TIME-WAIT reuse"
# The server closes first, so the kernel holds TIME-WAIT for each 4-tuple; 30 tuples carry many
# more connections only because the kernel accepts a new SYN on a tuple in TIME-WAIT (RFC 6191).
# ARP on, so the kernel resolves the extra addresses itself.
kernel_listener 7011 close
tcp_wait_port "$PEER_IP" 7011
if [ -z "${TCP_SHIM:-}" ]; then
	lg_run port=7011 mode=connect close=server connections=4 duration_ms=2000 \
		src_address_min=198.18.0.2 src_address_max=198.18.0.4 src_port_min=20000 \
		src_port_max=20009 --set port0.arp=on \
		--set port0.address=198.18.0.2/24,198.18.0.3/24,198.18.0.4/24
	[ "$LG_RC" = 0 ] || tcp_fail "loadgen over source ranges exited $LG_RC"
	expect connections_completed -gt 60
	expect failed -eq 0
	# (the peer $PEER_IP itself is tcp_wait_port's probe)
	tw=$(in_ns ss -Htn state time-wait '( sport = :7011 )' | awk '{ print $NF }' |
		grep -v "^$PEER_IP:" || true)
	addrs=$(sed 's/:.*//' <<< "$tw" | sort -u | tr '\n' ' ')
	ports=$(sed 's/.*://' <<< "$tw" | sort -u | wc -l)
	echo "   kernel TIME-WAIT peers: $addrs($ports ports)"
	[ "$addrs" = "198.18.0.2 198.18.0.3 198.18.0.4 " ] ||
		tcp_fail "source addresses seen by the server: $addrs"
	[ "$ports" -le 10 ] || tcp_fail "$ports source ports, want at most 10"
fi

tcp_log "open loop: rr at 1000/s asked, achieved, live on telemetry"
(
	sleep 2
	[ -z "${TCP_SHIM:-}" ] || exit 0
	$TOOLS telemetry "$(spindle_prefix)" /spindle/loadgen > "$TCP_TMP/tel.json" 2>&1 || true
) &
tel_pid=$!
lg_run port=7007 mode=rr request_size=100 response_size=200 connections=8 rate=1000 \
	duration_ms=4000
wait "$tel_pid" || true
[ "$LG_RC" = 0 ] || tcp_fail "loadgen open loop exited $LG_RC"
expect rate_asked -eq 1000
expect rate_achieved -ge 900
expect rate_achieved -le 1100
expect started -eq "$(field scheduled)"
if [ -z "${TCP_SHIM:-}" ]; then
	cat "$TCP_TMP/tel.json"
	grep -q '"lg/w0"' "$TCP_TMP/tel.json" && grep -q '"rate_asked": 1000' "$TCP_TMP/tel.json" ||
		tcp_fail "/spindle/loadgen did not show the run"
fi
grep -aq '^loadgen-progress: name=lg worker=0 ' "$(spindle_log)" || tcp_fail "no progress line"

tcp_log "a closed port: refused, counted, exit 1"
lg_run port=8999 mode=cps connections=2 duration_ms=1000
[ "$LG_RC" = 1 ] || tcp_fail "loadgen to a closed port exited $LG_RC, want 1"
expect errors_refused -gt 0
expect connections_completed -eq 0

tcp_log "a port the peer's firewall rejects with ICMP host unreachable: refused, not timed out"
in_ns nft -f - <<'NFT'
table inet lgtest {
	chain input {
		type filter hook input priority 0;
		tcp dport 8998 reject with icmp type host-unreachable
	}
}
NFT
lg_run port=8998 mode=cps connections=2 duration_ms=1000
[ "$LG_RC" = 1 ] || tcp_fail "loadgen to a rejected port exited $LG_RC, want 1"
expect errors_refused -gt 0
expect errors_timeout -eq 0
expect connections_completed -eq 0
in_ns nft delete table inet lgtest

tcp_log "a peer that resets every connection: reset, counted, exit 1"
kernel_listener 7010 reset
tcp_wait_port "$PEER_IP" 7010
lg_run port=7010 mode=cps request_size=100 response_size=200 connections=2 duration_ms=2000
[ "$LG_RC" = 1 ] || tcp_fail "loadgen against a resetting peer exited $LG_RC, want 1"
expect errors_reset -gt 0

echo "PASS test_loadgen ($PMD)"

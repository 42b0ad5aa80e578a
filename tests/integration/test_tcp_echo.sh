#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP with kernel peers: nc to echo (10 MB of random bytes come back equal), chargen (RFC 864
# lines), discard (nc exits once spindle closes after the peer's FIN); no connection left, no
# mbuf leaked.   Usage: test_tcp_echo.sh [tap|af_packet|af_xdp]
set -euo pipefail
. "$(dirname "$0")/tcp_common.sh"
trap tcp_teardown EXIT

lab_up "$PMD"
spindle_start

tcp_log "echo: 10 MB through nc"
head -c 10000000 /dev/urandom > "$TCP_TMP/in"
in_ns timeout 60 nc -N "$SP_IP" 7 < "$TCP_TMP/in" > "$TCP_TMP/out" || tcp_fail "nc to echo failed"
cmp "$TCP_TMP/in" "$TCP_TMP/out" || tcp_fail "echo returned different bytes"

tcp_log "echo: 100 short sessions"
for i in $(seq 100); do
	r=$(echo "line $i" | in_ns timeout 5 nc -N "$SP_IP" 7) || tcp_fail "echo session $i failed"
	[ "$r" = "line $i" ] || tcp_fail "echo session $i returned '$r'"
done

tcp_log "chargen: RFC 864 lines"
in_ns timeout 10 sh -c "nc $SP_IP 19 | head -c 14060" > "$TCP_TMP/cg" || true
/usr/bin/python3 - "$TCP_TMP/cg" <<'PY' || tcp_fail "chargen pattern differs"
import sys
want = b"".join(bytes(32 + (k + j) % 95 for j in range(72)) + b"\r\n" for k in range(190))
got = open(sys.argv[1], "rb").read()
sys.exit(0 if got == want else 1)
PY

tcp_log "discard: 5 MB, closed when the peer closes"
head -c 5000000 /dev/zero | in_ns timeout 30 nc -N "$SP_IP" 9 || tcp_fail "nc to discard failed"

tcp_assert_conns_closed 30
spindle_stop
echo "PASS test_tcp_echo ($PMD)"

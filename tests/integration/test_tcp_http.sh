#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# http service with kernel clients: curl keep-alive (several URLs, one connect), Connection: close
# and HTTP/1.0 (a connect per URL), HEAD, 404/405, /bytes/N content, pipelined requests through
# nc, then wrk -c 100 with zero errors; no connection left, no mbuf leaked.
# Usage: test_tcp_http.sh [tap|af_packet|af_xdp] TCP_WRK_SECONDS (default 10)
set -euo pipefail
. "$(dirname "$0")/tcp_common.sh"
trap tcp_teardown EXIT
U=http://$SP_IP

# num_connects of each URL fetched by one curl (bodies dropped): "1 0 0" = one connection.
connects() {
	local args=() u
	for u in "$@"; do
		case "$u" in
		http://*) args+=(-o /dev/null "$u") ;;
		*) args+=("$u") ;;
		esac
	done
	in_ns timeout 20 curl -sf -w '%{num_connects} ' "${args[@]}"
}

lab_up "$PMD"
spindle_start

tcp_log "GET /"
# (outputs are captured before grep -q: with pipefail, grep -q leaving early fails curl)
page=$(in_ns timeout 10 curl -sf "$U/") || tcp_fail "GET / failed"
grep -q spindle <<< "$page" || tcp_fail "GET / does not return the page"

tcp_log "keep-alive: three URLs, one connection"
c=$(connects "$U/" "$U/bytes/1000" "$U/bytes/1048576") || tcp_fail "keep-alive: curl failed"
[ "$(echo $c)" = "1 0 0" ] || tcp_fail "keep-alive: num_connects '$c' (want '1 0 0')"

tcp_log "Connection: close and HTTP/1.0: a connection per URL"
c=$(connects -H 'Connection: close' "$U/" "$U/") || tcp_fail "Connection: close: curl failed"
[ "$(echo $c)" = "1 1" ] || tcp_fail "Connection: close: num_connects '$c' (want '1 1')"
hdr=$(in_ns timeout 10 curl -sf -D - -o /dev/null -H 'Connection: close' "$U/") || tcp_fail "curl failed"
grep -qi '^connection: close' <<< "$hdr" || tcp_fail "no 'Connection: close' in the response"
c=$(connects -0 "$U/" "$U/") || tcp_fail "HTTP/1.0: curl failed"
[ "$(echo $c)" = "1 1" ] || tcp_fail "HTTP/1.0: num_connects '$c' (want '1 1')"

tcp_log "/bytes/N content, HEAD, errors"
for n in 0 1 255 256 1448 100000 3000001; do
	got=$(in_ns timeout 30 curl -sf "$U/bytes/$n" | sha256sum | cut -d' ' -f1) ||
		tcp_fail "/bytes/$n: download failed or timed out"
	[ "$got" = "$($TOOLS sha256-pattern $n)" ] || tcp_fail "/bytes/$n: wrong content"
done
hdr=$(in_ns timeout 10 curl -sfI "$U/bytes/12345") || tcp_fail "HEAD failed"
grep -qi '^content-length: 12345' <<< "$hdr" || tcp_fail "HEAD: no Content-Length: 12345"
code=$(in_ns timeout 10 curl -s -o /dev/null -w '%{http_code}' "$U/nope") || true
[ "$code" = 404 ] || tcp_fail "unknown path: $code (want 404)"
code=$(in_ns timeout 10 curl -s -o /dev/null -w '%{http_code}' -X POST -d abc "$U/") || true
[ "$code" = 405 ] || tcp_fail "POST: $code (want 405)"
code=$(in_ns timeout 10 curl -s -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' a)" "$U/") || true
[ "$code" = 431 ] || tcp_fail "9 KB header: $code (want 431)"

tcp_log "pipelining: three requests in one write"
n=$(printf 'GET /bytes/5 HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nGET /bytes/7 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' |
	in_ns timeout 10 nc -N "$SP_IP" 80 | grep -ao 'HTTP/1.1 200 OK' | wc -l) || true
[ "$n" = 3 ] || tcp_fail "pipelining: $n responses (want 3)"

secs=${TCP_WRK_SECONDS:-10}
tcp_log "wrk -c 100 -d ${secs}s"
in_ns timeout $((secs + 30)) wrk -t 1 -c 100 -d "${secs}s" "$U/" > "$TCP_TMP/wrk" 2>&1 || tcp_fail "wrk failed"
cat "$TCP_TMP/wrk"
grep -q 'requests in' "$TCP_TMP/wrk" || tcp_fail "wrk: no result"
! grep -Eq 'Socket errors|Non-2xx' "$TCP_TMP/wrk" || tcp_fail "wrk reported errors"
[ "$(awk '/requests in/ { print $1 }' "$TCP_TMP/wrk")" -gt 0 ] || tcp_fail "wrk: no request done"

tcp_log "wrk -c 100 Connection: close (5 s)"
in_ns timeout 40 wrk -t 1 -c 100 -d 5s -H 'Connection: close' "$U/" > "$TCP_TMP/wrk2" 2>&1 || tcp_fail "wrk failed"
cat "$TCP_TMP/wrk2"
! grep -Eq 'Socket errors|Non-2xx' "$TCP_TMP/wrk2" || tcp_fail "wrk (Connection: close) reported errors"

tcp_assert_conns_closed 30
spindle_stop
echo "PASS test_tcp_http ($PMD)"

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# spindle's client services against kernel servers in the lab namespace:
#  - fetch of a 20 MB random file from a kernel HTTP server, with Content-Length, chunked and
#    close-delimited bodies: spindle exits 0 and the file's sha256 matches;
#  - fetch of a missing path (404) and from a closed port: spindle exits non-zero;
#  - loadgen rr against a kernel request/response server and bulk against a kernel sink:
#    exit 0, requests/bytes reported.
# Usage: test_tcp_clients.sh [tap|af_packet]
set -euo pipefail
. "$(dirname "$0")/tcp_common.sh"
trap tcp_teardown EXIT
SIZE=${TCP_FETCH_BYTES:-20000000}

lab_up "$PMD"
mkdir -p "$TCP_TMP/www"
head -c "$SIZE" /dev/urandom > "$TCP_TMP/www/file.bin"
want=$(sha256sum < "$TCP_TMP/www/file.bin" | cut -d' ' -f1)

# Run spindle with one client service until it exits by itself; print its exit status.
run_client() {
	local rc=0
	spindle_run_client 120 "$@" >&2 || rc=$? # (its messages must not land in $(...))
	echo "$rc"
}

port=8000
for mode in length chunked close; do
	flag=
	[ "$mode" = chunked ] && flag=--chunked
	[ "$mode" = close ] && flag=--close
	tcp_bg /usr/bin/python3 "$TCP_DIR/tcp_tools.py" http-server --bind "$PEER_IP" --port $port \
		--dir "$TCP_TMP/www" $flag
	tcp_wait_port "$PEER_IP" $port
	tcp_log "fetch ($mode body)"
	rm -f "$TCP_TMP/out"
	rc=$(run_client --set service.get.type=fetch \
		--set "service.get.url=http://$PEER_IP:$port/file.bin" \
		--set "service.get.output=$TCP_TMP/out")
	[ "$rc" = 0 ] || tcp_fail "fetch ($mode) exited $rc"
	got=$(sha256sum < "$TCP_TMP/out" | cut -d' ' -f1)
	[ "$got" = "$want" ] || tcp_fail "fetch ($mode): sha256 differs"
	port=$((port + 1))
done

tcp_log "fetch of a missing path fails"
rc=$(run_client --set service.get.type=fetch --set "service.get.url=http://$PEER_IP:8000/nope" \
	--set "service.get.output=$TCP_TMP/out")
[ "$rc" != 0 ] || tcp_fail "fetch of a 404 exited 0"

tcp_log "fetch from a closed port fails"
rc=$(run_client --set service.get.type=fetch --set "service.get.url=http://$PEER_IP:8999/x" \
	--set "service.get.output=$TCP_TMP/out")
[ "$rc" != 0 ] || tcp_fail "fetch from a closed port exited 0"

tcp_log "loadgen rr against a kernel server"
tcp_bg /usr/bin/python3 "$TCP_DIR/tcp_tools.py" rr-server --bind "$PEER_IP" --port 7007 \
	--req 100 --resp 200
tcp_wait_port "$PEER_IP" 7007
rc=$(run_client --set service.lg.type=loadgen --set "service.lg.address=$PEER_IP" \
	--set service.lg.port=7007 --set service.lg.connections=8 --set service.lg.duration_ms=3000 \
	--set service.lg.mode=rr --set service.lg.request_size=100 --set service.lg.response_size=200)
[ "$rc" = 0 ] || tcp_fail "loadgen rr exited $rc"
grep -a 'loadgen-result: name=lg mode=rr' "$(spindle_log)" || tcp_fail "no loadgen result"
grep -aq 'loadgen-result: .*failed=0 .*requests=[1-9]' "$(spindle_log)" || tcp_fail "loadgen rr did no request"

tcp_log "loadgen bulk against a kernel sink"
tcp_bg /usr/bin/python3 "$TCP_DIR/tcp_tools.py" sink --bind "$PEER_IP" --port 7009
tcp_wait_port "$PEER_IP" 7009
rc=$(run_client --set service.lg.type=loadgen --set "service.lg.address=$PEER_IP" \
	--set service.lg.port=7009 --set service.lg.connections=1 --set service.lg.duration_ms=20000 \
	--set service.lg.mode=bulk --set service.lg.bytes=50000000)
[ "$rc" = 0 ] || tcp_fail "loadgen bulk exited $rc"
grep -aq 'loadgen-result: .*mode=bulk .*failed=0 .*bytes_sent=50000000 ' "$(spindle_log)" ||
	tcp_fail "loadgen bulk did not send 50000000 bytes"

echo "PASS test_tcp_clients ($PMD)"

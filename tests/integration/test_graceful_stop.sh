#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Graceful stop (docs/program.md "Stopping") with kernel clients:
#   1. stack.drain_ms = 20000: SIGTERM while curl reads /bytes/N at a limited rate and an echo
#      client sits idle. curl gets every byte (exit 0, right sha256), the echo client reads EOF
#      (a FIN, not a reset), spindle then exits by itself: status 0, "mbufs: all N returned",
#      and its log says "draining 2 connection(s)" and "drain done ...: 2 closed, 0 reset".
#   2. stack.drain_ms = 0 (the old behaviour): the same SIGTERM resets the download at once.
#   3. a second SIGTERM during a long drain ends it at once: the download is reset, "cut short".
# Usage: test_graceful_stop.sh [tap|af_packet]
#   GS_BYTES (default 4000000) and GS_RATE (curl --limit-rate, default 600k): the download
#   must take several seconds, and much longer than what the buffers hold.
set -euo pipefail
. "$(dirname "$0")/tcp_common.sh"
trap tcp_teardown EXIT
N=${GS_BYTES:-4000000}
RATE=${GS_RATE:-600k}
URL=http://$SP_IP/bytes/$N

# Start curl in the background: body to $TCP_TMP/body, "exit=RC size=BYTES" to $TCP_TMP/curl.
start_download() { # RATE
	rm -f "$TCP_TMP/body" "$TCP_TMP/curl"
	(
		rc=0
		in_ns timeout 90 curl -sS --limit-rate "$1" -o "$TCP_TMP/body" \
			-w '%{size_download}' "$URL" > "$TCP_TMP/size" 2> "$TCP_TMP/curl.err" || rc=$?
		echo "exit=$rc size=$(cat "$TCP_TMP/size" 2>/dev/null)" > "$TCP_TMP/curl"
	) &
	CURL_PID=$!
}

# Wait (bounded) until the download is under way: at least $1 bytes received.
wait_body() {
	local i
	for i in $(seq 100); do
		[ "$(stat -c %s "$TCP_TMP/body" 2>/dev/null || echo 0)" -ge "$1" ] && return 0
		sleep 0.1
	done
	tcp_fail "the download did not start"
}

# Wait at most $1 seconds for spindle to exit by itself, then collect its status (spindle_stop
# on an exited process sends nothing that matters and asserts status 0 and no leaked mbuf).
wait_spindle_exit() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		spindle_alive || break
		sleep 0.1
	done
	spindle_alive && tcp_fail "spindle still runs $1 s later"
	spindle_stop || tcp_fail "spindle did not exit cleanly"
}

lab_up "$PMD"
# The client's receive buffer must not hold the whole body: with Linux's default tcp_rmem (up to
# 6 MB) spindle can hand over all 4 MB before the stop whatever curl's rate, and the stop then
# has nothing left to cut or to finish. 256 KB keeps the rate limit in force (per namespace).
in_ns sysctl -qw net.ipv4.tcp_rmem="4096 65536 262144"

tcp_log "1. drain_ms = 20000: SIGTERM in the middle of a download and an idle echo connection"
spindle_start --set stack.drain_ms=20000
start_download "$RATE"
# Idle echo client: one exchange, then it waits for our close: "eof" (FIN), "reset" or "timeout".
in_ns /usr/bin/python3 -c "
import socket
s = socket.create_connection(('$SP_IP', 7), 5)
s.sendall(b'hello')
got = b''
while len(got) < 5:
    got += s.recv(100)
print('ready', flush=True)
s.settimeout(30)
try:
    print('eof' if s.recv(100) == b'' else 'data', flush=True)
except ConnectionResetError:
    print('reset', flush=True)
except socket.timeout:
    print('timeout', flush=True)
" > "$TCP_TMP/echo" 2>&1 &
ECHO_PID=$!
wait_body 500000
for i in $(seq 50); do grep -q ready "$TCP_TMP/echo" && break; sleep 0.1; done
grep -q ready "$TCP_TMP/echo" || tcp_fail "echo client: no echo ($(cat "$TCP_TMP/echo"))"
kill -TERM "$(spindle_pid)"
wait "$CURL_PID" || true
wait "$ECHO_PID" || true
cat "$TCP_TMP/curl"
grep -q "^exit=0 size=$N$" "$TCP_TMP/curl" ||
	tcp_fail "download cut by the stop: $(cat "$TCP_TMP/curl") $(cat "$TCP_TMP/curl.err")"
[ "$(sha256sum < "$TCP_TMP/body" | cut -d' ' -f1)" = "$($TOOLS sha256-pattern "$N")" ] ||
	tcp_fail "download: wrong content"
[ "$(cat "$TCP_TMP/echo")" = "ready
eof" ] || tcp_fail "echo client: '$(tr '\n' ' ' < "$TCP_TMP/echo")' (want ready, eof)"
wait_spindle_exit 15
grep -q 'draining 2 connection(s) for up to 20000 ms' "$(spindle_log)" ||
	tcp_fail "no drain start line: $(grep -i drain "$(spindle_log)")"
grep -Eq 'drain done after [0-9]+ ms: 2 closed, 0 reset' "$(spindle_log)" ||
	tcp_fail "no clean drain end line: $(grep -i drain "$(spindle_log)")"
grep -i drain "$(spindle_log)"

tcp_log "2. drain_ms = 0: the same stop resets the download at once"
spindle_start --set stack.drain_ms=0
start_download "$RATE"
wait_body 500000
kill -TERM "$(spindle_pid)"
wait "$CURL_PID" || true
cat "$TCP_TMP/curl"
grep -q '^exit=56 ' "$TCP_TMP/curl" ||
	tcp_fail "drain_ms = 0: the download was not reset ($(cat "$TCP_TMP/curl"))"
size=$(stat -c %s "$TCP_TMP/body")
[ "$size" -lt "$N" ] || tcp_fail "drain_ms = 0: $size bytes arrived (want fewer than $N)"
wait_spindle_exit 10
! grep -q 'draining' "$(spindle_log)" || tcp_fail "drain_ms = 0 still drained"

tcp_log "3. a second SIGTERM during the drain resets at once"
spindle_start --set stack.drain_ms=60000
start_download 100k
wait_body 200000
kill -TERM "$(spindle_pid)"
sleep 1
spindle_alive || tcp_fail "spindle did not drain (exited within 1 s of SIGTERM)"
kill -TERM "$(spindle_pid)"
wait_spindle_exit 10
wait "$CURL_PID" || true
cat "$TCP_TMP/curl"
grep -q '^exit=56 ' "$TCP_TMP/curl" ||
	tcp_fail "second signal: the download was not reset ($(cat "$TCP_TMP/curl"))"
grep -Eq 'drain cut short by a second signal after [0-9]+ ms: 0 closed, 1 reset' "$(spindle_log)" ||
	tcp_fail "no 'cut short' line: $(grep -i drain "$(spindle_log)")"

echo "PASS test_graceful_stop ($PMD)"

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Unmodified programs (Debian packages) on spindle through spindle-run and
# libspindle_preload.so (docs/preload.md "Tests"), kernel clients in the lab namespace:
#   redis      redis-server; redis-benchmark -t set,get,incr,lpush,lpop -n 200000 -c 50 with no
#              error and every INCR counted; redis-cli values read back equal, 1 MB included;
#              BGSAVE (a forked child saves while the parent serves)
#   nginx      nginx-light, a master and one worker (preload/nginx.conf; the worker takes the
#              stack over): curl of static files (sha256), keep-alive and Connection: close,
#              wrk -c 100 -d 10s with no error
#   iperf3     iperf3 -s on spindle: kernel iperf3 -c TCP, -R and UDP; SIGTERM to a plain
#              iperf3 -s (on ::) in the middle of a -R transfer, three times: it exits at once;
#              then iperf3 -c on spindle against a kernel iperf3 -s
#   threads    python3 -m http.server (a thread per connection) fetched by concurrent curls
# Every server is stopped with SIGINT: it must exit with its usual status (0; iperf3 -s: 1) and,
# on spindle, print "mbufs: all N returned".
#
# Usage: test_preload.sh tap|af_packet|af_xdp|kernel redis|nginx|iperf3|threads
#   kernel: the dry run: the same program, clients and checks with the Linux kernel standing in
#   for spindle (scripts/lab.sh up --kernel-only; no preload), to check the test itself.
# Skipped (77) only when libspindle_preload.so is not built.
# Environment: SPINDLE_RUN (default: spindle-run next to SPINDLE_BIN's directory),
# PL_LCORE (EAL -l, default 1), PL_WRK_SECONDS (default 10), PL_REDIS_N (default 200000).
set -uo pipefail
PMD=${1:?usage: test_preload.sh tap|af_packet|af_xdp|kernel PROGRAM}
PROG=${2:?usage: test_preload.sh tap|af_packet|af_xdp|kernel PROGRAM}
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
PL_MASTER= # nginx's master
. "$HERE/preload_lib.sh"

# ---- redis ----
redis_cli() { lab_exec timeout 30 redis-cli -h "$IP" "$@"; }

t_redis() {
	local n=${PL_REDIS_N:-200000} out t v
	need redis-server
	need redis-benchmark
	pl_start redis-server 6379 redis-server --port 6379 --bind "$IP" --save '' --appendonly no \
		--protected-mode no --daemonize no --dir "$SP_TMP" --logfile ''
	t_expect_eq "redis-cli PING" "$(redis_cli PING)" PONG

	# values written, read back equal: small, binary-safe, 1 MB
	t_expect_eq "SET k1" "$(redis_cli SET k1 hello)" OK
	t_expect_eq "GET k1" "$(redis_cli --raw GET k1)" hello
	head -c 1048576 /dev/urandom > "$SP_TMP/big"
	t_expect_eq "SET big (1 MB, binary)" "$(redis_cli -x SET big < "$SP_TMP/big")" OK
	t_expect_eq "STRLEN big" "$(redis_cli STRLEN big)" 1048576
	redis_cli --raw GET big > "$SP_TMP/big.out"
	# (--raw adds a newline)
	if [ "$(stat -c %s "$SP_TMP/big.out")" = 1048577 ] &&
		head -c 1048576 "$SP_TMP/big.out" | cmp -s - "$SP_TMP/big"; then
		t_ok "GET big: the 1 MB read back equal"
	else
		t_fail "GET big: $(stat -c %s "$SP_TMP/big.out") bytes, not the value written"
	fi
	t_expect_eq "RPUSH l a b c" "$(redis_cli RPUSH l a b c)" 3
	t_expect_eq "LRANGE l" "$(redis_cli --raw LRANGE l 0 -1 | tr '\n' ' ')" "a b c "

	# redis-benchmark: zero errors, and every INCR of its one counter key arrived
	out=$(lab_exec timeout 240 redis-benchmark -h "$IP" -t set,get,incr,lpush,lpop -n "$n" \
		-c 50 -q 2>&1)
	t=$?
	echo "$out" | tr '\r' '\n' | grep -E 'requests per second|rror' | head -20
	t_expect_eq "redis-benchmark exit status" "$t" 0
	for t in SET GET INCR LPUSH LPOP; do
		# grep reads a here-string, not a pipe: with pipefail, grep -q leaving early would fail
		# the writer with SIGPIPE on this long output (progress lines)
		if grep -Eq "^$t: [0-9.]+ requests per second" <<< "${out//$'\r'/$'\n'}"; then
			t_ok "redis-benchmark $t completed"
		else
			t_fail "redis-benchmark $t: no result line"
		fi
	done
	if grep -qiE 'error|refused|reset|timeout' <<< "$out"; then
		t_fail "redis-benchmark reported errors: $(echo "$out" | grep -iE 'error|refused|reset|timeout' | head -3)"
	else
		t_ok "redis-benchmark: no error"
	fi
	v=$(redis_cli GET counter:__rand_int__)
	t_expect_eq "INCR counter after $n INCRs" "$v" "$n"
	v=$(redis_cli INFO stats | tr -d '\r' | sed -n 's/^rejected_connections://p')
	t_expect_eq "redis rejected_connections" "$v" 0

	# BGSAVE forks a child that writes the data set to a file while the parent goes on
	# serving: the parent keeps the stack (docs/preload.md "Threads and fork")
	t_expect_eq "BGSAVE" "$(redis_cli BGSAVE)" "Background saving started"
	for t in $(seq 100); do
		v=$(redis_cli INFO persistence | tr -d '\r')
		grep -q '^rdb_bgsave_in_progress:0' <<< "$v" && break
		sleep 0.1
	done
	t_expect_eq "BGSAVE status" "$(sed -n 's/^rdb_last_bgsave_status://p' <<< "$v")" ok
	if [ -s "$SP_TMP/dump.rdb" ]; then t_ok "the background save wrote dump.rdb"; else
		t_fail "no dump.rdb after BGSAVE"
	fi
	t_expect_eq "GET k1 after BGSAVE" "$(redis_cli --raw GET k1)" hello
	if [ "$PMD" != kernel ] && grep -q 'takes the stack over' "$PL_LOG"; then
		t_fail "the save child took the stack: $(grep 'takes the stack over' "$PL_LOG")"
	fi
	pl_stop
}

# ---- nginx ----
# The TX kicks (sendto() of af_packet's and af_xdp's TX burst) per Connection: close request of
# wrk -c 50, counted with strace on the serving process: a non-blocking socket's close leaves its
# response and FIN in the loop turn's one burst (docs/preload.md "What a call costs"). Each
# close kicked at once before: 2.5 kicks a connection (SYN-ACK turns, the close, the last ACK's
# turns); now 1 or less, as loop turns serve several connections. The bound is 1.6.
nginx_close_kicks() {
	local w out req kicks
	case "$PMD" in af_packet|af_xdp) ;; *) return 0 ;; esac
	command -v strace >/dev/null || { echo "note: no strace, TX kicks not counted"; return 0; }
	w=$PL_MASTER
	[ "$PMD" = af_xdp ] || w=$(pgrep -P "$PL_MASTER" | head -1)
	[ -n "$w" ] || { t_fail "TX kicks: no nginx worker under pid $PL_MASTER"; return 0; }
	strace -f -c -e trace=sendto -o "$SP_TMP/kicks.txt" -p "$w" 2>/dev/null &
	local st=$!
	sleep 1
	out=$(lab_exec timeout 60 wrk -t 1 -c 50 -d 5s -H 'Connection: close' "http://$IP/index.html" 2>&1)
	kill -INT "$st"
	wait "$st"
	req=$(awk '/requests in/ { print $1 }' <<< "$out")
	kicks=$(awk '$NF == "sendto" { print $4 }' "$SP_TMP/kicks.txt")
	if [ -z "$req" ] || [ "$req" -lt 500 ] || [ -z "$kicks" ]; then
		t_fail "TX kicks: wrk made ${req:-no} requests, strace counted ${kicks:-nothing}: $out"
	elif awk -v k="$kicks" -v r="$req" 'BEGIN { exit !(k / r <= 1.6) }'; then
		t_ok "TX kicks per Connection: close request: $kicks / $req (at most 1.6)"
	else
		t_fail "TX kicks per Connection: close request: $kicks / $req (more than 1.6)"
	fi
}

t_nginx() {
	local d=$SP_TMP/nginx u=http://$IP out c want
	need nginx
	need wrk
	mkdir -p "$d/www" "$d/tmp"
	echo "spindle preload test page" > "$d/www/index.html"
	head -c 3000001 /dev/urandom > "$d/www/big.bin"
	if [ "$PMD" = af_xdp ]; then
		# no hand-over to a forked worker on net_af_xdp (docs/preload.md): one process
		pl_start nginx 80 nginx -p "$d/" -g 'master_process off;' -c "$HERE/preload/nginx.conf"
	else
		pl_start nginx 80 nginx -p "$d/" -c "$HERE/preload/nginx.conf"
	fi
	PL_MASTER=$PL_PID

	want=$(sha256sum < "$d/www/big.bin")
	t_expect_eq "GET /big.bin sha256" "$(lab_exec timeout 30 curl -sf "$u/big.bin" | sha256sum)" "$want"
	t_expect_eq "GET /index.html" "$(lab_exec timeout 10 curl -sf "$u/index.html")" \
		"spindle preload test page"
	c=$(lab_exec timeout 30 curl -sf -w '%{num_connects} ' -o /dev/null "$u/index.html" \
		-o /dev/null "$u/big.bin" -o /dev/null "$u/index.html")
	t_expect_eq "keep-alive: connects for three URLs" "$(echo $c)" "1 0 0"
	c=$(lab_exec timeout 30 curl -sf -H 'Connection: close' -w '%{num_connects} ' \
		-o /dev/null "$u/index.html" -o /dev/null "$u/big.bin")
	t_expect_eq "Connection: close: connects for two URLs" "$(echo $c)" "1 1"
	out=$(lab_exec timeout 10 curl -sf -D - -o /dev/null -H 'Connection: close' "$u/index.html")
	if grep -qi '^connection: close' <<< "$out"; then t_ok "response says Connection: close"; else
		t_fail "no Connection: close in the response: $out"
	fi
	t_expect_eq "GET /nope status" "$(lab_exec timeout 10 curl -s -o /dev/null -w '%{http_code}' "$u/nope")" 404

	local secs=${PL_WRK_SECONDS:-10}
	out=$(lab_exec timeout $((secs + 30)) wrk -t 2 -c 100 -d "${secs}s" "$u/index.html" 2>&1)
	echo "$out"
	if grep -Eq '^ +[0-9]+ requests in' <<< "$out"; then t_ok "wrk completed"; else
		t_fail "wrk: no result"
	fi
	if grep -Eq 'Socket errors|Non-2xx or 3xx' <<< "$out"; then
		t_fail "wrk: $(grep -E 'Socket errors|Non-2xx or 3xx' <<< "$out")"
	else
		t_ok "wrk: no socket errors, no non-2xx/3xx responses"
	fi
	t_expect_eq "GET /big.bin after wrk" "$(lab_exec timeout 30 curl -sf "$u/big.bin" | sha256sum)" "$want"
	nginx_close_kicks
	pl_stop
	# nginx's master made the listening sockets; its worker took the stack over and served
	[ "$PMD" = kernel ] || [ "$PMD" = af_xdp ] && return 0
	if grep -Eq "pid [0-9]+ takes the stack over from pid $PL_MASTER," "$PL_LOG"; then
		t_ok "the worker took the stack over from the master (pid $PL_MASTER)"
	else
		t_fail "no hand-over from the master (pid $PL_MASTER) to its worker in the log"
	fi
	if grep -q 'drives the stack, not this process' "$PL_LOG"; then
		t_fail "a call was refused: $(grep 'drives the stack, not this process' "$PL_LOG" | head -2)"
	else
		t_ok "no call refused after the hand-over"
	fi
}

# ---- iperf3 ----
# iperf_check NAME JSON_FILE UDP(0|1): the run had no error and moved data
iperf_check() {
	"$PY" - "$1" "$2" "$3" <<'PY'
import json, sys
name, path, udp = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
try:
    r = json.load(open(path))
except Exception as e:
    print(f"FAIL: {name}: no JSON result ({e})")
    sys.exit(1)
if "error" in r:
    print(f"FAIL: {name}: {r['error']}")
    sys.exit(1)
end = r["end"]
if udp:
    s = end["sum"]
    ok = s["packets"] > 0 and s["lost_percent"] <= 10
    print(f"{'ok' if ok else 'FAIL'}: {name}: {s['packets']} datagrams, {s['lost_percent']:.2f}% lost, "
          f"{s['bits_per_second'] / 1e6:.0f} Mbit/s")
else:
    rx = end["sum_received"]["bytes"]
    ok = rx > 0 and end["sum_sent"]["bytes"] >= rx
    print(f"{'ok' if ok else 'FAIL'}: {name}: {rx} bytes received, "
          f"{end['sum_received']['bits_per_second'] / 1e6:.0f} Mbit/s")
sys.exit(0 if ok else 1)
PY
}

iperf_client() { # NAME ARGS...: a kernel iperf3 -c against the server on spindle
	local name=$1
	shift
	lab_exec timeout 60 iperf3 -c "$IP" -t 3 -J "$@" > "$SP_TMP/iperf.json" 2>&1
	if iperf_check "$name" "$SP_TMP/iperf.json" "$([[ " $* " == *" -u "* ]] && echo 1 || echo 0)"; then
		T_OKS=$((T_OKS + 1))
	else
		T_FAILS=$((T_FAILS + 1))
	fi
}

t_iperf3() {
	local kpid tpid mpid rc=0 i
	need iperf3
	pl_start iperf3-server 5201 iperf3 -s -B "$IP" -p 5201
	iperf_client "TCP, client sends" -p 5201
	iperf_client "TCP -R, server sends" -p 5201 -R
	iperf_client "UDP 50 Mbit/s" -p 5201 -u -b 50M
	pl_stop 1 # "iperf3: interrupt - the server has terminated" is exit(1)

	# SIGTERM while the server sends (-R): its handler exit()s, often inside a socket call;
	# it must still end, at once, with every mbuf back. Plain "iperf3 -s" listens on :: (an
	# AF_INET6 socket that spindle takes over when it meets IPv4).
	for i in 1 2 3; do
		pl_start "iperf3-sigterm-$i" 5201 iperf3 -s -p 5201
		lab_exec timeout 30 iperf3 -c "$IP" -p 5201 -R -t 10 > /dev/null 2>&1 &
		kpid=$!
		sleep 1.5
		pl_reap TERM 10 "did not exit within 10 s of SIGTERM during a transfer" 1
		wait "$kpid" 2>/dev/null
	done

	echo "== iperf3 -c on ${PMD/kernel/the kernel (dry run)} against a kernel iperf3 -s"
	lab_exec iperf3 -s -B "$PEER" -p 5202 -1 > "$SP_TMP/iperf-kserver.log" 2>&1 &
	kpid=$!
	for ((i = 0; i < 50; i++)); do # (a probe connection would be the one-off server's test)
		lab_exec ss -Hltn "sport = :5202" | grep -q . && break
		sleep 0.1
	done
	# -S: the program sets IP_TOS (DSCP 8, CS1), which every segment it sends must carry;
	# -M: TCP_MAXSEG 1000, no segment above it (IP length 1052 with the timestamps option)
	pl_exec iperf3 -c "$PEER" -p 5202 -t 3 -S 0x20 -M 1000 -J > "$SP_TMP/iperf-c.json" \
		2> "$SP_TMP/iperf-c.log" &
	PL_PID=$!
	SP_PID=$PL_PID
	pl_attach "$PL_PID" || t_fail "iperf3 -c: the lab could not attach"
	# sp0 (on tap spindle's own device) is up now; the transfer lasts 3 s
	lab_exec timeout 30 tcpdump -i sp0 -n -c 5 'ip[1] = 0x20 and tcp dst port 5202' \
		> /dev/null 2> "$SP_TMP/tos.log" &
	tpid=$!
	lab_exec timeout 5 tcpdump -i sp0 -n 'tcp dst port 5202 and ip[2:2] > 1052' \
		> /dev/null 2> "$SP_TMP/mss.log" &
	mpid=$!
	for ((i = 0; i < 600; i++)); do
		kill -0 "$PL_PID" 2>/dev/null || break
		sleep 0.1
	done
	sp_stop_pid "$PL_PID" INT 10 || t_fail "iperf3 -c still ran after 60 s; killed"
	wait "$PL_PID" || rc=$?
	PL_PID=
	SP_PID=
	if iperf_check "iperf3 -c (the program under test)" "$SP_TMP/iperf-c.json" 0; then
		T_OKS=$((T_OKS + 1))
	else
		T_FAILS=$((T_FAILS + 1))
	fi
	pl_check_exit "iperf3 -c" "$rc" "$SP_TMP/iperf-c.log"
	sp_stop_pid "$kpid" TERM 10 || true
	wait "$kpid" 2>/dev/null || true
	wait "$tpid" 2>/dev/null || true # ends after 5 packets, or its timeout's 30 s
	wait "$mpid" 2>/dev/null || true # its timeout ends it, after the 3 s transfer
	if grep -q "^0 packets captured" "$SP_TMP/mss.log"; then
		t_ok "iperf3 -c -M 1000: no segment above the MSS (TCP_MAXSEG)"
	else
		t_fail "iperf3 -c -M 1000: segments above the MSS: $(tr '\n' ' ' < "$SP_TMP/mss.log")"
	fi
	if grep -q "^5 packets captured" "$SP_TMP/tos.log"; then
		t_ok "iperf3 -c -S 0x20: its segments carry TOS 0x20 (IP_TOS)"
	else
		t_fail "iperf3 -c -S 0x20: no segments with TOS 0x20 seen: $(tr '\n' ' ' < "$SP_TMP/tos.log")"
	fi
}

# ---- a threaded program ----
t_threads() {
	local d=$SP_TMP/www want
	mkdir -p "$d"
	head -c 2000003 /dev/urandom > "$d/f.bin"
	want=$(sha256sum < "$d/f.bin")
	pl_start http.server 8000 "$PY" -m http.server 8000 --bind "$IP" --directory "$d"
	t_expect_eq "GET /f.bin sha256" "$(lab_exec timeout 30 curl -sf "http://$IP:8000/f.bin" | sha256sum)" "$want"
	# eight at once: eight threads of the server serve at the same time
	pl_get_many 8 "http://$IP:8000/f.bin" "$want" "concurrent downloads equal"
	pl_stop
}

case "$PROG" in
redis|nginx|iperf3|threads) ;;
*) echo "unknown program $PROG (redis, nginx, iperf3, threads)" >&2; exit 2 ;;
esac
lab_up "$PMD" || { t_fail "lab up"; t_finish; }
"t_$PROG"
t_finish

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# More unmodified Debian programs on spindle through spindle-run and libspindle_preload.so
# (docs/preload.md "Tests"), against kernel peers in the lab namespace:
#   nc         netcat-openbsd: nc -l on spindle and nc on spindle as the client, 1 MB each way
#              with a half-close (-N) after each side's stdin; nc killed by SIGINT: its peer
#              learns at once
#   socat      TCP4-LISTEN echo (PIPE) on spindle; a TCP4 client on spindle; UDP4 echo; the
#              fork option ends with a refused call (EOPNOTSUPP), not a wait without end
#   curl       curl and wget on spindle fetching from a kernel python3 -m http.server
#   asyncio    a python3 asyncio echo server on spindle (epoll) with 50 kernel clients, and an
#              asyncio client on spindle (non-blocking connect, getaddrinfo) against a kernel one
#   memcached  memcached -t 1 and -t 4 (its default), driven by memcslap -c 50 and a python3
#              client (20 connections) that reads back what it set
#   lighttpd   lighttpd -D serving a file to concurrent kernel curls, wrk -c 50
#   inet6      AF_INET6 sockets meeting IPv4: python3 -m http.server --bind :: (a dual-stack
#              listener, its clients named ::ffff:198.18.0.1), a UDP echo bound to ::, and an
#              AF_INET6 client connecting to ::ffff:198.18.0.1
#   iperf2     iperf -s (a thread per connection): -P 2 and -R from a kernel iperf -c; iperf -s -u
#              -e (SO_TIMESTAMP on its UDP socket): the server's report with latency
#   mmsg       a UDP echo making the batch calls through libc (recvmmsg with MSG_WAITFORONE,
#              sendmmsg, epoll_pwait2), 64 datagrams sent at once; splice() from its socket
#              fails with EINVAL and one log line
#   sockperf   sockperf sr (the latency tool NIC testers use) over TCP and over UDP, against
#              kernel sockperf ping-pong, throughput and under-load runs: every run's summary,
#              no message dropped, duplicated or out of order
#   loopback   a program that serves on spindle and talks to itself over 127.0.0.1: TCP and UDP
#              there are the kernel's (ss lists its loopback listener), a kernel client of its
#              spindle listener gets its answer
# Every program must exit with its usual status and print "mbufs: all N returned" on spindle.
#
# Usage: test_preload_programs.sh tap|af_packet|af_xdp|kernel [PROGRAM...]   (default: all)
#   kernel: the dry run with the Linux kernel standing in for spindle (test_preload.sh's).
set -uo pipefail
PMD=${1:?usage: test_preload_programs.sh tap|af_packet|af_xdp|kernel [PROGRAM...]}
shift
. "$(dirname "$0")/lib.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/preload_lib.sh"
PROGS=("$@")
[ ${#PROGS[@]} = 0 ] && PROGS=(nc socat curl asyncio memcached lighttpd inet6 iperf2 mmsg sockperf loopback)

# pl_bg NAME IN OUT ARG...: ARG on spindle in the background (PL_PID), stdin IN, stdout OUT,
# stderr PL_LOG ($SP_TMP/NAME.log)
pl_bg() {
	local in=$2 out=$3
	PL_NAME=$1
	PL_LOG=$SP_TMP/$1.log
	shift 3
	pl_exec "$@" < "$in" > "$out" 2> "$PL_LOG" &
	PL_PID=$!
	SP_PID=$PL_PID
	pl_attach "$PL_PID" || t_fail "$PL_NAME: the lab could not attach"
}

# pl_wait_end SECONDS [WANT]: PL_PID ends by itself within SECONDS, then pl_check_exit
pl_wait_end() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do kill -0 "$PL_PID" 2>/dev/null || break; sleep 0.1; done
	pl_reap INT 5 "did not end by itself within $1 s" "${2:-0}"
}

# pl_run NAME SECONDS WANT IN OUT ARG...: ARG on spindle to its end, exit status WANT
pl_run() {
	local name=$1 secs=$2 want=$3
	shift 3
	pl_bg "$name" "$@"
	pl_wait_end "$secs" "$want"
}

# kbg ARG...: ARG in the kernel peers' namespace in the background; KPIDS collects them.
KPIDS=()
kbg() {
	lab_exec "$@" &
	KPIDS+=($!)
}
kstop() {
	local p
	for p in "${KPIDS[@]}"; do sp_stop_pid "$p" TERM 5 || true; done
	for p in "${KPIDS[@]}"; do wait "$p" 2>/dev/null; done
	KPIDS=()
}

# pl_serve NAME IN OUT READY ARG...: pl_bg, then until its log has a line matching READY
pl_serve() {
	local ready=$4
	echo "== $1 on ${PMD/kernel/the kernel (dry run)}"
	pl_bg "$1" "$2" "$3" "${@:5}"
	pl_wait_log "$ready"
}

# rand FILE BYTES: FILE of BYTES random bytes
rand() { head -c "$2" /dev/urandom > "$1"; }

# pl_wait_log PATTERN: until PL_LOG has a line matching PATTERN (10 s at most)
pl_wait_log() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -Eq "$1" "$PL_LOG" 2>/dev/null && return 0
		sleep 0.1
	done
	t_fail "$PL_NAME: no \"$1\" within 10 s:"
	cat "$PL_LOG"
	return 1
}

# klisten PORT: until a kernel TCP listener has PORT in the lab namespace (5 s at most)
klisten() {
	local i
	for ((i = 0; i < 50; i++)); do
		lab_exec ss -Hltn "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	t_fail "no kernel listener on port $1 within 5 s"
}

sha() { sha256sum < "$1" | cut -d' ' -f1; }

# hold_eof FILE GOT BYTES: FILE on stdout, then its end only once GOT holds BYTES (30 s at
# most). nc -l quits as soon as its peer's FIN came and its stdin buffer is empty, even before
# its stdin ended (netcat-openbsd's readwrite(): "listen and net in gone, queues empty, done"),
# on the kernel as on spindle: a peer whose FIN overtakes the listener's reading of its own
# file truncates what the listener sends. Holding each client's FIN until it has everything
# keeps the test about the stack, not about that race.
hold_eof() {
	local i
	cat "$1"
	for ((i = 0; i < 300; i++)); do
		[ "$(stat -c %s "$2" 2>/dev/null || echo 0)" -ge "$3" ] && return 0
		sleep 0.1
	done
}

# ---- netcat-openbsd ----
t_nc() {
	local a=$SP_TMP/nc.a b=$SP_TMP/nc.b
	need nc
	rand "$a" 1000003
	rand "$b" 999999
	# nc -l on spindle: it sends a, the kernel client sends b; each half-closes after its stdin
	# (the client's once it has all of a: hold_eof)
	pl_serve nc-server "$a" "$SP_TMP/nc.server-got" "^Listening on" nc -n -v -N -l -p 7000
	hold_eof "$b" "$SP_TMP/nc.client-got" 1000003 |
		lab_exec timeout 30 nc -N "$IP" 7000 > "$SP_TMP/nc.client-got"
	t_expect_eq "kernel nc client exit status" "$?" 0
	pl_wait_end 10
	t_expect_eq "nc -l received (sha256)" "$(sha "$SP_TMP/nc.server-got")" "$(sha "$b")"
	t_expect_eq "kernel client received (sha256)" "$(sha "$SP_TMP/nc.client-got")" "$(sha "$a")"

	# nc on spindle as the client of a kernel nc -l
	echo "== nc client on ${PMD/kernel/the kernel (dry run)}"
	kbg bash -c "exec timeout 30 nc -N -l -s $PEER -p 7001 < '$b' > '$SP_TMP/nc.kserver-got'"
	klisten 7001
	pl_run nc-client 30 0 <(hold_eof "$a" "$SP_TMP/nc.kclient-got" 999999) \
		"$SP_TMP/nc.kclient-got" nc -N "$PEER" 7001
	wait "${KPIDS[0]}"
	t_expect_eq "kernel nc -l exit status" "$?" 0
	KPIDS=()
	t_expect_eq "kernel nc -l received (sha256)" "$(sha "$SP_TMP/nc.kserver-got")" "$(sha "$a")"
	t_expect_eq "nc client received (sha256)" "$(sha "$SP_TMP/nc.kclient-got")" "$(sha "$b")"
	[ "$PMD" = kernel ] || nc_killed
}

# nc (no SIGINT handler) killed by SIGINT in the middle of a connection: as on the kernel, its
# peer learns at once (the library resets the connection before the signal kills it; docs/
# preload.md "Threads and fork"), and the exit status is still the signal's.
nc_killed() {
	local w k rc=0 i
	mkfifo "$SP_TMP/nc.fifo"
	(exec 3> "$SP_TMP/nc.fifo"; echo hello >&3; exec sleep 20) &
	w=$!
	lab_exec timeout 20 nc -l -s "$PEER" -p 7002 > "$SP_TMP/nc.kill-got" &
	k=$!
	klisten 7002
	pl_bg nc-killed "$SP_TMP/nc.fifo" /dev/null nc "$PEER" 7002
	for ((i = 0; i < 100; i++)); do [ -s "$SP_TMP/nc.kill-got" ] && break; sleep 0.1; done
	t_expect_eq "nc killed: the kernel peer got" "$(cat "$SP_TMP/nc.kill-got")" hello
	kill -INT "$PL_PID"
	for ((i = 0; i < 20; i++)); do kill -0 "$k" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$k" 2>/dev/null; then t_fail "nc killed: its kernel peer still waits 2 s later"; else
		t_ok "nc killed by SIGINT: its kernel peer learnt within 2 s"
	fi
	sp_stop_pid "$PL_PID" KILL 5 || true
	wait "$PL_PID" || rc=$?
	PL_PID=
	SP_PID=
	t_expect_eq "nc killed: its exit status (SIGINT)" "$rc" 130
	kill "$w" "$k" 2>/dev/null
	wait "$w" "$k" 2>/dev/null
}

# ---- socat ----
t_socat() {
	local a=$SP_TMP/socat.a d=$SP_TMP/socat.d
	need socat
	rand "$a" 500009
	rand "$d" 1200
	# a TCP echo on spindle (PIPE: what comes in goes back), one connection, ends with it
	pl_serve socat-tcp-listen /dev/null /dev/null 'listening on' \
		socat -d -d TCP4-LISTEN:7100,reuseaddr PIPE
	lab_exec timeout 30 socat -t 10 - "TCP4:$IP:7100" < "$a" > "$SP_TMP/socat.got"
	t_expect_eq "kernel socat client exit status" "$?" 0
	t_expect_eq "socat TCP echo (sha256)" "$(sha "$SP_TMP/socat.got")" "$(sha "$a")"
	pl_wait_end 10
	# socat on spindle as a TCP client of a kernel echo
	kbg timeout 30 socat "TCP4-LISTEN:7101,reuseaddr,bind=$PEER" PIPE
	klisten 7101
	pl_run socat-tcp-client 30 0 "$a" "$SP_TMP/socat.kgot" socat -t 10 - "TCP4:$PEER:7101"
	t_expect_eq "socat TCP client: echo (sha256)" "$(sha "$SP_TMP/socat.kgot")" "$(sha "$a")"
	kstop
	# UDP4: an echo on spindle for the first peer that sends, until 3 s without a datagram
	pl_serve socat-udp-listen /dev/null /dev/null 'listening on' \
		socat -d -d -T 3 UDP4-LISTEN:7102 PIPE
	lab_exec timeout 10 socat -T 2 - "UDP4:$IP:7102" < "$d" > "$SP_TMP/socat.ugot"
	t_expect_eq "socat UDP echo (sha256)" "$(sha "$SP_TMP/socat.ugot")" "$(sha "$d")"
	pl_wait_end 10
	[ "$PMD" = kernel ] || socat_fork
}

# socat's fork option: a child per connection, and one process drives the stack
# (docs/preload.md "Threads and fork"). Whichever loses gets EOPNOTSUPP, logged, instead of a
# wait without end: a child whose parent used the stack first (its read is refused), or the
# parent once a child took the stack over (its accept is refused: exit 1; the child returns the
# mbufs when it exits: fork_owner_end). Which one is a race; a parent that always won is stopped
# with SIGINT (130).
# The refusal check at the end skips this log: its refusals are the point.
socat_fork() {
	local i rc hung=0
	pl_serve socat-fork /dev/null /dev/null 'listening on' \
		socat -d -d TCP4-LISTEN:7103,fork,reuseaddr PIPE
	for ((i = 0; i < 5; i++)); do
		lab_exec timeout 5 socat -t 1 - "TCP4:$IP:7103" < "$SP_TMP/socat.d" > /dev/null 2>&1
		rc=$?
		[ $rc = 124 ] && hung=$((hung + 1))
		kill -0 "$PL_PID" 2>/dev/null || break
		sleep 0.2
	done
	# (not checked: the client of a child that lost may be left without an answer, see
	# docs/preload.md "What does not work")
	echo "socat fork: $i connections, $hung client(s) cut off by the timeout"
	if kill -0 "$PL_PID" 2>/dev/null; then pl_wait_end 0 130; else
		fork_owner_end
		pl_wait_end 0 1
	fi
	if grep -q 'Operation not supported' "$PL_LOG" &&
		grep -q 'drives the stack, not this process' "$PL_LOG"; then
		t_ok "socat fork: the losing process got EOPNOTSUPP, logged"
	else
		t_fail "socat fork: no refused call in its log: $(grep -v '^EAL' "$PL_LOG" | tail -5)"
	fi
}

# The parent lost (its accept refused, exit 1): a child drives the stack and gives its mbufs
# back when it exits, after its connection, into the same log. Wait for that (10 s), then end
# what is left of the program's children: preloaded processes in the lab namespace.
fork_owner_end() {
	local i p
	for ((i = 0; i < 100; i++)); do
		grep -q 'mbufs: ' "$PL_LOG" && break
		sleep 0.1
	done
	for p in $(ip netns pids "$LAB_NS" 2>/dev/null); do
		grep -q 'libspindle_preload' "/proc/$p/maps" 2>/dev/null && sp_stop_pid "$p" INT 5
	done
}

# ---- curl and wget as clients ----
t_curl() {
	local d=$SP_TMP/www u=http://$PEER:8080 i
	need curl
	need wget
	mkdir -p "$d"
	rand "$d/f.bin" 2000003
	echo small > "$d/s.txt"
	kbg "$PY" -m http.server 8080 --bind "$PEER" --directory "$d"
	klisten 8080
	pl_run curl 30 0 /dev/null "$SP_TMP/curl.out" curl -sSf -o "$SP_TMP/curl.f" "$u/f.bin" \
		-o "$SP_TMP/curl.s" "$u/s.txt"
	t_expect_eq "curl: f.bin (sha256)" "$(sha "$SP_TMP/curl.f")" "$(sha "$d/f.bin")"
	t_expect_eq "curl: s.txt" "$(cat "$SP_TMP/curl.s")" small
	pl_run curl-404 30 22 /dev/null /dev/null curl -sf "$u/nope"
	pl_run wget 30 0 /dev/null /dev/null wget -q -O "$SP_TMP/wget.f" "$u/f.bin"
	t_expect_eq "wget: f.bin (sha256)" "$(sha "$SP_TMP/wget.f")" "$(sha "$d/f.bin")"
	kstop
}

# ---- python3 asyncio ----
t_asyncio() {
	local i
	pl_start asyncio-server 7200 "$PY" "$HERE/preload/asyncio_echo.py" server "$IP" 7200 51
	# (pl_start's probe was connection 1)
	t_expect_eq "asyncio server: 50 kernel clients, 100 KB each" \
		"$(lab_exec timeout 60 "$PY" "$HERE/preload/asyncio_echo.py" client "$IP" 7200 50 100000)" "ok 50"
	pl_wait_end 10
	kbg timeout 60 "$PY" "$HERE/preload/asyncio_echo.py" server "$PEER" 7201 20
	klisten 7201
	pl_run asyncio-client 60 0 /dev/null "$SP_TMP/asyncio.out" "$PY" \
		"$HERE/preload/asyncio_echo.py" client "$PEER" 7201 20 200000
	t_expect_eq "asyncio client on spindle: 20 connections, 200 KB each" "$(cat "$SP_TMP/asyncio.out")" "ok 20"
	kstop
}

# ---- memcached ----
t_memcached() {
	local t out
	need memcached
	need memcslap
	for t in 1 4; do
		pl_start "memcached-t$t" 11211 memcached -u root -l "$IP" -p 11211 -U 0 -m 128 -t "$t"
		t_expect_eq "memcached -t $t: 20 connections set and get 20 keys each" \
			"$(lab_exec timeout 60 "$PY" "$HERE/preload/memcache_check.py" "$IP" 11211 20 20)" ok
		out=$(lab_exec timeout 60 memcslap -s "$IP:11211" -c 50 -e 1000 -t set 2>&1)
		t_expect_eq "memcached -t $t: memcslap -c 50 exit status" "$?" 0
		grep -iE 'fail|error' <<< "$out" | head -3
		pl_stop
	done
}

# ---- lighttpd ----
t_lighttpd() {
	local d=$SP_TMP/lighttpd want out
	need lighttpd
	need wrk
	mkdir -p "$d/www"
	rand "$d/www/big.bin" 3000017
	want=$(sha "$d/www/big.bin")
	cat > "$d/lighttpd.conf" <<-CONF
		server.document-root = "$d/www"
		server.bind = "$IP"
		server.port = 8090
		server.errorlog = "$d/error.log"
		server.pid-file = "$d/pid"
		server.max-keep-alive-requests = 100
	CONF
	pl_start lighttpd 8090 lighttpd -D -f "$d/lighttpd.conf"
	t_expect_eq "lighttpd: big.bin (sha256)" \
		"$(lab_exec timeout 30 curl -sf "http://$IP:8090/big.bin" | sha256sum | cut -d' ' -f1)" "$want"
	pl_get_many 8 "http://$IP:8090/big.bin" "$(sha256sum < "$d/www/big.bin")" \
		"lighttpd: concurrent downloads equal"
	t_expect_eq "lighttpd: 404" \
		"$(lab_exec timeout 10 curl -s -o /dev/null -w '%{http_code}' "http://$IP:8090/nope")" 404
	echo small > "$d/www/s.txt"
	out=$(lab_exec timeout 30 wrk -t 1 -c 50 -d 3s "http://$IP:8090/s.txt" 2>&1)
	echo "$out" | grep -E 'requests in|Socket errors|Non-2xx'
	if grep -Eq '^ +[0-9]+ requests in' <<< "$out" && ! grep -Eq 'Socket errors|Non-2xx' <<< "$out"; then
		t_ok "lighttpd: wrk -c 50 without an error"
	else
		t_fail "lighttpd: wrk -c 50: $out"
	fi
	t_expect_eq "lighttpd: big.bin after wrk (sha256)" \
		"$(lab_exec timeout 30 curl -sf "http://$IP:8090/big.bin" | sha256sum | cut -d' ' -f1)" "$want"
	pl_stop
}

# ---- AF_INET6 sockets meeting IPv4 (docs/preload.md "IPv6") ----
t_inet6() {
	local d=$SP_TMP/www6 chk=$HERE/preload/inet6_check.py out i
	mkdir -p "$d"
	rand "$d/f.bin" 1000003
	pl_start http6 8000 "$PY" -u -m http.server 8000 --bind :: --directory "$d"
	t_expect_eq "http.server --bind :: listens on an AF_INET6 socket" \
		"$(grep -c 'Serving HTTP on :: port 8000' "$PL_LOG")" 1
	lab_exec timeout 30 curl -sf -o "$SP_TMP/h6.f" "http://$IP:8000/f.bin"
	t_expect_eq "http.server --bind ::: f.bin (sha256)" "$(sha "$SP_TMP/h6.f")" "$(sha "$d/f.bin")"
	t_expect_eq "http.server --bind ::: the client named ::ffff:$PEER" \
		"$(grep -c "^::ffff:$PEER - - .*\"GET /f.bin" "$PL_LOG")" 1
	pl_stop
	pl_bg udp6 /dev/null "$SP_TMP/udp6.out" "$PY" -u "$chk" udp-echo 9999 5
	for ((i = 0; i < 100; i++)); do grep -q bound "$SP_TMP/udp6.out" && break; sleep 0.1; done
	t_expect_eq "UDP echo on an AF_INET6 socket bound to ::: 5 datagrams" \
		"$(lab_exec timeout 30 "$PY" "$chk" udp-send "$IP" 9999 5)" "ok 5"
	t_expect_eq "UDP echo on AF_INET6: senders named ::ffff:$PEER" \
		"$(grep -c "^from ::ffff:$PEER\$" "$SP_TMP/udp6.out")" 5
	pl_wait_end 10
	kbg "$PY" -m http.server 8081 --bind "$PEER" --directory "$d"
	klisten 8081
	pl_run inet6-client 30 0 /dev/null "$SP_TMP/c6.out" "$PY" "$chk" get "$PEER" 8081 /f.bin
	out="AF_INET6 ::ffff:$IP ::ffff:$PEER $(sha "$d/f.bin")
tos 32 ttl 33 mss<=1000 True"
	t_expect_eq "AF_INET6 client to ::ffff:$PEER: family, addresses, body, IP_TOS, IP_TTL and TCP_MAXSEG set before connect()" "$(cat "$SP_TMP/c6.out")" "$out"
	kstop
}

# ---- iperf2 (iperf): TCP both ways with threads per connection, UDP with -e (SO_TIMESTAMP) ----
t_iperf2() {
	local out i
	pl_start iperf2 5001 iperf -s -p 5001
	out=$(lab_exec timeout 30 iperf -c "$IP" -p 5001 -t 2 -P 2 -y C | tail -1)
	t_expect_eq "iperf -P 2 to iperf -s: bytes through" "$(echo "$out" | awk -F, '$8 > 1000000 { print "yes" }')" yes
	out=$(lab_exec timeout 30 iperf -c "$IP" -p 5001 -t 2 -R -y C | tail -1)
	t_expect_eq "iperf -R from iperf -s: bytes through" "$(echo "$out" | awk -F, '$8 > 1000000 { print "yes" }')" yes
	pl_stop
	pl_bg iperf2u /dev/null "$SP_TMP/iperf2u.out" iperf -s -u -e -p 5002
	for ((i = 0; i < 100; i++)); do grep -q 'Server listening' "$SP_TMP/iperf2u.out" && break; sleep 0.1; done
	lab_exec timeout 30 iperf -c "$IP" -p 5002 -u -b 20M -t 2 -e > "$SP_TMP/iperf2u.client"
	pl_stop
	# the server's report (its stdout; the copy it sends back to the client is one datagram
	# that may be lost) counts what came, Lost/Total, then the latency from SO_TIMESTAMP
	t_expect_eq "iperf -u -e to iperf -s -u -e: the server's report with latency" \
		"$(grep -cE '^\[ *1\] 0\.0+-[0-9.]+ sec .* ms [0-9]+/[0-9]+ \([0-9.e-]+%\) [0-9.]+/[0-9.]+/' "$SP_TMP/iperf2u.out")" 1 || cat "$SP_TMP/iperf2u.out" "$SP_TMP/iperf2u.client"
}

# ---- the batch calls through libc: recvmmsg, sendmmsg, epoll_pwait2, splice (refused) ----
t_mmsg() {
	local prog=$HERE/preload/mmsg_echo.py i
	pl_bg mmsg /dev/null "$SP_TMP/mmsg.out" "$PY" -u "$prog" serve 9998 64
	for ((i = 0; i < 100; i++)); do grep -q bound "$SP_TMP/mmsg.out" && break; sleep 0.1; done
	t_expect_eq "recvmmsg/sendmmsg UDP echo: 64 datagrams sent at once came back" \
		"$(lab_exec timeout 30 "$PY" "$prog" send "$IP" 9998 64)" "ok 64"
	pl_wait_end 10
	t_expect_eq "recvmmsg/sendmmsg: the server saw 64" \
		"$(grep -c '^served 64 in ' "$SP_TMP/mmsg.out")" 1
	if [ "$PMD" != kernel ]; then # Linux's UDP sockets can splice: EAGAIN there
		t_expect_eq "splice from a UDP socket: EINVAL" "$(grep '^splice' "$SP_TMP/mmsg.out")" \
			"splice EINVAL"
		t_expect_eq "splice's refusal is logged, naming the call" \
			"$(grep -c 'preload: splice on spindle socket [0-9]* is not supported (EINVAL)' \
				"$SP_TMP/mmsg.log")" 1
	fi
}

# ---- sockperf: latency and message rate, TCP and UDP ----
# sockperf_run NAME MODE ARG...: a kernel sockperf client run; its summary line, and no message
# dropped, duplicated or out of order where it counts them (ping-pong, under-load)
sockperf_run() {
	local name=$1 mode=$2 out
	shift 2
	out=$(lab_exec timeout 30 sockperf "$mode" -i "$IP" -t 2 "$@" 2>&1)
	if ! grep -q 'Summary: ' <<< "$out"; then
		t_fail "sockperf $mode $name: no summary: $(tail -5 <<< "$out")"
	elif grep -q '# dropped messages' <<< "$out" &&
		! grep -q '# dropped messages = 0; # duplicated messages = 0; # out-of-order messages = 0' <<< "$out"; then
		t_fail "sockperf $mode $name: $(grep '# dropped messages' <<< "$out")"
	else
		t_ok "sockperf $mode $name: $(grep -m1 'Summary: ' <<< "$out" | sed 's/.*Summary: //')"
	fi
}
t_sockperf() {
	local i
	need sockperf
	pl_start sockperf-tcp 11111 sockperf sr --tcp -i "$IP" -p 11111
	sockperf_run TCP pp --tcp -p 11111
	sockperf_run TCP tp --tcp -p 11111 -m 1400
	sockperf_run TCP ul --tcp -p 11111 --mps 5000
	pl_stop
	pl_bg sockperf-udp /dev/null "$SP_TMP/sockperf-udp.out" sockperf sr -i "$IP" -p 11112
	for ((i = 0; i < 100; i++)); do
		grep -q 'listen on' "$SP_TMP/sockperf-udp.out" "$PL_LOG" 2>/dev/null && break
		sleep 0.1
	done
	sockperf_run UDP pp -p 11112
	sockperf_run UDP tp -p 11112 -m 1400
	sockperf_run UDP ul -p 11112 --mps 5000
	pl_stop
}

# ---- loopback: 127.0.0.1 is the kernel's, beside spindle's own sockets ----
t_loopback() {
	local out=$SP_TMP/loopback.out i ns=$LAB_NS
	[ "$PMD" = kernel ] && ns=$LAB_NS-k # the kernel stand-in's namespace (pl_exec)
	echo "== loopback on ${PMD/kernel/the kernel (dry run)}"
	pl_bg loopback /dev/null "$out" env SPINDLE_LOG=info "$PY" -u "$HERE/preload/loopback_check.py" \
		"$IP" 8090
	for ((i = 0; i < 100; i++)); do grep -q listening "$out" && break; sleep 0.1; done
	t_expect_eq "loopback: a kernel listener on 127.0.0.1:8090 (ss)" \
		"$(ip netns exec "$ns" ss -Hltn 'sport = :8090' | awk '{print $4}' |
			grep -c '^127.0.0.1:8090$')" 1
	t_expect_eq "loopback: the kernel client of 198.18.0.2:8090" \
		"$(lab_exec timeout 10 nc -N "$IP" 8090 < /dev/null)" "from spindle"
	pl_wait_end 10
	t_expect_eq "loopback: what the program saw" "$(cat "$out")" "lo listener: reuseaddr True nonblocking True
tcp over lo: ping 127.0.0.1
udp over lo: dgram
listening"
	[ "$PMD" = kernel ] || t_expect_eq "loopback: sockets the kernel took (log)" \
		"$(grep -c "the kernel's loopback: the kernel serves it" "$PL_LOG")" 4
}

lab_up "$PMD" || { t_fail "lab up"; t_finish; }
for p in "${PROGS[@]}"; do
	"t_$p"
	kstop
done
# no program made a call spindle refuses (docs/preload.md "What does not work")
if [ "$PMD" != kernel ]; then
	out=$(ls "$SP_TMP"/*.log | grep -v -e /socat-fork.log -e /mmsg.log |
		xargs grep -HE 'is not supported|drives the stack, not this process')
	if [ -n "$out" ]; then t_fail "refused calls: $out"; else t_ok "no call refused"; fi
fi
t_finish

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# The kernel reference of the benchmarks (sourced by scripts/bench.sh and scripts/bench_tcp.sh):
# two namespaces joined by a veth pair, the server side on CPU 1 and the client side on CPU 0,
# as spindle's worker and the client tools are placed. Needs TOOLS (tcp_tools.py command) and
# RPS (on|off) set by the caller.
#
#   kref_veth NS_C NS_S IF_C IF_S IP_C IP_S [MTU]   namespaces, veth, addresses, offloads off
#                                  (TSO/GSO/GRO: spindle has none), RPS: what IF_C receives is
#                                  processed on CPU 0, what IF_S receives on CPU 1
#   kref_nginx NS IP DIR           nginx-light in NS serving DIR/www on IP:80 (config below),
#                                  sets NGINX_PID (master) and NGINX_WORKER
#   set_rps NS IF MASK             receive work of IF on the CPUs of hex MASK (when RPS = on)
#   cpu_begin / cpu_end            around one measurement in the measuring shell: cpu_end prints
#                                  "SERVER% CLIENT%", the CPU use of SRV (process ids whose
#                                  utime+stime count, or "spindle": its busy share from
#                                  /spindle/lcores of $PREFIX) and of the client tools the shell
#                                  waited for in between
#   cpu_stat_begin / cpu_stat_end  busy share of CPU 0 and CPU 1 (/proc/stat, softirq included:
#                                  RPS work is charged to no process): "CPU0% CPU1%"
#   m_wrk NS URL [ARGS...]         wrk -t 1 -c $CONNS -d ${SECS}s on CPU 0:
#                                  "req/s p50_us p99_us requests errors SERVER% CLIENT%"

set_rps() { # NS IF MASK
	[ "${RPS:-on}" = on ] || return 0
	local q
	for q in $(ip netns exec "$1" sh -c "ls -d /sys/class/net/$2/queues/rx-*"); do
		ip netns exec "$1" sh -c "echo $3 > $q/rps_cpus" ||
			echo "bench: cannot set RPS on $2 ($q)" >&2
	done
}

kref_veth() { # NS_C NS_S IF_C IF_S IP_C IP_S [MTU]
	local n
	ip netns add "$1"
	ip netns add "$2"
	ip link add "$3" netns "$1" type veth peer name "$4" netns "$2"
	ip -n "$1" addr add "$5/24" dev "$3"
	ip -n "$2" addr add "$6/24" dev "$4"
	for n in "$1 $3" "$2 $4"; do
		set -- $n "${7:-1500}"
		ip -n "$1" link set lo up
		ip -n "$1" link set "$2" mtu "$3" up
		ip netns exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1 || true
	done
}

kref_rps() { # NS_C NS_S IF_C IF_S: each side's receive work on its own CPU
	set_rps "$1" "$3" 1
	set_rps "$2" "$4" 2
}

# nginx as tuned for a small static page: one worker on CPU 1; no access log; keep-alive
# connections never retired; open_file_cache, so that a request costs no open()/fstat()/close()
# (spindle serves its page from memory); tcp_nopush, so that the response's header (writev) and
# body (sendfile) leave in one segment as spindle's do, not in two (measured: 2 segments each
# way per keep-alive request without it).
kref_nginx() { # NS IP DIR
	mkdir -p "$3/nginx/logs" "$3/www"
	chmod 755 "$3" # nginx's worker runs as nobody
	cat > "$3/nginx.conf" <<EOF
worker_processes 1;
worker_cpu_affinity 10;
daemon off;
master_process on;
pid $3/nginx/nginx.pid;
error_log stderr error;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 100000000;
	sendfile on;
	tcp_nopush on;
	open_file_cache max=1000;
	default_type text/html;
	server {
		listen $2:80 backlog=4096;
		root $3/www;
	}
}
EOF
	ip netns exec "$1" taskset -c 1 nginx -e stderr -p "$3/nginx" -c "$3/nginx.conf" &
	NGINX_PID=$!
	local i
	for i in $(seq 50); do
		NGINX_WORKER=$(pgrep -P "$NGINX_PID" | head -1)
		[ -n "$NGINX_WORKER" ] && ip netns exec "$1" curl -sf -o /dev/null "http://$2/" && return 0
		sleep 0.1
	done
	echo "bench: nginx does not answer on $2" >&2
	return 1
}

HZ=$(getconf CLK_TCK)
srv_ticks() { # -> "A B": A / B is the server's share of one CPU between two samples
	local p t=0
	if [ "$SRV" = spindle ]; then
		$TOOLS telemetry "$PREFIX" /spindle/lcores | /usr/bin/python3 -c '
import json, sys
v = json.load(sys.stdin)["/spindle/lcores"]
v = [x for x in v.values() if isinstance(x, dict)]
print(sum(x["busy_cycles"] for x in v), sum(x["busy_cycles"] + x["idle_cycles"] for x in v))'
		return
	fi
	for p in $SRV; do
		t=$((t + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t $(awk -v h="$HZ" '{ printf "%d\n", $1 * h }' /proc/uptime)"
}
# The children the measuring shell (CPU_SELF, set by cpu_begin) waited for, the client tool:
# their utime + stime, in ticks.
cli_ticks() { awk '{ print $16 + $17 }' "/proc/$CPU_SELF/stat"; }
cpu_begin() {
	local t
	CPU_SELF=$BASHPID
	t=$(srv_ticks) # a command substitution: reaped (and its CPU counted) before CPU_C0
	read -r CPU_S0 CPU_W0 <<< "$t"
	CPU_C0=$(cli_ticks)
	CPU_T0=$EPOCHREALTIME
}
cpu_end() { # -> "SERVER% CLIENT%"
	local s1 w1 c1 t
	c1=$(cli_ticks)
	t=$(srv_ticks)
	read -r s1 w1 <<< "$t"
	awk -v s="$((s1 - CPU_S0))" -v w="$((w1 - CPU_W0))" -v c="$((c1 - CPU_C0))" \
		-v t="$(awk -v a="$CPU_T0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')" -v h="$HZ" \
		'BEGIN { printf "%.0f %.0f\n", (w > 0 ? 100 * s / w : 0), (t > 0 ? 100 * c / h / t : 0) }'
}

cpu_stat() { awk '/^cpu[01] / { printf "%.0f %.0f ", $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat; }
cpu_stat_begin() { CPU_STAT0=$(cpu_stat); }
cpu_stat_end() { # -> "CPU0% CPU1%"
	echo "$CPU_STAT0 $(cpu_stat)" | awk '{
		printf "%.0f %.0f\n", ($6 - $2 > 0 ? 100 * ($5 - $1) / ($6 - $2) : 0),
			($8 - $4 > 0 ? 100 * ($7 - $3) / ($8 - $4) : 0) }'
}

m_wrk() { # NS URL [wrk args...] -> "req/s p50_us p99_us requests errors srv% cli%"
	local ns=$1 url=$2 w
	shift 2
	cpu_begin
	w=$(ip netns exec "$ns" taskset -c 0 timeout $((SECS + 30)) \
		wrk -t 1 -c "$CONNS" -d "${SECS}s" --latency "$@" "$url" 2>&1 | awk '
		function us(v) {
			if (v ~ /us$/) return v + 0; if (v ~ /ms$/) return v * 1000;
			if (v ~ /s$/) return v * 1e6; return v + 0 }
		/^ +50%/ { p50 = us($2) } /^ +99%/ { p99 = us($2) }
		/requests in/ { n = $1 }
		/Socket errors/ { gsub(/[^0-9 ]/, " "); split($0, e, " "); err += e[1] + e[2] + e[3] + e[4] }
		/Non-2xx/ { err += $NF }
		/^Requests\/sec/ { rps = $2 }
		END { printf "%s %s %s %s %d\n", rps, p50, p99, n, err }')
	echo "$w $(cpu_end)"
}

# SPDX-License-Identifier: BSD-3-Clause
# Shared by tests/integration/test_tcp_*.sh: sources the lab library (lib.sh: lab_up,
# spindle_start, spindle_stop, ...) and adds what the TCP tests need. Usage in a test:
#   . "$(dirname "$0")/tcp_common.sh"      # $1 = PMD (tap | af_packet), default tap
# Sizes scale with environment variables so a slow PMD/CI can shrink them (documented in
# docs/services.md "Tests"): TCP_BULK_BYTES, TCP_IMPAIR_BYTES, TCP_CONNS, TCP_WRK_SECONDS.

TCP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${TCP_SHIM:-}" ] && [ -f "$TCP_DIR/lib.sh" ]; then
	# shellcheck source=lib.sh
	. "$TCP_DIR/lib.sh"
elif [ -z "${TCP_SHIM:-}" ]; then
	# No shared lab library (lib.sh) in this tree: a minimal lab of our own, the topology of
	# docs/lab.md. Namespace sp-tcp-PID; the kernel peer 198.18.0.1 (02:00:00:00:00:01) on sp0,
	# spindle 198.18.0.2 (02:00:00:00:00:02): on tap, sp0 is spindle's net_tap device; on
	# af_packet, a veth pair sp0 (kernel) / sp0d (spindle's AF_PACKET socket) with checksum and
	# segmentation offloads off on the kernel side (AF_PACKET sees frames as the veth carries
	# them). SPINDLE_BIN is the program (meson passes it), else build/app/spindle.
	SPINDLE_BIN=${SPINDLE_BIN:-$TCP_DIR/../../build/app/spindle}
	LAB_NS=sp-tcp-$$
	LAB_PMD=tap
	SP_PREFIX=sp-tcp-$$
	SP_LOG=$(mktemp /tmp/sp-tcp-log.XXXXXX)
	SP_PID=
	lab_ns() { echo "$LAB_NS"; }
	spindle_prefix() { echo "$SP_PREFIX"; }
	spindle_log() { echo "$SP_LOG"; }
	lab_up() {
		LAB_PMD=${1:-tap}
		ip netns add "$LAB_NS"
		ip -n "$LAB_NS" link set lo up
		ip netns exec "$LAB_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
		if [ "$LAB_PMD" = af_packet ]; then
			ip -n "$LAB_NS" link add sp0 type veth peer name sp0d
			ip -n "$LAB_NS" link set sp0d address 02:00:00:00:00:02
			ip -n "$LAB_NS" link set sp0d up
			lab_kernel_side
			ip netns exec "$LAB_NS" ethtool -K sp0 tx off tso off gso off gro off >/dev/null
			ip netns exec "$LAB_NS" ethtool -K sp0d tx off tso off gso off gro off >/dev/null
		fi
	}
	lab_kernel_side() {
		ip -n "$LAB_NS" link set sp0 address 02:00:00:00:00:01
		ip -n "$LAB_NS" link set sp0 up
		ip -n "$LAB_NS" addr replace 198.18.0.1/24 dev sp0
		ip -n "$LAB_NS" neigh replace 198.18.0.2 lladdr 02:00:00:00:00:02 dev sp0 nud permanent
	}
	lab_down() {
		ip netns del "$LAB_NS" 2>/dev/null || true
		rm -f "$SP_LOG"
	}
	# spindle_start [--set SECTION.KEY=VALUE ...]: the default config (its four servers) on
	# the lab's PMD, one worker lcore; returns once it runs and the kernel side is set up.
	spindle_start() {
		local conf=config/default.conf i
		[ "$LAB_PMD" = af_packet ] && conf=config/af_packet.conf
		: > "$SP_LOG"
		ip netns exec "$LAB_NS" "$SPINDLE_BIN" -l 0,1 --no-huge --no-pci -m 512 \
			--file-prefix="$SP_PREFIX" -- --config "$TCP_DIR/../../$conf" \
			--set stack.idle=sleep "$@" >> "$SP_LOG" 2>&1 &
		SP_PID=$!
		for i in $(seq 150); do
			grep -q "running on" "$SP_LOG" && break
			kill -0 "$SP_PID" 2>/dev/null || break
			sleep 0.1
		done
		sleep 0.3 # a service that cannot start stops the program right after "running on"
		if ! grep -q "running on" "$SP_LOG" || ! kill -0 "$SP_PID" 2>/dev/null; then
			cat "$SP_LOG" >&2
			tcp_fail "spindle did not start"
		fi
		[ "$LAB_PMD" = af_packet ] || lab_kernel_side
	}
	# spindle_stop: SIGTERM, exit status 0, every mbuf returned
	spindle_stop() {
		local rc=0
		[ -n "$SP_PID" ] || return 0
		kill -TERM "$SP_PID" 2>/dev/null || true
		wait "$SP_PID" || rc=$?
		SP_PID=
		[ "$rc" = 0 ] || { tail -30 "$SP_LOG" >&2; tcp_fail "spindle exited $rc"; }
		grep -q "^mbufs: all [0-9]* returned$" "$SP_LOG" ||
			{ tail -30 "$SP_LOG" >&2; tcp_fail "mbufs not all returned: $(grep '^mbufs:' "$SP_LOG")"; }
	}
	# spindle_run_client SECONDS [--set ...]: spindle with the extra (client) services until
	# it exits by itself; returns its exit status. Servers of the config run alongside.
	spindle_run_client() {
		local secs=$1 conf=config/default.conf rc=0 cfg_pid=
		shift
		[ "$LAB_PMD" = af_packet ] && conf=config/af_packet.conf
		: > "$SP_LOG"
		if [ "$LAB_PMD" != af_packet ]; then
			# the tap appears when spindle starts: set the kernel side up as soon as it does
			(
				for i in $(seq 200); do
					ip -n "$LAB_NS" link show sp0 >/dev/null 2>&1 && break
					sleep 0.05
				done
				lab_kernel_side 2>/dev/null
			) &
			cfg_pid=$!
		fi
		timeout "$secs" ip netns exec "$LAB_NS" "$SPINDLE_BIN" -l 0,1 --no-huge --no-pci \
			-m 512 --file-prefix="$SP_PREFIX" -- --config "$TCP_DIR/../../$conf" \
			--set stack.idle=sleep "$@" >> "$SP_LOG" 2>&1 || rc=$?
		[ -z "$cfg_pid" ] || wait "$cfg_pid" 2>/dev/null || true
		grep -q "^mbufs: all [0-9]* returned$" "$SP_LOG" || { echo "mbufs not all returned" >&2; rc=99; }
		return $rc
	}
else
	# TCP_SHIM=path/to/svc_kernel_shim: the same tests against the services running over
	# kernel sockets (test_tcp_svc_kernel.sh): checks the services and these scripts without
	# spindle's TCP. The lab is one namespace whose loopback holds both addresses.
	SHIM_NS=sp-svck-$$
	SHIM_LOG=$(mktemp /tmp/sp-svck-log.XXXXXX)
	SHIM_PIDS=
	lab_ns() { echo "$SHIM_NS"; }
	lab_up() {
		ip netns add "$SHIM_NS"
		ip -n "$SHIM_NS" link set lo up
		ip -n "$SHIM_NS" addr add 198.18.0.2/32 dev lo
		ip -n "$SHIM_NS" addr add 198.18.0.1/32 dev lo
	}
	lab_down() {
		ip netns del "$SHIM_NS" 2>/dev/null || true
		rm -f "$SHIM_LOG"
	}
	spindle_prefix() { echo ""; }
	spindle_log() { echo "$SHIM_LOG"; }
	spindle_start() { # the four servers; --set overrides do not apply to the shim
		local t
		: > "$SHIM_LOG"
		for t in echo discard chargen http; do
			ip netns exec "$SHIM_NS" "$TCP_SHIM" "$t" address=198.18.0.2 >> "$SHIM_LOG" 2>&1 &
			SHIM_PIDS="$SHIM_PIDS $!"
		done
		for t in $(seq 200); do # EAL start-up of four processes: wait for all, bounded
			[ "$(grep -c ' started$' "$SHIM_LOG")" = 4 ] && return 0
			sleep 0.1
		done
		echo "svc_kernel_shim did not start" >&2
		cat "$SHIM_LOG" >&2
		return 1
	}
	spindle_stop() {
		local p rc=0
		for p in $SHIM_PIDS; do
			kill -TERM "$p" 2>/dev/null || true
			wait "$p" || rc=1
		done
		SHIM_PIDS=
		[ "$rc" = 0 ] || { echo "svc_kernel_shim failed" >&2; cat "$SHIM_LOG" >&2; return 1; }
	}
	# spindle_run_client SECONDS --set service.NAME.KEY=VALUE ...: one client service, its status
	spindle_run_client() {
		local secs=$1 args=() type= kv name
		shift
		while [ $# -gt 0 ]; do
			kv=${2#service.*.}
			name=${2#service.}
			name=${name%%.*}
			case "$kv" in
			type=*) type=${kv#type=} ;;
			*) args+=("$kv") ;;
			esac
			shift 2
		done
		: > "$SHIM_LOG"
		timeout "$secs" ip netns exec "$SHIM_NS" "$TCP_SHIM" "$type" "name=$name" "${args[@]}" \
			>> "$SHIM_LOG" 2>&1
	}
fi

TOOLS="/usr/bin/python3 $TCP_DIR/tcp_tools.py"
SP_IP=198.18.0.2
PEER_IP=198.18.0.1
PMD=${1:-tap}
TCP_TMP=$(mktemp -d /tmp/sp-tcp-test.XXXXXX)
chmod 755 "$TCP_TMP"
TCP_BG_PIDS=

tcp_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

tcp_log() {
	echo "== $*"
}

# Run a command in the lab namespace, bounded.
in_ns() {
	ip netns exec "$(lab_ns)" "$@"
}

# Start a background command in the lab namespace; killed by tcp_cleanup.
tcp_bg() {
	ip netns exec "$(lab_ns)" "$@" &
	TCP_BG_PIDS="$TCP_BG_PIDS $!"
}

tcp_cleanup() {
	local p
	set +e
	for p in $TCP_BG_PIDS; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	TCP_BG_PIDS=
	rm -rf "$TCP_TMP"
}

# Every connection gone, or in TIME-WAIT (telemetry /spindle/tcp/conns), within $1 seconds.
tcp_assert_conns_closed() {
	[ -z "${TCP_SHIM:-}" ] || return 0 # no telemetry over kernel sockets
	$TOOLS wait-conns "$(spindle_prefix)" "${1:-30}" ||
		tcp_fail "connections left open (telemetry /spindle/tcp/conns)"
}

# Wait until something answers on $1:$2 from the lab namespace (a kernel server we started).
tcp_wait_port() {
	local i
	for i in $(seq 50); do
		in_ns /usr/bin/python3 -c "import socket,sys; socket.create_connection(('$1', $2), 0.2)" \
			2>/dev/null && return 0
		sleep 0.1
	done
	tcp_fail "nothing listens on $1:$2"
}

# EXIT trap of every test: stop what was started even after a failure (spindle_stop runs in a
# subshell because its checks may exit), then remove the lab.
tcp_teardown() {
	local p i
	tcp_cleanup
	# our own spindle/shim processes (fallback lab, shim mode): TERM, then KILL after 5 s
	for p in ${SP_PID:-} ${SHIM_PIDS:-}; do
		kill -TERM "$p" 2>/dev/null || continue
		for i in $(seq 50); do
			kill -0 "$p" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	SP_PID=
	SHIM_PIDS=
	(spindle_stop) >/dev/null 2>&1 || true
	lab_down >/dev/null 2>&1 || true
}

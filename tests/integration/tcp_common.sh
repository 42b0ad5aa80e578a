# SPDX-License-Identifier: BSD-3-Clause
# Shared by tests/integration/test_tcp_*.sh: sources the lab library (lib.sh: lab_up,
# spindle_start, spindle_stop, ...) and adds what the TCP tests need. Usage in a test:
#   . "$(dirname "$0")/tcp_common.sh"      # $1 = PMD (tap | af_packet | af_xdp), default tap
# Sizes scale with environment variables so a slow PMD/CI can shrink them (documented in
# docs/services.md "Tests"): TCP_BULK_BYTES, TCP_IMPAIR_BYTES, TCP_CONNS, TCP_WRK_SECONDS.

TCP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../scripts/common.sh
. "$TCP_DIR/../../scripts/common.sh"
if [ -z "${TCP_SHIM:-}" ]; then
	# shellcheck source=lib.sh
	. "$TCP_DIR/lib.sh"
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

# Per-lcore counters of spindle's exit report in log $1 ("lcore L (worker W): ..." then its
# counter lines): counter $3 of worker $2, summed over its lines.
tcp_lcore_stat() { # LOG WORKER NAME
	awk -v w="$2" -v n="$3" '
		/^lcore [0-9]+ \(worker / { cur = ($4 == w "):") ; next }
		/^[^ ]/ { cur = 0 }
		cur { if (match($0, n " = [0-9]+")) { split(substr($0, RSTART, RLENGTH), a, " = "); v += a[2] } }
		END { print v + 0 }' "$1"
}

# Counter $2 summed over the lcores, from the port section of the exit report in log $1.
tcp_port_stat() { # LOG NAME
	awk -v n="$2" '
		/^lcore / { done = 1 }
		!done { if (match($0, n " = [0-9]+")) { split(substr($0, RSTART, RLENGTH), a, " = "); v += a[2] } }
		END { print v + 0 }' "$1"
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

# EXIT trap of every test (it replaces lib.sh's, so it does lib.sh's work too): stop what was
# started even after a failure, then remove the lab and lib.sh's temporary files.
tcp_teardown() {
	local p
	tcp_cleanup
	# shim mode: our own processes, TERM, then KILL after 5 s (lib.sh's lab_down stops spindle)
	for p in ${SHIM_PIDS:-}; do
		sp_stop_pid "$p" TERM 5 || true
		wait "$p" 2>/dev/null || true
	done
	SHIM_PIDS=
	lab_down >/dev/null 2>&1 || true
	[ -z "${SP_TMP:-}" ] || rm -rf "$SP_TMP"
}

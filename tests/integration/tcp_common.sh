# SPDX-License-Identifier: BSD-3-Clause
# Shared by tests/integration/test_tcp_*.sh: sources the lab library (lib.sh: lab_up,
# spindle_start, spindle_stop, ...) and adds what the TCP tests need. Usage in a test:
#   . "$(dirname "$0")/tcp_common.sh"      # $1 = PMD (tap | af_packet), default tap
# Sizes scale with environment variables so a slow PMD/CI can shrink them (documented in
# docs/services.md "Tests"): TCP_BULK_BYTES, TCP_IMPAIR_BYTES, TCP_CONNS, TCP_WRK_SECONDS.

TCP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
. "$TCP_DIR/lib.sh"

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

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Shared by the tests of unmodified programs on spindle (test_preload.sh,
# test_preload_programs.sh): source it after lib.sh with PMD (tap|af_packet|af_xdp|kernel) set.
#   pl_exec ARG... &          ARG on the server's side (spindle through spindle-run, or the
#                             kernel stand-in's namespace)
#   pl_attach PID             the kernel end of the program's port
#   pl_start NAME PORT ARG... a server in the background, until PORT accepts (PL_PID, PL_LOG)
#   pl_check_exit NAME RC LOG [WANT]   exit status and, on spindle, every mbuf back
#   pl_stop [WANT]            SIGINT to the server, then pl_check_exit
#   pl_reap SIG SECS WHAT [WANT]  SIG to the server, SECS to exit, then pl_check_exit
#   pl_get_many N URL SHA NAME N concurrent kernel curls of URL, each must equal (sha256sum's
#                             output SHA)
#   need PROGRAM              fail the test when PROGRAM is not installed
# Exits 77 (skip) when libspindle_preload.so is not built.
SPINDLE_RUN=${SPINDLE_RUN:-$(dirname "$SPINDLE_BIN")/spindle-run/spindle-run}
IP=198.18.0.2     # the server: spindle, or the kernel stand-in
PEER=198.18.0.1   # the kernel clients' namespace
PL_PID=
PL_LOG=
PL_NAME=

if [ "$PMD" != kernel ]; then
	[ -x "$SPINDLE_RUN" ] || { echo "no launcher $SPINDLE_RUN" >&2; exit 1; }
	LIB=$(sed -n "s/^PRELOAD='\(.*\)'\$/\1/p" "$SPINDLE_RUN")
	if [ ! -f "$LIB" ]; then
		echo "SKIP: libspindle_preload.so is not built yet ($LIB)"
		exit 77
	fi
fi
need() { command -v "$1" >/dev/null || { t_fail "$1 is not installed (scripts/setup.sh)"; t_finish; }; }

# pl_exec ARG... &: ARG replaces this (background) subshell, so $! is its pid; it runs on the
# server's side (spindle through the launcher, or the kernel stand-in's namespace), SIGINT and
# SIGQUIT at their defaults (a background job starts with them ignored).
pl_exec() {
	if [ "$PMD" = kernel ]; then
		exec ip netns exec "$LAB_NS-k" env --default-signal=INT,QUIT "$@"
	fi
	local vdev=net_tap0,iface=sp0 cfg=default.conf
	[ "$PMD" = af_packet ] && vdev=net_af_packet0,iface=sp0d cfg=af_packet.conf
	[ "$PMD" = af_xdp ] && vdev=net_af_xdp0,iface=sp0d,start_queue=0,queue_count=1 cfg=af_packet.conf
	exec ip netns exec "$LAB_NS" env --default-signal=INT,QUIT "$SPINDLE_RUN" -l "${PL_LCORE:-1}" \
		--no-huge --no-pci -m 512 --vdev "$vdev" --file-prefix "$SP_PREFIX" -- \
		--config "$(config_no_services "$cfg")" --set "stack.idle=${SP_IDLE:-sleep}" \
		--set "port0.vdev=$vdev" -- "$@"
}

# pl_attach PID: the kernel end configured for the program's port (tap: once net_tap runs).
pl_attach() {
	[ "$PMD" = kernel ] && return 0
	"$LAB_SH" attach --ns "$LAB_NS" --pid "$1" --timeout 30 >/dev/null
}

# pl_start NAME PORT PROGRAM [ARG...]: the server in the background, until PORT accepts.
pl_start() {
	local i
	PL_NAME=$1
	local port=$2
	shift 2
	PL_LOG=$SP_TMP/$PL_NAME.log
	echo "== $PL_NAME on ${PMD/kernel/the kernel (dry run)}: $*"
	pl_exec "$@" > "$PL_LOG" 2>&1 &
	PL_PID=$!
	SP_PID=$PL_PID # lab_down (EXIT trap) stops it
	pl_attach "$PL_PID" || { cat "$PL_LOG"; t_fail "$PL_NAME: the lab could not attach"; t_finish; }
	for ((i = 0; i < 300; i++)); do
		kill -0 "$PL_PID" 2>/dev/null || break
		lab_exec timeout 2 bash -c "exec 3<>/dev/tcp/$IP/$port" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$PL_LOG"
	t_fail "$PL_NAME: no listener on $IP:$port within 30 s"
	t_finish
}

# pl_check_exit NAME RC LOG [WANT]: exit status WANT (default 0) and, on spindle, every mbuf back.
pl_check_exit() {
	local name=$1 rc=$2 log=$3 want=${4:-0}
	if [ "$rc" = "$want" ]; then t_ok "$name exited with status $want"; else
		t_fail "$name exited with status $rc (want $want); its log:"
		tail -40 "$log"
	fi
	[ "$PMD" = kernel ] && return 0
	# (af_xdp: naming exactly the 2048 mbufs net_af_xdp keeps, as spindle's own check)
	if spindle_mbufs_ok "$log"; then
		t_ok "$name: $(grep -Eo 'mbufs: all [0-9]+ returned.*' "$log")"
	else
		t_fail "$name: no \"mbufs: all N returned\" at exit: $(grep -E 'mbufs|spindle-preload' "$log")"
	fi
}

# pl_reap SIGNAL SECONDS WHAT [WANT]: SIGNAL to the server, SECONDS for it to exit (then SIGKILL
# and a failure: "NAME WHAT; killed"), then pl_check_exit
pl_reap() {
	local rc=0
	sp_stop_pid "$PL_PID" "$1" "$2" || t_fail "$PL_NAME $3; killed"
	wait "$PL_PID" || rc=$?
	PL_PID=
	SP_PID=
	pl_check_exit "$PL_NAME" "$rc" "$PL_LOG" "${4:-0}"
}

# pl_stop [WANT]: SIGINT to the server, bounded wait, then pl_check_exit.
pl_stop() {
	[ -n "$PL_PID" ] || return 0
	pl_reap INT 30 "did not exit within 30 s of SIGINT" "${1:-0}"
}

# pl_get_many N URL SHA NAME: N concurrent kernel curls of URL; all N equal (sha256sum output SHA)
pl_get_many() {
	local n=$1 url=$2 want=$3 pids=() i ok=0
	for i in $(seq "$n"); do
		lab_exec timeout 60 curl -sf -o "$SP_TMP/get$i" "$url" &
		pids+=($!)
	done
	for i in $(seq "$n"); do
		wait "${pids[$((i - 1))]}" && [ "$(sha256sum < "$SP_TMP/get$i")" = "$want" ] && ok=$((ok + 1))
	done
	t_expect_eq "$4" "$ok" "$n"
}

# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# Shared helpers of the integration tests. Source it from a test:   . "$(dirname "$0")/lib.sh"
# It brings the lab and spindle functions of scripts/common.sh (lab_up, lab_down, lab_exec,
# spindle_start, spindle_stop [SIGNAL], spindle_run_client, spindle_alive, config_no_services,
# spindle_prefix / spindle_log / spindle_pid, tel, sp_stat: its header documents them), set up
# for one test (lab_init), and adds the results:
#
#   t_ok MSG / t_fail MSG / t_expect_eq WHAT GOT WANT / t_finish    results; t_finish exits
#                                 non-zero when any check failed
#   wait_line FILE TEXT PID SECS  until FILE holds TEXT (0), PID ends or SECS pass (1)
#
# Environment: SPINDLE_BIN (the program; meson sets it), SP_LCORES, SP_MEM, SP_IDLE, LAB_NS,
# SP_HUGE (scripts/common.sh). lib.sh installs an EXIT trap that stops spindle and removes the lab; a
# test that sets its own trap must call lab_down from it.

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../../scripts/common.sh
. "$LIB_DIR/../../scripts/common.sh"
lab_init || exit 1
T_FAILS=0
T_OKS=0

t_ok() {
	T_OKS=$((T_OKS + 1))
	echo "ok: $*"
}
t_fail() {
	T_FAILS=$((T_FAILS + 1))
	echo "FAIL: $*"
}
t_expect_eq() { # WHAT GOT WANT
	if [ "$2" = "$3" ]; then t_ok "$1 = $3"; else t_fail "$1 = $2, want $3"; fi
}
t_finish() {
	echo "$T_OKS ok, $T_FAILS failed"
	[ "$T_FAILS" = 0 ] && exit 0
	exit 1
}

# wait_line FILE TEXT PID SECS: until FILE holds TEXT (0), PID ends or SECS pass (1)
wait_line() {
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		grep -qs "$2" "$1" && return 0
		kill -0 "$3" 2>/dev/null || break
		sleep 0.1
	done
	grep -qs "$2" "$1"
}

# Everything at exit: spindle, the lab, temporary files.
_lab_cleanup() {
	local rc=$?
	set +e
	lab_cleanup
	return $rc
}
trap _lab_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

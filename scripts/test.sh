#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Install what is missing, build, and run every test suite: unit, integration (real kernel peers
# in network namespaces, both PMDs), fuzz (libFuzzer, clang, ASan+UBSan). The exit status says
# whether everything passed; the last line is "N passed, N failed".
#
#   scripts/test.sh [--build-dir DIR] [--suite unit|integration|fuzz]... [--no-setup] [--hugepages]
#
#   --build-dir  meson build directory (default build); the fuzz build goes to DIR-fuzz
#   --hugepages  the integration tests run spindle on 2 MB hugepages (SP_HUGE=1, reserved per
#                test and given back; docs/lab.md "Hugepages") instead of --no-huge
#   --suite      run only these suites (repeatable; default: all three)
#   FUZZ_SECONDS environment: how long the fuzz target runs (default 60)
#
# Nothing is skipped silently: a suite that cannot run (no network namespaces, no /dev/net/tun,
# no clang) counts as failed, with a message saying why. Leftovers of earlier aborted runs (the
# tests' namespaces spt-PID, sp-prog-PID, sp-svck-PID whose process is gone, their spindle
# processes, hugepages and DPDK runtime directories) are removed first. Works without a terminal.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
sp_need_root "packages, network namespaces, DPDK" "$@"
cd "$ROOT"

BUILD=build
SETUP=1
SUITES=()
while [ $# -gt 0 ]; do
	case "$1" in
	--build-dir) BUILD=$2; shift 2 ;;
	--suite) SUITES+=("$2"); shift 2 ;;
	--no-setup) SETUP=0; shift ;;
	--hugepages) export SP_HUGE=1; shift ;;
	-h|--help) sed -n '4,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "test.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
[ ${#SUITES[@]} -gt 0 ] || SUITES=(unit integration fuzz)
FUZZ_BUILD=$BUILD-fuzz
PASSED=0
FAILED=0
FAILED_NAMES=()
T0=$SECONDS

want() { [[ " ${SUITES[*]} " == *" $1 "* ]]; }
say() { echo; echo "==== test.sh: $* ($(( SECONDS - T0 )) s)"; }
failed() { # NAME REASON: a failure that is not a meson test result
	echo "test.sh: FAILED: $1: $2" >&2
	FAILED=$((FAILED + 1))
	FAILED_NAMES+=("$1")
}

# Count the results of the last "meson test" in build dir $1 (meson-logs/testlog.json).
count_results() {
	local out
	out=$(/usr/bin/python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
ok, bad, names = 0, 0, []
try:
    lines = open(sys.argv[1]).read().splitlines()
except OSError:
    lines = []
for line in lines:
    try:
        t = json.loads(line)
    except ValueError:
        continue
    if t.get("result") in ("OK", "EXPECTEDFAIL"):
        ok += 1
    else:
        # SKIP counts as a failure: nothing may be skipped silently
        bad += 1
        names.append("%s(%s)" % (t.get("name"), t.get("result")))
print(ok, bad, " ".join(names))
PY
)
	local ok bad names
	read -r ok bad names <<< "$out"
	PASSED=$((PASSED + ok))
	FAILED=$((FAILED + bad))
	# shellcheck disable=SC2206
	[ -z "$names" ] || FAILED_NAMES+=($names)
	echo "test.sh: $ok passed, $bad failed${names:+: $names}"
}

# meson test of one suite; $1 build dir, $2 suite, rest: extra meson test args
run_suite() {
	local dir=$1 suite=$2
	shift 2
	rm -f "$dir/meson-logs/testlog.json"
	meson test -C "$dir" --suite "$suite" --print-errorlogs "$@" < /dev/null || true
	if [ ! -s "$dir/meson-logs/testlog.json" ]; then
		failed "$suite" "meson test ran no test (is the suite registered?)"
		return
	fi
	count_results "$dir"
}

# Leftovers of aborted runs: test namespaces named after a process that no longer exists.
cleanup_stale() {
	local n pid
	for n in $(ip netns list 2>/dev/null | awk '{ print $1 }'); do
		[[ "$n" =~ ^(spt|sp-prog|sp-svck)-([0-9]+)(-[a-z])?$ ]] || continue
		pid=${BASH_REMATCH[2]}
		kill -0 "$pid" 2>/dev/null && continue
		echo "test.sh: removing stale namespace $n"
		"$ROOT/scripts/lab.sh" down --ns "${n%-[a-z]}" >/dev/null 2>&1 || true
		ip netns del "$n" 2>/dev/null || true
	done
	for n in /run/spindle-lab/spt-*; do
		[ -e "$n" ] || continue
		pid=${n##*/spt-}
		kill -0 "$pid" 2>/dev/null || rm -f "$n"
	done
	for n in "$SP_HUGE_RUN"/spt-*.state; do # hugepages of a test that was killed
		[ -e "$n" ] || continue
		n=${n##*/}
		pid=${n#spt-}
		kill -0 "${pid%.state}" 2>/dev/null && continue
		echo "test.sh: giving back the hugepages of ${n%.state}"
		sp_huge_release "${n%.state}"
	done
	for n in /var/run/dpdk/spt-* /var/run/dpdk/sp-prog-*; do
		[ -d "$n" ] || continue
		pid=${n##*-}
		[[ "$pid" =~ ^[0-9]+$ ]] || continue
		kill -0 "$pid" 2>/dev/null || rm -rf "$n"
	done
}

# Can this machine build the lab at all? (namespaces, tap, veth)
lab_precheck() {
	local ns=spt-$$ why=
	if [ ! -c /dev/net/tun ]; then
		why="/dev/net/tun is missing (modprobe tun; in a container: --device /dev/net/tun)"
	elif ! "$ROOT/scripts/lab.sh" up --ns "$ns" --pmd af_packet >/dev/null 2>&1; then
		why="cannot create a network namespace with a veth pair (needs CAP_NET_ADMIN and CAP_SYS_ADMIN)"
	elif ! "$ROOT/scripts/lab.sh" down --ns "$ns" >/dev/null 2>&1 ||
		! "$ROOT/scripts/lab.sh" up --ns "$ns" --pmd tap >/dev/null 2>&1; then
		why="cannot create a tap interface in a network namespace"
	fi
	"$ROOT/scripts/lab.sh" down --ns "$ns" >/dev/null 2>&1 || true
	[ -z "$why" ] && return 0
	echo "$why"
	return 1
}

if [ "$SETUP" = 1 ]; then
	say "set-up"
	"$ROOT/scripts/setup.sh"
fi
cleanup_stale

say "build ($BUILD)"
if { [ -f "$BUILD/build.ninja" ] || meson setup "$BUILD" < /dev/null; } && ninja -C "$BUILD" < /dev/null; then
	:
else
	failed build "meson setup/ninja -C $BUILD failed; no test can run"
	echo "$PASSED passed, $FAILED failed"
	exit 1
fi

if want unit; then
	say "unit tests"
	run_suite "$BUILD" unit
fi

if want integration; then
	say "integration tests (lab in network namespaces, net_tap and af_packet)"
	if why=$(lab_precheck); then
		run_suite "$BUILD" integration
	else
		failed integration "the lab cannot be built on this machine: $why"
	fi
	cleanup_stale
fi

if want fuzz; then
	say "fuzz"
	if [ ! -f tests/fuzz/meson.build ]; then
		failed fuzz "tests/fuzz/meson.build is missing"
	elif ! command -v clang >/dev/null; then
		failed fuzz "clang is not installed (scripts/setup.sh)"
	else
		if [ ! -f "$FUZZ_BUILD/build.ninja" ]; then
			CC=clang meson setup "$FUZZ_BUILD" -Dfuzz=true -Dsanitize_fuzz=true -Dtests=false \
				-Dfuzz_seconds="${FUZZ_SECONDS:-60}" < /dev/null
		elif [ -n "${FUZZ_SECONDS:-}" ]; then
			meson configure "$FUZZ_BUILD" -Dfuzz_seconds="$FUZZ_SECONDS" < /dev/null
		fi
		if ninja -C "$FUZZ_BUILD" < /dev/null; then
			run_suite "$FUZZ_BUILD" fuzz
		else
			failed fuzz "the fuzz build failed"
		fi
	fi
fi

say "done"
[ ${#FAILED_NAMES[@]} = 0 ] || echo "failed: ${FAILED_NAMES[*]}"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]

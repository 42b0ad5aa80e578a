#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# spindle-run's argument handling and the environment it gives the program (docs/preload.md,
# "The launcher"), without root or a PMD: a harmless shared library (libspindle.so) stands in for
# libspindle_preload.so, and the program is sh printing what it got.
# Usage: test_spindle_run.sh SPINDLE_RUN STAND_IN_LIBRARY
RUN=${1:?usage: test_spindle_run.sh SPINDLE_RUN STAND_IN_LIBRARY}
LIB=$(readlink -f "${2:?usage: test_spindle_run.sh SPINDLE_RUN STAND_IN_LIBRARY}")
FAILS=0
OKS=0
TMP=$(mktemp -d /tmp/sprun.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
ok() { OKS=$((OKS + 1)); echo "ok: $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL: $*"; }

# expect STATUS MESSAGE ARG...: spindle-run ARG... exits with STATUS and says MESSAGE on stderr
expect() {
	want=$1 msg=$2
	shift 2
	SPINDLE_PRELOAD_LIB=$LIB "$RUN" "$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	if [ "$rc" = "$want" ] && grep -qF -- "$msg" "$TMP/err"; then
		ok "spindle-run $* -> $rc \"$msg\""
	else
		fail "spindle-run $*: status $rc (want $want), stderr: $(cat "$TMP/err")"
	fi
}

expect 2 'missing "--" after the EAL options'
expect 2 'missing "--" after the EAL options' -l 1 true
expect 2 'no PROGRAM to run' -l 1 --
expect 2 'no PROGRAM to run' -l 1 -- --set a.b=1 --
expect 2 'unknown option --bogus' -- --bogus -- true
expect 2 'expected SECTION.KEY=VALUE' -- --set nodot=1 -- true
expect 2 '--set needs SECTION.KEY=VALUE' -- --set
expect 2 '--config needs a FILE' -- --config
expect 2 'cannot read config file /nonexistent/x.conf' -- --config /nonexistent/x.conf -- true
expect 2 'contains white space' '-l 1' -- -- true
expect 127 'nosuchprogram-xyz: command not found' -- -- nosuchprogram-xyz
expect 127 '/nonexistent/prog: not found' -- -- /nonexistent/prog
expect 126 'not an executable file' -- -- "$TMP"
SPINDLE_PRELOAD_LIB=/nonexistent/libspindle_preload.so "$RUN" -- -- true 2> "$TMP/err"
rc=$?
if [ "$rc" = 1 ] && grep -q 'preload library /nonexistent/libspindle_preload.so not found' "$TMP/err"; then
	ok "a missing library: status 1, named"
else
	fail "a missing library: status $rc, stderr: $(cat "$TMP/err")"
fi
"$RUN" --help | grep -q -- '--config FILE' && ok "--help" || fail "--help"

# The program's exit status is spindle-run's (exec, not a child).
SPINDLE_PRELOAD_LIB=$LIB "$RUN" -l 1 -- -- sh -c 'exit 7'
rc=$?
[ "$rc" = 7 ] && ok "exit status passed through (7)" || fail "exit status $rc, want 7"
SPINDLE_PRELOAD_LIB=$LIB "$RUN" -- -- sh -c 'echo $$' > "$TMP/pid" &
wait $! # the pid sh printed is the one we started: exec all the way
[ "$(cat "$TMP/pid")" = "$!" ] && ok "PROGRAM replaces spindle-run (same pid)" ||
	fail "PROGRAM runs as pid $(cat "$TMP/pid"), spindle-run was $!"

# The environment of the contract with the library (docs/preload.md "Environment").
cd "$TMP" || exit 1
echo "; test" > my.conf
show='printf "P=%s\nE=%s\nC=%s\nS=%s\nK=%s\n" "$LD_PRELOAD" "$SPINDLE_EAL_ARGS" \
	"${SPINDLE_CONFIG-unset}" "${SPINDLE_SET-unset}" "${SPINDLE_PRELOAD_CHILDREN-unset}"'
SPINDLE_CONFIG=/stale SPINDLE_SET=stale.key=1 LD_PRELOAD='' SPINDLE_PRELOAD_LIB=$LIB \
	"$RUN" -l 1 --no-pci -m 256 --file-prefix=x -- --config my.conf --set tcp.rcvbuf=65536 \
	--set=stack.idle=sleep --children -- sh -c "$show" > out
printf 'P=%s\nE=%s\nC=%s\nS=%s\nK=%s\n' "$LIB" "-l 1 --no-pci -m 256 --file-prefix=x" \
	"$TMP/my.conf" "tcp.rcvbuf=65536
stack.idle=sleep" 1 > want
cmp -s out want && ok "environment with every option" ||
	{ fail "environment with every option:"; diff want out; }
# (a second library that exists: ld.so complains about a missing one)
SPINDLE_CONFIG=/stale SPINDLE_SET=stale.key=1 SPINDLE_PRELOAD_CHILDREN=1 LD_PRELOAD=$LIB \
	SPINDLE_PRELOAD_LIB=$LIB "$RUN" --no-pci -- sh -c "$show" > out
pid=$(sed -n 's/^E=--no-pci --file-prefix spr\([0-9]*\)$/\1/p' out)
printf 'P=%s\nE=%s\nC=unset\nS=unset\nK=unset\n' "$LIB $LIB" \
	"--no-pci --file-prefix spr$pid" > want
if [ -n "$pid" ] && cmp -s out want; then
	ok "environment without options: stale values dropped, a file prefix added, LD_PRELOAD kept"
else
	fail "environment without options:"
	diff want out
fi

echo "$OKS ok, $FAILS failed"
[ "$FAILS" = 0 ]

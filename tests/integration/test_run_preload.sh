#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# scripts/run.sh --preload as docs/preload.md gives it, in a lab namespace of its own (SP_RUN_NS):
#   - python3 -m http.server runs on spindle; a kernel curl in the namespace gets a 1 MB file
#     whose sha256 equals the original;
#   - the program, which drives the stack on its own thread, is pinned to the machine's last
#     CPU (the lab's kernel clients, unpinned, keep the others); EAL's threads block every
#     signal (the program's handlers run on its own threads only);
#   - Ctrl-C (SIGINT to run.sh) reaches the program, which exits 0: so does run.sh, and the
#     namespace is gone;
#   - the same through wrappers that exec the server in place, which must pass the preload on:
#     a "#!/usr/bin/env python3" script (env execs python3) and a shell script ending in exec;
#   - run.sh exits with the program's status (sh -c 'exit 3': 3).
#   Usage: test_run_preload.sh [tap|af_packet|af_xdp]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PMD=${1:-tap}
RUN_NS=spt-$$-p
RUN_PID=
BUILD_DIR=$(dirname "$(dirname "$SPINDLE_BIN")")
[ -e "$BUILD_DIR/lib/preload/libspindle_preload.so" ] ||
	{ echo "SKIP: libspindle_preload.so is not built"; exit 77; }

_rp_cleanup() {
	local rc=$?
	set +e
	[ -z "$RUN_PID" ] || { sp_stop_pid "$RUN_PID" TERM 30; wait "$RUN_PID"; }
	ip netns del "$RUN_NS" 2>/dev/null
	lab_cleanup
	return $rc
}
trap _rp_cleanup EXIT

# run_preload LOG PROGRAM [ARGS]: run.sh --preload in the background (SIGINT not ignored, as in
# a terminal); RUN_PID is run.sh's
run_preload() {
	local log=$1
	shift
	SP_RUN_NS=$RUN_NS env --default-signal=INT "$SP_ROOT/scripts/run.sh" --preload --no-setup \
		--pmd "$PMD" --build-dir "$BUILD_DIR" -- "$@" > "$log" 2>&1 &
	RUN_PID=$!
}

mkdir "$SP_TMP/www"
head -c 1048576 /dev/urandom > "$SP_TMP/www/blob"
want=$(sha256sum < "$SP_TMP/www/blob" | cut -d' ' -f1)
last_cpu=$(($(nproc) - 1))
# wrappers that exec the server in place: a "#!/usr/bin/env python3" script (env execs python3)
# and a shell script ending in exec
cat > "$SP_TMP/serve.py" <<'PY'
#!/usr/bin/env python3
import functools, http.server, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
try:
    http.server.ThreadingHTTPServer(("198.18.0.2", 8000), h).serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
PY
printf '#!/bin/sh\ncd "$1" && exec python3 -m http.server 8000 --bind 198.18.0.2\n' > "$SP_TMP/serve.sh"
chmod 755 "$SP_TMP/serve.py" "$SP_TMP/serve.sh"

# serve_check WHAT PROGRAM [ARGS]: run.sh --preload runs the server; curl gets the file from
# spindle (198.18.0.2 is spindle's, not the kernel's: only a program on spindle answers there);
# Ctrl-C ends it with status 0 and removes the namespace. PROG_PID: the server's pid.
serve_check() {
	local what=$1 got= rc=0
	shift
	echo "== scripts/run.sh --preload --pmd $PMD -- $* ($what; namespace $RUN_NS)"
	PROG_PID=
	PROG_CPUS=
	EAL_MASKS=
	run_preload "$LOG" "$@"
	if wait_line "$LOG" "runs on spindle" "$RUN_PID" 60; then
		for _ in $(seq 20); do
			got=$(ip netns exec "$RUN_NS" curl -sf --max-time 10 \
				http://198.18.0.2:8000/blob | sha256sum | cut -d' ' -f1) || true
			[ "$got" = "$want" ] && break
			sleep 0.5
		done
		t_expect_eq "$what: sha256 of the file curl got from spindle" "$got" "$want"
		PROG_PID=$(ip netns pids "$RUN_NS" | while read -r p; do
			grep -qa "http.server\|serve.py" "/proc/$p/cmdline" 2>/dev/null && echo "$p"
		done | head -1) || true
		PROG_CPUS=$(taskset -pc "${PROG_PID:-0}" 2>/dev/null | sed -n 's/.*list: //p') || true
		# the signal masks of EAL's threads, one line each: "NAME MASK"
		EAL_MASKS=$(for t in /proc/"${PROG_PID:-0}"/task/*; do
			case $(cat "$t/comm" 2>/dev/null) in eal-* | rte_* | telemetry*)
				echo "$(cat "$t/comm") $(awk '/^SigBlk/ {print $2}' "$t/status")" ;;
			esac
		done) || true
	else
		t_fail "$what: run.sh --preload did not start the program"
	fi
	kill -INT "$RUN_PID"
	for _ in $(seq 300); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$RUN_PID" 2>/dev/null && t_fail "$what: run.sh did not end within 30 s of SIGINT"
	wait "$RUN_PID" || rc=$?
	RUN_PID=
	cat "$LOG"
	t_expect_eq "$what: run.sh's exit status after Ctrl-C (the program's)" "$rc" 0
	if ip netns list | grep -qw "$RUN_NS"; then
		t_fail "$what: namespace $RUN_NS is left behind"
	else
		t_ok "$what: namespace $RUN_NS removed"
	fi
}

LOG=$SP_TMP/run.log
serve_check "python3 -m http.server" python3 -m http.server 8000 --bind 198.18.0.2 \
	--directory "$SP_TMP/www"
t_expect_eq "the program's CPUs (taskset)" "${PROG_CPUS:-none}" "$last_cpu"
echo "$EAL_MASKS"
if [ -n "$EAL_MASKS" ] && ! echo "$EAL_MASKS" | awk '{print $2}' | grep -q '^0*$'; then
	t_ok "EAL's threads block the program's signals"
else
	t_fail "EAL's threads take the program's signals: ${EAL_MASKS:-no EAL thread found}"
fi
serve_check "a #!/usr/bin/env python3 script" "$SP_TMP/serve.py" "$SP_TMP/www"
serve_check "a shell script that execs python3" "$SP_TMP/serve.sh" "$SP_TMP/www"
echo "== scripts/run.sh --preload -- sh -c 'exit 3'"
rc=0
run_preload "$LOG" sh -c 'exit 3'
for _ in $(seq 600); do kill -0 "$RUN_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$RUN_PID" 2>/dev/null && { t_fail "run.sh did not end within 60 s"; sp_stop_pid "$RUN_PID" TERM 30; }
wait "$RUN_PID" || rc=$?
RUN_PID=
tail -1 "$LOG"
t_expect_eq "run.sh's exit status (the program's)" "$rc" 3
ip netns list | grep -qw "$RUN_NS" && t_fail "namespace $RUN_NS is left behind" ||
	t_ok "namespace $RUN_NS removed"

t_finish

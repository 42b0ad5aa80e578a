#!/usr/bin/env bash
# Run a libFuzzer target for a bounded time on a copy of the seed corpus (the repo's corpus is
# never written to). Exit status is libFuzzer's: non-zero on a crash, sanitizer report or leak.
set -euo pipefail
target=$(readlink -f "$1") seeds=$(readlink -f "$2") seconds=${3:-60}
work=$(mktemp -d /tmp/spindle-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
cp -r "$seeds"/. "$work/corpus/" 2>/dev/null || { mkdir -p "$work/corpus"; cp "$seeds"/* "$work/corpus/"; }
cd "$work"
# ASan's leak checker is off: DPDK's EAL keeps allocations until exit by design; mbuf leaks are
# caught by the target itself (it aborts when the pool is not full again after each input).
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 \
	-print_final_stats=1 corpus

#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The kernel-side tools of scripts/bench.sh work: tests/bench/epoll_rr (server and client in a
# namespace of our own, 198.18.0.0/15 on its loopback) answers every request, and the client
# fails when nothing listens; bench.sh and bench_tcp.sh parse their options (--help, a bad
# --suite is refused).
#   test_bench_tools.sh EPOLL_RR SOURCE_ROOT
set -u
EPOLL_RR=$(readlink -f "$1")
ROOT=$2
NS=spbt-$$
fail() { echo "FAIL: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespace)"; exit 77; }
cleanup() {
	[ -n "${SRV:-}" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT
ip netns add "$NS" || fail "cannot create namespace $NS"
ip -n "$NS" link set lo up
ip -n "$NS" addr add 198.18.99.1/32 dev lo

# nothing listens yet: the client must fail
if ip netns exec "$NS" timeout 10 "$EPOLL_RR" client --dst 198.18.99.1 --port 7 --conns 2 \
	--seconds 0.5 > /dev/null 2>&1; then
	fail "epoll_rr client succeeded with no server"
fi
ip netns exec "$NS" "$EPOLL_RR" server --bind 198.18.99.1 --port 7 &
SRV=$!
sleep 0.3
out=$(ip netns exec "$NS" timeout 20 "$EPOLL_RR" client --dst 198.18.99.1 --port 7 --conns 8 \
	--size 100 --seconds 1) || fail "epoll_rr client failed: $out"
echo "$out"
[[ "$out" =~ ^epoll_rr-result:\ connections=8\ connected=8\ requests=([0-9]+)\ seconds= ]] ||
	fail "unexpected result line: $out"
[ "${BASH_REMATCH[1]}" -gt 100 ] || fail "only ${BASH_REMATCH[1]} requests in 1 s"
"$EPOLL_RR" client --dst 198.18.99.1 > /dev/null 2>&1 && fail "epoll_rr accepted a missing --port"

"$ROOT/scripts/bench.sh" --help | grep -q -- '--suite icmp|tcp|memif' || fail "bench.sh --help"
"$ROOT/scripts/bench.sh" --suite nope > /dev/null 2>&1 && fail "bench.sh accepted --suite nope"
"$ROOT/scripts/bench_tcp.sh" --help | grep -q -- '--rps on|off' || fail "bench_tcp.sh --help"
"$ROOT/scripts/bench_preload.sh" --help | grep -q -- '--rps on|off' || fail "bench_preload.sh --help"
"$ROOT/scripts/bench_preload.sh" --rps nope > /dev/null 2>&1 && fail "bench_preload.sh accepted --rps nope"
"$ROOT/scripts/bench_preload.sh" --only redis,nope > /dev/null 2>&1 &&
	fail "bench_preload.sh accepted --only nope"
"$ROOT/scripts/bench_preload.sh" --nginx-cache nope > /dev/null 2>&1 &&
	fail "bench_preload.sh accepted --nginx-cache nope"
echo "PASS"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Install what spindle needs to build, test and benchmark, from Debian 12 packages only.
# Idempotent: when everything is installed it does not call apt at all; otherwise it runs
# "apt-get update" once and installs the missing packages, non-interactively.
#
#   scripts/setup.sh [--check]     --check: only report what is missing (exit 1 if anything is)
#
# nginx-light's package starts nginx on port 80 of the root namespace; the benchmark runs its
# own nginx inside a lab namespace, so the system service is stopped and disabled.
set -euo pipefail

PACKAGES=(
	dpdk dpdk-dev libdpdk-dev libnuma-dev meson ninja-build libcmocka-dev pkg-config gcc clang
	iproute2 iputils-ping arping netcat-openbsd curl python3 python3-scapy wrk iperf nginx-light
	nftables tcpdump ethtool bc
	redis-server redis-tools iperf3
	socat wget memcached libmemcached-tools lighttpd sockperf
)

# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
sp_need_root "installing packages" "$@"

CHECK=0
case "${1:-}" in
--check) CHECK=1 ;;
"") ;;
-h|--help) sed -n '4,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) echo "setup.sh: unknown argument $1" >&2; exit 2 ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
	s=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$s" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} = 0 ]; then
	echo "setup.sh: all ${#PACKAGES[@]} packages are installed"
	exit 0
fi
echo "setup.sh: missing: ${missing[*]}"
[ "$CHECK" = 0 ] || exit 1

command -v apt-get >/dev/null || {
	echo "setup.sh: apt-get not found: this script supports Debian 12 (bookworm); install" \
		"the packages above by hand" >&2
	exit 1
}
export DEBIAN_FRONTEND=noninteractive
apt-get update -q < /dev/null
apt-get install -y -q --no-install-recommends "${missing[@]}" < /dev/null

# No nginx listening in the root namespace because of us.
if [[ " ${missing[*]} " == *" nginx-light "* ]]; then
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
		systemctl disable --now nginx >/dev/null 2>&1 || true
	elif [ -f /run/nginx.pid ]; then
		kill "$(cat /run/nginx.pid)" 2>/dev/null || true
	fi
	# Without systemd the package's postinst may have started it through its init script.
	if command -v service >/dev/null && [ ! -d /run/systemd/system ]; then
		service nginx stop >/dev/null 2>&1 || true
		command -v update-rc.d >/dev/null && update-rc.d nginx disable >/dev/null 2>&1 || true
	fi
fi
# Nor memcached or lighttpd (test_preload_programs.sh runs its own inside a lab namespace).
for svc in memcached lighttpd; do
	[[ " ${missing[*]} " == *" $svc "* ]] || continue
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
		systemctl disable --now "$svc" >/dev/null 2>&1 || true
	elif command -v service >/dev/null; then
		service "$svc" stop >/dev/null 2>&1 || true
		command -v update-rc.d >/dev/null && update-rc.d "$svc" disable >/dev/null 2>&1 || true
	fi
done
echo "setup.sh: done"

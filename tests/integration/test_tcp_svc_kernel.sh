#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The TCP integration tests against the built-in services running over kernel sockets
# (svc_kernel_shim): the services' protocol behaviour with curl, wrk, nc and kernel servers,
# without spindle's TCP, and a check of the test scripts themselves. Each sub-test uses its own
# network namespace (198.18.0.1 and .2 on its loopback), removed on exit.
# Usage: test_tcp_svc_kernel.sh path/to/svc_kernel_shim
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
export TCP_SHIM=$(realpath "$1")
export TCP_BULK_BYTES=${TCP_BULK_BYTES:-268435456}
export TCP_WRK_SECONDS=${TCP_WRK_SECONDS:-3}
export TCP_CONNS=${TCP_CONNS:-10000}
ulimit -n 20000 2>/dev/null || true # the shim holds a socket per connection
fail=0
for t in echo http bulk clients conns; do
	echo "######## test_tcp_$t.sh over kernel sockets"
	if ! timeout 240 "$HERE/test_tcp_$t.sh" shim; then
		echo "######## test_tcp_$t.sh FAILED"
		fail=1
	fi
done
exit $fail

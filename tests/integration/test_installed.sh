#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# libspindle as an outsider gets it (docs/api.md "Building against libspindle"): `meson install
# --destdir` into a temporary directory, then app/example/example.c compiled with nothing but
# `pkg-config --cflags --libs spindle` from there. Checks that
#   - the example builds against the installed headers and library, and echoes over TCP
#     (run in a network namespace of its own; needs root, skipped otherwise);
#   - every installed header compiles on its own;
#   - struct sp_ctx and struct sp_stack are opaque: sizeof() of either does not compile, while a
#     control program using the accessors does (so the check can fail);
#   - libspindle.so exports only sp_ symbols, and none of the internal ones.
# Usage: test_installed.sh BUILD_DIR SOURCE_DIR [build|run]   (default run)
set -u
BUILD=${1:?usage: test_installed.sh BUILD_DIR SOURCE_DIR [build|run]}
SRC=${2:?usage: test_installed.sh BUILD_DIR SOURCE_DIR [build|run]}
MODE=${3:-run}
. "$(dirname "$0")/lib.sh" # t_ok, t_fail, t_finish, SP_TMP; the lab itself is not used
TMP=$SP_TMP
DEST=$TMP/dest
NS=sp-inst-$$
PID=

# lib.sh's EXIT trap is replaced: stop the example, remove its namespace, then what lib.sh does.
trap '[ -n "$PID" ] && { kill -TERM "$PID"; wait "$PID"; }; ip netns del "$NS" 2> /dev/null;
	lab_down; rm -rf "$SP_TMP"' EXIT

# ---- install, and pkg-config resolving inside the destdir ----
meson install -C "$BUILD" --destdir "$DEST" --no-rebuild --quiet > "$TMP/install.log" 2>&1 ||
	{ cat "$TMP/install.log"; t_fail "meson install --destdir"; t_finish; }
PC=$(find "$DEST" -name spindle.pc | head -1)
[ -n "$PC" ] || { t_fail "no spindle.pc installed"; t_finish; }
# The .pc file has the configured prefix baked in: the copy we use points into the destdir.
# (pkg-config --define-variable=prefix=... would move libdpdk's prefix too: it applies to every
# package of the query.)
mkdir "$TMP/pc"
PREFIX=$(sed -n 's/^prefix=//p' "$PC")
sed "s|^prefix=.*|prefix=$DEST$PREFIX|" "$PC" > "$TMP/pc/spindle.pc"
export PKG_CONFIG_PATH=$TMP/pc
PKG="pkg-config spindle"
LIBDIR=$($PKG --variable=libdir)
CFLAGS=$($PKG --cflags)
LIBS=$($PKG --libs)
case "$CFLAGS" in
*"$DEST"*) t_ok "pkg-config --cflags points into the destdir" ;;
*) t_fail "pkg-config --cflags: $CFLAGS" ;;
esac
cc_out() { # cc_out OUTPUT SOURCE: compile and link like an outsider
	cc -o "$1" "$2" $CFLAGS $LIBS -Wl,-rpath,"$LIBDIR" > "$TMP/cc.log" 2>&1
}

# ---- the example, built from the installed tree only ----
if cc_out "$TMP/spindle-example" "$SRC/app/example/example.c"; then
	t_ok "app/example builds with pkg-config --cflags --libs spindle"
else
	cat "$TMP/cc.log"
	t_fail "app/example does not build against the installed library"
fi

# ---- every installed header on its own ----
INC=$($PKG --variable=includedir)/spindle
nh=0
for h in "$INC"/*.h; do
	printf '#include <%s>\nint main(void) { return 0; }\n' "$(basename "$h")" > "$TMP/h.c"
	if cc_out "$TMP/h" "$TMP/h.c"; then
		nh=$((nh + 1))
	else
		cat "$TMP/cc.log"
		t_fail "$(basename "$h") does not compile alone"
	fi
done
[ "$nh" -gt 0 ] && t_ok "$nh installed headers, each compiles alone"

# ---- opaque handles: sizeof fails, the accessors work ----
cat > "$TMP/control.c" << 'EOF'
#include <stdio.h>
#include <spindle.h>
int main(void)
{
	struct sp_stats s;
	struct sp_ctx *ctx = NULL;

	printf("%zu %s %p\n", sizeof(s), sp_version(), (void *)&sp_ctx_now);
	return ctx != NULL ? (int)sp_ctx_now(ctx) : 0;
}
EOF
if cc_out "$TMP/control" "$TMP/control.c" && "$TMP/control" > /dev/null; then
	t_ok "control program (sp_stats, sp_version, sp_ctx_now) builds and runs"
else
	cat "$TMP/cc.log"
	t_fail "control program does not build or run"
fi
for t in sp_ctx sp_stack; do
	printf '#include <spindle.h>\nint main(void) { return (int)sizeof(struct %s); }\n' $t > "$TMP/$t.c"
	if cc_out "$TMP/$t" "$TMP/$t.c"; then
		t_fail "sizeof(struct $t) compiles: the struct is not opaque"
	elif grep -q "incomplete type" "$TMP/cc.log"; then
		t_ok "sizeof(struct $t) does not compile (incomplete type)"
	else
		cat "$TMP/cc.log"
		t_fail "sizeof(struct $t): failed for another reason"
	fi
done

# ---- exported symbols ----
SO=$(ls "$LIBDIR"/libspindle.so.* 2> /dev/null | head -1)
nm -D --defined-only "$SO" | awk '{print $3}' > "$TMP/syms"
n=$(wc -l < "$TMP/syms")
bad=$(grep -v '^sp_' "$TMP/syms" | tr '\n' ' ')
[ "$n" -gt 0 ] && [ -z "$bad" ] && t_ok "libspindle.so exports $n symbols, all sp_" ||
	t_fail "exported symbols not sp_ (or none): $bad"
internal=$(grep -xE 'sp_(eth_input|ipv4_output|tx_enqueue|alloc|tcp_input|neigh_output|timers_run)' "$TMP/syms" | tr '\n' ' ')
[ -z "$internal" ] && t_ok "no internal function exported" || t_fail "internal functions exported: $internal"

# ---- run the outsider-built example: TCP echo in a namespace (as test_program.sh does) ----
if [ "$MODE" = run ] && [ -x "$TMP/spindle-example" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "not root: the example is built but not run"
	else
		ip netns add "$NS" || exit 1
		ip netns exec "$NS" "$TMP/spindle-example" -l 0 --no-huge --no-pci -m 256 \
			--file-prefix="$NS" > "$TMP/example.log" 2>&1 &
		PID=$!
		for _ in $(seq 100); do
			grep -q "echo server on TCP port 7" "$TMP/example.log" && break
			sleep 0.1
		done
		ip netns exec "$NS" sh -c 'ip link set spx0 address 02:00:00:00:00:01 up &&
			ip addr replace 198.18.0.1/24 dev spx0 &&
			ip neigh replace 198.18.0.2 lladdr 02:00:00:00:00:02 dev spx0 nud permanent'
		got=$(printf 'outsider\n' | ip netns exec "$NS" timeout 10 nc -N 198.18.0.2 7)
		[ "$got" = outsider ] && t_ok "installed example echoes" ||
			{ t_fail "installed example: echo got '$got'"; cat "$TMP/example.log"; }
		kill -INT "$PID"
		wait "$PID"
		rc=$?
		PID=
		[ "$rc" = 0 ] && t_ok "installed example: exit status 0 on SIGINT" ||
			t_fail "installed example: exit status $rc"
	fi
fi

t_finish

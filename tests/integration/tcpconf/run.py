#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Run the TCP conformance tests from inside the peer's namespace.

  ip netns exec NS /usr/bin/python3 run.py [--target 198.18.0.2] [--mode spindle|kernel]
      [--prefix FILE_PREFIX] [--only NAME[,NAME...]] [--skip-slow] [--verbose]

Installs an nftables table (namespace-local, removed at exit) that drops the kernel's outgoing
RSTs from the crafted port range, runs every test of tests.py, prints one line per test and the
packet log of each failure, and exits 1 when any test failed."""
import argparse
import os
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tcpconf  # noqa: E402
import tests  # noqa: E402,F401

NFT_TABLE = "tcpconf_%d" % os.getpid()
PORTS = "40000-49999"


def nft(cmd):
    return subprocess.run(["nft"] + cmd.split(), check=False, capture_output=True, text=True)


def nft_up(peer_ip):
    # The kernel owns the peer address but has no socket on the crafted ports: without this it
    # would reset every SYN-ACK and segment the target sends us.
    r = nft("add table ip %s" % NFT_TABLE)
    if r.returncode:
        sys.exit("nft: %s" % r.stderr)
    nft("add chain ip %s out { type filter hook output priority 0 ; }" % NFT_TABLE)
    r = nft("add rule ip %s out ip saddr %s tcp sport %s tcp flags & rst == rst drop" % (
        NFT_TABLE, peer_ip, PORTS))
    if r.returncode:
        nft("delete table ip %s" % NFT_TABLE)
        sys.exit("nft rule: %s" % r.stderr)


def nft_down():
    nft("delete table ip %s" % NFT_TABLE)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", default="198.18.0.2")
    ap.add_argument("--mode", default="spindle", choices=("spindle", "kernel"))
    ap.add_argument("--prefix", default=None, help="spindle's EAL file prefix (telemetry)")
    ap.add_argument("--only", default=None)
    ap.add_argument("--skip-slow", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--mtu", type=int, default=1500)
    a = ap.parse_args()

    log = []
    peer = tcpconf.Peer(a.target, log=log.append)
    env = tcpconf.Env(peer, a.mode, a.prefix, a.mtu)
    only = set(a.only.split(",")) if a.only else None
    nft_up(peer.ip)
    results = []
    t_start = time.monotonic()
    try:
        for name, rfc, fn, slow in tcpconf.TESTS:
            if only and name not in only:
                continue
            if slow and a.skip_slow:
                continue
            del log[:]
            infos = []
            env.info = infos.append
            peer.flush()
            t0 = time.monotonic()
            try:
                fn(env)
                status, msg = "ok", ""
            except tcpconf.TestFailure as e:
                status, msg = "FAIL", str(e)
            except Exception:
                status, msg = "FAIL", "exception: " + traceback.format_exc()
            dt = time.monotonic() - t0
            tcpconf.Conn.reset_all()
            results.append((name, status))
            print("%-4s %-30s %5.2fs  [%s]%s" % (status, name, dt, rfc,
                                                   "".join("\n       " + i for i in infos)))
            if status != "ok":
                print("       " + msg.replace("\n", "\n       "))
            if status != "ok" or a.verbose:
                print("       packets:")
                for line in log[-40:]:
                    print("       " + line)
            sys.stdout.flush()
            time.sleep(0.05)
    finally:
        nft_down()
        peer.close()
    failed = [n for n, s in results if s != "ok"]
    print("tcpconf: %d tests, %d passed, %d failed in %.1fs%s" % (
        len(results), len(results) - len(failed), len(failed), time.monotonic() - t_start,
        (": " + " ".join(failed)) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: BSD-3-Clause
"""The TCP conformance checks (README.md lists each with its RFC reference).

Targets: the built-in services of config/default.conf (echo 7, discard 9, chargen 19, http 80);
port CLOSED has no listener. The suite's spindle runs with tcp.delayed_ack_ms=200,
tcp.max_retries=3, tcp.rto_max_ms=2000 and tcp.time_wait_ms=5000 (test_tcpconf.sh)."""
import time

from tcpconf import (ACK, FIN, PSH, RST, SYN, URG, assert_segment, check, seq_add,
                     seq_diff, test)

ECHO, DISCARD, CHARGEN, HTTP, CLOSED = 7, 9, 19, 80, 4444


def data_seg(s):
    return len(s.payload) > 0


def pure_ack(s):
    return s.has(ACK) and not s.has(SYN | FIN | RST) and len(s.payload) == 0


# ---------------------------------------------------------------- handshake
@test("handshake_all_options", "RFC 9293 3.7.1, 3.10.7.2; RFC 7323 2.2, 3.2; RFC 2018 2")
def t_handshake_all(env):
    c = env.conn(ECHO, mss=1460, wscale=7, sack=True, ts=True)
    c.send_syn()
    sa = c.expect(lambda s: s.has(SYN), what="SYN-ACK")
    assert_segment(sa, flags="SA", ack=c.isn + 1, options={
        "MSS": env.mtu - 40, "WScale": None, "SAckOK": None, "Timestamp": None})
    tsval, tsecr = sa.opts["Timestamp"]
    check(tsecr == c.tsval, "SYN-ACK TSecr %d, expected our TSval %d (RFC 7323 3.2)" % (
        tsecr, c.tsval))
    check(0 <= sa.opts["WScale"] <= 14, "SYN-ACK window shift %d > 14 (RFC 7323 2.3)" %
          sa.opts["WScale"])
    check(len(sa.payload) == 0, "SYN-ACK carries data")
    # complete it and close it cleanly with an exact RST
    c.irs, c.rcv_nxt, c.snd_nxt = sa.seq, seq_add(sa.seq, 1), seq_add(c.isn, 1)
    c.rst()


@test("handshake_no_options", "RFC 9293 3.7.1 (MSS default 536), RFC 7323 2.2/3.2, RFC 2018 2")
def t_handshake_none(env):
    c = env.conn(ECHO, mss=None)
    c.send_syn()
    sa = c.expect(lambda s: s.has(SYN), what="SYN-ACK")
    assert_segment(sa, flags="SA", ack=c.isn + 1, options={"MSS": None},
                   no_options=("WScale", "SAckOK", "Timestamp"))
    # Without an MSS option the target must assume 536 (RFC 9293 3.7.1, RFC 1122 4.2.2.6):
    # 1200 bytes echoed come back in segments of at most 536 bytes.
    c.irs, c.rcv_nxt, c.snd_nxt = sa.seq, seq_add(sa.seq, 1), seq_add(c.isn, 1)
    c.send_ack()
    c.send(bytes(range(256)) * 2)
    c.send(bytes(range(200)))
    got = b""
    while len(got) < 712:
        s = c.expect(data_seg, 2.0, "echoed data")
        check(len(s.payload) <= 536, "segment of %d bytes > default MSS 536: %r" % (
            len(s.payload), s))
        assert_segment(s, no_options=("Timestamp",), ctx="data without TS negotiated")
        if s.seq == c.rcv_nxt:
            got += s.payload
            c.rcv_nxt = seq_add(c.rcv_nxt, len(s.payload))
            c.send_ack()
    check(got == bytes(range(256)) * 2 + bytes(range(200)), "echo returned other bytes")
    c.rst()


@test("handshake_peer_mss", "RFC 9293 3.7.1 (send MSS = min(peer's MSS, own MTU - 40))")
def t_handshake_mss(env):
    c = env.conn(ECHO, mss=300, sack=True, ts=True, wscale=2)
    c.connect()
    c.send(b"m" * 1000)
    got = b""
    while len(got) < 1000:
        s = c.expect(data_seg, 2.0, "echoed data")
        # the TS option (12 bytes with padding) counts against the MSS (RFC 7323 3.2 / 9293 3.7.1)
        check(len(s.payload) <= 300, "segment of %d bytes > peer MSS 300" % len(s.payload))
        if s.seq == c.rcv_nxt:
            got += s.payload
            c.rcv_nxt = seq_add(c.rcv_nxt, len(s.payload))
            c.send_ack()
    c.rst()


@test("handshake_ack_completes", "RFC 9293 3.5, 3.10.7.3 (SYN-RECEIVED -> ESTABLISHED)")
def t_handshake_ack(env):
    c = env.conn(ECHO, sack=True, ts=True, wscale=7)
    c.connect()
    got = c.echo(b"hello, tcpconf\n")
    check(got == b"hello, tcpconf\n", "echo returned %r" % got)
    c.rst()


@test("synack_retransmit", "RFC 9293 3.8.1 (SYN-ACK retransmitted when the ACK is lost)")
def t_synack_rtx(env):
    c = env.conn(ECHO)
    c.send_syn()
    sa = c.expect(lambda s: s.has(SYN), what="SYN-ACK")
    sa2 = c.expect(lambda s: s.has(SYN), 3.5, "retransmitted SYN-ACK")
    assert_segment(sa2, flags="SA", seq=sa.seq, ack=c.isn + 1)
    check(sa2.t - sa.t >= 0.18, "SYN-ACK retransmitted after %.3fs (< RTO min)" % (sa2.t - sa.t))
    c.irs, c.rcv_nxt, c.snd_nxt = sa.seq, seq_add(sa.seq, 1), seq_add(c.isn, 1)
    c.rst()


@test("rst_in_syn_received", "RFC 9293 3.10.7.4 first/SYN-RECEIVED (RST: passive open "
      "returns to LISTEN)")
def t_rst_synrcvd(env):
    c = env.conn(ECHO)
    c.send_syn()
    sa = c.expect(lambda s: s.has(SYN), what="SYN-ACK")
    c.p.send(c.sport, ECHO, RST, seq_add(c.isn, 1), 0, 0)
    time.sleep(0.05)
    c.p.flush()
    # the half-open connection is gone: its ACK now hits no connection
    c.p.send(c.sport, ECHO, ACK, seq_add(c.isn, 1), seq_add(sa.seq, 1), 65535)
    r = c.expect(lambda s: s.has(RST), 1.0, "RST for an ACK after the reset SYN-RECEIVED")
    assert_segment(r, flags="R", seq=seq_add(sa.seq, 1), ctx="RST after reset SYN-RECEIVED")


@test("bad_ack_syn_received", "RFC 9293 3.10.7.4 fifth, SYN-RECEIVED (unacceptable ACK -> "
      "<SEQ=SEG.ACK><CTL=RST>)")
def t_badack_synrcvd(env):
    c = env.conn(ECHO)
    c.send_syn()
    sa = c.expect(lambda s: s.has(SYN), what="SYN-ACK")
    bad = seq_add(sa.seq, 1000)
    c.p.send(c.sport, ECHO, ACK, seq_add(c.isn, 1), bad, 65535)
    r = c.expect(lambda s: s.has(RST), 1.0, "RST for an unacceptable ACK in SYN-RECEIVED")
    assert_segment(r, flags="R", seq=bad, ctx="RST for a bad ACK")
    # the half-open connection survives it: the right ACK completes the handshake
    c.irs, c.rcv_nxt, c.snd_nxt, c.synack = sa.seq, seq_add(sa.seq, 1), seq_add(c.isn, 1), sa
    c.send_ack()
    got = c.echo(b"synrcvd")
    check(got == b"synrcvd", "echo after the bad ACK %r" % got)
    c.rst()


# ---------------------------------------------------------------- closed port
@test("closed_port_syn_rst", "RFC 9293 3.10.7.1 (<SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>)")
def t_closed_syn(env):
    c = env.conn(CLOSED, isn=0x12345678, sack=True, ts=True)
    c.send_syn()
    r = c.expect(what="RST for SYN to a closed port")
    assert_segment(r, flags="RA", seq=0, ack=0x12345679, length=0)


@test("closed_port_ack_rst", "RFC 9293 3.10.7.1 (<SEQ=SEG.ACK><CTL=RST>)")
def t_closed_ack(env):
    c = env.conn(CLOSED)
    c.p.send(c.sport, CLOSED, ACK, 1000, 0xABCDEF01, 1000)
    r = c.expect(what="RST for an ACK to a closed port")
    assert_segment(r, flags="R", seq=0xABCDEF01, length=0)
    # data without ACK: RST,ACK with ack = SEG.SEQ + SEG.LEN
    c.p.send(c.sport, CLOSED, PSH, 5000, 0, 1000, payload=b"x" * 10)
    r = c.expect(what="RST for data without ACK to a closed port")
    assert_segment(r, flags="RA", seq=0, ack=5010)


@test("closed_port_rst_ignored", "RFC 9293 3.10.7.1 (an incoming RST is discarded)")
def t_closed_rst(env):
    c = env.conn(CLOSED)
    c.p.send(c.sport, CLOSED, RST, 1000, 0, 0)
    c.p.send(c.sport, CLOSED, RST | ACK, 1000, 2000, 0)
    c.p.expect_none(c.m(), 0.3, "answer to a RST")


# ---------------------------------------------------------------- data, ACKs
@test("delayed_ack_single", "RFC 9293 3.8.6.3 (MUST-40: ACK delay < 0.5 s); RFC 1122 4.2.3.2")
def t_delack(env):
    c = env.conn(DISCARD, sack=True, ts=True, wscale=7)
    c.connect()
    t0 = c.send(b"a" * 100)
    a = c.expect_ack(c.snd_nxt, 0.6, "ACK of 100 bytes")
    dt = a.t - t0
    check(dt <= 0.25, "ACK after %.3fs > 200 ms delayed-ACK bound" % dt)
    env.info("single segment ACKed after %.0f ms" % (dt * 1000))
    c.rst()


@test("delayed_ack_two_full", "RFC 9293 3.8.6.3 (SHOULD-ACK every second full-sized segment); "
      "RFC 5681 4.2")
def t_delack2(env):
    c = env.conn(DISCARD, mss=1460, sack=True, ts=True, wscale=7)
    c.connect()
    smss = c.send_mss()
    t0 = c.send(b"b" * smss)
    c.send(b"c" * smss)
    a = c.expect_ack(c.snd_nxt, 0.6, "ACK of two full segments")
    dt = a.t - t0
    # the suite runs with delayed_ack_ms = 200: an ACK within 100 ms was not delayed
    check(dt <= 0.1, "ACK of the second full segment after %.3fs (should be immediate)" % dt)
    c.rst()


@test("echo_data", "RFC 9293 3.10.7.4 (ESTABLISHED: text delivered, ACKed); RFC 862")
def t_echo(env):
    c = env.conn(ECHO, sack=True, ts=True, wscale=7)
    c.connect()
    data = bytes((i * 13 + 7) & 0xFF for i in range(5000))
    got = c.echo(data, 3.0)
    check(got == data, "echo returned different bytes (%d)" % len(got))
    c.rst()


@test("piggyback_cancels_delayed_ack", "RFC 1122 4.2.3.2, RFC 9293 3.8.6.3 (the delayed ACK "
      "rides on the reply; no separate ACK afterwards)")
def t_piggyback(env):
    c = env.conn(ECHO, sack=True, ts=True, wscale=7)
    c.connect()
    c.send(b"ping")
    s = c.expect(data_seg, 1.0, "echo")
    assert_segment(s, ack=c.snd_nxt, ctx="echo carries the ACK")
    c.rcv_nxt = s.end
    c.send_ack()
    # (an immediate ACK before the echo, as Linux sends in quick-ACK mode, is fine)
    c.p.expect_none(c.m(lambda x: x.t > s.t), 0.4, "separate ACK after the ACK rode on the echo")
    c.rst()


@test("ooo_sack_dupack", "RFC 9293 3.10.7.4 + RFC 5681 4.2 (immediate dup ACK); RFC 2018 4")
def t_ooo(env):
    c = env.conn(DISCARD, sack=True, ts=True, wscale=7)
    c.connect()
    check(c.peer_sack, "SACK not negotiated")
    base = c.snd_nxt
    c.send(b"A" * 100)
    c.expect_ack(seq_add(base, 100), 0.6)
    # skip bytes 100..199, send 200..299
    t0 = c.send(b"C" * 100, seq=seq_add(base, 200))
    d = c.expect(lambda s: s.has(ACK) and s.ack == seq_add(base, 100) and "SAck" in s.opts,
                 0.5, "duplicate ACK with a SACK block")
    check(d.t - t0 <= 0.1, "dup ACK after %.3fs, not immediate" % (d.t - t0))
    blocks = d.opts["SAck"]
    check(tuple(blocks[:2]) == (seq_add(base, 200), seq_add(base, 300)),
          "first SACK block %r, expected (%d, %d)" % (blocks, seq_add(base, 200),
                                                      seq_add(base, 300)))
    # fill the hole: cumulative ACK covers both, immediately
    t0 = c.send(b"B" * 100, seq=seq_add(base, 100))
    a = c.expect(lambda s: s.has(ACK) and s.ack == seq_add(base, 300), 0.5,
                 "cumulative ACK after the hole is filled")
    check(a.t - t0 <= 0.1, "ACK filling the hole after %.3fs, not immediate (RFC 5681 4.2)" %
          (a.t - t0))
    check("SAck" not in a.opts, "SACK block after the hole was filled: %r" % a)
    c.snd_nxt = seq_add(base, 300)
    c.rst()


@test("ooo_echo_reassembly", "RFC 9293 3.10.7.4 (out-of-order text kept and delivered in order)")
def t_ooo_echo(env):
    c = env.conn(ECHO, sack=True, ts=True, wscale=7)
    c.connect()
    base = c.snd_nxt
    c.send(b"33333", seq=seq_add(base, 10))
    c.send(b"22222", seq=seq_add(base, 5))
    c.send(b"11111", seq=base)
    c.snd_nxt = seq_add(base, 15)
    got = c.read(15, 2.0)
    check(got == b"111112222233333", "reassembled echo %r" % got)
    c.rst()


# ---------------------------------------------------------------- retransmission
@test("rto_backoff_abort", "RFC 6298 2, 5.5 (RTO >= min, exponential backoff); RFC 9293 3.8.3 "
      "(R2: abort with RST after max retries)", slow=True)
def t_rto(env):
    c = env.conn(ECHO, sack=True, ts=True, wscale=7)
    c.connect()
    c.send(b"R" * 100)
    first = c.expect(data_seg, 1.0, "echoed data")
    times = [first.t]
    # never ACK it: the echo comes back 1 + max_retries (3) times, then a RST
    deadline = time.monotonic() + 12
    rst = None
    while time.monotonic() < deadline:
        s = c.p.poll(c.m(lambda s: data_seg(s) or s.has(RST)), deadline - time.monotonic())
        if s is None:
            break
        if s.has(RST):
            rst = s
            break
        check(s.seq == first.seq and s.payload == first.payload,
              "retransmission differs from the original: %r" % s)
        times.append(s.t)
    gaps = [b - a for a, b in zip(times, times[1:])]
    env.info("retransmission gaps: %s" % ", ".join("%.3f" % g for g in gaps))
    check(len(gaps) >= 2, "only %d retransmission(s) before %s" % (
        len(gaps), "RST" if rst else "timeout"))
    check(gaps[0] >= 0.18, "first retransmission after %.3fs < rto_min 200 ms" % gaps[0])
    check(gaps[0] <= 1.3, "first retransmission after %.3fs > initial RTO 1 s" % gaps[0])
    # Linux and spindle send a tail loss probe (RFC 8985) first, 2 SRTT plus the peer's
    # delayed-ACK allowance after the original (one segment in flight), capped at the RTO:
    # the backoff starts with the second gap.
    skip = 1
    for a, b in zip(gaps[skip:], gaps[skip + 1:]):
        if a * 2 <= 2.0 * 0.95:  # not capped by rto_max_ms = 2000
            check(1.6 <= b / a <= 2.5, "backoff gap %.3f -> %.3f is not a doubling" % (a, b))
        else:
            check(b <= 2.3, "gap %.3f beyond rto_max 2 s" % b)
    if env.mode == "spindle":
        n = env.stat("TCPAbortOnTimeout")
        check(n is None or n >= 1, "TCPAbortOnTimeout %s after the abort" % n)
        n = env.stat("TCPLossProbes")
        check(n is None or n >= 1, "TCPLossProbes %s: no probe before the RTO" % n)
        check(len(times) == 5, "%d transmissions, expected 1 + a probe + max_retries 3" %
              len(times))
        check(rst is not None, "no RST after max retries")
        assert_segment(rst, flags="RA" if rst.has(ACK) else "R",
                       seq=seq_add(first.seq, len(first.payload)), ctx="abort RST")


@test("fast_retransmit", "RFC 5681 3.2 (third duplicate ACK -> retransmit before the RTO)")
def t_fastrtx(env):
    c = env.conn(CHARGEN, sack=False, ts=False, wscale=7, win=65535)
    c.connect()
    segs = c.p.collect(c.m(data_seg), 0.05)
    check(len(segs) >= 4, "chargen sent only %d segments in 50 ms" % len(segs))
    segs.sort(key=lambda s: seq_diff(s.seq, c.rcv_nxt))
    check(segs[0].seq == c.rcv_nxt, "first data segment seq %d != %d" % (segs[0].seq, c.rcv_nxt))
    # ACK only the first segment, then three duplicate ACKs (no data, same window)
    hole = seq_add(segs[0].seq, len(segs[0].payload))
    hole_t = [s.t for s in segs if s.seq == hole]
    for _ in range(4):
        c.send_ack(ack=hole)
    t_dup = time.monotonic()
    r = c.expect(lambda s: data_seg(s) and s.seq == hole and s.t > t_dup, 1.5,
                 "fast retransmission of seq %d" % hole)
    orig = hole_t[0] if hole_t else segs[0].t
    env.info("retransmitted %.0f ms after the dup ACKs, %.0f ms after the original" % (
        (r.t - t_dup) * 1000, (r.t - orig) * 1000))
    check(r.t - t_dup <= 0.1, "retransmission %.3fs after the third dup ACK" % (r.t - t_dup))
    check(r.t - orig < 0.19, "retransmitted %.3fs after the original: that is the RTO" % (
        r.t - orig))
    c.rst()


@test("fast_retransmit_sack", "RFC 6675 5 (SACK: loss detected from 3 SACKed segments)")
def t_fastrtx_sack(env):
    c = env.conn(CHARGEN, sack=True, ts=False, wscale=7, win=65535)
    c.connect()
    check(c.peer_sack, "SACK not negotiated")
    segs = c.p.collect(c.m(data_seg), 0.05)
    check(len(segs) >= 5, "chargen sent only %d segments in 50 ms" % len(segs))
    segs.sort(key=lambda s: seq_diff(s.seq, c.rcv_nxt))
    hole = segs[0].seq
    t_dup = time.monotonic()
    for i in range(1, 4):  # segments 2..4 SACKed, the first "lost"
        c.send_ack(ack=hole, sack_blocks=[(segs[1].seq, segs[i].end)])
    r = c.expect(lambda s: data_seg(s) and s.seq == hole and s.t > t_dup, 1.5,
                 "SACK-based retransmission of seq %d" % hole)
    check(r.t - segs[0].t < 0.19, "retransmitted %.3fs after the original: that is the RTO" % (
        r.t - segs[0].t))
    c.rst()


# ---------------------------------------------------------------- windows
@test("zero_window_persist", "RFC 9293 3.8.6.1 (MUST-36: probe a zero window); RFC 1122 "
      "4.2.2.17", slow=True)
def t_zero_window(env):
    c = env.conn(CHARGEN, sack=True, ts=True, wscale=0, win=65535)
    c.send_syn()
    sa = c.expect(lambda s: s.has(SYN), what="SYN-ACK")
    c.synack = sa
    c.irs, c.rcv_nxt, c.snd_nxt = sa.seq, seq_add(sa.seq, 1), seq_add(c.isn, 1)
    c.peer_ts = "Timestamp" in sa.opts
    c.note(sa)
    c.send_ack(win=0)
    # window closed from the start: only probes (at most one byte) may come
    probes = []
    deadline = time.monotonic() + 4.5
    while len(probes) < 3 and time.monotonic() < deadline:
        s = c.p.poll(c.m(), deadline - time.monotonic())
        if s is None:
            break
        c.note(s)
        check(not s.has(RST | FIN), "unexpected %r with a zero window" % s)
        check(len(s.payload) <= 1, "%d bytes sent into a zero window: %r" % (len(s.payload), s))
        probes.append(s)
        c.send_ack(win=0)  # keep the window closed, do not accept the probe byte
    check(len(probes) >= 2, "%d window probes in 4.5 s" % len(probes))
    gaps = [b.t - a.t for a, b in zip(probes, probes[1:])]
    env.info("probe gaps: %s" % ", ".join("%.3f" % g for g in gaps))
    check(gaps[0] >= 0.15, "probes %.3fs apart: not on a persist timer" % gaps[0])
    # reopen: data flows again
    c.send_ack(win=65535)
    d = c.expect(lambda s: len(s.payload) > 1, 1.0, "data after the window reopened")
    check(seq_diff(d.seq, c.rcv_nxt) <= 1, "data after reopening starts at %d, expected %d" % (
        d.seq, c.rcv_nxt))
    c.rst()


@test("window_scale_respected", "RFC 7323 2.3 (SND.WND = SEG.WND << Snd.Wind.Shift); RFC 9293 "
      "3.8.6.2.1")
def t_wscale(env):
    shift = 4
    c = env.conn(CHARGEN, sack=True, ts=True, wscale=shift)
    c.send_syn()
    sa = c.expect(lambda s: s.has(SYN), what="SYN-ACK")
    check("WScale" in sa.opts, "window scaling not negotiated")
    c.synack = sa
    c.irs, c.rcv_nxt, c.snd_nxt = sa.seq, seq_add(sa.seq, 1), seq_add(c.isn, 1)
    c.peer_ts = "Timestamp" in sa.opts
    c.note(sa)
    field = 200  # 200 << 4 = 3200 bytes
    c.send_ack(win=field)
    segs = c.p.collect(c.m(data_seg), 0.6)
    check(segs, "no data within a 3200-byte window")
    right = seq_add(c.rcv_nxt, field << shift)
    top = max(seq_diff(s.end, c.rcv_nxt) for s in segs)
    env.info("sent %d bytes into a window of %d (field %d)" % (top, field << shift, field))
    check(top <= field << shift, "sent up to %d bytes past snd_una, window is %d" % (
        top, field << shift))
    check(top > field, "sent only %d bytes: the window field %d was not scaled" % (top, field))
    for s in segs:
        check(seq_diff(right, s.end) >= 0, "segment beyond the right edge: %r" % s)
    c.rst()


# ---------------------------------------------------------------- close
@test("passive_close", "RFC 9293 3.6, 3.10.7.4 (FIN -> CLOSE-WAIT, close -> LAST-ACK -> "
      "CLOSED)")
def t_passive_close(env):
    c = env.conn(ECHO, sack=True, ts=True, wscale=7)
    c.connect()
    c.send_fin(b"bye")
    got = c.read(3, 2.0, ack=False)
    check(got == b"bye", "echo before close returned %r" % got)
    # the echo service closes once it has echoed everything: its FIN, acking ours
    f = c.expect(lambda s: s.has(FIN), 2.0, "FIN from the target (LAST-ACK)")
    assert_segment(f, flags="FA", seq=c.rcv_nxt, ack=c.snd_nxt, ctx="FIN")
    c.rcv_nxt = seq_add(f.seq, len(f.payload) + 1)
    c.send_ack()
    # CLOSED: the next segment on the same 4-tuple gets a RST with seq = its ACK field
    time.sleep(0.05)
    c.p.flush()
    c.send(b"late", advance=False)
    r = c.expect(lambda s: s.has(RST), 1.0, "RST after the connection closed")
    assert_segment(r, flags="R", seq=c.rcv_nxt, ctx="RST in CLOSED")


@test("last_ack_fin_retransmit", "RFC 9293 3.10.4, 3.10.7.4 (LAST-ACK: an unacknowledged FIN "
      "is retransmitted on the RTO)")
def t_lastack_rtx(env):
    c = env.conn(ECHO, sack=True, ts=True, wscale=7)
    c.connect()
    c.send_fin()
    f = c.expect(lambda s: s.has(FIN), 2.0, "FIN from the target (LAST-ACK)")
    # not ACKed: the same FIN again, after at least the minimum RTO
    f2 = c.expect(lambda s: s.has(FIN) and s.t > f.t, 3.0, "retransmitted FIN")
    assert_segment(f2, flags="FA", seq=f.seq, ack=c.snd_nxt, ctx="FIN retransmission")
    check(f2.t - f.t >= 0.18, "FIN retransmitted after %.3fs < rto_min" % (f2.t - f.t))
    c.rcv_nxt = f.end
    c.send_ack()
    c.p.expect_none(c.m(lambda s: s.has(FIN) and s.t > f2.t), 0.6, "FIN after its ACK")
    c.rcv_nxt = None


@test("fin_acked_close_wait", "RFC 9293 3.10.7.4 eighth (FIN ACKed, ack = FIN seq + 1)")
def t_fin_ack(env):
    c = env.conn(DISCARD, sack=True, ts=True, wscale=7)
    c.connect()
    c.send_fin()
    a = c.expect(lambda s: s.has(ACK) and s.ack == c.snd_nxt, 1.0, "ACK of our FIN")
    check(not a.has(RST), "RST instead of ACK of FIN: %r" % a)
    c.rst()


@test("active_close_time_wait", "RFC 9293 3.6, 3.10.7.4 (FIN-WAIT-1/2, TIME-WAIT re-ACKs a "
      "retransmitted FIN)")
def t_active_close(env):
    c = env.conn(HTTP, sack=True, ts=True, wscale=7)
    c.connect()
    c.send(b"GET / HTTP/1.1\r\nHost: tcpconf\r\nConnection: close\r\n\r\n")
    body = b""
    fin = None
    deadline = time.monotonic() + 3.0
    while fin is None and time.monotonic() < deadline:
        s = c.p.poll(c.m(lambda s: data_seg(s) or s.has(FIN)), deadline - time.monotonic())
        check(s is not None, "HTTP response incomplete: %r" % body[:80])
        c.note(s)
        if s.seq != c.rcv_nxt:
            continue
        body += s.payload
        c.rcv_nxt = seq_add(c.rcv_nxt, len(s.payload))
        if s.has(FIN):
            fin = s
            c.rcv_nxt = seq_add(c.rcv_nxt, 1)
    check(body.startswith(b"HTTP/1.1 200"), "HTTP response %r" % body[:40])
    check(fin is not None, "no FIN after the Connection: close response")
    # FIN-WAIT-2: ACK its FIN only
    c.send_ack()
    c.p.expect_none(c.m(lambda s: s.has(FIN)), 0.3, "FIN retransmission after our ACK")
    # our FIN -> TIME-WAIT, ACKed
    c.send_fin()
    a = c.expect(lambda s: s.has(ACK) and s.ack == c.snd_nxt, 1.0, "ACK of our FIN (TIME-WAIT)")
    assert_segment(a, flags="A", seq=c.rcv_nxt, ack=c.snd_nxt, ctx="ACK entering TIME-WAIT")
    # retransmitted FIN in TIME-WAIT: ACKed again
    c.tick()
    c.send(b"", flags=ACK | FIN, seq=seq_add(c.snd_nxt, -1))
    a = c.expect(lambda s: s.has(ACK) and s.ack == c.snd_nxt, 1.0,
                 "re-ACK of a retransmitted FIN in TIME-WAIT")
    assert_segment(a, flags="A", seq=c.rcv_nxt, ack=c.snd_nxt, ctx="TIME-WAIT re-ACK")


@test("time_wait_reuse", "RFC 6191 / RFC 1122 4.2.2.13 (a new SYN with a higher ISN reopens "
      "a TIME-WAIT connection)")
def t_tw_reuse(env):
    c = env.conn(HTTP, sack=True, ts=True, wscale=7)
    c.connect()
    c.send(b"GET / HTTP/1.1\r\nHost: tcpconf\r\nConnection: close\r\n\r\n")
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        s = c.p.poll(c.m(lambda s: data_seg(s) or s.has(FIN)), deadline - time.monotonic())
        check(s is not None, "no FIN after the Connection: close response")
        c.note(s)
        if s.seq == c.rcv_nxt:
            c.rcv_nxt = seq_add(c.rcv_nxt, s.len)
            if s.has(FIN):
                break
    c.send_ack()
    c.send_fin()
    c.expect(lambda s: s.has(ACK) and s.ack == c.snd_nxt, 1.0, "ACK of our FIN (TIME-WAIT)")
    c.p.flush()
    # same 4-tuple, ISN far above the old sequence space, newer timestamp
    d = env.conn(HTTP, sport=c.sport, isn=seq_add(c.snd_nxt, 1000000), sack=True, ts=True,
                 wscale=7)
    d.tsval = c.tsval + 1000
    d.send_syn()
    sa = d.expect(lambda s: True, 1.0, "answer to a SYN in TIME-WAIT")
    assert_segment(sa, flags="SA", ack=d.isn + 1, ctx="SYN-ACK reusing TIME-WAIT")
    c.rcv_nxt = None  # nothing to reset for the old incarnation
    d.irs, d.rcv_nxt, d.snd_nxt, d.synack = sa.seq, seq_add(sa.seq, 1), seq_add(d.isn, 1), sa
    d.peer_ts = "Timestamp" in sa.opts
    d.note(sa)
    d.send_ack()
    d.send(b"GET / HTTP/1.1\r\nHost: tcpconf\r\n\r\n")
    s = d.expect(data_seg, 2.0, "HTTP response on the reused 4-tuple")
    check(s.payload.startswith(b"HTTP/1.1 200"), "response %r" % s.payload[:40])
    d.rst()


# ---------------------------------------------------------------- RFC 5961
def _established_echo(env):
    c = env.conn(ECHO, sack=True, ts=True, wscale=7)
    c.connect()
    got = c.echo(b"before")
    check(got == b"before", "echo returned %r" % got)
    # quiet before the stimulus: a late (delayed) ACK must not be taken for its answer
    # (piggyback_cancels_delayed_ack checks that there is none)
    c.p.collect(c.m(), 0.3)
    return c


def _alive(c, what):
    c.tick()
    got = c.echo(b"alive?", 2.0)
    check(got == b"alive?", "connection did not survive %s: echo %r" % (what, got))


@test("rst_in_window_challenge", "RFC 5961 3.2 (in-window RST, not exact -> challenge ACK)")
def t_rst_inwin(env):
    c = _established_echo(env)
    c.p.flush()
    c.p.send(c.sport, c.dport, RST, seq_add(c.snd_nxt, 100), 0, 0)
    a = c.expect(lambda s: s.has(ACK), 1.0, "challenge ACK")
    assert_segment(a, flags="A", seq=c.rcv_nxt, ack=c.snd_nxt, ctx="challenge ACK")
    _alive(c, "an in-window RST")
    c.rst()


@test("rst_exact_resets", "RFC 5961 3.2 / RFC 9293 3.10.7.4 (RST at RCV.NXT resets)")
def t_rst_exact(env):
    c = _established_echo(env)
    c.p.flush()
    c.p.send(c.sport, c.dport, RST, c.snd_nxt, 0, 0)
    c.p.expect_none(c.m(), 0.2, "answer to an exact RST")
    c.send(b"gone?", advance=False)
    r = c.expect(lambda s: s.has(RST), 1.0, "RST for a segment after the reset")
    assert_segment(r, flags="R", seq=c.rcv_nxt, ctx="RST after reset")


@test("rst_out_of_window_ignored", "RFC 5961 3.2 / RFC 9293 3.10.7.4 first (out of window RST "
      "dropped silently)")
def t_rst_oow(env):
    c = _established_echo(env)
    c.p.flush()
    c.p.send(c.sport, c.dport, RST, seq_add(c.snd_nxt, 0x40000000), 0, 0)
    c.p.send(c.sport, c.dport, RST, seq_add(c.snd_nxt, -100000), 0, 0)
    c.p.expect_none(c.m(), 0.3, "answer to an out-of-window RST")
    _alive(c, "an out-of-window RST")
    c.rst()


@test("syn_in_established_challenge", "RFC 5961 4.2 / RFC 9293 3.10.7.4 fourth (SYN -> "
      "challenge ACK)")
def t_syn_estab(env):
    c = _established_echo(env)
    c.p.flush()
    c.p.send(c.sport, c.dport, SYN, seq_add(c.snd_nxt, 5000), 0, 65535, [("MSS", 1460)])
    a = c.expect(what="challenge ACK for a SYN")
    assert_segment(a, flags="A", seq=c.rcv_nxt, ack=c.snd_nxt, ctx="SYN challenge ACK")
    _alive(c, "a SYN in ESTABLISHED")
    c.rst()


@test("ack_unsent_data", "RFC 5961 5.2 / RFC 9293 3.10.7.4 fifth (SEG.ACK > SND.NXT -> send "
      "ACK, drop the segment)")
def t_ack_unsent(env):
    c = _established_echo(env)
    c.p.flush()
    c.tick()
    c.send(b"BAD", ack=seq_add(c.rcv_nxt, 100000), advance=False)
    a = c.expect(lambda s: s.has(ACK), 1.0, "ACK for an ACK of unsent data")
    assert_segment(a, flags="A", seq=c.rcv_nxt, ack=c.snd_nxt, length=0,
                   ctx="ACK of unsent data answered")
    c.p.expect_none(c.m(data_seg), 0.3, "echo of data in a segment with a bad ACK")
    _alive(c, "an ACK of unsent data")
    c.rst()


@test("challenge_ack_limit", "RFC 5961 7 (challenge ACK rate limit)")
def t_challenge_limit(env):
    c = _established_echo(env)
    c.p.flush()
    for i in range(40):
        c.p.send(c.sport, c.dport, RST, seq_add(c.snd_nxt, 10 + i), 0, 0)
    acks = c.p.collect(c.m(lambda s: s.has(ACK)), 0.5)
    env.info("%d challenge ACKs for 40 in-window RSTs" % len(acks))
    check(1 <= len(acks) < 40, "%d challenge ACKs for 40 RSTs in a burst: not limited" %
          len(acks))
    if env.mode == "spindle":
        check(len(acks) <= 10, "%d challenge ACKs > challenge_ack_limit 10/s" % len(acks))
    time.sleep(1.0)  # the limit is per second: the connection still works
    _alive(c, "a RST burst")
    c.rst()


# ---------------------------------------------------------------- PAWS
@test("paws_old_tsval", "RFC 7323 5.3 (segment with TSval < TS.Recent: drop, send ACK)")
def t_paws(env):
    c = env.conn(ECHO, sack=True, ts=True, wscale=7)
    c.tsval = 100000
    c.connect()
    check(c.peer_ts, "timestamps not negotiated")
    got = c.echo(b"fresh")
    check(got == b"fresh", "echo returned %r" % got)
    c.p.flush()
    c.send(b"stale", tsval=50000, advance=False)
    a = c.expect(lambda s: s.has(ACK), 1.0, "ACK of a PAWS-rejected segment")
    assert_segment(a, flags="A", seq=c.rcv_nxt, ack=c.snd_nxt, length=0, ctx="PAWS ACK")
    check(a.opts.get("Timestamp", (0, 0))[1] == c.tsval,
          "PAWS ACK TSecr %r, expected the last accepted TSval %d" % (
              a.opts.get("Timestamp"), c.tsval))
    c.p.expect_none(c.m(data_seg), 0.3, "echo of a PAWS-rejected segment")
    _alive(c, "a PAWS drop")
    c.rst()


@test("ts_echo", "RFC 7323 3.2, 4.3 (TSecr echoes TS.Recent of the segment that advanced "
      "the window)")
def t_ts_echo(env):
    c = env.conn(ECHO, sack=True, ts=True, wscale=7)
    c.tsval = 777000
    c.connect()
    c.tick(100)
    c.send(b"ts")
    s = c.expect(data_seg, 1.0, "echo")
    check("Timestamp" in s.opts, "data segment without the timestamp option: %r" % s)
    check(s.opts["Timestamp"][1] == c.tsval, "TSecr %d, expected %d" % (
        s.opts["Timestamp"][1], c.tsval))
    c.rst()


# ---------------------------------------------------------------- sequence wrap
@test("sequence_wrap", "RFC 9293 3.4 (sequence arithmetic modulo 2^32)")
def t_wrap(env):
    c = env.conn(ECHO, isn=0xFFFFFF00, sack=True, ts=True, wscale=7)
    c.connect()
    data = bytes((i * 31 + 5) & 0xFF for i in range(3000))
    got = c.echo(data, 3.0)
    check(got == data, "echo through the wrap returned %d different bytes" % len(got))
    check(seq_diff(c.snd_nxt, 0) > 0 and c.snd_nxt < 0x10000, "did not cross the wrap")
    # out-of-order across the wrap: SACK block straddling 0
    c.send(b"Y" * 10, seq=seq_add(c.snd_nxt, 10))
    d = c.expect(lambda s: "SAck" in s.opts, 0.5, "SACK after the wrap")
    check(tuple(d.opts["SAck"][:2]) == (seq_add(c.snd_nxt, 10), seq_add(c.snd_nxt, 20)),
          "SACK block %r" % (d.opts["SAck"],))
    c.rst()


# ---------------------------------------------------------------- odd segments
@test("urgent_pointer", "RFC 9293 3.8.5 (MUST-30/31: urgent data accepted, no crash), "
      "RFC 6093")
def t_urgent(env):
    c = _established_echo(env)
    c.send(b"URGENT", flags=ACK | PSH | URG, urp=6)
    # every byte is acknowledged; the urgent byte may be echoed in line (RFC 6093) or not
    out = b""
    acked = False
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        s = c.p.poll(c.m(), deadline - time.monotonic())
        if s is None:
            break
        c.note(s)
        acked = acked or (s.has(ACK) and s.ack == c.snd_nxt)
        if s.payload and s.seq == c.rcv_nxt:
            out += s.payload
            c.rcv_nxt = seq_add(c.rcv_nxt, len(s.payload))
            c.send_ack()
    check(acked, "urgent data not acknowledged")
    env.info("urgent data echoed: %r" % out)
    check(out in (b"URGENT", b"URGEN"), "echo of urgent data %r" % out)
    _alive(c, "urgent data")
    c.rst()


@test("unknown_option_ignored", "RFC 9293 3.1 (MUST-68: ignore unknown options with a length)")
def t_unknown_opt(env):
    c = env.conn(ECHO, sack=True, ts=True, wscale=7, extra_opts=[(99, b"\x01\x02")])
    c.connect()
    check(c.peer_ts and c.peer_sack, "options after an unknown option were not honoured")
    c.p.send(c.sport, c.dport, ACK | PSH, c.snd_nxt, c.rcv_nxt, 65535,
             raw_opts=b"\x63\x06abcd", payload=b"opt")
    c.snd_nxt = seq_add(c.snd_nxt, 3)
    got = c.read(3, 2.0)
    check(got == b"opt", "data with an unknown option echoed %r" % got)
    c.rst()


def _survives(env):
    c = env.conn(ECHO, sack=True, ts=True, wscale=7)
    c.connect()
    got = c.echo(b"still here")
    check(got == b"still here", "echo after a malformed segment %r" % got)
    c.rst()


@test("malformed_option_len0", "RFC 9293 3.1 (MUST-7: illegal option length: drop or reset, "
      "no crash); RFC 1122 4.2.2.5")
def t_opt_len0(env):
    c = env.conn(ECHO)
    # SYN with an option of length 0, then an established connection with one
    c.p.send(c.sport, ECHO, SYN, c.isn, 0, 65535, raw_opts=b"\x02\x04\x05\xb4\x63\x00\x00\x00")
    s = c.p.poll(c.m(), 0.3)
    if s is not None:
        check(s.has(SYN) or s.has(RST), "unexpected answer to a malformed SYN: %r" % s)
        env.info("SYN with a zero-length option answered with %s" % (
            "SYN-ACK" if s.has(SYN) else "RST"))
        if s.has(SYN):
            c.p.send(c.sport, ECHO, RST, seq_add(c.isn, 1), 0, 0)
    d = env.conn(ECHO, sack=True, ts=True, wscale=7)
    d.connect()
    d.p.send(d.sport, d.dport, ACK | PSH, d.snd_nxt, d.rcv_nxt, 65535,
             raw_opts=b"\x01\x63\x00\x01", payload=b"zero")
    time.sleep(0.2)
    d.rst()
    _survives(env)


@test("malformed_option_overrun", "RFC 9293 3.1 (option length beyond the header: drop, no "
      "crash)")
def t_opt_overrun(env):
    c = env.conn(ECHO)
    # MSS option claiming 40 bytes inside a 4-byte option area
    c.p.send(c.sport, ECHO, SYN, c.isn, 0, 65535, raw_opts=b"\x02\x28\x05\xb4")
    s = c.p.poll(c.m(), 0.3)
    if s is not None:
        env.info("SYN with an overrunning option answered with %r" % s)
        if s.has(SYN):
            c.p.send(c.sport, ECHO, RST, seq_add(c.isn, 1), 0, 0)
    # timestamp option with length 10 where only 8 bytes remain
    c2 = env.conn(ECHO)
    c2.p.send(c2.sport, ECHO, SYN, c2.isn, 0, 65535,
              raw_opts=b"\x02\x04\x05\xb4\x08\x0a\x00\x00\x00\x01\x00\x00")
    c2.p.poll(c2.m(), 0.3)
    c2.p.send(c2.sport, ECHO, RST, seq_add(c2.isn, 1), 0, 0)
    _survives(env)


@test("bad_data_offset", "RFC 9293 3.1 (data offset beyond the segment / below 5: drop, "
      "InErrs)")
def t_bad_doff(env):
    before = env.stat("InErrs")
    c = env.conn(ECHO)
    c.p.send(c.sport, ECHO, SYN, c.isn, 0, 65535, dataofs=15)     # 60 > 20 bytes present
    c.p.send(c.sport, ECHO, SYN, c.isn, 0, 65535, dataofs=4)      # < 20
    c.p.expect_none(c.m(), 0.3, "answer to a segment with a bad data offset")
    after = env.stat("InErrs")
    if before is not None:
        check(after is not None and after - before >= 2,
              "InErrs %s -> %s after two bad data offsets" % (before, after))
    _survives(env)


@test("bad_checksum", "RFC 9293 3.1 (MUST-2/3: segments with a bad checksum are discarded)")
def t_bad_csum(env):
    before = env.stat("InCsumErrors")
    c = env.conn(ECHO)
    c.p.send(c.sport, ECHO, SYN, c.isn, 0, 65535, [("MSS", 1460)], chksum=0x1234)
    c.p.expect_none(c.m(), 0.3, "answer to a SYN with a bad checksum")
    after = env.stat("InCsumErrors")
    if before is not None:
        check(after is not None and after > before, "InCsumErrors %s -> %s" % (before, after))


@test("outgoing_checksums", "RFC 9293 3.1 (every segment sent carries a correct checksum)")
def t_csums(env):
    check(not env.peer.bad_csum, "%d segment(s) with a wrong TCP checksum, first %r" % (
        len(env.peer.bad_csum), env.peer.bad_csum[:1]))

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP loss recovery: SACK blocks we send, fast retransmit, limited transmit (RFC 3042), SACK
 * recovery with the RFC 6675 pipe and rescue retransmission, the scoreboard after a timeout,
 * lost retransmissions (tcp_lost_rxt.c), tail loss probes (RFC 8985) and the probe in recovery,
 * proportional rate reduction (tcp_prr.c, RFC 6937). The test plays the peer with tcp_helper.h.
 */
#include "tcp_helper.h"
#include "tcp.h" /* struct sp_conn: the reordering degree, sp_tcp_dupthresh() */

/* Feed one duplicate ACK at @p una carrying SACK blocks given as segment indexes [a, b). */
static void
dup_sack(struct fx *f, uint32_t una, uint32_t s1, unsigned n, const unsigned (*blk)[2])
{
	struct sp_tcp_opts ack = {0};
	unsigned i;

	ack.n_sack = (uint8_t)n;
	for (i = 0; i < n; i++) {
		ack.sack[i].start = s1 + blk[i][0] * 536;
		ack.sack[i].end = s1 + blk[i][1] * 536;
	}
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, una, T_ACK, 65535, &ack, NULL, 0);
}

/* Advance the clock 1 ms at a time until something is sent (at most 3 s): the ms waited. */
static int
wait_tx(struct fx *f)
{
	int ms;

	for (ms = 0; ms < 3000 && t_count(f->env) == 0; ms++)
		sp_test_advance_ms(f->env, 1);
	return ms;
}

/* Pop one data segment and require it to be segment @p idx (536-byte segments from s1). */
static void
expect_seg(struct fx *f, uint32_t s1, unsigned idx)
{
	struct t_out o;

	assert_true(t_pop(f->env, &o));
	assert_int_equal(o.h.seq, s1 + idx * 536);
	assert_int_equal(o.len, 536);
}

/*
 * A SACK connection on @p cfg, @p len bytes of @p buf sent with Nagle off, the first
 * @p expect_sent segments read back; *@p s1 is the sequence number of the first byte.
 */
static struct fx *
sack_fx_cfg(
	struct sp_config *cfg, const uint8_t *buf, size_t len, unsigned expect_sent, uint32_t *s1)
{
	struct sp_tcp_opts so = {.has_sack_perm = true};
	struct fx *f;
	unsigned i;

	f = fx_new(cfg, 0);
	fx_open_opts(f, T_PISN, &so);
	sp_tcp_set_nodelay(f->app.c, true);
	assert_int_equal(sp_tcp_send(f->app.c, buf, len), (int)len);
	*s1 = f->iss + 1;
	for (i = 0; i < expect_sent; i++)
		expect_seg(f, *s1, i);
	assert_int_equal(t_count(f->env), 0);
	return f;
}

/* sack_fx_cfg() with NewReno (ssthresh = FlightSize / 2: exact arithmetic), tcp.tlp as given. */
static struct fx *
sack_fx(bool tlp, const uint8_t *buf, size_t len, unsigned expect_sent, uint32_t *s1)
{
	struct sp_config cfg;

	sp_test_default_cfg(&cfg);
	snprintf(cfg.tcp.cc, sizeof(cfg.tcp.cc), "newreno");
	cfg.tcp.tlp = tlp;
	return sack_fx_cfg(&cfg, buf, len, expect_sent, s1);
}

/*
 * A full-size segment sent while we hold out-of-order data carries SACK blocks: its payload
 * shrinks by their size so that the frame still fits the MTU (RFC 6691); a too-large frame
 * would be dropped by IP (DF), retransmissions too.
 */
static void
test_sack_blocks_fit_mtu(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct sp_tcp_opts so = {.has_sack_perm = true, .has_mss = true, .mss = 1460};
	static uint8_t buf[2 * 1460];
	struct t_out o;
	uint32_t sent = 0;

	(void)state;
	memset(buf, 'm', sizeof(buf));
	fx_open_opts(f, T_PISN, &so);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 10, f->iss + 1, T_ACK, 65535, NULL, "ooo", 3);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.opts.n_sack, 1);
	sp_tcp_set_nodelay(f->app.c, true);
	assert_int_equal(sp_tcp_send(f->app.c, buf, sizeof(buf)), sizeof(buf));
	while (t_pop(f->env, &o)) {
		assert_true(o.cksum_ok);
		assert_int_equal(o.h.opts.n_sack, 1);
		assert_true(20 + o.h.doff + o.len <= 1500);
		assert_int_equal(o.h.seq, f->iss + 1 + sent);
		sent += o.len;
	}
	assert_int_equal(sent, sizeof(buf));
	assert_int_equal(T_STAT(f->env, ip_frag_fails), 0);
	fx_free(f);
}

static void
test_fast_retransmit(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	uint8_t buf[536 * 4];
	struct t_out o;
	int i;

	(void)state;
	memset(buf, 'q', sizeof(buf));
	fx_open(f, T_PISN);
	sp_tcp_set_nodelay(f->app.c, true);
	assert_int_equal(sp_tcp_send(f->app.c, buf, sizeof(buf)), sizeof(buf));
	for (i = 0; i < 4; i++) {
		t_expect(f->env, &o, T_ACK);
		assert_int_equal(o.len, 536);
		assert_int_equal(o.h.seq, f->iss + 1 + 536 * i);
	}
	/* Three duplicate ACKs: retransmit the first segment without waiting for the RTO. */
	for (i = 0; i < 2; i++)
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss + 1);
	assert_int_equal(o.len, 536);
	assert_int_equal(T_STAT(f->env, TCPFastRetrans), 1);
	/* Full ACK ends recovery. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1 + sizeof(buf), T_ACK, 65535, NULL, NULL,
		0);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/* RFC 3042: each of the first two duplicate ACKs sends one new segment beyond cwnd. */
static void
test_limited_transmit(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	static uint8_t buf[536 * 14];
	struct t_out o;
	int i;

	(void)state;
	fx_open(f, T_PISN);
	sp_tcp_set_nodelay(f->app.c, true);
	assert_int_equal(sp_tcp_send(f->app.c, buf, sizeof(buf)), sizeof(buf));
	for (i = 0; i < 10; i++) /* IW 10 */
		t_expect(f->env, &o, T_ACK);
	assert_false(t_pop(f->env, &o));
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss + 1 + 10 * 536);
	assert_false(t_pop(f->env, &o));
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss + 1 + 11 * 536);
	assert_false(t_pop(f->env, &o));
	assert_int_equal(T_STAT(f->env, RetransSegs), 0);
	fx_free(f);
}

/* RFC 6675: in recovery the holes the SACKs reveal are retransmitted, SACKed data is not. */
static void
test_sack_recovery(void **state)
{
	struct sp_tcp_opts ack = {0};
	uint8_t buf[536 * 5];
	struct t_out o;
	struct fx *f;
	uint32_t s1;

	(void)state;
	memset(buf, 'r', sizeof(buf));
	f = sack_fx(true, buf, sizeof(buf), 5, &s1); /* NewReno: ssthresh = flight / 2 */
	/* Segments 1 and 3 lost: 2, 4 and 5 SACKed. */
	ack.n_sack = 1;
	ack.sack[0].start = s1 + 536;
	ack.sack[0].end = s1 + 2 * 536;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1, T_ACK, 65535, &ack, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	/*
	 * The second duplicate ACK SACKs three segments above SND.UNA: IsLost(HighACK + 1) is
	 * true (RFC 6675 5), recovery starts before the third duplicate ACK.
	 */
	ack.n_sack = 2;
	ack.sack[0].start = s1 + 3 * 536;
	ack.sack[0].end = s1 + 5 * 536;
	ack.sack[1].start = s1 + 536;
	ack.sack[1].end = s1 + 2 * 536;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1, T_ACK, 65535, &ack, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, s1); /* first hole */
	assert_int_equal(o.len, 536);
	assert_false(t_pop(f->env, &o));
	assert_int_equal(T_STAT(f->env, TCPSackRecovery), 1);
	/*
	 * Segment 3 has only two SACKed segments above it: not lost yet, and pipe (segment 3
	 * plus the retransmission) leaves cwnd = ssthresh = 1340 no room for rule 3.
	 */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1, T_ACK, 65535, &ack, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	/* Partial ACK up to segment 3: pipe shrinks, the hole below SACKed 4-5 goes (rule 3). */
	ack.n_sack = 1;
	ack.sack[0].start = s1 + 3 * 536;
	ack.sack[0].end = s1 + 5 * 536;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 2 * 536, T_ACK, 65535, &ack, NULL, 0);
	assert_true(t_pop(f->env, &o));
	assert_int_equal(o.h.seq, s1 + 2 * 536); /* the second hole, never a SACKed segment */
	assert_int_equal(o.len, 536);
	assert_false(t_pop(f->env, &o));
	/* Everything acknowledged: recovery ends, nothing more to send. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, RetransSegs), 2);
	fx_free(f);
}

/* RFC 6675 2: ACKs that SACK new data are duplicates even when the window changes. */
static void
test_sack_dupack_window_moves(void **state)
{
	struct sp_tcp_opts ack = {0};
	uint8_t buf[536 * 5];
	struct sp_config cfg;
	struct t_out o;
	struct fx *f;
	uint32_t s1;
	int i;

	(void)state;
	memset(buf, 's', sizeof(buf));
	sp_test_default_cfg(&cfg);
	f = sack_fx_cfg(&cfg, buf, sizeof(buf), 5, &s1);
	ack.n_sack = 1;
	ack.sack[0].start = s1 + 536;
	for (i = 1; i <= 3; i++) {
		ack.sack[0].end = s1 + 536 * (i + 1);
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1, T_ACK, (uint16_t)(60000 - i * 1000),
			&ack, NULL, 0);
	}
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, s1);
	assert_int_equal(T_STAT(f->env, TCPFastRetrans), 1);
	/* pipe leaves room: segment 4, above every SACK, goes as the rescue (RFC 6675 rule 4). */
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, s1 + 4 * 536);
	/* The same SACK again with yet another window is no duplicate. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1, T_ACK, 50000, &ack, NULL, 0);
	assert_false(t_pop(f->env, &o));
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/*
 * RFC 6675 end to end: limited transmit, entry on DupThresh, no inflation, pipe and PRR
 * (tcp_prr.c) deciding what goes, new data (rule 2) before a hole not yet lost, a lost hole
 * (rule 1) first, never a SACKed segment; the full ACK ends recovery. Segments 0 and 5 of
 * 0..11 are lost.
 */
static void
test_sack_recovery_pipe(void **state)
{
	static uint8_t buf[536 * 16];
	static const unsigned b1[][2] = {{1, 2}}, b2[][2] = {{1, 3}}, b3[][2] = {{1, 4}},
			      b4[][2] = {{1, 5}}, b5[][2] = {{6, 7}, {1, 5}},
			      b6[][2] = {{6, 8}, {1, 5}}, b7[][2] = {{6, 9}, {1, 5}},
			      b8[][2] = {{6, 9}};
	struct sp_tcp_info info;
	struct fx *f;
	uint32_t s1;

	(void)state;
	memset(buf, 's', sizeof(buf));
	f = sack_fx(true, buf, sizeof(buf), 10, &s1); /* IW = 10 segments */
	/* RFC 3042: the first two duplicates each release one new segment. */
	dup_sack(f, s1, s1, 1, b1);
	expect_seg(f, s1, 10);
	dup_sack(f, s1, s1, 1, b2);
	expect_seg(f, s1, 11);
	assert_int_equal(t_count(f->env), 0);
	/* Third: recovery; ssthresh = FlightSize / 2 = 6 segments, segment 0 resent at once. */
	dup_sack(f, s1, s1, 1, b3);
	expect_seg(f, s1, 0);
	assert_int_equal(t_count(f->env), 0);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.ssthresh, 6 * 536);
	/*
	 * PRR, RecoverFS = pipe at entry = 4..11, 8 segments: each segment delivered lets 6/8 of
	 * one go. This ACK's share is spent by the retransmission: cwnd = pipe = 0 + 4..11.
	 */
	assert_int_equal(info.cwnd, 9 * 536);
	/* 4 SACKed: 12/8 of a segment due, one sent: no room. */
	dup_sack(f, s1, s1, 1, b4);
	assert_int_equal(t_count(f->env), 0);
	/* 6 SACKed: 18/8 due, new segment 12 goes (5 has one SACKed segment above: not lost). */
	dup_sack(f, s1, s1, 2, b5);
	expect_seg(f, s1, 12);
	assert_int_equal(t_count(f->env), 0);
	dup_sack(f, s1, s1, 2, b6); /* 7: 24/8 due, 13 goes */
	expect_seg(f, s1, 13);
	assert_int_equal(t_count(f->env), 0);
	/* 6..8 SACKed: segment 5 is lost (IsLost), pipe = 0 + 9..13 = 6 segments = ssthresh:
	 * PRR-SSRB allows nothing (ssthresh - pipe = 0), no inflation per duplicate. */
	dup_sack(f, s1, s1, 2, b7);
	assert_int_equal(t_count(f->env), 0);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.cwnd, 6 * 536);
	/* Partial ACK up to 5: pipe = 9..13, one segment below ssthresh: rule 1 resends 5. */
	dup_sack(f, s1 + 5 * 536, s1, 1, b8);
	expect_seg(f, s1, 5);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, RetransSegs), 2);
	/* Full ACK past the recovery point (12 * 536): recovery over, the rest goes. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 14 * 536, T_ACK, 65535, NULL, NULL, 0);
	expect_seg(f, s1, 14);
	expect_seg(f, s1, 15);
	assert_int_equal(T_STAT(f->env, TCPSackRecovery), 1);
	assert_int_equal(T_STAT(f->env, RetransSegs), 2);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	fx_free(f);
}

/*
 * RFC 6675 NextSeg rule 4: segments 0 and 5 of 0..5 lost, no new data. Recovery resends 0
 * (rule 1); 5 has no SACKed data above it (rules 1 and 3 never pick it) and would wait for the
 * RTO; the rescue retransmission sends it once, in the same round.
 */
static void
test_sack_rescue(void **state)
{
	static uint8_t buf[536 * 6];
	static const unsigned b1[][2] = {{1, 3}}, b2[][2] = {{1, 5}};
	struct fx *f;
	uint32_t s1;

	(void)state;
	memset(buf, 'r', sizeof(buf));
	f = sack_fx(false, buf, sizeof(buf), 6, &s1);
	dup_sack(f, s1, s1, 1, b1);
	assert_int_equal(t_count(f->env), 0); /* nothing new to send on limited transmit */
	dup_sack(f, s1, s1, 1, b2); /* 4 SACKed above 0: IsLost(0), recovery; cwnd = 3 segments */
	expect_seg(f, s1, 0);
	expect_seg(f, s1, 5); /* the rescue: pipe was 0 (resent) + 5 = 2 segments */
	assert_int_equal(t_count(f->env), 0);
	/* Partial ACK up to 5: no second rescue before SND.UNA passes RescueRxt. */
	dup_sack(f, s1 + 5 * 536, s1, 0, NULL);
	assert_int_equal(t_count(f->env), 0);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, RetransSegs), 2);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 0);
	fx_free(f);
}

/*
 * RFC 6675 5.1: after a timeout the scoreboard is kept and go-back-N skips what the peer
 * SACKed; an ACK that stops at SACKed data (the peer reneged) makes the sender forget it.
 */
static void
test_rto_skips_sacked(void **state)
{
	static uint8_t buf[536 * 6];
	static const unsigned b[][2] = {{2, 4}};
	struct fx *f;
	uint32_t s1;
	int i;

	(void)state;
	memset(buf, 't', sizeof(buf));
	f = sack_fx(true, buf, sizeof(buf), 6, &s1);
	dup_sack(f, s1, s1, 1, b); /* one duplicate: no recovery, limited transmit has no data */
	assert_int_equal(t_count(f->env), 0);
	i = wait_tx(f);
	expect_seg(f, s1, 0); /* RTO: cwnd = 1 segment */
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 1);
	/* ACK of 0 (SACK 2..3 still reported): slow start sends 1, skips 2 and 3, sends 4. */
	dup_sack(f, s1 + 536, s1, 1, b);
	expect_seg(f, s1, 1);
	expect_seg(f, s1, 4);
	assert_int_equal(t_count(f->env), 0);
	/*
	 * The peer ACKs up to 2 but no further: it dropped the 2..3 it had SACKed (reneging,
	 * RFC 2018 8). The scoreboard is forgotten and the timeout resends 2, then 3.
	 */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 2 * 536, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	for (i = 0; i < 6000 && t_count(f->env) == 0; i++)
		sp_test_advance_ms(f->env, 1);
	expect_seg(f, s1, 2);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 2);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 3 * 536, T_ACK, 65535, NULL, NULL, 0);
	expect_seg(f, s1, 3);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/*
 * RFC 8985 7: tail loss probe. Four segments out, the first two ACKed after 10 ms (an RTT
 * sample); the last two are lost and nothing else will produce duplicate ACKs. Well before
 * the RTO the last segment goes again; @p dsack: the peer reports it as a duplicate.
 */
static void
tlp_case(bool dsack, bool tlp_on)
{
	static uint8_t buf[536 * 4];
	struct sp_tcp_opts ack = {0};
	struct sp_tcp_info info;
	struct fx *f;
	uint32_t s1;
	int waited;

	memset(buf, 'p', sizeof(buf));
	f = sack_fx(tlp_on, buf, sizeof(buf), 4, &s1);
	sp_test_advance_ms(f->env, 10);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 2 * 536, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	waited = wait_tx(f);
	if (!tlp_on) {
		/* No probe: the RTO (at least rto_min_ms = 200) resends the first lost one. */
		assert_true(waited >= 200);
		expect_seg(f, s1, 2);
		assert_int_equal(T_STAT(f->env, TCPLossProbes), 0);
		assert_int_equal(T_STAT(f->env, TCPTimeouts), 1);
		fx_free(f);
		return;
	}
	/* PTO = 2 SRTT + 2 ms (two segments in flight), far below the 200 ms RTO. */
	assert_true(waited < 60);
	expect_seg(f, s1, 3); /* the last segment: its ACK will show what is missing */
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPLossProbes), 1);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 0);
	/* The probe's ACK SACKs segment 3: one SACKed segment, segment 2 is not lost yet. */
	ack.n_sack = 1;
	ack.sack[0].start = s1 + 3 * 536;
	ack.sack[0].end = s1 + 4 * 536;
	if (dsack) {
		/* Nothing was lost after all: everything ACKed, the probe reported as duplicate. */
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, &ack, NULL,
			0);
		assert_int_equal(T_STAT(f->env, TCPLossProbeRecovery), 0);
		sp_tcp_get_info(f->app.c, &info);
		assert_int_equal(info.ssthresh, UINT32_MAX); /* no congestion response */
	} else {
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 2 * 536, T_ACK, 65535, &ack, NULL, 0);
		/* The RTO (not another probe) repairs segment 2; then all is ACKed. */
		waited = wait_tx(f);
		expect_seg(f, s1, 2);
		assert_int_equal(T_STAT(f->env, TCPLossProbes), 1);
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, NULL, NULL,
			0);
	}
	assert_int_equal(t_count(f->env), 0);
	fx_free(f);
}

static void
test_tlp_probe(void **state)
{
	(void)state;
	tlp_case(false, true);
}

static void
test_tlp_dsack(void **state)
{
	(void)state;
	tlp_case(true, true);
}

static void
test_tlp_off(void **state)
{
	(void)state;
	tlp_case(false, false);
}

/*
 * RFC 8985 7.4: the probe repaired the tail (its ACK covers everything, no D-SACK): the
 * congestion response of a loss repaired by fast recovery.
 */
static void
test_tlp_recovers_tail(void **state)
{
	static uint8_t buf[536 * 4];
	struct sp_tcp_info info;
	struct fx *f;
	uint32_t s1;
	int i;

	(void)state;
	memset(buf, 'q', sizeof(buf));
	f = sack_fx(true, buf, sizeof(buf), 4, &s1);
	sp_test_advance_ms(f->env, 10);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 3 * 536, T_ACK, 65535, NULL, NULL, 0);
	i = wait_tx(f);
	expect_seg(f, s1, 3); /* one segment in flight: PTO includes the delayed-ACK allowance */
	assert_true(i >= 200 && i < 260);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(T_STAT(f->env, TCPLossProbeRecovery), 1);
	sp_tcp_get_info(f->app.c, &info);
	assert_true(info.ssthresh != UINT32_MAX);
	assert_int_equal(info.cwnd, info.ssthresh);
	fx_free(f);
}

/*
 * Lost retransmission (tcp_lost_rxt.c): segment 0 and its fast retransmission are both lost.
 * The peer SACKs new data sent after that retransmission while 0 is still missing: 0 goes
 * again at once instead of at the RTO, and cwnd is cut a second time (once per recovery).
 */
static void
test_lost_retransmit(void **state)
{
	static uint8_t buf[536 * 20];
	static const unsigned b1[][2] = {{1, 2}}, b2[][2] = {{1, 3}}, b3[][2] = {{1, 4}},
			      b4[][2] = {{1, 12}}, b5[][2] = {{1, 13}}, b6[][2] = {{1, 14}};
	struct sp_tcp_info info;
	struct fx *f;
	uint32_t s1;
	unsigned i;

	(void)state;
	memset(buf, 'l', sizeof(buf));
	f = sack_fx(false, buf, sizeof(buf), 10, &s1);
	dup_sack(f, s1, s1, 1, b1);
	expect_seg(f, s1, 10);
	dup_sack(f, s1, s1, 1, b2);
	expect_seg(f, s1, 11);
	dup_sack(f, s1, s1, 1, b3);
	expect_seg(f, s1, 0); /* fast retransmit: ssthresh = cwnd = 6 segments */
	assert_int_equal(t_count(f->env), 0);
	/* 1..11 SACKed: pipe is the retransmission alone, new data 12..16 fills cwnd (rule 2). */
	dup_sack(f, s1, s1, 1, b4);
	for (i = 12; i <= 16; i++)
		expect_seg(f, s1, i);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPLostRetransmit), 0);
	/* 12 SACKed, 0 still missing: 12 went after 0's retransmission, which is lost too. */
	dup_sack(f, s1, s1, 1, b5);
	expect_seg(f, s1, 0);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPLostRetransmit), 1);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.ssthresh, 3 * 536); /* NewReno: half of the first cut's again */
	/*
	 * PRR starts over (RecoverFS = pipe = 13..16, 4 segments): this ACK's 3/4 of a segment
	 * is spent by the resent 0, so cwnd = pipe = 0 + 13..16.
	 */
	assert_int_equal(info.cwnd, 5 * 536);
	/* 13 SACKed too: the new retransmission went after 13, so it is not judged by it. */
	dup_sack(f, s1, s1, 1, b6);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPLostRetransmit), 1);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 17 * 536, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 0);
	assert_int_equal(T_STAT(f->env, TCPSackRecovery), 1);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/*
 * After a timeout, the timeout's retransmission of segment 0 is lost as well. Go-back-N has
 * passed RecoveryPoint (1..9 SACKed) and new segment 10 went; when the peer SACKs it with 0
 * still missing, a SACK recovery resends 0 at once instead of a second, backed-off timeout.
 */
static void
test_rto_lost_retransmit(void **state)
{
	static uint8_t buf[536 * 12];
	static const unsigned b1[][2] = {{1, 10}}, b2[][2] = {{1, 11}};
	struct fx *f;
	uint32_t s1;

	(void)state;
	memset(buf, 'k', sizeof(buf));
	f = sack_fx(false, buf, sizeof(buf), 10, &s1);
	wait_tx(f);
	expect_seg(f, s1, 0);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 1);
	/* The peer holds 1..9: go-back-N skips them, limited transmit sends new segment 10. */
	dup_sack(f, s1, s1, 1, b1);
	expect_seg(f, s1, 10);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPSackRecovery), 0);
	dup_sack(f, s1, s1, 1, b2);
	expect_seg(f, s1, 0);
	expect_seg(f, s1, 11); /* cwnd - pipe leaves room for the last new segment (rule 2) */
	expect_seg(f, s1, 11); /* and for the rescue retransmission of the highest (rule 5) */
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPSackRecovery), 1);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 1);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	fx_free(f);
}

/*
 * RFC 8985 7.2: an ACK left one segment in flight, so the timer was armed for it with the
 * peer's delayed-ACK allowance (as late as the 200 ms RTO). New data then goes and is lost
 * with it: the probe is due one PTO (2 SRTT + 2 ms) after the new data, not at the RTO.
 */
static void
test_tlp_after_new_data(void **state)
{
	static uint8_t buf[536 * 2];
	struct fx *f;
	uint32_t s1;
	int i;

	(void)state;
	memset(buf, 'n', sizeof(buf));
	f = sack_fx(true, buf, sizeof(buf), 2, &s1);
	sp_test_advance_ms(f->env, 10);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 536, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(sp_tcp_send(f->app.c, buf, sizeof(buf)), (int)sizeof(buf));
	expect_seg(f, s1, 2);
	expect_seg(f, s1, 3);
	i = wait_tx(f);
	assert_true(i < 60);
	expect_seg(f, s1, 3); /* the probe: the last segment again */
	assert_int_equal(T_STAT(f->env, TCPLossProbes), 1);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 0);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 4 * 536, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	fx_free(f);
}

/*
 * RFC 8985 7.2: a flight that starts with nothing in flight arms the probe timer, not the RTO.
 * The first segment of the flight armed the timer before the send loop moved SND.NXT, and that
 * looked like go-back-N after a timeout (SND.NXT below SND.MAX), which takes no probe: the whole
 * flight lost waited 200 ms for the RTO instead of one PTO.
 */
static void
test_tlp_flight_from_idle(void **state)
{
	static uint8_t buf[536 * 4];
	struct fx *f;
	uint32_t s1;
	int i;

	(void)state;
	memset(buf, 'i', sizeof(buf));
	f = sack_fx(true, buf, 536, 1, &s1);
	sp_test_advance_ms(f->env, 10);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 536, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0); /* all acknowledged: no timer */
	assert_int_equal(sp_tcp_send(f->app.c, buf, sizeof(buf)), (int)sizeof(buf));
	for (i = 1; i <= 4; i++)
		expect_seg(f, s1, i);
	/* The whole flight is lost: the probe, the last segment again, one PTO later. */
	i = wait_tx(f);
	assert_true(i < 40);
	expect_seg(f, s1, 4);
	assert_int_equal(T_STAT(f->env, TCPLossProbes), 1);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 0);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 5 * 536, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	fx_free(f);
}

/*
 * Six segments, 0 ACKed after 10 ms (SRTT 10 ms: PTO 22 ms), 1 lost, 2..4 SACKed by three
 * duplicate ACKs: SACK recovery, 1 retransmitted; 5 is in flight, nothing new to send.
 */
static struct fx *
recovery_fx(uint32_t *s1)
{
	static uint8_t buf[536 * 6];
	static const unsigned b1[][2] = {{2, 3}}, b2[][2] = {{2, 4}}, b3[][2] = {{2, 5}};
	struct fx *f;

	memset(buf, 'v', sizeof(buf));
	f = sack_fx(true, buf, sizeof(buf), 6, s1);
	sp_test_advance_ms(f->env, 10);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, *s1 + 536, T_ACK, 65535, NULL, NULL, 0);
	dup_sack(f, *s1 + 536, *s1, 1, b1);
	dup_sack(f, *s1 + 536, *s1, 1, b2);
	assert_int_equal(t_count(f->env), 0);
	dup_sack(f, *s1 + 536, *s1, 1, b3);
	assert_int_equal(T_STAT(f->env, TCPSackRecovery), 1);
	expect_seg(f, *s1, 1);
	assert_int_equal(t_count(f->env), 0);
	return f;
}

/*
 * Probe in recovery (tcp_timer.c recovery_probe()): the one ACK that would cover the
 * retransmission and everything after it is lost and the peer falls silent. A PTO later, not
 * at the 200 ms RTO, the last segment goes again; its ACK ends the recovery with no second
 * congestion response (the probe belongs to the recovery).
 */
static void
test_recovery_probe_silent_peer(void **state)
{
	struct sp_tcp_info before, after;
	struct fx *f;
	uint32_t s1;
	int i;

	(void)state;
	f = recovery_fx(&s1);
	sp_tcp_get_info(f->app.c, &before);
	i = wait_tx(f);
	assert_true(i < 40);
	expect_seg(f, s1, 5);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, tcp_recovery_probes), 1);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 0);
	/* The peer had it all: everything ACKed (no D-SACK needed for the verdict). */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 6 * 536, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(T_STAT(f->env, TCPLossProbeRecovery), 0);
	sp_tcp_get_info(f->app.c, &after);
	assert_int_equal(after.ssthresh, before.ssthresh);
	assert_int_equal(t_count(f->env), 0);
	fx_free(f);
}

/*
 * A peer that keeps talking (duplicate ACKs every 5 ms that report nothing new) keeps the
 * probe off; the retransmission timeout still comes an RTO (200 ms) after SND.UNA last moved.
 */
static void
test_recovery_probe_talking_peer(void **state)
{
	static const unsigned b3[][2] = {{2, 5}};
	struct fx *f;
	uint32_t s1;
	int i;

	(void)state;
	f = recovery_fx(&s1);
	for (i = 0; i < 3000 && t_count(f->env) == 0; i++) {
		sp_test_advance_ms(f->env, 1);
		if (i % 5 == 4)
			dup_sack(f, s1 + 536, s1, 1, b3);
	}
	assert_true(i >= 190 && i < 230);
	expect_seg(f, s1, 1); /* go-back-N from SND.UNA */
	assert_int_equal(T_STAT(f->env, tcp_recovery_probes), 0);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 1);
	sp_test_tx_clear(f->env);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 6 * 536, T_ACK, 65535, NULL, NULL, 0);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/*
 * NewReno, 200 segments queued, IW 10 (0..9), each of 0..@p acks - 1 ACKed alone: slow start
 * brings cwnd to 10 + @p acks segments, with @p acks .. 3 @p acks + 9 in flight.
 */
static struct fx *
grown_fx(uint32_t *s1, unsigned acks)
{
	static uint8_t buf[536 * 200];
	struct sp_tcp_info info;
	struct fx *f;
	unsigned i;

	memset(buf, 'p', sizeof(buf));
	f = sack_fx(false, buf, sizeof(buf), 10, s1);
	for (i = 1; i <= acks; i++) {
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, *s1 + i * 536, T_ACK, 65535, NULL, NULL,
			0);
		expect_seg(f, *s1, 8 + 2 * i);
		expect_seg(f, *s1, 9 + 2 * i);
		assert_int_equal(t_count(f->env), 0);
	}
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.cwnd, (10 + acks) * 536);
	return f;
}

/* Proportional rate reduction (tcp_prr.c): cwnd 20 segments, with 10..29 in flight. */
static struct fx *
prr_fx(uint32_t *s1)
{
	return grown_fx(s1, 10);
}

/*
 * RFC 6937 proportional part: segment 10 of 10..31 lost, then one ACK per segment SACKs one
 * more. ssthresh = 22 / 2 = 11 segments, RecoverFS = pipe at entry = 14..31, 18 segments: each
 * ACK lets 11/18 of a segment go, never more than one at a time, from the first ACK on (before
 * PRR cwnd was ssthresh at once: nothing went until pipe fell below it, 8 ACKs later).
 */
static void
test_prr_proportional(void **state)
{
	/* New segments each ACK releases: CEIL(d * 11 / 18) whole segments in all, d = 2..16. */
	static const uint8_t due[15] = {0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0};
	static const unsigned b1[][2] = {{11, 12}}, b2[][2] = {{11, 13}}, b3[][2] = {{11, 14}};
	struct sp_tcp_info info;
	unsigned b[1][2], k, next = 32;
	struct fx *f;
	uint32_t s1;

	(void)state;
	f = prr_fx(&s1);
	dup_sack(f, s1 + 10 * 536, s1, 1, b1); /* limited transmit: 30, then 31 */
	expect_seg(f, s1, 30);
	dup_sack(f, s1 + 10 * 536, s1, 1, b2);
	expect_seg(f, s1, 31);
	dup_sack(f, s1 + 10 * 536, s1, 1, b3);
	expect_seg(f, s1, 10); /* fast retransmit, it spends the first ACK's share */
	assert_int_equal(t_count(f->env), 0);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.ssthresh, 11 * 536);
	assert_int_equal(info.cwnd, 19 * 536); /* = pipe: resent 10 + 14..31 */
	for (k = 0; k < 15; k++) {
		b[0][0] = 11;
		b[0][1] = 15 + k;
		dup_sack(f, s1 + 10 * 536, s1, 1, (const unsigned(*)[2])b);
		if (due[k])
			expect_seg(f, s1, next++);
		assert_int_equal(t_count(f->env), 0);
	}
	assert_int_equal(next, 40); /* 8 new segments for 15 delivered */
	sp_tcp_get_info(f->app.c, &info);
	assert_true(info.cwnd > info.ssthresh); /* pipe (resent 10 + 29..39) still above it */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 40 * 536, T_ACK, 65535, NULL, NULL, 0);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/*
 * Heavy loss: 10..25 of 10..29 lost, and one ACK SACKs 26..29: recovery with pipe = 0, far below
 * ssthresh = 10 segments. PRR-SSRB lets that ACK send DeliveredData (4) + 1 MSS beyond the fast
 * retransmission, not ssthresh - pipe at once (before PRR: 10 segments in one burst); each later
 * ACK delivering one segment sends two, as slow start would, until pipe reaches ssthresh.
 */
static struct fx *
prr_heavy_loss(uint32_t *s1, struct sp_tcp_info *info)
{
	static const unsigned b[][2] = {{26, 30}};
	struct fx *f = prr_fx(s1);
	unsigned i;

	dup_sack(f, *s1 + 10 * 536, *s1, 1, b);
	for (i = 10; i <= 15; i++)
		expect_seg(f, *s1, i);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPSackRecovery), 1);
	sp_tcp_get_info(f->app.c, info);
	assert_int_equal(info->ssthresh, 10 * 536);
	assert_int_equal(info->cwnd, 6 * 536); /* = pipe, 10..15 */
	return f;
}

static void
test_prr_ssrb(void **state)
{
	static const unsigned b[][2] = {{26, 30}};
	struct sp_tcp_info info;
	struct fx *f;
	uint32_t s1;
	unsigned i;

	(void)state;
	f = prr_heavy_loss(&s1, &info);
	/* 10..13 ACKed one by one: two segments each (pipe 5, 7, 9, then 10 = ssthresh). */
	for (i = 0; i < 4; i++) {
		dup_sack(f, s1 + (11 + i) * 536, s1, 1, b);
		expect_seg(f, s1, 16 + 2 * i);
		expect_seg(f, s1, 17 + 2 * i);
		assert_int_equal(t_count(f->env), 0);
	}
	/* At ssthresh: one segment per segment delivered. */
	dup_sack(f, s1 + 15 * 536, s1, 1, b);
	expect_seg(f, s1, 24);
	assert_int_equal(t_count(f->env), 0);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.cwnd, info.ssthresh);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 0);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 30 * 536, T_ACK, 65535, NULL, NULL, 0);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/* RFC 6937 3 / RFC 6675: below ssthresh in recovery, cwnd = ssthresh when it ends. */
static void
test_prr_exit(void **state)
{
	struct sp_tcp_info info;
	uint32_t s1;
	struct fx *f = prr_heavy_loss(&s1, &info);
	unsigned i = 30;

	(void)state;
	assert_true(info.cwnd < info.ssthresh);
	/* Everything up to RecoveryPoint ACKed: recovery over, the window is ssthresh. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 30 * 536, T_ACK, 65535, NULL, NULL, 0);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.ssthresh, 10 * 536);
	assert_int_equal(info.cwnd, 10 * 536);
	while (i < 40)
		expect_seg(f, s1, i++);
	assert_int_equal(t_count(f->env), 0);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 40 * 536, T_ACK, 65535, NULL, NULL, 0);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/*
 * The ACK that starts a recovery delivered nothing: the peer's SACK of 1..9 came on a data
 * segment (no duplicate ACK, no recovery), then a pure duplicate repeats it. IsLost(0) starts
 * recovery with pipe = 0; PRR must still set cwnd for this ACK (PRR-SSRB: one MSS beyond the fast
 * retransmission), not leave it at the pipe before the retransmission (nothing more would go).
 */
static void
test_prr_entry_delivers_nothing(void **state)
{
	static uint8_t buf[536 * 12];
	struct sp_tcp_opts ack = {.n_sack = 1};
	struct fx *f;
	uint32_t s1;

	(void)state;
	memset(buf, 'z', sizeof(buf));
	f = sack_fx(false, buf, sizeof(buf), 10, &s1);
	ack.sack[0].start = s1 + 536;
	ack.sack[0].end = s1 + 10 * 536;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1, T_ACK, 65535, &ack, "d", 1);
	f->pseq += 1;
	sp_test_tx_clear(f->env); /* our ACK of the byte */
	assert_int_equal(T_STAT(f->env, TCPSackRecovery), 0);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1, T_ACK, 65535, &ack, NULL, 0);
	assert_int_equal(T_STAT(f->env, TCPSackRecovery), 1);
	expect_seg(f, s1, 0);  /* fast retransmission */
	expect_seg(f, s1, 10); /* sndcnt = min(ssthresh - pipe, 0 + 1 MSS): one new segment */
	assert_int_equal(t_count(f->env), 0);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + 11 * 536, T_ACK, 65535, NULL, NULL, 0);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/* ---- reordering (tcp_reorder.c) ---- */

/* Pop every frame sent; @return how many were retransmissions (below @p snd_max0). */
static unsigned
drain_rexmits(struct fx *f, uint32_t s1, uint32_t snd_max0, uint32_t *first)
{
	struct t_out o;
	unsigned n = 0;

	while (t_pop(f->env, &o))
		if (o.len > 0 && (int32_t)(o.h.seq - snd_max0) < 0) {
			if (n++ == 0 && first != NULL)
				*first = (o.h.seq - s1) / 536;
		}
	return n;
}

/*
 * Segment @p u arrives @p d segments late: the peer SACKs u + 1 .. u + d one by one (duplicate
 * ACKs at u), then u itself arrives and the cumulative ACK covers u .. u + d. New data the stack
 * sends meanwhile stays in flight. @return the retransmissions it sent (*@p first: the first).
 */
static unsigned
reorder_event(struct fx *f, uint32_t s1, unsigned u, unsigned d, uint32_t *first)
{
	uint32_t snd_max0 = f->app.c->snd_max;
	unsigned k, n = 0, b[1][2];

	for (k = 1; k <= d; k++) {
		b[0][0] = u + 1;
		b[0][1] = u + 1 + k;
		dup_sack(f, s1 + u * 536, s1, 1, (const unsigned(*)[2])b);
		n += drain_rexmits(f, s1, snd_max0, n == 0 ? first : NULL);
	}
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + (u + d + 1) * 536, T_ACK, 65535, NULL, NULL,
		0);
	return n + drain_rexmits(f, s1, snd_max0, n == 0 ? first : NULL);
}

/* The peer reports segments [@p a, @p b) as duplicates (RFC 2883), cumulative ACK at @p una. */
static void
dsack(struct fx *f, uint32_t s1, unsigned una, unsigned a, unsigned b)
{
	struct sp_tcp_opts o = {.n_sack = 1};

	o.sack[0].start = s1 + a * 536;
	o.sack[0].end = s1 + b * 536;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + una * 536, T_ACK, 65535, &o, NULL, 0);
}

/*
 * Reordering of d = 3..10 segments and no loss. The first event is taken for a loss (nothing
 * was seen yet): segment u goes again and cwnd is cut. The peer's D-SACK for that copy proves
 * it spurious (RFC 3708): ssthresh and cwnd come back (RFC 4015) and the threshold rises to the
 * degree seen. The same reordering again: no retransmission, no cut, TCPSACKReorder counts it.
 */
static void
test_reorder_tolerated(void **state)
{
	unsigned d;

	(void)state;
	for (d = 3; d <= 10; d++) {
		struct sp_tcp_info before, cut, after;
		uint32_t s1, first = 0, flight;
		struct fx *f = grown_fx(&s1, 20); /* cwnd 30, 20..49 in flight */
		unsigned u = 20;

		sp_tcp_get_info(f->app.c, &before);
		flight = f->app.c->snd_max - f->app.c->snd_una;
		assert_int_equal(reorder_event(f, s1, u, d, &first), 1);
		assert_int_equal(first, u);
		assert_int_equal(T_STAT(f->env, TCPFastRetrans), 1);
		sp_tcp_get_info(f->app.c, &cut);
		assert_true(cut.ssthresh < before.cwnd);
		/* The copy of u arrives too: D-SACK. The recovery is undone. */
		u += d + 1;
		dsack(f, s1, u, u - d - 1, u - d);
		assert_int_equal(T_STAT(f->env, TCPDSACKRecv), 1);
		assert_int_equal(T_STAT(f->env, TCPDSACKUndo), 1);
		sp_tcp_get_info(f->app.c, &after);
		/* pipe_prev = max(FlightSize, ssthresh) = infinity: back in slow start. */
		assert_int_equal(after.ssthresh, RTE_MAX(before.ssthresh, flight));
		/* cwnd = FlightSize + min(acked, IW): what is in flight, no burst; slow start on. */
		assert_true(after.cwnd >= cut.cwnd && after.cwnd <= before.cwnd);
		assert_true(after.cwnd < after.ssthresh);
		assert_int_equal(f->app.c->reordering, d + 1);
		assert_false(f->app.c->flags & TF_RECOVERY);
		sp_test_tx_clear(f->env);
		/* The same reordering twice more: tolerated. */
		assert_int_equal(reorder_event(f, s1, u, d, NULL), 0);
		u += d + 1;
		assert_int_equal(reorder_event(f, s1, u, d, NULL), 0);
		assert_int_equal(T_STAT(f->env, TCPFastRetrans), 1);
		assert_int_equal(T_STAT(f->env, TCPSACKReorder), 3);
		sp_tcp_get_info(f->app.c, &cut);
		assert_true(cut.cwnd >= after.cwnd);
		assert_int_equal(cut.ssthresh, after.ssthresh);
		assert_int_equal(T_STAT(f->env, TCPTimeouts), 0);
		sp_test_tx_clear(f->env);
		fx_free(f);
	}
}

/* SACK [@p a, @p b) at cumulative ACK @p una, with no D-SACK. */
static void
sack1(struct fx *f, uint32_t s1, unsigned una, unsigned a, unsigned b)
{
	unsigned blk[1][2] = {{a, b}};

	dup_sack(f, s1 + una * 536, s1, 1, (const unsigned(*)[2])blk);
}

/*
 * Segment @p u is lost: the peer SACKs [u + 1, u + 1 + k) for k = @p k_from .. @p k_lost - 1
 * and nothing is resent; at k = @p k_lost, u goes again, at once.
 */
static void
lost_at(struct fx *f, uint32_t s1, unsigned u, unsigned k_from, unsigned k_lost)
{
	uint32_t snd_max0 = f->app.c->snd_max, first = 0;
	uint64_t fr = T_STAT(f->env, TCPFastRetrans);
	unsigned k;

	for (k = k_from; k < k_lost; k++) {
		sack1(f, s1, u, u + 1, u + 1 + k);
		assert_int_equal(drain_rexmits(f, s1, snd_max0, NULL), 0);
	}
	assert_int_equal(T_STAT(f->env, TCPFastRetrans), fr);
	sack1(f, s1, u, u + 1, u + 1 + k_lost);
	assert_int_equal(drain_rexmits(f, s1, snd_max0, &first), 1);
	assert_int_equal(first, u);
}

/*
 * A connection that saw reordering of @p d segments (test_reorder_tolerated's first event):
 * the threshold is d + 1, SND.UNA is segment *@p u, in congestion avoidance or slow start.
 */
static struct fx *
reordered_fx(uint32_t *s1, unsigned d, unsigned *u)
{
	struct fx *f = grown_fx(s1, 20);

	*u = 20;
	assert_int_equal(reorder_event(f, *s1, *u, d, NULL), 1);
	*u += d + 1;
	dsack(f, *s1, *u, *u - d - 1, *u - d);
	assert_int_equal(T_STAT(f->env, TCPDSACKUndo), 1);
	assert_int_equal(f->app.c->reordering, d + 1);
	sp_test_tx_clear(f->env);
	return f;
}

/*
 * Real loss after reordering was seen (threshold 6): segment u is lost and the peer SACKs the
 * segments above it one by one. Five SACKed is within the reordering seen: nothing goes; the
 * sixth declares u lost, it goes at once and cwnd is cut; the repair ends the recovery.
 */
static void
test_reorder_then_loss(void **state)
{
	struct sp_tcp_info before, after;
	struct fx *f;
	uint32_t s1;
	unsigned u;

	(void)state;
	f = reordered_fx(&s1, 5, &u);
	sp_tcp_get_info(f->app.c, &before);
	lost_at(f, s1, u, 1, 6); /* 5 SACKed above u: within; the 6th: lost */
	assert_int_equal(T_STAT(f->env, TCPFastRetrans), 2);
	assert_int_equal(T_STAT(f->env, TCPSackRecovery), 2);
	sp_tcp_get_info(f->app.c, &after);
	assert_true(after.ssthresh < before.cwnd);
	/* The retransmission arrives: everything sent so far is acknowledged, nothing undone. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->app.c->snd_max, T_ACK, 65535, NULL, NULL, 0);
	sp_tcp_get_info(f->app.c, &before);
	assert_int_equal(before.ssthresh, after.ssthresh);
	assert_false(f->app.c->flags & TF_RECOVERY);
	assert_int_equal(T_STAT(f->env, TCPDSACKUndo) + T_STAT(f->env, TCPTimeouts), 1);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/*
 * RFC 3708 with two retransmissions: segments u and u + 1 are both late. A D-SACK for one of the
 * copies is not enough; the second one proves the recovery spurious: ssthresh back to pipe_prev
 * (the flight before the cut: ssthresh was finite from a first, real recovery), cwnd not below
 * the flight. A second D-SACK for the same copies undoes nothing more.
 */
static void
test_reorder_undo_all_dsacked(void **state)
{
	struct sp_tcp_info before, cut, after;
	uint32_t s1, flight, snd_max0, tail;
	unsigned u = 20, k, n = 0;
	struct fx *f;

	(void)state;
	f = grown_fx(&s1, 20);
	/* A real loss of 20 first (never D-SACKed): ssthresh = 15 segments. */
	assert_int_equal(reorder_event(f, s1, u, 3, NULL), 1);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->app.c->snd_max, T_ACK, 65535, NULL, NULL, 0);
	sp_test_tx_clear(f->env);
	u = (f->app.c->snd_una - s1) / 536;
	assert_int_equal(T_STAT(f->env, TCPFastRetrans), 1);
	/* Let the window fill again. */
	for (k = 0; k < 10; k++) {
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + (u + 1) * 536, T_ACK, 65535, NULL,
			NULL, 0);
		sp_test_tx_clear(f->env);
		u++;
	}
	sp_tcp_get_info(f->app.c, &before);
	assert_true(before.ssthresh != UINT32_MAX);
	flight = 0;
	snd_max0 = f->app.c->snd_max;
	tail = (snd_max0 - s1) / 536;
	/* u and u + 1 late: the peer SACKs u + 2 up to the last segment sent, one by one. */
	for (k = u + 3; k <= tail; k++) {
		uint32_t pre = f->app.c->snd_max - f->app.c->snd_una;

		sack1(f, s1, u, u + 2, k);
		n += drain_rexmits(f, s1, snd_max0, NULL);
		if (T_STAT(f->env, TCPFastRetrans) == 2 && flight == 0)
			flight = pre; /* FlightSize when the recovery began */
	}
	assert_int_equal(T_STAT(f->env, TCPFastRetrans), 2);
	assert_int_equal(n, 2);
	assert_int_equal(f->app.c->n_undo, 2);
	sp_tcp_get_info(f->app.c, &cut);
	assert_true(cut.ssthresh < before.ssthresh || cut.ssthresh < flight);
	/* The originals arrive: the cumulative ACK covers everything. Then the copies' D-SACKs. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->app.c->snd_max, T_ACK, 65535, NULL, NULL, 0);
	sp_test_tx_clear(f->env);
	dsack(f, s1, (f->app.c->snd_una - s1) / 536, u, u + 1);
	assert_int_equal(T_STAT(f->env, TCPDSACKUndo), 0);
	dsack(f, s1, (f->app.c->snd_una - s1) / 536, u + 1, u + 2);
	assert_int_equal(T_STAT(f->env, TCPDSACKUndo), 1);
	assert_int_equal(T_STAT(f->env, TCPDSACKRecv), 2);
	sp_tcp_get_info(f->app.c, &after);
	assert_int_equal(after.ssthresh, RTE_MAX(before.ssthresh, flight));
	assert_true(after.cwnd >= cut.cwnd);
	dsack(f, s1, (f->app.c->snd_una - s1) / 536, u, u + 2);
	assert_int_equal(T_STAT(f->env, TCPDSACKUndo), 1);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/*
 * A hostile peer's claims stay bounded. With the default tcp.max_reordering (300), SACKs that
 * show a segment 28 segments behind, in a flight and cwnd of 30, leave the threshold at 15, half
 * of them, and a loss is still
 * declared once 15 segments above it are SACKed. A D-SACK spanning everything acknowledged,
 * outside any recovery, undoes nothing and claims no reordering. With tcp.max_reordering = 5, a
 * claim of 8 sets the degree to 5 (tcp_reorder_capped).
 */
static void
test_reorder_hostile(void **state)
{
	struct sp_config cfg;
	unsigned u = 20;
	struct fx *f;
	uint32_t s1;

	(void)state;
	f = grown_fx(&s1, 20); /* 20..49 in flight */
	dsack(f, s1, u, 0, u);
	assert_int_equal(T_STAT(f->env, TCPDSACKRecv), 1);
	assert_int_equal(T_STAT(f->env, TCPDSACKUndo), 0);
	assert_int_equal(f->app.c->reordering, 0);
	sack1(f, s1, u, u + 28, u + 29);
	sack1(f, s1, u, u + 1, u + 2); /* 1 SACKed 27 segments below the highest */
	assert_int_equal(T_STAT(f->env, TCPSACKReorder), 1);
	assert_int_equal(f->app.c->reordering, 28);
	assert_int_equal(sp_tcp_dupthresh(f->app.c), 15);
	sp_test_tx_clear(f->env);
	/* u lost: 1 and 28 SACKed above it so far; the 15th segment SACKed declares it lost. */
	lost_at(f, s1, u, 3, 14);
	assert_int_equal(T_STAT(f->env, TCPFastRetrans), 1);
	sp_test_tx_clear(f->env);
	fx_free(f);

	sp_test_default_cfg(&cfg);
	snprintf(cfg.tcp.cc, sizeof(cfg.tcp.cc), "newreno");
	cfg.tcp.tlp = false;
	cfg.tcp.max_reordering = 5;
	{
		static uint8_t buf[536 * 40];

		memset(buf, 'h', sizeof(buf));
		f = sack_fx_cfg(&cfg, buf, sizeof(buf), 10, &s1);
	}
	sack1(f, s1, 0, 8, 9);
	sack1(f, s1, 0, 1, 2);
	assert_int_equal(f->app.c->reordering, 5); /* 8 claimed */
	assert_int_equal(T_STAT(f->env, tcp_reorder_capped), 1);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/*
 * SACK blocks from a hostile peer: reversed or empty edges, data never sent, below SND.UNA
 * (not a D-SACK) are ignored and counted (TCPSACKDiscard, uncounted before); a D-SACK is not
 * counted; blocks without end (every ACK SACKing new disjoint ranges) keep the scoreboard at
 * SP_TCP_SCOREBOARD ranges.
 */
static void
test_sack_forged_blocks(void **state)
{
	static uint8_t buf[536 * 10];
	struct sp_tcp_opts ack = {0};
	struct fx *f;
	uint32_t s1, i;

	(void)state;
	memset(buf, 'f', sizeof(buf));
	f = sack_fx(false, buf, sizeof(buf), 10, &s1);
	ack.n_sack = 4;
	ack.sack[0].start = s1 + 5 * 536; /* reversed */
	ack.sack[0].end = s1 + 3 * 536;
	ack.sack[1].start = s1 + 8 * 536; /* beyond SND.MAX */
	ack.sack[1].end = s1 + 12 * 536;
	ack.sack[2].start = s1 - 1000; /* below SND.UNA, not first: no D-SACK */
	ack.sack[2].end = s1 - 500;
	ack.sack[3].start = s1 + 2 * 536; /* the one valid block */
	ack.sack[3].end = s1 + 3 * 536;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1, T_ACK, 65535, &ack, NULL, 0);
	assert_int_equal(T_STAT(f->env, TCPSACKDiscard), 3);
	assert_int_equal(f->app.c->n_sacked, 1);
	/* a D-SACK (first block below the cumulative ACK) is not a discard */
	ack.n_sack = 1;
	ack.sack[0].start = s1 - 536;
	ack.sack[0].end = s1;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1, T_ACK, 65535, &ack, NULL, 0);
	assert_int_equal(T_STAT(f->env, TCPDSACKRecv), 1);
	assert_int_equal(T_STAT(f->env, TCPSACKDiscard), 3);
	/* 5000 one-byte ranges, each apart: the scoreboard stays bounded */
	for (i = 0; i < 5000; i++) {
		uint32_t at = s1 + 536 * 3 + 1 + (i * 2) % (536 * 7 - 2);

		ack.sack[0].start = at;
		ack.sack[0].end = at + 1;
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1, T_ACK, 65535, &ack, NULL, 0);
		assert_true(f->app.c->n_sacked <= SP_TCP_SCOREBOARD);
	}
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/*
 * A timeout while segments were SACKed above the hole: the raised threshold let that loss
 * wait for the timer, so the degree goes back to 3 (as Linux on a timeout).
 */
static void
test_reorder_timeout_resets(void **state)
{
	uint32_t s1, first = 0, snd_max0;
	unsigned u, k;
	struct fx *f;

	(void)state;
	f = reordered_fx(&s1, 5, &u); /* threshold 6 */
	snd_max0 = f->app.c->snd_max;
	for (k = 1; k <= 4; k++)
		sack1(f, s1, u, u + 1, u + 1 + k);
	assert_int_equal(drain_rexmits(f, s1, snd_max0, NULL), 0);
	k = (unsigned)wait_tx(f);
	assert_true(k >= 190 && k < 2000);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 1);
	assert_true(drain_rexmits(f, s1, snd_max0, &first) >= 1);
	assert_int_equal(first, u);
	assert_int_equal(f->app.c->reordering, SP_TCP_DUPTHRESH);
	assert_int_equal(f->app.c->n_undo, SP_TCP_UNDO_NONE);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/*
 * Lost retransmissions (tcp_lost_rxt.c) once reordering was seen (threshold 6): the fast
 * retransmission of u is lost too. Data sent after it and SACKed within the reordering window
 * (5 segments) does not declare it lost; the sixth segment does, and u goes a third time.
 */
static void
test_reorder_lost_rxt_window(void **state)
{
	uint32_t s1, first = 0, snd_max0, mark;
	unsigned u, k, top;
	struct fx *f;

	(void)state;
	f = reordered_fx(&s1, 5, &u);
	snd_max0 = f->app.c->snd_max;
	top = (snd_max0 - s1) / 536; /* SACK everything sent before the retransmission */
	sack1(f, s1, u, u + 1, top);
	assert_int_equal(drain_rexmits(f, s1, snd_max0, &first), 1);
	assert_int_equal(first, u);
	/* The retransmission went first, new data after it (PRR): its mark is SND.MAX before. */
	mark = top;
	assert_true((f->app.c->snd_max - s1) / 536 >= mark + 6);
	sp_test_tx_clear(f->env);
	for (k = 1; k <= 6; k++) {
		/* The peer has everything sent up to mark + k, except u. */
		sack1(f, s1, u, u + 1, mark + k);
		snd_max0 = f->app.c->snd_max;
		if (k < 6) {
			assert_int_equal(T_STAT(f->env, TCPLostRetransmit), 0);
			sp_test_tx_clear(f->env);
		}
	}
	assert_int_equal(T_STAT(f->env, TCPLostRetransmit), 1);
	assert_true(drain_rexmits(f, s1, snd_max0, &first) >= 1);
	assert_int_equal(first, u);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/*
 * A SACK and timestamps connection on NewReno without loss probes (MSS 548: 536 bytes of
 * payload beside the 12 of the timestamp option), @p len bytes of @p buf sent with Nagle off;
 * *@p s1 is the sequence number of the first byte.
 */
static struct fx *
ts_fx(const uint8_t *buf, size_t len, uint32_t *s1)
{
	struct sp_tcp_opts so = {
		.has_sack_perm = true, .has_ts = true, .ts_val = 1, .has_mss = true, .mss = 548};
	struct sp_config cfg;
	struct fx *f;

	sp_test_default_cfg(&cfg);
	snprintf(cfg.tcp.cc, sizeof(cfg.tcp.cc), "newreno");
	cfg.tcp.tlp = false;
	f = fx_new(&cfg, 0);
	fx_open_opts(f, T_PISN, &so);
	sp_tcp_set_nodelay(f->app.c, true);
	assert_int_equal(sp_tcp_send(f->app.c, buf, len), (int)len);
	*s1 = f->iss + 1;
	return f;
}

/* An ACK with timestamps (TSval 2, TSecr @p ecr) at @p una, SACKing [@p a, @p b) if a < b. */
static void
ts_ack(struct fx *f, uint32_t s1, unsigned una, unsigned a, unsigned b, uint32_t ecr)
{
	struct sp_tcp_opts o = {.has_ts = true, .ts_val = 2};

	o.ts_ecr = ecr;
	if (a < b) {
		o.n_sack = 1;
		o.sack[0].start = s1 + a * 536;
		o.sack[0].end = s1 + b * 536;
	}
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, s1 + una * 536, T_ACK, 65535, &o, NULL, 0);
}

/*
 * Eifel detection (RFC 3522), timestamps on: segment 0 is 3 segments late, its fast
 * retransmission goes 5 ms after it. The cumulative ACK that covers it echoes the original's
 * TSval: the original filled the hole, the recovery is undone at once (tcp_ts_undo), before any
 * D-SACK, and the reordering recorded. Echoing the retransmission's TSval instead, nothing is
 * undone: the copy filled it.
 */
static void
test_reorder_eifel(void **state)
{
	static uint8_t buf[536 * 40];
	unsigned round, i;

	(void)state;
	memset(buf, 'e', sizeof(buf));
	for (round = 0; round < 2; round++) {
		uint32_t s1, ts_orig = 0, ts_rxt;
		struct t_out o;
		struct fx *f = ts_fx(buf, sizeof(buf), &s1);

		for (i = 0; t_pop(f->env, &o); i++) {
			assert_int_equal(o.len, 536);
			if (i == 0)
				ts_orig = o.h.opts.ts_val;
		}
		sp_test_advance_ms(f->env, 5);
		ts_ack(f, s1, 0, 1, 2, ts_orig);
		ts_ack(f, s1, 0, 1, 3, ts_orig);
		sp_test_tx_clear(f->env);
		ts_ack(f, s1, 0, 1, 4, ts_orig);
		assert_true(t_pop(f->env, &o));
		assert_int_equal(o.h.seq, s1);
		ts_rxt = o.h.opts.ts_val;
		assert_true(ts_rxt > ts_orig);
		assert_true(f->app.c->flags & TF_RECOVERY);
		sp_test_tx_clear(f->env);
		ts_ack(f, s1, 4, 0, 0, round == 0 ? ts_orig : ts_rxt);
		assert_int_equal(T_STAT(f->env, tcp_ts_undo), round == 0);
		assert_int_equal(!(f->app.c->flags & TF_RECOVERY), round == 0);
		assert_int_equal(f->app.c->reordering, round == 0 ? 4 : 0);
		sp_test_tx_clear(f->env);
		fx_free(f);
	}
}

/*
 * A spurious retransmission timeout (RFC 3522 detection, RFC 4015 response), timestamps on:
 * 10 segments of 20 out, the ACKs stall past the RTO, segment 0 goes again. Round 0: the first
 * ACK that then moves SND.UNA (4 segments) echoes the originals' TSval: the timeout was
 * spurious. cwnd comes back (FlightSize 6 + min(4 acked, IW) = 10 segments) and sending resumes
 * with new data, segments 10..13, none of 1..9 resent. Round 1: the ACK echoes the
 * retransmission's TSval: the copy was needed, slow start goes back to segment 4 (go-back-N).
 */
static void
test_rto_spurious_undo(void **state)
{
	static uint8_t buf[536 * 20];
	unsigned round, i;

	(void)state;
	memset(buf, 'r', sizeof(buf));
	for (round = 0; round < 2; round++) {
		uint32_t s1, ts_orig = 0, ts_rxt;
		struct sp_tcp_info info;
		struct t_out o;
		struct fx *f = ts_fx(buf, sizeof(buf), &s1);

		for (i = 0; t_pop(f->env, &o); i++) {
			assert_int_equal(o.h.seq, s1 + i * 536);
			ts_orig = o.h.opts.ts_val;
		}
		assert_int_equal(i, 10); /* IW */
		assert_true(wait_tx(f) < 3000);
		assert_true(t_pop(f->env, &o));
		assert_int_equal(o.h.seq, s1);
		ts_rxt = o.h.opts.ts_val;
		assert_true(ts_rxt > ts_orig);
		assert_int_equal(t_count(f->env), 0);
		assert_int_equal(T_STAT(f->env, TCPTimeouts), 1);
		sp_tcp_get_info(f->app.c, &info);
		assert_int_equal(info.cwnd, 536);

		ts_ack(f, s1, 4, 0, 0, round == 0 ? ts_orig : ts_rxt);
		assert_int_equal(T_STAT(f->env, TCPSpuriousRTOs), round == 0);
		sp_tcp_get_info(f->app.c, &info);
		if (round == 0) {
			assert_int_equal(info.cwnd, 10 * 536);
			assert_true(info.ssthresh >= 10 * 536);
			for (i = 10; i < 14; i++)
				expect_seg(f, s1, i);
		} else {
			expect_seg(f, s1, 4);
			expect_seg(f, s1, 5);
		}
		/* Round 1: slow start goes on resending what the timeout sent back for. */
		while (round == 1 && t_pop(f->env, &o))
			assert_true(SEQ_LT(o.h.seq, s1 + 10 * 536));
		assert_int_equal(t_count(f->env), 0);
		/* Only the first ACK after the timeout is judged: a later old echo undoes nothing. */
		ts_ack(f, s1, 6, 0, 0, ts_orig);
		assert_int_equal(T_STAT(f->env, TCPSpuriousRTOs), round == 0);
		sp_test_tx_clear(f->env);
		fx_free(f);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_retransmit),
		cmocka_unit_test(test_lost_retransmit),
		cmocka_unit_test(test_rto_lost_retransmit),
		cmocka_unit_test(test_tlp_after_new_data),
		cmocka_unit_test(test_sack_dupack_window_moves),
		cmocka_unit_test(test_limited_transmit),
		cmocka_unit_test(test_sack_recovery),
		cmocka_unit_test(test_sack_blocks_fit_mtu),
		cmocka_unit_test(test_sack_recovery_pipe),
		cmocka_unit_test(test_sack_rescue),
		cmocka_unit_test(test_rto_skips_sacked),
		cmocka_unit_test(test_tlp_probe),
		cmocka_unit_test(test_tlp_dsack),
		cmocka_unit_test(test_tlp_off),
		cmocka_unit_test(test_tlp_recovers_tail),
		cmocka_unit_test(test_tlp_flight_from_idle),
		cmocka_unit_test(test_recovery_probe_silent_peer),
		cmocka_unit_test(test_recovery_probe_talking_peer),
		cmocka_unit_test(test_prr_proportional),
		cmocka_unit_test(test_prr_ssrb),
		cmocka_unit_test(test_prr_exit),
		cmocka_unit_test(test_prr_entry_delivers_nothing),
		cmocka_unit_test(test_reorder_tolerated),
		cmocka_unit_test(test_reorder_then_loss),
		cmocka_unit_test(test_reorder_undo_all_dsacked),
		cmocka_unit_test(test_reorder_hostile),
		cmocka_unit_test(test_reorder_timeout_resets),
		cmocka_unit_test(test_reorder_lost_rxt_window),
		cmocka_unit_test(test_reorder_eifel),
		cmocka_unit_test(test_rto_spurious_undo),
		cmocka_unit_test(test_sack_forged_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

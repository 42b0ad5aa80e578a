/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP data both ways: acceptability of old and unacknowledged data, out-of-order reassembly
 * and its bound, Nagle, receive flow control, send-buffer segments spanning mbufs and
 * retransmission behind the cursor, sequence wrap, PAWS, the restart window after an idle
 * RTO. The test plays the peer with tcp_helper.h.
 */
#include "tcp.h"
#include "tcp_helper.h"

static void
test_bad_ack_and_old_data(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, T_PISN);
	/* ACK of data never sent: ACK back, drop. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 100, T_ACK, 65535, NULL, "zz", 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq);
	assert_int_equal(f->app.rx_len, 0);
	assert_int_equal(T_STAT(f->env, TCPBadAck), 1);
	/* Old duplicate data: ACKed at once, not delivered twice. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, "ab", 2);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, "ab", 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 2);
	assert_int_equal(f->app.rx_len, 2);
	fx_free(f);
}

static void
test_ooo_reassembly_sack(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct sp_tcp_opts so = {.has_sack_perm = true};
	struct t_out o;

	(void)state;
	fx_open_opts(f, T_PISN, &so);
	/* Segments 3 and 2 before 1. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 6, f->iss + 1, T_ACK, 65535, NULL, "ghi", 3);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq);
	assert_int_equal(o.h.opts.n_sack, 1);
	assert_int_equal(o.h.opts.sack[0].start, f->pseq + 6);
	assert_int_equal(o.h.opts.sack[0].end, f->pseq + 9);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 3, f->iss + 1, T_ACK, 65535, NULL, "def", 3);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.opts.n_sack, 2);
	assert_int_equal(o.h.opts.sack[0].start, f->pseq + 3); /* most recent first */
	assert_int_equal(f->app.rx_len, 0);
	assert_int_equal(T_STAT(f->env, TCPOFOQueue), 2);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, "abc", 3);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 9);
	assert_int_equal(o.h.opts.n_sack, 0);
	assert_int_equal(f->app.rx_len, 9);
	assert_memory_equal(f->app.rx, "abcdefghi", 9);
	fx_free(f);
}

static void
test_ooo_bound(void **state)
{
	struct sp_config cfg;
	struct fx *f;
	int i;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.tcp.ooo_max_segs = 4;
	f = fx_new(&cfg, 0);
	fx_open(f, T_PISN);
	for (i = 0; i < 6; i++)
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 10 + 10 * i, f->iss + 1, T_ACK, 65535,
			NULL, "x", 1);
	assert_int_equal(T_STAT(f->env, TCPOFOQueue), 4);
	assert_int_equal(T_STAT(f->env, TCPOFODrop), 2);
	fx_free(f); /* queued mbufs freed: the env checks no leak */
}

/*
 * The peer's FIN alone out of order (RFC 9293 3.10.7.4, RFC 5681 4.2): a duplicate ACK at once,
 * held, and taken when the hole fills, with nothing queued before it (@p queued 0) or right
 * behind queued data. It used to be dropped unanswered and the ACK stopped before it.
 */
static void
ooo_fin_case(uint32_t queued)
{
	static const char data[20] = "0123456789abcdefghij";
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	fx_open(f, T_PISN);
	if (queued > 0) {
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 10, f->iss + 1, T_ACK, 65535, NULL,
			data + 10, queued);
		t_expect(f->env, &o, T_ACK);
	}
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 10 + queued, f->iss + 1, T_ACK | T_FIN, 65535,
		NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq);
	assert_int_equal(f->app.peer_closed, 0);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, data, 10);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 10 + queued + 1);
	assert_int_equal(f->app.rx_len, 10 + queued);
	assert_memory_equal(f->app.rx, data, 10 + queued);
	assert_int_equal(f->app.peer_closed, 1);
	fx_free(f);
}

static void
test_ooo_fin_alone(void **state)
{
	static const char data[30] = "0123456789abcdefghij0123456789";
	struct fx *f = fx_new(NULL, 0);

	(void)state;
	ooo_fin_case(0);
	ooo_fin_case(10);
	/* A peer that sends data past its FIN took the FIN back: it is forgotten. */
	fx_open(f, T_PISN);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 10, f->iss + 1, T_ACK | T_FIN, 65535, NULL, NULL,
		0);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, data, 30);
	assert_int_equal(f->app.rx_len, 30);
	assert_int_equal(f->app.peer_closed, 0);
	/* Forgotten when the next segment finds RCV.NXT past it. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 30, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	assert_false(f->app.c->flags & TF_OOO_FIN);
	fx_free(f);
}

/*
 * Data beyond the peer's FIN is not data (RFC 9293 3.10.7.4): queued out of order before an
 * in-order FIN, or behind an out-of-order FIN, it is dropped (TCPDataAfterFin), never delivered
 * after peer_closed() nor acknowledged past the FIN.
 */
static void
test_data_after_fin(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	/* In-order FIN at +3 while +3..6 waits out of order. */
	fx_open(f, T_PISN);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 3, f->iss + 1, T_ACK, 65535, NULL, "def", 3);
	t_expect(f->env, &o, T_ACK);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK | T_FIN, 65535, NULL, "abc", 3);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 4);
	assert_int_equal(f->app.rx_len, 3);
	assert_int_equal(f->app.peer_closed, 1);
	assert_int_equal(T_STAT(f->env, TCPDataAfterFin), 1);
	fx_free(f);

	/* The FIN out of order at +3..6, +7..10 behind it, then the hole at +0..3 filled. */
	f = fx_new(NULL, 0);
	fx_open(f, T_PISN);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 3, f->iss + 1, T_ACK | T_FIN, 65535, NULL, "def",
		3);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 7, f->iss + 1, T_ACK, 65535, NULL, "ghi", 3);
	sp_test_tx_clear(f->env);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, "abc", 3);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 7);
	assert_int_equal(f->app.rx_len, 6);
	assert_memory_equal(f->app.rx, "abcdef", 6);
	assert_int_equal(f->app.peer_closed, 1);
	assert_int_equal(T_STAT(f->env, TCPDataAfterFin), 1);
	fx_free(f); /* nothing queued is left behind: the env checks no leak */
}

/*
 * ACK-loop bound (tcp.invalid_ratelimit_ms, Linux's tcp_invalid_ratelimit): pure ACKs out of
 * the window, or of data never sent, get one ACK per 500 ms per connection (TCPAckSkippedSeq,
 * tcp_bad_ack_skipped for the rest); a segment with data is always answered.
 */
static void
test_oow_ack_ratelimit(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;
	int i;

	(void)state;
	fx_open(f, T_PISN);
	for (i = 0; i < 5; i++)
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 0x40000000, f->iss + 1, T_ACK, 65535,
			NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 1);
	assert_int_equal(T_STAT(f->env, TCPOutOfWindow), 5);
	assert_int_equal(T_STAT(f->env, TCPAckSkippedSeq), 4);
	sp_test_tx_clear(f->env);
	/* with data: answered whatever the limit */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 0x40000000, f->iss + 1, T_ACK, 65535, NULL, "x",
		1);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq);
	/* 500 ms later the next pure ACK is answered again */
	sp_test_advance_ms(f->env, 500);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 0x40000000, f->iss + 1, T_ACK, 65535, NULL, NULL,
		0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(T_STAT(f->env, TCPAckSkippedSeq), 4);
	/*
	 * Pure ACKs of data never sent (RFC 5961 5.2: an ACK back; Linux answers none) share the
	 * budget (tcp_bad_ack_skipped): each got an ACK before, an ACK loop with a peer that
	 * believes we sent more. With data: always answered.
	 */
	sp_test_advance_ms(f->env, 500);
	for (i = 0; i < 5; i++)
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1000, T_ACK, 65535, NULL, NULL,
			0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPBadAck), 5);
	assert_int_equal(T_STAT(f->env, tcp_bad_ack_skipped), 4);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1000, T_ACK, 65535, NULL, "x", 1);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq);
	/* the connection goes on */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, "ab", 2);
	assert_int_equal(f->app.rx_len, 2);
	fx_free(f);
}

/* The next segment sent carries exactly @p data. */
static void
expect_payload(struct fx *f, const char *data, uint32_t len)
{
	struct t_out o;

	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.len, len);
	assert_memory_equal(o.data, data, len);
}

static void
test_nagle(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, T_PISN);
	sp_tcp_send(f->app.c, "a", 1);
	t_expect(f->env, &o, T_ACK);
	/* Small segment in flight: the next small ones wait for its ACK (Nagle). */
	sp_tcp_send(f->app.c, "b", 1);
	sp_tcp_send(f->app.c, "c", 1);
	assert_int_equal(t_count(f->env), 0);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 2, T_ACK, 65535, NULL, NULL, 0);
	expect_payload(f, "bc", 2);
	/*
	 * sp_tcp_flush(): a segment Nagle holds goes at once and Nagle stays on; with everything
	 * sent already it sends nothing (its shortcut).
	 */
	sp_tcp_send(f->app.c, "d", 1);
	assert_int_equal(t_count(f->env), 0);
	sp_tcp_flush(f->app.c);
	expect_payload(f, "d", 1);
	sp_tcp_flush(f->app.c);
	sp_tcp_send(f->app.c, "e", 1);
	assert_int_equal(t_count(f->env), 0); /* nothing from the flush, "e" held */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 5, T_ACK, 65535, NULL, NULL, 0);
	expect_payload(f, "e", 1);
	sp_tcp_flush(f->app.c);
	assert_int_equal(t_count(f->env), 0);
	/* Nagle off: sent at once. */
	sp_tcp_set_nodelay(f->app.c, true);
	sp_tcp_send(f->app.c, "f", 1);
	t_expect(f->env, &o, T_ACK);
	fx_free(f);
}

/*
 * What the recv callback sends leaves when it returns, together: a reply and the shutdown that
 * follows it are one segment (data, FIN, the ACK of the request), and a reply written in two
 * sends and flushed is one segment too (the first send used to leave alone, the rest with the
 * flush). A send outside the callback still leaves at once.
 */
static void
test_reply_in_one_segment(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	f->app.echo = 1;
	f->app.echo_split = 1;
	fx_open(f, T_PISN);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK | T_PSH, 65535, NULL, "ping", 4);
	f->pseq += 4;
	assert_int_equal(t_count(f->env), 1);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq);
	assert_int_equal(o.len, 4);
	assert_memory_equal(o.data, "ping", 4);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 5, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);

	f->app.echo_split = 0;
	f->app.echo_fin = 1;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 5, T_ACK | T_PSH, 65535, NULL, "bye", 3);
	f->pseq += 3;
	assert_int_equal(t_count(f->env), 1);
	t_expect(f->env, &o, T_ACK | T_FIN);
	assert_int_equal(o.h.seq, f->iss + 5);
	assert_int_equal(o.h.ack, f->pseq);
	assert_int_equal(o.len, 3);
	assert_memory_equal(o.data, "bye", 3);
	{
		struct sp_tcp_info info;

		sp_tcp_get_info(f->app.c, &info);
		assert_string_equal(info.state, "FIN-WAIT-1");
	}
	fx_free(f);

	/* Outside the callback nothing waits. */
	f = fx_new(NULL, 0);
	fx_open(f, T_PISN);
	sp_tcp_send(f->app.c, "x", 1);
	assert_int_equal(t_count(f->env), 1);
	sp_tcp_shutdown(f->app.c);
	assert_int_equal(t_count(f->env), 2);
	fx_free(f);
}

/* Receive flow control (sp_tcp_set_recv_flow): held bytes close the window, release reopens it. */
static void
test_recv_flow_control(void **state)
{
	struct sp_config cfg;
	struct fx *f;
	struct t_out o;
	uint8_t data[1400];
	uint16_t last_win = 0;
	unsigned i, acks = 0;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.tcp.rcvbuf = 8192;
	f = fx_new(&cfg, 0);
	memset(data, 0x5a, sizeof(data));
	fx_open(f, 1000);
	sp_tcp_set_recv_flow(f->app.c, true);
	for (i = 0; i < 5; i++) {
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, data,
			sizeof(data));
		f->pseq += sizeof(data);
	}
	sp_test_advance_ms(f->env, 250); /* any delayed ACK */
	while (t_pop(f->env, &o)) {
		acks++;
		last_win = o.h.win;
		assert_true(o.h.ack <= f->pseq);
	}
	assert_true(acks >= 1);
	assert_int_equal(f->app.rx_len, 7000);
	/* all 7000 bytes held by the application: 1192 bytes of window left */
	assert_int_equal(last_win, 8192 - 7000);
	/* releasing them sends a window update at once (RFC 1122 receiver SWS avoidance) */
	sp_tcp_recv_done(f->app.c, 7000);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq);
	assert_int_equal(o.h.win, 8192);
	/*
	 * Released one segment at a time (each below the MSS, as a relay does): the window the
	 * peer knows is closed again, and a window update goes out once the right edge can move
	 * by one MSS, not only after a single large release.
	 */
	for (i = 0; i < 5; i++) {
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, data,
			sizeof(data));
		f->pseq += sizeof(data);
	}
	sp_test_advance_ms(f->env, 250);
	sp_test_tx_clear(f->env);
	sp_tcp_recv_done(f->app.c, 500);
	assert_int_equal(t_count(f->env), 0); /* 500 bytes: below one MSS (536 here) */
	sp_tcp_recv_done(f->app.c, 500);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq);
	assert_int_equal(o.h.win, 8192 - 7000 + 1000);
	sp_tcp_recv_done(f->app.c, 6000);
	/* a small release from a large window sends nothing */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, data, 100);
	f->pseq += 100;
	sp_test_advance_ms(f->env, 250);
	sp_test_tx_clear(f->env);
	sp_tcp_recv_done(f->app.c, 100);
	assert_int_equal(t_count(f->env), 0);
	/* turning it off releases everything */
	sp_tcp_set_recv_flow(f->app.c, false);
	sp_tcp_abort(f->app.c);
	fx_free(f);
}

/* Segments whose payload spans several send-buffer mbufs: content and checksum intact. */
static void
test_send_spanning_mbufs(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	static uint8_t buf[6000];
	uint8_t got[6200];
	size_t n = 0;
	struct t_out o;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	fx_open(f, T_PISN);
	sp_tcp_set_nodelay(f->app.c, true);
	assert_int_equal(sp_tcp_send(f->app.c, buf, 137), 137);
	assert_int_equal(sp_tcp_send(f->app.c, buf + 137, sizeof(buf) - 137), sizeof(buf) - 137);
	for (i = 0; i < 10 && n < sizeof(buf); i++) {
		while (t_pop(f->env, &o)) {
			assert_int_equal(o.h.seq, f->iss + 1 + n);
			assert_memory_equal(o.data, buf + n, o.len);
			assert_true(o.cksum_ok);
			memcpy(got + n, o.data, o.len);
			n += o.len;
		}
		/* ACK what arrived: the congestion window lets the rest go. */
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1 + n, T_ACK, 65535, NULL, NULL,
			0);
	}
	assert_int_equal(n, sizeof(buf));
	assert_memory_equal(got, buf, sizeof(buf));
	fx_free(f);
}

/*
 * The send buffer's cursor (new segments resume where the previous one started) must not
 * serve a retransmission of older data: after later segments went out, an RTO resends the
 * first one with its own bytes, and the rest follows with theirs.
 */
static void
test_retransmit_behind_cursor(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	static uint8_t buf[536 * 6];
	struct t_out o;
	unsigned i;
	int t;

	(void)state;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 13 + 5);
	fx_open(f, T_PISN);
	sp_tcp_set_nodelay(f->app.c, true);
	/* Several appends: the buffer holds more than one mbuf. */
	for (i = 0; i < 6; i++)
		assert_int_equal(sp_tcp_send(f->app.c, buf + 536 * i, 536), 536);
	for (i = 0; i < 6; i++) {
		assert_true(t_pop(f->env, &o));
		assert_int_equal(o.h.seq, f->iss + 1 + 536 * i);
		assert_memory_equal(o.data, buf + 536 * i, o.len);
	}
	/* Segment 0 ACKed, the rest lost: the RTO resends 1, then slow start 2 and 3. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1 + 536, T_ACK, 65535, NULL, NULL, 0);
	for (t = 0; t < 3000 && t_count(f->env) == 0; t++)
		sp_test_advance_ms(f->env, 1);
	assert_true(t_pop(f->env, &o));
	assert_int_equal(o.h.seq, f->iss + 1 + 536);
	assert_int_equal(o.len, 536);
	assert_memory_equal(o.data, buf + 536, 536);
	assert_true(o.cksum_ok);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1 + 2 * 536, T_ACK, 65535, NULL, NULL, 0);
	for (i = 2; i < 4; i++) {
		assert_true(t_pop(f->env, &o));
		assert_int_equal(o.h.seq, f->iss + 1 + 536 * i);
		assert_memory_equal(o.data, buf + 536 * i, o.len);
	}
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1 + sizeof(buf), T_ACK, 65535, NULL, NULL,
		0);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

static void
test_seq_wrap(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, 0xfffffffcu);
	/* 6 bytes from 0xfffffffd cross 2^32. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, "abcdef", 6);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 6, f->iss + 1, T_ACK, 65535, NULL, "gh", 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, 5u);
	assert_int_equal(f->app.rx_len, 8);
	/* Old data from before the wrap is a duplicate. */
	t_seg(f->env, T_RPORT, T_LPORT, 0xfffffffdu, f->iss + 1, T_ACK, 65535, NULL, "ab", 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(f->app.rx_len, 8);
	fx_free(f);
}

/*
 * Handshake with timestamps (the SYN's TSval 1000, the ACK's 1001, echoing ours): @p so is
 * left with the ACK's option.
 */
static struct fx *
fx_open_ts(struct sp_tcp_opts *so)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	memset(so, 0, sizeof(*so));
	so->has_ts = true;
	so->ts_val = 1000;
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN, 0, T_SYN, 65535, so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	f->iss = o.h.seq;
	f->pseq = T_PISN + 1;
	so->ts_val = 1001;
	so->ts_ecr = o.h.opts.ts_val;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, so, NULL, 0);
	return f;
}

/* RFC 7323 5.3: a segment with an older TSval is dropped (and ACKed). */
static void
test_paws(void **state)
{
	struct sp_tcp_opts so;
	struct fx *f = fx_open_ts(&so);
	struct t_out o;

	(void)state;
	so.ts_val = 1002;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, &so, "ab", 2);
	assert_int_equal(f->app.rx_len, 2);
	so.ts_val = 900; /* old duplicate from a previous incarnation */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 2, f->iss + 1, T_ACK, 65535, &so, "cd", 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 2);
	assert_int_equal(o.h.opts.ts_ecr, 1002);
	assert_int_equal(f->app.rx_len, 2);
	assert_int_equal(T_STAT(f->env, PAWSDrops), 1);
	fx_free(f);
}

/*
 * RFC 7323 4.3 with RFC 5961 5.2: TS.Recent is taken only from a segment whose ACK is
 * acceptable. A forged segment in the window with a TSval far ahead and an ACK of data never
 * sent (or far below SND.UNA) is dropped and must not move TS.Recent: it used to, and PAWS then
 * dropped every segment of the real peer.
 */
static void
test_paws_not_poisoned_by_bad_ack(void **state)
{
	struct sp_tcp_opts so;
	struct fx *f = fx_open_ts(&so);
	struct t_out o;

	(void)state;
	/* ACK of data never sent: answered with an ACK, dropped, TS.Recent kept. */
	so.ts_val = 0x40000000u;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 100000, T_ACK, 65535, &so, "xx", 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.opts.ts_ecr, 1001);
	assert_int_equal(T_STAT(f->env, TCPBadAck), 1);
	/* An ACK far below SND.UNA - MAX.SND.WND: a challenge ACK, TS.Recent kept. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss - 200000, T_ACK, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.opts.ts_ecr, 1001);
	/* No ACK bit: dropped, TS.Recent kept. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, 0, 0, 65535, &so, NULL, 0);
	assert_int_equal(f->app.rx_len, 0);
	/* The real peer's next segment is not a PAWS drop. */
	so.ts_val = 1002;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, &so, "ab", 2);
	assert_int_equal(f->app.rx_len, 2);
	assert_int_equal(T_STAT(f->env, PAWSDrops), 0);
	sp_test_advance_ms(f->env, 500);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 2);
	assert_int_equal(o.h.opts.ts_ecr, 1002);
	fx_free(f);
}

/*
 * A connection (MSS 1460, the peer's window no limit) whose cwnd slow start grew well past the
 * initial window, with all it sent acknowledged; tcp.slow_start_after_idle = @p on. *@p cwnd:
 * the grown cwnd.
 */
static struct fx *
fx_grown(int on, uint32_t *cwnd)
{
	struct sp_tcp_opts so = {.has_mss = true, .mss = 1460, .has_wscale = true, .wscale = 7};
	static uint8_t buf[100 * 1000];
	struct sp_tcp_info info;
	struct sp_config cfg;
	struct t_out o;
	struct fx *f;
	unsigned n = 0;

	sp_test_default_cfg(&cfg);
	cfg.tcp.slow_start_after_idle = on;
	f = fx_new(&cfg, 0);
	fx_open_opts(f, T_PISN, &so);
	sp_tcp_set_nodelay(f->app.c, true);
	assert_int_equal(sp_tcp_send(f->app.c, buf, sizeof(buf)), sizeof(buf));
	/* The peer acknowledges each segment on its own: one MSS more per ACK. */
	while (t_pop(f->env, &o)) {
		assert_true(++n < 1000);
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, o.h.seq + (uint32_t)o.len, T_ACK, 65535,
			NULL, NULL, 0);
	}
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.send_queue, 0);
	assert_true(info.cwnd > 4 * 14600);
	*cwnd = info.cwnd;
	return f;
}

/* The application writes 64 KB after @p idle_ms: the bytes of the flight that leaves at once. */
static uint32_t
flight_after(struct fx *f, uint32_t idle_ms)
{
	static uint8_t buf[64 * 1024];
	uint32_t bytes = 0;
	struct t_out o;

	sp_test_advance_ms(f->env, idle_ms);
	assert_int_equal(sp_tcp_send(f->app.c, buf, sizeof(buf)), sizeof(buf));
	while (t_pop(f->env, &o))
		bytes += (uint32_t)o.len;
	return bytes;
}

/*
 * RFC 5681 4.1 (tcp.slow_start_after_idle, Linux's tcp_slow_start_after_idle): after an idle
 * of 2 RTO with nothing in flight the next flight is the restart window, min(IW, cwnd) = IW
 * (14600 bytes for MSS 1460); a pause shorter than the RTO, or the key off, keeps the grown
 * cwnd.
 */
static void
test_idle_restart(void **state)
{
	struct sp_tcp_info info;
	uint32_t cwnd;
	struct fx *f;

	(void)state;
	f = fx_grown(1, &cwnd);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.rto_ms, 200); /* rto_min: the ACKs came at once */
	assert_int_equal(flight_after(f, 2 * info.rto_ms), 14600);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.cwnd, 14600);
	assert_int_equal(T_STAT(f->env, tcp_idle_restarts), 1);
	fx_free(f);

	f = fx_grown(1, &cwnd);
	assert_int_equal(flight_after(f, 150), RTE_MIN(cwnd, 64u * 1024));
	assert_int_equal(T_STAT(f->env, tcp_idle_restarts), 0);
	fx_free(f);

	f = fx_grown(0, &cwnd);
	assert_int_equal(flight_after(f, 400), RTE_MIN(cwnd, 64u * 1024));
	assert_int_equal(T_STAT(f->env, tcp_idle_restarts), 0);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recv_flow_control),
		cmocka_unit_test(test_bad_ack_and_old_data),
		cmocka_unit_test(test_ooo_reassembly_sack),
		cmocka_unit_test(test_ooo_bound),
		cmocka_unit_test(test_data_after_fin),
		cmocka_unit_test(test_ooo_fin_alone),
		cmocka_unit_test(test_oow_ack_ratelimit),
		cmocka_unit_test(test_nagle),
		cmocka_unit_test(test_reply_in_one_segment),
		cmocka_unit_test(test_paws),
		cmocka_unit_test(test_paws_not_poisoned_by_bad_ack),
		cmocka_unit_test(test_send_spanning_mbufs),
		cmocka_unit_test(test_retransmit_behind_cursor),
		cmocka_unit_test(test_seq_wrap),
		cmocka_unit_test(test_idle_restart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

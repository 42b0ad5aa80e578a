/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP timers: delayed ACK (and none after a piggybacked one), retransmission timeout with
 * backoff and Karn's rule, abort after max_retries, zero-window persist, keepalive. The test
 * plays the peer with tcp_helper.h.
 */
#include <errno.h>

#include "tcp_helper.h"

static void
test_data_in_delayed_ack(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, T_PISN);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK | T_PSH, 65535, NULL, "hello",
		5);
	assert_int_equal(f->app.rx_len, 5);
	assert_memory_equal(f->app.rx, "hello", 5);
	/* One segment: the ACK waits for the delayed-ACK timer (40 ms). */
	assert_int_equal(t_count(f->env), 0);
	sp_test_advance_ms(f->env, 39);
	assert_int_equal(t_count(f->env), 0);
	sp_test_advance_ms(f->env, 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 5);
	assert_int_equal(T_STAT(f->env, TCPDelayedACKs), 1);
	/* Two segments: ACK at the second at once. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 5, f->iss + 1, T_ACK, 65535, NULL, "ab", 2);
	assert_int_equal(t_count(f->env), 0);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 7, f->iss + 1, T_ACK, 65535, NULL, "cd", 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 9);
	assert_memory_equal(f->app.rx, "helloabcd", 9);
	fx_free(f);
}

/* RFC 1122 4.2.3.2: the ACK rides on the reply sent from recv(); no delayed ACK after it. */
static void
test_piggyback_ack(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, T_PISN);
	f->app.echo = 1;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, "ping", 4);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.len, 4);
	assert_int_equal(o.h.ack, f->pseq + 4);
	sp_test_advance_ms(f->env, 300); /* past the delayed-ACK timer, before the RTO */
	assert_int_equal(t_count(f->env), 0);
	fx_free(f);
}

/*
 * The retransmission timer stopped by an ACK stays in the wheel (tcp_timer.c "Lazy timers"):
 * it then sends nothing, and the timer armed again before it fires still fires one RTO after
 * the new segment, not when the old deadline was.
 */
static void
test_lazy_rto(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, T_PISN);
	sp_tcp_send(f->app.c, "a", 1); /* t = 0: RTO 1 s, due at 1000 ms */
	t_expect(f->env, &o, T_ACK);
	sp_test_advance_ms(f->env, 100);
	/* acked: nothing due; the sample makes the RTO max(200, 100 + 4 * 50) = 300 ms */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 2, T_ACK, 65535, NULL, NULL, 0);
	sp_test_advance_ms(f->env, 800);
	assert_int_equal(t_count(f->env), 0);
	sp_tcp_send(f->app.c, "b", 1); /* t = 900: due at 1200, the timer still at 1000 */
	t_expect(f->env, &o, T_ACK);
	sp_test_advance_ms(f->env, 299);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 0);
	sp_test_advance_ms(f->env, 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss + 2);
	assert_memory_equal(o.data, "b", 1);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 1);
	/* acked again: the timer armed for the retransmission (600 ms) fires into nothing */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 3, T_ACK, 65535, NULL, NULL, 0);
	sp_test_advance_ms(f->env, 3000);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 1);
	fx_free(f);
}

/*
 * The delayed ACK stopped by a segment that carried the ACK stays in the wheel: the next one
 * owed still waits its whole delayed_ack_ms (40) from the data that made it owed.
 */
static void
test_lazy_delayed_ack(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, T_PISN);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, "x", 1);
	assert_int_equal(t_count(f->env), 0); /* owed at 40 ms */
	sp_test_advance_ms(f->env, 10);
	sp_tcp_send(f->app.c, "r", 1); /* carries it */
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 1);
	sp_test_advance_ms(f->env, 20);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 1, f->iss + 2, T_ACK, 65535, NULL, "y", 1);
	sp_test_advance_ms(f->env, 39); /* t = 69: past the first deadline, before the second */
	assert_int_equal(t_count(f->env), 0);
	sp_test_advance_ms(f->env, 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 2);
	assert_int_equal(o.len, 0);
	assert_int_equal(T_STAT(f->env, TCPDelayedACKs), 1);
	sp_test_advance_ms(f->env, 200);
	assert_int_equal(t_count(f->env), 0);
	fx_free(f);
}

static void
test_data_out_rto_backoff_karn(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct sp_tcp_info info;
	struct t_out o;

	(void)state;
	fx_open(f, T_PISN);
	assert_int_equal(sp_tcp_send(f->app.c, "world", 5), 5);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss + 1);
	assert_int_equal(o.len, 5);
	assert_memory_equal(o.data, "world", 5);
	/* Initial RTO 1 s (RFC 6298 2.1), then doubled. */
	sp_test_advance_ms(f->env, 999);
	assert_int_equal(t_count(f->env), 0);
	sp_test_advance_ms(f->env, 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss + 1);
	assert_int_equal(o.len, 5);
	sp_test_advance_ms(f->env, 1998);
	assert_int_equal(t_count(f->env), 0);
	sp_test_advance_ms(f->env, 3);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 2);
	assert_int_equal(T_STAT(f->env, RetransSegs), 2);
	/* Karn: the ACK of a retransmitted segment gives no RTT sample. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 6, T_ACK, 65535, NULL, NULL, 0);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.srtt_us, 0);
	assert_int_equal(info.bytes_acked, 5);
	assert_int_equal(info.send_queue, 0);
	/* A fresh segment acked after 50 ms: SRTT 50 ms, RTO = max(200, 50 + 4*25) = 200. */
	assert_int_equal(sp_tcp_send(f->app.c, "x", 1), 1);
	t_expect(f->env, &o, T_ACK);
	sp_test_advance_ms(f->env, 50);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 7, T_ACK, 65535, NULL, NULL, 0);
	sp_tcp_get_info(f->app.c, &info);
	assert_true(info.srtt_us >= 49000 && info.srtt_us <= 52000);
	assert_int_equal(info.rto_ms, 200);
	fx_free(f);
}

static void
test_rto_abort(void **state)
{
	struct sp_config cfg;
	struct fx *f;
	struct t_out o;
	int i;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.tcp.max_retries = 2;
	f = fx_new(&cfg, 0);
	fx_open(f, T_PISN);
	sp_tcp_send(f->app.c, "z", 1);
	for (i = 0; i < 8 && f->app.closed == 0; i++)
		sp_test_advance_ms(f->env, 1000);
	assert_int_equal(f->app.closed, 1);
	assert_int_equal(f->app.closed_err, -ETIMEDOUT);
	assert_int_equal(T_STAT(f->env, TCPAbortOnTimeout), 1);
	while (t_pop(f->env, &o))
		;
	assert_int_equal(o.h.flags & T_RST, T_RST);
	fx_free(f);
}

/* A connection (RTO at most 1 s, @p cfg's other keys) whose peer closed its window on "abc". */
static struct fx *
zero_window_abc(struct sp_config *cfg)
{
	struct fx *f;

	cfg->tcp.rto_max_ms = 1000;
	f = fx_new(cfg, 0);
	fx_open(f, T_PISN);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 0, NULL, NULL, 0);
	assert_int_equal(sp_tcp_send(f->app.c, "abc", 3), 3);
	assert_int_equal(t_count(f->env), 0);
	return f;
}

static void
test_zero_window_persist(void **state)
{
	struct sp_config cfg;
	struct fx *f;
	struct t_out o;
	int i;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.tcp.max_retries = 3;
	f = zero_window_abc(&cfg);
	sp_test_advance_ms(f->env, 1001);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.len, 1); /* zero-window probe */
	assert_int_equal(T_STAT(f->env, TCPWinProbe), 1);
	/* The peer keeps answering with a zero window: probing goes on past max_retries. */
	for (i = 0; i < 20; i++) {
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 0, NULL, NULL, 0);
		sp_test_tx_clear(f->env);
		sp_test_advance_ms(f->env, 2000);
	}
	assert_int_equal(f->app.closed, 0);
	sp_test_tx_clear(f->env);
	/* Window opens: the rest goes. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 2, T_ACK, 1000, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.len, 2);
	assert_memory_equal(o.data, "bc", 2);
	fx_free(f);
}

/* Send @p len bytes of @p data on the fixture's connection: every segment goes out at once. */
static void
flight_out(struct fx *f, const char *data, size_t len)
{
	struct t_out o;
	size_t sent = 0;

	assert_int_equal(sp_tcp_send(f->app.c, data, len), (ssize_t)len);
	while (t_pop(f->env, &o))
		sent += o.len;
	assert_int_equal(sent, len);
}

/*
 * A peer that shrinks its window below what is in flight (RFC 9293 3.8.6.2.2: the sender must
 * be robust against it): no new data while the usable window is negative, and the
 * retransmission timeout resends from SND.UNA only what the new right edge allows, not the
 * whole flight; what lies beyond goes once the window opens. spindle was right: a regression
 * check.
 */
static void
test_window_shrink(void **state)
{
	static char data[4 * 536]; /* no MSS option: 536 */
	struct sp_config cfg;
	struct fx *f;
	struct t_out o;
	unsigned ms;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.tcp.tlp = false;
	f = fx_new(&cfg, 0);
	fx_open(f, T_PISN);
	flight_out(f, data, sizeof(data));
	/* The first segment acknowledged, the window 536: the right edge moves left by 1072. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1 + 536, T_ACK, 536, NULL, NULL, 0);
	assert_int_equal(sp_tcp_send(f->app.c, data, 536), 536);
	assert_int_equal(t_count(f->env), 0); /* nothing new beyond the shrunk edge */
	/* The timeout: the segment at SND.UNA again, one, within the window. */
	for (ms = 0; ms < 3000 && t_count(f->env) == 0; ms++)
		sp_test_advance_ms(f->env, 1);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss + 1 + 536);
	assert_int_equal(o.len, 536);
	assert_int_equal(t_count(f->env), 0);
	/* All acknowledged, the window open: the new data goes. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1 + sizeof(data), T_ACK, 65535, NULL,
		NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss + 1 + sizeof(data));
	assert_int_equal(o.len, 536);
	assert_int_equal(f->app.closed, 0);
	fx_free(f);
}

/*
 * RFC 9293 3.10.7.4: the window is taken only from an ACK with SND.UNA =< SEG.ACK. A segment
 * with newer data but an old ACK (below SND.UNA) and window 0 leaves the window open, as Linux
 * (tcp_ack()'s old_ack); it used to shut it, and the sender stalled until the next ACK.
 */
static void
test_old_ack_no_window(void **state)
{
	static char data[4 * 536]; /* no MSS option: 536 */
	static const char req[100];
	struct sp_config cfg;
	struct fx *f;
	struct t_out o;
	unsigned got = 0;

	(void)state;
	sp_test_default_cfg(&cfg);
	f = fx_new(&cfg, 0);
	fx_open(f, T_PISN);
	flight_out(f, data, sizeof(data));
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1 + 1072, T_ACK | T_PSH, 65535, NULL, req,
		sizeof(req));
	/* the peer's next data (newer SEG.SEQ) with an ACK below SND.UNA and window 0 */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + sizeof(req), f->iss + 1 + 536, T_ACK | T_PSH, 0,
		NULL, req, sizeof(req));
	while (t_pop(f->env, &o))
		; /* its ACK */
	assert_int_equal(sp_tcp_send(f->app.c, data, 536), 536);
	sp_tcp_flush(f->app.c);
	while (t_pop(f->env, &o))
		got += (unsigned)o.len;
	assert_int_equal(got, 536);
	fx_free(f);
}

/*
 * A peer that shuts its window with a flight outstanding and opens it again, ACK number
 * unchanged, gets nothing resent: only a persist probe the peer did not accept is sent again
 * from SND.UNA. Rewinding SND.NXT on every reopen let a peer toggling its window make spindle
 * resend its whole flight per ACK (33 frames per ACK in the lab).
 */
static void
test_window_reopen_no_resend(void **state)
{
	static char data[2 * 536]; /* two full segments (no MSS option: 536) */
	struct sp_config cfg;
	struct fx *f;
	struct t_out o;
	unsigned i;

	(void)state;
	sp_test_default_cfg(&cfg);
	f = fx_new(&cfg, 0);
	fx_open(f, T_PISN);
	flight_out(f, data, sizeof(data));
	for (i = 0; i < 10; i++) {
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 0, NULL, NULL, 0);
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	}
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, RetransSegs), 0);
	/* The flight is acknowledged: the connection goes on as before. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1 + sizeof(data), T_ACK, 65535, NULL,
		NULL, 0);
	assert_int_equal(sp_tcp_send(f->app.c, "x", 1), 1);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss + 1 + sizeof(data));
	fx_free(f);
}

/*
 * After sp_tcp_close() nobody waits for the data: a peer that answers every probe with a zero
 * window gets tcp.orphan_retries probes without progress, then a RST (RFC 6429, Linux's
 * tcp_orphan_retries), instead of holding the connection and its buffer for good.
 */
static void
test_orphan_persist_ends(void **state)
{
	struct sp_config cfg;
	struct fx *f;
	struct t_out o;
	int i, probes = 0;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.tcp.orphan_retries = 4;
	f = zero_window_abc(&cfg);
	assert_int_equal(sp_tcp_close(f->app.c), 0);
	for (i = 0; i < 30 && T_STAT(f->env, TCPAbortOnOrphanProbe) == 0; i++) {
		sp_test_advance_ms(f->env, 1001);
		while (t_pop(f->env, &o))
			probes += o.len == 1 && !(o.h.flags & T_RST);
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 0, NULL, NULL, 0);
	}
	assert_int_equal(T_STAT(f->env, TCPAbortOnOrphanProbe), 1);
	assert_int_equal(probes, 4);
	assert_int_equal(T_STAT(f->env, TCPWinProbe), 4);
	fx_free(f);
}

/* A connection (its SYN with @p so) with keepalive after 1 s idle, 2 probes 100 ms apart. */
static struct fx *
keepalive_fx(const struct sp_tcp_opts *so)
{
	struct sp_config cfg;
	struct fx *f;

	sp_test_default_cfg(&cfg);
	cfg.tcp.keepalive_idle_ms = 1000;
	cfg.tcp.keepalive_intvl_ms = 100;
	cfg.tcp.keepalive_probes = 2;
	f = fx_new(&cfg, 0);
	fx_open_opts(f, T_PISN, so);
	return f;
}

/*
 * Unanswered probes drop the connection within 3 s; with @p forge, a segment outside the window
 * arrives every 50 ms meanwhile.
 */
static void
keepalive_until_dropped(struct fx *f, bool forge)
{
	int i;

	for (i = 0; i < 60 && f->app.closed == 0; i++) {
		if (forge)
			t_seg(f->env, T_RPORT, T_LPORT, f->pseq - 0x40000000u, f->iss + 1, T_ACK,
				65535, NULL, NULL, 0);
		sp_test_advance_ms(f->env, 50);
	}
	assert_int_equal(f->app.closed, 1);
	assert_int_equal(f->app.closed_err, -ETIMEDOUT);
	fx_free(f);
}

static void
test_keepalive(void **state)
{
	struct fx *f = keepalive_fx(NULL);
	struct t_out o;

	(void)state;
	sp_test_advance_ms(f->env, 990);
	assert_int_equal(t_count(f->env), 0);
	sp_test_advance_ms(f->env, 20);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss); /* SND.UNA - 1 */
	assert_int_equal(T_STAT(f->env, TCPKeepAlive), 1);
	/* Answered: the idle timer starts again. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	sp_test_advance_ms(f->env, 500);
	assert_int_equal(t_count(f->env), 0);
	/* Unanswered: probes, then the connection is dropped. */
	keepalive_until_dropped(f, false);
}

/*
 * Only a segment in the window says the peer is alive: out-of-window segments and old
 * timestamps (a forger that knows the 4-tuple) neither put off the first keepalive probe nor
 * stop the count that drops a dead peer. They used to, and kept the connection for good.
 */
static void
test_keepalive_not_fed_by_forgeries(void **state)
{
	struct sp_tcp_opts so = {.has_ts = true, .ts_val = 1000};
	struct fx *f = keepalive_fx(&so);
	struct t_out o;

	(void)state;
	sp_test_advance_ms(f->env, 900);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 0x40000000u, f->iss + 1, T_ACK, 65535, &so, NULL,
		0);
	so.ts_val = 10; /* older than TS.Recent: PAWS */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, &so, NULL, 0);
	sp_test_tx_clear(f->env);
	sp_test_advance_ms(f->env, 110);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss); /* the probe, on time */
	assert_int_equal(T_STAT(f->env, TCPKeepAlive), 1);
	/* Forgeries between the probes: the dead peer's connection is dropped all the same. */
	keepalive_until_dropped(f, true);
}

/*
 * An abort while a zero-window probe is unaccepted: the RST carries SND.UNA (the peer's RCV.NXT,
 * the window's right edge), not SND.NXT one beyond it, which an RFC 5961 peer would only
 * challenge (Linux: tcp_acceptable_seq()).
 */
static void
test_rst_after_unaccepted_probe(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, T_PISN);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 0, NULL, NULL, 0);
	assert_int_equal(sp_tcp_send(f->app.c, "abcdef", 6), 6);
	sp_test_advance_ms(f->env, 1001);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.len, 1); /* the probe: SND.NXT is now SND.UNA + 1 */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 0, NULL, NULL, 0);
	sp_tcp_abort(f->app.c);
	t_expect(f->env, &o, T_RST | T_ACK);
	assert_int_equal(o.h.seq, f->iss + 1);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rst_after_unaccepted_probe),
		cmocka_unit_test(test_data_in_delayed_ack),
		cmocka_unit_test(test_data_out_rto_backoff_karn),
		cmocka_unit_test(test_rto_abort),
		cmocka_unit_test(test_zero_window_persist),
		cmocka_unit_test(test_window_reopen_no_resend),
		cmocka_unit_test(test_window_shrink),
		cmocka_unit_test(test_old_ack_no_window),
		cmocka_unit_test(test_orphan_persist_ends),
		cmocka_unit_test(test_piggyback_ack),
		cmocka_unit_test(test_lazy_rto),
		cmocka_unit_test(test_lazy_delayed_ack),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_keepalive_not_fed_by_forgeries),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Buffer autotuning (docs/tcp.md "Buffer autotuning"): the send buffer grows to two congestion
 * windows when it was what limited the sender (tcp_sndbuf.c), the receive buffer to what the
 * bytes of a round trip call for (tcp_in.c), both up to their tcp.*_max, never at tcp_mem's low
 * mark; the window scale is chosen for tcp.rcvbuf_max, and the advertised right edge never
 * moves left (tcp_out.c). The test plays the peer with tcp_helper.h.
 */
#include "tcp_helper.h"

/* A stack with these buffer sizes and bounds (0: autotuning off). */
static struct fx *
fx_bufs(uint32_t sndbuf, uint32_t sndbuf_max, uint32_t rcvbuf, uint32_t rcvbuf_max)
{
	struct sp_config cfg;

	sp_test_default_cfg(&cfg);
	cfg.tcp.sndbuf = sndbuf;
	cfg.tcp.sndbuf_max = sndbuf_max;
	cfg.tcp.rcvbuf = rcvbuf;
	cfg.tcp.rcvbuf_max = rcvbuf_max;
	return fx_new(&cfg, 0);
}

/* Handshake with MSS 1460 and, when @p wscale, a peer window scale of 7. */
static void
open_mss(struct fx *f, bool wscale)
{
	struct sp_tcp_opts so = {.has_mss = true, .mss = 1460, .has_wscale = wscale, .wscale = 7};

	fx_open_opts(f, T_PISN, &so);
	sp_tcp_set_nodelay(f->app.c, true); /* the buffer's short tail goes at once too */
}

/* Everything the stack sent: the highest sequence it reached. */
static uint32_t
drain(struct fx *f)
{
	uint32_t hi = f->iss + 1;
	struct t_out o;

	while (t_pop(f->env, &o))
		if (o.len > 0)
			hi = o.h.seq + (uint32_t)o.len;
	return hi;
}

/*
 * The application wants to send more than the buffer holds and the ACK of all of it finds cwnd
 * and the peer's window larger than what was in flight: the buffer was the limit, it grows to
 * two congestion windows (bounded by @p max); the sender is told it may write again.
 * @return the send space after the ACK.
 */
static size_t
fill_and_ack(struct fx *f, uint16_t peer_win)
{
	static uint8_t buf[64 * 1024];
	uint32_t hi;

	assert_int_equal(sp_tcp_send(f->app.c, buf, sizeof(buf)), 4096);
	hi = drain(f);
	assert_int_equal(hi, f->iss + 1 + 4096);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, hi, T_ACK, peer_win, NULL, NULL, 0);
	return sp_tcp_send_space(f->app.c);
}

static void
test_sndbuf_grows_when_it_limits(void **state)
{
	struct fx *f = fx_bufs(4096, 1 << 20, 262144, 0);
	struct sp_tcp_info info;
	size_t space;

	(void)state;
	open_mss(f, true);
	space = fill_and_ack(f, 65535); /* 65535 << 7: the peer's window is no limit */
	sp_tcp_get_info(f->app.c, &info);
	/* Initial window 10 segments, + 4096 acked in slow start: the buffer was the limit. */
	assert_true(info.cwnd > 4096);
	assert_int_equal(space, 2 * (size_t)info.cwnd);
	assert_int_equal(T_STAT(f->env, TCPSndBufExpand), 1);
	assert_int_equal(f->app.writable, 1);
	fx_free(f);
}

/*
 * The bound: growth stops at tcp.sndbuf_max; at or below tcp.sndbuf autotuning is off and the
 * buffer keeps its size.
 */
static void
test_sndbuf_bounds(void **state)
{
	static const struct {
		uint32_t max;
		size_t space;
		uint64_t expands;
	} cases[] = {{8192, 8192, 1}, {4096, 4096, 0}, {0, 4096, 0}};
	unsigned i;

	(void)state;
	for (i = 0; i < RTE_DIM(cases); i++) {
		struct fx *f = fx_bufs(4096, cases[i].max, 262144, 0);

		open_mss(f, true);
		assert_int_equal(fill_and_ack(f, 65535), cases[i].space);
		assert_int_equal(T_STAT(f->env, TCPSndBufExpand), cases[i].expands);
		fx_free(f);
	}
}

/* The peer's window (4096 bytes, no scaling) was the limit: a larger buffer would not help. */
static void
test_sndbuf_not_when_window_limited(void **state)
{
	struct fx *f = fx_bufs(4096, 1 << 20, 262144, 0);

	(void)state;
	open_mss(f, false);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 4096, NULL, NULL, 0);
	assert_int_equal(fill_and_ack(f, 4096), 4096);
	assert_int_equal(T_STAT(f->env, TCPSndBufExpand), 0);
	fx_free(f);
}

/* Connections hold tcp_mem's low mark (an out-of-order segment here): no growth, counted. */
static void
test_sndbuf_not_at_mem_low(void **state)
{
	struct sp_config cfg;
	struct fx *f;
	uint8_t b = 1;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.tcp.sndbuf = 4096;
	cfg.tcp.sndbuf_max = 1 << 20;
	cfg.tcp.mem_low = 1;
	cfg.tcp.mem_pressure = 100;
	cfg.tcp.mem_high = 200;
	f = fx_new(&cfg, 0);
	open_mss(f, true);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 100, f->iss + 1, T_ACK, 65535, NULL, &b, 1);
	sp_test_tx_clear(f->env);
	assert_int_equal(fill_and_ack(f, 65535), 4096);
	assert_int_equal(T_STAT(f->env, TCPSndBufExpand), 0);
	assert_int_equal(T_STAT(f->env, TCPBufTuneMemLimited), 1);
	fx_free(f);
}

/*
 * The peer sends @p rounds round trips of @p per_rtt bytes each, one round trip per millisecond,
 * each segment acknowledged. The right edge of every ACK (ACK + window << @p ws) is checked not
 * to move left. @return the last ACK's window, scaled.
 */
static uint32_t
peer_rounds(struct fx *f, unsigned rounds, uint32_t per_rtt, uint8_t ws)
{
	static uint8_t seg[1024];
	uint32_t edge = 0, wnd = 0, sent;
	bool first = true;
	struct t_out o;
	unsigned r;

	for (r = 0; r < rounds; r++) {
		for (sent = 0; sent < per_rtt; sent += sizeof(seg)) {
			t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL,
				seg, sizeof(seg));
			f->pseq += sizeof(seg);
			while (t_pop(f->env, &o)) {
				wnd = (uint32_t)o.h.win << ws;
				if (!first)
					assert_true((int32_t)(o.h.ack + wnd - edge) >= 0);
				edge = o.h.ack + wnd;
				first = false;
			}
		}
		sp_test_idle_ms(f->env, 1);
	}
	sp_test_advance_ms(f->env, 100); /* the last delayed ACK */
	while (t_pop(f->env, &o))
		wnd = (uint32_t)o.h.win << ws;
	return wnd;
}

/*
 * A sender whose round trips bring more and more (16 KB, then 32 KB... as the window lets it):
 * the receive buffer, and the window offered, grow past tcp.rcvbuf, bounded by tcp.rcvbuf_max;
 * the SYN-ACK's scale was chosen for the maximum.
 */
static void
test_rcvbuf_grows(void **state)
{
	struct fx *f = fx_bufs(262144, 0, 16384, 1 << 20);
	struct sp_tcp_opts so = {.has_mss = true, .mss = 1460, .has_wscale = true, .wscale = 7};
	struct sp_tcp_info info;
	struct t_out o;
	uint32_t wnd;

	(void)state;
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.opts.wscale, 5); /* 1 MB >> 5 fits 16 bits; 16 KB would need 0 */
	f->iss = o.h.seq;
	f->pseq = T_PISN + 1;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	wnd = peer_rounds(f, 2, 16384, 5);
	wnd = peer_rounds(f, 3, 65536, 5);
	sp_tcp_get_info(f->app.c, &info);
	assert_true(info.rcv_wnd > 16384);
	assert_true(info.rcv_wnd <= 1 << 20);
	assert_true(wnd > 16384);
	assert_true(T_STAT(f->env, TCPRcvBufExpand) >= 1);
	/* Far more than the maximum: it stays there. */
	wnd = peer_rounds(f, 4, 1 << 20, 5);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.rcv_wnd, 1 << 20);
	assert_int_equal(wnd, 1 << 20);
	fx_free(f);
}

/* A steady sender (the same bytes every round trip) does not grow the buffer further. */
static void
test_rcvbuf_steady_sender(void **state)
{
	struct fx *f = fx_bufs(262144, 0, 65536, 1 << 20);
	struct sp_tcp_info info;
	uint64_t grown;
	uint32_t before;

	(void)state;
	open_mss(f, true);
	peer_rounds(f, 3, 8192, 4);
	grown = T_STAT(f->env, TCPRcvBufExpand);
	sp_tcp_get_info(f->app.c, &info);
	before = info.rcv_wnd;
	peer_rounds(f, 6, 8192, 4);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(T_STAT(f->env, TCPRcvBufExpand), grown);
	assert_int_equal(info.rcv_wnd, before);
	fx_free(f);
}

/* tcp.rcvbuf_max 0: the buffer keeps tcp.rcvbuf and the scale is the buffer's own. */
static void
test_rcvbuf_off(void **state)
{
	struct fx *f = fx_bufs(262144, 0, 16384, 0);
	struct sp_tcp_opts so = {.has_mss = true, .mss = 1460, .has_wscale = true, .wscale = 7};
	struct sp_tcp_info info;
	struct t_out o;

	(void)state;
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.opts.wscale, 0);
	f->iss = o.h.seq;
	f->pseq = T_PISN + 1;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(peer_rounds(f, 4, 16384, 0), 16384);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.rcv_wnd, 16384);
	assert_int_equal(T_STAT(f->env, TCPRcvBufExpand), 0);
	fx_free(f);
}

/*
 * Receive flow control: RCV.NXT and the bytes held grow together, and the window field rounded
 * down to the scale (8 here) would move the right edge left by up to 7 bytes: the stack rounds
 * the old edge up instead (RFC 9293 3.8.6.2.2, RFC 7323 2.4).
 */
static void
test_window_never_shrinks_with_scale(void **state)
{
	struct fx *f = fx_bufs(262144, 0, 262144, 0);
	uint32_t edge, e;
	struct t_out o;
	uint8_t b[3] = {1, 2, 3};
	int i;

	(void)state;
	open_mss(f, true);
	sp_tcp_set_recv_flow(f->app.c, true);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, b, 1);
	f->pseq += 1;
	sp_test_advance_ms(f->env, 100);
	t_expect(f->env, &o, T_ACK);
	edge = o.h.ack + ((uint32_t)o.h.win << 3); /* 262143 rounded down: 262136 */
	assert_int_equal(edge, f->pseq + 262136);
	for (i = 0; i < 8; i++) {
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, b,
			1 + i % 3);
		f->pseq += 1 + i % 3;
		sp_test_advance_ms(f->env, 100);
		t_expect(f->env, &o, T_ACK);
		assert_int_equal(o.h.ack, f->pseq);
		e = o.h.ack + ((uint32_t)o.h.win << 3);
		assert_true((int32_t)(e - edge) >= 0);
		edge = e;
	}
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sndbuf_grows_when_it_limits),
		cmocka_unit_test(test_sndbuf_bounds),
		cmocka_unit_test(test_sndbuf_not_when_window_limited),
		cmocka_unit_test(test_sndbuf_not_at_mem_low),
		cmocka_unit_test(test_rcvbuf_grows),
		cmocka_unit_test(test_rcvbuf_steady_sender),
		cmocka_unit_test(test_rcvbuf_off),
		cmocka_unit_test(test_window_never_shrinks_with_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

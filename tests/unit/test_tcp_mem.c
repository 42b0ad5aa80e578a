/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP memory (tcp_mem.c, tcp_reass.c, tcp_sndbuf.c; docs/tcp.md "Memory"): accounting through
 * every path that takes or frees an mbuf, collapse of tiny out-of-order segments, pruning and
 * refusal at the marks, back-pressure on sends and the writable() wake-up, aborts of stalled
 * holders; and two sender rules: the minimum send MSS and the zero-window probe rollback. The
 * test plays the peer with tcp_helper.h; the env checks at free that no mbuf leaked.
 */
#include <errno.h>

#include "tcp_helper.h"

static struct sp_tcp_mem_info
mem(const struct fx *f)
{
	struct sp_tcp_mem_info mi;

	sp_tcp_mem_get(f->env->ctx, &mi);
	return mi;
}

/* A stack whose marks are small enough to reach with a few segments. */
static struct fx *
fx_marks(uint32_t low, uint32_t pressure, uint32_t high)
{
	struct sp_config cfg;

	sp_test_default_cfg(&cfg);
	cfg.tcp.mem_low = low;
	cfg.tcp.mem_pressure = pressure;
	cfg.tcp.mem_high = high;
	cfg.tcp.mem_conn_min = 2;
	cfg.tcp.mem_stall_ms = 1000;
	return fx_new(&cfg, 0);
}

/* 600 one-byte segments with gaps cost one pack mbuf, not 600; the hole filled, all arrive. */
static void
test_collapse_tiny(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	uint8_t b;
	int i;

	(void)state;
	fx_open(f, T_PISN);
	for (i = 1; i <= 200; i++) {
		b = (uint8_t)i;
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 2 * i, f->iss + 1, T_ACK, 65535, NULL, &b,
			1);
	}
	assert_int_equal(T_STAT(f->env, TCPOFOQueue), 200);
	assert_int_equal(T_STAT(f->env, TCPRcvCollapsed), 200);
	assert_int_equal(mem(f).ooo, 1);
	/* Contiguous tiny segments after the last one grow its entry (one pack, no new entry). */
	b = 0xaa;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 401, f->iss + 1, T_ACK, 65535, NULL, &b, 1);
	assert_int_equal(T_STAT(f->env, TCPOFOMerge), 1);
	assert_int_equal(mem(f).ooo, 1);
	/* Fill every hole: bytes 0, 1, 3, 5, ... in order. */
	for (i = 0; i <= 200; i++) {
		b = (uint8_t)(0x80 | i);
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq + (i == 0 ? 0 : 2 * i - 1), f->iss + 1,
			T_ACK, 65535, NULL, &b, 1);
	}
	assert_int_equal(f->app.rx_len, 402);
	assert_int_equal(f->app.rx[0], 0x80);
	for (i = 1; i <= 200; i++) {
		assert_int_equal(f->app.rx[2 * i - 1], 0x80 | i);
		assert_int_equal(f->app.rx[2 * i], (uint8_t)i);
	}
	assert_int_equal(f->app.rx[401], 0xaa);
	assert_int_equal(mem(f).mbufs, 0);
	fx_free(f);
}

/* Full-size out-of-order segments stop at the pressure mark; a segment nearer RCV.NXT prunes
 * the far end to take its place. */
static void
test_ooo_prune(void **state)
{
	struct fx *f = fx_marks(2, 4, 8);
	static uint8_t big[1000];
	int i;

	(void)state;
	fx_open(f, T_PISN);
	for (i = 0; i < 6; i++)
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 2000 + 2000 * i, f->iss + 1, T_ACK, 65535,
			NULL, big, sizeof(big));
	assert_int_equal(T_STAT(f->env, TCPOFOQueue), 4);
	assert_int_equal(T_STAT(f->env, TCPOFODrop), 2);
	assert_int_equal(mem(f).ooo, 4);
	assert_true(mem(f).under_pressure);
	assert_int_equal(T_STAT(f->env, TCPMemoryPressures), 1);
	/*
	 * Below all of them: under pressure the connection may hold tcp.mem_conn_min (2), so the
	 * far end is pruned until it is below that: three of the four go, the nearest stays.
	 */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 500, f->iss + 1, T_ACK, 65535, NULL, big,
		sizeof(big));
	assert_int_equal(T_STAT(f->env, PruneCalled), 1);
	assert_int_equal(T_STAT(f->env, OfoPruned), 3);
	assert_int_equal(T_STAT(f->env, TCPOFOQueue), 5);
	assert_int_equal(mem(f).ooo, 2);
	/* The hole before it filled: delivered, charge given back, pressure over. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, big, 500);
	assert_int_equal(f->app.rx_len, 1500);
	assert_int_equal(mem(f).ooo, 1);
	assert_false(mem(f).under_pressure);
	fx_free(f);
}

/* Sends are cut short at the marks; writable() comes when memory is back below low. */
static void
test_send_backpressure(void **state)
{
	struct fx *f = fx_marks(2, 4, 8);
	static uint8_t buf[64 * 1024];
	struct t_out o;
	ssize_t n;
	int i;

	(void)state;
	fx_open(f, T_PISN);
	/* Zero window: nothing leaves, everything stays in the send buffer. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 0, NULL, NULL, 0);
	n = sp_tcp_send(f->app.c, buf, sizeof(buf));
	assert_true(n > 0 && (size_t)n < sizeof(buf));
	assert_int_equal(mem(f).snd, 4);
	assert_true(T_STAT(f->env, TCPMemoryRefused) >= 1);
	assert_int_equal(sp_tcp_send_space(f->app.c), 0);
	assert_int_equal(mem(f).waiting, 1);
	/* The peer opens its window and takes everything: memory back, writable() called. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	for (i = 0; i < 20 && mem(f).snd > 0; i++) {
		uint32_t hi = f->iss + 1;

		while (t_pop(f->env, &o))
			hi = o.h.seq + (uint32_t)o.len;
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq, hi, T_ACK, 65535, NULL, NULL, 0);
	}
	assert_int_equal(mem(f).snd, 0);
	assert_true(f->app.writable >= 1);
	sp_test_advance_ms(f->env, 100);
	assert_int_equal(mem(f).waiting, 0);
	assert_true(sp_tcp_send_space(f->app.c) > 0);
	fx_free(f);
}

/* A writer blocked because another connection holds the memory is woken when it is freed. */
static void
test_wake_when_memory_back(void **state)
{
	struct fx *f = fx_marks(3, 4, 8);
	static uint8_t buf[64 * 1024];
	struct sp_conn *a, *b;
	struct t_out o;
	uint32_t biss;

	(void)state;
	fx_open(f, T_PISN);
	a = f->app.c;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 0, NULL, NULL, 0);
	assert_true(sp_tcp_send(a, buf, sizeof(buf)) > 0);
	assert_int_equal(mem(f).snd, 4);
	/* A second connection from another port, also with a closed window. */
	t_seg(f->env, T_RPORT + 1, T_LPORT, 5000, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	biss = o.h.seq;
	t_seg(f->env, T_RPORT + 1, T_LPORT, 5001, biss + 1, T_ACK, 0, NULL, NULL, 0);
	b = f->app.c;
	assert_ptr_not_equal(a, b);
	assert_true(sp_tcp_send(b, buf, sizeof(buf)) > 0);
	assert_int_equal(mem(f).snd, 6); /* b got tcp.mem_conn_min under pressure */
	assert_int_equal(mem(f).waiting, 2);
	assert_int_equal(sp_tcp_send_space(b), 0);
	/* a goes: memory falls below low, b hears writable() at the next check. */
	sp_tcp_abort(a);
	f->app.writable = 0;
	sp_test_advance_ms(f->env, 60);
	assert_int_equal(f->app.writable, 1);
	assert_int_equal(mem(f).waiting, 0);
	assert_true(sp_tcp_send_space(b) > 0);
	sp_tcp_abort(b);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/* Under pressure, a connection that holds memory without progress is aborted (RST). */
static void
test_stalled_holder_aborted(void **state)
{
	struct fx *f = fx_marks(2, 4, 8);
	static uint8_t buf[64 * 1024];
	struct t_out o;

	(void)state;
	fx_open(f, T_PISN);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 0, NULL, NULL, 0);
	assert_true(sp_tcp_send(f->app.c, buf, sizeof(buf)) > 0);
	assert_true(mem(f).under_pressure);
	/* Before mem_stall_ms: kept. */
	sp_test_advance_ms(f->env, 500);
	assert_int_equal(f->app.closed, 0);
	/* The peer answers the persist probes with window 0: no progress. */
	sp_test_advance_ms(f->env, 1000);
	assert_int_equal(f->app.closed, 1);
	assert_int_equal(f->app.closed_err, -ENOMEM);
	assert_int_equal(T_STAT(f->env, TCPAbortOnMemory), 1);
	assert_int_equal(mem(f).mbufs, 0);
	assert_int_equal(mem(f).aborts, 1);
	/* The last segment it sent is the RST. */
	memset(&o, 0, sizeof(o));
	while (t_pop(f->env, &o) && !(o.h.flags & T_RST))
		;
	assert_true(o.h.flags & T_RST);
	fx_free(f);
}

/* A connection torn down with both queues full gives every charge back. */
static void
test_accounting_on_abort(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	static uint8_t big[1000];

	(void)state;
	fx_open(f, T_PISN);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 0, NULL, NULL, 0);
	assert_true(sp_tcp_send(f->app.c, big, sizeof(big)) == sizeof(big));
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 5000, f->iss + 1, T_ACK, 0, NULL, big,
		sizeof(big));
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 7000, f->iss + 1, T_ACK, 0, NULL, "x", 1);
	assert_int_equal(mem(f).snd, 1);
	assert_int_equal(mem(f).ooo, 2);
	assert_int_equal(mem(f).mbufs, 3);
	sp_tcp_abort(f->app.c);
	assert_int_equal(mem(f).mbufs, 0);
	assert_int_equal(mem(f).snd + mem(f).ooo, 0);
	fx_free(f);
}

/* A peer announcing MSS 8 (with options @so) gets segments of tcp.min_snd_mss (48) bytes. */
static void
min_snd_mss_case(struct sp_tcp_opts *so)
{
	struct fx *f = fx_new(NULL, 0);
	static uint8_t buf[200];
	struct t_out o;

	fx_open_opts(f, T_PISN, so);
	sp_tcp_set_nodelay(f->app.c, true);
	assert_int_equal(sp_tcp_send(f->app.c, buf, 100), 100);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.len, 48);
	fx_free(f);
}

/* MSS 8 gets segments of tcp.min_snd_mss (48) bytes, not 8. */
static void
test_min_snd_mss(void **state)
{
	struct sp_tcp_opts so = {.has_mss = true, .mss = 8};

	(void)state;
	min_snd_mss_case(&so);
}

/* The same with timestamps: MSS 8 less their 12 bytes clamps to 48, it does not wrap. */
static void
test_min_snd_mss_ts(void **state)
{
	struct sp_tcp_opts so = {.has_mss = true, .mss = 8, .has_ts = true, .ts_val = 1};

	(void)state;
	min_snd_mss_case(&so);
}

/*
 * RFC 9293 3.8.6.1: a zero-window probe the peer did not accept is resent when the window opens:
 * sending resumes at SND.UNA, not after the probe byte.
 */
static void
test_probe_byte_rollback(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	static uint8_t buf[32];
	struct t_out o;

	(void)state;
	memset(buf, 'p', sizeof(buf));
	fx_open(f, T_PISN);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 0, NULL, NULL, 0);
	assert_int_equal(sp_tcp_send(f->app.c, buf, sizeof(buf)), 32);
	assert_int_equal(t_count(f->env), 0);
	sp_test_advance_ms(f->env, 1001);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss + 1);
	assert_int_equal(o.len, 1);
	/* Not accepted: ACK stays, window 0. Then a pure window update. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 0, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss + 1);
	assert_int_equal(o.len, 32);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collapse_tiny),
		cmocka_unit_test(test_ooo_prune),
		cmocka_unit_test(test_send_backpressure),
		cmocka_unit_test(test_wake_when_memory_back),
		cmocka_unit_test(test_stalled_holder_aborted),
		cmocka_unit_test(test_accounting_on_abort),
		cmocka_unit_test(test_min_snd_mss),
		cmocka_unit_test(test_min_snd_mss_ts),
		cmocka_unit_test(test_probe_byte_rollback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

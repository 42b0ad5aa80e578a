/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP connections open and close: passive and active open with and without options, SYN
 * cookies, refusals, the close sequences and TIME-WAIT, RST and the RFC 5961 challenges. The
 * test plays the peer with tcp_helper.h; data, SACK/TLP and timers have files of their own
 * (test_tcp_data.c, test_tcp_sack.c, test_tcp_timers.c).
 */
#include <errno.h>

#include "tcp_helper.h"
#include "sp_ctx.h"
#include "tcp.h"
#include "tcp_isn.h"

static void
test_passive_open_options(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct sp_tcp_opts so = {.has_mss = true,
		.mss = 1400,
		.has_wscale = true,
		.wscale = 7,
		.has_sack_perm = true,
		.has_ts = true,
		.ts_val = 12345};
	struct sp_tcp_info info;
	struct t_out o;

	(void)state;
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.ack, T_PISN + 1);
	assert_true(o.h.opts.has_mss);
	assert_int_equal(o.h.opts.mss, 1460); /* MTU 1500 - 40 */
	assert_true(o.h.opts.has_wscale);
	assert_int_equal(o.h.opts.wscale, 3); /* autotuning off: rcvbuf 262144 >> 3 fits 16 bits */
	assert_true(o.h.opts.has_sack_perm);
	assert_true(o.h.opts.has_ts);
	assert_int_equal(o.h.opts.ts_ecr, 12345);
	assert_int_equal(T_STAT(f->env, PassiveOpens), 1);
	so.has_mss = so.has_wscale = so.has_sack_perm = false;
	so.ts_val = 12346;
	so.ts_ecr = o.h.opts.ts_val;
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 1, o.h.seq + 1, T_ACK, 100, &so, NULL, 0);
	assert_int_equal(f->app.accepted, 1);
	sp_tcp_get_info(f->app.c, &info);
	assert_string_equal(info.state, "ESTABLISHED");
	assert_int_equal(info.mss_send, 1400 - 12);
	assert_int_equal(info.snd_wscale, 7);
	assert_int_equal(info.snd_wnd, 100 << 7);
	assert_true(info.sack);
	assert_true(info.timestamps);
	assert_int_equal(T_STAT(f->env, CurrEstab), 1);
	fx_free(f);
}

static void
test_passive_open_no_options(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct sp_tcp_info info;
	struct t_out o;

	(void)state;
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_true(o.h.opts.has_mss);
	assert_false(o.h.opts.has_wscale);
	assert_false(o.h.opts.has_sack_perm);
	assert_false(o.h.opts.has_ts);
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 1, o.h.seq + 1, T_ACK, 65535, NULL, NULL, 0);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.mss_send, 536); /* RFC 9293 3.7.1 default */
	assert_int_equal(info.rcv_wscale, 0);
	fx_free(f);
}

/*
 * Window scale 15 on a SYN (RFC 7323 2.3: used as 14, the error logged): the connection scales
 * by 14 and tcp_wscale_clamped counts it, on a SYN answered with a cookie too (uncounted before).
 */
static void
test_passive_open_wscale_15(void **state)
{
	struct fx *f = fx_new(NULL, 1);
	struct sp_tcp_opts so = {.has_mss = true, .mss = 1400, .has_wscale = true, .wscale = 15};
	struct sp_tcp_info info;
	struct t_out o, c;

	(void)state;
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(T_STAT(f->env, tcp_wscale_clamped), 1);
	/* the backlog of 1 is taken: the next SYN gets a cookie */
	so.has_ts = true;
	so.ts_val = 7;
	t_seg(f->env, T_RPORT + 1, T_LPORT, 5000, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &c, T_SYN | T_ACK);
	assert_int_equal(T_STAT(f->env, SyncookiesSent), 1);
	assert_int_equal(T_STAT(f->env, tcp_wscale_clamped), 2);
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 1, o.h.seq + 1, T_ACK, 1, NULL, NULL, 0);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.snd_wscale, 14);
	assert_int_equal(info.snd_wnd, 1u << 14);
	fx_free(f);
}

static void
test_no_listener_rst(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct t_out o;

	(void)state;
	t_seg(env, T_RPORT, 81, 5000, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(env, &o, T_RST | T_ACK);
	assert_int_equal(o.h.seq, 0);
	assert_int_equal(o.h.ack, 5001);
	t_seg(env, T_RPORT, 81, 5000, 777, T_ACK, 65535, NULL, NULL, 0);
	t_expect(env, &o, T_RST);
	assert_int_equal(o.h.seq, 777);
	/* Never a RST for a RST. */
	t_seg(env, T_RPORT, 81, 5000, 777, T_RST, 0, NULL, NULL, 0);
	assert_int_equal(t_count(env), 0);
	assert_int_equal(T_STAT(env, TCPNoListener), 3);
	sp_test_env_free(env);
}

/* SYN+FIN to a listener (a scan, a filter evasion): dropped and counted, as Linux does. */
static void
test_listen_syn_fin(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN, 0, T_SYN | T_FIN, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPSynFinDrops), 1);
	assert_int_equal(T_STAT(f->env, PassiveOpens), 0);
	/* the plain SYN of the same tuple opens as usual */
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	fx_free(f);
}

/* ESTABLISHED -> CLOSE-WAIT -> LAST-ACK -> CLOSED: closed(0) exactly once. */
static void
test_passive_close(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, T_PISN);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK | T_FIN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 1);
	assert_int_equal(f->app.peer_closed, 1);
	/* Half-close: we may still send. */
	assert_int_equal(sp_tcp_send(f->app.c, "bye", 3), 3);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(sp_tcp_close(f->app.c), 0);
	t_expect(f->env, &o, T_ACK | T_FIN);
	assert_int_equal(o.h.seq, f->iss + 4);
	assert_int_equal(f->app.closed, 0);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 1, f->iss + 5, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(f->app.closed, 1);
	assert_int_equal(f->app.closed_err, 0);
	assert_int_equal(T_STAT(f->env, CurrEstab), 0);
	/* The connection is gone: a segment now gets a RST. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 1, f->iss + 5, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_RST);
	assert_int_equal(f->app.closed, 1);
	fx_free(f);
}

/*
 * A closed connection's memory serves the next one (tcp_conn.c keeps freed ones per lcore):
 * the new connection starts from zero, so it is accepted, closes and is reported like the first.
 */
static void
test_conn_memory_reused_clean(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct sp_conn *first;
	struct t_out o;

	(void)state;
	fx_open(f, T_PISN);
	first = f->app.c;
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, 0, T_RST, 0, NULL, NULL, 0);
	assert_int_equal(f->app.closed, 1);
	assert_int_equal(f->app.closed_err, -ECONNRESET);

	t_seg(f->env, T_RPORT + 1, T_LPORT, T_PISN, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	t_seg(f->env, T_RPORT + 1, T_LPORT, T_PISN + 1, o.h.seq + 1, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(f->app.accepted, 2);
	assert_ptr_equal(f->app.c, first);
	assert_int_equal(T_STAT(f->env, CurrEstab), 1);
	assert_int_equal(sp_tcp_close(f->app.c), 0);
	t_expect(f->env, &o, T_ACK | T_FIN);
	t_seg(f->env, T_RPORT + 1, T_LPORT, T_PISN + 1, o.h.seq + 1, T_ACK | T_FIN, 65535, NULL,
		NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(f->app.closed, 2);
	assert_int_equal(f->app.closed_err, 0);
	fx_free(f);
}

/*
 * The connection lookup (with its cache in front of the table, tcp_conn.c) finds each of many
 * connections of one peer, forgets one that ended, and finds the one that takes its tuple (and
 * memory) next; a segment for the ended one meanwhile gets the RST of a tuple without a
 * connection (RFC 9293 3.10.7.1), not the reused memory.
 */
static void
test_conn_lookup_follows_table(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct sp_conn *conns[40];
	struct sp_tcp_key k = {.lip = T_OUR_IP, .rip = T_PEER_IP, .lport = T_LPORT};
	struct t_out o;
	unsigned i;

	(void)state;
	for (i = 0; i < RTE_DIM(conns); i++) {
		t_seg(f->env, (uint16_t)(T_RPORT + i), T_LPORT, T_PISN, 0, T_SYN, 65535, NULL, NULL,
			0);
		t_expect(f->env, &o, T_SYN | T_ACK);
		t_seg(f->env, (uint16_t)(T_RPORT + i), T_LPORT, T_PISN + 1, o.h.seq + 1, T_ACK,
			65535, NULL, NULL, 0);
		assert_int_equal(f->app.accepted, (int)i + 1);
		conns[i] = f->app.c;
	}
	for (i = 0; i < RTE_DIM(conns); i++) {
		k.rport = (uint16_t)(T_RPORT + i);
		assert_ptr_equal(sp_tcp_conn_lookup(f->env->ctx, &k), conns[i]);
		assert_ptr_equal(
			sp_tcp_conn_lookup(f->env->ctx, &k), conns[i]); /* the cached one */
	}
	k.rport = T_RPORT;
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 1, 0, T_RST, 0, NULL, NULL, 0);
	assert_int_equal(f->app.closed, 1);
	assert_null(sp_tcp_conn_lookup(f->env->ctx, &k));
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 1, conns[0]->snd_nxt, T_ACK, 65535, NULL, "x", 1);
	t_expect(f->env, &o, T_RST);
	assert_int_equal(f->app.rx_len, 0);

	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 7, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 8, o.h.seq + 1, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(f->app.accepted, (int)RTE_DIM(conns) + 1);
	assert_ptr_equal(f->app.c, conns[0]); /* the same memory, from the spares */
	assert_ptr_equal(sp_tcp_conn_lookup(f->env->ctx, &k), conns[0]);
	assert_int_equal(conns[0]->rcv_nxt, T_PISN + 8);
	fx_free(f);
}

/* ESTABLISHED -> FIN-WAIT-1 -> FIN-WAIT-2 -> TIME-WAIT -> CLOSED after time_wait_ms. */
static void
test_active_close_time_wait(void **state)
{
	struct sp_config cfg;
	struct fx *f;
	struct t_out o;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.tcp.time_wait_ms = 500;
	f = fx_new(&cfg, 0);
	fx_open(f, T_PISN);
	sp_tcp_shutdown(f->app.c);
	t_expect(f->env, &o, T_ACK | T_FIN);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 2, T_ACK, 65535, NULL, NULL, 0);
	/* FIN-WAIT-2: data still arrives. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 2, T_ACK, 65535, NULL, "late", 4);
	assert_int_equal(f->app.rx_len, 4);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 4, f->iss + 2, T_ACK | T_FIN, 65535, NULL, NULL,
		0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 5);
	assert_int_equal(f->app.closed, 1);
	assert_int_equal(f->app.closed_err, 0);
	/* A retransmitted FIN in TIME-WAIT is ACKed again. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 4, f->iss + 2, T_ACK | T_FIN, 65535, NULL, NULL,
		0);
	t_expect(f->env, &o, T_ACK);
	sp_test_advance_ms(f->env, 510);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 5, f->iss + 2, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_RST);
	assert_int_equal(f->app.closed, 1);
	fx_free(f);
}

/* Simultaneous close: FIN-WAIT-1 -> CLOSING -> TIME-WAIT. */
static void
test_simultaneous_close(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, T_PISN);
	sp_tcp_close(f->app.c);
	t_expect(f->env, &o, T_ACK | T_FIN);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 1, T_ACK | T_FIN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(f->app.closed, 0);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 1, f->iss + 2, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(f->app.closed, 1);
	fx_free(f);
}

static void
test_rst_rfc5961(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, T_PISN);
	/* In window but not exact: challenge ACK, connection kept. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 10, 0, T_RST, 0, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq);
	assert_int_equal(f->app.closed, 0);
	/* Out of window: dropped silently. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 10000000, 0, T_RST, 0, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	/* SYN in ESTABLISHED: challenge ACK. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq + 5, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(T_STAT(f->env, TCPSYNChallenge), 1);
	assert_int_equal(T_STAT(f->env, TCPChallengeACK), 2);
	/* Exact: reset. */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, 0, T_RST, 0, NULL, NULL, 0);
	assert_int_equal(f->app.closed, 1);
	assert_int_equal(f->app.closed_err, -ECONNRESET);
	assert_int_equal(T_STAT(f->env, EstabResets), 1);
	fx_free(f);
}

/* An established connection whose challenge ACKs are limited to 3 per second. */
static struct fx *
chack_fx(void)
{
	struct sp_config cfg;
	struct fx *f;

	sp_test_default_cfg(&cfg);
	cfg.tcp.challenge_ack_limit = 3;
	f = fx_new(&cfg, 0);
	fx_open(f, T_PISN);
	return f;
}

/* @p n in-window RSTs from the peer, the first at @p off past its sequence number. */
static void
rst_burst(struct fx *f, uint32_t off, int n)
{
	int i;

	for (i = 0; i < n; i++)
		t_seg(f->env, T_RPORT, T_LPORT, f->pseq + off + i, 0, T_RST, 0, NULL, NULL, 0);
}

static void
test_challenge_ack_limit(void **state)
{
	struct fx *f = chack_fx();

	(void)state;
	rst_burst(f, 10, 5);
	assert_int_equal(t_count(f->env), 3);
	assert_int_equal(T_STAT(f->env, TCPChallengeACKLimited), 2);
	sp_test_tx_clear(f->env);
	sp_test_advance_ms(f->env, 1001);
	rst_burst(f, 10, 1);
	assert_int_equal(t_count(f->env), 1);
	fx_free(f);
}

/*
 * A RST burst that straddles a second boundary of the clock still gets at most the limit: the
 * second is counted from the first challenge ACK (the calendar second let through 2x the limit,
 * seen as 16 answers to 40 RSTs in the tcpconf suite).
 */
static void
test_challenge_ack_limit_straddles_second(void **state)
{
	struct fx *f = chack_fx();

	(void)state;
	/* the clock starts on a whole second: go to 1 ms before the next one */
	sp_test_advance_ms(f->env, 999 - (f->env->ctx->now / (f->env->ctx->hz / 1000)) % 1000);
	sp_test_tx_clear(f->env);
	rst_burst(f, 10, 2);
	sp_test_advance_ms(f->env, 2);
	rst_burst(f, 20, 4);
	assert_int_equal(t_count(f->env), 3);
	assert_int_equal(T_STAT(f->env, TCPChallengeACKLimited), 3);
	sp_test_tx_clear(f->env);
	sp_test_advance_ms(f->env, 1000);
	rst_burst(f, 30, 1);
	assert_int_equal(t_count(f->env), 1);
	fx_free(f);
}

/* An active open to the peer's 8080 recorded by @p a (zeroed here): its SYN in @p o. */
static struct sp_conn *
active_open(struct sp_test_env *env, struct app *a, struct t_out *o)
{
	struct sp_connect_opts co = {.dst_ip = T_PEER_IP, .dst_port = 8080, .cb = &conn_cb};
	struct sp_conn *c;

	memset(a, 0, sizeof(*a));
	co.arg = a;
	assert_int_equal(sp_tcp_connect(env->ctx, &co, &c), 0);
	t_expect(env, o, T_SYN);
	return c;
}

static void
test_active_open(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct sp_tcp_opts so = {.has_mss = true, .mss = 1000};
	struct sp_tcp_info info;
	struct app a;
	struct sp_conn *c;
	struct t_out o;
	uint32_t iss;
	uint16_t sport;

	(void)state;
	c = active_open(env, &a, &o);
	iss = o.h.seq;
	sport = o.h.sport;
	assert_true(sport >= 32768);
	assert_true(o.h.opts.has_mss && o.h.opts.has_wscale && o.h.opts.has_sack_perm &&
		    o.h.opts.has_ts);
	assert_int_equal(T_STAT(env, ActiveOpens), 1);
	/* Lost SYN-ACK: SYN again after 1 s. */
	sp_test_advance_ms(env, 1001);
	t_expect(env, &o, T_SYN);
	assert_int_equal(o.h.seq, iss);
	/* ACK not covering our SYN in SYN-SENT: RST <SEQ=SEG.ACK>. */
	t_seg(env, 8080, sport, 9000, iss + 5, T_SYN | T_ACK, 65535, &so, NULL, 0);
	t_expect(env, &o, T_RST);
	assert_int_equal(o.h.seq, iss + 5);
	assert_int_equal(a.connected, 0);
	t_seg(env, 8080, sport, 9000, iss + 1, T_SYN | T_ACK, 65535, &so, NULL, 0);
	t_expect(env, &o, T_ACK);
	assert_int_equal(o.h.ack, 9001);
	assert_int_equal(a.connected, 1);
	sp_tcp_get_info(c, &info);
	assert_int_equal(info.mss_send, 1000);
	assert_false(info.timestamps);
	assert_int_equal(info.snd_wscale, 0);
	assert_int_equal(sp_tcp_send(c, "GET", 3), 3);
	t_expect(env, &o, T_ACK);
	assert_memory_equal(o.data, "GET", 3);
	sp_tcp_abort(c);
	t_expect(env, &o, T_RST | T_ACK);
	assert_int_equal(a.closed, 1);
	assert_int_equal(a.closed_err, -ECONNABORTED);
	sp_test_env_free(env);
}

/*
 * What the application sends from connected() rides on the ACK of the SYN-ACK (RFC 9293
 * 3.10.7.3): one segment, not a bare ACK and then the data.
 */
static void
test_active_open_data_on_ack(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct sp_tcp_opts so = {.has_mss = true, .mss = 1000};
	static const char req[] = "GET / HTTP/1.1\r\n\r\n";
	struct sp_conn *c;
	struct t_out o;
	struct app a;
	uint32_t iss;

	(void)state;
	c = active_open(env, &a, &o);
	a.hello = req; /* sent from connected() */
	iss = o.h.seq;
	t_seg(env, 8080, o.h.sport, 9000, iss + 1, T_SYN | T_ACK, 65535, &so, NULL, 0);
	assert_int_equal(a.connected, 1);
	assert_int_equal(t_count(env), 1);
	t_expect(env, &o, T_ACK);
	assert_int_equal(o.h.seq, iss + 1);
	assert_int_equal(o.h.ack, 9001);
	assert_int_equal(o.len, strlen(a.hello));
	assert_memory_equal(o.data, a.hello, o.len);
	sp_tcp_abort(c);
	t_expect(env, &o, T_RST | T_ACK);
	sp_test_env_free(env);
}

static void
test_connect_refused(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct sp_connect_opts co = {.dst_ip = T_PEER_IP, .dst_port = 8080, .cb = &conn_cb};
	struct app a;
	struct sp_conn *c;
	struct t_out o;

	(void)state;
	memset(&a, 0, sizeof(a));
	co.arg = &a;
	assert_int_equal(sp_tcp_connect(env->ctx, &co, &c), 0);
	t_expect(env, &o, T_SYN);
	/* RST without ACK in SYN-SENT is ignored; with an acceptable ACK it refuses. */
	t_seg(env, 8080, o.h.sport, 0, 0, T_RST, 0, NULL, NULL, 0);
	assert_int_equal(a.closed, 0);
	t_seg(env, 8080, o.h.sport, 0, o.h.seq + 1, T_RST | T_ACK, 0, NULL, NULL, 0);
	assert_int_equal(a.closed, 1);
	assert_int_equal(a.closed_err, -ECONNREFUSED);
	assert_int_equal(T_STAT(env, AttemptFails), 1);
	sp_test_env_free(env);
}

/*
 * An unbound connect on a port with two subnets takes the address on the destination's subnet
 * (RFC 1122 3.3.4.3, as UDP and Linux), not the port's first: the SYN's checksum covers the
 * pseudo-header of T_OUR_IP, which t_expect() checks.
 */
static void
test_active_open_source(void **state)
{
	struct sp_config cfg;
	struct sp_test_env *env;
	struct sp_tcp_info info;
	struct sp_conn *c;
	struct t_out o;
	struct app a;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.ports[0].addrs[1] = cfg.ports[0].addrs[0];
	cfg.ports[0].addrs[0].ip = RTE_IPV4(198, 19, 9, 9);
	cfg.ports[0].n_addrs = 2;
	env = sp_test_env_new(&cfg);
	c = active_open(env, &a, &o);
	sp_tcp_get_info(c, &info);
	assert_int_equal(info.local_ip, T_OUR_IP);
	sp_test_env_free(env);
}

/* An active open whose SYN crossed the peer's (ISN 7000): SYN-RECEIVED, our SYN-ACK sent. */
static struct sp_conn *
crossed_syns(struct sp_test_env *env, struct app *a, uint32_t *iss, uint16_t *sport)
{
	struct t_out o;
	struct sp_conn *c = active_open(env, a, &o);

	*iss = o.h.seq;
	*sport = o.h.sport;
	t_seg(env, 8080, *sport, 7000, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.seq, *iss);
	assert_int_equal(o.h.ack, 7001);
	return c;
}

static void
test_simultaneous_open(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct app a;
	struct sp_conn *c;
	uint32_t iss;
	uint16_t sport;

	(void)state;
	/* The peer's SYN crosses ours: SYN-RECEIVED, SYN-ACK; its ACK completes. */
	c = crossed_syns(env, &a, &iss, &sport);
	t_seg(env, 8080, sport, 7001, iss + 1, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(a.connected, 1);
	sp_tcp_abort(c);
	sp_test_tx_clear(env);
	assert_int_equal(a.closed, 1);
	sp_test_env_free(env);
}

/*
 * Simultaneous open with crossing SYN-ACKs (RFC 9293 3.5 figure 8): in SYN-RECEIVED the peer's
 * SYN-ACK (its SYN again, the ACK of ours) completes the handshake at once. It used to get a
 * challenge ACK (RFC 5961 4.2) and the connection waited for our SYN-ACK's retransmission.
 */
static void
test_simultaneous_open_synack(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct app a;
	struct sp_conn *c;
	struct t_out o;
	uint32_t iss;
	uint16_t sport;

	(void)state;
	c = crossed_syns(env, &a, &iss, &sport);
	/* A SYN-ACK that does not ACK our SYN exactly is still a SYN: challenge ACK. */
	t_seg(env, 8080, sport, 7000, iss, T_SYN | T_ACK, 65535, NULL, NULL, 0);
	t_expect(env, &o, T_ACK);
	assert_int_equal(a.connected, 0);
	assert_int_equal(T_STAT(env, TCPSYNChallenge), 1);
	/* The peer's SYN-ACK, with data: connected, the data taken, no challenge. */
	t_seg(env, 8080, sport, 7000, iss + 1, T_SYN | T_ACK, 65535, NULL, "hi", 2);
	assert_int_equal(a.connected, 1);
	assert_int_equal(a.rx_len, 2);
	assert_int_equal(T_STAT(env, TCPSYNChallenge), 1);
	sp_test_advance_ms(env, 500);
	t_expect(env, &o, T_ACK);
	assert_int_equal(o.h.seq, iss + 1);
	assert_int_equal(o.h.ack, 7003);
	sp_tcp_abort(c);
	sp_test_tx_clear(env);
	assert_int_equal(a.closed, 1);
	sp_test_env_free(env);
}

static void
test_syn_cookies(void **state)
{
	struct fx *f = fx_new(NULL, 1);
	struct sp_tcp_opts so = {.has_mss = true, .mss = 1460};
	struct t_out o;
	uint32_t cookie;

	(void)state;
	/* The first SYN fills the backlog of 1 ... */
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	/* ... the second gets a stateless cookie SYN-ACK. */
	t_seg(f->env, T_RPORT + 1, T_LPORT, 5000, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	cookie = o.h.seq;
	assert_int_equal(T_STAT(f->env, SyncookiesSent), 1);
	/* A wrong cookie is refused with RST. */
	t_seg(f->env, T_RPORT + 1, T_LPORT, 5001, cookie + 2, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_RST);
	assert_int_equal(T_STAT(f->env, SyncookiesFailed), 1);
	t_seg(f->env, T_RPORT + 1, T_LPORT, 5001, cookie + 1, T_ACK, 65535, NULL, "hi", 2);
	assert_int_equal(T_STAT(f->env, SyncookiesRecv), 1);
	assert_int_equal(f->app.accepted, 1);
	assert_int_equal(f->app.rx_len, 2);
	fx_free(f);
}

/*
 * A cookie is looked for only while the listener has sent cookies lately (their validity,
 * SP_TCP_COOKIE_COUNTERS periods): a valid cookie's ACK at a listener whose queue never
 * overflowed, or overflowed longer ago, is a bad ACK (RST), not a connection.
 */
static void
test_syn_cookie_needs_recent_overflow(void **state)
{
	struct fx *f = fx_new(NULL, 1);
	struct sp_tcp_opts so = {.has_mss = true, .mss = 1460};
	struct sp_tcp_cookie_opts co = {.mss = 1460};
	struct t_out o;
	uint32_t cookie;

	(void)state;
	cookie = sp_tcp_cookie_make(f->env->ctx->stack, T_OUR_IP, T_LPORT, T_PEER_IP, T_RPORT + 1,
		4999, &co, f->env->ctx->now, NULL);
	t_seg(f->env, T_RPORT + 1, T_LPORT, 5000, cookie + 1, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_RST);
	assert_int_equal(f->app.accepted, 0);
	assert_int_equal(T_STAT(f->env, SyncookiesRecv), 0);
	assert_int_equal(T_STAT(f->env, TCPBadAckRst), 1);

	/* Overflow: now the same forged ACK opens a connection, as a real cookie's would. */
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	t_seg(f->env, T_RPORT + 2, T_LPORT, 7000, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(T_STAT(f->env, SyncookiesSent), 1);
	t_seg(f->env, T_RPORT + 1, T_LPORT, 5000, cookie + 1, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(T_STAT(f->env, SyncookiesRecv), 1);
	assert_int_equal(f->app.accepted, 1);

	/* Past the validity of the last cookie sent: not looked for again. */
	sp_test_advance_ms(f->env, (SP_TCP_COOKIE_COUNTERS * SP_TCP_COOKIE_PERIOD_S + 1) * 1000);
	sp_test_tx_clear(f->env);
	cookie = sp_tcp_cookie_make(f->env->ctx->stack, T_OUR_IP, T_LPORT, T_PEER_IP, T_RPORT + 3,
		5999, &co, f->env->ctx->now, NULL);
	t_seg(f->env, T_RPORT + 3, T_LPORT, 6000, cookie + 1, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_RST);
	assert_int_equal(T_STAT(f->env, SyncookiesRecv), 1);
	assert_int_equal(f->app.accepted, 1);
	fx_free(f);
}

/* The peer's SYN options of the pinned-listener tests. */
static const struct sp_tcp_opts pin_syn = {.has_mss = true,
	.mss = 1460,
	.has_wscale = true,
	.wscale = 2,
	.has_ts = true, /* a cookie keeps the window scale only with timestamps */
	.ts_val = 100};

/*
 * A listener whose receive buffer is pinned (sp_listen_opts.rcvbuf, SO_RCVBUF) offers the window
 * scale for that buffer, not for tcp.rcvbuf_max, in its SYN-ACKs, the cookie ones too; and the
 * connection a cookie's ACK rebuilds scales its windows by what that SYN-ACK offered.
 */
static void
test_rcvbuf_pin_wscale(void **state)
{
	struct sp_listen_opts lo = {.port = T_LPORT + 1, .cb = &lst_cb, .backlog = 1};
	struct sp_tcp_opts so = pin_syn;
	struct sp_tcp_info info;
	struct sp_listener *l;
	struct sp_config cfg;
	struct t_out o;
	struct fx *f;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.tcp.rcvbuf = 16384;
	cfg.tcp.rcvbuf_max = 4 << 20; /* autotuning: scale 7 */
	f = fx_new(&cfg, 0);
	lo.arg = &f->app;
	lo.rcvbuf = 1 << 20; /* pinned: 1 MB >> 4 is 65536, scale 5 */
	assert_int_equal(sp_tcp_listen(f->env->ctx, &lo, &l), 0);
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.opts.wscale, 7);
	/* The first SYN fills the pinned listener's backlog of 1, the second gets a cookie. */
	t_seg(f->env, T_RPORT, T_LPORT + 1, T_PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.opts.wscale, 5);
	t_seg(f->env, T_RPORT + 1, T_LPORT + 1, 5000, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(T_STAT(f->env, SyncookiesSent), 1);
	assert_int_equal(o.h.opts.wscale, 5);
	so.has_mss = so.has_wscale = false;
	so.ts_val = 101;
	so.ts_ecr = o.h.opts.ts_val;
	t_seg(f->env, T_RPORT + 1, T_LPORT + 1, 5001, o.h.seq + 1, T_ACK, 65535, &so, NULL, 0);
	assert_int_equal(T_STAT(f->env, SyncookiesRecv), 1);
	assert_int_equal(f->app.accepted, 1);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.rcv_wscale, 5);
	assert_int_equal(info.snd_wscale, 2);
	/* Its ACKs carry the 1 MB window scaled by 5. */
	so.ts_val = 102;
	t_seg(f->env, T_RPORT + 1, T_LPORT + 1, 5001, o.h.seq + 1, T_ACK | T_PSH, 65535, &so, "hi",
		2);
	sp_test_advance_ms(f->env, 200); /* the delayed ACK */
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, 5003);
	assert_int_equal(o.h.win, (1 << 20) >> 5);
	fx_free(f);
}

/*
 * A pinned receive buffer below tcp.rcvbuf (SO_RCVBUF 4096: a window of 4096) shrinks what the
 * handshake offers, as Linux's tcp_select_initial_window() with SOCK_RCVBUF_LOCK: window scale 0
 * and a window of the buffer, not tcp.rcvbuf's 262144 at scale 3; in a SYN-ACK, a cookie one,
 * and an active open's SYN. The connection's ACKs then offer no more than the buffer.
 */
static void
test_rcvbuf_pin_small(void **state)
{
	struct sp_listen_opts lo = {.port = T_LPORT + 1, .cb = &lst_cb, .backlog = 1};
	struct sp_connect_opts co = {.dst_ip = T_PEER_IP, .dst_port = 8080, .cb = &conn_cb};
	struct sp_tcp_opts so = pin_syn;
	static char data[1000];
	struct sp_tcp_info info;
	struct sp_listener *l;
	struct sp_conn *c;
	struct t_out o;
	struct app a;
	struct fx *f;

	(void)state;
	f = fx_new(NULL, 0); /* tcp.rcvbuf 262144: scale 3 */
	lo.arg = &f->app;
	lo.rcvbuf = 4096;
	assert_int_equal(sp_tcp_listen(f->env->ctx, &lo, &l), 0);
	t_seg(f->env, T_RPORT, T_LPORT + 1, T_PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.opts.wscale, 0);
	assert_int_equal(o.h.win, 4096);
	/* The backlog of 1 is full: a cookie SYN-ACK, the same window and scale. */
	t_seg(f->env, T_RPORT + 1, T_LPORT + 1, 5000, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(T_STAT(f->env, SyncookiesSent), 1);
	assert_int_equal(o.h.opts.wscale, 0);
	assert_int_equal(o.h.win, 4096);
	so.has_mss = so.has_wscale = false;
	so.ts_val = 101;
	so.ts_ecr = o.h.opts.ts_val;
	t_seg(f->env, T_RPORT + 1, T_LPORT + 1, 5001, o.h.seq + 1, T_ACK, 65535, &so, NULL, 0);
	assert_int_equal(f->app.accepted, 1);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.rcv_wscale, 0);
	assert_int_equal(info.rcv_wnd, 4096);
	/* The application holds what it received: the ACK offers what is left of the 4096. */
	sp_tcp_set_recv_flow(f->app.c, true);
	so.ts_val = 102;
	t_seg(f->env, T_RPORT + 1, T_LPORT + 1, 5001, o.h.seq + 1, T_ACK | T_PSH, 65535, &so, data,
		sizeof(data));
	sp_test_advance_ms(f->env, 200); /* the delayed ACK */
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, 5001 + sizeof(data));
	assert_int_equal(o.h.win, 4096 - sizeof(data));
	fx_free(f);

	/* An active open's SYN. */
	f = fx_new(NULL, 0);
	memset(&a, 0, sizeof(a));
	co.arg = &a;
	co.rcvbuf = 4096;
	assert_int_equal(sp_tcp_connect(f->env->ctx, &co, &c), 0);
	t_expect(f->env, &o, T_SYN);
	assert_true(o.h.opts.has_wscale);
	assert_int_equal(o.h.opts.wscale, 0);
	assert_int_equal(o.h.win, 4096);
	fx_free(f);
}

static void
test_time_wait_reuse(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, T_PISN);
	sp_tcp_close(f->app.c);
	t_expect(f->env, &o, T_ACK | T_FIN);
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 2, T_ACK | T_FIN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	/* TIME-WAIT; an old SYN gets a challenge ACK, a higher one opens a new connection. */
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 100000, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.ack, T_PISN + 100001);
	assert_int_equal(T_STAT(f->env, TCPTimeWaitReuse), 1);
	fx_free(f);
}

static void
test_accept_refused_and_max_conn(void **state)
{
	struct sp_config cfg;
	struct fx *f;
	struct t_out o;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.tcp.max_connections = 1;
	f = fx_new(&cfg, 0);
	f->app.refuse = 1;
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	/* max_connections = 1: the second SYN is refused. */
	t_seg(f->env, T_RPORT + 1, T_LPORT, T_PISN, 0, T_SYN, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPMaxConnDrops), 1);
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 1, o.h.seq + 1, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_RST | T_ACK);
	assert_int_equal(f->app.closed, 0);
	fx_free(f);
}

static void
test_recv_window_and_rst_after_close(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, T_PISN);
	sp_tcp_close(f->app.c);
	t_expect(f->env, &o, T_ACK | T_FIN);
	/* Data after close: nobody reads it, RST (RFC 9293 3.10.4). */
	t_seg(f->env, T_RPORT, T_LPORT, f->pseq, f->iss + 2, T_ACK, 65535, NULL, "x", 1);
	t_expect(f->env, &o, T_RST | T_ACK);
	assert_int_equal(f->app.closed, 1);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passive_open_options),
		cmocka_unit_test(test_conn_lookup_follows_table),
		cmocka_unit_test(test_passive_open_no_options),
		cmocka_unit_test(test_passive_open_wscale_15),
		cmocka_unit_test(test_no_listener_rst),
		cmocka_unit_test(test_listen_syn_fin),
		cmocka_unit_test(test_passive_close),
		cmocka_unit_test(test_conn_memory_reused_clean),
		cmocka_unit_test(test_active_close_time_wait),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_rst_rfc5961),
		cmocka_unit_test(test_challenge_ack_limit),
		cmocka_unit_test(test_challenge_ack_limit_straddles_second),
		cmocka_unit_test(test_active_open),
		cmocka_unit_test(test_active_open_source),
		cmocka_unit_test(test_active_open_data_on_ack),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_simultaneous_open),
		cmocka_unit_test(test_simultaneous_open_synack),
		cmocka_unit_test(test_syn_cookies),
		cmocka_unit_test(test_syn_cookie_needs_recent_overflow),
		cmocka_unit_test(test_rcvbuf_pin_wscale),
		cmocka_unit_test(test_rcvbuf_pin_small),
		cmocka_unit_test(test_time_wait_reuse),
		cmocka_unit_test(test_accept_refused_and_max_conn),
		cmocka_unit_test(test_recv_window_and_rst_after_close),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP core: handshakes and options, data both ways, close sequences, RST and RFC 5961 cases,
 * timers (RTO, backoff, delayed ACK, TIME-WAIT), out-of-order reassembly, fast retransmit,
 * SYN cookies, sequence wrap. The test plays the peer with tcp_helper.h.
 */
#include <errno.h>

#include "tcp_helper.h"

#define LPORT 80
#define RPORT 40000
#define PISN  1000u

struct app {
	struct sp_conn *c;
	int accepted, connected, peer_closed, closed, writable;
	int closed_err;
	uint8_t rx[65536];
	size_t rx_len;
	int refuse;
	int echo;
};

static void
a_recv(struct sp_conn *c, struct rte_mbuf *m, void *arg)
{
	struct app *a = arg;
	size_t n = sp_test_copy(m, a->rx + a->rx_len, sizeof(a->rx) - a->rx_len);

	if (a->echo)
		sp_tcp_send(c, a->rx + a->rx_len, n);
	a->rx_len += n;
	rte_pktmbuf_free(m);
}
static void
a_peer_closed(struct sp_conn *c, void *arg)
{
	(void)c;
	((struct app *)arg)->peer_closed++;
}
static void
a_closed(struct sp_conn *c, int err, void *arg)
{
	struct app *a = arg;

	(void)c;
	a->closed++;
	a->closed_err = err;
}
static void
a_writable(struct sp_conn *c, void *arg)
{
	(void)c;
	((struct app *)arg)->writable++;
}
static void
a_connected(struct sp_conn *c, void *arg)
{
	struct app *a = arg;

	a->connected++;
	a->c = c;
}
static const struct sp_tcp_callbacks conn_cb = {
	.recv = a_recv,
	.peer_closed = a_peer_closed,
	.closed = a_closed,
	.writable = a_writable,
	.connected = a_connected,
};
static int
a_accepted(struct sp_conn *c, void *arg)
{
	struct app *a = arg;

	a->accepted++;
	a->c = c;
	if (a->refuse)
		return -1;
	sp_tcp_set_callbacks(c, &conn_cb, a);
	return 0;
}
static const struct sp_tcp_callbacks lst_cb = {.accepted = a_accepted};

struct fx {
	struct sp_test_env *env;
	struct app app;
	struct sp_listener *l;
	uint32_t iss;  /* ours */
	uint32_t pseq; /* peer's next sequence */
};

static struct fx *
fx_new(struct sp_config *cfg, uint32_t backlog)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct sp_listen_opts lo = {.port = LPORT, .cb = &lst_cb, .backlog = backlog};
	struct sp_config def;

	if (cfg == NULL) {
		sp_test_default_cfg(&def);
		cfg = &def;
	}
	if (cfg->tcp.max_connections > 64)
		cfg->tcp.max_connections = 64;
	f->env = sp_test_env_new(cfg);
	lo.arg = &f->app;
	assert_int_equal(sp_tcp_listen(f->env->ctx, &lo, &f->l), 0);
	return f;
}

static void
fx_free(struct fx *f)
{
	sp_test_tx_clear(f->env);
	sp_test_env_free(f->env);
	free(f);
}

/* Handshake with no options; leaves the connection ESTABLISHED. */
static void
fx_open(struct fx *f, uint32_t peer_isn)
{
	struct t_out o;

	t_seg(f->env, RPORT, LPORT, peer_isn, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.ack, peer_isn + 1);
	f->iss = o.h.seq;
	f->pseq = peer_isn + 1;
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(f->app.accepted, 1);
	assert_int_equal(t_count(f->env), 0);
}

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
	t_seg(f->env, RPORT, LPORT, PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.ack, PISN + 1);
	assert_true(o.h.opts.has_mss);
	assert_int_equal(o.h.opts.mss, 1460); /* MTU 1500 - 40 */
	assert_true(o.h.opts.has_wscale);
	assert_int_equal(o.h.opts.wscale, 3); /* 262144 >> 3 fits 16 bits */
	assert_true(o.h.opts.has_sack_perm);
	assert_true(o.h.opts.has_ts);
	assert_int_equal(o.h.opts.ts_ecr, 12345);
	assert_int_equal(T_STAT(f->env, PassiveOpens), 1);
	so.has_mss = so.has_wscale = so.has_sack_perm = false;
	so.ts_val = 12346;
	so.ts_ecr = o.h.opts.ts_val;
	t_seg(f->env, RPORT, LPORT, PISN + 1, o.h.seq + 1, T_ACK, 100, &so, NULL, 0);
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
	t_seg(f->env, RPORT, LPORT, PISN, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_true(o.h.opts.has_mss);
	assert_false(o.h.opts.has_wscale);
	assert_false(o.h.opts.has_sack_perm);
	assert_false(o.h.opts.has_ts);
	t_seg(f->env, RPORT, LPORT, PISN + 1, o.h.seq + 1, T_ACK, 65535, NULL, NULL, 0);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.mss_send, 536); /* RFC 9293 3.7.1 default */
	assert_int_equal(info.rcv_wscale, 0);
	fx_free(f);
}

static void
test_no_listener_rst(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct t_out o;

	(void)state;
	t_seg(env, RPORT, 81, 5000, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(env, &o, T_RST | T_ACK);
	assert_int_equal(o.h.seq, 0);
	assert_int_equal(o.h.ack, 5001);
	t_seg(env, RPORT, 81, 5000, 777, T_ACK, 65535, NULL, NULL, 0);
	t_expect(env, &o, T_RST);
	assert_int_equal(o.h.seq, 777);
	/* Never a RST for a RST. */
	t_seg(env, RPORT, 81, 5000, 777, T_RST, 0, NULL, NULL, 0);
	assert_int_equal(t_count(env), 0);
	assert_int_equal(T_STAT(env, TCPNoListener), 3);
	sp_test_env_free(env);
}

static void
test_data_in_delayed_ack(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, PISN);
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK | T_PSH, 65535, NULL, "hello", 5);
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
	t_seg(f->env, RPORT, LPORT, f->pseq + 5, f->iss + 1, T_ACK, 65535, NULL, "ab", 2);
	assert_int_equal(t_count(f->env), 0);
	t_seg(f->env, RPORT, LPORT, f->pseq + 7, f->iss + 1, T_ACK, 65535, NULL, "cd", 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 9);
	assert_memory_equal(f->app.rx, "helloabcd", 9);
	fx_free(f);
}

static void
test_data_out_rto_backoff_karn(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct sp_tcp_info info;
	struct t_out o;

	(void)state;
	fx_open(f, PISN);
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
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 6, T_ACK, 65535, NULL, NULL, 0);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.srtt_us, 0);
	assert_int_equal(info.bytes_acked, 5);
	assert_int_equal(info.send_queue, 0);
	/* A fresh segment acked after 50 ms: SRTT 50 ms, RTO = max(200, 50 + 4*25) = 200. */
	assert_int_equal(sp_tcp_send(f->app.c, "x", 1), 1);
	t_expect(f->env, &o, T_ACK);
	sp_test_advance_ms(f->env, 50);
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 7, T_ACK, 65535, NULL, NULL, 0);
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
	fx_open(f, PISN);
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

/* ESTABLISHED -> CLOSE-WAIT -> LAST-ACK -> CLOSED: closed(0) exactly once. */
static void
test_passive_close(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, PISN);
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK | T_FIN, 65535, NULL, NULL, 0);
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
	t_seg(f->env, RPORT, LPORT, f->pseq + 1, f->iss + 5, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(f->app.closed, 1);
	assert_int_equal(f->app.closed_err, 0);
	assert_int_equal(T_STAT(f->env, CurrEstab), 0);
	/* The connection is gone: a segment now gets a RST. */
	t_seg(f->env, RPORT, LPORT, f->pseq + 1, f->iss + 5, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_RST);
	assert_int_equal(f->app.closed, 1);
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
	fx_open(f, PISN);
	sp_tcp_shutdown(f->app.c);
	t_expect(f->env, &o, T_ACK | T_FIN);
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 2, T_ACK, 65535, NULL, NULL, 0);
	/* FIN-WAIT-2: data still arrives. */
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 2, T_ACK, 65535, NULL, "late", 4);
	assert_int_equal(f->app.rx_len, 4);
	t_seg(f->env, RPORT, LPORT, f->pseq + 4, f->iss + 2, T_ACK | T_FIN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 5);
	assert_int_equal(f->app.closed, 1);
	assert_int_equal(f->app.closed_err, 0);
	/* A retransmitted FIN in TIME-WAIT is ACKed again. */
	t_seg(f->env, RPORT, LPORT, f->pseq + 4, f->iss + 2, T_ACK | T_FIN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	sp_test_advance_ms(f->env, 510);
	t_seg(f->env, RPORT, LPORT, f->pseq + 5, f->iss + 2, T_ACK, 65535, NULL, NULL, 0);
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
	fx_open(f, PISN);
	sp_tcp_close(f->app.c);
	t_expect(f->env, &o, T_ACK | T_FIN);
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK | T_FIN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(f->app.closed, 0);
	t_seg(f->env, RPORT, LPORT, f->pseq + 1, f->iss + 2, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(f->app.closed, 1);
	fx_free(f);
}

static void
test_rst_rfc5961(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, PISN);
	/* In window but not exact: challenge ACK, connection kept. */
	t_seg(f->env, RPORT, LPORT, f->pseq + 10, 0, T_RST, 0, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq);
	assert_int_equal(f->app.closed, 0);
	/* Out of window: dropped silently. */
	t_seg(f->env, RPORT, LPORT, f->pseq + 10000000, 0, T_RST, 0, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	/* SYN in ESTABLISHED: challenge ACK. */
	t_seg(f->env, RPORT, LPORT, f->pseq + 5, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(T_STAT(f->env, TCPSYNChallenge), 1);
	assert_int_equal(T_STAT(f->env, TCPChallengeACK), 2);
	/* Exact: reset. */
	t_seg(f->env, RPORT, LPORT, f->pseq, 0, T_RST, 0, NULL, NULL, 0);
	assert_int_equal(f->app.closed, 1);
	assert_int_equal(f->app.closed_err, -ECONNRESET);
	assert_int_equal(T_STAT(f->env, EstabResets), 1);
	fx_free(f);
}

static void
test_challenge_ack_limit(void **state)
{
	struct sp_config cfg;
	struct fx *f;
	int i;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.tcp.challenge_ack_limit = 3;
	f = fx_new(&cfg, 0);
	fx_open(f, PISN);
	for (i = 0; i < 5; i++)
		t_seg(f->env, RPORT, LPORT, f->pseq + 10, 0, T_RST, 0, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 3);
	assert_int_equal(T_STAT(f->env, TCPChallengeACKLimited), 2);
	sp_test_tx_clear(f->env);
	sp_test_advance_ms(f->env, 1001);
	t_seg(f->env, RPORT, LPORT, f->pseq + 10, 0, T_RST, 0, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 1);
	fx_free(f);
}

static void
test_bad_ack_and_old_data(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, PISN);
	/* ACK of data never sent: ACK back, drop. */
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 100, T_ACK, 65535, NULL, "zz", 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq);
	assert_int_equal(f->app.rx_len, 0);
	assert_int_equal(T_STAT(f->env, TCPBadAck), 1);
	/* Old duplicate data: ACKed at once, not delivered twice. */
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, "ab", 2);
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, "ab", 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 2);
	assert_int_equal(f->app.rx_len, 2);
	fx_free(f);
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
	t_seg(f->env, RPORT, LPORT, PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	f->iss = o.h.seq;
	f->pseq = PISN + 1;
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	t_seg(f->env, RPORT, LPORT, f->pseq + 10, f->iss + 1, T_ACK, 65535, NULL, "ooo", 3);
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
test_ooo_reassembly_sack(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct sp_tcp_opts so = {.has_sack_perm = true};
	struct t_out o;

	(void)state;
	t_seg(f->env, RPORT, LPORT, PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	f->iss = o.h.seq;
	f->pseq = PISN + 1;
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	/* Segments 3 and 2 before 1. */
	t_seg(f->env, RPORT, LPORT, f->pseq + 6, f->iss + 1, T_ACK, 65535, NULL, "ghi", 3);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq);
	assert_int_equal(o.h.opts.n_sack, 1);
	assert_int_equal(o.h.opts.sack[0].start, f->pseq + 6);
	assert_int_equal(o.h.opts.sack[0].end, f->pseq + 9);
	t_seg(f->env, RPORT, LPORT, f->pseq + 3, f->iss + 1, T_ACK, 65535, NULL, "def", 3);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.opts.n_sack, 2);
	assert_int_equal(o.h.opts.sack[0].start, f->pseq + 3); /* most recent first */
	assert_int_equal(f->app.rx_len, 0);
	assert_int_equal(T_STAT(f->env, TCPOFOQueue), 2);
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, "abc", 3);
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
	fx_open(f, PISN);
	for (i = 0; i < 6; i++)
		t_seg(f->env, RPORT, LPORT, f->pseq + 10 + 10 * i, f->iss + 1, T_ACK, 65535, NULL,
			"x", 1);
	assert_int_equal(T_STAT(f->env, TCPOFOQueue), 4);
	assert_int_equal(T_STAT(f->env, TCPOFODrop), 2);
	fx_free(f); /* queued mbufs freed: the env checks no leak */
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
	fx_open(f, PISN);
	sp_tcp_set_nodelay(f->app.c, true);
	assert_int_equal(sp_tcp_send(f->app.c, buf, sizeof(buf)), sizeof(buf));
	for (i = 0; i < 4; i++) {
		t_expect(f->env, &o, T_ACK);
		assert_int_equal(o.len, 536);
		assert_int_equal(o.h.seq, f->iss + 1 + 536 * i);
	}
	/* Three duplicate ACKs: retransmit the first segment without waiting for the RTO. */
	for (i = 0; i < 2; i++)
		t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss + 1);
	assert_int_equal(o.len, 536);
	assert_int_equal(T_STAT(f->env, TCPFastRetrans), 1);
	/* Full ACK ends recovery. */
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

static void
test_nagle(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, PISN);
	sp_tcp_send(f->app.c, "a", 1);
	t_expect(f->env, &o, T_ACK);
	/* Small segment in flight: the next small ones wait for its ACK (Nagle). */
	sp_tcp_send(f->app.c, "b", 1);
	sp_tcp_send(f->app.c, "c", 1);
	assert_int_equal(t_count(f->env), 0);
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 2, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.len, 2);
	assert_memory_equal(o.data, "bc", 2);
	/* Nagle off: sent at once. */
	sp_tcp_set_nodelay(f->app.c, true);
	sp_tcp_send(f->app.c, "d", 1);
	t_expect(f->env, &o, T_ACK);
	fx_free(f);
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
	cfg.tcp.rto_max_ms = 1000;
	f = fx_new(&cfg, 0);
	fx_open(f, PISN);
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 0, NULL, NULL, 0);
	sp_tcp_send(f->app.c, "abc", 3);
	assert_int_equal(t_count(f->env), 0);
	sp_test_advance_ms(f->env, 1001);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.len, 1); /* zero-window probe */
	assert_int_equal(T_STAT(f->env, TCPWinProbe), 1);
	/* The peer keeps answering with a zero window: probing goes on past max_retries. */
	for (i = 0; i < 20; i++) {
		t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 0, NULL, NULL, 0);
		sp_test_tx_clear(f->env);
		sp_test_advance_ms(f->env, 2000);
	}
	assert_int_equal(f->app.closed, 0);
	sp_test_tx_clear(f->env);
	/* Window opens: the rest goes. */
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 2, T_ACK, 1000, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.len, 2);
	assert_memory_equal(o.data, "bc", 2);
	fx_free(f);
}

static void
test_active_open(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct sp_connect_opts co = {.dst_ip = T_PEER_IP, .dst_port = 8080, .cb = &conn_cb};
	struct sp_tcp_opts so = {.has_mss = true, .mss = 1000};
	struct sp_tcp_info info;
	struct app a;
	struct sp_conn *c;
	struct t_out o;
	uint32_t iss;
	uint16_t sport;

	(void)state;
	memset(&a, 0, sizeof(a));
	co.arg = &a;
	assert_int_equal(sp_tcp_connect(env->ctx, &co, &c), 0);
	t_expect(env, &o, T_SYN);
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

static void
test_simultaneous_open(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct sp_connect_opts co = {.dst_ip = T_PEER_IP, .dst_port = 8080, .cb = &conn_cb};
	struct app a;
	struct sp_conn *c;
	struct t_out o;
	uint32_t iss;

	(void)state;
	memset(&a, 0, sizeof(a));
	co.arg = &a;
	assert_int_equal(sp_tcp_connect(env->ctx, &co, &c), 0);
	t_expect(env, &o, T_SYN);
	iss = o.h.seq;
	/* The peer's SYN crosses ours: SYN-RECEIVED, SYN-ACK. */
	t_seg(env, 8080, o.h.sport, 7000, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.seq, iss);
	assert_int_equal(o.h.ack, 7001);
	t_seg(env, 8080, o.h.sport, 7001, iss + 1, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(a.connected, 1);
	sp_tcp_abort(c);
	sp_test_tx_clear(env);
	assert_int_equal(a.closed, 1);
	sp_test_env_free(env);
}

static void
test_seq_wrap(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, 0xfffffffcu);
	/* 6 bytes from 0xfffffffd cross 2^32. */
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, "abcdef", 6);
	t_seg(f->env, RPORT, LPORT, f->pseq + 6, f->iss + 1, T_ACK, 65535, NULL, "gh", 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, 5u);
	assert_int_equal(f->app.rx_len, 8);
	/* Old data from before the wrap is a duplicate. */
	t_seg(f->env, RPORT, LPORT, 0xfffffffdu, f->iss + 1, T_ACK, 65535, NULL, "ab", 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(f->app.rx_len, 8);
	fx_free(f);
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
	t_seg(f->env, RPORT, LPORT, PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	/* ... the second gets a stateless cookie SYN-ACK. */
	t_seg(f->env, RPORT + 1, LPORT, 5000, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	cookie = o.h.seq;
	assert_int_equal(T_STAT(f->env, SyncookiesSent), 1);
	/* A wrong cookie is refused with RST. */
	t_seg(f->env, RPORT + 1, LPORT, 5001, cookie + 2, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_RST);
	assert_int_equal(T_STAT(f->env, SyncookiesFailed), 1);
	t_seg(f->env, RPORT + 1, LPORT, 5001, cookie + 1, T_ACK, 65535, NULL, "hi", 2);
	assert_int_equal(T_STAT(f->env, SyncookiesRecv), 1);
	assert_int_equal(f->app.accepted, 1);
	assert_int_equal(f->app.rx_len, 2);
	fx_free(f);
}

static void
test_time_wait_reuse(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, PISN);
	sp_tcp_close(f->app.c);
	t_expect(f->env, &o, T_ACK | T_FIN);
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 2, T_ACK | T_FIN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	/* TIME-WAIT; an old SYN gets a challenge ACK, a higher one opens a new connection. */
	t_seg(f->env, RPORT, LPORT, PISN, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	t_seg(f->env, RPORT, LPORT, PISN + 100000, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.ack, PISN + 100001);
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
	t_seg(f->env, RPORT, LPORT, PISN, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	/* max_connections = 1: the second SYN is refused. */
	t_seg(f->env, RPORT + 1, LPORT, PISN, 0, T_SYN, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPMaxConnDrops), 1);
	t_seg(f->env, RPORT, LPORT, PISN + 1, o.h.seq + 1, T_ACK, 65535, NULL, NULL, 0);
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
	fx_open(f, PISN);
	sp_tcp_close(f->app.c);
	t_expect(f->env, &o, T_ACK | T_FIN);
	/* Data after close: nobody reads it, RST (RFC 9293 3.10.4). */
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 2, T_ACK, 65535, NULL, "x", 1);
	t_expect(f->env, &o, T_RST | T_ACK);
	assert_int_equal(f->app.closed, 1);
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
	fx_open(f, PISN);
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
		t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1 + n, T_ACK, 65535, NULL, NULL, 0);
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
	fx_open(f, PISN);
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
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1 + 536, T_ACK, 65535, NULL, NULL, 0);
	for (t = 0; t < 3000 && t_count(f->env) == 0; t++)
		sp_test_advance_ms(f->env, 1);
	assert_true(t_pop(f->env, &o));
	assert_int_equal(o.h.seq, f->iss + 1 + 536);
	assert_int_equal(o.len, 536);
	assert_memory_equal(o.data, buf + 536, 536);
	assert_true(o.cksum_ok);
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1 + 2 * 536, T_ACK, 65535, NULL, NULL, 0);
	for (i = 2; i < 4; i++) {
		assert_true(t_pop(f->env, &o));
		assert_int_equal(o.h.seq, f->iss + 1 + 536 * i);
		assert_memory_equal(o.data, buf + 536 * i, o.len);
	}
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/* RFC 7323 5.3: a segment with an older TSval is dropped (and ACKed). */
static void
test_paws(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct sp_tcp_opts so = {.has_ts = true, .ts_val = 1000};
	struct t_out o;

	(void)state;
	t_seg(f->env, RPORT, LPORT, PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	f->iss = o.h.seq;
	f->pseq = PISN + 1;
	so.ts_val = 1001;
	so.ts_ecr = o.h.opts.ts_val;
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, &so, NULL, 0);
	so.ts_val = 1002;
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, &so, "ab", 2);
	assert_int_equal(f->app.rx_len, 2);
	so.ts_val = 900; /* old duplicate from a previous incarnation */
	t_seg(f->env, RPORT, LPORT, f->pseq + 2, f->iss + 1, T_ACK, 65535, &so, "cd", 2);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, f->pseq + 2);
	assert_int_equal(o.h.opts.ts_ecr, 1002);
	assert_int_equal(f->app.rx_len, 2);
	assert_int_equal(T_STAT(f->env, PAWSDrops), 1);
	fx_free(f);
}

static void
test_keepalive(void **state)
{
	struct sp_config cfg;
	struct fx *f;
	struct t_out o;
	int i;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.tcp.keepalive_idle_ms = 1000;
	cfg.tcp.keepalive_intvl_ms = 100;
	cfg.tcp.keepalive_probes = 2;
	f = fx_new(&cfg, 0);
	fx_open(f, PISN);
	sp_test_advance_ms(f->env, 990);
	assert_int_equal(t_count(f->env), 0);
	sp_test_advance_ms(f->env, 20);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss); /* SND.UNA - 1 */
	assert_int_equal(T_STAT(f->env, TCPKeepAlive), 1);
	/* Answered: the idle timer starts again. */
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	sp_test_advance_ms(f->env, 500);
	assert_int_equal(t_count(f->env), 0);
	/* Unanswered: probes, then the connection is dropped. */
	for (i = 0; i < 30 && f->app.closed == 0; i++)
		sp_test_advance_ms(f->env, 100);
	assert_int_equal(f->app.closed, 1);
	assert_int_equal(f->app.closed_err, -ETIMEDOUT);
	fx_free(f);
}

/* RFC 6675: in recovery the holes the SACKs reveal are retransmitted, SACKed data is not. */
static void
test_sack_recovery(void **state)
{
	struct sp_config cfg;
	struct fx *f;
	struct sp_tcp_opts so = {.has_sack_perm = true}, ack = {0};
	uint8_t buf[536 * 5];
	struct t_out o;
	uint32_t s1;
	int i;

	(void)state;
	sp_test_default_cfg(&cfg);
	snprintf(cfg.tcp.cc, sizeof(cfg.tcp.cc), "newreno"); /* ssthresh = flight / 2 */
	f = fx_new(&cfg, 0);
	memset(buf, 'r', sizeof(buf));
	t_seg(f->env, RPORT, LPORT, PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	f->iss = o.h.seq;
	f->pseq = PISN + 1;
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	sp_tcp_set_nodelay(f->app.c, true);
	assert_int_equal(sp_tcp_send(f->app.c, buf, sizeof(buf)), sizeof(buf));
	for (i = 0; i < 5; i++)
		t_expect(f->env, &o, T_ACK);
	s1 = f->iss + 1;
	/* Segments 1 and 3 lost: 2, 4 and 5 SACKed. */
	ack.n_sack = 1;
	ack.sack[0].start = s1 + 536;
	ack.sack[0].end = s1 + 2 * 536;
	t_seg(f->env, RPORT, LPORT, f->pseq, s1, T_ACK, 65535, &ack, NULL, 0);
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
	t_seg(f->env, RPORT, LPORT, f->pseq, s1, T_ACK, 65535, &ack, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, s1); /* first hole */
	assert_int_equal(o.len, 536);
	assert_false(t_pop(f->env, &o));
	assert_int_equal(T_STAT(f->env, TCPSackRecovery), 1);
	/*
	 * Segment 3 has only two SACKed segments above it: not lost yet, and pipe (segment 3
	 * plus the retransmission) leaves cwnd = ssthresh = 1340 no room for rule 3.
	 */
	t_seg(f->env, RPORT, LPORT, f->pseq, s1, T_ACK, 65535, &ack, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	/* Partial ACK up to segment 3: pipe shrinks, the hole below SACKed 4-5 goes (rule 3). */
	ack.n_sack = 1;
	ack.sack[0].start = s1 + 3 * 536;
	ack.sack[0].end = s1 + 5 * 536;
	t_seg(f->env, RPORT, LPORT, f->pseq, s1 + 2 * 536, T_ACK, 65535, &ack, NULL, 0);
	assert_true(t_pop(f->env, &o));
	assert_int_equal(o.h.seq, s1 + 2 * 536); /* the second hole, never a SACKed segment */
	assert_int_equal(o.len, 536);
	assert_false(t_pop(f->env, &o));
	/* Everything acknowledged: recovery ends, nothing more to send. */
	t_seg(f->env, RPORT, LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, RetransSegs), 2);
	fx_free(f);
}

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
	t_seg(f->env, RPORT, LPORT, f->pseq, una, T_ACK, 65535, &ack, NULL, 0);
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
 * A SACK connection with NewReno (ssthresh = FlightSize / 2: exact arithmetic) and tcp.tlp as
 * given, @p len bytes sent with Nagle off, the first @p expect_sent segments read back.
 */
static struct fx *
sack_fx(bool tlp, uint8_t *buf, size_t len, unsigned expect_sent, uint32_t *s1)
{
	struct sp_tcp_opts so = {.has_sack_perm = true};
	struct sp_config cfg;
	struct t_out o;
	struct fx *f;
	unsigned i;

	sp_test_default_cfg(&cfg);
	snprintf(cfg.tcp.cc, sizeof(cfg.tcp.cc), "newreno");
	cfg.tcp.tlp = tlp;
	f = fx_new(&cfg, 0);
	t_seg(f->env, RPORT, LPORT, PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	f->iss = o.h.seq;
	f->pseq = PISN + 1;
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	sp_tcp_set_nodelay(f->app.c, true);
	assert_int_equal(sp_tcp_send(f->app.c, buf, len), (int)len);
	*s1 = f->iss + 1;
	for (i = 0; i < expect_sent; i++)
		expect_seg(f, *s1, i);
	assert_int_equal(t_count(f->env), 0);
	return f;
}

/*
 * RFC 6675 end to end: limited transmit, entry on DupThresh, cwnd = ssthresh (no inflation),
 * pipe deciding what goes, lost holes first (rule 1), then new data (rule 2), never a
 * SACKed segment; the full ACK ends recovery. Segments 0 and 5 of 0..11 are lost.
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
	assert_int_equal(info.cwnd, 6 * 536);
	/* pipe = resent 0 + segments 5..11 in flight (4 or more segments): nothing may go. */
	dup_sack(f, s1, s1, 1, b4);
	dup_sack(f, s1, s1, 2, b5);
	dup_sack(f, s1, s1, 2, b6);
	assert_int_equal(t_count(f->env), 0);
	sp_tcp_get_info(f->app.c, &info);
	assert_int_equal(info.cwnd, 6 * 536); /* no inflation per duplicate with SACK */
	/* 6..8 SACKed: segment 5 is lost (IsLost), pipe = 0 + 9..11 = 4 segments: rule 1
	 * resends 5, then rule 2 sends new segment 12. */
	dup_sack(f, s1, s1, 2, b7);
	expect_seg(f, s1, 5);
	expect_seg(f, s1, 12);
	assert_int_equal(t_count(f->env), 0);
	/* Partial ACK up to 5: pipe = 5 + 9..12; one more new segment, no retransmission. */
	dup_sack(f, s1 + 5 * 536, s1, 1, b8);
	expect_seg(f, s1, 13);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, RetransSegs), 2);
	/* Full ACK past the recovery point (12 * 536): recovery over, the rest goes. */
	t_seg(f->env, RPORT, LPORT, f->pseq, s1 + 14 * 536, T_ACK, 65535, NULL, NULL, 0);
	expect_seg(f, s1, 14);
	expect_seg(f, s1, 15);
	assert_int_equal(T_STAT(f->env, TCPSackRecovery), 1);
	assert_int_equal(T_STAT(f->env, RetransSegs), 2);
	t_seg(f->env, RPORT, LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
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
	t_seg(f->env, RPORT, LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
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
	for (i = 0; i < 3000 && t_count(f->env) == 0; i++)
		sp_test_advance_ms(f->env, 1);
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
	t_seg(f->env, RPORT, LPORT, f->pseq, s1 + 2 * 536, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	for (i = 0; i < 6000 && t_count(f->env) == 0; i++)
		sp_test_advance_ms(f->env, 1);
	expect_seg(f, s1, 2);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, TCPTimeouts), 2);
	t_seg(f->env, RPORT, LPORT, f->pseq, s1 + 3 * 536, T_ACK, 65535, NULL, NULL, 0);
	expect_seg(f, s1, 3);
	t_seg(f->env, RPORT, LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
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
	t_seg(f->env, RPORT, LPORT, f->pseq, s1 + 2 * 536, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	for (waited = 0; waited < 3000 && t_count(f->env) == 0; waited++)
		sp_test_advance_ms(f->env, 1);
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
		t_seg(f->env, RPORT, LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, &ack, NULL, 0);
		assert_int_equal(T_STAT(f->env, TCPLossProbeRecovery), 0);
		sp_tcp_get_info(f->app.c, &info);
		assert_int_equal(info.ssthresh, UINT32_MAX); /* no congestion response */
	} else {
		t_seg(f->env, RPORT, LPORT, f->pseq, s1 + 2 * 536, T_ACK, 65535, &ack, NULL, 0);
		/* The RTO (not another probe) repairs segment 2; then all is ACKed. */
		for (waited = 0; waited < 3000 && t_count(f->env) == 0; waited++)
			sp_test_advance_ms(f->env, 1);
		expect_seg(f, s1, 2);
		assert_int_equal(T_STAT(f->env, TCPLossProbes), 1);
		t_seg(f->env, RPORT, LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
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
	t_seg(f->env, RPORT, LPORT, f->pseq, s1 + 3 * 536, T_ACK, 65535, NULL, NULL, 0);
	for (i = 0; i < 3000 && t_count(f->env) == 0; i++)
		sp_test_advance_ms(f->env, 1);
	expect_seg(f, s1, 3); /* one segment in flight: PTO includes the delayed-ACK allowance */
	assert_true(i >= 200 && i < 260);
	t_seg(f->env, RPORT, LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(T_STAT(f->env, TCPLossProbeRecovery), 1);
	sp_tcp_get_info(f->app.c, &info);
	assert_true(info.ssthresh != UINT32_MAX);
	assert_int_equal(info.cwnd, info.ssthresh);
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
	fx_open(f, PISN);
	sp_tcp_set_nodelay(f->app.c, true);
	assert_int_equal(sp_tcp_send(f->app.c, buf, sizeof(buf)), sizeof(buf));
	for (i = 0; i < 10; i++) /* IW 10 */
		t_expect(f->env, &o, T_ACK);
	assert_false(t_pop(f->env, &o));
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss + 1 + 10 * 536);
	assert_false(t_pop(f->env, &o));
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, f->iss + 1 + 11 * 536);
	assert_false(t_pop(f->env, &o));
	assert_int_equal(T_STAT(f->env, RetransSegs), 0);
	fx_free(f);
}

/* RFC 6675 2: ACKs that SACK new data are duplicates even when the window changes. */
static void
test_sack_dupack_window_moves(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct sp_tcp_opts so = {.has_sack_perm = true}, ack = {0};
	uint8_t buf[536 * 5];
	struct t_out o;
	uint32_t s1;
	int i;

	(void)state;
	memset(buf, 's', sizeof(buf));
	t_seg(f->env, RPORT, LPORT, PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	f->iss = o.h.seq;
	f->pseq = PISN + 1;
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, NULL, 0);
	sp_tcp_set_nodelay(f->app.c, true);
	assert_int_equal(sp_tcp_send(f->app.c, buf, sizeof(buf)), sizeof(buf));
	for (i = 0; i < 5; i++)
		t_expect(f->env, &o, T_ACK);
	s1 = f->iss + 1;
	ack.n_sack = 1;
	ack.sack[0].start = s1 + 536;
	for (i = 1; i <= 3; i++) {
		ack.sack[0].end = s1 + 536 * (i + 1);
		t_seg(f->env, RPORT, LPORT, f->pseq, s1, T_ACK, (uint16_t)(60000 - i * 1000), &ack,
			NULL, 0);
	}
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, s1);
	assert_int_equal(T_STAT(f->env, TCPFastRetrans), 1);
	/* pipe leaves room: segment 4, above every SACK, goes as the rescue (RFC 6675 rule 4). */
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, s1 + 4 * 536);
	/* The same SACK again with yet another window is no duplicate. */
	t_seg(f->env, RPORT, LPORT, f->pseq, s1, T_ACK, 50000, &ack, NULL, 0);
	assert_false(t_pop(f->env, &o));
	t_seg(f->env, RPORT, LPORT, f->pseq, s1 + sizeof(buf), T_ACK, 65535, NULL, NULL, 0);
	sp_test_tx_clear(f->env);
	fx_free(f);
}

/* RFC 1122 4.2.3.2: the ACK rides on the reply sent from recv(); no delayed ACK after it. */
static void
test_piggyback_ack(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct t_out o;

	(void)state;
	fx_open(f, PISN);
	f->app.echo = 1;
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, "ping", 4);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.len, 4);
	assert_int_equal(o.h.ack, f->pseq + 4);
	sp_test_advance_ms(f->env, 300); /* past the delayed-ACK timer, before the RTO */
	assert_int_equal(t_count(f->env), 0);
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
		t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, data,
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
		t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, data,
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
	t_seg(f->env, RPORT, LPORT, f->pseq, f->iss + 1, T_ACK, 65535, NULL, data, 100);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_passive_open_options),
		cmocka_unit_test(test_recv_flow_control),
		cmocka_unit_test(test_passive_open_no_options),
		cmocka_unit_test(test_no_listener_rst),
		cmocka_unit_test(test_data_in_delayed_ack),
		cmocka_unit_test(test_data_out_rto_backoff_karn),
		cmocka_unit_test(test_rto_abort),
		cmocka_unit_test(test_passive_close),
		cmocka_unit_test(test_active_close_time_wait),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_rst_rfc5961),
		cmocka_unit_test(test_challenge_ack_limit),
		cmocka_unit_test(test_bad_ack_and_old_data),
		cmocka_unit_test(test_ooo_reassembly_sack),
		cmocka_unit_test(test_ooo_bound),
		cmocka_unit_test(test_fast_retransmit),
		cmocka_unit_test(test_nagle),
		cmocka_unit_test(test_zero_window_persist),
		cmocka_unit_test(test_active_open),
		cmocka_unit_test(test_piggyback_ack),
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
		cmocka_unit_test(test_paws),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_send_spanning_mbufs),
		cmocka_unit_test(test_retransmit_behind_cursor),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_simultaneous_open),
		cmocka_unit_test(test_seq_wrap),
		cmocka_unit_test(test_syn_cookies),
		cmocka_unit_test(test_time_wait_reuse),
		cmocka_unit_test(test_accept_refused_and_max_conn),
		cmocka_unit_test(test_recv_window_and_rst_after_close),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

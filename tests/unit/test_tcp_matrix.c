/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP state x event matrix (RFC 9293 3.10.7, RFC 5961, RFC 1122 4.2.2.13, RFC 6191).
 *
 * For each of the eleven states a driver brings a fresh connection there through real segments
 * and API calls; each case then injects one event and checks the resulting state, every segment
 * sent back (flags, seq, ack, from the TX capture), the callbacks and the counters. Cases are
 * named "STATE: event" in the cmocka output.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_helper.h"

#define LPORT	  80	      /* our listener */
#define CPORT	  81	      /* no listener: CLOSED */
#define RPORT	  40000	      /* the peer's port (passive side) */
#define APORT	  8080	      /* the peer's port (active side) */
#define PISN	  1000u	      /* the peer's ISN */
#define FAR	  0x40000000u /* 2^30: outside any window, still comparable (< 2^31) */
#define OLD	  100000u     /* further back than MAX.SND.WND / RCV.WND allow */
#define TW_MS	  1000
#define DELACK_MS 41 /* past the 40 ms delayed-ACK timer */

/* The application is the recorder struct app of tcp_helper.h (conn_cb, lst_cb). */

/* ---- fixture: the test is the peer and tracks both sequence spaces ---- */

struct mx {
	struct sp_test_env *env;
	struct app app;
	struct sp_listener *l;
	uint16_t pport, oport; /* the peer's port, ours */
	uint32_t iss, irs;     /* ours, the peer's */
	uint32_t snd_una;      /* highest of ours the peer acknowledged */
	uint32_t snd_nxt;      /* our SND.NXT */
	uint32_t rcv_nxt;      /* our RCV.NXT = the peer's next sequence number */
	bool ts;	       /* timestamps negotiated: every segment carries TS */
	uint32_t tsval;
};

/* The case's fixture, freed by the teardown if an assertion ended the case early. */
static struct mx *g_cur;

static struct mx *
mx_new_cfg(struct sp_config *cfg, bool listen)
{
	struct mx *m = calloc(1, sizeof(*m));
	struct sp_config def;

	assert_non_null(m);
	if (cfg == NULL) {
		sp_test_default_cfg(&def);
		def.tcp.time_wait_ms = TW_MS;
		cfg = &def;
	}
	cfg->tcp.max_connections = 64;
	m->env = sp_test_env_new(cfg);
	m->pport = RPORT;
	m->oport = CPORT;
	if (listen) {
		struct sp_listen_opts lo = {.port = LPORT, .cb = &lst_cb, .arg = &m->app};

		assert_int_equal(sp_tcp_listen(m->env->ctx, &lo, &m->l), 0);
		m->oport = LPORT;
	}
	g_cur = m;
	return m;
}

static struct mx *
mx_new(void)
{
	return mx_new_cfg(NULL, true);
}

static void
mx_free(struct mx *m)
{
	sp_test_tx_clear(m->env);
	sp_test_env_free(m->env);
	free(m);
	g_cur = NULL;
}

static int
teardown(void **st)
{
	(void)st;
	if (g_cur != NULL)
		mx_free(g_cur);
	return 0;
}

/* One segment from the peer (window 65535). */
static void
inj(struct mx *m, uint32_t seq, uint32_t ack, uint8_t flags, const void *d, size_t len)
{
	struct sp_tcp_opts o;

	memset(&o, 0, sizeof(o));
	if (m->ts) {
		o.has_ts = true;
		o.ts_val = ++m->tsval;
	}
	t_seg(m->env, m->pport, m->oport, seq, ack, flags, 65535, m->ts ? &o : NULL, d, len);
}

/* Exactly one segment with @flags (PSH ignored), @seq, and @ack when ACK is set; no payload. */
static void
exp_seg(struct mx *m, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct t_out o;

	t_expect(m->env, &o, flags);
	assert_int_equal(o.h.sport, m->oport);
	assert_int_equal(o.h.dport, m->pport);
	assert_int_equal(o.h.seq, seq);
	if (flags & T_ACK)
		assert_int_equal(o.h.ack, ack);
	assert_int_equal(o.len, 0);
	assert_int_equal(t_count(m->env), 0);
}

/* The ACK <SEQ=SND.NXT><ACK=RCV.NXT> of the first step / RFC 5961 challenge ACK. */
static void
exp_ack(struct mx *m)
{
	exp_seg(m, T_ACK, m->snd_nxt, m->rcv_nxt);
}

/* @n ACKs <SEQ=SND.NXT><ACK=RCV.NXT>, nothing else. */
static void
exp_n_acks(struct mx *m, unsigned n)
{
	struct t_out o;
	unsigned i;

	for (i = 0; i < n; i++) {
		t_expect(m->env, &o, T_ACK);
		assert_int_equal(o.h.seq, m->snd_nxt);
		assert_int_equal(o.h.ack, m->rcv_nxt);
	}
	assert_int_equal(t_count(m->env), 0);
}

static void
exp_none(struct mx *m)
{
	assert_int_equal(t_count(m->env), 0);
}

struct find {
	uint16_t lport, rport;
	int n;
	char state[16];
};

static void
find_fn(void *arg, const struct sp_conn *c)
{
	struct find *f = arg;
	struct sp_tcp_info i;

	sp_tcp_get_info(c, &i);
	if (i.local_port != f->lport || i.remote_port != f->rport)
		return;
	f->n++;
	strlcpy(f->state, i.state, sizeof(f->state));
}

/* State of the connection on the fixture's 4-tuple, "CLOSED" when there is none. */
static void
exp_state(struct mx *m, const char *state)
{
	struct find f = {.lport = m->oport, .rport = m->pport, .state = "CLOSED"};

	sp_tcp_foreach(m->env->ctx, find_fn, &f);
	assert_true(f.n <= 1);
	assert_string_equal(f.state, state);
}

/* No callback since @before. */
static void
exp_no_callbacks(struct mx *m, const struct app *before)
{
	assert_int_equal(m->app.accepted, before->accepted);
	assert_int_equal(m->app.connected, before->connected);
	assert_int_equal(m->app.peer_closed, before->peer_closed);
	assert_int_equal(m->app.closed, before->closed);
	assert_int_equal(m->app.recvs, before->recvs);
}

/* ---- drivers: each leaves the connection in its state, nothing left in the capture ---- */

static void
to_syn_sent(struct mx *m)
{
	struct sp_connect_opts co = {
		.dst_ip = T_PEER_IP, .dst_port = APORT, .cb = &conn_cb, .arg = &m->app};
	struct t_out o;

	assert_int_equal(sp_tcp_connect(m->env->ctx, &co, &m->app.c), 0);
	t_expect(m->env, &o, T_SYN);
	m->pport = APORT;
	m->oport = o.h.sport;
	m->iss = o.h.seq;
	m->snd_una = m->iss;
	m->snd_nxt = m->iss + 1;
	m->irs = PISN;
	m->rcv_nxt = 0;
}

static void
to_syn_received(struct mx *m)
{
	struct t_out o;

	inj(m, PISN, 0, T_SYN, NULL, 0);
	t_expect(m->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.ack, PISN + 1);
	m->irs = PISN;
	m->iss = o.h.seq;
	m->snd_una = m->iss;
	m->snd_nxt = m->iss + 1;
	m->rcv_nxt = PISN + 1;
}

static void
to_established(struct mx *m)
{
	to_syn_received(m);
	inj(m, m->rcv_nxt, m->iss + 1, T_ACK, NULL, 0);
	assert_int_equal(m->app.accepted, 1);
	m->snd_una = m->iss + 1;
	exp_none(m);
}

/* shutdown(), not close(): the application still reads (RFC 9293 3.10.4 half-close). */
static void
to_fin_wait_1(struct mx *m)
{
	to_established(m);
	assert_int_equal(sp_tcp_shutdown(m->app.c), 0);
	exp_seg(m, T_FIN | T_ACK, m->snd_nxt, m->rcv_nxt);
	m->snd_nxt++;
}

static void
to_fin_wait_2(struct mx *m)
{
	to_fin_wait_1(m);
	inj(m, m->rcv_nxt, m->snd_nxt, T_ACK, NULL, 0);
	m->snd_una = m->snd_nxt;
	exp_none(m);
}

static void
to_close_wait(struct mx *m)
{
	to_established(m);
	inj(m, m->rcv_nxt, m->snd_una, T_FIN | T_ACK, NULL, 0);
	m->rcv_nxt++;
	exp_ack(m);
	assert_int_equal(m->app.peer_closed, 1);
}

static void
to_closing(struct mx *m)
{
	to_fin_wait_1(m);
	inj(m, m->rcv_nxt, m->snd_una, T_FIN | T_ACK, NULL, 0); /* our FIN not acknowledged */
	m->rcv_nxt++;
	exp_ack(m);
}

static void
to_last_ack(struct mx *m)
{
	to_close_wait(m);
	assert_int_equal(sp_tcp_shutdown(m->app.c), 0);
	exp_seg(m, T_FIN | T_ACK, m->snd_nxt, m->rcv_nxt);
	m->snd_nxt++;
}

static void
to_time_wait(struct mx *m)
{
	to_fin_wait_2(m);
	inj(m, m->rcv_nxt, m->snd_nxt, T_FIN | T_ACK, NULL, 0);
	m->rcv_nxt++;
	exp_ack(m);
	assert_int_equal(m->app.closed, 1);
	assert_int_equal(m->app.closed_err, 0);
}

struct sdesc {
	const char *name;
	void (*drive)(struct mx *m);
};

enum { S_EST, S_FW1, S_FW2, S_CW, S_CLOSING, S_LA, S_TW, S_SR, S_N };
static const struct sdesc states[S_N] = {
	[S_EST] = {"ESTABLISHED", to_established},
	[S_FW1] = {"FIN-WAIT-1", to_fin_wait_1},
	[S_FW2] = {"FIN-WAIT-2", to_fin_wait_2},
	[S_CW] = {"CLOSE-WAIT", to_close_wait},
	[S_CLOSING] = {"CLOSING", to_closing},
	[S_LA] = {"LAST-ACK", to_last_ack},
	[S_TW] = {"TIME-WAIT", to_time_wait},
	[S_SR] = {"SYN-RECEIVED", to_syn_received},
};

static struct mx *
open_in(void **st, struct app *snap)
{
	const struct sdesc *d = *st;
	struct mx *m = mx_new();

	d->drive(m);
	exp_state(m, d->name);
	*snap = m->app;
	return m;
}

static const char *
st_name(void **st)
{
	return ((const struct sdesc *)*st)->name;
}

/*
 * ---- events whose answer is the same in every synchronised state (ESTABLISHED .. TIME-WAIT):
 * an ACK <SEQ=SND.NXT><ACK=RCV.NXT> or nothing, the state unchanged, no callback ----
 */

/* RFC 5961 4.2 / RFC 9293 3.10.7.4 fourth: SYN in window -> challenge ACK, drop. */
static void
ev_syn_in_window(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt + 10, 0, T_SYN, NULL, 0);
	exp_ack(m);
	exp_state(m, st_name(st));
	exp_no_callbacks(m, &s);
	assert_int_equal(T_STAT(m->env, TCPSYNChallenge), 1);
	assert_int_equal(T_STAT(m->env, TCPChallengeACK), 1);
	mx_free(m);
}

/* An old SYN (below RCV.NXT): first step (unacceptable) or RFC 5961 4.2, an ACK either way. */
static void
ev_syn_old(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt - OLD, 0, T_SYN, NULL, 0);
	exp_ack(m);
	exp_state(m, st_name(st));
	exp_no_callbacks(m, &s);
	assert_int_equal(T_STAT(m->env, TCPTimeWaitReuse), 0);
	mx_free(m);
}

/* RFC 5961 4.2: a SYN-ACK is a SYN: challenge ACK (never a TIME-WAIT reuse: it has ACK). */
static void
ev_synack(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt, m->snd_nxt, T_SYN | T_ACK, NULL, 0);
	exp_ack(m);
	exp_state(m, st_name(st));
	exp_no_callbacks(m, &s);
	assert_int_equal(T_STAT(m->env, TCPSYNChallenge), 1);
	mx_free(m);
}

/* RFC 9293 3.10.7.4 fifth: a duplicate ACK (SEG.ACK < SND.UNA, within MAX.SND.WND): ignored. */
static void
ev_ack_dup(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt, m->snd_una - 1, T_ACK, NULL, 0);
	exp_none(m);
	exp_state(m, st_name(st));
	exp_no_callbacks(m, &s);
	mx_free(m);
}

/* RFC 5961 5.2: SEG.ACK < SND.UNA - MAX.SND.WND: drop and send an ACK (challenge). */
static void
ev_ack_too_old(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt, m->snd_una - OLD, T_ACK, NULL, 0);
	exp_ack(m);
	exp_state(m, st_name(st));
	exp_no_callbacks(m, &s);
	assert_int_equal(T_STAT(m->env, TCPChallengeACK), 1);
	mx_free(m);
}

/* RFC 9293 3.10.7.4 fifth, RFC 5961 5.2: SEG.ACK > SND.NXT: send an ACK, drop (data too). */
static void
ev_ack_unsent(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt, m->snd_nxt + 100, T_ACK, "zz", 2);
	exp_ack(m);
	exp_state(m, st_name(st));
	exp_no_callbacks(m, &s);
	assert_int_equal(m->app.rx_len, s.rx_len);
	assert_int_equal(T_STAT(m->env, TCPBadAck), 1);
	mx_free(m);
}

/* RFC 9293 3.10.7.4 first: data beyond RCV.NXT + RCV.WND: ACK, drop. */
static void
ev_data_out_of_window(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt + FAR, m->snd_una, T_ACK, "abc", 3);
	exp_ack(m);
	exp_state(m, st_name(st));
	exp_no_callbacks(m, &s);
	assert_int_equal(T_STAT(m->env, TCPOutOfWindow), 1);
	mx_free(m);
}

/* RFC 9293 3.10.7.4 first: old data (all before RCV.NXT): ACK, drop, nothing delivered. */
static void
ev_data_old(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt - 50, m->snd_una, T_ACK, "abc", 3);
	exp_ack(m);
	exp_state(m, st_name(st));
	exp_no_callbacks(m, &s);
	mx_free(m);
}

/* RFC 9293 3.10.7.4 fifth: a segment without ACK is dropped (the text is not processed). */
static void
ev_data_no_ack(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt, 0, 0, "abc", 3);
	sp_test_advance_ms(m->env, DELACK_MS);
	exp_none(m);
	exp_state(m, st_name(st));
	exp_no_callbacks(m, &s);
	/* Silent, yet counted. */
	assert_int_equal(T_STAT(m->env, TCPNoAckDrops), 1);
	mx_free(m);
}

/* RFC 5961 3.2 / RFC 9293 3.10.7.4 second (3): RST in window, not exact: challenge ACK. */
static void
ev_rst_in_window(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt + 100, 0, T_RST, NULL, 0);
	exp_ack(m);
	exp_state(m, st_name(st));
	exp_no_callbacks(m, &s);
	assert_int_equal(T_STAT(m->env, TCPChallengeACK), 1);
	assert_int_equal(T_STAT(m->env, InRsts), 1);
	mx_free(m);
}

/* RFC 5961 3.2 / RFC 9293 3.10.7.4 second (1): RST outside the window: silently dropped. */
static void
ev_rst_out_of_window(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt + FAR, 0, T_RST, NULL, 0);
	inj(m, m->rcv_nxt - OLD, 0, T_RST | T_ACK, NULL, 0);
	exp_none(m);
	exp_state(m, st_name(st));
	exp_no_callbacks(m, &s);
	assert_int_equal(T_STAT(m->env, TCPChallengeACK), 0);
	assert_int_equal(T_STAT(m->env, TCPRstIgnored), 2);
	assert_int_equal(T_STAT(m->env, TCPOutOfWindow), 0);
	mx_free(m);
}

/* RFC 5961 7 (+ errata 4772): challenge ACKs are limited per second, SYN and RST together. */
static void
ev_challenge_limit(void **st)
{
	const struct sdesc *d = *st;
	struct sp_config cfg;
	struct mx *m;

	sp_test_default_cfg(&cfg);
	cfg.tcp.challenge_ack_limit = 3;
	m = mx_new_cfg(&cfg, true);
	d->drive(m);
	/* Old SYNs: never a TIME-WAIT reuse, never "return to LISTEN" in SYN-RECEIVED. */
	inj(m, m->rcv_nxt + 10, 0, T_RST, NULL, 0);
	inj(m, m->rcv_nxt - OLD, 0, T_SYN, NULL, 0);
	inj(m, m->rcv_nxt + 30, 0, T_RST, NULL, 0);
	inj(m, m->rcv_nxt - OLD, 0, T_SYN, NULL, 0);
	inj(m, m->rcv_nxt + 50, 0, T_RST, NULL, 0);
	exp_n_acks(m, 3);
	assert_int_equal(T_STAT(m->env, TCPChallengeACK), 3);
	assert_int_equal(T_STAT(m->env, TCPChallengeACKLimited), 2);
	/* A new second, a new budget. */
	sp_test_advance_ms(m->env, 1001);
	sp_test_tx_clear(m->env);
	inj(m, m->rcv_nxt + 10, 0, T_RST, NULL, 0);
	exp_ack(m);
	exp_state(m, d->name);
	mx_free(m);
}

/* ---- per-state events: acceptable ACK, data in window, FIN, exact RST ---- */

/* ESTABLISHED / CLOSE-WAIT: an ACK of outstanding data moves SND.UNA; nothing sent back. */
static void
ack_of_data(struct mx *m, const char *state)
{
	struct sp_tcp_info i;
	struct app s;
	struct t_out o;

	assert_int_equal(sp_tcp_send(m->app.c, "abc", 3), 3);
	t_expect(m->env, &o, T_ACK);
	assert_int_equal(o.h.seq, m->snd_nxt);
	assert_int_equal(o.len, 3);
	m->snd_nxt += 3;
	s = m->app;
	inj(m, m->rcv_nxt, m->snd_nxt, T_ACK, NULL, 0);
	exp_none(m);
	exp_state(m, state);
	exp_no_callbacks(m, &s);
	sp_tcp_get_info(m->app.c, &i);
	assert_int_equal(i.send_queue, 0);
	assert_int_equal(i.bytes_acked, 3);
}

static void
test_est_ack_acceptable(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_established(m);
	ack_of_data(m, "ESTABLISHED");
	mx_free(m);
}

static void
test_cw_ack_acceptable(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_close_wait(m);
	ack_of_data(m, "CLOSE-WAIT");
	mx_free(m);
}

/* FIN-WAIT-1: the ACK of our FIN -> FIN-WAIT-2, nothing sent, no callback yet. */
static void
test_fw1_ack_acceptable(void **st)
{
	struct app s;
	struct mx *m = mx_new();

	(void)st;
	to_fin_wait_1(m);
	s = m->app;
	inj(m, m->rcv_nxt, m->snd_nxt, T_ACK, NULL, 0);
	exp_none(m);
	exp_state(m, "FIN-WAIT-2");
	exp_no_callbacks(m, &s);
	mx_free(m);
}

/* FIN-WAIT-2 / TIME-WAIT: a current ACK (nothing outstanding) changes nothing. */
static void
ev_ack_current(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt, m->snd_nxt, T_ACK, NULL, 0);
	exp_none(m);
	exp_state(m, st_name(st));
	exp_no_callbacks(m, &s);
	mx_free(m);
}

/* CLOSING: the ACK of our FIN -> TIME-WAIT (closed(0) reported then). */
static void
test_closing_ack_acceptable(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_closing(m);
	inj(m, m->rcv_nxt, m->snd_nxt, T_ACK, NULL, 0);
	exp_none(m);
	exp_state(m, "TIME-WAIT");
	assert_int_equal(m->app.closed, 1);
	assert_int_equal(m->app.closed_err, 0);
	mx_free(m);
}

/* LAST-ACK: the ACK of our FIN -> CLOSED, TCB deleted, closed(0). */
static void
test_la_ack_acceptable(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_last_ack(m);
	inj(m, m->rcv_nxt, m->snd_nxt, T_ACK, NULL, 0);
	exp_none(m);
	exp_state(m, "CLOSED");
	assert_int_equal(m->app.closed, 1);
	assert_int_equal(m->app.closed_err, 0);
	assert_int_equal(T_STAT(m->env, CurrEstab), 0);
	mx_free(m);
}

/* CLOSING / LAST-ACK: an ACK that does not cover our FIN: "otherwise, ignore the segment". */
static void
ev_ack_not_fin(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt, m->snd_una, T_ACK, NULL, 0);
	exp_none(m);
	exp_state(m, st_name(st));
	exp_no_callbacks(m, &s);
	mx_free(m);
}

/* ESTABLISHED, FIN-WAIT-1, FIN-WAIT-2 (seventh): text delivered, ACK delayed (RFC 1122 4.2.3.2). */
static void
ev_data_delivered(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt, m->snd_una, T_ACK | T_PSH, "hello", 5);
	assert_int_equal(m->app.recvs, s.recvs + 1);
	assert_int_equal(m->app.rx_len, 5);
	assert_memory_equal(m->app.rx, "hello", 5);
	exp_none(m);
	m->rcv_nxt += 5;
	sp_test_advance_ms(m->env, DELACK_MS);
	exp_ack(m);
	exp_state(m, st_name(st));
	assert_int_equal(T_STAT(m->env, TCPDelayedACKs), 1);
	mx_free(m);
}

/* ESTABLISHED: in window but not at RCV.NXT: queued, immediate duplicate ACK (RFC 5681 4.2). */
static void
test_est_data_ooo(void **st)
{
	struct app s;
	struct mx *m = mx_new();

	(void)st;
	to_established(m);
	s = m->app;
	inj(m, m->rcv_nxt + 10, m->snd_una, T_ACK, "later", 5);
	exp_ack(m);
	exp_no_callbacks(m, &s);
	assert_int_equal(T_STAT(m->env, TCPOFOQueue), 1);
	exp_state(m, "ESTABLISHED");
	mx_free(m);
}

/*
 * CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT (seventh): "This should not occur since a FIN has
 * been received from the remote side. Ignore the segment text." No recv, no answer.
 */
static void
ev_data_ignored(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt, m->snd_una, T_ACK | T_PSH, "after", 5);
	sp_test_advance_ms(m->env, DELACK_MS);
	exp_none(m);
	exp_state(m, st_name(st));
	exp_no_callbacks(m, &s);
	assert_int_equal(m->app.rx_len, 0);
	mx_free(m);
}

/* ESTABLISHED (eighth): FIN -> CLOSE-WAIT, ACK of the FIN at once, peer_closed(). */
static void
test_est_fin(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_established(m);
	inj(m, m->rcv_nxt, m->snd_una, T_FIN | T_ACK, NULL, 0);
	m->rcv_nxt++;
	exp_ack(m);
	exp_state(m, "CLOSE-WAIT");
	assert_int_equal(m->app.peer_closed, 1);
	assert_int_equal(m->app.closed, 0);
	assert_int_equal(T_STAT(m->env, CurrEstab), 1);
	mx_free(m);
}

/* ESTABLISHED: FIN with data: the text first ("FIN implies PUSH"), one ACK covering both. */
static void
test_est_fin_with_data(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_established(m);
	inj(m, m->rcv_nxt, m->snd_una, T_FIN | T_ACK, "bye", 3);
	m->rcv_nxt += 4;
	exp_ack(m);
	assert_int_equal(m->app.rx_len, 3);
	assert_int_equal(m->app.peer_closed, 1);
	exp_state(m, "CLOSE-WAIT");
	mx_free(m);
}

/*
 * Without window scaling the advertised RCV.WND is 65535 although the buffer is larger
 * (rcvbuf 262144). RFC 9293 3.10.7.4 and RFC 5961 3.2 test against RCV.WND, the window we
 * advertised: a RST 70000 beyond RCV.NXT is outside it (silently dropped), data there is
 * unacceptable (ACK, drop, not queued).
 */
static void
test_est_rst_beyond_advertised(void **st)
{
	struct app s;
	struct mx *m;

	(void)st;
	m = mx_new();
	to_established(m);
	s = m->app;
	inj(m, m->rcv_nxt + 70000, 0, T_RST, NULL, 0);
	exp_none(m);
	exp_state(m, "ESTABLISHED");
	exp_no_callbacks(m, &s);
	assert_int_equal(T_STAT(m->env, TCPChallengeACK), 0);
	mx_free(m);
}

static void
test_est_data_beyond_advertised(void **st)
{
	struct mx *m;

	(void)st;
	m = mx_new();
	to_established(m);
	inj(m, m->rcv_nxt + 70000, m->snd_una, T_ACK, "abc", 3);
	exp_ack(m);
	assert_int_equal(T_STAT(m->env, TCPOutOfWindow), 1);
	assert_int_equal(T_STAT(m->env, TCPOFOQueue), 0);
	mx_free(m);
}

/*
 * Out-of-order data must not move the right edge of the advertised window to the left: a
 * segment inside the window announced before it is acceptable (RFC 9293 3.10.7.4 first,
 * 3.8.6.2.2 "SHOULD NOT shrink the window"; tcp_out.c sp_tcp_rcv_wnd() promises it).
 */
static void
test_est_data_in_window_after_ooo(void **st)
{
	static uint8_t buf[1000];
	struct sp_tcp_info i;
	struct sp_config cfg;
	struct mx *m;
	struct t_out o;

	(void)st;
	sp_test_default_cfg(&cfg);
	cfg.tcp.rcvbuf = 8192;
	m = mx_new_cfg(&cfg, true);
	to_syn_received(m);
	inj(m, m->rcv_nxt, m->iss + 1, T_ACK, NULL, 0);
	m->snd_una = m->iss + 1;
	/* The last advertisement: 8192 from RCV.NXT. One hole of 1000, then 1000 queued. */
	inj(m, m->rcv_nxt + 1000, m->snd_una, T_ACK, buf, 1000);
	t_expect(m->env, &o, T_ACK);
	assert_int_equal(o.h.ack, m->rcv_nxt);
	/* Bytes 7500..7999: inside the 8192 announced before, beyond rcvbuf - ooo_bytes. */
	inj(m, m->rcv_nxt + 7500, m->snd_una, T_ACK, buf, 500);
	t_expect(m->env, &o, T_ACK);
	assert_int_equal(T_STAT(m->env, TCPOutOfWindow), 0);
	assert_int_equal(T_STAT(m->env, TCPOFOQueue), 2);
	sp_tcp_get_info(m->app.c, &i);
	assert_int_equal(i.recv_queue, 1500);
	mx_free(m);
}

/* FIN-WAIT-1: FIN not acknowledging ours -> CLOSING, ACK of the FIN. */
static void
test_fw1_fin(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_fin_wait_1(m);
	inj(m, m->rcv_nxt, m->snd_una, T_FIN | T_ACK, NULL, 0);
	m->rcv_nxt++;
	exp_ack(m);
	exp_state(m, "CLOSING");
	assert_int_equal(m->app.peer_closed, 1);
	assert_int_equal(m->app.closed, 0);
	mx_free(m);
}

/* FIN-WAIT-1: FIN that also acknowledges our FIN -> TIME-WAIT directly. */
static void
test_fw1_fin_acking_ours(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_fin_wait_1(m);
	inj(m, m->rcv_nxt, m->snd_nxt, T_FIN | T_ACK, NULL, 0);
	m->rcv_nxt++;
	exp_ack(m);
	exp_state(m, "TIME-WAIT");
	assert_int_equal(m->app.peer_closed, 1);
	assert_int_equal(m->app.closed, 1);
	assert_int_equal(m->app.closed_err, 0);
	mx_free(m);
}

/* FIN-WAIT-2: FIN -> TIME-WAIT, ACK, closed(0). */
static void
test_fw2_fin(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_fin_wait_2(m);
	inj(m, m->rcv_nxt, m->snd_nxt, T_FIN | T_ACK, NULL, 0);
	m->rcv_nxt++;
	exp_ack(m);
	exp_state(m, "TIME-WAIT");
	assert_int_equal(m->app.peer_closed, 1);
	assert_int_equal(m->app.closed, 1);
	assert_int_equal(m->app.closed_err, 0);
	mx_free(m);
}

/*
 * CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: the peer's FIN again (retransmitted, SEG.SEQ =
 * RCV.NXT - 1): unacceptable (first step) -> ACK; the state remains; no second peer_closed().
 */
static void
ev_fin_again(void **st)
{
	struct app s;
	struct mx *m = open_in(st, &s);

	inj(m, m->rcv_nxt - 1, m->snd_una, T_FIN | T_ACK, NULL, 0);
	exp_ack(m);
	exp_state(m, st_name(st));
	exp_no_callbacks(m, &s);
	mx_free(m);
}

/* RST at RCV.NXT (RFC 9293 3.10.7.4 second (2)): CLOSED, TCB deleted, nothing sent back. */
static void
rst_exact(struct mx *m, const char *from, int closed_err, int estab_resets)
{
	exp_state(m, from);
	inj(m, m->rcv_nxt, 0, T_RST, NULL, 0);
	exp_none(m);
	exp_state(m, "CLOSED");
	assert_int_equal(m->app.closed, 1);
	assert_int_equal(m->app.closed_err, closed_err);
	assert_int_equal(T_STAT(m->env, EstabResets), estab_resets);
	assert_int_equal(T_STAT(m->env, InRsts), 1);
	assert_int_equal(T_STAT(m->env, CurrEstab), 0);
	/* The connection is gone: the next segment gets a RST (3.10.7.1). */
	inj(m, m->rcv_nxt, m->snd_nxt, T_ACK, NULL, 0);
	exp_seg(m, T_RST, m->snd_nxt, 0);
}

/* ESTABLISHED, CLOSE-WAIT: "connection reset" to the user (closed(-ECONNRESET)). */
static void
test_est_rst_exact(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_established(m);
	rst_exact(m, "ESTABLISHED", -ECONNRESET, 1);
	mx_free(m);
}

static void
test_cw_rst_exact(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_close_wait(m);
	rst_exact(m, "CLOSE-WAIT", -ECONNRESET, 1);
	mx_free(m);
}

static void
test_fw1_rst_exact(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_fin_wait_1(m);
	rst_exact(m, "FIN-WAIT-1", -ECONNRESET, 0);
	mx_free(m);
}

static void
test_fw2_rst_exact(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_fin_wait_2(m);
	rst_exact(m, "FIN-WAIT-2", -ECONNRESET, 0);
	mx_free(m);
}

/* CLOSING, LAST-ACK: "enter the CLOSED state, delete the TCB"; closed() once (API contract). */
static void
test_closing_rst_exact(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_closing(m);
	rst_exact(m, "CLOSING", -ECONNRESET, 0);
	mx_free(m);
}

static void
test_la_rst_exact(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_last_ack(m);
	rst_exact(m, "LAST-ACK", -ECONNRESET, 0);
	mx_free(m);
}

/* TIME-WAIT: RST at RCV.NXT closes it (RFC 9293; RFC 1337 is not adopted); closed() not again. */
static void
test_tw_rst_exact(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_time_wait(m);
	inj(m, m->rcv_nxt, 0, T_RST, NULL, 0);
	exp_none(m);
	exp_state(m, "CLOSED");
	assert_int_equal(m->app.closed, 1);
	assert_int_equal(m->app.closed_err, 0);
	mx_free(m);
}

/* FIN-WAIT-2 after close(): data nobody will read -> RST (RFC 1122 4.2.2.13, RFC 9293 3.10.4). */
static void
test_fw2_data_after_close(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_fin_wait_2(m);
	assert_int_equal(sp_tcp_close(m->app.c), 0);
	inj(m, m->rcv_nxt, m->snd_nxt, T_ACK, "x", 1);
	exp_seg(m, T_RST | T_ACK, m->snd_nxt, m->rcv_nxt);
	exp_state(m, "CLOSED");
	assert_int_equal(m->app.recvs, 0);
	assert_int_equal(m->app.closed, 1);
	assert_int_equal(m->app.closed_err, -ECONNABORTED);
	mx_free(m);
}

/* ---- TIME-WAIT specifics ---- */

/* RFC 9293 3.10.7.4 (TIME-WAIT, FIN): ACK it and restart the 2 MSL timeout. */
static void
test_tw_fin_restarts_2msl(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_time_wait(m);
	sp_test_advance_ms(m->env, TW_MS * 6 / 10);
	inj(m, m->rcv_nxt - 1, m->snd_nxt, T_FIN | T_ACK, NULL, 0);
	exp_ack(m);
	sp_test_advance_ms(m->env, TW_MS * 6 / 10); /* 1.2 x TW since entry: still there */
	exp_state(m, "TIME-WAIT");
	sp_test_advance_ms(m->env, TW_MS * 5 / 10);
	exp_state(m, "CLOSED");
	exp_none(m);
	assert_int_equal(m->app.closed, 1);
	mx_free(m);
}

/* 2 MSL expiry: CLOSED; a later segment finds no connection (RST, 3.10.7.1). */
static void
test_tw_expires(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_time_wait(m);
	sp_test_advance_ms(m->env, TW_MS - 10);
	exp_state(m, "TIME-WAIT");
	sp_test_advance_ms(m->env, 20);
	exp_state(m, "CLOSED");
	exp_none(m);
	inj(m, m->rcv_nxt, m->snd_nxt, T_ACK, NULL, 0);
	exp_seg(m, T_RST, m->snd_nxt, 0);
	mx_free(m);
}

/*
 * RFC 1122 4.2.2.13, RFC 9293 3.6.1: a SYN with a higher sequence number than the old
 * incarnation's reopens the connection from TIME-WAIT: SYN-ACK <ACK=SEG.SEQ+1>.
 */
static void
test_tw_syn_higher_seq_reuse(void **st)
{
	struct mx *m = mx_new();
	struct t_out o;

	(void)st;
	to_time_wait(m);
	inj(m, m->rcv_nxt + 100000, 0, T_SYN, NULL, 0);
	t_expect(m->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.ack, m->rcv_nxt + 100001);
	assert_int_equal(t_count(m->env), 0);
	exp_state(m, "SYN-RECEIVED");
	assert_int_equal(T_STAT(m->env, TCPTimeWaitReuse), 1);
	assert_int_equal(m->app.closed, 1); /* the old incarnation: no second closed() */
	/* The new incarnation completes. */
	inj(m, m->rcv_nxt + 100001, o.h.seq + 1, T_ACK, NULL, 0);
	exp_state(m, "ESTABLISHED");
	assert_int_equal(m->app.accepted, 2);
	mx_free(m);
}

/* Nobody listens any more: the SYN is not a new connection, RFC 5961 4.2 challenge ACK. */
static void
test_tw_syn_no_listener(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_time_wait(m);
	sp_tcp_unlisten(m->env->ctx, m->l);
	inj(m, m->rcv_nxt + 100000, 0, T_SYN, NULL, 0);
	exp_ack(m);
	exp_state(m, "TIME-WAIT");
	assert_int_equal(T_STAT(m->env, TCPTimeWaitReuse), 0);
	mx_free(m);
}

/* RFC 6191: with timestamps, a newer TSval reopens TIME-WAIT even with a lower sequence. */
static void
test_tw_syn_newer_ts_reuse(void **st)
{
	struct sp_tcp_opts so = {.has_ts = true, .ts_val = 500};
	struct mx *m = mx_new();
	struct sp_tcp_info i;
	struct t_out o;

	(void)st;
	t_seg(m->env, RPORT, LPORT, PISN, 0, T_SYN, 65535, &so, NULL, 0);
	t_expect(m->env, &o, T_SYN | T_ACK);
	assert_true(o.h.opts.has_ts);
	m->ts = true;
	m->tsval = 500;
	m->iss = o.h.seq;
	m->snd_una = m->snd_nxt = m->iss + 1;
	m->rcv_nxt = PISN + 1;
	inj(m, m->rcv_nxt, m->iss + 1, T_ACK, NULL, 0);
	sp_tcp_get_info(m->app.c, &i);
	assert_true(i.timestamps);
	assert_int_equal(sp_tcp_shutdown(m->app.c), 0);
	t_expect(m->env, &o, T_FIN | T_ACK);
	m->snd_nxt++;
	inj(m, m->rcv_nxt, m->snd_nxt, T_FIN | T_ACK, NULL, 0);
	m->rcv_nxt++;
	t_expect(m->env, &o, T_ACK);
	exp_state(m, "TIME-WAIT");
	/* Sequence number below the old one, TSval newer. */
	inj(m, m->rcv_nxt - 500, 0, T_SYN, NULL, 0);
	t_expect(m->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.ack, m->rcv_nxt - 499);
	assert_int_equal(T_STAT(m->env, TCPTimeWaitReuse), 1);
	exp_state(m, "SYN-RECEIVED");
	mx_free(m);
}

/* ---- SYN-RECEIVED (passive) ---- */

/*
 * The peer's SYN again (SEG.SEQ = IRS, our SYN-ACK lost): the SYN-ACK is sent again at once.
 * RFC 9293 would answer the out-of-window SYN with <SEQ=SND.NXT><ACK=RCV.NXT><ACK>, which a peer
 * in SYN-SENT drops; repeating the SYN-ACK (as BSD and Linux do) is what completes the handshake.
 */
static void
test_sr_syn_retransmit(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_syn_received(m);
	inj(m, PISN, 0, T_SYN, NULL, 0);
	exp_seg(m, T_SYN | T_ACK, m->iss, PISN + 1);
	exp_state(m, "SYN-RECEIVED");
	assert_int_equal(m->app.accepted, 0);
	mx_free(m);
}

/*
 * The peer's SYN again and again (a forger repeating one SYN, with or without data): one
 * SYN-ACK per tcp.invalid_ratelimit_ms (500 ms), the rest counted (TCPAckSkippedSynRecv), as
 * Linux's tcp_check_req(). Each one used to get a SYN-ACK: 20 SYNs, 20 SYN-ACKs.
 */
static void
test_sr_syn_retransmit_limited(void **st)
{
	struct mx *m = mx_new();
	int i;

	(void)st;
	to_syn_received(m);
	for (i = 0; i < 20; i++)
		inj(m, PISN, 0, T_SYN, (i & 1) ? "early" : NULL, (i & 1) ? 5 : 0);
	exp_seg(m, T_SYN | T_ACK, m->iss, PISN + 1);
	exp_none(m);
	assert_int_equal(T_STAT(m->env, TCPAckSkippedSynRecv), 19);
	/* 500 ms on (the SYN-ACK's own 1 s timer not yet due), the next one is answered */
	sp_test_advance_ms(m->env, 500);
	inj(m, PISN, 0, T_SYN, NULL, 0);
	exp_seg(m, T_SYN | T_ACK, m->iss, PISN + 1);
	exp_none(m);
	/* the handshake completes */
	inj(m, PISN + 1, m->iss + 1, T_ACK, NULL, 0);
	exp_state(m, "ESTABLISHED");
	assert_int_equal(m->app.accepted, 1);
	mx_free(m);
}

/*
 * RFC 9293 3.10.7.4 fourth, SYN-RECEIVED: "If the connection was initiated with a passive OPEN,
 * then return this connection to the LISTEN state and return." A SYN (or SYN-ACK) in window
 * removes the half-open connection without a reply; the listener answers the next SYN afresh.
 */
static void
sr_syn_returns_to_listen(uint8_t flags)
{
	struct mx *m;
	struct t_out o;

	m = mx_new();
	to_syn_received(m);
	inj(m, m->rcv_nxt + 10, (flags & T_ACK) ? m->snd_nxt : 0, flags, NULL, 0);
	exp_none(m);
	exp_state(m, "CLOSED");
	assert_int_equal(m->app.accepted, 0);
	assert_int_equal(m->app.closed, 0);
	inj(m, PISN + 5000, 0, T_SYN, NULL, 0);
	t_expect(m->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.ack, PISN + 5001);
	exp_state(m, "SYN-RECEIVED");
	mx_free(m);
}

static void
test_sr_syn_in_window(void **st)
{
	(void)st;
	sr_syn_returns_to_listen(T_SYN);
}

static void
test_sr_synack_in_window(void **st)
{
	(void)st;
	sr_syn_returns_to_listen(T_SYN | T_ACK);
}

/* A SYN outside the window: first step, ACK <SEQ=ISS+1><ACK=IRS+1>; the connection stays. */
static void
test_sr_syn_out_of_window(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_syn_received(m);
	inj(m, m->rcv_nxt + FAR, 0, T_SYN, NULL, 0);
	exp_ack(m);
	exp_state(m, "SYN-RECEIVED");
	mx_free(m);
}

/* SND.UNA < SEG.ACK =< SND.NXT: ESTABLISHED, accepted(), nothing sent. */
static void
test_sr_ack_acceptable(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_syn_received(m);
	inj(m, m->rcv_nxt, m->iss + 1, T_ACK, NULL, 0);
	exp_none(m);
	exp_state(m, "ESTABLISHED");
	assert_int_equal(m->app.accepted, 1);
	assert_int_equal(T_STAT(m->env, CurrEstab), 1);
	mx_free(m);
}

/* Unacceptable ACK in SYN-RECEIVED (old: SEG.ACK =< SND.UNA; or unsent): <SEQ=SEG.ACK><RST>. */
static void
sr_bad_ack(uint32_t delta)
{
	struct mx *m = mx_new();

	to_syn_received(m);
	inj(m, m->rcv_nxt, m->iss + delta, T_ACK, NULL, 0);
	exp_seg(m, T_RST, m->iss + delta, 0);
	exp_state(m, "SYN-RECEIVED");
	assert_int_equal(m->app.accepted, 0);
	assert_int_equal(T_STAT(m->env, TCPBadAckRst), 1);
	/* The right ACK still completes it. */
	inj(m, m->rcv_nxt, m->iss + 1, T_ACK, NULL, 0);
	exp_state(m, "ESTABLISHED");
	mx_free(m);
}

static void
test_sr_ack_old(void **st)
{
	(void)st;
	sr_bad_ack(0);
}

static void
test_sr_ack_too_old(void **st)
{
	(void)st;
	sr_bad_ack((uint32_t)-OLD);
}

static void
test_sr_ack_unsent(void **st)
{
	(void)st;
	sr_bad_ack(100);
}

/* Data with the handshake's ACK: ESTABLISHED, then the text is delivered. */
static void
test_sr_data_with_ack(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_syn_received(m);
	inj(m, m->rcv_nxt, m->iss + 1, T_ACK | T_PSH, "early", 5);
	exp_state(m, "ESTABLISHED");
	assert_int_equal(m->app.accepted, 1);
	assert_int_equal(m->app.rx_len, 5);
	m->rcv_nxt += 5;
	sp_test_advance_ms(m->env, DELACK_MS);
	exp_ack(m);
	mx_free(m);
}

/* FIN with the handshake's ACK: ESTABLISHED then CLOSE-WAIT; accepted(), peer_closed(), ACK. */
static void
test_sr_fin(void **st)
{
	struct mx *m = mx_new();

	(void)st;
	to_syn_received(m);
	inj(m, m->rcv_nxt, m->iss + 1, T_FIN | T_ACK, NULL, 0);
	m->rcv_nxt++;
	exp_ack(m);
	exp_state(m, "CLOSE-WAIT");
	assert_int_equal(m->app.accepted, 1);
	assert_int_equal(m->app.peer_closed, 1);
	mx_free(m);
}

/* Passive SYN-RECEIVED, RST at RCV.NXT: back to LISTEN, "the user need not be informed". */
static void
test_sr_rst_exact(void **st)
{
	struct mx *m = mx_new();
	struct t_out o;

	(void)st;
	to_syn_received(m);
	inj(m, m->rcv_nxt, 0, T_RST, NULL, 0);
	exp_none(m);
	exp_state(m, "CLOSED");
	assert_int_equal(m->app.accepted, 0);
	assert_int_equal(m->app.closed, 0);
	assert_int_equal(T_STAT(m->env, AttemptFails), 0);
	/* The listener is still there. */
	inj(m, PISN + 5000, 0, T_SYN, NULL, 0);
	t_expect(m->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.ack, PISN + 5001);
	mx_free(m);
}

/* Active SYN-RECEIVED (simultaneous open), RST at RCV.NXT: "connection refused", CLOSED. */
static void
test_sr_active_rst_exact(void **st)
{
	struct mx *m = mx_new_cfg(NULL, false);

	(void)st;
	to_syn_sent(m);
	inj(m, PISN, 0, T_SYN, NULL, 0);
	exp_seg(m, T_SYN | T_ACK, m->iss, PISN + 1);
	m->rcv_nxt = PISN + 1;
	exp_state(m, "SYN-RECEIVED");
	inj(m, m->rcv_nxt, 0, T_RST, NULL, 0);
	exp_none(m);
	exp_state(m, "CLOSED");
	assert_int_equal(m->app.closed, 1);
	assert_int_equal(m->app.closed_err, -ECONNREFUSED);
	assert_int_equal(T_STAT(m->env, AttemptFails), 1);
	mx_free(m);
}

/* ---- SYN-SENT (RFC 9293 3.10.7.3) ---- */

static struct mx *
syn_sent(void)
{
	struct mx *m = mx_new_cfg(NULL, false);

	to_syn_sent(m);
	exp_state(m, "SYN-SENT");
	return m;
}

/* SYN-ACK acknowledging our SYN: ESTABLISHED, <SEQ=ISS+1><ACK=SEG.SEQ+1><ACK>, connected(). */
static void
test_ss_synack(void **st)
{
	struct mx *m = syn_sent();

	(void)st;
	inj(m, PISN, m->iss + 1, T_SYN | T_ACK, NULL, 0);
	m->rcv_nxt = PISN + 1;
	exp_ack(m);
	exp_state(m, "ESTABLISHED");
	assert_int_equal(m->app.connected, 1);
	assert_int_equal(T_STAT(m->env, CurrEstab), 1);
	mx_free(m);
}

/*
 * SYN-ACK carrying data: "If there are other controls or text in the segment, then continue
 * processing at the sixth step" (RFC 9293 3.10.7.3): the text is delivered and acknowledged.
 */
static void
test_ss_synack_with_data(void **st)
{
	struct mx *m;

	(void)st;
	m = syn_sent();
	inj(m, PISN, m->iss + 1, T_SYN | T_ACK | T_PSH, "hi", 2);
	m->rcv_nxt = PISN + 3;
	exp_state(m, "ESTABLISHED");
	assert_int_equal(m->app.connected, 1);
	assert_int_equal(m->app.rx_len, 2);
	assert_memory_equal(m->app.rx, "hi", 2);
	sp_test_advance_ms(m->env, DELACK_MS);
	while (t_count(m->env) > 1) { /* an ACK of the SYN alone before it is fine */
		struct t_out o;

		t_expect(m->env, &o, T_ACK);
	}
	exp_ack(m);
	mx_free(m);
}

/* SYN-ACK carrying FIN: processed after ESTABLISHED (eighth step): CLOSE-WAIT, ACK of the FIN. */
static void
test_ss_synack_with_fin(void **st)
{
	struct mx *m;

	(void)st;
	m = syn_sent();
	inj(m, PISN, m->iss + 1, T_SYN | T_ACK | T_FIN, NULL, 0);
	m->rcv_nxt = PISN + 2;
	exp_state(m, "CLOSE-WAIT");
	assert_int_equal(m->app.connected, 1);
	assert_int_equal(m->app.peer_closed, 1);
	while (t_count(m->env) > 1) { /* an ACK of the SYN alone before it is fine */
		struct t_out o;

		t_expect(m->env, &o, T_ACK);
	}
	exp_ack(m);
	mx_free(m);
}

/* SYN alone: simultaneous open, SYN-RECEIVED, <SEQ=ISS><ACK=SEG.SEQ+1><SYN,ACK>. */
static void
test_ss_syn(void **st)
{
	struct mx *m = syn_sent();

	(void)st;
	inj(m, PISN, 0, T_SYN, NULL, 0);
	exp_seg(m, T_SYN | T_ACK, m->iss, PISN + 1);
	exp_state(m, "SYN-RECEIVED");
	assert_int_equal(m->app.connected, 0);
	mx_free(m);
}

/* Unacceptable ACK (SEG.ACK =< ISS or > SND.NXT), with or without SYN: <SEQ=SEG.ACK><RST>. */
static void
ss_bad_ack(uint8_t flags, uint32_t delta, const void *d, size_t len)
{
	struct mx *m = syn_sent();

	inj(m, PISN, m->iss + delta, flags, d, len);
	exp_seg(m, T_RST, m->iss + delta, 0);
	exp_state(m, "SYN-SENT");
	assert_int_equal(m->app.connected, 0);
	assert_int_equal(m->app.closed, 0);
	assert_int_equal(T_STAT(m->env, TCPBadAckRst), 1);
	mx_free(m);
}

static void
test_ss_synack_ack_unsent(void **st)
{
	(void)st;
	ss_bad_ack(T_SYN | T_ACK, 10, NULL, 0);
}

static void
test_ss_synack_ack_old(void **st)
{
	(void)st;
	ss_bad_ack(T_SYN | T_ACK, 0, NULL, 0);
}

static void
test_ss_ack_unsent(void **st)
{
	(void)st;
	ss_bad_ack(T_ACK, 100, NULL, 0);
}

static void
test_ss_ack_old(void **st)
{
	(void)st;
	ss_bad_ack(T_ACK, (uint32_t)-OLD, NULL, 0);
}

static void
test_ss_data_bad_ack(void **st)
{
	(void)st;
	ss_bad_ack(T_ACK, 100, "abc", 3);
}

/* Acceptable ACK but neither SYN nor RST (bare ACK, data, FIN): fifth, drop, no answer. */
static void
ss_dropped(uint8_t flags, const void *d, size_t len)
{
	struct mx *m = syn_sent();
	struct app s = m->app;

	inj(m, PISN, m->iss + 1, flags, d, len);
	exp_none(m);
	exp_state(m, "SYN-SENT");
	exp_no_callbacks(m, &s);
	assert_int_equal(T_STAT(m->env, TCPSynSentNoSynDrops), 1);
	mx_free(m);
}

static void
test_ss_ack_acceptable(void **st)
{
	(void)st;
	ss_dropped(T_ACK, NULL, 0);
}

static void
test_ss_data(void **st)
{
	(void)st;
	ss_dropped(T_ACK, "abc", 3);
}

static void
test_ss_fin(void **st)
{
	(void)st;
	ss_dropped(T_FIN | T_ACK, NULL, 0);
}

static void
test_ss_data_no_ack(void **st)
{
	(void)st;
	ss_dropped(0, "abc", 3);
}

/* RST with an acceptable ACK: "connection reset/refused", CLOSED. */
static void
test_ss_rst_ack(void **st)
{
	struct mx *m = syn_sent();

	(void)st;
	inj(m, 0, m->iss + 1, T_RST | T_ACK, NULL, 0);
	exp_none(m);
	exp_state(m, "CLOSED");
	assert_int_equal(m->app.closed, 1);
	assert_int_equal(m->app.closed_err, -ECONNREFUSED);
	assert_int_equal(T_STAT(m->env, AttemptFails), 1);
	mx_free(m);
}

/* RST without ACK, or with an unacceptable ACK (RFC 5961 3.2 for SYN-SENT): dropped. */
static void
ss_rst_ignored(uint8_t flags, uint32_t delta)
{
	struct mx *m = syn_sent();
	struct app s = m->app;

	inj(m, 0, (flags & T_ACK) ? m->iss + delta : 0, flags, NULL, 0);
	exp_none(m);
	exp_state(m, "SYN-SENT");
	exp_no_callbacks(m, &s);
	assert_int_equal(T_STAT(m->env, TCPRstIgnored), 1);
	mx_free(m);
}

static void
test_ss_rst_no_ack(void **st)
{
	(void)st;
	ss_rst_ignored(T_RST, 0);
}

static void
test_ss_rst_bad_ack(void **st)
{
	(void)st;
	ss_rst_ignored(T_RST | T_ACK, 10);
}

static void
test_ss_rst_old_ack(void **st)
{
	(void)st;
	ss_rst_ignored(T_RST | T_ACK, 0);
}

/* ---- LISTEN (RFC 9293 3.10.7.2) ---- */

/* SYN: <SEQ=ISS><ACK=SEG.SEQ+1><SYN,ACK>, SYN-RECEIVED. */
static void
test_listen_syn(void **st)
{
	struct mx *m = mx_new();
	struct t_out o;

	(void)st;
	inj(m, PISN, 0, T_SYN, NULL, 0);
	t_expect(m->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.ack, PISN + 1);
	assert_int_equal(o.len, 0);
	assert_int_equal(t_count(m->env), 0);
	exp_state(m, "SYN-RECEIVED");
	assert_int_equal(T_STAT(m->env, PassiveOpens), 1);
	assert_int_equal(m->app.accepted, 0);
	mx_free(m);
}

/*
 * SYN with data: RCV.NXT = SEG.SEQ + 1 in the SYN-ACK (the text would be processed after the
 * handshake; spindle does not keep it, the peer sends it again, a SHOULD of 3.10.7.2).
 */
static void
test_listen_syn_with_data(void **st)
{
	struct mx *m = mx_new();
	struct t_out o;

	(void)st;
	inj(m, PISN, 0, T_SYN, "data", 4);
	t_expect(m->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.ack, PISN + 1);
	exp_state(m, "SYN-RECEIVED");
	mx_free(m);
}

/* Any ACK-bearing segment: <SEQ=SEG.ACK><RST>, no connection. */
static void
listen_ack(uint8_t flags, const void *d, size_t len)
{
	struct mx *m = mx_new();

	inj(m, PISN, 777777, flags, d, len);
	exp_seg(m, T_RST, 777777, 0);
	exp_state(m, "CLOSED");
	assert_int_equal(m->app.accepted, 0);
	/* No cookie was sent lately: a bad ACK, not a cookie's that failed (listen_input()). */
	assert_int_equal(T_STAT(m->env, TCPBadAckRst), 1);
	assert_int_equal(T_STAT(m->env, SyncookiesFailed), 0);
	mx_free(m);
}

static void
test_listen_synack(void **st)
{
	(void)st;
	listen_ack(T_SYN | T_ACK, NULL, 0);
}

static void
test_listen_ack(void **st)
{
	(void)st;
	listen_ack(T_ACK, NULL, 0);
}

static void
test_listen_data_ack(void **st)
{
	(void)st;
	listen_ack(T_ACK, "abc", 3);
}

static void
test_listen_fin_ack(void **st)
{
	(void)st;
	listen_ack(T_FIN | T_ACK, NULL, 0);
}

/* RST (first: ignored) and control/text without SYN or ACK (fourth: drop): no answer. */
static void
listen_silent(uint8_t flags, const void *d, size_t len)
{
	struct mx *m = mx_new();

	inj(m, PISN, (flags & T_ACK) ? 777777 : 0, flags, d, len);
	exp_none(m);
	exp_state(m, "CLOSED");
	assert_int_equal(m->app.accepted, 0);
	assert_int_equal(T_STAT(m->env, OutRsts), 0);
	/* Silent, yet counted: a RST first, anything else without SYN at the fourth step. */
	assert_int_equal(T_STAT(m->env, TCPListenRstDrops), (flags & T_RST) ? 1 : 0);
	assert_int_equal(T_STAT(m->env, TCPListenNoSynDrops), (flags & T_RST) ? 0 : 1);
	mx_free(m);
}

static void
test_listen_rst(void **st)
{
	(void)st;
	listen_silent(T_RST, NULL, 0);
}

static void
test_listen_rst_ack(void **st)
{
	(void)st;
	listen_silent(T_RST | T_ACK, NULL, 0);
}

static void
test_listen_data_no_ack(void **st)
{
	(void)st;
	listen_silent(0, "abc", 3);
}

static void
test_listen_fin_no_ack(void **st)
{
	(void)st;
	listen_silent(T_FIN, NULL, 0);
}

/* ---- CLOSED: no TCB, no listener (RFC 9293 3.10.7.1) ---- */

/* ACK off: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><RST,ACK>; ACK on: <SEQ=SEG.ACK><RST>; RST: nothing. */
static void
closed_case(uint8_t flags, const void *d, size_t len)
{
	struct mx *m = mx_new_cfg(NULL, false);
	uint32_t seglen = (uint32_t)len + ((flags & T_SYN) ? 1 : 0) + ((flags & T_FIN) ? 1 : 0);

	inj(m, PISN, 4242, flags, d, len);
	if (flags & T_RST)
		exp_none(m);
	else if (flags & T_ACK)
		exp_seg(m, T_RST, 4242, 0);
	else
		exp_seg(m, T_RST | T_ACK, 0, PISN + seglen);
	exp_state(m, "CLOSED");
	assert_int_equal(T_STAT(m->env, TCPNoListener), 1);
	mx_free(m);
}

static void
test_closed_syn(void **st)
{
	(void)st;
	closed_case(T_SYN, NULL, 0);
}

static void
test_closed_syn_data(void **st)
{
	(void)st;
	closed_case(T_SYN, "abcd", 4);
}

static void
test_closed_synack(void **st)
{
	(void)st;
	closed_case(T_SYN | T_ACK, NULL, 0);
}

static void
test_closed_ack(void **st)
{
	(void)st;
	closed_case(T_ACK, NULL, 0);
}

static void
test_closed_data_ack(void **st)
{
	(void)st;
	closed_case(T_ACK, "abc", 3);
}

static void
test_closed_data_no_ack(void **st)
{
	(void)st;
	closed_case(0, "abc", 3);
}

static void
test_closed_fin(void **st)
{
	(void)st;
	closed_case(T_FIN, NULL, 0);
}

static void
test_closed_fin_ack(void **st)
{
	(void)st;
	closed_case(T_FIN | T_ACK, NULL, 0);
}

static void
test_closed_rst(void **st)
{
	(void)st;
	closed_case(T_RST, NULL, 0);
}

static void
test_closed_rst_ack(void **st)
{
	(void)st;
	closed_case(T_RST | T_ACK, NULL, 0);
}

/* ---- the table ---- */

#define CASE(name, fn)                         \
	{                                      \
		name, fn, NULL, teardown, NULL \
	}

#define ST(S, NAME, label, fn)                                          \
	{                                                               \
		NAME ": " label, fn, NULL, teardown, (void *)&states[S] \
	}

/* Each synchronised state's row of uniform events. */
#define SYNC_ROWS(S, NAME)                                                                \
	ST(S, NAME, "SYN old (out of window) -> ACK", ev_syn_old),                        \
		ST(S, NAME, "SYN-ACK -> challenge ACK", ev_synack),                       \
		ST(S, NAME, "ACK duplicate -> ignored", ev_ack_dup),                      \
		ST(S, NAME, "ACK below SND.UNA-MAX.SND.WND -> challenge ACK (5961 5.2)",  \
			ev_ack_too_old),                                                  \
		ST(S, NAME, "ACK of unsent data -> ACK, drop (5961 5.2)", ev_ack_unsent), \
		ST(S, NAME, "data out of window -> ACK", ev_data_out_of_window),          \
		ST(S, NAME, "data old duplicate -> ACK", ev_data_old),                    \
		ST(S, NAME, "data without ACK -> dropped", ev_data_no_ack),               \
		ST(S, NAME, "RST in window, not exact -> challenge ACK (5961 3.2)",       \
			ev_rst_in_window),                                                \
		ST(S, NAME, "RST out of window -> ignored", ev_rst_out_of_window),        \
		ST(S, NAME, "challenge ACK rate limit (5961 7)", ev_challenge_limit)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* CLOSED */
		CASE("CLOSED: SYN -> RST,ACK <0, SEQ+1>", test_closed_syn),
		CASE("CLOSED: SYN with data -> RST,ACK <0, SEQ+LEN>", test_closed_syn_data),
		CASE("CLOSED: SYN-ACK -> RST <SEG.ACK>", test_closed_synack),
		CASE("CLOSED: ACK -> RST <SEG.ACK>", test_closed_ack),
		CASE("CLOSED: data+ACK -> RST <SEG.ACK>", test_closed_data_ack),
		CASE("CLOSED: data no ACK -> RST,ACK <0, SEQ+LEN>", test_closed_data_no_ack),
		CASE("CLOSED: FIN -> RST,ACK <0, SEQ+1>", test_closed_fin),
		CASE("CLOSED: FIN+ACK -> RST <SEG.ACK>", test_closed_fin_ack),
		CASE("CLOSED: RST -> nothing", test_closed_rst),
		CASE("CLOSED: RST+ACK -> nothing", test_closed_rst_ack),
		/* LISTEN */
		CASE("LISTEN: SYN -> SYN-ACK, SYN-RECEIVED", test_listen_syn),
		CASE("LISTEN: SYN with data -> SYN-ACK ack SEQ+1", test_listen_syn_with_data),
		CASE("LISTEN: SYN-ACK -> RST <SEG.ACK>", test_listen_synack),
		CASE("LISTEN: ACK -> RST <SEG.ACK>", test_listen_ack),
		CASE("LISTEN: data+ACK -> RST <SEG.ACK>", test_listen_data_ack),
		CASE("LISTEN: FIN+ACK -> RST <SEG.ACK>", test_listen_fin_ack),
		CASE("LISTEN: RST -> ignored", test_listen_rst),
		CASE("LISTEN: RST+ACK -> ignored", test_listen_rst_ack),
		CASE("LISTEN: data no ACK -> dropped", test_listen_data_no_ack),
		CASE("LISTEN: FIN no ACK -> dropped", test_listen_fin_no_ack),
		/* SYN-SENT */
		CASE("SYN-SENT: SYN-ACK -> ESTABLISHED, ACK, connected", test_ss_synack),
		CASE("SYN-SENT: SYN-ACK with data -> text delivered", test_ss_synack_with_data),
		CASE("SYN-SENT: SYN-ACK with FIN -> CLOSE-WAIT", test_ss_synack_with_fin),
		CASE("SYN-SENT: SYN -> SYN-RECEIVED, SYN-ACK", test_ss_syn),
		CASE("SYN-SENT: SYN-ACK ack > SND.NXT -> RST <SEG.ACK>", test_ss_synack_ack_unsent),
		CASE("SYN-SENT: SYN-ACK ack =< ISS -> RST <SEG.ACK>", test_ss_synack_ack_old),
		CASE("SYN-SENT: ACK > SND.NXT -> RST <SEG.ACK>", test_ss_ack_unsent),
		CASE("SYN-SENT: ACK old -> RST <SEG.ACK>", test_ss_ack_old),
		CASE("SYN-SENT: data, bad ACK -> RST <SEG.ACK>", test_ss_data_bad_ack),
		CASE("SYN-SENT: ACK acceptable, no SYN -> dropped", test_ss_ack_acceptable),
		CASE("SYN-SENT: data, acceptable ACK, no SYN -> dropped", test_ss_data),
		CASE("SYN-SENT: FIN, no SYN -> dropped", test_ss_fin),
		CASE("SYN-SENT: data no ACK -> dropped", test_ss_data_no_ack),
		CASE("SYN-SENT: RST+ACK acceptable -> CLOSED, refused", test_ss_rst_ack),
		CASE("SYN-SENT: RST no ACK -> ignored", test_ss_rst_no_ack),
		CASE("SYN-SENT: RST+ACK > SND.NXT -> ignored", test_ss_rst_bad_ack),
		CASE("SYN-SENT: RST+ACK =< ISS -> ignored", test_ss_rst_old_ack),
		/* SYN-RECEIVED */
		CASE("SYN-RECEIVED: SYN again (IRS) -> SYN-ACK again", test_sr_syn_retransmit),
		CASE("SYN-RECEIVED: SYN again x20 -> one SYN-ACK per 500 ms",
			test_sr_syn_retransmit_limited),
		CASE("SYN-RECEIVED: SYN in window -> LISTEN, silent", test_sr_syn_in_window),
		CASE("SYN-RECEIVED: SYN-ACK in window -> LISTEN, silent", test_sr_synack_in_window),
		CASE("SYN-RECEIVED: SYN out of window -> ACK", test_sr_syn_out_of_window),
		CASE("SYN-RECEIVED: ACK acceptable -> ESTABLISHED, accepted",
			test_sr_ack_acceptable),
		CASE("SYN-RECEIVED: ACK =< SND.UNA -> RST <SEG.ACK>", test_sr_ack_old),
		CASE("SYN-RECEIVED: ACK far below -> RST <SEG.ACK>", test_sr_ack_too_old),
		CASE("SYN-RECEIVED: ACK > SND.NXT -> RST <SEG.ACK>", test_sr_ack_unsent),
		CASE("SYN-RECEIVED: data+ACK -> ESTABLISHED, delivered", test_sr_data_with_ack),
		CASE("SYN-RECEIVED: FIN+ACK -> CLOSE-WAIT", test_sr_fin),
		CASE("SYN-RECEIVED: RST exact -> LISTEN, silent", test_sr_rst_exact),
		CASE("SYN-RECEIVED (active): RST exact -> CLOSED, refused",
			test_sr_active_rst_exact),
		ST(S_SR, "SYN-RECEIVED", "data out of window -> ACK", ev_data_out_of_window),
		ST(S_SR, "SYN-RECEIVED", "data without ACK -> dropped", ev_data_no_ack),
		ST(S_SR, "SYN-RECEIVED", "RST in window, not exact -> challenge ACK",
			ev_rst_in_window),
		ST(S_SR, "SYN-RECEIVED", "RST out of window -> ignored", ev_rst_out_of_window),
		ST(S_SR, "SYN-RECEIVED", "challenge ACK rate limit", ev_challenge_limit),
		/* ESTABLISHED */
		ST(S_EST, "ESTABLISHED", "SYN in window -> challenge ACK", ev_syn_in_window),
		SYNC_ROWS(S_EST, "ESTABLISHED"),
		CASE("ESTABLISHED: ACK acceptable -> SND.UNA moves", test_est_ack_acceptable),
		ST(S_EST, "ESTABLISHED", "data in window -> delivered, delayed ACK",
			ev_data_delivered),
		CASE("ESTABLISHED: data out of order -> queued, dup ACK", test_est_data_ooo),
		CASE("ESTABLISHED: RST beyond advertised window -> ignored",
			test_est_rst_beyond_advertised),
		CASE("ESTABLISHED: data beyond advertised window -> ACK, drop",
			test_est_data_beyond_advertised),
		CASE("ESTABLISHED: data in advertised window after OOO data -> accepted",
			test_est_data_in_window_after_ooo),
		CASE("ESTABLISHED: FIN -> CLOSE-WAIT, ACK", test_est_fin),
		CASE("ESTABLISHED: FIN with data -> delivered, CLOSE-WAIT", test_est_fin_with_data),
		CASE("ESTABLISHED: RST exact -> CLOSED, reset", test_est_rst_exact),
		/* FIN-WAIT-1 */
		ST(S_FW1, "FIN-WAIT-1", "SYN in window -> challenge ACK", ev_syn_in_window),
		SYNC_ROWS(S_FW1, "FIN-WAIT-1"),
		CASE("FIN-WAIT-1: ACK of our FIN -> FIN-WAIT-2", test_fw1_ack_acceptable),
		ST(S_FW1, "FIN-WAIT-1", "data in window -> delivered", ev_data_delivered),
		CASE("FIN-WAIT-1: FIN -> CLOSING, ACK", test_fw1_fin),
		CASE("FIN-WAIT-1: FIN acking ours -> TIME-WAIT", test_fw1_fin_acking_ours),
		CASE("FIN-WAIT-1: RST exact -> CLOSED, reset", test_fw1_rst_exact),
		/* FIN-WAIT-2 */
		ST(S_FW2, "FIN-WAIT-2", "SYN in window -> challenge ACK", ev_syn_in_window),
		SYNC_ROWS(S_FW2, "FIN-WAIT-2"),
		ST(S_FW2, "FIN-WAIT-2", "ACK current -> nothing", ev_ack_current),
		ST(S_FW2, "FIN-WAIT-2", "data in window -> delivered", ev_data_delivered),
		CASE("FIN-WAIT-2: data after close() -> RST", test_fw2_data_after_close),
		CASE("FIN-WAIT-2: FIN -> TIME-WAIT, ACK, closed(0)", test_fw2_fin),
		CASE("FIN-WAIT-2: RST exact -> CLOSED, reset", test_fw2_rst_exact),
		/* CLOSE-WAIT */
		ST(S_CW, "CLOSE-WAIT", "SYN in window -> challenge ACK", ev_syn_in_window),
		SYNC_ROWS(S_CW, "CLOSE-WAIT"),
		CASE("CLOSE-WAIT: ACK acceptable -> SND.UNA moves", test_cw_ack_acceptable),
		ST(S_CW, "CLOSE-WAIT", "data in window -> ignored", ev_data_ignored),
		ST(S_CW, "CLOSE-WAIT", "FIN again -> ACK, stays", ev_fin_again),
		CASE("CLOSE-WAIT: RST exact -> CLOSED, reset", test_cw_rst_exact),
		/* CLOSING */
		ST(S_CLOSING, "CLOSING", "SYN in window -> challenge ACK", ev_syn_in_window),
		SYNC_ROWS(S_CLOSING, "CLOSING"),
		CASE("CLOSING: ACK of our FIN -> TIME-WAIT", test_closing_ack_acceptable),
		ST(S_CLOSING, "CLOSING", "ACK not of our FIN -> ignored", ev_ack_not_fin),
		ST(S_CLOSING, "CLOSING", "data in window -> ignored", ev_data_ignored),
		ST(S_CLOSING, "CLOSING", "FIN again -> ACK, stays", ev_fin_again),
		CASE("CLOSING: RST exact -> CLOSED", test_closing_rst_exact),
		/* LAST-ACK */
		ST(S_LA, "LAST-ACK", "SYN in window -> challenge ACK", ev_syn_in_window),
		SYNC_ROWS(S_LA, "LAST-ACK"),
		CASE("LAST-ACK: ACK of our FIN -> CLOSED, closed(0)", test_la_ack_acceptable),
		ST(S_LA, "LAST-ACK", "ACK not of our FIN -> ignored", ev_ack_not_fin),
		ST(S_LA, "LAST-ACK", "data in window -> ignored", ev_data_ignored),
		ST(S_LA, "LAST-ACK", "FIN again -> ACK, stays", ev_fin_again),
		CASE("LAST-ACK: RST exact -> CLOSED", test_la_rst_exact),
		/* TIME-WAIT */
		CASE("TIME-WAIT: SYN higher seq -> reused, SYN-ACK", test_tw_syn_higher_seq_reuse),
		CASE("TIME-WAIT: SYN older seq, newer TSval -> reused (6191)",
			test_tw_syn_newer_ts_reuse),
		CASE("TIME-WAIT: SYN, no listener -> challenge ACK", test_tw_syn_no_listener),
		SYNC_ROWS(S_TW, "TIME-WAIT"),
		ST(S_TW, "TIME-WAIT", "ACK current -> nothing", ev_ack_current),
		ST(S_TW, "TIME-WAIT", "data in window -> ignored", ev_data_ignored),
		ST(S_TW, "TIME-WAIT", "FIN again -> ACK, stays", ev_fin_again),
		CASE("TIME-WAIT: FIN again restarts 2MSL", test_tw_fin_restarts_2msl),
		CASE("TIME-WAIT: 2MSL expiry -> CLOSED", test_tw_expires),
		CASE("TIME-WAIT: RST exact -> CLOSED", test_tw_rst_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

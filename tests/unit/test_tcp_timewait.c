/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TIME-WAIT table (tcp_timewait.c): a connection entering TIME-WAIT on either path (FIN-WAIT-2 +
 * FIN, CLOSING + ACK) becomes a compact entry and gives its place in tcp.max_connections back;
 * a retransmitted FIN is ACKed again and restarts 2 MSL; a new SYN may reuse the tuple (RFC
 * 6191); a full table recycles its oldest entry; expiry runs in bounded batches; active opens
 * do not take a tuple in TIME-WAIT unless it used timestamps and is a second old (then they
 * reuse it, as Linux's tcp_tw_reuse). The state x event answers of TIME-WAIT are in
 * test_tcp_matrix.c.
 */
#include <errno.h>

#include "tcp.h"
#include "tcp_helper.h"

#define TW_MS	 500
#define TW_BATCH 256 /* tcp_timewait.c: entries expired per timer run */

static struct fx *
tw_fx_ms(uint32_t max_conns, uint32_t max_tw, uint32_t tw_ms)
{
	struct sp_config cfg;

	sp_test_default_cfg(&cfg);
	cfg.tcp.time_wait_ms = tw_ms;
	cfg.tcp.max_connections = max_conns;
	cfg.tcp.max_timewait = max_tw;
	return fx_new(&cfg, 0);
}

static struct fx *
tw_fx(uint32_t max_conns, uint32_t max_tw)
{
	return tw_fx_ms(max_conns, max_tw, TW_MS);
}

/* Handshake from the peer's @rport with ISN @isn; @return our ISS. */
static uint32_t
open_from(struct fx *f, uint16_t rport, uint32_t isn)
{
	struct t_out o;

	t_seg(f->env, rport, T_LPORT, isn, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.ack, isn + 1);
	t_seg(f->env, rport, T_LPORT, isn + 1, o.h.seq + 1, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	return o.h.seq;
}

/* Handshake from @rport, then the application closes: our FIN goes. @return our ISS. */
static uint32_t
close_first(struct fx *f, uint16_t rport, uint32_t isn)
{
	uint32_t iss = open_from(f, rport, isn);
	struct t_out o;

	assert_int_equal(sp_tcp_close(f->app.c), 0);
	t_expect(f->env, &o, T_ACK | T_FIN);
	assert_int_equal(o.h.seq, iss + 1);
	return iss;
}

/* The application closes first, the peer ACKs our FIN then sends its own: TIME-WAIT.
 * @return our ISS. */
static uint32_t
active_close_from(struct fx *f, uint16_t rport, uint32_t isn)
{
	uint32_t iss = close_first(f, rport, isn);
	struct t_out o;

	t_seg(f->env, rport, T_LPORT, isn + 1, iss + 2, T_ACK, 65535, NULL, NULL, 0);
	t_seg(f->env, rport, T_LPORT, isn + 1, iss + 2, T_ACK | T_FIN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, iss + 2);
	assert_int_equal(o.h.ack, isn + 2);
	return iss;
}

struct find {
	uint16_t rport;
	int n;
	const char *state;
};

static void
find_fn(void *arg, const struct sp_conn *c)
{
	struct find *f = arg;
	struct sp_tcp_info i;

	sp_tcp_get_info(c, &i);
	if (i.remote_port != f->rport)
		return;
	f->n++;
	f->state = i.state;
}

/* State of the tuple from the peer's @rport as telemetry lists it, "CLOSED" when none. */
static const char *
state_of(struct fx *f, uint16_t rport)
{
	static struct find fd;

	fd = (struct find){.rport = rport, .state = "CLOSED"};
	sp_tcp_foreach(f->env->ctx, find_fn, &fd);
	assert_true(fd.n <= 1);
	return fd.state;
}

/* A pure ACK from the peer's @rport: an ACK back while in TIME-WAIT, a RST once it ended. */
static uint8_t
poke(struct fx *f, uint16_t rport, uint32_t seq, uint32_t ack)
{
	struct t_out o;

	t_seg(f->env, rport, T_LPORT, seq, ack, T_ACK, 65535, NULL, NULL, 0);
	if (!t_pop(f->env, &o))
		return 0;
	return o.h.flags;
}

/*
 * The connection from T_RPORT (the fixture's only one, max_connections 1) was reported closed(0)
 * and is a TIME-WAIT entry; its connection slot is free: another peer connects.
 */
static void
exp_entered(struct fx *f)
{
	assert_int_equal(f->app.closed, 1);
	assert_int_equal(f->app.closed_err, 0);
	assert_int_equal(T_STAT(f->env, TCPTimeWaitEntered), 1);
	assert_int_equal(T_STAT(f->env, CurrTimeWait), 1);
	assert_string_equal(state_of(f, T_RPORT), "TIME-WAIT");
	open_from(f, T_RPORT + 1, 5000);
	assert_int_equal(f->app.accepted, 2);
	assert_int_equal(T_STAT(f->env, TCPMaxConnDrops), 0);
}

/* FIN-WAIT-2 + FIN: the entry takes no connection slot (max_connections 1 opens again). */
static void
test_enter_fin_wait_2(void **state)
{
	struct fx *f = tw_fx(1, 16);

	(void)state;
	active_close_from(f, T_RPORT, T_PISN);
	exp_entered(f);
	fx_free(f);
}

/* CLOSING + ACK of our FIN (simultaneous close): TIME-WAIT entry too. */
static void
test_enter_closing(void **state)
{
	struct fx *f = tw_fx(1, 16);
	uint32_t iss = close_first(f, T_RPORT, T_PISN);
	struct t_out o;

	(void)state;
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 1, iss + 1, T_ACK | T_FIN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_string_equal(state_of(f, T_RPORT), "CLOSING");
	assert_int_equal(T_STAT(f->env, TCPTimeWaitEntered), 0);
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 2, iss + 2, T_ACK, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 0);
	exp_entered(f);
	/* The entry answers like the connection did. */
	assert_int_equal(poke(f, T_RPORT, T_PISN + 2, iss + 2), 0);
	fx_free(f);
}

/*
 * A retransmitted FIN is ACKed again, with the connection's IP TOS (IP_TOS, as Linux's tw_tos)
 * and the default TTL whatever the connection's IP_TTL (Linux's control socket sends it), and
 * restarts the 2 MSL timeout; then it expires.
 */
static void
test_fin_again_restarts(void **state)
{
	struct fx *f = tw_fx(4, 16);
	uint32_t iss;
	struct t_out o;

	(void)state;
	f->l->iptx = (struct sp_ip_tx){.tos = 0x28, .ttl = 9}; /* what it accepts gets them */
	iss = active_close_from(f, T_RPORT, T_PISN);
	sp_test_advance_ms(f->env, TW_MS - 100);
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 1, iss + 2, T_ACK | T_FIN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.seq, iss + 2);
	assert_int_equal(o.h.ack, T_PISN + 2);
	assert_int_equal(o.tos, 0x28);
	assert_int_equal(o.ttl, SP_IP_DEFAULT_TTL);
	/* Past the first deadline, inside the restarted one. */
	sp_test_advance_ms(f->env, 200);
	assert_string_equal(state_of(f, T_RPORT), "TIME-WAIT");
	assert_int_equal(T_STAT(f->env, TCPTimeWaitExpired), 0);
	sp_test_advance_ms(f->env, TW_MS);
	assert_string_equal(state_of(f, T_RPORT), "CLOSED");
	assert_int_equal(T_STAT(f->env, TCPTimeWaitExpired), 1);
	assert_int_equal(T_STAT(f->env, CurrTimeWait), 0);
	/* Gone: CLOSED answers with RST. */
	assert_int_equal(poke(f, T_RPORT, T_PISN + 2, iss + 2), T_RST);
	fx_free(f);
}

/*
 * Pure ACKs outside the window of a TIME-WAIT entry, or of data never sent, get one ACK per
 * tcp.invalid_ratelimit_ms (an ACK loop or a forger, as for connections); the peer's FIN again
 * is always answered.
 */
static void
test_oow_acks_limited(void **state)
{
	struct fx *f = tw_fx_ms(4, 16, 5000);
	uint32_t iss = active_close_from(f, T_RPORT, T_PISN);
	int i, n = 0;

	(void)state;
	for (i = 0; i < 5; i++)
		n += poke(f, T_RPORT, T_PISN + 0x40000000, iss + 2) != 0;
	assert_int_equal(n, 1);
	assert_int_equal(T_STAT(f->env, TCPAckSkippedSeq), 4);
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 1, iss + 2, T_ACK | T_FIN, 65535, NULL, NULL, 0);
	assert_int_equal(t_count(f->env), 1);
	sp_test_tx_clear(f->env);
	sp_test_advance_ms(f->env, 500);
	assert_int_equal(poke(f, T_RPORT, T_PISN + 0x40000000, iss + 2), T_ACK);
	/* Pure ACKs of data never sent share the budget (tcp_bad_ack_skipped). */
	sp_test_advance_ms(f->env, 500);
	for (i = 0, n = 0; i < 5; i++)
		n += poke(f, T_RPORT, T_PISN + 2, iss + 1000) != 0;
	assert_int_equal(n, 1);
	assert_int_equal(T_STAT(f->env, TCPBadAck), 5);
	assert_int_equal(T_STAT(f->env, tcp_bad_ack_skipped), 4);
	fx_free(f);
}

/*
 * RFC 6191: a SYN above RCV.NXT reopens the tuple; an old one gets a challenge ACK. The new
 * SYN-ACK's ISS lies past what the old connection sent plus 65537 (RFC 1122 4.2.2.13 (1),
 * Linux's tw_isn): the clock-driven ISN of the same tuple (here the same instant) was the old
 * connection's ISS again.
 */
static void
test_syn_reuse(void **state)
{
	struct fx *f = tw_fx(1, 16);
	struct t_out o;
	uint32_t iss;

	(void)state;
	iss = active_close_from(f, T_RPORT, T_PISN);
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(o.h.ack, T_PISN + 2);
	assert_int_equal(T_STAT(f->env, TCPSYNChallenge), 1);
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 100000, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_int_equal(o.h.ack, T_PISN + 100001);
	assert_int_equal(o.h.seq, iss + 2 + 65537);
	assert_int_equal(T_STAT(f->env, TCPTimeWaitReuse), 1);
	assert_int_equal(T_STAT(f->env, CurrTimeWait), 0);
	assert_string_equal(state_of(f, T_RPORT), "SYN-RECEIVED");
	fx_free(f);
}

/*
 * RFC 6191 with timestamps (the old incarnation used them, TS.Recent 5000): a SYN whose TSval is
 * older is an old duplicate even with a sequence number above RCV.NXT (PAWS: an ACK, the entry
 * stays); the same TSval with a higher sequence number, or a newer TSval, reopens the tuple.
 */
static void
test_syn_reuse_timestamps(void **state)
{
	struct sp_tcp_opts so = {.has_ts = true, .ts_val = 5000};
	unsigned round;

	(void)state;
	for (round = 0; round < 2; round++) {
		struct fx *f = tw_fx(1, 16);
		struct t_out o;
		uint32_t iss;

		t_seg(f->env, T_RPORT, T_LPORT, T_PISN, 0, T_SYN, 65535, &so, NULL, 0);
		t_expect(f->env, &o, T_SYN | T_ACK);
		iss = o.h.seq;
		t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 1, iss + 1, T_ACK, 65535, &so, NULL, 0);
		assert_int_equal(sp_tcp_close(f->app.c), 0);
		t_expect(f->env, &o, T_ACK | T_FIN);
		t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 1, iss + 2, T_ACK | T_FIN, 65535, &so,
			NULL, 0);
		t_expect(f->env, &o, T_ACK);
		assert_int_equal(T_STAT(f->env, CurrTimeWait), 1);

		so.ts_val = 4000; /* older, though the sequence number is far ahead */
		t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 100000, 0, T_SYN, 65535, &so, NULL, 0);
		t_expect(f->env, &o, T_ACK);
		assert_int_equal(T_STAT(f->env, TCPTimeWaitReuse), 0);
		assert_int_equal(T_STAT(f->env, PAWSDrops), 1);
		assert_int_equal(T_STAT(f->env, CurrTimeWait), 1);

		/* round 0: the same TSval, a higher sequence number; round 1: a newer TSval */
		so.ts_val = round == 0 ? 5000 : 6000;
		t_seg(f->env, T_RPORT, T_LPORT, round == 0 ? T_PISN + 100000 : T_PISN - 100000, 0,
			T_SYN, 65535, &so, NULL, 0);
		t_expect(f->env, &o, T_SYN | T_ACK);
		assert_int_equal(T_STAT(f->env, TCPTimeWaitReuse), 1);
		assert_string_equal(state_of(f, T_RPORT), "SYN-RECEIVED");
		so.ts_val = 5000;
		fx_free(f);
	}
}

static const struct sp_tcp_tab_node *
in_tab(const struct sp_tcp_tab *tab, const struct sp_ctx *ctx, const struct sp_tcp_key *k)
{
	return sp_tcp_tab_lookup(tab, k, sp_tcp_key_hash(ctx, k));
}

/*
 * Both tables are tcp_tab.c's on one keyed hash (sp_tcp_key_hash()): what was inserted with it
 * is found by the tables' own lookups, and gone after it left; the other table never has it.
 */
static void
test_key_hash_both_tables(void **state)
{
	struct fx *f = tw_fx(2, 16);
	struct sp_ctx *ctx = f->env->ctx;
	struct sp_tcp *t = ctx->tcp;
	struct sp_tcp_key k[3] = {
		{.lip = T_OUR_IP, .rip = T_PEER_IP, .lport = T_LPORT, .rport = T_RPORT},
		{.lip = T_OUR_IP, .rip = T_PEER_IP, .lport = T_LPORT, .rport = T_RPORT + 1},
		{.lip = T_PEER_IP, .rip = T_OUR_IP, .lport = T_RPORT, .rport = T_LPORT},
	};
	struct t_out o;

	(void)state;
	active_close_from(f, T_RPORT, T_PISN);
	open_from(f, T_RPORT + 1, 7000);
	assert_non_null(in_tab(&t->tw_tab, ctx, &k[0]));
	assert_null(in_tab(&t->conns, ctx, &k[0]));
	assert_non_null(in_tab(&t->conns, ctx, &k[1]));
	assert_null(in_tab(&t->tw_tab, ctx, &k[1]));
	assert_true(
		in_tab(&t->conns, ctx, &k[2]) == NULL && in_tab(&t->tw_tab, ctx, &k[2]) == NULL);
	assert_int_equal(t->tw_tab.n, 1);
	assert_int_equal(t->conns.n, 1);
	/* a new SYN takes the tuple: out of TIME-WAIT, a connection again */
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 100000, 0, T_SYN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_SYN | T_ACK);
	assert_null(in_tab(&t->tw_tab, ctx, &k[0]));
	assert_non_null(in_tab(&t->conns, ctx, &k[0]));
	assert_int_equal(t->tw_tab.n, 0);
	assert_int_equal(t->conns.n, 2);
	/* the peer resets it: out of the connection table too */
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 100001, 0, T_RST, 65535, NULL, NULL, 0);
	assert_null(in_tab(&t->conns, ctx, &k[0]));
	assert_int_equal(t->conns.n, 1);
	fx_free(f);
}

/*
 * The timer is armed for the oldest entry once: a newer entry leaves it where it is, although
 * the wheel rounded its deadline up to a slot boundary (the clock here is between two). A timer
 * armed behind it in the same slot stays behind it (a re-arm would move it to the slot's
 * tail). Both entries still expire on time.
 */
static void
test_timer_armed_once(void **state)
{
	struct fx *f = tw_fx(4, 16);
	struct sp_ctx *ctx = f->env->ctx;
	struct sp_tcp *t = ctx->tcp;
	struct sp_timer other;
	struct sp_timer_list *slot;
	uint64_t first_expire;

	(void)state;
	ctx->now += ctx->hz / 1000 * 3 / 10; /* 0.3 ms past a slot boundary */
	active_close_from(f, T_RPORT, T_PISN);
	first_expire = t->tw[t->tw_head].expire;
	assert_true(t->tw_timer.armed);
	assert_true(t->tw_timer.expire > first_expire); /* rounded up */
	assert_int_equal(t->tw_timer_for, first_expire);
	sp_timer_init(&other, NULL, NULL);
	sp_timer_arm(ctx, &other, first_expire);
	slot = &ctx->timers
			.slots[(t->tw_timer.expire / ctx->timers.cycles_per_slot) % SP_TIMER_SLOTS];
	assert_ptr_equal(TAILQ_FIRST(slot), &t->tw_timer);
	ctx->now += ctx->hz / 1000 * 3 / 10;
	active_close_from(f, T_RPORT + 1, T_PISN + 1000);
	assert_int_equal(T_STAT(f->env, CurrTimeWait), 2);
	assert_int_equal(t->tw_timer_for, first_expire);
	assert_ptr_equal(TAILQ_FIRST(slot), &t->tw_timer);
	assert_ptr_equal(TAILQ_NEXT(&t->tw_timer, link), &other);
	sp_timer_cancel(ctx, &other);
	/* both expire in the wheel slot after tcp.time_wait_ms */
	sp_test_advance_ms(f->env, TW_MS - 1);
	assert_int_equal(T_STAT(f->env, CurrTimeWait), 2);
	sp_test_advance_ms(f->env, 2);
	assert_int_equal(T_STAT(f->env, TCPTimeWaitExpired), 2);
	assert_int_equal(T_STAT(f->env, CurrTimeWait), 0);
	assert_false(t->tw_timer.armed);
	fx_free(f);
}

/* The table is looked into only when it holds an entry: empty, empty again after expiry. */
static void
test_lookup_empty_and_again(void **state)
{
	struct fx *f = tw_fx(1, 16);
	struct sp_tcp_key k = {
		.lip = T_OUR_IP, .rip = T_PEER_IP, .lport = T_LPORT, .rport = T_RPORT};

	(void)state;
	assert_int_equal(f->env->ctx->tcp->tw_n, 0);
	assert_null(sp_tcp_tw_lookup(f->env->ctx, &k));
	active_close_from(f, T_RPORT, T_PISN);
	assert_int_equal(f->env->ctx->tcp->tw_n, 1);
	assert_non_null(sp_tcp_tw_lookup(f->env->ctx, &k));
	k.rport++;
	assert_null(sp_tcp_tw_lookup(f->env->ctx, &k));
	k.rport--;
	sp_test_advance_ms(f->env, TW_MS + 10);
	assert_int_equal(f->env->ctx->tcp->tw_n, 0);
	assert_null(sp_tcp_tw_lookup(f->env->ctx, &k));
	assert_int_equal(T_STAT(f->env, TCPTimeWaitExpired), 1);
	fx_free(f);
}

/* A full table recycles its oldest entry instead of refusing anything. */
static void
test_recycle_oldest(void **state)
{
	struct fx *f = tw_fx(1, 2);
	unsigned i;

	(void)state;
	for (i = 0; i < 3; i++)
		active_close_from(f, (uint16_t)(T_RPORT + i), T_PISN + i * 1000);
	assert_int_equal(T_STAT(f->env, TCPTimeWaitEntered), 3);
	assert_int_equal(T_STAT(f->env, TCPTimeWaitRecycled), 1);
	assert_int_equal(T_STAT(f->env, CurrTimeWait), 2);
	assert_int_equal(T_STAT(f->env, TCPMaxConnDrops), 0);
	assert_string_equal(state_of(f, T_RPORT), "CLOSED");
	assert_string_equal(state_of(f, T_RPORT + 1), "TIME-WAIT");
	assert_string_equal(state_of(f, T_RPORT + 2), "TIME-WAIT");
	fx_free(f);
}

/*
 * More connections than max_connections go through TIME-WAIT in sequence (the issue's
 * load-tester pattern); their entries expire in batches of TW_BATCH per timer run.
 */
static void
test_many_expire_in_batches(void **state)
{
	struct fx *f = tw_fx(1, 1024);
	unsigned i, waited = 0;

	(void)state;
	for (i = 0; i < 300; i++)
		active_close_from(f, (uint16_t)(T_RPORT + i), T_PISN + i * 1000);
	assert_int_equal(T_STAT(f->env, CurrTimeWait), 300);
	assert_int_equal(T_STAT(f->env, TCPMaxConnDrops), 0);
	while (T_STAT(f->env, TCPTimeWaitExpired) == 0 && waited < TW_MS + 10) {
		sp_test_advance_ms(f->env, 1);
		waited++;
	}
	assert_int_equal(T_STAT(f->env, TCPTimeWaitExpired), TW_BATCH);
	sp_test_advance_ms(f->env, 2);
	assert_int_equal(T_STAT(f->env, TCPTimeWaitExpired), 300);
	assert_int_equal(T_STAT(f->env, CurrTimeWait), 0);
	fx_free(f);
}

/* An active open does not take a tuple that is in TIME-WAIT. */
static void
test_connect_skips_time_wait(void **state)
{
	struct fx *f = tw_fx(4, 16);
	struct sp_connect_opts co = {.dst_ip = T_PEER_IP,
		.dst_port = 8080,
		.src_port = 50000,
		.cb = &conn_cb,
		.arg = &f->app};
	struct sp_conn *c;
	struct t_out o;
	uint32_t iss;

	(void)state;
	assert_int_equal(sp_tcp_connect(f->env->ctx, &co, &c), 0);
	t_expect(f->env, &o, T_SYN);
	iss = o.h.seq;
	t_seg(f->env, 8080, 50000, 7000, iss + 1, T_SYN | T_ACK, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(sp_tcp_close(c), 0);
	t_expect(f->env, &o, T_ACK | T_FIN);
	t_seg(f->env, 8080, 50000, 7001, iss + 2, T_ACK | T_FIN, 65535, NULL, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(T_STAT(f->env, CurrTimeWait), 1);
	assert_int_equal(sp_tcp_connect(f->env->ctx, &co, &c), -EADDRINUSE);
	fx_free(f);
}

/*
 * Our own TIME-WAIT tuple of a connection that used timestamps is reused by a connect once the
 * peer's last segment is a second old (sp_tcp_tw_reuse_active(), as Linux's tcp_tw_reuse): the
 * entry goes, the SYN's ISS lies past the old connection's SND.NXT plus 65537 and its TSval
 * past the old ones. Before that second the tuple is refused.
 */
static void
test_connect_reuses_own_time_wait(void **state)
{
	struct fx *f = tw_fx_ms(4, 16, 60000); /* TIME-WAIT outlasts the test */
	struct sp_connect_opts co = {.dst_ip = T_PEER_IP,
		.dst_port = 8080,
		.src_port = 50000,
		.cb = &conn_cb,
		.arg = &f->app};
	struct sp_tcp_opts ts = {.has_ts = true, .ts_val = 100};
	struct sp_conn *c;
	struct t_out o;
	uint32_t iss, tsval;

	(void)state;
	assert_int_equal(sp_tcp_connect(f->env->ctx, &co, &c), 0);
	t_expect(f->env, &o, T_SYN);
	assert_true(o.h.opts.has_ts);
	iss = o.h.seq;
	ts.ts_ecr = o.h.opts.ts_val;
	t_seg(f->env, 8080, 50000, 7000, iss + 1, T_SYN | T_ACK, 65535, &ts, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	assert_int_equal(sp_tcp_close(c), 0);
	t_expect(f->env, &o, T_ACK | T_FIN);
	ts.ts_val = 101;
	ts.ts_ecr = o.h.opts.ts_val;
	t_seg(f->env, 8080, 50000, 7001, iss + 2, T_ACK | T_FIN, 65535, &ts, NULL, 0);
	t_expect(f->env, &o, T_ACK);
	tsval = o.h.opts.ts_val;
	assert_int_equal(T_STAT(f->env, CurrTimeWait), 1);
	sp_test_advance_ms(f->env, 500);
	assert_int_equal(sp_tcp_connect(f->env->ctx, &co, &c), -EADDRINUSE);
	sp_test_advance_ms(f->env, 600);
	assert_int_equal(sp_tcp_connect(f->env->ctx, &co, &c), 0);
	assert_int_equal(T_STAT(f->env, TCPTimeWaitReuseActive), 1);
	assert_int_equal(T_STAT(f->env, CurrTimeWait), 0);
	t_expect(f->env, &o, T_SYN);
	assert_int_equal(o.h.seq, iss + 2 + 65535 + 2);
	assert_true(o.h.opts.has_ts);
	assert_true((int32_t)(o.h.opts.ts_val - tsval) > 0);
	fx_free(f);
}

/*
 * FIN-WAIT-2 after close(): a peer that never sends its FIN holds the connection no longer
 * than tcp.time_wait_ms (docs/tcp.md "Timers"), then it ends with closed(0), no entry.
 */
static void
test_fin_wait_2_timeout(void **state)
{
	struct fx *f = tw_fx(1, 16);
	uint32_t iss = close_first(f, T_RPORT, T_PISN);

	(void)state;
	t_seg(f->env, T_RPORT, T_LPORT, T_PISN + 1, iss + 2, T_ACK, 65535, NULL, NULL, 0);
	assert_string_equal(state_of(f, T_RPORT), "FIN-WAIT-2");
	sp_test_advance_ms(f->env, TW_MS + 10);
	assert_string_equal(state_of(f, T_RPORT), "CLOSED");
	assert_int_equal(f->app.closed, 1);
	assert_int_equal(f->app.closed_err, 0);
	assert_int_equal(T_STAT(f->env, CurrTimeWait), 0);
	assert_int_equal(t_count(f->env), 0);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enter_fin_wait_2),
		cmocka_unit_test(test_enter_closing),
		cmocka_unit_test(test_oow_acks_limited),
		cmocka_unit_test(test_fin_again_restarts),
		cmocka_unit_test(test_syn_reuse),
		cmocka_unit_test(test_syn_reuse_timestamps),
		cmocka_unit_test(test_key_hash_both_tables),
		cmocka_unit_test(test_timer_armed_once),
		cmocka_unit_test(test_lookup_empty_and_again),
		cmocka_unit_test(test_recycle_oldest),
		cmocka_unit_test(test_many_expire_in_batches),
		cmocka_unit_test(test_connect_skips_time_wait),
		cmocka_unit_test(test_connect_reuses_own_time_wait),
		cmocka_unit_test(test_fin_wait_2_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

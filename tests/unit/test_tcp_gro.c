/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software GRO (tcp_gro.c) with crafted RX bursts: in-order segments of one connection are
 * chained and acknowledged as the segments they were; reordering, holes, other options, another
 * SEG.ACK, SYN/FIN/RST/URG are never merged. The test plays the peer with tcp_helper.h and feeds
 * whole bursts to sp_input().
 */
#include "tcp_helper.h"

#include "sp_ctx.h"

#define SEG 100 /* payload bytes of each crafted segment */

struct gfx {
	struct fx *f;
	struct sp_tcp_opts ts; /* the peer's timestamps option (TSval, TSecr) */
	uint8_t data[16 * SEG];
};

/* A connection with timestamps, software GRO on port 0. */
static struct gfx *
gfx_new(bool gro)
{
	struct gfx *g = calloc(1, sizeof(*g));
	struct sp_tcp_opts so = {.has_ts = true, .ts_val = 100, .has_sack_perm = true};
	unsigned i;

	assert_non_null(g);
	g->f = fx_new(NULL, 0);
	g->f->env->st->ports[0].sw_gro = gro;
	fx_open_opts(g->f, T_PISN, &so);
	g->ts.has_ts = true;
	g->ts.ts_val = 200;
	g->ts.ts_ecr = 0;
	for (i = 0; i < sizeof(g->data); i++)
		g->data[i] = (uint8_t)('a' + i % 26);
	return g;
}

static void
gfx_free(struct gfx *g)
{
	fx_free(g->f);
	free(g);
}

/* Segment @i (SEG bytes at pseq + i * SEG) with @flags beyond ACK and options @o (NULL: ts). */
static struct rte_mbuf *
seg(struct gfx *g, unsigned i, uint8_t flags, const struct sp_tcp_opts *o)
{
	struct fx *f = g->f;

	return t_seg_mbuf(T_RPORT, T_LPORT, f->pseq + i * SEG, f->iss + 1, T_ACK | flags, 65535,
		o != NULL ? o : &g->ts, g->data + i * SEG, SEG);
}

/* One RX burst. */
static void
burst(struct gfx *g, struct rte_mbuf **pkts, uint16_t n)
{
	struct sp_test_env *env = g->f->env;

	sp_input(env->ctx, RTE_MAX(env->clock, env->ctx->now), 0, pkts, n);
	sp_tx_flush(env->ctx);
}

/* The ACKs sent: how many, the last one's ACK field in @ack. */
static unsigned
acks(struct gfx *g, uint32_t *ack)
{
	struct t_out o;
	unsigned n = 0;

	while (t_pop(g->f->env, &o)) {
		assert_true(o.cksum_ok);
		assert_int_equal(o.h.flags & T_ACK, T_ACK);
		*ack = o.h.ack;
		n++;
	}
	return n;
}

static void
check_rx(struct gfx *g, unsigned nseg)
{
	assert_int_equal(g->f->app.rx_len, nseg * SEG);
	assert_memory_equal(g->f->app.rx, g->data, nseg * SEG);
}

/*
 * Four in-order segments, TSval rising: one chain, one ACK for all four at once. With tcp.gro =
 * off (sw_gro false) every segment on its own, every second one acknowledged (RFC 5681 4.2).
 */
static void
test_merge_in_order(void **state)
{
	unsigned i, on;

	(void)state;
	for (on = 0; on < 2; on++) {
		struct gfx *g = gfx_new(on == 1);
		struct rte_mbuf *p[4];
		uint32_t ack = 0;

		for (i = 0; i < 4; i++) {
			p[i] = seg(g, i, i == 3 ? T_PSH : 0, NULL);
			g->ts.ts_val += i % 2; /* newer or equal TSvals merge (RFC 7323) */
		}
		burst(g, p, 4);
		check_rx(g, 4);
		assert_int_equal(g->f->app.recvs, on ? 1 : 4); /* delivered as one chain */
		assert_int_equal(T_STAT(g->f->env, tcp_gro_merged), on ? 3 : 0);
		assert_int_equal(T_STAT(g->f->env, tcp_gro_flushes), on ? 1 : 0);
		assert_int_equal(T_STAT(g->f->env, InSegs), 2 + 4);
		/* Counted as four segments: the ACK goes now, not after the delayed-ACK timer. */
		assert_int_equal(acks(g, &ack), on ? 1 : 2);
		assert_int_equal(ack, g->f->pseq + 4 * SEG);
		gfx_free(g);
	}
}

/*
 * PSH ends a merge: 0 1+PSH 2 3 gives two merged segments; a lone PSH segment is not held (a
 * segment after it in the burst does not join it).
 */
static void
test_psh_ends_merge(void **state)
{
	struct gfx *g = gfx_new(true);
	struct rte_mbuf *p[4];

	(void)state;
	p[0] = seg(g, 0, 0, NULL);
	p[1] = seg(g, 1, T_PSH, NULL);
	p[2] = seg(g, 2, 0, NULL);
	p[3] = seg(g, 3, 0, NULL);
	burst(g, p, 4);
	check_rx(g, 4);
	assert_int_equal(T_STAT(g->f->env, tcp_gro_merged), 2);
	assert_int_equal(T_STAT(g->f->env, tcp_gro_flushes), 2);
	sp_test_tx_clear(g->f->env);
	p[0] = seg(g, 4, T_PSH, NULL);
	p[1] = seg(g, 5, 0, NULL);
	burst(g, p, 2);
	check_rx(g, 6);
	assert_int_equal(T_STAT(g->f->env, tcp_gro_merged), 2);
	sp_test_tx_clear(g->f->env);
	gfx_free(g);
}

/* One segment alone is held and processed at the end of the burst: delayed ACK as before. */
static void
test_single_delayed_ack(void **state)
{
	struct gfx *g = gfx_new(true);
	struct rte_mbuf *p[1];
	uint32_t ack = 0;

	(void)state;
	p[0] = seg(g, 0, 0, NULL);
	burst(g, p, 1);
	check_rx(g, 1);
	assert_int_equal(acks(g, &ack), 0);
	sp_test_advance_ms(g->f->env, 200);
	assert_int_equal(acks(g, &ack), 1);
	assert_int_equal(ack, g->f->pseq + SEG);
	assert_int_equal(T_STAT(g->f->env, tcp_gro_merged), 0);
	gfx_free(g);
}

/*
 * Bursts of segments out of order: nothing merges across a reordering or a hole, a first segment
 * not at RCV.NXT is never held (each out-of-order one gets its duplicate ACK, RFC 5681 4.2, so a
 * sender's fast retransmit still sees them); the data still arrives whole.
 */
static void
test_out_of_order_bursts(void **state)
{
	static const struct {
		unsigned order[3]; /* segment numbers in arrival order */
		unsigned rx;	   /* segments delivered */
		unsigned merged, ooo, acks,
			ack; /* at least @acks ACKs, the last for @ack segments */
	} cases[] = {
		{{0, 2, 1}, 3, 0, 1, 2, 3}, /* reordered */
		{{0, 1, 3}, 2, 1, 1, 1, 2}, /* a hole after two that merge */
		{{1, 2, 3}, 0, 0, 1, 3,
			0}, /* beyond RCV.NXT: three duplicate ACKs, one OOO entry */
	};
	unsigned i, j;

	(void)state;
	for (i = 0; i < RTE_DIM(cases); i++) {
		struct gfx *g = gfx_new(true);
		struct rte_mbuf *p[3];
		uint32_t ack = 0;
		unsigned n;

		for (j = 0; j < 3; j++)
			p[j] = seg(g, cases[i].order[j], 0, NULL);
		burst(g, p, 3);
		check_rx(g, cases[i].rx);
		assert_int_equal(T_STAT(g->f->env, tcp_gro_merged), cases[i].merged);
		assert_int_equal(T_STAT(g->f->env, TCPOFOQueue), cases[i].ooo);
		n = acks(g, &ack);
		assert_true(n >= cases[i].acks);
		assert_true(cases[i].rx > 0 || n == cases[i].acks);
		assert_int_equal(ack, g->f->pseq + cases[i].ack * SEG);
		gfx_free(g);
	}
}

/* FIN, RST, URG and SYN segments are never merged; what is held goes first. */
static void
test_flags_never_merged(void **state)
{
	static const uint8_t flags[] = {T_FIN, T_RST, RTE_TCP_URG_FLAG, T_SYN};
	unsigned i;

	(void)state;
	for (i = 0; i < RTE_DIM(flags); i++) {
		struct gfx *g = gfx_new(true);
		struct rte_mbuf *p[2];

		p[0] = seg(g, 0, 0, NULL);
		p[1] = seg(g, 1, flags[i], NULL);
		burst(g, p, 2);
		assert_int_equal(T_STAT(g->f->env, tcp_gro_merged), 0);
		if (flags[i] == T_FIN) {
			check_rx(g, 2);
			assert_int_equal(g->f->app.peer_closed, 1);
		} else if (flags[i] == T_RST) {
			check_rx(g, 1);
			assert_int_equal(g->f->app.closed, 1);
		} else {
			/* URG: the data is still delivered; SYN: a challenge ACK, no data. */
			check_rx(g, flags[i] == T_SYN ? 1 : 2);
		}
		sp_test_tx_clear(g->f->env);
		gfx_free(g);
	}
}

/* Another TSecr, an older TSval, SACK blocks or another SEG.ACK: not merged. */
static void
test_options_differ(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < 4; i++) {
		struct gfx *g = gfx_new(true);
		struct sp_tcp_opts o;
		struct rte_mbuf *p[2];

		p[0] = seg(g, 0, 0, NULL);
		o = g->ts;
		if (i == 0)
			o.ts_ecr += 1;
		else if (i == 1)
			o.ts_val -= 1;
		else if (i == 2) {
			o.n_sack = 1;
			o.sack[0].start = g->f->iss + 1;
			o.sack[0].end = g->f->iss + 2;
		}
		p[1] = seg(g, 1, 0, &o);
		if (i == 3) {
			rte_pktmbuf_free(p[1]);
			p[1] = t_seg_mbuf(T_RPORT, T_LPORT, g->f->pseq + SEG, g->f->iss, T_ACK,
				65535, &g->ts, g->data + SEG, SEG);
		}
		burst(g, p, 2);
		assert_int_equal(T_STAT(g->f->env, tcp_gro_merged), 0);
		/* An older TSval fails PAWS (RFC 7323 5.3): only the first segment counts. */
		check_rx(g, i == 1 ? 1 : 2);
		sp_test_tx_clear(g->f->env);
		gfx_free(g);
	}
}

/* Several connections in one burst, interleaved: each merges its own. */
static void
test_two_flows(void **state)
{
	struct gfx *g = gfx_new(true);
	struct rte_mbuf *p[5];
	uint32_t ack = 0;

	(void)state;
	p[0] = seg(g, 0, 0, NULL);
	/* A SYN of another peer port: a connection of its own, the held one stays held. */
	p[1] = t_seg_mbuf(T_RPORT + 1, T_LPORT, 5000, 0, T_SYN, 65535, NULL, NULL, 0);
	p[2] = seg(g, 1, 0, NULL);
	p[3] = seg(g, 2, 0, NULL);
	p[4] = seg(g, 3, 0, NULL);
	burst(g, p, 5);
	check_rx(g, 4);
	assert_int_equal(T_STAT(g->f->env, tcp_gro_merged), 3);
	assert_true(acks(g, &ack) >= 2); /* the SYN-ACK and one ACK */
	gfx_free(g);
}

/*
 * The PMD's LRO merged four segments (RTE_MBUF_F_RX_LRO, tso_segsz = their size): counted as
 * four, the ACK goes at once; software GRO leaves such a segment alone.
 */
static void
test_lro_counts(void **state)
{
	struct gfx *g = gfx_new(true);
	struct rte_mbuf *m;
	uint32_t ack = 0;

	(void)state;
	m = t_seg_mbuf(T_RPORT, T_LPORT, g->f->pseq, g->f->iss + 1, T_ACK, 65535, &g->ts, g->data,
		4 * SEG);
	m->ol_flags |= RTE_MBUF_F_RX_LRO;
	m->tso_segsz = SEG;
	burst(g, &m, 1);
	check_rx(g, 4);
	assert_int_equal(T_STAT(g->f->env, tcp_lro_segs), 4);
	assert_int_equal(T_STAT(g->f->env, tcp_gro_merged), 0);
	assert_int_equal(acks(g, &ack), 1);
	assert_int_equal(ack, g->f->pseq + 4 * SEG);
	gfx_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_in_order),
		cmocka_unit_test(test_single_delayed_ack),
		cmocka_unit_test(test_psh_ends_merge),
		cmocka_unit_test(test_out_of_order_bursts),
		cmocka_unit_test(test_flags_never_merged),
		cmocka_unit_test(test_options_differ),
		cmocka_unit_test(test_two_flows),
		cmocka_unit_test(test_lro_counts),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

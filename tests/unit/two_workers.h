/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stack with two worker contexts on one port, for the multi-lcore unit tests
 * (test_tcp_rss.c, test_steer_owner.c): both share the test env's TX capture and clock; the
 * port has two queues with RSS either predictable (test_key, RETA i -> i % 2) or unknown (as
 * net_tap and net_af_packet report it: software steering by partition).
 */
#ifndef TWO_WORKERS_H
#define TWO_WORKERS_H

#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "sp_test.h"
#include "tcp_helper.h"

#define TW_PEER_PORT 80

/* A key of our own for the stack under test (any 40 bytes do). */
static const uint8_t test_key[40] __rte_aligned(4) = {0x11, 0x22, 0x93, 0x4c, 0xd5, 0x06, 0x77,
	0xe8, 0x29, 0xaa, 0x3b, 0xcc, 0x5d, 0x0e, 0xff, 0x70, 0x81, 0x12, 0xa3, 0x34, 0xc5, 0x56,
	0xe7, 0x78, 0x09, 0x9a, 0x2b, 0xbc, 0x4d, 0xde, 0x6f, 0xf0, 0x01, 0x92, 0x23, 0xb4, 0x45,
	0xd6, 0x67, 0xf8};

struct two {
	struct sp_test_env *env;
	struct sp_ctx *w[2];
};

static inline void
two_new(struct two *t, bool predictable)
{
	struct sp_ctx *c0;
	uint16_t reta[128];
	unsigned i;

	t->env = sp_test_env_new(NULL);
	c0 = t->env->ctx;
	t->w[0] = c0;
	t->w[1] = sp_ctx_create(t->env->st, rte_lcore_id(), 1, sp_test_pool());
	assert_non_null(t->w[1]);
	t->w[1]->tx_burst = c0->tx_burst;
	t->w[1]->tx_burst_arg = c0->tx_burst_arg;
	t->w[1]->hz = c0->hz;
	t->w[1]->now = c0->now;
	sp_timer_wheel_init(&t->w[1]->timers, t->w[1]->hz, t->w[1]->now);
	assert_int_equal(t->env->st->n_workers, 2);
	t->env->st->ports[0].n_queues = 2;
	for (i = 0; i < RTE_DIM(reta); i++)
		reta[i] = (uint16_t)(i % 2);
	if (predictable)
		assert_int_equal(sp_stack_port_set_rss(t->env->st, 0, 2, true,
					 RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP, test_key,
					 sizeof(test_key), reta, RTE_DIM(reta)),
			0);
	else /* RSS on, but neither key nor RETA readable (net_tap, net_af_packet) */
		assert_int_equal(sp_stack_port_set_rss(t->env->st, 0, 2, true,
					 RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP, NULL, 0, NULL, 0),
			0);
	assert_true(t->env->st->ports[0].rss.predictable == predictable);
}

static inline void
two_free(struct two *t)
{
	sp_tx_flush(t->w[1]);
	sp_ctx_free(t->w[1]);
	t->env->ctx = t->w[0];
	sp_test_env_free(t->env);
}

/* An active open from worker @p w to the peer's TW_PEER_PORT. */
static inline struct sp_conn *
open_on(struct two *t, unsigned w, const struct sp_tcp_callbacks *cb, void *arg)
{
	struct sp_connect_opts o = {0};
	struct sp_conn *c = NULL;

	o.dst_ip = T_PEER_IP;
	o.dst_port = TW_PEER_PORT;
	o.cb = cb;
	o.arg = arg;
	assert_int_equal(sp_tcp_connect(t->w[w], &o, &c), 0);
	assert_non_null(c);
	return c;
}

static inline uint16_t
lport_of(const struct sp_conn *c)
{
	struct sp_tcp_info i;

	sp_tcp_get_info(c, &i);
	return i.local_port;
}

/* Feed one segment from the peer's @p sport (options @p o, may be NULL) into worker @p w. */
static inline void
seg_on_opts(struct two *t, unsigned w, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
	uint8_t flags, const struct sp_tcp_opts *o)
{
	t->env->ctx = t->w[w];
	t_seg(t->env, sport, dport, seq, ack, flags, 65535, o, NULL, 0);
	t->env->ctx = t->w[0];
}

/* Feed one segment from the peer's TW_PEER_PORT into worker @p w. */
static inline void
seg_on(struct two *t, unsigned w, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	seg_on_opts(t, w, TW_PEER_PORT, dport, seq, ack, flags, NULL);
}

#endif

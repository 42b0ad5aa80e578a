/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TX batch (lib/core/tx.c): what a full TX ring refuses waits, in order, for the next flush
 * instead of being dropped; only a batch the PMD keeps refusing overflows, newest first; no
 * mbuf leaked (the frames still queued at the end are freed with the context).
 */
#include <string.h>

#include "sp_ctx.h"
#include "sp_test.h"

static struct sp_test_env *env;
static unsigned ring_room; /* frames the fake PMD takes before its ring is "full" */
static uint32_t sent_len[SP_TX_BATCH * 2];
static unsigned n_sent;

static uint16_t
ring_tx(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i, k = (uint16_t)RTE_MIN((unsigned)n, ring_room);

	RTE_SET_USED(ctx);
	RTE_SET_USED(port);
	for (i = 0; i < k; i++) {
		sent_len[n_sent++] = pkts[i]->pkt_len;
		rte_pktmbuf_free(pkts[i]);
	}
	ring_room -= k;
	return k;
}

static int
setup(void **state)
{
	RTE_SET_USED(state);
	env = sp_test_env_new(NULL);
	env->ctx->tx_burst = ring_tx;
	ring_room = 0;
	n_sent = 0;
	return env == NULL;
}

static int
teardown(void **state)
{
	RTE_SET_USED(state);
	sp_test_env_free(env);
	return 0;
}

/* A frame told apart by its length: 60 + i bytes. */
static void
enqueue(unsigned i)
{
	uint8_t bytes[60 + 64];

	memset(bytes, 0, sizeof(bytes));
	sp_tx_enqueue(env->ctx, 0, sp_test_frame(bytes, 60 + i % 64));
}

static void
test_full_ring_keeps_the_rest_in_order(void **state)
{
	unsigned i;

	RTE_SET_USED(state);
	for (i = 0; i < 10; i++)
		enqueue(i);
	ring_room = 4;
	sp_tx_flush(env->ctx);
	assert_int_equal(n_sent, 4);
	assert_int_equal(env->ctx->txq[0].n, 6);
	assert_int_equal(T_STAT(env, tx_pkts), 4);
	assert_int_equal(T_STAT(env, tx_dropped), 0);
	/* the next iteration queues more behind them; the ring has room again */
	enqueue(10);
	ring_room = 100;
	sp_tx_flush(env->ctx);
	assert_int_equal(n_sent, 11);
	for (i = 0; i < 11; i++)
		assert_int_equal(sent_len[i], 60 + i);
	assert_int_equal(env->ctx->txq[0].n, 0);
	assert_int_equal(T_STAT(env, tx_pkts), 11);
	assert_int_equal(T_STAT(env, tx_bytes), 11 * 60 + 55);
	assert_int_equal(T_STAT(env, tx_dropped), 0);
}

static void
test_refusing_pmd_overflows_newest(void **state)
{
	unsigned i;

	RTE_SET_USED(state);
	for (i = 0; i < SP_TX_BATCH + 3; i++)
		enqueue(i);
	/* the batch filled, the flush sent nothing: the 3 newest were dropped and counted */
	assert_int_equal(env->ctx->txq[0].n, SP_TX_BATCH);
	assert_int_equal(T_STAT(env, tx_dropped), 3);
	assert_int_equal(T_STAT(env, tx_pkts), 0);
	ring_room = SP_TX_BATCH;
	sp_tx_flush(env->ctx);
	assert_int_equal(n_sent, SP_TX_BATCH);
	for (i = 0; i < SP_TX_BATCH; i++)
		assert_int_equal(sent_len[i], 60 + i % 64);
	/* frames still queued when the context goes are freed with it (teardown checks) */
	enqueue(0);
	ring_room = 0;
	sp_tx_flush(env->ctx);
	assert_int_equal(env->ctx->txq[0].n, 1);
}

/*
 * A frame the PMD refuses for what it is (net_tap: a TSO frame rte_gso_segment() cannot cut)
 * comes back at every flush: after SP_TX_STALL_MS (100 ms) at the head it is dropped
 * (tx_stall_drops) and the frames behind it go; a ring full for a moment drops nothing.
 */
static uint16_t
poison_tx(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t k = 0;

	while (k < n && pkts[k]->pkt_len != 60 + 7)
		k++;
	return ring_tx(ctx, port, pkts, RTE_MIN(k, (uint16_t)ring_room));
}

static void
test_refused_head_dropped_after_stall(void **state)
{
	uint64_t ms = env->ctx->hz / 1000;
	unsigned i;

	RTE_SET_USED(state);
	env->ctx->tx_burst = poison_tx;
	for (i = 5; i < 10; i++)
		enqueue(i);
	ring_room = 100;
	sp_tx_flush(env->ctx); /* 5 and 6 go, 7 is refused */
	assert_int_equal(n_sent, 2);
	for (i = 0; i < 10; i++) {
		env->ctx->now += 10 * ms;
		sp_tx_flush(env->ctx);
	}
	/* 100 ms refused from the first flush that took nothing: still waiting */
	assert_int_equal(env->ctx->txq[0].n, 3);
	assert_int_equal(T_STAT(env, tx_stall_drops), 0);
	env->ctx->now += 10 * ms;
	sp_tx_flush(env->ctx); /* dropped now; 8 and 9 go at the next flush */
	sp_tx_flush(env->ctx);
	assert_int_equal(T_STAT(env, tx_stall_drops), 1);
	assert_int_equal(env->ctx->txq[0].n, 0);
	assert_int_equal(n_sent, 4);
	assert_int_equal(sent_len[2], 60 + 8);
	assert_int_equal(sent_len[3], 60 + 9);
	/* A ring full for 50 ms, then taking frames again: nothing dropped. */
	env->ctx->tx_burst = ring_tx;
	ring_room = 0;
	enqueue(1);
	for (i = 0; i < 5; i++) {
		env->ctx->now += 10 * ms;
		sp_tx_flush(env->ctx);
	}
	ring_room = 1;
	sp_tx_flush(env->ctx);
	assert_int_equal(T_STAT(env, tx_stall_drops), 1);
	assert_int_equal(n_sent, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_full_ring_keeps_the_rest_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_refusing_pmd_overflows_newest, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_refused_head_dropped_after_stall, setup, teardown),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

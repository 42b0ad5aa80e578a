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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_full_ring_keeps_the_rest_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_refusing_pmd_overflows_newest, setup, teardown),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

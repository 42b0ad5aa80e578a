/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault injection decision core (lib/core/impair.c): drop, duplicate, reorder, corrupt and delay on
 * real mbufs with a fake clock; determinism for a seed; bounded holds; no mbuf leaked.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_ethdev.h>

#include "sp_impair.h"
#include "sp_test.h"

#define HZ_US 1000 /* harness clock: 1e9 cycles per second */

static struct sp_test_env *env;

static int
setup(void **state)
{
	env = sp_test_env_new(NULL);
	return env == NULL;
}

static int
teardown(void **state)
{
	sp_test_env_free(env);
	return 0;
}

static struct rte_mbuf *
frame(uint32_t idx)
{
	uint8_t payload[64];

	memset(payload, 0xa5, sizeof(payload));
	memcpy(payload, &idx, sizeof(idx));
	return sp_test_ipv4(T_PEER_IP, T_OUR_IP, 253, payload, sizeof(payload));
}

static uint32_t
frame_idx(const struct rte_mbuf *m)
{
	uint8_t buf[64 + 34];
	uint32_t idx;

	assert_true(sp_test_copy(m, buf, sizeof(buf)) >= 38);
	memcpy(&idx, buf + 34, sizeof(idx));
	return idx;
}

static struct sp_impair_q *
q_new(double drop, double dup, double reorder, double corrupt, uint32_t delay_us, uint64_t seed)
{
	struct sp_impair_cfg cfg = {.drop = drop,
		.dup = dup,
		.reorder = reorder,
		.corrupt = corrupt,
		.delay_us = delay_us,
		.seed = seed,
		.enabled = 1};
	struct sp_impair_q *q = sp_impair_q_create(env->ctx, 0, 0, 0, SP_IMPAIR_RX, &cfg);

	assert_non_null(q);
	return q;
}

/* Feed frames 0..n-1 one by one at time @p now; store surviving indices in @p out. */
static unsigned
run_seq(struct sp_impair_q *q, unsigned n, uint64_t now, uint32_t *out, unsigned max)
{
	struct rte_mbuf *pkts[8];
	unsigned i, k = 0;
	uint16_t j, r;

	for (i = 0; i < n; i++) {
		pkts[0] = frame(i);
		r = sp_impair_q_run(q, pkts, 1, RTE_DIM(pkts), now);
		for (j = 0; j < r; j++) {
			if (k < max)
				out[k++] = frame_idx(pkts[j]);
			rte_pktmbuf_free(pkts[j]);
		}
	}
	return k;
}

static void
test_pass_through(void **state)
{
	struct sp_impair_q *q = q_new(0, 0, 0, 0, 0, 1);
	uint32_t out[16];
	unsigned k = run_seq(q, 10, 1000, out, RTE_DIM(out)), i;

	assert_int_equal(k, 10);
	for (i = 0; i < k; i++)
		assert_int_equal(out[i], i);
	assert_int_equal(sp_impair_q_free(q), 0);
}

static void
test_drop_all(void **state)
{
	struct sp_impair_q *q = q_new(1.0, 0, 0, 0, 0, 1);
	uint32_t out[16];

	assert_int_equal(run_seq(q, 10, 1000, out, RTE_DIM(out)), 0);
	assert_int_equal(T_STAT(env, impair_dropped), 10);
	sp_impair_q_free(q);
}

static void
test_drop_rate_deterministic(void **state)
{
	static uint32_t a[1000], b[1000], c[1000];
	struct sp_impair_q *q;
	unsigned ka, kb, kc;

	q = q_new(0.3, 0, 0, 0, 0, 42);
	ka = run_seq(q, 1000, 1000, a, RTE_DIM(a));
	sp_impair_q_free(q);
	q = q_new(0.3, 0, 0, 0, 0, 42);
	kb = run_seq(q, 1000, 1000, b, RTE_DIM(b));
	sp_impair_q_free(q);
	q = q_new(0.3, 0, 0, 0, 0, 43);
	kc = run_seq(q, 1000, 1000, c, RTE_DIM(c));
	sp_impair_q_free(q);

	/* Same seed, same frames: the same survivors. */
	assert_int_equal(ka, kb);
	assert_memory_equal(a, b, ka * sizeof(a[0]));
	/* Around 70 % survive (binomial, 1000 draws: 600..800 is > 6 sigma). */
	assert_in_range(ka, 600, 800);
	/* Another seed: another pattern. */
	assert_true(ka != kc || memcmp(a, c, ka * sizeof(a[0])) != 0);
	assert_int_equal(T_STAT(env, impair_dropped), 3000 - ka - kb - kc);
}

static void
test_duplicate(void **state)
{
	struct sp_impair_q *q = q_new(0, 1.0, 0, 0, 0, 1);
	struct rte_mbuf *pkts[4];
	uint8_t x[128], y[128];
	size_t lx, ly;

	pkts[0] = frame(7);
	assert_int_equal(sp_impair_q_run(q, pkts, 1, RTE_DIM(pkts), 1000), 2);
	assert_ptr_not_equal(pkts[0], pkts[1]);
	lx = sp_test_copy(pkts[0], x, sizeof(x));
	ly = sp_test_copy(pkts[1], y, sizeof(y));
	assert_int_equal(lx, ly);
	assert_memory_equal(x, y, lx);
	assert_int_equal(T_STAT(env, impair_duplicated), 1);
	rte_pktmbuf_free(pkts[0]);
	rte_pktmbuf_free(pkts[1]);
	sp_impair_q_free(q);
}

static void
test_duplicate_beyond_room(void **state)
{
	struct sp_impair_q *q = q_new(0, 1.0, 0, 0, 0, 1);
	struct rte_mbuf *pkts[4];
	uint16_t i;

	for (i = 0; i < 3; i++)
		pkts[i] = frame(i);
	/* 6 frames due, room for 4: two wait for the next poll. */
	assert_int_equal(sp_impair_q_run(q, pkts, 3, 4, 1000), 4);
	for (i = 0; i < 4; i++)
		rte_pktmbuf_free(pkts[i]);
	assert_int_equal(sp_impair_q_run(q, pkts, 0, 4, 1001), 2);
	assert_int_equal(frame_idx(pkts[0]), 2);
	assert_int_equal(frame_idx(pkts[1]), 2);
	rte_pktmbuf_free(pkts[0]);
	rte_pktmbuf_free(pkts[1]);
	sp_impair_q_free(q);
}

static void
test_reorder(void **state)
{
	struct sp_impair_q *q = q_new(0, 0, 1.0, 0, 0, 1);
	uint32_t out[8];

	/* Every other frame is held and released right after the next one. */
	assert_int_equal(run_seq(q, 4, 1000, out, RTE_DIM(out)), 4);
	assert_int_equal(out[0], 1);
	assert_int_equal(out[1], 0);
	assert_int_equal(out[2], 3);
	assert_int_equal(out[3], 2);
	assert_int_equal(T_STAT(env, impair_reordered), 2);
	sp_impair_q_free(q);
}

static void
test_reorder_hold_is_bounded(void **state)
{
	struct sp_impair_q *q = q_new(0, 0, 1.0, 0, 0, 1);
	struct rte_mbuf *pkts[2];
	uint64_t t0 = 1000000;

	pkts[0] = frame(9);
	assert_int_equal(sp_impair_q_run(q, pkts, 1, 2, t0), 0);
	/* No frame follows: still held 9.999 ms later, released at 10 ms. */
	assert_int_equal(sp_impair_q_run(q, pkts, 0, 2, t0 + 9999 * HZ_US), 0);
	assert_int_equal(sp_impair_q_run(q, pkts, 0, 2, t0 + 10000 * HZ_US), 1);
	assert_int_equal(frame_idx(pkts[0]), 9);
	rte_pktmbuf_free(pkts[0]);
	sp_impair_q_free(q);
}

static void
test_corrupt_one_bit_past_ethernet(void **state)
{
	struct sp_impair_q *q = q_new(0, 0, 0, 1.0, 0, 5);
	struct rte_mbuf *pkts[2], *orig;
	uint8_t a[128], b[128];
	size_t la, lb, i;
	unsigned bits = 0;

	pkts[0] = frame(3);
	orig = rte_pktmbuf_copy(pkts[0], pkts[0]->pool, 0, UINT32_MAX);
	assert_non_null(orig);
	pkts[0]->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
	/* as if on TX: checksums left to the PMD */
	pkts[0]->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
	assert_int_equal(sp_impair_q_run(q, pkts, 1, 2, 1000), 1);
	la = sp_test_copy(orig, a, sizeof(a));
	lb = sp_test_copy(pkts[0], b, sizeof(b));
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, RTE_ETHER_HDR_LEN);
	for (i = 0; i < la; i++)
		bits += __builtin_popcount(a[i] ^ b[i]);
	assert_int_equal(bits, 1);
	/* The PMD's checksum verdict no longer holds. */
	assert_int_equal(pkts[0]->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK, 0);
	assert_int_equal(pkts[0]->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK, 0);
	/* and no PMD may compute a valid checksum over the flipped bytes */
	assert_int_equal(pkts[0]->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK), 0);
	assert_int_equal(T_STAT(env, impair_corrupted), 1);
	rte_pktmbuf_free(orig);
	rte_pktmbuf_free(pkts[0]);
	sp_impair_q_free(q);
}

static void
test_corrupt_never_touches_shared_data(void **state)
{
	struct sp_impair_q *q = q_new(0, 0, 0, 1.0, 0, 9);
	struct rte_mbuf *orig = frame(4), *pkts[2];
	uint8_t before[128], after[128], out[128];
	size_t len, i;
	unsigned bits = 0;

	len = sp_test_copy(orig, before, sizeof(before));
	/* What TCP does: the segment sent is a clone of the retransmission queue's data. */
	pkts[0] = rte_pktmbuf_clone(orig, orig->pool);
	assert_non_null(pkts[0]);
	assert_int_equal(sp_impair_q_run(q, pkts, 1, 2, 1000), 1);
	assert_int_equal(sp_test_copy(orig, after, sizeof(after)), len);
	assert_memory_equal(before, after, len);
	assert_int_equal(sp_test_copy(pkts[0], out, sizeof(out)), len);
	for (i = 0; i < len; i++)
		bits += __builtin_popcount(before[i] ^ out[i]);
	assert_int_equal(bits, 1);
	assert_int_equal(T_STAT(env, impair_corrupted), 1);
	rte_pktmbuf_free(pkts[0]);
	rte_pktmbuf_free(orig);
	sp_impair_q_free(q);
}

static void
test_delay(void **state)
{
	struct sp_impair_q *q = q_new(0, 0, 0, 0, 1000, 1);
	struct rte_mbuf *pkts[4];
	uint64_t t0 = 5000000;

	pkts[0] = frame(1);
	pkts[1] = frame(2);
	assert_int_equal(sp_impair_q_run(q, pkts, 2, 4, t0), 0);
	assert_int_equal(sp_impair_q_run(q, pkts, 0, 4, t0 + 999 * HZ_US), 0);
	assert_int_equal(sp_impair_q_run(q, pkts, 0, 4, t0 + 1000 * HZ_US), 2);
	assert_int_equal(frame_idx(pkts[0]), 1);
	assert_int_equal(frame_idx(pkts[1]), 2);
	assert_int_equal(T_STAT(env, impair_delayed), 2);
	rte_pktmbuf_free(pkts[0]);
	rte_pktmbuf_free(pkts[1]);
	sp_impair_q_free(q);
}

static void
test_overflow_and_free_held(void **state)
{
	struct sp_impair_q *q = q_new(0, 0, 0, 0, 1000000, 1);
	struct rte_mbuf *pkts[1];
	unsigned i;

	for (i = 0; i < 1030; i++) {
		pkts[0] = frame(i);
		assert_int_equal(sp_impair_q_run(q, pkts, 1, 1, 1000), 0);
	}
	/* The hold queue has 1024 slots; the rest were freed and counted, not leaked. */
	assert_int_equal(T_STAT(env, impair_overflow), 6);
	/* Detach frees what is still held (teardown checks the pool is full again). */
	assert_int_equal(sp_impair_q_free(q), 1024);
}

/* ---- the ethdev glue: a net_null port, RX callback and TX hook ---- */

static uint16_t
null_port(void)
{
	static uint16_t pid = RTE_MAX_ETHPORTS;
	struct rte_eth_conf conf = {0};

	if (pid != RTE_MAX_ETHPORTS)
		return pid;
	if (rte_eth_dev_get_port_by_name("net_null0", &pid) != 0) {
		assert_int_equal(rte_dev_probe("net_null0"), 0);
		assert_int_equal(rte_eth_dev_get_port_by_name("net_null0", &pid), 0);
	}
	assert_int_equal(rte_eth_dev_configure(pid, 1, 1, &conf), 0);
	assert_int_equal(
		rte_eth_rx_queue_setup(pid, 0, 64, SOCKET_ID_ANY, NULL, sp_test_pool()), 0);
	assert_int_equal(rte_eth_tx_queue_setup(pid, 0, 64, SOCKET_ID_ANY, NULL), 0);
	assert_int_equal(rte_eth_dev_start(pid), 0);
	return pid;
}

static void
attach3(double drop, double dup, double reorder)
{
	struct sp_impair_cfg *c = &env->cfg.ports[0].impair;

	c->drop = drop;
	c->dup = dup;
	c->reorder = reorder;
	c->seed = 1;
	c->enabled = 1;
	env->st->ports[0].port_id = null_port();
	assert_int_equal(sp_impair_attach(env->st, 0), 0);
}

static void
attach(double drop, double dup)
{
	attach3(drop, dup, 0);
}

static void
test_glue_disabled_installs_nothing(void **state)
{
	sp_tx_burst_fn before = env->ctx->tx_burst;

	env->st->ports[0].port_id = null_port();
	assert_int_equal(sp_impair_attach(env->st, 0), 0);
	assert_ptr_equal(env->ctx->tx_burst, before);
	sp_impair_detach(env->st, 0);
}

static void
test_glue_tx_drop_and_restore(void **state)
{
	sp_tx_burst_fn before = env->ctx->tx_burst;
	void *before_arg = env->ctx->tx_burst_arg;

	attach(1.0, 0);
	assert_ptr_not_equal(env->ctx->tx_burst, before);
	sp_tx_enqueue(env->ctx, 0, frame(1));
	sp_tx_enqueue(env->ctx, 0, frame(2));
	sp_tx_flush(env->ctx);
	/* Taken by the impairment layer (the caller must not free them), never captured. */
	assert_int_equal(sp_test_tx_count(env), 0);
	assert_int_equal(T_STAT(env, impair_dropped), 2);
	assert_int_equal(T_STAT(env, tx_dropped), 0);
	sp_impair_detach(env->st, 0);
	assert_ptr_equal(env->ctx->tx_burst, before);
	assert_ptr_equal(env->ctx->tx_burst_arg, before_arg);
}

static void
test_glue_tx_duplicate_reaches_previous_hook(void **state)
{
	struct rte_mbuf *m;

	attach(0, 1.0);
	sp_tx_enqueue(env->ctx, 0, frame(5));
	sp_tx_flush(env->ctx);
	assert_int_equal(sp_test_tx_count(env), 2);
	while ((m = sp_test_tx_pop(env, NULL)) != NULL) {
		assert_int_equal(frame_idx(m), 5);
		rte_pktmbuf_free(m);
	}
	sp_impair_detach(env->st, 0);
}

static void
test_glue_rx_callback_drops(void **state)
{
	struct rte_mbuf *pkts[8];
	uint16_t pid;

	attach(1.0, 0);
	pid = env->st->ports[0].port_id;
	/* net_null hands out 8 frames; the RX callback drops them before the caller sees them. */
	assert_int_equal(rte_eth_rx_burst(pid, 0, pkts, RTE_DIM(pkts)), 0);
	assert_int_equal(T_STAT(env, impair_dropped), 8);
	sp_impair_detach(env->st, 0);
	/* Detached: frames come through again. */
	assert_int_equal(rte_eth_rx_burst(pid, 0, pkts, RTE_DIM(pkts)), 8);
	rte_pktmbuf_free_bulk(pkts, 8);
}

static void
test_glue_tx_reorder_released_by_rx_poll(void **state)
{
	struct rte_mbuf *pkts[8], *m;
	uint16_t pid, n;

	attach3(0, 0, 1.0);
	pid = env->st->ports[0].port_id;
	sp_tx_enqueue(env->ctx, 0, frame(1));
	sp_tx_flush(env->ctx);
	assert_int_equal(sp_test_tx_count(env), 0); /* held */
	sp_tx_enqueue(env->ctx, 0, frame(2));
	sp_tx_flush(env->ctx);
	assert_int_equal(sp_test_tx_count(env), 2); /* 2, then the held 1 */
	m = sp_test_tx_pop(env, NULL);
	assert_int_equal(frame_idx(m), 2);
	rte_pktmbuf_free(m);
	m = sp_test_tx_pop(env, NULL);
	assert_int_equal(frame_idx(m), 1);
	rte_pktmbuf_free(m);
	/* A held frame with nothing after it leaves from the queue's RX poll within 10 ms. */
	sp_tx_enqueue(env->ctx, 0, frame(3));
	sp_tx_flush(env->ctx);
	assert_int_equal(sp_test_tx_count(env), 0);
	rte_delay_us_sleep(11000);
	n = rte_eth_rx_burst(pid, 0, pkts, RTE_DIM(pkts));
	rte_pktmbuf_free_bulk(pkts, n);
	assert_int_equal(sp_test_tx_count(env), 1);
	m = sp_test_tx_pop(env, NULL);
	assert_int_equal(frame_idx(m), 3);
	rte_pktmbuf_free(m);
	/* Frames the RX side still holds are freed at detach (teardown checks for leaks). */
	sp_impair_detach(env->st, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pass_through, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_rate_deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_beyond_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reorder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reorder_hold_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_corrupt_one_bit_past_ethernet, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_corrupt_never_touches_shared_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_and_free_held, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_glue_disabled_installs_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glue_tx_drop_and_restore, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_glue_tx_duplicate_reaches_previous_hook, setup, teardown),
		cmocka_unit_test_setup_teardown(test_glue_rx_callback_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_glue_tx_reorder_released_by_rx_poll, setup, teardown),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

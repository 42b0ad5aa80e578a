/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Multi-lcore TCP (tcp/tcp_steer.c, pick_port in tcp/tcp_api.c, docs/tcp.md "Multi-lcore: RSS
 * and steering"): a stack with two workers on one port.
 *  - the Toeplitz hash against the RSS verification vectors of the Microsoft RSS specification
 *    (byte order of the tuple and of the key);
 *  - predictable RSS (known key, RETA i -> i % 2): every source port an active open picks on
 *    worker w hashes, as the reply the NIC will see, to queue w (checked with rte_softrss
 *    directly, not through the stack's helper);
 *  - software steering (RSS unknown): worker w picks only ports p with p % 2 == w; a SYN-ACK
 *    arriving on the other worker is handed over through the owner's ring and completes the
 *    handshake there; a segment for a listener stays where it lands; a full ring drops and
 *    counts; mbufs left in a ring at exit are freed; with one worker nothing is steered.
 */
#include <stdlib.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_thash.h>

#include "sp_test.h"
#include "tcp_helper.h"
#include "tcp.h"
#include "tcp_steer.h"
#include "two_workers.h"

#define PEER_PORT TW_PEER_PORT
#define N_CONNS	  300

static int n_connected;
static const struct sp_tcp_callbacks cb_count;

/* ---- the hash itself ---- */

/*
 * IPv4/TCP vectors of the "Verifying the RSS Hash Calculation" table of the Microsoft RSS
 * specification: its key, then source address:port -> destination address:port and the hash.
 */
static void
test_toeplitz_vectors(void **state)
{
	static const uint8_t ms_key[40] __rte_aligned(4) = {0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b,
		0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
		0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42,
		0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};
	static const struct {
		uint32_t src, dst;
		uint16_t sport, dport;
		uint32_t hash;
	} v[] = {
		{RTE_IPV4(66, 9, 149, 187), RTE_IPV4(161, 142, 100, 80), 2794, 1766, 0x51ccc178},
		{RTE_IPV4(199, 92, 111, 2), RTE_IPV4(65, 69, 140, 83), 14230, 4739, 0xc626b0ea},
		{RTE_IPV4(24, 19, 198, 95), RTE_IPV4(12, 22, 207, 184), 12898, 38024, 0x5c2b394a},
		{RTE_IPV4(38, 27, 205, 30), RTE_IPV4(209, 142, 163, 6), 48228, 2217, 0xafc7327f},
		{RTE_IPV4(153, 39, 163, 191), RTE_IPV4(202, 188, 127, 2), 44251, 1303, 0x10e828a2},
	};
	struct sp_rss rss;
	unsigned i;

	(void)state;
	memset(&rss, 0, sizeof(rss));
	memcpy(rss.key, ms_key, sizeof(ms_key));
	rss.key_len = sizeof(ms_key);
	for (i = 0; i < RTE_DIM(v); i++)
		assert_int_equal(sp_rss_hash_v4(&rss, v[i].src, v[i].dst, v[i].sport, v[i].dport),
			v[i].hash);
}

/* ---- predictable RSS: pick_port filters by hash ---- */

static void
test_rss_pick_port(void **state)
{
	struct two t;
	unsigned w, i, per[2] = {0, 0};

	(void)state;
	two_new(&t, true);
	for (w = 0; w < 2; w++)
		for (i = 0; i < N_CONNS; i++) {
			struct sp_conn *c = open_on(&t, w, NULL, NULL);
			uint16_t lp = lport_of(c);
			/* The reply as the NIC sees it: from the peer to us. */
			uint32_t tuple[3] = {T_PEER_IP, T_OUR_IP, (uint32_t)PEER_PORT << 16 | lp};
			uint32_t h = rte_softrss(tuple, 3, test_key);

			assert_true(lp >= SP_TCP_EPH_LO && lp <= SP_TCP_EPH_HI);
			assert_int_equal((h % 128) % 2, w);
			assert_int_equal(sp_tcp_steer_owner(
						 t.env->st, 0, T_OUR_IP, lp, T_PEER_IP, PEER_PORT),
				(int)w);
			per[w]++;
		}
	assert_int_equal(per[0], N_CONNS);
	assert_int_equal(per[1], N_CONNS);
	/* No port was used twice across the two workers' tables (they cannot collide). */
	assert_int_equal(t.w[0]->stats[0].ActiveOpens, N_CONNS);
	assert_int_equal(t.w[1]->stats[0].ActiveOpens, N_CONNS);
	sp_test_tx_clear(t.env);
	two_free(&t);
}

/*
 * Predictable port, but the segment reaches the other queue anyway (a NIC that does not hash
 * as read back): the hash names the owner, so the segment is steered there, not answered.
 */
static void
test_rss_wrong_queue_steered(void **state)
{
	struct two t;
	struct t_out o;
	uint16_t lp;

	(void)state;
	two_new(&t, true);
	n_connected = 0;
	lp = lport_of(open_on(&t, 1, &cb_count, NULL));
	sp_tx_flush(t.w[1]); /* (t_expect flushes worker 0 only) */
	t_expect(t.env, &o, T_SYN);
	assert_int_equal(o.h.sport, lp);
	seg_on(&t, 0, lp, 9000, o.h.seq + 1, T_SYN | T_ACK);
	assert_int_equal(t.w[0]->stats[0].steer_out, 1);
	assert_int_equal(t.w[0]->stats[0].TCPNoListener, 0);
	sp_poll(t.w[1], t.w[1]->now);
	sp_tx_flush(t.w[1]);
	assert_int_equal(t.w[1]->stats[0].steer_in, 1);
	assert_int_equal(n_connected, 1);
	t_expect(t.env, &o, T_ACK);
	sp_test_tx_clear(t.env);
	two_free(&t);
}

/* A RETA that names a queue we do not have, or a hash without ports, is not predictable. */
static void
test_rss_not_predictable(void **state)
{
	struct sp_test_env *env;
	uint16_t reta[4] = {0, 1, 2, 3};

	(void)state;
	env = sp_test_env_new(NULL);
	assert_int_equal(sp_stack_port_set_rss(env->st, 0, 2, true, RTE_ETH_RSS_TCP, test_key,
				 sizeof(test_key), reta, 4),
		0);
	assert_false(env->st->ports[0].rss.predictable);
	reta[2] = 0;
	reta[3] = 1;
	assert_int_equal(sp_stack_port_set_rss(env->st, 0, 2, true, RTE_ETH_RSS_IP, test_key,
				 sizeof(test_key), reta, 4),
		0);
	assert_false(env->st->ports[0].rss.predictable);
	assert_int_equal(sp_stack_port_set_rss(env->st, 0, 2, true, RTE_ETH_RSS_TCP, test_key,
				 sizeof(test_key), reta, 4),
		0);
	assert_true(env->st->ports[0].rss.predictable);
	/* one queue: RSS is off whatever the PMD says */
	assert_int_equal(sp_stack_port_set_rss(env->st, 0, 1, true, RTE_ETH_RSS_TCP, test_key,
				 sizeof(test_key), reta, 4),
		0);
	assert_false(env->st->ports[0].rss.on);
	assert_int_equal(sp_stack_port_set_rss(env->st, 0, 2, true, RTE_ETH_RSS_TCP, test_key,
				 SP_RSS_KEY_MAX + 1, reta, 4),
		-EINVAL);
	sp_test_env_free(env);
}

/* ---- software steering ---- */

static void
test_partition(void **state)
{
	struct two t;
	unsigned w, i;

	(void)state;
	two_new(&t, false);
	for (w = 0; w < 2; w++)
		for (i = 0; i < N_CONNS; i++) {
			uint16_t lp = lport_of(open_on(&t, w, NULL, NULL));

			assert_int_equal(lp % 2, w);
			assert_int_equal(sp_tcp_steer_owner(
						 t.env->st, 0, T_OUR_IP, lp, T_PEER_IP, PEER_PORT),
				(int)w);
		}
	/* Outside the ephemeral range (servers' ports): never steered. */
	assert_int_equal(sp_tcp_steer_owner(t.env->st, 0, T_OUR_IP, 80, T_PEER_IP, 40000), -1);
	assert_int_equal(
		sp_tcp_steer_owner(t.env->st, 0, T_OUR_IP, SP_TCP_EPH_LO - 1, T_PEER_IP, 1), -1);
	assert_int_equal(
		sp_tcp_steer_owner(t.env->st, 0, T_OUR_IP, SP_TCP_EPH_HI + 1, T_PEER_IP, 1), -1);
	sp_test_tx_clear(t.env);
	two_free(&t);
}

static void
on_connected(struct sp_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	n_connected++;
}

static const struct sp_tcp_callbacks cb_count = {.connected = on_connected};

static void
test_steer_synack(void **state)
{
	struct two t;
	struct t_out o;
	struct sp_conn *c;
	uint16_t lp;

	(void)state;
	two_new(&t, false);
	n_connected = 0;
	c = open_on(&t, 0, &cb_count, NULL);
	lp = lport_of(c);
	t_expect(t.env, &o, T_SYN);
	assert_int_equal(o.h.sport, lp);
	/* The SYN-ACK lands on worker 1's queue: handed over, not answered there. */
	seg_on(&t, 1, lp, 5000, o.h.seq + 1, T_SYN | T_ACK);
	assert_int_equal(t.w[1]->stats[0].steer_out, 1);
	assert_int_equal(t.w[1]->stats[0].TCPNoListener, 0);
	assert_int_equal(t.w[1]->stats[0].InSegs, 0);
	assert_int_equal(t_count(t.env), 0);
	assert_int_equal(n_connected, 0);
	/* Worker 0 takes it from its ring in sp_poll(): ESTABLISHED, ACK sent. */
	sp_poll(t.w[0], t.w[0]->now);
	sp_tx_flush(t.w[0]);
	assert_int_equal(t.w[0]->stats[0].steer_in, 1);
	assert_int_equal(t.w[0]->stats[0].InSegs, 1);
	assert_int_equal(n_connected, 1);
	t_expect(t.env, &o, T_ACK);
	assert_int_equal(o.h.sport, lp);
	/* On its owner a segment is not steered. */
	seg_on(&t, 0, lp, 5001, o.h.seq, T_ACK);
	assert_int_equal(t.w[0]->stats[0].steer_out, 0);
	assert_int_equal(t.w[0]->stats[0].InSegs, 2);
	sp_test_tx_clear(t.env);
	two_free(&t);
}

static int
on_accept(struct sp_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	return 0;
}

static const struct sp_tcp_callbacks cb_accept = {.accepted = on_accept};

/* A listener on an ephemeral-range port: its SYNs stay on the lcore that received them. */
static void
test_listener_not_steered(void **state)
{
	struct sp_listen_opts lo = {0};
	struct sp_listener *l;
	struct t_out o;
	struct two t;
	uint16_t port = SP_TCP_EPH_LO + 1; /* partition owner: worker 1 */

	(void)state;
	two_new(&t, false);
	lo.port = port;
	lo.cb = &cb_accept;
	assert_int_equal(sp_tcp_listen(t.w[0], &lo, &l), 0);
	seg_on(&t, 0, port, 7000, 0, T_SYN);
	assert_int_equal(t.w[0]->stats[0].steer_out, 0);
	assert_int_equal(t.w[0]->stats[0].PassiveOpens, 1);
	t_expect(t.env, &o, T_SYN | T_ACK);
	sp_tcp_unlisten(t.w[0], l);
	sp_test_tx_clear(t.env);
	two_free(&t);
}

/* A full ring drops (counted); what is still in a ring at exit goes back to the pool. */
static void
test_ring_full_and_exit(void **state)
{
	struct two t;
	unsigned i;
	uint16_t lp = SP_TCP_EPH_LO; /* even: worker 0 owns it */

	(void)state;
	two_new(&t, false);
	for (i = 0; i < SP_STEER_RING; i++)
		seg_on(&t, 1, lp, 100 + i, 1, T_ACK);
	/* An rte_ring of SP_STEER_RING slots holds one less. */
	assert_int_equal(t.w[1]->stats[0].steer_out, SP_STEER_RING - 1);
	assert_int_equal(t.w[1]->stats[0].steer_ring_full, 1);
	seg_on(&t, 1, lp, 99, 1, T_ACK);
	assert_int_equal(t.w[1]->stats[0].steer_ring_full, 2);
	assert_int_equal(t_count(t.env), 0);
	/* Not drained: two_free() frees worker 0 with a full ring; the env checks for leaks. */
	two_free(&t);
}

/* One worker: nothing is steered and every free port qualifies. */
static void
test_one_worker(void **state)
{
	struct sp_test_env *env;
	struct sp_connect_opts o = {0};
	struct sp_conn *c;
	unsigned i, odd = 0;

	(void)state;
	env = sp_test_env_new(NULL);
	assert_int_equal(env->st->n_workers, 1);
	o.dst_ip = T_PEER_IP;
	o.dst_port = PEER_PORT;
	for (i = 0; i < 50; i++) {
		uint16_t lp;

		assert_int_equal(sp_tcp_connect(env->ctx, &o, &c), 0);
		lp = lport_of(c);
		odd += lp % 2;
		assert_int_equal(
			sp_tcp_steer_owner(env->st, 0, T_OUR_IP, lp, T_PEER_IP, PEER_PORT), -1);
	}
	assert_true(odd > 0 && odd < 50); /* consecutive ports: both parities */
	t_seg(env, PEER_PORT, SP_TCP_EPH_LO + 3, 1, 1, T_ACK, 1000, NULL, NULL, 0);
	assert_int_equal(env->ctx->stats[0].steer_out, 0);
	sp_test_tx_clear(env);
	sp_test_env_free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toeplitz_vectors),
		cmocka_unit_test(test_rss_pick_port),
		cmocka_unit_test(test_rss_wrong_queue_steered),
		cmocka_unit_test(test_rss_not_predictable),
		cmocka_unit_test(test_partition),
		cmocka_unit_test(test_steer_synack),
		cmocka_unit_test(test_listener_not_steered),
		cmocka_unit_test(test_ring_full_and_exit),
		cmocka_unit_test(test_one_worker),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

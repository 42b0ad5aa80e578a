/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reassembly (in order, out of order, duplicates, overlap, timeout, bad fragments, table bound,
 * more than 8 fragments) and fragmentation (rte_ipv4_fragment_packet round trip).
 */
#include "l3_test_util.h"

#define SRC T_PEER_IP
#define DST T_OUR_IP

static uint8_t payload[65535];

static void
fill_payload(void)
{
	size_t i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 31 + (i >> 8));
}

/* A fragment of datagram @id: payload bytes [ofs, ofs+len) of the pattern, data at IP header. */
static struct rte_mbuf *
frag(uint16_t id, uint8_t proto, uint32_t ofs, uint32_t len, bool mf, struct sp_ipv4 *ip)
{
	struct l3_hdr h = l3_default_hdr(SRC, DST, proto);
	struct rte_mbuf *m;

	h.id = id;
	h.frag_off = (uint16_t)ofs;
	h.mf = mf;
	m = l3_frame(&h, payload + ofs, len);
	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = 20;
	assert_int_equal(sp_ipv4_parse(rte_pktmbuf_mtod(m, void *), m->pkt_len, ip), SP_WIRE_OK);
	return m;
}

static struct rte_mbuf *
feed(struct sp_test_env *env, uint16_t id, uint8_t proto, uint32_t ofs, uint32_t len, bool mf)
{
	struct sp_ipv4 ip;
	struct rte_mbuf *m = frag(id, proto, ofs, len, mf, &ip);

	return sp_frag_reassemble(env->ctx, 0, m, &ip);
}

/* Check a reassembled datagram: header fixed up, payload equal to the pattern. */
static void
check_whole(struct rte_mbuf *m, uint32_t len)
{
	static uint8_t buf[65535];
	struct sp_ipv4 ip;

	assert_non_null(m);
	assert_int_equal(m->pkt_len, 20 + len);
	assert_int_equal(sp_test_copy(m, buf, sizeof(buf)), 20 + len);
	assert_int_equal(sp_ipv4_parse(buf, m->pkt_len, &ip), SP_WIRE_OK);
	assert_int_equal(ip.total_len, 20 + len);
	assert_false(ip.mf);
	assert_int_equal(ip.frag_off, 0);
	assert_true(sp_ipv4_cksum_ok(buf, 20));
	assert_memory_equal(buf + 20, payload, len);
}

static void
test_in_order(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct rte_mbuf *m;

	fill_payload();
	assert_null(feed(env, 7, IPPROTO_UDP, 0, 1480, true));
	assert_null(feed(env, 7, IPPROTO_UDP, 1480, 1480, true));
	m = feed(env, 7, IPPROTO_UDP, 2960, 40, false);
	check_whole(m, 3000);
	assert_int_equal(m->nb_segs, 3);
	assert_int_equal(T_STAT(env, ip_reasm_ok), 1);
	assert_int_equal(T_STAT(env, ip_frag_in), 3);
	assert_int_equal(T_STAT(env, ip_reasm_fails), 0);
	rte_pktmbuf_free(m);
	sp_test_env_free(env);
}

static void
test_out_of_order_and_dup(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct rte_mbuf *m;

	fill_payload();
	assert_null(feed(env, 9, IPPROTO_ICMP, 2960, 41, false));
	assert_null(feed(env, 9, IPPROTO_ICMP, 1480, 1480, true));
	/* an exact duplicate is ignored, not an overlap */
	assert_null(feed(env, 9, IPPROTO_ICMP, 1480, 1480, true));
	assert_int_equal(T_STAT(env, ip_frag_dup), 1);
	/* a different datagram (other id) interleaved */
	assert_null(feed(env, 10, IPPROTO_ICMP, 0, 8, true));
	m = feed(env, 9, IPPROTO_ICMP, 0, 1480, true);
	check_whole(m, 3001);
	rte_pktmbuf_free(m);
	m = feed(env, 10, IPPROTO_ICMP, 8, 8, false);
	check_whole(m, 16);
	rte_pktmbuf_free(m);
	assert_int_equal(T_STAT(env, ip_reasm_ok), 2);
	sp_test_env_free(env);
}

static void
test_overlap_drops_datagram(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct rte_mbuf *m;

	fill_payload();
	assert_null(feed(env, 11, IPPROTO_UDP, 0, 1480, true));
	/* starts inside the first fragment (RFC 5722): the whole datagram goes */
	assert_null(feed(env, 11, IPPROTO_UDP, 1472, 1480, true));
	assert_int_equal(T_STAT(env, ip_reasm_fails), 1);
	/* the rest of it is dropped too, even fragments that would complete it */
	assert_null(feed(env, 11, IPPROTO_UDP, 1480, 1480, true));
	assert_null(feed(env, 11, IPPROTO_UDP, 2960, 40, false));
	assert_null(feed(env, 11, IPPROTO_UDP, 0, 1480, true));
	assert_int_equal(T_STAT(env, ip_frag_discarded), 3);
	assert_int_equal(T_STAT(env, ip_reasm_ok), 0);

	/* overlap from the other side: a fragment covering the end of an earlier one */
	assert_null(feed(env, 12, IPPROTO_UDP, 1480, 1480, true));
	assert_null(feed(env, 12, IPPROTO_UDP, 0, 1488, true));
	assert_int_equal(T_STAT(env, ip_reasm_fails), 2);
	/* same offset, different length */
	assert_null(feed(env, 13, IPPROTO_UDP, 0, 1480, true));
	assert_null(feed(env, 13, IPPROTO_UDP, 0, 1472, true));
	assert_int_equal(T_STAT(env, ip_reasm_fails), 3);
	/* a last fragment that ends before data already held */
	assert_null(feed(env, 14, IPPROTO_UDP, 1480, 1480, true));
	assert_null(feed(env, 14, IPPROTO_UDP, 1000, 8, false));
	assert_int_equal(T_STAT(env, ip_reasm_fails), 4);
	/* two different "last" fragments */
	assert_null(feed(env, 15, IPPROTO_UDP, 1480, 100, false));
	assert_null(feed(env, 15, IPPROTO_UDP, 2960, 100, false));
	assert_int_equal(T_STAT(env, ip_reasm_fails), 5);

	/* an unrelated datagram still reassembles */
	assert_null(feed(env, 16, IPPROTO_UDP, 0, 8, true));
	m = feed(env, 16, IPPROTO_UDP, 8, 3, false);
	check_whole(m, 11);
	rte_pktmbuf_free(m);
	/* no mbuf held by the dead flows: env_free asserts the pool is full */
	sp_test_env_free(env);
}

static void
test_timeout_frees(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	unsigned in_use;

	fill_payload();
	in_use = rte_mempool_in_use_count(env->pool);
	assert_null(feed(env, 20, IPPROTO_UDP, 0, 1480, true));
	assert_null(feed(env, 20, IPPROTO_UDP, 2960, 40, false));
	assert_int_equal(rte_mempool_in_use_count(env->pool), in_use + 2);
	sp_test_advance_ms(env, env->cfg.stack.frag_timeout_ms - 10);
	assert_int_equal(T_STAT(env, ip_reasm_fails), 0);
	assert_int_equal(rte_mempool_in_use_count(env->pool), in_use + 2);
	sp_test_advance_ms(env, 20);
	assert_int_equal(T_STAT(env, ip_reasm_fails), 1);
	sp_test_tx_clear(env); /* a time exceeded may have been queued */
	assert_int_equal(rte_mempool_in_use_count(env->pool), in_use);
	/* the missing middle arriving now starts a new, incomplete datagram */
	assert_null(feed(env, 20, IPPROTO_UDP, 1480, 1480, true));
	sp_test_env_free(env);
}

static void
test_bad_fragments(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	unsigned n = 0;

	fill_payload();
	/* zero-length non-last fragment */
	assert_null(feed(env, 30, IPPROTO_UDP, 8, 0, true));
	assert_int_equal(T_STAT(env, ip_frag_bad), ++n);
	/* zero-length last fragment */
	assert_null(feed(env, 30, IPPROTO_UDP, 8, 0, false));
	assert_int_equal(T_STAT(env, ip_frag_bad), ++n);
	/* non-last fragment not a multiple of 8 */
	assert_null(feed(env, 31, IPPROTO_UDP, 0, 100, true));
	assert_int_equal(T_STAT(env, ip_frag_bad), ++n);
	/* beyond 65535 bytes ("ping of death") */
	assert_null(feed(env, 32, IPPROTO_ICMP, 65528, 8, false));
	assert_int_equal(T_STAT(env, ip_frag_bad), ++n);
	assert_null(feed(env, 32, IPPROTO_ICMP, 65512, 8, false)); /* 65512+8+20 = 65540 */
	assert_int_equal(T_STAT(env, ip_frag_bad), ++n);
	/* tiny first TCP fragment (RFC 1858 3.1) */
	assert_null(feed(env, 33, IPPROTO_TCP, 0, 16, true));
	assert_int_equal(T_STAT(env, ip_frag_bad), ++n);
	/* TCP fragment at offset 8 (RFC 1858 3.2) */
	assert_null(feed(env, 34, IPPROTO_TCP, 8, 16, false));
	assert_int_equal(T_STAT(env, ip_frag_bad), ++n);
	/* the largest legal last fragment is fine */
	assert_null(feed(env, 35, IPPROTO_ICMP, 65504, 11, false));
	assert_int_equal(T_STAT(env, ip_frag_bad), n);
	assert_int_equal(T_STAT(env, ip_reasm_ok), 0);
	sp_test_env_free(env);
}

static void
test_table_bound_evicts_oldest(void **state)
{
	struct sp_config cfg;
	struct sp_test_env *env;
	struct rte_mbuf *m;

	fill_payload();
	sp_test_default_cfg(&cfg);
	cfg.stack.frag_max_flows = 2;
	env = sp_test_env_new(&cfg);
	assert_null(feed(env, 40, IPPROTO_UDP, 0, 8, true));
	assert_null(feed(env, 41, IPPROTO_UDP, 0, 8, true));
	assert_null(feed(env, 42, IPPROTO_UDP, 0, 8, true)); /* evicts 40 */
	assert_int_equal(T_STAT(env, ip_reasm_fails), 1);
	assert_null(feed(env, 40, IPPROTO_UDP, 8, 8, false)); /* 40 starts over, evicts 41 */
	assert_int_equal(T_STAT(env, ip_reasm_fails), 2);
	m = feed(env, 42, IPPROTO_UDP, 8, 8, false);
	check_whole(m, 16);
	rte_pktmbuf_free(m);
	sp_test_env_free(env);
}

static void
test_45_fragments(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct rte_mbuf *m = NULL;
	uint32_t total = 65515, ofs;
	int k;

	fill_payload();
	/* 65535-byte datagram in 1480-byte fragments, fed last to first */
	for (k = (int)(total / 1480); k >= 0; k--) {
		ofs = (uint32_t)k * 1480;
		assert_null(m);
		m = feed(env, 50, IPPROTO_ICMP, ofs, RTE_MIN(1480u, total - ofs),
			ofs + 1480 < total);
	}
	check_whole(m, total);
	assert_int_equal(m->nb_segs, 45);
	rte_pktmbuf_free(m);
	sp_test_env_free(env);
}

static void
test_fragment_roundtrip(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct rte_mbuf *out[64], *whole = NULL, *m;
	struct sp_ipv4 ip;
	uint8_t hdr[60];
	int n, i;

	static uint8_t dgram[20 + 4000];
	struct l3_hdr h = l3_default_hdr(SRC, DST, IPPROTO_UDP);

	fill_payload();
	h.id = 60;
	l3_write_hdr(dgram, &h, 4000);
	memcpy(dgram + 20, payload, 4000);
	/* a chain whose segments do not line up with the fragment boundaries */
	m = l3_chain(dgram, sizeof(dgram), 1000);
	n = sp_frag_fragment(env->ctx, m, 1500, out, RTE_DIM(out));
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++) {
		struct sp_ipv4 f;

		assert_true(out[i]->pkt_len <= 1500);
		sp_test_copy(out[i], hdr, 20);
		assert_int_equal(sp_ipv4_parse_ext(hdr, 20, out[i]->pkt_len, &f), SP_WIRE_OK);
		assert_true(sp_ipv4_cksum_ok(hdr, 20));
		assert_int_equal(f.frag_off, i * 1480);
		assert_int_equal(f.mf, i < n - 1);
		assert_int_equal(f.id, 60);
		assert_int_equal(f.total_len, out[i]->pkt_len);
	}
	assert_int_equal(env->ctx->stats[0].ip_frag_fails, 0);
	/* our own reassembly puts them back together, in reverse order */
	for (i = n - 1; i >= 0; i--) {
		sp_test_copy(out[i], hdr, 20);
		assert_int_equal(sp_ipv4_parse_ext(hdr, 20, out[i]->pkt_len, &ip), SP_WIRE_OK);
		out[i]->l2_len = 0;
		assert_null(whole);
		whole = sp_frag_reassemble(env->ctx, 0, out[i], &ip);
	}
	check_whole(whole, 4000);
	rte_pktmbuf_free(whole);
	sp_test_env_free(env);
}

static void
test_piece_bounds(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	unsigned base = rte_mempool_in_use_count(env->pool);
	unsigned cap = env->pool->size / 4; /* fragments held by the table at most */
	uint16_t id;
	uint32_t k;

	fill_payload();
	/* more than 64 fragments in one datagram: discarded */
	for (k = 0; k < 65; k++)
		assert_null(feed(env, 80, IPPROTO_UDP, k * 8, 8, true));
	assert_int_equal(T_STAT(env, ip_reasm_fails), 1);
	assert_int_equal(T_STAT(env, ip_frag_discarded), 0);
	assert_int_equal(rte_mempool_in_use_count(env->pool), base);
	/* many incomplete datagrams of 60 fragments: the oldest give way, the pool is not drained */
	for (id = 100; id < 100 + cap / 60 + 3; id++)
		for (k = 0; k < 60; k++)
			assert_null(feed(env, id, IPPROTO_UDP, k * 8, 8, true));
	assert_true(rte_mempool_in_use_count(env->pool) - base <= cap);
	assert_true(T_STAT(env, ip_reasm_fails) >= 1 + 3);
	/* the newest datagram is intact: completing it works */
	{
		struct rte_mbuf *m = feed(env, (uint16_t)(id - 1), IPPROTO_UDP, 480, 5, false);

		check_whole(m, 485);
		rte_pktmbuf_free(m);
	}
	sp_test_env_free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_out_of_order_and_dup),
		cmocka_unit_test(test_overlap_drops_datagram),
		cmocka_unit_test(test_timeout_frees),
		cmocka_unit_test(test_bad_fragments),
		cmocka_unit_test(test_table_bound_evicts_oldest),
		cmocka_unit_test(test_45_fragments),
		cmocka_unit_test(test_piece_bounds),
		cmocka_unit_test(test_fragment_roundtrip),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests_name("frag", tests, NULL, NULL);
}

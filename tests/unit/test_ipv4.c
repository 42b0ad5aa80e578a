/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 input: every validation drop with its counter, padding, local delivery (weak host,
 * broadcast), dispatch; forwarding (TTL, time exceeded, DF) and output on a two-port config.
 */
#include "l3_test_util.h"

static const uint8_t udp_payload[12] = {0x9c, 0x40, 0x30, 0x39, 0x00, 0x0c, 0x00, 0x00,
	'a', 'b', 'c', 'd'}; /* 40000 -> 12345, no checksum */

static struct rte_mbuf *
udp_frame(uint32_t src, uint32_t dst)
{
	struct l3_hdr h = l3_default_hdr(src, dst, IPPROTO_UDP);

	return l3_frame(&h, udp_payload, sizeof(udp_payload));
}

/* Feed a frame; expect exactly counter @c of port 0 to grow by one, nothing delivered. */
#define EXPECT_DROP(env, m, c)                                                                     \
	do {                                                                                       \
		uint64_t before_ = T_STAT(env, c);                                                 \
		uint64_t deliv_ = T_STAT(env, ip_in_delivers);                                     \
		l3_feed(env, 0, m);                                                                \
		assert_int_equal(T_STAT(env, c), before_ + 1);                                     \
		assert_int_equal(T_STAT(env, ip_in_delivers), deliv_);                             \
	} while (0)

static void
test_header_drops(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct l3_hdr h = l3_default_hdr(T_PEER_IP, T_OUR_IP, IPPROTO_UDP);
	uint8_t raw[64];
	struct rte_mbuf *m;

	/* runt: 19 bytes of IP */
	l3_write_hdr(raw, &h, 0);
	m = sp_test_eth(NULL, NULL, RTE_ETHER_TYPE_IPV4, raw, 19);
	EXPECT_DROP(env, m, ip_runt);
	/* version 6 */
	m = udp_frame(T_PEER_IP, T_OUR_IP);
	rte_pktmbuf_mtod_offset(m, uint8_t *, 14)[0] = 0x65;
	EXPECT_DROP(env, m, ip_bad_version);
	/* IHL 4 */
	m = udp_frame(T_PEER_IP, T_OUR_IP);
	rte_pktmbuf_mtod_offset(m, uint8_t *, 14)[0] = 0x44;
	EXPECT_DROP(env, m, ip_bad_ihl);
	/* IHL 15 (60 bytes) in a 32-byte datagram */
	m = udp_frame(T_PEER_IP, T_OUR_IP);
	rte_pktmbuf_mtod_offset(m, uint8_t *, 14)[0] = 0x4f;
	EXPECT_DROP(env, m, ip_bad_ihl);
	/* total length below IHL */
	h.total_len_delta = -13; /* 20 + 12 - 13 = 19 */
	EXPECT_DROP(env, l3_frame(&h, udp_payload, sizeof(udp_payload)), ip_bad_len);
	/* total length beyond the frame */
	h.total_len_delta = 1;
	EXPECT_DROP(env, l3_frame(&h, udp_payload, sizeof(udp_payload)), ip_bad_len);
	h.total_len_delta = 0;
	/* header checksum */
	h.bad_cksum = true;
	EXPECT_DROP(env, l3_frame(&h, udp_payload, sizeof(udp_payload)), ip_bad_cksum);
	h.bad_cksum = false;
	/* malformed option (length runs past the header) */
	{
		static const uint8_t bad_opt[4] = {0x94, 8, 0, 0};

		h.opts = bad_opt;
		h.optlen = 4;
		EXPECT_DROP(env, l3_frame(&h, udp_payload, sizeof(udp_payload)), ip_bad_options);
		h.opts = NULL;
		h.optlen = 0;
	}
	assert_int_equal(T_STAT(env, ip_in_receives), 8);
	sp_test_env_free(env);
}

static void
test_rx_cksum_flags(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct l3_hdr h = l3_default_hdr(T_PEER_IP, T_OUR_IP, 253);
	struct rte_mbuf *m;

	/* PMD says bad: dropped even though the checksum is right */
	m = l3_frame(&h, udp_payload, sizeof(udp_payload));
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_BAD;
	EXPECT_DROP(env, m, ip_bad_cksum);
	/* PMD says good: not recomputed (the wrong checksum passes) */
	h.bad_cksum = true;
	m = l3_frame(&h, udp_payload, sizeof(udp_payload));
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD;
	l3_feed(env, 0, m);
	assert_int_equal(T_STAT(env, ip_bad_cksum), 1);
	assert_int_equal(T_STAT(env, ip_unknown_proto), 1);
	/* no verdict (UNKNOWN): computed in software */
	m = l3_frame(&h, udp_payload, sizeof(udp_payload));
	EXPECT_DROP(env, m, ip_bad_cksum);
	sp_test_tx_clear(env);
	sp_test_env_free(env);
}

static void
test_martians(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	const uint32_t bad_src[] = {
		RTE_IPV4(0, 1, 2, 3), RTE_IPV4(127, 0, 0, 1), RTE_IPV4(224, 0, 0, 1),
		RTE_IPV4(240, 0, 0, 1), RTE_IPV4(255, 255, 255, 255), RTE_IPV4(198, 18, 0, 255),
		T_OUR_IP,
	};
	unsigned i;

	for (i = 0; i < RTE_DIM(bad_src); i++)
		EXPECT_DROP(env, udp_frame(bad_src[i], T_OUR_IP), ip_martian_src);
	EXPECT_DROP(env, udp_frame(T_PEER_IP, RTE_IPV4(127, 0, 0, 1)), ip_martian_dst);
	EXPECT_DROP(env, udp_frame(T_PEER_IP, RTE_IPV4(0, 0, 0, 7)), ip_martian_dst);
	EXPECT_DROP(env, udp_frame(T_PEER_IP, RTE_IPV4(239, 1, 1, 1)), ip_in_multicast);
	/* forwarding off: not ours is dropped */
	EXPECT_DROP(env, udp_frame(T_PEER_IP, RTE_IPV4(198, 18, 0, 99)), ip_not_for_us);
	EXPECT_DROP(env, udp_frame(T_PEER_IP, RTE_IPV4(8, 8, 8, 8)), ip_not_for_us);
	assert_int_equal(sp_test_tx_count(env), 0);
	sp_test_env_free(env);
}

static void
test_padding_trimmed(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	uint8_t frame[64], icmp[16];
	struct l3_hdr h = l3_default_hdr(T_PEER_IP, T_OUR_IP, IPPROTO_ICMP);
	size_t n = l3_echo_req(icmp, 1, 1, 0);
	struct rte_mbuf *m;

	/* 14 + 20 + 8 = 42 bytes, padded to 60 with non-zero garbage */
	memset(frame, 0xa5, sizeof(frame));
	l3_write_hdr(frame, &h, n);
	memcpy(frame + 20, icmp, n);
	m = sp_test_eth(NULL, NULL, RTE_ETHER_TYPE_IPV4, frame, 46);
	assert_int_equal(m->pkt_len, 60);
	l3_feed(env, 0, m);
	/* had the padding stayed, the ICMP checksum would have failed */
	assert_int_equal(T_STAT(env, icmp_bad_cksum), 0);
	assert_int_equal(T_STAT(env, icmp_in_echos), 1);
	sp_test_tx_clear(env);
	sp_test_env_free(env);
}

static void
test_delivery_weak_host_and_broadcast(void **state)
{
	struct sp_config cfg;
	struct sp_test_env *env;
	struct l3_hdr h;

	l3_two_port_cfg(&cfg);
	env = sp_test_env_new(&cfg);
	/* port1's address arriving on port0 is ours (weak host model) */
	l3_feed(env, 0, udp_frame(T_PEER_IP, T_OUR_IP1));
	assert_int_equal(env->ctx->stats[0].ip_in_delivers, 1);
	assert_int_equal(env->ctx->stats[0].udp_no_ports, 1);
	/* directed and limited broadcast: delivered, but no port unreachable about them */
	l3_feed(env, 0, udp_frame(T_PEER_IP, RTE_IPV4(198, 18, 0, 255)));
	l3_feed(env, 1, udp_frame(T_PEER_IP1, RTE_IPV4(255, 255, 255, 255)));
	assert_int_equal(T_STAT_ALL(env, ip_in_delivers), 3);
	assert_int_equal(T_STAT_ALL(env, udp_no_ports), 3);
	assert_int_equal(T_STAT_ALL(env, icmp_err_suppressed), 2);
	/* TCP to a broadcast never reaches TCP */
	h = l3_default_hdr(T_PEER_IP, RTE_IPV4(198, 18, 0, 255), IPPROTO_TCP);
	l3_feed(env, 0, l3_frame(&h, udp_payload, sizeof(udp_payload)));
	assert_int_equal(env->ctx->stats[0].ip_bcast_tcp, 1);
	assert_int_equal(T_STAT_ALL(env, ip_in_delivers), 3);
	/* unknown protocol */
	h = l3_default_hdr(T_PEER_IP, T_OUR_IP, 253);
	l3_feed(env, 0, l3_frame(&h, udp_payload, sizeof(udp_payload)));
	assert_int_equal(env->ctx->stats[0].ip_unknown_proto, 1);
	sp_test_tx_clear(env);
	sp_test_env_free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_drops),
		cmocka_unit_test(test_rx_cksum_flags),
		cmocka_unit_test(test_martians),
		cmocka_unit_test(test_padding_trimmed),
		cmocka_unit_test(test_delivery_weak_host_and_broadcast),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests_name("ipv4", tests, NULL, NULL);
}

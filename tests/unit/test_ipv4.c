/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 input: every validation drop with its counter, padding, local delivery (weak host,
 * broadcast), dispatch; forwarding (TTL, time exceeded, DF) and output on a two-port config.
 */
#include <rte_lcore.h>

#include "l3_test_util.h"

static const uint8_t udp_payload[12] = {0x9c, 0x40, 0x30, 0x39, 0x00, 0x0c, 0x00, 0x00, 'a', 'b',
	'c', 'd'}; /* 40000 -> 12345, no checksum */

static struct rte_mbuf *
udp_frame(uint32_t src, uint32_t dst)
{
	struct l3_hdr h = l3_default_hdr(src, dst, IPPROTO_UDP);

	return l3_frame(&h, udp_payload, sizeof(udp_payload));
}

/* Feed a frame; expect exactly counter @c of port 0 to grow by one, nothing delivered. */
#define EXPECT_DROP(env, m, c)                                         \
	do {                                                           \
		uint64_t before_ = T_STAT(env, c);                     \
		uint64_t deliv_ = T_STAT(env, ip_in_delivers);         \
		l3_feed(env, 0, m);                                    \
		assert_int_equal(T_STAT(env, c), before_ + 1);         \
		assert_int_equal(T_STAT(env, ip_in_delivers), deliv_); \
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
	/* loose and strict source routes (RFC 7126 4.3-4.4): dropped; record route is not */
	{
		static const uint8_t lsrr[8] = {0x83, 7, 4, 198, 18, 0, 66, 0};
		static const uint8_t ssrr[8] = {0x89, 7, 4, 198, 18, 0, 66, 0};
		static const uint8_t rr[8] = {0x07, 7, 4, 0, 0, 0, 0, 0};

		h.optlen = 8;
		h.opts = lsrr;
		EXPECT_DROP(env, l3_frame(&h, udp_payload, sizeof(udp_payload)), ip_src_routed);
		h.opts = ssrr;
		EXPECT_DROP(env, l3_frame(&h, udp_payload, sizeof(udp_payload)), ip_src_routed);
		h.opts = rr;
		l3_feed(env, 0, l3_frame(&h, udp_payload, sizeof(udp_payload)));
		assert_int_equal(T_STAT(env, ip_src_routed), 2);
		assert_int_equal(T_STAT(env, ip_in_delivers), 1);
		h.opts = NULL;
		h.optlen = 0;
		sp_test_tx_clear(env);
	}
	assert_int_equal(T_STAT(env, ip_in_receives), 11);
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
	/* NONE: the header was verified although the field is wrong: accepted */
	m = l3_frame(&h, udp_payload, sizeof(udp_payload));
	m->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_NONE;
	l3_feed(env, 0, m);
	assert_int_equal(T_STAT(env, ip_bad_cksum), 1);
	assert_int_equal(T_STAT(env, ip_unknown_proto), 2);
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
		RTE_IPV4(0, 1, 2, 3),
		RTE_IPV4(127, 0, 0, 1),
		RTE_IPV4(224, 0, 0, 1),
		RTE_IPV4(240, 0, 0, 1),
		RTE_IPV4(255, 255, 255, 255),
		RTE_IPV4(198, 18, 0, 255),
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

/*
 * RFC 1122 3.3.6: a link-layer broadcast for our unicast address is discarded (ip_l2_bcast_unicast),
 * whatever it carries: nothing reaches UDP or TCP, nothing is sent. One for the subnet broadcast is
 * delivered as before.
 */
static void
test_l2_broadcast_unicast_dst(void **state)
{
	const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct l3_hdr h = l3_default_hdr(T_PEER_IP, T_OUR_IP, IPPROTO_UDP);
	uint8_t proto[] = {IPPROTO_UDP, IPPROTO_TCP, IPPROTO_ICMP};
	unsigned i;

	(void)state;
	for (i = 0; i < RTE_DIM(proto); i++) {
		h.proto = proto[i];
		l3_feed(env, 0, l3_frame_mac(NULL, &bcast, &h, udp_payload, sizeof(udp_payload)));
	}
	assert_int_equal(T_STAT(env, ip_l2_bcast_unicast), 3);
	assert_int_equal(T_STAT(env, ip_in_delivers), 0);
	assert_int_equal(sp_test_tx_count(env), 0);
	h = l3_default_hdr(T_PEER_IP, RTE_IPV4(198, 18, 0, 255), IPPROTO_UDP);
	l3_feed(env, 0, l3_frame_mac(NULL, &bcast, &h, udp_payload, sizeof(udp_payload)));
	assert_int_equal(T_STAT(env, ip_in_delivers), 1);
	assert_int_equal(T_STAT(env, ip_l2_bcast_unicast), 3);
	sp_test_tx_clear(env);
	sp_test_env_free(env);
}

/* Two ports, forwarding on; port1's MTU @mtu1. */
static struct sp_test_env *
router_env(uint16_t mtu1)
{
	struct sp_config cfg;

	l3_two_port_cfg(&cfg);
	cfg.stack.forwarding = 1;
	cfg.ports[1].mtu = mtu1;
	return sp_test_env_new(&cfg);
}

static void
test_forward_ttl_decrement(void **state)
{
	struct sp_test_env *env = router_env(1500);
	struct l3_hdr h = l3_default_hdr(T_PEER_IP, T_PEER_IP1, IPPROTO_UDP);
	const struct rte_ether_addr port1_mac = {{0x02, 0, 0, 0, 1, 0x02}};
	uint8_t in[64], out[128];
	struct rte_mbuf *m;
	uint16_t port;
	size_t len;

	h.ttl = 9;
	h.id = 0x4321;
	l3_write_hdr(in, &h, sizeof(udp_payload));
	memcpy(in + 20, udp_payload, sizeof(udp_payload));
	l3_feed(env, 0, l3_frame(&h, udp_payload, sizeof(udp_payload)));
	assert_int_equal(sp_test_tx_count(env), 1);
	m = sp_test_tx_pop(env, &port);
	assert_int_equal(port, 1);
	len = sp_test_copy(m, out, sizeof(out));
	rte_pktmbuf_free(m);
	assert_int_equal(len, 14 + 32);
	assert_true(rte_is_same_ether_addr((struct rte_ether_addr *)out, &t_peer_mac1));
	assert_true(rte_is_same_ether_addr((struct rte_ether_addr *)(out + 6), &port1_mac));
	/* only TTL and checksum changed, and the checksum is right */
	assert_int_equal(out[14 + 8], 8);
	assert_true(sp_ipv4_cksum_ok(out + 14, 20));
	in[8] = 8;
	in[10] = out[14 + 10];
	in[11] = out[14 + 11];
	assert_memory_equal(out + 14, in, 32);
	assert_int_equal(env->ctx->stats[1].ip_forwarded, 1);
	assert_int_equal(T_STAT_ALL(env, ip_in_delivers), 0);
	/* and back the other way */
	h = l3_default_hdr(T_PEER_IP1, T_PEER_IP, IPPROTO_UDP);
	l3_feed(env, 1, l3_frame_mac(&t_peer_mac1, &port1_mac, &h, udp_payload, 12));
	m = sp_test_tx_pop(env, &port);
	assert_non_null(m);
	assert_int_equal(port, 0);
	rte_pktmbuf_free(m);
	sp_test_env_free(env);
}

/* Pop one ICMP error on port 0 to the peer; check type/code/rest and the quoted header. */
static void
check_fwd_error(
	struct sp_test_env *env, uint8_t type, uint8_t code, uint32_t rest, const uint8_t *orig)
{
	uint8_t fr[256];
	struct rte_mbuf *m;
	struct sp_ipv4 ip;
	struct sp_icmp ic;
	uint16_t port;
	size_t len;

	assert_int_equal(sp_test_tx_count(env), 1);
	m = sp_test_tx_pop(env, &port);
	len = sp_test_copy(m, fr, sizeof(fr));
	rte_pktmbuf_free(m);
	assert_int_equal(port, 0);
	assert_int_equal(sp_ipv4_parse(fr + 14, len - 14, &ip), SP_WIRE_OK);
	assert_int_equal(ip.src, T_OUR_IP); /* the address of the port facing the sender */
	assert_int_equal(ip.dst, T_PEER_IP);
	assert_int_equal(ip.proto, IPPROTO_ICMP);
	assert_int_equal(sp_icmp_parse(fr + 34, len - 34, &ic), SP_WIRE_OK);
	assert_int_equal(ic.type, type);
	assert_int_equal(ic.code, code);
	assert_int_equal(ic.rest, rest);
	assert_int_equal(sp_test_cksum(fr + 34, len - 34), 0);
	/* the datagram as received: TTL not yet decremented */
	assert_memory_equal(fr + 42, orig, 28);
}

static void
test_forward_errors(void **state)
{
	struct sp_test_env *env = router_env(1000);
	struct l3_hdr h = l3_default_hdr(T_PEER_IP, T_PEER_IP1, IPPROTO_UDP);
	static uint8_t big[1200], orig[1300];
	const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	struct rte_mbuf *m;
	struct sp_ipv4 ip;
	uint8_t fr[1100];
	unsigned i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	/* TTL 1: time exceeded in transit */
	h.ttl = 1;
	l3_write_hdr(orig, &h, sizeof(udp_payload));
	memcpy(orig + 20, udp_payload, sizeof(udp_payload));
	l3_feed(env, 0, l3_frame(&h, udp_payload, sizeof(udp_payload)));
	check_fwd_error(env, 11, 0, 0, orig);
	assert_int_equal(env->ctx->stats[0].ip_ttl_exceeded, 1);
	h.ttl = 0;
	l3_feed(env, 0, l3_frame(&h, udp_payload, sizeof(udp_payload)));
	assert_int_equal(env->ctx->stats[0].ip_ttl_exceeded, 2);
	sp_test_tx_clear(env);
	h.ttl = 64;
	/* DF and bigger than port1's MTU: fragmentation needed with the next-hop MTU */
	h.df = true;
	l3_write_hdr(orig, &h, sizeof(big));
	memcpy(orig + 20, big, sizeof(big));
	l3_feed(env, 0, l3_frame(&h, big, sizeof(big)));
	check_fwd_error(env, 3, 4, 1000, orig);
	assert_int_equal(env->ctx->stats[0].ip_df_too_big, 1);
	/* without DF: fragmented to port1's MTU */
	h.df = false;
	l3_feed(env, 0, l3_frame(&h, big, sizeof(big)));
	assert_int_equal(sp_test_tx_count(env), 2);
	for (i = 0; i < 2; i++) {
		uint16_t port;
		size_t len;

		m = sp_test_tx_pop(env, &port);
		len = sp_test_copy(m, fr, sizeof(fr));
		rte_pktmbuf_free(m);
		assert_int_equal(port, 1);
		assert_true(len - 14 <= 1000);
		assert_int_equal(sp_ipv4_parse(fr + 14, len - 14, &ip), SP_WIRE_OK);
		assert_true(sp_ipv4_cksum_ok(fr + 14, 20));
		assert_int_equal(ip.ttl, 63);
		assert_int_equal(ip.frag_off, i * 976);
		assert_int_equal(ip.mf, i == 0);
		assert_memory_equal(fr + 34, big + i * 976, ip.total_len - 20);
	}
	assert_int_equal(env->ctx->stats[1].ip_frag_out, 2);
	/* no route: network unreachable */
	h.dst = RTE_IPV4(8, 8, 8, 8);
	l3_write_hdr(orig, &h, sizeof(udp_payload));
	memcpy(orig + 20, udp_payload, sizeof(udp_payload));
	l3_feed(env, 0, l3_frame(&h, udp_payload, sizeof(udp_payload)));
	check_fwd_error(env, 3, 0, 0, orig);
	assert_int_equal(env->ctx->stats[0].ip_no_route, 1);
	/* a link-layer broadcast is never forwarded */
	h.dst = T_PEER_IP1;
	l3_feed(env, 0, l3_frame_mac(NULL, &bcast, &h, udp_payload, sizeof(udp_payload)));
	assert_int_equal(sp_test_tx_count(env), 0);
	assert_int_equal(env->ctx->stats[0].ip_not_for_us, 1);
	/* an ICMP error with TTL 1 gets no error back */
	{
		uint8_t err[36] = {3, 1};
		uint16_t c;

		h.proto = IPPROTO_ICMP;
		h.ttl = 1;
		c = sp_test_cksum(err, sizeof(err));
		memcpy(err + 2, &c, 2);
		l3_feed(env, 0, l3_frame(&h, err, sizeof(err)));
		assert_int_equal(sp_test_tx_count(env), 0);
		assert_int_equal(T_STAT_ALL(env, icmp_err_suppressed), 1);
	}
	sp_test_env_free(env);
}

static void
test_output(void **state)
{
	struct sp_config cfg;
	struct sp_test_env *env;
	struct sp_ipv4_out o = {.dst = T_PEER_IP, .proto = 253, .df = true};
	struct rte_mbuf *m;
	uint8_t fr[256];
	struct sp_ipv4 ip;

	sp_test_default_cfg(&cfg);
	/* a second address on another subnet of port0, listed first */
	cfg.ports[0].addrs[1] = cfg.ports[0].addrs[0];
	cfg.ports[0].addrs[0].ip = RTE_IPV4(198, 19, 9, 9);
	cfg.ports[0].n_addrs = 2;
	env = sp_test_env_new(&cfg);
	/* source: the port address on the next hop's subnet */
	m = sp_alloc(env->ctx, 0);
	memcpy(rte_pktmbuf_append(m, 4), "abcd", 4);
	assert_int_equal(sp_ipv4_output(env->ctx, m, &o), 0);
	sp_tx_flush(env->ctx);
	m = sp_test_tx_pop(env, NULL);
	assert_non_null(m);
	sp_test_copy(m, fr, sizeof(fr));
	rte_pktmbuf_free(m);
	assert_int_equal(sp_ipv4_parse(fr + 14, 24, &ip), SP_WIRE_OK);
	assert_int_equal(ip.src, T_OUR_IP);
	assert_true(ip.df);
	assert_int_equal(ip.ttl, 64);
	assert_int_equal(ip.proto, 253);
	assert_true(sp_ipv4_cksum_ok(fr + 14, 20));
	/* DF and larger than the MTU */
	m = sp_alloc(env->ctx, 0);
	rte_pktmbuf_append(m, 1481);
	assert_int_equal(sp_ipv4_output(env->ctx, m, &o), -EMSGSIZE);
	/* no route */
	o.dst = RTE_IPV4(9, 9, 9, 9);
	m = sp_alloc(env->ctx, 0);
	assert_int_equal(sp_ipv4_output(env->ctx, m, &o), -EHOSTUNREACH);

	/* offloads: the PMD gets flags, lengths and the pseudo-header sum */
	env->st->ports[0].tx_ip_cksum = true;
	env->st->ports[0].tx_l4_cksum = true;
	assert_int_equal(sp_udp_send(env->ctx, 0, 9, T_PEER_IP, 9, "xyz", 3), 0);
	sp_tx_flush(env->ctx);
	m = sp_test_tx_pop(env, NULL);
	assert_non_null(m);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_IPV4);
	assert_true(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM);
	assert_int_equal(m->ol_flags & RTE_MBUF_F_TX_L4_MASK, RTE_MBUF_F_TX_UDP_CKSUM);
	assert_int_equal(m->l2_len, 14);
	assert_int_equal(m->l3_len, 20);
	sp_test_copy(m, fr, sizeof(fr));
	assert_int_equal(fr[14 + 10] | fr[14 + 11], 0);
	{
		uint16_t ph = rte_ipv4_phdr_cksum((struct rte_ipv4_hdr *)(fr + 14), m->ol_flags);

		assert_memory_equal(fr + 34 + 6, &ph, 2);
	}
	rte_pktmbuf_free(m);
	sp_test_env_free(env);
}

/* ---------------- IPv4 Identification (RFC 6864, RFC 7739) ---------------- */

#define IP_B RTE_IPV4(198, 18, 0, 50)
#define IP_C RTE_IPV4(198, 18, 0, 17) /* shares T_PEER_IP's slot of ipv4.c's hash cache */

/* Send @len payload bytes of protocol 253 to @dst from @ctx (DF unless @frag); no flush. */
static void
id_send(struct sp_ctx *ctx, uint32_t dst, uint16_t len, bool frag)
{
	struct sp_ipv4_out o = {.dst = dst, .proto = 253, .df = !frag};
	struct rte_mbuf *m = sp_alloc(ctx, 0);

	assert_non_null(m);
	assert_non_null(rte_pktmbuf_append(m, len));
	assert_int_equal(sp_ipv4_output(ctx, m, &o), 0);
}

/* The ID of a captured frame (data at the Ethernet header); @dst checked when non-zero. */
static uint16_t
id_of(struct rte_mbuf *m, uint32_t dst)
{
	uint8_t fr[1600];
	struct sp_ipv4 ip;
	size_t len = sp_test_copy(m, fr, sizeof(fr));

	assert_int_equal(sp_ipv4_parse(fr + 14, len - 14, &ip), SP_WIRE_OK);
	if (dst != 0)
		assert_int_equal(ip.dst, dst);
	return ip.id;
}

static uint16_t
id_pop(struct sp_test_env *env, uint32_t dst)
{
	struct rte_mbuf *m = sp_test_tx_pop(env, NULL);
	uint16_t id;

	assert_non_null(m);
	id = id_of(m, dst);
	rte_pktmbuf_free(m);
	return id;
}

static struct sp_test_env *
id_env(void)
{
	struct sp_config cfg;
	struct sp_test_env *env;
	static const uint32_t key[4] = {0x01234567, 0x89abcdef, 0x02468ace, 0x13579bdf};

	sp_test_default_cfg(&cfg);
	cfg.ports[0].neigh[1].ip = IP_B;
	cfg.ports[0].neigh[1].mac = t_peer_mac;
	cfg.ports[0].neigh[2].ip = IP_C;
	cfg.ports[0].neigh[2].mac = t_peer_mac;
	cfg.ports[0].n_neigh = 3;
	cfg.ports[0].mtu = 576; /* fragments from a one-mbuf datagram */
	env = sp_test_env_new(&cfg);
	/* a fixed key, so which counters the two destinations hash to is known (different) */
	memcpy(env->st->ip_id_secret, key, sizeof(key));
	return env;
}

/*
 * Not one global counter: datagrams sent alternately to three destinations are numbered from
 * their own counters (each +1), so none sees the others' datagrams in its IDs. Two of them
 * (T_PEER_IP, IP_C) take turns in one slot of the hash cache: each turn must find its own hash.
 */
static void
test_ip_id_per_destination(void **state)
{
	struct sp_test_env *env = id_env();
	uint16_t a[4], b[4], c[4], id;
	unsigned i;

	(void)state;
	for (i = 0; i < 4; i++) {
		id_send(env->ctx, T_PEER_IP, 8, false);
		id_send(env->ctx, IP_B, 8, false);
		id_send(env->ctx, IP_C, 8, false);
	}
	sp_tx_flush(env->ctx);
	for (i = 0; i < 4; i++) {
		a[i] = id_pop(env, T_PEER_IP);
		b[i] = id_pop(env, IP_B);
		c[i] = id_pop(env, IP_C);
	}
	for (i = 1; i < 4; i++) {
		assert_int_equal((uint16_t)(a[i] - a[i - 1]), 1);
		assert_int_equal((uint16_t)(b[i] - b[i - 1]), 1);
		assert_int_equal((uint16_t)(c[i] - c[i - 1]), 1);
	}
	assert_int_not_equal((uint16_t)(b[0] - a[0]), 1); /* a global counter would give this */
	assert_int_not_equal(a[0], b[0]);
	assert_int_not_equal(a[0], c[0]);
	assert_int_not_equal(b[0], c[0]);

	/* After a pause a counter moves on by a random amount below the idle time, never back. */
	sp_test_advance_ms(env, 1000);
	id_send(env->ctx, T_PEER_IP, 8, false);
	sp_tx_flush(env->ctx);
	id = id_pop(env, T_PEER_IP);
	assert_true((uint16_t)(id - a[3]) >= 1 && (uint16_t)(id - a[3]) <= 1000);

	/* A fragmented datagram: every fragment carries one ID, the flow's next. */
	id_send(env->ctx, T_PEER_IP, 1400, true);
	sp_tx_flush(env->ctx);
	assert_int_equal(sp_test_tx_count(env), 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(id_pop(env, T_PEER_IP), (uint16_t)(id + 1));
	sp_test_env_free(env);
}

/* Two workers sending to one destination never pick the same ID: each owns half the space. */
static void
test_ip_id_two_lcores(void **state)
{
	struct sp_test_env *env = id_env();
	struct sp_ctx *ctx2 = sp_ctx_create(env->st, rte_lcore_id(), 1, env->pool);
	struct sp_txq *q;
	uint16_t a[3], b[3];
	unsigned i;

	(void)state;
	assert_non_null(ctx2);
	ctx2->now = env->ctx->now;
	for (i = 0; i < 3; i++) {
		id_send(env->ctx, T_PEER_IP, 8, false);
		id_send(ctx2, T_PEER_IP, 8, false);
	}
	sp_tx_flush(env->ctx);
	q = &ctx2->txq[0]; /* ctx2 has no capture hook: read its batch */
	assert_int_equal(q->n, 3);
	for (i = 0; i < 3; i++) {
		a[i] = id_pop(env, T_PEER_IP);
		b[i] = id_of(q->pkts[i], T_PEER_IP);
		rte_pktmbuf_free(q->pkts[i]);
	}
	q->n = 0;
	for (i = 0; i < 3; i++) {
		assert_int_equal((a[i] ^ b[i]) & 1, 1); /* worker index in the low bit */
		if (i > 0) {
			assert_int_equal((uint16_t)(a[i] - a[i - 1]), 2);
			assert_int_equal((uint16_t)(b[i] - b[i - 1]), 2);
		}
	}
	sp_ctx_free(ctx2);
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
		cmocka_unit_test(test_l2_broadcast_unicast_dst),
		cmocka_unit_test(test_forward_ttl_decrement),
		cmocka_unit_test(test_forward_errors),
		cmocka_unit_test(test_output),
		cmocka_unit_test(test_ip_id_per_destination),
		cmocka_unit_test(test_ip_id_two_lcores),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests_name("ipv4", tests, NULL, NULL);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet demultiplexing: one test per drop counter, IPv4 and ARP hand-off, the TX header. */
#include <string.h>

#include <rte_arp.h>
#include <rte_icmp.h>

#include "sp_test.h"

static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct rte_ether_addr mcast = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}};
static const struct rte_ether_addr other = {{0x02, 0, 0, 0, 0, 0x99}};

/* An ICMP echo request 198.18.0.1 -> @dst (our stack answers it through sp_eth_output). */
static struct rte_mbuf *
echo_frame(uint32_t dst)
{
	uint8_t icmp[16] = {8, 0, 0, 0, 0x12, 0x34, 0, 1, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'};
	uint16_t c = sp_test_cksum(icmp, sizeof(icmp));

	memcpy(icmp + 2, &c, 2);
	return sp_test_ipv4(T_PEER_IP, dst, IPPROTO_ICMP, icmp, sizeof(icmp));
}

/* A 28-byte ARP request from the peer for @tip. */
static void
arp_request(uint8_t *b, uint32_t tip)
{
	struct sp_arp a;

	memset(&a, 0, sizeof(a));
	a.htype = 1;
	a.ptype = 0x0800;
	a.hlen = 6;
	a.plen = 4;
	a.op = RTE_ARP_OP_REQUEST;
	a.sha = t_peer_mac;
	a.spa = T_PEER_IP;
	a.tpa = tip;
	sp_arp_build(b, &a);
}

/* Set the Ethernet destination/source of a built frame. */
static void
set_macs(struct rte_mbuf *m, const struct rte_ether_addr *dst, const struct rte_ether_addr *src)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	if (dst != NULL)
		eh->dst_addr = *dst;
	if (src != NULL)
		eh->src_addr = *src;
}

static void
test_ipv4_to_us_and_reply_header(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct rte_ether_hdr eh;
	struct rte_mbuf *m;

	(void)state;
	sp_test_input(env, 0, echo_frame(T_OUR_IP));
	assert_int_equal(T_STAT(env, ip_in_receives), 1);
	assert_int_equal(T_STAT(env, icmp_in_echos), 1);
	/* The echo reply went out through sp_eth_output: our MAC -> the peer's static MAC. */
	assert_int_equal(sp_test_tx_count(env), 1);
	m = sp_test_tx_pop(env, NULL);
	assert_int_equal(sp_test_copy(m, &eh, sizeof(eh)), sizeof(eh));
	assert_memory_equal(&eh.dst_addr, &t_peer_mac, 6);
	assert_memory_equal(&eh.src_addr, &t_our_mac, 6);
	assert_int_equal(rte_be_to_cpu_16(eh.ether_type), RTE_ETHER_TYPE_IPV4);
	assert_int_equal(m->l2_len, RTE_ETHER_HDR_LEN);
	rte_pktmbuf_free(m);

	/* Broadcast destination MAC is accepted too (the IPv4 layer decides what to do). */
	m = echo_frame(T_OUR_IP);
	set_macs(m, &bcast, NULL);
	sp_test_input(env, 0, m);
	assert_int_equal(T_STAT(env, ip_in_receives), 2);
	sp_test_env_free(env);
}

static void
test_runt(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	uint8_t b[13] = {0};

	(void)state;
	sp_test_input(env, 0, sp_test_frame(b, sizeof(b)));
	sp_test_input(env, 0, sp_test_frame(b, 0));
	assert_int_equal(T_STAT(env, eth_runt), 2);
	assert_int_equal(T_STAT(env, ip_in_receives), 0);
	assert_int_equal(sp_test_tx_count(env), 0);
	sp_test_env_free(env);
}

static void
test_not_for_us_multicast_bad_src(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct rte_mbuf *m;

	(void)state;
	m = echo_frame(T_OUR_IP);
	set_macs(m, &other, NULL);
	sp_test_input(env, 0, m);
	assert_int_equal(T_STAT(env, eth_not_for_us), 1);

	m = echo_frame(T_OUR_IP);
	set_macs(m, &mcast, NULL);
	sp_test_input(env, 0, m);
	assert_int_equal(T_STAT(env, eth_multicast), 1);

	m = echo_frame(T_OUR_IP);
	set_macs(m, NULL, &mcast);
	sp_test_input(env, 0, m);
	m = echo_frame(T_OUR_IP);
	set_macs(m, NULL, &bcast);
	sp_test_input(env, 0, m);
	/* all zeros names no station either: with ARP off it would be learned as the peer's MAC */
	m = echo_frame(T_OUR_IP);
	set_macs(m, NULL, &(struct rte_ether_addr){{0}});
	sp_test_input(env, 0, m);
	assert_int_equal(T_STAT(env, eth_bad_src), 3);

	assert_int_equal(T_STAT(env, eth_not_for_us), 1);
	assert_int_equal(T_STAT(env, eth_multicast), 1);
	assert_int_equal(T_STAT(env, ip_in_receives), 0);
	assert_int_equal(sp_test_tx_count(env), 0);
	sp_test_env_free(env);
}

static void
test_vlan_and_unknown_type(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	uint8_t payload[46] = {0};

	(void)state;
	sp_test_input(env, 0, sp_test_eth(NULL, NULL, RTE_ETHER_TYPE_VLAN, payload, 46));
	sp_test_input(env, 0, sp_test_eth(NULL, NULL, RTE_ETHER_TYPE_QINQ, payload, 46));
	assert_int_equal(T_STAT(env, eth_vlan), 2);
	sp_test_input(env, 0, sp_test_eth(NULL, NULL, RTE_ETHER_TYPE_IPV6, payload, 46));
	sp_test_input(env, 0, sp_test_eth(NULL, NULL, 0x0060, payload, 46));
	assert_int_equal(T_STAT(env, eth_unknown_type), 2);
	assert_int_equal(T_STAT(env, eth_vlan), 2);
	assert_int_equal(sp_test_tx_count(env), 0);
	sp_test_env_free(env);
}

static void
test_arp_off_and_on(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct sp_config cfg;
	uint8_t b[28];

	(void)state;
	/* ARP off (the default): the frame never reaches arp.c and nothing is answered. */
	arp_request(b, T_OUR_IP);
	sp_test_input(env, 0, sp_test_eth(NULL, &bcast, RTE_ETHER_TYPE_ARP, b, 28));
	assert_int_equal(T_STAT(env, eth_arp_off), 1);
	assert_int_equal(T_STAT(env, arp_rx_requests), 0);
	assert_int_equal(sp_test_tx_count(env), 0);
	sp_test_env_free(env);

	sp_test_default_cfg(&cfg);
	cfg.ports[0].arp = 1;
	env = sp_test_env_new(&cfg);
	sp_test_input(env, 0, sp_test_eth(NULL, &bcast, RTE_ETHER_TYPE_ARP, b, 28));
	assert_int_equal(T_STAT(env, eth_arp_off), 0);
	assert_int_equal(T_STAT(env, arp_rx_requests), 1);
	assert_int_equal(T_STAT(env, arp_tx_replies), 1);
	assert_int_equal(sp_test_tx_count(env), 1);
	sp_test_env_free(env);
}

static void
test_split_header(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct rte_mbuf *m = echo_frame(T_OUR_IP), *tail;
	uint16_t cut = 10;

	(void)state;
	/* Move everything after byte 10 into a second segment. */
	tail = rte_pktmbuf_alloc(env->pool);
	assert_non_null(tail);
	memcpy(rte_pktmbuf_append(tail, (uint16_t)(m->data_len - cut)),
		rte_pktmbuf_mtod_offset(m, void *, cut), m->data_len - cut);
	assert_int_equal(rte_pktmbuf_trim(m, (uint16_t)(m->data_len - cut)), 0);
	assert_int_equal(rte_pktmbuf_chain(m, tail), 0);
	sp_test_input(env, 0, m);
	assert_int_equal(T_STAT(env, eth_hdr_split), 1);
	assert_int_equal(T_STAT(env, eth_runt), 0);
	assert_int_equal(T_STAT(env, ip_in_receives), 0);
	sp_test_env_free(env);
}

static void
test_output_no_headroom(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct rte_mbuf *m = rte_pktmbuf_alloc(env->pool);

	(void)state;
	/* All headroom consumed: no room for the 14-byte header. */
	assert_non_null(rte_pktmbuf_prepend(m, rte_pktmbuf_headroom(m)));
	sp_eth_output(env->ctx, 0, m, &t_peer_mac, RTE_ETHER_TYPE_IPV4);
	sp_tx_flush(env->ctx);
	assert_int_equal(T_STAT(env, eth_tx_no_headroom), 1);
	assert_int_equal(sp_test_tx_count(env), 0);

	m = rte_pktmbuf_alloc(env->pool);
	memset(rte_pktmbuf_append(m, 20), 0x45, 20);
	sp_eth_output(env->ctx, 0, m, &other, 0x1234);
	sp_tx_flush(env->ctx);
	m = sp_test_tx_pop(env, NULL);
	assert_non_null(m);
	assert_int_equal(m->pkt_len, 34);
	{
		const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

		assert_memory_equal(d, &other, 6);
		assert_memory_equal(d + 6, &t_our_mac, 6);
		assert_int_equal(d[12], 0x12);
		assert_int_equal(d[13], 0x34);
		assert_int_equal(d[14], 0x45);
	}
	rte_pktmbuf_free(m);
	sp_test_env_free(env);
}

static void
test_second_port_mac(void **state)
{
	struct sp_config cfg;
	struct sp_test_env *env;
	struct rte_ether_addr mac1 = t_our_mac;
	struct rte_mbuf *m;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.n_ports = 2;
	cfg.ports[1] = cfg.ports[0];
	snprintf(cfg.ports[1].name, sizeof(cfg.ports[1].name), "port1");
	cfg.ports[1].addrs[0].ip = RTE_IPV4(198, 18, 1, 2);
	cfg.ports[1].n_neigh = 0;
	env = sp_test_env_new(&cfg);
	mac1.addr_bytes[4] = 1;
	/* Port 1's MAC arriving on port 0 is not for port 0. */
	m = echo_frame(T_OUR_IP);
	set_macs(m, &mac1, NULL);
	sp_test_input(env, 0, m);
	assert_int_equal(env->ctx->stats[0].eth_not_for_us, 1);
	m = echo_frame(T_OUR_IP);
	set_macs(m, &mac1, NULL);
	sp_test_input(env, 1, m);
	assert_int_equal(env->ctx->stats[1].eth_not_for_us, 0);
	assert_int_equal(env->ctx->stats[1].ip_in_receives, 1);
	sp_test_tx_clear(env);
	sp_test_env_free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_to_us_and_reply_header),
		cmocka_unit_test(test_runt),
		cmocka_unit_test(test_not_for_us_multicast_bad_src),
		cmocka_unit_test(test_vlan_and_unknown_type),
		cmocka_unit_test(test_arp_off_and_on),
		cmocka_unit_test(test_split_header),
		cmocka_unit_test(test_output_no_headroom),
		cmocka_unit_test(test_second_port_mac),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests_name("eth", tests, NULL, NULL);
}

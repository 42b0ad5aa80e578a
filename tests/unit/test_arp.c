/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP on a port with arp = on: replies byte for byte, what creates/updates entries, drops. */
#include <string.h>

#include <rte_arp.h>

#include "sp_test.h"

static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct rte_ether_addr zero_mac = {{0}};
static const struct rte_ether_addr mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};
#define IP_B	 RTE_IPV4(198, 18, 0, 11)
#define IP_OTHER RTE_IPV4(198, 18, 0, 77)

/* ARP on, no static neighbour (so every entry comes from ARP). */
static struct sp_test_env *
env_arp_on(void)
{
	struct sp_config cfg;

	sp_test_default_cfg(&cfg);
	cfg.ports[0].arp = 1;
	cfg.ports[0].n_neigh = 0;
	return sp_test_env_new(&cfg);
}

static void
arp_fill(struct sp_arp *a, uint16_t op, const struct rte_ether_addr *sha, uint32_t spa,
	const struct rte_ether_addr *tha, uint32_t tpa)
{
	memset(a, 0, sizeof(*a));
	a->htype = 1;
	a->ptype = 0x0800;
	a->hlen = 6;
	a->plen = 4;
	a->op = op;
	a->sha = *sha;
	a->spa = spa;
	if (tha != NULL)
		a->tha = *tha;
	a->tpa = tpa;
}

/* Feed ARP @a in a frame from @a->sha to @dst, padded to @pad payload bytes. */
static void
feed(struct sp_test_env *env, const struct sp_arp *a, const struct rte_ether_addr *dst, size_t pad)
{
	uint8_t b[64] = {0};

	sp_arp_build(b, a);
	/* Ethernet source = ARP sender, unless eth.c would drop it before ARP sees it. */
	sp_test_input(env, 0,
		sp_test_eth(rte_is_valid_assigned_ether_addr(&a->sha) ? &a->sha : &mac_b, dst,
			RTE_ETHER_TYPE_ARP, b, pad < 28 ? 28 : pad));
}

struct found {
	unsigned n;
	uint32_t ip;
	struct rte_ether_addr mac;
	enum sp_neigh_state st;
};

static void
find_cb(void *arg, uint16_t port, uint32_t ip, const struct rte_ether_addr *mac,
	enum sp_neigh_state st)
{
	struct found *f = arg;

	(void)port;
	f->n++;
	f->ip = ip;
	f->st = st;
	if (mac != NULL)
		f->mac = *mac;
}

static struct found
entries(struct sp_test_env *env)
{
	struct found f;

	memset(&f, 0, sizeof(f));
	sp_neigh_foreach(env->ctx, find_cb, &f);
	return f;
}

/* Ethernet(our MAC -> @dst, ARP) + ARP(@op, our MAC, @spa, @tha, @tpa): 42 bytes. */
static size_t
expected_frame(uint8_t *buf, const struct rte_ether_addr *dst, uint16_t op, uint32_t spa,
	const struct rte_ether_addr *tha, uint32_t tpa)
{
	struct sp_arp a;

	memcpy(buf, dst, 6);
	memcpy(buf + 6, &t_our_mac, 6);
	buf[12] = 0x08;
	buf[13] = 0x06;
	arp_fill(&a, op, &t_our_mac, spa, tha, tpa);
	sp_arp_build(buf + 14, &a);
	return 42;
}

static void
expect_tx(struct sp_test_env *env, const uint8_t *exp, size_t len)
{
	uint8_t got[128];
	struct rte_mbuf *m = sp_test_tx_pop(env, NULL);

	assert_non_null(m);
	assert_int_equal(m->pkt_len, len);
	sp_test_copy(m, got, sizeof(got));
	assert_memory_equal(got, exp, len);
	rte_pktmbuf_free(m);
}

static void
test_reply_exact(void **state)
{
	struct sp_test_env *env = env_arp_on();
	uint8_t exp[64];
	struct sp_arp a;
	struct found f;
	size_t n;

	(void)state;
	/* A minimum-size (padded) broadcast request: the reply is 42 bytes, unicast. */
	arp_fill(&a, RTE_ARP_OP_REQUEST, &mac_b, IP_B, NULL, T_OUR_IP);
	feed(env, &a, &bcast, 46);
	assert_int_equal(T_STAT(env, arp_rx_requests), 1);
	assert_int_equal(T_STAT(env, arp_tx_replies), 1);
	assert_int_equal(sp_test_tx_count(env), 1);
	n = expected_frame(exp, &mac_b, RTE_ARP_OP_REPLY, T_OUR_IP, &mac_b, IP_B);
	expect_tx(env, exp, n);
	/* The requester's entry was created (RFC 826: it will talk to us). */
	f = entries(env);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.ip, IP_B);
	assert_int_equal(f.st, SP_NEIGH_REACHABLE);
	assert_memory_equal(&f.mac, &mac_b, 6);
	sp_test_env_free(env);
}

static void
test_reply_second_address_and_chained(void **state)
{
	struct sp_config cfg;
	struct sp_test_env *env;
	uint8_t b[28], exp[64];
	struct rte_mbuf *m, *tail;
	struct sp_arp a;
	size_t n;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.ports[0].arp = 1;
	cfg.ports[0].n_addrs = 2;
	cfg.ports[0].addrs[1].ip = RTE_IPV4(198, 19, 5, 5);
	cfg.ports[0].addrs[1].plen = 24;
	env = sp_test_env_new(&cfg);

	/* A request for the second address, its ARP header split over two segments. */
	arp_fill(&a, RTE_ARP_OP_REQUEST, &mac_b, RTE_IPV4(198, 19, 5, 9), NULL,
		RTE_IPV4(198, 19, 5, 5));
	sp_arp_build(b, &a);
	m = sp_test_eth(&mac_b, &bcast, RTE_ETHER_TYPE_ARP, b, 10);
	tail = sp_test_frame(b + 10, 18);
	assert_int_equal(rte_pktmbuf_chain(m, tail), 0);
	sp_test_input(env, 0, m);
	assert_int_equal(T_STAT(env, arp_tx_replies), 1);
	n = expected_frame(exp, &mac_b, RTE_ARP_OP_REPLY, RTE_IPV4(198, 19, 5, 5), &mac_b,
		RTE_IPV4(198, 19, 5, 9));
	expect_tx(env, exp, n);
	sp_test_env_free(env);
}

static void
test_arp_off_no_reply(void **state)
{
	struct sp_test_env *env = sp_test_env_new(NULL);
	struct sp_arp a;

	(void)state;
	arp_fill(&a, RTE_ARP_OP_REQUEST, &mac_b, IP_B, NULL, T_OUR_IP);
	feed(env, &a, &bcast, 28);
	assert_int_equal(T_STAT(env, eth_arp_off), 1);
	assert_int_equal(T_STAT(env, arp_tx_replies), 0);
	assert_int_equal(sp_test_tx_count(env), 0);
	/* Only the static neighbour of the default config: nothing created from ARP. */
	assert_int_equal(entries(env).n, 1);
	sp_test_env_free(env);
}

static void
test_not_for_us_and_unsolicited(void **state)
{
	struct sp_test_env *env = env_arp_on();
	struct sp_arp a;

	(void)state;
	arp_fill(&a, RTE_ARP_OP_REQUEST, &mac_b, IP_B, NULL, IP_OTHER);
	feed(env, &a, &bcast, 28);
	assert_int_equal(T_STAT(env, arp_not_for_us), 1);
	assert_int_equal(sp_test_tx_count(env), 0);
	assert_int_equal(entries(env).n, 0);

	/* An unsolicited reply to us creates nothing. */
	arp_fill(&a, RTE_ARP_OP_REPLY, &mac_b, IP_B, &t_our_mac, T_OUR_IP);
	feed(env, &a, NULL, 28);
	assert_int_equal(T_STAT(env, arp_rx_replies), 1);
	assert_int_equal(T_STAT(env, arp_unsolicited), 1);
	assert_int_equal(entries(env).n, 0);

	/* A gratuitous ARP from an unknown neighbour creates nothing either. */
	arp_fill(&a, RTE_ARP_OP_REQUEST, &mac_b, IP_B, NULL, IP_B);
	feed(env, &a, &bcast, 28);
	assert_int_equal(T_STAT(env, arp_unsolicited), 2);
	assert_int_equal(entries(env).n, 0);
	assert_int_equal(sp_test_tx_count(env), 0);
	sp_test_env_free(env);
}

static void
test_gratuitous_refreshes_known(void **state)
{
	static const struct rte_ether_addr mac_new = {{0x02, 0, 0, 0, 0, 0x0c}};
	struct sp_test_env *env = env_arp_on();
	struct sp_arp a;
	struct found f;

	(void)state;
	arp_fill(&a, RTE_ARP_OP_REQUEST, &mac_b, IP_B, NULL, T_OUR_IP);
	feed(env, &a, &bcast, 28);
	sp_test_tx_clear(env);
	/*
	 * Another MAC announcing the address the moment after the neighbour proved its own: a
	 * forger racing it, not a move (stack.neigh_learn_locktime_ms, as Linux's locktime).
	 */
	arp_fill(&a, RTE_ARP_OP_REQUEST, &mac_new, IP_B, NULL, IP_B);
	feed(env, &a, &bcast, 28);
	f = entries(env);
	assert_memory_equal(&f.mac, &mac_b, 6);
	assert_int_equal(T_STAT(env, neigh_learn_locked), 1);
	/* A reply racing it is refused the same way: the first answer stays. */
	arp_fill(&a, RTE_ARP_OP_REPLY, &mac_new, IP_B, &t_our_mac, T_OUR_IP);
	feed(env, &a, &t_our_mac, 28);
	f = entries(env);
	assert_memory_equal(&f.mac, &mac_b, 6);
	assert_int_equal(T_STAT(env, neigh_learn_locked), 2);
	/* The neighbour moved to a new MAC and announces it, a locktime later. */
	sp_test_advance_ms(env, 1001);
	arp_fill(&a, RTE_ARP_OP_REQUEST, &mac_new, IP_B, NULL, IP_B);
	feed(env, &a, &bcast, 28);
	f = entries(env);
	assert_int_equal(f.n, 1);
	assert_memory_equal(&f.mac, &mac_new, 6);
	assert_int_equal(T_STAT(env, arp_unsolicited), 0);
	assert_int_equal(sp_test_tx_count(env), 0);
	/* A gratuitous reply form works too. */
	sp_test_advance_ms(env, 1001);
	arp_fill(&a, RTE_ARP_OP_REPLY, &mac_b, IP_B, &bcast, IP_B);
	feed(env, &a, &bcast, 28);
	f = entries(env);
	assert_memory_equal(&f.mac, &mac_b, 6);
	assert_int_equal(T_STAT(env, neigh_learn_locked), 2);
	sp_test_env_free(env);
}

static void
test_bad_fields(void **state)
{
	struct sp_test_env *env = env_arp_on();
	uint8_t b[28];
	struct sp_arp a;

	(void)state;
	arp_fill(&a, RTE_ARP_OP_REQUEST, &mac_b, IP_B, NULL, T_OUR_IP);
	sp_arp_build(b, &a);
	sp_test_input(env, 0, sp_test_eth(&mac_b, &bcast, RTE_ETHER_TYPE_ARP, b, 27));
	assert_int_equal(T_STAT(env, arp_bad_len), 1);

	a.htype = 6;
	feed(env, &a, &bcast, 28);
	a.htype = 1;
	a.hlen = 8;
	feed(env, &a, &bcast, 28);
	assert_int_equal(T_STAT(env, arp_bad_hw), 2);
	a.hlen = 6;
	a.ptype = 0x86dd;
	feed(env, &a, &bcast, 28);
	a.ptype = 0x0800;
	a.plen = 16;
	feed(env, &a, &bcast, 28);
	assert_int_equal(T_STAT(env, arp_bad_proto), 2);
	a.plen = 4;
	a.op = 3;
	feed(env, &a, &bcast, 28);
	a.op = 0;
	feed(env, &a, &bcast, 28);
	assert_int_equal(T_STAT(env, arp_bad_op), 2);

	/* Senders that can never be a neighbour. */
	a.op = RTE_ARP_OP_REQUEST;
	a.sha = bcast;
	feed(env, &a, &bcast, 28);
	a.sha = zero_mac;
	feed(env, &a, &bcast, 28);
	a.sha = mac_b;
	a.spa = T_OUR_IP; /* claims our address */
	feed(env, &a, &bcast, 28);
	a.spa = RTE_IPV4(224, 0, 0, 1);
	feed(env, &a, &bcast, 28);
	a.spa = RTE_IPV4(198, 18, 0, 255); /* directed broadcast of our subnet */
	feed(env, &a, &bcast, 28);
	a.spa = UINT32_MAX;
	feed(env, &a, &bcast, 28);
	assert_int_equal(T_STAT(env, arp_bad_sender), 6);
	/* A zero sender in a reply, or in a request not for us, is bad too. */
	a.spa = 0;
	a.op = RTE_ARP_OP_REPLY;
	feed(env, &a, NULL, 28);
	assert_int_equal(T_STAT(env, arp_bad_sender), 7);

	assert_int_equal(T_STAT(env, arp_tx_replies), 0);
	assert_int_equal(sp_test_tx_count(env), 0);
	assert_int_equal(entries(env).n, 0);
	sp_test_env_free(env);
}

static void
test_probe_answered(void **state)
{
	struct sp_test_env *env = env_arp_on();
	uint8_t exp[64];
	struct sp_arp a;
	size_t n;

	(void)state;
	/* RFC 5227 probe for our address: answered (conflict shown), nothing learned. */
	arp_fill(&a, RTE_ARP_OP_REQUEST, &mac_b, 0, NULL, T_OUR_IP);
	feed(env, &a, &bcast, 28);
	assert_int_equal(T_STAT(env, arp_probe_rx), 1);
	n = expected_frame(exp, &mac_b, RTE_ARP_OP_REPLY, T_OUR_IP, &mac_b, 0);
	expect_tx(env, exp, n);
	assert_int_equal(entries(env).n, 0);
	/* A probe for another address is not ours to answer. */
	arp_fill(&a, RTE_ARP_OP_REQUEST, &mac_b, 0, NULL, IP_OTHER);
	feed(env, &a, &bcast, 28);
	assert_int_equal(T_STAT(env, arp_probe_rx), 1);
	assert_int_equal(sp_test_tx_count(env), 0);
	sp_test_env_free(env);
}

static void
test_gratuitous_and_request_tx(void **state)
{
	struct sp_config cfg;
	struct sp_test_env *env;
	uint8_t exp[64];
	size_t n;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.ports[0].arp = 1;
	cfg.ports[0].n_addrs = 2;
	cfg.ports[0].addrs[1].ip = RTE_IPV4(198, 19, 5, 5);
	cfg.ports[0].addrs[1].plen = 24;
	env = sp_test_env_new(&cfg);

	sp_arp_gratuitous(env->ctx, 0);
	sp_tx_flush(env->ctx);
	assert_int_equal(T_STAT(env, arp_tx_gratuitous), 2);
	n = expected_frame(exp, &bcast, RTE_ARP_OP_REQUEST, T_OUR_IP, NULL, T_OUR_IP);
	expect_tx(env, exp, n);
	n = expected_frame(exp, &bcast, RTE_ARP_OP_REQUEST, RTE_IPV4(198, 19, 5, 5), NULL,
		RTE_IPV4(198, 19, 5, 5));
	expect_tx(env, exp, n);

	/* A request uses the port address on the target's subnet as sender. */
	assert_int_equal(sp_arp_request(env->ctx, 0, RTE_IPV4(198, 19, 5, 1)), 0);
	sp_tx_flush(env->ctx);
	n = expected_frame(exp, &bcast, RTE_ARP_OP_REQUEST, RTE_IPV4(198, 19, 5, 5), NULL,
		RTE_IPV4(198, 19, 5, 1));
	expect_tx(env, exp, n);
	assert_int_equal(sp_arp_probe(env->ctx, 0, IP_B, &mac_b), 0);
	sp_tx_flush(env->ctx);
	n = expected_frame(exp, &mac_b, RTE_ARP_OP_REQUEST, T_OUR_IP, NULL, IP_B);
	expect_tx(env, exp, n);
	assert_int_equal(T_STAT(env, arp_tx_requests), 2);
	sp_test_env_free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_exact),
		cmocka_unit_test(test_reply_second_address_and_chained),
		cmocka_unit_test(test_arp_off_no_reply),
		cmocka_unit_test(test_not_for_us_and_unsolicited),
		cmocka_unit_test(test_gratuitous_refreshes_known),
		cmocka_unit_test(test_bad_fields),
		cmocka_unit_test(test_probe_answered),
		cmocka_unit_test(test_gratuitous_and_request_tx),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests_name("arp", tests, NULL, NULL);
}

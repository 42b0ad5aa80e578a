/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour table: static entries, learning and fallbacks with ARP off; resolution, the pending
 * queue, rate limit, failure, ageing and re-probe with ARP on; updates between lcores.
 * Packets are handed to sp_neigh_output() directly (data at the IPv4 header), as ipv4.c does.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_lcore.h>

#include "sp_test.h"

static const struct rte_ether_addr bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
static const struct rte_ether_addr mac_b = {{0x02, 0, 0, 0, 0, 0x0b}};
static const struct rte_ether_addr mac_c = {{0x02, 0, 0, 0, 0, 0x0c}};
static const struct rte_ether_addr mac_g = {{0x02, 0, 0, 0, 0, 0xfe}};
#define IP_B   RTE_IPV4(198, 18, 0, 11)
#define IP_C   RTE_IPV4(198, 18, 0, 12)
#define IP_D   RTE_IPV4(198, 18, 0, 13)
#define IP_GW  RTE_IPV4(198, 18, 0, 254)
#define IP_FAR RTE_IPV4(198, 19, 7, 7)

/* An IPv4 packet to @dst, data at the IP header, payload byte 0 = @tag. */
static struct rte_mbuf *
ip_pkt(uint32_t dst, uint8_t tag)
{
	uint8_t payload[8] = {tag};
	struct rte_mbuf *m = sp_test_ipv4(T_OUR_IP, dst, IPPROTO_UDP, payload, sizeof(payload));

	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	return m;
}

/* Pop the next frame: check its destination MAC and EtherType; @return payload byte 0 / op. */
static int
pop_frame(struct sp_test_env *env, const struct rte_ether_addr *dst, uint16_t type)
{
	uint8_t b[64];
	struct rte_mbuf *m = sp_test_tx_pop(env, NULL);
	int r;

	assert_non_null(m);
	sp_test_copy(m, b, sizeof(b));
	assert_memory_equal(b, dst, 6);
	assert_memory_equal(b + 6, &t_our_mac, 6);
	assert_int_equal(b[12] << 8 | b[13], type);
	if (type == RTE_ETHER_TYPE_IPV4)
		r = b[14 + 20];
	else
		r = b[14 + 7]; /* ARP opcode */
	rte_pktmbuf_free(m);
	return r;
}

/* Pop an ARP request for @tip to @dst. */
static void
pop_request(struct sp_test_env *env, const struct rte_ether_addr *dst, uint32_t tip)
{
	uint8_t b[64];
	struct rte_mbuf *m = sp_test_tx_pop(env, NULL);
	struct sp_arp a;

	assert_non_null(m);
	sp_test_copy(m, b, sizeof(b));
	assert_memory_equal(b, dst, 6);
	assert_int_equal(b[12] << 8 | b[13], RTE_ETHER_TYPE_ARP);
	assert_int_equal(sp_arp_parse(b + 14, m->pkt_len - 14, &a), SP_WIRE_OK);
	assert_int_equal(a.op, RTE_ARP_OP_REQUEST);
	assert_int_equal(a.tpa, tip);
	assert_int_equal(a.spa, T_OUR_IP);
	assert_memory_equal(&a.sha, &t_our_mac, 6);
	rte_pktmbuf_free(m);
}

struct found {
	uint32_t ip;
	unsigned n; /* entries in the table */
	bool hit;   /* @ip found */
	bool has_mac;
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
	if (ip != f->ip)
		return;
	f->hit = true;
	f->st = st;
	f->has_mac = mac != NULL;
	if (mac != NULL)
		f->mac = *mac;
}

static struct found
find(struct sp_ctx *ctx, uint32_t ip)
{
	struct found f;

	memset(&f, 0, sizeof(f));
	f.ip = ip;
	sp_neigh_foreach(ctx, find_cb, &f);
	return f;
}

/* An ARP reply from @ip at @mac to us, through the whole input path. */
static void
arp_in(struct sp_test_env *env, uint16_t op, uint32_t ip, const struct rte_ether_addr *mac)
{
	uint8_t b[28];
	struct sp_arp a;

	memset(&a, 0, sizeof(a));
	a.htype = 1;
	a.ptype = 0x0800;
	a.hlen = 6;
	a.plen = 4;
	a.op = op;
	a.sha = *mac;
	a.spa = ip;
	if (op == RTE_ARP_OP_REPLY)
		a.tha = t_our_mac;
	a.tpa = T_OUR_IP;
	sp_arp_build(b, &a);
	sp_test_input(env, 0,
		sp_test_eth(
			mac, op == RTE_ARP_OP_REPLY ? NULL : &bcast, RTE_ETHER_TYPE_ARP, b, 28));
}

static struct sp_test_env *
env_arp(bool on, void (*tweak)(struct sp_config *))
{
	struct sp_config cfg;

	sp_test_default_cfg(&cfg);
	cfg.ports[0].arp = on;
	if (on)
		cfg.ports[0].n_neigh = 0;
	if (tweak != NULL)
		tweak(&cfg);
	return sp_test_env_new(&cfg);
}

static void
out(struct sp_test_env *env, uint32_t nh, uint32_t dst, uint8_t tag, int expect)
{
	assert_int_equal(sp_neigh_output(env->ctx, 0, nh, dst, ip_pkt(dst, tag)), expect);
	sp_tx_flush(env->ctx);
}

/* ---------------- ARP off ---------------- */

static void
test_static_entry_and_names(void **state)
{
	struct sp_test_env *env = env_arp(false, NULL);
	struct found f;

	(void)state;
	f = find(env->ctx, T_PEER_IP);
	assert_true(f.hit);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.st, SP_NEIGH_PERMANENT);
	assert_memory_equal(&f.mac, &t_peer_mac, 6);
	out(env, T_PEER_IP, T_PEER_IP, 7, 0);
	assert_int_equal(pop_frame(env, &t_peer_mac, RTE_ETHER_TYPE_IPV4), 7);
	/* A static next hop also serves a farther destination (a gateway configured statically). */
	out(env, T_PEER_IP, IP_FAR, 8, 0);
	assert_int_equal(pop_frame(env, &t_peer_mac, RTE_ETHER_TYPE_IPV4), 8);

	assert_string_equal(sp_neigh_state_name(SP_NEIGH_REACHABLE), "REACHABLE");
	assert_string_equal(sp_neigh_state_name(SP_NEIGH_STALE), "STALE");
	assert_string_equal(sp_neigh_state_name(SP_NEIGH_INCOMPLETE), "INCOMPLETE");
	assert_string_equal(sp_neigh_state_name(SP_NEIGH_PERMANENT), "PERMANENT");
	assert_string_equal(sp_neigh_state_name(SP_NEIGH_LEARNED), "LEARNED");
	assert_string_equal(sp_neigh_state_name(SP_NEIGH_FAILED), "FAILED");
	sp_test_env_free(env);
}

static void
test_no_neigh(void **state)
{
	struct sp_test_env *env = env_arp(false, NULL);

	(void)state;
	out(env, IP_B, IP_B, 1, -ENXIO);
	out(env, IP_B, IP_FAR, 1, -ENXIO);
	assert_int_equal(T_STAT(env, no_neigh), 2);
	/* Never broadcast, never an ARP request with ARP off. */
	assert_int_equal(sp_test_tx_count(env), 0);
	assert_int_equal(T_STAT(env, arp_tx_requests), 0);
	sp_test_env_free(env);
}

/* An ICMP echo request from @src at @mac: the stack learns, then replies through neigh. */
static void
echo_from(struct sp_test_env *env, uint32_t src, const struct rte_ether_addr *mac)
{
	uint8_t icmp[8] = {8, 0, 0, 0, 0, 1, 0, 1};
	uint16_t c = sp_test_cksum(icmp, sizeof(icmp));
	struct rte_mbuf *m;

	memcpy(icmp + 2, &c, 2);
	m = sp_test_ipv4(src, T_OUR_IP, IPPROTO_ICMP, icmp, sizeof(icmp));
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr = *mac;
	sp_test_input(env, 0, m);
}

/* An echo request from @p src at @p from is answered, to @p to (the MAC the entry holds). */
static void
echo_answered(struct sp_test_env *env, uint32_t src, const struct rte_ether_addr *from,
	const struct rte_ether_addr *to)
{
	echo_from(env, src, from);
	assert_int_equal(pop_frame(env, to, RTE_ETHER_TYPE_IPV4), 0 /* echo reply type */);
}

static void
test_learning(void **state)
{
	struct sp_test_env *env = env_arp(false, NULL);
	struct found f;

	(void)state;
	echo_from(env, IP_B, &mac_b);
	assert_int_equal(T_STAT(env, neigh_learned), 1);
	f = find(env->ctx, IP_B);
	assert_true(f.hit);
	assert_int_equal(f.st, SP_NEIGH_LEARNED);
	/* The echo reply went to the MAC the request came from. */
	assert_int_equal(pop_frame(env, &mac_b, RTE_ETHER_TYPE_IPV4), 0 /* echo reply type */);
	echo_from(env, IP_B, &mac_b);
	assert_int_equal(T_STAT(env, neigh_learned), 1);
	assert_int_equal(pop_frame(env, &mac_b, RTE_ETHER_TYPE_IPV4), 0);
	/* The peer's MAC changed (its old one silent past the locktime): the entry follows. */
	sp_test_advance_ms(env, 1000);
	echo_from(env, IP_B, &mac_c);
	assert_int_equal(T_STAT(env, neigh_learned), 1);
	assert_int_equal(T_STAT(env, neigh_learn_locked), 0);
	assert_int_equal(pop_frame(env, &mac_c, RTE_ETHER_TYPE_IPV4), 0);
	/* A static entry is not overridden by what frames carry. */
	echo_answered(env, T_PEER_IP, &mac_c, &t_peer_mac);
	assert_int_equal(T_STAT(env, neigh_learned), 1);
	sp_test_env_free(env);
}

static void
learned_ttl_tweak(struct sp_config *cfg)
{
	cfg->stack.neigh_learned_timeout_ms = 1000;
}

/* A LEARNED entry lives neigh_learned_timeout_ms after the peer's last datagram, then goes. */
static void
test_learned_ageing(void **state)
{
	struct sp_test_env *env = env_arp(false, learned_ttl_tweak);

	(void)state;
	echo_from(env, IP_B, &mac_b);
	sp_test_tx_clear(env);
	sp_test_advance_ms(env, 600);
	/* the peer speaks again: the lifetime restarts from here */
	echo_from(env, IP_B, &mac_b);
	sp_test_tx_clear(env);
	sp_test_advance_ms(env, 600);
	assert_int_equal(find(env->ctx, IP_B).st, SP_NEIGH_LEARNED);
	assert_int_equal(T_STAT(env, neigh_learned_expired), 0);
	sp_test_advance_ms(env, 401);
	assert_false(find(env->ctx, IP_B).hit);
	assert_int_equal(T_STAT(env, neigh_learned_expired), 1);
	/* gone: with ARP off there is no MAC for it any more (never broadcast) */
	out(env, IP_B, IP_B, 1, -ENXIO);
	assert_int_equal(T_STAT(env, no_neigh), 1);
	/* learned again from the next datagram; static entries never age */
	echo_answered(env, IP_B, &mac_b, &mac_b);
	assert_int_equal(T_STAT(env, neigh_learned), 2);
	sp_test_advance_ms(env, 5000);
	assert_int_equal(find(env->ctx, T_PEER_IP).st, SP_NEIGH_PERMANENT);
	assert_int_equal(T_STAT(env, neigh_learned_expired), 2);
	sp_test_env_free(env);
}

/*
 * Neighbour poisoning with ARP off: a datagram forging a live peer's address from another MAC
 * must not redirect what we send to that peer (stack.neigh_learn_locktime_ms, as Linux's
 * locktime). Only once the peer's own MAC has been silent for the locktime does a new MAC win.
 */
static void
test_learn_locktime(void **state)
{
	struct sp_test_env *env = env_arp(false, NULL);
	struct found f;

	(void)state;
	echo_answered(env, IP_B, &mac_b, &mac_b);
	sp_test_advance_ms(env, 999);
	/* the forger's datagram is answered (to the peer's real MAC), the entry kept */
	echo_from(env, IP_B, &mac_c);
	assert_int_equal(T_STAT(env, neigh_learn_locked), 1);
	assert_int_equal(pop_frame(env, &mac_b, RTE_ETHER_TYPE_IPV4), 0);
	f = find(env->ctx, IP_B);
	assert_memory_equal(&f.mac, &mac_b, 6);
	/* the peer keeps talking: every forged datagram in between is refused */
	sp_test_advance_ms(env, 500);
	echo_from(env, IP_B, &mac_b);
	sp_test_tx_clear(env);
	sp_test_advance_ms(env, 900);
	echo_from(env, IP_B, &mac_c);
	assert_int_equal(T_STAT(env, neigh_learn_locked), 2);
	assert_int_equal(pop_frame(env, &mac_b, RTE_ETHER_TYPE_IPV4), 0);
	/* silent for the locktime: the new MAC is a move, and wins */
	sp_test_advance_ms(env, 100);
	echo_answered(env, IP_B, &mac_c, &mac_c);
	assert_int_equal(T_STAT(env, neigh_learn_locked), 2);
	sp_test_env_free(env);
}

static void
locktime_off_tweak(struct sp_config *cfg)
{
	cfg->stack.neigh_learn_locktime_ms = 0;
}

/* neigh_learn_locktime_ms = 0: the entry follows any frame at once (the old behaviour). */
static void
test_learn_locktime_off(void **state)
{
	struct sp_test_env *env = env_arp(false, locktime_off_tweak);

	(void)state;
	echo_from(env, IP_B, &mac_b);
	sp_test_tx_clear(env);
	echo_answered(env, IP_B, &mac_c, &mac_c);
	assert_int_equal(T_STAT(env, neigh_learn_locked), 0);
	sp_test_env_free(env);
}

static void
learned_forever_tweak(struct sp_config *cfg)
{
	cfg->stack.neigh_learned_timeout_ms = 0;
}

/* neigh_learned_timeout_ms = 0: learned entries are kept for good (the old behaviour). */
static void
test_learned_no_ageing(void **state)
{
	struct sp_test_env *env = env_arp(false, learned_forever_tweak);
	unsigned s;

	(void)state;
	echo_from(env, IP_B, &mac_b);
	sp_test_tx_clear(env);
	for (s = 0; s < 400; s++)
		sp_test_advance_ms(env, 1000);
	assert_int_equal(find(env->ctx, IP_B).st, SP_NEIGH_LEARNED);
	assert_int_equal(T_STAT(env, neigh_learned_expired), 0);
	sp_test_env_free(env);
}

static void
test_dst_fallback(void **state)
{
	struct sp_test_env *env = env_arp(false, NULL);

	(void)state;
	/* Next hop unknown, but the final destination's frames came from mac_b. */
	sp_neigh_learn(env->ctx, 0, IP_FAR, &mac_b);
	out(env, IP_C, IP_FAR, 3, 0);
	assert_int_equal(pop_frame(env, &mac_b, RTE_ETHER_TYPE_IPV4), 3);
	assert_int_equal(T_STAT(env, no_neigh), 0);
	sp_test_env_free(env);
}

static void
gw_tweak(struct sp_config *cfg)
{
	cfg->ports[0].gateway = IP_GW;
	cfg->ports[0].gateway_mac = mac_g;
}

static void
gw_nomac_tweak(struct sp_config *cfg)
{
	cfg->ports[0].gateway = IP_GW;
}

static void
test_gateway_mac(void **state)
{
	struct sp_test_env *env = env_arp(false, gw_tweak);

	(void)state;
	out(env, IP_GW, IP_FAR, 4, 0);
	assert_int_equal(pop_frame(env, &mac_g, RTE_ETHER_TYPE_IPV4), 4);
	/* The gateway MAC is only for the gateway as next hop. */
	out(env, IP_C, IP_C, 5, -ENXIO);
	assert_int_equal(T_STAT(env, no_neigh), 1);
	/* A learned entry of the gateway wins over the configured MAC. */
	sp_neigh_learn(env->ctx, 0, IP_GW, &mac_b);
	out(env, IP_GW, IP_FAR, 6, 0);
	assert_int_equal(pop_frame(env, &mac_b, RTE_ETHER_TYPE_IPV4), 6);
	sp_test_env_free(env);

	env = env_arp(false, gw_nomac_tweak);
	out(env, IP_GW, IP_FAR, 4, -ENXIO);
	assert_int_equal(T_STAT(env, no_neigh), 1);
	assert_int_equal(sp_test_tx_count(env), 0);
	sp_test_env_free(env);
}

static void
test_group_destinations(void **state)
{
	static const struct rte_ether_addr mdns = {{0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb}};
	struct sp_test_env *env = env_arp(false, NULL);

	(void)state;
	out(env, RTE_IPV4(198, 18, 0, 255), RTE_IPV4(198, 18, 0, 255), 1, 0);
	assert_int_equal(pop_frame(env, &bcast, RTE_ETHER_TYPE_IPV4), 1);
	out(env, UINT32_MAX, UINT32_MAX, 2, 0);
	assert_int_equal(pop_frame(env, &bcast, RTE_ETHER_TYPE_IPV4), 2);
	out(env, RTE_IPV4(224, 0, 0, 251), RTE_IPV4(224, 0, 0, 251), 3, 0);
	assert_int_equal(pop_frame(env, &mdns, RTE_ETHER_TYPE_IPV4), 3);
	sp_test_env_free(env);
}

static void
test_table_full(void **state)
{
	struct sp_test_env *env = env_arp(false, NULL);
	struct sp_neigh_table *big = env->ctx->neigh;

	(void)state;
	assert_null(sp_neigh_create(env->ctx, 0));
	/* Room for the static entry and one more. */
	env->ctx->neigh = sp_neigh_create(env->ctx, 2);
	assert_non_null(env->ctx->neigh);
	sp_neigh_learn(env->ctx, 0, IP_B, &mac_b);
	sp_neigh_learn(env->ctx, 0, IP_C, &mac_c);
	assert_int_equal(T_STAT(env, neigh_learned), 1);
	assert_int_equal(T_STAT(env, neigh_table_full), 1);
	out(env, IP_B, IP_B, 1, 0);
	assert_int_equal(pop_frame(env, &mac_b, RTE_ETHER_TYPE_IPV4), 1);
	out(env, IP_C, IP_C, 2, -ENXIO);
	out(env, T_PEER_IP, T_PEER_IP, 3, 0);
	assert_int_equal(pop_frame(env, &t_peer_mac, RTE_ETHER_TYPE_IPV4), 3);
	/*
	 * Forged sources must not hold a full table for the entries' lifetime: once B has been
	 * quiet (neither heard from nor sent to) for a second, a new peer takes its place; the
	 * static entry is never evicted.
	 */
	sp_test_advance_ms(env, 999);
	sp_neigh_learn(env->ctx, 0, IP_C, &mac_c);
	assert_int_equal(T_STAT(env, neigh_table_full), 2);
	sp_test_advance_ms(env, 1);
	sp_neigh_learn(env->ctx, 0, IP_C, &mac_c);
	assert_int_equal(T_STAT(env, neigh_evicted), 1);
	assert_int_equal(T_STAT(env, neigh_learned), 2);
	out(env, IP_C, IP_C, 4, 0);
	assert_int_equal(pop_frame(env, &mac_c, RTE_ETHER_TYPE_IPV4), 4);
	out(env, IP_B, IP_B, 5, -ENXIO);
	sp_test_advance_ms(env, 5000);
	sp_neigh_learn(env->ctx, 0, IP_D, &mac_b);
	assert_int_equal(T_STAT(env, neigh_evicted), 2);
	assert_int_equal(find(env->ctx, T_PEER_IP).st, SP_NEIGH_PERMANENT);
	assert_false(find(env->ctx, IP_C).hit);
	sp_neigh_free(env->ctx->neigh);
	env->ctx->neigh = big;
	sp_test_env_free(env);
}

/* ---------------- ARP on ---------------- */

static void
test_resolve_flush_in_order(void **state)
{
	struct sp_test_env *env = env_arp(true, NULL);
	struct found f;

	(void)state;
	out(env, IP_B, IP_B, 10, 0);
	out(env, IP_B, IP_B, 11, 0);
	out(env, IP_B, IP_B, 12, 0);
	/* One broadcast request; the other packets wait without asking again. */
	assert_int_equal(sp_test_tx_count(env), 1);
	pop_request(env, &bcast, IP_B);
	assert_int_equal(T_STAT(env, arp_tx_requests), 1);
	assert_int_equal(T_STAT(env, arp_rate_limited), 2);
	f = find(env->ctx, IP_B);
	assert_true(f.hit);
	assert_int_equal(f.st, SP_NEIGH_INCOMPLETE);
	assert_false(f.has_mac);

	arp_in(env, RTE_ARP_OP_REPLY, IP_B, &mac_b);
	assert_int_equal(T_STAT(env, arp_unsolicited), 0);
	assert_int_equal(sp_test_tx_count(env), 3);
	assert_int_equal(pop_frame(env, &mac_b, RTE_ETHER_TYPE_IPV4), 10);
	assert_int_equal(pop_frame(env, &mac_b, RTE_ETHER_TYPE_IPV4), 11);
	assert_int_equal(pop_frame(env, &mac_b, RTE_ETHER_TYPE_IPV4), 12);
	f = find(env->ctx, IP_B);
	assert_int_equal(f.st, SP_NEIGH_REACHABLE);
	assert_memory_equal(&f.mac, &mac_b, 6);
	/* Resolved: straight out, no request. */
	out(env, IP_B, IP_B, 13, 0);
	assert_int_equal(pop_frame(env, &mac_b, RTE_ETHER_TYPE_IPV4), 13);
	assert_int_equal(T_STAT(env, arp_tx_requests), 1);
	/* No learning, no gateway fallback with ARP on: learn() is ARP off only. */
	assert_int_equal(T_STAT(env, no_neigh), 0);
	sp_test_env_free(env);
}

static void
pending2_tweak(struct sp_config *cfg)
{
	cfg->stack.arp_pending_max = 2;
}

static void
test_pending_bound_and_failure(void **state)
{
	struct sp_test_env *env = env_arp(true, pending2_tweak);
	unsigned ms;

	(void)state;
	out(env, IP_B, IP_B, 1, 0);
	out(env, IP_B, IP_B, 2, 0);
	out(env, IP_B, IP_B, 3, -ENOBUFS);
	out(env, IP_B, IP_B, 4, -ENOBUFS);
	assert_int_equal(T_STAT(env, neigh_pending_full), 2);
	pop_request(env, &bcast, IP_B);
	/* One request per arp_request_rate_ms (1000), three in all, then failure. */
	for (ms = 0; ms < 2999; ms++)
		sp_test_advance_ms(env, 1);
	assert_int_equal(T_STAT(env, arp_tx_requests), 3);
	pop_request(env, &bcast, IP_B);
	pop_request(env, &bcast, IP_B);
	assert_true(find(env->ctx, IP_B).hit);
	assert_int_equal(T_STAT(env, neigh_resolve_failed), 0);
	sp_test_advance_ms(env, 2);
	assert_int_equal(T_STAT(env, neigh_resolve_failed), 2);
	assert_false(find(env->ctx, IP_B).hit);
	assert_int_equal(T_STAT(env, arp_tx_requests), 3);
	assert_int_equal(sp_test_tx_count(env), 0);
	/* A late reply finds no entry: unsolicited, creates nothing. */
	arp_in(env, RTE_ARP_OP_REPLY, IP_B, &mac_b);
	assert_int_equal(T_STAT(env, arp_unsolicited), 1);
	assert_false(find(env->ctx, IP_B).hit);
	/* The env free checks that the two queued mbufs were freed. */
	sp_test_env_free(env);
}

static void
test_rate_limit(void **state)
{
	struct sp_test_env *env = env_arp(true, NULL);

	(void)state;
	out(env, IP_B, IP_B, 1, 0);
	assert_int_equal(T_STAT(env, arp_tx_requests), 1);
	sp_test_advance_ms(env, 500);
	out(env, IP_B, IP_B, 2, 0);
	assert_int_equal(T_STAT(env, arp_tx_requests), 1);
	assert_int_equal(T_STAT(env, arp_rate_limited), 1);
	sp_test_advance_ms(env, 501);
	assert_int_equal(T_STAT(env, arp_tx_requests), 2);
	/* Another neighbour is not limited by the first one's rate. */
	out(env, IP_C, IP_C, 3, 0);
	assert_int_equal(T_STAT(env, arp_tx_requests), 3);
	assert_int_equal(T_STAT(env, arp_rate_limited), 1);
	pop_request(env, &bcast, IP_B);
	pop_request(env, &bcast, IP_B);
	pop_request(env, &bcast, IP_C);
	sp_test_env_free(env);
}

static void
timeout_tweak(struct sp_config *cfg)
{
	cfg->stack.neigh_timeout_ms = 100;
}

static void
test_ageing_and_reprobe(void **state)
{
	struct sp_test_env *env = env_arp(true, timeout_tweak);
	unsigned ms;

	(void)state;
	/* A request addressed to us creates a REACHABLE entry (and is answered). */
	arp_in(env, RTE_ARP_OP_REQUEST, IP_B, &mac_b);
	sp_test_tx_clear(env);
	assert_int_equal(find(env->ctx, IP_B).st, SP_NEIGH_REACHABLE);
	sp_test_advance_ms(env, 99);
	assert_int_equal(find(env->ctx, IP_B).st, SP_NEIGH_REACHABLE);
	sp_test_advance_ms(env, 2);
	assert_int_equal(find(env->ctx, IP_B).st, SP_NEIGH_STALE);

	/* STALE in use: the packet goes out at once, and a unicast probe checks the MAC. */
	out(env, IP_B, IP_B, 1, 0);
	assert_int_equal(sp_test_tx_count(env), 2);
	assert_int_equal(pop_frame(env, &mac_b, RTE_ETHER_TYPE_ARP), RTE_ARP_OP_REQUEST);
	assert_int_equal(pop_frame(env, &mac_b, RTE_ETHER_TYPE_IPV4), 1);
	out(env, IP_B, IP_B, 2, 0);
	assert_int_equal(sp_test_tx_count(env), 1); /* no second probe within the rate */
	assert_int_equal(pop_frame(env, &mac_b, RTE_ETHER_TYPE_IPV4), 2);
	/* Still unanswered a rate interval later: the next probe is broadcast. */
	sp_test_advance_ms(env, 1000);
	out(env, IP_B, IP_B, 3, 0);
	pop_request(env, &bcast, IP_B);
	assert_int_equal(pop_frame(env, &mac_b, RTE_ETHER_TYPE_IPV4), 3);
	/* The reply confirms it. */
	arp_in(env, RTE_ARP_OP_REPLY, IP_B, &mac_b);
	assert_int_equal(find(env->ctx, IP_B).st, SP_NEIGH_REACHABLE);

	/* Unused STALE entries go away after the gc time (60 s). */
	sp_test_advance_ms(env, 101);
	assert_int_equal(find(env->ctx, IP_B).st, SP_NEIGH_STALE);
	for (ms = 0; ms < 59990; ms += 1000)
		sp_test_advance_ms(env, 1000);
	assert_false(find(env->ctx, IP_B).hit);
	assert_int_equal(sp_test_tx_count(env), 0);
	sp_test_env_free(env);
}

static void
test_static_with_arp_on(void **state)
{
	struct sp_config cfg;
	struct sp_test_env *env;
	struct found f;

	(void)state;
	sp_test_default_cfg(&cfg);
	cfg.ports[0].arp = 1;
	env = sp_test_env_new(&cfg);
	/* PERMANENT: used without a request, and not replaced by ARP. */
	out(env, T_PEER_IP, T_PEER_IP, 1, 0);
	assert_int_equal(pop_frame(env, &t_peer_mac, RTE_ETHER_TYPE_IPV4), 1);
	arp_in(env, RTE_ARP_OP_REPLY, T_PEER_IP, &mac_b);
	f = find(env->ctx, T_PEER_IP);
	assert_int_equal(f.st, SP_NEIGH_PERMANENT);
	assert_memory_equal(&f.mac, &t_peer_mac, 6);
	assert_int_equal(T_STAT(env, arp_tx_requests), 0);
	sp_test_env_free(env);
}

/* ---------------- several lcores ---------------- */

static void
test_inter_lcore_arp(void **state)
{
	struct sp_test_env *env = env_arp(true, NULL);
	struct sp_ctx *ctx2;
	struct sp_txq *q;
	struct found f;
	unsigned ms;

	(void)state;
	ctx2 = sp_ctx_create(env->st, rte_lcore_id(), 1, env->pool);
	assert_non_null(ctx2);

	/* A request to us lands on worker 0; worker 1 learns it from its ring. */
	arp_in(env, RTE_ARP_OP_REQUEST, IP_B, &mac_b);
	sp_test_tx_clear(env);
	assert_false(find(ctx2, IP_B).hit);
	sp_neigh_drain(ctx2);
	f = find(ctx2, IP_B);
	assert_true(f.hit);
	assert_int_equal(f.st, SP_NEIGH_REACHABLE);
	assert_memory_equal(&f.mac, &mac_b, 6);

	/*
	 * Worker 1 resolves IP_C: worker 0 is told (INCOMPLETE), so the reply landing on worker 0
	 * is not unsolicited, and worker 1 sends its queued packet once told the MAC.
	 */
	assert_int_equal(sp_neigh_output(ctx2, 0, IP_C, IP_C, ip_pkt(IP_C, 9)), 0);
	q = &ctx2->txq[0];
	assert_int_equal(q->n, 1); /* the request (never flushed: ctx2 has no PMD) */
	sp_neigh_drain(env->ctx);
	f = find(env->ctx, IP_C);
	assert_true(f.hit);
	assert_int_equal(f.st, SP_NEIGH_INCOMPLETE);
	arp_in(env, RTE_ARP_OP_REPLY, IP_C, &mac_c);
	assert_int_equal(T_STAT(env, arp_unsolicited), 0);
	assert_int_equal(find(env->ctx, IP_C).st, SP_NEIGH_REACHABLE);
	sp_neigh_drain(ctx2);
	assert_int_equal(find(ctx2, IP_C).st, SP_NEIGH_REACHABLE);
	assert_int_equal(q->n, 2);
	{
		const struct rte_ether_hdr *eh =
			rte_pktmbuf_mtod(q->pkts[1], const struct rte_ether_hdr *);

		assert_memory_equal(&eh->dst_addr, &mac_c, 6);
		assert_int_equal(rte_be_to_cpu_16(eh->ether_type), RTE_ETHER_TYPE_IPV4);
	}

	/* A mirrored INCOMPLETE entry with no reply expires without sending anything. */
	assert_int_equal(sp_neigh_output(ctx2, 0, IP_D, IP_D, ip_pkt(IP_D, 1)), 0);
	sp_neigh_drain(env->ctx);
	assert_true(find(env->ctx, IP_D).hit);
	for (ms = 0; ms < 4; ms++)
		sp_test_advance_ms(env, 1000);
	assert_false(find(env->ctx, IP_D).hit);
	assert_int_equal(T_STAT(env, arp_tx_requests), 0);
	assert_int_equal(T_STAT(env, neigh_resolve_failed), 0);
	assert_int_equal(sp_test_tx_count(env), 0);

	sp_ctx_free(ctx2);
	sp_test_env_free(env);
}

static void
test_inter_lcore_learned(void **state)
{
	struct sp_test_env *env = env_arp(false, NULL);
	struct sp_ctx *ctx2;
	struct found f;

	(void)state;
	ctx2 = sp_ctx_create(env->st, rte_lcore_id(), 1, env->pool);
	assert_non_null(ctx2);
	ctx2->now = env->ctx->now; /* the fake clock, for both lcores */
	sp_timer_wheel_init(&ctx2->timers, ctx2->hz, ctx2->now);
	echo_from(env, IP_B, &mac_b);
	sp_test_tx_clear(env);
	sp_neigh_drain(ctx2);
	f = find(ctx2, IP_B);
	assert_true(f.hit);
	assert_int_equal(f.st, SP_NEIGH_LEARNED);
	assert_memory_equal(&f.mac, &mac_b, 6);
	/* Unchanged MAC: nothing more is sent between lcores. */
	echo_from(env, IP_B, &mac_b);
	sp_test_tx_clear(env);
	assert_int_equal(rte_ring_count(ctx2->neigh_ring), 0);
	sp_test_advance_ms(env, 1000);
	ctx2->now = env->ctx->now;
	echo_from(env, IP_B, &mac_c);
	sp_test_tx_clear(env);
	assert_int_equal(rte_ring_count(ctx2->neigh_ring), 1);
	sp_neigh_drain(ctx2);
	f = find(ctx2, IP_B);
	assert_memory_equal(&f.mac, &mac_c, 6);
	sp_ctx_free(ctx2);
	sp_test_env_free(env);
}

/*
 * The learning locktime with two lcores: the forged MAC lands on the lcore whose copy is old and
 * is taken there, but the lcore that hears the peer keeps the peer's MAC when told.
 */
static void
test_inter_lcore_learn_locktime(void **state)
{
	struct sp_test_env *env = env_arp(false, NULL);
	struct sp_ctx *ctx2;
	struct found f;

	(void)state;
	ctx2 = sp_ctx_create(env->st, rte_lcore_id(), 1, env->pool);
	assert_non_null(ctx2);
	ctx2->now = env->ctx->now;
	sp_timer_wheel_init(&ctx2->timers, ctx2->hz, ctx2->now);
	echo_from(env, IP_B, &mac_b);
	sp_test_tx_clear(env);
	sp_neigh_drain(ctx2);
	/* 1.5 s later the peer's frames reach lcore 2 only */
	sp_test_advance_ms(env, 1500);
	ctx2->now = env->ctx->now;
	sp_neigh_learn(ctx2, 0, IP_B, &mac_b);
	/* 0.5 s later a forgery reaches lcore 1, whose copy is 2 s old: taken there, told */
	sp_test_advance_ms(env, 500);
	ctx2->now = env->ctx->now;
	echo_from(env, IP_B, &mac_c);
	sp_test_tx_clear(env);
	assert_int_equal(rte_ring_count(ctx2->neigh_ring), 1);
	sp_neigh_drain(ctx2);
	f = find(ctx2, IP_B);
	assert_memory_equal(&f.mac, &mac_b, 6);
	assert_int_equal(ctx2->stats[0].neigh_learn_locked, 1);
	sp_ctx_free(ctx2);
	sp_test_env_free(env);
}

/*
 * RSS sends a peer's datagrams to one lcore only: that lcore tells the others the peer is still
 * there (at most twice per lifetime), so their copies do not age while it speaks.
 */
static void
test_inter_lcore_learned_refresh(void **state)
{
	struct sp_test_env *env = env_arp(false, learned_ttl_tweak);
	struct sp_ctx *ctx2;
	unsigned i, msgs = 0;

	(void)state;
	ctx2 = sp_ctx_create(env->st, rte_lcore_id(), 1, env->pool);
	assert_non_null(ctx2);
	ctx2->now = env->ctx->now; /* the fake clock, for both lcores */
	sp_timer_wheel_init(&ctx2->timers, ctx2->hz, ctx2->now);
	for (i = 0; i < 6; i++) {
		echo_from(env, IP_B, &mac_b);
		sp_test_tx_clear(env);
		msgs += rte_ring_count(ctx2->neigh_ring);
		ctx2->now = env->ctx->now;
		sp_neigh_drain(ctx2);
		sp_timers_run(ctx2, ctx2->now);
		assert_int_equal(find(ctx2, IP_B).st, SP_NEIGH_LEARNED);
		sp_test_advance_ms(env, 400);
	}
	/* datagrams at 0, 0.4 ... 2.0 s: told at 0 (new), 0.8 and 1.6 (half a lifetime on) */
	assert_int_equal(msgs, 3);
	/* the peer falls silent: both copies go */
	sp_test_advance_ms(env, 1000);
	ctx2->now = env->ctx->now;
	sp_timers_run(ctx2, ctx2->now);
	assert_false(find(env->ctx, IP_B).hit);
	assert_false(find(ctx2, IP_B).hit);
	sp_ctx_free(ctx2);
	sp_test_env_free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_entry_and_names),
		cmocka_unit_test(test_no_neigh),
		cmocka_unit_test(test_learning),
		cmocka_unit_test(test_learned_ageing),
		cmocka_unit_test(test_learn_locktime),
		cmocka_unit_test(test_learn_locktime_off),
		cmocka_unit_test(test_learned_no_ageing),
		cmocka_unit_test(test_dst_fallback),
		cmocka_unit_test(test_gateway_mac),
		cmocka_unit_test(test_group_destinations),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_resolve_flush_in_order),
		cmocka_unit_test(test_pending_bound_and_failure),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_ageing_and_reprobe),
		cmocka_unit_test(test_static_with_arp_on),
		cmocka_unit_test(test_inter_lcore_arp),
		cmocka_unit_test(test_inter_lcore_learned),
		cmocka_unit_test(test_inter_lcore_learned_refresh),
		cmocka_unit_test(test_inter_lcore_learn_locktime),
	};

	sp_test_eal_init();
	return cmocka_run_group_tests_name("neigh", tests, NULL, NULL);
}

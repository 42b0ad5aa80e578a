/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The way out a TCP connection keeps (struct sp_ip_path, sp_ipv4_output_path()): its segments
 * after the first skip the route lookup and the neighbour's resolution, and still follow what
 * those would find: a neighbour's MAC that changed, an entry that was deleted, the connection's
 * IP TOS and TTL. The test plays the peer with tcp_helper.h.
 */
#include "tcp.h"
#include "tcp_helper.h"

static const struct rte_ether_addr new_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x09}};

/* Pop the next frame: its TCP segment (an ACK) in @p o, its Ethernet destination in @p dst. */
static void
pop_to(struct fx *f, struct t_out *o, struct rte_ether_addr *dst)
{
	struct rte_mbuf *m;

	sp_tx_flush(f->env->ctx);
	assert_true(sp_test_tx_count(f->env) >= 1);
	/* the frame stays in the capture for t_pop(): read its destination in place */
	m = f->env->tx[f->env->tx_head];
	*dst = rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr;
	t_expect(f->env, o, T_ACK);
}

/* The peer acknowledges everything sent so far (@p acked bytes of data), from @p mac. */
static void
peer_ack(struct fx *f, uint32_t acked, const struct rte_ether_addr *mac)
{
	struct rte_mbuf *m = t_seg_mbuf(
		T_RPORT, T_LPORT, f->pseq, f->iss + 1 + acked, T_ACK, 65535, NULL, NULL, 0);

	if (mac != NULL)
		rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr = *mac;
	sp_test_input(f->env, 0, m);
}

/* Send one byte @p ch and pop its segment (@p o) and the frame's destination (@p dst). */
static void
send_one(struct fx *f, char ch, struct t_out *o, struct rte_ether_addr *dst)
{
	sp_tcp_send(f->app.c, &ch, 1);
	pop_to(f, o, dst);
	assert_int_equal(o->len, 1);
	assert_int_equal(o->data[0], ch);
	assert_true(o->cksum_ok);
}

/* Open a connection, send "a" to the peer's MAC and have it acknowledged: the path is kept. */
static void
open_kept(struct fx *f)
{
	struct rte_ether_addr dst;
	struct t_out o;

	fx_open(f, 1000);
	send_one(f, 'a', &o, &dst);
	assert_memory_equal(&dst, &t_peer_mac, 6);
	assert_non_null(f->app.c->ip_path.neigh); /* kept from here on */
	peer_ack(f, 1, NULL);
}

/* ARP off, no static neighbour: the peer's MAC is learned from its frames. */
static struct fx *
fx_learning(uint32_t learned_timeout_ms)
{
	struct sp_config cfg;

	sp_test_default_cfg(&cfg);
	cfg.ports[0].n_neigh = 0;
	cfg.stack.neigh_learn_locktime_ms = 0; /* a new MAC is taken at once */
	cfg.stack.neigh_learned_timeout_ms = learned_timeout_ms;
	return fx_new(&cfg, 0);
}

/* The peer moves to another MAC: the next segment goes there, not to the one kept. */
static void
test_path_follows_mac(void **state)
{
	struct fx *f = fx_learning(300000);
	struct rte_ether_addr dst;
	struct t_out o;

	(void)state;
	open_kept(f);
	send_one(f, 'b', &o, &dst);
	assert_memory_equal(&dst, &t_peer_mac, 6);
	peer_ack(f, 2, &new_mac);
	send_one(f, 'c', &o, &dst);
	assert_memory_equal(&dst, &new_mac, 6);
	fx_free(f);
}

/* The entry is deleted (a learned one ages out): nothing goes out through the one kept. */
static void
test_path_entry_deleted(void **state)
{
	struct fx *f = fx_learning(1000);
	uint64_t no_neigh;
	struct rte_ether_addr dst;
	struct t_out o;

	(void)state;
	open_kept(f);
	sp_test_advance_ms(f->env, 1500);
	sp_test_tx_clear(f->env);
	no_neigh = T_STAT(f->env, no_neigh);
	sp_tcp_send(f->app.c, "b", 1);
	assert_int_equal(t_count(f->env), 0);
	assert_int_equal(T_STAT(f->env, no_neigh), no_neigh + 1);
	/* learned again from the peer's next frame: the retransmission goes to the new MAC */
	peer_ack(f, 1, &new_mac);
	sp_test_advance_ms(f->env, 1100);
	pop_to(f, &o, &dst);
	assert_memory_equal(&dst, &new_mac, 6);
	assert_int_equal(o.data[0], 'b');
	assert_true(o.cksum_ok);
	assert_int_equal(T_STAT(f->env, no_neigh), no_neigh + 1);
	fx_free(f);
}

/* IP_TOS / IP_TTL set on the connection apply to the next segment. */
static void
test_path_follows_tos_ttl(void **state)
{
	struct fx *f = fx_new(NULL, 0);
	struct sp_ip_tx iptx = {.tos = 0x28 | 0x3, .ttl = 9};
	struct rte_ether_addr dst;
	struct t_out o;

	(void)state;
	open_kept(f);
	send_one(f, 'b', &o, &dst);
	assert_int_equal(o.tos, 0);
	assert_int_equal(o.ttl, SP_IP_DEFAULT_TTL);
	peer_ack(f, 2, NULL);
	sp_tcp_set_ip_tx(f->app.c, &iptx);
	send_one(f, 'c', &o, &dst);
	assert_int_equal(o.tos, 0x28); /* ECN bits clear */
	assert_int_equal(o.ttl, 9);
	fx_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_follows_mac),
		cmocka_unit_test(test_path_entry_deleted),
		cmocka_unit_test(test_path_follows_tos_ttl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

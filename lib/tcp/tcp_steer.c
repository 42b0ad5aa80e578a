/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection ownership with several worker lcores, and software steering (tcp_steer.h,
 * docs/tcp.md "Multi-lcore: RSS and steering").
 *
 * Every lcore owns its connection table; nothing is shared. A segment that lands on the wrong
 * lcore is moved, not looked up remotely: the receiving lcore computes the owner from the
 * 4-tuple (the same function the owner used to choose its source port) and enqueues the mbuf on
 * the owner's multi-producer/single-consumer ring, which the owner drains in sp_poll().
 */
#include <errno.h>
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_ring_elem.h>
#include <rte_thash.h>

#include "sp_log.h"
#include "tcp.h"
#include "tcp_steer.h"

/* One steered segment: the mbuf (data at the TCP header) and what the IPv4 layer parsed. */
struct steer_msg {
	struct rte_mbuf *m;
	struct sp_ipv4 ip;
	uint16_t port;
};

#define STEER_DRAIN_BURST 32
#define STEER_DRAIN_MAX	  512 /* per sp_poll(): the rest waits for the next iteration */

uint32_t
sp_rss_hash_v4(const struct sp_rss *rss, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	/*
	 * rte_softrss() takes the tuple as host-order 32-bit words and the key as the NIC has it
	 * (rte_softrss_be() would need the key converted with rte_convert_rss_key()). The third
	 * word is the one of struct rte_ipv4_tuple: source port in the high half.
	 */
	uint32_t t[3] = {src, dst, (uint32_t)sport << 16 | dport};

	return rte_softrss(t, RTE_DIM(t), rss->key);
}

int
sp_tcp_steer_owner(const struct sp_stack *st, uint16_t port, uint32_t lip, uint16_t lport,
	uint32_t rip, uint16_t rport)
{
	const struct sp_rss *rss;

	if (st->n_workers <= 1 || lport < SP_TCP_EPH_LO || lport > SP_TCP_EPH_HI ||
		port >= st->n_ports)
		return -1;
	rss = &st->ports[port].rss;
	if (rss->predictable) {
		/* What the NIC sees is the reply: source = the peer, destination = us. */
		uint32_t h = sp_rss_hash_v4(rss, rip, lip, rport, lport);

		return rss->reta[h % rss->reta_size];
	}
	return (int)(lport % st->n_workers);
}

bool
sp_tcp_steer(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip)
{
	const struct sp_stack *st = ctx->stack;
	struct sp_tcp_hdr th;
	struct steer_msg msg;
	struct sp_tcp_key k;
	struct sp_ctx *dst;
	int owner;

	/* Too short for the ports: the TCP input of this lcore drops and counts it. */
	if (st->n_workers <= 1 || sp_tcp_parse_head(rte_pktmbuf_mtod(m, const void *), m->data_len,
					  &th) != SP_WIRE_OK)
		return false;
	k.rip = ip->src;
	k.lip = ip->dst;
	k.rport = th.sport;
	k.lport = th.dport;
	owner = sp_tcp_steer_owner(st, port, k.lip, k.lport, k.rip, k.rport);
	if (owner < 0 || (unsigned)owner == ctx->worker || (unsigned)owner >= st->n_workers)
		return false;
	dst = st->workers[owner];
	if (dst == NULL || dst->steer_ring == NULL)
		return false;
	/*
	 * Ours after all: a listener on this port here (passive opens stay on the lcore their SYN
	 * reached; every worker runs the same listeners) or a connection here (an active open with
	 * an explicit source port).
	 */
	if (sp_tcp_listener_find(ctx, k.lip, k.lport) != NULL ||
		sp_tcp_conn_lookup(ctx, &k) != NULL)
		return false;
	msg.m = m;
	msg.ip = *ip;
	msg.port = port;
	if (rte_ring_mp_enqueue_elem(dst->steer_ring, &msg, sizeof(msg)) != 0)
		goto drop_ring_full;
	SP_STAT(ctx, port, steer_out);
	return true;

drop_ring_full:
	/* The owner is not keeping up; TCP recovers from the loss like from any other. */
	SP_STAT(ctx, port, steer_ring_full);
	rte_pktmbuf_free(m);
	return true;
}

unsigned
sp_tcp_steer_drain(struct sp_ctx *ctx)
{
	struct steer_msg msgs[STEER_DRAIN_BURST];
	unsigned n, i, total = 0;

	if (ctx->steer_ring == NULL)
		return 0;
	do {
		n = rte_ring_sc_dequeue_burst_elem(
			ctx->steer_ring, msgs, sizeof(msgs[0]), RTE_DIM(msgs), NULL);
		for (i = 0; i < n; i++) {
			SP_STAT(ctx, msgs[i].port, steer_in);
			sp_tcp_input_here(ctx, msgs[i].port, msgs[i].m, &msgs[i].ip);
		}
		total += n;
	} while (n == RTE_DIM(msgs) && total < STEER_DRAIN_MAX);
	return total;
}

int
sp_tcp_steer_init(struct sp_ctx *ctx)
{
	char name[RTE_RING_NAMESIZE];

	RTE_BUILD_BUG_ON(sizeof(struct steer_msg) % 4 != 0);
	snprintf(name, sizeof(name), "sp_steer_%u", ctx->worker);
	/* Any lcore may produce, only the owner consumes. */
	ctx->steer_ring = rte_ring_create_elem(
		name, sizeof(struct steer_msg), SP_STEER_RING, ctx->socket, RING_F_SC_DEQ);
	if (ctx->steer_ring == NULL) {
		SP_LOG(ERR, tcp, "lcore %u: cannot create ring %s: %s", ctx->lcore_id, name,
			rte_strerror(rte_errno));
		return -ENOMEM;
	}
	return 0;
}

void
sp_tcp_steer_fini(struct sp_ctx *ctx)
{
	struct steer_msg msg;

	if (ctx->steer_ring == NULL)
		return;
	/* Segments steered here after this lcore stopped polling: give the mbufs back. */
	while (rte_ring_sc_dequeue_elem(ctx->steer_ring, &msg, sizeof(msg)) == 0)
		rte_pktmbuf_free(msg.m);
	rte_ring_free(ctx->steer_ring);
	ctx->steer_ring = NULL;
}

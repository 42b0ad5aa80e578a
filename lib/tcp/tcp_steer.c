/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection ownership with several worker lcores, and software steering (tcp_steer.h,
 * docs/tcp.md "Multi-lcore: RSS and steering").
 *
 * Every lcore owns its connection table; nothing is shared. A segment that lands on the wrong
 * lcore is moved, not looked up remotely: the receiving lcore computes the owner from the
 * 4-tuple (the same function the owner used to choose its source port) and enqueues the mbuf on
 * the owner's multi-producer/single-consumer ring, which the owner drains in sp_poll().
 * ICMP errors about TCP and UDP datagrams for another lcore's bind travel the same ring, tagged
 * with their kind (enum sp_steer_kind).
 */
#include <errno.h>
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_ring_elem.h>
#include <rte_thash.h>

#include "sp_log.h"
#include "tcp.h"
#include "tcp_steer.h"

/* One steered message: the mbuf (data at the L4 header) and what the IPv4 layer parsed. */
struct steer_msg {
	struct rte_mbuf *m;
	struct sp_ipv4 ip;
	uint16_t port;
	uint8_t kind; /* enum sp_steer_kind */
	uint8_t hops; /* SP_STEER_ICMP: how many more lcores may be asked */
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
	struct sp_tcp_key k;
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
	if (owner < 0 || (unsigned)owner == ctx->worker)
		return false;
	/*
	 * Ours after all: a listener on this port here (passive opens stay on the lcore their SYN
	 * reached; every worker runs the same listeners) or a connection here (an active open with
	 * an explicit source port).
	 */
	if (sp_tcp_listener_find(ctx, k.lip, k.lport) != NULL || sp_tcp_tuple_in_use(ctx, &k))
		return false;
	/* No ring there (a worker not created): deliver here rather than lose it. */
	return sp_steer_enqueue(ctx, (unsigned)owner, port, m, ip, SP_STEER_TCP, 0) != -ENOENT;
}

int
sp_steer_enqueue(struct sp_ctx *ctx, unsigned worker, uint16_t port, struct rte_mbuf *m,
	const struct sp_ipv4 *ip, enum sp_steer_kind kind, uint8_t hops)
{
	const struct sp_stack *st = ctx->stack;
	struct steer_msg msg;
	struct sp_ctx *dst;

	dst = worker < st->n_workers ? st->workers[worker] : NULL;
	if (dst == NULL || dst->steer_ring == NULL)
		return -ENOENT;
	msg.m = m;
	msg.ip = *ip;
	msg.port = port;
	msg.kind = (uint8_t)kind;
	msg.hops = hops;
	if (rte_ring_mp_enqueue_elem(dst->steer_ring, &msg, sizeof(msg)) != 0)
		goto drop_ring_full;
	switch (kind) {
	case SP_STEER_ICMP:
		SP_STAT(ctx, port, steer_icmp_out);
		break;
	case SP_STEER_UDP:
		SP_STAT(ctx, port, steer_udp_out);
		break;
	default:
		SP_STAT(ctx, port, steer_out);
	}
	return 0;

drop_ring_full:
	/* The owner is not keeping up; TCP recovers from the loss like from any other. */
	SP_STAT(ctx, port, steer_ring_full);
	rte_pktmbuf_free(m);
	return -ENOBUFS;
}

bool
sp_tcp_steer_icmp(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip,
	const struct sp_ipv4 *inner, const uint8_t ports[4], uint8_t hops)
{
	const struct sp_stack *st = ctx->stack;
	struct sp_tcp_key k;
	unsigned next;
	int owner;

	if (st->n_workers <= 1)
		return false;
	/* The quote is a segment we sent: its source is our end. */
	k.lip = inner->src;
	k.rip = inner->dst;
	k.lport = (uint16_t)(ports[0] << 8 | ports[1]);
	k.rport = (uint16_t)(ports[2] << 8 | ports[3]);
	if (sp_tcp_tuple_in_use(ctx, &k))
		return false;
	owner = sp_tcp_steer_owner(st, port, k.lip, k.lport, k.rip, k.rport);
	/* A listener on an ephemeral port: its connections stay where their SYN landed. */
	if (owner >= 0 && sp_tcp_listener_find(ctx, k.lip, k.lport) != NULL)
		owner = -1;
	if (owner >= 0) {
		/* An active open: the tuple names its lcore; nobody else can hold it. */
		if ((unsigned)owner == ctx->worker)
			return false;
		next = (unsigned)owner;
		hops = 0;
	} else {
		/*
		 * A passive open: any lcore may own it and none can look into another's table, so
		 * the error goes round the workers until one has the connection. ICMP errors are
		 * rare (routers rate-limit them), so the walk costs little.
		 */
		if (hops == 0)
			return false;
		next = (ctx->worker + 1) % st->n_workers;
		hops--;
	}
	return sp_steer_enqueue(ctx, next, port, m, ip, SP_STEER_ICMP, hops) != -ENOENT;
}

int
sp_tcp_steer_icmp_deliver(struct sp_ctx *ctx, uint8_t type, uint8_t code, uint32_t rest,
	const void *quoted, size_t len)
{
	const uint8_t *t;
	struct sp_tcp_key k;
	struct sp_conn *c;
	struct sp_ipv4 ip;
	uint16_t mss;

	if (sp_ipv4_parse_ext(quoted, len, UINT16_MAX, &ip) < 0 || len < ip.ihl + 4u)
		return 0;
	t = (const uint8_t *)quoted + ip.ihl;
	k.lip = ip.src;
	k.rip = ip.dst;
	k.lport = (uint16_t)(t[0] << 8 | t[1]);
	k.rport = (uint16_t)(t[2] << 8 | t[3]);
	c = sp_tcp_conn_lookup(ctx, &k);
	mss = c != NULL ? c->mss : 0;
	sp_tcp_icmp_error(ctx, type, code, rest, quoted, len);
	/* Looked up again: the error may have ended the connection (refused while connecting). */
	c = sp_tcp_conn_lookup(ctx, &k);
	return c != NULL && mss != 0 && c->mss < mss;
}

static void
steer_dispatch(struct sp_ctx *ctx, const struct steer_msg *msg)
{
	switch (msg->kind) {
	case SP_STEER_ICMP:
		SP_STAT(ctx, msg->port, steer_icmp_in);
		sp_icmp_steered_input(ctx, msg->port, msg->m, &msg->ip, msg->hops);
		return;
	case SP_STEER_UDP:
		SP_STAT(ctx, msg->port, steer_udp_in);
		sp_udp_steered_input(ctx, msg->port, msg->m, &msg->ip);
		return;
	default:
		SP_STAT(ctx, msg->port, steer_in);
		sp_tcp_input_here(ctx, msg->port, msg->m, &msg->ip);
	}
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
		for (i = 0; i < n; i++)
			steer_dispatch(ctx, &msgs[i]);
		total += n;
	} while (n == RTE_DIM(msgs) && total < STEER_DRAIN_MAX);
	return total;
}

int
sp_tcp_steer_init(struct sp_ctx *ctx)
{
	char name[RTE_RING_NAMESIZE];

	RTE_BUILD_BUG_ON(sizeof(struct steer_msg) % 4 != 0);
	/* the context, not only the worker: several stacks may share a process (unit tests) */
	snprintf(name, sizeof(name), "sp_steer_%u_%p", ctx->worker, (void *)ctx);
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

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826) for ports with arp = on; eth.c drops every ARP frame of the other ports.
 *
 * Receive rules (RFC 826 "packet reception", RFC 1122 2.3.2, and the Linux kernel's habits):
 *  - a request for one of this port's addresses is answered, unicast to the requester, and
 *    creates or refreshes the requester's entry (it will talk to us next);
 *  - a reply refreshes an entry only when one exists (INCOMPLETE or known): an unsolicited
 *    reply never creates one, so a stray or forged reply cannot fill the table or redirect
 *    traffic to an address we never asked about;
 *  - a gratuitous ARP (sender IP == target IP) refreshes a known neighbour;
 *  - a probe (sender IP 0, RFC 5227 2.1.1) for our address is answered so the prober sees
 *    the conflict, and creates nothing;
 *  - everything else is counted and dropped.
 */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "sp_proto.h"

#define ARP_LEN ((uint16_t)sizeof(struct rte_arp_hdr))

/* Is @p ip one of the addresses of @p port? */
static bool
port_has_addr(const struct sp_port *p, uint32_t ip)
{
	uint8_t i;

	for (i = 0; i < p->n_addrs; i++)
		if (p->addrs[i].ip == ip)
			return true;
	return false;
}

/* The source address for a request about @p tip: the port address on its subnet, else the first. */
static uint32_t
port_src_for(const struct sp_port *p, uint32_t tip)
{
	uint8_t i;

	for (i = 0; i < p->n_addrs; i++) {
		uint32_t mask = p->addrs[i].plen == 0 ? 0 : UINT32_MAX << (32 - p->addrs[i].plen);

		if ((p->addrs[i].ip & mask) == (tip & mask))
			return p->addrs[i].ip;
	}
	return p->n_addrs > 0 ? p->addrs[0].ip : 0;
}

/* A sender IP that can never be a neighbour (RFC 1122 2.3.2.1 / 3.2.1.3 martians). */
static bool
bad_sender_ip(const struct sp_stack *st, uint32_t ip)
{
	enum sp_ipv4_class cls = sp_ipv4_class(ip);

	/* 0.0.0.0 is allowed: an ARP probe's sender (RFC 5227 2.1.1). */
	return cls == SP_IPV4_MULTICAST || cls == SP_IPV4_LOOPBACK || sp_is_broadcast(st, ip) ||
	       sp_local_port(st, ip) >= 0;
}

/* Build a 28-byte ARP packet (and nothing else) in a fresh mbuf. */
static struct rte_mbuf *
arp_alloc(struct sp_ctx *ctx, uint16_t port, const struct sp_arp *a)
{
	struct rte_mbuf *m = sp_alloc(ctx, port);
	void *d;

	if (m == NULL)
		return NULL;
	d = rte_pktmbuf_append(m, ARP_LEN);
	if (d == NULL) {
		SP_STAT(ctx, port, tx_nombuf);
		rte_pktmbuf_free(m);
		return NULL;
	}
	sp_arp_build(d, a);
	return m;
}

static void
arp_fill(struct sp_arp *a, uint16_t op, const struct rte_ether_addr *sha, uint32_t spa,
	const struct rte_ether_addr *tha, uint32_t tpa)
{
	a->htype = RTE_ARP_HRD_ETHER;
	a->ptype = RTE_ETHER_TYPE_IPV4;
	a->hlen = RTE_ETHER_ADDR_LEN;
	a->plen = 4;
	a->op = op;
	a->sha = *sha;
	a->spa = spa;
	if (tha != NULL)
		a->tha = *tha;
	else
		memset(&a->tha, 0, sizeof(a->tha));
	a->tpa = tpa;
}

/*
 * Answer @p req (asking for @p req->tpa, ours). The received mbuf is reused when it is a plain
 * single-segment buffer we own alone: the reply has the request's size, and the Ethernet header
 * goes back into the headroom the received one occupied.
 */
static void
arp_reply(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_arp *req)
{
	const struct sp_port *p = &ctx->stack->ports[port];
	struct sp_arp rep;

	arp_fill(&rep, RTE_ARP_OP_REPLY, &p->mac, req->tpa, &req->sha, req->spa);
	if (RTE_MBUF_DIRECT(m) && rte_mbuf_refcnt_read(m) == 1 && m->nb_segs == 1 &&
		m->data_len >= ARP_LEN) {
		/* Drop the Ethernet padding (a 60-byte minimum frame carries 18 bytes of it). */
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - ARP_LEN));
		m->ol_flags = 0;
		m->packet_type = 0;
		sp_arp_build(rte_pktmbuf_mtod(m, void *), &rep);
	} else {
		rte_pktmbuf_free(m);
		m = arp_alloc(ctx, port, &rep);
		if (m == NULL)
			return;
	}
	SP_STAT(ctx, port, arp_tx_replies);
	sp_eth_output(ctx, port, m, &req->sha, RTE_ETHER_TYPE_ARP);
}

void
sp_arp_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m)
{
	const struct sp_stack *st = ctx->stack;
	const struct sp_port *p = &st->ports[port];
	uint8_t buf[sizeof(struct rte_arp_hdr)];
	const void *h;
	struct sp_arp a;
	int r;

	/* The 28 bytes may straddle segments of a chained mbuf: read them into buf then. */
	h = rte_pktmbuf_read(m, 0, RTE_MIN((uint32_t)sizeof(buf), m->pkt_len), buf);
	if (h == NULL)
		goto drop_len;
	r = sp_arp_parse(h, RTE_MIN((size_t)sizeof(buf), (size_t)m->pkt_len), &a);
	if (r == SP_WIRE_TRUNC)
		goto drop_len;
	if (r == SP_WIRE_BAD_FIELD) {
		if (a.htype != RTE_ARP_HRD_ETHER || a.hlen != RTE_ETHER_ADDR_LEN)
			goto drop_hw;
		goto drop_proto;
	}
	if (a.op == RTE_ARP_OP_REQUEST)
		SP_STAT(ctx, port, arp_rx_requests);
	else if (a.op == RTE_ARP_OP_REPLY)
		SP_STAT(ctx, port, arp_rx_replies);
	else
		goto drop_op;

	/* RFC 826: the sender's hardware address is what we would store; it must be a station. */
	if (rte_is_zero_ether_addr(&a.sha) || rte_is_multicast_ether_addr(&a.sha))
		goto drop_sender;

	if (a.spa == 0) {
		/* RFC 5227 2.1.1 probe: answer one for our address (defend it), learn nothing. */
		if (a.op == RTE_ARP_OP_REQUEST && port_has_addr(p, a.tpa)) {
			SP_STAT(ctx, port, arp_probe_rx);
			arp_reply(ctx, port, m, &a);
			return;
		}
		goto drop_sender;
	}
	/* Someone claiming one of our addresses is a conflict, never a neighbour. */
	if (bad_sender_ip(st, a.spa))
		goto drop_sender;

	if (!port_has_addr(p, a.tpa)) {
		/* Gratuitous ARP (RFC 5227 3, RFC 826 "merge"): refresh a neighbour we know. */
		if (a.spa == a.tpa) {
			if (sp_neigh_confirm(ctx, port, a.spa, &a.sha, false) < 0)
				goto drop_unsolicited;
			rte_pktmbuf_free(m);
			return;
		}
		goto drop_not_for_us;
	}

	if (a.op == RTE_ARP_OP_REQUEST) {
		/* RFC 826: the requester will talk to us next, so keep its address (create). */
		sp_neigh_confirm(ctx, port, a.spa, &a.sha, true);
		arp_reply(ctx, port, m, &a);
		return;
	}
	/* A reply to us: only an entry we created (by asking) or already know is updated. */
	if (sp_neigh_confirm(ctx, port, a.spa, &a.sha, false) < 0)
		goto drop_unsolicited;
	rte_pktmbuf_free(m);
	return;

drop_len:
	SP_STAT(ctx, port, arp_bad_len);
	goto drop;
drop_hw:
	SP_STAT(ctx, port, arp_bad_hw);
	goto drop;
drop_proto:
	SP_STAT(ctx, port, arp_bad_proto);
	goto drop;
drop_op:
	SP_STAT(ctx, port, arp_bad_op);
	goto drop;
drop_sender:
	SP_STAT(ctx, port, arp_bad_sender);
	goto drop;
drop_not_for_us:
	SP_STAT(ctx, port, arp_not_for_us);
	goto drop;
drop_unsolicited:
	SP_STAT(ctx, port, arp_unsolicited);
drop:
	rte_pktmbuf_free(m);
}

int
sp_arp_probe(struct sp_ctx *ctx, uint16_t port, uint32_t tip, const struct rte_ether_addr *dst)
{
	const struct sp_port *p = &ctx->stack->ports[port];
	struct rte_mbuf *m;
	struct sp_arp a;

	/* RFC 826: target hardware address unknown (zero) in a request. */
	arp_fill(&a, RTE_ARP_OP_REQUEST, &p->mac, port_src_for(p, tip), NULL, tip);
	m = arp_alloc(ctx, port, &a);
	if (m == NULL)
		return -ENOBUFS;
	SP_STAT(ctx, port, arp_tx_requests);
	if (dst == NULL) {
		struct rte_ether_addr bc;

		memset(&bc, 0xff, sizeof(bc));
		sp_eth_output(ctx, port, m, &bc, RTE_ETHER_TYPE_ARP);
	} else {
		sp_eth_output(ctx, port, m, dst, RTE_ETHER_TYPE_ARP);
	}
	return 0;
}

int
sp_arp_request(struct sp_ctx *ctx, uint16_t port, uint32_t tip)
{
	return sp_arp_probe(ctx, port, tip, NULL);
}

void
sp_arp_gratuitous(struct sp_ctx *ctx, uint16_t port)
{
	const struct sp_port *p = &ctx->stack->ports[port];
	struct rte_ether_addr bc;
	uint8_t i;

	memset(&bc, 0xff, sizeof(bc));
	for (i = 0; i < p->n_addrs; i++) {
		struct rte_mbuf *m;
		struct sp_arp a;

		/*
		 * RFC 5227 3 announcement: a broadcast request with sender = target = our address,
		 * so neighbours holding an old MAC for it update their caches.
		 */
		arp_fill(&a, RTE_ARP_OP_REQUEST, &p->mac, p->addrs[i].ip, NULL, p->addrs[i].ip);
		m = arp_alloc(ctx, port, &a);
		if (m == NULL)
			return;
		SP_STAT(ctx, port, arp_tx_gratuitous);
		sp_eth_output(ctx, port, m, &bc, RTE_ETHER_TYPE_ARP);
	}
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet demultiplexing (IEEE 802.3 / RFC 894 framing) and the Ethernet header of outgoing
 * packets. What reaches the IPv4 and ARP code has been checked here: a unicast frame to this
 * port's MAC or a broadcast, from a unicast source, untagged, its 14-byte header contiguous in
 * the first segment.
 */
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "sp_proto.h"

void
sp_eth_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m)
{
	const struct sp_port *p = &ctx->stack->ports[port];
	const struct rte_ether_hdr *eh;
	uint16_t type;

	if (unlikely(m->pkt_len < RTE_ETHER_HDR_LEN))
		goto drop_runt;
	/* A chained frame whose first segment cuts the header: the header view needs it whole. */
	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN))
		goto drop_split;
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	/*
	 * Destination: ours or broadcast. Multicast is not joined (no IGMP), and other unicast
	 * is what a promiscuous tap or a switch flooding unknown destinations hands us.
	 */
	if (!rte_is_same_ether_addr(&eh->dst_addr, &p->mac)) {
		if (rte_is_broadcast_ether_addr(&eh->dst_addr))
			;
		else if (rte_is_multicast_ether_addr(&eh->dst_addr))
			goto drop_multicast;
		else
			goto drop_not_for_us;
	}
	/*
	 * IEEE 802: a group address is never a source, nor is all zeros (Linux's bridge drops both,
	 * is_valid_ether_addr()); learning one would poison the neighbour table.
	 */
	if (unlikely(!rte_is_valid_assigned_ether_addr(&eh->src_addr)))
		goto drop_bad_src;

	type = rte_be_to_cpu_16(eh->ether_type);
	m->l2_len = RTE_ETHER_HDR_LEN;
	switch (type) {
	case RTE_ETHER_TYPE_IPV4:
		rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
		sp_ipv4_input(ctx, port, m);
		return;
	case RTE_ETHER_TYPE_ARP:
		/* design.md "ARP off by default": with ARP off the stack answers no ARP at all. */
		if (!p->arp)
			goto drop_arp_off;
		rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
		sp_arp_input(ctx, port, m);
		return;
	case RTE_ETHER_TYPE_VLAN:
	case RTE_ETHER_TYPE_QINQ:
	case RTE_ETHER_TYPE_QINQ1:
	case RTE_ETHER_TYPE_QINQ2:
	case RTE_ETHER_TYPE_QINQ3:
		goto drop_vlan;
	default:
		goto drop_unknown;
	}

drop_runt:
	SP_STAT(ctx, port, eth_runt);
	goto drop;
drop_split:
	SP_STAT(ctx, port, eth_hdr_split);
	goto drop;
drop_multicast:
	SP_STAT(ctx, port, eth_multicast);
	goto drop;
drop_not_for_us:
	SP_STAT(ctx, port, eth_not_for_us);
	goto drop;
drop_bad_src:
	SP_STAT(ctx, port, eth_bad_src);
	goto drop;
drop_arp_off:
	SP_STAT(ctx, port, eth_arp_off);
	goto drop;
drop_vlan:
	SP_STAT(ctx, port, eth_vlan);
	goto drop;
drop_unknown:
	SP_STAT(ctx, port, eth_unknown_type);
drop:
	rte_pktmbuf_free(m);
}

void
sp_eth_output(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m,
	const struct rte_ether_addr *dst, uint16_t ethertype)
{
	struct rte_ether_hdr *eh;

	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
	if (unlikely(eh == NULL))
		goto drop_no_headroom;
	eh->dst_addr = *dst;
	eh->src_addr = ctx->stack->ports[port].mac;
	eh->ether_type = rte_cpu_to_be_16(ethertype);
	/* TX checksum offloads locate the L3 header through l2_len. */
	m->l2_len = RTE_ETHER_HDR_LEN;
	sp_tx_enqueue(ctx, port, m);
	return;

drop_no_headroom:
	SP_STAT(ctx, port, eth_tx_no_headroom);
	rte_pktmbuf_free(m);
}

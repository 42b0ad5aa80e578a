/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 input (validation, local delivery, forwarding) and output (RFC 791, RFC 1122 3.2.1,
 * RFC 1812 5.2-5.3 for forwarding).
 *
 * Input reads the header once into struct sp_ipv4 (lib/wire) and never byte-swaps it in place;
 * the only in-place writes are the TTL and checksum of a forwarded datagram.
 */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "sp_api.h" /* SP_IP_DEFAULT_TTL */
#include "sp_log.h"
#include "sp_proto.h"

/* Most fragments one datagram can need: 65535 bytes at the smallest MTU (68: 48 per fragment). */
#define SP_IPV4_MAX_FRAGS 1366

/* Flags that describe the mbuf itself, not offloads: kept when a received mbuf is reused. */
#define SP_MBUF_STATE_FLAGS (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)

/*
 * Sources that cannot be a single host (RFC 1122 3.2.1.3, RFC 1812 5.3.7): this network 0/8,
 * loopback 127/8, multicast 224/4 and reserved 240/4 (incl. limited broadcast), a directed
 * broadcast of one of our subnets, and our own addresses (a reflection or a spoof).
 */
static bool
martian_src(const struct sp_stack *st, uint32_t src)
{
	return sp_ipv4_class(src) != SP_IPV4_UNICAST || sp_is_broadcast(st, src) ||
	       sp_local_port(st, src) >= 0;
}

/* The frame of @p m (data at the IP header, l2_len set) was sent to a group MAC address. */
static bool
l2_group_dst(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh;

	if (m->l2_len < sizeof(struct rte_ether_hdr))
		return false;
	eh = rte_pktmbuf_mtod_offset(m, const struct rte_ether_hdr *, -(int)m->l2_len);
	return !rte_is_unicast_ether_addr(&eh->dst_addr);
}

/* Cut a (possibly chained) mbuf to @p len bytes; trailing segments are freed. */
static void
mbuf_trim_to(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *seg = m, *rest;
	uint32_t off = 0;
	uint16_t nseg = 1;

	if (m->pkt_len <= len)
		return;
	while (off + seg->data_len < len) {
		off += seg->data_len;
		seg = seg->next;
		nseg++;
	}
	seg->data_len = (uint16_t)(len - off);
	rest = seg->next;
	seg->next = NULL;
	m->pkt_len = len;
	m->nb_segs = nseg;
	if (rest != NULL)
		rte_pktmbuf_free(rest);
}

static void
ipv4_deliver(
	struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip, bool bcast)
{
	/* Upper-layer convention (sp_proto.h): data at L4, l3_len = IHL, pkt_len = payload. */
	m->l3_len = ip->ihl;
	rte_pktmbuf_adj(m, ip->ihl);
	switch (ip->proto) {
	case IPPROTO_ICMP:
		SP_STAT(ctx, port, ip_in_delivers);
		sp_icmp_input(ctx, port, m, ip);
		return;
	case IPPROTO_UDP:
		SP_STAT(ctx, port, ip_in_delivers);
		sp_udp_input(ctx, port, m, ip);
		return;
	case IPPROTO_TCP:
		/* RFC 1122 4.2.3.10: a SYN (or any segment) to a broadcast is not for TCP. */
		if (bcast)
			goto drop_bcast_tcp;
		SP_STAT(ctx, port, ip_in_delivers);
		sp_tcp_input(ctx, port, m, ip);
		return;
	default:
		goto drop_unknown_proto;
	}
drop_bcast_tcp:
	SP_STAT(ctx, port, ip_bcast_tcp);
	rte_pktmbuf_free(m);
	return;
drop_unknown_proto:
	/* RFC 1122 3.2.2.1: protocol unreachable (suppressed for broadcasts by the ICMP rules). */
	SP_STAT(ctx, port, ip_unknown_proto);
	sp_icmp_send_error(ctx, port, m, ip, SP_ICMP_DEST_UNREACH, SP_ICMP_UNREACH_PROTOCOL, 0);
	rte_pktmbuf_free(m);
}

/* RFC 1812 5.2-5.3: forward a datagram that is not ours (stack.forwarding = on). */
static void
ipv4_forward(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip)
{
	const struct sp_stack *st = ctx->stack;
	struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_mbuf *frags[SP_IPV4_MAX_FRAGS];
	struct sp_nexthop nh;
	uint16_t mtu, old_w, new_w;
	uint32_t next;
	int n, i;

	/* Errors about this datagram quote it from its IP header (l3_len = 0 convention). */
	m->l3_len = 0;
	/* RFC 1812 5.3.4: a link-layer broadcast is never forwarded. */
	if (l2_group_dst(m))
		goto drop_not_for_us;
	/* RFC 1812 5.3.1: TTL 1 or 0 cannot be decremented and forwarded. */
	if (ip->ttl <= 1)
		goto drop_ttl;
	if (sp_route_lookup(st, ip->dst, &nh) < 0)
		goto drop_no_route;
	mtu = st->ports[nh.port].mtu;
	if (m->pkt_len > mtu && ip->df)
		goto drop_df;

	/* TTL decrement with an incremental checksum update (RFC 1624); TTL shares a word. */
	old_w = (uint16_t)(ip->ttl << 8 | ip->proto);
	new_w = (uint16_t)((ip->ttl - 1) << 8 | ip->proto);
	h->time_to_live = (uint8_t)(ip->ttl - 1);
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_NONE) {
		/* The field was never right (the PMD vouched for the header): compute it. */
		h->hdr_checksum = 0;
		h->hdr_checksum = rte_ipv4_cksum(h);
	} else {
		h->hdr_checksum = rte_cpu_to_be_16(
			sp_cksum_adjust16(rte_be_to_cpu_16(h->hdr_checksum), old_w, new_w));
	}
	m->ol_flags &= SP_MBUF_STATE_FLAGS;
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = ip->ihl;
	next = nh.gw != 0 ? nh.gw : ip->dst;
	SP_STAT(ctx, nh.port, ip_forwarded);
	if (m->pkt_len <= mtu) {
		sp_neigh_output(ctx, nh.port, next, ip->dst, m);
		return;
	}
	n = sp_frag_fragment(ctx, m, mtu, frags, RTE_DIM(frags));
	if (n < 0) {
		SP_STAT(ctx, nh.port, ip_frag_fails);
		return;
	}
	SP_STAT_ADD(ctx, nh.port, ip_frag_out, n);
	for (i = 0; i < n; i++)
		sp_neigh_output(ctx, nh.port, next, ip->dst, frags[i]);
	return;

drop_not_for_us:
	SP_STAT(ctx, port, ip_not_for_us);
	rte_pktmbuf_free(m);
	return;
drop_ttl:
	SP_STAT(ctx, port, ip_ttl_exceeded);
	sp_icmp_send_error(ctx, port, m, ip, SP_ICMP_TIME_EXCEEDED, SP_ICMP_TIMXCEED_INTRANS, 0);
	rte_pktmbuf_free(m);
	return;
drop_no_route:
	/* RFC 1812 5.2.7.1: destination unreachable, code 0 (network unreachable). */
	SP_STAT(ctx, port, ip_no_route);
	sp_icmp_send_error(ctx, port, m, ip, SP_ICMP_DEST_UNREACH, SP_ICMP_UNREACH_NET, 0);
	rte_pktmbuf_free(m);
	return;
drop_df:
	/* RFC 1191 section 4: fragmentation needed, with the next-hop MTU in the low 16 bits. */
	SP_STAT(ctx, port, ip_df_too_big);
	sp_icmp_send_error(ctx, port, m, ip, SP_ICMP_DEST_UNREACH, SP_ICMP_UNREACH_NEEDFRAG, mtu);
	rte_pktmbuf_free(m);
}

void
sp_ipv4_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m)
{
	const struct sp_stack *st = ctx->stack;
	const uint8_t *h = rte_pktmbuf_mtod(m, const uint8_t *);
	uint64_t rx_cksum = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	struct sp_ipv4 ip;
	bool bcast = false, bad_opts = false;
	int ret;

	SP_STAT(ctx, port, ip_in_receives);
	if (m->pkt_len < sizeof(struct rte_ipv4_hdr))
		goto drop_runt;
	ret = sp_ipv4_parse_ext(h, m->data_len, m->pkt_len, &ip);
	switch (ret) {
	case SP_WIRE_OK:
		break;
	case SP_WIRE_TRUNC:
		goto drop_split; /* pkt_len >= 20 but the first segment is shorter */
	case SP_WIRE_BAD_VERSION:
		goto drop_version;
	case SP_WIRE_BAD_HLEN:
		if (ip.ihl >= sizeof(struct rte_ipv4_hdr) && ip.ihl <= m->pkt_len &&
			ip.ihl > m->data_len)
			goto drop_split;
		goto drop_ihl;
	case SP_WIRE_BAD_LEN:
		goto drop_len;
	case SP_WIRE_BAD_OPTS:
		bad_opts = true; /* the rest of the header was read: check its checksum first */
		break;
	default:
		goto drop_len;
	}
	/*
	 * Trust the PMD's verdict when it gives one (RX IPv4 checksum offload), else compute.
	 * _NONE means the PMD verified the header although the field in the data is not right.
	 */
	if (rx_cksum == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		goto drop_cksum;
	if (rx_cksum != RTE_MBUF_F_RX_IP_CKSUM_GOOD && rx_cksum != RTE_MBUF_F_RX_IP_CKSUM_NONE &&
		!sp_ipv4_cksum_ok(h, ip.ihl))
		goto drop_cksum;
	/* Ethernet pads short frames to 60 bytes: the IP total length is what counts. */
	mbuf_trim_to(m, ip.total_len);
	if (bad_opts)
		goto drop_options;
	if (martian_src(st, ip.src))
		goto drop_martian_src;
	/*
	 * A source route (LSRR, SSRR) is not honoured: RFC 1122 3.3.5 would have us follow it and
	 * reverse it in replies, which lets any host steer our answers past filters; RFC 7126
	 * 4.3-4.4 advise dropping such datagrams, as Linux does (accept_source_route = 0). Taken
	 * as ours, one with hops left was answered as if we were its final destination, and its
	 * TCP checksum (whose pseudo-header holds the final destination) failed.
	 */
	if (ip.srr)
		goto drop_src_routed;

	if (sp_local_port(st, ip.dst) < 0) {
		if (sp_is_broadcast(st, ip.dst))
			bcast = true;
		else if (sp_ipv4_class(ip.dst) == SP_IPV4_MULTICAST)
			goto drop_multicast;
		else if (sp_ipv4_class(ip.dst) != SP_IPV4_UNICAST)
			goto drop_martian_dst;
		else if (ctx->cfg->stack.forwarding) {
			ipv4_forward(ctx, port, m, &ip);
			return;
		} else
			goto drop_not_for_us;
	}
	/*
	 * RFC 1122 3.3.6: a datagram that came as a link-layer broadcast must be for an IP
	 * broadcast address; one for our unicast address is silently discarded (Linux's TCP
	 * drops it too: pkt_type != PACKET_HOST). It was taken: a SYN to ff:ff:ff:ff:ff:ff for
	 * our address drew a SYN-ACK, an echo a reply, and with ARP off its sender was learned.
	 */
	if (!bcast && l2_group_dst(m))
		goto drop_l2_bcast;

	/*
	 * Weak host model (RFC 1122 3.3.4.2): any of our addresses is accepted on any port.
	 * ARP off: the sender's MAC is how we will reach it (design.md "ARP off by default").
	 */
	if (!st->ports[port].arp && m->l2_len >= sizeof(struct rte_ether_hdr)) {
		const struct rte_ether_hdr *eh =
			rte_pktmbuf_mtod_offset(m, const struct rte_ether_hdr *, -(int)m->l2_len);

		sp_neigh_learn(ctx, port, ip.src, &eh->src_addr);
	}
	if (ip.mf || ip.frag_off != 0) {
		m->l3_len = ip.ihl;
		m = sp_frag_reassemble(ctx, port, m, &ip);
		if (m == NULL)
			return;
		/*
		 * The datagram now carries the first fragment's header (its options, its IHL),
		 * which need not be the header of the fragment that completed it: read it again.
		 */
		if (sp_ipv4_parse_ext(rte_pktmbuf_mtod(m, const void *), m->data_len, m->pkt_len,
			    &ip) != SP_WIRE_OK)
			goto drop_len;
	}
	ipv4_deliver(ctx, port, m, &ip, bcast);
	return;

drop_runt:
	SP_STAT(ctx, port, ip_runt);
	goto drop;
drop_split:
	SP_STAT(ctx, port, ip_hdr_split);
	goto drop;
drop_version:
	SP_STAT(ctx, port, ip_bad_version);
	goto drop;
drop_ihl:
	SP_STAT(ctx, port, ip_bad_ihl);
	goto drop;
drop_len:
	SP_STAT(ctx, port, ip_bad_len);
	goto drop;
drop_options:
	/*
	 * RFC 1122 3.2.2.5: a host SHOULD send a parameter problem, pointing at the octet at fault
	 * (RFC 792), as Linux's ip_options_compile() does; the ICMP rules suppress it for
	 * broadcasts, fragments other than the first and sources that are not a single host.
	 */
	SP_STAT(ctx, port, ip_bad_options);
	/* Only about a datagram we would have taken: ours, or one to forward (as Linux, whose
	 * route lookup drops the others first). */
	if (sp_local_port(st, ip.dst) >= 0 ||
		(ctx->cfg->stack.forwarding && sp_ipv4_class(ip.dst) == SP_IPV4_UNICAST)) {
		m->l3_len = 0; /* the error quotes the datagram from its IP header */
		sp_icmp_send_error(
			ctx, port, m, &ip, SP_ICMP_PARAM_PROBLEM, 0, (uint32_t)ip.opt_err << 24);
	}
	goto drop;
drop_cksum:
	SP_STAT(ctx, port, ip_bad_cksum);
	goto drop;
drop_martian_src:
	SP_STAT(ctx, port, ip_martian_src);
	goto drop;
drop_martian_dst:
	SP_STAT(ctx, port, ip_martian_dst);
	goto drop;
drop_src_routed:
	SP_STAT(ctx, port, ip_src_routed);
	goto drop;
drop_multicast:
	SP_STAT(ctx, port, ip_in_multicast);
	goto drop;
drop_l2_bcast:
	SP_STAT(ctx, port, ip_l2_bcast_unicast);
	goto drop;
drop_not_for_us:
	SP_STAT(ctx, port, ip_not_for_us);
drop:
	rte_pktmbuf_free(m);
}

/* RFC 1122 3.3.4.3: prefer the port address on the next hop's subnet, else its first one. */
static uint32_t
select_src(const struct sp_port *pt, uint32_t next)
{
	uint8_t a;

	for (a = 0; a < pt->n_addrs; a++) {
		uint32_t mask = pt->addrs[a].plen ? UINT32_MAX << (32 - pt->addrs[a].plen) : 0;

		if ((next & mask) == (pt->addrs[a].ip & mask))
			return pt->addrs[a].ip;
	}
	return pt->n_addrs > 0 ? pt->addrs[0].ip : 0;
}

uint32_t
sp_ipv4_nexthop_source(const struct sp_stack *st, const struct sp_nexthop *nh, uint32_t dst)
{
	return select_src(&st->ports[nh->port], nh->gw != 0 ? nh->gw : dst);
}

uint32_t
sp_ipv4_source(const struct sp_stack *st, uint32_t dst)
{
	struct sp_nexthop nh;

	if (sp_route_lookup(st, dst, &nh) < 0)
		return 0;
	return sp_ipv4_nexthop_source(st, &nh, dst);
}

/*
 * IPv4 Identification (RFC 6864, RFC 7739 5.1; what Linux does with ip_idents). One global
 * counter would let any host count our datagrams and use us as an idle-scan zombie, so:
 *
 * - a keyed hash of (source, destination, protocol) under a secret drawn at start picks one of
 *   SP_IP_ID_BUCKETS counters and an offset; datagrams of one (src, dst, proto) take
 *   consecutive counter values, so their IDs are unique until that counter wraps (RFC 6864
 *   4.1 asks this of fragmentable datagrams; the fragments of one datagram share its ID, since
 *   sp_frag_fragment() copies the header). Another destination sees another counter and offset.
 * - a bucket unused for a while jumps forward by a random amount below the milliseconds it was
 *   idle (at most half its range, so a jump never wraps onto recent IDs): what one peer sees of
 *   a bucket it shares with others does not count their datagrams.
 * - the tables are per lcore (no shared writes). Two lcores may send to the same (src, dst,
 *   proto) (ICMP, UDP), so each lcore owns a disjoint share of the ID space: with 2^k >=
 *   n_workers, the low k bits of (ID - offset) are the worker index and the counter supplies the
 *   rest; each lcore's IDs for a flow repeat only after 2^(16-k) of its datagrams.
 * Atomic datagrams (DF set) take the same path: cheap, and one rule to reason about.
 */
static uint16_t
ipv4_select_id(struct sp_ctx *ctx, uint32_t src, uint32_t dst, uint8_t proto)
{
	const struct sp_stack *st = ctx->stack;
	uint32_t key[7], h, now_ms, idle, span;
	struct sp_ip_id_bucket *b;
	struct sp_ip_id_hash *hc;
	unsigned k = 0;
	uint16_t delta = 0;

	while ((1u << k) < st->n_workers && k < 8)
		k++;
	/*
	 * The keyed hash (a jhash of 28 bytes, about 100 instructions) is the same for every
	 * datagram of a flow: recent ones are kept per lcore, direct-mapped by destination.
	 */
	hc = &ctx->ip_id_hash[(dst ^ (dst >> 8)) & (SP_IP_ID_HASH_SLOTS - 1)];
	if (hc->proto == proto && hc->dst == dst && hc->src == src && proto != 0) {
		h = hc->h;
	} else {
		memcpy(key, st->ip_id_secret, sizeof(st->ip_id_secret));
		key[4] = src;
		key[5] = dst;
		key[6] = proto;
		h = rte_jhash(key, sizeof(key), 0);
		*hc = (struct sp_ip_id_hash){.src = src, .dst = dst, .h = h, .proto = proto};
	}
	b = &ctx->ip_ids[h % SP_IP_ID_BUCKETS];
	now_ms = (uint32_t)(ctx->now / RTE_MAX(ctx->hz / 1000, (uint64_t)1));
	span = (UINT16_MAX + 1u) >> k;
	idle = now_ms - b->last_ms;
	if (b->last_ms != 0 && idle != 0)
		delta = (uint16_t)rte_rand_max(RTE_MIN(idle, span / 2));
	b->last_ms = now_ms != 0 ? now_ms : 1;
	b->ctr = (uint16_t)(b->ctr + delta + 1);
	return (uint16_t)((h >> 16) + ((uint32_t)b->ctr << k) + (ctx->worker & ((1u << k) - 1)));
}

/*
 * The IPv4 header at @p h (@p ihl bytes, in @p m already) from @p o, the mbuf's offload flags
 * and lengths, and the L4 checksum that m->ol_flags asks for: in the field as the pseudo-header
 * sum when @p pt offloads it, else computed here. @p frag: the datagram will be fragmented
 * (software checksums). @return 0, or -EINVAL when the L4 header is not in the first segment.
 */
static int
ipv4_hdr_fill(struct sp_ctx *ctx, const struct sp_port *pt, struct rte_mbuf *m,
	struct rte_ipv4_hdr *h, const struct sp_ipv4_out *o, uint16_t ihl, uint32_t next, bool frag)
{
	uint64_t l4 = m->ol_flags & RTE_MBUF_F_TX_L4_MASK;
	/* TCP's TSO segment (tcp_out.c): the PMD cuts it to the MTU, never IP. */
	uint64_t tso = m->ol_flags & RTE_MBUF_F_TX_TCP_SEG;
	/* Offloads cannot work per fragment: a fragmented datagram gets software checksums. */
	bool hw_ip = pt->tx_ip_cksum && !frag;
	struct sp_ipv4 ip;

	memset(&ip, 0, sizeof(ip));
	ip.ihl = (uint8_t)ihl;
	ip.tos = o->tos;
	ip.total_len = (uint16_t)m->pkt_len;
	ip.df = o->df;
	ip.ttl = o->ttl != 0 ? o->ttl : SP_IP_DEFAULT_TTL;
	ip.proto = o->proto;
	ip.src = o->src != 0 ? o->src : select_src(pt, next);
	ip.dst = o->dst;
	ip.id = ipv4_select_id(ctx, ip.src, ip.dst, ip.proto);
	sp_ipv4_build(h, &ip, !hw_ip && o->optlen == 0);
	if (o->optlen != 0) {
		/* Options follow the fixed header; IHL and checksum cover them (RFC 791 3.1). */
		h->version_ihl = (uint8_t)(RTE_IPV4_VHL_DEF - 5 + ihl / 4);
		memcpy(h + 1, o->opts, o->optlen);
		if (!hw_ip)
			h->hdr_checksum = rte_ipv4_cksum(h);
	}

	/* A reused received mbuf still carries RX flags: keep only what describes the mbuf. */
	m->ol_flags &= SP_MBUF_STATE_FLAGS;
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = ihl;
	if (hw_ip)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	m->ol_flags |= tso; /* rte_ipv4_phdr_cksum() below leaves the length out for it */
	if (l4 == RTE_MBUF_F_TX_TCP_CKSUM || l4 == RTE_MBUF_F_TX_UDP_CKSUM) {
		size_t off = ihl + (l4 == RTE_MBUF_F_TX_TCP_CKSUM
						   ? offsetof(struct rte_tcp_hdr, cksum)
						   : offsetof(struct rte_udp_hdr, dgram_cksum));
		uint16_t *ck;

		if (m->data_len < off + sizeof(*ck))
			return -EINVAL;
		ck = rte_pktmbuf_mtod_offset(m, uint16_t *, off);
		if (pt->tx_l4_cksum && !frag) {
			/* The PMD wants the pseudo-header sum in the checksum field. */
			m->ol_flags |= RTE_MBUF_F_TX_IPV4 | l4;
			*ck = rte_ipv4_phdr_cksum(h, m->ol_flags);
		} else {
			*ck = 0;
			*ck = sp_cksum_l4(m, ihl, ip.src, ip.dst, ip.proto);
			/* UDP: 0 means "no checksum", a computed 0 goes as all ones (RFC 768). */
			if (*ck == 0 && l4 == RTE_MBUF_F_TX_UDP_CKSUM)
				*ck = 0xffff;
		}
	}
	return 0;
}

/* sp_ipv4_output(); @p path (may be NULL): filled with the route and neighbour entry found. */
static int
ipv4_output(struct sp_ctx *ctx, struct rte_mbuf *m, const struct sp_ipv4_out *o,
	struct sp_ip_path *path)
{
	const struct sp_stack *st = ctx->stack;
	/* TCP's TSO segment (tcp_out.c): the PMD cuts it to the MTU, never IP. */
	uint64_t tso = m->ol_flags & RTE_MBUF_F_TX_TCP_SEG;
	struct rte_mbuf *frags[SP_IPV4_MAX_FRAGS];
	const struct sp_port *pt;
	struct rte_ipv4_hdr *h;
	struct sp_nexthop nh;
	uint32_t next;
	uint16_t ihl;
	int n, i, ret = 0, r;
	bool frag;

	if (sp_route_lookup(st, o->dst, &nh) < 0)
		goto drop_no_route;
	pt = &st->ports[nh.port];
	next = nh.gw != 0 ? nh.gw : o->dst;
	if (path != NULL)
		*path = (struct sp_ip_path){.neigh = sp_neigh_path_entry(ctx, nh.port, next),
			.dst = o->dst,
			.nexthop = next,
			.port = nh.port};
	if (o->optlen > SP_IPV4_MAX_OPTS || (o->optlen & 3) != 0)
		goto drop_inval;
	ihl = (uint16_t)(sizeof(*h) + o->optlen);
	if (m->pkt_len + ihl > UINT16_MAX)
		goto drop_too_big;
	h = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, ihl);
	if (h == NULL)
		goto drop_nobufs;
	frag = m->pkt_len > pt->mtu && tso == 0;
	if (frag && o->df)
		goto drop_too_big;
	if (tso != 0 && !pt->tx_tso)
		goto drop_inval;
	if (ipv4_hdr_fill(ctx, pt, m, h, o, ihl, next, frag) < 0)
		goto drop_inval;
	SP_STAT(ctx, nh.port, ip_out_requests);
	if (!frag)
		return sp_neigh_output(ctx, nh.port, next, o->dst, m);

	n = sp_frag_fragment(ctx, m, pt->mtu, frags, RTE_DIM(frags));
	if (n < 0) {
		SP_STAT(ctx, nh.port, ip_frag_fails);
		return n == -ENOMEM ? -ENOBUFS : n;
	}
	SP_STAT_ADD(ctx, nh.port, ip_frag_out, n);
	for (i = 0; i < n; i++) {
		r = sp_neigh_output(ctx, nh.port, next, o->dst, frags[i]);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;

drop_no_route:
	SP_STAT(ctx, 0, ip_no_route);
	rte_pktmbuf_free(m);
	return -EHOSTUNREACH;
drop_too_big:
	SP_STAT(ctx, nh.port, ip_frag_fails);
	rte_pktmbuf_free(m);
	return -EMSGSIZE;
drop_nobufs:
	SP_STAT(ctx, nh.port, tx_nombuf);
	rte_pktmbuf_free(m);
	return -ENOBUFS;
drop_inval:
	SP_STAT(ctx, nh.port, ip_out_errors);
	rte_pktmbuf_free(m);
	return -EINVAL;
}

int
sp_ipv4_output(struct sp_ctx *ctx, struct rte_mbuf *m, const struct sp_ipv4_out *o)
{
	return ipv4_output(ctx, m, o, NULL);
}

/*
 * The kept path (struct sp_ip_path): what ipv4_output() would find for this datagram, as long as
 * the destination is the same (routes are fixed after start), the datagram needs neither IP
 * options, fragments nor TSO, and the neighbour entry still sends at once; then the IPv4 and
 * Ethernet headers go on without the lookups and the frame to the TX queue, as sp_eth_output()
 * puts it.
 */
int
sp_ipv4_output_path(struct sp_ctx *ctx, struct rte_mbuf *m, const struct sp_ipv4_out *o,
	struct sp_ip_path *path)
{
	const struct sp_port *pt = &ctx->stack->ports[path->port];
	const struct rte_ether_addr *mac;
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *h;

	if (path->neigh == NULL || path->dst != o->dst || o->optlen != 0 ||
		(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) || m->pkt_len + sizeof(*h) > pt->mtu ||
		rte_pktmbuf_headroom(m) < sizeof(*eh) + sizeof(*h))
		return ipv4_output(ctx, m, o, path);
	mac = sp_neigh_path_mac(ctx, path->neigh, path->port, path->nexthop);
	if (mac == NULL)
		return ipv4_output(ctx, m, o, path);
	h = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(*h)); /* room checked above */
	if (ipv4_hdr_fill(ctx, pt, m, h, o, sizeof(*h), path->nexthop, false) < 0) {
		SP_STAT(ctx, path->port, ip_out_errors);
		rte_pktmbuf_free(m);
		return -EINVAL;
	}
	SP_STAT(ctx, path->port, ip_out_requests);
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	eh->dst_addr = *mac;
	eh->src_addr = pt->mac;
	eh->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	sp_tx_enqueue(ctx, path->port, m);
	return 0;
}

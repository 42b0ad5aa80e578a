/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the IPv4/ICMP/UDP/frag/route unit tests: build IPv4 frames with any header
 * field (flags, offset, TTL, options), feed them to sp_ipv4_input(), and a two-port config.
 */
#ifndef L3_TEST_UTIL_H
#define L3_TEST_UTIL_H

#include <string.h>

#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "sp_test.h"

/* Second port of the two-port config: 198.18.1.2/24, peer 198.18.1.1. */
#define T_OUR_IP1  RTE_IPV4(198, 18, 1, 2)
#define T_PEER_IP1 RTE_IPV4(198, 18, 1, 1)
static const struct rte_ether_addr t_peer_mac1 = {{0x02, 0, 0, 0, 1, 0x01}};

struct l3_hdr {
	uint32_t src, dst;
	uint8_t proto, ttl, tos;
	uint16_t id;
	uint16_t frag_off; /* bytes */
	bool df, mf;
	const uint8_t *opts; /* raw options, length a multiple of 4 */
	uint8_t optlen;
	int16_t total_len_delta; /* added to the correct total length */
	bool bad_cksum;
};

static inline struct l3_hdr
l3_default_hdr(uint32_t src, uint32_t dst, uint8_t proto)
{
	struct l3_hdr h;

	memset(&h, 0, sizeof(h));
	h.src = src;
	h.dst = dst;
	h.proto = proto;
	h.ttl = 64;
	h.id = 1;
	return h;
}

/* Write the IP header for @h with @len payload bytes at @buf. @return header length. */
static inline unsigned
l3_write_hdr(uint8_t *buf, const struct l3_hdr *h, size_t len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)buf;
	unsigned ihl = 20 + h->optlen;
	uint16_t fo = (uint16_t)(h->frag_off / 8);

	memset(ip, 0, 20);
	ip->version_ihl = (uint8_t)(0x40 | ihl / 4);
	ip->type_of_service = h->tos;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(ihl + len + h->total_len_delta));
	ip->packet_id = rte_cpu_to_be_16(h->id);
	if (h->df)
		fo |= RTE_IPV4_HDR_DF_FLAG;
	if (h->mf)
		fo |= RTE_IPV4_HDR_MF_FLAG;
	ip->fragment_offset = rte_cpu_to_be_16(fo);
	ip->time_to_live = h->ttl;
	ip->next_proto_id = h->proto;
	ip->src_addr = rte_cpu_to_be_32(h->src);
	ip->dst_addr = rte_cpu_to_be_32(h->dst);
	if (h->optlen)
		memcpy(buf + 20, h->opts, h->optlen);
	ip->hdr_checksum = sp_test_cksum(buf, ihl);
	if (h->bad_cksum)
		ip->hdr_checksum ^= 0x0100;
	return ihl;
}

/* Ethernet (peer -> us, or @src_mac/@dst_mac) + IPv4 per @h + @payload, as one mbuf. */
static inline struct rte_mbuf *
l3_frame_mac(const struct rte_ether_addr *src_mac, const struct rte_ether_addr *dst_mac,
	const struct l3_hdr *h, const void *payload, size_t len)
{
	static uint8_t buf[RTE_MBUF_DEFAULT_DATAROOM];
	unsigned ihl = l3_write_hdr(buf, h, len);

	assert_true(ihl + len <= sizeof(buf) - RTE_ETHER_HDR_LEN);
	if (len)
		memcpy(buf + ihl, payload, len);
	return sp_test_eth(src_mac, dst_mac, RTE_ETHER_TYPE_IPV4, buf, ihl + len);
}

static inline struct rte_mbuf *
l3_frame(const struct l3_hdr *h, const void *payload, size_t len)
{
	return l3_frame_mac(NULL, NULL, h, payload, len);
}

/* A chain of mbufs holding @len bytes, at most @seg bytes per segment. */
static inline struct rte_mbuf *
l3_chain(const uint8_t *bytes, size_t len, size_t seg)
{
	struct rte_mbuf *head = NULL, *m;
	size_t done = 0, n;

	while (done < len || head == NULL) {
		n = RTE_MIN(seg, len - done);
		m = sp_test_frame(bytes + done, n);
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
		done += n;
	}
	return head;
}

/* What eth.c does for an IPv4 frame: data at the IP header, l2_len set; then flush TX. */
static inline void
l3_feed(struct sp_test_env *env, uint16_t port, struct rte_mbuf *m)
{
	m->l2_len = RTE_ETHER_HDR_LEN;
	rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
	sp_ipv4_input(env->ctx, port, m);
	sp_tx_flush(env->ctx);
}

/* ICMP echo request (id, seq, payload pattern) into @buf; @return its length. */
static inline size_t
l3_echo_req(uint8_t *buf, uint16_t id, uint16_t seq, size_t plen)
{
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)buf;
	size_t i;

	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_code = 0;
	ic->icmp_cksum = 0;
	ic->icmp_ident = rte_cpu_to_be_16(id);
	ic->icmp_seq_nb = rte_cpu_to_be_16(seq);
	for (i = 0; i < plen; i++)
		buf[8 + i] = (uint8_t)(i * 13 + 7);
	ic->icmp_cksum = sp_test_cksum(buf, 8 + plen);
	return 8 + plen;
}

/* The harness default plus a second port 198.18.1.2/24 with static neighbour 198.18.1.1. */
static inline void
l3_two_port_cfg(struct sp_config *cfg)
{
	struct sp_port_cfg *p;

	sp_test_default_cfg(cfg);
	cfg->n_ports = 2;
	p = &cfg->ports[1];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "port1");
	p->mtu = 1500;
	p->n_addrs = 1;
	p->addrs[0].ip = T_OUR_IP1;
	p->addrs[0].plen = 24;
	p->n_neigh = 1;
	p->neigh[0].ip = T_PEER_IP1;
	p->neigh[0].mac = t_peer_mac1;
}

/* Sum of one counter over every port of the env's ctx. */
#define T_STAT_ALL(env, name)                                                                \
	((env)->ctx->stats[0].name + (env)->ctx->stats[1].name + (env)->ctx->stats[2].name + \
		(env)->ctx->stats[3].name)

#endif

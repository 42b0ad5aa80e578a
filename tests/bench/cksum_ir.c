/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Driver for counting the instructions of one software TCP checksum under
 * `valgrind --tool=callgrind` (docs/performance.md, "The software checksum"): a one-buffer
 * IPv4/TCP segment (32-byte TCP header, timestamps, as spindle sends it) with @c payload bytes,
 * checksummed 1000 times the way sp_ipv4_output() sends it (tx) or sp_tcp_input_here() verifies
 * it (rx), with spindle's sum (sp) or with the DPDK 22.11 calls spindle used before (dpdk).
 * Each way is a function of its own, so callgrind's inclusive count of it divided by 1000 is
 * the figure. No EAL: the mbuf is a struct over a static buffer, which is all the sums read.
 *
 *   cksum_ir sp|dpdk tx|rx payload
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "sp_wire.h"

#define ROUNDS	 1000
#define TCP_HLEN 32
#define SRC	 0xc6120001u /* 198.18.0.1 */
#define DST	 0xc6120002u

static uint8_t frame[RTE_PKTMBUF_HEADROOM + 20 + TCP_HLEN + 9000] __rte_aligned(64);

static __rte_noinline uint16_t
tx_dpdk(struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *h = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);

	return rte_ipv4_udptcp_cksum_mbuf(m, h, sizeof(*h));
}

static __rte_noinline uint16_t
rx_dpdk(struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *h =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, -(int)m->l3_len);

	return (uint16_t)rte_ipv4_udptcp_cksum_verify(h, rte_pktmbuf_mtod(m, const void *));
}

static __rte_noinline uint16_t
tx_sp(struct rte_mbuf *m)
{
	return sp_cksum_l4(m, sizeof(struct rte_ipv4_hdr), SRC, DST, IPPROTO_TCP);
}

static __rte_noinline uint16_t
rx_sp(struct rte_mbuf *m)
{
	return sp_tcp_cksum(m, SRC, DST);
}

int
main(int argc, char **argv)
{
	struct rte_mbuf m;
	struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)(frame + RTE_PKTMBUF_HEADROOM);
	struct rte_tcp_hdr *t = (struct rte_tcp_hdr *)(h + 1);
	uint16_t (*fn)(struct rte_mbuf *);
	volatile uint16_t out = 0; /* keeps every round's call */
	unsigned long payload;
	bool sp, tx;
	int i;

	if (argc != 4 || (payload = strtoul(argv[3], NULL, 10)) > 9000) {
		fprintf(stderr, "usage: %s sp|dpdk tx|rx payload(<=9000)\n", argv[0]);
		return 2;
	}
	sp = strcmp(argv[1], "sp") == 0;
	tx = strcmp(argv[2], "tx") == 0;
	for (i = 0; i < (int)sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7 + 3);
	memset(h, 0, sizeof(*h));
	h->version_ihl = RTE_IPV4_VHL_DEF;
	h->total_length = rte_cpu_to_be_16((uint16_t)(20 + TCP_HLEN + payload));
	h->next_proto_id = IPPROTO_TCP;
	h->src_addr = rte_cpu_to_be_32(SRC);
	h->dst_addr = rte_cpu_to_be_32(DST);
	t->data_off = (TCP_HLEN / 4) << 4;
	t->cksum = 0;
	t->cksum = rte_ipv4_udptcp_cksum(h, t);

	memset(&m, 0, sizeof(m));
	m.buf_addr = frame;
	m.buf_len = sizeof(frame);
	m.nb_segs = 1;
	m.l2_len = 14;
	m.l3_len = 20;
	/* TX: data at the IPv4 header (sp_ipv4_output()); RX: at the TCP header (tcp_in.c). */
	m.data_off = tx ? RTE_PKTMBUF_HEADROOM : RTE_PKTMBUF_HEADROOM + 20;
	m.data_len = (uint16_t)((tx ? 20 : 0) + TCP_HLEN + payload);
	m.pkt_len = m.data_len;
	fn = sp ? (tx ? tx_sp : rx_sp) : (tx ? tx_dpdk : rx_dpdk);
	for (i = 0; i < ROUNDS; i++)
		out = (uint16_t)(out + fn(&m));
	(void)out; /* only its calls count */
	/* tx gives the field (the segment's own, an intact rx segment sums to 0 either way). */
	printf("%s %s %lu: %#06x\n", argv[1], argv[2], payload, (unsigned)fn(&m));
	return 0;
}

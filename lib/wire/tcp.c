/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP header view (RFC 9293 3.1) and options: MSS (RFC 9293 3.7.1), window scale and
 * timestamps (RFC 7323), SACK-permitted and SACK blocks (RFC 2018).
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "sp_wire.h"

#define OPT_EOL	      0
#define OPT_NOP	      1
#define OPT_MSS	      2
#define OPT_WSCALE    3
#define OPT_SACK_PERM 4
#define OPT_SACK      5
#define OPT_TS	      8

/*
 * Byte loads: the views are made on any offset (an ICMP error quotes a TCP header 62 bytes into
 * the frame, 2 mod 4), and a cast to uint32_t * would be an unaligned load, undefined in C
 * (DPDK's unaligned_uint32_t is a plain uint32_t on x86).
 */
static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/*
 * Options are TLVs after the 20 fixed bytes (RFC 9293 3.1). A kind we do not know is skipped by
 * its length; a length below 2 or past the header is malformed. A known option with the wrong
 * length is ignored, as RFC 9293 3.1 recommends ("robust against ... illegal option length"):
 * only a layout we cannot walk is an error.
 */
static int
parse_opts(const uint8_t *p, size_t len, struct sp_tcp_opts *o)
{
	size_t i = 0;

	while (i < len) {
		uint8_t kind = p[i], olen;

		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return SP_WIRE_BAD_OPTS;
		olen = p[i + 1];
		if (olen < 2 || i + olen > len)
			return SP_WIRE_BAD_OPTS;
		switch (kind) {
		case OPT_MSS:
			if (olen == 4) {
				o->has_mss = true;
				o->mss = (uint16_t)((p[i + 2] << 8) | p[i + 3]);
			}
			break;
		case OPT_WSCALE:
			if (olen == 3) {
				o->has_wscale = true;
				o->wscale = p[i + 2];
			}
			break;
		case OPT_SACK_PERM:
			if (olen == 2)
				o->has_sack_perm = true;
			break;
		case OPT_TS:
			if (olen == 10) {
				o->has_ts = true;
				o->ts_val = get32(p + i + 2);
				o->ts_ecr = get32(p + i + 6);
			}
			break;
		case OPT_SACK:
			if (olen >= 10 && (olen - 2) % 8 == 0) {
				unsigned n = (olen - 2) / 8, k;

				for (k = 0; k < n && o->n_sack < SP_TCP_MAX_SACK; k++) {
					o->sack[o->n_sack].start = get32(p + i + 2 + 8 * k);
					o->sack[o->n_sack].end = get32(p + i + 6 + 8 * k);
					o->n_sack++;
				}
			}
			break;
		default:
			break;
		}
		i += olen;
	}
	return SP_WIRE_OK;
}

int
sp_tcp_parse_head(const void *buf, size_t len, struct sp_tcp_hdr *out)
{
	const uint8_t *b = buf;

	if (len < SP_TCP_HEAD_LEN)
		return SP_WIRE_TRUNC;
	/* Ports and sequence number: the first 8 bytes, inside the buffer. */
	out->sport = get16(b);
	out->dport = get16(b + 2);
	out->seq = get32(b + 4);
	return SP_WIRE_OK;
}

int
sp_tcp_parse(const void *buf, size_t len, struct sp_tcp_hdr *out)
{
	const struct rte_tcp_hdr *h = buf;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(*h))
		return SP_WIRE_TRUNC;
	/* From here the 20 fixed bytes are inside the buffer. */
	out->sport = rte_be_to_cpu_16(h->src_port);
	out->dport = rte_be_to_cpu_16(h->dst_port);
	out->seq = rte_be_to_cpu_32(h->sent_seq);
	out->ack = rte_be_to_cpu_32(h->recv_ack);
	out->doff = (uint8_t)((h->data_off >> 4) * 4);
	out->flags = h->tcp_flags;
	out->win = rte_be_to_cpu_16(h->rx_win);
	out->cksum = rte_be_to_cpu_16(h->cksum);
	out->urp = rte_be_to_cpu_16(h->tcp_urp);
	if (out->doff < sizeof(*h))
		return SP_WIRE_BAD_HLEN;
	if (out->doff > len)
		return SP_WIRE_TRUNC;
	/* doff bytes are available: the options lie inside the buffer. */
	return parse_opts((const uint8_t *)buf + sizeof(*h), out->doff - sizeof(*h), &out->opts);
}

int
sp_tcp_opts_len(const struct sp_tcp_opts *o)
{
	int n = 0;

	if (o->has_mss)
		n += 4;
	if (o->has_ts)
		n += 12; /* NOP NOP TS, or SACK-perm + TS = 12 as well */
	else if (o->has_sack_perm)
		n += 4;
	if (o->has_wscale)
		n += 4;
	if (o->n_sack > 0)
		n += 4 + 8 * RTE_MIN(o->n_sack, SP_TCP_MAX_SACK);
	return n;
}

int
sp_tcp_build(void *buf, const struct sp_tcp_hdr *h)
{
	struct rte_tcp_hdr *t = buf;
	const struct sp_tcp_opts *o = &h->opts;
	uint8_t *p = (uint8_t *)buf + sizeof(*t);
	unsigned i, n_sack;
	int len;

	if (o->has_mss) {
		p[0] = OPT_MSS;
		p[1] = 4;
		p[2] = o->mss >> 8;
		p[3] = o->mss & 0xff;
		p += 4;
	}
	if (o->has_ts) {
		if (o->has_sack_perm) {
			p[0] = OPT_SACK_PERM;
			p[1] = 2;
		} else {
			p[0] = OPT_NOP;
			p[1] = OPT_NOP;
		}
		p[2] = OPT_TS;
		p[3] = 10;
		put32(p + 4, o->ts_val);
		put32(p + 8, o->ts_ecr);
		p += 12;
	} else if (o->has_sack_perm) {
		p[0] = OPT_NOP;
		p[1] = OPT_NOP;
		p[2] = OPT_SACK_PERM;
		p[3] = 2;
		p += 4;
	}
	if (o->has_wscale) {
		p[0] = OPT_NOP;
		p[1] = OPT_WSCALE;
		p[2] = 3;
		p[3] = o->wscale;
		p += 4;
	}
	n_sack = RTE_MIN(o->n_sack, SP_TCP_MAX_SACK);
	if (n_sack > 0) {
		p[0] = OPT_NOP;
		p[1] = OPT_NOP;
		p[2] = OPT_SACK;
		p[3] = (uint8_t)(2 + 8 * n_sack);
		p += 4;
		for (i = 0; i < n_sack; i++) {
			put32(p, o->sack[i].start);
			put32(p + 4, o->sack[i].end);
			p += 8;
		}
	}
	len = (int)(p - (uint8_t *)buf);
	t->src_port = rte_cpu_to_be_16(h->sport);
	t->dst_port = rte_cpu_to_be_16(h->dport);
	t->sent_seq = rte_cpu_to_be_32(h->seq);
	t->recv_ack = rte_cpu_to_be_32(h->ack);
	t->data_off = (uint8_t)((len / 4) << 4);
	t->tcp_flags = h->flags;
	t->rx_win = rte_cpu_to_be_16(h->win);
	t->cksum = 0;
	t->tcp_urp = rte_cpu_to_be_16(h->urp);
	return len;
}

/* Checksum field value (as stored in the header) of the segment @p m, addresses host order. */
uint16_t
sp_tcp_cksum(const struct rte_mbuf *m, uint32_t src, uint32_t dst)
{
	return sp_cksum_l4(m, 0, src, dst, IPPROTO_TCP);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 header view (RFC 791 section 3.1). The received header is read into struct sp_ipv4 in
 * host order; nothing is written back into the buffer.
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "sp_wire.h"

int
sp_ipv4_parse_ext(const void *buf, size_t hdr_avail, size_t total_avail, struct sp_ipv4 *out)
{
	const uint8_t *p = buf;
	uint16_t fo;
	int ret;

	if (hdr_avail > total_avail)
		hdr_avail = total_avail;
	if (hdr_avail < sizeof(struct rte_ipv4_hdr))
		return SP_WIRE_TRUNC;
	if ((p[0] >> 4) != 4)
		return SP_WIRE_BAD_VERSION;
	out->ihl = (uint8_t)((p[0] & 0x0f) * 4);
	if (out->ihl < sizeof(struct rte_ipv4_hdr) || out->ihl > hdr_avail)
		return SP_WIRE_BAD_HLEN;
	out->tos = p[1];
	out->total_len = sp_wire_rd16(p + 2);
	if (out->total_len < out->ihl || out->total_len > total_avail)
		return SP_WIRE_BAD_LEN;
	out->id = sp_wire_rd16(p + 4);
	fo = sp_wire_rd16(p + 6);
	out->df = (fo & RTE_IPV4_HDR_DF_FLAG) != 0;
	out->mf = (fo & RTE_IPV4_HDR_MF_FLAG) != 0;
	out->frag_off = (uint16_t)((fo & RTE_IPV4_HDR_OFFSET_MASK) * RTE_IPV4_HDR_OFFSET_UNITS);
	out->ttl = p[8];
	out->proto = p[9];
	out->cksum = sp_wire_rd16(p + 10);
	out->src = sp_wire_rd32(p + 12);
	out->dst = sp_wire_rd32(p + 16);
	out->srr = false;
	out->opt_err = 0;
	if (out->ihl > sizeof(struct rte_ipv4_hdr)) {
		unsigned err_off = 0;

		ret = sp_ipv4_opts_check(p + sizeof(struct rte_ipv4_hdr),
			out->ihl - (unsigned)sizeof(struct rte_ipv4_hdr), &out->srr, &err_off);
		if (ret != SP_WIRE_OK) {
			out->opt_err = (uint8_t)(sizeof(struct rte_ipv4_hdr) + err_off);
			return ret;
		}
	}
	return SP_WIRE_OK;
}

int
sp_ipv4_parse(const void *buf, size_t len, struct sp_ipv4 *out)
{
	return sp_ipv4_parse_ext(buf, len, len, out);
}

/*
 * The ones' complement sum of an IPv4 header (RFC 1071), folded to 16 bits in memory order as
 * rte_raw_cksum() gives it: @p len is a multiple of 4 and at least 20 (the IHL field counts
 * 32-bit words), so it adds whole 32-bit words into 64 bits, one load and one add each, where the generic sum
 * loops over 16-bit words with its alignment and tail handling (about 70 instructions for a
 * header against 20). 2^16 = 1 modulo 0xffff, so 32-bit words sum to the same folded value.
 */
static inline uint16_t
hdr_sum(const void *buf, unsigned len)
{
	const uint8_t *p = buf;
	uint32_t w[5]; /* the fixed header, summed in straight-line code */
	uint64_t sum;
	unsigned i;

	memcpy(w, p, sizeof(w));
	sum = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	for (i = sizeof(w); i < len; i += 4) { /* options */
		uint32_t o;

		memcpy(&o, p + i, sizeof(o));
		sum += o;
	}
	return sp_cksum_fold(sum);
}

void
sp_ipv4_build(void *buf, const struct sp_ipv4 *ip, bool cksum)
{
	struct rte_ipv4_hdr *h = buf;
	uint16_t fo = (uint16_t)(ip->frag_off / RTE_IPV4_HDR_OFFSET_UNITS);

	if (ip->df)
		fo |= RTE_IPV4_HDR_DF_FLAG;
	if (ip->mf)
		fo |= RTE_IPV4_HDR_MF_FLAG;
	h->version_ihl = RTE_IPV4_VHL_DEF;
	h->type_of_service = ip->tos;
	h->total_length = rte_cpu_to_be_16(ip->total_len);
	h->packet_id = rte_cpu_to_be_16(ip->id);
	h->fragment_offset = rte_cpu_to_be_16(fo);
	h->time_to_live = ip->ttl;
	h->next_proto_id = ip->proto;
	h->hdr_checksum = 0;
	h->src_addr = rte_cpu_to_be_32(ip->src);
	h->dst_addr = rte_cpu_to_be_32(ip->dst);
	if (cksum)
		h->hdr_checksum = (uint16_t)~hdr_sum(h, sizeof(*h));
}

bool
sp_ipv4_cksum_ok(const void *buf, uint8_t ihl)
{
	/* A correct header, checksum field included, sums to all ones (RFC 1071). */
	if (ihl % 4 != 0 || ihl < sizeof(struct rte_ipv4_hdr))
		return rte_raw_cksum(buf, ihl) == 0xffff;
	return hdr_sum(buf, ihl) == 0xffff;
}

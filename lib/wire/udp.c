/* SPDX-License-Identifier: BSD-3-Clause */
/* UDP header view (RFC 768). */
#include <rte_byteorder.h>
#include <rte_udp.h>

#include "sp_wire.h"

int
sp_udp_parse(const void *buf, size_t avail, struct sp_udp *out)
{
	const uint8_t *p = buf;

	if (avail < sizeof(struct rte_udp_hdr))
		return SP_WIRE_TRUNC;
	out->sport = (uint16_t)((p[0] << 8) | p[1]);
	out->dport = (uint16_t)((p[2] << 8) | p[3]);
	out->len = (uint16_t)((p[4] << 8) | p[5]);
	out->cksum = (uint16_t)((p[6] << 8) | p[7]);
	/* The length covers header and data (RFC 768); it may be shorter than what IP carried. */
	if (out->len < sizeof(struct rte_udp_hdr) || out->len > avail)
		return SP_WIRE_BAD_LEN;
	return SP_WIRE_OK;
}

void
sp_udp_build(void *buf, const struct sp_udp *u)
{
	struct rte_udp_hdr *h = buf;

	h->src_port = rte_cpu_to_be_16(u->sport);
	h->dst_port = rte_cpu_to_be_16(u->dport);
	h->dgram_len = rte_cpu_to_be_16(u->len);
	h->dgram_cksum = rte_cpu_to_be_16(u->cksum);
}

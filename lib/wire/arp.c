/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP header view (RFC 826). Only Ethernet/IPv4 ARP is accepted: the 28-byte layout of
 * struct rte_arp_hdr.
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_byteorder.h>

#include "sp_wire.h"

/*
 * Every field is filled before the checks, so a caller that gets SP_WIRE_BAD_FIELD can tell a
 * bad hardware type/length (htype, hlen) from a bad protocol type/length (ptype, plen) and
 * count them apart. The opcode is not checked here: arp.c decides which ones it handles.
 */
int
sp_arp_parse(const void *buf, size_t len, struct sp_arp *out)
{
	const struct rte_arp_hdr *h = buf;

	if (len < sizeof(*h))
		return SP_WIRE_TRUNC;
	/* From here, all 28 bytes of the header are inside the buffer. */
	out->htype = rte_be_to_cpu_16(h->arp_hardware);
	out->ptype = rte_be_to_cpu_16(h->arp_protocol);
	out->hlen = h->arp_hlen;
	out->plen = h->arp_plen;
	out->op = rte_be_to_cpu_16(h->arp_opcode);
	memcpy(&out->sha, &h->arp_data.arp_sha, sizeof(out->sha));
	memcpy(&out->tha, &h->arp_data.arp_tha, sizeof(out->tha));
	/* arp_sip/arp_tip are unaligned in the packed struct: copy, then swap. */
	{
		rte_be32_t v;

		memcpy(&v, &h->arp_data.arp_sip, sizeof(v));
		out->spa = rte_be_to_cpu_32(v);
		memcpy(&v, &h->arp_data.arp_tip, sizeof(v));
		out->tpa = rte_be_to_cpu_32(v);
	}
	if (out->htype != RTE_ARP_HRD_ETHER || out->hlen != RTE_ETHER_ADDR_LEN)
		return SP_WIRE_BAD_FIELD;
	if (out->ptype != RTE_ETHER_TYPE_IPV4 || out->plen != 4)
		return SP_WIRE_BAD_FIELD;
	return SP_WIRE_OK;
}

void
sp_arp_build(void *buf, const struct sp_arp *a)
{
	struct rte_arp_hdr h;
	rte_be32_t v;

	h.arp_hardware = rte_cpu_to_be_16(a->htype);
	h.arp_protocol = rte_cpu_to_be_16(a->ptype);
	h.arp_hlen = a->hlen;
	h.arp_plen = a->plen;
	h.arp_opcode = rte_cpu_to_be_16(a->op);
	h.arp_data.arp_sha = a->sha;
	h.arp_data.arp_tha = a->tha;
	v = rte_cpu_to_be_32(a->spa);
	memcpy(&h.arp_data.arp_sip, &v, sizeof(v));
	v = rte_cpu_to_be_32(a->tpa);
	memcpy(&h.arp_data.arp_tip, &v, sizeof(v));
	memcpy(buf, &h, sizeof(h));
}

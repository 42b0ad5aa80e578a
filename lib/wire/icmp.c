/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP header view (RFC 792): the fixed 8 bytes every ICMP message starts with. */
#include <rte_byteorder.h>
#include <rte_icmp.h>

#include "sp_wire.h"

int
sp_icmp_parse(const void *buf, size_t len, struct sp_icmp *out)
{
	const uint8_t *p = buf;

	if (len < SP_ICMP_HDR_LEN)
		return SP_WIRE_TRUNC;
	out->type = p[0];
	out->code = p[1];
	out->cksum = (uint16_t)((p[2] << 8) | p[3]);
	out->rest = ((uint32_t)p[4] << 24) | ((uint32_t)p[5] << 16) | ((uint32_t)p[6] << 8) | p[7];
	return SP_WIRE_OK;
}

void
sp_icmp_build(void *buf, const struct sp_icmp *h)
{
	uint8_t *p = buf;

	p[0] = h->type;
	p[1] = h->code;
	p[2] = (uint8_t)(h->cksum >> 8);
	p[3] = (uint8_t)h->cksum;
	p[4] = (uint8_t)(h->rest >> 24);
	p[5] = (uint8_t)(h->rest >> 16);
	p[6] = (uint8_t)(h->rest >> 8);
	p[7] = (uint8_t)h->rest;
}

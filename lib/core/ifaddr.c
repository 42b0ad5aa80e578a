/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Our interface addresses: is a destination one of ours, is it a broadcast. Read-only lookups
 * in the stack object's port table (any lcore).
 */
#include "sp_ctx.h"

int
sp_local_port(const struct sp_stack *st, uint32_t ip)
{
	uint16_t p;
	uint8_t a;

	for (p = 0; p < st->n_ports; p++)
		for (a = 0; a < st->ports[p].n_addrs; a++)
			if (st->ports[p].addrs[a].ip == ip)
				return p;
	return -1;
}

/* Limited broadcast, or the directed broadcast of one of our subnets (RFC 1122 3.3.6). */
bool
sp_is_broadcast(const struct sp_stack *st, uint32_t ip)
{
	uint16_t p;
	uint8_t a;

	if (ip == UINT32_MAX)
		return true;
	for (p = 0; p < st->n_ports; p++)
		for (a = 0; a < st->ports[p].n_addrs; a++) {
			const struct sp_ifaddr *ia = &st->ports[p].addrs[a];
			uint32_t host = ia->plen >= 31 ? 0 : (UINT32_MAX >> ia->plen);

			if (host != 0 && (ip & ~host) == (ia->ip & ~host) && (ip & host) == host)
				return true;
		}
	return false;
}

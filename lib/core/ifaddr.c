/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Our interface addresses: is a destination one of ours, is it a broadcast. Read-only lookups
 * in the stack object's flat address lists (any lcore); every packet in and out asks, so they
 * are one compare per address, not a walk of the port table computing masks.
 */
#include "sp_ctx.h"

void
sp_ifaddr_index(struct sp_stack *st)
{
	uint16_t p;
	uint8_t a;

	st->n_local = 0;
	st->n_bcast = 0;
	for (p = 0; p < st->n_ports; p++)
		for (a = 0; a < st->ports[p].n_addrs; a++) {
			const struct sp_ifaddr *ia = &st->ports[p].addrs[a];
			/* /31 (RFC 3021) and /32 have no directed broadcast */
			uint32_t host = ia->plen >= 31 ? 0 : (UINT32_MAX >> ia->plen), i;

			st->local_port[st->n_local] = (uint8_t)p;
			st->local_ip[st->n_local++] = ia->ip;
			if (host == 0)
				continue;
			/* addresses of one subnet share it: listed once */
			for (i = 0; i < st->n_bcast && st->bcast[i] != (ia->ip | host); i++)
				;
			if (i == st->n_bcast)
				st->bcast[st->n_bcast++] = ia->ip | host;
		}
}

int
sp_local_port(const struct sp_stack *st, uint32_t ip)
{
	uint8_t i;

	for (i = 0; i < st->n_local; i++)
		if (st->local_ip[i] == ip)
			return st->local_port[i];
	return -1;
}

/* Limited broadcast, or the directed broadcast of one of our subnets (RFC 1122 3.3.6). */
bool
sp_is_broadcast(const struct sp_stack *st, uint32_t ip)
{
	uint8_t i;

	if (ip == UINT32_MAX)
		return true;
	for (i = 0; i < st->n_bcast; i++)
		if (st->bcast[i] == ip)
			return true;
	return false;
}

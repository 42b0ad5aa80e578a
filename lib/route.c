/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 routes in rte_lpm (keys in host order). Built once by sp_route_build() on the main lcore
 * before workers start, read-only afterwards, so lookups need no lock.
 *
 * The LPM value is an index into stack->nexthops ({port, gateway}); stack->routes mirrors every
 * prefix added so telemetry can list them (rte_lpm cannot be iterated).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lpm.h>

#include "sp_log.h"
#include "sp_proto.h"

static uint32_t
prefix_mask(uint8_t plen)
{
	return plen == 0 ? 0 : UINT32_MAX << (32 - plen);
}

/* Index of the next hop {port, gw}, added if new. @return index or -ENOSPC. */
static int
nexthop_get(struct sp_stack *st, uint16_t port, uint32_t gw)
{
	uint32_t i;

	for (i = 0; i < st->n_nexthops; i++)
		if (st->nexthops[i].port == port && st->nexthops[i].gw == gw)
			return (int)i;
	if (st->n_nexthops >= SP_MAX_NEXTHOPS)
		return -ENOSPC;
	st->nexthops[st->n_nexthops].port = port;
	st->nexthops[st->n_nexthops].gw = gw;
	return (int)st->n_nexthops++;
}

static bool
route_present(const struct sp_stack *st, uint32_t prefix, uint8_t plen)
{
	uint32_t i;

	for (i = 0; i < st->n_routes; i++)
		if (st->routes[i].prefix == prefix && st->routes[i].plen == plen)
			return true;
	return false;
}

/*
 * Add prefix/plen -> {port, gw}. The first route for a prefix wins: connected subnets are added
 * first, then [routes], then gateways, so a static route is never replaced by a default.
 * rte_lpm takes depths 1..32 only; a default route (plen 0) goes in as the two /1 halves,
 * which every longer prefix still beats, and is listed once as 0.0.0.0/0.
 */
static int
route_add(struct sp_stack *st, uint32_t prefix, uint8_t plen, uint16_t port, uint32_t gw,
	bool connected)
{
	struct sp_route_entry *r;
	int nh, ret;

	prefix &= prefix_mask(plen);
	if (route_present(st, prefix, plen))
		return 0;
	if (st->n_routes >= SP_MAX_ROUTE_ENTRIES)
		return -ENOSPC;
	nh = nexthop_get(st, port, gw);
	if (nh < 0)
		return nh;
	if (plen == 0) {
		if (!route_present(st, 0, 1)) {
			ret = rte_lpm_add(st->lpm, 0, 1, (uint32_t)nh);
			if (ret < 0)
				return ret;
		}
		if (!route_present(st, 0x80000000u, 1)) {
			ret = rte_lpm_add(st->lpm, 0x80000000u, 1, (uint32_t)nh);
			if (ret < 0)
				return ret;
		}
	} else {
		ret = rte_lpm_add(st->lpm, prefix, plen, (uint32_t)nh);
		if (ret < 0)
			return ret;
	}
	r = &st->routes[st->n_routes++];
	r->prefix = prefix;
	r->plen = plen;
	r->connected = connected ? 1 : 0;
	r->nh = (uint32_t)nh;
	return 0;
}

/* The port whose connected subnet holds @p ip (longest prefix), or -1. */
static int
port_of_subnet(const struct sp_stack *st, uint32_t ip)
{
	int best = -1, best_plen = -1;
	uint16_t p;
	uint8_t a;

	for (p = 0; p < st->n_ports; p++)
		for (a = 0; a < st->ports[p].n_addrs; a++) {
			const struct sp_ifaddr *ia = &st->ports[p].addrs[a];
			uint32_t m = prefix_mask(ia->plen);

			if ((ip & m) == (ia->ip & m) && (int)ia->plen > best_plen) {
				best = p;
				best_plen = ia->plen;
			}
		}
	return best;
}

int
sp_route_build(struct sp_stack *st)
{
	const struct sp_config *cfg = st->cfg;
	struct rte_lpm_config lc = {
		.max_rules = SP_MAX_ROUTE_ENTRIES + 2,
		.number_tbl8s = SP_MAX_ROUTE_ENTRIES + 2,
		.flags = 0,
	};
	char name[RTE_LPM_NAMESIZE];
	uint16_t p;
	uint8_t a, i;
	int ret;

	sp_route_free(st);
	snprintf(name, sizeof(name), "sp_lpm_%p", (void *)st);
	st->lpm = rte_lpm_create(name, SOCKET_ID_ANY, &lc);
	if (st->lpm == NULL)
		return -rte_errno ? -rte_errno : -ENOMEM;

	/* Connected subnets of every address of every port. */
	for (p = 0; p < st->n_ports; p++)
		for (a = 0; a < st->ports[p].n_addrs; a++) {
			const struct sp_ifaddr *ia = &st->ports[p].addrs[a];

			ret = route_add(st, ia->ip, ia->plen, p, 0, true);
			if (ret < 0)
				goto fail;
		}

	/* [routes]: via a gateway (out of the port whose subnet holds it) or dev portN. */
	for (i = 0; i < cfg->n_routes; i++) {
		const struct sp_route_cfg *rc = &cfg->routes[i];
		int port = rc->port;

		if (rc->via != 0)
			port = rc->port >= 0 ? rc->port : port_of_subnet(st, rc->via);
		if (port < 0 || port >= st->n_ports) {
			SP_LOG(ERR, route, "route %s: no port for it", rc->name);
			ret = -EINVAL;
			goto fail;
		}
		ret = route_add(st, rc->prefix, rc->plen, (uint16_t)port, rc->via, false);
		if (ret < 0)
			goto fail;
	}

	/* Each port's gateway is a default route; the first port with one wins. */
	for (p = 0; p < st->n_ports; p++) {
		uint32_t gw = st->ports[p].cfg != NULL ? st->ports[p].cfg->gateway : 0;

		if (gw == 0)
			continue;
		ret = route_add(st, 0, 0, p, gw, false);
		if (ret < 0)
			goto fail;
	}
	SP_LOG(INFO, route, "%u routes, %u next hops", st->n_routes, st->n_nexthops);
	return 0;
fail:
	SP_LOG(ERR, route, "building the route table failed: %s", strerror(-ret));
	sp_route_free(st);
	return ret;
}

void
sp_route_free(struct sp_stack *st)
{
	rte_lpm_free(st->lpm);
	st->lpm = NULL;
	st->n_routes = 0;
	st->n_nexthops = 0;
}

int
sp_route_lookup(const struct sp_stack *st, uint32_t dst, struct sp_nexthop *nh)
{
	uint32_t idx;

	if (unlikely(st->lpm == NULL) || rte_lpm_lookup(st->lpm, dst, &idx) != 0 ||
		unlikely(idx >= st->n_nexthops))
		return -EHOSTUNREACH;
	*nh = st->nexthops[idx];
	return 0;
}

void
sp_route_foreach(const struct sp_stack *st,
	void (*fn)(void *arg, const struct sp_route_entry *r, const struct sp_nexthop *nh),
	void *arg)
{
	uint32_t i;

	for (i = 0; i < st->n_routes; i++)
		fn(arg, &st->routes[i], &st->nexthops[st->routes[i].nh]);
}

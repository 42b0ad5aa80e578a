/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour table of one lcore: (port, IPv4) -> MAC, an rte_hash whose key positions index
 * an entry array.
 *
 * ARP off (design.md "ARP off by default"): entries are static (PERMANENT, from the config) or
 * LEARNED from the source MAC of IPv4 datagrams delivered to us; a packet with no entry for its
 * next hop falls back to the final destination's learned entry, then to the port's gateway_mac
 * when the next hop is the configured gateway, else it is dropped (no_neigh), never broadcast.
 * A LEARNED entry not refreshed by a datagram from its peer for neigh_learned_timeout_ms is
 * removed (neigh_learned_expired), so a peer that left, or an address that moved to another MAC
 * that has not spoken yet, does not keep a stale MAC forever; 0 keeps learned entries for good.
 *
 * ARP on (RFC 826, RFC 1122 2.3.2): INCOMPLETE entries hold a bounded queue of packets while
 * requests go out, at most one per arp_request_rate_ms; after SP_NEIGH_MAX_PROBES unanswered
 * requests the entry fails and its packets are dropped (RFC 1122 2.3.2.2 asks to bound the
 * queue). A confirmed entry is REACHABLE for neigh_timeout_ms, then STALE: still used, and
 * re-probed (unicast to the cached MAC first, then broadcast, RFC 1122 2.3.2.1) when used;
 * a STALE entry unused for SP_NEIGH_GC_MS is removed.
 *
 * Several workers: ARP frames arrive on one lcore; every change made from an ARP frame or a
 * learned MAC is sent as a struct sp_neigh_msg to the other workers' rings and applied by their
 * sp_neigh_drain(), so every lcore holds the same entries without a shared mutable table. An
 * lcore that starts resolving tells the others (INCOMPLETE), so the lcore receiving the reply
 * has the entry and does not take the reply for an unsolicited one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_ring_elem.h>

#include "sp_log.h"
#include "sp_proto.h"

#define SP_NEIGH_MAX_PROBES  3	   /**< unanswered requests before an INCOMPLETE entry fails */
#define SP_NEIGH_GC_MS	     60000 /**< an unused STALE entry lives this long (Linux gc_stale_time) */
#define NEIGH_HASH_MIN	     8u	   /* rte_hash_create() refuses fewer entries than one bucket */
#define SP_NEIGH_DRAIN_BURST 64	   /**< messages applied per sp_neigh_drain() */
#define NEIGH_EVICT_SCAN     64	   /* entries a full table looks at for one to evict */
#define NEIGH_EVICT_MIN_MS   1000 /* an entry used or confirmed more recently is kept */
#define NEIGH_HOT	     16	  /* direct-mapped cache of recent lookups (power of 2) */

struct neigh_key {
	uint32_t ip;
	uint16_t port;
	uint16_t pad; /* always 0: the hash reads all 8 bytes */
};

struct neigh_entry {
	struct sp_timer timer; /* INCOMPLETE retry, REACHABLE -> STALE, STALE gc */
	uint32_t ip;
	uint16_t port;
	uint8_t state;	/* enum sp_neigh_state */
	uint8_t probes; /* requests sent in this state */
	bool mirror;	/* INCOMPLETE on behalf of another lcore: send no requests */
	struct rte_ether_addr mac;
	uint64_t confirmed; /* TSC of the last confirmation */
	uint64_t used;	    /* TSC of the last packet sent through it */
	uint64_t last_req;  /* TSC of the last request (rate limit) */
	uint64_t published; /* LEARNED: TSC of the last refresh told to the other lcores */
	uint16_t n_pending;
	struct rte_mbuf **pending; /* arp_pending_max slots, allocated while INCOMPLETE */
};

struct sp_neigh_table {
	struct sp_ctx *ctx;
	struct rte_hash *h;
	uint32_t capacity; /* entries allowed (may be below rte_hash's minimum) */
	uint32_t n_used;
	uint32_t n_entries;		    /* size of e[] */
	uint32_t hand;			    /* where the next eviction scan starts */
	struct neigh_entry *hot[NEIGH_HOT]; /* neigh_lookup()'s cache: entries, never stale */
	struct neigh_entry e[];
};

const char *
sp_neigh_state_name(enum sp_neigh_state s)
{
	switch (s) {
	case SP_NEIGH_FREE:
		return "NONE";
	case SP_NEIGH_INCOMPLETE:
		return "INCOMPLETE";
	case SP_NEIGH_REACHABLE:
		return "REACHABLE";
	case SP_NEIGH_STALE:
		return "STALE";
	case SP_NEIGH_PERMANENT:
		return "PERMANENT";
	case SP_NEIGH_LEARNED:
		return "LEARNED";
	case SP_NEIGH_FAILED:
		return "FAILED";
	}
	return "?";
}

static void neigh_timer(struct sp_ctx *ctx, struct sp_timer *t, void *arg);

/*
 * Every received datagram refreshes its sender's entry (ARP off: MACs are learned from frames)
 * and every one sent looks its next hop up: two rte_hash lookups per request/response, about
 * 300 instructions of the roughly 4 500 a request costs the echo service (callgrind, memif rr).
 * A small direct-mapped cache in front of the hash serves the few peers a port talks to. It
 * needs no invalidation: a slot of e[] is in the hash under (e->ip, e->port) exactly while its
 * state is not FREE (neigh_add() fills both at once; neigh_del() clears the slot), so a cached
 * pointer whose slot still holds this key and is in use is what the hash would return.
 */
static struct neigh_entry *
neigh_lookup(struct sp_neigh_table *t, uint16_t port, uint32_t ip)
{
	struct neigh_entry **hot = &t->hot[(ip ^ (ip >> 8) ^ port) & (NEIGH_HOT - 1)];
	struct neigh_entry *e = *hot;
	struct neigh_key k = {.ip = ip, .port = port, .pad = 0};
	int32_t pos;

	if (e != NULL && e->ip == ip && e->port == port && e->state != SP_NEIGH_FREE)
		return e;
	pos = rte_hash_lookup(t->h, &k);
	if (pos < 0 || (uint32_t)pos >= t->n_entries)
		return NULL;
	*hot = &t->e[pos];
	return *hot;
}

/* Add an entry in @p state; NULL (counted) when the table is full. */
static void neigh_del(
	struct sp_ctx *ctx, struct sp_neigh_table *t, struct neigh_entry *e, bool failed);

/*
 * A full table gives way: without this, datagrams from as many forged source addresses as the
 * table holds (ARP off: each one learned; ARP on: requests to us) would fill it for the entries'
 * lifetime, and no new peer could be reached (no_neigh) meanwhile. Only soft state goes: the
 * LEARNED or STALE entry least recently confirmed or used among the next NEIGH_EVICT_SCAN (a
 * clock hand, so a flood costs a bounded scan per datagram), and not one that was active in the
 * last NEIGH_EVICT_MIN_MS (a peer in conversation keeps its entry). Static, INCOMPLETE (packets
 * waiting) and REACHABLE entries stay, as Linux's forced garbage collection keeps referenced
 * ones. @return true when an entry was removed.
 */
static bool
neigh_evict(struct sp_ctx *ctx, struct sp_neigh_table *t)
{
	uint64_t min_age = sp_ms_to_tsc(ctx, NEIGH_EVICT_MIN_MS), best_last = UINT64_MAX;
	struct neigh_entry *best = NULL;
	uint32_t i;

	for (i = 0; i < NEIGH_EVICT_SCAN && i < t->n_entries; i++) {
		struct neigh_entry *e = &t->e[(t->hand + i) % t->n_entries];
		uint64_t last = RTE_MAX(e->confirmed, e->used);

		if ((e->state != SP_NEIGH_LEARNED && e->state != SP_NEIGH_STALE) ||
			ctx->now - last < min_age || last >= best_last)
			continue;
		best = e;
		best_last = last;
	}
	t->hand = (t->hand + i) % RTE_MAX(t->n_entries, 1u);
	if (best == NULL)
		return false;
	SP_STAT(ctx, best->port, neigh_evicted);
	neigh_del(ctx, t, best, false);
	return true;
}

static struct neigh_entry *
neigh_add(struct sp_ctx *ctx, struct sp_neigh_table *t, uint16_t port, uint32_t ip,
	enum sp_neigh_state state)
{
	struct neigh_key k = {.ip = ip, .port = port, .pad = 0};
	struct neigh_entry *e;
	int32_t pos;

	if (t->n_used >= t->capacity)
		neigh_evict(ctx, t);
	pos = t->n_used < t->capacity ? rte_hash_add_key(t->h, &k) : -ENOSPC;

	if (pos < 0 || (uint32_t)pos >= t->n_entries) {
		if (pos >= 0)
			rte_hash_del_key(t->h, &k);
		SP_STAT(ctx, port, neigh_table_full);
		return NULL;
	}
	t->n_used++;
	e = &t->e[pos];
	memset(e, 0, sizeof(*e));
	sp_timer_init(&e->timer, neigh_timer, e);
	e->ip = ip;
	e->port = port;
	e->state = state;
	return e;
}

/* Drop every queued packet of @p e, counting them as @p failed resolutions when asked. */
static void
neigh_pending_free(struct sp_ctx *ctx, struct neigh_entry *e, bool failed)
{
	uint16_t i;

	for (i = 0; i < e->n_pending; i++)
		rte_pktmbuf_free(e->pending[i]);
	if (failed)
		SP_STAT_ADD(ctx, e->port, neigh_resolve_failed, e->n_pending);
	e->n_pending = 0;
	rte_free(e->pending);
	e->pending = NULL;
}

static void
neigh_del(struct sp_ctx *ctx, struct sp_neigh_table *t, struct neigh_entry *e, bool failed)
{
	struct neigh_key k = {.ip = e->ip, .port = e->port, .pad = 0};

	sp_timer_cancel(ctx, &e->timer);
	neigh_pending_free(ctx, e, failed);
	rte_hash_del_key(t->h, &k);
	memset(e, 0, sizeof(*e));
	t->n_used--;
}

/* Tell every other worker about @p e's new state (ARP frames reach only one lcore). */
static void
neigh_publish(struct sp_ctx *ctx, const struct neigh_entry *e, enum sp_neigh_state state)
{
	const struct sp_stack *st = ctx->stack;
	struct sp_neigh_msg msg;
	unsigned i;

	if (st->n_workers < 2)
		return;
	memset(&msg, 0, sizeof(msg));
	msg.ip = e->ip;
	msg.mac = e->mac;
	msg.port = (uint8_t)e->port;
	msg.state = (uint8_t)state;
	for (i = 0; i < st->n_workers; i++) {
		struct sp_ctx *w = st->workers[i];

		if (w == NULL || w == ctx || w->neigh_ring == NULL)
			continue;
		if (rte_ring_mp_enqueue_elem(w->neigh_ring, &msg, sizeof(msg)) != 0)
			SP_STAT(ctx, e->port, neigh_msg_lost);
	}
}

/* Send a request about @p e (unicast to its MAC when @p unicast) and note when. */
static void
neigh_probe(struct sp_ctx *ctx, struct neigh_entry *e, bool unicast)
{
	e->last_req = ctx->now;
	e->probes++;
	sp_arp_probe(ctx, e->port, e->ip, unicast ? &e->mac : NULL);
}

static void
neigh_send(struct sp_ctx *ctx, struct neigh_entry *e, struct rte_mbuf *m)
{
	e->used = ctx->now;
	sp_eth_output(ctx, e->port, m, &e->mac, RTE_ETHER_TYPE_IPV4);
}

/* How long a LEARNED entry lives without a datagram from its peer; 0: for ever. */
static uint64_t
learned_ttl(const struct sp_ctx *ctx)
{
	return sp_ms_to_tsc(ctx, ctx->cfg->stack.neigh_learned_timeout_ms);
}

static void
neigh_timer(struct sp_ctx *ctx, struct sp_timer *tm, void *arg)
{
	struct sp_neigh_table *t = ctx->neigh;
	struct neigh_entry *e = arg;
	uint64_t gc = sp_ms_to_tsc(ctx, SP_NEIGH_GC_MS);

	RTE_SET_USED(tm);
	switch (e->state) {
	case SP_NEIGH_INCOMPLETE:
		if (e->probes >= SP_NEIGH_MAX_PROBES) {
			/* RFC 1122 2.3.2.1: give up; the queued packets are lost (counted). */
			neigh_del(ctx, t, e, true);
			return;
		}
		if (e->mirror)
			e->probes++;
		else
			neigh_probe(ctx, e, false);
		sp_timer_arm(ctx, &e->timer,
			ctx->now + sp_ms_to_tsc(ctx, ctx->cfg->stack.arp_request_rate_ms));
		return;
	case SP_NEIGH_REACHABLE:
		/* Not confirmed for neigh_timeout_ms: still usable, re-probed when used. */
		e->state = SP_NEIGH_STALE;
		e->probes = 0;
		if (e->used < e->confirmed)
			e->used = ctx->now;
		sp_timer_arm(ctx, &e->timer, e->used + gc);
		return;
	case SP_NEIGH_LEARNED:
		/* Refreshed without touching the timer (every datagram): re-arm lazily here. */
		if (ctx->now - e->confirmed >= learned_ttl(ctx)) {
			SP_STAT(ctx, e->port, neigh_learned_expired);
			neigh_del(ctx, t, e, false);
			return;
		}
		sp_timer_arm(ctx, &e->timer, e->confirmed + learned_ttl(ctx));
		return;
	case SP_NEIGH_STALE:
		if (ctx->now - e->used >= gc) {
			neigh_del(ctx, t, e, false);
			return;
		}
		sp_timer_arm(ctx, &e->timer, e->used + gc);
		return;
	default:
		return;
	}
}

struct sp_neigh_table *
sp_neigh_create(struct sp_ctx *ctx, unsigned capacity)
{
	const struct sp_config *cfg = ctx->cfg;
	struct rte_hash_parameters hp;
	struct sp_neigh_table *t;
	char name[RTE_HASH_NAMESIZE];
	unsigned entries;
	uint16_t p;
	uint8_t i;

	if (capacity == 0) {
		rte_errno = EINVAL;
		return NULL;
	}
	entries = RTE_MAX(capacity, NEIGH_HASH_MIN);
	/* rte_hash positions are below its max key id, at most entries (no per-lcore cache). */
	t = rte_zmalloc_socket("sp_neigh", sizeof(*t) + ((size_t)entries + 1) * sizeof(t->e[0]),
		RTE_CACHE_LINE_SIZE, ctx->socket);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	t->ctx = ctx;
	t->n_entries = entries + 1;
	t->capacity = capacity;
	/* Hash names are global to the process: the table's address makes it unique. */
	snprintf(name, sizeof(name), "sp_nh_%p", (void *)t);
	memset(&hp, 0, sizeof(hp));
	hp.name = name;
	hp.entries = entries;
	hp.key_len = sizeof(struct neigh_key);
	hp.hash_func = rte_jhash;
	hp.socket_id = ctx->socket;
	/* Extendable buckets: the table really holds @p capacity keys whatever they hash to. */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	t->h = rte_hash_create(&hp);
	if (t->h == NULL || rte_hash_max_key_id(t->h) < 0 ||
		(uint32_t)rte_hash_max_key_id(t->h) >= t->n_entries) {
		rte_hash_free(t->h);
		rte_free(t);
		rte_errno = ENOMEM;
		return NULL;
	}

	/* Static neighbours of every port: PERMANENT, never aged nor overwritten. */
	for (p = 0; p < cfg->n_ports && p < SP_MAX_PORTS; p++) {
		const struct sp_port_cfg *pc = &cfg->ports[p];

		for (i = 0; i < pc->n_neigh; i++) {
			struct neigh_entry *e = neigh_lookup(t, p, pc->neigh[i].ip);

			if (e == NULL)
				e = neigh_add(ctx, t, p, pc->neigh[i].ip, SP_NEIGH_PERMANENT);
			if (e == NULL) {
				SP_LOG(ERR, stack, "neighbour table too small for static entries");
				sp_neigh_free(t);
				rte_errno = ENOSPC;
				return NULL;
			}
			e->state = SP_NEIGH_PERMANENT;
			e->mac = pc->neigh[i].mac;
		}
	}
	return t;
}

void
sp_neigh_free(struct sp_neigh_table *t)
{
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n_entries; i++) {
		struct neigh_entry *e = &t->e[i];

		if (e->state == SP_NEIGH_FREE)
			continue;
		sp_timer_cancel(t->ctx, &e->timer);
		neigh_pending_free(t->ctx, e, false);
	}
	rte_hash_free(t->h);
	rte_free(t);
}

/* Link-layer address of a broadcast/multicast next hop (RFC 1122 2.3.2.1, RFC 1112 6.4). */
static bool
group_mac(const struct sp_stack *st, uint32_t ip, struct rte_ether_addr *mac)
{
	if (sp_is_broadcast(st, ip)) {
		memset(mac, 0xff, sizeof(*mac));
		return true;
	}
	if (sp_ipv4_class(ip) == SP_IPV4_MULTICAST) {
		mac->addr_bytes[0] = 0x01;
		mac->addr_bytes[1] = 0x00;
		mac->addr_bytes[2] = 0x5e;
		mac->addr_bytes[3] = (uint8_t)((ip >> 16) & 0x7f);
		mac->addr_bytes[4] = (uint8_t)(ip >> 8);
		mac->addr_bytes[5] = (uint8_t)ip;
		return true;
	}
	return false;
}

static bool
usable(const struct neigh_entry *e)
{
	return e != NULL && (e->state == SP_NEIGH_PERMANENT || e->state == SP_NEIGH_LEARNED ||
				    e->state == SP_NEIGH_REACHABLE || e->state == SP_NEIGH_STALE);
}

/* ARP off: static/learned next hop, learned destination, gateway MAC, or nothing. */
static int
output_arp_off(struct sp_ctx *ctx, struct sp_neigh_table *t, uint16_t port, uint32_t nh,
	uint32_t dst, struct rte_mbuf *m)
{
	const struct sp_port_cfg *pc = ctx->stack->ports[port].cfg;
	struct neigh_entry *e = neigh_lookup(t, port, nh);

	if (!usable(e) && dst != nh)
		e = neigh_lookup(t, port, dst);
	if (usable(e)) {
		neigh_send(ctx, e, m);
		return 0;
	}
	if (pc != NULL && pc->gateway != 0 && nh == pc->gateway &&
		!rte_is_zero_ether_addr(&pc->gateway_mac)) {
		sp_eth_output(ctx, port, m, &pc->gateway_mac, RTE_ETHER_TYPE_IPV4);
		return 0;
	}
	SP_STAT(ctx, port, no_neigh);
	rte_pktmbuf_free(m);
	return -ENXIO;
}

/* ARP on, INCOMPLETE: queue @p m (bounded) and ask again if the rate limit allows. */
static int
output_incomplete(struct sp_ctx *ctx, struct neigh_entry *e, struct rte_mbuf *m)
{
	const struct sp_stack_cfg *sc = &ctx->cfg->stack;
	int ret = 0;

	if (e->pending == NULL && sc->arp_pending_max > 0)
		e->pending = rte_malloc_socket("sp_neigh_pending",
			sc->arp_pending_max * sizeof(e->pending[0]), 0, ctx->socket);
	if (e->pending == NULL || e->n_pending >= sc->arp_pending_max) {
		SP_STAT(ctx, e->port, neigh_pending_full);
		rte_pktmbuf_free(m);
		ret = -ENOBUFS;
	} else {
		e->pending[e->n_pending++] = m;
	}
	if (!e->mirror && e->probes > 0 &&
		ctx->now - e->last_req < sp_ms_to_tsc(ctx, sc->arp_request_rate_ms)) {
		SP_STAT(ctx, e->port, arp_rate_limited);
		return ret;
	}
	/* First request from this lcore (or the rate allows another): send it, restart the timer. */
	e->mirror = false;
	neigh_probe(ctx, e, false);
	sp_timer_arm(ctx, &e->timer, ctx->now + sp_ms_to_tsc(ctx, sc->arp_request_rate_ms));
	return ret;
}

int
sp_neigh_output(struct sp_ctx *ctx, uint16_t port, uint32_t nh, uint32_t dst, struct rte_mbuf *m)
{
	struct sp_neigh_table *t = ctx->neigh;
	struct rte_ether_addr gmac;
	struct neigh_entry *e;

	if (group_mac(ctx->stack, nh, &gmac)) {
		sp_eth_output(ctx, port, m, &gmac, RTE_ETHER_TYPE_IPV4);
		return 0;
	}
	if (!ctx->stack->ports[port].arp)
		return output_arp_off(ctx, t, port, nh, dst, m);

	e = neigh_lookup(t, port, nh);
	if (e == NULL) {
		e = neigh_add(ctx, t, port, nh, SP_NEIGH_INCOMPLETE);
		if (e == NULL) {
			rte_pktmbuf_free(m);
			return -ENOMEM;
		}
		neigh_publish(ctx, e, SP_NEIGH_INCOMPLETE);
	}
	switch (e->state) {
	case SP_NEIGH_INCOMPLETE:
		return output_incomplete(ctx, e, m);
	case SP_NEIGH_STALE:
		/*
		 * RFC 1122 2.3.2.1: keep using the cached MAC while re-validating it; the first
		 * probe goes unicast to that MAC, later ones broadcast, one per rate interval.
		 */
		if (e->probes == 0 ||
			ctx->now - e->last_req >=
				sp_ms_to_tsc(ctx, ctx->cfg->stack.arp_request_rate_ms))
			neigh_probe(ctx, e, e->probes == 0);
		/* fall through */
	default:
		neigh_send(ctx, e, m);
		return 0;
	}
}

/* An entry that sends at once, with nothing to probe or queue (sp_neigh_output()'s default). */
static bool
path_state(uint8_t state)
{
	return state == SP_NEIGH_PERMANENT || state == SP_NEIGH_LEARNED ||
	       state == SP_NEIGH_REACHABLE;
}

const void *
sp_neigh_path_entry(struct sp_ctx *ctx, uint16_t port, uint32_t nexthop)
{
	struct rte_ether_addr gmac;
	struct neigh_entry *e;

	if (group_mac(ctx->stack, nexthop, &gmac))
		return NULL;
	e = neigh_lookup(ctx->neigh, port, nexthop);
	return e != NULL && path_state(e->state) ? e : NULL;
}

/*
 * The check neigh_lookup()'s cache makes (a slot of e[] holds its key exactly while it is in
 * use), and a state that sp_neigh_output() would send through without more ado: then it would
 * have found this entry and sent to its MAC, whatever happened to it since it was kept. Whether
 * @p nexthop is a group address depends on the port's addresses, fixed after start.
 */
const struct rte_ether_addr *
sp_neigh_path_mac(struct sp_ctx *ctx, const void *entry, uint16_t port, uint32_t nexthop)
{
	struct neigh_entry *e = (struct neigh_entry *)(uintptr_t)entry;

	if (e->ip != nexthop || e->port != port || !path_state(e->state))
		return NULL;
	e->used = ctx->now;
	return &e->mac;
}

/* Apply a confirmation; @p publish: tell the other lcores. */
static int
neigh_confirm(struct sp_ctx *ctx, uint16_t port, uint32_t ip, const struct rte_ether_addr *mac,
	bool create, bool publish)
{
	struct sp_neigh_table *t = ctx->neigh;
	struct neigh_entry *e = neigh_lookup(t, port, ip);
	uint16_t i;

	if (e == NULL) {
		if (!create)
			return -ENOENT;
		e = neigh_add(ctx, t, port, ip, SP_NEIGH_REACHABLE);
		if (e == NULL)
			return -ENOMEM;
	}
	if (e->state == SP_NEIGH_PERMANENT)
		return 0; /* configured by the operator: ARP does not override it */
	/*
	 * RFC 826 merges whatever a packet claims. As Linux's neighbour locktime, another MAC
	 * than the one confirmed less than stack.neigh_learn_locktime_ms ago is not taken: of
	 * replies that race (the neighbour's and a forger's), the first stays, and a forged
	 * gratuitous ARP or request cannot move a neighbour that has just proved its MAC. Each
	 * lcore judges by its own copy, as neigh_learn() does.
	 */
	if ((e->state == SP_NEIGH_REACHABLE || e->state == SP_NEIGH_STALE ||
		    e->state == SP_NEIGH_LEARNED) &&
		!rte_is_same_ether_addr(&e->mac, mac) &&
		ctx->now - e->confirmed <
			sp_ms_to_tsc(ctx, ctx->cfg->stack.neigh_learn_locktime_ms)) {
		SP_STAT(ctx, port, neigh_learn_locked);
		return 0;
	}
	e->mac = *mac;
	e->state = SP_NEIGH_REACHABLE;
	e->probes = 0;
	e->mirror = false;
	e->confirmed = ctx->now;
	sp_timer_arm(
		ctx, &e->timer, ctx->now + sp_ms_to_tsc(ctx, ctx->cfg->stack.neigh_timeout_ms));
	/* The packets that waited go out in the order they came. */
	for (i = 0; i < e->n_pending; i++)
		neigh_send(ctx, e, e->pending[i]);
	e->n_pending = 0;
	rte_free(e->pending);
	e->pending = NULL;
	if (publish)
		neigh_publish(ctx, e, SP_NEIGH_REACHABLE);
	return 0;
}

int
sp_neigh_confirm(struct sp_ctx *ctx, uint16_t port, uint32_t ip, const struct rte_ether_addr *mac,
	bool create)
{
	return neigh_confirm(ctx, port, ip, mac, create, true);
}

static void
neigh_learn(struct sp_ctx *ctx, uint16_t port, uint32_t ip, const struct rte_ether_addr *mac,
	bool publish)
{
	struct sp_neigh_table *t = ctx->neigh;
	struct neigh_entry *e = neigh_lookup(t, port, ip);
	uint64_t ttl = learned_ttl(ctx);

	if (e == NULL) {
		e = neigh_add(ctx, t, port, ip, SP_NEIGH_LEARNED);
		if (e == NULL)
			return; /* counted; the static/gateway fallbacks still work */
		SP_STAT(ctx, port, neigh_learned);
	} else if (e->state == SP_NEIGH_PERMANENT) {
		return;
	} else if (e->state == SP_NEIGH_LEARNED && rte_is_same_ether_addr(&e->mac, mac)) {
		/*
		 * The usual case: the peer is still there. Refresh the entry (its timer re-arms
		 * lazily) and, at most twice per lifetime, tell the other lcores, whose copies
		 * see no datagram from this peer when RSS sends them all here.
		 */
		e->confirmed = ctx->now;
		if (publish && ttl != 0 && ctx->now - e->published >= ttl / 2) {
			e->published = ctx->now;
			neigh_publish(ctx, e, SP_NEIGH_LEARNED);
		}
		return;
	} else if (e->state == SP_NEIGH_LEARNED &&
		   ctx->now - e->confirmed <
			   sp_ms_to_tsc(ctx, ctx->cfg->stack.neigh_learn_locktime_ms)) {
		/*
		 * Another MAC for a peer whose own frames came moments ago: a forged source address
		 * (neighbour poisoning: any datagram would redirect the peer's connections to the
		 * sender's MAC), not a move. As Linux's neigh locktime, the change waits until the
		 * known MAC has been silent for stack.neigh_learn_locktime_ms (RFC 826 has no
		 * authentication; a static neighbour is the only full defence). Each lcore judges
		 * by its own copy, changes told by another lcore (!publish) included: a forged frame
		 * landing on an lcore whose copy is old must not move the copy of the lcore that
		 * hears the peer (and owns its connections).
		 */
		SP_STAT(ctx, port, neigh_learn_locked);
		return;
	}
	sp_timer_cancel(ctx, &e->timer);
	e->state = SP_NEIGH_LEARNED;
	e->mac = *mac;
	e->confirmed = ctx->now;
	e->published = ctx->now;
	if (ttl != 0)
		sp_timer_arm(ctx, &e->timer, ctx->now + ttl);
	if (publish)
		neigh_publish(ctx, e, SP_NEIGH_LEARNED);
}

void
sp_neigh_learn(struct sp_ctx *ctx, uint16_t port, uint32_t ip, const struct rte_ether_addr *mac)
{
	neigh_learn(ctx, port, ip, mac, true);
}

void
sp_neigh_drain(struct sp_ctx *ctx)
{
	struct sp_neigh_msg msgs[SP_NEIGH_DRAIN_BURST];
	unsigned n, i;

	if (ctx->neigh_ring == NULL || ctx->neigh == NULL)
		return;
	n = rte_ring_sc_dequeue_burst_elem(
		ctx->neigh_ring, msgs, sizeof(msgs[0]), RTE_DIM(msgs), NULL);
	for (i = 0; i < n; i++) {
		const struct sp_neigh_msg *g = &msgs[i];
		struct neigh_entry *e;

		if (g->port >= ctx->stack->n_ports)
			continue;
		switch (g->state) {
		case SP_NEIGH_REACHABLE:
			neigh_confirm(ctx, g->port, g->ip, &g->mac, true, false);
			break;
		case SP_NEIGH_LEARNED:
			neigh_learn(ctx, g->port, g->ip, &g->mac, false);
			break;
		case SP_NEIGH_INCOMPLETE:
			/*
			 * Another lcore is resolving: hold an entry so the reply, which may land
			 * here, is recognised; it expires like ours if no reply comes.
			 */
			if (neigh_lookup(ctx->neigh, g->port, g->ip) != NULL)
				break;
			e = neigh_add(ctx, ctx->neigh, g->port, g->ip, SP_NEIGH_INCOMPLETE);
			if (e == NULL)
				break;
			e->mirror = true;
			sp_timer_arm(ctx, &e->timer,
				ctx->now + sp_ms_to_tsc(ctx, ctx->cfg->stack.arp_request_rate_ms));
			break;
		default:
			break;
		}
	}
}

void
sp_neigh_foreach(struct sp_ctx *ctx,
	void (*fn)(void *arg, uint16_t port, uint32_t ip, const struct rte_ether_addr *mac,
		enum sp_neigh_state st),
	void *arg)
{
	struct sp_neigh_table *t = ctx->neigh;
	uint32_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n_entries; i++) {
		const struct neigh_entry *e = &t->e[i];

		if (e->state == SP_NEIGH_FREE)
			continue;
		fn(arg, e->port, e->ip, e->state == SP_NEIGH_INCOMPLETE ? NULL : &e->mac,
			(enum sp_neigh_state)e->state);
	}
}

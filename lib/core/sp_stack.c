/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stack object, per-lcore contexts and the top of the data path: sp_input() (frames in, at
 * the time the loop passes), sp_poll() (what is due at that time), sp_ctx_call(), and what a
 * program reads from its opaque context. The bottom (TX batch, mbuf allocation) is in tx.c,
 * the address lookups in ifaddr.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <stdlib.h>
#include <sys/random.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_pause.h>

#include "sp_ctx.h"
#include "sp_log.h"
#include "sp_proto.h"
#include "sp_version.h"
#include "spindle.h"
#include "tcp_isn.h"
#include "tcp_steer.h"

const char *
sp_version(void)
{
	return SPINDLE_VERSION;
}

struct sp_stack *
sp_stack_create(const struct sp_config *cfg)
{
	struct sp_stack *st;

	st = rte_zmalloc("sp_stack", sizeof(*st), RTE_CACHE_LINE_SIZE);
	if (st == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	st->cfg = cfg;
	st->hz = rte_get_tsc_hz();
	sp_tcp_clock_init(st);
	return st;
}

static void
port_fill_from_cfg(struct sp_port *p, const struct sp_port_cfg *pc, uint16_t idx)
{
	p->idx = idx;
	p->cfg = pc;
	p->mtu = pc->mtu ? pc->mtu : RTE_ETHER_MTU;
	p->arp = pc->arp != 0;
	p->n_addrs = pc->n_addrs;
	memcpy(p->addrs, pc->addrs, sizeof(p->addrs));
}

int
sp_stack_port_set_rss(struct sp_stack *st, uint16_t idx, uint16_t n_queues, bool on, uint64_t hf,
	const uint8_t *key, uint8_t key_len, const uint16_t *reta, uint16_t reta_size)
{
	struct sp_rss *r;
	uint16_t i;

	if (idx >= SP_MAX_PORTS || key_len > SP_RSS_KEY_MAX || reta_size > SP_RSS_RETA_MAX)
		return -EINVAL;
	r = &st->ports[idx].rss;
	memset(r, 0, sizeof(*r));
	r->on = on && n_queues > 1;
	r->hf = hf;
	if (key != NULL && key_len > 0) {
		memcpy(r->key, key, key_len);
		r->key_len = key_len;
	}
	if (reta != NULL && reta_size > 0) {
		memcpy(r->reta, reta, reta_size * sizeof(reta[0]));
		r->reta_size = reta_size;
	}
	/*
	 * Predictable: the reply of a connection can be hashed here exactly as the NIC will. That
	 * needs the key (rte_softrss reads 16 bytes for IPv4), ports in the TCP/IPv4 hash (else the
	 * source port cannot choose the queue) and a RETA naming only our queues. 22.11's ethdev
	 * cannot report the hash algorithm: Toeplitz, the ethdev default, is assumed.
	 */
	r->predictable = r->on && r->key_len >= 16 && r->reta_size > 0 &&
			 (hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP) != 0;
	for (i = 0; r->predictable && i < r->reta_size; i++)
		if (r->reta[i] >= n_queues)
			r->predictable = false;
	return 0;
}

/* Read back the RSS in effect on an ethdev (lib/core/port.c configured it). */
static void
port_read_rss(struct sp_stack *st, uint16_t idx, uint16_t port_id, uint16_t n_queues,
	const struct rte_eth_conf *conf, const struct rte_eth_dev_info *info)
{
	uint8_t key[SP_RSS_KEY_MAX];
	uint16_t reta[SP_RSS_RETA_MAX];
	struct rte_eth_rss_reta_entry64 rc[SP_RSS_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
	struct rte_eth_rss_conf rss = {0};
	bool on = conf->rxmode.mq_mode == RTE_ETH_MQ_RX_RSS && n_queues > 1;
	uint16_t size = info->reta_size, i;
	uint8_t key_len = 0;
	uint64_t hf = conf->rx_adv_conf.rss_conf.rss_hf;

	if (!on) {
		sp_stack_port_set_rss(st, idx, n_queues, false, 0, NULL, 0, NULL, 0);
		if (n_queues > 1)
			SP_LOG(INFO, stack,
				"port %u: %u queues without RSS: the PMD decides where a flow lands, "
				"segments of active opens are steered in software",
				idx, n_queues);
		return;
	}
	if (info->hash_key_size > 0 && info->hash_key_size <= SP_RSS_KEY_MAX) {
		rss.rss_key = key;
		rss.rss_key_len = info->hash_key_size;
	}
	if (rte_eth_dev_rss_hash_conf_get(port_id, &rss) == 0) {
		hf = rss.rss_hf;
		if (rss.rss_key != NULL)
			key_len = info->hash_key_size;
	}
	if (size == 0 || size > SP_RSS_RETA_MAX) {
		size = 0;
	} else {
		memset(rc, 0, sizeof(rc));
		for (i = 0; i < size; i++)
			rc[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL
								<< (i % RTE_ETH_RETA_GROUP_SIZE);
		if (rte_eth_dev_rss_reta_query(port_id, rc, size) == 0) {
			for (i = 0; i < size; i++)
				reta[i] = rc[i / RTE_ETH_RETA_GROUP_SIZE]
						  .reta[i % RTE_ETH_RETA_GROUP_SIZE];
		} else {
			size = 0;
		}
	}
	sp_stack_port_set_rss(st, idx, n_queues, true, hf, key_len ? key : NULL, key_len,
		size ? reta : NULL, size);
	SP_LOG(INFO, stack, "port %u: RSS hf 0x%" PRIx64 ", key %s, RETA %u entries: %s", idx, hf,
		key_len ? "read back" : "unknown", size,
		st->ports[idx].rss.predictable
			? "predictable, active opens pick ports by hash"
			: "not predictable, segments of active opens are steered in software");
}

int
sp_stack_add_port(struct sp_stack *st, uint16_t idx, uint16_t port_id, uint16_t n_queues)
{
	struct rte_eth_dev_info info;
	struct sp_port *p;
	int ret;

	if (idx >= SP_MAX_PORTS || idx >= st->cfg->n_ports)
		return -EINVAL;
	p = &st->ports[idx];
	port_fill_from_cfg(p, &st->cfg->ports[idx], idx);
	p->port_id = port_id;
	p->n_queues = n_queues;
	ret = rte_eth_macaddr_get(port_id, &p->mac);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_info_get(port_id, &info);
	if (ret != 0)
		return ret;
	/* Offloads are used only when the app enabled them on the port (see lib/core/port.c). */
	{
		struct rte_eth_conf conf;

		if (rte_eth_dev_conf_get(port_id, &conf) == 0) {
			p->rx_ip_cksum = !!(conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM);
			p->rx_l4_cksum = !!(conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_TCP_CKSUM);
			p->tx_ip_cksum = !!(conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM);
			p->tx_l4_cksum = !!(conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) &&
					 !!(conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_UDP_CKSUM);
			p->tx_tso = !!(conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_TCP_TSO) &&
				    p->tx_ip_cksum && p->tx_l4_cksum;
			p->rx_lro = !!(conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_TCP_LRO);
			p->tx_linear = !(conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
			port_read_rss(st, idx, port_id, n_queues, &conf, &info);
		}
	}
	/*
	 * The impairment layer acts on what the stack hands the PMD and models a wire that loses,
	 * duplicates, reorders or corrupts frames. A TSO segment is up to 64 KB of frames that
	 * would share one fate (a whole flight lost at once, the RTO the only repair): an impaired
	 * port sends each segment as its own frame.
	 */
	if (p->tx_tso && st->cfg->ports[idx].impair.enabled) {
		p->tx_tso = false;
		SP_LOG(INFO, stack, "port %u: impairment on: TSO off, so that it acts per frame",
			idx);
	}
	/* net_tap (22.11) refuses a TSO frame whose piece with L2 exceeds the MTU. */
	p->tso_l2_mtu = info.driver_name != NULL && strcmp(info.driver_name, "net_tap") == 0;
	p->sw_gro = sp_tcp_sw_gro_wanted(st->cfg, info.driver_name, p->rx_lro);
	if (idx + 1 > st->n_ports)
		st->n_ports = idx + 1;
	sp_ifaddr_index(st);
	return 0;
}

int
sp_stack_add_port_fake(struct sp_stack *st, uint16_t idx, const struct rte_ether_addr *mac)
{
	struct sp_port *p;

	if (idx >= SP_MAX_PORTS || idx >= st->cfg->n_ports)
		return -EINVAL;
	p = &st->ports[idx];
	port_fill_from_cfg(p, &st->cfg->ports[idx], idx);
	p->port_id = idx;
	p->n_queues = 1;
	p->mac = *mac;
	if (idx + 1 > st->n_ports)
		st->n_ports = idx + 1;
	sp_ifaddr_index(st);
	return 0;
}

int
sp_stack_start(struct sp_stack *st)
{
	int ret;

	/*
	 * RFC 6528: the ISN secret must be unpredictable; draw it from the kernel's CSPRNG. So
	 * must the IP ID key (RFC 7739 5.1), or the IDs of one peer tell another what we sent.
	 */
	if (getrandom(st->isn_secret, sizeof(st->isn_secret), 0) != sizeof(st->isn_secret) ||
		getrandom(st->cookie_secret, sizeof(st->cookie_secret), 0) !=
			sizeof(st->cookie_secret) ||
		getrandom(st->ip_id_secret, sizeof(st->ip_id_secret), 0) !=
			sizeof(st->ip_id_secret)) {
		SP_LOG(ERR, stack, "getrandom failed: %s", strerror(errno));
		return -EIO;
	}
	ret = sp_route_build(st);
	if (ret < 0)
		SP_LOG(ERR, stack, "route table: %s", strerror(-ret));
	return ret;
}

void
sp_stack_free(struct sp_stack *st)
{
	if (st == NULL)
		return;
	sp_route_free(st);
	rte_free(st);
}

struct sp_ctx *
sp_ctx_create(struct sp_stack *st, unsigned lcore_id, unsigned worker, struct rte_mempool *pool)
{
	struct sp_ctx *ctx;
	int socket = rte_lcore_to_socket_id(lcore_id);
	char name[RTE_RING_NAMESIZE];

	if (socket < 0 || (unsigned)socket >= RTE_MAX_NUMA_NODES)
		socket = SOCKET_ID_ANY;
	ctx = rte_zmalloc_socket("sp_ctx", sizeof(*ctx), RTE_CACHE_LINE_SIZE, socket);
	if (ctx == NULL)
		return NULL;
	ctx->stack = st;
	ctx->cfg = st->cfg;
	ctx->lcore_id = lcore_id;
	ctx->worker = worker;
	ctx->socket = socket;
	ctx->hz = st->hz;
	ctx->now = rte_rdtsc();
	ctx->pool = pool;
	ctx->tx_burst = sp_tx_burst_ethdev;
	sp_timer_wheel_init(&ctx->timers, ctx->hz, ctx->now);

	snprintf(
		name, sizeof(name), "sp_neigh_%u_%p", worker, (void *)ctx); /* unique per context */
	ctx->neigh_ring = rte_ring_create_elem(
		name, sizeof(struct sp_neigh_msg), 1024, socket, RING_F_SC_DEQ);
	if (ctx->neigh_ring == NULL)
		goto fail;
	ctx->neigh = sp_neigh_create(ctx, 4096);
	if (ctx->neigh == NULL)
		goto fail;
	if (sp_frag_init(ctx) < 0)
		goto fail;
	if (sp_tcp_init(ctx) < 0)
		goto fail;
	if (sp_tcp_steer_init(ctx) < 0)
		goto fail;
	if (worker < RTE_MAX_LCORE) {
		st->workers[worker] = ctx;
		if (worker + 1 > st->n_workers)
			st->n_workers = worker + 1;
	}
	return ctx;
fail:
	SP_LOG(ERR, stack, "lcore %u: cannot create context", lcore_id);
	sp_ctx_free(ctx);
	return NULL;
}

void
sp_ctx_free(struct sp_ctx *ctx)
{
	uint16_t p;

	if (ctx == NULL)
		return;
	sp_tcp_steer_fini(ctx);
	if (ctx->tcp != NULL)
		sp_tcp_fini(ctx);
	sp_udp_fini(ctx);
	sp_frag_fini(ctx);
	if (ctx->neigh != NULL)
		sp_neigh_free(ctx->neigh);
	rte_ring_free(ctx->neigh_ring);
	for (p = 0; p < SP_MAX_PORTS; p++) {
		rte_pktmbuf_free_bulk(ctx->txq[p].pkts, ctx->txq[p].n);
		ctx->txq[p].n = 0;
	}
	if (ctx->stack != NULL && ctx->worker < RTE_MAX_LCORE &&
		ctx->stack->workers[ctx->worker] == ctx)
		ctx->stack->workers[ctx->worker] = NULL;
	rte_free(ctx);
}

uint16_t
sp_input(struct sp_ctx *ctx, uint64_t now, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	/*
	 * Design rule 3: the time comes in with the packets. Without it, RTT samples, TS.Recent
	 * ageing, the delayed-ACK arm and the ICMP bucket would see the previous iteration's clock,
	 * up to one idle sleep old.
	 */
	ctx->now = now;
	SP_STAT(ctx, port, rx_polls);
	if (n == 0)
		SP_STAT(ctx, port, rx_empty_polls);
	for (i = 0; i < n; i++) {
		/* Prefetch the next frame's headers while this one goes up the stack. */
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		SP_STAT(ctx, port, rx_pkts);
		SP_STAT_ADD(ctx, port, rx_bytes, pkts[i]->pkt_len);
		sp_eth_input(ctx, port, pkts[i]);
	}
	sp_tcp_gro_flush(ctx);
	return n;
}

void
sp_poll(struct sp_ctx *ctx, uint64_t now)
{
	struct sp_remote_call *rc;

	ctx->now = now;
	sp_tcp_steer_drain(ctx);
	sp_tcp_gro_flush(ctx);
	sp_timers_run(ctx, now);
	sp_frag_expire(ctx);
	sp_neigh_drain(ctx);
	rc = ctx->remote;
	if (unlikely(rc != NULL)) {
		rc->fn(ctx, rc->arg);
		ctx->remote = NULL;
		__atomic_store_n(&rc->done, 1, __ATOMIC_RELEASE);
	}
}

void
sp_ctx_set_running(struct sp_ctx *ctx, bool running)
{
	__atomic_store_n(&ctx->running, running ? 1 : 0, __ATOMIC_RELEASE);
}

int
sp_ctx_call(struct sp_ctx *ctx, void (*fn)(struct sp_ctx *ctx, void *arg), void *arg,
	unsigned timeout_ms)
{
	struct sp_remote_call rc = {.fn = fn, .arg = arg, .done = 0};
	uint64_t deadline;

	if (!__atomic_load_n(&ctx->running, __ATOMIC_ACQUIRE)) {
		fn(ctx, arg);
		return 0;
	}
	/* One caller at a time per ctx (the telemetry thread is single); claim the slot. */
	{
		struct sp_remote_call *expected = NULL;

		if (!__atomic_compare_exchange_n(&ctx->remote, &expected, &rc, false,
			    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return -EBUSY;
	}
	deadline = rte_get_timer_cycles() + rte_get_timer_hz() * timeout_ms / 1000;
	while (!__atomic_load_n(&rc.done, __ATOMIC_ACQUIRE)) {
		if (rte_get_timer_cycles() > deadline) {
			struct sp_remote_call *expected = &rc;

			/* Withdraw if the worker has not taken it; else wait for it to finish. */
			if (__atomic_compare_exchange_n(&ctx->remote, &expected, NULL, false,
				    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return -ETIMEDOUT;
		}
		rte_pause();
	}
	return 0;
}

/* ---- what a program reads from its opaque stack (sp_stack.h); the ctx's in ctx_read.c ---- */

int
sp_stack_port_info(const struct sp_stack *st, uint16_t idx, struct sp_port_info *info)
{
	const struct sp_port *p;

	if (idx >= st->n_ports)
		return -EINVAL;
	p = &st->ports[idx];
	info->port_id = p->port_id;
	info->mac = p->mac;
	info->mtu = p->mtu;
	info->arp = p->arp;
	info->n_queues = p->n_queues;
	info->rss = p->rss.on;
	info->rss_predictable = p->rss.predictable;
	return 0;
}

void
sp_ctx_announce(struct sp_ctx *ctx)
{
	uint16_t p;

	for (p = 0; p < ctx->stack->n_ports; p++)
		if (ctx->stack->ports[p].arp)
			sp_arp_gratuitous(ctx, p);
}

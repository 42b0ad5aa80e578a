/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Seeded fault injection (drop, duplicate, reorder, corrupt, delay) on a port's frames.
 *
 * RX: an ethdev RX callback (rte_eth_add_rx_callback) on each worker's queue. It runs inside
 * rte_eth_rx_burst() on the worker, also when the PMD returned nothing, so held frames are
 * released on later polls, and it may hand back up to max_pkts frames (room for duplicates).
 *
 * TX: a wrapper around the worker's TX hook (ctx->tx_burst), not an ethdev TX callback. The
 * return value of rte_eth_tx_burst() tells its caller which mbufs it still owns; a TX callback
 * that drops, duplicates or holds frames would break that contract (the caller would free or
 * resend mbufs the callback already consumed). The hook takes every frame it is given and
 * sends what is due itself; held TX frames are released from the same queue's RX callback,
 * which runs every loop iteration.
 *
 * Every decision comes from a splitmix64 generator seeded per (port, queue, direction) from
 * impair_seed: the same seed and the same frame sequence give the same faults.
 * The delay is RX only (impair_delay_us, fixed). A frame is never held forever: reorder holds
 * at most IMPAIR_HOLD_MAX_US, delays are bounded by the config (at most 1 s), and a full hold
 * queue frees the frame and counts impair_overflow.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include "sp_ctx.h"
#include "sp_impair.h"
#include "sp_log.h"
#include "sp_proto.h"

#define IMPAIR_QLEN	   1024	 /* frames held per queue (power of two) */
#define IMPAIR_HOLD_MAX_US 10000 /* a frame held for reordering goes out after this at most */
#define IMPAIR_TX_BURST	   64

struct impair_slot {
	struct rte_mbuf *m;
	uint64_t due; /* TSC when it may go */
};

struct sp_impair_q {
	struct sp_ctx *ctx;
	uint16_t port;	  /* stack port index (counters) */
	uint16_t port_id; /* ethdev port */
	uint16_t queue;
	enum sp_impair_dir dir;
	uint64_t rng; /* splitmix64 state */
	double drop, dup, reorder, corrupt;
	uint64_t delay;	       /* cycles, RX only */
	uint64_t hold_max;     /* cycles */
	struct rte_mbuf *held; /* frame held back for reordering */
	uint64_t held_since;
	unsigned head, n; /* FIFO of frames waiting to go, due times non-decreasing */
	struct impair_slot fifo[IMPAIR_QLEN];
};

/* splitmix64 (Steele, Lea, Flood 2014): tiny state, good enough statistics for fault rates. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* true with probability @p p; draws nothing when p is 0 so a disabled fault costs no state. */
static bool
chance(struct sp_impair_q *q, double p)
{
	if (p <= 0.0)
		return false;
	return (double)(rng_next(&q->rng) >> 11) * 0x1.0p-53 < p;
}

struct sp_impair_q *
sp_impair_q_create(struct sp_ctx *ctx, uint16_t port, uint16_t port_id, uint16_t queue,
	enum sp_impair_dir dir, const struct sp_impair_cfg *cfg)
{
	struct sp_impair_q *q;

	q = rte_zmalloc_socket("sp_impair_q", sizeof(*q), RTE_CACHE_LINE_SIZE, ctx->socket);
	if (q == NULL)
		return NULL;
	q->ctx = ctx;
	q->port = port;
	q->port_id = port_id;
	q->queue = queue;
	q->dir = dir;
	/* Distinct, reproducible streams per (port, queue, direction). */
	q->rng = cfg->seed ^ ((uint64_t)port << 48) ^ ((uint64_t)queue << 32) ^
		 ((uint64_t)dir << 24);
	rng_next(&q->rng);
	q->drop = cfg->drop;
	q->dup = cfg->dup;
	q->reorder = cfg->reorder;
	q->corrupt = cfg->corrupt;
	q->delay = dir == SP_IMPAIR_RX ? (uint64_t)cfg->delay_us * ctx->hz / 1000000 : 0;
	q->hold_max = (uint64_t)IMPAIR_HOLD_MAX_US * ctx->hz / 1000000;
	return q;
}

unsigned
sp_impair_q_free(struct sp_impair_q *q)
{
	unsigned freed = 0;

	if (q == NULL)
		return 0;
	if (q->held != NULL) {
		rte_pktmbuf_free(q->held);
		freed++;
	}
	while (q->n != 0) {
		rte_pktmbuf_free(q->fifo[q->head].m);
		q->head = (q->head + 1) & (IMPAIR_QLEN - 1);
		q->n--;
		freed++;
	}
	rte_free(q);
	return freed;
}

static void
fifo_push(struct sp_impair_q *q, struct rte_mbuf *m, uint64_t due)
{
	if (q->n == IMPAIR_QLEN) {
		rte_pktmbuf_free(m);
		SP_STAT(q->ctx, q->port, impair_overflow);
		return;
	}
	q->fifo[(q->head + q->n) & (IMPAIR_QLEN - 1)] = (struct impair_slot){.m = m, .due = due};
	q->n++;
}

/* A frame leaves the reorder stage: queue it, then the held one behind it. */
static void
emit(struct sp_impair_q *q, struct rte_mbuf *m, uint64_t now)
{
	fifo_push(q, m, now + q->delay);
	if (q->held != NULL) {
		fifo_push(q, q->held, now + q->delay);
		q->held = NULL;
	}
}

/* Flip one random bit past the Ethernet header of the first segment. */
static bool
corrupt(struct sp_impair_q *q, struct rte_mbuf *m)
{
	uint32_t span, off;
	uint8_t *p;

	if (m->data_len <= RTE_ETHER_HDR_LEN)
		return false;
	span = m->data_len - RTE_ETHER_HDR_LEN;
	off = RTE_ETHER_HDR_LEN + (uint32_t)(rng_next(&q->rng) % span);
	p = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	*p ^= (uint8_t)(1u << (rng_next(&q->rng) & 7));
	/* The PMD's "checksum good" verdict was about the frame before the flip. */
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
	/*
	 * On TX, a checksum left to the PMD would be computed over the flipped bytes and the
	 * receiver would accept corrupted data: corruption on a wire happens after the checksum.
	 * Without the offload request the header keeps what the stack put there (zero IP checksum,
	 * pseudo-header L4 sum), so the receiver sees a bad checksum, as it would in real life.
	 */
	m->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK);
	return true;
}

uint16_t
sp_impair_q_run(
	struct sp_impair_q *q, struct rte_mbuf **pkts, uint16_t n, uint16_t cap, uint64_t now)
{
	uint16_t i, out = 0;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i], *copy;

		if (chance(q, q->drop)) {
			rte_pktmbuf_free(m);
			SP_STAT(q->ctx, q->port, impair_dropped);
			continue;
		}
		if (chance(q, q->corrupt)) {
			/*
			 * Never flip a bit in memory someone else still reads: a TX frame may share
			 * its data with TCP's retransmission queue (clones, refcnt), and corrupting
			 * that would corrupt every retransmission too. Corrupt a private copy.
			 */
			if (RTE_MBUF_CLONED(m) || RTE_MBUF_HAS_EXTBUF(m) ||
				rte_mbuf_refcnt_read(m) > 1) {
				copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
				if (copy != NULL) {
					rte_pktmbuf_free(m);
					m = copy;
				}
			}
			if (rte_mbuf_refcnt_read(m) == 1 && !RTE_MBUF_CLONED(m) &&
				!RTE_MBUF_HAS_EXTBUF(m) && corrupt(q, m))
				SP_STAT(q->ctx, q->port, impair_corrupted);
		}
		copy = NULL;
		if (chance(q, q->dup)) {
			/* A deep copy: the stack may modify one of the two in place. */
			copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
			if (copy != NULL)
				SP_STAT(q->ctx, q->port, impair_duplicated);
		}
		if (q->held == NULL && chance(q, q->reorder)) {
			q->held = m;
			q->held_since = now;
			SP_STAT(q->ctx, q->port, impair_reordered);
			if (copy != NULL)
				emit(q, copy, now);
			continue;
		}
		if (q->delay != 0)
			SP_STAT_ADD(q->ctx, q->port, impair_delayed, copy != NULL ? 2 : 1);
		emit(q, m, now);
		if (copy != NULL)
			fifo_push(q, copy, now + q->delay);
	}
	/* Nothing followed the held frame in time: let it go alone. */
	if (q->held != NULL && now - q->held_since >= q->hold_max) {
		fifo_push(q, q->held, now);
		q->held = NULL;
	}
	while (q->n != 0 && out < cap && q->fifo[q->head].due <= now) {
		pkts[out++] = q->fifo[q->head].m;
		q->head = (q->head + 1) & (IMPAIR_QLEN - 1);
		q->n--;
	}
	return out;
}

/* ---- ethdev / TX hook glue ---- */

/* What attach set up for one stack port (kept in a named memzone so detach finds it). */
struct impair_port {
	uint16_t n;
	struct sp_impair_q *rx[RTE_MAX_LCORE];
	struct sp_impair_q *tx[RTE_MAX_LCORE];
	const struct rte_eth_rxtx_callback *cb[RTE_MAX_LCORE];
};

/* Per worker: the TX hook that was installed before ours, and our TX queues per port. */
struct impair_txhook {
	sp_tx_burst_fn prev;
	void *prev_arg;
	struct sp_impair_q *q[SP_MAX_PORTS];
};

/* Send due TX frames of @p q; what the PMD refuses is freed and counted like sp_tx_flush(). */
static void
tx_release(struct sp_impair_q *q, struct impair_txhook *h, uint64_t now)
{
	struct rte_mbuf *pkts[IMPAIR_TX_BURST];
	uint16_t n, sent, i;

	do {
		n = sp_impair_q_run(q, pkts, 0, IMPAIR_TX_BURST, now);
		if (n == 0)
			break;
		sent = h->prev(q->ctx, q->port, pkts, n);
		for (i = sent; i < n; i++)
			rte_pktmbuf_free(pkts[i]);
		SP_STAT_ADD(q->ctx, q->port, tx_dropped, n - sent);
	} while (n == IMPAIR_TX_BURST);
}

static uint16_t
impair_tx_burst(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	struct impair_txhook *h = ctx->tx_burst_arg;
	struct sp_impair_q *q = h->q[port];
	struct rte_mbuf *due[IMPAIR_TX_BURST];
	uint16_t k, sent, i, done = 0;

	if (q == NULL) {
		uint16_t ret;

		/* Not impaired: the previous hook, with its own argument. */
		ctx->tx_burst_arg = h->prev_arg;
		ret = h->prev(ctx, port, pkts, n);
		ctx->tx_burst_arg = h;
		return ret;
	}
	/* Take everything (the caller must not free or resend frames the impairment consumed). */
	while (done < n) {
		uint16_t chunk = RTE_MIN(n - done, IMPAIR_TX_BURST);

		memcpy(due, pkts + done, chunk * sizeof(due[0]));
		k = sp_impair_q_run(q, due, chunk, IMPAIR_TX_BURST, rte_rdtsc());
		done += chunk;
		if (k == 0)
			continue;
		ctx->tx_burst_arg = h->prev_arg;
		sent = h->prev(ctx, port, due, k);
		ctx->tx_burst_arg = h;
		for (i = sent; i < k; i++)
			rte_pktmbuf_free(due[i]);
		SP_STAT_ADD(ctx, port, tx_dropped, k - sent);
	}
	return n;
}

static uint16_t
impair_rx_cb(uint16_t port_id, uint16_t queue, struct rte_mbuf *pkts[], uint16_t nb_pkts,
	uint16_t max_pkts, void *user_param)
{
	struct sp_impair_q *q = user_param;
	uint64_t now = rte_rdtsc();
	struct sp_ctx *ctx = q->ctx;

	RTE_SET_USED(port_id);
	RTE_SET_USED(queue);
	/* Held TX frames of this (port, queue) go out from here: this runs every iteration. */
	if (ctx->tx_burst == impair_tx_burst) {
		struct impair_txhook *h = ctx->tx_burst_arg;

		if (h->q[q->port] != NULL &&
			h->q[q->port]->n + (h->q[q->port]->held != NULL) != 0) {
			void *arg = ctx->tx_burst_arg;

			ctx->tx_burst_arg = h->prev_arg;
			tx_release(h->q[q->port], h, now);
			ctx->tx_burst_arg = arg;
		}
	}
	return sp_impair_q_run(q, pkts, nb_pkts, max_pkts, now);
}

static void
zone_name(char *buf, size_t len, const struct sp_stack *st, uint16_t port)
{
	snprintf(buf, len, "sp_imp_%" PRIxPTR "_%u", (uintptr_t)st, port);
}

void
sp_impair_detach(struct sp_stack *st, uint16_t port)
{
	char name[RTE_MEMZONE_NAMESIZE];
	const struct rte_memzone *mz;
	struct impair_port *ip;
	unsigned w, freed = 0;

	zone_name(name, sizeof(name), st, port);
	mz = rte_memzone_lookup(name);
	if (mz == NULL)
		return;
	ip = mz->addr;
	for (w = 0; w < ip->n; w++) {
		struct sp_ctx *ctx = st->workers[w];

		if (ip->cb[w] != NULL)
			rte_eth_remove_rx_callback(st->ports[port].port_id, w, ip->cb[w]);
		if (ctx != NULL && ctx->tx_burst == impair_tx_burst) {
			struct impair_txhook *h = ctx->tx_burst_arg;
			unsigned p, left = 0;

			h->q[port] = NULL;
			for (p = 0; p < SP_MAX_PORTS; p++)
				left += h->q[p] != NULL;
			if (left == 0) {
				ctx->tx_burst = h->prev;
				ctx->tx_burst_arg = h->prev_arg;
				rte_free(h);
			}
		}
		/*
		 * rte_eth_remove_rx_callback() does not wait for a running callback; detach is
		 * called after the workers stopped polling, so none is running.
		 */
		freed += sp_impair_q_free(ip->rx[w]);
		freed += sp_impair_q_free(ip->tx[w]);
	}
	if (freed != 0)
		SP_LOG(INFO, stack, "impair: port %u: freed %u held frames", port, freed);
	rte_memzone_free(mz);
}

int
sp_impair_attach(struct sp_stack *st, uint16_t port)
{
	char name[RTE_MEMZONE_NAMESIZE];
	const struct sp_impair_cfg *cfg;
	const struct rte_memzone *mz;
	struct impair_port *ip;
	unsigned w;

	if (port >= st->n_ports)
		return -EINVAL;
	cfg = &st->cfg->ports[port].impair;
	if (!cfg->enabled)
		return 0;
	zone_name(name, sizeof(name), st, port);
	mz = rte_memzone_reserve(name, sizeof(*ip), SOCKET_ID_ANY, 0);
	if (mz == NULL)
		return rte_errno == EEXIST ? -EEXIST : -ENOMEM;
	ip = mz->addr;
	memset(ip, 0, sizeof(*ip));
	ip->n = st->n_workers;
	for (w = 0; w < st->n_workers; w++) {
		struct sp_ctx *ctx = st->workers[w];
		struct impair_txhook *h;

		if (ctx == NULL)
			goto fail;
		ip->rx[w] = sp_impair_q_create(
			ctx, port, st->ports[port].port_id, w, SP_IMPAIR_RX, cfg);
		ip->tx[w] = sp_impair_q_create(
			ctx, port, st->ports[port].port_id, w, SP_IMPAIR_TX, cfg);
		if (ip->rx[w] == NULL || ip->tx[w] == NULL)
			goto fail;
		if (ctx->tx_burst != impair_tx_burst) {
			h = rte_zmalloc_socket("sp_impair_tx", sizeof(*h), 0, ctx->socket);
			if (h == NULL)
				goto fail;
			h->prev = ctx->tx_burst;
			h->prev_arg = ctx->tx_burst_arg;
			ctx->tx_burst = impair_tx_burst;
			ctx->tx_burst_arg = h;
		}
		h = ctx->tx_burst_arg;
		h->q[port] = ip->tx[w];
		ip->cb[w] = rte_eth_add_rx_callback(
			st->ports[port].port_id, w, impair_rx_cb, ip->rx[w]);
		if (ip->cb[w] == NULL) {
			SP_LOG(ERR, stack, "impair: port %u queue %u: cannot add RX callback: %s",
				port, w, rte_strerror(rte_errno));
			goto fail;
		}
	}
	SP_LOG(NOTICE, stack,
		"impair: port %u: drop %.3f dup %.3f reorder %.3f corrupt %.3f delay %u us seed %" PRIu64,
		port, cfg->drop, cfg->dup, cfg->reorder, cfg->corrupt, cfg->delay_us, cfg->seed);
	return 0;
fail:
	sp_impair_detach(st, port);
	return -ENOMEM;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bottom of the data path: the per-lcore TX batch and the mbufs protocol code builds into.
 * This is the only file of lib/ that transmits through rte_eth_*: protocol code appends finished
 * frames to ctx->txq with sp_tx_enqueue(), and sp_tx_flush() hands each port's batch to the PMD
 * through ctx->tx_burst (sp_tx_burst_ethdev(), or the capture hook of the unit tests).
 */
#include <string.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "sp_ctx.h"

/* How long the PMD may refuse the head of a batch before it is dropped (tx_stalled()). */
#define SP_TX_STALL_MS 100u

uint16_t
sp_tx_burst_ethdev(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf **pkts, uint16_t n)
{
	return rte_eth_tx_burst(ctx->stack->ports[port].port_id, ctx->worker, pkts, n);
}

void
sp_tx_enqueue(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m)
{
	struct sp_txq *q = &ctx->txq[port];

	if (q->n == SP_TX_BATCH)
		sp_tx_flush(ctx);
	if (unlikely(q->n == SP_TX_BATCH)) {
		/* The PMD took nothing of a full batch: the ring stays full, drop the newest. */
		rte_pktmbuf_free(m);
		SP_STAT(ctx, port, tx_dropped);
		return;
	}
	q->pkts[q->n++] = m;
}

/*
 * The PMD took nothing of the batch in this flush. A full ring drains within microseconds; a
 * frame the PMD refuses for what it is (net_tap 22.11 stops its burst at a TSO frame that
 * rte_gso_segment() cannot cut, or at any frame above its MTU, and gives it back every time)
 * would stay at the head for good and every later frame of the port behind it: one bad frame,
 * which a peer's options and window can make our TCP build, took the port off the network.
 * So a head refused for SP_TX_STALL_MS is dropped (tx_stall_drops): TCP resends what it held,
 * and a ring that is really full loses one frame per SP_TX_STALL_MS at most.
 */
static void
tx_stalled(struct sp_ctx *ctx, uint16_t p, struct sp_txq *q)
{
	if (!q->stalled) {
		q->stalled = true;
		q->stall_since = ctx->now;
		return;
	}
	if (ctx->now - q->stall_since < sp_ms_to_tsc(ctx, SP_TX_STALL_MS))
		return;
	rte_pktmbuf_free(q->pkts[0]);
	q->n--;
	memmove(q->pkts, q->pkts + 1, q->n * sizeof(q->pkts[0]));
	SP_STAT(ctx, p, tx_stall_drops);
	q->stalled = false;
}

void
sp_tx_flush(struct sp_ctx *ctx)
{
	uint16_t p, sent, i;

	for (p = 0; p < SP_MAX_PORTS; p++) {
		struct sp_txq *q = &ctx->txq[p];
		uint64_t bytes = 0;

		if (q->n == 0)
			continue;
		for (i = 0; i < q->n; i++)
			bytes += q->pkts[i]->pkt_len;
		sent = 0;
		/*
		 * A full TX ring gets a few retries within this flush; what it still refuses stays
		 * at the head of the batch for the next flush (the next loop iteration), in order.
		 * Dropping it instead turned a burst larger than the ring (1024 connections sending
		 * at once over memif: 960 frames) into as many retransmission timeouts on a link
		 * that loses nothing. Only a batch the PMD keeps refusing overflows, in
		 * sp_tx_enqueue().
		 */
		for (i = 0; i < 4 && sent < q->n; i++)
			sent += ctx->tx_burst(ctx, p, q->pkts + sent, q->n - sent);
		for (i = sent; i < q->n; i++)
			bytes -= q->pkts[i]->pkt_len;
		if (sent < q->n)
			memmove(q->pkts, q->pkts + sent, (q->n - sent) * sizeof(q->pkts[0]));
		SP_STAT_ADD(ctx, p, tx_pkts, sent);
		SP_STAT_ADD(ctx, p, tx_bytes, bytes);
		q->n -= sent;
		if (sent > 0 || q->n == 0)
			q->stalled = false;
		else
			tx_stalled(ctx, p, q);
	}
}

struct rte_mbuf *
sp_alloc(struct sp_ctx *ctx, uint16_t port)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(ctx->pool);

	if (unlikely(m == NULL))
		SP_STAT(ctx, port, tx_nombuf);
	return m;
}

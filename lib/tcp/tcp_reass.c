/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reassembly (RFC 9293 3.10.7.4, seventh step): in-order payload goes to the application,
 * segments beyond RCV.NXT wait in a sorted, non-overlapping out-of-order queue until the hole
 * before them is filled.
 */
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "tcp.h"

/* Drop the first @p n bytes of a chain. @return the new head (NULL when nothing is left). */
struct rte_mbuf *
sp_tcp_mbuf_trim_head(struct rte_mbuf *m, uint32_t n)
{
	uint32_t total = m->pkt_len - n;

	while (m != NULL && n > 0 && n >= m->data_len) {
		struct rte_mbuf *nx = m->next;
		uint16_t segs = m->nb_segs;

		n -= m->data_len;
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		m = nx;
		if (m != NULL)
			m->nb_segs = (uint16_t)(segs - 1);
	}
	if (m == NULL)
		return NULL;
	m->data_off += (uint16_t)n;
	m->data_len -= (uint16_t)n;
	m->pkt_len = total;
	if (total == 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}

/* Keep the first @p keep bytes of a chain (keep > 0). */
void
sp_tcp_mbuf_trim_tail(struct rte_mbuf *m, uint32_t keep)
{
	struct rte_mbuf *s = m;
	uint32_t acc = 0;
	uint16_t segs = 1;

	while (s != NULL) {
		if (acc + s->data_len >= keep) {
			s->data_len = (uint16_t)(keep - acc);
			rte_pktmbuf_free(s->next);
			s->next = NULL;
			break;
		}
		acc += s->data_len;
		s = s->next;
		segs++;
	}
	m->nb_segs = segs;
	m->pkt_len = keep;
}

/* Segments up to this many bytes are copied into a shared pack mbuf (collapse). */
#define OOO_TINY 256

/* The per-connection bound of tcp.ooo_max_bytes, in mbufs of this lcore's pool. */
static uint32_t
ooo_max_mbufs(const struct sp_conn *c)
{
	const struct sp_tcp_cfg *tc = &c->ctx->cfg->tcp;
	uint64_t bytes = tc->ooo_max_bytes != 0 ? tc->ooo_max_bytes : 2ull * c->rcvbuf;

	return (uint32_t)RTE_MAX(bytes / RTE_MAX(c->ctx->tcp->mem.truesize, 1u), 1u);
}

/* Give back what an entry holds: its chain, or its reference to a pack (the last one frees it). */
static void
ooo_put(struct sp_conn *c, struct rte_mbuf *m, bool packed)
{
	if (!packed)
		sp_tcp_mem_uncharge(c, SP_TCP_MEM_OOO, m->nb_segs);
	else if (rte_mbuf_refcnt_read(m) == 1)
		sp_tcp_mem_uncharge(c, SP_TCP_MEM_OOO, 1);
	rte_pktmbuf_free(m);
}

/* Remove entry @p i (its mbufs stay with the caller). */
static void
ooo_remove(struct sp_conn *c, unsigned i)
{
	c->ooo_bytes -= c->ooo[i].end - c->ooo[i].seq;
	c->n_ooo--;
	for (; i < c->n_ooo; i++)
		c->ooo[i] = c->ooo[i + 1];
	if (c->ooo_last >= c->n_ooo)
		c->ooo_last = 0;
}

/*
 * Room for @p n more mbufs in @p c's queue, within tcp.ooo_max_bytes (true size) and the
 * lcore's memory marks. What is queued above @p seq is pruned from the far end until there is
 * room: the data nearest RCV.NXT is the most useful, and dropping data we SACKed is reneging,
 * which RFC 2018 8 allows (the sender keeps it until it is cumulatively acknowledged).
 */
static bool
ooo_room(struct sp_conn *c, sp_seq_t seq, uint32_t n)
{
	bool pruned = false;

	for (;;) {
		if (c->mem_ooo + n <= ooo_max_mbufs(c) && sp_tcp_mem_charge(c, SP_TCP_MEM_OOO, n))
			return true;
		if (c->n_ooo == 0 || SEQ_LEQ(c->ooo[c->n_ooo - 1].seq, seq))
			return false;
		if (!pruned) {
			TCP_STAT(c, PruneCalled);
			pruned = true;
		}
		ooo_put(c, c->ooo[c->n_ooo - 1].m, c->ooo[c->n_ooo - 1].packed);
		ooo_remove(c, c->n_ooo - 1);
		TCP_STAT(c, OfoPruned);
	}
}

/* Drop the connection's reference to its current pack. */
static void
ooo_pack_release(struct sp_conn *c)
{
	if (c->ooo_pack != NULL) {
		ooo_put(c, c->ooo_pack, true);
		c->ooo_pack = NULL;
	}
}

/*
 * Collapse (Linux: tcp_collapse_ofo_queue): a tiny segment would cost a whole mbuf for a few
 * bytes, so a peer sending thousands of them with gaps would pin thousands of mbufs. Its bytes
 * are copied into the connection's pack mbuf instead; the entry keeps a reference and an offset.
 * When the bytes continue those of the entry before (@p pos - 1) in the same pack, *@p merge
 * says that entry is to grow (TCPOFOMerge) instead of a new one taking a reference.
 * @return the pack, or NULL when there is no memory for a new pack.
 */
static struct rte_mbuf *
ooo_pack(struct sp_conn *c, unsigned pos, struct rte_mbuf *m, sp_seq_t seq, uint32_t len,
	uint16_t *off, bool *merge)
{
	const struct sp_tcp_ooo *prev = pos > 0 ? &c->ooo[pos - 1] : NULL;
	struct rte_mbuf *p = c->ooo_pack;
	uint8_t tmp[OOO_TINY];
	const void *src;

	if (p == NULL || rte_pktmbuf_tailroom(p) < len) {
		if (!ooo_room(c, seq, 1))
			return NULL;
		p = rte_pktmbuf_alloc(c->ctx->pool);
		if (p == NULL) {
			sp_tcp_mem_uncharge(c, SP_TCP_MEM_OOO, 1);
			return NULL;
		}
		ooo_pack_release(c);
		c->ooo_pack = p;
	}
	src = rte_pktmbuf_read(m, 0, len, tmp);
	*off = p->data_len;
	memcpy(rte_pktmbuf_mtod_offset(p, uint8_t *, p->data_len), src, len);
	p->data_len += (uint16_t)len;
	p->pkt_len = p->data_len;
	TCP_STAT(c, TCPRcvCollapsed);
	*merge = prev != NULL && prev->packed && prev->m == p && !prev->fin && prev->end == seq &&
		 prev->off + (prev->end - prev->seq) == *off;
	if (!*merge)
		rte_mbuf_refcnt_update(p, 1);
	return p;
}

/*
 * Queue a segment beyond RCV.NXT, sorted by sequence, trimmed against its neighbours so the
 * entries never overlap. Bounded by tcp.ooo_max_segs entries and tcp.ooo_max_bytes of true size
 * per connection and by the lcore's memory marks (RFC 9293 3.10.7.4 leaves the policy to us;
 * the bounds are what keep a hostile peer from pinning memory; docs/tcp.md "Memory").
 */
void
sp_tcp_reass_insert(struct sp_conn *c, struct rte_mbuf *m, sp_seq_t seq, uint32_t len, bool fin)
{
	uint32_t max = c->ctx->cfg->tcp.ooo_max_segs;
	sp_seq_t end = seq + len;
	struct rte_mbuf *p = NULL;
	uint16_t off = 0;
	unsigned i, pos;

	if (c->ooo == NULL) {
		c->ooo = rte_zmalloc_socket("sp_ooo", sizeof(*c->ooo) * max, 0, c->ctx->socket);
		if (c->ooo == NULL)
			goto drop;
	}
	for (pos = 0; pos < c->n_ooo && SEQ_LT(c->ooo[pos].seq, seq); pos++)
		;
	/* Front overlap with the previous entry. */
	if (pos > 0 && SEQ_GT(c->ooo[pos - 1].end, seq)) {
		uint32_t d = c->ooo[pos - 1].end - seq;

		if (d >= len) {
			c->ooo_last = (uint16_t)(pos - 1);
			goto drop_dup;
		}
		m = sp_tcp_mbuf_trim_head(m, d);
		seq += d;
		len -= d;
	}
	/* Tail overlap with the next entry. */
	if (pos < c->n_ooo && SEQ_GT(end, c->ooo[pos].seq)) {
		if (c->ooo[pos].seq == seq && SEQ_GEQ(c->ooo[pos].end, end)) {
			c->ooo_last = (uint16_t)pos;
			goto drop_dup;
		}
		if (SEQ_GT(end, c->ooo[pos].end) || c->ooo[pos].seq == seq) {
			/* Covers the next entry: keep it simple, keep the older one. */
			c->ooo_last = (uint16_t)pos;
			goto drop_dup;
		}
		len = c->ooo[pos].seq - seq;
		sp_tcp_mbuf_trim_tail(m, len);
		end = seq + len;
		fin = false;
	}
	if (c->n_ooo >= max)
		goto drop;
	if (len <= OOO_TINY) {
		bool merge;

		p = ooo_pack(c, pos, m, seq, len, &off, &merge);
		if (p == NULL)
			goto drop;
		rte_pktmbuf_free(m);
		if (merge) {
			/* Continues the entry before it in the same pack: one entry. */
			c->ooo[pos - 1].end = end;
			c->ooo[pos - 1].fin = fin;
			c->ooo_last = (uint16_t)(pos - 1);
			c->ooo_bytes += len;
			TCP_STAT(c, TCPOFOMerge);
			return;
		}
		m = p;
	} else if (!ooo_room(c, seq, m->nb_segs)) {
		goto drop;
	}
	/* Pruning only takes entries above seq: pos is still the place. */
	for (i = c->n_ooo; i > pos; i--)
		c->ooo[i] = c->ooo[i - 1];
	c->ooo[pos].seq = seq;
	c->ooo[pos].end = end;
	c->ooo[pos].m = m;
	c->ooo[pos].off = off;
	c->ooo[pos].packed = p != NULL;
	c->ooo[pos].fin = fin;
	c->n_ooo++;
	c->ooo_last = (uint16_t)pos;
	c->ooo_bytes += len;
	TCP_STAT(c, TCPOFOQueue);
	return;
drop:
	TCP_STAT(c, TCPOFODrop);
drop_dup:
	rte_pktmbuf_free(m);
}

/* Hand @p m (@p len bytes, the next in sequence) to the application. */
static void
to_app(struct sp_conn *c, struct rte_mbuf *m, uint32_t len)
{
	c->rcv_nxt += len;
	c->bytes_received += len;
	sp_tcp_mem_progress(c);
	if (c->cb.recv != NULL && !(c->flags & TF_APP_CLOSED)) {
		if (c->flags & TF_RCV_FLOW)
			c->rcv_held += len;
		c->cb.recv(c, m, c->arg);
	} else {
		rte_pktmbuf_free(m);
	}
}

/*
 * The bytes of queue head @p e from RCV.NXT on, as an mbuf of their own: the segment's chain
 * (its charge given back), or a copy out of the pack. @return NULL: no mbuf for the copy (the
 * entry stays queued; the peer's retransmission of the bytes at RCV.NXT delivers them later).
 */
static struct rte_mbuf *
ooo_take(struct sp_conn *c, const struct sp_tcp_ooo *e, uint32_t d)
{
	uint32_t len = e->end - e->seq - d;
	struct rte_mbuf *m;

	if (!e->packed) {
		sp_tcp_mem_uncharge(c, SP_TCP_MEM_OOO, e->m->nb_segs);
		return sp_tcp_mbuf_trim_head(e->m, d);
	}
	m = rte_pktmbuf_alloc(c->ctx->pool);
	if (m == NULL) {
		TCP_STAT(c, TCPRcvQNoMbuf);
		return NULL;
	}
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), rte_pktmbuf_mtod_offset(e->m, uint8_t *, e->off + d),
		len);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	ooo_put(c, e->m, true);
	return m;
}

/* In-order payload: to the application, then whatever the OOO queue now continues. */
void
sp_tcp_reass_deliver(struct sp_conn *c, struct rte_mbuf *m, uint32_t len)
{
	to_app(c, m, len);
	while (!c->freed && c->n_ooo > 0 && SEQ_LEQ(c->ooo[0].seq, c->rcv_nxt)) {
		struct sp_tcp_ooo e = c->ooo[0];

		if (SEQ_GT(e.end, c->rcv_nxt)) {
			uint32_t d = c->rcv_nxt - e.seq;
			struct rte_mbuf *x = ooo_take(c, &e, d);

			if (x == NULL)
				break;
			ooo_remove(c, 0);
			to_app(c, x, e.end - e.seq - d);
		} else {
			ooo_remove(c, 0);
			ooo_put(c, e.m, e.packed);
		}
		if (e.fin && !c->freed && c->rcv_nxt == e.end)
			sp_tcp_fin_arrived(c);
	}
	/* Queue empty: the pack goes back to the pool with its last entry. */
	if (!c->freed && c->n_ooo == 0)
		ooo_pack_release(c);
}

/*
 * The peer's FIN is next in sequence, or about to be delivered with the segment that carries it:
 * it ends the stream (RFC 9293 3.10.7.4, eighth step: RCV.NXT goes past the FIN, nothing after
 * it is ever in sequence), so whatever waits in the queue lies beyond it or is covered by that
 * segment. Drop it all (TCPDataAfterFin, each entry): delivered, it would reach the application
 * after peer_closed() and move RCV.NXT past the FIN. Linux's tcp_fin() purges the same way.
 */
void
sp_tcp_reass_after_fin(struct sp_conn *c)
{
	unsigned i;

	for (i = 0; i < c->n_ooo; i++) {
		TCP_STAT(c, TCPDataAfterFin);
		ooo_put(c, c->ooo[i].m, c->ooo[i].packed);
	}
	c->n_ooo = 0;
	c->ooo_bytes = 0;
	c->ooo_last = 0;
	ooo_pack_release(c);
}

/* Free the out-of-order queue (the connection ends). */
void
sp_tcp_reass_free(struct sp_conn *c)
{
	unsigned i;

	for (i = 0; i < c->n_ooo; i++)
		ooo_put(c, c->ooo[i].m, c->ooo[i].packed);
	ooo_pack_release(c);
	c->n_ooo = 0;
	c->ooo_bytes = 0;
	rte_free(c->ooo);
	c->ooo = NULL;
}

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

/*
 * Queue a segment beyond RCV.NXT, sorted by sequence, trimmed against its neighbours so the
 * entries never overlap. Bounded by tcp.ooo_max_segs (RFC 9293 3.10.7.4 leaves the policy to
 * us; the bound is what keeps a hostile peer from pinning memory).
 */
void
sp_tcp_reass_insert(struct sp_conn *c, struct rte_mbuf *m, sp_seq_t seq, uint32_t len, bool fin)
{
	uint32_t max = c->ctx->cfg->tcp.ooo_max_segs;
	sp_seq_t end = seq + len;
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
	for (i = c->n_ooo; i > pos; i--)
		c->ooo[i] = c->ooo[i - 1];
	c->ooo[pos].seq = seq;
	c->ooo[pos].end = end;
	c->ooo[pos].m = m;
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

/* In-order payload: to the application, then whatever the OOO queue now continues. */
void
sp_tcp_reass_deliver(struct sp_conn *c, struct rte_mbuf *m, uint32_t len)
{
	c->rcv_nxt += len;
	c->bytes_received += len;
	if (c->cb.recv != NULL && !(c->flags & TF_APP_CLOSED)) {
		if (c->flags & TF_RCV_FLOW)
			c->rcv_held += len;
		c->cb.recv(c, m, c->arg);
	} else {
		rte_pktmbuf_free(m);
	}
	while (!c->freed && c->n_ooo > 0 && SEQ_LEQ(c->ooo[0].seq, c->rcv_nxt)) {
		struct sp_tcp_ooo e = c->ooo[0];
		unsigned i;

		c->n_ooo--;
		for (i = 0; i < c->n_ooo; i++)
			c->ooo[i] = c->ooo[i + 1];
		c->ooo_last = 0;
		c->ooo_bytes -= e.end - e.seq;
		if (SEQ_GT(e.end, c->rcv_nxt)) {
			uint32_t d = c->rcv_nxt - e.seq;

			e.m = sp_tcp_mbuf_trim_head(e.m, d);
			c->rcv_nxt = e.end;
			c->bytes_received += e.end - e.seq - d;
			if (c->cb.recv != NULL && !(c->flags & TF_APP_CLOSED)) {
				if (c->flags & TF_RCV_FLOW)
					c->rcv_held += e.end - e.seq - d;
				c->cb.recv(c, e.m, c->arg);
			} else {
				rte_pktmbuf_free(e.m);
			}
		} else {
			rte_pktmbuf_free(e.m);
		}
		if (e.fin && !c->freed && c->rcv_nxt == e.end)
			sp_tcp_fin_arrived(c);
	}
}

/* Free the out-of-order queue (the connection ends). */
void
sp_tcp_reass_free(struct sp_conn *c)
{
	unsigned i;

	for (i = 0; i < c->n_ooo; i++)
		rte_pktmbuf_free(c->ooo[i].m);
	c->n_ooo = 0;
	c->ooo_bytes = 0;
	rte_free(c->ooo);
	c->ooo = NULL;
}

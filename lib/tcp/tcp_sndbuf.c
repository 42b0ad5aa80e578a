/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The send buffer: single-segment mbufs linked by ->next holding the bytes from SND.UNA
 * (sb_seq) on, kept until acknowledged. Segments take indirect copies of it (zero-copy), found
 * from a cursor left by the previous segment.
 */
#include <rte_mbuf.h>
#include <rte_memcpy.h>

#include "tcp.h"

/*
 * Queue the single-segment mbuf @p m at the tail (its data is the application's bytes). The
 * caller has charged it to the connection (tcp_mem.c); trim and free give the charge back.
 */
void
sp_tcp_sb_append(struct sp_conn *c, struct rte_mbuf *m)
{
	m->next = NULL;
	m->nb_segs = 1;
	m->pkt_len = m->data_len;
	if (c->sb_tail != NULL)
		c->sb_tail->next = m;
	else
		c->sb_head = m;
	c->sb_tail = m;
	c->sb_len += m->data_len;
}

/* Drop @p n acknowledged bytes from the head of the send buffer. */
void
sp_tcp_sb_trim(struct sp_conn *c, uint32_t n)
{
	while (n > 0 && c->sb_head != NULL) {
		struct rte_mbuf *m = c->sb_head;

		if (m->data_len > n) {
			/* In-flight indirect copies keep their own offsets: adjusting is safe. */
			m->data_off += (uint16_t)n;
			m->data_len -= (uint16_t)n;
			c->sb_len -= n;
			c->sb_seq += n;
			break;
		}
		n -= m->data_len;
		c->sb_len -= m->data_len;
		c->sb_seq += m->data_len;
		c->sb_head = m->next;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		sp_tcp_mem_uncharge(c, SP_TCP_MEM_SND, 1);
	}
	if (c->sb_head == NULL)
		c->sb_tail = NULL;
	/* The cursor's mbuf was freed or its first byte trimmed away: start over from the head. */
	if (c->sb_cur != NULL && SEQ_LT(c->sb_cur_seq, c->sb_seq))
		c->sb_cur = NULL;
}

/*
 * The mbuf of the send buffer that holds @p seq, and where in it (@p off): found from the cursor
 * left by the previous segment when @p seq is at or after it, not by walking the whole buffer;
 * the cursor moves there. NULL when the buffer does not hold @p seq.
 */
static struct rte_mbuf *
sb_find(struct sp_conn *c, sp_seq_t seq, uint32_t *off)
{
	struct rte_mbuf *m = c->sb_head;
	sp_seq_t mseq = c->sb_seq;

	if (c->sb_cur != NULL && SEQ_GEQ(seq, c->sb_cur_seq)) {
		m = c->sb_cur;
		mseq = c->sb_cur_seq;
	}
	while (m != NULL && seq - mseq >= m->data_len) {
		mseq += m->data_len;
		m = m->next;
	}
	if (m != NULL) {
		c->sb_cur = m;
		c->sb_cur_seq = mseq;
		*off = seq - mseq;
	}
	return m;
}

/*
 * Build a chain of indirect mbufs covering [@p seq, @p seq + @p len) of the send buffer: the
 * payload is never copied, the buffer keeps the data until it is acknowledged.
 */
struct rte_mbuf *
sp_tcp_sb_clone(struct sp_conn *c, sp_seq_t seq, uint32_t len)
{
	struct rte_mbuf *head = NULL, *m;
	uint32_t off = 0;

	for (m = sb_find(c, seq, &off); m != NULL && len > 0; m = m->next) {
		struct rte_mbuf *mi;
		uint32_t take;

		take = RTE_MIN(len, (uint32_t)m->data_len - off);
		mi = rte_pktmbuf_alloc(c->ctx->pool);
		if (mi == NULL)
			goto fail;
		rte_pktmbuf_attach(mi, m);
		mi->data_off = (uint16_t)(m->data_off + off);
		mi->data_len = (uint16_t)take;
		mi->pkt_len = take;
		if (head == NULL)
			head = mi;
		else if (rte_pktmbuf_chain(head, mi) < 0) {
			rte_pktmbuf_free(mi);
			goto fail;
		}
		len -= take;
		off = 0;
	}
	return head;
fail:
	rte_pktmbuf_free(head);
	return NULL;
}

/*
 * Copy [@p seq, @p seq + @p len) of the send buffer (which must hold them) to @p dst: for ports
 * whose PMD cannot send mbuf chains (tcp_out.c), where a chain of clones would be copied into
 * one mbuf before the PMD anyway, at the cost of an indirect mbuf per piece.
 */
void
sp_tcp_sb_copy(struct sp_conn *c, sp_seq_t seq, uint32_t len, uint8_t *dst)
{
	struct rte_mbuf *m;
	uint32_t off = 0;

	for (m = sb_find(c, seq, &off); m != NULL && len > 0; m = m->next) {
		uint32_t take = RTE_MIN(len, (uint32_t)m->data_len - off);

		rte_memcpy(dst, rte_pktmbuf_mtod_offset(m, uint8_t *, off), take);
		dst += take;
		len -= take;
		off = 0;
	}
}

/*
 * Send buffer autotuning (docs/tcp.md "Buffer autotuning"), after Linux's tcp_sndbuf_expand():
 * called when an ACK freed part of the buffer, with what was in flight before it. A writer that found the buffer full while neither
 * congestion control nor the peer's window held the sender back (the buffer was the limit: all
 * of it in flight, cwnd and SND.WND allowing more) gets two congestion windows of buffer, one in
 * flight and one to send as the ACKs for it come back, up to tcp.sndbuf_max. As cwnd grows in
 * slow start only while it is used (tcp_cc.c), buffer and window grow together to what the path
 * needs, not to the maximum. Never while this lcore's connections hold tcp_mem's low mark or more
 * (Linux: tcp_mem[0]): autotuning does not drive the stack towards pressure, and every mbuf is
 * still charged against the marks (tcp_mem.c) whatever the size. It never shrinks the buffer, and
 * leaves one the application sized (SO_SNDBUF: sndbuf_lock) alone, as Linux.
 */
void
sp_tcp_sb_expand(struct sp_conn *c, uint32_t inflight)
{
	const struct sp_tcp_mem *mem = &c->ctx->tcp->mem;
	uint32_t max = c->ctx->cfg->tcp.sndbuf_max;
	uint64_t want;

	if (max <= c->sndbuf || c->sndbuf_lock || !(c->flags & TF_WANT_WRITABLE))
		return;
	if (inflight >= c->cc.cwnd || inflight >= c->snd_wnd)
		return; /* cwnd- or window-limited: a larger buffer would not send more */
	want = RTE_MIN(2 * (uint64_t)c->cc.cwnd, (uint64_t)max);
	if (want <= c->sndbuf)
		return;
	if (mem->mbufs >= mem->low) {
		TCP_STAT(c, TCPBufTuneMemLimited);
		return;
	}
	c->sndbuf = (uint32_t)want;
	TCP_STAT(c, TCPSndBufExpand);
}

/* Free every mbuf of the send buffer (the connection ends). */
void
sp_tcp_sb_free(struct sp_conn *c)
{
	while (c->sb_head != NULL) {
		struct rte_mbuf *n = c->sb_head->next;

		c->sb_head->next = NULL;
		rte_pktmbuf_free_seg(c->sb_head);
		c->sb_head = n;
	}
	c->sb_tail = NULL;
	c->sb_cur = NULL;
	c->sb_len = 0;
	if (c->mem_snd > 0)
		sp_tcp_mem_uncharge(c, SP_TCP_MEM_SND, c->mem_snd);
}

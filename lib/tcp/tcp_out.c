/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment building and the send path: header + options in a fresh mbuf, payload attached
 * zero-copy (indirect mbufs on the send buffer), checksum offload flags, sp_ipv4_output().
 */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "tcp.h"
#include "tcp_isn.h"

uint32_t
sp_tcp_ts_now(const struct sp_conn *c)
{
	return sp_tcp_ts_clock(c->ctx->stack, c->ctx->now);
}

/*
 * Receive window we can offer: the buffer less, with receive flow control on, what the
 * application holds. Delivered bytes move rcv_nxt and rcv_held up together, so the right edge
 * never moves left (RFC 9293 3.8.6.2.2: no shrinking). Out-of-order data lies inside the
 * window already offered and does not shrink it: it is bounded by that window and by
 * tcp.ooo_max_segs.
 */
uint32_t
sp_tcp_rcv_wnd(const struct sp_conn *c)
{
	uint32_t used = c->rcv_held;

	if (used >= c->rcvbuf)
		return 0;
	return c->rcvbuf - used;
}

/*
 * Build the TCP header in a new mbuf, chain @p payload (may be NULL) and hand the segment to
 * IPv4. The checksum is left to sp_ipv4_output (offload or software). @p segsz > 0: a TSO
 * segment the PMD cuts into pieces of @p segsz payload bytes (RTE_MBUF_F_TX_TCP_SEG; it implies
 * the TCP checksum offload, and sp_ipv4_output() puts the pseudo-header sum without the length
 * in the checksum field, as rte_ipv4_phdr_cksum() does for that flag). @p from: the connection
 * that sends (NULL: none); its segments go out by the route and neighbour the previous one took
 * (sp_ipv4_output_path()). @p copy > 0: the payload is instead that many bytes of @p from's
 * send buffer at h->seq, copied behind the header (linear_ok()).
 */
static int
xmit_seg(struct sp_ctx *ctx, uint32_t src, uint32_t dst, struct sp_tcp_hdr *h,
	struct rte_mbuf *payload, uint16_t port, uint16_t segsz, struct sp_conn *from,
	uint32_t copy, const struct sp_ip_tx *iptx)
{
	struct sp_ipv4_out o;
	struct rte_mbuf *m;
	int hlen = 20 + sp_tcp_opts_len(&h->opts);
	bool sw;
	void *p;

	m = sp_alloc(ctx, port);
	if (m == NULL)
		goto drop_nombuf;
	p = rte_pktmbuf_append(m, (uint16_t)hlen);
	if (p == NULL)
		goto drop_free;
	sp_tcp_build(p, h);
	if (copy > 0) {
		p = rte_pktmbuf_append(m, (uint16_t)copy);
		if (p == NULL)
			goto drop_free;
		sp_tcp_sb_copy(from, h->seq, copy, p);
	}
	sw = payload != NULL && payload->nb_segs > 1 && segsz == 0;
	if (payload != NULL && rte_pktmbuf_chain(m, payload) < 0)
		goto drop_free;
	payload = NULL;
	if (sw) {
		/*
		 * Payload spread over several buffers: checksum here, never offloaded. net_tap's
		 * offload sums with DPDK 22.11's rte_raw_cksum_mbuf(), which truncates the partial
		 * sum of a piece that starts at an odd offset before byte-swapping it: such
		 * segments went out with bad checksums. sp_tcp_cksum() (wire/cksum.c) does not.
		 */
		struct rte_tcp_hdr *t = rte_pktmbuf_mtod(m, struct rte_tcp_hdr *);

		t->cksum = 0;
		t->cksum = sp_tcp_cksum(m, src, dst);
	} else {
		m->ol_flags |= RTE_MBUF_F_TX_TCP_CKSUM;
		m->l4_len = (uint16_t)hlen;
	}
	if (segsz > 0) {
		m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG;
		m->tso_segsz = segsz;
	}
	memset(&o, 0, sizeof(o));
	o.src = src;
	o.dst = dst;
	o.proto = IPPROTO_TCP;
	o.df = true;
	if (iptx != NULL) {
		/* IP_TOS, IP_TTL; no ECN here, so its bits stay clear (RFC 3168 6.1.1) */
		o.tos = iptx->tos & (uint8_t)~RTE_IPV4_HDR_ECN_MASK;
		o.ttl = iptx->ttl;
	}
	SP_STAT(ctx, port, OutSegs);
	if (h->flags & RTE_TCP_RST_FLAG)
		SP_STAT(ctx, port, OutRsts);
	if (from != NULL)
		return sp_ipv4_output_path(ctx, m, &o, &from->ip_path);
	return sp_ipv4_output(ctx, m, &o);

drop_free:
	rte_pktmbuf_free(m);
drop_nombuf:
	rte_pktmbuf_free(payload);
	return -ENOBUFS;
}

int
sp_tcp_xmit(struct sp_ctx *ctx, uint32_t src, uint32_t dst, struct sp_tcp_hdr *h,
	struct rte_mbuf *payload, uint16_t port, const struct sp_ip_tx *iptx)
{
	return xmit_seg(ctx, src, dst, h, payload, port, 0, NULL, 0, iptx);
}

/* A segment of @p c without payload (SYN, ACK, RST). */
static void
conn_xmit(struct sp_conn *c, struct sp_tcp_hdr *h)
{
	xmit_seg(c->ctx, c->key.lip, c->key.rip, h, NULL, c->port, 0, c, 0, &c->iptx);
}

/*
 * Payload room of a segment sent now (RFC 9293 3.7.1, RFC 6691): c->mss already leaves room for
 * the timestamp option; the SACK blocks fill_sack() adds (4 + 8n bytes) come on top of it, and a
 * full-size segment carrying them would exceed the MTU: IP (DF) would drop it, every
 * retransmission too, for as long as we hold out-of-order data.
 */
static uint32_t
seg_room(const struct sp_conn *c)
{
	unsigned max = (c->flags & TF_TS) ? 3 : 4;

	if (!(c->flags & TF_SACK) || c->n_ooo == 0)
		return c->mss;
	return c->mss - (4u + 8u * RTE_MIN((unsigned)c->n_ooo, max));
}

/* RFC 2018 4: the block holding the most recent segment first, then the others. */
static void
fill_sack(const struct sp_conn *c, struct sp_tcp_opts *o)
{
	unsigned max = (c->flags & TF_TS) ? 3 : 4, i;

	if (!(c->flags & TF_SACK) || c->n_ooo == 0)
		return;
	o->sack[0].start = c->ooo[c->ooo_last].seq;
	o->sack[0].end = c->ooo[c->ooo_last].end;
	o->n_sack = 1;
	for (i = 0; i < c->n_ooo && o->n_sack < max; i++) {
		if (i == c->ooo_last)
			continue;
		o->sack[o->n_sack].start = c->ooo[i].seq;
		o->sack[o->n_sack].end = c->ooo[i].end;
		o->n_sack++;
	}
}

/* RCV.WND as a non-SYN header can carry it: the offer, at most 65535 << our scale. */
uint32_t
sp_tcp_rcv_wnd_field(const struct sp_conn *c)
{
	return RTE_MIN(sp_tcp_rcv_wnd(c), (uint32_t)65535 << c->rcv_wscale);
}

/* Bytes beyond RCV.NXT up to the right edge our last ACK advertised; 0 if none or passed. */
static uint32_t
adv_left(const struct sp_conn *c)
{
	/* rcv_adv is 0 until an ACK advertised an edge (an active SYN acknowledges nothing). */
	if (c->rcv_adv == 0 || c->rcv_nxt - c->last_ack_sent > c->rcv_adv)
		return 0;
	return c->last_ack_sent + c->rcv_adv - c->rcv_nxt;
}

uint32_t
sp_tcp_rcv_wnd_adv(const struct sp_conn *c)
{
	return RTE_MAX(sp_tcp_rcv_wnd_field(c), adv_left(c));
}

/*
 * The window field of a non-SYN segment: RCV.WND >> our scale, except where that would move the
 * right edge left of the one last advertised (rounding down to the scale while RCV.NXT and the
 * window move together as the application holds received data, TF_RCV_FLOW; or a receive
 * buffer SO_RCVBUF shrank): then the old edge, rounded up to the scale, as Linux's
 * tcp_select_window() does. RFC 9293 3.8.6.2.2 and RFC 7323 2.4: the window must not shrink.
 */
static uint16_t
wnd_field(const struct sp_conn *c)
{
	uint32_t wnd = sp_tcp_rcv_wnd_field(c) >> c->rcv_wscale << c->rcv_wscale;
	uint32_t left = adv_left(c);

	if (left > wnd)
		wnd = RTE_ALIGN_CEIL(left, (uint32_t)1 << c->rcv_wscale);
	return (uint16_t)RTE_MIN(wnd >> c->rcv_wscale, 65535u);
}

static void
hdr_init(struct sp_conn *c, struct sp_tcp_hdr *h, sp_seq_t seq, uint8_t flags)
{
	uint16_t win = (flags & RTE_TCP_SYN_FLAG) ? 0 : wnd_field(c);

	memset(h, 0, sizeof(*h));
	h->sport = c->key.lport;
	h->dport = c->key.rport;
	h->seq = seq;
	h->flags = flags;
	if (flags & RTE_TCP_ACK_FLAG) {
		h->ack = c->rcv_nxt;
		c->last_ack_sent = c->rcv_nxt;
	}
	/* RFC 7323 2.2: the window of a SYN is never scaled. */
	if (flags & RTE_TCP_SYN_FLAG)
		h->win = (uint16_t)RTE_MIN(sp_tcp_rcv_wnd(c), 65535u);
	else
		h->win = win; /* before last_ack_sent moved: it and rcv_adv give the old edge */
	if (flags & RTE_TCP_ACK_FLAG)
		c->rcv_adv = (uint32_t)h->win << ((flags & RTE_TCP_SYN_FLAG) ? 0 : c->rcv_wscale);
	if (c->flags & TF_TS) {
		h->opts.has_ts = true;
		h->opts.ts_val = sp_tcp_ts_now(c);
		h->opts.ts_ecr = c->ts_recent;
	}
	if (!(flags & RTE_TCP_SYN_FLAG))
		fill_sack(c, &h->opts);
	if (flags & (RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) {
		c->flags &= ~TF_ACKNOW;
		c->unacked_segs = 0;
		sp_tcp_delack_stop(c);
	}
}

/* SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED) with our options (RFC 9293 3.7.1, 7323, 2018). */
void
sp_tcp_send_syn(struct sp_conn *c)
{
	const struct sp_tcp_cfg *tc = &c->ctx->cfg->tcp;
	bool active = c->state == SP_TCP_SYN_SENT;
	struct sp_tcp_hdr h;
	uint8_t flags = RTE_TCP_SYN_FLAG | (active ? 0 : RTE_TCP_ACK_FLAG);

	hdr_init(c, &h, c->iss, flags);
	h.opts.has_mss = true;
	h.opts.mss = c->mss_ours;
	/* Passive side: only what the peer offered (flags set from its SYN). */
	if (active ? tc->wscale : (c->flags & TF_WS) != 0) {
		h.opts.has_wscale = true;
		h.opts.wscale = c->rcv_wscale;
	}
	if (active ? tc->sack : (c->flags & TF_SACK) != 0)
		h.opts.has_sack_perm = true;
	if (active && tc->timestamps) {
		h.opts.has_ts = true;
		h.opts.ts_val = sp_tcp_ts_now(c);
		h.opts.ts_ecr = 0;
	}
	if (SEQ_LT(c->snd_max, c->iss + 1))
		c->snd_max = c->iss + 1;
	c->snd_nxt = c->iss + 1;
	conn_xmit(c, &h);
	sp_tcp_rtx_arm(c);
}

void
sp_tcp_send_ack(struct sp_conn *c)
{
	struct sp_tcp_hdr h;

	hdr_init(c, &h, c->snd_nxt, RTE_TCP_ACK_FLAG);
	conn_xmit(c, &h);
}

/* RST from a connection (abort, data after close): <SEQ=SND.NXT><CTL=RST,ACK>. */
void
sp_tcp_send_rst(struct sp_conn *c)
{
	sp_seq_t wnd_end = c->snd_una + c->snd_wnd;
	struct sp_tcp_hdr h;

	/*
	 * SEG.SEQ = SND.NXT, unless that lies beyond the peer's window (a zero-window probe it did
	 * not accept): an RFC 5961 peer takes a RST only at exactly RCV.NXT and answers any other
	 * in-window one with a challenge ACK that no one is left to answer. Like Linux's
	 * tcp_acceptable_seq(), use the window's right edge then.
	 */
	hdr_init(c, &h, SEQ_GT(c->snd_nxt, wnd_end) ? wnd_end : c->snd_nxt,
		RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG);
	h.opts.n_sack = 0;
	conn_xmit(c, &h);
}

/*
 * RFC 5961 7 rate limit, shared by connections and TIME-WAIT entries: true when one more
 * challenge ACK may go. The second is the one that began with the first challenge ACK after the
 * previous second ended (not the calendar second of the TSC), so a burst that straddles a second
 * boundary still gets at most challenge_ack_limit answers.
 */
bool
sp_tcp_chack_allowed(const struct sp_ctx *ctx, uint64_t *window_start, uint32_t *count)
{
	if (*count == 0 || ctx->now - *window_start >= ctx->hz) {
		*window_start = ctx->now;
		*count = 0;
	}
	if (*count >= ctx->cfg->tcp.challenge_ack_limit)
		return false;
	(*count)++;
	return true;
}

/* RFC 5961 3.2/4.2/5.2 challenge ACK, at most challenge_ack_limit per second per connection. */
void
sp_tcp_challenge_ack(struct sp_conn *c)
{
	if (!sp_tcp_chack_allowed(c->ctx, &c->chack_window, &c->chack_count)) {
		TCP_STAT(c, TCPChallengeACKLimited);
		return;
	}
	TCP_STAT(c, TCPChallengeACK);
	sp_tcp_send_ack(c);
}

/*
 * RST for a segment that has no connection (RFC 9293 3.10.7.1): if it had ACK,
 * <SEQ=SEG.ACK><CTL=RST>, else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. Never for a RST.
 */
void
sp_tcp_reply_rst(struct sp_ctx *ctx, uint16_t port, const struct sp_ipv4 *ip,
	const struct sp_tcp_hdr *th, uint32_t seglen)
{
	struct sp_tcp_hdr h;

	if (th->flags & RTE_TCP_RST_FLAG)
		return;
	memset(&h, 0, sizeof(h));
	h.sport = th->dport;
	h.dport = th->sport;
	if (th->flags & RTE_TCP_ACK_FLAG) {
		h.seq = th->ack;
		h.flags = RTE_TCP_RST_FLAG;
	} else {
		h.seq = 0;
		h.ack = th->seq + seglen;
		h.flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	}
	sp_tcp_xmit(ctx, ip->dst, ip->src, &h, NULL, port, NULL);
}

/*
 * TSO (docs/tcp.md "Offloads"): the payload bytes of each piece the PMD cuts a TSO segment into.
 * The effective MSS, except where the PMD counts the Ethernet header of a piece in the MTU
 * (net_tap 22.11 refuses the frame otherwise): there the pieces are that much shorter, and a
 * connection whose pieces would fall below tcp.min_snd_mss (a peer's tiny MSS) sends without
 * TSO. 0 when the port does not segment for us.
 */
static uint32_t
tso_piece(const struct sp_conn *c, uint32_t smss)
{
	const struct sp_port *pt = &c->ctx->stack->ports[c->port];
	uint32_t l2 = RTE_ETHER_HDR_LEN;

	if (!pt->tx_tso)
		return 0;
	if (pt->tso_l2_mtu) /* shorter pieces, but never below tcp.min_snd_mss: then no TSO */
		return smss >= c->ctx->cfg->tcp.min_snd_mss + l2 && smss > l2 * 2 ? smss - l2 : 0;
	return smss;
}

/*
 * A TSO segment's payload is split by the PMD at multiples of the piece size, and net_tap sums
 * each piece's buffers one after the other with __rte_raw_cksum(), which is only right when
 * every buffer but the last starts at an even offset of the piece. So: an even piece size and
 * no buffer of the chain but the last of odd length, else one MSS goes instead (counted).
 */
static bool
tso_chain_ok(const struct rte_mbuf *pl, uint32_t piece)
{
	if (piece & 1)
		return false;
	for (; pl != NULL && pl->next != NULL; pl = pl->next)
		if (pl->data_len & 1)
			return false;
	return true;
}

/*
 * Whether a segment of @p len payload bytes is built in one mbuf, the payload copied from the
 * send buffer, rather than as a header chained to indirect mbufs on it:
 * - on a port whose PMD cannot send chains (net_af_xdp), where the program's TX callback would
 *   copy the chain into one mbuf anyway (app/spindle/port.c tx_linearize()), after an indirect
 *   mbuf was allocated, attached and freed per piece;
 * - on any port for a payload of at most SP_TCP_COPY_MAX bytes (a request, a response, an HTTP
 *   page): copying it behind the header costs fewer instructions than the indirect mbuf's
 *   allocation, attach and reference counts, the chain's walk when the checksum is summed in
 *   software and the PMD's second descriptor; the bytes on the wire are the same.
 * Not with TSO (the chain is what the PMD segments), nor beyond what one mbuf holds.
 */
static bool
linear_ok(const struct sp_conn *c, uint32_t len)
{
	const struct sp_port *pt = &c->ctx->stack->ports[c->port];

	return (pt->tx_linear || len <= SP_TCP_COPY_MAX) && !pt->tx_tso && len > 0 &&
	       len + 60u <=
		       (uint32_t)rte_pktmbuf_data_room_size(c->ctx->pool) - RTE_PKTMBUF_HEADROOM;
}

/*
 * Send [@p seq, @p seq + @p len) with @p flags (ACK always added). With @p tso (the send loop),
 * @p len above the room of one segment makes a TSO segment; a TSO segment the PMD cannot take is
 * cut to one MSS, without its FIN. Without, one segment whatever its size (retransmissions and
 * probes sized by c->mss keep the SACK blocks that fit). @return payload bytes sent, or -errno.
 */
static int
send_data(struct sp_conn *c, sp_seq_t seq, uint32_t len, uint8_t flags, bool tso)
{
	struct rte_mbuf *pl = NULL;
	struct sp_tcp_hdr h;
	uint32_t span, smss = seg_room(c), piece = 0;
	bool linear = linear_ok(c, len);

	if (len > 0)
		flags |= RTE_TCP_PSH_FLAG;
	if (len > 0 && !linear) {
		pl = sp_tcp_sb_clone(c, seq, len);
		if (pl == NULL) {
			TCP_STAT(c, TCPAbortOnMemory);
			return -ENOBUFS;
		}
	}
	if (tso && len > smss) {
		piece = linear ? 0 : tso_piece(c, smss);
		if (piece == 0 || !tso_chain_ok(pl, piece)) {
			TCP_STAT(c, tcp_tso_fallback);
			/*
			 * The usual odd buffer is the first: the segment starts at an odd offset
			 * of an even-sized send-buffer mbuf, after an odd-length write (an HTTP
			 * header) went alone. Every segment of an even MSS would keep that, so one
			 * byte less realigns the stream and the next TSO segment goes.
			 */
			len = piece != 0 && (pl->data_len & 1) && !(smss & 1) ? smss - 1 : smss;
			rte_pktmbuf_free(pl);
			flags &= ~RTE_TCP_FIN_FLAG;
			piece = 0;
			pl = linear ? NULL : sp_tcp_sb_clone(c, seq, len);
			if (pl == NULL && !linear) {
				TCP_STAT(c, TCPAbortOnMemory);
				return -ENOBUFS;
			}
		}
	}
	span = len + ((flags & RTE_TCP_FIN_FLAG) ? 1 : 0);
	hdr_init(c, &h, seq, flags | RTE_TCP_ACK_FLAG);
	/*
	 * A segment sized before the SACK blocks were known (retransmissions, probes) keeps only
	 * the blocks that fit in the MSS with its payload, rather than exceeding the MTU.
	 */
	while (h.opts.n_sack > 0 &&
		RTE_MIN(len, piece ? piece : len) + 4u + 8u * h.opts.n_sack > c->mss)
		h.opts.n_sack--;
	if (piece > 0) {
		TCP_STAT(c, tcp_tso_sends);
		TCP_STAT_ADD(c, tcp_tso_segs, (len + piece - 1) / piece);
	}
	if (SEQ_LT(seq, c->snd_max)) {
		/* Karn (RFC 6298 3): no RTT sample from a retransmitted segment. */
		TCP_STAT_ADD(c, RetransSegs, piece > 0 ? (len + piece - 1) / piece : 1);
		c->retransmits++;
		c->rtt_timing = false;
	} else {
		c->bytes_sent += len;
		if (!c->rtt_timing && !(c->flags & TF_TS) && span > 0) {
			c->rtt_timing = true;
			c->rtt_seq = seq;
			c->rtt_start = c->ctx->now;
		}
	}
	if (SEQ_GT(seq + span, c->snd_max))
		c->snd_max = seq + span;
	xmit_seg(c->ctx, c->key.lip, c->key.rip, &h, pl, c->port, (uint16_t)piece, c,
		linear ? len : 0, &c->iptx);
	if (span > 0) {
		c->snd_time = c->ctx->now; /* for idle_restart() */
		/*
		 * New data at SND.NXT: the caller moves SND.NXT after this, so the timer sees
		 * where it will be. Armed with the old value it took a flight that started from
		 * nothing in flight for go-back-N and armed the RTO instead of the probe.
		 */
		sp_tcp_rtx_arm_sent(c, seq == c->snd_nxt ? seq + span : c->snd_nxt);
	}
	return (int)len;
}

/* Send one segment of [@p seq, @p seq + @p len) with @p flags (ACK always added). */
int
sp_tcp_send_segment(struct sp_conn *c, sp_seq_t seq, uint32_t len, uint8_t flags)
{
	int r = send_data(c, seq, len, flags, false);

	return r < 0 ? r : 0;
}

/* Pieces of one TSO segment at most (send_limit()). */
#define SP_TSO_MAX_PIECES 64u

/*
 * How much one send may carry: one MSS, or with TSO (never in loss recovery, where each
 * segment is chosen on its own) what one IPv4 datagram holds, in whole pieces (@p piece).
 */
static uint32_t
send_limit(const struct sp_conn *c, uint32_t smss, uint32_t *piece)
{
	uint32_t max;

	*piece = (c->flags & TF_RECOVERY) ? 0 : tso_piece(c, smss);
	if (*piece == 0)
		return smss;
	/*
	 * IPv4 total length: 20 bytes of IP, at most 60 of TCP. And at most SP_TSO_MAX_PIECES
	 * pieces: net_tap 22.11 cuts a TSO frame into an array of 64 (MAX_GSO_MBUFS) and refuses
	 * one that needs more, every time it is offered. A peer's MSS below ~1030 bytes (536
	 * when its SYN carries none, RFC 9293 3.7.1) made such frames, which then blocked the
	 * port's TX (lib/core/tx.c tx_stalled()). Pieces of 1024 bytes and more never reach it.
	 */
	max = RTE_MIN((UINT16_MAX - 20u - 60u) / *piece, SP_TSO_MAX_PIECES) * *piece;
	return RTE_MAX(max, smss);
}

/*
 * RFC 3042 Limited Transmit: the first two duplicate ACKs each let one new segment go beyond
 * cwnd, so that a small window still produces the three duplicate ACKs fast retransmit needs
 * instead of waiting for the RTO. With a threshold raised by reordering (tcp_reorder.c), each
 * duplicate ACK below it does (RFC 4653's extended limited transmit keeps the ACK clock so).
 */
static uint32_t
limited_transmit(const struct sp_conn *c)
{
	if (c->dupacks == 0 || c->dupacks >= sp_tcp_dupthresh(c) || (c->flags & TF_RECOVERY))
		return 0;
	return (uint32_t)c->dupacks * c->mss;
}

/* Our FIN is queued and the state sends it (not before the application closed). */
static bool
fin_due(const struct sp_conn *c)
{
	return (c->flags & TF_FIN_QUEUED) && c->state != SP_TCP_CLOSE_WAIT &&
	       c->state != SP_TCP_ESTABLISHED;
}

/*
 * After a timeout with the scoreboard kept (RFC 6675 5.1), go-back-N skips what the peer
 * SACKed: move @p seq past a SACKed range and return how far the next one leaves it free.
 */
static uint32_t
skip_sacked(const struct sp_conn *c, sp_seq_t *seq)
{
	unsigned i;

	for (i = 0; i < c->n_sacked; i++) {
		if (SEQ_GEQ(*seq, c->sacked[i].end))
			continue;
		if (SEQ_GEQ(*seq, c->sacked[i].start)) {
			*seq = c->sacked[i].end;
			continue;
		}
		return c->sacked[i].start - *seq;
	}
	return UINT32_MAX;
}

/*
 * SACK loss recovery (RFC 6675 5 steps (4)-(5) and C): while cwnd - pipe >= 1 SMSS, send
 * a retransmission found lost (tcp_lost_rxt.c), else
 * NextSeg(): a lost hole (rule 1), else new data the peer's window allows (rule 2), else a
 * hole not yet deemed lost (rule 3), else once per recovery the highest un-SACKed segment
 * (rule 4, rescue retransmission: a lost tail would otherwise wait for the RTO).
 * @return true when it ran (the caller sends nothing more).
 */
static bool
sack_recovery_output(struct sp_conn *c)
{
	if ((c->flags & (TF_RECOVERY | TF_SACK)) != (TF_RECOVERY | TF_SACK))
		return false;
	for (;;) {
		sp_seq_t end = c->sb_seq + c->sb_len;
		uint32_t pipe = sp_tcp_sack_pipe(c), wnd_room, len;

		if (c->cc.cwnd < pipe + c->mss)
			break;
		/* A lost retransmission first: it holds SND.UNA (or the lowest hole) back. */
		if (c->rxt_lost != 0 && sp_tcp_rxt_resend(c) > 0)
			continue;
		if (sp_tcp_sack_rexmit_next(c, false) > 0)
			continue;
		wnd_room = SEQ_GT(c->snd_una + c->snd_wnd, c->snd_nxt)
				   ? c->snd_una + c->snd_wnd - c->snd_nxt
				   : 0;
		len = SEQ_LT(c->snd_nxt, end) ? end - c->snd_nxt : 0;
		len = RTE_MIN(RTE_MIN(len, wnd_room), seg_room(c));
		if (len > 0 && (len == seg_room(c) || c->snd_nxt + len == end)) {
			if (sp_tcp_send_segment(c, c->snd_nxt, len, 0) < 0)
				break;
			c->snd_nxt += len;
			continue;
		}
		if (len == 0 && c->snd_nxt == end && fin_due(c)) {
			if (sp_tcp_send_segment(c, end, 0, RTE_TCP_FIN_FLAG) == 0)
				c->snd_nxt = end + 1;
			continue;
		}
		if (sp_tcp_sack_rexmit_next(c, true) == 0 && sp_tcp_sack_rescue(c) == 0)
			break;
	}
	return true;
}

/*
 * RFC 5681 4.1, restarting idle connections: new data waits, nothing is in flight and nothing
 * was sent for more than an RTO (since the last data segment, not the last one received: a
 * persistent HTTP connection receives its request just before the response goes). The cwnd
 * the path allowed then says nothing about it now, so the congestion control's on_idle() takes
 * cwnd back to the restart window, min(IW, cwnd) (CUBIC also ends its epoch: the idle time is
 * no growth time). Linux's tcp_slow_start_after_idle_check(), tcp.slow_start_after_idle as its
 * sysctl. The caller checked the first condition (one compare on every send); the rest runs
 * only when all that was sent is acknowledged.
 */
static void
idle_restart(struct sp_conn *c)
{
	const struct sp_ctx *ctx = c->ctx;

	if (c->sb_len == 0 || ctx->now - c->snd_time <= sp_ms_to_tsc(ctx, c->rto_ms) ||
		!ctx->cfg->tcp.slow_start_after_idle)
		return;
	c->cc_ops->on_idle(&c->cc, sp_tcp_now_us(ctx));
	c->snd_time = ctx->now; /* once per idle period, also when the window is closed */
	TCP_STAT(c, tcp_idle_restarts);
}

bool
sp_tcp_nothing_to_send(const struct sp_conn *c)
{
	/*
	 * Every queued byte is sent (sb_seq follows SND.UNA: the ACK trims the buffer at once),
	 * no FIN is queued, no recovery runs and no ACK is owed: then sp_tcp_output() can neither
	 * send nor arm anything (the idle restart needs a non-empty buffer with nothing in flight,
	 * the persist timer unsent data, the loss probe a segment sent).
	 */
	return SEQ_GEQ(c->snd_nxt, c->sb_seq + c->sb_len) &&
	       !(c->flags & (TF_FIN_QUEUED | TF_RECOVERY | TF_ACKNOW));
}

/*
 * Send what the windows allow (RFC 9293 3.8.6, RFC 5681 cwnd), with Nagle (RFC 896 / 1122
 * 4.2.3.4): a small segment only when nothing is in flight or Nagle is off.
 */
void
sp_tcp_output(struct sp_conn *c)
{
	bool sent = false;

	switch (c->state) {
	case SP_TCP_ESTABLISHED:
	case SP_TCP_CLOSE_WAIT:
	case SP_TCP_FIN_WAIT_1:
	case SP_TCP_CLOSING:
	case SP_TCP_LAST_ACK:
		break;
	default:
		if (c->flags & TF_ACKNOW)
			sp_tcp_send_ack(c);
		return;
	}
	if (sp_tcp_nothing_to_send(c))
		return; /* e.g. the ACK of a whole response, with nothing queued behind it */
	if (c->snd_una == c->snd_max)
		idle_restart(c);
	if (sack_recovery_output(c))
		goto tail; /* a segment sent carried the ACK: TF_ACKNOW is clear then */
	for (;;) {
		sp_seq_t end = c->sb_seq + c->sb_len;
		uint32_t free_run = UINT32_MAX, smss = seg_room(c), sacked = 0, piece;
		uint32_t avail, inflight, wnd, usable, len, lim = send_limit(c, smss, &piece);
		bool fin = false;
		int r;

		if (c->n_sacked > 0 && SEQ_LT(c->snd_nxt, c->snd_max)) {
			free_run = skip_sacked(c, &c->snd_nxt);
			sacked = sp_tcp_sack_bytes_below(c, c->snd_nxt); /* not in flight */
		}
		avail = SEQ_LT(c->snd_nxt, end) ? end - c->snd_nxt : 0;
		inflight = c->snd_nxt - c->snd_una - sacked;
		wnd = RTE_MIN(c->snd_wnd, c->cc.cwnd + limited_transmit(c));
		usable = wnd > inflight ? wnd - inflight : 0;
		len = RTE_MIN(RTE_MIN(avail, usable), lim);
		if (len > smss && len % piece != 0 && len != free_run &&
			!(len == avail && ((c->flags & TF_NODELAY) || fin_due(c) ||
						  SEQ_LT(c->snd_nxt, c->snd_max))))
			/*
			 * TSO: whole pieces; the short last one only where it would go now on its
			 * own (Nagle off, our FIN after it, a retransmission), else the next turn
			 * applies Nagle and the SWS rule to it as to any runt.
			 */
			len -= len % piece;
		if (len > free_run)
			len = free_run;
		if (c->snd_nxt + len == end && SEQ_LEQ(c->snd_nxt, end) && fin_due(c))
			fin = true;
		if (len == 0 && !fin)
			break;
		if (len > 0 && len < smss && len == avail && inflight > 0 &&
			!(c->flags & TF_NODELAY) && !fin && !SEQ_LT(c->snd_nxt, c->snd_max))
			break; /* Nagle (new data only): wait for the ACK of what is in flight */
		if (len > 0 && len < avail && len < smss && inflight > 0 && len != free_run)
			break; /* window-limited runt: wait for more window (SWS, RFC 1122 4.2.3.4) */
		r = send_data(c, c->snd_nxt, len, fin ? RTE_TCP_FIN_FLAG : 0, true);
		if (r < 0)
			break;
		fin = fin && (uint32_t)r == len; /* a refused TSO segment went without its FIN */
		c->snd_nxt += (uint32_t)r + (fin ? 1 : 0);
		sent = true;
		if (fin)
			break;
	}
	/* More than one segment in flight now: the loss probe is due one PTO after the new data. */
	if (sent && (c->flags & TF_PTO_LONG) && c->snd_max - c->snd_una > c->mss)
		sp_tcp_pto_rearm(c);
tail:
	/* Nothing in flight, data waiting, window closed: the persist timer probes it. */
	if (c->snd_nxt == c->snd_una && c->sb_len > 0 && c->snd_wnd == 0)
		sp_tcp_rtx_arm(c);
	if (!sent && (c->flags & TF_ACKNOW))
		sp_tcp_send_ack(c);
}

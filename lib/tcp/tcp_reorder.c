/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reordering: detected, tolerated, and recoveries it caused undone.
 *
 * RFC 6675 declares a hole lost once DupThresh (3) segments above it were SACKed, so a path
 * that reorders by three segments or more makes every such event a recovery: cwnd cut, data
 * sent twice. Linux detects reordering, raises its threshold to the degree seen
 * (tp->reordering) and undoes a response that D-SACKs prove spurious; a sender that does not
 * is easy to tell apart from it on such a path.
 *
 * Detection (RFC 8985 6.2 step 2, "the sender has seen reordering"; Linux's
 * tcp_check_sack_reordering() does the same measure): when an ACK SACKs, or cumulatively
 * acknowledges, a byte below the highest SACKed byte, and that byte was never sent twice, it
 * was delivered by its original transmission after data sent later: reordering. Its degree is
 * the distance from that byte to the highest SACKed byte, in segments (rounded up). A byte
 * that may have been sent twice proves nothing (either copy may have filled the hole) and is
 * skipped: in recovery, what lies below rexmit_hi (NextSeg rules 1 and 3 resend holes in
 * ascending order), a logged retransmission (rescue, lost retransmission resent), below
 * reo_floor (go-back-N after a timeout before the recovery), or the tail loss probe's segment;
 * outside recovery, below RecoveryPoint (after a timeout go-back-N resends everything below
 * it; after a recovery SND.UNA is past it).
 *
 * Threshold: the degree seen becomes the loss threshold (sp_tcp_dupthresh(), used by IsLost()
 * in tcp_sack.c, by fast retransmit on duplicate ACKs, by limited transmit in tcp_out.c and by
 * the lost-retransmission rule of tcp_lost_rxt.c). This is DupThresh in sequence space, as
 * Linux's tp->reordering and RFC 4653's raised DupThresh, not RACK's time window (RFC 8985
 * 6.2): spindle keeps no per-segment send times (the send buffer is a list of mbufs, the
 * scoreboard ranges of sequence space) and taking them would cost every segment sent. Bounded
 * twice, so that no peer can switch loss detection off: the degree at tcp.max_reordering
 * (Linux's tcp_max_reordering, 300), the threshold at half the segments in flight (see
 * sp_tcp_dupthresh()); and a retransmission timeout while SACKed data waited above the hole
 * puts it back to 3 (as Linux does on a timeout), since the raised threshold let that loss
 * wait for the timer.
 *
 * Undo (RFC 3708 detection, RFC 4015 response): each retransmission of a SACK recovery is
 * logged (up to SP_TCP_RXT_WATCH; a recovery that sends more is not judged); a D-SACK (RFC 2883)
 * that covers a logged one marks it. When all are marked, every retransmission was a
 * duplicate: nothing was lost, the recovery was spurious. The congestion state saved when it
 * began is restored (sp_tcp_cc_undo()), the recovery ends if it is still running, and the
 * reordering that caused it is recorded. The log is kept after the recovery ends, since the
 * D-SACKs come when the retransmissions arrive, after the originals that ended it; the next
 * recovery or a timeout clears it. A D-SACK also comes when the network duplicated the
 * retransmission itself: RFC 3708 accepts that error, as Linux does.
 */
#include "tcp.h"

/* @p dist bytes in segments, rounded up. */
static uint32_t
segs_of(const struct sp_conn *c, uint32_t dist)
{
	uint32_t mss = c->mss ? c->mss : 1;

	return dist / mss + (dist % mss != 0);
}

/* @p dist bytes in segments, rounded up, as undo_reo holds them (at most 65535). */
static uint16_t
segs16_of(const struct sp_conn *c, uint32_t dist)
{
	return (uint16_t)RTE_MIN(segs_of(c, dist), 65535u);
}

/* Reordering of @p dist bytes was seen: record its degree, bounded. */
static void
seen(struct sp_conn *c, uint32_t dist)
{
	uint32_t max = c->ctx->cfg->tcp.max_reordering, segs = segs_of(c, dist);

	TCP_STAT(c, TCPSACKReorder);
	if (segs > max) {
		TCP_STAT(c, tcp_reorder_capped);
		segs = max;
	}
	if (segs > c->reordering)
		c->reordering = (uint16_t)segs;
}

/*
 * Where the stretch of possibly twice-sent bytes that holds @p seq ends: @p seq when it was
 * sent once only (see the top of the file).
 */
static sp_seq_t
resent_end(const struct sp_conn *c, sp_seq_t seq)
{
	unsigned i;

	if ((c->flags & (TF_TLP_OUT | TF_TLP_REXMIT)) == (TF_TLP_OUT | TF_TLP_REXMIT) &&
		SEQ_LT(seq, c->tlp_end) && SEQ_GEQ(seq, c->tlp_end - c->mss))
		return c->tlp_end;
	if (!(c->flags & TF_RECOVERY))
		return SEQ_LT(seq, c->recover) ? c->recover : seq;
	if (c->n_undo == SP_TCP_UNDO_NONE)
		return c->snd_max; /* more retransmissions than logged: no verdict */
	if (SEQ_LT(seq, c->reo_floor) || SEQ_LT(seq, c->rexmit_hi))
		return SEQ_MAX(c->reo_floor, c->rexmit_hi);
	for (i = 0; i < c->n_undo; i++)
		if (SEQ_GEQ(seq, c->undo_rxt[i].start) && SEQ_LT(seq, c->undo_rxt[i].end))
			return c->undo_rxt[i].end;
	return seq;
}

void
sp_tcp_reorder_sack(struct sp_conn *c, const struct sp_tcp_opts *o)
{
	sp_seq_t hi = sp_tcp_sack_high(c), low = hi;
	unsigned i;

	for (i = 0; i < o->n_sack; i++) {
		sp_seq_t s = o->sack[i].start, e = o->sack[i].end, top, x;

		/* The blocks sp_tcp_sack_update() takes, as far as they lie below hi. */
		if (!SEQ_LT(s, e) || SEQ_LEQ(s, c->snd_una) || SEQ_GT(e, c->snd_max) ||
			!SEQ_LT(s, hi))
			continue;
		top = SEQ_MIN(e, hi);
		/* The first byte this block SACKs anew (a D-SACK inside a block SACKs none). */
		x = sp_tcp_sack_first_unsacked(c, s, top);
		if (x != top && resent_end(c, x) == x && SEQ_LT(x, low))
			low = x;
	}
	if (low != hi)
		seen(c, hi - low);
}

/* The recovery whose retransmissions are logged was spurious: undo its response. */
static void
undo(struct sp_conn *c, uint32_t acked)
{
	sp_tcp_cc_undo(&c->cc, &c->undo_cc, c->snd_max - c->snd_una, acked);
	if (c->flags & TF_RECOVERY) {
		c->flags &= ~(TF_RECOVERY | TF_RXT_LOST);
		sp_tcp_rxt_reset(c);
		/* A loss found later starts a recovery of its own, counted from here. */
		c->recover = c->snd_una;
		c->dupacks = 0;
	}
	/*
	 * A hole was filled by its original after the data up to undo_reo segments above its
	 * start was SACKed (sp_tcp_undo_start(), sp_tcp_reorder_cumack()): at least that degree.
	 */
	seen(c, (uint32_t)c->undo_reo * c->mss);
	c->n_undo = SP_TCP_UNDO_NONE;
}

/*
 * RFC 3522 (Eifel detection): the ACK that covers the one retransmission of the recovery
 * echoes a timestamp older than it (@p tsecr), so the segment that moved the receiver's left
 * edge over the hole was the original (RFC 7323 3.4: TS.Recent only moves forward, from
 * segments at the left edge). Only a recovery with one retransmission is judged so: with more,
 * an earlier hole may have been filled by its copy while a lower one still held the edge
 * (Linux judges those too). Timestamps count milliseconds: a retransmission sent within the
 * original's millisecond proves nothing, and the D-SACK decides instead.
 */
static bool
eifel(struct sp_conn *c, sp_seq_t ack, sp_seq_t hi0, uint32_t tsecr, uint32_t acked)
{
	const struct sp_tcp_sack_block *r = &c->undo_rxt[0];

	if (c->n_undo != 1 || tsecr == 0 || SEQ_LT(ack, r->end) ||
		(int32_t)(tsecr - c->undo_tsval) >= 0 || c->cc.ops == NULL)
		return false;
	TCP_STAT(c, tcp_ts_undo);
	if (SEQ_GT(hi0, r->start))
		c->undo_reo = RTE_MAX(c->undo_reo, segs16_of(c, hi0 - r->start));
	undo(c, acked);
	return true;
}

void
sp_tcp_reorder_cumack(struct sp_conn *c, sp_seq_t una0, sp_seq_t ack, sp_seq_t hi0, uint32_t tsecr)
{
	sp_seq_t top = SEQ_MIN(ack, hi0), x = una0;
	unsigned n;

	if (eifel(c, ack, hi0, tsecr, ack - una0))
		return;

	/*
	 * The holes the ACK covers, lowest first, until one that was sent once. Each step passes
	 * a SACKed range or a resent stretch: bounded by their number.
	 */
	for (n = 0; n < 2u * (SP_TCP_SCOREBOARD + SP_TCP_RXT_WATCH) + 4u; n++) {
		sp_seq_t end;

		x = sp_tcp_sack_first_unsacked(c, x, top);
		if (x == top)
			return;
		end = resent_end(c, x);
		if (end == x) {
			seen(c, hi0 - x);
			return;
		}
		/*
		 * Either copy may have filled this hole. If D-SACKs later prove the recovery
		 * spurious, it was the original, this far behind (sp_tcp_undo_dsack()).
		 */
		if ((c->flags & TF_RECOVERY) && c->n_undo != SP_TCP_UNDO_NONE)
			c->undo_reo = RTE_MAX(c->undo_reo, segs16_of(c, hi0 - x));
		if (!SEQ_LT(end, top))
			return;
		x = end;
	}
}

void
sp_tcp_undo_start(struct sp_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una;

	/* RFC 4015 3.2 step (1): pipe_prev = max(FlightSize, ssthresh), kept as the ssthresh. */
	sp_tcp_cc_save(&c->cc, flight, &c->undo_cc);
	c->flags &= ~TF_RTO_UNDO; /* the fields are this recovery's now (tcp_rto_undo.c) */
	c->n_undo = 0;
	c->undo_dsacked = 0;
	c->undo_reo = segs16_of(c, sp_tcp_sack_high(c) - c->snd_una);
	c->undo_tsval = sp_tcp_ts_now(c);
	/* Before RecoveryPoint moves: bytes below the old one may have gone twice (a timeout). */
	c->reo_floor = SEQ_GT(c->recover, c->snd_una) ? c->recover : c->snd_una;
}

void
sp_tcp_undo_note(struct sp_conn *c, sp_seq_t seq, uint32_t len)
{
	if (c->n_undo == SP_TCP_UNDO_NONE || len == 0)
		return;
	if (c->n_undo == SP_TCP_RXT_WATCH) {
		c->n_undo = SP_TCP_UNDO_NONE; /* too many to judge: heavy loss, no undo */
		return;
	}
	c->undo_rxt[c->n_undo].start = seq;
	c->undo_rxt[c->n_undo].end = seq + len;
	c->n_undo++;
}

bool
sp_tcp_undo_dsack(struct sp_conn *c, sp_seq_t start, sp_seq_t end, uint32_t acked)
{
	unsigned i, all;

	if (c->n_undo == 0 || c->n_undo == SP_TCP_UNDO_NONE || !SEQ_LT(start, end) ||
		SEQ_GT(end, c->snd_max))
		return false;
	for (i = 0; i < c->n_undo; i++)
		if (SEQ_LT(start, c->undo_rxt[i].end) && SEQ_GT(end, c->undo_rxt[i].start))
			c->undo_dsacked |= (uint8_t)(1u << i);
	all = (1u << c->n_undo) - 1;
	if (c->undo_dsacked != all || c->cc.ops == NULL)
		return false;
	/* RFC 3708 3: every retransmission was a duplicate, the recovery was spurious. */
	TCP_STAT(c, TCPDSACKUndo);
	undo(c, acked);
	return true;
}

void
sp_tcp_reorder_timeout(struct sp_conn *c)
{
	c->n_undo = SP_TCP_UNDO_NONE;
	if (c->reordering > SP_TCP_DUPTHRESH &&
		sp_tcp_sack_bytes(c) > (SP_TCP_DUPTHRESH - 1) * (uint32_t)c->mss)
		c->reordering = SP_TCP_DUPTHRESH;
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sender-side SACK scoreboard (RFC 2018, RFC 6675): the ranges the peer reported above
 * SND.UNA, so that loss recovery retransmits the holes and not what already arrived.
 * Bounded: at most SP_TCP_SCOREBOARD merged ranges; when more arrive the highest is forgotten
 * (a forgotten range is only retransmitted needlessly, never lost).
 */
#include "tcp.h"

static void
insert(struct sp_conn *c, sp_seq_t start, sp_seq_t end)
{
	struct sp_tcp_sack_block *b = c->sacked;
	unsigned i, j;

	for (i = 0; i < c->n_sacked && SEQ_LT(b[i].start, start); i++)
		;
	if (c->n_sacked == SP_TCP_SCOREBOARD) {
		if (i == SP_TCP_SCOREBOARD)
			return;
		c->n_sacked--; /* forget the highest */
	}
	for (j = c->n_sacked; j > i; j--)
		b[j] = b[j - 1];
	b[i].start = start;
	b[i].end = end;
	c->n_sacked++;
	/* Merge overlapping or adjacent neighbours. */
	for (i = 0; i + 1 < c->n_sacked;) {
		if (SEQ_GEQ(b[i].end, b[i + 1].start)) {
			b[i].end = SEQ_MAX(b[i].end, b[i + 1].end);
			for (j = i + 1; j + 1 < c->n_sacked; j++)
				b[j] = b[j + 1];
			c->n_sacked--;
		} else {
			i++;
		}
	}
}

void
sp_tcp_sack_update(struct sp_conn *c, const struct sp_tcp_opts *o, bool dsack)
{
	unsigned i;

	for (i = 0; i < o->n_sack; i++) {
		sp_seq_t s = o->sack[i].start, e = o->sack[i].end;

		/*
		 * RFC 2018 / 6675: only blocks inside (SND.UNA, SND.MAX] are meaningful. The
		 * others are ignored: a D-SACK (the first block, @p dsack) is the undo's business;
		 * any other (edges reversed or equal, data never sent, below SND.UNA: forged or a
		 * stale ACK) is counted, as Linux's TCPSACKDiscard.
		 */
		if (!SEQ_LT(s, e) || SEQ_LEQ(s, c->snd_una) || SEQ_GT(e, c->snd_max)) {
			if (i > 0 || !dsack)
				TCP_STAT(c, TCPSACKDiscard);
			continue;
		}
		insert(c, s, e);
	}
}

void
sp_tcp_sack_trim(struct sp_conn *c)
{
	unsigned i = 0, j;

	while (i < c->n_sacked) {
		if (SEQ_LEQ(c->sacked[i].end, c->snd_una)) {
			for (j = i; j + 1 < c->n_sacked; j++)
				c->sacked[j] = c->sacked[j + 1];
			c->n_sacked--;
			continue;
		}
		if (SEQ_LEQ(c->sacked[i].start, c->snd_una)) {
			/*
			 * The cumulative ACK stops at or inside data the peer SACKed: it dropped
			 * that data (reneging, RFC 2018 8). Trust none of the scoreboard.
			 */
			c->n_sacked = 0;
			return;
		}
		i++;
	}
}

/*
 * The first hole at or above @p from that lies below the highest SACKed byte (RFC 6675 4,
 * NextSeg rule 1: a sequence range not SACKed with SACKed data above it is presumed lost).
 */
bool
sp_tcp_sack_next_hole(const struct sp_conn *c, sp_seq_t from, sp_seq_t *seq, uint32_t *len)
{
	unsigned i;

	if (SEQ_LT(from, c->snd_una))
		from = c->snd_una;
	for (i = 0; i < c->n_sacked; i++) {
		const struct sp_tcp_sack_block *b = &c->sacked[i];

		if (SEQ_GEQ(from, b->end))
			continue;
		if (SEQ_GEQ(from, b->start)) {
			from = b->end;
			continue;
		}
		*seq = from;
		*len = RTE_MIN(b->start - from, (uint32_t)c->mss);
		return true;
	}
	return false;
}

uint32_t
sp_tcp_sack_bytes_below(const struct sp_conn *c, sp_seq_t seq)
{
	uint32_t n = 0;
	unsigned i;

	for (i = 0; i < c->n_sacked && SEQ_LT(c->sacked[i].start, seq); i++)
		n += SEQ_MIN(c->sacked[i].end, seq) - c->sacked[i].start;
	return n;
}

uint32_t
sp_tcp_sack_bytes(const struct sp_conn *c)
{
	return sp_tcp_sack_bytes_below(c, c->snd_max);
}

sp_seq_t
sp_tcp_sack_first_unsacked(const struct sp_conn *c, sp_seq_t from, sp_seq_t end)
{
	unsigned i;

	for (i = 0; i < c->n_sacked && SEQ_LT(from, end); i++) {
		if (SEQ_GT(c->sacked[i].start, from))
			break;
		if (SEQ_GT(c->sacked[i].end, from))
			from = c->sacked[i].end;
	}
	return SEQ_LT(from, end) ? from : end;
}

/*
 * RFC 6675 4, IsLost(SeqNum): true when DupThresh discontiguous SACKed segments, or more than
 * (DupThresh - 1) * SMSS SACKed bytes, lie above SeqNum. Walking the scoreboard from the top,
 * the first range at whose start either count is reached is the edge: every hole below it
 * is lost, every hole above it is not (yet). DupThresh is sp_tcp_dupthresh(): 3, or the
 * reordering degree seen (tcp_reorder.c).
 */
sp_seq_t
sp_tcp_sack_lost_edge(const struct sp_conn *c)
{
	uint32_t bytes = 0, segs = 0, mss = c->mss ? c->mss : 1, thresh = sp_tcp_dupthresh(c);
	unsigned i = c->n_sacked;

	while (i-- > 0) {
		uint32_t len = c->sacked[i].end - c->sacked[i].start;

		bytes += len;
		segs += (len + mss - 1) / mss;
		if (segs >= thresh || bytes > (thresh - 1) * mss)
			return c->sacked[i].start;
	}
	return c->snd_una;
}

/*
 * RFC 6675 4, SetPipe(): every un-SACKed byte in [SND.UNA, SND.MAX) counts once unless it is
 * lost, and once more if it was retransmitted in this recovery (below rexmit_hi: holes are
 * retransmitted in ascending order) unless that retransmission was found lost as well
 * (tcp_lost_rxt.c).
 */
uint32_t
sp_tcp_sack_pipe(const struct sp_conn *c)
{
	sp_seq_t lost = sp_tcp_sack_lost_edge(c);
	sp_seq_t rx = SEQ_MAX(c->rexmit_hi, c->snd_una);
	sp_seq_t from = c->snd_una;
	uint32_t pipe = 0;
	unsigned i;

	for (i = 0; i <= c->n_sacked; i++) {
		sp_seq_t to = i < c->n_sacked ? c->sacked[i].start : c->snd_max;

		if (SEQ_LT(from, to)) {
			/* Hole [from, to): its part at or above the lost edge is still in flight. */
			if (SEQ_GT(to, lost))
				pipe += to - SEQ_MAX(from, lost);
			if (SEQ_GT(rx, from))
				pipe += SEQ_MIN(rx, to) - from;
		}
		if (i < c->n_sacked)
			from = SEQ_MAX(from, c->sacked[i].end);
	}
	if (c->rxt_lost != 0)
		pipe -= RTE_MIN(pipe, sp_tcp_rxt_lost_bytes(c));
	return pipe;
}

uint32_t
sp_tcp_sack_rexmit_next(struct sp_conn *c, bool any)
{
	sp_seq_t from = SEQ_MAX(c->rexmit_hi, c->snd_una), end = c->sb_seq + c->sb_len, seq;
	uint32_t len;

	if (c->n_sacked == 0) {
		/*
		 * No scoreboard: only the segment at SND.UNA is known to be missing, unless the
		 * rescue retransmission (rule 4) already sent what is left of the flight.
		 */
		if (from != c->snd_una || !any ||
			((c->flags & TF_RESCUE) && SEQ_LT(c->snd_una, c->rescue_rxt)))
			return 0;
		seq = from;
		len = c->mss;
	} else if (!sp_tcp_sack_next_hole(c, from, &seq, &len) ||
		   (!any && !SEQ_LT(seq, sp_tcp_sack_lost_edge(c)))) {
		return 0;
	}
	if (SEQ_GT(seq + len, end))
		len = SEQ_GT(end, seq) ? end - seq : 0;
	if (len == 0 || sp_tcp_send_segment(c, seq, len, 0) < 0)
		return 0;
	c->rexmit_hi = seq + len;
	sp_tcp_rxt_note(c, seq, len);
	sp_tcp_undo_note(c, seq, len);
	sp_tcp_prr_rxt(c, len);
	return len;
}

uint32_t
sp_tcp_sack_rescue(struct sp_conn *c)
{
	sp_seq_t data_end = c->sb_seq + c->sb_len, top, seq;

	if ((c->flags & TF_RESCUE) && !SEQ_GT(c->snd_una, c->rescue_rxt))
		return 0;
	top = SEQ_MIN(c->snd_max, data_end);
	/* Merged and sorted: only the highest range can cover the top. */
	if (c->n_sacked > 0 && SEQ_GEQ(c->sacked[c->n_sacked - 1].end, top))
		top = SEQ_MIN(top, c->sacked[c->n_sacked - 1].start);
	if (!SEQ_GT(top, SEQ_MAX(c->rexmit_hi, c->snd_una)))
		return 0;
	seq = top - RTE_MIN((uint32_t)c->mss, top - c->snd_una);
	if (sp_tcp_send_segment(c, seq, top - seq, 0) < 0)
		return 0;
	c->flags |= TF_RESCUE;
	c->rescue_rxt = c->recover;
	sp_tcp_undo_note(c, seq, top - seq);
	sp_tcp_prr_rxt(c, top - seq);
	return top - seq;
}

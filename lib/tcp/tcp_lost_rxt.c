/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lost retransmissions in SACK loss recovery. RFC 6675 retransmits each hole once per
 * recovery; when that retransmission is lost too, only the RTO repairs it: with 5 % loss one
 * retransmission in twenty, and the hole at SND.UNA stops the flow for at least 200 ms.
 *
 * RACK (RFC 8985 6.2) finds them: a segment is lost when a segment sent after it was delivered
 * (plus a reordering window). Its per-segment send times are not kept here (the send buffer is
 * a list of mbufs, the scoreboard ranges of sequence space), so the order of sending is taken
 * from sequence space instead: every byte above SND.MAX at the moment a hole was resent went
 * out for the first time after it. When the peer SACKs such a byte and the hole is still
 * missing, its retransmission was lost. While no reordering has been seen this is the RACK rule
 * with a reordering window of zero, which is what Linux uses in recovery then (a retransmission
 * merely reordered behind new data is resent once more, and the peer reports a D-SACK). Once
 * the connection has seen reordering (tcp_reorder.c) the window is the loss threshold's, in
 * sequence space as everywhere here: the retransmission is lost only when more than
 * (sp_tcp_dupthresh() - 1) segments' worth of data sent after it was SACKed, the same rule
 * as IsLost() for a first transmission (RFC 8985 6.2 grows RACK.reo_wnd instead, in time).
 *
 * At most SP_TCP_RXT_WATCH retransmissions per recovery are watched, the first ones (the
 * lowest holes, which hold SND.UNA back); one not watched falls back to the RTO as before.
 */
#include "tcp.h"

static void
watch_remove(struct sp_conn *c, unsigned i)
{
	unsigned below = (1u << i) - 1, j;

	/* The bits below i stay, those above move down one place with their entries. */
	c->rxt_lost = (uint8_t)((c->rxt_lost & below) | ((c->rxt_lost >> 1) & ~below));
	for (j = i; j + 1 < c->n_rxt; j++)
		c->rxt[j] = c->rxt[j + 1];
	c->n_rxt--;
}

void
sp_tcp_rxt_note(struct sp_conn *c, sp_seq_t seq, uint32_t len)
{
	struct sp_tcp_rxt *r;

	if (c->n_rxt == SP_TCP_RXT_WATCH || len == 0)
		return;
	r = &c->rxt[c->n_rxt++];
	r->seq = seq;
	r->end = seq + len;
	r->mark = c->snd_max;
}

/* Whether more SACKed bytes lie above @p mark than the reordering window allows. */
static bool
sacked_beyond(const struct sp_conn *c, sp_seq_t hi, sp_seq_t mark)
{
	uint32_t win;

	if (!SEQ_GT(hi, mark))
		return false;
	if (c->reordering == 0)
		return true; /* no reordering seen: a window of zero */
	win = (sp_tcp_dupthresh(c) - 1) * (uint32_t)c->mss;
	return sp_tcp_sack_bytes(c) - sp_tcp_sack_bytes_below(c, mark) > win;
}

unsigned
sp_tcp_rxt_detect(struct sp_conn *c)
{
	sp_seq_t hi = sp_tcp_sack_high(c);
	unsigned i = 0, found = 0;

	while (i < c->n_rxt) {
		struct sp_tcp_rxt *r = &c->rxt[i];

		if (sp_tcp_sack_first_unsacked(c, SEQ_MAX(r->seq, c->snd_una), r->end) == r->end) {
			watch_remove(c, i); /* delivered */
			continue;
		}
		if (!(c->rxt_lost & (1u << i)) && sacked_beyond(c, hi, r->mark)) {
			c->rxt_lost |= (uint8_t)(1u << i);
			found++;
		}
		i++;
	}
	return found;
}

uint32_t
sp_tcp_rxt_lost_bytes(const struct sp_conn *c)
{
	uint32_t n = 0;
	unsigned i;

	for (i = 0; i < c->n_rxt; i++) {
		const struct sp_tcp_rxt *r = &c->rxt[i];
		sp_seq_t from = SEQ_MAX(r->seq, c->snd_una);

		if (!(c->rxt_lost & (1u << i)) || !SEQ_LT(from, r->end))
			continue;
		n += (r->end - from) -
		     (sp_tcp_sack_bytes_below(c, r->end) - sp_tcp_sack_bytes_below(c, from));
	}
	return n;
}

uint32_t
sp_tcp_rxt_resend(struct sp_conn *c)
{
	unsigned i;

	for (i = 0; i < c->n_rxt; i++) {
		struct sp_tcp_rxt *r = &c->rxt[i];
		sp_seq_t seq, stop;
		uint32_t len;
		unsigned j;

		if (!(c->rxt_lost & (1u << i)))
			continue;
		seq = sp_tcp_sack_first_unsacked(c, SEQ_MAX(r->seq, c->snd_una), r->end);
		stop = r->end;
		for (j = 0; j < c->n_sacked; j++)
			if (SEQ_GT(c->sacked[j].start, seq)) {
				stop = SEQ_MIN(stop, c->sacked[j].start);
				break;
			}
		len = RTE_MIN(stop - seq, (uint32_t)c->mss);
		watch_remove(c, i);
		if (len == 0 || sp_tcp_send_segment(c, seq, len, 0) < 0)
			return 0;
		TCP_STAT(c, TCPLostRetransmit);
		sp_tcp_prr_rxt(c, len);
		/* Watched again, as the latest retransmission. */
		sp_tcp_rxt_note(c, seq, len);
		sp_tcp_undo_note(c, seq, len);
		return len;
	}
	return 0;
}

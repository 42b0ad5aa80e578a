/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Spurious retransmission timeouts: detected by the timestamp echo (RFC 3522, Eifel detection)
 * and their response undone (RFC 4015, Eifel response).
 *
 * A timeout that fires while the ACKs are only late (a path whose delay jumped, a receiver or a
 * virtual machine that stalled for longer than the RTO) makes an unhelped sender pay twice: cwnd
 * falls to one segment and ssthresh to half the flight, and go-back-N resends the whole flight
 * the receiver already holds. Linux detects such timeouts (F-RTO, RFC 5682, and the timestamp
 * test) and undoes them; a sender that does not is easy to tell apart from it on such a path.
 *
 * Detection: with timestamps negotiated, the first ACK that moves SND.UNA after the timeout is
 * judged. It echoes TS.Recent, which the receiver takes only from segments at its left edge
 * (RFC 7323 4.3); an echo older than the TSval of the retransmission means a segment sent before
 * the timeout moved that edge: the original arrived, the timeout was spurious. An echo of the
 * retransmission's own TSval (or a later one) means the copy was needed. The clock counts
 * milliseconds and the RTO is at least tcp.rto_min_ms, so the original always carries an older
 * TSval than its retransmission. Only the first such ACK is judged (RFC 3522 3): later ones may
 * echo the retransmission itself. Without timestamps nothing is judged (F-RTO, RFC 5682, is not
 * done).
 *
 * Response (RFC 4015 3.2): sending resumes with new data (SND.NXT back to SND.MAX, no go-back-N
 * over a flight the receiver holds), and the congestion state saved at the timeout comes back:
 * ssthresh = pipe_prev, cwnd = FlightSize + min(bytes acknowledged, IW), never above the cwnd
 * before (sp_tcp_cc_undo(), shared with the recovery undo of tcp_reorder.c), CUBIC's W_max
 * with it. The RTT that the echo measures (the late ACK's real round trip) is sampled as usual,
 * so the RTO grows to the path's new delay (RFC 4015 4). Counter `TCPSpuriousRTOs` (Linux's).
 *
 * A repeated timeout (the retransmission itself timed out) keeps what the first one saved:
 * undoing restores the state from before the first. A hostile peer can echo an old timestamp to
 * have a timeout undone; it gains only the window that acknowledging data it has not received
 * gives it anyway, and the cwnd it gets back is at most the one it had before the timeout.
 *
 * The saved state lives in the recovery undo's fields (undo_cc, undo_tsval): a timeout ends any
 * recovery undo (sp_tcp_reorder_timeout()), and a recovery that begins before the first ACK
 * (sp_tcp_undo_start()) takes them back and ends this one.
 */
#include "tcp.h"

void
sp_tcp_rto_undo_start(struct sp_conn *c, uint32_t inflight)
{
	if (!(c->flags & TF_TS) || c->cc.ops == NULL)
		return;
	if (c->flags & TF_RTO_UNDO)
		return; /* a repeated timeout: undoing restores the state before the first */
	sp_tcp_cc_save(&c->cc, inflight, &c->undo_cc);
	/* The TSval the retransmission sent at this timeout carries (same clock, same tick). */
	c->undo_tsval = sp_tcp_ts_now(c);
	c->flags |= TF_RTO_UNDO;
}

bool
sp_tcp_rto_undo_ack(struct sp_conn *c, uint32_t tsecr, uint32_t acked)
{
	if (!(c->flags & TF_RTO_UNDO))
		return false;
	c->flags &= ~TF_RTO_UNDO; /* the first ACK that moves SND.UNA decides (RFC 3522 3) */
	if (tsecr == 0 || (int32_t)(tsecr - c->undo_tsval) >= 0 || c->cc.ops == NULL)
		return false;
	TCP_STAT(c, TCPSpuriousRTOs);
	sp_tcp_cc_undo(&c->cc, &c->undo_cc, c->snd_max - c->snd_una, acked);
	/* RFC 4015 3.2 step 4: resume with new data, the flight beyond SND.UNA is not resent. */
	c->snd_nxt = c->snd_max;
	/* No go-back-N: no duplicate ACKs from resent data to guard against (RFC 6582 4). */
	c->recover = c->snd_una;
	return true;
}

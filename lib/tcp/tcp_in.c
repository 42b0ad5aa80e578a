/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment arrival (RFC 9293 3.10.7): checks, demultiplexing, then one function per group of
 * states whose comments follow the RFC's numbered steps.
 */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "tcp.h"
#include "tcp_isn.h"
#include "tcp_steer.h"

/* Options of the peer's SYN: each is on only if offered and enabled (RFC 7323, 2018). */
void
sp_tcp_conn_options(struct sp_conn *c, const struct sp_tcp_opts *o)
{
	const struct sp_tcp_cfg *tc = &c->ctx->cfg->tcp;
	unsigned mss;

	c->mss_peer = o->has_mss ? o->mss : SP_TCP_DEFAULT_MSS;
	if (o->has_wscale && tc->wscale) {
		c->flags |= TF_WS;
		/* RFC 7323 2.3: a shift above 14 is used as 14, and the error logged (counted). */
		if (o->wscale > 14)
			TCP_STAT(c, tcp_wscale_clamped);
		c->snd_wscale = RTE_MIN(o->wscale, 14);
	} else {
		c->flags &= ~TF_WS;
		c->snd_wscale = 0;
		c->rcv_wscale = 0;
	}
	if (o->has_sack_perm && tc->sack)
		c->flags |= TF_SACK;
	if (o->has_ts && tc->timestamps) {
		c->flags |= TF_TS;
		c->ts_recent = o->ts_val;
		c->ts_recent_age = c->ctx->now;
	}
	mss = RTE_MIN(c->mss_peer, c->mss_ours);
	/* The timestamps option takes 12 bytes of each segment (RFC 7323); a peer's MSS of 12 or
	 * less must not wrap (MSS 8 became 65532: segments above the MTU, dropped by IP). */
	if (c->flags & TF_TS)
		mss = mss > SP_TCP_TS_OPT_LEN ? mss - SP_TCP_TS_OPT_LEN : 0;
	/* A peer announcing a tiny MSS must not make us cut data into slivers (tcp.min_snd_mss,
	 * Linux's tcp_min_snd_mss: each segment costs a header and an mbuf). */
	if (mss < c->ctx->cfg->tcp.min_snd_mss)
		mss = c->ctx->cfg->tcp.min_snd_mss;
	c->mss = (uint16_t)mss;
}

static void
established(struct sp_conn *c)
{
	sp_tcp_set_state(c, SP_TCP_ESTABLISHED);
	c->cc.ops = c->cc_ops;
	c->cc_ops->init(&c->cc, c->mss, sp_tcp_now_us(c->ctx));
	c->retries = 0;
	c->recover = c->snd_una;
	sp_tcp_keepalive_arm(c);
}

/* Eighth step: the FIN is next in sequence (RFC 9293 3.10.7.4). */
void
sp_tcp_fin_arrived(struct sp_conn *c)
{
	c->rcv_nxt += 1;
	c->flags = (c->flags | TF_PEER_FIN | TF_ACKNOW) & ~TF_OOO_FIN;
	/* An out-of-order FIN just filled: what is queued behind it is not data. */
	if (c->n_ooo > 0)
		sp_tcp_reass_after_fin(c);
	switch (c->state) {
	case SP_TCP_SYN_RECEIVED:
	case SP_TCP_ESTABLISHED:
		sp_tcp_set_state(c, SP_TCP_CLOSE_WAIT);
		break;
	case SP_TCP_FIN_WAIT_1:
		/* Our FIN is not acknowledged yet (else we would be in FIN-WAIT-2). */
		sp_tcp_set_state(c, SP_TCP_CLOSING);
		break;
	case SP_TCP_FIN_WAIT_2:
		sp_tcp_set_state(c, SP_TCP_TIME_WAIT);
		break;
	default:
		return;
	}
	if (!(c->flags & TF_APP_CLOSED) && c->cb.peer_closed != NULL)
		c->cb.peer_closed(c, c->arg);
	if (!c->freed && c->state == SP_TCP_TIME_WAIT) {
		sp_tcp_conn_report(c, 0);
		/* The ACK of this FIN goes now, the connection becomes a TIME-WAIT entry. */
		if (!c->freed)
			sp_tcp_tw_enter(c);
	}
}

/* ---- ACK processing (RFC 9293 3.10.7.4, fifth step) ---- */

/*
 * NewReno (no SACK): retransmit the segment at SND.UNA (RFC 6582 3.2 step 5; rule 3 on entry).
 */
static void
retransmit_una(struct sp_conn *c)
{
	sp_seq_t end = c->sb_seq + c->sb_len;
	uint32_t len = RTE_MIN(c->sb_len, (uint32_t)c->mss);

	if (SEQ_GT(c->snd_una + len, end))
		len = SEQ_GT(end, c->snd_una) ? end - c->snd_una : 0;
	if (len > 0)
		sp_tcp_send_segment(c, c->snd_una, len, 0);
	else if ((c->flags & TF_FIN_QUEUED) && c->snd_una == end)
		sp_tcp_send_segment(c, c->snd_una, 0, RTE_TCP_FIN_FLAG);
}

/*
 * Enter loss recovery (RFC 5681 3.2 / RFC 6582 3.2 without SACK; RFC 6675 5 with it):
 * RecoveryPoint = HighData, ssthresh from the congestion control, the first lost segment
 * retransmitted at once. With SACK proportional rate reduction (tcp_prr.c) sets cwnd on each
 * ACK, this one included (process_ack()), and sp_tcp_output() sends what cwnd - pipe allows
 * (NextSeg); without, cwnd is inflated by the three duplicates.
 */
static void
enter_recovery(struct sp_conn *c, uint64_t now)
{
	TCP_STAT(c, TCPFastRetrans);
	if (c->flags & TF_SACK)
		sp_tcp_undo_start(c); /* before the cut and before RecoveryPoint moves */
	c->cc.ops->on_loss(&c->cc, c->snd_max - c->snd_una, now);
	c->recover = c->snd_max;
	c->flags |= TF_RECOVERY;
	c->flags &= ~(TF_RESCUE | TF_RXT_LOST);
	c->rexmit_hi = c->snd_una;
	sp_tcp_rxt_reset(c);
	if (!(c->flags & TF_SACK)) {
		TCP_STAT(c, TCPRenoRecovery);
		retransmit_una(c);
		return;
	}
	TCP_STAT(c, TCPSackRecovery);
	sp_tcp_prr_start(c);
	/* RFC 6675 5 step (3): the segment at HighACK + 1 goes first, whatever pipe says. */
	sp_tcp_sack_rexmit_next(c, true);
}

/*
 * With SACK, whether the scoreboard alone starts a recovery at this ACK (@p ack = SND.UNA):
 * IsLost(SND.UNA) (RFC 6675 5: IsLost(HighACK + 1), e.g. when ACKs were coalesced), past RFC
 * 6582's guard (SND.UNA at or beyond RecoveryPoint). Or, below it, after a timeout: go-back-N
 * resent every un-SACKed byte below RecoveryPoint before it sent anything above it, so when the
 * peer SACKs data above RecoveryPoint while SND.UNA is still lost, SND.UNA's retransmission was
 * lost as well (the reasoning of tcp_lost_rxt.c): a new recovery starts at once (RFC 6675 5.1
 * lets the sender use SACK after a timeout; the guard is for duplicate ACKs that cannot tell
 * this apart) rather than a further, backed-off timeout.
 */
static bool
sack_recovery_due(const struct sp_conn *c, sp_seq_t ack)
{
	if (!(c->flags & TF_SACK) || c->n_sacked == 0 || sp_tcp_sack_lost_edge(c) == c->snd_una)
		return false;
	return SEQ_GT(ack, c->recover - 1) ||
	       (SEQ_GEQ(c->snd_nxt, c->recover) &&
		       SEQ_GT(c->sacked[c->n_sacked - 1].end, c->recover));
}

/*
 * In SACK recovery, a retransmission found lost as well (tcp_lost_rxt.c) is a further
 * congestion signal that the recovery must answer (RFC 8985 9.3): once per recovery, the
 * target is reduced again as for a new loss (from the first cut's ssthresh, the window the
 * recovery was heading for), PRR starts over towards it (as Linux's tcp_init_cwnd_reduction()
 * when a recovery begins again), and, as on entering recovery (RFC 6675 5 step (3)), the first
 * lost one goes again at once, whatever pipe says.
 */
static void
detect_lost_rxt(struct sp_conn *c, uint64_t now)
{
	if ((c->flags & (TF_RECOVERY | TF_SACK)) != (TF_RECOVERY | TF_SACK) || c->n_rxt == 0 ||
		sp_tcp_rxt_detect(c) == 0 || (c->flags & TF_RXT_LOST) || c->cc.ops == NULL)
		return;
	c->flags |= TF_RXT_LOST;
	c->cc.cwnd = c->cc.ssthresh;
	c->cc.ops->on_loss(&c->cc, c->cc.ssthresh, now);
	sp_tcp_prr_start(c);
	sp_tcp_rxt_resend(c);
}

/*
 * RFC 6937 3: DeliveredData of an ACK, the change in SND.UNA plus the change in SACKed bytes
 * (@p una0, @p sacked0: before it). SACKed bytes the ACK now covers cumulatively count once;
 * a scoreboard forgotten on reneging delivers nothing.
 */
static uint32_t
delivered(const struct sp_conn *c, sp_seq_t una0, uint32_t sacked0)
{
	int64_t d = (int64_t)(c->snd_una - una0) + sp_tcp_sack_bytes(c) - sacked0;

	return d > 0 ? (uint32_t)d : 0;
}

/* @return false when the segment must be dropped. */
static bool
process_ack(struct sp_conn *c, const struct sp_tcp_hdr *th, uint32_t plen)
{
	sp_seq_t ack = th->ack, una0 = c->snd_una, hi0 = c->snd_una;
	uint64_t now = sp_tcp_now_us(c->ctx);
	uint32_t sacked0 = 0;
	bool new_sack = false, dsack;

	/*
	 * RFC 5961 5.2: acceptable if SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT. The ACK that
	 * answers one of unsent data is bounded as those to segments outside the window (Linux
	 * sends none): two ends that disagree about our sequence space (a desynchronised peer
	 * that believes we sent more) otherwise trade ACKs at line rate; a segment with data is
	 * always answered.
	 */
	if (SEQ_GT(ack, c->snd_max)) {
		TCP_STAT(c, TCPBadAck);
		if (sp_tcp_oow_ack_limited(c->ctx, &c->last_oow_ack, th, plen))
			TCP_STAT(c, tcp_bad_ack_skipped);
		else
			c->flags |= TF_ACKNOW;
		return false;
	}
	if (SEQ_LT(ack, c->snd_una - c->max_snd_wnd)) {
		sp_tcp_challenge_ack(c);
		return false;
	}
	/*
	 * RFC 2883 4: the first SACK block reports a duplicate (D-SACK) when it lies below the
	 * cumulative ACK, or inside the second block.
	 */
	dsack = th->opts.n_sack > 0 &&
		(SEQ_LEQ(th->opts.sack[0].end, ack) ||
			(th->opts.n_sack > 1 &&
				SEQ_GEQ(th->opts.sack[0].start, th->opts.sack[1].start) &&
				SEQ_LEQ(th->opts.sack[0].end, th->opts.sack[1].end)));
	if ((c->flags & TF_SACK) && (th->opts.n_sack > 0 || c->n_sacked > 0)) {
		sacked0 = sp_tcp_sack_bytes(c);
		hi0 = sp_tcp_sack_high(c);
	}
	if ((c->flags & TF_SACK) && th->opts.n_sack > 0) {
		/* Reordering shows in what the blocks SACK anew (tcp_reorder.c). */
		if (c->n_sacked > 0)
			sp_tcp_reorder_sack(c, &th->opts);
		sp_tcp_sack_update(c, &th->opts, dsack);
		new_sack = sp_tcp_sack_bytes(c) != sacked0;
	}
	if (SEQ_GT(ack, c->snd_una)) {
		uint32_t tsecr = (c->flags & TF_TS) && th->opts.has_ts ? th->opts.ts_ecr : 0;
		uint32_t acked = ack - c->snd_una;
		uint32_t inflight = c->snd_max - c->snd_una;
		uint32_t rtt_us = 0, data = 0;
		bool undone;

		if (SEQ_GT(ack, c->sb_seq)) {
			data = RTE_MIN(ack - c->sb_seq, c->sb_len);
			sp_tcp_sb_trim(c, data);
		}
		c->bytes_acked += data;
		/* RTT: timestamp echo (RFC 7323 4.1), else one timed segment (Karn). */
		if (tsecr != 0) {
			uint32_t d = sp_tcp_ts_now(c) - tsecr;

			if (d < 600000)
				rtt_us = d * 1000 + 1;
		} else if (c->rtt_timing && SEQ_GT(ack, c->rtt_seq)) {
			rtt_us =
				(uint32_t)((c->ctx->now - c->rtt_start) * 1000000 / c->ctx->hz) + 1;
			c->rtt_timing = false;
		}
		if (rtt_us != 0)
			sp_tcp_rtt_sample(c, rtt_us);
		c->retries = 0;
		c->snd_una = ack;
		sp_tcp_mem_progress(c);
		if (SEQ_LT(c->snd_nxt, ack))
			c->snd_nxt = ack;
		/* A hole covered with SACKed data above it: delivered late, or resent? */
		if (SEQ_GT(hi0, una0))
			sp_tcp_reorder_cumack(c, una0, ack, hi0, tsecr);
		sp_tcp_sack_trim(c);
		/*
		 * The first ACK after a timeout: was it spurious (tcp_rto_undo.c)? Undone, cwnd
		 * already counts this ACK (RFC 4015 3.2).
		 */
		undone = (c->flags & TF_RTO_UNDO) && sp_tcp_rto_undo_ack(c, tsecr, acked);
		if (c->cc.ops != NULL && !undone) {
			if (c->flags & TF_RECOVERY) {
				if (SEQ_GEQ(ack, c->recover)) {
					/* Full ACK (RFC 6582 3.2 step 3). */
					c->flags &= ~TF_RECOVERY;
					sp_tcp_rxt_reset(c);
					c->cc.ops->on_recovery_exit(&c->cc, now);
				} else if (!(c->flags & TF_SACK)) {
					/* Partial ACK (RFC 6582 3.2 step 5): deflate, resend SND.UNA. */
					c->cc.cwnd -= RTE_MIN(acked, c->cc.cwnd - 1);
					if (acked >= c->mss)
						c->cc.cwnd += c->mss;
					retransmit_una(c);
				}
				/* With SACK a partial ACK shrinks pipe, PRR sets cwnd below:
				 * sp_tcp_output() sends what cwnd - pipe allows (RFC 6675 5
				 * step C). */
			} else {
				c->cc.ops->on_ack(&c->cc, acked, rtt_us, inflight, now);
				if (sack_recovery_due(c, ack))
					enter_recovery(c, now);
			}
		}
		c->dupacks = 0;
		if ((c->flags & TF_TLP_OUT) && SEQ_GEQ(ack, c->tlp_end))
			sp_tcp_tlp_acked(c, dsack, now);
		sp_tcp_rtx_stop(c);
		if (c->snd_una != c->snd_max)
			sp_tcp_rtx_arm(c);
		sp_tcp_sb_expand(c, inflight);
		if ((c->flags & TF_WANT_WRITABLE) && c->sb_len < c->sndbuf)
			c->flags |= TF_NOTIFY_WR;
	} else if (ack == c->snd_una && plen == 0 && !(th->flags & RTE_TCP_FIN_FLAG) &&
		   c->snd_max != c->snd_una && (!dsack || new_sack) &&
		   (((uint32_t)th->win << c->snd_wscale) == c->snd_wnd || new_sack)) {
		/*
		 * Duplicate ACK (RFC 5681 2; with SACK, RFC 6675 2: an ACK that SACKs new data
		 * counts even if the window moved). The third starts fast retransmit (3.2). One
		 * that only reports a duplicate (D-SACK, RFC 2883) says nothing is missing: it
		 * does not count (a spurious retransmission's D-SACK would count towards the
		 * next one).
		 */
		if (c->dupacks < UINT8_MAX)
			c->dupacks++;
		if (!(c->flags & TF_RECOVERY) && c->cc.ops != NULL &&
			((c->dupacks >= sp_tcp_dupthresh(c) && SEQ_GT(ack, c->recover - 1)) ||
				sack_recovery_due(c, ack)))
			enter_recovery(c, now);
		else if (c->dupacks > SP_TCP_DUPTHRESH && (c->flags & TF_RECOVERY) &&
			 !(c->flags & TF_SACK))
			c->cc.cwnd += c->mss; /* inflation (RFC 5681 3.2 step 4) */
		/* With SACK, sp_tcp_output() after this ACK sends by cwnd - pipe. */
	}
	if (dsack && (c->flags & TF_SACK)) {
		/* RFC 3708: were all retransmissions of the last recovery duplicates? */
		TCP_STAT(c, TCPDSACKRecv);
		sp_tcp_undo_dsack(
			c, th->opts.sack[0].start, th->opts.sack[0].end, c->snd_una - una0);
	}
	detect_lost_rxt(c, now);
	if ((c->flags & (TF_RECOVERY | TF_SACK)) == (TF_RECOVERY | TF_SACK) && c->cc.ops != NULL)
		sp_tcp_prr_ack(c, delivered(c, una0, sacked0));
	/*
	 * Window update (RFC 9293 3.10.7.4): only from an ACK with SND.UNA =< SEG.ACK (an older
	 * one is a duplicate that "can be ignored", as Linux does), and SND.WL1/WL2 keep old
	 * segments from shrinking it.
	 */
	if (SEQ_GEQ(ack, c->snd_una) &&
		(SEQ_LT(c->snd_wl1, th->seq) ||
			(c->snd_wl1 == th->seq && SEQ_LEQ(c->snd_wl2, ack)))) {
		uint32_t old_wnd = c->snd_wnd;

		c->snd_wnd = (uint32_t)th->win << c->snd_wscale;
		/*
		 * RFC 9293 3.8.6.1: a persist probe (the byte at SND.UNA, SND.NXT one past it) the
		 * peer did not accept (its ACK is still SND.UNA) was not received: when the window
		 * opens, sending resumes from SND.UNA, not after the probe byte. Only then: a flight
		 * that was out before the window shut is left to the ACKs and the timers, or a peer
		 * toggling its window with one ACK number would have it all resent per toggle.
		 */
		if (old_wnd == 0 && c->snd_wnd > 0 && ack == c->snd_una &&
			c->snd_nxt == c->snd_una + 1)
			c->snd_nxt = c->snd_una;
		c->snd_wl1 = th->seq;
		c->snd_wl2 = ack;
		if (c->snd_wnd > c->max_snd_wnd)
			c->max_snd_wnd = c->snd_wnd;
		/* A peer answering zero-window probes is alive: persist never gives up on it. */
		if (c->snd_wnd == 0)
			c->retries = 0;
	}
	return true;
}

static bool
our_fin_acked(const struct sp_conn *c)
{
	return (c->flags & TF_FIN_QUEUED) && c->sb_len == 0 && c->snd_una == c->sb_seq + 1;
}

/* ---- SYN-SENT (RFC 9293 3.10.7.3) ---- */
static void
synsent_input(
	struct sp_conn *c, const struct sp_ipv4 *ip, const struct sp_tcp_hdr *th, uint32_t seglen)
{
	bool ack = th->flags & RTE_TCP_ACK_FLAG;

	/* First: the ACK must cover our SYN and nothing more. */
	if (ack && (SEQ_LEQ(th->ack, c->iss) || SEQ_GT(th->ack, c->snd_max))) {
		if (th->flags & RTE_TCP_RST_FLAG)
			goto ignore_rst;
		TCP_STAT(c, TCPBadAckRst);
		goto dropwithreset;
	}
	/* Second: a RST counts only with an acceptable ACK (RFC 5961 3.2 for SYN-SENT). */
	if (th->flags & RTE_TCP_RST_FLAG) {
		TCP_STAT(c, InRsts);
		if (!ack)
			goto ignore_rst;
		TCP_STAT(c, AttemptFails);
		sp_tcp_conn_done(c, -ECONNREFUSED);
		return;
	}
	/* Fourth: SYN; "if neither of the SYN or RST bits is set then drop the segment". */
	if (!(th->flags & RTE_TCP_SYN_FLAG)) {
		TCP_STAT(c, TCPSynSentNoSynDrops);
		return;
	}
	c->irs = th->seq;
	c->rcv_nxt = th->seq + 1;
	c->last_rx = c->ctx->now;
	sp_tcp_conn_options(c, &th->opts);
	c->snd_wnd = th->win; /* never scaled in a SYN */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = th->seq;
	c->snd_wl2 = th->ack;
	if (ack) {
		c->snd_una = th->ack;
		if (SEQ_LT(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		if (c->rtt_timing || (c->flags & TF_TS))
			sp_tcp_rtt_sample(c, c->retries == 0 && c->rtt_timing
						     ? (uint32_t)((c->ctx->now - c->rtt_start) *
								  1000000 / c->ctx->hz) +
							       1
						     : 0);
		c->rtt_timing = false;
		sp_timer_cancel(c->ctx, &c->rtx_timer);
		established(c);
		/*
		 * The ACK of the SYN-ACK is due now; what the application sends from its connected
		 * callback rides on it ("data or controls that were queued for transmission MAY be
		 * included", RFC 9293 3.10.7.3): a request-response connection costs one segment
		 * less. Nothing sent: a bare ACK.
		 */
		c->flags |= TF_ACKNOW;
		if (c->cb.connected != NULL)
			c->cb.connected(c, c->arg);
		if (!c->freed)
			sp_tcp_output(c);
		return;
	}
	/* Simultaneous open: SYN-RECEIVED, answer with SYN-ACK (RFC 9293 3.5 figure 8). */
	sp_tcp_set_state(c, SP_TCP_SYN_RECEIVED);
	c->snd_nxt = c->iss;
	sp_tcp_send_syn(c);
	return;

	/* The caller frees the segment: these exits only count and answer. */
dropwithreset:
	sp_tcp_reply_rst(c->ctx, c->port, ip, th, seglen);
	return;
ignore_rst:
	TCP_STAT(c, TCPRstIgnored);
}

/* ---- SYN-RECEIVED .. TIME-WAIT (RFC 9293 3.10.7.4) ---- */

bool
sp_tcp_seq_acceptable(sp_seq_t rcv_nxt, uint32_t wnd, sp_seq_t seq, uint32_t seglen)
{
	bool ok;

	/* The four cases of 3.10.7.4. */
	if (seglen == 0)
		ok = wnd == 0 ? seq == rcv_nxt
			      : SEQ_LEQ(rcv_nxt, seq) && SEQ_LT(seq, rcv_nxt + wnd);
	else
		ok = wnd != 0 && ((SEQ_LEQ(rcv_nxt, seq) && SEQ_LT(seq, rcv_nxt + wnd)) ||
					 (SEQ_LEQ(rcv_nxt, seq + seglen - 1) &&
						 SEQ_LT(seq + seglen - 1, rcv_nxt + wnd)));
	/* A zero window still takes ACKs and RSTs at RCV.NXT (the segment's data is cut). */
	return ok || (wnd == 0 && seq == rcv_nxt);
}
/* Linux's TCP_INIT_CWND: what a sender's first round trip brings at most (RFC 6928). */
#define RCVQ_INIT_SEGS 10

/*
 * Receive buffer autotuning (docs/tcp.md "Buffer autotuning"), after Linux's dynamic right-sizing
 * (tcp_rcv_rtt_measure(), tcp_rcv_space_adjust()): in-order data arrived. Once per round trip,
 * compare the bytes the application consumed in it with the most any round trip brought so far:
 * more means the sender's window is growing and ours may soon be the limit, so offer twice that
 * plus what the growth rate anticipates, up to tcp.rcvbuf_max. The round trip is bounded from
 * below by the shortest time one whole advertised window took to arrive (a sender cannot send
 * more than a window per round trip), measured here without help from the sender. Not while this
 * lcore's connections hold tcp_mem's low mark or more; whatever the buffer, out-of-order data is
 * charged against the marks (tcp_mem.c), and in-order data is the application's. The window
 * scale was chosen for tcp.rcvbuf_max (sp_tcp_rcv_wscale()), and a larger buffer only moves the
 * right edge to the right (RFC 9293 3.8.6.2.2).
 */
static void
rcvbuf_autotune(struct sp_conn *c)
{
	const struct sp_tcp_mem *mem = &c->ctx->tcp->mem;
	uint32_t max = c->ctx->cfg->tcp.rcvbuf_max, copied, us;
	sp_seq_t copied_seq = c->rcv_nxt - c->rcv_held;
	uint64_t now = c->ctx->now, win, hz_us = RTE_MAX(c->ctx->hz / 1000000, (uint64_t)1);

	if (max <= c->rcvbuf || c->rcvbuf_lock) /* SO_RCVBUF pins it, as Linux */
		return;
	if (c->rcv_rtt_time != 0 && SEQ_GEQ(c->rcv_nxt, c->rcv_rtt_seq)) {
		us = (uint32_t)RTE_MIN((now - c->rcv_rtt_time) / hz_us + 1, (uint64_t)UINT32_MAX);
		if (c->rcv_rtt_us == 0 || us < c->rcv_rtt_us)
			c->rcv_rtt_us = us;
		c->rcv_rtt_time = 0;
	}
	if (c->rcv_rtt_time == 0) {
		c->rcv_rtt_seq = c->rcv_nxt + sp_tcp_rcv_wnd_field(c);
		c->rcv_rtt_time = now;
	}
	if (c->rcvq_time == 0)
		goto new_period;
	if (c->rcv_rtt_us == 0 || (now - c->rcvq_time) / hz_us < c->rcv_rtt_us)
		return;
	copied = copied_seq - c->rcvq_seq;
	if (copied <= c->rcvq_space)
		goto new_period;
	/* Linux: twice a round trip's bytes and 16 segments, and twice the growth over the last. */
	win = 2 * (uint64_t)copied + 16u * c->mss_ours;
	win += 2 * (win * (copied - c->rcvq_space) / c->rcvq_space);
	c->rcvq_space = copied;
	if (win <= c->rcvbuf)
		goto new_period;
	if (mem->mbufs >= mem->low) {
		TCP_STAT(c, TCPBufTuneMemLimited);
		goto new_period;
	}
	c->rcvbuf = (uint32_t)RTE_MIN(win, (uint64_t)max);
	TCP_STAT(c, TCPRcvBufExpand);
new_period:
	if (c->rcvq_space == 0)
		c->rcvq_space = RTE_MIN(c->rcvbuf, (uint32_t)RCVQ_INIT_SEGS * c->mss_ours);
	c->rcvq_seq = copied_seq;
	c->rcvq_time = now;
}

/*
 * An unacceptable segment is answered with an ACK (RFC 9293 3.10.7.4 first step, RFC 7323 5.3
 * for PAWS). Two ends that disagree about the sequence space (a connection desynchronised by
 * an injection, or a blind attacker that knows the 4-tuple) then answer each other's ACKs
 * with ACKs at line rate: an ACK loop, or a stream of our ACKs at the peer as fast as the
 * forger sends. As Linux (tcp_oow_rate_limited(), tcp_invalid_ratelimit), a pure ACK (no
 * data, no FIN: a segment with data is not part of a loop, and its sender needs the answer)
 * or any SYN (SYN-RECEIVED's repeated SYN-ACK) gets at most one answer per
 * tcp.invalid_ratelimit_ms per connection; the rest are dropped and counted by the caller.
 * @p last: the connection's (or TIME-WAIT entry's) TSC of the last such answer.
 * @return true when this one goes unanswered.
 */
bool
sp_tcp_oow_ack_limited(
	struct sp_ctx *ctx, uint64_t *last, const struct sp_tcp_hdr *th, uint32_t plen)
{
	uint64_t gap = sp_ms_to_tsc(ctx, ctx->cfg->tcp.invalid_ratelimit_ms);

	if (gap == 0 || (th->flags & RTE_TCP_RST_FLAG))
		return false;
	/* A SYN is limited whatever it carries: its answer is a SYN-ACK, never needed at once. */
	if ((plen > 0 || (th->flags & RTE_TCP_FIN_FLAG)) && !(th->flags & RTE_TCP_SYN_FLAG))
		return false;
	if (*last != 0 && ctx->now - *last < gap)
		return true;
	*last = ctx->now;
	return false;
}

/*
 * The ACK field passes the checks of the fifth step: in SYN-RECEIVED it covers our SYN and no
 * more (else RST), elsewhere SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.MAX (RFC 5961 5.2).
 */
static bool
ack_acceptable(const struct sp_conn *c, sp_seq_t ack)
{
	if (c->state == SP_TCP_SYN_RECEIVED)
		return SEQ_GT(ack, c->snd_una) && SEQ_LEQ(ack, c->snd_max);
	return SEQ_LEQ(ack, c->snd_max) && SEQ_GEQ(ack, c->snd_una - c->max_snd_wnd);
}

/*
 * The peer's FIN alone, beyond RCV.NXT (the data before it lost or late): held for later (RFC
 * 9293 3.10.7.4) and answered at once by a duplicate ACK (RFC 5681 4.2), as Linux queues it out
 * of order. Right behind the last queued segment it ends that segment; beyond a gap, the segment
 * that reaches it later will (TF_OOO_FIN). Queued data beyond it (a peer contradicting itself)
 * leaves it ignored. Dropped unanswered before: the close waited for the peer's retransmission.
 */
static void
ooo_fin_hold(struct sp_conn *c, sp_seq_t seq)
{
	struct sp_tcp_ooo *last = c->n_ooo > 0 ? &c->ooo[c->n_ooo - 1] : NULL;

	c->flags |= TF_ACKNOW;
	if ((c->flags & TF_PEER_FIN) ||
		(c->state != SP_TCP_ESTABLISHED && c->state != SP_TCP_FIN_WAIT_1 &&
			c->state != SP_TCP_FIN_WAIT_2))
		return;
	if (last != NULL && last->end == seq) {
		last->fin = true;
	} else if (last == NULL || SEQ_LT(last->end, seq)) {
		c->flags |= TF_OOO_FIN;
		c->ooo_fin = seq;
	}
}

static void
sync_input(struct sp_conn *c, struct rte_mbuf *m, const struct sp_ipv4 *ip, struct sp_tcp_hdr *th,
	uint32_t plen, uint32_t nsegs)
{
	bool fin = th->flags & RTE_TCP_FIN_FLAG;
	sp_seq_t seq = th->seq;
	/*
	 * RCV.WND (RFC 9293 3.10.7.4, RFC 5961 3.2): no more than the window field can carry, no
	 * less than the right edge already advertised (a shrunk buffer does not retract it).
	 */
	uint32_t wnd = sp_tcp_rcv_wnd_adv(c);
	uint32_t seglen = plen + (fin ? 1 : 0);
	bool ok;

	/* RFC 7323 5.3 PAWS: an older timestamp than TS.Recent is an old duplicate. */
	if ((c->flags & TF_TS) && th->opts.has_ts && !(th->flags & RTE_TCP_RST_FLAG) &&
		SEQ_LT(th->opts.ts_val, c->ts_recent) &&
		sp_tcp_ts_recent_valid(c->ctx, c->ts_recent_age)) {
		TCP_STAT(c, PAWSDrops);
		if (sp_tcp_oow_ack_limited(c->ctx, &c->last_oow_ack, th, plen)) {
			TCP_STAT(c, TCPAckSkippedPAWS);
			goto drop;
		}
		goto dropafterack;
	}
	/*
	 * Simultaneous open (RFC 9293 3.5 figure 8): the peer's SYN-ACK, its SYN again with the
	 * ACK of ours. The SYN lies before RCV.NXT and is trimmed as old; the ACK completes the
	 * handshake below (Linux's tcp_validate_incoming() lets it pass too). A challenge ACK
	 * instead left the connection in SYN-RECEIVED until our SYN-ACK was resent (1 s).
	 */
	if (c->state == SP_TCP_SYN_RECEIVED && !(c->flags & TF_PASSIVE) &&
		(th->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) ==
			(RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG) &&
		seq == c->irs && th->ack == c->snd_max) {
		th->flags &= ~RTE_TCP_SYN_FLAG;
		seq = ++th->seq;
	}
	/* RFC 5961 4.2: any other SYN in a synchronised state gets a challenge ACK. */
	if (th->flags & RTE_TCP_SYN_FLAG) {
		if (c->state == SP_TCP_SYN_RECEIVED && seq == c->irs &&
			!(th->flags & RTE_TCP_ACK_FLAG)) {
			/*
			 * Our SYN-ACK was lost: the peer retransmitted its SYN. At most one SYN-ACK
			 * per tcp.invalid_ratelimit_ms answers it, as Linux's tcp_check_req(): a
			 * forger repeating the SYN got one SYN-ACK per SYN, a reflector. The
			 * retransmission timer still resends ours.
			 */
			if (sp_tcp_oow_ack_limited(c->ctx, &c->last_oow_ack, th, plen)) {
				TCP_STAT(c, TCPAckSkippedSynRecv);
				goto drop;
			}
			c->snd_nxt = c->iss;
			sp_tcp_send_syn(c);
			goto out;
		}
		/*
		 * RFC 9293 3.10.7.4 fourth: in SYN-RECEIVED from a passive OPEN, a SYN in the
		 * window returns the connection to LISTEN, silently (out of the window, the first
		 * step's ACK below).
		 */
		if (c->state == SP_TCP_SYN_RECEIVED && (c->flags & TF_PASSIVE) &&
			SEQ_GEQ(seq, c->rcv_nxt) && SEQ_LT(seq, c->rcv_nxt + wnd)) {
			sp_tcp_conn_done(c, 0);
			goto out;
		}
		TCP_STAT(c, TCPSYNChallenge);
		sp_tcp_challenge_ack(c);
		goto drop;
	}
	/* First: sequence number acceptable. */
	ok = sp_tcp_seq_acceptable(c->rcv_nxt, wnd, seq, seglen);
	if (!ok) {
		if (th->flags & RTE_TCP_RST_FLAG) {
			TCP_STAT(c, TCPRstIgnored);
			goto drop;
		}
		TCP_STAT(c, TCPOutOfWindow);
		if (sp_tcp_oow_ack_limited(c->ctx, &c->last_oow_ack, th, plen)) {
			TCP_STAT(c, TCPAckSkippedSeq);
			goto drop;
		}
		goto dropafterack;
	}
	/* Second: RST (RFC 5961 3.2: only the exact sequence resets; in window: challenge). */
	if (th->flags & RTE_TCP_RST_FLAG) {
		TCP_STAT(c, InRsts);
		if (seq != c->rcv_nxt) {
			sp_tcp_challenge_ack(c);
			goto drop;
		}
		switch (c->state) {
		case SP_TCP_SYN_RECEIVED:
			if (!(c->flags & TF_PASSIVE))
				TCP_STAT(c, AttemptFails);
			sp_tcp_conn_done(c, -ECONNREFUSED);
			break;
		case SP_TCP_ESTABLISHED:
		case SP_TCP_CLOSE_WAIT:
			TCP_STAT(c, EstabResets);
			/* fallthrough */
		case SP_TCP_FIN_WAIT_1:
		case SP_TCP_FIN_WAIT_2:
		case SP_TCP_CLOSING:
		case SP_TCP_LAST_ACK:
			sp_tcp_conn_done(c, -ECONNRESET);
			break;
		default: /* TIME-WAIT is a compact entry: sp_tcp_tw_input() */
			sp_tcp_conn_done(c, 0);
			break;
		}
		goto out;
	}
	/*
	 * The peer is heard (keepalive, RFC 1122 4.2.3.6; the tail loss probe's quiet time): only
	 * by a segment in the window. Any segment of the 4-tuple used to count, so a forger that
	 * knows the tuple kept a dead peer's connection open for good; Linux too counts only
	 * accepted segments (icsk_ack.lrcvtime, rcv_tstamp).
	 */
	c->last_rx = c->ctx->now;
	c->ka_probes = 0;
	/* Trim what lies before RCV.NXT (a retransmission) and beyond the window. */
	if (SEQ_LT(seq, c->rcv_nxt)) {
		uint32_t dup = c->rcv_nxt - seq;

		c->flags |= TF_ACKNOW;
		if (dup > plen) {
			fin = false; /* the FIN was already received */
			dup = plen;
		}
		if (dup == plen) {
			plen = 0;
		} else {
			m = sp_tcp_mbuf_trim_head(m, dup);
			plen -= dup;
		}
		seq = c->rcv_nxt;
	}
	if (plen > 0 && SEQ_GT(seq + plen, c->rcv_nxt + wnd)) {
		uint32_t keep = c->rcv_nxt + wnd - seq;

		c->flags |= TF_ACKNOW;
		fin = false;
		if (keep == 0)
			plen = 0;
		else
			sp_tcp_mbuf_trim_tail(m, keep);
		plen = keep;
	}
	/* Fifth: "if the ACK bit is off, drop the segment and return". */
	if (!(th->flags & RTE_TCP_ACK_FLAG)) {
		TCP_STAT(c, TCPNoAckDrops);
		goto drop;
	}
	/*
	 * RFC 7323 4.3: remember the timestamp of the segment that carries RCV.NXT; only from a
	 * segment whose ACK is acceptable (the checks below drop the others, RFC 5961 5.2), as
	 * Linux's tcp_ack(). Taken before those checks, a segment in the window with any ACK and
	 * a TSval far ahead set TS.Recent, and PAWS then dropped every segment of the real peer.
	 */
	if ((c->flags & TF_TS) && th->opts.has_ts && SEQ_LEQ(th->seq, c->last_ack_sent) &&
		ack_acceptable(c, th->ack)) {
		c->ts_recent = th->opts.ts_val;
		c->ts_recent_age = c->ctx->now;
	}
	if (c->state == SP_TCP_SYN_RECEIVED) {
		struct sp_listener *l = c->listener;

		if (!ack_acceptable(c, th->ack)) {
			TCP_STAT(c, TCPBadAckRst);
			goto dropwithreset;
		}
		c->snd_wnd = (uint32_t)th->win << c->snd_wscale;
		c->max_snd_wnd = c->snd_wnd;
		c->snd_wl1 = seq;
		c->snd_wl2 = th->ack;
		sp_timer_cancel(c->ctx, &c->rtx_timer);
		established(c);
		if (c->flags & TF_PASSIVE) {
			c->listener = NULL;
			if (l == NULL) {
				sp_tcp_send_rst(c);
				sp_tcp_conn_done(c, -ECONNABORTED);
				goto out;
			}
			c->cb = l->cb;
			c->arg = l->arg;
			c->flags |= TF_ACCEPTED;
			if (l->cb.accepted(c, l->arg) < 0) {
				/* The application refused it: reset, no closed() for it. */
				c->flags |= TF_REPORTED;
				sp_tcp_send_rst(c);
				sp_tcp_conn_done(c, -ECONNABORTED);
				goto out;
			}
		} else if (c->cb.connected != NULL) {
			c->cb.connected(c, c->arg);
		}
		if (c->freed)
			goto out;
		if (c->flags & TF_FIN_QUEUED)
			sp_tcp_set_state(c, SP_TCP_FIN_WAIT_1);
	}
	/* Counted there: TCPBadAck (with an ACK) or a challenge ACK. */
	if (!process_ack(c, th, plen))
		goto drop;
	switch (c->state) {
	case SP_TCP_FIN_WAIT_1:
		if (our_fin_acked(c)) {
			sp_tcp_set_state(c, SP_TCP_FIN_WAIT_2);
			/* A closed application waits for no FIN forever (FIN-WAIT-2 timeout). */
			if (c->flags & TF_APP_CLOSED)
				sp_tcp_timewait_arm(c);
		}
		break;
	case SP_TCP_CLOSING:
		if (our_fin_acked(c)) {
			sp_tcp_set_state(c, SP_TCP_TIME_WAIT);
			sp_tcp_conn_report(c, 0);
			/* Only a compact entry stays in TIME-WAIT (tcp_timewait.c). */
			if (!c->freed)
				sp_tcp_tw_enter(c);
			goto out;
		}
		break;
	case SP_TCP_LAST_ACK:
		if (our_fin_acked(c)) {
			sp_tcp_conn_done(c, 0);
			goto out;
		}
		break;
	default:
		break;
	}
	/* Seventh: segment text, in ESTABLISHED, FIN-WAIT-1 and FIN-WAIT-2 only. */
	if ((c->flags & TF_OOO_FIN) && SEQ_GT(c->rcv_nxt, c->ooo_fin))
		c->flags &= ~TF_OOO_FIN; /* data went past it: the peer took it back */
	if ((c->flags & TF_OOO_FIN) && plen > 0 && seq + plen == c->ooo_fin)
		fin = true; /* it reaches the FIN held out of order: ends with it */
	if (plen == 0 && fin && SEQ_GT(seq, c->rcv_nxt))
		ooo_fin_hold(c, seq);
	if (plen > 0) {
		/* Elsewhere the peer's FIN came already: "ignore the segment text". */
		if (c->state != SP_TCP_ESTABLISHED && c->state != SP_TCP_FIN_WAIT_1 &&
			c->state != SP_TCP_FIN_WAIT_2)
			goto out;
		if (c->flags & TF_APP_CLOSED) {
			/* RFC 9293 3.10.4 / RFC 1122 4.2.2.13: data nobody will read: reset. */
			sp_tcp_send_rst(c);
			sp_tcp_conn_done(c, -ECONNABORTED);
			goto out;
		}
		if (seq == c->rcv_nxt) {
			bool filled;

			/* The FIN ends the stream: queued data beyond it is dropped, not delivered. */
			if (fin && c->n_ooo > 0)
				sp_tcp_reass_after_fin(c);
			filled = c->n_ooo > 0;

			c->flags |= TF_OUT_HOLD;
			sp_tcp_reass_deliver(c, m, plen);
			m = NULL;
			sp_tcp_out_release(c);
			if (c->freed)
				goto out;
			rcvbuf_autotune(c);
			/*
			 * RFC 5681 4.2: ACK every second full segment, at once when filling a hole;
			 * nothing to do when a reply sent from recv() already carried the ACK.
			 */
			if (c->last_ack_sent != c->rcv_nxt) {
				/*
				 * A segment GRO or LRO merged from @p nsegs counts as that many: one
				 * ACK for it, at once when it holds two or more (tcp_gro.c).
				 */
				c->unacked_segs = (uint8_t)RTE_MIN(c->unacked_segs + nsegs, 255u);
				if (c->unacked_segs >= 2 || filled || c->n_ooo > 0)
					c->flags |= TF_ACKNOW;
				else
					sp_tcp_delack_arm(c);
			}
		} else {
			sp_tcp_reass_insert(c, m, seq, plen, fin);
			m = NULL;
			fin = false;
			/* Out of order: a duplicate ACK at once, with SACK blocks (RFC 5681 4.2). */
			c->flags |= TF_ACKNOW;
		}
	}
	/* Eighth: FIN, when it is the next thing in sequence. */
	if (fin && c->rcv_nxt == seq + plen && !(c->flags & TF_PEER_FIN))
		sp_tcp_fin_arrived(c);
out:
	/* What the steps did not consume (text ignored or trimmed away) is freed here. */
	rte_pktmbuf_free(m);
	if (!c->freed) {
		sp_tcp_output(c);
		if (!c->freed && (c->flags & (TF_NOTIFY_WR))) {
			c->flags &= ~(TF_NOTIFY_WR);
			if ((c->flags & TF_WANT_WRITABLE) && c->sb_len < c->sndbuf) {
				c->flags &= ~TF_WANT_WRITABLE;
				if (c->cb.writable != NULL)
					c->cb.writable(c, c->arg);
			}
		}
	}
	return;

	/*
	 * The segment is dropped (each way here counted first); the connection still runs its
	 * output at out: an ACK an earlier step asked for, or one of these, goes now.
	 */
dropwithreset:
	sp_tcp_reply_rst(c->ctx, c->port, ip, th, seglen);
	goto drop;
dropafterack:
	c->flags |= TF_ACKNOW;
drop:
	rte_pktmbuf_free(m);
	m = NULL;
	goto out;
}

/* ---- LISTEN (RFC 9293 3.10.7.2) ---- */

static void
send_cookie_synack(struct sp_ctx *ctx, const struct sp_listener *l, uint16_t port,
	const struct sp_ipv4 *ip, const struct sp_tcp_hdr *th)
{
	const struct sp_tcp_cfg *tc = &ctx->cfg->tcp;
	struct sp_tcp_cookie_opts co;
	struct sp_tcp_hdr h;
	uint32_t tsval = 0;

	memset(&co, 0, sizeof(co));
	co.mss = th->opts.has_mss ? th->opts.mss : SP_TCP_DEFAULT_MSS;
	co.ts = th->opts.has_ts && tc->timestamps;
	co.sack = th->opts.has_sack_perm && tc->sack;
	co.wscale_ok = th->opts.has_wscale && tc->wscale;
	co.wscale = th->opts.wscale;
	/* The cookie keeps at most 14 (RFC 7323 2.3), counted as for a connection. */
	if (co.wscale_ok && co.wscale > 14)
		SP_STAT(ctx, port, tcp_wscale_clamped);
	memset(&h, 0, sizeof(h));
	h.sport = th->dport;
	h.dport = th->sport;
	h.seq = sp_tcp_cookie_make(
		ctx->stack, ip->dst, th->dport, ip->src, th->sport, th->seq, &co, ctx->now, &tsval);
	h.ack = th->seq + 1;
	h.flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG;
	h.win = (uint16_t)RTE_MIN(sp_tcp_rcvbuf_initial(tc, l->rcvbuf), 65535u);
	h.opts.has_mss = true;
	h.opts.mss = sp_tcp_mss_ours(ctx, port, l->user_mss); /* as sp_tcp_conn_new() will */
	if (co.wscale_ok) {
		h.opts.has_wscale = true;
		h.opts.wscale = sp_tcp_rcv_wscale(tc, l->rcvbuf); /* as sp_tcp_conn_new() will */
	}
	h.opts.has_sack_perm = co.sack;
	if (co.ts) {
		h.opts.has_ts = true;
		h.opts.ts_val = tsval;
		h.opts.ts_ecr = th->opts.ts_val;
	}
	SP_STAT(ctx, port, SyncookiesSent);
	sp_tcp_xmit(ctx, ip->dst, ip->src, &h, NULL, port, &l->iptx);
}

/*
 * Passive OPEN (RFC 9293 3.10.7.2 third step): a connection of listener @p l in SYN-RECEIVED
 * for the peer's ISN @p irs and SYN options @p o, with our ISN @p iss. Sequence variables that
 * differ between a SYN and a cookie's ACK are the caller's. @return NULL when the table is full
 * (counted).
 */
static struct sp_conn *
passive_open(struct sp_ctx *ctx, struct sp_listener *l, uint16_t port, const struct sp_tcp_key *k,
	sp_seq_t irs, sp_seq_t iss, const struct sp_tcp_opts *o)
{
	struct sp_conn *c = sp_tcp_conn_new(ctx, k, port, l->rcvbuf, l->user_mss);

	if (c == NULL) {
		SP_STAT(ctx, port, ListenDrops);
		return NULL;
	}
	c->listener = l;
	c->flags |= TF_PASSIVE;
	c->iptx = l->iptx;
	if (l->nodelay)
		c->flags |= TF_NODELAY;
	if (l->cc != NULL)
		c->cc_ops = l->cc;
	c->irs = irs;
	c->rcv_nxt = irs + 1;
	sp_tcp_conn_options(c, o);
	c->iss = iss;
	c->snd_una = iss;
	c->snd_max = iss;
	c->sb_seq = iss + 1;
	/* Counts the connection in the listener's backlog (n_syn_recv). */
	sp_tcp_set_state(c, SP_TCP_SYN_RECEIVED);
	SP_STAT(ctx, port, PassiveOpens);
	return c;
}

/* The ACK of a cookie SYN-ACK: rebuild the connection from the cookie (RFC 4987 3.6). */
static void
cookie_ack(struct sp_ctx *ctx, struct sp_listener *l, uint16_t port, struct rte_mbuf *m,
	const struct sp_ipv4 *ip, struct sp_tcp_hdr *th, uint32_t plen)
{
	struct sp_tcp_cookie_opts co;
	struct sp_tcp_key k = {ip->dst, ip->src, th->dport, th->sport};
	struct sp_tcp_opts o;
	struct sp_conn *c;

	if (sp_tcp_cookie_check(ctx->stack, ip->dst, th->dport, ip->src, th->sport, th->seq - 1,
		    th->ack - 1, th->opts.has_ts, th->opts.ts_ecr, ctx->now, &co) < 0) {
		SP_STAT(ctx, port, SyncookiesFailed);
		goto dropwithreset;
	}
	SP_STAT(ctx, port, SyncookiesRecv);
	/* The SYN's options, as far as the cookie kept them. */
	memset(&o, 0, sizeof(o));
	o.has_mss = true;
	o.mss = co.mss;
	o.has_wscale = co.wscale_ok;
	o.wscale = co.wscale;
	o.has_sack_perm = co.sack;
	o.has_ts = co.ts && th->opts.has_ts;
	o.ts_val = th->opts.ts_val;
	c = passive_open(ctx, l, port, &k, th->seq - 1, th->ack - 1, &o);
	if (c == NULL)
		goto drop;
	c->flags |= TF_COOKIE;
	/* Our SYN-ACK was sent and is acknowledged by this very segment. */
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->last_ack_sent = c->rcv_nxt;
	c->busy++;
	sync_input(c, m, ip, th, plen, 1);
	c->busy--;
	sp_tcp_conn_put(c);
	return;

dropwithreset:
	sp_tcp_reply_rst(ctx, port, ip, th, plen);
drop:
	rte_pktmbuf_free(m);
}

/* @p min_iss: the ISS a SYN that ended a TIME-WAIT entry must use (sp_tcp_tw_input()), or NULL. */
static void
listen_input(struct sp_ctx *ctx, struct sp_listener *l, uint16_t port, struct rte_mbuf *m,
	const struct sp_ipv4 *ip, struct sp_tcp_hdr *th, uint32_t plen, const sp_seq_t *min_iss)
{
	const struct sp_tcp_cfg *tc = &ctx->cfg->tcp;
	struct sp_tcp_key k = {ip->dst, ip->src, th->dport, th->sport};
	struct sp_conn *c;

	/* First: a RST is ignored. */
	if (th->flags & RTE_TCP_RST_FLAG) {
		SP_STAT(ctx, port, TCPListenRstDrops);
		goto drop;
	}
	/*
	 * Second: an ACK here is bad, unless it completes a SYN cookie. Only a listener that sent
	 * cookies within their validity looks for one (Linux's tcp_synq_no_recent_overflow()):
	 * otherwise an attacker could open connections by guessing cookies at any time, with no
	 * SYN and no full queue.
	 */
	if (th->flags & RTE_TCP_ACK_FLAG) {
		if (tc->syncookies && !(th->flags & RTE_TCP_SYN_FLAG) && l->cookie_sent &&
			ctx->now - l->cookie_tsc <= (uint64_t)SP_TCP_COOKIE_COUNTERS *
							    SP_TCP_COOKIE_PERIOD_S * ctx->hz) {
			cookie_ack(ctx, l, port, m, ip, th, plen);
			return;
		}
		SP_STAT(ctx, port, TCPBadAckRst);
		goto dropwithreset;
	}
	/* Third: SYN ("any other control or text-bearing segment ... drop it and return"). */
	if (!(th->flags & RTE_TCP_SYN_FLAG)) {
		SP_STAT(ctx, port, TCPListenNoSynDrops);
		goto drop;
	}
	/*
	 * SYN+FIN: no client opens with it, scanners and filter evasion do (a stateless filter that
	 * passes "not a plain SYN"). RFC 9293 would process the FIN after the handshake; as Linux
	 * (tcp_rcv_state_process()), the segment is dropped and counted instead.
	 */
	if (th->flags & RTE_TCP_FIN_FLAG) {
		SP_STAT(ctx, port, TCPSynFinDrops);
		goto drop;
	}
	if (l->n_syn_recv >= l->backlog) {
		if (!tc->syncookies) {
			SP_STAT(ctx, port, ListenDrops);
			goto drop;
		}
		l->cookie_sent = true;
		l->cookie_tsc = ctx->now;
		send_cookie_synack(ctx, l, port, ip, th);
		goto out;
	}
	c = passive_open(ctx, l, port, &k, th->seq,
		min_iss != NULL ? *min_iss
				: sp_tcp_isn(ctx->stack, k.lip, k.lport, k.rip, k.rport, ctx->now),
		&th->opts);
	if (c == NULL)
		goto drop;
	c->snd_wnd = th->win;
	c->max_snd_wnd = th->win;
	c->snd_wl1 = th->seq;
	sp_tcp_send_syn(c);
out:
	/* Data on the SYN is not queued: the peer sends it again after the handshake. */
	rte_pktmbuf_free(m);
	return;

dropwithreset:
	sp_tcp_reply_rst(ctx, port, ip, th, plen);
drop:
	rte_pktmbuf_free(m);
}

void
sp_tcp_input(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip)
{
	/* Several workers: a segment of another lcore's connection goes to that lcore. */
	if (sp_tcp_steer(ctx, port, m, ip))
		return;
	sp_tcp_input_here(ctx, port, m, ip);
}

void
sp_tcp_conn_input(struct sp_conn *c, struct rte_mbuf *m, const struct sp_ipv4 *ip,
	struct sp_tcp_hdr *th, uint32_t plen, uint32_t nsegs)
{
	struct sp_ctx *ctx = c->ctx;
	uint32_t seglen = plen + ((th->flags & RTE_TCP_SYN_FLAG) ? 1 : 0) +
			  ((th->flags & RTE_TCP_FIN_FLAG) ? 1 : 0);

	c->busy++;
	if (c->state == SP_TCP_SYN_SENT) {
		synsent_input(c, ip, th, seglen);
		if (!c->freed && c->state != SP_TCP_SYN_SENT && c->state != SP_TCP_SYN_RECEIVED &&
			(plen > 0 || (th->flags & RTE_TCP_FIN_FLAG))) {
			/*
			 * RFC 9293 3.10.7.3: text or FIN on the SYN-ACK: processing goes on at the
			 * sixth step with the rest of the segment, after the SYN.
			 */
			th->flags &= ~RTE_TCP_SYN_FLAG;
			th->seq += 1;
			sync_input(c, m, ip, th, plen, nsegs);
		} else {
			rte_pktmbuf_free(m);
		}
	} else {
		sync_input(c, m, ip, th, plen, nsegs);
	}
	if (!c->freed && ctx->cfg->tcp.keepalive_idle_ms > 0 && !c->misc_timer.armed)
		sp_tcp_keepalive_arm(c);
	c->busy--;
	sp_tcp_conn_put(c);
}

void
sp_tcp_input_here(struct sp_ctx *ctx, uint16_t port, struct rte_mbuf *m, const struct sp_ipv4 *ip)
{
	struct sp_tcp_hdr th;
	struct sp_tcp_key k;
	struct sp_listener *l;
	struct sp_conn *c;
	uint32_t plen, seglen, nsegs = 1;
	sp_seq_t tw_iss = 0;
	bool tw_reused = false;
	const uint8_t *opts;
	uint64_t ck;
	int r;

	SP_STAT(ctx, port, InSegs);
	r = sp_tcp_parse(rte_pktmbuf_mtod(m, void *), m->data_len, &th);
	if (r == SP_WIRE_BAD_OPTS)
		goto drop_opts;
	if (r < 0 || th.doff > m->pkt_len)
		goto drop_err;
	/* Checksum: trust the PMD's verdict, else verify in software over the chain. */
	ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (ck == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		goto drop_cksum;
	if (ck != RTE_MBUF_F_RX_L4_CKSUM_GOOD && sp_tcp_cksum(m, ip->src, ip->dst) != 0)
		goto drop_cksum;
	plen = m->pkt_len - th.doff;
	seglen = plen + ((th.flags & RTE_TCP_SYN_FLAG) ? 1 : 0) +
		 ((th.flags & RTE_TCP_FIN_FLAG) ? 1 : 0);
	opts = rte_pktmbuf_mtod_offset(m, const uint8_t *, sizeof(struct rte_tcp_hdr));
	rte_pktmbuf_adj(m, th.doff);
	k.lip = ip->dst;
	k.rip = ip->src;
	k.lport = th.dport;
	k.rport = th.sport;
	c = sp_tcp_conn_lookup(ctx, &k);
	if (c != NULL && !(m->ol_flags & RTE_MBUF_F_RX_LRO) && ctx->stack->ports[port].sw_gro) {
		bool held;

		/* What GRO held of c goes first and may end it: then this one finds no c. */
		c->busy++;
		held = sp_tcp_gro_hold(c, m, ip, &th, opts, plen);
		c->busy--;
		if (held)
			return; /* sp_tcp_gro_flush() hands it to sp_tcp_conn_input() */
		if (c->freed) {
			sp_tcp_conn_put(c);
			c = sp_tcp_conn_lookup(ctx, &k);
		}
	}
	/* TIME-WAIT (tcp_timewait.c); a SYN that may reuse it ends the entry and goes on. */
	if (c == NULL && sp_tcp_tw_input(ctx, &k, &th, plen, &tw_reused, &tw_iss)) {
		rte_pktmbuf_free(m);
		return;
	}
	if (c != NULL) {
		/* The PMD's LRO: tso_segsz is the size of the segments it merged. */
		if ((m->ol_flags & RTE_MBUF_F_RX_LRO) && m->tso_segsz > 0 && plen > m->tso_segsz) {
			nsegs = (plen + m->tso_segsz - 1) / m->tso_segsz;
			SP_STAT_ADD(ctx, port, tcp_lro_segs, nsegs);
		}
		sp_tcp_conn_input(c, m, ip, &th, plen, nsegs);
		return;
	}
	l = sp_tcp_listener_find(ctx, k.lip, k.lport);
	if (l != NULL) {
		listen_input(ctx, l, port, m, ip, &th, plen, tw_reused ? &tw_iss : NULL);
		return;
	}
	/* CLOSED (RFC 9293 3.10.7.1): answer with RST unless it is one. */
	SP_STAT(ctx, port, TCPNoListener);
	sp_tcp_reply_rst(ctx, port, ip, &th, seglen);
	rte_pktmbuf_free(m);
	return;

drop_opts:
	SP_STAT(ctx, port, TCPBadOptions);
drop_err:
	SP_STAT(ctx, port, InErrs);
	rte_pktmbuf_free(m);
	return;
drop_cksum:
	SP_STAT(ctx, port, InCsumErrors);
	SP_STAT(ctx, port, InErrs);
	rte_pktmbuf_free(m);
}

/* The errno of an ICMP error about a connection attempt (Linux's icmp_err_convert). */
static int
icmp_errno(uint8_t type, uint8_t code)
{
	if (type == SP_ICMP_PARAM_PROBLEM)
		return EPROTO;
	if (type != SP_ICMP_DEST_UNREACH)
		return EHOSTUNREACH; /* time exceeded */
	switch (code) {
	case SP_ICMP_UNREACH_NET:
	case 6:	 /* destination network unknown */
	case 9:	 /* network administratively prohibited */
	case 11: /* network unreachable for TOS */
		return ENETUNREACH;
	case SP_ICMP_UNREACH_PROTOCOL:
		return ENOPROTOOPT;
	case SP_ICMP_UNREACH_PORT:
		return ECONNREFUSED;
	case 5: /* source route failed */
		return EOPNOTSUPP;
	case 7: /* destination host unknown */
		return EHOSTDOWN;
	case 8: /* source host isolated */
		return ENONET;
	default: /* host unreachable, prohibited, for TOS, filtered, precedence */
		return EHOSTUNREACH;
	}
}

/*
 * An ICMP error about our SYN or SYN-ACK (the quote's sequence number is the ISS, checked by the
 * caller). An active open ends with the error's errno: RFC 5461 4.1 recommends aborting on soft
 * errors too while connecting, which Linux and the BSDs do (a host unreachable answer is not
 * going to change within syn_retries). A passive half-open connection the application has not
 * seen is dropped without a RST for the errors Linux drops it for (network or host unreachable,
 * time exceeded, parameter problem; tcp_req_err(), counted in ListenDrops); others about a
 * SYN-ACK (port or protocol unreachable: the peer host answered) are ignored and its
 * retransmission decides. Fragmentation needed was dealt with before (ignored here).
 */
static void
icmp_handshake_error(struct sp_conn *c, uint8_t type, uint8_t code)
{
	if (type == SP_ICMP_DEST_UNREACH && code == SP_ICMP_UNREACH_NEEDFRAG)
		return;
	if (c->flags & TF_PASSIVE) {
		if (type == SP_ICMP_DEST_UNREACH && code != SP_ICMP_UNREACH_NET &&
			code != SP_ICMP_UNREACH_HOST)
			return;
		TCP_STAT(c, ListenDrops); /* as tcp_req_err() counts it */
	} else {
		TCP_STAT(c, AttemptFails);
	}
	sp_tcp_conn_done(c, -icmp_errno(type, code));
}

/*
 * RFC 1191 7: the MTU to assume from an old router's fragmentation needed (next-hop MTU 0, RFC
 * 792's unused field), the largest plateau below the quoted datagram's total length @p len; 0
 * when none is (a datagram of 68 bytes or less).
 */
static uint32_t
pmtu_plateau(uint32_t len)
{
	static const uint16_t plateau[] = {
		32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
	unsigned i;

	for (i = 0; i < RTE_DIM(plateau); i++)
		if (plateau[i] < len)
			return plateau[i];
	return 0;
}

/* ICMP errors (RFC 5927, RFC 1122 4.2.3.9): only about a segment of ours still in flight. */
void
sp_tcp_icmp_error(struct sp_ctx *ctx, uint8_t type, uint8_t code, uint32_t rest, const void *quoted,
	size_t len)
{
	struct sp_tcp_hdr th;
	struct sp_ipv4 ip;
	struct sp_tcp_key k;
	struct sp_conn *c;
	sp_seq_t seq;

	/* The quote holds at least the first 8 bytes of our segment (RFC 792). */
	if (sp_ipv4_parse_ext(quoted, len, 0xffff, &ip) < 0 || ip.proto != IPPROTO_TCP ||
		sp_tcp_parse_head((const uint8_t *)quoted + ip.ihl, len - ip.ihl, &th) !=
			SP_WIRE_OK)
		return;
	k.lip = ip.src;
	k.rip = ip.dst;
	k.lport = th.sport;
	k.rport = th.dport;
	seq = th.seq;
	c = sp_tcp_conn_lookup(ctx, &k);
	if (c == NULL)
		return;
	/*
	 * RFC 5927 4.1: the quoted sequence number must be one we sent and is not yet
	 * acknowledged (SND.UNA <= SEG.SEQ < SND.MAX), else the error is a blind forgery or stale:
	 * ignored, and counted as Linux's OutOfWindowIcmps (hard errors and RFC 1191 alike).
	 */
	if (SEQ_LT(seq, c->snd_una) || SEQ_GEQ(seq, c->snd_max)) {
		TCP_STAT(c, OutOfWindowIcmps);
		return;
	}
	if (c->state == SP_TCP_SYN_SENT || c->state == SP_TCP_SYN_RECEIVED) {
		icmp_handshake_error(c, type, code);
		return;
	}
	/*
	 * RFC 1122 4.2.3.9 / RFC 5927 4.2: time exceeded and parameter problem are soft errors
	 * (nothing to do without a place to report them); unreachable below.
	 */
	if (type != SP_ICMP_DEST_UNREACH)
		return;
	if (code == SP_ICMP_UNREACH_NEEDFRAG) {
		/*
		 * Fragmentation needed (RFC 1191): lower the MSS and resend from SND.UNA. An MTU
		 * below tcp.min_pmtu counts as tcp.min_pmtu (Linux's route.min_pmtu; RFC 5927 8
		 * names the attack): a forged or hostile error cannot cut the connection into slivers,
		 * and the MSS never goes below tcp.min_snd_mss, as for the peer's MSS option.
		 */
		const struct sp_tcp_cfg *tc = &ctx->cfg->tcp;
		uint32_t mtu = rest & 0xffff, opt = (c->flags & TF_TS) ? 12u : 0u, mss;

		/*
		 * RFC 1191 5: a host must deal with an old router's error, whose next-hop MTU is 0:
		 * the next plateau below the quoted datagram (7). Ignored before, so a path through
		 * such a router lost every full-sized segment until the connection timed out
		 * (Linux takes 0 as its route.min_pmtu).
		 */
		if (mtu == 0)
			mtu = pmtu_plateau(ip.total_len);
		if (mtu < 68) /* RFC 1191 3: no MTU is smaller */
			return;
		/*
		 * About a handshake segment (at most 74 bytes, below any MTU taken here): forged, and
		 * nothing to resend. It used to move SND.NXT back to the ISS in SYN-SENT, and after
		 * the SYN-ACK (SND.UNA = ISS + 1) the connection could never send.
		 */
		if (c->state == SP_TCP_SYN_SENT || c->state == SP_TCP_SYN_RECEIVED)
			return;
		if (mtu < tc->min_pmtu) {
			TCP_STAT(c, icmp_pmtu_clamped);
			mtu = tc->min_pmtu;
		}
		mss = RTE_MAX(mtu - 40u - opt, tc->min_snd_mss);
		if (mss < c->mss) {
			c->mss = (uint16_t)mss;
			c->snd_nxt = c->snd_una;
			sp_tcp_output(c);
		}
		return;
	}
	/*
	 * In a synchronised state every unreachable is treated as soft (RFC 5927 4.2, as Linux
	 * and the BSDs): the connection is not aborted, its retransmissions decide.
	 */
}

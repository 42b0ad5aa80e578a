/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP timers on the lcore's wheel (sp_timer.h), all time from ctx->now: retransmission and
 * persist (RFC 6298, RFC 9293 3.8.6.1), delayed ACK (RFC 1122 4.2.3.2), TIME-WAIT (2*MSL) and
 * keepalive (RFC 1122 4.2.3.6).
 */
#include <errno.h>

#include <rte_tcp.h>

#include "tcp.h"

static uint64_t
ms(const struct sp_conn *c, uint64_t v)
{
	return sp_ms_to_tsc(c->ctx, v);
}

/*
 * Lazy timers. An rr or HTTP connection arms its retransmission timer with every response and
 * the next request's ACK stops it; the client arms the delayed ACK with every response and its
 * next request carries the ACK. Taking the timer out of the wheel and putting it back each time
 * cost about 150 instructions a request (a quarter of it the wheel's slot division). So the
 * deadline lives in the connection (rtx_due, delack_due; 0: nothing due): stopping clears it,
 * and arming leaves a timer still in the wheel that fires no later than the new deadline would.
 * When a timer fires, nothing due means it was stopped (it does nothing), a deadline still
 * ahead means it was left early (it goes on to the deadline), and the rest runs as it did. A
 * timer is armed in the sense of RFC 6298 when it is in the wheel and has a deadline.
 */
static bool
rtx_armed(const struct sp_conn *c)
{
	return c->rtx_timer.armed && c->rtx_due != 0;
}

/* The retransmission timer (RTO, probe or persist) due at TSC @p at. */
static void
rtx_set(struct sp_conn *c, uint64_t at)
{
	c->rtx_due = at;
	if (!sp_timer_due_by(c->ctx, &c->rtx_timer, at))
		sp_timer_arm(c->ctx, &c->rtx_timer, at);
}

/* A timer that fired: false when nothing is due now (stopped, or left early and moved on). */
static bool
lazy_fired(struct sp_ctx *ctx, struct sp_timer *t, uint64_t *due)
{
	if (*due == 0)
		return false;
	if (*due > ctx->now) {
		sp_timer_arm(ctx, t, *due);
		return false;
	}
	*due = 0;
	return true;
}

/* RFC 6298 2.2/2.3: SRTT, RTTVAR, RTO = SRTT + max(G, 4*RTTVAR), clamped to [min, max]. */
void
sp_tcp_rtt_sample(struct sp_conn *c, uint32_t rtt_us)
{
	const struct sp_tcp_cfg *tc = &c->ctx->cfg->tcp;
	uint64_t rto;

	if (rtt_us == 0)
		rtt_us = 1;
	if (c->srtt_us == 0) {
		c->srtt_us = rtt_us;
		c->rttvar_us = rtt_us / 2;
	} else {
		uint32_t d = c->srtt_us > rtt_us ? c->srtt_us - rtt_us : rtt_us - c->srtt_us;

		c->rttvar_us = (3 * c->rttvar_us + d) / 4;
		c->srtt_us = (7 * c->srtt_us + rtt_us) / 8;
	}
	rto = (c->srtt_us + RTE_MAX(1000u, 4 * c->rttvar_us) + 999) / 1000;
	c->rto_ms =
		(uint32_t)RTE_MIN(RTE_MAX(rto, (uint64_t)tc->rto_min_ms), (uint64_t)tc->rto_max_ms);
}

/*
 * RFC 8985 7.2: a tail loss probe is due when data is in flight, nothing is being repaired
 * (no probe outstanding, no go-back-N after a timeout), SACK is on so that the probe's ACK can
 * reveal losses, and there is an RTT sample. In SACK recovery the same timer watches for a
 * silent peer (recovery_probe()).
 * PTO = 2 SRTT, plus the peer's worst-case delayed ACK when one segment is in flight (it alone
 * may wait for the delayed-ACK timer) or a 2 ms allowance otherwise; capped at the RTO (the
 * probe then goes when the RTO would have, and the RTO is armed behind it).
 */
static uint32_t
pto_us(const struct sp_conn *c, sp_seq_t snd_nxt)
{
	uint32_t flight = c->snd_max - c->snd_una, rto_us = c->rto_ms * 1000u;
	uint64_t pto;

	if (!c->ctx->cfg->tcp.tlp || !(c->flags & TF_SACK) || (c->flags & TF_TLP_OUT) ||
		c->srtt_us == 0 || c->sb_len == 0 || flight == 0 || snd_nxt != c->snd_max ||
		c->snd_wnd == 0 || c->retries != 0)
		return 0;
	switch (c->state) {
	case SP_TCP_ESTABLISHED:
	case SP_TCP_CLOSE_WAIT:
		break;
	default:
		return 0;
	}
	pto = 2ull * c->srtt_us + (flight <= c->mss ? 200000u : 2000u);
	return (uint32_t)RTE_MIN(pto, (uint64_t)rto_us);
}

/* The TSC at which a probe armed at TSC @p from with @p pto microseconds is due. */
static uint64_t
pto_due(const struct sp_conn *c, uint64_t from, uint32_t pto)
{
	return from + (uint64_t)pto * c->ctx->hz / 1000000;
}

void
sp_tcp_rtx_arm_sent(struct sp_conn *c, sp_seq_t snd_nxt)
{
	uint32_t pto;

	if (rtx_armed(c))
		return;
	pto = pto_us(c, snd_nxt);
	c->flags &= ~TF_PTO_LONG;
	if (pto != 0) {
		c->flags |= TF_PTO;
		if (c->snd_max - c->snd_una <= c->mss)
			c->flags |= TF_PTO_LONG;
		rtx_set(c, pto_due(c, c->ctx->now, pto));
	} else {
		c->flags &= ~TF_PTO;
		rtx_set(c, c->ctx->now + ms(c, c->rto_ms));
	}
}

void
sp_tcp_rtx_arm(struct sp_conn *c)
{
	sp_tcp_rtx_arm_sent(c, c->snd_nxt);
}

/*
 * RFC 8985 7.2: new data went, so the probe is due one PTO after it, not after what went
 * before: an ACK that left one segment in flight armed the timer for that segment (PTO plus
 * the peer's delayed ACK, i.e. the RTO: TF_PTO_LONG), and a flight sent on top of it and lost
 * whole would otherwise wait for that. A timer due sooner stays. The caller calls it only with
 * TF_PTO_LONG, the one case where the armed timer can be late (an RTO armed instead of a probe
 * is re-armed by the ACK that ends what kept the probe off).
 */
void
sp_tcp_pto_rearm(struct sp_conn *c)
{
	uint32_t pto = pto_us(c, c->snd_nxt);
	uint64_t at;

	if (pto == 0) {
		sp_tcp_rtx_arm(c);
		return;
	}
	at = pto_due(c, c->ctx->now, pto);
	if (rtx_armed(c) && c->rtx_due <= at)
		return; /* due sooner already */
	c->flags = (c->flags | TF_PTO) & ~TF_PTO_LONG;
	rtx_set(c, at);
}

/*
 * RFC 8985 7.3: the probe. New data if the windows allow one segment of it (never in recovery,
 * @p in_recovery), else the last segment again, so that its ACK (with SACK) tells what of the
 * tail is missing. The RTO is armed behind it.
 */
static void
tlp_send(struct sp_conn *c, bool in_recovery)
{
	sp_seq_t end = c->sb_seq + c->sb_len;
	uint32_t avail = SEQ_LT(c->snd_nxt, end) ? end - c->snd_nxt : 0;
	uint32_t inflight = c->snd_nxt - c->snd_una;
	uint32_t room = c->snd_wnd > inflight ? c->snd_wnd - inflight : 0;
	uint32_t len = in_recovery ? 0 : RTE_MIN(RTE_MIN(avail, room), (uint32_t)c->mss);

	TCP_STAT(c, TCPLossProbes);
	c->flags |= TF_TLP_OUT;
	c->flags &= ~(TF_TLP_REXMIT | TF_TLP_INREC);
	if (in_recovery) {
		TCP_STAT(c, tcp_recovery_probes);
		c->flags |= TF_TLP_INREC;
	}
	if (len > 0 && sp_tcp_send_segment(c, c->snd_nxt, len, 0) == 0) {
		c->snd_nxt += len;
	} else {
		sp_seq_t dend = SEQ_LT(c->snd_max, end) ? c->snd_max : end;
		sp_seq_t seq = dend - RTE_MIN(dend - c->snd_una, (uint32_t)c->mss);

		c->flags |= TF_TLP_REXMIT;
		if (SEQ_LT(seq, dend))
			sp_tcp_send_segment(c, seq, dend - seq, 0);
	}
	c->tlp_end = c->snd_max;
	rtx_set(c, c->ctx->now + ms(c, c->rto_ms));
}

/*
 * SACK recovery with a silent peer. A Linux receiver holding out-of-order data compresses its
 * SACKs (tcp_comp_sack_nr), so the retransmission that fills the last hole, and whatever went
 * with it in one burst, is often acknowledged by a single cumulative ACK. When that one ACK is
 * lost nothing else will come: every segment is delivered, pipe still counts them, PRR sends
 * nothing, and the flow waits for the RTO, at least 200 ms. Under 5 % loss both ways that was
 * nine stalls in ten (a capture of a 5 MB download, docs/tcp.md "Probe in recovery").
 * RFC 8985 sends no probe in recovery (RACK's time-based detection keeps more in flight there);
 * spindle probes when the peer has sent nothing at all for a PTO: the last segment again, which
 * any receiver answers at once (a duplicate, RFC 9293 3.10.7.4; its D-SACK, RFC 2883), so the
 * lost ACK's information comes back within 2 SRTT + 2 ms. A peer that still talks keeps the
 * probe off (the timer moves to PTO after its last segment), up to an RTO after SND.UNA last
 * advanced: then the retransmission timeout runs as before. With no probe allowed (one is out)
 * the RTO is armed until then. @return false when the timeout is due now.
 */
static bool
recovery_probe(struct sp_conn *c)
{
	struct sp_ctx *ctx = c->ctx;
	uint32_t pto = pto_us(c, c->snd_nxt);
	uint64_t quiet = pto_due(c, c->last_rx, pto), rto_at = c->last_progress + ms(c, c->rto_ms);

	if (pto != 0 && ctx->now >= quiet) {
		tlp_send(c, true);
		return true;
	}
	if (ctx->now >= rto_at)
		return false;
	if (pto == 0) {
		sp_tcp_rtx_arm(c);
		return true;
	}
	c->flags |= TF_PTO;
	rtx_set(c, RTE_MIN(quiet, rto_at));
	return true;
}

void
sp_tcp_tlp_acked(struct sp_conn *c, bool dsack, uint64_t now_us)
{
	bool rexmit = (c->flags & TF_TLP_REXMIT) != 0;
	bool in_recovery = (c->flags & TF_TLP_INREC) != 0;

	c->flags &= ~(TF_TLP_OUT | TF_TLP_REXMIT | TF_TLP_INREC);
	/*
	 * RFC 8985 7.4: a retransmitted probe that the peer did not report as a duplicate
	 * (D-SACK, RFC 2883) repaired a loss: respond as to a loss repaired by fast recovery.
	 * A probe sent in recovery belongs to that recovery's one response.
	 */
	if (!rexmit || dsack || in_recovery || (c->flags & TF_RECOVERY) || c->cc.ops == NULL)
		return;
	TCP_STAT(c, TCPLossProbeRecovery);
	c->cc.ops->on_loss(&c->cc, c->snd_max - c->snd_una, now_us);
	c->cc.ops->on_recovery_exit(&c->cc, now_us);
}

void
sp_tcp_delack_arm(struct sp_conn *c)
{
	uint32_t d = RTE_MIN(c->ctx->cfg->tcp.delayed_ack_ms, 200u);

	if (c->delack_timer.armed && c->delack_due != 0)
		return;
	c->delack_due = c->ctx->now + ms(c, d);
	if (!sp_timer_due_by(c->ctx, &c->delack_timer, c->delack_due))
		sp_timer_arm(c->ctx, &c->delack_timer, c->delack_due);
}

void
sp_tcp_timewait_arm(struct sp_conn *c)
{
	sp_timer_cancel(c->ctx, &c->rtx_timer);
	sp_timer_cancel(c->ctx, &c->delack_timer);
	sp_timer_arm(c->ctx, &c->misc_timer, c->ctx->now + ms(c, c->ctx->cfg->tcp.time_wait_ms));
}

void
sp_tcp_keepalive_arm(struct sp_conn *c)
{
	const struct sp_tcp_cfg *tc = &c->ctx->cfg->tcp;

	if (tc->keepalive_idle_ms == 0 || c->state == SP_TCP_TIME_WAIT)
		return;
	sp_timer_arm(c->ctx, &c->misc_timer,
		c->ctx->now +
			ms(c, c->ka_probes == 0 ? tc->keepalive_idle_ms : tc->keepalive_intvl_ms));
}

/* Retransmission timeout (RFC 6298 5.4-5.7) or persist probe (RFC 9293 3.8.6.1). */
static void
rtx_fire(struct sp_ctx *ctx, struct sp_timer *t, void *arg)
{
	struct sp_conn *c = arg;
	const struct sp_tcp_cfg *tc = &ctx->cfg->tcp;
	uint32_t inflight = c->snd_max - c->snd_una;

	if (!lazy_fired(ctx, t, &c->rtx_due))
		return;
	c->busy++;
	if (c->state == SP_TCP_SYN_SENT || c->state == SP_TCP_SYN_RECEIVED) {
		if (++c->retries > tc->syn_retries) {
			if (c->state == SP_TCP_SYN_SENT)
				TCP_STAT(c, AttemptFails);
			TCP_STAT(c, TCPAbortOnTimeout);
			sp_tcp_conn_done(c, -ETIMEDOUT);
			goto out;
		}
		TCP_STAT(c, TCPTimeouts);
		TCP_STAT(c, RetransSegs);
		c->retransmits++;
		c->rto_ms = RTE_MIN(c->rto_ms * 2, tc->rto_max_ms);
		sp_tcp_send_syn(c);
		goto out;
	}
	if (c->flags & TF_PTO) {
		c->flags &= ~TF_PTO;
		if (!(c->flags & TF_RECOVERY)) {
			tlp_send(c, false);
			goto out;
		}
		if (recovery_probe(c))
			goto out;
		/* SND.UNA has not moved for an RTO: the timeout, now */
	}
	c->flags &= ~(TF_TLP_OUT | TF_TLP_REXMIT | TF_TLP_INREC);
	if (c->sb_len > 0 && c->snd_wnd == 0) {
		/*
		 * Persist (RFC 9293 3.8.6.1): the window is closed, so probe it with the first
		 * unacknowledged byte, backing off like the RTO. Zero-window ACKs reset the retry
		 * count (tcp_in.c), so only a silent peer is given up on.
		 */
		if (++c->retries > tc->max_retries) {
			TCP_STAT(c, TCPAbortOnTimeout);
			sp_tcp_send_rst(c);
			sp_tcp_conn_done(c, -ETIMEDOUT);
			goto out;
		}
		/*
		 * RFC 9293 3.8.6.1 keeps the connection while the peer answers the probes, for the
		 * application that waits to send. Once it has closed, nobody waits: a peer that
		 * keeps its window shut would hold the connection and its send buffer for good, as
		 * many as it opens. RFC 6429 lets a sender end such a persist; like Linux's
		 * tcp_orphan_retries, tcp.orphan_retries probes without progress (SND.UNA or
		 * RCV.NXT moving) end it with a RST (TCPAbortOnOrphanProbe).
		 */
		if (c->flags & TF_APP_CLOSED) {
			if (c->orphan_mark != c->last_progress) {
				c->orphan_mark = c->last_progress;
				c->orphan_probes = 0;
			}
			if (++c->orphan_probes > tc->orphan_retries) {
				TCP_STAT(c, TCPAbortOnOrphanProbe);
				sp_tcp_send_rst(c);
				sp_tcp_conn_done(c, -ETIMEDOUT);
				goto out;
			}
		}
		TCP_STAT(c, TCPWinProbe);
		c->rto_ms = RTE_MIN(c->rto_ms * 2, tc->rto_max_ms);
		c->snd_nxt = c->snd_una;
		sp_tcp_send_segment(c, c->snd_una, 1, 0);
		c->snd_nxt = c->snd_una + 1;
		sp_tcp_rtx_arm(c);
		goto out;
	}
	if (inflight == 0)
		goto out;
	if (++c->retries > tc->max_retries) {
		TCP_STAT(c, TCPAbortOnTimeout);
		sp_tcp_send_rst(c);
		sp_tcp_conn_done(c, -ETIMEDOUT);
		goto out;
	}
	TCP_STAT(c, TCPTimeouts);
	sp_tcp_reorder_timeout(c);
	sp_tcp_rto_undo_start(c, inflight);
	if (c->cc.ops != NULL)
		c->cc.ops->on_timeout(&c->cc, inflight, ctx->now * 1000000 / ctx->hz);
	c->flags &= ~TF_RECOVERY;
	sp_tcp_rxt_reset(c);
	c->dupacks = 0;
	/*
	 * RFC 6675 5.1: keep the scoreboard so go-back-N skips SACKed data; a second timeout
	 * without progress may mean the peer reneged (RFC 2018 8), so then forget it.
	 */
	if (c->retries > 1)
		c->n_sacked = 0;
	c->recover = c->snd_max;
	c->rto_ms = RTE_MIN(c->rto_ms * 2, tc->rto_max_ms); /* RFC 6298 5.5 back off */
	c->rtt_timing = false;				    /* Karn */
	/* Go back to the first unacknowledged byte (RFC 6298 5.4). */
	c->snd_nxt = c->snd_una;
	sp_tcp_output(c);
	if (!c->freed && c->snd_nxt == c->snd_una) {
		/* FIN alone in flight (or window closed): retransmit it explicitly. */
		sp_seq_t end = c->sb_seq + c->sb_len;

		if ((c->flags & TF_FIN_QUEUED) && c->snd_una == end) {
			sp_tcp_send_segment(c, end, 0, RTE_TCP_FIN_FLAG);
			c->snd_nxt = end + 1;
		}
	}
	sp_tcp_rtx_arm(c);
out:
	c->busy--;
	sp_tcp_conn_put(c);
}

static void
delack_fire(struct sp_ctx *ctx, struct sp_timer *t, void *arg)
{
	struct sp_conn *c = arg;

	if (!lazy_fired(ctx, t, &c->delack_due))
		return;
	TCP_STAT(c, TCPDelayedACKs);
	sp_tcp_send_ack(c);
}

static void
misc_fire(struct sp_ctx *ctx, struct sp_timer *t, void *arg)
{
	struct sp_conn *c = arg;
	const struct sp_tcp_cfg *tc = &ctx->cfg->tcp;
	sp_seq_t save;

	RTE_SET_USED(t);
	/*
	 * FIN-WAIT-2 after sp_tcp_close() (armed by sp_tcp_timewait_arm()): the peer never sent its
	 * FIN within tcp.time_wait_ms; nobody reads, so the connection ends (Linux's
	 * tcp_fin_timeout, without a RST). TIME-WAIT itself is a compact entry (tcp_timewait.c).
	 */
	if (c->state == SP_TCP_TIME_WAIT ||
		(c->state == SP_TCP_FIN_WAIT_2 && (c->flags & TF_APP_CLOSED))) {
		sp_tcp_conn_done(c, 0);
		return;
	}
	/* Keepalive: idle since last_rx? probe with SEG.SEQ = SND.NXT - 1 (RFC 1122 4.2.3.6). */
	if (tc->keepalive_idle_ms == 0)
		return;
	if (ctx->now - c->last_rx < ms(c, tc->keepalive_idle_ms) && c->ka_probes == 0) {
		sp_timer_arm(ctx, &c->misc_timer, c->last_rx + ms(c, tc->keepalive_idle_ms));
		return;
	}
	if (c->ka_probes >= tc->keepalive_probes) {
		c->busy++;
		TCP_STAT(c, TCPAbortOnTimeout);
		sp_tcp_send_rst(c);
		sp_tcp_conn_done(c, -ETIMEDOUT);
		c->busy--;
		sp_tcp_conn_put(c);
		return;
	}
	c->ka_probes++;
	TCP_STAT(c, TCPKeepAlive);
	save = c->snd_nxt;
	c->snd_nxt = c->snd_una - 1;
	sp_tcp_send_ack(c);
	c->snd_nxt = save;
	sp_tcp_keepalive_arm(c);
}

void
sp_tcp_timers_init(struct sp_conn *c)
{
	sp_timer_init(&c->rtx_timer, rtx_fire, c);
	sp_timer_init(&c->delack_timer, delack_fire, c);
	sp_timer_init(&c->misc_timer, misc_fire, c);
}

void
sp_tcp_timers_stop(struct sp_conn *c)
{
	sp_timer_cancel(c->ctx, &c->rtx_timer);
	sp_timer_cancel(c->ctx, &c->delack_timer);
	sp_timer_cancel(c->ctx, &c->misc_timer);
}

/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control: NewReno (RFC 5681, RFC 6582, RFC 3465 byte counting) and CUBIC
 * (RFC 9438). The TCP core detects losses and runs fast recovery (see tcp_cc.h for the split);
 * this file only does the window arithmetic. Everything is integer: CUBIC's cube and cube root
 * use 128-bit intermediates so that K and W_cubic(t) are exact to a microsecond / a byte.
 */
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#include "tcp_cc.h"

/* RFC 3465 2.2: limit L of appropriate byte counting in slow start, in segments. */
#define SP_CC_ABC_L 2

/* RFC 9438 4.6: beta_cubic = 0.7; 4.7: (1 + beta) / 2 = 0.85; 4.2: C = 0.4. */
#define CUBIC_BETA_NUM 7
#define CUBIC_BETA_DEN 10
#define CUBIC_FC_NUM   17
#define CUBIC_FC_DEN   20
/* RFC 9438 4.3: alpha_cubic = 3 * (1 - beta) / (1 + beta) = 0.9 / 1.7 = 9 / 17. */
#define CUBIC_ALPHA_NUM 9
#define CUBIC_ALPHA_DEN 17
/* |t - K| beyond this (about 71 minutes) is clamped: the window saturates long before. */
#define CUBIC_MAX_DT_US UINT32_MAX

typedef unsigned __int128 sp_u128;

uint32_t
sp_tcp_cc_iw(uint32_t mss)
{
	uint64_t lo = 2 * (uint64_t)mss, hi = 10 * (uint64_t)mss;
	uint64_t iw;

	/* RFC 6928 2: IW = min(10*MSS, max(2*MSS, 14600)). */
	iw = lo > 14600 ? lo : 14600;
	if (iw > hi)
		iw = hi;
	return iw > UINT32_MAX ? UINT32_MAX : (uint32_t)iw;
}

static uint32_t
sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static void
cc_init_common(struct sp_tcp_cc *cc, const struct sp_tcp_cc_ops *ops, uint32_t mss)
{
	memset(cc, 0, sizeof(*cc));
	cc->ops = ops;
	cc->mss = mss ? mss : 536;
	cc->cwnd = sp_tcp_cc_iw(cc->mss);
	/* RFC 5681 3.1: initial ssthresh arbitrarily high. */
	cc->ssthresh = UINT32_MAX;
}

/*
 * Whether the sender used its window (RFC 7661 / RFC 9438 4.2: no growth while application
 * limited). In slow start the window may double per RTT, so using more than half of it is
 * enough (as Linux does); in congestion avoidance less than one MSS may be left unused.
 */
static bool
cc_limited(const struct sp_tcp_cc *cc, uint32_t inflight)
{
	if (cc->cwnd < cc->ssthresh)
		return 2 * (uint64_t)inflight >= cc->cwnd;
	return (uint64_t)inflight + cc->mss > cc->cwnd;
}

/* RFC 5681 3.1 eq. 2 with RFC 3465 byte counting: cwnd += min(acked, L*SMSS), up to ssthresh. */
static void
cc_slow_start(struct sp_tcp_cc *cc, uint32_t acked)
{
	uint32_t lim = SP_CC_ABC_L * cc->mss;
	uint64_t cwnd = (uint64_t)cc->cwnd + (acked < lim ? acked : lim);

	cc->cwnd = sat32(cwnd < cc->ssthresh ? cwnd : cc->ssthresh);
}

/* flight/2 or flight*0.7, at least 2*SMSS (RFC 5681 eq. 4, RFC 9438 4.6). */
static uint32_t
cc_reduced(const struct sp_tcp_cc *cc, uint32_t inflight, uint32_t num, uint32_t den)
{
	uint64_t v = (uint64_t)inflight * num / den;

	return v > 2 * (uint64_t)cc->mss ? (uint32_t)v : sat32(2 * (uint64_t)cc->mss);
}

void
sp_tcp_cc_save(const struct sp_tcp_cc *cc, uint32_t flight, struct sp_tcp_cc_prior *prior)
{
	prior->cwnd = cc->cwnd;
	prior->ssthresh = cc->ssthresh > flight ? cc->ssthresh : flight;
	prior->w_max = cc->w_max;
	prior->w_last_max = cc->w_last_max;
	prior->cwnd_prior = cc->cwnd_prior;
}

void
sp_tcp_cc_undo(
	struct sp_tcp_cc *cc, const struct sp_tcp_cc_prior *prior, uint32_t flight, uint32_t acked)
{
	uint32_t iw = sp_tcp_cc_iw(cc->mss);
	uint64_t cwnd = (uint64_t)flight + (acked < iw ? acked : iw);

	/* RFC 4015 3.2 step (4): ssthresh <- pipe_prev, cwnd <- FlightSize + min(bytes_acked, IW). */
	if (prior->ssthresh > cc->ssthresh)
		cc->ssthresh = prior->ssthresh;
	if (cwnd > prior->cwnd)
		cwnd = prior->cwnd; /* never above the window before the response */
	if (cwnd > cc->cwnd)
		cc->cwnd = (uint32_t)cwnd;
	cc->w_max = prior->w_max;
	cc->w_last_max = prior->w_last_max;
	cc->cwnd_prior = prior->cwnd_prior;
	cc->epoch_start_us = 0;
	cc->bytes_acked = 0;
}

/* ---------------- NewReno ---------------- */

static void
newreno_init(struct sp_tcp_cc *cc, uint32_t mss, uint64_t now_us)
{
	cc_init_common(cc, &sp_tcp_cc_newreno, mss);
}

static void
newreno_on_ack(
	struct sp_tcp_cc *cc, uint32_t acked, uint32_t rtt_us, uint32_t inflight, uint64_t now_us)
{
	if (acked == 0)
		return;
	cc->in_rto = false;
	if (!cc_limited(cc, inflight))
		return;
	if (cc->cwnd < cc->ssthresh) {
		cc_slow_start(cc, acked);
		return;
	}
	/*
	 * RFC 5681 3.1 / RFC 3465 2.1: congestion avoidance by byte counting: one SMSS more once a
	 * whole cwnd worth of bytes has been acknowledged.
	 */
	cc->bytes_acked += acked;
	if (cc->bytes_acked >= cc->cwnd) {
		cc->bytes_acked -= cc->cwnd;
		cc->cwnd = sat32((uint64_t)cc->cwnd + cc->mss);
	}
}

static void
newreno_on_loss(struct sp_tcp_cc *cc, uint32_t inflight, uint64_t now_us)
{
	/* RFC 5681 3.2 steps 2-3 (RFC 6582 3.2 step 2): ssthresh = max(FlightSize/2, 2*SMSS),
	 * cwnd = ssthresh + 3*SMSS; the core inflates per further dupack. */
	cc->ssthresh = cc_reduced(cc, inflight, 1, 2);
	cc->cwnd = sat32((uint64_t)cc->ssthresh + 3 * (uint64_t)cc->mss);
	cc->bytes_acked = 0;
}

static void
cc_recovery_exit(struct sp_tcp_cc *cc, uint64_t now_us)
{
	/* RFC 6582 3.2 step 3 (full ACK): deflate the window to ssthresh. */
	cc->cwnd = cc->ssthresh;
	cc->bytes_acked = 0;
}

static void
newreno_on_timeout(struct sp_tcp_cc *cc, uint32_t inflight, uint64_t now_us)
{
	/*
	 * RFC 5681 3.1: ssthresh per eq. 4 on the first timeout; "if the retransmitted segment is
	 * lost again, ssthresh is held constant". cwnd = loss window = 1 SMSS.
	 */
	if (!cc->in_rto)
		cc->ssthresh = cc_reduced(cc, inflight, 1, 2);
	cc->in_rto = true;
	cc->cwnd = cc->mss;
	cc->bytes_acked = 0;
}

static void
newreno_on_idle(struct sp_tcp_cc *cc, uint64_t now_us)
{
	/* RFC 5681 4.1: restart window RW = min(IW, cwnd); ssthresh kept. */
	uint32_t rw = sp_tcp_cc_iw(cc->mss);

	if (cc->cwnd > rw)
		cc->cwnd = rw;
	cc->bytes_acked = 0;
}

const struct sp_tcp_cc_ops sp_tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.on_loss = newreno_on_loss,
	.on_recovery_exit = cc_recovery_exit,
	.on_timeout = newreno_on_timeout,
	.on_idle = newreno_on_idle,
};

/* ---------------- CUBIC ---------------- */

/* Largest y with y^3 <= x (bit by bit; y < 2^43 for any 128-bit x). */
static uint64_t
icbrt128(sp_u128 x)
{
	uint64_t r = 0;
	int b;

	for (b = 42; b >= 0; b--) {
		uint64_t y = r | (UINT64_C(1) << b);

		/* y^3 <= x  <=>  y^2 <= floor(x / y), without overflowing y^3. */
		if ((sp_u128)y * y <= x / y)
			r = y;
	}
	return r;
}

uint32_t
sp_tcp_cubic_k_us(uint32_t w_max, uint32_t cwnd_epoch, uint32_t mss)
{
	sp_u128 x;
	uint64_t k;

	if (cwnd_epoch >= w_max || mss == 0)
		return 0;
	/*
	 * K [s] = cbrt((W_max - cwnd_epoch) [segments] / C), so in microseconds
	 * K^3 = (W_max - cwnd_epoch) [bytes] / mss / 0.4 * 10^18 = diff * 25 * 10^17 / mss.
	 */
	x = (sp_u128)(w_max - cwnd_epoch) * 25 * UINT64_C(100000000000000000) / mss;
	k = icbrt128(x);
	return sat32(k);
}

uint32_t
sp_tcp_cubic_window(const struct sp_tcp_cc *cc, uint64_t t_us)
{
	uint64_t d;
	sp_u128 delta;
	bool below;

	below = t_us < cc->k_us;
	d = below ? cc->k_us - t_us : t_us - cc->k_us;
	if (d > CUBIC_MAX_DT_US)
		d = CUBIC_MAX_DT_US;
	/* C * (t-K)^3 segments = 0.4 * d^3 / 10^18 * mss bytes = 4 * mss * d^3 / 10^19. */
	delta = (sp_u128)d * d * d * cc->mss * 4 / ((sp_u128)UINT64_C(10000000000000000000));
	if (below)
		return delta >= cc->origin_point ? 0 : cc->origin_point - (uint32_t)delta;
	delta += cc->origin_point;
	return delta > UINT32_MAX ? UINT32_MAX : (uint32_t)delta;
}

static void
cubic_init(struct sp_tcp_cc *cc, uint32_t mss, uint64_t now_us)
{
	cc_init_common(cc, &sp_tcp_cc_cubic, mss);
}

/* RFC 9438 4.2: a new congestion avoidance stage starts: t = 0, K and the origin. */
static void
cubic_epoch_start(struct sp_tcp_cc *cc, uint64_t now_us)
{
	cc->epoch_start_us = now_us ? now_us : 1;
	if (cc->cwnd < cc->w_max) {
		cc->k_us = sp_tcp_cubic_k_us(cc->w_max, cc->cwnd, cc->mss);
		cc->origin_point = cc->w_max;
	} else {
		/* RFC 9438 4.8: after a timeout (W_max reset) or above the old maximum: K = 0,
		 * W_max = cwnd at the start of the stage. */
		cc->k_us = 0;
		cc->origin_point = cc->cwnd;
	}
	/* RFC 9438 4.3: W_est = cwnd_epoch. */
	cc->w_est = cc->cwnd;
	cc->est_acc = 0;
	cc->cwnd_acc = 0;
}

static void
cubic_rtt_sample(struct sp_tcp_cc *cc, uint32_t rtt_us)
{
	if (rtt_us == 0)
		return;
	if (cc->min_rtt_us == 0 || rtt_us < cc->min_rtt_us)
		cc->min_rtt_us = rtt_us;
	/* RFC 6298 2.3 gains (alpha = 1/8) for the RTT of RFC 9438 4.2's W_cubic(t + RTT). */
	if (cc->srtt_us == 0)
		cc->srtt_us = rtt_us;
	else
		cc->srtt_us = (uint32_t)(((uint64_t)cc->srtt_us * 7 + rtt_us) / 8);
}

static void
cubic_on_ack(
	struct sp_tcp_cc *cc, uint32_t acked, uint32_t rtt_us, uint32_t inflight, uint64_t now_us)
{
	uint64_t t, target, cap, w_t, num, inc;
	uint32_t alpha_num;

	cubic_rtt_sample(cc, rtt_us);
	if (acked == 0)
		return;
	cc->in_rto = false;
	if (!cc_limited(cc, inflight))
		return;
	if (cc->cwnd < cc->ssthresh) {
		/* RFC 9438 4.10: slow start as in RFC 5681 (no HyStart here). */
		cc_slow_start(cc, acked);
		return;
	}
	if (cc->epoch_start_us == 0)
		cubic_epoch_start(cc, now_us);
	t = now_us > cc->epoch_start_us ? now_us - cc->epoch_start_us : 0;

	/* RFC 9438 4.3: Reno-friendly estimate, alpha_cubic until W_est reaches cwnd_prior. */
	alpha_num = cc->w_est >= cc->cwnd_prior ? CUBIC_ALPHA_DEN : CUBIC_ALPHA_NUM;
	cc->est_acc += (uint64_t)acked * cc->mss * alpha_num;
	inc = cc->est_acc / ((uint64_t)CUBIC_ALPHA_DEN * cc->cwnd);
	cc->est_acc -= inc * CUBIC_ALPHA_DEN * cc->cwnd;
	cc->w_est = sat32(cc->w_est + inc);

	w_t = sp_tcp_cubic_window(cc, t);
	if (w_t < cc->w_est) {
		/* Reno-friendly region: cwnd follows W_est. */
		if (cc->w_est > cc->cwnd)
			cc->cwnd = cc->w_est;
		return;
	}

	/* RFC 9438 4.2: target = W_cubic(t + RTT) clamped to [cwnd, 1.5 cwnd]. */
	target = sp_tcp_cubic_window(cc, t + cc->srtt_us);
	cap = (uint64_t)cc->cwnd * 3 / 2;
	if (target > cap)
		target = cap;
	if (target <= cc->cwnd)
		return;
	/* RFC 9438 4.4/4.5: cwnd += (target - cwnd) / cwnd per segment acked, in bytes. */
	num = (target - cc->cwnd) * acked;
	cc->cwnd_acc += num;
	inc = cc->cwnd_acc / cc->cwnd;
	cc->cwnd_acc -= inc * cc->cwnd;
	cc->cwnd = sat32(cc->cwnd + inc);
}

/* RFC 9438 4.7: fast convergence: release bandwidth when the maximum keeps shrinking. */
static void
cubic_set_w_max(struct sp_tcp_cc *cc)
{
	cc->w_last_max = cc->w_max;
	if (cc->cwnd < cc->w_max)
		cc->w_max = (uint32_t)((uint64_t)cc->cwnd * CUBIC_FC_NUM / CUBIC_FC_DEN);
	else
		cc->w_max = cc->cwnd;
}

static void
cubic_on_loss(struct sp_tcp_cc *cc, uint32_t inflight, uint64_t now_us)
{
	/* RFC 9438 4.6: cwnd_prior, ssthresh = max(flight * beta, 2*SMSS), new epoch later. */
	cubic_set_w_max(cc);
	cc->cwnd_prior = cc->cwnd;
	cc->ssthresh = cc_reduced(cc, inflight, CUBIC_BETA_NUM, CUBIC_BETA_DEN);
	/* Fast recovery itself is the core's (RFC 6582); same inflation as NewReno. */
	cc->cwnd = sat32((uint64_t)cc->ssthresh + 3 * (uint64_t)cc->mss);
	cc->epoch_start_us = 0;
	cc->bytes_acked = 0;
}

static void
cubic_on_timeout(struct sp_tcp_cc *cc, uint32_t inflight, uint64_t now_us)
{
	/*
	 * RFC 9438 4.8: ssthresh with beta_cubic (held on repeated timeouts, RFC 5681 3.1),
	 * cwnd = 1 SMSS, and the first congestion avoidance stage after it uses K = 0 and
	 * W_max = cwnd at its start (W_max forgotten here).
	 */
	if (!cc->in_rto) {
		cc->cwnd_prior = cc->cwnd;
		cc->ssthresh = cc_reduced(cc, inflight, CUBIC_BETA_NUM, CUBIC_BETA_DEN);
		cc->w_last_max = cc->w_max;
	}
	cc->in_rto = true;
	cc->w_max = 0;
	cc->cwnd = cc->mss;
	cc->epoch_start_us = 0;
	cc->bytes_acked = 0;
}

static void
cubic_on_idle(struct sp_tcp_cc *cc, uint64_t now_us)
{
	/* RFC 5681 4.1 restart window; the idle time must not count as CUBIC growth time. */
	newreno_on_idle(cc, now_us);
	cc->epoch_start_us = 0;
}

const struct sp_tcp_cc_ops sp_tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_loss = cubic_on_loss,
	.on_recovery_exit = cc_recovery_exit,
	.on_timeout = cubic_on_timeout,
	.on_idle = cubic_on_idle,
};

const struct sp_tcp_cc_ops *
sp_tcp_cc_find(const char *name)
{
	if (name == NULL)
		return NULL;
	if (strcmp(name, "newreno") == 0 || strcmp(name, "reno") == 0)
		return &sp_tcp_cc_newreno;
	if (strcmp(name, "cubic") == 0)
		return &sp_tcp_cc_cubic;
	return NULL;
}

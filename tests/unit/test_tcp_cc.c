/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control window arithmetic (tcp_cc.c), step by step against hand-computed values:
 * RFC 6928 initial window, RFC 5681/3465 slow start and congestion avoidance, NewReno loss and
 * timeout (RFC 5681 3.1/3.2, RFC 6582), CUBIC (RFC 9438): K, W_cubic(t) against the formula in
 * double, concave/convex growth per RTT against a per-ACK model of the RFC text, fast
 * convergence, the Reno-friendly region, timeout and idle restart.
 */
#include <math.h>

#include "sp_test.h"
#include "tcp_cc.h"

#define MSS 1460
#define SEC 1000000ull
#define T0  (1000 * SEC) /* arbitrary start of the fake clock, microseconds */

static void
cc_new(struct sp_tcp_cc *cc, const struct sp_tcp_cc_ops *ops, uint32_t mss)
{
	memset(cc, 0xa5, sizeof(*cc)); /* init() must not depend on what was there */
	cc->ops = ops;
	ops->init(cc, mss, T0);
}

/*
 * One round trip of a window-limited sender: the whole window @cwnd (bytes at the start of the
 * round) is acknowledged in ACKs of @per_ack bytes at time @now, each reporting @rtt.
 */
static void
ack_round(struct sp_tcp_cc *cc, uint32_t per_ack, uint32_t rtt, uint64_t now)
{
	uint32_t left = cc->cwnd;

	while (left > 0) {
		uint32_t a = left < per_ack ? left : per_ack;

		cc->ops->on_ack(cc, a, rtt, cc->cwnd, now);
		left -= a;
	}
}

/* ---------------- common ---------------- */

static void
test_find(void **state)
{
	assert_ptr_equal(sp_tcp_cc_find("newreno"), &sp_tcp_cc_newreno);
	assert_ptr_equal(sp_tcp_cc_find("reno"), &sp_tcp_cc_newreno);
	assert_ptr_equal(sp_tcp_cc_find("cubic"), &sp_tcp_cc_cubic);
	assert_null(sp_tcp_cc_find("bbr"));
	assert_null(sp_tcp_cc_find(""));
	assert_null(sp_tcp_cc_find(NULL));
	assert_string_equal(sp_tcp_cc_newreno.name, "newreno");
	assert_string_equal(sp_tcp_cc_cubic.name, "cubic");
}

static void
test_initial_window(void **state)
{
	const struct sp_tcp_cc_ops *ops[] = {&sp_tcp_cc_newreno, &sp_tcp_cc_cubic};
	struct sp_tcp_cc cc;
	unsigned i;

	/* RFC 6928: min(10*MSS, max(2*MSS, 14600)). */
	assert_int_equal(sp_tcp_cc_iw(1460), 14600);
	assert_int_equal(sp_tcp_cc_iw(536), 5360);
	assert_int_equal(sp_tcp_cc_iw(1000), 10000);
	assert_int_equal(sp_tcp_cc_iw(4000), 14600);
	assert_int_equal(sp_tcp_cc_iw(8960), 17920);
	for (i = 0; i < 2; i++) {
		cc_new(&cc, ops[i], MSS);
		assert_ptr_equal(cc.ops, ops[i]);
		assert_int_equal(cc.mss, MSS);
		assert_int_equal(cc.cwnd, 14600);
		assert_int_equal(cc.ssthresh, UINT32_MAX);
		assert_int_equal(cc.bytes_acked, 0);
		assert_int_equal(cc.epoch_start_us, 0);
		assert_int_equal(cc.w_max, 0);
		cc_new(&cc, ops[i], 8960);
		assert_int_equal(cc.cwnd, 17920);
	}
}

/* ---------------- slow start (both algorithms) ---------------- */

static void
slow_start_doubles(const struct sp_tcp_cc_ops *ops)
{
	struct sp_tcp_cc cc;

	cc_new(&cc, ops, MSS);
	/* One ACK per segment: +1 MSS per ACK, the window doubles every round trip. */
	ack_round(&cc, MSS, 10000, T0);
	assert_int_equal(cc.cwnd, 29200);
	ack_round(&cc, MSS, 10000, T0 + 10000);
	assert_int_equal(cc.cwnd, 58400);
	/* Delayed ACKs (every second segment): +2 MSS per ACK (RFC 3465 L = 2), still doubling. */
	ack_round(&cc, 2 * MSS, 10000, T0 + 20000);
	assert_int_equal(cc.cwnd, 116800);
	/* A stretch ACK of 4 segments counts only L = 2 segments. */
	cc.ops->on_ack(&cc, 4 * MSS, 10000, cc.cwnd, T0 + 30000);
	assert_int_equal(cc.cwnd, 116800 + 2 * MSS);
	/* A partial segment counts its bytes. */
	cc.ops->on_ack(&cc, 100, 10000, cc.cwnd, T0 + 30000);
	assert_int_equal(cc.cwnd, 116800 + 2 * MSS + 100);
	assert_true(cc.cwnd < cc.ssthresh);
}

static void
test_slow_start_newreno(void **state)
{
	slow_start_doubles(&sp_tcp_cc_newreno);
}

static void
test_slow_start_cubic(void **state)
{
	slow_start_doubles(&sp_tcp_cc_cubic);
}

static void
test_slow_start_capped_at_ssthresh(void **state)
{
	struct sp_tcp_cc cc;

	cc_new(&cc, &sp_tcp_cc_newreno, MSS);
	cc.ssthresh = 20000;
	cc.ops->on_ack(&cc, 2 * MSS, 0, cc.cwnd, T0);
	assert_int_equal(cc.cwnd, 17520);
	cc.ops->on_ack(&cc, 2 * MSS, 0, cc.cwnd, T0);
	assert_int_equal(cc.cwnd, 20000); /* not 20440 */
	/* Now in congestion avoidance: the next full-segment ACK alone grows nothing. */
	cc.ops->on_ack(&cc, MSS, 0, cc.cwnd, T0);
	assert_int_equal(cc.cwnd, 20000);
	assert_int_equal(cc.bytes_acked, MSS);
}

static void
test_not_cwnd_limited(void **state)
{
	const struct sp_tcp_cc_ops *ops[] = {&sp_tcp_cc_newreno, &sp_tcp_cc_cubic};
	struct sp_tcp_cc cc;
	unsigned i;

	for (i = 0; i < 2; i++) {
		/* Slow start: less than half the window in flight, no growth (RFC 7661). */
		cc_new(&cc, ops[i], MSS);
		cc.ops->on_ack(&cc, MSS, 1000, 7299, T0);
		assert_int_equal(cc.cwnd, 14600);
		cc.ops->on_ack(&cc, MSS, 1000, 7300, T0);
		assert_int_equal(cc.cwnd, 14600 + MSS);
		/* Congestion avoidance: more than one MSS of the window unused, no growth. */
		cc.cwnd = cc.ssthresh = 29200;
		cc.bytes_acked = 0;
		for (unsigned k = 0; k < 100; k++)
			cc.ops->on_ack(&cc, MSS, 1000, 29200 - MSS, T0 + k * 1000);
		assert_int_equal(cc.cwnd, 29200);
		assert_int_equal(cc.epoch_start_us, 0);
	}
}

/* ---------------- NewReno ---------------- */

static void
test_newreno_congestion_avoidance(void **state)
{
	struct sp_tcp_cc cc;
	unsigned i;

	cc_new(&cc, &sp_tcp_cc_newreno, MSS);
	cc.cwnd = cc.ssthresh = 20 * MSS;
	/* RFC 5681 3.1 with byte counting: +1 MSS once a whole cwnd has been acknowledged. */
	for (i = 0; i < 19; i++) {
		cc.ops->on_ack(&cc, MSS, 10000, cc.cwnd, T0);
		assert_int_equal(cc.cwnd, 20 * MSS);
	}
	cc.ops->on_ack(&cc, MSS, 10000, cc.cwnd, T0);
	assert_int_equal(cc.cwnd, 21 * MSS);
	assert_int_equal(cc.bytes_acked, 0);
	/* Next round needs 21 segments; with delayed ACKs the remainder carries over. */
	for (i = 0; i < 10; i++)
		cc.ops->on_ack(&cc, 2 * MSS, 10000, cc.cwnd, T0);
	assert_int_equal(cc.cwnd, 21 * MSS);
	cc.ops->on_ack(&cc, 2 * MSS, 10000, cc.cwnd, T0);
	assert_int_equal(cc.cwnd, 22 * MSS);
	assert_int_equal(cc.bytes_acked, MSS);
	/* Ten more round trips: one MSS each. */
	for (i = 0; i < 10; i++)
		ack_round(&cc, MSS, 10000, T0);
	assert_int_equal(cc.cwnd, 32 * MSS);
}

static void
test_newreno_loss(void **state)
{
	struct sp_tcp_cc cc;

	cc_new(&cc, &sp_tcp_cc_newreno, MSS);
	cc.cwnd = 40 * MSS;
	cc.bytes_acked = 1234;
	/* RFC 5681 3.2: ssthresh = max(FlightSize / 2, 2*SMSS), cwnd = ssthresh + 3*SMSS. */
	cc.ops->on_loss(&cc, 40 * MSS, T0);
	assert_int_equal(cc.ssthresh, 20 * MSS);
	assert_int_equal(cc.cwnd, 23 * MSS);
	assert_int_equal(cc.bytes_acked, 0);
	/* RFC 6582 3.2 step 3: full ACK, deflate to ssthresh. */
	cc.ops->on_recovery_exit(&cc, T0 + 100000);
	assert_int_equal(cc.cwnd, 20 * MSS);
	/* Then congestion avoidance (cwnd == ssthresh). */
	ack_round(&cc, MSS, 10000, T0 + 200000);
	assert_int_equal(cc.cwnd, 21 * MSS);
	/* FlightSize, not cwnd (RFC 5681 eq. 4 note): an odd flight rounds down. */
	cc.ops->on_loss(&cc, 10001, T0);
	assert_int_equal(cc.ssthresh, 5000);
	/* A tiny flight: at least 2 SMSS. */
	cc.ops->on_loss(&cc, 1000, T0);
	assert_int_equal(cc.ssthresh, 2 * MSS);
	assert_int_equal(cc.cwnd, 5 * MSS);
}

static void
test_newreno_timeout(void **state)
{
	struct sp_tcp_cc cc;

	cc_new(&cc, &sp_tcp_cc_newreno, MSS);
	cc.cwnd = 40 * MSS;
	/* RFC 5681 3.1: ssthresh per eq. 4, cwnd = loss window = 1 SMSS. */
	cc.ops->on_timeout(&cc, 30 * MSS, T0);
	assert_int_equal(cc.ssthresh, 15 * MSS);
	assert_int_equal(cc.cwnd, MSS);
	/* The retransmission is lost again: ssthresh held, not recomputed from the flight. */
	cc.ops->on_timeout(&cc, 2 * MSS, T0 + 1000000);
	assert_int_equal(cc.ssthresh, 15 * MSS);
	assert_int_equal(cc.cwnd, MSS);
	/* New data acknowledged: slow start from one segment. */
	cc.ops->on_ack(&cc, MSS, 10000, MSS, T0 + 2000000);
	assert_int_equal(cc.cwnd, 2 * MSS);
	ack_round(&cc, MSS, 10000, T0 + 2010000);
	assert_int_equal(cc.cwnd, 4 * MSS);
	/* A later, separate timeout computes ssthresh again. */
	cc.ops->on_timeout(&cc, 4 * MSS, T0 + 3000000);
	assert_int_equal(cc.ssthresh, 2 * MSS);
	assert_int_equal(cc.cwnd, MSS);
}

static void
test_newreno_idle(void **state)
{
	struct sp_tcp_cc cc;

	cc_new(&cc, &sp_tcp_cc_newreno, MSS);
	cc.cwnd = 40 * MSS;
	cc.ssthresh = 30 * MSS;
	/* RFC 5681 4.1: cwnd = min(IW, cwnd) after idle; ssthresh unchanged. */
	cc.ops->on_idle(&cc, T0);
	assert_int_equal(cc.cwnd, 14600);
	assert_int_equal(cc.ssthresh, 30 * MSS);
	cc.cwnd = 2 * MSS;
	cc.ops->on_idle(&cc, T0);
	assert_int_equal(cc.cwnd, 2 * MSS);
}

/* ---------------- CUBIC ---------------- */

#define C_CUBIC 0.4
#define BETA	0.7

/* RFC 9438 eq. 1 in double, bytes. */
static double
w_cubic_ref(double t_s, double k_s, double w_max_bytes, double mss)
{
	return C_CUBIC * pow(t_s - k_s, 3) * mss + w_max_bytes;
}

/* Bring @cc (CUBIC) to a loss at @w bytes (window-limited), then out of recovery. */
static void
cubic_loss_at(struct sp_tcp_cc *cc, uint32_t w, uint64_t now)
{
	cc->cwnd = w;
	cc->ops->on_loss(cc, w, now);
	cc->ops->on_recovery_exit(cc, now);
}

static void
test_cubic_loss_beta(void **state)
{
	struct sp_tcp_cc cc;

	cc_new(&cc, &sp_tcp_cc_cubic, MSS);
	cc.cwnd = 100 * MSS;
	cc.ops->on_loss(&cc, 100 * MSS, T0);
	/* RFC 9438 4.6: ssthresh = flight * 0.7, cwnd_prior, W_max (first loss: cwnd). */
	assert_int_equal(cc.ssthresh, 102200);
	assert_int_equal(cc.cwnd, 102200 + 3 * MSS);
	assert_int_equal(cc.cwnd_prior, 146000);
	assert_int_equal(cc.w_max, 146000);
	assert_int_equal(cc.epoch_start_us, 0);
	cc.ops->on_recovery_exit(&cc, T0 + 50000);
	assert_int_equal(cc.cwnd, 102200);
	/* A tiny flight: at least 2 SMSS. */
	cc.ops->on_loss(&cc, 2000, T0);
	assert_int_equal(cc.ssthresh, 2 * MSS);
}

static void
test_cubic_k_and_window(void **state)
{
	struct sp_tcp_cc cc;
	const double w_max = 146000, epoch = 102200;
	const double k_ref = cbrt((w_max - epoch) / MSS / C_CUBIC); /* cbrt(75) s */
	const double ts[] = {0, 0.5, 1, 2, 3, 4, k_ref, 5, 6, 8, 10, 20};
	unsigned i;

	/* K alone: cbrt((W_max - cwnd_epoch) / C) in segments, here exactly cbrt(75) s. */
	assert_true(fabs(sp_tcp_cubic_k_us(146000, 102200, MSS) - k_ref * 1e6) <= 1.0);
	assert_true(fabs(sp_tcp_cubic_k_us(1460000, 0, MSS) - cbrt(1000 / C_CUBIC) * 1e6) <= 1.0);
	assert_int_equal(sp_tcp_cubic_k_us(1000, 1000, MSS), 0);
	assert_int_equal(sp_tcp_cubic_k_us(1000, 2000, MSS), 0);

	cc_new(&cc, &sp_tcp_cc_cubic, MSS);
	cubic_loss_at(&cc, 146000, T0);
	assert_int_equal(cc.cwnd, 102200);
	/* The first ACK in congestion avoidance starts the epoch (RFC 9438 4.2). */
	cc.ops->on_ack(&cc, MSS, 100000, cc.cwnd, T0 + 1000);
	assert_int_equal(cc.epoch_start_us, T0 + 1000);
	assert_int_equal(cc.origin_point, 146000);
	assert_true(fabs(cc.k_us - k_ref * 1e6) <= 1.0);
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		double ref = w_cubic_ref(ts[i], k_ref, w_max, MSS);
		uint32_t got = sp_tcp_cubic_window(&cc, (uint64_t)(ts[i] * 1e6));

		if (fabs(got - ref) > 2.0)
			fail_msg("W_cubic(%.3f s) = %u, RFC formula %.1f", ts[i], got, ref);
	}
	/* Anchors: W(0) = cwnd_epoch, W(K) = W_max. */
	assert_true(abs((int)sp_tcp_cubic_window(&cc, 0) - (int)epoch) <= 2);
	assert_int_equal(sp_tcp_cubic_window(&cc, cc.k_us), 146000);
}

/*
 * The RFC 9438 text per ACK in double (segments), for a window-limited sender whose window is
 * acknowledged one segment per ACK once per RTT: target = W_cubic(t + RTT) in [cwnd, 1.5 cwnd],
 * cwnd += (target - cwnd) / cwnd per ACK, W_est += alpha / cwnd per ACK, cwnd = W_est when
 * W_cubic(t) < W_est.
 */
struct cubic_model {
	double cwnd, w_max, k, w_est, prior;
};

static void
model_round(struct cubic_model *m, double t, double rtt)
{
	double n = floor(m->cwnd), i;

	for (i = 0; i < n; i++) {
		double target = C_CUBIC * pow(t + rtt - m->k, 3) + m->w_max;
		double wt = C_CUBIC * pow(t - m->k, 3) + m->w_max;
		double alpha = m->w_est >= m->prior ? 1.0 : 3 * (1 - BETA) / (1 + BETA);

		m->w_est += alpha / m->cwnd;
		if (wt < m->w_est) {
			if (m->w_est > m->cwnd)
				m->cwnd = m->w_est;
			continue;
		}
		if (target > 1.5 * m->cwnd)
			target = 1.5 * m->cwnd;
		if (target > m->cwnd)
			m->cwnd += (target - m->cwnd) / m->cwnd;
	}
}

static void
test_cubic_growth_per_rtt(void **state)
{
	struct sp_tcp_cc cc;
	struct cubic_model m;
	const uint32_t rtt = 100000; /* 100 ms: well outside the Reno-friendly region */
	const double k = cbrt(30 / C_CUBIC);
	double prev_growth = 1e9, growth;
	uint32_t before;
	unsigned r;

	cc_new(&cc, &sp_tcp_cc_cubic, MSS);
	cubic_loss_at(&cc, 100 * MSS, T0);
	m.cwnd = 70;
	m.w_max = 100;
	m.k = k;
	m.w_est = 70;
	m.prior = 100;
	/* Concave region: each round grows less than the one before, approaching W_max. */
	for (r = 0; r < 42; r++) {
		uint64_t now = T0 + (uint64_t)r * rtt;

		before = cc.cwnd;
		/* The epoch starts at the first ACK of round 0, so t = r * RTT for the model. */
		ack_round(&cc, MSS, rtt, now);
		model_round(&m, r * 0.1, 0.1);
		growth = (double)cc.cwnd - before;
		if (fabs(cc.cwnd / (double)MSS - m.cwnd) > 0.02 * m.cwnd)
			fail_msg("round %u: cwnd %u bytes, RFC model %.1f segments", r, cc.cwnd,
				m.cwnd);
		if (r >= 3 && growth > prev_growth + 20.0)
			fail_msg("round %u: concave growth rose %.0f -> %.0f", r, prev_growth,
				growth);
		prev_growth = growth;
	}
	/* Around K (4.2 s) the window plateaus near W_max. */
	assert_true(cc.cwnd > 95 * MSS && cc.cwnd <= 101 * MSS);
	/* Convex region: growth accelerates past W_max. */
	for (; r < 80; r++) {
		uint64_t now = T0 + (uint64_t)r * rtt;

		before = cc.cwnd;
		ack_round(&cc, MSS, rtt, now);
		model_round(&m, r * 0.1, 0.1);
		growth = (double)cc.cwnd - before;
		if (fabs(cc.cwnd / (double)MSS - m.cwnd) > 0.02 * m.cwnd)
			fail_msg("round %u: cwnd %u bytes, RFC model %.1f segments", r, cc.cwnd,
				m.cwnd);
		if (r > 50 && growth + 20.0 < prev_growth)
			fail_msg("round %u: convex growth fell %.0f -> %.0f", r, prev_growth,
				growth);
		prev_growth = growth;
	}
	assert_true(cc.cwnd > 110 * MSS);
}

static void
test_cubic_target_capped(void **state)
{
	struct sp_tcp_cc cc;
	uint32_t before;

	/* RFC 9438 4.2: target at most 1.5 * cwnd, so one round cannot more than 1.5x the
	 * window however far t is past K. */
	cc_new(&cc, &sp_tcp_cc_cubic, MSS);
	cubic_loss_at(&cc, 20 * MSS, T0);
	cc.ops->on_ack(&cc, MSS, 100000, cc.cwnd, T0 + 1); /* epoch starts */
	before = cc.cwnd;
	ack_round(&cc, MSS, 100000, T0 + 60 * SEC);
	assert_true(cc.cwnd <= before * 3 / 2 + MSS);
	assert_true(cc.cwnd > before * 5 / 4);
}

static void
test_cubic_fast_convergence(void **state)
{
	struct sp_tcp_cc cc;

	cc_new(&cc, &sp_tcp_cc_cubic, MSS);
	cubic_loss_at(&cc, 100 * MSS, T0);
	assert_int_equal(cc.w_max, 100 * MSS);
	/* RFC 9438 4.7: a loss below the previous W_max: W_max = cwnd * (1 + beta) / 2. */
	cubic_loss_at(&cc, 80 * MSS, T0 + 10 * SEC);
	assert_int_equal(cc.w_last_max, 100 * MSS);
	assert_int_equal(cc.w_max, 80 * MSS * 17 / 20); /* 68 segments */
	assert_int_equal(cc.ssthresh, 56 * MSS);
	/* The epoch aims at the lowered maximum: K = cbrt((68 - 56) / 0.4) s. */
	cc.ops->on_ack(&cc, MSS, 100000, cc.cwnd, T0 + 11 * SEC);
	assert_int_equal(cc.origin_point, 68 * MSS);
	assert_true(fabs(cc.k_us - cbrt(12 / C_CUBIC) * 1e6) <= 1.0);
	/* A loss above W_max: W_max = cwnd, no reduction of it. */
	cubic_loss_at(&cc, 90 * MSS, T0 + 20 * SEC);
	assert_int_equal(cc.w_max, 90 * MSS);
	assert_int_equal(cc.w_last_max, 68 * MSS);
}

static void
test_cubic_reno_friendly(void **state)
{
	struct sp_tcp_cc cc;
	const uint32_t rtt = 1000; /* 1 ms: W_cubic hardly moves, Reno would grow faster */
	uint32_t before, w_est0;
	unsigned r;

	cc_new(&cc, &sp_tcp_cc_cubic, MSS);
	cubic_loss_at(&cc, 20 * MSS, T0); /* ssthresh 14 segments, W_max 20 */
	assert_int_equal(cc.cwnd, 20440);
	/* First round: W_est grows by alpha = 3(1-0.7)/(1+0.7) = 9/17 segment, and cwnd with it. */
	ack_round(&cc, MSS, rtt, T0 + 1);
	w_est0 = 20440;
	assert_true(cc.w_est > w_est0 + 700 && cc.w_est <= w_est0 + 773);
	assert_int_equal(cc.cwnd, cc.w_est);
	assert_true(sp_tcp_cubic_window(&cc, rtt) < cc.w_est);
	/* Until W_est reaches cwnd_prior (20 segments) the growth stays ~alpha per round. */
	for (r = 1; r < 8; r++) {
		before = cc.cwnd;
		ack_round(&cc, MSS, rtt, T0 + 1 + r * rtt);
		assert_true(cc.cwnd - before > 650 && cc.cwnd - before <= 773);
	}
	/* Past cwnd_prior alpha becomes 1: Reno's one segment per round. */
	for (; r < 20; r++)
		ack_round(&cc, MSS, rtt, T0 + 1 + r * rtt);
	assert_true(cc.w_est > cc.cwnd_prior);
	before = cc.cwnd;
	ack_round(&cc, MSS, rtt, T0 + 1 + r * rtt);
	assert_true(cc.cwnd - before > 1350 && cc.cwnd - before <= MSS);
	assert_int_equal(cc.cwnd, cc.w_est);
}

static void
test_cubic_timeout(void **state)
{
	struct sp_tcp_cc cc;

	cc_new(&cc, &sp_tcp_cc_cubic, MSS);
	cubic_loss_at(&cc, 100 * MSS, T0);
	cc.ops->on_ack(&cc, MSS, 100000, cc.cwnd, T0 + 1000);
	assert_int_not_equal(cc.epoch_start_us, 0);
	cc.cwnd = 80 * MSS;
	/* RFC 9438 4.8: ssthresh with beta, cwnd = 1 SMSS, epoch and W_max reset. */
	cc.ops->on_timeout(&cc, 80 * MSS, T0 + SEC);
	assert_int_equal(cc.ssthresh, 56 * MSS);
	assert_int_equal(cc.cwnd, MSS);
	assert_int_equal(cc.epoch_start_us, 0);
	assert_int_equal(cc.w_max, 0);
	assert_int_equal(cc.w_last_max, 100 * MSS);
	/* Backed-off RTO: ssthresh (and the W_max remembered) held. */
	cc.ops->on_timeout(&cc, 10 * MSS, T0 + 3 * SEC);
	assert_int_equal(cc.ssthresh, 56 * MSS);
	assert_int_equal(cc.w_last_max, 100 * MSS);
	/* Slow start back to ssthresh. */
	while (cc.cwnd < cc.ssthresh)
		cc.ops->on_ack(&cc, MSS, 100000, cc.cwnd, T0 + 4 * SEC);
	assert_int_equal(cc.cwnd, 56 * MSS);
	/* First congestion avoidance stage after the timeout: K = 0, W_max = cwnd_epoch. */
	cc.ops->on_ack(&cc, MSS, 100000, cc.cwnd, T0 + 5 * SEC);
	assert_int_equal(cc.k_us, 0);
	assert_int_equal(cc.origin_point, 56 * MSS);
	assert_int_equal(cc.epoch_start_us, T0 + 5 * SEC);
	/* Convex from the start: W(1 s) = 56 + 0.4 segments. */
	assert_true(abs((int)sp_tcp_cubic_window(&cc, SEC) - (int)(56.4 * MSS)) <= 1);
}

static void
test_cubic_idle(void **state)
{
	struct sp_tcp_cc cc;

	cc_new(&cc, &sp_tcp_cc_cubic, MSS);
	cubic_loss_at(&cc, 100 * MSS, T0);
	cc.ops->on_ack(&cc, MSS, 100000, cc.cwnd, T0 + 1000);
	assert_int_not_equal(cc.epoch_start_us, 0);
	/* RFC 5681 4.1 restart window, and the idle time does not count as CUBIC time. */
	cc.ops->on_idle(&cc, T0 + 30 * SEC);
	assert_int_equal(cc.cwnd, 14600);
	assert_int_equal(cc.epoch_start_us, 0);
	assert_int_equal(cc.ssthresh, 102200);
	assert_int_equal(cc.w_max, 146000);
	/* Slow start to ssthresh, then the next epoch aims at W_max again. */
	while (cc.cwnd < cc.ssthresh)
		cc.ops->on_ack(&cc, 2 * MSS, 100000, cc.cwnd, T0 + 31 * SEC);
	cc.ops->on_ack(&cc, MSS, 100000, cc.cwnd, T0 + 32 * SEC);
	assert_int_equal(cc.epoch_start_us, T0 + 32 * SEC);
	assert_int_equal(cc.origin_point, 146000);
}

/*
 * RFC 4015 3.2 undo of a spurious response: ssthresh = pipe_prev = max(FlightSize, ssthresh)
 * before it, cwnd = FlightSize + min(acked, IW) but at most the cwnd before and never lower;
 * CUBIC's W_max and cwnd_prior of before, a new epoch.
 */
static void
test_cc_undo(void **state)
{
	struct sp_tcp_cc_prior prior;
	struct sp_tcp_cc cc;

	cc_new(&cc, &sp_tcp_cc_cubic, MSS);
	cc.cwnd = 100 * MSS;
	cc.ssthresh = 80 * MSS;
	cc.w_max = 120 * MSS;
	cc.cwnd_prior = 90 * MSS;
	sp_tcp_cc_save(&cc, 95 * MSS, &prior);
	assert_int_equal(prior.ssthresh, 95 * MSS); /* FlightSize above ssthresh */
	cc.ops->on_loss(&cc, 95 * MSS, T0);
	cc.ops->on_recovery_exit(&cc, T0 + 50000);
	assert_true(cc.ssthresh < 80 * MSS && cc.w_max != 120 * MSS);
	/* 60 segments in flight, 2 acknowledged: 62 segments, below cwnd after the cut: kept. */
	sp_tcp_cc_undo(&cc, &prior, 60 * MSS, 2 * MSS);
	assert_int_equal(cc.ssthresh, 95 * MSS);
	assert_int_equal(cc.cwnd, 66 * MSS + MSS / 2); /* 0.7 * 95 segments */
	assert_int_equal(cc.w_max, 120 * MSS);
	assert_int_equal(cc.cwnd_prior, 90 * MSS);
	assert_int_equal(cc.epoch_start_us, 0);
	/* A large flight: IW at most, capped at the cwnd before. */
	cc.cwnd = 10 * MSS;
	sp_tcp_cc_undo(&cc, &prior, 50 * MSS, 40 * MSS);
	assert_int_equal(cc.cwnd, 60 * MSS);
	sp_tcp_cc_undo(&cc, &prior, 99 * MSS, 40 * MSS);
	assert_int_equal(cc.cwnd, 100 * MSS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_cc_undo),
		cmocka_unit_test(test_initial_window),
		cmocka_unit_test(test_slow_start_newreno),
		cmocka_unit_test(test_slow_start_cubic),
		cmocka_unit_test(test_slow_start_capped_at_ssthresh),
		cmocka_unit_test(test_not_cwnd_limited),
		cmocka_unit_test(test_newreno_congestion_avoidance),
		cmocka_unit_test(test_newreno_loss),
		cmocka_unit_test(test_newreno_timeout),
		cmocka_unit_test(test_newreno_idle),
		cmocka_unit_test(test_cubic_loss_beta),
		cmocka_unit_test(test_cubic_k_and_window),
		cmocka_unit_test(test_cubic_growth_per_rtt),
		cmocka_unit_test(test_cubic_target_capped),
		cmocka_unit_test(test_cubic_fast_convergence),
		cmocka_unit_test(test_cubic_reno_friendly),
		cmocka_unit_test(test_cubic_timeout),
		cmocka_unit_test(test_cubic_idle),
	};

	return cmocka_run_group_tests_name("tcp_cc", tests, NULL, NULL);
}

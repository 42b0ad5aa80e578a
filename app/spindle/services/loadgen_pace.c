/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * loadgen's open-loop schedule (loadgen.h). Arrival times are computed, not sampled from the
 * clock, so a late poll neither loses arrivals nor spreads them out: the run reports what it
 * asked for next to what it achieved (docs/loadgen.md "Open loop").
 */
#include <math.h>
#include "loadgen.h"

#define PACE_MAX_PER_CALL (1u << 20)
#define PACE_RAMP_FLOOR	  0.01 /* the ramp starts at 1% of the rate, not at 0 */

/* xorshift64* (Vigna 2016): a uniform double in (0, 1]. */
static double
pace_uniform(struct lg_pace *p)
{
	uint64_t x = p->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	p->rng = x;
	return ((double)((x * 2685821657736338717ull) >> 11) + 1.0) / 9007199254740992.0;
}

/* Cycles from an arrival at @p t to the next one. */
static double
pace_gap(struct lg_pace *p, double t)
{
	double gap = p->full, frac;

	if (p->ramp > 0 && t < p->t0 + p->ramp) {
		frac = (t - p->t0) / p->ramp;
		if (frac < PACE_RAMP_FLOOR)
			frac = PACE_RAMP_FLOOR;
		gap /= frac;
	}
	if (p->poisson)
		gap *= -log(pace_uniform(p)); /* exponential with mean gap */
	return gap;
}

void
lg_pace_init(struct lg_pace *p, double rate, uint64_t hz, bool poisson, uint64_t ramp, uint64_t t0,
	uint64_t seed)
{
	p->full = rate > 0 ? (double)hz / rate : 0;
	p->t0 = (double)t0;
	p->ramp = (double)ramp;
	p->poisson = poisson;
	p->rng = seed != 0 ? seed : 0x9e3779b97f4a7c15ull;
	/* the first arrival is one gap after the start, like every later one */
	p->next = p->t0 + pace_gap(p, p->t0);
}

uint64_t
lg_pace_due(struct lg_pace *p, uint64_t now)
{
	uint64_t n = 0;

	if (p->full <= 0)
		return 0;
	while (p->next <= (double)now && n < PACE_MAX_PER_CALL) {
		n++;
		p->next += pace_gap(p, p->next);
	}
	return n;
}
